#include "lib/vm/tempdir.h"
#include "lib/spec/host_config.h"
#include "util/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TEMPDIR_PREFIX "krunsh-run."
#define TEMPDIR_LOCK   "lock"

static const char *tmp_root(void)
{
	const char *t = host_config()->tmpdir;
	return t && t[0] == '/' ? t : "/tmp";
}

int tempdir_create(char *path, size_t size, int *lock_fd, struct error *err)
{
	/* The pid in the name is for people; what tells a later run that a
	 * directory is live is the lock inside it (kill(pid, 0) is wrong
	 * across pid namespaces and after pid reuse). */
	int n = snprintf(path, size, "%s/" TEMPDIR_PREFIX "%ld.XXXXXX", tmp_root(), (long)getpid());
	if (n < 0 || (size_t)n >= size) {
		error_set(err, 0, "TMPDIR path is too long");
		return -1;
	}
	if (!mkdtemp(path)) {
		error_set(err, errno, "cannot create a private directory in %s", tmp_root());
		path[0] = '\0';
		return -1;
	}
	/* Held for the run's life, and by the VMM children that share the
	 * open file (libkrun's forked VMM): released by the kernel however
	 * the run ends. Locked under another name and renamed into place: a
	 * concurrent run's sweep that opened the lock between its creation
	 * and our flock would take it for stale and remove our directory. */
	char lock[PATH_MAX], unlocked[PATH_MAX];
	*lock_fd = -1;
	if (path_join(lock, sizeof(lock), path, TEMPDIR_LOCK, err) < 0 ||
	    path_join(unlocked, sizeof(unlocked), path, TEMPDIR_LOCK ".new", err) < 0) {
		tempdir_remove(path);
		return -1;
	}
	*lock_fd = open(unlocked, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (*lock_fd < 0 || flock(*lock_fd, LOCK_EX) < 0 || rename(unlocked, lock) < 0) {
		error_set(err, errno, "cannot lock the private directory %s", path);
		if (*lock_fd >= 0)
			close(*lock_fd);
		*lock_fd = -1;
		tempdir_remove(path);
		return -1;
	}
	return 0;
}

static void remove_tree_at(int parent, const char *name)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d))) {
				if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
					remove_tree_at(dirfd(d), e->d_name);
			}
			closedir(d);
		} else {
			close(fd);
		}
		unlinkat(parent, name, AT_REMOVEDIR);
	} else {
		unlinkat(parent, name, 0);
	}
}

void tempdir_remove(char *path)
{
	if (!path[0])
		return;
	remove_tree_at(AT_FDCWD, path);
	path[0] = '\0';
}

/* Stale: nobody holds its lock. A directory without a lock file is either
 * being created this instant or was left between mkdtemp and the lock:
 * only an old one counts. */
static int run_dir_is_stale(int parent, const char *name, const struct stat *st)
{
	char lock[PATH_MAX];
	if (path_join(lock, sizeof(lock), name, TEMPDIR_LOCK, NULL) < 0)
		return 0;
	int fd = openat(parent, lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT && time(NULL) - st->st_mtime > 60;
	int stale = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return stale;
}

void tempdir_sweep_stale(void)
{
	DIR *d = opendir(tmp_root());
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, TEMPDIR_PREFIX, strlen(TEMPDIR_PREFIX)) != 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
			continue;
		if (run_dir_is_stale(dirfd(d), e->d_name, &st))
			remove_tree_at(dirfd(d), e->d_name);
	}
	closedir(d);
}
