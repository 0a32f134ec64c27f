/* The cache of unpacked images. Layers are unpacked by umoci (Debian's
 * package: it applies whiteouts and opaque directories as the image spec
 * says and checks each layer's digest), never by tar handling of ours. An
 * entry is made in a temporary directory under the cache's exclusive lock
 * and renamed into place whole, so a run sees a complete tree or none;
 * runs hold a shared lock on the entry, which --image-prune respects. */
#include "cli/oci/image_cache.h"
#include "cli/environment.h"
#include "util/path.h"
#include "util/text.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int image_cache_dir(char *out, size_t size, struct error *err)
{
	const struct krunsh_host *host = environment_host();
	char base[4096];
	if (host->cache_home)
		text_format(base, sizeof(base), "%s", host->cache_home);
	else if (path_join(base, sizeof(base), host->home ? host->home : "/root", ".cache", err) <
		 0)
		return -1;
	char krunsh[4096];
	if (path_join(krunsh, sizeof(krunsh), base, "krunsh", err) < 0 ||
	    path_join(out, size, krunsh, "images", err) < 0)
		return -1;
	mkdir(base, 0700);
	mkdir(krunsh, 0700);
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		error_set(err, errno, "image cache %s", out);
		return -1;
	}
	struct stat st;
	if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		error_set(err, 0, "image cache %s: not a directory of this user's", out);
		return -1;
	}
	return 0;
}

static int open_lock(const char *dir, const char *name, int operation, struct error *err)
{
	char path[4096];
	if (path_join(path, sizeof(path), dir, name, err) < 0)
		return -1;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		error_set(err, errno, "image cache lock %s", path);
		return -1;
	}
	while (flock(fd, operation) < 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			error_set(err, errno, "image cache lock %s", path);
		close(fd);
		return -1;
	}
	/* A prune may have removed the file between the open and the lock:
	 * a lock on a removed file guards nothing. */
	struct stat held, now;
	if (fstat(fd, &held) < 0 || stat(path, &now) < 0 || held.st_ino != now.st_ino ||
	    held.st_dev != now.st_dev) {
		close(fd);
		return open_lock(dir, name, operation, err);
	}
	return fd;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void image_cache_remove(const char *path)
{
	nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS);
}

/* Appends buf to tail (a string), dropping its oldest bytes for room. */
static void keep_tail(char *tail, size_t cap, char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '?';
	if (n >= cap - 1) {
		memcpy(tail, buf + n - (cap - 1), cap - 1);
		tail[cap - 1] = '\0';
		return;
	}
	size_t have = strlen(tail);
	if (have + n > cap - 1) {
		size_t drop = have + n - (cap - 1);
		memmove(tail, tail + drop, have - drop);
		have -= drop;
	}
	memcpy(tail + have, buf, n);
	tail[have + n] = '\0';
}

int image_tool_run(const char *const argv[], char *out, size_t size, size_t *length,
		   struct error *err)
{
	int pipefd[2], outfd[2] = {-1, -1};
	if (pipe2(pipefd, O_CLOEXEC) < 0 || (out && pipe2(outfd, O_CLOEXEC) < 0)) {
		error_set(err, errno, "running %s", argv[0]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		error_set(err, errno, "running %s", argv[0]);
		close(pipefd[0]);
		close(pipefd[1]);
		if (out) {
			close(outfd[0]);
			close(outfd[1]);
		}
		return -1;
	}
	if (pid == 0) {
		/* Ends with krunsh, whatever kills it. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(out ? outfd[1] : null, 1);
		dup2(pipefd[1], 2);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	if (out)
		close(outfd[1]);
	/* Both pipes until both end (a tool blocked on one must not stall
	 * the other); stderr's last line says why it failed. */
	char tail[2048] = "", buf[4096];
	size_t got = 0;
	struct pollfd fds[2] = {{.fd = pipefd[0], .events = POLLIN},
				{.fd = out ? outfd[0] : -1, .events = POLLIN}};
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			int to_out = i == 1 && got < size;
			ssize_t n = read(fds[i].fd, to_out ? out + got : buf,
					 to_out ? size - got : sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
			} else if (to_out) {
				got += (size_t)n;
			} else if (i == 0) {
				keep_tail(tail, sizeof(tail), buf, (size_t)n);
			}
		}
	}
	if (out)
		*length = got;
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	size_t len = strlen(tail);
	while (len && (tail[len - 1] == '\n' || tail[len - 1] == '\r'))
		tail[--len] = '\0';
	const char *last = strrchr(tail, '\n');
	char shown[400];
	text_sanitize(shown, sizeof(shown), last ? last + 1 : tail, strlen(last ? last + 1 : tail),
		      300);
	error_set(err, 0, "%s failed%s%s", argv[0], shown[0] ? ": " : "", shown);
	return -1;
}

/* Left by a run killed while it unpacked: nobody holds its lock. */
static void sweep_unfinished(const char *cache)
{
	DIR *d = opendir(cache);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "unpacking.", 10) != 0)
			continue;
		char path[4096];
		if (path_join(path, sizeof(path), cache, e->d_name, NULL) == 0)
			image_cache_remove(path);
	}
	closedir(d);
}

int image_cache_get(const char *key, image_fill_fn fill, void *data, char *out, size_t size,
		    int *lock_fd, int *made, struct error *err)
{
	char cache[4096], entry_lock[IMAGE_DIGEST_HEX + 8];
	*lock_fd = -1;
	*made = 0;
	if (image_cache_dir(cache, sizeof(cache), err) < 0 ||
	    path_join(out, size, cache, key, err) < 0)
		return -1;
	text_format(entry_lock, sizeof(entry_lock), "%s.lock", key);
	/* The entry's shared lock first: a prune waits for this run. */
	int held = open_lock(cache, entry_lock, LOCK_SH, err);
	if (held < 0)
		return -1;
	struct stat st;
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
		*lock_fd = held;
		return 0;
	}
	int all = open_lock(cache, ".lock", LOCK_EX, err);
	if (all < 0) {
		close(held);
		return -1;
	}
	int r = 0;
	/* Another run may have made it while this one waited. */
	if (stat(out, &st) != 0) {
		sweep_unfinished(cache);
		char tmp[4096], name[64];
		text_format(name, sizeof(name), "unpacking.%d", (int)getpid());
		r = path_join(tmp, sizeof(tmp), cache, name, err);
		if (r == 0)
			r = fill(tmp, data, err);
		if (r == 0 && rename(tmp, out) < 0) {
			error_set(err, errno, "image cache: placing %s", out);
			r = -1;
		}
		if (r < 0)
			image_cache_remove(tmp);
		else
			*made = 1;
	}
	close(all);
	if (r < 0) {
		close(held);
		return -1;
	}
	*lock_fd = held;
	return 0;
}

int image_cache_prune(size_t *removed, struct error *err)
{
	char cache[4096];
	*removed = 0;
	if (image_cache_dir(cache, sizeof(cache), err) < 0)
		return -1;
	int all = open_lock(cache, ".lock", LOCK_EX, err);
	if (all < 0)
		return -1;
	sweep_unfinished(cache);
	DIR *d = opendir(cache);
	if (!d) {
		error_set(err, errno, "image cache %s", cache);
		close(all);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strlen(e->d_name) != IMAGE_DIGEST_HEX ||
		    strspn(e->d_name, "0123456789abcdef") != IMAGE_DIGEST_HEX)
			continue;
		char lock[IMAGE_DIGEST_HEX + 8], path[4096];
		text_format(lock, sizeof(lock), "%s.lock", e->d_name);
		struct error busy = {0};
		int fd = open_lock(cache, lock, LOCK_EX | LOCK_NB, &busy);
		if (fd < 0)
			continue; /* a run is using it */
		if (path_join(path, sizeof(path), cache, e->d_name, NULL) == 0) {
			image_cache_remove(path);
			(*removed)++;
		}
		if (path_join(path, sizeof(path), cache, lock, NULL) == 0)
			unlink(path);
		close(fd);
	}
	closedir(d);
	close(all);
	return 0;
}
