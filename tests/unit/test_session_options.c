/* A session's later calls (cli/keeper/session_options.c): the VM options a
 * call gives must have the session's values, spelled any way; options it
 * leaves out are the session's; session names (cli/keeper/keeper_dir.c)
 * cannot leave the sessions directory. The warm VMs' check
 * (cli/keeper/warm_spec.c) on the same text: a run whose VM options and
 * VM-shaping settings are the warm VMs' fits one, any difference boots
 * cold, the first named; and --warm's own rules (warm_command.c). */
#include "cli/keeper/keeper_dir.h"
#include "cli/keeper/keeper_wire.h"
#include "cli/keeper/session_options.h"
#include "cli/keeper/warm_command.h"
#include "cli/keeper/warm_spec.h"
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

static char warm_text[KEEPER_OPTIONS_MAX], run_text[KEEPER_OPTIONS_MAX];

/* 1 with why when the run (call) needs what the warm VMs (session) lack. */
static int differs(const char *run_engine, char *why, size_t size)
{
	if (warm_spec_describe(&session, "qemu", warm_text, sizeof(warm_text)) < 0 ||
	    warm_spec_describe(&call, run_engine, run_text, sizeof(run_text)) < 0)
		return -1;
	return warm_spec_differs(warm_text, run_text, why, size);
}

static int test_per_run_options_fit_a_warm_vm(void)
{
	char why[1400];
	EXPECT(parse_into(&session, "--warm", "2", NULL) == 0);
	EXPECT(parse_into(&call, "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 0);
	EXPECT(parse_into(&call, "-e", "A=1", "-w", "/", "--timeout", "5", "-u", "0", "--ulimit",
			  "nofile=100", "-m", "512m", "--cpus", "1", "--engine", "qemu", "-c",
			  "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 0);
	/* The keeper's idle time is not the VM's. */
	EXPECT(parse_into(&session, "--warm", "2", "--idle-timeout", "9", NULL) == 0);
	EXPECT(parse_into(&call, "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 0);
	return 0;
}

static int test_vm_options_boot_cold_naming_the_first(void)
{
	char why[1400];
	EXPECT(parse_into(&session, "--warm", "2", NULL) == 0);
	EXPECT(parse_into(&call, "--cpus", "2", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1);
	EXPECT_STR(why, "the warm VMs have --cpus 1, this run asks --cpus 2");
	EXPECT(parse_into(&call, "-v", "/tmp:/data", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1);
	EXPECT_STR(why, "the warm VMs have --volume (none), this run asks --volume /tmp:/data:rw");
	EXPECT(parse_into(&call, "--net", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1 && strstr(why, "--network none"));
	EXPECT(parse_into(&call, "--tmpfs", "/scratch", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1 && strstr(why, "--tmpfs"));
	EXPECT(parse_into(&call, "--root", "/tmp", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1);
	EXPECT_STR(why, "the warm VMs have --root /, this run asks --root /tmp");
	EXPECT(parse_into(&call, "-c", "true", NULL) == 0);
	EXPECT(differs("krun", why, sizeof(why)) == 1 && strstr(why, "--engine qemu"));
	return 0;
}

static int test_host_settings_are_part_of_the_vm(void)
{
	char why[1400];
	EXPECT(parse_into(&session, "--warm", "1", NULL) == 0);
	EXPECT(parse_into(&call, "-c", "true", NULL) == 0);
	unsetenv("KRUNSH_KERNEL");
	EXPECT(warm_spec_describe(&session, "qemu", warm_text, sizeof(warm_text)) == 0);
	setenv("KRUNSH_KERNEL", "/other/vmlinux", 1);
	EXPECT(warm_spec_describe(&call, "qemu", run_text, sizeof(run_text)) == 0);
	EXPECT(warm_spec_differs(warm_text, run_text, why, sizeof(why)) == 1);
	EXPECT_STR(why, "the warm VMs have KRUNSH_KERNEL (unset), this run asks KRUNSH_KERNEL "
			"/other/vmlinux");
	unsetenv("KRUNSH_KERNEL");
	return 0;
}

static int test_warm_flags_are_checked(void)
{
	EXPECT(parse_into(&call, "--warm", "3", NULL) == 0);
	EXPECT(call.warm_set && call.warm_count == 3);
	EXPECT(parse_into(&call, "--warm", "32", NULL) == 0);
	EXPECT(call.warm_set && call.warm_count == 32);
	EXPECT(parse_into(&call, "--warm", "0", NULL) == 0);
	EXPECT(call.warm_set && call.warm_count == 0);
	EXPECT(parse_into(&call, "--warm", "2", "--idle-timeout", "60", "--cpus", "2", "--engine",
			  "qemu", "-V", NULL) == 0);
	const char *refused[][4] = {
	    {"--warm", "33", NULL},
	    {"--warm", "-1", NULL},
	    {"--warm", "x", NULL},
	    {"--warm", "1", "-c", "true"},
	    {"--warm", "1", "--session", "s"},
	    {"--warm", "1", "--net", NULL},
	    {"--warm", "1", "-v", "/tmp:/t"},
	    {"--warm", "1", "--hostname", "h"},
	    {"--warm", "1", "--", "true"},
	};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		EXPECT(parse_into(&call, refused[i][0], refused[i][1], refused[i][2], refused[i][3],
				  NULL) < 0);
	EXPECT(parse_into(&call, "--warm", "1", "--root", "/tmp", NULL) < 0);
	EXPECT(strstr(err.message, "a warm VM has no volumes"));
	return 0;
}

int main(void)
{
	RUN(test_options_left_out_or_repeated_are_the_sessions);
	RUN(test_another_value_is_refused_naming_the_option);
	RUN(test_volumes_compare_as_a_whole);
	RUN(test_session_flags_are_checked);
	RUN(test_session_names);
	RUN(test_per_run_options_fit_a_warm_vm);
	RUN(test_vm_options_boot_cold_naming_the_first);
	RUN(test_host_settings_are_part_of_the_vm);
	RUN(test_warm_flags_are_checked);
	cli_free(&session);
	cli_free(&call);
	return unit_finish();
}
