#!/usr/bin/env bats
# msg-server: the queue's life, stale queues, dead clients (SPEC §4.3).

bats_require_minimum_version 1.5.0

load helpers
load msg

@test "prints its key, queue id and a readiness line; --shutdown removes the queue" {
	local id
	start_server
	id=$(queue_id)
	run cat server.log
	assert_line "key $KEY (--key), queue id $id, mode 0600"
	assert_line --regexp "^server $SERVER ready: requests of type 888, "
	run "$UL_IPCS" -q
	assert_output --regexp "$KEY +$id +root +600 "
	stop_server
	run cat server.log
	assert_line --regexp "^shutdown requested by [0-9]+$"
	assert_line "server $SERVER: shutting down, removing queue $id"
	assert_no_ipc
}

@test "SIGTERM, SIGINT and SIGHUP remove the queue" {
	local sig num
	for sig in TERM INT HUP; do
		start_server
		kill -"$sig" "$SERVER"
		wait_for_exit "$SERVER" 5
		num=$(kill -l "$sig")
		[ "$STATUS" -eq $((128 + num)) ]
		run cat server.log
		assert_line --regexp "^server $SERVER: SIG$sig, removing queue [0-9]+$"
		assert_no_ipc
	done
}

@test "a second server on the same key is refused; the first goes on" {
	start_server
	run --separate-stderr timeout 10 msg-server -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "msg-server: a server (PID $SERVER) is already listening on key $KEY (queue $(queue_id))"
	run timeout 10 msg-client -k "$KEY" -m still
	assert_success
	assert_line "reply from $SERVER: still"
	stop_server
	assert_no_ipc
}

@test "a stale queue is reported with its removal command; --force reclaims it" {
	local id old
	start_server
	old=$SERVER
	kill -KILL "$SERVER"
	wait_for_exit "$SERVER" 5
	id=$(queue_id)
	[ -n "$id" ]

	run --separate-stderr timeout 10 msg-server -k "$KEY"
	assert_failure 1
	assert_equal "$stderr" "msg-server: stale queue $id on key $KEY: its server (PID $old) is gone; remove it with: ipcrm -q $id (or start with --force)"
	[ "$(queue_id)" = "$id" ]

	run --separate-stderr timeout 10 msg-client -k "$KEY" -m anyone
	assert_failure 1
	assert_equal "$stderr" "msg-client: the server of queue $id (PID $old) has gone: the queue is stale; start a new server with: ipcdemo msg-server --force -k $KEY"

	start_server --force
	run cat server.log
	assert_line "removed stale queue $id left by server $old"
	run timeout 10 msg-client -k "$KEY" -m fresh
	assert_success
	assert_line "reply from $SERVER: fresh"
	stop_server
	assert_no_ipc
}

@test "a queue that is not a msg-server's is never removed, even with --force" {
	local id
	id=$(make_foreign_queue)
	for force in "" --force; do
		run --separate-stderr timeout 10 msg-server -k "$KEY" $force
		assert_failure 1
		assert_equal "$stderr" "msg-server: key $KEY is taken by queue $id (owner uid 0), which is not a msg-server queue; not touching it: choose another key with -k"
		[ "$(queue_id)" = "$id" ]
		[ "$(queue_messages)" = 1 ]
	done
	run --separate-stderr timeout 10 msg-client -k "$KEY" -m hello
	assert_failure 1
	assert_equal "$stderr" "msg-client: queue $id (key $KEY) holds no msg-server beacon: it is not a msg-server queue"
	"$UL_IPCRM" -q "$id"
	assert_no_ipc
}

@test "clients SIGKILLed with requests queued: their replies are reclaimed and 1000 more requests are served" {
	local text i c dead=() live=()
	# Room for the beacon (40 bytes) and exactly four requests of 124
	# bytes (a 24-byte header and 100 bytes of text), so the replies to
	# the dead clients fill the queue until the server takes them out.
	start_server --qbytes 536
	text=$(printf 'd%.0s' {1..100})
	freeze "$SERVER"
	for i in 1 2 3 4; do
		start_bg dead.$i.log msg-client -k "$KEY" --timeout 60 -m "$text"
		dead+=("$PID")
		wait_for_messages $((i + 1)) 10
	done
	kill -KILL "${dead[@]}"
	for i in "${dead[@]}"; do
		wait_for_exit "$i" 5
	done
	kill -CONT "$SERVER"
	for i in "${dead[@]}"; do
		wait_for_line server.log "^client $i has gone: removed 1 unread message$" 10
	done

	for c in 1 2; do
		seq -f "live $c request %g" 1 500 >in.$c
		start_bg_stdin out.$c in.$c timeout 120 msg-client -k "$KEY"
		live+=("$PID")
	done
	for c in 1 2; do
		wait_for_exit "${live[c - 1]}" 120
		[ "$STATUS" -eq 0 ]
		reply_texts out.$c | diff in.$c -
	done
	[ "$(grep -c '^received from' server.log)" -eq 1004 ]
	wait_for_messages 1 5 # the beacon, nothing else
	stop_server
	assert_no_ipc
}

@test "a client killed half-way through a long text does not harm the server" {
	local big
	start_server --qbytes 4096
	big=$(head -c 100000 /dev/zero | tr '\0' y)
	freeze "$SERVER"
	start_bg half.log msg-client -k "$KEY" --timeout 60 -m "$big"
	wait_for_line half.log "sending it in" 10
	wait_for_messages 2 10
	kill -KILL "$PID"
	wait_for_exit "$PID" 5
	kill -CONT "$SERVER"
	wait_for_line server.log "^dropped half-received text" 10
	run timeout 10 msg-client -k "$KEY" -m after
	assert_success
	assert_line "reply from $SERVER: after"
	stop_server
	assert_no_ipc
}

@test "the queue removed under the server: one line, exit 1" {
	start_server
	"$UL_IPCRM" -q "$(queue_id)"
	wait_for_exit "$SERVER" 5
	[ "$STATUS" -eq 1 ]
	run cat server.log
	assert_line --regexp "^msg-server: queue [0-9]+ was removed by someone else$"
	assert_no_ipc
}

@test "--mode 0666 lets another user in; 0600 does not" {
	start_server
	run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
		timeout 10 "$IPCDEMO" msg-client -k "$KEY" -m intruder
	assert_failure 1
	assert_equal "$stderr" "msg-client: queue with key $KEY: Permission denied (its mode does not let you read and write it; see msg-server --mode)"
	stop_server
	run grep -q intruder server.log
	assert_failure

	start_server --mode 0666
	run "$UL_IPCS" -q
	assert_output --regexp "$KEY +[0-9]+ +root +666 "
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
		timeout 10 "$IPCDEMO" msg-client -k "$KEY" -m welcome
	assert_success
	assert_line "reply from $SERVER: welcome"
	stop_server
	assert_no_ipc
}

@test "--type changes the request type; a client of the other type is told" {
	start_server --type 4242
	run cat server.log
	assert_line --partial "ready: requests of type 4242,"
	run --separate-stderr timeout 10 msg-client -k "$KEY" -m wrong
	assert_failure 1
	assert_equal "$stderr" "msg-client: the server on key $KEY reads requests of type 4242, not 888 (use --type 4242)"
	run timeout 10 msg-client -k "$KEY" --type 4242 -m right
	assert_success
	assert_line "reply from $SERVER: right"
	stop_server --type 4242
	assert_no_ipc
}

@test "--trace shows msgget, msgsnd and msgrcv" {
	start_bg server.log msg-server --trace -k "$KEY"
	SERVER=$PID
	wait_for_line server.log ' ready: ' 10
	run grep -E '^msgget\(key='"$KEY"', IPC_CREAT\|IPC_EXCL\|0600\) = [0-9]+$' server.log
	assert_success
	run --separate-stderr timeout 10 msg-client --trace -k "$KEY" -m traced
	assert_success
	assert_line "reply from $SERVER: traced"
	[[ $stderr == *"msgget(key=$KEY, 0600) = "* ]]
	[[ $stderr =~ msgsnd\(msqid=[0-9]+,\ type=888,\ 30\ bytes,\ flags=0\)\ =\ 0 ]]
	[[ $stderr =~ msgrcv\(msqid=[0-9]+,\ type=[0-9]+,\ flags=0\)\ =\ 30\ bytes ]]
	stop_server
	run grep -E '^msgctl\(msqid=[0-9]+, IPC_RMID\) = 0$' server.log
	assert_success
	assert_no_ipc
}

@test "bad options and values: exit 2 with a Try line" {
	local args
	for args in "--type 0" "--type x" "--type 2147483647" "--mode 999" \
		"--qbytes 10" "--qbytes lots" "--bogus" "-k" "-k nokey" "extra"; do
		run --separate-stderr msg-server $args
		assert_failure 2
		[[ $stderr == "msg-server: "*$'\n'"Try 'ipcdemo msg-server --help'." ]]
	done
	run msg-server --help
	assert_success
	assert_line --partial "usage: ipcdemo msg-server"
	assert_no_ipc
}
