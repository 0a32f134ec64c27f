# krunsh for an ordinary user: no root, no setuid bit. The file server then
# runs in an unprivileged user namespace. The suite runs as root in CI, so
# these tests drop to nobody with setpriv (util-linux).

unprivileged_setup() {
	only_engine qemu || { skip "the unprivileged path is the qemu engine's file server"; return; }
	[ "$(id -u)" = 0 ] || { skip "needs root to switch to an ordinary user"; return; }
	command -v setpriv >/dev/null || { skip "setpriv (util-linux) not installed"; return; }
	home="$TEST_SCRATCH/home"
	mkdir -p "$home"
	chown 65534:65534 "$home"
	chmod 755 "$TEST_SCRATCH"
}

# ks as nobody, with no supplementary groups, a home and TMPDIR of its own.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$home" TMPDIR="$home" "$KRUNSH" --engine qemu "$@"
}

test_ordinary_user_runs_commands_in_the_vm() {
	unprivileged_setup || return
	out=$(printf 'id -u\ntouch /etc/krunsh-unpriv && echo overlay-writable\nexit 7\n' |
		as_nobody 2>err)
	rc=$?
	expect_eq "exit status" 7 "$rc" || { cat err >&2; return; }
	expect_eq "output" "0
overlay-writable" "$out" || return 1
	[ ! -e /etc/krunsh-unpriv ] || fail "a guest write reached the host's /etc"
}

test_ordinary_users_own_files_stay_read_only() {
	unprivileged_setup || return
	mkdir "$home/canary"
	printf 'precious\n' >"$home/canary/f"
	chown -R 65534:65534 "$home/canary"
	printf 'echo pwned > %s/canary/f\nrm -rf --no-preserve-root / 2>/dev/null; true\n' "$home" |
		as_nobody >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return; }
	expect_eq "the user's own file" precious "$(cat "$home/canary/f")" || return 1
	expect_eq "run directories left" "" "$(ls -d "$home"/krunsh-run.* 2>/dev/null)"
}
