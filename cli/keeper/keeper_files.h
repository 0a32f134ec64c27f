/* What every keeper (a session's, the warm pool's) does with its files:
 * its socket (listened on, connected to), its lock (whoever holds it
 * starts or is the keeper) and its janitor (the child that removes them
 * however the keeper ends). */
#ifndef KRUNSH_KEEPER_FILES_H
#define KRUNSH_KEEPER_FILES_H

#include "cli/keeper/keeper_dir.h"

#include <sys/types.h>

/* A listening SOCK_SEQPACKET socket at path, mode 0600; -1 with errno. */
int keeper_listen(const char *path);
/* A connection to the keeper at paths' socket, its peer checked to be our
 * user (else -1 with errno EPERM); -1 with errno when none listens. */
int keeper_connect(const struct keeper_paths *paths);
/* The keeper's lock, if nobody holds it (no keeper lives, none is
 * starting): then the caller starts the keeper. -1 when it is held; -2
 * with err when it cannot be opened. */
int keeper_lock_try(const struct keeper_paths *paths, struct error *err);
/* Forks the janitor: it holds lock_fd and waits until every holder of the
 * pipe's write end (*pipe_out, the keeper's, inherited by whatever the
 * keeper forks) has gone, however they went (a SIGKILL included), then
 * removes the keeper's socket, its lock and run directories nobody holds
 * any more (tempdir_sweep_stale), and the directory if no other keeper
 * uses it. -1 with errno. */
pid_t keeper_janitor_start(const struct keeper_paths *paths, int lock_fd, int *pipe_out);

/* Forks with every signal blocked (as spawn_fork: no handler of the
 * parent's may run in the child). The child closes fds[0] and runs
 * child(data, fds[1]), which never returns; the parent closes fds[1] and
 * gets the pid, or -1 with errno (then fds[0] is closed too). */
pid_t keeper_fork(const int fds[2], void (*child)(const void *data, int fd), const void *data);

#endif
