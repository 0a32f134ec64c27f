/* krunsh: read commands, run them in a throw-away microVM, exit with their
 * status (exit_status.c decides which); everything else returns values. */
#include "cli/environment.h"
#include "cli/events.h"
#include "cli/exit_status.h"
#include "cli/guest_env.h"
#include "cli/input_file.h"
#include "cli/interactive.h"
#include "cli/keeper/session_call.h"
#include "cli/keeper/session_cwd.h"
#include "cli/keeper/warm_call.h"
#include "cli/keeper/warm_command.h"
#include "cli/oci/image.h"
#include "cli/options.h"
#include "lib/engine/engine.h"
#include "util/error.h"
#include "lib/exec/job_build.h"
#include "cli/report.h"
#include "cli/runner_outputs.h"
#include "lib/exec/line_script.h"
#include "cli/signals.h"
#include "cli/stream.h"
#include "lib/vm/session.h"
#include "lib/vm/tempdir.h"
#include "lib/vm/vm_run.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int read_input(const struct options *opts, struct script *script, struct error *err)
{
	char *input = NULL;
	size_t length = 0;
	if (opts->proc.mode == INPUT_EXEC)
		return script_build(strdup(""), 0, 0, 0, script, err);
	if (opts->command) {
		input = strdup(opts->command);
		length = input ? strlen(input) : 0;
		/* -c is one command string, run as sh -c would. */
		return input ? script_build(input, length, 0, 0, script, err) : -1;
	}
	int flags = (opts->keep_going ? SCRIPT_KEEP_GOING : 0) |
		    (opts->report_file || opts->events ? SCRIPT_LINE_EVENTS : 0) |
		    (opts->events ? SCRIPT_LINE_STARTED : 0);
	int line_mode = opts->proc.mode == INPUT_LINES;
	if (opts->script_file) {
		if (input_read_file(opts->script_file, &input, &length, err) < 0)
			return -1;
		return script_build(input, length, line_mode, flags, script, err);
	}
	/* Read while it runs (cli/stream.c); a terminal on stdin gets an
	 * interactive shell instead (cli/interactive.c). */
	return script_stream_begin(script, line_mode, flags, err);
}

#define DEFAULT_BOOT_TIMEOUT 20.0

static double boot_timeout(void)
{
	const char *s = getenv("KRUNSH_BOOT_TIMEOUT");
	double v = s ? strtod(s, NULL) : 0;
	return v > 0 ? v : DEFAULT_BOOT_TIMEOUT;
}

/* One VM, one execution: the job. With --session the VM is the
 * session's, borrowed for the execution; when it could not boot, *decided
 * is the exit status. */
static int run_job(const struct engine *engine, const struct engine_probe *probe,
		   struct options *opts, struct script *script, double deadline,
		   struct events *events, struct vm_run_result *run, int *decided,
		   struct error *err, struct error *refused)
{
	struct job_buffer setup = {0}, job = {0};
	struct vm *vm = NULL;
	struct session_call call = {.conn = -1};
	struct warm_call warm = {.conn = -1};
	int r = -1;
	*decided = -1;
	if (job_build_setup(&opts->vm, &setup, err) < 0 ||
	    job_build_exec(&opts->vm, &opts->proc, script->text, script->text_length,
			   cli_stdin_reaches_commands(opts), &job, err) < 0)
		goto out;
	struct vm_setup vm_setup = {
	    .data = setup.data,
	    .length = setup.length,
	    .boot_timeout = boot_timeout(),
	    .cancel_fd = signals_fd(),
	    /* Test hook for the watchdog: freeze the first VM as a hung boot
	     * would, without touching the guest. */
	    .freeze_first_boot = getenv("KRUNSH_TEST_FREEZE_FIRST_BOOT") != NULL,
	};
	/* Without a session, a warm VM if one fits (else vm stays NULL). */
	if (!opts->session)
		warm_call_begin(opts, engine, &warm, &vm);
	int started = opts->session ? session_call_begin(opts, engine, probe, &vm_setup, deadline,
							 &call, &vm, decided, err)
		      : vm	    ? 0
				    : vm_start(engine, probe, &opts->vm, &vm_setup, deadline, &vm, run, err);
	if (started < 0)
		goto out;
	r = 0;
	if (!vm)
		goto out;
	struct vm_job vm_job = {.data = job.data,
				.length = job.length,
				.line_count = script->line_count,
				.line_events = job_line_events(&opts->proc),
				.discarded_files = job_discarded_files(&opts->vm, &opts->proc),
				.tty = opts->proc.tty,
				.stdin_fd = cli_stdin_reaches_commands(opts) ? 0 : -1,
				.stdout_fd = 1,
				.stderr_fd = 2,
				.on_event = events ? events_on_event : NULL,
				.event_data = events};
	if (script->streaming)
		stream_run(vm, &vm_job, 0, script, deadline, run, refused);
	else if (opts->proc.tty)
		interactive_run(vm, &vm_job, deadline, run);
	else
		vm_exec(vm, &vm_job, deadline, run);
	if (opts->session)
		session_call_end(&call, vm, run);
	else if (warm.conn >= 0)
		warm_call_end(&warm, vm);
	else
		vm_stop(vm);
out:
	job_buffer_free(&setup);
	job_buffer_free(&job);
	return r;
}

int main(int argc, char **argv)
{
	struct options opts;
	struct error err = {0};
	log_set_sink(log_to_stderr, NULL);
	static struct host_config host;
	environment_read(&host);
	host_config_set(&host);
	enum cli_result cr = cli_parse(argc, argv, &opts, &err);
	if (cr == CLI_EXIT_OK)
		return 0;
	if (cr == CLI_ERROR) {
		error_print(&err);
		cli_free(&opts);
		return EXIT_KRUNSH_FAILURE;
	}
	log_verbose = opts.vm.verbose;
	if (opts.image_prune) {
		int pruned = image_prune(&opts, &err);
		if (pruned < 0)
			error_print(&err);
		cli_free(&opts);
		return pruned < 0 ? EXIT_KRUNSH_FAILURE : 0;
	}
	if (opts.session_end) {
		int ended = session_end(&opts, &err);
		if (ended < 0)
			error_print(&err);
		cli_free(&opts);
		return ended < 0 ? EXIT_KRUNSH_FAILURE : 0;
	}
	double started = monotonic_seconds();
	if (signals_install() < 0) {
		log_message("cannot set up signal handling");
		return EXIT_KRUNSH_FAILURE;
	}
	tempdir_sweep_stale();
	if (opts.warm_set) {
		int warmed = warm_command(&opts, &err);
		if (warmed < 0)
			error_print(&err);
		cli_free(&opts);
		return warmed < 0 ? EXIT_KRUNSH_FAILURE : 0;
	}

	/* Before anything runs: a report that cannot be written fails the
	 * run now, not after the commands did their work. */
	struct report_file report = {.fd = -1};
	if (opts.report_file && report_file_open(opts.report_file, &report, &err) < 0) {
		error_print(&err);
		cli_free(&opts);
		return EXIT_KRUNSH_FAILURE;
	}

	int status = EXIT_KRUNSH_FAILURE;
	struct script script = {0};
	static struct events events;
	if (opts.events)
		events_begin(&events, 1, &script, &opts);
	struct vm_run_result run = {0};
	const struct engine *engine = NULL;
	struct engine_probe probe;
	int ran = 0;
	if (interactive_prepare(&opts, &err) < 0 || read_input(&opts, &script, &err) < 0 ||
	    runner_outputs_add_volumes(&opts, &err) < 0 ||
	    guest_env_build(&opts, &err) < 0 ||
	    !(engine = engine_select(&opts.vm, &probe, &err))) {
		error_print(&err);
		goto out;
	}
	log_verbose_message("%s", probe.reason);
	if (opts.events)
		events_run_started(&events, engine->name);
	opts.proc.script_stream = script.streaming;
	if (opts.session && session_cwd_wrap(&opts, &script) < 0) {
		log_message("out of memory");
		goto out;
	}
	double deadline = opts.timeout_seconds > 0 ? started + opts.timeout_seconds : 0;
	struct error refused = {0};
	int decided;
	if (run_job(engine, &probe, &opts, &script, deadline, opts.events ? &events : NULL, &run,
		    &decided, &err, &refused) < 0) {
		error_print(&err);
		goto out;
	}
	if (decided >= 0) {
		status = decided;
		goto out;
	}
	ran = 1;
	log_verbose_message("guest alive after %.3f s, finished after %.3f s, watchdog retries %d",
			    run.session.boot_seconds, monotonic_seconds() - started,
			    run.watchdog_retries);
	if (exit_status_refused_input_decides(&opts, &run, &refused)) {
		exit_status_report_failed_lines(&script, &run.session);
		error_print(&refused);
		err = refused;
		status = EXIT_KRUNSH_FAILURE;
	} else {
		status = exit_status_decide(&opts, &script, &run);
	}
out:
	if (opts.report_file) {
		struct run_summary summary = {
		    .opts = &opts,
		    .engine = engine ? engine->name : NULL,
		    .probe = engine ? &probe : NULL,
		    .script = &script,
		    .run = ran ? &run : NULL,
		    .total_seconds = monotonic_seconds() - started,
		    .exit_status = status,
		    .error = err.message[0] ? err.message : NULL,
		};
		struct error report_err = {0};
		if (report_write(&report, &summary, &report_err) < 0) {
			error_print(&report_err);
			status = EXIT_KRUNSH_FAILURE;
		}
	}
	if (opts.events) {
		events_run_finished(&events, status, err.message, ran ? run.session.unwritten : 0,
				    signals_fd());
		events_free(&events);
	}
	session_result_free(&run.session);
	script_free(&script);
	cli_free(&opts);
	return status;
}
