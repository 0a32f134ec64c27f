/* What the public API's handles hold (include/krunsh/krunsh.h): a VM
 * (lib/api/vm.c) and one execution in it (lib/api/exec.c). */
#ifndef KRUNSH_API_H
#define KRUNSH_API_H

#include "krunsh/krunsh.h"
#include "lib/api/spec_convert.h"
#include "lib/engine/engine.h"
#include "lib/exec/job_build.h"
#include "lib/exec/line_script.h"
#include "lib/vm/vm_run.h"

struct krunsh_exec {
	struct krunsh_vm *vm;
	struct job_buffer job;
	struct vm_job vm_job;
	char workdir[4096]; /* for the discarded files' paths */
	int ended;
	int fed, feed_ended; /* a fed script; its end given */
	/* Line mode: its program (lib/exec/line_script.h), what was refused of
	 * a feed, and the caller's event callback, to which line events go
	 * with their line's text. */
	int lines;
	struct script script;
	struct error refused;
	krunsh_event_fn on_event;
	void *event_data;
};

/* Line mode (lib/api/lines.c): the program of proc's script, or of a feed
 * yet to come; the execution's feed; the result's lines. */
int api_lines_begin(struct krunsh_exec *e, const struct krunsh_proc_spec *proc,
		    const struct krunsh_io *io, struct proc_spec *spec, struct error *err);
/* The vm_job of a line-mode execution: its line count bounds the line
 * events the guest may send, and its events get their line's text. */
void api_lines_job(struct krunsh_exec *e);
int api_lines_feed_taken(struct krunsh_exec *e);
int api_lines_feed(struct krunsh_exec *e, const void *data, size_t length, int eof);
void api_lines_result(struct krunsh_exec *e, struct krunsh_exec_result *result);

struct krunsh_vm {
	struct vm_spec spec; /* as the engines read it */
	struct owned owned;  /* spec's strings */
	struct host_config host;
	const struct engine *engine;
	struct engine_probe probe;
	/* krunsh_vm_boot's, from the spec */
	double boot_timeout, start_timeout;
	int cancel_fd, freeze_first_boot;
	struct vm *vm; /* NULL until booted */
	struct vm_run_result run;
	struct krunsh_exec *running;
};

/* err from one of the library's own errors; -1. */
int api_fail(struct krunsh_error *err, int code, const struct error *inner);
int api_fail_text(struct krunsh_error *err, int code, const char *text);
double api_deadline(double timeout);
/* How the last wait on k ended, as the API says it; workdir (or NULL)
 * makes the discarded files' first path absolute. */
void api_result(const struct krunsh_vm *k, const char *workdir, struct krunsh_exec_result *out);

#endif
