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

/* Right after unshare(CLONE_NEWUSER), without a helper: maps our own uid
 * and gid (only those) to inside_uid/inside_gid; setgroups is then denied. */
int userns_map_self(unsigned inside_uid, unsigned inside_gid);

/* Parent side: once the child has unshared, map it with the setuid helpers
 * newuidmap/newgidmap from the uidmap package, using the user's ranges in
 * /etc/subuid and /etc/subgid: uid/gid 0 is the user, 1.. the subordinate
 * range. That leaves setgroups allowed, which virtiofsd needs (it drops its
 * supplementary groups at start). Answers the child either way. */
void userns_parent_map(pid_t child, int sync_from_child, int sync_to_child);

#endif
