# krunsh's own usage: --help and --version on stdout with status 0; every
# bad flag, value or FILE is status 125 with one line on stderr starting
# "krunsh: " and nothing on stdout. None of these boots a VM.

test_help_prints_usage_to_stdout_and_exits_0() {
	ks --help </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || return 1
	expect_contains "stdout" "Usage: krunsh" "$(cat out)" || return 1
	expect_contains "stdout lists --timeout" "--timeout" "$(cat out)" || return 1
	expect_eq "stderr" "" "$(cat err)"
}

test_version_prints_to_stdout_and_exits_0() {
	ks --version </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || return 1
	grep -qx 'krunsh [0-9][0-9.]*' out || fail "stdout is [$(cat out)]" || return 1
	expect_eq "stderr" "" "$(cat err)"
}

# usage_error_expected ARGS...: runs krunsh with ARGS and checks the 125
# contract.
usage_error_expected() {
	printf 'echo must-not-run\n' | ks "$@" >out 2>err
	rc=$?
	expect_eq "exit status for [$*]" 125 "$rc" || return 1
	expect_eq "stdout for [$*]" "" "$(cat out)" || return 1
	expect_eq "stderr lines for [$*]" 1 "$(wc -l <err)" || { cat err >&2; return 1; }
	case "$(cat err)" in
	"krunsh: "?*) ;;
	*) fail "stderr for [$*] does not start with 'krunsh: ': [$(cat err)]"; return 1 ;;
	esac
}

test_bad_flags_and_values_exit_125_with_one_line() {
	usage_error_expected --frobnicate || return 1
	usage_error_expected -Z || return 1
	usage_error_expected --mem 0 || return 1
	usage_error_expected --mem 12x || return 1
	usage_error_expected --mem 100 || return 1
	usage_error_expected --cpus -1 || return 1
	usage_error_expected --cpus 0 || return 1
	usage_error_expected --cpus 65 || return 1
	usage_error_expected --timeout abc || return 1
	usage_error_expected --timeout 0 || return 1
	usage_error_expected --timeout -5 || return 1
	usage_error_expected --engine nope || return 1
	usage_error_expected --workdir relative/dir || return 1
	usage_error_expected --shell sh || return 1
	usage_error_expected -e 1BAD=x || return 1
	usage_error_expected --timeout || return 1
	usage_error_expected -c 'echo a' extra-file || return 1
	usage_error_expected one two
}

test_missing_file_exits_125() {
	usage_error_expected "$TEST_SCRATCH/no-such-file" || return 1
	expect_contains "message names the file" "no-such-file" "$(cat err)"
}

test_directory_as_file_exits_125() {
	mkdir adir
	usage_error_expected adir || return 1
	expect_contains "message" "is a directory" "$(cat err)"
}
