/* --report FILE: a JSON summary of the run, schema in README.md. */
#ifndef KRUNSH_REPORT_H
#define KRUNSH_REPORT_H

#include "cli/options.h"
#include "cli/report_file.h"
#include "krunsh/krunsh.h"

/* What the report says of the VM (krunsh_vm_info's, kept past its stop). */
struct report_vm {
	char engine[16], accelerator[16];
	char kernel[4096], kernel_release[256]; /* "" when unknown */
	double boot_seconds;
	int watchdog_retries;
};
void report_vm_facts(const krunsh_vm *vm, struct report_vm *out);

struct run_summary {
	const struct options *opts;
	const struct report_vm *vm;		 /* NULL if no engine was chosen */
	const struct krunsh_exec_result *result; /* NULL if no VM ran */
	double total_seconds;
	int exit_status;
	const char *error; /* krunsh's own error, or NULL */
};

/* Writes the summary into the report opened before the run. */
int report_write(struct report_file *file, const struct run_summary *summary, struct error *err);

#endif
