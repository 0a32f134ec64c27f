/* Line-mode script building (lib/exec/line_script.c): which lines run, how they
 * are numbered and quoted, and what is refused. */
#include "lib/exec/line_script.h"
#include "unit.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static struct script s;
static struct error err;

static int build(const char *input, size_t length, int line_mode, int keep_going)
{
	script_free(&s);
	memset(&err, 0, sizeof(err));
	char *copy = malloc(length + 1);
	memcpy(copy, input, length);
	return script_build(copy, length, line_mode, keep_going, &s, &err);
}

#define BUILD_LINES(literal) build(literal, sizeof(literal) - 1, 1, 0)

/* The logical line i as the user wrote it. */
static const char *line_text(size_t i)
{
	static char buf[256];
	snprintf(buf, sizeof(buf), "%.*s", (int)s.lines[i].length, s.input + s.lines[i].offset);
	return buf;
}

static int test_blank_lines_and_comments_are_skipped(void)
{
	EXPECT(BUILD_LINES("\n  \n# comment\n\t# indented\necho a\n\t\necho b # trailing\n") == 0);
	EXPECT(s.line_count == 2);
	EXPECT(s.lines[0].number == 5);
	EXPECT_STR(line_text(0), "echo a");
	EXPECT(s.lines[1].number == 7);
	EXPECT_STR(line_text(1), "echo b # trailing");
	return 0;
}

static int test_only_comments_make_no_lines(void)
{
	EXPECT(BUILD_LINES("# a\n\n   # b\n") == 0);
	EXPECT(s.line_count == 0);
	EXPECT(build("", 0, 1, 0) == 0);
	EXPECT(s.line_count == 0);
	return 0;
}

static int test_crlf_is_stripped(void)
{
	EXPECT(BUILD_LINES("echo a\r\n\r\necho b\r\n") == 0);
	EXPECT(s.line_count == 2);
	EXPECT_STR(line_text(0), "echo a");
	EXPECT(s.lines[1].number == 3);
	EXPECT_STR(line_text(1), "echo b");
	EXPECT(memchr(s.text, '\r', s.text_length) == NULL);
	return 0;
}

static int test_last_line_without_newline_counts(void)
{
	EXPECT(BUILD_LINES("echo a\necho b") == 0);
	EXPECT(s.line_count == 2);
	EXPECT_STR(line_text(1), "echo b");
	return 0;
}

static int test_backslash_continues_a_line(void)
{
	EXPECT(BUILD_LINES("echo a \\\n  b\necho c\n") == 0);
	EXPECT(s.line_count == 2);
	EXPECT(s.lines[0].number == 1);
	EXPECT_STR(line_text(0), "echo a \\\n  b");
	EXPECT(s.lines[1].number == 3);
	return 0;
}

static int test_even_backslashes_do_not_continue(void)
{
	EXPECT(BUILD_LINES("echo x\\\\\necho y\n") == 0);
	EXPECT(s.line_count == 2);
	EXPECT_STR(line_text(0), "echo x\\\\");
	return 0;
}

static int test_continuation_at_end_of_input(void)
{
	EXPECT(BUILD_LINES("echo a \\") == 0);
	EXPECT(s.line_count == 1);
	EXPECT_STR(line_text(0), "echo a \\");
	return 0;
}

static int test_crlf_continuation_leaves_no_cr_in_the_script(void)
{
	/* A CR kept between the backslash and the newline would make the
	 * shell see an escaped CR, not a continuation. */
	EXPECT(BUILD_LINES("echo one \\\r\ntwo\r\n") == 0);
	EXPECT(s.line_count == 1);
	EXPECT(memchr(s.text, '\r', s.text_length) == NULL);
	return 0;
}

static int test_single_quotes_are_quoted(void)
{
	EXPECT(BUILD_LINES("echo 'it'\"'\"'s'\n") == 0);
	EXPECT(strstr(s.text, "eval 'echo '\\''it'\\''\"'\\''\"'\\''s'\\'''\n") != NULL);
	return 0;
}

static int test_nul_byte_is_rejected_with_its_line(void)
{
	static const char input[] = "echo a\n\necho \0b\n";
	EXPECT(build(input, sizeof(input) - 1, 1, 0) == -1);
	EXPECT(strstr(err.message, "line 3") != NULL);
	EXPECT(strstr(err.message, "NUL") != NULL);
	/* Script mode refuses it too: no shell can run it. */
	EXPECT(build(input, sizeof(input) - 1, 0, 0) == -1);
	return 0;
}

static int test_script_mode_is_verbatim(void)
{
	static const char input[] = "if true; then\r\n  echo 'x'\nfi \\\n# c\n";
	EXPECT(build(input, sizeof(input) - 1, 0, 0) == 0);
	EXPECT(s.text_length == sizeof(input) - 1);
	EXPECT(memcmp(s.text, input, s.text_length) == 0);
	EXPECT(s.line_count == 0);
	return 0;
}

static int test_line_lookup(void)
{
	EXPECT(BUILD_LINES("echo 1\n# 2\necho 3 \\\n4\n\necho 6\n") == 0);
	EXPECT(s.line_count == 3);
	EXPECT(script_find_line(&s, 1) == &s.lines[0]);
	EXPECT(script_find_line(&s, 3) == &s.lines[1]);
	EXPECT(script_find_line(&s, 6) == &s.lines[2]);
	EXPECT(script_find_line(&s, 0) == NULL);
	EXPECT(script_find_line(&s, 2) == NULL); /* a comment */
	EXPECT(script_find_line(&s, 4) == NULL); /* inside a continuation */
	EXPECT(script_find_line(&s, 7) == NULL);
	return 0;
}

static int test_line_lookup_among_many(void)
{
	size_t n = 3000;
	char *input = malloc(n * 2);
	for (size_t i = 0; i < n; i++) {
		input[2 * i] = ':';
		input[2 * i + 1] = '\n';
	}
	script_free(&s);
	EXPECT(script_build(input, n * 2, 1, 0, &s, &err) == 0);
	EXPECT(s.line_count == n);
	for (unsigned k = 1; k <= n; k += 7)
		EXPECT(script_find_line(&s, k) && script_find_line(&s, k)->number == k);
	return 0;
}

static int test_line_description_is_printable_and_bounded(void)
{
	char buf[200];
	EXPECT(BUILD_LINES("echo a\tb \\\nc\x1b[31m\n") == 0);
	script_line_describe(&s, &s.lines[0], buf, sizeof(buf));
	EXPECT_STR(buf, "echo a?b \\ c?[31m");
	char longline[400];
	memset(longline, 'x', sizeof(longline));
	EXPECT(build(longline, sizeof(longline), 1, 0) == 0);
	script_line_describe(&s, &s.lines[0], buf, sizeof(buf));
	EXPECT(strlen(buf) == 163);
	EXPECT(strcmp(buf + 160, "...") == 0);
	char tiny[8];
	script_line_describe(&s, &s.lines[0], tiny, sizeof(tiny));
	EXPECT(strlen(tiny) < sizeof(tiny));
	return 0;
}

/* Runs the generated program with the host's /bin/sh, as the guest would:
 * $1 is the failed-lines log. Returns the exit status. */
static int run_with_sh(const char *dir, char *out, size_t out_size, char *log, size_t log_size)
{
	char script_path[256], log_path[256], out_path[256];
	snprintf(script_path, sizeof(script_path), "%s/script", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	FILE *f = fopen(script_path, "w");
	if (!f)
		return -1;
	fwrite(s.text, 1, s.text_length, f);
	fclose(f);
	unlink(log_path);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen(out_path, "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(99);
		execl("/bin/sh", "sh", script_path, log_path, (char *)NULL);
		_exit(98);
	}
	int status;
	waitpid(pid, &status, 0);
	out[0] = log[0] = '\0';
	f = fopen(out_path, "r");
	if (f) {
		size_t n = fread(out, 1, out_size - 1, f);
		out[n] = '\0';
		fclose(f);
	}
	f = fopen(log_path, "r");
	if (f) {
		size_t n = fread(log, 1, log_size - 1, f);
		log[n] = '\0';
		fclose(f);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int test_generated_program_stops_at_first_failure(void)
{
	char dir[] = "/tmp/krunsh-unit.XXXXXX", out[512], log[512];
	EXPECT(mkdtemp(dir));
	EXPECT(BUILD_LINES("x='it'\\''s $HOME \\'\necho \"$x\"\n\n(exit 3)\necho after\n") == 0);
	int rc = run_with_sh(dir, out, sizeof(out), log, sizeof(log));
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
	EXPECT(rc == 3);
	EXPECT_STR(out, "it's $HOME \\\n");
	EXPECT_STR(log, "4 3\n");
	return 0;
}

static int test_generated_program_keeps_going(void)
{
	char dir[] = "/tmp/krunsh-unit.XXXXXX", out[512], log[512];
	EXPECT(mkdtemp(dir));
	static const char input[] = "cd /\n(exit 4)\necho $PWD\nfalse\n";
	EXPECT(build(input, sizeof(input) - 1, 1, 1) == 0);
	int rc = run_with_sh(dir, out, sizeof(out), log, sizeof(log));
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
	EXPECT(rc == 4);
	EXPECT_STR(out, "/\n");
	EXPECT_STR(log, "2 4\n4 1\n");
	return 0;
}

static int test_line_calling_exit_is_reported(void)
{
	char dir[] = "/tmp/krunsh-unit.XXXXXX", out[512], log[512];
	EXPECT(mkdtemp(dir));
	EXPECT(BUILD_LINES("echo a\nexit 7\necho b\n") == 0);
	int rc = run_with_sh(dir, out, sizeof(out), log, sizeof(log));
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)!system(cmd);
	EXPECT(rc == 7);
	EXPECT_STR(out, "a\n");
	EXPECT_STR(log, "2 7\n");
	return 0;
}

int main(void)
{
	RUN(test_blank_lines_and_comments_are_skipped);
	RUN(test_only_comments_make_no_lines);
	RUN(test_crlf_is_stripped);
	RUN(test_last_line_without_newline_counts);
	RUN(test_backslash_continues_a_line);
	RUN(test_even_backslashes_do_not_continue);
	RUN(test_continuation_at_end_of_input);
	RUN(test_crlf_continuation_leaves_no_cr_in_the_script);
	RUN(test_single_quotes_are_quoted);
	RUN(test_nul_byte_is_rejected_with_its_line);
	RUN(test_script_mode_is_verbatim);
	RUN(test_line_lookup);
	RUN(test_line_lookup_among_many);
	RUN(test_line_description_is_printable_and_bounded);
	RUN(test_generated_program_stops_at_first_failure);
	RUN(test_generated_program_keeps_going);
	RUN(test_line_calling_exit_is_reported);
	script_free(&s);
	return unit_finish();
}
