#!/usr/bin/env bats
# The fault matrix: every fault the simulator can inject, on the SoftLayer
# side and on the SOS side, through a whole sos-reconcile run.  A cell
# either recovers, and then its findings are byte for byte those of a clean
# run of the same estate, or it fails closed: the documented exit code, an
# incomplete report and manifest naming the failing fetcher, the runbook's
# words in run.log, no discrepancy stream.  No cell may report a finding
# the clean run does not have, nor print a secret.  Every cell also checks,
# in the simulator's request log, that its fault really fired.
# docs/RELIABILITY.md ("Fault matrix") keeps the table of cells and outcomes.
bats_require_minimum_version 1.5.0
load test_helper

NOW=2026-11-26T06:00:00Z

# The estate: 2 accounts, 300 devices, 40 VLANs, planted findings; pages of
# 20 (SoftLayer) and 50 (SOS), so each source takes several pages (about
# 20 SoftLayer and 7 SOS requests) and a fault "after 3 requests" or an
# expiry after 5 lands in the middle of the fetch.  Timeouts of 1 s make a
# stall cheap.  A recovering cell runs with --retries 2 (3 attempts; the
# retries of bodies and of "other" 5xx are 2 as well), so a fault that fires
# twice recovers even when both hit the same request; a failing cell runs
# with --retries 1, to fail fast (the fault fires on every attempt).
ESTATE=(--seed 11 --accounts 2 --devices 300 --vlans 40 --drift 0.05 --now "$NOW")
# Under make memcheck (valgrind) a request can take longer than 1 s: the
# timeouts are 30 s there and the stall cells are skipped.
TIMEOUT=1
[[ -z ${SOSR_SHIM_DIR:-} ]] || TIMEOUT=30

setup_file() {
	# The clean run every cell compares with, once per file (as a test: not
	# while a file that runs alone runs).
	local d=$BATS_FILE_TMPDIR/clean
	mkdir -p "$d"
	enter_suite
	(
		cd "$d" || exit 1
		# shellcheck disable=SC2034 # start_fake_api puts its files there
		BATS_TEST_TMPDIR=$d
		start_sim
		rc=0
		sos-reconcile --config alc.json --now "$NOW" --retries 2 --retry-wait 50ms >console.txt 2>&1 || rc=$?
		stop_fake_api
		[[ $rc == 1 ]] || { echo "the clean run exited $rc, not 1" >&2; cat console.txt >&2; exit 1; }
		# the clean run itself is right: its findings are the truth
		project_findings _output/discrepancies.ndjson | cmp - truth.ndjson
		jq -c .findings _output/report.json >findings.json
		cp _output/discrepancies.ndjson clean.ndjson
	)
	leave_suite
}

setup() { common_setup; }
teardown() { common_teardown; }

# start_sim [ARGS...]: the simulator on the estate with a request log, and
# alc.json for it; the secrets are exported as the config names them, and
# listed in secrets.txt.  One jq for it all (jq 1.6 costs 50 ms of CPU to
# start): the config, then "KEY ID SECRET" and "SECRET VALUE" lines.
start_sim() {
	start_fake_api "${ESTATE[@]}" --credentials cred.json --truth truth.ndjson \
		--log requests.ndjson "$@"
	local what a b
	: >secrets.txt
	{
		IFS= read -r a
		printf '%s\n' "$a" >alc.json
		while read -r what a b; do
			case $what in
			KEY) export "SL_KEY_$a=$b" ;;
			TOKEN) export SOS_TOKEN=$a ;;
			SECRET) printf '%s\n' "$a" >>secrets.txt ;;
			esac
		done
	} < <(jq -r --argjson t "$TIMEOUT" '
		({c_code: .sos.c_code,
		  softlayer: {endpoint: .softlayer.endpoint, page_size: 20, concurrency: 4, timeout: $t,
		              accounts: [.softlayer.accounts[]
		                         | {id, auth, api_key_env: "SL_KEY_\(.id)"}
		                           + (if .auth == "basic" then {username} else {} end)]},
		  sos: {url: .sos.url, token_env: "SOS_TOKEN", page_size: 50, concurrency: 4, timeout: $t}} | tojson),
		(.softlayer.accounts[] | "KEY \(.id) \(.api_key)"), "TOKEN \(.sos.token)",
		(.softlayer.accounts[] | .api_key, .token | "SECRET \(.)"), "SECRET \(.sos.token)"' cred.json)
	[[ -s alc.json && $(wc -l <secrets.txt) -ge 3 ]] || fail "start_sim: cannot read cred.json"
}

# fired API KIND: the fault KIND answered at least one request of API (the
# log's "fault" joins the kinds that fired with "+").  A stalled
# connection is logged when it is dropped, possibly after the run: wait
# for it (up to 5 s).
fired() {
	local tries
	for ((tries = 0; tries < 50; tries++)); do
		grep -Eq "\"api\":\"$1\".*\"fault\":\"([^\"]*\\+)?$2(\\+[^\"]*)?\"" requests.ndjson && return 0
		sleep 0.1
	done
	echo "the fault $2 never fired on $1: this cell proves nothing" >&2
	return 1
}

# No secret of the simulator's (API keys, IAM tokens, the SOS token) in
# _output/ nor on the console: error paths print URLs and bodies.
no_secrets() {
	! grep -rlF -f secrets.txt _output || fail "a secret of the simulator is in the file(s) above"
	! grep -F -f secrets.txt <<<"$output" || fail "a secret of the simulator is on the console (above)"
}

# recovers SIDE FAULT: the run completes and its findings are the clean
# run's, byte for byte (so it has no finding the clean run does not have).
recovers() {
	local side=$1 spec=$2
	[[ $spec != stall* ]] || skip_under_valgrind
	start_sim --fault "$spec,target=$side"
	run -1 sos-reconcile --config alc.json --now "$NOW" --retries 2 --retry-wait 50ms
	cmp _output/discrepancies.ndjson "$BATS_FILE_TMPDIR/clean/clean.ndjson"
	assert_equal "$(jq -c -s '[.[0].findings, .[1].status, .[1].exit, .[1].sources.softlayer.complete, .[1].sources.sos.complete]' \
		_output/report.json _output/manifest.json)" \
		"[$(<"$BATS_FILE_TMPDIR/clean/findings.json"),\"complete\",1,true,true]"
	no_secrets
	local kind=${spec%%[:,]*}
	fired "$side" "$kind"
}

# fails SIDE FAULT CODE MESSAGE: the run fails closed with CODE, the
# fetcher of SIDE is the failing stage, run.log has MESSAGE (an ERE), and
# the report quotes it; no finding at all.  FAULT "refused" points SIDE at
# a closed port instead.
fails() {
	local side=$1 spec=$2 code=$3 msg=$4
	[[ $spec != stall* ]] || skip_under_valgrind
	if [[ $spec == refused ]]; then
		start_sim
		# Port 1 on loopback: nothing listens there (it is privileged).
		if [[ $side == softlayer ]]; then
			sed -i 's|"endpoint":"[^"]*"|"endpoint":"http://127.0.0.1:1/rest/v3.1"|' alc.json
		else
			sed -i 's|"url":"[^"]*"|"url":"http://127.0.0.1:1"|' alc.json
		fi
		grep -q '127\.0\.0\.1:1[/"]' alc.json
	else
		start_sim --fault "$spec,target=$side"
	fi
	run -"$code" sos-reconcile --config alc.json --now "$NOW" --retries 1 --retry-wait 50ms
	local got error
	{
		IFS= read -r got
		IFS= read -r error
	} < <(jq -r -s '([.[1].status, .[1].exit, .[1].verdict, .[1].failures[0].stage, .[1].failures[0].exit,
	                 .[0].status, .[0].verdict.result, .[0].failures[0].stage, (.[0].findings // [] | length)] | tojson),
	                .[0].failures[0].error' _output/report.json _output/manifest.json)
	assert_equal "$got" "[\"incomplete\",$code,\"incomplete\",\"fetch-$side\",$code,\"incomplete\",\"incomplete\",\"fetch-$side\",0]"
	grep -qx 'Status     INCOMPLETE' _output/report.txt
	[[ ! -e _output/discrepancies.ndjson ]] || fail "an incomplete run left discrepancies.ndjson"
	[[ ! -e _output/$side.ndjson ]] || fail "the failed source left _output/$side.ndjson"
	grep -qE "^[0-9TZ:-]+ fetch-$side: sosr-fetch-$side: error: $msg" _output/run.log ||
		fail "run.log lacks the message /$msg/"
	# the report quotes the same error line
	[[ $error =~ $msg ]] || fail "report.json does not quote /$msg/: $error"
	no_secrets
	[[ $spec == refused ]] || fired "$side" "${spec%%[:,]*}"
}

# The runbook's words (docs/RUNBOOK.md), per failure.  The SoftLayer fetcher
# may fail on its first request of an account, the account lookup (getObject).
SL_API='SoftLayer failed for account [0-9]+, ((hardware|virtual_guest|vlan) at offset [0-9]+|asking which account its credentials belong to) on http://127\.0\.0\.1:[0-9]+/rest/v3\.1/SoftLayer_Account/get[A-Za-z]+\.json: HTTP '
SOS_API='SOS failed for C_Code ALC, (devices|vlans) at offset [0-9]+ on http://127\.0\.0\.1:[0-9]+/api/v1/inventory/(devices|vlans): HTTP '
# a rate limit that persists names the rate limit, not the page size
SL_RATE='SoftLayer kept refusing the rate for account [0-9]+, ((hardware|virtual_guest|vlan)|asking which account its credentials belong to) on http://127\.0\.0\.1:[0-9]+/rest/v3\.1/SoftLayer_Account/get[A-Za-z]+\.json: HTTP '
SOS_RATE='SOS kept refusing the rate for C_Code ALC, (devices|vlans) at offset [0-9]+ on http://127\.0\.0\.1:[0-9]+/api/v1/inventory/(devices|vlans): HTTP '
SL_NET='cannot reach SoftLayer for account [0-9]+ on http://127\.0\.0\.1:[0-9]+/rest/v3\.1/SoftLayer_Account/get[A-Za-z]+\.json: '
SOS_NET='cannot reach SOS for C_Code ALC on http://127\.0\.0\.1:[0-9]+/api/v1/inventory/(devices|vlans): '
SL_TOTAL='incomplete read of account [0-9]+ (hardware|virtual_guest|vlan): expected [0-9]+ records \(SoftLayer-Total-Items\), got [0-9]+ \(read 3 times\); a rerun is the first remedy'
SOS_TOTAL='incomplete read of C_Code ALC (devices|vlans): expected [0-9]+ records \(total\), got [0-9]+ \(read 3 times\); a rerun is the first remedy'

# --- SoftLayer ----------------------------------------------------------

@test "softlayer latency 100ms+jitter on every request: recovers" { recovers softlayer latency:100ms,jitter=50ms; }
@test "softlayer stall 2s (timeout 1s) once: recovers" { recovers softlayer stall:2s,after=3,count=1; }
@test "softlayer stall 2s on every request: exit 4, curl error 28" { fails softlayer stall:2s 4 "${SL_NET}Timeout was reached \(curl error 28\) \(after 2 attempts\)"; }
@test "softlayer 500 twice: recovers" { recovers softlayer 500,after=3,count=2; }
@test "softlayer 500 on every request: exit 5" { fails softlayer 500 5 "${SL_API}500 \(after 2 attempts\): Internal Error"; }
@test "softlayer 502 twice: recovers" { recovers softlayer 502,after=3,count=2; }
@test "softlayer 502 on every request: exit 5" { fails softlayer 502 5 "${SL_API}502 \(after 2 attempts\)"; }
@test "softlayer 503 twice: recovers" { recovers softlayer 503,after=3,count=2; }
@test "softlayer 503 on every request: exit 5" { fails softlayer 503 5 "${SL_API}503 \(after 2 attempts\)"; }
@test "softlayer 504 twice: recovers" { recovers softlayer 504,after=3,count=2; }
@test "softlayer 504 on every request: exit 5" { fails softlayer 504 5 "${SL_API}504 \(after 2 attempts\)"; }
@test "softlayer 429 Retry-After 1 twice: recovers" { recovers softlayer 429:1,after=3,count=2; }
@test "softlayer 429 Retry-After 1 on every request: exit 5" { fails softlayer 429:1 5 "${SL_RATE}429 \(after 2 attempts\).*lower the rate limit \(softlayer\.rate_limit, --rate-limit\)"; }
@test "softlayer rate-limit 500 twice: recovers" { recovers softlayer ratelimit,after=3,count=2; }
@test "softlayer rate-limit 500 on every request: exit 5" { fails softlayer ratelimit 5 "${SL_RATE}500 SoftLayer_Exception_WebService_RateLimitExceeded \(after 2 attempts\)"; }
@test "softlayer truncated body (connection closed) twice: recovers" { recovers softlayer truncate,after=3,count=2; }
@test "softlayer truncated body (connection closed) on every request: exit 4, curl error 18" { fails softlayer truncate 4 "${SL_NET}Transferred a partial file \(curl error 18\) \(after 2 attempts\)"; }
@test "softlayer cut JSON document twice: recovers" { recovers softlayer truncate:json,after=3,count=2; }
@test "softlayer cut JSON document on every request: exit 5" { fails softlayer truncate:json 5 "${SL_API}200 with a body that is not a whole JSON document"; }
@test "softlayer 200 with an error body twice: recovers" { recovers softlayer errorbody,after=3,count=2; }
@test "softlayer 200 with an error body on every request: exit 5" { fails softlayer errorbody 5 "${SL_API}200 with an error body: Internal Error \(SoftLayer_Exception_Public\)"; }
@test "softlayer total off by one on one page: read again, recovers" { recovers softlayer total:1,nth=3; }
@test "softlayer total grows after the first page: exit 6" { fails softlayer total:1,after=1 6 "$SL_TOTAL"; }
@test "softlayer credential expires after 5 requests: exit 3" { fails softlayer expire:5 3 "HTTP 401 from SoftLayer for account [0-9]+ on .*: the credentials were rejected; check that account's API key \(SL_KEY_[0-9]+\)"; }
@test "softlayer connection refused: exit 4, curl error 7" { fails softlayer refused 4 "${SL_NET}Couldn't connect to server \(curl error 7\) \(after 2 attempts\)"; }

# --- SOS ----------------------------------------------------------------

@test "sos latency 100ms+jitter on every request: recovers" { recovers sos latency:100ms,jitter=50ms; }
@test "sos stall 2s (timeout 1s) once: recovers" { recovers sos stall:2s,after=3,count=1; }
@test "sos stall 2s on every request: exit 4, curl error 28" { fails sos stall:2s 4 "${SOS_NET}Timeout was reached \(curl error 28\) \(after 2 attempts\)"; }
@test "sos 500 twice: recovers" { recovers sos 500,after=3,count=2; }
@test "sos 500 on every request: exit 5" { fails sos 500 5 "${SOS_API}500 \(after 2 attempts\): Internal Server Error \(internal\)"; }
@test "sos 502 twice: recovers" { recovers sos 502,after=3,count=2; }
@test "sos 502 on every request: exit 5" { fails sos 502 5 "${SOS_API}502 \(after 2 attempts\)"; }
@test "sos 503 twice: recovers" { recovers sos 503,after=3,count=2; }
@test "sos 503 on every request: exit 5" { fails sos 503 5 "${SOS_API}503 \(after 2 attempts\)"; }
@test "sos 504 twice: recovers" { recovers sos 504,after=3,count=2; }
@test "sos 504 on every request: exit 5" { fails sos 504 5 "${SOS_API}504 \(after 2 attempts\)"; }
@test "sos 429 Retry-After 1 twice: recovers" { recovers sos 429:1,after=3,count=2; }
@test "sos 429 Retry-After 1 on every request: exit 5" { fails sos 429:1 5 "${SOS_RATE}429 \(after 2 attempts\): too many requests \(rate_limited\).*lower the rate limit \(sos\.rate_limit, --rate-limit\)"; }
@test "sos rate-limit 429 (no Retry-After) twice: recovers" { recovers sos ratelimit,after=3,count=2; }
@test "sos rate-limit 429 (no Retry-After) on every request: exit 5" { fails sos ratelimit 5 "${SOS_RATE}429 \(after 2 attempts\): too many requests \(rate_limited\)"; }
@test "sos truncated body (connection closed) twice: recovers" { recovers sos truncate,after=3,count=2; }
@test "sos truncated body (connection closed) on every request: exit 4, curl error 18" { fails sos truncate 4 "${SOS_NET}Transferred a partial file \(curl error 18\) \(after 2 attempts\)"; }
@test "sos cut JSON document twice: recovers" { recovers sos truncate:json,after=3,count=2; }
@test "sos cut JSON document on every request: exit 5" { fails sos truncate:json 5 "${SOS_API}200 with a body that is not a whole JSON document"; }
@test "sos 200 with an error body twice: recovers" { recovers sos errorbody,after=3,count=2; }
@test "sos 200 with an error body on every request: exit 5" { fails sos errorbody 5 "${SOS_API}200 with an error body: Internal Error \(internal\)"; }
@test "sos total off by one on one page: read again, recovers" { recovers sos total:1,nth=3; }
@test "sos total grows after the first page: exit 6" { fails sos total:1,after=1 6 "$SOS_TOTAL"; }
@test "sos token expires after 5 requests: exit 3" { fails sos expire:5 3 "HTTP 401 from SOS for C_Code ALC on .*: token has expired \(token_expired\): SOS_TOKEN was rejected; check that it is still valid"; }
@test "sos connection refused: exit 4, curl error 7" { fails sos refused 4 "${SOS_NET}Couldn't connect to server \(curl error 7\) \(after 2 attempts\)"; }
