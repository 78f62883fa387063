#!/usr/bin/env bats
# sosr-locker: the archive as a git working tree, with real git and a
# local bare repository as the remote.  Runs are made by hand (as the
# driver makes them: sosr-manifest, sosr-publish archive) so that each case
# is one step; test/driver.bats runs the whole job with a locker.
bats_require_minimum_version 1.5.0
load test_helper

setup() {
	common_setup
	command -v git >/dev/null || fail "git is not installed: run scripts/install-deps"
	git init -q --bare -b main remote.git
	git clone -q remote.git ev 2>/dev/null
	git -C ev -c user.name=t -c user.email=t@example.org commit -q --allow-empty -m "the evidence locker"
	git -C ev push -q origin main
	locker_config '"push": true'
}
teardown() { common_teardown; }

# locker_config JSON-MEMBERS: alc.json with a locker section of them.
locker_config() {
	printf '{"c_code": "ALC", "softlayer": {"accounts": [{"id": "1", "username": "u", "api_key_env": "K"}]},
	  "locker": {"repo": "ev", %s}}\n' "$1" >alc.json
}

# archive_run STARTED [CLONE]: a run of ALC stored in CLONE's archive (ev).
archive_run() {
	local started=$1 tree=${2:-ev} run=$BATS_TEST_TMPDIR/run.$1.$RANDOM
	mkdir -p "$run/raw"
	printf 'report of %s\n' "$started" >"$run/report.txt"
	printf '{"id":"%s"}\n' "$started" >"$run/raw/softlayer.ndjson"
	sosr-manifest --c-code ALC --started "$started" --finished "$started" --status complete \
		--verdict not_significant --exit 0 --history "$tree" "$run" >"$run/manifest.json"
	sosr-publish archive --history "$tree" --now "$started" "$run"
}

@test "locker: daily runs are committed and pushed, one commit a run, with words a person reads" {
	run -0 sosr-locker check --config alc.json
	assert_output "locker ev: on branch main, clean, pushes to origin"
	for day in 01 02 03; do
		run -0 sosr-locker commit --config alc.json "$(archive_run 2026-11-${day}T06:00:00Z)"
		assert_line --partial "committed ALC/2026-11-${day}T060000Z as "
		assert_line "locker ev: pushed main to origin"
	done
	run -0 git -C remote.git log --format=%s main
	assert_output "ALC 2026-11-03: complete, not_significant
ALC 2026-11-02: complete, not_significant
ALC 2026-11-01: complete, not_significant
the evidence locker"
	# the run, its latest link, nothing else; git had no identity (a sealed HOME)
	run -0 git -C remote.git show --stat --format='%an <%ae>%n%b' main
	assert_line --regexp '^sos-reconcile <sos-reconcile@'
	assert_line "Run 2026-11-03T060000Z of C_Code ALC, exit 0 (ok)."
	assert_line --partial "ALC/2026-11-03T060000Z/manifest.json"
	assert_line --partial "ALC/latest"
	# the locker's clone verifies: every run and the chain
	git clone -q remote.git audit
	run -0 sosr-verify audit
	assert_output "ALC: 3 runs and their chain verify, from 2026-11-01T060000Z"
}

@test "locker: a push rejected because someone else pushed is fetched, rebased and pushed" {
	sosr-locker commit --config alc.json "$(archive_run 2026-11-01T06:00:00Z)" >/dev/null
	# the other C_Code's job pushes from its own clone in between
	git clone -q remote.git other
	mkdir other/ALC_WAT
	echo "a run of ALC_WAT" >other/ALC_WAT/report.txt
	git -C other add -A
	git -C other -c user.name=o -c user.email=o@example.org commit -q -m "ALC_WAT's run"
	git -C other push -q origin main
	run -0 sosr-locker commit --config alc.json "$(archive_run 2026-11-02T06:00:00Z)"
	assert_output --partial "the push was rejected (someone else pushed); fetching and rebasing"
	assert_output --partial "pushed main to origin"
	run -0 git -C remote.git log --format=%s main
	assert_line --index 0 "ALC 2026-11-02: complete, not_significant"
	assert_line --index 1 "ALC_WAT's run"
	[[ $(git -C ev status --porcelain) == "" ]]
}

@test "locker: a rebase that stops (someone changed the same files) is undone, exit 12, nothing lost" {
	sosr-locker commit --config alc.json "$(archive_run 2026-11-01T06:00:00Z)" >/dev/null
	git clone -q remote.git other
	ln -sfn elsewhere other/ALC/latest
	git -C other -c user.name=o -c user.email=o@example.org commit -qam "a hand moved latest"
	git -C other push -q origin main
	run -12 sosr-locker commit --config alc.json "$(archive_run 2026-11-02T06:00:00Z)"
	assert_output --partial "the rebase onto the remote's branch stopped"
	[[ $(git -C ev log -1 --format=%s) == "ALC 2026-11-02: complete, not_significant" ]]
	[[ ! -d ev/.git/rebase-merge && ! -d ev/.git/rebase-apply ]]
	[[ -z $(git -C ev status --porcelain) ]]
}

@test "locker: a push to a read-only remote fails with exit 12 and loses nothing; the next run pushes both" {
	sosr-locker commit --config alc.json "$(archive_run 2026-11-01T06:00:00Z)" >/dev/null
	# read-only as a server makes it (permissions do not stop root)
	printf '#!/bin/sh\necho "this repository is read-only" >&2\nexit 1\n' >remote.git/hooks/pre-receive
	chmod +x remote.git/hooks/pre-receive
	run -12 sosr-locker commit --config alc.json "$(archive_run 2026-11-02T06:00:00Z)"
	assert_output --partial "the push of main to origin failed: "
	assert_output --partial "this repository is read-only"
	assert_output --partial "the run is committed in the working tree"
	assert_output --partial "RUNBOOK.md, 'The evidence was not pushed'"
	[[ $(git -C ev log -1 --format=%s) == "ALC 2026-11-02: complete, not_significant" ]]
	rm remote.git/hooks/pre-receive
	run -0 sosr-locker commit --config alc.json "$(archive_run 2026-11-03T06:00:00Z)"
	run -0 git -C remote.git log --format=%s -3 main
	assert_line --index 1 "ALC 2026-11-02: complete, not_significant"
	assert_line --index 0 "ALC 2026-11-03: complete, not_significant"
}

@test "locker: a remote URL's userinfo is never printed" {
	git -C ev remote set-url origin "https://jenkins:CANARY-LOCKER-TOKEN@127.0.0.1:1/evidence.git"
	run -12 sosr-locker commit --config alc.json "$(archive_run 2026-11-01T06:00:00Z)"
	assert_output --partial "the push of main to origin failed"
	refute_output --partial "CANARY-LOCKER-TOKEN"
	refute_output --partial "jenkins:"
}

@test "locker: a dirty working tree, a detached head, a missing remote or a non-tree is refused before the run" {
	echo scribble >ev/notes.txt
	run -2 sosr-locker check --config alc.json
	assert_output --partial "the working tree has changes that are not committed (?? notes.txt)"
	assert_output --partial "commit or remove them before the next run"
	rm ev/notes.txt
	# what a crashed archive leaves is not a change of the evidence
	mkdir -p ev/ALC/.tmp.2026-11-01T060000Z.123 && touch ev/ALC/.tmp.2026-11-01T060000Z.123/x
	run -0 sosr-locker check --config alc.json
	sosr-locker commit --config alc.json "$(archive_run 2026-11-01T06:00:00Z)" >/dev/null
	[[ -z $(git -C ev ls-files | grep -F .tmp.) ]]
	git -C ev checkout -q --detach
	run -2 sosr-locker check --config alc.json
	assert_output --partial "the working tree is on a detached HEAD"
	git -C ev checkout -q main
	locker_config '"push": true, "remote": "upstream"'
	run -2 sosr-locker check --config alc.json
	assert_output --partial "locker.remote 'upstream' is not a remote of the working tree"
	locker_config '"push": true, "remote": "https://host/x.git"'
	run -2 sosr-locker check --config alc.json
	assert_output --partial "locker.remote: expected the name of a remote"
	mkdir plain
	printf '{"c_code": "ALC", "softlayer": {"accounts": [{"id": "1", "username": "u", "api_key_env": "K"}]},
	  "locker": {"repo": "plain"}}\n' >alc.json
	run -2 sosr-locker check --config alc.json
	assert_output --partial "locker.repo 'plain' is not a git working tree"
	printf '{"c_code": "ALC", "softlayer": {"accounts": [{"id": "1", "username": "u", "api_key_env": "K"}]},
	  "locker": {"repo": "ev/ALC"}}\n' >alc.json
	run -2 sosr-locker check --config alc.json
	assert_output --partial "is inside the working tree"
}

@test "locker: history.dir must be in the locker's tree, and defaults to it" {
	printf '{"c_code": "ALC", "softlayer": {"accounts": [{"id": "1", "username": "u", "api_key_env": "K"}]},
	  "history": {"dir": "elsewhere"}, "locker": {"repo": "ev"}}\n' >alc.json
	run -2 sosr-config check alc.json
	assert_output --partial "history.dir: outside locker.repo"
	printf '{"c_code": "ALC", "softlayer": {"accounts": [{"id": "1", "username": "u", "api_key_env": "K"}]},
	  "history": {"dir": "ev/runs", "keep_days": 30}, "locker": {"repo": "ev"}}\n' >alc.json
	run -0 sosr-config vars alc.json
	assert_line "history	ev/runs"
	assert_line "locker	ev"
	locker_config '"push": false'
	run -0 sosr-config vars alc.json
	assert_line "history	ev"
	# the same directory however it is written
	printf '{"c_code": "ALC", "softlayer": {"accounts": [{"id": "1", "username": "u", "api_key_env": "K"}]},
	  "history": {"dir": "./ev//runs/"}, "locker": {"repo": "ev/"}}\n' >alc.json
	run -0 sosr-config check alc.json
	printf '{"c_code": "ALC", "softlayer": {"accounts": [{"id": "1", "username": "u", "api_key_env": "K"}]},
	  "history": {"keep_days": 30}}\n' >alc.json
	run -2 sosr-config check alc.json
	assert_output --partial "history.dir: missing"
}

@test "locker: without push nothing leaves the machine; a run committed twice is said so" {
	locker_config '"push": false'
	local d
	d=$(archive_run 2026-11-01T06:00:00Z)
	run -0 sosr-locker commit --config alc.json "$d"
	refute_output --partial pushed
	run -0 sosr-locker commit --config alc.json "$d"
	assert_output --partial "ALC/2026-11-01T060000Z is already committed"
	[[ $(git -C remote.git log --format=%s main) == "the evidence locker" ]]
}

@test "locker: usage and a run outside the tree are refused" {
	run -2 sosr-locker
	run -2 sosr-locker push --config alc.json
	run -2 sosr-locker commit --config alc.json
	run -2 sosr-locker check alc.json
	mkdir -p outside/run
	run -7 sosr-locker commit --config alc.json outside/run
	assert_output --partial "is not in the locker's working tree"
	printf '{"c_code": "ALC", "softlayer": {"accounts": [{"id": "1", "username": "u", "api_key_env": "K"}]}}\n' >plain.json
	run -2 sosr-locker check --config plain.json
	assert_output --partial "no locker section"
}
