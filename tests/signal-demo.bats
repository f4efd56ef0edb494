#!/usr/bin/env bats
# signal-demo: kill, queue, alarm and raise (SPEC §4.8, issue 7).
#
# Every test reads the PIDs the demo prints and checks at the end that
# none of them is still running: no demo may leave a process behind,
# even when interrupted.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	common_setup
}

teardown() {
	local pid
	for pid in "${DEMO_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	common_teardown
}

DEMO_PIDS=()

# pids_from TEXT REGEX: the first capture group of each matching line,
# remembered for teardown.  Sets PIDS.
pids_from() {
	mapfile -t PIDS < <(printf '%s\n' "$1" | sed -nE "s/$2/\\1/p" | sort -u)
	DEMO_PIDS+=("${PIDS[@]}")
	((${#PIDS[@]} > 0))
}

# assert_gone_soon PID...: each process is gone, within a few seconds
# for one that init has still to reap.
assert_gone_soon() {
	local pid tries
	for pid in "$@"; do
		tries=100
		while ps -p "$pid" >/dev/null; do
			((tries-- > 0)) || {
				ps -o pid,ppid,stat,args -p "$pid" >&2
				fail "process $pid is still there"
			}
			sleep 0.05
		done
	done
}

# After run --separate-stderr: the assert_* functions look at stderr.
use_stderr() {
	output=$stderr
	mapfile -t lines <<<"$stderr"
}

assert_clean() {
	assert_gone_soon "$@"
	assert_no_ipc
}

# ---- kill ----

@test "kill: three rounds of SIGUSR1 and SIGUSR2 by default, each step named" {
	run timeout 10 signal-demo
	assert_success
	pids_from "$output" '^kill: parent ([0-9]+) and child [0-9]+ .*'
	local p=${PIDS[0]}
	pids_from "$output" '^kill: parent [0-9]+ and child ([0-9]+) .*'
	local c=${PIDS[0]}
	assert_line --index 0 "kill: parent $p and child $c trade SIGUSR1 and SIGUSR2, 3 rounds"
	local r i=1
	for r in 1 2 3; do
		assert_line --index $((i++)) "round $r: parent $p sends SIGUSR1 to child $c"
		assert_line --index $((i++)) "round $r: child $c received SIGUSR1 from pid $p"
		assert_line --index $((i++)) "round $r: child $c sends SIGUSR2 to parent $p"
		assert_line --index $((i++)) "round $r: parent $p received SIGUSR2 from pid $c"
	done
	assert_line --index $i "child $c exited with status 0"
	[[ ${#lines[@]} -eq $((i + 1)) ]]
	assert_clean "$p" "$c"
}

@test "kill -n 7: seven rounds, and the demo name may come after the option" {
	run timeout 10 signal-demo -n 7 kill
	assert_success
	assert_line --index 0 --regexp '^kill: .* 7 rounds$'
	[[ $(grep -c 'parent [0-9]* received SIGUSR2 from pid' <<<"$output") -eq 7 ]]
	[[ $(grep -c 'child [0-9]* received SIGUSR1 from pid' <<<"$output") -eq 7 ]]
	assert_line --regexp '^round 7: parent [0-9]+ received SIGUSR2'
	refute_line --regexp '^round 8'
	pids_from "$output" '^child ([0-9]+) exited with status 0$'
	assert_clean "${PIDS[@]}"
}

@test "kill --trace: both kill() calls and the sigtimedwait() that took each" {
	run --separate-stderr timeout 10 signal-demo --trace kill -n 1
	assert_success
	pids_from "$output" '^kill: parent ([0-9]+) and child [0-9]+ .*'
	local p=${PIDS[0]}
	pids_from "$output" '^kill: parent [0-9]+ and child ([0-9]+) .*'
	local c=${PIDS[0]}
	use_stderr
	assert_line "kill(pid=$c, SIGUSR1) = 0"
	assert_line "[pid $c] sigtimedwait({SIGUSR1}, 1.000s) = SIGUSR1 (from pid $p)"
	assert_line "[pid $c] kill(pid=$p, SIGUSR2) = 0"
	assert_line "sigtimedwait({SIGUSR2,SIGCHLD}, 1.000s) = SIGUSR2 (from pid $c)"
	assert_line "waitpid(pid=$c, flags=0) = $c (exited with status 0)"
	assert_clean "$p" "$c"
}

# ---- queue ----

@test "queue -n 7: seven real-time values, all received in order from the child" {
	run timeout 10 signal-demo queue -n 7
	assert_success
	pids_from "$output" '^queue: parent ([0-9]+) blocks .*'
	local p=${PIDS[0]}
	pids_from "$output" '^child ([0-9]+) sent .*'
	local c=${PIDS[0]}
	[[ ${#PIDS[@]} -eq 1 ]]
	assert_line --index 0 --regexp "^queue: parent $p blocks SIGRTMIN; its child sends 7 values with sigqueue\(\)"
	local v
	for v in 1 2 3 4 5 6 7; do
		assert_line --index "$v" "child $c sent SIGRTMIN value=$v to parent $p"
		assert_line --index $((v + 8)) "parent $p received SIGRTMIN value=$v from pid $c"
	done
	assert_line --index 8 "child $c exited with status 0"
	assert_line --index 16 --regexp '^7 sent, 7 received, in order: a real-time signal queues'
	[[ ${#lines[@]} -eq 17 ]]
	assert_clean "$p" "$c"
}

@test "queue -n 1000: every value arrives, in order, from the child" {
	run timeout 20 signal-demo queue -n 1000
	assert_success
	pids_from "$output" '^child ([0-9]+) sent .*'
	local c=${PIDS[0]}
	local got
	got=$(sed -nE "s/^parent [0-9]+ received SIGRTMIN value=([0-9]+) from pid $c\$/\1/p" <<<"$output")
	assert_equal "$got" "$(seq 1 1000)"
	assert_line --regexp '^1000 sent, 1000 received, in order'
	pids_from "$output" '^queue: parent ([0-9]+) blocks .*'
	assert_clean "${DEMO_PIDS[@]}"
}

@test "queue --standard: six sent, one received, and why" {
	run timeout 10 signal-demo queue --standard -n 6
	assert_success
	pids_from "$output" '^child ([0-9]+) sent .*'
	local c=${PIDS[0]}
	assert_line --index 0 --regexp '^queue: parent [0-9]+ blocks SIGUSR1; its child sends 6 values'
	[[ $(grep -c "^child $c sent SIGUSR1 value=" <<<"$output") -eq 6 ]]
	[[ $(grep -c ' received SIGUSR1 value=' <<<"$output") -eq 1 ]]
	assert_line --regexp "^parent [0-9]+ received SIGUSR1 value=1 from pid $c$"
	assert_line "6 sent, 1 received: the 5 sent while SIGUSR1 was already pending merged into it"
	assert_line --regexp '^a standard signal is one pending bit, not a count \(signal\(7\)\)'
	pids_from "$output" '^queue: parent ([0-9]+) blocks .*'
	assert_clean "${DEMO_PIDS[@]}"
}

@test "queue --standard -n 1: nothing to merge, said so" {
	run timeout 10 signal-demo queue --standard -n 1
	assert_success
	assert_line '1 sent, 1 received: one signal has nothing to merge with (try -n 2)'
}

@test "queue beyond RLIMIT_SIGPENDING: EAGAIN explained, exit 1" {
	run --separate-stderr timeout 10 bash -c 'ulimit -i 3 && exec signal-demo queue -n 50'
	assert_failure 1
	assert_line --regexp '^child [0-9]+ exited with status 1$'
	assert_line --regexp '^[0-9]+ of 50 values received; the child could not send them all$'
	[[ $stderr =~ ^signal-demo:\ sigqueue\ value=[0-9]+:\ the\ kernel\ holds\ no\ more\ signals\ pending\ for\ this\ user\ \(RLIMIT_SIGPENDING,\ ulimit\ -i:\ 3\)$ ]]
	pids_from "$output" '^child ([0-9]+) exited.*'
	assert_clean "${PIDS[@]}"
}

@test "queue --trace: each sigqueue() in the child, each value taken in the parent" {
	run --separate-stderr timeout 10 signal-demo --trace queue -n 2
	assert_success
	pids_from "$output" '^queue: parent ([0-9]+) blocks .*'
	local p=${PIDS[0]}
	pids_from "$output" '^child ([0-9]+) sent .*'
	local c=${PIDS[0]}
	use_stderr
	assert_line "[pid $c] sigqueue(pid=$p, SIGRTMIN, value=1) = 0"
	assert_line "[pid $c] sigqueue(pid=$p, SIGRTMIN, value=2) = 0"
	assert_line "sigtimedwait({SIGCHLD}, 1.000s) = SIGCHLD (from pid $c)"
	assert_line "sigtimedwait({SIGRTMIN}, 0.000s) = SIGRTMIN (from pid $c, value=1)"
	assert_line "sigtimedwait({SIGRTMIN}, 0.000s) = SIGRTMIN (from pid $c, value=2)"
	assert_clean "$p" "$c"
}

# ---- alarm ----

@test "alarm: EINTR without SA_RESTART, a restarted read with it (and --trace)" {
	run --separate-stderr timeout 20 signal-demo alarm -t 1 --trace
	assert_success
	pids_from "$output" '^alarm without SA_RESTART: parent ([0-9]+) .*'
	local p=${PIDS[0]}
	assert_equal "${#lines[@]}" 7
	assert_line --index 0 "alarm without SA_RESTART: parent $p calls alarm(1), then read() from an empty pipe"
	assert_line --index 1 "  SIGALRM came; its handler wrote '!' into the pipe"
	assert_line --index 2 "  read() = -1 EINTR (Interrupted system call): without SA_RESTART the read is not restarted"
	assert_line --index 3 "  read() again = 1 byte '!': the caller has to retry by itself"
	assert_line --index 4 "alarm with SA_RESTART: parent $p calls alarm(1), then read() from an empty pipe"
	assert_line --index 5 "  SIGALRM came; its handler wrote '!' into the pipe"
	assert_line --index 6 --regexp "^  read\(\) = 1 byte '!': with SA_RESTART the kernel restarted the read"
	use_stderr
	[[ $(grep -c '^alarm(1) = 0$' <<<"$output") -eq 2 ]]
	assert_line --regexp '^read\(fd=[0-9]+, 16\) = -1 EINTR \(Interrupted system call\)$'
	[[ $(grep -cE '^read\(fd=[0-9]+, 16\) = 1 "!"$' <<<"$output") -eq 2 ]]
	assert_clean "$p"
}

# ---- raise ----

@test "raise: stopped, continued and exited, each seen by waitpid (and --trace)" {
	run --separate-stderr timeout 10 signal-demo raise --trace
	assert_success
	pids_from "$output" '^raise: parent ([0-9]+) .*'
	local p=${PIDS[0]}
	pids_from "$output" '^child ([0-9]+) stops itself.*'
	local c=${PIDS[0]}
	assert_equal "${#lines[@]}" 8
	assert_line --index 0 "raise: parent $p forks a child that stops itself; waitpid() reports each change"
	assert_line --index 1 "child $c stops itself with raise(SIGSTOP)"
	assert_line --index 2 "parent $p: waitpid(WUNTRACED): child $c stopped by SIGSTOP"
	assert_line --index 3 "parent $p sends SIGCONT to child $c"
	assert_line --index 4 "parent $p: waitpid(WCONTINUED): child $c continued"
	assert_line --index 5 "parent $p sends SIGUSR1 to child $c: it may exit now"
	assert_line --index 6 "child $c runs again; SIGUSR1 from pid $p, exiting with status 0"
	assert_line --index 7 "parent $p: waitpid(): child $c exited with status 0"
	use_stderr
	assert_line "[pid $c] raise(SIGSTOP) ..."
	assert_line "waitpid(pid=$c, flags=WUNTRACED) = $c (stopped by SIGSTOP)"
	assert_line "kill(pid=$c, SIGCONT) = 0"
	assert_line "waitpid(pid=$c, flags=WCONTINUED) = $c (continued)"
	assert_line "waitpid(pid=$c, flags=0) = $c (exited with status 0)"
	assert_clean "$p" "$c"
}

# ---- interrupted: nothing left behind ----

@test "SIGINT in the middle of kill: the child is killed and reaped, exit 130" {
	start_bg log signal-demo kill -n 100000 -d 0.05
	DEMO_PIDS+=("$PID")
	wait_for_line log '^round 2: parent [0-9]+ received SIGUSR2'
	kill -INT "$PID"
	wait_for_exit "$PID" 10
	assert_equal "$STATUS" 130
	run cat log
	pids_from "$output" '^kill: parent [0-9]+ and child ([0-9]+) .*'
	local c=${PIDS[0]}
	assert_line --regexp "^parent $PID: stopped by SIGINT; child $c (killed by SIGKILL|exited with status 130)$"
	assert_clean "$PID" "$c"
}

@test "SIGTERM while raise's child is stopped: it is killed anyway, exit 143" {
	start_bg log signal-demo raise -d 60
	DEMO_PIDS+=("$PID")
	wait_for_line log 'stopped by SIGSTOP$'
	run cat log
	pids_from "$output" '^child ([0-9]+) stops itself.*'
	local c=${PIDS[0]}
	kill -TERM "$PID"
	wait_for_exit "$PID" 10
	assert_equal "$STATUS" 143
	run cat log
	assert_line "parent $PID: stopped by SIGTERM; child $c killed by SIGKILL"
	assert_clean "$PID" "$c"
}

@test "SIGINT during alarm's blocking read: exit 130, said so" {
	# -t 5 bounds the one case where SIGINT lands just before read().
	start_bg log signal-demo alarm -t 5
	DEMO_PIDS+=("$PID")
	wait_for_line log '^alarm without SA_RESTART'
	kill -INT "$PID"
	wait_for_exit "$PID" 10
	assert_equal "$STATUS" 130
	run cat log
	assert_line '  read() = -1 EINTR: SIGINT came first; the demo ends'
	refute_line --partial 'with SA_RESTART:'
	assert_clean "$PID"
}

@test "parent killed with SIGKILL: its child goes too" {
	start_bg log signal-demo kill -n 100000 -d 0.05
	DEMO_PIDS+=("$PID")
	wait_for_line log '^round 2: parent [0-9]+ received SIGUSR2'
	run cat log
	pids_from "$output" '^kill: parent [0-9]+ and child ([0-9]+) .*'
	local c=${PIDS[0]}
	kill -KILL "$PID"
	wait_for_exit "$PID" 10
	assert_equal "$STATUS" 137
	assert_clean "$PID" "$c"
}

# ---- usage ----

@test "--help prints the usage and exits 0" {
	run signal-demo --help
	assert_success
	assert_line --index 0 'usage: ipcdemo signal-demo [kill] [-n ROUNDS] [-d SECONDS]'
	assert_line '       ipcdemo signal-demo queue [-n COUNT] [--standard]'
	assert_line '       ipcdemo signal-demo alarm [-t SECONDS]'
	assert_line '       ipcdemo signal-demo raise [-d SECONDS]'
}

# bad_usage MESSAGE ARGS...: one line saying what is wrong, the Try
# line, exit 2, nothing on stdout.
bad_usage() {
	local message=$1
	shift
	run --separate-stderr signal-demo "$@"
	assert_failure 2
	assert_output ''
	use_stderr
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 "signal-demo: $message"
	assert_line --index 1 "Try 'ipcdemo signal-demo --help'."
}

@test "bad input: unknown demo, bad numbers, extra operands, misplaced options" {
	bad_usage "unknown demo 'wave' (kill, queue, alarm or raise)" wave
	bad_usage "invalid count: '0' (must be 1..1000000)" kill -n 0
	bad_usage "invalid count: 'many' (not a number)" queue -n many
	bad_usage "invalid count: '-3' (must be 1..1000000)" queue --count=-3
	bad_usage "invalid alarm seconds: '0' (must be 1..3600)" alarm -t 0
	bad_usage "invalid alarm seconds: '1.5' (not a number)" alarm -t 1.5
	bad_usage "invalid delay: 'soon' (a number of seconds)" raise -d soon
	bad_usage "unexpected argument 'queue'" kill queue
	bad_usage "unexpected argument 'now'" alarm now
	bad_usage "-t goes with the alarm demo, not kill" kill -t 2
	bad_usage "--standard goes with the queue demo, not raise" raise --standard
	bad_usage "-d goes with the kill and raise demos, not queue" queue -d 1
	bad_usage "-n goes with the kill and queue demos, not alarm" alarm -n 2
	bad_usage "unrecognized option '--loud'" --loud
	bad_usage "option '-n' requires an argument" queue -n
}
