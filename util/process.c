#include "util/process.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static int compare_fds(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void process_close_inherited_fds(const int *keep, int keep_count)
{
	int sorted[PROCESS_MAX_KEPT_FDS];
	int n = 0;
	for (int i = 0; i < keep_count && n < PROCESS_MAX_KEPT_FDS; i++)
		if (keep[i] > 2)
			sorted[n++] = keep[i];
	qsort(sorted, (size_t)n, sizeof(int), compare_fds);
	unsigned from = 3;
	for (int i = 0; i <= n; i++) {
		unsigned to = i < n ? (unsigned)sorted[i] - 1 : ~0u;
		if (i < n && (unsigned)sorted[i] < from)
			continue;
		if (to >= from && syscall(SYS_close_range, from, to, 0) < 0) {
			/* Kernels before 5.9: one by one, up to the limit. */
			long max = sysconf(_SC_OPEN_MAX);
			for (long fd = from; fd <= (long)to && fd < max; fd++)
				close((int)fd);
		}
		if (i < n)
			from = (unsigned)sorted[i] + 1;
	}
}

void process_reset_signals(void)
{
	/* Default dispositions first, then unblock: a signal pending from
	 * the blocked fork must not reach krunsh's handlers in the child. */
	for (int s = 1; s < NSIG; s++) {
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	}
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
