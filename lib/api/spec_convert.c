/* The public specs (include/krunsh/krunsh.h) turned into the library's own
 * (lib/spec/spec.h), with the same checks the command line's flags get:
 * an embedder's wrong path is refused with the words a --volume gets. */
#include "lib/api/spec_convert.h"
#include "proto/protocol.h"
#include "util/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "volume 2", or the caller's label for it. */
static const char *label_of(const char *label, const char *kind, size_t i, char *buf, size_t size)
{
	if (label)
		return label;
	text_format(buf, size, "%s %zu", kind, i);
	return buf;
}

/* Keeps ptr until owned_free; NULL (and o->failed) when ptr is NULL or
 * there is no room to keep it. */
static void *keep(struct owned *o, void *ptr)
{
	void **grown = ptr ? realloc(o->items, (o->count + 1) * sizeof(*o->items)) : NULL;
	if (!grown) {
		free(ptr);
		o->failed = 1;
		return NULL;
	}
	o->items = grown;
	o->items[o->count++] = ptr;
	return ptr;
}

static char *copy(struct owned *o, const char *s)
{
	return s ? keep(o, strdup(s)) : NULL;
}

static const char **copy_list(struct owned *o, const char *const *list, size_t count)
{
	const char **out = count ? keep(o, calloc(count, sizeof(*out))) : NULL;
	for (size_t i = 0; out && i < count; i++)
		out[i] = copy(o, list[i]);
	return out;
}

void owned_free(struct owned *o)
{
	for (size_t i = 0; i < o->count; i++)
		free(o->items[i]);
	free(o->items);
	memset(o, 0, sizeof(*o));
}

static int add_resources(const struct krunsh_vm_spec *spec, struct resources *res,
			 struct error *err)
{
	char what[64];
	for (size_t i = 0; i < spec->volume_count; i++) {
		const struct krunsh_volume *v = &spec->volumes[i];
		const char *name = label_of(v->label, "volume", i, what, sizeof(what));
		if (!v->host_path || !v->guest_path) {
			error_set(err, 0, "%s: host_path and guest_path are required", name);
			return -1;
		}
		if (resources_add_volume_paths(res, v->host_path, v->guest_path, v->read_only, name,
					       err) < 0)
			return -1;
	}
	for (size_t i = 0; i < spec->disk_count; i++) {
		const struct krunsh_disk *d = &spec->disks[i];
		const char *name = label_of(d->label, "disk", i, what, sizeof(what));
		if (!d->path) {
			error_set(err, 0, "%s: path is required", name);
			return -1;
		}
		if (resources_add_disk_path(res, d->path, d->read_only, name, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < spec->tmpfs_count; i++) {
		const struct krunsh_tmpfs *t = &spec->tmpfs[i];
		const char *name = label_of(t->label, "tmpfs", i, what, sizeof(what));
		if (!t->guest_path) {
			error_set(err, 0, "%s: guest_path is required", name);
			return -1;
		}
		if (resources_add_tmpfs_path(res, t->guest_path, t->flags, t->data ? t->data : "",
					     name, err) < 0)
			return -1;
	}
	if (spec->port_count && !spec->network) {
		error_set(err, 0, "ports need the network");
		return -1;
	}
	for (size_t i = 0; i < spec->port_count; i++) {
		const struct krunsh_port *p = &spec->ports[i];
		if (resources_add_port_numbers(res, p->host_port, p->guest_port,
					       label_of(p->label, "port", i, what, sizeof(what)),
					       err) < 0)
			return -1;
	}
	return 0;
}

int spec_convert_vm(const struct krunsh_vm_spec *spec, struct vm_spec *opts, struct owned *owned,
		    struct error *err)
{
	memset(opts, 0, sizeof(*opts));
	const char *engine = spec->engine ? spec->engine : "auto";
	if (strcmp(engine, "auto") != 0 && strcmp(engine, "qemu") != 0 &&
	    strcmp(engine, "krun") != 0) {
		error_set(err, 0, "engine %s: expected auto, qemu or krun", engine);
		return -1;
	}
	opts->cpus = spec->cpus ? spec->cpus : 1;
	opts->mem_mib = spec->mem_mib ? spec->mem_mib : 512;
	if (opts->cpus > 64 || opts->mem_mib < 64) {
		error_set(err, 0, "cpus must be 1-64 and mem_mib at least 64");
		return -1;
	}
	/* The VM outlives the caller's spec: its strings are the VM's. */
	opts->engine = copy(owned, engine);
	opts->kernel = copy(owned, spec->kernel);
	opts->root_dir = copy(owned, spec->root);
	opts->hostname = copy(owned, spec->hostname);
	opts->masks = copy_list(owned, spec->hidden, spec->hidden_count);
	opts->mask_count = spec->hidden_count;
	opts->exposed = copy_list(owned, spec->shown, spec->shown_count);
	opts->exposed_count = spec->shown_count;
	if (owned->failed) {
		error_set(err, 0, "out of memory");
		return -1;
	}
	opts->network = spec->network;
	opts->root_read_only = spec->root_read_only;
	opts->verbose = spec->verbose;
	opts->allow_writable_root = spec->allow_writable_root;
	if (spec->host && spec->host->libkrun)
		opts->libkrun_path = copy(owned, spec->host->libkrun);
	if (spec->volume_owner) {
		struct guest_user owner;
		if (guest_user_resolve(spec->volume_owner, opts->root_dir, &owner, err) < 0)
			return -1;
		opts->owner_set = 1;
		opts->owner_uid = owner.uid;
		opts->owner_gid = owner.gid;
	}
	return add_resources(spec, &opts->resources, err);
}

int spec_convert_host(const struct krunsh_host *host, struct host_config *out, struct owned *owned,
		      struct error *err)
{
	static const struct krunsh_host none;
	if (!host)
		host = &none;
	/* Copies: the VM looks its parts up again when it boots and stops. */
	*out = (struct host_config){
	    .agent = copy(owned, host->agent),
	    .kernel = copy(owned, host->kernel),
	    .qemu = copy(owned, host->qemu),
	    .qemu_cpu = copy(owned, host->qemu_cpu),
	    .virtiofsd = copy(owned, host->virtiofsd),
	    .passt = copy(owned, host->passt),
	    .libkrun = copy(owned, host->libkrun),
	    .kernel_append = copy(owned, host->kernel_append),
	    .kvm_device = copy(owned, host->kvm_device),
	    .disable_kvm = host->disable_kvm,
	    .tmpdir = copy(owned, host->tmpdir),
	    .home = copy(owned, host->home),
	    .cache_home = copy(owned, host->cache_home),
	    .path = copy(owned, host->path),
	};
	if (owned->failed) {
		error_set(err, 0, "out of memory");
		return -1;
	}
	return 0;
}

/* A user resolved by the caller: numbers, groups and home as given. */
static int exact_user(const struct krunsh_proc_spec *proc, struct guest_user *out,
		      struct error *err)
{
	unsigned uid, gid;
	char end;
	if (!proc->user || sscanf(proc->user, "%u:%u%c", &uid, &gid, &end) != 2) {
		error_set(err, 0, "with user_exact, user must be UID:GID");
		return -1;
	}
	if (proc->group_count > GUEST_USER_MAX_GROUPS || (proc->group_count && !proc->groups)) {
		error_set(err, 0, "groups: at most %d", GUEST_USER_MAX_GROUPS);
		return -1;
	}
	*out =
	    (struct guest_user){.set = 1, .uid = uid, .gid = gid, .group_count = proc->group_count};
	for (size_t i = 0; i < proc->group_count; i++)
		out->groups[i] = proc->groups[i];
	if (proc->home && strlen(proc->home) >= sizeof(out->home)) {
		error_set(err, 0, "home is too long");
		return -1;
	}
	text_format(out->home, sizeof(out->home), "%s", proc->home ? proc->home : "");
	return 0;
}

int spec_convert_proc(const struct krunsh_proc_spec *proc, const struct vm_spec *vm,
		      struct proc_spec *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	if ((proc->argv != NULL) + (proc->script != NULL) + (proc->script_fed != 0) != 1) {
		error_set(err, 0, "give one of argv, script and script_fed");
		return -1;
	}
	if (proc->argv && !proc->argv[0]) {
		error_set(err, 0, "argv is empty");
		return -1;
	}
	if ((proc->keep_going || proc->line_results) && !proc->lines) {
		error_set(err, 0, "keep_going and line_results are line mode's (lines)");
		return -1;
	}
	if (proc->lines && (proc->argv || proc->terminal)) {
		error_set(err, 0, "line mode runs a script or a fed script, without a terminal");
		return -1;
	}
	if (proc->workdir && proc->workdir[0] != '/') {
		error_set(err, 0, "workdir must be absolute");
		return -1;
	}
	size_t env_count = 0;
	for (; proc->env && proc->env[env_count]; env_count++)
		if (!strchr(proc->env[env_count], '=')) {
			error_set(err, 0, "env entries must be NAME=VALUE");
			return -1;
		}
	/* Nothing of the caller's environment: the guest's is PATH, HOME
	 * and what env names. */
	out->mode = proc->argv ? PROC_EXEC : PROC_SCRIPT;
	out->shell = proc->shell ? proc->shell : "/bin/sh";
	out->exec_argv = (char **)proc->argv;
	out->env = (char **)proc->env;
	out->env_count = env_count;
	out->env_exact = proc->env_exact;
	out->script_stream = proc->script_fed;
	out->host_env = (char **)proc->base_env;
	out->discarded_files = proc->count_discarded;
	out->workdir = proc->workdir ? proc->workdir : "/";
	out->tty = proc->terminal != 0;
	out->tty_rows = proc->rows || proc->columns ? proc->rows : 24;
	out->tty_columns = proc->rows || proc->columns ? proc->columns : 80;
	if (out->tty && !winsize_valid(out->tty_rows, out->tty_columns)) {
		error_set(err, 0, "terminal size %ux%u: rows and columns must be 1-%u",
			  out->tty_rows, out->tty_columns, WINSIZE_MAX);
		return -1;
	}
	if (proc->user_exact) {
		if (exact_user(proc, &out->user, err) < 0)
			return -1;
	} else if (proc->user &&
		   guest_user_resolve(proc->user, vm->root_dir, &out->user, err) < 0) {
		return -1;
	}
	char what[32];
	for (size_t i = 0; i < proc->rlimit_count; i++) {
		const struct krunsh_rlimit *l = &proc->rlimits[i];
		text_format(what, sizeof(what), "rlimit %zu", i);
		if (ulimits_add_values(&out->ulimits, l->resource, l->soft, l->hard, what, err) <
		    0) {
			ulimits_free(&out->ulimits);
			return -1;
		}
	}
	return 0;
}
