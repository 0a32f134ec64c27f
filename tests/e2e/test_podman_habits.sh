# podman run's spellings (issue 11, item 8): -v is a volume, -p a published
# port, -u the user, -m the memory; --hostname, --tmpfs, --network, --mount;
# -i and --rm accepted as what krunsh always does, -t gives a terminal
# (test_tty.sh); --read-only and --entrypoint refused with a reason. Single-file volumes and host paths
# with ':' work.

# The last run (status $rc, out, err) was refused by krunsh: 125, one
# "krunsh: " line naming $2, nothing on stdout.
podman_expect_refused() {
	expect_eq "$1: exit status" 125 "$rc" || { cat err >&2; return 1; }
	[ ! -s out ] || fail "$1: stdout not empty: $(head -c 300 out)" || return 1
	expect_eq "$1: stderr lines" 1 "$(wc -l <err)" || { cat err >&2; return 1; }
	expect_contains "$1: message" "krunsh: " "$(cat err)" || return 1
	expect_contains "$1: message" "$2" "$(cat err)"
}

test_dash_v_is_a_volume_and_verbose_is_dash_capital_v() {
	needs_a_guest || return
	mkdir share
	printf 'shared\n' >share/f
	out=$(ks -v "$PWD/share:/mnt/share:ro" -c 'cat /mnt/share/f' </dev/null 2>err)
	rc=$?
	expect_eq "exit status of -v HOST:GUEST:ro" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "file read through -v" shared "$out" || return 1
	ks -V -c true </dev/null >out 2>err || fail "-V: exit status $?" || return 1
	expect_contains "-V says which engine" "krunsh: " "$(cat err)" || return 1
	[ "$(wc -l <err)" -gt 1 ] || fail "-V printed nothing verbose: $(cat err)"
}

test_single_file_volume_rw_and_ro() {
	if only_engine krun-double krun-real; then
		printf 'x\n' >gitconfig
		ks -v "$PWD/gitconfig:/root/.gitconfig:ro" -c true </dev/null >out 2>err
		rc=$?
		podman_expect_refused "single-file volume on krun" "not supported on the krun engine"
		return
	fi
	mkdir -p dir
	printf '[user]\n\tname = t\n' >dir/gitconfig
	printf 'secret\n' >dir/neighbour
	printf 'before\n' >dir/notes
	# The ro file is readable, writes to it fail; the share it came
	# through (which holds only that file) is not left mounted; the rw
	# file is written through to the host.
	ks -v "$PWD/dir/gitconfig:/root/.gitconfig:ro" -v "$PWD/dir/notes:/srv/deep/notes" \
		--script >out 2>err <<'EOF'
cat /root/.gitconfig
if echo x >> /root/.gitconfig 2>/dev/null; then echo ro-written; fi
ls /run/krunsh-file-volume 2>/dev/null | wc -l
grep -c krunsh-file-volume /proc/mounts
echo after >> /srv/deep/notes
EOF
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "guest output" "[user]
	name = t
0
0" "$(cat out)" || return 1
	expect_eq "ro file unchanged on the host" "[user]
	name = t" "$(cat dir/gitconfig)" || return 1
	expect_eq "rw file written through" "before
after" "$(cat dir/notes)"
}

test_host_paths_with_a_colon_through_escape_and_mount() {
	needs_a_guest || return
	mkdir -p "a:b"
	printf 'colon\n' >"a:b/f"
	out=$(ks -v "$PWD/a\\:b:/mnt/x\\:y" -c 'cat "/mnt/x:y/f"' </dev/null 2>err)
	expect_eq "-v with \\: escapes" colon "$out" || { cat err >&2; return 1; }
	out=$(ks --mount "type=bind,src=$PWD/a:b,dst=/mnt/m:n,ro" \
		-c 'cat "/mnt/m:n/f"; touch "/mnt/m:n/new" 2>/dev/null && echo written' \
		</dev/null 2>err)
	expect_eq "--mount type=bind" colon "$out" || { cat err >&2; return 1; }
	[ ! -e "a:b/new" ] || fail "a ro --mount was written"
}

test_user_runs_the_commands_as_that_uid_and_gid() {
	out=$(ks -u 4242:4343 -c 'id -u; id -g' </dev/null 2>err)
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "-u 4242:4343" "4242
4343" "$out" || return 1
	# A name from the passwd file, line mode (the failure log and --report
	# FIFO are the user's to write), and HOME from passwd.
	printf 'id -un\nfalse\necho "$HOME"\n' | ks --user nobody -k --report "$PWD/r.json" >out 2>err
	rc=$?
	expect_eq "exit status of the failing line" 1 "$rc" || { cat err >&2; return 1; }
	expect_eq "--user nobody" "nobody
$(getent passwd nobody | cut -d: -f6)" "$(cat out)" || return 1
	expect_contains "line failure reported" "line 2 failed" "$(cat err)"
}

test_user_files_in_the_overlay() {
	needs_a_guest || return
	# Most of the root is root's, as on the host: /tmp is everyone's.
	out=$(ks -u 4242 -c 'touch /tmp/mine && stat -c %u /tmp/mine; touch /etc/x 2>/dev/null || echo denied' </dev/null 2>err)
	expect_eq "-u in the overlay" "4242
denied" "$out" || { cat err >&2; return 1; }
}

test_hostname_tmpfs_network_and_memory() {
	needs_a_guest || return
	out=$(ks --hostname build-7 --tmpfs /scratch:size=2m,mode=1777 --network none -m 300m --script \
		</dev/null 2>err <<'EOF'
hostname
grep ' /scratch ' /proc/mounts | cut -d' ' -f3,4
echo x > /scratch/f && cat /scratch/f
cp /bin/true /scratch/t && { /scratch/t 2>/dev/null && echo exec-allowed || echo noexec; }
ls /sys/class/net | grep -c eth
awk '/MemTotal/ { print ($2 > 200000 && $2 < 310000) ? "mem-ok" : "mem " $2 }' /proc/meminfo
EOF
)
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "guest output" "build-7
tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k
x
noexec
0
mem-ok" "$out" || return 1
	out=$(ks --network user -c 'ls /sys/class/net | grep -c eth' </dev/null 2>err)
	expect_eq "--network user gives eth0" 1 "$out"
}

test_interactive_and_rm_are_accepted() {
	out=$(echo data | ks -i --rm -c cat 2>err)
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "stdin reached the command" data "$out"
}

test_interactive_tty_runs_on_a_terminal() {
	out=$(echo data | ks -it -c 'read x; echo "got $x"; tty' 2>err)
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_contains "stdin typed on the terminal" "got data" "$out" || return 1
	expect_contains "a terminal" "/dev/pts/" "$out"
}

test_podman_options_krunsh_lacks_are_refused_with_a_reason() {
	ks --read-only -c true </dev/null >out 2>err
	rc=$?
	podman_expect_refused "--read-only" "--read-only" || return 1
	ks --entrypoint /bin/sh -c true </dev/null >out 2>err
	rc=$?
	podman_expect_refused "--entrypoint" "after --" || return 1
	ks --network host -c true </dev/null >out 2>err
	rc=$?
	podman_expect_refused "--network host" "none or user" || return 1
	ks --network none -p 8080:80 -c true </dev/null >out 2>err
	rc=$?
	podman_expect_refused "--network none -p" "cannot be combined" || return 1
	ks -m 64m -c true </dev/null >out 2>err
	rc=$?
	podman_expect_refused "-m 64m" "--memory"
}
