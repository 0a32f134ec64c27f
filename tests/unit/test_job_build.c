/* Building the job for the guest (lib/exec/job_build.c): mode, shell,
 * workdir, script, and a minimal environment: never the host's wholesale. */
#include "cli/options.h"
#include "unit_specs.h"
#include "cli/guest_env.h"
#include "lib/exec/job_build.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static struct options opts;
static struct job_buffer job;
static struct error err;
static struct unit_specs specs;

struct decoded {
	uint32_t mode;
	char shell[256], workdir[4096], script[256];
	char env[512][256];
	int env_count;
	char args[8][64];
	int arg_count;
	int forward_stdin;
	int discarded_files;
	uint32_t tty_rows, tty_columns;
	int user_set;
	uint32_t uid, gid;
	char hostname[80];
	char tmpfs[256];
	unsigned long tmpfs_flags;
};
static struct decoded d;

static void copy(char *to, size_t size, const struct job_record *r)
{
	snprintf(to, size, "%.*s", (int)r->length, (const char *)r->value);
}

static int decode(void)
{
	memset(&d, 0, sizeof(d));
	size_t offset = 0;
	struct job_record r;
	int k;
	while ((k = job_next_record(job.data, job.length, &offset, &r)) == 1) {
		switch (r.key) {
		case JOB_MODE:
			if (r.length != 4)
				return -1;
			d.mode = get_u32le(r.value);
			break;
		case JOB_SHELL:
			copy(d.shell, sizeof(d.shell), &r);
			break;
		case JOB_WORKDIR:
			copy(d.workdir, sizeof(d.workdir), &r);
			break;
		case JOB_SCRIPT:
			copy(d.script, sizeof(d.script), &r);
			break;
		case JOB_ENV:
			if (d.env_count == 512)
				return -1;
			copy(d.env[d.env_count++], sizeof(d.env[0]), &r);
			break;
		case JOB_ARG:
			if (d.arg_count == 8)
				return -1;
			copy(d.args[d.arg_count++], sizeof(d.args[0]), &r);
			break;
		case JOB_STDIN:
			d.forward_stdin = 1;
			break;
		case JOB_TTY:
			if (r.length != 8)
				return -1;
			d.tty_rows = get_u32le(r.value);
			d.tty_columns = get_u32le(r.value + 4);
			break;
		case JOB_DISCARDED_FILES:
			if (r.length != 4 || get_u32le(r.value) != 1)
				return -1;
			d.discarded_files = 1;
			break;
		case JOB_USER:
			if (r.length < 8)
				return -1;
			d.user_set = 1;
			d.uid = get_u32le(r.value);
			d.gid = get_u32le(r.value + 4);
			break;
		case JOB_HOSTNAME:
			copy(d.hostname, sizeof(d.hostname), &r);
			break;
		case JOB_TMPFS:
			/* "PATH\0DATA" after the flags: shown as "PATH DATA". */
			if (r.length < 5)
				return -1;
			d.tmpfs_flags = get_u32le(r.value);
			{
				const char *path = (const char *)r.value + 4;
				size_t n = strnlen(path, r.length - 4);
				int rest = (int)(r.length - 4 - n) - 1;
				snprintf(d.tmpfs, sizeof(d.tmpfs), "%.*s %.*s", (int)n, path,
					 rest > 0 ? rest : 0, path + n + 1);
			}
			break;
		default:
			return -1;
		}
	}
	return k;
}

static int env_count_named(const char *name)
{
	int n = 0;
	size_t len = strlen(name);
	for (int i = 0; i < d.env_count; i++)
		if (strncmp(d.env[i], name, len) == 0 && d.env[i][len] == '=')
			n++;
	return n;
}

static const char *env_value(const char *name)
{
	size_t len = strlen(name);
	for (int i = 0; i < d.env_count; i++)
		if (strncmp(d.env[i], name, len) == 0 && d.env[i][len] == '=')
			return d.env[i] + len + 1;
	return NULL;
}

/* build(script_text, argv...): parses the options, builds the job, decodes. */
static int build(const char *text, const char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	cli_free(&opts);
	job_buffer_free(&job);
	memset(&err, 0, sizeof(err));
	if (cli_parse(argc, (char **)argv, &opts, &err) != CLI_RUN) /* not written to */
		return -2;
	struct job_buffer setup = {0};
	if (guest_env_build(&opts, &err) < 0)
		return -1;
	if (unit_specs_make(&opts, text, &specs, &err) < 0)
		return -1;
	if (job_build_setup(&specs.vm, &setup, &err) < 0 ||
	    job_build_exec(&specs.vm, &specs.proc, text, strlen(text),
			   cli_stdin_reaches_commands(&opts), &job, &err) < 0) {
		job_buffer_free(&setup);
		return -1;
	}
	/* Each record in its own frame's part, then decoded as one. */
	int misplaced = 0;
	struct job_record r;
	size_t offset = 0;
	while (job_next_record(job.data, job.length, &offset, &r) == 1)
		misplaced += job_key_is_setup(r.key);
	offset = 0;
	while (job_next_record(setup.data, setup.length, &offset, &r) == 1) {
		misplaced += !job_key_is_setup(r.key);
		job_buffer_add(&job, r.key, r.value, r.length);
	}
	job_buffer_free(&setup);
	if (misplaced)
		return -4;
	return decode() == 0 ? 0 : -3;
}

static int test_host_secret_is_not_passed(void)
{
	setenv("SECRET_TOKEN", "hunter2", 1);
	setenv("PATH", "/opt/bin:/usr/bin", 1);
	setenv("LANG", "C.UTF-8", 1);
	unsetenv("TERM");
	const char *argv[] = {"krunsh", NULL};
	EXPECT(build("echo hi\n", argv) == 0);
	EXPECT(env_count_named("SECRET_TOKEN") == 0);
	for (int i = 0; i < d.env_count; i++)
		EXPECT(!strstr(d.env[i], "hunter2"));
	/* Only the documented minimal set: PATH, HOME, TERM, LANG. */
	for (int i = 0; i < d.env_count; i++)
		EXPECT(!strncmp(d.env[i], "PATH=", 5) || !strncmp(d.env[i], "HOME=", 5) ||
		       !strncmp(d.env[i], "TERM=", 5) || !strncmp(d.env[i], "LANG=", 5));
	EXPECT_STR(env_value("PATH"), "/opt/bin:/usr/bin");
	EXPECT_STR(env_value("LANG"), "C.UTF-8");
	EXPECT(env_value("TERM") == NULL);
	EXPECT(env_count_named("HOME") == 1);
	return 0;
}

static int test_env_option_passes_what_it_names(void)
{
	setenv("SECRET_TOKEN", "hunter2", 1);
	const char *argv[] = {"krunsh",	 "-e", "SECRET_TOKEN", "-e",
			      "FOO=a=b", "-e", "EMPTY=",       NULL};
	EXPECT(build("true", argv) == 0);
	EXPECT_STR(env_value("SECRET_TOKEN"), "hunter2");
	EXPECT_STR(env_value("FOO"), "a=b");
	EXPECT_STR(env_value("EMPTY"), "");
	return 0;
}

static int test_env_option_overrides_a_default(void)
{
	setenv("PATH", "/host/bin", 1);
	const char *argv[] = {"krunsh", "-e", "PATH=/guest/bin", "-e", "HOME", NULL};
	setenv("HOME", "/home/me", 1);
	EXPECT(build("true", argv) == 0);
	EXPECT(env_count_named("PATH") == 1);
	EXPECT_STR(env_value("PATH"), "/guest/bin");
	EXPECT(env_count_named("HOME") == 1);
	EXPECT_STR(env_value("HOME"), "/home/me");
	return 0;
}

static int test_env_option_of_unset_variable_fails(void)
{
	unsetenv("KRUNSH_UNIT_UNSET");
	const char *argv[] = {"krunsh", "-e", "KRUNSH_UNIT_UNSET", NULL};
	EXPECT(build("true", argv) == -1);
	EXPECT(strstr(err.message, "KRUNSH_UNIT_UNSET") != NULL);
	return 0;
}

static int test_mode_shell_workdir_and_script(void)
{
	const char *lines[] = {"krunsh", NULL};
	EXPECT(build("the script", lines) == 0);
	EXPECT(d.mode == JOB_MODE_SHELL_LINES);
	EXPECT_STR(d.shell, "/bin/sh");
	EXPECT_STR(d.script, "the script");
	char cwd[4096];
	EXPECT(getcwd(cwd, sizeof(cwd)));
	EXPECT_STR(d.workdir, cwd);

	const char *script[] = {"krunsh", "--script", "--shell", "/bin/bash", "-w", "/srv", NULL};
	EXPECT(build("x", script) == 0);
	EXPECT(d.mode == JOB_MODE_SHELL_SCRIPT);
	EXPECT_STR(d.shell, "/bin/bash");
	EXPECT_STR(d.workdir, "/srv");
	/* stdin carried that script: the commands must not get it too. */
	EXPECT(!d.forward_stdin);

	const char *command[] = {"krunsh", "-c", "echo", NULL};
	EXPECT(build("echo", command) == 0);
	EXPECT(d.mode == JOB_MODE_SHELL_LINES || d.mode == JOB_MODE_SHELL_SCRIPT);
	EXPECT(d.forward_stdin);

	const char *exec[] = {"krunsh", "--", "prog", "a b", "", NULL};
	EXPECT(build("", exec) == 0);
	EXPECT(d.mode == JOB_MODE_EXEC);
	EXPECT(d.forward_stdin);
	EXPECT(d.arg_count == 3);
	EXPECT_STR(d.args[0], "prog");
	EXPECT_STR(d.args[1], "a b");
	EXPECT_STR(d.args[2], "");
	EXPECT(d.script[0] == '\0');
	return 0;
}

/* The guest counts what the commands leave under the workdir only where
 * keeping it makes sense (discarded_files.c decides; its own test says
 * when), and only for a caller that asks (the command line does). */
static int test_discarded_files_asked_for_by_workdir(void)
{
	const char *srv[] = {"krunsh", "-w", "/srv/proj", "-c", "true", NULL};
	EXPECT(build("true", srv) == 0);
	EXPECT(d.discarded_files);
	const char *root[] = {"krunsh", "-w", "/", "-c", "true", NULL};
	EXPECT(build("true", root) == 0);
	EXPECT(!d.discarded_files);
	const char *tmpfs[] = {"krunsh", "-w", "/srv/proj", "--tmpfs", "/srv", "-c", "true", NULL};
	EXPECT(build("true", tmpfs) == 0);
	EXPECT(!d.discarded_files);
	const char *exec[] = {"krunsh", "-w", "/srv/proj", "--", "prog", NULL};
	EXPECT(build("", exec) == 0);
	EXPECT(d.discarded_files);
	specs.proc.discarded_files = 0;
	EXPECT(!job_discarded_files(&specs.vm, &specs.proc));
	return 0;
}

/* Exec mode passes the host's environment, minus what only means
 * something on the host; --clean-env and the shell modes do not. */
static int test_exec_mode_inherits_the_host_environment(void)
{
	setenv("PROBE_FAIL", "1", 1);
	setenv("DISPLAY", ":9", 1);
	setenv("SSH_AUTH_SOCK", "/tmp/agent.sock", 1);
	setenv("KRUNSH_KERNEL", "/boot/k", 1);
	setenv("TERM_PROGRAM_VERSION", "3", 1);
	setenv("LANG", "C.UTF-8", 1);
	const char *exec[] = {"krunsh", "-e", "LANG=de_DE.UTF-8", "--", "prog", NULL};
	EXPECT(build("", exec) == 0);
	EXPECT_STR(env_value("PROBE_FAIL"), "1");
	EXPECT(env_count_named("PATH") == 1 && env_count_named("HOME") == 1);
	EXPECT(env_count_named("LANG") == 1);
	EXPECT_STR(env_value("LANG"), "de_DE.UTF-8");
	EXPECT(env_count_named("DISPLAY") == 0 && env_count_named("SSH_AUTH_SOCK") == 0);
	EXPECT(env_count_named("KRUNSH_KERNEL") == 0);
	EXPECT(env_count_named("TERM_PROGRAM_VERSION") == 0);
	const char *clean[] = {"krunsh", "--clean-env", "--", "prog", NULL};
	EXPECT(build("", clean) == 0);
	EXPECT(env_count_named("PROBE_FAIL") == 0);
	EXPECT_STR(env_value("LANG"), "C.UTF-8");
	const char *lines[] = {"krunsh", NULL};
	EXPECT(build("true", lines) == 0);
	EXPECT(env_count_named("PROBE_FAIL") == 0);
	unsetenv("PROBE_FAIL");
	unsetenv("DISPLAY");
	unsetenv("SSH_AUTH_SOCK");
	unsetenv("KRUNSH_KERNEL");
	unsetenv("TERM_PROGRAM_VERSION");
	return 0;
}

/* -u, --hostname and --tmpfs reach the guest as their records; -u sets
 * HOME from the passwd entry unless -e HOME says otherwise. */
static int test_podman_options_become_records(void)
{
	const char *argv[] = {"krunsh", "-u",	   "root:0",	       "--hostname",
			      "box",	"--tmpfs", "/scratch:size=1m", NULL};
	setenv("HOME", "/home/someone", 1);
	EXPECT(build("true\n", argv) == 0);
	EXPECT(d.user_set && d.uid == 0 && d.gid == 0);
	EXPECT_STR(env_value("HOME"), "/root");
	EXPECT_STR(d.hostname, "box");
	EXPECT_STR(d.tmpfs, "/scratch size=1m");
	EXPECT(d.tmpfs_flags != 0);
	const char *with_home[] = {"krunsh", "-u", "0", "-e", "HOME=/x", NULL};
	EXPECT(build("true\n", with_home) == 0);
	EXPECT_STR(env_value("HOME"), "/x");
	EXPECT(env_count_named("HOME") == 1);
	return 0;
}

/* -t: the size travels in JOB_TTY, checked before it does. */
static int test_tty_size_becomes_a_record(void)
{
	const char *argv[] = {"krunsh", "-t", "--", "vi", NULL};
	cli_free(&opts);
	job_buffer_free(&job);
	EXPECT(cli_parse(4, (char **)argv, &opts, &err) == CLI_RUN); /* not written to */
	opts.proc.tty = 1;
	opts.proc.tty_rows = 30;
	opts.proc.tty_columns = 100;
	EXPECT(unit_specs_make(&opts, "", &specs, &err) == 0);
	EXPECT(job_build_exec(&specs.vm, &specs.proc, "", 0, 1, &job, &err) == 0);
	EXPECT(decode() == 0);
	EXPECT(d.tty_rows == 30 && d.tty_columns == 100 && d.forward_stdin);
	job_buffer_free(&job);
	opts.proc.tty_columns = WINSIZE_MAX + 1;
	EXPECT(unit_specs_make(&opts, "", &specs, &err) < 0);
	EXPECT(strstr(err.message, "terminal size") != NULL);
	job_buffer_free(&job);
	opts.proc.tty_rows = 0;
	opts.proc.tty_columns = 80;
	EXPECT(unit_specs_make(&opts, "", &specs, &err) < 0);
	/* and the job's own check, should a spec come without the API's */
	specs.proc.tty_rows = 0;
	EXPECT(job_build_exec(&specs.vm, &specs.proc, "", 0, 1, &job, &err) < 0);
	return 0;
}

int main(void)
{
	RUN(test_host_secret_is_not_passed);
	RUN(test_env_option_passes_what_it_names);
	RUN(test_env_option_overrides_a_default);
	RUN(test_env_option_of_unset_variable_fails);
	RUN(test_mode_shell_workdir_and_script);
	RUN(test_discarded_files_asked_for_by_workdir);
	RUN(test_exec_mode_inherits_the_host_environment);
	RUN(test_podman_options_become_records);
	RUN(test_tty_size_becomes_a_record);
	cli_free(&opts);
	job_buffer_free(&job);
	unit_specs_free(&specs);
	return unit_finish();
}
