# The krun engine keeps libkrun's C API contract. Checked against the
# contract double (tests/double/libkrun_double.c), which logs every call and
# fails with a "VIOLATION:" line on a broken rule, and its variants: "old"
# (no krun_add_virtiofs3 and other newer calls), "broken" (no
# krun_start_enter) and "unmarked" (taken for a real libkrun). What only a
# real guest kernel shows (mounts, overlay copy-up, networking) is tested by
# the behaviour suite under krun-real.

# A stand-in kernel directory: the double only checks that the image is an
# ELF file, krunsh's probe that its header is an x86-64 executable's (a
# vmlinux's: ET_EXEC, EM_X86_64); no "uniprocessor" feature, so any --cpus
# is allowed.
fake_kernel() {
	mkdir -p "$TEST_SCRATCH/kernel"
	{
		printf '\177ELF\002\001\001'
		head -c 9 /dev/zero
		printf '\002\000\076\000'
		head -c 44 /dev/zero
	} >"$TEST_SCRATCH/kernel/vmlinux"
	echo "$TEST_SCRATCH/kernel"
}

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
	kernel=$(fake_kernel)
	out=$(krun_with_double "" --kernel "$kernel" --cpus 2 --mem 300 -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_set_vm_config ctx=0 vcpus=2 ram_mib=300" || return 1
	# Our kernel and initramfs, not libkrunfw's kernel and libkrun's init;
	# The agent's reboot is a triple fault, on which libkrun ends the VM.
	grep -q "^krun_set_kernel ctx=0 path=$kernel/vmlinux format=1 initramfs=/.*\.cpio cmdline=.*reboot=t" \
		calls.log || fail "no krun_set_kernel with our kernel: $(cat calls.log)" || return 1
	# The root is the host's /, read-only, on the tag the agent mounts.
	expect_log_line "krun_add_virtiofs3 ctx=0 tag=krunsh-root path=/ shm_size=0 read_only=true" ||
		return 1
	! grep -q '^krun_set_root' calls.log || fail "krun_set_root used: $(cat calls.log)" ||
		return 1
	# No network and no TSI: the implicit (TSI) vsock replaced by a plain one.
	expect_log_line "krun_disable_implicit_vsock ctx=0" || return 1
	expect_log_line "krun_add_vsock ctx=0 tsi_features=0" || return 1
	! grep -q '^krun_set_port_map\|^krun_add_net' calls.log ||
		fail "network calls without --net: $(cat calls.log)" || return 1
	grep -q '^krun_add_vsock_port2 ctx=0 port=10240 path=.*/agent.sock listen=false$' calls.log ||
		fail "no vsock port for the agent: $(cat calls.log)" || return 1
	expect_log_line "krun_start_enter ctx=0"
}

test_krun_exec_argv_excludes_argv0_and_envp_is_fixed() {
	contract_only || return
	: >calls.log
	krun_with_double "" -c true 2>err || fail "exit status $?: $(cat err)" || return 1
	expect_no_violation || return 1
	# The initramfs's init is the agent; its argv comes after " -- " on the
	# kernel command line.
	expect_log_line "krun_set_exec ctx=0 path=/init" || return 1
	expect_log_line "krun_set_exec argc=2" || return 1
	expect_log_line "krun_set_exec argv[0]=--channel" || return 1
	expect_log_line "krun_set_exec argv[1]=vsock:10240" || return 1
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
	# Not in any call, the kernel command line included.
	grep -q '^krun_set_kernel .* cmdline=' calls.log || fail "no kernel command line logged" ||
		return 1
	for word in zebra42 MY_SECRET unicorn-marker quoted hostonly "$TEST_SCRATCH/wd"; do
		if grep -qF -- "$word" calls.log; then
			fail "[$word] reached libkrun: $(grep -F -- "$word" calls.log)"
			return 1
		fi
	done
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
	expect_log_line "krun_add_virtiofs2 ctx=0 tag=krunsh-root path=/ shm_size=0 read_only=(no flag: writable)" ||
		return 1
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
	expect_contains "stderr" "contract double" "$(cat err)" || return 1
	# ... and which guest kernel it boots.
	expect_contains "stderr" "kernel /" "$(cat err)"
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

test_krun_kernel_option_boots_that_kernel() {
	contract_only || return
	kernel=$(fake_kernel)
	out=$(krun_with_double "" --kernel "$kernel/vmlinux" -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	grep -q "^krun_set_kernel ctx=0 path=$kernel/vmlinux format=1 " calls.log ||
		fail "--kernel not booted: $(cat calls.log)"
}

test_krun_refuses_a_kernel_that_is_not_an_elf_vmlinux() {
	contract_only || return
	# A bzImage starts with a boot sector, not an ELF header.
	printf 'MZ\352\007' >bzImage
	krun_with_double "" --kernel "$TEST_SCRATCH/bzImage" -c 'echo hi' >out 2>err
	expect_refusal $? "uncompressed ELF kernel" || return 1
	krun_with_double "" --kernel "$TEST_SCRATCH/no-such-kernel" -c 'echo hi' >out 2>err
	expect_refusal $? "no-such-kernel"
}

test_krun_refuses_more_cpus_than_a_uniprocessor_kernel_has() {
	contract_only || return
	kernel=$(fake_kernel)
	echo uniprocessor >"$kernel/features"
	krun_with_double "" --kernel "$kernel" --cpus 2 -c 'echo hi' >out 2>err
	expect_refusal $? "uniprocessor"
}

test_krun_refuses_when_the_initramfs_cannot_be_built() {
	contract_only || return
	KRUNSH_AGENT="$TEST_SCRATCH/no-such-agent" krun_with_double "" -c 'echo hi' >out 2>err
	expect_refusal $? "KRUNSH_AGENT="
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

test_krun_without_net_has_no_tsi_and_no_network_device() {
	contract_only || return
	krun_with_double "" -c 'echo hi' >out 2>err || fail "exit status $?: $(cat err)" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_vsock ctx=0 tsi_features=0" || return 1
	! grep -q '^krun_set_port_map\|^krun_add_net' calls.log ||
		fail "network without --net: $(cat calls.log)"
}

# -V: the boot on a UART (ttyS0) writing to krunsh's stderr, since the
# virtio console (hvc0) comes up too late for the kernel's first lines.
test_krun_verbose_boots_on_a_uart_console() {
	contract_only || return
	out=$(krun_with_double "" -V -c 'echo hi' 2>err) || fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_serial_console_default ctx=0 input_fd=-1 output_fd=2" || return 1
	grep -q "^krun_set_kernel .*cmdline=console=ttyS0 " calls.log ||
		fail "no console=ttyS0: $(grep krun_set_kernel calls.log)" || return 1
	# Without -V: hvc0, no UART.
	: >calls.log
	krun_with_double "" -c true 2>err || fail "exit status $?: $(cat err)" || return 1
	! grep -q "^krun_add_serial_console_default" calls.log || fail "a UART without -V" || return 1
}

needs_passt() {
	command -v passt >/dev/null || skip "no passt on this machine (Debian package passt)"
}

test_krun_net_is_virtio_net_to_passt_without_tsi() {
	contract_only || return
	needs_passt || return
	out=$(krun_with_double "" -V --net -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	# A connected stream socket to passt (the double checks the fd), with
	# libkrun's offloads for passt, no DHCP flag (the agent sets eth0).
	expect_log_line "krun_add_net_unixstream ctx=0 path=(null) fd=yes features=0x4c83 flags=0x0" ||
		return 1
	expect_log_line "krun_add_vsock ctx=0 tsi_features=0" || return 1
	! grep -q '^krun_set_port_map' calls.log || fail "a TSI port map: $(cat calls.log)" ||
		return 1
	# passt: QEMU's addresses, the gateway not mapped to the host's
	# loopback, no port forwarded.
	line=$(grep 'krunsh: starting .*passt ' err)
	for word in "-F [0-9]" "-a 10.0.2.15 -n 24 -g 10.0.2.2" "--no-map-gw" \
		"--dns-forward 10.0.2.3" "-t none" "-u none"; do
		echo "$line" | grep -q -- "$word" || fail "passt without [$word]: $line" || return 1
	done
}

# The fd libkrun gets for --net leads to krunsh's network filter, and the
# filter's other socket to passt: passt is never the VMM's peer. Read from
# the host's socket table while the run sleeps; nothing is left after it.
# A process that is there and not a zombie.
alive() {
	state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
	case "$state" in Z*) return 1 ;; esac
}

test_krun_net_fd_leads_to_the_filter_then_passt() {
	contract_only || return
	needs_passt || return
	command -v ss >/dev/null || { skip "no ss(8) (iproute2) to read the socket table"; return; }
	krun_with_double "" --net -c 'sleep 4; echo done' >out 2>err &
	run=$!
	ks_pid=$(krunsh_pid_of $run) || { fail "no krunsh process"; wait $run; return 1; }
	relay="" passt=""
	for _ in $(seq 50); do
		sleep 0.1
		# The filter runs under its sandbox's waiter, a child of krunsh.
		relay=$(for c in $(pgrep -P "$ks_pid"); do pgrep -P "$c" -x krunsh-netrelay; done)
		passt=$(pgrep -P "$ks_pid" '^passt')
		[ -n "$relay" ] && [ -n "$passt" ] && break
	done
	[ -n "$relay" ] && [ -n "$passt" ] ||
		{ fail "no filter or no passt under krunsh: $(ps -o pid,ppid,comm -g "$ks_pid")"; wait $run; return 1; }
	ss -xpH >sockets
	# Each line: ... local-inode * peer-inode users:((...,pid=N,...))
	lines_of() { awk -v pid="pid=$1," 'index($0, pid)' sockets; }
	holder_of() { awk -v inode="$1" '$6 == inode' sockets; }
	expect_eq "passt's sockets" 1 "$(lines_of "$passt" | wc -l)" || { wait $run; return 1; }
	relay_to_passt=$(lines_of "$passt" | awk '{ print $8 }')
	expect_contains "passt's peer" "pid=$relay," "$(holder_of "$relay_to_passt")" ||
		{ wait $run; return 1; }
	# The filter's other socket: its peer is the VMM, not passt.
	to_vmm=$(lines_of "$relay" | awk -v skip="$relay_to_passt" '$6 != skip { print $8 }')
	expect_eq "the filter's other sockets" 1 "$(echo "$to_vmm" | wc -w)" || { wait $run; return 1; }
	vmm_side=$(holder_of "$to_vmm")
	case "$vmm_side" in
	"" | *passt* | *krunsh-netrelay*) fail "the VMM's socket is not the VMM's: [$vmm_side]"; wait $run; return 1 ;;
	esac
	wait $run
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" done "$(cat out)" || return 1
	# The filter is PID 1 of its own PID namespace: its waiter's end
	# kills it (PR_SET_PDEATHSIG) as krunsh ends, a moment after.
	for _ in $(seq "$(slow 20)"); do
		alive "$relay" || alive "$passt" || break
		sleep 0.1
	done
	! alive "$relay" || fail "the filter outlived the run" || return 1
	! alive "$passt" || fail "passt outlived the run"
}

test_krun_net_without_passt_is_refused() {
	contract_only || return
	KRUNSH_PASST="$TEST_SCRATCH/no-passt" krun_with_double "" --net -c 'echo hi' >out 2>err
	expect_refusal $? "needs passt"
}

test_krun_net_without_a_default_route_is_refused() {
	contract_only || return
	needs_passt || return
	# passt exits at start without an interface to send through: refused
	# in the probe (so that --engine auto takes QEMU), not a dead network.
	unshare -rn true 2>/dev/null || skip "no unprivileged network namespace here" || return
	KRUNSH_DOUBLE_LOG="$TEST_SCRATCH/calls.log" unshare -rn "$KRUNSH" --engine krun \
		--libkrun "$(contract_double)" --net -c 'echo hi' >out 2>err
	expect_refusal $? "IPv4 default route"
}

test_krun_publish_is_a_passt_forward_on_host_loopback() {
	contract_only || return
	needs_passt || return
	out=$(krun_with_double "" -V --publish 8080:80 --publish 9000:9001 -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_vsock ctx=0 tsi_features=0" || return 1
	! grep -q '^krun_set_port_map' calls.log || fail "a TSI port map: $(cat calls.log)" ||
		return 1
	line=$(grep 'krunsh: starting .*passt ' err)
	expect_contains "passt forwards" "-t 127.0.0.1/8080:80 -t 127.0.0.1/9000:9001 -u none" "$line"
}

test_krun_old_libkrun_keeps_its_implicit_vsock_and_sets_no_port_map() {
	contract_only || return
	# An old libkrun's implicit vsock has TSI; krunsh's kernel cannot use
	# it, and a port map would not stop TSI's exposure anyway.
	krun_with_double old --allow-writable-root -c 'echo hi' >out 2>err ||
		fail "exit status $?: $(cat err)" || return 1
	expect_no_violation || return 1
	! grep -q '^krun_set_port_map' calls.log || fail "a TSI port map: $(cat calls.log)" ||
		return 1
	grep -q '^krun_start_enter: note: the implicit vsock device has TSI' calls.log ||
		fail "the double did not note the implicit TSI: $(cat calls.log)"
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

# The double's own rules, checked by calling it as krunsh must not.
double_rejects() {
	command -v python3 >/dev/null || skip "python3 is needed to call the double directly" || return
	KRUNSH_DOUBLE_LOG="$TEST_SCRATCH/calls.log" python3 - "$(contract_double)" "$TEST_SCRATCH" \
		>py.out 2>&1 || fail "the double accepted it: $(cat py.out)" || return 1
	grep -q "^VIOLATION: $1" calls.log || fail "no violation [$1]: $(cat calls.log)"
}

test_krun_double_catches_tsi() {
	contract_only || return
	double_rejects "krun_add_vsock: TSI features 0x1 asked for" <<'EOF'
import ctypes, sys
k = ctypes.CDLL(sys.argv[1])
ctx = k.krun_create_ctx()
assert k.krun_disable_implicit_vsock(ctx) == 0
assert k.krun_add_vsock(ctx, 1) < 0
EOF
}

test_krun_double_catches_a_kernel_that_is_not_elf() {
	contract_only || return
	echo 'not a kernel' >vmlinux
	: >initramfs.cpio
	double_rejects "krun_set_kernel: format 1 (ELF) but .*vmlinux is not an ELF file" <<'EOF'
import ctypes, sys
k = ctypes.CDLL(sys.argv[1])
ctx = k.krun_create_ctx()
d = sys.argv[2].encode()
assert k.krun_set_kernel(ctx, d + b"/vmlinux", 1, d + b"/initramfs.cpio", b"quiet") < 0
EOF
}

test_krun_double_catches_a_missing_initramfs() {
	contract_only || return
	printf '\177ELF' >vmlinux
	double_rejects "krun_set_kernel: initramfs .* does not exist" <<'EOF'
import ctypes, sys
k = ctypes.CDLL(sys.argv[1])
ctx = k.krun_create_ctx()
d = sys.argv[2].encode()
assert k.krun_set_kernel(ctx, d + b"/vmlinux", 1, d + b"/none.cpio", b"quiet") < 0
EOF
}

test_krun_double_catches_an_unconnected_net_socket() {
	contract_only || return
	double_rejects "krun_add_net_unixstream: fd [0-9]* is not connected" <<'EOF'
import ctypes, socket, sys
k = ctypes.CDLL(sys.argv[1])
ctx = k.krun_create_ctx()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
mac = (ctypes.c_uint8 * 6)(0x52, 0x54, 0, 0x12, 0x34, 0x56)
assert k.krun_add_net_unixstream(ctx, None, s.fileno(), mac, 0, 0) < 0
EOF
}

test_krun_double_catches_a_start_without_our_kernel() {
	contract_only || return
	double_rejects "krun_start_enter: krun_set_kernel was not called" <<'EOF'
import ctypes, sys
k = ctypes.CDLL(sys.argv[1])
ctx = k.krun_create_ctx()
assert k.krun_set_vm_config(ctx, 1, 512) == 0
assert k.krun_start_enter(ctx) < 0
EOF
}

test_krun_root_dir_is_the_read_only_root_share() {
	contract_only || return
	mkdir root
	out=$(krun_with_double "" --root "$TEST_SCRATCH/root" -c 'echo hi' 2>err) ||
		fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	# DIR is just another root: the agent comes from the initramfs, so
	# nothing is put into DIR and DIR needs no dev, proc, sys or run.
	expect_log_line "krun_add_virtiofs3 ctx=0 tag=krunsh-root path=$TEST_SCRATCH/root shm_size=0 read_only=true" ||
		return 1
	expect_log_line "krun_set_exec ctx=0 path=/init" || return 1
	! grep -q '^krun_fs_add_overlay' calls.log || fail "something put into DIR: $(cat calls.log)"
}
test_krun_old_libkrun_root_dir_is_writable_only_when_allowed() {
	contract_only || return
	mkdir root
	krun_with_double old --root "$TEST_SCRATCH/root" -c 'echo hi' >out 2>err
	expect_refusal $? "--allow-writable-root" || return 1
	out=$(krun_with_double old --allow-writable-root --root "$TEST_SCRATCH/root" -c 'echo hi' \
		2>err) || fail "exit status $?: $(cat err)" || return 1
	expect_eq "output" hi "$out" || return 1
	expect_no_violation || return 1
	expect_log_line "krun_add_virtiofs2 ctx=0 tag=krunsh-root path=$TEST_SCRATCH/root shm_size=0 read_only=(no flag: writable)"
}
