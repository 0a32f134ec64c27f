/* An OCI image layout directory (index.json, blobs/): the manifest a tag
 * names and the image's config, each checked against its digest. */
#ifndef KRUNSH_OCI_IMAGE_LAYOUT_H
#define KRUNSH_OCI_IMAGE_LAYOUT_H

#include "util/error.h"

#include <json-c/json.h>
#include <stddef.h>

#define IMAGE_DIGEST_HEX 64

struct image_config {
	char manifest_digest[IMAGE_DIGEST_HEX + 1]; /* sha256, hex */
	json_object *config;			    /* the config blob, parsed */
	/* Into config (NULL when absent): */
	json_object *entrypoint, *cmd, *env; /* arrays of strings */
	const char *workdir, *user;
};

/* The image TAG of the layout at dir. 0, or -1 with err. */
int image_layout_read(const char *dir, const char *tag, struct image_config *out,
		      struct error *err);
void image_config_free(struct image_config *c);
/* The sha256 of data, in hex; -1 if libcrypto fails. */
int image_sha256_hex(const char *data, size_t length, char out[IMAGE_DIGEST_HEX + 1]);

#endif
