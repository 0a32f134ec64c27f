/* The library test programs' one VM: ENGINE and AGENT from their command
 * line, everything else the defaults. NULL (the reason on stderr, after
 * "WHO: ") when it does not start. */
#ifndef KRUNSH_TEST_VM_H
#define KRUNSH_TEST_VM_H

#include <krunsh/krunsh.h>

#include <stdio.h>

static inline krunsh_vm *test_vm_start(const char *who, const char *engine, const char *agent)
{
	struct krunsh_host host = {.agent = agent};
	struct krunsh_vm_spec spec = {.engine = engine, .cancel_fd = -1, .host = &host};
	struct krunsh_error err;
	krunsh_vm *vm;
	if (krunsh_vm_start(&spec, &vm, &err) < 0) {
		fprintf(stderr, "%s: %s\n", who, err.message);
		return NULL;
	}
	return vm;
}

#endif
