/* The public API (include/krunsh/krunsh.h) over the library's VM and
 * execution code: checks the caller's specs, turns them into the records
 * the guest is sent, and the library's outcomes into the API's. */
#include "krunsh/krunsh.h"
#include "config.h"
#include "lib/api/spec_convert.h"
#include "lib/engine/engine.h"
#include "lib/exec/job_build.h"
#include "lib/spec/host_config.h"
#include "lib/util/text.h"
#include "lib/vm/vm_run.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

struct krunsh_exec {
	struct krunsh_vm *vm;
	struct job_buffer job;
	struct vm_job vm_job;
	int ended;
	int fed, feed_ended; /* a fed script; its end given */
};

struct krunsh_vm {
	struct vm_spec spec; /* as the engines read it */
	struct owned owned;  /* spec's strings */
	struct host_config host;
	const struct engine *engine;
	struct engine_probe probe;
	struct vm *vm;
	struct vm_run_result run;
	struct krunsh_exec *running;
};

/* Errors are set where the library's own are; this copies one out. */
static int fail(struct krunsh_error *err, int code, const struct error *inner)
{
	if (err) {
		err->code = code;
		text_format(err->message, sizeof(err->message), "%s", inner->message);
	}
	return -1;
}

static int fail_text(struct krunsh_error *err, int code, const char *text)
{
	struct error inner;
	text_format(inner.message, sizeof(inner.message), "%s", text);
	return fail(err, code, &inner);
}

static int start_failure(const struct vm_run_result *run, struct krunsh_error *err)
{
	const struct session_result *r = &run->session;
	char text[1400];
	switch (r->outcome) {
	case SESSION_BOOT_TIMEOUT:
		text_format(text, sizeof(text), "the guest showed no sign of life, twice%s%s",
			    run->vmm_log_tail[0] ? "; last VMM message: " : "", run->vmm_log_tail);
		break;
	case SESSION_TIMEOUT:
		snprintf(text, sizeof(text), "the start timed out");
		break;
	case SESSION_SIGNALLED:
		snprintf(text, sizeof(text), "the start was cancelled");
		break;
	default:
		text_format(text, sizeof(text), "%s%s%s",
			    r->message[0] ? r->message : "the VM failed",
			    run->vmm_cause[0] ? ": " : "", run->vmm_cause);
		break;
	}
	return fail_text(err, KRUNSH_E_START, text);
}

static double deadline_of(double timeout)
{
	return timeout > 0 ? monotonic_seconds() + timeout : 0;
}

int krunsh_vm_spec_check(const struct krunsh_vm_spec *spec, struct krunsh_error *err)
{
	struct vm_spec checked;
	struct owned owned = {0};
	struct error inner = {0};
	int r = spec_convert_vm(spec, &checked, &owned, &inner);
	resources_free(&checked.resources);
	owned_free(&owned);
	return r < 0 ? fail(err, KRUNSH_E_INVALID, &inner) : 0;
}

int krunsh_vm_start(const struct krunsh_vm_spec *spec, krunsh_vm **out, struct krunsh_error *err)
{
	*out = NULL;
	struct error inner = {0};
	struct krunsh_vm *k = calloc(1, sizeof(*k));
	if (!k)
		return fail_text(err, KRUNSH_E_SYSTEM, "out of memory");
	log_set_sink(spec->log, spec->log_data);
	log_verbose = spec->verbose;
	/* Read while the VM starts (the parts, the run directory), not after. */
	spec_convert_host(spec->host, &k->host);
	host_config_set(&k->host);
	struct job_buffer setup = {0};
	int code = KRUNSH_E_INVALID;
	if (spec_convert_vm(spec, &k->spec, &k->owned, &inner) < 0)
		goto failed;
	code = KRUNSH_E_UNAVAILABLE;
	if (!(k->engine = engine_select(&k->spec, &k->probe, &inner)))
		goto failed;
	log_verbose_message("%s", k->probe.reason);
	code = KRUNSH_E_SYSTEM;
	if (job_build_setup(&k->spec, &setup, &inner) < 0)
		goto failed;
	struct vm_setup vm_setup = {
	    .data = setup.data,
	    .length = setup.length,
	    .boot_timeout = spec->boot_timeout > 0 ? spec->boot_timeout : 20,
	    .cancel_fd = spec->cancel_fd,
	    .freeze_first_boot = spec->host && spec->host->test_freeze_first_boot,
	};
	code = KRUNSH_E_START;
	if (vm_start(k->engine, &k->probe, &k->spec, &vm_setup, deadline_of(spec->timeout), &k->vm,
		     &k->run, &inner) < 0)
		goto failed;
	job_buffer_free(&setup);
	host_config_set(NULL);
	if (!k->vm) {
		start_failure(&k->run, err);
		krunsh_vm_stop(k);
		return -1;
	}
	*out = k;
	return 0;
failed:
	host_config_set(NULL);
	job_buffer_free(&setup);
	krunsh_vm_stop(k);
	return fail(err, code, &inner);
}

static enum krunsh_exec_end end_of(enum session_outcome outcome)
{
	switch (outcome) {
	case SESSION_EXITED:
		return KRUNSH_EXEC_EXITED;
	case SESSION_TIMEOUT:
	case SESSION_BOOT_TIMEOUT:
		return KRUNSH_EXEC_TIMEOUT;
	case SESSION_SIGNALLED:
		return KRUNSH_EXEC_CANCELLED;
	case SESSION_VM_DIED:
		return KRUNSH_EXEC_VM_DIED;
	case SESSION_OUTPUT_CLOSED:
		return KRUNSH_EXEC_OUTPUT_CLOSED;
	case SESSION_AGENT_ERROR:
	case SESSION_PROTOCOL_ERROR:
	case SESSION_ALIVE:
		break;
	}
	return KRUNSH_EXEC_GUEST_ERROR;
}

int krunsh_exec_start(krunsh_vm *k, const struct krunsh_proc_spec *proc, const struct krunsh_io *io,
		      krunsh_exec **out, struct krunsh_error *err)
{
	*out = NULL;
	if (!k || !k->vm)
		return fail_text(err, KRUNSH_E_STATE, "no VM");
	if (k->running)
		return fail_text(err, KRUNSH_E_STATE, "an execution is running on this VM");
	struct proc_spec spec;
	struct error inner = {0};
	if (spec_convert_proc(proc, &k->spec, &spec, &inner) < 0)
		return fail(err, KRUNSH_E_INVALID, &inner);
	const char *script = proc->script ? proc->script : "";
	struct krunsh_exec *e = calloc(1, sizeof(*e));
	int built = e ? job_build_exec(&k->spec, &spec, script, strlen(script), io->stdin_fd >= 0,
				       &e->job, &inner)
		      : -1;
	ulimits_free(&spec.ulimits);
	if (!e)
		return fail_text(err, KRUNSH_E_SYSTEM, "out of memory");
	if (built < 0) {
		free(e);
		return fail(err, KRUNSH_E_SYSTEM, &inner);
	}
	e->vm = k;
	e->fed = proc->script_fed;
	e->vm_job = (struct vm_job){.data = e->job.data,
				    .length = e->job.length,
				    .stdin_fd = io->stdin_fd,
				    .stdout_fd = io->stdout_fd,
				    .stderr_fd = io->stderr_fd};
	k->running = e;
	e->ended = vm_exec_begin(k->vm, &e->vm_job, deadline_of(proc->timeout), &k->run);
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
	const struct session_result *r = &k->run.session;
	if (result) {
		memset(result, 0, sizeof(*result));
		result->end = end_of(r->outcome);
		result->status = r->exit_status;
		result->cancel_byte = r->signal;
		text_format(result->message, sizeof(result->message), "%s%s%s", r->message,
			    k->run.vmm_cause[0] ? ": " : "", k->run.vmm_cause);
	}
	k->running = NULL;
	job_buffer_free(&e->job);
	free(e);
}

int krunsh_vm_exec(krunsh_vm *k, const struct krunsh_proc_spec *proc, const struct krunsh_io *io,
		   struct krunsh_exec_result *result, struct krunsh_error *err)
{
	memset(result, 0, sizeof(*result));
	if (proc->script_fed)
		return fail_text(err, KRUNSH_E_INVALID,
				 "a fed script runs in the caller's loop: krunsh_exec_start");
	krunsh_exec *e;
	if (krunsh_exec_start(k, proc, io, &e, err) < 0)
		return -1;
	krunsh_exec_finish(e, result);
	return 0;
}

void krunsh_vm_stop(krunsh_vm *k)
{
	if (!k)
		return;
	if (k->running) {
		vm_exec_abort(k->vm, "the VM was stopped");
		krunsh_exec_finish(k->running, NULL);
	}
	vm_stop(k->vm);
	session_result_free(&k->run.session);
	resources_free(&k->spec.resources);
	owned_free(&k->owned);
	free(k);
}

const char *krunsh_vm_engine(const krunsh_vm *k)
{
	return k && k->engine ? k->engine->name : NULL;
}

const char *krunsh_version(void)
{
	return KRUNSH_VERSION;
}
