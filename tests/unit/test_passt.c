/* passt's command line: the fixed guest addresses, the gateway not mapped
 * to the host's loopback, and only published ports, on the host's loopback. */
#include "lib/net/passt.h"
#include "unit.h"

static const char *joined(const struct argv_list *a, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (int i = 0; i < a->argc && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "", a->argv[i]);
	return buf;
}

static int test_no_port_is_forwarded_without_publish(void)
{
	struct passt_config config = {.passt_path = "/usr/bin/passt"};
	struct argv_list argv;
	char line[2048];
	EXPECT(passt_argv_build(&config, 7, &argv) == 0);
	EXPECT_STR(joined(&argv, line, sizeof(line)),
		   "/usr/bin/passt -f -q -e -F 7 -4 -a 10.0.2.15 -n 24 -g 10.0.2.2 --no-map-gw "
		   "--dns-forward 10.0.2.3 -t none -u none");
	EXPECT(argv.argv[argv.argc] == NULL);
	return 0;
}

static int test_published_ports_bind_the_host_loopback(void)
{
	struct port_forward ports[] = {{8080, 80}, {9000, 9001}};
	struct passt_config config = {
	    .passt_path = "passt", .ports = ports, .port_count = 2, .verbose = 1};
	struct argv_list argv;
	char line[2048];
	EXPECT(passt_argv_build(&config, 3, &argv) == 0);
	EXPECT(strstr(joined(&argv, line, sizeof(line)),
		      " -t 127.0.0.1/8080:80 -t 127.0.0.1/9000:9001 -u none") != NULL);
	/* -v keeps passt's own messages. */
	EXPECT(strstr(line, " -q ") == NULL);
	EXPECT(strstr(line, " -t none") == NULL);
	return 0;
}

static int test_too_many_ports_do_not_overflow(void)
{
	static struct port_forward ports[1000];
	for (unsigned i = 0; i < 1000; i++)
		ports[i] = (struct port_forward){10000 + i, 10000 + i};
	struct passt_config config = {.passt_path = "passt", .ports = ports, .port_count = 1000};
	struct argv_list argv;
	EXPECT(passt_argv_build(&config, 3, &argv) < 0);
	return 0;
}

int main(void)
{
	RUN(test_no_port_is_forwarded_without_publish);
	RUN(test_published_ports_bind_the_host_loopback);
	RUN(test_too_many_ports_do_not_overflow);
	return unit_finish();
}
