/* A guest agent that turns hostile: it speaks krunsh's protocol badly on
 * purpose, to prove that the host stays bounded, says what went wrong in one
 * line and leaves nothing behind. It stands in for krunsh-agent through
 * KRUNSH_AGENT (QEMU: as PID 1 of the initramfs; the libkrun double: run on
 * the host) and takes the attack from the job's environment, KRUNSH_ATTACK,
 * so that one binary serves every engine. Tests only; never installed. */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

static int pid1;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Like the real agent: the host closes first; then the VM ends. */
static void finish(int channel, int close_first)
{
	if (channel >= 0 && !close_first) {
		unsigned char buf[4096];
		for (int i = 0; i < 600; i++) {
			struct pollfd p = {.fd = channel, .events = POLLIN};
			if (poll(&p, 1, 100) > 0 && read(channel, buf, sizeof(buf)) <= 0)
				break;
		}
	}
	if (channel >= 0)
		close(channel);
	if (pid1) {
		reboot(RB_AUTOBOOT);
		for (;;)
			pause();
	}
	exit(0);
}

static void send_header(int ch, uint32_t type, uint32_t length)
{
	unsigned char h[FRAME_HEADER_SIZE];
	frame_header_encode(h, type, channel_exec_id(), length);
	(void)write_all(ch, h, sizeof(h));
}

static void send_u32s(int ch, uint32_t type, uint32_t a, uint32_t b, int count)
{
	unsigned char p[16] = {0};
	put_u32le(p, a);
	put_u32le(p + 4, b);
	(void)channel_send(ch, type, p, (size_t)count * 4);
}

/* As many copies of one frame as the channel takes, in big writes, until
 * the host hangs up. */
static void flood(int ch, uint32_t type, const unsigned char *payload, uint32_t length)
{
	static unsigned char buf[256 * 1024];
	size_t frame = FRAME_HEADER_SIZE + length, used = 0;
	while (used + frame <= sizeof(buf)) {
		frame_header_encode(buf + used, type, channel_exec_id(), length);
		memcpy(buf + used + FRAME_HEADER_SIZE, payload, length);
		used += frame;
	}
	while (write_all(ch, buf, used) == 0)
		;
}

static void send_hello(int ch)
{
	(void)channel_send_u32(ch, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION);
}

/* The hello, then the host's first execution: the attack's frames carry
 * its id, so that they meet the host's checks of an execution's frames. */
static void hello(int ch)
{
	send_hello(ch);
	struct frame_header h;
	const unsigned char *payload;
	do {
		if (channel_next_frame(ch, &h, &payload) < 0)
			finish(ch, 1);
	} while (h.type != FRAME_EXEC);
	channel_set_exec(h.exec);
}

int main(int argc, char **argv)
{
	const char *channel_spec = "serial";
	for (int i = 1; i + 1 < argc; i += 2)
		if (strcmp(argv[i], "--channel") == 0)
			channel_spec = argv[i + 1];
	signal(SIGPIPE, SIG_IGN);
	pid1 = getpid() == 1;
	if (pid1 && setup_early_initramfs() < 0)
		finish(-1, 1);
	int ch = channel_open(channel_spec);
	if (ch < 0)
		finish(-1, 1);
	unsigned char *payload;
	size_t length;
	struct job setup;
	char error[256];
	/* The attack is the VM's host name (--hostname): the setup comes
	 * before the hello, so attacks on the hello know theirs too. */
	if (channel_receive(ch, FRAME_SETUP, &payload, &length) < 0 ||
	    job_parse(payload, length, JOB_PART_SETUP, &setup, error, sizeof(error)) < 0)
		finish(ch, 1);
	const char *attack = setup.hostname ? setup.hostname : "";
	static unsigned char big[FRAME_OUTPUT_MAX];
	memset(big, 'A', sizeof(big));

	if (strcmp(attack, "wrong-version") == 0) {
		(void)channel_send_u32(ch, FRAME_HELLO, 999);
	} else if (strcmp(attack, "no-hello") == 0) {
		(void)channel_send(ch, FRAME_STDOUT, "early\n", 6);
	} else if (strcmp(attack, "huge-stdout") == 0) {
		/* A 256 MiB frame: the old decoder allocated it in full. */
		hello(ch);
		send_header(ch, FRAME_STDOUT, 256u * 1024 * 1024);
		for (int i = 0; i < 64; i++)
			(void)write_all(ch, big, sizeof(big));
	} else if (strcmp(attack, "huge-error") == 0) {
		hello(ch);
		send_header(ch, FRAME_AGENT_ERROR, 1u << 20);
		for (int i = 0; i < 16; i++)
			(void)write_all(ch, big, sizeof(big));
	} else if (strcmp(attack, "unknown-frame") == 0) {
		hello(ch);
		(void)channel_send(ch, 99, big, 16);
	} else if (strcmp(attack, "truncated") == 0) {
		hello(ch);
		send_header(ch, FRAME_STDOUT, 1000);
		(void)write_all(ch, "partial", 7);
		finish(ch, 1);
	} else if (strcmp(attack, "close-early") == 0) {
		hello(ch);
		finish(ch, 1);
	} else if (strcmp(attack, "failed-flood") == 0) {
		/* The old host kept every one: 40 M frames, 627 MB. */
		hello(ch);
		unsigned char p[8];
		put_u32le(p, 1);
		put_u32le(p + 4, 1);
		flood(ch, FRAME_LINE_FAILED, p, sizeof(p));
	} else if (strcmp(attack, "result-flood") == 0) {
		hello(ch);
		unsigned char p[16] = {0};
		put_u32le(p, 1);
		flood(ch, FRAME_LINE_RESULT, p, sizeof(p));
	} else if (strcmp(attack, "start-flood") == 0) {
		/* --events: a line's start, again and again */
		hello(ch);
		unsigned char p[4];
		put_u32le(p, 1);
		flood(ch, FRAME_LINE_STARTED, p, sizeof(p));
	} else if (strcmp(attack, "after-exit") == 0) {
		hello(ch);
		(void)channel_send(ch, FRAME_STDOUT, "before\n", 7);
		(void)channel_send_u32(ch, FRAME_EXIT, 3);
		(void)channel_send(ch, FRAME_STDOUT, "after\n", 6);
		(void)channel_send(ch, FRAME_AGENT_ERROR, "after exit", 10);
		flood(ch, FRAME_STDOUT, big, 4096);
	} else if (strcmp(attack, "bad-exit") == 0) {
		hello(ch);
		(void)channel_send_u32(ch, FRAME_EXIT, 70000);
	} else if (strcmp(attack, "forged-message") == 0) {
		hello(ch);
		static const char msg[] = "boom\nkrunsh: line 1 failed with status 0: forged\r"
					  "\033[2J\033]0;title\007\xc2\x9b"
					  "31m";
		(void)channel_send(ch, FRAME_AGENT_ERROR, msg, sizeof(msg) - 1);
	} else if (strcmp(attack, "bogus-line") == 0) {
		/* A failed line the script does not have, then the status. */
		hello(ch);
		send_u32s(ch, FRAME_LINE_FAILED, 4000000000u, 1, 2);
		(void)channel_send_u32(ch, FRAME_EXIT, 1);
	} else if (strcmp(attack, "ignore-stdin") == 0) {
		/* Exec mode: never reads what the host forwards, then ends. */
		hello(ch);
		sleep_ms(1500);
		(void)channel_send(ch, FRAME_STDOUT, "done\n", 5);
		(void)channel_send_u32(ch, FRAME_EXIT, 0);
	} else if (strcmp(attack, "stdout-flood") == 0) {
		/* As fast as it can, whether the host's stdout drains or not. */
		hello(ch);
		flood(ch, FRAME_STDOUT, big, sizeof(big));
	} else if (strncmp(attack, "discarded-", 10) == 0) {
		/* Reports of files thrown away: oversized, repeated, with
		 * control bytes (a forged line, a cleared screen), above the
		 * working directory; then a normal end. */
		hello(ch);
		const char *kind = attack + 10;
		static const char forged[] = "r.xml\nkrunsh: line 1 failed\033[2J";
		unsigned char p[8 + sizeof(forged)];
		put_u32le(p, 2);
		put_u32le(p + 4, 0);
		size_t n = 8;
		if (strcmp(kind, "control") == 0) {
			memcpy(p + 8, forged, sizeof(forged) - 1);
			n += sizeof(forged) - 1;
		} else if (strcmp(kind, "escape") == 0) {
			memcpy(p + 8, "../../etc/passwd", 16);
			n += 16;
		} else {
			memcpy(p + 8, "r.xml", 5);
			n += 5;
		}
		if (strcmp(kind, "huge") == 0) {
			send_header(ch, FRAME_DISCARDED_FILES, 1u << 20);
			for (int i = 0; i < 16; i++)
				(void)write_all(ch, big, sizeof(big));
		} else {
			(void)channel_send(ch, FRAME_DISCARDED_FILES, p, n);
			if (strcmp(kind, "twice") == 0)
				(void)channel_send(ch, FRAME_DISCARDED_FILES, p, n);
		}
		(void)channel_send_u32(ch, FRAME_EXIT, 0);
	} else if (strcmp(attack, "hello-twice") == 0) {
		send_hello(ch);
		send_hello(ch);
	} else if (strcmp(attack, "other-exec") == 0) {
		/* Output for an execution the host never started. */
		hello(ch);
		channel_set_exec(channel_exec_id() + 1);
		(void)channel_send(ch, FRAME_STDOUT, "forged\n", 7);
		(void)channel_send_u32(ch, FRAME_EXIT, 0);
	} else if (strcmp(attack, "vm-output") == 0) {
		/* Output as the VM's (id 0), which no execution owns. */
		hello(ch);
		channel_set_exec(FRAME_EXEC_VM);
		(void)channel_send(ch, FRAME_STDOUT, "forged\n", 7);
		(void)channel_send_u32(ch, FRAME_EXIT, 0);
	} else {
		hello(ch);
		(void)channel_send(ch, FRAME_STDOUT, "no attack\n", 10);
		(void)channel_send_u32(ch, FRAME_EXIT, 0);
	}
	finish(ch, 0);
	return 0;
}
