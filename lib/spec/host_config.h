/* What the library takes from the host beyond the specs: where its parts
 * are and where its files go. The library reads no environment: the
 * command fills this from KRUNSH_* and the usual variables
 * (cli/environment.c); a program using the library gives what it wants
 * and the rest stays NULL, which means the built-in default. */
#ifndef KRUNSH_HOST_CONFIG_H
#define KRUNSH_HOST_CONFIG_H

struct host_config {
	const char *agent;	   /* the guest agent; NULL: beside krunsh, then installed */
	const char *kernel;	   /* guest kernel (file or directory) unless the spec names one */
	const char *qemu;	   /* qemu-system-x86_64 */
	const char *qemu_cpu;	   /* -cpu model instead of the measured default */
	const char *virtiofsd;	   /* virtiofsd */
	const char *passt;	   /* passt */
	const char *libkrun;	   /* libkrun.so.1 unless the spec names one */
	const char *kernel_append; /* words added to the guest kernel's command line */
	const char *kvm_device;	   /* /dev/kvm */
	int disable_kvm;	   /* never use KVM */
	const char *tmpdir;	   /* run directories; NULL: /tmp */
	const char *home;	   /* the user's home (cache, hidden secrets) */
	const char *cache_home;	   /* XDG_CACHE_HOME */
	const char *path;	   /* where helper programs are searched */
};

/* The configuration in force; never NULL (all defaults until set). */
const struct host_config *host_config(void);
/* Copies nothing: the strings must outlive the library's use. */
void host_config_set(const struct host_config *config);

#endif
