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

#include "util/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The exported symbol by which krunsh's contract double (tests/double)
 * says what it is; no real libkrun has it. */
#define LIBKRUN_CONTRACT_DOUBLE_MARKER "krunsh_contract_double_marker"

/* krun_set_kernel's format for an uncompressed ELF vmlinux. */
#define LIBKRUN_KERNEL_FORMAT_ELF 1

struct libkrun_api {
	void *handle;
	char path[4096]; /* as given to dlopen, for messages */
	int is_contract_double;

	/* Required: every libkrun krunsh can drive has them. */
	int32_t (*create_ctx)(void);
	int32_t (*set_vm_config)(uint32_t ctx, uint8_t vcpus, uint32_t ram_mib);
	/* Our kernel and initramfs instead of libkrunfw's kernel and libkrun's
	 * init; libkrun appends its own words and " -- ARGS" to cmdline. */
	int32_t (*set_kernel)(uint32_t ctx, const char *kernel_path, uint32_t kernel_format,
			      const char *initramfs_path, const char *cmdline);
	/* argv excludes argv[0] and reaches the initramfs's init as its
	 * arguments; a NULL envp copies the whole host environment into the
	 * guest. */
	int32_t (*set_exec)(uint32_t ctx, const char *path, const char *const argv[],
			    const char *const envp[]);
	/* A guest connection to vsock port `port` reaches the unix socket. */
	int32_t (*add_vsock_port)(uint32_t ctx, uint32_t port, const char *unix_path);
	/* Returns only on a configuration error; otherwise the process ends
	 * with _exit(guest status). */
	int32_t (*start_enter)(uint32_t ctx);

	/* Optional: NULL when this libkrun is too old to have them. */
	int32_t (*add_virtiofs3)(uint32_t ctx, const char *tag, const char *path, uint64_t shm_size,
				 bool read_only); /* libkrun 1.18+ */
	int32_t (*add_vsock_port2)(uint32_t ctx, uint32_t port, const char *unix_path, bool listen);
	int32_t (*set_log_level)(uint32_t level);
	/* Together: a vsock device without TSI. Without them the implicit
	 * device has TSI, which krunsh's guest kernel cannot use anyway. */
	int32_t (*disable_implicit_vsock)(uint32_t ctx);
	int32_t (*add_vsock)(uint32_t ctx, uint32_t tsi_features);
	/* Shares without a read-only flag: rw volumes (and, under
	 * --allow-writable-root, the root) on a libkrun older than
	 * krun_add_virtiofs3. */
	int32_t (*add_virtiofs)(uint32_t ctx, const char *tag, const char *path);
	int32_t (*add_virtiofs2)(uint32_t ctx, const char *tag, const char *path,
				 uint64_t shm_size);
	/* A raw image as a virtio-blk device; absent when libkrun was built
	 * without its "blk" feature. */
	int32_t (*add_disk)(uint32_t ctx, const char *block_id, const char *path, bool read_only);
	/* A virtio-net device whose packets travel on a connected stream
	 * socket (path NULL, fd >= 0), as passt speaks them; absent without
	 * libkrun's "net" feature. */
	int32_t (*add_net_unixstream)(uint32_t ctx, const char *path, int fd, const uint8_t *mac,
				      uint32_t features, uint32_t flags);
	/* A 8250 UART (ttyS0) writing to output_fd: for -V, since the
	 * kernel's messages before virtio-console (hvc0) comes up are lost
	 * there, "Linux version" among them; an 8250 console replays them. */
	int32_t (*add_serial_console_default)(uint32_t ctx, int input_fd, int output_fd);
};

/* virtio-net offloads of krun_add_net_unixstream: libkrun's own set for
 * passt (its header's COMPAT_NET_FEATURES: checksums, TSO4 and UFO both
 * ways). */
#define LIBKRUN_NET_FEATURE_CSUM       (1u << 0)
#define LIBKRUN_NET_FEATURE_GUEST_CSUM (1u << 1)
#define LIBKRUN_NET_FEATURE_GUEST_TSO4 (1u << 7)
#define LIBKRUN_NET_FEATURE_GUEST_UFO  (1u << 10)
#define LIBKRUN_NET_FEATURE_HOST_TSO4  (1u << 11)
#define LIBKRUN_NET_FEATURE_HOST_UFO   (1u << 14)
#define LIBKRUN_NET_COMPAT_FEATURES                                                                \
	(LIBKRUN_NET_FEATURE_CSUM | LIBKRUN_NET_FEATURE_GUEST_CSUM |                               \
	 LIBKRUN_NET_FEATURE_GUEST_TSO4 | LIBKRUN_NET_FEATURE_GUEST_UFO |                          \
	 LIBKRUN_NET_FEATURE_HOST_TSO4 | LIBKRUN_NET_FEATURE_HOST_UFO)

/* dlopens `path` (a name is searched as the dynamic loader searches) once
 * per process and resolves the symbols. Fails with a message naming the
 * library or the first missing required symbol. */
int libkrun_load(const char *path, struct libkrun_api *api, struct error *err);

/* Whether this libkrun can share a directory read-only (the root, a ro
 * volume): without krun_add_virtiofs3 a share is always writable. */
static inline int libkrun_can_share_read_only(const struct libkrun_api *api)
{
	return api->add_virtiofs3 != NULL;
}

static inline int libkrun_can_share_writable(const struct libkrun_api *api)
{
	return api->add_virtiofs3 || api->add_virtiofs2 || api->add_virtiofs;
}

struct resources;

/* What the child configures before it becomes the VM. */
struct libkrun_vm_config {
	unsigned cpus;
	unsigned mem_mib;
	int allow_writable_root;
	const char *kernel_image;	   /* uncompressed ELF vmlinux */
	const char *initramfs;		   /* the agent as /init, uncompressed */
	const char *cmdline;		   /* kernel_cmdline.c's words */
	const char *root;		   /* host directory the agent overlays as / */
	const char *agent_socket;	   /* the host session's unix socket */
	int network_fd;			   /* passt's peer for virtio-net; -1: no network */
	int serial_console_fd;		   /* the UART's output (-V); -1: none */
	const struct resources *resources; /* volumes, disks */
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

/* libkrun_devices.c, in the child: the root and volumes (virtio-fs), disks
 * (virtio-blk), the network (virtio-net) and the vsock device. */
void libkrun_configure_devices(const struct libkrun_api *api, uint32_t ctx,
			       const struct libkrun_vm_config *config);

/* In the VM child, before it gives up its capabilities (and again in
 * libkrun_vm_enter): as many open files as the file server may need. */
void libkrun_vm_raise_open_file_limit(void);

/* In the forked child: configures one context and enters the VM. Never
 * returns: on a failed call it writes one line naming the call to stderr
 * and ends the process with status 125. */
__attribute__((noreturn)) void libkrun_vm_enter(const struct libkrun_api *api,
						const struct libkrun_vm_config *config);

#endif
