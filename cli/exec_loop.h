/* The krunsh command's event loop around one execution: the library's fds
 * (krunsh_exec_pollfds / krunsh_exec_dispatch) and, beside them, one fd of
 * the caller's own (stdin to feed, the window-size pipe of -t). */
#ifndef KRUNSH_CLI_EXEC_LOOP_H
#define KRUNSH_CLI_EXEC_LOOP_H

#include "krunsh/krunsh.h"

struct exec_loop_source {
	/* The fd to watch for input in this round of the loop; -1: none
	 * (ended, or held back for now). */
	int (*fd)(void *data);
	/* It has input (or hung up). */
	void (*ready)(void *data);
	void *data;
};

/* Until the execution ends, or poll fails (krunsh_exec_finish then waits
 * for the end). */
void exec_loop_run(krunsh_exec *exec, const struct exec_loop_source *source);

#endif
