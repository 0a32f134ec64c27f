#include "cli/keeper/warm_call.h"
#include "cli/environment.h"
#include "cli/keeper/keeper_files.h"
#include "cli/keeper/keeper_wire.h"
#include "cli/keeper/warm_spec.h"
#include "cli/signals.h"
#include "util/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* How long a run waits for the keeper's answer, which comes at once
 * unless the run waits for a warm VM that is booting: then it comes when
 * that boot ends, at worst two attempts under the boot watchdog later (the
 * keeper's VMs boot with the watchdog this run would have, set by the same
 * KRUNSH_BOOT_TIMEOUT), the keeper saying so if the boot failed. Only a
 * keeper that hangs takes the whole time. A fixed 30 s was shorter than
 * that nested under TCG, and the run booted cold although the VM it waited
 * for came. */
static int take_wait_ms(void)
{
	return (int)((2 * environment_boot_timeout() + 5) * 1000);
}

static void cold(const char *why)
{
	log_verbose_message("cold boot: %s", why);
}

void warm_call_begin(const struct options *opts, const char *engine, struct warm_call *call,
		     krunsh_vm **vm)
{
	*vm = NULL;
	call->conn = -1;
	if (getenv("KRUNSH_NO_WARM")) {
		cold("KRUNSH_NO_WARM is set");
		return;
	}
	struct keeper_paths paths;
	struct error err = {0};
	if (keeper_paths_warm(&paths, &err) < 0) {
		cold(err.message);
		return;
	}
	int conn = keeper_connect(&paths);
	if (conn < 0) {
		cold(errno == EPERM ? "the warm keeper's socket is not served by your user"
				    : "no warm VMs are kept (krunsh --warm N keeps N)");
		return;
	}
	static struct keeper_message m;
	m = (struct keeper_message){.version = KEEPER_WIRE_VERSION, .op = KEEPER_TAKE};
	if (warm_spec_describe(opts, engine, m.text, sizeof(m.text)) < 0) {
		close(conn);
		cold("too many VM options for a warm VM");
		return;
	}
	int fds[KEEPER_MAX_FDS];
	/* A signal meanwhile stays in the pipe: the cold start sees it. */
	int r = keeper_send(conn, &m, NULL, 0) < 0
		    ? -1
		    : keeper_receive(conn, &m, fds, take_wait_ms(), signals_fd());
	if (r != 1 || m.op != KEEPER_REPLY || !m.ok || fds[0] < 0) {
		for (int i = 0; r == 1 && i < KEEPER_MAX_FDS; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		close(conn);
		cold(r == 1 && m.op == KEEPER_REPLY && !m.ok && m.text[0]
			 ? m.text
			 : "the warm keeper did not answer in time");
		return;
	}
	struct krunsh_vm_loan loan = {
	    .channel_fd = fds[0], .log_fd = fds[1], .execs_done = m.execs_done};
	text_format(loan.engine, sizeof(loan.engine), "%s", m.engine);
	struct krunsh_error borrow_err = {0};
	if (strcmp(m.engine, engine) != 0 || krunsh_vm_borrow(&loan, vm, &borrow_err) < 0) {
		for (int i = 0; i < KEEPER_MAX_FDS; i++)
			if (fds[i] >= 0)
				close(fds[i]);
		close(conn);
		cold(borrow_err.message[0] ? borrow_err.message
					   : "the warm VM runs on another engine");
		return;
	}
	krunsh_vm_set_cancel_fd(*vm, signals_fd());
	call->conn = conn;
	/* An ok reply's text says whether the run waited for a booting VM. */
	if (m.text[0])
		log_verbose_message("warm VM: taken from the warm keeper (%s)", m.text);
	else
		log_verbose_message("warm VM: taken from the warm keeper");
}

void warm_call_end(struct warm_call *call, krunsh_vm *vm)
{
	krunsh_vm_stop(vm); /* ours: the fds only */
	if (call->conn >= 0)
		close(call->conn);
	call->conn = -1;
}
