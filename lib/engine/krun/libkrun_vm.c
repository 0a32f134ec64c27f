/* The libkrun VMM process: configures one libkrun context and becomes the VM.
 * Runs in a child forked for it, because krun_start_enter never returns on
 * success: libkrun ends the process with the guest's status. */
#include "lib/engine/krun/libkrun_api.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The vsock port the agent connects to (on CID 2, the host); libkrun
 * forwards it to the host session's unix socket. Any port works that
 * nothing else in the guest uses. */
#define AGENT_VSOCK_PORT 10240
#define AGENT_CHANNEL	 "vsock:10240"

/* Where the agent is in krunsh's initramfs (initramfs.c). */
#define AGENT_INIT_PATH "/init"

/* libkrun's log levels: 1 errors, 2 warnings. */
#define LOG_LEVEL_ERROR 1
#define LOG_LEVEL_WARN	2


/* libkrun's file server holds a host fd for every guest inode it has looked
 * up, in this process: with the usual soft limit of 1024 a guest walking a
 * big tree gets EMFILE ("Too many open files") from the host, and a hard
 * limit of 4096 (the kernel's default, where no systemd raised it) is not
 * enough for a chmod -R of /etc either. Root raises the hard limit too, to
 * the kernel's per-process maximum; called before the sandbox drops
 * CAP_SYS_RESOURCE. */
void libkrun_vm_raise_open_file_limit(void)
{
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
		return;
	FILE *f = fopen("/proc/sys/fs/nr_open", "re");
	unsigned long nr_open = 0;
	if (f) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (nr_open > limit.rlim_max) {
		struct rlimit raised = {.rlim_cur = nr_open, .rlim_max = nr_open};
		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			return;
	}
	if (limit.rlim_cur < limit.rlim_max) {
		limit.rlim_cur = limit.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &limit);
	}
}

void libkrun_vm_enter(const struct libkrun_api *api, const struct libkrun_vm_config *config)
{
	libkrun_vm_raise_open_file_limit();
	if (api->set_log_level)
		LIBKRUN_CALL(
		    "krun_set_log_level",
		    api->set_log_level(config->verbose ? LOG_LEVEL_WARN : LOG_LEVEL_ERROR));
	/* Tolerates a missing libkrunfw: it is only needed when no kernel
	 * is set, and we set ours. */
	int32_t ctx_or_error = api->create_ctx();
	if (ctx_or_error < 0)
		libkrun_vm_fail("krun_create_ctx", ctx_or_error);
	uint32_t ctx = (uint32_t)ctx_or_error;

	LIBKRUN_CALL("krun_set_vm_config",
		     api->set_vm_config(ctx, (uint8_t)config->cpus, (uint32_t)config->mem_mib));
	LIBKRUN_CALL("krun_set_kernel",
		     api->set_kernel(ctx, config->kernel_image, LIBKRUN_KERNEL_FORMAT_ELF,
				     config->initramfs, config->cmdline));
	libkrun_configure_devices(api, ctx, config);
	if (api->add_vsock_port2)
		LIBKRUN_CALL(
		    "krun_add_vsock_port2",
		    api->add_vsock_port2(ctx, AGENT_VSOCK_PORT, config->agent_socket, false));
	else
		LIBKRUN_CALL("krun_add_vsock_port",
			     api->add_vsock_port(ctx, AGENT_VSOCK_PORT, config->agent_socket));

	/* libkrun puts the exec path and envp on the kernel command line as
	 * KRUN_INIT=... and KEY=..., and argv after " -- ": the kernel then
	 * starts the initramfs's /init (the agent) with these arguments. Only
	 * fixed words go there: the script, the user's environment and the
	 * workdir travel in the job over the channel. argv excludes argv[0]
	 * (libkrun's rule); envp must not be NULL, which would copy the whole
	 * host environment into the guest. */
	static const char *const argv[] = {"--channel", AGENT_CHANNEL, NULL};
	static const char *const envp[] = {"KRUNSH_AGENT=1", NULL};
	LIBKRUN_CALL("krun_set_exec", api->set_exec(ctx, AGENT_INIT_PATH, argv, envp));

	int32_t ret = api->start_enter(ctx);
	/* Returning at all is a failure; a 0 would be a libkrun bug. */
	libkrun_vm_fail("krun_start_enter", ret < 0 ? ret : -EIO);
}
