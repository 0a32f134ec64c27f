#include "cli/oci/small_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int small_file_read(const char *path, size_t max, int no_follow, char **out, size_t *length,
		    struct error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | (no_follow ? O_NOFOLLOW : 0));
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		error_set(err, errno, "%s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size > max) {
		error_set(err, 0, "%s: not a regular file of at most %zu bytes", path, max);
		close(fd);
		return -1;
	}
	char *text = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	ssize_t n = 1;
	while (
	    text && got < (size_t)st.st_size &&
	    ((n = read(fd, text + got, (size_t)st.st_size - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(fd);
	if (!text || n < 0 || got < (size_t)st.st_size) {
		error_set(err, text ? errno : ENOMEM, "reading %s", path);
		free(text);
		return -1;
	}
	text[got] = '\0';
	*out = text;
	*length = got;
	return 0;
}
