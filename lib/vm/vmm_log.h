/* Reading the VMM's and file servers' shared log when a VM dies early. */
#ifndef KRUNSH_VMM_LOG_H
#define KRUNSH_VMM_LOG_H

#include <stddef.h>

/* A known cause behind the log's messages, said as what happened and what
 * to do, into cause; "" when none is recognised (the caller then guesses). */
void vmm_log_explain(const char *log, char *cause, size_t size);

#endif
