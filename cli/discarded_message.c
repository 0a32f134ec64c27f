/* Files the commands wrote under the working directory land on the guest's
 * throw-away overlay and vanish with the VM (pytest --junitxml=r.xml says it
 * wrote r.xml, and there is none). krunsh says so in one line at the end:
 * how many, the first, and the --volume that would have kept them. The
 * library counts them (krunsh_proc_spec.count_discarded); this words it. */
#include "cli/discarded_message.h"
#include "util/path.h"
#include "util/text.h"

#include <stdio.h>
#include <string.h>

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

size_t discarded_message(char *out, size_t size, const char *root_dir, const char *workdir,
			 const struct krunsh_exec_result *r)
{
	if (size)
		out[0] = '\0';
	if (r->discarded_count == 0)
		return 0;
	char wd[4096], host[4096 + 4096], keep[8400], shown_wd[400];
	path_normalize(workdir, wd, sizeof(wd));
	/* Under --root DIR the guest's / is DIR on the host. */
	path_normalize(root_dir ? root_dir : "/", host, sizeof(host));
	size_t used = strlen(host);
	snprintf(host + used, sizeof(host) - used, "%s", strcmp(host, "/") ? wd : wd + 1);
	volume_word(host, wd, keep, sizeof(keep));
	text_sanitize(shown_wd, sizeof(shown_wd), wd, strlen(wd), 200);
	char sanitized_keep[600];
	text_sanitize(sanitized_keep, sizeof(sanitized_keep), keep, strlen(keep), 400);
	const char *first = r->discarded_first;
	int one = r->discarded_count == 1 && !r->discarded_at_least;
	int n =
	    snprintf(out, size,
		     "%s%u file%s written under %s %s thrown away with the VM%s%s%s; "
		     "-v %s keeps %s",
		     r->discarded_at_least ? "at least " : "", r->discarded_count, one ? "" : "s",
		     shown_wd, one ? "was" : "were", first[0] ? " (first: " : "", first,
		     first[0] ? ")" : "", sanitized_keep, one ? "it" : "them");
	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}
