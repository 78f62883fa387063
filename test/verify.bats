#!/usr/bin/env bats
# sosr-verify: a run's files against its manifest, and the chain of the
# archive's manifests.  Runs are made by hand here (sosr-manifest and
# sosr-publish archive, as the driver does), so that each way of tampering
# with the evidence can be tried on its own.
bats_require_minimum_version 1.5.0
load test_helper

setup() { common_setup; }
teardown() { common_teardown; }

# make_run STARTED [STATUS [KEEP_DAYS]]: a run of ALC that started at
# STARTED, stored in the archive H; its directory in the archive on stdout.
make_run() {
	local started=$1 status=${2:-complete} keep=${3:-400} run
	run=$BATS_TEST_TMPDIR/run.$started
	mkdir -p "$run/raw"
	printf 'report of %s\n' "$started" >"$run/report.txt"
	printf '{"id":"%s"}\n' "$started" >"$run/raw/softlayer.ndjson"
	sosr-manifest --c-code ALC --started "$started" --finished "$started" --status "$status" \
		--exit 0 --history H "$run" >"$run/manifest.json"
	sosr-publish archive --history H --keep-days "$keep" --now "$started" "$run"
}

three_runs() {
	make_run 2026-11-01T06:00:00Z >/dev/null
	make_run 2026-11-02T06:00:00Z >/dev/null
	make_run 2026-11-03T06:00:00Z >/dev/null
}

@test "verify: an untouched run and an untouched archive verify, exit 0" {
	three_runs
	run -0 sosr-verify H
	assert_output "ALC: 3 runs and their chain verify, from 2026-11-01T060000Z"
	run -0 sosr-verify H/ALC/2026-11-02T060000Z
	assert_output --partial "every file verifies against the manifest"
	# a raw file of the archive is gzipped, and hashed as what it holds
	[[ -f H/ALC/2026-11-02T060000Z/raw/softlayer.ndjson.gz ]]
}

@test "verify: an altered file is named, exit 7" {
	three_runs
	echo tampered >>H/ALC/2026-11-02T060000Z/report.txt
	run -7 sosr-verify H
	assert_output --partial "2026-11-02T060000Z: report.txt differs from the manifest"
	assert_output --partial "it was altered"
}

@test "verify: an altered raw file inside its gzip is named, exit 7" {
	three_runs
	local f=H/ALC/2026-11-02T060000Z/raw/softlayer.ndjson
	gzip -dc "$f.gz" | sed 's/11-02/11-09/' | gzip -n >"$f.gz.new"
	mv "$f.gz.new" "$f.gz"
	run -7 sosr-verify H
	assert_output --partial "raw/softlayer.ndjson differs from the manifest"
}

@test "verify: a truncated gzip, a missing file and an added file are each named" {
	three_runs
	local d=H/ALC/2026-11-02T060000Z
	head -c 20 "$d/raw/softlayer.ndjson.gz" >t && mv t "$d/raw/softlayer.ndjson.gz"
	rm H/ALC/2026-11-03T060000Z/report.txt
	echo extra >H/ALC/2026-11-01T060000Z/notes.txt
	run -7 sosr-verify H
	assert_output --partial "softlayer.ndjson.gz: not a whole gzip file"
	assert_output --partial "2026-11-03T060000Z: report.txt is missing (the manifest lists it)"
	assert_output --partial "2026-11-01T060000Z: notes.txt is not in the manifest"
}

@test "verify: a replaced manifest breaks the chain at the next run" {
	three_runs
	# rewritten to match an altered report: the run itself verifies ...
	local d=H/ALC/2026-11-02T060000Z
	echo forged >"$d/report.txt"
	sosr-manifest --c-code ALC --started 2026-11-02T06:00:00Z --finished 2026-11-02T06:00:00Z \
		--status complete --exit 0 --history H "$d" >m.json
	mv m.json "$d/manifest.json"
	run -0 sosr-verify "$d"
	# ... but the next run names the manifest it replaced
	run -7 sosr-verify H
	assert_output --partial "the manifest of 2026-11-02T060000Z does not have the sha256 2026-11-03T060000Z names"
}

@test "verify: a removed run and an inserted run break the chain, named" {
	three_runs
	mv H/ALC/2026-11-02T060000Z removed
	run -7 sosr-verify H
	assert_output --partial "the run before it, 2026-11-02T060000Z, is missing from the archive (2026-11-03T060000Z names it)"
	mv removed H/ALC/2026-11-02T060000Z
	cp -a H/ALC/2026-11-02T060000Z H/ALC/2026-11-02T120000Z
	run -7 sosr-verify H
	assert_output --partial "2026-11-03T060000Z names 2026-11-02T060000Z as the run before it, but the archive has 2026-11-02T120000Z there"
}

@test "verify: the oldest run may name a pruned predecessor only past the retention" {
	three_runs
	rm -r H/ALC/2026-11-01T060000Z
	run -7 sosr-verify H
	assert_output --partial "the run before 2026-11-02T060000Z, 2026-11-01T060000Z, is missing from the archive, and it is not older than the retention of 400 days"
	# pruned by the archive itself: the chain starts where the retention ends
	make_run 2026-11-10T06:00:00Z complete 7 >/dev/null
	[[ ! -e H/ALC/2026-11-02T060000Z ]]
	run -0 sosr-verify --keep-days 7 H
	assert_output --partial "ALC: 2 runs and their chain verify, from 2026-11-03T060000Z"
}

@test "verify: --max-age says when the latest complete run is stale, exit 1" {
	three_runs
	make_run 2026-11-04T06:00:00Z incomplete >/dev/null
	run -0 sosr-verify --max-age 26h --now 2026-11-04T07:00:00Z H
	run -1 sosr-verify --max-age 26h --now 2026-11-05T07:00:00Z H
	assert_output --partial "the latest complete run started 2026-11-03T060000Z is older than --max-age"
	assert_output --partial "check that the daily job runs"
	# latest points at the last complete run, not at the incomplete one
	[[ $(readlink H/ALC/latest) == 2026-11-03T060000Z ]]
	ln -sfn 2026-11-04T060000Z H/ALC/latest
	run -7 sosr-verify H
	assert_output --partial "latest points at '2026-11-04T060000Z', but the last complete run is 2026-11-03T060000Z"
}

@test "verify: --c-code picks one C_Code; an empty path and bad options are refused" {
	three_runs
	run -0 sosr-verify --c-code ALC H
	mkdir empty
	run -7 sosr-verify empty
	assert_output --partial "no run directory and no C_Code of an archive in it"
	run -9 sosr-verify nowhere
	assert_output --partial "cannot read 'nowhere'"
	run -2 sosr-verify --c-code 'A B' H
	run -2 sosr-verify --max-age 1x H
	run -2 sosr-verify
}

@test "verify: the same archive gives the same words" {
	three_runs
	echo tampered >>H/ALC/2026-11-02T060000Z/report.txt
	run -7 sosr-verify H
	local first=$output
	run -7 sosr-verify H
	[[ $output == "$first" ]]
}

@test "verify: a rerun of the same time is archived beside the first (-02), chained to it; archiving a run again changes nothing" {
	three_runs
	local again
	again=$(make_run 2026-11-03T06:00:00Z)
	[[ $again == H/ALC/2026-11-03T060000Z-02 ]]
	run -0 jq -r .previous.stamp "$again/manifest.json"
	assert_output 2026-11-03T060000Z
	run -0 sosr-verify H
	assert_output "ALC: 4 runs and their chain verify, from 2026-11-01T060000Z"
	# the same run archived twice keeps its name
	run -0 sosr-publish archive --history H --now 2026-11-03T06:00:00Z "$BATS_TEST_TMPDIR"/run.2026-11-02T06:00:00Z
	assert_output H/ALC/2026-11-02T060000Z
	run -0 sosr-verify H
}
