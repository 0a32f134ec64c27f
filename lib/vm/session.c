#include "lib/vm/session.h"
#include "lib/channel/channel_policy.h"
#include "lib/channel/frame_reader.h"
#include "lib/util/text.h"
#include "proto/protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
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

static int signal_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	(void)!write(signal_pipe[1], &b, 1);
	errno = saved;
}

static void on_write_alarm(int sig)
{
	(void)sig;
}

int session_signals_install(void)
{
	if (pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return -1;
	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* Interrupts a write to a terminal that is stopped (^S) or any other
	 * output that blocks: SA_RESTART is left out on purpose. */
	struct sigaction alarm_sa = {.sa_handler = on_write_alarm};
	sigemptyset(&alarm_sa.sa_mask);
	sigaction(SIGALRM, &alarm_sa, NULL);
	/* A closed stdout is an EPIPE we handle, not a death. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

int session_signal_fd(void)
{
	return signal_pipe[0];
}

double monotonic_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Output waiting for the host's stdout or stderr. While it waits, nothing
 * more is read from the guest: that is the back-pressure that keeps memory
 * bounded when the reader is slow. */
struct pending_output {
	int fd;
	const unsigned char *data;
	size_t length;
	size_t chunk; /* pipes: one page per POLLOUT so a write never blocks */
};

struct session {
	const struct session_config *config;
	struct session_result *result;
	int conn;
	int vm_pidfd;
	int alive;
	int done;
	int stderr_closed;
	double started;
	struct channel_policy policy;
	struct pending_output pending;
	/* host -> guest: the job, then stdin frames */
	unsigned char *out;
	size_t out_offset, out_length;
	int stdin_open;
	/* FRAME_CLOCK, queued at the hello after the job, stamped as sent */
	unsigned char clock[FRAME_HEADER_SIZE + 8];
	size_t clock_offset, clock_length;
	size_t chunk_stdout, chunk_stderr;
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

static void handle_frame(struct session *s, const struct frame_header *h,
			 const unsigned char *payload)
{
	switch (h->type) {
	case FRAME_HELLO:
		if (!s->alive) {
			s->alive = 1;
			s->result->boot_seconds = monotonic_seconds() - s->started;
			s->clock_length = sizeof(s->clock);
			if (s->config->on_alive)
				s->config->on_alive(s->config->on_alive_data);
		}
		break;
	case FRAME_STDOUT:
	case FRAME_STDERR: {
		int fd = h->type == FRAME_STDOUT ? 1 : 2;
		if (fd == 2 && s->stderr_closed)
			break;
		s->pending = (struct pending_output){fd, payload, h->length,
						     fd == 1 ? s->chunk_stdout : s->chunk_stderr};
		break;
	}
	case FRAME_LINE_RESULT:
		record_line_result(s, payload);
		break;
	case FRAME_LINE_FAILED:
		record_failed_line(s, payload);
		break;
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
		if (r == FRAME_READ_TOO_LONG) {
			finish(s, SESSION_PROTOCOL_ERROR,
			       "frame type %u from the guest is %u bytes long, more than its %ld",
			       h.type, h.length, frame_guest_payload_max(h.type));
			return;
		}
		char why[256];
		if (channel_policy_check(&s->policy, &h, payload, why, sizeof(why)) !=
		    CHANNEL_ACCEPT) {
			finish(s, SESSION_PROTOCOL_ERROR, "%s", why);
			return;
		}
		handle_frame(s, &h, payload);
	}
}

static void read_from_guest(struct session *s)
{
	size_t room;
	unsigned char *space = frame_reader_space(&s->reader, &room);
	ssize_t n = read(s->conn, space, room);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		finish(s, SESSION_VM_DIED,
		       s->alive ? "the VM stopped before the commands finished"
				: "the VM stopped before the guest started");
		return;
	}
	frame_reader_commit(&s->reader, (size_t)n);
	process_input(s);
}

/* A write to a pipe of at most one page after POLLOUT never blocks. Other
 * outputs (a terminal stopped with ^S, a file on a stuck disk) may: a
 * timer interrupts such a write, so the timeout and signals still act. */
static ssize_t write_bounded(int fd, const void *data, size_t length, int may_block)
{
	if (!may_block)
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
		if (p->fd == 1) {
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

static void queue_stdin(struct session *s)
{
	unsigned char *buf = s->out;
	if (!buf)
		return;
	ssize_t n = read(s->config->stdin_fd, buf + FRAME_HEADER_SIZE, FRAME_OUTPUT_MAX);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		frame_header_encode(buf, FRAME_STDIN_EOF, 0);
		s->out_length = FRAME_HEADER_SIZE;
		s->stdin_open = 0;
	} else {
		frame_header_encode(buf, FRAME_STDIN, (uint32_t)n);
		s->out_length = FRAME_HEADER_SIZE + (size_t)n;
	}
	s->out_offset = 0;
}

static uint64_t realtime_nanoseconds(void)
{
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void write_clock_to_guest(struct session *s)
{
	if (s->clock_offset == 0) {
		frame_header_encode(s->clock, FRAME_CLOCK, 8);
		put_u64le(s->clock + FRAME_HEADER_SIZE, realtime_nanoseconds());
	}
	ssize_t w = send(s->conn, s->clock + s->clock_offset, s->clock_length - s->clock_offset,
			 MSG_NOSIGNAL);
	if (w < 0) {
		if (errno != EAGAIN && errno != EINTR)
			finish(s, SESSION_VM_DIED, "the VM stopped before the commands finished");
		return;
	}
	s->clock_offset += (size_t)w;
}

/* The clock frame follows the job, and stdin frames follow both. */
static int guest_output_pending(const struct session *s)
{
	return s->out_offset < s->out_length || s->clock_offset < s->clock_length;
}

static void write_to_guest(struct session *s)
{
	if (s->out_offset == s->out_length) {
		write_clock_to_guest(s);
		return;
	}
	ssize_t w =
	    send(s->conn, s->out + s->out_offset, s->out_length - s->out_offset, MSG_NOSIGNAL);
	if (w < 0) {
		if (errno != EAGAIN && errno != EINTR)
			finish(s, SESSION_VM_DIED, "the VM stopped before the commands finished");
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

static int build_job_frame(struct session *s)
{
	size_t total = FRAME_HEADER_SIZE + s->config->job_length;
	size_t cap = total > FRAME_HEADER_SIZE + FRAME_OUTPUT_MAX
			 ? total
			 : FRAME_HEADER_SIZE + FRAME_OUTPUT_MAX;
	s->out = malloc(cap);
	if (!s->out)
		return -1;
	frame_header_encode(s->out, FRAME_JOB, (uint32_t)s->config->job_length);
	memcpy(s->out + FRAME_HEADER_SIZE, s->config->job, s->config->job_length);
	s->out_length = total;
	s->out_offset = 0;
	return 0;
}

void session_run(const struct session_config *config, struct session_result *result)
{
	memset(result, 0, sizeof(*result));
	struct session s = {.config = config, .result = result, .conn = -1};
	s.started = monotonic_seconds();
	s.vm_pidfd = (int)syscall(SYS_pidfd_open, config->vm_pid, 0);
	s.stdin_open = config->stdin_fd >= 0;
	s.chunk_stdout = write_chunk_for(1);
	s.chunk_stderr = write_chunk_for(2);
	frame_reader_init(&s.reader);
	channel_policy_init(&s.policy, config->line_count, config->line_results);
	if (build_job_frame(&s) < 0) {
		finish(&s, SESSION_PROTOCOL_ERROR, "out of memory");
	}
	while (!s.done) {
		struct pollfd fds[6];
		int n = 0;
		int i_signal = -1, i_pidfd = -1, i_listen = -1, i_conn = -1, i_out = -1,
		    i_stdin = -1;
		fds[i_signal = n++] = (struct pollfd){.fd = config->signal_fd, .events = POLLIN};
		if (s.vm_pidfd >= 0)
			fds[i_pidfd = n++] = (struct pollfd){.fd = s.vm_pidfd, .events = POLLIN};
		if (s.conn < 0) {
			fds[i_listen = n++] =
			    (struct pollfd){.fd = config->listen_fd, .events = POLLIN};
		} else {
			short ev = 0;
			if (!s.pending.length)
				ev |= POLLIN;
			if (guest_output_pending(&s))
				ev |= POLLOUT;
			fds[i_conn = n++] = (struct pollfd){.fd = s.conn, .events = ev};
		}
		if (s.pending.length)
			fds[i_out = n++] = (struct pollfd){.fd = s.pending.fd, .events = POLLOUT};
		if (s.conn >= 0 && s.alive && s.stdin_open && !guest_output_pending(&s))
			fds[i_stdin = n++] =
			    (struct pollfd){.fd = config->stdin_fd, .events = POLLIN};

		double now = monotonic_seconds();
		double wake = -1;
		if (!s.alive)
			wake = s.started + config->boot_timeout;
		if (config->deadline > 0 && (wake < 0 || config->deadline < wake))
			wake = config->deadline;
		int timeout_ms = -1;
		if (wake >= 0) {
			if (now >= wake) {
				if (config->deadline > 0 && now >= config->deadline)
					finish(&s, SESSION_TIMEOUT, NULL);
				else
					finish(&s, SESSION_BOOT_TIMEOUT, NULL);
				break;
			}
			timeout_ms = (int)((wake - now) * 1000.0) + 1;
		}
		/* Without a pidfd (kernels before 5.3) a VM that dies before it
		 * connects is only noticed by polling waitid. */
		if (s.vm_pidfd < 0 && s.conn < 0 && (timeout_ms < 0 || timeout_ms > 100))
			timeout_ms = 100;
		int r = poll(fds, (nfds_t)n, timeout_ms);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			finish(&s, SESSION_PROTOCOL_ERROR, "poll: %s", strerror(errno));
			break;
		}
		if (fds[i_signal].revents) {
			unsigned char sig = 0;
			if (read(config->signal_fd, &sig, 1) == 1) {
				result->signal = sig;
				finish(&s, SESSION_SIGNALLED, NULL);
				break;
			}
		}
		if (i_out >= 0 && fds[i_out].revents)
			write_pending_output(&s);
		if (i_conn >= 0 && (fds[i_conn].revents & POLLOUT))
			write_to_guest(&s);
		if (i_conn >= 0 && (fds[i_conn].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    !s.pending.length && !s.done)
			read_from_guest(&s);
		if (i_listen >= 0 && fds[i_listen].revents)
			accept_agent(&s);
		if (i_stdin >= 0 && fds[i_stdin].revents)
			queue_stdin(&s);
		/* Once the VM has ended, whatever it sent is still in the
		 * socket: keep reading until EOF. Only a VM that never
		 * connected ends the session here. */
		if (i_pidfd >= 0 && fds[i_pidfd].revents) {
			close(s.vm_pidfd);
			s.vm_pidfd = -1;
		}
		if (s.vm_pidfd < 0 && s.conn < 0 && !s.done && vm_exited(&s))
			finish(&s, SESSION_VM_DIED, "the VM exited before the guest started");
	}
	if (s.conn >= 0)
		close(s.conn);
	if (s.vm_pidfd >= 0)
		close(s.vm_pidfd);
	free(s.out);
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
