/* krunsh-agent: the program the guest runs for krunsh.
 *
 * PID 1 of krunsh's initramfs on both engines: it loads the kernel's modules
 * (if any), builds the overlay root over the host's read-only virtio-fs share
 * and talks to the host over a virtio-serial port (QEMU) or vsock (libkrun,
 * `--channel vsock:PORT`). The contract double runs it in place with a unix
 * socket and `--root none`. The job itself never travels on the kernel
 * command line. */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <unistd.h>

/* The kernel hands init every command line word it does not know, before
 * the words after "--" (libkrun adds some, such as "tsi_hijack"): so
 * options are looked for anywhere, and other words are skipped. */
static void parse_args(int argc, char **argv, struct agent_config *config)
{
	config->root_setup = ROOT_SETUP_INITRAMFS;
	config->channel = "serial";
	config->run_dir = "/run/krunsh";
	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--channel") == 0)
			config->channel = argv[++i];
		else if (strcmp(argv[i], "--run-dir") == 0)
			config->run_dir = argv[++i];
		else if (strcmp(argv[i], "--root") == 0)
			config->root_setup =
			    strcmp(argv[++i], "none") == 0 ? ROOT_SETUP_NONE : ROOT_SETUP_INITRAMFS;
	}
}

/* The last frames (output, exit status, an error) may still sit in the
 * virtio-serial or vsock queue when the agent is done: powering off or
 * exiting now would drop them when the device is torn down, as happens with
 * a slow reader on the host. So wait until the host, which has read
 * everything and stops the VM once it has the status, closes the channel.
 * Bounded, in case the host is gone. */
static void wait_for_host_close(int channel)
{
	if (channel < 0)
		return;
	unsigned char buf[4096];
	for (int waited_ms = 0; waited_ms < 60000;) {
		struct pollfd p = {.fd = channel, .events = POLLIN};
		int r = poll(&p, 1, 1000);
		if (r < 0 && errno != EINTR)
			return;
		if (r == 0) {
			waited_ms += 1000;
			continue;
		}
		if (r > 0 && read(channel, buf, sizeof(buf)) <= 0)
			return;
	}
}

/* PID 1 must never return. Reset rather than power off: with -no-reboot
 * QEMU exits at once, also on kernels without ACPI. */
static void finish(const struct agent_config *config, int channel, int status)
{
	standby_stop();
	wait_for_host_close(channel);
	if (config->root_setup == ROOT_SETUP_INITRAMFS && getpid() == 1) {
		sync();
		reboot(RB_AUTOBOOT);
		for (;;)
			pause();
	}
	exit(status);
}

/* What the job asks for beyond the root: modules, network, volumes and
 * tmpfs mounts. */
static int prepare_job(const struct job *job, const struct agent_config *config, char *error,
		       size_t error_size)
{
	/* The contract double runs on the host: its clock is the host's. */
	if (config->root_setup == ROOT_SETUP_NONE)
		return 0;
	if (job->host_clock_ns && clock_set_from_host(job->host_clock_ns, error, error_size) < 0)
		return -1;
	for (size_t i = 0; i < job->module_list_count; i++)
		if (load_module_list(job->module_lists[i], error, error_size) < 0)
			return -1;
	(void)setup_loopback();
	/* A name instead of "(none)", so prompts and logs read sensibly. */
	const char *hostname = job->hostname ? job->hostname : "krunsh";
	if (sethostname(hostname, strlen(hostname)) < 0) {
		snprintf(error, error_size, "--hostname %s: %s", hostname, strerror(errno));
		return -1;
	}
	/* Both engines' networks (QEMU's user networking, passt) give the
	 * same fixed addresses, so eth0 is configured the same way. */
	if (job->network && setup_network(error, error_size) < 0)
		return -1;
	/* tmpfs first: a volume may lie inside one, never the other way
	 * round (the host refuses overlaps), so no mount point is ever
	 * created in a share. */
	if (setup_tmpfs(job, error, error_size) < 0 || setup_volumes(job, error, error_size) < 0)
		return -1;
	/* Last: the mount points above are made on the overlay first. */
	if (job->root_read_only && mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0) {
		snprintf(error, error_size, "making the root read-only: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The executions the host sends, one after another, until it closes the
 * channel. Returns the last one's status (the contract double's exit). */
static int run_executions(int channel, const struct agent_config *config, const struct job *setup)
{
	int status = 0;
	for (;;) {
		/* The next execution's shell starts while the host has none
		 * for us: once the VM is prepared, then after each execution. */
		standby_start();
		/* What an execution left running and has ended since: at the
		 * end of one and at the start of the next (the agent sleeps in
		 * between). */
		orphans_reap(0);
		struct frame_header h;
		const unsigned char *payload;
		if (channel_next_frame(channel, &h, &payload) < 0)
			return status;
		/* Anything else is late stdin of an execution that ended. */
		if (h.type != FRAME_EXEC || h.exec == FRAME_EXEC_VM)
			continue;
		channel_set_exec(h.exec);
		char error[512] = "";
		struct job job;
		if (job_parse(payload, h.length, JOB_PART_EXEC, &job, error, sizeof(error)) < 0) {
			channel_send_error(channel, "%s", error);
			channel_set_exec(FRAME_EXEC_VM);
			status = 125;
			continue;
		}
		orphans_reap(0);
		trace("execution %u starting", h.exec);
		inode_budget_watch(1);
		status = run_job(channel, &job, config->run_dir, error, sizeof(error));
		inode_budget_watch(0);
		if (status < 0) {
			channel_send_error(channel, "%s", error);
			status = 125;
		} else {
			trace("execution %u ended with status %d", h.exec, status);
			discarded_files_report(channel, &job, setup);
			channel_send_u32(channel, FRAME_EXIT, (uint32_t)status);
		}
		job_free(&job);
		channel_set_exec(FRAME_EXEC_VM);
	}
}

/* In the VM (PID 1), the agent runs as a real-time task, and what it forks
 * as an ordinary one: a command's write to its output pipe then puts the
 * agent, which relays it, on the CPU before the command's next step. On a
 * uniprocessor guest under KVM a command that writes and at once panics
 * the kernel (or powers it off) otherwise outran the agent, and its last
 * output was lost. Not on the host (the contract double). */
static void relay_before_the_commands(void)
{
	if (getpid() != 1)
		return;
	struct sched_param param = {.sched_priority = 1};
	(void)sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &param);
}

int main(int argc, char **argv)
{
	struct agent_config config;
	parse_args(argc, argv, &config);
	/* Writing to a program that closed its stdin is an EPIPE to handle,
	 * not a reason for the agent to die. */
	signal(SIGPIPE, SIG_IGN);
	orphans_init();
	relay_before_the_commands();
	if (config.root_setup == ROOT_SETUP_INITRAMFS && setup_early_initramfs() < 0)
		finish(&config, -1, 125);
	trace_init();
	trace("modules loaded, opening channel %s", config.channel);

	int channel = channel_open(config.channel);
	if (channel < 0) {
		fprintf(stderr, "krunsh-agent: cannot open channel %s: %s\n", config.channel,
			strerror(errno));
		finish(&config, channel, 125);
	}
	if (channel_send_u32(channel, FRAME_HELLO, KRUNSH_PROTOCOL_VERSION) < 0)
		finish(&config, channel, 125);
	clock_mark_hello();

	trace("hello sent");
	char error[512] = "";
	if (setup_root(config.root_setup, error, sizeof(error)) < 0) {
		channel_send_error(channel, "guest setup: %s", error);
		finish(&config, channel, 125);
	}
	unsigned char *payload;
	size_t length;
	if (channel_receive(channel, FRAME_SETUP, &payload, &length) < 0) {
		channel_send_error(channel, "receiving the VM's setup: %s", strerror(errno));
		finish(&config, channel, 125);
	}
	trace("root ready, setup received (%zu bytes)", length);
	struct job setup;
	if (job_parse(payload, length, JOB_PART_SETUP, &setup, error, sizeof(error)) < 0) {
		channel_send_error(channel, "%s", error);
		finish(&config, channel, 125);
	}
	free(payload);
	length = 0;
	if (channel_receive(channel, FRAME_CLOCK, &payload, &length) < 0 || length != 8) {
		channel_send_error(channel, "receiving the host's clock: %s",
				   length != 8 ? "bad length" : strerror(errno));
		finish(&config, channel, 125);
	}
	setup.host_clock_ns = get_u64le(payload);
	free(payload);
	if (prepare_job(&setup, &config, error, sizeof(error)) < 0) {
		channel_send_error(channel, "%s", error);
		finish(&config, channel, 125);
	}
	inode_budget_start();
	trace("VM prepared, waiting for executions");
	int status = run_executions(channel, &config, &setup);
	job_free(&setup);
	finish(&config, channel, status);
	return status;
}
