/* A session's VM options as text, one "--flag<TAB>value" line each, so
 * that a later call can be checked against them: options it gives must
 * have the session's value (an option it leaves out is the session's). */
#ifndef KRUNSH_SESSION_OPTIONS_H
#define KRUNSH_SESSION_OPTIONS_H

#include "cli/options.h"

#include <stddef.h>

/* The options in `which` (1 << enum vm_option); engine: the engine the VM
 * runs on (the session's), or NULL for opts->vm.engine. -1 if it does not
 * fit in size. */
int session_options_describe(const struct options *opts, const char *engine, unsigned which,
			     char *out, size_t size);
/* The first option of call_text whose value differs from held_text's
 * (an option held_text lacks has the value "(none)"), sanitised for a
 * message. */
struct options_difference {
	char flag[32], held[200], asked[200];
};
/* 0 when every line of call_text agrees with held_text; else 1 and *d. */
int session_options_difference(const char *held_text, const char *call_text,
			       struct options_difference *d);
/* 0 when every line of call_text agrees with session_text; else 1 and a
 * one-line reason naming the option. */
int session_options_conflict(const char *session_text, const char *call_text,
			     const char *session_name, char *why, size_t size);

#endif
