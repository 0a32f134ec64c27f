/* Exec mode as a test runner's -exec: the files a Go test binary is told
 * to write (-test.coverprofile=... and the other output flags, which `go
 * test` points into its build directory) must land on the host, as they
 * would natively, not in the guest's throw-away overlay. Each such
 * directory becomes a read-write volume at the same path. */
#ifndef KRUNSH_RUNNER_OUTPUTS_H
#define KRUNSH_RUNNER_OUTPUTS_H

#include "util/error.h"

struct options;

/* Adds the volumes for exec mode's output flags (nothing in other modes,
 * nothing for a directory a --volume already covers). -1 on a bad path. */
int runner_outputs_add_volumes(struct options *opts, struct error *err);

#endif
