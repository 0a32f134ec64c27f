#include "cli/runner_outputs.h"
#include "cli/options.h"
#include "util/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Go's testing flags that name a file the binary writes... */
static const char *const file_flags[] = {
    "-test.coverprofile", "-test.cpuprofile",	"-test.memprofile",
    "-test.blockprofile", "-test.mutexprofile", "-test.trace",
};
/* ...and those that name a directory. */
static const char *const dir_flags[] = {"-test.outputdir", "-test.gocoverdir"};

/* The value of FLAG in "FLAG=VALUE" or "FLAG" "VALUE"; NULL otherwise. */
static const char *flag_value(char **argv, int i, const char *flag)
{
	size_t n = strlen(flag);
	if (strncmp(argv[i], flag, n) != 0)
		return NULL;
	if (argv[i][n] == '=')
		return argv[i] + n + 1;
	if (argv[i][n] == '\0' && argv[i + 1])
		return argv[i + 1];
	return NULL;
}

static int covered_by_a_volume(const struct resource_list *r, const char *dir)
{
	for (size_t i = 0; i < r->volume_count; i++) {
		const struct krunsh_volume *v = &r->volumes[i];
		size_t n = strlen(v->host_path);
		if (strncmp(dir, v->host_path, n) == 0 && (dir[n] == '/' || !dir[n]) &&
		    strcmp(v->host_path, v->guest_path) == 0)
			return 1;
	}
	return 0;
}

/* dir of `path` (relative paths against `base`), canonical, into out. */
static int directory_of(const char *path, const char *base, int is_dir, char *out, size_t size)
{
	char joined[PATH_MAX];
	if (path[0] == '/') {
		snprintf(joined, sizeof(joined), "%s", path);
	} else if (path_join(joined, sizeof(joined), base, path, NULL) < 0) {
		return -1;
	}
	if (!is_dir) {
		char *slash = strrchr(joined, '/');
		if (slash == joined)
			slash[1] = '\0';
		else if (slash)
			*slash = '\0';
	}
	char resolved[PATH_MAX];
	if (!realpath(joined, resolved))
		return -1;
	struct stat st;
	if (stat(resolved, &st) < 0 || !S_ISDIR(st.st_mode))
		return -1;
	return snprintf(out, size, "%s", resolved) < (int)size ? 0 : -1;
}

static int add(struct options *opts, const char *dir, struct error *err)
{
	if (strcmp(dir, "/") == 0 || covered_by_a_volume(&opts->vm.resources, dir))
		return 0;
	log_verbose_message(
	    "the program writes into %s: shared read-write so its files reach the host", dir);
	return resource_list_add_volume(&opts->vm.resources, dir, dir, 0,
					"a -test output directory", err);
}

int runner_outputs_add_volumes(struct options *opts, struct error *err)
{
	if (opts->proc.mode != INPUT_EXEC || !opts->proc.exec_argv)
		return 0;
	char cwd[PATH_MAX];
	const char *base = opts->proc.workdir;
	if (!base) {
		if (!getcwd(cwd, sizeof(cwd)))
			return 0;
		base = cwd;
	}
	char **argv = opts->proc.exec_argv;
	/* Relative file names go to -test.outputdir when it is given. */
	for (int i = 1; argv[i]; i++) {
		const char *v = flag_value(argv, i, "-test.outputdir");
		if (v && v[0] == '/')
			base = v;
	}
	for (int i = 1; argv[i]; i++) {
		for (int d = 0; d < 2; d++) {
			size_t count = d ? sizeof(dir_flags) / sizeof(dir_flags[0])
					 : sizeof(file_flags) / sizeof(file_flags[0]);
			for (size_t f = 0; f < count; f++) {
				const char *v =
				    flag_value(argv, i, d ? dir_flags[f] : file_flags[f]);
				char dir[PATH_MAX];
				if (!v || !v[0] || directory_of(v, base, d, dir, sizeof(dir)) < 0)
					continue;
				if (add(opts, dir, err) < 0)
					return -1;
			}
		}
	}
	return 0;
}
