/* What the command line asks for, as the library's public specs
 * (include/krunsh/krunsh.h): where the library finds its parts, the VM and
 * the execution. main.c runs them through the public API only.
 * They point into the parsed options (cli/options.h), which hold the
 * resources in the public forms already. */
#ifndef KRUNSH_CLI_RUN_SPEC_H
#define KRUNSH_CLI_RUN_SPEC_H

#include "cli/options.h"
#include "krunsh/krunsh.h"

struct run_spec {
	struct krunsh_host host;
	struct krunsh_vm_spec vm;
	struct krunsh_proc_spec proc;
	/* what the specs point into, beyond the options */
	char *script; /* FILE's contents, or -c's */
	char owner[32], user[32];
	char workdir[4096];
};

/* From the options (after cli_parse and what main adds: guest_env_build,
 * runner_outputs_add_volumes) and the host's configuration; the script:
 * text (with its length: a NUL byte in it is refused here, as the line
 * with it would be), or NULL for stdin, fed while the commands run. */
void run_spec_build(const struct options *opts, const struct krunsh_host *host, char *script,
		    size_t script_length, struct run_spec *out);
/* The library's checks of the VM the options ask for, as krunsh_vm_create
 * will make them (cli_parse runs them, so that a bad flag is refused before
 * anything starts): 0, or -1 with err, whose message names the flag. */
int run_spec_check_vm(const struct options *opts, struct error *err);
/* The directory the commands start in (an absolute guest path). */
const char *run_spec_workdir(const struct run_spec *spec);
void run_spec_free(struct run_spec *spec);

#endif
