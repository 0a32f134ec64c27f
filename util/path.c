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

/* PATH without "//", "." and a trailing "/", ".." taken lexically: the
 * user's -w as the message and the checks below compare it. */
void path_normalize(const char *path, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (o + 1 + n < size) {
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == 0 && size > 1)
		out[o++] = '/';
	out[o] = '\0';
}
