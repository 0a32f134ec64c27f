/* One private directory per run under $TMPDIR, removed on every exit path. */
#ifndef KRUNSH_TEMPDIR_H
#define KRUNSH_TEMPDIR_H

#include "util/error.h"

#include <stddef.h>

/* Creates it and takes its lock (*lock_fd, held until closed: the run's
 * life). */
int tempdir_create(char *path, size_t size, int *lock_fd, struct error *err);
/* Removes the directory and everything in it; safe to call twice. */
void tempdir_remove(char *path);
/* Removes run directories whose lock nobody holds (left by a krunsh that
 * was SIGKILLed before it could clean up). */
void tempdir_sweep_stale(void);

#endif
