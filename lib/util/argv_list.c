#include "lib/util/argv_list.h"

#include <stdarg.h>
#include <stdio.h>

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
