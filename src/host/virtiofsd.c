#include "virtiofsd.h"
#include "spawn.h"
#include "unix_socket.h"
#include "userns_map.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif
#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

struct krunsh_mount_attr {
	unsigned long long attr_set, attr_clr, propagation, userns_fd;
};

const char *virtiofsd_path(void)
{
	const char *p = getenv("KRUNSH_VIRTIOFSD");
	return p && p[0] ? p : VIRTIOFSD_DEFAULT_PATH;
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *out = s;
	for (char *in = s; *in; in++) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 3;
		} else {
			*out++ = *in;
		}
	}
	*out = '\0';
}

/* Kernels before 5.12 (and valgrind) lack mount_setattr: remount every
 * mount of the private namespace read-only, one by one, keeping the flags
 * a user namespace may not drop (nosuid, nodev, noexec). */
static int remount_each_readonly(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int r = 0;
	while (getline(&line, &cap, f) > 0) {
		char *fields[6];
		char *save = NULL, *p = line;
		int n = 0;
		for (; n < 6 && (fields[n] = strtok_r(p, " ", &save)); n++)
			p = NULL;
		if (n < 6)
			continue;
		unescape_octal(fields[4]);
		unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
		if (strstr(fields[5], "nosuid"))
			flags |= MS_NOSUID;
		if (strstr(fields[5], "nodev"))
			flags |= MS_NODEV;
		if (strstr(fields[5], "noexec"))
			flags |= MS_NOEXEC;
		if (mount("none", fields[4], "none", flags, NULL) < 0 && errno != ENOENT &&
		    errno != EACCES)
			r = -1;
	}
	free(line);
	fclose(f);
	return r;
}

/* Runs in the child before exec. An unprivileged user gets a user namespace
 * (Debian 12 allows them) so that it may make its mount namespace. */
struct private_view {
	int read_only;
	int sync_to_parent; /* unprivileged only: user namespace mapping */
	int sync_from_parent;
};

static int make_private_view(void *data)
{
	const struct private_view *view = data;
	if (geteuid() != 0) {
		if (unshare(CLONE_NEWUSER) < 0 ||
		    userns_child_wait_for_map(view->sync_to_parent, view->sync_from_parent) < 0 ||
		    unshare(CLONE_NEWNS) < 0)
			return -1;
	} else if (unshare(CLONE_NEWNS) < 0) {
		return -1;
	}
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	if (!view->read_only)
		return 0;
	struct krunsh_mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	if (syscall(SYS_mount_setattr, AT_FDCWD, "/", AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return 0;
	return errno == ENOSYS ? remount_each_readonly() : -1;
}

pid_t virtiofsd_start(const char *source, int read_only, const char *socket_path, int log_fd,
		      int verbose, struct error *err)
{
	/* We bind the socket before virtiofsd exists, so QEMU can connect as
	 * soon as it starts; virtiofsd itself could not create it on a
	 * read-only root. */
	int fd = unix_listen(socket_path, 0, err);
	if (fd < 0)
		return -1;
	char fd_arg[32], source_arg[8220];
	snprintf(fd_arg, sizeof(fd_arg), "--fd=%d", fd);
	/* virtiofsd splits -o at commas; a backslash keeps a ',' (or a '\\')
	 * of the path in it. */
	size_t used = (size_t)snprintf(source_arg, sizeof(source_arg), "source=");
	for (const char *p = source; *p && used + 3 < sizeof(source_arg); p++) {
		if (*p == ',' || *p == '\\')
			source_arg[used++] = '\\';
		source_arg[used++] = *p;
	}
	source_arg[used] = '\0';
	char *argv[] = {(char *)virtiofsd_path(),
			fd_arg,
			"-o",
			source_arg,
			"-o",
			"sandbox=chroot",
			"-o",
			"cache=auto",
			"-o",
			verbose ? "log_level=info" : "log_level=err",
			NULL};
	struct private_view view = {.read_only = read_only, -1, -1};
	int to_parent[2] = {-1, -1}, to_child[2] = {-1, -1};
	int unprivileged = geteuid() != 0;
	if (unprivileged && (pipe2(to_parent, O_CLOEXEC) < 0 || pipe2(to_child, O_CLOEXEC) < 0)) {
		error_set(err, errno, "pipe");
		close(fd);
		return -1;
	}
	view.sync_to_parent = to_parent[1];
	view.sync_from_parent = to_child[0];
	struct spawn_options so = {.keep_fds = &fd,
				   .keep_fd_count = 1,
				   .stdout_fd = verbose ? 2 : log_fd,
				   .stderr_fd = verbose ? 2 : log_fd,
				   .prepare = make_private_view,
				   .prepare_data = &view};
	pid_t pid = spawn_process(argv, &so, err);
	close(fd);
	if (unprivileged) {
		close(to_parent[1]);
		close(to_child[0]);
		if (pid > 0)
			userns_parent_map(pid, to_parent[0], to_child[1]);
		close(to_parent[0]);
		close(to_child[1]);
	}
	return pid;
}
