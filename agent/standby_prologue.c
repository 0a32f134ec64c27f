/* What a standby shell is told when an execution takes it: the prologue
 * it evaluates before it sources the execution's script, and which
 * executions it can serve at all.
 *
 * The rule is that a standby-served execution must be what a fresh
 * `SHELL -c '. SCRIPT' krunsh ARGS` would have been (README, "Standby
 * shell"). What the shell imports from its environment at its start is
 * the one thing a prologue cannot always redo: dash ignores an inherited
 * IFS, validates PWD and refuses a non-numeric OPTIND, sets PPID itself,
 * and passes names that are not shell names on to its children while
 * `export` refuses them. An execution whose environment has any of those
 * runs in a fresh shell. */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <stdio.h>
#include <string.h>

static int is_shell_name(const char *name, size_t length)
{
	if (length == 0 || (name[0] >= '0' && name[0] <= '9'))
		return 0;
	for (size_t i = 0; i < length; i++) {
		char c = name[i];
		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

/* A name the shell treats otherwise at its start than in `export`. */
static int imported_specially(const char *name, size_t length)
{
	static const char *const names[] = {"IFS", "PWD", "OPTIND", "PPID"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == length && memcmp(names[i], name, length) == 0)
			return 1;
	return 0;
}

int standby_fits(const struct job *job, const char *shell)
{
	if (job->mode != JOB_MODE_SHELL_SCRIPT && job->mode != JOB_MODE_SHELL_LINES)
		return 0;
	/* A uid cannot be given to a running process; a terminal would have
	 * to be its controlling one from its start. */
	if (job->tty || job->user_set || !job->shell || strcmp(job->shell, shell) != 0)
		return 0;
	for (char **e = job->env; e && *e; e++) {
		size_t n = strcspn(*e, "=");
		if ((*e)[n] != '=' || !is_shell_name(*e, n) || imported_specially(*e, n))
			return 0;
	}
	return 1;
}

/* Appends to a bounded text; once it is full, every later append fails. */
struct prologue_text {
	char *data;
	size_t size, length;
	int full;
};

static void append(struct prologue_text *t, const char *s)
{
	size_t n = strlen(s);
	if (t->full || t->length + n + 1 > t->size) {
		t->full = 1;
		return;
	}
	memcpy(t->data + t->length, s, n + 1);
	t->length += n;
}

/* ' WORD' with WORD single-quoted ('\'' for a quote): the shell reads it
 * back byte for byte, newlines included. */
static void append_quoted(struct prologue_text *t, const char *word)
{
	append(t, " '");
	for (const char *p = word; *p && !t->full; p++) {
		char one[2] = {*p, '\0'};
		append(t, *p == '\'' ? "'\\''" : one);
	}
	append(t, "'");
}

int standby_prologue(const struct job *job, const char *cwd, unsigned umask_value,
		     const char *script_path, const char *const *positional, char *out,
		     size_t size)
{
	struct prologue_text t = {.data = out, .size = size};
	/* Its own variables go first: the job's environment may name them. */
	append(&t, "unset krunsh_line krunsh_prologue\n");
	/* The control pipe closed; without the host's stdin, stdin is
	 * /dev/null as a fresh shell's would be. */
	append(&t, job->forward_stdin ? "exec 3<&-\n" : "exec 3<&- </dev/null\n");
	/* A fresh shell starts in the directory without an OLDPWD; -P: its
	 * PWD is the physical path, as it computes it. An inherited OLDPWD is
	 * exported below. */
	append(&t, "cd -P --");
	append_quoted(&t, cwd);
	append(&t, " && unset OLDPWD || exit 125\n");
	char line[32];
	snprintf(line, sizeof(line), "umask %04o\n", umask_value & 07777);
	append(&t, line);
	for (char **e = job->env; e && *e; e++) {
		append(&t, "export");
		append_quoted(&t, *e);
		append(&t, "\n");
	}
	append(&t, "set --");
	for (const char *const *p = positional; *p; p++)
		append_quoted(&t, *p);
	append(&t, "\n.");
	append_quoted(&t, script_path);
	append(&t, "\n");
	return t.full ? -1 : (int)t.length;
}
