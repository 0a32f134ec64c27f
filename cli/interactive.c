#include "cli/interactive.h"
#include "cli/exec_loop.h"
#include "cli/signals.h"
#include "cli/terminal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The guest's root is the host's / (or --root DIR), so what it has can be
 * looked up here before it boots. */
static const char *interactive_shell(const struct options *opts)
{
	if (opts->shell_set)
		return opts->proc.shell;
	char bash[4096];
	snprintf(bash, sizeof(bash), "%s/bin/bash", opts->vm.root_dir ? opts->vm.root_dir : "");
	return access(bash, X_OK) == 0 ? "/bin/bash" : "/bin/sh";
}

int interactive_prepare(struct options *opts, struct error *err)
{
	if (!opts->tty && !(cli_no_program(opts) && isatty(0)))
		return 0;
	if (cli_no_program(opts)) {
		/* An interactive shell is a sandbox shell, not a native exec:
		 * the minimal environment (PATH, HOME, TERM, LANG) and -e. */
		static const char *argv[3];
		argv[0] = interactive_shell(opts);
		argv[1] = "-i";
		opts->proc.mode = INPUT_EXEC;
		opts->proc.exec_argv = (char **)argv;
		opts->clean_env = 1;
	}
	/* Programs on a terminal look at TERM; docker sets xterm too. */
	if (!getenv("TERM") && setenv("TERM", "xterm", 0) < 0) {
		error_set(err, errno, "setting TERM");
		return -1;
	}
	opts->proc.tty = 1;
	terminal_size(&opts->proc.tty_rows, &opts->proc.tty_columns);
	return 0;
}

struct resize {
	krunsh_exec *exec;
	int fd; /* the SIGWINCH pipe; -1: none */
};

static void pass_new_size(krunsh_exec *exec)
{
	signals_drain_resize();
	unsigned rows, columns;
	terminal_size(&rows, &columns);
	(void)krunsh_exec_resize(exec, rows, columns, NULL);
}

static int resize_fd(void *data)
{
	return ((struct resize *)data)->fd;
}

static void resize_ready(void *data)
{
	pass_new_size(((struct resize *)data)->exec);
}

void interactive_run(krunsh_exec *exec)
{
	/* From here on a key is a byte for the guest: no local echo, no
	 * signal from ^C, no line editing. Not a terminal: nothing to do. */
	(void)terminal_raw_begin(0);
	struct resize r = {exec, signals_watch_resize()};
	/* A resize during the boot: the size sent with the job is old. */
	pass_new_size(exec);
	exec_loop_run(exec, &(struct exec_loop_source){resize_fd, resize_ready, &r});
	terminal_restore();
}
