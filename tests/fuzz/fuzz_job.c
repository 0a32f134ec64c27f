/* libFuzzer target: the agent's reader of the jobs the host sends
 * (agent/job.c), fed arbitrary records as a SETUP or an EXEC frame. The
 * host's side is ours, but a reader that trusts lengths or sizes is a bug
 * waiting for a newer host: every string it hands out stays inside its
 * arena, and a terminal (JOB_TTY) is only ever of a size both sides accept. */
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
	job_free(&job);
	return 0;
}
