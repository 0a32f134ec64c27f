#include "lib/channel/channel_policy.h"

#include <stdio.h>

void channel_policy_init(struct channel_policy *p, size_t line_count, int line_results)
{
	*p = (struct channel_policy){.line_count = line_count, .line_results = line_results};
}

/* Every rejection is one line for the user, then the run ends with 125. */
#define REJECT(...) (snprintf(why, why_size, __VA_ARGS__), CHANNEL_REJECT)

enum channel_verdict channel_policy_check(struct channel_policy *p, const struct frame_header *h,
					  const unsigned char *payload, char *why, size_t why_size)
{
	long exact = frame_guest_payload_max(h->type);
	if (h->type == FRAME_HELLO) {
		if (h->length != 4)
			return REJECT("malformed hello from the guest (%u bytes)", h->length);
		uint32_t version = get_u32le(payload);
		if (version != KRUNSH_PROTOCOL_VERSION)
			return REJECT(
			    "the guest agent speaks protocol version %u, this krunsh "
			    "version %u: install krunsh and its agent from the same build",
			    version, KRUNSH_PROTOCOL_VERSION);
		if (p->hello_seen)
			return REJECT("a second hello from the guest");
		p->hello_seen = 1;
		return CHANNEL_ACCEPT;
	}
	if (!p->hello_seen)
		return REJECT("frame type %u from the guest before its hello", h->type);
	switch (h->type) {
	case FRAME_STDOUT:
	case FRAME_STDERR:
	case FRAME_AGENT_ERROR:
		return CHANNEL_ACCEPT;
	case FRAME_EXIT:
		if (h->length != (uint32_t)exact)
			return REJECT("malformed exit frame from the guest");
		if (get_u32le(payload) > 255)
			return REJECT("exit status %u from the guest is not 0-255",
				      get_u32le(payload));
		return CHANNEL_ACCEPT;
	case FRAME_LINE_FAILED:
		if (h->length != (uint32_t)exact)
			return REJECT("malformed line event from the guest");
		if (p->failed_seen >= p->line_count)
			return REJECT("more failed lines from the guest than the script has "
				      "lines (%zu)",
				      p->line_count);
		p->failed_seen++;
		return CHANNEL_ACCEPT;
	case FRAME_LINE_RESULT:
		if (h->length != (uint32_t)exact)
			return REJECT("malformed line event from the guest");
		if (!p->line_results)
			return REJECT("line results from the guest, which were not asked "
				      "for");
		if (p->results_seen >= p->line_count)
			return REJECT("more line results from the guest than the script has "
				      "lines (%zu)",
				      p->line_count);
		p->results_seen++;
		return CHANNEL_ACCEPT;
	}
	return REJECT("unexpected frame type %u from the guest", h->type);
}
