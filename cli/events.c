#include "cli/events.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void events_init(struct events *e, int fd)
{
	memset(e, 0, sizeof(*e));
	e->fd = fd;
}

static void line_field(struct events *e)
{
	if (e->line)
		json_format(&e->json, ",\"line\":%u", e->line);
	else
		json_raw(&e->json, ",\"line\":null");
}

static void output_event(struct events *e, int stream, const unsigned char *data, size_t length)
{
	json_format(&e->json, "{\"event\":\"output\",\"stream\":\"%s\"",
		    stream == 1 ? "stdout" : "stderr");
	line_field(e);
	json_raw(&e->json, ",");
	json_bytes_field(&e->json, "data", data, length);
	json_raw(&e->json, "}\n");
}

/* A chunk never ends inside a character: the bytes that begin one wait
 * for the rest, which the stream's next chunk brings. */
static void output(struct events *e, int stream, const unsigned char *data, size_t length)
{
	int i = stream == 1 ? 0 : 1;
	size_t carried = e->carry_length[i];
	if (carried) {
		if (carried + length > e->joined_capacity) {
			unsigned char *grown = realloc(e->joined, carried + length);
			if (!grown) {
				e->json.failed = 1;
				return;
			}
			e->joined = grown;
			e->joined_capacity = carried + length;
		}
		memcpy(e->joined, e->carry[i], carried);
		memcpy(e->joined + carried, data, length);
		data = e->joined;
		length += carried;
	}
	size_t tail = utf8_incomplete_tail(data, length);
	memcpy(e->carry[i], data + length - tail, tail);
	e->carry_length[i] = tail;
	if (length > tail)
		output_event(e, stream, data, length - tail);
}

/* Bytes held back that no later output completed go out as they are. */
static void flush_carried(struct events *e)
{
	for (int i = 0; i < 2; i++) {
		if (!e->carry_length[i])
			continue;
		size_t n = e->carry_length[i];
		e->carry_length[i] = 0;
		output_event(e, i + 1, e->carry[i], n);
	}
}

/* The line's text comes with the event (NULL when unknown). */
static void line_started(struct events *e, unsigned line, const unsigned char *text, size_t length)
{
	flush_carried(e);
	e->line = line;
	e->line_started = now();
	json_format(&e->json, "{\"event\":\"line-started\",\"line\":%u,", line);
	if (text)
		json_bytes_field(&e->json, "command", text, length);
	else
		json_raw(&e->json, "\"command\":null");
	json_raw(&e->json, "}\n");
}

static void line_finished(struct events *e, unsigned line, int status, unsigned long long micros)
{
	flush_carried(e);
	json_format(
	    &e->json,
	    "{\"event\":\"line-finished\",\"line\":%u,\"status\":%d,\"seconds\":%llu.%06llu}\n",
	    line, status, micros / 1000000u, micros % 1000000u);
	e->line = 0;
}

void events_on_event(void *data, const struct krunsh_event *ev, const void **out,
		     size_t *out_length)
{
	struct events *e = data;
	json_buffer_reset(&e->json);
	switch (ev->type) {
	case KRUNSH_EVENT_OUTPUT:
		output(e, ev->stream, ev->data, ev->length);
		break;
	case KRUNSH_EVENT_LINE_STARTED:
		line_started(e, ev->line, ev->data, ev->length);
		break;
	case KRUNSH_EVENT_LINE_FINISHED:
		line_finished(e, ev->line, ev->status, ev->micros);
		break;
	}
	/* Out of memory: this event is lost, not the ones after it. */
	*out = e->json.failed ? NULL : e->json.data;
	*out_length = e->json.failed ? 0 : e->json.length;
}

/* What the library does for events while the run goes on, done here for
 * the two that frame it: a slow reader is waited for, but not past the
 * deadline (absolute CLOCK_MONOTONIC seconds, 0: none) nor a signal. A
 * closed stdout drops the event (the run's status says so: 141). */
static void write_waiting(int fd, const char *data, size_t length, double deadline, int cancel_fd)
{
	while (fd >= 0 && length) {
		struct pollfd fds[2] = {{.fd = fd, .events = POLLOUT},
					{.fd = cancel_fd, .events = POLLIN}};
		int timeout = -1;
		if (deadline > 0) {
			double left = deadline - now();
			if (left <= 0)
				return;
			timeout = (int)(left * 1000) + 1;
		}
		int r = poll(fds, 2, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || fds[1].revents || (fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)))
			return;
		/* A page at most: after POLLOUT a pipe takes it without blocking. */
		ssize_t w = write(fd, data, length < 4096 ? length : 4096);
		if (w < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (w < 0)
			return;
		data += w;
		length -= (size_t)w;
	}
}

void events_run_started(struct events *e, const char *engine)
{
	if (e->started)
		return;
	e->started = 1;
	json_buffer_reset(&e->json);
	json_format(&e->json,
		    "{\"event\":\"run-started\",\"version\":%d,\"engine\":", EVENTS_VERSION);
	if (engine)
		json_string(&e->json, engine, strlen(engine));
	else
		json_raw(&e->json, "null");
	json_format(&e->json, ",\"mode\":\"%s\",\"pid\":%ld}\n", e->mode ? e->mode : "lines",
		    (long)getpid());
	if (!e->json.failed)
		write_waiting(e->fd, e->json.data, e->json.length, 0, -1);
}

void events_run_finished(struct events *e, int status, const char *message, size_t unwritten,
			 int cancel_fd)
{
	events_run_started(e, NULL);
	double end_by = now() + EVENTS_END_GRACE;
	if (!message || !message[0])
		message = e->first_message[0] ? e->first_message : NULL;
	/* The end of an event the run was cut off in: a line stays whole. */
	if (unwritten && unwritten <= e->json.length)
		write_waiting(e->fd, e->json.data + e->json.length - unwritten, unwritten, end_by,
			      cancel_fd);
	json_buffer_reset(&e->json);
	flush_carried(e);
	/* A line the run's end cut off (a timeout, a signal) ends with it. */
	if (e->line)
		line_finished(e, e->line, status,
			      (unsigned long long)((now() - e->line_started) * 1e6));
	json_format(&e->json, "{\"event\":\"run-finished\",\"status\":%d,", status);
	if (message)
		json_bytes_field(&e->json, "message", message, strlen(message));
	else
		json_raw(&e->json, "\"message\":null");
	json_raw(&e->json, "}\n");
	if (!e->json.failed)
		write_waiting(e->fd, e->json.data, e->json.length, end_by, cancel_fd);
}

/* "lines", "script", "command" or "exec": what the run's start says. */
static const char *events_mode(const struct options *opts)
{
	if (opts->proc.mode == INPUT_EXEC)
		return "exec";
	if (opts->command)
		return "command";
	return opts->proc.mode == INPUT_LINES ? "lines" : "script";
}

void events_log(void *data, int verbose, const char *line)
{
	struct events *e = data;
	if (!verbose && !e->first_message[0])
		snprintf(e->first_message, sizeof(e->first_message), "%s", line);
	log_to_stderr(NULL, verbose, line);
}

void events_begin(struct events *e, int fd, const struct options *opts)
{
	events_init(e, fd);
	e->mode = events_mode(opts);
	log_set_sink(events_log, e);
}

void events_free(struct events *e)
{
	json_buffer_free(&e->json);
	free(e->joined);
}
