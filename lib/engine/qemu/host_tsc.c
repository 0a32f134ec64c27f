/* Under TCG the guest's TSC is the host's. Telling the guest kernel its
 * frequency (tsc_early_khz) avoids a calibration that sometimes fails on
 * microvm, which has no other clock source: that failure hung early boot. */
#include "lib/engine/qemu/host_tsc.h"
#include "lib/guest/paths.h"
#include "util/path.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static unsigned long measure_tsc_khz(void)
{
	struct timespec a, b, pause = {0, 10 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	unsigned long long t0 = __rdtsc();
	nanosleep(&pause, NULL);
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	unsigned long long t1 = __rdtsc();
	double ns = (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
	if (ns <= 0)
		return 0;
	return (unsigned long)((double)(t1 - t0) / ns * 1e6);
}

static int read_boot_id(char *out, size_t size)
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (!f)
		return -1;
	int ok = fgets(out, (int)size, f) != NULL;
	fclose(f);
	out[strcspn(out, "\n")] = '\0';
	return ok ? 0 : -1;
}

/* The measurement sleeps 10 ms; the frequency does not change while the
 * host runs, so it is kept per boot in the cache directory. */
unsigned long host_tsc_khz(void)
{
	char boot_id[64], dir[PATH_MAX], path[PATH_MAX], line[128];
	struct error err = {0};
	if (read_boot_id(boot_id, sizeof(boot_id)) < 0 || cache_dir(dir, sizeof(dir), &err) < 0 ||
	    path_join(path, sizeof(path), dir, "tsc-khz", NULL) < 0)
		return measure_tsc_khz();
	FILE *f = fopen(path, "re");
	if (f) {
		char id[64];
		unsigned long khz = 0;
		int hit = fgets(line, sizeof(line), f) && sscanf(line, "%63s %lu", id, &khz) == 2 &&
			  strcmp(id, boot_id) == 0 && khz > 0;
		fclose(f);
		if (hit)
			return khz;
	}
	unsigned long khz = measure_tsc_khz();
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s.%ld", path, (long)getpid());
	f = n > 0 && (size_t)n < sizeof(tmp) ? fopen(tmp, "we") : NULL;
	if (f) {
		fprintf(f, "%s %lu\n", boot_id, khz);
		if (fclose(f) == 0)
			rename(tmp, path);
		else
			unlink(tmp);
	}
	return khz;
}
