#include "lib/spec/host_config.h"

#include <stddef.h>

static const struct host_config defaults;
static const struct host_config *current = &defaults;

const struct host_config *host_config(void)
{
	return current;
}

void host_config_set(const struct host_config *config)
{
	current = config ? config : &defaults;
}
