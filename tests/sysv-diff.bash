# tests/sysv-diff.bash - differential runs against util-linux, for
# tests/ipcrm-clone.bats and tests/ipcs.bats.
#
# A scenario builds a set of objects (a preset, below) in a fresh IPC
# namespace, runs a command, and records its exit status, stdout,
# stderr and, for ipcrm, what util-linux's ipcs lists afterwards.
# ipcrm: util-linux's ipcrm in one namespace, ipcrm-clone in another,
# built by the same steps; a fresh namespace hands out ids from 0, so
# the two get the same ids (the "presets" tests check that).  ipcs only
# reads, so both run in one namespace, one after the other.  Then every
# record must be byte for byte the same.
#
# Bats loads this file (load sysv-diff); each namespace sources it too,
# for the presets, so it only defines functions and constants.

# ---- inside a namespace ----

SYSV_NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
SYSV_U4242=(setpriv --reuid=4242 --regid=4243 --clear-groups)
# A user with a long name, found by sysv_setup_file ("UID GID").
SYSV_LONG_IDS=${SYSV_LONG_IDS:-0 0}
SYSV_LONG=(setpriv --reuid="${SYSV_LONG_IDS% *}"
	--regid="${SYSV_LONG_IDS#* }" --clear-groups)

# A preset that cannot build its objects ends the namespace's script,
# so the scenario fails for want of its records.
fx_as() {
	local -n _as=$1
	shift
	"${_as[@]}" "$SYSV_FIXTURE" "$@" >/dev/null ||
		{ echo "ipc-fixture $* failed" >&2 && exit 1; }
}
SYSV_ROOT=()
fx() { fx_as SYSV_ROOT "$@"; }
fx_nobody() { fx_as SYSV_NOBODY "$@"; }
fx_u4242() { fx_as SYSV_U4242 "$@"; }

# hold STEPS...: the fixture runs STEPS and stays (attached) until
# release closes its stdin.
hold() {
	local line
	coproc HOLDER { "$SYSV_FIXTURE" "$@" hold 2>&1; }
	while read -r line <&"${HOLDER[0]}"; do
		[[ $line == held ]] && return 0
	done
	echo "holder failed: $line" >&2
	exit 1
}

release() {
	[[ -n ${HOLDER_PID:-} ]] || return 0
	local pid=$HOLDER_PID
	eval "exec ${HOLDER[1]}>&-"
	wait "$pid"
}

preset_empty() { :; }

# Ids: shm 0 (0x10), 1 (private), 2 (0xfffffff0, i.e. key "-16");
# msg 0 (0x11, two messages), 1 (private); sem 0 (0x12, 3 semaphores),
# 1 (private).
preset_basic() {
	fx shm 0x10 4096 0600 shm private 100 0600 shm 0xfffffff0 1 0644 \
		msg 0x11 0600 msg private 0600 send 0 1 hello send 0 2 world \
		sem 0x12 3 0600 sem private 1 0600 setval 0 1 5
}

# Owned by nobody, 0600: shm/msg/sem 0 (0x20..0x22); by root, 0600: 1
# (0x30..0x32); by root, 0644: 2 (0x40..0x42); by uid 4242, 0666:
# shm 3 (0x50).
preset_foreign() {
	fx_nobody shm 0x20 100 0600 msg 0x21 0600 sem 0x22 2 0600
	fx shm 0x30 100 0600 msg 0x31 0600 sem 0x32 1 0600 \
		shm 0x40 100 0644 msg 0x41 0644 sem 0x42 1 0644
	fx_u4242 shm 0x50 100 0666
}

# shm 0 (0x60) attached, 1 (0x61) attached and marked for destruction
# ("dest"), 2 (0x62) idle.
preset_attached() {
	fx shm 0x60 100 0600 shm 0x61 100 0600 shm 0x62 100 0600
	hold attach 0 attach 1 rmid 1
}

# For ipcs: every column with something in it.  Sizes for --human,
# times set by attach/detach, send/receive and semop, a locked and a
# dest segment, owners with and without a name, semaphore waiters.
preset_objects() {
	fx shm 0x10 1 0600 shm 0x11 1023 0640 shm 0x12 1536 0644 \
		shm private 1048575 0600 shm 0x14 5000000 0600 \
		shm 0x15 1073741824 0600 touch 1 lock 2 \
		msg 0x20 0600 send 0 1 hi send 0 1 longer-text recv 0 \
		msg private 0644 msg 0xffffffff 0600 \
		send 2 5 "$(printf '%1500s' x)" \
		sem 0x30 3 0600 setval 0 0 7 op 0 1 2 sem private 1 0644
	fx_nobody shm 0x40 100 0600 msg 0x41 0600 sem 0x42 2 0600
	fx_u4242 shm 0x50 2048 0660 msg 0x51 0666 sem 0x52 1 0600
	hold attach 0 attach 6 attach 3 rmid 3 wait 0 2 -1 wait 0 0 0
}

# Objects of a user whose name is longer than ipcs's 10 columns.
preset_long() {
	fx_as SYSV_LONG shm 0x70 100 0600 msg 0x71 0600 sem 0x72 1 0600
}

# Limits of this namespace other than the defaults, small enough that
# the total shared memory does not overflow.
preset_limits() {
	local file value
	while read -r file value; do
		echo "$value" >"/proc/sys/kernel/$file" || exit 1
	done <<-'EOF'
		shmmni 100
		shmall 2097152
		shmmax 33554432
		msgmni 1000
		msgmax 65536
		msgmnb 1000000
		sem 250 32000 32 128
	EOF
}

# No /proc/sysvipc (an empty tmpfs over it, in this mount namespace):
# ipcs falls back to *_INFO and *_STAT.
preset_fallback() {
	fx_u4242 shm 0x10 1023 0644 msg 0x11 0644 sem 0x12 2 0644 \
		send 0 3 hi
	fx shm 0x20 1536 0600 msg 0x21 0600 sem private 3 0600
	mount -t tmpfs none /proc/sysvipc || exit 1
}

# The prefix that runs a command as AS; stdout goes to /dev/full for
# "full".
sysv_as() {
	local -n _prefix=$2
	case $1 in
	root | full) _prefix=() ;;
	nobody) _prefix=("${SYSV_NOBODY[@]}") ;;
	u4242) _prefix=("${SYSV_U4242[@]}") ;;
	C) _prefix=(env LC_ALL=C) ;;
	C.UTF-8) _prefix=(env LC_ALL=C.UTF-8) ;;
	*) echo "unknown AS '$1'" >&2 && return 1 ;;
	esac
}

# sysv_run AS OUTDIR TOOL ARGS...: one run, recorded in OUTDIR.
sysv_run() {
	local as=$1 dir=$2 out
	local -a prefix
	shift 2
	sysv_as "$as" prefix || return 1
	out=$dir/out
	[[ $as == full ]] && out=/dev/full
	"${prefix[@]}" "$@" >"$out" 2>"$dir/err"
	echo $? >"$dir/rc"
	[[ $as == full ]] && : >"$dir/out"
	return 0
}

# In a namespace: sysv_ns_ipcrm PRESET AS OUTDIR TOOL ARGS...
sysv_ns_ipcrm() {
	local preset=$1 as=$2 dir=$3
	shift 3
	cd / || return 1
	"preset_$preset" || return 1
	sysv_run "$as" "$dir" "$@"
	/usr/bin/ipcs >"$dir/left"
	release
}

# In a namespace: sysv_ns_ipcs PRESET AS OUTDIR ARGS...; util-linux's
# record goes to OUTDIR/ul, ours to OUTDIR/ours.
sysv_ns_ipcs() {
	local preset=$1 as=$2 dir=$3
	shift 3
	cd / || return 1
	"preset_$preset" || return 1
	PATH=$SYSV_UL_DIR:$PATH sysv_run "$as" "$dir/ul" ipcs "$@"
	PATH=$SYSV_OUR_DIR:$PATH sysv_run "$as" "$dir/ours" ipcs "$@"
	release
}

# ---- in bats ----

# Call from setup_file(): the tools where any user can run them.
sysv_setup_file() {
	local long
	unshare --ipc --mount true 2>/dev/null || return 0
	SYSV_DIR=$(mktemp -d /tmp/ipcdemo-sysv.XXXXXX)
	chmod 755 "$SYSV_DIR"
	# Copies, so that nobody can run them wherever the build is.
	cp "$IPCDEMO" "$SYSV_DIR/ipcdemo"
	cp "${IPC_FIXTURE:-$(dirname "$IPCDEMO")/tests/ipc-fixture}" \
		"$SYSV_DIR/ipc-fixture"
	IPCDEMO=$SYSV_DIR/ipcdemo make_applet_dir "$SYSV_DIR/ours"
	mkdir "$SYSV_DIR/ul"
	# Called by name through these links, util-linux's tools see
	# argv[0] "ipcrm" and "ipcs", as from PATH.
	ln -s "$UL_IPCRM" "$SYSV_DIR/ul/ipcrm"
	ln -s "$UL_IPCS" "$SYSV_DIR/ul/ipcs"
	chmod -R a+rX "$SYSV_DIR"
	long=$(getent passwd | awk -F: 'length($1) > 10 { print $3 " " $4; exit }')
	export SYSV_DIR SYSV_LONG_USER=${long:+yes} SYSV_LONG_IDS=${long:-0 0}
	export SYSV_FIXTURE=$SYSV_DIR/ipc-fixture
	export SYSV_UL_DIR=$SYSV_DIR/ul SYSV_OUR_DIR=$SYSV_DIR/ours
}

sysv_teardown_file() {
	[[ -n ${SYSV_DIR:-} && -d $SYSV_DIR ]] && rm -rf "$SYSV_DIR"
	return 0
}

# Call from teardown(): no holder is left, so every namespace a test
# made has gone with its objects, and the test's key is unused here.
sysv_assert_clean() {
	[[ -n ${SYSV_DIR:-} ]] || return 0
	assert_no_procs "$SYSV_DIR/"
	assert_no_ipc
}

sysv_require() {
	[[ -n ${SYSV_DIR:-} ]] ||
		skip "unshare --ipc --mount is not permitted here (needs root)"
}

sysv_require_long_user() {
	[[ -n ${SYSV_LONG_USER:-} ]] ||
		skip "no user with a name longer than 10 characters here"
}

# sysv_ns FUNC ARGS...: FUNC in a fresh IPC (and mount) namespace.
sysv_ns() {
	unshare --ipc --mount bash -c 'source "$0" && "$@"' \
		"$BATS_TEST_DIRNAME/sysv-diff.bash" "$@"
}

# Fails, showing the difference, unless the two records are the same.
# Our -V line is ipcdemo's own, on purpose (the tests of each file check
# it); it is mapped back to util-linux's words first.
sysv_compare() {
	[[ -f $1/rc && -f $2/rc ]] || { echo "a run left no record" && return 1; }
	sed -i 's/^\(ipcrm\|ipcs\) from ipcdemo [^ ]*$/\1 from util-linux 2.38.1/' \
		"$2/out"
	diff -u -r "$1" "$2"
}

# ipcrm_case PRESET AS ARGS...: util-linux's ipcrm and ipcrm-clone
# with ARGS on the same objects, as AS (root, nobody, u4242, C,
# C.UTF-8, or full for stdout on /dev/full).
ipcrm_case() {
	local preset=$1 as=$2 dir=$BATS_TEST_TMPDIR/case
	shift 2
	sysv_require
	rm -rf "$dir" && mkdir -p "$dir/ul" "$dir/ours"
	PATH=$SYSV_UL_DIR:$PATH sysv_ns sysv_ns_ipcrm "$preset" "$as" \
		"$dir/ul" ipcrm "$@"
	PATH=$SYSV_OUR_DIR:$PATH sysv_ns sysv_ns_ipcrm "$preset" "$as" \
		"$dir/ours" ipcrm-clone "$@"
	sysv_compare "$dir/ul" "$dir/ours" ||
		{ echo "in scenario: $preset $as ipcrm $*" && return 1; }
}

# ipcs_case PRESET AS ARGS...: util-linux's ipcs and ours, one after
# the other on the same objects.
ipcs_case() {
	local preset=$1 as=$2 dir=$BATS_TEST_TMPDIR/case
	shift 2
	sysv_require
	rm -rf "$dir" && mkdir -p "$dir/ul" "$dir/ours"
	sysv_ns sysv_ns_ipcs "$preset" "$as" "$dir" "$@"
	sysv_compare "$dir/ul" "$dir/ours" ||
		{ echo "in scenario: $preset $as ipcs $*" && return 1; }
}
