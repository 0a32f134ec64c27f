/* --engine auto prefers libkrun (KVM, tiny VMM) and falls back to QEMU,
 * which can always run under TCG. */
#include "lib/engine/engine.h"

#include <stdio.h>
#include <string.h>

const struct engine *engine_select(const struct vm_spec *opts, struct engine_probe *probe,
				   struct error *err)
{
	if (strcmp(opts->engine, "qemu") == 0)
		return engine_qemu.probe(opts, probe, err) == 0 ? &engine_qemu : NULL;
	if (strcmp(opts->engine, "krun") == 0)
		return engine_krun.probe(opts, probe, err) == 0 ? &engine_krun : NULL;

	struct error krun_err = {0};
	if (engine_krun.probe(opts, probe, &krun_err) == 0) {
		log_verbose_message("engine auto: krun (%s)", probe->reason);
		return &engine_krun;
	}
	if (engine_qemu.probe(opts, probe, err) < 0)
		return NULL;
	log_verbose_message("engine auto: qemu, because krun is not usable: %s", krun_err.message);
	return &engine_qemu;
}

const struct engine *engine_named(const char *name)
{
	if (strcmp(name, engine_qemu.name) == 0)
		return &engine_qemu;
	if (strcmp(name, engine_krun.name) == 0)
		return &engine_krun;
	return NULL;
}
