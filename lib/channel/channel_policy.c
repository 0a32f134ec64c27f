#include "lib/channel/channel_policy.h"

#include <stdio.h>

void channel_policy_init(struct channel_policy *p)
{
	*p = (struct channel_policy){0};
}

void channel_policy_begin_exec(struct channel_policy *p, uint32_t exec, size_t line_count,
			       int line_events, int discarded_files)
{
	p->discarded_files = discarded_files;
	p->discarded_seen = 0;
	p->exec = exec;
	p->exec_ended = 0;
	p->line_count = line_count;
	p->line_events = line_events;
	p->failed_seen = 0;
	p->results_seen = 0;
	p->started_seen = 0;
}

void channel_policy_add_lines(struct channel_policy *p, size_t lines)
{
	p->line_count += lines;
}

/* Every rejection is one line for the user, then the run ends with 125. */
#define REJECT(...) (snprintf(why, why_size, __VA_ARGS__), CHANNEL_REJECT)

/* The first path of a discarded-files report: what our agent sends, a
 * path below the working directory with control bytes already replaced
 * (or nothing, when no path fits the frame); anything else is a guest that
 * lies (the host still sanitises the rest before printing it). */
static const char *discarded_path_fault(const unsigned char *path, size_t length)
{
	if (length > 0 && path[0] == '/')
		return "absolute";
	for (size_t i = 0; i < length; i++)
		if (path[i] < 0x20 || path[i] == 0x7f)
			return "with a control byte in it";
	for (size_t i = 0; i < length;) {
		size_t end = i;
		while (end < length && path[end] != '/')
			end++;
		if (end - i == 2 && path[i] == '.' && path[i + 1] == '.')
			return "leaving the working directory";
		i = end + 1;
	}
	return NULL;
}

static enum channel_verdict check_discarded_files(struct channel_policy *p,
						  const struct frame_header *h,
						  const unsigned char *payload, char *why,
						  size_t why_size)
{
	if (!p->discarded_files)
		return REJECT("a report of discarded files from the guest, which was not asked "
			      "for");
	if (p->discarded_seen)
		return REJECT("a second report of discarded files from the guest");
	p->discarded_seen = 1;
	if (h->length < 8)
		return REJECT("malformed report of discarded files from the guest (%u bytes)",
			      h->length);
	if (get_u32le(payload) == 0)
		return REJECT("a report of 0 discarded files from the guest");
	if (get_u32le(payload + 4) & ~DISCARDED_AT_LEAST)
		return REJECT("unknown flags %#x in the guest's report of discarded files",
			      get_u32le(payload + 4));
	const char *fault = discarded_path_fault(payload + 8, h->length - 8);
	if (fault)
		return REJECT("the guest's report of discarded files names a path %s", fault);
	return CHANNEL_ACCEPT;
}

/* A line record (a failure, a result, a start): of its exact size, asked
 * for, and never more of them than the script has lines. */
static enum channel_verdict check_line_record(const struct channel_policy *p,
					      const struct frame_header *h, int asked, size_t *seen,
					      const char *what, char *why, size_t why_size)
{
	if (h->length != (uint32_t)frame_guest_payload_max(h->type))
		return REJECT("malformed line event from the guest");
	if (!asked)
		return REJECT("%s from the guest, which were not asked for", what);
	if (*seen >= p->line_count)
		return REJECT("more %s from the guest than the script has lines (%zu)", what,
			      p->line_count);
	(*seen)++;
	return CHANNEL_ACCEPT;
}

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
		if (h->exec != FRAME_EXEC_VM)
			return REJECT("hello from the guest for execution %u", h->exec);
		p->hello_seen = 1;
		return CHANNEL_ACCEPT;
	}
	if (!p->hello_seen)
		return REJECT("frame type %u from the guest before its hello", h->type);
	/* The VM's own error (its setup failed) ends whatever runs. */
	if (h->type == FRAME_AGENT_ERROR && h->exec == FRAME_EXEC_VM)
		return CHANNEL_ACCEPT;
	if (!p->exec || h->exec != p->exec)
		return REJECT("frame type %u from the guest for execution %u, which is not "
			      "running",
			      h->type, h->exec);
	if (p->exec_ended)
		return REJECT("frame type %u from the guest after execution %u ended", h->type,
			      h->exec);
	switch (h->type) {
	case FRAME_STDOUT:
	case FRAME_STDERR:
		return CHANNEL_ACCEPT;
	case FRAME_AGENT_ERROR:
		p->exec_ended = 1;
		return CHANNEL_ACCEPT;
	case FRAME_EXIT:
		if (h->length != (uint32_t)exact)
			return REJECT("malformed exit frame from the guest");
		if (get_u32le(payload) > 255)
			return REJECT("exit status %u from the guest is not 0-255",
				      get_u32le(payload));
		p->exec_ended = 1;
		return CHANNEL_ACCEPT;
	case FRAME_LINE_FAILED:
		return check_line_record(p, h, 1, &p->failed_seen, "failed lines", why, why_size);
	case FRAME_LINE_RESULT:
		return check_line_record(p, h, p->line_events & LINE_EVENTS_RESULTS,
					 &p->results_seen, "line results", why, why_size);
	case FRAME_LINE_STARTED:
		return check_line_record(p, h, p->line_events & LINE_EVENTS_STARTED,
					 &p->started_seen, "line starts", why, why_size);
	case FRAME_DISCARDED_FILES:
		return check_discarded_files(p, h, payload, why, why_size);
	}
	return REJECT("unexpected frame type %u from the guest", h->type);
}
