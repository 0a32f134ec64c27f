/* Reading the commands when they are a file (krunsh FILE). */
#ifndef KRUNSH_CLI_INPUT_FILE_H
#define KRUNSH_CLI_INPUT_FILE_H

#include "lib/exec/line_script.h"
#include "util/error.h"

#include <stddef.h>

/* The same bound as line mode's (SCRIPT_INPUT_MAX). */
#define INPUT_MAX SCRIPT_INPUT_MAX

int input_read_fd(int fd, char **out, size_t *length, struct error *err);
int input_read_file(const char *path, char **out, size_t *length, struct error *err);

#endif
