/* The guest kernel command line of both engines: how the VM ends, the
 * console, and the TCG-only words. */
#include "lib/guest/kernel_cmdline.h"
#include "unit.h"

#include <sys/resource.h>

static int test_qemu_words(void)
{
	struct kernel_cmdline_config c = {.reboot = "t",
					  .console = "ttyS0",
					  .serial_port = 1,
					  .tsc_khz = 2400000,
					  .no_apic_timer = 1,
					  .unprivileged = 1};
	char line[2048];
	EXPECT(kernel_cmdline_build(&c, line, sizeof(line)) == 0);
	EXPECT_STR(line, "quiet loglevel=1 panic=-1 reboot=t cryptomgr.notests "
			 "random.trust_cpu=on no_timer_check 8250.nr_uarts=1 tsc_early_khz=2400000 "
			 "tsc=reliable noapictimer norandmaps krunsh.userns=1");
	return 0;
}

/* The file servers' open-file limit goes to the agent (inode_budget.c),
 * and file_server_fd_limit is the hard RLIMIT_NOFILE, at most a million. */
static int test_file_server_fds(void)
{
	struct kernel_cmdline_config c = {.reboot = "t", .file_server_fds = 20000};
	char line[2048];
	EXPECT(kernel_cmdline_build(&c, line, sizeof(line)) == 0);
	EXPECT_STR(line, "quiet loglevel=1 panic=-1 reboot=t cryptomgr.notests "
			 "random.trust_cpu=on no_timer_check norandmaps krunsh.fds=20000");
	struct rlimit saved, lowered;
	EXPECT(getrlimit(RLIMIT_NOFILE, &saved) == 0);
	lowered = (struct rlimit){.rlim_cur = 1000, .rlim_max = 3000};
	if (lowered.rlim_max > saved.rlim_max)
		lowered.rlim_max = lowered.rlim_cur = saved.rlim_max;
	EXPECT(setrlimit(RLIMIT_NOFILE, &lowered) == 0);
	EXPECT(file_server_fd_limit() == lowered.rlim_max);
	return 0;
}

static int test_apic_timer_frequency_replaces_noapictimer(void)
{
	struct kernel_cmdline_config c = {.reboot = "t",
					  .console = "ttyS0",
					  .tsc_khz = 2400000,
					  .no_apic_timer = 1,
					  .lapic_bus_khz = 1};
	char line[2048];
	EXPECT(kernel_cmdline_build(&c, line, sizeof(line)) == 0);
	EXPECT_STR(line, "quiet loglevel=1 panic=-1 reboot=t cryptomgr.notests "
			 "random.trust_cpu=on no_timer_check tsc_early_khz=2400000 "
			 "tsc=reliable lapic_bus_khz=1000000 norandmaps");
	c.use_kvm = 1; /* a real APIC timer's frequency is the hardware's; ASLR costs nothing */
	EXPECT(kernel_cmdline_build(&c, line, sizeof(line)) == 0);
	EXPECT_STR(line, "quiet loglevel=1 panic=-1 reboot=t cryptomgr.notests "
			 "random.trust_cpu=on no_timer_check");
	return 0;
}

static int test_libkrun_words_under_kvm(void)
{
	struct kernel_cmdline_config c = {.reboot = "t",
					  .console = "hvc0",
					  .panic_delay = 1,
					  .verbose = 1,
					  .use_kvm = 1,
					  .tsc_khz = 2400000,
					  .no_apic_timer = 1,
					  .extra_append = "foo=1"};
	char line[2048];
	EXPECT(kernel_cmdline_build(&c, line, sizeof(line)) == 0);
	EXPECT_STR(line, "console=hvc0 loglevel=7 krunsh.trace=1 panic=1 reboot=t "
			 "cryptomgr.notests random.trust_cpu=on no_timer_check foo=1");
	return 0;
}

static int test_too_small_a_buffer_fails(void)
{
	struct kernel_cmdline_config c = {.reboot = "t", .console = "hvc0"};
	char line[32];
	EXPECT(kernel_cmdline_build(&c, line, sizeof(line)) < 0);
	return 0;
}

int main(void)
{
	RUN(test_qemu_words);
	RUN(test_file_server_fds);
	RUN(test_apic_timer_frequency_replaces_noapictimer);
	RUN(test_libkrun_words_under_kvm);
	RUN(test_too_small_a_buffer_fails);
	return unit_finish();
}
