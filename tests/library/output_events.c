/* libkrunsh's event callback (krunsh_io.on_event, tests/e2e/test_library.sh):
 * the output reaches the callback, not the fds, stream by stream in order;
 * what the callback hands back is what reaches stdout_fd. Public header only.
 * Usage: output_events ENGINE AGENT */
#include "test_vm.h"

#include <stdio.h>
#include <string.h>

struct seen {
	char bytes[2][256];
	size_t length[2];
	char rendered[64];
	unsigned events, other;
};

static void on_event(void *data, const struct krunsh_event *event, const void **out,
		     size_t *out_length)
{
	struct seen *s = data;
	s->events++;
	if (event->type != KRUNSH_EVENT_OUTPUT || (event->stream != 1 && event->stream != 2)) {
		s->other++; /* no line events outside line mode */
		return;
	}
	int i = event->stream - 1;
	size_t room = sizeof(s->bytes[i]) - s->length[i];
	size_t n = event->length < room ? event->length : room;
	memcpy(s->bytes[i] + s->length[i], event->data, n);
	s->length[i] += n;
	snprintf(s->rendered, sizeof(s->rendered), "event: stream %d, %zu bytes\n", event->stream,
		 event->length);
	*out = s->rendered;
	*out_length = strlen(s->rendered);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	krunsh_vm *vm = test_vm_start("output_events", argv[1], argv[2]);
	if (!vm)
		return 1;
	struct krunsh_error err;
	struct seen seen = {0};
	struct krunsh_proc_spec proc = {.script = "echo one; echo two >&2; printf three"};
	struct krunsh_io io = {.stdin_fd = -1,
			       .stdout_fd = 1,
			       .stderr_fd = 2,
			       .on_event = on_event,
			       .event_data = &seen};
	struct krunsh_exec_result result;
	if (krunsh_vm_exec(vm, &proc, &io, &result, &err) < 0) {
		fprintf(stderr, "output_events: %s\n", err.message);
		return 1;
	}
	fflush(stdout);
	printf("status %d, unwritten %zu, other events %u\n", result.status, result.unwritten,
	       seen.other);
	printf("stdout [%.*s] stderr [%.*s]\n", (int)seen.length[0], seen.bytes[0],
	       (int)seen.length[1], seen.bytes[1]);
	krunsh_vm_stop(vm);
	return result.end == KRUNSH_EXEC_EXITED ? 0 : 1;
}
