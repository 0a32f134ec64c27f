#include "lib/vm/spawn.h"
#include "util/process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t spawn_fork(const struct spawn_options *opts, struct error *err)
{
	pid_t parent = getpid();
	/* Blocked across the fork: a SIGINT landing in the child before it
	 * resets its handlers would run krunsh's handler there and tell the
	 * parent's session it was signalled. The parent's mask comes back
	 * as it was; the child starts from an empty one. */
	sigset_t all, before;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &before);
	pid_t pid = fork();
	if (pid != 0) {
		int saved = errno;
		sigprocmask(SIG_SETMASK, &before, NULL);
		if (pid < 0)
			error_set(err, saved, "fork");
		return pid;
	}
	process_reset_signals();
	/* The VM dies with krunsh, however krunsh dies. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(125);
	/* Its own process group: a ^C on the terminal reaches krunsh, which
	 * decides how the VM ends, not the VMM directly. */
	setpgid(0, 0);
	int devnull = open("/dev/null", O_RDWR);
	dup2(devnull, 0);
	dup2(opts->stdout_fd >= 0 ? opts->stdout_fd : devnull, 1);
	dup2(opts->stderr_fd >= 0 ? opts->stderr_fd : devnull, 2);
	for (int i = 0; i < opts->keep_fd_count; i++) {
		int flags = fcntl(opts->keep_fds[i], F_GETFD);
		if (flags >= 0)
			fcntl(opts->keep_fds[i], F_SETFD, flags & ~FD_CLOEXEC);
	}
	return 0;
}

pid_t spawn_process(char *const argv[], const struct spawn_options *opts, struct error *err)
{
	pid_t pid = spawn_fork(opts, err);
	if (pid != 0)
		return pid;
	if (opts->prepare && opts->prepare(opts->prepare_data) < 0) {
		dprintf(2, "krunsh: preparing %s: %s\n", argv[0], strerror(errno));
		_exit(125);
	}
	if (opts->sandbox && sandbox_enter(opts->sandbox) < 0) {
		dprintf(2, "krunsh: sandboxing %s: %s\n", argv[0], strerror(errno));
		_exit(125);
	}
	process_close_inherited_fds(opts->keep_fds, opts->keep_fd_count);
	execv(argv[0], argv);
	dprintf(2, "krunsh: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void process_kill_and_reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
