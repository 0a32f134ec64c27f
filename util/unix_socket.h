#ifndef KRUNSH_UNIX_SOCKET_H
#define KRUNSH_UNIX_SOCKET_H

#include "util/error.h"

/* A listening unix stream socket bound at path (CLOEXEC; extra_flags such
 * as SOCK_NONBLOCK are added). Returns the fd or -1. */
int unix_listen(const char *path, int extra_flags, struct error *err);

#endif
