/* The decision for one Ethernet frame the guest sends towards passt: does it
 * go on, or would it reach the host itself? A decoder of guest input: the
 * frame is whatever a hostile guest wrote, every length in it is checked
 * against the bytes there before use, and what cannot be classified is
 * refused.
 *
 * Refused: connections and datagrams to the host's own addresses
 * (host_addresses.h) and to what means "this host" to a socket on the host
 * (0.0.0.0/8, 127.0.0.0/8, ::, ::1, IPv4-mapped, -compatible and NAT64
 * forms of those), to multicast and broadcast (the host's own services
 * listen there too), IPv4 with source routes and IPv6 with routing headers
 * (their real destination is not the header's), fragments to any of those
 * (no port to look at), ethertypes passt does not handle, more than two
 * VLAN tags, short and malformed frames.
 *
 * Passed towards a refused address, because passt answers them itself and
 * forwards nothing: ARP, NDP (ICMPv6 133-136), DHCP (UDP to 255.255.255.255
 * port 67) and DHCPv6 (UDP to multicast port 547), DNS to passt's resolver
 * address (port 53); and TCP
 * segments that cannot open a connection (no SYN, or SYN with ACK): passt
 * drops a segment that belongs to no connection, and the ones that do
 * belong to a connection the host opened (a published port's).
 *
 * Everything else passes: the LAN and private ranges are the outside world
 * of a VM, as they are for any other machine on that network. */
#ifndef KRUNSH_FRAME_FILTER_H
#define KRUNSH_FRAME_FILTER_H

#include "lib/net/host_addresses.h"

#include <stddef.h>
#include <stdint.h>

enum frame_verdict {
	FRAME_PASS,
	FRAME_REFUSE,
};

struct frame_filter {
	const struct host_addresses *host;
	uint8_t dns_forward[4]; /* passt's --dns-forward address */
};

/* `reason`, when not NULL, says why a frame was refused (a constant
 * string), for -v. */
enum frame_verdict frame_filter_classify(const struct frame_filter *filter, const uint8_t *frame,
					 size_t length, const char **reason);

#endif
