#include "cli/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *room(struct json_buffer *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (b->length + n + 1 > b->capacity) {
		size_t cap = b->capacity ? b->capacity : 4096;
		while (cap < b->length + n + 1)
			cap *= 2;
		char *grown = realloc(b->data, cap);
		if (!grown) {
			b->failed = 1;
			return NULL;
		}
		b->data = grown;
		b->capacity = cap;
	}
	return b->data + b->length;
}

static void append(struct json_buffer *b, const char *s, size_t n)
{
	char *p = room(b, n);
	if (!p)
		return;
	memcpy(p, s, n);
	b->length += n;
	b->data[b->length] = '\0';
}

void json_raw(struct json_buffer *b, const char *text)
{
	append(b, text, strlen(text));
}

void json_format(struct json_buffer *b, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text)) {
		b->failed = 1;
		return;
	}
	append(b, text, (size_t)n);
}

void json_string(struct json_buffer *b, const void *bytes, size_t length)
{
	const unsigned char *s = bytes;
	/* Worst case: every byte becomes \u00XX. */
	char *p = room(b, length * 6 + 2);
	if (!p)
		return;
	char *start = p;
	*p++ = '"';
	for (size_t i = 0; i < length; i++) {
		unsigned char c = s[i];
		const char *short_escape = c == '"'    ? "\\\""
					   : c == '\\' ? "\\\\"
					   : c == '\n' ? "\\n"
					   : c == '\r' ? "\\r"
					   : c == '\t' ? "\\t"
						       : NULL;
		if (short_escape) {
			*p++ = short_escape[0];
			*p++ = short_escape[1];
		} else if (c < 0x20 || c == 0x7f) {
			p += sprintf(p, "\\u%04x", c);
		} else {
			*p++ = (char)c;
		}
	}
	*p++ = '"';
	*p = '\0';
	b->length += (size_t)(p - start);
}

void json_base64(struct json_buffer *b, const void *bytes, size_t length)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *s = bytes;
	char *p = room(b, (length + 2) / 3 * 4 + 2);
	if (!p)
		return;
	char *start = p;
	*p++ = '"';
	for (size_t i = 0; i < length; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < length)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < length)
			v |= s[i + 2];
		*p++ = alphabet[(v >> 18) & 63];
		*p++ = alphabet[(v >> 12) & 63];
		*p++ = i + 1 < length ? alphabet[(v >> 6) & 63] : '=';
		*p++ = i + 2 < length ? alphabet[v & 63] : '=';
	}
	*p++ = '"';
	*p = '\0';
	b->length += (size_t)(p - start);
}

void json_bytes_field(struct json_buffer *b, const char *name, const void *bytes, size_t length)
{
	int text = utf8_valid(bytes, length);
	json_format(b, "\"%s%s\":", name, text ? "" : "_base64");
	if (text)
		json_string(b, bytes, length);
	else
		json_base64(b, bytes, length);
}

void json_buffer_reset(struct json_buffer *b)
{
	b->length = 0;
	b->failed = 0;
	if (b->data)
		b->data[0] = '\0';
}

void json_buffer_free(struct json_buffer *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* The length of the character a lead byte starts, 0 if it starts none,
 * and the range its second byte must be in (which rules out overlong
 * forms, surrogates and code points above U+10FFFF). */
static size_t utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		if (c == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/* Bytes of s[i..] that are a valid start of one character (all of it, or
 * as much as there is): its full length, or 0 when invalid. */
static size_t utf8_char(const unsigned char *s, size_t length, size_t i, size_t *present)
{
	unsigned char lo, hi;
	size_t n = utf8_lead(s[i], &lo, &hi);
	if (n == 0)
		return 0;
	*present = 1;
	for (size_t k = 1; k < n; k++) {
		if (i + k >= length)
			return n;
		unsigned char c = s[i + k];
		if (k == 1 ? c < lo || c > hi : c < 0x80 || c > 0xbf)
			return 0;
		(*present)++;
	}
	return n;
}

int utf8_valid(const unsigned char *s, size_t length)
{
	for (size_t i = 0; i < length;) {
		size_t present = 0, n = utf8_char(s, length, i, &present);
		if (n == 0 || present < n)
			return 0;
		i += n;
	}
	return 1;
}

size_t utf8_incomplete_tail(const unsigned char *s, size_t length)
{
	for (size_t back = 1; back <= 3 && back <= length; back++) {
		size_t i = length - back;
		if ((s[i] & 0xc0) == 0x80)
			continue; /* a continuation byte: its lead is further back */
		size_t present = 0, n = utf8_char(s, length, i, &present);
		return n > back && present == back ? back : 0;
	}
	return 0;
}
