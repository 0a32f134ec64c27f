/* The library's error (struct krunsh_error) as the command's own (struct
 * error, printed once by main): one line, as the library wrote it. */
#ifndef KRUNSH_CLI_API_ERROR_H
#define KRUNSH_CLI_API_ERROR_H

#include "krunsh/krunsh.h"
#include "util/error.h"

static inline void error_from_api(struct error *err, const struct krunsh_error *e)
{
	error_set(err, 0, "%s", e->message);
}

#endif
