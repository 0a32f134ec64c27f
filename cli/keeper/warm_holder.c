#include "cli/keeper/warm_holder.h"
#include "cli/exit_status.h"
#include "cli/keeper/keeper_files.h"
#include "cli/keeper/keeper_wire.h"
#include "cli/signals.h"
#include "util/text.h"
#include "util/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* The last message of a failed boot: what the keeper tells whoever waits. */
static void keep_last_line(void *data, int verbose, const char *line)
{
	if (!verbose)
		text_format(data, KEEPER_OPTIONS_MAX, "%s", line);
}

static void holder_fail(int ctl, struct keeper_message *m) __attribute__((noreturn));
static void holder_fail(int ctl, struct keeper_message *m)
{
	m->version = KEEPER_WIRE_VERSION;
	m->op = KEEPER_REPLY;
	m->ok = 0;
	if (!m->text[0])
		snprintf(m->text, sizeof(m->text), "the VM did not boot");
	keeper_send(ctl, m, NULL, 0);
	_exit(EXIT_KRUNSH_FAILURE);
}

static void holder_main(const struct warm_holder_start *hs, int ctl, pid_t keeper)
    __attribute__((noreturn));
static void holder_main(const struct warm_holder_start *hs, int ctl, pid_t keeper)
{
	static struct keeper_message m;
	process_reset_signals();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != keeper)
		_exit(EXIT_KRUNSH_FAILURE);
	int keep[] = {ctl, hs->janitor_pipe};
	process_close_inherited_fds(keep, 2);
	m = (struct keeper_message){0};
	log_set_sink(keep_last_line, m.text);
	if (signals_install() < 0)
		holder_fail(ctl, &m);
	struct krunsh_vm_spec spec = *hs->vm;
	spec.cancel_fd = signals_fd(); /* SIGTERM: the keeper wants no more of it */
	spec.log = keep_last_line;
	spec.log_data = m.text;
	krunsh_vm *vm = NULL;
	static struct krunsh_exec_result booted;
	struct krunsh_error e;
	if (krunsh_vm_create(&spec, &vm, &e) < 0) {
		snprintf(m.text, sizeof(m.text), "%s", e.message);
		holder_fail(ctl, &m);
	}
	if (krunsh_vm_boot(vm, &booted, &e) < 0) {
		/* The failure's message, as a run's boot would say it. */
		if (e.code == KRUNSH_E_START && booted.end != KRUNSH_EXEC_EXITED) {
			static struct options none_opts;
			exit_status_decide(&none_opts, "/", &booted);
		} else {
			snprintf(m.text, sizeof(m.text), "%s", e.message);
		}
		krunsh_vm_stop(vm);
		holder_fail(ctl, &m);
	}
	struct krunsh_vm_loan loan;
	if (krunsh_vm_lend(vm, &loan, NULL) < 0) {
		krunsh_vm_stop(vm);
		snprintf(m.text, sizeof(m.text),
			 "the VM came up but its channel could not be lent");
		holder_fail(ctl, &m);
	}
	m = (struct keeper_message){.version = KEEPER_WIRE_VERSION,
				    .op = KEEPER_REPLY,
				    .ok = 1,
				    .execs_done = loan.execs_done};
	snprintf(m.engine, sizeof(m.engine), "%s", loan.engine);
	int fds[] = {loan.channel_fd, loan.log_fd};
	if (keeper_send(ctl, &m, fds, loan.log_fd >= 0 ? 2 : 1) < 0) {
		krunsh_vm_stop(vm);
		_exit(EXIT_KRUNSH_FAILURE);
	}
	/* Held: until the keeper says stop (SIGTERM), or goes (EOF), or the
	 * VM ends by itself. The borrower's channel is not read here. */
	struct krunsh_vm_info info;
	krunsh_vm_info(vm, &info);
	int vm_pidfd = info.vmm_pid > 0 ? (int)syscall(SYS_pidfd_open, info.vmm_pid, 0) : -1;
	for (;;) {
		struct pollfd p[3] = {{.fd = signals_fd(), .events = POLLIN},
				      {.fd = ctl, .events = POLLIN},
				      {.fd = vm_pidfd, .events = POLLIN}};
		int r = poll(p, vm_pidfd >= 0 ? 3 : 2, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || p[0].revents || p[1].revents || (vm_pidfd >= 0 && p[2].revents))
			break;
	}
	krunsh_vm_stop(vm);
	_exit(0);
}

struct holder_child {
	const struct warm_holder_start *hs;
	pid_t keeper;
};

static void holder_child(const void *data, int ctl)
{
	const struct holder_child *c = data;
	holder_main(c->hs, ctl, c->keeper);
}

pid_t warm_holder_start(const struct warm_holder_start *hs, int *ctl_fd)
{
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
		return -1;
	struct holder_child c = {.hs = hs, .keeper = getpid()};
	pid_t pid = keeper_fork(pair, holder_child, &c);
	if (pid >= 0)
		*ctl_fd = pair[0];
	return pid;
}
