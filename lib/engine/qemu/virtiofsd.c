#include "lib/engine/qemu/virtiofsd.h"
#include "lib/spec/host_config.h"
#include "lib/sandbox/host_view.h"
#include "lib/vm/spawn.h"
#include "util/unix_socket.h"
#include "lib/sandbox/userns_map.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

const char *virtiofsd_path(void)
{
	const char *p = host_config()->virtiofsd;
	return p && p[0] ? p : VIRTIOFSD_DEFAULT_PATH;
}

/* Runs in the child before exec. An unprivileged user gets a user namespace
 * (Debian 12 allows them) so that it may make its mount namespace. */
struct private_view {
	const struct host_view_plan *plan;
	int sync_to_parent; /* unprivileged only: user namespace mapping */
	int sync_from_parent;
	const struct virtiofsd_own_ids *own_ids;
};

/* virtiofsd must keep its capabilities in its namespace, but when the only
 * id mapped there is a guest user's (not 0), execve would clear them: keep
 * every one as ambient, which survives the exec of a non-root program. */
static int keep_capabilities_across_exec(void)
{
	struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct caps[2];
	if (syscall(SYS_capget, &header, caps) < 0)
		return -1;
	caps[0].inheritable = caps[0].permitted;
	caps[1].inheritable = caps[1].permitted;
	if (syscall(SYS_capset, &header, caps) < 0)
		return -1;
	for (int cap = 0; cap < 64; cap++) {
		if (!(caps[cap / 32].permitted & (1u << (cap % 32))))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0 && errno != EINVAL)
			return -1;
	}
	return 0;
}

static int make_private_view(void *data)
{
	const struct private_view *view = data;
	if (geteuid() != 0) {
		if (unshare(CLONE_NEWUSER) < 0)
			return -1;
		int mapped =
		    view->own_ids
			? userns_child_wait_for_own_uid_map(view->sync_to_parent,
							    view->sync_from_parent,
							    view->own_ids->uid, view->own_ids->gid)
			: userns_child_wait_for_map(view->sync_to_parent, view->sync_from_parent);
		if (mapped < 0 || (view->own_ids && view->own_ids->uid != 0 &&
				   keep_capabilities_across_exec() < 0))
			return -1;
	}
	if (unshare(CLONE_NEWNS) < 0)
		return -1;
	return host_view_build(view->plan);
}

pid_t virtiofsd_start(const struct host_view_plan *view_plan, const char *socket_path,
		      enum virtiofsd_pages pages, int log_fd, int verbose,
		      const struct virtiofsd_own_ids *own_ids, struct error *err)
{
	/* We bind the socket before virtiofsd exists, so QEMU can connect as
	 * soon as it starts; virtiofsd itself could not create it on a
	 * read-only root. */
	int fd = unix_listen(socket_path, 0, err);
	if (fd < 0)
		return -1;
	char fd_arg[32];
	snprintf(fd_arg, sizeof(fd_arg), "--fd=%d", fd);
	const char *argv[] = {virtiofsd_path(), fd_arg, "-o", "source=" HOST_VIEW_PATH,
			      /* Its own pid, mount and network namespaces,
			       * pivoted into the view: no fd on the host's
			       * /proc, no host network. */
			      "-o", "sandbox=namespace", "-o",
			      pages == VIRTIOFSD_PAGES_KEPT ? "cache=always,timeout=1"
							    : "cache=auto",
			      "-o", verbose ? "log_level=info" : "log_level=err", NULL};
	struct private_view view = {.plan = view_plan, -1, -1, own_ids};
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
	/* exec's argv is char *const[] for C's historic reasons; it is not
	 * written to. */
	pid_t pid = spawn_process((char *const *)argv, &so, err);
	close(fd);
	if (unprivileged) {
		close(to_parent[1]);
		close(to_child[0]);
		if (pid > 0)
			userns_parent_map(pid, to_parent[0], to_child[1], own_ids != NULL);
		close(to_parent[0]);
		close(to_child[1]);
	}
	return pid;
}
