/* Command-line parsing (cli/options.c): good values land in struct
 * options, every bad one is refused with a message naming it. */
#include "cli/options.h"
#include "unit.h"

#include <fcntl.h>
#include <stdarg.h>
#include <unistd.h>

static struct options opts;
static struct error err;

/* parse("--cpus", "2", NULL): argv[0] is supplied. */
static enum cli_result parse(const char *first, ...)
{
	int argc;
	va_list ap;
	va_start(ap, first);
	char **argv = unit_argv(&argc, first, ap);
	va_end(ap);
	cli_free(&opts);
	memset(&err, 0, sizeof(err));
	/* --help and --version print to stdout: keep it out of the test log. */
	fflush(stdout);
	int saved = dup(1), null = open("/dev/null", O_WRONLY);
	dup2(null, 1);
	enum cli_result r = cli_parse(argc, argv, &opts, &err);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(null);
	return r;
}

static int test_defaults(void)
{
	EXPECT(parse(NULL) == CLI_RUN);
	EXPECT(opts.proc.mode == INPUT_LINES && !opts.keep_going && !opts.command &&
	       !opts.script_file);
	EXPECT_STR(opts.vm.engine, "auto");
	EXPECT(opts.vm.cpus == 1 && opts.vm.mem_mib == 512 && opts.timeout_seconds == 0);
	EXPECT_STR(opts.proc.shell, "/bin/sh");
	EXPECT(opts.proc.workdir == NULL && opts.proc.env_count == 0 && !opts.vm.verbose);
	return 0;
}

static int test_good_values_are_parsed(void)
{
	EXPECT(parse("--cpus", "2", "--mem", "256", "--timeout", "2.5", "--engine", "qemu",
		     "--workdir", "/srv", "--shell", "/bin/bash", "-V", "-k", NULL) == CLI_RUN);
	EXPECT(opts.vm.cpus == 2 && opts.vm.mem_mib == 256 && opts.timeout_seconds == 2.5);
	EXPECT_STR(opts.vm.engine, "qemu");
	EXPECT_STR(opts.proc.workdir, "/srv");
	EXPECT_STR(opts.proc.shell, "/bin/bash");
	EXPECT(opts.vm.verbose && opts.keep_going);
	EXPECT(parse("--cpus=64", "--mem=1G", NULL) == CLI_RUN);
	EXPECT(opts.vm.cpus == 64 && opts.vm.mem_mib == 1024);
	EXPECT(parse("--mem", "512M", NULL) == CLI_RUN && opts.vm.mem_mib == 512);
	EXPECT(parse("--mem", "128", NULL) == CLI_RUN && opts.vm.mem_mib == 128);
	EXPECT(parse("--mem", "256g", NULL) == CLI_RUN && opts.vm.mem_mib == 262144);
	EXPECT(parse("--engine", "krun", "--libkrun", "/x/libkrun.so.1", NULL) == CLI_RUN);
	EXPECT_STR(opts.vm.libkrun_path, "/x/libkrun.so.1");
	return 0;
}

static int test_input_modes(void)
{
	EXPECT(parse("-c", "echo hi", NULL) == CLI_RUN);
	EXPECT_STR(opts.command, "echo hi");
	EXPECT(parse("--script", "file.sh", NULL) == CLI_RUN);
	EXPECT(opts.proc.mode == INPUT_SCRIPT);
	EXPECT_STR(opts.script_file, "file.sh");
	EXPECT(parse("--cpus", "2", "--", "prog", "-x", "--cpus", NULL) == CLI_RUN);
	EXPECT(opts.proc.mode == INPUT_EXEC && opts.vm.cpus == 2);
	EXPECT_STR(opts.proc.exec_argv[0], "prog");
	EXPECT_STR(opts.proc.exec_argv[1], "-x");
	EXPECT_STR(opts.proc.exec_argv[2], "--cpus");
	EXPECT(opts.proc.exec_argv[3] == NULL);
	return 0;
}

static int test_env_entries_are_collected(void)
{
	EXPECT(parse("-e", "A=1", "--env", "B", "-e", "C_2=x=y", NULL) == CLI_RUN);
	EXPECT(opts.proc.env_count == 3);
	EXPECT_STR(opts.proc.env[0], "A=1");
	EXPECT_STR(opts.proc.env[1], "B");
	EXPECT_STR(opts.proc.env[2], "C_2=x=y");
	return 0;
}

static int test_help_and_version_exit_ok(void)
{
	EXPECT(parse("--help", NULL) == CLI_EXIT_OK);
	EXPECT(parse("-h", NULL) == CLI_EXIT_OK);
	EXPECT(parse("--version", NULL) == CLI_EXIT_OK);
	return 0;
}

/* Each bad command line: CLI_ERROR and a message containing `needle`. */
static int expect_refused(const char *needle, const char *a, const char *b, const char *c)
{
	EXPECT(parse(a, b, c, NULL) == CLI_ERROR);
	if (!strstr(err.message, needle)) {
		printf("#   [%s %s %s]: message [%s] lacks [%s]\n", a, b ? b : "", c ? c : "",
		       err.message, needle);
		return 1;
	}
	EXPECT(!strchr(err.message, '\n'));
	return 0;
}

static int test_every_bad_value_is_refused_with_a_message(void)
{
	int bad = 0;
	bad |= expect_refused("--cpus", "--cpus", "0", NULL);
	bad |= expect_refused("--cpus", "--cpus", "-1", NULL);
	bad |= expect_refused("--cpus", "--cpus", "65", NULL);
	bad |= expect_refused("--cpus", "--cpus", "2x", NULL);
	bad |= expect_refused("--cpus", "--cpus", "", NULL);
	bad |= expect_refused("--cpus", "--cpus", "+2", NULL);
	bad |= expect_refused("--cpus", "--cpus", "99999999999999999999999", NULL);
	bad |= expect_refused("--mem", "--mem", "0", NULL);
	bad |= expect_refused("--mem", "--mem", "127", NULL);
	bad |= expect_refused("--mem", "--mem", "262145", NULL);
	bad |= expect_refused("--mem", "--mem", "257G", NULL);
	bad |= expect_refused("--mem", "--mem", "1T", NULL);
	bad |= expect_refused("--mem", "--mem", "G", NULL);
	bad |= expect_refused("--mem", "--mem", "", NULL);
	bad |= expect_refused("--mem", "--mem", "-512", NULL);
	bad |= expect_refused("--timeout", "--timeout", "abc", NULL);
	bad |= expect_refused("--timeout", "--timeout", "0", NULL);
	bad |= expect_refused("--timeout", "--timeout", "-1", NULL);
	bad |= expect_refused("--timeout", "--timeout", "nan", NULL);
	bad |= expect_refused("--timeout", "--timeout", "inf", NULL);
	bad |= expect_refused("--timeout", "--timeout", "5s", NULL);
	bad |= expect_refused("--timeout", "--timeout", "", NULL);
	bad |= expect_refused("--engine", "--engine", "nope", NULL);
	bad |= expect_refused("--engine", "--engine", "", NULL);
	bad |= expect_refused("--workdir", "--workdir", "relative", NULL);
	bad |= expect_refused("--workdir", "-w", "", NULL);
	bad |= expect_refused("--shell", "--shell", "bash", NULL);
	bad |= expect_refused("--env", "-e", "1A=b", NULL);
	bad |= expect_refused("--env", "-e", "=b", NULL);
	bad |= expect_refused("--env", "-e", "A-B=c", NULL);
	bad |= expect_refused("--frobnicate", "--frobnicate", NULL, NULL);
	bad |= expect_refused("-Z", "-Z", NULL, NULL);
	bad |= expect_refused("needs a value", "--timeout", NULL, NULL);
	bad |= expect_refused("needs a value", "-c", NULL, NULL);
	bad |= expect_refused("too many arguments", "a", "b", NULL);
	bad |= expect_refused("not both", "-c", "echo", "file");
	bad |= expect_refused("followed by a program", "--", NULL, NULL);
	bad |= expect_refused("cannot be combined", "-k", "--", "prog");
	return bad;
}

/* podman run's spellings (issue 11, item 8). */
static int test_podman_habits(void)
{
	EXPECT(parse("-v", "/tmp:/mnt:ro", "-p", "8080:80", "-m", "1g", "-i", "--rm", NULL) ==
	       CLI_RUN);
	EXPECT(opts.vm.resources.volume_count == 1 && opts.vm.resources.volumes[0].read_only);
	EXPECT_STR(opts.vm.resources.volumes[0].guest_path, "/mnt");
	EXPECT(opts.vm.resources.port_count == 1 && opts.vm.network && opts.vm.mem_mib == 1024);
	EXPECT(!opts.vm.verbose);
	EXPECT(parse("--memory", "536870912", NULL) == CLI_RUN && opts.vm.mem_mib == 512);
	EXPECT(parse("--memory=300M", NULL) == CLI_RUN && opts.vm.mem_mib == 300);
	EXPECT(parse("-m", "262144k", NULL) == CLI_RUN && opts.vm.mem_mib == 256);
	EXPECT(parse("-m", "134217729b", NULL) == CLI_RUN && opts.vm.mem_mib == 129);
	EXPECT(parse("--network", "none", "--net", NULL) == CLI_RUN && opts.vm.network);
	EXPECT(parse("--net", "--network", "none", NULL) == CLI_RUN && !opts.vm.network);
	EXPECT(parse("--network", "user", NULL) == CLI_RUN && opts.vm.network);
	EXPECT(parse("-u", "0", "--hostname", "build-1.example", NULL) == CLI_RUN);
	EXPECT(opts.proc.user_set && opts.proc.user.uid == 0 && opts.proc.user.gid == 0);
	EXPECT_STR(opts.vm.hostname, "build-1.example");
	EXPECT(parse("--user", "4242:7", NULL) == CLI_RUN);
	EXPECT(opts.proc.user.uid == 4242 && opts.proc.user.gid == 7 &&
	       opts.proc.user.group_count == 0);
	EXPECT(parse("-u", "4243", NULL) == CLI_RUN && opts.proc.user.gid == 4243);
	EXPECT(parse("-u", "root", NULL) == CLI_RUN && opts.proc.user.uid == 0);
	EXPECT_STR(opts.proc.user.home, "/root");
	EXPECT(parse("--tmpfs", "/x:size=1m,mode=1777,exec", NULL) == CLI_RUN);
	EXPECT_STR(opts.vm.resources.tmpfs[0].data, "size=1m,mode=1777");
	EXPECT(parse("--mount", "type=bind,src=/tmp,dst=/a:b,readonly", NULL) == CLI_RUN);
	EXPECT_STR(opts.vm.resources.volumes[0].guest_path, "/a:b");
	EXPECT(opts.vm.resources.volumes[0].read_only);
	EXPECT(parse("-v", "/tmp:/a\\:b", NULL) == CLI_RUN);
	EXPECT_STR(opts.vm.resources.volumes[0].guest_path, "/a:b");
	EXPECT(!opts.vm.resources.volumes[0].read_only);
	EXPECT(parse("-v", "/etc/hostname:/h:ro", NULL) == CLI_RUN);
	EXPECT_STR(opts.vm.resources.volumes[0].host_path, "/etc/hostname");
	/* The library's checks run on the flags as they are read. */
	EXPECT(parse("-v", "/nonexistent-krunsh-path:/h", NULL) == CLI_ERROR);
	EXPECT(strstr(err.message, "--volume /nonexistent-krunsh-path:/h") != NULL);
	EXPECT(parse("-v", "/tmp:/h", "--tmpfs", "/h/", NULL) == CLI_ERROR);
	EXPECT(parse("--disk", "/nonexistent-krunsh-disk", NULL) == CLI_ERROR);
	EXPECT(parse("-p", "0:80", NULL) == CLI_ERROR);
	EXPECT(strstr(err.message, "--publish 0:80") != NULL);
	return 0;
}

/* -t asks for a terminal; what it runs (a program, or an interactive
 * shell) is cli/interactive.c's to decide, after the options. */
static int test_tty_is_a_flag(void)
{
	EXPECT(parse("-it", "--", "vi", NULL) == CLI_RUN);
	EXPECT(opts.tty && opts.proc.mode == INPUT_EXEC);
	EXPECT(parse("-t", "-c", "vi", NULL) == CLI_RUN);
	EXPECT(opts.tty && !cli_no_program(&opts));
	EXPECT(parse("--tty", NULL, NULL, NULL) == CLI_RUN);
	EXPECT(opts.tty && cli_no_program(&opts));
	EXPECT(parse("--shell", "/bin/zsh", NULL, NULL) == CLI_RUN);
	EXPECT(!opts.tty && opts.shell_set);
	return 0;
}

static int test_podman_options_krunsh_lacks_are_refused(void)
{
	int bad = 0;
	bad |= expect_refused("-t runs a PROGRAM", "-t", "--script", NULL);
	bad |= expect_refused("-t runs a PROGRAM", "-it", "--keep-going", NULL);
	bad |= expect_refused("--read-only", "--read-only", NULL, NULL);
	bad |= expect_refused("put the program after --", "--entrypoint", "/bin/x", NULL);
	bad |= expect_refused("none or user", "--network", "host", NULL);
	bad |= expect_refused("cannot be combined", "--network", "none", "-p8080:80");
	bad |= expect_refused("--memory", "-m", "127m", NULL);
	bad |= expect_refused("--memory", "-m", "1t", NULL);
	bad |= expect_refused("--memory", "-m", "1gb", NULL);
	bad |= expect_refused("--memory", "-m", "g", NULL);
	bad |= expect_refused("--hostname", "--hostname", "a b", NULL);
	bad |= expect_refused("--hostname", "--hostname", "", NULL);
	bad |= expect_refused("no user", "-u", "no-such-user-here", NULL);
	bad |= expect_refused("no group", "-u", "0:no-such-group-here", NULL);
	bad |= expect_refused("--user", "-u", "-1", NULL);
	bad |= expect_refused("write a ':' inside a path", "-v", "/tmp:/a:b:ro", NULL);
	bad |= expect_refused("mode must be ro or rw", "-v", "/tmp:/a:z", NULL);
	bad |= expect_refused("unknown option", "--tmpfs", "/x:bogus", NULL);
	bad |= expect_refused("bad value", "--tmpfs", "/x:size=big", NULL);
	bad |= expect_refused("overlaps", "--tmpfs", "/x", "--tmpfs=/x/y");
	bad |= expect_refused("type=volume", "--mount", "type=volume,dst=/x", NULL);
	bad |= expect_refused("required", "--mount", "type=bind,src=/tmp", NULL);
	return bad;
}

static int test_parse_can_run_twice(void)
{
	/* A refused option must not leave state that spoils the next parse. */
	EXPECT(parse("-VZ", NULL) == CLI_ERROR);
	EXPECT(parse("-V", "--cpus", "3", NULL) == CLI_RUN);
	EXPECT(opts.vm.verbose && opts.vm.cpus == 3);
	return 0;
}

/* The volume limit is the spec's, named in the message, and within what
 * a VM's helper processes allow (ENGINE_MAX_HELPERS). */
static int test_volume_limit_is_one_constant(void)
{
	static char *argv[2 + 2 * (KRUNSH_MAX_VOLUMES + 1)];
	static char specs[KRUNSH_MAX_VOLUMES + 1][32];
	int argc = 0;
	argv[argc++] = (char *)"krunsh"; /* cli_parse does not write to argv */
	for (int i = 0; i <= KRUNSH_MAX_VOLUMES; i++) {
		snprintf(specs[i], sizeof(specs[i]), "/tmp:/m%d:ro", i);
		argv[argc++] = (char *)"-v";
		argv[argc++] = specs[i];
	}
	argv[argc] = NULL;
	cli_free(&opts);
	memset(&err, 0, sizeof(err));
	EXPECT(cli_parse(argc, argv, &opts, &err) == CLI_ERROR);
	EXPECT(strstr(err.message, "at most 16") != NULL);
	cli_free(&opts);
	EXPECT(cli_parse(argc - 2, argv, &opts, &err) == CLI_RUN);
	EXPECT(opts.vm.resources.volume_count == KRUNSH_MAX_VOLUMES);
	return 0;
}

int main(void)
{
	RUN(test_volume_limit_is_one_constant);
	RUN(test_defaults);
	RUN(test_good_values_are_parsed);
	RUN(test_input_modes);
	RUN(test_env_entries_are_collected);
	RUN(test_help_and_version_exit_ok);
	RUN(test_every_bad_value_is_refused_with_a_message);
	RUN(test_podman_habits);
	RUN(test_tty_is_a_flag);
	RUN(test_podman_options_krunsh_lacks_are_refused);
	RUN(test_parse_can_run_twice);
	cli_free(&opts);
	return unit_finish();
}
