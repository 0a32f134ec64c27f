/* libFuzzer target: the command-line parser of line mode (script_build and
 * the line table), fed arbitrary input. The first byte picks the mode. */
#include "cli/script.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	int line_mode = !(data[0] & 1), keep_going = data[0] & 2;
	char *input = malloc(size);
	if (!input)
		return 0;
	memcpy(input, data + 1, size - 1);
	struct script s;
	struct error err;
	if (script_build(input, size - 1, line_mode, keep_going, &s, &err) == 0) {
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
