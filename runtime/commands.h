/* krunsh-oci's commands, as podman, conmon and containerd's runc shim call
 * an OCI runtime. Each returns the command's exit status (0, or 1 with
 * the message in err). */
#ifndef KRUNSH_RUNTIME_COMMANDS_H
#define KRUNSH_RUNTIME_COMMANDS_H

#include "util/error.h"

struct runtime_globals {
	const char *root;   /* state directory (--root) */
	const char *krunsh; /* the krunsh binary the containers' inits exec */
};

struct create_args {
	const char *id, *bundle, *pid_file, *console_socket;
};

int runtime_create(const struct runtime_globals *g, const struct create_args *a, struct error *err);
int runtime_start(const struct runtime_globals *g, const char *id, struct error *err);
int runtime_state(const struct runtime_globals *g, const char *id, struct error *err);
int runtime_kill(const struct runtime_globals *g, const char *id, const char *signal_name, int all,
		 struct error *err);
int runtime_delete(const struct runtime_globals *g, const char *id, int force, struct error *err);
int runtime_features(void);

#endif
