#!/usr/bin/env bats
# sosr-normalize within a memory budget (--memory, normalize.memory): past
# it, sorted runs are spilled to unlinked files in TMPDIR and merged at the
# end.  The output is the same bytes for any budget, errors are the same,
# and a TMPDIR that cannot take the runs is exit 9.
#
# The smallest budget, 1M, makes runs of well under 1 MiB: the inputs below
# (built with awk) give dozens of runs, more than the merge takes at once,
# so the runs are merged in two passes.  A full directory is the LD_PRELOAD
# shim of test/write-failures.bats (build/test/enospc-shim.so), which also
# counts the files made in it.
bats_require_minimum_version 1.5.0
load test_helper

setup() { common_setup; }
teardown() { common_teardown; }

SHIM="$BATS_TEST_DIRNAME/../build/test/enospc-shim.so"

# gen N [DUP] - N raw SOS records in no particular key order: devices
# (some with upper-case names, every 97th with a short name), a VLAN every
# 50th; with DUP, every 10th record is a device named dup.example.com whose
# lines differ (one address each), and every 20th is the same line again.
gen() {
	awk -v n="$1" -v dup="${2:-0}" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = (i * 7919) % n
			if (dup && i % 20 == 0)
				printf "{\"source\":\"sos\",\"c_code\":\"ALC\",\"type\":\"device\",\"data\":{\"hostname\":\"dup\",\"domain\":\"example.com\",\"ip_address\":\"10.9.9.9\"}}\n"
			else if (dup && i % 10 == 0)
				printf "{\"source\":\"sos\",\"c_code\":\"ALC\",\"type\":\"device\",\"data\":{\"hostname\":\"dup\",\"domain\":\"example.com\",\"ip_address\":\"10.%d.%d.%d\"}}\n", k % 200, (k * 3) % 250, (k * 7) % 250
			else if (i % 50 == 0)
				printf "{\"source\":\"sos\",\"c_code\":\"ALC\",\"type\":\"vlan\",\"data\":{\"router\":\"bcr%02d.dal10\",\"vlan_number\":%d,\"datacenter\":\"dal10\"}}\n", k % 40, k
			else
				printf "{\"source\":\"sos\",\"c_code\":\"ALC\",\"type\":\"device\",\"data\":{\"hostname\":\"%s%d%s\",\"domain\":\"alc.example.com\",\"ip_address\":\"10.%d.%d.%d\",\"datacenter\":\"DAL%02d\",\"status\":\"Live\"}}\n", (k % 3 ? "web" : "WEB"), k, (i % 97 ? "" : "x"), k % 250, (k / 250) % 250, i % 250, k % 13
		}
	}'
}

# in_tmp SKIP CMD... - run CMD with TMPDIR=$PWD/tmp (made here), full after
# SKIP files made in it (a large SKIP: never full, the files only counted
# in $BATS_TEST_TMPDIR/enospc.count).
in_tmp() {
	local skip=$1
	shift
	[[ -f $SHIM ]] || fail "$SHIM is missing: run make test (it builds the shim)"
	mkdir -p "$BATS_TEST_TMPDIR/tmp"
	TMPDIR=$BATS_TEST_TMPDIR/tmp LD_PRELOAD=$SHIM ENOSPC_DIR=$BATS_TEST_TMPDIR/tmp ENOSPC_SKIP=$skip \
		ENOSPC_COUNTER=$BATS_TEST_TMPDIR/enospc.count \
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$@"
}

# files_made - how many files the program made in tmp/ (see in_tmp).
files_made() {
	if [[ -f $BATS_TEST_TMPDIR/enospc.count ]]; then stat -c %s "$BATS_TEST_TMPDIR/enospc.count"; else echo 0; fi
}

@test "--help and the man page describe --memory; bad values are usage errors (exit 2)" {
	run -0 sosr-normalize --help
	assert_output --partial '--memory SIZE'
	assert_output --partial 'TMPDIR'
	grep -q 'memory' "$ROOT/docs/man/sosr-normalize.1"
	run -2 sosr-normalize --memory abc /dev/null
	assert_output --partial "sosr-normalize: error: --memory: 'abc' is not a size (like 256M or 1G)"
	run -2 sosr-normalize --memory 64X /dev/null
	assert_output --partial "--memory: '64X' has an unknown unit (use K, M, G or T, like 256M)"
	run -2 sosr-normalize --memory 512K /dev/null
	assert_output --partial "--memory: '512K' is less than 1M, the least it takes"
	run -2 sosr-normalize --memory 0 /dev/null
	assert_output --partial "--memory: '0' is less than 1M"
	run -2 sosr-normalize --memory 2T /dev/null
	assert_output --partial "--memory: '2T' is more than 1T, the most it takes"
	for bad in -1M ' 1M' 1.5G 99999999999999999999G ''; do
		run -2 sosr-normalize --memory "$bad" /dev/null
		assert_output --partial "--memory: '$bad' is not a size"
	done
	run -2 sosr-normalize --memory
	assert_output --partial "option '--memory' needs a value"
	for good in 1M 1024K 1048576 64MiB 1G 1T; do
		run -0 sosr-normalize --memory "$good" /dev/null
	done
}

@test "a tiny budget (runs merged in two passes) and the default give the same bytes, whatever the threads" {
	gen 100000 >in
	sosr-normalize --memory 1T in >want
	assert_equal "$(wc -l <want)" 100000
	cut -d'"' -f4 want | LC_ALL=C sort -c
	for t in 1 2 4; do
		sosr-normalize --threads "$t" --memory 1M in >out
		cmp want out || fail "--threads $t --memory 1M: not the same output"
	done
	sosr-normalize in >out
	cmp want out || fail "the default budget: not the same output"
	sosr-normalize --memory 3M - <in >out
	cmp want out || fail "--memory 3M from standard input: not the same output"
	# one worker with 1M: its spill file, and main's for the first pass of
	# the merge (more runs than it takes at once); the default: none
	in_tmp 100000 sosr-normalize --threads 1 --memory 1M in >out
	cmp want out || fail "counted run: not the same output"
	assert_equal "$(files_made)" 2
	rm -f "$BATS_TEST_TMPDIR/enospc.count"
	in_tmp 100000 sosr-normalize in >out
	cmp want out
	assert_equal "$(files_made)" 0
	# nothing is left in TMPDIR
	assert_equal "$(ls -A tmp)" ""
}

@test "equal keys across runs keep the deterministic order (the whole line), duplicates kept" {
	gen 60000 dup >in
	sosr-normalize --memory 1T in >want
	grep -F '"key":"device/dup.example.com"' want >dups
	assert_equal "$(wc -l <dups)" 6000
	assert_equal "$(grep -c '"private_ip":"10.9.9.9"' dups)" 3000
	LC_ALL=C sort -c dups
	for t in 1 2 3; do
		sosr-normalize --threads "$t" --memory 1M in >out
		cmp want out || fail "--threads $t --memory 1M: not the same output"
	done
	# the same lines in another input order: the same output
	tac in >in.rev
	sosr-normalize --memory 1M in.rev >out
	cmp want out || fail "reversed input: not the same output"
}

@test "the first bad line is the one reported when runs were spilled before it" {
	gen 100000 >in
	sed -i -e '90000s/.*/{"bad":/' -e '95000s/.*/[]/' in
	for t in 1 2 4; do
		run -7 --separate-stderr sosr-normalize --threads "$t" --memory 1M in
		assert_equal "$output" ""
		assert_equal "$stderr" "sosr-normalize: error: in:90000: truncated JSON object"
	done
	# a stream cut short after the runs: the same message as without them
	gen 50000 | head -c -1 >cut
	run -7 --separate-stderr sosr-normalize --memory 1M cut
	assert_equal "$output" ""
	assert_equal "$stderr" "sosr-normalize: error: cut:50000: last line has no newline: the stream was cut short; check that the stage writing it finished"
	# a bad line wins over a full TMPDIR (the input is a fact, the disk is not)
	run -7 --separate-stderr in_tmp 0 sosr-normalize --memory 1M in
	assert_equal "$output" ""
	assert_equal "$stderr" "sosr-normalize: error: in:90000: truncated JSON object"
}

@test "a full spill directory: exit 9 naming TMPDIR, nothing printed, nothing left" {
	gen 50000 >in
	msg="sosr-normalize: error: cannot write a temporary file in '$BATS_TEST_TMPDIR/tmp' to sort within --memory; check free space in TMPDIR (or /tmp), or raise --memory: No space left on device"
	for t in 1 2; do
		run -9 --separate-stderr in_tmp 0 sosr-normalize --threads "$t" --memory 1M in
		assert_equal "$output" ""
		assert_equal "$stderr" "$msg"
	done
	# full at the merge's own file (the worker's went through)
	rm -f "$BATS_TEST_TMPDIR/enospc.count"
	gen 100000 >in2
	run -9 --separate-stderr in_tmp 1 sosr-normalize --threads 1 --memory 1M in2
	assert_equal "$output" ""
	assert_equal "$stderr" "$msg"
	assert_equal "$(ls -A tmp)" ""
	# a TMPDIR that does not exist
	TMPDIR=$PWD/nonexistent run -9 --separate-stderr sosr-normalize --memory 1M in
	assert_equal "$output" ""
	assert_equal "$stderr" "sosr-normalize: error: cannot create a temporary file in '$PWD/nonexistent' to sort within --memory; check TMPDIR (or /tmp) and free space there: No such file or directory"
	# a budget the input fits in never touches TMPDIR
	in_tmp 0 sosr-normalize in >out
	assert_equal "$(wc -l <out)" 50000
}

@test "spill files are unlinked when made: none is left, even after SIGKILL" {
	gen 50000 >in
	mkdir tmp
	mkfifo fifo
	TMPDIR=$PWD/tmp sosr-normalize --memory 1M fifo >out 2>err 3>&- &
	pid=$!
	exec 4>fifo
	cat in >&4
	# the whole input is in, the stream still open: runs are on disk
	local n
	for ((n = 0; n < 100; n++)); do
		ls -l "/proc/$pid/fd" 2>/dev/null | grep -q "$PWD/tmp/sosr-sort-.* (deleted)" && break
		sleep 0.1
	done
	ls -l "/proc/$pid/fd" | grep -q "$PWD/tmp/sosr-sort-.* (deleted)"
	assert_equal "$(ls -A tmp)" ""
	kill -KILL "$pid"
	wait "$pid" || true
	exec 4>&-
	assert_equal "$(ls -A tmp)" ""
	[[ ! -s out ]]
}

@test "normalize.memory in the configuration; --memory wins over it; bad values exit 2" {
	gen 30000 >in
	sosr-normalize --memory 1T in >want
	# a whole job's file, so that sosr-config check takes it too
	jq -n '{c_code: "ALC", softlayer: {accounts: [{id: "1", auth: "basic", username: "u", api_key_env: "K"}]},
	        normalize: {memory: "1M"}}' >n.json
	in_tmp 100000 sosr-normalize --config n.json --threads 1 in >out
	cmp want out || fail "normalize.memory 1M: not the same output"
	(($(files_made) >= 1)) || fail "normalize.memory 1M spilled nothing"
	rm -f "$BATS_TEST_TMPDIR/enospc.count"
	in_tmp 100000 sosr-normalize --config n.json --memory 1G in >out
	cmp want out || fail "--memory 1G: not the same output"
	assert_equal "$(files_made)" 0
	run -0 sosr-config check n.json
	local v
	for v in '"lots"' '"64X"' 64 '"512K"' '"2T"'; do
		jq --argjson v "$v" '.normalize.memory = $v' n.json >bad.json
		run -2 sosr-normalize --config bad.json in
		case $v in
		'"512K"') assert_output 'sosr-normalize: error: bad.json: normalize.memory: less than 1M, the least it takes; check the configuration file (docs/CONFIG.md)' ;;
		'"2T"') assert_output 'sosr-normalize: error: bad.json: normalize.memory: more than 1T, the most it takes; check the configuration file (docs/CONFIG.md)' ;;
		64) assert_output --partial 'bad.json: normalize.memory: expected a string' ;;
		*) assert_output 'sosr-normalize: error: bad.json: normalize.memory: expected a size like "256M" or "1G"; check the configuration file (docs/CONFIG.md)' ;;
		esac
		run -2 sosr-config check bad.json
		assert_output --partial 'bad.json: normalize.memory: '
	done
}
