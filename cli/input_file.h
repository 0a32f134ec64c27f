/* Reading the commands when they are a file (krunsh FILE). */
#ifndef KRUNSH_CLI_INPUT_FILE_H
#define KRUNSH_CLI_INPUT_FILE_H

#include "krunsh/krunsh.h"
#include "util/error.h"
#include "util/error.h"

#include <stddef.h>

/* The library's bound on a script. */
#define INPUT_MAX KRUNSH_INPUT_MAX

int input_read_fd(int fd, char **out, size_t *length, struct error *err);
int input_read_file(const char *path, char **out, size_t *length, struct error *err);

#endif
