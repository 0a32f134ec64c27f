/* krunsh-oci's record of one container: ROOT/ID/state.json and the FIFO
 * its init waits on until `start` (ROOT/ID/start.fifo), as runc keeps
 * them. The container's init is a krunsh process: its pid and start time
 * (so that a reused pid is not taken for it) are what state reports. */
#ifndef KRUNSH_RUNTIME_STATE_H
#define KRUNSH_RUNTIME_STATE_H

#include "util/error.h"

#include <sys/types.h>

struct container {
	char id[129];
	char dir[4096];	   /* ROOT/ID */
	char bundle[4096]; /* absolute */
	pid_t pid;
	unsigned long long start_time; /* /proc/PID/stat field 22 */
	int started;		       /* `start` was run */
	char created[40];	       /* RFC 3339, UTC */
};

enum container_status {
	CONTAINER_CREATED, /* its init waits for start */
	CONTAINER_RUNNING,
	CONTAINER_STOPPED,
};

/* An id the runtime accepts: [A-Za-z0-9_.-], 1-128, not "." or "..". */
int container_id_valid(const char *id);
/* ROOT/ID for a new container (made, 0700); -1 with err if it exists. */
int container_dir_make(const char *root, const char *id, char *out, size_t size, struct error *err);
int container_load(const char *root, const char *id, struct container *out, struct error *err);
int container_save(const struct container *c, struct error *err);
enum container_status container_status(const struct container *c);
const char *container_status_name(enum container_status s);
/* The start time of pid (0 if it is gone or a zombie). */
unsigned long long process_start_time(pid_t pid);
/* Removes ROOT/ID and what is in it. */
void container_remove(const struct container *c);

#endif
