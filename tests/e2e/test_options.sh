# The flags that shape the guest: working directory, CPUs, memory, shell.

test_default_workdir_is_the_callers_cwd() {
	mkdir -p "sub dir/deeper"
	cd "sub dir/deeper" || return 1
	out=$(ks -c 'pwd -P' </dev/null) || fail "exit status $?" || return 1
	expect_eq "guest cwd" "$(pwd -P)" "$out"
}

test_workdir_option_sets_the_guest_cwd() {
	out=$(ks --workdir /usr/share -c 'pwd' </dev/null) || fail "exit status $?" || return 1
	expect_eq "guest cwd" /usr/share "$out"
}

test_cpus_option_sets_the_guest_cpu_count() {
	only_engine qemu krun-real || { skip "contract double runs on the host: no VM to isolate"; return; }
	# Both engines boot the SMP build of krunsh's minimal kernel for it.
	out=$(ks --cpus 2 -c 'nproc' </dev/null) || fail "exit status $?" || return 1
	expect_eq "nproc in the guest" 2 "$out"
}

test_mem_option_sets_the_guest_memory() {
	only_engine qemu krun-real || { skip "contract double runs on the host: no VM to isolate"; return; }
	kb=$(ks --mem 256 -c "awk '/^MemTotal:/ { print \$2 }' /proc/meminfo" </dev/null) ||
		fail "exit status $?" || return 1
	# The kernel keeps some of the 262144 kB for itself.
	[ "$kb" -gt 180000 ] && [ "$kb" -le 262144 ] ||
		fail "MemTotal with --mem 256 is [$kb] kB, expected 180000-262144"
}

test_shell_option_selects_the_guest_shell() {
	[ -x /bin/bash ] || { skip "no /bin/bash on the host"; return; }
	# [[ is bash syntax; the default /bin/sh (dash on Debian) rejects it.
	printf '[[ 1 == 1 ]] && echo "bash $((1 + 1))"\n' >lines
	out=$(ks --shell /bin/bash <lines) || fail "exit status $? with --shell /bin/bash" || return 1
	expect_eq "stdout with --shell /bin/bash" "bash 2" "$out" || return 1
	if [ "$(readlink -f /bin/sh)" != "$(readlink -f /bin/bash)" ]; then
		if ks <lines >out 2>err; then
			fail "default shell accepted [[: $(cat out)"
			return 1
		fi
		expect_contains "default shell rejects [[" "krunsh: line 1 failed" "$(cat err)"
	fi
}

# --cpus 2 boots the SMP build of the minimal kernel (issue 11, item 9), not
# the Debian kernel with five times its boot; -V names the kernel.
test_cpus_2_boots_the_minimal_smp_kernel() {
	only_engine qemu krun-real || { skip "the contract double boots no kernel"; return; }
	[ "$ENGINE" != qemu-debian ] || { skip "qemu-debian forces its kernel"; return; }
	[ -f /usr/local/lib/krunsh/kernel-minimal-smp/vmlinux ] ||
		{ skip "no kernel-minimal-smp installed (setup.sh builds it)"; return; }
	out=$(ks --cpus 2 -V -c nproc </dev/null 2>err)
	expect_eq "guest CPUs" 2 "$out" || { cat err >&2; return 1; }
	expect_contains "-V names the kernel" "kernel-minimal-smp/vmlinux" "$(cat err)"
}
