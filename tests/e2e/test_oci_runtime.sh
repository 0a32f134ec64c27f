# krunsh-oci as podman's runtime: `podman --runtime krunsh-oci run`, each
# container a microVM. The real podman (Debian's) drives it through conmon:
# create, start, state, kill, delete. The test image is made here with
# `podman import` of a static busybox tree (no registry is reachable).

runtime_podman() {
	podman --runtime "$BUILD_DIR/krunsh-oci" "$@"
}

# Sets IMAGE, imported for this test; runtime_cleanup removes it.
runtime_setup() {
	only_engine qemu || { skip "podman runs krunsh with its default engine: checked on qemu"; return; }
	command -v podman >/dev/null || { skip "podman is not installed (setup.sh installs it)"; return; }
	if ! [ -x /bin/busybox ] || ! dpkg -S /bin/busybox 2>/dev/null | grep -q busybox-static; then
		skip "no static /bin/busybox (busybox-static) to build an image from"
		return
	fi
	[ "$(id -u)" = 0 ] || { skip "podman's rootless storage is not set up for this test: run as root"; return; }
	mkdir -p rootfs/bin rootfs/etc rootfs/data
	cp /bin/busybox rootfs/bin/busybox
	for applet in sh cat echo id sleep ls grep true; do ln -s busybox "rootfs/bin/$applet"; done
	tar -C rootfs -cf image.tar .
	IMAGE=localhost/krunsh-test-$$:1
	podman import -q image.tar "$IMAGE" >/dev/null 2>import.err ||
		{ skip "podman cannot import an image here: $(tail -n1 import.err)"; return; }
	# The containers' krunsh is this build's; its agent too.
	export KRUNSH_AGENT="$BUILD_DIR/krunsh-agent"
}

runtime_cleanup() {
	[ -n "${1:-}" ] && podman rm -f "$1" >/dev/null 2>&1
	podman rmi -f "$IMAGE" >/dev/null 2>&1
}

# Nothing of container $1 left: no state, no krunsh, no VM.
runtime_expect_gone() {
	[ ! -e "/run/krunsh-oci/$1" ] || fail "state of $1 left in /run/krunsh-oci" || return 1
	if pgrep -f -- "--bundle /var/lib/containers/storage/overlay-containers/$1" >/dev/null; then
		fail "a krunsh of container $1 still runs: $(pgrep -fa -- "overlay-containers/$1")"
		return 1
	fi
}

test_podman_run_gives_output_and_exit_status() {
	runtime_setup || return $?
	runtime_podman run --rm --network none "$IMAGE" sh -c 'echo out; echo err >&2; exit 7' >out 2>err
	rc=$?
	expect_eq "exit status" 7 "$rc" || { cat err >&2; runtime_cleanup; return 1; }
	expect_eq "stdout" out "$(cat out)" || { runtime_cleanup; return 1; }
	grep -qx err err || { fail "stderr: $(cat err)"; runtime_cleanup; return 1; }
	runtime_podman run --rm --network none "$IMAGE" true >out 2>err
	expect_eq "true" 0 "$?" || { cat err >&2; runtime_cleanup; return 1; }
	runtime_cleanup
}

test_podman_run_passes_stdin_env_volumes_and_memory() {
	runtime_setup || return $?
	mkdir -p shared && echo from-host >shared/f
	echo from-stdin | runtime_podman run --rm -i --network none -e FOO=bar \
		-v "$PWD/shared:/shared:ro" --memory 300m "$IMAGE" \
		sh -c 'cat; echo $FOO; cat /shared/f; echo x > /shared/g 2>/dev/null || echo ro; grep MemTotal /proc/meminfo' >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; runtime_cleanup; return 1; }
	expect_eq "output" "from-stdin
bar
from-host
ro" "$(head -n4 out)" || { runtime_cleanup; return 1; }
	mem=$(awk '/MemTotal/ {print int($2 / 1024)}' out)
	[ "${mem:-0}" -gt 150 ] && [ "$mem" -le 300 ] || { fail "--memory 300m gave MemTotal ${mem:-?} MiB"; runtime_cleanup; return 1; }
	runtime_cleanup
}

test_podman_ps_inspect_kill_stop_and_rm_leave_nothing() {
	runtime_setup || return $?
	id=$(runtime_podman run -d --network none "$IMAGE" sleep 100 2>err) || { fail "run -d: $(cat err)"; runtime_cleanup; return 1; }
	for _ in $(seq 300); do
		[ "$(runtime_podman inspect -f '{{.State.Status}}' "$id" 2>/dev/null)" = running ] && break
		sleep 0.1
	done
	expect_eq "inspect" running "$(runtime_podman inspect -f '{{.State.Status}}' "$id")" || { runtime_cleanup "$id"; return 1; }
	runtime_podman ps --format '{{.ID}}' | grep -q "^$(echo "$id" | cut -c1-12)" || { fail "podman ps does not list it"; runtime_cleanup "$id"; return 1; }
	runtime_podman kill "$id" >/dev/null 2>err || { fail "kill: $(cat err)"; runtime_cleanup "$id"; return 1; }
	for _ in $(seq 100); do
		[ "$(runtime_podman inspect -f '{{.State.Status}}' "$id")" = exited ] && break
		sleep 0.1
	done
	expect_eq "after podman kill" "exited 137" "$(runtime_podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")" ||
		{ runtime_cleanup "$id"; return 1; }
	runtime_podman rm -f "$id" >/dev/null 2>&1
	runtime_expect_gone "$id" || { runtime_cleanup; return 1; }
	# podman stop: SIGTERM, which krunsh answers by stopping the VM.
	id=$(runtime_podman run -d --network none "$IMAGE" sleep 100 2>err) || { fail "run -d: $(cat err)"; runtime_cleanup; return 1; }
	sleep 3
	started=$(date +%s)
	runtime_podman stop -t 20 "$id" >/dev/null 2>err || { fail "stop: $(cat err)"; runtime_cleanup "$id"; return 1; }
	took=$(($(date +%s) - started))
	[ "$took" -lt 20 ] || { fail "podman stop needed its timeout (${took} s): SIGTERM was not enough"; runtime_cleanup "$id"; return 1; }
	expect_eq "after podman stop" "exited 143" "$(runtime_podman inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$id")" ||
		{ runtime_cleanup "$id"; return 1; }
	runtime_podman rm -f "$id" >/dev/null 2>&1
	runtime_expect_gone "$id" || { runtime_cleanup; return 1; }
	runtime_cleanup
}

# podman run -it: conmon's console socket gets the master of a pty whose
# slave is krunsh's stdio; krunsh gives the guest program a terminal. In a
# real terminal (tmux): a prompt, a command, exit 3 as podman's status.
test_podman_run_it_gives_a_terminal() {
	runtime_setup || return $?
	command -v tmux >/dev/null || { skip "tmux is not installed"; runtime_cleanup; return; }
	server=krunsh-oci-test-$$
	tmux -L "$server" new-session -d -x 80 -y 24 \
		"podman --runtime '$BUILD_DIR/krunsh-oci' run --rm -it --network none '$IMAGE' sh; echo \$? >'$PWD/status'; sleep 60" ||
		{ fail "tmux failed"; runtime_cleanup; return 1; }
	r=0
	for _ in $(seq 600); do tmux -L "$server" capture-pane -p | grep -q '^/ #' && break; sleep 0.1; done
	tmux -L "$server" capture-pane -p | grep -q '^/ #' || { fail "no prompt: $(tmux -L "$server" capture-pane -p)"; r=1; }
	if [ $r = 0 ]; then
		tmux -L "$server" send-keys 'echo $((6*7))' Enter
		for _ in $(seq 100); do tmux -L "$server" capture-pane -p | grep -qx 42 && break; sleep 0.1; done
		tmux -L "$server" capture-pane -p | grep -qx 42 || { fail "no 42: $(tmux -L "$server" capture-pane -p)"; r=1; }
		tmux -L "$server" send-keys 'exit 3' Enter
		for _ in $(seq 200); do [ -s status ] && break; sleep 0.1; done
		expect_eq "podman's exit status" 3 "$(cat status 2>/dev/null)" || r=1
	fi
	tmux -L "$server" kill-server 2>/dev/null
	runtime_cleanup
	return $r
}

# The runtime's own command line, without podman: what a caller that
# misuses it gets.
test_oci_runtime_refuses_bad_calls() {
	R="$BUILD_DIR/krunsh-oci"
	root=$TEST_SCRATCH/state
	"$R" --root "$root" state nosuch >out 2>err
	expect_eq "state of nothing" 1 "$?" || return 1
	grep -q 'container nosuch does not exist' err || fail "state: $(cat err)" || return 1
	"$R" --root "$root" create --bundle "$TEST_SCRATCH/none" '../x' >out 2>err
	expect_eq "create with a bad bundle" 1 "$?" || return 1
	"$R" --root "$root" frobnicate x >out 2>err
	expect_eq "unknown command" 1 "$?" || return 1
	"$R" --root "$root" --log "$TEST_SCRATCH/log.json" --log-format json start nosuch >out 2>err
	grep -q '"level":"error","msg":"container nosuch does not exist"' "$TEST_SCRATCH/log.json" ||
		fail "json log: $(cat "$TEST_SCRATCH/log.json")" || return 1
	"$R" features >out || return 1
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' out || fail "features is not JSON"
}

# containerd's runc shim (io.containerd.runc.v2) with krunsh-oci as its
# runc binary, through Debian's ctr against a containerd of the test's own.
test_containerd_ctr_run_uses_it_as_its_runc() {
	only_engine qemu || { skip "containerd runs krunsh with its default engine: checked on qemu"; return; }
	for tool in containerd ctr containerd-shim-runc-v2 umoci skopeo; do
		command -v $tool >/dev/null || { skip "$tool is not installed (setup.sh installs it)"; return; }
	done
	[ "$(id -u)" = 0 ] || { skip "containerd needs root"; return; }
	if ! [ -x /bin/busybox ] || ! dpkg -S /bin/busybox 2>/dev/null | grep -q busybox-static; then
		skip "no static /bin/busybox (busybox-static) to build an image from"
		return
	fi
	export KRUNSH_AGENT="$BUILD_DIR/krunsh-agent"
	c=$TEST_SCRATCH/ctd
	mkdir -p "$c"
	printf 'version = 2\nroot = "%s/root"\nstate = "%s/state"\n[grpc]\n  address = "%s/sock"\n' "$c" "$c" "$c" >"$c/config.toml"
	containerd --config "$c/config.toml" >"$c/log" 2>&1 &
	daemon=$!
	(
		set -e
		umoci init --layout lay
		umoci new --image lay:bb
		umoci unpack --image lay:bb work
		mkdir -p work/rootfs/bin
		cp /bin/busybox work/rootfs/bin/busybox
		for applet in sh cat echo sleep grep; do ln -s busybox "work/rootfs/bin/$applet"; done
		umoci repack --image lay:bb work
		skopeo copy --quiet oci:lay:bb "docker-archive:$PWD/bb.tar:krunsh/bb:1"
	) >"$c/image.log" 2>&1 || { fail "no test image: $(tail -n2 "$c/image.log")"; kill $daemon; return 1; }
	ctr_() { ctr -a "$c/sock" "$@"; }
	for _ in $(seq 100); do ctr_ version >/dev/null 2>&1 && break; sleep 0.1; done
	ctr_ image import bb.tar >/dev/null 2>"$c/import.log" ||
		{ fail "ctr image import: $(tail -n1 "$c/import.log")"; kill $daemon; return 1; }
	mkdir -p shared && echo from-host >shared/f
	ctr_ run --rm --runc-binary "$BUILD_DIR/krunsh-oci" --env FOO=bar --memory-limit 314572800 \
		--mount "type=bind,src=$PWD/shared,dst=/shared,options=rbind:ro" docker.io/krunsh/bb:1 t1 \
		sh -c 'echo $FOO; cat /shared/f; grep -c MemTotal /proc/meminfo; exit 7' >out 2>err
	rc=$?
	r=0
	expect_eq "ctr run: exit status" 7 "$rc" || { cat err >&2; r=1; }
	[ $r = 0 ] && { expect_eq "ctr run: output" "bar
from-host
1" "$(cat out)" || r=1; }
	# A killed task: 137, and nothing of it left.
	if [ $r = 0 ]; then
		ctr_ run -d --runc-binary "$BUILD_DIR/krunsh-oci" docker.io/krunsh/bb:1 t2 sleep 100 >/dev/null 2>err || { fail "run -d: $(cat err)"; r=1; }
		for _ in $(seq 300); do ctr_ task ls 2>/dev/null | grep -q 't2 .*RUNNING' && break; sleep 0.1; done
		sleep 2
		ctr_ task kill -s SIGKILL t2 2>err || { fail "task kill: $(cat err)"; r=1; }
		for _ in $(seq 100); do ctr_ task ls 2>/dev/null | grep -q 't2 .*STOPPED' && break; sleep 0.1; done
		status=$(ctr_ task ls 2>/dev/null | awk '$1 == "t2" {print $3}')
		expect_eq "killed task" STOPPED "$status" || r=1
		ctr_ task rm t2 >/dev/null 2>&1
		ctr_ container rm t2 >/dev/null 2>&1
		! pgrep -f -- "--bundle $c/state/io.containerd.runtime.v2.task/default/t2" >/dev/null ||
			{ fail "t2's krunsh still runs"; r=1; }
	fi
	kill $daemon
	wait $daemon 2>/dev/null
	pkill -f "containerd-shim-runc-v2 -namespace default -address $c/sock" 2>/dev/null
	return $r
}
