/* What the flags (and a bundle's or an image's config) give a VM beyond
 * its root — volumes, disks, tmpfs mounts, published ports — as the public
 * VM spec takes them (include/krunsh/krunsh.h), with the strings they
 * point to. Each carries its flag as label ("--volume /a:/b"), so that the
 * library's checks (krunsh_vm_spec_check, run once all flags are read:
 * cli/run_spec.c) name it. */
#ifndef KRUNSH_CLI_RESOURCE_LIST_H
#define KRUNSH_CLI_RESOURCE_LIST_H

#include "krunsh/krunsh.h"
#include "util/error.h"

#include <stddef.h>

struct resource_list {
	struct krunsh_volume *volumes;
	size_t volume_count;
	struct krunsh_disk *disks;
	size_t disk_count;
	struct krunsh_tmpfs *tmpfs;
	size_t tmpfs_count;
	struct krunsh_port *ports;
	size_t port_count;
};

/* Each copies its strings; -1 only when out of memory. A volume's host
 * path is kept canonical when it is absolute and resolves (a session
 * compares volumes by it); any other is kept as given, for the check to
 * refuse. */
int resource_list_add_volume(struct resource_list *r, const char *host, const char *guest,
			     int read_only, const char *label, struct error *err);
int resource_list_add_tmpfs(struct resource_list *r, const char *guest, unsigned long flags,
			    const char *data, const char *label, struct error *err);
int resource_list_add_disk(struct resource_list *r, const char *path, int read_only,
			   const char *label, struct error *err);
int resource_list_add_port(struct resource_list *r, unsigned host_port, unsigned guest_port,
			   const char *label, struct error *err);
void resource_list_free(struct resource_list *r);

#endif
