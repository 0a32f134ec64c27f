/* krunsh-oci's commands. A container is a microVM: `create` checks the
 * bundle and forks the container's init, which waits on start.fifo; `start`
 * opens the FIFO, and the init execs `krunsh --bundle BUNDLE`, which boots
 * the VM and runs process.args in it with the stdio the caller (conmon,
 * the runc shim) handed to `create`, and exits with the process's status.
 * So the container's pid is krunsh's, its exit status the process's, and
 * a signal to it (kill) is krunsh's to act on: SIGTERM stops the VM
 * (143), SIGKILL takes the VM down with krunsh (137). */
#include "runtime/commands.h"
#include "cli/oci/bundle.h"
#include "cli/options.h"
#include "cli/run_spec.h"
#include "runtime/state.h"
#include "util/path.h"
#include "util/text.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int write_pid_file(const char *path, pid_t pid, struct error *err)
{
	char tmp[4200], text[32];
	text_format(tmp, sizeof(tmp), "%s.krunsh-new", path);
	int n = snprintf(text, sizeof(text), "%d", (int)pid);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, (size_t)n) != n || close(fd) < 0 || rename(tmp, path) < 0) {
		error_set(err, errno, "pid file %s", path);
		if (fd >= 0)
			unlink(tmp);
		return -1;
	}
	return 0;
}

/* What krunsh itself would refuse, refused at create, where the caller
 * expects it: the bundle is read as krunsh will read it. */
static int bundle_check(const char *bundle, struct error *err)
{
	struct options opts;
	memset(&opts, 0, sizeof(opts));
	struct bundle_overrides given = {0};
	int r = bundle_apply(bundle, &given, &opts, err);
	if (r == 0)
		r = run_spec_check_vm(&opts, err);
	cli_free(&opts);
	return r;
}

/* --console-socket: a pseudo-terminal whose master goes to the caller
 * (conmon relays it to the user's terminal) and whose slave becomes the
 * init's stdio; krunsh, on it, puts it in raw mode and gives the guest
 * program a terminal of its own (process.terminal, as -t). */
static int console_open(const char *socket_path, int *slave_out, struct error *err)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC), slave = -1, sock = -1;
	const char *name =
	    master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0 ? ptsname(master) : NULL;
	if (!name || (slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		error_set(err, errno, "a pseudo-terminal for the console");
		goto failed;
	}
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(socket_path) >= sizeof(addr.sun_path)) {
		error_set(err, 0, "--console-socket %s: path too long", socket_path);
		goto failed;
	}
	strcpy(addr.sun_path, socket_path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		error_set(err, errno, "--console-socket %s", socket_path);
		goto failed;
	}
	char control[CMSG_SPACE(sizeof(int))] = {0};
	struct iovec iov = {.iov_base = (void *)name, .iov_len = strlen(name)};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control)};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &master, sizeof(int));
	if (sendmsg(sock, &msg, 0) < 0) {
		error_set(err, errno, "sending the console to %s", socket_path);
		goto failed;
	}
	close(sock);
	close(master);
	*slave_out = slave;
	return 0;
failed:
	if (sock >= 0)
		close(sock);
	if (slave >= 0)
		close(slave);
	if (master >= 0)
		close(master);
	return -1;
}

/* The container's init: waits for start, then becomes krunsh. */
static void init_process(const struct runtime_globals *g, const char *fifo, const char *bundle,
			 int console)
{
	if (console >= 0) {
		/* The console is its controlling terminal and its stdio. */
		if (setsid() < 0 || ioctl(console, TIOCSCTTY, 0) < 0 || dup2(console, 0) < 0 ||
		    dup2(console, 1) < 0 || dup2(console, 2) < 0)
			_exit(125);
	}
	/* Only the stdio the caller gave create goes on. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	int in = open(fifo, O_RDONLY | O_CLOEXEC);
	char byte;
	if (in < 0 || read(in, &byte, 1) != 1)
		_exit(125);
	close(in);
	unlink(fifo);
	execl(g->krunsh, "krunsh", "--bundle", bundle, (char *)NULL);
	dprintf(2, "krunsh-oci: cannot run %s: %s\n", g->krunsh, strerror(errno));
	_exit(125);
}

int runtime_create(const struct runtime_globals *g, const struct create_args *a, struct error *err)
{
	struct container c = {0};
	char *bundle = realpath(a->bundle ? a->bundle : ".", NULL);
	if (!bundle) {
		error_set(err, errno, "bundle %s", a->bundle ? a->bundle : ".");
		return 1;
	}
	text_format(c.bundle, sizeof(c.bundle), "%s", bundle);
	free(bundle);
	if (bundle_check(c.bundle, err) < 0)
		return 1;
	if (container_dir_make(g->root, a->id, c.dir, sizeof(c.dir), err) < 0)
		return 1;
	text_format(c.id, sizeof(c.id), "%s", a->id);
	char fifo[4200];
	if (path_join(fifo, sizeof(fifo), c.dir, "start.fifo", err) < 0 || mkfifo(fifo, 0600) < 0) {
		if (!err->message[0])
			error_set(err, errno, "start FIFO %s", fifo);
		container_remove(&c);
		return 1;
	}
	int console = -1;
	if (a->console_socket && console_open(a->console_socket, &console, err) < 0) {
		container_remove(&c);
		return 1;
	}
	time_t now = time(NULL);
	struct tm tm;
	strftime(c.created, sizeof(c.created), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
	pid_t pid = fork();
	if (pid < 0) {
		error_set(err, errno, "forking the container's init");
		if (console >= 0)
			close(console);
		container_remove(&c);
		return 1;
	}
	if (pid == 0)
		init_process(g, fifo, c.bundle, console);
	if (console >= 0)
		close(console);
	c.pid = pid;
	/* The child is there: its start time is readable now. */
	for (int i = 0; i < 100 && !(c.start_time = process_start_time(pid)); i++)
		usleep(1000);
	if (container_save(&c, err) < 0 ||
	    (a->pid_file && write_pid_file(a->pid_file, pid, err) < 0)) {
		kill(pid, SIGKILL);
		container_remove(&c);
		return 1;
	}
	return 0;
}

int runtime_start(const struct runtime_globals *g, const char *id, struct error *err)
{
	struct container c;
	if (container_load(g->root, id, &c, err) < 0)
		return 1;
	if (container_status(&c) != CONTAINER_CREATED) {
		error_set(err, 0, "container %s is %s, not created", id,
			  container_status_name(container_status(&c)));
		return 1;
	}
	char fifo[4200];
	if (path_join(fifo, sizeof(fifo), c.dir, "start.fifo", err) < 0)
		return 1;
	/* The init may not have opened its end yet (create returns as soon
	 * as it exists): no reader is ENXIO, so wait while it lives. */
	int out = -1;
	for (int i = 0; i < 5000; i++) {
		out = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
		if (out >= 0 || errno != ENXIO || container_status(&c) != CONTAINER_CREATED)
			break;
		usleep(1000);
	}
	if (out < 0 || write(out, "s", 1) != 1) {
		error_set(err, errno, "container %s: its init does not wait for start", id);
		if (out >= 0)
			close(out);
		return 1;
	}
	close(out);
	c.started = 1;
	return container_save(&c, err) < 0;
}

int runtime_state(const struct runtime_globals *g, const char *id, struct error *err)
{
	struct container c;
	if (container_load(g->root, id, &c, err) < 0)
		return 1;
	enum container_status s = container_status(&c);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "ociVersion", json_object_new_string("1.0.2"));
	json_object_object_add(o, "id", json_object_new_string(c.id));
	json_object_object_add(o, "status", json_object_new_string(container_status_name(s)));
	json_object_object_add(o, "pid", json_object_new_int(s == CONTAINER_STOPPED ? 0 : c.pid));
	json_object_object_add(o, "bundle", json_object_new_string(c.bundle));
	json_object_object_add(o, "created", json_object_new_string(c.created));
	json_object_object_add(o, "annotations", json_object_new_object());
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
	return 0;
}

/* "TERM", "SIGTERM" or "15". */
static int parse_signal(const char *name)
{
	char *end;
	long n = strtol(name, &end, 10);
	if (*name && !*end)
		return n > 0 && n < NSIG ? (int)n : -1;
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (int s = 1; s < NSIG; s++) {
		const char *abbrev = sigabbrev_np(s);
		if (abbrev && strcmp(abbrev, name) == 0)
			return s;
	}
	return -1;
}

int runtime_kill(const struct runtime_globals *g, const char *id, const char *signal_name, int all,
		 struct error *err)
{
	(void)all; /* one process: the VM's krunsh */
	struct container c;
	if (container_load(g->root, id, &c, err) < 0)
		return 1;
	int sig = parse_signal(signal_name ? signal_name : "TERM");
	if (sig < 0) {
		error_set(err, 0, "unknown signal %.40s", signal_name);
		return 1;
	}
	if (container_status(&c) == CONTAINER_STOPPED) {
		error_set(err, 0, "container %s is not running", id);
		return 1;
	}
	if (kill(c.pid, sig) < 0) {
		error_set(err, errno, "signalling container %s", id);
		return 1;
	}
	return 0;
}

int runtime_delete(const struct runtime_globals *g, const char *id, int force, struct error *err)
{
	struct container c;
	if (container_load(g->root, id, &c, err) < 0)
		return force ? 0 : 1; /* as runc: gone is what --force asks */
	enum container_status s = container_status(&c);
	if (s == CONTAINER_RUNNING && !force) {
		error_set(err, 0, "container %s is running: stop it, or delete --force", id);
		return 1;
	}
	if (s != CONTAINER_STOPPED) {
		/* krunsh takes its VM down with it. */
		kill(c.pid, SIGKILL);
		for (int i = 0; i < 1000 && container_status(&c) != CONTAINER_STOPPED; i++)
			usleep(10000);
	}
	container_remove(&c);
	return 0;
}

int runtime_features(void)
{
	puts("{\n"
	     "  \"ociVersionMin\": \"1.0.0\",\n"
	     "  \"ociVersionMax\": \"1.1.0\",\n"
	     "  \"hooks\": [],\n"
	     "  \"mountOptions\": [\"bind\", \"rbind\", \"ro\", \"rw\", \"nosuid\", \"noexec\", "
	     "\"nodev\", \"size\", \"mode\", \"nr_inodes\"],\n"
	     "  \"linux\": {\"namespaces\": [], \"capabilities\": [], \"cgroup\": {\"v1\": false, "
	     "\"v2\": false}, \"seccomp\": {\"enabled\": false}},\n"
	     "  \"annotations\": {\"io.github.krunsh.vm\": \"each container is a microVM\"}\n"
	     "}");
	return 0;
}
