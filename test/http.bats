#!/usr/bin/env bats
# The HTTP engine (src/lib/http.h), exercised through the fetchers against
# the simulator, whose request log (--log) is the witness: what was sent,
# how often, when.

bats_require_minimum_version 1.5.0
load test_helper
load fixtures/fetch/helper

setup() { common_setup; }
teardown() { common_teardown; }

# retried_ok FAULT FETCHER-ARGS... - two requests get FAULT; the fetch
# still prints the estate, and says it retried twice.
retried_ok() {
	local fault=$1 target=sos
	shift
	[[ $1 == softlayer ]] && { target=softlayer; shift; }
	sim_start --seed 4 --accounts 1 --devices 90 --vlans 12 --fault "$fault,count=2,target=$target"
	if [[ $target == sos ]]; then
		run -0 --separate-stderr sosr-fetch-sos --c-code ALC -p 20 --retry-wait 10ms "$@"
		diff <(printf '%s\n' "$output") "$ESTATE/raw/sos.ndjson"
	else
		run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" -p 20 --retry-wait 10ms "$@"
		diff <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
	fi
	[[ $stderr == *"done: "*" requests, 2 retries"* ]]
	# a stalled request is logged when the simulator drops it: wait for it
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(sim_requests '.fault != null')" -ge 2 ] && break
		sleep 0.1
	done
	[ "$(sim_requests '.fault != null')" -eq 2 ]
}

@test "transient faults are retried, and counted: 503, 502, 504" {
	retried_ok 503
	stop_fake_api
	retried_ok 502
	stop_fake_api
	retried_ok 504
}

@test "transient faults are retried, and counted: 429, the SoftLayer rate-limit 500, a plain 500" {
	retried_ok 429:0
	stop_fake_api
	retried_ok ratelimit softlayer
	stop_fake_api
	retried_ok 500 softlayer
}

@test "transient faults are retried, and counted: cut bodies, 2xx error bodies, a stall" {
	retried_ok truncate:length
	stop_fake_api
	retried_ok truncate:json softlayer
	stop_fake_api
	retried_ok errorbody softlayer
	stop_fake_api
	retried_ok stall:2 --timeout 1
}

@test "a plain 500 is retried twice only; the rate-limit 500 up to --retries" {
	# after=1: the pages, not the account lookup before them
	sim_start --seed 4 --accounts 1 --devices 30 --vlans 4 --fault 500,after=1,target=softlayer
	run -5 --separate-stderr sosr-fetch-softlayer --config "$CFG" --types vlan --retries 6 --retry-wait 10ms
	[[ $stderr == *"HTTP 500 (after 3 attempts)"*"try a smaller --page-size"* ]]
	[ "$(sim_requests)" -eq 4 ]
	stop_fake_api
	sim_start --seed 4 --accounts 1 --devices 30 --vlans 4 --fault ratelimit,after=1,target=softlayer
	run -5 --separate-stderr sosr-fetch-softlayer --config "$CFG" --types vlan --retries 4 --retry-wait 10ms
	[[ $stderr == *"HTTP 500 SoftLayer_Exception_WebService_RateLimitExceeded (after 5 attempts)"* ]]
	[ "$(sim_requests)" -eq 6 ]
}

@test "Retry-After is obeyed" {
	sim_start --seed 4 --accounts 1 --devices 30 --vlans 4 --fault 429:2,nth=1,target=sos
	run -0 --separate-stderr sosr-fetch-sos --c-code ALC --retry-wait 10ms
	# the retry of the request that got the 429 came at least 2 s later
	# (a lower bound, not a speed measurement)
	jq -s '(map(select(.status == 429))[0]) as $f
	       | map(select(.query == $f.query and .path == $f.path and .status == 200))[0].mono_ms - $f.mono_ms
	       | . >= 1990' "$SIMLOG" | grep -qx true
}

@test "401, 403 and 404 are never retried" {
	sim_start --seed 4 --accounts 1 --devices 30 --vlans 4
	SL_KEY_1000001=wrong run -3 sosr-fetch-softlayer --config "$CFG" --types hardware --retry-wait 10ms
	[ "$(sim_requests '.api == "softlayer"')" -eq 1 ]
	run -3 sosr-fetch-sos --c-code ALC_WAT --retry-wait 10ms
	run -5 sosr-fetch-sos --c-code NOPE --retry-wait 10ms
	# each SOS request went out once (devices and VLANs are asked for at
	# once, so one or both got the 403, and the 404)
	[ "$(jq -r 'select(.api == "sos") | .path + "?" + .query' "$SIMLOG" | sort | uniq -d | wc -l)" -eq 0 ]
	[ "$(sim_requests '.api == "sos" and .status == 403')" -ge 1 ]
	[ "$(sim_requests '.api == "sos" and .status == 404')" -ge 1 ]
}

@test "a timeout fires: a stalled server is a network failure, exit 4" {
	sim_start --seed 4 --accounts 1 --devices 30 --vlans 4 --fault stall:4,target=sos
	run -4 --separate-stderr sosr-fetch-sos --c-code ALC --timeout 1 --retries 1 --retry-wait 10ms
	[ -z "$output" ]
	[[ $stderr == *"error: cannot reach SOS for C_Code ALC on $SOS_URL/api/v1/inventory/"*"Timeout was reached (curl error 28) (after 2 attempts)"* ]]
}

@test "the time budget ends a fetch that cannot finish" {
	sim_start --seed 4 --accounts 1 --devices 30 --vlans 4 --fault stall:5,target=sos
	run -4 --separate-stderr sosr-fetch-sos --c-code ALC --timeout 3 --budget 1
	[[ $stderr == *"the time budget of 1 s ran out"* ]]
}

@test "the response size cap: exit 5, not retried, the page size to shrink" {
	sim_start --seed 4 --accounts 1 --devices 200 --vlans 4
	run -5 --separate-stderr sosr-fetch-softlayer --config "$CFG" --types virtual_guest --max-response 4096
	[ -z "$output" ]
	[[ $stderr == *"is too large: the response is larger than the cap of 4096 bytes; use a smaller --page-size or a larger --max-response"* ]]
	# the account lookup, then the page: not retried
	[ "$(sim_requests)" -eq 2 ]
}

@test "no secret in any byte of stdout, stderr or the logs, even with --verbose; nor in the fetchers' environment" {
	sim_start --seed 4 --accounts 2 --devices 60 --vlans 8 --fault 503,count=2 --fault 429:0,count=1
	sosr-fetch-softlayer --config "$CFG" --verbose -p 10 --retry-wait 10ms >sl.out 2>sl.err
	sosr-fetch-sos --c-code ALC --verbose -p 10 --retry-wait 10ms >sos.out 2>sos.err
	# the verbose log shows each request and each retry, the credential redacted
	grep -q 'http: .* GET .*/SoftLayer_Account/getHardware.json?.*resultLimit=0,10 (credential 1000001, attempt 1) \[Authorization: <redacted>\]' sl.err
	grep -q 'http: .* retry 1 of ' sl.err
	grep -q 'http: .* GET .*/api/v1/inventory/devices?c_code=ALC&offset=0&limit=10 (credential sos, attempt 1) \[Authorization: <redacted>\]' sos.err
	# failures, with secrets in play, too: another account's key, the
	# SoftLayer key as the SOS token (both rejected: exit 3)
	SL_KEY_1000001=$CANARY_TOKEN exits 3 sosr-fetch-softlayer --config "$CFG" --verbose >>sl.out 2>>sl.err
	SOS_TOKEN=$SL_KEY_1000002 exits 3 sosr-fetch-sos --c-code ALC --verbose >>sos.out 2>>sos.err
	assert_no_secret sl.out sl.err sos.out sos.err "$SIMLOG" "$BATS_TEST_TMPDIR/fake-api.err" "$BATS_TEST_TMPDIR/fake-api.out"
	# nor in the process's environment, for children to inherit: each
	# fetcher, given only its own secrets, exits with an environment
	# (build/test/envdump-shim.so writes it) without them; SOS_URL, which
	# is not a secret, is still there (the dump is the environment).
	local shim=$ROOT/build/test/envdump-shim.so
	[[ -f $shim ]] || fail "$shim is missing: run make test (it builds the shim)"
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	run -0 env -u SL_KEY_1000001 -u SL_KEY_1000002 SOS_TOKEN="$CANARY_TOKEN" \
		LD_PRELOAD="$shim" ENVDUMP="$PWD/sos.env" sosr-fetch-sos --c-code ALC --quiet
	run -0 env -u SOS_TOKEN LD_PRELOAD="$shim" ENVDUMP="$PWD/sl.env" sosr-fetch-softlayer --config "$CFG" --quiet
	grep -qx "SOS_URL=$SOS_URL" sos.env
	grep -qx "SOS_URL=$SOS_URL" sl.env
	run -1 grep -E '^(SOS_TOKEN|SOS_TOKEN_FILE|SL_KEY_[0-9]+|SL_KEY_[0-9]+_FILE)=' sos.env sl.env
	assert_no_secret sos.env sl.env
}
