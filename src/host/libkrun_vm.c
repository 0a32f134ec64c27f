/* The libkrun VMM process: configures one libkrun context and becomes the VM.
 * Runs in a child forked for it, because krun_start_enter never returns on
 * success: libkrun ends the process with the guest's status. */
#include "libkrun_api.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The vsock port the agent connects to (on CID 2, the host); libkrun
 * forwards it to the host session's unix socket. Any port works that
 * nothing else in the guest uses; above 1023 to stay clear of TSI's. */
#define AGENT_VSOCK_PORT 10240
#define AGENT_CHANNEL	 "vsock:10240"

/* libkrun's log levels: 1 errors, 2 warnings. */
#define LOG_LEVEL_ERROR 1
#define LOG_LEVEL_WARN	2

/* One line, which vm_run shows as the VMM's last word if no guest comes. */
void libkrun_vm_fail(const char *call, int32_t ret)
{
	dprintf(2, "krunsh: libkrun: %s failed: %s\n", call, strerror(ret < 0 ? -ret : ret));
	_exit(125);
}

static void configure_root(const struct libkrun_api *api, uint32_t ctx,
			   const struct libkrun_vm_config *config)
{
	if (libkrun_has_readonly_root(api)) {
		/* shm_size 0: no DAX window, as krun_set_root does. Read-only
		 * is enforced by libkrun's file server, so a guest root cannot
		 * remount it writable; the agent overlays a tmpfs on it. */
		LIBKRUN_CALL("krun_add_virtiofs3",
			     api->add_virtiofs3(ctx, LIBKRUN_ROOT_TAG, config->root, 0, true));
		return;
	}
	if (!config->allow_writable_root || !api->set_root) {
		/* The probe refuses this already; kept so the child can never
		 * share the host root writable by accident. */
		dprintf(2,
			"krunsh: libkrun: %s cannot share / read-only (krun_add_virtiofs3 "
			"is missing)\n",
			api->set_root ? "this libkrun" : "this libkrun has no krun_set_root and");
		_exit(125);
	}
	LIBKRUN_CALL("krun_set_root", api->set_root(ctx, config->root));
}

void libkrun_vm_enter(const struct libkrun_api *api, const struct libkrun_vm_config *config)
{
	if (api->set_log_level)
		LIBKRUN_CALL(
		    "krun_set_log_level",
		    api->set_log_level(config->verbose ? LOG_LEVEL_WARN : LOG_LEVEL_ERROR));
	/* libkrunfw (the guest kernel) is loaded here. */
	int32_t ctx_or_error = api->create_ctx();
	if (ctx_or_error < 0)
		libkrun_vm_fail("krun_create_ctx", ctx_or_error);
	uint32_t ctx = (uint32_t)ctx_or_error;

	LIBKRUN_CALL("krun_set_vm_config",
		     api->set_vm_config(ctx, (uint8_t)config->cpus, (uint32_t)config->mem_mib));
	configure_root(api, ctx, config);
	if (config->agent_guest_path)
		libkrun_inject_agent(api, ctx, config);
	LIBKRUN_CALL("krun_set_workdir", api->set_workdir(ctx, "/"));
	libkrun_configure_devices(api, ctx, config);
	if (api->add_vsock_port2)
		LIBKRUN_CALL(
		    "krun_add_vsock_port2",
		    api->add_vsock_port2(ctx, AGENT_VSOCK_PORT, config->agent_socket, false));
	else
		LIBKRUN_CALL("krun_add_vsock_port",
			     api->add_vsock_port(ctx, AGENT_VSOCK_PORT, config->agent_socket));

	/* Arguments and environment travel on the guest kernel command line,
	 * each in "..." without escaping: only these fixed words go there.
	 * The script, the user's environment and the workdir travel in the
	 * job over the channel. argv excludes argv[0] (libkrun's rule), and
	 * envp must not be NULL, which would copy the whole host environment
	 * into the guest. */
	static const char *const argv[] = {"--channel", AGENT_CHANNEL, "--root", "overlay", NULL};
	static const char *const envp[] = {"KRUNSH_AGENT=1", NULL};
	const char *exec_path =
	    config->agent_guest_path ? config->agent_guest_path : config->agent_path;
	LIBKRUN_CALL("krun_set_exec", api->set_exec(ctx, exec_path, argv, envp));

	int32_t ret = api->start_enter(ctx);
	/* Returning at all is a failure; a 0 would be a libkrun bug. */
	libkrun_vm_fail("krun_start_enter", ret < 0 ? ret : -EIO);
}
