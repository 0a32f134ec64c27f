/* --events' JSON (cli/json.c, cli/events.c): strings escaped so any bytes
 * survive, which bytes count as UTF-8 text, base64 for the rest, and a
 * character cut between two chunks of output joined again. */
#include "cli/events.h"
#include "unit.h"

#include <stdlib.h>

static struct json_buffer b;

static const char *string_of(const void *bytes, size_t length)
{
	json_buffer_reset(&b);
	json_string(&b, bytes, length);
	return b.data;
}

#define STRING_OF(literal) string_of(literal, sizeof(literal) - 1)

static int test_quote_and_backslash_are_escaped(void)
{
	EXPECT_STR(STRING_OF("a\"b\\c"), "\"a\\\"b\\\\c\"");
	return 0;
}

static int test_control_bytes_are_escaped(void)
{
	EXPECT_STR(STRING_OF("\n\r\t"), "\"\\n\\r\\t\"");
	EXPECT_STR(STRING_OF("\0\x01\x1f\x7f"), "\"\\u0000\\u0001\\u001f\\u007f\"");
	EXPECT_STR(STRING_OF("\b\f"), "\"\\u0008\\u000c\"");
	return 0;
}

static int test_non_ascii_is_copied(void)
{
	EXPECT_STR(STRING_OF("é€😀 "), "\"é€😀 \"");
	return 0;
}

static int test_empty_string(void)
{
	EXPECT_STR(STRING_OF(""), "\"\"");
	return 0;
}

static int test_base64_pads(void)
{
	const char *cases[][2] = {{"", "\"\""},	       {"f", "\"Zg==\""},     {"fo", "\"Zm8=\""},
				  {"foo", "\"Zm9v\""}, {"foob", "\"Zm9vYg==\""}, {"\xff\xfe", "\"//4=\""}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_buffer_reset(&b);
		json_base64(&b, cases[i][0], strlen(cases[i][0]));
		EXPECT_STR(b.data, cases[i][1]);
	}
	return 0;
}

static int test_bytes_field_is_text_or_base64(void)
{
	json_buffer_reset(&b);
	json_bytes_field(&b, "data", "h\xc3\xa9", 3);
	EXPECT_STR(b.data, "\"data\":\"h\xc3\xa9\"");
	json_buffer_reset(&b);
	json_bytes_field(&b, "data", "\xc3", 1);
	EXPECT_STR(b.data, "\"data_base64\":\"ww==\"");
	return 0;
}

#define VALID(literal) utf8_valid((const unsigned char *)(literal), sizeof(literal) - 1)

static int test_utf8_validity(void)
{
	EXPECT(VALID("plain ascii\n"));
	EXPECT(VALID("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf"));
	EXPECT(!VALID("\xc3"));		     /* cut */
	EXPECT(!VALID("\xc0\xaf"));	     /* overlong */
	EXPECT(!VALID("\xe0\x80\xaf"));	     /* overlong */
	EXPECT(!VALID("\xed\xa0\x80"));	     /* a surrogate */
	EXPECT(!VALID("\xf4\x90\x80\x80"));  /* above U+10FFFF */
	EXPECT(!VALID("\xff"));
	EXPECT(!VALID("\x80"));		     /* a continuation alone */
	EXPECT(!VALID("a\xe2\x82z"));
	return 0;
}

#define TAIL(literal) utf8_incomplete_tail((const unsigned char *)(literal), sizeof(literal) - 1)

static int test_incomplete_tail(void)
{
	EXPECT(TAIL("abc") == 0);
	EXPECT(TAIL("a\xc3") == 1);
	EXPECT(TAIL("a\xe2\x82") == 2);
	EXPECT(TAIL("a\xf0\x9f\x98") == 3);
	EXPECT(TAIL("a\xf0\x9f\x98\x80") == 0); /* complete */
	EXPECT(TAIL("a\xe0\x80") == 0);		/* never valid: nothing to wait for */
	EXPECT(TAIL("\xff") == 0);
	EXPECT(TAIL("") == 0);
	return 0;
}

static struct events ev;

/* The events one output chunk turns into. */
static const char *chunk(int stream, const char *bytes, size_t length)
{
	struct krunsh_event e = {.type = KRUNSH_EVENT_OUTPUT,
				 .stream = stream,
				 .data = (const unsigned char *)bytes,
				 .length = length};
	const void *out = NULL;
	size_t n = 0;
	events_on_event(&ev, &e, &out, &n);
	static char text[512];
	snprintf(text, sizeof(text), "%.*s", (int)n, out ? (const char *)out : "");
	return text;
}

static int test_character_cut_between_chunks_is_joined(void)
{
	events_init(&ev, -1);
	EXPECT_STR(chunk(1, "a\xe2\x82", 3),
		   "{\"event\":\"output\",\"stream\":\"stdout\",\"line\":null,\"data\":\"a\"}\n");
	/* stderr has a carry of its own */
	EXPECT_STR(chunk(2, "\xc3", 1), "");
	EXPECT_STR(chunk(1, "\xac!", 2),
		   "{\"event\":\"output\",\"stream\":\"stdout\",\"line\":null,\"data\":\"\xe2\x82\xac!\"}\n");
	EXPECT_STR(chunk(2, "\xa9", 1),
		   "{\"event\":\"output\",\"stream\":\"stderr\",\"line\":null,\"data\":\"\xc3\xa9\"}\n");
	events_free(&ev);
	return 0;
}

static int test_invalid_bytes_go_as_base64(void)
{
	events_init(&ev, -1);
	EXPECT_STR(chunk(1, "\xff\0", 2), "{\"event\":\"output\",\"stream\":\"stdout\",\"line\":null,"
					  "\"data_base64\":\"/wA=\"}\n");
	events_free(&ev);
	return 0;
}

static int test_line_end_flushes_what_waits(void)
{
	events_init(&ev, -1);
	struct krunsh_event start = {.type = KRUNSH_EVENT_LINE_STARTED, .line = 3};
	const void *out;
	size_t n;
	events_on_event(&ev, &start, &out, &n);
	EXPECT_STR((const char *)out, "{\"event\":\"line-started\",\"line\":3,\"command\":null}\n");
	EXPECT_STR(chunk(1, "\xc3", 1), "");
	struct krunsh_event end = {
	    .type = KRUNSH_EVENT_LINE_FINISHED, .line = 3, .status = 2, .micros = 1500001};
	events_on_event(&ev, &end, &out, &n);
	EXPECT_STR((const char *)out,
		   "{\"event\":\"output\",\"stream\":\"stdout\",\"line\":3,\"data_base64\":\"ww==\"}\n"
		   "{\"event\":\"line-finished\",\"line\":3,\"status\":2,\"seconds\":1.500001}\n");
	EXPECT(n == strlen(out));
	events_free(&ev);
	return 0;
}

int main(void)
{
	unit_case("quote and backslash are escaped", test_quote_and_backslash_are_escaped);
	unit_case("control bytes are escaped", test_control_bytes_are_escaped);
	unit_case("non-ASCII is copied", test_non_ascii_is_copied);
	unit_case("empty string", test_empty_string);
	unit_case("base64 pads", test_base64_pads);
	unit_case("a bytes field is text or base64", test_bytes_field_is_text_or_base64);
	unit_case("UTF-8 validity", test_utf8_validity);
	unit_case("incomplete tail", test_incomplete_tail);
	unit_case("a character cut between chunks is joined",
		  test_character_cut_between_chunks_is_joined);
	unit_case("invalid bytes go as base64", test_invalid_bytes_go_as_base64);
	unit_case("a line's end flushes what waits", test_line_end_flushes_what_waits);
	json_buffer_free(&b);
	return unit_finish();
}
