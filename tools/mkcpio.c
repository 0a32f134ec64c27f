/* mkcpio OUT NAME=FILE...: a newc cpio of the given files (mode 0755), with
 * /dev/console, using krunsh's own writer. Used by the benchmark to pack its
 * baseline init; no cpio package needed. */
#include "lib/guest/initramfs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mkcpio OUT NAME=FILE...\n");
		return 2;
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	struct cpio_writer w = {.fd = fd};
	int r = cpio_add(&w, "dev", 040755, 0, 0, NULL, 0);
	r |= cpio_add(&w, "dev/console", 020600, 5, 1, NULL, 0);
	for (int i = 2; i < argc && r == 0; i++) {
		char *eq = strchr(argv[i], '=');
		if (!eq)
			return 2;
		*eq = '\0';
		FILE *f = fopen(eq + 1, "rb");
		if (!f) {
			perror(eq + 1);
			return 1;
		}
		static char buf[16 << 20];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		r |= cpio_add(&w, argv[i], 0100755, 0, 0, buf, n);
	}
	r |= cpio_finish(&w);
	return close(fd) == 0 && r == 0 ? 0 : 1;
}
