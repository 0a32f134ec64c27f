/* A VM: started with the chosen engine (with the boot watchdog's single
 * retry), running executions one after another, stopped with no process or
 * file left behind. */
#ifndef KRUNSH_VM_RUN_H
#define KRUNSH_VM_RUN_H

#include "lib/engine/engine.h"
#include "lib/vm/session.h"

#include <stdint.h>

struct vm_run_result {
	struct session_result session;
	int watchdog_retries;
	char vmm_log_tail[600]; /* last lines the VMM printed, for failures */
	char vmm_cause[600]; /* a known cause found in the log (the engine's explain_log), or "" */
};

/* What the VM gets once (FRAME_SETUP's records) and how it is watched. */
struct vm_setup {
	const unsigned char *data;
	size_t length;
	double boot_timeout;   /* seconds to the hello, per attempt */
	int cancel_fd;	       /* readable: stop waiting (session.h); -1: none */
	int freeze_first_boot; /* test hook: the first attempt hangs as a boot can */
};

/* One execution: its records and where its I/O goes. */
struct vm_job {
	const unsigned char *data;
	size_t length;
	size_t line_count;   /* line mode: lines of the script, else 0 */
	int line_events;     /* line mode: LINE_EVENTS_* the job asked for */
	int discarded_files; /* the job asks for a discarded-files report */
	int tty;	     /* the job runs on a pseudo-terminal (JOB_TTY) */
	int stdin_fd;	     /* forwarded to the program; -1: none */
	int stdout_fd, stderr_fd;
	krunsh_event_fn on_event; /* NULL: output to the fds (session.h) */
	void *event_data;
};

struct vm;

/* 0 with *out once the guest is alive; 0 with *out NULL when it never
 * came alive (out->session says why: boot timeout twice, deadline, cancel,
 * VM died, protocol error); -1 with err when the host could not start it. */
int vm_start(const struct engine *engine, const struct engine_probe *probe,
	     const struct vm_spec *opts, const struct vm_setup *setup, double deadline,
	     struct vm **vm_out, struct vm_run_result *out, struct error *err);
/* Runs one execution; out->session says how it ended. After anything but
 * SESSION_EXITED the VM runs nothing more (stop it). */
void vm_exec(struct vm *vm, const struct vm_job *job, double deadline, struct vm_run_result *out);
/* The same in the caller's event loop: begin (1 if it ended at once),
 * then poll the fds vm_exec_pollfds gives (0: it has ended) and hand them
 * to vm_exec_dispatch until it returns 1. out is filled as it ends; job
 * and out must live until then. */
int vm_exec_begin(struct vm *vm, const struct vm_job *job, double deadline,
		  struct vm_run_result *out);
struct pollfd;
int vm_exec_pollfds(struct vm *vm, struct pollfd *fds, int *timeout_ms);
int vm_exec_dispatch(struct vm *vm, const struct pollfd *fds);
/* A streamed script's next bytes and its end (session.h). */
int vm_exec_feed(struct vm *vm, const void *data, size_t length, size_t lines);
int vm_exec_feed_end(struct vm *vm);
size_t vm_exec_unsent(const struct vm *vm);
/* The terminal of a tty execution changed size (session_exec_resize). */
int vm_exec_resize(struct vm *vm, unsigned rows, unsigned columns);
/* Blocks until the execution in progress has ended. */
void vm_exec_wait(struct vm *vm);
/* Ends the execution in progress: the caller's poll failed (why). */
void vm_exec_abort(struct vm *vm, const char *why);
void vm_stop(struct vm *vm);

/* A live VM lent to another process, which runs executions on it while
 * the lender holds the VMM (a session's keeper and its calls). */
struct vm_loan {
	int channel_fd;	     /* the agent's connection */
	int log_fd;	     /* the VMM's log, for failure messages; -1: none */
	uint32_t execs_done; /* executions run so far: the borrower's ids follow */
};
/* The lender's side: the fds stay the lender's (the caller passes them on,
 * e.g. with SCM_RIGHTS); -1 if the VM cannot run more. vm_loan_returned
 * counts the borrower's executions, so the next borrower's ids follow. */
int vm_lend(struct vm *vm, int flush_timeout_ms, struct vm_loan *loan);
void vm_loan_returned(struct vm *vm, uint32_t execs_done);
/* The borrower's side: a VM on the loan's fds (taken over: vm_stop closes
 * them and kills nothing, as the VMM is the lender's), cancelled as
 * vm_setup's cancel_fd says. NULL with err. */
/* The fd that stops its waits when readable, from now on; -1: none. */
void vm_set_cancel_fd(struct vm *vm, int cancel_fd);
struct vm *vm_borrow(const struct engine *engine, const struct vm_loan *loan, int cancel_fd,
		     struct error *err);
/* Executions run so far (a borrowed VM: the lender's and its own). */
uint32_t vm_executions(const struct vm *vm);
/* The VMM's pid, -1 for a borrowed VM. */
pid_t vm_main_pid(const struct vm *vm);

#endif
