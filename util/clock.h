/* Time as the library and the command measure it. */
#ifndef KRUNSH_UTIL_CLOCK_H
#define KRUNSH_UTIL_CLOCK_H

/* CLOCK_MONOTONIC, in seconds: deadlines and durations. */
double monotonic_seconds(void);

#endif
