# Load (issue 4): concurrent runs on the project's 2 cores keep their own
# output and status, and share the temp and cache directories safely.

# What run N prints: 300 numbered lines on each stream, then exit N.
load_script() {
	cat <<EOF
i=0
while [ \$i -lt 300 ]; do
	printf 'run-$1-out-%d\n' \$i
	printf 'run-$1-err-%d\n' \$i >&2
	i=\$((i + 1))
done
exit $1
EOF
}

load_expected() {
	i=0
	while [ $i -lt 300 ]; do
		printf 'run-%s-%s-%d\n' "$1" "$2" $i
		i=$((i + 1))
	done
}

test_eight_concurrent_runs_keep_their_own_output_and_status() {
	use_private_tmpdir
	started=$(date +%s)
	for n in 1 2 3 4 5 6 7 8; do
		load_script "$n" >"script.$n"
		ks --script "script.$n" </dev/null >"out.$n" 2>"err.$n" &
		eval "job_$n=$!"
	done
	for n in 1 2 3 4 5 6 7 8; do
		eval "wait \$job_$n"
		eval "rc_$n=$?"
	done
	secs=$(($(date +%s) - started))
	for n in 1 2 3 4 5 6 7 8; do
		eval "rc=\$rc_$n"
		expect_eq "run $n: exit status" "$n" "$rc" || { head -n 3 "err.$n" >&2; return 1; }
		load_expected "$n" out >expected
		cmp -s expected "out.$n" || fail "run $n: stdout differs: $(diff expected "out.$n" | head -n 5)" || return 1
		load_expected "$n" err >expected
		cmp -s expected "err.$n" || fail "run $n: stderr differs: $(diff expected "err.$n" | head -n 5)" || return 1
	done
	echo "    8 runs took ${secs}s"
	[ "$secs" -le "$(slow 120)" ] || fail "8 concurrent runs took ${secs}s" || return 1
	expect_eq "run directories left" "" "$(ls -A "$TMPDIR")" || return 1
	expect_no_leftovers
}

test_two_first_runs_build_the_initramfs_cache_once() {
	only_engine qemu || { skip "only the qemu engine builds an initramfs"; return; }
	use_private_tmpdir
	export XDG_CACHE_HOME="$TEST_SCRATCH/cache"
	mkdir -p "$XDG_CACHE_HOME"
	# Both start with an empty cache; each builds under its own temp name
	# and renames into place.
	ks -c 'echo one' </dev/null >out.1 2>err.1 &
	job1=$!
	ks -c 'echo two' </dev/null >out.2 2>err.2 &
	job2=$!
	wait "$job1"
	rc1=$?
	wait "$job2"
	rc2=$?
	expect_eq "first run's status" 0 "$rc1" || { cat err.1 >&2; return 1; }
	expect_eq "second run's status" 0 "$rc2" || { cat err.2 >&2; return 1; }
	expect_eq "first run's stdout" one "$(cat out.1)" || return 1
	expect_eq "second run's stdout" two "$(cat out.2)" || return 1
	cache="$XDG_CACHE_HOME/krunsh"
	expect_eq "cache entries" 1 "$(ls "$cache" | grep -c '^initramfs-.*\.cpio$')" || { ls -la "$cache" >&2; return 1; }
	expect_eq "builders' temp files left" "" "$(ls "$cache" | grep '\.tmp\.')" || return 1
	# The entry is complete: a cpio archive that ends with its trailer,
	# and a third run boots from it.
	entry=$(ls "$cache"/initramfs-*.cpio)
	# (then zeros up to a whole page)
	tail -c 4700 "$entry" | grep -q 'TRAILER!!!' || fail "$entry has no cpio trailer" || return 1
	ks -c 'echo three' </dev/null >out.3 2>err.3
	rc=$?
	expect_eq "third run's status" 0 "$rc" || { cat err.3 >&2; return 1; }
	expect_eq "third run's stdout" three "$(cat out.3)" || return 1
	expect_eq "cache entries after the third run" "$(basename "$entry")" "$(ls "$cache" | grep "^initramfs-")" || return 1
	expect_eq "run directories left" "" "$(ls -A "$TMPDIR")" || return 1
	expect_no_leftovers
}
