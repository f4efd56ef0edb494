/*
 * bench_shm.c - the shared-memory channel in its three sync modes:
 * shm-signal, shm-sem, shm-futex and shm-futex-nospin.
 *
 * Each row runs the code shm-server and shm-client run: a private
 * segment made by shm_segment_create() (IPC_PRIVATE, 0600, with the
 * semaphore set of sem mode), the parent as the server, the child as
 * the client that connects, and every message through shm_chan_send()
 * and shm_chan_recv(), rings, fragments, wake-ups, the once-a-second
 * look at the peer and all.  Nothing here touches the rings.
 *
 * The segment is sized for the largest message of the run: two rings
 * of twice that message (and a little), so that the channel, which cuts
 * a message into records of at most a quarter ring, sends the largest
 * one as two records; the receiver copies out the first while the
 * sender copies in the second.  The rings are never smaller than 2 MiB
 * (SEG_MIN): measured here, a ring that holds only a few messages keeps
 * the two sides working on neighbouring cache lines and waiting for
 * each other, and 4 KiB or 64 KiB streams ran at half the speed they
 * reach through 2 MiB rings; rings larger than that gained nothing
 * beyond the noise, and cost more cache.  So the default sizes get
 * rings of 2 MiB and 64 bytes, in which 1 MiB goes as two records.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ipcdemo.h"
#include "shm_segment.h"

#define SEG_MIN (sizeof(struct shm_header) + ((size_t)4 << 20))
#define SEG_MAX ((size_t)64 << 20)

struct shm_bench {
	struct shm_segment seg;
	struct shm_chan ch;
	struct shm_msg msg; /* where shm_chan_recv() puts a message */
	enum shm_sync sync;
	long spin_us;
	sigset_t old_mask; /* signal mode: the mask before open() */
};

/*
 * Rings of 2 x max_size and a little: a record, a quarter ring, then
 * carries half of the largest message, which goes in two records, not
 * two and a crumb.
 */
static size_t segment_size(size_t max_size)
{
	size_t ring, size;

	if (max_size > SEG_MAX / 4)
		return SEG_MAX;
	ring = (2 * max_size + 4 * 8 + SHM_LINE - 1) & ~(size_t)(SHM_LINE - 1);
	size = sizeof(struct shm_header) + 2 * ring;
	return size < SEG_MIN ? SEG_MIN : size;
}

static void *shm_bench_open(const struct bench_params *p, enum shm_sync sync,
                            long spin_us)
{
	struct shm_bench *c = calloc(1, sizeof(*c));

	if (!c)
		die("out of memory");
	c->sync = sync;
	c->spin_us = spin_us;
	/* Blocked before the fork and before the PID is published (STYLE §6).
	 */
	sigprocmask(SIG_SETMASK, NULL, &c->old_mask);
	if (sync == SHM_SYNC_SIGNAL)
		shm_chan_block_signals();
	shm_segment_create(&c->seg, IPC_PRIVATE, segment_size(p->max_size),
	                   sync, DEFAULT_MODE, false);
	return c;
}

static void *open_signal(const struct bench_params *p)
{
	return shm_bench_open(p, SHM_SYNC_SIGNAL, 0);
}

static void *open_sem(const struct bench_params *p)
{
	return shm_bench_open(p, SHM_SYNC_SEM, 0);
}

static void *open_futex(const struct bench_params *p)
{
	return shm_bench_open(p, SHM_SYNC_FUTEX, p->spin_us);
}

static void *open_futex_nospin(const struct bench_params *p)
{
	return shm_bench_open(p, SHM_SYNC_FUTEX, 0);
}

/*
 * The parent is the server (its PID is in the header), the child the
 * client.  While the server waits for the client it already knows the
 * child's PID, so a child that dies first is noticed within a second.
 */
static void shm_bench_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct shm_bench *c = chan;
	struct shm_params params = shm_segment_params(&c->seg, c->spin_us);
	pid_t holder = 0;
	int rc;

	if (side == BENCH_CHILD) {
		shm_chan_open(&c->ch, c->seg.base, c->seg.size, SHM_CLIENT,
		              &params);
		if (shm_chan_connect(&c->ch, &holder) != SHM_OK)
			die("shm: the slot is held by PID %d", (int)holder);
		return;
	}
	shm_chan_open(&c->ch, c->seg.base, c->seg.size, SHM_SERVER, &params);
	c->ch.peer_pid = peer;
	rc = shm_chan_accept(&c->ch);
	/* A stop signal: the harness sees it before the first round. */
	if (rc != SHM_OK && rc != SHM_STOPPED)
		die("shm: the child never connected");
}

/* The hooks' convention (bench.h): -1 with EINTR, or 0 if the peer went. */
static int status(int rc)
{
	if (rc == SHM_OK)
		return 0;
	errno = rc == SHM_STOPPED ? EINTR : 0;
	return -1;
}

static int shm_bench_send(void *chan, const void *buf, size_t size)
{
	struct shm_bench *c = chan;

	return status(shm_chan_send(&c->ch, buf, size));
}

/* The message stays in c->msg, as shm-server's does: no second copy. */
static int shm_bench_recv(void *chan, void *buf, size_t size)
{
	struct shm_bench *c = chan;

	(void)buf;
	if (status(shm_chan_recv(&c->ch, &c->msg)) == -1)
		return -1;
	if (c->msg.len != size) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/*
 * The segment and the set are the cleanup list's to detach and remove.
 * In signal mode a signal may still be pending (an interrupted round):
 * taken here, before the old mask comes back, or it would kill us.
 */
static void shm_bench_close(void *chan)
{
	struct shm_bench *c = chan;
	const struct timespec now = { 0 };
	sigset_t both;

	if (c->sync == SHM_SYNC_SIGNAL) {
		sigemptyset(&both);
		sigaddset(&both, SHM_SIG_TO_SERVER);
		sigaddset(&both, SHM_SIG_TO_CLIENT);
		while (sigtimedwait(&both, NULL, &now) > 0)
			;
		sigprocmask(SIG_SETMASK, &c->old_mask, NULL);
	}
	free(c->msg.data);
	free(c);
}

const struct bench_mech bench_shm_signal = {
	.name = "shm-signal",
	.summary = "shm channel, woken with kill(2) (signal mode)",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "raw-pipe",
	.rtt_ref = "raw-signal",
	.open = open_signal,
	.attach = shm_bench_attach,
	.send = shm_bench_send,
	.recv = shm_bench_recv,
	.close = shm_bench_close,
};

const struct bench_mech bench_shm_sem = {
	.name = "shm-sem",
	.summary = "shm channel, woken with semop(2) (sem mode)",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "raw-pipe",
	.rtt_ref = "raw-sem",
	.open = open_sem,
	.attach = shm_bench_attach,
	.send = shm_bench_send,
	.recv = shm_bench_recv,
	.close = shm_bench_close,
};

const struct bench_mech bench_shm_futex = {
	.name = "shm-futex",
	.summary = "shm channel, futex mode, spinning --spin first",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "raw-pipe",
	.rtt_ref = "spin-floor",
	.open = open_futex,
	.attach = shm_bench_attach,
	.send = shm_bench_send,
	.recv = shm_bench_recv,
	.close = shm_bench_close,
};

const struct bench_mech bench_shm_futex_nospin = {
	.name = "shm-futex-nospin",
	.summary = "shm channel, futex mode, never spinning",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "raw-pipe",
	.rtt_ref = "futex-floor",
	.open = open_futex_nospin,
	.attach = shm_bench_attach,
	.send = shm_bench_send,
	.recv = shm_bench_recv,
	.close = shm_bench_close,
};
