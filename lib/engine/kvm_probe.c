/* "Can open /dev/kvm" is not "can boot a VM": a PVM host (kvm_pvm) exposes
 * /dev/kvm but a stock kernel does not boot on it, and QEMU then aborts or
 * spins. These checks cost about a millisecond and start nothing. */
#include "lib/engine/engine.h"
#include "lib/spec/host_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int cpu_has_virtualization(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	if (!f)
		return 0;
	char line[4096];
	int found = 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5) != 0)
			continue;
		found = strstr(line, " vmx") || strstr(line, " svm");
		break;
	}
	fclose(f);
	return found;
}

int kvm_usable(char *reason, size_t size)
{
	const char *dev = host_config()->kvm_device;
	if (!dev)
		dev = "/dev/kvm";
	if (host_config()->disable_kvm) {
		snprintf(reason, size, "KVM disabled by KRUNSH_DISABLE_KVM");
		return 0;
	}
	if (access("/sys/module/kvm_pvm", F_OK) == 0) {
		snprintf(reason, size,
			 "%s is provided by PVM (kvm_pvm), which cannot boot a stock kernel", dev);
		return 0;
	}
	int fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(reason, size, "cannot open %s read-write: %s", dev, strerror(errno));
		return 0;
	}
	close(fd);
	if (!cpu_has_virtualization()) {
		snprintf(reason, size, "the CPU flags show neither vmx nor svm");
		return 0;
	}
	snprintf(reason, size, "%s is usable (vmx/svm present, not PVM)", dev);
	return 1;
}
