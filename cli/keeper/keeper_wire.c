#include "cli/keeper/keeper_wire.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Only as much of text as is used travels. */
static size_t message_length(const struct keeper_message *m)
{
	return offsetof(struct keeper_message, text) + strnlen(m->text, sizeof(m->text) - 1) + 1;
}

int keeper_send(int fd, const struct keeper_message *m, const int *fds, int fd_count)
{
	struct iovec iov = {.iov_base = (void *)m, .iov_len = message_length(m)};
	union {
		char buf[CMSG_SPACE(sizeof(int) * KEEPER_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	if (fd_count > 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)fd_count);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)fd_count);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)fd_count);
	}
	ssize_t n;
	do
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -1 : 0;
}

static int wait_readable(int fd, int timeout_ms, int cancel_fd)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = cancel_fd, .events = POLLIN}};
	for (;;) {
		int r = poll(p, cancel_fd >= 0 ? 2 : 1, timeout_ms);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (cancel_fd >= 0 && p[1].revents)
			return -2;
		return 0;
	}
}

int keeper_receive(int fd, struct keeper_message *m, int fds[KEEPER_MAX_FDS], int timeout_ms,
		   int cancel_fd)
{
	for (int i = 0; i < KEEPER_MAX_FDS; i++)
		fds[i] = -1;
	int w = wait_readable(fd, timeout_ms, cancel_fd);
	if (w < 0)
		return w;
	memset(m, 0, offsetof(struct keeper_message, text) + 1);
	struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
	union {
		char buf[CMSG_SPACE(sizeof(int) * KEEPER_MAX_FDS)];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf)};
	ssize_t n;
	do
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	int received = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[KEEPER_MAX_FDS * 4];
		if (count > sizeof(got) / sizeof(got[0]))
			count = sizeof(got) / sizeof(got[0]);
		memcpy(got, CMSG_DATA(c), count * sizeof(int));
		for (size_t i = 0; i < count; i++) {
			if (received < KEEPER_MAX_FDS)
				fds[received++] = got[i];
			else
				close(got[i]);
		}
	}
	size_t header = offsetof(struct keeper_message, text);
	int well_formed = n > (ssize_t)header && !(msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
			  m->version == KEEPER_WIRE_VERSION &&
			  memchr(m->text, '\0', (size_t)n - header) &&
			  memchr(m->engine, '\0', sizeof(m->engine));
	if (!well_formed) {
		for (int i = 0; i < received; i++) {
			close(fds[i]);
			fds[i] = -1;
		}
		return 0;
	}
	return 1;
}

pid_t keeper_peer_check(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != getuid())
		return -1;
	return cred.pid;
}
