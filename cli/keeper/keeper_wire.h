/* What a session's keeper and a krunsh call say to each other over the
 * keeper's socket (SOCK_SEQPACKET: one message a record, fds alongside).
 *   call -> keeper  REQUEST  RUN with the VM options the call gave, or END
 *   keeper -> call  REPLY    RUN: ok, with the VM's channel and log (SCM_RIGHTS),
 *                            or why not; END: once the session is gone
 *   call -> keeper  DONE     the call's execution ended by its exit (clean) or
 *                            not (then the keeper ends the session)
 * The warm keeper (warm_keeper.h) takes two more requests:
 *   call -> keeper  TAKE     a warm VM for one run, with the run's VM options;
 *                            REPLY as for RUN; the VM is stopped once the
 *                            connection closes, however the run ended
 *   call -> keeper  WARM     keep count VMs booted (0: stop everything), idle_ms
 *                            of idle time (0: as it was); REPLY once they are up
 * and a VM's holder tells its keeper REPLY (ok, with the loan) once booted.
 * Both ends are the same build; the peer is checked to be the same user. */
#ifndef KRUNSH_KEEPER_WIRE_H
#define KRUNSH_KEEPER_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define KEEPER_WIRE_VERSION 2
#define KEEPER_OPTIONS_MAX  (60 * 1024)
#define KEEPER_MAX_FDS	    2

enum keeper_op {
	KEEPER_RUN = 1,
	KEEPER_END = 2,
	KEEPER_DONE = 3,
	KEEPER_REPLY = 4,
	KEEPER_TAKE = 5,
	KEEPER_WARM = 6,
};

struct keeper_message {
	uint32_t version;
	uint32_t op;
	uint32_t ok;	     /* REPLY */
	uint32_t clean;	     /* DONE */
	uint32_t execs_done; /* REPLY: executions so far; DONE: after this call's */
	uint32_t count;	     /* WARM: VMs to keep booted */
	uint32_t idle_ms;    /* WARM: the keeper's idle time; 0: unchanged */
	char engine[16];     /* REPLY: the VM's engine */
	/* RUN: the options; REPLY: why not, or for a TAKE served, whether
	 * the run waited for a booting VM ("" if not) */
	char text[KEEPER_OPTIONS_MAX];
};

/* -1 with errno. */
int keeper_send(int fd, const struct keeper_message *m, const int *fds, int fd_count);
/* Waits at most timeout_ms (-1: no limit) or until cancel_fd (-1: none)
 * is readable. 1 with a well-formed message (its strings terminated) and
 * up to KEEPER_MAX_FDS fds (CLOEXEC, -1 for those not sent); 0 at EOF or
 * on a malformed one; -1 on timeout/error; -2 when cancel_fd became
 * readable. */
int keeper_receive(int fd, struct keeper_message *m, int fds[KEEPER_MAX_FDS], int timeout_ms,
		   int cancel_fd);
/* The peer's pid if it runs as our uid, else -1. */
pid_t keeper_peer_check(int fd);

#endif
