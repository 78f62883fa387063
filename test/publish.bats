#!/usr/bin/env bats
# Publishing a run is atomic as a whole: killed at any step (SIGKILL, as a
# Jenkins abort that times out or the OOM killer would), the output
# directory holds a whole run whose manifest verifies, or no report at all;
# and the next run starts clean.
bats_require_minimum_version 1.5.0
load test_helper

NOW=2026-11-26T06:00:00Z
SHIM="$ROOT/build/test/kill-shim.so"

setup() {
	common_setup
	[[ -f $SHIM ]] || fail "$SHIM is missing: run make test (it builds the shim)"
	start_fake_api --seed 7 --accounts 2 --devices 40 --vlans 8 --now "$NOW" --drift 0.1 \
		--credentials cred.json
	jq '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"}}' cred.json >alc.json
	export SL_KEY_1000001 SL_KEY_1000002 SOS_TOKEN
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	SL_KEY_1000002=$(jq -r '.softlayer.accounts[1].api_key' cred.json)
	SOS_TOKEN=$(jq -r .sos.token cred.json)
	mkdir area
}
teardown() { common_teardown; }

# killed_at K: a run into area/out, killed at its Kth change of the tree
# under area/ (0: never); its exit status.
killed_at() {
	local rc=0
	# (a sanitizer build wants its runtime first; the shim is plain C)
	LD_PRELOAD=$SHIM KILL_DIR=$PWD/area KILL_COUNTER=$BATS_TEST_TMPDIR/kill.count \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		KILL_AT=$1 sos-reconcile --config alc.json --now "$NOW" -o area/out >/dev/null 2>&1 || rc=$?
	return "$rc"
}

# The invariant: a whole run whose manifest verifies and lists every file,
# or no report, no manifest and no stream of a run.
check_whole_or_nothing() { # CONTEXT
	local out=area/out
	if [[ -f $out/manifest.json ]]; then
		(cd "$out" && jq -r '.files[] | "\(.sha256)  \(.path)"' manifest.json | sha256sum -c --quiet) ||
			fail "$1: the manifest does not verify"
		local listed present
		listed=$(jq -r '.files[].path' "$out/manifest.json" | sort)
		present=$(cd "$out" && find . -type f ! -name manifest.json ! -name '.*' | sed 's|^\./||' | sort)
		[[ $listed == "$present" ]] || fail "$1: files and manifest differ: $present / $listed"
		[[ -f $out/report.txt && -f $out/report.json ]] || fail "$1: a manifest without its reports"
	else
		local f
		for f in report.txt report.json discrepancies.ndjson run.log softlayer.ndjson raw/sos.ndjson; do
			[[ ! -e $out/$f ]] || fail "$1: $f without a manifest"
		done
	fi
}

@test "killed at every step of a run's changes to the output, the output is a whole run or no run" {
	# a normal run counts its steps; a second one, over the first run's
	# files, has the removal of those too
	run -1 killed_at 0
	rm -f "$BATS_TEST_TMPDIR/kill.count"
	run -1 killed_at 0
	local total k
	total=$(stat -c %s "$BATS_TEST_TMPDIR/kill.count")
	((total >= 4)) || fail "only $total steps counted: the shim does not see the run"
	# every kill starts from the same state: a whole run in area/out
	cp -a area area.ok
	for ((k = 1; k <= total; k++)); do
		rm -rf area "$BATS_TEST_TMPDIR/kill.count"
		cp -a area.ok area
		run -137 killed_at "$k"
		check_whole_or_nothing "killed at step $k of $total"
	done
	# the next run cleans up what a killed run left: killed before the
	# swap, its work directory and the previous run set aside are there
	rm -rf area "$BATS_TEST_TMPDIR/kill.count"
	cp -a area.ok area
	run -137 killed_at $((total - 2))
	[[ -n $(find area -mindepth 1 -maxdepth 1 -name '.out.run.*') ]]
	rm -f "$BATS_TEST_TMPDIR/kill.count"
	run -1 killed_at 0
	check_whole_or_nothing "the run after the last kill"
	[[ -f area/out/manifest.json ]] || fail "the run after the last kill published nothing"
	[[ -z $(find area -mindepth 1 -maxdepth 1 -name '.out.*' ! -name .out.lock) ]] ||
		fail "a killed run's directory was left: $(ls -A area)"
}

@test "a manifest that cannot be written publishes nothing, exit 9" {
	run -1 sos-reconcile --config alc.json --now "$NOW" -o area/out
	# a manifest whose write fails, as on a full disk: the real program
	# with its output on /dev/full
	mkdir -p area/stub
	printf '#!/bin/sh\nexec "%s/sosr-manifest" "$@" >/dev/full\n' "$ROOT/bin" >area/stub/sosr-manifest
	chmod +x area/stub/sosr-manifest
	PATH="$PWD/area/stub:$PATH" run -9 sos-reconcile --config alc.json --now "$NOW" -o area/out
	assert_output --partial "sosr-manifest: error: cannot write standard output"
	assert_output --partial "sos-reconcile: error: cannot write the manifest or publish the run"
	check_whole_or_nothing "a failed manifest"
	[[ ! -e area/out/manifest.json && ! -e area/out/report.txt ]]
}
