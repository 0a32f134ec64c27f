/* Flags krunsh's host passes on the guest kernel command line. Only fixed
 * words of ours travel there, never user content. */
#include "agent/agent.h"

#include <stdlib.h>
#include <string.h>

unsigned long kernel_cmdline_number(const char *key)
{
	char cmdline[4096];
	if (read_proc_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return 0;
	size_t length = strlen(key);
	for (char *p = cmdline; (p = strstr(p, key)); p += length)
		if ((p == cmdline || p[-1] == ' ') && p[length] == '=')
			return strtoul(p + length + 1, NULL, 10);
	return 0;
}

int kernel_cmdline_has(const char *word)
{
	char cmdline[4096];
	if (read_proc_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		return 0;
	size_t length = strlen(word);
	for (char *p = cmdline; (p = strstr(p, word)); p += length) {
		int starts = p == cmdline || p[-1] == ' ';
		int ends = p[length] == '\0' || p[length] == ' ' || p[length] == '\n';
		if (starts && ends)
			return 1;
	}
	return 0;
}
