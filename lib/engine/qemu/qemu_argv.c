/* The QEMU command line. Each choice here was measured under TCG on the
 * project's machines (shared/design.md). */
#include "lib/engine/qemu/qemu_argv.h"
#include "proto/protocol.h"
#include "lib/guest/kernel_cmdline.h"

#include <stdio.h>
#include <string.h>

/* QEMU's -drive and -chardev values are comma-separated key=value lists:
 * a ',' inside a path must be doubled or it starts the next key. */
static const char *option_value(const char *value, char *buf, size_t size)
{
	size_t used = 0;
	for (const char *p = value; *p; p++) {
		if (used + 3 > size)
			return NULL;
		if (*p == ',')
			buf[used++] = ',';
		buf[used++] = *p;
	}
	buf[used] = '\0';
	return buf;
}

int qemu_argv_build(const struct qemu_config *c, struct argv_list *a)
{
	memset(a, 0, sizeof(*a));
	/* -no-reboot below makes the guest's reset (reboot=t) end QEMU; the
	 * one 8250 UART is microvm's serial port, the console under -v. */
	struct kernel_cmdline_config cmdline = {
	    .reboot = "t",
	    .console = "ttyS0",
	    .serial_port = 1,
	    .verbose = c->verbose,
	    .use_kvm = c->use_kvm,
	    .tsc_khz = c->tsc_khz,
	    .no_apic_timer = c->no_apic_timer,
	    .lapic_bus_khz = c->lapic_bus_khz,
	    .unprivileged = c->unprivileged,
	    .extra_append = c->extra_append,
	    .file_server_fds = c->file_server_fds,
	};
	char append[2048];
	if (kernel_cmdline_build(&cmdline, append, sizeof(append)) < 0)
		return -1;
	int r = 0;
	r |= argv_list_add(a, "%s", c->qemu_path);
	r |= argv_list_add(a, "-nodefaults");
	r |= argv_list_add(a, "-no-user-config");
	r |= argv_list_add(a, "-no-reboot");
	/* QEMU's seccomp filter, with everything it can deny denied. */
	r |= argv_list_add(a, "-sandbox");
	r |= argv_list_add(
	    a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	r |= argv_list_add(a, "-display");
	r |= argv_list_add(a, "none");
	r |= argv_list_add(a, "-M");
	/* virtio-fs needs guest RAM that virtiofsd can map: a shared memfd. */
	r |= argv_list_add(a, "microvm,x-option-roms=off,memory-backend=mem%s",
			   c->no_acpi ? ",acpi=off" : "");
	r |= argv_list_add(a, "-object");
	r |= argv_list_add(a, "memory-backend-memfd,id=mem,size=%uM,share=on", c->mem_mib);
	r |= argv_list_add(a, "-m");
	r |= argv_list_add(a, "%u", c->mem_mib);
	r |= argv_list_add(a, "-smp");
	r |= argv_list_add(a, "%u", c->cpus);
	r |= argv_list_add(a, "-accel");
	/* One vCPU gains nothing from multi-threaded TCG, and a single TCG
	 * thread contends less when several VMs share the cores (8 concurrent
	 * boots: about 10% faster). */
	r |= argv_list_add(a, "%s",
			   c->use_kvm	  ? "kvm"
			   : c->cpus == 1 ? "tcg,thread=single"
					  : "tcg");
	r |= argv_list_add(a, "-cpu");
	/* Under TCG a plain model with the x86-64-v2 features boots faster
	 * than -cpu max, and Debian's userland needs no more. */
	const char *cpu = c->cpu_model;
	r |= argv_list_add(a, "%s",
			   cpu && cpu[0] ? cpu
			   : c->use_kvm	 ? "host"
					 : "qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16");
	r |= argv_list_add(a, "-kernel");
	r |= argv_list_add(a, "%s", c->kernel_image);
	r |= argv_list_add(a, "-initrd");
	r |= argv_list_add(a, "%s", c->initramfs);
	r |= argv_list_add(a, "-append");
	r |= argv_list_add(a, "%s", append);
	r |= argv_list_add(a, "-serial");
	r |= argv_list_add(a, "%s", c->verbose ? "stdio" : "none");
	/* microvm's virtio-mmio defaults to legacy virtio, which virtiofsd
	 * rejects; the guest's mount then hangs forever. */
	r |= argv_list_add(a, "-global");
	r |= argv_list_add(a, "virtio-mmio.force-legacy=false");
	/* Run directory paths come from $TMPDIR: escaped like any path. */
	char escaped[2 * PATH_MAX]; /* a path with every ',' doubled */
	if (!option_value(c->agent_socket, escaped, sizeof(escaped)))
		return -1;
	r |= argv_list_add(a, "-chardev");
	r |= argv_list_add(a, "socket,id=agent,path=%s", escaped);
	r |= argv_list_add(a, "-device");
	r |= argv_list_add(a, "virtio-serial-device,max_ports=2");
	/* A virtserialport, not a virtconsole: a console drops output when the
	 * host is slow, a serial port waits. */
	r |= argv_list_add(a, "-device");
	r |= argv_list_add(a, "virtserialport,chardev=agent,name=org.krunsh.0");
	if (!option_value(c->virtiofs_socket, escaped, sizeof(escaped)))
		return -1;
	r |= argv_list_add(a, "-chardev");
	r |= argv_list_add(a, "socket,id=rootfs,path=%s", escaped);
	r |= argv_list_add(a, "-device");
	r |= argv_list_add(a, "vhost-user-fs-device,chardev=rootfs,tag=krunsh-root");
	for (size_t i = 0; i < c->volume_count; i++) {
		r |= argv_list_add(a, "-chardev");
		if (!option_value(c->volume_sockets[i], escaped, sizeof(escaped)))
			return -1;
		r |= argv_list_add(a, "socket,id=vol%zu,path=%s", i, escaped);
		r |= argv_list_add(a, "-device");
		r |=
		    argv_list_add(a, "vhost-user-fs-device,chardev=vol%zu,tag=krunsh-vol%zu", i, i);
	}
	for (size_t i = 0; i < c->disk_count; i++) {
		/* Raw only: probing a format the guest could have written is a
		 * known escape. */
		if (!option_value(c->disks[i].path, escaped, sizeof(escaped)))
			return -1;
		r |= argv_list_add(a, "-drive");
		r |= argv_list_add(a,
				   "file=%s,format=raw,if=none,id=disk%zu,readonly=%s,cache=unsafe",
				   escaped, i, c->disks[i].read_only ? "on" : "off");
		r |= argv_list_add(a, "-device");
		r |= argv_list_add(a, "virtio-blk-device,drive=disk%zu", i);
	}
	if (c->network_fd >= 0) {
		/* passt on the other end: the guest's traffic leaves through
		 * passt, which maps nothing to the host's loopback and
		 * forwards only published ports (not QEMU's slirp, whose
		 * 10.0.2.2 is the host's loopback). */
		r |= argv_list_add(a, "-netdev");
		r |= argv_list_add(a, "stream,id=net0,addr.type=fd,addr.str=%d", c->network_fd);
		r |= argv_list_add(a, "-device");
		r |= argv_list_add(a, "virtio-net-device,netdev=net0");
	}
	if (c->port_count) {
		/* restrict=on: the guest reaches nothing through this NIC, in
		 * particular not the host's loopback at its 10.0.3.2; only
		 * the hostfwd connections come in (and their replies go out). */
		char forwards[2048] = "";
		size_t used = 0;
		for (size_t i = 0; i < c->port_count && used < sizeof(forwards); i++)
			used += (size_t)snprintf(forwards + used, sizeof(forwards) - used,
						 ",hostfwd=tcp:127.0.0.1:%u-%s:%u",
						 c->ports[i].host_port, PUBLISH_NIC_ADDRESS,
						 c->ports[i].guest_port);
		if (used >= sizeof(forwards))
			return -1;
		r |= argv_list_add(a, "-netdev");
		r |= argv_list_add(a, "user,id=publish,restrict=on,ipv6=off,net=%s,host=%s%s",
				   PUBLISH_NIC_NET, PUBLISH_NIC_HOST, forwards);
		r |= argv_list_add(a, "-device");
		r |= argv_list_add(a, "virtio-net-device,netdev=publish,mac=%s",
				   PUBLISH_NIC_MAC_TEXT);
	}
	return r ? -1 : 0;
}
