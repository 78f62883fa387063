#!/usr/bin/env bats
# The outputs people look at (issue 13): report.html and report.css,
# report.junit.xml, csv/ (sosr-csv), the SOC 2 mapping in every report, and
# the HTML in a real browser under Jenkins' Content-Security-Policy.  Each
# format against the demo estate and hand-made edge cases: an empty run, an
# incomplete and a suspect run, no findings, hostile strings, byte
# stability.
bats_require_minimum_version 1.5.0
load test_helper

NOW=2026-11-26T06:00:00Z
TRACKED="$ROOT/test/fixtures/outputs/tracked.ndjson"
XSD="$ROOT/test/fixtures/outputs/junit-jenkins.xsd"

# The demo's run, once for the file: sos-reconcile --demo against the
# simulator (4000 devices, 400 VLANs, planted findings of every kind), then
# the new outputs written from its files as the driver writes them.
setup_file() {
	export PATH="$ROOT/bin:$PATH" LC_ALL=C NO_COLOR=1
	DEMO="$BATS_FILE_TMPDIR/demo"
	export DEMO
	sos-reconcile --demo --output "$DEMO" --now "$NOW" >"$BATS_FILE_TMPDIR/demo.out" 2>&1 || [[ $? -eq 1 ]]
	write_outputs "$DEMO" --c-code ALC --started "$NOW" \
		--accounts "$(jq -r '.accounts | join(",")' "$DEMO/manifest.json")"
}

setup() { common_setup; }
teardown() {
	common_teardown
	if [[ -n ${SERVER_PID:-} ]]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
}

# write_outputs DIR RENDER-ARGS...: the files of a complete run, by the
# command lines the driver runs (docs/FORMATS.md section 5).
write_outputs() {
	local dir=$1 rc
	shift
	for fmt in html junit; do
		rc=0
		sosr-render --format "$fmt" "$@" "$dir/discrepancies.ndjson" >"$dir/report.$fmt" || rc=$?
		((rc <= 1)) || return "$rc"
	done
	mv "$dir/report.junit" "$dir/report.junit.xml"
	sosr-render --format css >"$dir/report.css"
	mkdir -p "$dir/csv"
	sosr-csv records "$dir/softlayer.ndjson" >"$dir/csv/softlayer.csv"
	sosr-csv records "$dir/sos.ndjson" >"$dir/csv/sos.csv"
	sosr-csv findings "$dir/discrepancies.ndjson" >"$dir/csv/findings.csv"
}

# csv_rows FILE [JQ-LIKE PYTHON EXPRESSION]: the data rows of a CSV file as
# python's csv module reads them, as JSON lines (one array a row).
csv_json() {
	python3 -c 'import csv, json, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    for row in csv.reader(f):
        print(json.dumps(row))' "$1"
}

# A stream whose values are hostile: markup, quotes, formulas, control
# characters, bidi, a key that is one.
hostile() {
	jq -c 'if .type=="missing_in_sos" then
	         .key="device/<script>alert(1)</script>.example.com"
	         | .softlayer.key=.key
	         | .softlayer.account="\"><img src=x onerror=alert(2)>"
	         | .softlayer.datacenter="=HYPERLINK(\"http://evil.example/\",\"click\")"
	         | .softlayer.status="+cmd|'"'"' /C calc'"'"'!A0"
	         | .softlayer.private_ip="-2+3"
	         | .softlayer.device_type="@SUM(1,2)"
	         | .softlayer.created="\tTAB"
	         | .softlayer.serial="'"'"'quoted"
	         | .softlayer.public_ip="a,b\r\nc \"d\" é\u202e\u0000z"
	       else . end' "$ROOT/test/fixtures/render/findings.ndjson"
}

# ---- report.html ----

@test "html: the demo run: header, verdict, counts as report.json's, one row per finding with its anchor" {
	local html=$DEMO/report.html
	grep -q '^<!DOCTYPE html>$' "$html"
	grep -q '<title>sos-reconcile ALC 2026-11-26T06:00:00Z: SIGNIFICANT</title>' "$html"
	grep -q '<link rel="stylesheet" href="report.css">' "$html"
	grep -q '<dt>C_Code</dt><dd>ALC</dd>' "$html"
	grep -q '<p class="banner significant"><a href="#verdict">VERDICT: SIGNIFICANT</a></p>' "$html"
	grep -q '<li><code>missing_in_sos.device</code>: 30 of ' "$html"
	# every type's row count is report.json's count; each row is anchored
	local t want have
	for t in missing_in_sos missing_in_softlayer mismatch duplicate unidentified pending excluded; do
		want=$(jq ".counts.$t.total" "$DEMO/report.json")
		have=$(grep -c "^<tr id=\"$t/" "$html" || true)
		assert_equal "$t $have" "$t $want"
		grep -q "<section id=\"$t\" class=\"findings[ a-z]*\">" "$html"
	done
	# the counts table says the same
	grep -qF "$(jq -r '.counts.missing_in_sos | "<th scope=\"row\"><a href=\"#missing_in_sos\">missing_in_sos</a></th><td class=\"num\">\(.device)</td><td class=\"num\">\(.vlan)</td><td class=\"num\">\(.unidentified)</td><td class=\"num\">\(.total)</td>"' \
		"$DEMO/report.json")" "$html"
	# a finding's row: the anchor is its id and its link
	local key
	key=$(jq -r 'select(.type=="missing_in_sos" and .kind=="device" and (.unpaired | not)) | .key' "$DEMO/discrepancies.ndjson" | head -1)
	grep -qF "<tr id=\"missing_in_sos/$key\" class=\"\"><th scope=\"row\"><a href=\"#missing_in_sos/$key\">$key</a></th><td>device</td>" "$html"
	# one the identities could not pair says why under its key; one they paired, how
	key=$(jq -r 'select(.type=="missing_in_sos" and .unpaired) | .key' "$DEMO/discrepancies.ndjson" | head -1)
	grep -qF "<a href=\"#missing_in_sos/$key\">$key</a><br><small class=\"explain\">not paired by " "$html"
	key=$(jq -r 'select(.type=="mismatch" and .matched_by=="id") | .key' "$DEMO/discrepancies.ndjson" | head -1)
	grep -qF "<a href=\"#mismatch/$key\">$key</a><br><small class=\"explain\">paired by id " "$html"
	# not tracked (no sosr-track): no lifecycle columns, rather than empty ones
	run -1 grep -F '<th scope="col">Status</th>' "$html"
	grep -qF '<thead><tr><th scope="col">Key</th><th scope="col">Kind</th><th scope="col">SoftLayer record</th></tr></thead>' "$html"
	# the mismatch shows both sides' values of each field
	jq -r 'select(.type=="mismatch") | .fields[0] | "<td>\(.field)</td><td>\(.softlayer // "<span class=\"absent\">absent</span>")</td><td>\(.sos // "<span class=\"absent\">absent</span>")</td>"' \
		"$DEMO/discrepancies.ndjson" | head -3 >want.txt
	while IFS= read -r line; do grep -qF -- "$line" "$html"; done <want.txt
}

@test "html: no script, no inline style, nothing fetched from elsewhere; the stylesheet beside it" {
	local html=$DEMO/report.html
	run -1 grep -iE '<script|<style|style=|javascript:|<iframe|<object|<embed|<img|@import|url\(' "$html"
	# every link and resource is relative, but the SVG namespace (a name, never fetched)
	run -0 bash -c "grep -oE '(href|src)=\"[^\"]*\"' \"\$1\" | grep -vE '^(href|src)=\"(#|report\.|csv/|run\.log|manifest\.json|discrepancies\.ndjson)' || true" _ "$html"
	assert_output ''
	run -0 bash -c "grep -oE 'https?://[^\" ]*' \"\$1\" | grep -vxF 'http://www.w3.org/2000/svg' || true" _ "$html"
	assert_output ''
	# the stylesheet is the same bytes every time, and has no import nor URL
	sosr-render --format css | cmp - "$DEMO/report.css"
	run -1 grep -iE '@import|url\(' "$DEMO/report.css"
	run -2 sosr-render --format css "$TRACKED"
	assert_output --partial "--format css reads no stream"
}

@test "html: values from the inventory render as text, never as markup" {
	hostile >evil.ndjson
	run -1 sosr-render --format html --c-code ALC evil.ndjson
	local html=$output
	refute_output --partial '<script>alert'
	refute_output --partial '<img src=x'
	refute_output --partial $'\u202e'
	assert_output --partial '&lt;script&gt;alert(1)&lt;/script&gt;'
	assert_output --partial '&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'
	# invisible and control characters are shown as report.txt shows them
	assert_output --partial 'a,b\r\nc &quot;d&quot; é\u202e\x00z'
	# the anchor of a hostile key is still one link-safe token
	assert_output --partial '<tr id="missing_in_sos/device/~3Cscript~3Ealert~281~29~3C/script~3E.example.com"'
	# and the page is well-formed enough for an HTML parser to find one table row per finding
	run -0 python3 -c 'import html.parser, sys
class P(html.parser.HTMLParser):
    rows = 0; scripts = 0; styled = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.rows += tag == "tr" and (a.get("id") or "").startswith("missing_in_sos/")
        self.scripts += tag in ("script", "img")
        self.styled += "style" in a
p = P(); p.feed(sys.stdin.read()); print(p.rows, p.scripts, p.styled)' <<<"$html"
	assert_output '1 0 0'
}

@test "html: an incomplete run renders as INCOMPLETE with the failed stage and the runbook's words, never clean" {
	local err='sosr-fetch-sos: error: HTTP 401 from SOS for C_Code ALC: SOS_TOKEN was rejected; check that it is still valid'
	run -0 sosr-render --format html --c-code ALC --started "$NOW" --failure "fetch-sos:3:$err"
	assert_output --partial '<title>sos-reconcile ALC 2026-11-26T06:00:00Z: INCOMPLETE</title>'
	assert_output --partial '<p class="banner incomplete"><a href="#verdict">INCOMPLETE: nothing was reconciled; this run is not clean</a></p>'
	assert_output --partial '<tr><th scope="row">fetch-sos</th><td class="num">3</td><td>credentials rejected</td>'
	assert_output --partial 'docs/RUNBOOK.md, &#8220;Exit 3: credentials rejected (HTTP 401/403)&#8221;'
	refute_output --partial 'not significant'
	refute_output --partial 'class="clean"'
	refute_output --partial '<section id="counts">'
	refute_output --partial 'csv/findings.csv'
	# the suspect run of the drop guard says so
	run -0 sosr-render --format html --c-code ALC --failure 'track:11:sosr-track: error: sos.device dropped from 4000 to 10'
	assert_output --partial '<p class="banner suspect">'
	assert_output --partial '<code>--accept-drop REASON</code>'
}

@test "html: an empty run and a run without findings are not significant, and say so" {
	jq -c 'select(.type=="summary") | .records |= map_values(map_values(0)) | .matched |= map_values(0)
	       | .findings |= map_values(0) | .pending=0 | .excluded=0' "$ROOT/test/fixtures/render/findings.ndjson" >empty.ndjson
	run -0 sosr-render --format html --c-code ALC empty.ndjson
	assert_output --partial '<p class="banner clean"><a href="#verdict">VERDICT: not significant</a></p>'
	assert_output --partial '<dt>SoftLayer</dt><dd>0 devices, 0 VLANs, 0 unidentified</dd>'
	refute_output --partial 'class="findings'
	assert_output --partial '<tfoot><tr><th scope="row">findings</th><td></td><td></td><td></td><td class="num">0</td>'
	jq -c 'select(.type=="pending" or .type=="excluded" or .type=="summary")
	       | if .type=="summary" then .findings |= map_values(0) else . end' "$ROOT/test/fixtures/render/findings.ndjson" >info.ndjson
	run -0 sosr-render --format html info.ndjson
	assert_output --partial 'VERDICT: not significant'
	assert_output --partial '<section id="pending" class="findings info">'
}

@test "html: lifecycle, exceptions, changed values and resolved findings of a tracked stream" {
	run -1 sosr-render --format html -t sla_days=30 "$TRACKED"
	assert_output --partial '<dd>since the run of 2026-11-25T00:00:00Z: <strong>2 new</strong>, 2 recurring, 1 reopened, <strong>1 resolved</strong>; 1 excepted</dd>'
	assert_output --partial '<td rowspan="2"><span class="st">RECURRING</span> <strong class="aged">aged</strong></td><td rowspan="2"><time datetime="2026-10-20T00:00:00Z">2026-10-20</time></td><td class="num" rowspan="2">37</td>'
	assert_output --partial '<td>10.1.2.3 <span class="was">(was 10.1.2.2)</span></td>'
	assert_output --partial '<tr id="unidentified/softlayer/unidentified/softlayer/hardware/7007" class="excepted">'
	assert_output --partial '<span class="exc">EX-7</span> ticket CHG0012345, until <time datetime="2027-01-31T00:00:00Z">2027-01-31</time>'
	assert_output --partial '<tr id="resolved/missing_in_sos/device/gone01.alc.example.com" class="">'
	assert_output --partial '<thead><tr><th scope="col">Key</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">First seen</th><th scope="col">Age (days)</th><th scope="col">Runs</th><th scope="col">Exception</th><th scope="col">Field</th>'
	assert_output --partial '<h2>unidentified (1, 1 excepted)</h2>'
	assert_output --partial '<h3>Expired exceptions: they hide nothing any more (1)</h3>'
	# the excluded record's SOS status is not a lifecycle
	assert_output --partial '<tr id="excluded/device/old01.alc.example.com" class=""><th scope="row"><a href="#excluded/device/old01.alc.example.com">device/old01.alc.example.com</a></th><td>device</td><td>available</td>'
}

@test "html: --html-rows lists the first findings of a type and says where the rest are" {
	run -1 sosr-render --format html --html-rows 10 "$DEMO/discrepancies.ndjson"
	assert_equal "$(grep -c '^<tr id="missing_in_sos/' <<<"$output")" 10
	assert_output --partial '<caption>in SoftLayer, not in SOS: unmonitored; the first 10 by key (all are in <a href="csv/findings.csv">csv/findings.csv</a>'
	run -1 sosr-render --format html --html-rows 0 "$DEMO/discrepancies.ndjson"
	assert_equal "$(grep -c '^<tr id="missing_in_sos/' <<<"$output")" "$(jq .counts.missing_in_sos.total "$DEMO/report.json")"
	run -2 sosr-render --format html --html-rows x "$DEMO/discrepancies.ndjson"
	assert_output --partial "--html-rows: 'x' is not a whole number"
}

# archived_run DIR STAMP MISSING: a complete run in the archive with MISSING
# missing_in_sos devices (report.json as sosr-render writes it).
archived_run() {
	local dir=$1/ALC/$2 n=$3 started
	started=$(sed -E 's/^(....-..-..T..)(..)(..)Z$/\1:\2:\3Z/' <<<"$2")
	mkdir -p "$dir"
	jq -c --argjson n "$n" 'select(.type=="summary") | .findings |= map_values(0) | .findings.missing_in_sos=$n
	                        | .pending=0 | .excluded=0' "$ROOT/test/fixtures/render/findings.ndjson" >"$dir.sum"
	{
		for ((j = 0; j < n; j++)); do
			printf '{"type":"missing_in_sos","kind":"device","key":"device/m%03d","softlayer":{}}\n' "$j"
		done
		cat "$dir.sum"
	} >"$dir.ndjson"
	sosr-render --format json --c-code ALC --started "$started" "$dir.ndjson" >"$dir/report.json" || [[ $? -eq 1 ]]
	rm -f "$dir.sum" "$dir.ndjson"
}

@test "html: the trend of the archive's runs: one point a run, gaps for runs that were not complete" {
	run -1 sosr-render --format html "$TRACKED"
	assert_output --partial 'No trend: no archive of runs is configured (<code>history.dir</code>).'
	mkdir hist
	run -1 sosr-render --format html --history hist --c-code ALC --started "$NOW" "$TRACKED"
	assert_output --partial 'No earlier run of this C_Code in the archive (<code>history.dir</code>) yet'
	# 33 earlier runs from 2026-10-01, one incomplete, one unreadable, one
	# after this run, and "latest" (not runs of the trend)
	local i
	for ((i = 1; i <= 33; i++)); do
		archived_run hist "$(date -u -d "2026-10-01 +$((i - 1)) days" +%Y-%m-%dT060000Z)" "$i"
	done
	mkdir -p hist/ALC/2026-11-20T060000Z hist/ALC/2026-11-21T060000Z hist/ALC/2026-11-27T060000Z
	sosr-render --format json --c-code ALC --started 2026-11-20T06:00:00Z --failure 'fetch-sos:4:down' >hist/ALC/2026-11-20T060000Z/report.json
	echo '{"format":3,' >hist/ALC/2026-11-21T060000Z/report.json
	archived_run hist 2026-11-27T060000Z 99
	# a rerun of the same reference time is named -02 (src/lib/archive.h): a run of the trend
	archived_run hist 2026-11-22T060000Z-02 3
	ln -s 2026-11-27T060000Z hist/ALC/latest
	run -1 sosr-render --format html --history hist --c-code ALC --started "$NOW" "$TRACKED"
	assert_output --partial 'sosr-render: warning: hist/ALC/2026-11-21T060000Z/report.json: '
	assert_output --partial 'the trend shows a gap for this run'
	assert_output --partial 'Open findings per type over the last 30 runs'
	# 30 points: 27 archived complete runs (10-08 to 11-02, 11-22-02), the
	# incomplete, the unreadable, today
	assert_equal "$(grep -c '<circle ' <<<"$output")" $((28 * 5))
	assert_output --partial '<title>2026-11-20T060000Z: incomplete</title>'
	assert_output --partial '<title>2026-11-21T060000Z: unreadable</title>'
	refute_output --partial '2026-11-27T060000Z'
	refute_output --partial '>2026-10-07T060000Z<'
	assert_output --partial '<th scope="row">2026-10-08T060000Z</th><td class="num">8</td>'
	assert_output --partial '<th scope="row">2026-11-22T060000Z-02</th><td class="num">3</td>'
	assert_output --partial '<circle cx="'
	# lines are broken at the runs that were not complete: two segments a type
	assert_equal "$(grep -c '<polyline ' <<<"$output")" 10
	refute_output --partial 'style='
	# the same archive, the same bytes
	sosr-render --format html --history hist --c-code ALC --started "$NOW" "$TRACKED" >a.html 2>/dev/null || true
	sosr-render --format html --history hist --c-code ALC --started "$NOW" <"$TRACKED" >b.html 2>/dev/null || true
	cmp a.html b.html
}

@test "html, junit, csv: the same input gives the same bytes, from a file or standard input" {
	local f
	for f in html junit; do
		sosr-render --format "$f" --c-code ALC --started "$NOW" "$DEMO/discrepancies.ndjson" >a.out || [[ $? -eq 1 ]]
		sosr-render --format "$f" --c-code ALC --started "$NOW" <"$DEMO/discrepancies.ndjson" >b.out || [[ $? -eq 1 ]]
		cmp a.out b.out
	done
	sosr-csv findings "$DEMO/discrepancies.ndjson" >a.csv
	sosr-csv findings - <"$DEMO/discrepancies.ndjson" >b.csv
	cmp a.csv b.csv
	cmp a.csv "$DEMO/csv/findings.csv"
	cat "$DEMO/sos.ndjson" | sosr-csv records | cmp - "$DEMO/csv/sos.csv"
}

# ---- the browser ----

@test "html in headless Chromium under Jenkins' Content-Security-Policy: the DOM, no violation, the stylesheet loaded" {
	local chromium
	chromium=$(command -v chromium || command -v chromium-browser || true)
	[[ -n $chromium ]] || skip "chromium is not installed (scripts/install-deps installs it): the page was not loaded in a browser"
	command -v python3 >/dev/null || skip "python3 is not installed: no server to send the CSP header"
	mkdir site
	cp "$DEMO/report.html" "$DEMO/report.css" site/
	hostile >evil.ndjson
	sosr-render --format html --c-code ALC evil.ndjson >site/evil.html || [[ $? -eq 1 ]]
	# the control: a page with inline styles must show violations, or the check proves nothing
	printf '<!DOCTYPE html><html><head><style>p{color:red}</style></head><body><p style="color:blue">x</p></body></html>\n' >site/control.html
	python3 "$ROOT/test/fixtures/outputs/csp-server.py" site port 120 2>server.log 3>&- &
	SERVER_PID=$!
	local j
	for ((j = 0; j < 100; j++)); do [[ -s port ]] && break; sleep 0.05; done
	local url="http://127.0.0.1:$(<port)"
	run -0 curl -sI "$url/report.html"
	assert_output --partial "Content-Security-Policy: sandbox; default-src 'none'; img-src 'self'; style-src 'self';"
	# headless as root needs --no-sandbox (the browser's, not the page's CSP sandbox)
	local -a browse=("$chromium" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions
		--user-data-dir="$BATS_TEST_TMPDIR/profile" --enable-logging=stderr --v=0)
	"${browse[@]}" --dump-dom "$url/control.html" >control.dom 2>control.err 3>&-
	grep -q 'violates the following Content Security Policy directive' control.err
	"${browse[@]}" --dump-dom "$url/report.html" >report.dom 2>report.err 3>&-
	run -1 grep -i 'Content Security Policy' report.err
	# the rendered DOM: the counts, a finding's row, the trend-less page's sections
	grep -q '<p class="banner significant"><a href="#verdict">VERDICT: SIGNIFICANT</a></p>' report.dom
	grep -q '<th scope="row"><a href="#missing_in_sos">missing_in_sos</a></th><td class="num">30</td>' report.dom
	local key
	key=$(jq -r 'select(.type=="missing_in_sos") | .key' "$DEMO/discrepancies.ndjson" | head -1)
	grep -qF "<tr id=\"missing_in_sos/$key\"" report.dom
	assert_equal "$(grep -o '<tr id="mismatch/' report.dom | wc -l)" "$(jq .counts.mismatch.total "$DEMO/report.json")"
	# the stylesheet was fetched (a blocked one would not be) and nothing else was
	grep -q '"GET /report.css HTTP/1.1" 200' server.log
	# (the browser asks for /favicon.ico by itself: a 404, nothing the page asked for)
	run -1 grep -vE '"GET /(report\.html|report\.css|control\.html|evil\.html) HTTP/1\.1" 200|"HEAD /report\.html|"GET /favicon\.ico |code 404, message File not found' server.log
	# the hostile page: no element from the values, no violation
	"${browse[@]}" --dump-dom "$url/evil.html" >evil.dom 2>evil.err 3>&-
	run -1 grep -i 'Content Security Policy' evil.err
	run -1 grep -E '<script|<img' evil.dom
	grep -qF '&lt;script&gt;alert(1)&lt;/script&gt;' evil.dom
}

# ---- report.junit.xml ----

@test "junit: the demo run is valid against the schema Jenkins reads; a testcase per rule and class" {
	local xml=$DEMO/report.junit.xml
	xmllint --noout --schema "$XSD" "$xml"
	# the rules of report.json's thresholds, then new and sla_days, then the five classes, and the run
	assert_equal "$(xmllint --xpath 'count(//testcase[@classname="sos-reconcile.ALC.rules"])' "$xml")" \
		$(($(jq '.thresholds | length' "$DEMO/report.json")))
	assert_equal "$(xmllint --xpath 'count(//testcase[@classname="sos-reconcile.ALC.findings"])' "$xml")" 5
	assert_equal "$(xmllint --xpath 'count(//testcase[@classname="sos-reconcile.ALC"][@name="run"][not(*)])' "$xml")" 1
	# a failure per rule that fired, and per class with a rule that fired
	local fired classes
	fired=$(jq '.verdict.reasons | length' "$DEMO/report.json")
	classes=$(jq '[.verdict.reasons[].class] | unique | length' "$DEMO/report.json")
	assert_equal "$(xmllint --xpath 'count(//testcase[@classname="sos-reconcile.ALC.rules"]/failure)' "$xml")" "$fired"
	assert_equal "$(xmllint --xpath 'string(/testsuites/testsuite/@failures)' "$xml")" $((fired + classes))
	assert_equal "$(xmllint --xpath 'string(/testsuites/testsuite/@errors)' "$xml")" 0
	assert_equal "$(xmllint --xpath 'string(//testcase[@name="missing_in_sos.device"]/failure/@message)' "$xml")" \
		"$(jq -r '.verdict.reasons[0] | "missing_in_sos.device: \(.count) of \(.inventory) (\(.count * 1000 / .inventory | round / 10)%) reached the threshold 1"' "$DEMO/report.json")"
	# the keys of the findings that count, every one of them (30 is under the bound)
	jq -r 'select(.type=="missing_in_sos" and .kind=="device") | "  " + .key' "$DEMO/discrepancies.ndjson" >want.txt
	xmllint --xpath 'string(//testcase[@name="missing_in_sos.device"]/failure)' "$xml" | sed '1d;/^$/d' >have.txt
	diff want.txt have.txt
	assert_equal "$(xmllint --xpath 'string(//property[@name="soc2.control.CC6.1"]/@value)' "$xml" | cut -c1-40)" \
		'Information assets are identified and in'
	assert_equal "$(xmllint --xpath 'string(/testsuites/testsuite/@timestamp)' "$xml")" '2026-11-26T06:00:00'
}

@test "junit: an incomplete run is an error naming the failed stage and the runbook's heading; rules skipped" {
	local err='sosr-fetch-sos: error: HTTP 401 from SOS for C_Code ALC: SOS_TOKEN was rejected; check that it is still valid'
	sosr-render --format junit --c-code ALC --failure "fetch-sos:3:$err" --failure 'fetch-softlayer:4:x <&> y' >inc.xml
	xmllint --noout --schema "$XSD" inc.xml
	assert_equal "$(xmllint --xpath 'string(//testcase[@name="run"]/error/@message)' inc.xml)" \
		'fetch-sos exited 3 (credentials rejected): the run is INCOMPLETE, nothing was reconciled'
	run -0 xmllint --xpath 'string(//testcase[@name="run"]/error)' inc.xml
	assert_line "  $err"
	assert_line '  What to check: docs/RUNBOOK.md, “Exit 3: credentials rejected (HTTP 401/403)”'
	assert_line '  x <&> y'
	assert_equal "$(xmllint --xpath 'string(/testsuites/testsuite/@errors)' inc.xml)" 1
	assert_equal "$(xmllint --xpath 'count(//testcase/failure)' inc.xml)" 0
	assert_equal "$(xmllint --xpath 'count(//testcase[skipped])' inc.xml)" \
		"$(xmllint --xpath 'string(/testsuites/testsuite/@skipped)' inc.xml)"
	run -0 xmllint --xpath 'string(//testcase[@name="mismatch.device"]/skipped/@message)' inc.xml
	assert_output 'not evaluated: the run reconciled nothing'
	# every heading named is one of docs/RUNBOOK.md
	local code heading
	for code in 2 3 4 5 6 7 8 9 10 11 130; do
		heading=$(sosr-render --format junit --failure "x:$code:y" | xmllint --xpath 'string(//error)' - | sed -n 's/.*docs\/RUNBOOK.md, “\(.*\)”$/\1/p')
		grep -qxF "## $heading" "$ROOT/docs/RUNBOOK.md"
	done
}

@test "junit: no findings passes every test; hostile keys are escaped; the named keys are bounded" {
	jq -c 'select(.type=="summary") | .findings |= map_values(0) | .pending=0 | .excluded=0' \
		"$ROOT/test/fixtures/render/findings.ndjson" >empty.ndjson
	run -0 sosr-render --format junit --c-code ALC empty.ndjson
	xmllint --noout --schema "$XSD" - <<<"$output"
	assert_output --partial '<testsuite name="sos-reconcile.ALC" tests="17" failures="0" errors="0" skipped="2"'
	hostile >evil.ndjson
	sosr-render --format junit evil.ndjson >evil.xml || [[ $? -eq 1 ]]
	xmllint --noout --schema "$XSD" evil.xml
	assert_equal "$(xmllint --xpath 'string(//testcase[@name="missing_in_sos.device"]/failure)' evil.xml | sed -n 2p)" \
		'  device/<script>alert(1)</script>.example.com'
	# 60 findings of one rule: 50 keys named, and the count of the rest
	{
		for ((j = 0; j < 60; j++)); do printf '{"type":"missing_in_sos","kind":"device","key":"device/m%03d","softlayer":{}}\n' "$j"; done
		jq -c '.findings |= map_values(0) | .findings.missing_in_sos=60 | .pending=0 | .excluded=0' <(grep '"summary"' "$ROOT/test/fixtures/render/findings.ndjson")
	} >many.ndjson
	sosr-render --format junit many.ndjson >many.xml || [[ $? -eq 1 ]]
	run -0 xmllint --xpath 'string(//testcase[@name="missing_in_sos.device"]/failure)' many.xml
	assert_line --index 0 'The missing_in_sos findings that count toward the rule: 60, the first by key:'
	assert_line '  device/m049'
	refute_line '  device/m050'
	assert_line '  ... and 10 more: report.html, report.json and csv/findings.csv list them all'
}

@test "junit: the lifecycle rules new and sla_days, and an excepted finding counts toward none" {
	sosr-render --format junit -t sla_days=30 -t new=1 "$TRACKED" >t.xml || [[ $? -eq 1 ]]
	xmllint --noout --schema "$XSD" t.xml
	run -0 xmllint --xpath 'string(//testcase[@name="sla_days"]/failure)' t.xml
	assert_line '  device/db02.alc.example.com'
	run -0 xmllint --xpath 'string(//testcase[@name="new"]/failure/@message)' t.xml
	assert_output 'new: 3 new or reopened of 111 (2.7%) reached the threshold 1'
	run -0 xmllint --xpath 'string(//testcase[@name="unidentified"][@classname="sos-reconcile.UNKNOWN.rules"])' t.xml
	assert_output ''
	sosr-render --format junit "$TRACKED" >off.xml || [[ $? -eq 1 ]]
	assert_equal "$(xmllint --xpath 'string(//testcase[@name="sla_days"]/skipped/@message)' off.xml)" \
		'the rule is off (thresholds.sla_days)'
}

# ---- csv/ ----

@test "csv: the demo's populations and findings: a header, one row per record, the report's counts" {
	local side
	for side in softlayer sos; do
		csv_json "$DEMO/csv/$side.csv" >rows.json
		assert_equal "$(head -1 rows.json)" '["key", "kind", "source", "account", "c_code", "id", "fqdn", "hostname", "domain", "private_ip", "public_ip", "datacenter", "serial", "device_type", "number", "router", "space", "name", "status", "created", "updated", "application", "environment", "scan_zone", "reason", "raw_type"]'
		assert_equal "$(($(wc -l <rows.json) - 1))" "$(jq "[.summary.records.$side[]] | add" "$DEMO/report.json")"
		# per kind, as the summary counts them
		assert_equal "$(sed 1d rows.json | jq -s -c -S 'group_by(.[1]) | map({(.[0][1]): length}) | add')" \
			"$(jq -c -S ".summary.records.$side | with_entries(select(.value > 0))" "$DEMO/report.json")"
		# the values are the canonical records' (a sample)
		assert_equal "$(sed -n 2p rows.json | jq -r '.[0]')" "$(head -1 "$DEMO/$side.ndjson" | jq -r .key)"
	done
	# RFC 4180: CRLF after every record
	assert_equal "$(grep -c $'\r$' "$DEMO/csv/sos.csv")" "$(wc -l <"$DEMO/csv/sos.csv")"
	csv_json "$DEMO/csv/findings.csv" >f.json
	local t
	for t in missing_in_sos missing_in_softlayer mismatch duplicate unidentified pending excluded; do
		assert_equal "$t $(sed 1d f.json | jq -r '.[1]' | grep -cx "$t" || true)" "$t $(jq ".counts.$t.total" "$DEMO/report.json")"
	done
	assert_equal "$(sed 1d f.json | jq -r 'select(.[2]=="finding")' | jq -s length)" "$(jq .counts.findings "$DEMO/report.json")"
	# the id is the HTML report's anchor
	local id
	id=$(sed -n 2p f.json | jq -r '.[0]')
	grep -qF "<tr id=\"$id\"" "$DEMO/report.html"
	# a mismatch row has both sides' values
	sed 1d f.json | jq -r 'select(.[1]=="mismatch") | .[19]' | head -1 | grep -qE '^[a-z_]+: softlayer .*, sos .*'
}

@test "csv: hostile values round-trip, and none can run as a formula" {
	hostile >evil.ndjson
	sosr-csv findings evil.ndjson >f.csv
	jq -c 'select(.type=="missing_in_sos") | .softlayer' evil.ndjson >rec.ndjson
	sosr-csv records rec.ndjson >r.csv
	# python's csv reads back every value; removing one leading quote gives the original
	run -0 python3 -c 'import csv, json, sys
rec = json.loads(open("rec.ndjson").read())
rows = list(csv.reader(open("r.csv", newline="", encoding="utf-8")))
head, row = rows[0], rows[1]
bad = []
for name, cell in zip(head, row):
    want = rec.get(name)
    want = "" if want is None else str(want)
    if cell[:1] and cell[:1] in "=+-@\t\r":
        bad.append(name + " starts a formula: " + repr(cell))
    got = cell[1:] if cell.startswith("\x27") else cell
    if got != want:
        bad.append(name + ": " + repr(got) + " != " + repr(want))
print("\n".join(bad) or "ok", len(rows))'
	assert_output 'ok 2'
	# the neutralised cells as a spreadsheet sees them
	run -0 python3 -c 'import csv; r = list(csv.reader(open("r.csv", newline="", encoding="utf-8")))[1]; print(r[11]); print(r[18]); print(r[9]); print(r[12])'
	assert_line --index 0 "'=HYPERLINK(\"http://evil.example/\",\"click\")"
	assert_line --index 1 "'+cmd|' /C calc'!A0"
	assert_line --index 2 "'-2+3"
	assert_line --index 3 "''quoted"
	# the findings file too: the key cell and the id
	run -0 python3 -c 'import csv; r = list(csv.reader(open("f.csv", newline="", encoding="utf-8")))[1]; print(r[0]); print(r[4])'
	assert_line --index 0 'missing_in_sos/device/~3Cscript~3Ealert~281~29~3C/script~3E.example.com'
	assert_line --index 1 'device/<script>alert(1)</script>.example.com'
}

@test "csv: refused input names the file and line; an empty population is a header alone" {
	printf '{"key":"device/a","kind":"device","fqdn":"a","source":"softlayer","colour":"red"}\n' >odd.ndjson
	run -7 sosr-csv records odd.ndjson
	assert_output "sosr-csv: error: odd.ndjson:1: 'colour' is not a field of a canonical record (docs/FORMATS.md, section 2); check that the input is sosr-normalize's output, of the same version"
	printf '{"key":"device/a","kind":"device"\n' >bad.ndjson
	run -7 sosr-csv records bad.ndjson
	assert_output --partial 'sosr-csv: error: bad.ndjson:1: '
	grep -v '"summary"' "$ROOT/test/fixtures/render/findings.ndjson" >cut.ndjson
	run -7 sosr-csv findings cut.ndjson
	assert_output "sosr-csv: error: cut.ndjson: no summary line at the end of the findings stream (7 lines): it was cut short; check that sosr-diff (or sosr-track) finished"
	{ sed 1d "$ROOT/test/fixtures/render/findings.ndjson"; } >short.ndjson
	run -7 sosr-csv findings short.ndjson
	assert_output --partial "short.ndjson: the summary counts 1 missing_in_sos records but the stream has 0"
	: >empty.ndjson
	run -0 sosr-csv records empty.ndjson
	assert_output --partial 'key,kind,source,account,c_code,id,'
	assert_equal "${#lines[@]}" 1
	run -2 sosr-csv
	assert_output --partial 'a command is required: records or findings'
	run -2 sosr-csv rows x
	assert_output --partial "'rows' is not a command; use records or findings"
	run -9 sosr-csv records nonexistent.ndjson
	assert_output --partial 'sosr-csv: error: nonexistent.ndjson: cannot open: No such file or directory'
	run -0 sosr-csv --help
	assert_output --partial 'Exit status:'
	run -0 sosr-csv --version
	assert_output --regexp '^sosr-csv \(sos-reconcile\) [0-9]'
	if [[ -w /dev/full ]]; then
		run -9 bash -c 'sosr-csv findings "$1" >/dev/full' _ "$TRACKED"
		assert_output --partial 'sosr-csv: error: cannot write'
	fi
}

# ---- SOC 2 ----

@test "soc2: the default controls, and the configured ones with the audit period and evidence, in every report" {
	run -1 sosr-render "$TRACKED"
	assert_line --partial 'SOC 2      CC6.1 Information assets are identified and inventoried'
	assert_line --partial '           CC7.1 Unknown or unauthorized components are detected'
	assert_line 'Period     audit period not configured (soc2.period); this run is evidence of 2026-11-26T00:00:00Z'
	cat >job.json <<-'EOF'
	{ "c_code": "ALC", "history": { "dir": "/var/lib/sos-reconcile" },
	  "soc2": { "controls": [ { "id": "CC6.1", "text": "Asset inventory <reconciled> daily" },
	                          { "id": "A1.2", "text": "Capacity & monitoring" } ],
	            "period": { "start": "2026-01-01", "end": "2026-12-31" } } }
	EOF
	run -1 sosr-render --config job.json --started "$NOW" "$TRACKED"
	assert_line 'SOC 2      CC6.1 Asset inventory <reconciled> daily'
	assert_line '           A1.2 Capacity & monitoring'
	assert_line 'Period     audit period 2026-01-01 to 2026-12-31; this run is evidence of 2026-11-26T06:00:00Z'
	# folded at 100 columns, as every line of report.txt
	assert_line 'Evidence   the archive (history.dir): ALC/2026-11-26T000000Z/ (this run: raw/*.ndjson.gz,'
	assert_line '           manifest.json)'
	run -1 sosr-render --format json --config job.json --started "$NOW" "$TRACKED"
	assert_equal "$(jq -c .soc2 <<<"$output")" '{"controls":[{"id":"CC6.1","text":"Asset inventory <reconciled> daily"},{"id":"A1.2","text":"Capacity & monitoring"}],"period":{"start":"2026-01-01","end":"2026-12-31"},"evidence_location":"the archive (history.dir): ALC/2026-11-26T000000Z/ (this run: raw/*.ndjson.gz, manifest.json)"}'
	run -1 sosr-render --format html --config job.json --started "$NOW" "$TRACKED"
	assert_output --partial '<dt>CC6.1</dt><dd>Asset inventory &lt;reconciled&gt; daily</dd>'
	assert_output --partial '<dt>Audit period</dt><dd>2026-01-01 to 2026-12-31</dd>'
	run -1 sosr-render --format junit --config job.json --started "$NOW" "$TRACKED"
	assert_output --partial '<property name="soc2.control.A1.2" value="Capacity &amp; monitoring"/>'
	assert_output --partial '<property name="soc2.period" value="2026-01-01 to 2026-12-31"/>'
	# evidence_location as configured, in an incomplete run's reports too
	jq '.soc2.evidence_location = "Jenkins archive of job sos-reconcile-ALC"' job.json >loc.json
	run -0 sosr-render --config loc.json --failure 'fetch-sos:3:x'
	assert_line 'Evidence   Jenkins archive of job sos-reconcile-ALC'
}

@test "soc2: a bad section is a configuration error naming the key" {
	local -a bad=(
		'{"controls": []}|soc2.controls: empty; leave the key out for the defaults (CC6.1, CC7.1)'
		'{"controls": [{"id": "CC6.1"}]}|soc2.controls[0]: a control needs an id and a text'
		'{"controls": [{"id": "X", "text": "a"}, {"id": "X", "text": "b"}]}|soc2.controls[1]: the id '"'X'"' is given twice'
		'{"controls": [{"id": "X", "text": "a\nb"}]}|soc2.controls[0].text: has a control character (byte 0x0a); write it on one line'
		'{"controls": [{"id": "X", "text": "a", "ref": 1}]}|soc2.controls[0].ref: unknown key'
		'{"period": {"start": "2026-13-01", "end": "2026-12-31"}}|soc2.period.start: '"'2026-13-01'"' is not a date like 2026-01-01'
		'{"period": {"start": "2026-12-31", "end": "2026-01-01"}}|soc2.period: the start 2026-12-31 is after the end 2026-01-01'
		'{"period": {"start": "2026-01-01"}}|soc2.period.end: missing; the audit period has a start and an end (YYYY-MM-DD)'
		'{"evidence": "x"}|soc2.evidence: unknown key'
	)
	local case section want
	for case in "${bad[@]}"; do
		section=${case%%|*} want=${case#*|}
		printf '{"soc2": %s}\n' "$section" >bad.json
		run -2 sosr-render --config bad.json "$TRACKED"
		assert_output --partial "sosr-render: error: bad.json: $want"
	done
}
