/* Volumes are separate virtio-fs shares mounted over the overlay root. A
 * read-only volume is also read-only on the host side (its file server runs
 * in a read-only mount namespace); the MS_RDONLY here only makes the guest
 * fail early with EROFS instead of at the host. */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Where a single-file volume's share is mounted before its file is bound
 * into place; unmounted (detached) right after, so the commands never see
 * it. */
#define FILE_VOLUME_STAGING "/run/krunsh-file-volume"

/* Creates the parents of path and, unless parents_only, path itself. */
static int mkdir_parents(const char *path, int parents_only)
{
	char buf[4096];
	if (strlen(path) >= sizeof(buf))
		return -1;
	strcpy(buf, path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (parents_only)
		return 0;
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

/* A regular file to bind over: the one there, or a new empty one (on the
 * overlay, so nothing reaches the host). */
static int file_mount_point(const char *path)
{
	if (mkdir_parents(path, 1) < 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		struct stat st;
		/* A directory there: EISDIR says it better than EEXIST. */
		if (errno == EISDIR || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
			errno = EISDIR;
		return -1;
	}
	return close(fd);
}

static int mount_file_volume(const struct job_volume *v, char *error, size_t error_size)
{
	unsigned long ro = v->read_only ? MS_RDONLY : 0;
	char source[PATH_MAX];
	int n = snprintf(source, sizeof(source), "%s/%s", FILE_VOLUME_STAGING, v->file_name);
	if (n < 0 || (size_t)n >= sizeof(source)) {
		snprintf(error, error_size, "volume %s: file name too long", v->guest_path);
		return -1;
	}
	if (file_mount_point(v->guest_path) < 0) {
		snprintf(error, error_size, "volume %s: cannot create the file to mount on: %s",
			 v->guest_path, strerror(errno));
		return -1;
	}
	if (mkdir_parents(FILE_VOLUME_STAGING, 0) < 0 ||
	    mount(v->tag, FILE_VOLUME_STAGING, "virtiofs", ro, NULL) < 0 ||
	    mount(source, v->guest_path, NULL, MS_BIND, NULL) < 0 ||
	    (ro && mount(NULL, v->guest_path, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL) < 0)) {
		snprintf(error, error_size, "volume %s: mount: %s", v->guest_path, strerror(errno));
		return -1;
	}
	(void)umount2(FILE_VOLUME_STAGING, MNT_DETACH);
	(void)rmdir(FILE_VOLUME_STAGING);
	return 0;
}

int setup_volumes(const struct job *job, char *error, size_t error_size)
{
	for (size_t i = 0; i < job->volume_count; i++) {
		const struct job_volume *v = &job->volumes[i];
		if (v->file_name) {
			if (mount_file_volume(v, error, error_size) < 0)
				return -1;
			continue;
		}
		if (mkdir_parents(v->guest_path, 0) < 0) {
			snprintf(error, error_size, "volume %s: cannot create mount point: %s",
				 v->guest_path, strerror(errno));
			return -1;
		}
		if (mount(v->tag, v->guest_path, "virtiofs", v->read_only ? MS_RDONLY : 0, NULL) <
		    0) {
			snprintf(error, error_size, "volume %s: mount: %s", v->guest_path,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}

int setup_tmpfs(const struct job *job, char *error, size_t error_size)
{
	for (size_t i = 0; i < job->tmpfs_count; i++) {
		const struct job_tmpfs *t = &job->tmpfs[i];
		if (mkdir_parents(t->guest_path, 0) < 0 ||
		    mount("tmpfs", t->guest_path, "tmpfs", t->flags, t->options) < 0) {
			snprintf(error, error_size, "--tmpfs %s: %s", t->guest_path,
				 strerror(errno));
			return -1;
		}
	}
	return 0;
}
