#!/usr/bin/env bats
# The real SoftLayer client (slcli, Debian python3-softlayer) against the
# simulator: the simulator speaks the protocol closely enough that slcli
# lists the estate's hardware, guests and VLANs.
#
# slcli pages `hw list` and `vs list` 100 at a time without an orderBy, and
# the simulator's unordered pages vary between calls (as the real API's
# do), so the equality tests use an estate whose lists fit one page; the
# last test shows what happens over several pages.
bats_require_minimum_version 1.5.0
load test_helper

setup() {
	common_setup
	# (slcli is a dependency of make test: python3-softlayer in scripts/install-deps)
	command -v slcli >/dev/null || fail "slcli is not installed (Debian package python3-softlayer; scripts/install-deps)"
}
# The simulator's stderr must be free of sanitizer reports (make
# SANITIZE=address,undefined); stop_fake_api has waited for it to exit.
teardown() {
	common_teardown
	! grep -E 'Sanitizer|runtime error' "$BATS_TEST_TMPDIR/fake-api.err" 2>/dev/null
}

# slcli_config N: write sl.conf for account N of creds.json.
slcli_config() {
	jq -r --argjson n "$1" '.softlayer as $s | $s.accounts[$n] |
		"[softlayer]\nusername = \(.username)\napi_key = \(.api_key)\nendpoint_url = \($s.endpoint)\ntimeout = 30"' \
		creds.json > sl.conf
}

# ids TYPE ACCOUNT: the estate's ids of TYPE for ACCOUNT, sorted.
ids() {
	jq -r --arg t "$1" --arg a "$2" 'select(.type==$t and .account==$a) | .data.id' e/raw/softlayer.ndjson | sort -n
}

@test "slcli: hw list, vs list and vlan list print exactly the estate's ids" {
	start_fake_api --accounts 2 --devices 120 --vlans 30 --credentials creds.json --write-estate e --log req.ndjson
	for n in 0 1; do
		slcli_config "$n"
		acct=$(jq -r ".softlayer.accounts[$n].id" creds.json)
		run -0 slcli -C sl.conf --format json hw list
		jq -r '.[].id' <<<"$output" | sort -n > got
		ids hardware "$acct" | cmp - got
		[[ -s got ]]
		run -0 slcli -C sl.conf --format json vs list
		jq -r '.[].id' <<<"$output" | sort -n > got
		ids virtual_guest "$acct" | cmp - got
		[[ -s got ]]
		run -0 slcli -C sl.conf --format json vlan list
		jq -r '.[] | (.id // .Id)' <<<"$output" | sort -n > got
		ids vlan "$acct" | cmp - got
		[[ -s got ]]
	done
	# slcli's own requests: percent-encoded masks, a sorted VLAN filter, Pod.
	grep -q '"path":"/rest/v3.1/SoftLayer_Network_Pod/getAllObjects.json"' req.ndjson
	grep -q 'objectFilter={\\"networkVlans\\": {\\"id\\": {\\"operation\\": \\"orderBy\\"' req.ndjson
}

@test "slcli: vs list shows the estate's hostnames and addresses" {
	start_fake_api --accounts 1 --devices 40 --vlans 4 --credentials creds.json --write-estate e
	slcli_config 0
	run -0 slcli -C sl.conf --format json vs list
	jq -c 'map({id, hostname, backend_ip}) | sort_by(.id)' <<<"$output" > got
	jq -s -c 'map(select(.type=="virtual_guest") | .data | {id, hostname, backend_ip: .primaryBackendIpAddress}) | sort_by(.id)' \
		e/raw/softlayer.ndjson > want
	cmp want got
}

@test "slcli: wrong credentials are refused with the API's 401" {
	start_fake_api --credentials creds.json
	slcli_config 0
	sed -i 's/^api_key = .*/api_key = wrong/' sl.conf
	run -1 slcli -C sl.conf --format json hw list
	assert_output --partial "SoftLayerAPIError(401): Access Denied."
}

@test "slcli: over several unordered pages, vs list repeats or misses items (why fetchers sort by id)" {
	start_fake_api --accounts 1 --devices 1000 --vlans 2 --seed 4 --credentials creds.json --write-estate e
	slcli_config 0
	run -0 slcli -C sl.conf --format json vs list
	jq -r '.[].id' <<<"$output" | sort -n > got
	want=$(ids virtual_guest 1000001 | wc -l)
	[[ $want -gt 300 ]]
	# Same count of rows (slcli stops at the total), but not the same set.
	[[ $(wc -l < got) -eq $want ]]
	! ids virtual_guest 1000001 | cmp -s - got
}

@test "slcli: account summary shows the account of the credentials, with the estate's counts" {
	start_fake_api --accounts 2 --devices 80 --vlans 10 --credentials creds.json --write-estate e --log req.ndjson
	slcli_config 1
	run -0 slcli -C sl.conf --format json account summary
	local hw vg vl
	hw=$(jq -s '[.[] | select(.account=="1000002" and .type=="hardware")] | length' e/raw/softlayer.ndjson)
	vg=$(jq -s '[.[] | select(.account=="1000002" and .type=="virtual_guest")] | length' e/raw/softlayer.ndjson)
	vl=$(jq -s '[.[] | select(.account=="1000002" and .type=="vlan")] | length' e/raw/softlayer.ndjson)
	[[ $(jq -c '[.["Company Name"], .Hardware, .["Virtual Guests"], .["Network Vlans"]]' <<<"$output") == "[\"ALC Simulated 1000002\",$hw,$vg,$vl]" ]]
	# slcli asks with gzip, and the account is the credential's
	[[ $(jq -c 'select(.path | endswith("SoftLayer_Account/getObject.json")) | [.credential, .encoding]' req.ndjson) == '["1000002","gzip"]' ]]
}
