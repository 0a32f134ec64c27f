/* PID 1 adopts every process of the guest whose parent ended: a command's
 * `sleep 9 &` once its shell is gone, a daemon that double-forked, the
 * children of a program killed by the OOM killer. Only PID 1 can reap
 * them; unreaped, each stays a zombie for the VM's life, which in a
 * session, a warm VM or a long CI job (the nested harness saw hundreds)
 * fills the process table and the output of ps.
 *
 * So the agent blocks SIGCHLD, reads it from a signalfd in its relay loop
 * (run.c) and reaps every exited child but the two it waits for itself:
 * the execution's process and the standby shell. waitid(WNOWAIT) looks at
 * a zombie before reaping it; when the first one found is one of those two,
 * the rest wait for the next call, after its owner has reaped it (the run
 * loop at once, the standby when it is next started or taken). */
#include "agent/agent.h"

#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int sigchld_fd = -1;

void orphans_init(void)
{
	if (getpid() != 1)
		return; /* on the host (the contract double) a reaper above us has them */
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	/* Blocked only in the agent: the programs it starts clear their mask
	 * (run.c, standby.c). */
	if (sigprocmask(SIG_BLOCK, &chld, NULL) == 0)
		sigchld_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
}

int orphans_fd(void)
{
	return sigchld_fd;
}

void orphans_reap(pid_t running)
{
	if (sigchld_fd < 0)
		return;
	struct signalfd_siginfo pending[8];
	while (read(sigchld_fd, pending, sizeof(pending)) > 0)
		; /* one SIGCHLD may stand for many exits: the loop below counts */
	for (;;) {
		siginfo_t info = {0};
		if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) < 0 || info.si_pid == 0)
			return;
		if (info.si_pid == running || info.si_pid == standby_pid())
			return;
		waitpid(info.si_pid, NULL, 0);
	}
}
