/* A small shell tokenizer for one line-mode line: quotes, escapes,
 * comments, $( ), ${ }, $(( )) and backquotes are skipped as the shell
 * would, and the reserved words that open and close compound commands are
 * counted where the shell recognises them (as the first word of a command).
 * It is deliberately lenient: a line it cannot make sense of (a stray `fi`,
 * a `)` without its `(`) is accepted, and the shell's own syntax error
 * follows. Only what certainly runs on into the next lines is refused. */
#include "lib/exec/line_syntax.h"

#include <stdio.h>
#include <string.h>

#define MAX_FRAMES 64
#define MAX_DEPTH  64

enum scan_result {
	SCAN_OK,
	SCAN_REFUSE,  /* *why says what */
	SCAN_GIVE_UP, /* not ours to judge: let the shell decide */
};

enum frame_kind { FRAME_IF, FRAME_LOOP, FRAME_FOR, FRAME_CASE, FRAME_BRACE, FRAME_PAREN };

/* Where a for or case is in its header, or whether it is in its body. */
enum frame_state {
	STATE_BODY,
	STATE_FOR_NAME,	      /* for _ */
	STATE_FOR_AFTER_NAME, /* for i _ (in or do) */
	STATE_FOR_WORDS,      /* for i in a b _ */
	STATE_CASE_SUBJECT,   /* case _ */
	STATE_CASE_IN,	      /* case x _ */
	STATE_CASE_PATTERN,   /* case x in _) or ;; _) */
};

struct frame {
	enum frame_kind kind;
	enum frame_state state;
	const char *opener; /* the word that opened it, for the message */
	int pattern_started;
	size_t open_pos; /* FRAME_PAREN: where, to see `f()` */
};

struct scanner {
	const char *s;
	size_t n, pos;
	int depth;
	char *why;
	size_t why_size;
};

static enum scan_result refuse(struct scanner *sc, const char *what)
{
	snprintf(sc->why, sc->why_size, "%s", what);
	return SCAN_REFUSE;
}

static int is_operator_char(char c)
{
	return c == ';' || c == '&' || c == '|' || c == '(' || c == ')' || c == '<' || c == '>';
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* Backslash-newline (or backslash-CR-newline) is a continuation: nothing. */
static size_t escape_length(const struct scanner *sc)
{
	if (sc->pos + 2 < sc->n && sc->s[sc->pos + 1] == '\r' && sc->s[sc->pos + 2] == '\n')
		return 3;
	return sc->pos + 1 < sc->n ? 2 : 1;
}

static enum scan_result scan_list(struct scanner *sc, char terminator);
static enum scan_result scan_dollar(struct scanner *sc, int in_double_quotes);

static enum scan_result scan_single_quotes(struct scanner *sc)
{
	const char *close = memchr(sc->s + sc->pos + 1, '\'', sc->n - sc->pos - 1);
	if (!close)
		return refuse(sc, "a quote (') is not closed on this line");
	sc->pos = (size_t)(close - sc->s) + 1;
	return SCAN_OK;
}

/* Backquotes are skipped whole: what they hold is not looked into. */
static enum scan_result scan_backquotes(struct scanner *sc)
{
	for (sc->pos++; sc->pos < sc->n; sc->pos++) {
		if (sc->s[sc->pos] == '\\')
			sc->pos++;
		else if (sc->s[sc->pos] == '`') {
			sc->pos++;
			return SCAN_OK;
		}
	}
	return refuse(sc, "a backquote (`) is not closed on this line");
}

static enum scan_result scan_double_quotes(struct scanner *sc)
{
	for (sc->pos++; sc->pos < sc->n;) {
		char c = sc->s[sc->pos];
		enum scan_result r = SCAN_OK;
		if (c == '"') {
			sc->pos++;
			return SCAN_OK;
		} else if (c == '\\') {
			sc->pos += escape_length(sc);
		} else if (c == '$') {
			r = scan_dollar(sc, 1);
		} else if (c == '`') {
			r = scan_backquotes(sc);
		} else {
			sc->pos++;
		}
		if (r != SCAN_OK)
			return r;
	}
	return refuse(sc, "a quote (\") is not closed on this line");
}

/* ${...}: quotes inside count as quotes only outside double quotes. */
static enum scan_result scan_parameter(struct scanner *sc, int in_double_quotes)
{
	for (sc->pos += 2; sc->pos < sc->n;) {
		char c = sc->s[sc->pos];
		enum scan_result r = SCAN_OK;
		if (c == '}') {
			sc->pos++;
			return SCAN_OK;
		} else if (c == '\\') {
			sc->pos += escape_length(sc);
		} else if (c == '\'' && !in_double_quotes) {
			r = scan_single_quotes(sc);
		} else if (c == '"') {
			r = scan_double_quotes(sc);
		} else if (c == '$') {
			r = scan_dollar(sc, in_double_quotes);
		} else if (c == '`') {
			r = scan_backquotes(sc);
		} else {
			sc->pos++;
		}
		if (r != SCAN_OK)
			return r;
	}
	return refuse(sc, "a ${ is not closed on this line");
}

static enum scan_result scan_arithmetic(struct scanner *sc)
{
	int parens = 2;
	for (sc->pos += 3; sc->pos < sc->n; sc->pos++) {
		if (sc->s[sc->pos] == '(')
			parens++;
		else if (sc->s[sc->pos] == ')' && --parens == 0) {
			sc->pos++;
			return SCAN_OK;
		}
	}
	return refuse(sc, "a $(( is not closed on this line");
}

static enum scan_result scan_dollar(struct scanner *sc, int in_double_quotes)
{
	char next = sc->pos + 1 < sc->n ? sc->s[sc->pos + 1] : '\0';
	if (next == '(' && sc->pos + 2 < sc->n && sc->s[sc->pos + 2] == '(')
		return scan_arithmetic(sc);
	if (next == '(') {
		if (sc->depth >= MAX_DEPTH)
			return SCAN_GIVE_UP;
		sc->depth++;
		sc->pos += 2;
		enum scan_result r = scan_list(sc, ')');
		sc->depth--;
		return r;
	}
	if (next == '{') {
		if (sc->depth >= MAX_DEPTH)
			return SCAN_GIVE_UP;
		sc->depth++;
		enum scan_result r = scan_parameter(sc, in_double_quotes);
		sc->depth--;
		return r;
	}
	if (next == '\'' && !in_double_quotes) {
		/* bash's $'...', where \' does not end the string. */
		for (sc->pos += 2; sc->pos < sc->n; sc->pos++) {
			if (sc->s[sc->pos] == '\\')
				sc->pos++;
			else if (sc->s[sc->pos] == '\'') {
				sc->pos++;
				return SCAN_OK;
			}
		}
		return refuse(sc, "a quote ($') is not closed on this line");
	}
	sc->pos++;
	return SCAN_OK;
}

/* Reads one word; *plain is set when it has no quote, escape or expansion,
 * the only kind of word that can be a reserved word. */
static enum scan_result scan_word(struct scanner *sc, size_t *start, int *plain)
{
	*start = sc->pos;
	*plain = 1;
	if (sc->depth >= MAX_DEPTH)
		return SCAN_GIVE_UP;
	sc->depth++;
	enum scan_result r = SCAN_OK;
	while (r == SCAN_OK && sc->pos < sc->n) {
		char c = sc->s[sc->pos];
		if (is_blank(c) || c == '\n' || is_operator_char(c))
			break;
		if (c == '\\' || c == '\'' || c == '"' || c == '`' || c == '$')
			*plain = 0;
		if (c == '\\')
			sc->pos += escape_length(sc);
		else if (c == '\'')
			r = scan_single_quotes(sc);
		else if (c == '"')
			r = scan_double_quotes(sc);
		else if (c == '`')
			r = scan_backquotes(sc);
		else if (c == '$')
			r = scan_dollar(sc, 0);
		else
			sc->pos++;
	}
	sc->depth--;
	return r;
}

static int word_is(const struct scanner *sc, size_t start, const char *keyword)
{
	size_t len = strlen(keyword);
	return sc->pos - start == len && memcmp(sc->s + start, keyword, len) == 0;
}

struct list_state {
	struct frame frames[MAX_FRAMES];
	int top;
	int command_position;  /* the next word may be a reserved word */
	int redirect_target;   /* the next word is a redirection's file */
	const char *continues; /* the last token was | && ||: its text */
};

static struct frame *innermost(struct list_state *ls)
{
	return ls->top ? &ls->frames[ls->top - 1] : NULL;
}

static enum scan_result push(struct list_state *ls, enum frame_kind kind, enum frame_state state,
			     const char *opener, size_t pos)
{
	if (ls->top == MAX_FRAMES)
		return SCAN_GIVE_UP;
	ls->frames[ls->top++] = (struct frame){kind, state, opener, 0, pos};
	return SCAN_OK;
}

/* A word where a for or case header expects one. Returns 1 if consumed. */
static int header_word(struct scanner *sc, struct list_state *ls, size_t start, int plain)
{
	struct frame *f = innermost(ls);
	if (!f || f->state == STATE_BODY)
		return 0;
	switch (f->state) {
	case STATE_FOR_NAME:
		f->state = STATE_FOR_AFTER_NAME;
		break;
	case STATE_FOR_AFTER_NAME:
		if (plain && word_is(sc, start, "do")) {
			f->state = STATE_BODY;
			ls->command_position = 1;
			return 1;
		}
		f->state = STATE_FOR_WORDS;
		break;
	case STATE_FOR_WORDS:
		if (ls->command_position && plain && word_is(sc, start, "do")) {
			f->state = STATE_BODY;
			return 1;
		}
		break;
	case STATE_CASE_SUBJECT:
		f->state = STATE_CASE_IN;
		break;
	case STATE_CASE_IN:
		/* Anything but "in" is the shell's syntax error to report. */
		f->state = STATE_CASE_PATTERN;
		break;
	case STATE_CASE_PATTERN:
		if (!f->pattern_started && plain && word_is(sc, start, "esac")) {
			ls->top--;
			ls->command_position = 0;
			return 1;
		}
		f->pattern_started = 1;
		break;
	case STATE_BODY:
		break;
	}
	ls->command_position = 0;
	return 1;
}

static enum scan_result reserved_word(struct scanner *sc, struct list_state *ls, size_t start)
{
	struct frame *f = innermost(ls);
	int in_if = f && f->kind == FRAME_IF;
	int in_loop = f && (f->kind == FRAME_LOOP || f->kind == FRAME_FOR);
	ls->command_position = 1;
	if (word_is(sc, start, "if"))
		return push(ls, FRAME_IF, STATE_BODY, "if", start);
	if (word_is(sc, start, "while"))
		return push(ls, FRAME_LOOP, STATE_BODY, "while", start);
	if (word_is(sc, start, "until"))
		return push(ls, FRAME_LOOP, STATE_BODY, "until", start);
	if (word_is(sc, start, "{"))
		return push(ls, FRAME_BRACE, STATE_BODY, "{", start);
	if (word_is(sc, start, "for") || word_is(sc, start, "select")) {
		ls->command_position = 0;
		return push(ls, FRAME_FOR, STATE_FOR_NAME, sc->s[start] == 'f' ? "for" : "select",
			    start);
	}
	if (word_is(sc, start, "case")) {
		ls->command_position = 0;
		return push(ls, FRAME_CASE, STATE_CASE_SUBJECT, "case", start);
	}
	if (word_is(sc, start, "then") || word_is(sc, start, "else") || word_is(sc, start, "elif"))
		return in_if ? SCAN_OK : SCAN_GIVE_UP;
	if (word_is(sc, start, "do"))
		return in_loop ? SCAN_OK : SCAN_GIVE_UP;
	if (word_is(sc, start, "!"))
		return SCAN_OK;
	ls->command_position = 0;
	int closes = (word_is(sc, start, "fi") && in_if) ||
		     (word_is(sc, start, "done") && in_loop) ||
		     (word_is(sc, start, "esac") && f && f->kind == FRAME_CASE) ||
		     (word_is(sc, start, "}") && f && f->kind == FRAME_BRACE);
	if (closes) {
		ls->top--;
		return SCAN_OK;
	}
	if (word_is(sc, start, "fi") || word_is(sc, start, "done") || word_is(sc, start, "esac") ||
	    word_is(sc, start, "}"))
		return SCAN_GIVE_UP;
	return SCAN_OK;
}

static enum scan_result scan_redirection(struct scanner *sc, struct list_state *ls)
{
	const char *s = sc->s + sc->pos;
	size_t left = sc->n - sc->pos;
	if (left >= 3 && memcmp(s, "<<<", 3) == 0) {
		sc->pos += 3; /* bash's here-string: one line */
	} else if (left >= 2 && memcmp(s, "<<", 2) == 0) {
		return refuse(sc, "a here-document (<<) takes its body from the next lines, "
				  "which line mode would run as commands");
	} else {
		sc->pos++;
		if (sc->pos < sc->n && strchr("<>&|", sc->s[sc->pos]))
			sc->pos++;
	}
	ls->redirect_target = 1;
	return SCAN_OK;
}

/* ; ;; & && | || ( ) and the redirections. Returns 1 at the terminator. */
static enum scan_result scan_operator(struct scanner *sc, struct list_state *ls, char terminator,
				      int *done)
{
	char c = sc->s[sc->pos];
	char next = sc->pos + 1 < sc->n ? sc->s[sc->pos + 1] : '\0';
	struct frame *f = innermost(ls);
	int in_pattern = f && f->kind == FRAME_CASE && f->state == STATE_CASE_PATTERN;
	ls->continues = NULL;
	if (c == '<' || c == '>' || (c == '&' && next == '>'))
		return scan_redirection(sc, ls);
	ls->command_position = 1;
	if (c == ';') {
		sc->pos += next == ';' || next == '&' ? 2 : 1;
		if (sc->pos < sc->n && sc->s[sc->pos] == '&')
			sc->pos++; /* ;;& */
		if ((next == ';' || next == '&') && f && f->kind == FRAME_CASE) {
			f->state = STATE_CASE_PATTERN;
			f->pattern_started = 0;
		}
	} else if (c == '&' || c == '|') {
		int doubled = next == c || (c == '|' && next == '&');
		sc->pos += doubled ? 2 : 1;
		if (!in_pattern && (c == '|' || doubled))
			ls->continues = c == '|' ? (next == '|' ? "||" : "|") : "&&";
	} else if (c == '(') {
		sc->pos++;
		if (in_pattern)
			return SCAN_OK; /* case x in (x) ...: the optional ( */
		/* bash's for ((i = 0; i < n; i++)): no name, then ; do. */
		if (f && f->kind == FRAME_FOR && f->state == STATE_FOR_NAME)
			f->state = STATE_FOR_WORDS;
		return push(ls, FRAME_PAREN, STATE_BODY, "(", sc->pos);
	} else if (c == ')') {
		sc->pos++;
		if (in_pattern) {
			f->state = STATE_BODY;
		} else if (f && f->kind == FRAME_PAREN) {
			/* f() { ...: after an empty () a { opens the body. */
			int empty = 1;
			for (size_t i = f->open_pos; i + 1 < sc->pos; i++)
				empty &= is_blank(sc->s[i]);
			ls->command_position = empty;
			ls->top--;
		} else if (terminator == ')' && ls->top == 0) {
			*done = 1;
		} else {
			return SCAN_GIVE_UP;
		}
	}
	return SCAN_OK;
}

static enum scan_result scan_list(struct scanner *sc, char terminator)
{
	struct list_state ls = {.command_position = 1};
	while (sc->pos < sc->n) {
		char c = sc->s[sc->pos];
		enum scan_result r = SCAN_OK;
		int done = 0;
		if (is_blank(c)) {
			sc->pos++;
			continue;
		}
		if (c == '\\' && escape_length(sc) == 3) {
			sc->pos += 3;
			continue;
		}
		if (c == '\\' && sc->pos + 1 < sc->n && sc->s[sc->pos + 1] == '\n') {
			sc->pos += 2;
			continue;
		}
		if (c == '#') {
			const char *nl = memchr(sc->s + sc->pos, '\n', sc->n - sc->pos);
			sc->pos = nl ? (size_t)(nl - sc->s) : sc->n;
			continue;
		}
		if (c == '\n') {
			sc->pos++;
			ls.command_position = 1;
			ls.continues = NULL;
			continue;
		}
		if (is_operator_char(c)) {
			r = scan_operator(sc, &ls, terminator, &done);
		} else {
			size_t start;
			int plain;
			r = scan_word(sc, &start, &plain);
			ls.continues = NULL;
			if (r != SCAN_OK)
				return r;
			if (ls.redirect_target)
				ls.redirect_target = 0;
			else if (header_word(sc, &ls, start, plain))
				; /* a for or case header took it */
			else if (plain && ls.command_position)
				r = reserved_word(sc, &ls, start);
			else
				ls.command_position = 0;
		}
		if (r != SCAN_OK)
			return r;
		if (done)
			return SCAN_OK;
	}
	if (terminator == ')')
		return refuse(sc, "a $( is not closed on this line");
	if (ls.top) {
		snprintf(sc->why, sc->why_size, "`%s` is not closed on this line",
			 ls.frames[0].opener);
		return SCAN_REFUSE;
	}
	if (ls.continues) {
		snprintf(sc->why, sc->why_size,
			 "the line ends in `%s`, so its command goes on on the next line",
			 ls.continues);
		return SCAN_REFUSE;
	}
	return SCAN_OK;
}

int line_syntax_check(const char *line, size_t length, char *why, size_t why_size)
{
	struct scanner sc = {.s = line, .n = length, .why = why, .why_size = why_size};
	why[0] = '\0';
	return scan_list(&sc, '\0') == SCAN_REFUSE ? -1 : 0;
}
