/* A session's keeper: the small per-user process that holds one VM across
 * krunsh calls. Started by the call that finds no session, it outlives
 * that call (its own session, no terminal, none of the caller's fds),
 * listens on the session's socket for calls of the same user, lends each
 * the VM's channel in turn (serialised: a call waits for the one before),
 * and stops the VM and removes every file of the session when asked to
 * (--end), after its idle time, when a call ends other than by its
 * commands' exit, or when its VM dies. A janitor child removes the
 * session's files even if the keeper is SIGKILLed; the VM's processes die
 * with the keeper as they die with krunsh.
 *
 * Issue 15's warm VMs are meant for this same keeper: a pool of VMs instead
 * of one, each lent once (the same vm_lend/vm_borrow, the same wire with
 * one more op) and stopped after its call while a replacement boots, under
 * a reserved session name; nothing here is specific to one VM but
 * keeper_serve's loop. */
#ifndef KRUNSH_KEEPER_H
#define KRUNSH_KEEPER_H

#include "cli/keeper/keeper_dir.h"
#include "cli/options.h"

#define KEEPER_DEFAULT_IDLE_SECONDS 300.0

struct keeper_start {
	const struct keeper_paths *paths;
	struct options *opts;
	double boot_timeout; /* per boot attempt (KRUNSH_BOOT_TIMEOUT) */
	double deadline;     /* of the boot: the starting call's --timeout */
	int lock_fd;	     /* the session's lock, held by the keeper for its life */
};

/* Forks the keeper; in the parent its pid and *boot_fd, the read end of a
 * pipe that carries the boot's messages, then one NUL byte once the VM is
 * up. EOF without it: the boot failed, the keeper's exit status says how
 * (its messages said why). -1 with err if it could not be forked. */
pid_t keeper_start(const struct keeper_start *ks, int *boot_fd, struct error *err);

#endif
