/* Flags krunsh's host passes on the guest kernel command line. Only fixed
 * words of ours travel there, never user content. */
#include "agent/agent.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int kernel_cmdline_has(const char *word)
{
	char cmdline[4096];
	int fd = open("/proc/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, cmdline, sizeof(cmdline) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	cmdline[n] = '\0';
	size_t length = strlen(word);
	for (char *p = cmdline; (p = strstr(p, word)); p += length) {
		int starts = p == cmdline || p[-1] == ' ';
		int ends = p[length] == '\0' || p[length] == ' ' || p[length] == '\n';
		if (starts && ends)
			return 1;
	}
	return 0;
}
