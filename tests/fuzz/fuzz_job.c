/* libFuzzer target: the agent's reader of the jobs the host sends
 * (agent/job.c), fed arbitrary records as a SETUP or an EXEC frame. The
 * host's side is ours, but a reader that trusts lengths or sizes is a bug
 * waiting for a newer host: every string it hands out stays inside its
 * arena, and a terminal (JOB_TTY) is only ever of a size both sides accept.
 * Every parsed job also goes through the standby shell's choice and
 * prologue (agent/standby_prologue.c), into a buffer that may be too small:
 * it must say so, never write past it. */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum job_part part = data[0] & 1 ? JOB_PART_SETUP : JOB_PART_EXEC;
	struct job job;
	char error[512];
	if (job_parse(data + 1, size - 1, part, &job, error, sizeof(error)) < 0) {
		if (!memchr(error, '\0', sizeof(error)))
			abort();
		return 0;
	}
	if (job.tty && !winsize_valid(job.tty_rows, job.tty_columns))
		abort();
	/* Touch every string: ASan checks they end inside the arena. */
	volatile size_t sum = 0;
	for (char **e = job.env; e && *e; e++)
		sum += strlen(*e);
	for (char **a = job.argv; a && *a; a++)
		sum += strlen(*a);
	if (job.shell)
		sum += strlen(job.shell);
	if (job.workdir)
		sum += strlen(job.workdir);
	for (size_t i = 0; i < job.volume_count; i++)
		sum += strlen(job.volumes[i].guest_path);
	(void)sum;
	if (part == JOB_PART_EXEC) {
		(void)standby_fits(&job, "/bin/sh");
		const char *const positional[] = {"/run/krunsh/failed-lines", NULL};
		size_t room = size % 4096;
		char *prologue = malloc(room ? room : 1);
		int length = prologue ? standby_prologue(&job, job.workdir ? job.workdir : "/", 022,
							 "/run/krunsh/script", positional,
							 prologue, room)
				      : -1;
		if (length >= 0 && ((size_t)length >= room || prologue[length] != '\0'))
			abort();
		free(prologue);
	}
	job_free(&job);
	return 0;
}
