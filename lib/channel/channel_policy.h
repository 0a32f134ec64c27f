/* What the host accepts from the guest, frame by frame, beyond the size
 * limits the frame reader enforces: the order (HELLO first, with our
 * protocol version), exact lengths, the execution id of each frame (only
 * the running execution's, and nothing of it after its end), and how many
 * line records an execution may send (never more than the script has lines,
 * results and starts only when the job asked for them), and one well-formed discarded-files report per
 * execution, only when its job asked for one. Kept apart from the I/O so
 * it can be fuzzed. */
#ifndef KRUNSH_CHANNEL_POLICY_H
#define KRUNSH_CHANNEL_POLICY_H

#include "proto/protocol.h"

#include <stddef.h>
#include <stdint.h>

struct channel_policy {
	int hello_seen;
	/* the execution running (0: none yet) and what it may still send */
	uint32_t exec;
	int exec_ended;	     /* its EXIT or AGENT_ERROR came */
	size_t line_count;   /* lines of the script (line mode), else 0 */
	int line_events;     /* LINE_EVENTS_* the job asked for */
	size_t failed_seen;  /* LINE_FAILED frames so far */
	size_t results_seen; /* LINE_RESULT frames so far */
	size_t started_seen; /* LINE_STARTED frames so far */
	int discarded_files; /* the job asked for a discarded-files report */
	int discarded_seen;
};

enum channel_verdict {
	CHANNEL_ACCEPT,
	CHANNEL_REJECT, /* a protocol error; `why` says which */
};

void channel_policy_init(struct channel_policy *p);
/* From now on, frames of execution `exec` (ids only grow) are expected. */
void channel_policy_begin_exec(struct channel_policy *p, uint32_t exec, size_t line_count,
			       int line_events, int discarded_files);
/* A streamed line-mode script has sent `lines` more lines. */
void channel_policy_add_lines(struct channel_policy *p, size_t lines);
/* Checks one frame (already within its type's size limit); on
 * CHANNEL_REJECT writes a one-line reason into why. */
enum channel_verdict channel_policy_check(struct channel_policy *p, const struct frame_header *h,
					  const unsigned char *payload, char *why, size_t why_size);

#endif
