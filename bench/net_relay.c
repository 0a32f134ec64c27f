/* The network filter's own cost (lib/net/net_relay.c), apart from any VM:
 * frames pushed from a "VMM" socket through the relay to a "passt" socket,
 * against the same sockets joined directly. Prints the throughput for
 * full-size Ethernet frames and for 64 KiB offload frames, and the median
 * round trip of one small frame each way.
 * Usage: net-relay [MIB]   (default 512 MiB per throughput case) */
#include "lib/net/net_relay.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A TCP ACK to 198.51.100.7 of `size` bytes in all, framed. */
static size_t make_frame(uint8_t *out, size_t size)
{
	memset(out, 0, 4 + size);
	out[0] = (uint8_t)(size >> 24), out[1] = (uint8_t)(size >> 16);
	out[2] = (uint8_t)(size >> 8), out[3] = (uint8_t)size;
	uint8_t *f = out + 4;
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	size_t total = size - 14;
	ip[0] = 0x45, ip[2] = (uint8_t)(total >> 8), ip[3] = (uint8_t)total, ip[8] = 64, ip[9] = 6;
	ip[16] = 198, ip[17] = 51, ip[18] = 100, ip[19] = 7;
	ip[20 + 12] = 0x50, ip[20 + 13] = 0x10;
	return 4 + size;
}

struct path {
	pid_t relay; /* 0: direct */
	int in, out;
};

static struct host_addresses host;

static void path_open(struct path *p, int relayed)
{
	int a[2], b[2];
	socketpair(AF_UNIX, SOCK_STREAM, 0, a);
	p->relay = 0;
	if (!relayed) {
		p->in = a[0], p->out = a[1];
		return;
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, b);
	p->relay = fork();
	if (p->relay == 0) {
		close(a[0]);
		close(b[0]);
		struct frame_filter filter = {.host = &host};
		struct net_relay_stats stats;
		net_relay_run(&filter, a[1], b[1], -1, &stats);
		_exit(0);
	}
	close(a[1]);
	close(b[1]);
	p->in = a[0], p->out = b[0];
}

static void path_close(struct path *p)
{
	close(p->in);
	close(p->out);
	if (p->relay > 0)
		waitpid(p->relay, NULL, 0);
}

static double throughput(int relayed, size_t frame_size, size_t bytes)
{
	struct path p;
	path_open(&p, relayed);
	static uint8_t frame[4 + NET_RELAY_FRAME_MAX];
	size_t n = make_frame(frame, frame_size);
	size_t count = bytes / n;
	double t0 = now();
	pid_t writer = fork();
	if (writer == 0) {
		for (size_t i = 0; i < count; i++)
			for (size_t done = 0; done < n;) {
				ssize_t w = write(p.in, frame + done, n - done);
				if (w <= 0)
					_exit(1);
				done += (size_t)w;
			}
		_exit(0);
	}
	static uint8_t sink[1 << 18];
	size_t got = 0;
	while (got < count * n) {
		ssize_t r = read(p.out, sink, sizeof(sink));
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	double t = now() - t0;
	waitpid(writer, NULL, 0);
	path_close(&p);
	return (double)got / t / (1 << 20);
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Writes the frame on `from`, reads it whole on `to`; 0 on failure. */
static int pass_one(int from, int to, const uint8_t *frame, uint8_t *buf, size_t n)
{
	if (write(from, frame, n) != (ssize_t)n)
		return 0;
	for (size_t got = 0; got < n;) {
		ssize_t r = read(to, buf + got, n - got);
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

/* One 64-byte frame in, through, and one back: the median of `rounds`. */
static double round_trip_us(int relayed, int rounds)
{
	struct path p;
	path_open(&p, relayed);
	uint8_t frame[4 + 64], buf[4 + 64];
	size_t n = make_frame(frame, 64);
	double *times = calloc((size_t)rounds, sizeof(double));
	for (int i = 0; i < rounds; i++) {
		double t0 = now();
		if (!pass_one(p.in, p.out, frame, buf, n) || !pass_one(p.out, p.in, frame, buf, n))
			break;
		times[i] = (now() - t0) * 1e6;
	}
	qsort(times, (size_t)rounds, sizeof(double), compare);
	double median = times[rounds / 2];
	free(times);
	path_close(&p);
	return median;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	size_t bytes = (size_t)(argc > 1 ? atoi(argv[1]) : 512) << 20;
	for (size_t i = 0; i < 2; i++) {
		size_t size = i ? 65536 : 1514;
		printf("net relay: %5zu-byte frames %8.1f MiB/s (sockets joined directly: %8.1f MiB/s)\n",
		       size, throughput(1, size, bytes), throughput(0, size, bytes));
	}
	printf("net relay: round trip of a 64-byte frame %.1f us (directly: %.1f us)\n",
	       round_trip_us(1, 20000), round_trip_us(0, 20000));
	return 0;
}
