/* The standby shell: the shell a default execution would use, started
 * before its execution arrives, with its pipes made, blocked reading a
 * control pipe (its fd 3). Under TCG a fresh shell's start (exec, the
 * dynamic loader, libc over virtio-fs) is most of a session call; taking a
 * standby leaves only the prologue to read and evaluate.
 *
 * When: once the VM is prepared, and after each execution (agent.c).
 * Which executions: standby_fits (standby_prologue.c). How: the agent
 * applies the job's limits with prlimit(2) on the shell's pid, writes the
 * prologue (cwd, umask, environment, positional parameters, then `. SCRIPT`)
 * and closes the control pipe; the rest of the execution (relay, line
 * events, the exit status) is the fresh one's (run.c). A standby that died
 * (killed, the OOM killer) is noticed when it is to be taken, and that
 * execution starts a fresh shell. */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define STANDBY_SHELL "/bin/sh"
/* The prologue is written in one non-blocking write: it must fit in the
 * pipe (64 KiB by default). A larger environment runs fresh. */
#define STANDBY_PROLOGUE_MAX (60u * 1024u)

/* Reads the prologue line by line until the agent closes the pipe (a
 * value may hold newlines), then evaluates it: the shell holds no file
 * open of ours, so the script's `. SCRIPT` gets the fd a fresh shell's
 * would. The prologue unsets both variables. */
static const char standby_program[] =
    "while IFS= read -r krunsh_line <&3; do krunsh_prologue=\"$krunsh_prologue$krunsh_line\n"
    "\"; done; eval \"$krunsh_prologue\"";

struct standby_shell {
	pid_t pid;		   /* 0: none */
	int control, in, out, err; /* the agent's ends */
};

static struct standby_shell standby = {.control = -1, .in = -1, .out = -1, .err = -1};

/* The prologue's equivalence to a fresh start was worked out for dash
 * (Debian's /bin/sh); bash, for one, counts SHLVL up from the environment
 * it starts with. Another /bin/sh gets no standby. */
static int standby_shell_supported(void)
{
	static int known = -1;
	if (known < 0) {
		char resolved[PATH_MAX];
		const char *base =
		    realpath(STANDBY_SHELL, resolved) ? strrchr(resolved, '/') : NULL;
		known = base && strcmp(base, "/dash") == 0;
	}
	return known;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void standby_forget(void)
{
	close_fd(&standby.control);
	close_fd(&standby.in);
	close_fd(&standby.out);
	close_fd(&standby.err);
	standby.pid = 0;
}

void standby_stop(void)
{
	if (standby.pid > 0) {
		kill(standby.pid, SIGKILL);
		waitpid(standby.pid, NULL, 0);
	}
	standby_forget();
}

pid_t standby_pid(void)
{
	return standby.pid;
}

/* In the child: FROM[i] becomes fd i (0-3) without close-on-exec. All of
 * them move above 3 first, so that no dup2 overwrites one still to come. */
static void child_take_fds(const int from[4])
{
	int high[4];
	for (int i = 0; i < 4; i++)
		if ((high[i] = fcntl(from[i], F_DUPFD_CLOEXEC, 10)) < 0)
			_exit(127);
	for (int i = 0; i < 4; i++)
		if (dup2(high[i], i) < 0)
			_exit(127);
}

static void child_exec_standby(const int from[4])
{
	child_take_fds(from);
	/* As child_exec: default dispositions and an empty mask. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	/* Nothing inherited: the prologue exports the execution's own. */
	char *const env[] = {NULL};
	const char *argv[] = {STANDBY_SHELL, "-c", standby_program, "krunsh", NULL};
	execve(STANDBY_SHELL, (char *const *)argv, env);
	_exit(127);
}

void standby_start(void)
{
	if (standby.pid > 0) {
		if (waitpid(standby.pid, NULL, WNOHANG) == 0)
			return; /* still waiting: an execution did not fit it */
		standby_forget();
	}
	if (!standby_shell_supported())
		return;
	/* Its stdin, stdout, stderr and the control pipe: [i][0] is the
	 * read end. */
	int p[4][2];
	for (int i = 0; i < 4; i++) {
		if (pipe2(p[i], O_CLOEXEC) == 0)
			continue;
		while (i-- > 0) {
			close(p[i][0]);
			close(p[i][1]);
		}
		return;
	}
	pid_t pid = fork();
	if (pid == 0)
		child_exec_standby((const int[4]){p[0][0], p[1][1], p[2][1], p[3][0]});
	close(p[0][0]);
	close(p[1][1]);
	close(p[2][1]);
	close(p[3][0]);
	standby = (struct standby_shell){
	    .pid = pid, .in = p[0][1], .out = p[1][0], .err = p[2][0], .control = p[3][1]};
	if (pid < 0) {
		standby_forget();
		return;
	}
	trace("standby shell %d started", (int)pid);
}

/* Whether the standby has exec'd its shell. Before that the child still
 * holds the agent's file table and moves its pipes to fds above 10: a
 * job's lower RLIMIT_NOFILE applied then made those moves fail, and the
 * execution exit 127 (--ulimit nofile=16, found by the suite). */
static int standby_is_the_shell(pid_t pid)
{
	char link[64], exe[PATH_MAX], shell[PATH_MAX];
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(link, exe, sizeof(exe) - 1);
	if (n <= 0 || !realpath(STANDBY_SHELL, shell))
		return 0;
	exe[n] = '\0';
	return strcmp(exe, shell) == 0;
}

static int apply_rlimits(pid_t pid, const struct job *job)
{
	for (size_t i = 0; i < job->rlimit_count; i++) {
		struct rlimit lim = {(rlim_t)job->rlimits[i].soft, (rlim_t)job->rlimits[i].hard};
		if (prlimit(pid, job->rlimits[i].resource, &lim, NULL) < 0)
			return -1;
	}
	return 0;
}

pid_t standby_take(const struct job *job, const char *script_path, const char *const *positional,
		   struct standby_fds *fds)
{
	if (standby.pid <= 0 || !standby_fits(job, STANDBY_SHELL))
		return -1;
	if (waitpid(standby.pid, NULL, WNOHANG) != 0) {
		trace("standby shell %d is gone", (int)standby.pid);
		standby_forget();
		return -1;
	}
	/* It is at most a few exec steps away: wait for it (bounded), as a
	 * fresh start would cost more. */
	for (int i = 0; job->rlimit_count && i < 100 && !standby_is_the_shell(standby.pid); i++)
		usleep(5000);
	if (job->rlimit_count && !standby_is_the_shell(standby.pid)) {
		trace("standby shell %d not started yet: a fresh one takes the limits",
		      (int)standby.pid);
		return -1; /* it stays for a later execution */
	}
	char cwd[PATH_MAX];
	static char prologue[STANDBY_PROLOGUE_MAX];
	mode_t mask = umask(0);
	umask(mask);
	int length = getcwd(cwd, sizeof(cwd))
			 ? standby_prologue(job, cwd, mask, script_path, positional, prologue,
					    sizeof(prologue))
			 : -1;
	if (length < 0)
		return -1; /* it stays for a later execution */
	/* Limits half applied, a prologue half written: this shell can serve
	 * no one, and a fresh start says what was wrong. */
	fcntl(standby.control, F_SETFL, O_NONBLOCK);
	if (apply_rlimits(standby.pid, job) < 0 ||
	    write(standby.control, prologue, (size_t)length) != length) {
		trace("standby shell %d refused: %s", (int)standby.pid, strerror(errno));
		standby_stop();
		return -1;
	}
	pid_t pid = standby.pid;
	*fds = (struct standby_fds){.out = standby.out, .err = standby.err, .in = standby.in};
	standby.out = standby.err = standby.in = -1;
	if (!job->forward_stdin)
		close_fd(&fds->in);
	standby_forget();
	return pid;
}
