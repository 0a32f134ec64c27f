#include "lib/sandbox/host_view.h"
#include "lib/spec/host_config.h"
#include "lib/spec/spec.h"
#include "util/path.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* Credentials and keys a build or test never needs and an attacker always
 * wants. Hidden in every home directory the host has. */
const char *const host_view_default_home_secrets[] = {
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".kube",
    ".docker/config.json",
    ".netrc",
    ".git-credentials",
    ".config/git/credentials",
    ".config/gh/hosts.yml",
    ".npmrc",
    ".yarnrc",
    ".pypirc",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".gem/credentials",
    ".m2/settings-security.xml",
    ".terraform.d/credentials.tfrc.json",
    ".vault-token",
    ".password-store",
    ".local/share/keyrings",
    ".bash_history",
    ".zsh_history",
    ".python_history",
    ".psql_history",
    ".mysql_history",
    ".sqlite_history",
    ".lesshst",
    ".viminfo",
    NULL,
};

const char *const host_view_default_system_secrets[] = {
    "/etc/shadow",
    "/etc/shadow-",
    "/etc/gshadow",
    "/etc/gshadow-",
    "/etc/ssh/ssh_host_*_key",
    "/etc/krb5.keytab",
    "/etc/sudoers",
    "/etc/sudoers.d",
    NULL,
};

static int plan_add(struct host_view_plan *plan, const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
		return 0; /* nothing there to hide; a symlink's target is masked where listed */
	for (size_t i = 0; i < plan->mask_count; i++)
		if (strcmp(plan->masks[i].path, path) == 0)
			return 0;
	struct host_view_mask *grown =
	    realloc(plan->masks, (plan->mask_count + 1) * sizeof(*plan->masks));
	if (!grown)
		return -1;
	plan->masks = grown;
	struct host_view_mask *m = &plan->masks[plan->mask_count];
	if (path_join(m->path, sizeof(m->path), path, NULL, NULL) < 0)
		return 0;
	m->is_dir = S_ISDIR(st.st_mode);
	plan->mask_count++;
	return 0;
}

/* "ssh_host_*_key": one '*' in the last component, enough for the list. */
static int plan_add_pattern(struct host_view_plan *plan, const char *pattern)
{
	const char *star = strchr(pattern, '*');
	if (!star)
		return plan_add(plan, pattern);
	const char *slash = strrchr(pattern, '/');
	char dir[4096];
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - pattern), pattern);
	const char *prefix = slash + 1;
	size_t prefix_length = (size_t)(star - prefix);
	const char *suffix = star + 1;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		size_t n = strlen(e->d_name), s = strlen(suffix);
		if (n < prefix_length + s || strncmp(e->d_name, prefix, prefix_length) != 0 ||
		    strcmp(e->d_name + n - s, suffix) != 0)
			continue;
		char path[4096];
		if (path_join(path, sizeof(path), dir, e->d_name, NULL) == 0)
			r = plan_add(plan, path);
	}
	closedir(d);
	return r;
}

static int plan_home(struct host_view_plan *plan, const char *home)
{
	for (const char *const *s = host_view_default_home_secrets; *s; s++) {
		char path[4096];
		if (path_join(path, sizeof(path), home, *s, NULL) == 0 && plan_add(plan, path) < 0)
			return -1;
	}
	return 0;
}

/* Other runs' private directories (sockets, VMM logs) in $TMPDIR. */
static int plan_other_runs(struct host_view_plan *plan, const char *tmpdir, const char *own)
{
	DIR *d = opendir(tmpdir);
	if (!d)
		return 0;
	struct dirent *e;
	int r = 0;
	while (r == 0 && (e = readdir(d))) {
		char path[4096];
		if (strncmp(e->d_name, "krunsh-run.", 11) == 0 &&
		    path_join(path, sizeof(path), tmpdir, e->d_name, NULL) == 0 &&
		    (!own || strcmp(path, own) != 0))
			r = plan_add(plan, path);
	}
	closedir(d);
	return r;
}

static void plan_remove(struct host_view_plan *plan, const char *path)
{
	for (size_t i = 0; i < plan->mask_count; i++) {
		if (strcmp(plan->masks[i].path, path) == 0) {
			plan->masks[i] = plan->masks[--plan->mask_count];
			return;
		}
	}
}

int host_view_plan(struct host_view_plan *plan, const char *source, int read_only,
		   const char *const *extra_masks, size_t extra_count, const char *const *exposed,
		   size_t exposed_count, const char *tmpdir, const char *own_run_dir,
		   struct error *err)
{
	memset(plan, 0, sizeof(*plan));
	snprintf(plan->source, sizeof(plan->source), "%s", source);
	plan->read_only = read_only;
	int r = 0;
	if (strcmp(source, "/") == 0) {
		for (const char *const *s = host_view_default_system_secrets; r == 0 && *s; s++)
			r = plan_add_pattern(plan, *s);
		if (r == 0)
			r = plan_home(plan, "/root");
		DIR *d = opendir("/home");
		struct dirent *e;
		while (r == 0 && d && (e = readdir(d))) {
			char home[4096];
			if (e->d_name[0] != '.' &&
			    path_join(home, sizeof(home), "/home", e->d_name, NULL) == 0)
				r = plan_home(plan, home);
		}
		if (d)
			closedir(d);
		const char *home = host_config()->home;
		if (r == 0 && home && home[0] == '/')
			r = plan_home(plan, home);
		if (r == 0 && tmpdir)
			r = plan_other_runs(plan, tmpdir, own_run_dir);
	}
	for (size_t i = 0; r == 0 && i < extra_count; i++) {
		struct stat st;
		if (extra_masks[i][0] != '/' || lstat(extra_masks[i], &st) < 0) {
			error_set(err, errno ? errno : EINVAL,
				  "--mask %s: not an existing absolute path", extra_masks[i]);
			host_view_plan_free(plan);
			return -1;
		}
		r = plan_add(plan, extra_masks[i]);
	}
	for (size_t i = 0; i < exposed_count; i++)
		plan_remove(plan, exposed[i]);
	if (r < 0) {
		error_set(err, ENOMEM, "planning the guest's view of the host");
		host_view_plan_free(plan);
		return -1;
	}
	return 0;
}

void host_view_plan_free(struct host_view_plan *plan)
{
	free(plan->masks);
	plan->masks = NULL;
	plan->mask_count = 0;
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

static int under(const char *mount_point, const char *path)
{
	size_t n = strlen(path);
	return strcmp(path, "/") == 0 ||
	       (strncmp(mount_point, path, n) == 0 && (mount_point[n] == '/' || !mount_point[n]));
}

/* Remounts each mount under `path` read-only, keeping the flags a user
 * namespace may not drop (nosuid, nodev, noexec). */
static int remount_each_read_only(const char *path)
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
		if (!under(fields[4], path))
			continue;
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

int mount_tree_read_only(const char *path)
{
	struct krunsh_mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, AT_RECURSIVE, &attr, sizeof(attr)) == 0)
		return 0;
	return errno == ENOSYS ? remount_each_read_only(path) : -1;
}

/* Only the read-only flag, the mount's others as they were: inside a user
 * namespace a remount that drops a nosuid or nodev the host set (a /tmp
 * mounted nosuid,nodev) is refused. */
int mount_clear_read_only(const char *path)
{
	struct krunsh_mount_attr attr = {.attr_clr = MOUNT_ATTR_RDONLY};
	if (syscall(SYS_mount_setattr, AT_FDCWD, path, 0, &attr, sizeof(attr)) == 0)
		return 0;
	if (errno != ENOSYS)
		return -1;
	struct statvfs st;
	if (statvfs(path, &st) < 0)
		return -1;
	unsigned long keep = (st.f_flag & ST_NOSUID ? MS_NOSUID : 0) |
			     (st.f_flag & ST_NODEV ? MS_NODEV : 0) |
			     (st.f_flag & ST_NOEXEC ? MS_NOEXEC : 0);
	return mount("none", path, "none", MS_REMOUNT | MS_BIND | keep, NULL);
}

/* An empty, unreadable stand-in: a mode-000 directory (a tmpfs of its
 * own) over a directory, the empty mode-000 file below over a file. */
#define EMPTY_FILE "/run/krunsh-empty"

static int hide(const char *path, int is_dir)
{
	if (is_dir)
		return mount("none", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
			     "mode=000,size=4k,nr_inodes=1");
	return mount(EMPTY_FILE, path, "none", MS_BIND, NULL);
}

/* A single-file volume: the view is a tmpfs holding only an empty file of
 * the same name with the host file bound onto it, so nothing else of its
 * directory is shared. The tmpfs is read-only even for a rw volume: the
 * guest writes the file, never creates beside it. */
static int build_file_view(const struct host_view_plan *plan, const char *source)
{
	const char *name = strrchr(plan->source, '/') + 1;
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), HOST_VIEW_PATH, name, NULL) < 0)
		return -1;
	if (mount("none", HOST_VIEW_PATH, "tmpfs", MS_NOSUID | MS_NODEV,
		  "mode=0755,size=4k,nr_inodes=4") < 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	close(fd);
	if (mount(source, path, "none", MS_BIND, NULL) < 0 ||
	    mount("none", HOST_VIEW_PATH, "none", MS_REMOUNT | MS_NOSUID | MS_NODEV | MS_RDONLY,
		  "mode=0755,size=4k,nr_inodes=4") < 0)
		return -1;
	return plan->read_only ? mount_tree_read_only(HOST_VIEW_PATH) : 0;
}

int host_view_build(const struct host_view_plan *plan)
{
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	/* Held before /run is covered below: a volume may live under /run
	 * (podman's /etc/hosts and /etc/hostname, a $XDG_RUNTIME_DIR file),
	 * and is bound from this fd then. */
	int held = open(plan->source, O_PATH | O_CLOEXEC);
	if (held < 0)
		return -1;
	char source[64];
	snprintf(source, sizeof(source), "/proc/self/fd/%d", held);
	if (mount("none", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64k") < 0)
		return -1;
	int fd = open(EMPTY_FILE, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	close(fd);
	if (mkdir(HOST_VIEW_PATH, 0755) < 0)
		return -1;
	struct stat source_st;
	if (fstat(held, &source_st) < 0)
		return -1;
	if (S_ISREG(source_st.st_mode))
		return build_file_view(plan, source);
	if (mount(source, HOST_VIEW_PATH, "none", MS_BIND | MS_REC, NULL) < 0)
		return -1;
	/* The guest has its own of these; the host's would show every host
	 * process, device and daemon socket. Over-mounted, not unmounted: in
	 * an unprivileged user namespace inherited mounts are locked. */
	if (strcmp(plan->source, "/") == 0) {
		static const char *const own[] = {"proc", "sys", "dev", "run"};
		for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
			char path[PATH_MAX];
			struct stat st;
			if (path_join(path, sizeof(path), HOST_VIEW_PATH, own[i], NULL) == 0 &&
			    stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
			    mount("none", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
				  "mode=0755,size=4k,nr_inodes=16") < 0)
				return -1;
		}
	}
	for (size_t i = 0; i < plan->mask_count; i++) {
		char path[PATH_MAX];
		if (path_join(path, sizeof(path), HOST_VIEW_PATH, plan->masks[i].path + 1, NULL) < 0)
			return -1;
		if (hide(path, plan->masks[i].is_dir) < 0 && errno != ENOENT)
			return -1;
	}
	return plan->read_only ? mount_tree_read_only(HOST_VIEW_PATH) : 0;
}

int host_view_plan_for_root(const struct vm_spec *opts, const char *own_run_dir,
			    struct host_view_plan *plan, struct error *err)
{
	const char *tmpdir = host_config()->tmpdir;
	if (host_view_plan(plan, opts->root_dir ? opts->root_dir : "/", 1,
			   (const char *const *)opts->masks, opts->mask_count,
			   (const char *const *)opts->exposed, opts->exposed_count,
			   tmpdir && tmpdir[0] ? tmpdir : "/tmp", own_run_dir, err) < 0)
		return -1;
	for (size_t i = 0; i < plan->mask_count; i++)
		log_verbose_message("hidden from the guest: %s", plan->masks[i].path);
	return 0;
}
