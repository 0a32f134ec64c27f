/* The host's own addresses, as a guest behind passt could name them: every
 * interface's IPv4 and IPv6 address (and IPv4 broadcast), taken once when
 * the VM's network starts. passt opens the guest's connections from the
 * host, so to passt each of these is "this host": a guest that connects to
 * one reaches every host service bound to 0.0.0.0 or ::. */
#ifndef KRUNSH_HOST_ADDRESSES_H
#define KRUNSH_HOST_ADDRESSES_H

#include "util/error.h"

#include <stddef.h>
#include <stdint.h>

/* Far more than a host has (docker bridges, VPNs and all); a fixed table so
 * that the relay, which consults it for every frame, allocates nothing. */
#define HOST_ADDRESSES_MAX 256

struct host_addresses {
	uint8_t v4[HOST_ADDRESSES_MAX][4]; /* network byte order */
	size_t v4_count;
	uint8_t v6[HOST_ADDRESSES_MAX][16];
	size_t v6_count;
};

/* Adds one address (duplicates are kept out); -1 when the table is full. */
int host_addresses_add_v4(struct host_addresses *a, const uint8_t address[4]);
int host_addresses_add_v6(struct host_addresses *a, const uint8_t address[16]);
int host_addresses_has_v4(const struct host_addresses *a, const uint8_t address[4]);
int host_addresses_has_v6(const struct host_addresses *a, const uint8_t address[16]);

/* Every address of every interface of this network namespace (getifaddrs),
 * whether the interface is up or not. -1 with a message if they cannot be
 * listed or do not fit. */
int host_addresses_collect(struct host_addresses *out, struct error *err);

#endif
