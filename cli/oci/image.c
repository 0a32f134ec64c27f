/* --image REF: which image, its cache entry, and what its config asks of
 * the run. An OCI layout is read in place; a docker/podman save archive
 * or an image in podman's storage is copied into one by skopeo (Debian's
 * package) only when the cache does not have it yet: the cache key is the
 * digest of the manifest as the source stores it. */
#include "cli/oci/image.h"
#include "cli/oci/image_cache.h"
#include "util/path.h"
#include "util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct image {
	char root[4096];
	int lock_fd;
	json_object *config; /* the image's config, as cached */
	char **argv, **env;  /* NULL-terminated, pointing into config */
	char *user;
};

/* The source, as the tools name it. */
struct image_source {
	char layout[4096]; /* oci: the layout's directory */
	char tag[256];
	char skopeo_ref[4200]; /* else: what skopeo copies from */
};

static int parse_ref(const char *ref, struct image_source *src, struct error *err)
{
	memset(src, 0, sizeof(*src));
	if (strncmp(ref, "oci:", 4) == 0) {
		const char *rest = ref + 4, *colon = strrchr(rest, ':');
		/* oci:DIR:TAG; a ':' inside DIR is one before a '/'. */
		size_t dir_length =
		    colon && !strchr(colon, '/') ? (size_t)(colon - rest) : strlen(rest);
		if (dir_length == 0 || dir_length >= sizeof(src->layout)) {
			error_set(err, 0, "--image %s: expected oci:DIR[:TAG]", ref);
			return -1;
		}
		memcpy(src->layout, rest, dir_length);
		text_format(src->tag, sizeof(src->tag), "%s",
			    dir_length < strlen(rest) ? rest + dir_length + 1 : "latest");
		if (!src->tag[0]) {
			error_set(err, 0, "--image %s: an empty tag", ref);
			return -1;
		}
		return 0;
	}
	if (strncmp(ref, "docker-archive:", 15) == 0 || strncmp(ref, "oci-archive:", 12) == 0 ||
	    strncmp(ref, "containers-storage:", 19) == 0) {
		text_format(src->skopeo_ref, sizeof(src->skopeo_ref), "%s", ref);
		return 0;
	}
	if (!ref[0] || strchr(ref, ' ') || strncmp(ref, "docker://", 9) == 0) {
		error_set(err, 0,
			  "--image %s: expected oci:DIR[:TAG], docker-archive:FILE, "
			  "oci-archive:FILE or an image in podman's storage (no registry is used)",
			  ref);
		return -1;
	}
	/* A bare name: podman's local storage, as podman run would look. */
	text_format(src->skopeo_ref, sizeof(src->skopeo_ref), "containers-storage:%s", ref);
	return 0;
}

/* The cache key of a skopeo source: its manifest's digest, as stored. */
static int source_key(const struct image_source *src, char key[IMAGE_DIGEST_HEX + 1],
		      struct error *err)
{
	static char manifest[4 * 1024 * 1024];
	size_t length = 0;
	const char *argv[] = {"skopeo", "inspect", "--raw", src->skopeo_ref, NULL};
	if (image_tool_run(argv, manifest, sizeof(manifest), &length, err) < 0)
		return -1;
	if (length == 0 || length == sizeof(manifest) ||
	    image_sha256_hex(manifest, length, key) < 0) {
		error_set(err, 0, "--image %s: no manifest", src->skopeo_ref);
		return -1;
	}
	return 0;
}

struct fill {
	const struct image_source *src;
	const struct image_config *config; /* oci: read already */
};

static int write_file(const char *dir, const char *name, const char *text, struct error *err)
{
	char path[4096];
	if (path_join(path, sizeof(path), dir, name, err) < 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	size_t length = strlen(text), done = 0;
	ssize_t n = 0;
	while (fd >= 0 && done < length && (n = write(fd, text + done, length - done)) > 0)
		done += (size_t)n;
	if (fd < 0 || done < length || close(fd) < 0) {
		error_set(err, errno, "image cache: writing %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return 0;
}

/* Unpacks into dir: the rootfs (umoci), and the image's config beside. */
static int fill_entry(const char *dir, void *data, struct error *err)
{
	struct fill *f = data;
	const char *layout = f->src->layout, *tag = f->src->tag;
	char copied[4096] = "";
	struct image_config read = {0};
	const struct image_config *config = f->config;
	if (f->src->skopeo_ref[0]) {
		/* Beside the entry, in the cache: removed whatever happens. */
		text_format(copied, sizeof(copied), "%s.layout", dir);
		char dest[4200];
		text_format(dest, sizeof(dest), "oci:%s:krunsh", copied);
		const char *argv[] = {"skopeo", "copy", "--quiet", f->src->skopeo_ref, dest, NULL};
		if (image_tool_run(argv, NULL, 0, NULL, err) < 0 ||
		    image_layout_read(copied, "krunsh", &read, err) < 0)
			goto failed;
		layout = copied;
		tag = "krunsh";
		config = &read;
	}
	char image[4400];
	text_format(image, sizeof(image), "%s:%s", layout, tag);
	const char *argv[] = {"umoci", "unpack", "--image", image, dir, NULL};
	const char *rootless[] = {"umoci", "unpack", "--rootless", "--image", image, dir, NULL};
	if (image_tool_run(geteuid() == 0 ? argv : rootless, NULL, 0, NULL, err) < 0 ||
	    write_file(dir, "image-config.json",
		       json_object_to_json_string_ext(config->config, JSON_C_TO_STRING_PLAIN),
		       err) < 0)
		goto failed;
	image_config_free(&read);
	if (copied[0])
		image_cache_remove(copied);
	return 0;
failed:
	image_config_free(&read);
	if (copied[0])
		image_cache_remove(copied);
	return -1;
}

static json_object *read_cached_config(const char *entry, struct error *err)
{
	char path[4096];
	if (path_join(path, sizeof(path), entry, "image-config.json", err) < 0)
		return NULL;
	json_object *c = json_object_from_file(path);
	if (!c || !json_object_is_type(c, json_type_object)) {
		error_set(err, 0, "image cache: %s is damaged; krunsh --image-prune removes it",
			  path);
		if (c)
			json_object_put(c);
		return NULL;
	}
	return c;
}

static json_object *config_member(json_object *image_config, const char *key, json_type type)
{
	json_object *c, *v;
	if (!json_object_object_get_ex(image_config, "config", &c) ||
	    !json_object_object_get_ex(c, key, &v) || !json_object_is_type(v, type))
		return NULL;
	return v;
}

/* Appends a JSON array of strings to a NULL-terminated list. */
static int append_strings(char ***list, size_t *count, json_object *array)
{
	size_t n = array ? json_object_array_length(array) : 0;
	char **grown = realloc(*list, (*count + n + 1) * sizeof(char *));
	if (!grown)
		return -1;
	*list = grown;
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(array, i);
		if (json_object_is_type(s, json_type_string))
			grown[(*count)++] = (char *)json_object_get_string(s);
	}
	grown[*count] = NULL;
	return 0;
}

/* What podman run takes from the image: Env, WorkingDir, User, and
 * Entrypoint + Cmd (or + the run's own arguments). */
static int apply_config(const struct image_request *req, struct image *im, struct options *opts,
			struct error *err)
{
	size_t env_count = 0, argc = 0;
	if (append_strings(&im->env, &env_count,
			   config_member(im->config, "Env", json_type_array)) < 0)
		goto nomem;
	opts->proc.host_env = im->env; /* cli_free's from here on */
	im->env = NULL;
	json_object *wd = config_member(im->config, "WorkingDir", json_type_string);
	if (!req->given.workdir)
		opts->proc.workdir =
		    wd && json_object_get_string(wd)[0] == '/' ? json_object_get_string(wd) : "/";
	json_object *user = config_member(im->config, "User", json_type_string);
	if (!req->given.user && user && json_object_get_string(user)[0] &&
	    cli_user_lookup(json_object_get_string(user), im->root, &opts->proc, err) < 0)
		return -1;
	if (!req->image_command && !req->args)
		return 0;
	if (append_strings(&im->argv, &argc,
			   config_member(im->config, "Entrypoint", json_type_array)) < 0)
		goto nomem;
	if (req->args) {
		for (char **a = req->args; *a; a++) {
			char **grown = realloc(im->argv, (argc + 2) * sizeof(char *));
			if (!grown)
				goto nomem;
			im->argv = grown;
			im->argv[argc++] = *a;
			im->argv[argc] = NULL;
		}
	} else if (append_strings(&im->argv, &argc,
				  config_member(im->config, "Cmd", json_type_array)) < 0) {
		goto nomem;
	}
	if (argc == 0) {
		error_set(err, 0, "--image %s: the image has no Entrypoint or Cmd to run",
			  req->ref);
		return -1;
	}
	opts->proc.mode = INPUT_EXEC;
	opts->proc.exec_argv = im->argv;
	return 0;
nomem:
	error_set(err, ENOMEM, "--image");
	return -1;
}

int image_apply(const struct image_request *req, struct options *opts, struct error *err)
{
	struct image *im = calloc(1, sizeof(*im));
	if (!im) {
		error_set(err, ENOMEM, "--image");
		return -1;
	}
	im->lock_fd = -1;
	opts->image = im;
	struct image_source src;
	struct image_config layout_config = {0};
	char key[IMAGE_DIGEST_HEX + 1], entry[4096];
	if (parse_ref(req->ref, &src, err) < 0)
		return -1;
	if (src.layout[0]) {
		if (image_layout_read(src.layout, src.tag, &layout_config, err) < 0)
			return -1;
		memcpy(key, layout_config.manifest_digest, sizeof(key));
	} else if (source_key(&src, key, err) < 0) {
		return -1;
	}
	struct fill fill = {.src = &src, .config = &layout_config};
	int made;
	double started = now();
	int r =
	    image_cache_get(key, fill_entry, &fill, entry, sizeof(entry), &im->lock_fd, &made, err);
	image_config_free(&layout_config);
	if (r < 0) {
		char line[sizeof(err->message)];
		text_format(line, sizeof(line), "--image %s: %s", req->ref, err->message);
		memcpy(err->message, line, sizeof(line));
		return -1;
	}
	log_verbose_message("image %s: sha256:%.12s %s in %.2f s", req->ref, key,
			    made ? "unpacked" : "cached", now() - started);
	if (path_join(im->root, sizeof(im->root), entry, "rootfs", err) < 0 ||
	    !(im->config = read_cached_config(entry, err)))
		return -1;
	opts->vm.root_dir = im->root;
	return apply_config(req, im, opts, err);
}

void image_free(struct options *opts)
{
	struct image *im = opts->image;
	if (!im)
		return;
	if (im->lock_fd >= 0)
		close(im->lock_fd);
	if (im->config)
		json_object_put(im->config);
	free(im->argv);
	free(im->env);
	free(im);
	opts->image = NULL;
}

int image_prune(const struct options *opts, struct error *err)
{
	(void)opts;
	size_t removed;
	if (image_cache_prune(&removed, err) < 0)
		return -1;
	printf("krunsh: removed %zu unpacked image%s not in use\n", removed,
	       removed == 1 ? "" : "s");
	return 0;
}
