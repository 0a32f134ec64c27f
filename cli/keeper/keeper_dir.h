/* Where a user's sessions live: one private directory (in
 * $XDG_RUNTIME_DIR, else /run/user/UID, else /tmp/krunsh-UID), checked to
 * be a real directory of the user's own that nobody else can enter, and in
 * it a socket and a lock per session. */
#ifndef KRUNSH_KEEPER_DIR_H
#define KRUNSH_KEEPER_DIR_H

#include "util/error.h"

/* Session names: letters, digits, '.', '_', '-', not starting with '.'. */
#define KEEPER_NAME_MAX 64

struct keeper_paths {
	char name[KEEPER_NAME_MAX + 1];
	char dir[160];
	char socket[200]; /* must fit sockaddr_un's 108 bytes: checked */
	char lock[200];
};

int keeper_name_check(const char *name, struct error *err);
/* Finds (and creates, 0700) the directory and fills the paths. */
int keeper_paths_find(const char *name, struct keeper_paths *out, struct error *err);
/* The same for the warm VMs' keeper (warm_keeper.h), under a name no
 * session can have. */
int keeper_paths_warm(struct keeper_paths *out, struct error *err);

#endif
