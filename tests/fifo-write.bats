#!/usr/bin/env bats
# fifo-write (SPEC §4.2): the writer's side of a named pipe, with a real
# fifo-read process reading.

bats_require_minimum_version 1.5.0
load fifo

setup() {
	fifo_setup
}

teardown() {
	if [[ -n ${TMUX_SOCK:-} ]]; then
		tmux -S "$TMUX_SOCK" kill-server 2>/dev/null || true
	fi
	fifo_teardown
}

# The lines fifo-read printed as messages, without the prefix.
messages() {
	sed -n 's/^Read message: //p' "$1"
}

# repeat CHAR COUNT: CHAR COUNT times, no newline.
repeat() {
	head -c "$2" /dev/zero | tr '\0' "$1"
}

# wait_for_screen REGEX: until a line of the tmux pane matches.
wait_for_screen() {
	local tries=200
	until tmux -S "$TMUX_SOCK" capture-pane -p -t fifo 2>/dev/null |
		grep -qE -- "$1"; do
		((tries-- > 0)) || {
			echo "timed out waiting for /$1/ on the screen:" >&2
			tmux -S "$TMUX_SOCK" capture-pane -p -t fifo >&2
			return 1
		}
		sleep 0.05
	done
}

# The pane's non-empty lines.
screen_text() {
	tmux -S "$TMUX_SOCK" capture-pane -p -t fifo | sed '/^$/d'
}

wait_for_tmux_gone() {
	local tries=200
	while tmux -S "$TMUX_SOCK" has-session 2>/dev/null; do
		((tries-- > 0)) || return 1
		sleep 0.05
	done
}

@test "fifo-write: -h and --help print the usage and exit 0" {
	for opt in -h --help; do
		run --separate-stderr fifo-write "$opt"
		assert_success
		assert_line --index 0 \
			'usage: ipcdemo fifo-write [-f PATH] [--nonblock] [-n COUNT [-i SECONDS]]'
		assert_output --partial '--interval SECONDS'
		assert_equal "$stderr" ''
	done
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: sends standard input to the default FIFO until EOF, no prompt on a pipe" {
	start_bg r.log fifo-read
	local reader=$PID
	wait_for_line r.log 'waiting for a writer on ipcdemo\.fifo$'
	run --separate-stderr timeout 10 fifo-write <<<$'one\n\ntwo  spaces\tand a tab'
	assert_success
	# A reader is there, so no wait is announced, and no prompt.
	assert_output ''
	assert_equal "$stderr" ''
	wait_for_exit "$reader"
	assert_equal "$STATUS" 0
	run messages r.log
	assert_output $'one\n\ntwo  spaces\tand a tab'
	[[ ! -e ipcdemo.fifo ]]
	assert_dir_holds "$DIR"
	run kill -0 "$reader"
	assert_failure
	assert_no_leftovers
}

@test "fifo-write: 'quit' is sent, ends the writer and stops a --serve reader" {
	start_reader r.log --serve
	start_typed w.log fifo-write -f "$FIFO"
	local writer=$PID
	type_line 1 'hello'
	wait_for_line r.log '^Read message: hello$'
	type_line 1 'quit'
	wait_for_exit "$writer"
	assert_equal "$STATUS" 0
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run cat r.log
	assert_line "fifo-read: got 'quit', stopping"
	end_typing 1
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: lines after 'quit' are not sent" {
	start_reader r.log --serve
	run timeout 10 fifo-write -f "$FIFO" <<<$'a\nquit\nb'
	assert_success
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run messages r.log
	assert_output 'a'
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: prompts 'input> ' on a terminal (typed in tmux)" {
	start_reader r.log
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s fifo -x 100 -y 20 \
		"fifo-write -f '$FIFO'; echo \"exit \$?\" >'$BATS_TEST_TMPDIR/tty.status'"
	# capture-pane drops trailing blanks: "input> " shows as "input>".
	wait_for_screen '^input>$'
	run screen_text
	assert_output 'input>'
	local word
	for word in hello from a terminal; do
		tmux -S "$TMUX_SOCK" send-keys -t fifo -l "$word "
	done
	tmux -S "$TMUX_SOCK" send-keys -t fifo Enter
	wait_for_line r.log '^Read message: hello from a terminal $'
	# The typed line echoed after its prompt, then the next prompt.
	wait_for_screen '^input> hello from a terminal ?$'
	wait_for_screen '^input>$'
	run screen_text
	assert_output $'input> hello from a terminal\ninput>'
	tmux -S "$TMUX_SOCK" send-keys -t fifo -l 'quit'
	tmux -S "$TMUX_SOCK" send-keys -t fifo Enter
	wait_for_line "$BATS_TEST_TMPDIR/tty.status" '^exit 0$'
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	wait_for_tmux_gone
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: no prompt when standard input is a pipe, even on a terminal" {
	start_reader r.log
	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	tmux -S "$TMUX_SOCK" -f /dev/null new-session -d -s fifo -x 100 -y 20 \
		"printf 'piped\n' | fifo-write -f '$FIFO'; echo \"exit \$?\" >'$BATS_TEST_TMPDIR/tty.status'; sleep 600"
	wait_for_line "$BATS_TEST_TMPDIR/tty.status" '^exit 0$'
	run tmux -S "$TMUX_SOCK" capture-pane -p -t fifo
	refute_output --partial 'input>'
	wait_for_exit "$READER"
	run messages r.log
	assert_output 'piped'
	tmux -S "$TMUX_SOCK" kill-server
	wait_for_tmux_gone
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: waits in open until a reader comes" {
	mkfifo "$FIFO"
	start_bg w.log fifo-write -f "$FIFO" -n 1 --trace
	local writer=$PID
	wait_for_line w.log "^fifo-write: waiting for a reader on $FIFO\$"
	kill -0 "$writer"
	start_reader r.log
	wait_for_exit "$writer"
	assert_equal "$STATUS" 0
	# Tried without blocking first (ENXIO: no reader), then slept in open.
	run grep -E "^(open|fifo-write: waiting)" w.log
	assert_equal "${lines[0]}" "open(\"$FIFO\", O_WRONLY|O_NONBLOCK) = -1 ENXIO (No such device or address)"
	assert_equal "${lines[1]}" "fifo-write: waiting for a reader on $FIFO"
	assert_regex "${lines[2]}" "^open\(\"$FIFO\", O_WRONLY\) = [0-9]+\$"
	assert_equal "${#lines[@]}" 3
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run messages r.log
	assert_output --regexp "^Process $writer's time is "
	# The reader found the FIFO there, so it left it.
	assert_dir_holds "$DIR" t.fifo
	rm "$FIFO"
	assert_no_leftovers
}

@test "fifo-write: --nonblock without a reader fails at once, explaining ENXIO" {
	mkfifo "$FIFO"
	run --separate-stderr timeout 10 fifo-write -f "$FIFO" --nonblock <<<'lost'
	assert_equal "$status" 1
	assert_output ''
	assert_one_line_error "^fifo-write: open $FIFO: No such device or address \(ENXIO\): no process has the FIFO open for reading, and with --nonblock open\(2\) fails instead of waiting; start the reader first: ipcdemo fifo-read -f $FIFO\$"
	[[ -p $FIFO ]]
	rm "$FIFO"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: --nonblock with a reader sends, after making writes blocking" {
	start_reader r.log
	run --separate-stderr timeout 10 fifo-write -f "$FIFO" --nonblock --trace <<<'quick'
	assert_success
	refute_output --partial 'waiting for a reader'
	run grep -E '^(open|fcntl)' <<<"$stderr"
	assert_line --index 0 --regexp "^open\(\"$FIFO\", O_WRONLY\|O_NONBLOCK\) = [0-9]+\$"
	assert_line --index 1 --regexp '^fcntl\(fd=[0-9]+, F_SETFL, O_WRONLY\) = 0$'
	wait_for_exit "$READER"
	run messages r.log
	assert_output 'quick'
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: -n COUNT -i SECONDS sends the tutorial's timestamps" {
	start_reader r.log
	start_bg w.log fifo-write --fifo "$FIFO" -n 3 -i 0.1
	local writer=$PID
	wait_for_exit "$writer"
	assert_equal "$STATUS" 0
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	local date='[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} [0-9]{4}'
	run messages r.log
	assert_equal "${#lines[@]}" 3
	for line in "${lines[@]}"; do
		assert_regex "$line" "^Process $writer's time is $date\$"
	done
	# What the writer says it sent is what arrived.
	assert_equal "$(sed -n 's/^Send message: //p' w.log)" "$(messages r.log)"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: --count and --interval long forms; -n alone waits 1 s by default" {
	start_reader r.log
	run timeout 10 fifo-write --fifo="$FIFO" --count=1 --interval=30
	assert_success
	wait_for_exit "$READER"
	run messages r.log
	assert_equal "${#lines[@]}" 1
	start_reader r2.log
	run timeout 10 fifo-write -f "$FIFO" -n 2
	assert_success
	wait_for_exit "$READER"
	run messages r2.log
	assert_equal "${#lines[@]}" 2
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: four writers x 500 lines of 3000+ bytes arrive whole and uninterleaved" {
	local pad w pids=()
	pad=$(repeat x 3000)
	for w in 1 2 3 4; do
		awk -v w="$w" -v pad="$pad" 'BEGIN {
			for (i = 1; i <= 500; i++)
				printf "writer %d line %03d %s\n", w, i, pad
		}' >"in.$w"
	done
	# All four wait in open, so they start writing at the same moment.
	mkfifo "$FIFO"
	for w in 1 2 3 4; do
		start_bg_stdin "w.$w.log" "in.$w" fifo-write -f "$FIFO"
		pids+=("$PID")
	done
	for w in 1 2 3 4; do
		wait_for_line "w.$w.log" 'waiting for a reader'
	done
	start_reader r.log
	for w in 0 1 2 3; do
		wait_for_exit "${pids[w]}" 60
		assert_equal "$STATUS" 0
	done
	wait_for_exit "$READER" 60
	assert_equal "$STATUS" 0
	# Every line exact, each writer's lines all there and in order.
	run awk -v pad="$pad" '
		/^Read message: / {
			n++
			if (NF != 7 || $3 != "writer" || $5 != "line" ||
			    $7 != pad || $4 !~ /^[1-4]$/) {
				print "bad line " n ": " substr($0, 1, 60); bad++
				next
			}
			if ($6 + 0 != seen[$4] + 1) {
				print "writer " $4 ": line " $6 " after " seen[$4]; bad++
			}
			seen[$4] = $6 + 0
			if ($4 != last) switches++
			last = $4
		}
		END {
			printf "lines %d bad %d", n, bad
			for (w = 1; w <= 4; w++) printf " w%d=%d", w, seen[w]
			printf " switches>=4 %s\n", (switches >= 4 ? "yes" : "no")
		}' r.log
	assert_output 'lines 2000 bad 0 w1=500 w2=500 w3=500 w4=500 switches>=4 yes'
	run grep -vc '^Read message: ' r.log
	assert_output 3 # using the FIFO, waiting, writer quit
	rm "$FIFO"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: a line longer than PIPE_BUF is split into atomic pieces, said once per line" {
	{
		repeat a 10000
		echo
		echo short
		repeat b 5000
		echo
		repeat c 4095 # exactly PIPE_BUF with its newline: not split
		echo
	} >in
	start_reader r.log
	run --separate-stderr timeout 10 fifo-write -f "$FIFO" <in
	assert_success
	assert_equal "${#stderr_lines[@]}" 2
	assert_equal "${stderr_lines[0]}" 'fifo-write: a line of 10000 bytes is longer than PIPE_BUF (4096 bytes, the most one atomic write carries); sending it as 3 lines'
	assert_equal "${stderr_lines[1]}" 'fifo-write: a line of 5000 bytes is longer than PIPE_BUF (4096 bytes, the most one atomic write carries); sending it as 2 lines'
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run awk '{ print substr($0, 1, 1), length($0) }' < <(messages r.log)
	assert_output $'a 4095\na 4095\na 1810\ns 5\nb 4095\nb 905\nc 4095'
	# Nothing lost or cut: the pieces join up to the original lines.
	assert_equal "$(messages r.log | head -n 3 | tr -d '\n')" "$(repeat a 10000)"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: a split never makes a piece that reads 'quit'" {
	{
		repeat c 4095
		echo quit
		echo after
	} >in
	start_reader r.log
	run --separate-stderr timeout 10 fifo-write -f "$FIFO" <in
	assert_success
	wait_for_exit "$READER"
	assert_equal "$STATUS" 0
	run messages r.log
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[0]}" "$(repeat c 4094)"
	assert_equal "${lines[1]}" 'cquit'
	assert_equal "${lines[2]}" 'after'
	run grep -c "got 'quit'" r.log
	assert_output 0
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: reader killed mid-stream (SIGKILL): 'reader has gone', exit 1, no SIGPIPE death" {
	seq -f 'stream line %06g' 200000 >in
	local how
	for how in timestamps stdin; do
		start_reader "r.$how.log"
		if [[ $how == timestamps ]]; then
			start_bg "w.$how.log" fifo-write -f "$FIFO" -n 1000000 -i 0
		else
			start_bg_stdin "w.$how.log" in fifo-write -f "$FIFO"
		fi
		local writer=$PID
		wait_for_line "r.$how.log" '^Read message: '
		kill -KILL "$READER"
		wait_for_exit "$writer" 10
		assert_equal "$STATUS" 1
		run tail -n 1 "w.$how.log"
		assert_output "fifo-write: $FIFO: reader has gone"
		run grep -c 'reader has gone' "w.$how.log"
		assert_output 1
		# SIGKILL leaves the reader no chance to remove its FIFO.
		assert_dir_holds "$DIR" t.fifo
		rm "$FIFO"
	done
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: reader killed while the writer waits for input: noticed at once" {
	start_reader r.log
	start_typed w.log fifo-write -f "$FIFO"
	local writer=$PID
	type_line 1 'first'
	wait_for_line r.log '^Read message: first$'
	kill -KILL "$READER"
	wait_for_exit "$writer" 5
	assert_equal "$STATUS" 1
	run tail -n 1 w.log
	assert_output "fifo-write: $FIFO: reader has gone"
	end_typing 1
	rm "$FIFO"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: SIGINT, SIGTERM, SIGHUP while waiting for a reader: exit 128+sig" {
	mkfifo "$FIFO"
	local sig num
	for sig in INT TERM HUP; do
		num=$(kill -l "$sig")
		start_bg "w.$sig.log" fifo-write -f "$FIFO"
		wait_for_line "w.$sig.log" 'waiting for a reader'
		kill "-$sig" "$PID"
		# The blocking open() is woken by the one-second tick.
		wait_for_exit "$PID" 5
		assert_equal "$STATUS" $((128 + num))
		run tail -n 1 "w.$sig.log"
		assert_output "fifo-write: stopped by SIG$sig"
	done
	assert_dir_holds "$DIR" t.fifo
	rm "$FIFO"
	assert_no_leftovers
}

@test "fifo-write: SIGINT, SIGTERM, SIGHUP while typing or between timestamps: exit 128+sig, the reader sees it go" {
	local sig num
	for sig in INT TERM HUP; do
		num=$(kill -l "$sig")
		start_reader "r.$sig.log"
		start_typed "w.$sig.log" fifo-write -f "$FIFO"
		local writer=$PID
		type_line "$TYPED" "typed $sig"
		wait_for_line "r.$sig.log" "^Read message: typed $sig\$"
		kill "-$sig" "$writer"
		wait_for_exit "$writer"
		assert_equal "$STATUS" $((128 + num))
		end_typing "$TYPED"
		wait_for_exit "$READER"
		assert_equal "$STATUS" 0
		run tail -n 1 "r.$sig.log"
		assert_output --partial 'writer quit'
		assert_dir_holds "$DIR"

		start_reader "r2.$sig.log"
		start_bg "w2.$sig.log" fifo-write -f "$FIFO" -n 5 -i 60
		writer=$PID
		wait_for_line "r2.$sig.log" '^Read message: Process'
		kill "-$sig" "$writer"
		wait_for_exit "$writer"
		assert_equal "$STATUS" $((128 + num))
		wait_for_exit "$READER"
		assert_equal "$STATUS" 0
		assert_dir_holds "$DIR"
	done
	assert_no_leftovers
}

@test "fifo-write: --trace shows open, write and close; messages of any bytes" {
	start_reader r.log
	# 20 three-byte characters: more escapes than fit a short buffer.
	local text
	text=$(printf '\xe4\xbd\xa0%.0s' {1..20})
	run --separate-stderr timeout 10 fifo-write -f "$FIFO" --trace <<<$'plain\n'"$text"
	assert_success
	run grep -E '^(open|fcntl|write|close)\(' <<<"$stderr"
	assert_equal "${#lines[@]}" 5
	assert_regex "${lines[0]}" "^open\(\"$FIFO\", O_WRONLY\|O_NONBLOCK\) = [0-9]+\$"
	assert_regex "${lines[1]}" '^fcntl\(fd=[0-9]+, F_SETFL, O_WRONLY\) = 0$'
	assert_regex "${lines[2]}" '^write\(fd=[0-9]+, "plain\\n", 6\) = 6$'
	assert_regex "${lines[3]}" '^write\(fd=[0-9]+, "(\\xe4\\xbd\\xa0){13}\\xe4"\.\.\., 61\) = 61$'
	assert_regex "${lines[4]}" '^close\(fd=[0-9]+\) = 0$'
	wait_for_exit "$READER"
	run messages r.log
	assert_line --index 1 "$text"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}

@test "fifo-write: no FIFO at the path: one line saying how to start the reader" {
	for path in "$FIFO" "$DIR/nowhere/t.fifo"; do
		for nb in '' --nonblock; do
			run --separate-stderr timeout 10 fifo-write -f "$path" $nb <<<'x'
			assert_equal "$status" 1
			assert_output ''
			assert_one_line_error "^fifo-write: $path does not exist; start the reader first: ipcdemo fifo-read -f $path\$"
		done
	done
	run --separate-stderr timeout 10 fifo-write -n 1 </dev/null
	assert_equal "$status" 1
	assert_one_line_error "^fifo-write: ipcdemo.fifo does not exist; start the reader first: ipcdemo fifo-read -f ipcdemo.fifo\$"
	assert_dir_holds "$DIR"
	[[ ! -e ipcdemo.fifo ]]
	assert_no_leftovers
}

@test "fifo-write: a regular file is refused, never written" {
	printf 'precious\n' >"$FIFO"
	touch -d '2001-02-03 04:05:06' "$FIFO"
	local before
	before=$(stat -c '%s %Y %i' "$FIFO")
	for args in '' '--nonblock' '-n 1'; do
		run --separate-stderr timeout 10 fifo-write -f "$FIFO" $args <<<'intruder'
		assert_equal "$status" 1
		assert_output ''
		assert_one_line_error "^fifo-write: $FIFO is a regular file, not a FIFO; leaving it alone\$"
	done
	assert_equal "$(stat -c '%s %Y %i' "$FIFO")" "$before"
	assert_equal "$(cat "$FIFO")" precious
	assert_dir_holds "$DIR" t.fifo
	assert_no_leftovers
}

@test "fifo-write: a directory is refused" {
	mkdir "$FIFO"
	run --separate-stderr timeout 10 fifo-write -f "$FIFO" <<<'x'
	assert_equal "$status" 1
	assert_one_line_error "^fifo-write: $FIFO is a directory, not a FIFO; leaving it alone\$"
	assert_dir_holds "$FIFO"
	assert_dir_holds "$DIR" t.fifo
	assert_no_leftovers
}

@test "fifo-write: as user nobody: refused by a 0600 FIFO, let in by --mode 0622" {
	make_nobody_dir
	local fifo=$NOBODY_DIR/t.fifo
	start_bg r.log fifo-read -f "$fifo"
	local reader=$PID
	wait_for_line r.log 'waiting for a writer'
	run --separate-stderr as_nobody fifo-write -f "$fifo" <<<'x'
	assert_equal "$status" 1
	assert_one_line_error "^fifo-write: open $fifo: Permission denied\$"
	# A FIFO in a directory nobody cannot write to does not exist for it.
	run --separate-stderr as_nobody fifo-write -f "$NOBODY_DIR/ro/t.fifo" <<<'x'
	assert_equal "$status" 1
	assert_one_line_error "does not exist; start the reader first"
	kill -TERM "$reader"
	wait_for_exit "$reader"
	assert_equal "$STATUS" 143

	start_bg r2.log fifo-read -f "$fifo" --mode 0622
	reader=$PID
	wait_for_line r2.log 'waiting for a writer'
	run --separate-stderr as_nobody fifo-write -f "$fifo" <<<'from nobody'
	assert_success
	wait_for_exit "$reader"
	assert_equal "$STATUS" 0
	run messages r2.log
	assert_output 'from nobody'
	if [[ $IPCDEMO_MODE == symlink ]]; then
		assert_dir_holds "$NOBODY_DIR" bin ro
	else
		assert_dir_holds "$NOBODY_DIR" ro
	fi
	assert_dir_holds "$NOBODY_DIR/ro"
	assert_no_leftovers "$NOBODY_DIR"
}

@test "fifo-write: bad usage: one line, the Try line, exit 2, nothing sent" {
	mkfifo "$FIFO"
	local args
	while IFS='|' read -r args regex; do
		eval "run --separate-stderr timeout 10 fifo-write $args"
		assert_usage_error fifo-write "$regex"
	done <<-'EOF'
		-x|invalid option '-x'
		--bogus|unrecognized option '--bogus'
		-f|option '-f' requires an argument
		--fifo|option '--fifo' requires an argument
		-n|option '-n' requires an argument
		--count|option '--count' requires an argument
		-f "$FIFO" -n 1 -i|option '-i' requires an argument
		--interval|option '--interval' requires an argument
		-f "$FIFO" -n abc|invalid count: 'abc' \(not a number\)
		-f "$FIFO" -n 5x|invalid count: '5x' \(not a number\)
		-f "$FIFO" -n ''|invalid count: '' \(not a number\)
		-f "$FIFO" -n -1|invalid count: '-1' \(must be 1\.\.1000000000\)
		-f "$FIFO" -n 0|invalid count: '0' \(must be 1\.\.1000000000\)
		-f "$FIFO" -n 1 -i abc|invalid interval: 'abc' \(a number of seconds\)
		-f "$FIFO" -n 1 -i -1|invalid interval: '-1' \(must be 0\.\.86400 seconds\)
		-f "$FIFO" -n 1 -i 1e9|invalid interval: '1e9' \(must be 0\.\.86400 seconds\)
		-f "$FIFO" -i 1|-i goes with -n
		-f ''|invalid FIFO path: '' \(empty\)
		--nonblock=yes|option '--nonblock' doesn't allow an argument
		-f "$FIFO" extra|unexpected argument 'extra'
	EOF
	# The FIFO is as it was, and nobody waits on it.
	[[ -p $FIFO ]]
	run --separate-stderr timeout 10 fifo-write -f "$FIFO" --nonblock
	assert_equal "$status" 1
	rm "$FIFO"
	assert_dir_holds "$DIR"
	assert_no_leftovers
}
