/* Least privilege for every process that faces the guest (QEMU, virtiofsd,
 * the libkrun VMM), in one place, as Firecracker's jailer does it: applied
 * in the child between fork and exec (or, for libkrun, before it becomes
 * the VM). A device-model bug should then give an attacker a process with
 * no capabilities, no inherited file, a read-only host with the secrets
 * hidden, no view of host processes, no IPC and, unless the VM has a
 * network through this process, no network. */
#ifndef KRUNSH_SANDBOX_H
#define KRUNSH_SANDBOX_H

#include <stddef.h>
#include <linux/capability.h>

struct host_view_plan;

struct sandbox_policy {
	/* New pid namespace: the process runs as its PID 1 under a small
	 * waiter (the pid krunsh sees), which mirrors its exit. */
	int new_pid_namespace;
	int new_network_namespace; /* no network at all */
	int new_ipc_namespace;
	/* Private mount namespace: host read-only, a fresh /proc, the
	 * plan's secrets hidden; these paths stay writable (rw disks). */
	int private_mounts;
	const struct host_view_plan *hide; /* NULL: hide nothing */
	/* A VMM that is its own file server (libkrun): assemble this view at
	 * HOST_VIEW_PATH first, for it to serve. NULL: none. */
	const struct host_view_plan *serve_view;
	const char *const *writable;
	size_t writable_count;
	int drop_capabilities; /* none left, none regained by exec */
	/* With drop_capabilities: the capabilities that stay in the effective
	 * and permitted sets (the bounding set is emptied all the same, so no
	 * exec can give any back); 0 keeps none. */
	unsigned long long keep_capabilities;
	/* Run as root: first a user namespace of its own that maps every uid
	 * and gid to itself, so what capabilities stay are that namespace's:
	 * they act on the host's files as root's would (the file server must
	 * serve every owner's files), not on the host's kernel, devices,
	 * mounts or other processes. An ordinary user always gets a user
	 * namespace (mapping only itself). Where user namespaces are refused
	 * (a chroot), root goes on without one. */
	int own_user_namespace;
};

/* What a file server that serves every owner's files needs, and no more:
 * libkrun's virtio-fs (its passthrough file system) switches its thread's
 * uid and gid to the guest caller's (setuid, setgid), reads and searches
 * what that caller may (dac_override), changes modes and times of files it
 * does not own (fowner), keeps set-id bits on writes (fsetid), chowns,
 * makes device nodes and sets file capabilities for the guest (chown,
 * mknod, setfcap). The set virtiofsd keeps. */
#define SANDBOX_CAPABILITY(cap) (1ULL << (cap))
#define SANDBOX_FILE_SERVER_CAPABILITIES                                                           \
	(SANDBOX_CAPABILITY(CAP_CHOWN) | SANDBOX_CAPABILITY(CAP_DAC_OVERRIDE) |                    \
	 SANDBOX_CAPABILITY(CAP_FOWNER) | SANDBOX_CAPABILITY(CAP_FSETID) |                         \
	 SANDBOX_CAPABILITY(CAP_SETGID) | SANDBOX_CAPABILITY(CAP_SETUID) |                         \
	 SANDBOX_CAPABILITY(CAP_MKNOD) | SANDBOX_CAPABILITY(CAP_SETFCAP))

/* In the child. Returns 0 (in the process that goes on to exec), or -1
 * with errno. With new_pid_namespace the calling process becomes the
 * waiter and never returns. */
int sandbox_enter(const struct sandbox_policy *policy);

#endif
