#include "cli/stream.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

/* Input is read only while less than this waits to reach the guest: a
 * fast writer and a slow guest keep krunsh's memory bounded. */
#define STREAM_UNSENT_MAX (256u * 1024u)

struct stream {
	struct vm *vm;
	struct script *script;
	int in; /* -1 once at its end or refused */
	struct error *refused;
};

/* Whatever script_stream_input produced goes to the guest. */
static void feed_text(struct stream *st, long lines)
{
	if (st->script->text_length &&
	    vm_exec_feed(st->vm, st->script->text, st->script->text_length, (size_t)lines) < 0) {
		error_set(st->refused, ENOMEM, "sending the commands");
		st->in = -1;
	}
	script_stream_taken(st->script);
}

static void end_feed(struct stream *st)
{
	st->in = -1;
	vm_exec_feed_end(st->vm);
}

static void read_input(struct stream *st)
{
	static char buf[64 * 1024];
	ssize_t n = read(st->in, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0) {
		error_set(st->refused, errno, "reading the commands");
		end_feed(st);
		return;
	}
	long lines = script_stream_input(st->script, buf, (size_t)n, n == 0, st->refused);
	/* Refused or not, the lines before go to the guest. */
	feed_text(st, (long)st->script->stream_lines);
	if (lines < 0 || n == 0)
		end_feed(st);
}

void stream_run(struct vm *vm, const struct vm_job *job, int in, struct script *script,
		double deadline, struct vm_run_result *run, struct error *refused)
{
	struct stream st = {.vm = vm, .script = script, .in = in, .refused = refused};
	if (vm_exec_begin(vm, job, deadline, run))
		return;
	/* The prologue (line mode's helpers) first. */
	feed_text(&st, 0);
	struct pollfd fds[SESSION_MAX_POLLFDS + 1];
	int timeout_ms, n;
	while ((n = vm_exec_pollfds(vm, fds, &timeout_ms)) > 0) {
		int i_in = -1;
		if (st.in >= 0 && vm_exec_unsent(vm) < STREAM_UNSENT_MAX)
			fds[i_in = n++] = (struct pollfd){.fd = st.in, .events = POLLIN};
		if (poll(fds, (nfds_t)n, timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			vm_exec_abort(vm, "poll failed");
			return;
		}
		if (i_in >= 0 && fds[i_in].revents)
			read_input(&st);
		if (vm_exec_dispatch(vm, fds))
			return;
	}
}
