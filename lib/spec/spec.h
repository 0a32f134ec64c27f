/* What the library is asked to run: a VM (what the engines read when they
 * start it) and, in it, one execution after another. The command line
 * fills these from its flags; nothing here knows of flags. */
#ifndef KRUNSH_SPEC_H
#define KRUNSH_SPEC_H

#include "lib/spec/guest_user.h"
#include "lib/spec/resources.h"

#include <stddef.h>

struct vm_spec {
	const char *engine; /* auto, qemu, krun */
	unsigned cpus;
	unsigned mem_mib;
	const char *kernel;	  /* NULL: krunsh's own guest kernel */
	const char *libkrun_path; /* NULL: the loader's search */
	int allow_writable_root;
	const char *root_dir; /* NULL: the host's / */
	int root_read_only;   /* no writes to / at all, not even to the overlay */
	int network;	      /* user-mode networking (passt) */
	const char *hostname; /* NULL: "krunsh" */
	/* volumes, disks, ports, tmpfs */
	struct resources resources;
	const char **masks; /* host paths hidden beyond the default list */
	size_t mask_count;
	const char **exposed; /* paths of the default list shown after all */
	size_t exposed_count;
	int verbose; /* the VMM's console and boot messages go to stderr */
	/* The files the guest creates in rw volumes belong to this user (the
	 * one the executions run as), else to root. */
	int owner_set;
	unsigned owner_uid, owner_gid;
};

enum proc_mode {
	PROC_LINES,  /* one command a line, stop at the first failure */
	PROC_SCRIPT, /* the whole input is one script */
	PROC_EXEC,   /* PROGRAM ARGS: no shell at all */
};

struct proc_spec {
	enum proc_mode mode;
	const char *shell;
	char **exec_argv; /* PROC_EXEC */
	char **env;	  /* "NAME=VALUE" (-e): these win */
	size_t env_count;
	/* NULL-terminated "NAME=VALUE" of the caller's, passed on unless env
	 * sets the name; PATH and HOME get defaults when neither has them. */
	char **host_env;
	/* The environment is exactly host_env and env: no PATH or HOME
	 * defaults (an OCI bundle's process.env). */
	int env_exact;
	const char *workdir;	/* NULL: the caller's directory (/ under a root) */
	struct guest_user user; /* -u: who it runs as; unset: root */
	struct ulimit_list ulimits;
	int line_events; /* line mode: a result per line comes back */
	int line_starts; /* and each line's start, exactly where it is */
	/* The script comes while it runs (vm_exec_feed), not in the job. */
	int script_stream;
	/* The guest counts the files the execution leaves under workdir,
	 * thrown away with the VM, where keeping them could make sense
	 * (lib/exec/discarded_files.h). */
	int discarded_files;
	/* -t: it runs on a pseudo-terminal of this size (rows x columns, each
	 * 1-WINSIZE_MAX), its stdout and stderr one stream. */
	int tty;
	unsigned tty_rows, tty_columns;
};

#endif
