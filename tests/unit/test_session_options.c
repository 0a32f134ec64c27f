/* A session's later calls (cli/keeper/session_options.c): the VM options a
 * call gives must have the session's values, spelled any way; options it
 * leaves out are the session's; session names (cli/keeper/keeper_dir.c)
 * cannot leave the sessions directory. */
#include "cli/keeper/keeper_dir.h"
#include "cli/keeper/keeper_wire.h"
#include "cli/keeper/session_options.h"
#include "unit.h"

#include <stdarg.h>

static struct options session, call;
static struct error err;

static int parse_into(struct options *o, const char *first, ...)
{
	int argc;
	va_list ap;
	va_start(ap, first);
	char **argv = unit_argv(&argc, first, ap);
	va_end(ap);
	cli_free(o);
	return cli_parse(argc, argv, o, &err) == CLI_RUN ? 0 : -1;
}

/* 1 with why when the call's options conflict with the session's. */
static int conflict(char *why, size_t size)
{
	static char session_text[KEEPER_OPTIONS_MAX], call_text[KEEPER_OPTIONS_MAX];
	if (session_options_describe(&session, "qemu", ~0u, session_text, sizeof(session_text)) <
		0 ||
	    session_options_describe(&call, NULL, call.vm_options_given, call_text,
				     sizeof(call_text)) < 0)
		return -1;
	return session_options_conflict(session_text, call_text, "s", why, size);
}

static int test_options_left_out_or_repeated_are_the_sessions(void)
{
	char why[1400];
	EXPECT(parse_into(&session, "--session", "s", "--cpus", "2", "-v", "/tmp:/data:ro",
			  "-c", "true", NULL) == 0);
	EXPECT(parse_into(&call, "--session", "s", "-c", "true", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 0);
	EXPECT(parse_into(&call, "--session", "s", "--cpus", "2", "--mem", "512", "-v",
			  "/tmp:/data:ro", "--engine", "auto", "-c", "true", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 0);
	/* -m as podman spells it is the same memory. */
	EXPECT(parse_into(&call, "--session", "s", "-m", "536870912", "--engine", "qemu", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 0);
	/* Execution options are no VM options. */
	EXPECT(parse_into(&call, "--session", "s", "-e", "A=1", "-w", "/", "--timeout", "5", "-u",
			  "0", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 0);
	return 0;
}

static int test_another_value_is_refused_naming_the_option(void)
{
	char why[1400];
	EXPECT(parse_into(&session, "--session", "s", "--cpus", "2", NULL) == 0);
	EXPECT(parse_into(&call, "--session", "s", "--cpus", "1", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 1);
	EXPECT_STR(why, "session s runs with --cpus 2, this call asks --cpus 1: leave --cpus "
			"out, or end the session first (krunsh --session s --end)");
	EXPECT(parse_into(&call, "--session", "s", "--net", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 1 && strstr(why, "--network none"));
	EXPECT(parse_into(&call, "--session", "s", "-p", "8080:80", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 1);
	EXPECT(parse_into(&call, "--session", "s", "--engine", "krun", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 1 && strstr(why, "--engine qemu"));
	EXPECT(parse_into(&call, "--session", "s", "--tmpfs", "/scratch", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 1 && strstr(why, "--tmpfs"));
	EXPECT(parse_into(&call, "--session", "s", "--idle-timeout", "9", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 1 && strstr(why, "--idle-timeout"));
	return 0;
}

static int test_volumes_compare_as_a_whole(void)
{
	char why[1400];
	EXPECT(parse_into(&session, "--session", "s", "-v", "/tmp:/a", "-v", "/usr:/b:ro", NULL) ==
	       0);
	EXPECT(parse_into(&call, "--session", "s", "-v", "/tmp:/a", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 1 && strstr(why, "--volume"));
	EXPECT(parse_into(&call, "--session", "s", "--mount", "type=bind,src=/tmp,dst=/a", "-v",
			  "/usr:/b:ro", NULL) == 0);
	EXPECT(conflict(why, sizeof(why)) == 0);
	return 0;
}

static int test_session_flags_are_checked(void)
{
	EXPECT(parse_into(&call, "--end", NULL) < 0);
	EXPECT_STR(err.message, "--end needs --session NAME");
	EXPECT(parse_into(&call, "--session", "s", "--end", "-c", "x", NULL) < 0);
	EXPECT(parse_into(&call, "--session", "s", "--idle-timeout", "0", NULL) < 0);
	EXPECT(parse_into(&call, "--session", "s", "--idle-timeout", "x", NULL) < 0);
	EXPECT(parse_into(&call, "--session", "s", "--idle-timeout", "2.5", NULL) == 0);
	EXPECT(call.idle_timeout == 2.5);
	EXPECT(parse_into(&call, "--session", "s", "--image", "oci:/nonexistent", NULL) < 0);
	EXPECT(strstr(err.message, "--session cannot run an --image"));
	return 0;
}

static int test_session_names(void)
{
	EXPECT(keeper_name_check("work-1.a_b", &err) == 0);
	const char *bad[] = {"", ".hidden", "..", "a/b", "../x", "a b", "a\nb", "é", NULL};
	for (const char **b = bad; *b; b++)
		EXPECT(keeper_name_check(*b, &err) < 0);
	char longest[KEEPER_NAME_MAX + 2];
	memset(longest, 'x', sizeof(longest));
	longest[KEEPER_NAME_MAX] = '\0';
	EXPECT(keeper_name_check(longest, &err) == 0);
	longest[KEEPER_NAME_MAX] = 'x';
	longest[KEEPER_NAME_MAX + 1] = '\0';
	EXPECT(keeper_name_check(longest, &err) < 0);
	return 0;
}

int main(void)
{
	RUN(test_options_left_out_or_repeated_are_the_sessions);
	RUN(test_another_value_is_refused_naming_the_option);
	RUN(test_volumes_compare_as_a_whole);
	RUN(test_session_flags_are_checked);
	RUN(test_session_names);
	cli_free(&session);
	cli_free(&call);
	return unit_finish();
}
