/* libFuzzer target: the command-line parser of line mode (script_build and
 * the line table), fed arbitrary input, and its streaming form: the same
 * input fed in pieces to script_stream_input must give the same program
 * text and lines (or fail too, with the same message when there is no NUL
 * byte to find first). The first byte picks the mode and flags, the second
 * the size of the pieces. */
#include "lib/exec/line_script.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input in pieces of `piece` bytes; all the text fed, in order. */
static void check_streaming(const uint8_t *in, size_t length, int line_mode, int flags,
			    size_t piece, const struct script *built, const struct error *built_err)
{
	struct script st;
	struct error err = {0};
	if (script_stream_begin(&st, line_mode, flags, &err) < 0)
		abort();
	char *fed = malloc(st.text_length + 1);
	size_t fed_length = 0;
	int failed = 0;
	for (size_t at = 0; !failed;) {
		size_t n = length - at < piece ? length - at : piece;
		int eof = n == 0;
		failed = script_stream_input(&st, (const char *)in + at, n, eof, &err) < 0;
		char *grown = realloc(fed, fed_length + st.text_length + 1);
		if (!grown)
			abort();
		fed = grown;
		if (st.text_length)
			memcpy(fed + fed_length, st.text, st.text_length);
		fed_length += st.text_length;
		script_stream_taken(&st);
		at += n;
		if (eof)
			break;
	}
	if (built) {
		if (failed || fed_length != built->text_length ||
		    (fed_length && memcmp(fed, built->text, fed_length)) ||
		    st.line_count != built->line_count)
			abort();
		for (size_t i = 0; i < st.line_count; i++)
			if (st.lines[i].number != built->lines[i].number ||
			    st.lines[i].offset != built->lines[i].offset ||
			    st.lines[i].length != built->lines[i].length)
				abort();
	} else {
		if (!failed)
			abort();
		if (!memchr(in, '\0', length) && strcmp(err.message, built_err->message) != 0)
			abort();
	}
	free(fed);
	script_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	int line_mode = !(data[0] & 1), flags = (data[0] >> 1) & 3;
	size_t piece = (size_t)data[1] % 64 + 1;
	data++;
	size--;
	char *input = malloc(size);
	if (!input)
		return 0;
	memcpy(input, data + 1, size - 1);
	struct script s;
	struct error err = {0};
	int built = script_build(input, size - 1, line_mode, flags, &s, &err);
	check_streaming(data + 1, size - 1, line_mode, flags, piece, built == 0 ? &s : NULL, &err);
	if (built == 0) {
		/* Every recorded line lies inside the input, in order, and can be
		 * found and described. */
		unsigned previous = 0;
		for (size_t i = 0; i < s.line_count; i++) {
			const struct script_line *l = &s.lines[i];
			if (l->offset + l->length > s.input_length || l->number <= previous)
				abort();
			previous = l->number;
			if (script_find_line(&s, l->number) != l)
				abort();
			char text[200];
			script_line_describe(&s, l, text, sizeof(text));
			if (strlen(text) >= sizeof(text))
				abort();
		}
		if (!line_mode && (s.text_length != size - 1 || memcmp(s.text, data + 1, size - 1)))
			abort();
		if (memchr(s.text, '\0', s.text_length))
			abort();
	}
	script_free(&s);
	return 0;
}
