#!/usr/bin/env bats
# sosr-fetch-sos against the simulator: byte-equal to the estate's raw
# stream, complete or failing with the documented code and the runbook's
# words.

bats_require_minimum_version 1.5.0
load test_helper
load fixtures/fetch/helper

setup() { common_setup; }
teardown() { common_teardown; }

@test "the estate's SOS records, byte for byte, whatever the page size and concurrency" {
	sim_start --seed 3 --accounts 2 --devices 300 --vlans 30
	sosr-fetch-sos --c-code ALC -q >default.ndjson
	sosr-fetch-sos --c-code ALC -q -p 7 -j 1 >one.ndjson
	sosr-fetch-sos --c-code ALC -q -p 7 -j 16 >many.ndjson
	cmp default.ndjson "$ESTATE/raw/sos.ndjson"
	cmp one.ndjson "$ESTATE/raw/sos.ndjson"
	cmp many.ndjson "$ESTATE/raw/sos.ndjson"
}

@test "progress: one line per type with counts; --quiet silences it" {
	sim_start --seed 3 --devices 40 --vlans 8
	run -0 --separate-stderr sosr-fetch-sos --c-code ALC -p 10
	[[ $stderr == *"sosr-fetch-sos: C_Code ALC devices: "*" records in "*" pages, 0 retries"* ]]
	[[ $stderr == *"sosr-fetch-sos: C_Code ALC vlans: "*" records in "*" pages, 0 retries"* ]]
	run -0 --separate-stderr sosr-fetch-sos --c-code ALC --quiet
	[ -z "$stderr" ]
}

@test "progress off a terminal: a line every --progress while pages come, with rate and retries; 0 and --quiet silence it" {
	sim_start --seed 3 --devices 200 --vlans 8 --fault latency:150ms,target=sos --fault 503,nth=4,target=sos
	run -0 --separate-stderr sosr-fetch-sos --c-code ALC -p 10 -j 2 --progress 300ms
	local n
	n=$(grep -c '^sosr-fetch-sos: progress: ' <<<"$stderr")
	((n >= 2)) || fail "only $n progress lines in a fetch of over a second: $stderr"
	[[ $stderr =~ progress:\ [0-9]+\ records,\ [0-9]+\ pages,\ [0-9.]+\ requests\ a\ second,\ [0-9]+\ retries,\ [0-9]\ of\ 2\ collections\ done ]] ||
		fail "a progress line without its counts: $stderr"
	grep -q 'progress: .* 1 retries' <<<"$stderr" || fail "the retry is not counted: $stderr"
	run -0 --separate-stderr sosr-fetch-sos --c-code ALC -p 10 -j 2 --progress 0
	refute grep -q 'progress:' <<<"$stderr"
	run -0 --separate-stderr sosr-fetch-sos --c-code ALC -p 10 -j 2 --progress 300ms --quiet
	[ -z "$stderr" ]
	run -2 sosr-fetch-sos --c-code ALC --progress 2d
}

@test "paging edges: exact multiple, a last page of one" {
	sim_start --seed 8 --devices 60 --vlans 9
	local n
	n=$(jq -c 'select(.type == "vlan")' "$ESTATE/raw/sos.ndjson" | wc -l)
	for p in "$n" $((n - 1)) 3 2; do
		run -0 --separate-stderr sosr-fetch-sos --c-code ALC -p "$p"
		diff <(printf '%s\n' "$output") "$ESTATE/raw/sos.ndjson"
	done
}

@test "the URL, token and contract from the configuration; SOS_URL and SOS_TOKEN win" {
	sim_start --seed 3 --devices 40 --vlans 8
	printf '%s\n' "$CANARY_TOKEN" >tokenfile
	jq -n --arg u "$SOS_URL" --arg f "$PWD/tokenfile" '{c_code: "ALC", sos: {url: $u, token_file: $f,
	    auth_header: "Authorization", auth_scheme: "Bearer", devices_path: "/api/v1/inventory/devices",
	    c_code_param: "c_code", offset_param: "offset", limit_param: "limit", total_field: "total",
	    items_field: "items", page_size: 9, concurrency: 2, allow_empty: false}}' >sos.json
	unset SOS_URL SOS_TOKEN
	run -0 --separate-stderr sosr-fetch-sos --config sos.json
	diff <(printf '%s\n' "$output") "$ESTATE/raw/sos.ndjson"
	# SOS_TOKEN_FILE is the twin of SOS_TOKEN; a wrong SOS_TOKEN wins over the file
	SOS_TOKEN=wrong run -3 --separate-stderr sosr-fetch-sos --config sos.json
	[[ $stderr == *"SOS_TOKEN was rejected; check that it is still valid"* ]]
	# a contract the server does not speak: a 404 naming what to check
	jq '.sos.devices_path = "/api/v2/devices"' sos.json >v2.json
	run -5 --separate-stderr sosr-fetch-sos --config v2.json
	[[ $stderr == *"error: HTTP 404 from SOS for C_Code ALC on "*"/api/v2/devices"*"check the C_Code and the SOS URL and paths"* ]]
}

@test "401: SOS_TOKEN rejected, exit 3, not retried" {
	sim_start --seed 3 --devices 40 --vlans 8
	SOS_TOKEN=expired-token run -3 --separate-stderr sosr-fetch-sos --c-code ALC
	[ -z "$output" ]
	[[ $stderr == "sosr-fetch-sos: error: HTTP 401 from SOS for C_Code ALC on $SOS_URL/api/v1/inventory/"*": SOS_TOKEN was rejected; check that it is still valid" ]]
	# devices and VLANs are asked for at once: the second request may leave
	# before the first 401 ends the fetch, so 1 or 2 requests; none twice
	[ "$(sim_requests)" -le 2 ]
	[ "$(sim_requests '.status != 401')" -eq 0 ]
	[ "$(jq -r '.path + "?" + .query' "$SIMLOG" | sort | uniq -d | wc -l)" -eq 0 ]
}

@test "403 for a C_Code the token may not read, 404 for an unknown one" {
	sim_start --seed 3 --devices 40 --vlans 8
	run -3 --separate-stderr sosr-fetch-sos --c-code ALC_WAT
	[[ $stderr == *"error: HTTP 403 from SOS for C_Code ALC_WAT"*"check that SOS_TOKEN is still valid and is granted ALC_WAT"* ]]
	run -5 --separate-stderr sosr-fetch-sos --c-code NOPE
	[[ $stderr == *"error: HTTP 404 from SOS for C_Code NOPE"* ]]
}

@test "an expiring token mid-fetch: exit 3, nothing printed" {
	sim_start --seed 3 --devices 200 --vlans 30 --fault expire:3,target=sos
	run -3 --separate-stderr sosr-fetch-sos --c-code ALC -p 10
	[ -z "$output" ]
	[[ $stderr == *"SOS_TOKEN was rejected; check that it is still valid"* ]]
}

@test "zero devices is an error unless --allow-empty" {
	sim_start --seed 3 --devices 0 --vlans 5
	run -6 --separate-stderr sosr-fetch-sos --c-code ALC
	[ -z "$output" ]
	[[ $stderr == *"error: no records for C_Code ALC devices"*"check the C_Code, or pass --allow-empty if that is expected"* ]]
	run -0 --separate-stderr sosr-fetch-sos --c-code ALC --allow-empty
	diff <(printf '%s\n' "$output") "$ESTATE/raw/sos.ndjson"
}

@test "usage: the C_Code is required and validated, the token never from argv" {
	run -2 sosr-fetch-sos
	assert_output --partial "error: --c-code: required"
	run -2 sosr-fetch-sos --c-code alc
	assert_output --partial "error: --c-code: 'alc' is not a C_Code"
	run -2 sosr-fetch-sos --c-code 'ALC;rm'
	assert_output --partial "is not a C_Code"
	SOS_URL=http://127.0.0.1:9 run -2 sosr-fetch-sos --c-code ALC
	assert_output --partial "error: no SOS token: SOS_TOKEN (or SOS_TOKEN_FILE) is not set"
	SOS_TOKEN=x run -2 sosr-fetch-sos --c-code ALC
	assert_output --partial "error: no SOS URL: set SOS_URL"
	SOS_TOKEN=x SOS_TOKEN_FILE=/dev/null run -2 sosr-fetch-sos --c-code ALC --url http://127.0.0.1:9
	assert_output --partial "error: both SOS_TOKEN and SOS_TOKEN_FILE are set"
	run -2 sosr-fetch-sos --c-code ALC --token abc
	run -0 sosr-fetch-sos --help
	assert_output --partial "3  token rejected (HTTP 401/403): check that SOS_TOKEN is still valid"
	run -0 sosr-fetch-sos --version
}

@test "DNS failure and refused connection: exit 4, the network path and a rerun" {
	SOS_TOKEN=$CANARY_TOKEN run -4 --separate-stderr sosr-fetch-sos --c-code ALC --url https://sos.invalid --retries 0
	[[ $stderr == "sosr-fetch-sos: error: cannot reach SOS for C_Code ALC on https://sos.invalid/api/v1/inventory/"*"it is the network path to the service"*"a rerun is the first remedy for a blip" ]]
	SOS_TOKEN=$CANARY_TOKEN run -4 --separate-stderr sosr-fetch-sos --c-code ALC --url http://127.0.0.1:9 --retries 1 --retry-wait 10ms
	[[ $stderr == *"Couldn't connect to server"*"(after 2 attempts)"* ]]
	assert_no_canary "$CANARY_TOKEN" <(printf '%s\n%s\n' "$output" "$stderr")
}

@test "every fault the retries absorb, wherever it falls: exit 0 and the estate byte for byte, never short" {
	# (the table and why each fault has this one outcome: fixtures/fetch/helper.bash)
	local f spec
	for f in "${ABSORBED_FAULTS_SOS[@]}"; do
		spec=${f%/*}
		sim_start --seed 6 --devices 120 --vlans 20 --fault "$spec,rate=0.3,count=${f#*/},target=sos"
		exits 0 sosr-fetch-sos --c-code ALC -p 9 --retry-wait 10ms --timeout 1 >out 2>err ||
			{ cat err; fail "fault $spec: not absorbed"; }
		cmp out "$ESTATE/raw/sos.ndjson" || fail "fault $spec: exit 0 but not the estate"
		fault_fired "${spec%%:*}" err
		assert_no_secret out err
		stop_fake_api
	done
}

@test "a total that keeps changing: re-read, then exit 6 with expected and got" {
	sim_start --seed 6 --devices 120 --vlans 20 --fault total:3,after=1,target=sos
	run -6 --separate-stderr sosr-fetch-sos --c-code ALC -p 20
	[ -z "$output" ]
	[[ $stderr == *"warning: C_Code ALC "*": expected "*" records (total), got "*"; reading it again"* ]]
	[[ $stderr == *"error: incomplete read of C_Code ALC "*": expected "*" records (total), got "*" (read 3 times); a rerun is the first remedy"* ]]
}
