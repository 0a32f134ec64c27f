#include "cli/exec_loop.h"

#include <errno.h>
#include <poll.h>

void exec_loop_run(krunsh_exec *exec, const struct exec_loop_source *source)
{
	struct pollfd fds[KRUNSH_EXEC_MAX_POLLFDS + 1];
	int timeout_ms, n;
	while ((n = krunsh_exec_pollfds(exec, fds, &timeout_ms)) > 0) {
		int own = source->fd(source->data), i_own = -1;
		if (own >= 0)
			fds[i_own = n++] = (struct pollfd){.fd = own, .events = POLLIN};
		if (poll(fds, (nfds_t)n, timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		if (i_own >= 0 && fds[i_own].revents)
			source->ready(source->data);
		if (krunsh_exec_dispatch(exec, fds))
			return;
	}
}
