# -t/--tty, and krunsh with a terminal on stdin (issue 13, item 3): the
# program, or an interactive shell, runs on a pseudo-terminal in the guest;
# krunsh's own terminal is raw meanwhile and restored on every way out; the
# window size follows; ^C, ^Z and ^\ reach the guest's foreground job. A
# real terminal for krunsh: a tmux server of the test's own (-L), one 80x24
# window. The contract double runs the agent on the host, so what happens
# in a guest's terminal is tested on real guests; what needs no guest (the
# job, the pty, the status) on both.

tty_needs_a_guest() {
	only_engine qemu krun-real && return 0
	skip "the contract double runs the agent on the host: the terminal would be the host's, with the host's shell, not a guest's"
}

# A server name of the test's own, not of the runner's ($$ is the same in
# every test): a new-session right after the last test's kill-server could
# reach that server while it went ("server exited unexpectedly", seen once
# under load). The scratch directory's random suffix, not its path, which
# the leftover check looks for in every process's arguments.
tty_tmux() {
	tmux -L "krunsh-tty-${TEST_SCRATCH##*.}" "$@"
}

# The guest's interactive bash reads $HOME/.bashrc from the host's root:
# the tests' is empty, not the machine's (whose pyenv hooks take seconds
# per prompt under TCG).
tty_home() {
	mkdir -p "$TEST_SCRATCH/home"
	: > "$TEST_SCRATCH/home/.bashrc"
	echo "$TEST_SCRATCH/home"
}

# tty_start "KRUNSH ARGS": krunsh in the tmux window, through ./tty-run.sh,
# which writes its pid (shell.pid), the terminal's settings before and after
# krunsh (stty.before, stty.after) and krunsh's status (rc.txt).
tty_start() {
	command -v tmux >/dev/null || { skip "tmux is not installed"; return; }
	use_private_tmpdir
	home=$(tty_home)
	cat > tty-run.sh <<EOS
#!/bin/sh
export ENGINE="$ENGINE" BUILD_DIR="$BUILD_DIR" KRUNSH="$KRUNSH" DEBIAN_KERNEL="$DEBIAN_KERNEL"
export TMPDIR="$TMPDIR" TEST_SCRATCH="$TEST_SCRATCH" HOME="$home"
. "$here/lib.sh"
echo \$\$ > shell.pid
stty -a > stty.before
ks $1 2>krunsh.err
rc=\$?
stty -a > stty.after
echo \$rc > rc.txt
sleep 600
EOS
	chmod +x tty-run.sh
	tty_tmux new-session -d -x 80 -y 24 "./tty-run.sh" || { fail "tmux failed"; return 1; }
}

tty_stop() {
	tty_tmux kill-server 2>/dev/null
	return 0
}

# The window's text, its history included, wrapped lines joined (-J
# keeps the trailing blanks of full-screen programs: dropped).
tty_screen() {
	tty_tmux capture-pane -p -J -S -200 | sed 's/ *$//'
}

# tty_until SECS WHAT COMMAND...: until COMMAND succeeds (looked at every
# 0.1 s), else a failure saying the terminal never showed WHAT.
tty_until() {
	secs=$1 what=$2
	shift 2
	for _ in $(seq $(($(slow "$secs") * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	fail "the terminal never showed $what; it shows: $(tty_screen | grep -v '^$' | tail -n 8)"
}

tty_shows() {
	tty_screen | grep -q "$@"
}

tty_prompt_is_last() {
	tty_screen | grep -v '^$' | tail -n 1 | grep -q '@krunsh:.*# *$'
}

# tty_wait_line LINE [SECS]: until the window shows LINE as a whole line;
# tty_wait_text TEXT [SECS] anywhere; tty_wait_prompt: the shell's prompt
# is the last line shown.
tty_wait_line() {
	tty_until "${2:-30}" "the line [$1]" tty_shows -xF -- "$1"
}

tty_wait_text() {
	tty_until "${2:-30}" "[$1]" tty_shows -F -- "$1"
}

tty_wait_prompt() {
	tty_until 30 "a prompt" tty_prompt_is_last
}

tty_type() {
	tty_tmux send-keys -l -- "$1" && tty_tmux send-keys Enter
}

# The shell is up: the guest's prompt, then a command that answers.
tty_wait_shell() {
	tty_wait_text "@krunsh:" 60 || return 1
	tty_type 'echo ready-$((40+2))'
	tty_wait_line ready-42
}

# tty_wait_end EXPECTED_STATUS [SECS]: krunsh ended with it and left the
# terminal as it found it.
tty_wait_end() {
	for _ in $(seq $(($(slow "${2:-30}") * 10))); do
		[ -s rc.txt ] && break
		sleep 0.1
	done
	[ -s rc.txt ] || { fail "krunsh did not end; the terminal shows: $(tty_screen | grep -v '^$' | tail -n 8)"; return 1; }
	expect_eq "status" "$1" "$(cat rc.txt)" || { cat krunsh.err >&2; return 1; }
	expect_eq "terminal settings after krunsh (stty -a)" "$(cat stty.before)" "$(cat stty.after)"
}

krunsh_in_window() {
	pgrep -P "$(cat shell.pid)" -x krunsh | head -n 1
}

# with_terminal "KRUNSH ARGS" STEPS: runs STEPS against krunsh in a
# terminal; the tmux server goes whatever they find.
with_terminal() {
	tty_start "$1" || return $?
	"$2"
	rc=$?
	tty_stop
	return $rc
}

shell_prompt_arithmetic_and_exit_status() {
	tty_wait_shell || return 1
	tty_type 'exit 3'
	tty_wait_end 3
}

test_tty_a_terminal_on_stdin_gets_a_shell_whose_exit_is_the_status() {
	tty_needs_a_guest || return $?
	with_terminal "" shell_prompt_arithmetic_and_exit_status
}

ctrl_c_interrupts_sleep() {
	tty_wait_shell || return 1
	started=$(date +%s)
	tty_type 'sleep 100'
	sleep 1
	tty_tmux send-keys C-c
	tty_type 'echo status-$?'
	tty_wait_line status-130 20 || return 1
	[ $(($(date +%s) - started)) -lt 60 ] || { fail "^C did not stop the sleep"; return 1; }
	tty_type 'echo alive-$((1+1))'
	tty_wait_line alive-2 || return 1
	tty_type 'exit'
	tty_wait_end 0
}

test_tty_ctrl_c_interrupts_the_foreground_job_and_the_shell_lives_on() {
	tty_needs_a_guest || return $?
	with_terminal "" ctrl_c_interrupts_sleep
}

ctrl_backslash_quits_sleep() {
	tty_wait_shell || return 1
	tty_type 'sleep 100'
	sleep 1
	tty_tmux send-keys 'C-\'
	tty_type 'echo status-$?'
	tty_wait_line status-131 20 || return 1
	tty_type 'exit 0'
	tty_wait_end 0
}

test_tty_ctrl_backslash_quits_the_foreground_job_not_the_vm() {
	tty_needs_a_guest || return $?
	with_terminal "" ctrl_backslash_quits_sleep
}

job_control() {
	tty_wait_shell || return 1
	tty_type 'sleep 50'
	sleep 1
	tty_tmux send-keys C-z
	tty_wait_text "Stopped" 20 || return 1
	tty_type 'jobs; echo jobs-done'
	tty_wait_line jobs-done || return 1
	tty_screen | grep -q '^\[1\]+ *Stopped *sleep 50' || { fail "jobs: $(tty_screen | tail -n 5)"; return 1; }
	tty_type 'fg'
	sleep 1
	tty_tmux send-keys C-c
	tty_type 'echo after-fg-$?'
	tty_wait_line after-fg-130 || return 1
	tty_type 'exit 4'
	tty_wait_end 4
}

test_tty_ctrl_z_jobs_and_fg_work_the_shell_has_job_control() {
	tty_needs_a_guest || return $?
	with_terminal "" job_control
}

window_size() {
	tty_wait_shell || return 1
	tty_type 'echo size-$(stty size | tr " " x)'
	tty_wait_line size-24x80 || return 1
	tty_tmux resize-window -x 100 -y 30 || { fail "tmux resize-window failed"; return 1; }
	sleep 0.5
	# SIGWINCH reaches the foreground job too: a trap prints what it sees
	# (bash runs it once the builtin wait is interrupted).
	tty_type 'trap "echo winch-\$(stty size | tr \" \" x)" WINCH; sleep 30 & wait'
	sleep 1
	tty_tmux resize-window -x 90 -y 28
	tty_wait_line winch-28x90 || return 1
	tty_type 'kill %1'
	tty_type 'echo size-$(stty size | tr " " x)'
	tty_wait_line size-28x90 || return 1
	tty_type 'exit'
	# The window is another size now: stty -a differs in that only.
	for _ in $(seq 300); do [ -s rc.txt ] && break; sleep 0.1; done
	expect_eq "status" 0 "$(cat rc.txt)" || return 1
	expect_eq "settings after krunsh, but the size" "$(sed 's/rows [0-9]*; columns [0-9]*;//' stty.before)" \
		"$(sed 's/rows [0-9]*; columns [0-9]*;//' stty.after)"
}

test_tty_window_size_at_start_and_on_resize() {
	tty_needs_a_guest || return $?
	with_terminal "" window_size
}

ctrl_d_ends_with_the_shell_status() {
	tty_wait_shell || return 1
	tty_type 'false'
	# At the prompt: a ^D typed while a command runs is line-editor input
	# (readline makes it a NUL), not end-of-file.
	tty_wait_prompt || return 1
	tty_tmux send-keys C-d
	tty_wait_end 1
}

test_tty_ctrl_d_at_the_prompt_ends_with_the_shell_status() {
	tty_needs_a_guest || return $?
	with_terminal "" ctrl_d_ends_with_the_shell_status
}

vi_edits_a_file() {
	tty_wait_shell || return 1
	vi=vi
	command -v vi >/dev/null || vi="busybox vi"
	tty_type "$vi /tmp/edited"
	# Its empty buffer: a column of ~.
	tty_wait_line "~" 60 || return 1
	sleep 1
	tty_tmux send-keys -l 'ihello from vi'
	sleep 0.5
	tty_tmux send-keys Escape
	sleep 1
	tty_tmux send-keys -l ':wq'
	tty_tmux send-keys Enter
	# Keys typed while vi exits may be thrown away with its input: the
	# shell's prompt first.
	tty_wait_prompt || return 1
	tty_type 'echo file-$(cat /tmp/edited | tr " " -)'
	tty_wait_line file-hello-from-vi 30 || return 1
	tty_type 'exit'
	tty_wait_end 0
}

test_tty_vi_starts_edits_and_quits() {
	tty_needs_a_guest || return $?
	with_terminal "" vi_edits_a_file
}

python_repl() {
	tty_wait_shell || return 1
	tty_type '/usr/bin/python3'
	tty_wait_line '>>>' 60 || return 1
	tty_type 'print(6*7+1)'
	tty_wait_line 43 || return 1
	tty_type 'quit()'
	tty_type 'echo back-$((2*2))'
	tty_wait_line back-4 || return 1
	tty_type 'exit'
	tty_wait_end 0
}

test_tty_python3_repl_starts_prints_and_quits() {
	tty_needs_a_guest || return $?
	[ -x /usr/bin/python3 ] || { skip "no /usr/bin/python3 on this host"; return; }
	with_terminal "" python_repl
}

dash_t_program() {
	tty_wait_line "tty-is-/dev/pts/0" 60 || return 1
	tty_wait_end 6
}

test_tty_dash_t_runs_a_program_on_a_terminal() {
	tty_needs_a_guest || return $?
	with_terminal "-t -- sh -c 'echo tty-is-\$(tty); exit 6'" dash_t_program
}

timeout_restores() {
	tty_wait_shell || return 1
	tty_wait_end 124 60 || return 1
	expect_contains "message" "timed out" "$(cat krunsh.err)"
}

# The --timeout counts from the start, the boot included: it scales with
# KRUNSH_TEST_SLOWNESS like the suite's other bounds, or a slow boot (libkrun
# nested) uses it up before the shell's prompt.
test_tty_terminal_is_restored_after_a_timeout() {
	tty_needs_a_guest || return $?
	with_terminal "--timeout $(slow 12)" timeout_restores
}

signal_restores() {
	tty_wait_shell || return 1
	pid=$(krunsh_in_window)
	[ -n "$pid" ] || { fail "no krunsh process in the window"; return 1; }
	kill -"$SIGNAL" "$pid"
	tty_wait_end "$STATUS" || return 1
	expect_gone "$pid" 3
}

test_tty_terminal_is_restored_after_sigterm() {
	tty_needs_a_guest || return $?
	SIGNAL=TERM STATUS=143 with_terminal "" signal_restores
}

test_tty_terminal_is_restored_after_sighup() {
	tty_needs_a_guest || return $?
	SIGNAL=HUP STATUS=129 with_terminal "" signal_restores
}

guest_crash_restores() {
	tty_wait_shell || return 1
	tty_type 'echo c > /proc/sysrq-trigger; sleep 100'
	tty_wait_end 125 60 || return 1
	expect_contains "message" "the VM stopped before the commands finished" "$(cat krunsh.err)"
}

test_tty_terminal_is_restored_after_the_guest_dies() {
	tty_needs_a_guest || return $?
	with_terminal "" guest_crash_restores
}

# Without a terminal anywhere: -t still gives the program a pty.

test_tty_dash_t_without_a_terminal_gives_a_pty_and_merges_stderr() {
	ks -t -- sh -c 'tty; echo to-stderr >&2; exit 5' </dev/null >out 2>err
	rc=$?
	expect_eq "status" 5 "$rc" || { cat err >&2; return 1; }
	case "$(head -n 1 out)" in /dev/pts/*) ;; *) fail "tty said: $(cat out)"; return 1 ;; esac
	expect_eq "stderr of the program on the terminal (stdout)" "to-stderr" "$(sed -n 2p out | tr -d '\r')" || return 1
	expect_eq "krunsh's stderr" "" "$(cat err)"
}

# --events with -t: the terminal's one stream comes as stdout output
# events, as the terminal produced it, and the run's end has the status.
test_tty_with_events_the_terminal_stream_is_stdout_events() {
	ks -t --events -- sh -c 'echo out; echo err >&2; exit 3' </dev/null >out 2>err
	expect_eq "status" 3 "$?" || { cat err >&2; return 1; }
	expect_eq "events" "'out\\r\\nerr\\r\\n' ['stdout'] run-finished 3" "$(python3 -c '
import json, sys
events = [json.loads(line) for line in open(sys.argv[1])]
output = [e for e in events if e["event"] == "output"]
print(repr("".join(e["data"] for e in output)), sorted({e["stream"] for e in output}),
      events[-1]["event"], events[-1]["status"])' out)" || return 1
	expect_eq "krunsh's stderr" "" "$(cat err)"
}

test_tty_without_dash_t_the_program_still_gets_pipes() {
	ks -- sh -c 'tty; true' </dev/null >out 2>err
	expect_eq "tty" "not a tty" "$(cat out)"
}

test_tty_exec_mode_status_of_a_signal_is_128_plus_n() {
	ks -t -- sh -c 'kill -TERM $$' </dev/null >out 2>err
	expect_eq "status" 143 "$?"
}

test_tty_passes_term_and_the_size_of_the_terminal() {
	TERM=xterm-256color ks -t -- sh -c 'echo $TERM; stty size' </dev/null >out 2>err
	expect_eq "TERM, size" "xterm-256color
24 80" "$(tr -d '\r' < out)"
}

test_tty_end_of_piped_stdin_is_end_of_file_on_the_terminal() {
	tty_needs_a_guest || return $?
	printf 'echo piped-$((3*3))\n' | HOME=$(tty_home) ks -t >out 2>err
	rc=$?
	expect_eq "status" 0 "$rc" || { cat err >&2; return 1; }
	tr -d '\r' < out | grep -q 'piped-9$' || fail "no piped-9 in: $(cat out)"
}

test_tty_refuses_commands_from_stdin_as_a_script() {
	echo true | ks -t --script >out 2>err
	rc=$?
	expect_eq "status" 125 "$rc" || return 1
	expect_contains "message" "-t runs a PROGRAM" "$(cat err)"
}
