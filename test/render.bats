#!/usr/bin/env bats
# sosr-render: the text and JSON reports, the verdict and its exit status.
bats_require_minimum_version 1.5.0
load test_helper

setup() {
	common_setup
	IN="$FIXTURES/render/findings.ndjson"
}
teardown() { common_teardown; }

# The fixture without its summary line, and the summary alone.
no_summary() { grep -v '"type":"summary"' "$IN"; }
summary_only() { grep '"type":"summary"' "$IN"; }

@test "text report: header, verdict with its rules, counts, groups in type order" {
	run -1 sosr-render --c-code ALC --accounts 659397,1000001 --started 2026-11-26T16:00:00Z "$IN"
	assert_line 'C_Code     ALC'
	assert_line 'Started    2026-11-26T16:00:00Z'
	assert_line 'Status     complete'
	assert_line 'Accounts   659397, 1000001'
	assert_line 'Sources    softlayer  100 devices, 10 VLANs, 1 unidentified'
	assert_line 'VERDICT: SIGNIFICANT'
	assert_line --partial 'missing_in_sos.device: 1 of 100 (1.0%) reached the threshold 1'
	assert_line --regexp '^  mismatch +1 +0 +0 +1$'
	assert_line --regexp '^  pending \(info\) +1 +0 +0 +1$'
	assert_line '      private_ip: softlayer=10.1.2.3 sos=10.1.9.9'
	assert_line '      c_code=ALC status=available application="armada etcd"'
	# groups in the order of docs/FORMATS.md, whatever the stream's order
	groups=$(grep -oE '^[a-z_]+ \([0-9]+\):' <<<"$output" | cut -d' ' -f1 | tr '\n' ' ')
	assert_equal "$groups" "missing_in_sos missing_in_softlayer mismatch duplicate unidentified pending excluded "
}

@test "text report: every line fits in 100 columns, even with long values" {
	jq -c 'if .type=="missing_in_sos" then .softlayer.datacenter=("dc-" * 60) | .key=("device/" + "x" * 130) else . end' \
		"$IN" >long.ndjson
	run -1 sosr-render long.ndjson
	local longest
	longest=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' <<<"$output")
	((longest <= 100))
	assert_output --partial 'xxxx'
}

@test "text report: no colour with NO_COLOR, off a terminal; --color=always colours" {
	run -1 sosr-render "$IN"
	refute_output --partial $'\e['
	NO_COLOR= run -1 sosr-render --color=always "$IN"
	assert_output --partial $'\e[1;31mVERDICT: SIGNIFICANT'
	run -2 sosr-render --color=sometimes "$IN"
	assert_output --partial "sosr-render: error: --color: 'sometimes' is not auto, always or never"
}

@test "text report: control characters, NUL, bidi and zero-width characters from the inventory are shown escaped" {
	jq -c 'if .type=="missing_in_sos" then .softlayer.datacenter="dal\u001b[2J10" | .softlayer.status="ac\u0000tive"
	       | .softlayer.device_type="virt\u202eual" | .softlayer.private_ip="10.1\u200b.2.7\\x" else . end' "$IN" >evil.ndjson
	run -1 sosr-render evil.ndjson
	refute_output --partial $'\e'
	refute_output --partial $'\u202e'
	refute_output --partial $'\u200b'
	assert_output --partial 'datacenter=dal\x1b[2J10'
	assert_output --partial 'device_type=virt\u202eual'
	assert_output --partial 'private_ip=10.1\u200b.2.7\\x'
	# a NUL inside a value does not cut it short
	assert_output --partial 'status=ac\x00tive'
}

@test "json report: valid, versioned, every record of the stream in order, counts" {
	run -1 sosr-render --format json --c-code ALC --accounts 659397,1000001 "$IN"
	jq -e . <<<"$output" >/dev/null
	assert_equal "$(jq -c '[.format, .c_code, .accounts, .status, .verdict.result]' <<<"$output")" \
		'[4,"ALC",["659397","1000001"],"complete","significant"]'
	assert_equal "$(jq -c '.findings[]' <<<"$output")" "$(no_summary | jq -c .)"
	assert_equal "$(jq -c .summary <<<"$output")" "$(summary_only | jq -c .)"
	assert_equal "$(jq -c '[.counts.findings, .counts.pending.total, .counts.mismatch]' <<<"$output")" \
		'[5,1,{"device":1,"vlan":0,"unidentified":0,"total":1}]'
	assert_equal "$(jq -r '[.verdict.reasons[].rule] | join(" ")' <<<"$output")" \
		"missing_in_sos.device missing_in_softlayer.vlan duplicate.device"
}

@test "json report: the same input gives the same bytes" {
	sosr-render -f json "$IN" >a.json || [[ $? -eq 1 ]]
	sosr-render -f json <"$IN" >b.json || [[ $? -eq 1 ]]
	cmp a.json b.json
}

@test "input from a file, '-', a redirect and a pipe gives the same report" {
	run -1 sosr-render "$IN"
	local want=$output
	run -1 sosr-render - <"$IN"
	assert_equal "$output" "$want"
	run -1 sosr-render <"$IN"
	assert_equal "$output" "$want"
	run -1 bash -c 'cat "$1" | sosr-render' _ "$IN"
	assert_equal "$output" "$want"
}

@test "no findings: not significant, exit 0; excluded and pending never count" {
	jq -c 'select(.type=="pending" or .type=="excluded" or .type=="summary")
	       | if .type=="summary" then .findings |= map_values(0) else . end' "$IN" >info.ndjson
	run -0 sosr-render info.ndjson
	assert_line 'VERDICT: not significant'
	assert_output --partial 'pending (1)'
	run -0 sosr-render -f json info.ndjson
	assert_equal "$(jq -c '[.verdict.result, .verdict.significant, .counts.findings]' <<<"$output")" \
		'["not_significant",false,0]'
}

@test "thresholds: count, share, off, per kind; a share of the inventory decides" {
	run -0 sosr-render -t missing_in_sos=off -t missing_in_softlayer=off -t duplicate=off "$IN"
	assert_line 'VERDICT: not significant'
	run -1 sosr-render -t missing_in_sos=off -t missing_in_softlayer=off -t duplicate=off \
		-t mismatch.device=1% "$IN"
	assert_line --partial 'mismatch.device: 1 of 100 (1.0%) reached the threshold 1%'
	run -0 sosr-render -t missing_in_sos=off -t missing_in_softlayer=off -t duplicate=off \
		-t mismatch.device=2,1.5% "$IN"
	run -1 sosr-render -t missing_in_sos.vlan=off -t missing_in_softlayer=off -t duplicate=off "$IN"
	assert_line --partial 'missing_in_sos.device: 1 of 100'
}

@test "thresholds: bad rules and values are usage errors naming them" {
	run -2 sosr-render -t foo=1 "$IN"
	assert_line --partial "sosr-render: error: --threshold: 'foo' is not a rule"
	run -2 sosr-render -t unidentified.device=1 "$IN"
	assert_line --partial "'unidentified.device' is not a rule"
	run -2 sosr-render -t mismatch=0 "$IN"
	assert_line "sosr-render: error: --threshold: '0' is out of range 1..1000000000"
	run -2 sosr-render -t mismatch=101% "$IN"
	assert_line --partial "the share must be a percentage above 0 and at most 100"
	run -2 sosr-render -t mismatch=abc "$IN"
	assert_line "sosr-render: error: --threshold: 'abc' is not a whole number"
	run -2 sosr-render -t mismatch "$IN"
	assert_line --partial "is not RULE=SPEC"
}

@test "a stream without its summary line is refused (exit 7)" {
	no_summary >cut.ndjson
	run -7 sosr-render cut.ndjson
	assert_output "sosr-render: error: cut.ndjson: no summary line at the end of the discrepancy stream (7 lines): it was cut short; check that sosr-diff finished and exited 0 or 1"
	run -7 sosr-render </dev/null
	assert_output --partial "(stdin): no summary line"
}

@test "a record after the summary, or counts that do not add up, are refused" {
	{ cat "$IN"; no_summary | head -1; } >after.ndjson
	run -7 sosr-render after.ndjson
	assert_output "sosr-render: error: after.ndjson:9: record after the summary line; the summary must be the last line"
	{ no_summary | sed 1d; summary_only; } >short.ndjson
	run -7 sosr-render -f json short.ndjson
	assert_output "sosr-render: error: short.ndjson: the summary counts 1 missing_in_sos records but the stream has 0; the stream was cut or edited, check the file"
}

@test "invalid records: bad JSON, unknown type, wrong format version" {
	printf '{"type":"missing_in_sos",\n' >bad.ndjson
	run -7 sosr-render bad.ndjson
	assert_output --partial "sosr-render: error: bad.ndjson:1: "
	printf '{"type":"gone","kind":"device","key":"k"}\n' >type.ndjson
	run -7 sosr-render type.ndjson
	assert_output --partial "sosr-render: error: type.ndjson:1: unknown record type 'gone'"
	summary_only | jq -c '.format=3' >v3.ndjson
	run -7 sosr-render v3.ndjson
	assert_output --partial "v3.ndjson:1: summary of format 3, this sosr-render reads formats 1 and 2"
}

@test "incomplete run: says INCOMPLETE and why, never a verdict; exit 0" {
	local err='sosr-fetch-sos: error: HTTP 401 from SOS for C_Code ALC: SOS_TOKEN was rejected; check that it is still valid'
	run -0 sosr-render --c-code ALC --failure "fetch-sos:3:$err"
	assert_line 'Status     INCOMPLETE'
	assert_line 'VERDICT: INCOMPLETE - nothing was reconciled; this run is not clean'
	assert_line '  fetch-sos exited 3 (credentials rejected):'
	refute_output --partial 'SIGNIFICANT'
	refute_output --partial 'not significant'
	run -0 sosr-render -f json --c-code ALC --failure "fetch-sos:3:$err" --alert failed --alert-detail 'HTTP 500'
	assert_equal "$(jq -c '[.status, .verdict.result, .verdict.significant, .failures[0].stage, .failures[0].exit, .failures[0].error == $e, .alert.status, has("findings")]' --arg e "$err" <<<"$output")" \
		'["incomplete","incomplete",null,"fetch-sos",3,true,"failed",false]'
	run -2 sosr-render --failure 'fetch-sos:3:x' "$IN"
	assert_line --partial "an incomplete run (--failure) has no discrepancy stream to read"
	run -2 sosr-render --failure 'fetch-sos:x'
	assert_line --partial "--failure: 'fetch-sos:x' is not STAGE:CODE:MESSAGE"
}

@test "alert status is shown in both reports" {
	run -1 sosr-render --alert delivered --alert-detail 'pagerduty: trigger missing_in_sos' "$IN"
	assert_line 'Alert      delivered: pagerduty: trigger missing_in_sos'
	run -1 sosr-render --alert failed --alert-detail 'slack: HTTP 500' "$IN"
	assert_line 'Alert      NOT DELIVERED: slack: HTTP 500'
	run -2 sosr-render --alert maybe "$IN"
	assert_line --partial "--alert: 'maybe' is not delivered, failed, not-configured or not-needed"
}

@test "usage: operands, --help, --version, a full disk" {
	run -2 sosr-render a b
	assert_line "sosr-render: error: too many operands; sosr-render reads one stream"
	run -9 sosr-render nonexistent.ndjson
	assert_output --partial "sosr-render: error: nonexistent.ndjson: cannot open: No such file or directory; check the path of the discrepancy stream"
	run -0 sosr-render --help
	assert_output --partial 'Exit status:'
	run -0 sosr-render --version
	assert_output --regexp '^sosr-render \(sos-reconcile\) [0-9]'
	if [[ -w /dev/full ]]; then
		run -9 bash -c 'sosr-render "$1" >/dev/full' _ "$IN"
		assert_output --partial "sosr-render: error: cannot write"
	fi
}
