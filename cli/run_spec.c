#include "cli/run_spec.h"
#include "util/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int resources_from(const struct resources *r, struct run_spec *out)
{
	out->volumes = calloc(r->volume_count + 1, sizeof(*out->volumes));
	out->disks = calloc(r->disk_count + 1, sizeof(*out->disks));
	out->tmpfs = calloc(r->tmpfs_count + 1, sizeof(*out->tmpfs));
	out->ports = calloc(r->port_count + 1, sizeof(*out->ports));
	if (!out->volumes || !out->disks || !out->tmpfs || !out->ports)
		return -1;
	for (size_t i = 0; i < r->volume_count; i++)
		out->volumes[i] = (struct krunsh_volume){.host_path = r->volumes[i].host,
							 .guest_path = r->volumes[i].guest,
							 .read_only = r->volumes[i].read_only};
	for (size_t i = 0; i < r->disk_count; i++)
		out->disks[i] = (struct krunsh_disk){.path = r->disks[i].path,
						     .read_only = r->disks[i].read_only};
	for (size_t i = 0; i < r->tmpfs_count; i++)
		out->tmpfs[i] = (struct krunsh_tmpfs){.guest_path = r->tmpfs[i].guest,
						      .flags = r->tmpfs[i].flags,
						      .data = r->tmpfs[i].data};
	for (size_t i = 0; i < r->port_count; i++)
		out->ports[i] = (struct krunsh_port){.host_port = r->ports[i].host_port,
						     .guest_port = r->ports[i].guest_port};
	out->vm.volumes = out->volumes;
	out->vm.volume_count = r->volume_count;
	out->vm.disks = out->disks;
	out->vm.disk_count = r->disk_count;
	out->vm.tmpfs = out->tmpfs;
	out->vm.tmpfs_count = r->tmpfs_count;
	out->vm.ports = out->ports;
	out->vm.port_count = r->port_count;
	return 0;
}

static void vm_from(const struct vm_spec *v, struct run_spec *out)
{
	struct krunsh_vm_spec *s = &out->vm;
	s->engine = v->engine;
	s->cpus = v->cpus;
	s->mem_mib = v->mem_mib;
	s->kernel = v->kernel;
	s->root = v->root_dir;
	s->root_read_only = v->root_read_only;
	s->network = v->network;
	s->hostname = v->hostname;
	s->hidden = v->masks;
	s->hidden_count = v->mask_count;
	s->shown = v->exposed;
	s->shown_count = v->exposed_count;
	s->allow_writable_root = v->allow_writable_root;
	s->verbose = v->verbose;
	if (v->libkrun_path)
		out->host.libkrun = v->libkrun_path;
	if (v->owner_set) {
		text_format(out->owner, sizeof(out->owner), "%u:%u", v->owner_uid, v->owner_gid);
		s->volume_owner = out->owner;
	}
}

/* The shell's input: -c's string and FILE are here; stdin is fed. */
static void input_from(const struct options *opts, char *script, size_t length,
		       struct run_spec *out)
{
	struct krunsh_proc_spec *p = &out->proc;
	if (opts->proc.mode == INPUT_EXEC) {
		free(script);
		p->argv = (const char *const *)opts->proc.exec_argv;
		return;
	}
	p->lines = opts->proc.mode == INPUT_LINES && !opts->command;
	p->keep_going = p->lines && opts->keep_going;
	p->line_results = p->lines && opts->proc.line_events;
	out->script = script;
	if (script) {
		p->script = script;
		p->script_length = length;
	} else {
		p->script_fed = 1;
	}
}

static int proc_from(const struct options *opts, struct run_spec *out)
{
	const struct proc_spec *v = &opts->proc;
	struct krunsh_proc_spec *p = &out->proc;
	out->env = calloc(v->env_count + 1, sizeof(*out->env));
	if (!out->env)
		return -1;
	for (size_t i = 0; i < v->env_count; i++)
		out->env[i] = v->env[i];
	p->env = out->env;
	p->env_exact = v->env_exact;
	p->base_env = (const char *const *)v->host_env;
	p->rlimits = opts->rlimits.items;
	p->rlimit_count = opts->rlimits.count;
	p->shell = v->shell;
	/* -u was looked up when the flags were read, to refuse an unknown
	 * user before anything boots. */
	if (v->user.set) {
		text_format(out->user, sizeof(out->user), "%u:%u", v->user.uid, v->user.gid);
		p->user = out->user;
		p->user_exact = 1;
		p->groups = v->user.groups;
		p->group_count = v->user.group_count;
		p->home = v->user.home[0] ? v->user.home : NULL;
	}
	/* Without -w: the caller's directory, or / under a root of its own. */
	const char *wd = v->workdir				      ? v->workdir
			 : opts->vm.root_dir			      ? "/"
			 : getcwd(out->workdir, sizeof(out->workdir)) ? out->workdir
								      : "/";
	if (wd != out->workdir)
		text_format(out->workdir, sizeof(out->workdir), "%s", wd);
	p->workdir = out->workdir;
	p->count_discarded = v->discarded_files;
	p->terminal = v->tty;
	p->rows = v->tty_rows;
	p->columns = v->tty_columns;
	return 0;
}

int run_spec_build(const struct options *opts, const struct krunsh_host *host, char *script,
		   size_t script_length, struct run_spec *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	out->host = *host;
	out->vm.host = &out->host;
	out->vm.cancel_fd = -1;
	vm_from(&opts->vm, out);
	input_from(opts, script, script_length, out);
	if (resources_from(&opts->vm.resources, out) < 0 || proc_from(opts, out) < 0) {
		error_set(err, ENOMEM, "preparing the run");
		run_spec_free(out);
		return -1;
	}
	return 0;
}

const char *run_spec_workdir(const struct run_spec *spec)
{
	return spec->workdir;
}

void run_spec_free(struct run_spec *spec)
{
	free(spec->volumes);
	free(spec->disks);
	free(spec->tmpfs);
	free(spec->ports);
	free(spec->env);
	free(spec->script);
	memset(spec, 0, sizeof(*spec));
}
