/* The relay as a process of its own: a guest that finds a bug in the frame
 * decoder gets a process that holds two sockets and nothing else. */
#include "lib/net/net_relay.h"
#include "lib/sandbox/syscall_allowlist.h"
#include "lib/vm/spawn.h"
#include "util/process.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

/* passt's resolver address for the guest (passt.c's --dns-forward). */
static const uint8_t passt_dns_forward[4] = {10, 0, 2, 3};

/* What the relay does once sandboxed: move bytes between its two sockets,
 * say how it ended, and its one allocation (malloc's mmap or brk). */
static const int relay_syscalls[] = {
    SYS_recvfrom, SYS_sendto,	    SYS_fcntl,		 SYS_ppoll, SYS_write,
    SYS_close,	  SYS_mmap,	    SYS_munmap,		 SYS_brk,   SYS_madvise,
    SYS_mremap,	  SYS_rt_sigreturn, SYS_restart_syscall, SYS_exit,  SYS_exit_group,
#ifdef SYS_poll
    SYS_poll,
#endif
};

/* Sandboxed and filtered, or why not: errno to the parent through
 * `ready`, which it waits for, so that a filter that cannot start is a
 * clear error and not a guest without network. */
static void relay_child(const struct frame_filter *filter, int vmm_fd, int passt_fd, int ready,
			const struct sandbox_policy *sandbox, int verbose)
{
	int status = 0;
	if (sandbox_enter(sandbox) < 0)
		status = errno ? errno : EPERM;
	/* Its name, for ps and the tests, while prctl is still allowed. */
	prctl(PR_SET_NAME, "krunsh-netrelay", 0, 0, 0);
	/* Where the architecture has no seccomp filter here, the namespaces
	 * and the dropped capabilities still hold. */
	if (!status &&
	    sandbox_allow_only_syscalls(relay_syscalls,
					sizeof(relay_syscalls) / sizeof(relay_syscalls[0])) < 0 &&
	    errno != ENOSYS)
		status = errno ? errno : EPERM;
	(void)!write(ready, &status, sizeof(status));
	close(ready);
	if (status)
		_exit(125);
	struct net_relay_stats stats;
	enum net_relay_end end = net_relay_run(filter, vmm_fd, passt_fd, verbose ? 2 : -1, &stats);
	if (end == NET_RELAY_BAD_LENGTH)
		net_relay_say(2,
			      "krunsh: network filter: the VMM sent a frame longer than %d bytes; "
			      "the guest's network is stopped\n",
			      NET_RELAY_FRAME_MAX);
	if (verbose && stats.last_refusal)
		net_relay_say(
		    2, "krunsh: network filter: %llu frames passed, %llu refused (last: %s)\n",
		    stats.passed, stats.refused, stats.last_refusal);
	else if (verbose)
		net_relay_say(2, "krunsh: network filter: %llu frames passed, none refused\n",
			      stats.passed);
	_exit(end == NET_RELAY_CLOSED ? 0 : 125);
}

/* The child's word: 0 once it is sandboxed and filtered. */
static int wait_until_ready(int ready, struct error *err)
{
	int status = 0;
	ssize_t n;
	while ((n = read(ready, &status, sizeof(status))) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(status) && status == 0)
		return 0;
	error_set(err, n == (ssize_t)sizeof(status) ? status : 0,
		  "--net: the network filter could not be sandboxed");
	return -1;
}

pid_t net_relay_start(int passt_fd, int log_fd, int verbose, int *vmm_fd, struct error *err)
{
	*vmm_fd = -1;
	/* In krunsh's own network namespace, before the relay leaves it. */
	struct host_addresses host;
	if (host_addresses_collect(&host, err) < 0)
		return -1;
	struct frame_filter filter = {.host = &host};
	for (int i = 0; i < 4; i++)
		filter.dns_forward[i] = passt_dns_forward[i];
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		error_set(err, errno, "socketpair for the network filter");
		return -1;
	}
	/* Nothing to reach but its two sockets: no network, no capability,
	 * no view of other processes, the host read-only. */
	struct sandbox_policy sandbox = {
	    .new_pid_namespace = 1,
	    .new_network_namespace = 1,
	    .new_ipc_namespace = 1,
	    .private_mounts = 1,
	    .drop_capabilities = 1,
	    .own_user_namespace = 1,
	};
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0) {
		error_set(err, errno, "pipe for the network filter");
		close(pair[0]);
		close(pair[1]);
		return -1;
	}
	int keep[3] = {pair[1], passt_fd, ready[1]};
	struct spawn_options so = {.keep_fds = keep,
				   .keep_fd_count = 3,
				   .stdout_fd = verbose ? 2 : log_fd,
				   .stderr_fd = verbose ? 2 : log_fd};
	pid_t pid = spawn_fork(&so, err);
	if (pid == 0) {
		/* Before the sandbox's waiter is forked: it must not hold the
		 * VMM's end (pair[0]), or the relay would never see the VMM
		 * close. */
		process_close_inherited_fds(keep, 3);
		relay_child(&filter, pair[1], passt_fd, ready[1], &sandbox, verbose);
	}
	close(pair[1]);
	close(ready[1]);
	int started = pid < 0 ? -1 : wait_until_ready(ready[0], err);
	close(ready[0]);
	if (started < 0) {
		if (pid > 0)
			process_kill_and_reap(pid);
		close(pair[0]);
		return -1;
	}
	*vmm_fd = pair[0];
	return pid;
}
