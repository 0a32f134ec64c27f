/* Files the commands write under the working directory land on the guest's
 * throw-away overlay and vanish with the VM (pytest --junitxml=r.xml says it
 * wrote r.xml, and there is none). krunsh says so in one line at the end:
 * how many, the first, and the --volume that would have kept them. The
 * guest counts them (agent/discarded.c) when the job asks; this
 * decides when to ask and words the line. */
#ifndef KRUNSH_DISCARDED_FILES_H
#define KRUNSH_DISCARDED_FILES_H

#include "lib/spec/spec.h"
#include "lib/vm/session.h"

#include <stddef.h>

/* Whether to ask the guest for a count. Not when nothing written there
 * could be kept or it is meant to vanish: a workdir of / (every write
 * anywhere would count, and a volume of / is the host itself), /tmp,
 * /var/tmp or /dev/shm themselves (scratch by convention; a directory
 * below them is asked for), or a workdir at or under a --volume (its files
 * persist) or a --tmpfs (asked to be thrown away). */
int discarded_files_wanted(const struct vm_spec *vm, const char *workdir);

/* The first path as an absolute guest path, sanitised (for --report). */
void discarded_files_first(char *out, size_t size, const char *workdir,
			   const struct discarded_files *d);

#endif
