#include "cli/keeper/session_cwd.h"

#include <stdio.h>

#define CWD_FILE "/tmp/.krunsh-session-cwd"

/* One line, so that a script's own line numbers shift by none: it ends in
 * "; " and the script's first line follows on it. read and cd are
 * built-ins; the trap saves the directory however the shell exits (a
 * line mode's trap replaces it and evals the same hook). */
static const char restore[] = "{ read -r __krunsh_cwd <" CWD_FILE
			      " && cd \"$__krunsh_cwd\"; } 2>/dev/null; unset __krunsh_cwd; ";
static const char save[] = "__krunsh_at_exit='pwd >" CWD_FILE " 2>/dev/null'; "
			   "trap 'eval \"$__krunsh_at_exit\"' EXIT; ";

const char *session_cwd_prologue(const struct options *opts)
{
	if (opts->proc.mode == INPUT_EXEC)
		return NULL;
	/* -w says where it starts: nothing to restore, only to save. */
	static char both[sizeof(restore) + sizeof(save)];
	snprintf(both, sizeof(both), "%s%s", opts->proc.workdir ? "" : restore, save);
	return both;
}
