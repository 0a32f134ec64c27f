#include "util/argv_list.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int argv_list_add(struct argv_list *a, const char *fmt, ...)
{
	if (a->argc + 1 >= (int)(sizeof(a->argv) / sizeof(a->argv[0])))
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(a->storage + a->used, sizeof(a->storage) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->storage) - a->used)
		return -1;
	a->argv[a->argc++] = a->storage + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

void argv_list_join(const struct argv_list *a, char *out, size_t size)
{
	if (!size)
		return;
	size_t used = 0;
	out[0] = '\0';
	for (int i = 0; i < a->argc; i++) {
		size_t length = strlen(a->argv[i]), separator = i ? 1 : 0;
		if (used + separator + length >= size) {
			if (size > 3)
				memcpy(out + (used + 3 < size ? used : size - 4), "...", 4);
			return;
		}
		if (separator)
			out[used++] = ' ';
		memcpy(out + used, a->argv[i], length + 1);
		used += length;
	}
}
