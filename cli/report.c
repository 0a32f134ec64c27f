#include "cli/report.h"
#include "config.h"
#include "util/text.h"

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

static const char *outcome_name(const struct krunsh_exec_result *r)
{
	static const char *names[] = {
	    [KRUNSH_EXEC_EXITED] = "exited",
	    [KRUNSH_EXEC_BOOT_TIMEOUT] = "boot-timeout",
	    [KRUNSH_EXEC_TIMEOUT] = "timeout",
	    [KRUNSH_EXEC_CANCELLED] = "signalled",
	    [KRUNSH_EXEC_VM_DIED] = "vm-died",
	    [KRUNSH_EXEC_GUEST_ERROR] = "agent-error",
	    [KRUNSH_EXEC_PROTOCOL_ERROR] = "protocol-error",
	    [KRUNSH_EXEC_OUTPUT_CLOSED] = "output-closed",
	};
	return r ? names[r->end] : "not-started";
}

void report_vm_facts(const krunsh_vm *vm, struct report_vm *out)
{
	struct krunsh_vm_info info;
	krunsh_vm_info(vm, &info);
	memset(out, 0, sizeof(*out));
	text_format(out->engine, sizeof(out->engine), "%s", info.engine ? info.engine : "");
	text_format(out->accelerator, sizeof(out->accelerator), "%s",
		    info.accelerator ? info.accelerator : "");
	text_format(out->kernel, sizeof(out->kernel), "%s", info.kernel ? info.kernel : "");
	text_format(out->kernel_release, sizeof(out->kernel_release), "%s",
		    info.kernel_release ? info.kernel_release : "");
	out->boot_seconds = info.boot_seconds;
	out->watchdog_retries = info.watchdog_retries;
}

static void line_text(FILE *f, const struct krunsh_line *l)
{
	if (l->text)
		json_string_n(f, l->text, l->text_length);
	else
		fputs("null", f);
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
	json_string(f, s->vm ? s->vm->engine : NULL);
	fprintf(f, ",\n  \"accelerator\": ");
	json_string(f, s->vm && s->vm->accelerator[0] ? s->vm->accelerator : NULL);
	fprintf(f, ",\n  \"kernel\": ");
	json_string(f, s->vm && s->vm->kernel[0] ? s->vm->kernel : NULL);
	fprintf(f, ",\n  \"kernel_release\": ");
	json_string(f, s->vm && s->vm->kernel_release[0] ? s->vm->kernel_release : NULL);
	const char *mode = s->opts->proc.mode == INPUT_EXEC			    ? "exec"
			   : s->opts->command || s->opts->proc.mode == INPUT_SCRIPT ? "script"
										    : "lines";
	fprintf(f, ",\n  \"mode\": \"%s\"", mode);
	if (s->result && s->vm)
		fprintf(f, ",\n  \"boot_seconds\": %.3f", s->vm->boot_seconds);
	else
		fprintf(f, ",\n  \"boot_seconds\": null");
	fprintf(f, ",\n  \"total_seconds\": %.3f", s->total_seconds);
	fprintf(f, ",\n  \"watchdog_retries\": %d", s->vm ? s->vm->watchdog_retries : 0);
	/* krunsh's own cost, without QEMU or virtiofsd (children). */
	struct rusage self;
	if (getrusage(RUSAGE_SELF, &self) == 0)
		fprintf(f, ",\n  \"host_cpu_seconds\": %.4f,\n  \"host_peak_rss_kib\": %ld",
			(double)(self.ru_utime.tv_sec + self.ru_stime.tv_sec) +
			    (double)(self.ru_utime.tv_usec + self.ru_stime.tv_usec) / 1e6,
			self.ru_maxrss);
	fprintf(f, ",\n  \"outcome\": \"%s\"", outcome_name(s->result));
	fprintf(f, ",\n  \"exit_status\": %d", s->exit_status);
	fprintf(f, ",\n  \"error\": ");
	json_string(f, s->error);
	/* Files the commands left under the working directory, thrown away. */
	fprintf(f, ",\n  \"discarded_files\": ");
	const struct krunsh_exec_result *r = s->result;
	if (r && r->discarded_count) {
		fprintf(f, "{\"count\": %u, \"at_least\": %s, \"first\": ", r->discarded_count,
			r->discarded_at_least ? "true" : "false");
		json_string(f, r->discarded_first[0] ? r->discarded_first : NULL);
		fputc('}', f);
	} else {
		fputs("null", f);
	}
	fprintf(f, ",\n  \"failed_lines\": [");
	size_t failed = r ? r->failed_line_count : 0;
	for (size_t i = 0; i < failed; i++) {
		const struct krunsh_line *l = &r->failed_lines[i];
		fprintf(f, "%s\n    {\"line\": %u, \"status\": %d, \"text\": ", i ? "," : "",
			l->number, l->status);
		line_text(f, l);
		fputc('}', f);
	}
	fprintf(f, "%s]", failed ? "\n  " : "");
	/* Every line run, with its status and duration (line mode). */
	fprintf(f, ",\n  \"lines\": [");
	size_t count = r ? r->line_count : 0;
	for (size_t i = 0; i < count; i++) {
		const struct krunsh_line *l = &r->lines[i];
		fprintf(f, "%s\n    {\"line\": %u, \"status\": %d, \"seconds\": %.6f, \"text\": ",
			i ? "," : "", l->number, l->status, (double)l->micros / 1e6);
		line_text(f, l);
		fputc('}', f);
	}
	fprintf(f, "%s]\n}\n", count ? "\n  " : "");
	if (fclose(f) != 0) {
		free(data);
		error_set(err, ENOMEM, "cannot write report");
		report_file_discard(file);
		return -1;
	}
	int committed = report_file_commit(file, data, length, err);
	free(data);
	return committed;
}
