#!/usr/bin/env bats
# The shared library (src/lib/), driven through build/test/lib-test.
bats_require_minimum_version 1.5.0
load test_helper

setup() {
	common_setup
	LIBTEST="$ROOT/build/test/lib-test"
}
teardown() { common_teardown; }

# --- ndjson.h -------------------------------------------------------------

@test "ndjson: reads objects from a file, from - and from a pipe" {
	printf '{"a":1}\n{"a":1,"b":2}\n' > in.ndjson
	run -0 "$LIBTEST" ndjson in.ndjson
	assert_output $'1 1\n2 2'
	run -0 "$LIBTEST" ndjson - < in.ndjson
	assert_output $'1 1\n2 2'
	run -0 bash -c "cat in.ndjson | '$LIBTEST' ndjson -"
	assert_output $'1 1\n2 2'
}

@test "ndjson: an empty stream is zero records, not an error" {
	: > empty.ndjson
	run -0 "$LIBTEST" ndjson empty.ndjson
	assert_output ''
}

@test "ndjson: each malformed line is fatal with file:line and exit 7" {
	local -a inputs=(
		'{"a":1}\n{"a":'                 # cut mid-object, no newline
		'{"a":1}\n{"a":1}'               # last line without newline
		'{"a":1}\n\n'                    # blank line
		'{"a":1}\n{"a":1}x\n'            # trailing garbage
		'{"a":1}\n[1,2]\n'               # not an object
		'{"a":1}\n{"a":"\xff"}\n'        # invalid UTF-8
		'{"a":1}\n{"a":\x00}\n'          # NUL byte
		"{\"a\":1}\n{'a':1}\n"           # single quotes
		'{"a":1}\n{"a":1,}\n'            # trailing comma
	)
	local -a reasons=(
		'last line has no newline'
		'last line has no newline'
		'blank line'
		'invalid JSON at byte 8'
		'line is JSON but not an object'
		'invalid JSON at byte 7: invalid utf-8'
		'NUL byte'
		'invalid JSON at byte 2: single-quoted string'
		'invalid JSON'
	)
	# (not "i": bats' run clobbers a global of that name)
	local n
	for n in "${!inputs[@]}"; do
		printf "${inputs[$n]}" > bad.ndjson
		run -7 "$LIBTEST" ndjson bad.ndjson
		assert_output --partial "lib-test: error: bad.ndjson:2: ${reasons[$n]}"
	done
}

@test "ndjson: nesting past the limit is refused" {
	local deep
	deep=$(printf '{"a":%.0s' {1..40})1$(printf '}%.0s' {1..40})
	printf '%s\n' "$deep" > deep.ndjson
	run -7 "$LIBTEST" ndjson deep.ndjson
	assert_output --partial 'deep.ndjson:1: JSON nested deeper than 32 levels'
}

@test "ndjson: a line past the cap is refused, a line at the cap is read" {
	printf '{"a":"%s"}\n' "$(printf 'x%.0s' {1..100})" > long.ndjson
	run -0 "$LIBTEST" ndjson long.ndjson 108
	run -7 "$LIBTEST" ndjson long.ndjson 107
	assert_output --partial 'long.ndjson:1: line longer than the cap of 107 bytes'
}

@test "ndjson: lines longer than the 1 MiB read block are read whole" {
	python3 -c 'import json; print(json.dumps({"a": "y" * 3000000})); print("{}")' > big.ndjson
	run -0 "$LIBTEST" ndjson big.ndjson
	assert_output $'1 1\n2 0'
}

@test "ndjson: a missing file is an I/O error naming it" {
	run -9 "$LIBTEST" ndjson nope.ndjson
	assert_output --partial 'lib-test: error: nope.ndjson:0: cannot open: No such file or directory'
}

# --- output.h -------------------------------------------------------------

@test "output: a full disk is a failure with exit 9, not a silent truncation" {
	run -9 bash -c "'$LIBTEST' write 100000 > /dev/full"
	assert_output --partial 'lib-test: error: cannot write standard output; check free space on the output disk: No space left on device'
}

@test "output: a reader that goes away ends the filter quietly by SIGPIPE" {
	run -0 bash -c "'$LIBTEST' write 1000000 2>err | head -1 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_output 141
	[[ ! -s err ]]
}

@test "output: SIGPIPE ignored by the parent still ends the filter quietly" {
	run -0 bash -c "trap '' PIPE; '$LIBTEST' write 1000000 2>err | head -1 >/dev/null; echo \${PIPESTATUS[0]}"
	assert_output 141
	[[ ! -s err ]]
}

# --- secret.h -------------------------------------------------------------

@test "secret: from the variable, removed from the environment after reading" {
	CANARY_SECRET=canary-7f3a9 run -0 "$LIBTEST" secret CANARY_SECRET
	assert_output 'len=12 env=cleared'
}

@test "secret: from NAME_FILE, one trailing newline dropped" {
	printf 'canary-7f3a9\n' > s.txt
	CANARY_SECRET_FILE=s.txt run -0 "$LIBTEST" secret CANARY_SECRET
	assert_output 'len=12 env=cleared'
}

@test "secret: unset is reported as unset" {
	run -0 "$LIBTEST" secret CANARY_SECRET
	assert_output unset
}

@test "secret: both set, empty, or an unreadable file is an error that never prints the value" {
	printf 'canary-7f3a9\n' > s.txt
	CANARY_SECRET=canary-7f3a9 CANARY_SECRET_FILE=s.txt run -2 "$LIBTEST" secret CANARY_SECRET
	assert_output --partial 'error: both CANARY_SECRET and CANARY_SECRET_FILE are set'
	refute_output --partial canary-7f3a9
	CANARY_SECRET= run -2 "$LIBTEST" secret CANARY_SECRET
	assert_output --partial 'error: CANARY_SECRET is set but empty'
	CANARY_SECRET_FILE=missing.txt run -2 "$LIBTEST" secret CANARY_SECRET
	assert_output --partial "error: cannot read the secret file for CANARY_SECRET 'missing.txt'"
	: > empty.txt
	CANARY_SECRET_FILE=empty.txt run -2 "$LIBTEST" secret CANARY_SECRET
	assert_output --partial 'is empty'
	printf 'canary-7f3a9\nsecond line\n' > two.txt
	CANARY_SECRET_FILE=two.txt run -2 "$LIBTEST" secret CANARY_SECRET
	assert_output --partial 'not one line of text'
	refute_output --partial canary-7f3a9
}

# --- cli.h ----------------------------------------------------------------

@test "cli: numbers are validated, never atoi'd" {
	run -0 "$LIBTEST" number 8 1 64
	assert_output 8
	local bad
	for bad in 0 65 abc 8x '' ' 8' +8 99999999999999999999; do
		run -2 "$LIBTEST" number "$bad" 1 64
		assert_output --partial "lib-test: error: --number: '$bad' is"
		assert_output --partial "Try 'lib-test --help'"
	done
}

@test "cli: durations take ms, s, m, h and d" {
	run -0 "$LIBTEST" duration 48h
	assert_output 172800
	run -0 "$LIBTEST" duration 250ms
	assert_output 0.25
	run -0 "$LIBTEST" duration 1.5
	assert_output 1.5
	run -0 "$LIBTEST" duration 2d
	assert_output 172800
	run -2 "$LIBTEST" duration 10w
	assert_output --partial "unknown unit"
	run -2 "$LIBTEST" duration -5s
	assert_output --partial "is not a duration"
}

# --- jsonw.h and buf.h ----------------------------------------------------

@test "jsonw: escapes quotes, backslashes and control bytes, keeps / and UTF-8" {
	run -0 "$LIBTEST" jsonw $'a"b\\c/d\te\x01f\xc3\xa9'
	assert_output '"a\"b\\c/d\te\u0001fé"'
}

@test "buf: appending past the cap fails and leaves the buffer as it was" {
	run -0 "$LIBTEST" buf-cap 5 hello
	assert_output 'ok len=5'
	run -0 "$LIBTEST" buf-cap 4 hello
	assert_output 'capped len=0'
}

@test "http: a URL for the log keeps the paging and loses userinfo and every secret-looking query value" {
	run -0 "$LIBTEST" url-for-log 'https://jenkins:CANARY-PW@sos.example.com/api/v1/devices?c_code=ALC&offset=500&limit=500&api_key=CANARY-K&Token=CANARY-T&X-Signature=CANARY-S&sessionid=CANARY-SID&objectMask=mask%5Bid%5D#frag'
	assert_line --index 0 'https://sos.example.com/api/v1/devices?c_code=ALC&offset=500&limit=500&api_key=REDACTED&Token=REDACTED&X-Signature=REDACTED&sessionid=REDACTED&objectMask=mask%5Bid%5D'
	assert_line --index 1 'https://sos.example.com/api/v1/devices'
	refute_output --partial CANARY
	run -0 "$LIBTEST" url-for-log 'http://127.0.0.1:8080/rest/v3.1/SoftLayer_Account/getHardware.json'
	assert_line --index 0 'http://127.0.0.1:8080/rest/v3.1/SoftLayer_Account/getHardware.json'
}
