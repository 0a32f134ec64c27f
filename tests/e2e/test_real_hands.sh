# krunsh in real hands (issue #11): what a test runner or a user new to
# krunsh does by habit gives what the same thing gives natively, or a clear
# one-line refusal that says what to do instead.

# `go test -exec krunsh` (no --) hands krunsh a program and its arguments.
test_real_hands_program_without_dashdash_says_to_use_dashdash() {
	ks /bin/echo -test.v hello </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || { cat err >&2; return 1; }
	[ ! -s out ] || { fail "stdout: $(cat out)"; return 1; }
	expect_eq "stderr lines" 1 "$(wc -l <err)" || { cat err >&2; return 1; }
	expect_contains "the hint" "krunsh [OPTIONS] -- PROGRAM ARGS" "$(cat err)"
}

# With -c or FILE, stdin does not carry the commands: it reaches them, as
# with sh -c. Read from stdin, the commands see EOF.
test_real_hands_stdin_reaches_commands_given_by_c_or_file() {
	out=$(echo data | ks -c cat 2>err)
	expect_eq "-c cat" data "$out" || { cat err >&2; return 1; }
	printf 'read x\necho "got $x"\ncat\n' >cmds
	out=$(printf 'one\ntwo\n' | ks cmds 2>err)
	expect_eq "FILE of lines" "got one
two" "$out" || { cat err >&2; return 1; }
	out=$(printf 'three\n' | ks --script cmds 2>err)
	expect_eq "--script FILE" "got three" "$out" || { cat err >&2; return 1; }
	# Commands on stdin: the first line is not fed to cat as data.
	out=$(printf 'cat\necho after\n' | ks 2>err)
	expect_eq "commands from stdin" "after" "$out" || { cat err >&2; return 1; }
}

# A here-document, or an if/while/case/{ left open, would have the lines
# after it run as commands: refused before anything runs, with --script
# named. One-line constructs still run.
test_real_hands_multi_line_constructs_are_refused_before_anything_runs() {
	: >"$TEST_SCRATCH/ran"
	for input in "touch $TEST_SCRATCH/ran-1
cat <<EOF
hello
EOF" "touch $TEST_SCRATCH/ran-2
if true; then
echo inside
fi" "touch $TEST_SCRATCH/ran-3
a=\$(cat <<EOF" "touch $TEST_SCRATCH/ran-4
{ echo a"; do
		printf '%s\n' "$input" | ks >out 2>err
		rc=$?
		expect_eq "exit status for [$input]" 125 "$rc" || { cat err >&2; return 1; }
		[ ! -s out ] || { fail "stdout for [$input]: $(cat out)"; return 1; }
		expect_eq "stderr lines" 1 "$(wc -l <err)" || { cat err >&2; return 1; }
		expect_contains "the message" "krunsh: line 2: " "$(cat err)" || return 1
		expect_contains "the hint" "(use --script for multi-line constructs)" "$(cat err)" || return 1
	done
	[ -z "$(ls "$TEST_SCRATCH" | grep ran-)" ] || { fail "a line ran: $(ls "$TEST_SCRATCH")"; return 1; }
	out=$(printf '%s\n' 'if true; then echo y; fi' 'case x in x) echo x;; esac' '{ echo a; }' \
		"echo '<<'" 'echo "if"' 'for i in 1 2; do echo $i; done' | ks 2>err)
	expect_eq "one-line constructs" "y
x
a
<<
if
1
2" "$out" || { cat err >&2; return 1; }
	# The same here-document runs with --script.
	out=$(printf 'cat <<EOF\nhello\nEOF\n' | ks --script 2>err)
	expect_eq "here-document with --script" hello "$out"
}

# The shell's messages name the user's line, not krunsh's internal script.
test_real_hands_shell_messages_name_the_users_line() {
	printf 'echo one\n\necho )\necho not-reached\n' | ks >out 2>err
	rc=$?
	expect_eq "exit status" 2 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdout" one "$(cat out)" || return 1
	expect_contains "our line" "krunsh: line 3 failed with status 2: echo )" "$(cat err)" || return 1
	expect_contains "the shell's own message" 'Syntax error: ")" unexpected' "$(cat err)" || return 1
	if grep -q 'script' err; then
		fail "the internal script is named: $(cat err)"
		return 1
	fi
	printf 'no-such-command-krunsh\n' | ks >out 2>err
	expect_eq "exit status" 127 "$?" || { cat err >&2; return 1; }
	expect_contains "the shell's own message" "no-such-command-krunsh: not found" "$(cat err)" || return 1
	grep -q script err && { fail "the internal script is named: $(cat err)"; return 1; }
	return 0
}

# --keep-going goes on after a syntax error, reports it, and exits with the
# first failure's status.
test_real_hands_keep_going_goes_on_after_a_syntax_error() {
	printf 'false\necho )\necho after\n' | ks -k >out 2>err
	rc=$?
	expect_eq "exit status (the first failure's)" 1 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdout" after "$(cat out)" || { cat err >&2; return 1; }
	expect_contains "line 1 reported" "krunsh: line 1 failed with status 1: false" "$(cat err)" || return 1
	expect_contains "line 2 reported" "krunsh: line 2 failed with status 2: echo )" "$(cat err)"
}

# The guest's clock is the host's (to a few ms; the output's way to the host
# takes about 10-20 ms under TCG): a file touched on the host just before
# the run is not in the future inside the guest, and in each of two runs
# the best of four samples of the guest's time is neither after the moment
# the host reads it nor more than 0.1 s before (a guest clock set from the
# RTC alone lags by the RTC's fraction of a second: 0-1 s).
# clock_samples FIFO: each line written to FIFO, with the host's time when
# it arrived. python opens FIFO itself, so its start-up (which can exceed a
# krun-double run) is over before the writer can open it.
clock_samples() {
	python3 -c '
import sys, time
with open(sys.argv[1], "rb") as f:
    for line in f:
        print(line.decode().strip(), repr(time.time()))' "$1"
}

# A guest ahead of the host by more than ahead_max ms fails: 20 ms, times
# KRUNSH_TEST_SLOWNESS (nested under TCG, libkrun's guest was once 22.7 ms
# ahead of the outer guest it ran in).
clock_check_samples() {
	awk -v ahead_max="$(slow 20)" '{ d = $2 - $1; if (NR == 1 || d < best) best = d; if (d < -ahead_max / 1000) ahead = $0 }
	     END { printf "best lag %.4f s over %d samples\n", best, NR
		   if (ahead != "") { print "guest ahead: " ahead; exit 1 }
		   exit !(NR >= 4 && best < 0.1) }' "$1" ||
		{ fail "guest clock off: $(tr '\n' ' ' <"$1")"; return 1; }
}

test_real_hands_guest_clock_is_the_hosts() {
	touch stamp
	ks -c 'stat -c %.9Y stamp; for i in 1 2 3 4; do date +%s.%N; done' </dev/null 2>err >out
	mtime=$(sed -n 1p out)
	guest=$(sed -n 2p out)
	[ -n "$guest" ] || { fail "no output: $(cat err)"; return 1; }
	awk -v m="$mtime" -v g="$guest" 'BEGIN { exit !(g >= m) }' ||
		{ fail "the host's file (mtime $mtime) is in the guest's future ($guest)"; return 1; }
	for run in 1 2; do
		rm -f fifo && mkfifo fifo || return 1
		clock_samples fifo >samples &
		ks -c 'for i in 1 2 3 4; do date +%s.%N; done' </dev/null 2>err >fifo
		wait
		clock_check_samples samples || { cat err >&2; return 1; }
	done
}

# Exec mode stands in for a runner's native exec: a variable the runner set
# reaches the program (PROBE_FAIL=1 go test -exec 'krunsh --'); what only
# means something on the host does not; --clean-env and line mode give the
# minimal set.
test_real_hands_exec_mode_passes_the_host_environment() {
	export PROBE_FAIL=1 GOFLAGS=-count=1 DISPLAY=:9 SSH_AUTH_SOCK=/tmp/agent KRUNSH_TEST_SECRET=x
	ks -e GOFLAGS=-v -- /usr/bin/env </dev/null >out 2>err
	expect_eq "exit status" 0 "$?" || { cat err >&2; return 1; }
	grep -qx PROBE_FAIL=1 out || { fail "PROBE_FAIL did not arrive: $(cat out)"; return 1; }
	expect_eq "GOFLAGS (the -e wins, once)" GOFLAGS=-v "$(grep ^GOFLAGS= out)" || return 1
	for name in DISPLAY SSH_AUTH_SOCK KRUNSH_TEST_SECRET; do
		! grep -q "^$name=" out || { fail "$name reached the guest"; return 1; }
	done
	expect_eq "PATH" "PATH=$PATH" "$(grep ^PATH= out)" || return 1
	ks --clean-env -- /usr/bin/env </dev/null >out 2>err
	expect_eq "exit status" 0 "$?" || { cat err >&2; return 1; }
	! grep -q ^PROBE_FAIL= out || { fail "--clean-env passed PROBE_FAIL"; return 1; }
	echo env | ks >out 2>err
	expect_eq "exit status" 0 "$?" || { cat err >&2; return 1; }
	! grep -q ^PROBE_FAIL= out || { fail "line mode passed PROBE_FAIL"; return 1; }
	grep -q ^PATH= out || { fail "line mode lost PATH: $(cat out)"; return 1; }
}

# Real runners (issue 11, items 1 and 2): `go test -exec 'krunsh --'` gives
# the native result and the native coverage profile (the profile is written
# into go's build directory, which krunsh now shares read-write), and the
# environment the runner sets reaches the test.
test_go_test_exec_matches_native_with_coverprofile_and_env() {
	only_engine qemu krun-real || { skip "needs a VM: the test binary's files are the point"; return; }
	command -v go >/dev/null || { skip "go is not installed (Debian package golang-go)"; return; }
	mkdir gop && cd gop || return 1
	printf 'module example.com/probe\n\ngo 1.19\n' > go.mod
	printf 'package probe\n\nimport "os"\n\nfunc Add(a, b int) int {\n\tif a < 0 {\n\t\treturn 0\n\t}\n\treturn a + b\n}\n\nfunc Fails() bool { return os.Getenv("PROBE_FAIL") == "1" }\n' > probe.go
	printf 'package probe\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("add")\n\t}\n\tif Fails() {\n\t\tt.Fatal("PROBE_FAIL is set")\n\t}\n}\n' > probe_test.go
	export GOCACHE="$TEST_SCRATCH/gocache" GOPATH="$TEST_SCRATCH/gopath" GOFLAGS=-mod=mod GOTOOLCHAIN=local
	runner="$KRUNSH --engine ${ENGINE%%-*}"
	[ "$ENGINE" = krun-real ] && runner="$KRUNSH --engine krun"
	go test -coverprofile=native.out . >native.log 2>&1 || { cat native.log >&2; fail "native go test failed"; return 1; }
	go test -exec "$runner --" -coverprofile=vm.out . >vm.log 2>&1 || { cat vm.log >&2; fail "go test under krunsh failed"; return 1; }
	expect_eq "coverage profile" "$(cat native.out)" "$(cat vm.out)" || return 1
	PROBE_FAIL=1 go test -exec "$runner --" . >fail.log 2>&1
	expect_eq "status with PROBE_FAIL=1 (fails natively)" 1 "$?" || { cat fail.log >&2; return 1; }
	expect_contains "the test saw PROBE_FAIL" "PROBE_FAIL is set" "$(cat fail.log)"
}

# The cargo runner: a test reading CARGO_MANIFEST_DIR, as cargo sets it.
test_cargo_test_runner_matches_native() {
	only_engine qemu krun-real || { skip "needs a VM"; return; }
	command -v cargo >/dev/null || { skip "cargo is not installed"; return; }
	mkdir -p crate/src && cd crate || return 1
	printf '[package]\nname = "probe"\nversion = "0.1.0"\nedition = "2021"\n' > Cargo.toml
	printf '#[test]\nfn manifest_dir_is_set() {\n    let d = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");\n    assert!(std::path::Path::new(&d).join("Cargo.toml").exists());\n}\n' > src/lib.rs
	export CARGO_TARGET_DIR="$TEST_SCRATCH/target" CARGO_NET_OFFLINE=true
	cargo test -q >native.log 2>&1 || { cat native.log >&2; fail "native cargo test failed"; return 1; }
	engine=${ENGINE%%-*}
	[ "$ENGINE" = krun-real ] && engine=krun
	CARGO_TARGET_X86_64_UNKNOWN_LINUX_GNU_RUNNER="$KRUNSH --engine $engine --" cargo test -q >vm.log 2>&1 ||
		{ cat vm.log >&2; fail "cargo test under krunsh failed"; return 1; }
	expect_contains "the test ran and passed" "1 passed" "$(cat vm.log)"
}

# Files the commands write under the working directory stay on the guest's
# overlay and vanish with the VM: krunsh says so in one line at the end, in
# every mode, with the count, the first (the shallowest, then in byte
# order) and the -v that keeps them; a changed host file counts, a deleted
# one does not (it is still on the host).
discarded_line() {
	grep '^krunsh: .*thrown away with the VM' err
}

test_real_hands_files_thrown_away_are_named_in_one_line() {
	needs_a_guest || return
	echo host > existing
	printf 'echo a > r.xml\nmkdir -p sub/deep && touch sub/deep/b\necho more >> existing\n' | ks >out 2>err
	expect_eq "exit status" 0 "$?" || { cat err >&2; return 1; }
	expect_eq "stderr (line mode)" "krunsh: 3 files written under $PWD were thrown away with the VM (first: $PWD/existing); -v $PWD:$PWD keeps them" "$(cat err)" || return 1
	[ ! -e r.xml ] && [ "$(cat existing)" = host ] || { fail "the guest's writes reached the host"; return 1; }
	printf 'touch one\nexit 3\n' | ks --script >out 2>err
	expect_eq "exit status (--script)" 3 "$?" || { cat err >&2; return 1; }
	expect_eq "stderr (--script)" "krunsh: 1 file written under $PWD was thrown away with the VM (first: $PWD/one); -v $PWD:$PWD keeps it" "$(cat err)" || return 1
	ks --report r.json -- /bin/sh -c 'touch z a; rm existing; mkdir -p d; touch d/0' </dev/null >out 2>err
	expect_eq "exit status (exec mode)" 0 "$?" || { cat err >&2; return 1; }
	expect_eq "stderr (exec mode)" "krunsh: 3 files written under $PWD were thrown away with the VM (first: $PWD/a); -v $PWD:$PWD keeps them" "$(cat err)" || return 1
	expect_contains "report" "\"discarded_files\": {\"count\": 3, \"at_least\": false, \"first\": \"$PWD/a\"}" "$(cat r.json)" || return 1
	# After a failing line too, last on stderr.
	printf 'touch x\nfalse\n' | ks >out 2>err
	expect_eq "exit status" 1 "$?" || return 1
	expect_contains "last line" "krunsh: 1 file written under $PWD was thrown away" "$(tail -n 1 err)"
}

# Beyond the walk's bound the count is a floor, and the run is not held up.
test_real_hands_thrown_away_count_is_bounded() {
	needs_a_guest || return
	ks -c 'mkdir many && cd many && seq 12000 | xargs touch' </dev/null >out 2>err
	expect_eq "exit status" 0 "$?" || { cat err >&2; return 1; }
	expect_contains "a floor" "krunsh: at least " "$(discarded_line)" || return 1
	expect_contains "under the workdir" "files written under $PWD were thrown away with the VM (first: $PWD/many/" "$(discarded_line)"
}

# Nothing to say when nothing was written under the working directory, when
# it is a volume (the files are on the host), or when it is / or /tmp.
test_real_hands_no_thrown_away_line_when_nothing_is_lost() {
	needs_a_guest || return
	echo host > existing
	ks --report r.json -c 'echo hi; touch /var/tmp/elsewhere; rm existing; mkdir empty-dir; ln -s x link' </dev/null >out 2>err
	expect_eq "exit status" 0 "$?" || { cat err >&2; return 1; }
	expect_eq "stderr (nothing written here)" "" "$(cat err)" || return 1
	expect_contains "report" '"discarded_files": null' "$(cat r.json)" || return 1
	ks -v "$PWD:$PWD" -c 'touch kept' </dev/null >out 2>err
	expect_eq "exit status" 0 "$?" || { cat err >&2; return 1; }
	expect_eq "stderr (workdir is a volume)" "" "$(cat err)" || return 1
	[ -e kept ] || { fail "the volume did not keep the file"; return 1; }
	mkdir sub
	ks -v "$PWD/sub:$PWD/sub" -c 'touch sub/kept2' </dev/null >out 2>err
	expect_eq "stderr (only a volume below the workdir written)" "" "$(cat err)" || return 1
	echo 'touch /tmp/scratch-file' | ks -w /tmp >out 2>err
	expect_eq "stderr (-w /tmp)" "" "$(cat err)" || return 1
	echo 'touch /scratch-file' | ks -w / >out 2>err
	expect_eq "stderr (-w /)" "" "$(cat err)"
}

# pytest --junitxml=r.xml says it wrote r.xml; krunsh says where it went.
test_real_hands_pytest_junitxml_is_named_as_thrown_away() {
	needs_a_guest || return
	# Debian's python, whatever else PATH may find first (pyenv shims).
	py=/usr/bin/python3
	"$py" -c 'import pytest' 2>/dev/null || { skip "pytest is not installed (Debian package python3-pytest)"; return; }
	printf 'def test_ok():\n    assert 1 + 1 == 2\n' > test_probe.py
	ks -e PYTHONDONTWRITEBYTECODE=1 -- "$py" -m pytest -q -p no:cacheprovider --junitxml=r.xml </dev/null >out 2>err
	expect_eq "exit status" 0 "$?" || { cat out err >&2; return 1; }
	expect_contains "pytest says so" "generated xml file: $PWD/r.xml" "$(cat out)" || return 1
	[ ! -e r.xml ] || { fail "r.xml reached the host without a volume"; return 1; }
	expect_eq "the line" "krunsh: 1 file written under $PWD was thrown away with the VM (first: $PWD/r.xml); -v $PWD:$PWD keeps it" "$(cat err)" || return 1
	ks -v "$PWD:$PWD" -e PYTHONDONTWRITEBYTECODE=1 -- "$py" -m pytest -q -p no:cacheprovider --junitxml=r.xml </dev/null >out 2>err
	expect_eq "exit status with the volume" 0 "$?" || { cat out err >&2; return 1; }
	grep -q '<testsuite' r.xml || { fail "no r.xml with -v: $(ls)"; return 1; }
	expect_eq "stderr with the volume" "" "$(cat err)"
}

# /dev/stdin, /dev/stdout, /dev/stderr and /dev/fd are there, as on any
# Linux host: scripts write `>/dev/stderr`, and bash's process substitution
# hands its commands /dev/fd/N (a fresh devtmpfs has none of them).
test_real_hands_dev_stdio_links_and_process_substitution_work() {
	needs_a_guest || return $?
	printf 'echo to-out >/dev/stdout\necho to-err >/dev/stderr\nbash -c "cat <(echo substituted)"\n' |
		ks >out 2>err
	expect_eq "exit status" 0 "$?" || { cat out err >&2; return 1; }
	expect_eq "stdout" "to-out
substituted" "$(cat out)" || return 1
	expect_eq "stderr" "to-err" "$(cat err)" || return 1
	out=$(echo from-stdin | ks -- /bin/cat /dev/stdin 2>err)
	expect_eq "/dev/stdin in exec mode" "from-stdin" "$out" || { cat err >&2; return 1; }
}

# A job that looks at more files than the file server can hold open (it
# holds one host fd for every guest inode it looked up; here its limit is
# lowered to 4096 with the hard RLIMIT_NOFILE it inherits): the walk sees
# every file, and what comes after it (a program not started before, a
# file not read before) still opens, where it got "Too many open files".
test_real_hands_walking_more_files_than_the_file_server_holds_open() {
	needs_a_guest || return $?
	mkdir -p many/a many/b
	(cd many/a && seq 6000 | xargs touch) && (cd many/b && seq 6000 | xargs touch) ||
		fail "cannot make the files" || return 1
	echo late >late
	(
		ulimit -n 4096 && ulimit -Hn 4096 || exit 99
		ks -c "find '$PWD/many' -type f -size 0 | wc -l; env cat '$PWD/late'; /usr/bin/id -u"
	) >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "12000
late
$(id -u)" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)"
}
