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
	const char *script = proc->script ? proc->script : "";
	struct krunsh_exec *e = calloc(1, sizeof(*e));
	int built = e ? job_build_exec(&k->spec, &spec, script, strlen(script), io->stdin_fd >= 0,
				       &e->job, &inner)
		      : -1;
	ulimits_free(&spec.ulimits);
	if (!e)
		return api_fail_text(err, KRUNSH_E_SYSTEM, "out of memory");
	if (built < 0) {
		free(e);
		return api_fail(err, KRUNSH_E_SYSTEM, &inner);
	}
	e->vm = k;
	e->fed = proc->script_fed;
	char cwd[4096];
	text_format(e->workdir, sizeof(e->workdir), "%s",
		    job_workdir(&k->spec, &spec, cwd, sizeof(cwd)));
	e->vm_job = (struct vm_job){.data = e->job.data,
				    .length = e->job.length,
				    .discarded_files = job_discarded_files(&k->spec, &spec),
				    .tty = spec.tty,
				    .stdin_fd = io->stdin_fd,
				    .stdout_fd = io->stdout_fd,
				    .stderr_fd = io->stderr_fd,
				    .on_event = io->on_event,
				    .event_data = io->event_data};
	k->running = e;
	e->ended = vm_exec_begin(k->vm, &e->vm_job, api_deadline(proc->timeout), &k->run);
	*out = e;
	return 0;
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
	return length ? vm_exec_feed(e->vm->vm, data, length, 0) : 0;
}

int krunsh_exec_feed_end(krunsh_exec *e)
{
	if (!e->fed || e->feed_ended)
		return -1;
	e->feed_ended = 1;
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
