/* libFuzzer target: --events' rendering of what the guest writes
 * (cli/events.c, cli/json.c), fed arbitrary bytes in arbitrary chunks on
 * both streams, with line starts and ends between them. It checks what the
 * schema promises whatever the bytes: every event is one line of valid
 * UTF-8 without a raw control byte, a "data" chunk is valid UTF-8, and
 * decoding each chunk ("data" unescaped, "data_base64" decoded) and
 * joining them per stream gives back exactly the bytes written. */
#include "cli/events.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned char decoded[2][1 << 17];
static size_t decoded_length[2];

static int hex(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A JSON string as json_string writes it, from just after its opening
 * quote; returns a pointer after its closing quote. */
static const char *unescape(const char *p, const char *end, int stream)
{
	while (p < end && *p != '"') {
		unsigned char c = (unsigned char)*p++;
		if (c == '\\') {
			if (p >= end)
				abort();
			char e = *p++;
			c = e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : (unsigned char)e;
			if (e == 'u') {
				if (end - p < 4 || p[0] != '0' || p[1] != '0' || hex(p[2]) < 0 ||
				    hex(p[3]) < 0)
					abort();
				c = (unsigned char)(hex(p[2]) * 16 + hex(p[3]));
				p += 4;
			} else if (e != 'n' && e != 'r' && e != 't' && e != '"' && e != '\\') {
				abort();
			}
		}
		decoded[stream][decoded_length[stream]++] = c;
	}
	if (p >= end)
		abort();
	return p + 1;
}

static const char *unbase64(const char *p, const char *end, int stream)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	while (end - p >= 4 && *p != '"') {
		int v[4];
		for (int i = 0; i < 4; i++) {
			const char *at = p[i] == '=' ? NULL : memchr(alphabet, p[i], 64);
			v[i] = at ? (int)(at - alphabet) : -1;
		}
		if (v[0] < 0 || v[1] < 0 || (v[2] < 0 && v[3] >= 0))
			abort();
		unsigned char *out = decoded[stream] + decoded_length[stream];
		out[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		decoded_length[stream]++;
		if (v[2] >= 0) {
			out[1] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
			decoded_length[stream]++;
		}
		if (v[3] >= 0) {
			out[2] = (unsigned char)((v[2] & 3) << 6 | v[3]);
			decoded_length[stream]++;
		}
		p += 4;
		if (v[3] < 0)
			break;
	}
	if (p >= end || *p != '"')
		abort();
	return p + 1;
}

/* Each rendered line: one event, checked, its output bytes decoded. */
static void take(const char *text, size_t length)
{
	if (!text)
		return; /* the event rendered nothing */
	if (!utf8_valid((const unsigned char *)text, length))
		abort();
	const char *p = text, *end = text + length;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			abort(); /* every event ends its line */
		for (const char *q = p; q < nl; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				abort();
		if (strncmp(p, "{\"event\":\"output\",\"stream\":\"", 28) == 0) {
			int stream = p[31] == 'o' ? 0 : 1; /* std(o)ut, std(e)rr */
			const char *d = strstr(p, "\"data");
			if (!d || d > nl)
				abort();
			if (strncmp(d, "\"data\":\"", 8) == 0) {
				size_t before = decoded_length[stream];
				unescape(d + 8, nl, stream);
				if (!utf8_valid(decoded[stream] + before,
						decoded_length[stream] - before))
					abort();
			} else if (strncmp(d, "\"data_base64\":\"", 15) == 0) {
				unbase64(d + 15, nl, stream);
			} else {
				abort();
			}
		}
		p = nl + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char written[2][1 << 17];
	size_t written_length[2] = {0, 0};
	decoded_length[0] = decoded_length[1] = 0;
	struct events ev;
	events_init(&ev, -1);
	unsigned line = 0;
	/* Pieces: a control byte (low 2 bits: stdout, stderr, a line's start
	 * or end; the rest: the length), then that many bytes of output. */
	for (size_t i = 0; i < size && written_length[0] + written_length[1] < 60000;) {
		unsigned control = data[i++];
		struct krunsh_event e = {0};
		switch (control & 3) {
		case 0:
		case 1: {
			size_t n = control >> 2;
			if (n > size - i)
				n = size - i;
			int s = (int)(control & 1);
			memcpy(written[s] + written_length[s], data + i, n);
			written_length[s] += n;
			e = (struct krunsh_event){
			    .type = KRUNSH_EVENT_OUTPUT, .stream = s + 1, .data = data + i, .length = n};
			i += n;
			break;
		}
		case 2:
			e = (struct krunsh_event){.type = KRUNSH_EVENT_LINE_STARTED, .line = ++line};
			break;
		case 3:
			e = (struct krunsh_event){
			    .type = KRUNSH_EVENT_LINE_FINISHED, .line = line, .status = (int)control};
			break;
		}
		const void *out = NULL;
		size_t out_length = 0;
		events_on_event(&ev, &e, &out, &out_length);
		take(out, out_length);
	}
	/* The run's end flushes what still waits; rendered, not written. */
	events_run_finished(&ev, 0, NULL, 0, -1);
	take(ev.json.data, ev.json.length);
	for (int s = 0; s < 2; s++)
		if (decoded_length[s] != written_length[s] ||
		    memcmp(decoded[s], written[s], written_length[s]) != 0)
			abort();
	events_free(&ev);
	return 0;
}
