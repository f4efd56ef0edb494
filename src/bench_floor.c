/*
 * bench_floor.c - the physical limits the mechanisms are measured
 * against: memcpy bandwidth, and the round-trip floors.
 *
 * memcpy   one process copies each message into a buffer of its own:
 *          no channel can deliver bytes faster than it copies them
 *          once.  Its extra 64 MiB row is larger than any cache.
 * spin-floor   two processes hand a word in shared memory back and
 *          forth, each busy-waiting: the cost of moving a cache line
 *          between CPUs, the least any round trip can take.
 * futex-floor  the same hand-over, but each side sleeps in FUTEX_WAIT
 *          and is woken by FUTEX_WAKE: the least a round trip that
 *          blocks can take (futex(2)).
 * raw-signal   kill(2) and sigwaitinfo(2), SIGUSR1 there and SIGUSR2
 *          back: what the shm channel's signal mode is compared with.
 * All four call libc (or the futex system call) directly, not the
 * traced wrappers: they are the reference for the cost of our own code.
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ipcdemo.h"

#define MEMCPY_BIG ((size_t)64 << 20)
#define SPINS_PER_CHECK (1u << 16) /* spins between looks at the peer */

/* ---- memcpy ---- */

static void *memcpy_open(const struct bench_params *p)
{
	char *dst = malloc(p->max_size ? p->max_size : 1);

	if (!dst)
		die("out of memory for %zu bytes", p->max_size);
	memset(dst, 0, p->max_size); /* fault the pages in now */
	return dst;
}

static void memcpy_attach(void *chan, enum bench_side side, pid_t peer)
{
	(void)chan;
	(void)side;
	(void)peer;
}

/* The buffer escapes through chan, so the compiler must do the copy. */
static int memcpy_send(void *chan, const void *buf, size_t size)
{
	memcpy(chan, buf, size);
	return 0;
}

static int memcpy_recv(void *chan, void *buf, size_t size)
{
	(void)chan;
	(void)buf;
	(void)size;
	errno = ENOTSUP;
	return -1;
}

const struct bench_mech bench_memcpy = {
	.name = "memcpy",
	.summary = "reference: one process copying each message once",
	.kinds = BENCH_KIND_STREAM,
	.solo = true,
	.extra_size = MEMCPY_BIG,
	.open = memcpy_open,
	.attach = memcpy_attach,
	.send = memcpy_send,
	.recv = memcpy_recv,
	.close = free,
};

/* ---- spin-floor and futex-floor: one word, handed back and forth ---- */

/*
 * The word counts hand-overs: the parent stores odd values, the child
 * even ones.  Each side knows the next value it sends and the next one
 * it waits for, so a wake-up for an old value is never mistaken.
 */
struct word_chan {
	_Atomic uint32_t *word;
	uint32_t next_send, next_wait;
	bool yield; /* one CPU: a spinner must let the other side run */
};

static void *word_open(const struct bench_params *p)
{
	struct word_chan *c = calloc(1, sizeof(*c));

	if (!c)
		die("out of memory");
	c->word = sys_mmap(NULL, sizeof(*c->word), PROT_READ | PROT_WRITE,
	                   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->word == MAP_FAILED)
		die_errno("mmap");
	c->yield = p->one_cpu;
	return c;
}

static void word_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct word_chan *c = chan;

	(void)peer;
	c->next_send = side == BENCH_PARENT ? 1 : 2;
	c->next_wait = side == BENCH_PARENT ? 2 : 1;
}

static void word_close(void *chan)
{
	struct word_chan *c = chan;

	sys_munmap((void *)c->word, sizeof(*c->word));
	free(c);
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static int spin_send(void *chan, const void *buf, size_t size)
{
	struct word_chan *c = chan;

	(void)buf;
	(void)size;
	atomic_store_explicit(c->word, c->next_send, memory_order_release);
	c->next_send += 2;
	return 0;
}

static int spin_recv(void *chan, void *buf, size_t size)
{
	struct word_chan *c = chan;
	unsigned spins = 0;

	(void)buf;
	(void)size;
	while (atomic_load_explicit(c->word, memory_order_acquire) !=
	       c->next_wait) {
		if (c->yield)
			sched_yield();
		else
			cpu_relax();
		if (++spins % SPINS_PER_CHECK == 0 && bench_interrupted()) {
			errno = EINTR;
			return -1;
		}
	}
	c->next_wait += 2;
	return 0;
}

static int futex_send(void *chan, const void *buf, size_t size)
{
	struct word_chan *c = chan;

	spin_send(chan, buf, size);
	/* Shared, not FUTEX_PRIVATE_FLAG: the waiter is another process. */
	if (syscall(SYS_futex, c->word, FUTEX_WAKE, 1, NULL, NULL, 0) == -1)
		return -1;
	return 0;
}

static int futex_recv(void *chan, void *buf, size_t size)
{
	struct word_chan *c = chan;
	uint32_t cur;

	(void)buf;
	(void)size;
	while ((cur = atomic_load_explicit(c->word, memory_order_acquire)) !=
	       c->next_wait) {
		/* Sleeps only while the word still holds what we saw. */
		if (syscall(SYS_futex, c->word, FUTEX_WAIT, cur, NULL, NULL,
		            0) == -1 &&
		    errno != EAGAIN && (errno != EINTR || bench_interrupted()))
			return -1;
	}
	c->next_wait += 2;
	return 0;
}

const struct bench_mech bench_spin_floor = {
	.name = "spin-floor",
	.summary = "reference: busy-spin ping-pong on a shared word",
	.kinds = BENCH_KIND_RTT,
	.payload_free = true,
	.open = word_open,
	.attach = word_attach,
	.send = spin_send,
	.recv = spin_recv,
	.close = word_close,
};

const struct bench_mech bench_futex_floor = {
	.name = "futex-floor",
	.summary = "reference: futex(2) ping-pong on a shared word",
	.kinds = BENCH_KIND_RTT,
	.payload_free = true,
	.rtt_ref = "spin-floor",
	.open = word_open,
	.attach = word_attach,
	.send = futex_send,
	.recv = futex_recv,
	.close = word_close,
};

/* ---- raw-signal ---- */

struct signal_chan {
	sigset_t old;      /* the parent's mask before open() */
	sigset_t wait_set; /* the one signal this side waits for */
	int send_sig;
	pid_t peer;
};

static void *signal_open(const struct bench_params *p)
{
	static const int sigs[] = { SIGUSR1, SIGUSR2 };
	struct signal_chan *c = calloc(1, sizeof(*c));

	(void)p;
	if (!c)
		die("out of memory");
	/* Blocked before the fork, so neither side can miss one (STYLE §6). */
	block_signals(&c->old, sigs, sizeof(sigs) / sizeof(sigs[0]));
	return c;
}

static void signal_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct signal_chan *c = chan;

	c->peer = peer;
	c->send_sig = side == BENCH_PARENT ? SIGUSR1 : SIGUSR2;
	sigemptyset(&c->wait_set);
	sigaddset(&c->wait_set, side == BENCH_PARENT ? SIGUSR2 : SIGUSR1);
}

static int signal_send(void *chan, const void *buf, size_t size)
{
	struct signal_chan *c = chan;

	(void)buf;
	(void)size;
	return kill(c->peer, c->send_sig);
}

static int signal_recv(void *chan, void *buf, size_t size)
{
	struct signal_chan *c = chan;

	(void)buf;
	(void)size;
	while (sigwaitinfo(&c->wait_set, NULL) == -1)
		if (errno != EINTR || bench_interrupted())
			return -1;
	return 0;
}

static void signal_close(void *chan)
{
	struct signal_chan *c = chan;
	const struct timespec now = { 0 };
	sigset_t both;

	/* A signal still pending (an interrupted round) would kill us. */
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	while (sigtimedwait(&both, NULL, &now) > 0)
		;
	sigprocmask(SIG_SETMASK, &c->old, NULL);
	free(c);
}

const struct bench_mech bench_raw_signal = {
	.name = "raw-signal",
	.summary = "reference: kill(2)/sigwaitinfo(2) ping-pong",
	.kinds = BENCH_KIND_RTT,
	.payload_free = true,
	.rtt_ref = "futex-floor",
	.open = signal_open,
	.attach = signal_attach,
	.send = signal_send,
	.recv = signal_recv,
	.close = signal_close,
};
