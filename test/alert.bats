#!/usr/bin/env bats
# sosr-alert alone: the payloads the simulator's receivers record, the
# dedup keys, failures and secrets.
bats_require_minimum_version 1.5.0
load test_helper

CANARY_PD=canary-pd-5e0b3f19c2
CANARY_HOOK=canary-hook-0a7d91b3e4

setup() {
	common_setup
	unset PAGERDUTY_ROUTING_KEY PAGERDUTY_ROUTING_KEY_FILE SLACK_WEBHOOK_URL SOS_RECONCILE_WEBHOOK_URL
	IN="$FIXTURES/render/findings.ndjson"
	exits 1 sosr-render -f json --c-code ALC --started 2026-11-26T06:00:00Z "$IN" >significant.json
	sosr-render -f json --c-code ALC -t missing_in_sos=off -t missing_in_softlayer=off -t duplicate=off \
		"$IN" >clean.json
	sosr-render -f json --c-code ALC --failure 'fetch-sos:3:sosr-fetch-sos: error: HTTP 401 from SOS' >failed.json
}
teardown() { common_teardown; }

start_receiver() {
	start_fake_api --alerts-log alerts.ndjson --log requests.ndjson --devices 10 --vlans 2 "$@"
	PD_URL=$FAKE_URL/pagerduty/v2/enqueue
	export PAGERDUTY_ROUTING_KEY=$CANARY_PD
	export SLACK_WEBHOOK_URL=$FAKE_URL/slack/webhook/T0/B0/$CANARY_HOOK
	export SOS_RECONCILE_WEBHOOK_URL=$FAKE_URL/webhook/$CANARY_HOOK
}

# pd_events [FIRST_LINE]: "ACTION KEY" of the PagerDuty events received.
pd_events() {
	tail -n "+${1:-1}" alerts.ndjson |
		jq -r 'select(.endpoint == "pagerduty") | "\(.body.event_action) \(.body.dedup_key)"' | sort
}

@test "significant: trigger the significant classes, resolve the others, one stable key per class" {
	start_receiver
	run -0 sosr-alert --pagerduty --pagerduty-url "$PD_URL" significant.json
	assert_line 'pagerduty trigger sos-reconcile/ALC/missing_in_sos: delivered (HTTP 202)'
	assert_equal "$(pd_events | tr '\n' ';')" \
		'resolve sos-reconcile/ALC/mismatch;resolve sos-reconcile/ALC/run-failed;resolve sos-reconcile/ALC/unidentified;trigger sos-reconcile/ALC/duplicate;trigger sos-reconcile/ALC/missing_in_softlayer;trigger sos-reconcile/ALC/missing_in_sos;'
	assert_equal "$(jq -c 'select(.body.dedup_key == "sos-reconcile/ALC/missing_in_sos") | .body
		| [.routing_key == $k, .client, .payload.severity, .payload.source, .payload.component, .payload.class,
		   .payload.summary, .payload.custom_details.counts.missing_in_sos.total,
		   .payload.custom_details.rule.rule]' --arg k "$CANARY_PD" alerts.ndjson)" \
		'[true,"sos-reconcile","error","sos-reconcile/ALC","ALC","missing_in_sos","sos-reconcile ALC: 1 record in SoftLayer but missing from SOS (unmonitored)",1,"missing_in_sos.device"]'
	# the next day, other counts and time: the same keys
	jq '.started = "2026-11-27T06:00:00Z" | .counts.missing_in_sos.total = 9' significant.json >next.json
	local seen
	seen=$(wc -l <alerts.ndjson)
	run -0 sosr-alert --pagerduty --pagerduty-url "$PD_URL" --severity critical --source jenkins/alc next.json
	assert_equal "$(pd_events $((seen + 1)) | cut -d' ' -f2 | sort | tr '\n' ' ')" \
		"sos-reconcile/ALC/duplicate sos-reconcile/ALC/mismatch sos-reconcile/ALC/missing_in_softlayer sos-reconcile/ALC/missing_in_sos sos-reconcile/ALC/run-failed sos-reconcile/ALC/unidentified "
	assert_equal "$(tail -n "+$((seen + 1))" alerts.ndjson | jq -r 'select(.body.event_action == "trigger") | "\(.body.payload.severity) \(.body.payload.source)"' | sort -u)" \
		"critical jenkins/alc"
}

@test "nothing significant: every class resolved, no Slack message" {
	start_receiver
	run -0 sosr-alert --pagerduty --slack --pagerduty-url "$PD_URL" clean.json
	assert_line 'slack: nothing to send (the run is complete and not significant)'
	assert_equal "$(pd_events | tr '\n' ';')" \
		'resolve sos-reconcile/ALC/duplicate;resolve sos-reconcile/ALC/mismatch;resolve sos-reconcile/ALC/missing_in_softlayer;resolve sos-reconcile/ALC/missing_in_sos;resolve sos-reconcile/ALC/run-failed;resolve sos-reconcile/ALC/unidentified;'
	run -1 grep -c '"endpoint":"slack"' alerts.ndjson
}

@test "incomplete run: its own incident, never a resolve; Slack says INCOMPLETE" {
	start_receiver
	run -0 sosr-alert --pagerduty --slack --webhook --pagerduty-url "$PD_URL" failed.json
	assert_equal "$(pd_events)" 'trigger sos-reconcile/ALC/run-failed'
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty") | .body.payload.summary' alerts.ndjson)" \
		'sos-reconcile ALC: the run is INCOMPLETE, nothing was reconciled: fetch-sos exited 3 (credentials rejected)'
	jq -e -s '[.[] | select(.endpoint == "slack") | .body.text | startswith(":x: sos-reconcile ALC: the run is INCOMPLETE")] == [true]' alerts.ndjson
	assert_equal "$(jq -c 'select(.endpoint == "webhook") | .body | [.status, .failures[0].stage]' alerts.ndjson)" \
		'["incomplete","fetch-sos"]'
}

@test "webhook: the report without its findings; Slack: the counts" {
	start_receiver
	run -0 sosr-alert --slack --webhook significant.json
	assert_equal "$(jq -c 'select(.endpoint == "webhook") | .body | [.format, .c_code, .verdict.result, .counts.findings, has("findings")]' alerts.ndjson)" \
		'[4,"ALC","significant",5,false]'
	assert_equal "$(jq -r 'select(.endpoint == "slack") | .body.text' alerts.ndjson | sed -n 2p)" \
		'- missing_in_sos: 1 (significant)'
}

@test "secrets from NAME_FILE and configurable names; never in the output" {
	start_receiver
	printf '%s\n' "$CANARY_PD" >rk
	unset PAGERDUTY_ROUTING_KEY
	export MY_KEY_FILE=$PWD/rk MY_HOOK=$SOS_RECONCILE_WEBHOOK_URL
	run -0 sosr-alert --pagerduty --routing-key-env MY_KEY --webhook --webhook-url-env MY_HOOK \
		--pagerduty-url "$PD_URL" significant.json
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty") | .body.routing_key' alerts.ndjson | sort -u)" "$CANARY_PD"
	refute_output --partial "$CANARY_PD"
	refute_output --partial "$CANARY_HOOK"
}

@test "a missing secret: exit 8 naming the variable; the other targets are still served" {
	start_receiver
	unset PAGERDUTY_ROUTING_KEY
	run -8 sosr-alert --pagerduty --webhook --pagerduty-url "$PD_URL" significant.json
	assert_line "sosr-alert: error: pagerduty: neither PAGERDUTY_ROUTING_KEY nor PAGERDUTY_ROUTING_KEY_FILE is set; check the job's credential binding (the alert is not delivered)"
	assert_line 'webhook report summary: delivered (HTTP 200)'
	run -1 grep -c '"endpoint":"pagerduty"' alerts.ndjson
}

@test "a failing receiver: exit 8 after retries; the webhook URL (a secret) is never printed" {
	start_receiver --fault 503,target=alert
	run -8 sosr-alert --pagerduty --slack --webhook --pagerduty-url "$PD_URL" --retries 1 significant.json
	assert_line --partial "sosr-alert: error: pagerduty trigger sos-reconcile/ALC/missing_in_sos: not delivered to $PD_URL: "
	assert_line --partial 'sosr-alert: error: slack message: not delivered to the URL in SLACK_WEBHOOK_URL: '
	assert_output --partial '(after 2 attempts)'
	refute_output --partial "$CANARY_HOOK"
	refute_output --partial "$CANARY_PD"
	# retried once: two attempts for each of the 8 deliveries
	assert_equal "$(jq -r 'select(.api == "alert" and .status == 503) | .path' requests.ndjson | wc -l)" 16
}

@test "an unreachable PagerDuty: exit 8, the URL and what to check" {
	export PAGERDUTY_ROUTING_KEY=$CANARY_PD
	run -8 sosr-alert --pagerduty --pagerduty-url http://127.0.0.1:1/v2/enqueue --retries 0 failed.json
	assert_output "sosr-alert: error: pagerduty trigger sos-reconcile/ALC/run-failed: not delivered to http://127.0.0.1:1/v2/enqueue: network failure: Couldn't connect to server (curl error 7); check that the PagerDuty URL is reachable from the job (proxy, firewall); rerun"
}

@test "--dry-run prints the events with the routing key hidden and sends nothing" {
	export PAGERDUTY_ROUTING_KEY=$CANARY_PD
	run -0 sosr-alert --pagerduty --pagerduty-url http://127.0.0.1:1/x --dry-run failed.json
	assert_output --regexp '^pagerduty trigger sos-reconcile/ALC/run-failed \{"event_action":"trigger","dedup_key":"sos-reconcile/ALC/run-failed",'
	refute_output --partial "$CANARY_PD"
}

@test "usage and input errors" {
	run -2 sosr-alert significant.json
	assert_line "sosr-alert: error: no target; give --pagerduty, --slack, --webhook and/or --github"
	run -2 sosr-alert --pagerduty
	assert_line "sosr-alert: error: the REPORT operand is missing"
	run -2 sosr-alert --pagerduty --severity loud significant.json
	assert_line "sosr-alert: error: --severity: 'loud' is not critical, error, warning or info"
	run -2 sosr-alert --pagerduty --pagerduty-url ftp://x significant.json
	assert_line "sosr-alert: error: --pagerduty-url: 'ftp://x' is not an http(s) URL"
	run -9 sosr-alert --pagerduty nonexistent.json
	assert_output --partial "sosr-alert: error: cannot read the report 'nonexistent.json': No such file or directory"
	printf '{"format":1}\n' >notareport.json
	run -7 sosr-alert --pagerduty notareport.json
	assert_output --partial "'notareport.json' is not a report.json of format 1"
	printf 'junk' >junk.json
	run -7 sosr-alert --pagerduty junk.json
	assert_output --partial "the report 'junk.json' is not one JSON object"
	run -0 sosr-alert --help
	assert_output --partial '8   an alert was not delivered'
}
