/* The relay between the VMM's network socket and passt's: every frame the
 * guest sends is judged by the frame filter (frame_filter.h) and only those
 * that pass reach passt; what passt sends goes to the guest as it is. Both
 * sockets speak the stream framing QEMU's `-netdev stream` and libkrun's
 * unixstream backend share with passt: a 4-byte big-endian length, then
 * that many bytes of Ethernet frame.
 *
 * Fixed buffers, nothing allocated per frame; a length larger than any VMM
 * sends ends the relay before anything is read into it; a side that does
 * not read stops the other side being read (no queue grows); the relay
 * ends when either side closes. */
#ifndef KRUNSH_NET_RELAY_H
#define KRUNSH_NET_RELAY_H

#include "lib/net/frame_filter.h"

#include <stddef.h>
#include <sys/types.h>

/* The largest frame a VMM sends (64 KiB of IP with offloads, its Ethernet
 * header and VLAN tags, with room to spare). */
#define NET_RELAY_FRAME_MAX (65536 + 64)

struct net_relay_stats {
	unsigned long long passed, refused;
	const char *last_refusal; /* why the last refused frame was */
};

enum net_relay_end {
	NET_RELAY_CLOSED,	/* one side closed or failed: the VM's end */
	NET_RELAY_BAD_LENGTH,	/* the VMM's stream cannot be a frame stream */
};

/* Refusals said on log_fd as they happen (for -V), the first few only. */
#define NET_RELAY_REFUSALS_LOGGED 5

/* Runs until the end; both fds are made non-blocking. log_fd -1: silent. */
enum net_relay_end net_relay_run(const struct frame_filter *filter, int vmm_fd, int passt_fd,
				 int log_fd, struct net_relay_stats *stats);

/* A message line on fd made with write(2) only (the relay's seccomp
 * filter allows no more). */
void net_relay_say(int fd, const char *format, ...) __attribute__((format(printf, 2, 3)));

struct engine_vm;
/* Starts the relay as a sandboxed child of krunsh (no capabilities, no
 * network, its own pid, IPC and mount namespaces: it needs nothing but the
 * two sockets). Takes the host's addresses first, in krunsh's network
 * namespace. On success the relay holds passt_fd and *vmm_fd (the end the
 * VMM gets, close-on-exec); the caller closes its passt_fd either way.
 * Returns its pid, or -1. */
pid_t net_relay_start(int passt_fd, int log_fd, int verbose, int *vmm_fd, struct error *err);

#endif
