/* Command-line options of krunsh. */
#ifndef KRUNSH_CLI_H
#define KRUNSH_CLI_H

#include "cli/resource_flags.h"
#include "cli/resource_list.h"
#include "krunsh/krunsh.h"
#include "util/error.h"

#include <stddef.h>

/* The flags that shape a VM (not an execution): a session's later calls
 * may repeat them, not change them (cli/keeper/session_options.c). */
enum vm_option {
	VM_OPTION_ENGINE,
	VM_OPTION_CPUS,
	VM_OPTION_MEMORY,
	VM_OPTION_KERNEL,
	VM_OPTION_LIBKRUN,
	VM_OPTION_WRITABLE_ROOT,
	VM_OPTION_ROOT,
	VM_OPTION_VOLUMES,
	VM_OPTION_TMPFS,
	VM_OPTION_DISKS,
	VM_OPTION_NETWORK,
	VM_OPTION_PUBLISH,
	VM_OPTION_HOSTNAME,
	VM_OPTION_MASKS,
	VM_OPTION_EXPOSED,
	VM_OPTION_IDLE_TIMEOUT,
	VM_OPTION_COUNT,
};

/* What the flags say of the VM; cli/run_spec.c makes the library's
 * public spec of it. */
struct vm_flags {
	const char *engine;	  /* --engine */
	unsigned cpus;		  /* --cpus, a bundle's CPU limit */
	unsigned mem_mib;	  /* --mem, -m, a bundle's memory limit */
	const char *kernel;	  /* --kernel */
	const char *libkrun_path; /* --libkrun */
	int allow_writable_root;  /* --allow-writable-root */
	const char *root_dir;	  /* --root, an image's or a bundle's root */
	int root_read_only;	  /* a bundle's root.readonly */
	int network;		  /* --net, --network user, -p */
	const char *hostname;	  /* --hostname, a bundle's hostname */
	struct resource_list resources;
	const char **masks; /* --mask */
	size_t mask_count;
	const char **exposed; /* --expose */
	size_t exposed_count;
	int verbose; /* -V */
};

/* What the input is (cli/run_spec.c tells the library in its terms:
 * lines, a script, argv). */
enum input_mode {
	INPUT_LINES,  /* the default: FILE or stdin, a command a line */
	INPUT_SCRIPT, /* --script, and -c */
	INPUT_EXEC,   /* -- PROGRAM ARGS */
};

/* And of the execution. */
struct proc_flags {
	enum input_mode mode;
	const char *shell; /* --shell */
	char **exec_argv;  /* after -- */
	/* -e and --env-file, NULL-terminated (-e KEY takes the host's value:
	 * cli/guest_env.c) */
	char **env;
	size_t env_count;
	/* What of krunsh's own environment the guest gets (cli/guest_env.c;
	 * an image's or a bundle's Env), NULL-terminated */
	char **host_env;
	int env_exact;		 /* exactly host_env and env: an OCI process.env */
	const char *workdir;	 /* NULL: the caller's directory (/ under a root) */
	int user_set;		 /* -u, an image's User, a bundle's process.user */
	struct krunsh_user user; /* resolved when the flags are read */
	int line_events;	 /* line mode: every line's result (--report, --events) */
	int discarded_files;	 /* count the files thrown away with the VM */
	int tty;		 /* -t */
	unsigned tty_rows, tty_columns;
};

/* The flags, parsed: the VM's and the execution's, and what only the
 * command itself uses. */
struct options {
	struct vm_flags vm;
	struct proc_flags proc;
	struct rlimit_list rlimits; /* --ulimit, a bundle's process.rlimits */
	int keep_going;
	int clean_env;		 /* --clean-env: exec mode gets the minimal environment too */
	int tty;		 /* -t: a pseudo-terminal (cli/interactive.c decides the rest) */
	int shell_set;		 /* --shell was given */
	const char *command;	 /* -c */
	const char *script_file; /* positional FILE */
	double timeout_seconds;	 /* 0: none */
	const char *report_file; /* --report: JSON summary of the run */
	int events;		 /* --events: JSON Lines on stdout (cli/events.c) */
	char **owned_env;	 /* entries read from --env-file */
	size_t owned_env_count;
	struct bundle *bundle;	   /* --bundle: what the specs point into */
	struct image *image;	   /* --image: the same, and the cache entry's lock */
	int image_prune;	   /* --image-prune: nothing else runs */
	const char *session;	   /* --session NAME */
	int session_end;	   /* --end */
	double idle_timeout;	   /* --idle-timeout; 0: the default */
	unsigned vm_options_given; /* 1 << enum vm_option, as given on the line */
	int warm_set;		   /* --warm N given */
	unsigned warm_count;	   /* its N */
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
/* Whether nothing says what to run (no FILE, -c or -- PROGRAM): the
 * commands come on stdin, or from a person at a terminal. */
int cli_no_program(const struct options *opts);
void cli_free(struct options *opts);
/* -u's USER[:GROUP] (or an image's User) looked up in the root the guest
 * will see (root_dir; NULL: the host's /), so that an unknown one is
 * refused before anything boots. */
int cli_user_lookup(const char *spec, const char *root_dir, struct proc_flags *proc,
		    struct error *err);
/* A host name krunsh gives a guest: letters, digits, '-' and '.', 1-64
 * (cli/host_name.c). */
int cli_hostname_valid(const char *name);

#endif
