/* A seccomp filter for krunsh's own helpers that face the guest (the
 * network filter): the process may make the listed system calls and no
 * other; any other call kills it. QEMU has its own (-sandbox on). */
#ifndef KRUNSH_SYSCALL_ALLOWLIST_H
#define KRUNSH_SYSCALL_ALLOWLIST_H

#include <stddef.h>

#define SYSCALL_ALLOWLIST_MAX 64

/* Needs no_new_privs (sandbox_enter's drop_capabilities sets it) or
 * CAP_SYS_ADMIN. Returns 0, or -1 with errno; -1 with ENOSYS on an
 * architecture this filter does not know. */
int sandbox_allow_only_syscalls(const int *numbers, size_t count);

#endif
