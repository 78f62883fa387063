#!/usr/bin/env bats
# sos-reconcile: every exit path of the driver against the simulator, the
# files of _output/ and their status, the manifest's digests, and canary
# secrets that must appear nowhere but in the simulator's alert log.
bats_require_minimum_version 1.5.0
load test_helper

NOW=2026-11-26T06:00:00Z
CANARY_SL=canary-sl-4f1d2c9e7a
CANARY_SL2=canary-sl-90b3e5a1c6
CANARY_SOS=canary-sos-8b3e6d1f20
CANARY_PD=canary-pd-71c0aa93e5

setup() {
	common_setup
	unset PAGERDUTY_ROUTING_KEY SLACK_WEBHOOK_URL SOS_RECONCILE_WEBHOOK_URL
}
teardown() { common_teardown; }

# start_sim [ARGS...]: the simulator with canary secrets, and alc.json for
# it; the secrets are exported as the config names them.  Each account has
# its own canary API key (--api-key-file: line i for account i), used as
# the simulator advertises it (basic, then apikey).
start_sim() {
	printf '%s\n' "$CANARY_SL" "$CANARY_SL2" >sl.key
	printf '%s\n' "$CANARY_SOS" >sos.token
	start_fake_api --seed 7 --accounts 2 --devices 200 --vlans 40 --now "$NOW" \
		--credentials cred.json --truth truth.ndjson --alerts-log alerts.ndjson \
		--api-key-file sl.key --sos-token-file sos.token "$@"
	jq '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[]
	                            | {id, auth, api_key_env: "SL_KEY_\(.id)"}
	                              + (if .auth == "basic" then {username} else {} end)]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"}}' cred.json >alc.json
	export SL_KEY_1000001=$CANARY_SL SL_KEY_1000002=$CANARY_SL2 SOS_TOKEN=$CANARY_SOS
}

# with_alert: add PagerDuty, Slack and the webhook, pointed at the simulator.
with_alert() {
	local slack hook cfg
	{
		IFS= read -r cfg
		IFS= read -r slack
		IFS= read -r hook
	} < <(jq -r --slurpfile c cred.json '(.alert = {pagerduty: {url: $c[0].alerts.pagerduty_url},
		slack: {}, webhook: {url_env: "HOOK_URL"}} | tojson), $c[0].alerts.slack_url, $c[0].alerts.webhook_url' alc.json)
	[[ -n $cfg && -n $slack && -n $hook ]]
	printf '%s\n' "$cfg" >alc.json
	export PAGERDUTY_ROUTING_KEY=$CANARY_PD SLACK_WEBHOOK_URL=$slack HOOK_URL=$hook
}

# The manifest lists every file of _output/ and its sha256 verifies.
check_manifest() {
	local sums listed present
	sums=$(jq -r '.files[] | "\(.sha256)  \(.path)"' _output/manifest.json)
	(cd _output && sha256sum -c --quiet <<<"$sums")
	listed=$(cut -d' ' -f3- <<<"$sums" | sort)
	present=$(cd _output && find . -type f ! -name manifest.json ! -name '.*' | sed 's|^\./||' | sort)
	assert_equal "$present" "$listed"
}

# No canary secret in _output/ nor in the console output ($output).
check_no_secrets() {
	local c
	for c in "$CANARY_SL" "$CANARY_SL2" "$CANARY_SOS" "$CANARY_PD"; do
		assert_no_canary "$c" _output
		refute_output --partial "$c"
	done
	[[ -z ${SLACK_WEBHOOK_URL:-} ]] || { assert_no_canary "${SLACK_WEBHOOK_URL#*/slack/}" _output; refute_output --partial "${SLACK_WEBHOOK_URL#*/slack/}"; }
}

# An incomplete run: reports and manifest say so, nothing was diffed.
check_incomplete() { # STAGE CODE
	assert_equal "$(jq -c -s '[.[0].status, .[0].exit, .[0].verdict, .[0].failures[0].stage, .[0].failures[0].exit],
	                          [.[1].status, .[1].verdict.result, .[1].failures[0].stage]' _output/manifest.json _output/report.json)" \
		"[\"incomplete\",$2,\"incomplete\",\"$1\",$2]
[\"incomplete\",\"incomplete\",\"$1\"]"
	grep -qx 'Status     INCOMPLETE' _output/report.txt
	grep -q "^  $1 exited $2 " _output/report.txt
	[[ ! -e _output/discrepancies.ndjson ]]
	check_manifest
	check_no_secrets
}

@test "clean estate: exit 0, every file of _output/, complete, manifest verifies, no secret" {
	start_sim --drift 0
	run -0 sos-reconcile --config alc.json --now "$NOW"
	for f in raw/softlayer.ndjson raw/sos.ndjson softlayer.ndjson sos.ndjson discrepancies.ndjson \
		report.txt report.json run.log manifest.json; do
		[[ -s _output/$f ]] || fail "_output/$f is missing or empty"
	done
	assert_equal "$(jq -c '[.status, .verdict, .exit, .c_code, .accounts, .sources.softlayer.complete, .sources.sos.complete]' _output/manifest.json)" \
		'["complete","not_significant",0,"ALC",["1000001","1000002"],true,true]'
	assert_equal "$(jq -c '[.sources.softlayer.raw_records, .sources.sos.raw_records]' _output/manifest.json)" '[240,240]'
	assert_output --partial 'VERDICT: not significant'
	assert_equal "$(jq .counts.findings _output/report.json)" 0
	check_manifest
	check_no_secrets
	[[ ! -e $(echo ._output.run.*) ]]
}

@test "planted findings: exit 1, the findings equal the simulator's truth in both files" {
	start_sim --drift 0.1
	run -1 sos-reconcile --config alc.json --now "$NOW"
	project_findings _output/discrepancies.ndjson >got.ndjson
	cmp got.ndjson truth.ndjson
	jq -c '.findings[]' _output/report.json >report-findings.ndjson
	project_findings report-findings.ndjson >got2.ndjson
	cmp got2.ndjson truth.ndjson
	assert_equal "$(jq -c '[.status, .verdict, .exit]' _output/manifest.json)" '["complete","significant",1]'
	grep -qx 'VERDICT: SIGNIFICANT' _output/report.txt
	assert_output --partial 'missing_in_sos.device:'
	check_manifest
	check_no_secrets
}

@test "run.log: every stage's stderr, time-stamped and prefixed, as on the console" {
	start_sim --drift 0.1
	run -1 sos-reconcile --config alc.json --now "$NOW" --verbose
	grep -q '^20[0-9-]*T[0-9:]*Z fetch-softlayer: sosr-fetch-softlayer: ' _output/run.log
	grep -q '^20[0-9-]*T[0-9:]*Z fetch-sos: sosr-fetch-sos: ' _output/run.log
	grep -q '^20[0-9-]*T[0-9:]*Z sos-reconcile: done: ' _output/run.log
	# every line has the stamp and a stage name
	run -1 grep -vcE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z [a-z-]+: ' _output/run.log
	assert_output 0
}

@test "each stage by hand, as the driver runs it, gives the same files" {
	start_sim --drift 0.1
	run -1 sos-reconcile --config alc.json --now "$NOW"
	sosr-normalize --source softlayer _output/raw/softlayer.ndjson | cmp - _output/softlayer.ndjson
	sosr-normalize --source sos _output/raw/sos.ndjson | cmp - _output/sos.ndjson
	run -1 sosr-diff --now "$NOW" _output/softlayer.ndjson _output/sos.ndjson
	cmp <(printf '%s\n' "$output") _output/discrepancies.ndjson
	SOS_TOKEN=$CANARY_SOS sosr-fetch-sos --config alc.json --quiet | cmp - _output/raw/sos.ndjson
	sosr-fetch-softlayer --config alc.json --quiet | cmp - _output/raw/softlayer.ndjson
}

@test "alerts: a significant run triggers per class and resolves the rest; Slack and the webhook get the summary" {
	start_sim --drift 0.1
	with_alert
	# thresholds from the config reach the verdict: every class significant
	jq '.thresholds = {"duplicate": 1, "unidentified": {"count": 1}, "missing_in_softlayer.vlan": false}' \
		alc.json >alc.tmp && mv alc.tmp alc.json
	run -1 sos-reconcile --config alc.json --now "$NOW"
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty") | "\(.body.event_action) \(.body.dedup_key)"' alerts.ndjson | sort | tr '\n' ';')" \
		"resolve sos-reconcile/ALC/missing_in_softlayer;resolve sos-reconcile/ALC/run-failed;trigger sos-reconcile/ALC/duplicate;trigger sos-reconcile/ALC/mismatch;trigger sos-reconcile/ALC/missing_in_sos;trigger sos-reconcile/ALC/unidentified;"
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty") | .body.routing_key' alerts.ndjson | sort -u)" "$CANARY_PD"
	assert_equal "$(jq -c 'select(.body.dedup_key == "sos-reconcile/ALC/missing_in_sos") | .body.payload | [.severity, .source, .custom_details.counts.missing_in_sos.total > 0]' alerts.ndjson)" \
		'["error","sos-reconcile/ALC",true]'
	jq -e -s '[.[] | select(.endpoint == "slack") | .body.text | test("significant discrepancies")] == [true]' alerts.ndjson
	assert_equal "$(jq -c 'select(.endpoint == "webhook") | .body | [.status, .verdict.result, has("findings")]' alerts.ndjson)" \
		'["complete","significant",false]'
	assert_equal "$(jq -c '[.thresholds."duplicate.device", .thresholds.unidentified, .thresholds."missing_in_softlayer.vlan"]' _output/report.json)" \
		'[{"count":1},{"count":1},null]'
	assert_equal "$(jq -r .alert.status _output/report.json)" delivered
	assert_equal "$(jq -r .alert.detail _output/report.json)" \
		'pagerduty resolve x2, pagerduty trigger x4, slack message x1, webhook report x1'
	grep -q '^Alert      delivered: pagerduty resolve x2, pagerduty trigger x4, ' _output/report.txt
	check_manifest
	check_no_secrets
}

@test "alerts: a clean run resolves every class and posts no Slack message" {
	start_sim --drift 0
	with_alert
	run -0 sos-reconcile --config alc.json --now "$NOW"
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty") | .body.event_action' alerts.ndjson | sort -u)" resolve
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty") | .body.dedup_key' alerts.ndjson | wc -l)" 6
	run -1 grep -c '"endpoint":"slack"' alerts.ndjson
}

@test "alert not delivered: exit 8, the reports say so, the verdict stays" {
	start_sim --drift 0.1 --fault 500,target=alert
	with_alert
	run -8 sos-reconcile --config alc.json --now "$NOW" --retries 0
	assert_output --partial 'alert: sosr-alert: error: pagerduty trigger sos-reconcile/ALC/missing_in_sos: not delivered to http://127.0.0.1:'
	assert_equal "$(jq -c '[.status, .verdict, .exit, .alert.status]' _output/manifest.json)" \
		'["complete","significant",8,"failed"]'
	assert_equal "$(jq -r '.alert.status' _output/report.json)" failed
	grep -q '^Alert      NOT DELIVERED: pagerduty trigger sos-reconcile/ALC/missing_in_sos: not delivered to' _output/report.txt
	check_manifest
	check_no_secrets
}

@test "SoftLayer credentials rejected: exit 3, incomplete, nothing diffed" {
	start_sim --drift 0.1
	export SL_KEY_1000002=wrong-key
	run -3 sos-reconcile --config alc.json --now "$NOW"
	check_incomplete fetch-softlayer 3
	[[ ! -e _output/raw/softlayer.ndjson && ! -e _output/softlayer.ndjson ]]
	[[ -s _output/sos.ndjson ]]
	assert_output --partial 'error: a source could not be fetched completely: nothing is diffed'
}

@test "SOS token rejected: exit 3, incomplete; with alerting, the failure is paged, nothing resolved" {
	start_sim --drift 0.1
	with_alert
	export SOS_TOKEN=expired-token
	run -3 sos-reconcile --config alc.json --now "$NOW"
	check_incomplete fetch-sos 3
	grep -q 'HTTP 401' _output/report.txt
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty") | "\(.body.event_action) \(.body.dedup_key)"' alerts.ndjson)" \
		"trigger sos-reconcile/ALC/run-failed"
	jq -e -s '[.[] | select(.endpoint == "slack") | .body.text | test("INCOMPLETE")] == [true]' alerts.ndjson
}

@test "SoftLayer unreachable: exit 4" {
	start_sim --drift 0.1
	jq '.softlayer.endpoint = "http://127.0.0.1:1/rest/v3.1"' alc.json >alc.tmp && mv alc.tmp alc.json
	run -4 sos-reconcile --config alc.json --now "$NOW" --retries 0
	check_incomplete fetch-softlayer 4
}

@test "SOS unreachable: exit 4" {
	start_sim --drift 0.1
	jq '.sos.url = "http://127.0.0.1:1"' alc.json >alc.tmp && mv alc.tmp alc.json
	run -4 sos-reconcile --config alc.json --now "$NOW" --retries 0
	check_incomplete fetch-sos 4
}

@test "a source that does not add up to its total: exit 6" {
	start_sim --drift 0.1 --fault total:1,target=sos
	run -6 sos-reconcile --config alc.json --now "$NOW" --retries 0
	check_incomplete fetch-sos 6
}

@test "invalid data from a source: exit 7, the failing stage named" {
	start_sim --drift 0.1
	mkdir stubs
	printf '#!/bin/sh\necho "{\\"source\\":\\"sos\\",\\"c_code\\":\\"ALC\\",\\"type\\":\\"device\\",\\"data\\":"\n' >stubs/sosr-fetch-sos
	chmod +x stubs/sosr-fetch-sos
	PATH="$PWD/stubs:$PATH" run -7 sos-reconcile --config alc.json --now "$NOW"
	check_incomplete normalize-sos 7
}

@test "a previous run's files are never left looking current" {
	start_sim --drift 0.1
	run -1 sos-reconcile --config alc.json --now "$NOW"
	[[ -e _output/discrepancies.ndjson ]]
	export SOS_TOKEN=expired-token
	run -3 sos-reconcile --config alc.json --now "$NOW"
	check_incomplete fetch-sos 3
	[[ ! -e _output/raw/sos.ndjson && ! -e _output/sos.ndjson ]]
}

@test "configuration errors name the file and the key; exit 2 with incomplete reports" {
	start_sim --drift 0
	jq '.sos.urll = "x"' alc.json >typo.json
	jq '.thresholds = {"mismatch": {"count": 0}}' alc.json >bad-threshold.json
	jq 'del(.c_code)' alc.json >no-ccode.json
	printf '{"c_code": "ALC",\n' >broken.json
	run -2 sos-reconcile --config bad-threshold.json
	assert_output --partial 'sosr-config: error: bad-threshold.json: thresholds.mismatch.count: expected a whole number, 1 or more'
	check_incomplete config 2
	run -2 sos-reconcile --config no-ccode.json
	assert_output --partial 'sosr-config: error: no-ccode.json: c_code: missing; set it in the file or pass --c-code'
	run -2 sos-reconcile --config broken.json
	assert_output --partial 'sosr-config: error: broken.json: (file): not valid JSON'
	run -2 sos-reconcile --config missing.json
	assert_output --partial "sosr-config: error: missing.json: (file): cannot read it: No such file or directory"
	# every section is checked by sosr-config before any stage runs
	run -2 sos-reconcile --config typo.json
	assert_output --partial 'sosr-config: error: typo.json: sos.urll: unknown key'
	check_incomplete config 2
}

@test "--c-code overrides the config; a C_Code SOS refuses is a credentials error" {
	start_sim --drift 0
	run -3 sos-reconcile --config alc.json --c-code ALC_WAT --now "$NOW"
	check_incomplete fetch-sos 3
	assert_equal "$(jq -r .c_code _output/manifest.json)" ALC_WAT
}

@test "usage: --help lists the exit codes, bad flags are exit 2" {
	run -0 sos-reconcile --help
	assert_output --partial '8   the alert could not be delivered'
	assert_output --partial '1   reconciled, significant findings'
	run -0 sos-reconcile --version
	assert_output --regexp '^sos-reconcile \(sos-reconcile\) [0-9]'
	run -2 sos-reconcile
	assert_output --partial 'sos-reconcile: error: --config FILE is required (or --demo)'
	run -2 sos-reconcile --config x.json --bogus
	assert_output --partial "sos-reconcile: error: unknown option '--bogus'"
	run -2 sos-reconcile --config x.json --now yesterday
	assert_output --partial "sos-reconcile: error: --now: 'yesterday' is not an RFC 3339 time"
	run -2 sos-reconcile --config x.json --retries 99
	assert_output --partial "sos-reconcile: error: --retries: '99' is out of range 0..20"
	run -2 sos-reconcile --config x.json --retry-wait soon
	assert_output --partial "sos-reconcile: error: --retry-wait: 'soon' is not a duration"
	run -2 sos-reconcile --config x.json --c-code 'A B'
	[[ ! -e _output ]]
}

@test "--demo: the whole job against a generated estate, findings equal the truth, exit 1" {
	run -1 sos-reconcile --demo
	assert_output --partial "The findings in discrepancies.ndjson and report.json equal the simulator's planted truth"
	# the second of two daily runs: the lifecycle shows
	assert_output --partial "and their lifecycle (NEW, RECURRING, REOPENED, resolved) its lifecycle truth"
	run -0 jq -r '.history.previous != null and .history.recurring > 0 and .history.resolved > 0' _output/report.json
	assert_output true
	grep -q 'RECURRING, open 1 day since' _output/report.txt
	assert_equal "$(jq -c '[.demo, .status, .verdict, .exit, .alert.status]' _output/manifest.json)" \
		'[true,"complete","significant",1,"delivered"]'
	check_manifest
	# the demo's estate and simulator files are gone (TMPDIR is this test's own)
	assert_equal "$(ls -A "$TMPDIR")" ""
}

@test "the driver passes shellcheck" {
	# (shellcheck is a dependency of make test: scripts/install-deps)
	shellcheck "$ROOT/scripts/sos-reconcile"
}

@test "secrets: in no stage's argv; each stage sees only the secrets it reads" {
	export STUB_DIR="$FIXTURES/driver" STUB_LOG="$PWD/stub.log" REAL_BIN="$ROOT/bin"
	export SOS_TOKEN=$CANARY_SOS SL_API_KEY_659397=$CANARY_SL PAGERDUTY_ROUTING_KEY=$CANARY_PD
	jq '.alert = {pagerduty: {url: "http://127.0.0.1:1/enqueue"}}' "$STUB_DIR/alc.json" >alc.json
	PATH="$STUB_DIR/stubs:$STUB_DIR/wrap:$PATH" run -8 sos-reconcile --config alc.json --now "$NOW" --retries 0
	assert_no_canary "$CANARY_SOS" stub.log
	assert_no_canary "$CANARY_SL" stub.log
	assert_no_canary "$CANARY_PD" stub.log
	grep -qx 'sos secret SOS_TOKEN: set' stub.log
	grep -qx 'softlayer secret SL_API_KEY_659397: set' stub.log
	grep -qx 'sosr-alert sees: PAGERDUTY_ROUTING_KEY' stub.log
	run -1 grep -E '^sosr-(normalize|diff|render) sees: .' stub.log
	check_manifest
	check_no_secrets
}

@test "an interrupted run leaves no report, no work directory and no stage running" {
	# a previous run's files, then a run whose every request takes 1 s
	start_sim --drift 0.1
	run -1 sos-reconcile --config "$PWD/alc.json" --now "$NOW" --retries 0
	[[ -s _output/report.json ]]
	stop_fake_api
	start_sim --drift 0.1 --fault latency:1s
	sos-reconcile --config "$PWD/alc.json" --now "$NOW" >run.out 2>&1 3>&- &
	local pid=$! i
	for ((i = 0; i < 200; i++)); do
		grep -qs "fetching both inventories" ._output.run.*/run.log && break
		sleep 0.05
	done
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 143
	grep -q 'error: interrupted by signal TERM' run.out
	assert_equal "$(ls -A _output)" .sos-reconcile
	[[ -z $(find . -maxdepth 1 -name '._output.run.*') ]]
	# The driver TERMs its stages and exits without waiting for them: on a
	# loaded machine one may take a moment to die.  Gone within 5 s (ps
	# first, then a match in bash: a grep would see its own argv).
	local procs
	for ((i = 0; i < 100; i++)); do
		procs=$(ps -eo args)
		[[ $procs == *"--config $PWD/alc.json"* ]] || break
		sleep 0.05
	done
	[[ $procs != *"--config $PWD/alc.json"* ]] || fail "a stage is still running: $(grep -F -- "--config $PWD/alc.json" <<<"$procs")"
}
