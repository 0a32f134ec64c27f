/* The unpacked images: $XDG_CACHE_HOME/krunsh/images/<manifest digest>/,
 * each a directory umoci unpacked (rootfs/ and its own files), made under
 * an exclusive lock and renamed into place whole, used under a shared lock
 * that --image-prune respects. */
#ifndef KRUNSH_OCI_IMAGE_CACHE_H
#define KRUNSH_OCI_IMAGE_CACHE_H

#include "cli/oci/image_layout.h"

#include <stddef.h>

/* The cache's directory (made if missing, 0700). 0, or -1 with err. */
int image_cache_dir(char *out, size_t size, struct error *err);

/* Makes an entry's tree in dir (which does not exist yet). */
typedef int (*image_fill_fn)(const char *dir, void *data, struct error *err);

/* The entry of key (a sha256 in hex): made by fill, under the cache's
 * exclusive lock, if the cache has none. *lock_fd holds a shared lock on
 * it until closed; *made says whether this run made it. 0 with the entry's
 * directory in out, or -1 with err. */
int image_cache_get(const char *key, image_fill_fn fill, void *data, char *out, size_t size,
		    int *lock_fd, int *made, struct error *err);

/* Removes a tree the cache made (never following a symlink). */
void image_cache_remove(const char *path);
/* Removes every entry no run holds; *removed counts them. */
int image_cache_prune(size_t *removed, struct error *err);

/* Runs argv (a tool: skopeo, umoci) to its end; its stdout goes to out
 * (at most size bytes; *length, NULL out: to /dev/null), its last stderr
 * line into err when it fails. 0, or -1. */
int image_tool_run(const char *const argv[], char *out, size_t size, size_t *length,
		   struct error *err);

#endif
