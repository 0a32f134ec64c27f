/* `krunsh --warm N`: starts the user's warm keeper (warm_keeper.h) or
 * resizes it, and returns once N VMs are booted; `--warm 0` stops it and
 * returns once nothing of it is left. Nothing else starts a keeper: a
 * pool costs N VMs' memory for as long as it lives, so it is asked for. */
#ifndef KRUNSH_WARM_COMMAND_H
#define KRUNSH_WARM_COMMAND_H

#include "cli/keeper/warm_keeper.h"
#include "cli/options.h"

/* After parsing: --warm runs nothing and takes only the options that
 * shape the pool's VMs (--engine, --cpus, --memory, --kernel,
 * --libkrun) and its keeper's (--idle-timeout, -V). -1 with err. */
int warm_options_check(const struct options *opts, int runs_something, int brings_root,
		       struct error *err);
/* 0 once done; -1 with err. */
int warm_command(struct options *opts, struct error *err);

#endif
