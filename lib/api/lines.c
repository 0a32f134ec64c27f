/* The public API's scripts, and its line mode (krunsh_proc_spec.lines):
 * the krunsh command's way of running input, one command a line in one
 * shell, for any caller. The program text comes from lib/exec/line_script.c, as for the
 * command; here it is fed, its line events get their line's text, and the
 * result lists the lines. */
#include "lib/api/api.h"
#include "util/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What a line-mode result's pointers point into: the input, kept with
 * its lines until krunsh_exec_result_free. */
struct line_data {
	struct script script;
	struct krunsh_line *failed, *all;
};

static void line_text(const struct script *s, unsigned number, const unsigned char **data,
		      size_t *length)
{
	const struct script_line *line = script_find_line(s, number);
	*data = line ? (const unsigned char *)s->input + line->offset : NULL;
	*length = line ? line->length : 0;
}

/* The caller's callback, with each line event's text filled in. */
static void with_line_text(void *data, const struct krunsh_event *event, const void **out,
			   size_t *out_length)
{
	struct krunsh_exec *e = data;
	struct krunsh_event copy = *event;
	if (event->type == KRUNSH_EVENT_LINE_STARTED || event->type == KRUNSH_EVENT_LINE_FINISHED)
		line_text(&e->script, event->line, &copy.data, &copy.length);
	e->on_event(e->event_data, &copy, out, out_length);
}

/* What has been made of the input so far goes to the guest (first, the
 * prologue of a feed: line mode's helpers). */
int api_lines_feed_taken(struct krunsh_exec *e)
{
	int r = 0;
	if (e->script.text_length)
		r = vm_exec_feed(e->vm->vm, e->script.text, e->script.text_length,
				 e->script.stream_lines);
	script_stream_taken(&e->script);
	return r;
}

int api_lines_begin(struct krunsh_exec *e, const struct krunsh_proc_spec *proc,
		    const struct krunsh_io *io, struct proc_spec *spec, struct error *err)
{
	int flags = 0;
	if (proc->lines) {
		e->lines = 1;
		flags = (proc->keep_going ? SCRIPT_KEEP_GOING : 0) |
			(proc->line_results || io->on_event ? SCRIPT_LINE_EVENTS : 0) |
			/* with events, a line's output cannot come before its start */
			(io->on_event ? SCRIPT_LINE_STARTED : 0);
		spec->mode = PROC_LINES;
		spec->line_events = (flags & SCRIPT_LINE_EVENTS) != 0;
		spec->line_starts = (flags & SCRIPT_LINE_STARTED) != 0;
		if (io->on_event) {
			e->on_event = io->on_event;
			e->event_data = io->event_data;
		}
	}
	if (proc->script_fed)
		return script_stream_begin(&e->script, proc->lines, flags, err);
	size_t length = proc->script_length ? proc->script_length : strlen(proc->script);
	char *input = malloc(length + 1);
	if (!input) {
		error_set(err, ENOMEM, "preparing the script");
		return -1;
	}
	memcpy(input, proc->script, length);
	input[length] = '\0';
	return script_build(input, length, proc->lines, flags, &e->script, err);
}

void api_lines_job(struct krunsh_exec *e)
{
	e->vm_job.line_count = e->script.line_count;
	if (e->on_event) {
		e->vm_job.on_event = with_line_text;
		e->vm_job.event_data = e;
	}
}

/* A fed piece: its complete lines (all of it at eof) go to the guest. A
 * refused piece ends the feed there; -1 then, and for out of memory. */
int api_lines_feed(struct krunsh_exec *e, const void *data, size_t length, int eof)
{
	if (!e->script.streaming)
		return -1;
	long taken = script_stream_input(&e->script, data, length, eof, &e->refused);
	/* Refused or not, the lines before it go. */
	if (api_lines_feed_taken(e) < 0) {
		error_set(&e->refused, ENOMEM, "sending the commands");
		taken = -1;
	}
	if (taken < 0 && !eof) {
		if (script_stream_close(&e->script) < 0 || api_lines_feed_taken(e) < 0)
			error_set(&e->refused, ENOMEM, "sending the commands");
		e->feed_ended = 1;
		vm_exec_feed_end(e->vm->vm);
	}
	return taken < 0 ? -1 : 0;
}

static struct krunsh_line *lines_of(const struct script *s, const struct line_result *results,
				    const struct failed_line *failed, size_t count)
{
	struct krunsh_line *out = calloc(count ? count : 1, sizeof(*out));
	for (size_t i = 0; out && i < count; i++) {
		out[i].number = results ? results[i].line : failed[i].line;
		out[i].status = (int)(results ? results[i].status : failed[i].status);
		out[i].micros = results ? results[i].micros : 0;
		const unsigned char *text;
		line_text(s, out[i].number, &text, &out[i].text_length);
		out[i].text = (const char *)text;
	}
	return out;
}

/* The result's lines, pointing into the input, which the result now owns. */
void api_lines_result(struct krunsh_exec *e, struct krunsh_exec_result *result)
{
	const struct session_result *r = &e->vm->run.session;
	struct line_data *d = calloc(1, sizeof(*d));
	if (d) {
		d->failed = lines_of(&e->script, NULL, r->failed, r->failed_count);
		d->all = lines_of(&e->script, r->lines, NULL, r->line_count);
	}
	if (!d || !d->failed || !d->all) {
		/* Out of memory: the status stands, the lists are empty. */
		if (d) {
			free(d->failed);
			free(d->all);
		}
		free(d);
		script_free(&e->script);
		return;
	}
	d->script = e->script;
	memset(&e->script, 0, sizeof(e->script));
	result->failed_lines = d->failed;
	result->failed_line_count = r->failed_count;
	result->lines = d->all;
	result->line_count = r->line_count;
	result->line_data = d;
}

void krunsh_exec_result_free(struct krunsh_exec_result *result)
{
	struct line_data *d = result ? result->line_data : NULL;
	if (!d)
		return;
	script_free(&d->script);
	free(d->failed);
	free(d->all);
	free(d);
	result->line_data = NULL;
	result->failed_lines = result->lines = NULL;
	result->failed_line_count = result->line_count = 0;
}
