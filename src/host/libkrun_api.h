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
	int32_t (*add_virtiofs3)(uint32_t ctx, const char *tag, const char *path,
				 uint64_t shm_size, bool read_only); /* libkrun 1.18+ */
	int32_t (*add_vsock_port2)(uint32_t ctx, uint32_t port, const char *unix_path,
				   bool listen);
	int32_t (*set_log_level)(uint32_t level);
	/* Together: a vsock device without TSI, i.e. a guest without network,
	 * as QEMU's guest has none. */
	int32_t (*disable_implicit_vsock)(uint32_t ctx);
	int32_t (*add_vsock)(uint32_t ctx, uint32_t tsi_features);
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

/* What the child configures before it becomes the VM. */
struct libkrun_vm_config {
	unsigned cpus;
	unsigned mem_mib;
	int allow_writable_root;
	const char *root;         /* host directory shared as the guest's / */
	const char *agent_path;   /* host path; the guest sees the host's root */
	const char *agent_socket; /* the host session's unix socket */
	int verbose;
};

/* In the forked child: configures one context and enters the VM. Never
 * returns: on a failed call it writes one line naming the call to stderr
 * and ends the process with status 125. */
__attribute__((noreturn)) void libkrun_vm_enter(const struct libkrun_api *api,
						const struct libkrun_vm_config *config);

#endif
