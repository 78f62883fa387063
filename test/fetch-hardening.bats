#!/usr/bin/env bats
# What the fetchers accept from a hostile API (issue 10, items 1, 2, 3, 4
# and 11): JSON amplification, raw records verbatim with exact ids, a lying
# total, a total one short, the byte order mark and CRLF.  Each test failed
# before its fix (docs/RELIABILITY.md says how).

bats_require_minimum_version 1.5.0
load test_helper
load fixtures/fetch/helper

setup() { common_setup; }
teardown() {
	if [[ -n ${PAGES_PID:-} ]]; then
		kill "$PAGES_PID" 2>/dev/null || true
		wait "$PAGES_PID" 2>/dev/null || true
	fi
	common_teardown
}

# pages_start SPEC - start the stand-in of test/fixtures/fetch-hardening/
# pages-api.py on SPEC; sets PAGES_URL (its root), PAGES_LOG (the requests,
# one a line).
pages_start() {
	local portfile=$BATS_TEST_TMPDIR/pages.port i
	if [[ -n ${PAGES_PID:-} ]]; then
		kill "$PAGES_PID" 2>/dev/null || true
		wait "$PAGES_PID" 2>/dev/null || true
	fi
	rm -f "$portfile"
	python3 "$FIXTURES/fetch-hardening/pages-api.py" "$1" "$portfile" 3>&- &
	PAGES_PID=$!
	for ((i = 0; i < 100; i++)); do [[ -s $portfile ]] && break; sleep 0.05; done
	PAGES_URL=http://127.0.0.1:$(<"$portfile")
	PAGES_LOG=$portfile.log
}

# spec FILE PYTHON-EXPR - write a pages-api.py specification: the Python
# expression's value as JSON (items are texts, sent byte for byte).
spec() {
	python3 -c 'import json, sys; json.dump(eval(sys.argv[2]), open(sys.argv[1], "w"))' "$1" "$2"
}

# peak_rss CMD... - run CMD: its status in $status, its stdout in out, its
# stderr in err, its peak RSS in KiB in $kb.
peak_rss() {
	status=0
	/usr/bin/time -f %M -o rss "$@" >out 2>err || status=$?
	kb=$(tail -1 rss)
}

# ---- item 1: JSON amplification ------------------------------------------

@test "JSON amplification: a page of 8 MiB of {} is refused at once, exit 5, the page and the cap named, memory flat" {
	# 8 MiB of "{}," is 2.8 million values: json-c built them all (2.3 GB
	# of RSS) before the scanner; now the page is counted, not built.
	# (--concurrency 1: the first request is the devices page)
	sim_start --seed 2 --accounts 1 --devices 40 --vlans 6 --fault amplify:8M,nth=1,target=sos
	local kb
	peak_rss sosr-fetch-sos -C ALC --retries 0 --quiet --concurrency 1
	[ "$status" -eq 5 ]
	[ ! -s out ]
	[[ $(cat err) == "sosr-fetch-sos: error: the page of C_Code ALC devices at offset 0 on $SOS_URL/api/v1/inventory/devices has more than 500 records, the page size asked for (83886"??" bytes); the API does not honour its paging: check the endpoint and its paging parameters" ]]
	[ "$kb" -lt 153600 ]     # 150 MiB: the body and the program (more under ASan)
	# the same on the SoftLayer side (its request 1 is the account lookup)
	stop_fake_api
	sim_start --seed 2 --accounts 1 --devices 40 --vlans 6 --fault amplify:8M,nth=2,target=softlayer
	peak_rss sosr-fetch-softlayer --config "$CFG" --retries 0 --quiet --concurrency 1
	[ "$status" -eq 5 ]
	[ ! -s out ]
	[[ $(cat err) == "sosr-fetch-softlayer: error: the page of account 1000001 hardware at offset 0 on $SL_ENDPOINT/SoftLayer_Account/getHardware.json has more than 100 records, the page size asked for ("*" bytes); the API does not honour its paging: check the endpoint and its paging parameters" ]]
	[ "$kb" -lt 153600 ]
}

@test "JSON amplification in one record: too many values or too deep for sosr-normalize is a bad record, exit 5" {
	sim_start --seed 2 --accounts 1 --devices 40 --vlans 6 --fault amplify:4M:record,nth=1,target=sos
	run -5 --separate-stderr sosr-fetch-sos -C ALC --retries 0 --quiet --concurrency 1
	[ -z "$output" ]
	assert_equal "$stderr" "sosr-fetch-sos: error: bad record in C_Code ALC devices, page at offset 0 on $SOS_URL/api/v1/inventory/devices, item 0: 1398104 JSON values in one record, more than the 100000 a raw record may hold (sosr-normalize builds each in memory); check the endpoint and the items field"
	# a bare object of 32 levels: its raw record would have 33, which
	# sosr-normalize refuses (exit 7, one stage later); 31 levels are fine
	local deep31 deep32
	deep31='{"id":1,"x":'$(printf '[%.0s' {1..30})$(printf ']%.0s' {1..30})'}'
	deep32='{"id":1,"x":'$(printf '[%.0s' {1..31})$(printf ']%.0s' {1..31})'}'
	spec spec.json "{'collections': {'softlayer/getHardware': {'items': ['$deep32']}}}"
	pages_start spec.json
	export SL_USERNAME=u SL_API_KEY=k
	run -5 --separate-stderr sosr-fetch-softlayer --account 7 --types hardware --endpoint "$PAGES_URL/rest/v3.1" --retries 0 -q
	assert_equal "$stderr" "sosr-fetch-softlayer: error: bad record in account 7 hardware, page at offset 0 on $PAGES_URL/rest/v3.1/SoftLayer_Account/getHardware.json, item 0: nested deeper than 31 levels, which sosr-normalize does not read in a raw record; check the endpoint and the object mask"
	spec spec.json "{'collections': {'softlayer/getHardware': {'items': ['$deep31']}}}"
	pages_start spec.json
	run -0 --separate-stderr sosr-fetch-softlayer --account 7 --types hardware --endpoint "$PAGES_URL/rest/v3.1" -q
	printf '%s\n' "$output" | sosr-normalize >/dev/null
}

# ---- item 2: raw records are the API's objects verbatim -----------------

@test "raw records are the API's bytes: blanks outside strings removed; escapes, numbers and duplicate names kept" {
	spec spec.json "{'collections': {
	  'sos/devices': {'sep': ',\r\n  ', 'head': '\r\n', 'tail': ' \r\n', 'items': [
	    '{ \"hostname\" : \"web\\\\/01\" ,\t\"domain\":\"alc.example.com\", \"note\":\"caf\\\\u00e9 \\\\\"q\\\\\" \\\\ud83d\\\\ude00 a  b\",\r\n \"n\":-0, \"big\":1E400, \"f\":1.50 }',
	    '{\"hostname\":\"web02\",\"hostname\":\"web03\",\"softlayer_id\":18446744073709551617,\"tags\":[ 1 , 2 ]}']},
	  'sos/vlans': {'items': ['{\"vlan_id\":1,\"vlan_number\":5,\"router\":\"r1\"}']}}}"
	pages_start spec.json
	export SOS_TOKEN=t
	run -0 --separate-stderr sosr-fetch-sos -C ALC --url "$PAGES_URL" -q
	assert_equal "$output" '{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"web\/01","domain":"alc.example.com","note":"caf\u00e9 \"q\" \ud83d\ude00 a  b","n":-0,"big":1E400,"f":1.50}}
{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"web02","hostname":"web03","softlayer_id":18446744073709551617,"tags":[1,2]}}
{"source":"sos","c_code":"ALC","type":"vlan","data":{"vlan_id":1,"vlan_number":5,"router":"r1"}}'
	# normalize reads the escapes as json-c does; the doubled hostname is
	# no silent pick: the record is unidentified, with the reason
	printf '%s\n' "$output" >raw.ndjson
	run -0 --separate-stderr sosr-normalize raw.ndjson
	assert_equal "$(jq -r '[.key, .reason // "-"] | join(" | ")' <<<"$output")" "device/web/01.alc.example.com | -
unidentified/sos/device/line/2 | field 'hostname' is named 2 times in the record, so which value is meant is not known (mapping sos.device.hostname)
vlan/r1/5 | -"
}

@test "SoftLayer ids beyond 64 bits: exact in the raw records, deduped as numbers of any length, exact after sosr-normalize" {
	# pages of 2: the page at offset 2 repeats the last id of the page
	# before it (an overlap), the page at offset 4 is the one after the
	# total's whole pages (issue 10, item 4) and holds the last record
	spec spec.json "{'collections': {'softlayer/getHardware': {'total': 4, 'pages': {
	  '0': '[{\"id\":5,\"hostname\":\"a\",\"domain\":\"x.com\"},{\"id\":18446744073709551616,\"hostname\":\"b\",\"domain\":\"x.com\"}]',
	  '2': '[{\"id\":18446744073709551616,\"hostname\":\"b\",\"domain\":\"x.com\"},{\"id\":18446744073709551617,\"hostname\":\"c\",\"domain\":\"x.com\"}]',
	  '4': '{\"id\":99999999999999999999999,\"hostname\":\"d\",\"domain\":\"x.com\"}'}}}}"
	pages_start spec.json
	export SL_USERNAME=u SL_API_KEY=k
	run -0 --separate-stderr sosr-fetch-softlayer --account 7 --types hardware -p 2 --endpoint "$PAGES_URL/rest/v3.1" -q
	assert_equal "$(printf '%s\n' "$output" | sed 's/.*"id":\([0-9]*\).*/\1/' | tr '\n' ' ')" \
		"5 18446744073709551616 18446744073709551617 99999999999999999999999 "
	printf '%s\n' "$output" >raw.ndjson
	run -0 --separate-stderr sosr-normalize --device-key id raw.ndjson
	assert_equal "$(jq -r '.key + " " + .id' <<<"$output" | tr '\n' ' ')" \
		"device/id/18446744073709551616 18446744073709551616 device/id/18446744073709551617 18446744073709551617 device/id/5 5 device/id/99999999999999999999999 99999999999999999999999 "
	# an id that is negative, not whole, or named twice cannot be deduped
	local bad
	for bad in '{"id":-5}' '{"id":5.0}' '{"id":"5"}' '{"id":5,"id":6}' '{"ID":5}'; do
		spec spec.json "{'collections': {'softlayer/getHardware': {'items': ['{\"id\":1}', '$bad']}}}"
		pages_start spec.json
		run -5 --separate-stderr sosr-fetch-softlayer --account 7 --types hardware --endpoint "$PAGES_URL/rest/v3.1" --retries 0 -q
		[ -z "$output" ]
		[[ $stderr == "sosr-fetch-softlayer: error: bad record in account 7 hardware, page at offset 0 on $PAGES_URL/rest/v3.1/SoftLayer_Account/getHardware.json, item 1: "* ]]
		if [[ $bad == '{"id":5,"id":6}' ]]; then
			[[ $stderr == *': "id" appears 2 times; check the endpoint and the object mask' ]]
		else
			[[ $stderr == *': no "id" that is a whole number of 0 or more; check the endpoint and the object mask' ]]
		fi
	done
}

@test "sosr-normalize: an identity field named twice is unidentified with the reason; other fields named twice are json-c's last" {
	{
		printf '%s\n' '{"source":"softlayer","account":"1","type":"hardware","data":{"id":7,"hostname":"a","domain":"x.com","domain":"y.com"}}'
		printf '%s\n' '{"source":"softlayer","account":"1","type":"hardware","data":{"id":8,"id":9,"hostname":"b","domain":"x.com"}}'
		printf '%s\n' '{"source":"softlayer","account":"1","type":"hardware","data":{"id":10,"host\u006eame":"c","hostname":"d","domain":"x.com"}}'
		printf '%s\n' '{"source":"softlayer","account":"1","type":"vlan","data":{"id":11,"vlanNumber":5,"primaryRouter":{"hostname":"r1","hostname":"r2"}}}'
		printf '%s\n' '{"source":"softlayer","account":"1","type":"hardware","data":{"id":12,"hostname":"e","domain":"x.com","serialNumber":"S1","serialNumber":"S2"}}'
	} >raw.ndjson
	run -0 --separate-stderr sosr-normalize raw.ndjson
	assert_equal "$(jq -r '[.key, .reason // .serial] | join(" | ")' <<<"$output")" "device/e.x.com | S2
unidentified/softlayer/hardware/line/1 | field 'domain' is named 2 times in the record, so which value is meant is not known (mapping softlayer.hardware.domain)
unidentified/softlayer/hardware/line/2 | field 'id' is named 2 times in the record, so which value is meant is not known (mapping softlayer.hardware.id)
unidentified/softlayer/hardware/line/3 | field 'hostname' is named 2 times in the record, so which value is meant is not known (mapping softlayer.hardware.hostname)
unidentified/softlayer/vlan/line/4 | field 'router' is named 2 times in the record, so which value is meant is not known (mapping softlayer.vlan.router)"
}

# ---- item 3: a lying total -----------------------------------------------

@test "a total far above the records: the short page before it is named at once, exit 6 after three reads, not at the time budget" {
	# before: 20,000 pages asked for at 50 a second, then exit 4 when the
	# time budget ran out (30 minutes by default; 20 s here)
	sim_start --seed 2 --accounts 1 --devices 40 --vlans 6 --fault total:100000,target=softlayer
	# (--concurrency 1: the pages come in order, the first short one named)
	run -6 --separate-stderr sosr-fetch-softlayer --config "$CFG" --types vlan -p 5 --budget 20s --concurrency 1
	[ -z "$output" ]
	assert_equal "$(grep error: <<<"$stderr")" "sosr-fetch-softlayer: error: incomplete read of account 1000001 vlan: the page at offset 5 has 1 records, fewer than the page size (5), before the total 100006 was reached; the API's total (SoftLayer-Total-Items) does not match its pages, or the API serves fewer records a page than asked (then use a smaller --page-size) (read 3 times); a rerun is the first remedy, and if it persists the API is changing or paging inconsistently: check with its owners"
	[ "$(sim_requests '.api == "softlayer"')" -lt 100 ]
	stop_fake_api
	sim_start --seed 2 --accounts 1 --devices 40 --vlans 6 --fault total:1000000,target=sos
	run -6 --separate-stderr sosr-fetch-sos -C ALC -p 10 --budget 20s --concurrency 1
	[[ $stderr == *"error: incomplete read of C_Code ALC vlans: the page at offset 0 has 6 records, fewer than the page size (10), before the total 1000006 was reached; the API's total (total) does not match its pages"*"(read 3 times)"* ]]
	[ "$(sim_requests '.api == "sos"')" -lt 100 ]
}

# ---- item 4: a total one short -------------------------------------------

@test "a total one short that is a whole number of pages: the page after them is asked for, not empty: exit 6, never exit 0 short" {
	# the "total:-1" cell of fetch-*.bats "every fault", made deterministic:
	# hardware 16 and VLANs 6 say 15 and 5, whole numbers of pages of 5;
	# before, the pages asked for were full, their count the total, exit 0
	# with one record of each missing
	sim_start --seed 2 --accounts 1 --devices 41 --vlans 6 --fault total:-1,target=softlayer
	[ "$(estate_sl 1000001 hardware | wc -l)" -eq 16 ]
	[ "$(estate_sl 1000001 vlan | wc -l)" -eq 6 ]
	local t
	for t in hardware:15:getHardware vlan:5:getNetworkVlans; do
		run -6 --separate-stderr sosr-fetch-softlayer --config "$CFG" --types "${t%%:*}" -p 5
		[ -z "$output" ]
		assert_equal "$(grep error: <<<"$stderr")" "sosr-fetch-softlayer: error: incomplete read of account 1000001 ${t%%:*}: expected $(cut -d: -f2 <<<"$t") records (SoftLayer-Total-Items), got $(($(cut -d: -f2 <<<"$t") + 1)) (read 3 times); a rerun is the first remedy, and if it persists the API is changing or paging inconsistently: check with its owners"
		# the page at the total's offset was asked for, three times
		[ "$(sim_requests '(.path | endswith("'"${t##*:}"'.json")) and (.query | test("resultLimit='"$(cut -d: -f2 <<<"$t")"',5"))')" -eq 3 ]
	done
	# the SOS side: devices 41 and VLANs 6 say 40 and 5
	stop_fake_api
	sim_start --seed 2 --accounts 1 --devices 41 --vlans 6 --fault total:-1,target=sos
	[ "$(jq -c 'select(.type == "device")' "$ESTATE/raw/sos.ndjson" | wc -l)" -eq 41 ]
	# (--concurrency 1: the VLANs, read faster, fail first, deterministically)
	run -6 --separate-stderr sosr-fetch-sos -C ALC -p 5 --concurrency 1
	[ -z "$output" ]
	assert_equal "$(grep error: <<<"$stderr")" "sosr-fetch-sos: error: incomplete read of C_Code ALC vlans: expected 5 records (total), got 6 (read 3 times); a rerun is the first remedy, and if it persists the API is changing or paging inconsistently: check with its owners"
	[ "$(sim_requests '(.path | endswith("/vlans")) and (.query | test("offset=5&limit=5"))')" -eq 3 ]
	# a true total that is a whole number of pages costs one request more,
	# answered empty
	stop_fake_api
	sim_start --seed 2 --accounts 1 --devices 40 --vlans 6
	run -0 --separate-stderr sosr-fetch-sos -C ALC -p 5 -q
	cmp <(printf '%s\n' "$output") "$ESTATE/raw/sos.ndjson"
	[ "$(sim_requests '.api == "sos"')" -eq $((40 / 5 + 1 + 6 / 5 + 1)) ]
}

# ---- item 11: the byte order mark and CRLF, one rule for every reader -----

@test "a page that starts with a byte order mark and has CRLF between items is read: the BOM skipped, CRLF blanks" {
	spec spec.json "{'collections': {
	  'sos/devices': {'head': '\ufeff', 'sep': ',\r\n', 'items': ['{\"hostname\":\"a\"}', '{\"hostname\":\"b\"}']},
	  'sos/vlans': {'head': '\ufeff', 'items': ['{\"vlan_id\":1}']},
	  'softlayer/getHardware': {'head': '\ufeff', 'sep': ',\r\n', 'items': ['{\"id\":1}', '{\"id\":2}']}}}"
	pages_start spec.json
	export SOS_TOKEN=t
	run -0 --separate-stderr sosr-fetch-sos -C ALC --url "$PAGES_URL" -q
	assert_equal "$output" '{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"a"}}
{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"b"}}
{"source":"sos","c_code":"ALC","type":"vlan","data":{"vlan_id":1}}'
	export SL_USERNAME=u SL_API_KEY=k
	run -0 --separate-stderr sosr-fetch-softlayer --account 7 --types hardware --endpoint "$PAGES_URL/rest/v3.1" -q
	assert_equal "$output" '{"source":"softlayer","account":"7","type":"hardware","data":{"id":1}}
{"source":"softlayer","account":"7","type":"hardware","data":{"id":2}}'
}

BOM=$'\xef\xbb\xbf'

@test "BOM and CRLF in NDJSON: sosr-normalize and sosr-diff read a stream with them as the stream without; a BOM on another line is named" {
	local bom=$BOM
	# NDJSON: sosr-normalize and sosr-diff read a stream with a BOM and
	# CRLF line ends as the same stream without
	printf '%s\n' '{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"a","domain":"x.com"}}' \
		'{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"b","domain":"x.com"}}' >raw.ndjson
	printf '%s\n' '{"source":"softlayer","account":"1","type":"hardware","data":{"id":1,"hostname":"a","domain":"x.com"}}' >sl.ndjson
	{ printf '%s' "$bom"; sed 's/$/\r/' raw.ndjson; } >raw-bom-crlf.ndjson
	sosr-normalize raw.ndjson >want.ndjson
	sosr-normalize sl.ndjson >sl-canon.ndjson
	run -0 --separate-stderr sosr-normalize raw-bom-crlf.ndjson
	diff <(printf '%s\n' "$output") want.ndjson
	{ printf '%s' "$bom"; sed 's/$/\r/' want.ndjson; } >canon-bom-crlf.ndjson
	{ printf '%s' "$bom"; sed 's/$/\r/' sl-canon.ndjson; } >sl-bom-crlf.ndjson
	run -1 sosr-diff --now 2026-11-26T00:00:00Z sl-canon.ndjson want.ndjson
	printf '%s\n' "$output" >want.diff
	run -1 --separate-stderr sosr-diff --now 2026-11-26T00:00:00Z sl-bom-crlf.ndjson canon-bom-crlf.ndjson
	diff <(printf '%s\n' "$output") want.diff
	# a BOM at the start of another line: refused, named
	{ head -1 raw.ndjson; printf '%s' "$bom"; tail -1 raw.ndjson; } >bom2.ndjson
	run -7 --separate-stderr sosr-normalize bom2.ndjson
	assert_equal "$stderr" "sosr-normalize: error: bom2.ndjson:2: a byte order mark (BOM) at the start of the line: only the start of a stream may have one; check how the stream was put together"
}

@test "BOM and CRLF in a JSON document: the configuration and a mapping are read" {
	local bom=$BOM
	printf '%s\n' '{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"a","domain":"x.com"}}' >raw.ndjson
	sim_start --seed 2 --accounts 1 --devices 10 --vlans 2
	{ printf '%s' "$bom"; jq . "$CFG" | sed 's/$/\r/'; } >cfg-bom.json
	run -0 --separate-stderr sosr-fetch-softlayer --config cfg-bom.json -q
	cmp <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
	printf '%s{"sos":{"device":{"hostname":"hostname"}}}\r\n' "$bom" >map.json
	run -0 sosr-normalize --map map.json raw.ndjson
}

@test "BOM and CRLF in a secret file: no part of the token" {
	local bom=$BOM
	sim_start --seed 2 --accounts 1 --devices 10 --vlans 2
	printf '%s%s\r\n' "$bom" "$SOS_TOKEN" >token
	unset SOS_TOKEN
	SOS_TOKEN_FILE=token run -0 --separate-stderr sosr-fetch-sos -C ALC -q
	cmp <(printf '%s\n' "$output") "$ESTATE/raw/sos.ndjson"
}

@test "BOM and CRLF in ~/.softlayer, as a Windows editor saves it: read as slcli reads it" {
	local bom=$BOM
	sim_start --seed 2 --accounts 1 --devices 10 --vlans 2
	printf '%s[softlayer]\r\nusername = SL1000001\r\napi_key = %s\r\nendpoint_url = %s\r\n' \
		"$bom" "$SL_KEY_1000001" "$SL_ENDPOINT" >"$HOME/.softlayer"
	run -0 --separate-stderr sosr-fetch-softlayer -q
	cmp <(printf '%s\n' "$output") "$ESTATE/raw/softlayer.ndjson"
}

# ---- the simulator's amplify fault itself ---------------------------------

@test "sosr-fake-api: amplify:SIZE makes a page of {} values, amplify:SIZE:record one record of them, the total true" {
	sim_start --seed 2 --accounts 1 --devices 10 --vlans 2 --fault amplify:1K,target=sos --fault amplify:30:record,target=softlayer
	local body
	body=$(curl -sS -H "Authorization: Bearer $SOS_TOKEN" "$SOS_URL/api/v1/inventory/vlans?c_code=ALC")
	[[ $body == '{"c_code":"ALC","total":2,"offset":0,"limit":500,"items":[{},{},'* ]]
	[ "$(jq '.items | length' <<<"$body")" -eq 341 ]
	body=$(curl -sS -u "SL1000001:$SL_KEY_1000001" "$SL_ENDPOINT/SoftLayer_Account/getNetworkVlans.json")
	assert_equal "$body" '[{"id":1,"x":[{},{},{},{},{},{},{},{},{},{}]}]'
	run -2 sosr-fake-api --fault amplify --no-serve
	assert_output --partial "amplify needs the size of the page: amplify:SIZE (like 60M)"
	run -2 sosr-fake-api --fault amplify:2G --no-serve
	assert_output --partial "amplify: '2G' is not a size of 2 bytes to 1G (like 60M)"
}
