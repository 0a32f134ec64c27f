/* The part of libkrun's C API krunsh uses, written from its documented
 * interface (include/libkrun.h of containers/libkrun), and resolved at run
 * time: krunsh does not link against libkrun, so it builds and runs where
 * libkrun is absent, and a libkrun that lacks a newer call only turns the
 * matching feature off.
 *
 * Every call returns 0 (or a context id) on success and a negative errno on
 * failure. */
#ifndef KRUNSH_LIBKRUN_API_H
#define KRUNSH_LIBKRUN_API_H

#include "error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The exported symbol by which krunsh's contract double (tests/double)
 * says what it is; no real libkrun has it. */
#define LIBKRUN_CONTRACT_DOUBLE_MARKER "krunsh_contract_double_marker"

/* virtio-fs tag libkrun's init mounts as the guest's root. */
#define LIBKRUN_ROOT_TAG "/dev/root"

struct libkrun_api {
	void *handle;
	char path[4096]; /* as given to dlopen, for messages */
	int is_contract_double;

	/* Required: every libkrun krunsh can drive has them. */
	int32_t (*create_ctx)(void);
	int32_t (*set_vm_config)(uint32_t ctx, uint8_t vcpus, uint32_t ram_mib);
	int32_t (*set_workdir)(uint32_t ctx, const char *path);
	/* argv excludes argv[0]; a NULL envp copies the whole host
	 * environment into the guest. */
	int32_t (*set_exec)(uint32_t ctx, const char *path, const char *const argv[],
			    const char *const envp[]);
	/* A guest connection to vsock port `port` reaches the unix socket. */
	int32_t (*add_vsock_port)(uint32_t ctx, uint32_t port, const char *unix_path);
	/* Returns only on a configuration error; otherwise the process ends
	 * with _exit(guest status). */
	int32_t (*start_enter)(uint32_t ctx);

	/* Optional: NULL when this libkrun is too old to have them. */
	int32_t (*set_root)(uint32_t ctx, const char *path); /* writable; not in libkrun-SEV */
	int32_t (*add_virtiofs3)(uint32_t ctx, const char *tag, const char *path, uint64_t shm_size,
				 bool read_only); /* libkrun 1.18+ */
	int32_t (*add_vsock_port2)(uint32_t ctx, uint32_t port, const char *unix_path, bool listen);
	int32_t (*set_log_level)(uint32_t level);
	/* Together: a vsock device without TSI, i.e. a guest without network,
	 * as QEMU's guest has none. */
	int32_t (*disable_implicit_vsock)(uint32_t ctx);
	int32_t (*add_vsock)(uint32_t ctx, uint32_t tsi_features);
	/* Volumes without a read-only flag: rw volumes on a libkrun older
	 * than krun_add_virtiofs3. */
	int32_t (*add_virtiofs)(uint32_t ctx, const char *tag, const char *path);
	int32_t (*add_virtiofs2)(uint32_t ctx, const char *tag, const char *path,
				 uint64_t shm_size);
	/* A raw image as a virtio-blk device; absent when libkrun was built
	 * without its "blk" feature. */
	int32_t (*add_disk)(uint32_t ctx, const char *block_id, const char *path, bool read_only);
	/* "HOST:GUEST" entries, NULL-terminated, for TSI. NULL (or never
	 * calling it) exposes every port the guest listens on; an empty list
	 * exposes none. Must come after the network configuration. */
	int32_t (*set_port_map)(uint32_t ctx, const char *const port_map[]);
	/* Virtual files and directories served on top of a virtio-fs share
	 * (tag must be added first); data is not copied and must live as long
	 * as the VM. How the agent reaches a --root DIR that lacks it. */
	int32_t (*fs_add_overlay_file)(uint32_t ctx, const char *tag, const char *path,
				       const uint8_t *data, size_t length, uint32_t mode,
				       bool one_shot);
	int32_t (*fs_add_overlay_dir)(uint32_t ctx, const char *tag, const char *path,
				      uint32_t mode);
};

/* dlopens `path` (a name is searched as the dynamic loader searches) once
 * per process and resolves the symbols. Fails with a message naming the
 * library or the first missing required symbol. */
int libkrun_load(const char *path, struct libkrun_api *api, struct error *err);

/* Whether this libkrun can share the host's root read-only. */
static inline int libkrun_has_readonly_root(const struct libkrun_api *api)
{
	return api->add_virtiofs3 != NULL;
}

/* Whether this libkrun can give the guest no network at all. */
static inline int libkrun_can_disable_network(const struct libkrun_api *api)
{
	return api->disable_implicit_vsock && api->add_vsock;
}

/* TSI feature bit of krun_add_vsock: the guest's AF_INET sockets become
 * host sockets (libkrun's networking without a network device). */
#define LIBKRUN_TSI_HIJACK_INET (1u << 0)

/* Whether this libkrun can share a directory read-only, which a ro volume
 * needs: without krun_add_virtiofs3 a share is always writable. */
static inline int libkrun_can_share_read_only(const struct libkrun_api *api)
{
	return api->add_virtiofs3 != NULL;
}

static inline int libkrun_can_share_writable(const struct libkrun_api *api)
{
	return api->add_virtiofs3 || api->add_virtiofs2 || api->add_virtiofs;
}

/* Whether this libkrun can put krunsh's agent into a root that lacks it. */
static inline int libkrun_can_inject_agent(const struct libkrun_api *api)
{
	return api->fs_add_overlay_file && api->fs_add_overlay_dir;
}

struct resources;

/* What the child configures before it becomes the VM. */
struct libkrun_vm_config {
	unsigned cpus;
	unsigned mem_mib;
	int allow_writable_root;
	const char *root;	/* host directory shared as the guest's / */
	const char *agent_path; /* host path of the agent binary */
	/* With a --root DIR the host's agent path does not exist in the
	 * guest: the agent is served as a virtual file at this guest path
	 * instead. NULL: exec agent_path, which the host root has. */
	const char *agent_guest_path;
	int root_has_run;		   /* DIR has /run, where the agent mounts a tmpfs */
	const char *agent_socket;	   /* the host session's unix socket */
	int network;			   /* --net: TSI for AF_INET */
	const struct resources *resources; /* volumes, disks, ports */
	int verbose;
};

/* In the child, a failed call is the end: one line naming the call on
 * stderr (vm_run shows it as the VMM's last word) and status 125. */
__attribute__((noreturn)) void libkrun_vm_fail(const char *call, int32_t ret);

#define LIBKRUN_CALL(name, expr)                                                                   \
	do {                                                                                       \
		int32_t ret_ = (expr);                                                             \
		if (ret_ < 0)                                                                      \
			libkrun_vm_fail(name, ret_);                                               \
	} while (0)

/* libkrun_devices.c, in the child: volumes, disks, network and ports. */
void libkrun_configure_devices(const struct libkrun_api *api, uint32_t ctx,
			       const struct libkrun_vm_config *config);
/* libkrun_devices.c: the virtual file and mount point that let the agent
 * run from a --root DIR that does not contain it (after the root share). */
void libkrun_inject_agent(const struct libkrun_api *api, uint32_t ctx,
			  const struct libkrun_vm_config *config);

/* In the forked child: configures one context and enters the VM. Never
 * returns: on a failed call it writes one line naming the call to stderr
 * and ends the process with status 125. */
__attribute__((noreturn)) void libkrun_vm_enter(const struct libkrun_api *api,
						const struct libkrun_vm_config *config);

#endif
