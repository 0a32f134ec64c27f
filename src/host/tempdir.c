#include "tempdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMPDIR_PREFIX "krunsh-run."

static const char *tmp_root(void)
{
	const char *t = getenv("TMPDIR");
	return t && t[0] == '/' ? t : "/tmp";
}

int tempdir_create(char *path, size_t size, struct error *err)
{
	/* The pid in the name lets a later run tell a stale directory from a
	 * live one. */
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

void tempdir_sweep_stale(void)
{
	DIR *d = opendir(tmp_root());
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, TEMPDIR_PREFIX, strlen(TEMPDIR_PREFIX)) != 0)
			continue;
		long pid = strtol(e->d_name + strlen(TEMPDIR_PREFIX), NULL, 10);
		if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_uid == geteuid())
			remove_tree_at(dirfd(d), e->d_name);
	}
	closedir(d);
}
