#!/usr/bin/env bats
# Escalation (issue 15): sosr-alert's GitHub issues target against the
# simulator's GitHub API (one open issue per C_Code and event, never two;
# quiet when nothing changed, a comment when it changed, comment and close
# when it cleared; 401/404, rate limits, pages, dry run, no secret
# anywhere), and the ready-to-paste ticket of a run that failed because of
# SOS or SoftLayer (sosr-render, the driver's console, the issue).
bats_require_minimum_version 1.5.0
load test_helper

CANARY_GH=ghp_canary7d41e09b5c2f8a3e6d10
REPO=sos-team/compliance

setup() {
	common_setup
	unset GITHUB_TOKEN GITHUB_TOKEN_FILE PAGERDUTY_ROUTING_KEY SLACK_WEBHOOK_URL SOS_RECONCILE_WEBHOOK_URL
	printf '%s\n' "$CANARY_GH" >gh-token
	chmod 600 gh-token
	IN="$FIXTURES/render/findings.ndjson"
	sosr-render -f json --c-code ALC --started 2026-11-21T06:00:00Z \
		--failure 'fetch-sos:3:sosr-fetch-sos: error: HTTP 401 from SOS for C_Code ALC: SOS_TOKEN was rejected' \
		>failed-sos.json
	sosr-render -f json --c-code ALC --started 2026-11-22T06:00:00Z \
		--failure 'fetch-softlayer:4:sosr-fetch-softlayer: error: cannot reach SoftLayer for account 1' \
		>failed-sl.json
	exits 1 sosr-render -f json --c-code ALC --started 2026-11-23T06:00:00Z "$IN" >complete.json
}
teardown() { common_teardown; }

# start_github [ARGS...]: the simulator with its GitHub API, the token a
# canary; gh.json, a configuration with alert.github only.
start_github() {
	start_fake_api --devices 10 --vlans 2 --alerts-log alerts.ndjson --log requests.ndjson \
		--github-token-file gh-token --github-state gh-state.json "$@"
	API=$FAKE_URL/github
	export GITHUB_TOKEN=$CANARY_GH
	jq -n --arg api "$API" --arg repo "$REPO" '{c_code: "ALC",
	    alert: {github: {repository: $repo, api_url: $api, labels: ["sos-reconcile", "compliance"]}}}' >gh.json
}

# issues: every issue of the repository, "#N STATE COMMENTS TITLE", oldest first.
issues() {
	curl -fsS -H "Authorization: Bearer $CANARY_GH" "$API/repos/$REPO/issues?state=all&per_page=100" |
		jq -r 'sort_by(.number)[] | "#\(.number) \(.state) \(.comments) \(.title)"'
}
issue_body() {
	curl -fsS -H "Authorization: Bearer $CANARY_GH" "$API/repos/$REPO/issues/$1" | jq -r .body
}
issue_state() {
	curl -fsS -H "Authorization: Bearer $CANARY_GH" "$API/repos/$REPO/issues/$1" | jq -r .state
}
comments() {
	curl -fsS -H "Authorization: Bearer $CANARY_GH" "$API/repos/$REPO/issues/$1/comments" | jq -r '.[].body'
}

# history_report IN OUT AGED EXPIRED: a complete report with a lifecycle:
# the findings whose keys are in AGED (comma-separated) aged past an SLA
# of 3 days, the exceptions in EXPIRED (comma-separated ids) expired.
history_report() {
	jq --arg aged "$3" --arg expired "$4" '
	    ($aged | split(",") | map(select(. != ""))) as $a |
	    ($expired | split(",") | map(select(. != ""))) as $e |
	    .thresholds.sla_days = 3 |
	    .history = {history: true, previous: "2026-11-22T06:00:00Z", new: 0, recurring: 5, reopened: 0,
	                resolved: 0, excepted: 0, aged: ($a | length), newly_aged: 0, sla_days: 3,
	                exceptions: {file: "exceptions.json", active: 0,
	                             expired: [$e[] | {id: ., expired: "2026-11-20T00:00:00Z"}],
	                             newly_expired: [], unused: [], expiring: []}, drop: null} |
	    .findings |= map(if (.type | IN("missing_in_sos", "missing_in_softlayer", "mismatch", "duplicate",
	                                   "unidentified"))
	                     then . + {status: "RECURRING", first_seen: "2026-11-18T06:00:00Z", last_seen: .started,
	                               runs: 6, age_days: (if (.key | IN($a[])) then 5 else 1 end),
	                               aged: (.key | IN($a[]))}
	                     else . end)' "$1" >"$2"
}

AGED1=device/app01.alc.example.com
AGED2=vlan/bcr01a.dal10/1700

@test "github: a failed run opens one issue (labels, hidden marker, body for a person); the same failure again is quiet" {
	start_github
	run -0 sosr-alert --config gh.json --summary summary failed-sos.json
	assert_output 'github open sos-reconcile/ALC/failed-run: opened issue #1 (HTTP 201)'
	assert_equal "$(cat summary)" $'delivered\tgithub open x1'
	assert_equal "$(issues)" '#1 open 0 sos-reconcile ALC: the run fails: fetch-sos exited 3 (credentials rejected)'
	# the marker: the label, and the body's first line; the state on the second
	assert_equal "$(jq -r 'select(.method == "POST" and .number == 1) | .body.labels | join(",")' alerts.ndjson)" \
		'sos-reconcile,compliance'
	issue_body 1 >body
	assert_equal "$(head -2 body)" $'<!-- sos-reconcile:ALC:failed-run -->\n<!-- sos-reconcile:state fetch-sos:3 2026-11-21T06:00:00Z -->'
	grep -qF '| Failing since | 2026-11-21T06:00:00Z |' body
	grep -qF '`sosr-fetch-sos: error: HTTP 401 from SOS for C_Code ALC: SOS_TOKEN was rejected`' body
	grep -qF '**What to check** (docs/RUNBOOK.md, "Exit 3"): the token or API key the error names was rejected' body
	grep -qF '**Evidence of this run:**' body
	# the requests as GitHub's API wants them
	assert_equal "$(jq -r 'select(.api == "github") | "\(.method) \(.path)?\(.query)"' requests.ndjson | head -2)" \
		"GET /github/repos/$REPO/issues?labels=sos-reconcile&state=open&per_page=100
POST /github/repos/$REPO/issues?"
	# again, the same failure: nothing written
	run -0 sosr-alert --config gh.json --summary summary failed-sos.json
	assert_output 'github: sos-reconcile/ALC/failed-run: issue #1 is open and nothing changed; quiet'
	assert_equal "$(cat summary)" $'not-needed\tnothing to send: the open GitHub issue already says it'
	assert_equal "$(jq -s 'length' alerts.ndjson)" 1
	assert_no_canary "$CANARY_GH" alerts.ndjson requests.ndjson body summary gh.json gh-state.json
}

@test "github: another failure comments and rewrites the body; a complete run comments and closes; never two issues" {
	start_github
	sosr-alert --config gh.json failed-sos.json
	run -0 sosr-alert --config gh.json failed-sl.json
	assert_line 'github comment #1 sos-reconcile/ALC/failed-run: commented (HTTP 201)'
	assert_line 'github comment #1 sos-reconcile/ALC/failed-run: updated (HTTP 200)'
	assert_equal "$(issues)" '#1 open 1 sos-reconcile ALC: the run fails: fetch-softlayer exited 4 (service unreachable)'
	comments 1 >c1
	grep -qF 'The failure changed (run started 2026-11-22T06:00:00Z): now `fetch-softlayer` exits 4 (service unreachable); it was `fetch-sos`, exit 3 (credentials rejected).' c1
	# the body says since when: the first failed run, kept
	assert_equal "$(issue_body 1 | sed -n 2p)" '<!-- sos-reconcile:state fetch-softlayer:4 2026-11-21T06:00:00Z -->'
	# cleared
	run -0 sosr-alert --config gh.json --summary summary complete.json
	assert_line 'github close #1 sos-reconcile/ALC/failed-run: commented (HTTP 201)'
	assert_line 'github close #1 sos-reconcile/ALC/failed-run: closed (HTTP 200)'
	assert_equal "$(cat summary)" $'delivered\tgithub close x1'
	assert_equal "$(issues)" '#1 closed 2 sos-reconcile ALC: the run fails: fetch-softlayer exited 4 (service unreachable)'
	comments 1 | grep -qF 'The run started 2026-11-23T06:00:00Z completed: the failure is over (it was failing since 2026-11-21T06:00:00Z). Closing.'
	# closed and clear: nothing more
	run -0 sosr-alert --config gh.json complete.json
	refute_output --partial 'github open'
	# failing again: a new issue (the old one stays closed)
	run -0 sosr-alert --config gh.json failed-sos.json
	assert_output 'github open sos-reconcile/ALC/failed-run: opened issue #2 (HTTP 201)'
	assert_equal "$(issues | grep -c '^#[0-9]* open ')" 1
}

@test "github: findings aged past the SLA and expired exceptions: open, quiet, changed, cleared; an incomplete run leaves them" {
	start_github
	history_report complete.json aged1.json "$AGED1" EX-1
	history_report complete.json aged2.json "$AGED1,$AGED2" EX-1
	history_report complete.json none.json "" ""
	run -0 sosr-alert --config gh.json aged1.json
	assert_line 'github open sos-reconcile/ALC/aged: opened issue #1 (HTTP 201)'
	assert_line 'github open sos-reconcile/ALC/expired-exception: opened issue #2 (HTTP 201)'
	assert_equal "$(issues)" $'#1 open 0 sos-reconcile ALC: 1 finding open longer than the SLA of 3 days\n#2 open 0 sos-reconcile ALC: 1 exception expired'
	issue_body 1 >b1
	grep -qF '| missing_in_sos device | `device/app01.alc.example.com` | 2026-11-18T06:00:00Z | 5 | 6 | RECURRING |' b1
	grep -qF -- '- `missing_in_sos`: register the device in SOS for the C_Code' b1
	issue_body 2 | grep -qF '| `EX-1` | 2026-11-20T00:00:00Z |'
	# the same: quiet
	run -0 sosr-alert --config gh.json aged1.json
	assert_line 'github: sos-reconcile/ALC/aged: issue #1 is open and nothing changed; quiet'
	assert_line 'github: sos-reconcile/ALC/expired-exception: issue #2 is open and nothing changed; quiet'
	# an incomplete run tells nothing of them: left as they are
	run -0 sosr-alert --config gh.json failed-sos.json
	assert_line 'github: sos-reconcile/ALC/aged: issue #1 left as it is (this run cannot tell)'
	assert_line 'github open sos-reconcile/ALC/failed-run: opened issue #3 (HTTP 201)'
	# one more aged finding: a comment with the new list
	run -0 sosr-alert --config gh.json aged2.json
	assert_line 'github comment #1 sos-reconcile/ALC/aged: commented (HTTP 201)'
	assert_line 'github close #3 sos-reconcile/ALC/failed-run: closed (HTTP 200)'
	comments 1 | grep -qF 'now 2, was 1'
	comments 1 | grep -qF '`vlan/bcr01a.dal10/1700`'
	assert_equal "$(issues)" $'#1 open 1 sos-reconcile ALC: 2 findings open longer than the SLA of 3 days\n#2 open 0 sos-reconcile ALC: 1 exception expired\n#3 closed 1 sos-reconcile ALC: the run fails: fetch-sos exited 3 (credentials rejected)'
	# all cleared
	run -0 sosr-alert --config gh.json none.json
	assert_line 'github close #1 sos-reconcile/ALC/aged: closed (HTTP 200)'
	assert_line 'github close #2 sos-reconcile/ALC/expired-exception: closed (HTTP 200)'
	assert_equal "$(issues | grep -c '^#[0-9]* open ')" 0
	comments 2 | grep -qF 'No exception of the file has expired any more'
}

@test "github: events, stages and exits in the configuration decide what opens an issue" {
	start_github
	jq '.alert.github.events = {failed_run: {stages: ["fetch-softlayer"], exits: [4]}, aged: false}' gh.json >only.json
	history_report complete.json aged1.json "$AGED1" ""
	run -0 sosr-alert --config only.json failed-sos.json
	assert_output 'github: nothing to do (this run tells nothing the configured events follow)'
	run -0 sosr-alert --config only.json failed-sl.json
	assert_output 'github open sos-reconcile/ALC/failed-run: opened issue #1 (HTTP 201)'
	run -0 sosr-alert --config only.json aged1.json
	refute_output --partial 'sos-reconcile/ALC/aged'
	assert_line 'github close #1 sos-reconcile/ALC/failed-run: closed (HTTP 200)'
	# the configuration is checked where it is read
	jq '.alert.github.events.failed_run = {exits: [1]}' gh.json >bad.json
	run -2 sosr-alert --config bad.json failed-sos.json
	assert_output --partial 'bad.json: alert.github.events.failed_run.exits[0]: expected an exit status of a failed stage, 2 to 255'
	jq '.alert.github.repository = "no-slash"' gh.json >bad.json
	run -2 sosr-config check bad.json
	assert_output --partial 'bad.json: alert.github.repository: expected owner/name'
	jq '.alert.github.labels = ["a,b"]' gh.json >bad.json
	run -2 sosr-config check bad.json
	assert_output --partial 'alert.github.labels[0]: expected a label of 1 to 50 characters, no comma'
	jq '.alert.github.token = "x"' gh.json >bad.json
	run -2 sosr-config check bad.json
	assert_output --partial "bad.json: alert.github.token: unknown key"
	jq '.alert.github.api_url = "https://ghe.example.com/api/v3?token=x"' gh.json >bad.json
	run -2 sosr-config check bad.json
	assert_output --partial 'alert.github.api_url: expected a base URL without a query'
	jq '.tickets = {sos: {severity: 5}}' gh.json >bad.json
	run -2 sosr-config check bad.json
	assert_output --partial 'tickets.sos.severity'
}

@test "github: a token rejected (401), no access (403) and a wrong repository (404) name the config key and the variable; exit 8" {
	start_github
	GITHUB_TOKEN=ghp_wrong run -8 sosr-alert --config gh.json --summary summary failed-sos.json
	assert_output --partial "sosr-alert: error: github: HTTP 401 from GitHub on $API/repos/$REPO/issues: Bad credentials: the token in GITHUB_TOKEN (alert.github.token_env) was rejected"
	assert_equal "$(cut -f1 summary)" failed
	grep -qF 'GITHUB_TOKEN (alert.github.token_env) was rejected' summary
	jq '.alert.github.repository = "sos-team/elsewhere"' gh.json >other.json
	run -8 sosr-alert --config other.json failed-sos.json
	assert_output --partial 'HTTP 404 from GitHub'
	assert_output --partial 'the repository sos-team/elsewhere (alert.github.repository) does not exist at'
	assert_output --partial '(alert.github.api_url), or the token in GITHUB_TOKEN (alert.github.token_env) cannot see it'
	# no token at all, or a token file named by the config
	unset GITHUB_TOKEN
	run -8 sosr-alert --config gh.json failed-sos.json
	assert_output --partial 'github: neither GITHUB_TOKEN nor GITHUB_TOKEN_FILE is set'
	jq '.alert.github.token_file = "nope"' gh.json >tf.json
	run -8 sosr-alert --config tf.json failed-sos.json
	assert_output --partial 'nope'
	jq '.alert.github.token_file = "gh-token"' gh.json >tf.json
	run -0 sosr-alert --config tf.json failed-sos.json
	assert_output 'github open sos-reconcile/ALC/failed-run: opened issue #1 (HTTP 201)'
	# a plain http:// API on another host is refused before the token goes
	jq '.alert.github.api_url = "http://github.example.com/api/v3"' gh.json >insecure.json
	GITHUB_TOKEN=$CANARY_GH run -8 sosr-alert --config insecure.json failed-sos.json
	assert_output --partial 'is plain http:// to another host'
	assert_equal "$(issues | wc -l)" 1
}

@test "github: a token that may not set labels (GitHub drops them silently) is an error: the next run could not find the issue" {
	start_github --github-drop-labels
	run -8 sosr-alert --config gh.json failed-sos.json
	assert_line 'github open sos-reconcile/ALC/failed-run: opened issue #1 (HTTP 201)'
	assert_output --partial "github: GitHub opened issue #1 in $REPO without the label 'sos-reconcile' (the first of alert.github.labels): the token in GITHUB_TOKEN (alert.github.token_env) may not set labels"
}

@test "github: rate limits (secondary 403 with Retry-After, primary 403 with x-ratelimit-reset, 429) are waited out and retried" {
	start_github --fault secondary:1,target=github,nth=1 --fault ratelimit,target=github,nth=2 \
		--fault 429:1,target=github,nth=4
	local t0=$SECONDS
	run -0 sosr-alert --config gh.json failed-sos.json
	assert_output 'github open sos-reconcile/ALC/failed-run: opened issue #1 (HTTP 201)'
	((SECONDS - t0 >= 1))
	assert_equal "$(jq -r 'select(.api == "github") | "\(.method) \(.status)"' requests.ndjson | tr '\n' ' ')" \
		'GET 403 GET 403 GET 200 POST 429 POST 201 '
	assert_equal "$(issues | wc -l)" 1
	stop_fake_api
	# a limit that does not lift within the retries: exit 8, saying so
	start_github --fault secondary:1,target=github
	run -8 sosr-alert --config gh.json --retries 1 failed-sos.json
	assert_output --partial 'github: GitHub kept limiting the rate on'
	assert_output --partial 'rerun later, or give the job a token of its own'
	stop_fake_api
	# a secondary limit that names no time (only its message says it): the
	# longest wait, which a short budget does not have
	start_github --fault secondary:none,target=github
	run -8 sosr-alert --config gh.json --budget 5 failed-sos.json
	assert_output --partial 'github: GitHub kept limiting the rate on'
	assert_output --partial 'HTTP 403 rate limit; no time left in the budget of 5 s to retry'
	stop_fake_api
	# GitHub's Retry-After is honoured whole (up to a minute), not cut to
	# the engine's 30 s: a retry after 30 s would only be limited again
	start_github --fault secondary:40,target=github
	local t0=$SECONDS
	run -8 sosr-alert --config gh.json --budget 35 failed-sos.json
	assert_output --partial 'no time left in the budget of 35 s to retry'
	((SECONDS - t0 < 20))
}

@test "github: the open issues are read page by page (Link rel=next); duplicates are closed, so one condition has one issue" {
	start_github --github-per-page 2
	sosr-alert --config gh.json failed-sos.json
	# five more issues with the label, newer: the job's is on the last page
	local i
	for i in 1 2 3 4 5; do
		curl -fsS -H "Authorization: Bearer $CANARY_GH" -d "{\"title\":\"other $i\",\"body\":\"text\",\"labels\":[\"sos-reconcile\"]}" \
			"$API/repos/$REPO/issues" >/dev/null
	done
	run -0 sosr-alert --config gh.json failed-sos.json
	assert_output 'github: sos-reconcile/ALC/failed-run: issue #1 is open and nothing changed; quiet'
	assert_equal "$(jq -r 'select(.api == "github" and .method == "GET") | .query' requests.ndjson | grep -c '&page=')" 2
	# a copy made by hand (or a create whose answer was lost): closed as a duplicate
	jq -n --arg b "$(issue_body 1)" '{title: "copy", body: $b, labels: ["sos-reconcile"]}' |
		curl -fsS -H "Authorization: Bearer $CANARY_GH" -d @- "$API/repos/$REPO/issues" >/dev/null
	run -0 sosr-alert --config gh.json failed-sos.json
	assert_line 'github close #7 sos-reconcile/ALC/failed-run (duplicate): closed (HTTP 200)'
	assert_line 'github: sos-reconcile/ALC/failed-run: issue #1 is open and nothing changed; quiet'
	comments 7 | grep -qF 'A duplicate of #1'
	assert_equal "$(issue_state 1) $(issue_state 7)" 'open closed'
}

@test "github: --dry-run reads the open issues and prints what would be done, writing nothing; without the token, what it would open" {
	start_github
	run -0 sosr-alert --config gh.json --dry-run failed-sos.json
	assert_output --regexp '^github open sos-reconcile/ALC/failed-run: would be opened: POST \{"title":"sos-reconcile ALC: the run fails: fetch-sos exited 3 \(credentials rejected\)","body":"<!-- sos-reconcile:ALC:failed-run -->\\n'
	assert_equal "$(issues | wc -l)" 0
	sosr-alert --config gh.json failed-sos.json
	run -0 sosr-alert --config gh.json --dry-run failed-sl.json
	assert_line --regexp '^github comment #1 sos-reconcile/ALC/failed-run: would be commented: POST \{"body":'
	assert_line --regexp '^github comment #1 sos-reconcile/ALC/failed-run: would be updated: PATCH \{"title":'
	run -0 sosr-alert --config gh.json --dry-run complete.json
	assert_line --regexp '^github close #1 sos-reconcile/ALC/failed-run: would be closed: PATCH \{"state":"closed","state_reason":"completed"\}'
	assert_equal "$(issues)" '#1 open 0 sos-reconcile ALC: the run fails: fetch-sos exited 3 (credentials rejected)'
	unset GITHUB_TOKEN
	run -0 sosr-alert --config gh.json --dry-run failed-sl.json
	assert_line 'github: GITHUB_TOKEN (alert.github.token_env) is not available: the open issues cannot be read; what would be done if none is open:'
	assert_line --partial 'github open sos-reconcile/ALC/failed-run: would be opened: POST'
	refute_output --partial "$CANARY_GH"
}

# --- the ticket text -------------------------------------------------------

# job_config: alc.json for the simulator of cred.json, with GitHub issues.
job_config() {
	export SL_KEY_1000001 SL_KEY_1000002 SOS_TOKEN
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	SL_KEY_1000002=$(jq -r '.softlayer.accounts[1].api_key' cred.json)
	SOS_TOKEN=$(jq -r .sos.token cred.json)
	jq '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"},
	     tickets: {sos: {assignment_group: "SOS API L2"}},
	     alert: {github: {repository: .github.repository, api_url: .github.api_url, token_env: "GH_ESCALATE"}}}' \
		cred.json >alc.json
}

@test "ticket: SOS rejects the token: the report, report.json, report.html, the console and the issue end with the SOS ticket" {
	start_fake_api --devices 40 --vlans 6 --credentials cred.json --github-token-file gh-token \
		--fault expire:0,target=sos
	job_config
	export GH_ESCALATE=$CANARY_GH
	# every stage's environment, as the driver gives it
	mkdir wrap
	local t
	for t in sosr-fetch-sos sosr-fetch-softlayer sosr-normalize sosr-render sosr-alert sosr-manifest; do
		printf '#!/bin/sh\nenv >"%s/env.%s.$$"\nexec "%s" "$@"\n' "$PWD" "$t" "$(command -v "$t")" >"wrap/$t"
		chmod +x "wrap/$t"
	done
	PATH=$PWD/wrap:$PATH run -3 sos-reconcile --config alc.json --now 2026-11-30T06:00:00Z
	# the GitHub token is the alert's alone; the SOS token the fetcher's
	assert_equal "$(grep -l '^GH_ESCALATE=' env.* | sed 's/\.[0-9]*$//' | sort -u)" env.sosr-alert
	assert_equal "$(grep -l '^SOS_TOKEN=' env.* | sed 's/\.[0-9]*$//' | sort -u)" env.sosr-fetch-sos
	# the console ends with the ticket
	assert_equal "${lines[-1]}" '==== end of the ticket ===='
	assert_line '==== SOS ticket: ready to paste ===='
	assert_line 'Assignment group:  SOS API L2'
	assert_line 'Severity:          2'
	assert_line 'C_Code:            ALC'
	assert_line 'Short description: sos-reconcile ALC: the SOS API rejected the job'"'"'s credentials (HTTP 401)'
	assert_line '  HTTP status: 401'
	assert_line '  Error from the API: token has expired (code token_expired)'
	assert_line --regexp '^  Time of the failing request \(UTC\): 20[0-9-]+T[0-9:.]+Z$'
	assert_line --regexp "^  Request: GET $FAKE_URL/api/v1/inventory/(devices|vlans)\\?c_code=ALC&offset=0&limit=500$"
	assert_equal "$(tail -1 _output/report.txt)" '==== end of the ticket ===='
	assert_equal "$(jq -c '.tickets[0] | [.system, .assignment_group, .severity, .c_code, .stage, .exit, .status, .api_error_code, .api_error]' _output/report.json)" \
		'["sos","SOS API L2",2,"ALC","fetch-sos",3,401,"token_expired","token has expired"]'
	jq -r '.tickets[0].time' _output/report.json | grep -qF "$(jq -r 'select(.error != null) | .time' _output/raw/sos.requests.ndjson | tail -1)"
	grep -qF '<pre class="ticket">==== SOS ticket: ready to paste ====' _output/report.html
	# the request log says what the API said
	assert_equal "$(jq -c 'select(.error != null) | .api_error' _output/raw/sos.requests.ndjson | sort -u)" \
		'{"code":"token_expired","message":"token has expired"}'
	# the same block in the issue
	curl -fsS -H "Authorization: Bearer $CANARY_GH" "$FAKE_URL/github/repos/$REPO/issues/1" | jq -r .body >body
	grep -qF '### SOS ticket (ready to paste)' body
	grep -qF 'Assignment group:  SOS API L2' body
	grep -qF '  Error from the API: token has expired (code token_expired)' body
	# the token is no stage's but the alert's, and nowhere in the evidence
	rm env.*
	assert_no_canary "$CANARY_GH" _output "$BATS_TEST_TMPDIR/fake-api.out" "$BATS_TEST_TMPDIR/fake-api.err"
	refute_output --partial "$CANARY_GH"
	assert_equal "$(sosr-config vars alc.json | awk -F'\t' '$1 == "secrets.alert" { print $2 }')" GH_ESCALATE
	# a replay of the failed run gives the same bytes, ticket included
	run -0 sos-reconcile --replay _output
}

@test "ticket: SoftLayer failing (HTTP 500) while SOS answers: a SoftLayer support case with the account and the error code" {
	start_fake_api --devices 40 --vlans 6 --credentials cred.json --github-token-file gh-token \
		--fault 500,target=softlayer
	job_config
	run -5 sos-reconcile --config alc.json --now 2026-11-30T06:00:00Z --retries 1 --retry-wait 10ms
	assert_line '==== SoftLayer support case: ready to paste ===='
	assert_line 'Assignment group:  IBM Cloud Support (SoftLayer)'
	assert_line --regexp '^Account:           100000[12]$'
	assert_line '  SoftLayer error code: SoftLayer_Exception_Public'
	assert_line '  Error from the API: Internal Error'
	assert_line '  HTTP status: 500'
	assert_equal "${lines[-1]}" '==== end of the ticket ===='
	jq -e '.tickets | length == 1 and .[0].system == "softlayer" and .[0].api_error_code == "SoftLayer_Exception_Public"' \
		_output/report.json
}

@test "ticket: SOS unreachable while SoftLayer answers is SOS's ticket (curl error); both unreachable is no ticket" {
	start_fake_api --devices 40 --vlans 6 --credentials cred.json --github-token-file gh-token
	job_config
	jq '.sos.url = "http://127.0.0.1:9"' alc.json >sos-down.json
	run -4 sos-reconcile --config sos-down.json --now 2026-11-30T06:00:00Z --retries 0
	assert_line '==== SOS ticket: ready to paste ===='
	assert_line --regexp '^Short description: sos-reconcile ALC: the SOS API could not be reached \(curl error 7\)$'
	assert_line '  HTTP status: none (no answer)'
	assert_line --regexp '^  Transfer error: .*\(curl error 7\)$'
	jq '.softlayer.endpoint = "http://127.0.0.1:9/rest/v3.1"' sos-down.json >both-down.json
	run -4 sos-reconcile --config both-down.json --now 2026-11-30T06:00:00Z --retries 0
	refute_output --partial 'ready to paste'
	assert_equal "$(jq '.tickets' _output/report.json)" null
}

@test "ticket: sosr-render --failure with request logs; escaped API text; tickets.sos false turns it off; same bytes twice" {
	mkdir raw
	printf '%s\n' '{"time":"2026-11-30T06:00:00.100Z","method":"GET","url":"https://sl.example/rest/v3.1/x","credential":"659397","attempt":1,"status":200,"error":null,"bytes":7,"sha256":"b","seconds":0.1}' \
		>raw/softlayer.requests.ndjson
	printf '%s\n' '{"time":"2026-11-30T06:00:01.250Z","method":"GET","url":"https://sos.example/api/v1/inventory/devices?c_code=ALC&offset=0&limit=500","credential":"sos","attempt":6,"status":503,"error":"HTTP 503","bytes":70,"sha256":"a","seconds":0.01,"api_error":{"code":"unavailable","message":"down \u001b[2J for \u202emaintenance"}}' \
		>raw/sos.requests.ndjson
	local f='fetch-sos:5:sosr-fetch-sos: error: SOS failed for C_Code ALC'
	sosr-render --c-code ALC --failure "$f" --request-logs raw >r1.txt
	sosr-render --c-code ALC --failure "$f" --request-logs raw >r2.txt
	cmp r1.txt r2.txt
	grep -qF '  Error from the API: down \x1b[2J for \u202emaintenance (code unavailable)' r1.txt
	grep -qF 'Short description: sos-reconcile ALC: the SOS API kept answering errors (HTTP 503)' r1.txt
	grep -qF '  Attempts: 6 (with the job'"'"'s retries)' r1.txt
	grep -qF '  Time of the failing request (UTC): 2026-11-30T06:00:01.250Z' r1.txt
	# no request log: still a ticket, saying what it does not know
	sosr-render --c-code ALC --failure "$f" >r3.txt
	grep -qF '  Time of the failing request (UTC): (unknown: no request log)' r3.txt
	# a failure that is not an API's: no ticket
	sosr-render --c-code ALC --failure 'diff:7:sosr-diff: error: not sorted' --request-logs raw >r4.txt
	run -1 grep -c 'ready to paste' r4.txt
	echo '{"c_code": "ALC", "tickets": {"sos": false}}' >off.json
	sosr-render --config off.json --failure "$f" --request-logs raw >r5.txt
	run -1 grep -c 'ready to paste' r5.txt
}

# --- a week of daily runs ----------------------------------------------------

WEEK_ESTATE=(--seed 5 --accounts 2 --devices 400 --vlans 60)
day_time() { printf '2026-11-%02dT06:00:00Z' $((20 + $1)); }

# week_day D [INCOMPLETE]: the simulator serving day D with the GitHub
# state of the week, alc.json for it (history, exceptions, SLA of
# $SLA days, GitHub issues), the lifecycle truth in life.D.ndjson.
week_day() {
	local d=$1 inc=${2:-}
	start_fake_api "${WEEK_ESTATE[@]}" --day "$d" --now "$(day_time "$d")" --credentials cred.json \
		--alerts-log "gh.$d.ndjson" --lifecycle-truth "life.$d.ndjson" ${inc:+--incomplete-days "$inc"} \
		--github-token-file gh-token --github-state gh-state.json
	export SL_KEY_1000001 SL_KEY_1000002 SOS_TOKEN GITHUB_TOKEN=$CANARY_GH
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	SL_KEY_1000002=$(jq -r '.softlayer.accounts[1].api_key' cred.json)
	SOS_TOKEN=$(jq -r .sos.token cred.json)
	API=$(jq -r .github.api_url cred.json)
	jq --argjson sla "$SLA" '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"},
	     history: {dir: "hist"}, exceptions: {file: "exceptions.json"},
	     thresholds: {sla_days: $sla},
	     alert: {github: {repository: .github.repository, api_url: .github.api_url}}}' cred.json >alc.json
}

# expected_actions D COMPLETE FAILURE: what the issues of the week must
# get from day D's run, by the model of the escalation (github.h) over
# the simulator's lifecycle truth: "open|comment|close KIND" lines, sorted;
# the model's state in the files open.KIND (the fingerprint of an open
# issue).
expected_actions() {
	local d=$1 complete=$2 failure=$3 kind now
	{
		if ((complete)); then
			[[ ! -f open.failed-run ]] || { echo "close failed-run"; rm open.failed-run; }
			# aged: open longer than the SLA, not covered by an active exception
			now=$(jq -r 'select(.format) | .run' "life.$d.ndjson")
			jq -r --argjson sla "$SLA" 'select(.status and .age_days > $sla) | "\(.type) \(.side // "") \(.key)"' \
				"life.$d.ndjson" | LC_ALL=C sort >aged.now
			jq -r --arg now "$now" '.exceptions[] | select(.expires + "T00:00:00Z" > $now) | "\(.type) \(.key)"' \
				exceptions.json >covered
			awk 'NR == FNR { c[$1 " " $2] = 1; next } !(($1 " " $NF) in c)' covered aged.now >aged.set
			jq -r --arg now "$now" '.exceptions[] | select(.expires + "T00:00:00Z" <= $now) | .id' exceptions.json |
				LC_ALL=C sort >expired.set
			for kind in aged expired-exception; do
				local set=aged.set
				[[ $kind == aged ]] || set=expired.set
				if [[ -s $set ]]; then
					if [[ ! -f open.$kind ]]; then
						echo "open $kind"
					elif ! cmp -s "$set" "open.$kind"; then
						echo "comment $kind"
					fi
					cp "$set" "open.$kind"
				elif [[ -f open.$kind ]]; then
					echo "close $kind"
					rm "open.$kind"
				fi
			done
		else
			if [[ ! -f open.failed-run ]]; then
				echo "open failed-run"
			elif [[ $(<open.failed-run) != "$failure" ]]; then
				echo "comment failed-run"
			fi
			echo "$failure" >open.failed-run
		fi
	} | LC_ALL=C sort
}

# actions D: what the simulator's GitHub API got from day D's run (the
# kinds of the issues from kinds.json, learn_kinds).
actions() {
	jq -r --argjson k "$(cat kinds.json)" '
	    if .method == "POST" and (.path | endswith("/issues")) then "open " + $k[.number | tostring]
	    elif .method == "PATCH" then (if .body.state == "closed" then "close " else "comment " end) + $k[.number | tostring]
	    else empty end' "gh.$1.ndjson" | LC_ALL=C sort
}

# learn_kinds D: the kind of every issue opened so far (kinds.json).
learn_kinds() {
	jq -s --argjson k "$(cat kinds.json)" 'reduce (.[] | select(.method == "POST" and (.path | endswith("/issues"))))
	        as $e ($k; .[$e.number | tostring] = ($e.body.body | capture("^<!-- sos-reconcile:ALC:(?<k>[a-z-]+) -->").k))' \
		"gh.$1.ndjson" >kinds.new
	mv kinds.new kinds.json
}

# one_each: at most one open issue per marker, and exactly the model's.
one_each() {
	local kind n
	for kind in failed-run aged expired-exception; do
		n=$(curl -fsS -H "Authorization: Bearer $CANARY_GH" "$API/repos/$REPO/issues?labels=sos-reconcile&state=open&per_page=100" |
			jq --arg m "<!-- sos-reconcile:ALC:$kind -->" '[.[] | select(.body | startswith($m))] | length')
		assert_equal "$kind $n" "$kind $([[ -f open.$kind ]] && echo 1 || echo 0)"
	done
}

@test "week: daily runs with failures, aged findings and an expired exception open, update and close exactly the issues the lifecycle truth says" {
	SLA=2
	echo '{}' >kinds.json
	# the exceptions: one for a finding seen by every run, one expiring on
	# the morning of day 3 (from the truths of days 6 and 1)
	sosr-fake-api "${WEEK_ESTATE[@]}" --day 6 --now "$(day_time 6)" --incomplete-days 2,3 --no-serve \
		--lifecycle-truth life.all.ndjson
	sosr-fake-api "${WEEK_ESTATE[@]}" --day 1 --now "$(day_time 1)" --no-serve --lifecycle-truth life.one.ndjson
	local hold mid
	hold=$(jq -c 'select(.runs == 5) | {type, key}' life.all.ndjson | head -1)
	mid=$(jq -c --argjson h "$hold" 'select(.runs == 2 and .key != $h.key) | {type, key}' life.one.ndjson | head -1)
	jq -n --argjson hold "$hold" --argjson mid "$mid" '{format: 1, exceptions: [
	    {id: "EX-HOLD", type: $hold.type, key: $hold.key, reason: "lab", ticket: "CHG1", approved_by: "jane",
	     approved_on: "2026-11-01", expires: "2027-06-01"},
	    {id: "EX-MID", type: $mid.type, key: $mid.key, reason: "migration", ticket: "CHG2", approved_by: "jane",
	     approved_on: "2026-11-01", expires: "2026-11-23"}]}' >exceptions.json
	local d inc rc complete failure want got
	for d in 0 1 2 3 4 5 6; do
		inc=
		((d <= 2)) || inc=2
		((d <= 3)) || inc=2,3
		week_day "$d" "$inc"
		rc=0 complete=1 failure=
		case $d in
		2) SOS_TOKEN=not-the-token sos-reconcile --config alc.json --now "$(day_time "$d")" >"run.$d.out" 2>&1 || rc=$?
			complete=0 failure=fetch-sos:3 ;;
		3) SL_KEY_1000002=not-the-key sos-reconcile --config alc.json --now "$(day_time "$d")" >"run.$d.out" 2>&1 || rc=$?
			complete=0 failure=fetch-softlayer:3 ;;
		*) sos-reconcile --config alc.json --now "$(day_time "$d")" >"run.$d.out" 2>&1 || rc=$? ;;
		esac
		((complete)) && assert_equal "day $d exit $rc" "day $d exit 1" || assert_equal "day $d exit $rc" "day $d exit 3"
		assert_equal "day $d: $(jq -r .alert.status _output/report.json)" "day $d: $( [[ -s gh.$d.ndjson ]] && echo delivered || echo not-needed)"
		want=$(expected_actions "$d" "$complete" "$failure")
		learn_kinds "$d"
		got=$(actions "$d")
		assert_equal "day $d: $got" "day $d: $want"
		one_each
		stop_fake_api
	done
	# the week had every kind of action
	cat gh.*.ndjson >all.ndjson
	for kind in failed-run aged expired-exception; do
		grep -q "ALC:$kind" all.ndjson
	done
	assert_equal "$(jq -r 'select(.method == "PATCH" and .body.state == "closed") | .number' all.ndjson | wc -l)" 1
	assert_equal "$(jq -r 'select(.method == "PATCH" and .body.state != "closed") | .number' all.ndjson | sort -u | wc -l)" 2

	# day 6 again: nothing changed, nothing written
	mv life.6.ndjson life.6.first.ndjson
	mv gh.6.ndjson gh.6.first.ndjson
	week_day 6 2,3
	exits 1 sos-reconcile --config alc.json --now "$(day_time 6)" >run.6b.out 2>&1
	assert_equal "$(wc -l <gh.6.ndjson)" 0
	assert_equal "$(jq -r '.alert | "\(.status): \(.detail)"' _output/report.json)" \
		'not-needed: nothing to send: the open GitHub issues already say it'
	one_each
	stop_fake_api
	# the exception renewed and the SLA raised: both cleared, commented, closed
	jq '.exceptions |= map(if .id == "EX-MID" then .expires = "2027-01-31" else . end)' exceptions.json >e.new
	mv e.new exceptions.json
	SLA=30
	week_day 6 2,3
	exits 1 sos-reconcile --config alc.json --now "$(day_time 6)" >run.6c.out 2>&1
	assert_equal "$(actions 6)" $'close aged\nclose expired-exception'
	rm open.aged open.expired-exception
	one_each
	assert_no_canary "$CANARY_GH" hist _output run.*.out
}
