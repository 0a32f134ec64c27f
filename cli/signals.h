/* krunsh's terminating signals (SIGINT, SIGTERM, SIGHUP) become bytes on a
 * pipe the library polls as its cancel fd; SIGALRM interrupts a blocked
 * write to a stopped terminal; SIGPIPE is ignored. The library installs
 * no handler of its own. */
#ifndef KRUNSH_CLI_SIGNALS_H
#define KRUNSH_CLI_SIGNALS_H

int signals_install(void);
/* Readable once a terminating signal came; each byte is its number. */
int signals_fd(void);

#endif
