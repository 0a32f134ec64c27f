/* What the host does with bytes from the guest: the frame reader's limits
 * and in-place frames (frame_reader.c), the channel policy
 * (channel_policy.c) and the sanitising of guest text (text.c). */
#include "lib/channel/channel_policy.h"
#include "lib/channel/frame_reader.h"
#include "util/text.h"
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
	frame_header_encode(h, FRAME_STDOUT, 1, FRAME_OUTPUT_MAX + 1);
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
	frame_header_encode(h, FRAME_EXEC, 1, 0); /* host -> guest only */
	frame_reader_init(&reader);
	feed(h, sizeof(h));
	struct frame_header out;
	const unsigned char *payload;
	EXPECT(frame_reader_next(&reader, &out, &payload) == FRAME_READ_UNKNOWN_TYPE);
	return 0;
}

static int test_hello_of_protocol_1_is_refused_on_its_header(void)
{
	/* Version 1's 8-byte header, then its version: read as 12 bytes. */
	unsigned char v1[12] = {0};
	put_u32le(v1, FRAME_HELLO);
	put_u32le(v1 + 4, 4);
	put_u32le(v1 + 8, 1);
	frame_reader_init(&reader);
	feed(v1, sizeof(v1));
	struct frame_header out;
	const unsigned char *payload;
	EXPECT(frame_reader_next(&reader, &out, &payload) == FRAME_READ_OLD_HELLO);
	EXPECT(out.exec == 1);
	return 0;
}

static int test_largest_frame_arrives_in_place_across_reads(void)
{
	static unsigned char stream[2 * (FRAME_HEADER_SIZE + FRAME_OUTPUT_MAX)];
	size_t n = 0;
	for (int f = 0; f < 2; f++) {
		frame_header_encode(stream + n, FRAME_STDOUT, 1, FRAME_OUTPUT_MAX);
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

/* A frame of execution `exec`. */
static int check_of(struct channel_policy *p, uint32_t exec, uint32_t type, uint32_t a,
		    uint32_t length)
{
	unsigned char payload[16] = {0};
	put_u32le(payload, a);
	struct frame_header h = {type, length, exec};
	char why[256];
	return channel_policy_check(p, &h, payload, why, sizeof(why)) == CHANNEL_ACCEPT;
}

/* A frame of the running execution (the hello: the VM's). */
static int check(struct channel_policy *p, uint32_t type, uint32_t a, uint32_t length)
{
	return check_of(p, type == FRAME_HELLO ? FRAME_EXEC_VM : p->exec, type, a, length);
}

/* A policy with execution 1 running, bounded by `lines` script lines. */
static void policy_start(struct channel_policy *p, size_t lines, int results)
{
	channel_policy_init(p);
	channel_policy_begin_exec(p, 1, lines, results, 0);
}

static int test_policy_wants_hello_with_our_version_first(void)
{
	struct channel_policy p;
	policy_start(&p, 1, 0);
	EXPECT(!check(&p, FRAME_STDOUT, 0, 3));
	policy_start(&p, 1, 0);
	EXPECT(!check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION + 1, 4));
	policy_start(&p, 1, 0);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(!check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	return 0;
}

static int test_policy_bounds_line_records_by_the_script(void)
{
	struct channel_policy p;
	policy_start(&p, 2, 0);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(check(&p, FRAME_LINE_FAILED, 1, 8));
	EXPECT(check(&p, FRAME_LINE_FAILED, 2, 8));
	EXPECT(!check(&p, FRAME_LINE_FAILED, 3, 8));
	policy_start(&p, 2, 0);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(!check(&p, FRAME_LINE_RESULT, 1, 16)); /* not asked for */
	policy_start(&p, 1, 1);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(check(&p, FRAME_LINE_RESULT, 1, 16));
	EXPECT(!check(&p, FRAME_LINE_RESULT, 1, 16));
	EXPECT(!check(&p, FRAME_EXIT, 256, 4));
	EXPECT(check(&p, FRAME_EXIT, 255, 4));
	/* --events: a start per line, only when asked for, of 4 bytes */
	policy_start(&p, 2, LINE_EVENTS_RESULTS);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(!check(&p, FRAME_LINE_STARTED, 1, 4));
	policy_start(&p, 2, LINE_EVENTS_RESULTS | LINE_EVENTS_STARTED);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(!check(&p, FRAME_LINE_STARTED, 1, 8));
	EXPECT(check(&p, FRAME_LINE_STARTED, 1, 4));
	EXPECT(check(&p, FRAME_LINE_STARTED, 2, 4));
	EXPECT(!check(&p, FRAME_LINE_STARTED, 3, 4));
	return 0;
}

static int test_policy_takes_only_the_running_executions_frames(void)
{
	struct channel_policy p;
	channel_policy_init(&p);
	EXPECT(!check_of(&p, 1, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4)); /* the VM's */
	EXPECT(check_of(&p, 0, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(!check_of(&p, 0, FRAME_STDOUT, 0, 3)); /* no execution yet */
	EXPECT(!check_of(&p, 1, FRAME_STDOUT, 0, 3));
	channel_policy_begin_exec(&p, 1, 0, 0, 0);
	EXPECT(check_of(&p, 1, FRAME_STDOUT, 0, 3));
	EXPECT(!check_of(&p, 2, FRAME_STDOUT, 0, 3)); /* not started */
	EXPECT(!check_of(&p, 0, FRAME_STDOUT, 0, 3));
	EXPECT(check_of(&p, 1, FRAME_EXIT, 0, 4));
	EXPECT(!check_of(&p, 1, FRAME_STDOUT, 0, 3)); /* after its exit */
	EXPECT(!check_of(&p, 1, FRAME_EXIT, 0, 4));
	channel_policy_begin_exec(&p, 2, 0, 0, 0);
	EXPECT(!check_of(&p, 1, FRAME_STDOUT, 0, 3)); /* a late frame of 1 */
	EXPECT(check_of(&p, 2, FRAME_STDOUT, 0, 3));
	EXPECT(check_of(&p, 0, FRAME_AGENT_ERROR, 0, 3)); /* the VM's own error */
	return 0;
}

/* check_discarded(p, count, flags, path): a FRAME_DISCARDED_FILES frame of
 * the running execution. */
static int check_discarded(struct channel_policy *p, uint32_t count, uint32_t flags,
			   const char *path, size_t path_length)
{
	unsigned char payload[FRAME_DISCARDED_FILES_MAX];
	put_u32le(payload, count);
	put_u32le(payload + 4, flags);
	memcpy(payload + 8, path, path_length);
	struct frame_header h = {FRAME_DISCARDED_FILES, (uint32_t)(8 + path_length), p->exec};
	char why[256];
	return channel_policy_check(p, &h, payload, why, sizeof(why)) == CHANNEL_ACCEPT;
}

/* A policy with execution 1 running, its job asking for the report. */
static void policy_discarded(struct channel_policy *p, int asked)
{
	channel_policy_init(p);
	channel_policy_begin_exec(p, 1, 0, 0, asked);
}

static int test_policy_takes_one_wellformed_discarded_files_report_when_asked(void)
{
	struct channel_policy p;
	EXPECT(frame_guest_payload_max(FRAME_DISCARDED_FILES) == 8 + FRAME_DISCARDED_PATH_MAX);
	policy_discarded(&p, 1);
	EXPECT(!check_discarded(&p, 2, 0, "r.xml", 5)); /* before the hello */
	policy_discarded(&p, 1);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(check_discarded(&p, 2, 0, "sub/r.xml", 9));
	EXPECT(!check_discarded(&p, 2, 0, "sub/r.xml", 9)); /* once */
	/* once per execution: the next one may report again */
	channel_policy_begin_exec(&p, 2, 0, 0, 1);
	EXPECT(check_discarded(&p, 1, 0, "a", 1));
	policy_discarded(&p, 0);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	EXPECT(!check_discarded(&p, 2, 0, "r.xml", 5)); /* not asked for */
	static const struct {
		uint32_t count, flags;
		const char *path;
		size_t length;
		int accepted;
	} cases[] = {
	    {1, DISCARDED_AT_LEAST, "a", 1, 1},
	    {7, 0, "", 0, 1}, /* no path fitted the frame */
	    {1, 0, "..x/.y/z..", 10, 1},
	    {0, 0, "a", 1, 0},
	    {1, 2, "a", 1, 0},
	    {1, 0, "/etc/passwd", 11, 0},
	    {1, 0, "../../etc/passwd", 16, 0},
	    {1, 0, "a/..", 4, 0},
	    {1, 0, "a\nkrunsh: forged", 17, 0},
	    {1, 0, "a\033[2J", 5, 0},
	    {1, 0, "a\0b", 3, 0},
	    {1, 0, "a\x7f", 2, 0},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		policy_discarded(&p, 1);
		EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
		if (check_discarded(&p, cases[i].count, cases[i].flags, cases[i].path,
				    cases[i].length) != cases[i].accepted) {
			printf("#   case %zu (%s)\n", i, cases[i].path);
			return 1;
		}
	}
	policy_discarded(&p, 1);
	EXPECT(check(&p, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION, 4));
	struct frame_header h = {FRAME_DISCARDED_FILES, 7, 1};
	unsigned char payload[8] = {1};
	char why[256];
	EXPECT(channel_policy_check(&p, &h, payload, why, sizeof(why)) == CHANNEL_REJECT);
	EXPECT(strstr(why, "malformed") && !strchr(why, '\n'));
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
	RUN(test_hello_of_protocol_1_is_refused_on_its_header);
	RUN(test_policy_takes_only_the_running_executions_frames);
	RUN(test_policy_wants_hello_with_our_version_first);
	RUN(test_policy_bounds_line_records_by_the_script);
	RUN(test_policy_takes_one_wellformed_discarded_files_report_when_asked);
	RUN(test_sanitised_text_is_one_line_without_controls);
	return unit_finish();
}
