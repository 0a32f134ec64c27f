/* The file servers (virtiofsd, libkrun's) hold one host fd open for every
 * guest inode they looked up, until the guest kernel forgets it, which it
 * does only under memory pressure. Their limit is the host's RLIMIT_NOFILE
 * (20000 on the project's machines, whose root cannot raise it): a guest
 * that looked at more files than that (find /, a test runner walking a
 * node_modules, rm -rf of a big tree) got "Too many open files" for every
 * file it had not seen yet, the program it tried to start next included.
 *
 * So, while an execution runs, a thread of the agent looks at the guest's
 * inode count every 50 ms (a walk under TCG adds about 1000 in that time)
 * and, past half the limit the host gave (krunsh.fds), has the kernel drop
 * its unused dentries and inodes (drop_caches 2): the FORGETs that follow
 * let the servers close those fds. Inodes in use (open files, working
 * directories) stay; if they alone hold the count high, the next drop
 * waits until it grew by a quarter of the limit over the lowest count
 * since, so a job holding many
 * files open does not have the caches dropped again and again. The count
 * is every inode of the guest (overlay, proc, tmpfs too), never fewer than
 * the servers hold, so the budget is kept with room to spare. */
#include "agent/agent.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int watching;
	unsigned long limit;
} budget = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

/* Inodes in use: /proc/sys/fs/inode-nr's count less its free ones. */
static unsigned long inodes_in_use(void)
{
	char text[64];
	if (read_proc_file("/proc/sys/fs/inode-nr", text, sizeof(text)) < 0)
		return 0;
	unsigned long count = 0, free_count = 0;
	if (sscanf(text, "%lu %lu", &count, &free_count) != 2 || free_count > count)
		return 0;
	return count - free_count;
}

static void drop_unused_inodes(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)!write(fd, "2", 1);
	close(fd);
}

static void *watch(void *unused)
{
	(void)unused;
	unsigned long half = budget.limit / 2, quarter = budget.limit / 4, floor = 0;
	for (;;) {
		pthread_mutex_lock(&budget.lock);
		while (!budget.watching)
			pthread_cond_wait(&budget.changed, &budget.lock);
		pthread_mutex_unlock(&budget.lock);
		nanosleep(&(struct timespec){.tv_nsec = 50 * 1000 * 1000}, NULL);
		unsigned long used = inodes_in_use();
		if (used < floor)
			floor = used; /* what the last drop could not free is gone */
		if (used <= half || used <= floor + quarter)
			continue;
		drop_unused_inodes();
		floor = inodes_in_use();
		trace("%lu inodes in use, %lu after dropping the unused (file servers: %lu fds)",
		      used, floor, budget.limit);
	}
	return NULL;
}

void inode_budget_start(void)
{
	/* Only PID 1 is in a VM of its own (the contract double's agent runs
	 * on the host, whose caches are not ours to drop). */
	if (getpid() != 1 || (budget.limit = kernel_cmdline_number("krunsh.fds")) == 0)
		return;
	pthread_t thread;
	if (pthread_create(&thread, NULL, watch, NULL) == 0)
		pthread_detach(thread);
	else
		budget.limit = 0;
}

void inode_budget_watch(int on)
{
	if (!budget.limit)
		return;
	pthread_mutex_lock(&budget.lock);
	budget.watching = on;
	pthread_cond_signal(&budget.changed);
	pthread_mutex_unlock(&budget.lock);
}
