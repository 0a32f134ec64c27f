/* How a run ends, as an exit status: the commands' own (0-255, 128+N for a
 * signal), or krunsh's: 124 when --timeout ran out, 125 when krunsh or the
 * VM failed (shared/design.md), 128+N when krunsh got signal N, 141 when
 * stdout closed. Every message of the run's end is said here, once. */
#include "cli/exit_status.h"
#include "lib/exec/discarded_files.h"
#include "lib/exec/job_build.h"

#include <signal.h>
#include <string.h>

void exit_status_report_failed_lines(const struct script *script, const struct session_result *r)
{
	for (size_t i = 0; i < r->failed_count; i++) {
		const struct script_line *line = script_find_line(script, r->failed[i].line);
		if (!line) {
			log_message("a command failed with status %u", r->failed[i].status);
			continue;
		}
		char text[200];
		script_line_describe(script, line, text, sizeof(text));
		log_message("line %u failed with status %u: %s", r->failed[i].line,
			    r->failed[i].status, text);
	}
}

/* Streamed input that was refused (a NUL byte, a line that needs the
 * next ones) ends the run with 125 once the lines before it have run; a
 * line that failed before it, without --keep-going, ended the run first,
 * and that failure is what the user hears of. */
int exit_status_refused_input_decides(const struct options *opts, const struct vm_run_result *run,
				      const struct error *refused)
{
	if (!refused->message[0] || run->session.outcome != SESSION_EXITED)
		return 0;
	return run->session.exit_status == 0 || opts->keep_going;
}

int exit_status_decide(const struct options *opts, const struct script *script,
		       const struct vm_run_result *run)
{
	const struct session_result *r = &run->session;
	switch (r->outcome) {
	case SESSION_EXITED: {
		exit_status_report_failed_lines(script, r);
		/* Last: what the user most needs to see after the output. */
		char cwd[4096], line[2048];
		if (discarded_files_message(line, sizeof(line), &opts->vm,
					    job_workdir(&opts->vm, &opts->proc, cwd, sizeof(cwd)),
					    &r->discarded))
			log_message("%s", line);
		return r->exit_status;
	}
	case SESSION_TIMEOUT:
		log_message("timed out after %g s; the VM was stopped", opts->timeout_seconds);
		return EXIT_KRUNSH_TIMEOUT;
	case SESSION_SIGNALLED:
		log_message("stopped by signal %d (%s); the VM was stopped", r->signal,
			    strsignal(r->signal));
		return 128 + r->signal;
	case SESSION_OUTPUT_CLOSED:
		/* Like any command writing into a closed pipe (| head -1). */
		return 128 + SIGPIPE;
	case SESSION_BOOT_TIMEOUT:
		log_message(
		    "the guest showed no sign of life, twice (boot watchdog); run with -V to "
		    "see the boot%s%s",
		    run->vmm_log_tail[0] ? "; last VMM message: " : "", run->vmm_log_tail);
		return EXIT_KRUNSH_FAILURE;
	case SESSION_VM_DIED:
		exit_status_report_failed_lines(script, r);
		if (run->vmm_cause[0]) {
			log_message("%s: %s", r->message, run->vmm_cause);
			return EXIT_KRUNSH_FAILURE;
		}
		log_message("%s (guest kernel panic, out of memory or power-off?)%s%s", r->message,
			    run->vmm_log_tail[0] ? "; VMM said: " : "", run->vmm_log_tail);
		return EXIT_KRUNSH_FAILURE;
	case SESSION_AGENT_ERROR:
		log_message("in the guest: %s", r->message);
		return EXIT_KRUNSH_FAILURE;
	case SESSION_PROTOCOL_ERROR:
		log_message("protocol error: %s", r->message);
		return EXIT_KRUNSH_FAILURE;
	case SESSION_ALIVE: /* the start's outcome, never a run's end */
		break;
	}
	return EXIT_KRUNSH_FAILURE;
}
