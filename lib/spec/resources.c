#include "lib/spec/resources.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

static void *grow(void *array, size_t count, size_t size)
{
	return realloc(array, (count + 1) * size);
}

/* /a and /a/b overlap; /a and /ab do not. */
static int paths_overlap(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t n = la < lb ? la : lb;
	if (strncmp(a, b, n) != 0)
		return 0;
	return la == lb || (la < lb ? b[la] == '/' : a[lb] == '/');
}

static void strip_trailing_slashes(char *p)
{
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
}

static int has_dot_component(const char *path)
{
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 1;
		p += n;
	}
	return 0;
}

/* Guest paths of volumes and tmpfs mounts may not overlap: one would hide
 * the other, or a tmpfs mount point would be created on the host. */
static int guest_path_taken(const struct resources *r, const char *guest, const char *what,
			    struct error *err)
{
	for (size_t i = 0; i < r->volume_count; i++) {
		if (paths_overlap(r->volumes[i].guest, guest)) {
			error_set(err, 0, "%s: guest path overlaps volume at %s", what,
				  r->volumes[i].guest);
			return 1;
		}
	}
	for (size_t i = 0; i < r->tmpfs_count; i++) {
		if (paths_overlap(r->tmpfs[i].guest, guest)) {
			error_set(err, 0, "%s: guest path overlaps --tmpfs at %s", what,
				  r->tmpfs[i].guest);
			return 1;
		}
	}
	return 0;
}

/* A plain absolute guest path other than /, into out (trailing slashes
 * dropped). */
static int guest_path_check(char out[4096], const char *guest, const char *what, struct error *err)
{
	if (guest[0] != '/' || strlen(guest) >= 4096) {
		error_set(err, 0, "%s: the guest path must be absolute", what);
		return -1;
	}
	strcpy(out, guest);
	strip_trailing_slashes(out);
	if (strcmp(out, "/") == 0 || has_dot_component(out)) {
		error_set(err, 0, "%s: the guest path must be a plain path other than /", what);
		return -1;
	}
	return 0;
}

int resources_add_volume_paths(struct resources *r, const char *host, const char *guest,
			       int read_only, const char *what, struct error *err)
{
	if (host[0] != '/' || guest[0] != '/') {
		error_set(err, 0, "%s: both paths must be absolute", what);
		return -1;
	}
	if (r->volume_count >= RESOURCES_MAX_VOLUMES) {
		error_set(err, 0, "%s: too many volumes (at most %d)", what, RESOURCES_MAX_VOLUMES);
		return -1;
	}
	struct volume v = {.read_only = read_only};
	if (!realpath(host, v.host)) {
		error_set(err, errno, "%s: host path %s", what, host);
		return -1;
	}
	struct stat st;
	if (stat(v.host, &st) < 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
		error_set(err, 0, "%s: host path %s is neither a directory nor a regular file",
			  what, host);
		return -1;
	}
	v.is_file = S_ISREG(st.st_mode);
	if (guest_path_check(v.guest, guest, what, err) < 0 ||
	    guest_path_taken(r, v.guest, what, err))
		return -1;
	struct volume *g = grow(r->volumes, r->volume_count, sizeof(*g));
	if (!g) {
		error_set(err, ENOMEM, "--volume");
		return -1;
	}
	r->volumes = g;
	r->volumes[r->volume_count++] = v;
	return 0;
}

int resources_add_tmpfs_path(struct resources *r, const char *guest, unsigned long flags,
			     const char *data, const char *what, struct error *err)
{
	struct tmpfs_mount t = {.flags = flags};
	if (strlen(data) >= sizeof(t.data)) {
		error_set(err, 0, "%s: options too long", what);
		return -1;
	}
	strcpy(t.data, data);
	if (guest_path_check(t.guest, guest, what, err) < 0 ||
	    guest_path_taken(r, t.guest, what, err))
		return -1;
	struct tmpfs_mount *g = grow(r->tmpfs, r->tmpfs_count, sizeof(*g));
	if (!g) {
		error_set(err, ENOMEM, "--tmpfs");
		return -1;
	}
	r->tmpfs = g;
	r->tmpfs[r->tmpfs_count++] = t;
	return 0;
}

int resources_add_disk_path(struct resources *r, const char *path, int read_only, const char *what,
			    struct error *err)
{
	struct disk d = {.read_only = read_only};
	if (strlen(path) >= sizeof(d.path)) {
		error_set(err, 0, "%s: path too long", what);
		return -1;
	}
	strcpy(d.path, path);
	struct stat st;
	if (stat(d.path, &st) < 0) {
		error_set(err, errno, "%s", what);
		return -1;
	}
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		error_set(err, 0, "%s: not a raw image file or block device", what);
		return -1;
	}
	if (r->disk_count >= RESOURCES_MAX_DISKS) {
		error_set(err, 0, "%s: at most %d disks", what, RESOURCES_MAX_DISKS);
		return -1;
	}
	struct disk *g = grow(r->disks, r->disk_count, sizeof(*g));
	if (!g) {
		error_set(err, ENOMEM, "%s", what);
		return -1;
	}
	r->disks = g;
	r->disks[r->disk_count++] = d;
	return 0;
}

int resources_add_port_numbers(struct resources *r, unsigned host_port, unsigned guest_port,
			       const char *what, struct error *err)
{
	if (host_port == 0 || host_port > 65535 || guest_port == 0 || guest_port > 65535) {
		error_set(err, 0, "%s: ports are numbers from 1 to 65535", what);
		return -1;
	}
	struct port_forward *g = grow(r->ports, r->port_count, sizeof(*g));
	if (!g) {
		error_set(err, ENOMEM, "%s", what);
		return -1;
	}
	r->ports = g;
	r->ports[r->port_count++] = (struct port_forward){host_port, guest_port};
	return 0;
}

/* The limits an execution may set (the command line's --ulimit names
 * them: cli/resource_flags.c). */
static const int settable_limits[] = {RLIMIT_NOFILE, RLIMIT_NPROC,   RLIMIT_CORE,
				      RLIMIT_STACK,  RLIMIT_FSIZE,   RLIMIT_AS,
				      RLIMIT_CPU,    RLIMIT_MEMLOCK, RLIMIT_DATA};

int ulimits_add_values(struct ulimit_list *l, int resource, unsigned long long soft,
		       unsigned long long hard, const char *what, struct error *err)
{
	int known = 0;
	for (size_t i = 0; i < sizeof(settable_limits) / sizeof(settable_limits[0]); i++)
		known |= settable_limits[i] == resource;
	if (!known) {
		error_set(err, 0, "%s: resource %d is not one krunsh sets", what, resource);
		return -1;
	}
	if (soft > hard) {
		error_set(err, 0, "%s: soft limit above hard limit", what);
		return -1;
	}
	struct ulimit_spec *g = grow(l->items, l->count, sizeof(*g));
	if (!g) {
		error_set(err, ENOMEM, "%s", what);
		return -1;
	}
	l->items = g;
	l->items[l->count++] = (struct ulimit_spec){resource, soft, hard};
	return 0;
}

void ulimits_free(struct ulimit_list *l)
{
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void resources_free(struct resources *r)
{
	free(r->volumes);
	free(r->disks);
	free(r->ports);
	free(r->tmpfs);
	memset(r, 0, sizeof(*r));
}
