/* Guest kernel lookup: directories, image files, and the CPU limit of a
 * uniprocessor kernel. */
#include "lib/guest/paths.h"
#include "unit.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static void write_file(const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static int test_kernel_directory_with_features(void)
{
	struct guest_kernel k;
	struct error err = {0};
	EXPECT(kernel_locate(dir, 1, &k, &err) == 0);
	EXPECT(strstr(k.image, "/vmlinux") != NULL);
	EXPECT_STR(k.release, "6.1.0-test");
	EXPECT(k.no_acpi && k.no_apic_timer && k.uniprocessor && k.lapic_bus_khz);
	return 0;
}

static int test_uniprocessor_kernel_refuses_more_cpus(void)
{
	struct guest_kernel k;
	struct error err = {0};
	EXPECT(kernel_locate(dir, 2, &k, &err) < 0);
	EXPECT(strstr(err.message, "uniprocessor") != NULL);
	EXPECT(strstr(err.message, "--cpus 1") != NULL);
	return 0;
}

static int test_image_file_takes_features_from_its_directory(void)
{
	char image[512];
	snprintf(image, sizeof(image), "%s/vmlinux", dir);
	struct guest_kernel k;
	struct error err = {0};
	EXPECT(kernel_locate(image, 1, &k, &err) == 0);
	EXPECT_STR(k.image, image);
	EXPECT(k.uniprocessor);
	EXPECT(kernel_locate(image, 4, &k, &err) < 0);
	return 0;
}

static int test_missing_kernel_is_an_error(void)
{
	struct guest_kernel k;
	struct error err = {0};
	EXPECT(kernel_locate("/nonexistent/krunsh-kernel", 1, &k, &err) < 0);
	EXPECT(strstr(err.message, "--kernel") != NULL);
	return 0;
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/krunsh-unit-kernel.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return 1;
	write_file("vmlinux", "not really a kernel");
	write_file("release", "6.1.0-test\n");
	write_file("features", "no-acpi\nnoapictimer\nlapic-bus-khz\nuniprocessor\n");
	RUN(test_kernel_directory_with_features);
	RUN(test_uniprocessor_kernel_refuses_more_cpus);
	RUN(test_image_file_takes_features_from_its_directory);
	RUN(test_missing_kernel_is_an_error);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return unit_finish();
}
