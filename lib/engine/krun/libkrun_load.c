/* Loads libkrun with dlopen and resolves its calls into typed pointers.
 * Resolved by name, one table: a required call that is missing is an error
 * naming it; an optional one that is missing is a feature that is off. */
#include "lib/engine/krun/libkrun_api.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct symbol {
	const char *name;
	size_t offset; /* of the function pointer in struct libkrun_api */
	int required;
};

#define SYMBOL(field, required)                                                                    \
	{                                                                                          \
		"krun_" #field, offsetof(struct libkrun_api, field), required                      \
	}

static const struct symbol symbols[] = {
    SYMBOL(create_ctx, 1),	   SYMBOL(set_vm_config, 1),
    SYMBOL(set_kernel, 1),	   SYMBOL(set_exec, 1),
    SYMBOL(add_vsock_port, 1),	   SYMBOL(start_enter, 1),
    SYMBOL(add_virtiofs3, 0),	   SYMBOL(add_vsock_port2, 0),
    SYMBOL(set_log_level, 0),	   SYMBOL(disable_implicit_vsock, 0),
    SYMBOL(add_vsock, 0),	   SYMBOL(add_virtiofs, 0),
    SYMBOL(add_virtiofs2, 0),	   SYMBOL(add_disk, 0),
    SYMBOL(add_net_unixstream, 0), SYMBOL(add_serial_console_default, 0),
};

static int resolve(struct libkrun_api *api, struct error *err)
{
	for (size_t i = 0; i < sizeof(symbols) / sizeof(symbols[0]); i++) {
		void *address = dlsym(api->handle, symbols[i].name);
		if (!address && symbols[i].required) {
			error_set(err, 0,
				  "%s has no %s: not a libkrun krunsh can drive (libkrun 1.x "
				  "with external kernels is needed)",
				  api->path, symbols[i].name);
			return -1;
		}
		/* POSIX guarantees a data pointer from dlsym converts to the
		 * function pointer it names; memcpy says so without a cast
		 * the compiler would flag. */
		memcpy((char *)api + symbols[i].offset, &address, sizeof(address));
	}
	api->is_contract_double = dlsym(api->handle, LIBKRUN_CONTRACT_DOUBLE_MARKER) != NULL;
	return 0;
}

int libkrun_load(const char *path, struct libkrun_api *api, struct error *err)
{
	if (api->handle && strcmp(api->path, path) == 0)
		return 0;
	memset(api, 0, sizeof(*api));
	snprintf(api->path, sizeof(api->path), "%s", path);
	/* RTLD_NOW: a library with unresolvable dependencies fails here, in
	 * the probe, not in the VM child. RTLD_LOCAL: its symbols stay out of
	 * krunsh's namespace. */
	api->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!api->handle) {
		const char *why = dlerror();
		/* dlerror() starts with the path we already name. */
		size_t n = strlen(path);
		if (why && strncmp(why, path, n) == 0 && strncmp(why + n, ": ", 2) == 0)
			why += n + 2;
		error_set(err, 0,
			  "cannot load libkrun %s: %s (install libkrun, or give --libkrun "
			  "PATH or KRUNSH_LIBKRUN)",
			  path, why ? why : "unknown dlopen error");
		return -1;
	}
	if (resolve(api, err) < 0) {
		dlclose(api->handle);
		api->handle = NULL;
		return -1;
	}
	return 0;
}
