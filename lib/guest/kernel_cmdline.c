/* The guest kernel's command line. Each word was measured under TCG on the
 * project's machines (shared/design.md). */
#include "lib/guest/kernel_cmdline.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/resource.h>

static int append(char *buf, size_t size, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int append(char *buf, size_t size, size_t *used, const char *fmt, ...)
{
	if (*used >= size)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf + *used, size - *used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - *used)
		return -1;
	*used += (size_t)n;
	return 0;
}

int kernel_cmdline_build(const struct kernel_cmdline_config *c, char *buf, size_t size)
{
	size_t used = 0;
	int r = 0;
	if (c->verbose)
		r |= append(buf, size, &used, "console=%s loglevel=7 krunsh.trace=1", c->console);
	else
		r |= append(buf, size, &used, "quiet loglevel=1");
	/* A panic reboots, and the reboot ends the VM (see reboot): a dead
	 * guest is noticed at once instead of by a watchdog. */
	r |= append(buf, size, &used,
		    " panic=%d reboot=%s cryptomgr.notests random.trust_cpu=on no_timer_check",
		    c->panic_delay > 0 ? c->panic_delay : -1, c->reboot);
	if (c->serial_port)
		r |= append(buf, size, &used, " 8250.nr_uarts=1");
	/* Under TCG, tell the guest the TSC frequency it would otherwise
	 * calibrate (and on microvm sometimes hang calibrating). And trust
	 * it: it is the host's TSC, while the jiffies the clocksource
	 * watchdog checks it against fall behind whenever the host is busy,
	 * so under load the watchdog declared the TSC unstable (2 boots in
	 * 4 at a load of 12) and the guest fell back to the jiffies clock,
	 * its timers then 10 ms coarse. A reliable TSC also lets the idle
	 * guest go tickless (else it ticks at HZ from the PIT: two idle warm
	 * VMs' QEMUs took 6.4% of a core, 2.8% with it). */
	if (c->tsc_khz && !c->use_kvm)
		r |= append(buf, size, &used, " tsc_early_khz=%lu tsc=reliable", c->tsc_khz);
	/* Calibrating the local APIC timer costs 0.24 s of boot under TCG.
	 * Our minimal kernel is told its frequency instead: QEMU's emulated
	 * APIC timer runs at a fixed 1 GHz (kernel/patches/0005), and the
	 * kernel then sets up no PIT. An older build of it ticks from the
	 * PIT instead (noapictimer), whose 16-bit counter wakes an idle guest
	 * every 27.5 ms: two idle warm VMs took 3.1% of a host core that
	 * way, 0.06% with the APIC timer. The Debian kernel hangs without the
	 * APIC timer on microvm, so only kernels that say so. */
	if (c->lapic_bus_khz && !c->use_kvm)
		r |= append(buf, size, &used, " lapic_bus_khz=1000000");
	else if (c->no_apic_timer && !c->use_kvm)
		r |= append(buf, size, &used, " noapictimer");
	/* QEMU 7.2's TCG finds a translated block by the guest's virtual
	 * address as well as its physical one (x86 has no position-
	 * independent blocks there), so code mapped at a new random address
	 * is translated again. With the guest's ASLR every exec of a dynamic
	 * program, however often run, re-translated ld.so, libc and the
	 * program: `sh -c true` took 110 ms, 20 ms with fixed addresses.
	 * Under TCG the guest maps at fixed addresses; its root can turn
	 * ASLR back on (sysctl kernel.randomize_va_space=2). Under KVM
	 * nothing is translated and ASLR stays. */
	if (!c->use_kvm)
		r |= append(buf, size, &used, " norandmaps");
	/* The guest adapts its overlay when the file server runs in an
	 * unprivileged user namespace (see guest_setup.c). */
	if (c->unprivileged)
		r |= append(buf, size, &used, " krunsh.userns=1");
	/* The agent drops the guest's unused inodes before the file servers
	 * run out of open files (agent/inode_budget.c). */
	if (c->file_server_fds)
		r |= append(buf, size, &used, " krunsh.fds=%lu", c->file_server_fds);
	if (c->extra_append && c->extra_append[0])
		r |= append(buf, size, &used, " %s", c->extra_append);
	return r ? -1 : 0;
}

unsigned long file_server_fd_limit(void)
{
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
		return 0;
	const rlim_t most = 1000000; /* virtiofsd's own default */
	return (unsigned long)(limit.rlim_max < most ? limit.rlim_max : most);
}
