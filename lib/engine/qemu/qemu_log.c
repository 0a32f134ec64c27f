/* The last line of the log is usually QEMU's ("Failed to connect to
 * .../rootfs.sock: Connection refused"), a consequence; the cause is an
 * earlier line of a file server that exited. These are the causes a user
 * can fix, each with its fix. */
#include "lib/engine/qemu/qemu_log.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void qemu_log_explain(const char *log, char *cause, size_t size)
{
	cause[0] = '\0';
	/* QEMU 7.2's virtiofsd drops supplementary groups at start; in a user
	 * namespace mapped without newgidmap (no /etc/subgid range)
	 * setgroups is denied, so a user who has such groups cannot run it. */
	if (strstr(log, "setgroups() failed with error=1")) {
		struct passwd *pw = getpwuid(geteuid());
		const char *user = pw ? pw->pw_name : "USER";
		snprintf(cause, size,
			 "the file server (virtiofsd) could not drop your supplementary groups "
			 "(setgroups: Operation not permitted): as an ordinary user without "
			 "subordinate ids it cannot. Give %s a range in /etc/subuid and "
			 "/etc/subgid (usermod --add-subuids 100000-165535 --add-subgids "
			 "100000-165535 %s; needs the uidmap package), or run krunsh without "
			 "supplementary groups (setpriv --clear-groups ...)",
			 user, user);
	}
}

int qemu_log_line_is_noise(const char *line)
{
	return strncmp(line, "virtio_loop: ", 13) == 0 ||
	       strncmp(line, "virtio_session_mount: ", 22) == 0;
}
