/* What the guest needs to run the user's commands, as job records. */
#ifndef KRUNSH_JOB_BUILD_H
#define KRUNSH_JOB_BUILD_H

#include "proto/protocol.h"
#include "lib/spec/spec.h"
#include "util/error.h"

/* The guest gets this minimal environment plus what -e asks for, never the
 * host's environment wholesale. */
#define GUEST_ENV_DEFAULTS "PATH, HOME, TERM, LANG"

/* Volume i is the virtio-fs tag VOLUME_TAG_PREFIX + i on every engine. */
#define VOLUME_TAG_PREFIX "krunsh-vol"

/* The execution's working directory: workdir, else the caller's (under a
 * root: /). Returns buf or a constant. */
const char *job_workdir(const struct vm_spec *vm, const struct proc_spec *proc, char *buf,
			size_t size);
/* The LINE_EVENTS_* flags the execution's job asks for (0: none). */
int job_line_events(const struct proc_spec *proc);
/* Whether the execution's job asks for a discarded-files report
 * (proc->discarded_files where discarded_files_wanted). */
int job_discarded_files(const struct vm_spec *vm, const struct proc_spec *proc);

/* The VM's records, sent once (FRAME_SETUP). */
int job_build_setup(const struct vm_spec *vm, struct job_buffer *out, struct error *err);
/* One execution's records (FRAME_EXEC); with forward_stdin the host sends
 * the program's stdin. */
int job_build_exec(const struct vm_spec *vm, const struct proc_spec *proc, const char *script,
		   size_t script_length, int forward_stdin, struct job_buffer *out,
		   struct error *err);

#endif
