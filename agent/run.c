/* Runs the job's program with stdout and stderr on pipes (so isatty() is
 * false as on the host with a pipe), or with -t on a pseudo-terminal
 * (pty.c), and streams its output to the host as frames. */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static int write_file(const char *path, const char *data, size_t length)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, length) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* ". 'PATH'", with PATH single-quoted for the shell. */
static int shell_source_command(char *out, size_t size, const char *path)
{
	size_t n = 0;
	const char *prefix = ". '";
	for (const char *p = prefix; *p && n < size; p++)
		out[n++] = *p;
	for (const char *p = path; *p; p++) {
		const char *piece = *p == '\'' ? "'\\''" : NULL;
		size_t len = piece ? 4 : 1;
		if (n + len + 2 > size)
			return -1;
		if (piece)
			memcpy(out + n, piece, len);
		else
			out[n] = *p;
		n += len;
	}
	if (n + 2 > size)
		return -1;
	out[n++] = '\'';
	out[n] = '\0';
	return 0;
}

/* A shell mode's positional parameters: line mode's LOG [EVENTS [ACKS]]
 * (protocol.h), none for a script. NULL-terminated in out[4]. */
static void shell_positional(const struct job *job, const char *log_path,
			     const char *events_path, const char *acks_path, const char *out[4])
{
	out[0] = log_path;
	out[1] = events_path;
	out[2] = acks_path;
	out[3] = NULL;
	if (job->mode != JOB_MODE_SHELL_LINES)
		out[0] = NULL;
	else if (!job->line_events)
		out[1] = NULL;
	else if (!(job->line_events & LINE_EVENTS_STARTED))
		out[2] = NULL;
}

static void child_exec(const struct job *job, const char *script_path,
		       const char *const positional[4], int stdin_fd, int stdout_fd, int stderr_fd)
{
	if (job->tty)
		pty_make_controlling(stdin_fd);
	dup2(stdin_fd, 0);
	dup2(stdout_fd, 1);
	dup2(stderr_fd, 2);
	/* PID 1 ignores nothing, but make sure the program starts with default
	 * dispositions and an empty mask, as from a login shell. */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	for (size_t i = 0; i < job->rlimit_count; i++) {
		struct rlimit lim = {(rlim_t)job->rlimits[i].soft, (rlim_t)job->rlimits[i].hard};
		if (setrlimit(job->rlimits[i].resource, &lim) < 0) {
			dprintf(2, "krunsh: --ulimit: %s\n", strerror(errno));
			_exit(125);
		}
	}
	/* -u: groups first, then the gid, the uid last (after it the
	 * others are no longer ours to change). */
	if (job->user_set && (setgroups(job->group_count, (const gid_t *)job->groups) < 0 ||
			      setgid(job->gid) < 0 || setuid(job->uid) < 0)) {
		dprintf(2, "krunsh: --user %u:%u: %s\n", job->uid, job->gid, strerror(errno));
		_exit(125);
	}
	if (job->mode == JOB_MODE_EXEC) {
		execvpe(job->argv[0], job->argv, job->env);
	} else {
		/* `sh -c '. SCRIPT' krunsh ...` rather than `sh SCRIPT`: the
		 * shell names $0 in its messages, and the user should read
		 * "krunsh: ..." there, not our internal path. */
		char source[600];
		if (shell_source_command(source, sizeof(source), script_path) < 0) {
			dprintf(2, "krunsh: script path too long\n");
			_exit(125);
		}
		const char *argv[] = {job->shell,   "-c",	   source,	  "krunsh",
				      positional[0], positional[1], positional[2], NULL};
		/* exec's argv is char *const[] for C's historic reasons; it
		 * is not written to. */
		execve(job->shell, (char *const *)argv, job->env);
	}
	int saved = errno;
	dprintf(2, "krunsh: cannot run %s: %s\n",
		job->mode == JOB_MODE_EXEC ? job->argv[0] : job->shell, strerror(saved));
	_exit(saved == ENOENT ? 127 : 126);
}

/* Sends what the program wrote, at most `max` bytes of it: how many, 0
 * when nothing is there now, -1 at EOF. */
static ssize_t relay_pipe_at_most(int channel, int *fd, uint32_t type, size_t max)
{
	static unsigned char buf[FRAME_OUTPUT_MAX];
	ssize_t n = read(*fd, buf, max < sizeof(buf) ? max : sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return -1;
	}
	if (channel_send(channel, type, buf, (size_t)n) < 0) {
		/* Host went away: nothing left to deliver to. */
		_exit(125);
	}
	return n;
}

/* Returns 0 at EOF, 1 if more may come. */
static int relay_pipe(int channel, int *fd, uint32_t type)
{
	return relay_pipe_at_most(channel, fd, type, FRAME_OUTPUT_MAX) >= 0;
}

/* The program's output pipes, drained before a line event is sent so
 * that the host can tell which line wrote what: whatever a line wrote is
 * in its pipe by the time the shell reports the line's end. Only what is
 * there now: a background writer that never stops cannot hold the event
 * back. */
struct output_pipes {
	int out, err;
};

static void output_pipes_drain(int channel, struct output_pipes *p)
{
	int *fds[2] = {&p->out, &p->err};
	uint32_t types[2] = {FRAME_STDOUT, FRAME_STDERR};
	for (int i = 0; i < 2; i++) {
		int waiting = 0;
		if (*fds[i] < 0 || ioctl(*fds[i], FIONREAD, &waiting) < 0)
			continue;
		for (size_t left = waiting > 0 ? (size_t)waiting : 0; left > 0;) {
			ssize_t n = relay_pipe_at_most(channel, fds[i], types[i], left);
			if (n <= 0)
				break;
			left -= (size_t)n;
		}
	}
}

/* Host stdin on its way to the program's stdin pipe. While a chunk waits
 * for the pipe, the channel is not read: the program's pace sets the host's. */
struct stdin_relay {
	int fd;
	unsigned char buf[FRAME_OUTPUT_MAX];
	size_t offset, length;
	int eof;
	/* The streamed script's FIFO, opened for writing only once the shell
	 * has opened it for reading: what is written to a FIFO nobody holds
	 * open is lost, and its writer's close would then be no EOF. */
	const char *fifo;
};

/* 1 once the relay can write (the FIFO, if any, is open). */
static int stdin_relay_ready(struct stdin_relay *r)
{
	if (r->fd < 0 && r->fifo) {
		r->fd = open(r->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (r->fd >= 0)
			r->fifo = NULL;
	}
	return r->fd >= 0;
}

static int stdin_relay_open(const struct stdin_relay *r)
{
	return r->fd >= 0 || r->fifo;
}

static void stdin_relay_close(struct stdin_relay *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->fifo = NULL;
	r->length = r->offset = 0;
}

static void stdin_relay_write(struct stdin_relay *r)
{
	if (!stdin_relay_ready(r))
		return;
	if (r->offset == r->length) {
		if (r->eof)
			stdin_relay_close(r);
		return;
	}
	ssize_t n = write(r->fd, r->buf + r->offset, r->length - r->offset);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* The program closed its stdin: drop the rest, as a pipe would. */
		stdin_relay_close(r);
		return;
	}
	r->offset += (size_t)n;
	if (r->offset == r->length) {
		r->offset = r->length = 0;
		if (r->eof)
			stdin_relay_close(r);
	}
}

/* A frame's bytes into a relay that has room (see channel_relays_read). */
static void stdin_relay_take(struct stdin_relay *r, const struct frame_header *h,
			     const unsigned char *payload, int is_eof)
{
	if (!stdin_relay_open(r))
		return;
	if (is_eof) {
		r->eof = 1;
		stdin_relay_write(r);
	} else if (h->length <= sizeof(r->buf)) {
		memcpy(r->buf, payload, h->length);
		r->offset = 0;
		r->length = h->length;
		stdin_relay_write(r);
	}
}

/* The next frame from the host, into the relay it is for: the program's
 * stdin, or the script as it streams in, or its terminal (NULL without
 * one). Only called while both relays are empty, so no frame has to wait
 * in the agent. */
static int channel_relays_read(int channel, struct stdin_relay *in, struct stdin_relay *script,
			       struct pty *tty)
{
	struct frame_header h;
	const unsigned char *payload;
	if (channel_next_frame(channel, &h, &payload) < 0) {
		stdin_relay_close(in);
		stdin_relay_close(script);
		return -1;
	}
	if (h.exec != channel_exec_id())
		return 0; /* not this execution's: a late frame of an earlier one */
	if (h.type == FRAME_STDIN_EOF && tty)
		pty_stdin_ended(tty);
	if (h.type == FRAME_STDIN || h.type == FRAME_STDIN_EOF)
		stdin_relay_take(in, &h, payload, h.type == FRAME_STDIN_EOF);
	else if (h.type == FRAME_SCRIPT || h.type == FRAME_SCRIPT_EOF)
		stdin_relay_take(script, &h, payload, h.type == FRAME_SCRIPT_EOF);
	else if (h.type == FRAME_WINSIZE && tty)
		pty_resize(tty, payload, h.length);
	return 0;
}

/* Line events (--report, --events): the shell writes "S LINE" and "E LINE
 * STATUS" lines to a FIFO; the agent stamps them as they arrive. With
 * LINE_EVENTS_STARTED the shell then waits at each line's start until the
 * agent has sent what came before and the line's start, and says so on a
 * second FIFO (acks): no output of the line can be sent ahead of it. */
struct line_events {
	int fd, keep_open_fd, ack_fd;
	int flags; /* LINE_EVENTS_* */
	char path[512], ack_path[512];
	char partial[256];
	size_t partial_length;
	unsigned open_line;
	struct timespec started;
	struct output_pipes *pipes;
};

static int fifo_make(const char *path, const struct job *job, char *error, size_t error_size)
{
	unlink(path);
	if (mkfifo(path, 0600) < 0) {
		snprintf(error, error_size, "mkfifo %s: %s", path, strerror(errno));
		return -1;
	}
	/* -u: the shell opens it as that user. */
	if (job->user_set && chown(path, job->uid, job->gid) < 0) {
		snprintf(error, error_size, "--user: chown %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int line_events_open(struct line_events *e, const struct job *job, const char *run_dir,
			    char *error, size_t error_size)
{
	e->flags = job->line_events;
	snprintf(e->path, sizeof(e->path), "%s/line-events", run_dir);
	snprintf(e->ack_path, sizeof(e->ack_path), "%s/line-acks", run_dir);
	if (fifo_make(e->path, job, error, error_size) < 0)
		return -1;
	e->fd = open(e->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	/* Our own writer keeps the FIFO from reading EOF between the shell's
	 * writes, and lets the shell's opens never block. */
	e->keep_open_fd = open(e->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (e->fd < 0 || e->keep_open_fd < 0) {
		snprintf(error, error_size, "opening %s: %s", e->path, strerror(errno));
		return -1;
	}
	if (!(e->flags & LINE_EVENTS_STARTED))
		return 0;
	if (fifo_make(e->ack_path, job, error, error_size) < 0)
		return -1;
	/* Read and write: the shell's open for reading never blocks, and
	 * an ack waits in the FIFO until the shell reads it. */
	e->ack_fd = open(e->ack_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (e->ack_fd < 0) {
		snprintf(error, error_size, "opening %s: %s", e->ack_path, strerror(errno));
		return -1;
	}
	return 0;
}

static void send_line_result(int channel, unsigned line, unsigned status, uint64_t micros)
{
	unsigned char payload[16];
	put_u32le(payload, line);
	put_u32le(payload + 4, status);
	put_u64le(payload + 8, micros);
	(void)channel_send(channel, FRAME_LINE_RESULT, payload, sizeof(payload));
}

static uint64_t micros_since(const struct timespec *t0)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t us =
	    (int64_t)(now.tv_sec - t0->tv_sec) * 1000000 + (now.tv_nsec - t0->tv_nsec) / 1000;
	return us > 0 ? (uint64_t)us : 0;
}

/* The shell waits for it before the line runs. */
static void line_started(struct line_events *e, int channel, unsigned line)
{
	output_pipes_drain(channel, e->pipes);
	(void)channel_send_u32(channel, FRAME_LINE_STARTED, line);
	if (write(e->ack_fd, "\n", 1) < 0) {
		/* Full of acks nobody read: the shell is not waiting for one. */
	}
}

static void line_ended(struct line_events *e, int channel, unsigned status)
{
	if (e->flags & LINE_EVENTS_STARTED)
		output_pipes_drain(channel, e->pipes);
	send_line_result(channel, e->open_line, status, micros_since(&e->started));
	e->open_line = 0;
}

static void line_event(struct line_events *e, int channel, const char *text)
{
	unsigned line, status;
	if (sscanf(text, "S %u", &line) == 1) {
		e->open_line = line;
		clock_gettime(CLOCK_MONOTONIC, &e->started);
		if (e->flags & LINE_EVENTS_STARTED)
			line_started(e, channel, line);
	} else if (sscanf(text, "E %u %u", &line, &status) == 2 && line == e->open_line) {
		line_ended(e, channel, status);
	}
}

static void line_events_read(struct line_events *e, int channel)
{
	char buf[4096];
	ssize_t n;
	while ((n = read(e->fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (e->partial_length < sizeof(e->partial) - 1)
					e->partial[e->partial_length++] = buf[i];
				continue;
			}
			e->partial[e->partial_length] = '\0';
			line_event(e, channel, e->partial);
			e->partial_length = 0;
		}
	}
}

static void line_events_finish(struct line_events *e, int channel, int final_status)
{
	if (e->open_line)
		line_ended(e, channel, (unsigned)final_status);
	close(e->fd);
	close(e->keep_open_fd);
	unlink(e->path);
	if (e->ack_fd >= 0) {
		close(e->ack_fd);
		unlink(e->ack_path);
	}
}

static void report_failed_lines(int channel, const char *log_path)
{
	FILE *log = fopen(log_path, "re");
	if (!log)
		return;
	unsigned line, status;
	while (fscanf(log, "%u %u", &line, &status) == 2) {
		unsigned char payload[8];
		put_u32le(payload, line);
		put_u32le(payload + 4, status);
		(void)channel_send(channel, FRAME_LINE_FAILED, payload, sizeof(payload));
	}
	fclose(log);
}

/* The program as a new process: its pipes (or -t's terminal) made, then
 * fork and exec. Returns its pid; in[1] is where its stdin is fed (-1:
 * not at all). */
static pid_t fresh_start(const struct job *job, const char *script_path,
			 const char *const positional[4], struct output_pipes *pipes,
			 struct pty *tty, int in[2], char *error, size_t error_size)
{
	/* -t: one terminal is the program's stdin, stdout and stderr; the
	 * agent reads and types on its master. */
	int out[2], err[2] = {-1, -1};
	if (job->tty) {
		if (pty_open(job, tty, error, error_size) < 0)
			return -1;
		out[0] = tty->master;
		out[1] = tty->slave;
	} else if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		snprintf(error, error_size, "pipe: %s", strerror(errno));
		return -1;
	}
	*pipes = (struct output_pipes){.out = out[0], .err = err[0]};
	/* The host's stdin reaches the program unless it carried the
	 * commands (then the program reads EOF). */
	if (job->tty) {
		in[0] = tty->slave;
		in[1] = job->forward_stdin ? fcntl(tty->master, F_DUPFD_CLOEXEC, 0) : -1;
	} else if (job->forward_stdin) {
		if (pipe2(in, O_CLOEXEC) < 0) {
			snprintf(error, error_size, "pipe: %s", strerror(errno));
			return -1;
		}
	} else {
		in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(error, error_size, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0)
		child_exec(job, script_path, positional, in[0], out[1],
			   job->tty ? tty->slave : err[1]);
	/* The terminal's slave stays open here while the program runs: its
	 * input queue and modes tell when end-of-file is due (pty.c). */
	if (!job->tty) {
		close(out[1]);
		close(err[1]);
		if (in[0] >= 0)
			close(in[0]);
	}
	return pid;
}

int run_job(int channel, const struct job *job, const char *run_dir, char *error, size_t error_size)
{
	char script_path[512], log_path[512];
	snprintf(script_path, sizeof(script_path), "%s/script", run_dir);
	snprintf(log_path, sizeof(log_path), "%s/failed-lines", run_dir);
	mkdir(run_dir, 0700);
	/* The VM may have run an execution before (a session): its failed
	 * lines are not this one's. */
	unlink(log_path);
	/* A streamed script is a FIFO the shell sources as it fills (the
	 * relay opens its end once the shell has opened its own). */
	if (job->mode != JOB_MODE_EXEC && job->script_stream) {
		unlink(script_path);
		if (mkfifo(script_path, 0600) < 0) {
			snprintf(error, error_size, "script FIFO %s: %s", script_path,
				 strerror(errno));
			return -1;
		}
	} else if (job->mode != JOB_MODE_EXEC &&
		   /* A streamed execution before this one left its FIFO
		    * there: writing into it would wait for a reader. */
		   (unlink(script_path), write_file(script_path, job->script, job->script_length)) <
		       0) {
		snprintf(error, error_size, "writing the script to %s: %s", script_path,
			 strerror(errno));
		return -1;
	}
	/* -u: the shell reads the script and appends to the failure log
	 * (created there) as that user. */
	if (job->user_set &&
	    (chown(run_dir, job->uid, job->gid) < 0 ||
	     (job->mode != JOB_MODE_EXEC && chown(script_path, job->uid, job->gid) < 0))) {
		snprintf(error, error_size, "--user: chown %s: %s", run_dir, strerror(errno));
		return -1;
	}
	if (job->workdir && chdir(job->workdir) < 0) {
		snprintf(error, error_size, "working directory %s: %s in the guest", job->workdir,
			 strerror(errno));
		return -1;
	}
	struct output_pipes pipes = {.out = -1, .err = -1};
	struct line_events events = {.fd = -1, .ack_fd = -1, .pipes = &pipes};
	if (job->mode == JOB_MODE_SHELL_LINES && job->line_events &&
	    line_events_open(&events, job, run_dir, error, error_size) < 0)
		return -1;
	const char *positional[4];
	shell_positional(job, log_path, events.path, events.ack_path, positional);
	struct pty tty = {.master = -1, .slave = -1};
	int in[2] = {-1, -1};
	struct standby_fds taken;
	pid_t pid = standby_take(job, script_path, positional, &taken);
	if (pid > 0) {
		trace("standby shell %d runs the execution", (int)pid);
		pipes = (struct output_pipes){.out = taken.out, .err = taken.err};
		in[1] = taken.in;
	} else {
		pid = fresh_start(job, script_path, positional, &pipes, &tty, in, error,
				  error_size);
		if (pid < 0)
			return -1;
		trace("a new process %d runs the execution", (int)pid);
	}
	struct stdin_relay relay = {.fd = in[1]};
	if (relay.fd >= 0)
		fcntl(relay.fd, F_SETFL, O_NONBLOCK);
	struct stdin_relay script = {
	    .fd = -1, .fifo = job->mode != JOB_MODE_EXEC && job->script_stream ? script_path : NULL};
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	/* Never blocked on: a line event drains them as far as they hold
	 * (a terminal's master keeps its flags: -t has no line events). */
	if (!job->tty) {
		fcntl(pipes.out, F_SETFL, O_NONBLOCK);
		fcntl(pipes.err, F_SETFL, O_NONBLOCK);
	}
	int exited = 0, wstatus = 0, channel_lost = 0;
	while (!exited) {
		/* A terminal's size changes come on the channel too. */
		int want_channel = (stdin_relay_open(&relay) || stdin_relay_open(&script) ||
				    (job->tty && !channel_lost)) &&
				   !relay.length && !script.length;
		struct pollfd fds[8] = {
		    {.fd = pipes.out, .events = POLLIN},
		    {.fd = pipes.err, .events = POLLIN},
		    {.fd = pidfd, .events = POLLIN},
		    {.fd = want_channel ? channel : -1, .events = POLLIN},
		    {.fd = relay.length ? relay.fd : -1, .events = POLLOUT},
		    {.fd = events.fd, .events = POLLIN},
		    {.fd = script.length ? script.fd : -1, .events = POLLOUT},
		    {.fd = orphans_fd(), .events = POLLIN},
		};
		if (pidfd < 0 && pipes.out < 0 && pipes.err < 0)
			break; /* no pidfd: fall back to waiting after EOF */
		int timeout = want_channel && channel_buffered() ? 0 : -1;
		/* The shell has not opened the script's FIFO yet: look again
		 * soon (it does so at once after its start). */
		if (script.fifo && (script.length || script.eof) && timeout < 0)
			timeout = 2;
		tty.master = pipes.out;
		int eof_wait = pty_eof_step(&tty);
		if (eof_wait >= 0 && (timeout < 0 || eof_wait < timeout))
			timeout = eof_wait;
		if (poll(fds, 8, timeout) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[0].revents)
			relay_pipe(channel, &pipes.out, FRAME_STDOUT);
		if (fds[1].revents)
			relay_pipe(channel, &pipes.err, FRAME_STDERR);
		if (fds[4].revents)
			stdin_relay_write(&relay);
		if (fds[6].revents || (script.fifo && (script.length || script.eof)))
			stdin_relay_write(&script);
		if (want_channel && (fds[3].revents || channel_buffered()))
			channel_lost |=
			    channel_relays_read(channel, &relay, &script, job->tty ? &tty : NULL) < 0;
		if (fds[5].revents)
			line_events_read(&events, channel);
		if (fds[2].revents && waitpid(pid, &wstatus, WNOHANG) == pid)
			exited = 1;
		if (fds[7].revents)
			orphans_reap(pid);
	}
	if (relay.fd >= 0)
		close(relay.fd);
	stdin_relay_close(&script);
	if (!exited)
		waitpid(pid, &wstatus, 0);
	/* Now the master reads EIO once nothing else holds the terminal. */
	if (tty.slave >= 0)
		close(tty.slave);
	/* The program is gone. What it wrote is in the pipes already; a
	 * background process that keeps them open must not hold the run
	 * hostage, so take only what is there now. A terminal passes what
	 * was written to it on to its master a moment later (the kernel's
	 * flip buffer): wait a little for that, bounded. */
	int *fds_left[2] = {&pipes.out, &pipes.err};
	uint32_t types[2] = {FRAME_STDOUT, FRAME_STDERR};
	for (int i = 0; i < 2; i++) {
		if (*fds_left[i] < 0)
			continue;
		fcntl(*fds_left[i], F_SETFL, O_NONBLOCK);
		struct timespec drain_started;
		clock_gettime(CLOCK_MONOTONIC, &drain_started);
		while (*fds_left[i] >= 0) {
			struct pollfd p = {.fd = *fds_left[i], .events = POLLIN};
			int wait_ms = job->tty && micros_since(&drain_started) < 2000000 ? 50 : 0;
			if (poll(&p, 1, wait_ms) <= 0)
				break;
			if (!relay_pipe(channel, fds_left[i], types[i]))
				break;
		}
		if (*fds_left[i] >= 0)
			close(*fds_left[i]);
		*fds_left[i] = -1;
	}
	if (pidfd >= 0)
		close(pidfd);
	if (job->mode == JOB_MODE_SHELL_LINES)
		report_failed_lines(channel, log_path);
	if (events.fd >= 0) {
		line_events_read(&events, channel);
		/* A line that ended the shell itself (exit, a signal) never
		 * reported its end: close it with the shell's status. */
		int final = WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
		line_events_finish(&events, channel, final);
	}
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return WEXITSTATUS(wstatus);
}
