/* The host's root, served read-only to the guest over virtio-fs. */
#ifndef KRUNSH_VIRTIOFSD_H
#define KRUNSH_VIRTIOFSD_H

#include "error.h"

#include <sys/types.h>

#define VIRTIOFSD_DEFAULT_PATH "/usr/lib/qemu/virtiofsd"

const char *virtiofsd_path(void);
/* Starts virtiofsd serving `source` on the listening socket at socket_path.
 * Read-only is enforced by the host kernel: virtiofsd runs in a private
 * mount namespace where (when read_only) every mount is recursively
 * read-only, so even a guest root that remounts the share read-write cannot
 * write through. */
pid_t virtiofsd_start(const char *source, int read_only, const char *socket_path, int log_fd,
		      int verbose, struct error *err);

#endif
