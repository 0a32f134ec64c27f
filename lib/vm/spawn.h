/* Child processes (QEMU, virtiofsd, the libkrun VMM) that must never outlive
 * krunsh, even when krunsh is SIGKILLed. */
#ifndef KRUNSH_SPAWN_H
#define KRUNSH_SPAWN_H

#include "util/error.h"
#include "lib/sandbox/sandbox.h"

#include <sys/types.h>

struct spawn_options {
	const int *keep_fds; /* fds the child keeps (CLOEXEC cleared) */
	int keep_fd_count;
	int stdout_fd; /* -1: /dev/null */
	int stderr_fd; /* -1: /dev/null */
	/* Runs in the child before exec (after fds are set up); returns <0
	 * with errno to make the child fail. */
	int (*prepare)(void *data);
	void *prepare_data;
	/* Least privilege (sandbox.h), applied after prepare; NULL: none. */
	const struct sandbox_policy *sandbox;
};

/* Forks a child set up as spawn_process() sets it up (signals reset,
 * SIGKILLed when krunsh dies, own process group, stdio redirected, keep_fds
 * inherited) but without exec: returns 0 in the child, the pid in the
 * parent, -1 on failure. `prepare` is not run. For VMMs that are a library
 * call, not a program (libkrun). */
pid_t spawn_fork(const struct spawn_options *opts, struct error *err);
/* Forks and execs argv[0]; returns the pid or -1. An exec failure is
 * reported by the child exiting 127, and noticed by the caller's wait.
 * Whatever krunsh inherited stays out: the child keeps only stdio and
 * keep_fds across the exec. */
pid_t spawn_process(char *const argv[], const struct spawn_options *opts, struct error *err);
/* SIGKILL and reap. Safe with pid <= 0. */
void process_kill_and_reap(pid_t pid);

#endif
