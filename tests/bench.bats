#!/usr/bin/env bats
# bench: throughput and round trips of every mechanism (SPEC §4.7,
# issue 8).
#
# No test looks at a figure: speed is shown by bench, never asserted
# (SPEC §5).  They check that it runs, that --json holds every row the
# spec names with numbers in every field, that --csv and --plot are
# well-formed, that bad usage exits 2, and that nothing is left behind,
# interrupted or not.  bench makes private System V objects (IPC_PRIVATE
# has no key to look for), so the runs that check for leftovers happen
# in an IPC namespace of their own, where any object at all is ours.
# --quick, --time and few --sizes keep each run to a few seconds.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	common_setup
	export TMPDIR=$BATS_TEST_TMPDIR/tmp LEFT=$BATS_TEST_TMPDIR/left
	mkdir -p "$TMPDIR"
}

teardown() {
	common_teardown
}

MECHANISMS=(memcpy spin-floor futex-floor raw-pipe pipe fifo raw-msg msg
	raw-sem shm-sem raw-signal shm-signal shm-futex shm-futex-nospin mmap
	signal)
# The project's channels that carry every size (msg in fragments).
CHANNELS="msg shm-signal shm-sem shm-futex shm-futex-nospin"

# The largest message a System V queue takes here (msgmax, within msgmnb).
msg_limit() {
	local max mnb
	max=$(</proc/sys/kernel/msgmax)
	mnb=$(</proc/sys/kernel/msgmnb)
	echo $((max < mnb ? max : mnb))
}

# private_ipc CMD...: CMD in an IPC namespace of its own; the objects
# still in that namespace afterwards go to $BATS_TEST_TMPDIR/left.
private_ipc() {
	unshare --ipc bash -c '"$@"; rc=$?; '"$UL_IPCS"' -a |
		grep "^0x" >"$LEFT"; exit $rc' bash "$@"
}

assert_nothing_left() {
	run cat "$LEFT"
	assert_output ''
	assert_no_procs
	assert_dir_holds "$TMPDIR"
}

# check_json FILE SIZES RTT_SIZE: every row of SPEC §4.7 for these
# mechanisms, each once, with its fields numeric and positive.
check_json() {
	python3 - "$1" "$2" "$3" "$(msg_limit)" "$CHANNELS" <<'PY'
import json, sys

doc = json.load(open(sys.argv[1]))
sizes = [int(s) for s in sys.argv[2].split(",")]
rtt_size, msg_limit = int(sys.argv[3]), int(sys.argv[4])
channels = sys.argv[5].split()
expected = set()
for m in ["memcpy", "raw-pipe", "pipe", "fifo", "raw-msg"] + channels:
    for s in sizes + ([67108864] if m == "memcpy" else []):
        if m != "raw-msg" or s <= msg_limit:
            expected.add((m, "stream", s))
for m in ["mmap"]:
    for s in sizes:
        expected.add((m, "stream", s))
# 4 bytes a signal, at most 16384 signals a message, and the 4-byte row.
for s in sizes + [4]:
    if s <= 65536:
        expected.add(("signal", "stream", s))
for m in ["raw-pipe", "pipe", "fifo", "raw-msg", "mmap", "signal"] + channels:
    expected.add((m, "rtt", rtt_size))
for m in ["spin-floor", "futex-floor", "raw-sem", "raw-signal"]:
    expected.add((m, "rtt", 0))

def number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)

machine = doc["machine"]
assert set(machine) == {"cpus", "pinned", "kernel"}, machine
assert isinstance(machine["cpus"], int) and machine["cpus"] >= 1
assert isinstance(machine["pinned"], bool)
assert isinstance(machine["kernel"], str) and machine["kernel"]
assert set(doc) == {"machine", "rows"}, list(doc)
seen = []
for row in doc["rows"]:
    fields = {"stream": ["mb_s", "msgs_s"], "rtt": ["median_us", "p99_us"]}
    kind = row["kind"]
    assert set(row) == {"mechanism", "kind", "size"} | set(fields[kind]), row
    assert isinstance(row["size"], int), row
    for f in fields[kind]:
        assert number(row[f]) and row[f] > 0, row
    seen.append((row["mechanism"], kind, row["size"]))
assert len(seen) == len(set(seen)), "a row twice"
missing, extra = expected - set(seen), set(seen) - expected
assert not missing and not extra, f"missing {missing}, extra {extra}"
PY
}

@test "--quick runs, prints the machine and both tables, exits 0" {
	run --separate-stderr timeout 60 bench --quick
	assert_success
	assert_line --regexp '^machine: [0-9]+ CPUs? \(.*\), Linux '
	assert_line --regexp '^pinning: '
	assert_line --partial 'One-way throughput'
	assert_line --partial 'Round trip'
	local m
	for m in "${MECHANISMS[@]}"; do
		assert_line --regexp "^(.* )?$m +"
	done
	assert_line --regexp '^64 MiB +memcpy '
	assert_line --regexp '^64 KiB +raw-msg +n/a: larger than msgmax'
	assert_line --regexp '^1 MiB +signal +n/a: 262144 signals of 4 bytes; at most 16384$'
	assert_line --regexp '^4 B +signal +[0-9.]+ '
	assert_line --regexp '^mmap +64 B +[0-9.]+ '
	# Not a tty: no progress line on stderr.
	[[ -z $stderr ]]
}

@test "--json is one object with every row of SPEC §4.7, numbers in every field" {
	run --separate-stderr private_ipc timeout 60 \
		bench --quick --time 2 --rounds 2 --sizes 64,64K --json
	assert_success
	printf '%s\n' "$output" >out.json
	run check_json out.json 64,65536 64
	assert_success
	assert_nothing_left
}

@test "--sizes and --rtt-size change the rows; the JSON follows" {
	run --separate-stderr private_ipc timeout 60 \
		bench --time 1 --rounds 1 --sizes 4K,100,4K --rtt-size 1K --json
	assert_success
	printf '%s\n' "$output" >out.json
	run check_json out.json 100,4096 1024
	assert_success
	assert_nothing_left
}

@test "--csv starts with its header, one line per measured row" {
	run --separate-stderr timeout 60 bench --time 1 --rounds 1 --sizes 64 --csv
	assert_success
	assert_line --index 0 'mechanism,kind,size,mb_s,msgs_s,median_us,p99_us,rounds,spread_pct,others_pct,memcpy_ratio,reference,ratio'
	# memcpy twice (64 B, 64 MiB), 10 more streams, signal's at 64 B
	# and at 4 B, 15 round trips.
	[[ ${#lines[@]} -eq $((1 + 2 + 10 + 2 + 15)) ]]
	assert_line --regexp '^pipe,stream,64,[0-9.]+,[0-9.]+,,,[0-9]+,[0-9.]+,[0-9.]+,[0-9.]+,raw-pipe,[0-9.]+$'
	assert_line --regexp '^raw-sem,rtt,0,,,[0-9.]+,[0-9.]+,[0-9]+,[0-9.]+,[0-9.]+,,futex-floor,[0-9.]+$'
	assert_line --regexp '^mmap,stream,64,[0-9.]+,[0-9.]+,,,[0-9]+,[0-9.]+,[0-9.]+,[0-9.]+,shm-futex,[0-9.]+$'
	assert_line --regexp '^signal,stream,4,[0-9.]+,[0-9.]+,,,[0-9]+,[0-9.]+,[0-9.]+,,shm-futex,'
	assert_line --regexp '^signal,rtt,64,,,[0-9.]+,[0-9.]+,[0-9]+,[0-9.]+,[0-9.]+,,shm-futex,[0-9.]+$'
	# Each channel beside the reference of issue 8's goals.
	local row
	for row in msg,stream,64:raw-msg msg,rtt,64:raw-msg \
		shm-futex,stream,64:raw-pipe shm-futex,rtt,64:spin-floor \
		shm-futex-nospin,rtt,64:futex-floor shm-sem,rtt,64:raw-sem \
		shm-signal,rtt,64:raw-signal; do
		assert_line --regexp "^${row%:*},.*,${row#*:},[0-9.]+\$"
	done
	local line
	for line in "${lines[@]}"; do
		[[ $(tr -cd , <<<"$line" | wc -c) -eq 12 ]]
	done
}

@test "--plot writes a well-formed SVG with axes, legend and the memcpy line" {
	run --separate-stderr timeout 60 \
		bench --time 1 --rounds 1 --sizes 64,4K --plot chart.svg
	assert_success
	run xmllint --noout chart.svg
	assert_success
	assert_output ''
	run cat chart.svg
	assert_output --partial '<svg xmlns="http://www.w3.org/2000/svg"'
	assert_output --partial 'message size (log scale)'
	assert_output --partial 'throughput, MB/s'
	assert_output --partial 'memcpy (copy limit)'
	assert_output --partial '<polyline'
	assert_output --partial '>pipe</text>'
}

@test "--only measures those and the references they are compared with" {
	run --separate-stderr timeout 60 \
		bench --only pipe --time 1 --sizes 64 --rounds 1 --csv
	assert_success
	printf '%s\n' "$output" >out.csv
	run bash -c "cut -d, -f1 out.csv | sort -u | tr '\n' ' '"
	assert_output 'futex-floor mechanism memcpy pipe raw-pipe spin-floor '
}

@test "--only mmap,signal: brings shm-futex and its own references along" {
	run --separate-stderr timeout 60 \
		bench --only mmap,signal --time 1 --sizes 64 --rounds 1 --csv
	assert_success
	printf '%s\n' "$output" >out.csv
	run bash -c "cut -d, -f1 out.csv | sort -u | tr '\n' ' '"
	assert_output 'futex-floor mechanism memcpy mmap raw-pipe shm-futex signal spin-floor '
}

# In a mount namespace of its own, with a fresh tmpfs on /dev/shm: what
# is there is bench's.
@test "mmap's file is in /dev/shm (tmpfs) by default, and gone afterwards" {
	run bench --help
	assert_line --regexp '^  mmap +.* in /dev/shm \(tmpfs; --mmap-dir\)$'
	cat >shm.sh <<'EOF'
mount -t tmpfs tmpfs /dev/shm || exit 1
bench --only mmap --time 2 --rounds 2 --sizes 64,1M >shm.out 2>&1 3>&- &
pid=$!
until compgen -G '/dev/shm/ipcdemo-bench.*/chan' >/dev/null; do
	kill -0 $pid 2>/dev/null || { echo "never saw the file"; break; }
	sleep 0.01
done
wait $pid
echo "status $?"
ls -A /dev/shm
EOF
	run timeout 60 unshare --mount bash shm.sh
	assert_success
	assert_output 'status 0'
	run cat shm.out
	assert_line --regexp '^1 MiB +mmap +[0-9.]+ '
	assert_no_procs
}

@test "--mmap-dir puts the file elsewhere, says which file system, checks it first" {
	local fs
	fs=$(stat -f -c %T "$TMPDIR" | sed 's/ext2\/ext3/ext4/')
	mkdir "$TMPDIR/files"
	run bench --mmap-dir "$TMPDIR/files" --help
	assert_success
	assert_line "  mmap              the shm channel (futex) in a file mapped MAP_SHARED, in $TMPDIR/files ($fs; --mmap-dir)"
	run --separate-stderr private_ipc timeout 60 \
		bench --only mmap --mmap-dir "$TMPDIR/files" --time 1 --rounds 1 --sizes 4K --json
	assert_success
	assert_output --partial '"mechanism": "mmap", "kind": "stream", "size": 4096'
	assert_dir_holds "$TMPDIR/files"
	rmdir "$TMPDIR/files"
	assert_nothing_left
	run --separate-stderr bench --mmap-dir "$TMPDIR/none"
	assert_failure 1
	assert_equal "$stderr" "bench: --mmap-dir $TMPDIR/none: No such file or directory"
	touch "$TMPDIR/plain"
	run --separate-stderr bench --mmap-dir "$TMPDIR/plain"
	assert_failure 1
	assert_equal "$stderr" "bench: --mmap-dir $TMPDIR/plain: not a directory"
	rm "$TMPDIR/plain"
}

@test "--only shm-futex brings raw-pipe, spin-floor and memcpy along" {
	run --separate-stderr timeout 60 \
		bench --only shm-futex --time 1 --sizes 64 --rounds 1 --csv
	assert_success
	printf '%s\n' "$output" >out.csv
	run bash -c "cut -d, -f1 out.csv | sort -u | tr '\n' ' '"
	assert_output 'futex-floor mechanism memcpy raw-pipe shm-futex spin-floor '
}

@test "--spin takes 0 and a time; every shm row is still measured" {
	local spin
	for spin in 0 5; do
		run --separate-stderr timeout 60 bench --only shm-futex,shm-sem \
			--spin "$spin" --time 1 --sizes 4K --rounds 1 --csv
		assert_success
		assert_line --regexp '^shm-futex,stream,4096,[0-9.]+,'
		assert_line --regexp '^shm-futex,rtt,64,,,[0-9.]+,'
		assert_line --regexp '^shm-sem,rtt,64,,,[0-9.]+,'
	done
}

@test "--same-cpu runs with both processes on one CPU" {
	run --separate-stderr timeout 60 \
		bench --same-cpu --only raw-pipe --time 1 --sizes 4K --rounds 1
	assert_success
	if (($(nproc) > 1)); then
		assert_line --regexp '^pinning: parent and child both on CPU [0-9]+'
	fi
}

@test "--help prints the usage and the mechanisms, exit 0" {
	run --separate-stderr bench --help
	assert_success
	assert_line --index 0 --partial 'usage: ipcdemo bench [--quick]'
	local m
	for m in "${MECHANISMS[@]}"; do
		assert_line --regexp "^  $m +"
	done
}

@test "bad usage exits 2 with one line and the Try line" {
	local args
	for args in '--bogus' '--sizes' '--sizes 0' '--sizes junk' \
		'--sizes 128M' '--sizes ,' '--rtt-size 0' '--rounds 0' \
		'--rounds x' '--time 0' '--time -1' '--only nosuch' '--only ,' \
		'--json --csv' '--plot /nonexistent/dir/x.svg' 'operand' \
		'--spin' '--spin -1' '--spin x' '--spin 1000001'; do
		# shellcheck disable=SC2086
		run --separate-stderr bench $args
		if [[ $args == --plot* ]]; then
			# A file that cannot be made is a runtime failure.
			assert_failure 1
			continue
		fi
		[[ $status -eq 2 ]] || fail "bench $args: status $status"
		[[ ${#stderr_lines[@]} -eq 2 ]] || fail "bench $args: $stderr"
		[[ ${stderr_lines[0]} == bench:* ]] || fail "bench $args: $stderr"
		[[ ${stderr_lines[1]} == "Try 'ipcdemo bench --help'." ]]
		assert_output ''
	done
}

# interrupt WHAT [BENCH-OPTION...]: starts bench in a private IPC
# namespace, waits until WHAT exists, sends SIGINT, and prints the exit
# status and what is left in the namespace.  WHAT is queue, semaphore,
# fifo, segment (a shm channel's), sem-segment (shm-sem's: a segment and
# a set at once) or second-queue (msg's, made after raw-msg's is gone).
interrupt() {
	cat >int.sh <<'EOF'
what=$1
shift
bench --quick --time 3 --sizes 64 --plot "$PWD/int.svg" --mmap-dir "$TMPDIR" "$@" \
	>int.out 2>int.err 3>&- &
pid=$!
# /proc/sysvipc lists this namespace's objects after a header line.
ids() { awk 'NR > 1 { print $2 }' "/proc/sysvipc/$1"; }
first_queue=
seen() {
	case $what in
	queue) [[ -n $(ids msg) ]] ;;
	semaphore) [[ -n $(ids sem) ]] ;;
	fifo) compgen -G "$TMPDIR/ipcdemo-bench.*/down" >/dev/null ;;
	mmap) compgen -G "$TMPDIR/ipcdemo-bench.*/chan" >/dev/null ;;
	segment) [[ -n $(ids shm) ]] ;;
	sem-segment) [[ -n $(ids shm) && -n $(ids sem) ]] ;;
	second-queue)
		local q
		q=$(ids msg)
		[[ -z $first_queue ]] && first_queue=$q
		[[ -n $q && $q != "$first_queue" ]] ;;
	esac
}
until seen; do
	kill -0 $pid 2>/dev/null || { echo "never saw the $what"; break; }
	sleep 0.01
done
kill -INT $pid
wait $pid
echo "status $?"
"$UL_IPCS" -a | grep '^0x'
exit 0
EOF
	UL_IPCS=$UL_IPCS timeout 60 unshare --ipc bash int.sh "$@"
}

@test "SIGINT while the message queue exists: exit 130, nothing left" {
	run interrupt queue
	assert_success
	assert_output 'status 130'
	assert_no_procs
	assert_dir_holds "$TMPDIR"
	[[ ! -e int.svg ]]
	run cat int.out
	assert_output ''
}

@test "SIGINT while the semaphore set exists: exit 130, nothing left" {
	run interrupt semaphore
	assert_success
	assert_output 'status 130'
	assert_no_procs
	assert_dir_holds "$TMPDIR"
}

@test "SIGINT while the FIFOs exist: exit 130, scratch directory gone" {
	run interrupt fifo
	assert_success
	assert_output 'status 130'
	assert_no_procs
	assert_dir_holds "$TMPDIR"
	[[ ! -e int.svg ]]
}

@test "SIGINT while the mmap file exists: exit 130, scratch directory gone" {
	run interrupt mmap
	assert_success
	assert_output 'status 130'
	assert_no_procs
	assert_dir_holds "$TMPDIR"
	[[ ! -e int.svg ]]
}

@test "SIGINT while a shm channel's segment exists: exit 130, nothing left" {
	local mech
	for mech in shm-futex shm-futex-nospin shm-signal; do
		run interrupt segment --only "$mech"
		assert_success
		assert_output 'status 130'
		assert_no_procs
		[[ ! -e int.svg ]]
		run cat int.out
		assert_output ''
	done
}

@test "SIGINT while shm-sem's segment and set exist: exit 130, nothing left" {
	run interrupt sem-segment --only shm-sem
	assert_success
	assert_output 'status 130'
	assert_no_procs
}

@test "SIGINT while the msg channel's queue exists: exit 130, nothing left" {
	run interrupt second-queue --only msg --sizes 64,64K
	assert_success
	assert_output 'status 130'
	assert_no_procs
	run cat int.out
	assert_output ''
}
