/* -t, and krunsh with a terminal on stdin and nothing else to run: the
 * program (or an interactive shell) on a pseudo-terminal in the guest,
 * krunsh's own terminal raw meanwhile, its size followed. */
#ifndef KRUNSH_CLI_INTERACTIVE_H
#define KRUNSH_CLI_INTERACTIVE_H

#include "cli/options.h"
#include "krunsh/krunsh.h"

/* After the options, before the environment is built: decides whether the
 * run gets a terminal and, without a program, which shell (the --shell
 * one, else the guest's bash, else its sh) runs interactively. */
int interactive_prepare(struct options *opts, struct error *err);
/* Runs the execution on its terminal: raw mode while it runs, restored
 * before this returns, whatever ended it. */
void interactive_run(krunsh_exec *exec);

#endif
