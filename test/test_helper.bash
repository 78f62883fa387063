# test_helper.bash - the sealed world every test runs in.
#
# Each test gets its own HOME, TMPDIR and working directory under
# $BATS_TEST_TMPDIR, a PATH pinned to the freshly built bin/ and the system
# directories, and helpers to start the simulator on a free port and to
# stop it in teardown.  Load it with
#     load test_helper
# and call `stop_fake_api` from teardown (common_teardown does).  Tests are
# independent of each other (make test runs them in parallel, bats --jobs):
# nothing is shared but the read-only fixtures and the clean run of a
# file's setup_file.
#
# Pitfall: bats' `run` clobbers a global variable named `i`; loop with
# another name (or `local i` inside a function that calls no `run`).

ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
export ROOT
# PATH is pinned: the stages of bin/ and the system's tools, so that a
# stray program of the developer's PATH (~/.cargo/bin, a pyenv shim for
# python3, a stale sosr-* installed elsewhere) is never what a test runs.
# A test adds its own stubs in front.  SOSR_SHIM_DIR (scripts/memcheck)
# puts wrappers of the stages first.
export PATH="${SOSR_SHIM_DIR:+$SOSR_SHIM_DIR:}$ROOT/bin:/usr/local/bin:/usr/bin:/bin"
export LC_ALL=C
export NO_COLOR=1

# bats-support and bats-assert: their files sourced directly.  Their
# load.bash files find each file with a $(dirname ...) each, 15 processes
# per test, which cost more than many a test itself (36 ms of CPU a test).
# The src/ files define functions only, so their order does not matter.
sosr_load_bats_libs() {
	local dir lib f
	for lib in bats-support bats-assert; do
		for dir in ${BATS_LIB_PATH//:/ } /usr/lib/bats; do
			[[ -r $dir/$lib/load.bash ]] || continue
			for f in "$dir/$lib"/src/*.bash; do
				# shellcheck disable=SC1090
				source "$f"
			done
			continue 2
		done
		echo "test_helper: $lib not found in ${BATS_LIB_PATH:-/usr/lib/bats} (Debian package $lib)" >&2
		return 1
	done
}
sosr_load_bats_libs

FIXTURES="$ROOT/test/fixtures"

# skip_under_valgrind - for the few tests that measure request timing on the
# wire: under `make memcheck` the client runs 20-50 times slower, requests
# leave in bunches, and the server's per-second count no longer reflects the
# client's limiter (its retries still recover; the other tests show that).
skip_under_valgrind() {
	if [[ -n ${SOSR_SHIM_DIR:-} ]]; then
		skip "request timing is not meaningful under valgrind"
	fi
}

# Running alone.  make test runs the test files in parallel (bats --jobs);
# a test that times requests on the wire would see a loaded machine's
# bunches, not what the client sent.  So a file of such tests calls
# run_alone from its setup_file: it waits for the running tests to end, and
# no other test starts until the file is done.  A test says it runs by a
# file named by its shell's pid in $SOSR_RUNNING (common_setup), then looks
# for $SOSR_ALONE_DIR (a file running alone): if there is one, it withdraws
# and waits.  The file running alone makes that directory first, then waits
# until no test it did not see withdraw is left; so one of the two always
# sees the other.  No process is started for it (a test costs enough), and
# a test or file that died without its teardown is known by its pid.
SOSR_RUNNING=$BATS_RUN_TMPDIR/sosr-running
SOSR_ALONE_DIR=$BATS_RUN_TMPDIR/sosr-alone

# alone_owner_lives: a file runs alone, and its shell still runs
alone_owner_lives() {
	local pid
	[[ -d $SOSR_ALONE_DIR ]] || return 1
	read -r pid 2>/dev/null <"$SOSR_ALONE_DIR/pid" || return 0 # (being made)
	kill -0 "$pid" 2>/dev/null
}

# enter_suite / leave_suite: the test (or setup_file work) runs, unless a
# file runs alone: then it waits.  common_setup and common_teardown call
# them; the tests of the file that runs alone do not.
enter_suite() {
	[[ -z ${SOSR_ALONE:-} ]] || return 0
	[[ -d $SOSR_RUNNING ]] || mkdir -p "$SOSR_RUNNING"
	while :; do
		: >"$SOSR_RUNNING/$$"
		alone_owner_lives || return 0
		rm -f "$SOSR_RUNNING/$$"
		sleep 0.1
	done
}
leave_suite() {
	[[ -n ${SOSR_ALONE:-} ]] || rm -f "$SOSR_RUNNING/$$"
}

# run_alone - from setup_file: no other test of the suite runs until the
# file's teardown_file calls end_alone.
run_alone() {
	until mkdir "$SOSR_ALONE_DIR" 2>/dev/null; do
		# another file runs alone, or died doing so
		[[ -e $SOSR_ALONE_DIR/pid ]] && ! alone_owner_lives && rm -rf "$SOSR_ALONE_DIR"
		sleep 0.1
	done
	echo "$$" >"$SOSR_ALONE_DIR/pid"
	local f busy
	[[ -d $SOSR_RUNNING ]] || mkdir -p "$SOSR_RUNNING"
	while :; do
		busy=
		for f in "$SOSR_RUNNING"/*; do
			[[ -e $f ]] || continue
			if kill -0 "${f##*/}" 2>/dev/null; then
				busy=1
			else
				rm -f "$f" # a test that died without its teardown
			fi
		done
		[[ -n $busy ]] || break
		sleep 0.05
	done
	# the file's own tests run (their shells' parent is this one)
	export SOSR_ALONE=1
}
end_alone() {
	rm -rf "$SOSR_ALONE_DIR"
}

common_setup() {
	enter_suite
	export HOME="$BATS_TEST_TMPDIR/home" TMPDIR="$BATS_TEST_TMPDIR/.tmp"
	mkdir -p "$HOME" "$TMPDIR"
	cd "$BATS_TEST_TMPDIR" || return 1
	# No credentials from the developer's environment leak into a test.
	unset SOS_TOKEN SOS_TOKEN_FILE SOS_URL SL_USERNAME SL_API_KEY SL_API_KEY_FILE
}

common_teardown() {
	stop_fake_api
	leave_suite
}

# start_fake_api [ARGS...] - start sosr-fake-api on a free port.
# Sets FAKE_PID, FAKE_PORT, FAKE_URL (http://127.0.0.1:PORT).  The
# simulator's stdout/stderr go to $BATS_TEST_TMPDIR/fake-api.err; fd 3 is
# closed or bats would wait for the server to exit.
start_fake_api() {
	local portfile="$BATS_TEST_TMPDIR/fake-api.port"
	rm -f "$portfile"
	sosr-fake-api --listen 127.0.0.1:0 --port-file "$portfile" "$@" \
		>"$BATS_TEST_TMPDIR/fake-api.out" 2>"$BATS_TEST_TMPDIR/fake-api.err" 3>&- &
	FAKE_PID=$!
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -s $portfile ]] && break
		if ! kill -0 "$FAKE_PID" 2>/dev/null; then
			cat "$BATS_TEST_TMPDIR/fake-api.err" >&2
			echo "start_fake_api: the simulator exited" >&2
			FAKE_PID=
			return 1
		fi
		sleep 0.05
	done
	[[ -s $portfile ]] || { echo "start_fake_api: no port file after 10 s" >&2; return 1; }
	FAKE_PORT=$(<"$portfile")
	FAKE_URL="http://127.0.0.1:$FAKE_PORT"
	export FAKE_PID FAKE_PORT FAKE_URL
}

# stop_fake_api - SIGTERM, and the simulator must exit 0 (sosr-fake-api(1)):
# a simulator that crashed during the test fails it here.
stop_fake_api() {
	if [[ -n ${FAKE_PID:-} ]]; then
		local pid=$FAKE_PID rc=0
		FAKE_PID=
		kill -TERM "$pid" 2>/dev/null || true # (if it is gone, wait says how it ended)
		wait "$pid" 2>/dev/null || rc=$?
		if ((rc != 0)); then
			echo "stop_fake_api: the simulator exited $rc, not 0; its stderr:" >&2
			cat "$BATS_TEST_TMPDIR/fake-api.err" >&2 2>/dev/null
			return 1
		fi
	fi
}

# exits N CMD... - run CMD and require its exit status to be N exactly
# (a crash, 139, never passes for an expected failure).  For a command
# whose standard output goes to a file, where bats' `run -N` would take it:
#     exits 1 sosr-diff --now "$NOW" sl sos >d.ndjson
exits() {
	local want=$1 rc=0
	shift
	"$@" || rc=$?
	((rc == want)) || { echo "exit $rc, not $want: $*" >&2; return 1; }
}

# project_findings FILE - the projection of a discrepancy stream that the
# simulator's --truth file holds (docs/FORMATS.md, section 4).
project_findings() {
	jq -c 'select(.type!="summary") | {type,kind,key}
	       + (if .type=="mismatch" then {fields:[.fields[].field]} else {} end)
	       + (if .type=="duplicate" or .type=="unidentified" then {side} else {} end)' \
		"$1" | LC_ALL=C sort
}

# assert_no_canary CANARY FILE... - the secret appears in none of the files.
assert_no_canary() {
	local canary=$1 f
	shift
	for f in "$@"; do
		if [[ -e $f ]] && grep -rqF -- "$canary" "$f"; then
			echo "canary secret found in $f" >&2
			return 1
		fi
	done
}
