/* libFuzzer target: the host's decoder of what the guest sends (frames)
 * and the job record reader, fed arbitrary bytes in arbitrary chunks. */
#include "proto/protocol.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* First byte: chunk size, so splits at every offset get exercised. */
	size_t chunk = (size_t)data[0] + 1;
	data++;
	size--;
	struct frame_decoder d;
	frame_decoder_init(&d, 1 << 20);
	size_t consumed = 0;
	while (consumed < size) {
		size_t n = size - consumed < chunk ? size - consumed : chunk;
		const unsigned char *p = data + consumed;
		size_t left = n;
		while (left) {
			struct frame_header h;
			const unsigned char *payload;
			enum decode_result r = frame_decoder_feed(&d, &p, &left, &h, &payload);
			if (r == DECODE_ERROR)
				goto done;
			if (r == DECODE_FRAME) {
				if (h.length > (1u << 20))
					abort();
				/* Touch the whole payload: ASan checks the bounds. */
				volatile unsigned char sum = 0;
				for (uint32_t i = 0; i < h.length; i++)
					sum ^= payload[i];
				(void)sum;
				size_t offset = 0;
				struct job_record rec;
				int rr;
				while ((rr = job_next_record(payload, h.length, &offset, &rec)) ==
				       1)
					if (rec.value + rec.length > payload + h.length)
						abort();
				if (offset > h.length)
					abort();
			}
		}
		consumed += n;
	}
done:
	frame_decoder_free(&d);
	return 0;
}
