#include "lib/net/frame_filter.h"

#include <string.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ETHER_HEADER 14
#define VLAN_TAG 4
#define MAX_VLAN_TAGS 2

#define PROTO_HOP_BY_HOP 0
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_ESP 50
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_NO_NEXT 59
#define PROTO_DEST_OPTIONS 60
/* More extension headers than any sender needs: a chain made long on
 * purpose is refused, not walked. */
#define MAX_EXTENSION_HEADERS 8

#define TCP_SYN 0x02
#define TCP_ACK 0x10

/* A packet's destination as the L4 part of the decision needs it. */
struct packet {
	int refused_destination; /* a host address or what stands for one */
	int multicast;		 /* multicast or broadcast */
	int limited_broadcast;	 /* 255.255.255.255, where DHCP goes */
	int fragment;		 /* no L4 header to look at (or not all of it) */
	int l4_known;		 /* proto and l4 below are usable */
	uint8_t proto;
	const uint8_t *l4;
	size_t l4_length;
	int dns_forward; /* the destination is passt's resolver address */
};

static unsigned be16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static enum frame_verdict refuse(const char **reason, const char *why)
{
	if (reason)
		*reason = why;
	return FRAME_REFUSE;
}

static int ipv4_means_this_host(const struct frame_filter *f, const uint8_t a[4])
{
	/* connect() to 0.0.0.0 reaches the local host, as 127/8 does. */
	return a[0] == 0 || a[0] == 127 || host_addresses_has_v4(f->host, a);
}

static const uint8_t limited_broadcast[4] = {255, 255, 255, 255};

static int ipv4_is_multicast(const uint8_t a[4])
{
	return (a[0] & 0xf0) == 0xe0 || memcmp(a, limited_broadcast, 4) == 0;
}

/* An IPv4 address inside an IPv6 one: mapped (::ffff:0:0/96), compatible
 * (::/96, ::1 and :: included) and NAT64's well-known prefix
 * (64:ff9b::/96): the host's socket layer or a translator turns each into
 * the IPv4 address, so they are judged as it would be. */
static const uint8_t *ipv6_embedded_ipv4(const uint8_t a[16])
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t compatible[12] = {0};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, compatible, 12) == 0 ||
	    memcmp(a, nat64, 12) == 0)
		return a + 12;
	return NULL;
}

static int ipv6_means_this_host(const struct frame_filter *f, const uint8_t a[16])
{
	static const uint8_t loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
	static const uint8_t unspecified[16] = {0};
	if (memcmp(a, loopback, 16) == 0 || memcmp(a, unspecified, 16) == 0)
		return 1;
	const uint8_t *v4 = ipv6_embedded_ipv4(a);
	if (v4 && ipv4_means_this_host(f, v4))
		return 1;
	return host_addresses_has_v6(f->host, a);
}

/* IPv4 options: malformed ones are refused, and so are source routes (the
 * packet's real destination is in the option, not the header). */
static const char *ipv4_options_problem(const uint8_t *o, size_t length)
{
	size_t i = 0;
	while (i < length) {
		uint8_t type = o[i];
		if (type == 0)
			return NULL; /* end of options */
		if (type == 1) {
			i++;
			continue;
		}
		if (i + 1 >= length || o[i + 1] < 2 || o[i + 1] > length - i)
			return "malformed IPv4 options";
		if ((type & 0x7f) == 3 || (type & 0x7f) == 9)
			return "IPv4 source route";
		i += o[i + 1];
	}
	return NULL;
}

static const char *ipv4_decode(const struct frame_filter *f, const uint8_t *ip, size_t length,
			       struct packet *p)
{
	if (length < 20 || ip[0] >> 4 != 4)
		return "short or malformed IPv4 header";
	size_t header = (size_t)(ip[0] & 0x0f) * 4;
	size_t total = be16(ip + 2);
	if (header < 20 || header > total || total > length)
		return "IPv4 lengths do not fit the frame";
	const char *problem = ipv4_options_problem(ip + 20, header - 20);
	if (problem)
		return problem;
	const uint8_t *destination = ip + 16;
	unsigned fragment = be16(ip + 6);
	p->refused_destination = ipv4_means_this_host(f, destination);
	p->multicast = ipv4_is_multicast(destination);
	p->limited_broadcast = memcmp(destination, limited_broadcast, 4) == 0;
	p->dns_forward = memcmp(destination, f->dns_forward, 4) == 0;
	/* More fragments or a non-zero offset: this piece alone decides
	 * nothing about ports. */
	p->fragment = (fragment & 0x2000) || (fragment & 0x1fff);
	p->l4_known = !p->fragment;
	p->proto = ip[9];
	p->l4 = ip + header;
	p->l4_length = total - header;
	return NULL;
}

static const char *ipv6_decode(const struct frame_filter *f, const uint8_t *ip, size_t length,
			       struct packet *p)
{
	if (length < 40 || ip[0] >> 4 != 6)
		return "short or malformed IPv6 header";
	size_t payload = be16(ip + 4);
	if (payload > length - 40)
		return "IPv6 length does not fit the frame";
	const uint8_t *destination = ip + 24;
	p->refused_destination = ipv6_means_this_host(f, destination);
	p->multicast = destination[0] == 0xff;
	uint8_t next = ip[6];
	const uint8_t *at = ip + 40;
	size_t left = payload;
	/* A payload length of 0 with a header to follow is a jumbogram,
	 * which no Ethernet frame carries. */
	if (payload == 0 && next != PROTO_NO_NEXT)
		return "IPv6 jumbogram";
	for (int n = 0;; n++) {
		if (n > MAX_EXTENSION_HEADERS)
			return "too many IPv6 extension headers";
		size_t size;
		switch (next) {
		case PROTO_HOP_BY_HOP:
		case PROTO_DEST_OPTIONS:
			if (left < 8)
				return "truncated IPv6 extension header";
			size = ((size_t)at[1] + 1) * 8;
			break;
		case PROTO_AH:
			if (left < 8)
				return "truncated IPv6 extension header";
			size = ((size_t)at[1] + 2) * 4;
			break;
		case PROTO_ROUTING:
			return "IPv6 routing header";
		case PROTO_FRAGMENT:
			/* Not reassembled here: the ports may be in another
			 * piece. */
			p->fragment = 1;
			return NULL;
		case PROTO_ESP:
		case PROTO_NO_NEXT:
			return NULL; /* l4_known stays 0 */
		default:
			p->l4_known = 1;
			p->proto = next;
			p->l4 = at;
			p->l4_length = left;
			return NULL;
		}
		if (size > left)
			return "truncated IPv6 extension header";
		next = at[0];
		at += size;
		left -= size;
	}
}

/* Towards a refused or multicast destination: only what passt answers
 * itself, and TCP that cannot open a connection. */
static enum frame_verdict judge_towards_host(const struct packet *p, int ipv6,
					     const char **reason)
{
	if (p->fragment || !p->l4_known)
		return refuse(reason, "fragment or unknown payload to the host");
	if (p->proto == PROTO_TCP) {
		if (p->l4_length < 20)
			return refuse(reason, "truncated TCP header to the host");
		uint8_t flags = p->l4[13];
		if ((flags & TCP_SYN) && !(flags & TCP_ACK))
			return refuse(reason, "TCP connection to the host");
		return FRAME_PASS;
	}
	if (p->proto == PROTO_UDP) {
		if (p->l4_length < 8)
			return refuse(reason, "truncated UDP header to the host");
		unsigned port = be16(p->l4 + 2);
		/* passt's DHCP and DHCPv6 servers take requests sent to
		 * everyone, not to a host address, whose port 67 may be a
		 * real server of the host's. */
		if (!ipv6 && ((port == 67 && p->limited_broadcast) ||
			      (port == 53 && p->dns_forward)))
			return FRAME_PASS;
		if (ipv6 && port == 547 && p->multicast)
			return FRAME_PASS;
		return refuse(reason, "UDP to the host");
	}
	if (ipv6 && p->proto == PROTO_ICMPV6 && p->l4_length >= 1 && p->l4[0] >= 133 &&
	    p->l4[0] <= 136)
		return FRAME_PASS;
	return refuse(reason, "IP traffic to the host");
}

enum frame_verdict frame_filter_classify(const struct frame_filter *f, const uint8_t *frame,
					 size_t length, const char **reason)
{
	if (length < ETHER_HEADER)
		return refuse(reason, "short frame");
	size_t at = ETHER_HEADER;
	unsigned type = be16(frame + 12);
	for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
		if (tags == MAX_VLAN_TAGS)
			return refuse(reason, "too many VLAN tags");
		if (length - at < VLAN_TAG)
			return refuse(reason, "truncated VLAN tag");
		type = be16(frame + at + 2);
		at += VLAN_TAG;
	}
	if (type == ETHERTYPE_ARP)
		return FRAME_PASS;
	if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6)
		return refuse(reason, "ethertype passt does not handle");
	struct packet p;
	memset(&p, 0, sizeof(p));
	int ipv6 = type == ETHERTYPE_IPV6;
	const char *problem = ipv6 ? ipv6_decode(f, frame + at, length - at, &p)
				   : ipv4_decode(f, frame + at, length - at, &p);
	if (problem)
		return refuse(reason, problem);
	if (!p.refused_destination && !p.multicast)
		return FRAME_PASS;
	return judge_towards_host(&p, ipv6, reason);
}
