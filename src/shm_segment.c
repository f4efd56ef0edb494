/*
 * shm_segment.c - System V segments (and semaphore sets) for the shm
 * channel: creating, recognising what is already there, attaching.
 *
 * A System V object outlives its creator (svipc(7)), so the server's
 * IPC_EXCL can fail on a segment from an earlier run.  What is there
 * decides what happens: a channel whose server still runs is left
 * alone ("server already running"); one whose server is gone is stale
 * and is removed only on --force; anything else is someone else's and
 * is never removed.  Only the magic, version and sizes say "ours": the
 * key alone proves nothing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"
#include "semset.h"
#include "shm_segment.h"

#define SHM_NSEMS 2
#define SETUP_WAIT_TRIES 40 /* x 50 ms: how long a server may take */

static void pause_briefly(void)
{
	sleep_seconds(0.05);
}

/* ---- the semaphore set of sem mode ---- */

/* The set under key, if there is one: its id, else -1. */
static int find_sem_set(key_t key)
{
	return key == IPC_PRIVATE ? -1 : sys_semget(key, 0, 0);
}

/*
 * A set under our key while we hold a fresh segment: no server can be
 * using it, unless the segment was removed under a running one.  The
 * server's first semop leaves its PID as semaphore 0's sempid.
 */
static void reclaim_sem_set(key_t key, int semid, bool force)
{
	union semun arg = { 0 };
	struct semid_ds ds;
	int pid;

	arg.buf = &ds;
	if (sys_semctl(semid, 0, IPC_STAT, arg) == -1)
		die_errno("semctl(semid=%d, IPC_STAT)", semid);
	if (ds.sem_nsems != SHM_NSEMS)
		die("key %#x is taken by semaphore set %d, which is not an "
		    "ipcdemo one (%lu semaphores); not touching it",
		    (unsigned)key, semid, (unsigned long)ds.sem_nsems);
	pid = sys_semctl(semid, 0, GETPID, arg);
	if (pid_alive(pid))
		die("semaphore set %d (key %#x) is in use by PID %d", semid,
		    (unsigned)key, pid);
	if (!force)
		die("stale semaphore set %d for key %#x: remove it with "
		    "'ipcrm -s %d', or start with --force to reclaim it",
		    semid, (unsigned)key, semid);
	printf("reclaiming stale semaphore set %d\n", semid);
	if (sys_semctl(semid, 0, IPC_RMID, arg) == -1 && errno != EINVAL &&
	    errno != EIDRM)
		die_errno("semctl(semid=%d, IPC_RMID)", semid);
}

/*
 * semset.c makes the set without the initialisation race: IPC_EXCL,
 * then one semop that sets sem_otime, which is how a client knows the
 * set is ready.  A set already under the key is reclaimed or refused.
 */
static int create_sem_set(key_t key, mode_t mode, bool force)
{
	struct semset s;

	while (semset_open(&s, key, SHM_NSEMS, NULL, mode, SEMSET_CREATE, 0) ==
	       -1) {
		int semid;

		if (s.semid != -1) /* made, but its first semop failed */
			die_errno("semop(semid=%d)", s.semid);
		if (errno != EEXIST)
			die_errno("semget(key=%#x)", (unsigned)key);
		semid = find_sem_set(key);
		if (semid == -1 && errno == ENOENT)
			continue; /* gone in between: try again */
		if (semid == -1)
			die_errno("semget(key=%#x)", (unsigned)key);
		reclaim_sem_set(key, semid, force);
	}
	cleanup_sem(s.semid);
	return s.semid;
}

/* semget(key, SHM_NSEMS) said EINVAL: the set under key is smaller. */
static noreturn void wrong_sem_set(key_t key)
{
	union semun arg = { 0 };
	struct semid_ds ds;
	int semid = find_sem_set(key);

	arg.buf = &ds;
	if (semid == -1 || sys_semctl(semid, 0, IPC_STAT, arg) == -1)
		die_errno("semget(key=%#x): the server's semaphore set",
		          (unsigned)key);
	die("semaphore set %d has %lu semaphores, not %d", semid,
	    (unsigned long)ds.sem_nsems, SHM_NSEMS);
}

/* Client: semset.c waits (bounded) for the server's first semop. */
static int open_sem_set(key_t key)
{
	struct semset s;

	if (semset_open(&s, key, SHM_NSEMS, NULL, SHM_R | SHM_W, SEMSET_OPEN,
	                SEMSET_INIT_WAIT) == 0)
		return s.semid;
	if (errno == ETIMEDOUT)
		die("semaphore set %d was never initialised (sem_otime is 0)",
		    s.semid);
	if (errno == EINTR)
		exit(stop_exit_status());
	if (errno == EINVAL && s.semid == -1)
		wrong_sem_set(key);
	if (s.semid != -1)
		die_errno("semctl(semid=%d, IPC_STAT)", s.semid);
	die_errno("semget(key=%#x): the server's semaphore set", (unsigned)key);
}

/* ---- the server's segment ---- */

/* The command that removes a stale channel, for the one-line report. */
static const char *removal_command(int shmid, int semid)
{
	static char cmd[64];

	if (semid >= 0)
		snprintf(cmd, sizeof(cmd), "ipcrm -m %d -s %d", shmid, semid);
	else
		snprintf(cmd, sizeof(cmd), "ipcrm -m %d", shmid);
	return cmd;
}

const char *shm_segment_removal(const struct shm_segment *seg)
{
	return removal_command(seg->shmid, seg->semid);
}

static void remove_stale(key_t key, int shmid, int semid)
{
	printf("reclaiming stale segment shmid %d (key %#x)\n", shmid,
	       (unsigned)key);
	if (sys_shmctl(shmid, IPC_RMID, NULL) == -1 && errno != EINVAL &&
	    errno != EIDRM)
		die_errno("shmctl(shmid=%d, IPC_RMID)", shmid);
	if (semid >= 0)
		reclaim_sem_set(key, semid, true);
}

/*
 * The key is taken.  Returns if the old segment was stale and has been
 * removed (force); otherwise dies saying what is there.
 */
static void existing_segment(key_t key, bool force)
{
	struct shmid_ds ds;
	char why[128];
	const struct shm_header *h;
	int shmid = sys_shmget(key, 0, 0);
	int semid = -1;
	pid_t server;
	bool ours;

	if (shmid == -1 && errno == ENOENT)
		return; /* removed in between: try again */
	if (shmid == -1)
		die_errno("shmget(key=%#x)", (unsigned)key);
	if (sys_shmctl(shmid, IPC_STAT, &ds) == -1)
		die_errno("shmctl(shmid=%d, IPC_STAT)", shmid);
	h = sys_shmat(shmid, NULL, SHM_RDONLY);
	if (h == (void *)-1)
		die_errno("shmat(shmid=%d)", shmid);
	ours = shm_chan_check(h, ds.shm_segsz, why, sizeof(why));
	server = ours ? h->server_pid : 0;
	if (ours && h->sync_mode == SHM_SYNC_SEM)
		semid = find_sem_set(key);
	/* Magic 0 and its creator attached: a server still setting up. */
	if (!ours && __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) == 0 &&
	    ds.shm_nattch > 0 && pid_alive(ds.shm_cpid) &&
	    ds.shm_segsz >= SHM_MIN_SIZE) {
		ours = true;
		server = ds.shm_cpid;
	}
	sys_shmdt(h);
	if (!ours)
		die("key %#x is taken by segment shmid %d, which is not an "
		    "ipcdemo channel (%s); not touching it",
		    (unsigned)key, shmid, why);
	if (ds.shm_nattch > 0 && pid_alive(server))
		die("server already running (PID %d)", (int)server);
	if (!force)
		die("stale segment shmid %d for key %#x (its server, PID %d, "
		    "is gone): remove it with '%s', or start with --force to "
		    "reclaim it",
		    shmid, (unsigned)key, (int)server,
		    removal_command(shmid, semid));
	remove_stale(key, shmid, semid);
}

void shm_segment_create(struct shm_segment *seg, key_t key, size_t size,
                        enum shm_sync sync, mode_t mode, bool force)
{
	int shmid;

	for (;;) {
		shmid = sys_shmget(key, size, IPC_CREAT | IPC_EXCL | mode);
		if (shmid != -1 || errno != EEXIST)
			break;
		existing_segment(key, force);
	}
	if (shmid == -1)
		die_errno("shmget(key=%#x, size=%zu)", (unsigned)key, size);
	/* Registered first, so it is removed after the detach. */
	cleanup_shm(shmid);
	*seg = (struct shm_segment){
		.key = key,
		.shmid = shmid,
		.semid = -1,
		.size = size,
		.sync = sync,
	};
	seg->base = sys_shmat(shmid, NULL, 0);
	if (seg->base == (void *)-1)
		die_errno("shmat(shmid=%d)", shmid);
	cleanup_shm_detach(seg->base);
	if (!shm_chan_format(seg->base, size, sync, getpid()))
		die("internal error: segment size %zu", size);
	if (sync == SHM_SYNC_SEM)
		seg->semid = create_sem_set(key, mode, force);
	shm_chan_publish(seg->base);
}

/* ---- the client's side ---- */

static noreturn void no_server(key_t key)
{
	die("no server for key %#x: start one first with 'ipcdemo "
	    "shm-server --key %#x'",
	    (unsigned)key, (unsigned)key);
}

/* Waits (bounded) for a server that is still writing its header. */
static void wait_published(struct shm_segment *seg)
{
	char why[128];

	for (int i = 0; i < SETUP_WAIT_TRIES; i++) {
		if (shm_chan_check(seg->base, seg->size, why, sizeof(why)))
			return;
		if (__atomic_load_n((const uint32_t *)seg->base,
		                    __ATOMIC_ACQUIRE) != 0)
			break;
		pause_briefly();
	}
	die("segment shmid %d (key %#x) is not an ipcdemo channel: %s",
	    seg->shmid, (unsigned)seg->key, why);
}

void shm_segment_attach(struct shm_segment *seg, key_t key)
{
	struct shmid_ds ds;

	*seg = (struct shm_segment){ .key = key, .semid = -1 };
	/* Asking for read and write makes a stranger fail here, at once. */
	seg->shmid = sys_shmget(key, 0, SHM_R | SHM_W);
	if (seg->shmid == -1 && errno == ENOENT)
		no_server(key);
	if (seg->shmid == -1)
		die_errno("cannot open the server's segment (key %#x)",
		          (unsigned)key);
	if (sys_shmctl(seg->shmid, IPC_STAT, &ds) == -1)
		die_errno("cannot open the server's segment (key %#x)",
		          (unsigned)key);
	seg->size = ds.shm_segsz;
	seg->base = sys_shmat(seg->shmid, NULL, 0);
	if (seg->base == (void *)-1)
		die_errno("cannot attach the server's segment shmid %d",
		          seg->shmid);
	cleanup_shm_detach(seg->base);
	wait_published(seg);
	seg->sync = ((const struct shm_header *)seg->base)->sync_mode;
	if (seg->sync == SHM_SYNC_SEM)
		seg->semid = open_sem_set(key);
}

bool shm_segment_peer_check(struct shm_chan *ch, void *arg, char *why,
                            size_t len)
{
	const struct shm_segment *seg = arg;
	struct shmid_ds ds;

	(void)ch;
	if (sys_shmctl(seg->shmid, IPC_STAT, &ds) == -1) {
		snprintf(why, len, "segment shmid %d is gone: %s", seg->shmid,
		         strerror(errno));
		return false;
	}
	if (ds.shm_nattch < 2) {
		snprintf(why, len, "it no longer has segment shmid %d attached",
		         seg->shmid);
		return false;
	}
	return true;
}

struct shm_params shm_segment_params(struct shm_segment *seg, long spin_us)
{
	return (struct shm_params){
		.sync = seg->sync,
		.semid = seg->semid,
		.spin_us = spin_us,
		.peer_check = shm_segment_peer_check,
		.peer_check_arg = seg,
	};
}
