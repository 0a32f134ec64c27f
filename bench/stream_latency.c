/* Streaming latency (issue 13): krunsh started with its stdin a pipe held
 * open; after one warm-up line, N lines `echo I` are written one at a time,
 * each once the previous one's output has arrived. Prints the median time
 * from writing a line to reading its output, and the total for the N.
 * With --events among the arguments, "its output" is its output event.
 * Usage: stream-latency KRUNSH N [KRUNSH ARGS...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int events; /* --events: stdout holds JSON Lines */

/* Reads until a whole line equal to want has come (--events: the output
 * event of that line). */
static int read_line_equal(FILE *f, const char *want)
{
	char line[512], event[300];
	snprintf(event, sizeof(event), "\"stream\":\"stdout\",\"line\":");
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!events && strcmp(line, want) == 0)
			return 0;
		char data[300];
		snprintf(data, sizeof(data), "\"data\":\"%s\\n\"}", want);
		if (events && strstr(line, event) && strstr(line, data))
			return 0;
	}
	return -1;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	int n = atoi(argv[2]);
	for (int i = 3; i < argc; i++)
		events |= strcmp(argv[i], "--events") == 0;
	int in[2], out[2];
	if (n < 1 || pipe(in) < 0 || pipe(out) < 0)
		return 2;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		argv[2] = argv[1];
		execv(argv[1], argv + 2);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	FILE *to = fdopen(in[1], "w"), *from = fdopen(out[0], "r");
	double started = now();
	fprintf(to, "echo ready\n");
	fflush(to);
	if (read_line_equal(from, "ready") < 0)
		return 1;
	double booted = now();
	double *lat = calloc((size_t)n, sizeof(*lat));
	for (int i = 0; i < n; i++) {
		char want[32];
		snprintf(want, sizeof(want), "%d", i);
		double t0 = now();
		fprintf(to, "echo %d\n", i);
		fflush(to);
		if (read_line_equal(from, want) < 0)
			return 1;
		lat[i] = now() - t0;
	}
	double total = now() - booted;
	fclose(to);
	int status;
	waitpid(pid, &status, 0);
	qsort(lat, (size_t)n, sizeof(*lat), by_value);
	printf("first output %.4f s, line to output median %.4f s (max %.4f), %d lines %.3f s\n",
	       booted - started, lat[n / 2], lat[n - 1], n, total);
	free(lat);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
