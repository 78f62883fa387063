#!/usr/bin/env bats
# The configuration file: one loader in C (src/lib/config.c) for every
# section, sosr-config check/vars/flags, and sos-reconcile --check-config.
# Every error names the file, the key path and what is wrong, and exits 2.
bats_require_minimum_version 1.5.0
load test_helper

setup() {
	common_setup
	cat >good.json <<'EOF'
{
  "c_code": "ALC",
  "softlayer": {
    "endpoint": "https://api.softlayer.com/rest/v3.1",
    "accounts": [
      { "id": "659397", "auth": "basic", "username": "SL659397", "api_key_env": "SL_API_KEY_659397" },
      { "id": "1000001", "auth": "apikey", "api_key_file": "/run/secrets/ibm-1000001" },
      { "id": "1000002", "auth": "bearer", "token_env": "SL_IAM_TOKEN_1000002" }
    ]
  },
  "sos": { "url": "https://sos.example.internal", "token_env": "SOS_TOKEN_ALC" },
  "normalize": { "default_domains": ["ALC.Example.com."], "device_key": "fqdn" },
  "diff": { "grace": "48h", "compare": { "device": ["private_ip", "datacenter"] } },
  "thresholds": { "missing_in_sos.device": 1, "mismatch": { "count": 50, "percent": 5 },
                  "duplicate.vlan": false, "unidentified": "off" },
  "alert": { "pagerduty": { "routing_key_file": "/run/secrets/pd", "severity": "critical" },
             "slack": { "webhook_url_env": "ALC_SLACK" }, "webhook": {} }
}
EOF
}
teardown() { common_teardown; }

# bad JQ MESSAGE: good.json changed by the jq program JQ is refused by
# sosr-config check with exactly "sosr-config: error: bad.json: MESSAGE;
# check the configuration file (docs/CONFIG.md)", exit 2.
bad() {
	jq "$1" good.json >bad.json
	run -2 sosr-config check bad.json
	assert_output "sosr-config: error: bad.json: $2; check the configuration file (docs/CONFIG.md)"
}

@test "check: a good file is summarised, exit 0; vars tells the driver each stage's secrets" {
	run -0 sosr-config check good.json
	assert_output "good.json: ok: C_Code ALC, 3 SoftLayer accounts, alert pagerduty, slack, webhook"
	run -0 sosr-config --c-code ALC_WAT vars good.json
	assert_output "$(printf '%s\t%s\n' c_code ALC_WAT accounts 659397,1000001,1000002 \
		secrets.fetch-softlayer 'SL_API_KEY SL_API_KEY_659397 SL_IAM_TOKEN_1000002' \
		secrets.fetch-sos 'SOS_TOKEN SOS_TOKEN_ALC' \
		secrets.alert 'ALC_SLACK SOS_RECONCILE_WEBHOOK_URL' alert 'pagerduty slack webhook' \
		history '' keep_days 400 exceptions '' locker '' map '')"
	# the minimal job: accounts and a C_Code; no alert
	jq '{c_code, softlayer: {accounts: [.softlayer.accounts[0]]}}' good.json >min.json
	run -0 sosr-config check min.json
	assert_output "min.json: ok: C_Code ALC, 1 SoftLayer account, alert not configured"
}

@test "the top level: an object, known keys, a C_Code, the SoftLayer accounts" {
	bad '[.]' '(top level): expected an object'
	bad '.sos_url = "x"' 'sos_url: unknown key'
	bad '.c_code = "alc"' "c_code: expected a C_Code (capital letters, digits and '_', starting with a letter, at most 32, like ALC_WAT)"
	bad '.c_code = 7' 'c_code: expected a string'
	bad 'del(.c_code)' 'c_code: missing; set it in the file or pass --c-code'
	bad 'del(.softlayer)' 'softlayer: missing; the job needs the SoftLayer accounts (softlayer.accounts)'
	bad '.softlayer = []' 'softlayer: expected an object'
	printf '{"c_code": "ALC",\n' >bad.json
	run -2 sosr-config check bad.json
	assert_output --partial 'bad.json: (file): not valid JSON: it ends in the middle of the JSON value'
	run -2 sosr-config check missing.json
	assert_output --partial 'missing.json: (file): cannot read it: No such file or directory'
	# a C_Code from the command line is enough
	jq 'del(.c_code)' good.json >no-ccode.json
	run -0 sosr-config --c-code ALC check no-ccode.json
}

@test "softlayer: accounts, ids, credentials" {
	bad '.softlayer.accounts = {}' 'softlayer.accounts: expected a non-empty array of accounts'
	bad '.softlayer.accounts = []' 'softlayer.accounts: empty; name at least one account'
	bad '.softlayer.accounts[1] = "1000001"' 'softlayer.accounts[1]: expected an object'
	bad '.softlayer.accounts[0].id = 659397' 'softlayer.accounts[0].id: expected a string'
	bad '.softlayer.accounts[0].id = "65 97"' "softlayer.accounts[0].id: expected an account id: 1 to 32 letters, digits, '-' or '_'"
	bad '.softlayer.accounts[2].id = "659397"' 'softlayer.accounts[2].id: the same account is listed twice'
	bad '.softlayer.accounts[0].auth = "oauth"' 'softlayer.accounts[0].auth: expected "basic", "apikey" or "bearer"'
	bad 'del(.softlayer.accounts[0].username)' 'softlayer.accounts[0].username: missing; auth "basic" needs the SoftLayer user name'
	bad '.softlayer.accounts[0].api_key_env = "SL-KEY"' "softlayer.accounts[0].api_key_env: expected the name of an environment variable (letters, digits and '_')"
	bad '.softlayer.accounts[2].api_key_env = "K"' 'softlayer.accounts[2].api_key_env: not used with auth "bearer"; use token_env or token_file'
	bad 'del(.softlayer.accounts[1].api_key_file)' 'softlayer.accounts[1]: no credential: set api_key_env or api_key_file'
	bad '.softlayer.page_size = 1' 'softlayer.page_size: out of range 2..10000'
	bad '.softlayer.timeout = "2m"' 'softlayer.timeout: expected a number'
}

@test "sos: known keys and shapes" {
	bad '.sos = "https://sos"' 'sos: expected an object'
	bad '.sos.urll = "x"' 'sos.urll: unknown key'
	bad '.sos.token_file = "/run/t"' 'sos: both token_env and token_file are set; set one'
	bad '.sos.auth_header = "X-Key:"' "sos.auth_header: expected a header name (no ':' or blanks)"
	bad '.sos.devices_path = "api/devices"' "sos.devices_path: expected a path starting with '/'"
	bad '.sos.allow_empty = "yes"' 'sos.allow_empty: expected true or false'
}

@test "normalize: domains, the device key, the mapping file" {
	bad '.normalize = []' 'normalize: expected an object'
	bad '.normalize.key = "id"' 'normalize.key: unknown key'
	bad '.normalize.default_domains = "alc.example.com"' 'normalize.default_domains: expected an array of domain names'
	bad '.normalize.default_domains = [7]' 'normalize.default_domains[0]: expected an array of domain names'
	bad '.normalize.default_domains = ["a/b"]' "normalize.default_domains[0]: 'a/b' is not a domain name"
	bad '.normalize.device_key = "serial"' 'normalize.device_key: expected "fqdn" or "id"'
	bad '.normalize.map = ""' 'normalize.map: expected a non-empty string'
	# the mapping file is loaded, relative to the configuration's directory
	mkdir sub
	echo '{"sos":{"device":{"hostnme":"x"}}}' >sub/map.json
	jq '.normalize.map = "map.json"' good.json >sub/alc.json
	run -2 sosr-config check sub/alc.json
	assert_output "sosr-config: error: sub/map.json: sos.device.hostnme: unknown canonical field for this record type; check the mapping file (see sosr-normalize(1))"
	echo '{"sos":{"device":{"hostname":"host"}}}' >sub/map.json
	run -0 sosr-config check sub/alc.json
}

@test "diff: the grace and the compared fields" {
	bad '.diff.window = "1h"' 'diff.window: unknown key'
	bad '.diff.grace = "two days"' 'diff.grace: expected a duration like "48h"'
	bad '.diff.grace = 48' 'diff.grace: expected a string'
	bad '.diff.compare.unidentified = ["reason"]' 'diff.compare.unidentified: unknown key'
	bad '.diff.compare.device = []' 'diff.compare.device: expected an array of field names'
	bad '.diff.compare.vlan = "space"' 'diff.compare.vlan: expected an array of field names'
	bad '.diff.compare.vlan = ["space", "owner"]' "diff.compare.vlan: 'owner' is not a compared field of a vlan (see docs/FORMATS.md section 2)"
	bad '.diff.compare.device = ["fqdn", "fqdn"]' "diff.compare.device: 'fqdn' is listed twice"
}

@test "thresholds: rules and values" {
	bad '.thresholds = 5' 'thresholds: expected an object'
	bad '.thresholds.missing = 1' 'thresholds.missing: unknown rule; rules are missing_in_sos, missing_in_softlayer, mismatch, duplicate (optionally .device or .vlan), unidentified, new and sla_days'
	bad '.thresholds["unidentified.device"] = 1' 'thresholds.unidentified.device: unknown rule; rules are missing_in_sos, missing_in_softlayer, mismatch, duplicate (optionally .device or .vlan), unidentified, new and sla_days'
	bad '.thresholds.mismatch = 0' 'thresholds.mismatch: expected a whole number of findings, 1 or more'
	bad '.thresholds.mismatch = 2.5' 'thresholds.mismatch: expected a whole number of findings, 1 or more'
	bad '.thresholds.mismatch = true' 'thresholds.mismatch: expected a count, {"count":N,"percent":P} or false'
	bad '.thresholds.mismatch = "on"' 'thresholds.mismatch: expected a count, {"count":N,"percent":P} or false'
	bad '.thresholds.mismatch = {}' 'thresholds.mismatch: expected "count" or "percent"'
	bad '.thresholds.mismatch = {"share": 2}' 'thresholds.mismatch.share: unknown key'
	bad '.thresholds.mismatch = {"count": 0}' 'thresholds.mismatch.count: expected a whole number, 1 or more'
	bad '.thresholds.mismatch = {"percent": 0}' 'thresholds.mismatch.percent: expected a number above 0, at most 100'
	bad '.thresholds.mismatch = {"percent": "5%"}' 'thresholds.mismatch.percent: expected a number above 0, at most 100'
}

@test "thresholds from the file reach the verdict; flags win over them" {
	jq -n '{c_code: "ALC", thresholds: {"missing_in_sos": false, "missing_in_softlayer": false,
		"duplicate": false, "mismatch.device": {"count": 1}}}' >t.json
	run -1 sosr-render --config t.json -f json "$FIXTURES/render/findings.ndjson"
	assert_equal "$(jq -c '[.verdict.reasons[].rule]' <<<"$output")" '["mismatch.device"]'
	run -0 sosr-render --config t.json -t mismatch=off -f json "$FIXTURES/render/findings.ndjson"
	assert_equal "$(jq -c '[.c_code, .thresholds["mismatch.device"]]' <<<"$output")" '["ALC",null]'
}

@test "alert: targets, their keys, one secret each" {
	bad '.alert.pager = {}' 'alert.pager: unknown key'
	bad '.alert.slack = "https://hooks"' 'alert.slack: expected an object'
	bad '.alert.pagerduty.severity = "loud"' 'alert.pagerduty.severity: expected critical, error, warning or info'
	bad '.alert.pagerduty.url = "ftp://x"' 'alert.pagerduty.url: expected an http(s) URL'
	bad '.alert.pagerduty.routing_key_env = "PD"' 'alert.pagerduty: both routing_key_env and routing_key_file are set; set one'
	bad '.alert.slack.webhook_url_env = ""' 'alert.slack.webhook_url_env: expected a non-empty string'
	bad '.alert.webhook.url = "https://x"' 'alert.webhook.url: unknown key'
}

@test "flags: the driver's flags by the stages' rules" {
	run -0 sosr-config --now 2026-11-26T06:00:00Z --retries 3 --retry-wait 250ms flags
	assert_output ''
	run -2 sosr-config --now yesterday flags
	assert_line "sosr-config: error: --now: 'yesterday' is not an RFC 3339 time like 2026-11-26T06:00:00Z"
	run -2 sosr-config --retries 21 flags
	assert_line "sosr-config: error: --retries: '21' is out of range 0..20"
	run -2 sosr-config --c-code 'A B' flags
	assert_line --partial "sosr-config: error: --c-code: 'A B' is not a C_Code"
	run -2 sosr-config --now 2026-11-26T06:00:00Z check good.json
	assert_line "sosr-config: error: --now, --retries, --retry-wait and --umask belong to the flags command"
	run -2 sosr-config lint good.json
	assert_line "sosr-config: error: 'lint' is not a command; use check, vars or flags"
	run -2 sosr-config --frobnicate check good.json
	assert_line "sosr-config: error: unknown option '--frobnicate'"
	run -2 sosr-config check
	assert_line "sosr-config: error: check: expected one FILE, the job's configuration"
	run -0 sosr-config --help
	assert_output --partial 'Exit status:'
}

@test "sos-reconcile --check-config: no network, no output directory" {
	# the endpoints are unreachable: a check that fetched would fail
	run -0 sos-reconcile --check-config --config good.json
	assert_output "good.json: ok: C_Code ALC, 3 SoftLayer accounts, alert pagerduty, slack, webhook"
	[[ ! -e _output ]]
	jq '.thresholds.mismatch = 0' good.json >bad.json
	run -2 sos-reconcile --check-config --config bad.json
	assert_output "sosr-config: error: bad.json: thresholds.mismatch: expected a whole number of findings, 1 or more; check the configuration file (docs/CONFIG.md)"
	run -2 sos-reconcile --check-config --config good.json --c-code alc
	assert_line --partial "sos-reconcile: error: --c-code: 'alc' is not a C_Code"
	[[ ! -e _output ]]
}

@test "each stage reads its own section with --config; a flag wins over the file" {
	printf '%s\n' '{"source":"sos","c_code":"ALC","type":"device","data":{"hostname":"web1","ip_address":"10.0.0.1","status":"Live"}}' >raw.ndjson
	jq -n '{normalize: {default_domains: ["Alc.Example.COM"]}}' >n.json
	run -0 sosr-normalize --config n.json raw.ndjson
	assert_equal "$(jq -r .key <<<"$output")" device/web1.alc.example.com
	run -0 sosr-normalize --config n.json --default-domain other.example raw.ndjson
	assert_equal "$(jq -r .key <<<"$output")" device/web1.other.example
	jq -n '{normalize: {device_key: "serial"}}' >n2.json
	run -2 sosr-normalize --config n2.json raw.ndjson
	assert_output 'sosr-normalize: error: n2.json: normalize.device_key: expected "fqdn" or "id"; check the configuration file (docs/CONFIG.md)'
	jq -n '{diff: {grace: "1x"}}' >d.json
	run -2 sosr-diff --config d.json /dev/null /dev/null
	assert_output 'sosr-diff: error: d.json: diff.grace: expected a duration like "48h"; check the configuration file (docs/CONFIG.md)'
}
