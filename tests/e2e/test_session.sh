# Persistent named sandboxes (issue 13, item 5): `krunsh --session NAME`
# starts a VM held by a keeper process, or reuses it; each call is one
# execution with its own output and status; files and the working
# directory carry over; --end, the idle timeout, a killed keeper and a
# killed call leave no process and no file. (The contract double's agent
# runs on the host: its session's working directory is the host's
# /tmp/.krunsh-session-cwd, removed by the tests.) Every test has its own
# XDG_RUNTIME_DIR (where the sessions' sockets live) and TMPDIR
# (session_setup, lib.sh).

# The krunsh processes of session $1 (the keeper and its janitor: those
# named for the session in their own session, as setsid made them).
session_processes() {
	detached_krunsh_processes "--session $1 "
}

keeper_pid() {
	for p in $(session_processes "$1"); do
		[ "$(awk '{ print $6 }' /proc/"$p"/stat)" = "$p" ] && echo "$p"
	done
}

# Nothing of session $1 within $2 seconds: no keeper or janitor, no VMM
# naming our TMPDIR, no socket or lock, no run directory.
expect_session_gone() {
	for _ in $(seq $(($2 * 10))); do
		[ -z "$(session_processes "$1")" ] && [ ! -e "$XDG_RUNTIME_DIR/krunsh/$1.sock" ] &&
			[ "$(pgrep -f "qemu-system.*$TMPDIR" | wc -l)" = 0 ] && break
		sleep 0.1
	done
	expect_eq "session processes" "" "$(session_processes "$1" | tr '\n' ' ')" || return 1
	expect_eq "files in the sessions directory" "" \
		"$(ls -A "$XDG_RUNTIME_DIR/krunsh" 2>/dev/null)" || return 1
	expect_eq "qemu-system processes naming $TMPDIR" 0 \
		"$(pgrep -f "qemu-system.*$TMPDIR" | wc -l)" || return 1
	expect_eq "run directories left" "" "$(ls -A "$TMPDIR")"
}

# A session, then a call on it that prints and sleeps: sets job and pid
# (the call's krunsh) once the guest has printed.
start_long_session_call() {
	ks --session s -c true || fail "first call failed" || return 1
	ks --session s -c 'echo started; sleep 60' >out 2>err &
	job=$!
	pid=$(krunsh_pid_of "$job") || fail "cannot find the krunsh process" || return 1
	for _ in $(seq 300); do
		grep -q started out 2>/dev/null && break
		sleep 0.1
	done
	expect_eq "the call started" started "$(cat out)"
}

test_session_keeps_files_and_the_working_directory() {
	needs_a_guest || return $?
	session_setup
	ks --session s -c 'echo kept >/tmp/session-file; mkdir /tmp/d; cd /tmp/d' >out 2>err
	expect_eq "first call's status" 0 "$?" || { cat err >&2; return 1; }
	# A line-mode call starts where the last one ended, and its final
	# cd is where the next starts.
	printf 'pwd\ncat /tmp/session-file\ncd /etc\n' | ks --session s >out 2>err
	expect_eq "second call's status" 0 "$?" || { cat err >&2; return 1; }
	expect_eq "second call's output" "/tmp/d
kept" "$(cat out)" || return 1
	expect_eq "third call's cwd" /etc "$(ks --session s -c pwd)" || return 1
	# Files written under the directory are kept, so nothing says they
	# were thrown away.
	ks --session s -w "$TEST_SCRATCH" -c 'echo x >written-here' 2>err
	expect_eq "stderr of a call that wrote a file" "" "$(cat err)" || return 1
	expect_eq "the file, next call" x "$(ks --session s -c "cat $TEST_SCRATCH/written-here")" ||
		return 1
	# -w wins over the session's directory.
	expect_eq "with -w" / "$(ks --session s -w / -c pwd)" || return 1
	# A fresh run sees none of it.
	expect_eq "fresh run" absent "$(ks -c 'cat /tmp/session-file 2>/dev/null || echo absent')"
}

test_session_calls_have_their_own_status_and_output() {
	session_setup
	ks --session s -c 'echo out; echo err >&2; exit 3' >out 2>err
	expect_eq "status" 3 "$?" || return 1
	expect_eq "stdout" out "$(cat out)" || return 1
	expect_eq "stderr" err "$(cat err)" || return 1
	printf 'echo a\nfalse\necho b\n' | ks --session s >out 2>err
	expect_eq "line mode status" 1 "$?" || return 1
	expect_eq "line mode stdout" a "$(cat out)" || return 1
	expect_contains "line mode message" "krunsh: line 2 failed with status 1: false" \
		"$(cat err)" || return 1
	# The next call's lines are its own: line 2's failure is not heard of
	# again (the guest's record of failed lines is per execution).
	printf 'true\ntrue\n' | ks --session s >out 2>err
	expect_eq "next line-mode call's status" 0 "$?" || return 1
	expect_eq "next line-mode call's stderr" "" "$(cat err)" || return 1
	# stdin reaches the program, and exec mode works on the session.
	expect_eq "exec mode" "piped" "$(echo piped | ks --session s -- cat)" || return 1
	expect_eq "session survives failed calls" 0 "$(ks --session s -c 'echo $?')"
}

# --events on a session: each call's events are its own run's (its lines,
# its status, no message of an earlier call's failure).
test_session_calls_with_events() {
	session_setup
	printf 'cd /tmp\nfalse\n' | ks --session s --events >out 2>err
	expect_eq "first call's status" 1 "$?" || return 1
	expect_contains "first call's end" '{"event":"run-finished","status":1,"message":"line 2 failed with status 1: false"}' \
		"$(cat out)" || return 1
	printf 'pwd\n' | ks --session s --events >out 2>err
	expect_eq "second call's status" 0 "$?" || return 1
	expect_eq "second call's lines" '{"event":"line-started","line":1,"command":"pwd"}
{"event":"output","stream":"stdout","line":1,"data":"/tmp\n"}' \
		"$(grep -e line-started -e '"output"' out)" || return 1
	expect_contains "second call's end" '{"event":"run-finished","status":0,"message":null}' "$(cat out)" ||
		return 1
	expect_eq "second call's stderr" "" "$(cat err)"
}

test_session_end_leaves_nothing() {
	session_setup
	ks --session s -c true || fail "first call failed" || return 1
	[ -n "$(keeper_pid s)" ] || fail "no keeper runs after the first call" || return 1
	[ -S "$XDG_RUNTIME_DIR/krunsh/s.sock" ] || fail "no socket" || return 1
	ks --session s --end 2>err
	expect_eq "--end status" 0 "$?" || { cat err >&2; return 1; }
	expect_session_gone s 0 || return 1
	ks --session s --end 2>err
	expect_eq "--end on no session: status" 125 "$?" || return 1
	expect_eq "--end on no session: message" "krunsh: no session s is running" "$(cat err)"
}

# Orphans that end while the VM waits between calls are reaped too (by the
# next call at the latest).
test_session_orphans_of_a_call_are_reaped() {
	needs_a_guest || return $?
	session_setup
	ks --session s -c '( sleep 0.3 & ); ( sleep 0.3 & )' || fail "first call failed" || return 1
	sleep 1
	expect_eq "zombies in the guest, next call" 0 "$(ks --session s -c "$GUEST_COUNT_ZOMBIES")"
}

test_session_idle_timeout_ends_it() {
	session_setup
	# Long enough for the check below on a loaded machine (scaled: nested
	# under TCG, 4 s passed between the call's end and the keeper check).
	ks --session s --idle-timeout "$(slow 4)" -c true || fail "first call failed" || return 1
	[ -n "$(keeper_pid s)" ] || fail "no keeper runs after the first call" || return 1
	expect_session_gone s "$(slow 15)"
}

test_session_killed_keeper_leaves_nothing_and_the_next_call_starts_anew() {
	session_setup
	ks --session s -c 'cd /etc' || fail "first call failed" || return 1
	kill -KILL "$(keeper_pid s)"
	expect_session_gone s "$(slow 5)" || return 1
	# A new VM: not the old one's working directory (the contract
	# double's agent runs on the host, where the last directory stays).
	only_engine krun-double && { ks --session s -c true; return; }
	expect_eq "next call" "$PWD" "$(ks --session s -c pwd)"
}

test_session_killed_call_ends_its_execution_and_the_session() {
	session_setup
	start_long_session_call || return 1
	kill -KILL "$pid"
	wait "$job"
	# The guest may be anywhere in the execution: the session ends.
	expect_session_gone s "$(slow 5)"
}

# SIGKILL to the call that starts the session, as soon as its keeper runs
# (the VM still booting): the keeper finds nobody waiting once the VM is
# up and ends, instead of idling until its timeout. (Should the kill come
# after the boot, the killed-call rule above ends it alike.)
test_session_call_killed_while_the_vm_boots_ends_the_session() {
	needs_a_guest || return $?
	session_setup
	ks --session s -c 'sleep 30' >out 2>err &
	job=$!
	pid=$(krunsh_pid_of "$job") || fail "cannot find the krunsh process" || return 1
	for _ in $(seq 200); do
		[ -n "$(keeper_pid s)" ] && break
		sleep 0.05
	done
	[ -n "$(keeper_pid s)" ] || fail "no keeper started" || return 1
	kill -KILL "$pid"
	wait "$job"
	expect_session_gone s "$(slow 30)"
}

test_session_interrupted_call_exits_130_and_ends_the_session() {
	session_setup
	start_long_session_call || return 1
	kill -INT "$pid"
	wait "$job"
	expect_eq "status" 130 "$?" || return 1
	expect_contains "message" "krunsh: stopped by signal 2" "$(cat err)" || return 1
	expect_session_gone s "$(slow 5)"
}

test_session_stale_socket_is_replaced() {
	session_setup
	mkdir -m 700 "$XDG_RUNTIME_DIR/krunsh"
	# A socket nobody listens on, as a host crash leaves it, and its lock.
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET).bind(sys.argv[1])' \
		"$XDG_RUNTIME_DIR/krunsh/s.sock" || return 1
	: >"$XDG_RUNTIME_DIR/krunsh/s.lock"
	expect_eq "call" hi "$(ks --session s -c 'echo hi' 2>err)" || { cat err >&2; return 1; }
	expect_eq "second call" hi "$(ks --session s -c 'echo hi')"
}

test_session_of_another_user_cannot_be_reached() {
	[ "$(id -u)" = 0 ] || skip "needs root to act as another user" || return $?
	session_setup
	chmod 711 "$TEST_SCRATCH"
	ks --session s -c true || fail "first call failed" || return 1
	other="setpriv --reuid=65534 --regid=65534 --clear-groups"
	# Through krunsh: the directory is not theirs.
	$other env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" "$KRUNSH" --session s -c 'echo in' >out 2>err
	expect_eq "status" 125 "$?" || return 1
	expect_eq "output" "" "$(cat out)" || return 1
	expect_contains "message" "belongs to uid 0, not to you (uid 65534)" "$(cat err)" || return 1
	# Straight to the socket, with the directories opened up: the keeper
	# checks the peer itself and hangs up without a word.
	answer=$(bytes_sent_to_another_user "$XDG_RUNTIME_DIR/krunsh/s.sock")
	expect_eq "bytes the keeper sent another user" 0 "$answer" || return 1
	expect_eq "the owner's call still works" hi "$(ks --session s -c 'echo hi')"
}

test_session_differing_vm_option_is_refused() {
	session_setup
	ks --session s -c true || fail "first call failed" || return 1
	ks --session s --cpus 2 -c 'echo ran' >out 2>err
	expect_eq "status" 125 "$?" || return 1
	expect_eq "output" "" "$(cat out)" || return 1
	expect_eq "message lines" 1 "$(wc -l <err)" || return 1
	expect_contains "message" "session s runs with --cpus 1, this call asks --cpus 2" \
		"$(cat err)" || return 1
	# The same value, spelled another way, is the session's.
	expect_eq "same memory" ran "$(ks --session s -m 512m -c 'echo ran')" || return 1
	# Execution options apply per call.
	expect_eq "env per call" "v1" "$(ks --session s -e K=v1 -c 'echo $K')" || return 1
	expect_eq "env per call, next" "" "$(ks --session s -c 'echo ${K-}')"
}

test_session_call_through_a_pipe_ends_when_the_call_ends() {
	session_setup
	# The first call starts the keeper: it must hold none of our fds, or
	# cat would wait for the keeper's end.
	for call in first second; do
		ks --session s -c 'echo hi' | cat >out &
		job=$!
		for _ in $(seq "$(slow 600)"); do
			kill -0 "$job" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$job" 2>/dev/null; then
			kill "$job"
			fail "the $call call's pipe stayed open after the call"
			return 1
		fi
		expect_eq "$call call's output" hi "$(cat out)" || return 1
	done
}

test_session_concurrent_calls_are_serialised() {
	session_setup
	mkdir "$TEST_SCRATCH/shared"
	ks --session s -v "$TEST_SCRATCH/shared:/shared" -c true || fail "first call failed" || return 1
	# The contract double's agent writes the host: no volume there.
	log=/shared/log
	only_engine krun-double && log=$TEST_SCRATCH/shared/log
	ks --session s -c "echo a-start >>$log; sleep 2; echo a-end >>$log" &
	job=$!
	for _ in $(seq 300); do
		grep -q a-start "$TEST_SCRATCH/shared/log" 2>/dev/null && break
		sleep 0.1
	done
	ks --session s -c "echo b >>$log"
	expect_eq "second call's status" 0 "$?" || return 1
	wait "$job"
	expect_eq "order" "a-start
a-end
b" "$(cat "$TEST_SCRATCH/shared/log")"
}

test_session_bad_names_and_lone_end_are_refused() {
	session_setup
	ks --session ../x -c true 2>err
	expect_eq "status of a name with /" 125 "$?" || return 1
	expect_contains "message" "a session name is 1-64 letters" "$(cat err)" || return 1
	ks --session "$(printf 'x%.0s' $(seq 65))" -c true 2>/dev/null
	expect_eq "status of a too long name" 125 "$?" || return 1
	"$KRUNSH" --end 2>err
	expect_eq "status of --end alone" 125 "$?" || return 1
	expect_eq "message" "krunsh: --end needs --session NAME" "$(cat err)"
}

test_session_directory_must_be_private() {
	session_setup
	chmod 755 "$XDG_RUNTIME_DIR"
	ks --session s -c true 2>err
	expect_eq "status" 125 "$?" || return 1
	expect_contains "message" "sessions need it 0700" "$(cat err)" || return 1
	chmod 700 "$XDG_RUNTIME_DIR"
	mkdir "$TEST_SCRATCH/elsewhere"
	ln -s "$TEST_SCRATCH/elsewhere" "$XDG_RUNTIME_DIR/krunsh"
	ks --session s -c true 2>err
	expect_eq "status with a symlink" 125 "$?" || return 1
	expect_contains "message" "is a symbolic link" "$(cat err)"
}

# The host's files as they are now, at each call: a file the host replaced
# by a rename (an editor's save, git checkout), changed in place or removed
# since the last call is read as it is, not as "Stale file handle" (the
# overlay over virtio-fs kept its dead lower dentry: kernel/patches/0006),
# and a new one is there. A second later, as the file server's caches
# allow.
test_session_sees_the_hosts_edits_between_calls() {
	needs_a_guest || return $?
	session_setup
	mkdir -p edits
	echo v1 >edits/renamed
	echo v1 >edits/in-place
	echo v1 >edits/removed
	out=$(ks --session s -c "cd $TEST_SCRATCH/edits && cat renamed in-place removed && ls") ||
		fail "first call: status $?" || return 1
	expect_eq "first call" "v1
v1
v1
in-place
removed
renamed" "$out" || return 1
	echo v2 >edits/renamed.new && mv edits/renamed.new edits/renamed
	echo v2 >>edits/in-place
	rm edits/removed
	echo v1 >edits/created
	sleep "$(slow 2)"
	ks --session s -c "cd $TEST_SCRATCH/edits && cat renamed in-place created && ls &&
		cat removed" >out 2>err
	expect_eq "second call's status (the removed file is missing)" 1 "$?" || return 1
	expect_eq "second call's output" "v2
v1
v2
v1
created
in-place
renamed" "$(cat out)" || return 1
	expect_contains "the removed file" "No such file or directory" "$(cat err)" || return 1
	case "$(cat err)" in
	*"Stale file handle"*) fail "a stale handle: $(cat err)" ;;
	esac
}
