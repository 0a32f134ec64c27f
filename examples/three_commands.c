/* One VM, three commands run in it one after another, each one's exit
 * status printed: what libkrunsh is for. Build it as any user would:
 *   cc three_commands.c $(pkg-config --cflags --libs krunsh)
 * Usage: three_commands [ENGINE [AGENT]]
 *   ENGINE auto, qemu or krun; AGENT a krunsh-agent other than the
 *   installed one (a build tree's). */
#include <krunsh/krunsh.h>

#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct krunsh_host host = {.agent = argc > 2 ? argv[2] : NULL};
	struct krunsh_vm_spec spec = {
	    .engine = argc > 1 ? argv[1] : "auto", .cancel_fd = -1, .host = &host};
	struct krunsh_error err;
	krunsh_vm *vm;
	if (krunsh_vm_start(&spec, &vm, &err) < 0) {
		fprintf(stderr, "three_commands: %s\n", err.message);
		return 1;
	}
	/* The second sees what the first wrote: one VM, one overlay. */
	const char *const exit7[] = {"sh", "-c", "exit 7", NULL};
	const struct krunsh_proc_spec commands[] = {
	    {.script = "echo kept > /tmp/state; exit 3"},
	    {.script = "cat /tmp/state"},
	    {.argv = exit7},
	};
	struct krunsh_io io = {
	    .stdin_fd = -1, .stdout_fd = STDOUT_FILENO, .stderr_fd = STDERR_FILENO};
	int failed = 0;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		struct krunsh_exec_result result;
		if (krunsh_vm_exec(vm, &commands[i], &io, &result, &err) < 0) {
			fprintf(stderr, "three_commands: %s\n", err.message);
			failed = 1;
			break;
		}
		if (result.end != KRUNSH_EXEC_EXITED) {
			fprintf(stderr, "three_commands: command %zu: %s\n", i + 1, result.message);
			failed = 1;
			break;
		}
		printf("command %zu: status %d\n", i + 1, result.status);
		fflush(stdout);
	}
	printf("engine %s\n", krunsh_vm_engine(vm));
	krunsh_vm_stop(vm);
	return failed;
}
