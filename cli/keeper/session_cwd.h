/* A session's working directory: a call without -w starts where the last
 * shell call of the session ended (its final cd), the first one where
 * krunsh is called from, as a fresh run. The guest shell keeps it in a
 * file of the session's VM, read at the start and written at the exit of
 * every shell call: no process is started for it. */
#ifndef KRUNSH_SESSION_CWD_H
#define KRUNSH_SESSION_CWD_H

#include "cli/options.h"

/* The session's prologue for the script (krunsh_proc_spec.prologue), in
 * shell modes only: NULL for a program run with --, which starts in -w or
 * krunsh's directory and leaves the session's as it was. */
const char *session_cwd_prologue(const struct options *opts);

#endif
