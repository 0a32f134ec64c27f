/* The host's root, served read-only to the guest over virtio-fs. */
#ifndef KRUNSH_VIRTIOFSD_H
#define KRUNSH_VIRTIOFSD_H

#include "util/error.h"

#include <sys/types.h>

#define VIRTIOFSD_DEFAULT_PATH "/usr/lib/qemu/virtiofsd"

const char *virtiofsd_path(void);
struct host_view_plan;
/* Starts virtiofsd serving the planned view (host_view.h) on the listening
 * socket at socket_path. Read-only and the masks are enforced by the host
 * kernel: virtiofsd runs in a private mount namespace where the view is
 * assembled and (when read-only) every mount of it is read-only, so even a
 * guest root that remounts the share read-write cannot write through or
 * see past a mask. */
/* own_ids: NULL, or (an ordinary user's rw volume) the ids the guest's
 * commands run as, the only ones mapped to the user (userns_map.h). */
struct virtiofsd_own_ids {
	unsigned uid, gid;
};
pid_t virtiofsd_start(const struct host_view_plan *view_plan, const char *socket_path, int log_fd,
		      int verbose, const struct virtiofsd_own_ids *own_ids, struct error *err);

#endif
