#include "cli/keeper/warm_keeper.h"
#include "cli/keeper/keeper_files.h"
#include "cli/keeper/keeper_wire.h"
#include "cli/keeper/warm_holder.h"
#include "cli/keeper/warm_spec.h"
#include "cli/signals.h"
#include "util/text.h"
#include "util/clock.h"
#include "util/process.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A call has this long to say what it wants once connected: the keeper
 * serves one request at a time. */
#define REQUEST_TIMEOUT_MS 2000
/* Slots for VMs booting, booted and lent: WARM_MAX kept, the rest lent. */
#define SLOTS_MAX (4 * WARM_MAX)
/* After this many boots in a row failed the keeper boots no more until
 * the next WARM request: a broken kernel must not make it spin. */
#define FAILURES_MAX 3
/* How long the keeper's end waits for a holder to stop its VM. */
#define STOP_WAIT_SECONDS 10.0
/* A replacement boot waits until no run has taken a VM for this long, as
 * long as one is left ready: under TCG a boot is half a second of CPU,
 * and booting while runs come back to back took their cores (16 warm runs
 * with --warm 16 ready took 3.9x 16 single warm runs; 0.82 s, 1.0x, with
 * the pause). */
#define REFILL_PAUSE_SECONDS 0.25

enum slot_state { SLOT_FREE, SLOT_BOOTING, SLOT_READY, SLOT_LENT, SLOT_STOPPING };

struct slot {
	enum slot_state state;
	pid_t holder;
	int ctl;		  /* the holder's socket pair: EOF when it has gone */
	int client;		  /* LENT: the run's connection */
	int loan[KEEPER_MAX_FDS]; /* READY: the VM's channel and log, to hand on */
	uint32_t execs_done;
	int said_why; /* BOOTING: its failure is k->last_failure already */
};

struct warm_keeper {
	const struct warm_keeper_start *start;
	struct slot slots[SLOTS_MAX];
	int waiters[SLOTS_MAX]; /* TAKE requests waiting for a booting VM, oldest first */
	size_t waiter_count;
	int warm_waiter; /* a WARM request waiting for its VMs to be up; -1: none */
	unsigned target;
	unsigned boots_at_once; /* the host's CPUs: more boots only slow each */
	double refill_after;	/* the last take's time + REFILL_PAUSE_SECONDS */
	unsigned failures;
	double retry_at;
	char last_failure[600];
	double idle_seconds, idle_until;
	int listen_fd;
	pid_t janitor;
	int janitor_pipe;
	struct keeper_message message;
};

static unsigned count_in(const struct warm_keeper *k, enum slot_state state)
{
	unsigned n = 0;
	for (int i = 0; i < SLOTS_MAX; i++)
		n += k->slots[i].state == state;
	return n;
}

static void reply(struct warm_keeper *k, int fd, int ok, const char *text)
{
	k->message = (struct keeper_message){
	    .version = KEEPER_WIRE_VERSION, .op = KEEPER_REPLY, .ok = (uint32_t)ok};
	text_format(k->message.text, sizeof(k->message.text), "%s", text);
	keeper_send(fd, &k->message, NULL, 0);
}

static void close_loan(struct slot *s)
{
	for (int i = 0; i < KEEPER_MAX_FDS; i++) {
		if (s->loan[i] >= 0)
			close(s->loan[i]);
		s->loan[i] = -1;
	}
}

/* The holder stops its VM and exits; its EOF on ctl frees the slot. */
static void slot_stop(struct slot *s)
{
	close_loan(s);
	if (s->client >= 0)
		close(s->client);
	s->client = -1;
	if (s->state != SLOT_STOPPING && s->holder > 0)
		kill(s->holder, SIGTERM);
	s->state = SLOT_STOPPING;
}

/* The holder's wait status. */
static int slot_reap(struct slot *s)
{
	slot_stop(s);
	close(s->ctl);
	int status = 0;
	while (waitpid(s->holder, &status, 0) < 0 && errno == EINTR)
		;
	*s = (struct slot){.state = SLOT_FREE, .ctl = -1, .client = -1, .loan = {-1, -1}};
	return status;
}

static void boot_one(struct warm_keeper *k)
{
	struct slot *s = NULL;
	for (int i = 0; i < SLOTS_MAX && !s; i++)
		if (k->slots[i].state == SLOT_FREE)
			s = &k->slots[i];
	if (!s)
		return;
	struct warm_holder_start hs = {.vm = k->start->vm, .janitor_pipe = k->janitor_pipe};
	pid_t pid = warm_holder_start(&hs, &s->ctl);
	if (pid < 0) {
		k->failures++;
		text_format(k->last_failure, sizeof(k->last_failure), "fork: %s", strerror(errno));
		k->retry_at = monotonic_seconds() + k->failures;
		return;
	}
	s->state = SLOT_BOOTING;
	s->holder = pid;
}

/* 1 when a replacement is owed but waits: runs are taking VMs and one is
 * still ready for the next. With none ready a run would wait or boot
 * cold, so then it boots at once. */
static int refill_deferred(const struct warm_keeper *k)
{
	return count_in(k, SLOT_READY) > 0 && monotonic_seconds() < k->refill_after;
}

/* Booted or booting: count of them, while boots succeed, at most
 * boots_at_once booting (the first of many is ready sooner). */
static void refill(struct warm_keeper *k)
{
	while (count_in(k, SLOT_BOOTING) + count_in(k, SLOT_READY) < k->target &&
	       count_in(k, SLOT_BOOTING) < k->boots_at_once && !refill_deferred(k) &&
	       k->failures < FAILURES_MAX && monotonic_seconds() >= k->retry_at) {
		unsigned before = k->failures;
		boot_one(k);
		if (k->failures != before)
			break;
	}
}

/* Excess VMs go, booting ones first (they are the least use). */
static void shrink(struct warm_keeper *k)
{
	for (enum slot_state st = SLOT_BOOTING; st <= SLOT_READY; st++)
		for (int i = 0; i < SLOTS_MAX; i++)
			if (count_in(k, SLOT_BOOTING) + count_in(k, SLOT_READY) > k->target &&
			    k->slots[i].state == st)
				slot_stop(&k->slots[i]);
}

/* waited: the run had to wait for this VM's boot (its -V says so, and the
 * bench counts such runs). */
static void lend(struct warm_keeper *k, struct slot *s, int fd, int waited)
{
	k->message = (struct keeper_message){.version = KEEPER_WIRE_VERSION,
					     .op = KEEPER_REPLY,
					     .ok = 1,
					     .execs_done = s->execs_done};
	text_format(k->message.engine, sizeof(k->message.engine), "%s", k->start->engine);
	if (waited)
		text_format(k->message.text, sizeof(k->message.text), "waited for its boot");
	int sent = keeper_send(fd, &k->message, s->loan, s->loan[1] >= 0 ? 2 : 1);
	k->refill_after = monotonic_seconds() + REFILL_PAUSE_SECONDS;
	close_loan(s); /* the run's now, and the holder's */
	s->state = SLOT_LENT;
	s->client = fd;
	if (sent < 0)
		slot_stop(s); /* it may have the channel: the VM is not clean any more */
}

static void answer_warm_waiter(struct warm_keeper *k)
{
	if (k->warm_waiter < 0)
		return;
	if (count_in(k, SLOT_READY) >= k->target) {
		reply(k, k->warm_waiter, 1, "");
	} else if (k->failures > 0) {
		char why[700];
		text_format(why, sizeof(why), "a warm VM did not boot: %s", k->last_failure);
		reply(k, k->warm_waiter, 0, why);
	} else {
		return;
	}
	close(k->warm_waiter);
	k->warm_waiter = -1;
}

/* Runs waiting for a booting VM that will not come: they boot cold. */
static void refuse_stranded_waiters(struct warm_keeper *k, const char *why)
{
	while (k->waiter_count > count_in(k, SLOT_BOOTING)) {
		int fd = k->waiters[--k->waiter_count];
		reply(k, fd, 0, why);
		close(fd);
	}
}

static void on_holder(struct warm_keeper *k, struct slot *s)
{
	int fds[KEEPER_MAX_FDS];
	int r = keeper_receive(s->ctl, &k->message, fds, 0, -1);
	if (s->state == SLOT_BOOTING && r == 1 && k->message.op == KEEPER_REPLY && k->message.ok &&
	    fds[0] >= 0) {
		s->state = SLOT_READY;
		s->loan[0] = fds[0];
		s->loan[1] = fds[1];
		s->execs_done = k->message.execs_done;
		k->failures = 0;
		if (k->waiter_count > 0) {
			int fd = k->waiters[0];
			memmove(k->waiters, k->waiters + 1, --k->waiter_count * sizeof(int));
			lend(k, s, fd, 1);
		}
		answer_warm_waiter(k);
		return;
	}
	for (int i = 0; i < KEEPER_MAX_FDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (r == 1) {
		if (s->state == SLOT_BOOTING && k->message.op == KEEPER_REPLY && !k->message.ok) {
			text_format(k->last_failure, sizeof(k->last_failure), "%s",
				    k->message.text);
			s->said_why = 1;
		}
		return; /* nothing else is meant to come: wait for its EOF */
	}
	int booting = s->state == SLOT_BOOTING, said_why = s->said_why;
	/* Its VM is gone (a boot failed, a VM died, a stop completed). */
	int status = slot_reap(s);
	if (booting) {
		k->failures++;
		if (said_why)
			;
		else if (WIFSIGNALED(status))
			text_format(k->last_failure, sizeof(k->last_failure),
				    "its holder was killed by signal %d", WTERMSIG(status));
		else
			text_format(k->last_failure, sizeof(k->last_failure),
				    "its holder exited with status %d", WEXITSTATUS(status));
		k->retry_at = monotonic_seconds() + k->failures;
	}
	char why[700];
	text_format(why, sizeof(why), "the warm VM a run waited for did not boot: %s",
		    k->last_failure);
	refuse_stranded_waiters(k, why);
	answer_warm_waiter(k);
}

static void serve_take(struct warm_keeper *k, int fd)
{
	char why[1400];
	if (warm_spec_differs(k->start->spec, k->message.text, why, sizeof(why))) {
		reply(k, fd, 0, why);
		close(fd);
		return;
	}
	for (int i = 0; i < SLOTS_MAX; i++) {
		if (k->slots[i].state == SLOT_READY) {
			lend(k, &k->slots[i], fd, 0);
			refill(k);
			return;
		}
	}
	unsigned booting = count_in(k, SLOT_BOOTING);
	if (k->waiter_count < booting && k->waiter_count < SLOTS_MAX) {
		k->waiters[k->waiter_count++] = fd;
		return;
	}
	if (k->target == 0)
		text_format(why, sizeof(why), "the warm keeper keeps no VM");
	else if (k->failures >= FAILURES_MAX)
		text_format(why, sizeof(why), "the warm VMs fail to boot: %s", k->last_failure);
	else
		text_format(why, sizeof(why),
			    "no warm VM free (%u booting, as many runs waiting for them)", booting);
	reply(k, fd, 0, why);
	close(fd);
}

static void keeper_end(struct warm_keeper *k, int status, int answer_fd) __attribute__((noreturn));
static void keeper_end(struct warm_keeper *k, int status, int answer_fd)
{
	if (k->listen_fd >= 0)
		close(k->listen_fd);
	k->target = 0;
	refuse_stranded_waiters(k, "the warm keeper is stopping");
	if (k->warm_waiter >= 0)
		close(k->warm_waiter);
	for (int i = 0; i < SLOTS_MAX; i++)
		if (k->slots[i].state != SLOT_FREE)
			slot_stop(&k->slots[i]);
	/* Each holder stops its VM; one that does not in time is killed,
	 * its VMM with it (PR_SET_PDEATHSIG), its files the janitor's. */
	double give_up = monotonic_seconds() + STOP_WAIT_SECONDS;
	for (int i = 0; i < SLOTS_MAX; i++) {
		struct slot *s = &k->slots[i];
		if (s->state == SLOT_FREE)
			continue;
		struct pollfd p = {.fd = s->ctl, .events = POLLIN};
		char b;
		while (poll(&p, 1, (int)fmax(0, (give_up - monotonic_seconds()) * 1000)) > 0 &&
		       read(s->ctl, &b, 1) > 0)
			;
		kill(s->holder, SIGKILL);
		slot_reap(s);
	}
	if (k->janitor_pipe >= 0)
		close(k->janitor_pipe);
	while (k->janitor > 0 && waitpid(k->janitor, NULL, 0) < 0 && errno == EINTR)
		;
	if (answer_fd >= 0)
		reply(k, answer_fd, 1, "");
	_exit(status);
}

/* 1 when the keeper is to end (WARM 0, END), with fd kept for its answer. */
static int serve(struct warm_keeper *k, int fd)
{
	if (keeper_peer_check(fd) < 0) {
		close(fd); /* another user: not a word */
		return 0;
	}
	int none[KEEPER_MAX_FDS];
	int r = keeper_receive(fd, &k->message, none, REQUEST_TIMEOUT_MS, -1);
	for (int i = 0; i < KEEPER_MAX_FDS; i++)
		if (none[i] >= 0)
			close(none[i]);
	if (r != 1) {
		close(fd);
		return 0;
	}
	k->idle_until = monotonic_seconds() + k->idle_seconds;
	if (k->message.op == KEEPER_END || (k->message.op == KEEPER_WARM && k->message.count == 0))
		return 1;
	if (k->message.op == KEEPER_TAKE) {
		serve_take(k, fd);
		return 0;
	}
	if (k->message.op != KEEPER_WARM) {
		close(fd);
		return 0;
	}
	char why[1400];
	if (warm_spec_differs(k->start->spec, k->message.text, why, sizeof(why))) {
		char said[1500];
		text_format(said, sizeof(said), "%s: stop them first (krunsh --warm 0)", why);
		reply(k, fd, 0, said);
		close(fd);
		return 0;
	}
	k->target = k->message.count > WARM_MAX ? WARM_MAX : k->message.count;
	if (k->message.idle_ms)
		k->idle_seconds = k->message.idle_ms / 1000.0;
	k->idle_until = monotonic_seconds() + k->idle_seconds;
	k->failures = 0;
	k->retry_at = 0;
	if (k->warm_waiter >= 0) {
		reply(k, k->warm_waiter, 0, "another krunsh --warm changed the pool meanwhile");
		close(k->warm_waiter);
	}
	k->warm_waiter = fd;
	shrink(k);
	refill(k);
	refuse_stranded_waiters(k, "the pool shrank");
	answer_warm_waiter(k);
	return 0;
}

/* Two entries per slot (its holder, its run), the waiters, the listener
 * and the signals. */
#define POLL_MAX (2 + 2 * SLOTS_MAX + SLOTS_MAX)
struct keeper_poll {
	struct pollfd fds[POLL_MAX];
	struct slot *slot_of[POLL_MAX];
	int is_client[POLL_MAX];
	int n;
};

static void watch(struct keeper_poll *p, int fd, struct slot *s, int is_client)
{
	p->fds[p->n] = (struct pollfd){.fd = fd, .events = POLLIN};
	p->slot_of[p->n] = s;
	p->is_client[p->n] = is_client;
	p->n++;
}

static void keeper_serve(struct warm_keeper *k) __attribute__((noreturn));
static void keeper_serve(struct warm_keeper *k)
{
	static struct keeper_poll p;
	for (;;) {
		refill(k);
		p.n = 0;
		watch(&p, k->listen_fd, NULL, 0);
		watch(&p, signals_fd(), NULL, 0);
		int waiters_from = 0;
		for (int i = 0; i < SLOTS_MAX; i++) {
			struct slot *s = &k->slots[i];
			if (s->state == SLOT_FREE)
				continue;
			watch(&p, s->ctl, s, 0);
			if (s->state == SLOT_LENT)
				watch(&p, s->client, s, 1);
		}
		waiters_from = p.n;
		for (size_t i = 0; i < k->waiter_count; i++)
			watch(&p, k->waiters[i], NULL, 1);
		double now = monotonic_seconds();
		int busy = count_in(k, SLOT_LENT) > 0 || k->waiter_count > 0 || k->warm_waiter >= 0;
		if (busy)
			k->idle_until = fmax(k->idle_until, now + k->idle_seconds);
		else if (now >= k->idle_until)
			keeper_end(k, 0, -1);
		double wake = k->idle_until;
		if (k->failures < FAILURES_MAX && k->retry_at > now)
			wake = fmin(wake, k->retry_at);
		if (refill_deferred(k))
			wake = fmin(wake, k->refill_after);
		int r = poll(p.fds, (nfds_t)p.n, (int)fmax(0, (wake - now) * 1000) + 1);
		if (r < 0 && errno != EINTR)
			keeper_end(k, EXIT_KRUNSH_FAILURE, -1);
		if (r <= 0)
			continue;
		if (p.fds[1].revents)
			keeper_end(k, 0, -1);
		/* A waiter that hung up waits no more. */
		for (int i = p.n - 1; i >= waiters_from; i--) {
			if (!p.fds[i].revents)
				continue;
			size_t w = (size_t)(i - waiters_from);
			close(k->waiters[w]);
			memmove(k->waiters + w, k->waiters + w + 1,
				(--k->waiter_count - w) * sizeof(int));
		}
		for (int i = 2; i < waiters_from; i++) {
			struct slot *s = p.slot_of[i];
			if (!p.fds[i].revents || s->state == SLOT_FREE)
				continue;
			if (p.is_client[i]) {
				/* The run is over (DONE or its end): so is its VM. */
				if (s->state == SLOT_LENT && s->client == p.fds[i].fd)
					slot_stop(s);
			} else if (s->ctl == p.fds[i].fd) {
				on_holder(k, s);
			}
		}
		if (p.fds[0].revents) {
			int fd = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0 && serve(k, fd))
				keeper_end(k, 0, fd);
		}
	}
}

static void keeper_main(const struct warm_keeper_start *ws, int ready_fd) __attribute__((noreturn));
static void keeper_main(const struct warm_keeper_start *ws, int ready_fd)
{
	static struct warm_keeper k;
	k = (struct warm_keeper){.start = ws,
				 .warm_waiter = -1,
				 .listen_fd = -1,
				 .janitor_pipe = -1,
				 .idle_seconds = ws->idle_seconds};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	k.boots_at_once = cpus < 1 ? 1 : cpus > WARM_MAX ? WARM_MAX : (unsigned)cpus;
	for (int i = 0; i < SLOTS_MAX; i++)
		k.slots[i] = (struct slot){.ctl = -1, .client = -1, .loan = {-1, -1}};
	setsid();
	process_reset_signals();
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	dup2(devnull, 0);
	dup2(devnull, 1);
	dup2(ready_fd, 2); /* until it listens: its messages reach the caller */
	int keep[] = {ws->lock_fd, devnull};
	process_close_inherited_fds(keep, 2);
	if (signals_install() < 0) {
		log_message("the warm keeper cannot set up signal handling");
		_exit(EXIT_KRUNSH_FAILURE);
	}
	unlink(ws->paths->socket); /* stale: the lock says no keeper holds it */
	k.listen_fd = keeper_listen(ws->paths->socket);
	if (k.listen_fd < 0) {
		log_message("the warm keeper cannot listen on %s: %s", ws->paths->socket,
			    strerror(errno));
		_exit(EXIT_KRUNSH_FAILURE);
	}
	k.janitor = keeper_janitor_start(ws->paths, ws->lock_fd, &k.janitor_pipe);
	if (k.janitor < 0) {
		unlink(ws->paths->socket);
		log_message("the warm keeper: fork: %s", strerror(errno));
		_exit(EXIT_KRUNSH_FAILURE);
	}
	close(ws->lock_fd); /* the janitor's now */
	k.idle_until = monotonic_seconds() + k.idle_seconds;
	(void)!write(2, "", 1);
	dup2(devnull, 2);
	keeper_serve(&k);
}

static void keeper_child(const void *data, int ready_fd)
{
	keeper_main(data, ready_fd);
}

pid_t warm_keeper_start(const struct warm_keeper_start *ws, struct error *err)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		error_set(err, errno, "starting the warm keeper");
		return -1;
	}
	pid_t pid = keeper_fork(p, keeper_child, ws);
	if (pid < 0) {
		error_set(err, errno, "starting the warm keeper");
		return -1;
	}
	char said[1024];
	size_t used = 0;
	ssize_t n;
	int up = 0;
	while (used < sizeof(said) - 1 &&
	       ((n = read(p[0], said + used, sizeof(said) - 1 - used)) > 0 ||
		(n < 0 && errno == EINTR))) {
		if (n < 0)
			continue;
		char *nul = memchr(said + used, '\0', (size_t)n);
		used += (size_t)n;
		if (nul) {
			up = 1;
			break;
		}
	}
	close(p[0]);
	if (up)
		return pid;
	said[used] = '\0';
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* Its message came as "krunsh: ...\n": one line is enough. */
	const char *line = strncmp(said, "krunsh: ", 8) == 0 ? said + 8 : said;
	error_set(err, 0, "%.*s", (int)strcspn(line, "\n"),
		  line[0] ? line : "the warm keeper did not start");
	return -1;
}
