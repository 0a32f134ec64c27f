/* The libkrun engine: libkrun (loaded at run time) boots krunsh's own guest
 * kernel and initramfs under KVM, as the QEMU engine does, so the agent is
 * PID 1 and sets up the same overlay root; libkrun's init and its bundled
 * kernel (libkrunfw) are not used. The host root is a read-only virtio-fs
 * share, the agent's channel a vsock port that libkrun forwards to the
 * session's unix socket, and --net a virtio-net device to passt. */
#include "lib/engine/engine.h"
#include "lib/spec/host_config.h"
#include "lib/sandbox/host_view.h"
#include "lib/sandbox/sandbox.h"
#include "lib/guest/initramfs.h"
#include "lib/guest/kernel_cmdline.h"
#include "lib/engine/krun/libkrun_api.h"
#include "lib/net/passt.h"
#include "lib/guest/paths.h"
#include "lib/vm/spawn.h"
#include "util/path.h"
#include "util/text.h"
#include "util/process.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

/* The loaded library: dlopen is process-wide, so its calls are too. */
static struct libkrun_api libkrun;
/* Found (and built) by the probe, used by every start. */

static const char *library_path(const struct vm_spec *opts)
{
	if (opts->libkrun_path && opts->libkrun_path[0])
		return opts->libkrun_path;
	const char *env = host_config()->libkrun;
	return env && env[0] ? env : "libkrun.so.1";
}

static int check_root_sharing(const struct vm_spec *opts, struct error *err)
{
	if (libkrun_can_share_read_only(&libkrun) || opts->allow_writable_root)
		return 0;
	error_set(err, 0,
		  "%s has no krun_add_virtiofs3, so it cannot share the host root "
		  "read-only (libkrun 1.18+ can): refusing; give --allow-writable-root to "
		  "accept a guest that can write to your files",
		  libkrun.path);
	return -1;
}

static int has_read_only_volume(const struct resources *res)
{
	for (size_t i = 0; i < res->volume_count; i++)
		if (res->volumes[i].read_only)
			return 1;
	return 0;
}

/* What the options ask of this libkrun's optional calls and of the host.
 * Checked in the probe, before the VM child: there a missing call could
 * only end the run, and --engine auto could not choose QEMU any more. */
static int check_capabilities(const struct vm_spec *opts, struct engine_probe *out,
			      struct error *err)
{
	const struct resources *res = &opts->resources;
	if (!libkrun_can_share_writable(&libkrun)) {
		error_set(err, 0, "%s has no krun_add_virtiofs*: it cannot share the root",
			  libkrun.path);
		return -1;
	}
	/* libkrun's file server shares a directory; a view holding only one
	 * file (what the qemu engine serves) would need that server in a
	 * mount namespace of its own. */
	for (size_t i = 0; i < res->volume_count; i++) {
		/* The VMM's sandbox covers the host's /run with a tmpfs of its
		 * own (sandbox.c), so its file server would find nothing there:
		 * refused here, so that auto picks QEMU instead. */
		const char *host = res->volumes[i].host;
		if (strncmp(host, "/run", 4) == 0 && (host[4] == '/' || host[4] == '\0')) {
			error_set(err, 0,
				  "--volume %s: a volume under /run is not reachable by libkrun's "
				  "file server in its sandbox yet; use --engine qemu",
				  host);
			return -1;
		}
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
	if (res->disk_count && !libkrun.add_disk) {
		error_set(err, 0,
			  "--disk needs krun_add_disk, which %s lacks (libkrun built "
			  "without its blk feature?); use --engine qemu",
			  libkrun.path);
		return -1;
	}
	if (!opts->network)
		return 0;
	if (!libkrun.add_net_unixstream) {
		error_set(err, 0,
			  "--net needs krun_add_net_unixstream, which %s lacks (libkrun "
			  "built without its net feature?); use --engine qemu",
			  libkrun.path);
		return -1;
	}
	return passt_probe(out->passt_path, sizeof(out->passt_path), err);
}

/* libkrun's ELF loader takes only an uncompressed vmlinux: a bzImage, or
 * an ELF that is no x86-64 kernel (a program, which is ET_DYN), would
 * fail inside the VM child without a word, too late for --engine auto. */
static int check_kernel_is_elf(const struct guest_kernel *kernel, struct error *err)
{
	Elf64_Ehdr header = {0};
	int fd = open(kernel->image, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, &header, sizeof(header)) : -1;
	if (fd >= 0)
		close(fd);
	if (n == (ssize_t)sizeof(header) && memcmp(header.e_ident, ELFMAG, SELFMAG) == 0 &&
	    header.e_ident[EI_CLASS] == ELFCLASS64 && header.e_type == ET_EXEC &&
	    header.e_machine == EM_X86_64)
		return 0;
	error_set(err, 0,
		  "the krun engine boots an uncompressed ELF kernel (vmlinux), and %s is "
		  "not one",
		  kernel->image);
	return -1;
}

/* The guest kernel and its initramfs (the agent as /init), both as the
 * QEMU engine finds and builds them. */
static int prepare_guest(const struct vm_spec *opts, struct engine_probe *out, struct error *err)
{
	char agent[4096];
	if (minimal_kernel_locate(opts->kernel, opts->cpus, &out->guest_kernel, err) < 0 ||
	    check_kernel_is_elf(&out->guest_kernel, err) < 0 ||
	    agent_locate(agent, sizeof(agent), err) < 0)
		return -1;
	return initramfs_get(agent, &out->guest_kernel, out->initramfs, sizeof(out->initramfs),
			     err);
}

static int krun_probe(const struct vm_spec *opts, struct engine_probe *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (libkrun_load(library_path(opts), &libkrun, err) < 0)
		return -1;
	if (check_root_sharing(opts, err) < 0 || check_capabilities(opts, out, err) < 0)
		return -1;
	if (prepare_guest(opts, out, err) < 0)
		return -1;
	snprintf(out->kernel, sizeof(out->kernel), "%s", out->guest_kernel.image);
	snprintf(out->kernel_release, sizeof(out->kernel_release), "%s", out->guest_kernel.release);
	char what[sizeof(out->reason)];
	text_format(what, sizeof(what), "kernel %s%s%s%s, %s root, %s", out->guest_kernel.image,
		    out->guest_kernel.release[0] ? " (" : "", out->guest_kernel.release,
		    out->guest_kernel.release[0] ? ")" : "",
		    libkrun_can_share_read_only(&libkrun) ? "read-only" : "WRITABLE",
		    opts->network ? "network through passt" : "no network");
	if (libkrun.is_contract_double) {
		/* The one special case: the double runs the agent on the host,
		 * so KVM is not involved. */
		snprintf(out->accelerator, sizeof(out->accelerator), "none");
		text_format(out->reason, sizeof(out->reason),
			    "krun driving the libkrun contract double %s (a test double: no VM, "
			    "KVM not checked; %s)",
			    libkrun.path, what);
		return 0;
	}
	char kvm_reason[400];
	if (!kvm_usable(kvm_reason, sizeof(kvm_reason))) {
		error_set(err, 0, "libkrun needs a usable KVM, and here %s", kvm_reason);
		return -1;
	}
	out->use_kvm = 1;
	snprintf(out->accelerator, sizeof(out->accelerator), "kvm");
	text_format(out->reason, sizeof(out->reason), "libkrun %s booting %s: %s", libkrun.path,
		    what, kvm_reason);
	return 0;
}

static int krun_start(const struct engine_request *req, struct engine_vm *vm, struct error *err)
{
	const struct vm_spec *opts = req->opts;
	if (check_root_sharing(opts, err) < 0)
		return -1;
	if (!libkrun_can_share_read_only(&libkrun))
		log_message("warning: %s cannot share the root read-only: the guest can write to "
			    "your files (--allow-writable-root)",
			    libkrun.path);
	log_verbose_message("kernel %s%s%s%s", req->probe->guest_kernel.image,
			    req->probe->guest_kernel.release[0] ? " (" : "",
			    req->probe->guest_kernel.release,
			    req->probe->guest_kernel.release[0] ? ")" : "");

	/* libkrun's, passt's and the guest console's messages, kept for the
	 * error message if the VM does not come up; unlinked with the run
	 * dir. */
	char log_path[PATH_MAX];
	if (path_join(log_path, sizeof(log_path), req->run_dir, "vmm.log", err) < 0)
		return -1;
	vm->log_fd = open(log_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_APPEND, 0600);

	/* The agent's reboot, a panic and (patched) a power-off end in a
	 * triple fault (reboot=t), on which libkrun ends the VM at once
	 * (KVM_EXIT_SHUTDOWN); its console is hvc0, or under -V a UART,
	 * which shows the boot from its first line; libkrun is always KVM.
	 * A panic restarts at once: a panic delay spins with interrupts off,
	 * which nested under TCG stalled the host's CPU for minutes, and the
	 * agent has relayed the output already (it runs before the
	 * commands). */
	int serial_console = opts->verbose && libkrun.add_serial_console_default;
	struct kernel_cmdline_config words = {
	    .reboot = "t",
	    .console = serial_console ? "ttyS0" : "hvc0",
	    .serial_port = serial_console,
	    .verbose = opts->verbose,
	    .use_kvm = 1,
	    .no_apic_timer = req->probe->guest_kernel.no_apic_timer,
	    .unprivileged = geteuid() != 0,
	    .extra_append = host_config()->kernel_append,
	    .file_server_fds = file_server_fd_limit(),
	};
	char cmdline[2048];
	if (kernel_cmdline_build(&words, cmdline, sizeof(cmdline)) < 0) {
		error_set(err, 0, "guest kernel command line too long");
		return -1;
	}
	int network_fd;
	if (passt_start_for_vm(opts, req->probe->passt_path, 1, vm, &network_fd, err) < 0)
		return -1;

	struct libkrun_vm_config config = {
	    .cpus = opts->cpus,
	    .mem_mib = opts->mem_mib,
	    .allow_writable_root = opts->allow_writable_root,
	    .kernel_image = req->probe->guest_kernel.image,
	    .initramfs = req->probe->initramfs,
	    .cmdline = cmdline,
	    .root = opts->root_dir && opts->root_dir[0] ? opts->root_dir : "/",
	    .agent_socket = req->agent_socket,
	    .network_fd = network_fd,
	    .serial_console_fd = serial_console ? 2 : -1,
	    .resources = &opts->resources,
	    .verbose = opts->verbose,
	};
	log_verbose_message("starting libkrun %s: %u vCPU, %u MiB, cmdline %s", libkrun.path,
			    config.cpus, config.mem_mib, cmdline);
	struct spawn_options so = {.stdout_fd = opts->verbose ? 2 : vm->log_fd,
				   .stderr_fd = opts->verbose ? 2 : vm->log_fd};
	/* The libkrun VMM is the guest's device model and its file server
	 * in one process: sandboxed like QEMU (its own pid, IPC, network and
	 * mount namespaces; the host read-only but for rw disks and volumes;
	 * no inherited fd), serving the root from the view without the host's
	 * /proc, /sys, /dev, /run and secrets. As the file server it must
	 * serve files as their owners, so it keeps the file server's
	 * capabilities, and only those (none in its bounding set,
	 * no_new_privs); run by root, it holds them in a user namespace of its
	 * own. Not for the contract double, which runs the agent on the host
	 * in place. */
	struct host_view_plan root_view;
	if (host_view_plan_for_root(opts, req->run_dir, &root_view, err) < 0) {
		if (network_fd >= 0)
			close(network_fd);
		return -1;
	}
	const struct resources *res = &opts->resources;
	const char **writable = calloc(res->disk_count + res->volume_count + 1, sizeof(*writable));
	size_t writable_count = 0;
	for (size_t i = 0; writable && i < res->disk_count; i++)
		if (!res->disks[i].read_only)
			writable[writable_count++] = res->disks[i].path;
	for (size_t i = 0; writable && i < res->volume_count; i++)
		if (!res->volumes[i].read_only)
			writable[writable_count++] = res->volumes[i].host;
	struct sandbox_policy sandbox = {
	    .new_pid_namespace = 1,
	    .new_network_namespace = 1, /* no TSI: the network is passt's socket */
	    .new_ipc_namespace = 1,
	    .private_mounts = 1,
	    .serve_view = &root_view,
	    .writable = writable,
	    .writable_count = writable_count,
	    .drop_capabilities = 1,
	    .keep_capabilities = SANDBOX_FILE_SERVER_CAPABILITIES,
	    .own_user_namespace = 1,
	};
	pid_t pid = writable ? spawn_fork(&so, err) : -1;
	if (!writable)
		error_set(err, ENOMEM, "starting libkrun");
	if (pid == 0) {
		/* libkrun runs in this forked krunsh, with krunsh's command
		 * line: its name says which process is the VM (ps, pgrep -x),
		 * until a real libkrun's krun_start_enter renames it ("libkrun
		 * VM" in 1.19, "VM:<hostname>" with a hostname set). */
		prctl(PR_SET_NAME, "krunsh-vmm", 0, 0, 0);
		if (!libkrun.is_contract_double) {
			/* The agent's socket through a descriptor of the run
			 * dir: the view's tmpfs over /run must not hide it
			 * when $TMPDIR lies there. */
			int keep[2] = {open(req->run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC),
				       network_fd};
			process_close_inherited_fds(keep, 2);
			libkrun_vm_raise_open_file_limit();
			if (keep[0] < 0 || sandbox_enter(&sandbox) < 0) {
				dprintf(2, "krunsh: sandboxing the libkrun VMM: %s\n",
					strerror(errno));
				_exit(125);
			}
			static char socket_path[64];
			snprintf(socket_path, sizeof(socket_path), "/proc/self/fd/%d/agent.sock",
				 keep[0]);
			config.agent_socket = socket_path;
			config.root = HOST_VIEW_PATH;
		}
		libkrun_vm_enter(&libkrun, &config);
	}
	free(writable);
	host_view_plan_free(&root_view);
	/* The VM child has its copy; passt must see the end of its stream
	 * when the VM ends, so no other copy stays open here. */
	if (network_fd >= 0)
		close(network_fd);
	if (pid < 0)
		return -1;
	vm->main_pid = pid;
	return 0;
}

/* libkrun 1.19 logs a vsock complaint at every boot (the guest's reset of
 * a datagram port, "unexpected dgram pkt: 3"), which says nothing about a
 * VM that died. */
static int krun_log_line_is_noise(const char *line)
{
	return strstr(line, "vsock::muxer] unexpected dgram pkt: ") != NULL;
}

const struct engine engine_krun = {.name = "krun",
				   .probe = krun_probe,
				   .start = krun_start,
				   .log_line_is_noise = krun_log_line_is_noise};
