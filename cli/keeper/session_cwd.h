/* A session's working directory: a call without -w starts where the last
 * shell call of the session ended (its final cd), the first one where
 * krunsh is called from, as a fresh run. The guest shell keeps it in a
 * file of the session's VM, read at the start and written at the exit of
 * every shell call: no process is started for it. */
#ifndef KRUNSH_SESSION_CWD_H
#define KRUNSH_SESSION_CWD_H

#include "cli/options.h"
#include "lib/exec/line_script.h"

/* Puts the session's prologue before the script's text (shell modes
 * only; a program run with -- starts in -w or krunsh's directory and
 * leaves the session's as it was). -1 when out of memory. */
int session_cwd_wrap(const struct options *opts, struct script *script);

#endif
