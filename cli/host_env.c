/* Exec mode (`krunsh -- PROGRAM`) stands in for a native exec by a test
 * runner (go test -exec, cargo's runner, ctest), so the program gets the
 * host's environment: GOFLAGS, CARGO_MANIFEST_DIR, a test's own switches.
 * Left out is only what names something the guest cannot reach or that
 * would mislead a program there. */
#include "cli/host_env.h"

#include <string.h>

static const struct {
	const char *name; /* a trailing '*' matches any suffix */
	const char *why;
} host_only[] = {
    {"DISPLAY", "the host's X server: not reachable from the VM"},
    {"WAYLAND_DISPLAY", "a socket of the host's compositor"},
    {"XAUTHORITY", "the host's X credentials"},
    {"XDG_RUNTIME_DIR", "the host session's socket directory"},
    {"DBUS_SESSION_BUS_ADDRESS", "a socket of the host's session bus"},
    {"DBUS_SYSTEM_BUS_ADDRESS", "the host's system bus"},
    {"SSH_AUTH_SOCK", "the host's ssh agent: a socket, and a credential"},
    {"SSH_AGENT_PID", "a host process"},
    {"SSH_CONNECTION", "the host's login, not the guest's"},
    {"SSH_CLIENT", "the host's login, not the guest's"},
    {"SSH_TTY", "a host terminal device"},
    {"GPG_AGENT_INFO", "the host's gpg agent socket"},
    {"TMUX", "the host's tmux server socket: tmux in the guest would fail"},
    {"TMUX_PANE", "the host's tmux"},
    {"STY", "the host's screen session"},
    {"TERM_PROGRAM*", "the host's terminal emulator, not the guest's"},
    {"WINDOWID", "a host X window"},
    {"NOTIFY_SOCKET", "systemd's socket on the host"},
    {"LISTEN_*", "systemd socket activation: the descriptors do not travel"},
    {"INVOCATION_ID", "a host systemd unit"},
    {"JOURNAL_STREAM", "the host journal's descriptor"},
    {"KRUNSH_*", "krunsh's own settings and test hooks: a krunsh in the guest "
		 "would take the host's paths"},
    {"LD_PRELOAD", "host preloaders (fakeroot, sandboxes) lean on host daemons; "
		   "every guest process would load it"},
    {"LD_AUDIT", "as LD_PRELOAD"},
    {"PWD", "the shell's idea of the directory; the guest's may differ (-w)"},
    {"OLDPWD", "as PWD"},
};

int host_env_is_host_only(const char *entry)
{
	size_t name_length = strcspn(entry, "=");
	for (size_t i = 0; i < sizeof(host_only) / sizeof(host_only[0]); i++) {
		const char *name = host_only[i].name;
		size_t n = strlen(name);
		if (name[n - 1] == '*') {
			if (name_length >= n - 1 && strncmp(entry, name, n - 1) == 0)
				return 1;
		} else if (name_length == n && strncmp(entry, name, n) == 0) {
			return 1;
		}
	}
	return 0;
}
