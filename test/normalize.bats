#!/usr/bin/env bats
# sosr-normalize: every normalization rule, every input mode, every bad input.
bats_require_minimum_version 1.5.0
load test_helper

setup() { common_setup; }
teardown() { common_teardown; }

# raw SOURCE TYPE DATA - one raw record (docs/FORMATS.md section 1)
raw() {
	case $1 in
	softlayer) printf '{"source":"softlayer","account":"659397","type":"%s","data":%s}\n' "$2" "$3" ;;
	sos) printf '{"source":"sos","c_code":"ALC","type":"%s","data":%s}\n' "$2" "$3" ;;
	esac
}

# norm [ARGS...] < raw - normalize and keep only stdout
@test "--help lists every option and the exit codes; --version" {
	run -0 sosr-normalize --help
	for opt in --source --map --print-map --default-domain --device-key --threads --help --version; do
		assert_output --partial -- "$opt"
	done
	assert_output --partial '7   invalid input data'
	run -0 sosr-normalize --version
	assert_output --regexp '^sosr-normalize \(sos-reconcile\) [0-9]'
}

@test "usage errors exit 2 and name the option" {
	run -2 sosr-normalize --source aws
	assert_output --partial "sosr-normalize: error: --source: 'aws' is not softlayer or sos"
	run -2 sosr-normalize --device-key serial
	assert_output --partial "--device-key: 'serial' is not fqdn or id"
	run -2 sosr-normalize --threads 0
	assert_output --partial "--threads: '0' is out of range 1..16"
	run -2 sosr-normalize a b
	assert_output --partial 'too many operands'
	run -2 sosr-normalize --bogus
	run -9 sosr-normalize "$BATS_TEST_TMPDIR/nonexistent"
	assert_output --partial "cannot read '$BATS_TEST_TMPDIR/nonexistent'"
}

@test "the full layout of each kind, byte for byte (golden file)" {
	run -0 sosr-normalize --default-domain alc.example.com "$FIXTURES/normalize/raw.ndjson"
	diff -u "$FIXTURES/normalize/canonical.ndjson" <(printf '%s\n' "$output")
}

@test "hostnames and domains lowercased, trailing dots removed, FQDN built" {
	raw softlayer hardware '{"id":1,"hostname":"WEB01","domain":"Alc.Example.COM."}' >in
	run -0 sosr-normalize in
	assert_output --partial '"key":"device/web01.alc.example.com","kind":"device","fqdn":"web01.alc.example.com","hostname":"web01","domain":"alc.example.com"'
}

@test "fullyQualifiedDomainName wins when present" {
	raw softlayer virtual_guest '{"id":2,"hostname":"a","domain":"b.com","fullyQualifiedDomainName":"A.B.COM."}' >in
	run -0 sosr-normalize in
	assert_output --partial '"key":"device/a.b.com"'
}

@test "a hostname with a dot is taken as fully qualified and split" {
	raw sos device '{"hostname":"DB02.Alc.Example.com"}' >in
	run -0 sosr-normalize --default-domain other.example.com in
	assert_output --partial '"key":"device/db02.alc.example.com","kind":"device","fqdn":"db02.alc.example.com","hostname":"db02","domain":"alc.example.com"'
}

@test "a short hostname gets the first --default-domain; without one it stays short" {
	raw sos device '{"hostname":"web01"}' >in
	run -0 sosr-normalize --default-domain ALC.example.com. --default-domain wat.example.com in
	assert_output --partial '"key":"device/web01.alc.example.com"'
	assert_output --partial '"domain":"alc.example.com"'
	run -0 sosr-normalize in
	assert_output --partial '"key":"device/web01","kind":"device","fqdn":"web01","hostname":"web01","source"'
}

@test "IPv4 and IPv6 in canonical text form; non-addresses kept for the mismatch" {
	raw softlayer hardware '{"id":1,"hostname":"h","domain":"d","primaryBackendIpAddress":" 010.001.002.003 ","primaryIpAddress":"2001:0DB8:0000:0000:0000:0000:0000:0001"}' >in
	raw softlayer hardware '{"id":2,"hostname":"i","domain":"d","primaryBackendIpAddress":"10.1.2","primaryIpAddress":"::FFFF:10.1.2.3"}' >>in
	run -0 sosr-normalize in
	assert_line --index 0 --partial '"private_ip":"10.1.2.3","public_ip":"2001:db8::1"'
	assert_line --index 1 --partial '"private_ip":"10.1.2","public_ip":"::ffff:10.1.2.3"'
}

@test "datacenter lowercased; VLAN keyed by router and number, space mapped" {
	raw softlayer vlan '{"id":7,"vlanNumber":1632,"name":"prod","networkSpace":"PRIVATE","primaryRouter":{"hostname":"BCR01A.DAL10","datacenter":{"name":"DAL10"}}}' >in
	raw sos vlan '{"vlan_id":7,"vlan_number":"1632","router":"bcr01a.dal10","datacenter":"Dal10","network_space":"Public","scan_zone":"Z"}' >>in
	raw sos vlan '{"vlan_id":8,"vlan_number":12,"router":"r","network_space":"DMZ"}' >>in
	run -0 sosr-normalize in
	assert_line --index 0 '{"key":"vlan/bcr01a.dal10/1632","kind":"vlan","number":1632,"router":"bcr01a.dal10","datacenter":"dal10","space":"private","name":"prod","source":"softlayer","account":"659397","id":"7"}'
	assert_line --index 1 '{"key":"vlan/bcr01a.dal10/1632","kind":"vlan","number":1632,"router":"bcr01a.dal10","datacenter":"dal10","space":"public","source":"sos","c_code":"ALC","id":"7","scan_zone":"Z"}'
	assert_line --index 2 --partial '"space":"other"'
}

@test "timestamps converted to UTC in one form" {
	raw softlayer hardware '{"id":1,"hostname":"a","domain":"d","provisionDate":"2016-11-07T01:51:56-06:00"}' >in
	raw softlayer virtual_guest '{"id":2,"hostname":"b","domain":"d","createDate":"2026-11-25 23:30:00+0530"}' >>in
	raw softlayer virtual_guest '{"id":3,"hostname":"c","domain":"d","provisionDate":"2026-02-28T23:59:59.123Z"}' >>in
	raw sos device '{"hostname":"e.d","updated":"2026-11-25T04:12:00Z"}' >>in
	run -0 sosr-normalize in
	assert_line --index 0 --partial '"created":"2016-11-07T07:51:56Z"'
	assert_line --index 1 --partial '"created":"2026-11-25T18:00:00Z"'
	assert_line --index 2 --partial '"created":"2026-02-28T23:59:59Z"'
	assert_line --index 3 --partial '"updated":"2026-11-25T04:12:00Z"'
}

@test "a timestamp in no known form is omitted with one warning naming file:line" {
	raw softlayer hardware '{"id":1,"hostname":"a","domain":"d","provisionDate":"yesterday"}' >in
	run -0 --separate-stderr sosr-normalize in
	refute_output --partial created
	[[ $stderr == *"sosr-normalize: warning: in:1: 1 timestamp(s) in no known date format were omitted"* ]]
}

@test "device type and status mapped to the fixed vocabulary" {
	raw softlayer hardware '{"id":1,"hostname":"a","domain":"d","hardwareStatus":{"status":"DEPLOY2"}}' >in
	raw softlayer hardware '{"id":2,"hostname":"b","domain":"d","hardwareStatus":{"status":"RECLAIM"}}' >>in
	raw softlayer virtual_guest '{"id":3,"hostname":"c","domain":"d","status":{"keyName":"ACTIVE"},"powerState":{"keyName":"HALTED"}}' >>in
	raw softlayer virtual_guest '{"id":4,"hostname":"e","domain":"d","status":{"keyName":"DISCONNECTED"}}' >>in
	raw sos device '{"hostname":"f.d","device_type":"Bare Metal","status":"Build"}' >>in
	raw sos device '{"hostname":"g.d","device_type":"Virtual Server","status":"Available"}' >>in
	raw sos device '{"hostname":"h.d","device_type":"mainframe","status":"Decommissioned"}' >>in
	raw sos device '{"hostname":"i.d","device_type":"VSI","status":"LIVE"}' >>in
	run -0 sosr-normalize in
	assert_line --index 0 --partial '"device_type":"bare_metal","source":"softlayer","account":"659397","id":"1","status":"provisioning"'
	assert_line --index 1 --partial '"device_type":"bare_metal",'
	assert_line --index 1 --partial '"status":"reclaim"'
	assert_line --index 2 --partial '"device_type":"virtual",'
	assert_line --index 2 --partial '"status":"halted"'
	assert_line --index 3 --partial '"status":"disconnected"'
	assert_line --index 4 --partial '"device_type":"bare_metal","source":"sos","c_code":"ALC","status":"build"'
	assert_line --index 5 --partial '"device_type":"virtual","source":"sos","c_code":"ALC","status":"available"'
	assert_line --index 6 --partial '"device_type":"other","source":"sos","c_code":"ALC","status":"other"'
	assert_line --index 7 --partial '"status":"live"'
}

@test "--device-key id keys devices by SoftLayer id; SOS without softlayer_id is unidentified" {
	raw softlayer hardware '{"id":1234567,"hostname":"a","domain":"d"}' >in
	raw sos device '{"hostname":"a.d","softlayer_id":1234567}' >>in
	raw sos device '{"hostname":"b.d"}' >>in
	run -0 sosr-normalize --device-key id in
	assert_line --index 0 --partial '{"key":"device/id/1234567","kind":"device","fqdn":"a.d"'
	assert_line --index 1 --partial '{"key":"device/id/1234567","kind":"device","fqdn":"a.d"'
	assert_line --index 2 '{"key":"unidentified/sos/device/line/3","kind":"unidentified","reason":"no id","source":"sos","c_code":"ALC","raw_type":"device"}'
}

@test "records that cannot be keyed become unidentified records, never dropped" {
	raw softlayer hardware '{"id":9,"domain":"d","hostname":null}' >in
	raw softlayer vlan '{"id":10,"primaryRouter":{"hostname":"r"}}' >>in
	raw softlayer vlan '{"id":11,"vlanNumber":5}' >>in
	raw softlayer vlan '{"id":12,"vlanNumber":"5a","primaryRouter":{"hostname":"r"}}' >>in
	raw sos device '{"hostname":"  "}' >>in
	run -0 sosr-normalize in
	assert_equal "${#lines[@]}" 5
	assert_line '{"key":"unidentified/softlayer/hardware/9","kind":"unidentified","reason":"no hostname","source":"softlayer","account":"659397","id":"9","raw_type":"hardware"}'
	assert_line --partial '"key":"unidentified/softlayer/vlan/10","kind":"unidentified","reason":"no VLAN number"'
	assert_line --partial '"key":"unidentified/softlayer/vlan/11","kind":"unidentified","reason":"no router"'
	assert_line --partial '"key":"unidentified/softlayer/vlan/12","kind":"unidentified","reason":"VLAN number is not a whole number"'
	assert_line '{"key":"unidentified/sos/device/line/5","kind":"unidentified","reason":"no hostname","source":"sos","c_code":"ALC","raw_type":"device"}'
}

@test "output sorted by key in byte order, duplicates kept, same bytes with 1 or 2 threads" {
	for h in zeta Alpha beta alpha- alpha 'b"q' web01 web01; do
		raw sos device "{\"hostname\":\"${h//\"/\\\"}\",\"domain\":\"d\"}"
	done >in
	run -0 sosr-normalize --threads 1 in
	one=$output
	assert_equal "${#lines[@]}" 8
	cut -d'"' -f4 <<<"$output" >keys
	LC_ALL=C sort -c keys
	run -0 sosr-normalize --threads 2 in
	assert_equal "$output" "$one"
	run -0 sosr-normalize --threads 16 in
	assert_equal "$output" "$one"
}

@test "the same output for a file, '-', a redirect and a pipe" {
	cp "$FIXTURES/normalize/raw.ndjson" in
	run -0 sosr-normalize in
	want=$output
	run -0 sosr-normalize - <in
	assert_equal "$output" "$want"
	run -0 sosr-normalize <in
	assert_equal "$output" "$want"
	run -0 bash -c 'cat in | sosr-normalize'
	assert_equal "$output" "$want"
}

@test "--source fills records without one and refuses records of the other source" {
	printf '{"type":"device","data":{"hostname":"a.b"}}\n' >in
	run -7 sosr-normalize in
	assert_output "sosr-normalize: error: in:1: record has no 'source' member; give --source"
	run -0 sosr-normalize --source sos in
	assert_output --partial '"source":"sos"'
	raw softlayer hardware '{"id":1,"hostname":"a","domain":"b"}' >in2
	run -7 sosr-normalize --source sos in2
	assert_output --partial "in2:1: record source 'softlayer' differs from --source 'sos'"
}

@test "--map renames raw fields without a rebuild; --print-map is the default map" {
	raw sos device '{"host_name":"WEB01.d","private_address":"10.0.0.1","ip_address":"10.9.9.9"}' >in
	cat >map.json <<-'MAP'
	{"sos":{"device":{"hostname":["hostname","host_name"],"private_ip":"private_address","serial":null}}}
	MAP
	run -0 sosr-normalize --map map.json in
	assert_output --partial '"key":"device/web01.d"'
	assert_output --partial '"private_ip":"10.0.0.1"'
	run -0 sosr-normalize --print-map
	jq -e '.sos.device.private_ip == "ip_address" and .softlayer.hardware.datacenter == "datacenter.name"' <<<"$output"
	sosr-normalize --print-map >default.json
	raw sos device '{"hostname":"a.b","ip_address":"10.0.0.2"}' >in2
	run -0 sosr-normalize --map default.json in2
	want=$output
	run -0 sosr-normalize in2
	assert_equal "$output" "$want"
}

@test "a bad mapping file is a usage error naming the file and key path" {
	echo '{"sos":{"device":{"hostnme":"x"}}}' >m1.json
	run -2 sosr-normalize --map m1.json /dev/null
	assert_output "sosr-normalize: error: m1.json: sos.device.hostnme: unknown canonical field for this record type; check the mapping file (see sosr-normalize(1))"
	echo '{"sos":{"vlan":{"router":42}}}' >m2.json
	run -2 sosr-normalize --map m2.json /dev/null
	assert_output --partial 'm2.json: sos.vlan.router: expected a path string, a list of paths, or null'
	echo '{"aws":{}}' >m3.json
	run -2 sosr-normalize --map m3.json /dev/null
	assert_output --partial 'm3.json: aws: unknown source'
	echo '{"sos":' >m4.json
	run -2 sosr-normalize --map m4.json /dev/null
	assert_output --partial 'm4.json: (file): not valid JSON: it ends in the middle of the JSON value'
	echo '{"sos":{}} trailing' >m5.json
	run -2 sosr-normalize --map m5.json /dev/null
	# (the words of jsondoc.h for trailing data, since every JSON document
	# is checked by the scanner of jsonscan.h: json-c said "invalid JSON at
	# byte 12: unexpected character")
	assert_output --partial 'm5.json: (file): not valid JSON: there is data after the JSON value, at byte 12'
	run -2 sosr-normalize --map nonexistent.json /dev/null
	assert_output --partial "nonexistent.json: (file): cannot read it: No such file or directory; check the mapping file"
}

@test "a mapping that points at an object makes the record unidentified, naming the field" {
	raw sos device '{"hostname":{"name":"a"}}' >in
	run -0 sosr-normalize in
	assert_output '{"key":"unidentified/sos/device/line/1","kind":"unidentified","reason":"field '"'hostname'"' is an object, not a string or number (mapping sos.device.hostname)","source":"sos","c_code":"ALC","raw_type":"device"}'
}

# bad_input MESSAGE [ARGS...]: the input in file 'in' is refused with exit 7, the message
# on stderr, and nothing at all on stdout.
bad_input() {
	local want=$1
	shift
	run -7 --separate-stderr sosr-normalize "$@" in
	assert_equal "$output" ""
	[[ $stderr == "$want" ]] || { echo "stderr: $stderr"; echo "want:   $want"; return 1; }
}

@test "bad input: truncated stream, truncated object, trailing garbage" {
	raw sos device '{"hostname":"a.b"}' >in
	printf '{"source":"sos","type":"device","data":{"hostname":"c.d"}}' >>in
	bad_input "sosr-normalize: error: in:2: last line has no newline: the stream was cut short; check that the stage writing it finished"
	raw sos device '{"hostname":"a.b"}' >in
	printf '{"source":"sos","type":"device","data":{"hostname":"c\n' >>in
	bad_input "sosr-normalize: error: in:2: truncated JSON object"
	printf '{"source":"sos","type":"device","data":{}} x\n' >in
	bad_input "sosr-normalize: error: in:1: invalid JSON at byte 44: unexpected character"
}

@test "bad input: invalid UTF-8, NUL byte, blank line, not an object" {
	printf '{"source":"sos","type":"device","data":{"hostname":"\xc3\x28"}}\n' >in
	run -7 --separate-stderr sosr-normalize in
	assert_equal "$output" ""
	[[ $stderr == "sosr-normalize: error: in:1: invalid JSON at byte "*": invalid utf-8 string" ]]
	printf '{"source":"sos","type":"device","data":{"hostname":"a\0b"}}\n' >in
	bad_input "sosr-normalize: error: in:1: NUL byte in line; check that the input is NDJSON text"
	printf '\n' >in
	bad_input "sosr-normalize: error: in:1: blank line; NDJSON has one JSON object on every line"
	printf '[1,2]\n' >in
	bad_input "sosr-normalize: error: in:1: line is JSON but not an object"
}

@test "bad input: nesting past the limit, a line past the size cap" {
	{
		printf '{"source":"sos","type":"device","data":{"hostname":"a.b","x":'
		printf '[%.0s' {1..40}
		printf ']%.0s' {1..40}
		printf '}}\n'
	} >in
	bad_input "sosr-normalize: error: in:1: JSON nested deeper than 32 levels"
	raw sos device '{"hostname":"a.b"}' >in
	{ printf '{"x":"'; head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' a; printf '"}\n'; } >>in
	bad_input "sosr-normalize: error: in:2: line longer than the cap of 16777216 bytes"
}

@test "bad input: records that are not raw records" {
	printf '{"source":"sos","type":"subnet","data":{}}\n' >in
	bad_input "sosr-normalize: error: in:1: unknown record type 'subnet' for source 'sos' (expected device or vlan)"
	printf '{"source":"sos","type":"device"}\n' >in
	bad_input "sosr-normalize: error: in:1: record has no object member 'data'; check that the input is raw records (docs/FORMATS.md section 1)"
	printf '{"source":"azure","type":"device","data":{}}\n' >in
	bad_input "sosr-normalize: error: in:1: member 'source' is not \"softlayer\" or \"sos\""
}

@test "the first bad line in the input is the one reported, whatever the threads" {
	# 30,000 lines (built by awk: a bash loop under bats takes seconds)
	awk 'BEGIN { for (i = 0; i < 30000; i++)
		printf "{\"source\":\"sos\",\"c_code\":\"ALC\",\"type\":\"device\",\"data\":{\"hostname\":\"h%d.example.com\",\"ip_address\":\"10.0.0.1\"}}\n", i }' >in
	sed -i -e '20000s/.*/{"bad":/' -e '25000s/.*/[]/' in
	assert_equal "$(wc -l <in)" 30000
	for t in 1 2 4; do
		bad_input "sosr-normalize: error: in:20000: truncated JSON object" --threads "$t"
	done
}

@test "softlayer-python's sample hardware, guests and VLANs normalize without error" {
	fixture=/usr/lib/python3/dist-packages/SoftLayer/fixtures/SoftLayer_Account.py
	[[ -r $fixture ]] || fail "$fixture is missing: python3-softlayer is a dependency of make test (scripts/install-deps)"
	python3 "$FIXTURES/normalize/softlayer-python-to-raw.py" "$fixture" >raw.ndjson
	run -0 --separate-stderr sosr-normalize raw.ndjson
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" "$(wc -l <raw.ndjson)"
	assert_line --partial '{"key":"device/hardware-test1.test.sftlyr.ws","kind":"device","fqdn":"hardware-test1.test.sftlyr.ws","hostname":"hardware-test1","domain":"test.sftlyr.ws","private_ip":"10.1.0.2","public_ip":"172.16.1.100","datacenter":"test00"'
	assert_line --partial '"created":"2013-08-01T15:23:45Z"'
	assert_line --partial '{"key":"device/vs-test1.test.sftlyr.ws","kind":"device"'
	# the sample VLANs carry no router hostname: unidentified, not dropped
	assert_line --partial '"key":"unidentified/softlayer/vlan/1","kind":"unidentified","reason":"no router"'
	printf '%s\n' "$output" | jq -e . >/dev/null
}

@test "a closed reader ends normalize quietly (SIGPIPE)" {
	awk 'BEGIN { for (i = 0; i < 20000; i++)
		printf "{\"source\":\"sos\",\"type\":\"device\",\"data\":{\"hostname\":\"h%d.example.com\"}}\n", i }' >in
	run -0 bash -c 'set -o pipefail; sosr-normalize in | head -n1 >/dev/null; echo "${PIPESTATUS[0]}"'
	assert_output 141
}

@test "a full output disk is an error, exit 9" {
	raw sos device '{"hostname":"a.b"}' >in
	run -9 bash -c 'sosr-normalize in >/dev/full'
	assert_output "sosr-normalize: error: cannot write standard output; check free space on the output disk: No space left on device"
}
