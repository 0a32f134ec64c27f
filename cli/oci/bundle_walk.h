/* Walking config.json (cli/oci/): each object's fields against a table
 * that says what krunsh does with each; any other field is refused. */
#ifndef KRUNSH_OCI_BUNDLE_WALK_H
#define KRUNSH_OCI_BUNDLE_WALK_H

#include "cli/oci/bundle.h"

#include <json-c/json.h>

struct bundle_walk {
	struct options *opts;
	const struct bundle_overrides *given;
	const char *dir; /* the bundle's directory */
	struct bundle *bundle;
	struct error *err;
	void *section; /* what the section being walked collects */
};

enum field_action {
	FIELD_APPLY,  /* apply() takes it */
	FIELD_IGNORE, /* meaningless in a VM: why says so (-V) */
	FIELD_REFUSE, /* krunsh cannot do it: why says so */
};

struct field_rule {
	const char *name;
	enum field_action action;
	int (*apply)(struct bundle_walk *w, const char *path, json_object *value);
	const char *why;
};

/* Applies rules to every field of obj (path names it: "process"); a field
 * without a rule is refused. 0, or -1 with w->err set. */
int bundle_walk_object(struct bundle_walk *w, const char *path, json_object *obj,
		       const struct field_rule *rules, size_t rule_count);

/* -1 with "config.json: PATH: why" in w->err. */
int bundle_refuse(struct bundle_walk *w, const char *path, const char *why, ...)
    __attribute__((format(printf, 3, 4)));
/* The value as a string / a whole number in [min, max] / a boolean; -1
 * (refused) when it is not one. */
int bundle_string(struct bundle_walk *w, const char *path, json_object *v, const char **out);
int bundle_number(struct bundle_walk *w, const char *path, json_object *v, long long min,
		  long long max, long long *out);
int bundle_bool(struct bundle_walk *w, const char *path, json_object *v, int *out);
/* Keeps a copy until bundle_free; NULL when out of memory (w->err set). */
char *bundle_keep(struct bundle_walk *w, const char *s);

/* The sections with files of their own. */
int bundle_apply_mounts(struct bundle_walk *w, const char *path, json_object *mounts);
int bundle_apply_linux(struct bundle_walk *w, const char *path, json_object *linux_section);

#endif
