/* The network filter's decision for frames a guest sends: nothing that
 * opens a connection or sends a datagram to the host's own addresses (or to
 * what a host socket takes as "this host") gets through; the outside, ARP
 * and what passt answers itself do; what cannot be classified is refused. */
#include "lib/net/frame_filter.h"
#include "unit.h"

#include <stdint.h>

static struct host_addresses host;
static struct frame_filter filter = {.host = &host, .dns_forward = {10, 0, 2, 3}};

static const uint8_t host_v4[4] = {192, 0, 2, 2};
static const uint8_t docker_v4[4] = {172, 17, 0, 1};
static const uint8_t outside_v4[4] = {198, 51, 100, 7};
static const uint8_t host_v6[16] = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
static const uint8_t outside_v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9};

static void setup(void)
{
	memset(&host, 0, sizeof(host));
	host_addresses_add_v4(&host, host_v4);
	host_addresses_add_v4(&host, docker_v4);
	host_addresses_add_v6(&host, host_v6);
}

#define TCP_SYN 0x02
#define TCP_ACK 0x10

struct frame {
	uint8_t b[2048];
	size_t n;
};

static void put(struct frame *f, const void *data, size_t n)
{
	if (n)
		memcpy(f->b + f->n, data, n);
	f->n += n;
}

static void put16(struct frame *f, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(f, b, 2);
}

static void ethernet(struct frame *f, int vlan_tags, unsigned type)
{
	f->n = 0;
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56};
	put(f, macs, 12);
	for (int i = 0; i < vlan_tags; i++) {
		put16(f, 0x8100);
		put16(f, 42);
	}
	put16(f, type);
}

/* L4 headers: TCP with flags, UDP to a port, ICMP of a type. */
static size_t l4(uint8_t *out, uint8_t proto, unsigned port_or_type, uint8_t tcp_flags)
{
	memset(out, 0, 20);
	if (proto == 6) {
		out[0] = 0x30, out[1] = 0x39;
		out[2] = (uint8_t)(port_or_type >> 8), out[3] = (uint8_t)port_or_type;
		out[12] = 5 << 4;
		out[13] = tcp_flags;
		return 20;
	}
	if (proto == 17) {
		out[2] = (uint8_t)(port_or_type >> 8), out[3] = (uint8_t)port_or_type;
		out[5] = 8;
		return 8;
	}
	out[0] = (uint8_t)port_or_type;
	return 8;
}

static void ipv4_with_options(struct frame *f, const uint8_t dst[4], uint8_t proto, unsigned port,
			      uint8_t flags, const uint8_t *options, size_t option_length)
{
	ethernet(f, 0, 0x0800);
	uint8_t payload[20];
	size_t pl = l4(payload, proto, port, flags);
	size_t header = 20 + option_length;
	uint8_t ip[20] = {(uint8_t)(0x40 | header / 4), 0, 0, 0, 0, 0, 0x40, 0, 64, proto};
	ip[2] = (uint8_t)((header + pl) >> 8), ip[3] = (uint8_t)(header + pl);
	static const uint8_t src[4] = {10, 0, 2, 15};
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	put(f, ip, 20);
	put(f, options, option_length);
	put(f, payload, pl);
}

static void ipv4(struct frame *f, const uint8_t dst[4], uint8_t proto, unsigned port, uint8_t flags)
{
	ipv4_with_options(f, dst, proto, port, flags, NULL, 0);
}

/* IPv6 with the given extension headers (each 8 bytes, next header set in
 * the chain) before the L4 header. */
static void ipv6(struct frame *f, const uint8_t dst[16], const uint8_t *extensions, size_t count,
		 uint8_t proto, unsigned port, uint8_t flags)
{
	ethernet(f, 0, 0x86dd);
	uint8_t payload[20];
	size_t pl = l4(payload, proto, port, flags);
	uint8_t ip[40] = {0x60};
	size_t length = count * 8 + pl;
	ip[4] = (uint8_t)(length >> 8), ip[5] = (uint8_t)length;
	ip[6] = count ? extensions[0] : proto;
	ip[7] = 64;
	ip[23] = 15;
	memcpy(ip + 24, dst, 16);
	put(f, ip, 40);
	for (size_t i = 0; i < count; i++) {
		uint8_t ext[8] = {i + 1 < count ? extensions[i + 1] : proto, 0};
		put(f, ext, 8);
	}
	put(f, payload, pl);
}

static enum frame_verdict judge(const struct frame *f)
{
	return frame_filter_classify(&filter, f->b, f->n, NULL);
}

static int test_tcp_connections_to_the_hosts_addresses_are_refused(void)
{
	setup();
	struct frame f;
	const uint8_t *refused[] = {host_v4, docker_v4, (const uint8_t[]){127, 0, 0, 1},
				    (const uint8_t[]){127, 1, 2, 3}, (const uint8_t[]){0, 0, 0, 0}};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ipv4(&f, refused[i], 6, 8080, TCP_SYN);
		EXPECT(judge(&f) == FRAME_REFUSE);
	}
	const char *reason = NULL;
	ipv4(&f, host_v4, 6, 22, TCP_SYN);
	EXPECT(frame_filter_classify(&filter, f.b, f.n, &reason) == FRAME_REFUSE);
	EXPECT_STR(reason, "TCP connection to the host");
	return 0;
}

static int test_the_outside_and_the_lan_pass(void)
{
	setup();
	struct frame f;
	ipv4(&f, outside_v4, 6, 80, TCP_SYN);
	EXPECT(judge(&f) == FRAME_PASS);
	/* Another machine on the docker bridge is not this host. */
	ipv4(&f, (const uint8_t[]){172, 17, 0, 2}, 6, 80, TCP_SYN);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv4(&f, (const uint8_t[]){192, 168, 1, 1}, 17, 123, 0);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv4(&f, outside_v4, 1, 8, 0);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv6(&f, outside_v6, NULL, 0, 6, 443, TCP_SYN);
	EXPECT(judge(&f) == FRAME_PASS);
	return 0;
}

static int test_udp_and_icmp_to_the_host_are_refused(void)
{
	setup();
	struct frame f;
	ipv4(&f, host_v4, 17, 53, 0);
	EXPECT(judge(&f) == FRAME_REFUSE);
	ipv4(&f, host_v4, 1, 8, 0);
	EXPECT(judge(&f) == FRAME_REFUSE);
	/* Multicast and broadcast reach the host's listeners too. */
	ipv4(&f, (const uint8_t[]){224, 0, 0, 251}, 17, 5353, 0);
	EXPECT(judge(&f) == FRAME_REFUSE);
	ipv4(&f, (const uint8_t[]){255, 255, 255, 255}, 17, 137, 0);
	EXPECT(judge(&f) == FRAME_REFUSE);
	/* A DHCP request to the host's own port 67, not passt's. */
	ipv4(&f, host_v4, 17, 67, 0);
	EXPECT(judge(&f) == FRAME_REFUSE);
	return 0;
}

static int test_what_passt_answers_itself_passes(void)
{
	setup();
	struct frame f;
	ethernet(&f, 0, 0x0806);
	uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	put(&f, arp, sizeof(arp));
	EXPECT(judge(&f) == FRAME_PASS);
	ipv4(&f, (const uint8_t[]){255, 255, 255, 255}, 17, 67, 0);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv4(&f, (const uint8_t[]){10, 0, 2, 3}, 17, 53, 0);
	EXPECT(judge(&f) == FRAME_PASS);
	/* passt's resolver address is the host's too (a host on 10.0.2.0/24):
	 * DNS still goes to passt, nothing else does. */
	host_addresses_add_v4(&host, (const uint8_t[]){10, 0, 2, 3});
	ipv4(&f, (const uint8_t[]){10, 0, 2, 3}, 17, 53, 0);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv4(&f, (const uint8_t[]){10, 0, 2, 3}, 6, 8080, TCP_SYN);
	EXPECT(judge(&f) == FRAME_REFUSE);
	uint8_t all_routers[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
	ipv6(&f, all_routers, NULL, 0, 58, 133, 0);
	EXPECT(judge(&f) == FRAME_PASS);
	/* Neighbour solicitation sent to the host's own address. */
	ipv6(&f, host_v6, NULL, 0, 58, 135, 0);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv6(&f, host_v6, NULL, 0, 58, 128, 0);
	EXPECT(judge(&f) == FRAME_REFUSE);
	uint8_t dhcp6[16] = {0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2};
	ipv6(&f, dhcp6, NULL, 0, 17, 547, 0);
	EXPECT(judge(&f) == FRAME_PASS);
	return 0;
}

/* Replies within a connection the host opened (a published port on krun)
 * pass; passt drops segments that belong to no connection. */
static int test_tcp_that_cannot_open_a_connection_passes(void)
{
	setup();
	struct frame f;
	ipv4(&f, host_v4, 6, 40000, TCP_SYN | TCP_ACK);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv4(&f, host_v4, 6, 40000, TCP_ACK);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv4(&f, host_v4, 6, 40000, TCP_SYN | 0x01 /* FIN */);
	EXPECT(judge(&f) == FRAME_REFUSE);
	return 0;
}

static int test_ipv6_forms_of_the_host_are_refused(void)
{
	setup();
	struct frame f;
	uint8_t loopback[16] = {[15] = 1};
	uint8_t unspecified[16] = {0};
	uint8_t mapped_loopback[16] = {[10] = 0xff, [11] = 0xff, 127, 0, 0, 1};
	uint8_t mapped_host[16] = {[10] = 0xff, [11] = 0xff, 192, 0, 2, 2};
	uint8_t nat64_host[16] = {0, 0x64, 0xff, 0x9b, [12] = 192, 0, 2, 2};
	const uint8_t *refused[] = {host_v6, loopback, unspecified, mapped_loopback, mapped_host,
				    nat64_host};
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		ipv6(&f, refused[i], NULL, 0, 6, 80, TCP_SYN);
		EXPECT(judge(&f) == FRAME_REFUSE);
		ipv6(&f, refused[i], NULL, 0, 17, 53, 0);
		EXPECT(judge(&f) == FRAME_REFUSE);
	}
	uint8_t mapped_outside[16] = {[10] = 0xff, [11] = 0xff, 198, 51, 100, 7};
	ipv6(&f, mapped_outside, NULL, 0, 6, 80, TCP_SYN);
	EXPECT(judge(&f) == FRAME_PASS);
	return 0;
}

static int test_ipv6_extension_headers_are_walked_or_refused(void)
{
	setup();
	struct frame f;
	/* Hop-by-hop and destination options are walked to the TCP header. */
	const uint8_t options[] = {0, 60};
	ipv6(&f, host_v6, options, 2, 6, 80, TCP_SYN);
	EXPECT(judge(&f) == FRAME_REFUSE);
	ipv6(&f, host_v6, options, 2, 6, 80, TCP_ACK);
	EXPECT(judge(&f) == FRAME_PASS);
	ipv6(&f, outside_v6, options, 2, 6, 80, TCP_SYN);
	EXPECT(judge(&f) == FRAME_PASS);
	/* A routing header names another destination: never classified. */
	const uint8_t routing[] = {43};
	ipv6(&f, outside_v6, routing, 1, 6, 80, TCP_SYN);
	EXPECT(judge(&f) == FRAME_REFUSE);
	/* A fragment has no port to look at: refused towards the host,
	 * passed elsewhere. */
	const uint8_t fragment[] = {44};
	ipv6(&f, host_v6, fragment, 1, 6, 80, TCP_ACK);
	EXPECT(judge(&f) == FRAME_REFUSE);
	ipv6(&f, outside_v6, fragment, 1, 6, 80, TCP_SYN);
	EXPECT(judge(&f) == FRAME_PASS);
	/* A chain made long on purpose. */
	uint8_t chain[12];
	memset(chain, 60, sizeof(chain));
	ipv6(&f, outside_v6, chain, sizeof(chain), 6, 80, TCP_SYN);
	EXPECT(judge(&f) == FRAME_REFUSE);
	/* An extension header longer than the packet. */
	ipv6(&f, host_v6, options, 1, 6, 80, TCP_SYN);
	f.b[14 + 40 + 1] = 200;
	EXPECT(judge(&f) == FRAME_REFUSE);
	return 0;
}

static int test_ipv4_fragments_and_source_routes(void)
{
	setup();
	struct frame f;
	ipv4(&f, host_v4, 6, 80, TCP_ACK);
	f.b[14 + 6] = 0x20; /* more fragments */
	EXPECT(judge(&f) == FRAME_REFUSE);
	ipv4(&f, outside_v4, 6, 80, TCP_SYN);
	f.b[14 + 6] = 0x00, f.b[14 + 7] = 0x10; /* offset 16 */
	EXPECT(judge(&f) == FRAME_PASS);
	/* A loose source route through the outside to the host. */
	const uint8_t lsrr[8] = {131, 7, 4, 192, 0, 2, 2, 0};
	ipv4_with_options(&f, outside_v4, 6, 80, TCP_SYN, lsrr, sizeof(lsrr));
	EXPECT(judge(&f) == FRAME_REFUSE);
	const uint8_t nops[4] = {1, 1, 1, 0};
	ipv4_with_options(&f, outside_v4, 6, 80, TCP_SYN, nops, sizeof(nops));
	EXPECT(judge(&f) == FRAME_PASS);
	const uint8_t bad[4] = {7, 40, 0, 0};
	ipv4_with_options(&f, outside_v4, 6, 80, TCP_SYN, bad, sizeof(bad));
	EXPECT(judge(&f) == FRAME_REFUSE);
	return 0;
}

static int test_vlan_tags_are_looked_through(void)
{
	setup();
	struct frame f, tagged;
	ipv4(&f, host_v4, 6, 80, TCP_SYN);
	for (int tags = 1; tags <= 3; tags++) {
		ethernet(&tagged, tags, 0x0800);
		put(&tagged, f.b + 14, f.n - 14);
		EXPECT(judge(&tagged) == FRAME_REFUSE);
	}
	ipv4(&f, outside_v4, 6, 80, TCP_SYN);
	ethernet(&tagged, 2, 0x0800);
	put(&tagged, f.b + 14, f.n - 14);
	EXPECT(judge(&tagged) == FRAME_PASS);
	ethernet(&tagged, 3, 0x0800);
	put(&tagged, f.b + 14, f.n - 14);
	EXPECT(judge(&tagged) == FRAME_REFUSE);
	return 0;
}

static int test_short_and_malformed_frames_are_refused(void)
{
	setup();
	struct frame f;
	ipv4(&f, outside_v4, 6, 80, TCP_SYN);
	/* Every truncation of a frame that passes whole: never a read past
	 * the end (the sanitizer build checks), and never a pass of a
	 * header that is not all there. */
	for (size_t n = 0; n < 14 + 20; n++)
		EXPECT(frame_filter_classify(&filter, f.b, n, NULL) == FRAME_REFUSE);
	ipv4(&f, outside_v4, 6, 80, TCP_SYN);
	f.b[14 + 2] = 0x05, f.b[14 + 3] = 0xdc; /* total length 1500 */
	EXPECT(judge(&f) == FRAME_REFUSE);
	ipv4(&f, outside_v4, 6, 80, TCP_SYN);
	f.b[14] = 0x4f; /* a header of 60 bytes in a 40-byte packet */
	EXPECT(judge(&f) == FRAME_REFUSE);
	ipv4(&f, host_v4, 6, 80, TCP_SYN);
	f.b[14 + 3] = 20 + 10; /* a TCP header cut short */
	EXPECT(judge(&f) == FRAME_REFUSE);
	ipv6(&f, outside_v6, NULL, 0, 6, 80, TCP_SYN);
	f.b[14 + 4] = 0x10; /* payload beyond the frame */
	EXPECT(judge(&f) == FRAME_REFUSE);
	ethernet(&f, 0, 0x88cc); /* LLDP: passt has no use for it */
	put(&f, "0123456789", 10);
	EXPECT(judge(&f) == FRAME_REFUSE);
	return 0;
}

static int test_host_addresses_are_collected(void)
{
	struct host_addresses a;
	struct error err = {0};
	EXPECT(host_addresses_collect(&a, &err) == 0);
	/* Every host has its loopback. */
	EXPECT(host_addresses_has_v4(&a, (const uint8_t[]){127, 0, 0, 1}));
	EXPECT(host_addresses_add_v4(&a, (const uint8_t[]){127, 0, 0, 1}) == 0);
	size_t before = a.v4_count;
	EXPECT(host_addresses_add_v4(&a, (const uint8_t[]){127, 0, 0, 1}) == 0);
	EXPECT(a.v4_count == before);
	return 0;
}

int main(void)
{
	RUN(test_tcp_connections_to_the_hosts_addresses_are_refused);
	RUN(test_the_outside_and_the_lan_pass);
	RUN(test_udp_and_icmp_to_the_host_are_refused);
	RUN(test_what_passt_answers_itself_passes);
	RUN(test_tcp_that_cannot_open_a_connection_passes);
	RUN(test_ipv6_forms_of_the_host_are_refused);
	RUN(test_ipv6_extension_headers_are_walked_or_refused);
	RUN(test_ipv4_fragments_and_source_routes);
	RUN(test_vlan_tags_are_looked_through);
	RUN(test_short_and_malformed_frames_are_refused);
	RUN(test_host_addresses_are_collected);
	return unit_finish();
}
