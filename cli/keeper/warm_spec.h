/* What a warm VM is (warm_keeper.h): the VM options of the `--warm N`
 * call and the settings of krunsh's own environment that shape a VM, as
 * session_options.h's text, so that a run can be checked against it: a
 * run whose text differs anywhere boots cold, and the first difference
 * says why. */
#ifndef KRUNSH_WARM_SPEC_H
#define KRUNSH_WARM_SPEC_H

#include "cli/options.h"

#include <stddef.h>

/* engine: the engine the VM runs (or would run) on. -1 if it does not fit. */
int warm_spec_describe(const struct options *opts, const char *engine, char *out, size_t size);
/* 0 when run_text asks for what warm_text has; else 1 and a one-line
 * reason naming the first difference. */
int warm_spec_differs(const char *warm_text, const char *run_text, char *why, size_t size);

#endif
