#!/usr/bin/env bats
# mmap-demo: memory-mapped files as IPC (SPEC §4.8, issue 7).
#
# The channel file lives alone in $DIR, so "nothing is left" is an
# empty listing of $DIR; logs and input stay outside it.  Its path is
# absolute, so the applets' argv names the test directory and
# assert_no_procs finds them.  A writer's input is a FIFO the test
# holds open on fd 4, so the test decides when a line arrives and when
# EOF comes; background sides close fds 3 and 4.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	common_setup
	DIR=$BATS_TEST_TMPDIR/d
	mkdir "$DIR"
	CHAN=$DIR/chan
	READER=
	WRITER=
}

teardown() {
	exec 4>&- 2>/dev/null || true
	[[ -n ${TMUX_SOCK:-} ]] && tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
	common_teardown
}

# start_reader LOG ARGS...: the reader of $CHAN in the background,
# awaited until it waits for a writer.  Sets READER.
start_reader() {
	local log=$1
	shift
	: >"$log"
	mmap-demo file --read -f "$CHAN" "$@" >"$log" 2>&1 3>&- 4>&- </dev/null &
	READER=$!
	BG_PIDS+=("$READER")
	wait_for_line "$log" '^waiting for a writer' 10
}

# open_input FIFO: the test writes the writer's lines into fd 4.
open_input() {
	mkfifo "$1"
	exec 4<>"$1"
}

# start_writer LOG FIFO ARGS...: a writer reading FIFO, awaited until it
# is connected.  Sets WRITER.
start_writer() {
	local log=$1 input=$2
	shift 2
	: >"$log"
	mmap-demo file --write -f "$CHAN" "$@" >"$log" 2>&1 3>&- 4>&- <"$input" &
	WRITER=$!
	BG_PIDS+=("$WRITER")
	wait_for_line "$log" '^connected as writer' 10
}

# The lines of LOG that start with PREFIX, without it.
lines_with() {
	sed -n "s/^$2//p" "$1"
}

assert_nothing_left() {
	assert_dir_holds "$DIR"
	assert_no_procs
	assert_no_ipc
}

@test "mmap-demo --help prints the usage and exits 0" {
	run --separate-stderr mmap-demo --help
	assert_success
	assert_line --index 0 --partial 'usage: ipcdemo mmap-demo file --read'
	assert_output --partial '--keep'
	assert_equal "$stderr" ''
}

@test "mmap-demo: bad usage is one line and the Try line, exit 2" {
	local case args regex
	# ARGS|REGEX for the first line
	local cases=(
		'|which demo\? file, anon or private'
		"bogus|unknown demo 'bogus' \\(file, anon or private\\)"
		'file|the file demo needs --read or --write'
		'file --read --write|--read and --write exclude each other'
		"file --read -s 0|invalid file size: '0' \\(must be 448\\.\\.1073741824 bytes\\)"
		"file --read -s -1|invalid file size: '-1' .*"
		"file --read -s 2G|invalid file size: '2G' \\(must be 448\\.\\.1073741824 bytes\\)"
		"file --read --sync sem|invalid sync mode: 'sem' \\(futex or signal\\)"
		"file --read -m x|-m goes with 'file --write', anon and private"
		"file --write --keep|-s, --mode and --keep go with 'file --read'"
		'anon --sync futex|--read, --write, -f and --sync go with the file demo'
		'private -m a -m b|the child writes one text: give -m once'
		"anon extra|unexpected argument 'extra'"
		"file --read -f|option '-f' requires an argument"
		"anon --bogus|unrecognized option '--bogus'"
	)
	for case in "${cases[@]}"; do
		args=${case%%|*}
		regex=${case#*|}
		# shellcheck disable=SC2086
		run --separate-stderr mmap-demo $args
		[[ $status -eq 2 ]] || fail "mmap-demo $args: status $status"
		assert_equal "${#stderr_lines[@]}" 2
		assert_regex "${stderr_lines[0]}" "^mmap-demo: $regex\$"
		assert_equal "${stderr_lines[1]}" "Try 'ipcdemo mmap-demo --help'."
		assert_output ''
	done
	assert_nothing_left
}

# A scripted conversation: every line arrives exactly, in order.
conversation() {
	local mode=$1 i
	for ((i = 1; i <= 1000; i++)); do
		printf 'line %d of the %s conversation: %*s|\n' "$i" "$mode" \
			$((i % 70)) ''
	done >input.txt
	start_reader reader.log --sync "$mode"
	run timeout 60 mmap-demo file --write -f "$CHAN" --sync "$mode" <input.txt
	assert_success
	assert_line 'the reader has read all 1000 messages'
	wait_for_exit "$READER" 10
	assert_equal "$STATUS" 0
	lines_with reader.log 'read: ' >read.txt
	cmp input.txt read.txt
	run cat reader.log
	assert_line "created $CHAN: 4096 bytes, mode 0600, on $(stat -f -c %T "$DIR" | sed 's/ext2\/ext3/ext4/')"
	assert_line --regexp "^mapped it MAP_SHARED at 0x[0-9a-f]+: a 320-byte header and two rings of 1856 bytes, sync $mode$"
	assert_line --regexp '^writer [0-9]+ ended the conversation$'
	assert_line "removing $CHAN"
	assert_nothing_left
}

@test "mmap-demo file: 1000-line conversation, --sync futex" {
	conversation futex
}

@test "mmap-demo file: 1000-line conversation, --sync signal" {
	conversation signal
}

@test "mmap-demo file: quit ends both, the lines after it are not sent" {
	local mode
	for mode in futex signal; do
		start_reader reader.log --sync "$mode"
		run timeout 10 mmap-demo file --write -f "$CHAN" --sync "$mode" \
			<<<$'first\nquit\nnever sent'
		assert_success
		assert_line 'the reader has read all 1 message'
		wait_for_exit "$READER" 10
		assert_equal "$STATUS" 0
		run cat reader.log
		assert_line 'read: first'
		refute_output --partial 'never sent'
		assert_line --regexp '^writer [0-9]+ ended the conversation$'
		run timeout 10 mmap-demo file --write -f "$CHAN" --sync "$mode" -m one -m quit -m two
		assert_failure 1
		assert_nothing_left
	done
}

@test "mmap-demo file: EOF on the writer ends both" {
	start_reader reader.log
	open_input in
	start_writer writer.log in
	printf 'a\nb\n' >&4
	wait_for_line reader.log '^read: b$'
	exec 4>&-
	wait_for_exit "$WRITER" 10
	assert_equal "$STATUS" 0
	wait_for_exit "$READER" 10
	assert_equal "$STATUS" 0
	run cat writer.log
	assert_line 'the reader has read all 2 messages'
	run cat reader.log
	assert_line "writer $WRITER ended the conversation"
	assert_nothing_left
}

@test "mmap-demo file: a 1 MiB line through a 4 KiB file arrives whole" {
	local mode
	head -c 786432 /dev/urandom | base64 -w0 >big.txt
	echo >>big.txt
	for mode in futex signal; do
		start_reader reader.log --sync "$mode"
		run timeout 30 mmap-demo file --write -f "$CHAN" --sync "$mode" <big.txt
		assert_success
		wait_for_exit "$READER" 10
		assert_equal "$STATUS" 0
		lines_with reader.log 'read: ' >read.txt
		cmp big.txt read.txt
		assert_nothing_left
	done
}

@test "mmap-demo file: --keep leaves the file, the last message in it" {
	local offset first
	start_reader reader.log --keep
	first=$READER
	run timeout 10 mmap-demo file --write -f "$CHAN" -m hello -m 'the last words'
	assert_success
	wait_for_exit "$READER" 10
	assert_equal "$STATUS" 0
	run cat reader.log
	assert_line "keeping $CHAN (--keep)"
	assert_line --regexp "^kept $CHAN; read back with read\(2\), it holds the last message at offset [0-9]+: the last words$"
	# The bytes are in the file at that offset, whoever reads it.
	offset=$(sed -n 's/.* at offset \([0-9]*\): .*/\1/p' reader.log)
	run dd if="$CHAN" bs=1 skip="$offset" count=14 status=none
	assert_output 'the last words'
	assert_dir_holds "$DIR" chan
	# The next reader reuses the kept file and leaves it there.
	start_reader reader2.log
	run cat reader2.log
	assert_line --regexp "^reusing $CHAN: 4096 bytes, left by reader $first, which is gone; it stays when this reader exits$"
	run timeout 10 mmap-demo file --write -f "$CHAN" -m again
	assert_success
	wait_for_exit "$READER" 10
	assert_equal "$STATUS" 0
	run cat reader2.log
	assert_line 'read: again'
	assert_line "leaving $CHAN: this reader did not create it"
	# A writer on a file whose reader said goodbye says so.
	run --separate-stderr timeout 10 mmap-demo file --write -f "$CHAN" -m late
	assert_failure 1
	assert_equal "$stderr" "mmap-demo: reader $READER has shut down"
	rm "$CHAN"
	assert_nothing_left
}

# The writer is SIGKILLed mid-conversation; the reader says so within
# about a second and serves the next writer.
@test "mmap-demo file: a SIGKILLed writer is noticed; the next one is served" {
	local mode first
	for mode in futex signal; do
		start_reader reader.log --sync "$mode"
		open_input in
		start_writer writer.log in --sync "$mode"
		echo one >&4
		wait_for_line reader.log '^read: one$'
		first=$WRITER
		kill -KILL "$first"
		wait_for_line reader.log "^writer $first died: process $first no longer exists$" 8
		run grep -c '^waiting for a writer' reader.log
		assert_output 2
		run timeout 10 mmap-demo file --write -f "$CHAN" --sync "$mode" -m two
		assert_success
		wait_for_exit "$READER" 10
		assert_equal "$STATUS" 0
		run cat reader.log
		assert_line 'read: two'
		exec 4>&-
		rm in
		assert_nothing_left
	done
}

# The reader is SIGKILLed while the writer waits at its prompt: the
# writer notices within about a second, exits 1 and removes nothing;
# the file left behind is ours, so the next reader reuses it.
@test "mmap-demo file: a SIGKILLed reader is noticed; its file is reused" {
	local mode
	for mode in futex signal; do
		start_reader reader.log --sync "$mode"
		open_input in
		start_writer writer.log in --sync "$mode"
		echo before >&4
		wait_for_line reader.log '^read: before$'
		kill -KILL "$READER"
		wait_for_exit "$WRITER" 8
		assert_equal "$STATUS" 1
		run grep '^mmap-demo:' writer.log
		assert_output "mmap-demo: reader $READER died (process $READER no longer exists); $CHAN stays until it is removed, or a new reader reuses it"
		assert_dir_holds "$DIR" chan
		# A writer that comes now is told the same at once.
		run --separate-stderr timeout 10 mmap-demo file --write -f "$CHAN" --sync "$mode" -m x
		assert_failure 1
		assert_regex "$stderr" "^mmap-demo: reader $READER died"
		start_reader reader2.log --sync "$mode"
		run cat reader2.log
		assert_line --partial "reusing $CHAN"
		run timeout 10 mmap-demo file --write -f "$CHAN" --sync "$mode" -m after
		assert_success
		wait_for_exit "$READER" 10
		assert_equal "$STATUS" 0
		grep -q '^read: after$' reader2.log
		rm "$CHAN"
		exec 4>&-
		rm in
		assert_nothing_left
	done
}

# A stop signal on the reader: exit 128+N, the file removed, the writer
# told at its prompt.
reader_stopped() {
	local sig=$1 num=$2 mode=$3
	start_reader reader.log --sync "$mode"
	open_input in
	start_writer writer.log in --sync "$mode"
	echo hi >&4
	wait_for_line reader.log '^read: hi$'
	kill -"$sig" "$READER"
	wait_for_exit "$READER" 5
	assert_equal "$STATUS" $((128 + num))
	wait_for_exit "$WRITER" 5
	assert_equal "$STATUS" 1
	run cat writer.log
	assert_line "mmap-demo: reader $READER has shut down"
	run cat reader.log
	assert_line "stopped by SIG$sig; removing $CHAN"
	assert_nothing_left
}

@test "mmap-demo file: SIGINT ends the reader cleanly (--sync futex)" {
	reader_stopped INT 2 futex
}

@test "mmap-demo file: SIGTERM ends the reader cleanly (--sync signal)" {
	reader_stopped TERM 15 signal
}

@test "mmap-demo file: SIGHUP while waiting for a writer removes the file" {
	start_reader reader.log
	assert_dir_holds "$DIR" chan
	kill -HUP "$READER"
	wait_for_exit "$READER" 5
	assert_equal "$STATUS" 129
	assert_nothing_left
}

# A stop signal on the writer: it exits 128+N; the reader says the
# writer left and serves the next one.
writer_stopped() {
	local sig=$1 num=$2 mode=$3
	start_reader reader.log --sync "$mode"
	open_input in
	start_writer writer.log in --sync "$mode"
	echo hi >&4
	wait_for_line reader.log '^read: hi$'
	kill -"$sig" "$WRITER"
	wait_for_exit "$WRITER" 5
	assert_equal "$STATUS" $((128 + num))
	wait_for_line reader.log "^writer $WRITER left$"
	run timeout 10 mmap-demo file --write -f "$CHAN" --sync "$mode" -m next
	assert_success
	wait_for_exit "$READER" 10
	assert_equal "$STATUS" 0
	run cat reader.log
	assert_line 'read: next'
	assert_nothing_left
}

@test "mmap-demo file: SIGINT ends the writer cleanly (--sync signal)" {
	writer_stopped INT 2 signal
}

@test "mmap-demo file: SIGTERM ends the writer cleanly (--sync futex)" {
	writer_stopped TERM 15 futex
}

# What $DIR holds: names, kinds, sizes, times and the regular files'
# bytes (a FIFO is never read: that would block).
dir_state() {
	find "$DIR" -mindepth 1 -printf '%y %m %s %T@ %p\n' | sort
	find "$DIR" -maxdepth 1 -type f -exec md5sum {} + | sort
}

# One line, exit 1, and the file at the path exactly as it was.
refused() { # ARGS... (after "file"), then the expected message after "--"
	local args=() sum
	while [[ $1 != -- ]]; do
		args+=("$1")
		shift
	done
	shift
	sum=$(dir_state)
	run --separate-stderr timeout 10 mmap-demo file "${args[@]}"
	assert_failure 1
	assert_equal "${#stderr_lines[@]}" 1
	assert_equal "$stderr" "mmap-demo: $1"
	assert_output ''
	assert_equal "$(dir_state)" "$sum"
}

@test "mmap-demo file: a path in a missing directory, for either side" {
	refused --read -f "$DIR/no/chan" -- "create $DIR/no/chan: No such file or directory"
	refused --write -f "$DIR/no/chan" -- "no reader: $DIR/no/chan does not exist; start one first with 'ipcdemo mmap-demo file --read -f $DIR/no/chan'"
	refused --write -f "$CHAN" -- "no reader: $CHAN does not exist; start one first with 'ipcdemo mmap-demo file --read -f $CHAN'"
	assert_nothing_left
}

@test "mmap-demo file: a file that is too small is never truncated or removed" {
	local side
	printf 'precious data\n' >"$CHAN"
	for side in --read --write; do
		refused "$side" -f "$CHAN" -- "$CHAN is too small for a channel (14 bytes, at least 448); leaving it alone"
	done
	assert_equal "$(cat "$CHAN")" 'precious data'
	rm "$CHAN"
	assert_nothing_left
}

@test "mmap-demo file: a foreign file of any size is never touched, even with -s" {
	local side sum
	head -c 8192 /dev/urandom >"$CHAN"
	sum=$(md5sum <"$CHAN")
	for side in --read --write; do
		run --separate-stderr timeout 10 mmap-demo file "$side" -f "$CHAN"
		assert_failure 1
		assert_regex "$stderr" "^mmap-demo: $CHAN is not an mmap-demo channel \(bad magic 0x[0-9a-f]{8} \(expected 0x49504331\)\); leaving it alone$"
	done
	run --separate-stderr timeout 10 mmap-demo file --read -s 4096 -f "$CHAN"
	assert_failure 1
	assert_equal "$(md5sum <"$CHAN")" "$sum"
	assert_equal "$(stat -c %s "$CHAN")" 8192
	rm "$CHAN"
	# One full of zeros has no magic either: refused after a short wait.
	truncate -s 4096 "$CHAN"
	refused --read -f "$CHAN" -- "$CHAN is not an mmap-demo channel (bad magic 0x00000000 (expected 0x49504331), and no reader set it up); leaving it alone"
	rm "$CHAN"
	: >"$CHAN"
	refused --write -f "$CHAN" -- "$CHAN is not an mmap-demo channel (it is empty, and no reader set it up); leaving it alone"
	rm "$CHAN"
	assert_nothing_left
}

@test "mmap-demo file: not a regular file: one line, left alone" {
	mkdir "$DIR/sub"
	refused --read -f "$DIR/sub" -- "$DIR/sub is a directory, not a regular file; leaving it alone"
	mkfifo "$DIR/fifo"
	refused --read -f "$DIR/fifo" -- "$DIR/fifo is a FIFO, not a regular file; leaving it alone"
	refused --write -f "$DIR/fifo" -- "$DIR/fifo is a FIFO, not a regular file; leaving it alone"
	refused --write -f /dev/null -- "/dev/null is a character device, not a regular file; leaving it alone"
	ln -s "$DIR/nowhere" "$DIR/link"
	refused --read -f "$DIR/link" -- "$DIR/link is a symbolic link to nothing; leaving it alone"
	rm -r "$DIR/sub" "$DIR/fifo" "$DIR/link"
	assert_nothing_left
}

@test "mmap-demo file: a second reader, a second writer and a wrong mode are refused" {
	start_reader reader.log
	refused --read -f "$CHAN" -- "a reader is already using $CHAN (PID $READER)"
	refused --read -f "$CHAN" -s 8K -- "a reader is already using $CHAN (PID $READER)"
	open_input in
	start_writer writer.log in
	run --separate-stderr timeout 10 mmap-demo file --write -f "$CHAN" -m intruder
	assert_failure 1
	assert_equal "$stderr" "mmap-demo: another writer (PID $WRITER) is connected; one writer at a time"
	run --separate-stderr timeout 10 mmap-demo file --write -f "$CHAN" --sync signal -m x
	assert_failure 1
	assert_equal "$stderr" "mmap-demo: the reader uses --sync futex, this writer --sync signal; start the writer with --sync futex"
	echo still-here >&4
	wait_for_line reader.log '^read: still-here$'
	exec 4>&-
	wait_for_exit "$WRITER" 10
	assert_equal "$STATUS" 0
	wait_for_exit "$READER" 10
	assert_equal "$STATUS" 0
	refute grep -q 'intruder\|read: x' reader.log
	rm in
	assert_nothing_left
}

@test "mmap-demo file: a stale file of another size is not resized with -s" {
	start_reader reader.log -s 8K
	kill -KILL "$READER"
	wait_for_exit "$READER" 5
	refused --read -f "$CHAN" -s 4K -- "$CHAN is a channel of 8192 bytes, not 4096; leaving it as it is (remove it, or drop -s)"
	start_reader reader2.log
	run cat reader2.log
	assert_line --partial "reusing $CHAN: 8192 bytes"
	kill -TERM "$READER"
	wait_for_exit "$READER" 5
	assert_equal "$STATUS" 143
	run cat reader2.log
	assert_line "stopped by SIGTERM; leaving $CHAN: this reader did not create it"
	assert_dir_holds "$DIR" chan
	rm "$CHAN"
	assert_nothing_left
}

@test "mmap-demo file: --mode sets the file's permissions, 0600 by default" {
	start_reader reader.log
	assert_equal "$(stat -c %a "$CHAN")" 600
	kill -TERM "$READER"
	wait_for_exit "$READER" 5
	# --mode means exactly these bits, whatever the umask.
	local old_umask
	old_umask=$(umask)
	umask 077
	start_reader reader.log --mode 0644 -s 64K
	umask "$old_umask"
	assert_equal "$(stat -c '%a %s' "$CHAN")" '644 65536'
	run cat reader.log
	assert_line "created $CHAN: 65536 bytes, mode 0644, on $(stat -f -c %T "$DIR" | sed 's/ext2\/ext3/ext4/')"
	kill -TERM "$READER"
	wait_for_exit "$READER" 5
	assert_equal "$STATUS" 143
	run cat reader.log
	assert_line "stopped by SIGTERM; removing $CHAN"
	assert_nothing_left
}

@test "mmap-demo file: --trace shows the file's system calls, and no System V" {
	local mode
	declare -A wakes=([signal]='^kill\(pid=[0-9]+, SIGUSR2\) = 0'
		[futex]='^futex\(0x[0-9a-f]+, FUTEX_WAKE, 1\)')
	for mode in futex signal; do
		start_reader reader.log --trace --sync "$mode"
		run grep -E "^open\(\"$CHAN\", O_RDWR\|O_CREAT\|O_EXCL, 0600\) = [0-9]+$" reader.log
		assert_success
		run grep -E '^ftruncate\(fd=[0-9]+, 4096\) = 0$' reader.log
		assert_success
		run grep -E '^fallocate\(fd=[0-9]+, 0, 0, 4096\) = 0$' reader.log
		assert_success
		run grep -E '^mmap\(\(nil\), 4096, PROT_READ\|PROT_WRITE, MAP_SHARED, fd=[0-9]+, 0\) = 0x[0-9a-f]+$' reader.log
		assert_success
		run timeout 10 mmap-demo file --write --trace -f "$CHAN" --sync "$mode" -m traced
		assert_success
		assert_line --regexp "^open\(\"$CHAN\", O_RDWR\) = [0-9]+$"
		assert_line --regexp '^read\(fd=[0-9]+, 320\) = 320 "1CPI'
		assert_line --regexp '^mmap\(\(nil\), 4096, PROT_READ\|PROT_WRITE, MAP_SHARED, fd=[0-9]+, 0\) = 0x'
		assert_line --regexp '^munmap\(0x[0-9a-f]+, 4096\) = 0$'
		assert_line --regexp "${wakes[$mode]}"
		refute_output --regexp '^(shm|sem|msg)get'
		wait_for_exit "$READER" 10
		assert_equal "$STATUS" 0
		run cat reader.log
		assert_line 'read: traced'
		assert_line --regexp '^munmap\(0x[0-9a-f]+, 4096\) = 0$'
		assert_line "unlink(\"$CHAN\") = 0"
		refute_output --regexp '^(shm|sem|msg)get'
		assert_nothing_left
	done
}

@test "mmap-demo anon: the child writes, the parent reads it after waitpid" {
	run --separate-stderr timeout 10 mmap-demo anon
	assert_success
	assert_equal "$stderr" ''
	assert_equal "${#lines[@]}" 4
	assert_line --index 0 --regexp '^parent [0-9]+: mapped 4096 bytes MAP_SHARED\|MAP_ANONYMOUS at 0x[0-9a-f]+$'
	assert_line --index 1 --regexp "^child [0-9]+: wrote 'hello from the child' at 0x[0-9a-f]+$"
	assert_line --index 2 --regexp '^parent [0-9]+: waitpid: child [0-9]+ exited with status 0$'
	assert_line --index 3 --regexp "^parent [0-9]+: reads 'hello from the child' at 0x[0-9a-f]+: the child's write is shared$"
	run timeout 10 mmap-demo anon -m 'my own words'
	assert_success
	assert_line --partial "reads 'my own words'"
	assert_nothing_left
}

@test "mmap-demo private: the child's write stays its own, beside the shared one" {
	run --separate-stderr timeout 10 mmap-demo private -m 'from the child'
	assert_success
	assert_equal "$stderr" ''
	assert_line --regexp '^parent [0-9]+: mapped 4096 bytes MAP_PRIVATE\|MAP_ANONYMOUS at 0x'
	assert_line --regexp "^child [0-9]+: sees 'set by the parent before fork' and 'set by the parent before fork': the pages came with the fork$"
	assert_line --regexp "^child [0-9]+: wrote 'from the child' into both$"
	assert_line --regexp "^parent [0-9]+: MAP_SHARED  at 0x[0-9a-f]+ reads 'from the child': the child's write is shared$"
	assert_line --regexp "^parent [0-9]+: MAP_PRIVATE at 0x[0-9a-f]+ reads 'set by the parent before fork': the child wrote into its own copy of the page \(copy-on-write\)$"
	assert_nothing_left
}

@test "mmap-demo anon and private: --trace shows mmap, fork, waitpid, munmap" {
	run --separate-stderr timeout 10 mmap-demo private --trace
	assert_success
	printf '%s\n' "$stderr" >trace.txt
	run cat trace.txt
	assert_line --regexp '^mmap\(\(nil\), 4096, PROT_READ\|PROT_WRITE, MAP_SHARED\|MAP_ANONYMOUS, fd=-1, 0\) = 0x'
	assert_line --regexp '^mmap\(\(nil\), 4096, PROT_READ\|PROT_WRITE, MAP_PRIVATE\|MAP_ANONYMOUS, fd=-1, 0\) = 0x'
	assert_line --regexp '^fork\(\) = [0-9]+$'
	assert_line --regexp '^waitpid\('
	assert_line --regexp '^munmap\(0x[0-9a-f]+, 4096\) = 0$'
	assert_nothing_left
}

# type_words PANE WORDS...: one word at a time, then Enter.
type_words() {
	local pane=$1 word
	shift
	for word in "$@"; do
		tmux -L "$TMUX_SOCK" send-keys -t "mmap:0.$pane" -l "$word "
	done
	tmux -L "$TMUX_SOCK" send-keys -t "mmap:0.$pane" BSpace Enter
}

@test "mmap-demo file: reader and writer in two tmux panes, typed into by a person" {
	TMUX_SOCK=ipcdemo-mmap-$$-$BATS_TEST_NUMBER TMUX_SESSION=mmap
	# Each pane's shell writes its command's exit status when it ends,
	# then waits on the terminal, so its last lines stay to be read.
	tmux -L "$TMUX_SOCK" -f /dev/null new-session -d -s mmap -x 160 -y 40 \
		"mmap-demo file --read -f '$CHAN'; echo \$? >reader.status; read -r _"
	wait_for_tmux_pane 0 '^waiting for a writer'
	tmux -L "$TMUX_SOCK" split-window -t mmap:0 -v \
		"mmap-demo file --write -f '$CHAN'; echo \$? >writer.status; read -r _"
	wait_for_tmux_pane 1 '^input> ?$'
	type_words 1 hello through a mapped file
	wait_for_tmux_pane 0 '^read: hello through a mapped file$'
	wait_for_tmux_pane 1 '^input> hello through a mapped file$'
	type_words 1 and a second line
	wait_for_tmux_pane 0 '^read: and a second line$'
	type_words 1 quit
	wait_for_line reader.status . 10
	wait_for_line writer.status . 10
	assert_equal "$(cat reader.status) $(cat writer.status)" "0 0"
	wait_for_tmux_pane 0 '^writer [0-9]+ ended the conversation$'
	wait_for_tmux_pane 0 "^removing $CHAN\$"
	wait_for_tmux_pane 1 '^the reader has read all 2 messages$'
	run tmux_pane 1
	assert_output --partial 'connected as writer'
	refute_output --partial 'mmap-demo:'
	tmux -L "$TMUX_SOCK" kill-server
	assert_nothing_left
}
