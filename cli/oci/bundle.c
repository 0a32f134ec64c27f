/* config.json's top level, root, process and annotations (the OCI runtime
 * spec, 1.x). The rootfs is only ever read: it is the VM's read-only root
 * under the throw-away overlay, as with --root, and nothing is written into
 * it (no agent is placed there: the agent boots from krunsh's initramfs). */
#include "cli/oci/bundle_walk.h"
#include "cli/oci/small_file.h"
#include "util/path.h"
#include "util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

/* config.json files are a few KiB; this bounds what a hostile one costs. */
#define BUNDLE_CONFIG_MAX (1024 * 1024)

struct bundle {
	json_object *config;
	char **kept;
	size_t kept_count;
	char **argv; /* process.args, NULL-terminated */
	char **env;  /* process.env, NULL-terminated, until opts takes it */
	json_object *annotations;
};

int bundle_refuse(struct bundle_walk *w, const char *path, const char *why, ...)
{
	char text[600];
	va_list ap;
	va_start(ap, why);
	vsnprintf(text, sizeof(text), why, ap);
	va_end(ap);
	error_set(w->err, 0, "config.json: %s: %s", path, text);
	return -1;
}

char *bundle_keep(struct bundle_walk *w, const char *s)
{
	char *copy = strdup(s);
	char **grown =
	    copy ? realloc(w->bundle->kept, (w->bundle->kept_count + 1) * sizeof(char *)) : NULL;
	if (!grown) {
		free(copy);
		error_set(w->err, ENOMEM, "config.json");
		return NULL;
	}
	w->bundle->kept = grown;
	w->bundle->kept[w->bundle->kept_count++] = copy;
	return copy;
}

int bundle_string(struct bundle_walk *w, const char *path, json_object *v, const char **out)
{
	if (!json_object_is_type(v, json_type_string))
		return bundle_refuse(w, path, "expected a string");
	*out = json_object_get_string(v);
	if (strlen(*out) != (size_t)json_object_get_string_len(v))
		return bundle_refuse(w, path, "a NUL byte in a string");
	return 0;
}

int bundle_number(struct bundle_walk *w, const char *path, json_object *v, long long min,
		  long long max, long long *out)
{
	if (!json_object_is_type(v, json_type_int))
		return bundle_refuse(w, path, "expected a whole number");
	errno = 0;
	long long n = json_object_get_int64(v);
	/* json-c saturates what int64 cannot hold, and says so in errno. */
	if (errno || n < min || n > max)
		return bundle_refuse(w, path, "%lld is outside %lld-%lld", n, min, max);
	*out = n;
	return 0;
}

int bundle_bool(struct bundle_walk *w, const char *path, json_object *v, int *out)
{
	if (!json_object_is_type(v, json_type_boolean))
		return bundle_refuse(w, path, "expected true or false");
	*out = json_object_get_boolean(v);
	return 0;
}

int bundle_walk_object(struct bundle_walk *w, const char *path, json_object *obj,
		       const struct field_rule *rules, size_t rule_count)
{
	if (!json_object_is_type(obj, json_type_object))
		return bundle_refuse(w, path, "expected an object");
	json_object_object_foreach(obj, key, value)
	{
		char field[256];
		text_format(field, sizeof(field), "%s%s%s", path, path[0] ? "." : "", key);
		const struct field_rule *rule = NULL;
		for (size_t i = 0; i < rule_count && !rule; i++)
			if (strcmp(rules[i].name, key) == 0)
				rule = &rules[i];
		if (!rule)
			return bundle_refuse(w, field, "not supported by krunsh");
		if (rule->action == FIELD_REFUSE)
			return bundle_refuse(w, field, "%s", rule->why);
		if (rule->action == FIELD_IGNORE) {
			log_verbose_message("config.json: %s ignored: %s", field, rule->why);
			continue;
		}
		if (rule->apply(w, field, value) < 0)
			return -1;
	}
	return 0;
}

/* ---- top level ---------------------------------------------------------- */

static int apply_version(struct bundle_walk *w, const char *path, json_object *v)
{
	const char *s;
	if (bundle_string(w, path, v, &s) < 0)
		return -1;
	if (strncmp(s, "1.", 2) != 0)
		return bundle_refuse(w, path, "version %.40s: krunsh reads the 1.x runtime spec",
				     s);
	return 0;
}

static int root_path(struct bundle_walk *w, const char *path, json_object *v)
{
	const char *s;
	if (bundle_string(w, path, v, &s) < 0)
		return -1;
	char full[4096];
	/* Relative paths are the bundle's, as the spec says. */
	if (path_join(full, sizeof(full), s[0] == '/' ? "/" : w->dir, s, NULL) < 0)
		return bundle_refuse(w, path, "path too long");
	char *real = realpath(full, NULL);
	struct stat st;
	if (!real || stat(real, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(real);
		return bundle_refuse(w, path, "%.200s is not a directory", full);
	}
	char *kept = bundle_keep(w, real);
	free(real);
	if (!kept)
		return -1;
	w->opts->vm.root_dir = kept;
	return 0;
}

static int root_readonly(struct bundle_walk *w, const char *path, json_object *v)
{
	return bundle_bool(w, path, v, &w->opts->vm.root_read_only);
}

static int apply_root(struct bundle_walk *w, const char *path, json_object *v)
{
	static const struct field_rule rules[] = {
	    {"path", FIELD_APPLY, root_path, NULL},
	    {"readonly", FIELD_APPLY, root_readonly, NULL},
	};
	return bundle_walk_object(w, path, v, rules, sizeof(rules) / sizeof(rules[0]));
}

static int apply_hostname(struct bundle_walk *w, const char *path, json_object *v)
{
	const char *s;
	if (bundle_string(w, path, v, &s) < 0)
		return -1;
	if (!cli_hostname_valid(s))
		return bundle_refuse(w, path, "letters, digits, '-' and '.', at most 64");
	if (!w->given->hostname)
		w->opts->vm.hostname = s;
	return 0;
}

/* Taken after the rest: they win over linux.resources. */
static int apply_annotations(struct bundle_walk *w, const char *path, json_object *v)
{
	(void)path;
	w->bundle->annotations = v;
	return 0;
}

/* krun.cpus and krun.ram_mib, as crun's krun handler reads them; every
 * other annotation is the caller's metadata, as the spec says. */
static int size_from_annotations(struct bundle_walk *w, const char *path, json_object *v)
{
	if (!json_object_is_type(v, json_type_object))
		return bundle_refuse(w, path, "expected an object");
	json_object_object_foreach(v, key, value)
	{
		int cpus = strcmp(key, "krun.cpus") == 0, ram = strcmp(key, "krun.ram_mib") == 0;
		if (!cpus && !ram)
			continue;
		char field[128];
		text_format(field, sizeof(field), "%s.%s", path, key);
		const char *s;
		if (bundle_string(w, field, value, &s) < 0)
			return -1;
		char *end;
		errno = 0;
		unsigned long n = strtoul(s, &end, 10);
		unsigned long max = cpus ? 64 : 262144, min = cpus ? 1 : 128;
		if (errno || end == s || *end || s[0] == '-' || n < min || n > max)
			return bundle_refuse(w, field, "expected a number from %lu to %lu", min,
					     max);
		if (cpus && !w->given->cpus)
			w->opts->vm.cpus = (unsigned)n;
		if (ram && !w->given->memory)
			w->opts->vm.mem_mib = (unsigned)n;
	}
	return 0;
}

/* ---- process ------------------------------------------------------------ */

/* A JSON array of strings as a NULL-terminated list (in the bundle). */
static int string_list(struct bundle_walk *w, const char *path, json_object *v, char ***out)
{
	if (!json_object_is_type(v, json_type_array))
		return bundle_refuse(w, path, "expected an array of strings");
	size_t n = json_object_array_length(v);
	char **list = calloc(n + 1, sizeof(char *));
	if (!list) {
		error_set(w->err, ENOMEM, "config.json");
		return -1;
	}
	free(*out);
	*out = list;
	for (size_t i = 0; i < n; i++) {
		char item[300];
		text_format(item, sizeof(item), "%s[%zu]", path, i);
		const char *s;
		if (bundle_string(w, item, json_object_array_get_idx(v, i), &s) < 0)
			return -1;
		list[i] = (char *)s;
	}
	return 0;
}

static int process_args(struct bundle_walk *w, const char *path, json_object *v)
{
	return string_list(w, path, v, &w->bundle->argv);
}

static int process_env(struct bundle_walk *w, const char *path, json_object *v)
{
	if (string_list(w, path, v, &w->bundle->env) < 0)
		return -1;
	for (char **e = w->bundle->env; *e; e++)
		if (!strchr(*e, '=') || **e == '=')
			return bundle_refuse(w, path, "%.100s is not NAME=VALUE", *e);
	return 0;
}

static int process_cwd(struct bundle_walk *w, const char *path, json_object *v)
{
	const char *s;
	if (bundle_string(w, path, v, &s) < 0)
		return -1;
	if (s[0] != '/')
		return bundle_refuse(w, path, "must be an absolute path");
	if (!w->given->workdir)
		w->opts->proc.workdir = s;
	return 0;
}

static int process_terminal(struct bundle_walk *w, const char *path, json_object *v)
{
	int terminal = 0;
	if (bundle_bool(w, path, v, &terminal) < 0)
		return -1;
	/* As -t: the process on a pseudo-terminal in the guest, fed by
	 * krunsh's stdin (a runtime's console, conmon's pty). */
	if (terminal)
		w->opts->tty = 1;
	return 0;
}

static int user_id(struct bundle_walk *w, const char *path, json_object *v, unsigned *out)
{
	long long n;
	if (bundle_number(w, path, v, 0, UINT32_MAX - 1, &n) < 0)
		return -1;
	*out = (unsigned)n;
	w->opts->proc.user_set = 1;
	return 0;
}

static int user_uid(struct bundle_walk *w, const char *path, json_object *v)
{
	return user_id(w, path, v, &w->opts->proc.user.uid);
}

static int user_gid(struct bundle_walk *w, const char *path, json_object *v)
{
	return user_id(w, path, v, &w->opts->proc.user.gid);
}

static int user_groups(struct bundle_walk *w, const char *path, json_object *v)
{
	if (!json_object_is_type(v, json_type_array))
		return bundle_refuse(w, path, "expected an array of numbers");
	size_t n = json_object_array_length(v);
	struct krunsh_user *u = &w->opts->proc.user;
	if (n > KRUNSH_USER_MAX_GROUPS)
		return bundle_refuse(w, path, "at most %d groups", KRUNSH_USER_MAX_GROUPS);
	for (size_t i = 0; i < n; i++)
		if (user_id(w, path, json_object_array_get_idx(v, i), &u->groups[i]) < 0)
			return -1;
	u->group_count = n;
	return 0;
}

/* The guest's processes start with 022, what podman and runc ask for. */
static int user_umask(struct bundle_walk *w, const char *path, json_object *v)
{
	long long mask;
	if (bundle_number(w, path, v, 0, 0777, &mask) < 0)
		return -1;
	if (mask != 022)
		return bundle_refuse(w, path, "only 022 (18), the guest's own, is supported");
	return 0;
}

static int process_user(struct bundle_walk *w, const char *path, json_object *v)
{
	static const struct field_rule rules[] = {
	    {"uid", FIELD_APPLY, user_uid, NULL},
	    {"gid", FIELD_APPLY, user_gid, NULL},
	    {"additionalGids", FIELD_APPLY, user_groups, NULL},
	    {"umask", FIELD_APPLY, user_umask, NULL},
	    {"username", FIELD_REFUSE, NULL, "a Windows field"},
	};
	if (w->given->user)
		return 0; /* -u wins over the whole of process.user */
	/* The spec gives ids: no passwd lookup, no HOME of its own. */
	return bundle_walk_object(w, path, v, rules, sizeof(rules) / sizeof(rules[0]));
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
    {"RLIMIT_NOFILE", RLIMIT_NOFILE}, {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_CORE", RLIMIT_CORE},     {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},   {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CPU", RLIMIT_CPU},	      {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_DATA", RLIMIT_DATA},
};

static int one_rlimit(struct bundle_walk *w, const char *path, json_object *v)
{
	json_object *type, *soft, *hard;
	if (!json_object_is_type(v, json_type_object) ||
	    !json_object_object_get_ex(v, "type", &type) ||
	    !json_object_object_get_ex(v, "soft", &soft) ||
	    !json_object_object_get_ex(v, "hard", &hard) || json_object_object_length(v) != 3)
		return bundle_refuse(w, path, "expected {\"type\", \"soft\", \"hard\"}");
	const char *name;
	long long s, h;
	if (bundle_string(w, path, type, &name) < 0 ||
	    bundle_number(w, path, soft, 0, LLONG_MAX, &s) < 0 ||
	    bundle_number(w, path, hard, 0, LLONG_MAX, &h) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(rlimit_names) / sizeof(rlimit_names[0]); i++)
		if (strcmp(name, rlimit_names[i].name) == 0)
			return rlimit_list_add(&w->opts->rlimits, rlimit_names[i].resource,
					       (unsigned long long)s, (unsigned long long)h, path,
					       w->err);
	return bundle_refuse(w, path, "%.40s is not a limit krunsh sets", name);
}

static int process_rlimits(struct bundle_walk *w, const char *path, json_object *v)
{
	if (!json_object_is_type(v, json_type_array))
		return bundle_refuse(w, path, "expected an array");
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		char item[300];
		text_format(item, sizeof(item), "%s[%zu]", path, i);
		if (one_rlimit(w, item, json_object_array_get_idx(v, i)) < 0)
			return -1;
	}
	return 0;
}

#define IN_ITS_OWN_VM "the process runs as root of its own VM, which is the boundary"

static int apply_process(struct bundle_walk *w, const char *path, json_object *v)
{
	static const struct field_rule rules[] = {
	    {"args", FIELD_APPLY, process_args, NULL},
	    {"env", FIELD_APPLY, process_env, NULL},
	    {"cwd", FIELD_APPLY, process_cwd, NULL},
	    {"terminal", FIELD_APPLY, process_terminal, NULL},
	    {"user", FIELD_APPLY, process_user, NULL},
	    {"rlimits", FIELD_APPLY, process_rlimits, NULL},
	    {"consoleSize", FIELD_IGNORE, NULL, "the terminal's size is taken from krunsh's own"},
	    {"capabilities", FIELD_IGNORE, NULL, IN_ITS_OWN_VM},
	    {"noNewPrivileges", FIELD_IGNORE, NULL, IN_ITS_OWN_VM},
	    {"apparmorProfile", FIELD_IGNORE, NULL, "the guest kernel has no AppArmor"},
	    {"selinuxLabel", FIELD_IGNORE, NULL, "the guest kernel has no SELinux"},
	    {"oomScoreAdj", FIELD_IGNORE, NULL, "the VM's memory is its own"},
	    {"ioPriority", FIELD_IGNORE, NULL, "the VM's disk is its own"},
	    {"scheduler", FIELD_IGNORE, NULL, "the guest's scheduler is its own"},
	    {"execCPUAffinity", FIELD_IGNORE, NULL, "the guest's vCPUs are its own"},
	    {"commandLine", FIELD_REFUSE, NULL, "a Windows field"},
	};
	return bundle_walk_object(w, path, v, rules, sizeof(rules) / sizeof(rules[0]));
}

/* ---- the whole -------------------------------------------------------- */

static int apply_linux(struct bundle_walk *w, const char *path, json_object *v)
{
	return bundle_apply_linux(w, path, v);
}

static int apply_mounts(struct bundle_walk *w, const char *path, json_object *v)
{
	return bundle_apply_mounts(w, path, v);
}

static int apply_hooks(struct bundle_walk *w, const char *path, json_object *v)
{
	/* An empty hooks object asks for nothing. */
	if (json_object_is_type(v, json_type_object) && json_object_object_length(v) == 0)
		return 0;
	return bundle_refuse(w, path,
			     "hooks run host programs around the container; krunsh runs none");
}

static int read_config(const char *dir, char **out, struct error *err)
{
	char path[4096];
	size_t length;
	if (path_join(path, sizeof(path), dir, "config.json", NULL) < 0) {
		error_set(err, 0, "--bundle %s: path too long", dir);
		return -1;
	}
	if (small_file_read(path, BUNDLE_CONFIG_MAX, 0, out, &length, err) < 0) {
		char line[sizeof(err->message)];
		text_format(line, sizeof(line), "--bundle %s: %s", dir, err->message);
		memcpy(err->message, line, sizeof(line));
		return -1;
	}
	return 0;
}

static int apply(const char *dir, const struct bundle_overrides *given, struct options *opts,
		 struct error *err)
{
	static const struct field_rule rules[] = {
	    {"ociVersion", FIELD_APPLY, apply_version, NULL},
	    {"root", FIELD_APPLY, apply_root, NULL},
	    {"process", FIELD_APPLY, apply_process, NULL},
	    {"hostname", FIELD_APPLY, apply_hostname, NULL},
	    {"mounts", FIELD_APPLY, apply_mounts, NULL},
	    {"annotations", FIELD_APPLY, apply_annotations, NULL},
	    {"linux", FIELD_APPLY, apply_linux, NULL},
	    {"hooks", FIELD_APPLY, apply_hooks, NULL},
	    {"domainname", FIELD_REFUSE, NULL, "a NIS domain name is not supported"},
	    {"solaris", FIELD_REFUSE, NULL, "not a Linux field"},
	    {"windows", FIELD_REFUSE, NULL, "not a Linux field"},
	    {"vm", FIELD_REFUSE, NULL, "krunsh boots its own kernel and VM"},
	    {"zos", FIELD_REFUSE, NULL, "not a Linux field"},
	};
	struct bundle *b = calloc(1, sizeof(*b));
	if (!b) {
		error_set(err, ENOMEM, "--bundle");
		return -1;
	}
	opts->bundle = b;
	char *text;
	if (read_config(dir, &text, err) < 0)
		return -1;
	enum json_tokener_error jerr;
	b->config = json_tokener_parse_verbose(text, &jerr);
	free(text);
	if (!b->config) {
		error_set(err, 0, "--bundle %s: config.json is not JSON: %s", dir,
			  json_tokener_error_desc(jerr));
		return -1;
	}
	struct bundle_walk w = {.opts = opts, .given = given, .dir = dir, .bundle = b, .err = err};
	if (bundle_walk_object(&w, "", b->config, rules, sizeof(rules) / sizeof(rules[0])) < 0)
		return -1;
	if (b->annotations && size_from_annotations(&w, "annotations", b->annotations) < 0)
		return -1;
	json_object *v;
	if (!json_object_object_get_ex(b->config, "root", &v) ||
	    !json_object_object_get_ex(v, "path", &v))
		return bundle_refuse(&w, "root.path", "required");
	/* The process's environment is exactly the bundle's: nothing of
	 * krunsh's defaults or of the caller's (-e still adds and wins). */
	opts->proc.host_env = b->env; /* cli_free's from here on */
	b->env = NULL;
	opts->proc.env_exact = 1;
	if (b->argv && b->argv[0] && !given->program && !given->commands) {
		opts->proc.mode = INPUT_EXEC;
		opts->proc.exec_argv = b->argv;
	}
	return 0;
}

int bundle_apply(const char *dir, const struct bundle_overrides *given, struct options *opts,
		 struct error *err)
{
	if (apply(dir, given, opts, err) == 0)
		return 0;
	/* The message quotes the file's strings: one printable line. */
	char line[sizeof(err->message)];
	text_sanitize(line, sizeof(line), err->message, strlen(err->message), 600);
	memcpy(err->message, line, sizeof(line));
	return -1;
}

void bundle_free(struct options *opts)
{
	struct bundle *b = opts->bundle;
	if (!b)
		return;
	for (size_t i = 0; i < b->kept_count; i++)
		free(b->kept[i]);
	free(b->kept);
	free(b->argv);
	free(b->env);
	if (b->config)
		json_object_put(b->config);
	free(b);
	opts->bundle = NULL;
}
