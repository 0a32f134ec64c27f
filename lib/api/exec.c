/* The public API's executions (include/krunsh/krunsh.h): one at a time on
 * a VM, in the caller's event loop or to their end, a script fed while it
 * runs. */
#include "lib/api/api.h"
#include "util/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int krunsh_exec_start(krunsh_vm *k, const struct krunsh_proc_spec *proc, const struct krunsh_io *io,
		      krunsh_exec **out, struct krunsh_error *err)
{
	*out = NULL;
	if (!k || !k->vm)
		return api_fail_text(err, KRUNSH_E_STATE, "no VM (or not booted)");
	if (k->running)
		return api_fail_text(err, KRUNSH_E_STATE, "an execution is running on this VM");
	struct proc_spec spec;
	struct error inner = {0};
	if (spec_convert_proc(proc, &k->spec, &spec, &inner) < 0)
		return api_fail(err, KRUNSH_E_INVALID, &inner);
	const char *script = "";
	size_t script_length = 0;
	struct krunsh_exec *e = calloc(1, sizeof(*e));
	if (!e) {
		ulimits_free(&spec.ulimits);
		return api_fail_text(err, KRUNSH_E_SYSTEM, "out of memory");
	}
	int code = KRUNSH_E_INVALID;
	/* Scripts go through lib/exec/line_script.c, for its checks (a NUL
	 * byte, in line mode a line that needs the next, a fed one's size). */
	if (!proc->argv) {
		if (api_lines_begin(e, proc, io, &spec, &inner) < 0)
			goto failed;
		code = KRUNSH_E_SYSTEM;
		if (proc->prologue && script_prepend(&e->script, proc->prologue) < 0) {
			error_set(&inner, ENOMEM, "preparing the script");
			goto failed;
		}
		script = e->script.text ? e->script.text : "";
		script_length = e->script.text_length;
	}
	code = KRUNSH_E_SYSTEM;
	/* A fed script's commands have an empty stdin: the shell reads the
	 * script where stdin would come. */
	if (job_build_exec(&k->spec, &spec, script, script_length,
			   io->stdin_fd >= 0 && !proc->script_fed, &e->job, &inner) < 0)
		goto failed;
	ulimits_free(&spec.ulimits);
	e->vm = k;
	e->fed = proc->script_fed;
	char cwd[4096];
	text_format(e->workdir, sizeof(e->workdir), "%s",
		    job_workdir(&k->spec, &spec, cwd, sizeof(cwd)));
	e->vm_job = (struct vm_job){.data = e->job.data,
				    .length = e->job.length,
				    .line_events = job_line_events(&spec),
				    .discarded_files = job_discarded_files(&k->spec, &spec),
				    .tty = spec.tty,
				    .stdin_fd = io->stdin_fd,
				    .stdout_fd = io->stdout_fd,
				    .stderr_fd = io->stderr_fd,
				    .on_event = io->on_event,
				    .event_data = io->event_data};
	if (proc->script_fed)
		e->vm_job.stdin_fd = -1;
	if (proc->lines)
		api_lines_job(e);
	k->running = e;
	e->ended = vm_exec_begin(k->vm, &e->vm_job, api_deadline(proc->timeout), &k->run);
	if (e->fed && !e->ended && api_lines_feed_taken(e) < 0)
		vm_exec_abort(k->vm, "out of memory");
	*out = e;
	return 0;
failed:
	ulimits_free(&spec.ulimits);
	script_free(&e->script);
	free(e);
	return api_fail(err, code, &inner);
}

int krunsh_exec_pollfds(krunsh_exec *e, struct pollfd *fds, int *timeout_ms)
{
	*timeout_ms = -1;
	if (e->ended)
		return 0;
	int n = vm_exec_pollfds(e->vm->vm, fds, timeout_ms);
	e->ended = n == 0;
	return n;
}

int krunsh_exec_dispatch(krunsh_exec *e, const struct pollfd *fds)
{
	if (!e->ended)
		e->ended = vm_exec_dispatch(e->vm->vm, fds);
	return e->ended;
}

int krunsh_exec_feed(krunsh_exec *e, const void *data, size_t length)
{
	if (!e->fed || e->feed_ended)
		return -1;
	return api_lines_feed(e, data, length, 0);
}

int krunsh_exec_feed_end(krunsh_exec *e)
{
	if (!e->fed || e->feed_ended)
		return -1;
	e->feed_ended = 1;
	/* The last line may have come without its newline. */
	(void)api_lines_feed(e, "", 0, 1);
	return vm_exec_feed_end(e->vm->vm);
}

int krunsh_exec_resize(krunsh_exec *e, unsigned rows, unsigned columns, struct krunsh_error *err)
{
	if (e->ended)
		return 0;
	if (vm_exec_resize(e->vm->vm, rows, columns) == 0)
		return 0;
	if (errno == EINVAL)
		return api_fail_text(err, KRUNSH_E_INVALID, "rows and columns must be 1-10000");
	return api_fail_text(err, KRUNSH_E_SYSTEM, "out of memory");
}

size_t krunsh_exec_unsent(const krunsh_exec *e)
{
	return e->fed ? vm_exec_unsent(e->vm->vm) : 0;
}

void krunsh_exec_finish(krunsh_exec *e, struct krunsh_exec_result *result)
{
	if (!e->ended)
		vm_exec_wait(e->vm->vm);
	e->ended = 1;
	krunsh_vm *k = e->vm;
	if (result)
		api_result(k, e->workdir, result);
	if (result && e->fed)
		text_format(result->input_refused, sizeof(result->input_refused), "%s",
			    e->refused.message);
	if (result && e->lines)
		api_lines_result(e, result);
	script_free(&e->script);
	k->running = NULL;
	job_buffer_free(&e->job);
	free(e);
}

int krunsh_vm_exec(krunsh_vm *k, const struct krunsh_proc_spec *proc, const struct krunsh_io *io,
		   struct krunsh_exec_result *result, struct krunsh_error *err)
{
	memset(result, 0, sizeof(*result));
	if (proc->script_fed)
		return api_fail_text(err, KRUNSH_E_INVALID,
				     "a fed script runs in the caller's loop: krunsh_exec_start");
	krunsh_exec *e;
	if (krunsh_exec_start(k, proc, io, &e, err) < 0)
		return -1;
	krunsh_exec_finish(e, result);
	return 0;
}

int krunsh_proc_spec_check(const struct krunsh_proc_spec *proc, struct krunsh_error *err)
{
	/* The user is looked up in the VM's root, which is not known here. */
	struct krunsh_proc_spec unresolved = *proc;
	unresolved.user = NULL;
	unresolved.user_exact = 0;
	struct vm_spec no_vm = {0};
	struct proc_spec spec;
	struct error inner = {0};
	if (spec_convert_proc(&unresolved, &no_vm, &spec, &inner) < 0)
		return api_fail(err, KRUNSH_E_INVALID, &inner);
	ulimits_free(&spec.ulimits);
	if (!proc->script)
		return 0;
	struct script checked;
	size_t length = proc->script_length ? proc->script_length : strlen(proc->script);
	char *input = malloc(length + 1);
	if (!input)
		return api_fail_text(err, KRUNSH_E_SYSTEM, "out of memory");
	memcpy(input, proc->script, length);
	input[length] = '\0';
	int r = script_build(input, length, proc->lines, 0, &checked, &inner);
	script_free(&checked);
	return r < 0 ? api_fail(err, inner.errnum == ENOMEM ? KRUNSH_E_SYSTEM : KRUNSH_E_INVALID,
				&inner)
		     : 0;
}
