/* The public specs' resources as an embedder gives them: a read-only
 * volume, a disk, a tmpfs, a hidden host file, a user, a limit and a shell;
 * and a wrong spec refused by krunsh_vm_spec_check with its label.
 * Usage: spec_fields ENGINE AGENT DIR (DIR: a scratch directory of the
 * test's, holding vol/file, disk.img and secret). Prints what the guest saw. */
#include <krunsh/krunsh.h>

#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

static int run(krunsh_vm *vm, const struct krunsh_proc_spec *proc, const char *what)
{
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 1};
	struct krunsh_exec_result result;
	struct krunsh_error err;
	printf("%s: ", what);
	fflush(stdout);
	if (krunsh_vm_exec(vm, proc, &io, &result, &err) < 0) {
		printf("not run: %s\n", err.message);
		return -1;
	}
	if (result.end != KRUNSH_EXEC_EXITED || result.status != 0)
		printf("ended %d, status %d: %s\n", result.end, result.status, result.message);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	char vol[4096], disk[4096], secret[4096], script[8192];
	snprintf(vol, sizeof(vol), "%s/vol", argv[3]);
	snprintf(disk, sizeof(disk), "%s/disk.img", argv[3]);
	snprintf(secret, sizeof(secret), "%s/secret", argv[3]);

	struct krunsh_error err;
	const struct krunsh_volume missing = {"/nonexistent/krunsh", "/mnt/x", 0, "--volume X"};
	struct krunsh_vm_spec bad = {.volumes = &missing, .volume_count = 1};
	if (krunsh_vm_spec_check(&bad, &err) == 0 || err.code != KRUNSH_E_INVALID)
		return printf("a missing volume passed the check\n"), 1;
	printf("refused: %s\n", err.message);

	struct krunsh_host host = {.agent = argv[2]};
	const struct krunsh_volume volume = {vol, "/data", 1, NULL};
	const struct krunsh_disk disks[] = {{disk, 1, NULL}};
	const struct krunsh_tmpfs tmpfs = {"/scratch", MS_NOEXEC | MS_NOSUID, "size=1m", NULL};
	const char *const hidden[] = {secret};
	struct krunsh_vm_spec spec = {.engine = argv[1],
				      .cancel_fd = -1,
				      .host = &host,
				      .volumes = &volume,
				      .volume_count = 1,
				      .disks = disks,
				      .disk_count = 1,
				      .tmpfs = &tmpfs,
				      .tmpfs_count = 1,
				      .hidden = hidden,
				      .hidden_count = 1};
	if (krunsh_vm_spec_check(&spec, &err) < 0)
		return printf("the good spec failed the check: %s\n", err.message), 1;
	/* In two steps: the engine is known before the boot. */
	krunsh_vm *vm;
	struct krunsh_vm_info info;
	if (krunsh_vm_create(&spec, &vm, &err) < 0) {
		fprintf(stderr, "spec_fields: %s\n", err.message);
		return 1;
	}
	krunsh_vm_info(vm, &info);
	printf("created: %s, booted in %s\n", info.engine, info.boot_seconds > 0 ? "?" : "0 s");
	struct krunsh_exec_result result;
	if (krunsh_vm_boot(vm, &result, &err) < 0) {
		fprintf(stderr, "spec_fields: %s\n", err.message);
		return 1;
	}
	krunsh_vm_info(vm, &info);
	printf("booted: %s kernel %s, in %s\n", info.accelerator[0] ? "with an accelerator" : "?",
	       info.kernel_release[0] ? "known" : "unknown",
	       info.boot_seconds > 0 ? "> 0 s" : "0 s");
	snprintf(script, sizeof(script),
		 "cat /data/file; touch /data/new 2>/dev/null && echo volume writable;"
		 "echo disk $(cat /sys/block/vda/size) $(cat /sys/block/vda/ro);"
		 "grep ' /scratch ' /proc/mounts | grep -o 'tmpfs rw,nosuid,[a-z,]*noexec' ;"
		 "echo \"secret [$(cat '%s' 2>/dev/null)]\"",
		 secret);
	run(vm, &(struct krunsh_proc_spec){.script = script}, "resources");
	const struct krunsh_rlimit nofile = {RLIMIT_NOFILE, 77, 88};
	run(vm,
	    &(struct krunsh_proc_spec){.script =
					   "echo $(id -u):$(id -g) $(ulimit -Sn) $(ulimit -Hn)",
				       .user = "1234:2345",
				       .rlimits = &nofile,
				       .rlimit_count = 1},
	    "user and limit");
	run(vm,
	    &(struct krunsh_proc_spec){.script = "echo ${BASH_VERSION:+bash}",
				       .shell = "/bin/bash"},
	    "shell");
	const char *const base[] = {"FOO=base", "BAR=base", NULL}, *const mine[] = {"BAR=mine",
										    NULL};
	run(vm,
	    &(struct krunsh_proc_spec){.script = "echo $FOO $BAR", .base_env = base, .env = mine},
	    "environment");
	run(vm, &(struct krunsh_proc_spec){.script = "mkdir -p /root/proj"}, "mkdir");
	struct krunsh_io io = {.stdin_fd = -1, .stdout_fd = 1, .stderr_fd = 1};
	const struct krunsh_proc_spec writes = {
	    .script = "touch a; echo b > b", .workdir = "/root/proj", .count_discarded = 1};
	if (krunsh_vm_exec(vm, &writes, &io, &result, &err) == 0)
		printf("discarded: %u%s, first in %s\n", result.discarded_count,
		       result.discarded_at_least ? " or more" : "",
		       strncmp(result.discarded_first, "/root/proj/", 11) == 0 ? "/root/proj"
									       : "?");
	if (krunsh_vm_exec(vm, &(struct krunsh_proc_spec){.script = "true", .user = "no-such-user"},
			   &io, &result, &err) == 0)
		printf("an unknown user ran\n");
	else
		printf("unknown user: %s\n", err.code == KRUNSH_E_INVALID ? "invalid" : "other");
	krunsh_vm_stop(vm);

	/* A boot that cannot finish in time says how it ended. */
	struct krunsh_vm_spec hurried = {
	    .engine = argv[1], .cancel_fd = -1, .host = &host, .timeout = 0.01};
	if (krunsh_vm_create(&hurried, &vm, &err) < 0)
		return printf("create failed: %s\n", err.message), 1;
	int booted = krunsh_vm_boot(vm, &result, &err);
	printf("hurried boot: %s, %s, %s\n", booted == 0 ? "up" : "failed",
	       err.code == KRUNSH_E_START ? "start error" : "other error",
	       result.end == KRUNSH_EXEC_TIMEOUT ? "timed out" : "other end");
	krunsh_vm_stop(vm);
	return 0;
}
