#!/usr/bin/env bats
# tests/ipcdemo.bats - the multi-call dispatcher (SPEC §2): help, --list,
# --version, --install, dispatch by link name, --trace, and the rules
# every applet shares (-h/--help, usage errors).  The applet loops read
# "ipcdemo --list", so an applet added later is covered without an edit.

bats_require_minimum_version 1.5.0
load helpers

SOURCE=${IPCDEMO_SOURCE:-$BATS_TEST_DIRNAME/..}

setup() {
	common_setup
}

teardown() {
	common_teardown
}

# The rows of src/applets.def as "name<TAB>summary".
applet_rows() {
	sed -n 's/^APPLET("\([^"]*\)", *[a-z_0-9]*, *"\(.*\)")$/\1\t\2/p' \
		"$SOURCE/src/applets.def"
}

# ipcrm-clone and ipcs answer bad usage as util-linux's ipcrm and ipcs
# do (SPEC §2, §4.6, §4.7).
follows_util_linux() {
	[[ $1 == ipcrm-clone || $1 == ipcs ]]
}

# A usage error as SPEC §2 has it: nothing on stdout, exit 2, two lines
# on stderr, "APPLET: what is wrong" (matching REGEX) and the Try line.
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

# Every PID given has gone: no process, and no zombie, left.
assert_gone() {
	local pid
	for pid in "$@"; do
		if ps -o pid= -p "$pid" >/dev/null; then
			ps -o pid,ppid,stat,args -p "$pid" >&2
			fail "process $pid is still there"
		fi
	done
}

assert_clean() {
	assert_no_ipc
	assert_no_procs
}

# ---- ipcdemo alone, --help, --list, --version ----

@test "ipcdemo alone prints usage and every applet with its summary" {
	run --separate-stderr "$IPCDEMO"
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^usage: ipcdemo APPLET '
	assert_line --partial -- '--list'
	assert_line --partial -- '--install DIR'
	assert_line --partial -- '--trace'
	local name summary n=0
	while IFS=$'\t' read -r name summary; do
		assert_line --regexp "^  $name +$summary\$"
		n=$((n + 1))
	done < <(applet_rows)
	((n > 0)) || fail "no APPLET rows read from $SOURCE/src/applets.def"
	assert_clean
}

@test "ipcdemo --help and -h print the same as ipcdemo alone" {
	local plain
	plain=$("$IPCDEMO")
	run --separate-stderr "$IPCDEMO" --help
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$plain"
	run --separate-stderr "$IPCDEMO" -h
	assert_success
	assert_output "$plain"
	assert_clean
}

@test "ipcdemo --list prints the applets.def names, one a line, sorted" {
	run --separate-stderr "$IPCDEMO" --list
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(applet_rows | cut -f1)"
	assert_output "$(applet_rows | cut -f1 | LC_ALL=C sort)"
	# One word a line, nothing else: scripts loop over it.
	refute_line --regexp '[^a-z0-9-]'
	assert_clean
}

@test "ipcdemo --version prints the meson project version" {
	local version
	version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" \
		"$SOURCE/meson.build" | head -n 1)
	[[ -n $version ]] || fail "no version in $SOURCE/meson.build"
	run --separate-stderr "$IPCDEMO" --version
	assert_success
	assert_equal "$stderr" ""
	assert_output "ipcdemo $version"
	assert_clean
}

@test "ipcdemo --help APPLET prints the same as APPLET --help" {
	local name expected
	for name in $("$IPCDEMO" --list); do
		expected=$("$IPCDEMO" "$name" --help)
		run --separate-stderr "$IPCDEMO" --help "$name"
		assert_success
		assert_equal "$stderr" ""
		assert_equal "$output" "$expected"
		run --separate-stderr "$name" --help
		assert_success
		assert_equal "$output" "$expected"
	done
	assert_clean
}

@test "ipcdemo --help with an unknown applet: one line, exit 2" {
	run --separate-stderr "$IPCDEMO" --help no-such-applet
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "$stderr" \
		"ipcdemo: unknown applet 'no-such-applet' (see 'ipcdemo --list')"
	assert_clean
}

# ---- unknown applet, unknown option ----

@test "an unknown applet: one line naming it and pointing at --list, exit 2" {
	run --separate-stderr "$IPCDEMO" frobnicate -m hi
	assert_equal "$status" 2
	assert_equal "$output" ""
	assert_equal "$stderr" \
		"ipcdemo: unknown applet 'frobnicate' (see 'ipcdemo --list')"
	assert_clean
}

@test "an unknown option of ipcdemo is a usage error" {
	run --separate-stderr "$IPCDEMO" --frobnicate
	assert_usage_error ipcdemo "unrecognized option '--frobnicate'"
	run --separate-stderr "$IPCDEMO" -x
	assert_usage_error ipcdemo "unrecognized option '-x'"
	run --separate-stderr "$IPCDEMO" --install
	assert_usage_error ipcdemo "--install needs one directory"
	assert_clean
}

# ---- --install ----

@test "--install DIR makes a link to this binary for every applet" {
	mkdir links
	run --separate-stderr "$IPCDEMO" --install links
	assert_success
	assert_equal "$stderr" ""
	local name self
	self=$(readlink -f "$IPCDEMO")
	for name in $("$IPCDEMO" --list); do
		[[ -L links/$name ]] || fail "links/$name is not a symlink"
		assert_equal "$(readlink -f "links/$name")" "$self"
		assert_line "links/$name -> $self"
	done
	assert_equal "$(ls links)" "$("$IPCDEMO" --list | LC_ALL=C sort)"
	run links/pipe -m installed
	assert_success
	assert_line --index 0 --regexp '^child [0-9]+ read: installed$'
	assert_clean
}

@test "--install DIR twice replaces its own links and succeeds" {
	mkdir links
	"$IPCDEMO" --install links >/dev/null
	run --separate-stderr "$IPCDEMO" --install links
	assert_success
	assert_equal "$stderr" ""
	local name self
	self=$(readlink -f "$IPCDEMO")
	for name in $("$IPCDEMO" --list); do
		assert_equal "$(readlink -f "links/$name")" "$self"
	done
	assert_equal "$(ls links)" "$("$IPCDEMO" --list | LC_ALL=C sort)"
	assert_clean
}

@test "--install refuses to overwrite a regular file, leaves it, exit 1" {
	local victim name self
	self=$(readlink -f "$IPCDEMO")
	victim=$("$IPCDEMO" --list | head -n 1)
	mkdir links
	echo "precious data" >"links/$victim"
	run --separate-stderr "$IPCDEMO" --install links
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" \
		"ipcdemo: links/$victim exists and is not a link to this ipcdemo; not replacing it"
	[[ ! -L links/$victim ]] || fail "links/$victim was replaced"
	assert_equal "$(cat "links/$victim")" "precious data"
	# The other applets still get their links.
	for name in $("$IPCDEMO" --list); do
		[[ $name == "$victim" ]] && continue
		assert_equal "$(readlink -f "links/$name")" "$self"
	done
	assert_clean
}

@test "--install refuses to replace a foreign or dangling symlink, exit 1" {
	local victim
	victim=$("$IPCDEMO" --list | head -n 1)
	mkdir links
	ln -s /bin/true "links/$victim"
	run --separate-stderr "$IPCDEMO" --install links
	assert_failure 1
	assert_equal "$stderr" \
		"ipcdemo: links/$victim exists and is not a link to this ipcdemo; not replacing it"
	assert_equal "$(readlink "links/$victim")" /bin/true

	rm "links/$victim"
	ln -s "$BATS_TEST_TMPDIR/nowhere" "links/$victim"
	run --separate-stderr "$IPCDEMO" --install links
	assert_failure 1
	assert_equal "$(readlink "links/$victim")" "$BATS_TEST_TMPDIR/nowhere"
	assert_clean
}

@test "--install into a missing directory or a file fails, exit 1" {
	# A directory of its own: run --separate-stderr keeps files in ".".
	mkdir d
	run --separate-stderr "$IPCDEMO" --install d/missing
	assert_failure 1
	assert_equal "$output" ""
	assert_equal "$stderr" "ipcdemo: d/missing: No such file or directory"
	assert_dir_holds d

	touch d/plain
	run --separate-stderr "$IPCDEMO" --install d/plain
	assert_failure 1
	assert_equal "$stderr" "ipcdemo: d/plain: not a directory"
	assert_dir_holds d plain
	assert_clean
}

# ---- dispatch through links ----

@test "a link named after an applet runs that applet" {
	local name
	mkdir links
	for name in $("$IPCDEMO" --list); do
		ln -s "$IPCDEMO" "links/$name"
		run --separate-stderr "links/$name" --help
		assert_success
		assert_equal "$output" "$("$IPCDEMO" "$name" --help)"
	done
	run --separate-stderr links/pipe -m "through a link"
	assert_success
	assert_line --index 0 --regexp '^child [0-9]+ read: through a link$'
	# Messages are named after the applet, not after ipcdemo.
	run --separate-stderr links/pipe --frobnicate
	assert_usage_error pipe "unrecognized option '--frobnicate'"
	assert_clean
}

@test "a link with an unknown name behaves as ipcdemo" {
	mkdir links
	ln -s "$IPCDEMO" links/frob
	run --separate-stderr links/frob
	assert_success
	assert_output "$("$IPCDEMO")"
	run --separate-stderr links/frob --list
	assert_success
	assert_output "$("$IPCDEMO" --list)"
	run --separate-stderr links/frob pipe -m hello
	assert_success
	assert_line --index 0 --regexp '^child [0-9]+ read: hello$'
	run --separate-stderr links/frob frob
	assert_equal "$status" 2
	assert_equal "$stderr" \
		"ipcdemo: unknown applet 'frob' (see 'ipcdemo --list')"
	assert_clean
}

# ---- --trace ----

# The stdout of a pipe run with its PIDs blanked, to compare runs.
blank_pids() {
	sed -E 's/[0-9]+/N/g' <<<"$1"
}

@test "no trace without --trace or IPCDEMO_TRACE" {
	run --separate-stderr "$IPCDEMO" pipe -m hi
	assert_success
	assert_equal "$stderr" ""
	IPCDEMO_TRACE=0 run --separate-stderr "$IPCDEMO" pipe -m hi
	assert_success
	assert_equal "$stderr" ""
	IPCDEMO_TRACE= run --separate-stderr "$IPCDEMO" pipe -m hi
	assert_success
	assert_equal "$stderr" ""
	assert_clean
}

@test "--trace before or after the applet name, or IPCDEMO_TRACE=1, traces" {
	local plain
	plain=$(blank_pids "$("$IPCDEMO" pipe -m hi)")
	local -a ways=(
		"$IPCDEMO --trace pipe -m hi"
		"$IPCDEMO pipe --trace -m hi"
		"$IPCDEMO pipe -m hi --trace"
		"pipe --trace -m hi"
		"env IPCDEMO_TRACE=1 $IPCDEMO pipe -m hi"
		"env IPCDEMO_TRACE=1 pipe -m hi"
	)
	local way
	for way in "${ways[@]}"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr $way
		assert_success
		# The trace goes to stderr; stdout is what it always is.
		assert_equal "$(blank_pids "$output")" "$plain"
		[[ $stderr =~ (^|$'\n')fork\(\)\ =\ [0-9]+ ]] ||
			fail "no fork line in the trace of '$way': $stderr"
	done
	assert_clean
}

@test "-- stops --trace from being taken out of the arguments" {
	run --separate-stderr "$IPCDEMO" pipe -m -- -m --trace
	assert_success
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^child [0-9]+ read: --$'
	assert_line --index 1 --regexp '^child [0-9]+ read: --trace$'
	run --separate-stderr "$IPCDEMO" pipe -- --trace
	assert_usage_error pipe "unexpected argument '--trace'"
	assert_clean
}

@test "ipcdemo --trace pipe -m hi shows pipe, fork, write, read and waitpid" {
	run --separate-stderr "$IPCDEMO" --trace pipe -m hi
	assert_success
	assert_line --index 0 --regexp '^child [0-9]+ read: hi$'
	local child=${lines[0]#child }
	child=${child%% *}
	assert_line --index 1 "child $child exited with status 0"

	local -a tr=("${stderr_lines[@]}")
	local line rfd wfd i pipe_at=-1 fork_at=-1 write_at=-1 wait_at=-1
	local read_at=-1 eof_at=-1
	for i in "${!tr[@]}"; do
		line=${tr[i]}
		if [[ $line =~ ^pipe\(\[([0-9]+),\ ([0-9]+)\]\)\ =\ 0$ ]]; then
			rfd=${BASH_REMATCH[1]} wfd=${BASH_REMATCH[2]} pipe_at=$i
		elif [[ $line == "fork() = $child" ]]; then
			fork_at=$i
		elif [[ $line == "write(fd=$wfd, \"hi\\n\", 3) = 3" ]]; then
			write_at=$i
		elif [[ $line =~ ^\[pid\ $child\]\ read\(fd=$rfd,\ [0-9]+\)\ =\ 3\ \"hi\\n\"$ ]]; then
			read_at=$i
		elif [[ $line =~ ^\[pid\ $child\]\ read\(fd=$rfd,\ [0-9]+\)\ =\ 0$ ]]; then
			eof_at=$i
		elif [[ $line == "waitpid(pid=$child, flags=0) = $child (exited with status 0)" ]]; then
			wait_at=$i
		fi
	done
	printf '%s\n' "${tr[@]}" >&2 # shown if an assertion fails
	((pipe_at >= 0)) || fail "no pipe() line"
	((fork_at > pipe_at)) || fail "no fork() = $child line after pipe()"
	((write_at > fork_at)) || fail "no write of \"hi\\n\" to fd $wfd"
	((read_at > fork_at)) || fail "no read of \"hi\\n\" by the child"
	((eof_at > read_at)) || fail "no read = 0 (EOF) by the child"
	((wait_at > write_at && wait_at > eof_at)) ||
		fail "no waitpid of $child after the child's EOF"
	assert_gone "$child"
	assert_clean
}

@test "trace lines of the child show [pid N], the parent's do not" {
	local log=$BATS_TEST_TMPDIR/log
	start_bg "$log" "$IPCDEMO" --trace pipe -m one -m two
	local parent=$PID
	wait_for_exit "$parent" 10
	assert_equal "$STATUS" 0
	local child
	child=$(sed -n 's/^fork() = \([0-9][0-9]*\)$/\1/p' "$log")
	[[ $child =~ ^[0-9]+$ ]] || fail "no single fork() line: $(cat "$log")"
	run grep -c "^\[pid $child\] " "$log"
	(("$output" >= 4)) || fail "few [pid $child] lines: $(cat "$log")"
	# Only the child has a prefix, and only its own PID.
	local line
	while IFS= read -r line; do
		[[ $line == "[pid $child] "* ]] ||
			fail "a prefix other than the child's: $line"
	done < <(grep '^\[pid ' "$log")
	run grep -E "^child $child read: (one|two)$" "$log"
	assert_equal "${#lines[@]}" 2
	assert_gone "$parent" "$child"
	assert_clean
}

@test "a failing call is traced as = -1 ENAME (strerror text)" {
	run --separate-stderr "$IPCDEMO" --trace pipe --sigpipe
	assert_success
	printf '%s\n' "${stderr_lines[@]}" >&2
	[[ $stderr =~ (^|$'\n')\[pid\ [0-9]+\]\ write\(fd=[0-9]+,\ \"anyone\ there\?\\n\",\ 14\)\ =\ -1\ EPIPE\ \(Broken\ pipe\)($'\n'|$) ]] ||
		fail "no write ... = -1 EPIPE (Broken pipe) line"
	run --separate-stderr "$IPCDEMO" --trace pipe --capacity
	assert_success
	[[ $stderr =~ write\(fd=[0-9]+,\ \"[^\"]*\"\.\.\.,\ 4096\)\ =\ -1\ EAGAIN\ \(Resource\ temporarily\ unavailable\) ]] ||
		fail "no write ... = -1 EAGAIN line: $stderr"
	assert_clean
}

@test "a missing file is traced as = -1 ENOENT (No such file or directory)" {
	"$IPCDEMO" --list | grep -qx fifo-write ||
		skip "needs fifo-write to provoke ENOENT"
	mkdir d
	run --separate-stderr timeout 10 "$IPCDEMO" --trace fifo-write \
		--nonblock -f d/no-such-fifo
	assert_failure 1
	[[ $stderr == *'"d/no-such-fifo"'*'= -1 ENOENT (No such file or directory)'* ]] ||
		fail "no = -1 ENOENT line for the missing FIFO: $stderr"
	assert_dir_holds d
	assert_clean
}

@test "data in a trace line is escaped and cut after 40 bytes" {
	run --separate-stderr bash -c \
		'head -c 100 /dev/zero | "$0" --trace pipe' "$IPCDEMO"
	assert_success
	[[ $stderr =~ (^|$'\n')read\(fd=0,\ [0-9]+\)\ =\ 100\ \"(\\x00){40}\"\.\.\.($'\n'|$) ]] ||
		fail "no escaped, cut read line: $stderr"
	run --separate-stderr "$IPCDEMO" --trace pipe -m $'tab\there "q" back\\slash'
	assert_success
	[[ $stderr == *'write(fd='*', "tab\there \"q\" back\\slash\n", 24) = 24'* ]] ||
		fail "no escaped write line: $stderr"
	assert_clean
}

@test "every trace line is one whole call: NAME(ARGS) = RESULT" {
	local args
	for args in "-m hi" "--upper -m hi" "--capacity --size 8192" \
		"--sigpipe"; do
		# shellcheck disable=SC2086 # split on purpose
		run --separate-stderr "$IPCDEMO" --trace pipe $args
		assert_success
		[[ -n $stderr ]] || fail "no trace for pipe $args"
		local line
		for line in "${stderr_lines[@]}"; do
			[[ $line =~ ^(\[pid\ [0-9]+\]\ )?[a-z_]+\(.*\)\ =\ (-?[0-9]+|-1\ E[A-Z0-9]+\ \([^\)]+\))( .*)?$ ]] ||
				fail "malformed trace line for pipe $args: '$line'"
		done
	done
	assert_clean
}

# ---- what every applet shares ----

@test "every applet: -h and --help print usage on stdout and exit 0" {
	local name help
	for name in $("$IPCDEMO" --list); do
		run --separate-stderr "$name" --help
		assert_success
		assert_equal "$stderr" ""
		[[ $output =~ [Uu]sage ]] || fail "$name --help: no usage: $output"
		help=$output
		run --separate-stderr "$name" -h
		assert_success
		assert_equal "$stderr" ""
		assert_equal "$output" "$help"
		run --separate-stderr "$IPCDEMO" "$name" -h
		assert_success
		assert_equal "$output" "$help"
	done
	assert_clean
}

@test "every applet: an unknown option is two stderr lines and exit 2" {
	local name
	for name in $("$IPCDEMO" --list); do
		run --separate-stderr timeout 10 "$name" --no-such-option
		if follows_util_linux "$name"; then
			# util-linux exits 1 on bad usage (STYLE §3);
			# tests/ipcrm-clone.bats and tests/ipcs.bats
			# compare the messages.
			assert_failure 1
			[[ -n $stderr ]] || fail "$name: no message"
			continue
		fi
		assert_usage_error "$name" "unrecognized option '--no-such-option'"
		run --separate-stderr timeout 10 "$IPCDEMO" "$name" -7
		assert_usage_error "$name" "invalid option '-7'"
	done
	assert_clean
}

# Runs CMD... with its stdout on /dev/full, where every write fails.
to_full() {
	"$@" >/dev/full
}

@test "a write error on stdout is reported, exit 1" {
	run --separate-stderr to_full "$IPCDEMO" --list
	assert_failure 1
	assert_equal "$stderr" \
		"ipcdemo: write error on standard output: No space left on device"
	run --separate-stderr to_full "$IPCDEMO" --help
	assert_failure 1
	run --separate-stderr to_full "$IPCDEMO" --version
	assert_failure 1
	run --separate-stderr to_full "$IPCDEMO" pipe --help
	assert_failure 1
	assert_equal "$stderr" \
		"pipe: write error on standard output: No space left on device"
	assert_clean
}
