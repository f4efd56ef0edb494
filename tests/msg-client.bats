#!/usr/bin/env bats
# msg-client: requests, replies, and a server that goes (SPEC §4.3).

bats_require_minimum_version 1.5.0

load helpers
load msg

@test "8 clients x 500 requests at once: each gets exactly its own replies, in order" {
	local c pids=()
	start_server
	for c in 1 2 3 4 5 6 7 8; do
		seq -f "client $c says %g" 1 500 >in.$c
		start_bg_stdin out.$c in.$c timeout 120 msg-client -k "$KEY"
		pids+=("$PID")
	done
	for c in 1 2 3 4 5 6 7 8; do
		wait_for_exit "${pids[c - 1]}" 120
		[ "$STATUS" -eq 0 ]
		reply_texts out.$c | diff in.$c -
		[ "$(grep -c "^reply from $SERVER: client $c says " out.$c)" -eq 500 ]
		[ "$(wc -l <out.$c)" -eq 501 ] # and the key line
	done
	[ "$(grep -c '^received from' server.log)" -eq 4000 ]
	stop_server
	assert_no_ipc
}

@test "-m TEXT and stdin lines; 'quit' ends the conversation" {
	start_server
	run timeout 10 msg-client -k "$KEY" -m one -m "two words" -m ""
	assert_success
	assert_line --index 0 --regexp "^key $KEY \(--key\), queue id [0-9]+, server $SERVER$"
	assert_line --index 1 "reply from $SERVER: one"
	assert_line --index 2 "reply from $SERVER: two words"
	assert_line --index 3 "reply from $SERVER: "
	run timeout 10 msg-client -k "$KEY" < <(printf 'first\nquit\nnever\n')
	assert_success
	assert_line "reply from $SERVER: first"
	refute_output --partial never
	run grep -c '^received from [0-9]*: ' server.log
	assert_output 4
	stop_server
	assert_no_ipc
}

@test "no server: one line saying how to start one, exit 1" {
	run --separate-stderr timeout 10 msg-client -k "$KEY" -m hello
	assert_failure 1
	assert_output ""
	assert_equal "$stderr" "msg-client: no server is listening on key $KEY (no queue); start one with: ipcdemo msg-server -k $KEY"
	assert_no_ipc
}

@test "the queue removed mid-conversation (EIDRM): one line, exit 1" {
	local client
	start_server
	freeze "$SERVER"
	start_bg client.log msg-client -k "$KEY" -m hello
	client=$PID
	wait_for_messages 2 10 # the beacon and our request
	"$UL_IPCRM" -q "$(queue_id)"
	wait_for_exit "$client" 5
	[ "$STATUS" -eq 1 ]
	run cat client.log
	# EIDRM if it was already waiting in msgrcv, EINVAL if not yet.
	assert_line --index 1 --regexp "^msg-client: queue [0-9]+ was removed \((EIDRM|EINVAL)\): the server has gone$"
	[ "${#lines[@]}" -eq 2 ]
	kill -CONT "$SERVER"
	wait_for_exit "$SERVER" 5
	[ "$STATUS" -eq 1 ]
	assert_no_ipc
}

@test "--timeout: no reply in time is one line, exit 1" {
	start_server
	freeze "$SERVER"
	run --separate-stderr timeout 10 msg-client -k "$KEY" --timeout 1 -m hello
	assert_failure 1
	assert_equal "$stderr" "msg-client: no reply from server $SERVER within 1 s"
	kill -CONT "$SERVER"
	stop_server
	assert_no_ipc
}

@test "a server killed while a client waits for its reply is noticed" {
	local client id
	start_server
	id=$(queue_id)
	freeze "$SERVER"
	start_bg client.log msg-client -k "$KEY" --timeout 60 -m hello
	client=$PID
	wait_for_messages 2 10
	kill -KILL "$SERVER"
	wait_for_exit "$client" 5
	[ "$STATUS" -eq 1 ]
	run cat client.log
	assert_line "msg-client: server $SERVER has gone; queue $id is left behind"
	"$UL_IPCRM" -q "$id" # stale now: msg-server.bats shows --force
	assert_no_ipc
}

@test "an idle client waiting for input notices its server is killed" {
	local client
	start_server
	mkfifo input
	start_bg_stdin client.log input msg-client -k "$KEY"
	client=$PID
	exec 5>input
	echo "before" >&5
	wait_for_line client.log "^reply from $SERVER: before$" 10
	kill -KILL "$SERVER"
	wait_for_exit "$client" 5
	[ "$STATUS" -eq 1 ]
	run cat client.log
	assert_line --regexp "^msg-client: server $SERVER has gone; queue [0-9]+ is left behind$"
	exec 5>&-
	"$UL_IPCRM" -Q "$KEY"
	assert_no_ipc
}

@test "texts longer than msgmax are split and come back whole" {
	local msgmax size
	msgmax=$(cat /proc/sys/kernel/msgmax)
	start_server
	for size in $((msgmax - 24)) $((msgmax - 23)) 20000 300000; do
		head -c "$size" /dev/urandom | base64 -w0 | head -c "$size" >text
		echo >>text
		run --separate-stderr timeout 30 msg-client -k "$KEY" <text
		assert_success
		[ "$(reply_texts <(echo "$output"))" = "$(cat text)" ]
		if ((size > msgmax - 24)); then
			[[ $stderr == "msg-client: a text of $size bytes is longer than one message carries ($((msgmax - 24))): sending it in "*" pieces" ]]
		else
			[ -z "$stderr" ]
		fi
	done
	[ "$(grep -c '^received from' server.log)" -eq 4 ]
	grep '^received from' server.log | tail -1 |
		sed 's/^received from [0-9]*: //' | cmp - text
	stop_server
	assert_no_ipc
}

@test "a text longer than the channel carries is refused with the limit named" {
	start_server
	head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' x >huge
	echo >>huge
	run --separate-stderr timeout 30 msg-client -k "$KEY" <huge
	assert_failure 1
	assert_equal "$stderr" "msg-client: a text of 16777217 bytes is longer than the channel carries (16777216 bytes)"
	run grep -c '^received from' server.log
	assert_output 0
	stop_server
	assert_no_ipc
}

@test "a client whose PID is the request type still gets its own replies" {
	local client type
	mkfifo go
	# bash prints its PID, waits, then becomes the client: same PID.
	bash -c 'echo $$ >client.pid; read -r _ <go
		exec msg-client -k "$1" --type $$ -m "same PID"' _ "$KEY" \
		>client.log 2>&1 3>&- &
	client=$!
	BG_PIDS+=("$client")
	until [ -s client.pid ]; do sleep 0.05; done
	type=$(cat client.pid)
	start_server --type "$type"
	echo go >go
	wait_for_exit "$client" 10
	[ "$STATUS" -eq 0 ]
	run cat client.log
	assert_line "reply from $SERVER: same PID"
	stop_server --type "$type"
	assert_no_ipc
}

@test "bad options and values: exit 2 with a Try line" {
	local args
	for args in "--timeout x" "--timeout -1" "--type 0" "--type 12x" \
		"--shutdown -m hi" "--bogus" "-m" "extra"; do
		run --separate-stderr msg-client $args
		assert_failure 2
		[[ $stderr == "msg-client: "*$'\n'"Try 'ipcdemo msg-client --help'." ]]
	done
	run msg-client --help
	assert_success
	assert_line --partial "usage: ipcdemo msg-client"
	assert_no_ipc
}
