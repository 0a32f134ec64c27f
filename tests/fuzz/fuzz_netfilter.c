/* libFuzzer target: the network filter's decoder of guest frames. The
 * first 20 bytes become a host IPv4 and IPv6 address (so that inputs can
 * aim at "the host"), the rest is the Ethernet frame, as the relay hands it
 * over: exactly its bytes, no more (ASan sees any read past them). */
#include "lib/net/frame_filter.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 20)
		return 0;
	static struct host_addresses host;
	memset(&host, 0, sizeof(host));
	host_addresses_add_v4(&host, data);
	host_addresses_add_v6(&host, data + 4);
	struct frame_filter filter = {.host = &host, .dns_forward = {10, 0, 2, 3}};
	size_t length = size - 20;
	/* A copy of exactly the frame's size, so the bound is the frame's. */
	uint8_t *frame = malloc(length ? length : 1);
	if (!frame)
		return 0;
	memcpy(frame, data + 20, length);
	const char *reason = NULL;
	enum frame_verdict v = frame_filter_classify(&filter, frame, length, &reason);
	if (v != FRAME_PASS && v != FRAME_REFUSE)
		abort();
	if (v == FRAME_REFUSE && !reason)
		abort();
	/* Deterministic: the same bytes, the same verdict. */
	if (frame_filter_classify(&filter, frame, length, NULL) != v)
		abort();
	free(frame);
	return 0;
}
