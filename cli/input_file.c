/* The commands of a FILE argument (or any fd), read whole: bounded, so a
 * runaway producer cannot exhaust krunsh's memory. */
#include "cli/input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int input_read_fd(int fd, char **out, size_t *length, struct error *err)
{
	size_t cap = 64 * 1024, used = 0;
	char *buf = malloc(cap);
	if (!buf) {
		error_set(err, ENOMEM, "reading the commands");
		return -1;
	}
	for (;;) {
		if (used == cap) {
			if (cap >= INPUT_MAX) {
				free(buf);
				error_set(err, 0, "input is larger than %u MiB",
					  INPUT_MAX / (1024 * 1024));
				return -1;
			}
			char *grown = realloc(buf, cap * 2);
			if (!grown) {
				free(buf);
				error_set(err, ENOMEM, "reading the commands");
				return -1;
			}
			buf = grown;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + used, cap - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			free(buf);
			error_set(err, saved, "reading the commands");
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	*out = buf;
	*length = used;
	return 0;
}

int input_read_file(const char *path, char **out, size_t *length, struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_set(err, errno, "cannot open %s", path);
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		error_set(err, 0, "%s is a directory, not a file of commands", path);
		return -1;
	}
	int r = input_read_fd(fd, out, length, err);
	close(fd);
	if (r < 0) {
		/* inner.message already ends in the errno's text. */
		struct error inner = *err;
		error_set(err, 0, "%s: %s", path, inner.message);
		err->errnum = inner.errnum;
	}
	return r;
}
