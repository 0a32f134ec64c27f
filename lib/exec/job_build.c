#include "lib/exec/job_build.h"
#include "lib/exec/discarded_files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int add_env(struct job_buffer *b, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);
	char *entry = malloc(n + v + 2);
	if (!entry)
		return -1;
	memcpy(entry, name, n);
	entry[n] = '=';
	memcpy(entry + n + 1, value, v + 1);
	int r = job_buffer_add(b, JOB_ENV, entry, n + v + 1);
	free(entry);
	return r;
}

/* Whether an -e entry sets NAME (of LENGTH bytes): it wins over ours. */
static int env_overridden(const struct proc_spec *opts, const char *name, size_t length)
{
	for (size_t k = 0; k < opts->env_count; k++)
		if (strncmp(opts->env[k], name, length) == 0 &&
		    (opts->env[k][length] == '=' || opts->env[k][length] == '\0'))
			return 1;
	return 0;
}

/* Exec mode with -u: an inherited HOME names the host user's home; the
 * default above replaces it. */
static int is_replaced_home(const struct proc_spec *opts, const char *entry)
{
	return opts->user.set && opts->user.home[0] && strncmp(entry, "HOME=", 5) == 0;
}

static int host_env_has(const struct proc_spec *opts, const char *name)
{
	size_t n = strlen(name);
	for (char **e = opts->host_env; e && *e; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return 1;
	return 0;
}

/* The caller's host entries (minus what -e sets), the defaults the guest
 * always has, then the -e entries, which win. */
static int add_environment(const struct proc_spec *opts, struct job_buffer *b, struct error *err)
{
	for (char **e = opts->host_env; e && *e; e++) {
		size_t n = strcspn(*e, "=");
		if ((*e)[n] != '=' || env_overridden(opts, *e, n) || is_replaced_home(opts, *e))
			continue;
		if (job_buffer_add(b, JOB_ENV, *e, strlen(*e)) < 0)
			goto nomem;
	}
	static const struct {
		const char *name, *fallback;
	} defaults[] = {
	    {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
	    {"HOME", "/root"},
	};
	for (size_t i = 0; !opts->env_exact && i < sizeof(defaults) / sizeof(defaults[0]); i++) {
		/* Overridden by an -e of the same name: skip the default. */
		if (env_overridden(opts, defaults[i].name, strlen(defaults[i].name)))
			continue;
		/* -u: the user's own home from the guest's passwd, as a login
		 * (and podman) would set it. */
		if (strcmp(defaults[i].name, "HOME") == 0 && opts->user.set && opts->user.home[0]) {
			if (add_env(b, "HOME", opts->user.home) < 0)
				goto nomem;
			continue;
		}
		if (!host_env_has(opts, defaults[i].name) &&
		    add_env(b, defaults[i].name, defaults[i].fallback) < 0)
			goto nomem;
	}
	for (size_t k = 0; k < opts->env_count; k++) {
		const char *entry = opts->env[k];
		if (!strchr(entry, '=')) {
			error_set(err, 0, "environment entry %s has no value", entry);
			return -1;
		}
		if (job_buffer_add(b, JOB_ENV, entry, strlen(entry)) < 0)
			goto nomem;
	}
	return 0;
nomem:
	error_set(err, ENOMEM, "building the job");
	return -1;
}

/* A record of `prefix` bytes, then the fields with a NUL between each
 * (protocol.h: JOB_VOLUME, JOB_TMPFS). */
static int add_nul_joined(struct job_buffer *b, uint32_t key, const void *prefix,
			  size_t prefix_length, const char *const *fields, size_t count)
{
	size_t length = prefix_length;
	for (size_t i = 0; i < count; i++)
		length += strlen(fields[i]) + (i > 0);
	char *record = malloc(length ? length : 1);
	if (!record)
		return -1;
	if (prefix_length)
		memcpy(record, prefix, prefix_length);
	size_t n = prefix_length;
	for (size_t i = 0; i < count; i++) {
		if (i > 0)
			record[n++] = '\0';
		size_t f = strlen(fields[i]);
		memcpy(record + n, fields[i], f);
		n += f;
	}
	int r = job_buffer_add(b, key, record, length);
	free(record);
	return r;
}

/* The VM's records (FRAME_SETUP): what is mounted, the network, the
 * modules those need, the host name. */
int job_build_setup(const struct vm_spec *opts, struct job_buffer *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	const struct resources *res = &opts->resources;
	int r = 0;
	for (size_t i = 0; i < res->volume_count && r == 0; i++) {
		const struct volume *v = &res->volumes[i];
		char tag[32];
		snprintf(tag, sizeof(tag), "%s%zu", VOLUME_TAG_PREFIX, i);
		/* The file server's view holds the file under its own name. */
		const char *fields[] = {tag, v->guest, v->read_only ? "ro" : "rw",
					v->is_file ? strrchr(v->host, '/') + 1 : NULL};
		r = add_nul_joined(out, JOB_VOLUME, NULL, 0, fields, v->is_file ? 4 : 3);
	}
	for (size_t i = 0; i < res->tmpfs_count && r == 0; i++) {
		unsigned char flags[4];
		put_u32le(flags, (uint32_t)res->tmpfs[i].flags);
		const char *fields[] = {res->tmpfs[i].guest, res->tmpfs[i].data};
		r = add_nul_joined(out, JOB_TMPFS, flags, sizeof(flags), fields, 2);
	}
	if (r == 0 && opts->root_read_only)
		r = job_buffer_add_u32(out, JOB_ROOT_READONLY, 1);
	if (r == 0 && opts->hostname)
		r = job_buffer_add(out, JOB_HOSTNAME, opts->hostname, strlen(opts->hostname));
	if (r == 0 && opts->network)
		r = job_buffer_add_u32(out, JOB_NETWORK, 1) < 0 ||
			    job_buffer_add(out, JOB_MODULES, "net", 3) < 0
			? -1
			: 0;
	if (r == 0 && res->disk_count)
		r = job_buffer_add(out, JOB_MODULES, "blk", 3);
	if (r < 0)
		error_set(err, ENOMEM, "building the VM's setup");
	return r;
}

/* One execution's limits, user and channels. */
static int add_exec_resources(const struct proc_spec *opts, int forward_stdin, struct job_buffer *b,
			      struct error *err)
{
	int r = 0;
	if (opts->user.set) {
		unsigned char record[4 * (2 + GUEST_USER_MAX_GROUPS)];
		put_u32le(record, opts->user.uid);
		put_u32le(record + 4, opts->user.gid);
		for (size_t i = 0; i < opts->user.group_count; i++)
			put_u32le(record + 8 + 4 * i, opts->user.groups[i]);
		r = job_buffer_add(b, JOB_USER, record, 8 + 4 * opts->user.group_count);
	}
	for (size_t i = 0; i < opts->ulimits.count && r == 0; i++) {
		const struct ulimit_spec *u = &opts->ulimits.items[i];
		unsigned char record[20];
		put_u32le(record, (uint32_t)u->resource);
		put_u64le(record + 4, u->soft);
		put_u64le(record + 12, u->hard);
		r = job_buffer_add(b, JOB_RLIMIT, record, sizeof(record));
	}
	if (r == 0 && opts->line_events)
		r = job_buffer_add_u32(b, JOB_LINE_EVENTS, (uint32_t)job_line_events(opts));
	if (r == 0 && forward_stdin)
		r = job_buffer_add_u32(b, JOB_STDIN, 1);
	if (r == 0 && opts->tty) {
		unsigned char size[8];
		put_u32le(size, opts->tty_rows);
		put_u32le(size + 4, opts->tty_columns);
		r = job_buffer_add(b, JOB_TTY, size, sizeof(size));
	}
	if (r < 0)
		error_set(err, ENOMEM, "building the job");
	return r;
}

const char *job_workdir(const struct vm_spec *vm, const struct proc_spec *proc, char *buf,
			size_t size)
{
	if (proc->workdir)
		return proc->workdir;
	/* Under --root the caller's directory means nothing: start at /. */
	return vm->root_dir ? "/" : getcwd(buf, size) ? buf : "/";
}

int job_line_events(const struct proc_spec *proc)
{
	if (!proc->line_events)
		return 0;
	return LINE_EVENTS_RESULTS | (proc->line_starts ? LINE_EVENTS_STARTED : 0);
}

int job_discarded_files(const struct vm_spec *vm, const struct proc_spec *proc)
{
	char cwd[4096];
	return proc->discarded_files &&
	       discarded_files_wanted(vm, job_workdir(vm, proc, cwd, sizeof(cwd)));
}

int job_build_exec(const struct vm_spec *vm, const struct proc_spec *opts, const char *script,
		   size_t script_length, int forward_stdin, struct job_buffer *out,
		   struct error *err)
{
	memset(out, 0, sizeof(*out));
	if (opts->tty && !winsize_valid(opts->tty_rows, opts->tty_columns)) {
		error_set(err, 0, "terminal size %ux%u: rows and columns must be 1-%u",
			  opts->tty_rows, opts->tty_columns, WINSIZE_MAX);
		return -1;
	}
	uint32_t mode = opts->mode == PROC_EXEC	   ? JOB_MODE_EXEC
			: opts->mode == PROC_LINES ? JOB_MODE_SHELL_LINES
						   : JOB_MODE_SHELL_SCRIPT;
	char cwd[4096];
	const char *workdir = job_workdir(vm, opts, cwd, sizeof(cwd));
	int r = job_buffer_add_u32(out, JOB_MODE, mode);
	r |= job_buffer_add(out, JOB_SHELL, opts->shell, strlen(opts->shell));
	r |= job_buffer_add(out, JOB_WORKDIR, workdir, strlen(workdir));
	if (job_discarded_files(vm, opts))
		r |= job_buffer_add_u32(out, JOB_DISCARDED_FILES, 1);
	if (r < 0) {
		error_set(err, ENOMEM, "building the job");
		return -1;
	}
	if (add_environment(opts, out, err) < 0 ||
	    add_exec_resources(opts, forward_stdin, out, err) < 0)
		return -1;
	if (opts->mode == PROC_EXEC) {
		for (char **a = opts->exec_argv; *a; a++)
			if (job_buffer_add(out, JOB_ARG, *a, strlen(*a)) < 0)
				r = -1;
	} else if (opts->script_stream) {
		r = job_buffer_add_u32(out, JOB_SCRIPT_STREAM, 1);
	} else {
		r = job_buffer_add(out, JOB_SCRIPT, script, script_length);
	}
	if (r < 0) {
		error_set(err, ENOMEM, "building the job");
		return -1;
	}
	return 0;
}
