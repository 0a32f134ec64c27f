/* The QEMU engine: microvm, the guest kernel from a Debian package, the
 * host root over virtio-fs (read-only, enforced by virtiofsd's mount
 * namespace), and the agent channel on a virtio-serial port. */
#include "lib/engine/engine.h"
#include "lib/engine/qemu/qemu_log.h"
#include "lib/spec/host_config.h"
#include "lib/engine/qemu/host_tsc.h"
#include "lib/sandbox/host_view.h"
#include "lib/guest/initramfs.h"
#include "lib/guest/kernel_cmdline.h"
#include "lib/net/passt.h"
#include "lib/guest/paths.h"
#include "lib/engine/qemu/qemu_argv.h"
#include "lib/vm/spawn.h"
#include "lib/engine/qemu/virtiofsd.h"
#include "util/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Found by the probe, used by every start (the watchdog may start twice). */

static int qemu_probe(const struct vm_spec *opts, struct engine_probe *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	const char *qemu = host_config()->qemu;
	if (program_locate(qemu && qemu[0] ? qemu : "qemu-system-x86_64", out->vmm_path,
			   sizeof(out->vmm_path)) < 0) {
		error_set(err, 0,
			  "qemu-system-x86_64 not found (install the qemu-system-x86 package, or "
			  "set KRUNSH_QEMU)");
		return -1;
	}
	if (access(virtiofsd_path(), X_OK) < 0) {
		error_set(err, errno,
			  "virtiofsd not found at %s (install qemu-system-common, or "
			  "set KRUNSH_VIRTIOFSD)",
			  virtiofsd_path());
		return -1;
	}
	if (kernel_locate(opts->kernel, opts->cpus, &out->guest_kernel, err) < 0)
		return -1;
	if (opts->network && passt_probe(out->passt_path, sizeof(out->passt_path), err) < 0)
		return -1;
	snprintf(out->kernel, sizeof(out->kernel), "%s", out->guest_kernel.image);
	snprintf(out->kernel_release, sizeof(out->kernel_release), "%s", out->guest_kernel.release);
	char kvm_reason[400];
	out->use_kvm = kvm_usable(kvm_reason, sizeof(kvm_reason));
	snprintf(out->accelerator, sizeof(out->accelerator), "%s", out->use_kvm ? "kvm" : "tcg");
	snprintf(out->reason, sizeof(out->reason), "qemu with %s: %s", out->accelerator,
		 kvm_reason);
	return 0;
}

static int qemu_start(const struct engine_request *req, struct engine_vm *vm, struct error *err)
{
	const struct vm_spec *opts = req->opts;
	const struct guest_kernel *kernel = &req->probe->guest_kernel;
	char agent[4096], initramfs[4096];
	if (agent_locate(agent, sizeof(agent), err) < 0 ||
	    initramfs_get(agent, kernel, initramfs, sizeof(initramfs), err) < 0)
		return -1;
	log_verbose_message("kernel %s%s%s%s", kernel->image, kernel->release[0] ? " (" : "",
			    kernel->release, kernel->release[0] ? ")" : "");

	/* QEMU's and virtiofsd's own messages, kept for the error message if
	 * the VM does not come up; the file is unlinked with the run dir. */
	char log_path[PATH_MAX];
	if (path_join(log_path, sizeof(log_path), req->run_dir, "vmm.log", err) < 0)
		return -1;
	vm->log_fd = open(log_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0600);

	char fs_socket[PATH_MAX];
	if (path_join(fs_socket, sizeof(fs_socket), req->run_dir, "rootfs.sock", err) < 0)
		return -1;
	struct host_view_plan root_view;
	if (host_view_plan_for_root(opts, req->run_dir, &root_view, err) < 0)
		return -1;
	pid_t fsd = virtiofsd_start(&root_view, fs_socket, VIRTIOFSD_PAGES_KEPT, vm->log_fd,
				    opts->verbose, NULL, err);
	if (fsd < 0 || engine_vm_add_helper(vm, fsd, err) < 0) {
		host_view_plan_free(&root_view);
		return -1;
	}

	const struct resources *res = &opts->resources;
	char(*volume_sockets)[PATH_MAX] = NULL;
	if (res->volume_count) {
		volume_sockets = calloc(res->volume_count, sizeof(*volume_sockets));
		if (!volume_sockets) {
			error_set(err, ENOMEM, "starting volumes");
			host_view_plan_free(&root_view);
			return -1;
		}
	}
	for (size_t i = 0; i < res->volume_count; i++) {
		char name[32];
		snprintf(name, sizeof(name), "vol%zu.sock", i);
		if (path_join(volume_sockets[i], sizeof(volume_sockets[i]), req->run_dir, name,
			      err) < 0) {
			free(volume_sockets);
			host_view_plan_free(&root_view);
			return -1;
		}
		struct host_view_plan volume_view;
		if (host_view_plan(&volume_view, res->volumes[i].host, res->volumes[i].read_only,
				   NULL, 0, NULL, 0, NULL, NULL, err) < 0) {
			free(volume_sockets);
			host_view_plan_free(&root_view);
			return -1;
		}
		/* An ordinary user's rw volume: what the guest creates must
		 * be the user's, never a subordinate uid's (userns_map.h). */
		struct virtiofsd_own_ids own = {opts->owner_set ? opts->owner_uid : 0,
						opts->owner_set ? opts->owner_gid : 0};
		int own_only = geteuid() != 0 && !res->volumes[i].read_only;
		pid_t pid = virtiofsd_start(&volume_view, volume_sockets[i], VIRTIOFSD_PAGES_REREAD,
					    vm->log_fd, opts->verbose, own_only ? &own : NULL, err);
		host_view_plan_free(&volume_view);
		if (pid < 0 || engine_vm_add_helper(vm, pid, err) < 0) {
			free(volume_sockets);
			host_view_plan_free(&root_view);
			return -1;
		}
	}

	/* --net is passt, which keeps the guest off the host's loopback.
	 * --publish's ports come in on a second NIC, QEMU's own user
	 * networking restricted to its hostfwd forwards: passt 2023-03 never
	 * ACKs the guest's SYN-ACK of a published connection until the
	 * host's client sends data, so through passt a server that speaks
	 * first would never get the connection. */
	int network_fd = -1;
	if (passt_start_for_vm(opts, req->probe->passt_path, 0, vm, &network_fd, err) < 0) {
		free(volume_sockets);
		host_view_plan_free(&root_view);
		return -1;
	}
	struct qemu_config config = {
	    .qemu_path = req->probe->vmm_path,
	    .use_kvm = req->probe->use_kvm,
	    .no_acpi = kernel->no_acpi,
	    .no_apic_timer = kernel->no_apic_timer,
	    .lapic_bus_khz = kernel->lapic_bus_khz,
	    .cpus = opts->cpus,
	    .mem_mib = opts->mem_mib,
	    .kernel_image = kernel->image,
	    .initramfs = initramfs,
	    .agent_socket = req->agent_socket,
	    .virtiofs_socket = fs_socket,
	    .tsc_khz = req->probe->use_kvm ? 0 : host_tsc_khz(),
	    .verbose = opts->verbose,
	    .extra_append = host_config()->kernel_append,
	    .file_server_fds = file_server_fd_limit(),
	    .cpu_model = host_config()->qemu_cpu,
	    .unprivileged = geteuid() != 0,
	    .volume_sockets = volume_sockets,
	    .volume_count = res->volume_count,
	    .network_fd = network_fd,
	    .ports = res->ports,
	    .port_count = res->port_count,
	    .disks = res->disks,
	    .disk_count = res->disk_count,
	};
	struct argv_list argv;
	int built = qemu_argv_build(&config, &argv);
	free(volume_sockets);
	if (built < 0) {
		error_set(err, 0, "QEMU command line too long");
		host_view_plan_free(&root_view);
		if (network_fd >= 0)
			close(network_fd);
		return -1;
	}
	if (opts->verbose) {
		char line[8192];
		argv_list_join(&argv, line, sizeof(line));
		log_verbose_message("starting %s", line);
	}
	/* QEMU is the device model the guest talks to: no capabilities, its
	 * own pid, IPC, network and mount namespaces with the host read-only
	 * and the secrets hidden. */
	const char *writable[RESOURCES_MAX_DISKS];
	size_t writable_count = 0;
	for (size_t i = 0; i < res->disk_count && writable_count < RESOURCES_MAX_DISKS; i++)
		if (!res->disks[i].read_only)
			writable[writable_count++] = res->disks[i].path;
	struct sandbox_policy sandbox = {
	    .new_pid_namespace = 1,
	    /* its network is passt's socket; --publish's hostfwd listens
	     * on the host's loopback */
	    .new_network_namespace = !res->port_count,
	    .new_ipc_namespace = 1,
	    .private_mounts = 1,
	    .hide = &root_view,
	    .writable = writable,
	    .writable_count = writable_count,
	    .drop_capabilities = 1,
	};
	struct spawn_options so = {.stdout_fd = opts->verbose ? 2 : vm->log_fd,
				   .stderr_fd = opts->verbose ? 2 : vm->log_fd,
				   .sandbox = &sandbox,
				   .keep_fds = &network_fd,
				   .keep_fd_count = network_fd >= 0 ? 1 : 0};
	vm->main_pid = spawn_process(argv.argv, &so, err);
	host_view_plan_free(&root_view);
	/* QEMU has its copy; passt must see the stream end with the VM. */
	if (network_fd >= 0)
		close(network_fd);
	return vm->main_pid < 0 ? -1 : 0;
}

const struct engine engine_qemu = {
    .name = "qemu",
    .probe = qemu_probe,
    .start = qemu_start,
    .explain_log = qemu_log_explain,
    .log_line_is_noise = qemu_log_line_is_noise,
};
