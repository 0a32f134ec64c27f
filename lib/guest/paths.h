/* Where krunsh finds its parts: the guest agent, the guest kernel, and its
 * cache directory. Each has an environment override for packagers and tests. */
#ifndef KRUNSH_PATHS_H
#define KRUNSH_PATHS_H

#include "util/error.h"

#include <stddef.h>

struct guest_kernel {
	char image[4096];	/* vmlinux (PVH ELF) or bzImage */
	char modules_dir[4096]; /* flat dir of .ko files plus "order"; "" if none */
	char release[128];	/* for -v, "" if unknown */
	int no_acpi;		/* built without ACPI: devices go on the command line */
	int no_apic_timer;	/* boots (faster) with noapictimer under TCG */
	int lapic_bus_khz;	/* takes lapic_bus_khz= (kernel/patches/0005) */
	int uniprocessor;	/* built without SMP: one vCPU only */
};

/* KRUNSH_AGENT, then next to the krunsh binary, then the install path. */
int agent_locate(char *out, size_t size, struct error *err);
/* --kernel, then KRUNSH_KERNEL, then the fastest installed kernel that can
 * give `cpus` vCPUs: krunsh's own minimal (uniprocessor) build when setup
 * made it and cpus is 1, its SMP build for more, else the Debian cloud
 * kernel. A
 * path may be a kernel directory (vmlinux|vmlinuz, modules/, release,
 * features) or an image file. */
int kernel_locate(const char *option, unsigned cpus, struct guest_kernel *out, struct error *err);
/* As kernel_locate, but without --kernel or KRUNSH_KERNEL only krunsh's
 * own minimal kernel: the one built with vsock and with the virtio-fs and
 * overlayfs fixes that libkrun's file server needs (kernel/patches). */
int minimal_kernel_locate(const char *option, unsigned cpus, struct guest_kernel *out,
			  struct error *err);
/* $XDG_CACHE_HOME/krunsh or ~/.cache/krunsh, created. */
int cache_dir(char *out, size_t size, struct error *err);

/* Absolute path of a program: as is if it has a '/', else searched in PATH. */
int program_locate(const char *name, char *out, size_t size);

#endif
