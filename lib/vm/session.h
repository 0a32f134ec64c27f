/* The host end of a run: accepts the agent's connection, sends the job,
 * relays output with back-pressure, enforces the boot watchdog and the
 * timeout, and reports how the run ended. Shared by every engine. */
#ifndef KRUNSH_SESSION_H
#define KRUNSH_SESSION_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum session_outcome {
	SESSION_EXITED,		/* the agent reported an exit status */
	SESSION_BOOT_TIMEOUT,	/* no sign of life from the guest in time */
	SESSION_TIMEOUT,	/* --timeout expired */
	SESSION_SIGNALLED,	/* krunsh got SIGINT/SIGTERM/SIGHUP */
	SESSION_VM_DIED,	/* the VM ended without reporting a status */
	SESSION_AGENT_ERROR,	/* the agent could not set up or start the job */
	SESSION_PROTOCOL_ERROR, /* garbage on the channel */
	SESSION_OUTPUT_CLOSED,	/* host stdout is a closed pipe */
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

struct session_config {
	int listen_fd; /* the agent connects here */
	pid_t vm_pid;  /* the VMM process: its end ends the session */
	const unsigned char *job;
	size_t job_length;
	double boot_timeout; /* seconds from start to the agent's hello */
	double deadline;     /* absolute CLOCK_MONOTONIC seconds; 0: none */
	int signal_fd;	     /* readable when a terminating signal came */
	int stdin_fd;	     /* exec mode: forwarded to the program; -1: none */
	size_t line_count;   /* line mode: the script's lines bound the line events */
	int line_results;    /* --report: the guest sends a result per line */
	void (*on_alive)(void *data);
	void *on_alive_data;
};

struct session_result {
	enum session_outcome outcome;
	int exit_status;     /* SESSION_EXITED */
	int signal;	     /* SESSION_SIGNALLED */
	double boot_seconds; /* start to hello */
	struct failed_line *failed;
	size_t failed_count;
	struct line_result *lines; /* --report: every line run, in order */
	size_t line_count;
	char message[1024];
};

double monotonic_seconds(void);
void session_run(const struct session_config *config, struct session_result *result);
void session_result_free(struct session_result *result);

/* Terminating signals are turned into bytes on a pipe the session polls. */
int session_signals_install(void);
int session_signal_fd(void);

#endif
