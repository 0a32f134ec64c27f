#include "lib/guest/initramfs.h"
#include "util/path.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INITRAMFS_FORMAT_VERSION 3

static int write_all(int fd, const void *data, size_t length)
{
	const unsigned char *p = data;
	while (length) {
		ssize_t n = write(fd, p, length);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		length -= (size_t)n;
	}
	return 0;
}

static int cpio_pad(struct cpio_writer *w)
{
	static const char zeros[4];
	size_t pad = (4 - w->offset % 4) % 4;
	w->offset += pad;
	return pad ? write_all(w->fd, zeros, pad) : 0;
}

int cpio_add(struct cpio_writer *w, const char *name, unsigned mode, unsigned rdev_major,
	     unsigned rdev_minor, const void *data, size_t length)
{
	char header[160];
	size_t name_size = strlen(name) + 1;
	if (length > 0xffffffffu) {
		errno = EFBIG;
		return -1;
	}
	snprintf(header, sizeof(header),
		 "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ++w->inode, mode, 0u,
		 0u, 1u, 0u, (unsigned)length, 0u, 0u, rdev_major, rdev_minor, (unsigned)name_size,
		 0u);
	if (write_all(w->fd, header, 110) < 0 || write_all(w->fd, name, name_size) < 0)
		return -1;
	w->offset += 110 + name_size;
	if (cpio_pad(w) < 0)
		return -1;
	if (length && write_all(w->fd, data, length) < 0)
		return -1;
	w->offset += length;
	return cpio_pad(w);
}

/* Padded to whole pages: libkrun places the initramfs right after its end
 * in guest memory, and an unaligned one makes the guest kernel warn when it
 * frees the initrd (arch/x86/mm/init.c). The kernel skips the zeros. */
int cpio_finish(struct cpio_writer *w)
{
	if (cpio_add(w, "TRAILER!!!", 0, 0, 0, NULL, 0) < 0)
		return -1;
	static const unsigned char zeros[512];
	while (w->offset % 4096) {
		size_t n = 4096 - w->offset % 4096;
		n = n < sizeof(zeros) ? n : sizeof(zeros);
		if (write_all(w->fd, zeros, n) < 0)
			return -1;
		w->offset += n;
	}
	return 0;
}

static int read_whole_file(const char *path, unsigned char **data, size_t *length)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -1;
	}
	unsigned char *buf = malloc((size_t)st.st_size + 1);
	size_t used = 0;
	while (buf && used < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + used, (size_t)st.st_size - used);
		if (n <= 0) {
			free(buf);
			buf = NULL;
			break;
		}
		used += (size_t)n;
	}
	close(fd);
	if (!buf)
		return -1;
	*data = buf;
	*length = used;
	return 0;
}

static int add_file(struct cpio_writer *w, const char *name, const char *path, unsigned mode)
{
	unsigned char *data;
	size_t length;
	if (read_whole_file(path, &data, &length) < 0)
		return -1;
	int r = cpio_add(w, name, mode, 0, 0, data, length);
	free(data);
	return r;
}

/* Every file of the kernel's modules directory goes in: the .ko files and
 * the load-order lists ("order", "order-net", ...) the setup script wrote. */
static int add_modules(struct cpio_writer *w, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char src[PATH_MAX], name[PATH_MAX];
		struct stat st;
		if (path_join(src, sizeof(src), dir, e->d_name, NULL) == 0 &&
		    path_join(name, sizeof(name), "lib/krunsh-modules", e->d_name, NULL) == 0 &&
		    stat(src, &st) == 0 && S_ISREG(st.st_mode))
			r = add_file(w, name, src, 0100644);
	}
	closedir(d);
	return r;
}

static int build(const char *path, const char *agent_path, const struct guest_kernel *kernel)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	struct cpio_writer w = {.fd = fd};
	static const char *dirs[] = {"dev", "proc", "sys", "run", "lib", "lib/krunsh-modules"};
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(dirs) / sizeof(dirs[0]); i++)
		r = cpio_add(&w, dirs[i], 040755, 0, 0, NULL, 0);
	/* The kernel opens /dev/console for init's stdio before init runs. */
	if (r == 0)
		r = cpio_add(&w, "dev/console", 020600, 5, 1, NULL, 0);
	if (r == 0)
		r = add_file(&w, "init", agent_path, 0100755);
	if (r == 0 && kernel->modules_dir[0])
		r = add_modules(&w, kernel->modules_dir);
	if (r == 0)
		r = cpio_finish(&w);
	/* On disk before it is renamed into place: a crash must not leave a
	 * truncated initramfs under the final name. */
	if (r == 0)
		r = fsync(fd);
	int saved = errno;
	if (close(fd) < 0 && r == 0)
		return -1;
	errno = saved;
	return r;
}

static uint64_t fnv1a(uint64_t h, const void *data, size_t length)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < length; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Keyed on identity and timestamps, not content, so a cached run costs a
 * few stat calls rather than hashing megabytes. */
static uint64_t hash_file_identity(uint64_t h, const char *path)
{
	struct stat st;
	h = fnv1a(h, path, strlen(path));
	if (stat(path, &st) == 0) {
		uint64_t v[5] = {(uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
				 (uint64_t)st.st_mtim.tv_sec, (uint64_t)st.st_mtim.tv_nsec};
		h = fnv1a(h, v, sizeof(v));
	}
	return h;
}

static uint64_t cache_key(const char *agent_path, const struct guest_kernel *kernel)
{
	uint64_t h = 14695981039346656037ull;
	int version = INITRAMFS_FORMAT_VERSION;
	h = fnv1a(h, &version, sizeof(version));
	h = hash_file_identity(h, agent_path);
	if (kernel->modules_dir[0]) {
		DIR *d = opendir(kernel->modules_dir);
		if (d) {
			/* readdir order is stable for an unchanged directory;
			 * XOR-fold the entries so order does not matter anyway. */
			uint64_t fold = 0;
			struct dirent *e;
			while ((e = readdir(d))) {
				char p[PATH_MAX];
				if (path_join(p, sizeof(p), kernel->modules_dir, e->d_name, NULL) == 0)
					fold ^= hash_file_identity(14695981039346656037ull, p);
			}
			closedir(d);
			h = fnv1a(h, &fold, sizeof(fold));
		}
	}
	return h;
}

/* Each agent or kernel update leaves a new initramfs behind: when building
 * one, drop those unused for a week, and temp files of dead builders. */
static void prune_cache(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "initramfs-", 10) != 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0)
			continue;
		const char *tmp = strstr(e->d_name, ".tmp.");
		int stale_tmp =
		    tmp && kill((pid_t)strtol(tmp + 5, NULL, 10), 0) < 0 && errno == ESRCH;
		if (stale_tmp || (!tmp && now - st.st_mtime > 7 * 24 * 3600))
			unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
}

int initramfs_get(const char *agent_path, const struct guest_kernel *kernel, char *out, size_t size,
		  struct error *err)
{
	char dir[PATH_MAX], name[64];
	if (cache_dir(dir, sizeof(dir), err) < 0)
		return -1;
	snprintf(name, sizeof(name), "initramfs-%016llx.cpio",
		 (unsigned long long)cache_key(agent_path, kernel));
	if (path_join(out, size, dir, name, err) < 0)
		return -1;
	if (access(out, R_OK) == 0) {
		/* Mark it used, so pruning keeps what is in use. */
		utimensat(AT_FDCWD, out, NULL, 0);
		return 0;
	}
	prune_cache(dir);
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", out, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		error_set(err, ENAMETOOLONG, "guest initramfs path %s", out);
		return -1;
	}
	if (build(tmp, agent_path, kernel) < 0) {
		error_set(err, errno, "building the guest initramfs %s", tmp);
		unlink(tmp);
		return -1;
	}
	if (rename(tmp, out) < 0) {
		error_set(err, errno, "installing the guest initramfs %s", out);
		unlink(tmp);
		return -1;
	}
	log_verbose_message("built guest initramfs %s", out);
	return 0;
}
