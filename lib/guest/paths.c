#include "lib/guest/paths.h"
#include "lib/spec/host_config.h"
#include "config.h"
#include "util/path.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int agent_locate(char *out, size_t size, struct error *err)
{
	const char *env = host_config()->agent;
	if (env && env[0]) {
		if (!is_file(env)) {
			error_set(err, 0, "KRUNSH_AGENT=%s is not a file", env);
			return -1;
		}
		return path_join(out, size, env, NULL, err);
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			if (path_join(out, size, self, "krunsh-agent", NULL) == 0 && is_file(out))
				return 0;
		}
	}
	if (path_join(out, size, KRUNSH_LIBEXECDIR, "krunsh-agent", err) < 0)
		return -1;
	if (is_file(out))
		return 0;
	error_set(err, 0, "guest agent not found at %s (set KRUNSH_AGENT or reinstall krunsh)",
		  out);
	return -1;
}

static void read_release(const char *dir, struct guest_kernel *k)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), dir, "release", NULL) < 0)
		return;
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(k->release, sizeof(k->release), f))
		k->release[strcspn(k->release, "\n")] = '\0';
	fclose(f);
}

static void read_features(const char *dir, struct guest_kernel *k)
{
	char path[PATH_MAX], line[256];
	if (path_join(path, sizeof(path), dir, "features", NULL) < 0)
		return;
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "no-acpi", 7) == 0)
			k->no_acpi = 1;
		else if (strncmp(line, "noapictimer", 11) == 0)
			k->no_apic_timer = 1;
		else if (strncmp(line, "lapic-bus-khz", 13) == 0)
			k->lapic_bus_khz = 1;
		else if (strncmp(line, "uniprocessor", 12) == 0)
			k->uniprocessor = 1;
	fclose(f);
}

static int kernel_from_dir(const char *dir, struct guest_kernel *k)
{
	/* The uncompressed ELF boots through PVH, skipping the decompressor:
	 * about 0.2 s less under TCG. */
	static const char *images[] = {"vmlinux", "vmlinuz", "bzImage"};
	for (size_t i = 0; i < sizeof(images) / sizeof(images[0]); i++) {
		if (path_join(k->image, sizeof(k->image), dir, images[i], NULL) == 0 &&
		    is_file(k->image))
			break;
		k->image[0] = '\0';
	}
	if (!k->image[0])
		return -1;
	if (path_join(k->modules_dir, sizeof(k->modules_dir), dir, "modules", NULL) < 0 ||
	    !is_dir(k->modules_dir))
		k->modules_dir[0] = '\0';
	read_release(dir, k);
	read_features(dir, k);
	return 0;
}

static int kernel_fits(const struct guest_kernel *k, unsigned cpus, const char *from,
		       const char *path, struct error *err)
{
	if (cpus > 1 && k->uniprocessor) {
		error_set(err, 0, "%s=%s is a uniprocessor kernel: use --cpus 1 or another kernel",
			  from, path);
		return -1;
	}
	return 0;
}

int kernel_locate(const char *option, unsigned cpus, struct guest_kernel *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	const char *from = "--kernel";
	const char *path = option;
	if (!path || !path[0]) {
		path = host_config()->kernel;
		from = "KRUNSH_KERNEL";
	}
	if (!path || !path[0]) {
		if (kernel_from_dir(KRUNSH_MINIMAL_KERNELDIR, out) == 0 &&
		    !(cpus > 1 && out->uniprocessor))
			return 0;
		/* More vCPUs: the SMP build of the same minimal kernel, which
		 * boots in a fraction of the Debian kernel's time. */
		memset(out, 0, sizeof(*out));
		if (cpus > 1 && kernel_from_dir(KRUNSH_MINIMAL_SMP_KERNELDIR, out) == 0 &&
		    !out->uniprocessor)
			return 0;
		memset(out, 0, sizeof(*out));
		if (kernel_from_dir(KRUNSH_KERNELDIR, out) == 0)
			return 0;
		if (cpus > 1 && kernel_from_dir(KRUNSH_MINIMAL_KERNELDIR, out) == 0) {
			error_set(
			    err, 0,
			    "--cpus %u needs the Debian guest kernel in %s (the minimal one has "
			    "one CPU): run the setup script",
			    cpus, KRUNSH_KERNELDIR);
			return -1;
		}
		error_set(err, 0,
			  "no guest kernel in %s or %s: run the setup script (see README), or give "
			  "--kernel PATH",
			  KRUNSH_MINIMAL_KERNELDIR, KRUNSH_KERNELDIR);
		return -1;
	}
	if (is_dir(path)) {
		if (kernel_from_dir(path, out) == 0)
			return kernel_fits(out, cpus, from, path, err);
		error_set(err, 0, "%s=%s: directory has no vmlinux, vmlinuz or bzImage", from,
			  path);
		return -1;
	}
	if (!is_file(path)) {
		error_set(err, errno ? errno : ENOENT, "%s=%s", from, path);
		return -1;
	}
	if (path_join(out->image, sizeof(out->image), path, NULL, err) < 0)
		return -1;
	/* modules/ beside an image file belongs to it. */
	char dir[sizeof(out->image)];
	memcpy(dir, out->image, sizeof(dir));
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		if (path_join(out->modules_dir, sizeof(out->modules_dir), dir[0] ? dir : "/",
			      "modules", NULL) < 0 ||
		    !is_dir(out->modules_dir))
			out->modules_dir[0] = '\0';
		read_release(dir[0] ? dir : "/", out);
		read_features(dir[0] ? dir : "/", out);
	}
	return kernel_fits(out, cpus, from, path, err);
}

int minimal_kernel_locate(const char *option, unsigned cpus, struct guest_kernel *out,
			  struct error *err)
{
	const char *env = host_config()->kernel;
	if ((option && option[0]) || (env && env[0]))
		return kernel_locate(option, cpus, out, err);
	memset(out, 0, sizeof(*out));
	if (kernel_from_dir(KRUNSH_MINIMAL_KERNELDIR, out) < 0) {
		error_set(err, 0,
			  "no minimal guest kernel in %s: run the setup script (see README), or "
			  "give --kernel PATH",
			  KRUNSH_MINIMAL_KERNELDIR);
		return -1;
	}
	if (cpus > 1 && out->uniprocessor) {
		/* Its SMP build has the same vsock and virtio-fs fixes. */
		memset(out, 0, sizeof(*out));
		if (kernel_from_dir(KRUNSH_MINIMAL_SMP_KERNELDIR, out) == 0 && !out->uniprocessor)
			return 0;
		error_set(err, 0,
			  "--cpus %u: no SMP build of krunsh's minimal guest kernel in %s, and "
			  "the Debian one lacks what this engine needs (vsock, the virtio-fs "
			  "fixes): run the setup script, or use --cpus 1, --engine qemu or "
			  "--kernel PATH",
			  cpus, KRUNSH_MINIMAL_SMP_KERNELDIR);
		return -1;
	}
	return 0;
}

int cache_dir(char *out, size_t size, struct error *err)
{
	const char *xdg = host_config()->cache_home;
	char base[PATH_MAX];
	if (xdg && xdg[0] == '/') {
		if (path_join(base, sizeof(base), xdg, NULL, err) < 0)
			return -1;
	} else {
		const char *home = host_config()->home;
		if (!home || home[0] != '/') {
			struct passwd *pw = getpwuid(getuid());
			home = pw ? pw->pw_dir : "/tmp";
		}
		if (path_join(base, sizeof(base), home, ".cache", err) < 0)
			return -1;
	}
	mkdir(base, 0700);
	if (path_join(out, size, base, "krunsh", err) < 0)
		return -1;
	if (mkdir(out, 0700) < 0 && errno != EEXIST) {
		error_set(err, errno, "cannot create cache directory %s", out);
		return -1;
	}
	/* What is cached here boots as the guest's PID 1: a directory that
	 * someone else owns or may write to could hand us their initramfs. */
	struct stat st;
	if (lstat(out, &st) < 0) {
		error_set(err, errno, "cache directory %s", out);
		return -1;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022)) {
		error_set(err, 0,
			  "cache directory %s is not a directory of yours that only you can "
			  "write to: fix its owner and mode, or set XDG_CACHE_HOME",
			  out);
		return -1;
	}
	return 0;
}

int program_locate(const char *name, char *out, size_t size)
{
	if (strchr(name, '/'))
		return path_join(out, size, name, NULL, NULL) < 0 ? -1 : access(out, X_OK);
	const char *path = host_config()->path;
	if (!path || !path[0])
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		char dir[PATH_MAX];
		if (n && n < sizeof(dir)) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			if (path_join(out, size, dir, name, NULL) == 0 && access(out, X_OK) == 0)
				return 0;
		}
		path += n + (path[n] == ':');
	}
	if (size)
		out[0] = '\0';
	return -1;
}
