/* The thrown-away warning's host side (lib/exec/discarded_files.c): when
 * krunsh asks the guest to count, and the one line it prints. */
#include "cli/options.h"
#include "lib/exec/discarded_files.h"
#include "unit.h"

#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

static struct options opts;
static struct error err;

static enum cli_result parse(const char *first, ...)
{
	int argc;
	va_list ap;
	va_start(ap, first);
	char **argv = unit_argv(&argc, first, ap);
	va_end(ap);
	cli_free(&opts);
	memset(&err, 0, sizeof(err));
	return cli_parse(argc, argv, &opts, &err);
}

static int test_asked_for_unless_the_files_persist_or_are_scratch(void)
{
	EXPECT(parse("-c", "true", NULL) == CLI_RUN);
	EXPECT(discarded_files_wanted(&opts.vm, "/home/u/proj"));
	EXPECT(discarded_files_wanted(&opts.vm, "/tmp/build"));
	EXPECT(discarded_files_wanted(&opts.vm, "/tmpx"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/"));
	EXPECT(!discarded_files_wanted(&opts.vm, "//"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/tmp"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/tmp/"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/var/tmp"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/dev/shm"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/tmp/a/.."));
	EXPECT(parse("-v", "/usr:/work/src", "--tmpfs", "/scratch", "-c", "true", NULL) == CLI_RUN);
	EXPECT(!discarded_files_wanted(&opts.vm, "/work/src"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/work/src/sub"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/work/./src/"));
	EXPECT(discarded_files_wanted(&opts.vm, "/work"));
	EXPECT(discarded_files_wanted(&opts.vm, "/work/srcx"));
	EXPECT(!discarded_files_wanted(&opts.vm, "/scratch/x"));
	return 0;
}

static int test_the_line_says_how_many_which_and_the_volume(void)
{
	char line[2048];
	struct discarded_files d = {.count = 2};
	strcpy(d.first, "r.xml");
	EXPECT(parse("-c", "true", NULL) == CLI_RUN);
	EXPECT(discarded_files_message(line, sizeof(line), &opts.vm, "/home/u/proj/", &d) > 0);
	EXPECT_STR(line, "2 files written under /home/u/proj were thrown away with the VM "
			 "(first: /home/u/proj/r.xml); -v /home/u/proj:/home/u/proj keeps them");
	d.count = 1;
	strcpy(d.first, "sub/a b");
	discarded_files_message(line, sizeof(line), &opts.vm, "/w", &d);
	EXPECT_STR(line, "1 file written under /w was thrown away with the VM (first: /w/sub/a b); "
			 "-v /w:/w keeps it");
	d.at_least = 1;
	d.count = 10000;
	d.first[0] = '\0';
	discarded_files_message(line, sizeof(line), &opts.vm, "/a:b c", &d);
	EXPECT_STR(line, "at least 10000 files written under /a:b c were thrown away with the VM; "
			 "-v '/a\\:b c:/a\\:b c' keeps them");
	/* What the guest names is sanitised; C1 controls and bad UTF-8 too. */
	d = (struct discarded_files){.count = 3};
	strcpy(d.first, "x\xc2\x9b"
			"31m\xff");
	discarded_files_message(line, sizeof(line), &opts.vm, "/w", &d);
	EXPECT_STR(line,
		   "3 files written under /w were thrown away with the VM (first: /w/x??31m?); "
		   "-v /w:/w keeps them");
	d.count = 0;
	EXPECT(discarded_files_message(line, sizeof(line), &opts.vm, "/w", &d) == 0 && !line[0]);
	/* --root DIR: the guest's / is DIR on the host. */
	EXPECT(parse("--root", "/usr", "-c", "true", NULL) == CLI_RUN);
	d = (struct discarded_files){.count = 1};
	strcpy(d.first, "o");
	discarded_files_message(line, sizeof(line), &opts.vm, "/src", &d);
	EXPECT_STR(line, "1 file written under /src was thrown away with the VM (first: /src/o); "
			 "-v /usr/src:/src keeps it");
	return 0;
}

int main(void)
{
	RUN(test_asked_for_unless_the_files_persist_or_are_scratch);
	RUN(test_the_line_says_how_many_which_and_the_volume);
	cli_free(&opts);
	return unit_finish();
}
