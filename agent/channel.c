/* The agent's end of the host channel. Under QEMU it is a virtio-serial port
 * found by name in sysfs; under libkrun a vsock connection to the host; for
 * the contract double a unix socket. */
#include "agent/agent.h"
#include "proto/protocol.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define SERIAL_PORT_NAME "org.krunsh.0"

static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static int serial_port_find(char *dev, size_t size)
{
	DIR *dir = opendir("/sys/class/virtio-ports");
	if (!dir)
		return -1;
	struct dirent *e;
	int found = -1;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char path[512], name[128];
		snprintf(path, sizeof(path), "/sys/class/virtio-ports/%s/name", e->d_name);
		if (read_small_file(path, name, sizeof(name)) == 0 &&
		    strcmp(name, SERIAL_PORT_NAME) == 0) {
			snprintf(dev, size, "/dev/%s", e->d_name);
			found = 0;
			break;
		}
	}
	closedir(dir);
	return found;
}

static int serial_open(void)
{
	char dev[300];
	/* Device probing can finish after the module load returns: wait a
	 * bounded time rather than fail on a race. */
	for (int tries = 0; tries < 500; tries++) {
		if (serial_port_find(dev, sizeof(dev)) == 0) {
			int fd = open(dev, O_RDWR | O_CLOEXEC);
			if (fd >= 0)
				return fd;
		}
		struct timespec ts = {0, 10 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	return -1;
}

static int vsock_connect(unsigned port)
{
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_vm addr = {
	    .svm_family = AF_VSOCK, .svm_cid = VMADDR_CID_HOST, .svm_port = port};
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(addr.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int channel_open(const char *spec)
{
	if (strcmp(spec, "serial") == 0)
		return serial_open();
	if (strncmp(spec, "vsock:", 6) == 0)
		return vsock_connect((unsigned)strtoul(spec + 6, NULL, 10));
	if (strncmp(spec, "unix:", 5) == 0)
		return unix_connect(spec + 5);
	errno = EINVAL;
	return -1;
}

int write_all(int fd, const void *data, size_t length)
{
	const unsigned char *p = data;
	while (length) {
		ssize_t n = write(fd, p, length);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		length -= (size_t)n;
	}
	return 0;
}

/* The execution the agent is running: its id goes on every frame sent. */
static uint32_t channel_exec = FRAME_EXEC_VM;

void channel_set_exec(uint32_t exec)
{
	channel_exec = exec;
}

uint32_t channel_exec_id(void)
{
	return channel_exec;
}

int channel_send(int fd, uint32_t type, const void *payload, size_t length)
{
	unsigned char header[FRAME_HEADER_SIZE];
	/* The hello is the VM's, whatever runs. */
	frame_header_encode(header, type, type == FRAME_HELLO ? FRAME_EXEC_VM : channel_exec,
			    (uint32_t)length);
	if (write_all(fd, header, sizeof(header)) < 0)
		return -1;
	return length ? write_all(fd, payload, length) : 0;
}

int channel_send_u32(int fd, uint32_t type, uint32_t value)
{
	unsigned char v[4];
	put_u32le(v, value);
	return channel_send(fd, type, v, sizeof(v));
}

void channel_send_error(int fd, const char *fmt, ...)
{
	char msg[FRAME_AGENT_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(msg))
		n = sizeof(msg) - 1;
	(void)channel_send(fd, FRAME_AGENT_ERROR, msg, (size_t)n);
}

/* One decoder for the life of the channel, so that bytes which arrive in the
 * same read as the job (stdin for exec mode) are kept for the next call. */
static struct frame_decoder channel_decoder;
static int channel_decoder_ready;
static unsigned char channel_buffer[64 * 1024];
static size_t channel_buffer_offset, channel_buffer_length;

int channel_buffered(void)
{
	return channel_buffer_offset < channel_buffer_length;
}

int channel_next_frame(int fd, struct frame_header *header, const unsigned char **payload)
{
	if (!channel_decoder_ready) {
		frame_decoder_init(&channel_decoder, FRAME_PAYLOAD_MAX);
		channel_decoder_ready = 1;
	}
	for (;;) {
		if (channel_buffer_offset == channel_buffer_length) {
			ssize_t n = read(fd, channel_buffer, sizeof(channel_buffer));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				errno = n == 0 ? EPIPE : errno;
				return -1;
			}
			channel_buffer_offset = 0;
			channel_buffer_length = (size_t)n;
		}
		const unsigned char *p = channel_buffer + channel_buffer_offset;
		size_t left = channel_buffer_length - channel_buffer_offset;
		enum decode_result r =
		    frame_decoder_feed(&channel_decoder, &p, &left, header, payload);
		channel_buffer_offset = channel_buffer_length - left;
		if (r == DECODE_ERROR) {
			errno = EPROTO;
			return -1;
		}
		if (r == DECODE_FRAME)
			return 0;
	}
}

int channel_receive(int fd, uint32_t type, unsigned char **payload, size_t *length)
{
	for (;;) {
		struct frame_header h;
		const unsigned char *data;
		if (channel_next_frame(fd, &h, &data) < 0)
			return -1;
		if (h.type != type)
			continue;
		*payload = malloc(h.length ? h.length : 1);
		if (!*payload)
			return -1;
		if (h.length)
			memcpy(*payload, data, h.length);
		*length = h.length;
		return 0;
	}
}
