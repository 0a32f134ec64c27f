/* The JSON documents of bundles and image layouts (config.json,
 * index.json, manifests), read whole: a regular file of a bounded size,
 * never through a symlink at its last component when asked. */
#ifndef KRUNSH_OCI_SMALL_FILE_H
#define KRUNSH_OCI_SMALL_FILE_H

#include "util/error.h"

#include <stddef.h>

/* 0 with *out (NUL-terminated, malloc'd) and *length, or -1 with err
 * ("PATH: not a regular file of at most MAX bytes", errno's words). */
int small_file_read(const char *path, size_t max, int no_follow, char **out, size_t *length,
		    struct error *err);

#endif
