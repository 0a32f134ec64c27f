/* What the host does with bytes from the guest: the frame reader's limits
 * and in-place frames (frame_reader.c), the channel policy
 * (channel_policy.c) and the sanitising of guest text (text.c). */
#include "lib/channel/channel_policy.h"
#include "lib/channel/frame_reader.h"
#include "lib/util/text.h"
#include "unit.h"

static struct frame_reader reader;

static void feed(const unsigned char *data, size_t length)
{
	size_t room;
	unsigned char *space = frame_reader_space(&reader, &room);
	memcpy(space, data, length < room ? length : room);
	frame_reader_commit(&reader, length < room ? length : room);
}

static int test_oversized_stdout_header_is_refused_before_its_payload(void)
{
	unsigned char h[FRAME_HEADER_SIZE];
	frame_header_encode(h, FRAME_STDOUT, FRAME_OUTPUT_MAX + 1);
	frame_reader_init(&reader);
	feed(h, sizeof(h));
	struct frame_header out;
	const unsigned char *payload;
	EXPECT(frame_reader_next(&reader, &out, &payload) == FRAME_READ_TOO_LONG);
	EXPECT(out.length == FRAME_OUTPUT_MAX + 1);
	return 0;
}

static int test_unknown_type_is_refused(void)
{
	unsigned char h[FRAME_HEADER_SIZE];
	frame_header_encode(h, FRAME_JOB, 0); /* host -> guest only */
	frame_reader_init(&reader);
	feed(h, sizeof(h));
	struct frame_header out;
	const unsigned char *payload;
	EXPECT(frame_reader_next(&reader, &out, &payload) == FRAME_READ_UNKNOWN_TYPE);
	return 0;
}

static int test_largest_frame_arrives_in_place_across_reads(void)
{
	static unsigned char stream[2 * (FRAME_HEADER_SIZE + FRAME_OUTPUT_MAX)];
	size_t n = 0;
	for (int f = 0; f < 2; f++) {
		frame_header_encode(stream + n, FRAME_STDOUT, FRAME_OUTPUT_MAX);
		n += FRAME_HEADER_SIZE;
		memset(stream + n, 'a' + f, FRAME_OUTPUT_MAX);
		n += FRAME_OUTPUT_MAX;
	}
	frame_reader_init(&reader);
	size_t fed = 0;
	int frames = 0;
	while (fed < n) {
		size_t room;
		unsigned char *space = frame_reader_space(&reader, &room);
		EXPECT(room > 0);
		size_t take = n - fed < 1000 ? n - fed : 1000;
		take = take < room ? take : room;
		memcpy(space, stream + fed, take);
		frame_reader_commit(&reader, take);
		fed += take;
		struct frame_header h;
		const unsigned char *payload;
		while (frame_reader_next(&reader, &h, &payload) == FRAME_READ_FRAME) {
			EXPECT(h.length == FRAME_OUTPUT_MAX);
			EXPECT(payload >= reader.buffer &&
			       payload + h.length <= reader.buffer + sizeof(reader.buffer));
			EXPECT(payload[0] == 'a' + frames && payload[h.length - 1] == 'a' + frames);
			frames++;
		}
	}
	EXPECT(frames == 2);
	EXPECT(!frame_reader_partial(&reader));
	return 0;
}

static int check(struct channel_policy *p, uint32_t type, uint32_t a, uint32_t length)
{
	unsigned char payload[16] = {0};
	put_u32le(payload, a);
	struct frame_header h = {type, length};
	char why[256];
	return channel_policy_check(p, &h, payload, why, sizeof(why)) == CHANNEL_ACCEPT;
}

static int test_policy_wants_hello_with_our_version_first(void)
{
	struct channel_policy p;
	channel_policy_init(&p, 1, 0);
	EXPECT(!check(&p, FRAME_STDOUT, 0, 3));
	channel_policy_init(&p, 1, 0);
	EXPECT(!check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION + 1, 4));
	channel_policy_init(&p, 1, 0);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(!check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	return 0;
}

static int test_policy_bounds_line_records_by_the_script(void)
{
	struct channel_policy p;
	channel_policy_init(&p, 2, 0);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(check(&p, FRAME_LINE_FAILED, 1, 8));
	EXPECT(check(&p, FRAME_LINE_FAILED, 2, 8));
	EXPECT(!check(&p, FRAME_LINE_FAILED, 3, 8));
	channel_policy_init(&p, 2, 0);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(!check(&p, FRAME_LINE_RESULT, 1, 16)); /* not asked for */
	channel_policy_init(&p, 1, 1);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(check(&p, FRAME_LINE_RESULT, 1, 16));
	EXPECT(!check(&p, FRAME_LINE_RESULT, 1, 16));
	EXPECT(!check(&p, FRAME_EXIT, 256, 4));
	EXPECT(check(&p, FRAME_EXIT, 255, 4));
	return 0;
}

static int test_sanitised_text_is_one_line_without_controls(void)
{
	char out[64];
	static const char in[] = "a\nb\033[2J\r\x7f\xc2\x9b\xc3\xa9\xff";
	text_sanitize(out, sizeof(out), in, sizeof(in) - 1, 100);
	EXPECT_STR(out, "a b?[2J????\xc3\xa9?");
	text_sanitize(out, sizeof(out), "abcdef", 6, 3);
	EXPECT_STR(out, "abc...");
	text_sanitize(out, 8, "abcdefghijkl", 12, 100);
	EXPECT(strlen(out) < 8);
	return 0;
}

int main(void)
{
	RUN(test_oversized_stdout_header_is_refused_before_its_payload);
	RUN(test_unknown_type_is_refused);
	RUN(test_largest_frame_arrives_in_place_across_reads);
	RUN(test_policy_wants_hello_with_our_version_first);
	RUN(test_policy_bounds_line_records_by_the_script);
	RUN(test_sanitised_text_is_one_line_without_controls);
	return unit_finish();
}
