/* Commands that arrive on stdin while they run (line mode and --script
 * from a pipe): each complete line goes to the guest's shell as soon as it
 * is read, so its output comes while later lines are not written yet. */
#ifndef KRUNSH_CLI_STREAM_H
#define KRUNSH_CLI_STREAM_H

#include "lib/exec/line_script.h"
#include "lib/vm/vm_run.h"

/* Runs the execution `job` (JOB_SCRIPT_STREAM) on vm, feeding it what
 * script_stream_input makes of fd in, until it ends. A piece of input
 * refused (a NUL byte, a line that needs the next ones, too much input)
 * ends the feed: what was fed still runs, and refused says why (the run
 * then fails with 125). */
void stream_run(struct vm *vm, const struct vm_job *job, int in, struct script *script,
		double deadline, struct vm_run_result *run, struct error *refused);

#endif
