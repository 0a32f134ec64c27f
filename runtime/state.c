/* A container's state on disk (runtime/state.h). state.json is written to
 * a temporary file and renamed, so a reader sees the old or the new. */
#include "runtime/state.h"
#include "util/path.h"
#include "util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int container_id_valid(const char *id)
{
	size_t n = strlen(id);
	return n > 0 && n <= 128 && strcmp(id, ".") != 0 && strcmp(id, "..") != 0 &&
	       strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

int container_dir_make(const char *root, const char *id, char *out, size_t size, struct error *err)
{
	if (!container_id_valid(id)) {
		error_set(err, 0,
			  "container id '%.140s': letters, digits, '_', '.', '-', at most 128", id);
		return -1;
	}
	/* The runc shim names a root none made yet (/run/containerd/runc/NS). */
	char partial[4096];
	text_format(partial, sizeof(partial), "%s", root);
	for (char *slash = partial + 1; (slash = strchr(slash, '/')); slash++) {
		*slash = '\0';
		mkdir(partial, 0711);
		*slash = '/';
	}
	if (mkdir(root, 0700) < 0 && errno != EEXIST) {
		error_set(err, errno, "state directory %s", root);
		return -1;
	}
	if (path_join(out, size, root, id, err) < 0)
		return -1;
	if (mkdir(out, 0700) < 0) {
		error_set(err, errno == EEXIST ? 0 : errno,
			  errno == EEXIST ? "container %s exists already" : "container %s", id);
		return -1;
	}
	return 0;
}

unsigned long long process_start_time(pid_t pid)
{
	char path[64], text[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	/* After the command's ")" (which may hold spaces and parentheses):
	 * field 3 the state, field 22 the start time. */
	char *p = strrchr(text, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;
	p += 2;
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	return p ? strtoull(p, NULL, 10) : 0;
}

static int state_path(const char *dir, char *out, size_t size, struct error *err)
{
	return path_join(out, size, dir, "state.json", err);
}

int container_save(const struct container *c, struct error *err)
{
	char path[4200], tmp[4300];
	if (state_path(c->dir, path, sizeof(path), err) < 0)
		return -1;
	text_format(tmp, sizeof(tmp), "%s.new", path);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "bundle", json_object_new_string(c->bundle));
	json_object_object_add(o, "pid", json_object_new_int64(c->pid));
	json_object_object_add(o, "start_time", json_object_new_uint64(c->start_time));
	json_object_object_add(o, "started", json_object_new_boolean(c->started));
	json_object_object_add(o, "created", json_object_new_string(c->created));
	int r = json_object_to_file_ext(tmp, o, JSON_C_TO_STRING_PLAIN);
	json_object_put(o);
	if (r < 0 || rename(tmp, path) < 0) {
		error_set(err, errno, "writing %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

static const char *string_of(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		   ? json_object_get_string(v)
		   : NULL;
}

int container_load(const char *root, const char *id, struct container *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	char path[4200];
	struct stat st;
	if (!container_id_valid(id) || path_join(out->dir, sizeof(out->dir), root, id, NULL) < 0 ||
	    state_path(out->dir, path, sizeof(path), NULL) < 0 || stat(path, &st) < 0) {
		error_set(err, 0, "container %.140s does not exist", id);
		return -1;
	}
	json_object *o = json_object_from_file(path), *v;
	const char *bundle = o ? string_of(o, "bundle") : NULL;
	const char *created = o ? string_of(o, "created") : NULL;
	if (!bundle || !created || !json_object_object_get_ex(o, "pid", &v)) {
		error_set(err, 0, "container %.140s: its state file %s is damaged", id, path);
		if (o)
			json_object_put(o);
		return -1;
	}
	out->pid = (pid_t)json_object_get_int64(v);
	if (json_object_object_get_ex(o, "start_time", &v))
		out->start_time = json_object_get_uint64(v);
	if (json_object_object_get_ex(o, "started", &v))
		out->started = json_object_get_boolean(v);
	text_format(out->id, sizeof(out->id), "%s", id);
	text_format(out->bundle, sizeof(out->bundle), "%s", bundle);
	text_format(out->created, sizeof(out->created), "%s", created);
	json_object_put(o);
	return 0;
}

enum container_status container_status(const struct container *c)
{
	if (c->pid <= 0 || !c->start_time || process_start_time(c->pid) != c->start_time)
		return CONTAINER_STOPPED;
	return c->started ? CONTAINER_RUNNING : CONTAINER_CREATED;
}

const char *container_status_name(enum container_status s)
{
	return s == CONTAINER_CREATED ? "created" : s == CONTAINER_RUNNING ? "running" : "stopped";
}

void container_remove(const struct container *c)
{
	static const char *const files[] = {"state.json", "state.json.new", "start.fifo"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4200];
		if (path_join(path, sizeof(path), c->dir, files[i], NULL) == 0)
			unlink(path);
	}
	rmdir(c->dir);
}
