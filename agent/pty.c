/* The pseudo-terminal of a JOB_TTY execution: created on the guest's devpts
 * (agent/setup.c mounts it), made the controlling terminal of the program's
 * own session so that ^C, ^Z and ^\ typed on it signal its foreground job
 * through the line discipline, and resized when the host's terminal is. */
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

static int set_size(int fd, uint32_t rows, uint32_t columns)
{
	struct winsize size = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)columns};
	return ioctl(fd, TIOCSWINSZ, &size);
}

int pty_open(const struct job *job, int *master_out, int *slave_out, char *error,
	     size_t error_size)
{
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
	*master_out = master;
	*slave_out = slave;
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

void pty_resize(int master, const unsigned char *payload, size_t length)
{
	if (length != 8)
		return;
	uint32_t rows = get_u32le(payload), columns = get_u32le(payload + 4);
	/* The kernel sends SIGWINCH to the foreground job when the size changes. */
	if (winsize_valid(rows, columns))
		(void)set_size(master, rows, columns);
}

int pty_eof_byte(int master)
{
	struct termios t;
	/* On a master the termios calls reach its slave's settings. */
	if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF] != _POSIX_VDISABLE)
		return t.c_cc[VEOF];
	return 4; /* ^D */
}
