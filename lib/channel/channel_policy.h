/* What the host accepts from the guest, frame by frame, beyond the size
 * limits the frame reader enforces: the order (HELLO first, with our
 * protocol version), exact lengths, and how many line records a run may
 * send (never more than the script has lines, and results only when the
 * report asked for them). Kept apart from the I/O so it can be fuzzed. */
#ifndef KRUNSH_CHANNEL_POLICY_H
#define KRUNSH_CHANNEL_POLICY_H

#include "proto/protocol.h"

#include <stddef.h>

struct channel_policy {
	size_t line_count; /* lines of the script (line mode), else 0 */
	int line_results;  /* the report wants a result per line */
	int hello_seen;
	size_t failed_seen;  /* LINE_FAILED frames so far */
	size_t results_seen; /* LINE_RESULT frames so far */
};

enum channel_verdict {
	CHANNEL_ACCEPT,
	CHANNEL_REJECT, /* a protocol error; `why` says which */
};

void channel_policy_init(struct channel_policy *p, size_t line_count, int line_results);
/* Checks one frame (already within its type's size limit); on
 * CHANNEL_REJECT writes a one-line reason into why. */
enum channel_verdict channel_policy_check(struct channel_policy *p, const struct frame_header *h,
					  const unsigned char *payload, char *why, size_t why_size);

#endif
