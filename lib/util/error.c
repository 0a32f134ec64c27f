#include "lib/util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int log_verbose;

void error_set(struct error *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	err->errnum = errnum;
	if (errnum) {
		size_t used = strlen(err->message);
		snprintf(err->message + used, sizeof(err->message) - used, ": %s",
			 strerror(errnum));
	}
}

void error_print(const struct error *err)
{
	fprintf(stderr, "krunsh: %s\n", err->message[0] ? err->message : "unknown error");
}

static void vlog(const char *fmt, va_list ap)
{
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	/* One write per message so concurrent runs sharing a terminal do not
	 * interleave mid-line. */
	fprintf(stderr, "krunsh: %s\n", line);
}

void log_message(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}

void log_verbose_message(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(fmt, ap);
	va_end(ap);
}
