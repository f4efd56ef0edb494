/*
 * sysv.c - traced wrappers for System V IPC, futexes and mmap.
 *
 * As in sys.c: one system call each, errno kept, result returned.  The
 * lines match SPEC §2, e.g.
 *   shmget(key=0x7a0b0001, size=4096, IPC_CREAT|IPC_EXCL|0600) = 32769
 *   msgrcv(msqid=3, type=888, flags=0) = 17 bytes
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <errno.h>
#include <linux/futex.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

/* "= 0x7f..." for an address, or the error for (void *)-1. */
static const char *ptr_result(const void *p, const void *failed)
{
	static char buf[32];

	if (p == failed)
		return tr_result(-1);
	snprintf(buf, sizeof(buf), "= %p", p);
	return buf;
}

key_t sys_ftok(const char *path, int proj)
{
	key_t key = ftok(path, proj);

	if (trace_enabled && key == -1)
		trace_line("ftok(\"%s\", %d) %s", path, proj, tr_result(-1));
	else if (trace_enabled)
		trace_line("ftok(\"%s\", %d) = %#x", path, proj, (unsigned)key);
	return key;
}

int sys_shmget(key_t key, size_t size, int flags)
{
	int id = shmget(key, size, flags);

	TRACE(id, false, "shmget(key=%#x, size=%zu, %s) %s", (unsigned)key,
	      size, tr_ipc_flags(flags), tr_result(id));
	return id;
}

void *sys_shmat(int shmid, const void *addr, int flags)
{
	void *p = shmat(shmid, addr, flags);

	if (trace_enabled)
		trace_line("shmat(shmid=%d, %p, %s) %s", shmid, addr,
		           tr_ipc_flags(flags), ptr_result(p, (void *)-1));
	return p;
}

int sys_shmdt(const void *addr)
{
	int rc = shmdt(addr);

	TRACE(rc, false, "shmdt(%p) %s", addr, tr_result(rc));
	return rc;
}

int sys_shmctl(int shmid, int cmd, struct shmid_ds *buf)
{
	int rc = shmctl(shmid, cmd, buf);

	TRACE(rc, false, "shmctl(shmid=%d, %s) %s", shmid, tr_ctl_cmd(cmd),
	      tr_result(rc));
	return rc;
}

int sys_msgget(key_t key, int flags)
{
	int id = msgget(key, flags);

	TRACE(id, false, "msgget(key=%#x, %s) %s", (unsigned)key,
	      tr_ipc_flags(flags), tr_result(id));
	return id;
}

int sys_msgsnd(int msqid, const void *msg, size_t size, int flags)
{
	long type;
	int rc;

	memcpy(&type, msg, sizeof(type));
	rc = msgsnd(msqid, msg, size, flags);
	TRACE(rc, false, "msgsnd(msqid=%d, type=%ld, %zu bytes, flags=%s) %s",
	      msqid, type, size, tr_ipc_flags(flags), tr_result(rc));
	return rc;
}

ssize_t sys_msgrcv(int msqid, void *msg, size_t size, long type, int flags)
{
	ssize_t n = msgrcv(msqid, msg, size, type, flags);

	if (n >= 0 && trace_enabled)
		trace_line("msgrcv(msqid=%d, type=%ld, flags=%s) = %zd bytes",
		           msqid, type, tr_ipc_flags(flags), n);
	else
		TRACE(n, false, "msgrcv(msqid=%d, type=%ld, flags=%s) %s",
		      msqid, type, tr_ipc_flags(flags), tr_result(n));
	return n;
}

int sys_msgctl(int msqid, int cmd, struct msqid_ds *buf)
{
	int rc = msgctl(msqid, cmd, buf);

	TRACE(rc, false, "msgctl(msqid=%d, %s) %s", msqid, tr_ctl_cmd(cmd),
	      tr_result(rc));
	return rc;
}

int sys_semget(key_t key, int nsems, int flags)
{
	int id = semget(key, nsems, flags);

	TRACE(id, false, "semget(key=%#x, nsems=%d, %s) %s", (unsigned)key,
	      nsems, tr_ipc_flags(flags), tr_result(id));
	return id;
}

/* "{0, -1, SEM_UNDO} {1, +1, 0}" */
static const char *sops_text(const struct sembuf *sops, size_t nsops)
{
	static char buf[160];
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < nsops && used + 40 < sizeof(buf); i++) {
		int flg = sops[i].sem_flg;

		used += (size_t)snprintf(
			buf + used, sizeof(buf) - used, "%s{%u, %+d, %s%s%s}",
			i ? " " : "", (unsigned)sops[i].sem_num, sops[i].sem_op,
			flg & SEM_UNDO ? "SEM_UNDO" : "",
			(flg & SEM_UNDO) && (flg & IPC_NOWAIT) ? "|" : "",
			flg & IPC_NOWAIT ? "IPC_NOWAIT"
			: flg            ? ""
					 : "0");
	}
	return buf;
}

int sys_semop(int semid, struct sembuf *sops, size_t nsops)
{
	int rc = semop(semid, sops, nsops);

	TRACE(rc, false, "semop(semid=%d, %s) %s", semid,
	      sops_text(sops, nsops), tr_result(rc));
	return rc;
}

int sys_semtimedop(int semid, struct sembuf *sops, size_t nsops,
                   const struct timespec *timeout)
{
	int rc = semtimedop(semid, sops, nsops, timeout);

	TRACE(rc, true, "semtimedop(semid=%d, %s, %s) %s", semid,
	      sops_text(sops, nsops), tr_timeout(timeout), tr_result(rc));
	return rc;
}

int sys_semctl(int semid, int semnum, int cmd, union semun arg)
{
	int rc = semctl(semid, semnum, cmd, arg);

	if (cmd == SETVAL)
		TRACE(rc, false, "semctl(semid=%d, %d, SETVAL, %d) %s", semid,
		      semnum, arg.val, tr_result(rc));
	else
		TRACE(rc, false, "semctl(semid=%d, %d, %s) %s", semid, semnum,
		      tr_ctl_cmd(cmd), tr_result(rc));
	return rc;
}

/*
 * Futexes in a shared segment: no FUTEX_PRIVATE_FLAG, since the waiter
 * and the waker are different processes mapping the word at different
 * addresses.
 */
int sys_futex_wait(_Atomic uint32_t *word, uint32_t expected,
                   const struct timespec *timeout)
{
	long rc = syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout, NULL,
	                  0);

	TRACE(rc, true, "futex(%p, FUTEX_WAIT, %u, %s) %s", (void *)word,
	      (unsigned)expected, tr_timeout(timeout), tr_result(rc));
	return (int)rc;
}

int sys_futex_wake(_Atomic uint32_t *word, int count)
{
	long rc = syscall(SYS_futex, word, FUTEX_WAKE, count, NULL, NULL, 0);

	TRACE(rc, false, "futex(%p, FUTEX_WAKE, %d) %s", (void *)word, count,
	      tr_result(rc));
	return (int)rc;
}

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
               off_t offset)
{
	void *p = mmap(addr, len, prot, flags, fd, offset);

	if (trace_enabled)
		trace_line("mmap(%p, %zu, %s%s%s, %s%s, fd=%d, %lld) %s", addr,
		           len, prot & PROT_READ ? "PROT_READ" : "PROT_NONE",
		           prot & PROT_WRITE ? "|" : "",
		           prot & PROT_WRITE ? "PROT_WRITE" : "",
		           flags & MAP_SHARED ? "MAP_SHARED" : "MAP_PRIVATE",
		           flags & MAP_ANONYMOUS ? "|MAP_ANONYMOUS" : "", fd,
		           (long long)offset, ptr_result(p, MAP_FAILED));
	return p;
}

int sys_munmap(void *addr, size_t len)
{
	int rc = munmap(addr, len);

	TRACE(rc, false, "munmap(%p, %zu) %s", addr, len, tr_result(rc));
	return rc;
}

int sys_msync(void *addr, size_t len, int flags)
{
	int rc = msync(addr, len, flags);

	TRACE(rc, false, "msync(%p, %zu, %s) %s", addr, len,
	      flags & MS_SYNC ? "MS_SYNC" : "MS_ASYNC", tr_result(rc));
	return rc;
}
