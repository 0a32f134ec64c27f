/* A run on a warm VM (warm_keeper.h): asks the user's warm keeper for a
 * VM like the one the run needs and borrows its channel for the run's one
 * execution. Anything in the way (no keeper, KRUNSH_NO_WARM set, options
 * a warm VM lacks, no VM free) means a cold boot as before, and -V says
 * why in one line. */
#ifndef KRUNSH_WARM_CALL_H
#define KRUNSH_WARM_CALL_H

#include "cli/options.h"
#include "krunsh/krunsh.h"

struct warm_call {
	int conn; /* to the keeper: its close stops the VM; -1: none */
};

/* *vm a borrowed warm VM (give it back with warm_call_end), or NULL: boot
 * cold. */
void warm_call_begin(const struct options *opts, const char *engine, struct warm_call *call,
		     krunsh_vm **vm);
/* The VM's fds and the connection close: the keeper stops the VM. */
void warm_call_end(struct warm_call *call, krunsh_vm *vm);

#endif
