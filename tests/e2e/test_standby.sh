# The standby shell (agent/standby.c): an execution that fits it runs in a
# shell the agent started before the execution arrived, and must see what
# a fresh shell would (README, "Standby shell"). --shell /bin/dash names
# the same shell by another path, which the standby never serves: that is
# the fresh run each comparison is made against. /proc/$$/cmdline tells
# which of the two served a run (the standby's -c program reads a
# prologue), and is the one thing compared apart.

# What a shell can tell about how it was started, with what differs
# between any two runs taken out: pipe inode numbers, the system-wide
# signal queue count, ls's clock, the contract double's run directory, the
# probe's temporary file, the contract double's agent's pid (PPID). The
# fds are listed by a simple command into a file: a pipeline's or a
# command substitution's own pipes would be in the shell's table for as
# long as it takes to fork the next part;
# the shell reads its own status itself, as while it forks it blocks every
# signal. Each command on a line of its own, for line mode. The last line
# says which shell served the run.
standby_probe='echo "status $?"
echo "$0" "$#" "$@"
env | sort
set | grep -v "^PPID="
ulimit -a
umask
trap
set -o
pwd
grep -E "^(Sig[^Q]|ShdPnd)" /proc/self/status
while IFS= read -r l; do case $l in Sig[!Q]*|ShdPnd*) echo "shell $l" ;; esac; done </proc/$$/status
fds=$(mktemp)
ls -l /proc/$$/fd >"$fds"
sed -n "s/^\(.\{10\}\).* \([0-9]* -> \)/\1 \2/p" "$fds" | sed "s/pipe:\[[0-9]*\]/pipe/; s/tmp\.[A-Za-z0-9]*$/tmp.X/" | sort
rm "$fds"
cat /proc/$$/oom_score_adj
echo "hash: $(hash)"
{ tr "\0" " " </proc/$$/cmdline; echo; } | sed "s/^/cmdline: /" >&2'

# --events' output events as one per stream and line (how the bytes were
# cut into chunks depends on when the agent read them), with no durations
# or pid. Other lines pass as they are.
standby_events_merged() {
	python3 -c '
import json, sys
last = None
def flush():
    global last
    if last:
        print(json.dumps(last, sort_keys=True))
    last = None
for text in sys.stdin:
    try:
        e = json.loads(text)
    except ValueError:
        e = None
    if not isinstance(e, dict):
        flush()
        print(text, end="")
        continue
    if e.get("event") == "output" and last and \
            (last["stream"], last["line"]) == (e["stream"], e["line"]):
        last["data"] += e["data"]
        continue
    flush()
    for timing in ("seconds", "pid"):
        if timing in e:
            e[timing] = "T"
    if e.get("event") == "output":
        last = e
    else:
        print(json.dumps(e, sort_keys=True))
flush()
'
}

# standby_compare NAME SOURCE [KRUNSH OPTION...]: the probe run twice with
# the options, its text given as SOURCE says ("-c"; "script": stdin with
# --script; "lines": stdin), once as it comes and once with --shell
# /bin/dash. The first must have had the standby, the second a fresh
# shell, and all they printed (stdout, stderr, the exit status), made
# comparable as above, must be the same.
standby_compare() {
	name=$1 source=$2
	shift 2
	for shell in sh dash; do
		out="$TEST_SCRATCH/$name.$shell"
		case "$source" in
		-c) ks --shell /bin/$shell "$@" -c "$standby_probe" </dev/null ;;
		script) printf '%s\n' "$standby_probe" | ks --shell /bin/$shell --script "$@" ;;
		lines) printf '%s\n' "$standby_probe" | ks --shell /bin/$shell "$@" ;;
		esac >"$out.raw" 2>&1
		echo "exit $?" >>"$out.raw"
		grep -v 'cmdline: ' "$out.raw" | standby_events_merged |
			sed 's/krunsh-double\.[A-Za-z0-9]*/krunsh-double.X/g' >"$out"
	done
	expect_contains "$name: the standby served the /bin/sh run" krunsh_prologue \
		"$(grep 'cmdline: ' "$TEST_SCRATCH/$name.sh.raw")" || return 1
	expect_contains "$name: a fresh shell served the /bin/dash run" \
		"cmdline: /bin/dash -c . '" \
		"$(grep 'cmdline: ' "$TEST_SCRATCH/$name.dash.raw")" || return 1
	if ! diff -u "$TEST_SCRATCH/$name.dash" "$TEST_SCRATCH/$name.sh" >&2; then
		fail "$name: the standby-served run differs from the fresh one (- fresh, + standby)"
		return 1
	fi
}

test_standby_shell_is_what_a_fresh_shell_would_be() {
	only_engine qemu krun-double krun-real || { skip "qemu, krun-real and the contract double only"; return $?; }
	# Quotes, blanks and newlines in values; limits; a working directory.
	set -- -e "SPACED=a  b" -e "QUOTED=it's" -e 'NEWLINE=one
two' --ulimit nofile=200:300 --ulimit core=0 -w /usr
	standby_compare c -c "$@" || return 1
	standby_compare script script "$@" || return 1
	standby_compare lines lines "$@" || return 1
	standby_compare report lines --report "$TEST_SCRATCH/report.json" "$@" || return 1
	standby_compare events lines --events "$@" || return 1
	# Names the shell or the standby's own program use.
	standby_compare names -c -e OLDPWD=/inherited -e krunsh_line=kept \
		-e krunsh_prologue=kept -w /
}

# Which shell served the call: "standby", "fresh" or what its cmdline was.
standby_which='case "$(tr "\0" " " </proc/$$/cmdline)" in
"/bin/sh -c while IFS= read -r krunsh_line"*) echo standby ;;
*" -c . '"'"'"*) echo fresh ;;
*) tr "\0" " " </proc/$$/cmdline ;;
esac'

test_standby_shell_in_a_session_is_what_a_fresh_shell_would_be() {
	only_engine qemu krun-double krun-real || { skip "qemu, krun-real and the contract double only"; return $?; }
	session_setup
	# Each call's standby was started after the call before it ended.
	ks --session s -c true || fail "the session did not start" || return 1
	set -- --session s -e "SPACED=a  b" --ulimit nofile=100:200
	standby_compare session-c -c "$@" || return 1
	standby_compare session-script script "$@" || return 1
	standby_compare session-lines lines "$@"
}

test_standby_shell_killed_before_use_falls_back_to_a_fresh_one() {
	only_engine qemu krun-double krun-real || { skip "qemu, krun-real and the contract double only"; return $?; }
	session_setup
	# The first call is fresh (--shell /bin/dash: no standby), so the
	# standby started with the VM waits through it and after it. It
	# leaves a process that, once the call's shell is gone and the agent
	# is waiting for the next call, kills the standby (the agent's child
	# only: in the contract double the agent is a host process among
	# others) and says so in a directory the host sees (a volume; the
	# contract double's guest is the host).
	mkdir "$TEST_SCRATCH/mark"
	mark=/mark volume="-v $TEST_SCRATCH/mark:/mark"
	[ "$ENGINE" = krun-double ] && mark=$TEST_SCRATCH/mark volume=""
	# shellcheck disable=SC2086 # $volume is one option or none
	ks --session s $volume --shell /bin/dash -c 'agent=$PPID shell=$$
		(while kill -0 "$shell"; do sleep 0.1; done; sleep 1
		 pkill -KILL -P "$agent" -f krunsh_prologue && touch '"$mark/killed"'
		) >/dev/null 2>&1 &' || fail "the first call failed" || return 1
	for _ in $(seq 300); do
		[ -e "$TEST_SCRATCH/mark/killed" ] && break
		sleep 0.1
	done
	[ -e "$TEST_SCRATCH/mark/killed" ] || fail "the standby was never killed" || return 1
	expect_eq "the call after the kill" "fresh
ok" "$(ks --session s -c "$standby_which
echo ok" 2>&1)" || return 1
	# And the one after that has a standby again.
	expect_eq "the next call" "standby" "$(ks --session s -c "$standby_which" 2>&1)"
}

test_standby_shell_serves_no_user_terminal_or_program() {
	only_engine qemu krun-double krun-real || { skip "qemu, krun-real and the contract double only"; return $?; }
	expect_eq "a default -c" standby "$(ks -c "$standby_which" 2>&1)" || return 1
	expect_eq "-u" fresh "$(ks -u "$(id -u)" -c "$standby_which" 2>&1)" || return 1
	expect_eq "an IFS in the environment" fresh "$(ks -e IFS=: -c "$standby_which" 2>&1)" ||
		return 1
	expect_eq "-t" fresh "$(ks -t -c "$standby_which" </dev/null 2>&1 | tr -d '\r')" || return 1
	# Exec mode's program is the sh itself.
	expect_eq "-- /bin/sh" "/bin/sh -c hea" \
		"$(ks -- /bin/sh -c 'head -c 14 /proc/$$/cmdline | tr "\0" " "' 2>&1)"
}

test_standby_shell_refused_limit_is_the_fresh_error() {
	only_engine qemu krun-double krun-real || { skip "qemu, krun-real and the contract double only"; return $?; }
	# A hard limit above the kernel's nr_open: setrlimit and prlimit both
	# refuse it; the standby is dropped and the fresh shell says why.
	for shell in /bin/sh /bin/dash; do
		ks --shell "$shell" --ulimit nofile=2000000000 -c 'echo ran' >"$TEST_SCRATCH/out" 2>&1
		echo "exit $?" >>"$TEST_SCRATCH/out"
		eval "out_${shell##*/}=\$(cat \"\$TEST_SCRATCH/out\")"
	done
	expect_contains "the fresh run's error" "krunsh: --ulimit" "$out_dash" || return 1
	expect_eq "the standby-capable run" "$out_dash" "$out_sh"
}
