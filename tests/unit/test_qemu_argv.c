/* QEMU's network devices (lib/engine/qemu/qemu_argv.c): --net is passt's
 * socket; --publish's ports come in on a second NIC of QEMU's own user
 * networking with restrict=on, so the guest reaches nothing through it
 * (its 10.0.3.2 would otherwise be the host's loopback). */
#include "lib/engine/qemu/qemu_argv.h"
#include "unit.h"

static const char *joined(const struct argv_list *a, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < a->argc && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "", a->argv[i]);
	return buf;
}

static struct qemu_config base(void)
{
	return (struct qemu_config){.qemu_path = "qemu",
				    .cpus = 1,
				    .mem_mib = 512,
				    .kernel_image = "vmlinux",
				    .initramfs = "initrd",
				    .agent_socket = "a.sock",
				    .virtiofs_socket = "fs.sock",
				    .network_fd = -1};
}

static int test_net_is_passt_only(void)
{
	static struct argv_list argv;
	static char line[65536];
	struct qemu_config c = base();
	c.network_fd = 7;
	EXPECT(qemu_argv_build(&c, &argv) == 0);
	joined(&argv, line, sizeof(line));
	EXPECT(strstr(line, "-netdev stream,id=net0,addr.type=fd,addr.str=7 -device "
			    "virtio-net-device,netdev=net0") != NULL);
	EXPECT(strstr(line, "-netdev user") == NULL);
	return 0;
}

static int test_published_ports_have_a_restricted_nic_of_their_own(void)
{
	static struct argv_list argv;
	static char line[65536];
	struct port_forward ports[] = {{8080, 80}, {9000, 9001}};
	struct qemu_config c = base();
	c.network_fd = 7;
	c.ports = ports;
	c.port_count = 2;
	EXPECT(qemu_argv_build(&c, &argv) == 0);
	joined(&argv, line, sizeof(line));
	EXPECT(strstr(line, "-netdev stream,id=net0,addr.type=fd,addr.str=7") != NULL);
	EXPECT(strstr(line, "-netdev user,id=publish,restrict=on,ipv6=off,net=10.0.3.0/24,"
			    "host=10.0.3.2,hostfwd=tcp:127.0.0.1:8080-10.0.3.15:80,"
			    "hostfwd=tcp:127.0.0.1:9000-10.0.3.15:9001 -device "
			    "virtio-net-device,netdev=publish,mac=52:54:00:6b:72:70") != NULL);
	EXPECT(argv.argv[argv.argc] == NULL);
	return 0;
}

int main(void)
{
	RUN(test_net_is_passt_only);
	RUN(test_published_ports_have_a_restricted_nic_of_their_own);
	return unit_finish();
}
