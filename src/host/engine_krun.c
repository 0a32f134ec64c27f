/* The libkrun engine: libkrun (loaded at run time) boots its own kernel
 * from libkrunfw under KVM, shares the host root read-only over virtio-fs
 * and starts the agent through its init; the agent's channel is a vsock
 * port that libkrun forwards to the session's unix socket. */
#include "engine.h"
#include "libkrun_api.h"
#include "paths.h"
#include "spawn.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The kernel libkrun boots; libkrun dlopens it in krun_create_ctx. */
#define LIBKRUNFW "libkrunfw.so.5"

static struct libkrun_api libkrun;

static const char *library_path(const struct options *opts)
{
	if (opts->libkrun_path && opts->libkrun_path[0])
		return opts->libkrun_path;
	const char *env = getenv("KRUNSH_LIBKRUN");
	return env && env[0] ? env : "libkrun.so.1";
}

/* The guest kernel is a library too: without it krun_create_ctx fails
 * inside the VM child, too late for --engine auto to choose QEMU. */
static int libkrunfw_present(char *why, size_t size)
{
	void *fw = dlopen(LIBKRUNFW, RTLD_LAZY | RTLD_LOCAL);
	if (!fw) {
		const char *e = dlerror();
		snprintf(why, size, "%s", e ? e : "not found");
		return 0;
	}
	dlclose(fw);
	return 1;
}

static int check_root_sharing(const struct options *opts, struct error *err)
{
	if (libkrun_has_readonly_root(&libkrun))
		return 0;
	if (!opts->allow_writable_root) {
		error_set(err, 0,
			  "%s has no krun_add_virtiofs3, so it cannot share the host root "
			  "read-only (libkrun 1.18+ can): refusing; give --allow-writable-root to "
			  "accept a guest that can write to your files",
			  libkrun.path);
		return -1;
	}
	if (!libkrun.set_root) {
		error_set(err, 0, "%s has neither krun_add_virtiofs3 nor krun_set_root: it cannot "
				  "share the host root",
			  libkrun.path);
		return -1;
	}
	return 0;
}

/* Refused, not ignored: whoever asks for these wants them, and --engine
 * auto then picks the engine that has them. */
static int check_unsupported_options(const struct options *opts, struct error *err)
{
	const struct resources *res = &opts->resources;
	const char *option = opts->kernel && opts->kernel[0] ? "--kernel"
			     : res->volume_count			 ? "--volume"
			     : res->disk_count				 ? "--disk"
			     : res->port_count				 ? "--publish"
			     : opts->network				 ? "--net"
			     : opts->root_dir && opts->root_dir[0]	 ? "--root"
									 : NULL;
	if (!option)
		return 0;
	if (strcmp(option, "--kernel") == 0)
		error_set(err, 0, "--kernel is for the qemu engine: libkrun boots its own kernel "
				  "(libkrunfw)");
	else
		error_set(err, 0, "%s is not supported by the krun engine yet (use --engine qemu)",
			  option);
	return -1;
}

static int krun_probe(const struct options *opts, struct engine_probe *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (check_unsupported_options(opts, err) < 0)
		return -1;
	if (libkrun_load(library_path(opts), &libkrun, err) < 0)
		return -1;
	if (check_root_sharing(opts, err) < 0)
		return -1;
	char root[64];
	snprintf(root, sizeof(root), "%s root, %s",
		 libkrun_has_readonly_root(&libkrun) ? "read-only" : "WRITABLE",
		 libkrun_can_disable_network(&libkrun) ? "no network" : "TSI network (old libkrun)");
	if (libkrun.is_contract_double) {
		/* The one special case: the double runs the agent on the host,
		 * so neither KVM nor a guest kernel is involved. */
		snprintf(out->accelerator, sizeof(out->accelerator), "none");
		snprintf(out->reason, sizeof(out->reason),
			 "krun driving the libkrun contract double %s (a test double: no VM, "
			 "KVM and libkrunfw not checked; %s)",
			 libkrun.path, root);
		return 0;
	}
	char kvm_reason[400];
	if (!kvm_usable(kvm_reason, sizeof(kvm_reason))) {
		error_set(err, 0, "libkrun needs a usable KVM, and here %s", kvm_reason);
		return -1;
	}
	char fw_reason[400];
	if (!libkrunfw_present(fw_reason, sizeof(fw_reason))) {
		error_set(err, 0, "libkrun needs its guest kernel %s, which cannot be loaded: %s "
				  "(install libkrunfw)",
			  LIBKRUNFW, fw_reason);
		return -1;
	}
	out->use_kvm = 1;
	snprintf(out->accelerator, sizeof(out->accelerator), "kvm");
	snprintf(out->reason, sizeof(out->reason), "libkrun %s with %s, %s: %s",
		 libkrun.path, LIBKRUNFW, root, kvm_reason);
	return 0;
}

static int krun_start(const struct engine_request *req, struct engine_vm *vm, struct error *err)
{
	const struct options *opts = req->opts;
	char agent[4096];
	if (agent_locate(agent, sizeof(agent), err) < 0 || check_root_sharing(opts, err) < 0)
		return -1;
	/* The path travels on the guest kernel command line inside "...". */
	if (strchr(agent, '"')) {
		error_set(err, 0, "the agent path %s has a '\"', which libkrun cannot pass", agent);
		return -1;
	}
	if (!libkrun_has_readonly_root(&libkrun))
		log_message("warning: %s cannot share / read-only: the guest can write to your "
			    "files (--allow-writable-root)",
			    libkrun.path);

	/* libkrun's and the guest console's messages, kept for the error
	 * message if the VM does not come up; unlinked with the run dir. */
	char log_path[4200];
	snprintf(log_path, sizeof(log_path), "%s/vmm.log", req->run_dir);
	vm->log_fd = open(log_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0600);

	struct libkrun_vm_config config = {
		.cpus = opts->cpus,
		.mem_mib = opts->mem_mib,
		.allow_writable_root = opts->allow_writable_root,
		.root = "/", /* the agent's host path must exist in the guest */
		.agent_path = agent,
		.agent_socket = req->agent_socket,
		.verbose = opts->verbose,
	};
	log_verbose_message("starting libkrun %s: %u vCPU, %u MiB, agent %s", libkrun.path,
			    config.cpus, config.mem_mib, agent);
	struct spawn_options so = {.stdout_fd = opts->verbose ? 2 : vm->log_fd,
				   .stderr_fd = opts->verbose ? 2 : vm->log_fd};
	pid_t pid = spawn_fork(&so, err);
	if (pid < 0)
		return -1;
	if (pid == 0)
		libkrun_vm_enter(&libkrun, &config);
	vm->main_pid = pid;
	return 0;
}

const struct engine engine_krun = {.name = "krun", .probe = krun_probe, .start = krun_start};
