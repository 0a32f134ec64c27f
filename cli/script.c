/* Line mode: each logical line becomes `command eval 'LINE'` followed by a
 * status check, all in one shell so that cd and variables carry over. eval
 * keeps a line's syntax error inside that line; `command` keeps it (and any
 * other special built-in's error) from ending the shell, as POSIX says, so
 * --keep-going goes on after it. Quoting the line as a single-quoted word
 * means no byte of it is ever interpreted by our wrapper. */
#include "cli/script.h"
#include "cli/line_syntax.h"
#include "lib/util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int script_read_fd(int fd, char **out, size_t *length, struct error *err)
{
	size_t cap = 64 * 1024, used = 0;
	char *buf = malloc(cap);
	if (!buf) {
		error_set(err, ENOMEM, "reading the commands");
		return -1;
	}
	for (;;) {
		if (used == cap) {
			if (cap >= SCRIPT_INPUT_MAX) {
				free(buf);
				error_set(err, 0, "input is larger than %u MiB",
					  SCRIPT_INPUT_MAX / (1024 * 1024));
				return -1;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown) {
				free(buf);
				error_set(err, ENOMEM, "reading the commands");
				return -1;
			}
			buf = grown;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(buf);
			error_set(err, saved, "reading the commands");
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	*out = buf;
	*length = used;
	return 0;
}

int script_read_file(const char *path, char **out, size_t *length, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_set(err, errno, "cannot open %s", path);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		error_set(err, 0, "%s is a directory, not a file of commands", path);
		return -1;
	}
	int r = script_read_fd(fd, out, length, err);
	close(fd);
	if (r < 0) {
		/* inner.message already ends in the errno's text. */
		struct error inner = *err;
		error_set(err, 0, "%s: %s", path, inner.message);
		err->errnum = inner.errnum;
	}
	return r;
}

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
    "|| printf \"%s %s\\n\" \"$__krunsh_line\" \"$__krunsh_status\" >>\"$__krunsh_log\"' EXIT\n";

/* With --report, each line's start and end go to a FIFO the agent reads and
 * timestamps (opened per write so no descriptor leaks into the commands). */
static const char events_prologue[] = "__krunsh_events=$2; set --\n"
				      "__krunsh_event() { printf '%s %s %s\\n' \"$1\" "
				      "\"$__krunsh_line\" \"$2\" >\"$__krunsh_events\"; }\n";

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

/* Splits the input into logical lines (CR before LF dropped, backslash
 * continuations joined, blanks and comments skipped). */
static int collect_lines(struct script *out, const char *in, size_t length)
{
	size_t pos = 0;
	unsigned number = 0;
	while (pos < length) {
		size_t start = pos;
		unsigned first = number + 1;
		size_t end;
		for (;;) {
			const char *nl = memchr(in + pos, '\n', length - pos);
			end = nl ? (size_t)(nl - in) : length;
			number++;
			size_t content_end = end;
			if (content_end > pos && in[content_end - 1] == '\r')
				content_end--;
			pos = nl ? end + 1 : length;
			if (!continues(in + start, content_end - start) || pos >= length) {
				end = content_end;
				break;
			}
		}
		if (is_blank_or_comment(in + start, end - start))
			continue;
		if (add_line(out, first, start, end - start) < 0)
			return -1;
	}
	return 0;
}

/* Before anything runs: a line whose construct needs the next lines would
 * have them run as commands of their own (a here-document's body). */
static int check_lines(const struct script *s, struct error *err)
{
	for (size_t i = 0; i < s->line_count; i++) {
		const struct script_line *line = &s->lines[i];
		char why[160];
		if (line_syntax_check(s->input + line->offset, line->length, why, sizeof(why)) == 0)
			continue;
		error_set(err, 0, "line %u: %s (use --script for multi-line constructs)",
			  line->number, why);
		return -1;
	}
	return 0;
}

int script_build(char *input, size_t length, int line_mode, int flags, struct script *out,
		 struct error *err)
{
	int keep_going = flags & SCRIPT_KEEP_GOING;
	int events = flags & SCRIPT_LINE_EVENTS;
	memset(out, 0, sizeof(*out));
	out->input = input;
	out->input_length = length;
	const char *nul = memchr(input, '\0', length);
	if (nul) {
		size_t line = 1;
		for (const char *p = input; p < nul; p++)
			line += *p == '\n';
		error_set(err, 0, "input line %zu contains a NUL byte, which no shell can run",
			  line);
		return -1;
	}
	if (!line_mode) {
		out->text = malloc(length + 1);
		if (!out->text)
			goto nomem;
		memcpy(out->text, input, length);
		out->text[length] = '\0';
		out->text_length = length;
		return 0;
	}
	if (collect_lines(out, input, length) < 0)
		goto nomem;
	if (check_lines(out, err) < 0)
		return -1;
	struct text t = {0};
	int failed = text_append_str(&t, line_prologue) < 0 ||
		     text_append_str(&t, events ? events_prologue : no_events_prologue) < 0 ||
		     text_append_str(&t, keep_going ? check_keep_going : check_stop) < 0;
	for (size_t i = 0; i < out->line_count && !failed; i++) {
		char number[96];
		snprintf(number, sizeof(number), "__krunsh_line=%u\n%scommand eval ",
			 out->lines[i].number, events ? "__krunsh_event S\n" : "");
		failed = text_append_str(&t, number) < 0 ||
			 text_append_quoted(&t, input + out->lines[i].offset,
					    out->lines[i].length) < 0 ||
			 text_append_str(&t, "\n__krunsh_check\n") < 0;
	}
	if (!failed && keep_going)
		failed = text_append_str(&t, keep_going_epilogue) < 0;
	if (failed) {
		free(t.data);
		goto nomem;
	}
	out->text = t.data;
	out->text_length = t.length;
	return 0;
nomem:
	error_set(err, ENOMEM, "preparing the script");
	return -1;
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
