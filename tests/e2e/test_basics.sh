# Commands from stdin run in order, in one shell, in the guest.

test_echo_and_guest_kernel_release() {
	printf 'echo hello\nuname -r\n' | ks >out 2>err || fail "exit status $?: $(cat err)" || return 1
	expect_eq "line count" 2 "$(wc -l <out)" || return 1
	expect_eq "first line" hello "$(sed -n 1p out)" || return 1
	release=$(sed -n 2p out)
	case "$release" in
	[0-9]*.[0-9]*) ;;
	*) fail "second line [$release] is not a kernel release"; return 1 ;;
	esac
	expect_eq "stderr" "" "$(cat err)" || return 1
	# The guest boots its own kernel; on this project's machines the
	# host runs a different one.
	if only_engine qemu krun-real && [ "$release" = "$(uname -r)" ]; then
		fail "guest kernel release $release is the host's: is this a VM?"
	fi
}
