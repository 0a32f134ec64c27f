/* The frame decoder (split feeds, oversize lengths, truncation) and job
 * records (proto/protocol.c). */
#include "proto/protocol.h"
#include "unit.h"

#include <stdint.h>
#include <stdlib.h>

/* Two frames back to back: STDOUT "hello", then an empty EXIT-typed frame,
 * then STDERR with 300 bytes. */
static size_t make_stream(unsigned char *buf)
{
	size_t n = 0;
	frame_header_encode(buf + n, FRAME_STDOUT, 7, 5);
	n += FRAME_HEADER_SIZE;
	memcpy(buf + n, "hello", 5);
	n += 5;
	frame_header_encode(buf + n, FRAME_STDIN_EOF, 7, 0);
	n += FRAME_HEADER_SIZE;
	frame_header_encode(buf + n, FRAME_STDERR, 7, 300);
	n += FRAME_HEADER_SIZE;
	for (int i = 0; i < 300; i++)
		buf[n++] = (unsigned char)i;
	return n;
}

static int check_frames(const struct frame_header *h, unsigned char payloads[][300], int count)
{
	if (count != 3)
		return 1;
	if (h[0].type != FRAME_STDOUT || h[0].length != 5 || memcmp(payloads[0], "hello", 5))
		return 1;
	if (h[1].type != FRAME_STDIN_EOF || h[1].length != 0)
		return 1;
	if (h[2].type != FRAME_STDERR || h[2].length != 300 || h[2].exec != 7)
		return 1;
	for (int i = 0; i < 300; i++)
		if (payloads[2][i] != (unsigned char)i)
			return 1;
	return 0;
}

/* Feeds the stream in chunks of `chunk` bytes; collects every frame. */
static int decode_in_chunks(const unsigned char *stream, size_t length, size_t chunk)
{
	struct frame_decoder d;
	frame_decoder_init(&d, 1024);
	struct frame_header h[4];
	unsigned char payloads[4][300];
	int count = 0, bad = 0;
	for (size_t at = 0; at < length && !bad; at += chunk) {
		const unsigned char *p = stream + at;
		size_t left = length - at < chunk ? length - at : chunk;
		while (left && !bad) {
			struct frame_header out;
			const unsigned char *payload;
			enum decode_result r = frame_decoder_feed(&d, &p, &left, &out, &payload);
			if (r == DECODE_ERROR || count == 4)
				bad = 1;
			else if (r == DECODE_FRAME) {
				h[count] = out;
				if (out.length)
					memcpy(payloads[count], payload, out.length);
				count++;
			}
		}
	}
	frame_decoder_free(&d);
	return bad || check_frames(h, payloads, count);
}

static int test_frames_decode_whole(void)
{
	unsigned char stream[1024];
	size_t n = make_stream(stream);
	EXPECT(decode_in_chunks(stream, n, n) == 0);
	return 0;
}

static int test_frames_decode_from_every_split(void)
{
	unsigned char stream[1024];
	size_t n = make_stream(stream);
	for (size_t chunk = 1; chunk < n; chunk++)
		EXPECT(decode_in_chunks(stream, n, chunk) == 0);
	return 0;
}

static int test_feed_stops_after_one_frame(void)
{
	unsigned char stream[1024];
	size_t n = make_stream(stream);
	struct frame_decoder d;
	frame_decoder_init(&d, 1024);
	const unsigned char *p = stream;
	size_t left = n;
	struct frame_header out;
	const unsigned char *payload;
	EXPECT(frame_decoder_feed(&d, &p, &left, &out, &payload) == DECODE_FRAME);
	/* The rest stays with the caller, untouched. */
	EXPECT(p == stream + FRAME_HEADER_SIZE + 5);
	EXPECT(left == n - FRAME_HEADER_SIZE - 5);
	frame_decoder_free(&d);
	return 0;
}

static int test_oversize_length_is_rejected(void)
{
	unsigned char header[FRAME_HEADER_SIZE];
	struct frame_decoder d;
	struct frame_header out;
	const unsigned char *payload;

	frame_decoder_init(&d, 16);
	frame_header_encode(header, FRAME_STDOUT, 7, 17);
	const unsigned char *p = header;
	size_t left = sizeof(header);
	EXPECT(frame_decoder_feed(&d, &p, &left, &out, &payload) == DECODE_ERROR);
	frame_decoder_free(&d);

	/* A length near 4 GiB must be refused before any allocation. */
	frame_decoder_init(&d, FRAME_PAYLOAD_MAX);
	frame_header_encode(header, FRAME_STDOUT, 7, UINT32_MAX);
	p = header;
	left = sizeof(header);
	EXPECT(frame_decoder_feed(&d, &p, &left, &out, &payload) == DECODE_ERROR);
	frame_decoder_free(&d);
	return 0;
}

static int test_length_at_the_limit_is_accepted(void)
{
	unsigned char stream[FRAME_HEADER_SIZE + 16];
	frame_header_encode(stream, FRAME_STDOUT, 7, 16);
	memset(stream + FRAME_HEADER_SIZE, 'x', 16);
	struct frame_decoder d;
	frame_decoder_init(&d, 16);
	const unsigned char *p = stream, *payload;
	size_t left = sizeof(stream);
	struct frame_header out;
	EXPECT(frame_decoder_feed(&d, &p, &left, &out, &payload) == DECODE_FRAME);
	EXPECT(out.length == 16 && payload[15] == 'x' && left == 0);
	frame_decoder_free(&d);
	return 0;
}

static int test_truncated_frame_needs_more(void)
{
	unsigned char stream[1024];
	make_stream(stream);
	struct frame_decoder d;
	struct frame_header out;
	const unsigned char *payload;
	/* Every proper prefix of the first frame: never a frame, never an
	 * error, all bytes consumed. */
	for (size_t cut = 0; cut < FRAME_HEADER_SIZE + 5; cut++) {
		frame_decoder_init(&d, 1024);
		const unsigned char *p = stream;
		size_t left = cut;
		EXPECT(frame_decoder_feed(&d, &p, &left, &out, &payload) == DECODE_NEED_MORE);
		EXPECT(left == 0);
		frame_decoder_free(&d);
	}
	return 0;
}

static int test_job_records_round_trip(void)
{
	struct job_buffer b = {0};
	EXPECT(job_buffer_add_u32(&b, JOB_MODE, JOB_MODE_SHELL_LINES) == 0);
	EXPECT(job_buffer_add(&b, JOB_SHELL, "/bin/sh", 7) == 0);
	EXPECT(job_buffer_add(&b, JOB_ENV, "", 0) == 0);
	static char big[10000];
	memset(big, 'b', sizeof(big));
	EXPECT(job_buffer_add(&b, JOB_SCRIPT, big, sizeof(big)) == 0);
	EXPECT(b.length == 4 * 8 + 4 + 7 + 0 + sizeof(big));

	size_t offset = 0;
	struct job_record r;
	EXPECT(job_next_record(b.data, b.length, &offset, &r) == 1);
	EXPECT(r.key == JOB_MODE && r.length == 4 && get_u32le(r.value) == JOB_MODE_SHELL_LINES);
	EXPECT(job_next_record(b.data, b.length, &offset, &r) == 1);
	EXPECT(r.key == JOB_SHELL && r.length == 7 && memcmp(r.value, "/bin/sh", 7) == 0);
	EXPECT(job_next_record(b.data, b.length, &offset, &r) == 1);
	EXPECT(r.key == JOB_ENV && r.length == 0);
	EXPECT(job_next_record(b.data, b.length, &offset, &r) == 1);
	EXPECT(r.key == JOB_SCRIPT && r.length == sizeof(big) && r.value[9999] == 'b');
	EXPECT(job_next_record(b.data, b.length, &offset, &r) == 0);
	job_buffer_free(&b);
	EXPECT(b.data == NULL && b.length == 0);
	return 0;
}

static int test_truncated_job_records_are_malformed(void)
{
	struct job_buffer b = {0};
	EXPECT(job_buffer_add(&b, JOB_SHELL, "/bin/sh", 7) == 0);
	EXPECT(job_buffer_add(&b, JOB_WORKDIR, "/tmp", 4) == 0);
	/* Cut anywhere inside the second record: the first still reads, then
	 * -1, never a read past the end. */
	size_t first = 8 + 7;
	for (size_t cut = first + 1; cut < b.length; cut++) {
		unsigned char *copy = malloc(cut);
		EXPECT(copy);
		memcpy(copy, b.data, cut);
		size_t offset = 0;
		struct job_record r;
		int a = job_next_record(copy, cut, &offset, &r);
		int second = job_next_record(copy, cut, &offset, &r);
		free(copy);
		EXPECT(a == 1);
		EXPECT(second == -1);
	}
	job_buffer_free(&b);
	return 0;
}

static int test_record_length_beyond_the_job_is_malformed(void)
{
	unsigned char job[8 + 3];
	put_u32le(job, JOB_SCRIPT);
	put_u32le(job + 4, 4); /* claims 4, has 3 */
	memcpy(job + 8, "abc", 3);
	size_t offset = 0;
	struct job_record r;
	EXPECT(job_next_record(job, sizeof(job), &offset, &r) == -1);
	put_u32le(job + 4, UINT32_MAX);
	offset = 0;
	EXPECT(job_next_record(job, sizeof(job), &offset, &r) == -1);
	offset = 0;
	EXPECT(job_next_record(job, 0, &offset, &r) == 0);
	return 0;
}

static int test_oversize_job_record_is_refused(void)
{
	if (sizeof(size_t) <= 4)
		return 0;
	struct job_buffer b = {0};
	/* The length check comes before any copy: the pointer is never read. */
	EXPECT(job_buffer_add(&b, JOB_SCRIPT, "", (size_t)UINT32_MAX + 1) < 0);
	EXPECT(b.length == 0);
	job_buffer_free(&b);
	return 0;
}

int main(void)
{
	RUN(test_frames_decode_whole);
	RUN(test_frames_decode_from_every_split);
	RUN(test_feed_stops_after_one_frame);
	RUN(test_oversize_length_is_rejected);
	RUN(test_length_at_the_limit_is_accepted);
	RUN(test_truncated_frame_needs_more);
	RUN(test_job_records_round_trip);
	RUN(test_truncated_job_records_are_malformed);
	RUN(test_record_length_beyond_the_job_is_malformed);
	RUN(test_oversize_job_record_is_refused);
	return unit_finish();
}
