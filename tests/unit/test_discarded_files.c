/* The thrown-away warning's host side (lib/exec/discarded_files.c): when
 * krunsh asks the guest to count, and the one line it prints. */
#include "cli/options.h"
#include "unit_specs.h"
#include "cli/discarded_message.h"
#include "lib/exec/discarded_files.h"
#include "unit.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdarg.h>
#include <unistd.h>

static struct options opts;
static struct error err;
static struct unit_specs specs;

static enum cli_result parse(const char *first, ...)
{
	int argc;
	va_list ap;
	va_start(ap, first);
	char **argv = unit_argv(&argc, first, ap);
	va_end(ap);
	cli_free(&opts);
	memset(&err, 0, sizeof(err));
	enum cli_result r = cli_parse(argc, argv, &opts, &err);
	if (r == CLI_RUN && unit_specs_make(&opts, "true", &specs, &err) < 0)
		r = CLI_ERROR;
	return r;
}

static int test_asked_for_unless_the_files_persist_or_are_scratch(void)
{
	EXPECT(parse("-c", "true", NULL) == CLI_RUN);
	EXPECT(discarded_files_wanted(&specs.vm, "/home/u/proj"));
	EXPECT(discarded_files_wanted(&specs.vm, "/tmp/build"));
	EXPECT(discarded_files_wanted(&specs.vm, "/tmpx"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/"));
	EXPECT(!discarded_files_wanted(&specs.vm, "//"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/tmp"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/tmp/"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/var/tmp"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/dev/shm"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/tmp/a/.."));
	EXPECT(parse("-v", "/usr:/work/src", "--tmpfs", "/scratch", "-c", "true", NULL) == CLI_RUN);
	EXPECT(!discarded_files_wanted(&specs.vm, "/work/src"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/work/src/sub"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/work/./src/"));
	EXPECT(discarded_files_wanted(&specs.vm, "/work"));
	EXPECT(discarded_files_wanted(&specs.vm, "/work/srcx"));
	EXPECT(!discarded_files_wanted(&specs.vm, "/scratch/x"));
	return 0;
}

/* What the library reports (krunsh_exec_result's discarded_*: the first
 * path absolute, as lib/exec/discarded_files.c makes it), as the line
 * says it (cli/discarded_message.c). */
static struct krunsh_exec_result reported(unsigned count, int at_least, const char *workdir,
					  const char *first)
{
	struct krunsh_exec_result r = {.discarded_count = count, .discarded_at_least = at_least};
	struct discarded_files d = {.count = count, .at_least = at_least};
	snprintf(d.first, sizeof(d.first), "%s", first);
	if (first[0])
		discarded_files_first(r.discarded_first, sizeof(r.discarded_first), workdir, &d);
	return r;
}

static int test_the_line_says_how_many_which_and_the_volume(void)
{
	char line[2048];
	struct krunsh_exec_result r = reported(2, 0, "/home/u/proj/", "r.xml");
	EXPECT(discarded_message(line, sizeof(line), NULL, "/home/u/proj/", &r) > 0);
	EXPECT_STR(line, "2 files written under /home/u/proj were thrown away with the VM "
			 "(first: /home/u/proj/r.xml); -v /home/u/proj:/home/u/proj keeps them");
	r = reported(1, 0, "/w", "sub/a b");
	discarded_message(line, sizeof(line), NULL, "/w", &r);
	EXPECT_STR(line, "1 file written under /w was thrown away with the VM (first: /w/sub/a b); "
			 "-v /w:/w keeps it");
	r = reported(10000, 1, "/a:b c", "");
	discarded_message(line, sizeof(line), NULL, "/a:b c", &r);
	EXPECT_STR(line, "at least 10000 files written under /a:b c were thrown away with the VM; "
			 "-v '/a\\:b c:/a\\:b c' keeps them");
	/* What the guest names is sanitised; C1 controls and bad UTF-8 too. */
	r = reported(3, 0, "/w",
		     "x\xc2\x9b"
		     "31m\xff");
	discarded_message(line, sizeof(line), NULL, "/w", &r);
	EXPECT_STR(line,
		   "3 files written under /w were thrown away with the VM (first: /w/x??31m?); "
		   "-v /w:/w keeps them");
	r = reported(0, 0, "/w", "");
	EXPECT(discarded_message(line, sizeof(line), NULL, "/w", &r) == 0 && !line[0]);
	/* --root DIR: the guest's / is DIR on the host. */
	r = reported(1, 0, "/src", "o");
	discarded_message(line, sizeof(line), "/usr", "/src", &r);
	EXPECT_STR(line, "1 file written under /src was thrown away with the VM (first: /src/o); "
			 "-v /usr/src:/src keeps it");
	return 0;
}

int main(void)
{
	RUN(test_asked_for_unless_the_files_persist_or_are_scratch);
	RUN(test_the_line_says_how_many_which_and_the_volume);
	cli_free(&opts);
	unit_specs_free(&specs);
	return unit_finish();
}
