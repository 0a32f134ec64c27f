/* What the guest needs to run the user's commands, as job records. */
#ifndef KRUNSH_JOB_BUILD_H
#define KRUNSH_JOB_BUILD_H

#include "proto/protocol.h"
#include "cli/options.h"
#include "lib/util/error.h"
#include "cli/script.h"

/* The guest gets this minimal environment plus what -e asks for, never the
 * host's environment wholesale. */
#define GUEST_ENV_DEFAULTS "PATH, HOME, TERM, LANG"

/* Volume i is the virtio-fs tag VOLUME_TAG_PREFIX + i on every engine. */
#define VOLUME_TAG_PREFIX "krunsh-vol"

int job_build(const struct options *opts, const struct script *script, struct job_buffer *out,
	      struct error *err);

#endif
