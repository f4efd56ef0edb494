/*
 * semset.c - race-free creation of a System V semaphore set, and P/V
 * with bounded waits; the API and the reasons are in semset.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "semset.h"

/* Polling for sem_otime starts fast and backs off to this interval. */
#define POLL_FIRST 0.001
#define POLL_MAX 0.05

static double init_delay;

void semset_set_init_delay(double seconds)
{
	init_delay = seconds;
}

static struct timespec to_timespec(double seconds)
{
	struct timespec ts;

	if (seconds < 0)
		seconds = 0;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	return ts;
}

/*
 * The creator's one semop: +init[i] on every semaphore that starts
 * above 0, or a wait-for-zero with IPC_NOWAIT (which succeeds at once on
 * a new set) when all start at 0.  Either way sem_otime is set.
 */
static int initialise(const struct semset *s, const unsigned short *init)
{
	struct sembuf *ops = calloc((size_t)s->nsems, sizeof(*ops));
	size_t count = 0;
	int rc;

	if (!ops)
		die("out of memory");
	for (int i = 0; init && i < s->nsems; i++)
		if (init[i] > 0)
			ops[count++] =
				(struct sembuf){ .sem_num = (unsigned short)i,
				                 .sem_op = (short)init[i] };
	if (count == 0)
		ops[count++] = (struct sembuf){ .sem_num = 0,
			                        .sem_op = 0,
			                        .sem_flg = IPC_NOWAIT };
	do
		rc = sys_semop(s->semid, ops, count);
	while (rc == -1 && errno == EINTR && !stop_signal());
	free(ops);
	return rc;
}

static int create(struct semset *s, const unsigned short *init, mode_t mode)
{
	union semun unused = { 0 };
	int saved;

	s->semid = sys_semget(s->key, s->nsems, IPC_CREAT | IPC_EXCL | mode);
	if (s->semid == -1)
		return -1;
	if (init_delay > 0 && !sleep_seconds(init_delay))
		errno = EINTR;
	else if (initialise(s, init) == 0) {
		s->created = true;
		return 0;
	}
	/* Half-made: take it away again, or openers would wait in vain. */
	saved = errno;
	sys_semctl(s->semid, 0, IPC_RMID, unused);
	errno = saved;
	return -1;
}

/* 1 once sem_otime is set, 0 while it is not, -1 on error. */
static int initialised(const struct semset *s)
{
	struct semid_ds ds;
	union semun arg = { .buf = &ds };

	if (sys_semctl(s->semid, 0, IPC_STAT, arg) == -1)
		return -1;
	return ds.sem_otime != 0;
}

/*
 * Opens the existing set and waits for its creator's first semop.
 * ENOENT, EIDRM and EINVAL from IPC_STAT mean the set went away while we
 * looked; the caller may then try to create it again.
 */
static int open_existing(struct semset *s, mode_t mode, double init_wait)
{
	double start = monotonic_seconds(), pause = POLL_FIRST;
	int ready;

	s->semid = sys_semget(s->key, s->nsems, mode & 0777);
	if (s->semid == -1)
		return -1;
	while ((ready = initialised(s)) == 0) {
		double waited = monotonic_seconds() - start;

		if (waited >= init_wait) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (pause > init_wait - waited)
			pause = init_wait - waited;
		if (!sleep_seconds(pause)) {
			errno = EINTR;
			return -1;
		}
		pause = pause * 2 < POLL_MAX ? pause * 2 : POLL_MAX;
	}
	s->waited = monotonic_seconds() - start;
	return ready == 1 ? 0 : -1;
}

int semset_open(struct semset *s, key_t key, int nsems,
                const unsigned short *init, mode_t mode, enum semset_how how,
                double init_wait)
{
	*s = (struct semset){ .semid = -1, .key = key, .nsems = nsems };
	for (;;) {
		if (how != SEMSET_OPEN) {
			if (create(s, init, mode) == 0)
				return 0;
			if (errno != EEXIST || how == SEMSET_CREATE)
				return -1;
		}
		if (open_existing(s, mode, init_wait) == 0)
			return 0;
		/* Gone between our two looks: whoever comes next creates it. */
		if (how == SEMSET_CREATE_OR_OPEN &&
		    (errno == ENOENT || errno == EIDRM ||
		     (errno == EINVAL && s->semid != -1)))
			continue;
		return -1;
	}
}

int semset_op(const struct semset *s, unsigned short num, short delta,
              short flags, double timeout)
{
	struct sembuf op = { .sem_num = num,
		             .sem_op = delta,
		             .sem_flg = flags };
	struct timespec ts;
	double deadline;

	if (timeout < 0) {
		while (sys_semop(s->semid, &op, 1) == -1)
			if (errno != EINTR || stop_signal())
				return -1;
		return 0;
	}
	/* An absolute deadline, so the one-second ticks do not stretch it. */
	deadline = monotonic_seconds() + timeout;
	ts = to_timespec(timeout);
	while (sys_semtimedop(s->semid, &op, 1, &ts) == -1) {
		double left;

		if (errno != EINTR || stop_signal())
			return -1;
		left = deadline - monotonic_seconds();
		if (left <= 0) {
			errno = EAGAIN;
			return -1;
		}
		ts = to_timespec(left);
	}
	return 0;
}

int semset_p(const struct semset *s, unsigned short num, short flags,
             double timeout)
{
	return semset_op(s, num, -1, flags, timeout);
}

int semset_v(const struct semset *s, unsigned short num, short flags)
{
	return semset_op(s, num, +1, flags, -1);
}

int semset_value(const struct semset *s, unsigned short num)
{
	union semun unused = { 0 };

	return sys_semctl(s->semid, num, GETVAL, unused);
}

pid_t semset_last_pid(const struct semset *s, unsigned short num)
{
	union semun unused = { 0 };

	return sys_semctl(s->semid, num, GETPID, unused);
}

int semset_remove(struct semset *s)
{
	union semun unused = { 0 };
	int rc = sys_semctl(s->semid, 0, IPC_RMID, unused);

	if (rc == 0)
		s->created = false;
	return rc;
}
