/* Every variable of the environment krunsh reads for itself (the guest's
 * environment is guest_env.c's): KRUNSH_* overrides of its parts and
 * TMPDIR, HOME, XDG_CACHE_HOME, PATH, given to the library once. */
#ifndef KRUNSH_CLI_ENVIRONMENT_H
#define KRUNSH_CLI_ENVIRONMENT_H

#include "lib/spec/host_config.h"

void environment_read(struct host_config *config);

#endif
