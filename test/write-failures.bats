#!/usr/bin/env bats
# Write failures: every stage with its standard output on /dev/full fails
# with exit 9 (SOSR_EXIT_IO) and a message naming what could not be
# written; the fetchers' spool and the simulator's estate in a full
# directory; the driver on a full output directory fails closed.
#
# A full directory is build/test/enospc-shim.so (test/unit/enospc-shim.c,
# LD_PRELOAD, no privileges): files opened for writing under $ENOSPC_DIR
# get a descriptor on /dev/full; $ENOSPC_SKIP lets the first K through.
# docs/RELIABILITY.md, "Write failures", has the results.

bats_require_minimum_version 1.5.0
load test_helper
load fixtures/fetch/helper

setup() { common_setup; }
teardown() { common_teardown; }

SHIM="$BATS_TEST_DIRNAME/../build/test/enospc-shim.so"
NOW=2026-11-26T06:00:00Z
FULL_MSG="cannot write standard output; check free space on the output disk: No space left on device"

# to_full CMD... - run CMD with its standard output on /dev/full.
to_full() { "$@" >/dev/full; }

# in_full DIR [SKIP] CMD... - run CMD with DIR full (after SKIP opens).
# A sanitizer build links libasan dynamically (gcc), which wants to be
# first in the library list: the shim is preloaded before it, harmlessly.
in_full() {
	local dir=$1 skip=$2
	shift 2
	[[ -f $SHIM ]] || fail "$SHIM is missing: run make test (it builds the shim)"
	LD_PRELOAD=$SHIM ENOSPC_DIR=$dir ENOSPC_SKIP=$skip ENOSPC_COUNTER=$BATS_TEST_TMPDIR/enospc.count \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}

@test "sosr-fetch-softlayer: standard output on /dev/full: exit 9, says so" {
	sim_start --seed 5 --devices 30 --vlans 6
	run -9 --separate-stderr to_full sosr-fetch-softlayer --config "$CFG" -q
	assert_equal "$stderr" "sosr-fetch-softlayer: error: $FULL_MSG"
}

@test "sosr-fetch-sos: standard output on /dev/full: exit 9, says so" {
	sim_start --seed 5 --devices 30 --vlans 6
	run -9 --separate-stderr to_full sosr-fetch-sos --c-code ALC -q
	assert_equal "$stderr" "sosr-fetch-sos: error: $FULL_MSG"
}

@test "both fetchers: the spool in a full TMPDIR: exit 9, nothing printed, names the spool" {
	sim_start --seed 5 --devices 30 --vlans 6
	mkdir tmp
	TMPDIR=$PWD/tmp run -9 --separate-stderr in_full "$PWD/tmp" 0 sosr-fetch-sos --c-code ALC -q
	[ -z "$output" ]
	# the first collection whose page arrives first: devices or vlans
	[[ $stderr == "sosr-fetch-sos: error: cannot use the spool file of C_Code ALC "@(devices|vlans)"; check free space in TMPDIR (or /tmp): No space left on device" ]]
	TMPDIR=$PWD/tmp run -9 --separate-stderr in_full "$PWD/tmp" 0 \
		sosr-fetch-softlayer --config "$CFG" -q --types hardware
	[ -z "$output" ]
	[[ $stderr == "sosr-fetch-softlayer: error: cannot use the spool file of account "@(1000001|1000002)" hardware; check free space in TMPDIR (or /tmp): No space left on device" ]]
}

@test "sosr-normalize, sosr-diff: standard output on /dev/full: exit 9, says so" {
	sim_start --seed 5 --devices 30 --vlans 6 --drift 0.2
	run -9 --separate-stderr to_full sosr-normalize "$ESTATE/raw/softlayer.ndjson"
	assert_equal "$stderr" "sosr-normalize: error: $FULL_MSG"
	sosr-normalize "$ESTATE/raw/softlayer.ndjson" >sl.ndjson
	sosr-normalize "$ESTATE/raw/sos.ndjson" >sos.ndjson
	run -9 --separate-stderr to_full sosr-diff --now "$NOW" sl.ndjson sos.ndjson
	assert_equal "$stderr" "sosr-diff: error: $FULL_MSG"
}

@test "sosr-render (text, json, --failure), sosr-alert (dry run and delivery): standard output on /dev/full: exit 9" {
	start_fake_api --seed 5 --devices 30 --vlans 6 --drift 0.2 --now "$NOW" \
		--write-estate estate --credentials cred.json
	sosr-normalize estate/raw/softlayer.ndjson >sl.ndjson
	sosr-normalize estate/raw/sos.ndjson >sos.ndjson
	# (drift 0.2: findings, exit 1)
	exits 1 sosr-diff --now "$NOW" sl.ndjson sos.ndjson >d.ndjson
	local fmt
	for fmt in text json; do
		run -9 --separate-stderr to_full sosr-render -f "$fmt" d.ndjson
		assert_equal "$stderr" "sosr-render: error: $FULL_MSG"
	done
	run -9 --separate-stderr to_full sosr-render --failure fetch-sos:5:down
	assert_equal "$stderr" "sosr-render: error: $FULL_MSG"
	exits 1 sosr-render -f json d.ndjson >report.json
	run -9 --separate-stderr to_full sosr-alert --dry-run --webhook report.json
	assert_equal "$stderr" "sosr-alert: error: $FULL_MSG"
	# delivered, then the line that says so cannot be written: still 9
	SOS_RECONCILE_WEBHOOK_URL=$(jq -r .alerts.webhook_url cred.json) \
		run -9 --separate-stderr to_full sosr-alert --webhook report.json
	assert_equal "$stderr" "sosr-alert: error: $FULL_MSG"
}

@test "sosr-fake-api --write-estate into a full directory: exit 9, names the file" {
	mkdir full
	run -9 --separate-stderr in_full "$PWD/full" 0 \
		sosr-fake-api --seed 3 --devices 20 --vlans 4 --write-estate full/e --no-serve
	assert_equal "$stderr" "sosr-fake-api: error: cannot write 'full/e/estate.json.tmp'; check free space: No space left on device"
	[[ ! -e full/e/estate.json ]]
}

# The driver with its output directory filling up at its Kth file open
# (K = 0, then every few opens up to the last of a normal run): exit 9
# with a message naming the directory, never a report or a manifest in it.
@test "sos-reconcile: a full output directory, at every point of the run: exit 9, says so, publishes nothing" {
	start_fake_api --seed 7 --accounts 2 --devices 40 --vlans 8 --now "$NOW" --credentials cred.json
	jq '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"}}' cred.json >alc.json
	export SL_KEY_1000001 SL_KEY_1000002 SOS_TOKEN
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	SL_KEY_1000002=$(jq -r '.softlayer.accounts[1].api_key' cred.json)
	SOS_TOKEN=$(jq -r .sos.token cred.json)
	# a normal run into the shimmed area (the output directory, its work
	# directory and its lock) counts its opens
	mkdir area
	run -1 in_full "$PWD/area" 100000 sos-reconcile --config alc.json --now "$NOW" -o area/out
	local total k rc
	total=$(stat -c %s "$BATS_TEST_TMPDIR/enospc.count")
	((total > 4))
	for ((k = 0; k < total; k += 3)); do
		rm -rf area "$BATS_TEST_TMPDIR/enospc.count"
		mkdir area
		rc=0
		in_full "$PWD/area" "$k" sos-reconcile --config alc.json --now "$NOW" -o area/out >console 2>&1 || rc=$?
		((rc == 9)) || fail "full after $k opens: exit $rc, not 9"
		grep -qxF "sos-reconcile: error: cannot write in the output directory '$PWD/area/out'; check free space on its disk" console ||
			fail "full after $k opens: no message naming the directory"
		for f in report.txt report.json manifest.json discrepancies.ndjson; do
			[[ ! -s area/out/$f ]] || fail "full after $k opens: area/out/$f was published (exit $rc)"
		done
	done
}
