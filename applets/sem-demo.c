/*
 * sem-demo - System V semaphores between processes (SPEC §4.5).
 *
 *  order  The tutorial's demo: a semaphore at 0; the child sleeps,
 *         prints and posts (V); the parent waits (P), so its line
 *         always comes second.
 *  mutex  PROCS workers add 1 to a counter in shared memory ITERS times
 *         each, inside P/V, and the count is exact; --no-lock leaves
 *         the P/V out and shows the updates that two workers' load and
 *         store lost.  The workers open the set by its key themselves,
 *         all at the same moment, so the race-free creation of
 *         src/semset.c is seen at work: one creates it, the rest wait
 *         until its creator's first semop() sets sem_otime.
 *  undo   A child takes the semaphore and is killed with SIGKILL.  With
 *         SEM_UNDO the kernel gives it back when the child dies and the
 *         parent goes on; with --no-undo the parent waits in vain
 *         (bounded by semtimedop) and says why.
 *
 * Surprises: the tutorial posts with SEM_UNDO in the child, so the
 * kernel takes the post back when the child exits; and it initialises
 * with semctl(SETVAL) after semget(IPC_CREAT), the race semset.h
 * explains.  The set is removed at the end, and on SIGINT, SIGTERM and
 * SIGHUP, after the children have been stopped and reaped; children
 * die with their parent (PR_SET_PDEATHSIG) should it be killed.
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "semset.h"

static const char usage[] =
	"usage: ipcdemo sem-demo [order] [--delay SECONDS] [OPTIONS]\n"
	"       ipcdemo sem-demo mutex [-p PROCS] [-n ITERS] [--no-lock]\n"
	"                        [--init-delay SECONDS] [OPTIONS]\n"
	"       ipcdemo sem-demo undo [--no-undo] [--timeout SECONDS] [OPTIONS]\n"
	"\n"
	"Show what System V semaphores do between processes: order a parent\n"
	"after its child, guard a shared counter, and see SEM_UNDO at work.\n"
	"\n"
	"  order                  the child prints first and posts; the\n"
	"                         parent waits for it (the default)\n"
	"      --delay SECONDS    how long the child sleeps first (default 1)\n"
	"  mutex                  PROCS processes increment a shared counter\n"
	"  -p, --procs PROCS      how many processes (default 4)\n"
	"  -n, --iterations ITERS increments each (default 100000)\n"
	"      --no-lock          leave out P/V and count the lost updates\n"
	"      --init-delay SECONDS\n"
	"                         the set's creator pauses before initialising\n"
	"                         it, so the others are seen waiting\n"
	"  undo                   a child dies holding the semaphore\n"
	"      --no-undo          the child takes it without SEM_UNDO\n"
	"      --timeout SECONDS  how long the parent waits (default 2)\n"
	"\n"
	"OPTIONS:\n"
	"  -k, --key KEY          the set's key (0x hex or decimal)\n"
	"  -P, --path PATH        make the key with ftok(PATH, C) (default \".\")\n"
	"      --proj C           the ftok project id (default 'z')\n"
	"      --mode OCTAL       the set's permissions (default 0600)\n"
	"      --force            remove a stale set left by a killed run\n"
	"      --trace            print each system call on stderr\n"
	"  -h, --help             print this help\n"
	"\n"
	"Exit status: 0 when the demo went as it should, 1 on an error or a\n"
	"wrong count, 3 when the undo parent stayed stuck (--no-undo).\n";

#define EXIT_STUCK 3
#define SECONDS_MAX 3600.0
#define PROCS_MAX 256
#define ITERS_MAX 1000000000LL
/* How long stopped children get before SIGKILL. */
#define STOP_GRACE 2.0

enum demo { DEMO_ORDER, DEMO_MUTEX, DEMO_UNDO, DEMO_COUNT };
static const char *const demo_names[] = { "order", "mutex", "undo" };

enum {
	OPT_DELAY = OPT_APPLET,
	OPT_NO_LOCK,
	OPT_INIT_DELAY,
	OPT_NO_UNDO,
	OPT_TIMEOUT,
	OPT_FORCE,
};

struct opts {
	enum demo demo;
	struct key_opts ko;
	mode_t mode;
	bool force;
	double delay;      /* order */
	long procs;        /* mutex */
	long long iters;   /* mutex */
	bool no_lock;      /* mutex */
	double init_delay; /* mutex */
	bool no_undo;      /* undo */
	double timeout;    /* undo */
	/* The first option given that belongs to each demo, for errors. */
	const char *option_of[DEMO_COUNT];
};

/* What the mutex workers share, in a MAP_SHARED anonymous mapping. */
struct shared {
	_Atomic uint64_t counter;
	_Atomic int32_t creator; /* the worker that created the set, or 0 */
	_Atomic int32_t semid;
	_Atomic int32_t running; /* workers past the start line */
};

static void note_option(struct opts *o, enum demo d, const char *name)
{
	if (!o->option_of[d])
		o->option_of[d] = name;
}

static void parse_demo(struct opts *o, int argc, char **argv)
{
	if (optind == argc)
		return;
	if (argc - optind > 1)
		usage_error("unexpected argument '%s'", argv[optind + 1]);
	for (int d = 0; d < DEMO_COUNT; d++) {
		if (strcmp(argv[optind], demo_names[d]) == 0) {
			o->demo = (enum demo)d;
			return;
		}
	}
	usage_error("unknown demo '%s' (order, mutex or undo)", argv[optind]);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		KEY_LONG_OPTIONS,
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "delay", required_argument, NULL, OPT_DELAY },
		{ "procs", required_argument, NULL, 'p' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "no-lock", no_argument, NULL, OPT_NO_LOCK },
		{ "init-delay", required_argument, NULL, OPT_INIT_DELAY },
		{ "no-undo", no_argument, NULL, OPT_NO_UNDO },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":" KEY_OPTIONS "p:n:h", longopts,
	                        NULL)) != -1) {
		if (key_opts_parse(&o->ko, c, optarg))
			continue;
		switch (c) {
		case OPT_MODE:
			o->mode = parse_mode(optarg);
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case OPT_DELAY:
			o->delay = parse_seconds(optarg, SECONDS_MAX, "delay");
			note_option(o, DEMO_ORDER, "--delay");
			break;
		case 'p':
			o->procs = (long)parse_num(optarg, 1, PROCS_MAX,
			                           "process count");
			note_option(o, DEMO_MUTEX, "-p");
			break;
		case 'n':
			o->iters = parse_num(optarg, 1, ITERS_MAX,
			                     "iteration count");
			note_option(o, DEMO_MUTEX, "-n");
			break;
		case OPT_NO_LOCK:
			o->no_lock = true;
			note_option(o, DEMO_MUTEX, "--no-lock");
			break;
		case OPT_INIT_DELAY:
			o->init_delay = parse_seconds(optarg, 60, "init delay");
			note_option(o, DEMO_MUTEX, "--init-delay");
			break;
		case OPT_NO_UNDO:
			o->no_undo = true;
			note_option(o, DEMO_UNDO, "--no-undo");
			break;
		case OPT_TIMEOUT:
			o->timeout =
				parse_seconds(optarg, SECONDS_MAX, "timeout");
			note_option(o, DEMO_UNDO, "--timeout");
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	parse_demo(o, argc, argv);
	for (int d = 0; d < DEMO_COUNT; d++)
		if (d != (int)o->demo && o->option_of[d])
			usage_error("%s goes with 'sem-demo %s'",
			            o->option_of[d], demo_names[d]);
}

/* ---- the set ---- */

/* A live process that last operated on one of the semaphores, or 0. */
static pid_t live_user(const struct semset *s)
{
	for (int i = 0; i < s->nsems; i++) {
		pid_t pid = semset_last_pid(s, (unsigned short)i);

		if (pid_alive(pid))
			return pid;
	}
	return 0;
}

/*
 * The key is taken by a set.  A set whose processes have all gone is
 * stale: --force removes it if we made it.  Anything else: die saying
 * so.  A set records no creator PID, so "gone" means that the last
 * process to operate on each semaphore (GETPID) no longer exists and
 * nobody is waiting on it.
 */
static void reclaim_stale(const struct opts *o, key_t key)
{
	union semun arg;
	struct semid_ds ds;
	struct semset s = { .key = key };
	pid_t user;
	int waiting = 0;

	s.semid = sys_semget(key, 0, 0);
	if (s.semid == -1 && errno == ENOENT)
		return;
	arg.buf = &ds;
	if (s.semid == -1 || sys_semctl(s.semid, 0, IPC_STAT, arg) == -1)
		die_errno("key %#x is taken by a semaphore set we may not "
		          "look at",
		          (unsigned)key);
	s.nsems = (int)ds.sem_nsems;
	user = live_user(&s);
	for (int i = 0; i < s.nsems; i++) {
		arg.val = 0;
		waiting += sys_semctl(s.semid, i, GETNCNT, arg) > 0;
		waiting += sys_semctl(s.semid, i, GETZCNT, arg) > 0;
	}
	if (user)
		die("semaphore set %d on key %#x is in use (by PID %d); "
		    "choose another key with -k",
		    s.semid, (unsigned)key, (int)user);
	if (waiting)
		die("semaphore set %d on key %#x is in use (processes wait on "
		    "it); choose another key with -k",
		    s.semid, (unsigned)key);
	if (!o->force)
		die("stale semaphore set %d on key %#x: the processes that used "
		    "it are gone; remove it with: ipcrm -s %d (or run with "
		    "--force)",
		    s.semid, (unsigned)key, s.semid);
	if (ds.sem_perm.cuid != geteuid())
		die("stale semaphore set %d was made by uid %u, not by you: "
		    "not removing it; its owner can: ipcrm -s %d",
		    s.semid, (unsigned)ds.sem_perm.cuid, s.semid);
	if (semset_remove(&s) == -1 && errno != EINVAL && errno != EIDRM)
		die_errno("remove stale semaphore set %d", s.semid);
	printf("removed stale semaphore set %d\n", s.semid);
}

/* A new set for order and undo; registered for removal at exit. */
static struct semset create_set(const struct opts *o, key_t key,
                                unsigned short value)
{
	struct semset s;

	for (int tries = 0; tries < 3; tries++) {
		if (semset_open(&s, key, 1, &value, o->mode, SEMSET_CREATE,
		                0) == 0) {
			cleanup_sem(s.semid);
			return s;
		}
		if (errno == EINTR)
			exit(stop_exit_status());
		if (errno != EEXIST)
			die_errno("create semaphore set with key %#x",
			          (unsigned)key);
		reclaim_stale(o, key);
	}
	die("key %#x: the semaphore set keeps coming back", (unsigned)key);
}

/* ---- children ---- */

static noreturn void child_exit(int status)
{
	fflush(stdout);
	_exit(stop_signal() ? stop_exit_status() : status);
}

static void signal_all(const pid_t *pids, const int *statuses, size_t n,
                       int sig)
{
	for (size_t i = 0; i < n; i++)
		if (statuses[i] == -1)
			sys_kill(pids[i], sig);
}

/*
 * Reaps the n children, their statuses to statuses[] (-1: not yet).
 * On a stop signal it passes SIGTERM on, so they stop where they are
 * (a worker that has just created the set still says so), and after
 * STOP_GRACE seconds it kills what is left.  No child outlives this.
 */
static void reap_children(const pid_t *pids, int *statuses, size_t n)
{
	size_t left = n;
	double asked = 0;

	for (size_t i = 0; i < n; i++)
		statuses[i] = -1;
	tick_arm();
	while (left > 0) {
		int status;
		pid_t pid = sys_waitpid(-1, &status, 0);

		for (size_t i = 0; pid > 0 && i < n; i++) {
			if (pids[i] == pid) {
				statuses[i] = status;
				left--;
			}
		}
		if (pid > 0)
			continue;
		if (errno != EINTR)
			die_errno("waitpid");
		if (stop_signal() && asked == 0) {
			signal_all(pids, statuses, n, SIGTERM);
			asked = monotonic_seconds();
		} else if (asked > 0 &&
		           monotonic_seconds() - asked > STOP_GRACE) {
			signal_all(pids, statuses, n, SIGKILL);
		}
	}
	tick_disarm();
}

static int reap_one(pid_t pid)
{
	int status;

	reap_children(&pid, &status, 1);
	return status;
}

static void report_child(pid_t pid, int status)
{
	char how[64];

	printf("child %d %s\n", (int)pid,
	       describe_wait_status(status, how, sizeof(how)));
}

/* ---- order ---- */

static noreturn void order_child(const struct opts *o, const struct semset *s,
                                 pid_t parent)
{
	follow_parent(parent);
	printf("child %d: sleeping %g s before posting\n", (int)getpid(),
	       o->delay);
	if (!sleep_seconds(o->delay))
		child_exit(EXIT_FAILURE);
	printf("child %d: runs first, then posts (V)\n", (int)getpid());
	fflush(stdout);
	if (semset_v(s, 0, 0) == -1) {
		warning_errno("child %d: semop", (int)getpid());
		child_exit(EXIT_FAILURE);
	}
	child_exit(EXIT_SUCCESS);
}

static int order_demo(const struct opts *o, key_t key)
{
	struct semset s = create_set(o, key, 0);
	pid_t self = getpid(), child;
	int status;

	printf("key %#x (%s): semaphore set %d, one semaphore at 0\n",
	       (unsigned)key, key_opts_origin(&o->ko), s.semid);
	printf("parent %d: forks a child, then waits (P) until it posts\n",
	       (int)self);
	child = xfork();
	if (child == 0)
		order_child(o, &s, self);
	/* Bounded, so a child that dies without posting is noticed. */
	while (semset_p(&s, 0, 0, 1.0) == -1) {
		if (errno == EAGAIN &&
		    sys_waitpid(child, &status, WNOHANG) == child) {
			report_child(child, status);
			die("the child ended without posting");
		}
		if (errno == EINTR) {
			reap_one(child);
			return EXIT_FAILURE;
		}
		if (errno != EAGAIN)
			die_errno("semtimedop on set %d", s.semid);
	}
	printf("parent %d: P returned, so it runs second\n", (int)self);
	status = reap_one(child);
	report_child(child, status);
	printf("removing semaphore set %d\n", s.semid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS
	                                                     : EXIT_FAILURE;
}

/* ---- mutex ---- */

/* The lost update: a load and a store, not an atomic increment. */
static void increment(struct shared *sh)
{
	uint64_t v = atomic_load_explicit(&sh->counter, memory_order_relaxed);

	atomic_store_explicit(&sh->counter, v + 1, memory_order_relaxed);
}

/*
 * Semaphore 0 is the lock, at 1.  Semaphore 1 is the start line, at
 * PROCS: each worker takes 1 from it and waits for zero, so they all
 * start counting at the same moment, as they would not after forks.
 */
enum { SEM_LOCK, SEM_START, SEM_COUNT };
#define START_WAIT 10.0

static void open_worker_set(const struct opts *o, key_t key, struct shared *sh,
                            struct semset *s)
{
	unsigned short init[SEM_COUNT] = { 1, (unsigned short)o->procs };
	pid_t self = getpid();

	if (semset_open(s, key, SEM_COUNT, init, o->mode, SEMSET_CREATE_OR_OPEN,
	                SEMSET_INIT_WAIT + o->init_delay) == -1) {
		if (errno != EINTR)
			warning_errno("worker %d: semaphore set with key %#x",
			              (int)self, (unsigned)key);
		child_exit(EXIT_FAILURE);
	}
	if (s->created) {
		atomic_store(&sh->semid, s->semid);
		atomic_store(&sh->creator, self);
		printf("worker %d: created semaphore set %d: lock at 1, start "
		       "line at %ld\n",
		       (int)self, s->semid, o->procs);
	} else {
		printf("worker %d: opened semaphore set %d after waiting "
		       "%.1f ms for its creator to initialise it\n",
		       (int)self, s->semid, s->waited * 1000);
	}
}

/* At the start line: -1, then wait until everyone has done so. */
static void wait_for_start(const struct semset *s)
{
	if (semset_op(s, SEM_START, -1, 0, START_WAIT) == 0 &&
	    semset_op(s, SEM_START, 0, 0, START_WAIT) == 0)
		return;
	if (errno == EINTR)
		child_exit(EXIT_FAILURE);
	warning_errno("worker %d: at the start line", (int)getpid());
}

/*
 * Woken from the start line one by one, the first worker could be done
 * before the last runs.  Spinning until all are awake makes them count
 * at the same time, when CPUs are free, which --no-lock needs to show.
 */
static void line_up(struct shared *sh, long procs)
{
	double give_up = monotonic_seconds() + START_WAIT;

	atomic_fetch_add(&sh->running, 1);
	while (atomic_load(&sh->running) < procs && !stop_signal() &&
	       monotonic_seconds() < give_up)
		sched_yield();
}

static noreturn void worker(const struct opts *o, key_t key, int start_fd,
                            struct shared *sh, pid_t parent)
{
	bool lock = !o->no_lock, failed = false;
	struct semset s;
	char byte;

	follow_parent(parent);
	/* EOF on the start pipe lets every worker go at the same moment. */
	if (read_full(start_fd, &byte, 1) != 0)
		child_exit(EXIT_FAILURE);
	xclose(start_fd);
	open_worker_set(o, key, sh, &s);
	wait_for_start(&s);
	line_up(sh, o->procs);
	for (long long i = 0; i < o->iters && !failed && !stop_signal(); i++) {
		/* SEM_UNDO: a worker killed inside would not block the rest. */
		if (lock && semset_p(&s, SEM_LOCK, SEM_UNDO, -1) == -1) {
			failed = true;
			break;
		}
		atomic_thread_fence(memory_order_acquire);
		increment(sh);
		atomic_thread_fence(memory_order_release);
		failed = lock && semset_v(&s, SEM_LOCK, SEM_UNDO) == -1;
	}
	if (stop_signal())
		child_exit(EXIT_FAILURE);
	if (failed) {
		warning_errno("worker %d: semop", (int)getpid());
		child_exit(EXIT_FAILURE);
	}
	child_exit(EXIT_SUCCESS);
}

/* Removes the set if one of our workers made it; false if none did. */
static bool remove_worker_set(const struct shared *sh, const pid_t *pids,
                              size_t n)
{
	pid_t creator = atomic_load(&sh->creator);

	for (size_t i = 0; creator && i < n; i++) {
		if (pids[i] == creator) {
			cleanup_sem(atomic_load(&sh->semid));
			return true;
		}
	}
	return false;
}

static int report_count(const struct opts *o, const struct shared *sh)
{
	uint64_t count = atomic_load(&sh->counter);
	uint64_t expected = (uint64_t)o->procs * (uint64_t)o->iters;

	if (count == expected) {
		printf("counter = %" PRIu64 ", expected %" PRIu64 ": exact%s\n",
		       count, expected,
		       o->no_lock ? " (no update was lost this time)" : "");
		return EXIT_SUCCESS;
	}
	printf("counter = %" PRIu64 ", expected %" PRIu64 ": %" PRIu64
	       " updates lost\n",
	       count, expected, expected - count);
	return o->no_lock ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Takes the key, or dies; the workers then race to create the set. */
static void claim_key(const struct opts *o, key_t key)
{
	int id = sys_semget(key, 0, 0);

	if (id == -1 && errno == ENOENT)
		return;
	reclaim_stale(o, key);
}

static int mutex_demo(const struct opts *o, key_t key)
{
	size_t n = (size_t)o->procs;
	pid_t self = getpid();
	pid_t *pids = calloc(n, sizeof(*pids));
	int *statuses = calloc(n, sizeof(*statuses));
	struct shared *sh;
	int start[2], rc = EXIT_FAILURE, failures = 0;

	if (!pids || !statuses)
		die("out of memory");
	claim_key(o, key);
	sh = sys_mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
	              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		die_errno("mmap");
	semset_set_init_delay(o->init_delay);
	printf("key %#x (%s): %ld processes add 1 to a shared counter %lld "
	       "times each, %s\n",
	       (unsigned)key, key_opts_origin(&o->ko), o->procs, o->iters,
	       o->no_lock ? "with no lock (--no-lock)"
	                  : "each time inside P and V");
	xpipe(start);
	for (size_t i = 0; i < n; i++) {
		pids[i] = xfork();
		if (pids[i] == 0) {
			xclose(start[1]);
			worker(o, key, start[0], sh, self);
		}
	}
	xclose(start[0]);
	xclose(start[1]); /* go */
	reap_children(pids, statuses, n);
	if (!remove_worker_set(sh, pids, n))
		warning("no worker created the semaphore set; not removing it");
	for (size_t i = 0; i < n; i++)
		failures += !WIFEXITED(statuses[i]) || WEXITSTATUS(statuses[i]);
	if (!stop_signal() && failures)
		warning("%d of %ld workers failed", failures, o->procs);
	else if (!stop_signal())
		rc = report_count(o, sh);
	if (atomic_load(&sh->creator))
		printf("removing semaphore set %d\n", atomic_load(&sh->semid));
	sys_munmap(sh, sizeof(*sh));
	free(pids);
	free(statuses);
	return rc;
}

/* ---- undo ---- */

static noreturn void undo_child(const struct opts *o, const struct semset *s,
                                int ready_fd, pid_t parent)
{
	short flags = o->no_undo ? 0 : SEM_UNDO;

	follow_parent(parent);
	if (semset_p(s, 0, flags, -1) == -1)
		child_exit(EXIT_FAILURE);
	printf("child %d: took the semaphore (P, %s) and waits to be "
	       "killed\n",
	       (int)getpid(), o->no_undo ? "without SEM_UNDO" : "SEM_UNDO");
	fflush(stdout);
	if (write_full(ready_fd, "x", 1) == -1)
		child_exit(EXIT_FAILURE);
	while (sleep_seconds(SECONDS_MAX))
		;
	child_exit(EXIT_FAILURE);
}

static int explain_stuck(const struct opts *o, const struct semset *s,
                         pid_t child)
{
	int value = semset_value(s, 0);
	pid_t last = semset_last_pid(s, 0);

	printf("parent %d: still stuck after %g s: the semaphore is %d, last "
	       "taken by PID %d%s\n",
	       (int)getpid(), o->timeout, value, (int)last,
	       last == child ? " (the dead child)" : "");
	printf("parent %d: without SEM_UNDO the kernel does not give back "
	       "what a dead process took, and no one else will post it\n",
	       (int)getpid());
	return EXIT_STUCK;
}

static int undo_demo(const struct opts *o, key_t key)
{
	struct semset s = create_set(o, key, 1);
	pid_t self = getpid(), child;
	int ready[2], status;
	char byte;

	printf("key %#x (%s): semaphore set %d, one semaphore at 1 (free)\n",
	       (unsigned)key, key_opts_origin(&o->ko), s.semid);
	xpipe(ready);
	child = xfork();
	if (child == 0) {
		xclose(ready[0]);
		undo_child(o, &s, ready[1], self);
	}
	xclose(ready[1]);
	if (read_full(ready[0], &byte, 1) != 1) {
		status = reap_one(child);
		if (stop_signal())
			return EXIT_FAILURE;
		report_child(child, status);
		die("the child ended before it took the semaphore");
	}
	xclose(ready[0]);
	printf("parent %d: kills child %d (SIGKILL) while it holds the "
	       "semaphore\n",
	       (int)self, (int)child);
	sys_kill(child, SIGKILL);
	report_child(child, reap_one(child));
	printf("parent %d: waits (P) at most %g s\n", (int)self, o->timeout);
	if (semset_p(&s, 0, 0, o->timeout) == 0) {
		printf("parent %d: took the semaphore: %s\n", (int)self,
		       o->no_undo ? "someone posted it"
		                  : "the kernel undid the dead child's P "
		                    "(SEM_UNDO)");
		printf("removing semaphore set %d\n", s.semid);
		return o->no_undo ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (errno == EINTR)
		return EXIT_FAILURE;
	if (errno != EAGAIN)
		die_errno("semtimedop on set %d", s.semid);
	status = explain_stuck(o, &s, child);
	printf("removing semaphore set %d\n", s.semid);
	return status;
}

int sem_demo_main(int argc, char **argv)
{
	struct opts o = { .demo = DEMO_ORDER,
		          .ko = KEY_OPTS_INIT,
		          .mode = DEFAULT_MODE,
		          .delay = 1,
		          .procs = 4,
		          .iters = 100000,
		          .timeout = 2 };
	key_t key;

	parse_opts(argc, argv, &o);
	key = key_opts_resolve(&o.ko);
	switch (o.demo) {
	case DEMO_MUTEX:
		return mutex_demo(&o, key);
	case DEMO_UNDO:
		return undo_demo(&o, key);
	default:
		return order_demo(&o, key);
	}
}
