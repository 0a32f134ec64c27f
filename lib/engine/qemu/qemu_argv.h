#ifndef KRUNSH_QEMU_ARGV_H
#define KRUNSH_QEMU_ARGV_H

#include "util/argv_list.h"
#include "lib/spec/resources.h"

#include <limits.h>
#include <stddef.h>

struct qemu_config {
	const char *qemu_path;
	int use_kvm;
	int no_acpi;
	int no_apic_timer;
	int lapic_bus_khz;
	unsigned cpus;
	unsigned mem_mib;
	const char *kernel_image;
	const char *initramfs;
	const char *agent_socket;
	const char *virtiofs_socket;
	unsigned long tsc_khz;
	int verbose;
	const char *extra_append;	  /* KRUNSH_KERNEL_APPEND, for experiments */
	unsigned long file_server_fds;	  /* kernel_cmdline_config's */
	const char *cpu_model;		  /* KRUNSH_QEMU_CPU, for experiments; NULL: ours */
	int unprivileged;		  /* virtiofsd is in an unprivileged user namespace */
	char (*volume_sockets)[PATH_MAX]; /* one virtiofsd socket per volume */
	size_t volume_count;
	int network_fd; /* --net: QEMU's end of passt's stream socket; -1: none */
	/* --publish: these forwards on a second NIC, QEMU's own user
	 * networking restricted to them (see qemu_engine.c why). */
	const struct port_forward *ports;
	size_t port_count;
	const struct disk *disks;
	size_t disk_count;
};

/* Fills out->argv (NULL-terminated); -1 if it would not fit. */
int qemu_argv_build(const struct qemu_config *config, struct argv_list *out);

#endif
