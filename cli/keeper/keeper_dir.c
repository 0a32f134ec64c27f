#include "cli/keeper/keeper_dir.h"
#include "util/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

int keeper_name_check(const char *name, struct error *err)
{
	size_t n = strlen(name);
	int ok = n > 0 && n <= KEEPER_NAME_MAX && name[0] != '.';
	for (size_t i = 0; ok && i < n; i++) {
		char c = name[i];
		ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		     c == '.' || c == '_' || c == '-';
	}
	if (ok)
		return 0;
	char shown[80];
	text_sanitize(shown, sizeof(shown), name, n, 64);
	error_set(err, 0,
		  "--session %s: a session name is 1-%d letters, digits, '.', '_' or '-', not "
		  "starting with '.'",
		  shown, KEEPER_NAME_MAX);
	return -1;
}

/* A directory of ours, not a symbolic link; private: nobody else may even
 * look up names in it (mode 0700 or stricter). */
static int check_dir(const char *path, const char *what, int private, struct error *err)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		error_set(err, errno, "%s %s", what, path);
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		error_set(err, 0, "%s %s is a symbolic link: refusing it for sessions", what, path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		error_set(err, 0, "%s %s is not a directory", what, path);
		return -1;
	}
	if (st.st_uid != getuid()) {
		error_set(err, 0,
			  "%s %s belongs to uid %u, not to you (uid %u): refusing it for "
			  "sessions",
			  what, path, (unsigned)st.st_uid, (unsigned)getuid());
		return -1;
	}
	if (private && (st.st_mode & 077)) {
		error_set(err, 0,
			  "%s %s can be entered by other users (mode %03o): sessions need it "
			  "0700",
			  what, path, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

static int make_private_dir(const char *path, const char *what, struct error *err)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST) {
		error_set(err, errno, "creating %s %s", what, path);
		return -1;
	}
	return check_dir(path, what, 1, err);
}

static int base_dir(char *out, size_t size, struct error *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (xdg && xdg[0]) {
		if (xdg[0] != '/') {
			error_set(err, 0, "$XDG_RUNTIME_DIR (%s) is not an absolute path", xdg);
			return -1;
		}
		if (check_dir(xdg, "$XDG_RUNTIME_DIR", 1, err) < 0)
			return -1;
		snprintf(out, size, "%s/krunsh", xdg);
		return make_private_dir(out, "the sessions directory", err);
	}
	char run_user[64];
	snprintf(run_user, sizeof(run_user), "/run/user/%u", (unsigned)getuid());
	struct error ignored;
	if (check_dir(run_user, "", 1, &ignored) == 0) {
		snprintf(out, size, "%s/krunsh", run_user);
		return make_private_dir(out, "the sessions directory", err);
	}
	snprintf(out, size, "/tmp/krunsh-sessions-%u", (unsigned)getuid());
	return make_private_dir(out, "the sessions directory", err);
}

static int paths_fill(const char *name, struct keeper_paths *out, struct error *err)
{
	snprintf(out->name, sizeof(out->name), "%s", name);
	char dir[4096];
	if (base_dir(dir, sizeof(dir), err) < 0)
		return -1;
	struct sockaddr_un addr;
	if (strlen(dir) + 1 + strlen(name) + 5 >= sizeof(addr.sun_path)) {
		error_set(err, 0, "the sessions directory %s is too long for a socket path", dir);
		return -1;
	}
	snprintf(out->dir, sizeof(out->dir), "%s", dir);
	snprintf(out->socket, sizeof(out->socket), "%s/%s.sock", dir, name);
	snprintf(out->lock, sizeof(out->lock), "%s/%s.lock", dir, name);
	return 0;
}

int keeper_paths_find(const char *name, struct keeper_paths *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (keeper_name_check(name, err) < 0)
		return -1;
	return paths_fill(name, out, err);
}

/* A name no session can have (it starts with '.'). */
int keeper_paths_warm(struct keeper_paths *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	return paths_fill(".warm", out, err);
}
