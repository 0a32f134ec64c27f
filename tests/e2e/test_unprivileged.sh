# krunsh for an ordinary user: no root, no setuid bit. The file server then
# runs in an unprivileged user namespace. The suite runs as root in CI, so
# these tests drop to nobody with setpriv (util-linux).

unprivileged_setup() {
	only_engine qemu || { skip "the unprivileged path is the qemu engine's file server"; return; }
	[ "$(id -u)" = 0 ] || { skip "needs root to switch to an ordinary user"; return; }
	command -v setpriv >/dev/null || { skip "setpriv (util-linux) not installed"; return; }
	home="$TEST_SCRATCH/home"
	mkdir -p "$home"
	chown 65534:65534 "$home"
	chmod 755 "$TEST_SCRATCH"
}

# ks as nobody, with no supplementary groups, a home and TMPDIR of its own.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		env HOME="$home" TMPDIR="$home" "$KRUNSH" --engine qemu "$@"
}

test_ordinary_user_runs_commands_in_the_vm() {
	unprivileged_setup || return
	out=$(printf 'id -u\ntouch /etc/krunsh-unpriv && echo overlay-writable\nexit 7\n' |
		as_nobody 2>err)
	rc=$?
	expect_eq "exit status" 7 "$rc" || { cat err >&2; return; }
	expect_eq "output" "0
overlay-writable" "$out" || return 1
	[ ! -e /etc/krunsh-unpriv ] || fail "a guest write reached the host's /etc"
}

test_ordinary_users_own_files_stay_read_only() {
	unprivileged_setup || return
	mkdir "$home/canary"
	printf 'precious\n' >"$home/canary/f"
	chown -R 65534:65534 "$home/canary"
	# Bounded, the canary first, as test_isolation's rm -rf: the guest can
	# walk the host's whole tree.
	printf 'echo pwned > %s/canary/f\ntimeout %s rm -rf --no-preserve-root %s/canary / 2>/dev/null; true\n' \
		"$home" "$(slow 15)" "$home" |
		as_nobody >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return; }
	expect_eq "the user's own file" precious "$(cat "$home/canary/f")" || return 1
	expect_eq "run directories left" "" "$(ls -d "$home"/krunsh-run.* 2>/dev/null)"
}

# A subordinate range for nobody, for one test: with one, the file server's
# namespace maps guest ids onto it, which is how a guest chown used to
# leave files the user could not delete. Removed again by
# unprivileged_drop_subids, which the test calls on every path.
unprivileged_subid_line="nobody:1879048192:65536"
unprivileged_add_subids() {
	command -v newuidmap >/dev/null && command -v newgidmap >/dev/null ||
		{ skip "newuidmap/newgidmap (uidmap package) not installed: no subordinate ids to test with"; return; }
	if grep -qs '^nobody:' /etc/subuid /etc/subgid; then
		skip "nobody already has a subordinate range here: not this test's to change"
		return
	fi
	echo "$unprivileged_subid_line" >>/etc/subuid && echo "$unprivileged_subid_line" >>/etc/subgid
}
unprivileged_drop_subids() {
	sed -i "/^$unprivileged_subid_line\$/d" /etc/subuid /etc/subgid
}

# As nobody, the guest (root, then -u 4242) unpacks an archive of uid 1000
# files into a rw volume and chowns a file: everything on the host is
# nobody's and nobody can delete it all; the chown fails in the guest.
unprivileged_rw_volume_files_stay_the_users() {
	rm -rf "$home/vol" "$home/src"
	mkdir -p "$home/vol" "$home/src/d"
	echo data >"$home/src/d/f"
	tar -C "$home/src" --owner=1000 --group=1000 -cf "$home/a.tar" d
	chown -R 65534:65534 "$home/vol" "$home/a.tar"
	printf '%s\n' 'cd /mnt/v' \
		"tar xf $home/a.tar 2>/dev/null; echo \"tar=\$?\"" \
		'mkdir own && echo x > own/g' \
		'if chown 123 own/g 2>/dev/null; then echo chown-worked; fi' \
		'stat -c %u own/g d/f' >script
	as_nobody --volume "$home/vol:/mnt/v" --script <script >out 2>err
	rc=$?
	expect_eq "exit status ($1)" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "guest output ($1)" "tar=2
0
0" "$(cat out)" || return 1
	unprivileged_expect_all_the_users "$1"
}

# Commands run as another uid (-u): their files are the user's too.
unprivileged_rw_volume_files_of_another_uid() {
	rm -rf "$home/vol"
	mkdir "$home/vol" && chown 65534:65534 "$home/vol"
	out=$(as_nobody -u 4242 -v "$home/vol:/mnt/v" -c 'echo u > /mnt/v/by-4242 && stat -c %u /mnt/v/by-4242' </dev/null 2>err)
	expect_eq "-u 4242 writes its files ($1)" 4242 "$out" || { cat err >&2; return 1; }
	unprivileged_expect_all_the_users "$1, -u 4242"
}

unprivileged_expect_all_the_users() {
	foreign=$(find "$home/vol" ! -uid 65534 | head -n 3)
	expect_eq "files not owned by the user ($1)" "" "$foreign" || return 1
	setpriv --reuid=65534 --regid=65534 --clear-groups rm -rf "$home/vol" ||
		fail "the user cannot delete what the guest created ($1)" || return 1
	[ ! -e "$home/vol" ] || fail "$home/vol still there ($1)"
}

test_ordinary_users_rw_volume_files_stay_theirs() {
	unprivileged_setup || return
	unprivileged_rw_volume_files_stay_the_users "no subordinate ids" || return 1
	unprivileged_add_subids || return
	unprivileged_rw_volume_files_stay_the_users "with a subordinate range"
	rc=$?
	unprivileged_drop_subids
	return $rc
}

test_ordinary_users_rw_volume_files_of_another_guest_uid_stay_theirs() {
	unprivileged_setup || return
	unprivileged_rw_volume_files_of_another_uid "no subordinate ids" || return 1
	unprivileged_add_subids || return
	unprivileged_rw_volume_files_of_another_uid "with a subordinate range"
	rc=$?
	unprivileged_drop_subids
	return $rc
}

test_ordinary_user_with_a_supplementary_group_is_told_why() {
	unprivileged_setup || return
	if grep -qs '^nobody:' /etc/subuid /etc/subgid; then
		skip "nobody has a subordinate range here: the failing case needs none"
		return
	fi
	setpriv --reuid=65534 --regid=65534 --groups=100 \
		env HOME="$home" TMPDIR="$home" "$KRUNSH" --engine qemu -c 'echo hi' </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 125 "$rc" || { cat err >&2; return 1; }
	expect_eq "stderr lines" 1 "$(wc -l <err)" || { cat err >&2; return 1; }
	expect_contains "names the cause" "could not drop your supplementary groups" "$(cat err)" || return 1
	expect_contains "names the fix" "/etc/subuid" "$(cat err)" || return 1
	if grep -q "kernel panic" err; then fail "still guesses a kernel panic: $(cat err)"; fi
}

# --net for an ordinary user: the network filter's sandbox is made in an
# unprivileged user namespace, and it still refuses the host (-V says so)
# while passing what passt answers.
test_ordinary_users_net_keeps_the_host_out_of_reach() {
	unprivileged_setup || return
	command -v passt >/dev/null || { skip "no passt on this machine (Debian package passt)"; return; }
	command -v wget >/dev/null || { skip "no wget on the host (the guest uses the host's tools)"; return; }
	address=$(ip -4 -o addr show scope global 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
	[ -n "$address" ] || { skip "the host has no IPv4 address but loopback"; return; }
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])')
	python3 -m http.server --bind :: "$port" >server.log 2>&1 &
	server=$!
	trap 'kill $server 2>/dev/null' EXIT
	sleep 1
	as_nobody -V --net --timeout 60 -c "if timeout 5 wget -q -O /dev/null http://$address:$port/; then echo reached; fi; echo end" \
		</dev/null >out 2>err
	rc=$?
	kill $server 2>/dev/null
	expect_eq "exit status" 0 "$rc" || { tail -n 20 err >&2; return 1; }
	expect_eq "guest output" end "$(cat out)" || return 1
	grep -q "^krunsh: network filter: refused a guest frame: TCP connection to the host" err ||
		fail "the filter refused nothing: $(grep -i 'filter\|sandbox' err)"
}
