#include "cli/keeper/session_call.h"
#include "cli/keeper/keeper.h"
#include "cli/keeper/keeper_dir.h"
#include "cli/keeper/keeper_files.h"
#include "cli/keeper/keeper_wire.h"
#include "cli/keeper/session_options.h"
#include "cli/signals.h"
#include "util/clock.h"
#include "util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* How long a call waits for a session that another call is starting (or
 * whose janitor is cleaning up) before it gives up. */
#define START_WAIT_SECONDS 120.0

/* Copies the keeper's boot messages to our stderr; 1 once the VM is up,
 * else 0 with *decided the keeper's exit status. A signal to the call
 * kills the keeper (its VM dies with it, its janitor cleans up). */
static int wait_boot(pid_t keeper, int boot_fd, int *decided)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = boot_fd, .events = POLLIN},
				      {.fd = signals_fd(), .events = POLLIN}};
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents) {
			unsigned char sig = 0;
			if (read(signals_fd(), &sig, 1) == 1) {
				kill(keeper, SIGKILL);
				waitpid(keeper, NULL, 0);
				log_message(
				    "stopped by signal %d (%s) while the session's VM booted", sig,
				    strsignal(sig));
				*decided = 128 + sig;
				return 0;
			}
		}
		if (!p[0].revents)
			continue;
		char buf[4096];
		ssize_t n = read(boot_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		char *up = memchr(buf, '\0', (size_t)n);
		size_t text = up ? (size_t)(up - buf) : (size_t)n;
		if (text)
			(void)!write(2, buf, text);
		if (up)
			return 1;
	}
	int status = 0;
	while (waitpid(keeper, &status, 0) < 0 && errno == EINTR)
		;
	*decided = WIFEXITED(status) ? WEXITSTATUS(status) : EXIT_KRUNSH_FAILURE;
	return 0;
}

static int start_keeper(struct options *opts, double boot_timeout, double deadline,
			const struct keeper_paths *paths, int lock_fd, int *decided,
			struct error *err)
{
	struct keeper_start ks = {.paths = paths,
				  .opts = opts,
				  .boot_timeout = boot_timeout,
				  .deadline = deadline,
				  .lock_fd = lock_fd};
	int boot_fd;
	pid_t keeper = keeper_start(&ks, &boot_fd, err);
	close(lock_fd); /* the keeper holds it now */
	if (keeper < 0)
		return -1;
	log_verbose_message("session %s: started its keeper (pid %d)", paths->name, (int)keeper);
	int up = wait_boot(keeper, boot_fd, decided);
	close(boot_fd);
	return up;
}

/* A connection to the session's keeper: an existing one, or one this
 * call starts. 0 with *conn; 0 with *conn -1 and *decided when the start
 * failed; -1 with err. */
static int reach_keeper(struct options *opts, double boot_timeout, double deadline,
			const struct keeper_paths *paths, int *conn, int *decided,
			struct error *err)
{
	double give_up = monotonic_seconds() + START_WAIT_SECONDS;
	while ((*conn = keeper_connect(paths)) < 0) {
		if (errno == EPERM) {
			error_set(err, 0, "session %s: its socket is not served by your user",
				  paths->name);
			return -1;
		}
		int lock = keeper_lock_try(paths, err);
		if (lock == -2)
			return -1;
		if (lock >= 0) {
			int up =
			    start_keeper(opts, boot_timeout, deadline, paths, lock, decided, err);
			if (up <= 0)
				return up;
			continue;
		}
		if (monotonic_seconds() > give_up) {
			error_set(err, 0,
				  "session %s: another process holds its lock and does not "
				  "answer on %s",
				  paths->name, paths->socket);
			return -1;
		}
		struct pollfd p = {.fd = signals_fd(), .events = POLLIN};
		if (poll(&p, 1, 20) > 0) {
			unsigned char sig = 0;
			if (read(signals_fd(), &sig, 1) == 1) {
				log_message("stopped by signal %d (%s)", sig, strsignal(sig));
				*decided = 128 + sig;
				return 0;
			}
		}
	}
	return 0;
}

int session_call_begin(struct options *opts, double boot_timeout, double deadline,
		       struct session_call *call, krunsh_vm **vm, int *decided, struct error *err)
{
	*vm = NULL;
	*decided = -1;
	call->conn = -1;
	struct keeper_paths paths;
	if (keeper_paths_find(opts->session, &paths, err) < 0)
		return -1;
	static struct keeper_message m;
	m = (struct keeper_message){.version = KEEPER_WIRE_VERSION, .op = KEEPER_RUN};
	if (session_options_describe(opts, NULL, opts->vm_options_given, m.text, sizeof(m.text)) <
	    0) {
		error_set(err, 0, "session %s: too many VM options for a session", paths.name);
		return -1;
	}
	if (reach_keeper(opts, boot_timeout, deadline, &paths, &call->conn, decided, err) < 0 ||
	    call->conn < 0)
		return call->conn < 0 && *decided < 0 ? -1 : 0;
	int fds[KEEPER_MAX_FDS];
	int r = keeper_send(call->conn, &m, NULL, 0) < 0
		    ? -1
		    : keeper_receive(call->conn, &m, fds, -1, signals_fd());
	if (r == -2) {
		unsigned char sig = 0;
		if (read(signals_fd(), &sig, 1) == 1) {
			log_message("stopped by signal %d (%s) while waiting for session %s", sig,
				    strsignal(sig), paths.name);
			*decided = 128 + sig;
		}
		goto failed;
	}
	if (r != 1 || m.op != KEEPER_REPLY) {
		error_set(err, 0, "session %s: its keeper went away before it answered",
			  paths.name);
		goto failed;
	}
	if (!m.ok || fds[0] < 0) {
		error_set(err, 0, "%s", m.text[0] ? m.text : "the session refused the call");
		goto failed;
	}
	struct krunsh_vm_loan loan = {
	    .channel_fd = fds[0], .log_fd = fds[1], .execs_done = m.execs_done};
	text_format(loan.engine, sizeof(loan.engine), "%s", m.engine);
	call->execs_done = m.execs_done;
	struct krunsh_error borrow_err;
	if (krunsh_vm_borrow(&loan, vm, &borrow_err) == 0) {
		krunsh_vm_set_cancel_fd(*vm, signals_fd());
		return 0;
	}
	error_set(err, 0, "session %s: %s", paths.name, borrow_err.message);
	for (int i = 0; i < KEEPER_MAX_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
failed:
	close(call->conn);
	call->conn = -1;
	return *decided >= 0 ? 0 : -1;
}

/* Until the keeper has closed the connection: after an unclean end it
 * has stopped the VM and removed the session's files by then. */
static void wait_hangup(int conn, int timeout_ms)
{
	struct keeper_message *m = &(struct keeper_message){0};
	int fds[KEEPER_MAX_FDS];
	while (keeper_receive(conn, m, fds, timeout_ms, -1) == 1)
		for (int i = 0; i < KEEPER_MAX_FDS; i++)
			if (fds[i] >= 0)
				close(fds[i]);
}

void session_call_end(struct session_call *call, krunsh_vm *vm, int clean)
{
	krunsh_vm_stop(vm); /* ours: the fds only */
	if (call->conn < 0)
		return;
	static struct keeper_message m;
	m = (struct keeper_message){.version = KEEPER_WIRE_VERSION,
				    .op = KEEPER_DONE,
				    .clean = clean,
				    .execs_done = call->execs_done + 1};
	if (keeper_send(call->conn, &m, NULL, 0) == 0)
		wait_hangup(call->conn, 10000);
	close(call->conn);
	call->conn = -1;
}

int session_end(const struct options *opts, struct error *err)
{
	struct keeper_paths paths;
	if (keeper_paths_find(opts->session, &paths, err) < 0)
		return -1;
	int conn = keeper_connect(&paths);
	if (conn < 0) {
		error_set(err, 0, "no session %s is running", paths.name);
		return -1;
	}
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int pidfd = getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0
			? (int)syscall(SYS_pidfd_open, cred.pid, 0)
			: -1;
	static struct keeper_message m;
	m = (struct keeper_message){.version = KEEPER_WIRE_VERSION, .op = KEEPER_END};
	int fds[KEEPER_MAX_FDS];
	int r = keeper_send(conn, &m, NULL, 0) < 0 ? -1 : keeper_receive(conn, &m, fds, -1, -1);
	close(conn);
	if (r != 1 || !m.ok) {
		if (pidfd >= 0)
			close(pidfd);
		error_set(err, 0, "session %s: its keeper went away before it answered",
			  paths.name);
		return -1;
	}
	/* Gone means gone: the keeper's exit too, not only its answer. */
	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		poll(&p, 1, 5000);
		close(pidfd);
	}
	return 0;
}
