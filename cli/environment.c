#include "cli/environment.h"

#include <stdlib.h>

static const char *set(const char *name)
{
	const char *value = getenv(name);
	return value && value[0] ? value : NULL;
}

const struct krunsh_host *environment_host(void)
{
	static struct krunsh_host host;
	host = (struct krunsh_host){
	    .agent = set("KRUNSH_AGENT"),
	    .kernel = set("KRUNSH_KERNEL"),
	    .qemu = set("KRUNSH_QEMU"),
	    .qemu_cpu = set("KRUNSH_QEMU_CPU"),
	    .virtiofsd = set("KRUNSH_VIRTIOFSD"),
	    .passt = set("KRUNSH_PASST"),
	    .libkrun = set("KRUNSH_LIBKRUN"),
	    .kernel_append = set("KRUNSH_KERNEL_APPEND"),
	    .kvm_device = set("KRUNSH_KVM_DEVICE"),
	    .disable_kvm = getenv("KRUNSH_DISABLE_KVM") != NULL,
	    .tmpdir = set("TMPDIR"),
	    .home = set("HOME"),
	    .cache_home = set("XDG_CACHE_HOME"),
	    .path = set("PATH"),
	    /* krunsh's own tests (the boot watchdog's): never set otherwise */
	    .test_freeze_first_boot = getenv("KRUNSH_TEST_FREEZE_FIRST_BOOT") != NULL,
	};
	return &host;
}

double environment_boot_timeout(void)
{
	const char *s = getenv("KRUNSH_BOOT_TIMEOUT");
	double v = s ? strtod(s, NULL) : 0;
	return v > 0 ? v : 20.0;
}
