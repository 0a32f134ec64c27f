/* Line mode: each logical line becomes `command eval 'LINE'` followed by a
 * status check, all in one shell so that cd and variables carry over. eval
 * keeps a line's syntax error inside that line; `command` keeps it (and any
 * other special built-in's error) from ending the shell, as POSIX says, so
 * --keep-going goes on after it. Quoting the line as a single-quoted word
 * means no byte of it is ever interpreted by our wrapper. */
#include "lib/exec/line_script.h"
#include "lib/exec/line_syntax.h"
#include "util/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct text {
	char *data;
	size_t length, capacity;
};

static int text_append(struct text *t, const char *s, size_t n)
{
	if (t->length + n + 1 > t->capacity) {
		size_t cap = t->capacity ? t->capacity : 4096;
		while (cap < t->length + n + 1)
			cap *= 2;
		char *grown = realloc(t->data, cap);
		if (!grown)
			return -1;
		t->data = grown;
		t->capacity = cap;
	}
	memcpy(t->data + t->length, s, n);
	t->length += n;
	t->data[t->length] = '\0';
	return 0;
}

static int text_append_str(struct text *t, const char *s)
{
	return text_append(t, s, strlen(s));
}

/* 'it'\''s' quoting: the only character that ends a single-quoted word.
 * A CR before LF inside a logical line (a CRLF continuation) is dropped:
 * the shell would take backslash-CR as an escaped CR, not a continuation. */
static int text_append_quoted(struct text *t, const char *s, size_t n)
{
	if (text_append(t, "'", 1) < 0)
		return -1;
	size_t start = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\'') {
			if (text_append(t, s + start, i - start) < 0 ||
			    text_append(t, "'\\''", 4) < 0)
				return -1;
			start = i + 1;
		} else if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') {
			if (text_append(t, s + start, i - start) < 0)
				return -1;
			start = i + 1;
		}
	}
	if (text_append(t, s + start, n - start) < 0)
		return -1;
	return text_append(t, "'", 1);
}

static const char line_prologue[] =
    "__krunsh_log=$1\n"
    "__krunsh_line=0\n"
    /* A line that calls exit itself still gets reported. */
    "trap '__krunsh_status=$?; [ \"$__krunsh_status\" = 0 ] || [ -n \"$__krunsh_reported\" ] "
    "|| printf \"%s %s\\n\" \"$__krunsh_line\" \"$__krunsh_status\" >>\"$__krunsh_log\"; "
    /* A session's hook (cli/keeper/session_cwd.c), kept when this trap
     * replaces the session's. */
    "eval \"${__krunsh_at_exit-}\"' EXIT\n";

/* With --report, each line's start and end go to a FIFO the agent reads and
 * timestamps (opened per write so no descriptor leaks into the commands). */
#define EVENT_FUNCTION                                                                             \
	"__krunsh_event() { printf '%s %s %s\\n' \"$1\" \"$__krunsh_line\" \"$2\" "                \
	">\"$__krunsh_events\"; }\n"
static const char events_prologue[] =
    "__krunsh_events=$2; set --\n" EVENT_FUNCTION "__krunsh_begin() { __krunsh_event S; }\n";
/* With --events, a line starts only once the agent has taken its start
 * (it answers on the FIFO $3): what the line writes cannot reach the host
 * ahead of its start. */
static const char started_prologue[] =
    "__krunsh_events=$2; __krunsh_acks=$3; set --\n" EVENT_FUNCTION
    "__krunsh_begin() { __krunsh_event S; read -r __krunsh_ack <\"$__krunsh_acks\"; }\n";

static const char no_events_prologue[] = "set --\n__krunsh_event() { :; }\n";

static const char check_stop[] =
    "__krunsh_check() { __krunsh_status=$?; __krunsh_event E \"$__krunsh_status\"; "
    "[ \"$__krunsh_status\" = 0 ] && return 0; "
    "printf '%s %s\\n' \"$__krunsh_line\" \"$__krunsh_status\" >>\"$__krunsh_log\"; "
    "__krunsh_reported=1; exit \"$__krunsh_status\"; }\n";

static const char check_keep_going[] =
    "__krunsh_check() { __krunsh_status=$?; __krunsh_event E \"$__krunsh_status\"; "
    "[ \"$__krunsh_status\" = 0 ] && return 0; "
    "printf '%s %s\\n' \"$__krunsh_line\" \"$__krunsh_status\" >>\"$__krunsh_log\"; "
    ": \"${__krunsh_first:=$__krunsh_status}\"; }\n";

static const char keep_going_epilogue[] = "__krunsh_reported=1; exit \"${__krunsh_first:-0}\"\n";

static int is_blank_or_comment(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i == n || s[i] == '#';
}

/* A line continues on the next when it ends in an odd run of backslashes. */
static int continues(const char *s, size_t n)
{
	size_t k = 0;
	while (k < n && s[n - 1 - k] == '\\')
		k++;
	return k % 2 == 1;
}

static int add_line(struct script *out, unsigned number, size_t offset, size_t length)
{
	if (out->line_count % 256 == 0) {
		struct script_line *grown =
		    realloc(out->lines, (out->line_count + 256) * sizeof(*grown));
		if (!grown)
			return -1;
		out->lines = grown;
	}
	out->lines[out->line_count++] = (struct script_line){number, offset, length};
	return 0;
}

/* The next logical line from pos (CR before LF dropped, backslash
 * continuations joined): 1 with it, 0 when the input does not hold a whole
 * one yet (eof: whatever is left is the last line). */
static int next_logical_line(const char *in, size_t length, int eof, size_t *pos, unsigned *number,
			     struct script_line *line)
{
	size_t p = *pos, start = *pos, end;
	unsigned n = *number, first = n + 1;
	if (p >= length)
		return 0;
	for (;;) {
		const char *nl = memchr(in + p, '\n', length - p);
		if (!nl && !eof)
			return 0;
		end = nl ? (size_t)(nl - in) : length;
		n++;
		size_t content_end = end;
		if (content_end > p && in[content_end - 1] == '\r')
			content_end--;
		p = nl ? end + 1 : length;
		if (!continues(in + start, content_end - start)) {
			end = content_end;
			break;
		}
		if (p >= length) {
			if (!eof)
				return 0;
			end = content_end;
			break;
		}
	}
	*pos = p;
	*number = n;
	*line = (struct script_line){first, start, end - start};
	return 1;
}

/* Before a line runs: a construct that needs the next lines would have
 * them run as commands of their own (a here-document's body). */
static int check_line(const struct script *s, const struct script_line *line, struct error *err)
{
	char why[160];
	if (line_syntax_check(s->input + line->offset, line->length, why, sizeof(why)) == 0)
		return 0;
	error_set(err, 0, "line %u: %s (use --script for multi-line constructs)", line->number,
		  why);
	return -1;
}

static int text_of(struct script *s, struct text *t)
{
	*t = (struct text){s->text, s->text_length, s->text_capacity};
	return 0;
}

static void text_keep(struct script *s, const struct text *t)
{
	s->text = t->data;
	s->text_length = t->length;
	s->text_capacity = t->capacity;
}

/* The program text of one line, after the text so far. */
static int append_line(struct script *s, struct text *t, const struct script_line *line)
{
	char number[96];
	snprintf(number, sizeof(number), "__krunsh_line=%u\n%scommand eval ", line->number,
		 (s->flags & (SCRIPT_LINE_EVENTS | SCRIPT_LINE_STARTED)) ? "__krunsh_begin\n" : "");
	return text_append_str(t, number) < 0 ||
		       text_append_quoted(t, s->input + line->offset, line->length) < 0 ||
		       text_append_str(t, "\n__krunsh_check\n") < 0
		   ? -1
		   : 0;
}

static int append_prologue(struct script *s, struct text *t)
{
	const char *events = (s->flags & SCRIPT_LINE_STARTED)  ? started_prologue
			     : (s->flags & SCRIPT_LINE_EVENTS) ? events_prologue
							       : no_events_prologue;
	return text_append_str(t, line_prologue) < 0 || text_append_str(t, events) < 0 ||
		       text_append_str(t, (s->flags & SCRIPT_KEEP_GOING) ? check_keep_going
									 : check_stop) < 0
		   ? -1
		   : 0;
}

/* Takes the logical lines the input holds so far into s->lines and their
 * program text into t; returns how many, or -1 (err set). */
static long take_lines(struct script *s, struct text *t, int eof, struct error *err)
{
	long taken = 0;
	struct script_line line;
	while (next_logical_line(s->input, s->input_length, eof, &s->scan_pos, &s->scan_number,
				 &line)) {
		if (is_blank_or_comment(s->input + line.offset, line.length))
			continue;
		if (add_line(s, line.number, line.offset, line.length) < 0 ||
		    (check_line(s, &line, err) == 0 && append_line(s, t, &line) < 0)) {
			error_set(err, ENOMEM, "preparing the script");
			return -1;
		}
		if (err->message[0])
			return -1;
		taken++;
	}
	if (eof && (s->flags & SCRIPT_KEEP_GOING) && text_append_str(t, keep_going_epilogue) < 0) {
		error_set(err, ENOMEM, "preparing the script");
		return -1;
	}
	return taken;
}

static int refuse_nul(const char *input, size_t from, size_t length, struct error *err)
{
	const char *nul = memchr(input + from, '\0', length - from);
	if (!nul)
		return 0;
	size_t line = 1;
	for (const char *p = input; p < nul; p++)
		line += *p == '\n';
	error_set(err, 0, "input line %zu contains a NUL byte, which no shell can run", line);
	return -1;
}

int script_build(char *input, size_t length, int line_mode, int flags, struct script *out,
		 struct error *err)
{
	memset(out, 0, sizeof(*out));
	out->input = input;
	out->input_length = length;
	out->flags = flags;
	if (refuse_nul(input, 0, length, err) < 0)
		return -1;
	if (!line_mode) {
		out->text = malloc(length + 1);
		if (!out->text)
			goto nomem;
		memcpy(out->text, input, length);
		out->text[length] = '\0';
		out->text_length = length;
		return 0;
	}
	/* Every line is checked before any runs: the input is all here. */
	struct script_line line;
	while (next_logical_line(input, length, 1, &out->scan_pos, &out->scan_number, &line))
		if (!is_blank_or_comment(input + line.offset, line.length) &&
		    add_line(out, line.number, line.offset, line.length) < 0)
			goto nomem;
	for (size_t i = 0; i < out->line_count; i++)
		if (check_line(out, &out->lines[i], err) < 0)
			return -1;
	struct text t = {0};
	int failed = append_prologue(out, &t) < 0;
	for (size_t i = 0; i < out->line_count && !failed; i++)
		failed = append_line(out, &t, &out->lines[i]) < 0;
	if (!failed && (flags & SCRIPT_KEEP_GOING))
		failed = text_append_str(&t, keep_going_epilogue) < 0;
	if (failed) {
		free(t.data);
		goto nomem;
	}
	text_keep(out, &t);
	return 0;
nomem:
	error_set(err, ENOMEM, "preparing the script");
	return -1;
}

int script_stream_begin(struct script *out, int line_mode, int flags, struct error *err)
{
	memset(out, 0, sizeof(*out));
	out->streaming = 1;
	out->line_mode = line_mode;
	out->flags = flags;
	struct text t = {0};
	if (line_mode && append_prologue(out, &t) < 0) {
		free(t.data);
		error_set(err, ENOMEM, "preparing the script");
		return -1;
	}
	text_keep(out, &t);
	return 0;
}

long script_stream_input(struct script *s, const char *data, size_t length, int eof,
			 struct error *err)
{
	if (s->input_length + length > SCRIPT_INPUT_MAX) {
		error_set(err, 0, "input is larger than %u MiB", SCRIPT_INPUT_MAX / (1024 * 1024));
		return -1;
	}
	if (s->input_length + length + 1 > s->input_capacity) {
		size_t cap = s->input_capacity ? s->input_capacity : 64 * 1024;
		while (cap < s->input_length + length + 1)
			cap *= 2;
		char *grown = realloc(s->input, cap);
		if (!grown) {
			error_set(err, ENOMEM, "reading the commands");
			return -1;
		}
		s->input = grown;
		s->input_capacity = cap;
	}
	size_t from = s->input_length;
	if (length)
		memcpy(s->input + from, data, length);
	s->input_length += length;
	s->input[s->input_length] = '\0';
	/* A refused piece runs not at all, nor do the lines that came with
	 * it: a whole input piped at once is refused before anything runs,
	 * as when it was read in full first. Lines of earlier pieces have run. */
	s->stream_lines = 0;
	if (refuse_nul(s->input, from, s->input_length, err) < 0)
		return -1;
	struct text t;
	text_of(s, &t);
	size_t text_before = t.length, lines_before = s->line_count;
	long taken;
	if (!s->line_mode) {
		taken = 0;
		if (text_append(&t, data, length) < 0) {
			error_set(err, ENOMEM, "reading the commands");
			taken = -1;
		}
	} else {
		taken = take_lines(s, &t, eof, err);
	}
	if (taken < 0) {
		t.length = text_before;
		if (t.data)
			t.data[t.length] = '\0';
		s->line_count = lines_before;
	}
	text_keep(s, &t);
	s->stream_lines = taken < 0 ? 0 : (size_t)taken;
	return taken;
}

int script_stream_close(struct script *s)
{
	if (!s->line_mode || !(s->flags & SCRIPT_KEEP_GOING))
		return 0;
	struct text t;
	text_of(s, &t);
	int r = text_append_str(&t, keep_going_epilogue);
	text_keep(s, &t);
	s->stream_lines = 0;
	return r;
}

void script_stream_taken(struct script *s)
{
	s->text_length = 0;
}

const struct script_line *script_find_line(const struct script *s, unsigned number)
{
	size_t lo = 0, hi = s->line_count;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->lines[mid].number == number)
			return &s->lines[mid];
		if (s->lines[mid].number < number)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void script_line_describe(const struct script *s, const struct script_line *line, char *buf,
			  size_t size)
{
	text_sanitize(buf, size, s->input + line->offset, line->length, 160);
}

void script_free(struct script *s)
{
	free(s->text);
	free(s->lines);
	free(s->input);
	memset(s, 0, sizeof(*s));
}

int script_prepend(struct script *s, const char *text)
{
	size_t n = strlen(text);
	char *joined = malloc(n + s->text_length + 1);
	if (!joined)
		return -1;
	memcpy(joined, text, n);
	if (s->text_length)
		memcpy(joined + n, s->text, s->text_length);
	joined[n + s->text_length] = '\0';
	free(s->text);
	s->text = joined;
	s->text_length += n;
	s->text_capacity = s->text_length + 1;
	return 0;
}
