/* One warm VM's holder: a child of the warm keeper that boots the VM,
 * lends it to the keeper over their socket pair (a REPLY carrying the
 * VM's channel and log, or why it did not boot) and holds its VMM until
 * SIGTERM, the VM's death or the keeper's: then it stops the VM, removes
 * its files and exits. One process a VM, so that a VM that hangs in its
 * boot or its end holds up nothing else, and the keeper's own loop never
 * blocks on a boot. The holder dies with the keeper (PR_SET_PDEATHSIG),
 * and its VMM with the holder. */
#ifndef KRUNSH_WARM_HOLDER_H
#define KRUNSH_WARM_HOLDER_H

#include "cli/options.h"
#include "krunsh/krunsh.h"

struct warm_holder_start {
	const struct krunsh_vm_spec *vm; /* the holder sets its cancel fd and log */
	int janitor_pipe;		 /* kept open for the holder's life (keeper_files.h) */
};

/* The holder's pid and *ctl_fd, the keeper's end of the pair; -1 with
 * errno. */
pid_t warm_holder_start(const struct warm_holder_start *hs, int *ctl_fd);

#endif
