/* krunsh's terminating signals (SIGINT, SIGTERM, SIGHUP) become bytes on a
 * pipe the library polls as its cancel fd; SIGALRM interrupts a blocked
 * write to a stopped terminal; SIGPIPE is ignored. The library installs
 * no handler of its own. */
#ifndef KRUNSH_CLI_SIGNALS_H
#define KRUNSH_CLI_SIGNALS_H

int signals_install(void);
/* Readable once a terminating signal came; each byte is its number. */
int signals_fd(void);
/* From now on SIGWINCH makes the returned fd readable (a pipe of its own:
 * a size change is no reason to stop); -1 if it cannot. */
int signals_watch_resize(void);
/* Empties that pipe: however many came, one new size to read. */
void signals_drain_resize(void);

#endif
