/*
 * shm_wait.c - waiting and waking for the shm channel: the three sync
 * modes, the brief spin of futex mode, and the once-a-second look at
 * the peer.
 *
 * No wake-up is lost, by two rules.  A side about to sleep stores what
 * it waits for (WAIT_DATA, WAIT_SPACE, WAIT_PEER) in its sleeping word,
 * then looks at the rings once more; a side that has changed a ring
 * looks at the peer's sleeping word afterwards and wakes it if it waits
 * for that.  All four accesses are seq_cst, so they fall in one total
 * order and one side always sees the other's store (the
 * store-buffering case of the C11 memory model): either the sleeper
 * sees the data or the writer sees the sleeper.  And the sleep cannot
 * miss a wake-up that comes between the last look and the block:
 * FUTEX_WAIT compares its word first, a semaphore keeps its post, and a
 * blocked signal stays pending until sigtimedwait takes it (signal(7)).
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <string.h>

#include "shm_wait.h"

#define CHECK_INTERVAL_NS 1000000000L
#define SPIN_CLOCK_EVERY 16 /* pauses between looks at the clock */
#define SPIN_YIELD_EVERY 64 /* pauses between sched_yield() calls */

static const struct timespec one_second = { .tv_sec = 1 };

static long elapsed_ns(const struct timespec *from, const struct timespec *to)
{
	return (long)(to->tv_sec - from->tv_sec) * 1000000000L +
	       (to->tv_nsec - from->tv_nsec);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

void shm_chan_block_signals(void)
{
	static const int sigs[] = { SHM_SIG_TO_SERVER, SHM_SIG_TO_CLIENT };

	block_signals(NULL, sigs, sizeof(sigs) / sizeof(sigs[0]));
}

/*
 * In sem mode the bell is binary, like a pending signal: "if the peer's
 * semaphore is 0, make it 1", one semop(2) whose two operations succeed
 * or fail together (EAGAIN: a wake-up is already pending).  A plain +1
 * counted every wake-up a waker sends to a peer that looked, found
 * work, and never slept; after a stream of small messages bench found
 * tens of thousands of such posts in the receiver's semaphore, and the
 * receiver's next waits all returned at once: polling through
 * semtimedop(2) instead of sleeping, until they were used up.
 */
void shm_chan_wake_peer(struct shm_chan *ch)
{
	unsigned short peer_sem = (unsigned short)!ch->role;
	struct sembuf up[2] = {
		{ .sem_num = peer_sem, .sem_op = 0, .sem_flg = IPC_NOWAIT },
		{ .sem_num = peer_sem, .sem_op = 1 },
	};

	switch (ch->p.sync) {
	case SHM_SYNC_FUTEX:
		atomic_fetch_add(&ch->me->wake, 1);
		sys_futex_wake(&ch->me->wake, 1);
		break;
	case SHM_SYNC_SEM:
		/* A removed set means the server is gone: the wait says so. */
		sys_semop(ch->p.semid, up, 2);
		break;
	case SHM_SYNC_SIGNAL:
		if (ch->peer_pid > 0)
			sys_kill(ch->peer_pid, ch->role == SHM_SERVER
			                               ? SHM_SIG_TO_CLIENT
			                               : SHM_SIG_TO_SERVER);
		break;
	}
}

/*
 * A peer waiting for data is not woken because we made space, nor the
 * other way round.  The compare-exchange clears its word only if we are
 * the one who wakes it: cleared without a wake-up, a later change would
 * find it clear and not wake it either.
 */
void shm_notify(struct shm_chan *ch, uint32_t want)
{
	uint32_t s = atomic_load(&ch->peer->sleeping);

	while (s & want)
		if (atomic_compare_exchange_weak(&ch->peer->sleeping, &s, 0)) {
			shm_chan_wake_peer(ch);
			break;
		}
}

/*
 * One bounded sleep (a second at most).  A timeout, a spurious wake-up
 * or EINTR all just return: the caller looks at the rings again.
 */
static int sleep_once(struct shm_chan *ch, uint32_t bell)
{
	struct sembuf down = { .sem_num = (unsigned short)ch->role,
		               .sem_op = -1 };
	sigset_t set;

	switch (ch->p.sync) {
	case SHM_SYNC_FUTEX:
		sys_futex_wait(&ch->peer->wake, bell, &one_second);
		break;
	case SHM_SYNC_SEM:
		if (sys_semtimedop(ch->p.semid, &down, 1, &one_second) == 0 ||
		    errno == EAGAIN || errno == EINTR)
			break;
		if (ch->role == SHM_SERVER ||
		    (errno != EIDRM && errno != EINVAL))
			die_errno("semtimedop(semid=%d)", ch->p.semid);
		snprintf(ch->why, sizeof(ch->why),
		         "its semaphore set %d was removed", ch->p.semid);
		return SHM_PEER_DIED;
	case SHM_SYNC_SIGNAL:
		sigemptyset(&set);
		sigaddset(&set, ch->role == SHM_SERVER ? SHM_SIG_TO_SERVER
		                                       : SHM_SIG_TO_CLIENT);
		sys_sigtimedwait(&set, NULL, &one_second);
		break;
	}
	return SHM_OK;
}

/* The goodbye flags the peer has set, checked. */
static uint32_t peer_flags(struct shm_chan *ch)
{
	uint32_t f = atomic_load(&ch->hdr->flags);

	if (f & ~SHM_F_ALL)
		shm_corrupt("unknown flags %#" PRIx32, f);
	return ch->role == SHM_SERVER
	               ? f & (SHM_F_CLIENT_LEFT | SHM_F_CLIENT_QUIT)
	               : f & SHM_F_SERVER_GONE;
}

/* The header is still ours and still says what it said at the start. */
static void check_header(struct shm_chan *ch)
{
	char why[128];
	uint32_t sync;

	if (!shm_chan_check(ch->hdr, ch->size, why, sizeof(why)))
		shm_corrupt("%s", why);
	sync = __atomic_load_n(&ch->hdr->sync_mode, __ATOMIC_RELAXED);
	if (sync != ch->p.sync)
		shm_corrupt("sync mode changed to %" PRIu32, sync);
}

/* About once a second: the header, and whether the peer still lives. */
static int periodic(struct shm_chan *ch, bool now)
{
	struct timespec t;

	check_header(ch);
	clock_gettime(CLOCK_MONOTONIC, &t);
	if (!now && elapsed_ns(&ch->last_check, &t) < CHECK_INTERVAL_NS)
		return SHM_OK;
	ch->last_check = t;
	if (ch->peer_pid <= 0)
		return SHM_OK;
	if (sys_kill(ch->peer_pid, 0) == -1 && errno == ESRCH) {
		snprintf(ch->why, sizeof(ch->why),
		         "process %d no longer exists", (int)ch->peer_pid);
		return SHM_PEER_DIED;
	}
	if (ch->p.peer_check && !ch->p.peer_check(ch, ch->p.peer_check_arg,
	                                          ch->why, sizeof(ch->why)))
		return SHM_PEER_DIED;
	return SHM_OK;
}

int shm_chan_check_peer(struct shm_chan *ch)
{
	uint32_t f = peer_flags(ch);

	if (f) {
		ch->peer_flags = f;
		return SHM_PEER_LEFT;
	}
	return periodic(ch, true);
}

/*
 * Spinning pays only while the peer runs on another CPU.  When both
 * share one (the scheduler likes to put a woken task next to its
 * waker), it would just burn the peer's time, so every few
 * microseconds the spinner yields the CPU.
 */
static bool spin_until(struct shm_chan *ch, shm_ready_fn ready, uint64_t arg)
{
	struct timespec start, t;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned i = 1;; i++) {
		if (ready(ch, arg))
			return true;
		cpu_relax();
		if (i % SPIN_CLOCK_EVERY)
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (elapsed_ns(&start, &t) >= ch->p.spin_us * 1000L)
			return false;
		if (i % SPIN_YIELD_EVERY == 0)
			sched_yield();
	}
}

/*
 * Awake again: no wake-up is needed any more.  This store is not one of
 * the four accesses the header comment orders, so it need not be
 * seq_cst, and it should not be: on x86 a seq_cst store is a locked
 * instruction that waits until the waker, who has just cleared the
 * word, hands its cache line back, and only then lets us look at the
 * ring.  A plain store lets both lines come at once, which took about
 * 0.2 us off each blocking round trip (shm-futex-nospin against
 * futex-floor, in bench).  Until it lands a peer may still see us
 * asleep and wake us once more for nothing, which the loops tolerate.
 */
static void stop_sleeping(struct shm_chan *ch)
{
	atomic_store_explicit(&ch->me->sleeping, 0, memory_order_relaxed);
}

int shm_wait_for(struct shm_chan *ch, shm_ready_fn ready, uint64_t arg,
                 uint32_t what)
{
	if (ready(ch, arg))
		return SHM_OK;
	if (ch->p.sync == SHM_SYNC_FUTEX && ch->p.spin_us > 0 &&
	    spin_until(ch, ready, arg))
		return SHM_OK;
	for (;;) {
		uint32_t bell = atomic_load(&ch->peer->wake);
		uint32_t flags;
		int rc;

		atomic_store(&ch->me->sleeping, what);
		/* Flags first: the peer sets them after its last data. */
		flags = peer_flags(ch);
		if (ready(ch, arg) || flags || stop_signal()) {
			stop_sleeping(ch);
			if (ready(ch, arg))
				return SHM_OK;
			if (stop_signal())
				return SHM_STOPPED;
			ch->peer_flags = flags;
			return SHM_PEER_LEFT;
		}
		rc = sleep_once(ch, bell);
		stop_sleeping(ch);
		if (rc == SHM_OK)
			rc = periodic(ch, false);
		if (rc != SHM_OK && !ready(ch, arg))
			return rc;
	}
}
