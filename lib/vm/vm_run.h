/* Starts a VM with the chosen engine and runs one session with it, with the
 * boot watchdog's single retry; always leaves no process or file behind. */
#ifndef KRUNSH_VM_RUN_H
#define KRUNSH_VM_RUN_H

#include "lib/engine/engine.h"
#include "lib/vm/session.h"

struct vm_run_result {
	struct session_result session;
	int watchdog_retries;
	char vmm_log_tail[600]; /* last lines the VMM printed, for failures */
	char vmm_cause[600];	/* a known cause found in the log (vmm_log.h), or "" */
};

/* What the session sends and what it may expect back. */
struct vm_job {
	const unsigned char *data;
	size_t length;
	size_t line_count; /* line mode: lines of the script, else 0 */
	int line_results;  /* --report asked for a result per line */
};

int vm_run(const struct engine *engine, const struct engine_probe *probe,
	   const struct options *opts, const struct vm_job *job, double deadline,
	   struct vm_run_result *out, struct error *err);

#endif
