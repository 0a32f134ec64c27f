/* Decodes the job record stream sent by the host (see protocol.h). */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int push(char ***list, size_t *count, char *item)
{
	char **grown = realloc(*list, (*count + 2) * sizeof(char *));
	if (!grown)
		return -1;
	grown[(*count)++] = item;
	grown[*count] = NULL;
	*list = grown;
	return 0;
}

/* The NUL-separated field after `field` within [field, end), or NULL. */
static const char *next_field(const char *field, const char *end)
{
	const char *nul = memchr(field, '\0', (size_t)(end - field));
	return nul && nul + 1 < end ? nul + 1 : NULL;
}

/* "TAG\0GUEST\0ro|rw[\0FILE]": the copy in the arena keeps the inner
 * NULs (and ends in one). */
static int parse_volume(struct job *job, const char *s, size_t length)
{
	const char *end = s + length;
	const char *guest = next_field(s, end);
	const char *mode = guest ? next_field(guest, end) : NULL;
	if (!mode || guest[0] != '/')
		return -1;
	const char *file = next_field(mode, end);
	if (file &&
	    (!file[0] || strchr(file, '/') || strcmp(file, ".") == 0 || strcmp(file, "..") == 0))
		return -1;
	struct job_volume *grown = realloc(job->volumes, (job->volume_count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	job->volumes = grown;
	job->volumes[job->volume_count++] =
	    (struct job_volume){s, guest, strcmp(mode, "ro") == 0, file};
	return 0;
}

/* u32 flags, "GUEST\0OPTIONS" */
static int parse_tmpfs(struct job *job, const char *s, size_t length)
{
	if (length < 6 || s[4] != '/')
		return -1;
	const char *options = next_field(s + 4, s + length);
	struct job_tmpfs *grown = realloc(job->tmpfs, (job->tmpfs_count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	job->tmpfs = grown;
	job->tmpfs[job->tmpfs_count++] =
	    (struct job_tmpfs){s + 4, options ? options : "", get_u32le((const unsigned char *)s)};
	return 0;
}

static int parse_user(struct job *job, const unsigned char *v, size_t length)
{
	if (length < 8 || length % 4 || job->user_set)
		return -1;
	job->uid = get_u32le(v);
	job->gid = get_u32le(v + 4);
	job->group_count = (length - 8) / 4;
	job->groups = calloc(job->group_count + 1, sizeof(*job->groups));
	if (!job->groups)
		return -1;
	for (size_t i = 0; i < job->group_count; i++)
		job->groups[i] = get_u32le(v + 8 + 4 * i);
	job->user_set = 1;
	return 0;
}

static int parse_rlimit(struct job *job, const unsigned char *v)
{
	struct job_rlimit *grown = realloc(job->rlimits, (job->rlimit_count + 1) * sizeof(*grown));
	if (!grown)
		return -1;
	job->rlimits = grown;
	job->rlimits[job->rlimit_count++] =
	    (struct job_rlimit){(int)get_u32le(v), get_u64le(v + 4), get_u64le(v + 12)};
	return 0;
}

/* Record values are not NUL-terminated on the wire: copy each string into
 * one arena so the job owns a single allocation. */
int job_parse(const unsigned char *payload, size_t length, enum job_part part, struct job *out,
	      char *error, size_t error_size)
{
	memset(out, 0, sizeof(*out));
	out->storage = malloc(length + 1);
	size_t env_count = 0, arg_count = 0, used = 0, offset = 0;
	if (!out->storage)
		goto nomem;
	struct job_record rec;
	int r;
	while ((r = job_next_record(payload, length, &offset, &rec)) == 1) {
		char *s = (char *)out->storage + used;
		memcpy(s, rec.value, rec.length);
		s[rec.length] = '\0';
		/* 8 header bytes per record leave room for every terminator. */
		used += rec.length + 1;
		int has_nul = memchr(rec.value, '\0', rec.length) != NULL;
		if (job_key_is_setup(rec.key) != (part == JOB_PART_SETUP) &&
		    rec.key >= JOB_MODE && rec.key <= JOB_ROOT_READONLY) {
			snprintf(error, error_size, "job record %u in the wrong frame", rec.key);
			job_free(out);
			return -1;
		}
		switch (rec.key) {
		case JOB_MODE:
			if (rec.length != 4)
				goto malformed;
			out->mode = get_u32le(rec.value);
			break;
		case JOB_SHELL:
			out->shell = s;
			break;
		case JOB_WORKDIR:
			out->workdir = s;
			break;
		case JOB_SCRIPT:
			out->script = s;
			out->script_length = rec.length;
			break;
		case JOB_ENV:
			if (has_nul || !strchr(s, '=') || push(&out->env, &env_count, s) < 0)
				goto malformed;
			break;
		case JOB_ARG:
			if (has_nul || push(&out->argv, &arg_count, s) < 0)
				goto malformed;
			break;
		case JOB_VOLUME:
			if (parse_volume(out, s, rec.length) < 0)
				goto malformed;
			break;
		case JOB_RLIMIT:
			if (rec.length != 20 || parse_rlimit(out, rec.value) < 0)
				goto malformed;
			break;
		case JOB_NETWORK:
			out->network = 1;
			break;
		case JOB_ROOT_READONLY:
			out->root_read_only = 1;
			break;
		case JOB_TMPFS:
			if (parse_tmpfs(out, s, rec.length) < 0)
				goto malformed;
			break;
		case JOB_USER:
			if (parse_user(out, rec.value, rec.length) < 0)
				goto malformed;
			break;
		case JOB_HOSTNAME:
			if (has_nul || rec.length == 0 || rec.length > 64)
				goto malformed;
			out->hostname = s;
			break;
		case JOB_LINE_EVENTS:
			if (rec.length != 4 || (get_u32le(rec.value) &
						~(uint32_t)(LINE_EVENTS_RESULTS | LINE_EVENTS_STARTED)))
				goto malformed;
			out->line_events = (int)get_u32le(rec.value);
			break;
		case JOB_DISCARDED_FILES:
			out->discarded_files = 1;
			break;
		case JOB_STDIN:
			out->forward_stdin = 1;
			break;
		case JOB_SCRIPT_STREAM:
			out->script_stream = 1;
			break;
		case JOB_TTY:
			if (rec.length != 8 ||
			    !winsize_valid(get_u32le(rec.value), get_u32le(rec.value + 4)))
				goto malformed;
			out->tty = 1;
			out->tty_rows = get_u32le(rec.value);
			out->tty_columns = get_u32le(rec.value + 4);
			break;
		case JOB_MODULES: {
			if (has_nul)
				goto malformed;
			const char **grown = realloc(out->module_lists,
						     (out->module_list_count + 1) * sizeof(*grown));
			if (!grown)
				goto malformed;
			out->module_lists = grown;
			out->module_lists[out->module_list_count++] = s;
			break;
		}
		default:
			snprintf(error, error_size, "job has unknown record %u", rec.key);
			job_free(out);
			return -1;
		}
	}
	if (r < 0)
		goto malformed;
	if (!out->env && push(&out->env, &env_count, NULL) < 0)
		goto nomem;
	if (part == JOB_PART_EXEC &&
	    (out->mode == JOB_MODE_EXEC
		 ? !out->argv
		 : !out->shell || !out->script == !out->script_stream))
		goto malformed;
	return 0;
malformed:
	snprintf(error, error_size, "malformed job from host");
	job_free(out);
	return -1;
nomem:
	snprintf(error, error_size, "out of memory reading the job");
	job_free(out);
	return -1;
}

void job_free(struct job *job)
{
	free(job->env);
	free(job->argv);
	free(job->volumes);
	free(job->rlimits);
	free(job->tmpfs);
	free(job->groups);
	free(job->module_lists);
	free(job->storage);
	memset(job, 0, sizeof(*job));
}
