/*
 * ipc-fixture - builds System V objects for the differential tests of
 * ipcrm-clone and ipcs (tests/ipcrm-clone.bats, tests/ipcs.bats).
 *
 * A test program, not an applet: it makes the raw calls so that what
 * it builds does not depend on the code under test.  It runs its steps
 * in order in one process, so the same steps in two fresh IPC
 * namespaces give the same ids (each namespace starts at id 0).
 *
 *   shm KEY SIZE MODE     create a segment (IPC_CREAT|IPC_EXCL)
 *   msg KEY MODE          create a queue
 *   sem KEY NSEMS MODE    create a semaphore set
 *   send ID TYPE TEXT     msgsnd TEXT with TYPE to queue ID
 *   recv ID               msgrcv the first message of queue ID
 *   setval ID NUM VALUE   semctl SETVAL
 *   op ID NUM DELTA       semop, which sets sem_otime and sempid
 *   wait ID NUM DELTA     a child blocks in that semop (a waiter counted
 *                         in semncnt, or semzcnt for DELTA 0) until the
 *                         fixture exits
 *   attach ID             shmat segment ID, and stay attached
 *   touch ID              attach segment ID and detach it again
 *   lock ID               SHM_LOCK segment ID (needs CAP_IPC_LOCK)
 *   rmid ID               IPC_RMID on segment ID (dest if attached)
 *   hold                  print "held", then wait for EOF on stdin
 *                         (then the waiters are killed)
 *
 * KEY is "private" or a number in any base strtoul(3) reads.  Each
 * created id is printed on a line of its own; any failure exits 1.
 */
#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/wait.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_TEXT 8192

static void fail(const char *what)
{
	fprintf(stderr, "ipc-fixture: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long number(const char *arg)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(arg, &end, 0);
	if (errno || end == arg || *end) {
		fprintf(stderr, "ipc-fixture: bad number '%s'\n", arg);
		exit(1);
	}
	return value;
}

static key_t key_arg(const char *arg)
{
	if (strcmp(arg, "private") == 0)
		return IPC_PRIVATE;
	return (key_t)(unsigned)number(arg);
}

static void created(int id, const char *what)
{
	if (id == -1)
		fail(what);
	printf("%d\n", id);
}

static void send_text(int id, long type, const char *text)
{
	struct {
		long type;
		char text[MAX_TEXT];
	} msg = { .type = type };
	size_t len = strlen(text);

	if (len > sizeof(msg.text))
		len = sizeof(msg.text);
	memcpy(msg.text, text, len);
	if (msgsnd(id, &msg, len, IPC_NOWAIT) == -1)
		fail("msgsnd");
}

static void receive(int id)
{
	struct {
		long type;
		char text[MAX_TEXT];
	} msg;

	if (msgrcv(id, &msg, sizeof(msg.text), 0, IPC_NOWAIT | MSG_NOERROR) ==
	    -1)
		fail("msgrcv");
}

static void touch(int id)
{
	void *addr = shmat(id, NULL, 0);

	if (addr == (void *)-1)
		fail("shmat");
	if (shmdt(addr) == -1)
		fail("shmdt");
}

static void sem_add(int id, int num, int delta)
{
	struct sembuf op = { .sem_num = (unsigned short)num,
		             .sem_op = (short)delta,
		             .sem_flg = IPC_NOWAIT };

	if (semop(id, &op, 1) == -1)
		fail("semop");
}

#define MAX_WAITERS 8

static pid_t waiters[MAX_WAITERS];
static int waiter_count;

/* Forks a child blocked in semop; returns once the kernel counts it. */
static void add_waiter(int id, int num, int delta)
{
	int cmd = delta ? GETNCNT : GETZCNT;
	int before = semctl(id, num, cmd);
	struct sembuf op = { .sem_num = (unsigned short)num,
		             .sem_op = (short)delta };
	struct timespec tick = { .tv_nsec = 10 * 1000 * 1000 };
	pid_t pid;

	if (before == -1 || waiter_count == MAX_WAITERS)
		fail("semctl GETNCNT");
	fflush(stdout);
	pid = fork();
	if (pid == -1)
		fail("fork");
	if (pid == 0) {
		semop(id, &op, 1);
		_exit(0);
	}
	waiters[waiter_count++] = pid;
	for (int tries = 0; semctl(id, num, cmd) == before; tries++) {
		if (tries == 500)
			fail("waiter never blocked");
		nanosleep(&tick, NULL);
	}
}

static void end_waiters(void)
{
	for (int i = 0; i < waiter_count; i++) {
		kill(waiters[i], SIGKILL);
		waitpid(waiters[i], NULL, 0);
	}
}

static void hold(void)
{
	char buf[64];

	printf("held\n");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

/* Runs the step at argv[0]; returns how many words it used. */
static int step(char **argv, int left)
{
	static const struct {
		const char *name;
		int words;
	} steps[] = {
		{ "shm", 4 },    { "msg", 3 },  { "sem", 4 },    { "send", 4 },
		{ "setval", 4 }, { "op", 4 },   { "attach", 2 }, { "rmid", 2 },
		{ "hold", 1 },   { "recv", 2 }, { "touch", 2 },  { "lock", 2 },
		{ "wait", 4 },
	};
	const char *s = argv[0];
	int words = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (strcmp(s, steps[i].name) == 0)
			words = steps[i].words;
	if (!words || words > left) {
		fprintf(stderr, "ipc-fixture: bad step '%s'\n", s);
		exit(1);
	}
	if (!strcmp(s, "shm"))
		created(shmget(key_arg(argv[1]), number(argv[2]),
		               IPC_CREAT | IPC_EXCL | (int)number(argv[3])),
		        "shmget");
	else if (!strcmp(s, "msg"))
		created(msgget(key_arg(argv[1]),
		               IPC_CREAT | IPC_EXCL | (int)number(argv[2])),
		        "msgget");
	else if (!strcmp(s, "sem"))
		created(semget(key_arg(argv[1]), (int)number(argv[2]),
		               IPC_CREAT | IPC_EXCL | (int)number(argv[3])),
		        "semget");
	else if (!strcmp(s, "send"))
		send_text((int)number(argv[1]), (long)number(argv[2]), argv[3]);
	else if (!strcmp(s, "setval")) {
		if (semctl((int)number(argv[1]), (int)number(argv[2]), SETVAL,
		           (int)number(argv[3])) == -1)
			fail("semctl SETVAL");
	} else if (!strcmp(s, "op"))
		sem_add((int)number(argv[1]), (int)number(argv[2]),
		        atoi(argv[3]));
	else if (!strcmp(s, "attach")) {
		if (shmat((int)number(argv[1]), NULL, 0) == (void *)-1)
			fail("shmat");
	} else if (!strcmp(s, "wait")) {
		add_waiter((int)number(argv[1]), (int)number(argv[2]),
		           atoi(argv[3]));
	} else if (!strcmp(s, "recv")) {
		receive((int)number(argv[1]));
	} else if (!strcmp(s, "touch")) {
		touch((int)number(argv[1]));
	} else if (!strcmp(s, "lock")) {
		if (shmctl((int)number(argv[1]), SHM_LOCK, NULL) == -1)
			fail("shmctl SHM_LOCK");
	} else if (!strcmp(s, "rmid")) {
		if (shmctl((int)number(argv[1]), IPC_RMID, NULL) == -1)
			fail("shmctl IPC_RMID");
	} else
		hold();
	return words;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc;)
		i += step(argv + i, argc - i);
	end_waiters();
	return 0;
}
