/* util/argv_list.c: a bounded command line, and its -V line. */
#include "util/argv_list.h"
#include "tests/unit/unit.h"

static struct argv_list list;

static int test_argv_list_join_separates_words_by_one_space(void)
{
	memset(&list, 0, sizeof(list));
	EXPECT(argv_list_add(&list, "qemu") == 0);
	EXPECT(argv_list_add(&list, "-m") == 0);
	EXPECT(argv_list_add(&list, "%uM", 512u) == 0);
	char line[64];
	argv_list_join(&list, line, sizeof(line));
	EXPECT_STR(line, "qemu -m 512M");
	return 0;
}

static int test_argv_list_join_that_does_not_fit_ends_in_dots(void)
{
	memset(&list, 0, sizeof(list));
	EXPECT(argv_list_add(&list, "passt") == 0);
	EXPECT(argv_list_add(&list, "--one-off") == 0);
	char line[12];
	argv_list_join(&list, line, sizeof(line));
	EXPECT_STR(line, "passt...");
	char tiny[4];
	argv_list_join(&list, tiny, sizeof(tiny));
	EXPECT_STR(tiny, "...");
	return 0;
}

int main(void)
{
	RUN(test_argv_list_join_separates_words_by_one_space);
	RUN(test_argv_list_join_that_does_not_fit_ends_in_dots);
	return unit_finish();
}
