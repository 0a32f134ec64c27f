/* krunsh --bundle DIR: an OCI runtime bundle (DIR/config.json and its root
 * file system) as one more producer of the VM's spec and the execution's.
 * Every field of config.json is either applied, ignored with a reason the
 * VM makes true (-V says each), or refused with one line naming it. */
#ifndef KRUNSH_OCI_BUNDLE_H
#define KRUNSH_OCI_BUNDLE_H

#include "cli/options.h"
#include "util/error.h"

/* What the flags set themselves, which the bundle must not override. */
struct bundle_overrides {
	int cpus, memory, workdir, hostname, user, program, commands;
};

/* Reads DIR/config.json into opts (opts->bundle keeps what it points to;
 * bundle_free). 0, or -1 with err naming the file and the field. */
int bundle_apply(const char *dir, const struct bundle_overrides *given, struct options *opts,
		 struct error *err);
void bundle_free(struct options *opts);

#endif
