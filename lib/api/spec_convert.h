/* The public API's specs as the library's (lib/spec/spec.h). */
#ifndef KRUNSH_SPEC_CONVERT_H
#define KRUNSH_SPEC_CONVERT_H

#include "krunsh/krunsh.h"
#include "lib/spec/host_config.h"
#include "lib/spec/spec.h"
#include "util/error.h"

/* What a VM copied from the caller's spec: it outlives the spec. */
struct owned {
	void **items;
	size_t count;
	int failed;
};
void owned_free(struct owned *o);

/* Checks and converts; out's strings are copies kept in owned; -1 with
 * err (the message names the resource: its label, or "volume 2"). */
int spec_convert_vm(const struct krunsh_vm_spec *spec, struct vm_spec *out, struct owned *owned,
		    struct error *err);
int spec_convert_host(const struct krunsh_host *host, struct host_config *out, struct owned *owned,
		      struct error *err);
/* out points into proc (argv, env): it lives as long as proc; its
 * ulimits are out's own (ulimits_free). */
int spec_convert_proc(const struct krunsh_proc_spec *proc, const struct vm_spec *vm,
		      struct proc_spec *out, struct error *err);

#endif
