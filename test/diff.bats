#!/usr/bin/env bats
# sosr-diff: every finding type, the lifecycle rules, the summary, input
# modes, bad input, and a full reconciliation against the simulator's truth.
bats_require_minimum_version 1.5.0
load test_helper

setup() { common_setup; }
teardown() { common_teardown; }

NOW=2026-11-26T00:00:00Z

# dev SIDE NAME [MEMBERS] - a canonical device record of SIDE for NAME;
# MEMBERS replace the compared span (default: the usual IPs and datacenter)
dev() {
	local side=$1 name=$2 span=${3:-'"private_ip":"10.0.0.1","public_ip":"169.45.0.1","datacenter":"dal10"'} tail=${4:-}
	local prov
	if [[ $side == softlayer ]]; then
		prov='"source":"softlayer","account":"659397","id":"1","status":"active","created":"2026-01-01T00:00:00Z"'
	else
		prov='"source":"sos","c_code":"ALC","id":"1","status":"live"'
	fi
	printf '{"key":"device/%s","kind":"device","fqdn":"%s",%s,"device_type":"bare_metal",%s%s}\n' \
		"$name" "$name" "$span" "$prov" "$tail"
}

vlan() {
	printf '{"key":"vlan/%s/%s","kind":"vlan","number":%s,"router":"%s",%s,"source":"%s","id":"9"}\n' \
		"$2" "$3" "$3" "$2" "${4:-"\"datacenter\":\"dal10\",\"space\":\"private\""}" "$1"
}

# findings: the lines of $output but the summary (none is no error: grep
# exits 1 then; 2, a failure of grep, is)
findings() { grep -v '"type":"summary"' <<<"$output" || [[ $? -eq 1 ]]; }
summary() { grep '"type":"summary"' <<<"$output"; }

@test "--help lists every option and the exit codes; --version" {
	run -0 sosr-diff --help
	for opt in --compare --grace --now --max-group --identities --fallback --no-fallback --help --version; do
		assert_output --partial -- "$opt"
	done
	assert_output --partial '1   findings'
	assert_output --partial '7   invalid input'
	run -0 sosr-diff --version
	assert_output --regexp '^sosr-diff \(sos-reconcile\) [0-9]'
}

@test "usage errors exit 2 and name the option" {
	touch a b
	run -2 sosr-diff a
	assert_output --partial 'sosr-diff: error: expected two operands, SOFTLAYER and SOS; got 1'
	run -2 sosr-diff - -
	assert_output --partial "only one of SOFTLAYER and SOS can be '-'"
	run -2 sosr-diff --compare device:colour a b
	assert_output --partial "--compare: 'colour' is not a compared field of a device"
	run -2 sosr-diff --compare subnet:x a b
	assert_output --partial "--compare: 'subnet:x' is not KIND:FIELD,..."
	run -2 sosr-diff --compare vlan:space,space a b
	assert_output --partial "'space' is listed twice"
	run -2 sosr-diff --grace soon a b
	assert_output --partial "--grace: 'soon' is not a duration"
	run -2 sosr-diff --now yesterday a b
	assert_output --partial "--now: 'yesterday' is not an RFC 3339 time"
	run -2 sosr-diff --max-group 0 a b
	run -9 sosr-diff a nonexistent
	assert_output --partial "cannot read the sos input 'nonexistent'"
}

@test "identical inventories: no findings, exit 0, only the summary" {
	{ dev softlayer a.example.com; dev softlayer b.example.com; vlan softlayer r1 5; } >sl
	{ dev sos a.example.com; dev sos b.example.com; vlan sos r1 5; } >sos
	run -0 sosr-diff --now "$NOW" sl sos
	assert_equal "${#lines[@]}" 1
	assert_output '{"type":"summary","format":2,"now":"2026-11-26T00:00:00Z","grace_hours":48,"compare":{"device":["private_ip","public_ip","datacenter"],"vlan":["datacenter","space"]},"identities":{"device":["fqdn","id","private_ip","serial"],"vlan":["router_number","id"]},"records":{"softlayer":{"device":2,"vlan":1,"unidentified":0},"sos":{"device":2,"vlan":1,"unidentified":0}},"matched":{"device":2,"vlan":1},"matched_by":{"device":{"fqdn":2,"id":0,"private_ip":0,"serial":0},"vlan":{"router_number":1,"id":0}},"findings":{"missing_in_sos":0,"missing_in_softlayer":0,"mismatch":0,"duplicate":0,"unidentified":0},"excluded":0,"pending":0}'
	# the key alone (--no-fallback): the format 1 summary, as before identities
	run -0 sosr-diff --no-fallback --now "$NOW" sl sos
	assert_output '{"type":"summary","format":1,"now":"2026-11-26T00:00:00Z","grace_hours":48,"compare":{"device":["private_ip","public_ip","datacenter"],"vlan":["datacenter","space"]},"records":{"softlayer":{"device":2,"vlan":1,"unidentified":0},"sos":{"device":2,"vlan":1,"unidentified":0}},"matched":{"device":2,"vlan":1},"findings":{"missing_in_sos":0,"missing_in_softlayer":0,"mismatch":0,"duplicate":0,"unidentified":0},"excluded":0,"pending":0}'
}

@test "missing_in_sos and missing_in_softlayer carry the record of their side" {
	{ dev softlayer a.example.com; vlan softlayer r1 5; } >sl
	{ dev sos b.example.com; vlan sos r2 5; } >sos
	# both devices carry SoftLayer id 1 and both VLANs id 9: the default
	# identities pair them (one mismatch each; test/identity.bats); the key
	# alone leaves them apart
	run -1 sosr-diff --now "$NOW" sl sos
	findings | jq -se 'map([.type, .matched_by]) == [["mismatch","id"],["mismatch","id"]]'
	run -1 sosr-diff --no-fallback --now "$NOW" sl sos
	assert_line --index 0 "{\"type\":\"missing_in_sos\",\"kind\":\"device\",\"key\":\"device/a.example.com\",\"softlayer\":$(dev softlayer a.example.com)}"
	assert_line --index 1 "{\"type\":\"missing_in_softlayer\",\"kind\":\"device\",\"key\":\"device/b.example.com\",\"sos\":$(dev sos b.example.com)}"
	assert_line --index 2 --partial '{"type":"missing_in_sos","kind":"vlan","key":"vlan/r1/5","softlayer":{'
	assert_line --index 3 --partial '{"type":"missing_in_softlayer","kind":"vlan","key":"vlan/r2/5","sos":{'
	summary | jq -e '.findings.missing_in_sos == 2 and .findings.missing_in_softlayer == 2 and .matched.device == 0'
}

@test "mismatch lists each differing compared field with both values, null when absent" {
	dev softlayer a.example.com '"private_ip":"10.0.0.1","public_ip":"169.45.0.1","datacenter":"dal10"' >sl
	dev sos a.example.com '"private_ip":"10.0.0.9","datacenter":"dal12"' >sos
	run -1 sosr-diff --now "$NOW" sl sos
	assert_line --index 0 --partial '{"type":"mismatch","kind":"device","key":"device/a.example.com","matched_by":"fqdn","fields":[{"field":"private_ip","softlayer":"10.0.0.1","sos":"10.0.0.9"},{"field":"public_ip","softlayer":"169.45.0.1","sos":null},{"field":"datacenter","softlayer":"dal10","sos":"dal12"}],"agree":{"fqdn":true,"id":true,"private_ip":false,"serial":null,"public_ip":null,"datacenter":false},"softlayer":{"key":"device/a.example.com",'
	run -1 sosr-diff --no-fallback --now "$NOW" sl sos
	assert_line --index 0 --partial '{"type":"mismatch","kind":"device","key":"device/a.example.com","fields":[{"field":"private_ip","softlayer":"10.0.0.1","sos":"10.0.0.9"},{"field":"public_ip","softlayer":"169.45.0.1","sos":null},{"field":"datacenter","softlayer":"dal10","sos":"dal12"}],"softlayer":{"key":"device/a.example.com",'
	findings | jq -e '.sos.private_ip == "10.0.0.9"'
	summary | jq -e '.findings.mismatch == 1 and .matched.device == 1'
}

@test "VLAN mismatch: number fields stay numbers; --compare picks the fields" {
	vlan softlayer r1 5 '"datacenter":"dal10","space":"private","name":"a"' >sl
	vlan sos r1 5 '"datacenter":"dal10","space":"public","name":"b"' >sos
	run -1 sosr-diff --now "$NOW" sl sos
	findings | jq -e '.fields == [{"field":"space","softlayer":"private","sos":"public"}]'
	run -1 sosr-diff --now "$NOW" --compare vlan:number,name sl sos
	findings | jq -e '.fields == [{"field":"name","softlayer":"a","sos":"b"}]'
	summary | jq -e '.compare.vlan == ["number","name"] and .compare.device == ["private_ip","public_ip","datacenter"]'
}

@test "spans that differ only in fields not compared are no finding" {
	dev softlayer a.example.com '"hostname":"a","private_ip":"10.0.0.1","serial":"X"' >sl
	dev sos a.example.com '"private_ip":"10.0.0.1","serial":"Y"' >sos
	run -0 sosr-diff --now "$NOW" sl sos
	run -1 sosr-diff --now "$NOW" --compare device:serial sl sos
	findings | jq -e '.fields == [{"field":"serial","softlayer":"X","sos":"Y"}]'
	run -0 sosr-diff --now "$NOW" --compare device: sl sos
}

@test "duplicate: one record per side, never matched, with both counts" {
	{ dev softlayer a.example.com; dev softlayer a.example.com '"private_ip":"10.0.0.2"'; } | LC_ALL=C sort >sl
	dev sos a.example.com >sos
	{ dev sos b.example.com; dev sos b.example.com; dev sos b.example.com; } >>sos
	run -1 sosr-diff --now "$NOW" sl sos
	assert_equal "$(findings | wc -l)" 2
	findings | sed -n 1p | jq -e '.type == "duplicate" and .side == "softlayer" and .key == "device/a.example.com" and .count == 2 and .other_count == 1 and (.records | length) == 2'
	findings | sed -n 2p | jq -e '.type == "duplicate" and .side == "sos" and .key == "device/b.example.com" and .count == 3 and .other_count == 0'
	summary | jq -e '.findings == {"missing_in_sos":0,"missing_in_softlayer":0,"mismatch":0,"duplicate":2,"unidentified":0} and .matched.device == 0'
}

@test "duplicate on both sides gives one finding per side" {
	{ dev softlayer a.example.com; dev softlayer a.example.com; } >sl
	{ dev sos a.example.com; dev sos a.example.com; } >sos
	run -1 sosr-diff --now "$NOW" sl sos
	findings | jq -s -e 'map(.side) == ["softlayer","sos"] and all(.type == "duplicate")'
}

@test "unidentified records pass through as findings of their side" {
	u='{"key":"unidentified/sos/device/line/3","kind":"unidentified","reason":"no hostname","source":"sos","c_code":"ALC","raw_type":"device"}'
	dev softlayer a.example.com >sl
	{ dev sos a.example.com; echo "$u"; } >sos
	run -1 sosr-diff --now "$NOW" sl sos
	assert_line --index 0 "{\"type\":\"unidentified\",\"side\":\"sos\",\"kind\":\"unidentified\",\"key\":\"unidentified/sos/device/line/3\",\"reason\":\"no hostname\",\"record\":$u}"
	summary | jq -e '.findings.unidentified == 1 and .records.sos.unidentified == 1'
}

@test "pending: a SoftLayer device younger than the grace period is not missing" {
	young='"source":"softlayer","account":"1","id":"2","status":"active","created":"2026-11-25T12:00:00Z"'
	printf '{"key":"device/new.example.com","kind":"device","fqdn":"new.example.com",%s}\n' "$young" >sl
	: >sos
	run -0 sosr-diff --now "$NOW" sl sos
	assert_line --index 0 --partial '{"type":"pending","kind":"device","key":"device/new.example.com","age_hours":12,"softlayer":{'
	summary | jq -e '.pending == 1 and .findings.missing_in_sos == 0'
	run -1 sosr-diff --now "$NOW" --grace 6h sl sos
	assert_line --index 0 --partial '{"type":"missing_in_sos"'
	summary | jq -e '.pending == 0 and .grace_hours == 6'
	run -1 sosr-diff --now 2026-11-27T12:00:00Z sl sos
	assert_line --index 0 --partial '"missing_in_sos"'
}

@test "excluded: SOS records in Build or Available without a SoftLayer record" {
	: >sl
	{
		printf '{"key":"device/a.example.com","kind":"device","fqdn":"a.example.com","source":"sos","status":"build"}\n'
		printf '{"key":"device/b.example.com","kind":"device","fqdn":"b.example.com","source":"sos","status":"available"}\n'
		printf '{"key":"device/c.example.com","kind":"device","fqdn":"c.example.com","source":"sos","status":"live"}\n'
	} >sos
	run -1 sosr-diff --now "$NOW" sl sos
	assert_line --index 0 --partial '{"type":"excluded","kind":"device","key":"device/a.example.com","status":"build","sos":{'
	assert_line --index 1 --partial '{"type":"excluded","kind":"device","key":"device/b.example.com","status":"available","sos":{'
	assert_line --index 2 --partial '{"type":"missing_in_softlayer","kind":"device","key":"device/c.example.com"'
	summary | jq -e '.excluded == 2 and .findings.missing_in_softlayer == 1'
	# only the excluded ones: exit 0
	head -n2 sos >sos2
	run -0 sosr-diff --now "$NOW" sl sos2
}

@test "a matched SOS record in Build is compared as usual" {
	dev softlayer a.example.com >sl
	dev sos a.example.com '"private_ip":"10.9.9.9","public_ip":"169.45.0.1","datacenter":"dal10"' >sos
	sed -i 's/"status":"live"/"status":"build"/' sos
	run -1 sosr-diff --now "$NOW" sl sos
	findings | jq -e '.type == "mismatch"'
}

@test "the same output for files, '-' on either side, and a pipe" {
	{ dev softlayer a.example.com; dev softlayer c.example.com; } >sl
	{ dev sos b.example.com; dev sos c.example.com '"private_ip":"10.0.0.2"'; } >sos
	run -1 sosr-diff --now "$NOW" sl sos
	want=$output
	run -1 sosr-diff --now "$NOW" - sos <sl
	assert_equal "$output" "$want"
	run -1 sosr-diff --now "$NOW" sl - <sos
	assert_equal "$output" "$want"
	run -1 bash -c "cat sos | sosr-diff --now $NOW sl -"
	assert_equal "$output" "$want"
}

@test "unsorted input is refused with file:line and both keys" {
	{ dev softlayer b.example.com; dev softlayer a.example.com; } >sl
	: >sos
	run -7 --separate-stderr sosr-diff --now "$NOW" sl sos
	assert_equal "$stderr" "sosr-diff: error: sl:2: input is not sorted by key: 'device/a.example.com' comes after 'device/b.example.com'; check that it is sosr-normalize output"
	refute_output --partial '"type":"summary"'
}

@test "malformed lines are refused with file:line, and no summary is written" {
	dev softlayer a.example.com >sl
	printf '{"key":"device/a.example.com","kind":"device","source":"sos"' >sos
	run -7 --separate-stderr sosr-diff --now "$NOW" sl sos
	assert_equal "$stderr" "sosr-diff: error: sos:1: last line has no newline: the stream was cut short; check that the stage writing it finished"
	printf '{"source":"sos","type":"device","data":{}}\n' >sos
	run -7 --separate-stderr sosr-diff --now "$NOW" sl sos
	assert_equal "$stderr" 'sosr-diff: error: sos:1: not a canonical record: it does not start with {"key":; check that the input is sosr-normalize output'
	printf '{"key":"device/b.example.com","kind":"device","source":"sos","x":[}\n' >sos
	run -7 --separate-stderr sosr-diff --now "$NOW" sl sos
	[[ $stderr == "sosr-diff: error: sos:1: invalid JSON at byte "* ]]
	refute_output --partial '"type":"summary"'
	printf '{"key":"vlan/r/1","kind":"device","source":"sos"}\n' >sos
	run -7 --separate-stderr sosr-diff --now "$NOW" sl sos
	assert_equal "$stderr" "sosr-diff: error: sos:1: not a canonical record: the key does not start with its kind and '/'; check that the input is sosr-normalize output"
	printf '\n' >sos
	run -7 sosr-diff --now "$NOW" sl sos
	assert_output --partial 'sos:1: blank line'
	printf '{"key":"device/b","kind":"device","source":"sos","x":"\0"}\n' >sos
	run -7 sosr-diff --now "$NOW" sl sos
	assert_output --partial 'sos:1: NUL byte in line'
}

@test "a line that would hide a compared value from the fast path is refused: a compared field, key, kind or source after source; an escaped name; a nested source" {
	local why='not a canonical record: after "source", a member that belongs before it (key, kind, source or a compared field), a member name with an escape, or a bracket closed that the tail did not open; check that the input is sosr-normalize output'
	printf '%s\n' '{"key":"device/a.x","kind":"device","fqdn":"a.x","source":"softlayer","datacenter":"dal10"}' >sl
	printf '%s\n' '{"key":"device/a.x","kind":"device","fqdn":"a.x","source":"sos","datacenter":"wdc04"}' >sos
	# was exit 0 with no finding: json-c reads two datacenters, the spans are equal
	run -7 --separate-stderr sosr-diff --now "$NOW" sl sos
	assert_equal "$stderr" "sosr-diff: error: sl:1: $why"
	local tail
	for tail in '"key":"device/b.x"' '"kind":"vlan"' '"source":"sos"' '"fqd\u006e":"b.x"' '"private_ip":"10.0.0.1"'; do
		printf '{"key":"device/a.x","kind":"device","fqdn":"a.x","source":"softlayer","id":"1",%s}\n' "$tail" >sl
		run -7 --separate-stderr sosr-diff --now "$NOW" sl /dev/null
		assert_equal "$stderr" "sosr-diff: error: sl:1: $why"
	done
	# a "source" inside a nested value ends the span early: what follows is refused
	printf '%s\n' '{"key":"device/a.x","kind":"device","fqdn":{"x":1,"source":"softlayer"},"datacenter":"dal10","source":"softlayer"}' >sl
	run -7 --separate-stderr sosr-diff --now "$NOW" sl /dev/null
	assert_equal "$stderr" "sosr-diff: error: sl:1: $why"
	# members that may follow source, nested names that look like compared ones
	printf '%s\n' '{"key":"device/a.x","kind":"device","fqdn":"a.x","datacenter":"dal10","source":"softlayer","account":"1","id":"2","x":{"datacenter":"w","y":[{"fqdn":1}]},"z":"\",\"datacenter\":"}' >sl
	printf '%s\n' '{"key":"device/a.x","kind":"device","fqdn":"a.x","datacenter":"dal10","source":"sos","c_code":"ALC"}' >sos
	run -0 --separate-stderr sosr-diff --now "$NOW" sl sos
	assert_equal "$(jq -c .matched <<<"${lines[-1]}")" '{"device":1,"vlan":0}'
}

@test "operands in the wrong order are refused" {
	dev softlayer a.example.com >sl
	dev sos a.example.com >sos
	run -7 sosr-diff --now "$NOW" sos sl
	assert_output "sosr-diff: error: sos:1: a record of source 'sos' in the softlayer input; check the order of the operands (SOFTLAYER first, then SOS)"
}

@test "a key group past --max-group fails clearly" {
	for i in 1 2 3; do dev sos a.example.com; done >sos
	: >sl
	run -7 sosr-diff --now "$NOW" --max-group 2 sl sos
	assert_output "sosr-diff: error: sos:3: more than 2 records with the key 'device/a.example.com'; check the input, or raise --max-group"
}

@test "normalize then diff: the generator's planted drift is found, paired, and equals comm's view" {
	python3 "$ROOT/bench/gen-raw.py" 3000 0.03 gen
	sosr-normalize gen/softlayer.ndjson >sl
	sosr-normalize gen/sos.ndjson >sos
	run -1 sosr-diff --now "$NOW" sl sos
	printf '%s\n' "$output" >disc
	summary | jq -e '.findings.missing_in_sos == 30 and .findings.missing_in_softlayer == 30 and .findings.mismatch == 30 and .findings.duplicate == 0'
	# every mismatch is the planted private IP
	grep '"type":"mismatch"' disc | jq -e -s 'all(.fields | map(.field) == ["private_ip"])'
	# comm's view of the two key lists: the keys of one side only are the
	# missing ones, each once (the generator plants no duplicates)
	cut -d'"' -f4 sl >sl.keys
	cut -d'"' -f4 sos >sos.keys
	jq -r 'select(.type == "missing_in_sos") | .key' disc >got-sl-only
	jq -r 'select(.type == "missing_in_softlayer") | .key' disc >got-sos-only
	comm -23 sl.keys sos.keys | cmp - got-sl-only
	comm -13 sl.keys sos.keys | cmp - got-sos-only
}

@test "full reconciliation of a simulator estate equals its --truth file" {
	run -0 sosr-fake-api --seed 7 --devices 400 --vlans 40 --accounts 2 --drift 0.05 \
		--now "$NOW" --write-estate estate --truth truth.ndjson --no-serve 3>&-
	sosr-normalize estate/raw/softlayer.ndjson >sl
	sosr-normalize estate/raw/sos.ndjson >sos
	# the planted drift (5 %) gives findings: exit 1
	run -1 sosr-diff --now "$NOW" sl sos
	printf '%s\n' "$output" >disc
	project_findings disc >got
	LC_ALL=C sort truth.ndjson >want
	diff -u want got
}

@test "a full output disk is an error, exit 9" {
	dev softlayer a.example.com >sl
	: >sos
	run -9 bash -c "sosr-diff --now $NOW sl sos >/dev/full"
	assert_output "sosr-diff: error: cannot write standard output; check free space on the output disk: No space left on device"
}
