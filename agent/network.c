/* Networking in the guest. Loopback is always up (many programs expect
 * localhost). With --net, eth0 gets QEMU user-mode networking's fixed
 * addresses: no DHCP client needed, nothing to wait for. */
#include "agent/agent.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define GUEST_ADDRESS "10.0.2.15"
#define GUEST_NETMASK "255.255.255.0"
#define GATEWAY	      "10.0.2.2"
#define NAMESERVER    "10.0.2.3"

static void set_address(struct sockaddr *sa, const char *text)
{
	struct sockaddr_in *in = (struct sockaddr_in *)sa;
	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	inet_pton(AF_INET, text, &in->sin_addr);
}

static int interface_up(int sock, const char *name)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return -1;
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

int setup_loopback(void)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -1;
	int r = interface_up(sock, "lo");
	close(sock);
	return r;
}

int setup_network(char *error, size_t error_size)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		snprintf(error, error_size, "network: socket: %s", strerror(errno));
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "eth0");
	set_address(&ifr.ifr_addr, GUEST_ADDRESS);
	int r = ioctl(sock, SIOCSIFADDR, &ifr);
	if (r == 0) {
		set_address(&ifr.ifr_netmask, GUEST_NETMASK);
		r = ioctl(sock, SIOCSIFNETMASK, &ifr);
	}
	if (r == 0)
		r = interface_up(sock, "eth0");
	if (r == 0) {
		struct rtentry route;
		memset(&route, 0, sizeof(route));
		set_address(&route.rt_dst, "0.0.0.0");
		set_address(&route.rt_genmask, "0.0.0.0");
		set_address(&route.rt_gateway, GATEWAY);
		route.rt_flags = RTF_UP | RTF_GATEWAY;
		r = ioctl(sock, SIOCADDRT, &route);
	}
	int saved = errno;
	close(sock);
	if (r < 0) {
		snprintf(error, error_size, "network: configuring eth0: %s", strerror(saved));
		return -1;
	}
	/* The overlay makes /etc writable; the host's resolv.conf (often a
	 * 127.0.0.x stub) means nothing in the guest. Replace a symlink too. */
	unlink("/etc/resolv.conf");
	int fd = open("/etc/resolv.conf", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		static const char conf[] = "nameserver " NAMESERVER "\n";
		(void)!write(fd, conf, sizeof(conf) - 1);
		close(fd);
	}
	return 0;
}
