# Smaller holes found in review (issue 10, item 7), each a test.

# A run directory whose name carries a pid that is alive (pid 1, as a run
# in another pid namespace would write it) but whose lock nobody holds is
# stale: the next run sweeps it. kill(pid, 0) said "alive" and kept it.
test_stale_run_dir_with_a_live_looking_pid_is_swept_by_its_lock() {
	use_private_tmpdir
	stale="$TMPDIR/krunsh-run.1.AbCdEf"
	mkdir -m 700 "$stale"
	: > "$stale/lock"
	ks -c true </dev/null >out 2>err || { cat err >&2; return 1; }
	[ ! -e "$stale" ] || { fail "the stale run directory was kept"; return 1; }
}

# A live run's directory is locked: a second run must not sweep it.
test_live_run_dir_is_not_swept_by_another_run() {
	use_private_tmpdir
	live="$TMPDIR/krunsh-run.999999.LiVeDr"
	mkdir -m 700 "$live"
	: > "$live/lock"
	flock "$live/lock" sleep 20 &
	holder=$!
	sleep 0.3
	ks -c true </dev/null >out 2>err
	rc=$?
	kept=no
	[ -d "$live" ] && kept=yes
	kill "$holder" 2>/dev/null
	wait "$holder" 2>/dev/null
	rm -rf "$live"
	expect_eq "status" 0 "$rc" || return 1
	expect_eq "live directory kept" yes "$kept"
}

# The initramfs cache boots as the guest's PID 1: a cache directory others
# may write to is refused.
test_cache_directory_writable_by_others_is_refused() {
	only_engine qemu || { skip "the initramfs cache is the QEMU engine's"; return; }
	cache="$TEST_SCRATCH/cache"
	mkdir -p "$cache/krunsh"
	chmod 777 "$cache/krunsh"
	XDG_CACHE_HOME=$cache ks -c true </dev/null >out 2>err
	expect_eq "status" 125 "$?" || return 1
	expect_contains "message" "only you can write to" "$(cat err)"
}
