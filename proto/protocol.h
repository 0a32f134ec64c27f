/* Wire protocol between the krunsh host and the guest agent.
 *
 * One byte stream (a virtio-serial port under QEMU, a vsock or unix socket
 * under libkrun) carries frames both ways.  A frame is a 12-byte header
 * (type, payload length, execution id; little-endian u32 each) followed by
 * the payload.
 *
 * One VM runs a sequence of executions. Execution id 0 is the VM itself
 * (HELLO, SETUP, CLOCK, an agent error before any execution); the host
 * numbers executions from 1, and every frame of one execution, both ways,
 * carries its id, so that a frame of one can never be taken for another's.
 * Everything the guest produces shares this one channel so that stdout,
 * stderr and the exit status cannot overtake each other and flow control is
 * end to end: when the host stops reading, the guest's writes block.
 */
#ifndef KRUNSH_PROTOCOL_H
#define KRUNSH_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define KRUNSH_PROTOCOL_VERSION 3u
#define FRAME_HEADER_SIZE	12u
/* The id of frames about the VM rather than one execution. */
#define FRAME_EXEC_VM 0u
/* Output frames stay small so that a slow host reader bounds guest memory. */
#define FRAME_OUTPUT_MAX (64u * 1024u)
/* An execution's frame carries the whole script; cap it so a corrupt length cannot
 * make the guest allocate without bound. Frames the host reads from the
 * guest have far smaller limits of their own (frame_guest_payload_max). */
#define FRAME_PAYLOAD_MAX (256u * 1024u * 1024u)
/* An agent error is one message line, not a transport for data. */
#define FRAME_AGENT_ERROR_MAX 1024u
/* FRAME_DISCARDED_FILES: two u32 and one path relative to the working
 * directory, shown to the user in one line. */
#define FRAME_DISCARDED_PATH_MAX  1024u
#define FRAME_DISCARDED_FILES_MAX (8u + FRAME_DISCARDED_PATH_MAX)
/* discarded-files flag: the walk stopped at its bound, the count is a floor */
#define DISCARDED_AT_LEAST 1u

enum frame_type {
	/* guest -> host */
	FRAME_HELLO = 1,       /* agent is alive; payload: u32 protocol version (id 0) */
	FRAME_STDOUT = 2,      /* payload: bytes for host stdout */
	FRAME_STDERR = 3,      /* payload: bytes for host stderr */
	FRAME_LINE_FAILED = 4, /* payload: u32 line, u32 status (line mode) */
	FRAME_EXIT = 5,	       /* payload: u32 exit status 0-255, the execution's last frame */
	/* payload: message; the agent could not set up the VM (id 0) or
	 * start the execution (its id) */
	FRAME_AGENT_ERROR = 6,
	FRAME_LINE_RESULT = 7, /* payload: u32 line, u32 status, u64 microseconds (--report) */
	/* payload: u32 count, u32 flags (DISCARDED_*), the first path (relative
	 * to the working directory, no NUL): regular files the execution
	 * created or changed under its working directory on the throw-away
	 * overlay. At most once per execution, before its EXIT, only when
	 * JOB_DISCARDED_FILES asked for it and the count is not 0. */
	FRAME_DISCARDED_FILES = 8,
	/* payload: u32 line; the line starts now (JOB_LINE_EVENTS with
	 * LINE_EVENTS_STARTED): every output frame before it was written
	 * before the line began, every one after it and before its
	 * LINE_RESULT while it ran */
	FRAME_LINE_STARTED = 9,
	/* host -> guest */
	/* payload: an execution's job records (see below); its id is new */
	FRAME_EXEC = 64,
	FRAME_STDIN = 65, /* payload: bytes for the program's stdin */
	FRAME_STDIN_EOF = 66,
	/* payload: u64 the host's CLOCK_REALTIME in ns, stamped as it is sent
	 * right after the hello (the setup goes out when the VMM connects,
	 * which for QEMU is at its start, long before the guest can read it).
	 * The agent reads it after the setup and sets the guest's clock. */
	FRAME_CLOCK = 67,
	/* payload: the VM's job records (volumes, tmpfs, network, modules,
	 * host name), once, first; id 0 */
	FRAME_SETUP = 68,
	/* payload: the next bytes of the execution's script (JOB_SCRIPT_STREAM):
	 * it runs as they arrive */
	FRAME_SCRIPT = 69,
	FRAME_SCRIPT_EOF = 70, /* the script is complete */
	/* payload: u32 rows, u32 columns: the terminal of a JOB_TTY execution
	 * changed size (both 1-WINSIZE_MAX; others are ignored) */
	FRAME_WINSIZE = 71,
};

/* A job is a sequence of records: u32 key, u32 length, bytes. Unknown keys
 * are rejected so that a newer host and older agent fail loudly. SETUP
 * carries the VM's records (job_key_is_setup), EXEC the others; a record
 * in the wrong frame is rejected too. */
enum job_key {
	JOB_MODE = 1,	 /* u32: enum job_mode */
	JOB_SHELL = 2,	 /* path of the shell */
	JOB_WORKDIR = 3, /* absolute guest path */
	JOB_ENV = 4,	 /* "KEY=VALUE", repeatable */
	JOB_SCRIPT = 5,	 /* the program text handed to the shell */
	JOB_ARG = 6,	 /* exec mode: one argv element, repeatable */
	/* "TAG\0GUEST_PATH\0ro|rw": mount virtio-fs TAG there; with a 4th
	 * field "\0NAME" the share holds the single file NAME, which is
	 * bind-mounted at GUEST_PATH (a single-file volume). */
	JOB_VOLUME = 7,
	JOB_RLIMIT = 8,	      /* u32 resource, u64 soft, u64 hard (little-endian) */
	JOB_NETWORK = 9,      /* u32 1: configure eth0 for user-mode networking */
	JOB_MODULES = 10,     /* name of an extra module list to load ("net", "blk") */
	/* u32 LINE_EVENTS_* flags: the line-mode script reports line
	 * events ($2, and $3 with LINE_EVENTS_STARTED) */
	JOB_LINE_EVENTS = 11,
	JOB_STDIN = 12,	      /* u32 1: FRAME_STDIN frames feed the program's stdin */
	/* u32 uid, u32 gid, then u32 supplementary gids: the program runs as
	 * them (-u); without the record, as root. */
	JOB_USER = 13,
	JOB_HOSTNAME = 14, /* the guest's host name (default "krunsh") */
	JOB_TMPFS = 15,	   /* u32 MS_* flags, "GUEST_PATH\0TMPFS_OPTIONS" */
	/* u32 1: no JOB_SCRIPT; the script comes in FRAME_SCRIPT frames and
	 * the shell reads it as it arrives */
	JOB_SCRIPT_STREAM = 16,
	/* u32 1: after the program, count the files it left on the overlay
	 * under the working directory (FRAME_DISCARDED_FILES). */
	JOB_DISCARDED_FILES = 17,
	/* u32 rows, u32 columns (1-WINSIZE_MAX): the program runs on a new
	 * pseudo-terminal of that size, the controlling terminal of a new
	 * session, as its stdin, stdout and stderr; what it writes comes back
	 * as FRAME_STDOUT only (one terminal, as with docker -t), FRAME_STDIN
	 * is typed on it, after FRAME_STDIN_EOF the agent types its VEOF
	 * character when the program waits for input (agent/pty.c) and
	 * FRAME_WINSIZE resizes it. Without JOB_STDIN nothing is typed. */
	JOB_TTY = 18,
	/* u32 1: once everything is mounted, the root is remounted read-only
	 * (an OCI bundle's root.readonly); tmpfs mounts and rw volumes stay
	 * writable. */
	JOB_ROOT_READONLY = 19,
};

/* The largest terminal side the agent accepts, in cells: far beyond any
 * screen, small enough that a program sizing buffers by it stays sane. */
#define WINSIZE_MAX 10000u

/* Whether rows x columns is a terminal size both sides accept. */
static inline int winsize_valid(uint32_t rows, uint32_t columns)
{
	return rows >= 1 && rows <= WINSIZE_MAX && columns >= 1 && columns <= WINSIZE_MAX;
}
/* JOB_LINE_EVENTS flags */
enum line_events_flags {
	LINE_EVENTS_RESULTS = 1, /* a FRAME_LINE_RESULT per line (--report, --events) */
	/* a FRAME_LINE_STARTED per line, and line boundaries exact: the
	 * agent sends all the output written so far before each line event,
	 * and the shell waits for it at each line's start (--events) */
	LINE_EVENTS_STARTED = 2,
};

enum job_mode {
	JOB_MODE_SHELL_SCRIPT = 1, /* run JOB_SCRIPT with JOB_SHELL, verbatim */
	JOB_MODE_EXEC = 2,	   /* execvp JOB_ARG[0] with JOB_ARG */
	/* JOB_SCRIPT was generated from command lines by the host: its $1 is
	 * the path of a log where it appends "LINE STATUS" for failed lines. */
	JOB_MODE_SHELL_LINES = 3,
};

/* qemu --publish: a second NIC, QEMU's user networking with restrict=on
 * (the guest can reach nothing through it, not the host) that only carries
 * the published ports' hostfwd connections. The agent knows it by its MAC
 * and gives it PUBLISH_NIC_ADDRESS/24 without a route; the other NIC is
 * passt's. */
#define PUBLISH_NIC_MAC_BYTES 0x52, 0x54, 0x00, 0x6b, 0x72, 0x70
#define PUBLISH_NIC_MAC_TEXT  "52:54:00:6b:72:70"
#define PUBLISH_NIC_NET	      "10.0.3.0/24"
#define PUBLISH_NIC_HOST      "10.0.3.2"
#define PUBLISH_NIC_ADDRESS   "10.0.3.15"

struct frame_header {
	uint32_t type;
	uint32_t length;
	uint32_t exec; /* execution id; FRAME_EXEC_VM for the VM's frames */
};

/* Whether a job record belongs to SETUP (the VM) rather than EXEC. */
static inline int job_key_is_setup(uint32_t key)
{
	return key == JOB_VOLUME || key == JOB_NETWORK || key == JOB_MODULES ||
	       key == JOB_HOSTNAME || key == JOB_TMPFS || key == JOB_ROOT_READONLY;
}

static inline void put_u32le(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static inline void put_u64le(unsigned char *p, uint64_t v)
{
	put_u32le(p, (uint32_t)v);
	put_u32le(p + 4, (uint32_t)(v >> 32));
}

static inline uint32_t get_u32le(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t get_u64le(const unsigned char *p)
{
	return (uint64_t)get_u32le(p) | (uint64_t)get_u32le(p + 4) << 32;
}

/* Streaming frame decoder: feed bytes as they arrive, take frames out.
 * It never allocates more than one frame's payload. */
struct frame_decoder {
	unsigned char header[FRAME_HEADER_SIZE];
	size_t header_fill;
	struct frame_header current;
	unsigned char *payload;
	size_t payload_fill;
	uint32_t max_payload;
};

enum decode_result {
	DECODE_NEED_MORE = 0,
	DECODE_FRAME = 1,
	DECODE_ERROR = -1,
};

void frame_decoder_init(struct frame_decoder *d, uint32_t max_payload);
void frame_decoder_free(struct frame_decoder *d);
/* Consumes bytes from *data (advancing it and *len) until one frame is
 * complete (DECODE_FRAME: header in *out, payload valid until the next call)
 * or the input runs out. */
enum decode_result frame_decoder_feed(struct frame_decoder *d, const unsigned char **data,
				      size_t *len, struct frame_header *out,
				      const unsigned char **payload);

void frame_header_encode(unsigned char out[FRAME_HEADER_SIZE], uint32_t type, uint32_t exec,
			 uint32_t length);

/* The largest payload a guest may send in a frame of this type, or -1 when
 * the guest never sends such frames. The host checks it on the header, so a
 * hostile guest cannot make it allocate or wait for more than this. */
long frame_guest_payload_max(uint32_t type);

/* Job record builder (growable buffer) and reader. */
struct job_buffer {
	unsigned char *data;
	size_t length;
	size_t capacity;
};

int job_buffer_add(struct job_buffer *b, uint32_t key, const void *value, size_t length);
int job_buffer_add_u32(struct job_buffer *b, uint32_t key, uint32_t value);
void job_buffer_free(struct job_buffer *b);

struct job_record {
	uint32_t key;
	uint32_t length;
	const unsigned char *value;
};

/* Returns 1 with the next record, 0 at the end, -1 on a malformed job. */
int job_next_record(const unsigned char *job, size_t job_length, size_t *offset,
		    struct job_record *out);

#endif
