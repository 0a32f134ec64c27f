/* Placeholder replaced by the libkrun engine (issue 3). */
#include "engine.h"

static int krun_probe(const struct options *opts, struct engine_probe *out, struct error *err)
{
	(void)opts;
	(void)out;
	error_set(err, 0, "the krun engine is not built yet");
	return -1;
}

static int krun_start(const struct engine_request *req, struct engine_vm *vm, struct error *err)
{
	(void)req;
	(void)vm;
	error_set(err, 0, "the krun engine is not built yet");
	return -1;
}

const struct engine engine_krun = {.name = "krun", .probe = krun_probe, .start = krun_start};
