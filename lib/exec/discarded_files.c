#include "lib/exec/discarded_files.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

/* PATH without "//", "." and a trailing "/", ".." taken lexically: the
 * user's -w as the message and the checks below compare it. */
static void path_normalize(const char *path, char *out, size_t size)
{
	size_t o = 0;
	for (const char *p = path; *p;) {
		while (*p == '/')
			p++;
		size_t n = strcspn(p, "/");
		if (n == 0)
			break;
		if (n == 1 && p[0] == '.') {
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--;
		} else if (o + 1 + n < size) {
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p += n;
	}
	if (o == 0 && size > 1)
		out[o++] = '/';
	out[o] = '\0';
}

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

/* DIR as one shell word of a -v HOST:GUEST spec: ':' and '\' escaped as
 * krunsh's -v reads them, single-quoted when the shell would split it. */
static void volume_word(const char *host, const char *guest, char *out, size_t size)
{
	char spec[8300];
	size_t n = 0;
	for (int side = 0; side < 2; side++) {
		if (side && n + 1 < sizeof(spec))
			spec[n++] = ':';
		for (const char *p = side ? guest : host; *p && n + 2 < sizeof(spec); p++) {
			if (*p == ':' || *p == '\\')
				spec[n++] = '\\';
			spec[n++] = *p;
		}
	}
	spec[n] = '\0';
	static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_./,+=@%-:";
	if (strspn(spec, safe) == n) {
		snprintf(out, size, "%s", spec);
		return;
	}
	size_t o = 0;
	if (o + 1 < size)
		out[o++] = '\'';
	for (size_t i = 0; i < n && o + 5 < size; i++) {
		if (spec[i] == '\'') {
			memcpy(out + o, "'\\''", 4);
			o += 4;
		} else {
			out[o++] = spec[i];
		}
	}
	if (o + 1 < size)
		out[o++] = '\'';
	out[o] = '\0';
}

void discarded_files_first(char *out, size_t size, const char *workdir,
			   const struct discarded_files *d)
{
	char wd[4096], joined[4096 + FRAME_DISCARDED_PATH_MAX + 2];
	path_normalize(workdir, wd, sizeof(wd));
	snprintf(joined, sizeof(joined), "%s%s%s", wd, strcmp(wd, "/") ? "/" : "", d->first);
	text_sanitize(out, size, joined, strlen(joined), 300);
}

size_t discarded_files_message(char *out, size_t size, const struct vm_spec *vm,
			       const char *workdir, const struct discarded_files *d)
{
	if (size)
		out[0] = '\0';
	if (d->count == 0)
		return 0;
	char wd[4096], host[4096 + 4096], first[1024], keep[8400], shown_wd[400];
	path_normalize(workdir, wd, sizeof(wd));
	/* Under --root DIR the guest's / is DIR on the host. */
	path_normalize(vm->root_dir ? vm->root_dir : "/", host, sizeof(host));
	size_t used = strlen(host);
	snprintf(host + used, sizeof(host) - used, "%s", strcmp(host, "/") ? wd : wd + 1);
	discarded_files_first(first, sizeof(first), wd, d);
	volume_word(host, wd, keep, sizeof(keep));
	text_sanitize(shown_wd, sizeof(shown_wd), wd, strlen(wd), 200);
	char sanitized_keep[600];
	text_sanitize(sanitized_keep, sizeof(sanitized_keep), keep, strlen(keep), 400);
	int one = d->count == 1 && !d->at_least;
	int n =
	    snprintf(out, size,
		     "%s%u file%s written under %s %s thrown away with the VM%s%s%s; "
		     "-v %s keeps %s",
		     d->at_least ? "at least " : "", d->count, one ? "" : "s", shown_wd,
		     one ? "was" : "were", d->first[0] ? " (first: " : "", d->first[0] ? first : "",
		     d->first[0] ? ")" : "", sanitized_keep, one ? "it" : "them");
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
