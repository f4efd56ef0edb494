#!/usr/bin/env bats
# sem-demo: order, mutex, undo, and a set that is never left behind
# (SPEC §4.5).

bats_require_minimum_version 1.5.0

load helpers

setup() {
	common_setup
}

teardown() {
	# An empty pattern would match every process.
	if [[ -n ${KEY:-} ]]; then
		pkill -KILL -f -- "$KEY" 2>/dev/null || true
	fi
	common_teardown
}

# Until no process has $KEY in its arguments (bounded).
wait_for_no_procs() {
	local tries=100
	while pgrep -f -- "$KEY" >/dev/null; do
		((tries-- > 0)) || return 1
		sleep 0.05
	done
}

# A set under $KEY exists, and its id.
set_id() {
	"$UL_IPCS" -s | awk -v k="$KEY" '$1 == k { print $2 }'
}

@test "order: the child's line comes first, in each of 20 runs" {
	local i child_line parent_line
	for i in $(seq 20); do
		run timeout 10 sem-demo order -k "$KEY" --delay 0
		assert_success
		child_line=$(grep -n '^child [0-9]*: runs first, then posts (V)$' <<<"$output" | cut -d: -f1)
		parent_line=$(grep -n '^parent [0-9]*: P returned, so it runs second$' <<<"$output" | cut -d: -f1)
		[ -n "$child_line" ] && [ -n "$parent_line" ]
		[ "$child_line" -lt "$parent_line" ]
		assert_no_ipc
	done
}

@test "order is the default demo and shows both PIDs" {
	local parent child
	run timeout 10 sem-demo -k "$KEY" --delay 0.1
	assert_success
	parent=$(sed -n 's/^parent \([0-9]*\): forks a child.*/\1/p' <<<"$output")
	child=$(sed -n 's/^child \([0-9]*\): runs first.*/\1/p' <<<"$output")
	[ -n "$parent" ] && [ -n "$child" ] && [ "$parent" != "$child" ]
	assert_line --regexp "^key $KEY \(--key\): semaphore set [0-9]+, one semaphore at 0$"
	assert_line "child $child: sleeping 0.1 s before posting"
	assert_line "parent $parent: P returned, so it runs second"
	assert_line "child $child exited with status 0"
	assert_line --regexp "^removing semaphore set [0-9]+$"
	assert_no_ipc
}

@test "mutex -p 4 -n 100000 counts exactly 400000" {
	run timeout 120 sem-demo mutex -k "$KEY" -p 4 -n 100000
	assert_success
	assert_line "counter = 400000, expected 400000: exact"
	assert_no_ipc
}

@test "mutex --no-lock shows the lost updates" {
	local out
	run timeout 60 sem-demo mutex -k "$KEY" -p 4 -n 10000000 --no-lock
	assert_success
	out=$output
	assert_no_ipc
	if [[ $out == *"counter = 40000000, expected 40000000: exact (no update was lost this time)"* ]]; then
		skip "no update was lost on this run (the workers did not overlap)"
	fi
	grep -qE '^counter = [0-9]+, expected 40000000: [0-9]+ updates lost$' <<<"$out"
}

@test "workers opening the set at the same moment: one creates it, the rest wait for its initialisation" {
	local opened
	# The creator pauses a second between semget and its first semop.
	run timeout 60 sem-demo mutex -k "$KEY" -p 8 -n 1000 --init-delay 1
	assert_success
	[ "$(grep -c '^worker [0-9]*: created semaphore set [0-9]*: lock at 1, start line at 8$' <<<"$output")" -eq 1 ]
	opened=$(grep '^worker [0-9]*: opened semaphore set [0-9]* after waiting [0-9.]* ms for its creator to initialise it$' <<<"$output")
	[ "$(wc -l <<<"$opened")" -eq 7 ]
	# Those that came during the pause waited for it (a worker the
	# scheduler started late may have found the set ready).
	grep -qE 'after waiting [0-9]{3,}\.[0-9] ms' <<<"$opened"
	assert_line "counter = 8000, expected 8000: exact"
	assert_no_ipc
}

@test "undo: the kernel gives back what a killed child held (SEM_UNDO)" {
	run timeout 10 sem-demo undo -k "$KEY"
	assert_success
	assert_line --regexp "^child [0-9]+: took the semaphore \(P, SEM_UNDO\) and waits to be killed$"
	assert_line --regexp "^child [0-9]+ killed by SIGKILL$"
	assert_line --regexp "^parent [0-9]+: took the semaphore: the kernel undid the dead child's P \(SEM_UNDO\)$"
	assert_no_ipc
}

@test "undo --no-undo: the parent stays stuck until its timeout says why; exit 3" {
	local child
	run timeout 10 sem-demo undo --no-undo --timeout 1 -k "$KEY"
	assert_failure 3
	child=$(sed -n 's/^child \([0-9]*\): took the semaphore (P, without SEM_UNDO).*/\1/p' <<<"$output")
	[ -n "$child" ]
	assert_line --regexp "^parent [0-9]+: still stuck after 1 s: the semaphore is 0, last taken by PID $child \(the dead child\)$"
	assert_line --regexp "^parent [0-9]+: without SEM_UNDO the kernel does not give back what a dead process took"
	assert_no_ipc
}

@test "SIGTERM, SIGINT and SIGHUP remove the set and leave no process" {
	local sig demo
	for sig in TERM INT HUP; do
		for demo in "order --delay 60" "mutex -p 3 -n 1000000000" \
			"undo --no-undo --timeout 60"; do
			rm -f demo.log # or the last run's lines would match
			start_bg demo.log sem-demo $demo -k "$KEY"
			wait_for_line demo.log '^(child|worker) ' 10
			[ -n "$(set_id)" ]
			kill -"$sig" "$PID"
			wait_for_exit "$PID" 10
			[ "$STATUS" -eq $((128 + $(kill -l "$sig"))) ]
			assert_no_ipc
			assert_no_procs "$KEY"
		done
	done
}

@test "a stale set is reported with its removal command; --force reclaims it; a live one is left alone" {
	local id first
	start_bg first.log sem-demo order --delay 60 -k "$KEY"
	first=$PID
	wait_for_line first.log '^child ' 10
	id=$(set_id)

	run --separate-stderr timeout 10 sem-demo order --delay 0 -k "$KEY" --force
	assert_failure 1
	assert_equal "$stderr" "sem-demo: semaphore set $id on key $KEY is in use (by PID $first); choose another key with -k"

	# SIGKILL: no cleanup; the child follows its parent (PR_SET_PDEATHSIG).
	kill -KILL "$first"
	wait_for_exit "$first" 5
	wait_for_no_procs
	assert_no_procs "$KEY"
	[ "$(set_id)" = "$id" ]

	run --separate-stderr timeout 10 sem-demo order --delay 0 -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "sem-demo: stale semaphore set $id on key $KEY: the processes that used it are gone; remove it with: ipcrm -s $id (or run with --force)"
	[ "$(set_id)" = "$id" ]

	run timeout 10 sem-demo order --delay 0 -k "$KEY" --force
	assert_success
	assert_line "removed stale semaphore set $id"
	assert_line --regexp "^parent [0-9]+: P returned, so it runs second$"
	assert_no_ipc
}

@test "--trace shows semget and semop" {
	run --separate-stderr timeout 10 sem-demo --trace order --delay 0 -k "$KEY"
	assert_success
	[[ $stderr =~ semget\(key=$KEY,\ nsems=1,\ IPC_CREAT\|IPC_EXCL\|0600\)\ =\ [0-9]+ ]]
	[[ $stderr =~ semop\(semid=[0-9]+,\ \{0,\ \+0,\ IPC_NOWAIT\}\)\ =\ 0 ]]
	[[ $stderr =~ \[pid\ [0-9]+\]\ semop\(semid=[0-9]+,\ \{0,\ \+1,\ 0\}\)\ =\ 0 ]]
	[[ $stderr =~ semtimedop\(semid=[0-9]+,\ \{0,\ -1,\ 0\},\ 1.000s\)\ =\ 0 ]]
	[[ $stderr =~ semctl\(semid=[0-9]+,\ 0,\ IPC_RMID\)\ =\ 0 ]]
	run --separate-stderr timeout 10 sem-demo --trace mutex -p 2 -n 3 -k "$KEY"
	assert_success
	[[ $stderr =~ semop\(semid=[0-9]+,\ \{0,\ -1,\ SEM_UNDO\}\)\ =\ 0 ]]
	assert_no_ipc
}

@test "--mode sets the permissions of the set" {

	start_bg demo.log sem-demo order --delay 60 --mode 0640 -k "$KEY"
	wait_for_line demo.log '^child ' 10
	run "$UL_IPCS" -s
	assert_output --regexp "$KEY +[0-9]+ +root +640 "
	kill -TERM "$PID"
	wait_for_exit "$PID" 10
	assert_no_ipc
}

@test "bad options and values: exit 2 with a Try line" {
	local args
	for args in "mutex -p 0" "mutex -p 257" "mutex -n x" "order --no-lock" \
		"undo -p 2" "mutex --delay 1" "--timeout 1" "dance" \
		"order mutex" "--delay -1" "--mode 8" "--bogus" "-k"; do
		run --separate-stderr sem-demo $args
		assert_failure 2
		[[ $stderr == "sem-demo: "*$'\n'"Try 'ipcdemo sem-demo --help'." ]]
	done
	run --separate-stderr sem-demo order --no-lock
	assert_equal "$stderr" "sem-demo: --no-lock goes with 'sem-demo mutex'
Try 'ipcdemo sem-demo --help'."
	run sem-demo --help
	assert_success
	assert_line --partial "usage: ipcdemo sem-demo [order]"
	assert_no_ipc
}
