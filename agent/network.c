/* Networking in the guest. Loopback is always up (many programs expect
 * localhost). With --net, eth0 gets QEMU user-mode networking's fixed
 * addresses: no DHCP client needed, nothing to wait for. Under qemu with
 * --publish a second NIC, known by its MAC, carries only the published
 * ports (proto/protocol.h). */
#include "agent/agent.h"
#include "proto/protocol.h"

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

static int is_publish_nic(int sock, const char *name)
{
	static const unsigned char mac[6] = {PUBLISH_NIC_MAC_BYTES};
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(sock, SIOCGIFHWADDR, &ifr) == 0 &&
	       memcmp(ifr.ifr_hwaddr.sa_data, mac, sizeof(mac)) == 0;
}

/* The published ports' NIC, if there is one: its address, up, no route
 * (the host's hostfwd connections come in on its subnet). */
static int setup_publish_nic(int sock, const char *name)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	set_address(&ifr.ifr_addr, PUBLISH_NIC_ADDRESS);
	int r = ioctl(sock, SIOCSIFADDR, &ifr);
	if (r == 0) {
		set_address(&ifr.ifr_netmask, GUEST_NETMASK);
		r = ioctl(sock, SIOCSIFNETMASK, &ifr);
	}
	return r == 0 ? interface_up(sock, name) : -1;
}

int setup_network(char *error, size_t error_size)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		snprintf(error, error_size, "network: socket: %s", strerror(errno));
		return -1;
	}
	/* The network's NIC is eth0 unless eth0 is the published ports'
	 * (the kernel names virtio-mmio NICs in the order it finds them). */
	char main_nic[IFNAMSIZ] = "eth0", publish_nic[IFNAMSIZ] = "";
	if (is_publish_nic(sock, "eth0")) {
		snprintf(main_nic, sizeof(main_nic), "eth1");
		snprintf(publish_nic, sizeof(publish_nic), "eth0");
	} else if (is_publish_nic(sock, "eth1")) {
		snprintf(publish_nic, sizeof(publish_nic), "eth1");
	}
	if (publish_nic[0] && setup_publish_nic(sock, publish_nic) < 0) {
		snprintf(error, error_size, "network: configuring %s: %s", publish_nic,
			 strerror(errno));
		close(sock);
		return -1;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", main_nic);
	set_address(&ifr.ifr_addr, GUEST_ADDRESS);
	int r = ioctl(sock, SIOCSIFADDR, &ifr);
	if (r == 0) {
		set_address(&ifr.ifr_netmask, GUEST_NETMASK);
		r = ioctl(sock, SIOCSIFNETMASK, &ifr);
	}
	if (r == 0)
		r = interface_up(sock, main_nic);
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
		snprintf(error, error_size, "network: configuring %s: %s", main_nic,
			 strerror(saved));
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
