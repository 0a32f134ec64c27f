/* TEST DOUBLE of libkrun's C API, for krunsh's contract tests. This is NOT
 * libkrun and boots no VM. It is written from libkrun's documented
 * interface (include/libkrun.h) and shares no code with it.
 *
 * It exports the calls krunsh's krun engine uses, with their documented
 * signatures, and:
 *   - records every call and its arguments, one line each, in the file named
 *     by KRUNSH_DOUBLE_LOG;
 *   - checks the documented rules and fails a call that breaks one with
 *     -EINVAL and a logged "VIOLATION: ..." line: context ids come from
 *     krun_create_ctx; krun_set_exec's argv excludes argv[0]; envp is not
 *     NULL (NULL copies the host environment into the guest); no argument
 *     or environment entry can travel on the kernel command line (a '"', a
 *     newline, a lone "--", more than 256 bytes or more than 32 entries);
 *     the root is shared read-only unless krun_set_root asked otherwise;
 *     krun_add_vsock comes after krun_disable_implicit_vsock, once;
 *     krun_set_port_map comes after the network (vsock) configuration, has
 *     "HOST:GUEST" entries, and is called whenever TSI is on (without it
 *     libkrun exposes every port the guest listens on); a virtio-fs tag is
 *     added once; a share whose host path is listed (one a line) in
 *     KRUNSH_DOUBLE_EXPECT_READ_ONLY is added read-only (a plain
 *     krun_add_virtiofs/2 cannot be); disk block ids are unique; overlay
 *     files and directories go on a tag added before;
 *     krun_start_enter comes after a VM config, a root and an exec;
 *   - fails the call named by KRUNSH_DOUBLE_FAIL with -ENOMEM;
 *   - emulates krun_start_enter as libkrun behaves from outside: it runs
 *     the exec'd program (krunsh's agent) on the host, its vsock channel
 *     replaced by the unix socket registered for that port and its root
 *     setup by "none", then ends the process with _exit(its status) and
 *     never returns on success. An exec path served by
 *     krun_fs_add_overlay_file on the root tag runs from a copy of that
 *     file's data. Volumes, disks and the network are only recorded: the
 *     agent runs on the host, so nothing is mounted or attached.
 *
 * Build variants (see the Makefile): -DDOUBLE_OLD_LIBKRUN leaves out the
 * calls newer libkruns added (krun_add_virtiofs3, krun_add_vsock_port2,
 * krun_disable_implicit_vsock, krun_add_vsock, krun_fs_add_overlay_file,
 * krun_fs_add_overlay_dir); -DDOUBLE_BROKEN_LIBKRUN
 * leaves out the required krun_start_enter; -DDOUBLE_UNMARKED leaves out
 * the marker by which krunsh knows it drives this double. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* What krunsh's engine looks for to know it drives this double. The
 * unmarked variant lacks it, so krunsh treats it as a real libkrun (and
 * checks KVM and libkrunfw), which the tests use to reach those checks. */
#ifndef DOUBLE_UNMARKED
EXPORT const char krunsh_contract_double_marker[] = "libkrun contract double (tests only)";
#endif

#define MAX_CONTEXTS	    8
#define MAX_PORTS	    8
#define MAX_SHARES	    24
#define MAX_DISKS	    26
#define MAX_OVERLAYS	    8
#define TSI_HIJACK_INET	    1u
#define MAX_CMDLINE_ENTRIES 32 /* the guest kernel panics beyond this */
#define MAX_ENTRY_LENGTH    256
#define ROOT_TAG	    "/dev/root"

struct vsock_port {
	uint32_t port;
	char *path;
	bool listen;
};

struct share {
	char *tag;
	char *path;
	bool read_only;
};

struct overlay {
	char *tag;
	char *path;	     /* relative to the share's root */
	const uint8_t *data; /* NULL for a directory */
	size_t length;
	uint32_t mode;
};

struct block_device {
	char *id;
	char *path;
	bool read_only;
};

struct context {
	bool created;
	bool vm_config;
	bool root_read_only;
	bool root_writable; /* krun_set_root */
	bool implicit_vsock_disabled;
	bool explicit_vsock;
	uint32_t tsi_features; /* of the explicit vsock */
	bool port_map_set;
	struct share shares[MAX_SHARES];
	int share_count;
	struct overlay overlays[MAX_OVERLAYS];
	int overlay_count;
	struct block_device disks[MAX_DISKS];
	int disk_count;
	char *workdir;
	char *exec_path;
	char **argv;
	char **envp;
	struct vsock_port ports[MAX_PORTS];
	int port_count;
};

static struct context contexts[MAX_CONTEXTS];

/* ---- the call log ---- */

static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_line(const char *fmt, ...)
{
	const char *path = getenv("KRUNSH_DOUBLE_LOG");
	if (!path || !path[0])
		return;
	char line[8192];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One append per line: lines of concurrent runs never interleave. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)!write(fd, line, (size_t)n);
	close(fd);
}

/* KRUNSH_DOUBLE_FAIL=krun_xxx makes that call fail with -ENOMEM, to test
 * how krunsh reports a failing libkrun call. */
static bool injected_failure(const char *call)
{
	const char *name = getenv("KRUNSH_DOUBLE_FAIL");
	if (!name || strcmp(name, call) != 0)
		return false;
	log_line("%s: failing with -ENOMEM as KRUNSH_DOUBLE_FAIL asks", call);
	return true;
}

#define INJECTED_FAILURE()                                                                         \
	do {                                                                                       \
		if (injected_failure(__func__))                                                    \
			return -ENOMEM;                                                            \
	} while (0)

static int32_t violation(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int32_t violation(const char *fmt, ...)
{
	char what[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	log_line("VIOLATION: %s", what);
	return -EINVAL;
}

/* A string as one log token: control characters escaped, so a line is a
 * line whatever the caller passed; long strings cut. */
static const char *shown(const char *s, char *buf, size_t size)
{
	if (!s)
		return "(null)";
	size_t used = 0;
	for (; *s && used + 8 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			used += (size_t)snprintf(buf + used, size - used, "\\n");
		else if (c < 0x20 || c == 0x7f)
			used += (size_t)snprintf(buf + used, size - used, "\\x%02x", c);
		else
			buf[used++] = (char)c;
	}
	if (*s)
		used += (size_t)snprintf(buf + used, size - used, "...");
	buf[used] = '\0';
	return buf;
}

static void log_list(const char *call, const char *count_name, const char *name,
		     const char *const list[])
{
	if (!list) {
		log_line("%s %s=NULL", call, name);
		return;
	}
	int count = 0;
	while (list[count])
		count++;
	log_line("%s %s=%d", call, count_name, count);
	for (int i = 0; i < count; i++) {
		char buf[600];
		log_line("%s %s[%d]=%s", call, name, i, shown(list[i], buf, sizeof(buf)));
	}
}

/* ---- rules ---- */

static struct context *context_get(const char *call, uint32_t id)
{
	if (id >= MAX_CONTEXTS || !contexts[id].created) {
		violation("%s: ctx %u was not returned by krun_create_ctx", call, id);
		return NULL;
	}
	return &contexts[id];
}

/* Each entry travels on the guest kernel command line wrapped in "..."
 * without escaping: only short, fixed words survive that. */
static int32_t check_cmdline_list(const char *call, const char *name, const char *const list[])
{
	int i = 0;
	for (; list[i]; i++) {
		const char *e = list[i];
		if (strchr(e, '"'))
			return violation(
			    "%s: %s[%d] contains '\"', which breaks the kernel command "
			    "line",
			    call, name, i);
		if (strchr(e, '\n'))
			return violation("%s: %s[%d] contains a newline: user content (a script?) "
					 "must not travel on the kernel command line",
					 call, name, i);
		if (strlen(e) > MAX_ENTRY_LENGTH)
			return violation("%s: %s[%d] is %zu bytes: user content (a script?) must "
					 "not travel on the kernel command line",
					 call, name, i, strlen(e));
		if (strcmp(e, "--") == 0)
			return violation("%s: %s[%d] is \"--\", which the guest kernel swallows",
					 call, name, i);
	}
	if (i > MAX_CMDLINE_ENTRIES)
		return violation("%s: %d %s entries; the guest kernel panics beyond %d", call, i,
				 name, MAX_CMDLINE_ENTRIES);
	return 0;
}

static char **list_copy(const char *const list[])
{
	int n = 0;
	while (list[n])
		n++;
	char **copy = calloc((size_t)n + 1, sizeof(*copy));
	for (int i = 0; copy && i < n; i++)
		copy[i] = strdup(list[i]);
	return copy;
}

/* ---- the exported calls ---- */

EXPORT int32_t krun_set_log_level(uint32_t level)
{
	INJECTED_FAILURE();
	log_line("krun_set_log_level level=%u", level);
	return level > 5 ? violation("krun_set_log_level: level %u is not 0-5", level) : 0;
}

EXPORT int32_t krun_create_ctx(void)
{
	INJECTED_FAILURE();
	for (uint32_t id = 0; id < MAX_CONTEXTS; id++) {
		if (!contexts[id].created) {
			contexts[id] = (struct context){.created = true};
			log_line("krun_create_ctx -> %u", id);
			return (int32_t)id;
		}
	}
	log_line("krun_create_ctx -> -ENOMEM");
	return -ENOMEM;
}

EXPORT int32_t krun_free_ctx(uint32_t ctx_id)
{
	INJECTED_FAILURE();
	log_line("krun_free_ctx ctx=%u", ctx_id);
	struct context *c = context_get("krun_free_ctx", ctx_id);
	if (!c)
		return -EINVAL;
	c->created = false;
	return 0;
}

EXPORT int32_t krun_set_vm_config(uint32_t ctx_id, uint8_t num_vcpus, uint32_t ram_mib)
{
	INJECTED_FAILURE();
	log_line("krun_set_vm_config ctx=%u vcpus=%u ram_mib=%u", ctx_id, num_vcpus, ram_mib);
	struct context *c = context_get("krun_set_vm_config", ctx_id);
	if (!c)
		return -EINVAL;
	if (num_vcpus == 0 || ram_mib == 0)
		return violation("krun_set_vm_config: vcpus and ram_mib must be positive");
	c->vm_config = true;
	return 0;
}

static int32_t add_share(const char *call, struct context *c, const char *tag, const char *path,
			 bool read_only);

EXPORT int32_t krun_set_root(uint32_t ctx_id, const char *root_path)
{
	INJECTED_FAILURE();
	char buf[600];
	log_line("krun_set_root ctx=%u path=%s", ctx_id, shown(root_path, buf, sizeof(buf)));
	struct context *c = context_get("krun_set_root", ctx_id);
	if (!c)
		return -EINVAL;
	if (!root_path || root_path[0] != '/')
		return violation("krun_set_root: the root must be an absolute path");
	if (c->root_read_only)
		return violation("krun_set_root: a root is already shared with %s", ROOT_TAG);
	int32_t r = add_share("krun_set_root", c, ROOT_TAG, root_path, false);
	if (r == 0)
		c->root_writable = true;
	return r;
}

/* Whether the test said this host path must reach the guest read-only. */
static bool expected_read_only(const char *path)
{
	const char *list = getenv("KRUNSH_DOUBLE_EXPECT_READ_ONLY");
	size_t n = strlen(path);
	while (list && *list) {
		const char *end = strchr(list, '\n');
		size_t len = end ? (size_t)(end - list) : strlen(list);
		if (len == n && strncmp(list, path, n) == 0)
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}

static struct share *find_share(struct context *c, const char *tag)
{
	for (int i = 0; i < c->share_count; i++)
		if (strcmp(c->shares[i].tag, tag) == 0)
			return &c->shares[i];
	return NULL;
}

/* Every virtio-fs device: one tag each; a path the test expects read-only
 * must be shared with the read-only flag. */
static int32_t add_share(const char *call, struct context *c, const char *tag, const char *path,
			 bool read_only)
{
	if (!tag || !tag[0] || !path || path[0] != '/')
		return violation("%s: a tag and an absolute path are required", call);
	if (find_share(c, tag))
		return violation("%s: tag %s is already shared", call, tag);
	if (!read_only && expected_read_only(path))
		return violation("%s: %s is shared writable but must be read-only (use "
				 "krun_add_virtiofs3 with read_only=true)",
				 call, path);
	if (c->share_count == MAX_SHARES)
		return -ENOMEM;
	c->shares[c->share_count++] = (struct share){strdup(tag), strdup(path), read_only};
	return 0;
}

static void log_share(const char *call, uint32_t ctx_id, const char *c_tag, const char *c_path,
		      uint64_t shm_size, const char *read_only)
{
	char tag[600], path[600];
	log_line("%s ctx=%u tag=%s path=%s shm_size=%llu read_only=%s", call, ctx_id,
		 shown(c_tag, tag, sizeof(tag)), shown(c_path, path, sizeof(path)),
		 (unsigned long long)shm_size, read_only);
}

#ifndef DOUBLE_OLD_LIBKRUN
EXPORT int32_t krun_add_virtiofs3(uint32_t ctx_id, const char *c_tag, const char *c_path,
				  uint64_t shm_size, bool read_only)
{
	INJECTED_FAILURE();
	log_share("krun_add_virtiofs3", ctx_id, c_tag, c_path, shm_size,
		  read_only ? "true" : "false");
	struct context *c = context_get("krun_add_virtiofs3", ctx_id);
	if (!c)
		return -EINVAL;
	if (c_tag && strcmp(c_tag, ROOT_TAG) == 0) {
		if (!read_only)
			return violation("krun_add_virtiofs3: the root (%s) is shared writable; "
					 "krunsh must share it read-only",
					 ROOT_TAG);
		if (c->root_writable)
			return violation("krun_add_virtiofs3: krun_set_root already set a root");
	}
	int32_t r = add_share("krun_add_virtiofs3", c, c_tag, c_path, read_only);
	if (r == 0 && strcmp(c_tag, ROOT_TAG) == 0)
		c->root_read_only = true;
	return r;
}
#endif

/* The older calls share writable: no read-only flag exists for them. */
EXPORT int32_t krun_add_virtiofs2(uint32_t ctx_id, const char *c_tag, const char *c_path,
				  uint64_t shm_size)
{
	INJECTED_FAILURE();
	log_share("krun_add_virtiofs2", ctx_id, c_tag, c_path, shm_size, "(no flag: writable)");
	struct context *c = context_get("krun_add_virtiofs2", ctx_id);
	if (!c)
		return -EINVAL;
	if (c_tag && strcmp(c_tag, ROOT_TAG) == 0)
		return violation("krun_add_virtiofs2: the root (%s) shared writable", ROOT_TAG);
	return add_share("krun_add_virtiofs2", c, c_tag, c_path, false);
}

EXPORT int32_t krun_add_virtiofs(uint32_t ctx_id, const char *c_tag, const char *c_path)
{
	INJECTED_FAILURE();
	log_share("krun_add_virtiofs", ctx_id, c_tag, c_path, 0, "(no flag: writable)");
	struct context *c = context_get("krun_add_virtiofs", ctx_id);
	if (!c)
		return -EINVAL;
	if (c_tag && strcmp(c_tag, ROOT_TAG) == 0)
		return violation("krun_add_virtiofs: the root (%s) shared writable", ROOT_TAG);
	return add_share("krun_add_virtiofs", c, c_tag, c_path, false);
}

/* Raw images only; libkrun opens them when the VM is built. */
EXPORT int32_t krun_add_disk(uint32_t ctx_id, const char *c_block_id, const char *c_disk_path,
			     bool read_only)
{
	INJECTED_FAILURE();
	char id[600], path[600];
	log_line("krun_add_disk ctx=%u block_id=%s path=%s read_only=%s", ctx_id,
		 shown(c_block_id, id, sizeof(id)), shown(c_disk_path, path, sizeof(path)),
		 read_only ? "true" : "false");
	struct context *c = context_get("krun_add_disk", ctx_id);
	if (!c)
		return -EINVAL;
	if (!c_block_id || !c_block_id[0] || !c_disk_path || c_disk_path[0] != '/')
		return violation("krun_add_disk: a block id and an absolute path are required");
	for (int i = 0; i < c->disk_count; i++)
		if (strcmp(c->disks[i].id, c_block_id) == 0)
			return violation("krun_add_disk: block id %s is already used", c_block_id);
	if (c->disk_count == MAX_DISKS)
		return -ENOMEM;
	c->disks[c->disk_count++] =
	    (struct block_device){strdup(c_block_id), strdup(c_disk_path), read_only};
	return 0;
}

static int32_t check_port_entry(const char *entry)
{
	char *end;
	unsigned long host = strtoul(entry, &end, 10);
	if (end == entry || *end != ':')
		return -1;
	const char *guest_text = end + 1;
	unsigned long guest = strtoul(guest_text, &end, 10);
	if (end == guest_text || *end || host == 0 || host > 65535 || guest == 0 || guest > 65535)
		return -1;
	return 0;
}

EXPORT int32_t krun_set_port_map(uint32_t ctx_id, const char *const port_map[])
{
	INJECTED_FAILURE();
	log_line("krun_set_port_map ctx=%u", ctx_id);
	log_list("krun_set_port_map", "count", "map", port_map);
	struct context *c = context_get("krun_set_port_map", ctx_id);
	if (!c)
		return -EINVAL;
	if (c->port_map_set)
		return violation("krun_set_port_map: called twice");
	for (int i = 0; port_map && port_map[i]; i++) {
		if (check_port_entry(port_map[i]) < 0)
			return violation("krun_set_port_map: map[%d] \"%s\" is not HOST:GUEST", i,
					 port_map[i]);
		for (int k = 0; k < i; k++)
			if (strtoul(port_map[k], NULL, 10) == strtoul(port_map[i], NULL, 10))
				return violation("krun_set_port_map: host port of map[%d] is "
						 "mapped twice",
						 i);
	}
	c->port_map_set = true;
	return 0;
}

EXPORT int32_t krun_set_workdir(uint32_t ctx_id, const char *workdir_path)
{
	INJECTED_FAILURE();
	char buf[600];
	log_line("krun_set_workdir ctx=%u path=%s", ctx_id, shown(workdir_path, buf, sizeof(buf)));
	struct context *c = context_get("krun_set_workdir", ctx_id);
	if (!c)
		return -EINVAL;
	if (!workdir_path || workdir_path[0] != '/')
		return violation("krun_set_workdir: the workdir must be an absolute path");
	const char *const one[] = {workdir_path, NULL};
	int32_t r = check_cmdline_list("krun_set_workdir", "path", one);
	if (r < 0)
		return r;
	free(c->workdir);
	c->workdir = strdup(workdir_path);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

EXPORT int32_t krun_set_exec(uint32_t ctx_id, const char *exec_path, const char *const argv[],
			     const char *const envp[])
{
	INJECTED_FAILURE();
	char buf[600];
	log_line("krun_set_exec ctx=%u path=%s", ctx_id, shown(exec_path, buf, sizeof(buf)));
	log_list("krun_set_exec", "argc", "argv", argv);
	log_list("krun_set_exec", "envc", "envp", envp);
	struct context *c = context_get("krun_set_exec", ctx_id);
	if (!c)
		return -EINVAL;
	if (!exec_path || exec_path[0] != '/')
		return violation("krun_set_exec: the exec path must be absolute");
	if (!argv)
		return violation("krun_set_exec: argv is NULL");
	if (!envp)
		return violation("krun_set_exec: envp is NULL: libkrun would copy the whole host "
				 "environment into the guest");
	if (argv[0] &&
	    (strcmp(argv[0], exec_path) == 0 || strcmp(argv[0], base_name(exec_path)) == 0))
		return violation("krun_set_exec: argv[0] is the program (%s): libkrun's argv "
				 "excludes argv[0]",
				 argv[0]);
	const char *const path_only[] = {exec_path, NULL};
	int32_t r = check_cmdline_list("krun_set_exec", "path", path_only);
	if (r == 0)
		r = check_cmdline_list("krun_set_exec", "argv", argv);
	if (r == 0)
		r = check_cmdline_list("krun_set_exec", "envp", envp);
	if (r < 0)
		return r;
	c->exec_path = strdup(exec_path);
	c->argv = list_copy(argv);
	c->envp = list_copy(envp);
	return 0;
}

static int32_t add_port(const char *call, uint32_t ctx_id, uint32_t port, const char *path,
			bool listen)
{
	char buf[600];
	log_line("%s ctx=%u port=%u path=%s listen=%s", call, ctx_id, port,
		 shown(path, buf, sizeof(buf)), listen ? "true" : "false");
	struct context *c = context_get(call, ctx_id);
	if (!c)
		return -EINVAL;
	if (!path || !path[0])
		return violation("%s: no unix socket path", call);
	for (int i = 0; i < c->port_count; i++)
		if (c->ports[i].port == port)
			return violation("%s: vsock port %u is already mapped", call, port);
	if (c->port_count == MAX_PORTS)
		return -ENOMEM;
	c->ports[c->port_count++] = (struct vsock_port){port, strdup(path), listen};
	return 0;
}

#ifndef DOUBLE_OLD_LIBKRUN
EXPORT int32_t krun_disable_implicit_vsock(uint32_t ctx_id)
{
	INJECTED_FAILURE();
	log_line("krun_disable_implicit_vsock ctx=%u", ctx_id);
	struct context *c = context_get("krun_disable_implicit_vsock", ctx_id);
	if (!c)
		return -EINVAL;
	if (c->port_map_set)
		return violation("krun_disable_implicit_vsock: the network configuration must come "
				 "before krun_set_port_map");
	c->implicit_vsock_disabled = true;
	return 0;
}

EXPORT int32_t krun_add_vsock(uint32_t ctx_id, uint32_t tsi_features)
{
	INJECTED_FAILURE();
	log_line("krun_add_vsock ctx=%u tsi_features=%u", ctx_id, tsi_features);
	struct context *c = context_get("krun_add_vsock", ctx_id);
	if (!c)
		return -EINVAL;
	if (!c->implicit_vsock_disabled)
		return violation("krun_add_vsock: krun_disable_implicit_vsock must come first");
	if (c->port_map_set)
		return violation("krun_add_vsock: the network configuration must come before "
				 "krun_set_port_map");
	if (c->explicit_vsock)
		return violation("krun_add_vsock: only one vsock device is supported");
	if (tsi_features & ~3u)
		return violation("krun_add_vsock: unknown TSI feature bits 0x%x", tsi_features);
	c->explicit_vsock = true;
	c->tsi_features = tsi_features;
	return 0;
}

/* Overlay entries live on a share added before; intermediate directories
 * must be overlay directories already (the header's -ENOENT). */
static int32_t add_overlay(const char *call, uint32_t ctx_id, const char *tag, const char *path,
			   const uint8_t *data, size_t length, uint32_t mode)
{
	struct context *c = context_get(call, ctx_id);
	if (!c)
		return -EINVAL;
	if (!tag || !path || !path[0] || path[0] == '/')
		return violation("%s: a tag and a path relative to the share are required", call);
	if (!find_share(c, tag)) {
		violation("%s: tag %s was not added before (libkrun returns -ENOENT)", call, tag);
		return -ENOENT;
	}
	const char *slash = strrchr(path, '/');
	if (slash) {
		bool parent = false;
		for (int i = 0; i < c->overlay_count; i++)
			parent |= !c->overlays[i].data && strcmp(c->overlays[i].tag, tag) == 0 &&
				  strlen(c->overlays[i].path) == (size_t)(slash - path) &&
				  strncmp(c->overlays[i].path, path, (size_t)(slash - path)) == 0;
		if (!parent) {
			violation("%s: the parent of %s is not an overlay directory", call, path);
			return -ENOENT;
		}
	}
	if (c->overlay_count == MAX_OVERLAYS)
		return -ENOMEM;
	c->overlays[c->overlay_count++] =
	    (struct overlay){strdup(tag), strdup(path), data, length, mode};
	return 0;
}

EXPORT int32_t krun_fs_add_overlay_file(uint32_t ctx_id, const char *fs_tag, const char *path,
					const uint8_t *data, size_t data_len, uint32_t mode,
					bool one_shot)
{
	INJECTED_FAILURE();
	char tag_buf[600], path_buf[600];
	log_line("krun_fs_add_overlay_file ctx=%u tag=%s path=%s length=%zu mode=0%o "
		 "one_shot=%s elf=%s",
		 ctx_id, shown(fs_tag, tag_buf, sizeof(tag_buf)),
		 shown(path, path_buf, sizeof(path_buf)), data_len, mode,
		 one_shot ? "true" : "false",
		 data && data_len >= 4 &&
			 memcmp(data,
				"\x7f"
				"ELF",
				4) == 0
		     ? "yes"
		     : "no");
	if (!data || data_len == 0)
		return violation("krun_fs_add_overlay_file: no data");
	if ((mode & 0170000) != 0100000)
		return violation("krun_fs_add_overlay_file: mode 0%o is not a regular file", mode);
	return add_overlay("krun_fs_add_overlay_file", ctx_id, fs_tag, path, data, data_len, mode);
}

EXPORT int32_t krun_fs_add_overlay_dir(uint32_t ctx_id, const char *fs_tag, const char *path,
				       uint32_t mode)
{
	INJECTED_FAILURE();
	char tag_buf[600], path_buf[600];
	log_line("krun_fs_add_overlay_dir ctx=%u tag=%s path=%s mode=0%o", ctx_id,
		 shown(fs_tag, tag_buf, sizeof(tag_buf)), shown(path, path_buf, sizeof(path_buf)),
		 mode);
	if ((mode & 0170000) != 0040000)
		return violation("krun_fs_add_overlay_dir: mode 0%o is not a directory", mode);
	return add_overlay("krun_fs_add_overlay_dir", ctx_id, fs_tag, path, NULL, 0, mode);
}
#endif

EXPORT int32_t krun_add_vsock_port(uint32_t ctx_id, uint32_t port, const char *c_filepath)
{
	INJECTED_FAILURE();
	return add_port("krun_add_vsock_port", ctx_id, port, c_filepath, false);
}

#ifndef DOUBLE_OLD_LIBKRUN
EXPORT int32_t krun_add_vsock_port2(uint32_t ctx_id, uint32_t port, const char *c_filepath,
				    bool listen)
{
	INJECTED_FAILURE();
	return add_port("krun_add_vsock_port2", ctx_id, port, c_filepath, listen);
}
#endif

/* ---- krun_start_enter: the agent, run on the host ---- */
#ifndef DOUBLE_BROKEN_LIBKRUN

static pid_t agent_pid;

static void forward_signal(int sig)
{
	if (agent_pid > 0)
		kill(agent_pid, sig);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The guest's processes die with the VM. Here they are the agent's
 * process group, killed when this process ends, even by SIGKILL: a small
 * guardian child gets a signal when this process dies and does it. */
static pid_t guardian_start(pid_t agent, const char *run_dir)
{
	pid_t vmm = getpid();
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	pid_t pid = fork();
	if (pid != 0) {
		sigprocmask(SIG_UNBLOCK, &usr1, NULL);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	if (getppid() == vmm) {
		int sig;
		sigwait(&usr1, &sig);
	}
	kill(-agent, SIGKILL);
	remove_tree(run_dir);
	_exit(0);
}

/* The agent's arguments, as the guest would run them, turned into what
 * runs on the host: the vsock channel becomes the unix socket libkrun would
 * forward it to, the root is left alone, and a private run dir is added. */
static char **translate_args(const struct context *c, const char *run_dir)
{
	int n = 0;
	while (c->argv[n])
		n++;
	char **args = calloc((size_t)n + 4, sizeof(*args));
	if (!args)
		return NULL;
	int k = 0;
	args[k++] = c->exec_path;
	for (int i = 0; i < n; i++) {
		const char *a = c->argv[i];
		if (i > 0 && strcmp(c->argv[i - 1], "--channel") == 0 &&
		    strncmp(a, "vsock:", 6) == 0) {
			uint32_t port = (uint32_t)strtoul(a + 6, NULL, 10);
			const char *path = NULL;
			for (int p = 0; p < c->port_count; p++)
				if (c->ports[p].port == port && !c->ports[p].listen)
					path = c->ports[p].path;
			if (!path) {
				violation("krun_start_enter: the agent's channel %s has no "
					  "krun_add_vsock_port mapping",
					  a);
				free(args);
				return NULL;
			}
			char *unix_spec = malloc(strlen(path) + 6);
			if (unix_spec)
				sprintf(unix_spec, "unix:%s", path);
			args[k++] = unix_spec;
		} else if (i > 0 && strcmp(c->argv[i - 1], "--root") == 0) {
			args[k++] = "none";
		} else {
			args[k++] = c->argv[i];
		}
	}
	args[k++] = "--run-dir";
	args[k++] = (char *)run_dir;
	args[k] = NULL;
	return args;
}

/* An exec path served by krun_fs_add_overlay_file on the root tag: what
 * libkrun's init would find there, written out so the host can exec it.
 * NULL when the path is not an overlay file (it is then the host's). */
static const char *served_program(const struct context *c, const char *run_dir, char *out,
				  size_t size)
{
	for (int i = 0; i < c->overlay_count; i++) {
		const struct overlay *o = &c->overlays[i];
		if (!o->data || strcmp(o->tag, ROOT_TAG) != 0 || strcmp(o->path, c->exec_path + 1))
			continue;
		snprintf(out, size, "%s/served-exec", run_dir);
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, o->mode & 07777);
		if (fd < 0)
			return NULL;
		bool ok = write(fd, o->data, o->length) == (ssize_t)o->length;
		close(fd);
		return ok ? out : NULL;
	}
	return NULL;
}

static int run_agent(struct context *c, const char *program, char **args)
{
	pid_t vmm = getpid();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != vmm)
			_exit(125);
		if (c->workdir && chdir(c->workdir) < 0)
			_exit(125); /* libkrun's init: cannot set up the environment */
		execve(program, args, c->envp);
		_exit(errno == ENOENT ? 127 : 126); /* libkrun's init codes */
	}
	setpgid(pid, pid);
	return pid;
}

/* Whether the guest's AF_INET sockets go through the host (TSI). */
static bool tsi_inet(const struct context *c)
{
	if (!c->implicit_vsock_disabled)
		return true; /* the implicit device has TSI */
	return c->explicit_vsock && (c->tsi_features & TSI_HIJACK_INET);
}

EXPORT int32_t krun_start_enter(uint32_t ctx_id)
{
	INJECTED_FAILURE();
	log_line("krun_start_enter ctx=%u", ctx_id);
	struct context *c = context_get("krun_start_enter", ctx_id);
	if (!c)
		return -EINVAL;
	if (!c->vm_config)
		return violation("krun_start_enter: krun_set_vm_config was not called");
	if (!c->root_read_only && !c->root_writable)
		return violation("krun_start_enter: no root: neither krun_add_virtiofs3(%s, "
				 "read_only=true) nor krun_set_root",
				 ROOT_TAG);
	if (!c->exec_path)
		return violation("krun_start_enter: krun_set_exec was not called");
	if (c->implicit_vsock_disabled && !c->explicit_vsock && c->port_count)
		return violation("krun_start_enter: vsock ports are mapped but the implicit vsock "
				 "device is disabled and no krun_add_vsock replaced it");
	if (tsi_inet(c) && !c->port_map_set)
		return violation(
		    "krun_start_enter: TSI is on and krun_set_port_map was not called: "
		    "libkrun would expose every port the guest listens on");
	if (!tsi_inet(c) && c->port_map_set)
		return violation("krun_start_enter: a port map without TSI (no "
				 "KRUN_TSI_HIJACK_INET) forwards nothing");
	for (int i = 0; i < c->disk_count; i++) {
		/* libkrun opens the images when it builds the VM. */
		int fd =
		    open(c->disks[i].path, (c->disks[i].read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (fd < 0) {
			int saved = errno;
			log_line("krun_start_enter: cannot open disk %s: %s", c->disks[i].path,
				 strerror(saved));
			return -saved;
		}
		close(fd);
	}

	const char *tmp = getenv("TMPDIR");
	char run_dir[4096];
	snprintf(run_dir, sizeof(run_dir), "%s/krunsh-double.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(run_dir))
		return -errno;
	char **args = translate_args(c, run_dir);
	if (!args) {
		rmdir(run_dir);
		return -EINVAL;
	}
	char served[4200];
	const char *program = served_program(c, run_dir, served, sizeof(served));
	agent_pid = run_agent(c, program ? program : c->exec_path, args);
	if (agent_pid < 0) {
		int saved = errno;
		rmdir(run_dir);
		return -saved;
	}
	pid_t guardian = guardian_start(agent_pid, run_dir);
	struct sigaction sa = {.sa_handler = forward_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	int status;
	while (waitpid(agent_pid, &status, 0) < 0 && errno == EINTR)
		;
	log_line("krun_start_enter: agent ended (%s %d)", WIFEXITED(status) ? "status" : "signal",
		 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	/* The VM is off: whatever the agent left running dies with it. Done
	 * here, not left to the guardian, so it is over when our parent
	 * reaps us. */
	kill(-agent_pid, SIGKILL);
	remove_tree(run_dir);
	if (guardian > 0) {
		kill(guardian, SIGKILL);
		waitpid(guardian, NULL, 0);
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
#endif
