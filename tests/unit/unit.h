/* A minimal test harness for the unit tests: each test is a function
 * returning 0 on success; EXPECT prints where and what failed and returns 1.
 * Output is "ok N - name" / "not ok N - name" lines, as tests/run-unit.sh
 * counts them. */
#ifndef KRUNSH_UNIT_H
#define KRUNSH_UNIT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EXPECT(cond)                                                                     \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stdout, "#   %s:%d: expected %s\n", __FILE__, __LINE__, #cond); \
			return 1;                                                        \
		}                                                                        \
	} while (0)

#define EXPECT_STR(actual, expected)                                                      \
	do {                                                                              \
		const char *a_ = (actual), *e_ = (expected);                              \
		if (!a_ || strcmp(a_, e_) != 0) {                                         \
			fprintf(stdout, "#   %s:%d: %s is [%s], expected [%s]\n", __FILE__, \
				__LINE__, #actual, a_ ? a_ : "(null)", e_);               \
			return 1;                                                         \
		}                                                                         \
	} while (0)

static int unit_number, unit_failed;

static inline void unit_case(const char *name, int (*fn)(void))
{
	int r = fn();
	unit_number++;
	if (r)
		unit_failed++;
	printf("%sok %d - %s\n", r ? "not " : "", unit_number, name);
	fflush(stdout);
}

#define RUN(fn) unit_case(#fn, fn)

/* "krunsh" and the arguments up to NULL, as main's argv (cli_parse does
 * not write to it); valid until the next call. */
static inline char **unit_argv(int *argc, const char *first, va_list ap)
{
	static char *argv[32];
	int n = 0;
	argv[n++] = (char *)"krunsh";
	for (const char *a = first; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	argv[n] = NULL;
	*argc = n;
	return argv;
}

static inline int unit_finish(void)
{
	printf("1..%d\n", unit_number);
	return unit_failed ? 1 : 0;
}

#endif
