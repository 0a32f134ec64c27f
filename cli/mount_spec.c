/* The text forms of what is mounted in the guest, as podman users type
 * them: -v HOST:GUEST[:ro|rw], --mount type=...,src=...,dst=..., and
 * --tmpfs PATH[:OPTIONS]. The checks on the parsed paths
 * are the library's, run once all flags are read (cli/run_spec.c). */
#include "cli/resource_flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#define SPEC_MAX 8300

/* Splits spec at unescaped ':' into at most max fields, a backslash making
 * the next character literal (the one way to write a path with ':' in -v).
 * Returns the number of fields, or -1 when there are more than max. */
static int split_escaped(const char *spec, char *copy, char **fields, int max)
{
	int n = 0;
	char *out = copy;
	fields[n++] = out;
	for (const char *p = spec; *p; p++) {
		if (*p == '\\' && p[1]) {
			*out++ = *++p;
		} else if (*p == ':') {
			*out++ = '\0';
			if (n == max)
				return -1;
			fields[n++] = out;
		} else {
			*out++ = *p;
		}
	}
	*out = '\0';
	return n;
}

int resources_add_volume(struct resource_list *r, const char *spec, struct error *err)
{
	char copy[SPEC_MAX], what[SPEC_MAX + 16];
	char *fields[3];
	snprintf(what, sizeof(what), "--volume %s", spec);
	if (strlen(spec) >= sizeof(copy)) {
		error_set(err, 0, "--volume: too long");
		return -1;
	}
	int n = split_escaped(spec, copy, fields, 3);
	if (n < 2) {
		error_set(err, 0,
			  "%s: expected HOST:GUEST[:ro|rw] (write a ':' inside a path as \\:, or "
			  "use --mount type=bind,src=HOST,dst=GUEST)",
			  what);
		return -1;
	}
	int read_only = 0;
	if (n == 3) {
		if (strcmp(fields[2], "ro") == 0)
			read_only = 1;
		else if (strcmp(fields[2], "rw") != 0) {
			error_set(err, 0,
				  "%s: mode must be ro or rw, not '%s' (a ':' inside a path is "
				  "written \\:)",
				  what, fields[2]);
			return -1;
		}
	}
	return resource_list_add_volume(r, fields[0], fields[1], read_only, what, err);
}

/* "yes"-like values of a --mount flag: bare, =true or =1. */
static int flag_value(const char *value, int *out)
{
	if (!value || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*out = 1;
	else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
		*out = 0;
	else
		return -1;
	return 0;
}

/* size=N[k|m|g|%], nr_inodes=N[k|m|g]: digits and at most one suffix. */
static int size_value_valid(const char *v, const char *suffixes)
{
	size_t digits = strspn(v, "0123456789");
	return digits > 0 && (!v[digits] || (strchr(suffixes, v[digits]) && !v[digits + 1]));
}

static int mode_value_valid(const char *v)
{
	return v[0] && strspn(v, "01234567") == strlen(v) && strlen(v) <= 4;
}

/* Appends "key=value" to tmpfs data, comma-separated. */
static int data_append(char *data, size_t size, const char *key, const char *value)
{
	size_t used = strlen(data);
	int n = snprintf(data + used, size - used, "%s%s=%s", used ? "," : "", key, value);
	return n < 0 || (size_t)n >= size - used ? -1 : 0;
}

int resources_add_tmpfs(struct resource_list *r, const char *spec, struct error *err)
{
	char copy[SPEC_MAX], what[SPEC_MAX + 16];
	snprintf(what, sizeof(what), "--tmpfs %s", spec);
	if (strlen(spec) >= sizeof(copy)) {
		error_set(err, 0, "--tmpfs: too long");
		return -1;
	}
	strcpy(copy, spec);
	char *options = strchr(copy, ':');
	if (options)
		*options++ = '\0';
	/* podman's defaults for --tmpfs. */
	unsigned long flags = MS_NOEXEC | MS_NOSUID | MS_NODEV;
	char data[256] = "";
	static const struct {
		const char *name;
		unsigned long set, clear;
	} words[] = {
	    {"rw", 0, MS_RDONLY},     {"ro", MS_RDONLY, 0},   {"exec", 0, MS_NOEXEC},
	    {"noexec", MS_NOEXEC, 0}, {"suid", 0, MS_NOSUID}, {"nosuid", MS_NOSUID, 0},
	    {"dev", 0, MS_NODEV},     {"nodev", MS_NODEV, 0},
	};
	char *save = NULL;
	for (char *o = options ? strtok_r(options, ",", &save) : NULL; o;
	     o = strtok_r(NULL, ",", &save)) {
		int known = 0;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
			if (strcmp(o, words[i].name) == 0) {
				flags = (flags | words[i].set) & ~words[i].clear;
				known = 1;
			}
		}
		char *eq = strchr(o, '=');
		if (!known && eq) {
			*eq++ = '\0';
			int valid = strcmp(o, "size") == 0	  ? size_value_valid(eq, "kmg%")
				    : strcmp(o, "nr_inodes") == 0 ? size_value_valid(eq, "kmg")
				    : strcmp(o, "mode") == 0	  ? mode_value_valid(eq)
								  : -1;
			if (valid == 0) {
				error_set(err, 0, "%s: bad value '%s' for %s", what, eq, o);
				return -1;
			}
			known = valid > 0 && data_append(data, sizeof(data), o, eq) == 0;
		}
		if (!known) {
			error_set(err, 0,
				  "%s: unknown option '%s' (rw, ro, exec, noexec, suid, nosuid, "
				  "dev, nodev, size=, mode=, nr_inodes=)",
				  what, o);
			return -1;
		}
	}
	return resource_list_add_tmpfs(r, copy, flags, data, what, err);
}

int resources_add_mount(struct resource_list *r, const char *spec, struct error *err)
{
	char copy[SPEC_MAX], what[SPEC_MAX + 16];
	snprintf(what, sizeof(what), "--mount %s", spec);
	if (strlen(spec) >= sizeof(copy)) {
		error_set(err, 0, "--mount: too long");
		return -1;
	}
	strcpy(copy, spec);
	const char *type = NULL, *source = NULL, *target = NULL;
	int read_only = 0;
	char data[256] = "";
	char *save = NULL;
	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *value = strchr(o, '=');
		if (value)
			*value++ = '\0';
		int ok = 1;
		if (strcmp(o, "type") == 0 && value)
			type = value;
		else if ((strcmp(o, "source") == 0 || strcmp(o, "src") == 0) && value)
			source = value;
		else if ((strcmp(o, "target") == 0 || strcmp(o, "destination") == 0 ||
			  strcmp(o, "dst") == 0) &&
			 value)
			target = value;
		else if (strcmp(o, "ro") == 0 || strcmp(o, "readonly") == 0)
			ok = flag_value(value, &read_only) == 0;
		else if (strcmp(o, "rw") == 0 && !value)
			read_only = 0;
		else if (strcmp(o, "tmpfs-size") == 0 && value && size_value_valid(value, "kmg%"))
			ok = data_append(data, sizeof(data), "size", value) == 0;
		else if (strcmp(o, "tmpfs-mode") == 0 && value && mode_value_valid(value))
			ok = data_append(data, sizeof(data), "mode", value) == 0;
		else
			ok = 0;
		if (!ok) {
			error_set(err, 0,
				  "%s: unknown or bad field '%s' (type=bind|tmpfs, src=, dst=, "
				  "ro, tmpfs-size=, tmpfs-mode=)",
				  what, o);
			return -1;
		}
	}
	if (!type || !target) {
		error_set(err, 0, "%s: type= and dst= are required", what);
		return -1;
	}
	if (strcmp(type, "bind") == 0) {
		if (!source || data[0]) {
			error_set(err, 0, "%s: type=bind needs src= and takes no tmpfs- fields",
				  what);
			return -1;
		}
		return resource_list_add_volume(r, source, target, read_only, what, err);
	}
	if (strcmp(type, "tmpfs") == 0) {
		if (source) {
			error_set(err, 0, "%s: type=tmpfs takes no src=", what);
			return -1;
		}
		/* The same defaults as --tmpfs. */
		unsigned long flags =
		    MS_NOEXEC | MS_NOSUID | MS_NODEV | (read_only ? MS_RDONLY : 0);
		return resource_list_add_tmpfs(r, target, flags, data, what, err);
	}
	error_set(err, 0,
		  "%s: type=%s is not supported (bind and tmpfs are; krunsh has no named "
		  "volumes or images)",
		  what, type);
	return -1;
}
