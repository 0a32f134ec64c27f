/* --events: the run as JSON Lines on stdout, one object per event (schema
 * in README.md, "Events"): the run's start, each line's start, the output
 * in chunks, each line's end, the run's end. The library hands the events
 * over (krunsh_io.on_event); this renders them, and the library writes
 * what it renders with the output's back-pressure. */
#ifndef KRUNSH_CLI_EVENTS_H
#define KRUNSH_CLI_EVENTS_H

#include "cli/json.h"
#include "cli/options.h"
#include "krunsh/krunsh.h"

#define EVENTS_VERSION 1

struct events {
	int fd;
	unsigned line;	     /* the line running, 0: none */
	double line_started; /* when it did, CLOCK_MONOTONIC seconds */
	int started;	     /* the run's start was written */
	/* per stream: a character whose end has not come yet */
	unsigned char carry[2][4];
	size_t carry_length[2];
	unsigned char *joined; /* a carried character and the next chunk */
	size_t joined_capacity;
	const char *mode;	  /* for the run's start */
	char first_message[1024]; /* krunsh's first line on stderr */
	struct json_buffer json;  /* what the last event became */
};

void events_init(struct events *e, int fd);
/* events_init for krunsh's run: the mode from the options, and krunsh's
 * own lines still go to stderr, the first kept for the run's end. */
void events_begin(struct events *e, int fd, const struct options *opts);
/* The log sink events_begin installs (krunsh_vm_spec.log, data: e). */
void events_log(void *data, int verbose, const char *line);
/* krunsh_event_fn: data is the struct events. */
void events_on_event(void *data, const struct krunsh_event *event, const void **out,
		     size_t *out_length);
/* The run's start (once: the end writes it if nothing did) and end,
 * written at once (the end after the run's
 * output, when the VM has stopped, and after the last `unwritten` bytes of
 * the last event, which the run left unwritten: a stalled stdout is waited for
 * EVENTS_END_GRACE seconds at most, and not past a byte on cancel_fd, a
 * signal). engine: NULL when none was chosen. message: krunsh's error
 * when it failed ("" for none: then the first line krunsh logged, if any). */
void events_run_started(struct events *e, const char *engine);
#define EVENTS_END_GRACE 10.0
void events_run_finished(struct events *e, int status, const char *message, size_t unwritten,
			 int cancel_fd);
void events_free(struct events *e);

#endif
