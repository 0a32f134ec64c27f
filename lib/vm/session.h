/* The host end of a VM's channel: accepts the agent's connection, sends the
 * VM's setup, waits for the hello under the boot watchdog, then relays one
 * execution after another: sends its job, relays its output with
 * back-pressure, enforces the deadline and reports how it ended. Shared by
 * every engine. */
#ifndef KRUNSH_SESSION_H
#define KRUNSH_SESSION_H

#include "util/clock.h"
#include "krunsh/krunsh.h"
#include "proto/protocol.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum session_outcome {
	SESSION_EXITED,		/* the agent reported an exit status */
	SESSION_BOOT_TIMEOUT,	/* no sign of life from the guest in time */
	SESSION_TIMEOUT,	/* the deadline passed */
	SESSION_SIGNALLED,	/* the cancel fd became readable (krunsh: a signal) */
	SESSION_VM_DIED,	/* the VM ended without reporting a status */
	SESSION_AGENT_ERROR,	/* the agent could not set up or start the job */
	SESSION_PROTOCOL_ERROR, /* garbage on the channel */
	SESSION_OUTPUT_CLOSED,	/* the output fd is a closed pipe */
	SESSION_ALIVE,		/* session_wait_alive: the guest said hello */
};

struct failed_line {
	uint32_t line;
	uint32_t status;
};

struct line_result {
	uint32_t line;
	uint32_t status;
	uint64_t micros;
};

/* FRAME_DISCARDED_FILES, as the channel policy let it through. */
struct discarded_files {
	uint32_t count; /* 0: none reported */
	int at_least;	/* the guest's walk stopped at its bound */
	/* relative to the workdir; not yet sanitised */
	char first[FRAME_DISCARDED_PATH_MAX + 1];
};

/* What one VM's channel needs, for its whole life. */
struct session_config {
	int listen_fd;		    /* the agent connects here */
	pid_t vm_pid;		    /* the VMM process: its end ends the session */
	const unsigned char *setup; /* FRAME_SETUP's records, sent first */
	size_t setup_length;
	double boot_timeout; /* seconds from the start to the agent's hello */
	/* Readable when the caller wants the wait to stop; one byte is read
	 * from it and reported as `signal` (krunsh writes signal numbers). */
	int cancel_fd;
	void (*on_alive)(void *data);
	void *on_alive_data;
	/* Test hook: the agent's connection is never taken, as when a boot
	 * hangs. Stopping the VMM alone is a race the agent of the contract
	 * double can win, connecting before the signal lands. */
	int ignore_agent;
};

/* One execution. */
struct session_exec {
	const unsigned char *job; /* FRAME_EXEC's records */
	size_t job_length;
	int stdin_fd;	     /* forwarded to the program; -1: none */
	int stdout_fd;	     /* where the guest's stdout goes */
	int stderr_fd;	     /* and its stderr */
	size_t line_count;   /* line mode: the script's lines bound the line events */
	int line_events;     /* LINE_EVENTS_*: the guest sends results, starts */
	int discarded_files; /* the job asks for a discarded-files report */
	int tty;	     /* the job runs on a pseudo-terminal (JOB_TTY) */
	/* NULL: output to the fds; else output and line events go to it
	 * (krunsh.h), and what it hands back to stdout_fd */
	krunsh_event_fn on_event;
	void *event_data;
};

struct session_result {
	enum session_outcome outcome;
	int exit_status;     /* SESSION_EXITED */
	int signal;	     /* SESSION_SIGNALLED: the byte read from cancel_fd */
	double boot_seconds; /* start to hello */
	struct failed_line *failed;
	size_t failed_count;
	struct line_result *lines; /* every line run, in order */
	size_t line_count;
	struct discarded_files discarded;
	/* the last output's bytes not written when the wait ended (a
	 * timeout, a signal while stdout was stalled) */
	size_t unwritten;
	char message[1024];
};

struct session;

/* NULL when out of memory. */
struct session *session_open(const struct session_config *config);
/* Until the agent's hello (SESSION_ALIVE) or why not. The deadline is
 * absolute CLOCK_MONOTONIC seconds, 0 for none. */
void session_wait_alive(struct session *s, double deadline, struct session_result *result);
/* Runs one execution on a live session, until its exit or why not; after
 * anything but SESSION_EXITED the session is unusable. */
void session_run_exec(struct session *s, const struct session_exec *exec, double deadline,
		      struct session_result *result);
/* The same, driven by the caller's event loop: session_exec_begin, then
 * poll what session_pollfds gives (at most SESSION_MAX_POLLFDS, for at most
 * timeout_ms) and hand the result to session_dispatch until it returns 1
 * (or session_pollfds returns 0). The result is filled as it ends. */
#define SESSION_MAX_POLLFDS 6
struct pollfd;
void session_exec_begin(struct session *s, const struct session_exec *exec, double deadline,
			struct session_result *result);
int session_pollfds(struct session *s, struct pollfd *fds, int *timeout_ms);
int session_dispatch(struct session *s, const struct pollfd *fds);
/* A streamed script (JOB_SCRIPT_STREAM): the next bytes, holding `lines`
 * more lines of line mode (they bound the line events the guest may send),
 * and its end. Queued; once the execution has ended, dropped. -1: out of
 * memory. The caller bounds what it feeds by session_unsent. */
int session_exec_feed(struct session *s, const void *data, size_t length, size_t lines);
int session_exec_feed_end(struct session *s);
/* A JOB_TTY execution's terminal is now rows x columns (queued; after
 * the end, or for an execution without a terminal, nothing is sent).
 * -1 with errno: EINVAL for a size out of 1-WINSIZE_MAX, ENOMEM. */
int session_exec_resize(struct session *s, unsigned rows, unsigned columns);
size_t session_unsent(const struct session *s);
/* Whether the wait in progress has ended already (session_exec_begin can
 * end it at once: a broken VM, frames that came with the hello). */
int session_ended(const struct session *s);
/* Blocks until the wait in progress has ended. */
void session_wait(struct session *s);
/* Ends the wait in progress as a protocol error (the caller's poll
 * failed); the VM runs nothing more. */
void session_abort(struct session *s, const char *why);
void session_close(struct session *s);
/* A live VM's channel lent to another process (a session's keeper hands it
 * to each call): session_lend gives the connection and how many executions
 * have run; session_adopt opens a session on such a connection, alive, its
 * first execution the next id. config outlives it as in session_open
 * (listen_fd and vm_pid unused: the lender watches the VM). NULL when out
 * of memory. */
int session_lend(struct session *s, uint32_t *execs_done);
uint32_t session_executions(const struct session *s);
void session_lent_back(struct session *s, uint32_t execs_done);
struct session *session_adopt(const struct session_config *config, int conn, uint32_t execs_done);
/* Sends what is queued for the guest (the clock of the hello) before the
 * channel is lent: -1 if the VM is gone or it took longer than timeout_ms. */
int session_flush(struct session *s, int timeout_ms);
void session_result_free(struct session_result *result);

#endif
