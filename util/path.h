/* Paths built into fixed buffers: one that does not fit is an error with a
 * message, never a truncated path that open() would take for another file. */
#ifndef KRUNSH_PATH_H
#define KRUNSH_PATH_H

#include "util/error.h"

#include <stddef.h>

/* out = a "/" b (one slash between them; b NULL: a alone). -1 with errno
 * ENAMETOOLONG, out empty and (err not NULL) a message naming both parts if
 * it does not fit in size bytes. */
int path_join(char *out, size_t size, const char *a, const char *b, struct error *err);

/* PATH without "//", "." and a trailing "/", ".." taken lexically (a
 * user's -w as messages show it and checks compare it); cut to size. */
void path_normalize(const char *path, char *out, size_t size);

#endif
