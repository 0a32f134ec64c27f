# The guest is a separate machine: its own kernel, the host's root seen
# read-only under a throw-away overlay, no host environment, no stdin.

# Names, types, modes, sizes, link targets and contents of a tree.
isolation_manifest() {
	(cd "$1" && find . -printf '%p %y %m %s %l\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

test_host_root_survives_rm_rf_and_write_attempts() {
	only_engine qemu krun-real || { skip "contract double runs on the host: no VM to isolate"; return; }
	canary="$TEST_SCRATCH/canary"
	mkdir -p "$canary/sub/deeper" "$canary/empty"
	printf 'alpha\n' >"$canary/a"
	head -c 4096 /dev/urandom >"$canary/sub/bin"
	printf 'deep\n' >"$canary/sub/deeper/f"
	ln -s a "$canary/link"
	chmod 640 "$canary/a"
	isolation_manifest "$canary" >before
	# The guest refuses to go on unless its root is an overlay (a last
	# guard against wiping the host if an engine ever ran on it).
	# Attacks: write, chmod, delete through the overlay (must appear to
	# work inside); mount the shared root's virtio-fs tag again, remount it
	# read-write and write through it (the file server must refuse); then
	# rm -rf of the canary and of / with that read-write mount still in
	# place. Bounded: / is the host's whole tree (450 000 files here),
	# which the guest can walk to the end since it keeps the file server
	# under its open-file limit (agent/inode_budget.c), and that under TCG
	# took over 10 minutes; the canary goes first.
	ks --script >out 2>err <<EOF
root_type=\$(awk '\$2 == "/" { t = \$3 } END { print t }' /proc/mounts)
[ "\$root_type" = overlay ] || { echo "refusing: guest root is \$root_type" >&2; exit 99; }
cd '$canary' || exit 98
echo pwned > a && chmod 000 sub/bin && rm -f link && rm -rf empty sub/deeper && mkdir new &&
	echo x > new/f && cat a
mkdir -p /mnt/again
if mount -t virtiofs krunsh-root /mnt/again 2>/dev/null; then
	mount -o remount,rw /mnt/again 2>/dev/null
	echo pwned > '/mnt/again$canary/a' 2>/dev/null && echo "write through the remount worked"
	rm -rf '/mnt/again$canary' 2>/dev/null
fi
cd /
timeout $(slow 15) rm -rf --no-preserve-root '$canary' / 2>/dev/null; true
EOF
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "writes appear to succeed inside" pwned "$(cat out)" || return 1
	isolation_manifest "$canary" >after
	cmp -s before after || fail "canary changed: $(diff before after | head -n 10)"
}

test_writes_inside_vanish_after_the_run() {
	only_engine qemu krun-real || { skip "contract double runs on the host: no VM to isolate"; return; }
	marker="krunsh-test-$(basename "$TEST_SCRATCH")"
	ks --script >out 2>err <<EOF
echo inside > '$TEST_SCRATCH/new-file' && echo inside > '/etc/$marker' &&
	cat '$TEST_SCRATCH/new-file' '/etc/$marker'
EOF
	rc=$?
	expect_eq "exit status of the writing run" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "writes succeeded inside" "$(printf 'inside\ninside')" "$(cat out)" || return 1
	[ ! -e "$TEST_SCRATCH/new-file" ] || fail "new-file reached the host" || return 1
	[ ! -e "/etc/$marker" ] || { rm -f "/etc/$marker"; fail "/etc/$marker reached the host"; return 1; }
	ks -c "ls '$TEST_SCRATCH/new-file' '/etc/$marker' 2>&1 | wc -l; test -e '/etc/$marker' || echo absent" \
		</dev/null >out 2>err
	rc=$?
	expect_eq "exit status of the next run" 0 "$rc" || return 1
	expect_eq "files are gone in the next run" "$(printf '2\nabsent')" "$(cat out)"
}

test_guest_commands_read_eof_from_stdin() {
	printf 'echo this-is-input\n' >input
	ks --script <input >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || return 1
	expect_eq "stdout" this-is-input "$(cat out)" || return 1
	# In the guest, cat gets EOF at once and read fails.
	printf 'got=$(cat)\necho "cat:[$got]"\nif read x; then echo "read:[$x]"; else echo read-failed; fi\n' >input
	ks --script <input >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || return 1
	expect_eq "stdout" "$(printf 'cat:[]\nread-failed')" "$(cat out)"
}

test_host_environment_is_not_copied_into_the_guest() {
	export SECRET_TOKEN=hunter2 KRUNSH_TEST_PASSED="a b"
	ks -e KRUNSH_TEST_PASSED -e EXTRA=set -c 'env | LC_ALL=C sort' </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || return 1
	if grep -q hunter2 out; then
		fail "host secret reached the guest: $(grep hunter2 out)"
		return 1
	fi
	grep -qx 'KRUNSH_TEST_PASSED=a b' out || fail "-e KEY did not pass the host value: $(cat out)" || return 1
	grep -qx 'EXTRA=set' out || fail "-e KEY=VALUE missing: $(cat out)" || return 1
	grep -qx "PATH=$PATH" out || fail "PATH not passed: $(cat out)"
}
