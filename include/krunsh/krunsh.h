/* libkrunsh: run programs in throw-away microVMs.
 *
 * A VM is started from a VM spec (engine, size, what is shared with it),
 * then runs executions one after another, each from a process spec (a
 * program and its arguments, or a shell script), with its stdout and stderr
 * relayed byte-exact to the caller's fds and its exit status returned. The
 * guest sees a read-only view of the host under a throw-away overlay: what
 * one execution writes outside a volume, the next one sees; all of it goes
 * when the VM stops.
 *
 * Errors are values (struct krunsh_error) with a one-line message. The
 * library never exits, never installs signal handlers and writes nothing to
 * stderr of its own: messages go to the log callback, if one is given.
 * Thread safety: one VM is used by one thread at a time.
 *
 * Build with `pkg-config --cflags --libs krunsh`. */
#ifndef KRUNSH_KRUNSH_H
#define KRUNSH_KRUNSH_H

#include <poll.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KRUNSH_EXPORT __attribute__((visibility("default")))

struct krunsh_error {
	int code; /* enum krunsh_error_code */
	char message[1024];
};

enum krunsh_error_code {
	KRUNSH_OK = 0,
	KRUNSH_E_INVALID,     /* a spec is wrong: the message says which field */
	KRUNSH_E_UNAVAILABLE, /* no engine can run here, or a part is missing */
	KRUNSH_E_START,	      /* the VM did not come up (boot, VMM, guest setup) */
	KRUNSH_E_SYSTEM,      /* a host call failed */
	KRUNSH_E_STATE,	      /* the VM cannot run anything more */
};

/* Lines the library would have printed; verbose ones only when asked. */
typedef void (*krunsh_log_fn)(void *data, int verbose, const char *line);

/* Volumes a VM can have (each is a file server process on the host). */
#define KRUNSH_MAX_VOLUMES 16

/* Each resource may carry a label: errors about it start with the label
 * (a command line gives its flag, "--volume /a:/b"); NULL: "volume 2". */
struct krunsh_volume {
	const char *host_path;	/* a directory or file on the host */
	const char *guest_path; /* absolute, where the guest sees it */
	int read_only;
	const char *label;
};

/* Raw image files or block devices: /dev/vda, /dev/vdb ... in order. */
#define KRUNSH_MAX_DISKS 8
struct krunsh_disk {
	const char *path;
	int read_only;
	const char *label;
};

/* A fresh tmpfs the guest mounts at guest_path. */
struct krunsh_tmpfs {
	const char *guest_path;
	unsigned long flags; /* MS_RDONLY, MS_NOEXEC, MS_NOSUID, MS_NODEV (sys/mount.h) */
	const char *data;    /* tmpfs(5) options: "size=64m,mode=1777"; NULL: none */
	const char *label;
};

/* Host 127.0.0.1:host_port (TCP) reaches the guest's guest_port; needs
 * network. */
struct krunsh_port {
	unsigned host_port, guest_port;
	const char *label;
};

/* Where the library finds the programs it runs on the host and puts its
 * files. The library reads no environment variable: a NULL pointer or
 * field means the built-in default (installed parts, then PATH). */
struct krunsh_host {
	const char *agent;	   /* krunsh-agent, the guest's PID 1 */
	const char *kernel;	   /* guest kernel (file or directory) unless the spec names one */
	const char *libkrun;	   /* libkrun.so.1 for the krun engine */
	const char *qemu;	   /* qemu-system-x86_64 */
	const char *qemu_cpu;	   /* -cpu model instead of the measured default */
	const char *virtiofsd;	   /* virtiofsd */
	const char *passt;	   /* passt */
	const char *kernel_append; /* words added to the guest kernel's command line */
	const char *kvm_device;	   /* /dev/kvm */
	int disable_kvm;	   /* never use KVM */
	const char *tmpdir;	   /* run directories; NULL: /tmp */
	const char *home;	   /* the user's home: its secrets are hidden from the guest */
	const char *cache_home;	   /* where the initramfs cache goes (XDG_CACHE_HOME) */
	const char *path;	   /* where helper programs are searched (PATH) */
	/* krunsh's own tests: the first boot hangs, as a boot can, for the
	 * watchdog to act. Never set otherwise. */
	int test_freeze_first_boot;
};

struct krunsh_vm_spec {
	const char *engine; /* "auto" or NULL, "qemu", "krun" */
	unsigned cpus;	    /* 0: 1 */
	unsigned mem_mib;   /* 0: the default (512) */
	const char *kernel; /* NULL: krunsh's own guest kernel */
	const char *root;   /* NULL: the host's / (read-only); else a directory tree */
	/* The guest writes nowhere on its root, not even to the throw-away
	 * overlay (an OCI bundle's root.readonly); volumes and tmpfs stay
	 * as they are. */
	int root_read_only;
	const struct krunsh_volume *volumes;
	size_t volume_count;
	const struct krunsh_disk *disks;
	size_t disk_count;
	const struct krunsh_tmpfs *tmpfs;
	size_t tmpfs_count;
	int network; /* user-mode networking (passt), the host refused; 0: none */
	const struct krunsh_port *ports;
	size_t port_count;
	const char *hostname; /* NULL: "krunsh" */
	/* Host paths the guest does not see, beyond the default list (the
	 * host's secrets: shadow files, ~/.ssh, cloud credentials ...), and
	 * paths of that list shown after all. Absolute; existing. */
	const char *const *hidden;
	size_t hidden_count;
	const char *const *shown;
	size_t shown_count;
	/* The krun engine with a libkrun that cannot share the root read-only:
	 * run anyway, the host's / writable by the guest. 0: refuse. */
	int allow_writable_root;
	/* Files the guest creates in writable volumes belong to this user
	 * (the one the executions run as; the forms of krunsh_proc_spec's
	 * user); NULL: to root. */
	const char *volume_owner;
	double boot_timeout; /* seconds per boot attempt, one retry; 0: 20 */
	double timeout;	     /* seconds for the whole start; 0: none */
	/* Readable when the caller wants a start or an execution to stop
	 * (a signal pipe, an eventfd); -1: none. One byte is read from it. */
	int cancel_fd;
	krunsh_log_fn log;
	void *log_data;
	int verbose;
	const struct krunsh_host *host; /* NULL: every default */
};

/* The most a script, or all of a fed script, may hold. */
#define KRUNSH_INPUT_MAX (64u * 1024u * 1024u)

struct krunsh_rlimit {
	int resource;		       /* RLIMIT_NOFILE ... (sys/resource.h) */
	unsigned long long soft, hard; /* RLIM_INFINITY: unlimited */
};

struct krunsh_proc_spec {
	/* One of: argv (NULL-terminated; argv[0] looked up in the guest's
	 * PATH), script (run by the shell), or script_fed: the script comes
	 * while it runs, through krunsh_exec_feed, and the shell reads it as
	 * it arrives (as sh -s reads a pipe): its commands' stdin is empty. */
	const char *const *argv;
	const char *script;
	/* script's length, when it may hold a NUL byte (refused: no shell
	 * can run one, as krunsh_proc_spec_check says); 0: strlen(script) */
	size_t script_length;
	int script_fed;
	/* Line mode, the krunsh command's (with script or script_fed): one
	 * command a line, run in order by one shell, so that cd, variables and
	 * functions carry over; blank lines and # comments are skipped, a line
	 * ending in a backslash goes on on the next. The execution stops at
	 * the first line that fails (its status is the result's, and
	 * failed_lines names it) unless keep_going: then every line runs and
	 * the status is the first failure's. A line that needs the next ones
	 * (it opens a here-document, a quote, an if ...) or holds a NUL byte is
	 * refused, since the lines after it would run as commands of their
	 * own: a script's before anything runs (krunsh_proc_spec_check says
	 * so without a VM), a fed script's from that piece on (the result's
	 * input_refused). */
	int lines;
	int keep_going;
	/* Line mode: the result lists every line run (lines), not only the
	 * ones that failed. */
	int line_results;
	const char *const *env; /* "NAME=VALUE", NULL-terminated; PATH and HOME
				   have defaults; nothing comes from the host */
	int env_exact;		/* no PATH or HOME defaults: base_env and env only */
	const char *workdir;	/* NULL: / */
	double timeout;		/* seconds; 0: none */
	/* Runs script; NULL: /bin/sh. NULL or "/bin/sh" may be served by the
	 * guest's standby shell (started before the execution, as fresh as a
	 * new one for what the script sees: README, "The standby shell");
	 * any other path starts a new shell. */
	const char *shell;
	/* Who it runs as: "UID[:GID]" or "NAME[:GROUP]", looked up in the
	 * guest root's passwd and group files (supplementary groups and HOME
	 * from them); NULL: root. */
	const char *user;
	/* Or who it runs as, resolved already (an OCI process.user, or a
	 * caller that looked the user up itself, as the krunsh command does
	 * to refuse an unknown one before anything boots): user is
	 * "UID:GID", groups the supplementary groups exactly (at most 64),
	 * home the user's HOME (NULL: none); nothing is looked up
	 * (krunsh_user_lookup gives all three). */
	int user_exact;
	const unsigned *groups;
	size_t group_count;
	const char *home;
	/* Shell code run first by the shell that runs script (not with
	 * argv), on the script's first line so that its line numbers stay:
	 * one line, ending in "; " (krunsh --session restores its working
	 * directory so). NULL: none. */
	const char *prologue;
	const struct krunsh_rlimit *rlimits; /* setrlimit before it starts */
	size_t rlimit_count;
	/* "NAME=VALUE", NULL-terminated, passed on before env (which wins
	 * for a name both have); HOME is left out when user has a home of
	 * its own. A command line passes on its caller's TERM, LANG ... */
	const char *const *base_env;
	/* Count the files it leaves under workdir, thrown away with the VM
	 * (the result's discarded_*): the guest walks its overlay after it. */
	int count_discarded;
	/* Non-zero: the program runs on a pseudo-terminal in the guest (as
	 * docker run -t), the controlling terminal of its own session, of
	 * rows x columns (each 1-10000; 0 and 0: 24 x 80). stdin_fd's bytes
	 * are typed on it (after its end, the terminal's EOF character, ^D,
	 * is typed whenever the program waits for input), and all the program writes, stdout and
	 * stderr, comes out on stdout_fd as a terminal produced it (\r\n line ends, escape
	 * sequences). stderr_fd receives nothing. The caller puts its own
	 * terminal in raw mode if it has one; krunsh_exec_resize passes size
	 * changes on. */
	int terminal;
	unsigned rows, columns;
};

/* What an execution does, as it happens (krunsh_io.on_event). */
enum krunsh_event_type {
	KRUNSH_EVENT_OUTPUT = 1,    /* stream, data, length: bytes the program wrote */
	KRUNSH_EVENT_LINE_STARTED,  /* line: a line of line mode starts */
	KRUNSH_EVENT_LINE_FINISHED, /* line, status, micros: it has ended */
};

struct krunsh_event {
	int type;		   /* enum krunsh_event_type */
	int stream;		   /* OUTPUT: 1 stdout, 2 stderr */
	const unsigned char *data; /* OUTPUT: valid during the call only */
	size_t length;
	/* LINE_*: data and length are the line as given (continued lines
	 * with their backslash-newlines, no final newline) */
	unsigned line;		   /* LINE_*: its number in the input, 1-based */
	int status;		   /* LINE_FINISHED: 0-255 (128+N: signal N) */
	unsigned long long micros; /* LINE_FINISHED: how long it ran */
};

/* Called for each event in the order the guest sent them; per stream,
 * output comes in the order it was written, and output written while a
 * line ran comes between that line's STARTED and FINISHED. With a
 * callback, the output goes to it and not to stdout_fd and stderr_fd; the
 * callback may hand back bytes for stdout_fd instead (*out, *out_length:
 * valid until its next call; 0 bytes: none), which are written with the
 * output's back-pressure: until they are, nothing more is read from the
 * guest, so a slow reader of stdout_fd stalls the guest, and the timeout
 * and the cancel fd still act. Line events come only from line-mode
 * executions (the krunsh command's). */
typedef void (*krunsh_event_fn)(void *data, const struct krunsh_event *event, const void **out,
				size_t *out_length);

struct krunsh_io {
	int stdin_fd;  /* forwarded to the program until EOF; -1: empty stdin */
	int stdout_fd; /* the program's stdout goes here, byte-exact */
	int stderr_fd; /* and its stderr */
	/* NULL: none (zero the struct, as fields may be added) */
	krunsh_event_fn on_event;
	void *event_data;
};

enum krunsh_exec_end {
	KRUNSH_EXEC_EXITED,	    /* status holds its exit status (128+N: signal N) */
	KRUNSH_EXEC_TIMEOUT,	    /* the spec's timeout passed; the VM is unusable */
	KRUNSH_EXEC_CANCELLED,	    /* the cancel fd became readable */
	KRUNSH_EXEC_VM_DIED,	    /* the guest went away (panic, power-off, OOM) */
	KRUNSH_EXEC_GUEST_ERROR,    /* the guest could not set up or start it */
	KRUNSH_EXEC_OUTPUT_CLOSED,  /* stdout_fd is a pipe nobody reads */
	KRUNSH_EXEC_PROTOCOL_ERROR, /* the guest broke the protocol (or is hostile) */
	KRUNSH_EXEC_BOOT_TIMEOUT,   /* krunsh_vm_boot: no sign of life, twice */
};

#define KRUNSH_DISCARDED_PATH_MAX 1024

/* A line of line mode, as it ended. */
struct krunsh_line {
	unsigned number;	   /* in the input, 1-based (a continued line: its first) */
	int status;		   /* 0-255 (128+N: signal N) */
	unsigned long long micros; /* how long it ran; 0 in failed_lines */
	const char *text;	   /* as given (krunsh_event's LINE_* data) */
	size_t text_length;
};

struct krunsh_exec_result {
	enum krunsh_exec_end end;
	int status;	    /* KRUNSH_EXEC_EXITED: 0-255 */
	int cancel_byte;    /* KRUNSH_EXEC_CANCELLED: the byte read */
	char message[1024]; /* why, when it did not exit (one line, printable) */
	/* When the VM died or did not boot: a known cause found in the VMM's
	 * log (with its fix), and the VMM's last line that says something;
	 * "" when none. */
	char vmm_cause[600];
	char vmm_log_tail[600];
	/* proc->count_discarded: the regular files the execution created or
	 * changed under its workdir, thrown away with the VM (0: none, or
	 * not counted: workdir /, /tmp, a volume's or tmpfs's), "at least"
	 * when the guest's walk hit its bound, and the first one's guest path
	 * (absolute, printable). */
	unsigned discarded_count;
	int discarded_at_least;
	char discarded_first[KRUNSH_DISCARDED_PATH_MAX];
	/* Bytes at the end of what on_event last handed back that were not
	 * written to stdout_fd when the execution ended without exiting
	 * (a timeout or a cancel while stdout_fd was stalled). */
	size_t unwritten;
	/* Line mode: the lines that failed, in order (one, unless
	 * keep_going), and with proc->line_results every line run. Valid until
	 * krunsh_exec_result_free, which a caller of line mode calls. */
	const struct krunsh_line *failed_lines;
	size_t failed_line_count;
	const struct krunsh_line *lines;
	size_t line_count;
	/* A fed script: why the feed was refused from some piece on (a NUL
	 * byte, in line mode a line that needs the next ones, more than 64
	 * MiB); what came before that piece ran. "" when nothing was
	 * refused. */
	char input_refused[512];
	void *line_data; /* the library's: what the line pointers point into */
};

/* What a VM runs on, for messages and reports. The strings live as long
 * as the VM. */
struct krunsh_vm_info {
	const char *engine;	    /* "qemu", "krun" */
	const char *accelerator;    /* "kvm", "tcg" */
	const char *reason;	    /* why this engine and accelerator, a sentence */
	const char *kernel;	    /* the guest kernel's path; "" for the engine's own */
	const char *kernel_release; /* "" when unknown */
	double boot_seconds;	    /* from the boot's start to the guest's hello */
	int watchdog_retries;	    /* boots the watchdog gave up on (0 or 1) */
	/* The VMM's process, for a caller that watches for its end (a
	 * pidfd); 0 before the boot and for a borrowed VM. */
	int vmm_pid;
};

typedef struct krunsh_vm krunsh_vm;
typedef struct krunsh_exec krunsh_exec;

/* Checks a spec as krunsh_vm_start will, without starting anything: the
 * paths exist, guest paths are absolute and distinct, limits hold. 0, or
 * -1 with err (KRUNSH_E_INVALID, the message names the resource). */
KRUNSH_EXPORT int krunsh_vm_spec_check(const struct krunsh_vm_spec *spec, struct krunsh_error *err);
/* Checks a process spec as an execution's start will, without a VM: one
 * of argv, script and script_fed, the environment's form, the terminal's
 * size, the limits, and in line mode each line of the script (what needs
 * the VM's root, the user, is looked up when it starts). 0, or -1 with err
 * (KRUNSH_E_INVALID: for a line, its number and what it opens). */
KRUNSH_EXPORT int krunsh_proc_spec_check(const struct krunsh_proc_spec *proc,
					 struct krunsh_error *err);
/* Who a user spec ("UID[:GID]" or "NAME[:GROUP]", krunsh_proc_spec's
 * user) is in the root a VM will see (root: a directory tree; NULL: the
 * host's /), looked up in its passwd and group files (never through the
 * host's NSS): for a caller that refuses an unknown user before anything
 * boots, then passes the result with user_exact. Without GID the user's
 * primary group, else the uid; supplementary groups from the group file;
 * home "" without a passwd entry. 0, or -1 with err (KRUNSH_E_INVALID). */
#define KRUNSH_USER_MAX_GROUPS 64
struct krunsh_user {
	unsigned uid, gid;
	unsigned groups[KRUNSH_USER_MAX_GROUPS];
	size_t group_count;
	char home[4096];
};
KRUNSH_EXPORT int krunsh_user_lookup(const char *user, const char *root, struct krunsh_user *out,
				     struct krunsh_error *err);
/* Starts a VM and waits until its guest is up. 0 with *vm, or -1 with err. */
KRUNSH_EXPORT int krunsh_vm_start(const struct krunsh_vm_spec *spec, krunsh_vm **vm,
				  struct krunsh_error *err);
/* krunsh_vm_start in two steps, for a caller that reports the engine also
 * when the boot fails: krunsh_vm_create checks the spec and picks the
 * engine (nothing runs yet; 0 with *vm, or -1 with err); krunsh_vm_boot
 * starts the VM and waits until its guest is up: 0, or -1 with err, and
 * with err->code KRUNSH_E_START result says how the boot ended (TIMEOUT:
 * the spec's timeout, CANCELLED, VM_DIED, GUEST_ERROR, PROTOCOL_ERROR,
 * BOOT_TIMEOUT). Either way krunsh_vm_stop frees the VM. */
KRUNSH_EXPORT int krunsh_vm_create(const struct krunsh_vm_spec *spec, krunsh_vm **vm,
				   struct krunsh_error *err);
KRUNSH_EXPORT int krunsh_vm_boot(krunsh_vm *vm, struct krunsh_exec_result *result,
				 struct krunsh_error *err);
KRUNSH_EXPORT void krunsh_vm_info(const krunsh_vm *vm, struct krunsh_vm_info *info);
/* Runs one execution to its end. 0 with result (also when the program
 * failed: see result->end), or -1 with err when it could not be run. After
 * any end but KRUNSH_EXEC_EXITED the VM runs nothing more. */
KRUNSH_EXPORT int krunsh_vm_exec(krunsh_vm *vm, const struct krunsh_proc_spec *proc,
				 const struct krunsh_io *io, struct krunsh_exec_result *result,
				 struct krunsh_error *err);
/* The same in the caller's event loop. krunsh_exec_start begins one
 * execution (one at a time per VM); then, until krunsh_exec_dispatch
 * returns 1: krunsh_exec_pollfds fills at most KRUNSH_EXEC_MAX_POLLFDS
 * pollfds and the longest wait (ms, -1: none), which the caller polls
 * along with its own fds (0 fds: it has ended), and krunsh_exec_dispatch
 * acts on their revents. krunsh_exec_finish gives the result and frees
 * the handle (it waits for the end if it has not come: a blocking call). */
#define KRUNSH_EXEC_MAX_POLLFDS 6
KRUNSH_EXPORT int krunsh_exec_start(krunsh_vm *vm, const struct krunsh_proc_spec *proc,
				    const struct krunsh_io *io, krunsh_exec **exec,
				    struct krunsh_error *err);
KRUNSH_EXPORT int krunsh_exec_pollfds(krunsh_exec *exec, struct pollfd *fds, int *timeout_ms);
KRUNSH_EXPORT int krunsh_exec_dispatch(krunsh_exec *exec, const struct pollfd *fds);
KRUNSH_EXPORT void krunsh_exec_finish(krunsh_exec *exec, struct krunsh_exec_result *result);
/* Frees what a line-mode result's lines point into (nothing for other
 * results); the result may be reused after. */
KRUNSH_EXPORT void krunsh_exec_result_free(struct krunsh_exec_result *result);
/* A fed script's next bytes (copied) and its end; the shell has run what
 * it got when it waits for more. 0, or -1: not a fed script, already
 * ended, or out of memory. What comes after the execution ended is
 * dropped. krunsh_exec_unsent says how many bytes wait for the guest: a
 * caller bounds its memory by it (krunsh feeds while less than 256 KiB
 * wait), as the guest may read slowly. */
KRUNSH_EXPORT int krunsh_exec_feed(krunsh_exec *exec, const void *data, size_t length);
KRUNSH_EXPORT int krunsh_exec_feed_end(krunsh_exec *exec);
KRUNSH_EXPORT size_t krunsh_exec_unsent(const krunsh_exec *exec);
/* The terminal of an execution started with proc->terminal is now rows x
 * columns (each 1-10000; the program gets SIGWINCH). 0, also when it has
 * ended or has no terminal (nothing to do); -1 with err for a size out of
 * range. Does not block: the size goes out with the next dispatch. */
KRUNSH_EXPORT int krunsh_exec_resize(krunsh_exec *exec, unsigned rows, unsigned columns,
				     struct krunsh_error *err);
/* Stops the VM and removes everything it left on the host. NULL is fine.
 * An execution still running is ended first (its handle must not be used
 * after). */
KRUNSH_EXPORT void krunsh_vm_stop(krunsh_vm *vm);
/* A VM lent to another process (how `krunsh --session` keeps one VM for
 * many calls). While no execution runs, krunsh_vm_lend gives the fds of
 * the VM's channel; they stay the VM's: the caller passes them on (with
 * SCM_RIGHTS, or to a child) and closes nothing. The borrowing process
 * makes a krunsh_vm of them with krunsh_vm_borrow and runs executions on
 * it as on its own; its output goes straight to the borrower's fds, with
 * no copy in the lender. krunsh_vm_stop on a borrowed VM closes its fds
 * and stops nothing. The lender must not use the VM while it is lent;
 * when the borrower is done, krunsh_vm_loan_returned with the count
 * krunsh_vm_executions gave the borrower lets the next execution (its own
 * or the next borrower's) follow. After a borrowed execution ended other
 * than by KRUNSH_EXEC_EXITED, the lender should stop the VM. */
struct krunsh_vm_loan {
	int channel_fd;
	int log_fd;	     /* the VMM's log, for failure messages; -1: none */
	unsigned execs_done; /* executions the VM has run */
	char engine[16];
};
KRUNSH_EXPORT int krunsh_vm_lend(krunsh_vm *vm, struct krunsh_vm_loan *loan,
				 struct krunsh_error *err);
KRUNSH_EXPORT int krunsh_vm_borrow(const struct krunsh_vm_loan *loan, krunsh_vm **vm,
				   struct krunsh_error *err);
KRUNSH_EXPORT unsigned krunsh_vm_executions(const krunsh_vm *vm);
/* The fd that stops the VM's executions when readable (as
 * krunsh_vm_spec's cancel_fd, which a borrowed VM has not); -1: none. */
KRUNSH_EXPORT void krunsh_vm_set_cancel_fd(krunsh_vm *vm, int cancel_fd);
KRUNSH_EXPORT void krunsh_vm_loan_returned(krunsh_vm *vm, unsigned execs_done);
/* Removes what VMs of processes that were killed (SIGKILL, a power cut)
 * left in the run directories of host (NULL: the defaults); a VM's
 * creation does it too. For a program that outlives its VMs' processes
 * (krunsh's keepers: their janitor). */
KRUNSH_EXPORT void krunsh_sweep_stale(const struct krunsh_host *host);
/* The engine the VM runs on ("qemu", "krun"). */
KRUNSH_EXPORT const char *krunsh_vm_engine(const krunsh_vm *vm);
KRUNSH_EXPORT const char *krunsh_version(void);

#ifdef __cplusplus
}
#endif

#endif
