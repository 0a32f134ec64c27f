/* --report FILE: a JSON summary of the run, schema in README.md. */
#ifndef KRUNSH_REPORT_H
#define KRUNSH_REPORT_H

#include "lib/engine/engine.h"
#include "cli/options.h"
#include "cli/report_file.h"
#include "lib/exec/line_script.h"
#include "lib/vm/vm_run.h"

struct run_summary {
	const struct options *opts;
	const char *engine;
	const struct engine_probe *probe; /* NULL if no engine was chosen */
	const struct script *script;
	const struct vm_run_result *run; /* NULL if no VM ran */
	double total_seconds;
	int exit_status;
	const char *error; /* krunsh's own error, or NULL */
};

/* Writes the summary into the report opened before the run. */
int report_write(struct report_file *file, const struct run_summary *summary, struct error *err);

#endif
