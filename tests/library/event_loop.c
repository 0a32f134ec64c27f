/* libkrunsh in a caller's own event loop (tests/e2e/test_library.sh): while
 * an execution runs, the caller's poll loop keeps serving its own fd (a
 * 50 ms timer here); then a second execution on the same VM; then a VM
 * stopped while an execution still runs. Public header only.
 * Usage: event_loop ENGINE AGENT */
#include "test_vm.h"

#include <stdint.h>
#include <stdio.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs one execution with the timer in the same poll; returns its status
 * (-1 if it did not exit) and counts the timer's ticks meanwhile. */
static int run_polled(krunsh_vm *vm, const char *script, int timer, unsigned *ticks)
{
	struct krunsh_proc_spec proc = {.script = script};
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2};
	struct krunsh_error err;
	krunsh_exec *exec;
	if (krunsh_exec_start(vm, &proc, &io, &exec, &err) < 0) {
		fprintf(stderr, "event_loop: %s\n", err.message);
		return -1;
	}
	for (;;) {
		struct pollfd fds[KRUNSH_EXEC_MAX_POLLFDS + 1];
		int timeout_ms;
		int n = krunsh_exec_pollfds(exec, fds, &timeout_ms);
		if (n == 0)
			break;
		fds[n] = (struct pollfd){.fd = timer, .events = POLLIN};
		if (poll(fds, (nfds_t)n + 1, timeout_ms) < 0)
			continue;
		if (fds[n].revents & POLLIN) {
			uint64_t expirations;
			if (read(timer, &expirations, sizeof(expirations)) == sizeof(expirations))
				*ticks += (unsigned)expirations;
		}
		if (krunsh_exec_dispatch(exec, fds))
			break;
	}
	struct krunsh_exec_result result;
	krunsh_exec_finish(exec, &result);
	if (result.end != KRUNSH_EXEC_EXITED)
		fprintf(stderr, "event_loop: %s\n", result.message);
	return result.end == KRUNSH_EXEC_EXITED ? result.status : -1;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	krunsh_vm *vm = test_vm_start("event_loop", argv[1], argv[2]);
	if (!vm)
		return 1;
	struct krunsh_error err;
	int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec every = {.it_interval = {0, 50000000}, .it_value = {0, 50000000}};
	timerfd_settime(timer, 0, &every, NULL);
	unsigned ticks = 0;
	int first = run_polled(vm, "sleep 1; echo slept", timer, &ticks);
	printf("first: status %d, ticks while it ran %s\n", first, ticks >= 10 ? ">= 10" : "< 10");
	unsigned more = 0;
	int second = run_polled(vm, "exit 5", timer, &more);
	printf("second: status %d\n", second);
	fflush(stdout);

	/* Stopped while a long execution runs: at once, nothing left. */
	struct krunsh_proc_spec long_one = {.script = "sleep 60"};
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2};
	krunsh_exec *exec;
	if (krunsh_exec_start(vm, &long_one, &io, &exec, &err) < 0) {
		fprintf(stderr, "event_loop: %s\n", err.message);
		return 1;
	}
	double stop_started = now();
	krunsh_vm_stop(vm);
	printf("stopped while running in %s\n", now() - stop_started < 5 ? "< 5 s" : ">= 5 s");
	close(timer);
	return 0;
}
