/* The line that says what the commands left under the working directory,
 * thrown away with the VM (cli/discarded_message.c). */
#ifndef KRUNSH_CLI_DISCARDED_MESSAGE_H
#define KRUNSH_CLI_DISCARDED_MESSAGE_H

#include "krunsh/krunsh.h"

#include <stddef.h>

/* The line (without "krunsh: ") for what the result reports, under
 * root_dir (NULL: the host's /) and workdir; 0 when it reports nothing. */
size_t discarded_message(char *out, size_t size, const char *root_dir, const char *workdir,
			 const struct krunsh_exec_result *r);

#endif
