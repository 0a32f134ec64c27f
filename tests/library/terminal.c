/* An execution on a terminal (proc.terminal): the size it starts with and
 * the one krunsh_exec_resize gives later (the program's SIGWINCH trap sees
 * it), stdout and stderr as one stream on stdout_fd, sizes out of range
 * refused. Public header only.
 * Usage: terminal ENGINE AGENT */
#include "test_vm.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads what fd has into text (CRs dropped: a terminal ends lines \r\n). */
static void take(int fd, char *text, size_t size, size_t *length)
{
	char buf[256];
	ssize_t got = read(fd, buf, sizeof(buf));
	for (ssize_t i = 0; i < got && *length < size - 1; i++)
		if (buf[i] != '\r')
			text[(*length)++] = buf[i];
	text[*length] = '\0';
}

/* Runs proc in the caller's loop; once its output holds `ready`, resizes
 * the terminal to 40 x 120 (when ready is not NULL). */
static int run(krunsh_vm *vm, const struct krunsh_proc_spec *proc, const char *ready, char *text,
	       size_t size, struct krunsh_exec_result *result)
{
	int out[2], err[2];
	if (pipe(out) < 0 || pipe(err) < 0)
		return -1;
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = out[1], .stderr_fd = err[1]};
	struct krunsh_error e;
	krunsh_exec *exec;
	if (krunsh_exec_start(vm, proc, &io, &exec, &e) < 0) {
		fprintf(stderr, "terminal: %s\n", e.message);
		return -1;
	}
	size_t length = 0;
	int resized = ready == NULL;
	for (;;) {
		struct pollfd fds[KRUNSH_EXEC_MAX_POLLFDS + 1];
		int timeout_ms;
		int n = krunsh_exec_pollfds(exec, fds, &timeout_ms);
		if (n == 0)
			break;
		fds[n] = (struct pollfd){.fd = out[0], .events = POLLIN};
		if (poll(fds, (nfds_t)n + 1, timeout_ms) < 0)
			continue;
		if (fds[n].revents & POLLIN)
			take(out[0], text, size, &length);
		if (!resized && strstr(text, ready)) {
			if (krunsh_exec_resize(exec, 0, 80, &e) == 0 || e.code != KRUNSH_E_INVALID)
				printf("a 0 x 80 terminal was not refused\n");
			if (krunsh_exec_resize(exec, 40, 120, &e) < 0)
				printf("resize: %s\n", e.message);
			resized = 1;
		}
		if (krunsh_exec_dispatch(exec, fds))
			break;
	}
	krunsh_exec_finish(exec, result);
	close(out[1]);
	close(err[1]);
	struct pollfd left = {.fd = out[0], .events = POLLIN};
	while (poll(&left, 1, 0) > 0 && length < size - 1) {
		size_t before = length;
		take(out[0], text, size, &length);
		if (length == before)
			break;
	}
	char err_text[64];
	ssize_t err_bytes = read(err[0], err_text, sizeof(err_text));
	if (err_bytes > 0)
		printf("stderr_fd got %zd bytes\n", err_bytes);
	close(out[0]);
	close(err[0]);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	alarm(120);
	setvbuf(stdout, NULL, _IONBF, 0);
	krunsh_vm *vm = test_vm_start("terminal", argv[1], argv[2]);
	if (!vm)
		return 1;
	struct krunsh_error err;
	const char *const sized[] = {"sh", "-c",
				     "tty >/dev/null && echo on a tty; stty size; "
				     "echo to stderr >&2; exit 5",
				     NULL};
	struct krunsh_proc_spec proc = {.argv = sized, .terminal = 1, .rows = 30, .columns = 100};
	struct krunsh_exec_result result;
	char text[512] = "";
	if (run(vm, &proc, NULL, text, sizeof(text), &result) < 0)
		return 1;
	printf("status %d\n%s", result.end == KRUNSH_EXEC_EXITED ? result.status : -1, text);

	const char *const trapped[] = {
	    "sh", "-c", "trap 'stty size; exit 7' WINCH; echo ready; while :; do sleep 1; done",
	    NULL};
	proc.argv = trapped;
	text[0] = '\0';
	if (run(vm, &proc, "ready\n", text, sizeof(text), &result) < 0)
		return 1;
	printf("status %d\n%s", result.end == KRUNSH_EXEC_EXITED ? result.status : -1, text);

	proc.rows = 20000;
	krunsh_exec *exec;
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2};
	if (krunsh_exec_start(vm, &proc, &io, &exec, &err) == 0 || err.code != KRUNSH_E_INVALID)
		printf("a 20000-row terminal was not refused\n");
	krunsh_vm_stop(vm);
	return 0;
}
