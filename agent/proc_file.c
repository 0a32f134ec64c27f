/* The small files of /proc the agent reads whole (the kernel command line,
 * the inode count): one read, NUL-terminated. */
#include "agent/agent.h"

#include <fcntl.h>
#include <unistd.h>

int read_proc_file(const char *path, char *text, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	return 0;
}
