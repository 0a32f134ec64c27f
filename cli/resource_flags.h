/* The command line's text forms of what a VM gets and an execution's
 * limits (cli/mount_spec.c: -v, --mount, --tmpfs; cli/resource_flags.c:
 * --disk, --publish, --ulimit), parsed into the public specs' forms. */
#ifndef KRUNSH_CLI_RESOURCE_FLAGS_H
#define KRUNSH_CLI_RESOURCE_FLAGS_H

#include "cli/resource_list.h"
#include "krunsh/krunsh.h"

/* -v, --volume HOST:GUEST[:ro|rw] (default rw); a backslash makes the
 * next character literal, so \: is a ':' inside a path. HOST is a directory or a single file. */
int resources_add_volume(struct resource_list *r, const char *spec, struct error *err);
/* --mount type=bind,src=HOST,dst=GUEST[,ro|readonly] (podman's names:
 * source/target/destination too), or type=tmpfs,dst=GUEST[,tmpfs-size=N]
 * [,tmpfs-mode=OCTAL]: paths with ':' need no escape here. */
int resources_add_mount(struct resource_list *r, const char *spec, struct error *err);
/* --tmpfs PATH[:OPTIONS], OPTIONS as podman's: comma-separated rw, ro,
 * exec, noexec, suid, nosuid, dev, nodev, size=, mode=, nr_inodes=;
 * podman's defaults rw,noexec,nosuid,nodev. */
int resources_add_tmpfs(struct resource_list *r, const char *spec, struct error *err);
/* --disk IMAGE[:ro] */
int resources_add_disk(struct resource_list *r, const char *spec, struct error *err);
/* --publish HOST_PORT:GUEST_PORT (TCP, bound to 127.0.0.1 on the host) */
int resources_add_port(struct resource_list *r, const char *spec, struct error *err);
/* Every execution's limits (--ulimit, an OCI bundle's process.rlimits),
 * as the public process spec takes them. */
struct rlimit_list {
	struct krunsh_rlimit *items;
	size_t count;
};
/* One more: soft at most hard (what names it in the message); the
 * library checks the rest when the execution starts. */
int rlimit_list_add(struct rlimit_list *l, int resource, unsigned long long soft,
		    unsigned long long hard, const char *what, struct error *err);
void rlimit_list_free(struct rlimit_list *l);
/* --ulimit NAME=SOFT[:HARD], NAME as in ulimit(1) long names: nofile, nproc,
 * core, stack, fsize, as, cpu, memlock, data; "unlimited" allowed. */
int ulimits_add(struct rlimit_list *l, const char *spec, struct error *err);

#endif
