/* The public API's VM (include/krunsh/krunsh.h): created from a spec
 * (checked, its engine picked), booted, described, stopped. */
#include "config.h"
#include "lib/api/api.h"
#include "lib/spec/host_config.h"
#include "util/text.h"
#include "lib/vm/tempdir.h"

#include <stdlib.h>
#include <string.h>

int krunsh_vm_spec_check(const struct krunsh_vm_spec *spec, struct krunsh_error *err)
{
	struct vm_spec checked;
	struct owned owned = {0};
	struct error inner = {0};
	int r = spec_convert_vm(spec, &checked, &owned, &inner);
	resources_free(&checked.resources);
	owned_free(&owned);
	return r < 0 ? api_fail(err, KRUNSH_E_INVALID, &inner) : 0;
}

int krunsh_vm_create(const struct krunsh_vm_spec *spec, krunsh_vm **out, struct krunsh_error *err)
{
	*out = NULL;
	struct error inner = {0};
	struct krunsh_vm *k = calloc(1, sizeof(*k));
	if (!k)
		return api_fail_text(err, KRUNSH_E_SYSTEM, "out of memory");
	log_set_sink(spec->log, spec->log_data);
	log_verbose = spec->verbose;
	int code = KRUNSH_E_INVALID;
	/* The parts and the run directory are looked up while the VM is
	 * created and booted, not after; the caller's own setting (a program
	 * that also uses the library's internals: none outside krunsh's
	 * tree) comes back after. */
	const struct host_config *before = host_config();
	if (spec_convert_host(spec->host, &k->host, &k->owned, &inner) < 0 ||
	    spec_convert_vm(spec, &k->spec, &k->owned, &inner) < 0)
		goto failed;
	k->boot_timeout = spec->boot_timeout > 0 ? spec->boot_timeout : 20;
	k->start_timeout = spec->timeout;
	k->cancel_fd = spec->cancel_fd;
	k->freeze_first_boot = spec->host && spec->host->test_freeze_first_boot;
	host_config_set(&k->host);
	/* What VMs of processes that were killed left behind goes first. */
	tempdir_sweep_stale();
	code = KRUNSH_E_UNAVAILABLE;
	if (!(k->engine = engine_select(&k->spec, &k->probe, &inner)))
		goto failed;
	log_verbose_message("%s", k->probe.reason);
	host_config_set(before);
	*out = k;
	return 0;
failed:
	host_config_set(before);
	krunsh_vm_stop(k);
	return api_fail(err, code, &inner);
}

/* The one-line why of a boot that ended without a guest. */
static void boot_failure_text(const struct krunsh_exec_result *r, char *text, size_t size)
{
	switch (r->end) {
	case KRUNSH_EXEC_BOOT_TIMEOUT:
		text_format(text, size, "the guest showed no sign of life, twice%s%s",
			    r->vmm_log_tail[0] ? "; last VMM message: " : "", r->vmm_log_tail);
		break;
	case KRUNSH_EXEC_TIMEOUT:
		text_format(text, size, "the start timed out");
		break;
	case KRUNSH_EXEC_CANCELLED:
		text_format(text, size, "the start was cancelled");
		break;
	default:
		text_format(text, size, "%s%s%s", r->message[0] ? r->message : "the VM failed",
			    r->vmm_cause[0] ? ": " : "", r->vmm_cause);
		break;
	}
}

int krunsh_vm_boot(krunsh_vm *k, struct krunsh_exec_result *result, struct krunsh_error *err)
{
	struct krunsh_exec_result ignored;
	if (!result)
		result = &ignored;
	memset(result, 0, sizeof(*result));
	if (!k || k->vm)
		return api_fail_text(err, KRUNSH_E_STATE, k ? "booted already" : "no VM");
	struct error inner = {0};
	struct job_buffer setup = {0};
	if (job_build_setup(&k->spec, &setup, &inner) < 0)
		return api_fail(err, KRUNSH_E_SYSTEM, &inner);
	struct vm_setup vm_setup = {
	    .data = setup.data,
	    .length = setup.length,
	    .boot_timeout = k->boot_timeout,
	    .cancel_fd = k->cancel_fd,
	    .freeze_first_boot = k->freeze_first_boot,
	};
	const struct host_config *before = host_config();
	host_config_set(&k->host);
	int r = vm_start(k->engine, &k->probe, &k->spec, &vm_setup, api_deadline(k->start_timeout),
			 &k->vm, &k->run, &inner);
	host_config_set(before);
	job_buffer_free(&setup);
	if (r < 0)
		return api_fail(err, KRUNSH_E_START, &inner);
	if (!k->vm) {
		api_result(k, NULL, result);
		char text[1400];
		boot_failure_text(result, text, sizeof(text));
		return api_fail_text(err, KRUNSH_E_START, text);
	}
	return 0;
}

int krunsh_vm_start(const struct krunsh_vm_spec *spec, krunsh_vm **out, struct krunsh_error *err)
{
	krunsh_vm *k;
	if (krunsh_vm_create(spec, &k, err) < 0)
		return -1;
	if (krunsh_vm_boot(k, NULL, err) < 0) {
		krunsh_vm_stop(k);
		*out = NULL;
		return -1;
	}
	*out = k;
	return 0;
}

void krunsh_vm_info(const krunsh_vm *k, struct krunsh_vm_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!k || !k->engine)
		return;
	info->engine = k->engine->name;
	info->accelerator = k->probe.accelerator;
	info->reason = k->probe.reason;
	info->kernel = k->probe.kernel;
	info->kernel_release = k->probe.kernel_release;
	info->boot_seconds = k->run.session.boot_seconds;
	info->watchdog_retries = k->run.watchdog_retries;
	info->vmm_pid = k->vm && vm_main_pid(k->vm) > 0 ? (int)vm_main_pid(k->vm) : 0;
}

void krunsh_vm_stop(krunsh_vm *k)
{
	if (!k)
		return;
	if (k->running) {
		vm_exec_abort(k->vm, "the VM was stopped");
		krunsh_exec_finish(k->running, NULL);
	}
	const struct host_config *before = host_config();
	host_config_set(&k->host);
	vm_stop(k->vm);
	host_config_set(before);
	session_result_free(&k->run.session);
	resources_free(&k->spec.resources);
	owned_free(&k->owned);
	free(k);
}

void krunsh_sweep_stale(const struct krunsh_host *host)
{
	struct host_config config;
	struct owned owned = {0};
	struct error err;
	if (spec_convert_host(host, &config, &owned, &err) == 0) {
		const struct host_config *before = host_config();
		host_config_set(&config);
		tempdir_sweep_stale();
		host_config_set(before);
	}
	owned_free(&owned);
}

const char *krunsh_vm_engine(const krunsh_vm *k)
{
	return k && k->engine ? k->engine->name : NULL;
}

const char *krunsh_version(void)
{
	return KRUNSH_VERSION;
}
