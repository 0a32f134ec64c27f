/* The warm keeper (issue 15): the per-user keeper of keeper.h holding a
 * pool of booted VMs of one spec instead of one session's VM. Each VM is
 * lent once: a run whose VM options match takes one (TAKE), gets its
 * channel over SCM_RIGHTS and relays the output itself; when the run's
 * connection closes, however the run ended (a SIGKILLed krunsh too), the
 * VM is stopped. A replacement starts booting as soon as a VM is taken,
 * in a holder process of its own (warm_holder.h), so that the pool keeps
 * `count` VMs booted or booting. A run that finds no VM free waits for a
 * booting one if fewer runs wait than VMs boot (it is up sooner than a
 * cold boot started now), else it is refused and boots cold. The keeper
 * exits, stopping every VM, on WARM 0 (or END), after its idle time (no
 * request, no VM lent), on a terminating signal; a SIGKILL takes the
 * holders and their VMMs with it, and the janitor removes the files. */
#ifndef KRUNSH_WARM_KEEPER_H
#define KRUNSH_WARM_KEEPER_H

#include "cli/keeper/keeper_dir.h"
#include "krunsh/krunsh.h"

/* Most VMs a keeper keeps booted (--warm N): enough for a burst of runs
 * back to back to find each its VM (an idle warm VM is about 100 MB of
 * the host's memory under TCG). WARM_MAX_TEXT is the same in words. */
#define WARM_MAX      32
#define WARM_MAX_TEXT "32"

struct warm_keeper_start {
	const struct keeper_paths *paths;
	const char *engine;		 /* the VMs' */
	const struct krunsh_vm_spec *vm; /* what each holder boots */
	const char *spec;		 /* warm_spec_describe's text of the VMs */
	double idle_seconds;
	int lock_fd; /* the keeper's lock, held for its life (by its janitor) */
};

/* Forks the keeper; once it listens (with no VM yet: a WARM request says
 * how many) returns its pid. -1 with err (its message when it failed to
 * set up). */
pid_t warm_keeper_start(const struct warm_keeper_start *ws, struct error *err);

#endif
