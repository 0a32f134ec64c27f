# Least privilege for the processes that face the guest (issue 10): read
# off /proc/PID/status of the running VMM and file server. QEMU: no
# capabilities, QEMU's seccomp filter, its own pid and mount namespaces (and
# network namespace without --net), no fd krunsh inherited. virtiofsd: its
# namespace sandbox (own pid, mount and network namespaces, seccomp), no
# inherited fd. The shared view: the host's /proc, /sys, /dev and /run, and
# the secret paths, are not there even for guest root remounting the tag.

priv_status_field() {
	sed -n "s/^$2:[[:space:]]*//p" /proc/"$1"/status
}

# priv_start [KRUNSH OPTION...]: a run that stays up, with fd 7 inherited
# from the shell.
priv_start() {
	use_private_tmpdir
	echo secret-fd > inherited
	LONG_RUN_FD7=inherited start_long_run "$@"
}

priv_stop() {
	kill "$pid" 2>/dev/null
	wait "$job" 2>/dev/null
}

# priv_check_own_namespaces PID WHAT NS...: PID is in none of the host's
# (this shell's) namespaces named.
priv_check_own_namespaces() {
	_pid=$1 _what=$2
	shift 2
	_r=0
	for ns in "$@"; do
		[ "$(readlink /proc/"$_pid"/ns/$ns)" != "$(readlink /proc/self/ns/$ns)" ] ||
			{ fail "$_what shares the host's $ns namespace"; _r=1; }
	done
	return $_r
}

# priv_check_no_capabilities_under_seccomp PID WHAT: none effective, an
# empty bounding set, no_new_privs and a seccomp filter.
priv_check_no_capabilities_under_seccomp() {
	_r=0
	expect_eq "$2 CapEff" 0000000000000000 "$(priv_status_field "$1" CapEff)" || _r=1
	expect_eq "$2 CapBnd" 0000000000000000 "$(priv_status_field "$1" CapBnd)" || _r=1
	expect_eq "$2 Seccomp" 2 "$(priv_status_field "$1" Seccomp)" || _r=1
	expect_eq "$2 NoNewPrivs" 1 "$(priv_status_field "$1" NoNewPrivs)" || _r=1
	return $_r
}

# priv_check_no_inherited_fd PID WHAT
priv_check_no_inherited_fd() {
	if ls -l /proc/"$1"/fd 2>/dev/null | grep -q "$TEST_SCRATCH/inherited"; then
		fail "$2 holds the fd krunsh inherited"
		return 1
	fi
}

test_qemu_runs_without_capabilities_under_seccomp_in_its_own_namespaces() {
	only_engine qemu || { skip "QEMU engine only"; return; }
	priv_start || return 1
	qemu=$(pgrep -f "qemu-system.*$TMPDIR" | head -n 1)
	[ -n "$qemu" ] || { priv_stop; fail "no QEMU process"; return 1; }
	echo "QEMU $qemu: $(grep -E '^(Uid|CapEff|CapBnd|Seccomp|NSpid|NoNewPrivs):' /proc/"$qemu"/status | tr '\t\n' '  ')"
	r=0
	priv_check_no_capabilities_under_seccomp "$qemu" QEMU || r=1
	priv_check_own_namespaces "$qemu" QEMU pid mnt net ipc || r=1
	priv_check_no_inherited_fd "$qemu" QEMU || r=1
	priv_stop
	return $r
}

test_virtiofsd_serves_from_its_namespace_sandbox_without_inherited_fds() {
	only_engine qemu || { skip "QEMU engine only"; return; }
	priv_start || return 1
	r=0
	found=0
	for fsd in $(pgrep -P "$pid" -x virtiofsd); do
		found=1
		priv_check_no_inherited_fd "$fsd" virtiofsd || r=1
		[ "$(readlink /proc/"$fsd"/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] ||
			{ fail "virtiofsd $fsd shares the host's mount namespace"; r=1; }
	done
	# The process that serves the guest: virtiofsd's sandboxed child.
	server=$(for fsd in $(pgrep -P "$pid" -x virtiofsd); do pgrep -P "$fsd"; done | head -n 1)
	[ "$found" = 1 ] && [ -n "$server" ] || { priv_stop; fail "no virtiofsd server process"; return 1; }
	echo "virtiofsd $server: $(grep -E '^(Uid|CapEff|Seccomp|NSpid):' /proc/"$server"/status | tr '\t\n' '  ')"
	expect_eq "virtiofsd Seccomp" 2 "$(priv_status_field "$server" Seccomp)" || r=1
	priv_check_own_namespaces "$server" virtiofsd pid mnt net || r=1
	priv_stop
	return $r
}

# The libkrun VMM is its own file server: it keeps that server's
# capabilities (chown, dac_override, fowner, fsetid, setgid, setuid, mknod,
# setfcap: 0x880000db) and no others, an empty bounding set, no_new_privs,
# and, run by root, a user namespace of its own.
test_libkrun_vmm_keeps_only_the_file_servers_capabilities_in_its_own_namespaces() {
	only_engine krun-real || { skip "real libkrun only (the double runs unsandboxed)"; return; }
	priv_start || return 1
	waiter=$(pgrep -P "$pid" -x krunsh-waiter | head -n 1)
	vmm=$([ -n "$waiter" ] && pgrep -P "$waiter" | head -n 1)
	[ -n "$vmm" ] || { priv_stop; fail "no libkrun VMM under krunsh $pid"; return 1; }
	echo "VMM $vmm: $(grep -E '^(Uid|CapEff|CapPrm|CapBnd|CapAmb|NSpid|NoNewPrivs):' /proc/"$vmm"/status | tr '\t\n' '  ')"
	r=0
	expect_eq "VMM CapEff" 00000000880000db "$(priv_status_field "$vmm" CapEff)" || r=1
	expect_eq "VMM CapPrm" 00000000880000db "$(priv_status_field "$vmm" CapPrm)" || r=1
	expect_eq "VMM CapBnd" 0000000000000000 "$(priv_status_field "$vmm" CapBnd)" || r=1
	expect_eq "VMM CapAmb" 0000000000000000 "$(priv_status_field "$vmm" CapAmb)" || r=1
	expect_eq "VMM NoNewPrivs" 1 "$(priv_status_field "$vmm" NoNewPrivs)" || r=1
	priv_check_own_namespaces "$vmm" "the VMM" pid mnt net ipc user || r=1
	# Every id maps to itself (root), or the user's own (an ordinary user).
	want="0 0 4294967295"
	[ "$(id -u)" = 0 ] || want="$(id -u) $(id -u) 1"
	expect_eq "VMM uid_map" "$want" "$(awk '{ print $1, $2, $3 }' /proc/"$vmm"/uid_map)" || r=1
	priv_check_no_inherited_fd "$vmm" "the libkrun VMM" || r=1
	priv_stop
	return $r
}

# krunsh's network filter (--net) decodes the guest's frames: no
# capabilities, a seccomp filter of its own, no network, its own pid, mount
# and IPC namespaces, and no fd but stdio and its two sockets. It is
# krunsh's process on either engine.
test_network_filter_runs_without_capabilities_under_seccomp_with_no_network() {
	command -v passt >/dev/null || { skip "no passt on this machine (Debian package passt)"; return; }
	priv_start --net || return 1
	relay=$(for c in $(pgrep -P "$pid"); do pgrep -P "$c" -x krunsh-netrelay; done | head -n 1)
	[ -n "$relay" ] || { priv_stop; fail "no network filter under krunsh $pid"; return 1; }
	echo "filter $relay: $(grep -E '^(Uid|CapEff|CapBnd|Seccomp|NSpid|NoNewPrivs):' /proc/"$relay"/status | tr '\t\n' '  ')"
	r=0
	priv_check_no_capabilities_under_seccomp "$relay" "the network filter" || r=1
	priv_check_own_namespaces "$relay" "the network filter" pid mnt net ipc || r=1
	priv_check_no_inherited_fd "$relay" "the network filter" || r=1
	expect_eq "the filter's fds (stdio, two sockets)" 5 "$(ls /proc/"$relay"/fd | wc -l)" || r=1
	expect_eq "the filter's sockets" 2 "$(ls -l /proc/"$relay"/fd | grep -c 'socket:')" || r=1
	priv_stop
	return $r
}

# As root in the guest, mount the root tag again: the host's own /proc,
# /sys, /dev, /run and the secrets are not in what the file server serves.
test_guest_root_remounting_the_tag_finds_no_host_proc_or_secrets() {
	only_engine qemu krun-real || { skip "needs a VM with the real file server"; return; }
	home=$TEST_SCRATCH/home
	mkdir -p "$home/.ssh" "$home/.aws"
	echo PRIVATE-KEY > "$home/.ssh/id_ed25519"
	echo AWS-KEY > "$home/.aws/credentials"
	echo HISTORY > "$home/.bash_history"
	echo visible > "$home/notes.txt"
	echo MASKED-BY-FLAG > "$TEST_SCRATCH/extra-secret"
	HOME=$home ks --mask "$TEST_SCRATCH/extra-secret" --script >out 2>err <<EOS
mkdir -p /mnt/again && mount -t virtiofs krunsh-root /mnt/again || exit 9
echo "proc entries: \$(ls /mnt/again/proc | wc -l)"
echo "sys entries: \$(ls /mnt/again/sys | wc -l)"
echo "dev entries: \$(ls /mnt/again/dev | wc -l)"
echo "run entries: \$(ls /mnt/again/run | wc -l)"
cat /mnt/again/etc/shadow /mnt/again$home/.ssh/id_ed25519 /mnt/again$home/.aws/credentials \
	/mnt/again$home/.bash_history /mnt/again$TEST_SCRATCH/extra-secret 2>/dev/null
ls -A /mnt/again$home/.ssh /mnt/again$home/.aws 2>/dev/null
cat $home/.ssh/id_ed25519 $home/.bash_history 2>/dev/null
cat /mnt/again$home/notes.txt
EOS
	rc=$?
	expect_eq "status" 0 "$rc" || { cat out err >&2; return 1; }
	r=0
	for d in proc sys dev run; do
		expect_contains "$d" "$d entries: 0" "$(cat out)" || r=1
	done
	for secret in PRIVATE-KEY AWS-KEY HISTORY MASKED-BY-FLAG root:; do
		if grep -q "$secret" out; then fail "the guest read $secret"; r=1; fi
	done
	expect_contains "an ordinary file" visible "$(cat out)" || r=1
	return $r
}

test_expose_gives_one_secret_back_and_v_lists_the_masks() {
	only_engine qemu krun-real || { skip "needs a VM with the real file server"; return; }
	home=$TEST_SCRATCH/home
	mkdir -p "$home/.ssh"
	echo PUBLIC-ENOUGH > "$home/.netrc"
	echo PRIVATE-KEY > "$home/.ssh/id_ed25519"
	HOME=$home ks -V --expose "$home/.netrc" -c "cat $home/.netrc; cat $home/.ssh/id_ed25519" \
		</dev/null >out 2>err
	expect_contains "exposed file" PUBLIC-ENOUGH "$(cat out)" || return 1
	if grep -q PRIVATE-KEY out; then fail "the unexposed key was read"; return 1; fi
	expect_contains "-v lists the masks" "hidden from the guest: $home/.ssh" "$(cat err)" || return 1
	if grep -q "hidden from the guest: $home/.netrc" err; then fail "-v lists the exposed file"; return 1; fi
}

test_mask_of_a_missing_path_is_refused() {
	ks --mask "$TEST_SCRATCH/nothing-here" -c true </dev/null >out 2>err
	expect_eq "status" 125 "$?" || return 1
	expect_contains "message" "for --mask: expected an existing absolute host path" "$(cat err)"
}
