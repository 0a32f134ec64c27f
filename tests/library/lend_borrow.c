/* libkrunsh's loan of a VM (tests/e2e/test_library.sh): the parent starts
 * a VM and lends it; a child process borrows it and runs one execution
 * that writes a file; the parent takes it back and its own next execution
 * sees the file. Public header only.
 * Usage: lend_borrow ENGINE AGENT */
#include "test_vm.h"

#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int run(krunsh_vm *vm, const char *script)
{
	struct krunsh_proc_spec proc = {.script = script};
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 2};
	struct krunsh_exec_result result;
	struct krunsh_error err;
	if (krunsh_vm_exec(vm, &proc, &io, &result, &err) < 0) {
		fprintf(stderr, "lend_borrow: %s\n", err.message);
		return -1;
	}
	return result.end == KRUNSH_EXEC_EXITED ? result.status : -1;
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	krunsh_vm *vm = test_vm_start("lend_borrow", argv[1], argv[2]);
	if (!vm)
		return 1;
	struct krunsh_error err;
	struct krunsh_vm_loan loan;
	if (krunsh_vm_lend(vm, &loan, &err) < 0) {
		fprintf(stderr, "lend_borrow: %s\n", err.message);
		krunsh_vm_stop(vm);
		return 1;
	}
	int pipe_fds[2];
	if (pipe(pipe_fds) < 0)
		return 1;
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		krunsh_vm *borrowed;
		if (krunsh_vm_borrow(&loan, &borrowed, &err) < 0) {
			fprintf(stderr, "lend_borrow: %s\n", err.message);
			_exit(1);
		}
		int status = run(borrowed, "echo borrowed; echo kept >/tmp/lent; exit 4");
		unsigned execs = krunsh_vm_executions(borrowed);
		(void)!write(pipe_fds[1], &execs, sizeof(execs));
		krunsh_vm_stop(borrowed);
		_exit(status == 4 ? 0 : 1);
	}
	unsigned execs = 0;
	(void)!read(pipe_fds[0], &execs, sizeof(execs));
	int child_status = 0;
	waitpid(child, &child_status, 0);
	printf("child: %s, executions %u\n",
	       WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0 ? "ok" : "failed", execs);
	fflush(stdout);
	krunsh_vm_loan_returned(vm, execs);
	int status = run(vm, "cat /tmp/lent; exit 6");
	printf("parent: status %d\n", status);
	krunsh_vm_stop(vm);
	return 0;
}
