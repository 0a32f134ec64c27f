/* Identity mapping for the file server's user namespace when krunsh runs
 * as an ordinary user. */
#ifndef KRUNSH_USERNS_MAP_H
#define KRUNSH_USERNS_MAP_H

#include <sys/types.h>

/* Child side, right after unshare(CLONE_NEWUSER): tell the parent through
 * sync[1], wait for its answer on sync[0]; if the parent could not map us
 * with newuidmap/newgidmap, map our own uid/gid to 0 ourselves (then the
 * namespace may not call setgroups). Returns 0 or -1 with errno. */
int userns_child_wait_for_map(const int sync_to_parent, const int sync_from_parent);

/* For a file server whose guest may create files (a rw volume): only the
 * user's own uid is mapped, to inside_uid (the uid the guest's commands
 * run as), so whatever the guest creates is the user's, and a chown to any
 * other id fails in the guest with EINVAL instead of leaving a file owned
 * by a subordinate uid the user cannot remove. Gids: the parent's
 * newgidmap range when it has one (setgroups stays allowed), else only the
 * user's own gid, at inside_gid. Pair with userns_parent_map(..., 1). */
int userns_child_wait_for_own_uid_map(const int sync_to_parent, const int sync_from_parent,
				      unsigned inside_uid, unsigned inside_gid);

/* Right after unshare(CLONE_NEWUSER), without a helper: maps our own uid
 * and gid (only those) to inside_uid/inside_gid; setgroups is then denied. */
int userns_map_self(unsigned inside_uid, unsigned inside_gid);

/* Writes TEXT to a /proc file of a user namespace (uid_map, gid_map,
 * setgroups) in one write, as the kernel wants it. */
int userns_write_proc_file(const char *path, const char *text);

/* Parent side: once the child has unshared, map it with the setuid helpers
 * newuidmap/newgidmap from the uidmap package, using the user's ranges in
 * /etc/subuid and /etc/subgid: uid/gid 0 is the user, 1.. the subordinate
 * range. That leaves setgroups allowed, which virtiofsd needs (it drops its
 * supplementary groups at start). Answers the child either way. With
 * gids_only, only the gid map (see userns_child_wait_for_own_uid_map). */
void userns_parent_map(pid_t child, int sync_from_child, int sync_to_child, int gids_only);

#endif
