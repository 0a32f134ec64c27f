/* Reads an OCI image layout: index.json names the manifest of a tag (its
 * org.opencontainers.image.ref.name), the manifest names the config; both
 * blobs are checked against their sha256 digests before they are used
 * (umoci checks the layers' as it unpacks them). */
#include "cli/oci/image_layout.h"
#include "cli/oci/small_file.h"
#include "util/path.h"
#include "util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* index.json, a manifest and an image config are small documents. */
#define LAYOUT_JSON_MAX (4 * 1024 * 1024)

static int read_small_file(const char *path, char **out, size_t *length, struct error *err)
{
	if (small_file_read(path, LAYOUT_JSON_MAX, 1, out, length, err) == 0)
		return 0;
	char line[sizeof(err->message)];
	text_format(line, sizeof(line), "image: %s", err->message);
	memcpy(err->message, line, sizeof(line));
	return -1;
}

static int parse(const char *what, const char *text, json_object **out, struct error *err)
{
	enum json_tokener_error jerr;
	*out = json_tokener_parse_verbose(text, &jerr);
	if (!*out || !json_object_is_type(*out, json_type_object)) {
		error_set(err, 0, "image: %s is not a JSON object%s%s", what, *out ? "" : ": ",
			  *out ? "" : json_tokener_error_desc(jerr));
		if (*out)
			json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* "sha256:HEX" -> HEX, checked. */
static const char *digest_hex(json_object *descriptor)
{
	json_object *d;
	if (!json_object_object_get_ex(descriptor, "digest", &d) ||
	    !json_object_is_type(d, json_type_string))
		return NULL;
	const char *s = json_object_get_string(d);
	if (strncmp(s, "sha256:", 7) != 0 || strlen(s + 7) != IMAGE_DIGEST_HEX ||
	    strspn(s + 7, "0123456789abcdef") != IMAGE_DIGEST_HEX)
		return NULL;
	return s + 7;
}

int image_sha256_hex(const char *data, size_t length, char out[IMAGE_DIGEST_HEX + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_length = 0;
	if (!EVP_Digest(data, length, md, &md_length, EVP_sha256(), NULL) || md_length != 32)
		return -1;
	for (unsigned i = 0; i < md_length; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* The blob a descriptor names, checked against its digest, parsed. */
static int read_blob(const char *dir, json_object *descriptor, const char *what, json_object **out,
		     char hex_out[IMAGE_DIGEST_HEX + 1], struct error *err)
{
	const char *hex = digest_hex(descriptor);
	if (!hex) {
		error_set(err, 0, "image: the %s's digest is not sha256:HEX", what);
		return -1;
	}
	char blob[IMAGE_DIGEST_HEX + 16], path[4096], *text;
	size_t length;
	text_format(blob, sizeof(blob), "blobs/sha256/%s", hex);
	if (path_join(path, sizeof(path), dir, blob, err) < 0 ||
	    read_small_file(path, &text, &length, err) < 0)
		return -1;
	char actual[IMAGE_DIGEST_HEX + 1];
	if (image_sha256_hex(text, length, actual) < 0 || strcmp(actual, hex) != 0) {
		error_set(err, 0, "image: the %s blob sha256:%.12s... does not match its digest",
			  what, hex);
		free(text);
		return -1;
	}
	int r = parse(what, text, out, err);
	free(text);
	if (r == 0 && hex_out)
		memcpy(hex_out, hex, IMAGE_DIGEST_HEX + 1);
	return r;
}

/* The index's manifest named tag (the only one, if the index has one
 * manifest and no tag is asked for). */
static json_object *find_manifest(json_object *index, const char *tag)
{
	json_object *manifests;
	if (!json_object_object_get_ex(index, "manifests", &manifests) ||
	    !json_object_is_type(manifests, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(manifests); i++) {
		json_object *m = json_object_array_get_idx(manifests, i), *annotations, *name;
		if (json_object_object_get_ex(m, "annotations", &annotations) &&
		    json_object_object_get_ex(annotations, "org.opencontainers.image.ref.name",
					      &name) &&
		    json_object_is_type(name, json_type_string) &&
		    strcmp(json_object_get_string(name), tag) == 0)
			return m;
	}
	return NULL;
}

static json_object *member(json_object *obj, const char *key, json_type type)
{
	json_object *v;
	return obj && json_object_object_get_ex(obj, key, &v) && json_object_is_type(v, type)
		   ? v
		   : NULL;
}

int image_layout_read(const char *dir, const char *tag, struct image_config *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	char path[4096], *text;
	size_t length;
	json_object *index = NULL, *manifest = NULL;
	if (path_join(path, sizeof(path), dir, "index.json", err) < 0 ||
	    read_small_file(path, &text, &length, err) < 0)
		return -1;
	int r = parse("index.json", text, &index, err);
	free(text);
	if (r < 0)
		return -1;
	json_object *descriptor = find_manifest(index, tag);
	if (!descriptor) {
		error_set(err, 0, "image: no tag %.100s in %.200s/index.json", tag, dir);
		goto failed;
	}
	if (read_blob(dir, descriptor, "manifest", &manifest, out->manifest_digest, err) < 0)
		goto failed;
	json_object *config = member(manifest, "config", json_type_object);
	if (!config) {
		error_set(err, 0, "image: the manifest names no config");
		goto failed;
	}
	if (read_blob(dir, config, "config", &out->config, NULL, err) < 0)
		goto failed;
	json_object *c = member(out->config, "config", json_type_object);
	out->entrypoint = member(c, "Entrypoint", json_type_array);
	out->cmd = member(c, "Cmd", json_type_array);
	out->env = member(c, "Env", json_type_array);
	json_object *s;
	if ((s = member(c, "WorkingDir", json_type_string)) && json_object_get_string(s)[0])
		out->workdir = json_object_get_string(s);
	if ((s = member(c, "User", json_type_string)) && json_object_get_string(s)[0])
		out->user = json_object_get_string(s);
	json_object_put(index);
	json_object_put(manifest);
	return 0;
failed:
	json_object_put(index);
	if (manifest)
		json_object_put(manifest);
	image_config_free(out);
	return -1;
}

void image_config_free(struct image_config *c)
{
	if (c->config)
		json_object_put(c->config);
	memset(c, 0, sizeof(*c));
}
