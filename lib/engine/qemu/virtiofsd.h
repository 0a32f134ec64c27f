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
/* How the guest caches a file's pages. Either way it looks a name and its
 * attributes up again after 1 s and drops a file's pages when the host
 * changed its mtime. VIRTIOFSD_PAGES_KEPT also keeps them across opens:
 * each exec of a program then reads ld.so and libc from the guest's page
 * cache instead of the host again (cache=always, timeout=1): the root,
 * which only the host changes. VIRTIOFSD_PAGES_REREAD drops them at every
 * open (close-to-open, cache=auto): a volume, which both sides may write. */
enum virtiofsd_pages {
	VIRTIOFSD_PAGES_KEPT,
	VIRTIOFSD_PAGES_REREAD,
};
pid_t virtiofsd_start(const struct host_view_plan *view_plan, const char *socket_path,
		      enum virtiofsd_pages pages, int log_fd, int verbose,
		      const struct virtiofsd_own_ids *own_ids, struct error *err);

#endif
