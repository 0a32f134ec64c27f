/* Where --report FILE goes. The path is opened before the VM starts, so an
 * unwritable report fails the run before any command runs. What the path
 * names is respected: a regular file (through any symlinks) is replaced
 * atomically, through a temp file beside it that exists under a name only
 * for the instant of the rename; anything else (a FIFO, a device, a
 * terminal, /dev/stderr, a process substitution) is written into, never
 * replaced. */
#ifndef KRUNSH_REPORT_FILE_H
#define KRUNSH_REPORT_FILE_H

#include "util/error.h"

#include <stddef.h>

struct report_file {
	int fd;
	int replace;	   /* regular file: link the unnamed temp fd, rename */
	char target[4096]; /* the regular file to replace (symlinks resolved) */
};

int report_file_open(const char *path, struct report_file *out, struct error *err);
/* Writes the whole report and commits it (rename or just close). */
int report_file_commit(struct report_file *f, const char *data, size_t length, struct error *err);
/* Drops it without a trace (nothing was linked under a name yet). */
void report_file_discard(struct report_file *f);

#endif
