/* libFuzzer target: the host's reader of the guest's channel as the session
 * uses it — the fixed-buffer frame reader with the real per-type limits,
 * then the channel policy — fed arbitrary bytes in arbitrary chunks. It
 * checks what the host promises whatever the guest sends: no frame longer
 * than its type allows, payloads inside the reader's buffer, never more
 * line records (failures, results, starts) than the script has lines, never a frame of an execution
 * other than the running one, at most one discarded-files report per
 * execution (only when asked for) whose path is relative, without control
 * bytes and never above the working directory. Each accepted exit starts
 * the next execution, as a caller running several on one VM does. */
#include "lib/channel/channel_policy.h"
#include "lib/channel/frame_reader.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	/* First byte: read size (splits at every offset); second: the
	 * script's line count, whether the job asked for a discarded-files
	 * report and which line events (LINE_EVENTS_*) the job asked for. */
	size_t chunk = (size_t)data[0] * 61 + 1;
	size_t line_count = data[1] & 0x1f;
	int discarded = (data[1] >> 5) & 1;
	int line_events = data[1] >> 6;
	int results = line_events & LINE_EVENTS_RESULTS;
	int discarded_accepted = 0;
	data += 2;
	size -= 2;
	static struct frame_reader reader;
	frame_reader_init(&reader);
	struct channel_policy policy;
	channel_policy_init(&policy);
	channel_policy_begin_exec(&policy, 1, line_count, line_events, discarded);
	size_t consumed = 0;
	while (consumed < size) {
		size_t room;
		unsigned char *space = frame_reader_space(&reader, &room);
		if (room == 0)
			abort(); /* a frame that fits must always be completed */
		size_t n = size - consumed < chunk ? size - consumed : chunk;
		if (n > room)
			n = room;
		memcpy(space, data + consumed, n);
		frame_reader_commit(&reader, n);
		consumed += n;
		for (;;) {
			struct frame_header h;
			const unsigned char *payload = NULL;
			enum frame_read r = frame_reader_next(&reader, &h, &payload);
			if (r == FRAME_READ_NEED_MORE)
				break;
			if (r != FRAME_READ_FRAME)
				return 0;
			long max = frame_guest_payload_max(h.type);
			if (max < 0 || h.length > (unsigned long)max)
				abort();
			if (payload < reader.buffer ||
			    payload + h.length > reader.buffer + sizeof(reader.buffer))
				abort();
			volatile unsigned char sum = 0;
			for (uint32_t i = 0; i < h.length; i++)
				sum ^= payload[i];
			(void)sum;
			char why[256];
			if (channel_policy_check(&policy, &h, payload, why, sizeof(why)) !=
			    CHANNEL_ACCEPT) {
				if (!why[0] || strchr(why, '\n'))
					abort();
				return 0;
			}
			if (policy.failed_seen > line_count || policy.results_seen > line_count ||
			    policy.started_seen > line_count || (!results && policy.results_seen) ||
			    (!(line_events & LINE_EVENTS_STARTED) && policy.started_seen))
				abort();
			int vm_frame = h.type == FRAME_HELLO ||
				       (h.type == FRAME_AGENT_ERROR && h.exec == FRAME_EXEC_VM);
			if (!vm_frame && h.exec != policy.exec)
				abort();
			if (h.type == FRAME_DISCARDED_FILES) {
				if (!discarded || discarded_accepted++ || h.length < 8 ||
				    get_u32le(payload) == 0 || (h.length > 8 && payload[8] == '/'))
					abort();
				for (uint32_t i = 8; i < h.length; i++)
					if (payload[i] < 0x20 || payload[i] == 0x7f ||
					    (payload[i] == '.' && i + 1 < h.length &&
					     payload[i + 1] == '.' &&
					     (i == 8 || payload[i - 1] == '/') &&
					     (i + 2 == h.length || payload[i + 2] == '/')))
						abort();
			}
			if (h.type == FRAME_EXIT) {
				channel_policy_begin_exec(&policy, policy.exec + 1, line_count,
							  line_events, discarded);
				discarded_accepted = 0;
			}
		}
	}
	return 0;
}
