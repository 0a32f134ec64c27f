/* A VM lent to another process (include/krunsh/krunsh.h: krunsh_vm_lend
 * and krunsh_vm_borrow) over lib/vm's vm_lend and vm_borrow: the lender
 * keeps the VMM, the borrower runs executions on the channel it was given. */
#include "lib/api/api.h"
#include "util/text.h"

#include <stdlib.h>
#include <string.h>

/* The lender's channel is flushed before it is handed on: as long as this
 * for the clock frame of the hello to leave. */
#define LEND_FLUSH_MS 2000

int krunsh_vm_lend(krunsh_vm *k, struct krunsh_vm_loan *loan, struct krunsh_error *err)
{
	memset(loan, 0, sizeof(*loan));
	loan->channel_fd = loan->log_fd = -1;
	if (!k || !k->vm)
		return api_fail_text(err, KRUNSH_E_STATE, "no VM");
	if (k->running)
		return api_fail_text(err, KRUNSH_E_STATE, "an execution is running on this VM");
	struct vm_loan lent;
	if (vm_lend(k->vm, LEND_FLUSH_MS, &lent) < 0)
		return api_fail_text(err, KRUNSH_E_STATE, "the VM cannot run anything more");
	*loan = (struct krunsh_vm_loan){
	    .channel_fd = lent.channel_fd, .log_fd = lent.log_fd, .execs_done = lent.execs_done};
	text_format(loan->engine, sizeof(loan->engine), "%s", k->engine->name);
	return 0;
}

int krunsh_vm_borrow(const struct krunsh_vm_loan *loan, krunsh_vm **out, struct krunsh_error *err)
{
	*out = NULL;
	const struct engine *engine = engine_named(loan->engine);
	if (!engine || loan->channel_fd < 0)
		return api_fail_text(err, KRUNSH_E_INVALID, "not the loan of a krunsh VM");
	struct krunsh_vm *k = calloc(1, sizeof(*k));
	if (!k)
		return api_fail_text(err, KRUNSH_E_SYSTEM, "out of memory");
	/* What the executions' jobs are built against: the lender's volumes
	 * are not known here, and a job needs none of them. */
	k->spec = (struct vm_spec){.engine = engine->name, .cpus = 1, .mem_mib = 512};
	k->engine = engine;
	k->cancel_fd = -1;
	struct vm_loan lent = {
	    .channel_fd = loan->channel_fd, .log_fd = loan->log_fd, .execs_done = loan->execs_done};
	struct error inner = {0};
	if (!(k->vm = vm_borrow(engine, &lent, -1, &inner))) {
		free(k);
		return api_fail(err, KRUNSH_E_SYSTEM, &inner);
	}
	*out = k;
	return 0;
}

unsigned krunsh_vm_executions(const krunsh_vm *k)
{
	return k && k->vm ? vm_executions(k->vm) : 0;
}

void krunsh_vm_loan_returned(krunsh_vm *k, unsigned execs_done)
{
	if (k && k->vm)
		vm_loan_returned(k->vm, execs_done);
}

void krunsh_vm_set_cancel_fd(krunsh_vm *k, int cancel_fd)
{
	if (!k)
		return;
	k->cancel_fd = cancel_fd;
	if (k->vm)
		vm_set_cancel_fd(k->vm, cancel_fd);
}
