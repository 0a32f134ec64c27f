/* util/path.c: a joined path that fits is exact; one that does not is
 * an error with a message, never a truncated path. */
#include "util/path.h"
#include "tests/unit/unit.h"

#include <errno.h>

static int test_path_join_puts_one_slash_between(void)
{
	char out[64];
	EXPECT(path_join(out, sizeof(out), "/run/x", "vmm.log", NULL) == 0);
	EXPECT_STR(out, "/run/x/vmm.log");
	EXPECT(path_join(out, sizeof(out), "/", "etc/passwd", NULL) == 0);
	EXPECT_STR(out, "/etc/passwd");
	EXPECT(path_join(out, sizeof(out), "/home/", "u", NULL) == 0);
	EXPECT_STR(out, "/home/u");
	EXPECT(path_join(out, sizeof(out), "/a", NULL, NULL) == 0);
	EXPECT_STR(out, "/a");
	return 0;
}

static int test_path_join_that_just_fits(void)
{
	char out[8]; /* "/ab/cde" is 7 bytes and the NUL */
	EXPECT(path_join(out, sizeof(out), "/ab", "cde", NULL) == 0);
	EXPECT_STR(out, "/ab/cde");
	return 0;
}

static int test_path_join_too_long_is_an_error_not_a_shorter_path(void)
{
	char out[8];
	struct error err = {0};
	errno = 0;
	EXPECT(path_join(out, sizeof(out), "/ab", "cdef", &err) == -1);
	EXPECT(errno == ENAMETOOLONG);
	EXPECT_STR(out, "");
	EXPECT(err.errnum == ENAMETOOLONG);
	EXPECT(strstr(err.message, "/ab/cdef") != NULL);
	EXPECT(strstr(err.message, "at most 7 bytes") != NULL);
	/* Without an error to fill, errno alone says it. */
	errno = 0;
	EXPECT(path_join(out, sizeof(out), "/abcdefgh", NULL, NULL) == -1);
	EXPECT(errno == ENAMETOOLONG);
	EXPECT_STR(out, "");
	return 0;
}

int main(void)
{
	RUN(test_path_join_puts_one_slash_between);
	RUN(test_path_join_that_just_fits);
	RUN(test_path_join_too_long_is_an_error_not_a_shorter_path);
	return unit_finish();
}
