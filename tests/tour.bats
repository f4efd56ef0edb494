#!/usr/bin/env bats
# tour (SPEC §4.7): every mechanism end to end in one terminal.

bats_require_minimum_version 1.5.0
load helpers

setup() {
	common_setup
	# The tour makes its scratch directory under TMPDIR: the test's.
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
}

teardown() {
	[[ -n ${TMUX_SOCK:-} ]] && tmux -S "$TMUX_SOCK" kill-server 2>/dev/null
	common_teardown
}

# In a private IPC namespace the tour sees only its own objects, so
# "before" and "after" must both be empty.
in_private_ipc() {
	unshare --ipc true 2>/dev/null || skip "unshare --ipc is not permitted here"
	unshare --ipc "$@"
}

@test "tour: every step passes, and the kernel holds nothing afterwards" {
	run --separate-stderr in_private_ipc timeout 60 tour
	assert_success
	assert_equal "$stderr" ""
	assert_line '== 1. Anonymous pipe: parent and child =='
	assert_line '== 2. FIFO: a named pipe between unrelated processes =='
	assert_line '== 3. System V message queue: one server, typed replies =='
	assert_line "== 4. System V shared memory: the tutorials' client and server =="
	assert_line '== 5. Memory-mapped files: shared memory with a name on disk =='
	assert_line '== 6. System V semaphores: order, mutual exclusion, SEM_UNDO =='
	assert_line '== 7. Signals: a few bits of news between processes =='
	refute_output --partial 'FAILED'
	assert_line --regexp '^    msg-server +\| received from [0-9]+: hello queue$'
	assert_line --regexp '^    shm-server +\| read: hello, segment$'
	assert_line --regexp '^    reader +\| Read message: second line$'
	assert_line --regexp '^    pipe +\| After Changed: SHOUT$'
	assert_line --regexp '^    reader +\| read: hello, mapping$'
	assert_line '  System V objects before: shared memory segments 0, message queues 0, semaphore sets 0'
	assert_line '  System V objects after: shared memory segments 0, message queues 0, semaphore sets 0'
	assert_line '    ok:     no object with one of the tour'"'"'s keys is left'
	assert_line 'tour passed: 7 steps, 0 failures'
	assert_dir_holds "$TMPDIR"
}

@test "tour --trace shows each side's system calls, not the tour's own" {
	run --separate-stderr in_private_ipc timeout 60 tour --trace
	assert_success
	assert_line --regexp '^    reader +\| mkfifo\("tour\.fifo", 0600\) = 0$'
	assert_line --regexp '^    msg-server +\| msgget\(key=0x7d[0-9a-f]{6}, IPC_CREAT\|IPC_EXCL\|0600\) = [0-9]+$'
	assert_line --regexp '^    shm-server +\| shmget\(key=0x7d[0-9a-f]{6}, size=4096, IPC_CREAT\|IPC_EXCL\|0600\) = [0-9]+$'
	assert_line --regexp '^    reader +\| mmap\(.*MAP_SHARED, fd=[0-9]+, 0\) = 0x[0-9a-f]+$'
	assert_line --regexp '^    sem-demo +\| semget\(key=0x7d[0-9a-f]{6}, nsems=1, IPC_CREAT\|IPC_EXCL\|0600\) = [0-9]+$'
	assert_line --regexp '^    signal-demo +\| (\[pid [0-9]+\] )?kill\(pid=[0-9]+, SIGUSR[12]\) = 0$'
	# The tour's own forks and pipes are not traced.
	refute_line --regexp '^fork\(\)'
	refute_line --regexp '^pipe\('
	assert_equal "$stderr" ""
	assert_line 'tour passed: 7 steps, 0 failures'
}

@test "tour never touches a demo running in another terminal" {
	# An shm-server on the default key ftok(".", 'z') of this directory.
	start_bg server.log shm-server
	wait_for_line server.log 'waiting for a client'
	run timeout 60 tour
	assert_success
	assert_line 'tour passed: 7 steps, 0 failures'
	kill -0 "$PID"
	run shm-client -m 'still here'
	assert_success
	assert_line 'reply: still here'
	wait_for_exit "$PID" 10
	assert_equal "$STATUS" 0
	assert_no_ipc "$(printf '0x%08x' "$(ftok_of .)")"
}

# ftok(".", 'z') as the shell can compute it: (proj << 24) | (dev & 0xff)
# << 16 | (ino & 0xffff).
ftok_of() {
	local dev ino
	read -r dev ino < <(stat -c '%d %i' "$1")
	echo $((0x7a << 24 | (dev & 0xff) << 16 | (ino & 0xffff)))
}

@test "tour: SIGINT in the middle stops every side and leaves nothing" {
	unshare --ipc true 2>/dev/null || skip "unshare --ipc is not permitted here"
	# The whole check runs in one private namespace, so ipcs there
	# shows exactly what the interrupted tour left: nothing.
	cat >check.sh <<'SH'
tour >tour.log 2>&1 &
pid=$!
for i in $(seq 200); do grep -q 'shm-server' tour.log && break; sleep 0.05; done
kill -INT "$pid"
wait "$pid"
echo "status $?"
/usr/bin/ipcs | grep -c '^0x' || true
SH
	run timeout 60 unshare --ipc bash check.sh
	assert_success
	assert_line 'status 130'
	assert_line '0'
	run cat tour.log
	assert_line --partial 'System V objects after: shared memory segments 0, message queues 0, semaphore sets 0'
	refute_output --partial 'tour passed'
	assert_dir_holds "$TMPDIR"
	assert_no_procs "$TMPDIR"
}

@test "tour --pause waits for Enter on a terminal, and not off one" {
	run in_private_ipc timeout 60 tour --pause </dev/null
	assert_success
	refute_output --partial '[Enter for the next step]'

	TMUX_SOCK=$BATS_TEST_TMPDIR/tmux.sock
	tmux -S "$TMUX_SOCK" new-session -d -s tour -x 200 -y 50 \
		"cd '$BATS_TEST_TMPDIR' && PATH='$PATH' TMPDIR='$TMPDIR' tour --pause >pane.log 2>&1 </dev/tty; echo \$? >status"
	local step
	for step in 1 2 3 4 5 6 7; do
		wait_for_line pane.log "== $step\\." 20
		wait_for_count pane.log 'Enter for the next step' "$step" 20
		# Still waiting: step N+1 has not begun.
		! grep -q "== $((step + 1))\\." pane.log
		tmux -S "$TMUX_SOCK" send-keys -t tour Enter
	done
	wait_for_line status '^[0-9]+$' 20
	assert_equal "$(cat status)" 0
	run cat pane.log
	assert_line 'tour passed: 7 steps, 0 failures'
}

# wait_for_count FILE TEXT N SECS: until TEXT occurs N times in FILE.
wait_for_count() {
	local tries=$(($4 * 20))
	until (($(grep -o -- "$2" "$1" 2>/dev/null | wc -l) >= $3)); do
		((tries-- > 0)) || { cat "$1" >&2; return 1; }
		sleep 0.05
	done
}

@test "tour: --help, and bad usage is exit 2" {
	run tour --help
	assert_success
	assert_line --index 0 'usage: ipcdemo tour [--pause] [--trace]'
	run --separate-stderr tour --bogus
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "tour: unrecognized option '--bogus'"
	assert_equal "${stderr_lines[1]}" "Try 'ipcdemo tour --help'."
	run --separate-stderr tour extra
	assert_failure 2
	assert_equal "${stderr_lines[0]}" "tour: unexpected argument 'extra'"
}
