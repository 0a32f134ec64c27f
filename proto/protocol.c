#include "proto/protocol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void frame_header_encode(unsigned char out[FRAME_HEADER_SIZE], uint32_t type, uint32_t exec,
			 uint32_t length)
{
	put_u32le(out, type);
	put_u32le(out + 4, length);
	put_u32le(out + 8, exec);
}

long frame_guest_payload_max(uint32_t type)
{
	switch (type) {
	case FRAME_HELLO:
	case FRAME_EXIT:
	case FRAME_LINE_STARTED:
		return 4;
	case FRAME_LINE_FAILED:
		return 8;
	case FRAME_LINE_RESULT:
		return 16;
	case FRAME_STDOUT:
	case FRAME_STDERR:
		return FRAME_OUTPUT_MAX;
	case FRAME_AGENT_ERROR:
		return FRAME_AGENT_ERROR_MAX;
	case FRAME_DISCARDED_FILES:
		return FRAME_DISCARDED_FILES_MAX;
	default:
		return -1;
	}
}

void frame_decoder_init(struct frame_decoder *d, uint32_t max_payload)
{
	memset(d, 0, sizeof(*d));
	d->max_payload = max_payload;
}

void frame_decoder_free(struct frame_decoder *d)
{
	free(d->payload);
	d->payload = NULL;
}

enum decode_result frame_decoder_feed(struct frame_decoder *d, const unsigned char **data,
				      size_t *len, struct frame_header *out,
				      const unsigned char **payload)
{
	while (d->header_fill < FRAME_HEADER_SIZE) {
		if (*len == 0)
			return DECODE_NEED_MORE;
		d->header[d->header_fill++] = **data;
		(*data)++;
		(*len)--;
		if (d->header_fill == FRAME_HEADER_SIZE) {
			d->current.type = get_u32le(d->header);
			d->current.length = get_u32le(d->header + 4);
			d->current.exec = get_u32le(d->header + 8);
			if (d->current.length > d->max_payload)
				return DECODE_ERROR;
			free(d->payload);
			d->payload = NULL;
			d->payload_fill = 0;
			if (d->current.length) {
				d->payload = malloc(d->current.length);
				if (!d->payload)
					return DECODE_ERROR;
			}
		}
	}
	size_t want = d->current.length - d->payload_fill;
	size_t take = want < *len ? want : *len;
	if (take) {
		memcpy(d->payload + d->payload_fill, *data, take);
		d->payload_fill += take;
		*data += take;
		*len -= take;
	}
	if (d->payload_fill < d->current.length)
		return DECODE_NEED_MORE;
	*out = d->current;
	*payload = d->payload;
	d->header_fill = 0;
	return DECODE_FRAME;
}

static int job_buffer_reserve(struct job_buffer *b, size_t extra)
{
	if (extra > SIZE_MAX - b->length)
		return -ENOMEM;
	size_t need = b->length + extra;
	if (need <= b->capacity)
		return 0;
	size_t cap = b->capacity ? b->capacity : 4096;
	while (cap < need)
		cap *= 2;
	unsigned char *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->capacity = cap;
	return 0;
}

int job_buffer_add(struct job_buffer *b, uint32_t key, const void *value, size_t length)
{
	if (length > UINT32_MAX)
		return -E2BIG;
	int r = job_buffer_reserve(b, 8 + length);
	if (r < 0)
		return r;
	put_u32le(b->data + b->length, key);
	put_u32le(b->data + b->length + 4, (uint32_t)length);
	if (length)
		memcpy(b->data + b->length + 8, value, length);
	b->length += 8 + length;
	return 0;
}

int job_buffer_add_u32(struct job_buffer *b, uint32_t key, uint32_t value)
{
	unsigned char v[4];
	put_u32le(v, value);
	return job_buffer_add(b, key, v, sizeof(v));
}

void job_buffer_free(struct job_buffer *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

int job_next_record(const unsigned char *job, size_t job_length, size_t *offset,
		    struct job_record *out)
{
	if (*offset == job_length)
		return 0;
	if (job_length - *offset < 8)
		return -1;
	out->key = get_u32le(job + *offset);
	out->length = get_u32le(job + *offset + 4);
	if (out->length > job_length - *offset - 8)
		return -1;
	out->value = job + *offset + 8;
	*offset += 8 + out->length;
	return 1;
}
