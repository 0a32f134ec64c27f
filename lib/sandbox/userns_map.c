#include "lib/sandbox/userns_map.h"
#include "lib/guest/paths.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int userns_write_proc_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

int userns_child_wait_for_map(const int sync_to_parent, const int sync_from_parent)
{
	char answer = 'f';
	if (write(sync_to_parent, "u", 1) != 1 || read(sync_from_parent, &answer, 1) != 1)
		answer = 'f';
	if (answer == 'm')
		return 0;
	return userns_map_self(0, 0);
}

int userns_child_wait_for_own_uid_map(const int sync_to_parent, const int sync_from_parent,
				      unsigned inside_uid, unsigned inside_gid)
{
	char answer = 'f';
	if (write(sync_to_parent, "u", 1) != 1 || read(sync_from_parent, &answer, 1) != 1)
		answer = 'f';
	if (answer != 'g')
		return userns_map_self(inside_uid, inside_gid);
	char map[64];
	snprintf(map, sizeof(map), "%u %u 1", inside_uid, (unsigned)geteuid());
	return userns_write_proc_file("/proc/self/uid_map", map);
}

int userns_map_self(unsigned inside_uid, unsigned inside_gid)
{
	char map[64];
	snprintf(map, sizeof(map), "%u %u 1", inside_uid, (unsigned)geteuid());
	if (userns_write_proc_file("/proc/self/uid_map", map) < 0)
		return -1;
	(void)userns_write_proc_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "%u %u 1", inside_gid, (unsigned)getegid());
	return userns_write_proc_file("/proc/self/gid_map", map);
}

/* START and COUNT of the user's first range in /etc/subuid or /etc/subgid. */
static int subordinate_range(const char *file, const char *user, unsigned id, unsigned long *start,
			     unsigned long *count)
{
	FILE *f = fopen(file, "re");
	if (!f)
		return -1;
	char line[256], id_text[32];
	snprintf(id_text, sizeof(id_text), "%u", id);
	int found = -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		char *save = NULL;
		char *name = strtok_r(line, ":", &save);
		char *s = strtok_r(NULL, ":", &save);
		char *c = strtok_r(NULL, ":\n", &save);
		if (name && s && c && (strcmp(name, user) == 0 || strcmp(name, id_text) == 0)) {
			*start = strtoul(s, NULL, 10);
			*count = strtoul(c, NULL, 10);
			found = *count > 0 ? 0 : -1;
		}
	}
	fclose(f);
	return found;
}

static int run_map_helper(const char *helper, pid_t child, unsigned own, unsigned long start,
			  unsigned long count)
{
	char path[4096];
	if (program_locate(helper, path, sizeof(path)) < 0)
		return -1;
	char pid_text[32], own_text[32], start_text[32], count_text[32];
	snprintf(pid_text, sizeof(pid_text), "%ld", (long)child);
	snprintf(own_text, sizeof(own_text), "%u", own);
	snprintf(start_text, sizeof(start_text), "%lu", start);
	snprintf(count_text, sizeof(count_text), "%lu", count);
	const char *argv[] = {path, pid_text, "0", own_text, "1", "1", start_text, count_text, NULL};
	/* The host's own setuid helper, waited for here: run plainly (not
	 * through lib/vm/spawn.c, whose children may enter this sandbox), with
	 * nothing of krunsh's but its argv: no stdio, no other fd, default
	 * signals. */
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawn_file_actions_init(&actions);
	posix_spawnattr_init(&attr);
	for (int fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
	posix_spawn_file_actions_addclosefrom_np(&actions, 3);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	pid_t pid;
	int failed = posix_spawn(&pid, path, &actions, &attr, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	if (failed)
		return -1;
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

void userns_parent_map(pid_t child, int sync_from_child, int sync_to_child, int gids_only)
{
	char ready;
	char answer = 'f';
	int unshared = read(sync_from_child, &ready, 1) == 1;
	if (unshared && gids_only) {
		struct passwd *pw = getpwuid(geteuid());
		unsigned long gs, gc;
		if (pw && subordinate_range("/etc/subgid", pw->pw_name, geteuid(), &gs, &gc) == 0 &&
		    run_map_helper("newgidmap", child, getegid(), gs, gc) == 0)
			answer = 'g';
	} else if (unshared) {
		struct passwd *pw = getpwuid(geteuid());
		unsigned long us, uc, gs, gc;
		if (pw && subordinate_range("/etc/subuid", pw->pw_name, geteuid(), &us, &uc) == 0 &&
		    subordinate_range("/etc/subgid", pw->pw_name, geteuid(), &gs, &gc) == 0 &&
		    run_map_helper("newuidmap", child, geteuid(), us, uc) == 0 &&
		    run_map_helper("newgidmap", child, getegid(), gs, gc) == 0)
			answer = 'm';
	}
	(void)!write(sync_to_child, &answer, 1);
}
