/* The guest's environment as the command line decides it: which of the
 * host's variables go in (exec mode: all but the host-only ones, see
 * host_env.c; else PATH, HOME, TERM and LANG), and -e NAME resolved to the
 * host's value. The library reads no environment of its own. */
#ifndef KRUNSH_CLI_GUEST_ENV_H
#define KRUNSH_CLI_GUEST_ENV_H

#include "cli/options.h"

/* Fills opts->proc.host_env and rewrites opts->proc.env with every entry
 * as NAME=VALUE; freed by cli_free. */
int guest_env_build(struct options *opts, struct error *err);

#endif
