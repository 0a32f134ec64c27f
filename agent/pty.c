/* The pseudo-terminal of a JOB_TTY execution: created on the guest's devpts
 * (agent/setup.c mounts it), made the controlling terminal of the program's
 * own session so that ^C, ^Z and ^\ typed on it signal its foreground job
 * through the line discipline, resized when the host's terminal is, and
 * told when the host's stdin has ended. */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

/* A line editor (readline, python's REPL) that waits at its prompt after
 * the host's stdin ended is asked again at this pace: see pty_eof_step. */
#define PTY_EOF_REPEAT_MS 250

static int set_size(int fd, uint32_t rows, uint32_t columns)
{
	struct winsize size = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)columns};
	return ioctl(fd, TIOCSWINSZ, &size);
}

int pty_open(const struct job *job, struct pty *pty, char *error, size_t error_size)
{
	*pty = (struct pty){.master = -1, .slave = -1};
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	/* An older devtmpfs /dev/ptmx may point at no instance: the mount's own. */
	if (master < 0)
		master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	char name[128];
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 ||
	    ptsname_r(master, name, sizeof(name)) != 0) {
		snprintf(error, error_size, "creating the terminal (-t): %s", strerror(errno));
		if (master >= 0)
			close(master);
		return -1;
	}
	int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	/* -u: the terminal is the user's, as login makes it. */
	if (slave < 0 || set_size(master, job->tty_rows, job->tty_columns) < 0 ||
	    (job->user_set && fchown(slave, job->uid, job->gid) < 0)) {
		snprintf(error, error_size, "opening the terminal %s (-t): %s", name,
			 strerror(errno));
		if (slave >= 0)
			close(slave);
		close(master);
		return -1;
	}
	pty->master = master;
	pty->slave = slave;
	return 0;
}

void pty_make_controlling(int slave)
{
	if (setsid() < 0 || ioctl(slave, TIOCSCTTY, 0) < 0) {
		dprintf(slave, "krunsh: cannot make the terminal controlling (-t): %s\r\n",
			strerror(errno));
		_exit(125);
	}
}

void pty_resize(const struct pty *pty, const unsigned char *payload, size_t length)
{
	if (length != 8 || pty->master < 0)
		return;
	uint32_t rows = get_u32le(payload), columns = get_u32le(payload + 4);
	/* The kernel sends SIGWINCH to the foreground job when the size changes. */
	if (winsize_valid(rows, columns))
		(void)set_size(pty->master, rows, columns);
}

void pty_stdin_ended(struct pty *pty)
{
	pty->eof_pending = 1;
}

static long ms_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

/* The end of a pipe answers every read with EOF; a terminal has only its
 * VEOF character, typed. It is typed once the program has read everything
 * typed before (else it would end a line, not the input). A canonical
 * reader (sh, cat) then reads EOF. A line editor turns the terminal
 * non-canonical at its prompt and back while a command runs, and a VEOF
 * typed during the command would reach it as a NUL byte: so whenever one
 * waits for a key with nothing queued, VEOF is typed again. */
int pty_eof_step(struct pty *pty)
{
	if (!pty->eof_pending || pty->master < 0 || pty->slave < 0)
		return -1;
	int queued = 0;
	struct termios t;
	if (ioctl(pty->slave, FIONREAD, &queued) < 0 || tcgetattr(pty->slave, &t) < 0)
		return -1;
	int due = queued == 0 && (!pty->eof_typed || (!(t.c_lflag & ICANON) &&
						      ms_since(&pty->eof_last) >= PTY_EOF_REPEAT_MS));
	if (due) {
		unsigned char veof = t.c_cc[VEOF] != _POSIX_VDISABLE ? t.c_cc[VEOF] : 4;
		if (write(pty->master, &veof, 1) == 1) {
			pty->eof_typed = 1;
			clock_gettime(CLOCK_MONOTONIC, &pty->eof_last);
		}
	}
	return pty->eof_typed ? PTY_EOF_REPEAT_MS : 20;
}
