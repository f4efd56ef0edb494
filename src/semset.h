/*
 * semset.h - a System V semaphore set created without the
 * initialisation race, and P/V operations that never block without
 * bound (SPEC §4.5, STYLE §6).  Used by sem-demo and by the shm
 * channel's --sync sem.
 *
 * The race: semget(IPC_CREAT) and the first semctl(SETVAL) are two
 * calls, so a process that opens the set between them finds its
 * semaphores at 0, and one that "initialises" it too late resets a
 * semaphore somebody already holds (TLPI §47.5).  Here only the
 * process whose semget(IPC_CREAT|IPC_EXCL) succeeded initialises the
 * set, and it does so with one semop(), which also sets sem_otime
 * (semctl(SETVAL) does not).  Everyone else waits, bounded, until
 * sem_otime is no longer 0 before touching the set.
 *
 * Usage:
 *
 *	struct semset s;
 *	unsigned short init[] = { 1 };
 *
 *	if (semset_open(&s, key, 1, init, 0600, SEMSET_CREATE_OR_OPEN,
 *	                SEMSET_INIT_WAIT) == -1)
 *		die_errno("semaphore set %#x", (unsigned)key);
 *	if (s.created)
 *		cleanup_sem(s.semid);   (the creator removes it at exit)
 *	if (semset_p(&s, 0, SEM_UNDO, 5.0) == -1) ... errno EAGAIN: timed out
 *	...
 *	semset_v(&s, 0, SEM_UNDO);
 *
 * Every call goes through the traced sys_sem*() wrappers.
 */
#ifndef IPCDEMO_SEMSET_H
#define IPCDEMO_SEMSET_H

#include "ipcdemo.h"

/* How long an opener waits for the creator's initialisation by default. */
#define SEMSET_INIT_WAIT 2.0

enum semset_how {
	SEMSET_CREATE, /* make a new set; EEXIST if the key is taken */
	SEMSET_OPEN,   /* open an existing set; ENOENT if there is none */
	SEMSET_CREATE_OR_OPEN, /* the first process creates, the rest open */
};

struct semset {
	int semid;
	key_t key;
	int nsems;
	bool created;  /* this process made it, so it is the one to remove it */
	double waited; /* seconds an opener waited for the initialisation */
};

/*
 * Creates or opens the set of nsems semaphores under key (see enum
 * semset_how).  The creator sets semaphore i to init[i] (init NULL: all
 * 0) in one semop(); an opener waits up to init_wait seconds for
 * sem_otime to become non-zero.  mode is the permission of a new set
 * and, for an opener, the access it asks for (0600: read and alter).
 * Returns 0, or -1 with errno: EEXIST, ENOENT (see how), ETIMEDOUT (the
 * set exists but was never initialised: its creator died half-way?),
 * EINVAL (the existing set has fewer than nsems semaphores), EINTR (a
 * stop signal came), or what semget/semctl/semop said (EACCES, ...).
 * The caller registers cleanup_sem(s->semid) if s->created.
 */
int semset_open(struct semset *s, key_t key, int nsems,
                const unsigned short *init, mode_t mode, enum semset_how how,
                double init_wait);

/*
 * Adds delta to semaphore num (one semop; flags: SEM_UNDO, IPC_NOWAIT).
 * A negative delta may have to wait: timeout < 0 waits until it can go
 * on or a stop signal comes; timeout >= 0 waits at most that many
 * seconds with semtimedop(), however many ticks interrupt it.  Returns
 * 0, or -1 with errno EAGAIN (timed out, or IPC_NOWAIT), EINTR (stop
 * signal), EIDRM or EINVAL (the set was removed), ...
 */
int semset_op(const struct semset *s, unsigned short num, short delta,
              short flags, double timeout);
/* P (wait, -1) and V (post, +1): semset_op() with delta -1 and +1. */
int semset_p(const struct semset *s, unsigned short num, short flags,
             double timeout);
int semset_v(const struct semset *s, unsigned short num, short flags);

/*
 * For demonstrations (sem-demo mutex --init-delay): a creator sleeps
 * this long between semget() and its initialising semop(), so the
 * openers can be seen waiting for sem_otime.  0 by default.
 */
void semset_set_init_delay(double seconds);

/* The value of semaphore num (GETVAL), or -1 with errno. */
int semset_value(const struct semset *s, unsigned short num);
/* The PID of the last process that operated on num (GETPID), or -1. */
pid_t semset_last_pid(const struct semset *s, unsigned short num);
/* Removes the set (IPC_RMID); 0, or -1 with errno. */
int semset_remove(struct semset *s);

#endif
