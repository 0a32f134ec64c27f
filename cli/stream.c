#include "cli/stream.h"
#include "cli/exec_loop.h"

#include <errno.h>
#include <unistd.h>

/* Input is read only while less than this waits to reach the guest: a
 * fast writer and a slow guest keep krunsh's memory bounded. */
#define STREAM_UNSENT_MAX (256u * 1024u)

struct feed {
	krunsh_exec *exec;
	int in; /* -1 once the input has ended (or the library refused it) */
	struct error *read_failed;
};

/* stdin is read only while the guest keeps up. */
static int feed_fd(void *data)
{
	struct feed *f = data;
	return f->in >= 0 && krunsh_exec_unsent(f->exec) < STREAM_UNSENT_MAX ? f->in : -1;
}

/* One read's worth to the guest; the input's end (or a piece the library
 * refused: it ended the feed then) ends the feed. */
static void feed_ready(void *data)
{
	struct feed *f = data;
	static char buf[64 * 1024];
	ssize_t n = read(f->in, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0)
		error_set(f->read_failed, errno, "reading the commands");
	if (n <= 0) {
		(void)krunsh_exec_feed_end(f->exec);
		f->in = -1;
	} else if (krunsh_exec_feed(f->exec, buf, (size_t)n) < 0) {
		f->in = -1;
	}
}

void stream_run(krunsh_exec *exec, int in, struct error *read_failed)
{
	struct feed f = {exec, in, read_failed};
	exec_loop_run(exec, &(struct exec_loop_source){feed_fd, feed_ready, &f});
}
