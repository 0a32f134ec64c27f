#include "lib/exec/discarded_files.h"
#include "util/path.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* Whether path is dir or below it (both normalized). */
static int at_or_under(const char *path, const char *dir)
{
	char d[4096];
	path_normalize(dir, d, sizeof(d));
	size_t n = strlen(d);
	if (strcmp(d, "/") == 0)
		return 1;
	return strncmp(path, d, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

int discarded_files_wanted(const struct vm_spec *vm, const char *workdir)
{
	static const char *const scratch[] = {"/", "/tmp", "/var/tmp", "/dev/shm"};
	char wd[4096];
	path_normalize(workdir, wd, sizeof(wd));
	for (size_t i = 0; i < sizeof(scratch) / sizeof(scratch[0]); i++)
		if (strcmp(wd, scratch[i]) == 0)
			return 0;
	const struct resources *r = &vm->resources;
	for (size_t i = 0; i < r->volume_count; i++)
		if (!r->volumes[i].is_file && at_or_under(wd, r->volumes[i].guest))
			return 0;
	for (size_t i = 0; i < r->tmpfs_count; i++)
		if (at_or_under(wd, r->tmpfs[i].guest))
			return 0;
	return 1;
}

void discarded_files_first(char *out, size_t size, const char *workdir,
			   const struct discarded_files *d)
{
	char wd[4096], joined[4096 + FRAME_DISCARDED_PATH_MAX + 2];
	path_normalize(workdir, wd, sizeof(wd));
	snprintf(joined, sizeof(joined), "%s%s%s", wd, strcmp(wd, "/") ? "/" : "", d->first);
	text_sanitize(out, size, joined, strlen(joined), 300);
}
