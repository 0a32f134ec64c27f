/* Commands that arrive on stdin while they run (line mode and --script
 * from a pipe): each complete line goes to the guest's shell as soon as it
 * is read, so its output comes while later lines are not written yet. */
#ifndef KRUNSH_CLI_STREAM_H
#define KRUNSH_CLI_STREAM_H

#include "krunsh/krunsh.h"
#include "util/error.h"

/* Runs the execution (started with script_fed) until it ends, feeding it
 * what it reads from fd in. A piece the library refuses (a NUL byte, a
 * line that needs the next ones, too much input) ends the feed: what was
 * fed still runs, and the result's input_refused says why (the run then
 * fails with 125); so does read_failed when in could not be read. */
void stream_run(krunsh_exec *exec, int in, struct error *read_failed);

#endif
