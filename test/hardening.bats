#!/usr/bin/env bats
# Hostile answers and careless operators (issue 10): one bad record, ids
# beyond 64 bits, the output directory, text from APIs, bounds.  Each test
# failed before its fix.
bats_require_minimum_version 1.5.0
load test_helper

NOW=2026-11-26T06:00:00Z

setup() { common_setup; }
teardown() { common_teardown; }

sos_device() { printf '{"source":"sos","c_code":"ALC","type":"device","data":%s}\n' "$1"; }
sl_hardware() { printf '{"source":"softlayer","account":"659397","type":"hardware","data":%s}\n' "$1"; }

# One record whose identity cannot be read is an unidentified finding with
# the reason; the stream goes on, and only what is not NDJSON is fatal.
@test "one bad record: a hostname that is a boolean, an object or too long is unidentified, with the reason" {
	{
		sos_device '{"hostname":"web1","domain":"alc.example.com","ip_address":"10.0.0.1"}'
		sos_device '{"hostname":true,"softlayer_id":42}'
		sos_device '{"hostname":{"a":1}}'
		sos_device "{\"hostname\":\"$(head -c 5000 /dev/zero | tr '\0' a)\",\"softlayer_id\":43}"
		sos_device '{"hostname":"web2","domain":"alc.example.com","ip_address":["10.0.0.2"]}'
	} >raw.ndjson
	run -0 --separate-stderr sosr-normalize --source sos raw.ndjson
	assert_equal "$(jq -r '[.key, .reason // "-"] | join(" | ")' <<<"$output")" "device/web1.alc.example.com | -
unidentified/sos/device/42 | field 'hostname' is a boolean, not a string or number (mapping sos.device.hostname)
unidentified/sos/device/43 | hostname, domain or FQDN longer than 4096 bytes
unidentified/sos/device/line/3 | field 'hostname' is an object, not a string or number (mapping sos.device.hostname)
unidentified/sos/device/line/5 | field 'private_ip' is an array, not a string or number (mapping sos.device.private_ip)"
	# a line that is not JSON stays fatal, named as the driver names it
	printf '{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"x"}\n' >>raw.ndjson
	run -7 --separate-stderr sosr-normalize --source sos --name raw/sos.ndjson <raw.ndjson
	[[ $stderr == "sosr-normalize: error: raw/sos.ndjson:6: "* ]]
}

# (issue 10, item 2 changed the promise: beyond 2^64 an id is now taken as
# the line's digits, exact, where it was an unidentified record)
@test "ids beyond 2^63 stay exact; beyond 2^64 too, never made one key" {
	{
		sl_hardware '{"id":9223372036854775808,"hostname":"a","domain":"x.com"}'
		sl_hardware '{"id":9223372036854775809,"hostname":"b","domain":"x.com"}'
		sl_hardware '{"id":18446744073709551616,"hostname":"c","domain":"x.com"}'
		sl_hardware '{"id":18446744073709551617,"hostname":"d","domain":"x.com"}'
	} >raw.ndjson
	run -0 sosr-normalize --source softlayer --device-key id raw.ndjson
	assert_equal "$(jq -r .key <<<"$output" | tr '\n' ' ')" \
		"device/id/18446744073709551616 device/id/18446744073709551617 device/id/9223372036854775808 device/id/9223372036854775809 "
	[ "$(jq -r 'select(.kind == "unidentified")' <<<"$output")" = "" ]
	# a string id and a number id of the same value are one key; "0101" is not 101
	{
		printf '%s\n' '{"source":"sos","c_code":"ALC","type":"device","data":{"softlayer_id":"9223372036854775808","hostname":"a"}}'
		printf '%s\n' '{"source":"sos","c_code":"ALC","type":"device","data":{"softlayer_id":"0101","hostname":"b"}}'
	} >sos.ndjson
	run -0 sosr-normalize --source sos --device-key id sos.ndjson
	assert_equal "$(jq -r .key <<<"$output" | tr '\n' ' ')" "device/id/0101 device/id/9223372036854775808 "
}

@test "a failed source keeps what it read as raw/SIDE.partial.ndjson, never diffed; the error names raw/sos.ndjson:LINE" {
	start_fake_api --seed 7 --accounts 1 --devices 20 --vlans 4 --now "$NOW" --credentials cred.json
	jq '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"}}' cred.json >alc.json
	export SL_KEY_1000001 SOS_TOKEN
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	SOS_TOKEN=$(jq -r .sos.token cred.json)
	mkdir stubs
	printf '#!/bin/sh\nprintf "%%s\\n" %s %s\n' \
		"'$(sos_device '{"hostname":"a"}')'" "'{\"source\":\"sos\",\"c_code\":\"ALC\",'" >stubs/sosr-fetch-sos
	chmod +x stubs/sosr-fetch-sos
	PATH="$PWD/stubs:$PATH" run -7 sos-reconcile --config alc.json --now "$NOW"
	assert_output --partial "normalize-sos: sosr-normalize: error: raw/sos.ndjson:2: "
	assert_output --partial "the records read from sos are kept in raw/sos.partial.ndjson for diagnosis"
	assert_equal "$(wc -l <_output/raw/sos.partial.ndjson)" 2
	[[ ! -e _output/raw/sos.ndjson && ! -e _output/sos.ndjson && ! -e _output/discrepancies.ndjson ]]
	assert_equal "$(jq -c '[.files[].path | select(startswith("raw/"))]' _output/manifest.json)" \
		'["raw/softlayer.ndjson","raw/softlayer.requests.ndjson","raw/sos.partial.ndjson"]'
	assert_equal "$(jq -c '.sources.sos.complete' _output/manifest.json)" false
}

@test "--output never empties a directory that is not an output directory of sos-reconcile" {
	mkdir precious
	echo keep >precious/thesis.tex
	run -2 sos-reconcile --config "$FIXTURES/driver/alc.json" --output precious
	assert_output --partial "sosr-publish: error: '$PWD/precious' is not empty and not an output directory of sos-reconcile (no .sos-reconcile in it); nothing was removed"
	assert_equal "$(ls -A precious)" thesis.tex
	# also when the config is missing: the directory is checked first
	run -2 sos-reconcile --config missing.json --output precious
	assert_equal "$(ls -A precious)" thesis.tex
}

# The simulator with a config for it, its secrets exported.
sim_job() {
	start_fake_api --seed 7 --accounts 1 --devices 20 --vlans 4 --now "$NOW" --credentials cred.json "$@"
	jq '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"}}' cred.json >alc.json
	export SL_KEY_1000001 SOS_TOKEN
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	SOS_TOKEN=$(jq -r .sos.token cred.json)
}

@test "the output directory or the lock being a symbolic link is refused; the evidence is private (umask)" {
	sim_job
	mkdir real
	ln -s real linked
	run -2 sos-reconcile --config alc.json --output linked
	assert_output --partial "sosr-publish: error: --output: 'linked' is a symbolic link; give the directory it points to"
	ln -s /tmp/elsewhere ._output.lock
	run -2 sos-reconcile --config alc.json
	assert_output --partial "the lock '$PWD/._output.lock' is a symbolic link; remove it"
	rm ._output.lock
	run -0 sos-reconcile --config alc.json --now "$NOW"
	assert_equal "$(stat -c %a _output/report.json _output/raw | tr '\n' ' ')" "640 750 "
	run -0 sos-reconcile --config alc.json --now "$NOW" --umask 077
	assert_equal "$(stat -c %a _output/report.json)" 600
	run -2 sos-reconcile --config alc.json --umask 0777
	assert_output --partial "--umask: '0777' is not an octal mask that lets the owner read and write"
}

@test "a stale lock is named with the process holding it; stages orphaned by a killed run do not hold it" {
	sim_job --fault latency:1s
	flock -o ._output.lock sleep 30 3>&- &
	local holder=$!
	sleep 0.2
	run -2 sos-reconcile --config alc.json
	assert_output --regexp "another sos-reconcile run is using '$PWD/_output' \(process [0-9]+ \(flock -o ._output.lock sleep 30\)\); wait for it"
	kill "$holder"
	exits 143 wait "$holder"
	# a run killed mid-fetch leaves its stages running: the next run starts
	sos-reconcile --config alc.json --now "$NOW" >killed.out 2>&1 3>&- &
	local pid=$! i
	for ((i = 0; i < 100; i++)); do
		grep -qs 'fetching both inventories' ._output.run.*/run.log && break
		sleep 0.05
	done
	kill -KILL "$pid"
	exits 137 wait "$pid"
	run -0 sos-reconcile --config alc.json --now "$NOW" --retries 0
}

@test "every duration has an upper bound; the report states the grace in use" {
	run -2 sosr-diff --grace 400d /dev/null /dev/null
	assert_output --partial "sosr-diff: error: --grace: '400d' is more than 30d, the most it takes"
	jq -n '{diff: {grace: "31d"}}' >g.json
	run -2 sosr-diff --config g.json /dev/null /dev/null
	assert_output --partial "g.json: diff.grace: more than 30d, the most it takes"
	run -2 sosr-fetch-sos --c-code ALC --url http://127.0.0.1:1 --timeout 2h
	assert_output --partial "--timeout: '2h' is more than 1h, the most it takes"
	run -2 sosr-fetch-softlayer --budget 2d
	assert_output --partial "--budget: '2d' is more than 1d, the most it takes"
	run -2 sosr-alert --pagerduty --timeout 1h report.json
	assert_output --partial "--timeout: '1h' is more than 10m, the most it takes"
	# the grace in use is in the report, also when it is not whole hours
	sosr-diff --grace 90m /dev/null /dev/null >d.ndjson
	run -0 sosr-render d.ndjson
	assert_line 'Grace      1.5 hours for new devices to appear in SOS'
}

@test "PagerDuty's summary states the class's total, not the count of the rule that fired" {
	exits 1 sosr-render -f json --c-code ALC "$FIXTURES/render/findings.ndjson" >r.json
	jq '.counts.mismatch = {"device": 3, "vlan": 4, "unidentified": 0, "total": 7}
	    | .verdict.reasons = [{"rule": "mismatch.device", "class": "mismatch", "count": 3, "inventory": 100,
	                           "threshold": {"count": 1}}]' r.json >report.json
	run -0 sosr-alert --pagerduty --dry-run report.json
	assert_equal "$(grep '^pagerduty trigger sos-reconcile/ALC/mismatch ' <<<"$output" | cut -d' ' -f4- |
		jq -r .payload.summary)" "sos-reconcile ALC: 7 records with fields that differ between SoftLayer and SOS"
}

@test "the runbook's search of run.log finds every error line and no stage's run: line" {
	sim_job
	export SOS_TOKEN=expired
	run -3 sos-reconcile --config alc.json --now "$NOW"
	local re
	re=$(sed -n "s/^    grep -E '\(.*\)' _output\/run.log$/\1/p" "$ROOT/docs/RUNBOOK.md")
	[[ -n $re ]] || fail "no grep -E line in docs/RUNBOOK.md"
	# the run: lines of the second rendering quote the error: not found
	grep -q ': run: .*error: ' _output/run.log
	run -0 grep -E "$re" _output/run.log
	refute_output --partial ': run: '
	assert_line --partial 'fetch-sos: sosr-fetch-sos: error: HTTP 401 from SOS for C_Code ALC'
	assert_line --partial 'sos-reconcile: error: the run is INCOMPLETE (exit 3)'
}

@test "softlayer.allow_empty in the configuration, as sos.allow_empty" {
	start_fake_api --seed 2 --accounts 1 --devices 0 --vlans 4 --credentials cred.json
	jq '{softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]}}' cred.json >sl.json
	export SL_KEY_1000001
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	run -6 --separate-stderr sosr-fetch-softlayer --config sl.json -q
	[[ $stderr == *"error: no records for account 1000001 hardware and account 1000001 virtual_guest"* ]]
	jq '.softlayer.allow_empty = true' sl.json >empty-ok.json
	run -0 --separate-stderr sosr-fetch-softlayer --config empty-ok.json -q
	assert_equal "$(jq -r .type <<<"$output" | sort -u)" vlan
}

@test "secrets: plain http:// to another host is refused unless allowed; a line break in a secret is refused; no core dumps" {
	SOS_TOKEN=canary-token-1 run -2 sosr-fetch-sos --c-code ALC --url http://sos.example.internal
	assert_output --partial "sosr-fetch-sos: error: --url: 'http://sos.example.internal' is plain http:// to another host: the credential would cross the network unencrypted; use https://, or --allow-insecure-http (sos.allow_insecure_http) if the network is trusted"
	SOS_TOKEN=canary-token-1 run -4 sosr-fetch-sos --c-code ALC --url http://sos.invalid --allow-insecure-http --retries 0
	SL_USERNAME=u SL_API_KEY=k run -2 sosr-fetch-softlayer --endpoint http://api.example.com/rest/v3.1
	assert_output --partial "the SoftLayer endpoint: 'http://api.example.com/rest/v3.1' is plain http:// to another host"
	# the alert: the key would travel in the body, the token in the URL
	sosr-render -f json --c-code ALC "$FIXTURES/render/findings.ndjson" >r.json || true
	PAGERDUTY_ROUTING_KEY=canary-pd-1 run -8 sosr-alert --pagerduty --pagerduty-url http://events.example.com/v2 --retries 0 r.json
	assert_output --partial "not sent: the URL is plain http:// to another host"
	SLACK_WEBHOOK_URL=http://hooks.example.com/T/B/canary-hook-1 run -8 sosr-alert --slack --retries 0 r.json
	assert_output --partial "not sent: the URL in SLACK_WEBHOOK_URL is plain http:// to another host"
	refute_output --partial canary-hook-1
	# a token with a line break
	SOS_TOKEN=$'canary-token-2\r\nX-Injected: 1' run -2 sosr-fetch-sos --c-code ALC --url http://127.0.0.1:9
	assert_output --partial "SOS_TOKEN holds a line break (CR or LF); check the credential binding"
	refute_output --partial canary-token-2
	# a process holding a secret makes no core file
	start_fake_api --fault stall:5s
	SOS_TOKEN=canary-token-3 sosr-fetch-sos --c-code ALC --url "$FAKE_URL" --timeout 3s --retries 0 3>&- &
	local pid=$!
	sleep 0.5
	local limits
	limits=$(grep 'Max core file size' "/proc/$pid/limits")
	kill "$pid"
	wait "$pid" || true
	[[ $limits == *" 0 "*" 0 "* ]] || fail "core files are not disabled: $limits"
}

@test "TLS: a certificate that is not trusted is its own error, not a blip; ca_file per endpoint" {
	# a TLS server whose certificate no bundle trusts
	openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 2>/dev/null
	python3 -c '
import http.server, ssl, sys
s = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain("cert.pem", "key.pem")
s.socket = c.wrap_socket(s.socket, server_side=True)
open("port", "w").write(str(s.server_address[1])); sys.stdout.flush()
s.serve_forever()' 3>&- &
	local srv=$! i
	for ((i = 0; i < 100; i++)); do [[ -s port ]] && break; sleep 0.05; done
	SOS_TOKEN=t run -4 --separate-stderr sosr-fetch-sos --c-code ALC --url "https://127.0.0.1:$(<port)" --retries 3
	[[ $stderr == *"the certificate of SOS for C_Code ALC on https://127.0.0.1:"*"was not trusted"*"a rerun will not help: check the CA bundle (sos.ca_file, --ca-file, CURL_CA_BUNDLE)"* ]]
	[[ $stderr != *"after"*"attempts"* ]]
	# with the endpoint's CA (its own certificate) the TLS check passes: the
	# server answers 404, a different failure
	jq -n --arg ca "$PWD/cert.pem" '{sos: {ca_file: $ca}}' >c.json
	SOS_TOKEN=t run -5 --separate-stderr sosr-fetch-sos --config c.json --c-code ALC --url "https://127.0.0.1:$(<port)" --retries 0
	[[ $stderr == *"HTTP 404 from SOS"* ]]
	kill "$srv"
}

@test "~/.softlayer as slcli setup writes it: the XML-RPC endpoint in its REST form, keys in any case; a 404 names the file" {
	start_fake_api --seed 7 --accounts 1 --devices 20 --vlans 4 --credentials cred.json --write-estate estate
	local ep key
	ep=$(jq -r .softlayer.endpoint cred.json) # http://127.0.0.1:PORT/rest/v3.1
	key=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	printf '[softlayer]\nUsername = %s\nAPI_Key = %s\nendpoint_url = %s/\ntimeout = 0\n' \
		"$(jq -r '.softlayer.accounts[0].username' cred.json)" "$key" "${ep/\/rest\//\/xmlrpc\/}" >"$HOME/.softlayer"
	run -0 --separate-stderr sosr-fetch-softlayer
	diff <(printf '%s\n' "$output") estate/raw/softlayer.ndjson
	[[ $stderr == *"endpoint_url in ~/.softlayer is the XML-RPC endpoint ${ep/\/rest\//\/xmlrpc\/} (as slcli setup writes it); using its REST form $ep"* ]]
	# an endpoint that is wrong otherwise: the 404 names where it came from
	sed -i "s|^endpoint_url = .*|endpoint_url = ${ep%/rest/v3.1}/nothing/v3.1|" "$HOME/.softlayer"
	run -5 --separate-stderr sosr-fetch-softlayer
	[[ $stderr == *"HTTP 404 from SoftLayer for the account of the credentials on "*"check the endpoint (endpoint_url in ~/.softlayer)" ]]
}

@test "an API's error text is shown with control characters, NUL, bidi and zero-width characters escaped" {
	python3 -c '
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        b = json.dumps({"error": {"code": "x\u001b[31m", "message": "bad\u202egnp.exe\u0000tail\u200b"}}).encode()
        self.send_response(403); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open("port", "w").write(str(s.server_address[1]))
s.serve_forever()' 3>&- &
	local srv=$! i
	for ((i = 0; i < 100; i++)); do [[ -s port ]] && break; sleep 0.05; done
	SOS_TOKEN=t run -3 --separate-stderr sosr-fetch-sos --c-code ALC --url "http://127.0.0.1:$(<port)" --retries 0
	kill "$srv"
	[[ $stderr != *$'\e'* && $stderr != *$'\u202e'* && $stderr != *$'\u200b'* ]] || fail "raw control text: $stderr"
	[[ $stderr == *': bad\u202egnp.exe\x00tail\u200b (x\x1b[31m): the token has no access to this C_Code'* ]]
}

@test "thousands of accounts: no stage's input depends on one argument's size; the manifest names them all" {
	export STUB_DIR="$FIXTURES/driver" STUB_LOG="$PWD/stub.log" REAL_BIN="$ROOT/bin"
	export SOS_TOKEN=x SL_API_KEY_659397=y
	jq -n '{c_code: "ALC", softlayer: {endpoint: "http://127.0.0.1:9/rest/v3.1",
	         accounts: ([{id: "659397", auth: "basic", username: "u", api_key_env: "SL_API_KEY_659397"}]
	                    + [range(1; 3000) | {id: "\(. + 100000)", auth: "apikey", api_key_env: "K\(. + 100000)"}])},
	        sos: {url: "http://127.0.0.1:9", token_env: "SOS_TOKEN"}}' >alc.json
	PATH="$STUB_DIR/stubs:$PATH" run -0 sos-reconcile --config alc.json --now "$NOW"
	assert_equal "$(jq -c '[(.accounts | length), .status, .exit]' _output/manifest.json)" '[3000,"complete",0]'
	assert_equal "$(jq '.accounts | length' _output/report.json)" 3000
}
