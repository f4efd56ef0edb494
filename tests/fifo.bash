# tests/fifo.bash - what fifo-read.bats and fifo-write.bats share.
#
# Each test's FIFO lives alone in $DIR, so "nothing is left" is an
# empty listing of $DIR; logs and typed input stay outside it, in
# $BATS_TEST_TMPDIR.  FIFO paths are absolute, so the applets' argv
# names the test directory and assert_no_procs finds them.

load helpers

fifo_setup() {
	common_setup
	DIR=$BATS_TEST_TMPDIR/fifo
	mkdir "$DIR"
	FIFO=$DIR/t.fifo
	TYPED=0
	HOLDER=()
	NOBODY_DIR=
}

fifo_teardown() {
	common_teardown
	if [[ -n $NOBODY_DIR ]]; then
		pkill -KILL -f -- "$NOBODY_DIR" 2>/dev/null || true
		rm -rf -- "$NOBODY_DIR"
	fi
}

# start_reader LOG [ARGS...]: fifo-read -f $FIFO in the background, up
# and waiting for a writer when this returns.  Sets PID (and READER).
start_reader() {
	local log=$1
	shift
	start_bg "$log" fifo-read -f "$FIFO" "$@"
	READER=$PID
	wait_for_line "$log" '^fifo-read: waiting for a writer on '
}

# start_typed LOG CMD...: CMD in the background, its standard input a
# FIFO that the test types into a line at a time (type_line N TEXT), as
# a person would; end_typing N is the end of input.  A sleep holds the
# FIFO's write end meanwhile, so no fd of the test shell leaks into
# later background processes.  Sets PID, and TYPED to N.
start_typed() {
	local log=$1 input
	shift
	TYPED=$((TYPED + 1))
	input=$BATS_TEST_TMPDIR/typed.$TYPED
	mkfifo "$input"
	"$@" >"$log" 2>&1 3>&- <"$input" &
	PID=$!
	BG_PIDS+=("$PID")
	sleep 600 >"$input" 3>&- &
	HOLDER[TYPED]=$!
	BG_PIDS+=("$!")
	# Until the sleep has the write end, the first typed line's close
	# would be the input's end of file.
	local tries=200
	until [[ $(readlink "/proc/${HOLDER[TYPED]}/fd/1") == "$input" ]]; do
		((tries-- > 0)) || {
			echo "the sleep holding $input did not open it" >&2
			return 1
		}
		sleep 0.05
	done
}

type_line() {
	timeout 10 sh -c 'printf "%s\n" "$1" >"$2"' sh "$2" \
		"$BATS_TEST_TMPDIR/typed.$1"
}

end_typing() {
	kill "${HOLDER[$1]}" 2>/dev/null || true
	wait "${HOLDER[$1]}" 2>/dev/null || true
}

# wait_for_count LOG REGEX N [SECS]: until N lines of LOG match.
wait_for_count() {
	local tries=$((${4:-5} * 20))
	until (($(grep -cE -- "$2" "$1" 2>/dev/null) >= $3)); do
		((tries-- > 0)) || {
			echo "timed out waiting for $3 lines /$2/ in $1:" >&2
			cat "$1" >&2
			return 1
		}
		sleep 0.05
	done
}

# CPU time (user + system, in clock ticks) a process has used so far.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# The process sleeps: CPU use over one second stays far below a busy
# loop's 100 ticks (the limit is loose, the machine is shared).
assert_idle() {
	local before after
	before=$(cpu_ticks "$1")
	sleep 1
	after=$(cpu_ticks "$1")
	if ((after - before > 20)); then
		echo "process $1 used $((after - before)) ticks in 1 s" >&2
		return 1
	fi
}

# A directory that user nobody can reach (the bats directories are
# 0700): $NOBODY_DIR, holding ro/ (not writable by nobody) and, in
# symlink mode, bin/ with the links.
make_nobody_dir() {
	NOBODY_DIR=$(mktemp -d /tmp/ipcdemo-fifo-test.XXXXXX)
	chmod 0755 "$NOBODY_DIR"
	mkdir -m 0755 "$NOBODY_DIR/ro"
	if [[ $IPCDEMO_MODE == symlink ]]; then
		mkdir "$NOBODY_DIR/bin"
		"$IPCDEMO" --install "$NOBODY_DIR/bin" >/dev/null
	fi
}

# as_nobody APPLET ARGS...: the applet run as user nobody (under
# timeout 10), called the way the current dispatch mode calls it.
as_nobody() {
	local applet=$1
	shift
	if [[ $IPCDEMO_MODE == symlink ]]; then
		set -- "$NOBODY_DIR/bin/$applet" "$@"
	else
		set -- "$IPCDEMO" "$applet" "$@"
	fi
	timeout 10 setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# A one-line error and nothing else on stderr.
assert_one_line_error() {
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "${stderr_lines[0]}" "$1"
}
