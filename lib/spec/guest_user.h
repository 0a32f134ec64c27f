/* -u, --user UID[:GID] (podman's): who the commands run as in the guest. */
#ifndef KRUNSH_GUEST_USER_H
#define KRUNSH_GUEST_USER_H

#include "util/error.h"

#include <stddef.h>

#define GUEST_USER_MAX_GROUPS 64

struct guest_user {
	int set;
	unsigned uid, gid;
	unsigned groups[GUEST_USER_MAX_GROUPS]; /* supplementary */
	size_t group_count;
	char home[4096]; /* "" when the user has no passwd entry */
};

/* Names and numbers are looked up in the root the guest will see: the
 * host's /etc/passwd and /etc/group, or under root_dir (--root). Without
 * GID the user's primary group from passwd, else gid = uid; supplementary
 * groups from the group file (none for an id without a passwd entry). */
int guest_user_resolve(const char *spec, const char *root_dir, struct guest_user *out,
		       struct error *err);

#endif
