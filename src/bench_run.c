/*
 * bench_run.c - the two processes of a bench row, and its rounds.
 *
 * One child per mechanism.  Between rounds the parent and the child
 * talk through a small control block in MAP_SHARED memory: the parent
 * posts a command (stream or round trip, size, count) and waits on a
 * futex until the child says "ready", then it starts the clock, and
 * waits again for "done".  The hand-shakes are outside the timed part:
 * a stream is timed from the parent's first send to the child's last
 * receive (CLOCK_MONOTONIC is one clock for every CPU), a round trip
 * per message in the parent.
 *
 * A row gets one timed round per pass (struct bench_plan).  In the
 * first, a warm-up also calibrates: it doubles the count until a round
 * lasts long enough to time, then scales it to the round's share of
 * the row's budget; later passes warm up with a quarter round.  Each
 * round gives one figure, and the row reports their median and spread.
 * The budget is in time, not messages, so a slow mechanism does not
 * stretch the run.
 */
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ipcdemo.h"

#define WARMUP_SHARE 0.2      /* of a row's budget, for the first warm-up */
#define REWARM_SHARE 0.25     /* of a round, to warm up in later passes */
#define MIN_CALIBRATE 4       /* messages, before a round's time is trusted */
#define MIN_RTT_SAMPLES 200   /* per round, so that p99 means something */
#define MAX_SAMPLES (1 << 20) /* round trips per round, each kept */
#define MAX_STREAM ((uint64_t)1 << 40) /* messages per stream round */

enum op { OP_STREAM = 1, OP_RTT, OP_QUIT };

struct bench_ctl {
	_Atomic uint32_t cmd; /* parent: one more per command */
	_Atomic uint32_t ack; /* child: one more per "ready" or "done" */
	uint32_t op;
	uint32_t unused;
	uint64_t size;
	uint64_t count;
	int64_t end_ns; /* child's clock after the last message of a stream */
};

struct bench_session {
	const struct bench_mech *mech;
	const struct bench_plan *plan;
	void *chan;
	struct bench_ctl *ctl;
	pid_t child;
	pid_t parent;
	uint32_t acks; /* the last ack the parent waited for */
	char *sbuf, *rbuf;
	size_t max_size;
	double *samples;
};

/* For bench_interrupted() and the exit handler: the one live session. */
static struct bench_session *current;
static bool in_child;

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* True if the child has exited; it stays a zombie for xreap(). */
static bool child_gone(pid_t child)
{
	siginfo_t info = { 0 };

	return waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) ==
	               0 &&
	       info.si_pid == child;
}

bool bench_interrupted(void)
{
	if (stop_signal())
		return true;
	if (!current)
		return false;
	if (in_child)
		return getppid() != current->parent;
	return current->child > 0 && child_gone(current->child);
}

/* At exit (die() included): no child outlives bench. */
static void kill_child(void)
{
	if (current && !in_child && current->child > 0) {
		sys_kill(current->child, SIGKILL);
		while (sys_waitpid(current->child, NULL, 0) == -1 &&
		       errno == EINTR)
			;
		current->child = 0;
	}
}

/* ---- the control block ---- */

static void bump(_Atomic uint32_t *word)
{
	atomic_fetch_add_explicit(word, 1, memory_order_release);
	if (sys_futex_wake(word, 1) == -1)
		die_errno("futex wake");
}

/* Waits until *word != old (child) or == want (parent); false: give up. */
static bool await(_Atomic uint32_t *word, uint32_t old, bool until_equal)
{
	const struct timespec second = { .tv_sec = 1 };

	for (;;) {
		uint32_t cur = atomic_load_explicit(word, memory_order_acquire);

		if (until_equal ? cur == old : cur != old)
			return true;
		if (bench_interrupted())
			return false;
		/* A timeout or EINTR just means: look again. */
		if (sys_futex_wait(word, cur, &second) == -1 &&
		    errno != EAGAIN && errno != EINTR && errno != ETIMEDOUT)
			die_errno("futex wait");
	}
}

/* ---- the child ---- */

static noreturn void child_fail(const struct bench_session *s, const char *what)
{
	if (!stop_signal() && errno)
		warning_errno("%s: child %d: %s", s->mech->name, (int)getpid(),
		              what);
	_exit(stop_signal() ? stop_exit_status() : EXIT_FAILURE);
}

static void child_round(struct bench_session *s, uint32_t op, size_t size,
                        uint64_t count)
{
	const struct bench_mech *m = s->mech;

	for (uint64_t i = 0; i < count; i++) {
		if (m->recv(s->chan, s->rbuf, size) == -1)
			child_fail(s, "receive");
		if (op == OP_RTT && m->send(s->chan, s->sbuf, size) == -1)
			child_fail(s, "send");
	}
	if (op == OP_STREAM)
		s->ctl->end_ns = now_ns();
}

static noreturn void child_main(struct bench_session *s)
{
	uint32_t seen = 0;

	in_child = true;
	/* If the parent dies (even by SIGKILL), so do we: no orphan. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != s->parent)
		_exit(EXIT_FAILURE);
	bench_machine_pin_child(s->plan->machine);
	s->mech->attach(s->chan, BENCH_CHILD, s->parent);
	for (;;) {
		if (!await(&s->ctl->cmd, seen, false))
			_exit(stop_signal() ? stop_exit_status()
			                    : EXIT_FAILURE);
		seen = atomic_load_explicit(&s->ctl->cmd, memory_order_acquire);
		if (s->ctl->op == OP_QUIT)
			_exit(EXIT_SUCCESS);
		bump(&s->ctl->ack); /* ready */
		child_round(s, s->ctl->op, (size_t)s->ctl->size, s->ctl->count);
		bump(&s->ctl->ack); /* done */
	}
}

/* ---- the parent ---- */

static void *xmalloc_touched(size_t size)
{
	char *p = malloc(size ? size : 1);

	if (!p)
		die("out of memory for %zu bytes", size);
	/* Every page faulted in before any clock runs. */
	memset(p, 'x', size);
	return p;
}

struct bench_session *bench_session_start(const struct bench_mech *m,
                                          const struct bench_plan *plan,
                                          size_t max_size)
{
	struct bench_session *s = calloc(1, sizeof(*s));
	struct bench_params params = {
		.max_size = max_size,
		.one_cpu = plan->machine->one_cpu,
		.spin_us = plan->spin_us,
	};
	static bool handler;

	if (!s)
		die("out of memory");
	if (!handler && atexit(kill_child) == 0)
		handler = true;
	*s = (struct bench_session){ .mech = m,
		                     .plan = plan,
		                     .max_size = max_size,
		                     .parent = getpid() };
	s->sbuf = xmalloc_touched(max_size);
	s->rbuf = m->solo ? NULL : xmalloc_touched(max_size);
	if (m->kinds & BENCH_KIND_RTT) {
		s->samples = malloc(MAX_SAMPLES * sizeof(*s->samples));
		if (!s->samples)
			die("out of memory");
	}
	s->chan = m->open(&params);
	current = s;
	if (m->solo)
		return s;
	s->ctl = sys_mmap(NULL, sizeof(*s->ctl), PROT_READ | PROT_WRITE,
	                  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (s->ctl == MAP_FAILED)
		die_errno("mmap");
	s->child = xfork();
	if (s->child == 0)
		child_main(s);
	m->attach(s->chan, BENCH_PARENT, s->child);
	/* A one-second SIGALRM: a call blocked on a dead child returns. */
	tick_arm();
	return s;
}

void bench_session_end(struct bench_session *s, bool abort)
{
	tick_disarm();
	if (s->child > 0) {
		if (abort || child_gone(s->child)) {
			sys_kill(s->child, SIGKILL);
		} else {
			s->ctl->op = OP_QUIT;
			bump(&s->ctl->cmd);
		}
		xreap(s->child);
		s->child = 0;
	}
	s->mech->close(s->chan);
	if (s->ctl)
		sys_munmap(s->ctl, sizeof(*s->ctl));
	current = NULL;
	free(s->samples);
	free(s->sbuf);
	free(s->rbuf);
	free(s);
}

/*
 * A send, a receive or a wait failed in the parent.  Returns -1 if a
 * stop signal is the reason (the run unwinds); otherwise says why and
 * dies.
 */
static int64_t parent_fail(struct bench_session *s, const char *what)
{
	int err = errno;
	char how[64];
	int status;

	if (stop_signal())
		return -1;
	if (s->child > 0 && child_gone(s->child)) {
		status = xreap(s->child);
		s->child = 0;
		die("%s: child %s", s->mech->name,
		    describe_wait_status(status, how, sizeof(how)));
	}
	errno = err;
	if (errno == 0)
		die("%s: %s: the other process has gone", s->mech->name, what);
	die_errno("%s: %s", s->mech->name, what);
}

/* Posts a command and waits for the child's "ready". */
static bool post(struct bench_session *s, enum op op, size_t size,
                 uint64_t count)
{
	s->ctl->op = op;
	s->ctl->size = size;
	s->ctl->count = count;
	bump(&s->ctl->cmd);
	s->acks++;
	if (await(&s->ctl->ack, s->acks, true))
		return true;
	parent_fail(s, "start");
	return false;
}

/* Waits for the child's "done". */
static bool done(struct bench_session *s)
{
	s->acks++;
	if (await(&s->ctl->ack, s->acks, true))
		return true;
	parent_fail(s, "finish");
	return false;
}

/* One stream round: its duration in ns, or -1 on a stop. */
static int64_t stream_round(struct bench_session *s, size_t size,
                            uint64_t count)
{
	const struct bench_mech *m = s->mech;
	int64_t start;

	if (!m->solo && !post(s, OP_STREAM, size, count))
		return -1;
	start = now_ns();
	for (uint64_t i = 0; i < count; i++)
		if (m->send(s->chan, s->sbuf, size) == -1)
			return parent_fail(s, "send");
	if (m->solo)
		return now_ns() - start;
	if (!done(s))
		return -1;
	return s->ctl->end_ns - start;
}

/* One round-trip round: each trip in s->samples (µs); total ns or -1. */
static int64_t rtt_round(struct bench_session *s, size_t size, uint64_t count)
{
	const struct bench_mech *m = s->mech;
	int64_t start, prev;

	if (!post(s, OP_RTT, size, count))
		return -1;
	start = prev = now_ns();
	for (uint64_t i = 0; i < count; i++) {
		int64_t t;

		if (m->send(s->chan, s->sbuf, size) == -1)
			return parent_fail(s, "send");
		if (m->recv(s->chan, s->rbuf, size) == -1)
			return parent_fail(s, "receive");
		t = now_ns();
		s->samples[i] = (double)(t - prev) / 1e3;
		prev = t;
	}
	if (!done(s))
		return -1;
	return prev - start;
}

static int64_t run_round(struct bench_session *s, const struct bench_row *row,
                         uint64_t count)
{
	if (stop_signal())
		return -1;
	return row->kind == BENCH_STREAM ? stream_round(s, row->size, count)
	                                 : rtt_round(s, row->size, count);
}

/* ---- one row ---- */

/*
 * The count for the next pass: scaled so that a round lasts as long as
 * planned even if the machine got busier or quieter meanwhile (each
 * round yields a rate, so rounds need not be equal), but by no more
 * than 4 times at once.
 */
static uint64_t next_count(const struct bench_row *row, uint64_t count,
                           double scale)
{
	uint64_t min = row->kind == BENCH_RTT ? MIN_RTT_SAMPLES : 1;
	uint64_t max = row->kind == BENCH_RTT ? MAX_SAMPLES : MAX_STREAM;
	double next;

	scale = scale < 0.25 ? 0.25 : scale > 4 ? 4 : scale;
	next = (double)count * scale;
	if (next < (double)min)
		return min;
	if (next > (double)max)
		return max;
	return (uint64_t)next;
}

/*
 * Warm-up and calibration: doubles the count until a round is long
 * enough to time (a quarter of a timed round, over at least
 * MIN_CALIBRATE messages, since one message alone may have waited for
 * a preempted peer), then scales the count to fill a timed round.
 */
static bool calibrate(struct bench_session *s, const struct bench_row *row,
                      double round_ns, uint64_t *count)
{
	double warm_ns = s->plan->row_seconds * WARMUP_SHARE * 1e9, spent = 0;
	uint64_t n = 1, max = row->kind == BENCH_RTT ? MAX_SAMPLES : MAX_STREAM;
	int64_t t;

	for (;;) {
		t = run_round(s, row, n);
		if (t < 0)
			return false;
		t = t > 0 ? t : 1;
		spent += (double)t;
		if ((double)t >= round_ns || n >= max)
			break;
		if (n >= MIN_CALIBRATE &&
		    ((double)t >= round_ns / 4 || spent >= warm_ns))
			break;
		n *= 2;
	}
	*count = next_count(row, n, round_ns / (double)t);
	return true;
}

/* The round's figures: MB/s for a stream; median and p99 µs for rtt. */
static void round_figures(struct bench_session *s, const struct bench_row *row,
                          uint64_t count, int64_t ns, double *main, double *p99)
{
	if (row->kind == BENCH_STREAM) {
		*main = (double)row->size * (double)count / ((double)ns / 1e3);
		*p99 = 0;
		return;
	}
	*main = bench_quantile(s->samples, count, 0.5);
	*p99 = bench_quantile(s->samples, count, 0.99);
}

double bench_round_seconds(const struct bench_plan *p)
{
	return p->row_seconds * (1 - WARMUP_SHARE) /
	       (p->rounds + (p->rounds - 1) * REWARM_SHARE);
}

bool bench_measure(struct bench_session *s, struct bench_row *row)
{
	uint64_t rewarm = (uint64_t)((double)row->count * REWARM_SHARE);
	struct bench_noise noise;
	int64_t t;

	if (row->rounds == BENCH_MAX_ROUNDS)
		return true;
	/* A fresh child has cold caches and pages still to fault in. */
	if (row->count == 0) {
		if (!calibrate(s, row, bench_round_seconds(s->plan) * 1e9,
		               &row->count))
			return false;
	} else if (run_round(s, row, rewarm > 0 ? rewarm : 1) < 0) {
		return false;
	}
	bench_noise_begin(s->plan->machine, s->child, &noise);
	t = run_round(s, row, row->count);
	if (t < 0)
		return false;
	bench_noise_add(s->plan->machine, s->child, &noise, &row->others,
	                &row->capacity);
	t = t > 0 ? t : 1;
	round_figures(s, row, row->count, t, &row->mains[row->rounds],
	              &row->p99s[row->rounds]);
	row->rounds++;
	row->count = next_count(row, row->count,
	                        bench_round_seconds(s->plan) * 1e9 / (double)t);
	return true;
}

void bench_finish_row(const struct bench_machine *m, struct bench_row *row)
{
	double sorted[BENCH_MAX_ROUNDS], p99s[BENCH_MAX_ROUNDS];
	size_t n = (size_t)row->rounds;

	if (n == 0)
		return;
	memcpy(sorted, row->mains, n * sizeof(sorted[0]));
	memcpy(p99s, row->p99s, n * sizeof(p99s[0]));
	if (row->kind == BENCH_STREAM) {
		row->mb_s = bench_quantile(sorted, n, 0.5);
		row->msgs_s = row->mb_s * 1e6 / (double)row->size;
		row->spread = bench_spread(row->mains, row->rounds, row->mb_s);
	} else {
		row->median_us = bench_quantile(sorted, n, 0.5);
		row->p99_us = bench_quantile(p99s, n, 0.5);
		row->spread =
			bench_spread(row->mains, row->rounds, row->median_us);
	}
	row->noise = bench_noise_share(m, row->others, row->capacity);
	row->measured = true;
}
