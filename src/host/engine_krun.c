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
#include <sys/stat.h>
#include <unistd.h>

/* The kernel libkrun boots; libkrun dlopens it in krun_create_ctx. */
#define LIBKRUNFW "libkrunfw.so.5"

/* Where the agent appears in a --root DIR guest: a virtual file at the
 * top of the root, hidden from a plain ls, unlikely to shadow DIR's own. */
#define AGENT_GUEST_PATH "/.krunsh-agent"

static struct libkrun_api libkrun;

static int directory_exists(const char *parent, const char *name)
{
	char path[4200];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", parent, name);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

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
		error_set(err, 0,
			  "%s has neither krun_add_virtiofs3 nor krun_set_root: it cannot "
			  "share the host root",
			  libkrun.path);
		return -1;
	}
	return 0;
}

/* Refused, not ignored: whoever asks for these wants them, and --engine
 * auto then picks the engine that has them. */
static int check_kernel_option(const struct options *opts, struct error *err)
{
	if (!opts->kernel || !opts->kernel[0])
		return 0;
	error_set(err, 0,
		  "--kernel is for the qemu engine: libkrun boots its own kernel "
		  "(libkrunfw)");
	return -1;
}

static int has_read_only_volume(const struct resources *res)
{
	for (size_t i = 0; i < res->volume_count; i++)
		if (res->volumes[i].read_only)
			return 1;
	return 0;
}

/* What the options ask of this libkrun's optional calls. Checked in the
 * probe, before the VM child: there a missing call could only end the run. */
static int check_capabilities(const struct options *opts, struct error *err)
{
	const struct resources *res = &opts->resources;
	/* libkrun's file server shares a directory; a view holding only one
	 * file (what the qemu engine serves) would need that server in a
	 * mount namespace of its own. */
	for (size_t i = 0; i < res->volume_count; i++) {
		if (res->volumes[i].is_file) {
			error_set(err, 0,
				  "--volume %s: single-file volumes are not supported on the "
				  "krun engine yet; share its directory or use --engine qemu",
				  res->volumes[i].host);
			return -1;
		}
	}
	if (has_read_only_volume(res) && !libkrun_can_share_read_only(&libkrun)) {
		error_set(err, 0,
			  "a read-only --volume needs krun_add_virtiofs3 (libkrun 1.18+), "
			  "which %s lacks: without it the guest could write to the "
			  "volume; use :rw, a newer libkrun or --engine qemu",
			  libkrun.path);
		return -1;
	}
	if (res->volume_count && !libkrun_can_share_writable(&libkrun)) {
		error_set(err, 0,
			  "--volume needs krun_add_virtiofs*, which %s lacks (use "
			  "--engine qemu)",
			  libkrun.path);
		return -1;
	}
	if (res->disk_count && !libkrun.add_disk) {
		error_set(err, 0,
			  "--disk needs krun_add_disk, which %s lacks (libkrun built "
			  "without its blk feature?); use --engine qemu",
			  libkrun.path);
		return -1;
	}
	if (res->disk_count > 26) {
		error_set(err, 0, "--disk: at most 26 disks (vda-vdz) on the krun engine");
		return -1;
	}
	if (res->port_count && !libkrun.set_port_map) {
		error_set(err, 0,
			  "--publish needs krun_set_port_map, which %s lacks (use "
			  "--engine qemu)",
			  libkrun.path);
		return -1;
	}
	if (opts->root_dir && opts->root_dir[0] && !libkrun_can_inject_agent(&libkrun)) {
		/* libkrun's init execs the agent from the guest's root, which
		 * is DIR: without virtual files the agent is not there, and
		 * krunsh will not write into DIR to put it there. */
		error_set(err, 0,
			  "--root needs krun_fs_add_overlay_file and krun_fs_add_overlay_dir "
			  "(newer libkrun), which %s lacks: without them krunsh's agent "
			  "cannot be put into %s for libkrun's init to start; use "
			  "--engine qemu",
			  libkrun.path, opts->root_dir);
		return -1;
	}
	return 0;
}

static int krun_probe(const struct options *opts, struct engine_probe *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (check_kernel_option(opts, err) < 0)
		return -1;
	if (libkrun_load(library_path(opts), &libkrun, err) < 0)
		return -1;
	if (check_root_sharing(opts, err) < 0 || check_capabilities(opts, err) < 0)
		return -1;
	char root[64];
	snprintf(root, sizeof(root), "%s root, %s",
		 libkrun_has_readonly_root(&libkrun) ? "read-only" : "WRITABLE",
		 opts->network				 ? "TSI network"
		 : libkrun_can_disable_network(&libkrun) ? "no network"
							 : "TSI network (old libkrun)");
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
		error_set(err, 0,
			  "libkrun needs its guest kernel %s, which cannot be loaded: %s "
			  "(install libkrunfw)",
			  LIBKRUNFW, fw_reason);
		return -1;
	}
	out->use_kvm = 1;
	snprintf(out->accelerator, sizeof(out->accelerator), "kvm");
	snprintf(out->reason, sizeof(out->reason), "libkrun %s with %s, %s: %s", libkrun.path,
		 LIBKRUNFW, root, kvm_reason);
	return 0;
}

static int krun_start(const struct engine_request *req, struct engine_vm *vm, struct error *err)
{
	const struct options *opts = req->opts;
	char agent[4096];
	if (agent_locate(agent, sizeof(agent), err) < 0 || check_root_sharing(opts, err) < 0)
		return -1;
	const char *root_dir = opts->root_dir && opts->root_dir[0] ? opts->root_dir : NULL;
	/* The path travels on the guest kernel command line inside "...";
	 * under --root it is our fixed guest path instead. */
	if (!root_dir && strchr(agent, '"')) {
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
	    /* With the host's / the agent's host path exists in the guest;
	     * with DIR it is served at a fixed path of its own. */
	    .root = root_dir ? root_dir : "/",
	    .agent_path = agent,
	    .agent_guest_path = root_dir ? AGENT_GUEST_PATH : NULL,
	    .root_has_run = !root_dir || directory_exists(root_dir, "run"),
	    .agent_socket = req->agent_socket,
	    .network = opts->network,
	    .resources = &opts->resources,
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
