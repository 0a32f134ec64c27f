# krunsh --bundle DIR: an OCI runtime bundle (config.json + rootfs). What
# config.json asks for reaches the guest (args, env exactly, cwd, user,
# rlimits, hostname, bind and tmpfs mounts, memory and CPUs, krun.*
# annotations), what krunsh cannot do is refused with one line naming the
# field, and the rootfs stays byte-identical.

# bundle_make DIR: a rootfs of static busybox, and config.json from stdin.
bundle_make() {
	if ! [ -x /bin/busybox ] || ! dpkg -S /bin/busybox 2>/dev/null | grep -q busybox-static; then
		skip "no static /bin/busybox (busybox-static) to build a rootfs from"
		return
	fi
	mkdir -p "$1/rootfs/bin" "$1/rootfs/etc" "$1/rootfs/tmp"
	cp /bin/busybox "$1/rootfs/bin/busybox"
	for applet in sh ls cat echo id env pwd touch mkdir grep nproc hostname sort sleep; do
		ln -s busybox "$1/rootfs/bin/$applet"
	done
	echo rootfs-marker >"$1/rootfs/etc/marker"
	cat >"$1/config.json"
}

bundle_manifest() {
	(cd "$1" && find . -printf '%p %y %m %s %l\n' | LC_ALL=C sort &&
		find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

test_bundle_runs_its_process_as_config_json_says() {
	needs_a_guest || return $?
	mkdir -p vol && echo host-file >vol/f
	bundle_make b <<JSON || return $?
{"ociVersion": "1.0.2",
 "root": {"path": "rootfs", "readonly": false},
 "process": {"terminal": false,
   "user": {"uid": 1000, "gid": 1001, "additionalGids": [5, 6]},
   "args": ["sh", "-c", "id; env | sort; pwd; hostname; cat /data/f; echo x > /data/new; echo w > /scratch/f && cat /scratch/f; grep -c ' /scratch tmpfs rw,nosuid' /proc/mounts; ulimit -Sn; ulimit -Hn; echo changed > /etc/marker; exit 7"],
   "env": ["PATH=/bin", "FOO=bar"], "cwd": "/etc",
   "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 200, "soft": 100}],
   "capabilities": {"bounding": ["CAP_CHOWN"]}, "noNewPrivileges": true},
 "hostname": "bundled",
 "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"},
   {"destination": "/data", "type": "bind", "source": "$PWD/vol", "options": ["rbind", "ro"]},
   {"destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "size=1m", "mode=1777"]}],
 "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}}
JSON
	bundle_manifest b >before
	ks --bundle "$PWD/b" >out 2>err
	rc=$?
	expect_eq "exit status" 7 "$rc" || { cat err >&2; return 1; }
	expect_eq "guest output" "uid=1000 gid=1001 groups=5,6
FOO=bar
PATH=/bin
PWD=/etc
SHLVL=1
/etc
bundled
host-file
w
1
100
200" "$(cat out)" || return 1
	grep -q "can't create /data/new: Read-only file system" err ||
		fail "the ro bind mount took a write: $(cat err)" || return 1
	bundle_manifest b >after
	cmp -s before after || fail "the bundle changed on the host: $(diff before after)"
}

test_bundle_sizes_the_vm_from_resources_annotations_and_flags() {
	needs_a_guest || return $?
	bundle_make b <<'JSON' || return $?
{"ociVersion": "1.1.0", "root": {"path": "rootfs"},
 "process": {"args": ["sh", "-c", "nproc; grep MemTotal /proc/meminfo"], "cwd": "/"},
 "linux": {"resources": {"memory": {"limit": 300000000, "swap": 600000000},
   "cpu": {"quota": 150000, "period": 100000, "shares": 1024},
   "devices": [{"allow": false, "access": "rwm"}], "pids": {"limit": 100}}}}
JSON
	ks --bundle "$PWD/b" >out 2>err || { fail "bundle run failed: $(cat err)"; return 1; }
	expect_eq "vCPUs from quota/period, rounded up" 2 "$(sed -n 1p out)" || return 1
	mem=$(awk '/MemTotal/ {print int($2 / 1024)}' out)
	# 300000000 bytes -> 287 MiB of guest RAM, less what the kernel keeps.
	[ "$mem" -gt 200 ] && [ "$mem" -le 287 ] || fail "MemTotal $mem MiB for a 287 MiB VM" || return 1
	ks --bundle "$PWD/b" --cpus 1 -m 256m >out 2>err || { fail "run with flags failed: $(cat err)"; return 1; }
	expect_eq "--cpus wins" 1 "$(sed -n 1p out)" || return 1
	mem=$(awk '/MemTotal/ {print int($2 / 1024)}' out)
	[ "$mem" -le 256 ] || fail "-m 256m gave MemTotal $mem MiB" || return 1
	# crun's krun handler's annotations win over linux.resources.
	sed -i 's/"root"/"annotations": {"krun.cpus": "1", "krun.ram_mib": "160"}, "root"/' b/config.json
	ks --bundle "$PWD/b" >out 2>err || { fail "annotated run failed: $(cat err)"; return 1; }
	expect_eq "krun.cpus" 1 "$(sed -n 1p out)" || return 1
	mem=$(awk '/MemTotal/ {print int($2 / 1024)}' out)
	[ "$mem" -le 160 ] || fail "krun.ram_mib 160 gave MemTotal $mem MiB" || return 1
}

test_bundle_root_readonly_is_read_only_and_lines_run_without_args() {
	needs_a_guest || return $?
	bundle_make b <<'JSON' || return $?
{"ociVersion": "1.0.0", "root": {"path": "rootfs", "readonly": true},
 "process": {"cwd": "/", "env": ["PATH=/bin"]},
 "mounts": [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}]}
JSON
	bundle_manifest b >before
	# No process.args: the commands come on stdin, one a line.
	printf '%s\n' 'cat /etc/marker' 'touch /etc/x 2>/dev/null || echo root is read-only' \
		'echo t > /tmp/t && cat /tmp/t' | ks --bundle "$PWD/b" >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "rootfs-marker
root is read-only
t" "$(cat out)" || return 1
	sed -i 's/"readonly": true/"readonly": false/' b/config.json
	echo 'echo w > /etc/x && cat /etc/x' | ks --bundle "$PWD/b" >out 2>err
	expect_eq "readonly false: the overlay takes writes" w "$(cat out)" || { cat err >&2; return 1; }
	sed -i 's/"readonly": false/"readonly": true/' b/config.json
	bundle_manifest b >after
	cmp -s before after || fail "the rootfs changed on the host: $(diff before after)"
}

test_bundle_flags_win_over_config_json() {
	needs_a_guest || return $?
	bundle_make b <<'JSON' || return $?
{"ociVersion": "1.0.2", "root": {"path": "rootfs"},
 "process": {"args": ["sh", "-c", "echo from-args"], "env": ["PATH=/bin", "FOO=bundle"], "cwd": "/etc"}}
JSON
	ks --bundle "$PWD/b" -e FOO=flag -w /bin -- sh -c 'echo $FOO; pwd' >out 2>err
	expect_eq "-e, -w and -- win" "flag
/bin" "$(cat out)" || { cat err >&2; return 1; }
	ks --bundle "$PWD/b" -c 'echo from-c' >out 2>err
	expect_eq "-c wins over process.args" from-c "$(cat out)" || { cat err >&2; return 1; }
	ks --bundle "$PWD/b" >out 2>err
	expect_eq "process.args without flags" from-args "$(cat out)" || { cat err >&2; return 1; }
}

# Refused before anything starts: every engine, the double too.
test_bundle_refuses_what_it_cannot_do_naming_the_field() {
	bundle_make b <<'JSON' || return $?
{"ociVersion": "1.0.2", "root": {"path": "rootfs"}, "process": {"args": ["true"]}}
JSON
	base=$(cat b/config.json)
	for case in \
		'"hooks": {"prestart": [{"path": "/bin/true"}]}|config.json: hooks: hooks run host programs' \
		'"linux": {"intelRdt": {}}|config.json: linux.intelRdt: cache allocation' \
		'"shiny": 1|config.json: shiny: not supported by krunsh' \
		'"linux": {"resources": {"memory": {"limit": "big"}}}|config.json: linux.resources.memory.limit: expected a whole number' \
		'"mounts": [{"destination": "/n", "type": "nfs", "source": "h:/x"}]|config.json: mounts[0]: a nfs mount at /n is not supported' \
		'"mounts": [{"destination": "/t", "type": "tmpfs", "options": ["huge=always"]}]|config.json: mounts[0]: tmpfs option huge=always' \
		'"annotations": {"krun.cpus": "100"}|config.json: annotations.krun.cpus: expected a number from 1 to 64'; do
		extra=${case%%|*} want=${case#*|}
		printf '%s\n' "${base%\}}, $extra}" >b/config.json
		ks --bundle "$PWD/b" >out 2>err
		rc=$?
		expect_eq "$extra: exit status" 125 "$rc" || { cat err >&2; return 1; }
		expect_eq "$extra: one line" 1 "$(wc -l <err)" || { cat err >&2; return 1; }
		grep -qF "krunsh: $want" err || fail "$extra: got: $(cat err)" || return 1
	done
	echo '{"ociVersion": "2.0.0", "root": {"path": "rootfs"}}' >b/config.json
	ks --bundle "$PWD/b" >out 2>err
	grep -q 'config.json: ociVersion: version 2.0.0' err || fail "version: $(cat err)" || return 1
	echo '{"ociVersion": "1.0.2", "root": {' >b/config.json
	ks --bundle "$PWD/b" >out 2>err
	expect_eq "broken JSON: exit status" 125 "$?" || return 1
	grep -q 'config.json is not JSON' err || fail "broken JSON: $(cat err)" || return 1
	echo '{"ociVersion": "1.0.2", "process": {"args": ["true"]}}' >b/config.json
	ks --bundle "$PWD/b" >out 2>err
	grep -q 'config.json: root.path: required' err || fail "no root: $(cat err)" || return 1
	ks --bundle "$PWD/nowhere" >out 2>err
	expect_eq "no bundle: exit status" 125 "$?" || return 1
	ks --bundle "$PWD/b" --root / >out 2>err
	grep -q -- '--bundle brings its own root' err || fail "--root: $(cat err)" || return 1
	head -c 2000000 /dev/zero >b/config.json
	ks --bundle "$PWD/b" >out 2>err
	grep -q 'at most 1048576 bytes' err || fail "huge config.json: $(cat err)" || return 1
}

# process.terminal: the process on a pseudo-terminal in the guest, as -t.
test_bundle_terminal_gives_the_process_a_terminal() {
	needs_a_guest || return $?
	bundle_make b <<'JSON' || return $?
{"ociVersion": "1.0.2", "root": {"path": "rootfs"},
 "process": {"terminal": true, "consoleSize": {"height": 24, "width": 80},
   "env": ["PATH=/bin", "TERM=xterm"], "args": ["sh", "-c", "test -t 0 && test -t 1 && echo on-a-terminal; exit 5"]}}
JSON
	ks --bundle "$PWD/b" </dev/null >out 2>err
	rc=$?
	expect_eq "exit status" 5 "$rc" || { cat err >&2; return 1; }
	expect_eq "output (a terminal's line end)" "on-a-terminal" "$(tr -d '\r' <out)"
}
