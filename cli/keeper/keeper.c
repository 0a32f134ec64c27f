#include "cli/keeper/keeper.h"
#include "cli/exit_status.h"
#include "cli/environment.h"
#include "cli/run_spec.h"
#include "cli/keeper/keeper_files.h"
#include "cli/keeper/keeper_wire.h"
#include "cli/keeper/session_options.h"
#include "cli/signals.h"

#include "util/clock.h"
#include "util/process.h"
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* A call has this long to say what it wants once connected. */
#define REQUEST_TIMEOUT_MS 5000

struct keeper {
	const struct keeper_start *start;
	krunsh_vm *vm;
	int listen_fd;
	int vm_pidfd;
	pid_t janitor;
	int janitor_pipe; /* its end of the janitor's pipe: closed, the janitor cleans up */
	double idle_seconds;
	char options[KEEPER_OPTIONS_MAX]; /* the session's VM options (session_options.h) */
	struct keeper_message message;	  /* the one being read or written */
};

/* Everything goes: the VM, the socket (no call connects any more), the
 * files (the janitor, waited for). Then whoever asked for the end hears
 * of it, and the keeper exits. */
static void keeper_end(struct keeper *k, int status, int answer_fd) __attribute__((noreturn));
static void keeper_end(struct keeper *k, int status, int answer_fd)
{
	krunsh_vm_stop(k->vm);
	k->vm = NULL;
	if (k->listen_fd >= 0)
		close(k->listen_fd);
	if (k->janitor_pipe >= 0)
		close(k->janitor_pipe);
	while (k->janitor > 0 && waitpid(k->janitor, NULL, 0) < 0 && errno == EINTR)
		;
	if (answer_fd >= 0) {
		k->message = (struct keeper_message){
		    .version = KEEPER_WIRE_VERSION, .op = KEEPER_REPLY, .ok = 1};
		keeper_send(answer_fd, &k->message, NULL, 0);
	}
	_exit(status);
}

static void reply_refusal(struct keeper *k, int fd, const char *why)
{
	k->message = (struct keeper_message){.version = KEEPER_WIRE_VERSION, .op = KEEPER_REPLY};
	snprintf(k->message.text, sizeof(k->message.text), "%s", why);
	keeper_send(fd, &k->message, NULL, 0);
}

enum served { SERVED_KEEP, SERVED_END };

/* One call: lend it the VM and wait for its end. An end other than a
 * clean DONE (the call was killed, cancelled, timed out, or its VM broke)
 * ends the session: the guest may be in the middle of anything. */
static enum served serve_run(struct keeper *k, int fd)
{
	char why[1400];
	if (session_options_conflict(k->options, k->message.text, k->start->paths->name, why,
				     sizeof(why))) {
		reply_refusal(k, fd, why);
		return SERVED_KEEP;
	}
	struct krunsh_vm_loan loan;
	if (krunsh_vm_lend(k->vm, &loan, NULL) < 0) {
		reply_refusal(k, fd, "the session's VM cannot run anything more");
		return SERVED_END;
	}
	k->message = (struct keeper_message){.version = KEEPER_WIRE_VERSION,
					     .op = KEEPER_REPLY,
					     .ok = 1,
					     .execs_done = loan.execs_done};
	snprintf(k->message.engine, sizeof(k->message.engine), "%s", loan.engine);
	int fds[] = {loan.channel_fd, loan.log_fd};
	if (keeper_send(fd, &k->message, fds, loan.log_fd >= 0 ? 2 : 1) < 0)
		return SERVED_KEEP;
	int none[KEEPER_MAX_FDS];
	int r = keeper_receive(fd, &k->message, none, -1, signals_fd());
	for (int i = 0; i < KEEPER_MAX_FDS; i++)
		if (none[i] >= 0)
			close(none[i]);
	if (r == 1 && k->message.op == KEEPER_DONE && k->message.clean &&
	    k->message.execs_done > loan.execs_done) {
		krunsh_vm_loan_returned(k->vm, k->message.execs_done);
		return SERVED_KEEP;
	}
	return SERVED_END;
}

static enum served serve(struct keeper *k, int fd)
{
	if (keeper_peer_check(fd) < 0)
		return SERVED_KEEP; /* another user: not a word */
	int none[KEEPER_MAX_FDS];
	int r = keeper_receive(fd, &k->message, none, REQUEST_TIMEOUT_MS, -1);
	for (int i = 0; i < KEEPER_MAX_FDS; i++)
		if (none[i] >= 0)
			close(none[i]);
	if (r != 1)
		return SERVED_KEEP;
	if (k->message.op == KEEPER_END)
		return SERVED_END;
	if (k->message.op == KEEPER_RUN)
		return serve_run(k, fd);
	return SERVED_KEEP;
}

static void keeper_serve(struct keeper *k) __attribute__((noreturn));
static void keeper_serve(struct keeper *k)
{
	double idle_until = monotonic_seconds() + k->idle_seconds;
	for (;;) {
		struct pollfd p[3] = {{.fd = k->listen_fd, .events = POLLIN},
				      {.fd = signals_fd(), .events = POLLIN},
				      {.fd = k->vm_pidfd, .events = POLLIN}};
		double left = idle_until - monotonic_seconds();
		if (left <= 0)
			keeper_end(k, 0, -1);
		int r = poll(p, k->vm_pidfd >= 0 ? 3 : 2, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			keeper_end(k, EXIT_KRUNSH_FAILURE, -1);
		if (r <= 0)
			continue;
		if (p[1].revents || (k->vm_pidfd >= 0 && p[2].revents))
			keeper_end(k, 0, -1);
		if (!p[0].revents)
			continue;
		int fd = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		if (serve(k, fd) == SERVED_END)
			keeper_end(k, 0, fd);
		close(fd);
		idle_until = monotonic_seconds() + k->idle_seconds;
	}
}

/* The child: detach, boot, say so, serve. Never returns. */
static void keeper_main(const struct keeper_start *ks, int boot_fd) __attribute__((noreturn));
static void keeper_main(const struct keeper_start *ks, int boot_fd)
{
	static struct keeper k;
	k = (struct keeper){.start = ks, .listen_fd = -1, .vm_pidfd = -1, .janitor_pipe = -1};
	setsid();
	process_reset_signals();
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	/* During the boot its messages reach the starting call; after it,
	 * nowhere: the keeper logs nothing. */
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(boot_fd, 2);
	int keep[] = {ks->lock_fd, devnull};
	process_close_inherited_fds(keep, 2);
	if (signals_install() < 0) {
		log_message("session %s: cannot set up signal handling", ks->paths->name);
		_exit(EXIT_KRUNSH_FAILURE);
	}
	struct options *opts = ks->opts;
	k.idle_seconds = opts->idle_timeout > 0 ? opts->idle_timeout : KEEPER_DEFAULT_IDLE_SECONDS;
	/* The guest's console would go to a caller's stderr for the VM's
	 * whole life: a session's boot shows krunsh's decisions only. */
	opts->vm.verbose = 0;
	static struct run_spec spec;
	struct krunsh_error e;
	run_spec_build(opts, environment_host(), NULL, 0, &spec);
	spec.vm.boot_timeout = ks->boot_timeout;
	spec.vm.timeout = ks->deadline > 0 ? fmax(ks->deadline - monotonic_seconds(), 0.001) : 0;
	spec.vm.cancel_fd = signals_fd();
	spec.vm.log = log_to_stderr;
	if (krunsh_vm_create(&spec.vm, &k.vm, &e) < 0) {
		log_message("%s", e.message);
		_exit(EXIT_KRUNSH_FAILURE);
	}
	if (session_options_describe(opts, krunsh_vm_engine(k.vm), ~0u, k.options,
				     sizeof(k.options)) < 0) {
		log_message("session %s: too many VM options for a session", ks->paths->name);
		_exit(EXIT_KRUNSH_FAILURE);
	}
	unlink(ks->paths->socket); /* stale: the lock says no keeper holds it */
	k.listen_fd = keeper_listen(ks->paths->socket);
	if (k.listen_fd < 0) {
		log_message("session %s: listening on %s: %s", ks->paths->name, ks->paths->socket,
			    strerror(errno));
		_exit(EXIT_KRUNSH_FAILURE);
	}
	k.janitor = keeper_janitor_start(ks->paths, ks->lock_fd, &k.janitor_pipe);
	if (k.janitor < 0) {
		unlink(ks->paths->socket);
		log_message("session %s: fork: %s", ks->paths->name, strerror(errno));
		_exit(EXIT_KRUNSH_FAILURE);
	}
	static struct krunsh_exec_result booted;
	if (krunsh_vm_boot(k.vm, &booted, &e) < 0) {
		/* A boot that ended says how, as a run's would; one that could
		 * not start says why. */
		if (e.code == KRUNSH_E_START && booted.end != KRUNSH_EXEC_EXITED)
			keeper_end(&k, exit_status_decide(opts, "/", &booted), -1);
		log_message("%s", e.message);
		keeper_end(&k, EXIT_KRUNSH_FAILURE, -1);
	}
	struct krunsh_vm_info info;
	krunsh_vm_info(k.vm, &info);
	k.vm_pidfd = info.vmm_pid > 0 ? (int)syscall(SYS_pidfd_open, info.vmm_pid, 0) : -1;
	/* The call that started the session waits for this byte. If it is
	 * gone (killed during the boot, with SIGKILL, which it could not pass
	 * on), nobody asked for this session any more: end it now rather than
	 * keep a VM up until the idle timeout. */
	if (write(2, "", 1) != 1)
		keeper_end(&k, EXIT_KRUNSH_FAILURE, -1);
	dup2(devnull, 2);
	keeper_serve(&k);
}

static void keeper_child(const void *data, int boot_fd)
{
	keeper_main(data, boot_fd);
}

pid_t keeper_start(const struct keeper_start *ks, int *boot_fd, struct error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		error_set(err, errno, "starting session %s", ks->paths->name);
		return -1;
	}
	pid_t pid = keeper_fork(p, keeper_child, ks);
	if (pid < 0) {
		error_set(err, errno, "starting session %s", ks->paths->name);
		return -1;
	}
	*boot_fd = p[0];
	return pid;
}
