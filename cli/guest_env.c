#include "cli/guest_env.h"
#include "cli/host_env.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Grows a NULL-terminated list owned by opts (freed by cli_free). */
static int push(char ***list, size_t *count, char *entry)
{
	char **grown = realloc(*list, (*count + 2) * sizeof(char *));
	if (!grown)
		return -1;
	grown[(*count)++] = entry;
	grown[*count] = NULL;
	*list = grown;
	return 0;
}

static char *join(const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	char *entry = malloc(n + v + 2);
	if (entry) {
		memcpy(entry, name, n);
		entry[n] = '=';
		memcpy(entry + n + 1, value, v + 1);
	}
	return entry;
}

static int add_host_entries(struct options *opts)
{
	size_t count = 0;
	if (opts->proc.mode == INPUT_EXEC && !opts->clean_env) {
		/* Exec mode stands in for a native exec. */
		for (char **e = environ; e && *e; e++)
			if (strchr(*e, '=') && !host_env_is_host_only(*e) &&
			    push(&opts->proc.host_env, &count, *e) < 0)
				return -1;
		return 0;
	}
	static const char *const minimal[] = {"PATH", "HOME", "TERM", "LANG"};
	for (size_t i = 0; i < sizeof(minimal) / sizeof(minimal[0]); i++) {
		const char *value = getenv(minimal[i]);
		if (!value)
			continue;
		char *entry = join(minimal[i], value);
		if (!entry || push(&opts->owned_env, &opts->owned_env_count, entry) < 0) {
			free(entry);
			return -1;
		}
		if (push(&opts->proc.host_env, &count, entry) < 0)
			return -1;
	}
	return 0;
}

int guest_env_build(struct options *opts, struct error *err)
{
	/* A bundle's process.env, an image's Env is the environment (with
	 * PATH and HOME defaults for an image, as podman gives them). */
	if (!opts->bundle && !opts->image && add_host_entries(opts) < 0)
		goto nomem;
	for (size_t k = 0; k < opts->proc.env_count; k++) {
		const char *entry = opts->proc.env[k];
		if (strchr(entry, '='))
			continue;
		const char *value = getenv(entry);
		if (!value) {
			error_set(err, 0, "-e %s: not set in the host environment", entry);
			return -1;
		}
		char *resolved = join(entry, value);
		if (!resolved || push(&opts->owned_env, &opts->owned_env_count, resolved) < 0) {
			free(resolved);
			goto nomem;
		}
		opts->proc.env[k] = resolved;
	}
	return 0;
nomem:
	error_set(err, ENOMEM, "building the guest's environment");
	return -1;
}
