/* Under TCG the guest's TSC is the host's. Telling the guest kernel its
 * frequency (tsc_early_khz) avoids a calibration that sometimes fails on
 * microvm, which has no other clock source: that failure hung early boot. */
#include "host_tsc.h"

#include <time.h>
#include <x86intrin.h>

unsigned long host_tsc_khz(void)
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
