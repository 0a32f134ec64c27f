#include "cli/stream.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

/* Input is read only while less than this waits to reach the guest: a
 * fast writer and a slow guest keep krunsh's memory bounded. */
#define STREAM_UNSENT_MAX (256u * 1024u)

/* One read's worth to the guest; -1 once the input has ended (or the
 * library refused it: it ended the feed then). */
static int read_input(krunsh_exec *exec, int in, struct error *read_failed)
{
	static char buf[64 * 1024];
	ssize_t n = read(in, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return in;
	if (n < 0)
		error_set(read_failed, errno, "reading the commands");
	if (n <= 0) {
		(void)krunsh_exec_feed_end(exec);
		return -1;
	}
	return krunsh_exec_feed(exec, buf, (size_t)n) < 0 ? -1 : in;
}

void stream_run(krunsh_exec *exec, int in, struct error *read_failed)
{
	struct pollfd fds[KRUNSH_EXEC_MAX_POLLFDS + 1];
	int timeout_ms, n;
	while ((n = krunsh_exec_pollfds(exec, fds, &timeout_ms)) > 0) {
		int i_in = -1;
		if (in >= 0 && krunsh_exec_unsent(exec) < STREAM_UNSENT_MAX)
			fds[i_in = n++] = (struct pollfd){.fd = in, .events = POLLIN};
		if (poll(fds, (nfds_t)n, timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			return; /* krunsh_exec_finish waits for the end */
		}
		if (i_in >= 0 && fds[i_in].revents)
			in = read_input(exec, in, read_failed);
		if (krunsh_exec_dispatch(exec, fds))
			return;
	}
}
