#include "cli/keeper/session_options.h"
#include "util/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct out {
	char *data;
	size_t size, used;
	int overflow;
};

/* Values are escaped (\\, \t, \n) so that any path compares exactly. */
static void put_escaped(struct out *o, const char *s)
{
	for (; *s; s++) {
		char pair[3] = {*s, 0, 0};
		if (*s == '\\' || *s == '\t' || *s == '\n') {
			pair[0] = '\\';
			pair[1] = *s == '\t' ? 't' : *s == '\n' ? 'n' : '\\';
		}
		size_t n = strlen(pair);
		if (o->used + n >= o->size) {
			o->overflow = 1;
			return;
		}
		memcpy(o->data + o->used, pair, n);
		o->used += n;
		o->data[o->used] = '\0';
	}
}

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	char buf[8400];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		o->overflow = 1;
		return;
	}
	put_escaped(o, buf);
}

static void line_start(struct out *o, const char *flag)
{
	if (o->used + strlen(flag) + 1 >= o->size) {
		o->overflow = 1;
		return;
	}
	o->used += (size_t)snprintf(o->data + o->used, o->size - o->used, "%s\t", flag);
}

static void line_end(struct out *o)
{
	if (o->used + 1 >= o->size) {
		o->overflow = 1;
		return;
	}
	o->data[o->used++] = '\n';
	o->data[o->used] = '\0';
}

static void put_list(struct out *o, const char **items, size_t count)
{
	for (size_t i = 0; i < count; i++)
		put(o, "%s%s", i ? " " : "", items[i]);
}

static void describe(struct out *o, const struct options *opts, const char *engine,
		     enum vm_option which)
{
	const struct vm_flags *vm = &opts->vm;
	const struct resource_list *r = &vm->resources;
	static const char *const flags[VM_OPTION_COUNT] = {
	    [VM_OPTION_ENGINE] = "--engine",
	    [VM_OPTION_CPUS] = "--cpus",
	    [VM_OPTION_MEMORY] = "--memory",
	    [VM_OPTION_KERNEL] = "--kernel",
	    [VM_OPTION_LIBKRUN] = "--libkrun",
	    [VM_OPTION_WRITABLE_ROOT] = "--allow-writable-root",
	    [VM_OPTION_ROOT] = "--root",
	    [VM_OPTION_VOLUMES] = "--volume",
	    [VM_OPTION_TMPFS] = "--tmpfs",
	    [VM_OPTION_DISKS] = "--disk",
	    [VM_OPTION_NETWORK] = "--network",
	    [VM_OPTION_PUBLISH] = "--publish",
	    [VM_OPTION_HOSTNAME] = "--hostname",
	    [VM_OPTION_MASKS] = "--mask",
	    [VM_OPTION_EXPOSED] = "--expose",
	    [VM_OPTION_IDLE_TIMEOUT] = "--idle-timeout",
	};
	line_start(o, flags[which]);
	switch (which) {
	case VM_OPTION_ENGINE:
		put(o, "%s", engine ? engine : vm->engine);
		break;
	case VM_OPTION_CPUS:
		put(o, "%u", vm->cpus);
		break;
	case VM_OPTION_MEMORY:
		put(o, "%um", vm->mem_mib);
		break;
	case VM_OPTION_KERNEL:
		put(o, "%s", vm->kernel ? vm->kernel : "(krunsh's own)");
		break;
	case VM_OPTION_LIBKRUN:
		put(o, "%s", vm->libkrun_path ? vm->libkrun_path : "(the loader's)");
		break;
	case VM_OPTION_WRITABLE_ROOT:
		put(o, "%s", vm->allow_writable_root ? "yes" : "no");
		break;
	case VM_OPTION_ROOT:
		put(o, "%s", vm->root_dir ? vm->root_dir : "/");
		break;
	case VM_OPTION_VOLUMES:
		for (size_t i = 0; i < r->volume_count; i++)
			put(o, "%s%s:%s:%s", i ? " " : "", r->volumes[i].host_path,
			    r->volumes[i].guest_path, r->volumes[i].read_only ? "ro" : "rw");
		break;
	case VM_OPTION_TMPFS:
		for (size_t i = 0; i < r->tmpfs_count; i++)
			put(o, "%s%s:%lx:%s", i ? " " : "", r->tmpfs[i].guest_path,
			    r->tmpfs[i].flags, r->tmpfs[i].data ? r->tmpfs[i].data : "");
		break;
	case VM_OPTION_DISKS:
		for (size_t i = 0; i < r->disk_count; i++)
			put(o, "%s%s%s", i ? " " : "", r->disks[i].path,
			    r->disks[i].read_only ? ":ro" : "");
		break;
	case VM_OPTION_NETWORK:
		put(o, "%s", vm->network ? "user" : "none");
		break;
	case VM_OPTION_PUBLISH:
		for (size_t i = 0; i < r->port_count; i++)
			put(o, "%s%u:%u", i ? " " : "", r->ports[i].host_port,
			    r->ports[i].guest_port);
		break;
	case VM_OPTION_HOSTNAME:
		put(o, "%s", vm->hostname ? vm->hostname : "krunsh");
		break;
	case VM_OPTION_MASKS:
		put_list(o, vm->masks, vm->mask_count);
		break;
	case VM_OPTION_EXPOSED:
		put_list(o, vm->exposed, vm->exposed_count);
		break;
	case VM_OPTION_IDLE_TIMEOUT:
		put(o, "%g", opts->idle_timeout);
		break;
	case VM_OPTION_COUNT:
		break;
	}
	line_end(o);
}

int session_options_describe(const struct options *opts, const char *engine, unsigned which,
			     char *data, size_t size)
{
	struct out o = {.data = data, .size = size};
	data[0] = '\0';
	for (int i = 0; i < VM_OPTION_COUNT; i++) {
		/* --engine auto asks for whatever the session runs on. */
		if (i == VM_OPTION_ENGINE && !engine && strcmp(opts->vm.engine, "auto") == 0)
			continue;
		if (which & (1u << i))
			describe(&o, opts, engine, (enum vm_option)i);
	}
	return o.overflow ? -1 : 0;
}

/* The value of flag in text ("" if absent), bounded for messages. */
static const char *find_line(const char *text, const char *flag, size_t flag_length,
			     size_t *value_length)
{
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (n > flag_length && strncmp(line, flag, flag_length) == 0 &&
		    line[flag_length] == '\t') {
			*value_length = n - flag_length - 1;
			return line + flag_length + 1;
		}
		line = nl ? nl + 1 : line + n;
	}
	*value_length = 0;
	return "";
}

int session_options_difference(const char *held_text, const char *call_text,
			       struct options_difference *d)
{
	for (const char *line = call_text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		const char *tab = memchr(line, '\t', n);
		if (tab) {
			size_t flag_length = (size_t)(tab - line), mine_length;
			const char *value = tab + 1;
			size_t value_length = n - flag_length - 1;
			const char *mine = find_line(held_text, line, flag_length, &mine_length);
			if (mine_length != value_length || memcmp(mine, value, value_length) != 0) {
				text_sanitize(d->flag, sizeof(d->flag), line, flag_length, 30);
				text_sanitize(d->held, sizeof(d->held), mine, mine_length, 150);
				text_sanitize(d->asked, sizeof(d->asked), value, value_length, 150);
				if (!d->held[0])
					snprintf(d->held, sizeof(d->held), "(none)");
				if (!d->asked[0])
					snprintf(d->asked, sizeof(d->asked), "(none)");
				return 1;
			}
		}
		line = nl ? nl + 1 : line + n;
	}
	return 0;
}

int session_options_conflict(const char *session_text, const char *call_text,
			     const char *session_name, char *why, size_t size)
{
	struct options_difference d;
	if (!session_options_difference(session_text, call_text, &d))
		return 0;
	text_format(why, size,
		    "session %s runs with %s %s, this call asks %s %s: leave %s out, or end the "
		    "session first (krunsh --session %s --end)",
		    session_name, d.flag, d.held, d.flag, d.asked, d.flag, session_name);
	return 1;
}
