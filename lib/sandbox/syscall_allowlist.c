#include "lib/sandbox/syscall_allowlist.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>

#if defined(__x86_64__)
#define ALLOWLIST_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ALLOWLIST_ARCH AUDIT_ARCH_AARCH64
#endif

int sandbox_allow_only_syscalls(const int *numbers, size_t count)
{
#ifndef ALLOWLIST_ARCH
	(void)numbers;
	(void)count;
	errno = ENOSYS;
	return -1;
#else
	if (count > SYSCALL_ALLOWLIST_MAX) {
		errno = E2BIG;
		return -1;
	}
	/* Load the arch (another arch's numbers mean other calls: kill),
	 * then the number; one equality test per allowed call, jumping to
	 * ALLOW at the end. */
	struct sock_filter program[4 + SYSCALL_ALLOWLIST_MAX + 2];
	size_t n = 0;
	program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						    offsetof(struct seccomp_data, arch));
	program[n++] =
	    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ALLOWLIST_ARCH, 1, 0);
	program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	program[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						    offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < count; i++) {
		/* Jump over the remaining tests and the KILL to ALLOW. */
		unsigned char to_allow = (unsigned char)(count - i);
		program[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
							    (unsigned)numbers[i], to_allow, 0);
	}
	program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	program[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog fprog = {.len = (unsigned short)n, .filter = program};
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0);
#endif
}
