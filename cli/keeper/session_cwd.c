#include "cli/keeper/session_cwd.h"

#include <stdlib.h>
#include <string.h>

#define CWD_FILE "/tmp/.krunsh-session-cwd"

/* One line, so that a script's own line numbers shift by none: it ends in
 * "; " and the script's first line follows on it. read and cd are
 * built-ins; the trap saves the directory however the shell exits (a
 * line mode's trap replaces it and evals the same hook). */
static const char restore[] = "{ read -r __krunsh_cwd <" CWD_FILE
			      " && cd \"$__krunsh_cwd\"; } 2>/dev/null; unset __krunsh_cwd; ";
static const char save[] = "__krunsh_at_exit='pwd >" CWD_FILE " 2>/dev/null'; "
			   "trap 'eval \"$__krunsh_at_exit\"' EXIT; ";

int session_cwd_wrap(const struct options *opts, struct script *script)
{
	if (opts->proc.mode == INPUT_EXEC)
		return 0;
	const char *first = opts->proc.workdir ? "" : restore;
	size_t n = strlen(first) + strlen(save);
	char *text = malloc(n + script->text_length + 1);
	if (!text)
		return -1;
	memcpy(text, first, strlen(first));
	memcpy(text + strlen(first), save, strlen(save));
	if (script->text_length)
		memcpy(text + n, script->text, script->text_length);
	text[n + script->text_length] = '\0';
	free(script->text);
	script->text = text;
	script->text_length += n;
	script->text_capacity = script->text_length + 1;
	return 0;
}
