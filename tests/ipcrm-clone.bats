#!/usr/bin/env bats
# ipcrm-clone against util-linux ipcrm 2.38 (SPEC §4.6).  Each
# "ipcrm_case PRESET AS ARGS..." line is one scenario (sysv-diff.bash):
# the same objects (PRESET) in two fresh IPC namespaces, util-linux's
# ipcrm in one and ipcrm-clone in the other, run as AS with ARGS; exit
# status, stdout, stderr and the objects left must all be the same.
# Related scenarios share a test, which keeps the file fast.
#
# Ids in the presets (see sysv-diff.bash): basic has shm 0 (key 0x10),
# 1 (private), 2 (key 0xfffffff0); msg 0 (0x11, 2 messages), 1
# (private); sem 0 (0x12, 3 semaphores), 1 (private).  foreign has
# nobody's 0600 objects as id 0 (keys 0x20-0x22), root's 0600 as 1
# (0x30-0x32), root's 0644 as 2 (0x40-0x42), uid 4242's shm 3 (0x50).
# attached has shm 0 (0x60) attached, 1 (0x61) attached and dest.

bats_require_minimum_version 1.5.0
load helpers
load sysv-diff

setup_file() {
	sysv_setup_file
}

teardown_file() {
	sysv_teardown_file
}

setup() {
	common_setup
}

teardown() {
	common_teardown
	sysv_assert_clean
}

# ---- by id ----
@test "-m, -q, -s remove by id, IPC_PRIVATE objects too" {
	ipcrm_case basic root -m 0
	ipcrm_case basic root -m 1
	ipcrm_case basic root -q 0
	ipcrm_case basic root -q 1 -s 1
	ipcrm_case basic root -s 0
}

@test "several ids in one call; -v counts from where it stands" {
	ipcrm_case basic root -m 0 -q 0 -s 0
	ipcrm_case basic root -v -m 0 -q 1 -s 0
	ipcrm_case basic root -m 0 -v -q 0
}

@test "missing and repeated ids fail, and the rest goes on" {
	ipcrm_case basic root -m 5
	ipcrm_case basic root -m 9 -q 0 -s 7 -s 1
	ipcrm_case basic root -m 0 -m 0
}

@test "ids that read as numbers: -1, INT32_MIN, 00, ' +0', -0" {
	ipcrm_case basic root -m -1
	ipcrm_case basic root -s -2147483648
	ipcrm_case basic root -m 00
	ipcrm_case basic root -m ' +0'
	ipcrm_case basic root -q -0
}

@test "ids that do not: 0x0, 1e3, a trailing blank, empty" {
	ipcrm_case basic root -m 0x0
	ipcrm_case basic root -m 1e3
	ipcrm_case basic root -m '0 '
	ipcrm_case basic root -m ''
}

@test "ids out of range: 2^31, -2^31-1, 20 digits; 2^31 with junk" {
	ipcrm_case basic root -m 2147483648
	ipcrm_case basic root -q -2147483649
	ipcrm_case basic root -s 99999999999999999999
	ipcrm_case basic root -m 2147483648x
}

@test "a bad id ends the run at once" {
	ipcrm_case basic root -m 0 -m bad -q 0
}

@test "ids in the option's word, and long id options" {
	ipcrm_case basic root -m0 -q1
	ipcrm_case basic root --shmem-id 0 --queue-id=1 --semaphore-id 0
}

# ---- by key ----
@test "-M, -Q, -S by key in hex, decimal and octal" {
	ipcrm_case basic root -M 0x10
	ipcrm_case basic root -M 0X10
	ipcrm_case basic root -M 16
	ipcrm_case basic root -M 020
	ipcrm_case basic root -Q 0x11 -S 18
	ipcrm_case basic root -v -M 0x10 -S 0x12
}

@test "keys wrap to 32 bits: -16, 4294967280, 0x1000000010" {
	ipcrm_case basic root -M -16
	ipcrm_case basic root -M 4294967280
	ipcrm_case basic root -M 0x1000000010
}

@test "key 0 is IPC_PRIVATE, however written: illegal key" {
	ipcrm_case basic root -M 0
	ipcrm_case basic root -Q 0x0
	ipcrm_case basic root -S 4294967296
}

@test "a key nothing of that kind has: invalid key" {
	ipcrm_case basic root -M 0x999
	ipcrm_case basic root -M 0x11
}

@test "key spellings: ' +16', '16 ', 0x, 08, abc, 20 digits" {
	ipcrm_case basic root -M ' +16'
	ipcrm_case basic root -M '16 '
	ipcrm_case basic root -M 0x
	ipcrm_case basic root -M 08
	ipcrm_case basic root -S abc
	ipcrm_case basic root -M 99999999999999999999
}

@test "an empty key is reported with the errno left so far" {
	ipcrm_case basic root -M ''
	ipcrm_case basic C -M ''
	ipcrm_case basic C.UTF-8 -Q ''
	ipcrm_case basic C -m 7 -M ''
}

@test "a key, then its id already gone; long key options" {
	ipcrm_case basic root -M 0x10 -m 0
	ipcrm_case basic root --shmem-key 0x10 --queue-key=17 --semaphore-key 0x12
}

# ---- --all ----
@test "-a removes everything, in ipcrm's order" {
	ipcrm_case basic root -a
	ipcrm_case basic root -a -v
	ipcrm_case empty root -a -v
}

@test "--all=shm, -amsg, --all=sem; the last one wins" {
	ipcrm_case basic root -v --all=shm
	ipcrm_case basic root -v -amsg
	ipcrm_case basic root --all=sem
	ipcrm_case basic root --all=shm --all=msg
	ipcrm_case basic root --a=sem --al=shm
}

@test "--all acts after the other options" {
	ipcrm_case basic root -v -a -m 0
}

@test "--all with an unknown kind: -av, --all=foo, --all=, -a shm" {
	ipcrm_case basic root -av
	ipcrm_case basic root -m 0 --all=foo -q 0
	ipcrm_case basic root --all=
	ipcrm_case basic root -a shm
}

# ---- the legacy syntax ----
@test "legacy shm, msg, sem with one id or more" {
	ipcrm_case basic root shm 0
	ipcrm_case basic root shm 0 1
	ipcrm_case basic root msg 1 0
	ipcrm_case basic root sem 0 1
}

@test "legacy: a missing or repeated id fails, without the summary" {
	ipcrm_case basic root shm 0 7 1
	ipcrm_case basic root sem 1 1
}

@test "legacy ids are strtoul's: empty is 0, -1, 2^32 wraps to 0" {
	ipcrm_case basic root shm ''
	ipcrm_case basic root msg -1
	ipcrm_case basic root shm 4294967296
}

@test "legacy ids that do not read: 0x0, junk, overflow, --, -v" {
	ipcrm_case basic root shm 0x0 1
	ipcrm_case basic root shm x 1
	ipcrm_case basic root sem 99999999999999999999
	ipcrm_case basic root shm -- 0 -v
}

@test "legacy without an id; SHM and a later shm are not legacy" {
	ipcrm_case basic root msg
	ipcrm_case basic root SHM 0
	ipcrm_case basic root -v shm 0
}

# ---- usage ----
@test "no arguments, only --, only -v: nothing to do" {
	ipcrm_case basic root
	ipcrm_case basic root --
	ipcrm_case basic root -v
}

@test "unknown options, alone and in a cluster" {
	ipcrm_case basic root -m 0 -x -q 0
	ipcrm_case basic root -vxm 0
	ipcrm_case basic root --bogus
}

@test "ambiguous long options; an argument where none goes" {
	ipcrm_case basic root --shm 0
	ipcrm_case basic root --s 0
	ipcrm_case basic root --ver
	ipcrm_case basic root --verbose=1
}

@test "options without their argument" {
	ipcrm_case basic root -m
	ipcrm_case basic root --shmem-key
}

@test "operands: alone, after a removal, after --" {
	ipcrm_case basic root 0
	ipcrm_case basic root -m 0 extra
	ipcrm_case basic root -m 0 -- -q
	ipcrm_case basic root -- -m 0
}

# ---- other users, modes that deny ----
@test "nobody removes its own objects, not root's 0600 or 0644 ones" {
	ipcrm_case foreign nobody -m 0 -q 0 -s 0
	ipcrm_case foreign nobody -m 1 -q 1 -s 1
	ipcrm_case foreign nobody -v -m 2 -q 2 -s 2
}

@test "nobody by key: permission denied, naming the id" {
	ipcrm_case foreign nobody -M 0x30 -Q 0x41 -S 0x32
}

@test "-a as nobody or uid 4242: only what each may read and remove" {
	ipcrm_case foreign nobody -v -a
	ipcrm_case foreign u4242 -v -a
}

@test "uid 4242 removes its own 0666 segment; nobody uses shm ID" {
	ipcrm_case foreign u4242 -m 3 -M 0x20
	ipcrm_case foreign nobody shm 0 1
}

@test "root removes anyone's objects" {
	ipcrm_case foreign root -v -a
}

# ---- attached segments ----
@test "an attached segment is only marked dest, and can be again" {
	ipcrm_case attached root -v -m 0
	ipcrm_case attached root -m 1
}

@test "a dest segment's key is gone; -a marks attached ones dest" {
	ipcrm_case attached root -M 0x61 -M 0x60
	ipcrm_case attached root -v -a
}

# ---- help, version, output ----
@test "-h and -V after a removal; --h abbreviates --help" {
	ipcrm_case basic root -m 0 -h -q 0
	ipcrm_case basic root --h
	ipcrm_case basic root -V -h
}

@test "stdout on /dev/full: write error" {
	ipcrm_case basic full -v -m 0 -m 9
}

# The version line is ipcdemo's own: the only bytes in which
# ipcrm-clone differs from ipcrm on purpose.
@test "help is util-linux's, byte for byte" {
	run --separate-stderr ipcrm-clone --help
	assert_success
	diff <("$UL_IPCRM" --help) <(printf '%s\n' "$output")
}

@test "version names ipcdemo" {
	run --separate-stderr ipcrm-clone --version
	assert_success
	assert_output "ipcrm from ipcdemo $("$IPCDEMO" --version | cut -d' ' -f2)"
}

@test "messages say ipcrm however the applet is called" {
	run --separate-stderr "$IPCDEMO" ipcrm-clone -q 12345
	assert_failure 1
	assert_equal "$stderr" "ipcrm: invalid id (12345)"
	run --separate-stderr ipcrm-clone --nope
	assert_failure 1
	assert_equal "$stderr" "ipcrm: unrecognized option '--nope'
Try 'ipcrm --help' for more information."
}

@test "--trace shows the IPC_RMID call" {
	sysv_require
	run --separate-stderr unshare --ipc sh -c \
		'"$1" shm 0x10 100 0600 >/dev/null && ipcrm-clone --trace -M 0x10' \
		_ "$SYSV_FIXTURE"
	assert_success
	assert_equal "$stderr" "shmget(key=0x10, size=0, 0) = 0
shmctl(shmid=0, IPC_RMID) = 0"
}

@test "the presets give the same ids in every fresh namespace" {
	sysv_require
	local preset
	for preset in basic foreign attached; do
		mkdir -p "$BATS_TEST_TMPDIR/$preset"/{a,b}
		sysv_ns sysv_ns_ipcrm "$preset" root "$BATS_TEST_TMPDIR/$preset/a" true
		sysv_ns sysv_ns_ipcrm "$preset" root "$BATS_TEST_TMPDIR/$preset/b" true
		grep -q '^0x' "$BATS_TEST_TMPDIR/$preset/a/left"
		diff "$BATS_TEST_TMPDIR/$preset"/{a,b}/left
	done
}
