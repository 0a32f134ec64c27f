# Exec mode: krunsh [options] -- PROGRAM [ARGS...] runs one program with its
# argv exactly (no shell), forwards krunsh's stdin to it and exits with its
# status, so krunsh can be a `go test -exec` / cargo runner / ctest launcher.

# A test binary as a test runner would hand to its launcher: prints argc,
# each argument in brackets, the bytes it read from stdin, and exits with
# $EXIT_WITH.
exec_mode_build_probe() {
	cat >probe.c <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		printf("[%s]\n", argv[i]);
	char buf[65536];
	long long total = 0;
	ssize_t n;
	while ((n = read(0, buf, sizeof(buf))) > 0)
		total += n;
	printf("stdin=%lld\n", total);
	const char *status = getenv("EXIT_WITH");
	return status ? atoi(status) : 0;
}
EOF
	cc -O -o probe probe.c || { fail "cannot compile the probe"; return 1; }
}

test_exec_mode_passes_argv_exactly_and_returns_the_status() {
	exec_mode_build_probe || return 1
	# Arguments a shell would mangle: spaces, quotes, non-ASCII, $, an
	# empty one, a glob, things that look like krunsh's own options.
	# shellcheck disable=SC2016  # a literal $HOME is the point
	ks -e EXIT_WITH=3 -- ./probe 'a b' '"q"' 'ü' '$HOME' '' '*' -c --volume "it's" \
		</dev/null >out 2>err
	rc=$?
	expect_eq "exit status of the program" 3 "$rc" || { cat err >&2; return 1; }
	# shellcheck disable=SC2016
	expect_eq "stdout" 'argc=10
[./probe]
[a b]
["q"]
[ü]
[$HOME]
[]
[*]
[-c]
[--volume]
[it'"'"'s]
stdin=0' "$(cat out)" || return 1
	# Exec mode is not line mode: no "line N failed" message.
	[ ! -s err ] || fail "stderr not empty: $(cat err)"
}

test_exec_mode_forwards_stdin() {
	exec_mode_build_probe || return 1
	head -c 1048576 /dev/urandom >input
	ks -- sha256sum <input >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "sha256 of 1 MiB through stdin" "$(sha256sum <input)" "$(cat out)" || return 1
	ks -- "$PWD/probe" <input >out 2>err
	rc=$?
	expect_eq "exit status of the probe" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "probe's view" "argc=1
[$PWD/probe]
stdin=1048576" "$(cat out)"
}

test_exec_mode_finds_programs_on_path_and_reports_missing_ones() {
	out=$(ks -- printf '%s|' one 'two three' </dev/null) || fail "exit status $?" || return 1
	expect_eq "PATH lookup of printf" "one|two three|" "$out" || return 1
	for missing in /nonexistent/program krunsh-no-such-program; do
		ks -- "$missing" arg </dev/null >out 2>err
		rc=$?
		expect_eq "exit status for $missing" 127 "$rc" || { cat err >&2; return 1; }
		[ ! -s out ] || fail "stdout for $missing: $(cat out)" || return 1
		expect_contains "message for $missing" "krunsh: cannot run $missing" "$(cat err)" || return 1
	done
	printf 'not executable\n' >plain
	chmod 644 plain
	ks -- ./plain </dev/null >out 2>err
	rc=$?
	expect_eq "exit status for a non-executable file" 126 "$rc" || { cat err >&2; return 1; }
}

test_exec_mode_usage_errors_exit_125() {
	# "--" with no program, and exec mode mixed with the shell modes.
	for flags in "" "-c true" "--script" "-k"; do
		if [ -z "$flags" ]; then
			ks -- </dev/null >out 2>err
		else
			# shellcheck disable=SC2086
			ks $flags -- true </dev/null >out 2>err
		fi
		rc=$?
		expect_eq "exit status for [$flags --]" 125 "$rc" || { cat err >&2; return 1; }
		[ ! -s out ] || fail "stdout for [$flags --]: $(cat out)" || return 1
		expect_eq "one stderr line for [$flags --]" 1 "$(wc -l <err)" || return 1
	done
}
