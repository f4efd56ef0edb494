#!/usr/bin/env bats
# shm-client: the tutorials' shared-memory pair, client side (SPEC §4.4).

bats_require_minimum_version 1.5.0

load helpers
load shm_helpers

setup() {
	shm_setup
}

teardown() {
	shm_teardown
}

@test "shm-client --help prints the usage and exits 0" {
	run shm-client --help
	assert_success
	assert_line --index 0 --partial 'usage: ipcdemo shm-client'
}

@test "shm-client: bad options are usage errors" {
	run --separate-stderr shm-client --sync pigeon
	assert_failure 2
	assert_equal "${stderr_lines[0]}" \
		"shm-client: invalid sync mode: 'pigeon' (signal, sem or futex)"
	assert_equal "${stderr_lines[1]}" "Try 'ipcdemo shm-client --help'."
	run --separate-stderr shm-client --sync futex --spin -1
	assert_failure 2
	run --separate-stderr shm-client extra
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "shm-client: unexpected argument 'extra'"
}

@test "shm-client: no server is one line saying how to start one" {
	run --separate-stderr shm-client -k "$KEY" -m hello
	assert_failure 1
	assert_output "key $KEY from --key"
	assert_equal "$stderr" \
		"shm-client: no server for key $KEY: start one first with 'ipcdemo shm-server --key $KEY'"
	assert_no_ipc
}

@test "shm-client: a stale segment (its server killed) is not a server" {
	start_server server.log
	kill -KILL "$SERVER_PID"
	wait_for_exit "$SERVER_PID" 5
	run --separate-stderr timeout 10 shm-client -k "$KEY" -m hello
	assert_failure 1
	assert_regex "$stderr" "^shm-client: server $SERVER_PID died \(process $SERVER_PID no longer exists\); what it left stays until 'ipcrm -m [0-9]+' or 'shm-server --force'$"
	assert_segment_exists
	"$UL_IPCRM" -M "$KEY"
	assert_no_ipc
}

@test "shm-client: the default key is ftok(\".\", 'z'), printed at start-up" {
	shm-server >server.log 2>&1 3>&- </dev/null &
	SERVER_PID=$!
	BG_PIDS+=("$SERVER_PID")
	wait_for_line server.log '^waiting for a client' 10
	local key
	key=$(sed -n 's/^key \(0x[0-9a-f]*\) from .*/\1/p' server.log)
	run cat server.log
	assert_line "key $key from ftok(\".\", 'z')"
	run timeout 10 shm-client -m dot
	assert_success
	assert_line "key $key from ftok(\".\", 'z')"
	assert_line 'reply: dot'
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	assert_no_ipc "$key"
}

@test "shm-client: -m sends each text, and -m quit ends the conversation" {
	start_server server.log --sync futex
	run timeout 10 shm-client -k "$KEY" --sync futex --spin 0 -m one -m 'two words' -m quit -m never
	assert_success
	assert_line --index 3 'reply: one'
	assert_line --index 4 'reply: two words'
	refute_output --partial never
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	assert_no_ipc
}

@test "shm-client: a mode mismatch names both modes; the server carries on" {
	start_server server.log --sync sem
	run --separate-stderr shm-client -k "$KEY" -m x
	assert_failure 1
	assert_equal "$stderr" \
		"shm-client: the server uses --sync sem, this client --sync signal; start the client with --sync sem"
	run --separate-stderr shm-client -k "$KEY" --sync futex -m x
	assert_failure 1
	assert_equal "$stderr" \
		"shm-client: the server uses --sync sem, this client --sync futex; start the client with --sync sem"
	refute grep -q connected server.log
	run timeout 10 shm-client -k "$KEY" --sync sem -m matched
	assert_success
	assert_line 'reply: matched'
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	assert_no_ipc
}

@test "shm-client: a second client is refused; the first carries on" {
	start_server server.log --sync futex
	open_input in
	start_client client.log in --sync futex
	run --separate-stderr shm-client -k "$KEY" --sync futex -m intruder
	assert_failure 1
	assert_equal "$stderr" \
		"shm-client: another client (PID $CLIENT_PID) is connected; one client at a time"
	echo first-still-here >&4
	wait_for_line client.log '^reply: first-still-here$'
	exec 4>&-
	wait_for_exit "$CLIENT_PID" 10
	assert_equal "$STATUS" 0
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	refute grep -q intruder server.log
	assert_no_ipc
}

@test "shm-client: as another user it gets a permission error; the server is unaffected" {
	local dir
	start_server server.log
	# nobody can reach neither the bats directories nor their links.
	dir=$(mktemp -d /tmp/shm-perm.XXXXXX)
	chmod 755 "$dir"
	if [[ $IPCDEMO_MODE == symlink ]]; then
		ln -s "$IPCDEMO" "$dir/shm-client"
		run --separate-stderr bash -c "cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups '$dir/shm-client' -k $KEY -m sneaky"
	else
		run --separate-stderr bash -c "cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups '$IPCDEMO' shm-client -k $KEY -m sneaky"
	fi
	rm -rf "$dir"
	assert_failure 1
	assert_equal "$stderr" \
		"shm-client: cannot open the server's segment (key $KEY): Permission denied"
	run timeout 10 shm-client -k "$KEY" -m owner
	assert_success
	assert_line 'reply: owner'
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	refute grep -q sneaky server.log
	assert_no_ipc
}

# The server is SIGKILLed while the client waits at its prompt: the
# client notices within about a second, names what was left behind,
# exits 1, and removes nothing.
server_killed() {
	local mode=$1 cmd
	start_server server.log --sync "$mode"
	open_input in
	start_client client.log in --sync "$mode"
	echo before >&4
	wait_for_line client.log '^reply: before$'
	kill -KILL "$SERVER_PID"
	wait_for_exit "$CLIENT_PID" 6
	assert_equal "$STATUS" 1
	run grep '^shm-client:' client.log
	assert_output --regexp "^shm-client: server $SERVER_PID died \(.*\); what it left stays until 'ipcrm -m [0-9]+( -s [0-9]+)?' or 'shm-server --force'$"
	# The client removed nothing; the command it named removes it all.
	assert_segment_exists
	cmd=$(sed -n "s/.*stays until '\([^']*\)'.*/\1/p" client.log)
	run $cmd
	assert_success
	assert_no_ipc
}

@test "shm-client: notices a SIGKILLed server, --sync signal" {
	server_killed signal
}

@test "shm-client: notices a SIGKILLed server, --sync sem" {
	server_killed sem
}

@test "shm-client: notices a SIGKILLed server, --sync futex" {
	server_killed futex
}

@test "shm-client: notices a server SIGKILLed while it waits for the reply" {
	start_server server.log --sync futex
	# Stop the server, so the line is never answered, then kill it.
	kill -STOP "$SERVER_PID"
	open_input in
	shm-client -k "$KEY" --sync futex >client.log 2>&1 3>&- 4>&- <in &
	CLIENT_PID=$!
	BG_PIDS+=("$CLIENT_PID")
	echo unanswered >&4
	sleep 0.3 # no line to await: the client is blocked by design
	kill -KILL "$SERVER_PID"
	wait_for_exit "$CLIENT_PID" 6
	assert_equal "$STATUS" 1
	run grep -c "^shm-client: server $SERVER_PID died" client.log
	assert_output 1
	"$UL_IPCRM" -M "$KEY"
	assert_no_ipc
}

# A stop signal on the client: it exits 128+N and only detaches; the
# server says the client left and serves the next one.
client_stopped() {
	local sig=$1 num=$2 mode=$3
	start_server server.log --sync "$mode"
	open_input in
	start_client client.log in --sync "$mode"
	echo hi >&4
	wait_for_line client.log '^reply: hi$'
	kill -"$sig" "$CLIENT_PID"
	wait_for_exit "$CLIENT_PID" 5
	assert_equal "$STATUS" $((128 + num))
	wait_for_line server.log "^client $CLIENT_PID left$"
	assert_segment_exists
	run timeout 10 shm-client -k "$KEY" --sync "$mode" -m next
	assert_success
	assert_line 'reply: next'
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	assert_no_ipc
}

@test "shm-client: SIGINT ends it cleanly (--sync futex)" {
	client_stopped INT 2 futex
}

@test "shm-client: SIGTERM ends it cleanly (--sync signal)" {
	client_stopped TERM 15 signal
}

@test "shm-client: SIGHUP ends it cleanly (--sync sem)" {
	client_stopped HUP 1 sem
}

@test "shm-client: EOF ends both sides" {
	start_server server.log --sync sem
	open_input in
	start_client client.log in --sync sem
	printf 'a\nb\n' >&4
	wait_for_line client.log '^reply: b$'
	exec 4>&-
	wait_for_exit "$CLIENT_PID" 10
	assert_equal "$STATUS" 0
	wait_for_exit "$SERVER_PID" 10
	assert_equal "$STATUS" 0
	run cat server.log
	assert_line --regexp "^client $CLIENT_PID ended the conversation$"
	assert_no_ipc
}

# The hostile peer plays the server, then breaks one rule.
hostile_server() {
	local attack=$1 expected=$2 mode
	for mode in "${MODES[@]}"; do
		: >hostile.log
		"$HOSTILE" "$KEY" "$mode" "$attack" >hostile.log 2>&1 3>&- &
		PID=$!
		BG_PIDS+=("$PID")
		wait_for_line hostile.log '^waiting for a client' 10
		run --separate-stderr timeout 20 shm-client -k "$KEY" --sync "$mode" -m one -m two
		assert_failure 1
		assert_regex "$stderr" "^shm-client: corrupt header: $expected"
		assert_equal "${#stderr_lines[@]}" 1
		wait_for_exit "$PID" 10
		assert_equal "$STATUS" 0
		assert_no_ipc
	done
}

@test "shm-client: a hostile server writing an out-of-range length" {
	hostile_server serve-length 'server->client record at 0 says 65536 bytes'
}

@test "shm-client: a hostile server moving its sequence backwards" {
	hostile_server serve-backwards 'server->client write position went back from 16 to 8$'
}
