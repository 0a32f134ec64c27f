#include "lib/net/net_relay.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define LENGTH_FIELD 4
/* Two whole frames: after moving a partial frame to the front, the rest of
 * it always fits. */
#define BUFFER_SIZE (2 * (LENGTH_FIELD + NET_RELAY_FRAME_MAX))

struct buffer {
	size_t start, end;
	uint8_t data[BUFFER_SIZE];
};

struct relay {
	struct buffer from_guest; /* raw stream from the VMM, not yet judged */
	struct buffer to_passt;	  /* frames that passed, not yet written */
	struct buffer to_guest;	  /* passt's stream, passed through as it is */
};

static size_t buffered(const struct buffer *b)
{
	return b->end - b->start;
}

/* Moves what is left to the front, once the tail has no room. */
static void make_room(struct buffer *b, size_t needed)
{
	if (BUFFER_SIZE - b->end >= needed || b->start == 0)
		return;
	memmove(b->data, b->data + b->start, buffered(b));
	b->end -= b->start;
	b->start = 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Judges every whole frame in from_guest that to_passt has room for. */
static enum net_relay_end judge_frames(struct relay *r, const struct frame_filter *filter,
				       int log_fd, struct net_relay_stats *stats)
{
	struct buffer *in = &r->from_guest, *out = &r->to_passt;
	while (buffered(in) >= LENGTH_FIELD) {
		uint32_t length = be32(in->data + in->start);
		if (length > NET_RELAY_FRAME_MAX)
			return NET_RELAY_BAD_LENGTH;
		size_t whole = LENGTH_FIELD + (size_t)length;
		if (buffered(in) < whole)
			break;
		const uint8_t *frame = in->data + in->start + LENGTH_FIELD;
		const char *reason = NULL;
		if (frame_filter_classify(filter, frame, length, &reason) == FRAME_PASS) {
			make_room(out, whole);
			if (BUFFER_SIZE - out->end < whole)
				break; /* passt is behind: wait for it */
			memcpy(out->data + out->end, in->data + in->start, whole);
			out->end += whole;
			stats->passed++;
		} else {
			stats->refused++;
			stats->last_refusal = reason;
			if (log_fd >= 0 && stats->refused <= NET_RELAY_REFUSALS_LOGGED)
				net_relay_say(log_fd,
					      "krunsh: network filter: refused a guest frame: %s%s\n",
					reason,
					stats->refused == NET_RELAY_REFUSALS_LOGGED ? " (no more said)"
										    : "");
		}
		in->start += whole;
	}
	if (!buffered(in))
		in->start = in->end = 0;
	make_room(in, LENGTH_FIELD + NET_RELAY_FRAME_MAX);
	return NET_RELAY_CLOSED;
}

/* One line with write(2) alone: dprintf's stdio would make system calls
 * (fstat) the relay's seccomp filter kills it for. */
void net_relay_say(int fd, const char *format, ...)
{
	char line[256];
	va_list args;
	va_start(args, format);
	int n = vsnprintf(line, sizeof(line), format, args);
	va_end(args);
	if (n > 0)
		(void)!write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

/* 1: read something, 0: nothing now, -1: closed or failed. */
static int fill(int fd, struct buffer *b)
{
	make_room(b, BUFFER_SIZE / 2);
	if (b->end == BUFFER_SIZE)
		return 0;
	ssize_t n = recv(fd, b->data + b->end, BUFFER_SIZE - b->end, MSG_DONTWAIT);
	if (n > 0) {
		b->end += (size_t)n;
		return 1;
	}
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	return -1;
}

static int drain(int fd, struct buffer *b)
{
	ssize_t n = send(fd, b->data + b->start, buffered(b), MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n >= 0) {
		b->start += (size_t)n;
		if (!buffered(b))
			b->start = b->end = 0;
		return 0;
	}
	return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
}

static enum net_relay_end relay_loop(struct relay *r, const struct frame_filter *filter,
				     int vmm_fd, int passt_fd, int log_fd,
				     struct net_relay_stats *stats)
{
	for (;;) {
		if (judge_frames(r, filter, log_fd, stats) == NET_RELAY_BAD_LENGTH)
			return NET_RELAY_BAD_LENGTH;
		/* Each side is read only while there is room for what it
		 * sends: a side that stops reading stops the other. */
		struct pollfd p[2] = {
		    {.fd = vmm_fd,
		     .events = (short)((BUFFER_SIZE - buffered(&r->from_guest) > 0 ? POLLIN : 0) |
				       (buffered(&r->to_guest) ? POLLOUT : 0))},
		    {.fd = passt_fd,
		     .events = (short)((BUFFER_SIZE - buffered(&r->to_guest) > 0 ? POLLIN : 0) |
				       (buffered(&r->to_passt) ? POLLOUT : 0))},
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return NET_RELAY_CLOSED;
		}
		for (int i = 0; i < 2; i++)
			if (p[i].revents & (POLLERR | POLLNVAL))
				return NET_RELAY_CLOSED;
		if ((p[0].revents & (POLLIN | POLLHUP)) && fill(vmm_fd, &r->from_guest) < 0)
			return NET_RELAY_CLOSED;
		if ((p[1].revents & (POLLIN | POLLHUP)) && fill(passt_fd, &r->to_guest) < 0)
			return NET_RELAY_CLOSED;
		if ((p[0].revents & POLLOUT) && drain(vmm_fd, &r->to_guest) < 0)
			return NET_RELAY_CLOSED;
		if ((p[1].revents & POLLOUT) && drain(passt_fd, &r->to_passt) < 0)
			return NET_RELAY_CLOSED;
		/* A closed side whose buffer is full would never be read to
		 * its end: the VM is going, there is no one to deliver to. */
		for (int i = 0; i < 2; i++)
			if ((p[i].revents & POLLHUP) && !(p[i].events & POLLIN))
				return NET_RELAY_CLOSED;
	}
}

enum net_relay_end net_relay_run(const struct frame_filter *filter, int vmm_fd, int passt_fd,
				 int log_fd, struct net_relay_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	/* One allocation for the relay's life, none per frame. */
	struct relay *r = calloc(1, sizeof(*r));
	if (!r)
		return NET_RELAY_CLOSED;
	fcntl(vmm_fd, F_SETFL, fcntl(vmm_fd, F_GETFL) | O_NONBLOCK);
	fcntl(passt_fd, F_SETFL, fcntl(passt_fd, F_GETFL) | O_NONBLOCK);
	enum net_relay_end end = relay_loop(r, filter, vmm_fd, passt_fd, log_fd, stats);
	free(r);
	return end;
}
