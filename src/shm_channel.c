/*
 * shm_channel.c - the shared-memory channel of shm_channel.h.
 *
 * Two rules make it safe against lost wake-ups.  A side that is about
 * to sleep stores what it waits for (WAIT_DATA, WAIT_SPACE, WAIT_PEER)
 * in its sleeping word, then (after a full fence) looks at the rings
 * once more; a side that has changed a ring (after a full fence) looks
 * at the peer's sleeping word and wakes it only if it waits for that.
 * With the fences on both sides one of them always sees the other's
 * store (the store-buffering case of the C11 memory model), so either
 * the sleeper sees the data or the writer sees the sleeper.  And the
 * sleep itself cannot miss a wake-up that comes between the look and
 * the block: FUTEX_WAIT compares the word first, a semaphore counts,
 * and a blocked signal stays pending until sigtimedwait takes it.
 *
 * The second rule is STYLE §5: every position, length and flag the
 * peer wrote is loaded once into a local, checked against our private
 * copy of the truth, and only then used.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"
#include "shm_channel.h"

#define REC_MORE 0x1u /* another fragment of this message follows */
#define REC_HDR 8u
/* What a side sleeps for, in its "sleeping" word. */
#define WAIT_DATA 0x1u  /* a record in the ring it reads */
#define WAIT_SPACE 0x2u /* room in the ring it writes */
#define WAIT_PEER 0x4u  /* a client (the server in accept) */
#define WAIT_ANY (WAIT_DATA | WAIT_SPACE | WAIT_PEER)
#define CHECK_INTERVAL_NS 1000000000L
#define SPIN_CLOCK_EVERY 16 /* pauses between looks at the clock */
#define SPIN_YIELD_EVERY 64 /* pauses between sched_yield() calls */

/* A record in a ring: this header, then len bytes, padded to 8. */
struct rec {
	uint32_t len;
	uint32_t flags;
};

static const struct timespec one_second = { .tv_sec = 1 };

static const char *const ring_names[2] = {
	[SHM_SERVER] = "server->client",
	[SHM_CLIENT] = "client->server",
};

#define corrupt(...) die("corrupt header: " __VA_ARGS__)

const char *shm_sync_name(enum shm_sync sync)
{
	switch (sync) {
	case SHM_SYNC_SIGNAL:
		return "signal";
	case SHM_SYNC_SEM:
		return "sem";
	case SHM_SYNC_FUTEX:
		return "futex";
	}
	return "unknown";
}

enum shm_sync shm_sync_parse(const char *name)
{
	static const enum shm_sync all[] = { SHM_SYNC_SIGNAL, SHM_SYNC_SEM,
		                             SHM_SYNC_FUTEX };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(name, shm_sync_name(all[i])) == 0)
			return all[i];
	return 0;
}

static uint64_t pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

/* Each ring gets half the data area, in whole cache lines. */
static uint32_t ring_size(size_t data_size)
{
	return (uint32_t)((data_size / 2) & ~(size_t)(SHM_LINE - 1));
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static long elapsed_ns(const struct timespec *from, const struct timespec *to)
{
	return (long)(to->tv_sec - from->tv_sec) * 1000000000L +
	       (to->tv_nsec - from->tv_nsec);
}

/* ---- the header ---- */

bool shm_chan_format(void *base, size_t size, enum shm_sync sync, pid_t server)
{
	struct shm_header *h = base;

	if (size < SHM_MIN_SIZE || size > SHM_MAX_SIZE)
		return false;
	memset(h, 0, sizeof(*h));
	h->version = SHM_VERSION;
	h->header_size = sizeof(*h);
	h->sync_mode = sync;
	h->data_size = (uint32_t)(size - sizeof(*h));
	h->server_pid = (int32_t)server;
	return true;
}

void shm_chan_publish(void *base)
{
	struct shm_header *h = base;

	/* A reader that sees the magic (acquire) sees all of the above. */
	__atomic_store_n(&h->magic, SHM_MAGIC, __ATOMIC_RELEASE);
}

/* Plain header words may change under us: read each exactly once. */
static uint32_t read32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint16_t read16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

bool shm_chan_check(const void *base, size_t size, char *why, size_t len)
{
	const struct shm_header *h = base;
	uint32_t magic, sync, data_size;
	uint16_t version, header_size;
	int32_t server;

	if (size < SHM_MIN_SIZE) {
		snprintf(why, len,
		         "%zu bytes is too small for a channel (at "
		         "least %zu)",
		         size, SHM_MIN_SIZE);
		return false;
	}
	magic = read32(&h->magic);
	if (magic != SHM_MAGIC) {
		snprintf(why, len,
		         "bad magic 0x%08" PRIx32 " (expected 0x%08x)", magic,
		         SHM_MAGIC);
		return false;
	}
	version = read16(&h->version);
	header_size = read16(&h->header_size);
	sync = read32(&h->sync_mode);
	data_size = read32(&h->data_size);
	server = (int32_t)read32((const uint32_t *)&h->server_pid);
	if (version != SHM_VERSION)
		snprintf(why, len, "version %u, expected %u", (unsigned)version,
		         SHM_VERSION);
	else if (header_size != sizeof(*h))
		snprintf(why, len, "header size %u, expected %zu",
		         (unsigned)header_size, sizeof(*h));
	else if (sync < SHM_SYNC_SIGNAL || sync > SHM_SYNC_FUTEX)
		snprintf(why, len, "unknown sync mode %" PRIu32, sync);
	else if (data_size != size - sizeof(*h))
		snprintf(why, len,
		         "header says %" PRIu32 " data bytes, the region has "
		         "%zu",
		         data_size, size - sizeof(*h));
	else if (server <= 0)
		snprintf(why, len, "server PID %" PRId32, server);
	else
		return true;
	return false;
}

void shm_chan_open(struct shm_chan *ch, void *base, size_t size,
                   enum shm_role role, const struct shm_params *params)
{
	struct shm_header *h = base;
	unsigned char *data = (unsigned char *)base + sizeof(*h);
	uint32_t r = ring_size(size - sizeof(*h));
	/* Ring 0 carries client->server, ring 1 server->client. */
	struct shm_ring c2s = { data, r }, s2c = { data + r, r };

	*ch = (struct shm_chan){
		.hdr = h,
		.size = size,
		.role = role,
		.p = *params,
		.me = &h->side[role],
		.peer = &h->side[!role],
		.tx = role == SHM_CLIENT ? c2s : s2c,
		.rx = role == SHM_CLIENT ? s2c : c2s,
	};
	if (ch->p.spin_us < 0)
		ch->p.spin_us = SHM_DEFAULT_SPIN_US;
	/* The client wakes the server by the PID the server published. */
	if (role == SHM_CLIENT)
		ch->peer_pid = (pid_t)read32((const uint32_t *)&h->server_pid);
	clock_gettime(CLOCK_MONOTONIC, &ch->last_check);
}

/* ---- waking and sleeping ---- */

void shm_chan_block_signals(void)
{
	static const int sigs[] = { SHM_SIG_TO_SERVER, SHM_SIG_TO_CLIENT };

	block_signals(NULL, sigs, sizeof(sigs) / sizeof(sigs[0]));
}

void shm_chan_wake_peer(struct shm_chan *ch)
{
	struct sembuf up = { .sem_num = (unsigned short)!ch->role,
		             .sem_op = 1 };

	switch (ch->p.sync) {
	case SHM_SYNC_FUTEX:
		atomic_fetch_add(&ch->me->wake, 1);
		sys_futex_wake(&ch->me->wake, 1);
		break;
	case SHM_SYNC_SEM:
		/* A removed set means the server is gone: the wait says so. */
		sys_semop(ch->p.semid, &up, 1);
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
 * After changing a ring or the flags: wake the peer if it sleeps for
 * what we did (want: the WAIT_* bits it may have set).  A peer waiting
 * for data is not woken because we made space, and the other way round.
 * The compare-exchange clears its word only if we are the one who will
 * wake it; otherwise a later change could find it cleared and not wake.
 */
static void notify(struct shm_chan *ch, uint32_t want)
{
	uint32_t s;

	atomic_thread_fence(memory_order_seq_cst);
	s = atomic_load_explicit(&ch->peer->sleeping, memory_order_relaxed);
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
	uint32_t f =
		atomic_load_explicit(&ch->hdr->flags, memory_order_acquire);

	if (f & ~SHM_F_ALL)
		corrupt("unknown flags %#" PRIx32, f);
	return ch->role == SHM_SERVER
	               ? f & (SHM_F_CLIENT_LEFT | SHM_F_CLIENT_QUIT)
	               : f & SHM_F_SERVER_GONE;
}

static bool pid_gone(pid_t pid)
{
	return sys_kill(pid, 0) == -1 && errno == ESRCH;
}

/* The header is still ours and still says what it said at the start. */
static void check_header(struct shm_chan *ch)
{
	char why[128];

	if (!shm_chan_check(ch->hdr, ch->size, why, sizeof(why)))
		corrupt("%s", why);
	if (read32(&ch->hdr->sync_mode) != ch->p.sync)
		corrupt("sync mode changed to %" PRIu32,
		        read32(&ch->hdr->sync_mode));
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
	if (pid_gone(ch->peer_pid)) {
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

typedef bool (*ready_fn)(struct shm_chan *ch, uint64_t arg);

/*
 * Spinning pays only while the peer runs on another CPU.  When both
 * share one (the scheduler likes to put a woken task next to its
 * waker), it would just burn the peer's time, so every few
 * microseconds the spinner yields the CPU.
 */
static bool spin_until(struct shm_chan *ch, ready_fn ready, uint64_t arg)
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
 * Waits until ready(ch, arg) is true, telling the peer that it sleeps
 * for what (WAIT_*).  Returns SHM_OK, or why it gave
 * up: a stop signal, the peer's goodbye, the peer's death.
 */
static int wait_for(struct shm_chan *ch, ready_fn ready, uint64_t arg,
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
		atomic_thread_fence(memory_order_seq_cst);
		/* Flags first: the peer sets them after its last data. */
		flags = peer_flags(ch);
		if (ready(ch, arg) || flags || stop_signal()) {
			atomic_store(&ch->me->sleeping, 0);
			if (ready(ch, arg))
				return SHM_OK;
			if (stop_signal())
				return SHM_STOPPED;
			ch->peer_flags = flags;
			return SHM_PEER_LEFT;
		}
		rc = sleep_once(ch, bell);
		atomic_store(&ch->me->sleeping, 0);
		if (rc == SHM_OK)
			rc = periodic(ch, false);
		if (rc != SHM_OK && !ready(ch, arg))
			return rc;
	}
}

/* ---- connecting ---- */

static bool client_claimed(struct shm_chan *ch, uint64_t unused)
{
	(void)unused;
	return atomic_load_explicit(&ch->hdr->client_pid,
	                            memory_order_acquire) != 0;
}

int shm_chan_accept(struct shm_chan *ch)
{
	int32_t pid;
	int rc = wait_for(ch, client_claimed, 0, WAIT_PEER);

	if (rc != SHM_OK)
		return rc;
	pid = atomic_load_explicit(&ch->hdr->client_pid, memory_order_acquire);
	if (pid <= 0 || pid == getpid())
		corrupt("client PID %" PRId32, pid);
	ch->peer_pid = pid;
	ch->peer_flags = 0;
	ch->tx_head = ch->tx_tail_seen = ch->rx_tail = ch->rx_head_seen = 0;
	clock_gettime(CLOCK_MONOTONIC, &ch->last_check);
	return SHM_OK;
}

int shm_chan_connect(struct shm_chan *ch, pid_t *holder)
{
	int32_t expected = 0;

	if (!atomic_compare_exchange_strong(&ch->hdr->client_pid, &expected,
	                                    (int32_t)getpid())) {
		*holder = expected;
		return SHM_BUSY;
	}
	ch->tx_head = ch->tx_tail_seen = ch->rx_tail = ch->rx_head_seen = 0;
	notify(ch, WAIT_ANY);
	return SHM_OK;
}

void shm_chan_reset(struct shm_chan *ch)
{
	struct shm_header *h = ch->hdr;

	for (int i = 0; i < 2; i++) {
		atomic_store(&h->side[i].head, 0);
		atomic_store(&h->side[i].tail, 0);
	}
	atomic_store(&h->side[SHM_CLIENT].sleeping, 0);
	atomic_fetch_and(&h->flags, ~(SHM_F_CLIENT_LEFT | SHM_F_CLIENT_QUIT));
	atomic_fetch_add(&h->session, 1);
	ch->tx_head = ch->tx_tail_seen = ch->rx_tail = ch->rx_head_seen = 0;
	ch->peer_pid = 0;
	ch->peer_flags = 0;
	/* Last, with release: the next client sees empty rings. */
	atomic_store_explicit(&h->client_pid, 0, memory_order_release);
}

void shm_chan_leave(struct shm_chan *ch, uint32_t flags)
{
	atomic_fetch_or_explicit(&ch->hdr->flags, flags, memory_order_release);
	notify(ch, WAIT_ANY);
}

/* ---- sending ---- */

/* The most payload one record carries: a quarter ring keeps both busy. */
static uint32_t chunk_max(const struct shm_ring *r)
{
	uint32_t quarter = (r->size / 4) & ~7u;

	return quarter > REC_HDR ? quarter - REC_HDR : REC_HDR;
}

/* True when need bytes are free in the ring I write. */
static bool space_ready(struct shm_chan *ch, uint64_t need)
{
	uint64_t tail;

	if (ch->tx.size - (ch->tx_head - ch->tx_tail_seen) >= need)
		return true;
	tail = atomic_load_explicit(&ch->peer->tail, memory_order_acquire);
	if (tail < ch->tx_tail_seen || tail > ch->tx_head)
		corrupt("%s read position moved from %" PRIu64 " to %" PRIu64
		        " (written: %" PRIu64 ")",
		        ring_names[ch->role], ch->tx_tail_seen, tail,
		        ch->tx_head);
	ch->tx_tail_seen = tail;
	return ch->tx.size - (ch->tx_head - tail) >= need;
}

/* Copies len bytes into the ring at position pos, wrapping at its end. */
static void ring_put(const struct shm_ring *r, uint64_t pos, const void *src,
                     size_t len)
{
	size_t off = (size_t)(pos % r->size);
	size_t first = len < r->size - off ? len : r->size - off;

	memcpy(r->data + off, src, first);
	memcpy(r->data, (const char *)src + first, len - first);
}

static void ring_get(const struct shm_ring *r, uint64_t pos, void *dst,
                     size_t len)
{
	size_t off = (size_t)(pos % r->size);
	size_t first = len < r->size - off ? len : r->size - off;

	memcpy(dst, r->data + off, first);
	memcpy((char *)dst + first, r->data, len - first);
}

int shm_chan_send(struct shm_chan *ch, const void *buf, size_t len)
{
	const char *p = buf;
	uint32_t max = chunk_max(&ch->tx);

	do {
		uint32_t n = len < max ? (uint32_t)len : max;
		struct rec rec = { .len = n, .flags = len > n ? REC_MORE : 0 };
		int rc = wait_for(ch, space_ready, REC_HDR + pad8(n),
		                  WAIT_SPACE);

		if (rc != SHM_OK)
			return rc;
		ring_put(&ch->tx, ch->tx_head, &rec, sizeof(rec));
		ring_put(&ch->tx, ch->tx_head + REC_HDR, p, n);
		ch->tx_head += REC_HDR + pad8(n);
		atomic_store_explicit(&ch->me->head, ch->tx_head,
		                      memory_order_release);
		notify(ch, WAIT_DATA);
		p += n;
		len -= n;
	} while (len > 0);
	return SHM_OK;
}

/* ---- receiving ---- */

/* True when a record waits in the ring I read. */
static bool data_ready(struct shm_chan *ch, uint64_t unused)
{
	uint64_t head;

	(void)unused;
	if (ch->rx_head_seen != ch->rx_tail)
		return true;
	head = atomic_load_explicit(&ch->peer->head, memory_order_acquire);
	if (head < ch->rx_head_seen)
		corrupt("%s write position went back from %" PRIu64
		        " to %" PRIu64,
		        ring_names[!ch->role], ch->rx_head_seen, head);
	if (head - ch->rx_tail > ch->rx.size || head % 8)
		corrupt("%s write position %" PRIu64 " is impossible (read "
		        "position %" PRIu64 ", ring of %" PRIu32 " bytes)",
		        ring_names[!ch->role], head, ch->rx_tail, ch->rx.size);
	ch->rx_head_seen = head;
	return head != ch->rx_tail;
}

bool shm_chan_pending(struct shm_chan *ch)
{
	return data_ready(ch, 0);
}

static void msg_reserve(struct shm_msg *msg, size_t need)
{
	size_t cap = msg->cap ? msg->cap : 256;

	if (need <= msg->cap)
		return;
	while (cap < need)
		cap *= 2;
	msg->data = realloc(msg->data, cap);
	if (!msg->data)
		die("out of memory for a message of %zu bytes", need);
	msg->cap = cap;
}

/* Takes the next record off the ring; returns its flags. */
static uint32_t take_record(struct shm_chan *ch, struct shm_msg *msg)
{
	uint64_t avail = ch->rx_head_seen - ch->rx_tail;
	struct rec rec;

	ring_get(&ch->rx, ch->rx_tail, &rec, sizeof(rec));
	if (rec.flags & ~REC_MORE)
		corrupt("%s record at %" PRIu64 " has unknown flags %#" PRIx32,
		        ring_names[!ch->role], ch->rx_tail, rec.flags);
	if (REC_HDR + pad8(rec.len) > avail)
		corrupt("%s record at %" PRIu64 " says %" PRIu32
		        " bytes, only %" PRIu64 " were written",
		        ring_names[!ch->role], ch->rx_tail, rec.len,
		        avail - REC_HDR);
	if (rec.len > SHM_MSG_MAX - msg->len)
		corrupt("%s message longer than %u bytes",
		        ring_names[!ch->role], SHM_MSG_MAX);
	msg_reserve(msg, msg->len + rec.len + 1);
	ring_get(&ch->rx, ch->rx_tail + REC_HDR, msg->data + msg->len, rec.len);
	msg->len += rec.len;
	msg->data[msg->len] = '\0';
	ch->rx_tail += REC_HDR + pad8(rec.len);
	atomic_store_explicit(&ch->me->tail, ch->rx_tail, memory_order_release);
	notify(ch, WAIT_SPACE);
	return rec.flags;
}

int shm_chan_recv(struct shm_chan *ch, struct shm_msg *msg)
{
	msg->len = 0;
	for (;;) {
		int rc = wait_for(ch, data_ready, 0, WAIT_DATA);

		if (rc != SHM_OK)
			return rc;
		if (!(take_record(ch, msg) & REC_MORE))
			return SHM_OK;
	}
}
