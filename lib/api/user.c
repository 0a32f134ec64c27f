/* krunsh_user_lookup: the library's passwd/group reader (lib/spec/guest_user.c)
 * for callers that resolve a user before the VM exists. */
#include "krunsh/krunsh.h"
#include "lib/api/api.h"
#include "lib/spec/guest_user.h"

#include <string.h>

_Static_assert(KRUNSH_USER_MAX_GROUPS == GUEST_USER_MAX_GROUPS, "one bound for both");

int krunsh_user_lookup(const char *user, const char *root, struct krunsh_user *out,
		       struct krunsh_error *err)
{
	memset(out, 0, sizeof(*out));
	if (!user)
		return api_fail_text(err, KRUNSH_E_INVALID, "user: none given");
	struct guest_user found;
	struct error inner = {0};
	if (guest_user_resolve(user, root, &found, &inner) < 0)
		return api_fail(err, KRUNSH_E_INVALID, &inner);
	out->uid = found.uid;
	out->gid = found.gid;
	out->group_count = found.group_count;
	memcpy(out->groups, found.groups, found.group_count * sizeof(found.groups[0]));
	_Static_assert(sizeof(out->home) == sizeof(found.home), "the same room for HOME");
	memcpy(out->home, found.home, sizeof(out->home));
	return 0;
}
