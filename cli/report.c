#include "cli/report.h"
#include "config.h"
#include "lib/exec/discarded_files.h"
#include "lib/exec/job_build.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static void json_string_n(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f); /* bytes >= 0x80 pass through: input is mostly UTF-8 */
	}
	fputc('"', f);
}

static void json_string(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	json_string_n(f, s, strlen(s));
}

static const char *outcome_name(const struct vm_run_result *run)
{
	static const char *names[] = {
	    [SESSION_EXITED] = "exited",
	    [SESSION_BOOT_TIMEOUT] = "boot-timeout",
	    [SESSION_TIMEOUT] = "timeout",
	    [SESSION_SIGNALLED] = "signalled",
	    [SESSION_VM_DIED] = "vm-died",
	    [SESSION_AGENT_ERROR] = "agent-error",
	    [SESSION_PROTOCOL_ERROR] = "protocol-error",
	    [SESSION_OUTPUT_CLOSED] = "output-closed",
	    [SESSION_ALIVE] = "not-finished", /* never the end of a run */
	};
	return run ? names[run->session.outcome] : "not-started";
}

int report_write(struct report_file *file, const struct run_summary *s, struct error *err)
{
	char *data = NULL;
	size_t length = 0;
	FILE *f = open_memstream(&data, &length);
	if (!f) {
		error_set(err, errno, "cannot write report");
		report_file_discard(file);
		return -1;
	}
	fprintf(f, "{\n  \"schema\": \"krunsh-report/1\",\n  \"krunsh_version\": ");
	json_string(f, KRUNSH_VERSION);
	fprintf(f, ",\n  \"engine\": ");
	json_string(f, s->engine);
	fprintf(f, ",\n  \"accelerator\": ");
	json_string(f, s->probe ? s->probe->accelerator : NULL);
	fprintf(f, ",\n  \"kernel\": ");
	json_string(f, s->probe && s->probe->kernel[0] ? s->probe->kernel : NULL);
	fprintf(f, ",\n  \"kernel_release\": ");
	json_string(f, s->probe && s->probe->kernel_release[0] ? s->probe->kernel_release : NULL);
	const char *mode = s->opts->proc.mode == INPUT_EXEC			       ? "exec"
			   : s->opts->command || s->opts->proc.mode == INPUT_SCRIPT ? "script"
									       : "lines";
	fprintf(f, ",\n  \"mode\": \"%s\"", mode);
	if (s->run)
		fprintf(f, ",\n  \"boot_seconds\": %.3f", s->run->session.boot_seconds);
	else
		fprintf(f, ",\n  \"boot_seconds\": null");
	fprintf(f, ",\n  \"total_seconds\": %.3f", s->total_seconds);
	fprintf(f, ",\n  \"watchdog_retries\": %d", s->run ? s->run->watchdog_retries : 0);
	/* krunsh's own cost, without QEMU or virtiofsd (children). */
	struct rusage self;
	if (getrusage(RUSAGE_SELF, &self) == 0)
		fprintf(f, ",\n  \"host_cpu_seconds\": %.4f,\n  \"host_peak_rss_kib\": %ld",
			(double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
			    (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6,
			self.ru_maxrss);
	fprintf(f, ",\n  \"outcome\": \"%s\"", outcome_name(s->run));
	fprintf(f, ",\n  \"exit_status\": %d", s->exit_status);
	fprintf(f, ",\n  \"error\": ");
	json_string(f, s->error);
	/* Files the commands left under the working directory, thrown away. */
	fprintf(f, ",\n  \"discarded_files\": ");
	const struct discarded_files *d = s->run ? &s->run->session.discarded : NULL;
	if (d && d->count) {
		char cwd[4096], first[1024];
		discarded_files_first(
		    first, sizeof(first),
		    job_workdir(&s->opts->vm, &s->opts->proc, cwd, sizeof(cwd)), d);
		fprintf(f, "{\"count\": %u, \"at_least\": %s, \"first\": ", d->count,
			d->at_least ? "true" : "false");
		json_string(f, first);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\n  \"failed_lines\": [");
	for (size_t i = 0; s->run && i < s->run->session.failed_count; i++) {
		const struct failed_line *fl = &s->run->session.failed[i];
		const struct script_line *line = script_find_line(s->script, fl->line);
		fprintf(f, "%s\n    {\"line\": %u, \"status\": %u, \"text\": ", i ? "," : "",
			fl->line, fl->status);
		if (line)
			json_string_n(f, s->script->input + line->offset, line->length);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fprintf(f, "%s]", s->run && s->run->session.failed_count ? "\n  " : "");
	/* Every line run, with its status and duration (line mode). */
	fprintf(f, ",\n  \"lines\": [");
	size_t count = s->run ? s->run->session.line_count : 0;
	for (size_t i = 0; i < count; i++) {
		const struct line_result *lr = &s->run->session.lines[i];
		const struct script_line *line = script_find_line(s->script, lr->line);
		fprintf(f, "%s\n    {\"line\": %u, \"status\": %u, \"seconds\": %.6f, \"text\": ",
			i ? "," : "", lr->line, lr->status, (double)lr->micros / 1e6);
		if (line)
			json_string_n(f, s->script->input + line->offset, line->length);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fprintf(f, "%s]\n}\n", count ? "\n  " : "");
	if (fclose(f) != 0) {
		free(data);
		error_set(err, ENOMEM, "cannot write report");
		report_file_discard(file);
		return -1;
	}
	int r = report_file_commit(file, data, length, err);
	free(data);
	return r;
}
