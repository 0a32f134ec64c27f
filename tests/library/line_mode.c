/* Line mode through the public API (krunsh_proc_spec.lines): the checks
 * before a VM, one shell for all lines, the stop at the first failure and
 * --keep-going's way, the result's lines with their text, and a fed line
 * mode whose line events carry the line's text, each piece fed only after
 * the line before has finished, a refused piece ending the feed. Prints
 * what it saw; tests/e2e/test_library.sh compares it.
 * Usage: line_mode ENGINE AGENT */
#include "test_vm.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void check(const char *what, const struct krunsh_proc_spec *proc)
{
	struct krunsh_error err = {0};
	int r = krunsh_proc_spec_check(proc, &err);
	printf("check %s: %s\n", what, r == 0 ? "ok" : err.message);
}

static void print_lines(const char *what, const struct krunsh_line *lines, size_t count)
{
	for (size_t i = 0; i < count; i++)
		printf("%s: line %u status %d \"%.*s\"\n", what, lines[i].number, lines[i].status,
		       (int)lines[i].text_length, lines[i].text);
}

static void run_script(krunsh_vm *vm, const char *what, const char *script, int keep_going)
{
	struct krunsh_proc_spec proc = {
	    .script = script, .lines = 1, .keep_going = keep_going, .line_results = 1};
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 1};
	struct krunsh_exec_result result;
	struct krunsh_error err;
	fflush(stdout);
	if (krunsh_vm_exec(vm, &proc, &io, &result, &err) < 0) {
		printf("%s: %s\n", what, err.message);
		return;
	}
	printf("%s: status %d%s\n", what, result.end == KRUNSH_EXEC_EXITED ? result.status : -1,
	       result.message);
	print_lines("failed", result.failed_lines, result.failed_line_count);
	print_lines("ran", result.lines, result.line_count);
	krunsh_exec_result_free(&result);
}

/* The fed run: the next piece goes once the line before has finished. */
struct fed {
	krunsh_exec *exec;
	unsigned finished;
};

static void on_event(void *data, const struct krunsh_event *ev, const void **out,
		     size_t *out_length)
{
	struct fed *f = data;
	*out = NULL;
	*out_length = 0;
	if (ev->type == KRUNSH_EVENT_OUTPUT)
		printf("output: %.*s", (int)ev->length, (const char *)ev->data);
	else if (ev->type == KRUNSH_EVENT_LINE_STARTED)
		printf("started: line %u \"%.*s\"\n", ev->line, (int)ev->length,
		       (const char *)ev->data);
	else if (ev->type == KRUNSH_EVENT_LINE_FINISHED) {
		printf("finished: line %u status %d\n", ev->line, ev->status);
		f->finished++;
	}
}

/* sizeof: a piece may hold a NUL byte. */
#define PIECE(text)                                                                                \
	{                                                                                          \
		text, sizeof(text) - 1                                                             \
	}
static const struct {
	const char *data;
	size_t length;
} pieces[] = {PIECE("x=4; cd /tmp\n"), PIECE("echo $x $(pwd) \\\n  continued\n"), PIECE("false\n"),
	      PIECE("echo bad\0line\n"), PIECE("echo never\n")};

static void run_fed(krunsh_vm *vm)
{
	struct fed f = {0};
	struct krunsh_proc_spec proc = {.script_fed = 1, .lines = 1, .keep_going = 1};
	struct krunsh_io io = {
	    .stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 1, .on_event = on_event, .event_data = &f};
	struct krunsh_error err;
	if (krunsh_exec_start(vm, &proc, &io, &f.exec, &err) < 0) {
		printf("fed: %s\n", err.message);
		return;
	}
	size_t next = 0;
	for (;;) {
		if (next < sizeof(pieces) / sizeof(pieces[0]) && f.finished == next) {
			int r = krunsh_exec_feed(f.exec, pieces[next].data, pieces[next].length);
			printf("fed piece %zu: %d\n", next + 1, r);
			next = r < 0 ? sizeof(pieces) / sizeof(pieces[0]) : next + 1;
		}
		struct pollfd fds[KRUNSH_EXEC_MAX_POLLFDS];
		int timeout_ms;
		int n = krunsh_exec_pollfds(f.exec, fds, &timeout_ms);
		if (n == 0)
			break;
		if (poll(fds, (nfds_t)n, timeout_ms) < 0)
			continue;
		fflush(stdout);
		if (krunsh_exec_dispatch(f.exec, fds))
			break;
	}
	struct krunsh_exec_result result;
	krunsh_exec_finish(f.exec, &result);
	printf("fed: status %d, refused: %s\n",
	       result.end == KRUNSH_EXEC_EXITED ? result.status : -1, result.input_refused);
	print_lines("fed failed", result.failed_lines, result.failed_line_count);
	krunsh_exec_result_free(&result);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	alarm(300);
	setvbuf(stdout, NULL, _IOLBF, 0);
	check("a here-document",
	      &(struct krunsh_proc_spec){.script = "echo a\ncat <<EOF\n", .lines = 1});
	check("argv in line mode",
	      &(struct krunsh_proc_spec){.argv = (const char *const[]){"true", NULL}, .lines = 1});
	check("keep_going alone", &(struct krunsh_proc_spec){.script = "true", .keep_going = 1});
	check("good lines",
	      &(struct krunsh_proc_spec){.script = "cd /\n# c\n\necho \\\n x\n", .lines = 1});
	krunsh_vm *vm = test_vm_start("line_mode", argv[1], argv[2]);
	if (!vm)
		return 1;
	run_script(vm, "stop", "cd /tmp\nx=5\n\n# a comment\necho $x $(pwd)\nfalse\necho not-run\n",
		   0);
	run_script(vm, "keep going", "false\necho ran\n(exit 3)\n", 1);
	run_fed(vm);
	krunsh_vm_stop(vm);
	return 0;
}
