/* Reading the shared log of QEMU and its file servers when a VM dies
 * early: the engine's log hooks (struct engine). */
#ifndef KRUNSH_QEMU_LOG_H
#define KRUNSH_QEMU_LOG_H

#include <stddef.h>

/* A known cause behind the log's messages, said as what happened and what
 * to do, into cause; "" when none is recognised (the caller then guesses). */
void qemu_log_explain(const char *log, char *cause, size_t size);
/* Whether a log line is virtiofsd's vhost-user chatter, which always has
 * the last word when QEMU dies and never says why. */
int qemu_log_line_is_noise(const char *line);

#endif
