/* What the commands leave under the working directory on the throw-away
 * overlay: the regular files in the overlay's upper layer below it are
 * exactly those created or changed there (copy-up), and they vanish with
 * the VM. Counted after the program, for the host's one-line warning.
 *
 * Counted: regular files only. Not counted: directories, symlinks, devices,
 * and whiteouts (a deleted host file is still there on the host, nothing
 * of it is lost); nor anything in a volume or a --tmpfs, which are mounts
 * of their own over the overlay and never reach its upper layer (the empty
 * file a single-file volume is bound over is skipped by its path).
 *
 * The tree is the guest's own, but the commands built it: the walk never
 * follows a symlink, reads d_type instead of stat-ing where the file
 * system gives it, and stops at WALK_MAX_ENTRIES entries, WALK_MAX_DEPTH
 * directories deep or WALK_MAX_MS milliseconds (then the count is a floor),
 * so that it cannot delay the end of the run noticeably. */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WALK_MAX_ENTRIES 10000
#define WALK_MAX_DEPTH	 32
#define WALK_MAX_MS	 100

struct walk {
	const struct job *setup; /* its volumes and tmpfs mounts */
	char workdir[PATH_MAX];	 /* resolved in the guest */
	char **mounts;		 /* volume and tmpfs paths, resolved */
	size_t mount_count;
	uint32_t count;
	int at_least;
	unsigned entries;
	struct timespec started;
	/* the first file: the shallowest, then the smallest in byte order */
	size_t best_depth;
	char best[FRAME_DISCARDED_PATH_MAX + 1];
	int have_best;
};

static long elapsed_ms(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 + (now.tv_nsec - t0->tv_nsec) / 1000000;
}

static int over_budget(struct walk *w)
{
	if (w->at_least)
		return 1;
	w->entries++;
	if (w->entries > WALK_MAX_ENTRIES ||
	    (w->entries % 128 == 0 && elapsed_ms(&w->started) > WALK_MAX_MS))
		w->at_least = 1;
	return w->at_least;
}

/* Whether workdir/rel is a volume's or a tmpfs's mount point. */
static int is_mount_point(const struct walk *w, const char *rel)
{
	/* workdir "/" is "" here, so that the joined path has one slash. */
	size_t n = strcmp(w->workdir, "/") == 0 ? 0 : strlen(w->workdir);
	for (size_t i = 0; i < w->mount_count; i++) {
		const char *m = w->mounts[i];
		if (strncmp(m, w->workdir, n) == 0 && m[n] == '/' && strcmp(m + n + 1, rel) == 0)
			return 1;
	}
	return 0;
}

static void consider_first(struct walk *w, const char *rel, size_t depth)
{
	size_t n = strlen(rel);
	if (n > FRAME_DISCARDED_PATH_MAX)
		return;
	if (w->have_best &&
	    (depth > w->best_depth || (depth == w->best_depth && strcmp(rel, w->best) >= 0)))
		return;
	memcpy(w->best, rel, n + 1);
	w->best_depth = depth;
	w->have_best = 1;
}

/* Counts below the directory fd (consumed), whose path relative to the
 * working directory is rel[0..length). */
static void walk_dir(struct walk *w, int fd, char *rel, size_t length, size_t depth)
{
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(dir)) && !over_budget(w)) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		size_t name_length = strlen(e->d_name);
		if (length + 1 + name_length >= PATH_MAX) {
			w->at_least = 1;
			continue;
		}
		size_t child = length;
		if (length)
			rel[child++] = '/';
		memcpy(rel + child, e->d_name, name_length + 1);
		unsigned char type = e->d_type;
		if (type == DT_UNKNOWN) {
			struct stat st;
			if (fstatat(dirfd(dir), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
				continue;
			type = S_ISREG(st.st_mode) ? DT_REG : S_ISDIR(st.st_mode) ? DT_DIR : DT_LNK;
		}
		if ((type == DT_REG || type == DT_DIR) && is_mount_point(w, rel))
			continue;
		if (type == DT_REG) {
			w->count++;
			consider_first(w, rel, depth);
		} else if (type == DT_DIR) {
			if (depth + 1 >= WALK_MAX_DEPTH) {
				w->at_least = 1;
				continue;
			}
			int sub = openat(dirfd(dir), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				walk_dir(w, sub, rel, child + name_length, depth + 1);
		}
	}
	rel[length] = '\0';
	closedir(dir);
}

/* The upper layer's copy of the working directory, component by
 * component, never through a symlink; -1 if the commands changed nothing
 * there. */
static int open_in_upper(int upper, const char *path)
{
	int fd = dup(upper);
	char component[NAME_MAX + 1];
	for (const char *p = path; fd >= 0 && *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n > NAME_MAX) {
			close(fd);
			return -1;
		}
		memcpy(component, p, n);
		component[n] = '\0';
		int next = openat(fd, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
		p += n;
	}
	return fd;
}

static void collect_mounts(struct walk *w)
{
	const struct job *job = w->setup;
	size_t total = job->volume_count + job->tmpfs_count;
	w->mounts = calloc(total ? total : 1, sizeof(*w->mounts));
	if (!w->mounts)
		return;
	for (size_t i = 0; i < total; i++) {
		const char *path = i < job->volume_count
				       ? job->volumes[i].guest_path
				       : job->tmpfs[i - job->volume_count].guest_path;
		char resolved[PATH_MAX];
		char *copy = strdup(realpath(path, resolved) ? resolved : path);
		if (copy)
			w->mounts[w->mount_count++] = copy;
	}
}

/* Control bytes never travel: the host refuses them (a file name may hold
 * them; the user sees '?'). */
static size_t first_path_payload(const struct walk *w, unsigned char *out)
{
	size_t n = w->have_best ? strlen(w->best) : 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w->best[i];
		out[i] = c < 0x20 || c == 0x7f ? '?' : c;
	}
	return n;
}

void discarded_files_report(int channel, const struct job *job, const struct job *setup)
{
	int upper = overlay_upper_fd();
	if (!job->discarded_files || upper < 0 || !job->workdir)
		return;
	static struct walk w;
	memset(&w, 0, sizeof(w));
	w.setup = setup;
	clock_gettime(CLOCK_MONOTONIC, &w.started);
	if (!realpath(job->workdir, w.workdir))
		return;
	int fd = open_in_upper(upper, w.workdir);
	if (fd < 0)
		return;
	collect_mounts(&w);
	static char rel[PATH_MAX];
	rel[0] = '\0';
	walk_dir(&w, fd, rel, 0, 0);
	for (size_t i = 0; i < w.mount_count; i++)
		free(w.mounts[i]);
	free(w.mounts);
	trace("%s%u files left under %s (%ld ms, %u entries)", w.at_least ? "at least " : "",
	      w.count, w.workdir, elapsed_ms(&w.started), w.entries);
	if (w.count == 0)
		return;
	unsigned char payload[FRAME_DISCARDED_FILES_MAX];
	put_u32le(payload, w.count);
	put_u32le(payload + 4, w.at_least ? DISCARDED_AT_LEAST : 0);
	size_t n = first_path_payload(&w, payload + 8);
	(void)channel_send(channel, FRAME_DISCARDED_FILES, payload, 8 + n);
}
