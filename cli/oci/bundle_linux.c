/* config.json's linux section: the memory and CPU limits size the VM;
 * what a container runtime does with the host kernel (namespaces, cgroups,
 * seccomp, devices) the VM's own kernel does instead, so those fields are
 * ignored with that reason (-V says each). */
#include "cli/oci/bundle_walk.h"
#include "util/text.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OWN_KERNEL "the VM's own kernel is the boundary, not the host's"

#define MIB	    (1024LL * 1024LL)
#define MEM_MIN_MIB 128
#define MEM_MAX_MIB 262144
#define CPUS_MAX    64

/* memory.limit in bytes: the VM gets it rounded up to whole MiB, and at
 * least krunsh's smallest guest. */
static int memory_limit(struct bundle_walk *w, const char *path, json_object *v)
{
	long long bytes;
	if (bundle_number(w, path, v, -1, MEM_MAX_MIB * MIB, &bytes) < 0)
		return -1;
	if (bytes < 0 || w->given->memory)
		return 0; /* -1: no limit */
	long long mib = (bytes + MIB - 1) / MIB;
	if (mib < MEM_MIN_MIB) {
		log_verbose_message(
		    "config.json: %s: %lld bytes raised to the smallest guest, %d MiB", path, bytes,
		    MEM_MIN_MIB);
		mib = MEM_MIN_MIB;
	}
	w->opts->vm.mem_mib = (unsigned)mib;
	return 0;
}

static int apply_memory(struct bundle_walk *w, const char *path, json_object *v)
{
	static const struct field_rule rules[] = {
	    {"limit", FIELD_APPLY, memory_limit, NULL},
	    {"reservation", FIELD_IGNORE, NULL, "the VM's memory is all its own"},
	    {"swap", FIELD_IGNORE, NULL, "the guest has no swap"},
	    {"kernel", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"kernelTCP", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"swappiness", FIELD_IGNORE, NULL, "the guest has no swap"},
	    {"disableOOMKiller", FIELD_IGNORE, NULL, "the guest's OOM killer acts inside the VM"},
	    {"useHierarchy", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"checkBeforeUpdate", FIELD_IGNORE, NULL, OWN_KERNEL},
	};
	return bundle_walk_object(w, path, v, rules, sizeof(rules) / sizeof(rules[0]));
}

/* "0-3,6": how many CPUs the set holds. */
static int cpu_set_count(const char *s, unsigned *out)
{
	unsigned count = 0;
	while (*s) {
		char *end;
		errno = 0;
		unsigned long a = strtoul(s, &end, 10), b = a;
		if (errno || end == s || a > 4096)
			return -1;
		if (*end == '-') {
			s = end + 1;
			b = strtoul(s, &end, 10);
			if (errno || end == s || b < a || b > 4096)
				return -1;
		}
		count += (unsigned)(b - a + 1);
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	*out = count;
	return count ? 0 : -1;
}

struct cpu_limits {
	long long quota, period;
	unsigned set_count;
};

static struct cpu_limits *cpu_of(struct bundle_walk *w)
{
	return w->section;
}

static int cpu_quota(struct bundle_walk *w, const char *path, json_object *v)
{
	return bundle_number(w, path, v, -1, 1LL << 40, &cpu_of(w)->quota);
}

static int cpu_period(struct bundle_walk *w, const char *path, json_object *v)
{
	return bundle_number(w, path, v, 1, 1LL << 40, &cpu_of(w)->period);
}

static int cpu_cpus(struct bundle_walk *w, const char *path, json_object *v)
{
	const char *s;
	if (bundle_string(w, path, v, &s) < 0)
		return -1;
	if (s[0] && cpu_set_count(s, &cpu_of(w)->set_count) < 0)
		return bundle_refuse(w, path, "%.60s is not a CPU list such as 0-3,6", s);
	return 0;
}

/* vCPUs: as many as cpu.cpus lists, else quota / period rounded up. */
static int apply_cpu(struct bundle_walk *w, const char *path, json_object *v)
{
	static const struct field_rule rules[] = {
	    {"quota", FIELD_APPLY, cpu_quota, NULL},
	    {"period", FIELD_APPLY, cpu_period, NULL},
	    {"cpus", FIELD_APPLY, cpu_cpus, NULL},
	    {"shares", FIELD_IGNORE, NULL, "the VM's vCPUs are its own"},
	    {"burst", FIELD_IGNORE, NULL, "the VM's vCPUs are its own"},
	    {"realtimeRuntime", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"realtimePeriod", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"mems", FIELD_IGNORE, NULL, "the guest has one memory node"},
	    {"idle", FIELD_IGNORE, NULL, OWN_KERNEL},
	};
	struct cpu_limits limits = {.quota = -1, .period = 100000}, *c = &limits;
	w->section = c;
	int r = bundle_walk_object(w, path, v, rules, sizeof(rules) / sizeof(rules[0]));
	w->section = NULL;
	if (r < 0)
		return -1;
	long long cpus = c->set_count	? c->set_count
			 : c->quota > 0 ? (c->quota + c->period - 1) / c->period
					: 0;
	if (cpus > CPUS_MAX) {
		log_verbose_message("config.json: %s: %lld CPUs capped at %d", path, cpus,
				    CPUS_MAX);
		cpus = CPUS_MAX;
	}
	if (cpus > 0 && !w->given->cpus)
		w->opts->vm.cpus = (unsigned)cpus;
	return 0;
}

static int apply_resources(struct bundle_walk *w, const char *path, json_object *v)
{
	static const struct field_rule rules[] = {
	    {"memory", FIELD_APPLY, apply_memory, NULL},
	    {"cpu", FIELD_APPLY, apply_cpu, NULL},
	    {"devices", FIELD_IGNORE, NULL, "the guest's devices are its own"},
	    {"pids", FIELD_IGNORE, NULL, "processes live inside the VM's memory"},
	    {"blockIO", FIELD_IGNORE, NULL, "the VM's disks are its own"},
	    {"hugepageLimits", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"network", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"rdma", FIELD_IGNORE, NULL, "the VM has no RDMA device"},
	    {"unified", FIELD_IGNORE, NULL, OWN_KERNEL},
	};
	return bundle_walk_object(w, path, v, rules, sizeof(rules) / sizeof(rules[0]));
}

int bundle_apply_linux(struct bundle_walk *w, const char *path, json_object *linux_section)
{
	static const struct field_rule rules[] = {
	    {"resources", FIELD_APPLY, apply_resources, NULL},
	    {"namespaces", FIELD_IGNORE, NULL, "the VM is a namespace of every kind"},
	    {"uidMappings", FIELD_IGNORE, NULL, "ids in the VM are the VM's"},
	    {"gidMappings", FIELD_IGNORE, NULL, "ids in the VM are the VM's"},
	    {"timeOffsets", FIELD_IGNORE, NULL, "the VM's clock is its own"},
	    {"devices", FIELD_IGNORE, NULL, "the guest's /dev is its own"},
	    {"cgroupsPath", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"seccomp", FIELD_IGNORE, NULL, OWN_KERNEL},
	    {"sysctl", FIELD_IGNORE, NULL, "the guest kernel's settings are its own"},
	    {"maskedPaths", FIELD_IGNORE, NULL, "the guest's /proc and /sys show only the VM"},
	    {"readonlyPaths", FIELD_IGNORE, NULL, "the guest's /proc and /sys show only the VM"},
	    {"rootfsPropagation", FIELD_IGNORE, NULL, "the root is a share with no peers"},
	    {"mountLabel", FIELD_IGNORE, NULL, "the guest kernel has no SELinux"},
	    {"personality", FIELD_REFUSE, NULL, "an execution domain is not supported"},
	    {"intelRdt", FIELD_REFUSE, NULL, "cache allocation is not supported"},
	    {"memoryPolicy", FIELD_IGNORE, NULL, "the guest has one memory node"},
	    {"netDevices", FIELD_REFUSE, NULL, "host network devices are not moved into a VM"},
	};
	return bundle_walk_object(w, path, linux_section, rules, sizeof(rules) / sizeof(rules[0]));
}
