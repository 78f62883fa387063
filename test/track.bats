#!/usr/bin/env bats
# sosr-track: the lifecycle of findings across runs (docs/FORMATS.md 3b):
# NEW, RECURRING, REOPENED and resolved over several hand-made runs, the
# ledger and its retention, changed mismatches, sides, exceptions, the drop
# guard, refused input, byte stability, settings, exit codes.
bats_require_minimum_version 1.5.0
load test_helper

setup() { common_setup; }
teardown() { common_teardown; }

D1=2026-11-20T06:00:00Z
D2=2026-11-21T06:00:00Z
D3=2026-11-23T06:00:00Z
D4=2026-11-30T12:00:00Z

# mkstream NOW [POPS] < SPECS - a discrepancy stream as sosr-diff writes it,
# from one spec a line, in stream order:
#   mis KEY | mss KEY          missing_in_sos | missing_in_softlayer
#   mm KEY F=SL,SOS... F:V...  mismatch: differing fields, and equal ones
#                              (only in the records); "null" is null
#   dup KEY SIDE | unid KEY SIDE | pend KEY | excl KEY
# then the summary, its counts those of the records; POPS is the records'
# populations "SLDEV SLVLAN SLUNID SOSDEV SOSVLAN SOSUNID" (default
# 1000 100 0 1000 100 0).
mkstream() {
	local pops=${2:-"1000 100 0 1000 100 0"}
	awk -v now="$1" -v pops="$pops" '
	function kind(k,   p) { split(k, p, "/"); return p[1] }
	function val(v) { return v == "null" ? "null" : "\"" v "\"" }
	function rec(side, key, extra) {
		return "{\"key\":\"" key "\",\"kind\":\"" kind(key) "\"" extra ",\"source\":\"" side "\"}"
	}
	function head(t, key, side) {
		n[t]++
		return "{\"type\":\"" t "\"" (side != "" ? ",\"side\":\"" side "\"" : "") \
		       ",\"kind\":\"" kind(key) "\",\"key\":\"" key "\""
	}
	$1 == "mis" { print head("missing_in_sos", $2, "") ",\"softlayer\":" rec("softlayer", $2, "") "}" }
	$1 == "mss" { print head("missing_in_softlayer", $2, "") ",\"sos\":" rec("sos", $2, "") "}" }
	$1 == "mm" {
		f = ""; sl = ""; so = ""
		for (i = 3; i <= NF; i++)
			if (split($i, kv, "=") == 2) {
				split(kv[2], v, ",")
				f = f (f == "" ? "" : ",") "{\"field\":\"" kv[1] "\",\"softlayer\":" val(v[1]) ",\"sos\":" val(v[2]) "}"
				if (v[1] != "null") sl = sl ",\"" kv[1] "\":" val(v[1])
				if (v[2] != "null") so = so ",\"" kv[1] "\":" val(v[2])
			} else {
				split($i, kv, ":")
				sl = sl ",\"" kv[1] "\":" val(kv[2]); so = so ",\"" kv[1] "\":" val(kv[2])
			}
		print head("mismatch", $2, "") ",\"fields\":[" f "],\"softlayer\":" rec("softlayer", $2, sl) ",\"sos\":" rec("sos", $2, so) "}"
	}
	$1 == "dup" {
		r = rec($3, $2, "")
		print head("duplicate", $2, $3) ",\"count\":2,\"other_count\":1,\"records\":[" r "," r "]}"
	}
	$1 == "unid" { print head("unidentified", $2, $3) ",\"reason\":\"no hostname\",\"record\":" rec($3, $2, "") "}" }
	$1 == "pend" { print head("pending", $2, "") ",\"age_hours\":12,\"softlayer\":" rec("softlayer", $2, "") "}" }
	$1 == "excl" { print head("excluded", $2, "") ",\"status\":\"build\",\"sos\":" rec("sos", $2, "") "}" }
	END {
		split(pops, p, " ")
		printf "{\"type\":\"summary\",\"format\":1,\"now\":\"%s\",\"grace_hours\":48," \
		       "\"compare\":{\"device\":[\"private_ip\",\"public_ip\",\"datacenter\"],\"vlan\":[\"datacenter\",\"space\"]}," \
		       "\"records\":{\"softlayer\":{\"device\":%d,\"vlan\":%d,\"unidentified\":%d}," \
		       "\"sos\":{\"device\":%d,\"vlan\":%d,\"unidentified\":%d}},\"matched\":{\"device\":0,\"vlan\":0}," \
		       "\"findings\":{\"missing_in_sos\":%d,\"missing_in_softlayer\":%d,\"mismatch\":%d," \
		       "\"duplicate\":%d,\"unidentified\":%d},\"excluded\":%d,\"pending\":%d}\n",
		       now, p[1], p[2], p[3], p[4], p[5], p[6], n["missing_in_sos"], n["missing_in_softlayer"],
		       n["mismatch"], n["duplicate"], n["unidentified"], n["excluded"], n["pending"]
	}'
}

# life FILE - each record of a tracked stream (not the summary) as
# "TYPE KEY[/SIDE] STATUS FIRST LAST runs=N age=N", dates as MM-DD.
life() {
	jq -r 'select(.type != "summary")
	       | "\(.type) \(.key)\(if .side then "/" + .side else "" end) \(.status // .finding)"
	         + " \(.first_seen[5:10]) \(.last_seen[5:10]) runs=\(.runs)"
	         + (if .age_days then " age=\(.age_days)" elif .resolved then " resolved=\(.resolved[5:10])" else "" end)' "$1"
}

# ledger FILE - the entries of a ledger as "KEY[/SIDE] TYPE STATE FIRST LAST runs=N [resolved=DATE]".
ledger() {
	jq -r 'select(.type != "ledger")
	       | "\(.key)\(if .side then "/" + .side else "" end) \(.type) \(.state) \(.first_seen[5:10])"
	         + " \(.last_seen[5:10]) runs=\(.runs)" + (if .resolved then " resolved=\(.resolved[5:10])" else "" end)' "$1"
}

# counts FILE - the status counts of the summary's track member.
counts() {
	jq -c 'select(.type == "summary").track | {new, recurring, reopened, resolved, excepted, aged, newly_aged}' "$1"
}

# tracked OUT CODE ARGS... - sosr-track ARGS with its standard output in OUT;
# its exit status must be CODE (stderr is in $output)
tracked() {
	local out=$1 code=$2
	shift 2
	run "-$code" bash -c 'sosr-track "$@" >"$0"' "$out" "$@"
}

@test "--help lists every option and the exit codes; --version" {
	run -0 sosr-track --help
	for opt in --config --ledger --ledger-out --exceptions --now --keep-days --sla-days \
		--accept-drop --c-code --help --version; do
		assert_output --partial -- "$opt"
	done
	for code in '0   tracked' '1   tracked; findings' '2   usage' '7   invalid input' '9   cannot' \
		'10  out of memory' '11  suspect'; do
		assert_output --partial "$code"
	done
	run -0 sosr-track --version
	assert_output --regexp '^sosr-track \(sos-reconcile\) [0-9]'
}

@test "without a ledger every finding is NEW; the diff's bytes are kept; the summary gets a track member" {
	mkstream $D1 >s1.ndjson <<-'EOF'
		mis device/a.example.com
		mm device/b.example.com private_ip=10.0.0.1,10.0.0.9
		pend device/n.example.com
		excl device/o.example.com
		mss vlan/bcr01a.dal10/100
	EOF
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	printf '%s\n' "$output" >t1.ndjson
	run -0 life t1.ndjson
	assert_output - <<-'EOF'
		missing_in_sos device/a.example.com NEW 11-20 11-20 runs=1 age=0
		mismatch device/b.example.com NEW 11-20 11-20 runs=1 age=0
		pending device/n.example.com null null null runs=null
		excluded device/o.example.com build null null runs=null
		missing_in_softlayer vlan/bcr01a.dal10/100 NEW 11-20 11-20 runs=1 age=0
	EOF
	# each line is the diff's line with the annotations appended: the diff's
	# bytes are unchanged, pending and excluded pass through as they are
	sed -e 's/,"status":"NEW","first_seen":.*}$/}/' -e 's/,"track":{.*}}$/}/' t1.ndjson >stripped.ndjson
	cmp stripped.ndjson s1.ndjson
	run -0 jq -c 'select(.type == "summary").track' t1.ndjson
	assert_output '{"format":1,"run":"2026-11-20T06:00:00Z","history":false,"previous":null,"new":3,"recurring":0,"reopened":0,"resolved":0,"excepted":0,"aged":0,"newly_aged":0,"sla_days":0,"exceptions":null,"drop":null}'
	# the ledger: the header with the run's populations, one line per finding
	run -0 cat l1.ndjson
	assert_output - <<-'EOF'
		{"type":"ledger","format":1,"c_code":null,"run":"2026-11-20T06:00:00Z","keep_days":400,"records":{"softlayer":{"device":1000,"vlan":100,"unidentified":0},"sos":{"device":1000,"vlan":100,"unidentified":0}}}
		{"key":"device/a.example.com","type":"missing_in_sos","kind":"device","state":"open","first_seen":"2026-11-20T06:00:00Z","last_seen":"2026-11-20T06:00:00Z","runs":1}
		{"key":"device/b.example.com","type":"mismatch","kind":"device","state":"open","first_seen":"2026-11-20T06:00:00Z","last_seen":"2026-11-20T06:00:00Z","runs":1,"values":{"private_ip":{"softlayer":"10.0.0.1","sos":"10.0.0.9"}}}
		{"key":"vlan/bcr01a.dal10/100","type":"missing_in_softlayer","kind":"vlan","state":"open","first_seen":"2026-11-20T06:00:00Z","last_seen":"2026-11-20T06:00:00Z","runs":1}
	EOF
	[ ! -e l1.ndjson.tmp ]
	# no findings (pending only): exit 0, and a run without --ledger-out writes no ledger
	printf 'pend device/n.example.com\n' | mkstream $D1 >quiet.ndjson
	run -0 sosr-track quiet.ndjson
	assert_line --index 1 --partial '"new":0,'
}

@test "four runs: NEW, RECURRING, resolved, REOPENED, sides, first/last seen, runs and age exact" {
	mkstream $D1 >s1.ndjson <<-'EOF'
		mis device/a.example.com
		mm device/b.example.com private_ip=10.0.0.1,10.0.0.9
		dup device/c.example.com softlayer
		dup device/c.example.com sos
		unid unidentified/softlayer/hardware/7 softlayer
		mss vlan/bcr01a.dal10/100
	EOF
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	mkstream $D2 >s2.ndjson <<-'EOF'
		mm device/b.example.com private_ip=10.0.0.1,10.0.0.9
		dup device/c.example.com sos
		mis device/e.example.com
		unid unidentified/softlayer/hardware/7 softlayer
		mss vlan/bcr01a.dal10/100
	EOF
	tracked t2.ndjson 1 --ledger l1.ndjson --ledger-out l2.ndjson s2.ndjson
	run -0 life t2.ndjson
	assert_output - <<-'EOF'
		resolved device/a.example.com missing_in_sos 11-20 11-20 runs=1 resolved=11-21
		mismatch device/b.example.com RECURRING 11-20 11-21 runs=2 age=1
		resolved device/c.example.com/softlayer duplicate 11-20 11-20 runs=1 resolved=11-21
		duplicate device/c.example.com/sos RECURRING 11-20 11-21 runs=2 age=1
		missing_in_sos device/e.example.com NEW 11-21 11-21 runs=1 age=0
		unidentified unidentified/softlayer/hardware/7/softlayer RECURRING 11-20 11-21 runs=2 age=1
		missing_in_softlayer vlan/bcr01a.dal10/100 RECURRING 11-20 11-21 runs=2 age=1
	EOF
	run -0 counts t2.ndjson
	assert_output '{"new":1,"recurring":4,"reopened":0,"resolved":2,"excepted":0,"aged":0,"newly_aged":0}'
	# a resolved record names its finding, kind, key (and side), in that order
	run -0 grep -F '"type":"resolved","finding":"duplicate"' t2.ndjson
	assert_output '{"type":"resolved","finding":"duplicate","side":"softlayer","kind":"device","key":"device/c.example.com","first_seen":"2026-11-20T06:00:00Z","last_seen":"2026-11-20T06:00:00Z","runs":1,"resolved":"2026-11-21T06:00:00Z"}'

	mkstream $D3 >s3.ndjson <<-'EOF'
		mis device/a.example.com
		mm device/b.example.com private_ip=10.0.0.1,10.0.0.9
		dup device/c.example.com sos
		mss vlan/bcr01a.dal10/100
	EOF
	tracked t3.ndjson 1 --ledger l2.ndjson --ledger-out l3.ndjson s3.ndjson
	run -0 life t3.ndjson
	assert_output - <<-'EOF'
		missing_in_sos device/a.example.com REOPENED 11-20 11-23 runs=2 age=3
		mismatch device/b.example.com RECURRING 11-20 11-23 runs=3 age=3
		duplicate device/c.example.com/sos RECURRING 11-20 11-23 runs=3 age=3
		resolved device/e.example.com missing_in_sos 11-21 11-21 runs=1 resolved=11-23
		resolved unidentified/softlayer/hardware/7/softlayer unidentified 11-20 11-21 runs=2 resolved=11-23
		missing_in_softlayer vlan/bcr01a.dal10/100 RECURRING 11-20 11-23 runs=3 age=3
	EOF
	run -0 counts t3.ndjson
	assert_output '{"new":0,"recurring":3,"reopened":1,"resolved":2,"excepted":0,"aged":0,"newly_aged":0}'
	run -0 ledger l3.ndjson
	assert_output - <<-'EOF'
		device/a.example.com missing_in_sos open 11-20 11-23 runs=2
		device/b.example.com mismatch open 11-20 11-23 runs=3
		device/c.example.com/softlayer duplicate resolved 11-20 11-20 runs=1 resolved=11-21
		device/c.example.com/sos duplicate open 11-20 11-23 runs=3
		device/e.example.com missing_in_sos resolved 11-21 11-21 runs=1 resolved=11-23
		unidentified/softlayer/hardware/7/softlayer unidentified resolved 11-20 11-21 runs=2 resolved=11-23
		vlan/bcr01a.dal10/100 missing_in_softlayer open 11-20 11-23 runs=3
	EOF

	# run 4, keeping resolved findings 8 days: c/softlayer (resolved 9.25 days
	# ago) is forgotten, so it comes back NEW; the unidentified record
	# (resolved 7.25 days ago) comes back REOPENED; e stays in the ledger
	mkstream $D4 >s4.ndjson <<-'EOF'
		mis device/a.example.com
		dup device/c.example.com softlayer
		dup device/c.example.com sos
		unid unidentified/softlayer/hardware/7 softlayer
		mss vlan/bcr01a.dal10/100
	EOF
	tracked t4.ndjson 1 --keep-days 8 --ledger l3.ndjson --ledger-out l4.ndjson s4.ndjson
	run -0 life t4.ndjson
	assert_output - <<-'EOF'
		missing_in_sos device/a.example.com RECURRING 11-20 11-30 runs=3 age=10
		resolved device/b.example.com mismatch 11-20 11-23 runs=3 resolved=11-30
		duplicate device/c.example.com/softlayer NEW 11-30 11-30 runs=1 age=0
		duplicate device/c.example.com/sos RECURRING 11-20 11-30 runs=4 age=10
		unidentified unidentified/softlayer/hardware/7/softlayer REOPENED 11-20 11-30 runs=3 age=10
		missing_in_softlayer vlan/bcr01a.dal10/100 RECURRING 11-20 11-30 runs=4 age=10
	EOF
	run -0 ledger l4.ndjson
	assert_output - <<-'EOF'
		device/a.example.com missing_in_sos open 11-20 11-30 runs=3
		device/b.example.com mismatch resolved 11-20 11-23 runs=3 resolved=11-30
		device/c.example.com/softlayer duplicate open 11-30 11-30 runs=1
		device/c.example.com/sos duplicate open 11-20 11-30 runs=4
		device/e.example.com missing_in_sos resolved 11-21 11-21 runs=1 resolved=11-23
		unidentified/softlayer/hardware/7/softlayer unidentified open 11-20 11-30 runs=3
		vlan/bcr01a.dal10/100 missing_in_softlayer open 11-20 11-30 runs=4
	EOF
	run -0 jq -c '{keep_days, run}' <(head -1 l4.ndjson)
	assert_output '{"keep_days":8,"run":"2026-11-30T12:00:00Z"}'
}

@test "resolved findings stay keep_days in the ledger, then are pruned" {
	printf 'mis device/a.example.com\nmis device/b.example.com\n' | mkstream $D1 >s1.ndjson
	printf 'mis device/b.example.com\n' | mkstream $D2 >s2.ndjson
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	run -1 sosr-track --ledger l1.ndjson --ledger-out l2.ndjson s2.ndjson
	# resolved on 11-21T06: kept through exactly 3 days later, pruned after
	run -1 sosr-track --keep-days 3 --now 2026-11-24T06:00:00Z --ledger l2.ndjson --ledger-out l3.ndjson s2.ndjson
	run -0 ledger l3.ndjson
	assert_output - <<-'EOF'
		device/a.example.com missing_in_sos resolved 11-20 11-20 runs=1 resolved=11-21
		device/b.example.com missing_in_sos open 11-20 11-24 runs=3
	EOF
	run -1 sosr-track --keep-days 3 --now 2026-11-24T06:00:01Z --ledger l3.ndjson --ledger-out l4.ndjson s2.ndjson
	run -0 ledger l4.ndjson
	assert_output 'device/b.example.com missing_in_sos open 11-20 11-24 runs=4'
	# nothing of a pruned finding is reported again as resolved
	refute_output --partial resolved
}

@test "a mismatch whose values changed stays one finding and says what changed" {
	mkstream $D1 >s1.ndjson <<-'EOF'
		mm device/b.example.com private_ip=10.0.0.1,10.0.0.9 datacenter=dal10,dal12
	EOF
	mkstream $D2 >s2.ndjson <<-'EOF'
		mm device/b.example.com private_ip=10.0.0.1,10.0.0.8 public_ip=null,169.45.0.1 datacenter:dal10
	EOF
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	refute_output --partial '"changed"'
	run -1 sosr-track --ledger l1.ndjson --ledger-out l2.ndjson s2.ndjson
	run -0 jq -c 'select(.type == "mismatch") | {status, runs, changed}' <<<"$output"
	assert_output '{"status":"RECURRING","runs":2,"changed":[{"field":"private_ip","softlayer":"10.0.0.1","sos":"10.0.0.8","was":{"softlayer":"10.0.0.1","sos":"10.0.0.9"}},{"field":"public_ip","softlayer":null,"sos":"169.45.0.1","was":null},{"field":"datacenter","softlayer":"dal10","sos":"dal10","was":{"softlayer":"dal10","sos":"dal12"}}]}'
	run -0 jq -c 'select(.type == "mismatch").values' l2.ndjson
	assert_output '{"private_ip":{"softlayer":"10.0.0.1","sos":"10.0.0.8"},"public_ip":{"softlayer":null,"sos":"169.45.0.1"}}'
	# the same values the next day: no "changed"
	run -1 sosr-track --ledger l2.ndjson --now $D3 s2.ndjson
	run -0 jq -c 'select(.type == "mismatch") | [.status, .runs, has("changed")]' <<<"$output"
	assert_output '["RECURRING",3,false]'
}

@test "one identity per side: duplicates of both sides, unidentified records sharing a key" {
	mkstream $D1 >s1.ndjson <<-'EOF'
		dup device/c.example.com softlayer
		dup device/c.example.com sos
		unid unidentified/sos/device/9 sos
		unid unidentified/sos/device/9 sos
	EOF
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	run -0 ledger l1.ndjson
	assert_output - <<-'EOF'
		device/c.example.com/softlayer duplicate open 11-20 11-20 runs=1
		device/c.example.com/sos duplicate open 11-20 11-20 runs=1
		unidentified/sos/device/9/sos unidentified open 11-20 11-20 runs=1
	EOF
	# the two unidentified lines are one finding, annotated alike, and each
	# line counts
	tracked t1.ndjson 1 s1.ndjson
	run -0 counts t1.ndjson
	assert_output '{"new":4,"recurring":0,"reopened":0,"resolved":0,"excepted":0,"aged":0,"newly_aged":0}'
	mkstream $D2 >s2.ndjson <<-'EOF'
		dup device/c.example.com sos
		unid unidentified/sos/device/9 softlayer
		unid unidentified/sos/device/9 sos
		unid unidentified/sos/device/9 sos
	EOF
	tracked t2.ndjson 1 --ledger l1.ndjson s2.ndjson
	run -0 life t2.ndjson
	assert_output - <<-'EOF'
		resolved device/c.example.com/softlayer duplicate 11-20 11-20 runs=1 resolved=11-21
		duplicate device/c.example.com/sos RECURRING 11-20 11-21 runs=2 age=1
		unidentified unidentified/sos/device/9/softlayer NEW 11-21 11-21 runs=1 age=0
		unidentified unidentified/sos/device/9/sos RECURRING 11-20 11-21 runs=2 age=1
		unidentified unidentified/sos/device/9/sos RECURRING 11-20 11-21 runs=2 age=1
	EOF
}

@test "keys are ordered as written (escapes included), as sosr-diff orders them" {
	# '#' (0x23) sorts before the escaped quote '\"' (0x5c 0x22), although
	# '"' (0x22) is before '#'
	printf '%s\n' 'mis device/a#b' 'mis device/a\"b' 'mis device/a\"b.x' | mkstream $D1 >s1.ndjson
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	printf '%s\n' 'mis device/a\"b' | mkstream $D2 >s2.ndjson
	run -1 sosr-track --ledger l1.ndjson s2.ndjson
	run -0 life <(printf '%s\n' "$output")
	assert_output - <<-'EOF'
		resolved device/a#b missing_in_sos 11-20 11-20 runs=1 resolved=11-21
		missing_in_sos device/a"b RECURRING 11-20 11-21 runs=2 age=1
		resolved device/a"b.x missing_in_sos 11-20 11-20 runs=1 resolved=11-21
	EOF
	printf '%s\n' 'mis device/a\"b' 'mis device/a#b' | mkstream $D1 >bad.ndjson
	tracked out.ndjson 7 bad.ndjson
	assert_output "sosr-track: error: bad.ndjson:2: the stream is not in finding order: 'device/a#b' (missing_in_sos) comes after 'device/a\\\"b' (missing_in_sos); check that it is sosr-diff output"
}

@test "an SLA ages findings: aged, newly_aged" {
	printf 'mis device/a.example.com\n' | mkstream $D1 >s1.ndjson
	printf 'mis device/a.example.com\nmis device/b.example.com\n' | mkstream $D3 >s3.ndjson
	run -1 sosr-track --sla-days 1 --ledger-out l1.ndjson s1.ndjson
	run -0 jq -c 'select(.type == "missing_in_sos") | [.age_days, .aged]' <<<"$output"
	assert_output '[0,false]'
	# 11-23: a is 3 days old, newly past the SLA of 1 day (it was 0 days old at
	# the previous run); b is new
	run -1 sosr-track --sla-days 1 --ledger l1.ndjson --ledger-out l3.ndjson s3.ndjson
	printf '%s\n' "$output" >t3.ndjson
	run -0 jq -c 'select(.type == "missing_in_sos") | [.key, .age_days, .aged]' t3.ndjson
	assert_output - <<-'EOF'
		["device/a.example.com",3,true]
		["device/b.example.com",0,false]
	EOF
	run -0 counts t3.ndjson
	assert_output '{"new":1,"recurring":1,"reopened":0,"resolved":0,"excepted":0,"aged":1,"newly_aged":1}'
	# the next day it is still aged, not newly
	run -1 sosr-track --sla-days 1 --now 2026-11-24T06:00:00Z --ledger l3.ndjson s3.ndjson
	run -0 counts <(printf '%s\n' "$output")
	assert_output '{"new":0,"recurring":2,"reopened":0,"resolved":0,"excepted":0,"aged":1,"newly_aged":0}'
	# without an SLA there is no "aged" member, and sla_days is 0
	run -1 sosr-track --ledger l3.ndjson --now 2026-11-24T06:00:00Z s3.ndjson
	refute_output --partial '"aged":true'
	refute_output --partial '"aged":false'
	assert_output --partial '"sla_days":0,'
}

ex_entry() { # ID TYPE KEY APPROVED EXPIRES
	printf '{"id":"%s","type":"%s","key":"%s","reason":"accepted","ticket":"CHG-%s","approved_by":"jane.doe","approved_on":"%s","expires":"%s"}' \
		"$1" "$2" "$3" "$1" "$4" "$5"
}

write_exceptions() {
	{
		printf '{"format":1,"exceptions":[\n'
		ex_entry EX-1 missing_in_sos 'device/lab*.example.com' 2026-11-01 2027-01-31; printf ',\n'
		ex_entry EX-2 mismatch device/db02.example.com 2026-11-01 2026-12-01; printf ',\n'
		ex_entry EX-3 missing_in_sos device/web01.example.com 2026-10-01 2026-11-21; printf ',\n'
		ex_entry EX-4 missing_in_softlayer 'vlan/*' 2026-11-01 2027-02-01; printf ',\n'
		ex_entry EX-5 mismatch device/lab01.example.com 2026-11-01 2027-02-01; printf ',\n'
		ex_entry EX-6 duplicate device/c.example.com 2026-12-01 2027-02-01; printf ',\n'
		ex_entry EX-7 missing_in_sos device/web01.example.com 2026-09-01 2026-11-10; printf '\n'
		printf ']}\n'
	} >"${1:-exceptions.json}"
}

@test "exceptions: exact and glob keys; active, expired, newly expired, unused, expiring" {
	write_exceptions
	cat >specs <<-'EOF'
		mm device/db02.example.com private_ip=10.0.0.1,10.0.0.9
		mis device/lab01.example.com
		mis device/lab02.example.com
		mis device/web01.example.com
	EOF
	mkstream $D1 <specs >s1.ndjson
	mkstream $D2 <specs >s2.ndjson
	run -1 sosr-track --exceptions exceptions.json --ledger-out l1.ndjson s1.ndjson
	# on 11-20 EX-3 (until 11-21) still covers web01
	run -0 jq -c 'select(.type != "summary") | [.key, .exception.id]' <<<"$output"
	assert_output - <<-'EOF'
		["device/db02.example.com","EX-2"]
		["device/lab01.example.com","EX-1"]
		["device/lab02.example.com","EX-1"]
		["device/web01.example.com","EX-3"]
	EOF
	run -1 sosr-track --exceptions exceptions.json --ledger l1.ndjson s2.ndjson
	printf '%s\n' "$output" >t2.ndjson
	run -0 jq -c 'select(.type != "summary") | [.key, .exception]' t2.ndjson
	assert_output - <<-'EOF'
		["device/db02.example.com",{"id":"EX-2","ticket":"CHG-EX-2","expires":"2026-12-01T00:00:00Z"}]
		["device/lab01.example.com",{"id":"EX-1","ticket":"CHG-EX-1","expires":"2027-01-31T00:00:00Z"}]
		["device/lab02.example.com",{"id":"EX-1","ticket":"CHG-EX-1","expires":"2027-01-31T00:00:00Z"}]
		["device/web01.example.com",null]
	EOF
	# EX-3 expired since the last run (EX-7 long before); EX-4 and EX-5 are
	# active and covered nothing; EX-6 is not active yet; EX-2 expires within
	# 14 days
	run -0 jq -c 'select(.type == "summary").track | [.excepted, .exceptions]' t2.ndjson
	assert_output '[3,{"file":"exceptions.json","active":4,"expired":[{"id":"EX-3","expired":"2026-11-21T00:00:00Z"},{"id":"EX-7","expired":"2026-11-10T00:00:00Z"}],"newly_expired":["EX-3"],"unused":["EX-4","EX-5"],"expiring":[{"id":"EX-2","expires":"2026-12-01T00:00:00Z"}]}]'
	# an excepted finding is still tracked: status, runs, its ledger line
	run -0 jq -c 'select(.key == "device/lab01.example.com") | [.status, .runs]' t2.ndjson
	assert_output '["RECURRING",2]'
}

# bad_ex JQ MESSAGE: the exceptions file changed by JQ is refused with exactly
# "sosr-track: error: bad.json: MESSAGE; check the exceptions file ...", exit 2
bad_ex() {
	jq "$1" exceptions.json >bad.json
	run -2 sosr-track --exceptions bad.json s.ndjson
	assert_output "sosr-track: error: bad.json: $2; check the exceptions file (docs/FORMATS.md, \"exceptions.json\")"
}

@test "every error of the exceptions file names the file, the entry and the field (exit 2)" {
	write_exceptions
	printf 'mis device/a.example.com\n' | mkstream $D1 >s.ndjson
	run -1 sosr-track --exceptions exceptions.json s.ndjson
	bad_ex '.format = 2' 'format: out of range 1..1'
	bad_ex 'del(.format)' 'format: missing; this version reads format 1'
	bad_ex 'del(.exceptions)' 'exceptions: missing; an array of exceptions (it may be empty)'
	bad_ex '.owner = "x"' 'owner: unknown key'
	bad_ex '.exceptions[2] = "EX-3"' 'exceptions[2]: expected an object'
	bad_ex '.exceptions[0].owner = "x"' 'exceptions[0].owner: unknown key'
	bad_ex 'del(.exceptions[1].ticket)' 'exceptions[1].ticket: missing; every exception needs it'
	bad_ex '.exceptions[3].key = 7' 'exceptions[3].key: expected a string'
	bad_ex '.exceptions[0].reason = ""' 'exceptions[0].reason: expected a non-empty string'
	bad_ex '.exceptions[1].type = "stale"' "exceptions[1].type: 'stale' is not a finding type (missing_in_sos, missing_in_softlayer, mismatch, duplicate, unidentified)"
	bad_ex '.exceptions[1].type = "pending"' "exceptions[1].type: 'pending' is not a finding type (missing_in_sos, missing_in_softlayer, mismatch, duplicate, unidentified)"
	bad_ex '.exceptions[0].approved_on = "2026-13-01"' "exceptions[0].approved_on: '2026-13-01' is not a date like 2026-11-01"
	bad_ex '.exceptions[4].expires = "someday"' "exceptions[4].expires: 'someday' is not a date like 2027-01-31"
	bad_ex '.exceptions[0].expires = "2026-10-01"' "exceptions[0].expires: '2026-10-01' is not after approved_on '2026-11-01'"
	bad_ex '.exceptions[0].expires = "2027-11-02"' "exceptions[0].expires: more than 365 days after approved_on (exceptions.max_days); an accepted risk is reviewed at least that often"
	bad_ex '.exceptions[5].id = "EX-2"' "exceptions[5].id: 'EX-2' is the id of exceptions[1] too; ids are unique"
	printf '{"format":1,"exceptions":[' >bad.json
	run -2 sosr-track --exceptions bad.json s.ndjson
	assert_output 'sosr-track: error: bad.json: (file): not valid JSON: it ends in the middle of the JSON value; check the exceptions file (docs/FORMATS.md, "exceptions.json")'
	run -2 sosr-track --exceptions missing.json s.ndjson
	assert_output 'sosr-track: error: missing.json: (file): cannot read it: No such file or directory; check the exceptions file (docs/FORMATS.md, "exceptions.json")'
	# the configuration's max_days bounds the entries
	mkdir job
	jq '.exceptions |= map(select(.id == "EX-2"))' exceptions.json >job/ex.json
	printf '{"exceptions":{"file":"ex.json","max_days":20}}\n' >job/alc.json
	run -2 sosr-track --config job/alc.json s.ndjson
	assert_output 'sosr-track: error: job/ex.json: exceptions[0].expires: more than 20 days after approved_on (exceptions.max_days); an accepted risk is reviewed at least that often; check the exceptions file (docs/FORMATS.md, "exceptions.json")'
}

@test "the drop guard: a population down by the percent and the count exits 11, writes nothing" {
	printf 'mis device/a.example.com\n' | mkstream $D1 "1000 100 0 1000 100 0" >s1.ndjson
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	printf 'mis device/a.example.com\n' | mkstream $D2 "1000 100 0 850 40 0" >s2.ndjson
	run -11 bash -c 'sosr-track --ledger l1.ndjson --ledger-out l2.ndjson s2.ndjson >out.ndjson'
	assert_output "sosr-track: error: suspect drop since the last complete run (2026-11-20T06:00:00Z, ledger 'l1.ndjson'): sos.device 1000 -> 850 (-15.0%), sos.vlan 100 -> 40 (-60.0%); a source is probably broken (a partial export, a key that lost a permission): nothing was written; check the sources, or rerun with --accept-drop REASON if the drop is real"
	[ ! -s out.ndjson ]
	[ ! -e l2.ndjson ] && [ ! -e l2.ndjson.tmp ]
	# from a pipe too
	run -11 bash -c 'cat s2.ndjson | sosr-track --ledger l1.ndjson --ledger-out l2.ndjson >out.ndjson'
	[ ! -s out.ndjson ] && [ ! -e l2.ndjson ]

	# --accept-drop lets it through and records the reason and the counts
	run -1 bash -c 'sosr-track --accept-drop "CHG0099: 150 machines decommissioned" --ledger l1.ndjson --ledger-out l2.ndjson s2.ndjson >out.ndjson'
	assert_output "sosr-track: warning: accepted drop since the last complete run (2026-11-20T06:00:00Z): sos.device 1000 -> 850 (-15.0%), sos.vlan 100 -> 40 (-60.0%); reason: CHG0099: 150 machines decommissioned"
	run -0 jq -c 'select(.type == "summary").track.drop' out.ndjson
	assert_output '{"reason":"CHG0099: 150 machines decommissioned","populations":[{"population":"sos.device","previous":1000,"current":850},{"population":"sos.vlan","previous":100,"current":40}]}'
	run -0 jq -c '.records' <(head -1 l2.ndjson)
	assert_output '{"softlayer":{"device":1000,"vlan":100,"unidentified":0},"sos":{"device":850,"vlan":40,"unidentified":0}}'
	# with nothing to accept, a warning and "drop":null
	run -1 sosr-track --accept-drop 'just in case' --ledger l1.ndjson s1.ndjson
	assert_line --index 0 'sosr-track: warning: --accept-drop: no population dropped since the last complete run; nothing to accept'
	assert_output --partial '"drop":null}}'
}

@test "the drop guard needs both the percent and the count; unidentified records are no population" {
	printf 'mis device/a.example.com\n' | mkstream $D1 "10000 100 500 1000 100 0" >s1.ndjson
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	# 60 of 10000 (0.6%), 49 of 100 (49%), every unidentified record fixed
	printf 'mis device/a.example.com\n' | mkstream $D2 "9940 51 0 1000 100 0" >s2.ndjson
	run -1 sosr-track --ledger l1.ndjson s2.ndjson
	assert_output --partial '"drop":null}}'
	# the configuration sets both: 40 devices of 1000 is 4%, past 3% and 30
	printf '{"history":{"dir":"h","drop_guard":{"percent":3,"count":30}}}\n' >alc.json
	printf 'mis device/a.example.com\n' | mkstream $D2 "10000 100 500 960 100 0" >s3.ndjson
	run -1 sosr-track --ledger l1.ndjson s3.ndjson
	run -11 sosr-track --config alc.json --ledger l1.ndjson s3.ndjson
	assert_output --partial 'sos.device 1000 -> 960 (-4.0%);'
}

@test "unsorted streams and ledgers are refused with FILE:LINE (exit 7), and no ledger is written" {
	printf 'mis device/b.example.com\nmis device/a.example.com\n' | mkstream $D1 >s.ndjson
	tracked out.ndjson 7 --ledger-out l.ndjson s.ndjson
	assert_output "sosr-track: error: s.ndjson:2: the stream is not in finding order: 'device/a.example.com' (missing_in_sos) comes after 'device/b.example.com' (missing_in_sos); check that it is sosr-diff output"
	[ ! -e l.ndjson ] && [ ! -e l.ndjson.tmp ]
	# within a key: the types in finding order, then the sides
	printf 'mm device/a.example.com ip=1,2\nmis device/a.example.com\n' | mkstream $D1 >s.ndjson
	run -7 bash -c 'sosr-track - <s.ndjson >out.ndjson'
	assert_output --partial "(stdin):2: the stream is not in finding order: 'device/a.example.com' (missing_in_sos) comes after 'device/a.example.com' (mismatch)"
	printf 'dup device/a.example.com sos\ndup device/a.example.com softlayer\n' | mkstream $D1 >s.ndjson
	tracked out.ndjson 7 s.ndjson
	assert_output --partial 's.ndjson:2: the stream is not in finding order'

	printf 'mis device/a.example.com\nmis device/b.example.com\nmis device/c.example.com\n' | mkstream $D1 >s1.ndjson
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	awk 'NR == 3 { held = $0; next } { print } NR == 4 { print held }' l1.ndjson >swapped.ndjson
	tracked out.ndjson 7 --ledger swapped.ndjson --ledger-out l2.ndjson --now $D2 s1.ndjson
	assert_output "sosr-track: error: swapped.ndjson:4: the ledger is not in finding order: 'device/b.example.com' (missing_in_sos) comes after 'device/c.example.com' (missing_in_sos); check the history directory (the ledger.ndjson of the last complete run)"
	[ ! -e l2.ndjson ] && [ ! -e l2.ndjson.tmp ]
	awk '{ print } NR == 2 { print }' l1.ndjson >twice.ndjson
	tracked out.ndjson 7 --ledger twice.ndjson --now $D2 s1.ndjson
	assert_output --partial "twice.ndjson:3: the ledger is not in finding order: 'device/a.example.com' (missing_in_sos) is listed twice, after 'device/a.example.com' (missing_in_sos)"
}

@test "a stream that is not sosr-diff output is refused (exit 7)" {
	printf 'mis device/a.example.com\nmis device/b.example.com\n' | mkstream $D1 >s.ndjson
	head -2 s.ndjson >cut.ndjson
	run -7 sosr-track cut.ndjson
	assert_output "sosr-track: error: cut.ndjson:2: the last line is a 'missing_in_sos' record, not the summary: the stream was cut short (or is not sosr-diff output); check that sosr-diff finished and exited 0 or 1"
	run -7 sosr-track <cut.ndjson
	assert_output --partial "(stdin):2: the last line is a 'missing_in_sos' record, not the summary"
	: >empty.ndjson
	run -7 sosr-track empty.ndjson
	assert_output "sosr-track: error: empty.ndjson: the discrepancy stream is empty: it has no summary line; check that sosr-diff ran and exited 0 or 1"
	{ sed -n 1p s.ndjson; sed -n 3p s.ndjson; sed -n 2p s.ndjson; } >after.ndjson
	run -7 sosr-track after.ndjson
	assert_output "sosr-track: error: after.ndjson:3: record after the summary line; the summary must be the last line"
	{ cat s.ndjson; tail -1 s.ndjson; } >twice.ndjson
	tracked out.ndjson 7 twice.ndjson
	assert_output "sosr-track: error: twice.ndjson:4: record after the summary line; the summary must be the last line"
	sed '$s/"format":1/"format":3/' s.ndjson >v3.ndjson
	run -7 sosr-track v3.ndjson
	assert_output "sosr-track: error: v3.ndjson:3: summary of format 3, this sosr-track reads formats 1 and 2; check the versions of sosr-diff and sosr-track"
	# sosr-track's own output
	tracked tracked.ndjson 1 s.ndjson
	run -7 sosr-track tracked.ndjson
	assert_output "sosr-track: error: tracked.ndjson:3: the summary has a \"track\" member: this stream is sosr-track output; sosr-track reads sosr-diff output (docs/FORMATS.md section 3)"
	printf 'mis device/b.example.com\n' | mkstream $D2 >s2.ndjson
	tracked /dev/null 1 --ledger-out l.ndjson s.ndjson
	tracked t2.ndjson 1 --ledger l.ndjson s2.ndjson
	jq -c 'if .type == "summary" then del(.track) else . end' t2.ndjson >resolved.ndjson
	tracked out.ndjson 7 resolved.ndjson
	assert_output "sosr-track: error: resolved.ndjson:1: a \"resolved\" record: this stream is sosr-track output; sosr-track reads sosr-diff output (docs/FORMATS.md section 3)"
	jq -c 'if .type == "summary" then . else . + {status: "NEW"} end' s.ndjson >annotated.ndjson
	tracked out.ndjson 7 annotated.ndjson
	assert_output "sosr-track: error: annotated.ndjson:1: the missing_in_sos record has a \"status\" member already: this stream is sosr-track output; sosr-track reads sosr-diff output"
	# records of another shape
	sed '1s/"missing_in_sos"/"missing"/' s.ndjson >type.ndjson
	tracked out.ndjson 7 type.ndjson
	assert_output "sosr-track: error: type.ndjson:1: unknown record type 'missing'; check that sosr-diff and sosr-track are the same version"
	printf 'dup device/c.example.com sos\n' | mkstream $D1 | sed '1s/"side":"sos",//' >side.ndjson
	tracked out.ndjson 7 side.ndjson
	assert_output 'sosr-track: error: side.ndjson:1: a duplicate record needs "side": "softlayer" or "sos"'
	sed '1s/}$/,}/' s.ndjson >json.ndjson
	tracked out.ndjson 7 json.ndjson
	assert_output --partial 'json.ndjson:1: invalid JSON'
	# counts that do not add up: a line was removed
	sed 2d s.ndjson >short.ndjson
	tracked out.ndjson 7 --ledger-out l2.ndjson short.ndjson
	assert_output --partial "sosr-track: error: short.ndjson: the summary counts 2 missing_in_sos records but the stream has 1; the stream was cut or edited, check the file"
	[ ! -e l2.ndjson ] && [ ! -e l2.ndjson.tmp ]
	sed '$s/"records":{[^}]*}/"records":{"softlayer":{}/' s.ndjson >pops.ndjson
	run -7 sosr-track pops.ndjson
	assert_output --partial 'pops.ndjson:3: the summary lacks the "records" counts'
}

@test "a ledger of another format, without its header, or not ours, is refused: check the history directory" {
	printf 'mis device/a.example.com\n' | mkstream $D1 >s1.ndjson
	printf 'mis device/a.example.com\n' | mkstream $D2 >s2.ndjson
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	HINT='check the history directory (the ledger.ndjson of the last complete run)'
	run -9 sosr-track --ledger nope.ndjson s2.ndjson
	assert_output "sosr-track: error: ledger 'nope.ndjson': cannot open: No such file or directory; $HINT"
	: >empty.ndjson
	run -7 sosr-track --ledger empty.ndjson s2.ndjson
	assert_output "sosr-track: error: ledger 'empty.ndjson' is empty: it has no header line; $HINT"
	sed '1s/"format":1/"format":2/' l1.ndjson >v2.ndjson
	run -7 sosr-track --ledger v2.ndjson s2.ndjson
	assert_output "sosr-track: error: v2.ndjson:1: a ledger of format 2, this sosr-track reads format 1; $HINT"
	sed 1d l1.ndjson >headless.ndjson
	run -7 sosr-track --ledger headless.ndjson s2.ndjson
	assert_output "sosr-track: error: headless.ndjson:1: no ledger header: the first line of a ledger is {\"type\":\"ledger\",...}; this is not a ledger written by sosr-track; $HINT"
	run -7 sosr-track --ledger s1.ndjson s2.ndjson
	assert_output --partial "s1.ndjson:1: no ledger header"
	sed '2s/"open"/"gone"/' l1.ndjson >state.ndjson
	run -7 sosr-track --ledger state.ndjson s2.ndjson
	assert_output "sosr-track: error: state.ndjson:2: \"state\" 'gone' is not open or resolved; $HINT"
	sed '2s/"runs":1/"runs":0/' l1.ndjson >runs.ndjson
	run -7 sosr-track --ledger runs.ndjson s2.ndjson
	assert_output --partial 'runs.ndjson:2: "runs" is not a whole number in 1..1000000000'
	sed '2s/"last_seen":"[^"]*"/"last_seen":"2026-12-01T00:00:00Z"/' l1.ndjson >late.ndjson
	run -7 sosr-track --ledger late.ndjson s2.ndjson
	assert_output --partial "late.ndjson:2: first_seen, last_seen and the header's run are not in order"
	sed '2s/"type":"missing_in_sos"/"type":"duplicate"/' l1.ndjson >sideless.ndjson
	run -7 sosr-track --ledger sideless.ndjson s2.ndjson
	assert_output --partial 'sideless.ndjson:2: a duplicate entry needs "side": "softlayer" or "sos"'
	# a ledger from after this run, or of another C_Code
	run -7 sosr-track --ledger l1.ndjson --now 2026-11-19T00:00:00Z s2.ndjson
	assert_output "sosr-track: error: ledger 'l1.ndjson' was written by a run at 2026-11-20T06:00:00Z, after this run's time 2026-11-19T00:00:00Z; check --now and the history directory"
	run -1 sosr-track --c-code ALC --ledger-out alc.ndjson s1.ndjson
	run -7 sosr-track --c-code ALC_WAT --ledger alc.ndjson s2.ndjson
	assert_output "sosr-track: error: ledger 'alc.ndjson' is the ledger of C_Code ALC, this run is ALC_WAT's; check the history directory"
	# the C_Code carries over to the next ledger
	run -1 sosr-track --ledger alc.ndjson --ledger-out alc2.ndjson s2.ndjson
	run -0 jq -r .c_code <(head -1 alc2.ndjson)
	assert_output ALC
}

@test "byte-stable: the same inputs and time give the same bytes, whichever way the stream comes" {
	write_exceptions
	mkstream $D1 >s1.ndjson <<-'EOF'
		mis device/a.example.com
		dup device/c.example.com softlayer
		mm device/db02.example.com private_ip=10.0.0.1,10.0.0.9
		mis device/lab01.example.com
	EOF
	mkstream $D2 >s2.ndjson <<-'EOF'
		dup device/c.example.com sos
		mm device/db02.example.com private_ip=10.0.0.1,10.0.0.8
		mis device/lab01.example.com
		pend device/n.example.com
		unid unidentified/sos/device/1 sos
	EOF
	run -1 sosr-track --ledger-out l1.ndjson s1.ndjson
	opts=(--exceptions exceptions.json --sla-days 1 --ledger l1.ndjson)
	run -1 sosr-track "${opts[@]}" --ledger-out a.ledger s2.ndjson
	printf '%s\n' "$output" >a.out
	run -1 sosr-track "${opts[@]}" --ledger-out b.ledger s2.ndjson
	printf '%s\n' "$output" >b.out
	cmp a.out b.out
	cmp a.ledger b.ledger
	# standard input: a pipe (spooled), a redirected file, '-'
	run -1 bash -c 'cat s2.ndjson | sosr-track "$@" --ledger-out c.ledger >c.out; exit "${PIPESTATUS[1]}"' _ "${opts[@]}"
	run -1 bash -c 'sosr-track "$@" --ledger-out d.ledger <s2.ndjson >d.out' _ "${opts[@]}"
	run -1 bash -c 'sosr-track "$@" --ledger-out e.ledger - <s2.ndjson >e.out' _ "${opts[@]}"
	for x in c d e; do
		cmp a.out $x.out
		cmp a.ledger $x.ledger
	done
	# --now gives the summary's time by default; a later one shifts the ages
	run -1 sosr-track "${opts[@]}" --now $D2 s2.ndjson
	printf '%s\n' "$output" >f.out
	cmp a.out f.out
	run -1 sosr-track "${opts[@]}" --now $D3 s2.ndjson
	assert_output --partial '"run":"2026-11-23T06:00:00Z"'
	assert_output --partial '"age_days":3'
	# the new ledger may replace the previous one in place
	cp l1.ndjson inplace.ndjson
	run -1 sosr-track --exceptions exceptions.json --sla-days 1 --ledger inplace.ndjson --ledger-out inplace.ndjson s2.ndjson
	cmp a.ledger inplace.ndjson
}

@test "settings: the configuration's history, exceptions, sla_days and c_code; flags win" {
	mkdir job
	write_exceptions job/ex.json
	cat >job/alc.json <<-'EOF'
		{"c_code": "ALC", "history": {"dir": "hist", "keep_days": 30},
		 "exceptions": {"file": "ex.json"}, "thresholds": {"sla_days": 2}}
	EOF
	printf 'mis device/lab01.example.com\n' | mkstream $D1 >s1.ndjson
	printf 'mis device/lab01.example.com\n' | mkstream $D4 >s4.ndjson
	run -1 sosr-track --config job/alc.json --ledger-out l1.ndjson s1.ndjson
	run -0 jq -c '[.c_code, .keep_days]' <(head -1 l1.ndjson)
	assert_output '["ALC",30]'
	run -1 sosr-track --config job/alc.json --ledger l1.ndjson s4.ndjson
	assert_output --partial '"sla_days":2,"exceptions":{"file":"ex.json",'
	run -0 jq -c 'select(.type != "summary") | [.aged, .exception.id]' <<<"$output"
	assert_output '[true,"EX-1"]'
	write_exceptions other.json
	run -1 sosr-track --config job/alc.json --c-code ALC --keep-days 7 --sla-days 0 \
		--exceptions other.json --ledger l1.ndjson --ledger-out l4.ndjson s4.ndjson
	refute_output --partial '"aged":true'
	assert_output --partial '"sla_days":0,"exceptions":{"file":"other.json",'
	run -0 jq -c '[.c_code, .keep_days]' <(head -1 l4.ndjson)
	assert_output '["ALC",7]'
	# a bad configuration is a usage error
	printf '{"history": {"keep_days": 0}}\n' >bad.json
	run -2 sosr-track --config bad.json s1.ndjson
	assert_output --partial 'bad.json: history'
}

@test "usage errors exit 2; write failures exit 9 and leave no ledger" {
	printf 'mis device/a.example.com\n' | mkstream $D1 >s.ndjson
	run -2 sosr-track --keep-days 0 s.ndjson
	assert_line --index 0 "sosr-track: error: --keep-days: '0' is out of range 1..36500"
	run -2 sosr-track --sla-days abc s.ndjson
	assert_line --index 0 "sosr-track: error: --sla-days: 'abc' is not a whole number"
	run -2 sosr-track --now yesterday s.ndjson
	assert_line --index 0 "sosr-track: error: --now: 'yesterday' is not an RFC 3339 time like 2026-11-26T06:00:00Z"
	run -2 sosr-track --accept-drop '' s.ndjson
	assert_line --index 0 "sosr-track: error: --accept-drop: empty; say why the drop is real"
	run -2 sosr-track --c-code alc s.ndjson
	assert_line --index 0 --partial "sosr-track: error: --c-code: 'alc' is not a C_Code"
	run -2 sosr-track s.ndjson s.ndjson
	assert_line --index 0 "sosr-track: error: too many operands; sosr-track reads one discrepancy stream"
	run -2 sosr-track --ledger
	assert_line --index 0 "sosr-track: error: option '--ledger' needs a value"
	run -2 sosr-track --colour s.ndjson
	assert_line --index 0 --partial "unknown option '--colour'"
	run -9 sosr-track missing.ndjson
	assert_output "sosr-track: error: missing.ndjson: cannot open: No such file or directory; check the path of the discrepancy stream"
	# a full disk: standard output, the ledger
	run -9 bash -c 'sosr-track --ledger-out l.ndjson s.ndjson >/dev/full'
	assert_output --partial 'cannot write standard output'
	[ ! -e l.ndjson ] && [ ! -e l.ndjson.tmp ]
	run -9 bash -c 'sosr-track --ledger-out nodir/l.ndjson s.ndjson >out.ndjson'
	assert_output "sosr-track: error: cannot create the new ledger 'nodir/l.ndjson.tmp': No such file or directory; check the history directory and its free space"
	[ ! -s out.ndjson ]
	# a reader that goes away ends the filter quietly (SIGPIPE)
	printf 'mis device/a%s.example.com\n' $(seq -w 1 3000) | mkstream $D1 >big.ndjson
	run bash -c 'sosr-track --ledger-out big-ledger.ndjson big.ndjson | head -1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_output 141
	[ ! -e big-ledger.ndjson ]
}

# in_full DIR CMD... - run CMD with DIR full (test/unit/enospc-shim.c, as
# test/write-failures.bats uses it)
in_full() {
	local dir=$1 shim="$BATS_TEST_DIRNAME/../build/test/enospc-shim.so"
	shift
	[[ -f $shim ]] || fail "$shim is missing: run make test (it builds the shim)"
	LD_PRELOAD=$shim ENOSPC_DIR=$dir ENOSPC_SKIP=0 ENOSPC_COUNTER=$BATS_TEST_TMPDIR/enospc.count \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}

@test "a full disk under the ledger or the spool: exit 9 before the summary line, no ledger" {
	printf 'mis device/a.example.com\n' | mkstream $D1 >s.ndjson
	mkdir hist tmp
	run -9 --separate-stderr in_full "$PWD/hist" sosr-track --ledger-out hist/l.ndjson s.ndjson
	assert_equal "$stderr" "sosr-track: error: cannot write the new ledger 'hist/l.ndjson.tmp': No space left on device; check the history directory and its free space"
	# the stream went out without its summary: sosr-render refuses it
	refute_output --partial '"type":"summary"'
	[ ! -e hist/l.ndjson ] && [ ! -e hist/l.ndjson.tmp ]
	# a pipe is spooled in TMPDIR
	TMPDIR=$PWD/tmp run -9 --separate-stderr in_full "$PWD/tmp" sosr-track <(cat s.ndjson)
	assert_equal "$stderr" "sosr-track: error: cannot write the spool file: No space left on device; check TMPDIR and its free space"
	[ -z "$output" ]
}
