/* libFuzzer target for --bundle's config.json reader (cli/oci/): any
 * bytes as config.json must give 0 or a one-line error, never a crash,
 * a leak or a read out of bounds. The bundle's rootfs is an empty
 * directory made once. */
#include "cli/oci/bundle.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/krunsh-fuzz-bundle.XXXXXX");
		if (!mkdtemp(dir))
			abort();
		char rootfs[96];
		snprintf(rootfs, sizeof(rootfs), "%s/rootfs", dir);
		mkdir(rootfs, 0755);
	}
	char path[96];
	snprintf(path, sizeof(path), "%s/config.json", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	struct options opts;
	memset(&opts, 0, sizeof(opts));
	struct bundle_overrides given = {0};
	struct error err = {0};
	if (bundle_apply(dir, &given, &opts, &err) < 0 && !err.message[0])
		abort(); /* a failure always says why */
	if (strchr(err.message, '\n'))
		abort(); /* in one line */
	bundle_free(&opts);
	resource_list_free(&opts.vm.resources);
	rlimit_list_free(&opts.rlimits);
	free(opts.proc.host_env);
	return 0;
}
