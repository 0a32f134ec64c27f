/* What the guest gets beyond the root: volumes, disks, forwarded ports and
 * resource limits, parsed and checked before anything starts. */
#ifndef KRUNSH_RESOURCES_H
#define KRUNSH_RESOURCES_H

/* Disks a VM can have: /dev/vda to /dev/vdh. */
#define RESOURCES_MAX_DISKS 8

#include "error.h"

#include <stddef.h>

struct volume {
	char host[4096];  /* canonical absolute host path */
	char guest[4096]; /* absolute guest path */
	int read_only;
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

struct resources {
	struct volume *volumes;
	size_t volume_count;
	struct disk *disks;
	size_t disk_count;
	struct port_forward *ports;
	size_t port_count;
	struct ulimit_spec *ulimits;
	size_t ulimit_count;
};

/* --volume HOST:GUEST[:ro|rw] (default rw). */
int resources_add_volume(struct resources *r, const char *spec, struct error *err);
/* --disk IMAGE[:ro] */
int resources_add_disk(struct resources *r, const char *spec, struct error *err);
/* --publish HOST_PORT:GUEST_PORT (TCP, bound to 127.0.0.1 on the host) */
int resources_add_port(struct resources *r, const char *spec, struct error *err);
/* --ulimit NAME=SOFT[:HARD], NAME as in ulimit(1) long names: nofile, nproc,
 * core, stack, fsize, as, cpu, memlock; "unlimited" allowed. */
int resources_add_ulimit(struct resources *r, const char *spec, struct error *err);
void resources_free(struct resources *r);

#endif
