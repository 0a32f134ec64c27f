#include "util/path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int path_join(char *out, size_t size, const char *a, const char *b, struct error *err)
{
	const char *slash = b && !(a[0] && a[strlen(a) - 1] == '/') ? "/" : "";
	int n = snprintf(out, size, "%s%s%s", a, slash, b ? b : "");
	if (n >= 0 && (size_t)n < size)
		return 0;
	if (size)
		out[0] = '\0';
	if (err)
		error_set(err, ENAMETOOLONG, "path too long (at most %zu bytes): %s%s%s", size - 1,
			  a, slash, b ? b : "");
	errno = ENAMETOOLONG;
	return -1;
}
