#!/usr/bin/env bats
# The rate limit on the wire (src/lib/http.h, "Rate limit"): requests per
# second per credential, as the simulator's request log counts them.  These
# tests time requests, so they run alone (run_alone, test/test_helper.bash):
# on a machine loaded with the rest of the suite, a request can be delayed
# more than the one after it, and the simulator then sees a bunch that the
# client never sent.

bats_require_minimum_version 1.5.0
load test_helper
load fixtures/fetch/helper

setup_file() { run_alone; }
teardown_file() { end_alone; }
setup() { common_setup; }
teardown() { common_teardown; }

@test "the rate limit per credential is never exceeded" {
	skip_under_valgrind
	sim_start --seed 4 --accounts 2 --devices 120 --vlans 16 --rate-limit 20
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" -p 2 -j 16 --rate-limit 20
	diff <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
	[ "$(sim_requests '.status == 500')" -eq 0 ]
	[ "$(sim_requests)" -gt 60 ]
	assert_rate_ok softlayer 20
}

@test "the default rate limit keeps under SoftLayer's 50 a second" {
	skip_under_valgrind
	sim_start --seed 4 --accounts 1 --devices 240 --vlans 8
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" -p 2 -j 32
	diff <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
	[ "$(sim_requests)" -gt 100 ]
	[ "$(sim_requests '.status == 500')" -eq 0 ]
	assert_rate_ok softlayer 50
}

@test "without --config, the account lookup and the pages together stay within --rate-limit" {
	sim_start --seed 4 --accounts 1 --devices 40 --vlans 6 --rate-limit 10
	SL_USERNAME=SL1000001 SL_API_KEY=$SL_KEY_1000001 run -0 --separate-stderr \
		sosr-fetch-softlayer --endpoint "$SL_ENDPOINT" -p 2 -j 16 --rate-limit 10
	diff <(printf '%s\n' "$output") <(estate_sl 1000001)
	[ "$(sim_requests)" -gt 20 ]
	[ "$(sim_requests '.status != 200')" -eq 0 ]
	assert_rate_ok softlayer 10
}

@test "adaptive rate: a server whose limit is below the configured one is fetched completely, only slower" {
	start_fake_api --seed 3 --accounts 1 --devices 1000 --vlans 20 --rate-limit 5 --credentials cred.json \
		--write-estate estate
	jq '{softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]}}' cred.json >sl.json
	export SL_KEY_1000001
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	# 50 a second asked, 5 allowed: before, the retries ran out (exit 5,
	# "try a smaller --page-size")
	run -0 --separate-stderr sosr-fetch-softlayer --config sl.json -p 50 --retries 2
	diff <(printf '%s\n' "$output") estate/raw/softlayer.ndjson
	[[ $stderr == *"the server limited the rate: down to "*" requests a second at the lowest"* ]]
}
