/* passt as the guest's network. Its options were chosen so that the guest
 * gets no more than QEMU's user networking gives, and less where that was
 * a hole: no guest port is reachable from the host unless published, and
 * the gateway is not the host's loopback. */
#include "lib/net/passt.h"
#include "lib/net/net_relay.h"
#include "lib/spec/host_config.h"
#include "lib/engine/engine.h"
#include "lib/guest/paths.h"
#include "lib/vm/spawn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int passt_host_has_default_route(void)
{
	FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return 0;
	char line[512], name[64];
	unsigned long destination, mask;
	int found = 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "%63s %lx %*x %*x %*d %*d %*d %lx", name, &destination,
			       &mask) == 3 &&
			destination == 0 && mask == 0;
	fclose(f);
	return found;
}

int passt_locate(char *out, size_t size)
{
	const char *env = host_config()->passt;
	return program_locate(env && env[0] ? env : "passt", out, size);
}

int passt_argv_build(const struct passt_config *c, int fd, struct argv_list *a)
{
	memset(a, 0, sizeof(*a));
	int r = 0;
	r |= argv_list_add(a, "%s", c->passt_path);
	/* In the foreground: it stays our child, so it can be killed and
	 * reaped with the VM. */
	r |= argv_list_add(a, "-f");
	if (!c->verbose)
		r |= argv_list_add(a, "-q");
	/* Its messages to stderr (our VMM log), not to the system log. */
	r |= argv_list_add(a, "-e");
	r |= argv_list_add(a, "-F");
	r |= argv_list_add(a, "%d", fd);
	/* The guest config is fixed (the agent sets it without DHCP) and
	 * IPv4 only, as with QEMU. */
	r |= argv_list_add(a, "-4");
	r |= argv_list_add(a, "-a");
	r |= argv_list_add(a, "10.0.2.15");
	r |= argv_list_add(a, "-n");
	r |= argv_list_add(a, "24");
	r |= argv_list_add(a, "-g");
	r |= argv_list_add(a, "10.0.2.2");
	/* Without this, passt makes the gateway address the host's loopback:
	 * the guest could reach every service that listens only on the
	 * host's 127.0.0.1. */
	r |= argv_list_add(a, "--no-map-gw");
	r |= argv_list_add(a, "--dns-forward");
	r |= argv_list_add(a, "10.0.2.3");
	/* Published ports only, bound on the host's loopback as QEMU's
	 * hostfwd; nothing for UDP. */
	for (size_t i = 0; i < c->port_count; i++) {
		r |= argv_list_add(a, "-t");
		r |= argv_list_add(a, "127.0.0.1/%u:%u", c->ports[i].host_port,
				   c->ports[i].guest_port);
	}
	if (!c->port_count) {
		r |= argv_list_add(a, "-t");
		r |= argv_list_add(a, "none");
	}
	r |= argv_list_add(a, "-u");
	r |= argv_list_add(a, "none");
	return r ? -1 : 0;
}

pid_t passt_start(const struct passt_config *c, int *guest_fd, struct error *err)
{
	/* A stream socket: libkrun's unixstream backend frames each packet
	 * with a length, as passt's qemu mode does. */
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		error_set(err, errno, "socketpair for passt");
		return -1;
	}
	struct argv_list argv;
	if (passt_argv_build(c, pair[1], &argv) < 0) {
		close(pair[0]);
		close(pair[1]);
		error_set(err, 0, "passt command line too long");
		return -1;
	}
	if (c->verbose) {
		char line[4096];
		argv_list_join(&argv, line, sizeof(line));
		log_verbose_message("starting %s", line);
	}
	struct spawn_options so = {.keep_fds = &pair[1],
				   .keep_fd_count = 1,
				   .stdout_fd = c->log_fd,
				   .stderr_fd = c->log_fd};
	pid_t pid = spawn_process(argv.argv, &so, err);
	/* passt's end lives in passt only: once the VMM's end closes too,
	 * passt sees the end of its stream and exits, even where it dropped
	 * to another user (which clears its parent-death signal). */
	close(pair[1]);
	if (pid < 0) {
		close(pair[0]);
		return -1;
	}
	*guest_fd = pair[0];
	return pid;
}

int passt_probe(char *path, size_t size, struct error *err)
{
	if (passt_locate(path, size) < 0) {
		error_set(err, 0,
			  "--net needs passt, which is not installed (install the passt package, "
			  "or set KRUNSH_PASST)");
		return -1;
	}
	if (!passt_host_has_default_route()) {
		error_set(err, 0,
			  "--net needs a host interface with an IPv4 default route, which passt "
			  "sends the guest's traffic through; this host has none");
		return -1;
	}
	return 0;
}

int passt_start_for_vm(const struct vm_spec *opts, const char *passt_path, int forward_ports,
		       struct engine_vm *vm, int *fd, struct error *err)
{
	*fd = -1;
	if (!opts->network)
		return 0;
	struct passt_config config = {
	    .passt_path = passt_path,
	    .ports = opts->resources.ports,
	    .port_count = forward_ports ? opts->resources.port_count : 0,
	    .log_fd = opts->verbose ? 2 : vm->log_fd,
	    .verbose = opts->verbose,
	};
	int passt_fd;
	pid_t pid = passt_start(&config, &passt_fd, err);
	if (pid < 0)
		return -1;
	if (engine_vm_add_helper(vm, pid, err) < 0) {
		close(passt_fd);
		return -1;
	}
	/* passt has no switch that keeps the guest off the host's own
	 * addresses; krunsh's filter between the VMM and passt does it. */
	pid_t relay = net_relay_start(passt_fd, config.log_fd, opts->verbose, fd, err);
	close(passt_fd);
	if (relay < 0)
		return -1;
	if (engine_vm_add_helper(vm, relay, err) < 0) {
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}
