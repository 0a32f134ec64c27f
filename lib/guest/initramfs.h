/* The guest's initramfs: the agent as /init plus the kernel's modules. Built
 * once per (agent, kernel modules) and cached; concurrent first runs each
 * build under a temp name and rename into place, so none sees a partial file. */
#ifndef KRUNSH_INITRAMFS_H
#define KRUNSH_INITRAMFS_H

#include "util/error.h"
#include "lib/guest/paths.h"

#include <stddef.h>

int initramfs_get(const char *agent_path, const struct guest_kernel *kernel, char *out, size_t size,
		  struct error *err);

/* cpio "newc" writer, exposed for tests. */
struct cpio_writer {
	int fd;
	unsigned long long offset;
	unsigned inode;
};
int cpio_add(struct cpio_writer *w, const char *name, unsigned mode, unsigned rdev_major,
	     unsigned rdev_minor, const void *data, size_t length);
int cpio_finish(struct cpio_writer *w);

#endif
