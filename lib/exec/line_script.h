/* Turns what the user gave (lines, a script, a command) into the program
 * text the guest shell runs, and remembers each line for error messages. */
#ifndef KRUNSH_LINE_SCRIPT_H
#define KRUNSH_LINE_SCRIPT_H

#include "krunsh/krunsh.h"
#include "util/error.h"

#include <stddef.h>

struct script_line {
	unsigned number; /* first physical line, 1-based */
	size_t offset;	 /* into the input text */
	size_t length;
};

struct script {
	char *text; /* what the guest shell runs (streaming: what is not fed yet) */
	size_t text_length, text_capacity;
	struct script_line *lines; /* line mode only */
	size_t line_count;
	char *input; /* the user's input, kept for messages */
	size_t input_length, input_capacity;
	int flags; /* enum script_flags */
	/* streaming: the input arrives in pieces */
	int streaming, line_mode;
	size_t scan_pos;      /* first byte not yet taken into a line */
	unsigned scan_number; /* physical lines taken so far */
	size_t stream_lines;  /* lines the last script_stream_input took */
};

/* Hard cap on input so a runaway producer cannot exhaust host memory. */
#define SCRIPT_INPUT_MAX KRUNSH_INPUT_MAX

enum script_flags {
	SCRIPT_KEEP_GOING = 1,	/* run every line, exit with the first failure */
	SCRIPT_LINE_EVENTS = 2, /* report each line's start and status (for --report) */
	/* and wait at each line's start for the agent to take it (--events) */
	SCRIPT_LINE_STARTED = 4,
};

/* Takes ownership of input. line_mode: build the stop-on-failure program;
 * otherwise run the input verbatim. flags: enum script_flags. */
int script_build(char *input, size_t length, int line_mode, int flags, struct script *out,
		 struct error *err);
/* Streaming (stdin that is still being written): begin with the
 * prologue in s->text; then for each piece read, script_stream_input
 * takes the complete lines (all of them at eof), checks each, and appends
 * their program text to s->text, returning how many lines it took (-1
 * with err: a NUL byte, a line that needs the next ones, too much input;
 * then nothing of this piece is taken, though earlier pieces' lines were).
 * The caller feeds s->text (s->stream_lines lines) to the guest and calls
 * script_stream_taken. */
int script_stream_begin(struct script *s, int line_mode, int flags, struct error *err);
long script_stream_input(struct script *s, const char *data, size_t length, int eof,
			 struct error *err);
void script_stream_taken(struct script *s);
/* A feed that ends early (a refused piece): with --keep-going the program
 * still ends with the first failure's status. -1: out of memory. */
int script_stream_close(struct script *s);
/* The line whose number is `number`, for messages (NULL if unknown). */
const struct script_line *script_find_line(const struct script *s, unsigned number);
/* Printable, single-line, bounded rendering of a line for stderr. */
void script_line_describe(const struct script *s, const struct script_line *line, char *buf,
			  size_t size);
/* text goes before what the shell runs (streaming: before what is not fed
 * yet); -1: out of memory. */
int script_prepend(struct script *s, const char *text);
void script_free(struct script *s);

#endif
