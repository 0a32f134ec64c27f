/* The QEMU command line. Each choice here was measured under TCG on the
 * project's machines (shared/design.md). */
#include "qemu_argv.h"
#include "kernel_cmdline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int add(struct qemu_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add(struct qemu_argv *a, const char *fmt, ...)
{
	if (a->argc + 1 >= (int)(sizeof(a->argv) / sizeof(a->argv[0])))
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(a->storage + a->used, sizeof(a->storage) - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(a->storage) - a->used)
		return -1;
	a->argv[a->argc++] = a->storage + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

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

int qemu_argv_build(const struct qemu_config *c, struct qemu_argv *a)
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
	    .unprivileged = c->unprivileged,
	    .extra_append = c->extra_append,
	};
	char append[2048];
	if (kernel_cmdline_build(&cmdline, append, sizeof(append)) < 0)
		return -1;
	int r = 0;
	r |= add(a, "%s", c->qemu_path);
	r |= add(a, "-nodefaults");
	r |= add(a, "-no-user-config");
	r |= add(a, "-no-reboot");
	/* QEMU's seccomp filter, with everything it can deny denied. */
	r |= add(a, "-sandbox");
	r |= add(a, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	r |= add(a, "-display");
	r |= add(a, "none");
	r |= add(a, "-M");
	/* virtio-fs needs guest RAM that virtiofsd can map: a shared memfd. */
	r |=
	    add(a, "microvm,x-option-roms=off,memory-backend=mem%s", c->no_acpi ? ",acpi=off" : "");
	r |= add(a, "-object");
	r |= add(a, "memory-backend-memfd,id=mem,size=%uM,share=on", c->mem_mib);
	r |= add(a, "-m");
	r |= add(a, "%u", c->mem_mib);
	r |= add(a, "-smp");
	r |= add(a, "%u", c->cpus);
	r |= add(a, "-accel");
	/* One vCPU gains nothing from multi-threaded TCG, and a single TCG
	 * thread contends less when several VMs share the cores (8 concurrent
	 * boots: about 10% faster). */
	r |= add(a, "%s", c->use_kvm ? "kvm" : c->cpus == 1 ? "tcg,thread=single" : "tcg");
	r |= add(a, "-cpu");
	/* Under TCG a plain model with the x86-64-v2 features boots faster
	 * than -cpu max, and Debian's userland needs no more. */
	const char *cpu = c->cpu_model;
	r |= add(a, "%s",
		 cpu && cpu[0] ? cpu
		 : c->use_kvm  ? "host"
			       : "qemu64,+ssse3,+sse4.1,+sse4.2,+popcnt,+cx16");
	r |= add(a, "-kernel");
	r |= add(a, "%s", c->kernel_image);
	r |= add(a, "-initrd");
	r |= add(a, "%s", c->initramfs);
	r |= add(a, "-append");
	r |= add(a, "%s", append);
	r |= add(a, "-serial");
	r |= add(a, "%s", c->verbose ? "stdio" : "none");
	/* microvm's virtio-mmio defaults to legacy virtio, which virtiofsd
	 * rejects; the guest's mount then hangs forever. */
	r |= add(a, "-global");
	r |= add(a, "virtio-mmio.force-legacy=false");
	/* Run directory paths come from $TMPDIR: escaped like any path. */
	char escaped[8400];
	if (!option_value(c->agent_socket, escaped, sizeof(escaped)))
		return -1;
	r |= add(a, "-chardev");
	r |= add(a, "socket,id=agent,path=%s", escaped);
	r |= add(a, "-device");
	r |= add(a, "virtio-serial-device,max_ports=2");
	/* A virtserialport, not a virtconsole: a console drops output when the
	 * host is slow, a serial port waits. */
	r |= add(a, "-device");
	r |= add(a, "virtserialport,chardev=agent,name=org.krunsh.0");
	if (!option_value(c->virtiofs_socket, escaped, sizeof(escaped)))
		return -1;
	r |= add(a, "-chardev");
	r |= add(a, "socket,id=rootfs,path=%s", escaped);
	r |= add(a, "-device");
	r |= add(a, "vhost-user-fs-device,chardev=rootfs,tag=krunsh-root");
	for (size_t i = 0; i < c->volume_count; i++) {
		r |= add(a, "-chardev");
		if (!option_value(c->volume_sockets[i], escaped, sizeof(escaped)))
			return -1;
		r |= add(a, "socket,id=vol%zu,path=%s", i, escaped);
		r |= add(a, "-device");
		r |= add(a, "vhost-user-fs-device,chardev=vol%zu,tag=krunsh-vol%zu", i, i);
	}
	for (size_t i = 0; i < c->disk_count; i++) {
		/* Raw only: probing a format the guest could have written is a
		 * known escape. */
		if (!option_value(c->disks[i].path, escaped, sizeof(escaped)))
			return -1;
		r |= add(a, "-drive");
		r |= add(a, "file=%s,format=raw,if=none,id=disk%zu,readonly=%s,cache=unsafe",
			 escaped, i, c->disks[i].read_only ? "on" : "off");
		r |= add(a, "-device");
		r |= add(a, "virtio-blk-device,drive=disk%zu", i);
	}
	if (c->network_fd >= 0) {
		/* passt on the other end: the guest's traffic leaves through
		 * passt, which maps nothing to the host's loopback and
		 * forwards only published ports (not QEMU's slirp, whose
		 * 10.0.2.2 is the host's loopback). */
		r |= add(a, "-netdev");
		r |= add(a, "stream,id=net0,addr.type=fd,addr.str=%d", c->network_fd);
		r |= add(a, "-device");
		r |= add(a, "virtio-net-device,netdev=net0");
	} else if (c->port_count) {
		char forwards[2048] = "";
		size_t used = 0;
		for (size_t i = 0; i < c->port_count && used < sizeof(forwards); i++)
			used += (size_t)snprintf(forwards + used, sizeof(forwards) - used,
						 ",hostfwd=tcp:127.0.0.1:%u-:%u",
						 c->ports[i].host_port, c->ports[i].guest_port);
		if (used >= sizeof(forwards))
			return -1;
		r |= add(a, "-netdev");
		r |= add(a, "user,id=net0%s", forwards);
		r |= add(a, "-device");
		r |= add(a, "virtio-net-device,netdev=net0");
	}
	return r ? -1 : 0;
}
