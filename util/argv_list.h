/* A command line built word by word into fixed storage (QEMU's, passt's):
 * bounded, so a long list of volumes or ports fails cleanly instead of
 * overflowing, and NULL-terminated for execv. */
#ifndef KRUNSH_ARGV_LIST_H
#define KRUNSH_ARGV_LIST_H

#include <stddef.h>

struct argv_list {
	char *argv[256];
	int argc;
	char storage[65536];
	size_t used;
};

/* Appends one word, formatted; -1 when it does not fit (the list is then
 * unusable: the caller fails). */
int argv_list_add(struct argv_list *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The words joined by spaces into out, for a -V line: cut with "..." where
 * it does not fit. */
void argv_list_join(const struct argv_list *a, char *out, size_t size);

#endif
