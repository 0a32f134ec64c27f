/* The line-mode tokenizer (lib/exec/line_syntax.c): one-line commands of
 * every usual shape are accepted, lines that run on into the next ones are
 * refused with a reason. */
#include "lib/exec/line_syntax.h"
#include "unit.h"

static int accepted(const char *line)
{
	char why[200];
	if (line_syntax_check(line, strlen(line), why, sizeof(why)) == 0)
		return 1;
	printf("#   refused [%s]: %s\n", line, why);
	return 0;
}

/* Refused, with a reason that contains NEEDLE. */
static int refused(const char *line, const char *needle)
{
	char why[200];
	if (line_syntax_check(line, strlen(line), why, sizeof(why)) == 0) {
		printf("#   accepted [%s]\n", line);
		return 0;
	}
	if (!strstr(why, needle)) {
		printf("#   [%s]: reason [%s] lacks [%s]\n", line, why, needle);
		return 0;
	}
	return 1;
}

static int test_one_line_commands_are_accepted(void)
{
	static const char *const lines[] = {
	    "echo hi",
	    "if true; then echo y; fi",
	    "if true; then echo y; elif false; then :; else echo n; fi",
	    "case x in x) echo x;; esac",
	    "case \"$1\" in -h|--help) echo usage;; (*) echo run;; esac",
	    "case x in if) echo pattern-if;; esac",
	    "{ echo a; }",
	    "{ echo a;}",
	    "( cd /tmp && ls )",
	    "echo '<<'",
	    "echo \"if\"",
	    "echo if then fi done esac { }",
	    "for i in 1 2; do echo $i; done",
	    "for i; do echo $i; done",
	    "for ((i = 0; i < 3; i++)); do echo $i; done",
	    "while read l; do echo \"$l\"; done <file",
	    "until false; do break; done",
	    "x=$(case a in a) echo y;; esac)",
	    "if [ \"$(echo \")\")\" = \")\" ]; then echo ok; fi",
	    "echo $((1 + (2 * 3)))",
	    "echo ${x:-\"a b\"} ${#x} ${y:+}}",
	    "echo 'it'\\''s' \\' \\\"",
	    "echo a # a comment with if and ' and <<",
	    "echo a#b",
	    "ls | grep x && echo y || echo z &",
	    "cmd 2>&1 | tee log >/dev/null",
	    "cat <<<'here-string'",
	    "echo \\<<x",
	    "f() { echo body; }",
	    "f() ( echo body )",
	    "arr=(1 2 3); echo ${arr[1]}",
	    "[[ $x == a ]] && echo yes",
	    "echo `date` `echo \\`nested\\``",
	    "echo $'it\\'s'",
	    "! true",
	    "echo a \\\n b",
	    "echo 'a\\\nb'",
	    "echo a \\\r\n b",
	    "trap 'echo bye' EXIT",
	    /* Not ours to judge: the shell reports these itself. */
	    "fi",
	    "echo )",
	    "then echo",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		EXPECT(accepted(lines[i]));
	return 0;
}

static int test_lines_that_run_on_are_refused(void)
{
	EXPECT(refused("cat <<EOF", "here-document"));
	EXPECT(refused("cat <<-'EOF'", "here-document"));
	EXPECT(refused("a=$(cat <<EOF", "here-document"));
	EXPECT(refused("echo a<<b", "here-document"));
	EXPECT(refused("if true; then", "`if` is not closed"));
	EXPECT(refused("if true; then echo; fi; if false", "`if` is not closed"));
	EXPECT(refused("while true; do", "`while` is not closed"));
	EXPECT(refused("until false", "`until` is not closed"));
	EXPECT(refused("for i in 1 2; do echo $i", "`for` is not closed"));
	EXPECT(refused("case x in", "`case` is not closed"));
	EXPECT(refused("case x in x) echo;;", "`case` is not closed"));
	EXPECT(refused("{ echo a", "`{` is not closed"));
	EXPECT(refused("f() {", "`{` is not closed"));
	EXPECT(refused("(echo a", "`(` is not closed"));
	EXPECT(refused("echo 'a", "quote (')"));
	EXPECT(refused("echo \"a", "quote (\")"));
	EXPECT(refused("echo `a", "backquote"));
	EXPECT(refused("x=$(echo a", "$("));
	EXPECT(refused("echo ${x", "${"));
	EXPECT(refused("echo $((1 +", "$(("));
	EXPECT(refused("echo a |", "`|`"));
	EXPECT(refused("true &&", "`&&`"));
	EXPECT(refused("false ||", "`||`"));
	return 0;
}

/* Deep nesting is given up on (left to the shell), never a crash. */
static int test_deep_nesting_is_bounded(void)
{
	static char line[20000];
	size_t n = 0;
	for (int i = 0; i < 3000; i++) {
		line[n++] = '$';
		line[n++] = '(';
	}
	line[n] = '\0';
	char why[200];
	EXPECT(line_syntax_check(line, n, why, sizeof(why)) == 0);
	return 0;
}

int main(void)
{
	RUN(test_one_line_commands_are_accepted);
	RUN(test_lines_that_run_on_are_refused);
	RUN(test_deep_nesting_is_bounded);
	return unit_finish();
}
