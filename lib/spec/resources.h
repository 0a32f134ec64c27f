/* What the guest gets beyond the root: volumes, disks, forwarded ports and
 * resource limits, parsed and checked before anything starts. */
#ifndef KRUNSH_RESOURCES_H
#define KRUNSH_RESOURCES_H

#include "krunsh/krunsh.h"
#include "util/error.h"

/* The public limits, one constant each: disks /dev/vda to /dev/vdh;
 * volumes, each one file server process on the host. */
#define RESOURCES_MAX_DISKS   KRUNSH_MAX_DISKS
#define RESOURCES_MAX_VOLUMES KRUNSH_MAX_VOLUMES

#include <stddef.h>

struct volume {
	char host[4096];  /* canonical absolute host path */
	char guest[4096]; /* absolute guest path */
	int read_only;
	/* A single file, not a directory: its file server shares a view
	 * holding only that file, which the agent bind-mounts at guest. */
	int is_file;
};

/* --tmpfs PATH[:OPTIONS]: a fresh tmpfs the agent mounts at guest. */
struct tmpfs_mount {
	char guest[4096];
	unsigned long flags; /* MS_* */
	char data[256];	     /* size=, mode=, nr_inodes= for tmpfs itself */
};

struct disk {
	char path[4096];
	int read_only;
};

struct port_forward {
	unsigned host_port;
	unsigned guest_port;
};

struct ulimit_spec {
	int resource; /* RLIMIT_* */
	unsigned long long soft, hard;
};

/* An execution's limits (each one's, not the VM's). */
struct ulimit_list {
	struct ulimit_spec *items;
	size_t count;
};

struct resources {
	struct volume *volumes;
	size_t volume_count;
	struct disk *disks;
	size_t disk_count;
	struct port_forward *ports;
	size_t port_count;
	struct tmpfs_mount *tmpfs;
	size_t tmpfs_count;
};

/* What the command line's -v, --mount and --tmpfs (cli/mount_spec.c)
 * and --disk, --publish and --ulimit (cli/resource_flags.c) add, checked. */
int resources_add_volume_paths(struct resources *r, const char *host, const char *guest,
			       int read_only, const char *what, struct error *err);
int resources_add_tmpfs_path(struct resources *r, const char *guest, unsigned long flags,
			     const char *data, const char *what, struct error *err);
int resources_add_disk_path(struct resources *r, const char *path, int read_only, const char *what,
			    struct error *err);
int resources_add_port_numbers(struct resources *r, unsigned host_port, unsigned guest_port,
			       const char *what, struct error *err);
int ulimits_add_values(struct ulimit_list *l, int resource, unsigned long long soft,
		       unsigned long long hard, const char *what, struct error *err);
void ulimits_free(struct ulimit_list *l);
void resources_free(struct resources *r);

#endif
