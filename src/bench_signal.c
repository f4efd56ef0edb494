/*
 * bench_signal.c - signal: signals as a data channel, through the
 * traced wrappers signal-demo calls (sys_sigqueue, sys_sigtimedwait).
 *
 * A signal carries one int (sigqueue(3)'s sival_int), so a message of
 * size bytes goes as ceil(size / 4) real-time signals, SIGRTMIN, each
 * with the next 4 bytes; real-time signals queue and keep their order
 * (signal(7)), so the receiver puts the bytes back together.  The queue
 * is bounded (RLIMIT_SIGPENDING, shared by all of the user's processes),
 * so the sender keeps at most WINDOW values unanswered: the receiver
 * answers every WINDOW / 2 values with one SIGRTMIN+1 carrying how many
 * it has taken.  A signal from any other process is ignored.
 *
 * What it cannot carry is n/a: a message of more than MAX_VALUES
 * signals.  The extra 4-byte stream row is one value a signal, the
 * channel's natural unit.  The kernel's cost of one signal each way,
 * with no data, is the raw-signal row.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ipcdemo.h"

#define VALUE_BYTES 4
#define WINDOW 64u
#define MAX_VALUES 16384u /* 64 KiB a message */

static const struct timespec one_second = { .tv_sec = 1 };

struct signal_chan {
	sigset_t old;      /* the parent's mask before open() */
	sigset_t data_ack; /* what a receiver waits for */
	sigset_t ack;      /* what a sender waits for, its window full */
	int data_sig, ack_sig;
	pid_t peer;
	uint32_t sent, acked;     /* values sent, and answered by the peer */
	uint32_t taken, answered; /* values received, and our last answer */
};

static const char *signal_cannot_carry(size_t size)
{
	static char why[80];
	size_t values = (size + VALUE_BYTES - 1) / VALUE_BYTES;

	if (values <= MAX_VALUES)
		return NULL;
	snprintf(why, sizeof(why), "%zu signals of 4 bytes; at most %u", values,
	         MAX_VALUES);
	return why;
}

static void *signal_open(const struct bench_params *p)
{
	struct signal_chan *c = calloc(1, sizeof(*c));
	int sigs[2];

	(void)p;
	if (!c)
		die("out of memory");
	c->data_sig = sigs[0] = SIGRTMIN;
	c->ack_sig = sigs[1] = SIGRTMIN + 1;
	/* Blocked before the fork, so neither side can miss one (STYLE §6). */
	block_signals(&c->old, sigs, 2);
	sigemptyset(&c->ack);
	sigaddset(&c->ack, c->ack_sig);
	c->data_ack = c->ack;
	sigaddset(&c->data_ack, c->data_sig);
	return c;
}

static void signal_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct signal_chan *c = chan;

	(void)side;
	c->peer = peer;
}

/*
 * The next signal of set from the peer; 0 after a bounded wait that
 * found nothing (the caller retries), -1 when to give up, errno EINTR
 * for a stop and 0 when the peer has gone.
 */
static int take(struct signal_chan *c, const sigset_t *set,
                const struct timespec *timeout, siginfo_t *info)
{
	int sig = sys_sigtimedwait(set, info, timeout);

	if (sig > 0)
		return info->si_pid == c->peer ? sig : 0;
	if (errno != EAGAIN && errno != EINTR)
		return -1;
	if (bench_interrupted()) {
		errno = stop_signal() ? EINTR : 0;
		return -1;
	}
	return 0;
}

static void note_ack(struct signal_chan *c, const siginfo_t *info)
{
	uint32_t n = (uint32_t)info->si_value.sival_int;

	/* Counts wrap; an answer for more than was sent is a lie. */
	if (n - c->acked <= c->sent - c->acked)
		c->acked = n;
}

/* Until the window has room; with a short timeout when the queue is full. */
static int wait_for_room(struct signal_chan *c, const struct timespec *timeout)
{
	siginfo_t info;
	int sig = take(c, &c->ack, timeout, &info);

	if (sig == c->ack_sig)
		note_ack(c, &info);
	return sig < 0 ? -1 : 0;
}

static int send_value(struct signal_chan *c, int value)
{
	static const struct timespec brief = { .tv_nsec = 1000000 };

	while (c->sent - c->acked >= WINDOW)
		if (wait_for_room(c, &one_second) == -1)
			return -1;
	/* EAGAIN: the user's queue is full (other processes too). */
	while (sys_sigqueue(c->peer, c->data_sig, value) == -1) {
		if (errno != EAGAIN)
			return -1;
		if (wait_for_room(c, &brief) == -1)
			return -1;
		sched_yield();
	}
	c->sent++;
	return 0;
}

static int signal_send(void *chan, const void *buf, size_t size)
{
	struct signal_chan *c = chan;
	const unsigned char *p = buf;

	for (size_t off = 0; off < size; off += VALUE_BYTES) {
		size_t n = size - off < VALUE_BYTES ? size - off : VALUE_BYTES;
		int value = 0;

		memcpy(&value, p + off, n);
		if (send_value(c, value) == -1)
			return -1;
	}
	return 0;
}

static int answer(struct signal_chan *c)
{
	c->answered = c->taken;
	return sys_sigqueue(c->peer, c->ack_sig, (int)c->taken);
}

static int signal_recv(void *chan, void *buf, size_t size)
{
	struct signal_chan *c = chan;
	unsigned char *p = buf;
	size_t off = 0;

	while (off < size) {
		size_t n = size - off < VALUE_BYTES ? size - off : VALUE_BYTES;
		siginfo_t info;
		int sig = take(c, &c->data_ack, &one_second, &info);

		if (sig == -1)
			return -1;
		if (sig == c->ack_sig)
			note_ack(c, &info);
		if (sig != c->data_sig)
			continue;
		memcpy(p + off, &info.si_value.sival_int, n);
		off += n;
		c->taken++;
		if (c->taken - c->answered >= WINDOW / 2 && answer(c) == -1)
			return -1;
	}
	return 0;
}

static void signal_close(void *chan)
{
	struct signal_chan *c = chan;
	const struct timespec now = { 0 };

	/* Signals still queued (an interrupted round) go with the mask. */
	while (sigtimedwait(&c->data_ack, NULL, &now) > 0)
		;
	sigprocmask(SIG_SETMASK, &c->old, NULL);
	free(c);
}

const struct bench_mech bench_signal = {
	.name = "signal",
	.summary = "sigqueue(3) values, 4 bytes a signal, with a window",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "shm-futex",
	.rtt_ref = "shm-futex",
	.extra_size = VALUE_BYTES,
	.cannot_carry = signal_cannot_carry,
	.open = signal_open,
	.attach = signal_attach,
	.send = signal_send,
	.recv = signal_recv,
	.close = signal_close,
};
