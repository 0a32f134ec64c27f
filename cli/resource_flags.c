/* The text forms of the flags for a VM's disks and ports and an
 * execution's limits, as users type them: --disk IMAGE[:ro], --publish
 * HOST_PORT:GUEST_PORT, --ulimit NAME=SOFT[:HARD]. The checks on what they
 * name are the library's, run once all flags are read (cli/run_spec.c). */
#include "cli/resource_flags.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

int resources_add_disk(struct resource_list *r, const char *spec, struct error *err)
{
	char path[4096], what[sizeof("--disk ") + sizeof(path)];
	size_t n = strlen(spec);
	if (n >= sizeof(path)) {
		error_set(err, 0, "--disk: path too long");
		return -1;
	}
	strcpy(path, spec);
	int read_only = n > 3 && strcmp(path + n - 3, ":ro") == 0;
	if (read_only)
		path[n - 3] = '\0';
	snprintf(what, sizeof(what), "--disk %s", path);
	return resource_list_add_disk(r, path, read_only, what, err);
}

static int parse_port(const char *s, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v == 0 || v > 65535)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int resources_add_port(struct resource_list *r, const char *spec, struct error *err)
{
	char copy[64], what[sizeof("--publish ") + sizeof(copy)];
	unsigned host_port, guest_port;
	char *colon;
	if (strlen(spec) >= sizeof(copy) || !(colon = strchr(strcpy(copy, spec), ':'))) {
		error_set(err, 0, "--publish %s: expected HOST_PORT:GUEST_PORT", spec);
		return -1;
	}
	*colon = '\0';
	snprintf(what, sizeof(what), "--publish %s", spec);
	if (parse_port(copy, &host_port) < 0 || parse_port(colon + 1, &guest_port) < 0)
		host_port = guest_port = 0; /* refused below, with the same words */
	return resource_list_add_port(r, host_port, guest_port, what, err);
}

static const struct {
	const char *name;
	int resource;
} ulimit_names[] = {
    {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},	    {"core", RLIMIT_CORE},
    {"stack", RLIMIT_STACK},   {"fsize", RLIMIT_FSIZE},	    {"as", RLIMIT_AS},
    {"cpu", RLIMIT_CPU},       {"memlock", RLIMIT_MEMLOCK}, {"data", RLIMIT_DATA},
};

static int parse_limit(const char *s, unsigned long long *out)
{
	if (strcmp(s, "unlimited") == 0) {
		*out = RLIM_INFINITY;
		return 0;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int rlimit_list_add(struct rlimit_list *l, int resource, unsigned long long soft,
		    unsigned long long hard, const char *what, struct error *err)
{
	if (soft > hard) {
		error_set(err, 0, "%s: soft limit above hard limit", what);
		return -1;
	}
	struct krunsh_rlimit *grown = realloc(l->items, (l->count + 1) * sizeof(*grown));
	if (!grown) {
		error_set(err, ENOMEM, "%s", what);
		return -1;
	}
	l->items = grown;
	l->items[l->count++] = (struct krunsh_rlimit){resource, soft, hard};
	return 0;
}

void rlimit_list_free(struct rlimit_list *l)
{
	free(l->items);
	memset(l, 0, sizeof(*l));
}

int ulimits_add(struct rlimit_list *l, const char *spec, struct error *err)
{
	char copy[128], what[sizeof("--ulimit ") + sizeof(copy)];
	char *eq;
	if (strlen(spec) >= sizeof(copy) || !(eq = strchr(strcpy(copy, spec), '='))) {
		error_set(err, 0, "--ulimit %s: expected NAME=SOFT[:HARD]", spec);
		return -1;
	}
	*eq++ = '\0';
	int resource = -1;
	for (size_t i = 0; i < sizeof(ulimit_names) / sizeof(ulimit_names[0]); i++)
		if (strcmp(copy, ulimit_names[i].name) == 0)
			resource = ulimit_names[i].resource;
	if (resource < 0) {
		error_set(err, 0,
			  "--ulimit %s: unknown limit '%s' (nofile, nproc, core, stack, "
			  "fsize, as, cpu, memlock, data)",
			  spec, copy);
		return -1;
	}
	char *colon = strchr(eq, ':');
	if (colon)
		*colon++ = '\0';
	unsigned long long soft, hard;
	if (parse_limit(eq, &soft) < 0 || parse_limit(colon ? colon : eq, &hard) < 0) {
		error_set(err, 0, "--ulimit %s: limits are numbers or 'unlimited'", spec);
		return -1;
	}
	snprintf(what, sizeof(what), "--ulimit %s", spec);
	return rlimit_list_add(l, resource, soft, hard, what, err);
}
