/* libFuzzer target for --image's layout reader (cli/oci/image_layout.c):
 * any bytes as index.json, or as the manifest blob it names, give 0 or a
 * one-line error: never a crash, a leak or an out-of-bounds read. The
 * first input byte picks which file the rest becomes. */
#include "cli/oci/image_layout.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void put(const char *name, const void *data, size_t size)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/krunsh-fuzz-layout.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		char blobs[128];
		snprintf(blobs, sizeof(blobs), "%s/blobs", dir);
		mkdir(blobs, 0700);
		snprintf(blobs, sizeof(blobs), "%s/blobs/sha256", dir);
		mkdir(blobs, 0700);
	}
	if (size == 0)
		return 0;
	if (data[0] & 1) {
		put("index.json", data + 1, size - 1);
	} else {
		/* A manifest blob under its true digest, named by the index. */
		unsigned char md[32];
		unsigned n;
		EVP_Digest(data + 1, size - 1, md, &n, EVP_sha256(), NULL);
		char hex[65], name[96], index[256];
		for (int i = 0; i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		snprintf(name, sizeof(name), "blobs/sha256/%s", hex);
		put(name, data + 1, size - 1);
		int len = snprintf(index, sizeof(index),
				   "{\"manifests\":[{\"digest\":\"sha256:%s\",\"annotations\":"
				   "{\"org.opencontainers.image.ref.name\":\"t\"}}]}",
				   hex);
		put("index.json", index, (size_t)len);
	}
	struct image_config config;
	struct error err = {0};
	if (image_layout_read(dir, "t", &config, &err) == 0)
		image_config_free(&config);
	else if (!err.message[0] || strchr(err.message, '\n'))
		abort();
	return 0;
}
