/* The guest kernel's command line, shared by both engines: they boot the same
 * kernels with the same agent as PID 1, and differ only in how the VMM
 * resets the machine and which console it gives. Only fixed words of ours go
 * there, never user content. */
#ifndef KRUNSH_KERNEL_CMDLINE_H
#define KRUNSH_KERNEL_CMDLINE_H

#include <stddef.h>

struct kernel_cmdline_config {
	/* How the agent's final reboot ends the VM: "t" (triple fault),
	 * which QEMU with -no-reboot and libkrun (KVM_EXIT_SHUTDOWN) both
	 * turn into the end of the VM. */
	const char *reboot;
	const char *console; /* under -v: "ttyS0" (QEMU), "hvc0" (libkrun) */
	/* Seconds a panicked guest waits before the reset that ends the VM: 0
	 * for at once. */
	int panic_delay;
	int serial_port; /* the VMM gives one 8250 UART (QEMU microvm) */
	int verbose;
	int use_kvm;
	unsigned long tsc_khz;	  /* under TCG: the host's TSC, 0 if unknown */
	int no_apic_timer;	  /* the kernel boots (faster) without it under TCG */
	int lapic_bus_khz;	  /* the kernel takes the APIC timer's frequency */
	int unprivileged;	  /* the file server runs in an unprivileged user namespace */
	const char *extra_append; /* KRUNSH_KERNEL_APPEND, for experiments */
	/* The open files the file servers may hold (file_server_fd_limit):
	 * the agent keeps the guest's inodes under it. 0: not said. */
	unsigned long file_server_fds;
};

/* The open files each of the VM's file servers can hold at least: they hold
 * one for every guest inode they looked up. virtiofsd and the krun engine
 * raise their soft RLIMIT_NOFILE to the hard one (virtiofsd to at most a
 * million), and only CAP_SYS_RESOURCE, which root on some machines lacks,
 * raises it further. */
unsigned long file_server_fd_limit(void);

/* Writes the command line into buf; -1 if it does not fit. */
int kernel_cmdline_build(const struct kernel_cmdline_config *config, char *buf, size_t size);

#endif
