/* Every variable of the environment krunsh reads for itself (the guest's
 * environment is guest_env.c's): KRUNSH_* overrides of its parts and
 * TMPDIR, HOME, XDG_CACHE_HOME, PATH, given to the library in its specs
 * (krunsh_vm_spec.host). */
#ifndef KRUNSH_CLI_ENVIRONMENT_H
#define KRUNSH_CLI_ENVIRONMENT_H

#include "krunsh/krunsh.h"

/* Read at each call, into the same struct; the strings are the
 * environment's. */
const struct krunsh_host *environment_host(void);
/* KRUNSH_BOOT_TIMEOUT: seconds per boot attempt (default 20). */
double environment_boot_timeout(void);

#endif
