/* libFuzzer target for a session's option check (cli/keeper/
 * session_options.c): the keeper compares the VM options a call sends
 * (any bytes: the peer is a process of the same user, not necessarily a
 * krunsh) with the session's; the warm keeper compares a run's TAKE the
 * same way with its VMs' (cli/keeper/warm_spec.c). Input: the session's
 * text, a NUL, the call's. Whatever it is, the answer is 0 or 1 with one
 * line. */
#include "cli/keeper/session_options.h"
#include "cli/keeper/warm_spec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 2);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = text[size + 1] = '\0';
	const char *session = text;
	const char *call = text + strlen(text) + (strlen(text) < size ? 1 : 0);
	char why[1400];
	int r = session_options_conflict(session, call, "fuzz", why, sizeof(why));
	if (r != 0 && r != 1)
		abort();
	if (r == 1 && (strchr(why, '\n') || !why[0]))
		abort();
	r = warm_spec_differs(session, call, why, sizeof(why));
	if (r != 0 && r != 1)
		abort();
	if (r == 1 && (strchr(why, '\n') || !why[0]))
		abort();
	free(text);
	return 0;
}
