/* The host's reader of the guest's frames. The guest is not trusted: every
 * header is checked against the limit of its type before a byte of its
 * payload is waited for, and frames are taken out of one fixed buffer in
 * place, so that whatever the guest sends, the reader holds at most one
 * frame of the largest allowed size and output is relayed without a copy. */
#ifndef KRUNSH_FRAME_READER_H
#define KRUNSH_FRAME_READER_H

#include "proto/protocol.h"

#include <stddef.h>

struct frame_reader {
	size_t start; /* first byte not yet taken out as a frame */
	size_t fill;  /* bytes read so far */
	unsigned char buffer[FRAME_HEADER_SIZE + FRAME_OUTPUT_MAX];
};

enum frame_read {
	FRAME_READ_NEED_MORE = 0,
	FRAME_READ_FRAME = 1,
	FRAME_READ_UNKNOWN_TYPE = -1, /* a type the guest never sends */
	FRAME_READ_TOO_LONG = -2,     /* longer than its type allows */
	/* A hello of protocol version 1, whose 8-byte header put its version
	 * where the execution id is now (out->exec): refused on the header,
	 * as an old agent sends nothing more before its job. */
	FRAME_READ_OLD_HELLO = -3,
};

void frame_reader_init(struct frame_reader *r);
/* The next complete frame, if one has been read. Its payload points into
 * the reader's buffer and stays valid until frame_reader_space is called.
 * On an error, *out still holds the offending header. */
enum frame_read frame_reader_next(struct frame_reader *r, struct frame_header *out,
				  const unsigned char **payload);
/* Where to read the next bytes to, and how many fit. Moves a partly read
 * frame to the front first, which invalidates earlier payload pointers. */
unsigned char *frame_reader_space(struct frame_reader *r, size_t *room);
/* Counts n bytes read into the space frame_reader_space gave. */
void frame_reader_commit(struct frame_reader *r, size_t n);
/* Whether bytes of an unfinished frame are held. */
int frame_reader_partial(const struct frame_reader *r);

#endif
