/* The relay between the VMM and passt: frames that pass arrive whole and in
 * order, refused ones never arrive, passt's side comes back as it is, a
 * hostile length ends the relay, a side that does not read holds the other
 * back instead of growing a queue, and a close on either side ends it. */
#include "lib/net/net_relay.h"
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static struct host_addresses host;
static const uint8_t host_v4[4] = {192, 0, 2, 2};

struct relay_under_test {
	pid_t pid;
	int vmm, passt; /* the test's ends: it plays the VMM and passt */
};

/* The relay in a child; its exit status is its net_relay_end. */
static int relay_start(struct relay_under_test *t)
{
	memset(&host, 0, sizeof(host));
	host_addresses_add_v4(&host, host_v4);
	int vmm[2], passt[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, vmm) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, passt) < 0)
		return -1;
	t->pid = fork();
	if (t->pid == 0) {
		close(vmm[0]);
		close(passt[0]);
		struct frame_filter filter = {.host = &host};
		struct net_relay_stats stats;
		_exit((int)net_relay_run(&filter, vmm[1], passt[1], -1, &stats));
	}
	close(vmm[1]);
	close(passt[1]);
	t->vmm = vmm[0];
	t->passt = passt[0];
	return t->pid < 0 ? -1 : 0;
}

/* Its exit status, or -1 if it has not ended within a few seconds. */
static int relay_end(struct relay_under_test *t)
{
	for (int i = 0; i < 500; i++) {
		int status;
		pid_t r = waitpid(t->pid, &status, WNOHANG);
		if (r == t->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
		usleep(10000);
	}
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	return -1;
}

/* A TCP SYN to `dst`, with `tag` in its source port to tell frames apart,
 * framed with its length. */
static size_t syn_frame(uint8_t *out, const uint8_t dst[4], unsigned tag)
{
	uint8_t *f = out + 4;
	memset(f, 0, 54);
	f[12] = 0x08;
	uint8_t *ip = f + 14;
	ip[0] = 0x45, ip[3] = 40, ip[8] = 64, ip[9] = 6;
	memcpy(ip + 16, dst, 4);
	uint8_t *tcp = ip + 20;
	tcp[0] = (uint8_t)(tag >> 8), tcp[1] = (uint8_t)tag;
	tcp[3] = 80, tcp[12] = 0x50, tcp[13] = 0x02;
	out[0] = out[1] = out[2] = 0, out[3] = 54;
	return 58;
}

static int read_exactly(int fd, uint8_t *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 5000) != 1)
			return -1;
		ssize_t r = read(fd, buf + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static int test_passing_frames_arrive_whole_and_refused_ones_never(void)
{
	struct relay_under_test t;
	EXPECT(relay_start(&t) == 0);
	static const uint8_t outside[4] = {198, 51, 100, 7};
	uint8_t stream[58 * 6], expected[58 * 3];
	size_t n = 0, e = 0;
	for (unsigned i = 0; i < 6; i++) {
		size_t size = syn_frame(stream + n, i % 2 ? host_v4 : outside, i);
		if (i % 2 == 0) {
			memcpy(expected + e, stream + n, size);
			e += size;
		}
		n += size;
	}
	/* Written a byte at a time: frames split anywhere are still frames. */
	for (size_t i = 0; i < n; i++)
		EXPECT(write(t.vmm, stream + i, 1) == 1);
	uint8_t got[sizeof(expected)];
	EXPECT(read_exactly(t.passt, got, e) == 0);
	EXPECT(memcmp(got, expected, e) == 0);
	/* And nothing more: the refused frames are not behind. */
	struct pollfd p = {.fd = t.passt, .events = POLLIN};
	EXPECT(poll(&p, 1, 200) == 0);
	/* passt's side back to the VMM, byte for byte (not parsed). */
	EXPECT(write(t.passt, "\0\0\0\3abc", 7) == 7);
	uint8_t back[7];
	EXPECT(read_exactly(t.vmm, back, 7) == 0);
	EXPECT(memcmp(back, "\0\0\0\3abc", 7) == 0);
	close(t.vmm);
	EXPECT(relay_end(&t) == NET_RELAY_CLOSED);
	/* passt sees the end of its stream. */
	EXPECT(read(t.passt, back, 1) == 0);
	close(t.passt);
	return 0;
}

static int test_a_hostile_length_ends_the_relay(void)
{
	struct relay_under_test t;
	EXPECT(relay_start(&t) == 0);
	EXPECT(write(t.vmm, "\xff\xff\xff\xf0", 4) == 4);
	EXPECT(relay_end(&t) == NET_RELAY_BAD_LENGTH);
	uint8_t c;
	EXPECT(read(t.passt, &c, 1) == 0);
	close(t.vmm);
	close(t.passt);
	return 0;
}

static int test_short_lengths_are_dropped_and_the_stream_goes_on(void)
{
	struct relay_under_test t;
	EXPECT(relay_start(&t) == 0);
	static const uint8_t outside[4] = {198, 51, 100, 7};
	uint8_t stream[4 + 4 + 3 + 58];
	memcpy(stream, "\0\0\0\0", 4);	      /* an empty frame */
	memcpy(stream + 4, "\0\0\0\3xyz", 7); /* three bytes */
	syn_frame(stream + 11, outside, 9);
	EXPECT(write(t.vmm, stream, sizeof(stream)) == (ssize_t)sizeof(stream));
	uint8_t got[58];
	EXPECT(read_exactly(t.passt, got, 58) == 0);
	EXPECT(memcmp(got, stream + 11, 58) == 0);
	close(t.passt);
	EXPECT(relay_end(&t) == NET_RELAY_CLOSED);
	close(t.vmm);
	return 0;
}

/* passt stops reading: the relay stops reading the VMM after a bounded
 * amount, so the VMM's writes block, and nothing is lost. */
static int test_a_side_that_does_not_read_holds_the_other_back(void)
{
	struct relay_under_test t;
	EXPECT(relay_start(&t) == 0);
	static const uint8_t outside[4] = {198, 51, 100, 7};
	fcntl(t.vmm, F_SETFL, O_NONBLOCK);
	uint8_t frame[58];
	syn_frame(frame, outside, 1);
	size_t written = 0;
	for (int stalls = 0; stalls < 20;) {
		ssize_t r = write(t.vmm, frame, sizeof(frame));
		if (r == (ssize_t)sizeof(frame)) {
			written += sizeof(frame);
			stalls = 0;
			EXPECT(written < 64u << 20);
		} else if (r < 0 && errno == EAGAIN) {
			stalls++;
			usleep(10000);
		} else if (r > 0) {
			/* A partial frame: finish it so the count stays whole. */
			size_t done = (size_t)r;
			fcntl(t.vmm, F_SETFL, 0);
			EXPECT(write(t.vmm, frame + done, sizeof(frame) - done) ==
			       (ssize_t)(sizeof(frame) - done));
			fcntl(t.vmm, F_SETFL, O_NONBLOCK);
			written += sizeof(frame);
		}
	}
	/* Held in socket buffers and the relay's two fixed buffers only. */
	EXPECT(written < 16u << 20);
	size_t got = 0;
	uint8_t buf[4096];
	while (got < written) {
		struct pollfd p = {.fd = t.passt, .events = POLLIN};
		EXPECT(poll(&p, 1, 5000) == 1);
		ssize_t r = read(t.passt, buf, sizeof(buf));
		EXPECT(r > 0);
		got += (size_t)r;
	}
	EXPECT(got == written);
	close(t.vmm);
	EXPECT(relay_end(&t) == NET_RELAY_CLOSED);
	close(t.passt);
	return 0;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	RUN(test_passing_frames_arrive_whole_and_refused_ones_never);
	RUN(test_a_hostile_length_ends_the_relay);
	RUN(test_short_lengths_are_dropped_and_the_stream_goes_on);
	RUN(test_a_side_that_does_not_read_holds_the_other_back);
	return unit_finish();
}
