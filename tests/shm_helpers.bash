# tests/shm_helpers.bash - what shm-server.bats and shm-client.bats share.
#
# Load after helpers.bash.  The client's input is a FIFO the test holds
# open on fd 4, so the test decides when a line arrives and when EOF
# comes; background sides close fds 3 and 4, or bats would hang and
# the client would never see EOF.

# The hostile peer, built by meson for the tests only.
HOSTILE=${SHM_HOSTILE:-${IPCDEMO%/*}/tests/shm_hostile}
MODES=(signal sem futex)

shm_setup() {
	common_setup
	[[ -x $HOSTILE ]] || {
		echo "no $HOSTILE: build it with 'meson compile -C BUILD shm_hostile'" >&2
		return 1
	}
	SERVER_PID=
	CLIENT_PID=
}

shm_teardown() {
	exec 4>&- 2>/dev/null || true
	[[ -n ${TMUX_SOCK:-} ]] && tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	common_teardown
}

# start_server LOG ARGS...: shm-server -k $KEY in the background, awaited
# until it says it waits for a client.  Sets SERVER_PID.
start_server() {
	local log=$1
	shift
	# Emptied here, not by the background redirection, which may come
	# after the wait below has read a previous run's lines.
	: >"$log"
	shm-server -k "$KEY" "$@" >"$log" 2>&1 3>&- 4>&- </dev/null &
	SERVER_PID=$!
	BG_PIDS+=("$SERVER_PID")
	wait_for_line "$log" '^waiting for a client' 10
}

# open_input FIFO: the test writes the client's lines into fd 4.
open_input() {
	mkfifo "$1"
	exec 4<>"$1"
}

# start_client LOG FIFO ARGS...: shm-client -k $KEY reading FIFO, awaited
# until it is connected.  Sets CLIENT_PID.
start_client() {
	local log=$1 input=$2
	shift 2
	: >"$log"
	shm-client -k "$KEY" "$@" >"$log" 2>&1 3>&- 4>&- <"$input" &
	CLIENT_PID=$!
	BG_PIDS+=("$CLIENT_PID")
	wait_for_line "$log" '^connected as client' 10
}

# The lines of LOG that start with PREFIX, without it.
lines_with() {
	sed -n "s/^$2//p" "$1"
}

# The segment (and nothing else) under $KEY exists right now.
assert_segment_exists() {
	run "$UL_IPCS" -m
	assert_success
	assert_output --partial "$KEY"
}
