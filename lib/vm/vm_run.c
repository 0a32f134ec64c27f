#include "lib/vm/vm_run.h"
#include "util/path.h"
#include "lib/vm/spawn.h"
#include "util/unix_socket.h"
#include "lib/vm/tempdir.h"
#include "util/text.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct vm {
	const struct engine *engine;
	const struct engine_probe *probe;
	const struct vm_spec *opts;
	struct engine_vm evm;
	char run_dir[4096];
	int lock_fd;
	int listen_fd;
	struct session_config session_config;
	struct session *session;
	double boot_seconds;
	struct session_exec exec;	/* the execution running */
	struct vm_run_result *exec_out; /* its result, until it ends */
};

static void vm_processes_stop(struct engine_vm *vm)
{
	process_kill_and_reap(vm->main_pid);
	for (int i = 0; i < vm->helper_count; i++)
		process_kill_and_reap(vm->helper_pids[i]);
	vm->main_pid = 0;
	vm->helper_count = 0;
}

int engine_vm_add_helper(struct engine_vm *vm, pid_t pid, struct error *err)
{
	if (vm->helper_count >= ENGINE_MAX_HELPERS) {
		process_kill_and_reap(pid);
		/* The spec's limits keep below this: a bug if it is reached. */
		error_set(err, 0, "too many helper processes for one VM (at most %d)",
			  ENGINE_MAX_HELPERS);
		return -1;
	}
	vm->helper_pids[vm->helper_count++] = pid;
	return 0;
}

/* Once the agent has said hello every socket is connected and nothing in
 * the run dir is needed: remove it now, so even a SIGKILL of krunsh later
 * leaves no file behind. */
static void remove_run_dir(void *path)
{
	tempdir_remove(path);
}

/* The log's last 4 KiB, for a known cause further up than its last line. */
static void explain_log(const struct engine *engine, int fd, char *cause, size_t size)
{
	char text[4096];
	cause[0] = '\0';
	off_t end = fd >= 0 && engine->explain_log ? lseek(fd, 0, SEEK_END) : -1;
	if (end <= 0)
		return;
	off_t start = end > (off_t)sizeof(text) - 1 ? end - (off_t)sizeof(text) + 1 : 0;
	ssize_t n = pread(fd, text, sizeof(text) - 1, start);
	if (n <= 0)
		return;
	text[n] = '\0';
	engine->explain_log(text, cause, size);
}

static void read_log_tail(const struct engine *engine, int fd, char *out, size_t size)
{
	out[0] = '\0';
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	if (end <= 0)
		return;
	off_t start = end > (off_t)size - 1 ? end - (off_t)size + 1 : 0;
	ssize_t n = pread(fd, out, size - 1, start);
	if (n <= 0)
		return;
	out[n] = '\0';
	/* Keep the last line only that says something: the engine knows
	 * which of its helpers' lines do not (QEMU's virtiofsd). */
	char *line = NULL;
	while (n > 0) {
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
			out[--n] = '\0';
		char *nl = strrchr(out, '\n');
		line = nl ? nl + 1 : out;
		if (!engine->log_line_is_noise || !engine->log_line_is_noise(line))
			break;
		line = NULL;
		n = nl ? nl - out : 0;
		out[n] = '\0';
	}
	/* The VMM's log holds the guest console's output too (libkrun):
	 * printed only as one sanitised line. */
	char last[600];
	text_sanitize(last, sizeof(last), line ? line : "", line ? strlen(line) : 0, 300);
	snprintf(out, size, "%s", last);
}

/* Not before the child has its own process group: spawn_fork sets
 * PR_SET_PDEATHSIG before setpgid, and a child stopped before that would
 * outlive a SIGKILLed krunsh, which no real hang does. */
static void test_freeze_vm(pid_t pid)
{
	double give_up = monotonic_seconds() + 2;
	while (getpgid(pid) != pid && monotonic_seconds() < give_up)
		sched_yield();
	/* The group: under its sandbox's waiter, QEMU is the waiter's child. */
	kill(-pid, SIGSTOP);
}

/* Everything of one attempt, in reverse order of its making. */
static void attempt_end(struct vm *vm)
{
	session_close(vm->session);
	vm->session = NULL;
	vm_processes_stop(&vm->evm);
	if (vm->evm.log_fd >= 0)
		close(vm->evm.log_fd);
	vm->evm.log_fd = -1;
	if (vm->listen_fd >= 0)
		close(vm->listen_fd);
	vm->listen_fd = -1;
	if (vm->run_dir[0])
		tempdir_remove(vm->run_dir);
	vm->run_dir[0] = '\0';
	if (vm->lock_fd >= 0)
		close(vm->lock_fd);
	vm->lock_fd = -1;
}

static void explain_failure(struct vm *vm, struct vm_run_result *out)
{
	if (out->session.outcome != SESSION_VM_DIED && out->session.outcome != SESSION_BOOT_TIMEOUT)
		return;
	read_log_tail(vm->engine, vm->evm.log_fd, out->vmm_log_tail, sizeof(out->vmm_log_tail));
	explain_log(vm->engine, vm->evm.log_fd, out->vmm_cause, sizeof(out->vmm_cause));
}

/* One boot: 0 with the session's outcome in out (alive or not), -1 with err
 * when the engine could not start. */
static int start_attempt(struct vm *vm, const struct vm_setup *setup, double deadline, int attempt,
			 struct vm_run_result *out, struct error *err)
{
	if (tempdir_create(vm->run_dir, sizeof(vm->run_dir), &vm->lock_fd, err) < 0) {
		vm->run_dir[0] = '\0';
		return -1;
	}
	char agent_socket[sizeof(vm->run_dir)];
	if (path_join(agent_socket, sizeof(agent_socket), vm->run_dir, "agent.sock", err) < 0)
		return -1;
	vm->listen_fd = unix_listen(agent_socket, SOCK_NONBLOCK, err);
	if (vm->listen_fd < 0)
		return -1;
	struct engine_request req = {.opts = vm->opts,
				     .probe = vm->probe,
				     .run_dir = vm->run_dir,
				     .agent_socket = agent_socket,
				     .attempt = attempt};
	vm->evm = (struct engine_vm){.log_fd = -1};
	if (vm->engine->start(&req, &vm->evm, err) < 0)
		return -1;
	if (attempt == 0 && setup->freeze_first_boot)
		test_freeze_vm(vm->evm.main_pid);
	vm->session_config = (struct session_config){
	    .listen_fd = vm->listen_fd,
	    .vm_pid = vm->evm.main_pid,
	    .setup = setup->data,
	    .setup_length = setup->length,
	    .boot_timeout = setup->boot_timeout,
	    .cancel_fd = setup->cancel_fd,
	    .on_alive = remove_run_dir,
	    .on_alive_data = vm->run_dir,
	    .ignore_agent = attempt == 0 && setup->freeze_first_boot,
	};
	vm->session = session_open(&vm->session_config);
	if (!vm->session) {
		error_set(err, ENOMEM, "starting the VM's session");
		return -1;
	}
	session_wait_alive(vm->session, deadline, &out->session);
	explain_failure(vm, out);
	return 0;
}

int vm_start(const struct engine *engine, const struct engine_probe *probe,
	     const struct vm_spec *opts, const struct vm_setup *setup, double deadline,
	     struct vm **vm_out, struct vm_run_result *out, struct error *err)
{
	*vm_out = NULL;
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		error_set(err, ENOMEM, "starting the VM");
		return -1;
	}
	*vm = (struct vm){.engine = engine,
			  .probe = probe,
			  .opts = opts,
			  .lock_fd = -1,
			  .listen_fd = -1,
			  .evm = {.log_fd = -1}};
	for (int attempt = 0; attempt < 2; attempt++) {
		session_result_free(&out->session);
		if (start_attempt(vm, setup, deadline, attempt, out, err) < 0) {
			attempt_end(vm);
			free(vm);
			return -1;
		}
		if (out->session.outcome == SESSION_ALIVE) {
			vm->boot_seconds = out->session.boot_seconds;
			*vm_out = vm;
			return 0;
		}
		attempt_end(vm);
		if (out->session.outcome != SESSION_BOOT_TIMEOUT)
			break;
		if (attempt == 0) {
			out->watchdog_retries++;
			log_verbose_message(
			    "no sign of life from the guest in %.0f s: retrying once",
			    setup->boot_timeout);
		}
	}
	free(vm);
	return 0;
}

/* Once per execution, as it ends. */
static void exec_ended(struct vm *vm)
{
	if (!vm->exec_out)
		return;
	vm->exec_out->session.boot_seconds = vm->boot_seconds;
	explain_failure(vm, vm->exec_out);
	vm->exec_out = NULL;
}

int vm_exec_begin(struct vm *vm, const struct vm_job *job, double deadline,
		  struct vm_run_result *out)
{
	session_result_free(&out->session);
	vm->exec = (struct session_exec){
	    .job = job->data,
	    .job_length = job->length,
	    .stdin_fd = job->stdin_fd,
	    .stdout_fd = job->stdout_fd,
	    .stderr_fd = job->stderr_fd,
	    .line_count = job->line_count,
	    .line_events = job->line_events,
	    .discarded_files = job->discarded_files,
	    .tty = job->tty,
	    .on_event = job->on_event,
	    .event_data = job->event_data,
	};
	vm->exec_out = out;
	session_exec_begin(vm->session, &vm->exec, deadline, &out->session);
	int ended = session_ended(vm->session);
	if (ended)
		exec_ended(vm);
	return ended;
}

int vm_exec_pollfds(struct vm *vm, struct pollfd *fds, int *timeout_ms)
{
	int n = session_pollfds(vm->session, fds, timeout_ms);
	if (n == 0)
		exec_ended(vm);
	return n;
}

int vm_exec_feed(struct vm *vm, const void *data, size_t length, size_t lines)
{
	return session_exec_feed(vm->session, data, length, lines);
}

int vm_exec_feed_end(struct vm *vm)
{
	return session_exec_feed_end(vm->session);
}

int vm_exec_resize(struct vm *vm, unsigned rows, unsigned columns)
{
	return session_exec_resize(vm->session, rows, columns);
}

size_t vm_exec_unsent(const struct vm *vm)
{
	return session_unsent(vm->session);
}

void vm_exec_abort(struct vm *vm, const char *why)
{
	session_abort(vm->session, why);
	exec_ended(vm);
}

int vm_exec_dispatch(struct vm *vm, const struct pollfd *fds)
{
	int ended = session_dispatch(vm->session, fds);
	if (ended)
		exec_ended(vm);
	return ended;
}

void vm_exec_wait(struct vm *vm)
{
	session_wait(vm->session);
	exec_ended(vm);
}

void vm_exec(struct vm *vm, const struct vm_job *job, double deadline, struct vm_run_result *out)
{
	if (!vm_exec_begin(vm, job, deadline, out))
		vm_exec_wait(vm);
}

void vm_stop(struct vm *vm)
{
	if (!vm)
		return;
	attempt_end(vm);
	free(vm);
}

int vm_lend(struct vm *vm, int flush_timeout_ms, struct vm_loan *loan)
{
	*loan = (struct vm_loan){.channel_fd = -1, .log_fd = vm->evm.log_fd};
	if (session_flush(vm->session, flush_timeout_ms) < 0)
		return -1;
	loan->channel_fd = session_lend(vm->session, &loan->execs_done);
	return loan->channel_fd >= 0 ? 0 : -1;
}

void vm_loan_returned(struct vm *vm, uint32_t execs_done)
{
	session_lent_back(vm->session, execs_done);
}

struct vm *vm_borrow(const struct engine *engine, const struct vm_loan *loan, int cancel_fd,
		     struct error *err)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm) {
		error_set(err, ENOMEM, "borrowing the VM");
		return NULL;
	}
	*vm = (struct vm){.engine = engine,
			  .lock_fd = -1,
			  .listen_fd = -1,
			  .evm = {.log_fd = loan->log_fd},
			  .session_config = {.listen_fd = -1, .cancel_fd = cancel_fd}};
	vm->session = session_adopt(&vm->session_config, loan->channel_fd, loan->execs_done);
	if (!vm->session) {
		free(vm);
		error_set(err, ENOMEM, "borrowing the VM");
		return NULL;
	}
	return vm;
}

void vm_set_cancel_fd(struct vm *vm, int cancel_fd)
{
	vm->session_config.cancel_fd = cancel_fd;
}

uint32_t vm_executions(const struct vm *vm)
{
	return session_executions(vm->session);
}

pid_t vm_main_pid(const struct vm *vm)
{
	return vm->evm.main_pid > 0 ? vm->evm.main_pid : -1;
}
