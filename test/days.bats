#!/usr/bin/env bats
# Days of an estate that changes, through the whole job (issue 11): a week
# of daily runs against one history, every day's lifecycle (statuses,
# first and last seen, runs, ages, what changed, the resolved list), its
# exceptions, SLA and alerts checked against the simulator's lifecycle
# truth (docs/FORMATS.md section 4, computed without sosr-track); a day
# whose run is incomplete moves nothing; the drop guard on the drop day and
# --accept-drop.  The simulator is restarted each day with --day D and that
# day's --now, as a Jenkins job would meet the estate each morning.
bats_require_minimum_version 1.5.0
load test_helper

setup() { common_setup; }
teardown() { common_teardown; }

# The estate: planted findings of every kind, big enough for the drop guard
# (its default count is 50 records).
ESTATE=(--seed 5 --accounts 2 --devices 400 --vlans 60)

# day_time D: the time of day D's run, a day apart from 2026-11-20.
day_time() { printf '2026-11-%02dT06:00:00Z' $((20 + $1)); }

# serve_day D [ARGS...]: the simulator serving day D, its truths in
# truth.D.ndjson and life.D.ndjson, the alerts it receives in alerts.D.ndjson;
# alc.json for it, with a history, the exceptions file and an SLA of 3
# days; the credentials exported as alc.json names them.
serve_day() {
	local d=$1
	shift
	start_fake_api "${ESTATE[@]}" --day "$d" --now "$(day_time "$d")" --credentials cred.json \
		--alerts-log "alerts.$d.ndjson" --truth "truth.$d.ndjson" --lifecycle-truth "life.$d.ndjson" "$@"
	export SL_KEY_1000001 SL_KEY_1000002 SOS_TOKEN PD_KEY=routing-key-days SLACK_URL HOOK_URL
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	SL_KEY_1000002=$(jq -r '.softlayer.accounts[1].api_key' cred.json)
	SOS_TOKEN=$(jq -r .sos.token cred.json)
	SLACK_URL=$(jq -r .alerts.slack_url cred.json)
	HOOK_URL=$(jq -r .alerts.webhook_url cred.json)
	jq '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"},
	     history: {dir: "hist"}, exceptions: {file: "exceptions.json"},
	     thresholds: {sla_days: 3},
	     alert: {pagerduty: {routing_key_env: "PD_KEY", url: .alerts.pagerduty_url},
	             slack: {webhook_url_env: "SLACK_URL"}, webhook: {url_env: "HOOK_URL"}}}' cred.json >alc.json
}

# job D [ARGS...]: the job's run of day D against the simulator serving it;
# the simulator stopped after it.  Its status, its output in run.D.out.
job() {
	local d=$1 rc=0
	shift
	sos-reconcile --config alc.json --now "$(day_time "$d")" "$@" >"run.$d.out" 2>&1 || rc=$?
	stop_fake_api
	return "$rc"
}

# lifecycle FILE: the tracked findings of FILE (an NDJSON stream) as the
# lifecycle truth has them (docs/FORMATS.md section 4), sorted.
lifecycle() {
	jq -c 'select(.type != "summary" and .type != "pending" and .type != "excluded")
	       | if .type == "resolved" then .
	         else {type, kind, key} + (if .side then {side} else {} end)
	              + {status, first_seen, last_seen, runs, age_days}
	              + (if .changed then {changed: [.changed[].field]} else {} end) end' "$1" | LC_ALL=C sort
}

# check_lifecycle D: day D's published run against the simulator's truths:
# the findings (section 4), their lifecycle in findings.ndjson and in
# report.json, and the counts sosr-track gave.
check_lifecycle() {
	local d=$1 life=life.$1.ndjson
	project_findings _output/discrepancies.ndjson | cmp - "truth.$d.ndjson"
	tail -n +2 "$life" >expected.$d.ndjson
	lifecycle _output/findings.ndjson | diff -u expected.$d.ndjson -
	jq -c '.findings[]' _output/report.json >report-findings.$d.ndjson
	lifecycle report-findings.$d.ndjson | cmp - expected.$d.ndjson
	assert_equal "$(jq -c '.history | [.run, .previous, .new, .recurring, .reopened, .resolved]' _output/report.json)" \
		"$(head -1 "$life" | jq -c '[.run, .previous, .new, .recurring, .reopened, .resolved]')"
	assert_equal "$(jq -c '.summary.records' _output/report.json)" "$(head -1 "$life" | jq -c .records)"
}

# The exceptions: one for a finding open all week, one that expires on the
# morning of day 3 (before its run) for a finding open until then at least,
# one that matches nothing.  Their findings come from the truths of days 6
# and 3 (life.6.ndjson, life.3.ndjson): seen by every run since day 0.
write_exceptions() {
	local hold mid
	hold=$(jq -c 'select(.runs == 7) | {type, key}' life.6.ndjson | head -1)
	mid=$(jq -c --argjson h "${hold:-null}" 'select(.runs == 4 and .key != $h.key) | {type, key}' life.3.ndjson | head -1)
	[[ -n $hold && -n $mid ]]
	jq -n --argjson hold "$hold" --argjson mid "$mid" '{format: 1, exceptions: [
	    {id: "EX-HOLD", type: $hold.type, key: $hold.key, reason: "lab network, not in scope",
	     ticket: "CHG0001", approved_by: "jane.doe", approved_on: "2026-11-01", expires: "2027-06-01"},
	    {id: "EX-MID", type: $mid.type, key: $mid.key, reason: "migration in progress",
	     ticket: "CHG0002", approved_by: "jane.doe", approved_on: "2026-11-01", expires: "2026-11-23"},
	    {id: "EX-UNUSED", type: "missing_in_sos", key: "device/decommissioned-*.alc.example.com",
	     reason: "old lab", ticket: "CHG0003", approved_by: "jane.doe", approved_on: "2026-11-01",
	     expires: "2027-03-01"}]}' >exceptions.json
	jq -r '.key' <<<"$hold" >excepted-keys
	jq -r '.key' <<<"$mid" >>excepted-keys
}

# check_exceptions D: which findings day D's exceptions covered, and what
# the run says of the exceptions.
check_exceptions() {
	local d=$1 hold mid expected
	{ read -r hold; read -r mid; } <excepted-keys
	if ((d < 3)); then
		expected=$(printf 'EX-HOLD %s\nEX-MID %s' "$hold" "$mid" | LC_ALL=C sort -k2)
	else
		expected="EX-HOLD $hold"
	fi
	assert_equal "$(jq -r 'select(.exception) | "\(.exception.id) \(.key)"' _output/findings.ndjson)" "$expected"
	assert_equal "$(jq -c '.history.exceptions | [.active, [.expired[].id], .newly_expired, .unused, [.expiring[].id]]' \
		_output/report.json)" \
		"$( ((d < 3)) && echo '[3,[],[],["EX-UNUSED"],["EX-MID"]]' ||
			{ ((d == 3)) && echo '[2,["EX-MID"],["EX-MID"],["EX-UNUSED"],[]]' || echo '[2,["EX-MID"],[],["EX-UNUSED"],[]]'; })"
	assert_equal "$(jq .history.excepted _output/report.json)" "$( ((d < 3)) && echo 2 || echo 1)"
	# excepted findings are listed apart, and a rule counts the others only
	grep -q "EX-HOLD" _output/report.txt
	local rule count
	for rule in $(jq -r 'select(.exception) | "\(.type).\(.kind)"' _output/findings.ndjson); do
		count=$(jq --arg r "$rule" 'first(.verdict.reasons[] | select(.rule == $r) | .count) // empty' _output/report.json)
		[[ -z $count ]] || assert_equal "$count" \
			"$(jq -s --arg r "$rule" 'map(select(.age_days != null and "\(.type).\(.kind)" == $r and (.exception | not))) | length' \
				_output/findings.ndjson)"
	done
}

# check_sla D: with sla_days 3 a finding is aged when open more than 3
# days; newly aged when it was not at the day before.
check_sla() {
	local d=$1
	run -0 jq -e -s '[.[] | select(.age_days != null) | .aged == (.age_days > 3)] | all' _output/findings.ndjson
	assert_equal "$(jq -c '.history | [.aged, .newly_aged]' _output/report.json)" \
		"$(jq -s -c '[.[1:][] | select(.status) | select(.age_days > 3)] |
		             [length, map(select(.status != "RECURRING" or .age_days == 4)) | length]' "life.$d.ndjson")"
}

# check_alerts D FIRST: what the receivers got from day D's run: PagerDuty
# triggers the classes the verdict names (and resolves the others) every
# day; Slack (when significant) and the webhook post only when the set of
# findings changed since the last run, or on the FIRST run of the history.
check_alerts() {
	local d=$1 first=$2 changed significant
	changed=$(jq '.history | (.new + .reopened + .resolved + .newly_aged + (.exceptions.newly_expired | length)) > 0' \
		_output/report.json)
	significant=$(jq '.verdict.significant' _output/report.json)
	((first)) && changed=true
	assert_equal "$(jq -s '[.[] | select(.endpoint == "slack")] | length' "alerts.$d.ndjson")" \
		"$([[ $changed == true && $significant == true ]] && echo 1 || echo 0)"
	assert_equal "$(jq -s '[.[] | select(.endpoint == "webhook")] | length' "alerts.$d.ndjson")" \
		"$([[ $changed == true ]] && echo 1 || echo 0)"
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty" and .body.event_action == "trigger") | .body.dedup_key' \
		"alerts.$d.ndjson" | LC_ALL=C sort)" \
		"$(jq -r '.verdict.reasons[].class | "sos-reconcile/ALC/\(.)"' _output/report.json | LC_ALL=C sort -u)"
	# one incident per class, and with a history the new and the aged
	assert_equal "$(jq -r 'select(.endpoint == "pagerduty") | .body.dedup_key' "alerts.$d.ndjson" | LC_ALL=C sort -u | wc -l)" \
		"$( ((first)) && echo 6 || echo 8)"
}

@test "days: a week of daily runs; every day's lifecycle, exceptions, SLA and alerts are the simulator's truth" {
	sosr-fake-api "${ESTATE[@]}" --day 6 --now "$(day_time 6)" --no-serve --lifecycle-truth life.6.ndjson
	sosr-fake-api "${ESTATE[@]}" --day 3 --now "$(day_time 3)" --no-serve --lifecycle-truth life.3.ndjson
	write_exceptions
	local d any_changed=0 any_reopened=0 any_resolved=0
	for d in 0 1 2 3 4 5 6; do
		serve_day "$d"
		run -1 job "$d"
		check_lifecycle "$d"
		check_exceptions "$d"
		check_sla "$d"
		check_alerts "$d" $((d == 0))
		assert_equal "$(readlink hist/ALC/latest)" "$(day_time "$d" | tr -d :)"
		jq -e '[.files[].path] | index("findings.ndjson") and index("ledger.ndjson")' _output/manifest.json
		any_changed=$((any_changed + $(jq -s '[.[] | select(.changed)] | length' "life.$d.ndjson")))
		any_reopened=$((any_reopened + $(head -1 "life.$d.ndjson" | jq .reopened)))
		any_resolved=$((any_resolved + $(head -1 "life.$d.ndjson" | jq .resolved)))
	done
	# the week had every kind of change
	((any_changed > 0 && any_reopened > 0 && any_resolved > 0))
	grep -q 'NEW' _output/report.txt
	grep -q 'RECURRING, open 6 days since 2026-11-20, 7 runs' _output/report.txt
	grep -q 'REOPENED' _output/report.txt
	grep -q 'changed since the last run' "run.5.out" || grep -q 'changed since the last run' "run.6.out"

	# day 6 once more: nothing changed, Slack and the webhook stay quiet,
	# PagerDuty is told again; every finding is recurring, one run more
	mv life.6.ndjson life.6.first.ndjson
	mv alerts.6.ndjson alerts.6.first.ndjson
	serve_day 6
	run -1 job 6
	assert_equal "$(jq -c '.history | [.new, .reopened, .resolved, .newly_aged]' _output/report.json)" '[0,0,0,0]'
	check_alerts 6 0
	assert_equal "$(jq -s '[.[] | select(.endpoint == "slack" or .endpoint == "webhook")] | length' alerts.6.ndjson)" 0
	assert_equal "$(lifecycle _output/findings.ndjson)" \
		"$(jq -c 'select(.status) | .status = "RECURRING" | .runs += 1 | del(.changed)' life.6.first.ndjson | LC_ALL=C sort)"
}

# track_days FIRST LAST [SIMULATOR ARGS...]: days FIRST..LAST of the
# estate through sosr-normalize, sosr-diff and sosr-track by hand, one
# ledger; a day in $SKIP (space-separated) has no run, and the later days'
# truths leave it out (--incomplete-days); $ACCEPT is given to sosr-track
# as --accept-drop.  Each day's tracked stream against its lifecycle truth;
# a refused day (exit 11) leaves the ledger untouched and returns 11.
track_days() {
	local first=$1 last=$2 d t skip inc rc
	shift 2
	for ((d = first; d <= last; d++)); do
		inc=''
		for skip in ${SKIP:-}; do
			((skip < d)) && inc+=${inc:+,}$skip
		done
		[[ " ${SKIP:-} " != *" $d "* ]] || continue
		t=$(day_time "$d")
		sosr-fake-api "${ESTATE[@]}" "$@" --no-serve --day "$d" --now "$t" ${inc:+--incomplete-days "$inc"} \
			--write-estate "e$d" --lifecycle-truth "life.$d.ndjson"
		sosr-normalize --source softlayer "e$d/raw/softlayer.ndjson" >"e$d/sl.ndjson"
		sosr-normalize --source sos "e$d/raw/sos.ndjson" >"e$d/sos.ndjson"
		sosr-diff --now "$t" "e$d/sl.ndjson" "e$d/sos.ndjson" >"e$d/d.ndjson" || (($? == 1))
		cp ledger.ndjson ledger.before 2>/dev/null || : >ledger.before
		rc=0
		sosr-track ${ACCEPT:+--accept-drop "$ACCEPT"} $([[ -s ledger.ndjson ]] && echo --ledger ledger.ndjson) \
			--ledger-out ledger.ndjson --c-code ALC "e$d/d.ndjson" >"e$d/tracked.ndjson" 2>"e$d/track.err" || rc=$?
		if ((rc == 11)); then
			cmp -s ledger.before ledger.ndjson
			[[ ! -s e$d/tracked.ndjson ]]
			return 11
		fi
		((rc <= 1))
		lifecycle "e$d/tracked.ndjson" | diff -u <(tail -n +2 "life.$d.ndjson") -
		assert_equal "$(tail -1 "e$d/tracked.ndjson" | jq -c '.track | [.previous, .new, .recurring, .reopened, .resolved]')" \
			"$(head -1 "life.$d.ndjson" | jq -c '[.previous, .new, .recurring, .reopened, .resolved]')"
	done
}

@test "days: sosr-track alone over each day's streams gives the lifecycle truth (drops of each side, days skipped)" {
	# a week with a day whose run failed
	SKIP="3" track_days 0 6 --drift 0.05
	rm -f ledger.ndjson
	# the first day missing too, and a drop accepted on its day, for each side and kind
	local spec
	for spec in 2:softlayer:device:25 2:sos:vlan:40 2:both:vlan:30; do
		rm -f ledger.ndjson
		ACCEPT="decommission CHG123" SKIP="0" track_days 0 3 --vlans 300 --drop-day "$spec"
		[[ $(head -1 life.2.ndjson | jq '.drop | length') -gt 0 ]]
		assert_equal "$(jq -c .track.drop e2/tracked.ndjson | tail -1)" \
			"$(head -1 life.2.ndjson | jq -c '{reason: "decommission CHG123", populations: .drop}')"
	done
	# refused, the drop stays: the next day is refused too, until accepted
	rm -f ledger.ndjson
	run -11 track_days 0 3 --drop-day 2:sos:device:25
	grep -q "suspect drop since the last complete run" e2/track.err
	SKIP="2" run -11 track_days 3 3 --drop-day 2:sos:device:25
	SKIP="2" ACCEPT="the export was partial for two days: CHG124" track_days 3 4 --drop-day 2:sos:device:25
	assert_equal "$(head -1 life.3.ndjson | jq -c .complete_days)" '[0,1,3]'
}

@test "days: an incomplete run moves nothing; the next run is compared with the last complete one" {
	echo '{"format": 1, "exceptions": []}' >exceptions.json
	serve_day 0
	run -1 job 0
	# day 1: SOS rejects the token: exit 3, incomplete, not the latest run
	serve_day 1
	SOS_TOKEN=not-the-token run -3 job 1
	assert_equal "$(jq -c '[.status, .failures[0].stage]' _output/report.json)" '["incomplete","fetch-sos"]'
	[[ ! -f _output/ledger.ndjson && ! -f _output/findings.ndjson ]]
	assert_equal "$(readlink hist/ALC/latest)" 2026-11-20T060000Z
	run -0 jq -r '.endpoint + " " + (.body.event_action // "")' alerts.1.ndjson
	assert_line 'pagerduty trigger'
	assert_line 'slack '
	# day 2, as the simulator reckons it with day 1 left out
	serve_day 2 --incomplete-days 1
	run -1 job 2
	assert_equal "$(head -1 life.2.ndjson | jq -c '[.previous, .complete_days]')" '["2026-11-20T06:00:00Z",[0,2]]'
	check_lifecycle 2
	# the manifests still chain through the incomplete run
	assert_equal "$(jq -r .previous.stamp _output/manifest.json)" 2026-11-21T060000Z
	run -0 sosr-verify hist
}

@test "days: the drop day is SUSPECT (exit 11) and moves nothing; --accept-drop lets it through with its reason" {
	echo '{"format": 1, "exceptions": []}' >exceptions.json
	ESTATE+=(--drop-day 2)
	serve_day 0
	run -1 job 0
	serve_day 1
	run -1 job 1
	serve_day 2
	run -11 job 2
	local drops
	drops=$(head -1 life.2.ndjson | jq -r '.drop | map("\(.population) \(.previous) -> \(.current)") | join(", ")')
	[[ $drops == "softlayer.device "*", sos.device "* ]]
	assert_equal "$(jq -c '[.status, .verdict.result, .failures[0].stage, .failures[0].exit]' _output/report.json)" \
		'["suspect","suspect","track",11]'
	local pop
	while read -r pop; do
		jq -r '.failures[0].error' _output/report.json | grep -qF "$pop ("
	done < <(head -1 life.2.ndjson | jq -r '.drop[] | "\(.population) \(.previous) -> \(.current)"')
	grep -q '^Status     SUSPECT' _output/report.txt
	grep -q 'VERDICT: SUSPECT' _output/report.txt
	assert_equal "$(jq -c '[.verdict, .exit, .accept_drop]' _output/manifest.json)" '["suspect",11,null]'
	# nothing published as missing, the ledger where it was
	[[ ! -f _output/findings.ndjson && ! -f _output/ledger.ndjson ]]
	assert_equal "$(jq '.findings // [] | length' _output/report.json)" 0
	assert_equal "$(readlink hist/ALC/latest)" 2026-11-21T060000Z

	# the operator says it is real: the same day again, let through
	serve_day 2
	run -1 job 2 --accept-drop "decommission CHG123"
	check_lifecycle 2
	assert_equal "$(jq -c .history.drop _output/report.json)" \
		"$(head -1 life.2.ndjson | jq -c '{reason: "decommission CHG123", populations: .drop}')"
	assert_equal "$(jq -r .accept_drop _output/manifest.json)" "decommission CHG123"
	grep -qF "Drop       accepted: decommission CHG123 ($drops)" _output/report.txt
	assert_equal "$(readlink hist/ALC/latest)" 2026-11-22T060000Z-02
	# the next day is compared with the accepted run
	serve_day 3
	run -1 job 3
	check_lifecycle 3
	assert_equal "$(jq -c '[.history.previous, .history.drop]' _output/report.json)" '["2026-11-22T06:00:00Z",null]'
}
