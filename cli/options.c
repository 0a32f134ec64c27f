/* Parses krunsh's command line into struct options. Every bad value is one
 * error line and exit status 125, before anything starts. */
#include "cli/options.h"
#include "cli/api_error.h"
#include "cli/keeper/warm_command.h"
#include "cli/oci/bundle.h"
#include "cli/oci/image.h"
#include "cli/resource_flags.h"
#include "cli/run_spec.h"
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_CPUS    64u
#define MIN_MEM_MIB 128u
#define MAX_MEM_MIB (256u * 1024u)

static const char usage_text[] =
    "Usage: krunsh [OPTIONS] [FILE]\n"
    "       krunsh [OPTIONS] -c COMMAND\n"
    "       krunsh [OPTIONS] -- PROGRAM [ARG...]\n"
    "Run shell commands from FILE or standard input, one a line, in a fresh\n"
    "throw-away microVM that sees the host's root read-only. With -c, FILE or --,\n"
    "standard input reaches the commands (as with sh -c).\n"
    "\n"
    "Input:\n"
    "  -c, --command CMD    run CMD instead of reading commands\n"
    "      --script         run the input as one script, verbatim\n"
    "  -k, --keep-going     run every line; exit with the first failure's status\n"
    "      --shell PATH     POSIX shell in the guest (default /bin/sh)\n"
    "VM:\n"
    "      --engine NAME    auto (default), qemu or krun\n"
    "      --cpus N         virtual CPUs (default 1, at most 64)\n"
    "      --mem MIB        guest memory in MiB, or with a G suffix (default 512)\n"
    "  -m, --memory SIZE    guest memory as podman: bytes, or with b, k, m, g\n"
    "      --kernel PATH    guest kernel (default: $KRUNSH_KERNEL, then the installed one)\n"
    "      --libkrun PATH   libkrun library for --engine krun (default libkrun.so.1)\n"
    "      --allow-writable-root  accept a libkrun too old to share / read-only\n"
    "      --timeout SECS   stop the VM after SECS seconds, exit 124\n"
    "Guest:\n"
    "  -w, --workdir DIR    working directory in the guest (default: the current one)\n"
    "  -e, --env KEY[=VAL]  set KEY in the guest (without =VAL: the host's value)\n"
    "      --env-file FILE  KEY=VALUE lines, as -e\n"
    "      --clean-env      exec mode (--): only PATH, HOME, TERM, LANG and -e, not\n"
    "                       the host's environment\n"
    "  -u, --user UID[:GID] run the commands as UID (a number or a name) in the guest\n"
    "      --hostname NAME  the guest's host name (default krunsh)\n"
    "  -v, --volume HOST:GUEST[:ro|rw]  share a host directory or file (default rw);\n"
    "                       write a ':' inside a path as \\:\n"
    "      --mount type=bind,src=HOST,dst=GUEST[,ro]  the same, any path\n"
    "      --mount type=tmpfs,dst=GUEST[,tmpfs-size=N]  as --tmpfs\n"
    "      --tmpfs PATH[:OPTS]  a fresh tmpfs at PATH (default rw,noexec,nosuid,nodev)\n"
    "      --disk IMAGE[:ro]  attach a raw image as /dev/vda, /dev/vdb, ...\n"
    "      --net            outbound network (user-mode NAT)\n"
    "      --network MODE   none (the default) or user (as --net)\n"
    "  -p, --publish H:G    forward host 127.0.0.1:H to guest port G (TCP; implies --net)\n"
    "      --ulimit NAME=SOFT[:HARD]  resource limit for the commands (nofile, nproc, ...)\n"
    "      --root DIR       use DIR instead of the host's / as the read-only root\n"
    "      --image REF      boot a local container image: oci:DIR[:TAG],\n"
    "                       docker-archive:FILE, oci-archive:FILE or a name in\n"
    "                       podman's storage (a bare -- runs its Entrypoint + Cmd)\n"
    "      --image-prune    remove the unpacked images no run is using\n"
    "      --bundle DIR     run the OCI runtime bundle DIR (its config.json and root)\n"
    "      --mask PATH      hide one more host path from the guest (repeatable)\n"
    "      --expose PATH    show a path of the default secret list after all\n"
    "Other:\n"
    "  -V, --verbose        say what krunsh decides; show the guest's boot messages\n"
    "  -t, --tty            run on a pseudo-terminal in the guest (as docker run -it):\n"
    "                       PROGRAM, FILE or -c, or else an interactive shell; stdin's\n"
    "                       bytes are typed on it. Without FILE, -c or --, a terminal\n"
    "                       on stdin means -t\n"
    "  -i, --interactive, --rm  accepted, as podman's: krunsh always forwards stdin\n"
    "                       when it does not carry the commands, and always removes\n"
    "                       the VM\n"
    "      --read-only, --entrypoint  refused, each with its reason (writes never\n"
    "                       reach the host; no image)\n"
    "      --report FILE    write a JSON summary of the run to FILE (see README)\n"
    "      --events         JSON Lines on stdout for programs: each line's start,\n"
    "                       output and end, the run's end (see README)\n"
    "Sessions (one VM kept across calls, see README):\n"
    "      --session NAME   run in session NAME's VM: started if none runs, else reused;\n"
    "                       files and the working directory carry to the next call\n"
    "      --end            with --session: stop the session's VM\n"
    "      --idle-timeout SECS  end the session (or the warm keeper) after SECS idle\n"
    "                       (default 300)\n"
    "Warm VMs (booted ahead, each used once, see README):\n"
    "      --warm N         keep N VMs (at most 16) booted for the runs that follow;\n"
    "                       0 stops them\n"
    "  -h, --help           show this help\n"
    "      --version        show the version\n"
    "\n"
    "Exit status: the commands' own (0-255, 128+N for signal N), 124 on --timeout,\n"
    "125 when krunsh itself failed (the message says why).\n";

enum {
	OPT_SCRIPT = 256,
	OPT_SHELL,
	OPT_ENGINE,
	OPT_CPUS,
	OPT_MEM,
	OPT_KERNEL,
	OPT_LIBKRUN,
	OPT_WRITABLE_ROOT,
	OPT_TIMEOUT,
	OPT_VERSION,
	OPT_REPORT,
	OPT_DISK,
	OPT_NET,
	OPT_ULIMIT,
	OPT_ROOT,
	OPT_ENV_FILE,
	OPT_MASK,
	OPT_EXPOSE,
	OPT_CLEAN_ENV,
	OPT_MOUNT,
	OPT_TMPFS,
	OPT_HOSTNAME,
	OPT_NETWORK,
	OPT_RM,
	OPT_READ_ONLY,
	OPT_BUNDLE,
	OPT_IMAGE,
	OPT_IMAGE_PRUNE,
	OPT_ENTRYPOINT,
	OPT_SESSION,
	OPT_END,
	OPT_IDLE_TIMEOUT,
	OPT_WARM,
	OPT_EVENTS,
};

static const struct option long_options[] = {
    {"command", required_argument, NULL, 'c'},
    {"script", no_argument, NULL, OPT_SCRIPT},
    {"keep-going", no_argument, NULL, 'k'},
    {"shell", required_argument, NULL, OPT_SHELL},
    {"engine", required_argument, NULL, OPT_ENGINE},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"mem", required_argument, NULL, OPT_MEM},
    {"memory", required_argument, NULL, 'm'},
    {"kernel", required_argument, NULL, OPT_KERNEL},
    {"libkrun", required_argument, NULL, OPT_LIBKRUN},
    {"allow-writable-root", no_argument, NULL, OPT_WRITABLE_ROOT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"workdir", required_argument, NULL, 'w'},
    {"env", required_argument, NULL, 'e'},
    {"verbose", no_argument, NULL, 'V'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"report", required_argument, NULL, OPT_REPORT},
    {"events", no_argument, NULL, OPT_EVENTS},
    {"volume", required_argument, NULL, 'v'},
    {"disk", required_argument, NULL, OPT_DISK},
    {"net", no_argument, NULL, OPT_NET},
    {"publish", required_argument, NULL, 'p'},
    {"ulimit", required_argument, NULL, OPT_ULIMIT},
    {"root", required_argument, NULL, OPT_ROOT},
    {"env-file", required_argument, NULL, OPT_ENV_FILE},
    {"mask", required_argument, NULL, OPT_MASK},
    {"expose", required_argument, NULL, OPT_EXPOSE},
    {"clean-env", no_argument, NULL, OPT_CLEAN_ENV},
    {"bundle", required_argument, NULL, OPT_BUNDLE},
    {"image", required_argument, NULL, OPT_IMAGE},
    {"image-prune", no_argument, NULL, OPT_IMAGE_PRUNE},
    {"user", required_argument, NULL, 'u'},
    {"mount", required_argument, NULL, OPT_MOUNT},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"network", required_argument, NULL, OPT_NETWORK},
    {"interactive", no_argument, NULL, 'i'},
    {"tty", no_argument, NULL, 't'},
    {"rm", no_argument, NULL, OPT_RM},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
    {"session", required_argument, NULL, OPT_SESSION},
    {"end", no_argument, NULL, OPT_END},
    {"idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT},
    {"warm", required_argument, NULL, OPT_WARM},
    {NULL, 0, NULL, 0},
};

static int parse_unsigned(const char *text, unsigned long min, unsigned long max,
			  unsigned long *out)
{
	if (!text[0] || text[0] == '-' || text[0] == '+')
		return -1;
	char *end;
	errno = 0;
	unsigned long v = strtoul(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_mem(const char *text, unsigned *out)
{
	char digits[32];
	size_t n = strlen(text);
	unsigned long factor = 1;
	if (n == 0 || n >= sizeof(digits))
		return -1;
	memcpy(digits, text, n + 1);
	if (digits[n - 1] == 'G' || digits[n - 1] == 'g') {
		factor = 1024;
		digits[n - 1] = '\0';
	} else if (digits[n - 1] == 'M' || digits[n - 1] == 'm') {
		digits[n - 1] = '\0';
	}
	unsigned long v;
	if (parse_unsigned(digits, 1, MAX_MEM_MIB, &v) < 0)
		return -1;
	v *= factor;
	if (v < MIN_MEM_MIB || v > MAX_MEM_MIB)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* -m/--memory as podman reads it: bytes, or a number with b, k, m or g
 * (powers of 1024, either case); rounded up to whole MiB. */
static int parse_podman_memory(const char *text, unsigned *out)
{
	char *end;
	if (!text[0] || text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	unsigned shift = 0;
	if (*end) {
		const char *units = "bkmg";
		const char *u = strchr(units, end[0] | 0x20);
		if (!u || end[1])
			return -1;
		shift = 10u * (unsigned)(u - units);
	}
	if (errno || v > (1ull << 40))
		return -1;
	unsigned long long bytes = v << shift, mib = (bytes + (1u << 20) - 1) >> 20;
	if (mib < MIN_MEM_MIB || mib > MAX_MEM_MIB)
		return -1;
	*out = (unsigned)mib;
	return 0;
}

/* A host name the guest's sethostname and a shell prompt take as is:
 * letters, digits, '-' and '.', at most 64 bytes. */
static int parse_seconds(const char *text, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v <= 0 || v > 1e7)
		return -1;
	*out = v;
	return 0;
}

static int env_name_valid(const char *entry)
{
	size_t n = strcspn(entry, "=");
	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = entry[i];
		if (!(c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		      (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static int env_append(struct options *opts, char *entry, struct error *err)
{
	/* NULL-terminated, as the public process spec takes it */
	char **grown = realloc(opts->proc.env, (opts->proc.env_count + 2) * sizeof(char *));
	if (!grown) {
		error_set(err, ENOMEM, "parsing options");
		return -1;
	}
	opts->proc.env = grown;
	opts->proc.env[opts->proc.env_count++] = entry;
	opts->proc.env[opts->proc.env_count] = NULL;
	return 0;
}

/* --env-file: KEY=VALUE or KEY a line; blank lines and # comments skipped.
 * Values are taken literally (no quotes removed); a value with a newline
 * needs -e. */
static int read_env_file(struct options *opts, const char *path, struct error *err)
{
	FILE *f = fopen(path, "re");
	if (!f) {
		error_set(err, errno, "--env-file %s", path);
		return -1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned number = 0;
	int r = 0;
	while (r == 0 && (n = getline(&line, &cap, f)) >= 0) {
		number++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (!env_name_valid(line)) {
			error_set(err, 0, "--env-file %s: line %u is not KEY=VALUE", path, number);
			r = -1;
			break;
		}
		char *copy = strdup(line);
		char **owned =
		    realloc(opts->owned_env, (opts->owned_env_count + 1) * sizeof(char *));
		if (!copy || !owned) {
			free(copy);
			if (owned)
				opts->owned_env = owned;
			error_set(err, ENOMEM, "--env-file");
			r = -1;
			break;
		}
		opts->owned_env = owned;
		opts->owned_env[opts->owned_env_count++] = copy;
		r = env_append(opts, copy, err);
	}
	free(line);
	fclose(f);
	return r;
}

static enum cli_result bad_value(struct error *err, const char *option, const char *value,
				 const char *expected)
{
	error_set(err, 0, "invalid value '%s' for %s: expected %s", value, option, expected);
	return CLI_ERROR;
}

/* What the specs take from more than one flag, and the library's checks
 * of the VM's (the paths exist, guest paths are absolute and distinct,
 * limits hold), whose messages name the flag. */
static enum cli_result specs_complete(struct options *opts, struct error *err)
{
	/* --report and --events time each line of line mode (not of -c, one
	 * command). */
	int lines = opts->proc.mode == INPUT_LINES && !opts->command;
	opts->proc.line_events = lines && (opts->report_file || opts->events);
	/* The command line says what was thrown away (issue 11); a
	 * session's call throws nothing away: the next call sees it. */
	opts->proc.discarded_files = !opts->session;
	return run_spec_check_vm(opts, err) < 0 ? CLI_ERROR : CLI_RUN;
}

int cli_user_lookup(const char *spec, const char *root_dir, struct proc_flags *proc,
		    struct error *err)
{
	struct krunsh_error failed;
	if (krunsh_user_lookup(spec, root_dir, &proc->user, &failed) < 0) {
		error_from_api(err, &failed);
		return -1;
	}
	proc->user_set = 1;
	return 0;
}

/* Which VM-shaping options a flag gives, for a session's later calls. */
#define VMO(name) (1u << VM_OPTION_##name)
static const struct {
	int flag;
	unsigned options;
} vm_option_flags[] = {
    {OPT_ENGINE, VMO(ENGINE)},
    {OPT_CPUS, VMO(CPUS)},
    {OPT_MEM, VMO(MEMORY)},
    {'m', VMO(MEMORY)},
    {OPT_KERNEL, VMO(KERNEL)},
    {OPT_LIBKRUN, VMO(LIBKRUN)},
    {OPT_WRITABLE_ROOT, VMO(WRITABLE_ROOT)},
    {OPT_ROOT, VMO(ROOT)},
    {'v', VMO(VOLUMES)},
    {OPT_MOUNT, VMO(VOLUMES) | VMO(TMPFS)},
    {OPT_TMPFS, VMO(TMPFS)},
    {OPT_DISK, VMO(DISKS)},
    {OPT_NET, VMO(NETWORK)},
    {OPT_NETWORK, VMO(NETWORK)},
    {'p', VMO(PUBLISH) | VMO(NETWORK)},
    {OPT_HOSTNAME, VMO(HOSTNAME)},
    {OPT_MASK, VMO(MASKS)},
    {OPT_EXPOSE, VMO(EXPOSED)},
    {OPT_IDLE_TIMEOUT, VMO(IDLE_TIMEOUT)},
};

static unsigned vm_options_of(int c)
{
	for (size_t i = 0; i < sizeof(vm_option_flags) / sizeof(vm_option_flags[0]); i++)
		if (vm_option_flags[i].flag == c)
			return vm_option_flags[i].options;
	return 0;
}

/* --session's own rules, after the loop. */
static enum cli_result session_options_check(const struct options *opts, int rest,
					     struct error *err)
{
	if (!opts->session && (opts->session_end || (opts->idle_timeout > 0 && !opts->warm_set))) {
		error_set(err, 0, "%s needs --session NAME",
			  opts->session_end ? "--end" : "--idle-timeout");
		return CLI_ERROR;
	}
	if (opts->session_end && (rest > 0 || opts->command)) {
		error_set(err, 0, "--end stops the session: it runs no commands");
		return CLI_ERROR;
	}
	return CLI_RUN;
}

enum cli_result cli_parse(int argc, char **argv, struct options *opts, struct error *err)
{
	memset(opts, 0, sizeof(*opts));
	opts->proc.mode = INPUT_LINES;
	opts->vm.engine = "auto";
	opts->vm.cpus = 1;
	opts->vm.mem_mib = 512;
	opts->proc.shell = "/bin/sh";
	opterr = 0;
	optind = 1;
	int script_flag = 0, network_none = 0;
	const char *user_spec = NULL, *bundle_dir = NULL, *image_ref = NULL;
	struct bundle_overrides given = {0};
	int c;
	unsigned long v;
	/* '+': stop at the first operand, so "-- PROGRAM -x" keeps -x.
	 * ':': a missing value is ':', not '?' (an unknown option). */
	while ((c = getopt_long(argc, argv, "+:c:kw:e:Vhv:p:m:u:it", long_options, NULL)) != -1) {
		opts->vm_options_given |= vm_options_of(c);
		switch (c) {
		case OPT_SESSION:
			opts->session = optarg;
			break;
		case OPT_END:
			opts->session_end = 1;
			break;
		case OPT_WARM:
			if (parse_unsigned(optarg, 0, WARM_MAX, &v) < 0)
				return bad_value(err, "--warm", optarg,
						 "a whole number of VMs from 0 to " WARM_MAX_TEXT);
			opts->warm_set = 1;
			opts->warm_count = (unsigned)v;
			break;
		case OPT_IDLE_TIMEOUT: {
			char *end;
			errno = 0;
			double secs = strtod(optarg, &end);
			if (errno || end == optarg || *end || !(secs > 0) || secs > 7 * 86400)
				return bad_value(err, "--idle-timeout", optarg,
						 "seconds, more than 0 (at most a week)");
			opts->idle_timeout = secs;
			break;
		}
		case 'c':
			opts->command = optarg;
			break;
		case OPT_SCRIPT:
			script_flag = 1;
			break;
		case 'k':
			opts->keep_going = 1;
			break;
		case OPT_SHELL:
			if (optarg[0] != '/')
				return bad_value(err, "--shell", optarg, "an absolute path");
			opts->proc.shell = optarg;
			opts->shell_set = 1;
			break;
		case OPT_ENGINE:
			if (strcmp(optarg, "auto") && strcmp(optarg, "qemu") &&
			    strcmp(optarg, "krun"))
				return bad_value(err, "--engine", optarg, "auto, qemu or krun");
			opts->vm.engine = optarg;
			break;
		case OPT_CPUS:
			given.cpus = 1;
			if (parse_unsigned(optarg, 1, MAX_CPUS, &v) < 0)
				return bad_value(err, "--cpus", optarg,
						 "a whole number from 1 to 64");
			opts->vm.cpus = (unsigned)v;
			break;
		case OPT_MEM:
			given.memory = 1;
			if (parse_mem(optarg, &opts->vm.mem_mib) < 0)
				return bad_value(err, "--mem", optarg,
						 "MiB from 128 to 262144, or a G suffix");
			break;
		case OPT_KERNEL:
			opts->vm.kernel = optarg;
			break;
		case OPT_LIBKRUN:
			opts->vm.libkrun_path = optarg;
			break;
		case OPT_WRITABLE_ROOT:
			opts->vm.allow_writable_root = 1;
			break;
		case OPT_TIMEOUT:
			if (parse_seconds(optarg, &opts->timeout_seconds) < 0)
				return bad_value(err, "--timeout", optarg,
						 "seconds greater than 0");
			break;
		case 'w':
			if (optarg[0] != '/')
				return bad_value(err, "--workdir", optarg, "an absolute path");
			opts->proc.workdir = optarg;
			break;
		case 'e':
			if (!env_name_valid(optarg))
				return bad_value(err, "--env", optarg, "KEY or KEY=VALUE");
			if (env_append(opts, optarg, err) < 0)
				return CLI_ERROR;
			break;
		case 'V':
			opts->vm.verbose = 1;
			break;
		case 'm':
			given.memory = 1;
			if (parse_podman_memory(optarg, &opts->vm.mem_mib) < 0)
				return bad_value(err, "--memory", optarg,
						 "bytes, or a number with a b, k, m or g suffix, "
						 "from 128m to 256g");
			break;
		case 'u':
			user_spec = optarg;
			break;
		case OPT_HOSTNAME:
			if (!cli_hostname_valid(optarg))
				return bad_value(err, "--hostname", optarg,
						 "letters, digits, '-' and '.', at most 64");
			opts->vm.hostname = optarg;
			break;
		case OPT_NETWORK:
			if (strcmp(optarg, "none") == 0) {
				network_none = 1;
				opts->vm.network = 0;
			} else if (strcmp(optarg, "user") == 0) {
				network_none = 0;
				opts->vm.network = 1;
			} else {
				return bad_value(
				    err, "--network", optarg,
				    "none or user (QEMU user-mode NAT, as --net); "
				    "krunsh has no bridge, host or container networks");
			}
			break;
		case 'i':
		case OPT_RM:
			/* What krunsh always does: stdin reaches the commands
			 * whenever it does not carry them, and nothing of the
			 * VM outlives the run. */
			break;
		case 't':
			opts->tty = 1;
			break;
		case OPT_READ_ONLY:
			error_set(
			    err, 0,
			    "--read-only is not supported: the guest's writes already go to a "
			    "throw-away overlay and never reach the host; drop it");
			return CLI_ERROR;
		case OPT_ENTRYPOINT:
			error_set(err, 0,
				  "--entrypoint has no meaning in krunsh (there is no image): put "
				  "the program after --, as krunsh -- PROGRAM ARGS");
			return CLI_ERROR;
		case OPT_MOUNT:
			if (resources_add_mount(&opts->vm.resources, optarg, err) < 0)
				return CLI_ERROR;
			break;
		case OPT_TMPFS:
			if (resources_add_tmpfs(&opts->vm.resources, optarg, err) < 0)
				return CLI_ERROR;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return CLI_EXIT_OK;
		case OPT_REPORT:
			if (!optarg[0])
				return bad_value(err, "--report", optarg, "a file name");
			opts->report_file = optarg;
			break;
		case OPT_EVENTS:
			opts->events = 1;
			break;
		case 'v':
			if (resources_add_volume(&opts->vm.resources, optarg, err) < 0)
				return CLI_ERROR;
			break;
		case OPT_DISK:
			if (resources_add_disk(&opts->vm.resources, optarg, err) < 0)
				return CLI_ERROR;
			break;
		case OPT_NET:
			opts->vm.network = 1;
			network_none = 0;
			break;
		case 'p':
			if (resources_add_port(&opts->vm.resources, optarg, err) < 0)
				return CLI_ERROR;
			opts->vm.network = 1;
			break;
		case OPT_ULIMIT:
			if (ulimits_add(&opts->rlimits, optarg, err) < 0)
				return CLI_ERROR;
			break;
		case OPT_MASK:
		case OPT_EXPOSE: {
			struct stat st;
			if (optarg[0] != '/' || (c == OPT_MASK && lstat(optarg, &st) < 0))
				return bad_value(err, c == OPT_MASK ? "--mask" : "--expose", optarg,
						 c == OPT_MASK ? "an existing absolute host path"
							       : "an absolute host path");
			const char ***list = c == OPT_MASK ? &opts->vm.masks : &opts->vm.exposed;
			size_t *count =
			    c == OPT_MASK ? &opts->vm.mask_count : &opts->vm.exposed_count;
			const char **grown = realloc(*list, (*count + 1) * sizeof(**list));
			if (!grown) {
				error_set(err, ENOMEM, "parsing options");
				return CLI_ERROR;
			}
			grown[(*count)++] = optarg;
			*list = grown;
			break;
		}
		case OPT_ROOT: {
			struct stat st;
			if (optarg[0] != '/' || stat(optarg, &st) < 0 || !S_ISDIR(st.st_mode))
				return bad_value(err, "--root", optarg,
						 "an absolute path of an existing directory");
			opts->vm.root_dir = optarg;
			break;
		}
		case OPT_BUNDLE:
			bundle_dir = optarg;
			break;
		case OPT_IMAGE:
			image_ref = optarg;
			break;
		case OPT_IMAGE_PRUNE:
			opts->image_prune = 1;
			break;
		case OPT_ENV_FILE:
			if (read_env_file(opts, optarg, err) < 0)
				return CLI_ERROR;
			break;
		case OPT_CLEAN_ENV:
			opts->clean_env = 1;
			break;
		case OPT_VERSION:
			printf("krunsh %s\n", KRUNSH_VERSION);
			return CLI_EXIT_OK;
		case ':':
			error_set(err, 0, "option %s needs a value (see krunsh --help)",
				  argv[optind - 1]);
			return CLI_ERROR;
		default:
			if (optopt && optopt < 256)
				error_set(err, 0, "unknown option -%c (see krunsh --help)", optopt);
			else
				error_set(err, 0, "unknown option %s (see krunsh --help)",
					  argv[optind - 1]);
			return CLI_ERROR;
		}
	}
	int rest = argc - optind;
	int saw_dashdash = optind > 1 && strcmp(argv[optind - 1], "--") == 0;
	if (warm_options_check(opts, rest || saw_dashdash || script_flag, bundle_dir || image_ref,
			       err) < 0)
		return CLI_ERROR;
	if (opts->image_prune)
		return rest || image_ref || bundle_dir
			   ? (error_set(err, 0, "--image-prune takes no other work"), CLI_ERROR)
			   : CLI_RUN;
	given.workdir = opts->proc.workdir != NULL;
	given.hostname = opts->vm.hostname != NULL;
	given.user = user_spec != NULL;
	given.program = saw_dashdash;
	given.commands = opts->command || script_flag || rest > 0;
	/* -V names what a bundle's or an image's config decides, as it is read. */
	log_verbose = opts->vm.verbose;
	if ((bundle_dir || image_ref) && opts->vm.root_dir) {
		error_set(err, 0, "--%s brings its own root: drop --root",
			  bundle_dir ? "bundle" : "image");
		return CLI_ERROR;
	}
	if (bundle_dir && image_ref) {
		error_set(err, 0, "give either --bundle or --image, not both");
		return CLI_ERROR;
	}
	/* For a session, what a bundle or an image gives counts as given. */
	if (bundle_dir || image_ref)
		opts->vm_options_given |= ~(1u << VM_OPTION_IDLE_TIMEOUT);
	if (bundle_dir && bundle_apply(bundle_dir, &given, opts, err) < 0)
		return CLI_ERROR;
	if (image_ref && opts->session) {
		/* The keeper would not hold the image cache entry's lock. */
		error_set(err, 0, "--session cannot run an --image yet: give its root with --root");
		return CLI_ERROR;
	}
	if (image_ref) {
		if (saw_dashdash && (opts->command || script_flag || opts->keep_going)) {
			error_set(
			    err, 0,
			    "-- PROGRAM cannot be combined with -c, --script or --keep-going");
			return CLI_ERROR;
		}
		struct image_request req = {.ref = image_ref,
					    .given = given,
					    .image_command = saw_dashdash && rest == 0,
					    .args =
						saw_dashdash && rest > 0 ? argv + optind : NULL};
		if (image_apply(&req, opts, err) < 0)
			return CLI_ERROR;
		if (saw_dashdash)
			return specs_complete(opts, err);
	}
	if (network_none && opts->vm.resources.port_count) {
		error_set(err, 0, "--network none cannot be combined with --publish");
		return CLI_ERROR;
	}
	/* After the loop: a --root given later names the passwd file. */
	if (user_spec && cli_user_lookup(user_spec, opts->vm.root_dir, &opts->proc, err) < 0)
		return CLI_ERROR;
	if (session_options_check(opts, rest, err) != CLI_RUN)
		return CLI_ERROR;
	if (saw_dashdash) {
		if (rest == 0) {
			error_set(err, 0, "'--' must be followed by a program to run");
			return CLI_ERROR;
		}
		if (opts->command || script_flag || opts->keep_going) {
			error_set(
			    err, 0,
			    "-- PROGRAM cannot be combined with -c, --script or --keep-going");
			return CLI_ERROR;
		}
		opts->proc.mode = INPUT_EXEC;
		opts->proc.exec_argv = argv + optind;
		return specs_complete(opts, err);
	}
	if (rest > 1) {
		/* Typically a test runner's `-exec krunsh`: name the fix, since
		 * "too many arguments" alone does not say that -- is missing. */
		error_set(err, 0,
			  "too many arguments: krunsh takes at most one FILE of commands; to run "
			  "a program with arguments, put -- before it: krunsh [OPTIONS] -- "
			  "PROGRAM ARGS (as a runner: go test -exec 'krunsh --')");
		return CLI_ERROR;
	}
	if (rest == 1) {
		if (opts->command) {
			error_set(err, 0, "give either -c COMMAND or FILE, not both");
			return CLI_ERROR;
		}
		opts->script_file = argv[optind];
	}
	if (script_flag)
		opts->proc.mode = INPUT_SCRIPT;
	if (opts->tty && cli_no_program(opts) && (script_flag || opts->keep_going)) {
		error_set(err, 0,
			  "-t runs a PROGRAM, FILE, -c COMMAND or an interactive shell, not "
			  "commands from stdin: drop --script/--keep-going, or drop -t");
		return CLI_ERROR;
	}
	return specs_complete(opts, err);
}

int cli_no_program(const struct options *opts)
{
	return opts->proc.mode != INPUT_EXEC && !opts->command && !opts->script_file;
}

int cli_stdin_reaches_commands(const struct options *opts)
{
	return opts->proc.mode == INPUT_EXEC || opts->command || opts->script_file;
}

void cli_free(struct options *opts)
{
	free(opts->proc.env);
	opts->proc.env = NULL;
	free(opts->proc.host_env);
	opts->proc.host_env = NULL;
	for (size_t i = 0; i < opts->owned_env_count; i++)
		free(opts->owned_env[i]);
	free(opts->owned_env);
	opts->owned_env = NULL;
	opts->owned_env_count = 0;
	resource_list_free(&opts->vm.resources);
	rlimit_list_free(&opts->rlimits);
	bundle_free(opts);
	image_free(opts);
	free(opts->vm.masks);
	free(opts->vm.exposed);
	opts->vm.masks = opts->vm.exposed = NULL;
	opts->vm.mask_count = opts->vm.exposed_count = 0;
}
