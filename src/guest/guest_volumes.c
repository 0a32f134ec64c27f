/* Volumes are separate virtio-fs shares mounted over the overlay root. A
 * read-only volume is also read-only on the host side (its file server runs
 * in a read-only mount namespace); the MS_RDONLY here only makes the guest
 * fail early with EROFS instead of at the host. */
#include "agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

static int mkdir_parents(const char *path)
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
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int setup_volumes(const struct job *job, char *error, size_t error_size)
{
	for (size_t i = 0; i < job->volume_count; i++) {
		const struct job_volume *v = &job->volumes[i];
		if (mkdir_parents(v->guest_path) < 0) {
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
