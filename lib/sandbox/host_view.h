/* The guest's view of the host: what the root file server serves. Not the
 * host's whole /: its /proc, /sys, /dev and /run are left out (the guest
 * has its own), other krunsh runs' directories likewise, and a documented
 * list of secret paths is hidden behind empty, unreadable entries. Built in
 * the file server's own mount namespace and made read-only there, so the
 * host kernel enforces it whatever the guest asks of the file server.
 *
 * Planned in krunsh (so -v can list it), applied in the file server's child
 * process before exec. */
#ifndef KRUNSH_HOST_VIEW_H
#define KRUNSH_HOST_VIEW_H

#include "util/error.h"

#include <stddef.h>

/* Where the view is assembled inside the file server's mount namespace: a
 * tmpfs mounted over /run there (the host's /run is not part of the view). */
#define HOST_VIEW_PATH "/run/krunsh-view"

struct host_view_mask {
	char path[4096]; /* host path, absolute, exists */
	int is_dir;
};

struct host_view_plan {
	char source[4096]; /* host directory the view shows as its root */
	int read_only;	   /* every mount of the view read-only (rw volumes: 0) */
	struct host_view_mask *masks;
	size_t mask_count;
};

/* The secret paths hidden by default, relative to a home directory (for
 * every home: /root, each /home/NAME, $HOME) or absolute. */
extern const char *const host_view_default_home_secrets[];
extern const char *const host_view_default_system_secrets[];

/* Plans the view of `source` ("/" or a --root DIR): which existing paths
 * to hide. extra_masks (--mask) are added, exposed (--expose) taken out.
 * For a --root DIR only the extra masks apply. own_run_dir, this run's
 * own directory in tmpdir, is not hidden (QEMU connects to its sockets). */
int host_view_plan(struct host_view_plan *plan, const char *source, int read_only,
		   const char *const *extra_masks, size_t extra_count, const char *const *exposed,
		   size_t exposed_count, const char *tmpdir, const char *own_run_dir,
		   struct error *err);
void host_view_plan_free(struct host_view_plan *plan);

struct vm_spec;
/* The plan for the guest's root, from the options (--root, --mask,
 * --expose; $TMPDIR for other runs); -V lists what it hides. Shared by
 * the engines. */
int host_view_plan_for_root(const struct vm_spec *opts, const char *own_run_dir,
			    struct host_view_plan *plan, struct error *err);

/* In the child, inside a new mount namespace it may change: assembles the
 * view at HOST_VIEW_PATH, read-only. Returns -1 with errno on failure. */
int host_view_build(const struct host_view_plan *plan);

/* Recursively read-only, with mount_setattr where the kernel has it, else
 * remount by remount (kernels before 5.12, valgrind). */
int mount_tree_read_only(const char *path);
/* Makes the mount at PATH writable again, its other flags kept. */
int mount_clear_read_only(const char *path);

#endif
