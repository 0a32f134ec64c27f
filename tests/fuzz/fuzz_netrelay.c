/* libFuzzer target: the network filter's relay fed an arbitrary stream as
 * the VMM's side (lengths included), through real sockets. Whatever comes
 * out on passt's side must be whole frames, each within the size limit and
 * each one the filter passes; nothing may read or write out of bounds. */
#include "lib/net/net_relay.h"

#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[1 << 17];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Within one socket buffer, so the single-threaded write never
	 * blocks. */
	if (size > 65536)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	static struct host_addresses host;
	static const uint8_t host_v4[4] = {192, 0, 2, 2};
	memset(&host, 0, sizeof(host));
	host_addresses_add_v4(&host, host_v4);
	struct frame_filter filter = {.host = &host, .dns_forward = {10, 0, 2, 3}};
	int vmm[2], passt[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, vmm) < 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, passt) < 0) {
		close(vmm[0]);
		close(vmm[1]);
		return 0;
	}
	if (size && write(vmm[0], data, size) != (ssize_t)size)
		abort();
	shutdown(vmm[0], SHUT_WR);
	struct net_relay_stats stats;
	net_relay_run(&filter, vmm[1], passt[1], -1, &stats);
	close(vmm[1]);
	close(passt[1]);
	size_t got = 0;
	for (ssize_t r; got < sizeof(out) && (r = read(passt[0], out + got, sizeof(out) - got)) > 0;)
		got += (size_t)r;
	for (size_t at = 0; at < got;) {
		if (got - at < 4)
			abort(); /* a cut length field */
		uint32_t length = (uint32_t)out[at] << 24 | (uint32_t)out[at + 1] << 16 |
				  (uint32_t)out[at + 2] << 8 | out[at + 3];
		if (length > NET_RELAY_FRAME_MAX || length > got - at - 4)
			abort(); /* a frame over the limit, or cut */
		if (frame_filter_classify(&filter, out + at + 4, length, NULL) != FRAME_PASS)
			abort(); /* a refused frame got through */
		at += 4 + length;
	}
	close(vmm[0]);
	close(passt[0]);
	return 0;
}
