# Commands from stdin run in order, in one shell, in the guest.

test_echo_and_guest_kernel_release() {
	out=$(printf 'echo hello\nuname -r\n' | ks) || fail "exit status $?" || return 1
	expect_eq "first line" hello "$(echo "$out" | sed -n 1p)" || return 1
	release=$(echo "$out" | sed -n 2p)
	[ -n "$release" ] || fail "no kernel release printed"
}
