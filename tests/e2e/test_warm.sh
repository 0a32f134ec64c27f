# Warm VMs (issue 15): `krunsh --warm N` keeps N booted VMs in a per-user
# keeper; a run whose VM options match takes one, uses it once and the VM
# is stopped after it (a replacement boots meanwhile); every other run
# boots cold and -V says why. Every test has its own XDG_RUNTIME_DIR
# (where the keeper's socket lives) and TMPDIR (where the VMs' run
# directories are: one per VM, booting, kept or running).

warm_setup() {
	unset KRUNSH_NO_WARM
	export XDG_RUNTIME_DIR="$TEST_SCRATCH/xdg"
	mkdir -p "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	use_private_tmpdir
	trap 'ks --warm 0 >/dev/null 2>&1' EXIT
}

# The keeper and its janitor: krunsh processes asked for --warm, with our
# XDG_RUNTIME_DIR, in a session of their own (setsid).
warm_processes() {
	detached_krunsh_processes "--warm [1-9]"
}

warm_keeper_pid() {
	for p in $(warm_processes); do
		[ "$(awk '{ print $6 }' /proc/"$p"/stat)" = "$p" ] && echo "$p"
	done
}

# A process's state letter: /proc/PID/stat's field after the name, which
# may hold spaces ("libkrun VM").
vm_state() {
	sed 's/.*) //' /proc/"$1"/stat 2>/dev/null | cut -d' ' -f1
}

# The VMs kept, booting or running, one line each. QEMU's by the run
# directory its command line names (the directory itself may be gone once
# the VM is up); libkrun's by the VMM's pid: the VMM is a forked krunsh,
# with krunsh's command line, named krunsh-vmm until a real libkrun's
# krun_start_enter renames it "VM:$HOSTNAME" or "libkrun VM". Ours have our
# TMPDIR. Zombies are gone (nested, the outer guest's init reaps none).
vm_ids() {
	if only_engine krun-double krun-real; then
		for p in $(pgrep -x 'krunsh-vmm|libkrun VM|VM:.*'); do
			[ "$(vm_state "$p")" = Z ] && continue
			tr '\0' '\n' </proc/"$p"/environ 2>/dev/null |
				grep -qx "TMPDIR=$TMPDIR" && echo "$p"
		done
		return 0
	fi
	pgrep -af "$TMPDIR/krunsh-run\." | grep -o 'krunsh-run\.[0-9]*\.[A-Za-z0-9]*' | sort -u
}

# The processes of the VM with that id still running (zombies are gone).
vm_process_count() {
	if only_engine krun-double krun-real; then
		state=$(vm_state "$1")
		[ -n "$state" ] && [ "$state" != Z ] && echo 1 || echo 0
		return 0
	fi
	pgrep -f "$TMPDIR/$1" | wc -l
}

# Nothing of the keeper within $1 seconds: no keeper, janitor or holder,
# no VM of ours, no socket or lock, no run directory.
expect_warm_gone() {
	for _ in $(seq $(($1 * 10 + 1))); do
		[ -z "$(warm_processes)" ] && [ -z "$(ls -A "$TMPDIR")" ] &&
			[ -z "$(vm_ids)" ] && break
		sleep 0.1
	done
	expect_eq "keeper processes" "" "$(warm_processes | tr '\n' ' ')" || return 1
	expect_eq "files in the keepers' directory" "" \
		"$(ls -A "$XDG_RUNTIME_DIR/krunsh" 2>/dev/null)" || return 1
	expect_eq "VMs of ours left" "" "$(vm_ids | tr '\n' ' ')" || return 1
	expect_eq "run directories left" "" "$(ls -A "$TMPDIR")"
}

# ks -V ...: the run's verbose lines say warm or cold; expect the one.
expect_warm_run() {
	expect_contains "$1: -V" "krunsh: warm VM: taken from the warm keeper" "$2"
}

test_warm_run_sees_nothing_of_the_run_before() {
	warm_setup
	ks --warm 1 2>err || { cat err >&2; fail "--warm 1 failed"; return 1; }
	expect_eq "--warm's stderr" "" "$(cat err)" || return 1
	[ -n "$(warm_keeper_pid)" ] || fail "no keeper runs after --warm 1" || return 1
	expect_eq "VMs kept" 1 "$(vm_ids | wc -l)" || return 1
	# The contract double's agent runs on the host: its /tmp is the host's.
	file=/tmp/warm-run-file
	only_engine krun-double && file=$TEST_SCRATCH/warm-run-file
	ks -V -c "echo run1 >$file; cat $file" >out 2>err
	expect_eq "run 1 status" 0 "$?" || { cat err >&2; return 1; }
	expect_eq "run 1 output" run1 "$(cat out)" || return 1
	expect_warm_run "run 1" "$(cat err)" || return 1
	# Run 2 waits for the replacement that is booting: warm too, a new VM.
	ks -V -c "cat $file 2>/dev/null || echo absent" >out 2>err
	expect_warm_run "run 2" "$(cat err)" || return 1
	only_engine krun-double && return 0
	expect_eq "run 2 sees run 1's file" absent "$(cat out)"
}

test_warm_killed_run_takes_its_vm_down() {
	warm_setup
	ks --warm 1 || fail "--warm 1 failed" || return 1
	taken=$(vm_ids)
	expect_eq "one VM kept" 1 "$(printf '%s' "$taken" | grep -c .)" || return 1
	start_long_run -V || return 1
	expect_eq "the long run's -V (a VM was ready)" 1 \
		"$(grep -c '^krunsh: warm VM: taken from the warm keeper$' err)" || return 1
	kill -KILL "$pid"
	wait "$job"
	for _ in $(seq "$(slow 50)"); do
		[ "$(vm_process_count "$taken")" = 0 ] && break
		sleep 0.1
	done
	expect_eq "processes of the killed run's VM ($taken)" 0 \
		"$(vm_process_count "$taken")" || return 1
	# The keeper lives on, with a replacement.
	expect_eq "a run after it" hi "$(ks -c 'echo hi')"
}

test_warm_killed_keeper_leaves_nothing_and_runs_boot_cold() {
	warm_setup
	ks --warm 2 || fail "--warm 2 failed" || return 1
	keeper=$(warm_keeper_pid)
	[ -n "$keeper" ] || fail "no keeper" || return 1
	kill -KILL "$keeper"
	expect_warm_gone "$(slow 5)" || return 1
	ks -V -c 'echo hi' >out 2>err
	expect_eq "status after" 0 "$?" || { cat err >&2; return 1; }
	expect_eq "output after" hi "$(cat out)" || return 1
	expect_contains "why cold" "krunsh: cold boot: no warm VMs are kept (krunsh --warm N keeps N)" \
		"$(cat err)" || return 1
	# A socket left by a keeper that died with its host: nobody answers.
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind(sys.argv[1])' \
		"$XDG_RUNTIME_DIR/krunsh/.warm.sock" 2>/dev/null ||
		{ mkdir -m 700 -p "$XDG_RUNTIME_DIR/krunsh" && python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind(sys.argv[1])' "$XDG_RUNTIME_DIR/krunsh/.warm.sock"; }
	ks -V -c 'echo hi' >out 2>err
	expect_eq "output with a dead socket" hi "$(cat out)" || return 1
	expect_contains "why cold, dead socket" "krunsh: cold boot: no warm VMs are kept" "$(cat err)" ||
		return 1
	# --warm replaces it.
	ks --warm 1 2>err || { cat err >&2; fail "--warm 1 over a dead socket failed"; return 1; }
	ks -V -c 'echo hi' >out 2>err
	expect_warm_run "after the new --warm" "$(cat err)"
}

test_warm_runs_needing_more_boot_cold_and_say_why() {
	warm_setup
	ks --warm 1 || fail "--warm 1 failed" || return 1
	mkdir "$TEST_SCRATCH/vol"
	for case in "--volume|-v $TEST_SCRATCH/vol:/vol" "--network|--net" "--cpus|--cpus 2" \
		"--memory|--memory 256m" "--hostname|--hostname other" "--mask|--mask $TEST_SCRATCH/vol"; do
		flag=${case%%|*}
		# shellcheck disable=SC2086 # the options are words
		ks -V ${case#*|} -c 'echo ran' >out 2>err
		expect_eq "$flag: status" 0 "$?" || { cat err >&2; return 1; }
		expect_eq "$flag: output" ran "$(cat out)" || return 1
		expect_eq "$flag: lines saying why" 1 "$(grep -c '^krunsh: cold boot: ' err)" || return 1
		expect_contains "$flag: why" "krunsh: cold boot: the warm VMs have $flag " "$(cat err)" ||
			return 1
	done
	KRUNSH_NO_WARM=1 ks -V -c true 2>err
	expect_contains "KRUNSH_NO_WARM" "krunsh: cold boot: KRUNSH_NO_WARM is set" "$(cat err)" ||
		return 1
	# None of them took the warm VM.
	ks -V -c true 2>err
	expect_warm_run "a plain run after them" "$(cat err)"
}

test_warm_run_finding_no_vm_free_boots_cold() {
	warm_setup
	# Every boot of this test hangs first (the watchdog's test hook), so
	# that the replacement is still booting when the third run comes.
	# Its second attempt has that long too, on a loaded machine.
	export KRUNSH_TEST_FREEZE_FIRST_BOOT=1 KRUNSH_BOOT_TIMEOUT="$(slow 10)"
	ks --warm 1 || fail "--warm 1 failed" || return 1
	start_long_run -V || return 1
	expect_eq "the long run's -V (a VM was ready)" 1 \
		"$(grep -c '^krunsh: warm VM: taken from the warm keeper$' err)" || return 1
	# Of two runs coming while the replacement boots, one waits for it
	# (the first to ask, as a rule); the other would wait behind it: it
	# boots cold at once.
	ks -V -c 'echo second' >out2 2>err2 &
	second=$!
	sleep 1
	ks -V -c 'echo third' >out3 2>err3
	expect_eq "third status" 0 "$?" || { cat err3 >&2; return 1; }
	wait "$second"
	expect_eq "second status" 0 "$?" || { cat err2 >&2; return 1; }
	expect_eq "outputs" "second third" "$(cat out2) $(cat out3)" || return 1
	# The keeper tells the run that waited (the bench counts such runs).
	# On a failure, what each run said of the warm VM (a nested run left
	# only the count to go on).
	says() { grep -h -e '^krunsh: warm VM' -e '^krunsh: cold boot' err2 err3 >&2; }
	expect_eq "runs that waited for the warm VM" 1 "$(cat err2 err3 |
		grep -c '^krunsh: warm VM: taken from the warm keeper (waited for its boot)$')" ||
		{ says; return 1; }
	expect_eq "runs that said why they boot cold" 1 "$(cat err2 err3 |
		grep -c '^krunsh: cold boot: no warm VM free (1 booting, as many runs waiting for them)$')" ||
		{ says; return 1; }
	kill "$pid"
	wait "$job" || true
}

test_warm_runs_end_as_cold_runs_do() {
	warm_setup
	ks --warm 2 || fail "--warm 2 failed" || return 1
	ks -V -c true 2>err
	expect_warm_run "first" "$(cat err)" || return 1
	for mode in cold warm; do
		if [ $mode = cold ]; then k() { KRUNSH_NO_WARM=1 ks "$@"; }; else k() { ks "$@"; }; fi
		k -c 'echo out; echo err >&2; exit 3' >"$mode.out1" 2>"$mode.err1"
		echo "status $?" >>"$mode.out1"
		printf 'echo a\nfalse\necho b\n' | k >"$mode.out2" 2>"$mode.err2"
		echo "status $?" >>"$mode.out2"
		echo piped | k -- sh -c 'cat; exit 7' >"$mode.out3" 2>"$mode.err3"
		echo "status $?" >>"$mode.out3"
		# The sleep outlasts the timeout however far KRUNSH_TEST_SLOWNESS
		# stretches it (nested at 6, a fixed 30 s ended first, with 0).
		k --timeout "$(slow 10)" -c "echo before; sleep $(($(slow 10) * 3))" \
			>"$mode.out4" 2>"$mode.err4"
		echo "status $?" >>"$mode.out4"
		k -c 'kill -TERM $$' >"$mode.out5" 2>"$mode.err5"
		echo "status $?" >>"$mode.out5"
	done
	for i in 1 2 3 4 5; do
		expect_eq "stdout and status $i" "$(cat cold.out$i)" "$(cat warm.out$i)" || return 1
		expect_eq "stderr $i" "$(cat cold.err$i)" "$(cat warm.err$i)" || return 1
	done
	expect_contains "the line-failed message" "krunsh: line 2 failed with status 1: false" \
		"$(cat warm.err2)" || return 1
	expect_eq "status of the timeout" "before
status 124" "$(cat warm.out4)"
}

test_warm_zero_leaves_nothing() {
	warm_setup
	ks --warm 2 || fail "--warm 2 failed" || return 1
	expect_eq "VMs kept" 2 "$(vm_ids | wc -l)" || return 1
	[ -S "$XDG_RUNTIME_DIR/krunsh/.warm.sock" ] || fail "no socket" || return 1
	ks -c true || fail "a run failed" || return 1
	ks --warm 0 2>err
	expect_eq "--warm 0 status" 0 "$?" || { cat err >&2; return 1; }
	# krunsh's own files are gone when --warm 0 returns; the contract
	# double's VMM removes its directory as it exits, which a loaded
	# machine may leave for a moment after (CI and a helper saw one left
	# once with no wait at all).
	expect_warm_gone "$(slow 2)" || return 1
	ks --warm 0 2>err
	expect_eq "--warm 0 again: status" 0 "$?" || return 1
	expect_eq "--warm 0 again: stderr" "" "$(cat err)"
}

# Replacements wait while runs come back to back (cli/keeper/warm_keeper.c's
# REFILL_PAUSE_SECONDS) but do come: a burst as large as the pool finds
# each run a VM ready, and afterwards the pool is full again.
test_warm_pool_serves_a_burst_and_refills() {
	warm_setup
	# run_takes_a_ready_vm N: run N prints N, having taken a VM already up.
	run_takes_a_ready_vm() {
		ks -V -c "echo $1" >"out$1" 2>"err$1" || fail "run $1: $(cat "err$1")" || return 1
		expect_eq "run $1's output" "$1" "$(cat "out$1")" || return 1
		expect_eq "run $1 took a VM ready" 1 \
			"$(grep -c '^krunsh: warm VM: taken from the warm keeper$' "err$1")"
	}
	ks --warm 2 || fail "--warm 2 failed" || return 1
	run_takes_a_ready_vm 1 || return 1
	run_takes_a_ready_vm 2 || return 1
	for _ in $(seq "$(slow 300)"); do
		[ "$(vm_ids | wc -l)" = 2 ] && break
		sleep 0.1
	done
	expect_eq "VMs kept after the burst" 2 "$(vm_ids | wc -l)" || return 1
	# Once they are up (--warm returns then), the next two wait for no boot.
	ks --warm 2 || fail "--warm 2 again failed" || return 1
	run_takes_a_ready_vm 3 || return 1
	run_takes_a_ready_vm 4
}

test_warm_resize_keeps_that_many() {
	warm_setup
	ks --warm 1 || fail "--warm 1 failed" || return 1
	ks --warm 3 || fail "--warm 3 failed" || return 1
	expect_eq "VMs after --warm 3" 3 "$(vm_ids | wc -l)" || return 1
	ks --warm 1 || fail "--warm 1 again failed" || return 1
	for _ in $(seq "$(slow 50)"); do
		[ "$(vm_ids | wc -l)" = 1 ] && break
		sleep 0.1
	done
	expect_eq "VMs after --warm 1" 1 "$(vm_ids | wc -l)" || return 1
	ks --warm 1 --cpus 2 2>err
	expect_eq "another spec: status" 125 "$?" || return 1
	expect_contains "another spec: message" \
		"krunsh: the warm VMs have --cpus 1, this run asks --cpus 2: stop them first (krunsh --warm 0)" \
		"$(cat err)"
}

test_warm_idle_timeout_stops_the_keeper() {
	warm_setup
	ks --warm 1 --idle-timeout "$(slow 3)" || fail "--warm 1 failed" || return 1
	[ -n "$(warm_keeper_pid)" ] || fail "no keeper runs" || return 1
	expect_warm_gone "$(slow 15)"
}

test_warm_keeper_of_another_user_cannot_be_reached() {
	[ "$(id -u)" = 0 ] || skip "needs root to act as another user" || return $?
	warm_setup
	chmod 711 "$TEST_SCRATCH"
	ks --warm 1 || fail "--warm 1 failed" || return 1
	other="setpriv --reuid=65534 --regid=65534 --clear-groups"
	$other env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" "$KRUNSH" --warm 0 >out 2>err
	expect_eq "another user's --warm 0: status" 125 "$?" || return 1
	expect_contains "message" "belongs to uid 0, not to you (uid 65534)" "$(cat err)" || return 1
	# Straight to the socket, with the directories opened up: the keeper
	# checks the peer itself and hangs up without a word.
	answer=$(bytes_sent_to_another_user "$XDG_RUNTIME_DIR/krunsh/.warm.sock")
	expect_eq "bytes the keeper sent another user" 0 "$answer" || return 1
	ks -V -c 'echo hi' >out 2>err
	expect_eq "the owner's run" hi "$(cat out)" || return 1
	expect_warm_run "the owner's run" "$(cat err)"
}

test_warm_bad_requests_are_refused() {
	warm_setup
	for args in "--warm 33" "--warm x" "--warm 1 -c true" "--warm 1 --session s" \
		"--warm 1 -v /tmp:/tmp" "--warm 1 --net"; do
		# shellcheck disable=SC2086 # the options are words
		"$KRUNSH" $args </dev/null >out 2>err
		expect_eq "$args: status" 125 "$?" || return 1
		expect_eq "$args: one line" 1 "$(wc -l <err)" || return 1
		expect_eq "$args: no output" "" "$(cat out)" || return 1
	done
	expect_contains "why not a volume" "a warm VM has no volumes" \
		"$(ks --warm 1 -v /tmp:/tmp 2>&1)" || return 1
	expect_eq "nothing started" "" "$(warm_processes)"
}
