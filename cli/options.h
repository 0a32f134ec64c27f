/* Command-line options of krunsh. */
#ifndef KRUNSH_CLI_H
#define KRUNSH_CLI_H

#include "lib/util/error.h"
#include "lib/spec/guest_user.h"
#include "lib/spec/resources.h"

#include <stddef.h>

enum input_mode {
	INPUT_LINES,  /* one command a line, stop at the first failure */
	INPUT_SCRIPT, /* the whole input is one script */
	INPUT_EXEC,   /* -- PROGRAM ARGS: no shell at all */
};

struct options {
	enum input_mode mode;
	int keep_going;
	int clean_env;		 /* --clean-env: exec mode gets the minimal environment too */
	const char *command;	 /* -c */
	const char *script_file; /* positional FILE */
	char **exec_argv;	 /* after -- */
	const char *engine;	 /* auto, qemu, krun */
	double timeout_seconds;	 /* 0: none */
	const char *workdir;
	unsigned cpus;
	unsigned mem_mib;
	const char *shell;
	const char *kernel;
	const char *libkrun_path;
	int allow_writable_root;
	char **env; /* -e entries as given */
	size_t env_count;
	int verbose;
	const char *report_file;    /* --report: JSON summary of the run */
	struct resources resources; /* --volume, --disk, --publish, --ulimit */
	int network;		    /* --net (implied by --publish) */
	const char *root_dir;	    /* --root: instead of the host's / */
	char **owned_env;	    /* entries read from --env-file */
	size_t owned_env_count;
	const char **masks; /* --mask: host paths hidden beyond the default list */
	size_t mask_count;
	const char **exposed; /* --expose: paths of the default list shown after all */
	size_t exposed_count;
	struct guest_user user; /* -u, --user */
	const char *hostname;	/* --hostname: instead of "krunsh" */
};

enum cli_result {
	CLI_RUN,
	CLI_EXIT_OK, /* --help or --version printed */
	CLI_ERROR,
};

enum cli_result cli_parse(int argc, char **argv, struct options *opts, struct error *err);
/* Whether krunsh's stdin is forwarded to the commands: it is, as with
 * sh -c, whenever stdin does not carry the commands themselves (exec mode,
 * -c COMMAND, FILE). */
int cli_stdin_reaches_commands(const struct options *opts);
void cli_free(struct options *opts);

#endif
