/* TEST DOUBLE of libkrun's C API, for krunsh's contract tests. This is NOT
 * libkrun and boots no VM. It is written from libkrun's documented
 * interface (include/libkrun.h) and what was measured on a real libkrun
 * (1.19), and shares no code with it.
 *
 * It exports the calls krunsh's krun engine uses, with their documented
 * signatures, and:
 *   - records every call and its arguments, one line each, in the file named
 *     by KRUNSH_DOUBLE_LOG;
 *   - checks the rules and fails a call that breaks one with -EINVAL and a
 *     logged "VIOLATION: ..." line: context ids come from krun_create_ctx;
 *     krun_set_kernel names an existing kernel that is an ELF file when the
 *     format is 1 (ELF), an existing initramfs and a command line (NULL
 *     would make libkrun boot with init=/init.krun, which is libkrun's);
 *     krun_set_exec's argv excludes argv[0]; envp is not NULL (NULL copies
 *     the host environment into the guest); no argument or environment
 *     entry can travel on the kernel command line (a '"', a newline, a lone
 *     "--", more than 256 bytes or more than 32 entries); the root, tag
 *     krunsh-root, is shared read-only whenever krun_add_virtiofs3 exists;
 *     krun_set_root (a writable root on libkrun's own /dev/root tag) is not
 *     used; krun_add_vsock comes after krun_disable_implicit_vsock, once;
 *     TSI is never asked for and no port map is set: with TSI libkrun binds
 *     on the host every port the guest listens on, listed in the map or
 *     not, and krunsh promises no exposure without --publish; a virtio-fs
 *     tag is added once; a share whose host path is listed (one a line) in
 *     KRUNSH_DOUBLE_EXPECT_READ_ONLY is added read-only (a plain
 *     krun_add_virtiofs/2 cannot be); disk block ids are unique;
 *     krun_add_net_unixstream gets either a path or an fd, and the fd is a
 *     connected unix stream socket (passt's end is on the other side);
 *     krun_start_enter comes after a VM config, a kernel, a root and an exec
 *     whose path is a file in the initramfs;
 *   - fails the call named by KRUNSH_DOUBLE_FAIL with -ENOMEM;
 *   - emulates krun_start_enter as libkrun behaves from outside: it runs
 *     the initramfs's init (krunsh's agent, taken out of the cpio archive)
 *     on the host with the exec argv, its vsock channel replaced by the unix
 *     socket registered for that port and "--root none" added, then ends
 *     the process with _exit(its status) and never returns on success.
 *
 * What it cannot model: everything the guest kernel does. Nothing is booted,
 * mounted or attached: the kernel's virtio-fs and overlayfs behaviour on
 * libkrun's file server (submounts, FS_IOC_GETFLAGS), the vsock and
 * virtio-net drivers, TSI inside the guest, and passt's traffic are only
 * tested on a real libkrun (the suite's krun-real engine).
 *
 * Build variants (see the Makefile): -DDOUBLE_OLD_LIBKRUN leaves out the
 * calls newer libkruns added (krun_add_virtiofs3, krun_add_vsock_port2,
 * krun_disable_implicit_vsock, krun_add_vsock); -DDOUBLE_BROKEN_LIBKRUN
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* What krunsh's engine looks for to know it drives this double. The
 * unmarked variant lacks it, so krunsh treats it as a real libkrun (and
 * checks KVM), which the tests use to reach that check. */
#ifndef DOUBLE_UNMARKED
EXPORT const char krunsh_contract_double_marker[] = "libkrun contract double (tests only)";
#endif

#define MAX_CONTEXTS	    8
#define MAX_PORTS	    8
#define MAX_SHARES	    24
#define MAX_DISKS	    26
#define MAX_NETS	    8
#define MAX_CMDLINE_ENTRIES 32 /* the guest kernel panics beyond this */
#define MAX_ENTRY_LENGTH    256
/* The tag krunsh's initramfs mounts as its root's lower layer. */
#define ROOT_TAG "krunsh-root"
/* libkrun's own root tag (krun_set_root), which its init mounts. */
#define LIBKRUN_ROOT_TAG "/dev/root"
/* krun_add_net_unixstream's documented bits. */
#define NET_ALL_FEATURES                                                                           \
	((1u << 0) | (1u << 1) | (1u << 7) | (1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) |    \
	 (1u << 14))
#define NET_FLAG_DHCP_CLIENT (1u << 1)

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

struct block_device {
	char *id;
	char *path;
	bool read_only;
};

struct context {
	bool created;
	bool vm_config;
	bool root_shared;
	bool kernel_set;
	char *initramfs;
	bool implicit_vsock_disabled;
	bool explicit_vsock;
	uint32_t tsi_features; /* of the explicit vsock */
	bool port_map_set;
	struct share shares[MAX_SHARES];
	int share_count;
	int net_count;
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

static bool is_elf(const char *path)
{
	unsigned char magic[4] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool elf = read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	close(fd);
	return elf;
}

/* libkrun checks the paths' metadata here and loads the files in
 * krun_start_enter; a bad kernel then fails the boot, too late for krunsh
 * to say why. */
EXPORT int32_t krun_set_kernel(uint32_t ctx_id, const char *kernel_path, uint32_t kernel_format,
			       const char *initramfs, const char *cmdline)
{
	INJECTED_FAILURE();
	char kernel_buf[600], initramfs_buf[600], cmdline_buf[2100];
	log_line("krun_set_kernel ctx=%u path=%s format=%u initramfs=%s cmdline=%s", ctx_id,
		 shown(kernel_path, kernel_buf, sizeof(kernel_buf)), kernel_format,
		 shown(initramfs, initramfs_buf, sizeof(initramfs_buf)),
		 shown(cmdline, cmdline_buf, sizeof(cmdline_buf)));
	struct context *c = context_get("krun_set_kernel", ctx_id);
	if (!c)
		return -EINVAL;
	if (!kernel_path || kernel_path[0] != '/' || access(kernel_path, R_OK) < 0)
		return violation("krun_set_kernel: kernel %s cannot be read", kernel_buf);
	if (kernel_format > 5)
		return violation("krun_set_kernel: format %u is unknown", kernel_format);
	if (kernel_format == 1 && !is_elf(kernel_path))
		return violation("krun_set_kernel: format 1 (ELF) but %s is not an ELF file: "
				 "libkrun's ELF loader would fail the boot",
				 kernel_path);
	struct stat st;
	if (!initramfs || stat(initramfs, &st) < 0 || !S_ISREG(st.st_mode))
		return violation("krun_set_kernel: initramfs %s does not exist (krunsh's agent "
				 "is its /init)",
				 initramfs_buf);
	if (!cmdline)
		return violation("krun_set_kernel: no command line: libkrun would use its own, "
				 "with init=/init.krun, which the initramfs does not have");
	if (strchr(cmdline, '"') || strchr(cmdline, '\n'))
		return violation("krun_set_kernel: the command line has a '\"' or a newline");
	if (strstr(cmdline, "init="))
		return violation("krun_set_kernel: the command line names an init: krunsh's "
				 "agent is the initramfs's /init");
	free(c->initramfs);
	c->initramfs = strdup(initramfs);
	c->kernel_set = true;
	return 0;
}

static int32_t add_share(const char *call, struct context *c, const char *tag, const char *path,
			 bool read_only);

/* libkrun's writable root on its own tag, for its own init: krunsh's
 * initramfs neither mounts it nor wants the host root writable. */
EXPORT int32_t krun_set_root(uint32_t ctx_id, const char *root_path)
{
	INJECTED_FAILURE();
	char buf[600];
	log_line("krun_set_root ctx=%u path=%s", ctx_id, shown(root_path, buf, sizeof(buf)));
	struct context *c = context_get("krun_set_root", ctx_id);
	if (!c)
		return -EINVAL;
	return violation("krun_set_root: shares %s writable on %s, which krunsh's initramfs "
			 "does not mount (its root tag is %s)",
			 buf, LIBKRUN_ROOT_TAG, ROOT_TAG);
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
 * must be shared with the read-only flag. The root may be writable only
 * where this libkrun has no read-only share (the old variant: krunsh's
 * --allow-writable-root). */
static int32_t add_share(const char *call, struct context *c, const char *tag, const char *path,
			 bool read_only)
{
	if (!tag || !tag[0] || !path || path[0] != '/')
		return violation("%s: a tag and an absolute path are required", call);
	if (strcmp(tag, LIBKRUN_ROOT_TAG) == 0)
		return violation("%s: tag %s is libkrun's own root, which libkrun fills with its "
				 "init",
				 call, tag);
	if (find_share(c, tag))
		return violation("%s: tag %s is already shared", call, tag);
	if (!read_only && expected_read_only(path))
		return violation("%s: %s is shared writable but must be read-only (use "
				 "krun_add_virtiofs3 with read_only=true)",
				 call, path);
#ifndef DOUBLE_OLD_LIBKRUN
	if (!read_only && strcmp(tag, ROOT_TAG) == 0)
		return violation("%s: the root (%s) is shared writable; krunsh must share it "
				 "read-only with krun_add_virtiofs3",
				 call, ROOT_TAG);
#endif
	if (c->share_count == MAX_SHARES)
		return -ENOMEM;
	c->shares[c->share_count++] = (struct share){strdup(tag), strdup(path), read_only};
	if (strcmp(tag, ROOT_TAG) == 0)
		c->root_shared = true;
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
	return add_share("krun_add_virtiofs3", c, c_tag, c_path, read_only);
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
	return add_share("krun_add_virtiofs2", c, c_tag, c_path, false);
}

EXPORT int32_t krun_add_virtiofs(uint32_t ctx_id, const char *c_tag, const char *c_path)
{
	INJECTED_FAILURE();
	log_share("krun_add_virtiofs", ctx_id, c_tag, c_path, 0, "(no flag: writable)");
	struct context *c = context_get("krun_add_virtiofs", ctx_id);
	if (!c)
		return -EINVAL;
	return add_share("krun_add_virtiofs", c, c_tag, c_path, false);
}

/* Packets travel on a connected unix stream socket (passt's peer) or one
 * libkrun connects to by path, never both. */
EXPORT int32_t krun_add_net_unixstream(uint32_t ctx_id, const char *c_path, int fd,
				       const uint8_t *mac, uint32_t features, uint32_t flags)
{
	INJECTED_FAILURE();
	char path[600];
	log_line("krun_add_net_unixstream ctx=%u path=%s fd=%s features=0x%x flags=0x%x", ctx_id,
		 shown(c_path, path, sizeof(path)), fd >= 0 ? "yes" : "no", features, flags);
	struct context *c = context_get("krun_add_net_unixstream", ctx_id);
	if (!c)
		return -EINVAL;
	if ((fd >= 0) == (c_path != NULL))
		return violation("krun_add_net_unixstream: give a path or an fd, exactly one");
	if (!mac)
		return violation("krun_add_net_unixstream: no MAC address");
	if (features & ~NET_ALL_FEATURES)
		return violation("krun_add_net_unixstream: unknown feature bits 0x%x",
				 features & ~NET_ALL_FEATURES);
	if (flags & ~NET_FLAG_DHCP_CLIENT)
		return violation("krun_add_net_unixstream: unknown flags 0x%x", flags);
	if (fd >= 0) {
		int type = 0, domain = 0;
		socklen_t length = sizeof(type);
		struct sockaddr_storage peer;
		socklen_t peer_length = sizeof(peer);
		if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) < 0 ||
		    (length = sizeof(domain),
		     getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &length) < 0))
			return violation("krun_add_net_unixstream: fd %d is not a socket", fd);
		if (type != SOCK_STREAM || domain != AF_UNIX)
			return violation(
			    "krun_add_net_unixstream: fd %d is not a unix stream socket", fd);
		if (getpeername(fd, (struct sockaddr *)&peer, &peer_length) < 0)
			return violation("krun_add_net_unixstream: fd %d is not connected", fd);
	}
	if (c->net_count == MAX_NETS)
		return -ENOMEM;
	c->net_count++;
	return 0;
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

/* An 8250 UART (the guest's ttyS0) writing to output_fd, reading input_fd
 * (-1: no input). libkrun writes to the descriptor from its own thread, so
 * it must be open and writable when the VM starts. */
EXPORT int32_t krun_add_serial_console_default(uint32_t ctx_id, int input_fd, int output_fd)
{
	INJECTED_FAILURE();
	log_line("krun_add_serial_console_default ctx=%u input_fd=%d output_fd=%d", ctx_id,
		 input_fd, output_fd);
	if (!context_get("krun_add_serial_console_default", ctx_id))
		return -EINVAL;
	int flags = fcntl(output_fd, F_GETFL);
	if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY)
		return violation("krun_add_serial_console_default: output_fd %d is not open for "
				 "writing",
				 output_fd);
	if (input_fd != -1 && fcntl(input_fd, F_GETFL) < 0)
		return violation("krun_add_serial_console_default: input_fd %d is not open",
				 input_fd);
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
	/* Measured on libkrun 1.19: with TSI a guest listener is bound on
	 * the host at the address the guest asks for (0.0.0.0 included),
	 * whether or not the port map lists it. */
	if (tsi_features)
		return violation("krun_add_vsock: TSI features 0x%x asked for: libkrun would bind "
				 "on the host any port the guest listens on, and krunsh promises "
				 "no exposure without --publish",
				 tsi_features);
	c->explicit_vsock = true;
	c->tsi_features = tsi_features;
	return 0;
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

/* The guest's end: its processes killed, then the run dir removed. A
 * SIGKILL is sent, not done: a process of the group may still finish a
 * call that makes a file in the run dir (a VM stopped while it boots),
 * so the removal is tried again until the directory is gone, up to 2 s. */
static void guest_end(pid_t group, const char *run_dir)
{
	if (group > 0)
		kill(-group, SIGKILL);
	struct timespec tick = {0, 10 * 1000 * 1000};
	for (int i = 0; i < 200; i++) {
		remove_tree(run_dir);
		if (access(run_dir, F_OK) != 0)
			break;
		nanosleep(&tick, NULL);
	}
}

/* The guest's processes die with the VM. Here they are the agent's
 * process group, killed when this process ends, even by SIGKILL: a small
 * guardian child gets a signal when this process dies and does it, and
 * removes the run dir. Started before the agent, so that no moment exists
 * when the agent runs unguarded; it learns the agent's pid through a pipe
 * (*agent_pid_fd, to write it to). */
static pid_t guardian_start(const char *run_dir, int *agent_pid_fd)
{
	pid_t vmm = getpid();
	int pipe_fds[2];
	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return -1;
	sigset_t usr1;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	pid_t pid = fork();
	if (pid != 0) {
		sigprocmask(SIG_UNBLOCK, &usr1, NULL);
		close(pipe_fds[0]);
		*agent_pid_fd = pipe_fds[1];
		return pid;
	}
	close(pipe_fds[1]);
	/* Not the VMM's name (krunsh-vmm): tests count VMs by it. */
	prctl(PR_SET_NAME, "double-guardian", 0, 0, 0);
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	if (getppid() == vmm) {
		int sig;
		sigwait(&usr1, &sig);
	}
	pid_t agent = 0;
	if (read(pipe_fds[0], &agent, sizeof(agent)) != (ssize_t)sizeof(agent))
		agent = 0;
	guest_end(agent, run_dir);
	_exit(0);
}

/* A start that failed before the agent ran: no agent to kill, the run dir
 * (if made) removed here, the guardian stopped. */
static void guardian_stop(pid_t guardian, int agent_pid_fd, const char *run_dir)
{
	close(agent_pid_fd);
	kill(guardian, SIGKILL);
	waitpid(guardian, NULL, 0);
	rmdir(run_dir);
}

/* The agent's arguments, as the guest kernel would pass them to the
 * initramfs's init, turned into what runs on the host: the vsock channel
 * becomes the unix socket libkrun would forward it to, "--root none" leaves
 * the host alone, and a private run dir is added. */
static char **translate_args(const struct context *c, const char *program, const char *run_dir)
{
	int n = 0;
	while (c->argv[n])
		n++;
	char **args = calloc((size_t)n + 6, sizeof(*args));
	if (!args)
		return NULL;
	int k = 0;
	args[k++] = (char *)program;
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
		} else {
			args[k++] = c->argv[i];
		}
	}
	args[k++] = (char *)"--root"; /* for execv, which does not write to them */
	args[k++] = (char *)"none";
	args[k++] = (char *)"--run-dir";
	args[k++] = (char *)run_dir;
	args[k] = NULL;
	return args;
}

static unsigned long cpio_field(const char *header, int index)
{
	char text[9];
	memcpy(text, header + 6 + 8 * index, 8);
	text[8] = '\0';
	return strtoul(text, NULL, 16);
}

/* The file the guest kernel would run as init: `name` (without its leading
 * '/') out of the initramfs, a "newc" cpio archive, into a memfd, so that
 * nothing is left on disk however the run ends. Zero padding between
 * archives is skipped, as the kernel skips it. Returns the fd or -1. */
static int extract_from_initramfs(const char *initramfs, const char *name)
{
	FILE *f = fopen(initramfs, "re");
	if (!f)
		return -1;
	int found = -1;
	char header[110];
	for (;;) {
		int ch;
		while ((ch = fgetc(f)) == 0)
			;
		if (ch == EOF)
			break;
		header[0] = (char)ch;
		if (fread(header + 1, 1, sizeof(header) - 1, f) != sizeof(header) - 1 ||
		    memcmp(header, "070701", 6) != 0)
			break;
		unsigned long mode = cpio_field(header, 1), size = cpio_field(header, 6),
			      name_size = cpio_field(header, 11);
		char entry[4096];
		if (name_size == 0 || name_size > sizeof(entry) ||
		    fread(entry, 1, name_size, f) != name_size)
			break;
		entry[name_size - 1] = '\0';
		fseek(f, (long)((4 - (110 + name_size) % 4) % 4), SEEK_CUR);
		if (strcmp(entry, name) == 0 && (mode & 0170000) == 0100000) {
			unsigned char *data = malloc(size ? size : 1);
			int fd = memfd_create("init", MFD_CLOEXEC);
			if (data && fd >= 0 && fread(data, 1, size, f) == size &&
			    write(fd, data, size) == (ssize_t)size)
				found = fd;
			else if (fd >= 0)
				close(fd);
			free(data);
			break;
		}
		fseek(f, (long)(size + (4 - size % 4) % 4), SEEK_CUR);
	}
	fclose(f);
	return found;
}

static int run_agent(struct context *c, int program, char **args)
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
		fexecve(program, args, c->envp);
		_exit(127); /* the kernel would panic: no working init */
	}
	setpgid(pid, pid);
	return pid;
}

/* Whether libkrun's vsock device has TSI: the implicit device has it
 * unless a network device was added. */
static bool tsi_inet(const struct context *c)
{
	if (!c->implicit_vsock_disabled)
		return c->net_count == 0;
	return c->explicit_vsock && c->tsi_features != 0;
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
	if (!c->kernel_set)
		return violation("krun_start_enter: krun_set_kernel was not called: libkrun would "
				 "boot libkrunfw's kernel with its own init, not krunsh's agent");
	if (!c->root_shared)
		return violation("krun_start_enter: no root: no virtio-fs share with tag %s",
				 ROOT_TAG);
	if (!c->exec_path)
		return violation("krun_start_enter: krun_set_exec was not called");
	if (c->implicit_vsock_disabled && !c->explicit_vsock && c->port_count)
		return violation("krun_start_enter: vsock ports are mapped but the implicit vsock "
				 "device is disabled and no krun_add_vsock replaced it");
	if (c->port_map_set)
		return violation("krun_start_enter: a port map is TSI's, and TSI binds the "
				 "guest's listeners whatever the map says: publish through the "
				 "network device's backend instead");
	/* The implicit device's TSI is harmless only because krunsh's guest
	 * kernel has no TSI support, which this double cannot check. */
	if (tsi_inet(c))
		log_line("krun_start_enter: note: the implicit vsock device has TSI (no "
			 "krun_disable_implicit_vsock in this libkrun)");
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

	/* The run dir is named before the guardian starts and made after it,
	 * so that no moment exists when it is there unguarded: a VMM killed
	 * while it boots (a warm VM stopped before its guest is up) leaves
	 * nothing. Letters and digits only after the prefix, as mkdtemp's. */
	static unsigned started;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	const char *tmp = getenv("TMPDIR");
	char run_dir[4096];
	snprintf(run_dir, sizeof(run_dir), "%s/krunsh-double.p%dn%ut%ld",
		 tmp && tmp[0] ? tmp : "/tmp", (int)getpid(), started++, (long)now.tv_nsec);
	int agent_pid_fd = -1;
	pid_t guardian = guardian_start(run_dir, &agent_pid_fd);
	if (guardian < 0) {
		int saved = errno;
		close(agent_pid_fd);
		return -saved;
	}
	if (mkdir(run_dir, 0700) < 0) {
		int saved = errno;
		guardian_stop(guardian, agent_pid_fd, run_dir);
		return -saved;
	}
	/* What the kernel would run: the exec path (KRUN_INIT) is only an
	 * environment entry for libkrun's init; our kernel runs /init. */
	int program =
	    strcmp(c->exec_path, "/init") == 0 ? extract_from_initramfs(c->initramfs, "init") : -1;
	if (program < 0) {
		guardian_stop(guardian, agent_pid_fd, run_dir);
		return violation("krun_start_enter: the guest kernel runs the initramfs's /init, "
				 "and the exec path is %s, or %s has no /init",
				 c->exec_path, c->initramfs);
	}
	char **args = translate_args(c, "/init", run_dir);
	if (!args) {
		close(program);
		guardian_stop(guardian, agent_pid_fd, run_dir);
		return -EINVAL;
	}
	agent_pid = run_agent(c, program, args);
	close(program);
	if (agent_pid < 0) {
		int saved = errno;
		guardian_stop(guardian, agent_pid_fd, run_dir);
		return -saved;
	}
	(void)!write(agent_pid_fd, &agent_pid, sizeof(agent_pid));
	close(agent_pid_fd);
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
	guest_end(agent_pid, run_dir);
	kill(guardian, SIGKILL);
	waitpid(guardian, NULL, 0);
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}
#endif
