/* The guest's network (--net) as a user-mode helper: passt, on one end of a
 * socketpair whose other end the VMM makes a virtio-net device. The guest
 * sees QEMU user networking's fixed addresses (eth0 10.0.2.15/24, gateway
 * 10.0.2.2, resolver 10.0.2.3), so the agent configures it the same way
 * whatever the engine. */
#ifndef KRUNSH_PASST_H
#define KRUNSH_PASST_H

#include "util/argv_list.h"
#include "util/error.h"
#include "lib/spec/resources.h"

#include <stddef.h>
#include <sys/types.h>

struct passt_config {
	const char *passt_path;
	const struct port_forward *ports; /* --publish: host 127.0.0.1 only */
	size_t port_count;
	int log_fd; /* passt's messages; -1: /dev/null */
	int verbose;
};

/* passt leaves through the host's interface with the IPv4 default route,
 * and exits at start when there is none; whether this host has one. */
int passt_host_has_default_route(void);
/* KRUNSH_PASST, then passt in PATH; -1 if there is none. */
int passt_locate(char *out, size_t size);
/* passt's command line for the connected socket `fd`; -1 if it does not fit. */
int passt_argv_build(const struct passt_config *config, int fd, struct argv_list *out);
/* Starts passt on a new socketpair; *guest_fd is the VMM's end (close-on-exec,
 * to be handed to the VMM). Returns passt's pid, or -1. passt dies with
 * krunsh, and also once the VMM's end is closed. */
pid_t passt_start(const struct passt_config *config, int *guest_fd, struct error *err);

/* For --net: finds passt and checks that it can work here; a one-line
 * error naming what is missing otherwise. Both engines' probes. */
int passt_probe(char *path, size_t size, struct error *err);

struct engine_vm;
struct vm_spec;
/* With --net, starts passt for this VM (its pid becomes one of the VM's
 * helpers) and gives the VMM's end in *fd; without, *fd is -1. passt
 * forwards the published ports when forward_ports (krun), else none (qemu
 * takes them on a NIC of its own). */
int passt_start_for_vm(const struct vm_spec *opts, const char *passt_path, int forward_ports,
		       struct engine_vm *vm, int *fd, struct error *err);

#endif
