/* The exit status of a run and the lines that say why (exit_status.c). */
#ifndef KRUNSH_CLI_EXIT_STATUS_H
#define KRUNSH_CLI_EXIT_STATUS_H

#include "cli/options.h"
#include "krunsh/krunsh.h"

/* "line N failed with status S: TEXT" for each failed line. */
void exit_status_report_failed_lines(const struct krunsh_exec_result *r);
/* Whether streamed input that was refused decides the run (then 125). */
int exit_status_refused_input_decides(const struct options *opts,
				      const struct krunsh_exec_result *r);
/* The status for how the run ended, its messages printed; workdir: where
 * the commands started (for the files thrown away). */
int exit_status_decide(const struct options *opts, const char *workdir,
		       const struct krunsh_exec_result *r);

#endif
