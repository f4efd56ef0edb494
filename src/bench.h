/*
 * bench.h - what the files of the bench applet share (SPEC §4.7).
 *
 * A mechanism is one struct bench_mech: its name, which kinds of row it
 * measures, the reference row it is compared with, and five hooks that
 * move one message.  The harness (bench_run.c) does everything else:
 * it forks one child per mechanism, pins both processes, warms up,
 * calibrates, times the rounds and watches /proc/stat.
 *
 * Adding a mechanism (the shm and msg channels, say):
 *   1. write its hooks in a src/bench_*.c file, calling the channel's
 *      own code, and define a const struct bench_mech there;
 *   2. declare it at the end of this file;
 *   3. add it to mechanisms[] in applets/bench.c.
 * Objects it makes in open() go in the cleanup list (cleanup_msq() and
 * friends, or the channel's own registration): the harness removes
 * whatever was registered since the mechanism opened, when it is done
 * with it or when the run is interrupted.  close() then only frees
 * memory and closes descriptors; it must not remove those objects a
 * second time (a System V id may already name someone else's object).
 *
 * A channel entry is small; for the shm channel's futex mode, say:
 *
 *	static int shm_send(void *chan, const void *buf, size_t size)
 *	{
 *		return shm_channel_send(chan, buf, size);   (its own code)
 *	}
 *	...
 *	const struct bench_mech bench_shm_futex = {
 *		.name = "shm-futex", .summary = "...",
 *		.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
 *		.stream_ref = "raw-pipe", .rtt_ref = "spin-floor",
 *		.cannot_carry = NULL (it splits), .open = shm_open_futex,
 *		.attach = shm_attach, .send = shm_send, .recv = shm_recv,
 *		.close = shm_close,
 *	};
 *
 * and shm-futex-nospin is the same with an open() that sets spin 0.
 */
#ifndef IPCDEMO_BENCH_H
#define IPCDEMO_BENCH_H

#include <sys/types.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum bench_kind { BENCH_STREAM, BENCH_RTT };
#define BENCH_KIND_STREAM (1u << BENCH_STREAM)
#define BENCH_KIND_RTT (1u << BENCH_RTT)

enum bench_side { BENCH_PARENT, BENCH_CHILD };

/* What a mechanism's open() is told. */
struct bench_params {
	size_t max_size; /* the largest message it will be asked to move */
	bool one_cpu;    /* both processes share a CPU: spinners must yield */
	long spin_us;    /* --spin: the shm channel's futex-mode spin */
};

struct bench_mech {
	const char *name;    /* SPEC §4.7, the JSON "mechanism" */
	const char *summary; /* for --help and the man page */
	unsigned kinds;      /* BENCH_KIND_STREAM and/or BENCH_KIND_RTT */
	/* One process, no child: send() is the whole job (memcpy). */
	bool solo;
	/* Its round trip moves no data (the floors): its rtt size is 0. */
	bool payload_free;
	/* The row its figures are divided by, or NULL.  Stream rows are
	 * also always shown against memcpy at the same size. */
	const char *stream_ref;
	const char *rtt_ref;
	/* One more stream size of its own (memcpy's 64 MiB), or 0. */
	size_t extra_size;

	/* NULL if it can carry size-byte messages, else why not. */
	const char *(*cannot_carry)(size_t size);
	/*
	 * In the parent, before the fork: makes the objects for messages
	 * of up to p->max_size bytes and returns the mechanism's state.
	 * Fails with die(); registers what it creates for cleanup.
	 */
	void *(*open)(const struct bench_params *p);
	/* In each process after the fork: keep its ends, drop the rest. */
	void (*attach)(void *chan, enum bench_side side, pid_t peer);
	/*
	 * Move one whole message of size bytes: the parent sends and the
	 * child receives in a stream; in a round trip the parent sends and
	 * receives, the child receives and sends back.  Return 0, or -1
	 * with errno set (0 when the peer has gone).  On EINTR a hook
	 * retries unless bench_interrupted() says to give up.
	 */
	int (*send)(void *chan, const void *buf, size_t size);
	int (*recv)(void *chan, void *buf, size_t size);
	/* In the parent, after the child is reaped: frees the state. */
	void (*close)(void *chan);
};

/* ---- bench_machine.c: CPUs, pinning, and other programs' use ---- */

struct bench_machine {
	int cpus;     /* CPUs this process may run on */
	bool pinned;  /* parent and child each bound to one CPU */
	bool one_cpu; /* both on the same CPU (--same-cpu, or only one) */
	int cpu_parent, cpu_child;
	cpu_set_t watch; /* the CPUs whose busy time is compared */
	int watch_count;
	char kernel[128];
	char model[128];
	char date[32];
};

/* Fills *m and pins the calling process (the parent). */
void bench_machine_probe(struct bench_machine *m, bool same_cpu);
/* In the child: binds it to its CPU. */
void bench_machine_pin_child(const struct bench_machine *m);

struct bench_noise {
	uint64_t busy_ticks; /* non-idle ticks of the watched CPUs */
	double ours;         /* CPU seconds of parent and child */
	double wall;
};
void bench_noise_begin(const struct bench_machine *m, pid_t child,
                       struct bench_noise *n);
/*
 * Adds what other programs used of the watched CPUs since begin, and
 * what the CPUs could give in that time, to *others and *capacity
 * (seconds); bench_noise_share() turns the sums into a share, 0..1.
 */
void bench_noise_add(const struct bench_machine *m, pid_t child,
                     const struct bench_noise *n, double *others,
                     double *capacity);
double bench_noise_share(const struct bench_machine *m, double others,
                         double capacity);
/* Above this share a row is marked: its figures are distorted. */
#define BENCH_NOISE_WARN 0.05

/* ---- bench_run.c: the two processes and the rounds ---- */

#define BENCH_MAX_ROUNDS 25

struct bench_row {
	const struct bench_mech *mech;
	enum bench_kind kind;
	size_t size;
	const char *na; /* not measured: why (and left out of JSON/CSV) */
	/* Gathered round by round, one round each pass: */
	uint64_t count; /* messages a round, set by the first warm-up */
	int rounds;
	double mains[BENCH_MAX_ROUNDS]; /* MB/s, or median µs */
	double p99s[BENCH_MAX_ROUNDS];  /* µs */
	double others, capacity;        /* bench_noise_add() sums */
	/* Then bench_finish_row(): */
	bool measured;
	double mb_s, msgs_s;      /* stream, MB = 10^6 bytes */
	double median_us, p99_us; /* rtt */
	double spread; /* (max - min) / median of the rounds' main figure */
	double noise;  /* the share of the CPUs other programs used */
};

/*
 * The run is a few passes over every mechanism, each pass one timed
 * round of every row, so that the rounds of a channel and of its
 * reference are spread over the same stretch of time and a load that
 * comes and goes meets both alike.
 */
struct bench_plan {
	const struct bench_machine *machine;
	double row_seconds; /* time budget of one row, all passes */
	int rounds;         /* passes, so timed rounds of each row */
	long spin_us;       /* --spin, for bench_params */
};

struct bench_session;

/* Opens the mechanism and forks its child; dies on failure. */
struct bench_session *bench_session_start(const struct bench_mech *m,
                                          const struct bench_plan *plan,
                                          size_t max_size);
/*
 * One more round of the row, after a warm-up (in the first pass, the
 * warm-up also sets the count); false if a stop signal came.
 */
bool bench_measure(struct bench_session *s, struct bench_row *row);
/* Ends the child (asks it, or kills it if abort) and closes the mechanism. */
void bench_session_end(struct bench_session *s, bool abort);
/* For the hooks, after EINTR: a stop signal came or the peer has gone. */
bool bench_interrupted(void);
/* The length of a timed round: the row's budget less its warm-ups. */
double bench_round_seconds(const struct bench_plan *p);
/* After the last pass: the medians, the spread and the noise share. */
void bench_finish_row(const struct bench_machine *m, struct bench_row *row);

/* ---- bench_stats.c ---- */

/* The q-quantile (0..1) of v[0..n), nearest rank; reorders v. */
double bench_quantile(double *v, size_t n, double q);
/* (max - min) / median of v[0..n): how far apart the rounds were. */
double bench_spread(const double *v, int n, double median);

/* ---- bench_report.c: table, JSON, CSV ---- */

struct bench_report {
	const struct bench_machine *machine;
	const struct bench_plan *plan;
	const struct bench_row *rows;
	size_t count;
};

/* "64 B", "4 KiB", "1 MiB", "1000 B" */
const char *bench_size_text(size_t size, char *buf, size_t len);
/* The measured row of that mechanism, kind and size, or NULL. */
const struct bench_row *bench_find_row(const struct bench_report *r,
                                       const char *mech, enum bench_kind kind,
                                       size_t size);
void bench_print_table(FILE *out, const struct bench_report *r);
void bench_print_json(FILE *out, const struct bench_report *r);
void bench_print_csv(FILE *out, const struct bench_report *r);

/* ---- bench_plot.c: --plot ---- */

/* Writes the throughput chart as SVG; false (errno set) on error. */
bool bench_write_svg(const char *path, const struct bench_report *r);

/* ---- the mechanisms ---- */

/* bench_floor.c: the physical limits, made with libc directly */
extern const struct bench_mech bench_memcpy;
extern const struct bench_mech bench_spin_floor;
extern const struct bench_mech bench_futex_floor;
extern const struct bench_mech bench_raw_signal;
/* bench_fd.c: pipes and FIFOs, through src/io.c and raw */
extern const struct bench_mech bench_pipe;
extern const struct bench_mech bench_fifo;
extern const struct bench_mech bench_raw_pipe;
/* bench_sysv.c: System V, raw */
extern const struct bench_mech bench_raw_msg;
extern const struct bench_mech bench_raw_sem;
/* bench_msg.c: the message-queue channel */
extern const struct bench_mech bench_msg;
/* bench_shm.c: the shared-memory channel, in each sync mode */
extern const struct bench_mech bench_shm_signal;
extern const struct bench_mech bench_shm_sem;
extern const struct bench_mech bench_shm_futex;
extern const struct bench_mech bench_shm_futex_nospin;
/* bench_mmap.c, bench_signal.c: mmap-demo's file channel, and signals */
extern const struct bench_mech bench_mmap;
extern const struct bench_mech bench_signal;
/* --mmap-dir: where the mmap row's file goes; dies if it cannot. */
void bench_mmap_set_dir(const char *dir);

#endif
