#!/usr/bin/env bats
# Evidence an auditor can re-perform (issue 12), through the whole job:
# daily runs archived in a git locker with a bare repository as its remote,
# the chain verified, every committed run replayed to the same bytes, and
# what breaks each of them.
bats_require_minimum_version 1.5.0
load test_helper

setup() {
	common_setup
	start_fake_api --seed 11 --accounts 2 --devices 60 --vlans 8 --now 2026-11-26T06:00:00Z --drift 0.1 \
		--credentials cred.json
	export SL_KEY_1000001 SL_KEY_1000002 SOS_TOKEN
	SL_KEY_1000001=$(jq -r '.softlayer.accounts[0].api_key' cred.json)
	SL_KEY_1000002=$(jq -r '.softlayer.accounts[1].api_key' cred.json)
	SOS_TOKEN=$(jq -r .sos.token cred.json)
	git init -q --bare -b main remote.git
	git clone -q remote.git ev 2>/dev/null
	git -C ev -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m "the evidence locker"
	git -C ev push -q origin main
	job_config '"locker": {"repo": "ev", "push": true}'
}
teardown() { common_teardown; }

# job_config JSON-MEMBERS: alc.json for the simulator, with more members.
job_config() {
	jq --argjson more "{$1}" '{c_code: .sos.c_code,
	     softlayer: {endpoint: .softlayer.endpoint,
	                 accounts: [.softlayer.accounts[] | {id, auth: "basic", username, api_key_env: "SL_KEY_\(.id)"}]},
	     sos: {url: .sos.url, token_env: "SOS_TOKEN"}} + $more' cred.json >alc.json
}

# day N: the job run for 2026-11-2N; its exit status.
day() {
	local rc=0
	sos-reconcile --config alc.json --now "2026-11-2${1}T06:00:00Z" >"day$1.out" 2>"day$1.err" || rc=$?
	return "$rc"
}

@test "evidence: three daily runs are committed and pushed; the clone verifies and replays to the same bytes" {
	# what git and its hooks see of the job's environment
	printf '#!/bin/sh\nenv >>"%s/git-env"\n' "$BATS_TEST_TMPDIR" >ev/.git/hooks/pre-commit
	chmod +x ev/.git/hooks/pre-commit
	for d in 6 7 8; do
		run -1 day "$d"
		assert_equal "$(grep -c 'pushed main to origin' "day$d.err")" 1
	done
	run -0 git -C remote.git log --format=%s main
	assert_line --index 0 --regexp '^ALC 2026-11-28: complete, significant; [0-9]+ findings \([0-9]+ new, [0-9]+ resolved\)$'
	assert_line --index 2 --regexp '^ALC 2026-11-26: complete, significant; [0-9]+ findings$'
	# the auditor's side: a fresh clone, nothing of the job's machine
	git clone -q remote.git audit
	run -0 sosr-verify audit
	assert_output "ALC: 3 runs and their chain verify, from 2026-11-26T060000Z"
	for r in audit/ALC/2026-*; do
		run -0 sos-reconcile --replay "$r"
		assert_output "sos-reconcile-replay: 13 files identical: csv/findings.csv csv/softlayer.csv csv/sos.csv discrepancies.ndjson findings.ndjson ledger.ndjson report.css report.html report.json report.junit.xml report.txt softlayer.ndjson sos.ndjson"
	done
	# the manifests chain: the first says it is the first
	run -0 jq -r '.previous.note' audit/ALC/2026-11-26T060000Z/manifest.json
	assert_output "the first run of the archive"
	run -0 jq -r '.previous.stamp' audit/ALC/2026-11-28T060000Z/manifest.json
	assert_output "2026-11-27T060000Z"
	[[ -s git-env ]]
	for canary in "$SL_KEY_1000001" "$SL_KEY_1000002" "$SOS_TOKEN"; do
		run -1 grep -qF -- "$canary" git-env
	done
	# the inputs a replay reads are recorded: the config, the previous ledger
	cmp alc.json audit/ALC/2026-11-27T060000Z/inputs/config.json
	[[ -f audit/ALC/2026-11-27T060000Z/inputs/ledger.ndjson ]]
	[[ ! -f audit/ALC/2026-11-26T060000Z/inputs/ledger.ndjson ]]
}

@test "evidence: a tampered file in the locker is caught by verify and by replay, and named" {
	run -1 day 6
	run -1 day 7
	run -1 day 8
	git clone -q remote.git audit
	local r=audit/ALC/2026-11-27T060000Z
	# a finding hidden from the report
	sed -i '0,/missing_in_sos/s//missing_in_s0s/' "$r/report.txt"
	run -7 sosr-verify audit
	assert_output --partial "2026-11-27T060000Z: report.txt differs from the manifest"
	run -1 sos-reconcile --replay "$r"
	assert_output --partial "sos-reconcile-replay: report.txt differs: the run's copy is not the file its manifest lists"
	assert_output --partial "-  missing_in_s0s.device"
	# the manifest rewritten to match: the next run's link breaks (the
	# newest run's manifest has no next run: git's history guards it),
	# and replay recomputes the truth
	jq --arg s "$(sha256sum <"$r/report.txt" | cut -d' ' -f1)" \
		'(.files[] | select(.path == "report.txt")) |= (.sha256 = $s)' "$r/manifest.json" >m && mv m "$r/manifest.json"
	run -7 sosr-verify audit
	run -1 sos-reconcile --replay "$r"
	assert_output --partial "sos-reconcile-replay: report.txt differs: sha256"
	assert_output --partial "+  missing_in_sos.device"
	# raw data altered and the manifest rewritten to match: the chain breaks
	git -C audit checkout -q -- .
	gzip -dc "$r/raw/sos.ndjson.gz" | sed '1d' | gzip -n >t.gz && mv t.gz "$r/raw/sos.ndjson.gz"
	jq --arg s "$(gzip -dc "$r/raw/sos.ndjson.gz" | sha256sum | cut -d' ' -f1)" \
		--argjson b "$(gzip -dc "$r/raw/sos.ndjson.gz" | wc -c)" \
		'(.files[] | select(.path == "raw/sos.ndjson")) |= (.sha256 = $s | .bytes = $b)' \
		"$r/manifest.json" >m && mv m "$r/manifest.json"
	run -7 sosr-verify audit
	assert_output --partial "the manifest of 2026-11-27T060000Z does not have the sha256 2026-11-28T060000Z names for it"
	# and the replay of the altered raw data does not give the run's findings
	run -1 sos-reconcile --replay "$r"
	assert_output --regexp "(csv/findings\.csv|sos\.ndjson|discrepancies\.ndjson|findings\.ndjson) differs"
}

@test "evidence: a dirty locker is refused before anything is fetched, and the run says so; nothing is archived" {
	echo "a hand edit" >ev/notes.txt
	run -2 day 6
	assert_output --partial ""
	grep -q "the working tree has changes that are not committed" day6.err
	run -0 jq -r '.status, (.failures[0].stage), (.stages | map(.name) | any(startswith("fetch")))' _output/manifest.json
	assert_output "incomplete
locker-check
false"
	[[ ! -d ev/ALC ]]
	grep -q INCOMPLETE _output/report.txt
}

@test "evidence: a push that fails is exit 12; the run is whole, committed, and the next day pushes both" {
	run -1 day 6
	printf '#!/bin/sh\necho "this repository is read-only" >&2\nexit 1\n' >remote.git/hooks/pre-receive
	chmod +x remote.git/hooks/pre-receive
	run -12 day 7
	grep -q "this repository is read-only" day7.err
	grep -q "the run is committed in the working tree" day7.err
	run -0 jq -r '.status, .exit' _output/manifest.json
	assert_output "complete
1"
	run -0 sosr-verify _output
	rm remote.git/hooks/pre-receive
	run -1 day 8
	run -0 git -C remote.git log --format=%s main
	assert_line --index 1 --regexp '^ALC 2026-11-27: '
	assert_line --index 0 --regexp '^ALC 2026-11-28: '
}

@test "evidence: an incomplete run is archived but not latest, and replays from its recorded failures" {
	job_config '"history": {"dir": "hist"}'
	run -1 day 6
	SOS_TOKEN=wrong-token run -3 day 7
	run -0 readlink hist/ALC/latest
	assert_output 2026-11-26T060000Z
	run -0 sos-reconcile --replay hist/ALC/2026-11-27T060000Z
	assert_output "sos-reconcile-replay: 6 files identical: report.css report.html report.json report.junit.xml report.txt softlayer.ndjson"
	run -0 sosr-verify hist
	# the next complete run counts from the last complete one
	run -1 day 8
	run -0 jq -r .previous.stamp _output/manifest.json
	assert_output 2026-11-27T060000Z
	grep -q "since the run of 2026-11-26T06:00:00Z" _output/report.txt
}

@test "evidence: replay refuses what it cannot recompute, with words" {
	run -2 sos-reconcile-replay
	run -2 sos-reconcile-replay a b
	mkdir notarun
	run -7 sos-reconcile-replay notarun
	assert_output --partial "no manifest; RUN must be a run directory of sos-reconcile"
	job_config '"history": {"dir": "hist"}'
	run -1 day 6
	rm _output/inputs/config.json
	run -7 sos-reconcile-replay _output
	assert_output --partial "recorded without its inputs"
	run -2 sos-reconcile --replay
}

@test "evidence: the request of a replay never reaches the network, and no secret is in the evidence" {
	job_config '"history": {"dir": "hist"}'
	run -1 day 6
	stop_fake_api
	# the APIs are gone: a replay needs none of them
	run -0 sos-reconcile --replay hist/ALC/latest
	for canary in "$SL_KEY_1000001" "$SL_KEY_1000002" "$SOS_TOKEN"; do
		run -1 grep -rqF -- "$canary" hist _output
	done
}

@test "evidence: the request log traces every raw record to a page whose sha256 it recorded; retries are there; no secret" {
	stop_fake_api
	start_fake_api --seed 11 --accounts 2 --devices 60 --vlans 8 --now 2026-11-26T06:00:00Z --drift 0.1 \
		--credentials cred.json --fault 503,nth=2,target=sos --fault 503,nth=3,target=softlayer
	job_config '"history": {"dir": "hist"}'
	run -1 day 6
	local side log
	for side in softlayer sos; do
		log=_output/raw/$side.requests.ndjson
		# every line whole, no header, nothing secret
		jq -e 'keys == ["attempt","bytes","credential","error","method","seconds","sha256","status","time","url"]' "$log" >/dev/null
		for canary in "$SL_KEY_1000001" "$SL_KEY_1000002" "$SOS_TOKEN" Authorization Bearer; do
			run -1 grep -qF -- "$canary" "$log"
		done
		# the fault is there, then its retry
		run -0 jq -r 'select(.status == 503) | "\(.attempt) \(.error)"' "$log"
		assert_output --regexp '^1 HTTP 503'
		run -0 jq -s '[.[] | select(.status == 503)] | length' "$log"
		assert_output 1
	done
	# each page the fetchers took is what the API serves for that URL: its
	# sha256 as received, recomputed by asking again (the estate is fixed)
	while IFS=$'\t' read -r url sha; do
		[[ $(curl -s --compressed -H "Authorization: Bearer $SOS_TOKEN" "$url" | sha256sum | cut -d' ' -f1) == "$sha" ]] ||
			fail "the page $url is not the one the log recorded"
	done < <(jq -r 'select(.error == null) | "\(.url)\t\(.sha256)"' _output/raw/sos.requests.ndjson)
	# the pages' items are the raw records, none more, none less
	local items=0 n
	while IFS= read -r url; do
		n=$(curl -s --compressed -H "Authorization: Bearer $SOS_TOKEN" "$url" | jq '.items | length')
		items=$((items + n))
	done < <(jq -r 'select(.error == null) | .url' _output/raw/sos.requests.ndjson)
	assert_equal "$items" "$(wc -l <_output/raw/sos.ndjson)"
	# archived with the run, and listed in its manifest
	run -0 jq -r '.files[].path' _output/manifest.json
	assert_line raw/softlayer.requests.ndjson
	assert_line raw/sos.requests.ndjson
	run -0 sosr-verify hist
}
