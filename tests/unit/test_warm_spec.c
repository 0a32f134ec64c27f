/* Which runs a warm VM serves (cli/keeper/warm_spec.c): one whose VM
 * options and VM-shaping settings are the warm VMs', however it spells
 * them; any difference, the first named; and --warm's own rules
 * (cli/keeper/warm_command.c). */
#include "cli/keeper/keeper_wire.h"
#include "cli/keeper/warm_command.h"
#include "cli/keeper/warm_spec.h"
#include "lib/spec/host_config.h"
#include "unit.h"

#include <stdarg.h>

static struct options warm, run;
static struct error err;
static char warm_text[KEEPER_OPTIONS_MAX], run_text[KEEPER_OPTIONS_MAX];

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

/* 1 with why when the run needs what the warm VMs lack. */
static int differs(const char *run_engine, char *why, size_t size)
{
	if (warm_spec_describe(&warm, "qemu", warm_text, sizeof(warm_text)) < 0 ||
	    warm_spec_describe(&run, run_engine, run_text, sizeof(run_text)) < 0)
		return -1;
	return warm_spec_differs(warm_text, run_text, why, size);
}

static int test_per_run_options_fit_a_warm_vm(void)
{
	char why[1400];
	EXPECT(parse_into(&warm, "--warm", "2", NULL) == 0);
	EXPECT(parse_into(&run, "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 0);
	EXPECT(parse_into(&run, "-e", "A=1", "-w", "/", "--timeout", "5", "-u", "0", "--ulimit",
			  "nofile=100", "-m", "512m", "--cpus", "1", "--engine", "qemu", "-c",
			  "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 0);
	/* The keeper's idle time is not the VM's. */
	EXPECT(parse_into(&warm, "--warm", "2", "--idle-timeout", "9", NULL) == 0);
	EXPECT(parse_into(&run, "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 0);
	return 0;
}

static int test_vm_options_boot_cold_naming_the_first(void)
{
	char why[1400];
	EXPECT(parse_into(&warm, "--warm", "2", NULL) == 0);
	EXPECT(parse_into(&run, "--cpus", "2", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1);
	EXPECT_STR(why, "the warm VMs have --cpus 1, this run asks --cpus 2");
	EXPECT(parse_into(&run, "-v", "/tmp:/data", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1);
	EXPECT_STR(why, "the warm VMs have --volume (none), this run asks --volume /tmp:/data:rw");
	EXPECT(parse_into(&run, "--net", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1 && strstr(why, "--network none"));
	EXPECT(parse_into(&run, "--tmpfs", "/scratch", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1 && strstr(why, "--tmpfs"));
	EXPECT(parse_into(&run, "--root", "/tmp", "-c", "true", NULL) == 0);
	EXPECT(differs("qemu", why, sizeof(why)) == 1);
	EXPECT_STR(why, "the warm VMs have --root /, this run asks --root /tmp");
	EXPECT(parse_into(&run, "-c", "true", NULL) == 0);
	EXPECT(differs("krun", why, sizeof(why)) == 1 && strstr(why, "--engine qemu"));
	return 0;
}

static int test_host_settings_are_part_of_the_vm(void)
{
	char why[1400];
	EXPECT(parse_into(&warm, "--warm", "1", NULL) == 0);
	EXPECT(parse_into(&run, "-c", "true", NULL) == 0);
	static struct host_config other;
	other = *host_config();
	EXPECT(warm_spec_describe(&warm, "qemu", warm_text, sizeof(warm_text)) == 0);
	other.kernel = "/other/vmlinux";
	host_config_set(&other);
	EXPECT(warm_spec_describe(&run, "qemu", run_text, sizeof(run_text)) == 0);
	EXPECT(warm_spec_differs(warm_text, run_text, why, sizeof(why)) == 1);
	EXPECT_STR(why, "the warm VMs have KRUNSH_KERNEL (unset), this run asks KRUNSH_KERNEL "
			"/other/vmlinux");
	other.kernel = NULL;
	host_config_set(&other);
	return 0;
}

static int test_warm_flags_are_checked(void)
{
	EXPECT(parse_into(&run, "--warm", "3", NULL) == 0);
	EXPECT(run.warm_set && run.warm_count == 3);
	EXPECT(parse_into(&run, "--warm", "0", NULL) == 0);
	EXPECT(run.warm_set && run.warm_count == 0);
	EXPECT(parse_into(&run, "--warm", "2", "--idle-timeout", "60", "--cpus", "2", "--engine",
			  "qemu", "-V", NULL) == 0);
	const char *refused[][4] = {
	    {"--warm", "17", NULL},
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
		EXPECT(parse_into(&run, refused[i][0], refused[i][1], refused[i][2], refused[i][3],
				  NULL) < 0);
	EXPECT(parse_into(&run, "--warm", "1", "--root", "/tmp", NULL) < 0);
	EXPECT(strstr(err.message, "a warm VM has no volumes"));
	return 0;
}

int main(void)
{
	RUN(test_per_run_options_fit_a_warm_vm);
	RUN(test_vm_options_boot_cold_naming_the_first);
	RUN(test_host_settings_are_part_of_the_vm);
	RUN(test_warm_flags_are_checked);
	cli_free(&warm);
	cli_free(&run);
	return unit_finish();
}
