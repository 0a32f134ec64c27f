# The krun engine keeps libkrun's C API contract. Checked against the
# contract double (tests/double/libkrun_double.c), which logs every call and
# fails with a "VIOLATION:" line on a broken rule, and its variants: "old"
# (no krun_add_virtiofs3 and other newer calls), "broken" (no
# krun_start_enter) and "unmarked" (taken for a real libkrun).

contract_double() {
	echo "$BUILD_DIR/libkrun-double${1:+-$1}.so.1"
}

# krunsh --engine krun with double variant $1 ("" for the full one), the
# call log in ./calls.log.
krun_with_double() {
	variant=$1
	shift
	KRUNSH_DOUBLE_LOG="$TEST_SCRATCH/calls.log" \
		"$KRUNSH" --engine krun --libkrun "$(contract_double "$variant")" "$@"
}

# The engine-independent checks run once, under the krun-double engine.
contract_only() {
	only_engine krun-double || skip "contract test of the krun engine: runs once, under krun-double"
}

expect_no_violation() {
	if grep -q VIOLATION calls.log; then
		fail "contract violations: $(grep VIOLATION calls.log)"
		return 1
	fi
}

expect_log_line() {
	grep -qxF "$1" calls.log || fail "call log has no line [$1]; it has: $(cat calls.log)"
}

test_krun_configures_the_vm_as_documented() {
	contract_only || return
	out=$(krun_with_double "" --cpus 2 --mem 300 -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_set_vm_config ctx=0 vcpus=2 ram_mib=300" || return 1
	# The root is the host's /, read-only, through the root tag.
	expect_log_line "krun_add_virtiofs3 ctx=0 tag=/dev/root path=/ shm_size=0 read_only=true" ||
		return 1
	! grep -q '^krun_set_root' calls.log || fail "krun_set_root used with virtiofs3 present" ||
		return 1
	# No network: the implicit (TSI) vsock replaced by a plain one.
	expect_log_line "krun_disable_implicit_vsock ctx=0" || return 1
	expect_log_line "krun_add_vsock ctx=0 tsi_features=0" || return 1
	grep -q '^krun_add_vsock_port2 ctx=0 port=10240 path=.*/agent.sock listen=false$' calls.log ||
		fail "no vsock port for the agent: $(cat calls.log)" || return 1
	expect_log_line "krun_start_enter ctx=0"
}

test_krun_exec_argv_excludes_argv0_and_envp_is_fixed() {
	contract_only || return
	krun_with_double "" -c true 2>err || fail "exit status $?: $(cat err)" || return 1
	expect_no_violation || return 1
	agent=$(sed -n 's/^krun_set_exec ctx=0 path=//p' calls.log)
	case "$agent" in
	/*/krunsh-agent) ;;
	*) fail "exec path [$agent] is not the agent"; return 1 ;;
	esac
	expect_log_line "krun_set_exec argc=4" || return 1
	expect_log_line "krun_set_exec argv[0]=--channel" || return 1
	expect_log_line "krun_set_exec argv[1]=vsock:10240" || return 1
	expect_log_line "krun_set_exec argv[2]=--root" || return 1
	expect_log_line "krun_set_exec argv[3]=overlay" || return 1
	# Never NULL (that copies the host environment), never the user's.
	expect_log_line "krun_set_exec envc=1" || return 1
	expect_log_line "krun_set_exec envp[0]=KRUNSH_AGENT=1"
}

test_krun_user_script_and_env_never_reach_libkrun() {
	contract_only || return
	mkdir wd
	out=$(KRUNSH_TEST_SECRET=hostonly krun_with_double "" -e MY_SECRET=zebra42 -w "$TEST_SCRATCH/wd" \
		-c 'echo "quoted \"$MY_SECRET\" $(pwd)"; echo unicorn-marker' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" "quoted \"zebra42\" $TEST_SCRATCH/wd
unicorn-marker" "$out" || return 1
	expect_no_violation || return 1
	for word in zebra42 MY_SECRET unicorn-marker quoted hostonly "$TEST_SCRATCH/wd"; do
		if grep -qF -- "$word" calls.log; then
			fail "[$word] reached libkrun: $(grep -F -- "$word" calls.log)"
			return 1
		fi
	done
	expect_log_line "krun_set_workdir ctx=0 path=/"
}

test_krun_missing_library_exits_125_naming_it() {
	contract_only || return
	"$KRUNSH" --engine krun --libkrun /nonexistent/libkrun.so.1 -c 'echo hi' >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_eq "stdout" "" "$(cat out)" || return 1
	expect_eq "stderr lines" 1 "$(wc -l <err)" || return 1
	expect_contains "stderr" "krunsh: cannot load libkrun /nonexistent/libkrun.so.1" "$(cat err)"
}

test_krun_library_from_environment() {
	contract_only || return
	out=$(KRUNSH_LIBKRUN=/nonexistent/from-env.so.1 "$KRUNSH" --engine krun -c 'echo hi' 2>err)
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_contains "stderr" "/nonexistent/from-env.so.1" "$(cat err)" || return 1
	# --libkrun wins over the environment.
	out=$(KRUNSH_LIBKRUN=/nonexistent/from-env.so.1 krun_with_double "" -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out"
}

test_krun_missing_required_symbol_exits_125_naming_it() {
	contract_only || return
	krun_with_double broken -c 'echo hi' >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_eq "stdout" "" "$(cat out)" || return 1
	expect_eq "stderr lines" 1 "$(wc -l <err)" || return 1
	expect_contains "stderr" "has no krun_start_enter" "$(cat err)"
}

test_krun_old_libkrun_without_virtiofs3_is_refused() {
	contract_only || return
	krun_with_double old -c 'echo hi' >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_eq "stdout" "" "$(cat out)" || return 1
	expect_eq "stderr lines" 1 "$(wc -l <err)" || return 1
	expect_contains "stderr" "no krun_add_virtiofs3" "$(cat err)" || return 1
	expect_contains "stderr" "--allow-writable-root" "$(cat err)" || return 1
	[ ! -s calls.log ] || fail "a VM was configured although refused: $(cat calls.log)"
}

test_krun_old_libkrun_runs_with_allow_writable_root() {
	contract_only || return
	out=$(krun_with_double old --allow-writable-root -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_contains "stderr" "warning:" "$(cat err)" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_set_root ctx=0 path=/" || return 1
	# Without krun_add_vsock_port2 the older call carries the agent port.
	grep -q '^krun_add_vsock_port ctx=0 port=10240 ' calls.log ||
		fail "no krun_add_vsock_port: $(cat calls.log)"
}

test_krun_failing_libkrun_call_is_reported() {
	contract_only || return
	KRUNSH_DOUBLE_FAIL=krun_set_vm_config krun_with_double "" -c 'echo hi' >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_eq "stdout" "" "$(cat out)" || return 1
	expect_eq "stderr lines" 1 "$(wc -l <err)" || return 1
	expect_contains "stderr" "krunsh: libkrun: krun_set_vm_config failed: Cannot allocate memory" \
		"$(cat err)"
}

test_krun_engine_auto_chooses_krun_and_says_why() {
	contract_only || return
	out=$("$KRUNSH" --engine auto -V --libkrun "$(contract_double)" -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_contains "stderr" "engine auto: krun (" "$(cat err)" || return 1
	expect_contains "stderr" "contract double" "$(cat err)"
}

test_krun_engine_auto_falls_back_to_qemu_without_libkrun() {
	only_engine qemu || skip "boots QEMU: runs once, under the qemu engine" || return
	out=$("$KRUNSH" --engine auto -V --libkrun /nonexistent/libkrun.so.1 -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_contains "stderr" "engine auto: qemu, because krun is not usable: cannot load libkrun /nonexistent/libkrun.so.1" \
		"$(cat err)"
}

test_krun_real_libkrun_needs_usable_kvm() {
	contract_only || return
	# The unmarked double passes for a real libkrun, so the probe checks
	# KVM; KRUNSH_DISABLE_KVM makes KVM unusable on any machine.
	KRUNSH_DISABLE_KVM=1 krun_with_double unmarked -c 'echo hi' >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	expect_eq "stderr lines" 1 "$(wc -l <err)" || return 1
	expect_contains "stderr" "libkrun needs a usable KVM, and here KVM disabled by KRUNSH_DISABLE_KVM" \
		"$(cat err)" || return 1
	[ ! -s calls.log ] || fail "a VM was configured without KVM: $(cat calls.log)" || return 1
	if [ -d /sys/module/kvm_pvm ]; then
		krun_with_double unmarked -c 'echo hi' >out 2>err
		rc=$?
		expect_eq "exit status on PVM" 125 "$rc" || return 1
		expect_contains "stderr" "PVM" "$(cat err)"
	fi
}

# One refusal: exit 125, nothing on stdout, one "krunsh:" line naming $2,
# and no VM configured.
expect_refusal() {
	rc=$1 needle=$2
	expect_eq "exit status" 125 "$rc" || return 1
	expect_eq "stdout" "" "$(cat out)" || return 1
	expect_eq "stderr lines" 1 "$(wc -l <err)" || return 1
	expect_eq "stderr prefix" "krunsh: " "$(head -c 8 err)" || return 1
	expect_contains "stderr" "$needle" "$(cat err)" || return 1
	[ ! -s calls.log ] || fail "a VM was configured although refused: $(cat calls.log)"
}

test_krun_refuses_kernel_option() {
	contract_only || return
	krun_with_double "" --kernel /nonexistent -c 'echo hi' >out 2>err
	expect_refusal $? "--kernel is for the qemu engine"
}

test_krun_volumes_are_virtiofs_shares_with_their_read_only_flag() {
	contract_only || return
	mkdir ro rw
	# The double fails the run if the ro volume is shared writable.
	out=$(KRUNSH_DOUBLE_EXPECT_READ_ONLY="$TEST_SCRATCH/ro" krun_with_double "" \
		--volume "$TEST_SCRATCH/ro:/mnt/ro:ro" --volume "$TEST_SCRATCH/rw:/mnt/rw" \
		-c 'echo hi' 2>err) || fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_virtiofs3 ctx=0 tag=krunsh-vol0 path=$TEST_SCRATCH/ro shm_size=0 read_only=true" ||
		return 1
	expect_log_line "krun_add_virtiofs3 ctx=0 tag=krunsh-vol1 path=$TEST_SCRATCH/rw shm_size=0 read_only=false"
}

test_krun_double_catches_a_read_only_volume_shared_writable() {
	contract_only || return
	mkdir vol
	# The checker itself: a path the test says must be read-only, given
	# as rw, is shared writable, which the double must call a violation.
	KRUNSH_DOUBLE_EXPECT_READ_ONLY="$TEST_SCRATCH/vol" krun_with_double "" \
		--volume "$TEST_SCRATCH/vol:/mnt/v:rw" -c 'echo hi' >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || return 1
	grep -q "^VIOLATION: krun_add_virtiofs3: $TEST_SCRATCH/vol is shared writable" calls.log ||
		fail "no violation logged: $(cat calls.log)"
}

test_krun_old_libkrun_refuses_read_only_volume() {
	contract_only || return
	mkdir vol
	krun_with_double old --allow-writable-root --volume "$TEST_SCRATCH/vol:/mnt/v:ro" \
		-c 'echo hi' >out 2>err
	expect_refusal $? "a read-only --volume needs krun_add_virtiofs3"
}

test_krun_old_libkrun_shares_rw_volume_without_read_only_flag() {
	contract_only || return
	mkdir vol
	out=$(krun_with_double old --allow-writable-root --volume "$TEST_SCRATCH/vol:/mnt/v" \
		-c 'echo hi' 2>err) || fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_virtiofs2 ctx=0 tag=krunsh-vol0 path=$TEST_SCRATCH/vol shm_size=0 read_only=(no flag: writable)"
}

test_krun_disks_are_raw_block_devices_vda_vdb() {
	contract_only || return
	truncate -s 1M a.img b.img
	out=$(krun_with_double "" --disk "$TEST_SCRATCH/a.img" --disk "$TEST_SCRATCH/b.img:ro" \
		-c 'echo hi' 2>err) || fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_disk ctx=0 block_id=vda path=$TEST_SCRATCH/a.img read_only=false" ||
		return 1
	expect_log_line "krun_add_disk ctx=0 block_id=vdb path=$TEST_SCRATCH/b.img read_only=true"
}

test_krun_without_net_has_no_tsi_and_no_port_map() {
	contract_only || return
	krun_with_double "" -c 'echo hi' >out 2>err || fail "exit status $?: $(cat err)" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_vsock ctx=0 tsi_features=0" || return 1
	! grep -q '^krun_set_port_map' calls.log || fail "port map without TSI: $(cat calls.log)"
}

test_krun_net_is_tsi_with_an_empty_port_map() {
	contract_only || return
	out=$(krun_with_double "" --net -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_disable_implicit_vsock ctx=0" || return 1
	expect_log_line "krun_add_vsock ctx=0 tsi_features=1" || return 1
	# Empty, not NULL: NULL would expose every port the guest listens on.
	expect_log_line "krun_set_port_map count=0" || return 1
	# The port map comes after the network configuration.
	vsock=$(grep -n '^krun_add_vsock ctx' calls.log | cut -d: -f1)
	map=$(grep -n '^krun_set_port_map ctx' calls.log | cut -d: -f1)
	[ "$vsock" -lt "$map" ] || fail "port map (line $map) before the vsock (line $vsock)"
}

test_krun_publish_is_a_tsi_port_map() {
	contract_only || return
	out=$(krun_with_double "" --publish 8080:80 --publish 9000:9001 -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_vsock ctx=0 tsi_features=1" || return 1
	expect_log_line "krun_set_port_map count=2" || return 1
	expect_log_line "krun_set_port_map map[0]=8080:80" || return 1
	expect_log_line "krun_set_port_map map[1]=9000:9001"
}

test_krun_old_libkrun_still_sets_an_empty_port_map() {
	contract_only || return
	# An old libkrun's implicit vsock always has TSI: the map must still
	# keep the guest's ports unexposed.
	krun_with_double old --allow-writable-root -c 'echo hi' >out 2>err ||
		fail "exit status $?: $(cat err)" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_set_port_map count=0"
}

test_krun_double_catches_port_map_before_network() {
	contract_only || return
	command -v python3 >/dev/null || skip "python3 is needed to call the double directly" || return
	# krunsh cannot be made to do it, so the rule is checked by calling the
	# double in the wrong order.
	KRUNSH_DOUBLE_LOG="$TEST_SCRATCH/calls.log" python3 - "$(contract_double)" <<'EOF' ||
import ctypes, sys
k = ctypes.CDLL(sys.argv[1])
ctx = k.krun_create_ctx()
empty = (ctypes.c_char_p * 1)(None)
assert k.krun_set_port_map(ctx, empty) == 0
assert k.krun_disable_implicit_vsock(ctx) < 0
EOF
		fail "the double accepted the wrong order" || return 1
	grep -q "^VIOLATION: krun_disable_implicit_vsock: the network configuration must come before krun_set_port_map" \
		calls.log || fail "no violation: $(cat calls.log)"
}

test_krun_root_dir_is_read_only_with_the_agent_injected() {
	contract_only || return
	mkdir root
	out=$(krun_with_double "" --root "$TEST_SCRATCH/root" -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_virtiofs3 ctx=0 tag=/dev/root path=$TEST_SCRATCH/root shm_size=0 read_only=true" ||
		return 1
	grep -q '^krun_fs_add_overlay_file ctx=0 tag=/dev/root path=.krunsh-agent length=[1-9][0-9]* mode=0100755 one_shot=false elf=yes$' \
		calls.log || fail "agent not served into the root: $(cat calls.log)" || return 1
	# DIR has no /run, where the agent mounts its tmpfs: served as a dir.
	expect_log_line "krun_fs_add_overlay_dir ctx=0 tag=/dev/root path=run mode=040755" ||
		return 1
	expect_log_line "krun_set_exec ctx=0 path=/.krunsh-agent" || return 1
	# A DIR with its own /run gets no extra directory.
	mkdir root/run
	: >calls.log
	krun_with_double "" --root "$TEST_SCRATCH/root" -c 'true' >out 2>err ||
		fail "exit status $?: $(cat err)" || return 1
	! grep -q '^krun_fs_add_overlay_dir' calls.log ||
		fail "overlay dir added although DIR has /run: $(cat calls.log)"
}

test_krun_old_libkrun_refuses_root_dir() {
	contract_only || return
	mkdir root
	krun_with_double old --allow-writable-root --root "$TEST_SCRATCH/root" -c 'echo hi' \
		>out 2>err
	expect_refusal $? "--root needs krun_fs_add_overlay_file"
}
