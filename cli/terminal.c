#include "cli/terminal.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static int saved_fd = -1;

void terminal_restore(void)
{
	if (saved_fd < 0)
		return;
	/* TCSADRAIN: what the guest printed last is shown before the
	 * terminal is cooked again, and what the user typed ahead stays. */
	(void)tcsetattr(saved_fd, TCSADRAIN, &saved);
	saved_fd = -1;
}

int terminal_raw_begin(int fd)
{
	static int at_exit_registered;
	struct termios raw;
	if (saved_fd >= 0 || tcgetattr(fd, &saved) < 0)
		return -1;
	/* A krunsh error that ends the process through exit() still leaves
	 * a sane terminal. */
	if (!at_exit_registered && atexit(terminal_restore) == 0)
		at_exit_registered = 1;
	raw = saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSADRAIN, &raw) < 0)
		return -1;
	saved_fd = fd;
	return 0;
}

void terminal_size(unsigned *rows, unsigned *columns)
{
	*rows = 24;
	*columns = 80;
	for (int fd = 0; fd <= 2; fd++) {
		struct winsize size;
		if (ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_row && size.ws_col) {
			*rows = size.ws_row;
			*columns = size.ws_col;
			return;
		}
	}
}
