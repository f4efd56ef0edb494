#!/usr/bin/env bats
# tests/pipe.bats - the pipe applet (SPEC §4.1, §3): the echo demo with
# -m and with standard input, quit and EOF, long lines, --upper,
# --capacity [--size], --sigpipe, bad usage, the prompt on a terminal,
# stop signals and a child that dies.  Every test checks that each
# child was reaped and that no process is left.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
}

teardown() {
	exec 5>&- 2>/dev/null || true
	if [[ -S $TMUX_SOCK ]]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
	common_teardown
}

# ---- helpers of this file ----

# LOG holds a trace: every fork() = N in it is matched by a
# waitpid(pid=N, ...) = N, so each child was reaped by its parent.
assert_all_reaped() {
	local log=$1 pid forks=0
	for pid in $(sed -nE 's/^(\[pid [0-9]+\] )?fork\(\) = ([1-9][0-9]*)$/\2/p' "$log"); do
		forks=$((forks + 1))
		grep -qE "^(\[pid [0-9]+\] )?waitpid\(pid=$pid, flags=0\) = $pid \(" "$log" ||
			fail "child $pid was never reaped: $(cat "$log")"
	done
	((forks > 0)) || fail "no fork() in the trace: $(cat "$log")"
}

# The PID in the first "child N ..." line of a file.
child_in() {
	sed -nE 's/^child ([0-9]+) .*/\1/p' "$1" | head -n 1
}

# start_fed LOG ARGS...: "pipe ARGS" in the background, traced, with a
# FIFO as standard input whose write end is fd 5 here.  Sets PID.
start_fed() {
	local log=$1
	shift
	mkfifo "$BATS_TEST_TMPDIR/in"
	# env and the subcommand-mode script both exec: PID is pipe's own.
	# No timeout(1) here: wait_for_exit bounds the wait, and teardown
	# kills a parent that hangs.
	start_bg_stdin "$log" "$BATS_TEST_TMPDIR/in" \
		env IPCDEMO_TRACE=1 pipe "$@"
	exec 5>"$BATS_TEST_TMPDIR/in"
}

# ---- the echo demo ----

@test "-m TEXT: the child reads each message in order, then is reaped" {
	run --separate-stderr timeout 10 pipe -m one -m "two words" \
		--message three --message=four -m ""
	assert_success
	assert_equal "$stderr" ""
	local child
	child=$(sed -nE '1s/^child ([0-9]+) read: one$/\1/p' <<<"$output")
	[[ -n $child ]] || fail "first line: ${lines[0]}"
	assert_equal "$output" "child $child read: one
child $child read: two words
child $child read: three
child $child read: four
child $child read: 
child $child exited with status 0"
	assert_gone "$child"
	assert_no_ipc
	assert_no_procs
}

@test "the child's PID is the one fork() returned, and it is reaped" {
	local log=$BATS_TEST_TMPDIR/log
	IPCDEMO_TRACE=1 run --separate-stderr timeout 10 pipe -m hi
	assert_success
	printf '%s\n' "$stderr" >"$log"
	local child
	child=$(sed -nE 's/^fork\(\) = ([0-9]+)$/\1/p' "$log")
	assert_line --index 0 "child $child read: hi"
	assert_line --index 1 "child $child exited with status 0"
	assert_all_reaped "$log"
	assert_gone "$child"
	assert_no_procs
}

@test "standard input: every line in order, EOF ends it" {
	seq 1 2000 >input
	timeout 10 pipe <input >out 2>err
	assert_equal "$(cat err)" ""
	local child
	child=$(child_in out)
	assert_equal "$(sed -n "s/^child $child read: //p" out)" "$(cat input)"
	assert_equal "$(tail -n 1 out)" "child $child exited with status 0"
	assert_equal "$(wc -l <out)" 2001
	assert_gone "$child"
	assert_no_procs
}

@test "a last line without a newline is still sent" {
	run --separate-stderr timeout 10 bash -c 'printf "alpha\nbeta" | pipe'
	assert_success
	assert_line --index 0 --regexp '^child [0-9]+ read: alpha$'
	assert_line --index 1 --regexp '^child [0-9]+ read: beta$'
	assert_line --index 2 --regexp '^child [0-9]+ exited with status 0$'
	assert_equal "${#lines[@]}" 3
	assert_no_procs
}

@test "a line 'quit' ends it; what follows is not sent" {
	run --separate-stderr timeout 10 bash -c \
		'printf "first\nquit\nafter\n" | pipe'
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^child [0-9]+ read: first$'
	assert_line --index 1 --regexp '^child [0-9]+ exited with status 0$'
	refute_output --partial after
	refute_output --partial 'read: quit'
	assert_no_procs
}

@test "quit ends it while the input is still open; EOF ends it too" {
	local log=$BATS_TEST_TMPDIR/log parent child
	start_fed "$log"
	parent=$PID
	echo hello >&5
	wait_for_line "$log" '^child [0-9]+ read: hello$'
	echo quit >&5
	# fd 5 stays open: quit alone must end the conversation.
	wait_for_exit "$PID" 10
	assert_equal "$STATUS" 0
	child=$(child_in "$log")
	grep -qx "child $child exited with status 0" "$log" || fail "$(cat "$log")"
	assert_all_reaped "$log"
	exec 5>&-
	assert_gone "$parent" "$child"

	rm "$BATS_TEST_TMPDIR/in"
	start_fed "$log"
	parent=$PID
	echo hello >&5
	wait_for_line "$log" '^child [0-9]+ read: hello$'
	exec 5>&-
	wait_for_exit "$PID" 10
	assert_equal "$STATUS" 0
	child=$(child_in "$log")
	grep -qx "child $child exited with status 0" "$log" || fail "$(cat "$log")"
	assert_all_reaped "$log"
	assert_gone "$parent" "$child"
	assert_no_procs
}

@test "a line of 1 MiB arrives intact" {
	# 786432 random bytes are exactly 1048576 base64 characters.
	head -c 786432 /dev/urandom | base64 -w 0 >big
	echo >>big
	assert_equal "$(wc -c <big)" 1048577
	timeout 20 pipe <big >out 2>err
	assert_equal "$(cat err)" ""
	assert_equal "$(wc -l <out)" 2
	assert_equal "$(sed -n 's/^child [0-9]* read: //p' out | cksum)" \
		"$(cksum <big)"
	tail -n 1 out | grep -qE '^child [0-9]+ exited with status 0$'
	assert_no_procs
}

# ---- --upper ----

@test "--upper: the child answers in upper case through a second pipe" {
	local log=$BATS_TEST_TMPDIR/log
	printf 'hello\nMixed Case 123\n' >input
	IPCDEMO_TRACE=1 timeout 10 pipe --upper <input >out 2>"$log"
	local child
	child=$(child_in out)
	assert_equal "$(cat out)" "After Changed: HELLO
After Changed: MIXED CASE 123
child $child exited with status 0"
	# Two pipes: one each way.
	assert_equal "$(grep -c '^pipe(\[' "$log")" 2
	assert_all_reaped "$log"

	run --separate-stderr timeout 10 pipe --upper -m abc -m "x y"
	assert_success
	assert_line --index 0 "After Changed: ABC"
	assert_line --index 1 "After Changed: X Y"
	assert_line --index 2 --regexp '^child [0-9]+ exited with status 0$'
	assert_gone "$child"
	assert_no_procs
}

@test "--upper: quit ends it, and a 1 MiB line comes back intact" {
	run --separate-stderr timeout 10 bash -c \
		'printf "one\nquit\ntwo\n" | pipe --upper'
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 "After Changed: ONE"

	head -c 786432 /dev/urandom | base64 -w 0 >big
	echo >>big
	timeout 20 pipe --upper <big >out 2>err
	assert_equal "$(cat err)" ""
	assert_equal "$(sed -n 's/^After Changed: //p' out | cksum)" \
		"$(tr a-z A-Z <big | cksum)"
	assert_no_procs
}

# ---- --capacity ----

@test "--capacity: the pipe holds 65536 bytes, as F_GETPIPE_SZ says" {
	IPCDEMO_TRACE=1 run --separate-stderr timeout 10 pipe --capacity
	assert_success
	assert_equal "$output" "F_GETPIPE_SZ: 65536 bytes
pipe held 65536 bytes before a write would block (EAGAIN)"
	[[ $stderr == *"F_GETPIPE_SZ) = 65536"* ]] || fail "$stderr"
	[[ $stderr == *"F_SETFL, O_WRONLY|O_NONBLOCK) = 0"* ]] || fail "$stderr"
	assert_no_procs
}

# The size F_SETPIPE_SZ gives for a request: whole pages, rounded up
# to a power of two (fs/pipe.c round_pipe_size).
kernel_pipe_size() {
	local want=$1 page pages n=1
	page=$(getconf PAGESIZE)
	pages=$(((want + page - 1) / page))
	while ((n < pages)); do n=$((n * 2)); done
	echo $((n * page))
}

@test "--capacity --size N: the kernel rounds N up and the pipe holds it" {
	local max size want got
	max=$(cat /proc/sys/fs/pipe-max-size)
	for size in 1 4097 100000 64K 1M "$max"; do
		want=$size
		[[ $size == 64K ]] && want=65536
		[[ $size == 1M ]] && want=1048576
		((want <= max)) || continue
		got=$(kernel_pipe_size "$want")
		IPCDEMO_TRACE=1 run --separate-stderr timeout 10 \
			pipe --capacity --size "$size"
		assert_success
		assert_equal "$output" "asked F_SETPIPE_SZ for $want bytes, the kernel gave $got
F_GETPIPE_SZ: $got bytes
pipe held $got bytes before a write would block (EAGAIN)"
		[[ $stderr == *"F_SETPIPE_SZ, $want) = $got"* ]] ||
			fail "no F_SETPIPE_SZ line: $stderr"
	done
	assert_no_procs
}

@test "--capacity --size out of range: one line, exit 2" {
	local max bad
	max=$(cat /proc/sys/fs/pipe-max-size)
	for bad in 0 -1 -4096 junk 12Q 4096x "" " 4096" $((max + 1)) 2G \
		99999999999999999999999; do
		run --separate-stderr timeout 10 pipe --capacity --size "$bad"
		assert_usage_error pipe "invalid pipe size: '$bad' \(.*\)"
	done
	run --separate-stderr timeout 10 pipe --capacity --size $((max + 1))
	assert_usage_error pipe "invalid pipe size: '$((max + 1))' \(must be 1\.\.$max bytes\)"
	assert_no_procs
}

# ---- --sigpipe ----

@test "--sigpipe: killed by SIGPIPE first, then EPIPE when ignored" {
	local log=$BATS_TEST_TMPDIR/log
	IPCDEMO_TRACE=1 timeout 10 pipe --sigpipe >out 2>"$log"
	local -a l
	mapfile -t l <out
	assert_equal "${#l[@]}" 7
	local r1 w1 r2 w2
	[[ ${l[0]} =~ ^reader\ ([0-9]+)\ closed\ the\ read\ end\ and\ exits$ ]] ||
		fail "line 1: ${l[0]}"
	r1=${BASH_REMATCH[1]}
	[[ ${l[1]} =~ ^writer\ ([0-9]+)\ writes\ with\ SIGPIPE\ at\ its\ default$ ]] ||
		fail "line 2: ${l[1]}"
	w1=${BASH_REMATCH[1]}
	assert_equal "${l[2]}" "writer $w1 killed by SIGPIPE"
	[[ ${l[3]} =~ ^reader\ ([0-9]+)\ closed\ the\ read\ end\ and\ exits$ ]] ||
		fail "line 4: ${l[3]}"
	r2=${BASH_REMATCH[1]}
	[[ ${l[4]} =~ ^writer\ ([0-9]+)\ writes\ with\ SIGPIPE\ ignored$ ]] ||
		fail "line 5: ${l[4]}"
	w2=${BASH_REMATCH[1]}
	assert_equal "${l[5]}" \
		"writer $w2: write failed with EPIPE: Broken pipe (reader has gone)"
	assert_equal "${l[6]}" "writer $w2 exited with status 0"
	grep -q "^waitpid(pid=$w1, flags=0) = $w1 (killed by SIGPIPE)$" "$log" ||
		fail "$(cat "$log")"
	grep -q "^\[pid $w2\] write(.*) = -1 EPIPE (Broken pipe)$" "$log" ||
		fail "$(cat "$log")"
	assert_all_reaped "$log"
	assert_gone "$r1" "$w1" "$r2" "$w2"
	assert_no_procs
}

# ---- bad usage ----

@test "the modes exclude each other" {
	local pair
	for pair in "--upper --capacity" "--capacity --upper" \
		"--upper --sigpipe" "--capacity --sigpipe" \
		"--sigpipe --capacity"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr timeout 10 pipe $pair
		assert_usage_error pipe "--upper, --capacity and --sigpipe exclude each other"
	done
	for pair in "--size 8192" "--upper --size 8192" "--sigpipe --size 4K"; do
		# shellcheck disable=SC2086
		run --separate-stderr timeout 10 pipe $pair
		assert_usage_error pipe "--size goes with --capacity"
	done
	assert_no_procs
}

@test "-m goes with the echo and --upper demos only" {
	run --separate-stderr timeout 10 pipe --capacity -m hi
	assert_usage_error pipe "-m goes with the echo and --upper demos"
	run --separate-stderr timeout 10 pipe -m hi --sigpipe
	assert_usage_error pipe "-m goes with the echo and --upper demos"
	assert_no_procs
}

@test "unknown options, missing arguments and operands are usage errors" {
	run --separate-stderr timeout 10 pipe --bogus
	assert_usage_error pipe "unrecognized option '--bogus'"
	run --separate-stderr timeout 10 pipe -x
	assert_usage_error pipe "invalid option '-x'"
	run --separate-stderr timeout 10 pipe -m hi -q
	assert_usage_error pipe "invalid option '-q'"
	run --separate-stderr timeout 10 pipe --upper=yes
	assert_usage_error pipe ".*'--upper.*"
	run --separate-stderr timeout 10 pipe -m
	assert_usage_error pipe "option '-m' requires an argument"
	run --separate-stderr timeout 10 pipe --message
	assert_usage_error pipe "option '--message' requires an argument"
	run --separate-stderr timeout 10 pipe --capacity --size
	assert_usage_error pipe "option '--size' requires an argument"
	run --separate-stderr timeout 10 pipe hello
	assert_usage_error pipe "unexpected argument 'hello'"
	run --separate-stderr timeout 10 pipe -m a b
	assert_usage_error pipe "unexpected argument 'b'"
	assert_no_procs
}

@test "--help describes every option" {
	run --separate-stderr pipe --help
	assert_success
	assert_line --index 0 'usage: ipcdemo pipe [--upper] [-m TEXT]...'
	local opt
	for opt in -m --message --upper --capacity --size --sigpipe --trace \
		-h --help; do
		assert_output --partial -- "$opt"
	done
}

# ---- the prompt: only on a terminal ----

# tmux_start CMD: runs CMD in a detached tmux pane of 100x30 that stays
# after CMD exits, so its last screen can be read; CMD's exit status
# goes to $BATS_TEST_TMPDIR/status.  The pane's shell ignores SIGINT
# while it waits, as an interactive shell would; the applet installs
# its own handler whatever it inherits.
tmux_start() {
	printf 'set -g remain-on-exit on\nset -g history-limit 2000\n' \
		>"$BATS_TEST_TMPDIR/tmux.conf"
	tmux -S "$TMUX_SOCK" -f "$BATS_TEST_TMPDIR/tmux.conf" \
		new-session -d -s demo -x 100 -y 30 \
		"trap '' INT; $1; echo \$? >'$BATS_TEST_TMPDIR/status'" 3>&-
}

pane_text() {
	tmux -S "$TMUX_SOCK" capture-pane -p -J -t demo -S - -E -
}

# wait_for_pane REGEX [SECS]: bounded wait for the screen to match.
wait_for_pane() {
	local tries=$((${2:-10} * 20))
	until pane_text | grep -qE -- "$1"; do
		((tries-- > 0)) || {
			echo "timed out waiting for /$1/ on the screen:" >&2
			pane_text >&2
			return 1
		}
		sleep 0.05
	done
}

# wait_for_prompts N: bounded wait for N prompts on the screen.
wait_for_prompts() {
	local tries=200
	until (($(pane_text | grep -o 'input> ' | wc -l) >= $1)); do
		((tries-- > 0)) || fail "no $1 prompts: $(pane_text)"
		sleep 0.05
	done
}

# Types TEXT and Enter, as a person would.
type_line() {
	tmux -S "$TMUX_SOCK" send-keys -t demo -l -- "$1"
	tmux -S "$TMUX_SOCK" send-keys -t demo Enter
}

# The PID of the applet started by tmux_start, a child of the pane's
# shell.
pane_applet() {
	local shell tries=200 pid
	shell=$(tmux -S "$TMUX_SOCK" display -p -t demo '#{pane_pid}')
	until pid=$(pgrep -P "$shell") && [[ -n $pid ]]; do
		((tries-- > 0)) || fail "no process under the pane's shell"
		sleep 0.05
	done
	echo "$pid"
}

# Waits for the applet started by tmux_start to end; sets STATUS.
# (tmux 3.3's own #{pane_dead_status} is sometimes never set, so the
# pane's shell writes the status to a file.)
wait_for_pane_exit() {
	local tries=200
	until [[ -s $BATS_TEST_TMPDIR/status ]]; do
		((tries-- > 0)) || fail "still running: $(pane_text)"
		sleep 0.05
	done
	STATUS=$(cat "$BATS_TEST_TMPDIR/status")
}

@test "on a terminal the prompt 'input> ' appears; typed lines go through" {
	tmux_start pipe
	local parent
	parent=$(pane_applet)
	wait_for_pane '^input> $'
	type_line hello
	wait_for_pane 'child [0-9]+ read: hello$'
	local child
	child=$(pane_text | sed -nE 's/.*child ([0-9]+) read: hello$/\1/p')
	# The prompt comes back for the next line (before or after the
	# child's line: they are two processes writing to one terminal).
	wait_for_prompts 2
	type_line quit
	wait_for_pane_exit
	assert_equal "$STATUS" 0
	run pane_text
	assert_line 'input> hello'
	assert_line "child $child exited with status 0"
	assert_equal "$(grep -o 'input> ' <<<"$output" | wc -l)" 2
	refute_output --partial 'read: quit'
	assert_gone "$parent" "$child"
	tmux -S "$TMUX_SOCK" kill-server
	assert_no_procs
}

@test "Ctrl-C at the prompt stops parent and child, exit 130" {
	tmux_start "pipe --upper"
	local parent
	parent=$(pane_applet)
	wait_for_pane '^input> $'
	type_line hello
	wait_for_pane '^After Changed: HELLO$'
	wait_for_pane '^input> $'
	tmux -S "$TMUX_SOCK" send-keys -t demo C-c
	wait_for_pane_exit
	assert_equal "$STATUS" 130
	run pane_text
	# The terminal sent SIGINT to both; the parent still reaped the child.
	assert_line --regexp '^(input> )?(\^C)?child [0-9]+ exited with status 130$'
	local child
	child=$(sed -nE 's/.*child ([0-9]+) exited.*/\1/p' <<<"$output")
	assert_gone "$parent" "$child"
	tmux -S "$TMUX_SOCK" kill-server
	assert_no_procs
}

@test "no prompt when standard input is not a terminal" {
	run --separate-stderr timeout 10 bash -c 'printf "hello\nquit\n" | pipe'
	assert_success
	refute_output --partial 'input>'
	run --separate-stderr timeout 10 pipe </dev/null
	assert_success
	refute_output --partial 'input>'
	assert_line --index 0 --regexp '^child [0-9]+ exited with status 0$'
	assert_no_procs
}

# ---- stop signals and a dying child ----

# stop_while_waiting SIG [ARGS]: SIG to the parent while it waits on its
# standard input; the child is reaped and the parent exits 128+SIG.
stop_while_waiting() {
	local sig=$1 log=$BATS_TEST_TMPDIR/log parent child
	shift
	start_fed "$log" "$@"
	parent=$PID
	echo ready >&5
	wait_for_line "$log" '^(child [0-9]+ read: ready|After Changed: READY)$'
	child=$(sed -nE 's/^fork\(\) = ([0-9]+)$/\1/p' "$log")
	[[ -n $child ]] || fail "no fork line: $(cat "$log")"
	# Nothing is reaped yet and nothing is a zombie.
	assert_equal "$(ps -o pid= --ppid "$parent" | tr -d ' ')" "$child"
	run ps -o stat= -p "$child"
	refute_output --partial Z
	kill -"$sig" "$parent"
	wait_for_exit "$PID" 10
	assert_equal "$STATUS" $((128 + $(kill -l "$sig")))
	grep -qx "child $child exited with status 0" "$log" || fail "$(cat "$log")"
	assert_all_reaped "$log"
	exec 5>&-
	assert_gone "$parent" "$child"
	assert_no_procs
}

@test "SIGINT while waiting for input: child reaped, exit 130" {
	stop_while_waiting INT
}

@test "SIGTERM while waiting for input: child reaped, exit 143" {
	stop_while_waiting TERM
}

@test "SIGHUP while waiting for input: child reaped, exit 129" {
	stop_while_waiting HUP
}

@test "SIGTERM in --upper mode: child reaped, exit 143" {
	stop_while_waiting TERM --upper
}

# child_dies_while_waiting [ARGS]: the child is killed while the parent
# waits on standard input; SPEC §3: noticed within about a second
# without more input, reported in one line, reaped, exit 1.
child_dies_while_waiting() {
	local log=$BATS_TEST_TMPDIR/log parent child
	start_fed "$log" "$@"
	parent=$PID
	echo ready >&5
	wait_for_line "$log" '^(child [0-9]+ read: ready|After Changed: READY)$'
	child=$(sed -nE 's/^fork\(\) = ([0-9]+)$/\1/p' "$log")
	[[ -n $child ]] || fail "no fork line: $(cat "$log")"
	kill -KILL "$child"
	wait_for_exit "$PID" 5
	assert_equal "$STATUS" 1
	grep -qx "child $child killed by SIGKILL" "$log" || fail "$(cat "$log")"
	assert_all_reaped "$log"
	exec 5>&-
	assert_gone "$parent" "$child"
	assert_no_procs
}

@test "a child killed while the parent waits is noticed and reaped" {
	child_dies_while_waiting
}

@test "--upper: a child killed while the parent waits is noticed and reaped" {
	child_dies_while_waiting --upper
}
