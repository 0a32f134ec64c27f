/* krunsh --image REF: a container image already on this machine, booted
 * read-only with the throw-away overlay as --root boots a tree. The image
 * is unpacked once (umoci: whiteouts and opaque directories as the image
 * spec says) into a cache keyed by its manifest's digest; its Entrypoint,
 * Cmd, Env, WorkingDir and User apply as podman run applies them. */
#ifndef KRUNSH_OCI_IMAGE_H
#define KRUNSH_OCI_IMAGE_H

#include "cli/oci/bundle.h"

/* What the flags set that the image must not override, and how the run
 * asks for the image's own command. */
struct image_request {
	const char *ref; /* oci:DIR[:TAG], docker-archive:FILE, containers-storage:NAME, NAME */
	struct bundle_overrides given;
	int image_command; /* a bare "--": Entrypoint + Cmd */
	char **args;	   /* "-- ARGS": Entrypoint + ARGS (NULL: none) */
};

/* Finds or unpacks the image and fills opts (opts->image keeps what they
 * point into and a shared lock on the cache entry until image_free). 0, or
 * -1 with err. */
int image_apply(const struct image_request *req, struct options *opts, struct error *err);
void image_free(struct options *opts);
/* --image-prune: removes every cached image no run is using; says how
 * many. 0, or -1 with err. */
int image_prune(const struct options *opts, struct error *err);

#endif
