/* A script fed while it runs (krunsh_exec_feed): each piece is fed only
 * once the output of the one before has come back, so the shell must run
 * what it has as it arrives; state carries from piece to piece (one
 * shell), a here-document may be split across pieces, and the status is
 * the script's. Public header only.
 * Usage: fed_script ENGINE AGENT */
#include "test_vm.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *feed, *then_expect; /* feed this, wait until the output ends so */
} steps[] = {
    {"echo one\n", "one\n"},
    {"x=two; cd /tmp\n", NULL},
    {"echo $x $(pwd)\ncat <<EOF\nhere", "one\ntwo /tmp\n"},
    {"-doc\nEOF\n", "one\ntwo /tmp\nhere-doc\n"},
    {"exit 4\n", NULL},
};

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	alarm(120); /* a shell that waits for the whole script never shows step 1 */
	krunsh_vm *vm = test_vm_start("fed_script", argv[1], argv[2]);
	if (!vm)
		return 1;
	struct krunsh_error err;
	int out[2];
	if (pipe(out) < 0)
		return 1;
	struct krunsh_proc_spec proc = {.script_fed = 1};
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = out[1], .stderr_fd = 2};
	struct krunsh_exec_result result;
	if (krunsh_vm_exec(vm, &proc, &io, &result, &err) == 0 || err.code != KRUNSH_E_INVALID)
		return fprintf(stderr, "fed_script: krunsh_vm_exec took a fed script\n"), 1;
	krunsh_exec *exec;
	if (krunsh_exec_start(vm, &proc, &io, &exec, &err) < 0) {
		fprintf(stderr, "fed_script: %s\n", err.message);
		return 1;
	}
	char seen[256] = "";
	size_t seen_length = 0, step = 0;
	int waiting = 0;
	for (;;) {
		if (!waiting && step < sizeof(steps) / sizeof(steps[0])) {
			krunsh_exec_feed(exec, steps[step].feed, strlen(steps[step].feed));
			waiting = steps[step].then_expect != NULL;
			if (!waiting && ++step == sizeof(steps) / sizeof(steps[0]))
				krunsh_exec_feed_end(exec);
			continue;
		}
		struct pollfd fds[KRUNSH_EXEC_MAX_POLLFDS + 1];
		int timeout_ms;
		int n = krunsh_exec_pollfds(exec, fds, &timeout_ms);
		if (n == 0)
			break;
		fds[n] = (struct pollfd){.fd = out[0], .events = POLLIN};
		if (poll(fds, (nfds_t)n + 1, timeout_ms) < 0)
			continue;
		if (fds[n].revents & POLLIN) {
			ssize_t got =
			    read(out[0], seen + seen_length, sizeof(seen) - 1 - seen_length);
			seen_length += got > 0 ? (size_t)got : 0;
			seen[seen_length] = '\0';
			if (waiting && strcmp(seen, steps[step].then_expect) == 0) {
				printf("step %zu: output before the next piece\n", step + 1);
				waiting = 0;
				step++;
			}
		}
		if (krunsh_exec_dispatch(exec, fds))
			break;
	}
	if (krunsh_exec_feed(exec, "x", 1) == 0)
		printf("fed after its end\n");
	krunsh_exec_finish(exec, &result);
	close(out[1]);
	ssize_t got;
	while (seen_length < sizeof(seen) - 1 &&
	       (got = read(out[0], seen + seen_length, sizeof(seen) - 1 - seen_length)) > 0)
		seen_length += (size_t)got;
	seen[seen_length] = '\0';
	printf("status %d\n%s", result.end == KRUNSH_EXEC_EXITED ? result.status : -1, seen);
	krunsh_vm_stop(vm);
	return 0;
}
