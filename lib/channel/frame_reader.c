#include "lib/channel/frame_reader.h"

#include <string.h>

void frame_reader_init(struct frame_reader *r)
{
	r->start = 0;
	r->fill = 0;
}

enum frame_read frame_reader_next(struct frame_reader *r, struct frame_header *out,
				  const unsigned char **payload)
{
	size_t held = r->fill - r->start;
	if (held < FRAME_HEADER_SIZE)
		return FRAME_READ_NEED_MORE;
	const unsigned char *frame = r->buffer + r->start;
	out->type = get_u32le(frame);
	out->length = get_u32le(frame + 4);
	out->exec = get_u32le(frame + 8);
	long max = frame_guest_payload_max(out->type);
	if (max < 0)
		return FRAME_READ_UNKNOWN_TYPE;
	if (out->length > (unsigned long)max)
		return FRAME_READ_TOO_LONG;
	if (out->type == FRAME_HELLO && out->exec != FRAME_EXEC_VM)
		return FRAME_READ_OLD_HELLO;
	if (held < FRAME_HEADER_SIZE + out->length)
		return FRAME_READ_NEED_MORE;
	*payload = frame + FRAME_HEADER_SIZE;
	r->start += FRAME_HEADER_SIZE + out->length;
	return FRAME_READ_FRAME;
}

unsigned char *frame_reader_space(struct frame_reader *r, size_t *room)
{
	if (r->start == r->fill) {
		r->start = r->fill = 0;
	} else if (r->start > 0 && r->fill == sizeof(r->buffer)) {
		/* Only the tail of one unfinished frame moves, and only when the
		 * buffer's end is reached: the largest frame always fits. */
		memmove(r->buffer, r->buffer + r->start, r->fill - r->start);
		r->fill -= r->start;
		r->start = 0;
	}
	*room = sizeof(r->buffer) - r->fill;
	return r->buffer + r->fill;
}

void frame_reader_commit(struct frame_reader *r, size_t n)
{
	r->fill += n;
}

int frame_reader_partial(const struct frame_reader *r)
{
	return r->fill > r->start;
}
