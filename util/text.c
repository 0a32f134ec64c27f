#include "util/text.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Length of the well-formed UTF-8 sequence at p (2-4 bytes) for a code
 * point that is not a C1 control, a surrogate or beyond U+10FFFF; 0 for
 * anything else. */
static size_t utf8_printable_length(const unsigned char *p, size_t left)
{
	size_t n = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || n > left || p[0] > 0xf4)
		return 0;
	uint32_t cp = p[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	static const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
	if (cp < smallest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
		return 0;
	return n;
}

size_t text_sanitize(char *out, size_t size, const void *in, size_t length, size_t limit)
{
	const unsigned char *p = in;
	size_t o = 0, chars = 0, i = 0;
	if (size == 0)
		return 0;
	while (i < length) {
		size_t n = p[i] >= 0x80 ? utf8_printable_length(p + i, length - i) : 1;
		size_t width = n ? n : 1;
		if (chars == limit || o + width + 4 > size) {
			if (o + 4 <= size) {
				memcpy(out + o, "...", 3);
				o += 3;
			}
			break;
		}
		if (n > 1) {
			memcpy(out + o, p + i, n);
		} else {
			unsigned char c = p[i];
			out[o] = c == '\n' ? ' ' : (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
		}
		o += width;
		i += width;
		chars++;
	}
	out[o] = '\0';
	return o;
}

void text_format(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= size && size > 3)
		memcpy(out + size - 4, "...", 4);
}
