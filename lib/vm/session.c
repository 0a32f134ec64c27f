#include "lib/vm/session.h"
#include "lib/channel/channel_policy.h"
#include "lib/channel/frame_reader.h"
#include "util/text.h"
#include "proto/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Output waiting for the host's stdout or stderr. While it waits, nothing
 * more is read from the guest: that is the back-pressure that keeps memory
 * bounded when the reader is slow. */
struct pending_output {
	int fd;
	const unsigned char *data;
	size_t length;
	size_t chunk; /* pipes: one page per POLLOUT so a write never blocks */
	int is_stdout;
};

/* Where each fd went in the last session_pollfds, -1 if not polled. */
struct session_poll {
	int cancel, pidfd, listen, conn, out, in;
};

struct session {
	const struct session_config *config;
	int conn;
	int vm_pidfd;
	int alive;
	int broken; /* an execution ended other than by its exit: no more */
	double started;
	struct channel_policy policy;
	/* host -> guest, one queue in order: the setup, the clock (at the
	 * hello), then each execution's job and stdin frames */
	unsigned char *out;
	size_t out_offset, out_length, out_capacity;
	/* the wait in progress: until the hello, or one execution's exit */
	struct session_result *result;
	const struct session_exec *exec;
	uint32_t exec_id; /* of the execution running, 0 before the first */
	int done;
	int stdin_open;
	int stderr_closed;
	struct pending_output pending;
	size_t chunk_stdout, chunk_stderr;
	double deadline;	    /* of the wait in progress; 0: none */
	struct session_poll poll;   /* what session_pollfds gave, for dispatch */
	struct frame_reader reader; /* last: 64 KiB */
};

static size_t write_chunk_for(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		return 4096;
	return SIZE_MAX;
}

static void finish(struct session *s, enum session_outcome outcome, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void finish(struct session *s, enum session_outcome outcome, const char *fmt, ...)
{
	if (s->done)
		return;
	s->done = 1;
	s->result->outcome = outcome;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(s->result->message, sizeof(s->result->message), fmt, ap);
		va_end(ap);
	}
}

static void record_failed_line(struct session *s, const unsigned char *payload)
{
	struct session_result *r = s->result;
	struct failed_line *grown = realloc(r->failed, (r->failed_count + 1) * sizeof(*grown));
	if (!grown)
		return;
	r->failed = grown;
	r->failed[r->failed_count++] =
	    (struct failed_line){get_u32le(payload), get_u32le(payload + 4)};
}

static void record_line_result(struct session *s, const unsigned char *payload)
{
	struct session_result *r = s->result;
	if (r->line_count % 256 == 0) {
		struct line_result *grown =
		    realloc(r->lines, (r->line_count + 256) * sizeof(*grown));
		if (!grown)
			return;
		r->lines = grown;
	}
	r->lines[r->line_count++] = (struct line_result){get_u32le(payload), get_u32le(payload + 4),
							 get_u64le(payload + 8)};
}

static void queue_clock(struct session *s);

/* A wait has ended: a VM whose execution ended other than by its exit (or
 * whose boot failed) runs nothing more, and nothing more is relayed to the
 * ended execution's fds nor read from its stdin. */
static void wait_ended(struct session *s)
{
	if (s->result->outcome != SESSION_EXITED && s->result->outcome != SESSION_ALIVE)
		s->broken = 1;
	s->exec = NULL;
	s->stdin_open = 0;
	/* Said, not written: an event cut short would be no JSON line. */
	s->result->unwritten = s->pending.length;
	s->pending.length = 0;
}

/* The caller's callback; what it hands back waits for stdout as output
 * does, holding back the guest's next frames. */
static void emit_event(struct session *s, const struct krunsh_event *ev)
{
	const void *out = NULL;
	size_t length = 0;
	s->exec->on_event(s->exec->event_data, ev, &out, &length);
	if (out && length)
		s->pending =
		    (struct pending_output){s->exec->stdout_fd, out, length, s->chunk_stdout, 1};
}

static void handle_frame(struct session *s, const struct frame_header *h,
			 const unsigned char *payload)
{
	switch (h->type) {
	case FRAME_HELLO:
		if (!s->alive) {
			s->alive = 1;
			s->result->boot_seconds = monotonic_seconds() - s->started;
			queue_clock(s);
			if (s->config->on_alive)
				s->config->on_alive(s->config->on_alive_data);
		}
		/* The boot wait ends here; what follows is an execution's. */
		if (!s->exec)
			finish(s, SESSION_ALIVE, NULL);
		break;
	case FRAME_STDOUT:
	case FRAME_STDERR: {
		int out = h->type == FRAME_STDOUT;
		if (s->exec->on_event) {
			struct krunsh_event ev = {.type = KRUNSH_EVENT_OUTPUT,
						  .stream = out ? 1 : 2,
						  .data = payload,
						  .length = h->length};
			emit_event(s, &ev);
			break;
		}
		if (!out && s->stderr_closed)
			break;
		s->pending = (struct pending_output){out ? s->exec->stdout_fd : s->exec->stderr_fd,
						     payload, h->length,
						     out ? s->chunk_stdout : s->chunk_stderr, out};
		break;
	}
	case FRAME_LINE_RESULT:
		record_line_result(s, payload);
		if (s->exec->on_event) {
			struct krunsh_event ev = {.type = KRUNSH_EVENT_LINE_FINISHED,
						  .line = get_u32le(payload),
						  .status = (int)get_u32le(payload + 4),
						  .micros = get_u64le(payload + 8)};
			emit_event(s, &ev);
		}
		break;
	case FRAME_LINE_STARTED:
		if (s->exec->on_event) {
			struct krunsh_event ev = {.type = KRUNSH_EVENT_LINE_STARTED,
						  .line = get_u32le(payload)};
			emit_event(s, &ev);
		}
		break;
	case FRAME_LINE_FAILED:
		record_failed_line(s, payload);
		break;
	case FRAME_DISCARDED_FILES: {
		struct discarded_files *d = &s->result->discarded;
		d->count = get_u32le(payload);
		d->at_least = (get_u32le(payload + 4) & DISCARDED_AT_LEAST) != 0;
		memcpy(d->first, payload + 8, h->length - 8);
		d->first[h->length - 8] = '\0';
		break;
	}
	case FRAME_EXIT:
		s->result->exit_status = (int)get_u32le(payload);
		finish(s, SESSION_EXITED, NULL);
		break;
	case FRAME_AGENT_ERROR: {
		/* The guest's words, printed after "krunsh: in the guest: ":
		 * one line without control bytes, or it could forge lines of
		 * krunsh's own or drive the user's terminal. */
		char text[sizeof(s->result->message)];
		text_sanitize(text, sizeof(text), payload, h->length, 400);
		finish(s, SESSION_AGENT_ERROR, "%s", text);
		break;
	}
	}
}

/* Takes frames out of what has been read until one leaves output pending
 * or the input runs out. */
static void process_input(struct session *s)
{
	while (!s->done && !s->pending.length) {
		struct frame_header h;
		const unsigned char *payload = NULL;
		enum frame_read r = frame_reader_next(&s->reader, &h, &payload);
		if (r == FRAME_READ_NEED_MORE)
			return;
		if (r == FRAME_READ_UNKNOWN_TYPE) {
			finish(s, SESSION_PROTOCOL_ERROR, "unknown frame type %u from the guest",
			       h.type);
			return;
		}
		if (r == FRAME_READ_OLD_HELLO) {
			finish(s, SESSION_PROTOCOL_ERROR,
			       "the guest agent speaks protocol version %u, this krunsh version "
			       "%u: install krunsh and its agent from the same build",
			       h.exec, KRUNSH_PROTOCOL_VERSION);
			return;
		}
		if (r == FRAME_READ_TOO_LONG) {
			finish(s, SESSION_PROTOCOL_ERROR,
			       "frame type %u from the guest is %u bytes long, more than its %ld",
			       h.type, h.length, frame_guest_payload_max(h.type));
			return;
		}
		char why[256];
		if (channel_policy_check(&s->policy, &h, payload, why, sizeof(why)) !=
		    CHANNEL_ACCEPT) {
			s->broken = 1;
			finish(s, SESSION_PROTOCOL_ERROR, "%s", why);
			return;
		}
		handle_frame(s, &h, payload);
	}
}

/* The VM went away: before its guest said hello, or after. */
static const char *vm_stopped(const struct session *s)
{
	return s->alive ? "the VM stopped before the commands finished"
			: "the VM stopped before the guest started";
}

static void read_from_guest(struct session *s)
{
	size_t room;
	unsigned char *space = frame_reader_space(&s->reader, &room);
	ssize_t n = read(s->conn, space, room);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(s, SESSION_VM_DIED, "%s", vm_stopped(s));
		return;
	}
	frame_reader_commit(&s->reader, (size_t)n);
	process_input(s);
}

/* A write to a pipe of at most one page after POLLOUT never blocks. Other
 * outputs (a terminal stopped with ^S, a file on a stuck disk) may: a
 * timer interrupts such a write, so the timeout and signals still act. */
static int alarm_handled(void)
{
	struct sigaction sa;
	return sigaction(SIGALRM, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
	       sa.sa_handler != SIG_IGN;
}

/* The timer needs a SIGALRM handler installed without SA_RESTART (the
 * caller's: a library installs none); without one the write may block. */
static ssize_t write_bounded(int fd, const void *data, size_t length, int may_block)
{
	if (!may_block || !alarm_handled())
		return write(fd, data, length);
	struct itimerval t = {.it_value = {.tv_usec = 100 * 1000}};
	setitimer(ITIMER_REAL, &t, NULL);
	ssize_t w = write(fd, data, length);
	int saved = errno;
	struct itimerval off = {0};
	setitimer(ITIMER_REAL, &off, NULL);
	errno = saved;
	return w;
}

static void write_pending_output(struct session *s)
{
	struct pending_output *p = &s->pending;
	size_t n = p->length < p->chunk ? p->length : p->chunk;
	ssize_t w = write_bounded(p->fd, p->data, n, p->chunk == SIZE_MAX);
	if (w < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return;
		if (p->is_stdout) {
			finish(s, SESSION_OUTPUT_CLOSED, NULL);
		} else {
			s->stderr_closed = 1;
			p->length = 0;
		}
		return;
	}
	p->data += w;
	p->length -= (size_t)w;
	if (!p->length)
		process_input(s);
}

/* Room for a frame of up to `length` payload bytes at the queue's end
 * (what is unsent moves to the front first); NULL when out of memory. */
static unsigned char *queue_space(struct session *s, size_t length)
{
	if (s->out_offset == s->out_length) {
		s->out_offset = s->out_length = 0;
	} else if (s->out_offset > 0) {
		memmove(s->out, s->out + s->out_offset, s->out_length - s->out_offset);
		s->out_length -= s->out_offset;
		s->out_offset = 0;
	}
	size_t need = s->out_length + FRAME_HEADER_SIZE + length;
	if (need > s->out_capacity) {
		size_t cap = need > FRAME_HEADER_SIZE + FRAME_OUTPUT_MAX
				 ? need
				 : FRAME_HEADER_SIZE + FRAME_OUTPUT_MAX;
		unsigned char *grown = realloc(s->out, cap);
		if (!grown)
			return NULL;
		s->out = grown;
		s->out_capacity = cap;
	}
	return s->out + s->out_length;
}

static void queue_commit(struct session *s, uint32_t type, uint32_t exec, size_t length)
{
	frame_header_encode(s->out + s->out_length, type, exec, (uint32_t)length);
	s->out_length += FRAME_HEADER_SIZE + length;
}

static int queue_frame(struct session *s, uint32_t type, uint32_t exec, const unsigned char *data,
		       size_t length)
{
	unsigned char *frame = queue_space(s, length);
	if (!frame)
		return -1;
	if (length)
		memcpy(frame + FRAME_HEADER_SIZE, data, length);
	queue_commit(s, type, exec, length);
	return 0;
}

static uint64_t realtime_nanoseconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Stamped at the hello: the setup has long been sent by then (QEMU
 * connects at its start), so the clock leaves at once. */
static void queue_clock(struct session *s)
{
	unsigned char now[8];
	put_u64le(now, realtime_nanoseconds());
	if (queue_frame(s, FRAME_CLOCK, FRAME_EXEC_VM, now, sizeof(now)) < 0)
		finish(s, SESSION_PROTOCOL_ERROR, "out of memory");
}

/* Only called with nothing unsent: one stdin frame at a time. */
static void queue_stdin(struct session *s)
{
	unsigned char *frame = queue_space(s, FRAME_OUTPUT_MAX);
	if (!frame)
		return;
	ssize_t n = read(s->exec->stdin_fd, frame + FRAME_HEADER_SIZE, FRAME_OUTPUT_MAX);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		queue_commit(s, FRAME_STDIN_EOF, s->exec_id, 0);
		s->stdin_open = 0;
	} else {
		queue_commit(s, FRAME_STDIN, s->exec_id, (size_t)n);
	}
}

static int guest_output_pending(const struct session *s)
{
	return s->out_offset < s->out_length;
}

static void write_to_guest(struct session *s)
{
	ssize_t w =
	    send(s->conn, s->out + s->out_offset, s->out_length - s->out_offset, MSG_NOSIGNAL);
	if (w < 0) {
		/* A VMM that connected its end of the channel and then
		 * failed (a file that is no kernel) closes it under the job
		 * being written: that is a VM that stopped before its guest
		 * started too. */
		if (errno != EAGAIN && errno != EINTR)
			finish(s, SESSION_VM_DIED, "%s", vm_stopped(s));
		return;
	}
	s->out_offset += (size_t)w;
}

static void accept_agent(struct session *s)
{
	int fd = accept4(s->config->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (fd < 0)
		return;
	s->conn = fd;
}

/* Whether the VMM has exited, without reaping it: vm_run kills and reaps
 * every VM process at the end, and a pid reaped here could have been
 * reused by then. */
static int vm_exited(const struct session *s)
{
	siginfo_t info = {0};
	return waitid(P_PID, (id_t)s->config->vm_pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
	       info.si_pid != 0;
}

struct session *session_open(const struct session_config *config)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->config = config;
	s->conn = -1;
	s->started = monotonic_seconds();
	s->vm_pidfd = (int)syscall(SYS_pidfd_open, config->vm_pid, 0);
	frame_reader_init(&s->reader);
	channel_policy_init(&s->policy);
	if (queue_frame(s, FRAME_SETUP, FRAME_EXEC_VM, config->setup, config->setup_length) < 0) {
		session_close(s);
		return NULL;
	}
	return s;
}

/* The fds the wait in progress needs polled, and for how long at most
 * (ms, -1: no limit); 0 once it has ended (a deadline that passed ends it
 * here). The indices are kept for session_dispatch. */
int session_pollfds(struct session *s, struct pollfd *fds, int *timeout_ms)
{
	const struct session_config *config = s->config;
	struct session_poll *ix = &s->poll;
	*ix = (struct session_poll){-1, -1, -1, -1, -1, -1};
	*timeout_ms = -1;
	if (s->done)
		return 0;
	int n = 0;
	if (config->cancel_fd >= 0)
		fds[ix->cancel = n++] = (struct pollfd){.fd = config->cancel_fd, .events = POLLIN};
	if (s->vm_pidfd >= 0)
		fds[ix->pidfd = n++] = (struct pollfd){.fd = s->vm_pidfd, .events = POLLIN};
	if (s->conn < 0) {
		if (!config->ignore_agent)
			fds[ix->listen = n++] =
			    (struct pollfd){.fd = config->listen_fd, .events = POLLIN};
	} else {
		short ev = 0;
		if (!s->pending.length)
			ev |= POLLIN;
		if (guest_output_pending(s))
			ev |= POLLOUT;
		fds[ix->conn = n++] = (struct pollfd){.fd = s->conn, .events = ev};
	}
	if (s->pending.length)
		fds[ix->out = n++] = (struct pollfd){.fd = s->pending.fd, .events = POLLOUT};
	if (s->conn >= 0 && s->alive && s->stdin_open && !guest_output_pending(s))
		fds[ix->in = n++] = (struct pollfd){.fd = s->exec->stdin_fd, .events = POLLIN};

	double now = monotonic_seconds();
	double wake = -1;
	if (!s->alive)
		wake = s->started + config->boot_timeout;
	if (s->deadline > 0 && (wake < 0 || s->deadline < wake))
		wake = s->deadline;
	if (wake >= 0) {
		if (now >= wake) {
			if (s->deadline > 0 && now >= s->deadline)
				finish(s, SESSION_TIMEOUT, NULL);
			else
				finish(s, SESSION_BOOT_TIMEOUT, NULL);
			wait_ended(s);
			return 0;
		}
		*timeout_ms = (int)((wake - now) * 1000.0) + 1;
	}
	/* Without a pidfd (kernels before 5.3) a VM that dies before it
	 * connects is only noticed by polling waitid. */
	if (s->vm_pidfd < 0 && s->conn < 0 && (*timeout_ms < 0 || *timeout_ms > 100))
		*timeout_ms = 100;
	return n;
}

/* Acts on what poll found in the fds session_pollfds gave (a timeout
 * with nothing ready is fine: the next session_pollfds sees the time).
 * Returns 1 once the wait has ended. */
int session_dispatch(struct session *s, const struct pollfd *fds)
{
	const struct session_config *config = s->config;
	const struct session_poll *ix = &s->poll;
	if (s->done)
		return 1;
	if (ix->cancel >= 0 && fds[ix->cancel].revents) {
		unsigned char sig = 0;
		if (read(config->cancel_fd, &sig, 1) == 1) {
			s->result->signal = sig;
			finish(s, SESSION_SIGNALLED, NULL);
			wait_ended(s);
			return 1;
		}
	}
	if (ix->out >= 0 && fds[ix->out].revents)
		write_pending_output(s);
	if (ix->conn >= 0 && (fds[ix->conn].revents & POLLOUT))
		write_to_guest(s);
	if (ix->conn >= 0 && (fds[ix->conn].revents & (POLLIN | POLLHUP | POLLERR)) &&
	    !s->pending.length && !s->done)
		read_from_guest(s);
	if (ix->listen >= 0 && fds[ix->listen].revents)
		accept_agent(s);
	if (ix->in >= 0 && fds[ix->in].revents)
		queue_stdin(s);
	/* Once the VM has ended, whatever it sent is still in the socket:
	 * keep reading until EOF. Only a VM that never connected ends the
	 * session here. */
	if (ix->pidfd >= 0 && fds[ix->pidfd].revents) {
		close(s->vm_pidfd);
		s->vm_pidfd = -1;
	}
	if (s->vm_pidfd < 0 && s->conn < 0 && !s->done && vm_exited(s))
		finish(s, SESSION_VM_DIED, "the VM exited before the guest started");
	if (s->done)
		wait_ended(s);
	return s->done;
}

int session_ended(const struct session *s)
{
	return s->done;
}

void session_abort(struct session *s, const char *why)
{
	if (s->done)
		return;
	finish(s, SESSION_PROTOCOL_ERROR, "%s", why);
	wait_ended(s);
}

/* The one loop behind every blocking wait. */
void session_wait(struct session *s)
{
	struct pollfd fds[SESSION_MAX_POLLFDS];
	int timeout_ms, n;
	while ((n = session_pollfds(s, fds, &timeout_ms)) > 0) {
		if (poll(fds, (nfds_t)n, timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			char why[128];
			snprintf(why, sizeof(why), "poll: %s", strerror(errno));
			session_abort(s, why);
			return;
		}
		if (session_dispatch(s, fds))
			return;
	}
}

static void begin_wait(struct session *s, struct session_result *result, double deadline)
{
	memset(result, 0, sizeof(*result));
	s->result = result;
	s->done = 0;
	s->deadline = deadline;
}

void session_wait_alive(struct session *s, double deadline, struct session_result *result)
{
	begin_wait(s, result, deadline);
	if (s->alive) {
		result->outcome = SESSION_ALIVE;
		return;
	}
	/* Frames already read go first. */
	process_input(s);
	if (s->done)
		wait_ended(s);
	else
		session_wait(s);
}

void session_exec_begin(struct session *s, const struct session_exec *exec, double deadline,
			struct session_result *result)
{
	begin_wait(s, result, deadline);
	if (s->broken || !s->alive) {
		finish(s, SESSION_PROTOCOL_ERROR, "the VM cannot run another execution");
		return;
	}
	s->exec = exec;
	s->exec_id++;
	s->stdin_open = exec->stdin_fd >= 0;
	s->stderr_closed = 0;
	s->pending = (struct pending_output){0};
	s->chunk_stdout = write_chunk_for(exec->stdout_fd);
	s->chunk_stderr = write_chunk_for(exec->stderr_fd);
	channel_policy_begin_exec(&s->policy, s->exec_id, exec->line_count, exec->line_events,
				  exec->discarded_files);
	if (queue_frame(s, FRAME_EXEC, s->exec_id, exec->job, exec->job_length) < 0) {
		finish(s, SESSION_PROTOCOL_ERROR, "out of memory");
		wait_ended(s);
		return;
	}
	/* Frames already read (they came with the hello) go first. */
	process_input(s);
	if (s->done)
		wait_ended(s);
}

int session_exec_feed(struct session *s, const void *data, size_t length, size_t lines)
{
	if (s->done || !s->exec)
		return 0; /* it has ended: the rest is not run */
	for (size_t sent = 0; sent < length;) {
		size_t n = length - sent < FRAME_OUTPUT_MAX ? length - sent : FRAME_OUTPUT_MAX;
		if (queue_frame(s, FRAME_SCRIPT, s->exec_id, (const unsigned char *)data + sent,
				n) < 0)
			return -1;
		sent += n;
	}
	channel_policy_add_lines(&s->policy, lines);
	return 0;
}

int session_exec_feed_end(struct session *s)
{
	if (s->done || !s->exec)
		return 0;
	return queue_frame(s, FRAME_SCRIPT_EOF, s->exec_id, NULL, 0);
}

int session_exec_resize(struct session *s, unsigned rows, unsigned columns)
{
	if (!winsize_valid(rows, columns)) {
		errno = EINVAL;
		return -1;
	}
	if (s->done || !s->exec || !s->exec->tty)
		return 0;
	unsigned char size[8];
	put_u32le(size, rows);
	put_u32le(size + 4, columns);
	if (queue_frame(s, FRAME_WINSIZE, s->exec_id, size, sizeof(size)) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

size_t session_unsent(const struct session *s)
{
	return s->out_length - s->out_offset;
}

void session_run_exec(struct session *s, const struct session_exec *exec, double deadline,
		      struct session_result *result)
{
	session_exec_begin(s, exec, deadline, result);
	if (!s->done)
		session_wait(s);
}

void session_close(struct session *s)
{
	if (!s)
		return;
	if (s->conn >= 0)
		close(s->conn);
	if (s->vm_pidfd >= 0)
		close(s->vm_pidfd);
	free(s->out);
	free(s);
}

int session_lend(struct session *s, uint32_t *execs_done)
{
	*execs_done = s->exec_id;
	return s->alive && !s->broken && !guest_output_pending(s) ? s->conn : -1;
}

uint32_t session_executions(const struct session *s)
{
	return s->exec_id;
}

void session_lent_back(struct session *s, uint32_t execs_done)
{
	s->exec_id = execs_done;
}

struct session *session_adopt(const struct session_config *config, int conn, uint32_t execs_done)
{
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->config = config;
	s->conn = conn;
	s->vm_pidfd = -1;
	s->alive = 1;
	s->exec_id = execs_done;
	s->started = monotonic_seconds();
	frame_reader_init(&s->reader);
	channel_policy_init(&s->policy);
	/* The hello went to the lender. */
	s->policy.hello_seen = 1;
	return s;
}

int session_flush(struct session *s, int timeout_ms)
{
	double give_up = monotonic_seconds() + timeout_ms / 1000.0;
	while (s->conn >= 0 && guest_output_pending(s)) {
		struct pollfd p = {.fd = s->conn, .events = POLLOUT};
		int left = (int)((give_up - monotonic_seconds()) * 1000.0);
		if (left <= 0 || (poll(&p, 1, left) < 0 && errno != EINTR))
			return -1;
		if (p.revents & (POLLERR | POLLHUP))
			return -1;
		if (!(p.revents & POLLOUT))
			continue;
		ssize_t w = send(s->conn, s->out + s->out_offset, s->out_length - s->out_offset,
				 MSG_NOSIGNAL);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (w > 0)
			s->out_offset += (size_t)w;
	}
	return s->conn >= 0 ? 0 : -1;
}

void session_result_free(struct session_result *result)
{
	free(result->failed);
	result->failed = NULL;
	result->failed_count = 0;
	free(result->lines);
	result->lines = NULL;
	result->line_count = 0;
}
