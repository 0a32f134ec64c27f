/* How a run ends, as an exit status: the commands' own (0-255, 128+N for a
 * signal), or krunsh's: 124 when --timeout ran out, 125 when krunsh or the
 * VM failed (shared/design.md), 128+N when krunsh got signal N, 141 when
 * stdout closed. Every message of the run's end is said here, once. */
#include "cli/exit_status.h"
#include "cli/discarded_message.h"
#include "util/text.h"

#include <signal.h>
#include <string.h>

void exit_status_report_failed_lines(const struct krunsh_exec_result *r)
{
	for (size_t i = 0; i < r->failed_line_count; i++) {
		const struct krunsh_line *line = &r->failed_lines[i];
		if (!line->text) {
			log_message("a command failed with status %d", line->status);
			continue;
		}
		char text[200];
		text_sanitize(text, sizeof(text), line->text, line->text_length, 160);
		log_message("line %u failed with status %d: %s", line->number, line->status, text);
	}
}

/* Streamed input that was refused (a NUL byte, a line that needs the
 * next ones) ends the run with 125 once the lines before it have run; a
 * line that failed before it, without --keep-going, ended the run first,
 * and that failure is what the user hears of. */
int exit_status_refused_input_decides(const struct options *opts,
				      const struct krunsh_exec_result *r)
{
	if (!r->input_refused[0] || r->end != KRUNSH_EXEC_EXITED)
		return 0;
	return r->status == 0 || opts->keep_going;
}

int exit_status_decide(const struct options *opts, const char *workdir,
		       const struct krunsh_exec_result *r)
{
	switch (r->end) {
	case KRUNSH_EXEC_EXITED: {
		exit_status_report_failed_lines(r);
		/* Last: what the user most needs to see after the output. */
		char line[2048];
		if (discarded_message(line, sizeof(line), opts->vm.root_dir, workdir, r))
			log_message("%s", line);
		return r->status;
	}
	case KRUNSH_EXEC_TIMEOUT:
		log_message("timed out after %g s; the VM was stopped", opts->timeout_seconds);
		return EXIT_KRUNSH_TIMEOUT;
	case KRUNSH_EXEC_CANCELLED:
		log_message("stopped by signal %d (%s); the VM was stopped", r->cancel_byte,
			    strsignal(r->cancel_byte));
		return 128 + r->cancel_byte;
	case KRUNSH_EXEC_OUTPUT_CLOSED:
		/* Like any command writing into a closed pipe (| head -1). */
		return 128 + SIGPIPE;
	case KRUNSH_EXEC_BOOT_TIMEOUT:
		log_message(
		    "the guest showed no sign of life, twice (boot watchdog); run with -V to "
		    "see the boot%s%s",
		    r->vmm_log_tail[0] ? "; last VMM message: " : "", r->vmm_log_tail);
		return EXIT_KRUNSH_FAILURE;
	case KRUNSH_EXEC_VM_DIED:
		exit_status_report_failed_lines(r);
		if (r->vmm_cause[0]) {
			log_message("%s: %s", r->message, r->vmm_cause);
			return EXIT_KRUNSH_FAILURE;
		}
		log_message("%s (guest kernel panic, out of memory or power-off?)%s%s", r->message,
			    r->vmm_log_tail[0] ? "; VMM said: " : "", r->vmm_log_tail);
		return EXIT_KRUNSH_FAILURE;
	case KRUNSH_EXEC_GUEST_ERROR:
		log_message("in the guest: %s", r->message);
		return EXIT_KRUNSH_FAILURE;
	case KRUNSH_EXEC_PROTOCOL_ERROR:
		log_message("protocol error: %s", r->message);
		return EXIT_KRUNSH_FAILURE;
	}
	return EXIT_KRUNSH_FAILURE;
}
