/* Small things every process krunsh forks does first: the library's
 * helpers, the keepers, the holders. */
#ifndef KRUNSH_UTIL_PROCESS_H
#define KRUNSH_UTIL_PROCESS_H

/* Closes every fd >= 3 but those in keep (the stdio and kept fds set up
 * by spawn): an fd krunsh inherited must not reach a VMM. At most
 * PROCESS_MAX_KEPT_FDS are kept (no caller needs more than two). */
#define PROCESS_MAX_KEPT_FDS 16
void process_close_inherited_fds(const int *keep, int keep_count);

/* Default dispositions for every signal, none blocked: what a child
 * forked with signals blocked (around fork) starts from. */
void process_reset_signals(void);

#endif
