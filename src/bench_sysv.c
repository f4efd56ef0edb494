/*
 * bench_sysv.c - the System V references: raw-msg and raw-sem.
 *
 * Each makes a private object (IPC_PRIVATE, 0600: no other process can
 * find it) through the traced wrappers, registered for cleanup.  The
 * loops then call msgsnd(2), msgrcv(2) and semop(2) straight from libc:
 * these rows are the kernel's own cost, the figure the project's msg
 * and shm-sem channels are compared with.
 */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "ipcdemo.h"

/* ---- raw-msg ---- */

enum { TYPE_DOWN = 1, TYPE_UP = 2 }; /* parent to child, child to parent */

struct msg_chan {
	int msqid;
	long send_type, recv_type;
	size_t cap;
	/* A message built once: the loop sends it as it is, no copy. */
	struct {
		long mtype;
		char mtext[];
	} * msg;
};

/* The largest message a queue takes: msgmax, and no more than msgmnb. */
static size_t msg_limit(void)
{
	struct msginfo info;

	if (sys_msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info) == -1)
		return 8192; /* the Linux default */
	return (size_t)(info.msgmax < info.msgmnb ? info.msgmax : info.msgmnb);
}

static const char *msg_cannot_carry(size_t size)
{
	static char why[80];
	size_t limit = msg_limit();

	if (size <= limit)
		return NULL;
	snprintf(why, sizeof(why), "larger than msgmax (%zu bytes)", limit);
	return why;
}

static void *msg_open(const struct bench_params *p)
{
	struct msg_chan *c = calloc(1, sizeof(*c));

	if (!c)
		die("out of memory");
	c->cap = p->max_size < msg_limit() ? p->max_size : msg_limit();
	c->msg = calloc(1, sizeof(*c->msg) + c->cap);
	if (!c->msg)
		die("out of memory");
	memset(c->msg->mtext, 'x', c->cap);
	c->msqid = sys_msgget(IPC_PRIVATE, IPC_CREAT | DEFAULT_MODE);
	if (c->msqid == -1)
		die_errno("msgget(IPC_PRIVATE)");
	cleanup_msq(c->msqid);
	return c;
}

static void msg_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct msg_chan *c = chan;

	(void)peer;
	c->send_type = side == BENCH_PARENT ? TYPE_DOWN : TYPE_UP;
	c->recv_type = side == BENCH_PARENT ? TYPE_UP : TYPE_DOWN;
}

static int msg_send(void *chan, const void *buf, size_t size)
{
	struct msg_chan *c = chan;

	(void)buf;
	c->msg->mtype = c->send_type;
	while (msgsnd(c->msqid, c->msg, size, 0) == -1)
		if (errno != EINTR || bench_interrupted())
			return -1;
	return 0;
}

static int msg_recv(void *chan, void *buf, size_t size)
{
	struct msg_chan *c = chan;
	ssize_t n;

	(void)buf;
	while ((n = msgrcv(c->msqid, c->msg, c->cap, c->recv_type, 0)) == -1)
		if (errno != EINTR || bench_interrupted())
			return -1;
	if ((size_t)n != size) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

static void msg_close(void *chan)
{
	struct msg_chan *c = chan;

	free(c->msg);
	free(c);
}

const struct bench_mech bench_raw_msg = {
	.name = "raw-msg",
	.summary = "reference: plain msgsnd(2)/msgrcv(2) on a private queue",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.rtt_ref = "futex-floor",
	.cannot_carry = msg_cannot_carry,
	.open = msg_open,
	.attach = msg_attach,
	.send = msg_send,
	.recv = msg_recv,
	.close = msg_close,
};

/* ---- raw-sem: two semaphores, one each way ---- */

struct sem_chan {
	int semid;
	unsigned short post, wait; /* this side's semaphore numbers */
};

static void *sem_open(const struct bench_params *p)
{
	struct sem_chan *c = calloc(1, sizeof(*c));
	unsigned short zero[2] = { 0, 0 };

	(void)p;
	if (!c)
		die("out of memory");
	c->semid = sys_semget(IPC_PRIVATE, 2, IPC_CREAT | DEFAULT_MODE);
	if (c->semid == -1)
		die_errno("semget(IPC_PRIVATE)");
	cleanup_sem(c->semid);
	if (sys_semctl(c->semid, 0, SETALL, (union semun){ .array = zero }) ==
	    -1)
		die_errno("semctl SETALL");
	return c;
}

static void sem_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct sem_chan *c = chan;

	(void)peer;
	c->post = side == BENCH_PARENT ? 0 : 1;
	c->wait = side == BENCH_PARENT ? 1 : 0;
}

static int sem_step(int semid, unsigned short num, short delta)
{
	struct sembuf op = { .sem_num = num, .sem_op = delta };

	while (semop(semid, &op, 1) == -1)
		if (errno != EINTR || bench_interrupted())
			return -1;
	return 0;
}

static int sem_send(void *chan, const void *buf, size_t size)
{
	struct sem_chan *c = chan;

	(void)buf;
	(void)size;
	return sem_step(c->semid, c->post, 1);
}

static int sem_recv(void *chan, void *buf, size_t size)
{
	struct sem_chan *c = chan;

	(void)buf;
	(void)size;
	return sem_step(c->semid, c->wait, -1);
}

static void sem_close(void *chan)
{
	free(chan);
}

const struct bench_mech bench_raw_sem = {
	.name = "raw-sem",
	.summary = "reference: semop(2) ping-pong on a private set",
	.kinds = BENCH_KIND_RTT,
	.payload_free = true,
	.rtt_ref = "futex-floor",
	.open = sem_open,
	.attach = sem_attach,
	.send = sem_send,
	.recv = sem_recv,
	.close = sem_close,
};
