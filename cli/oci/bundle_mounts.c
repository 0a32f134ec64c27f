/* config.json's mounts: bind mounts of host paths become volumes (ro or
 * rw as their options say), tmpfs mounts the guest's own tmpfs, and the
 * kernel file systems a container runtime mounts (proc, sysfs, devpts,
 * mqueue, cgroup, a tmpfs /dev) are the guest kernel's own already. */
#include "cli/oci/bundle_walk.h"
#include "util/text.h"

#include <string.h>
#include <sys/mount.h>

struct mount_entry {
	const char *destination, *type, *source;
	json_object *options;
};

/* The kernel file systems the agent mounts in every guest, where a
 * runtime would mount them. */
static int guest_has_it(const struct mount_entry *m)
{
	static const struct {
		const char *type, *destination;
	} own[] = {
	    {"proc", "/proc"},
	    {"sysfs", "/sys"},
	    {"devpts", "/dev/pts"},
	    {"mqueue", "/dev/mqueue"},
	    {"cgroup", "/sys/fs/cgroup"},
	    {"cgroup2", "/sys/fs/cgroup"},
	    {"tmpfs", "/dev"},
	};
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (strcmp(m->type, own[i].type) == 0 &&
		    strcmp(m->destination, own[i].destination) == 0)
			return 1;
	return 0;
}

static int option_is(const char *o, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(o, *list) == 0)
			return 1;
	return 0;
}

/* Options that change nothing in a VM's share or tmpfs: propagation (a
 * share has no peers), SELinux relabelling, atime policies. */
static const char *const moot_options[] = {
    "bind",	   "rbind",	    "private", "rprivate", "slave",    "rslave",
    "shared",	   "rshared",	    "z",       "Z",	   "relatime", "norelatime",
    "strictatime", "nostrictatime", "noatime", "atime",	   "nosuid",   "nodev",
    "suid",	   "dev",	    "exec",    "noexec",   NULL,
};

static int bind_mount(struct bundle_walk *w, const char *path, const struct mount_entry *m)
{
	int read_only = 0;
	for (size_t i = 0; m->options && i < json_object_array_length(m->options); i++) {
		const char *o;
		if (bundle_string(w, path, json_object_array_get_idx(m->options, i), &o) < 0)
			return -1;
		if (strcmp(o, "ro") == 0)
			read_only = 1;
		else if (strcmp(o, "rw") == 0)
			read_only = 0;
		else if (!option_is(o, moot_options))
			return bundle_refuse(w, path, "bind option %.40s is not supported", o);
		else if (strstr("nosuid nodev noexec", o))
			log_verbose_message(
			    "config.json: %s: %s not applied: it would bind only the "
			    "guest's own root, which can remount it",
			    path, o);
	}
	if (m->source[0] != '/')
		return bundle_refuse(w, path, "source %.200s must be an absolute host path",
				     m->source);
	return resource_list_add_volume(&w->opts->vm.resources, m->source, m->destination,
					read_only, path, w->err);
}

static int tmpfs_mount(struct bundle_walk *w, const char *path, const struct mount_entry *m)
{
	unsigned long flags = 0;
	char data[256] = "";
	for (size_t i = 0; m->options && i < json_object_array_length(m->options); i++) {
		const char *o;
		if (bundle_string(w, path, json_object_array_get_idx(m->options, i), &o) < 0)
			return -1;
		static const struct {
			const char *name;
			unsigned long flag;
		} flag_options[] = {{"ro", MS_RDONLY},
				    {"nosuid", MS_NOSUID},
				    {"noexec", MS_NOEXEC},
				    {"nodev", MS_NODEV}};
		int known = 0;
		for (size_t k = 0; k < sizeof(flag_options) / sizeof(flag_options[0]); k++)
			if (strcmp(o, flag_options[k].name) == 0) {
				flags |= flag_options[k].flag;
				known = 1;
			}
		if (known || option_is(o, moot_options) || strcmp(o, "rw") == 0)
			continue;
		if (strncmp(o, "size=", 5) && strncmp(o, "mode=", 5) &&
		    strncmp(o, "nr_inodes=", 10))
			return bundle_refuse(w, path, "tmpfs option %.40s is not supported", o);
		size_t used = strlen(data);
		if (used + 1 + strlen(o) >= sizeof(data))
			return bundle_refuse(w, path, "tmpfs options too long");
		text_format(data + used, sizeof(data) - used, "%s%s", used ? "," : "", o);
	}
	return resource_list_add_tmpfs(&w->opts->vm.resources, m->destination, flags, data, path,
				       w->err);
}

static int one_mount(struct bundle_walk *w, const char *path, json_object *v)
{
	struct mount_entry m = {.type = "", .source = ""};
	if (!json_object_is_type(v, json_type_object))
		return bundle_refuse(w, path, "expected an object");
	json_object_object_foreach(v, key, value)
	{
		char field[300];
		text_format(field, sizeof(field), "%s.%s", path, key);
		if (strcmp(key, "destination") == 0) {
			if (bundle_string(w, field, value, &m.destination) < 0)
				return -1;
		} else if (strcmp(key, "type") == 0) {
			if (bundle_string(w, field, value, &m.type) < 0)
				return -1;
		} else if (strcmp(key, "source") == 0) {
			if (bundle_string(w, field, value, &m.source) < 0)
				return -1;
		} else if (strcmp(key, "options") == 0) {
			if (!json_object_is_type(value, json_type_array))
				return bundle_refuse(w, field, "expected an array of strings");
			m.options = value;
		} else {
			/* uidMappings, gidMappings: idmapped mounts. */
			return bundle_refuse(w, field, "not supported by krunsh");
		}
	}
	if (!m.destination || m.destination[0] != '/')
		return bundle_refuse(w, path, "destination must be an absolute path");
	if (guest_has_it(&m)) {
		log_verbose_message("config.json: %s (%s at %s) is the guest kernel's own", path,
				    m.type, m.destination);
		return 0;
	}
	int bind = strcmp(m.type, "bind") == 0;
	for (size_t i = 0; !bind && m.options && i < json_object_array_length(m.options); i++) {
		const char *o = json_object_get_string(json_object_array_get_idx(m.options, i));
		bind = o && (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0);
	}
	if (bind && (!m.type[0] || strcmp(m.type, "bind") == 0 || strcmp(m.type, "none") == 0))
		return bind_mount(w, path, &m);
	if (strcmp(m.type, "tmpfs") == 0)
		return tmpfs_mount(w, path, &m);
	return bundle_refuse(w, path,
			     "a %.40s mount at %.200s is not supported (bind mounts, tmpfs and "
			     "the kernel's own file systems are)",
			     m.type[0] ? m.type : "typeless", m.destination);
}

int bundle_apply_mounts(struct bundle_walk *w, const char *path, json_object *mounts)
{
	if (!json_object_is_type(mounts, json_type_array))
		return bundle_refuse(w, path, "expected an array");
	for (size_t i = 0; i < json_object_array_length(mounts); i++) {
		char item[64];
		text_format(item, sizeof(item), "%s[%zu]", path, i);
		if (one_mount(w, item, json_object_array_get_idx(mounts, i)) < 0)
			return -1;
	}
	return 0;
}
