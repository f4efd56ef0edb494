# tests/msg.bash - what msg-server.bats and msg-client.bats share.
#
# Every process of a test carries its key in argv (-k $KEY), so
# teardown can find what a failed test left running.

setup() {
	common_setup
}

teardown() {
	exec 5>&-
	# An empty pattern would match every process.
	if [[ -n ${KEY:-} ]]; then
		pkill -CONT -f -- "$KEY" 2>/dev/null || true
		pkill -KILL -f -- "$KEY" 2>/dev/null || true
	fi
	common_teardown
}

# start_server [ARGS]: msg-server on $KEY in the background, log in
# server.log; sets SERVER and waits for its readiness line.
start_server() {
	# A log left by an earlier server would match at once.
	rm -f server.log
	start_bg server.log msg-server -k "$KEY" "$@"
	SERVER=$PID
	wait_for_line server.log ' ready: ' 10
}

# stop_server [ARGS]: --shutdown, then the server must exit 0.
stop_server() {
	run timeout 10 msg-client -k "$KEY" "$@" --shutdown
	assert_success
	assert_output --partial "server $SERVER has removed queue"
	wait_for_exit "$SERVER" 10
	[ "$STATUS" -eq 0 ]
}

# freeze PID: SIGSTOP, and wait until it has stopped.  Until then a
# server woken in msgrcv can still be handed a message.
freeze() {
	local tries=200 state
	kill -STOP "$1"
	until state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) &&
		[[ ${state%% *} == T ]]; do
		((tries-- > 0)) || {
			echo "process $1 did not stop" >&2
			return 1
		}
		sleep 0.05
	done
}

queue_id() {
	"$UL_IPCS" -q | awk -v k="$KEY" '$1 == k { print $2 }'
}

queue_messages() {
	"$UL_IPCS" -q | awk -v k="$KEY" '$1 == k { print $6 }'
}

# wait_for_messages N [SECS]: until the queue holds N messages.
wait_for_messages() {
	local tries=$((${2:-5} * 20))
	until [[ $(queue_messages) == "$1" ]]; do
		((tries-- > 0)) || {
			echo "queue holds '$(queue_messages)' messages, not $1" >&2
			return 1
		}
		sleep 0.05
	done
}

# The reply texts in a client's log, without the "reply from PID: ".
reply_texts() {
	sed -n 's/^reply from [0-9]*: //p' "$1"
}

# A queue under $KEY that is not a msg-server's, holding one message.
make_foreign_queue() {
	perl -e '
		my $id = msgget(hex($ARGV[0]), 01600) // die "msgget: $!\n";
		msgsnd($id, pack("l! a*", 1, "not ours"), 0)
			or die "msgsnd: $!\n";
		print "$id\n";' "$KEY"
}
