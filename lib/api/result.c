/* How the public API says what happened: errors as krunsh_error, an
 * execution's or a boot's end as krunsh_exec_result (for lib/api/vm.c and
 * lib/api/exec.c alike). */
#include "lib/api/api.h"
#include "lib/exec/discarded_files.h"
#include "util/clock.h"
#include "util/text.h"

#include <string.h>

int api_fail(struct krunsh_error *err, int code, const struct error *inner)
{
	if (err) {
		err->code = code;
		text_format(err->message, sizeof(err->message), "%s", inner->message);
	}
	return -1;
}

int api_fail_text(struct krunsh_error *err, int code, const char *text)
{
	struct error inner;
	text_format(inner.message, sizeof(inner.message), "%s", text);
	return api_fail(err, code, &inner);
}

double api_deadline(double timeout)
{
	return timeout > 0 ? monotonic_seconds() + timeout : 0;
}

static enum krunsh_exec_end end_of(enum session_outcome outcome)
{
	switch (outcome) {
	case SESSION_EXITED:
		return KRUNSH_EXEC_EXITED;
	case SESSION_TIMEOUT:
		return KRUNSH_EXEC_TIMEOUT;
	case SESSION_BOOT_TIMEOUT:
		return KRUNSH_EXEC_BOOT_TIMEOUT;
	case SESSION_SIGNALLED:
		return KRUNSH_EXEC_CANCELLED;
	case SESSION_VM_DIED:
		return KRUNSH_EXEC_VM_DIED;
	case SESSION_OUTPUT_CLOSED:
		return KRUNSH_EXEC_OUTPUT_CLOSED;
	case SESSION_PROTOCOL_ERROR:
		return KRUNSH_EXEC_PROTOCOL_ERROR;
	case SESSION_AGENT_ERROR:
	case SESSION_ALIVE:
		break;
	}
	return KRUNSH_EXEC_GUEST_ERROR;
}

void api_result(const struct krunsh_vm *k, const char *workdir, struct krunsh_exec_result *out)
{
	const struct session_result *r = &k->run.session;
	memset(out, 0, sizeof(*out));
	out->end = end_of(r->outcome);
	out->status = r->exit_status;
	out->cancel_byte = r->signal;
	out->unwritten = r->unwritten;
	text_format(out->message, sizeof(out->message), "%s", r->message);
	text_format(out->vmm_cause, sizeof(out->vmm_cause), "%s", k->run.vmm_cause);
	text_format(out->vmm_log_tail, sizeof(out->vmm_log_tail), "%s", k->run.vmm_log_tail);
	if (r->discarded.count && workdir) {
		out->discarded_count = r->discarded.count;
		out->discarded_at_least = r->discarded.at_least;
		if (r->discarded.first[0])
			discarded_files_first(out->discarded_first, sizeof(out->discarded_first),
					      workdir, &r->discarded);
	}
}

