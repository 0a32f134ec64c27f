/* krunsh: read commands, run them in a throw-away microVM, exit with their
 * status (exit_status.c decides which); everything else returns values.
 * The VM and the execution go through the library's public API
 * (include/krunsh/krunsh.h), from the specs cli/run_spec.c makes. */
#include "cli/api_error.h"
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
#include "cli/report.h"
#include "cli/run_spec.h"
#include "cli/runner_outputs.h"
#include "cli/signals.h"
#include "cli/stream.h"
#include "krunsh/krunsh.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/text.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The script, when it is not fed from stdin while it runs: -c's string
 * or FILE's contents (*script NULL: stdin, or exec mode). */
static int read_script(const struct options *opts, char **script, size_t *length, struct error *err)
{
	*script = NULL;
	*length = 0;
	if (opts->proc.mode == INPUT_EXEC)
		return 0;
	if (opts->command) {
		/* -c is one command string, run as sh -c would. */
		if (!(*script = strdup(opts->command))) {
			error_set(err, 0, "out of memory");
			return -1;
		}
		*length = strlen(*script);
		return 0;
	}
	if (opts->script_file)
		return input_read_file(opts->script_file, script, length, err);
	/* Read while it runs (cli/stream.c); a terminal on stdin gets an
	 * interactive shell instead (cli/interactive.c). */
	return 0;
}

/* Seconds left until deadline (0: none), never 0 once it is set. */
static double left_until(double deadline)
{
	if (deadline <= 0)
		return 0;
	double left = deadline - monotonic_seconds();
	return left > 0.001 ? left : 0.001;
}

/* The job's one execution on vm, to its end. */
static int run_exec(krunsh_vm *vm, struct options *opts, struct run_spec *spec, double deadline,
		    struct events *events, struct krunsh_exec_result *result, struct error *err)
{
	struct krunsh_io io = {.stdin_fd = cli_stdin_reaches_commands(opts) ? 0 : -1,
			       .stdout_fd = 1,
			       .stderr_fd = 2,
			       .on_event = events ? events_on_event : NULL,
			       .event_data = events};
	spec->proc.timeout = left_until(deadline);
	krunsh_exec *exec;
	struct krunsh_error e;
	if (krunsh_exec_start(vm, &spec->proc, &io, &exec, &e) < 0) {
		error_from_api(err, &e);
		return -1;
	}
	struct error read_failed = {0};
	if (spec->proc.script_fed)
		stream_run(exec, 0, &read_failed);
	else if (spec->proc.terminal)
		interactive_run(exec);
	krunsh_exec_finish(exec, result);
	if (read_failed.message[0] && !result->input_refused[0])
		text_format(result->input_refused, sizeof(result->input_refused), "%s",
			    read_failed.message);
	return 0;
}

/* One VM, one execution: the job. The VM is the session's (--session) or
 * a warm one, borrowed for the execution, or `created` booted now; when
 * the session's could not boot, *decided is the exit status. 0 with
 * result (its end says how it went, a boot's failure too), or -1 with
 * err. */
static int run_job(krunsh_vm *created, struct options *opts, struct run_spec *spec, double deadline,
		   struct events *events, struct krunsh_exec_result *result, int *decided,
		   struct error *err)
{
	krunsh_vm *borrowed = NULL;
	struct session_call call = {.conn = -1};
	struct warm_call warm = {.conn = -1};
	*decided = -1;
	if (opts->session) {
		if (session_call_begin(opts, spec->vm.boot_timeout, deadline, &call, &borrowed,
				       decided, err) < 0)
			return -1;
		if (!borrowed)
			return 0;
	} else {
		/* A warm VM if one fits, else a cold boot. */
		warm_call_begin(opts, krunsh_vm_engine(created), &warm, &borrowed);
	}
	if (!borrowed) {
		struct krunsh_error e;
		if (krunsh_vm_boot(created, result, &e) < 0) {
			/* A boot that ended (result->end says how) is the run's end;
			 * one that could not start is krunsh's error. */
			if (e.code == KRUNSH_E_START && result->end != KRUNSH_EXEC_EXITED)
				return 0;
			error_from_api(err, &e);
			return -1;
		}
	}
	int r = run_exec(borrowed ? borrowed : created, opts, spec, deadline, events, result, err);
	if (opts->session)
		session_call_end(&call, borrowed, r == 0 && result->end == KRUNSH_EXEC_EXITED);
	else if (borrowed)
		warm_call_end(&warm, borrowed);
	return r;
}

int main(int argc, char **argv)
{
	struct options opts;
	struct error err = {0};
	log_set_sink(log_to_stderr, NULL);
	const struct krunsh_host *host = environment_host();
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
	static struct events events;
	if (opts.events)
		events_begin(&events, 1, &opts);
	struct run_spec spec = {0};
	struct krunsh_exec_result result = {0};
	struct report_vm facts = {0};
	krunsh_vm *vm = NULL;
	int ran = 0;
	char *script;
	size_t script_length;
	double deadline = opts.timeout_seconds > 0 ? started + opts.timeout_seconds : 0;
	struct krunsh_error e;
	if (interactive_prepare(&opts, &err) < 0 ||
	    read_script(&opts, &script, &script_length, &err) < 0 ||
	    runner_outputs_add_volumes(&opts, &err) < 0 || guest_env_build(&opts, &err) < 0) {
		error_print(&err);
		goto out;
	}
	run_spec_build(&opts, host, script, script_length, &spec);
	/* A FILE's every line is checked before anything boots. */
	if (krunsh_proc_spec_check(&spec.proc, &e) < 0) {
		error_from_api(&err, &e);
		error_print(&err);
		goto out;
	}
	spec.vm.boot_timeout = environment_boot_timeout();
	spec.vm.timeout = left_until(deadline);
	spec.vm.cancel_fd = signals_fd();
	spec.vm.log = opts.events ? events_log : log_to_stderr;
	spec.vm.log_data = opts.events ? &events : NULL;
	if (opts.session)
		spec.proc.prologue = session_cwd_prologue(&opts);
	if (krunsh_vm_create(&spec.vm, &vm, &e) < 0) {
		error_from_api(&err, &e);
		error_print(&err);
		goto out;
	}
	if (opts.events)
		events_run_started(&events, krunsh_vm_engine(vm));
	int decided;
	int job = run_job(vm, &opts, &spec, deadline, opts.events ? &events : NULL, &result,
			  &decided, &err);
	/* The VM goes before the run's end is reported. */
	report_vm_facts(vm, &facts);
	krunsh_vm_stop(vm);
	vm = NULL;
	if (job < 0) {
		error_print(&err);
		goto out;
	}
	if (decided >= 0) {
		status = decided;
		goto out;
	}
	ran = 1;
	log_verbose_message("guest alive after %.3f s, finished after %.3f s, watchdog retries %d",
			    facts.boot_seconds, monotonic_seconds() - started,
			    facts.watchdog_retries);
	if (exit_status_refused_input_decides(&opts, &result)) {
		exit_status_report_failed_lines(&result);
		log_message("%s", result.input_refused);
		text_format(err.message, sizeof(err.message), "%s", result.input_refused);
		status = EXIT_KRUNSH_FAILURE;
	} else {
		status = exit_status_decide(&opts, run_spec_workdir(&spec), &result);
	}
out:
	if (vm) /* created, never booted */
		report_vm_facts(vm, &facts);
	krunsh_vm_stop(vm);
	if (opts.report_file) {
		struct run_summary summary = {
		    .opts = &opts,
		    .vm = facts.engine[0] ? &facts : NULL,
		    .result = ran ? &result : NULL,
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
		events_run_finished(&events, status, err.message, ran ? result.unwritten : 0,
				    signals_fd());
		events_free(&events);
	}
	krunsh_exec_result_free(&result);
	run_spec_free(&spec);
	cli_free(&opts);
	return status;
}
