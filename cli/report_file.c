#include "cli/report_file.h"
#include "util/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Names that stand for an open file of this process (/dev/stderr is
 * /proc/self/fd/2): writing into them is the point, and the file they
 * reach may be the user's log, which a rename would destroy. */
static int names_an_open_file(const char *path)
{
	return strncmp(path, "/dev/fd/", 8) == 0 || strncmp(path, "/dev/std", 8) == 0 ||
	       strncmp(path, "/proc/", 6) == 0;
}

static int open_in_place(const char *path, struct report_file *out, struct error *err)
{
	/* O_NONBLOCK: a FIFO nobody reads fails now (ENXIO) instead of
	 * hanging krunsh before the VM even starts. */
	int fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		error_set(err, errno, "cannot write report %s%s", path,
			  errno == ENXIO ? " (a FIFO with no reader)" : "");
		return -1;
	}
	int flags = fcntl(fd, F_GETFL);
	if (flags >= 0)
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
	out->fd = fd;
	out->replace = 0;
	return 0;
}

/* The directory of `target`, for a temp file beside it. */
static void directory_of(const char *target, char *dir, size_t size)
{
	snprintf(dir, size, "%s", target);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else
		snprintf(dir, size, ".");
}

int report_file_open(const char *path, struct report_file *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	out->fd = -1;
	struct stat st;
	int exists = stat(path, &st) == 0;
	if (names_an_open_file(path) || (exists && !S_ISREG(st.st_mode)))
		return open_in_place(path, out, err);
	struct stat lst;
	if (!exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
		error_set(err, 0, "cannot write report %s: a symlink to nothing", path);
		return -1;
	}
	/* Replace what the symlinks lead to, not the symlink. */
	char resolved[PATH_MAX];
	if (exists) {
		if (!realpath(path, resolved)) {
			error_set(err, errno, "cannot write report %s", path);
			return -1;
		}
	} else {
		snprintf(resolved, sizeof(resolved), "%s", path);
	}
	if (path_join(out->target, sizeof(out->target), resolved, NULL, NULL) < 0) {
		error_set(err, ENAMETOOLONG, "cannot write report %s", path);
		return -1;
	}
	char dir[4096];
	directory_of(out->target, dir, sizeof(dir));
	/* Unnamed until the commit: a krunsh killed mid-run leaves nothing. */
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		error_set(err, errno, "cannot write report %s", path);
		return -1;
	}
	if (fd < 0 && access(dir, W_OK) < 0) {
		error_set(err, errno, "cannot write report %s", path);
		return -1;
	}
	out->fd = fd; /* -1: this file system has no O_TMPFILE; named at commit */
	out->replace = 1;
	return 0;
}

static int write_all_fd(int fd, const char *data, size_t length)
{
	while (length) {
		ssize_t n = write(fd, data, length);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		length -= (size_t)n;
	}
	return 0;
}

/* A fresh name beside the target, taken with O_EXCL semantics: link(2)
 * fails on an existing name, open(O_EXCL|O_NOFOLLOW) likewise. */
static int name_temp(struct report_file *f, char *tmp, size_t size)
{
	char dir[4096];
	directory_of(f->target, dir, sizeof(dir));
	const char *base = strrchr(f->target, '/');
	base = base ? base + 1 : f->target;
	for (int attempt = 0; attempt < 100; attempt++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		int n = snprintf(tmp, size, "%s/.%s.krunsh-%ld-%lx", dir, base, (long)getpid(),
				 (unsigned long)(ts.tv_nsec ^ (attempt * 7919L)));
		if (n < 0 || (size_t)n >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (f->fd >= 0) {
			char self[64];
			snprintf(self, sizeof(self), "/proc/self/fd/%d", f->fd);
			if (linkat(AT_FDCWD, self, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
				return 0;
		} else {
			int fd =
			    open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
			if (fd >= 0) {
				f->fd = fd;
				return 1; /* data still to be written */
			}
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int report_file_commit(struct report_file *f, const char *data, size_t length, struct error *err)
{
	if (!f->replace) {
		int r = write_all_fd(f->fd, data, length);
		int saved = errno;
		close(f->fd);
		f->fd = -1;
		if (r < 0) {
			error_set(err, saved, "cannot write report");
			return -1;
		}
		return 0;
	}
	char tmp[PATH_MAX];
	int named_first = f->fd < 0;
	if (!named_first && (write_all_fd(f->fd, data, length) < 0 || fsync(f->fd) < 0)) {
		error_set(err, errno, "cannot write report %s", f->target);
		report_file_discard(f);
		return -1;
	}
	int r = name_temp(f, tmp, sizeof(tmp));
	if (r < 0 || (r == 1 && (write_all_fd(f->fd, data, length) < 0 || fsync(f->fd) < 0))) {
		error_set(err, errno, "cannot write report %s", f->target);
		if (r == 1)
			unlink(tmp);
		report_file_discard(f);
		return -1;
	}
	if (rename(tmp, f->target) < 0) {
		error_set(err, errno, "cannot write report %s", f->target);
		unlink(tmp);
		report_file_discard(f);
		return -1;
	}
	report_file_discard(f);
	return 0;
}

void report_file_discard(struct report_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}
