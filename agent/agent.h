/* The guest agent: runs inside the VM, receives the job from the host over
 * one channel, runs it and sends back output and the exit status. */
#ifndef KRUNSH_AGENT_H
#define KRUNSH_AGENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum root_setup {
	ROOT_SETUP_INITRAMFS, /* PID 1 from our initramfs: modules, virtio-fs, overlay */
	ROOT_SETUP_NONE,      /* contract double: run in place, touch nothing */
};

struct agent_config {
	enum root_setup root_setup;
	const char *channel; /* "serial", "vsock:PORT" or "unix:PATH" */
	const char *run_dir; /* where the script and failure log go */
};

struct job_volume {
	const char *tag;
	const char *guest_path;
	int read_only;
	const char *file_name; /* single-file volume: the file in the share; else NULL */
};

struct job_tmpfs {
	const char *guest_path;
	const char *options; /* tmpfs data: size=, mode=, nr_inodes= */
	unsigned long flags; /* MS_* */
};

struct job_rlimit {
	int resource;
	uint64_t soft, hard;
};

struct job {
	uint32_t mode;
	int network;
	int line_events;	/* JOB_LINE_EVENTS: LINE_EVENTS_* flags */
	int forward_stdin;	/* JOB_STDIN: the host sends stdin frames */
	int script_stream;	/* JOB_SCRIPT_STREAM: the script comes in frames */
	int discarded_files;	/* JOB_DISCARDED_FILES: count what the overlay keeps */
	int tty;		/* JOB_TTY: the program runs on a pseudo-terminal */
	uint32_t tty_rows, tty_columns;
	uint64_t host_clock_ns; /* from FRAME_CLOCK, after the job */
	struct job_volume *volumes;
	size_t volume_count;
	struct job_rlimit *rlimits;
	size_t rlimit_count;
	struct job_tmpfs *tmpfs;
	size_t tmpfs_count;
	int user_set; /* JOB_USER: run the program as uid/gid/groups */
	uint32_t uid, gid;
	uint32_t *groups;
	size_t group_count;
	const char *hostname;	   /* NULL: "krunsh" */
	int root_read_only;	   /* JOB_ROOT_READONLY */
	const char **module_lists; /* extra module lists to load */
	size_t module_list_count;
	const char *shell;
	const char *workdir;
	const char *script;
	size_t script_length;
	char **env;  /* NULL-terminated */
	char **argv; /* NULL-terminated, exec mode */
	unsigned char *storage;
};

/* guest_cmdline.c: whether WORD stands alone on the kernel command line. */
int kernel_cmdline_has(const char *word);
/* proc_file.c: a small /proc file read whole into text (NUL-terminated);
 * -1 if it cannot be read or is empty. */
int read_proc_file(const char *path, char *text, size_t size);
/* The number of KEY=N on the kernel command line; 0 if absent. */
unsigned long kernel_cmdline_number(const char *key);

/* guest_trace.c: with -v (krunsh.trace=1 on the kernel command line) the
 * agent's milestones go to the kernel log, timestamped with the boot. */
void trace_init(void);
void trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* guest_channel.c */
int channel_open(const char *spec);
/* Writes all of data, retrying short writes and EINTR. */
int write_all(int fd, const void *data, size_t length);
/* Frames sent from now on belong to this execution (FRAME_EXEC_VM: the VM). */
void channel_set_exec(uint32_t exec);
uint32_t channel_exec_id(void);
int channel_send(int fd, uint32_t type, const void *payload, size_t length);
int channel_send_u32(int fd, uint32_t type, uint32_t value);
void channel_send_error(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads frames until one of type `type` arrives; returns its payload
 * (malloc'd) and length. */
int channel_receive(int fd, uint32_t type, unsigned char **payload, size_t *length);
struct frame_header;
/* Next frame from the channel (blocking); payload valid until the next call. */
int channel_next_frame(int fd, struct frame_header *header, const unsigned char **payload);
/* Whether bytes are already buffered (poll() would not show them). */
int channel_buffered(void);

/* guest_setup.c */
int setup_early_initramfs(void);
/* Loads the modules named in /lib/krunsh-modules/order-NAME ("order" for
 * the core set); 0 if the list does not exist. */
int load_module_list(const char *name, char *error, size_t error_size);
/* guest_volumes.c: mounts the job's volumes and tmpfs mounts (after the
 * root is set up). */
int setup_volumes(const struct job *job, char *error, size_t error_size);
int setup_tmpfs(const struct job *job, char *error, size_t error_size);
/* guest_network.c: loopback always; eth0 for user-mode networking. */
int setup_loopback(void);
int setup_network(char *error, size_t error_size);
int setup_root(enum root_setup how, char *error, size_t error_size);
/* The overlay's upper layer (the guest's "/" as the commands changed it),
 * opened before the chroot; -1 without an overlay (the contract double). */
int overlay_upper_fd(void);

/* discarded.c: after an execution, counts the regular files it created or
 * changed on the overlay under its working directory (not in the setup's
 * volumes or tmpfs mounts, which are mounts of their own) and sends one
 * FRAME_DISCARDED_FILES if there are any. Bounded in entries and time. */
void discarded_files_report(int channel, const struct job *exec, const struct job *setup);

/* guest_clock.c: the guest's wall clock from the host's FRAME_CLOCK. */
void clock_mark_hello(void);
int clock_set_from_host(uint64_t host_nanoseconds, char *error, size_t error_size);

/* job.c: the records of a SETUP (the VM's) or an EXEC frame (one
 * execution's); a record of the other kind is malformed. */
enum job_part {
	JOB_PART_SETUP,
	JOB_PART_EXEC,
};
int job_parse(const unsigned char *payload, size_t length, enum job_part part, struct job *out,
	      char *error, size_t error_size);
void job_free(struct job *job);

/* pty.c: a JOB_TTY execution's terminal. */
struct pty {
	int master, slave; /* the agent keeps the slave open while the program runs */
	int eof_pending;   /* the host's stdin ended: end-of-file is to be typed */
	int eof_typed;
	struct timespec eof_last;
};
/* Of the job's size (-u: the user's); -1 with a message in error. */
int pty_open(const struct job *job, struct pty *pty, char *error, size_t error_size);
/* In the child: a new session whose controlling terminal is slave. */
void pty_make_controlling(int slave);
/* FRAME_WINSIZE's payload; a size out of bounds is ignored. */
void pty_resize(const struct pty *pty, const unsigned char *payload, size_t length);
/* FRAME_STDIN_EOF: from now on pty_eof_step types end-of-file. */
void pty_stdin_ended(struct pty *pty);
/* Types the terminal's end-of-file character (VEOF, ^D) when it is due;
 * returns the ms until it wants to be called again, -1 for never. */
int pty_eof_step(struct pty *pty);

/* standby.c: the standby shell (a shell started before its execution
 * arrives, waiting on a control pipe). standby_start makes sure one waits
 * (none when /bin/sh is not dash); standby_take hands it to an execution
 * that fits it, or returns -1 (the execution starts a fresh shell);
 * standby_stop kills the one waiting. */
struct standby_fds {
	int in;	      /* its stdin's write end with job->forward_stdin, else -1 */
	int out, err; /* its stdout's and stderr's read ends */
};
void standby_start(void);
pid_t standby_take(const struct job *job, const char *script_path, const char *const *positional,
		   struct standby_fds *fds);
void standby_stop(void);
/* The standby shell's pid, 0 if none waits. */
pid_t standby_pid(void);
/* standby_prologue.c: whether a standby shell of `shell` can serve the
 * job exactly as a fresh one (README, "Standby shell"); the prologue that
 * makes it so (its length, or -1 if it does not fit in size). */
int standby_fits(const struct job *job, const char *shell);
int standby_prologue(const struct job *job, const char *cwd, unsigned umask_value,
		     const char *script_path, const char *const *positional, char *out,
		     size_t size);

/* orphans.c: PID 1 reaps the processes it adopted. orphans_init blocks
 * SIGCHLD and opens a signalfd for it (PID 1 only); orphans_fd is that fd
 * (-1 elsewhere), readable when a child ended; orphans_reap reaps every
 * exited child but `running` and the standby shell. */
void orphans_init(void);
int orphans_fd(void);
void orphans_reap(pid_t running);

/* inode_budget.c: keeps the guest's inodes under what the file servers
 * can hold open (krunsh.fds on the command line): inode_budget_start once,
 * inode_budget_watch(1) while an execution runs, (0) after it. */
void inode_budget_start(void);
void inode_budget_watch(int on);

/* guest_run.c: runs the job and returns its exit status (0-255), or -1 with
 * a message in error if it could not be started. */
int run_job(int channel, const struct job *job, const char *run_dir, char *error,
	    size_t error_size);

#endif
