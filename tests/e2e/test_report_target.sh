# --report writes into what its path names (issue 10): a symlink's target
# is replaced and the symlink stays; a FIFO, a device node and a process
# substitution are written into, never replaced; an unwritable report fails
# before any command runs. Only this test's own files are used.

report_is_json() {
	expect_contains "report" '"schema": "krunsh-report/1"' "$1"
}

test_report_through_a_symlink_replaces_its_target_and_keeps_the_link() {
	echo old > target.json
	ln -s target.json link.json
	ks --report link.json -c true </dev/null >/dev/null 2>err || { cat err >&2; return 1; }
	[ -L link.json ] || { fail "the symlink was replaced"; return 1; }
	report_is_json "$(cat target.json)" || return 1
	expect_eq "files beside it" "link.json target.json" "$(ls -A | grep -v '^err$' | tr '\n' ' ' | sed 's/ $//')"
}

test_report_into_a_fifo_is_written_not_replaced() {
	mkfifo report.fifo
	cat report.fifo > got &
	reader=$!
	# krunsh refuses a FIFO nobody reads: wait until cat is in its
	# open(), which counts it as a reader.
	for _ in $(seq 100); do
		[ "$(cat /proc/"$reader"/wchan 2>/dev/null)" = wait_for_partner ] && break
		sleep 0.05
	done
	ks --report report.fifo -c 'exit 3' </dev/null >/dev/null 2>err
	rc=$?
	wait "$reader"
	expect_eq "status" 3 "$rc" || { cat err >&2; return 1; }
	[ -p report.fifo ] || { fail "the FIFO was replaced"; return 1; }
	report_is_json "$(cat got)"
}

test_report_into_a_fifo_without_reader_fails_before_the_run() {
	mkfifo lonely.fifo
	started=$(date +%s)
	ks --report lonely.fifo -c 'echo ran' </dev/null >out 2>err
	rc=$?
	expect_eq "status" 125 "$rc" || return 1
	expect_contains "message" "no reader" "$(cat err)" || return 1
	expect_eq "stdout" "" "$(cat out)" || return 1
	[ -p lonely.fifo ] || fail "the FIFO was replaced"
}

test_report_into_a_device_node_of_our_own_keeps_the_node() {
	[ "$(id -u)" = 0 ] || { skip "mknod needs root"; return; }
	mknod null-node c 1 3 || { skip "mknod is not allowed here"; return; }
	ks --report null-node -c true </dev/null >/dev/null 2>err || { cat err >&2; return 1; }
	[ -c null-node ] || { fail "the device node became: $(stat -c %F null-node)"; return 1; }
}

test_report_into_process_substitution_keeps_the_status() {
	command -v bash >/dev/null || { skip "bash is not installed"; return; }
	# bash names the pipe /dev/fd/N, which a host whose /dev lacks the
	# fd link (a bare devtmpfs) does not have: nothing krunsh could open.
	bash -c 'cat <(:)' >/dev/null 2>&1 ||
		{ skip "bash's process substitution does not work on this host (no /dev/fd)"; return; }
	export ENGINE BUILD_DIR KRUNSH DEBIAN_KERNEL TEST_SCRATCH
	bash -c '. "$1"; ks --report >(cat > got) -c "exit 7" </dev/null >/dev/null 2>err; echo $? > rc; wait' \
		_ "$here/lib.sh"
	for _ in $(seq 50); do [ -s got ] && break; sleep 0.1; done
	expect_eq "status" 7 "$(cat rc)" || { cat err >&2; return 1; }
	report_is_json "$(cat got)"
}

test_unwritable_report_fails_before_any_command_runs() {
	ks --report "$TEST_SCRATCH/no/such/dir/r.json" -c 'echo ran' </dev/null >out 2>err
	rc=$?
	expect_eq "status" 125 "$rc" || return 1
	expect_contains "message" "cannot write report" "$(cat err)" || return 1
	expect_eq "stdout" "" "$(cat out)"
}

test_report_replacing_a_regular_file_leaves_no_temp_file() {
	echo old > r.json
	ks --report r.json -c true </dev/null >/dev/null 2>err || { cat err >&2; return 1; }
	report_is_json "$(cat r.json)" || return 1
	expect_eq "files" "err r.json" "$(ls -A | tr '\n' ' ' | sed 's/ $//')"
}
