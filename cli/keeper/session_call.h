/* One krunsh call in a session (--session NAME): finds the session's
 * keeper or starts one, borrows its VM for the call's one execution, and
 * gives it back, saying whether the execution ended by its exit (then the
 * session lives on) or not (then the keeper ends it). Also --end. */
#ifndef KRUNSH_SESSION_CALL_H
#define KRUNSH_SESSION_CALL_H

#include "cli/options.h"
#include "krunsh/krunsh.h"

#include <stdint.h>
#include <sys/types.h>

struct session_call {
	int conn;
	uint32_t execs_done;
};

/* 0 with *vm (borrowed: give it back with session_call_end); 0 with *vm
 * NULL and *decided the exit status when the session's VM did not boot
 * (its messages were printed); -1 with err (exit 125). */
int session_call_begin(struct options *opts, double boot_timeout, double deadline,
		       struct session_call *call, krunsh_vm **vm, int *decided, struct error *err);
/* clean: the execution ended by its exit (KRUNSH_EXEC_EXITED). */
void session_call_end(struct session_call *call, krunsh_vm *vm, int clean);
/* --end: 0 once the session is gone, -1 with err (no such session, ...). */
int session_end(const struct options *opts, struct error *err);

#endif
