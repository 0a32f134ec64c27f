/* Turns the guest into the sandbox the commands see: the host's root,
 * read-only (the host's file server enforces that), under a tmpfs overlay
 * that vanishes with the VM. */
#include "agent/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#define MODULE_DIR "/lib/krunsh-modules"
#define ROOT_TAG   "krunsh-root"

/* Opened before the agent leaves the initramfs, so that modules a job asks
 * for (network, disks) can still be loaded from inside the overlay root. */
static int module_dir_fd = -1;
/* The overlay's upper directory, reachable after the chroot. */
static int upper_fd = -1;

int overlay_upper_fd(void)
{
	return upper_fd;
}

static int load_module(const char *name)
{
	int fd = openat(module_dir_fd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	long r = syscall(SYS_finit_module, fd, "", 0);
	int saved = errno;
	close(fd);
	if (r < 0 && saved != EEXIST) {
		errno = saved;
		return -1;
	}
	return 0;
}

/* The setup script lists the modules in dependency order ("order" for the
 * core set, "order-NAME" for optional ones), so the agent needs no modprobe
 * and no depmod data. */
int load_module_list(const char *name, char *error, size_t error_size)
{
	if (module_dir_fd < 0)
		module_dir_fd = open(MODULE_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (module_dir_fd < 0)
		return 0; /* a kernel with everything built in */
	char list[128];
	snprintf(list, sizeof(list), "%s%s", strcmp(name, "order") ? "order-" : "",
		 strcmp(name, "order") ? name : "order");
	int list_fd = openat(module_dir_fd, list, O_RDONLY | O_CLOEXEC);
	FILE *order = list_fd >= 0 ? fdopen(list_fd, "r") : NULL;
	if (!order) {
		if (list_fd >= 0)
			close(list_fd);
		return 0;
	}
	char line[256];
	while (fgets(line, sizeof(line), order)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || strchr(line, '/'))
			continue;
		if (load_module(line) < 0) {
			snprintf(error, error_size, "loading module %s: %s", line, strerror(errno));
			fclose(order);
			return -1;
		}
	}
	fclose(order);
	return 0;
}

/* A kernel without a console for init (the minimal one has no virtual
 * terminals; its serial console exists only under -V) starts PID 1 with fds
 * 0-2 closed: the channel or a pipe would then be opened as fd 0, 1 or 2
 * and later be taken for the agent's stdio. */
static void stdio_on_null(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		int null = open("/dev/null", O_RDWR);
		if (null >= 0 && null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
}

int setup_early_initramfs(void)
{
	mkdir("/dev", 0755);
	mkdir("/proc", 0555);
	mkdir("/sys", 0555);
	(void)mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
	stdio_on_null();
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	char error[256];
	if (load_module_list("order", error, sizeof(error)) < 0) {
		fprintf(stderr, "krunsh-agent: %s\n", error);
		return -1;
	}
	return 0;
}

static int mount_or_fail(const char *source, const char *target, const char *type,
			 unsigned long flags, const char *data, char *error, size_t error_size)
{
	if (mount(source, target, type, flags, data) == 0)
		return 0;
	snprintf(error, error_size, "mount %s on %s: %s", type, target, strerror(errno));
	return -1;
}

/* What udev, systemd and every container runtime put in /dev, and a
 * devtmpfs lacks: scripts write to /dev/stderr, read /dev/stdin, and bash's
 * process substitution (`diff <(a) <(b)`) hands out /dev/fd/N. */
static void link_standard_fds(const char *root)
{
	static const struct {
		const char *name, *target;
	} links[] = {
	    {"dev/fd", "/proc/self/fd"},
	    {"dev/stdin", "/proc/self/fd/0"},
	    {"dev/stdout", "/proc/self/fd/1"},
	    {"dev/stderr", "/proc/self/fd/2"},
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", root, links[i].name);
		/* Not worth failing the run for: said on the console (-V). */
		if (symlink(links[i].target, path) < 0 && errno != EEXIST)
			fprintf(stderr, "krunsh-agent: link /%s: %s\n", links[i].name,
				strerror(errno));
	}
}

/* The fresh kernel filesystems the commands expect, inside the new root. */
static int mount_system_dirs(const char *root, char *error, size_t error_size)
{
	static const struct {
		const char *dir, *type, *data;
		unsigned long flags;
	} mounts[] = {
	    {"proc", "proc", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
	    {"sys", "sysfs", NULL, MS_NOSUID | MS_NODEV | MS_NOEXEC},
	    {"dev", "devtmpfs", "mode=0755", MS_NOSUID},
	    {"dev/pts", "devpts", "mode=0620,ptmxmode=0666", MS_NOSUID | MS_NOEXEC},
	    {"dev/shm", "tmpfs", "mode=1777", MS_NOSUID | MS_NODEV},
	    {"run", "tmpfs", "mode=0755", MS_NOSUID | MS_NODEV},
	};
	for (size_t i = 0; i < sizeof(mounts) / sizeof(mounts[0]); i++) {
		char target[512];
		snprintf(target, sizeof(target), "%s/%s", root, mounts[i].dir);
		mkdir(target, 0755);
		if (mount_or_fail(mounts[i].type, target, mounts[i].type, mounts[i].flags,
				  mounts[i].data, error, error_size) < 0)
			return -1;
	}
	link_standard_fds(root);
	return 0;
}

/* `scratch` is a writable directory ("" for the initramfs root) that takes
 * the overlay's mount points. */
static void set_effective_fowner(int on)
{
	struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	if (syscall(SYS_capget, &header, data) < 0)
		return;
	if (on)
		data[0].effective |= 1u << CAP_FOWNER;
	else
		data[0].effective &= ~(1u << CAP_FOWNER);
	(void)syscall(SYS_capset, &header, data);
}

static int overlay_root(const char *scratch, const char *lower, char *error, size_t error_size)
{
	char upper[256], root[256], data[300], work[300];
	snprintf(upper, sizeof(upper), "%s/krunsh-upper", scratch);
	snprintf(root, sizeof(root), "%s/krunsh-root", scratch);
	snprintf(data, sizeof(data), "%s/data", upper);
	snprintf(work, sizeof(work), "%s/work", upper);
	mkdir(upper, 0755);
	mkdir(root, 0755);
	if (mount_or_fail("tmpfs", upper, "tmpfs", 0, "mode=0755", error, error_size) < 0)
		return -1;
	mkdir(data, 0755);
	mkdir(work, 0755);
	char options[1024];
	snprintf(options, sizeof(options), "lowerdir=%s,upperdir=%s,workdir=%s", lower, data, work);
	/* Overlayfs keeps the mounter's credentials for its access to the
	 * lower layer. When the host's file server runs in an unprivileged
	 * user namespace, it may not open with O_NOATIME files it does not
	 * own (EPERM: every exec failed), and overlayfs adds O_NOATIME only
	 * for a mounter with CAP_FOWNER: so mount without it. The cost: a
	 * copied-up file gets a new mtime instead of the lower one's. */
	int drop = kernel_cmdline_has("krunsh.userns=1");
	if (drop)
		set_effective_fowner(0);
	int mounted = mount_or_fail("overlay", root, "overlay", 0, options, error, error_size);
	if (drop)
		set_effective_fowner(1);
	if (mounted < 0)
		return -1;
	if (mount_system_dirs(root, error, error_size) < 0)
		return -1;
	upper_fd = open(data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* Moved onto / before the chroot, as switch_root does: a root that
	 * is only chrooted into makes the kernel refuse every user namespace
	 * in the guest (EPERM: passt's sandbox, unshare -U, rootless podman). */
	if (chdir(root) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
	    chdir("/") < 0) {
		snprintf(error, error_size, "chroot into the overlay: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int setup_root(enum root_setup how, char *error, size_t error_size)
{
	switch (how) {
	case ROOT_SETUP_NONE:
		return 0;
	case ROOT_SETUP_INITRAMFS:
		mkdir("/krunsh-lower", 0755);
		if (mount_or_fail(ROOT_TAG, "/krunsh-lower", "virtiofs", MS_RDONLY, NULL, error,
				  error_size) < 0)
			return -1;
		return overlay_root("", "/krunsh-lower", error, error_size);
	}
	return -1;
}
