/* krunsh-oci: the OCI runtime command line (create, start, state, kill,
 * delete, features) as podman/conmon and containerd's runc shim call it,
 * each container a microVM run by krunsh (runtime/commands.c). Errors go
 * to stderr and, with --log, to that file (--log-format json: one object a
 * line, as runc writes them), and the status is 1. */
#include "config.h"
#include "runtime/commands.h"
#include "util/path.h"
#include "util/text.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "Usage: krunsh-oci [--root DIR] [--log FILE] [--log-format text|json] COMMAND ...\n"
    "  create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] ID\n"
    "  start ID\n"
    "  state ID\n"
    "  kill [--all] ID [SIGNAL]\n"
    "  delete [--force] ID\n"
    "  features\n"
    "Each container is a microVM: krunsh --bundle runs its process.\n";

static void report(const char *log, int json, const char *message)
{
	fprintf(stderr, "krunsh-oci: %s\n", message);
	if (!log)
		return;
	FILE *f = fopen(log, "a");
	if (!f)
		return;
	if (json) {
		char escaped[2200];
		size_t o = 0;
		for (const char *p = message; *p && o + 7 < sizeof(escaped); p++) {
			if (*p == '"' || *p == '\\')
				escaped[o++] = '\\';
			escaped[o++] = (unsigned char)*p < 0x20 ? ' ' : *p;
		}
		escaped[o] = '\0';
		char when[40];
		time_t now = time(NULL);
		struct tm tm;
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
		fprintf(f, "{\"level\":\"error\",\"msg\":\"%s\",\"time\":\"%s\"}\n", escaped, when);
	} else {
		fprintf(f, "krunsh-oci: %s\n", message);
	}
	fclose(f);
}

/* krunsh beside this binary (an install, a build tree), else PATH's. */
static void find_krunsh(char *out, size_t size)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char candidate[4200];
		if (path_join(candidate, sizeof(candidate), dirname(self), "krunsh", NULL) == 0 &&
		    access(candidate, X_OK) == 0) {
			text_format(out, size, "%s", candidate);
			return;
		}
	}
	text_format(out, size, "krunsh");
}

int main(int argc, char **argv)
{
	static char krunsh[4200];
	struct runtime_globals g = {.root = "/run/krunsh-oci", .krunsh = krunsh};
	const char *log = NULL;
	int json = 0;
	find_krunsh(krunsh, sizeof(krunsh));
	/* Global flags, up to the command (their values may be "--x=y"). */
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t name = eq ? (size_t)(eq - a) : strlen(a);
		const char *value = eq ? eq + 1 : i + 1 < argc ? argv[i + 1] : NULL;
		int takes = strncmp(a, "--root", name) == 0 || strncmp(a, "--log", name) == 0 ||
			    strncmp(a, "--log-format", name) == 0 ||
			    strncmp(a, "--criu", name) == 0;
		if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0) {
			printf("krunsh-oci version %s\nspec: 1.0.2\n", KRUNSH_VERSION);
			return 0;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		}
		if (takes && !value) {
			report(log, json, "a global flag needs a value");
			return 1;
		}
		if (takes && !eq)
			i++;
		if (strncmp(a, "--root", name) == 0 && name == 6)
			g.root = value;
		else if (strncmp(a, "--log-format", name) == 0 && name == 12)
			json = strcmp(value, "json") == 0;
		else if (strncmp(a, "--log", name) == 0 && name == 5)
			log = value;
		/* --systemd-cgroup, --debug, --rootless=...: the VM has no
		 * host cgroup of its own to place. */
	}
	if (i >= argc) {
		fputs(usage, stderr);
		return 1;
	}
	const char *command = argv[i];
	int sub_argc = argc - i;
	char **sub_argv = argv + i;
	struct error err = {0};
	struct create_args c = {0};
	int force = 0, all = 0, status = 1;
	static const struct option options[] = {
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"console-socket", required_argument, NULL, 'c'},
	    {"force", no_argument, NULL, 'f'},
	    {"all", no_argument, NULL, 'a'},
	    {"no-pivot", no_argument, NULL, 'n'},
	    {"no-new-keyring", no_argument, NULL, 'n'},
	    {"preserve-fds", required_argument, NULL, 'n'},
	    {0, 0, 0, 0},
	};
	optind = 1;
	opterr = 0;
	int o;
	while ((o = getopt_long(sub_argc, sub_argv, "+b:fa", options, NULL)) != -1) {
		if (o == 'b')
			c.bundle = optarg;
		else if (o == 'p')
			c.pid_file = optarg;
		else if (o == 'c')
			c.console_socket = optarg;
		else if (o == 'f')
			force = 1;
		else if (o == 'a')
			all = 1;
		else if (o == '?') {
			error_set(&err, 0, "%s: unknown option %s", command, sub_argv[optind - 1]);
			report(log, json, err.message);
			return 1;
		}
	}
	const char *id = optind < sub_argc ? sub_argv[optind] : NULL;
	if (strcmp(command, "features") == 0)
		return runtime_features();
	if (!id) {
		error_set(&err, 0, "%s: a container id is needed (see krunsh-oci --help)", command);
		report(log, json, err.message);
		return 1;
	}
	if (strcmp(command, "create") == 0) {
		c.id = id;
		status = runtime_create(&g, &c, &err);
	} else if (strcmp(command, "start") == 0) {
		status = runtime_start(&g, id, &err);
	} else if (strcmp(command, "state") == 0) {
		status = runtime_state(&g, id, &err);
	} else if (strcmp(command, "kill") == 0) {
		status = runtime_kill(&g, id, optind + 1 < sub_argc ? sub_argv[optind + 1] : NULL,
				      all, &err);
	} else if (strcmp(command, "delete") == 0) {
		status = runtime_delete(&g, id, force, &err);
	} else {
		error_set(&err, 0,
			  "%s is not supported: a microVM runs its one process (create, start, "
			  "state, kill, delete, features)",
			  command);
	}
	if (status)
		report(log, json, err.message[0] ? err.message : "failed");
	return status;
}
