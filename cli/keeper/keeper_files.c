#include "cli/keeper/keeper_files.h"
#include "cli/environment.h"
#include "util/process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int socket_address(const char *path, struct sockaddr_un *addr)
{
	*addr = (struct sockaddr_un){.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr->sun_path)) {
		errno = ENAMETOOLONG; /* keeper_paths_find checked */
		return -1;
	}
	memcpy(addr->sun_path, path, strlen(path) + 1);
	return 0;
}

int keeper_listen(const char *path)
{
	struct sockaddr_un addr;
	if (socket_address(path, &addr) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* The directory is private already; the socket is too. */
	mode_t old = umask(077);
	int r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (r < 0 || listen(fd, 16) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int keeper_connect(const struct keeper_paths *paths)
{
	struct sockaddr_un addr;
	if (socket_address(paths->socket, &addr) < 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	/* The directory is ours and private; still, a keeper is ours too. */
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != getuid()) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* The lock file's name may have been removed (a janitor) between our open
 * and our lock: then it is not the keeper's lock any more. */
int keeper_lock_try(const struct keeper_paths *paths, struct error *err)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		int fd = open(paths->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == ENOENT && mkdir(paths->dir, 0700) == 0)
				continue; /* the janitor removed the directory */
			error_set(err, errno, "%s: %s", paths->name, paths->lock);
			return -2;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
			close(fd);
			return -1;
		}
		struct stat held, named;
		if (fstat(fd, &held) == 0 && stat(paths->lock, &named) == 0 &&
		    held.st_ino == named.st_ino && held.st_dev == named.st_dev)
			return fd;
		close(fd);
	}
	return -1;
}

/* The socket goes first, so that no call connects to a dead keeper, then
 * the lock, then the directory. The lock is released last, when the
 * janitor exits: a call that starts a new keeper meanwhile waits for it
 * (and finds the lock file it holds replaced). */
pid_t keeper_janitor_start(const struct keeper_paths *paths, int lock_fd, int *pipe_out)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		int saved = errno;
		close(p[0]);
		close(p[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		int keep[] = {p[0], lock_fd};
		process_close_inherited_fds(keep, 2);
		int devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(devnull, 1);
		dup2(devnull, 2);
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		char b;
		while (read(p[0], &b, 1) != 0 && errno == EINTR)
			;
		unlink(paths->socket);
		/* The run directories of VMs whose holder was killed with
		 * the keeper: their locks went with them. */
		krunsh_sweep_stale(environment_host());
		unlink(paths->lock);
		rmdir(paths->dir);
		_exit(0);
	}
	close(p[0]);
	*pipe_out = p[1];
	return pid;
}

pid_t keeper_fork(const int fds[2], void (*child)(const void *data, int fd), const void *data)
{
	sigset_t all, before;
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &before);
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		child(data, fds[1]);
		_exit(125); /* not reached */
	}
	int saved = errno;
	sigprocmask(SIG_SETMASK, &before, NULL);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		errno = saved;
	}
	return pid;
}
