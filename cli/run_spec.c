#include "cli/run_spec.h"
#include "cli/api_error.h"
#include "util/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void vm_from(const struct options *opts, struct run_spec *out)
{
	const struct vm_flags *v = &opts->vm;
	const struct resource_list *r = &v->resources;
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
	s->volumes = r->volumes;
	s->volume_count = r->volume_count;
	s->disks = r->disks;
	s->disk_count = r->disk_count;
	s->tmpfs = r->tmpfs;
	s->tmpfs_count = r->tmpfs_count;
	s->ports = r->ports;
	s->port_count = r->port_count;
	s->cancel_fd = -1;
	if (v->libkrun_path)
		out->host.libkrun = v->libkrun_path;
	/* rw volumes' new files belong to the user the commands run as. */
	if (opts->proc.user_set) {
		text_format(out->owner, sizeof(out->owner), "%u:%u", opts->proc.user.uid,
			    opts->proc.user.gid);
		s->volume_owner = out->owner;
	}
}

int run_spec_check_vm(const struct options *opts, struct error *err)
{
	struct run_spec spec;
	memset(&spec, 0, sizeof(spec));
	vm_from(opts, &spec);
	struct krunsh_error failed;
	if (krunsh_vm_spec_check(&spec.vm, &failed) < 0) {
		error_from_api(err, &failed);
		return -1;
	}
	return 0;
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

static void proc_from(const struct options *opts, struct run_spec *out)
{
	const struct proc_flags *v = &opts->proc;
	struct krunsh_proc_spec *p = &out->proc;
	/* -e's entries, NULL-terminated by the parser */
	p->env = (const char *const *)v->env;
	p->env_exact = v->env_exact;
	p->base_env = (const char *const *)v->host_env;
	p->rlimits = opts->rlimits.items;
	p->rlimit_count = opts->rlimits.count;
	p->shell = v->shell;
	/* -u was looked up when the flags were read, to refuse an unknown
	 * user before anything boots. */
	if (v->user_set) {
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
}

void run_spec_build(const struct options *opts, const struct krunsh_host *host, char *script,
		    size_t script_length, struct run_spec *out)
{
	memset(out, 0, sizeof(*out));
	out->host = *host;
	out->vm.host = &out->host;
	vm_from(opts, out);
	input_from(opts, script, script_length, out);
	proc_from(opts, out);
}

const char *run_spec_workdir(const struct run_spec *spec)
{
	return spec->workdir;
}

void run_spec_free(struct run_spec *spec)
{
	free(spec->script);
	memset(spec, 0, sizeof(*spec));
}
