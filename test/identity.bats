#!/usr/bin/env bats
# Identities (issue 14): sosr-diff pairs the records its key left alone by
# the next identities (SoftLayer id, private address within a datacenter,
# serial; a VLAN's id), never guesses, and explains every pair; the
# simulator plants each case with the truth of how it must pair; with the
# fallback off (--no-fallback) the findings are the bytes they were before
# identities, which are now the default.
bats_require_minimum_version 1.5.0
load test_helper

setup() { common_setup; }
teardown() { common_teardown; }

NOW=2026-11-26T00:00:00Z
FIX=$BATS_TEST_DIRNAME/fixtures/identity

# estate N [ARGS...] - the simulator's estate with N of each identity case,
# its truths (the default identities) and both canonical streams in the current
# directory: softlayer.ndjson, sos.ndjson, truth.ndjson, cases.ndjson
estate() {
	local n=$1
	shift
	sosr-fake-api --seed 7 --devices 400 --vlans 60 --now "$NOW" --identity-cases "$n" \
		--truth truth.ndjson --identity-truth cases.ndjson --write-estate est --no-serve "$@" 3>&-
	for side in softlayer sos; do
		sosr-normalize --default-domain alc.example.com "est/raw/$side.ndjson" >"$side.ndjson"
	done
}

raw_sl() { # ID HOST IP DC [SERIAL]
	printf '{"source":"softlayer","account":"1","type":"hardware","data":{"id":%s,"hostname":"%s","domain":"alc.example.com","primaryBackendIpAddress":"%s","datacenter":{"name":"%s"}%s,"provisionDate":"2026-01-01T00:00:00Z"}}\n' \
		"$1" "$2" "$3" "$4" "${5:+,\"serialNumber\":\"$5\"}"
}
raw_sos() { # ID|"" HOST IP DC [SERIAL]
	printf '{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"%s","domain":"alc.example.com","ip_address":"%s","datacenter":"%s"%s%s,"status":"Live"}}\n' \
		"$2" "$3" "$4" "${1:+,\"softlayer_id\":$1}" "${5:+,\"serial\":\"$5\"}"
}
canon() { sosr-normalize "$1.raw" >"$1.ndjson"; }

@test "fallback off: the findings are the bytes of the key-only diff (held-out run of the code before identities)" {
	estate 3
	# key-only.ndjson was written by sosr-diff before identities existed
	# (the commit this branch started from), on these same inputs
	exits 1 sosr-diff --no-fallback --now "$NOW" softlayer.ndjson sos.ndjson >off.ndjson
	cmp off.ndjson "$FIX/key-only.ndjson"
	exits 1 sosr-diff --identities device:fqdn --identities vlan:router_number --now "$NOW" \
		softlayer.ndjson sos.ndjson >explicit.ndjson
	cmp explicit.ndjson "$FIX/key-only.ndjson"
	printf '{"diff":{"identities":{"device":["fqdn"],"vlan":["router_number"]}}}\n' >c.json
	exits 1 sosr-diff --config c.json --now "$NOW" softlayer.ndjson sos.ndjson >config.ndjson
	cmp config.ndjson "$FIX/key-only.ndjson"
	# and the simulator's key-only truth is what it was
	sosr-fake-api --seed 7 --devices 400 --vlans 60 --now "$NOW" --identity-cases 3 --no-fallback \
		--truth t0.ndjson --no-serve 3>&-
	project_findings off.ndjson >p0.ndjson
	cmp p0.ndjson t0.ndjson
}

@test "fallback on (the default): the pipeline's findings are the simulator's truth" {
	estate 3
	exits 1 sosr-diff --now "$NOW" softlayer.ndjson sos.ndjson >on.ndjson
	project_findings on.ndjson >p.ndjson
	cmp p.ndjson truth.ndjson
	exits 1 sosr-diff --fallback --now "$NOW" softlayer.ndjson sos.ndjson >flag.ndjson
	cmp flag.ndjson on.ndjson
	# --fallback wins over a configuration that turns it off; --no-fallback over one that turns it on
	printf '{"diff":{"identities":{"device":["fqdn"],"vlan":["router_number"]}}}\n' >off.json
	exits 1 sosr-diff --config off.json --fallback --now "$NOW" softlayer.ndjson sos.ndjson >flag.ndjson
	cmp flag.ndjson on.ndjson
	# the config's default lists are the flag's
	printf '{"diff":{"identities":{"device":["fqdn","id","private_ip","serial"],"vlan":["router_number","id"]}}}\n' >c.json
	exits 1 sosr-diff --config c.json --now "$NOW" softlayer.ndjson sos.ndjson >cfg.ndjson
	cmp cfg.ndjson on.ndjson
	# counts: a fallback pair is matched, and by what
	exits 1 sosr-diff --config c.json --no-fallback --now "$NOW" softlayer.ndjson sos.ndjson >nf.ndjson
	cmp nf.ndjson "$FIX/key-only.ndjson"
	run jq -c 'select(.type=="summary") | [.format, .matched_by.device.id, .matched_by.device.private_ip,
		.matched_by.device.serial, .matched_by.vlan.id, .identities.device]' on.ndjson
	assert_output '[2,6,3,3,3,["fqdn","id","private_ip","serial"]]'
}

@test "every planted case pairs as its truth says, as one finding" {
	estate 3
	exits 1 sosr-diff --fallback --now "$NOW" softlayer.ndjson sos.ndjson >on.ndjson
	[ "$(wc -l <cases.ndjson)" -eq 24 ]
	while read -r c; do
		local sl by why
		sl=$(jq -r '.softlayer[0]' <<<"$c")
		by=$(jq -r '.matched_by // ""' <<<"$c")
		why=$(jq -r '.why // ""' <<<"$c")
		if [[ -n $by ]]; then
			# one mismatch under the SoftLayer key, paired by the identity,
			# naming the key's field that differs; the SOS key is no finding
			run jq -c --arg k "$sl" 'select(.key==$k) | [.type, .matched_by, [.fields[].field][0]]' on.ndjson
			case $by in
			serial) assert_output '["mismatch","serial","fqdn"]' ;;
			*) [[ $output == "[\"mismatch\",\"$by\",\""@(fqdn|number)"\"]" ]] || fail "$c: $output" ;;
			esac
			run jq -c --argjson s "$(jq -c .sos <<<"$c")" 'select(.key as $k | $s | index($k))' on.ndjson
			assert_output ''
		else
			run jq -r --arg k "$sl" 'select(.key==$k) | .type' on.ndjson
			assert_output missing_in_sos
			while read -r s; do
				run jq -r --arg k "$s" 'select(.key==$k) | .type' on.ndjson
				assert_output missing_in_softlayer
			done < <(jq -r '.sos[]' <<<"$c")
			run jq -c --arg k "$sl" 'select(.key==$k) | [.unpaired[]? | .reason + "/" + (.conflict // "")]' on.ndjson
			case $why in
			conflict) assert_output '["conflict/id"]' ;;
			ambiguous) assert_output '["ambiguous/"]' ;;
			other_datacenter) assert_output '[]' ;;
			esac
		fi
	done <cases.ndjson
}

@test "an address two SOS records carry pairs nothing; the finding names the candidates" {
	{ raw_sl 11 web01 10.1.2.6 dal10; raw_sl 12 web02 10.1.2.7 dal10; raw_sl 13 web03 10.1.2.7 dal10; } >sl.raw
	{ raw_sos '' web1 10.1.2.6 DAL10; raw_sos '' webx 10.1.2.6 DAL10; raw_sos '' web2 10.1.2.7 DAL10; } >so.raw
	canon sl
	canon so
	exits 1 sosr-diff --fallback --now "$NOW" sl.ndjson so.ndjson >d.ndjson
	run jq -c 'select(.type!="summary") | [.type, .key, .matched_by]' d.ndjson
	assert_output - <<'EOF'
["missing_in_sos","device/web01.alc.example.com",null]
["missing_in_sos","device/web02.alc.example.com",null]
["missing_in_sos","device/web03.alc.example.com",null]
["missing_in_softlayer","device/web1.alc.example.com",null]
["missing_in_softlayer","device/web2.alc.example.com",null]
["missing_in_softlayer","device/webx.alc.example.com",null]
EOF
	run jq -c 'select(.key=="device/web01.alc.example.com") | .unpaired' d.ndjson
	assert_output '[{"by":"private_ip","value":"10.1.2.6","datacenter":"dal10","reason":"ambiguous","count":{"softlayer":1,"sos":2},"softlayer":["device/web01.alc.example.com"],"sos":["device/web1.alc.example.com","device/webx.alc.example.com"]}]'
	run jq -c 'select(.key=="device/web2.alc.example.com") | .unpaired[0] | [.count, .softlayer, .sos]' d.ndjson
	assert_output '[{"softlayer":2,"sos":1},["device/web02.alc.example.com","device/web03.alc.example.com"],["device/web2.alc.example.com"]]'
	run jq -c 'select(.type=="summary") | .matched.device' d.ndjson
	assert_output 0
	# the report says so in words
	run -1 sosr-render --format text d.ndjson
	assert_output --partial "not paired by private_ip 10.1.2.6 in dal10: ambiguous, 1 in SoftLayer"
}

@test "a re-used address in another datacenter, or with another SoftLayer id or serial, pairs nothing" {
	{ raw_sl 21 new01 10.9.0.1 dal10; raw_sl 22 new02 10.9.0.2 dal10; raw_sl 23 new03 10.9.0.3 dal10 SLNEW; } >sl.raw
	{ raw_sos '' old01 10.9.0.1 WDC04; raw_sos 99 old02 10.9.0.2 DAL10; raw_sos '' old03 10.9.0.3 DAL10 SLOLD; } >so.raw
	canon sl
	canon so
	exits 1 sosr-diff --fallback --now "$NOW" sl.ndjson so.ndjson >d.ndjson
	run jq -c 'select(.type!="summary") | [.type, .key, (.unpaired // [] | map(.reason + "/" + (.conflict // "")))]' d.ndjson
	assert_output - <<'EOF'
["missing_in_sos","device/new01.alc.example.com",[]]
["missing_in_sos","device/new02.alc.example.com",["conflict/id"]]
["missing_in_sos","device/new03.alc.example.com",["conflict/serial"]]
["missing_in_softlayer","device/old01.alc.example.com",[]]
["missing_in_softlayer","device/old02.alc.example.com",["conflict/id"]]
["missing_in_softlayer","device/old03.alc.example.com",["conflict/serial"]]
EOF
}

@test "a renamed device is one mismatch with its explanation, in every report" {
	raw_sl 31 web01 10.1.2.3 dal10 SLAAA >sl.raw
	raw_sos 31 web1 10.1.2.3 DAL10 >so.raw
	canon sl
	canon so
	exits 1 sosr-diff --fallback --now "$NOW" sl.ndjson so.ndjson >d.ndjson
	run jq -c 'select(.type=="mismatch") | del(.softlayer, .sos)' d.ndjson
	assert_output '{"type":"mismatch","kind":"device","key":"device/web01.alc.example.com","matched_by":"id","fields":[{"field":"fqdn","softlayer":"web01.alc.example.com","sos":"web1.alc.example.com"}],"agree":{"fqdn":false,"id":true,"private_ip":true,"serial":null,"public_ip":null,"datacenter":true}}'
	run jq -c 'select(.type=="summary") | .findings' d.ndjson
	assert_output '{"missing_in_sos":0,"missing_in_softlayer":0,"mismatch":1,"duplicate":0,"unidentified":0}'
	run -1 sosr-render --format text d.ndjson
	assert_output --partial "paired by id 31; differ: fqdn; agree: id, private_ip, datacenter; not on both sides: serial,"
	run -1 sosr-render --format json d.ndjson
	run jq -c '.findings[0] | [.matched_by, .agree.fqdn]' <<<"$output"
	assert_output '["id",false]'
	run -0 sosr-csv findings d.ndjson
	assert_output --partial '"paired by id 31; differ: fqdn;'
	run -1 sosr-render --format html d.ndjson
	assert_output --partial '<small class="explain">paired by id 31; differ: fqdn;'
	# by the private address within the datacenter when SOS has no id
	raw_sos '' web1 10.1.2.3 DAL10 >so.raw
	canon so
	exits 1 sosr-diff --fallback --now "$NOW" sl.ndjson so.ndjson >d.ndjson
	run -1 sosr-render --format text d.ndjson
	assert_output --partial "paired by private_ip 10.1.2.3 in dal10; differ: fqdn"
}

@test "a pair by its key and a duplicate are explained too; format 1 streams are not" {
	raw_sl 41 db01 10.1.0.1 dal10 >sl.raw
	{ raw_sos 41 db01 10.1.0.9 DAL10; } >so.raw
	raw_sl 42 dup01 10.1.0.2 dal10 >>sl.raw
	{ raw_sos 42 dup01 10.1.0.2 DAL10; raw_sos 42 dup01 10.1.0.3 DAL10; } >>so.raw
	canon sl
	canon so
	exits 1 sosr-diff --fallback --now "$NOW" sl.ndjson so.ndjson >d.ndjson
	run jq -c 'select(.type=="mismatch") | [.matched_by, [.fields[].field], .agree]' d.ndjson
	assert_output '["fqdn",["private_ip"],{"fqdn":true,"id":true,"private_ip":false,"serial":null,"public_ip":null,"datacenter":true}]'
	run jq -c 'select(.type=="duplicate") | [.matched_by, .count, .other_count, (.records | length), [.other_records[].key]]' d.ndjson
	assert_output '["fqdn",2,1,2,["device/dup01.alc.example.com"]]'
	run -1 sosr-render --format text d.ndjson
	assert_output --partial "on the other side (softlayer):"
	exits 1 sosr-diff --no-fallback --now "$NOW" sl.ndjson so.ndjson >k.ndjson
	run grep -c 'matched_by\|other_records\|agree' k.ndjson
	assert_output 0
	[[ $(tail -1 k.ndjson) == '{"type":"summary","format":1,'* ]]
	run -1 sosr-render --format text k.ndjson
	refute_output --partial "paired by"
	refute_output --partial "on the other side"
	# the default is the identities: format 2
	exits 1 sosr-diff --now "$NOW" sl.ndjson so.ndjson >d2.ndjson
	cmp d2.ndjson d.ndjson
	[[ $(tail -1 d2.ndjson) == '{"type":"summary","format":2,'* ]]
}

@test "a device paired by a fallback identity is one RECURRING finding across runs" {
	raw_sl 51 web01 10.1.2.3 dal10 >sl.raw
	raw_sos 51 web1 10.1.2.3 DAL10 >so.raw
	canon sl
	canon so
	exits 1 sosr-diff --fallback --now 2026-11-25T06:00:00Z sl.ndjson so.ndjson >d1.ndjson
	exits 1 sosr-track --ledger-out l1.ndjson d1.ndjson >t1.ndjson
	exits 1 sosr-diff --fallback --now 2026-11-26T06:00:00Z sl.ndjson so.ndjson >d2.ndjson
	exits 1 sosr-track --ledger l1.ndjson --ledger-out l2.ndjson d2.ndjson >t2.ndjson
	run jq -c 'select(.type!="summary") | [.type, .key, .matched_by, .status, .runs]' t2.ndjson
	assert_output '["mismatch","device/web01.alc.example.com","id","RECURRING",2]'
	run jq -c 'select(.type=="summary") | [.track.new, .track.recurring, .track.resolved]' t2.ndjson
	assert_output '[0,1,0]'
}

@test "identities: flags and configuration are checked" {
	run -0 sosr-diff --help
	assert_output --partial --identities
	assert_output --partial --fallback
	run -2 sosr-diff --identities device:id,ip sl sos
	assert_line -n 0 "sosr-diff: error: --identities: 'ip' is not an identity of a device (fqdn, id, private_ip, serial)"
	run -2 sosr-diff --identities device:private_ip sl sos
	assert_output --partial "the first identity is the key's, fqdn (or id, with --device-key id)"
	run -2 sosr-diff --identities vlan:router_number,serial sl sos
	assert_output --partial "'serial' is not an identity of a vlan (router_number, id)"
	run -2 sosr-diff --identities device:fqdn,id,id sl sos
	assert_output --partial "'id' is listed twice"
	run -2 sosr-diff --identities box:fqdn sl sos
	assert_output --partial "'box:fqdn' is not KIND:IDENTITY"
	printf '{"diff":{"identities":{"device":["fqdn","mac"]}}}\n' >bad.json
	run -2 sosr-diff --config bad.json sl sos
	assert_output --partial "bad.json: diff.identities.device: 'mac' is not an identity of a device"
	run -2 sosr-config check bad.json
	assert_output --partial "diff.identities.device"
	printf '{"diff":{"identities":{"device":"fqdn"}}}\n' >bad2.json
	run -2 sosr-diff --config bad2.json sl sos
	assert_output --partial "diff.identities.device: expected an array of identity names"
}

@test "bad input among the leftovers names the file and the line" {
	raw_sl 61 web01 10.1.2.3 dal10 >sl.raw
	canon sl
	printf '%s\n' '{"key":"device/zz.alc.example.com","kind":"device","fqdn":"zz.alc.example.com","private_ip":1.2.3,"source":"sos","c_code":"ALC"}' >so.ndjson
	run -7 sosr-diff --fallback --now "$NOW" sl.ndjson so.ndjson
	assert_output --partial "sosr-diff: error: so.ndjson:1: "
}

@test "sosr-fake-api: --identity-cases changes nothing without it; usage errors" {
	sosr-fake-api --seed 7 --devices 400 --vlans 60 --now "$NOW" --write-estate a --no-serve 3>&-
	sosr-fake-api --seed 7 --devices 400 --vlans 60 --now "$NOW" --identity-cases 0 --write-estate b --no-serve 3>&-
	diff -r a b
	run -2 sosr-fake-api --identity-truth x --no-serve
	assert_output --partial "--identity-truth: the truth of the cases --identity-cases N plants"
	run -2 sosr-fake-api --seed 7 --devices 20 --vlans 60 --identity-cases 50 --identity-truth x --no-serve
	assert_output --partial "too few devices"
}
