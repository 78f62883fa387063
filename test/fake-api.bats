#!/usr/bin/env bats
# sosr-fake-api: the simulator of SoftLayer, SOS and the alert receivers
# (docs/SIMULATOR.md), driven with curl.
bats_require_minimum_version 1.5.0
load test_helper

NOW=2026-11-26T00:00:00Z

setup() {
	common_setup
}
# The simulator's stderr must be free of sanitizer reports (make
# SANITIZE=address,undefined); stop_fake_api has waited for it to exit.
teardown() {
	common_teardown
	! grep -E 'Sanitizer|runtime error' "$BATS_TEST_TMPDIR/fake-api.err" 2>/dev/null
}

# serve [ARGS...]: start the simulator with credentials and a request log.
serve() {
	start_fake_api --credentials creds.json --log req.ndjson --now "$NOW" "$@"
	SL="$FAKE_URL/rest/v3.1"
	read_creds
}

# read_creds: the secrets of creds.json, read once (jq 1.6 costs 50 ms of
# CPU to start, and some tests make dozens of requests).
read_creds() {
	local id auth
	SLID=() SLAUTH=()
	{
		read -r SOSTOKEN
		while read -r id auth; do
			SLID+=("$id")
			SLAUTH+=("$auth")
		done
	} < <(jq -r '.sos.token, (.softlayer.accounts[] | .id + " " + .username + ":" + .api_key)' creds.json)
	[[ -n $SOSTOKEN && ${#SLAUTH[@]} -gt 0 ]]
}

# slauth N: "username:api_key" of account N (0-based).
slauth() {
	printf '%s\n' "${SLAUTH[$1]:?no account $1 in creds.json}"
}

sostoken() {
	printf '%s\n' "${SOSTOKEN:?no SOS token read from creds.json}"
}

# sl N PATH [CURL ARGS...]: a SoftLayer GET as account N, body on stdout.
sl() {
	local n=$1 path=$2
	shift 2
	curl -sS -u "$(slauth "$n")" "$@" "$SL/$path"
}

# sos PATH [CURL ARGS...]
sos() {
	local path=$1
	shift
	curl -sS -H "Authorization: Bearer $(sostoken)" "$@" "$FAKE_URL$path"
}

# ndjq SELECT COND FILE: some line of the NDJSON FILE matches SELECT, and
# every such line satisfies COND (jq 1.6's -e looks at the last input only).
ndjq() {
	jq -e -s "map(select($1)) | length > 0 and all(.[]; $2)" "$3" > /dev/null
}

# status: the HTTP status of a curl request (all arguments to curl).
status() {
	curl -s -o /dev/null -w '%{http_code}' "$@"
}

# --- command line -----------------------------------------------------

@test "fake-api: --help lists every option, --version names the program" {
	run -0 sosr-fake-api --help
	for o in --listen --port-file --credentials --api-key-file --sos-token-file --sos-auth-header \
		--sos-auth-scheme --log --alerts-log \
		--rate-limit --fault --no-serve --seed --accounts --devices --vlans --c-code --drift --now \
		--estate --write-estate --truth --day --drop-day --incomplete-days --lifecycle-truth --help --version; do
		assert_output --partial -- "$o"
	done
	assert_output --partial "Exit status"
	run -0 sosr-fake-api --version
	assert_output --regexp '^sosr-fake-api \(sos-reconcile\) [0-9]'
}

@test "fake-api: usage errors exit 2 and say what is wrong" {
	run -2 sosr-fake-api --listen 0.0.0.0:0 --no-serve --truth t
	assert_output --partial "not a loopback address"
	run -2 sosr-fake-api --listen 10.1.2.3:80
	assert_output --partial "not a loopback address"
	run -2 sosr-fake-api --listen 127.0.0.1:99999
	assert_output --partial "out of range"
	run -2 sosr-fake-api --devices abc
	assert_output --partial "--devices: 'abc' is not a whole number"
	run -2 sosr-fake-api --accounts 0
	assert_output --partial "out of range"
	run -2 sosr-fake-api --drift 2
	assert_output --partial "--drift"
	run -2 sosr-fake-api --now yesterday
	assert_output --partial "RFC 3339"
	run -2 sosr-fake-api --c-code 'alc;rm'
	assert_output --partial "not a C_Code"
	run -2 sosr-fake-api --fault explode
	assert_output --partial "unknown fault kind 'explode'"
	run -2 sosr-fake-api --fault 503,rate=2
	assert_output --partial "probability"
	run -2 sosr-fake-api --fault latency:soon
	assert_output --partial "not a duration"
	run -2 sosr-fake-api --fault expire
	assert_output --partial "expire needs"
	run -2 sosr-fake-api --fault 503,target=mars
	assert_output --partial "target"
	run -2 sosr-fake-api --rate-limit -1
	run -2 sosr-fake-api --no-serve
	assert_output --partial "nothing to do"
	run -2 sosr-fake-api --no-serve --truth t --credentials c
	assert_output --partial "need a server"
	run -2 sosr-fake-api --estate dir --seed 3
	assert_output --partial "cannot be combined"
	run -2 sosr-fake-api --estate dir --day 2 --no-serve --truth t
	assert_output --partial "play the days of a generated one"
	run -2 sosr-fake-api --day -1 --no-serve --truth t
	run -2 sosr-fake-api --day 3651 --no-serve --truth t
	run -2 sosr-fake-api --drop-day 0 --no-serve --truth t
	run -2 sosr-fake-api --drop-day 2:sos --no-serve --truth t
	assert_output --partial "is not D or D:SIDE:KIND:PERCENT"
	run -2 sosr-fake-api --drop-day 2:mars:device:10 --no-serve --truth t
	assert_output --partial "side 'mars' is not softlayer, sos or both"
	run -2 sosr-fake-api --drop-day 2:sos:rack:10 --no-serve --truth t
	assert_output --partial "kind 'rack' is not device or vlan"
	run -2 sosr-fake-api --drop-day 2:sos:device:0 --no-serve --truth t
	assert_output --partial "not a percentage above 0, at most 100"
	run -2 sosr-fake-api --day 3 --incomplete-days 1,3 --no-serve --truth t
	assert_output --partial "day 3 is not before --day 3"
	run -2 sosr-fake-api --day 3 --incomplete-days 1,,2 --no-serve --truth t
	assert_output --partial "not a comma-separated list of days"
	run -2 sosr-fake-api operand
	assert_output --partial "unexpected operand"
	run -2 sosr-fake-api --bogus
}

@test "fake-api: stops cleanly with exit 0 on SIGTERM and on SIGINT" {
	for sig in TERM INT; do
		start_fake_api
		kill -"$sig" "$FAKE_PID"
		rc=0
		wait "$FAKE_PID" || rc=$?
		FAKE_PID=
		[[ $rc -eq 0 ]]
	done
	grep -q "listening on http://127.0.0.1:" "$BATS_TEST_TMPDIR/fake-api.err"
}

@test "fake-api: --port-file holds the port; --credentials the endpoints, mode 0600" {
	serve
	[[ $FAKE_PORT =~ ^[0-9]+$ ]]
	run -0 jq -r '.softlayer.endpoint, .sos.url, .sos.c_code, (.softlayer.accounts|length),
		(.softlayer.accounts|map(.auth)|join(",")), .alerts.pagerduty_url' creds.json
	assert_output "$FAKE_URL/rest/v3.1
$FAKE_URL
ALC
2
basic,apikey
$FAKE_URL/pagerduty/v2/enqueue"
	[[ $(stat -c %a creds.json) == 600 ]]
	[[ ! -e creds.json.tmp && ! -e "$BATS_TEST_TMPDIR/fake-api.port.tmp" ]]
}

# --- estate, raw, truth ---------------------------------------------------

@test "fake-api: the same seed gives the same estate, raw files and truth; another seed another" {
	sosr-fake-api --no-serve --seed 7 --now "$NOW" --write-estate a --truth a.truth
	sosr-fake-api --no-serve --seed 7 --now "$NOW" --write-estate b --truth b.truth
	sosr-fake-api --no-serve --seed 8 --now "$NOW" --write-estate c
	for f in estate.json softlayer.ndjson sos.ndjson raw/softlayer.ndjson raw/sos.ndjson; do
		cmp "a/$f" "b/$f"
	done
	cmp a.truth b.truth
	! cmp -s a/raw/softlayer.ndjson c/raw/softlayer.ndjson
}

@test "days: --day 0 is the generated estate byte for byte; day N is the same bytes every time" {
	sosr-fake-api --no-serve --seed 7 --now "$NOW" --write-estate a --truth a.truth
	sosr-fake-api --no-serve --seed 7 --now "$NOW" --day 0 --write-estate b --truth b.truth --lifecycle-truth b.life
	diff -r a b
	cmp a.truth b.truth
	# day 0's lifecycle: the first run, every finding NEW
	run -0 jq -s -c '.[0] | [.day, .previous, .complete_days, .resolved, .new == .findings]' b.life
	assert_output '[0,null,[0],0,true]'
	assert_equal "$(tail -n +2 b.life | jq -r '[.status, .runs, .age_days, .first_seen] | join(" ")' | sort -u)" \
		"NEW 1 0 $NOW"
	assert_equal "$(tail -n +2 b.life | wc -l)" "$(jq -c 'select(.type != "pending" and .type != "excluded")' a.truth | wc -l)"
	for x in c d; do
		sosr-fake-api --no-serve --seed 7 --now "$NOW" --day 4 --drop-day 3 --write-estate "$x" --truth "$x.truth" \
			--lifecycle-truth "$x.life"
	done
	diff -r c d
	cmp c.truth d.truth
	cmp c.life d.life
	! cmp -s a/raw/sos.ndjson c/raw/sos.ndjson
	# day 4 is at --now, day 0 four days before it
	assert_equal "$(jq -r .now c/estate.json)" "$NOW"
	assert_equal "$(head -1 c.life | jq -c '[.run, .previous, .complete_days]')" \
		'["2026-11-26T00:00:00Z","2026-11-25T00:00:00Z",[0,1,2,3,4]]'
}

@test "days: each day continues the day before; the lifecycle truth agrees with the two days' truths" {
	local d t
	for d in 0 1 2 3; do
		t=$(printf '2026-11-%02dT06:00:00Z' $((20 + d)))
		sosr-fake-api --no-serve --seed 9 --devices 800 --vlans 80 --drift 0.05 --day "$d" --now "$t" \
			--truth "t$d" --lifecycle-truth "l$d" --write-estate "e$d"
		# identities of the findings: type, key, side
		jq -c 'select(.type != "pending" and .type != "excluded") | [.type, .key, .side]' "t$d" | sort >"id$d"
	done
	for d in 1 2 3; do
		# open today: exactly today's findings; resolved: yesterday's that are gone
		tail -n +2 "l$d" | jq -c 'select(.status) | [.type, .key, .side]' | sort | cmp - "id$d"
		tail -n +2 "l$d" | jq -c 'select(.type == "resolved") | [.finding, .key, .side]' | sort |
			cmp - <(comm -23 "id$((d - 1))" "id$d")
		# RECURRING: open yesterday too; NEW or REOPENED: not open yesterday
		tail -n +2 "l$d" | jq -c 'select(.status == "RECURRING") | [.type, .key, .side]' | sort |
			cmp - <(comm -12 "id$((d - 1))" "id$d")
		assert_equal "$(head -1 "l$d" | jq -r .previous)" "$(printf '2026-11-%02dT06:00:00Z' $((19 + d)))"
	done
	# the estate changed on both sides, and every kind of change happened
	! cmp -s e0/raw/softlayer.ndjson e3/raw/softlayer.ndjson
	! cmp -s e0/raw/sos.ndjson e3/raw/sos.ndjson
	assert_equal "$(cat l1 l2 l3 | jq -s '[map(select(.status == "REOPENED")), map(select(.changed)),
		map(select(.type == "resolved")), map(select(.status == "NEW"))] | map(length > 0) | all')" true
	# devices were provisioned (with names of their day) and decommissioned
	grep -q -- '-d3-[0-9][0-9][0-9]' e3/raw/softlayer.ndjson
	[[ -n $(comm -23 <(jq -r '.data.id' e0/raw/softlayer.ndjson | sort) <(jq -r '.data.id' e3/raw/softlayer.ndjson | sort)) ]]
}

@test "days: --drop-day takes the side's share of its population on that day; the header names the drop" {
	sosr-fake-api --no-serve --seed 3 --devices 500 --vlans 100 --day 2 --now "$NOW" --drop-day 2 --lifecycle-truth both
	sosr-fake-api --no-serve --seed 3 --devices 500 --vlans 100 --day 2 --now "$NOW" --drop-day 2:sos:vlan:50 \
		--lifecycle-truth sosvlan
	sosr-fake-api --no-serve --seed 3 --devices 500 --vlans 100 --day 2 --now "$NOW" --drop-day 2:softlayer:device:30 \
		--lifecycle-truth sldev
	sosr-fake-api --no-serve --seed 3 --devices 500 --vlans 100 --day 1 --now "$NOW" --drop-day 2 --lifecycle-truth before
	# the day before: nothing dropped
	assert_equal "$(head -1 before | jq -c .drop)" '[]'
	assert_equal "$(head -1 both | jq -r '.drop | map(.population) | join(" ")')" "softlayer.device sos.device"
	assert_equal "$(head -1 sosvlan | jq -r '.drop | map(.population) | join(" ")')" "sos.vlan"
	assert_equal "$(head -1 sldev | jq -r '.drop | map(.population) | join(" ")')" "softlayer.device"
	# 20 % of the devices, give or take the day's churn
	local prev cur
	prev=$(head -1 both | jq '.drop[0].previous')
	cur=$(head -1 both | jq '.drop[0].current')
	((prev - cur >= prev * 18 / 100 && prev - cur <= prev * 22 / 100))
	# SoftLayer's devices gone, SOS kept them: stale registrations, NEW
	(($(tail -n +2 sldev | jq -s 'map(select(.type == "missing_in_softlayer" and .status == "NEW")) | length') >= 100))
}

@test "days: serving day N: the fetchers get its raw files byte for byte" {
	[[ -x $ROOT/bin/sosr-fetch-softlayer && -x $ROOT/bin/sosr-fetch-sos ]] || skip "the fetchers are not built"
	serve --seed 5 --accounts 2 --devices 600 --vlans 60 --day 5 --drop-day 3:sos:device:20 --write-estate e
	local a
	for a in 0 1; do
		SL_USERNAME=$(jq -r ".softlayer.accounts[$a].username" creds.json) \
		SL_API_KEY=$(jq -r ".softlayer.accounts[$a].api_key" creds.json) \
			sosr-fetch-softlayer -q -a "$(jq -r ".softlayer.accounts[$a].id" creds.json)" -e "$SL" --page-size 70
	done >sl.raw
	cmp sl.raw e/raw/softlayer.ndjson
	SOS_TOKEN=$(sostoken) sosr-fetch-sos -q -C ALC -u "$FAKE_URL" --page-size 90 >sos.raw
	cmp sos.raw e/raw/sos.ndjson
}

@test "fake-api: raw files follow FORMATS.md 1 (provenance, order by account, type, id)" {
	sosr-fake-api --no-serve --accounts 3 --devices 300 --vlans 30 --now "$NOW" --write-estate e
	n=$(wc -l < e/raw/softlayer.ndjson)
	[[ $n -eq 330 ]]
	# Every line is {source,account,type,data} with source softlayer.
	run -0 jq -r 'keys_unsorted|join(",")' e/raw/softlayer.ndjson
	[[ $(sort -u <<<"$output") == "source,account,type,data" ]]
	# Order: account list order, then hardware, virtual_guest, vlan, then id.
	jq -r --slurpfile m e/estate.json '
		($m[0].accounts|map(.id)|to_entries|map({(.value):.key})|add) as $pos
		| [$pos[.account], ({"hardware":0,"virtual_guest":1,"vlan":2}[.type]), .data.id] | @tsv' \
		e/raw/softlayer.ndjson > keys.tsv
	sort -n -k1,1 -k2,2 -k3,3 keys.tsv | cmp - keys.tsv
	# SOS: devices then VLANs, in the order of the estate (= API order).
	run -0 jq -r .type e/raw/sos.ndjson
	[[ $(uniq <<<"$output" | tr '\n' ' ') == "device vlan " ]]
	jq -c .item e/sos.ndjson > items
	jq -c .data e/raw/sos.ndjson | cmp - items
	# Serialized like json-c PLAIN|NOSLASHESCAPE: compact, '/' not escaped.
	! grep -q '\\/' e/raw/softlayer.ndjson
	! grep -q '": ' e/raw/softlayer.ndjson
}

@test "fake-api: the truth has every kind of finding, sorted, in the projection format" {
	sosr-fake-api --no-serve --devices 200 --vlans 40 --now "$NOW" --truth t.ndjson
	LC_ALL=C sort -c t.ndjson
	run -0 jq -r '[.type,.kind] | join(" ")' t.ndjson
	for k in "missing_in_sos device" "missing_in_softlayer device" "mismatch device" "duplicate device" \
		"pending device" "excluded device" "unidentified unidentified" \
		"missing_in_sos vlan" "missing_in_softlayer vlan" "mismatch vlan"; do
		assert_line "$k"
	done
	for f in private_ip public_ip datacenter; do
		grep -q "\"fields\":\[\"$f\"\]" t.ndjson
	done
	grep -q '"kind":"vlan".*"fields":\["space"\]' t.ndjson
	grep -q '"kind":"vlan".*"fields":\["datacenter"\]' t.ndjson
	# Keys and projection exactly as FORMATS.md 4.
	run -0 jq -r 'keys_unsorted|join(",")' t.ndjson
	for l in "${lines[@]}"; do
		[[ $l == type,kind,key || $l == type,kind,key,fields || $l == type,kind,key,side ]]
	done
	grep -q '{"type":"duplicate","kind":"device","key":"device/[^"]*","side":"sos"}' t.ndjson
	grep -Eq '\{"type":"unidentified","kind":"unidentified","key":"unidentified/softlayer/hardware/[0-9]+","side":"softlayer"\}' t.ndjson
}

@test "fake-api: many VLANs: a space drawn over its share gets one more router (it used to loop forever)" {
	# With seed 1, 285,000 VLANs fill every private router of tok02 before
	# the last VLAN of that datacenter and space is numbered.
	run -0 timeout 300 sosr-fake-api --no-serve --devices 0 --vlans 285000 --now "$NOW" --truth t
	# No (router, number) twice: the truth has no duplicate, only the plants.
	run -1 grep -c '"type":"duplicate"' t
	[[ $(wc -l < t) -gt 5000 ]]
}

@test "fake-api: the planted non-findings are in the estate (short, upper-case, Build/Available)" {
	sosr-fake-api --no-serve --devices 200 --now "$NOW" --write-estate e
	ndjq '.type=="device" and (.item.hostname|test("\\.")|not)' 'true' e/sos.ndjson
	ndjq '.type=="device" and (.item.hostname|test("^[A-Z0-9.-]+$"))' 'true' e/sos.ndjson
	ndjq '.type=="device" and .item.status=="Available"' 'true' e/sos.ndjson
	ndjq '.type=="device" and .item.status=="Build"' 'true' e/sos.ndjson
	ndjq '.type=="hardware" and .hostname==null' 'true' e/softlayer.ndjson
	# No public address for private-only devices, rather than null.
	ndjq '.type=="hardware" and (.data|has("primaryIpAddress")|not)' 'true' e/raw/softlayer.ndjson
}

@test "fake-api: --drift 0 plants nothing, and the truth is empty" {
	sosr-fake-api --no-serve --drift 0 --devices 100 --vlans 10 --now "$NOW" --truth t.ndjson
	[[ ! -s t.ndjson ]]
}

@test "fake-api: --write-estate then --estate round-trips the estate, raw files and truth" {
	sosr-fake-api --no-serve --seed 3 --accounts 3 --devices 150 --vlans 20 --c-code ALC_WAT \
		--now "$NOW" --write-estate a --truth a.truth
	sosr-fake-api --no-serve --estate a --write-estate b --truth b.truth
	for f in estate.json softlayer.ndjson sos.ndjson raw/softlayer.ndjson raw/sos.ndjson; do
		cmp "a/$f" "b/$f"
	done
	cmp a.truth b.truth
	grep -q '"domain":"alc-wat.example.com"' a/softlayer.ndjson
	# A loaded estate is served.
	start_fake_api --credentials creds.json --estate a
	SL="$FAKE_URL/rest/v3.1"
	read_creds
	[[ $(sl 0 SoftLayer_Account/getHardware.json -D - -o /dev/null | tr -d '\r' |
		sed -n 's/^SoftLayer-Total-Items: //Ip') -gt 0 ]]
}

@test "fake-api: --estate names file:line of bad data and exits 7; a missing dir exits 9" {
	sosr-fake-api --no-serve --devices 10 --vlans 2 --now "$NOW" --write-estate e
	sed -i '2s/"id":[0-9]*/"id":"x"/' e/softlayer.ndjson
	run -7 sosr-fake-api --no-serve --estate e --truth t
	assert_output --partial "e/softlayer.ndjson:2:"
	assert_output --partial '"id" is not a whole number'
	sosr-fake-api --no-serve --devices 10 --vlans 2 --now "$NOW" --write-estate f
	sed -i '1s/"status":"[A-Za-z]*"/"status":"Zombie"/' f/sos.ndjson
	run -7 sosr-fake-api --no-serve --estate f --truth t
	assert_output --partial 'f/sos.ndjson:1: "status" must be one of "Live", "Build", "Available"'
	run -9 sosr-fake-api --no-serve --estate nowhere --truth t
	assert_output --partial "nowhere/estate.json"
}

@test "fake-api: estate.json is a JSON document: written by hand over lines it loads the same; errors name the key path" {
	sosr-fake-api --no-serve --seed 4 --devices 50 --vlans 9 --now "$NOW" --write-estate a --truth a.truth
	cp -r a b
	jq . a/estate.json > b/estate.json
	sosr-fake-api --no-serve --estate b --write-estate c --truth c.truth
	for f in estate.json softlayer.ndjson sos.ndjson raw/softlayer.ndjson raw/sos.ndjson; do
		cmp "a/$f" "c/$f"
	done
	cmp a.truth c.truth
	jq '.accounts[1].id = "1000001"' a/estate.json > b/estate.json
	run -7 sosr-fake-api --no-serve --estate b --truth t
	assert_output "sosr-fake-api: error: estate: b/estate.json: accounts[1].id: the same id as accounts[0]; check the estate file (see docs/SIMULATOR.md)"
	jq '.accounts[0].auth = "apiKey"' a/estate.json > b/estate.json
	run -7 sosr-fake-api --no-serve --estate b --truth t
	assert_output --partial 'b/estate.json: accounts[0].auth: expected "basic" or "apikey"'
	jq '.now = "soon"' a/estate.json > b/estate.json
	run -7 sosr-fake-api --no-serve --estate b --truth t
	assert_output --partial "b/estate.json: now: not an RFC 3339 time"
	printf '{"format":1,' > b/estate.json
	run -7 sosr-fake-api --no-serve --estate b --truth t
	assert_output --partial "b/estate.json: (file): not valid JSON"
}

# --- SoftLayer ----------------------------------------------------------------

@test "softlayer: each method under v3 and v3.1, with and without .json; Pod getAllObjects is []" {
	serve --devices 40 --vlans 6
	for v in v3 v3.1; do
		for m in getHardware getVirtualGuests getNetworkVlans getHardware.json getVirtualGuests.json getNetworkVlans.json; do
			[[ $(status -u "$(slauth 0)" "$FAKE_URL/rest/$v/SoftLayer_Account/$m") == 200 ]]
		done
	done
	run -0 sl 0 SoftLayer_Network_Pod/getAllObjects.json
	assert_output '[]'
	run -0 sl 0 SoftLayer_Account/getNothing.json
	assert_output '{"error":"Function (\"getNothing.json\") is not a valid method for this service.","code":"SoftLayer_Exception_ObjectNotFound"}'
	[[ $(status -u "$(slauth 0)" "$SL/SoftLayer_Account/getNothing.json") == 404 ]]
}

@test "softlayer: 401 without credentials and with a wrong key, for each auth form" {
	serve --devices 20
	u=$(jq -r '.softlayer.accounts[0].username' creds.json)
	k=$(jq -r '.softlayer.accounts[0].api_key' creds.json)
	t=$(jq -r '.softlayer.accounts[0].token' creds.json)
	M=$SL/SoftLayer_Account/getHardware.json
	[[ $(status "$M") == 401 ]]
	[[ $(status -u "$u:wrong" "$M") == 401 ]]
	[[ $(status -u "apikey:wrong" "$M") == 401 ]]
	[[ $(status -H "Authorization: Bearer wrong" "$M") == 401 ]]
	[[ $(status -H "Authorization: Basic !!!" "$M") == 401 ]]
	run -0 curl -sS -u "$u:wrong" "$M"
	assert_output '{"error":"Access Denied. ","code":"SoftLayer_Exception_Public"}'
	# The right ones.
	[[ $(status -u "$u:$k" "$M") == 200 ]]
	[[ $(status -u "apikey:$k" "$M") == 200 ]]
	[[ $(status -H "Authorization: Bearer $t" "$M") == 200 ]]
	# Another account's key with this username is refused.
	k2=$(jq -r '.softlayer.accounts[1].api_key' creds.json)
	[[ $(status -u "$u:$k2" "$M") == 401 ]]
	# The log names the account, never a secret.
	ndjq '.status==200' '.credential=="1000001"' req.ndjson
	ndjq '.status==401' '.credential==null' req.ndjson
	assert_no_canary "$k" req.ndjson "$BATS_TEST_TMPDIR/fake-api.err" "$BATS_TEST_TMPDIR/fake-api.out"
	assert_no_canary "$t" req.ndjson "$BATS_TEST_TMPDIR/fake-api.err"
}

@test "softlayer: each credential sees its own account" {
	serve --accounts 2 --devices 60 --vlans 10 --write-estate e
	for n in 0 1; do
		id=${SLID[$n]}
		sl "$n" 'SoftLayer_Account/getVirtualGuests.json?objectFilter={"virtualGuests":{"id":{"operation":"orderBy","options":[{"name":"sort","value":["ASC"]}]}}}' -g |
			jq -c '[.[].id]' > got
		jq -c --arg a "$id" -s '[.[]|select(.account==$a and .type=="virtual_guest")|.data.id]' e/raw/softlayer.ndjson > want
		cmp got want
		[[ $(jq length got) -gt 0 ]]
	done
}

@test "softlayer: objectMask selects relational properties, raw or URL-encoded, with casts, spaces and newlines" {
	serve --devices 40 --vlans 6
	# No mask: local properties only.
	sl 0 SoftLayer_Account/getHardware.json >hw.json
	run -0 jq -c 'map(select(has("primaryIpAddress")))[0] | keys_unsorted' hw.json
	assert_output '["id","accountId","hostname","domain","fullyQualifiedDomainName","primaryIpAddress","primaryBackendIpAddress","globalIdentifier","serialNumber","manufacturerSerialNumber","provisionDate"]'
	mask='mask(SoftLayer_Hardware_Server)[
	  id, hostname,  hardwareStatus[status],
	  datacenter[name]
	]'
	f='objectFilter={"hardware":{"id":{"operation":"orderBy","options":[{"name":"sort","value":["ASC"]}]}}}'
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode "objectMask=$mask" --data-urlencode resultLimit=0,2 \
		--data-urlencode "$f" > enc.json
	jq -e 'length==2 and all(.[]; .datacenter.name and .hardwareStatus.status and (has("powerState")|not))' enc.json
	# The same mask unencoded (curl -g sends brackets raw).
	sl 0 'SoftLayer_Account/getHardware.json?objectMask=mask[id,datacenter[name],hardwareStatus[status]]&resultLimit=0,2' -g \
		-G --data-urlencode "$f" > raw.json
	cmp enc.json raw.json
	# Dotted notation and a relational property without a sub-mask.
	sl 0 'SoftLayer_Account/getNetworkVlans.json?objectMask=mask.primaryRouter.datacenter&resultLimit=0,1' -g >vlan.json
	run -0 jq -c '.primaryRouter.datacenter|keys_unsorted' vlan.json
	assert_output '["id","name","longName"]'
	# Guests: status and powerState only when named.
	sl 0 'SoftLayer_Account/getVirtualGuests.json?objectMask=mask[status[keyName],powerState]&resultLimit=0,3' -g > vs.json
	jq -e 'all(.[]; (.status|keys_unsorted)==["keyName","name"] and .powerState.keyName and (has("datacenter")|not))' vs.json
	# A mask that does not parse is an API error.
	[[ $(status -g -u "$(slauth 0)" "$SL/SoftLayer_Account/getHardware.json?objectMask=mask[id,datacenter[name]") == 500 ]]
}

@test "softlayer: the full masks return exactly the raw file's data objects" {
	serve --accounts 2 --devices 120 --vlans 20 --write-estate e
	local n id t type method prop mask off urls
	for n in 0 1; do
		id=${SLID[$n]}
		for t in hardware:getHardware:hardware virtual_guest:getVirtualGuests:virtualGuests vlan:getNetworkVlans:networkVlans; do
			IFS=: read -r type method prop <<<"$t"
			case $type in
			hardware) mask='mask[id,hostname,domain,fullyQualifiedDomainName,primaryIpAddress,primaryBackendIpAddress,globalIdentifier,serialNumber,manufacturerSerialNumber,provisionDate,hardwareStatus[status],datacenter[name]]' ;;
			virtual_guest) mask='mask[id,hostname,domain,fullyQualifiedDomainName,primaryIpAddress,primaryBackendIpAddress,globalIdentifier,uuid,createDate,provisionDate,status[keyName],powerState[keyName],datacenter[name]]' ;;
			vlan) mask='mask[id,vlanNumber,name,networkSpace,fullyQualifiedName,podName,primaryRouter[hostname,datacenter[name]]]' ;;
			esac
			# ten pages of 7 in one curl (its options apply to every URL;
			# the pages' arrays come one after the other)
			urls=()
			for off in 0 7 14 21 28 35 42 49 56 63; do
				urls+=("$SL/SoftLayer_Account/$method.json?resultLimit=$off%2C7")
			done
			curl -sS -u "$(slauth "$n")" -G --data-urlencode "objectMask=$mask" \
				--data-urlencode "objectFilter={\"$prop\":{\"id\":{\"operation\":\"orderBy\",\"options\":[{\"name\":\"sort\",\"value\":[\"ASC\"]}]}}}" \
				"${urls[@]}" >pages
			jq -c '.[]' pages >got
			jq -c --arg a "$id" --arg t "$type" 'select(.account==$a and .type==$t) | .data' e/raw/softlayer.ndjson >want
			[[ -s want ]]
			cmp got want
		done
	done
}

@test "softlayer: orderBy id ASC and DESC; a malformed filter is ignored" {
	serve --devices 60
	f='{"hardware":{"id":{"operation":"orderBy","options":[{"name":"sort","value":["ASC"]}]}}}'
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode "objectFilter=$f" | jq -c '[.[].id]' > asc
	jq -e '. == sort and length > 1' asc
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode "objectFilter=${f/ASC/DESC}" | jq -c '[.[].id]' > desc
	jq -c 'reverse' desc | cmp - asc
	[[ $(status -u "$(slauth 0)" -G --data-urlencode 'objectFilter={"hardware":' "$SL/SoftLayer_Account/getHardware.json") == 200 ]]
	# A filter rooted at another property does not sort this method.
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode "objectFilter=${f/hardware/virtualGuests}" | jq -c '[.[].id]|sort' | cmp - asc
}

@test "softlayer: a filter with null or mistyped members is ignored (the simulator used to crash on a null name)" {
	serve --devices 60
	for f in '{"hardware":{"id":{"operation":"orderBy","options":[{"name":null}]}}}' \
		'{"hardware":{"id":{"operation":"orderBy","options":[null,{"name":"sort","value":null}]}}}' \
		'{"hardware":{"id":{"operation":null,"options":null}}}' '{"hardware":null}' 'null' '[1]'; do
		[[ $(status -u "$(slauth 0)" -G --data-urlencode "objectFilter=$f" "$SL/SoftLayer_Account/getHardware.json") == 200 ]]
	done
	# Still serving.
	[[ $(status -u "$(slauth 0)" "$SL/SoftLayer_Account/getHardware.json") == 200 ]]
}

@test "softlayer: without orderBy the page order varies between calls, a full page still has every item" {
	serve --devices 200 --seed 5
	: > orders
	for i in 1 2 3 4 5 6; do
		sl 0 'SoftLayer_Account/getVirtualGuests.json?resultLimit=0,3' | jq -c '[.[].id]' >> orders
	done
	[[ $(sort -u orders | wc -l) -gt 1 ]]
	sl 0 SoftLayer_Account/getVirtualGuests.json | jq -c '[.[].id]|sort' > a
	sl 0 SoftLayer_Account/getVirtualGuests.json | jq -c '[.[].id]|sort' > b
	cmp a b
}

@test "softlayer: resultLimit OFFSET,LIMIT and LIMIT, SoftLayer-Total-Items, a page of one is an object" {
	serve --devices 60
	f='objectFilter={"hardware":{"id":{"operation":"orderBy","options":[{"name":"sort","value":["ASC"]}]}}}'
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode "$f" -D h.all | jq -c '[.[].id]' > all
	total=$(tr -d '\r' < h.all | sed -n 's/^SoftLayer-Total-Items: //Ip')
	[[ $total -eq $(jq length all) ]]
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode "$f" --data-urlencode resultLimit=3 -D h3 | jq -c '[.[].id]' > p3
	jq -c '.[0:3]' all | cmp - p3
	grep -qi "^SoftLayer-Total-Items: $total" h3
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode "$f" --data-urlencode resultLimit=2,3 | jq -c '[.[].id]' > p23
	jq -c '.[2:5]' all | cmp - p23
	# Limit 1: the bare object.
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode "$f" --data-urlencode resultLimit=1,1 > one
	jq -e --argjson id "$(jq '.[1]' all)" 'type=="object" and .id==$id' one
	# Past the end: an empty array, the total still sent.
	sl 0 SoftLayer_Account/getHardware.json -G --data-urlencode resultLimit=1000,5 -D hx > past
	[[ $(cat past) == '[]' ]]
	grep -qi "^SoftLayer-Total-Items: $total" hx
	[[ $(status -u "$(slauth 0)" "$SL/SoftLayer_Account/getHardware.json?resultLimit=x") == 500 ]]
}

@test "softlayer: --rate-limit gives the rate-limit 500; --rate-limit 0 disables it" {
	serve --rate-limit 2 --devices 10
	urls=()
	for i in $(seq 20); do urls+=("$SL/SoftLayer_Account/getHardware.json"); done
	curl -s -u "$(slauth 0)" -w '\n%{http_code}\n' "${urls[@]}" > out
	grep -q '^500$' out
	grep -q '"code":"SoftLayer_Exception_WebService_RateLimitExceeded"' out
	grep -q 'Rate limit of 50 requests for every 1 second(s) exceeded.' out
	stop_fake_api
	serve --rate-limit 0 --devices 10
	urls=()
	for i in $(seq 20); do urls+=("$SL/SoftLayer_Account/getHardware.json"); done
	curl -s -u "$(slauth 0)" -w '\n%{http_code}\n' "${urls[@]}" > out
	[[ $(grep -c '^200$' out) -eq 20 ]]
}

# --- SOS ----------------------------------------------------------------------

@test "sos: devices and VLANs page with offset/limit and total; items equal the raw file" {
	serve --devices 90 --vlans 12 --write-estate e
	n=$(grep -c '"type":"device"' e/raw/sos.ndjson)
	: > got
	for off in 0 40 80; do
		sos "/api/v1/inventory/devices?c_code=ALC&offset=$off&limit=40" > page
		jq -e --argjson n "$n" --argjson o "$off" '.c_code=="ALC" and .total==$n and .offset==$o and .limit==40' page
		jq -c '.items[]' page >> got
	done
	jq -c 'select(.type=="device")|.data' e/raw/sos.ndjson | cmp - got
	sos "/api/v1/inventory/vlans?c_code=ALC" | jq -c '.items[]' > vgot
	jq -c 'select(.type=="vlan")|.data' e/raw/sos.ndjson | cmp - vgot
	sos "/api/v1/inventory/vlans?c_code=ALC" | jq -e '.limit==500 and .offset==0'
	# Items as the spec shows them.
	jq -e '.items[0] | has("hostname") and has("ip_address") and has("device_type") and (.datacenter|test("^[A-Z]"))' page > /dev/null ||
		sos "/api/v1/inventory/devices?c_code=ALC&limit=1" | jq -e '.items[0]|has("hostname") and (.datacenter|test("^[A-Z]"))'
}

@test "sos: 401 missing, bad or expired token; 403 another C_Code; 404 unknown; 400 bad parameters" {
	serve --devices 20
	D=$FAKE_URL/api/v1/inventory/devices
	[[ $(status "$D?c_code=ALC") == 401 ]]
	[[ $(status -H 'Authorization: Bearer nope' "$D?c_code=ALC") == 401 ]]
	run -0 curl -sS -H 'Authorization: Bearer nope' "$D?c_code=ALC"
	assert_output '{"error":{"code":"unauthorized","message":"invalid or expired token"}}'
	A="Authorization: Bearer $(sostoken)"
	[[ $(status -H "$A" "$D?c_code=ALC_WAT") == 403 ]]
	[[ $(status -H "$A" "$D?c_code=NOPE") == 404 ]]
	run -0 curl -sS -H "$A" "$D?c_code=NOPE"
	assert_output '{"error":{"code":"unknown_c_code","message":"unknown C_Code"}}'
	[[ $(status -H "$A" "$D") == 400 ]]
	[[ $(status -H "$A" "$D?c_code=ALC&offset=-1") == 400 ]]
	[[ $(status -H "$A" "$D?c_code=ALC&limit=0") == 400 ]]
	[[ $(status -H "$A" "$D?c_code=ALC&limit=x") == 400 ]]
	[[ $(status -H "$A" "$D?c_code=ALC&limit=10001") == 400 ]]
	[[ $(status -H "$A" "$D?c_code=ALC&limit=10000") == 200 ]]
	[[ $(status -H "$A" "$FAKE_URL/api/v1/inventory/other?c_code=ALC") == 404 ]]
	[[ $(status -H "$A" "$D?c_code=ALC") == 200 ]]
}

@test "sos: --sos-token-file and --api-key-file fix the secrets, which never reach the log or stderr" {
	printf 'canary-sos-token-4711\n' > tok
	printf 'canary-api-key-0815\r\ncanary-api-key-0816\ncanary-api-key-0817' > key
	serve --accounts 3 --sos-token-file tok --api-key-file key --alerts-log al.ndjson
	[[ $(jq -r .sos.token creds.json) == canary-sos-token-4711 ]]
	[[ $(jq -r '[.softlayer.accounts[].api_key]|join(",")' creds.json) == canary-api-key-0815,canary-api-key-0816,canary-api-key-0817 ]]
	[[ $(status -H "Authorization: Bearer canary-sos-token-4711" "$FAKE_URL/api/v1/inventory/vlans?c_code=ALC") == 200 ]]
	[[ $(status -u "SL1000001:canary-api-key-0815" "$SL/SoftLayer_Account/getHardware.json") == 200 ]]
	[[ $(status -u "SL1000002:canary-api-key-0816" "$SL/SoftLayer_Account/getHardware.json") == 200 ]]
	# a key is its own account's only
	[[ $(status -u "SL1000002:canary-api-key-0815" "$SL/SoftLayer_Account/getHardware.json") == 401 ]]
	# "apikey" accounts are told apart by their keys
	local n
	for n in 1 2 3; do
		run -0 curl -sS -u "apikey:canary-api-key-081$((n + 4))" "$SL/SoftLayer_Account/getObject.json"
		[[ $(jq -r .id <<<"$output") == 100000$n ]]
	done
	[[ $(jq -r 'select(.path | endswith("getObject.json")) | .credential' req.ndjson | tr '\n' ' ') == "1000001 1000002 1000003 " ]]
	stop_fake_api
	for c in canary-sos-token-4711 canary-api-key-0815 canary-api-key-0816 canary-api-key-0817; do
		assert_no_canary "$c" req.ndjson "$BATS_TEST_TMPDIR/fake-api.err" "$BATS_TEST_TMPDIR/fake-api.out"
	done
	run -2 sosr-fake-api --no-serve --truth t --sos-token-file /nonexistent
	assert_output --partial "--sos-token-file"
}

@test "--api-key-file: one key a line per account, none empty, none twice; errors name the line, never a key" {
	printf 'canary-k1\ncanary-k2\n' > key
	run -2 sosr-fake-api --no-serve --truth t --accounts 3 --api-key-file key
	assert_output "sosr-fake-api: error: --api-key-file 'key': 2 keys for 3 accounts; put one key a line, line i for account i (docs/SIMULATOR.md)"
	run -2 sosr-fake-api --no-serve --truth t --accounts 1 --api-key-file key
	assert_output --partial "error: --api-key-file 'key': 2 keys for 1 account;"
	printf 'canary-k1\n\ncanary-k3\n' > key
	run -2 sosr-fake-api --no-serve --truth t --accounts 3 --api-key-file key
	assert_output "sosr-fake-api: error: --api-key-file 'key', line 2: empty; put one key a line, line i for account i (docs/SIMULATOR.md)"
	printf 'canary-k1\ncanary-k2\ncanary-k1\n' > key
	run -2 sosr-fake-api --no-serve --truth t --accounts 3 --api-key-file key
	assert_output --partial "error: --api-key-file 'key', line 3: the same key as line 1; each account needs its own;"
	: > key
	run -2 sosr-fake-api --no-serve --truth t --api-key-file key
	assert_output --partial "error: --api-key-file 'key': empty;"
	run -2 sosr-fake-api --no-serve --truth t --api-key-file missing
	assert_output --partial "error: cannot read the secret file for --api-key-file 'missing'"
	refute_output --partial canary
}

@test "sos: --sos-auth-header and --sos-auth-scheme move the token to another header" {
	serve --sos-auth-header X-API-Key --sos-auth-scheme ''
	D="$FAKE_URL/api/v1/inventory/vlans?c_code=ALC"
	[[ $(status -H "X-API-Key: $(sostoken)" "$D") == 200 ]]
	[[ $(status -H "Authorization: Bearer $(sostoken)" "$D") == 401 ]]
	[[ $(status -H "X-API-Key: Bearer $(sostoken)" "$D") == 401 ]]
	stop_fake_api
	serve --sos-auth-scheme Token
	D="$FAKE_URL/api/v1/inventory/vlans?c_code=ALC"
	[[ $(status -H "Authorization: Token $(sostoken)" "$D") == 200 ]]
	[[ $(status -H "Authorization: Bearer $(sostoken)" "$D") == 401 ]]
	run -2 sosr-fake-api --sos-auth-header 'X-Key: x'
	assert_output --partial "not a header name"
}

# --- alert receiver -----------------------------------------------------------

@test "alerts: PagerDuty v2 accepts a valid event (202) and rejects invalid ones (400); all are recorded" {
	serve --alerts-log al.ndjson
	P=$FAKE_URL/pagerduty/v2/enqueue
	ev='{"routing_key":"rk-canary","event_action":"trigger","dedup_key":"sosr-ALC","payload":{"summary":"3 missing","source":"sos-reconcile","severity":"error"}}'
	run -0 curl -sS -X POST -H 'Content-Type: application/json' -d "$ev" -w ' %{http_code}' "$P"
	assert_output '{"status":"success","message":"Event processed","dedup_key":"sosr-ALC"} 202'
	for bad in '{"event_action":"trigger","payload":{"summary":"s","source":"s","severity":"error"}}' \
		'{"routing_key":"r","event_action":"explode"}' \
		'{"routing_key":"r","event_action":"resolve"}' \
		'{"routing_key":"r","event_action":"trigger","payload":{"source":"s","severity":"error"}}' \
		'{"routing_key":"r","event_action":"trigger","payload":{"summary":"s","severity":"error"}}' \
		'{"routing_key":"r","event_action":"trigger","payload":{"summary":"s","source":"s"}}' \
		'{"routing_key":"r","event_action":"trigger","payload":{"summary":"s","source":"s","severity":"bad"}}' \
		'not json' '{"routing_key":"r"} trailing'; do
		[[ $(status -X POST -d "$bad" "$P") == 400 ]]
	done
	run -0 curl -sS -X POST --data-binary $'{"routing_key":"r","event_action":"resolve","dedup_key":"k1"}\n' "$P"
	assert_output --partial '"dedup_key":"k1"'
	[[ $(wc -l < al.ndjson) -eq 11 ]]
	run -0 jq -c 'select(.body.dedup_key=="sosr-ALC")' al.ndjson
	assert_output "{\"endpoint\":\"pagerduty\",\"path\":\"/pagerduty/v2/enqueue\",\"body\":$ev}"
	ndjq '.body==null' '.body_text=="not json" or .body_text=="{\"routing_key\":\"r\"} trailing"' al.ndjson
	[[ $(status "$P") == 405 ]]
}

@test "alerts: Slack and webhook receivers answer 200 and record the body; the request log redacts the path" {
	serve --alerts-log al.ndjson
	run -0 curl -sS -d '{"text":"3 devices missing"}' "$FAKE_URL/slack/webhook/T1/B2/secret-canary"
	assert_output ok
	[[ $(status -d '{"blocks":[]}' "$FAKE_URL/slack/webhook/x") == 200 ]]
	[[ $(status -d '[]' "$FAKE_URL/slack/webhook/x") == 400 ]]
	[[ $(status -d '{"nothing":1}' "$FAKE_URL/slack/webhook/x") == 400 ]]
	[[ $(status -d '{"a":1}' "$FAKE_URL/webhook/hook-canary") == 200 ]]
	[[ $(status -d '{"a":1}' "$FAKE_URL/slack/") == 404 ]]
	ndjq '.endpoint=="slack" and .path=="/slack/webhook/T1/B2/secret-canary"' '.body.text=="3 devices missing"' al.ndjson
	ndjq '.endpoint=="webhook"' '.body.a==1' al.ndjson
	assert_no_canary secret-canary req.ndjson
	assert_no_canary hook-canary req.ndjson
	ndjq '.api=="alert" and .status==200' '.path|test("REDACTED$")' req.ndjson
}

# --- faults --------------------------------------------------------------------

@test "faults: 500, 502, 503, 504, 429 with Retry-After, ratelimit, errorbody on the Nth request, logged" {
	serve --devices 10 --fault 500,nth=1,target=softlayer --fault 502,nth=2,target=softlayer \
		--fault 503,nth=3,target=softlayer --fault 504,nth=4,target=softlayer \
		--fault 429:7,nth=5,target=softlayer --fault ratelimit,nth=6,target=softlayer \
		--fault errorbody,nth=7,target=softlayer --fault 503,nth=1,target=sos --fault errorbody,nth=2,target=sos
	M=$SL/SoftLayer_Account/getHardware.json
	for want in 500 502 503 504 429 500 200 200; do
		[[ $(status -u "$(slauth 0)" "$M") == "$want" ]]
	done
	run -0 jq -r '[.api,.status,(.fault//"-")]|join(" ")' req.ndjson
	assert_output "softlayer 500 500
softlayer 502 502
softlayer 503 503
softlayer 504 504
softlayer 429 429
softlayer 500 ratelimit
softlayer 200 errorbody
softlayer 200 -"
	# Bodies and headers, request by request, on a fresh server.
	stop_fake_api
	serve --devices 10 --fault 429:7,nth=1 --fault ratelimit,nth=2 --fault errorbody,nth=3 --fault 503,nth=4
	M=$SL/SoftLayer_Account/getHardware.json
	run -0 curl -sS -D - -u "$(slauth 0)" "$M"
	assert_output --partial "Retry-After: 7"
	assert_output --partial "HTTP/1.1 429"
	run -0 curl -sS -u "$(slauth 0)" "$M"
	assert_output '{"error":"Rate limit of 50 requests for every 1 second(s) exceeded.","code":"SoftLayer_Exception_WebService_RateLimitExceeded"}'
	run -0 curl -sS -w ' %{http_code}' -u "$(slauth 0)" "$M"
	assert_output '{"error":"Internal Error","code":"SoftLayer_Exception_Public"} 200'
	run -0 curl -sS -H "Authorization: Bearer $(sostoken)" "$FAKE_URL/api/v1/inventory/devices?c_code=ALC"
	assert_output --partial "503 Service Unavailable"
}

@test "faults: truncate cuts the body (Content-Length or JSON), total shifts the totals" {
	serve --devices 30 --fault truncate,nth=1,target=softlayer --fault truncate:json,nth=2,target=softlayer \
		--fault total:5,nth=3,target=softlayer --fault total:-2,after=1,target=sos
	M=$SL/SoftLayer_Account/getVirtualGuests.json
	run -18 curl -sS -o /dev/null -u "$(slauth 0)" "$M"
	run -0 bash -c "curl -sS -u '$(slauth 0)' '$M' | jq . >/dev/null 2>&1 || echo cut"
	assert_output cut
	curl -sS -D h -o body -u "$(slauth 0)" "$M"
	n=$(jq length body)
	grep -qi "^SoftLayer-Total-Items: $((n + 5))" h
	S="$FAKE_URL/api/v1/inventory/devices?c_code=ALC"
	t1=$(sos "/api/v1/inventory/devices?c_code=ALC" | jq .total)
	t2=$(sos "/api/v1/inventory/devices?c_code=ALC" | jq .total)
	[[ $t2 -eq $((t1 - 2)) ]]
	ndjq '.fault=="truncate"' '.bytes > 0' req.ndjson
	[[ $(jq -r 'select(.fault!=null)|.fault' req.ndjson | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ') == "total:2 truncate:2 " ]]
}

@test "faults: truncate cuts the gzip bytes when the answer is compressed; the cut is detected" {
	serve --devices 60 --fault truncate,nth=1,target=softlayer --fault truncate:json,nth=2,target=softlayer
	# sorted, so that every answer is the same bytes
	M="$SL/SoftLayer_Account/getVirtualGuests.json?objectFilter={\"virtualGuests\":{\"id\":{\"operation\":\"orderBy\",\"options\":[{\"name\":\"sort\",\"value\":[\"ASC\"]}]}}}"
	# the length is short: curl fails (error 18)
	run -18 curl -sSg --compressed -o /dev/null -u "$(slauth 0)" "$M"
	# the Content-Length matches the half sent: curl (7.88) passes on what
	# inflates, which is not a whole JSON document
	run -0 bash -c "curl -sSg --compressed -u '$(slauth 0)' '$M' | jq . >/dev/null 2>&1 || echo cut"
	assert_output cut
	ndjq '.fault=="truncate"' '.encoding=="gzip" and .bytes > 0' req.ndjson
	# half of the compressed bytes
	run -0 curl -sSg --compressed -o /dev/null -w '%{size_download}' -u "$(slauth 0)" "$M"
	full=$output
	[[ $(jq -s -r 'map(select(.fault=="truncate"))[1].bytes' req.ndjson) -eq $((full / 2)) ]]
}

@test "gzip: SoftLayer and SOS answers compressed when Accept-Encoding allows, the same JSON, fewer bytes" {
	serve --accounts 1 --devices 200 --vlans 20
	M="$SL/SoftLayer_Account/getVirtualGuests.json?objectFilter={\"virtualGuests\":{\"id\":{\"operation\":\"orderBy\",\"options\":[{\"name\":\"sort\",\"value\":[\"ASC\"]}]}}}"
	curl -sSg -u "$(slauth 0)" "$M" >plain.sl
	curl -sSg --compressed -D h -u "$(slauth 0)" "$M" >inflated
	cmp plain.sl inflated
	grep -qix 'Content-Encoding: gzip.' h
	grep -qix 'Vary: Accept-Encoding.' h
	sos /api/v1/inventory/devices?c_code=ALC >plain
	sos /api/v1/inventory/devices?c_code=ALC --compressed >inflated
	cmp plain inflated
	# the log counts the bytes sent: compressed, several times fewer
	[[ $(jq -r .encoding req.ndjson | tr '\n' ' ') == "null gzip null gzip " ]]
	jq -s -e '(.[1].bytes * 3 < .[0].bytes) and (.[3].bytes * 3 < .[2].bytes)' req.ndjson >/dev/null
	# the raw bytes are one whole gzip member of the JSON
	curl -sSg -H 'Accept-Encoding: gzip' -u "$(slauth 0)" "$M" | gzip -dc | cmp - plain.sl
	# Accept-Encoding as RFC 9110 reads it
	local ae want
	while IFS='|' read -r ae want; do
		curl -sSg -D h -o /dev/null -H "Accept-Encoding: $ae" -u "$(slauth 0)" "$M"
		if [[ $want == gzip ]]; then grep -qi '^Content-Encoding: gzip' h; else ! grep -qi '^Content-Encoding' h; fi
		grep -qi '^Vary: Accept-Encoding' h
	done <<-'EOF'
		gzip|gzip
		deflate, gzip;q=0.5|gzip
		X-GZIP|gzip
		*|gzip
		br;q=1, *;q=0.1|gzip
		identity|none
		gzip;q=0|none
		gzip;q=0.000, *|none
		deflate, br|none
	EOF
	# not the alert receivers, not the 502-504 proxy pages
	curl -sS --compressed -D h -o /dev/null -d '{"text":"x"}' "$FAKE_URL/slack/webhook/T/B/x"
	! grep -qi '^Content-Encoding' h
	! grep -qi '^Vary' h
}

@test "faults: expire gives 401 after N requests, per target" {
	serve --devices 10 --fault expire:2,target=sos --fault expire,after=3,target=softlayer
	S="$FAKE_URL/api/v1/inventory/vlans?c_code=ALC"
	A="Authorization: Bearer $(sostoken)"
	[[ "$(status -H "$A" "$S") $(status -H "$A" "$S") $(status -H "$A" "$S") $(status -H "$A" "$S")" == "200 200 401 401" ]]
	run -0 curl -sS -H "$A" "$S"
	assert_output '{"error":{"code":"token_expired","message":"token has expired"}}'
	M=$SL/SoftLayer_Account/getHardware.json
	[[ "$(status -u "$(slauth 0)" "$M") $(status -u "$(slauth 0)" "$M") $(status -u "$(slauth 0)" "$M") $(status -u "$(slauth 0)" "$M")" == "200 200 200 401" ]]
	[[ $(jq -r 'select(.status==401) | .fault' req.ndjson | sort | uniq -c | awk '{print $1, $2}') == "4 expire" ]]
}

@test "faults: latency and stall are logged; a stalled connection is closed unanswered" {
	serve --devices 10 --fault latency:50ms,jitter=20ms,target=sos --fault stall:1,nth=1,target=softlayer
	sos "/api/v1/inventory/vlans?c_code=ALC" > /dev/null
	run -52 curl -sS -o /dev/null -u "$(slauth 0)" "$SL/SoftLayer_Account/getHardware.json"
	[[ $(status -u "$(slauth 0)" "$SL/SoftLayer_Account/getHardware.json") == 200 ]]
	ndjq '.api=="sos"' '.fault=="latency" and .status==200' req.ndjson
	ndjq '.fault=="stall"' '.status==0 and .bytes==0' req.ndjson
}

@test "faults: rate= with the same seed fires on the same requests; count caps them; target=alert" {
	for run in a b; do
		serve --seed 9 --devices 10 --fault 503,rate=0.5,target=sos
		for i in $(seq 12); do
			status -H "Authorization: Bearer $(sostoken)" "$FAKE_URL/api/v1/inventory/vlans?c_code=ALC"
			echo
		done > "$run.codes"
		stop_fake_api
	done
	cmp a.codes b.codes
	grep -q 503 a.codes
	grep -q 200 a.codes
	serve --fault 500,count=2,target=alert --alerts-log al.ndjson
	for i in 1 2 3; do status -d '{"a":1}' "$FAKE_URL/webhook/x"; echo; done > codes
	[[ $(tr '\n' ' ' < codes) == "500 500 200 " ]]
	[[ $(jq -r 'select(.api=="alert")|.fault' req.ndjson | tr '\n' ' ') == "500 500 null " ]]
}

@test "faults: delays do not hold a server thread (8 delayed requests finish together)" {
	serve --devices 10 --fault latency:1s,target=sos
	S="$FAKE_URL/api/v1/inventory/vlans?c_code=ALC"
	# the 8 requests leave together: nothing but curl is started between
	# them (a jq for the token each spread them over a second under load)
	local auth="Authorization: Bearer $(sostoken)"
	pids=()
	for i in $(seq 8); do
		curl -s -o /dev/null -H "$auth" "$S" &
		pids+=($!)
	done
	wait "${pids[@]}"
	# Not a timing assertion: the log's monotonic times say all 8 were
	# answered within the same second as the first one.
	run -0 jq -s '[.[].mono_ms] | (max - min) < 1000' req.ndjson
	assert_output true
}

@test "log: one line per request with the documented fields" {
	serve --devices 10
	sl 0 'SoftLayer_Account/getHardware.json?resultLimit=0,2' > /dev/null
	run -0 jq -c 'del(.wall_ms,.mono_ms)' req.ndjson
	assert_output '{"api":"softlayer","credential":"1000001","method":"GET","path":"/rest/v3.1/SoftLayer_Account/getHardware.json","query":"resultLimit=0,2","status":200,"bytes":'"$(sl 0 'SoftLayer_Account/getHardware.json?resultLimit=0,2' | wc -c)"',"encoding":null,"fault":null}'
	# compressed: the bytes sent
	local n
	n=$(sl 0 'SoftLayer_Account/getVirtualGuests.json?resultLimit=0,3' -H 'Accept-Encoding: gzip' | wc -c)
	run -0 jq -c 'select(.path | endswith("getVirtualGuests.json")) | [.bytes, .encoding]' req.ndjson
	assert_output "[$n,\"gzip\"]"
	[[ $(status "$FAKE_URL/nothing") == 404 ]]
	ndjq '.api=="other"' '.status==404' req.ndjson
}

@test "listen: an explicit loopback port, and [::1] when the host has IPv6" {
	run -0 sosr-fake-api --no-serve --listen 127.0.0.2:0 --truth t
	# A port in use is an error, not a shared port.
	start_fake_api
	run -9 sosr-fake-api --listen "127.0.0.1:$FAKE_PORT"
	assert_output --partial "cannot listen on '127.0.0.1:$FAKE_PORT'; check that the port is free"
	stop_fake_api
	if ! python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
		skip "no IPv6 loopback on this host"
	fi
	sosr-fake-api --listen '[::1]:0' --port-file p6 --credentials c6.json 3>&- &
	FAKE_PID=$!
	for i in $(seq 100); do [[ -s p6 ]] && break; sleep 0.05; done
	[[ $(jq -r .sos.url c6.json) == "http://[::1]:$(cat p6)" ]]
	[[ $(curl -s -o /dev/null -w '%{http_code}' "http://[::1]:$(cat p6)/api/v1/inventory/vlans") == 401 ]]
}

@test "contract: the fetchers reproduce raw/*.ndjson byte for byte through the API, faults and all" {
	serve --seed 5 --accounts 1 --devices 700 --vlans 60 --write-estate e \
		--fault 503,rate=0.05 --fault truncate,rate=0.03,target=softlayer --fault 429:0,nth=2,target=sos
	SL_USERNAME=$(jq -r '.softlayer.accounts[0].username' creds.json) \
	SL_API_KEY=$(jq -r '.softlayer.accounts[0].api_key' creds.json) \
		sosr-fetch-softlayer -q -a 1000001 -e "$SL" --page-size 50 --retry-wait 0.01 > sl.raw
	cmp sl.raw e/raw/softlayer.ndjson
	SOS_TOKEN=$(sostoken) sosr-fetch-sos -q -C ALC -u "$FAKE_URL" --page-size 100 --retry-wait 0.01 > sos.raw
	cmp sos.raw e/raw/sos.ndjson
	# both fetchers took every answer with a body compressed
	ndjq '.status==200 and .fault==null' '.encoding=="gzip"' req.ndjson
}

@test "truth: a hand-written estate with edge cases gives the checked truth" {
	sosr-fake-api --no-serve --estate "$FIXTURES/fake-api/edge" --truth t.ndjson --write-estate e
	cmp "$FIXTURES/fake-api/edge.truth" t.ndjson
	# The unidentified hardware is served with a null hostname.
	ndjq '.type=="hardware" and .data.id==104' '.data.hostname==null and .data.fullyQualifiedDomainName==null' e/raw/softlayer.ndjson
}

@test "truth: sosr-normalize and sosr-diff find exactly the truth (generated and hand-written estates)" {
	sosr-fake-api --no-serve --seed 21 --accounts 3 --devices 3000 --vlans 300 --drift 0.05 --now "$NOW" \
		--write-estate g --truth g.truth
	sosr-fake-api --no-serve --estate "$FIXTURES/fake-api/edge" --write-estate h --truth h.truth
	for x in g h; do
		sosr-normalize "$x/raw/softlayer.ndjson" > "$x.sl"
		sosr-normalize "$x/raw/sos.ndjson" > "$x.sos"
		exits 1 sosr-diff --now 2026-11-26T02:00:00Z "$x.sl" "$x.sos" > "$x.d"
		project_findings "$x.d" | cmp - "$x.truth"
	done
}
