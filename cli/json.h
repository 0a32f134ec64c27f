/* JSON text built in memory, for --events: strings escaped so that any
 * bytes can be carried, and the check of which bytes can travel as a JSON
 * string at all (valid UTF-8) rather than as base64. */
#ifndef KRUNSH_CLI_JSON_H
#define KRUNSH_CLI_JSON_H

#include <stddef.h>

struct json_buffer {
	char *data;
	size_t length, capacity;
	int failed; /* out of memory once: the text is incomplete */
};

void json_raw(struct json_buffer *b, const char *text);
void json_format(struct json_buffer *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string of these bytes, which should be valid UTF-8: control
 * bytes, DEL, '"' and '\\' are escaped, the rest copied. */
void json_string(struct json_buffer *b, const void *bytes, size_t length);
/* "NAME":"…" when the bytes are valid UTF-8, else "NAME_base64":"…"
 * (RFC 4648, padded): either way the reader gets the bytes back exactly. */
void json_bytes_field(struct json_buffer *b, const char *name, const void *bytes, size_t length);
void json_base64(struct json_buffer *b, const void *bytes, size_t length);
void json_buffer_reset(struct json_buffer *b);
void json_buffer_free(struct json_buffer *b);

/* Whether bytes are valid UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
int utf8_valid(const unsigned char *s, size_t length);
/* How many bytes at the end of s begin a character that is not complete
 * yet (0-3): held back, they may be completed by the next bytes. */
size_t utf8_incomplete_tail(const unsigned char *s, size_t length);

#endif
