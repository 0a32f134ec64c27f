/* The cpio "newc" writer behind the guest initramfs (lib/guest/initramfs.c
 * cpio_add): header fields, name and data padding to 4 bytes, trailer. */
#include "lib/guest/initramfs.h"
#include "unit.h"

#include <stdlib.h>
#include <unistd.h>

static unsigned char archive[65536];
static size_t archive_length;

static int read_back(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);
	if (end < 0 || (size_t)end > sizeof(archive))
		return -1;
	archive_length = (size_t)pread(fd, archive, (size_t)end, 0);
	return archive_length == (size_t)end ? 0 : -1;
}

static unsigned long field(size_t header, int index)
{
	char hex[9];
	memcpy(hex, archive + header + 6 + 8 * index, 8);
	hex[8] = '\0';
	return strtoul(hex, NULL, 16);
}

enum {
	F_INO,
	F_MODE,
	F_UID,
	F_GID,
	F_NLINK,
	F_MTIME,
	F_FILESIZE,
	F_DEVMAJOR,
	F_DEVMINOR,
	F_RDEVMAJOR,
	F_RDEVMINOR,
	F_NAMESIZE,
	F_CHECK
};

struct entry {
	const char *name;
	unsigned mode, rdev_major, rdev_minor;
	const char *data;
	size_t length;
};

static const struct entry entries[] = {
    {"dev", 040755, 0, 0, NULL, 0},
    {"dev/console", 020600, 5, 1, NULL, 0},
    {"init", 0100755, 0, 0, "#!x", 3},
    {"lib/krunsh-modules/order", 0100644, 0, 0, "a.ko\nbb.ko\n", 11},
    {"abcd", 0100644, 0, 0, "1234", 4},
};

static int test_entries_have_newc_headers_and_padding(void)
{
	FILE *f = tmpfile();
	EXPECT(f);
	struct cpio_writer w = {.fd = fileno(f)};
	size_t count = sizeof(entries) / sizeof(entries[0]);
	for (size_t i = 0; i < count; i++)
		EXPECT(cpio_add(&w, entries[i].name, entries[i].mode, entries[i].rdev_major,
				entries[i].rdev_minor, entries[i].data, entries[i].length) == 0);
	EXPECT(cpio_finish(&w) == 0);
	EXPECT(read_back(w.fd) == 0);
	fclose(f);
	EXPECT(w.offset == archive_length);
	EXPECT(archive_length % 4 == 0);

	size_t at = 0;
	for (size_t i = 0; i <= count; i++) {
		const char *name = i < count ? entries[i].name : "TRAILER!!!";
		EXPECT(at % 4 == 0);
		EXPECT(at + 110 <= archive_length);
		EXPECT(memcmp(archive + at, "070701", 6) == 0);
		for (size_t k = 6; k < 110; k++) {
			char c = (char)archive[at + k];
			EXPECT((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'));
		}
		size_t name_size = strlen(name) + 1;
		EXPECT(field(at, F_INO) == i + 1);
		EXPECT(field(at, F_MODE) == (i < count ? entries[i].mode : 0));
		EXPECT(field(at, F_UID) == 0 && field(at, F_GID) == 0 && field(at, F_MTIME) == 0);
		EXPECT(field(at, F_NLINK) == 1);
		EXPECT(field(at, F_FILESIZE) == (i < count ? entries[i].length : 0));
		EXPECT(field(at, F_DEVMAJOR) == 0 && field(at, F_DEVMINOR) == 0);
		EXPECT(field(at, F_RDEVMAJOR) == (i < count ? entries[i].rdev_major : 0));
		EXPECT(field(at, F_RDEVMINOR) == (i < count ? entries[i].rdev_minor : 0));
		EXPECT(field(at, F_NAMESIZE) == name_size);
		EXPECT(field(at, F_CHECK) == 0);
		EXPECT(memcmp(archive + at + 110, name, name_size) == 0);
		size_t data = (at + 110 + name_size + 3) & ~(size_t)3;
		for (size_t k = at + 110 + name_size; k < data; k++)
			EXPECT(archive[k] == 0);
		size_t length = i < count ? entries[i].length : 0;
		if (length)
			EXPECT(memcmp(archive + data, entries[i].data, length) == 0);
		size_t next = (data + length + 3) & ~(size_t)3;
		for (size_t k = data + length; k < next; k++)
			EXPECT(archive[k] == 0);
		at = next;
	}
	/* Then zeros up to a whole page (libkrun wants it page-aligned). */
	EXPECT(archive_length % 4096 == 0 && archive_length - at < 4096);
	for (size_t k = at; k < archive_length; k++)
		EXPECT(archive[k] == 0);
	return 0;
}

static int test_name_lengths_pad_to_four(void)
{
	/* Header (110) + name + NUL for name lengths 1..8 covers every
	 * remainder mod 4; data of 1..4 bytes likewise. */
	for (size_t name_length = 1; name_length <= 8; name_length++) {
		for (size_t data_length = 0; data_length <= 4; data_length++) {
			FILE *f = tmpfile();
			EXPECT(f);
			struct cpio_writer w = {.fd = fileno(f)};
			char name[9] = "nnnnnnnn";
			name[name_length] = '\0';
			EXPECT(cpio_add(&w, name, 0100644, 0, 0, "dddd", data_length) == 0);
			EXPECT(read_back(w.fd) == 0);
			fclose(f);
			size_t header_and_name = (110 + name_length + 1 + 3) & ~(size_t)3;
			size_t total = header_and_name + ((data_length + 3) & ~(size_t)3);
			EXPECT(archive_length == total);
			EXPECT(w.offset == total);
		}
	}
	return 0;
}

static int test_write_error_is_reported(void)
{
	struct cpio_writer w = {.fd = -1};
	EXPECT(cpio_add(&w, "x", 0100644, 0, 0, "a", 1) == -1);
	return 0;
}

int main(void)
{
	RUN(test_entries_have_newc_headers_and_padding);
	RUN(test_name_lengths_pad_to_four);
	RUN(test_write_error_is_reported);
	return unit_finish();
}
