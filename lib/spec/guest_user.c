/* Resolves -u NAME|UID[:NAME|GID] against the passwd and group files of
 * the root the guest sees. Parsed with fgetpwent/fgetgrent on the files
 * themselves rather than getpwnam: NSS would ask the host's directory
 * services, and under --root the files are another system's. */
#include "lib/spec/guest_user.h"
#include "util/path.h"

#include <errno.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int number(const char *text, unsigned *out)
{
	if (!text[0] || strspn(text, "0123456789") != strlen(text) || strlen(text) > 10)
		return -1;
	unsigned long v = strtoul(text, NULL, 10);
	/* (uid_t)-1 means "unchanged" to setuid-like calls. */
	if (v >= 4294967295ul)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static FILE *open_in_root(const char *root_dir, const char *file)
{
	char path[PATH_MAX];
	if (path_join(path, sizeof(path), root_dir ? root_dir : "/", file, NULL) < 0)
		return NULL;
	return fopen(path, "re");
}

/* The passwd entry for a name or uid: 1 found, 0 not. */
static int find_passwd(const char *root_dir, const char *name, const unsigned *uid,
		       struct guest_user *out)
{
	FILE *f = open_in_root(root_dir, "etc/passwd");
	if (!f)
		return 0;
	struct passwd *pw;
	int found = 0;
	while (!found && (pw = fgetpwent(f))) {
		if ((name && strcmp(pw->pw_name, name) == 0) || (uid && pw->pw_uid == *uid)) {
			out->uid = pw->pw_uid;
			out->gid = pw->pw_gid;
			snprintf(out->home, sizeof(out->home), "%s", pw->pw_dir);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

static int find_group(const char *root_dir, const char *name, unsigned *gid)
{
	FILE *f = open_in_root(root_dir, "etc/group");
	if (!f)
		return 0;
	struct group *gr;
	int found = 0;
	while (!found && (gr = fgetgrent(f))) {
		if (strcmp(gr->gr_name, name) == 0) {
			*gid = gr->gr_gid;
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/* The groups that list user_name as a member, as initgroups() would. */
static void add_member_groups(const char *root_dir, const char *user_name, struct guest_user *out)
{
	FILE *f = open_in_root(root_dir, "etc/group");
	if (!f)
		return;
	struct group *gr;
	while ((gr = fgetgrent(f)) && out->group_count < GUEST_USER_MAX_GROUPS) {
		for (char **m = gr->gr_mem; m && *m; m++) {
			if (strcmp(*m, user_name) == 0 && gr->gr_gid != out->gid) {
				out->groups[out->group_count++] = gr->gr_gid;
				break;
			}
		}
	}
	fclose(f);
}

/* The passwd name of uid, for the group membership lookup. */
static int name_of(const char *root_dir, unsigned uid, char *name, size_t size)
{
	FILE *f = open_in_root(root_dir, "etc/passwd");
	if (!f)
		return 0;
	struct passwd *pw;
	int found = 0;
	while (!found && (pw = fgetpwent(f))) {
		if (pw->pw_uid == uid) {
			snprintf(name, size, "%s", pw->pw_name);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int guest_user_resolve(const char *spec, const char *root_dir, struct guest_user *out,
		       struct error *err)
{
	memset(out, 0, sizeof(*out));
	char copy[512];
	if (!spec[0] || strlen(spec) >= sizeof(copy)) {
		error_set(err, 0,
			  "invalid value '%s' for --user: expected UID[:GID] or NAME[:GROUP]",
			  spec);
		return -1;
	}
	strcpy(copy, spec);
	char *group = strchr(copy, ':');
	if (group)
		*group++ = '\0';
	unsigned uid;
	int known;
	if (number(copy, &uid) == 0) {
		known = find_passwd(root_dir, NULL, &uid, out);
		out->uid = uid;
		if (!known)
			out->gid = uid;
	} else if (!(known = find_passwd(root_dir, copy, NULL, out))) {
		error_set(err, 0, "--user %s: no user %s in the guest's /etc/passwd", spec, copy);
		return -1;
	}
	if (group && number(group, &out->gid) < 0 && !find_group(root_dir, group, &out->gid)) {
		error_set(err, 0, "--user %s: no group %s in the guest's /etc/group", spec, group);
		return -1;
	}
	char name[256];
	if (known && name_of(root_dir, out->uid, name, sizeof(name)))
		add_member_groups(root_dir, name, out);
	out->set = 1;
	return 0;
}
