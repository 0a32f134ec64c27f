/* Which of the host's environment variables exec mode passes on. */
#ifndef KRUNSH_HOST_ENV_H
#define KRUNSH_HOST_ENV_H

/* Whether ENTRY ("NAME=VALUE") only means something on the host, so that
 * exec mode leaves it out of the guest's environment. */
int host_env_is_host_only(const char *entry);

#endif
