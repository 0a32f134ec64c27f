#include "cli/keeper/warm_command.h"
#include "cli/api_error.h"
#include "cli/keeper/keeper.h"
#include "cli/keeper/keeper_files.h"
#include "cli/keeper/keeper_wire.h"
#include "cli/keeper/warm_spec.h"
#include "cli/signals.h"
#include "cli/environment.h"
#include "cli/run_spec.h"
#include "util/text.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* How long a --warm 0 waits for the keeper's exit after its answer. */
#define EXIT_WAIT_MS 5000

int warm_options_check(const struct options *opts, int runs_something, int brings_root,
		       struct error *err)
{
	if (!opts->warm_set)
		return 0;
	const unsigned pool_options = (1u << VM_OPTION_ENGINE) | (1u << VM_OPTION_CPUS) |
				      (1u << VM_OPTION_MEMORY) | (1u << VM_OPTION_KERNEL) |
				      (1u << VM_OPTION_LIBKRUN) | (1u << VM_OPTION_IDLE_TIMEOUT);
	if (runs_something || opts->command) {
		error_set(err, 0,
			  "--warm N starts or stops warm VMs: it runs no commands (run "
			  "them with krunsh as usual afterwards)");
		return -1;
	}
	if (opts->session) {
		error_set(err, 0,
			  "--warm and --session do not go together: a session keeps one "
			  "VM of its own");
		return -1;
	}
	if (brings_root || (opts->vm_options_given & ~pool_options)) {
		error_set(err, 0,
			  "--warm N takes only --engine, --cpus, --memory, --kernel, --libkrun "
			  "and --idle-timeout: a warm VM has no volumes, disks, network, ports, "
			  "other root or host name (runs that need them boot cold)");
		return -1;
	}
	return 0;
}

/* Sends WARM count and waits for the answer (the keeper's end, for 0). */
static int ask(int conn, const struct options *opts, const char *spec, struct error *err)
{
	static struct keeper_message m;
	m = (struct keeper_message){.version = KEEPER_WIRE_VERSION,
				    .op = KEEPER_WARM,
				    .count = opts->warm_count,
				    .idle_ms = (uint32_t)(opts->idle_timeout * 1000)};
	snprintf(m.text, sizeof(m.text), "%s", spec);
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int pidfd =
	    opts->warm_count == 0 && getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0
		? (int)syscall(SYS_pidfd_open, cred.pid, 0)
		: -1;
	int fds[KEEPER_MAX_FDS];
	int r = keeper_send(conn, &m, NULL, 0) < 0
		    ? -1
		    : keeper_receive(conn, &m, fds, -1, signals_fd());
	for (int i = 0; i < KEEPER_MAX_FDS; i++)
		if (r == 1 && fds[i] >= 0)
			close(fds[i]);
	if (r == -2) {
		error_set(err, 0, "stopped by a signal while the warm VMs booted");
	} else if (r != 1 || m.op != KEEPER_REPLY) {
		error_set(err, 0, "the warm keeper went away before it answered");
	} else if (!m.ok) {
		error_set(err, 0, "%s", m.text);
	} else if (pidfd >= 0) {
		/* Gone means gone: the keeper's exit too, not only its answer. */
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		poll(&p, 1, EXIT_WAIT_MS);
	}
	if (pidfd >= 0)
		close(pidfd);
	return err->message[0] ? -1 : 0;
}

static int stop_keeper(const struct keeper_paths *paths)
{
	int conn = keeper_connect(paths);
	if (conn < 0)
		return 0; /* none runs: nothing to stop */
	static struct options none;
	none = (struct options){.warm_count = 0};
	struct error ignored = {0};
	int r = ask(conn, &none, "", &ignored);
	close(conn);
	return r;
}

int warm_command(struct options *opts, struct error *err)
{
	struct keeper_paths paths;
	if (keeper_paths_warm(&paths, err) < 0)
		return -1;
	if (opts->warm_count == 0) {
		int conn = keeper_connect(&paths);
		if (conn < 0) {
			log_verbose_message("no warm keeper runs: nothing to stop");
			return 0;
		}
		int r = ask(conn, opts, "", err);
		close(conn);
		return r;
	}
	/* The keeper never shows a guest's console: nobody reads it. */
	opts->vm.verbose = 0;
	static struct run_spec vms;
	run_spec_build(opts, environment_host(), NULL, 0, &vms);
	vms.vm.boot_timeout = environment_boot_timeout();
	vms.vm.log = log_to_stderr;
	vms.vm.verbose = log_verbose;
	/* The engine the VMs will run on, chosen now (said with -V). */
	krunsh_vm *chosen;
	struct krunsh_error e;
	if (krunsh_vm_create(&vms.vm, &chosen, &e) < 0) {
		error_from_api(err, &e);
		return -1;
	}
	static char engine[16];
	text_format(engine, sizeof(engine), "%s", krunsh_vm_engine(chosen));
	krunsh_vm_stop(chosen);
	vms.vm.verbose = 0;
	static char spec[KEEPER_OPTIONS_MAX];
	if (warm_spec_describe(opts, engine, spec, sizeof(spec)) < 0) {
		error_set(err, 0, "too many VM options for warm VMs");
		return -1;
	}
	int started = 0;
	int conn = keeper_connect(&paths);
	for (int attempt = 0; conn < 0 && attempt < 200; attempt++) {
		if (errno == EPERM) {
			error_set(err, 0, "the warm keeper's socket %s is not served by your user",
				  paths.socket);
			return -1;
		}
		int lock = keeper_lock_try(&paths, err);
		if (lock == -2)
			return -1;
		if (lock >= 0) {
			struct warm_keeper_start ws = {
			    .paths = &paths,
			    .engine = engine,
			    .vm = &vms.vm,
			    .spec = spec,
			    .idle_seconds = opts->idle_timeout > 0 ? opts->idle_timeout
								   : KEEPER_DEFAULT_IDLE_SECONDS,
			    .lock_fd = lock};
			pid_t pid = warm_keeper_start(&ws, err);
			close(lock);
			if (pid < 0)
				return -1;
			started = 1;
			log_verbose_message("started the warm keeper (pid %d)", (int)pid);
		} else {
			/* Another call is starting one, or a janitor cleans up. */
			usleep(50 * 1000);
		}
		conn = keeper_connect(&paths);
	}
	if (conn < 0) {
		error_set(err, 0, "the warm keeper does not answer on %s", paths.socket);
		return -1;
	}
	int r = ask(conn, opts, spec, err);
	close(conn);
	/* A pool that did not come up is no pool: nothing of it stays. */
	if (r < 0 && started)
		stop_keeper(&paths);
	return r;
}
