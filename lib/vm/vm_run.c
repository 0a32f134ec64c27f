#include "lib/vm/vm_run.h"
#include "lib/vm/spawn.h"
#include "lib/util/unix_socket.h"
#include "lib/vm/tempdir.h"
#include "lib/util/text.h"
#include "lib/vm/vmm_log.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_BOOT_TIMEOUT 20.0

static double boot_timeout(void)
{
	const char *s = getenv("KRUNSH_BOOT_TIMEOUT");
	double v = s ? strtod(s, NULL) : 0;
	return v > 0 ? v : DEFAULT_BOOT_TIMEOUT;
}

static void vm_stop(struct engine_vm *vm)
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
		error_set(err, 0, "too many volumes (at most %d)", ENGINE_MAX_HELPERS - 1);
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
static void explain_log(int fd, char *cause, size_t size)
{
	char text[4096];
	cause[0] = '\0';
	off_t end = fd >= 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (end <= 0)
		return;
	off_t start = end > (off_t)sizeof(text) - 1 ? end - (off_t)sizeof(text) + 1 : 0;
	ssize_t n = pread(fd, text, sizeof(text) - 1, start);
	if (n <= 0)
		return;
	text[n] = '\0';
	vmm_log_explain(text, cause, size);
}

static void read_log_tail(int fd, char *out, size_t size)
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
	/* Keep the last line only: it is the one that says why. virtiofsd
	 * shares the log and always has the last word when the VMM dies
	 * ("virtio_loop: Unexpected poll revents"), so its vhost-user loop
	 * chatter does not count. */
	char *line = NULL;
	while (n > 0) {
		while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
			out[--n] = '\0';
		char *nl = strrchr(out, '\n');
		line = nl ? nl + 1 : out;
		if (strncmp(line, "virtio_loop: ", 13) != 0 &&
		    strncmp(line, "virtio_session_mount: ", 22) != 0)
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

static int run_attempt(const struct engine *engine, const struct engine_probe *probe,
		       const struct options *opts, const struct vm_job *job, double deadline,
		       int attempt, struct vm_run_result *out, struct error *err)
{
	char run_dir[4096];
	int lock_fd = -1;
	if (tempdir_create(run_dir, sizeof(run_dir), &lock_fd, err) < 0)
		return -1;
	char agent_socket[4200];
	snprintf(agent_socket, sizeof(agent_socket), "%s/agent.sock", run_dir);
	int listen_fd = unix_listen(agent_socket, SOCK_NONBLOCK, err);
	if (listen_fd < 0) {
		tempdir_remove(run_dir);
		close(lock_fd);
		return -1;
	}
	struct engine_request req = {.opts = opts,
				     .probe = probe,
				     .run_dir = run_dir,
				     .agent_socket = agent_socket,
				     .attempt = attempt};
	struct engine_vm vm = {.log_fd = -1};
	int r = engine->start(&req, &vm, err);
	if (r == 0) {
		/* Test hook for the watchdog: freeze the first VM as a hung
		 * boot would, without touching the guest. */
		if (attempt == 0 && getenv("KRUNSH_TEST_FREEZE_FIRST_BOOT"))
			test_freeze_vm(vm.main_pid);
		struct session_config sc = {
		    .listen_fd = listen_fd,
		    .vm_pid = vm.main_pid,
		    .job = job->data,
		    .job_length = job->length,
		    .line_count = job->line_count,
		    .line_results = job->line_results,
		    .boot_timeout = boot_timeout(),
		    .deadline = deadline,
		    .signal_fd = session_signal_fd(),
		    .stdin_fd = cli_stdin_reaches_commands(opts) ? 0 : -1,
		    .on_alive = remove_run_dir,
		    .on_alive_data = run_dir,
		};
		session_run(&sc, &out->session);
		if (out->session.outcome == SESSION_VM_DIED ||
		    out->session.outcome == SESSION_BOOT_TIMEOUT) {
			read_log_tail(vm.log_fd, out->vmm_log_tail, sizeof(out->vmm_log_tail));
			explain_log(vm.log_fd, out->vmm_cause, sizeof(out->vmm_cause));
		}
	}
	vm_stop(&vm);
	if (vm.log_fd >= 0)
		close(vm.log_fd);
	close(listen_fd);
	tempdir_remove(run_dir);
	close(lock_fd);
	return r;
}

int vm_run(const struct engine *engine, const struct engine_probe *probe,
	   const struct options *opts, const struct vm_job *job, double deadline,
	   struct vm_run_result *out, struct error *err)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		session_result_free(&out->session);
		if (run_attempt(engine, probe, opts, job, deadline, attempt, out, err) < 0)
			return -1;
		if (out->session.outcome != SESSION_BOOT_TIMEOUT)
			break;
		if (attempt == 0) {
			out->watchdog_retries++;
			log_verbose_message(
			    "no sign of life from the guest in %.0f s: retrying once",
			    boot_timeout());
		}
	}
	return 0;
}
