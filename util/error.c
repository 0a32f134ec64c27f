#include "util/error.h"

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

/* The command's sink: one write per message so concurrent runs sharing a
 * terminal do not interleave mid-line. */
void log_to_stderr(void *data, int verbose, const char *line)
{
	(void)data;
	(void)verbose;
	fprintf(stderr, "krunsh: %s\n", line);
}

static log_sink_fn log_sink;
static void *log_sink_data;

void log_set_sink(log_sink_fn sink, void *data)
{
	log_sink = sink;
	log_sink_data = data;
}

static void vlog(int verbose, const char *fmt, va_list ap)
{
	if (!log_sink)
		return;
	char line[2048];
	vsnprintf(line, sizeof(line), fmt, ap);
	log_sink(log_sink_data, verbose, line);
}

void log_message(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(0, fmt, ap);
	va_end(ap);
}

void log_verbose_message(const char *fmt, ...)
{
	if (!log_verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	vlog(1, fmt, ap);
	va_end(ap);
}
