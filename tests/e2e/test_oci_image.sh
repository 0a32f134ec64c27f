# krunsh --image REF: a local container image (an OCI layout, a save
# archive, podman's storage), unpacked once by umoci into a cache keyed by
# its manifest digest, booted read-only with the overlay; its Entrypoint,
# Cmd, Env, WorkingDir and User apply as podman run applies them. Images
# are built here with umoci from static busybox: no registry is used.

# image_make LAYOUT: tags "app" (Entrypoint + Cmd) and "shell" (neither),
# two layers, the second deleting a file and replacing a directory.
image_make() {
	command -v umoci >/dev/null || { skip "umoci is not installed (setup.sh installs it)"; return; }
	if ! [ -x /bin/busybox ] || ! dpkg -S /bin/busybox 2>/dev/null | grep -q busybox-static; then
		skip "no static /bin/busybox (busybox-static) to build an image from"
		return
	fi
	(
		set -e
		umoci init --layout "$1"
		umoci new --image "$1:base"
		umoci unpack --image "$1:base" work
		mkdir -p work/rootfs/bin work/rootfs/etc work/rootfs/d work/rootfs/w
		cp /bin/busybox work/rootfs/bin/busybox
		for applet in sh ls cat echo id pwd touch; do ln -s busybox "work/rootfs/bin/$applet"; done
		echo "u:x:1000:1000::/w:/bin/sh" >work/rootfs/etc/passwd
		echo gone >work/rootfs/etc/gone
		echo a >work/rootfs/d/a
		echo b >work/rootfs/d/b
		umoci repack --image "$1:one" work
		rm -rf work/rootfs/etc/gone work/rootfs/d
		mkdir work/rootfs/d && echo c >work/rootfs/d/c
		umoci repack --image "$1:shell" work
		umoci config --image "$1:shell" --config.env FOO=img --config.workingdir /w --config.user u
		umoci config --image "$1:shell" --tag app --config.entrypoint /bin/echo \
			--config.entrypoint entry --config.cmd default
		rm -rf work
	) >/dev/null 2>&1 || { fail "umoci could not build the test image"; return 1; }
}

image_cache_entries() {
	ls "$XDG_CACHE_HOME/krunsh/images" 2>/dev/null | grep -c '^[0-9a-f]\{64\}$'
}

test_image_runs_as_podman_run_would() {
	needs_a_guest || return $?
	export XDG_CACHE_HOME=$TEST_SCRATCH/cache
	image_make "$PWD/lay" || return $?
	# No command given: lines on stdin run in the image, as its user, in
	# its WorkingDir, with its Env; the second layer's deletions hold.
	printf '%s\n' 'id -u; pwd; echo $FOO' 'cat /etc/gone 2>/dev/null || echo gone' 'ls /d' |
		ks --image "oci:$PWD/lay:shell" -V >out 2>err
	rc=$?
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "lines in the image" "1000
/w
img
gone
c" "$(cat out)" || return 1
	grep -q 'image oci:.*:shell: sha256:[0-9a-f]* unpacked' err || fail "no unpack said: $(cat err)" || return 1
	# A bare -- runs Entrypoint + Cmd; -- ARGS replaces Cmd only.
	ks --image "oci:$PWD/lay:app" -- >out 2>err || { fail "app: $(cat err)"; return 1; }
	expect_eq "Entrypoint + Cmd" "entry default" "$(cat out)" || return 1
	ks --image "oci:$PWD/lay:app" -- x y >out 2>err || { fail "app args: $(cat err)"; return 1; }
	expect_eq "Entrypoint + ARGS" "entry x y" "$(cat out)" || return 1
	# Flags win; a second run of a tag reuses the unpacked tree.
	echo 'id -u; pwd; echo $FOO' | ks --image "oci:$PWD/lay:shell" -V -u 0 -w / -e FOO=flag >out 2>err
	expect_eq "flags win" "0
/
flag" "$(cat out)" || { cat err >&2; return 1; }
	grep -q 'sha256:[0-9a-f]* cached' err || fail "the second run unpacked again: $(cat err)" || return 1
	expect_eq "cache entries (shell and app share no manifest)" 2 "$(image_cache_entries)"
}

test_image_from_a_save_archive_is_cached_by_its_digest() {
	needs_a_guest || return $?
	command -v skopeo >/dev/null || { skip "skopeo is not installed (setup.sh installs it)"; return; }
	export XDG_CACHE_HOME=$TEST_SCRATCH/cache
	image_make "$PWD/lay" || return $?
	skopeo copy --quiet "oci:$PWD/lay:app" "docker-archive:$PWD/app.tar:krunsh/app:1" ||
		{ fail "skopeo could not write a docker archive"; return 1; }
	for run in 1 2; do
		ks --image "docker-archive:$PWD/app.tar" -V -- >out 2>err
		expect_eq "run $run" "entry default" "$(cat out)" || { cat err >&2; return 1; }
	done
	grep -q 'cached' err || fail "the archive was unpacked twice: $(cat err)" || return 1
	expect_eq "one cache entry" 1 "$(image_cache_entries)" || return 1
	ls "$XDG_CACHE_HOME/krunsh/images" | grep -v '^[0-9a-f]\{64\}\(\.lock\)\?$' | grep -q . &&
		fail "left in the cache: $(ls "$XDG_CACHE_HOME/krunsh/images")"
	return 0
}

test_image_cache_is_safe_concurrently_and_prunable() {
	needs_a_guest || return $?
	export XDG_CACHE_HOME=$TEST_SCRATCH/cache
	image_make "$PWD/lay" || return $?
	ks --image "oci:$PWD/lay:app" -V -- one >out1 2>err1 &
	a=$!
	ks --image "oci:$PWD/lay:app" -V -- two >out2 2>err2 &
	b=$!
	wait $a
	ra=$?
	wait $b
	rb=$?
	expect_eq "both ran" "0 0" "$ra $rb" || { cat err1 err2 >&2; return 1; }
	expect_eq "outputs" "entry one entry two" "$(cat out1) $(cat out2)" || return 1
	expect_eq "unpacked once" 1 "$(cat err1 err2 | grep -c 'sha256:[0-9a-f]* unpacked')" || return 1
	# A run holds its entry: a prune meanwhile keeps it.
	echo 'sleep 6' | ks --image "oci:$PWD/lay:shell" >/dev/null 2>&1 &
	c=$!
	for _ in $(seq 100); do [ "$(image_cache_entries)" = 2 ] && break; sleep 0.1; done
	sleep 1
	"$KRUNSH" --image-prune >out 2>err
	expect_eq "prune while one runs" "krunsh: removed 1 unpacked image not in use" "$(cat out)" ||
		{ cat err >&2; return 1; }
	wait $c
	"$KRUNSH" --image-prune >out 2>err
	expect_eq "prune after" "krunsh: removed 1 unpacked image not in use" "$(cat out)" || return 1
	expect_eq "cache empty" 0 "$(image_cache_entries)"
}

# Refused before anything starts: every engine, the double too.
test_image_refuses_bad_references_and_tampered_blobs() {
	export XDG_CACHE_HOME=$TEST_SCRATCH/cache
	image_make "$PWD/lay" || return $?
	for ref in "docker://debian" "oci:$PWD/lay:nosuch" "oci:$PWD/nowhere" "" "a b"; do
		ks --image "$ref" -c true >out 2>err
		rc=$?
		expect_eq "--image '$ref': exit status" 125 "$rc" || { cat err >&2; return 1; }
		expect_eq "--image '$ref': one line" 1 "$(wc -l <err)" || { cat err >&2; return 1; }
	done
	grep -q 'no tag nosuch' err || true
	ks --image "oci:$PWD/lay:nosuch" -c true 2>err
	grep -q 'no tag nosuch in' err || fail "missing tag: $(cat err)" || return 1
	# The config blob changed behind the manifest's back.
	config=$(python3 -c 'import json,sys; l=sys.argv[1]; i=json.load(open(l+"/index.json")); m=[x for x in i["manifests"] if x["annotations"]["org.opencontainers.image.ref.name"]=="app"][0]; d=json.load(open(l+"/blobs/sha256/"+m["digest"][7:])); print(d["config"]["digest"][7:])' "$PWD/lay")
	chmod u+w "lay/blobs/sha256/$config"
	printf ' ' >>"lay/blobs/sha256/$config"
	ks --image "oci:$PWD/lay:app" -- >out 2>err
	expect_eq "tampered: exit status" 125 "$?" || return 1
	grep -q 'does not match its digest' err || fail "tampered: $(cat err)" || return 1
	"$KRUNSH" --image-prune --image "oci:$PWD/lay:app" >out 2>err
	expect_eq "--image-prune with work: exit status" 125 "$?"
}

# An image in podman's local storage, by its bare name (as podman run
# finds it); put there with skopeo, removed after.
test_image_from_podmans_storage_by_name() {
	needs_a_guest || return $?
	command -v skopeo >/dev/null || { skip "skopeo is not installed (setup.sh installs it)"; return; }
	export XDG_CACHE_HOME=$TEST_SCRATCH/cache
	image_make "$PWD/lay" || return $?
	name=localhost/krunsh-test-$$:app
	if ! skopeo copy --quiet "oci:$PWD/lay:app" "containers-storage:$name" >copy.log 2>&1; then
		skip "no containers storage to put a test image in here: $(tail -n1 copy.log)"
		return
	fi
	ks --image "$name" -- from-storage >out 2>err
	rc=$?
	skopeo delete "containers-storage:$name" >/dev/null 2>&1
	expect_eq "exit status" 0 "$rc" || { cat err >&2; return 1; }
	expect_eq "output" "entry from-storage" "$(cat out)"
}
