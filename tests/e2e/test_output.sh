# What the guest writes reaches the host: stdout to stdout, stderr to
# stderr, byte for byte, whatever the bytes, the size or the reader's pace.

test_stdout_and_stderr_stay_separate_and_exact() {
	ks --script >out 2>err <<'EOF'
printf 'out 1\n'
printf 'err 1\n' >&2
printf 'out 2\n'
printf 'err 2\n' >&2
EOF
	rc=$?
	expect_eq "exit status" 0 "$rc" || return 1
	printf 'out 1\nout 2\n' >want_out
	printf 'err 1\nerr 2\n' >want_err
	cmp -s want_out out || fail "stdout is [$(cat out)]" || return 1
	cmp -s want_err err || fail "stderr is [$(cat err)] (boot messages must not mix in)"
}

test_output_without_trailing_newline_is_preserved() {
	ks -c "printf 'no newline'; printf 'err no newline' >&2" </dev/null >out 2>err ||
		fail "exit status $?" || return 1
	printf 'no newline' >want_out
	printf 'err no newline' >want_err
	cmp -s want_out out || fail "stdout is $(od -c out | head -n 3)" || return 1
	cmp -s want_err err || fail "stderr is $(od -c err | head -n 3)"
}

test_binary_output_is_byte_exact() {
	# The cwd is shared (read-only) with the guest, so it can read f.
	head -c 1000000 /dev/urandom >f
	want=$(sha256sum <f | cut -d' ' -f1)
	ks -c 'cat f; cat f >&2' </dev/null >out 2>err || fail "exit status $?" || return 1
	expect_eq "stdout checksum" "$want" "$(sha256sum <out | cut -d' ' -f1)" || return 1
	expect_eq "stderr checksum" "$want" "$(sha256sum <err | cut -d' ' -f1)"
}

test_slow_reader_gets_every_byte() {
	head -c 1000000 /dev/urandom >f
	want=$(sha256sum <f | cut -d' ' -f1)
	got=$( { ks -c 'cat f' </dev/null; echo $? >rc; } | (sleep 2; cat) | sha256sum | cut -d' ' -f1)
	expect_eq "exit status" 0 "$(cat rc)" || return 1
	expect_eq "checksum after a slow reader" "$want" "$got"
}

test_200_mb_output_with_bounded_memory() {
	# Peak RSS of krunsh itself: VmHWM from /proc, sampled until it exits
	# (VmHWM only grows). /usr/bin/time would report the largest child,
	# the VMM with its guest RAM, not krunsh.
	mkfifo pipe
	wc -c <pipe >count &
	counter=$!
	ks -c 'head -c 200000000 /dev/zero' </dev/null >pipe 2>err &
	job=$!
	pid=$(krunsh_pid_of "$job") || fail "cannot find the krunsh process" || return 1
	peak=0
	while kill -0 "$pid" 2>/dev/null; do
		hwm=$(awk '/^VmHWM:/ { print $2 }' /proc/"$pid"/status 2>/dev/null)
		[ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
		sleep 0.1
	done
	wait "$job"
	rc=$?
	wait "$counter"
	echo "krunsh peak RSS (VmHWM): ${peak} kB"
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "bytes received" 200000000 "$(cat count)" || return 1
	[ "$peak" -gt 0 ] || fail "no RSS sample taken" || return 1
	[ "$peak" -le 65536 ] || fail "krunsh peak RSS ${peak} kB exceeds 64 MiB"
}

test_verbose_shows_boot_messages_on_stderr_only() {
	only_engine qemu krun-real || { skip "contract double runs on the host: no VM to isolate"; return; }
	ks -V -c 'echo out' </dev/null >out 2>err || fail "exit status $?" || return 1
	expect_eq "stdout" out "$(cat out)" || return 1
	expect_contains "kernel messages on stderr" "Linux version" "$(cat err)"
}
