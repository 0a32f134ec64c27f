/* The seam between krunsh and the VMMs it can drive. main.c knows only this
 * interface; everything QEMU- or libkrun-specific lives behind it. */
#ifndef KRUNSH_ENGINE_H
#define KRUNSH_ENGINE_H

#include "lib/guest/paths.h"
#include "lib/spec/spec.h"
#include "util/error.h"

#include <sys/types.h>

struct engine_probe {
	int use_kvm;	      /* hardware acceleration usable */
	char accelerator[16]; /* "kvm" or "tcg", for -v and reports */
	char reason[512];     /* why this engine/accelerator, for -v */
	char kernel[4096];    /* guest kernel used, for -v and --report */
	char kernel_release[128];
	/* What the probe found, for the engine's start: no engine keeps
	 * state of its own between the two. */
	struct guest_kernel guest_kernel;
	char vmm_path[4096];   /* qemu: its binary */
	char passt_path[4096]; /* --net */
	char initramfs[4096];  /* krun: built at the probe */
};

/* Everything an engine needs to start one VM. */
struct engine_request {
	const struct vm_spec *opts;
	const struct engine_probe *probe;
	const char *run_dir;	  /* private temp dir of this attempt */
	const char *agent_socket; /* unix socket the agent's channel must reach */
	int attempt;		  /* 0, then 1 on the watchdog's retry */
};

struct engine_vm {
	pid_t main_pid; /* its exit ends the VM */
/* A file server per volume, the root's, passt and the network filter. */
#define ENGINE_MAX_HELPERS (RESOURCES_MAX_VOLUMES + 3)
	pid_t helper_pids[ENGINE_MAX_HELPERS]; /* file servers etc., killed with it */
	int helper_count;
	int log_fd; /* VMM's own stderr, for failure messages; -1 */
};

/* vm_run.c: a helper process (file server, network) that ends with the VM;
 * killed and -1 if the VM has too many. */
int engine_vm_add_helper(struct engine_vm *vm, pid_t pid, struct error *err);

struct engine {
	const char *name;
	/* Can this engine run here? Cheap: must not start a VM. Returns 0, or
	 * -1 with a message saying what is missing. */
	int (*probe)(const struct vm_spec *opts, struct engine_probe *out, struct error *err);
	int (*start)(const struct engine_request *req, struct engine_vm *vm, struct error *err);
	/* Optional, for a VM that died: a known cause in its log (with the
	 * fix) into cause, "" if none; and which log lines say nothing, so
	 * that the last line shown is one that does. */
	void (*explain_log)(const char *log, char *cause, size_t size);
	int (*log_line_is_noise)(const char *line);
};

extern const struct engine engine_qemu;
extern const struct engine engine_krun;

/* engine_select.c: the engine called name ("qemu", "krun"), or NULL. */
const struct engine *engine_named(const char *name);
/* engine_select.c: --engine NAME, or for auto the best that works here. */
const struct engine *engine_select(const struct vm_spec *opts, struct engine_probe *probe,
				   struct error *err);

/* kvm_probe.c: whether KVM can boot a normal guest here; why not if not. */
int kvm_usable(char *reason, size_t size);

#endif
