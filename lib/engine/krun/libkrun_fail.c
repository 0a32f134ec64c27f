/* What a failed libkrun call does in the VMM child (LIBKRUN_CALL), apart
 * from libkrun_vm.c and libkrun_devices.c, which both make calls. */
#include "lib/engine/krun/libkrun_api.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One line, which vm_run shows as the VMM's last word if no guest comes. */
void libkrun_vm_fail(const char *call, int32_t ret)
{
	dprintf(2, "krunsh: libkrun: %s failed: %s\n", call, strerror(ret < 0 ? -ret : ret));
	_exit(125);
}
