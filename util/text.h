/* Text that krunsh prints but did not write itself (a guest's error
 * message, a VMM's log line, a line of the user's script) goes through
 * here first: one line, no control bytes, so that it can neither forge a
 * line of krunsh's own nor send escape sequences to the user's terminal. */
#ifndef KRUNSH_TEXT_H
#define KRUNSH_TEXT_H

#include <stddef.h>

/* Copies up to `limit` characters of in[0..length) into out (always
 * NUL-terminated, at most size - 1 bytes): printable ASCII and well-formed
 * UTF-8 above the C1 controls as they are, newlines as spaces,
 * every other byte as '?', and "..." where it was cut. Returns the length
 * written. */
size_t text_sanitize(char *out, size_t size, const void *in, size_t length, size_t limit);

/* snprintf for a message (a -V line, an engine's reason) that may be cut to
 * fit: what does not fit ends in "...". Never for paths (util/path.h). */
void text_format(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
