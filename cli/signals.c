#include "cli/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static int signal_pipe[2] = {-1, -1};
/* SIGWINCH apart: a byte on signal_pipe ends the run. */
static int resize_pipe[2] = {-1, -1};

static void write_byte(int fd, int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	(void)!write(fd, &b, 1);
	errno = saved;
}

static void on_signal(int sig)
{
	write_byte(signal_pipe[1], sig);
}

static void on_resize(int sig)
{
	write_byte(resize_pipe[1], sig);
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

int signals_watch_resize(void)
{
	if (resize_pipe[0] >= 0)
		return resize_pipe[0];
	if (pipe2(resize_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	struct sigaction sa = {.sa_handler = on_resize, .sa_flags = SA_RESTART};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGWINCH, &sa, NULL);
	return resize_pipe[0];
}

void signals_drain_resize(void)
{
	unsigned char buf[64];
	while (read(resize_pipe[0], buf, sizeof(buf)) > 0)
		continue;
}
