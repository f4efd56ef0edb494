# tests/helpers.bash - shared by every bats file (STYLE §7).
#
# Each test runs in its own directory ($BATS_TEST_TMPDIR, also the cwd,
# so the default ftok(".") key and default FIFO path are the test's
# own) with a System V key of its own ($KEY).  The applets are on PATH
# by name: links made by "ipcdemo --install" in symlink mode, one-line
# scripts that exec "ipcdemo NAME" in subcommand mode, so each test
# runs unchanged in both dispatch modes.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${IPCDEMO:?set IPCDEMO to the built ipcdemo binary}"
IPCDEMO_MODE=${IPCDEMO_MODE:-subcommand}
# util-linux's tools, by full path: our ipcs applet shadows it on PATH.
UL_IPCS=/usr/bin/ipcs
UL_IPCRM=/usr/bin/ipcrm

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

# Unique per test; top byte 0x7e, never ftok's 'z' (0x7a).
test_key() {
	local sum
	sum=$(printf '%s' "$BATS_TEST_TMPDIR" | cksum)
	printf '0x7e%06x\n' $((${sum%% *} & 0xffffff))
}

make_applet_dir() {
	local dir=$1 name
	mkdir -p "$dir"
	if [[ $IPCDEMO_MODE == symlink ]]; then
		"$IPCDEMO" --install "$dir" >/dev/null
		return
	fi
	for name in $("$IPCDEMO" --list); do
		printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$IPCDEMO" "$name" \
			>"$dir/$name"
		chmod +x "$dir/$name"
	done
}

# Call from setup() in every file.
common_setup() {
	APPLET_DIR=$BATS_FILE_TMPDIR/bin
	[[ -d $APPLET_DIR ]] || make_applet_dir "$APPLET_DIR"
	PATH=$APPLET_DIR:$PATH
	KEY=$(test_key)
	BG_PIDS=()
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Call from teardown(): kills what a failed test left and removes its
# objects, so one failure does not cascade into the next test.
common_teardown() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	pkill -KILL -f -- "$BATS_TEST_TMPDIR" 2>/dev/null || true
	remove_key_objects "$KEY"
}

remove_key_objects() {
	local key=$1
	"$UL_IPCRM" -M "$key" 2>/dev/null || true
	"$UL_IPCRM" -Q "$key" 2>/dev/null || true
	"$UL_IPCRM" -S "$key" 2>/dev/null || true
}

# start_bg LOG CMD...: CMD in the background, stdout and stderr in LOG,
# stdin from /dev/null unless redirected by the caller's CMD.  Sets PID.
start_bg() {
	local log=$1
	shift
	"$@" >"$log" 2>&1 3>&- </dev/null &
	PID=$!
	BG_PIDS+=("$PID")
}

# start_bg_stdin LOG INPUT CMD...: as start_bg, with INPUT (a file or a
# FIFO) as standard input.
start_bg_stdin() {
	local log=$1 input=$2
	shift 2
	"$@" >"$log" 2>&1 3>&- <"$input" &
	PID=$!
	BG_PIDS+=("$PID")
}

# wait_for_line LOG REGEX [SECS]: bounded, instead of sleep 1.
wait_for_line() {
	local tries=$((${3:-5} * 20))
	until grep -qE -- "$2" "$1" 2>/dev/null; do
		((tries-- > 0)) || {
			echo "timed out waiting for /$2/ in $1:" >&2
			cat "$1" >&2
			return 1
		}
		sleep 0.05
	done
}

# wait_for_exit PID [SECS]: waits (bounded) for a background job and
# sets STATUS to its exit status.
wait_for_exit() {
	local pid=$1 tries=$((${2:-5} * 20))
	while kill -0 "$pid" 2>/dev/null; do
		((tries-- > 0)) || {
			echo "process $pid still running after ${2:-5}s" >&2
			return 1
		}
		sleep 0.05
	done
	STATUS=0
	wait "$pid" || STATUS=$?
}

# No System V object with this key (default: the test's) is left.
assert_no_ipc() {
	local key=${1:-$KEY}
	run "$UL_IPCS"
	assert_success
	refute_output --partial "$key"
}

# No process of this test is still running (its path is in their argv).
assert_no_procs() {
	run pgrep -f -- "${1:-$BATS_TEST_TMPDIR}"
	assert_failure
}

# Nothing of the test is left: no process whose argv names DIR (default
# the test's directory) and no System V object under the test's key.
assert_no_leftovers() {
	assert_no_procs "${1:-$BATS_TEST_TMPDIR}"
	assert_no_ipc
}

# assert_gone PID...: every one of these processes has gone, and none is
# left as a zombie either.
assert_gone() {
	local pid
	for pid in "$@"; do
		if ps -o pid= -p "$pid" >/dev/null; then
			ps -o pid,ppid,stat,args -p "$pid" >&2
			fail "process $pid is still there"
		fi
	done
}

# assert_usage_error APPLET REGEX, after run --separate-stderr: a usage
# error as SPEC §2 has it.  Nothing on stdout, exit 2, and two lines on
# stderr: "APPLET: what is wrong" (the whole text after "APPLET: "
# matching REGEX) and the Try line.
assert_usage_error() {
	local applet=$1 regex=$2
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} =~ ^$applet:\ $regex$ ]] ||
		fail "unexpected first stderr line: ${stderr_lines[0]}"
	if [[ $applet == ipcdemo ]]; then
		assert_equal "${stderr_lines[1]}" "Try 'ipcdemo --help'."
	else
		assert_equal "${stderr_lines[1]}" "Try 'ipcdemo $applet --help'."
	fi
}

# The directory holds exactly these names (none: empty).
assert_dir_holds() {
	local dir=$1
	shift
	run ls -A "$dir"
	assert_success
	assert_output "$(printf '%s\n' "$@" | sed '/^$/d' | sort)"
}

# Two-pane tmux tests: the server $TMUX_SESSION (tmux -L $TMUX_SOCK).
# tmux_pane N: the text of pane N.
tmux_pane() {
	tmux -L "$TMUX_SOCK" capture-pane -p -t "$TMUX_SESSION:0.$1"
}

# wait_for_tmux_pane N REGEX: bounded, until a line of pane N matches.
wait_for_tmux_pane() {
	local tries=200
	until tmux_pane "$1" | grep -qE -- "$2"; do
		((tries-- > 0)) || {
			echo "pane $1 never showed /$2/:" >&2
			tmux_pane "$1" >&2
			return 1
		}
		sleep 0.05
	done
}
