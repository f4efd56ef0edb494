#!/usr/bin/env bats
# shm-server: the tutorials' shared-memory pair, server side (SPEC §4.4).

bats_require_minimum_version 1.5.0

load helpers
load shm_helpers

setup() {
	shm_setup
}

teardown() {
	shm_teardown
}

@test "shm-server --help prints the usage and exits 0" {
	run shm-server --help
	assert_success
	assert_line --index 0 --partial 'usage: ipcdemo shm-server'
	assert_output --partial '--sync MODE'
}

@test "shm-server: bad options are usage errors naming the bounds" {
	run --separate-stderr shm-server -s 100
	assert_failure 2
	assert_equal "${stderr_lines[0]}" \
		"shm-server: invalid segment size: '100' (must be 448..1073741824 bytes)"
	assert_equal "${stderr_lines[1]}" "Try 'ipcdemo shm-server --help'."
	run --separate-stderr shm-server -s 2G
	assert_failure 2
	run --separate-stderr shm-server --sync smoke
	assert_failure 2
	assert_equal "${stderr_lines[0]}" \
		"shm-server: invalid sync mode: 'smoke' (signal, sem or futex)"
	run --separate-stderr shm-server --spin 5
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "shm-server: --spin goes with --sync futex"
	run --separate-stderr shm-server --bogus
	assert_failure 2
	assert_no_ipc
}

# A scripted conversation: every line comes back exactly, in order.
conversation() {
	local mode=$1 i
	for ((i = 1; i <= 1000; i++)); do
		printf 'line %d of the %s conversation: %*s|\n' "$i" "$mode" \
			$((i % 70)) ''
	done >input.txt
	start_server server.log --sync "$mode"
	run timeout 60 shm-client -k "$KEY" --sync "$mode" <input.txt
	assert_success
	printf '%s\n' "$output" | lines_with /dev/stdin 'reply: ' >replies.txt
	cmp input.txt replies.txt
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	lines_with server.log 'read: ' >read.txt
	cmp input.txt read.txt
	assert_line --partial "sync $mode"
	run cat server.log
	assert_line --partial "shmid"
	assert_line --regexp "^client [0-9]+ ended the conversation$"
	assert_no_ipc
}

@test "shm-server: 1000-line conversation, --sync signal" {
	conversation signal
}

@test "shm-server: 1000-line conversation, --sync sem" {
	conversation sem
}

@test "shm-server: 1000-line conversation, --sync futex" {
	conversation futex
}

@test "shm-server: quit on the client ends both, in every mode" {
	local mode
	for mode in "${MODES[@]}"; do
		start_server server.log --sync "$mode"
		run timeout 10 shm-client -k "$KEY" --sync "$mode" \
			<<<$'first\nquit\nnever sent'
		assert_success
		assert_line 'reply: first'
		refute_output --partial 'never sent'
		wait_for_exit "$SERVER_PID" 10
		assert_equal "$STATUS" 0
		run grep -c '^read: ' server.log
		assert_output 1
		assert_no_ipc
	done
}

@test "shm-server: a 1 MiB line through a 4 KiB segment arrives whole" {
	local mode
	head -c 786432 /dev/urandom | base64 -w0 >big.txt
	echo >>big.txt
	assert_equal "$(wc -c <big.txt)" 1048577
	for mode in "${MODES[@]}"; do
		start_server server.log -s 4096 --sync "$mode"
		run timeout 30 shm-client -k "$KEY" --sync "$mode" <big.txt
		assert_success
		printf '%s\n' "$output" | lines_with /dev/stdin 'reply: ' >back.txt
		cmp big.txt back.txt
		wait_for_exit "$SERVER_PID" 10
		assert_equal "$STATUS" 0
		lines_with server.log 'read: ' >read.txt
		cmp big.txt read.txt
		assert_no_ipc
	done
}

# The client is SIGKILLed mid-conversation; the server says so and a
# new client is served.
client_killed() {
	local mode=$1 first
	start_server server.log --sync "$mode"
	open_input in
	start_client client.log in --sync "$mode"
	echo one >&4
	wait_for_line client.log '^reply: one$'
	first=$CLIENT_PID
	kill -KILL "$first"
	wait_for_line server.log "^client $first died" 8
	run grep -c '^waiting for a client' server.log
	assert_output 2
	run timeout 10 shm-client -k "$KEY" --sync "$mode" -m two
	assert_success
	assert_line 'reply: two'
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	assert_no_ipc
	assert_gone "$first" "$SERVER_PID"
}

@test "shm-server: survives a SIGKILLed client, --sync signal" {
	client_killed signal
}

@test "shm-server: survives a SIGKILLed client, --sync sem" {
	client_killed sem
}

@test "shm-server: survives a SIGKILLed client, --sync futex" {
	client_killed futex
}

# A stop signal: clean exit 128+N, objects removed, the client told.
server_stopped() {
	local sig=$1 num=$2 mode=$3
	start_server server.log --sync "$mode"
	open_input in
	start_client client.log in --sync "$mode"
	echo hi >&4
	wait_for_line client.log '^reply: hi$'
	kill -"$sig" "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 5
	assert_equal "$STATUS" $((128 + num))
	wait_for_exit "$CLIENT_PID" 5
	assert_equal "$STATUS" 1
	run cat client.log
	assert_line --regexp "^shm-client: server [0-9]+ has shut down$"
	run cat server.log
	assert_line "stopped by SIG$sig; removing the segment"
	assert_no_ipc
}

@test "shm-server: SIGINT ends it cleanly (--sync signal)" {
	server_stopped INT 2 signal
}

@test "shm-server: SIGTERM ends it cleanly (--sync sem)" {
	server_stopped TERM 15 sem
}

@test "shm-server: SIGHUP ends it cleanly (--sync futex)" {
	server_stopped HUP 1 futex
}

@test "shm-server: a SIGINT while waiting for a client removes everything" {
	start_server server.log --sync sem
	assert_segment_exists
	kill -INT "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 5
	assert_equal "$STATUS" 130
	assert_no_ipc
}

@test "shm-server: a second server is refused" {
	start_server server.log
	run --separate-stderr shm-server -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "shm-server: server already running (PID $SERVER_PID)"
	run --separate-stderr shm-server -k "$KEY" --force
	assert_failure 1
	assert_equal "$stderr" "shm-server: server already running (PID $SERVER_PID)"
	run timeout 10 shm-client -k "$KEY" -m still-there
	assert_success
	assert_line 'reply: still-there'
	wait_for_exit "$SERVER_PID" 10
	assert_no_ipc
}

# A server killed with SIGKILL leaves its objects; the next one names
# them and the command that removes them, and --force reclaims them.
stale() {
	local mode=$1 shmid cmd
	start_server server.log --sync "$mode"
	shmid=$(sed -n 's/^created segment shmid \([0-9]*\),.*/\1/p' server.log)
	kill -KILL "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 5
	assert_segment_exists
	run --separate-stderr shm-server -k "$KEY" --sync "$mode"
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_output --partial "key $KEY"
	assert_regex "$stderr" "^shm-server: stale segment shmid $shmid for key $KEY \(its server, PID [0-9]+, is gone\): remove it with 'ipcrm -m $shmid.*', or start with --force to reclaim it$"
	cmd=$(sed -n "s/.*remove it with '\([^']*\)'.*/\1/p" <<<"$stderr")
	assert_segment_exists
	echo "$cmd" >removal-command
	start_server server2.log --sync "$mode" --force
	run cat server2.log
	assert_line "reclaiming stale segment shmid $shmid (key $KEY)"
	run timeout 10 shm-client -k "$KEY" --sync "$mode" -m after-reclaim
	assert_success
	assert_line 'reply: after-reclaim'
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	assert_no_ipc
}

@test "shm-server: a stale segment is reported, then reclaimed with --force" {
	stale signal
	assert_equal "$(cat removal-command)" "ipcrm -m $(sed -n 's/^created segment shmid \([0-9]*\),.*/\1/p' server.log)"
}

@test "shm-server: a stale sem-mode channel names both objects; the command works" {
	local cmd semid
	start_server server.log --sync sem
	semid=$(sed -n 's/^created semaphore set semid \([0-9]*\)$/\1/p' server.log)
	kill -KILL "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 5
	run --separate-stderr shm-server -k "$KEY" --sync sem
	assert_failure 1
	cmd=$(sed -n "s/.*remove it with '\([^']*\)'.*/\1/p" <<<"$stderr")
	assert_regex "$cmd" "^ipcrm -m [0-9]+ -s $semid$"
	run $cmd
	assert_success
	assert_no_ipc
}

@test "shm-server: the stale sem-mode channel is reclaimed with --force" {
	stale sem
	run cat server2.log
	assert_line --regexp '^reclaiming stale semaphore set [0-9]+$'
}

@test "shm-server: a segment that is not ours is refused, even with --force" {
	local shmid kind
	for kind in foreign foreign-size; do
		shmid=$("$HOSTILE" "$KEY" signal "$kind")
		run --separate-stderr shm-server -k "$KEY" --force
		assert_failure 1
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" "^shm-server: key $KEY is taken by segment shmid $shmid, which is not an ipcdemo channel \(.*\); not touching it$"
		# Still there, untouched.
		run "$UL_IPCS" -m -i "$shmid"
		assert_success
		"$UL_IPCRM" -m "$shmid"
		assert_no_ipc
	done
}

@test "shm-server: --mode widens the permissions, 0600 by default" {
	start_server server.log
	run "$UL_IPCS" -m
	assert_line --regexp "^$KEY +[0-9]+ +[a-z]+ +600 +4096 "
	kill -TERM "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 5
	start_server server2.log --mode 0640 -s 8192 --sync sem
	run "$UL_IPCS" -m
	assert_line --regexp "^$KEY +[0-9]+ +[a-z]+ +640 +8192 "
	run "$UL_IPCS" -s
	assert_line --regexp "^$KEY +[0-9]+ +[a-z]+ +640 +2 "
	kill -TERM "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 5
	assert_no_ipc
}

# The hostile peer connects as a client, then breaks one rule.
hostile() {
	local attack=$1 expected=$2 mode
	for mode in "${MODES[@]}"; do
		start_server server.log --sync "$mode"
		run timeout 20 "$HOSTILE" "$KEY" "$mode" "$attack"
		assert_success
		wait_for_exit "$SERVER_PID" 10
		assert_equal "$STATUS" 1
		run grep '^shm-server:' server.log
		assert_output --regexp "^shm-server: corrupt header: $expected"
		assert_equal "${#lines[@]}" 1
		run grep -c 'runtime error\|AddressSanitizer' server.log
		assert_output 0
		assert_no_ipc
	done
}

@test "shm-server: a hostile client writing a wrong magic" {
	hostile magic 'bad magic 0x0badbad0'
}

@test "shm-server: a hostile client writing a wrong version" {
	hostile version 'version 99, expected 1$'
}

@test "shm-server: a hostile client writing an out-of-range length" {
	hostile length 'client->server record at [0-9]+ says 2147483647 bytes'
}

@test "shm-server: a hostile client moving its sequence backwards" {
	hostile backwards 'client->server write position went back from 16 to 8$'
}

@test "shm-server: --trace shows the system calls of each mode" {
	local mode
	declare -A waits=([signal]='^sigtimedwait\(\{SIGUSR2\}'
		[sem]='^semtimedop\(semid=[0-9]+, \{0, -1, 0\}'
		[futex]='^futex\(0x[0-9a-f]+, FUTEX_WAIT')
	declare -A wakes=([signal]='^kill\(pid=[0-9]+, SIGUSR2\) = 0'
		[sem]='^semop\(semid=[0-9]+, \{0, \+0, IPC_NOWAIT\} \{0, \+1, 0\}\) = 0'
		[futex]='^futex\(0x[0-9a-f]+, FUTEX_WAKE, 1\)')
	for mode in "${MODES[@]}"; do
		start_server server.log --trace --sync "$mode"
		run grep -E '^shmget\(key='"$KEY"', size=4096, IPC_CREAT\|IPC_EXCL\|0600\) = [0-9]+$' server.log
		assert_success
		run grep -E '^shmat\(shmid=[0-9]+, .*\) = 0x' server.log
		assert_success
		run timeout 10 shm-client --trace -k "$KEY" --sync "$mode" -m traced
		assert_success
		assert_line 'reply: traced'
		assert_line --regexp '^shmget\(key='"$KEY"', size=0, 0600\) = [0-9]+$'
		assert_line --regexp '^shmat\(shmid=[0-9]+, .*\) = 0x'
		assert_line --regexp "${wakes[$mode]}"
		wait_for_exit "$SERVER_PID" 10
		run grep -E "${waits[$mode]}" server.log
		assert_success
		run grep -E '^shmctl\(shmid=[0-9]+, IPC_RMID\) = 0$' server.log
		assert_success
		assert_no_ipc
	done
}

@test "shm-server and shm-client in two tmux panes, typed into by a person" {
	TMUX_SOCK=ipcdemo-shm-$$-$BATS_TEST_NUMBER TMUX_SESSION=shm
	# Each pane's shell writes its command's exit status when it ends,
	# then waits on the terminal: a pane whose shell has exited may lose
	# the last lines tmux had not read yet.
	tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s shm -x 160 -y 40 \
		"shm-server -k $KEY; echo \$? >server.status; read -r _"
	wait_for_tmux_pane 0 '^waiting for a client'
	tmux -L "$TMUX_SOCK" split-window -t shm:0 -v \
		"shm-client -k $KEY; echo \$? >client.status; read -r _"
	wait_for_tmux_pane 1 '^input> ?$'
	tmux -L "$TMUX_SOCK" send-keys -t shm:0.1 'hello' Enter
	wait_for_tmux_pane 0 '^read: hello$'
	wait_for_tmux_pane 1 '^reply: hello$'
	wait_for_tmux_pane 1 '^input> ?$'
	tmux -L "$TMUX_SOCK" send-keys -t shm:0.1 'quit' Enter
	wait_for_line server.status . 10
	wait_for_line client.status . 10
	assert_equal "$(cat server.status) $(cat client.status)" "0 0"
	wait_for_tmux_pane 0 '^client [0-9]+ ended the conversation$'
	run tmux_pane 1
	assert_output --partial 'connected as client'
	refute_output --partial 'shm-client:'
	assert_no_ipc
}
