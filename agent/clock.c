/* The guest's wall clock, from the host's. A VM's clock starts from its
 * RTC, which has whole seconds only, so without this the guest runs up to a
 * second behind the host, and make in a volume sees files from the future
 * ("Clock skew detected"). The host sends its CLOCK_REALTIME (FRAME_CLOCK)
 * as soon as our hello arrives; we read it later (after the root is set up
 * and the job is read), so the time since the hello is added. */
#include "agent/agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static struct timespec hello_sent;

void clock_mark_hello(void)
{
	clock_gettime(CLOCK_MONOTONIC, &hello_sent);
}

int clock_set_from_host(uint64_t host_nanoseconds, char *error, size_t error_size)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t elapsed = (int64_t)(now.tv_sec - hello_sent.tv_sec) * 1000000000 +
			  (now.tv_nsec - hello_sent.tv_nsec);
	uint64_t t = host_nanoseconds + (uint64_t)(elapsed > 0 ? elapsed : 0);
	struct timespec set = {.tv_sec = (time_t)(t / 1000000000u),
			       .tv_nsec = (long)(t % 1000000000u)};
	if (clock_settime(CLOCK_REALTIME, &set) < 0) {
		snprintf(error, error_size, "setting the guest clock: %s", strerror(errno));
		return -1;
	}
	return 0;
}
