#!/usr/bin/env bats
# fifo-read (SPEC §4.2): the reader's side of a named pipe, with real
# fifo-write processes as its writers.

bats_require_minimum_version 1.5.0
load fifo

setup() {
	fifo_setup
}

teardown() {
	fifo_teardown
}

@test "fifo-read: -h and --help print the usage and exit 0" {
	for opt in -h --help; do
		run --separate-stderr fifo-read "$opt"
		assert_success
		assert_line --index 0 \
			'usage: ipcdemo fifo-read [-f PATH] [--mode OCTAL] [--serve]'
		assert_output --partial '--serve'
		assert_equal "$stderr" ''
	done
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: default FIFO ipcdemo.fifo in the current directory, 0600, removed at exit" {
	start_bg r.log fifo-read
	local reader=$PID
	wait_for_line r.log '^fifo-read: waiting for a writer on ipcdemo\.fifo$'
	run stat -c '%F %a' ipcdemo.fifo
	assert_output 'fifo 600'
	run timeout 10 fifo-write <<<$'hello\nworld'
	assert_success
	wait_for_exit "$reader"
	assert_equal "$STATUS" 0
	run cat r.log
	assert_output "fifo-read: waiting for a writer on ipcdemo.fifo
Read message: hello
Read message: world
fifo-read: writer quit (every writer has closed ipcdemo.fifo)"
	assert_dir_holds . fifo r.log
	run kill -0 "$reader"
	assert_failure
	assert_no_leftovers
}

@test "fifo-read: -f and --fifo=PATH choose the FIFO" {
	start_bg r.log fifo-read --fifo="$FIFO"
	wait_for_line r.log "waiting for a writer on $FIFO\$"
	[[ -p $FIFO ]]
	run timeout 10 fifo-write -f "$FIFO" <<<'long form'
	assert_success
	wait_for_exit "$PID"
	assert_equal "$STATUS" 0
	run cat r.log
	assert_line --index 1 'Read message: long form'
	assert_dir_holds "$DIR"

	start_reader r2.log
	[[ -p $FIFO ]]
	run timeout 10 fifo-write -f "$FIFO" <<<'short form'
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run cat r2.log
	assert_line 'Read message: short form'
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: --mode sets exactly the FIFO's bits, whatever the umask" {
	umask 077
	start_reader r.log --mode 0664
	run stat -c '%a' "$FIFO"
	assert_output '664'
	kill -TERM "$READER"
	wait_for_exit "$READER"
	assert_equal "$STATUS" 143
	umask 0
	start_reader r2.log --mode 640
	run stat -c '%a' "$FIFO"
	assert_output '640'
	kill -TERM "$READER"
	wait_for_exit "$READER"
	assert_equal "$STATUS" 143
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: a 'quit' line ends the reader at once, even with a writer still there" {
	start_reader r.log
	start_typed w.log fifo-write -f "$FIFO"
	local writer=$PID
	type_line 1 'before'
	wait_for_line r.log '^Read message: before$'
	start_typed w2.log fifo-write -f "$FIFO"
	local other=$PID
	type_line 2 'quit'
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run cat r.log
	assert_line "fifo-read: got 'quit', stopping"
	refute_line 'Read message: quit'
	refute_line --partial 'writer quit'
	wait_for_exit "$other"
	assert_equal "$STATUS" 0
	# The first writer, idle at its input, sees the reader go at once.
	wait_for_exit "$writer"
	assert_equal "$STATUS" 1
	run cat w.log
	assert_output --partial "fifo-write: $FIFO: reader has gone"
	end_typing 1
	end_typing 2
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: EOF only when every writer has closed" {
	start_reader r.log
	start_typed w1.log fifo-write -f "$FIFO"
	local w1=$PID
	start_typed w2.log fifo-write -f "$FIFO"
	local w2=$PID
	type_line 1 'one'
	type_line 2 'two'
	wait_for_line r.log '^Read message: one$'
	wait_for_line r.log '^Read message: two$'
	end_typing 1
	wait_for_exit "$w1"
	assert_equal "$STATUS" 0
	type_line 2 'still here'
	wait_for_line r.log '^Read message: still here$'
	run grep -c 'writer quit' r.log
	assert_output 0
	kill -0 "$READER"
	end_typing 2
	wait_for_exit "$w2"
	assert_equal "$STATUS" 0
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run tail -n 1 r.log
	assert_output "fifo-read: writer quit (every writer has closed $FIFO)"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: a last line without a newline is still printed" {
	start_reader r.log
	printf 'no newline' >"$BATS_TEST_TMPDIR/in"
	run timeout 10 fifo-write -f "$FIFO" <"$BATS_TEST_TMPDIR/in"
	assert_success
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run cat r.log
	assert_line 'Read message: no newline'
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: --serve keeps the FIFO for successive writers, idles between them, stops on SIGTERM" {
	start_reader r.log --serve
	assert_idle "$READER"
	run timeout 10 fifo-write -f "$FIFO" <<<$'first 1\nfirst 2'
	assert_success
	wait_for_line r.log '^fifo-read: waiting for the next writer'
	[[ -p $FIFO ]]
	# Linux polls a FIFO without writers readable forever: no spinning.
	assert_idle "$READER"
	run timeout 10 fifo-write -f "$FIFO" -n 2 -i 0
	assert_success
	wait_for_count r.log '^fifo-read: waiting for the next writer' 2
	assert_idle "$READER"
	kill -TERM "$READER"
	wait_for_exit "$READER"
	assert_equal "$STATUS" 143
	run grep -E '^(Read message|fifo-read: (writer quit|stopped))' r.log
	assert_equal "${#lines[@]}" 7
	assert_equal "${lines[0]}" 'Read message: first 1'
	assert_equal "${lines[1]}" 'Read message: first 2'
	assert_equal "${lines[2]}" "fifo-read: writer quit (every writer has closed $FIFO)"
	assert_regex "${lines[3]}" "^Read message: Process [0-9]+'s time is "
	assert_regex "${lines[4]}" "^Read message: Process [0-9]+'s time is "
	assert_equal "${lines[5]}" "${lines[2]}"
	assert_equal "${lines[6]}" 'fifo-read: stopped by SIGTERM'
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: --serve ends on a 'quit' line from a later writer" {
	start_reader r.log --serve
	run timeout 10 fifo-write -f "$FIFO" <<<'a'
	assert_success
	wait_for_line r.log 'waiting for the next writer'
	run timeout 10 fifo-write -f "$FIFO" <<<$'b\nquit\nnot sent'
	assert_success
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run cat r.log
	assert_line 'Read message: a'
	assert_line 'Read message: b'
	assert_line "fifo-read: got 'quit', stopping"
	refute_line --partial 'not sent'
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: --serve: writers that overlap make one round, ended when the last leaves" {
	start_reader r.log --serve
	start_typed w1.log fifo-write -f "$FIFO"
	local w1=$PID
	type_line 1 'from one'
	wait_for_line r.log '^Read message: from one$'
	# The second writer joins while the first is there, then the first
	# leaves: one round, its lines read, its close seen.
	start_typed w2.log fifo-write -f "$FIFO"
	local w2=$PID
	type_line 2 'from two'
	wait_for_line r.log '^Read message: from two$'
	end_typing 1
	wait_for_exit "$w1"
	type_line 2 'two again'
	wait_for_line r.log '^Read message: two again$'
	end_typing 2
	wait_for_exit "$w2"
	assert_equal "$STATUS" 0
	wait_for_line r.log 'waiting for the next writer'
	run grep -c 'writer quit' r.log
	assert_output 1
	kill -INT "$READER"
	wait_for_exit "$READER"
	assert_equal "$STATUS" 130
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: an existing FIFO is used and left in place" {
	mkfifo -m 0620 "$FIFO"
	start_bg r.log fifo-read -f "$FIFO"
	READER=$PID
	wait_for_line r.log 'waiting for a writer'
	run cat r.log
	assert_line --index 0 "fifo-read: using the existing FIFO $FIFO; it stays when this reader exits"
	run timeout 10 fifo-write -f "$FIFO" <<<'hi'
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run stat -c '%F %a' "$FIFO"
	assert_output 'fifo 620'
	# And on a stop signal too.
	start_reader r2.log --serve
	kill -HUP "$READER"
	wait_for_exit "$READER"
	assert_equal "$STATUS" 129
	[[ -p $FIFO ]]
	rm "$FIFO"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: a regular file at the path is refused, not touched" {
	printf 'precious\n' >"$FIFO"
	touch -d '2001-02-03 04:05:06' "$FIFO"
	local before
	before=$(stat -c '%s %Y %i' "$FIFO")
	run --separate-stderr timeout 10 fifo-read -f "$FIFO"
	assert_equal "$status" 1
	assert_output ''
	assert_one_line_error "^fifo-read: $FIFO is a regular file, not a FIFO; leaving it alone\$"
	assert_equal "$(stat -c '%s %Y %i' "$FIFO")" "$before"
	assert_equal "$(cat "$FIFO")" precious
	run --separate-stderr timeout 10 fifo-read -f "$FIFO" --serve
	assert_equal "$status" 1
	assert_dir_holds "$DIR" t.fifo
	assert_no_leftovers
}

@test "fifo-read: a directory at the path is refused and kept" {
	mkdir "$FIFO"
	run --separate-stderr timeout 10 fifo-read -f "$FIFO"
	assert_equal "$status" 1
	assert_one_line_error "^fifo-read: $FIFO is a directory, not a FIFO; leaving it alone\$"
	[[ -d $FIFO ]]
	assert_dir_holds "$FIFO"
	assert_dir_holds "$DIR" t.fifo
	assert_no_leftovers
}

@test "fifo-read: a dangling symbolic link at the path is refused and kept" {
	ln -s "$DIR/elsewhere" "$FIFO"
	run --separate-stderr timeout 10 fifo-read -f "$FIFO"
	assert_equal "$status" 1
	assert_one_line_error "^fifo-read: $FIFO is a symbolic link, not a FIFO; leaving it alone\$"
	[[ -L $FIFO ]]
	assert_dir_holds "$DIR" t.fifo
	assert_no_leftovers
}

@test "fifo-read: a FIFO in a directory that does not exist" {
	run --separate-stderr timeout 10 fifo-read -f "$DIR/nowhere/t.fifo"
	assert_equal "$status" 1
	assert_one_line_error "^fifo-read: mkfifo $DIR/nowhere/t.fifo: No such file or directory\$"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: a FIFO in a directory user nobody cannot write to" {
	make_nobody_dir
	run --separate-stderr as_nobody fifo-read -f "$NOBODY_DIR/ro/t.fifo"
	assert_equal "$status" 1
	assert_one_line_error "^fifo-read: mkfifo $NOBODY_DIR/ro/t.fifo: Permission denied\$"
	assert_dir_holds "$NOBODY_DIR/ro"
	assert_no_leftovers "$NOBODY_DIR"
}

@test "fifo-read: a file put in the FIFO's place while it runs is not deleted" {
	start_reader r.log
	rm "$FIFO"
	printf 'mine\n' >"$FIFO"
	kill -TERM "$READER"
	wait_for_exit "$READER"
	assert_equal "$STATUS" 143
	run cat r.log
	assert_line "fifo-read: $FIFO is no longer the file this process made; leaving it"
	assert_equal "$(cat "$FIFO")" mine
	rm "$FIFO"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: SIGINT, SIGTERM, SIGHUP while waiting: exit 128+sig, FIFO removed" {
	local sig num
	for sig in INT TERM HUP; do
		num=$(kill -l "$sig")
		start_reader "r.$sig.log"
		kill "-$sig" "$READER"
		wait_for_exit "$READER"
		assert_equal "$STATUS" $((128 + num))
		run tail -n 1 "r.$sig.log"
		assert_output "fifo-read: stopped by SIG$sig"
		assert_dir_holds "$DIR"
	done
	assert_no_leftovers
}

@test "fifo-read: SIGINT, SIGTERM, SIGHUP mid-conversation: FIFO removed, the writer told" {
	local sig num
	for sig in INT TERM HUP; do
		num=$(kill -l "$sig")
		start_reader "r.$sig.log" --serve
		start_typed "w.$sig.log" fifo-write -f "$FIFO"
		local writer=$PID
		type_line "$TYPED" "before $sig"
		wait_for_line "r.$sig.log" "^Read message: before $sig\$"
		kill "-$sig" "$READER"
		wait_for_exit "$READER"
		assert_equal "$STATUS" $((128 + num))
		assert_dir_holds "$DIR"
		# The idle writer notices within about a second (POLLERR).
		wait_for_exit "$writer" 5
		assert_equal "$STATUS" 1
		run cat "w.$sig.log"
		assert_output "fifo-write: $FIFO: reader has gone"
		end_typing "$TYPED"
	done
	assert_no_leftovers
}

@test "fifo-read: --trace shows mkfifo, open, read, close and unlink" {
	start_reader r.log --trace
	run timeout 10 fifo-write -f "$FIFO" <<<'traced'
	assert_success
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run grep -E '^(mkfifo|open|read|close|unlink)\(' r.log
	assert_equal "${#lines[@]}" 6
	assert_equal "${lines[0]}" "mkfifo(\"$FIFO\", 0600) = 0"
	assert_regex "${lines[1]}" "^open\(\"$FIFO\", O_RDONLY\|O_NONBLOCK\) = [0-9]+\$"
	assert_regex "${lines[2]}" '^read\(fd=[0-9]+, [0-9]+\) = 7 "traced\\n"$'
	assert_regex "${lines[3]}" '^read\(fd=[0-9]+, [0-9]+\) = 0$'
	assert_regex "${lines[4]}" '^close\(fd=[0-9]+\) = 0$'
	assert_equal "${lines[5]}" "unlink(\"$FIFO\") = 0"
	# IPCDEMO_TRACE=1 does the same.
	IPCDEMO_TRACE=1 start_reader r2.log
	run timeout 10 fifo-write -f "$FIFO" </dev/null
	wait_for_exit "$READER"
	run grep -c '^mkfifo(' r2.log
	assert_output 1
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: --trace shows the --serve reopen for the next writer" {
	start_reader r.log --serve --trace
	run timeout 10 fifo-write -f "$FIFO" </dev/null
	wait_for_line r.log 'waiting for the next writer'
	run grep -c "^open(\"$FIFO\", O_RDONLY|O_NONBLOCK)" r.log
	assert_output 2
	kill -TERM "$READER"
	wait_for_exit "$READER"
	assert_equal "$STATUS" 143
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-read: bad usage: one line, the Try line, exit 2, nothing made" {
	local args
	while IFS= read -r args; do
		eval "run --separate-stderr fifo-read $args"
		case $args in
		-x*) assert_usage_error fifo-read "invalid option '-x'" ;;
		--bogus*) assert_usage_error fifo-read "unrecognized option '--bogus'" ;;
		-f) assert_usage_error fifo-read "option '-f' requires an argument" ;;
		--fifo) assert_usage_error fifo-read "option '--fifo' requires an argument" ;;
		--mode) assert_usage_error fifo-read "option '--mode' requires an argument" ;;
		--mode\ abc | --mode\ 0999 | --mode\ -1 | --mode\ 01777)
			assert_usage_error fifo-read "invalid mode: .*" ;;
		"-f ''") assert_usage_error fifo-read "invalid FIFO path: '' \(empty\)" ;;
		--serve=yes) assert_usage_error fifo-read "option '--serve' doesn't allow an argument" ;;
		*) assert_usage_error fifo-read "unexpected argument 'extra'" ;;
		esac
		assert_dir_holds "$DIR"
		[[ ! -e ipcdemo.fifo ]]
	done <<-'EOF'
		-x
		--bogus
		-f
		--fifo
		--mode
		--mode abc
		--mode 0999
		--mode -1
		--mode 01777
		-f ''
		--serve=yes
		-f "$FIFO" extra
	EOF
	assert_no_leftovers
}
