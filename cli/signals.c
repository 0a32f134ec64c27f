#include "cli/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	(void)!write(signal_pipe[1], &b, 1);
	errno = saved;
}

static void on_write_alarm(int sig)
{
	(void)sig;
}

int signals_install(void)
{
	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Interrupts a write to a terminal that is stopped (^S) or any other
	 * output that blocks: SA_RESTART is left out on purpose. */
	struct sigaction alarm_sa = {.sa_handler = on_write_alarm};
	sigemptyset(&alarm_sa.sa_mask);
	sigaction(SIGALRM, &alarm_sa, NULL);
	/* A closed stdout is an EPIPE we handle, not a death. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int signals_fd(void)
{
	return signal_pipe[0];
}
