/* Errors travel up as values and are printed once, by main(). */
#ifndef KRUNSH_ERROR_H
#define KRUNSH_ERROR_H

#include <stdlib.h>
#include <unistd.h>

/* Exit statuses of krunsh's own, as timeout(1) and docker run use them. */
enum {
	EXIT_KRUNSH_TIMEOUT = 124,
	EXIT_KRUNSH_FAILURE = 125,
};

struct error {
	int errnum; /* 0 when no errno applies */
	char message[1024];
};

void error_set(struct error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void error_print(const struct error *err);

/* Messages of krunsh's own go to the sink: the command's prints them on
 * stderr, prefixed, never on stdout; the library's is its caller's log
 * callback, or none. */
typedef void (*log_sink_fn)(void *data, int verbose, const char *line);
void log_set_sink(log_sink_fn sink, void *data);
void log_to_stderr(void *data, int verbose, const char *line);
void log_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
extern int log_verbose;
void log_verbose_message(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void cleanup_free_fn(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_close_fn(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define cleanup_free  __attribute__((cleanup(cleanup_free_fn)))
#define cleanup_close __attribute__((cleanup(cleanup_close_fn)))

#endif
