#include "lib/net/host_addresses.h"

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* One table of `size`-byte addresses: IPv4's or IPv6's. */
static int table_has(const uint8_t *table, size_t count, const uint8_t *address, size_t size)
{
	for (size_t i = 0; i < count; i++)
		if (memcmp(table + i * size, address, size) == 0)
			return 1;
	return 0;
}

static int table_add(uint8_t *table, size_t *count, const uint8_t *address, size_t size)
{
	if (table_has(table, *count, address, size))
		return 0;
	if (*count == HOST_ADDRESSES_MAX)
		return -1;
	memcpy(table + (*count)++ * size, address, size);
	return 0;
}

int host_addresses_has_v4(const struct host_addresses *a, const uint8_t address[4])
{
	return table_has(&a->v4[0][0], a->v4_count, address, 4);
}

int host_addresses_has_v6(const struct host_addresses *a, const uint8_t address[16])
{
	return table_has(&a->v6[0][0], a->v6_count, address, 16);
}

int host_addresses_add_v4(struct host_addresses *a, const uint8_t address[4])
{
	return table_add(&a->v4[0][0], &a->v4_count, address, 4);
}

int host_addresses_add_v6(struct host_addresses *a, const uint8_t address[16])
{
	return table_add(&a->v6[0][0], &a->v6_count, address, 16);
}

static int add_sockaddr(struct host_addresses *a, const struct sockaddr *sa)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		return host_addresses_add_v4(a, (const uint8_t *)&in->sin_addr);
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		return host_addresses_add_v6(a, in6->sin6_addr.s6_addr);
	}
	return 0;
}

int host_addresses_collect(struct host_addresses *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	struct ifaddrs *list;
	if (getifaddrs(&list) < 0) {
		error_set(err, errno, "--net: listing the host's addresses");
		return -1;
	}
	int r = 0;
	for (struct ifaddrs *i = list; i && r == 0; i = i->ifa_next) {
		r = add_sockaddr(out, i->ifa_addr);
		/* A subnet's broadcast reaches this host too. */
		if (r == 0 && (i->ifa_flags & IFF_BROADCAST) && i->ifa_addr &&
		    i->ifa_addr->sa_family == AF_INET)
			r = add_sockaddr(out, i->ifa_broadaddr);
	}
	freeifaddrs(list);
	if (r < 0) {
		error_set(err, 0, "--net: the host has more than %d IPv4 or IPv6 addresses",
			  HOST_ADDRESSES_MAX);
		return -1;
	}
	return 0;
}
