#include "agent/agent.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int trace_fd = -1;

void trace_init(void)
{
	if (!kernel_cmdline_has("krunsh.trace=1"))
		return;
	/* Kept open: /dev is replaced when the agent moves into the overlay. */
	trace_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
}

void trace(const char *fmt, ...)
{
	if (trace_fd < 0)
		return;
	char line[512];
	int n = snprintf(line, sizeof(line), "krunsh-agent: ");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	(void)!write(trace_fd, line, strlen(line));
}
