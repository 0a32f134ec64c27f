/* The host names krunsh gives a guest (--hostname, an OCI bundle's
 * hostname): what sethostname and every resolver accept. */
#include "cli/options.h"

#include <string.h>

int cli_hostname_valid(const char *name)
{
	size_t n = strlen(name);
	return n > 0 && n <= 64 && name[0] != '-' && name[0] != '.' &&
	       strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") ==
		   n;
}
