#!/usr/bin/env bats
# sosr-fetch-softlayer against the simulator: byte-equal to the estate's raw
# stream, deterministic, complete or failing with the documented code.

bats_require_minimum_version 1.5.0
load test_helper
load fixtures/fetch/helper

setup() { common_setup; }
teardown() { common_teardown; }

@test "several accounts with their own credentials: the estate, byte for byte" {
	sim_start --seed 3 --accounts 3 --devices 300 --vlans 40
	sosr-fetch-softlayer --config "$CFG" --page-size 7 --concurrency 1 -q >one.ndjson
	sosr-fetch-softlayer --config "$CFG" --page-size 7 --concurrency 16 -q >many.ndjson
	sosr-fetch-softlayer --config "$CFG" -q >default.ndjson
	cmp one.ndjson "$ESTATE/raw/softlayer.ndjson"
	cmp many.ndjson "$ESTATE/raw/softlayer.ndjson"
	cmp default.ndjson "$ESTATE/raw/softlayer.ndjson"
	# three accounts, each with its own credential in the log
	[ "$(jq -r 'select(.api=="softlayer") | .credential' "$SIMLOG" | sort -u | tr '\n' ' ')" = "1000001 1000002 1000003 " ]
	# every answer came compressed (Accept-Encoding), and was inflated
	[ "$(jq -r 'select(.api=="softlayer") | .encoding' "$SIMLOG" | sort -u)" = gzip ]
}

@test "a compressed page cut short is detected and read again: the estate, byte for byte" {
	# truncate:json cuts the gzip bytes under a matching Content-Length,
	# so only the JSON is left to tell; truncate:length fails the transfer
	sim_start --seed 3 --accounts 1 --devices 60 --vlans 6 \
		--fault truncate:json,nth=2,target=softlayer --fault truncate:length,nth=4,target=softlayer
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" -p 10 --concurrency 1 --retry-wait 10ms -v
	diff <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
	[ "$(sim_requests '.fault=="truncate" and .encoding=="gzip"')" -eq 2 ]
	[[ $stderr == *"retry 1 of $SL_ENDPOINT/SoftLayer_Account/get"*"HTTP 200 with a body that is not a whole JSON document"*"it ends in the middle of the JSON value"* ]]
	[[ $stderr == *"retry 1 of $SL_ENDPOINT/SoftLayer_Account/get"*"Transferred a partial file (curl error 18)"* ]]
}

@test "progress: one line per account and type with counts, none with --quiet" {
	sim_start --seed 3 --accounts 2 --devices 60 --vlans 10
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG"
	[ "$(grep -c '^sosr-fetch-softlayer: account [0-9]* [a-z_]*: [0-9]* records in' <<<"$stderr")" -eq 6 ]
	grep -q '^sosr-fetch-softlayer: account 1000001 hardware: [0-9]* records in [0-9]* pages, 0 retries' <<<"$stderr"
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" --quiet
	[ -z "$stderr" ]
}

@test "--account selects accounts of the configuration, in the configuration's order" {
	sim_start --seed 3 --accounts 3 --devices 90 --vlans 12
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" --account 1000003 --account 1000001
	diff <(printf '%s\n' "$output") <(jq -c 'select(.account != "1000002")' "$ESTATE/raw/softlayer.ndjson")
	run -2 sosr-fetch-softlayer --config "$CFG" --account 999
	assert_output --partial "error: --account: '999' is not an account of"
}

@test "--types chooses the types; the output order stays hardware, virtual_guest, vlan" {
	sim_start --seed 5 --accounts 2 --devices 80 --vlans 12
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" --types vlan,hardware -p 3
	diff <(printf '%s\n' "$output") <(jq -c 'select(.type != "virtual_guest")' "$ESTATE/raw/softlayer.ndjson")
	run -2 sosr-fetch-softlayer --config "$CFG" --types vlan,servers
	assert_output --partial "error: --types: unknown type 'servers'"
}

@test "paging edges: exact multiple of the page size, a last page of one" {
	sim_start --seed 9 --accounts 1 --devices 100 --vlans 10
	local n
	n=$(estate_sl 1000001 virtual_guest | wc -l)
	[ "$n" -ge 4 ]
	estate_sl 1000001 virtual_guest >want
	for p in "$n" $((n - 1)) 2 3; do
		run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" --types virtual_guest -p "$p"
		diff <(printf '%s\n' "$output") want
	done
	# n-1 ends with a page holding one record, whole multiples with a full one
	[ "$(sim_requests '.query | test("resultLimit='$((n - 1)),$((n - 1))'")')" -eq 1 ]
}

@test "an account without devices fails unless --allow-empty" {
	sim_start --seed 2 --accounts 1 --devices 0 --vlans 4
	run -6 --separate-stderr sosr-fetch-softlayer --config "$CFG"
	[ -z "$output" ]
	[[ $stderr == *"error: no records for account 1000001 hardware and account 1000001 virtual_guest"*"--allow-empty"* ]]
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" --allow-empty
	diff <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
}

@test "duplicates across overlapping pages are dropped, a bare object is a page, redirects are not followed" {
	# A stand-in whose pages overlap by one record and whose pages of one
	# record are bare objects (the simulator never does either), and which
	# redirects under /redirect/.
	python3 "$FIXTURES/fetch/overlap-api.py" "$BATS_TEST_TMPDIR/port" 3>&- &
	local pid=$! i port
	for ((i = 0; i < 100; i++)); do [[ -s $BATS_TEST_TMPDIR/port ]] && break; sleep 0.05; done
	port=$(<"$BATS_TEST_TMPDIR/port")
	export SL_USERNAME=u SL_API_KEY=$CANARY_TOKEN
	run -0 --separate-stderr sosr-fetch-softlayer --account 7 --types hardware -p 5 \
		--endpoint "http://127.0.0.1:$port/rest/v3.1"
	# (10 records: the page at offset 5 repeats id 5, the one at offset 10
	# holds id 10 alone; the stand-in used to send pages longer than asked
	# for, which are now refused: see test/fetch-hardening.bats)
	[ "${#lines[@]}" -eq 10 ]
	[ "$(printf '%s\n' "$output" | jq -r .data.id | tr '\n' ' ')" = "1 2 3 4 5 6 7 8 9 10 " ]
	assert_no_canary "$CANARY_TOKEN" <(printf '%s\n%s\n' "$output" "$stderr")
	# a redirect is not followed: the credentials stay with the endpoint
	run -5 --separate-stderr sosr-fetch-softlayer --account 7 --types hardware \
		--endpoint "http://127.0.0.1:$port/redirect/rest/v3.1"
	kill "$pid"
	[ -z "$output" ]
	# (the first request is the lookup of the account of the credentials)
	[[ $stderr == *"error: SoftLayer redirected the request for account 7 on http://127.0.0.1:$port/redirect/rest/v3.1/SoftLayer_Account/getObject.json (HTTP 302 redirect, not followed)"* ]]
}

@test "SL_USERNAME and SL_API_KEY, then ~/.softlayer, as slcli reads them" {
	sim_start --seed 4 --accounts 2 --devices 60 --vlans 8
	estate_sl 1000001 >want
	SL_USERNAME=SL1000001 SL_API_KEY=$SL_KEY_1000001 run -0 --separate-stderr \
		sosr-fetch-softlayer --account 1000001 --endpoint "$SL_ENDPOINT"
	diff <(printf '%s\n' "$output") want
	printf '[softlayer]\nusername = SL1000001\napi_key = %s\nendpoint_url = %s\ntimeout = 30\n' \
		"$SL_KEY_1000001" "$SL_ENDPOINT" >"$HOME/.softlayer"
	run -0 --separate-stderr sosr-fetch-softlayer --account 1000001
	diff <(printf '%s\n' "$output") want
	# the second account, with its key in a file named by SL_API_KEY_FILE
	# the second account is an "apikey" one (Basic with user apikey); its
	# key from a file named by SL_API_KEY_FILE, here under Basic SL1000002
	printf '%s\n' "$SL_KEY_1000002" >key
	SL_USERNAME=SL1000002 SL_API_KEY_FILE=key run -0 --separate-stderr \
		sosr-fetch-softlayer --account 1000002 --endpoint "$SL_ENDPOINT"
	diff <(printf '%s\n' "$output") <(estate_sl 1000002)
}

@test "without --account, the account is the one SoftLayer says the credentials belong to" {
	sim_start --seed 4 --accounts 2 --devices 60 --vlans 8
	SL_USERNAME=SL1000002 SL_API_KEY=$SL_KEY_1000002 run -0 --separate-stderr \
		sosr-fetch-softlayer --endpoint "$SL_ENDPOINT"
	diff <(printf '%s\n' "$output") <(estate_sl 1000002)
	assert_equal "$(head -1 <<<"$stderr")" "sosr-fetch-softlayer: the credentials belong to account 1000002"
	# asked once, with the mask of the id, before the pages
	[ "$(sim_requests '.path | endswith("/SoftLayer_Account/getObject.json")')" -eq 1 ]
	[ "$(jq -r 'select(.path | endswith("getObject.json")) | .query' "$SIMLOG")" = "objectMask=mask[id]" ]
	[ "$(head -1 "$SIMLOG" | jq -r .path)" = "/rest/v3.1/SoftLayer_Account/getObject.json" ]
	# ~/.softlayer, quietly
	printf '[softlayer]\nusername = SL1000001\napi_key = %s\nendpoint_url = %s\n' \
		"$SL_KEY_1000001" "$SL_ENDPOINT" >"$HOME/.softlayer"
	run -0 --separate-stderr sosr-fetch-softlayer -q
	diff <(printf '%s\n' "$output") <(estate_sl 1000001)
	[ -z "$stderr" ]
	assert_no_secret <(printf '%s\n%s\n' "$output" "$stderr")
	rm "$HOME/.softlayer"
	run -2 sosr-fetch-softlayer
	assert_output "sosr-fetch-softlayer: error: no SoftLayer credentials: no --config, SL_USERNAME/SL_API_KEY unset and no $HOME/.softlayer; set one of them"
}

@test "without --config, a rejected key on the account lookup: exit 3, SL_API_KEY or ~/.softlayer named" {
	sim_start --seed 4 --accounts 2 --devices 60 --vlans 8
	SL_USERNAME=SL1000001 SL_API_KEY=wrong-key run -3 --separate-stderr \
		sosr-fetch-softlayer --endpoint "$SL_ENDPOINT" --retry-wait 10ms
	[ -z "$output" ]
	assert_equal "$stderr" "sosr-fetch-softlayer: error: HTTP 401 from SoftLayer for the account of the credentials on $SL_ENDPOINT/SoftLayer_Account/getObject.json: Access Denied.  (SoftLayer_Exception_Public): the credentials were rejected; check the API key (SL_API_KEY) and user name (SL_USERNAME)"
	printf '[softlayer]\nusername = SL1000001\napi_key = wrong-key\nendpoint_url = %s\n' "$SL_ENDPOINT" >"$HOME/.softlayer"
	run -3 --separate-stderr sosr-fetch-softlayer --account 1000001
	[ -z "$output" ]
	[[ $stderr == "sosr-fetch-softlayer: error: HTTP 401 from SoftLayer for account 1000001 on $SL_ENDPOINT/SoftLayer_Account/getObject.json: "*"check that account's API key (api_key in ~/.softlayer) and user name (username in ~/.softlayer)" ]]
	# never retried, no page asked for
	[ "$(sim_requests)" -eq 2 ]
	[ "$(sim_requests '.path | endswith("getObject.json") | not')" -eq 0 ]
}

@test "without --config, --account of another account than the key's: exit 2, both ids named" {
	sim_start --seed 4 --accounts 2 --devices 60 --vlans 8
	SL_USERNAME=SL1000001 SL_API_KEY=$SL_KEY_1000001 run -2 --separate-stderr \
		sosr-fetch-softlayer --account 1000002 --endpoint "$SL_ENDPOINT"
	[ -z "$output" ]
	assert_equal "$stderr" "sosr-fetch-softlayer: error: --account 1000002: the credentials (SL_API_KEY) belong to SoftLayer account 1000001 ($SL_ENDPOINT/SoftLayer_Account/getObject.json); check --account, or use the credentials of account 1000002"
	[ "$(sim_requests)" -eq 1 ]
	# a lookup that keeps failing is an API error, retried like a page
	stop_fake_api
	sim_start --seed 4 --accounts 1 --devices 10 --vlans 2 --fault errorbody,target=softlayer
	SL_USERNAME=SL1000001 SL_API_KEY=$SL_KEY_1000001 run -5 --separate-stderr \
		sosr-fetch-softlayer --endpoint "$SL_ENDPOINT" --retry-wait 10ms
	[ -z "$output" ]
	assert_equal "$stderr" "sosr-fetch-softlayer: error: SoftLayer failed for the account of the credentials, asking which account they belong to on $SL_ENDPOINT/SoftLayer_Account/getObject.json: HTTP 200 with an error body: Internal Error (SoftLayer_Exception_Public) (after 3 attempts); if it persists, check the service status and the endpoint"
}

@test "api keys from files and IAM bearer tokens" {
	sim_start --seed 4 --accounts 2 --devices 60 --vlans 8
	jq -r '.softlayer.accounts[1].token' "$CRED" >tok
	printf '%s\n' "$SL_KEY_1000001" >k1
	jq --arg d "$PWD" '.softlayer.accounts = [
	    (.softlayer.accounts[0] | del(.api_key_env) | .api_key_file = "\($d)/k1"),
	    {id: "1000002", auth: "bearer", token_file: "\($d)/tok"}]' "$CFG" >files.json
	run -0 --separate-stderr sosr-fetch-softlayer --config files.json
	diff <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
}

@test "a rejected key: exit 3, the account and its key named, never retried" {
	sim_start --seed 4 --accounts 2 --devices 60 --vlans 8
	export SL_KEY_1000002=wrong-key
	run -3 --separate-stderr sosr-fetch-softlayer --config "$CFG" --account 1000002 --types vlan
	[ -z "$output" ]
	# (the first request asks whose key it is)
	[[ $stderr == *"sosr-fetch-softlayer: error: HTTP 401 from SoftLayer for account 1000002 on $SL_ENDPOINT/SoftLayer_Account/getObject.json"*"check that account's API key (SL_KEY_1000002)"* ]]
	[ "$(sim_requests)" -eq 1 ]
}

@test "with --config, the key of another account in an account's variable: exit 2, both ids, the file and the variable named, no page read" {
	sim_start --seed 4 --accounts 4 --devices 60 --vlans 16
	# account 1000002 (an apikey account: found by its key alone) is given
	# the key of account 1000001
	local key2=$SL_KEY_1000002
	export SL_KEY_1000002=$SL_KEY_1000001
	run -2 --separate-stderr sosr-fetch-softlayer --config "$CFG"
	[ -z "$output" ]
	assert_equal "$stderr" "sosr-fetch-softlayer: error: the API key in SL_KEY_1000002 (account 1000002 of $CFG) belongs to account 1000001; check the credential binding of the job"
	# one lookup per account, all answered, and nothing else
	[ "$(sim_requests)" -eq 4 ]
	[ "$(sim_requests '.path | endswith("/SoftLayer_Account/getObject.json")')" -eq 4 ]
	assert_no_secret <(printf '%s\n' "$stderr")
	# a swapped pair (both apikey accounts): each is named
	export SL_KEY_1000002=$SL_KEY_1000004 SL_KEY_1000004=$key2
	run -2 --separate-stderr sosr-fetch-softlayer --config "$CFG" --quiet
	[ -z "$output" ]
	assert_equal "$stderr" "sosr-fetch-softlayer: error: the API key in SL_KEY_1000002 (account 1000002 of $CFG) belongs to account 1000004; check the credential binding of the job
sosr-fetch-softlayer: error: the API key in SL_KEY_1000004 (account 1000004 of $CFG) belongs to account 1000002; check the credential binding of the job"
	# the right binding: one lookup per account, then the pages
	export SL_KEY_1000002=$key2 SL_KEY_1000004=$(jq -r '.softlayer.accounts[3].api_key' "$CRED")
	run -0 --separate-stderr sosr-fetch-softlayer --config "$CFG" --quiet
	diff <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
	[ "$(sim_requests '.path | endswith("/SoftLayer_Account/getObject.json")')" -eq 12 ]
}

@test "configuration errors name the file and the key" {
	echo '{"softlayer":{"acounts":[]}}' >bad.json
	run -2 sosr-fetch-softlayer --config bad.json
	assert_output "sosr-fetch-softlayer: error: bad.json: softlayer.acounts: unknown key; check the configuration file (docs/CONFIG.md)"
	echo '{"softlayer":{"accounts":[{"id":"1","username":"u","api_key_env":7}]}}' >bad.json
	run -2 sosr-fetch-softlayer --config bad.json
	assert_output --partial "error: bad.json: softlayer.accounts[0].api_key_env: expected a string"
	echo '{"softlayer":{"accounts":[{"id":"1","username":"u","api_key_env":"NOPE_KEY"}]}}' >bad.json
	run -2 sosr-fetch-softlayer --config bad.json
	assert_output --partial "error: no credential for SoftLayer account 1: neither NOPE_KEY nor NOPE_KEY_FILE is set"
	echo '{"softlayer": [' >bad.json
	run -2 sosr-fetch-softlayer --config bad.json
	assert_output --partial "error: bad.json: (file): not valid JSON"
	run -2 sosr-fetch-softlayer --config missing.json
	assert_output --partial "error: missing.json: (file): cannot read it: No such file or directory; check the configuration file"
}

@test "usage errors: numbers validated, endpoints without credentials" {
	run -2 sosr-fetch-softlayer --page-size 1
	assert_output --partial "error: --page-size: '1' is out of range 2..10000"
	run -2 sosr-fetch-softlayer --concurrency abc
	assert_output --partial "error: --concurrency: 'abc' is not a whole number"
	run -2 sosr-fetch-softlayer --endpoint https://user:pw@api.softlayer.com/rest/v3.1
	assert_output --partial "error: --endpoint: the URL must not carry credentials"
	run -2 sosr-fetch-softlayer --config x.json extra
	assert_output --partial "error: unexpected operand 'extra'"
}

@test "--help lists the exit codes, --version the version" {
	run -0 sosr-fetch-softlayer --help
	assert_output --partial "Usage: sosr-fetch-softlayer"
	assert_output --partial "3  credentials rejected"
	assert_output --partial "6  incomplete"
	run -0 sosr-fetch-softlayer --version
	assert_output --regexp '^sosr-fetch-softlayer \(sos-reconcile\) [0-9]'
}

@test "every fault the retries absorb, wherever it falls: exit 0 and the estate byte for byte, never short" {
	# (the table and why each fault has this one outcome: fixtures/fetch/helper.bash)
	local f spec
	for f in "${ABSORBED_FAULTS_SOFTLAYER[@]}"; do
		spec=${f%/*}
		sim_start --seed 6 --accounts 2 --devices 80 --vlans 10 --fault "$spec,rate=0.3,count=${f#*/},target=softlayer"
		exits 0 sosr-fetch-softlayer --config "$CFG" -p 5 --retry-wait 10ms --timeout 1 >out 2>err ||
			{ cat err; fail "fault $spec: not absorbed"; }
		cmp out "$ESTATE/raw/softlayer.ndjson" || fail "fault $spec: exit 0 but not the estate"
		fault_fired "${spec%%:*}" err
		assert_no_secret out err
		stop_fake_api
	done
}

@test "persistent faults: exit 5 (API), 4 (network), 6 (incomplete), with the runbook hint" {
	sim_start --seed 6 --accounts 1 --devices 30 --vlans 4 --fault 503
	run -5 --separate-stderr sosr-fetch-softlayer --config "$CFG" --retries 2 --retry-wait 10ms
	[ -z "$output" ]
	[[ $stderr == *"error: SoftLayer failed for account 1000001"*"HTTP 503 (after 3 attempts)"* ]]
	stop_fake_api
	sim_start --seed 6 --accounts 1 --devices 30 --vlans 4 --fault total:1,after=1
	run -6 --separate-stderr sosr-fetch-softlayer --config "$CFG" -p 5
	[ -z "$output" ]
	# (the 4 VLANs and a total of 5 in pages of 5: since the fix of issue
	# 10, item 3, the short page is named instead of the count at the end)
	[[ $stderr == *"error: incomplete read of account 1000001 vlan: the page at offset 0 has 4 records, fewer than the page size (5), before the total 5 was reached; the API's total (SoftLayer-Total-Items) does not match its pages"*"(read 3 times)"* ]]
	stop_fake_api
	run -4 --separate-stderr sosr-fetch-softlayer --config "$CFG" --retries 1 --retry-wait 10ms
	[[ $stderr == *"error: cannot reach SoftLayer for account 1000001 on $SL_ENDPOINT/SoftLayer_Account/"*"it is the network path to the service"*"a rerun is the first remedy"* ]]
}
