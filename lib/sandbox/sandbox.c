#include "lib/sandbox/sandbox.h"
#include "lib/sandbox/host_view.h"
#include "lib/sandbox/userns_map.h"
#include "util/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE 2
#endif

/* The waiter: the pid krunsh knows. It dies by SIGKILL when krunsh says
 * so, and its child, PID 1 of the new namespace, dies with it. */
static void wait_and_mirror(pid_t child)
{
	int status = 0;
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

static int hide_in_place(const struct host_view_plan *plan)
{
	for (size_t i = 0; plan && i < plan->mask_count; i++) {
		const struct host_view_mask *m = &plan->masks[i];
		int r = m->is_dir ? mount("none", m->path, "tmpfs",
					  MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
					  "mode=000,size=4k,nr_inodes=1")
				  : mount("/dev/null", m->path, "none", MS_BIND, NULL);
		if (r < 0 && errno != ENOENT)
			return -1;
	}
	return 0;
}

static int private_mounts(const struct sandbox_policy *p)
{
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	if (p->serve_view && host_view_build(p->serve_view) < 0)
		return -1;
	/* The processes of this pid namespace only. */
	if (p->new_pid_namespace &&
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	if (hide_in_place(p->hide) < 0)
		return -1;
	for (size_t i = 0; i < p->writable_count; i++)
		if (mount(p->writable[i], p->writable[i], "none", MS_BIND, NULL) < 0)
			return -1;
	if (mount_tree_read_only("/") < 0)
		return -1;
	for (size_t i = 0; i < p->writable_count; i++)
		if (mount_clear_read_only(p->writable[i]) < 0)
			return -1;
	return 0;
}

static int drop_capabilities(unsigned long long keep)
{
	for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2] = {{0}};
	for (int i = 0; i < 2; i++) {
		data[i].effective = (unsigned)(keep >> (32 * i));
		data[i].permitted = data[i].effective;
	}
	if (syscall(SYS_capset, &header, data) < 0)
		return -1;
	/* With the bounding set empty, not even a setuid or file-capability
	 * binary gives any back; no_new_privs says so once more. */
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

static int write_id_map(pid_t pid, const char *file, const char *text)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, file);
	return userns_write_proc_file(path, text);
}

/* Root enters a user namespace that maps every id to itself, where it can
 * (see below). A process may map only its own id from inside, so a helper
 * forked before the unshare (still in the parent namespace, with root's
 * capabilities there) writes the maps. */
static int enter_identity_user_namespace(void)
{
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return -1;
	pid_t self = getpid();
	pid_t helper = fork();
	if (helper < 0) {
		close(go[0]);
		close(go[1]);
		return -1;
	}
	if (helper == 0) {
		char c;
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		const char *all = "0 0 4294967295";
		_exit(write_id_map(self, "uid_map", all) == 0 &&
			      write_id_map(self, "gid_map", all) == 0
			  ? 0
			  : 1);
	}
	close(go[0]);
	int unshared = unshare(CLONE_NEWUSER);
	int saved = errno;
	if (unshared == 0)
		(void)!write(go[1], "u", 1);
	close(go[1]);
	int status = 0;
	while (waitpid(helper, &status, 0) < 0 && errno == EINTR)
		;
	if (unshared < 0) {
		/* Where user namespaces are not to be had (a chroot, a
		 * user.max_user_namespaces of 0, a container's seccomp
		 * policy), the process goes on without one: the capabilities
		 * it keeps are still only the few asked for. */
		if (saved == EPERM || saved == EINVAL || saved == ENOSPC || saved == EUSERS ||
		    saved == ENOSYS)
			return 0;
		errno = saved;
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

int sandbox_enter(const struct sandbox_policy *p)
{
	int flags = (p->new_pid_namespace ? CLONE_NEWPID : 0) |
		    (p->new_network_namespace ? CLONE_NEWNET : 0) |
		    (p->new_ipc_namespace ? CLONE_NEWIPC : 0) |
		    (p->private_mounts ? CLONE_NEWNS : 0);
	if (!flags)
		return p->drop_capabilities ? drop_capabilities(p->keep_capabilities) : 0;
	if (geteuid() == 0 && p->own_user_namespace) {
		if (enter_identity_user_namespace() < 0)
			return -1;
	} else if (geteuid() != 0) {
		/* An ordinary user makes namespaces inside a user namespace of
		 * its own, as itself: the capabilities it has there are
		 * dropped below anyway. */
		uid_t uid = geteuid();
		gid_t gid = getegid();
		if (unshare(CLONE_NEWUSER) < 0 || userns_map_self(uid, gid) < 0)
			return -1;
	}
	if (unshare(flags) < 0)
		return -1;
	if (p->new_pid_namespace) {
		/* The waiter holds the pipe's write end: a child that finds it
		 * closed after setting its death signal has lost its waiter
		 * already (getppid() is 0 in the new namespace, no help). */
		int alive[2];
		if (pipe2(alive, O_CLOEXEC) < 0)
			return -1;
		pid_t child = fork();
		if (child < 0)
			return -1;
		if (child > 0) {
			close(alive[0]);
			prctl(PR_SET_NAME, "krunsh-waiter", 0, 0, 0);
			wait_and_mirror(child);
		}
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(alive[1]);
		struct pollfd waiter = {.fd = alive[0], .events = POLLIN};
		if (poll(&waiter, 1, 0) != 0)
			_exit(125);
		close(alive[0]);
	}
	if (p->private_mounts && private_mounts(p) < 0)
		return -1;
	return p->drop_capabilities ? drop_capabilities(p->keep_capabilities) : 0;
}
