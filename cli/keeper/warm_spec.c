#include "cli/keeper/warm_spec.h"
#include "cli/keeper/session_options.h"
#include "cli/environment.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where the VM's parts come from and where its files go: another value
 * is another VM (KRUNSH_TEST_FREEZE_FIRST_BOOT: a watchdog test wants a
 * boot of its own). Values are file names, never escaped: one a line,
 * and a name with a newline or a tab is another VM by the same rule. */
static int describe_host(char *out, size_t size)
{
	const struct krunsh_host *h = environment_host();
	const struct {
		const char *name, *value;
	} settings[] = {
	    {"KRUNSH_AGENT", h->agent},
	    {"KRUNSH_KERNEL", h->kernel},
	    {"KRUNSH_QEMU", h->qemu},
	    {"KRUNSH_QEMU_CPU", h->qemu_cpu},
	    {"KRUNSH_VIRTIOFSD", h->virtiofsd},
	    {"KRUNSH_LIBKRUN", h->libkrun},
	    {"KRUNSH_KERNEL_APPEND", h->kernel_append},
	    {"KRUNSH_KVM_DEVICE", h->kvm_device},
	    {"KRUNSH_DISABLE_KVM", h->disable_kvm ? "yes" : NULL},
	    {"KRUNSH_TEST_FREEZE_FIRST_BOOT", h->test_freeze_first_boot ? "yes" : NULL},
	    {"TMPDIR", h->tmpdir},
	    {"HOME", h->home},
	};
	size_t used = strlen(out);
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		const char *v = settings[i].value ? settings[i].value : "(unset)";
		int n = snprintf(out + used, size - used, "%s\t%s\n", settings[i].name, v);
		if (n < 0 || (size_t)n >= size - used)
			return -1;
		used += (size_t)n;
	}
	return 0;
}

int warm_spec_describe(const struct options *opts, const char *engine, char *out, size_t size)
{
	/* The keeper's idle time is not the VM's. */
	unsigned which = ~0u & ~(1u << VM_OPTION_IDLE_TIMEOUT);
	if (session_options_describe(opts, engine, which, out, size) < 0)
		return -1;
	return describe_host(out, size);
}

int warm_spec_differs(const char *warm_text, const char *run_text, char *why, size_t size)
{
	struct options_difference d;
	if (!session_options_difference(warm_text, run_text, &d))
		return 0;
	text_format(why, size, "the warm VMs have %s %s, this run asks %s %s", d.flag, d.held,
		    d.flag, d.asked);
	return 1;
}
