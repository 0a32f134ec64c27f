/* For unit tests of the library's internals driven by command lines: the
 * library's own specs (lib/spec/spec.h) for what cli_parse's options ask,
 * made the way a run makes them: cli/run_spec.c's public specs, converted
 * by lib/api/spec_convert.c, line mode set as lib/api/lines.c sets it. */
#ifndef KRUNSH_UNIT_SPECS_H
#define KRUNSH_UNIT_SPECS_H

#include "cli/options.h"
#include "cli/run_spec.h"
#include "lib/api/spec_convert.h"

#include <stdlib.h>
#include <string.h>

struct unit_specs {
	struct run_spec run;
	struct vm_spec vm;
	struct proc_spec proc;
	struct owned owned;
};

static inline void unit_specs_free(struct unit_specs *s)
{
	resources_free(&s->vm.resources);
	ulimits_free(&s->proc.ulimits);
	owned_free(&s->owned);
	run_spec_free(&s->run);
	memset(s, 0, sizeof(*s));
}

/* script: the commands (not a fed script); 0, or -1 with err. */
static inline int unit_specs_make(const struct options *opts, const char *script,
				  struct unit_specs *s, struct error *err)
{
	static const struct krunsh_host defaults;
	unit_specs_free(s);
	char *text = strdup(script);
	if (!text)
		return -1;
	run_spec_build(opts, &defaults, text, strlen(text), &s->run);
	if (spec_convert_vm(&s->run.vm, &s->vm, &s->owned, err) < 0 ||
	    spec_convert_proc(&s->run.proc, &s->vm, &s->proc, err) < 0)
		return -1;
	if (s->run.proc.lines) {
		s->proc.mode = PROC_LINES;
		s->proc.line_events = s->run.proc.line_results || opts->events;
		s->proc.line_starts = opts->events;
	}
	return 0;
}

#endif
