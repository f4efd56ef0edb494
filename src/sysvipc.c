/*
 * sysvipc.c - the System V objects the kernel holds, as ipcs lists them
 * (SPEC §4.7).
 *
 * /proc/sysvipc/{shm,msg,sem} list every object of the IPC namespace,
 * whoever may read it, with one line each under a header line.  Where
 * they are missing, the *_INFO call gives the highest index in use and
 * *_STAT walks the indexes; that sees only the objects the caller may
 * read.  Both are what util-linux's ipcs does, down to the fallback
 * reporting a segment's or set's creator uid as its creator gid.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "ipcdemo.h"

static const char *const proc_files[] = {
	[SYSV_MSG] = "/proc/sysvipc/msg",
	[SYSV_SHM] = "/proc/sysvipc/shm",
	[SYSV_SEM] = "/proc/sysvipc/sem",
};

struct obj_list {
	struct sysv_obj *objs;
	size_t count, cap;
};

static void list_add(struct obj_list *list, const struct sysv_obj *obj)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? 2 * list->cap : 16;
		struct sysv_obj *objs =
			realloc(list->objs, cap * sizeof(*objs));

		if (!objs)
			die("out of memory");
		list->objs = objs;
		list->cap = cap;
	}
	list->objs[list->count++] = *obj;
}

/* One line of /proc/sysvipc/KIND; false for a line that is not a record. */
static bool parse_line(enum sysv_kind kind, const char *line,
                       struct sysv_obj *o)
{
	unsigned uid, gid, cuid, cgid;
	int cpid, lpid;

	*o = (struct sysv_obj){ .id = -1 };
	switch (kind) {
	case SYSV_SHM:
		/* key shmid perms size cpid lpid nattch uid gid cuid cgid
		 * atime dtime ctime [rss swap] */
		if (sscanf(line,
		           "%" SCNd32 " %d %o %" SCNu64 " %d %d %" SCNu64
		           " %u %u %u %u %" SCNd64 " %" SCNd64 " %" SCNd64,
		           &o->key, &o->id, &o->mode, &o->size, &cpid, &lpid,
		           &o->count, &uid, &gid, &cuid, &cgid, &o->atime,
		           &o->dtime, &o->ctime) < 14)
			return false;
		break;
	case SYSV_MSG:
		/* key msqid perms cbytes qnum lspid lrpid uid gid cuid cgid
		 * stime rtime ctime */
		if (sscanf(line,
		           "%" SCNd32 " %d %o %" SCNu64 " %" SCNu64
		           " %d %d %u %u %u %u %" SCNd64 " %" SCNd64
		           " %" SCNd64,
		           &o->key, &o->id, &o->mode, &o->size, &o->count,
		           &cpid, &lpid, &uid, &gid, &cuid, &cgid, &o->atime,
		           &o->dtime, &o->ctime) != 14)
			return false;
		break;
	case SYSV_SEM:
		/* key semid perms nsems uid gid cuid cgid otime ctime */
		cpid = lpid = 0;
		if (sscanf(line,
		           "%" SCNd32 " %d %o %" SCNu64 " %u %u %u %u %" SCNd64
		           " %" SCNd64,
		           &o->key, &o->id, &o->mode, &o->size, &uid, &gid,
		           &cuid, &cgid, &o->atime, &o->ctime) != 10)
			return false;
		break;
	}
	o->cpid = cpid;
	o->lpid = lpid;
	o->uid = uid;
	o->gid = gid;
	o->cuid = cuid;
	o->cgid = cgid;
	return true;
}

/* The queue limit /proc does not show, for one queue asked by id. */
static void add_qbytes(struct sysv_obj *o)
{
	struct msqid_ds ds;

	if (sys_msgctl(o->id, IPC_STAT, &ds) != -1)
		o->qbytes = ds.msg_qbytes;
}

/* Returns false if the file cannot be opened, so the caller falls back. */
static bool read_proc(enum sysv_kind kind, int id, struct obj_list *list)
{
	FILE *f = fopen(proc_files[kind], "r");
	char line[BUFSIZ];
	struct sysv_obj o;
	int c;

	if (!f)
		return false;
	while ((c = fgetc(f)) != '\n' && c != EOF)
		; /* the header line */
	while (fgets(line, sizeof(line), f)) {
		if (!parse_line(kind, line, &o))
			continue;
		if (id < 0) {
			list_add(list, &o);
			continue;
		}
		if (o.id != id)
			continue;
		if (kind == SYSV_MSG)
			add_qbytes(&o);
		list_add(list, &o);
		break;
	}
	fclose(f);
	return true;
}

static void from_perm(struct sysv_obj *o, const struct ipc_perm *p, int id)
{
	o->key = (int32_t)p->__key;
	o->id = id;
	o->mode = p->mode;
	o->uid = p->uid;
	o->gid = p->gid;
	o->cuid = p->cuid;
	o->cgid = p->cgid;
}

bool sysv_stat(enum sysv_kind kind, int index, struct sysv_obj *o)
{
	struct shmid_ds shm;
	struct msqid_ds msg;
	struct semid_ds sem;
	union semun arg = { .buf = &sem };
	int id;

	*o = (struct sysv_obj){ .id = -1 };
	switch (kind) {
	case SYSV_SHM:
		if ((id = sys_shmctl(index, SHM_STAT, &shm)) < 0)
			return false;
		from_perm(o, &shm.shm_perm, id);
		o->cgid = shm.shm_perm.cuid; /* sic: util-linux's fallback */
		o->size = shm.shm_segsz;
		o->count = shm.shm_nattch;
		o->cpid = shm.shm_cpid;
		o->lpid = shm.shm_lpid;
		o->atime = shm.shm_atime;
		o->dtime = shm.shm_dtime;
		o->ctime = shm.shm_ctime;
		return true;
	case SYSV_MSG:
		if ((id = sys_msgctl(index, MSG_STAT, &msg)) < 0)
			return false;
		from_perm(o, &msg.msg_perm, id);
		o->size = msg.__msg_cbytes;
		o->count = msg.msg_qnum;
		o->cpid = msg.msg_lspid;
		o->lpid = msg.msg_lrpid;
		o->atime = msg.msg_stime;
		o->dtime = msg.msg_rtime;
		o->ctime = msg.msg_ctime;
		o->qbytes = msg.msg_qbytes;
		return true;
	case SYSV_SEM:
		if ((id = sys_semctl(index, 0, SEM_STAT, arg)) < 0)
			return false;
		from_perm(o, &sem.sem_perm, id);
		o->cgid = sem.sem_perm.cuid; /* sic: util-linux's fallback */
		o->size = sem.sem_nsems;
		o->atime = sem.sem_otime;
		o->ctime = sem.sem_ctime;
		return true;
	}
	return false;
}

int sysv_max_index(enum sysv_kind kind)
{
	struct shm_info shm;
	struct msginfo msg;
	struct seminfo sem;

	switch (kind) {
	case SYSV_SHM:
		return sys_shmctl(0, SHM_INFO, (struct shmid_ds *)(void *)&shm);
	case SYSV_MSG:
		return sys_msgctl(0, MSG_INFO, (struct msqid_ds *)(void *)&msg);
	case SYSV_SEM:
		return sys_semctl(0, 0, SEM_INFO,
		                  (union semun){ .info = &sem });
	}
	return -1;
}

static void read_stat(enum sysv_kind kind, int id, struct obj_list *list)
{
	int max = sysv_max_index(kind);
	struct sysv_obj o;

	for (int index = 0; index <= max; index++) {
		if (!sysv_stat(kind, index, &o) || (id >= 0 && o.id != id))
			continue;
		list_add(list, &o);
		if (id >= 0)
			break;
	}
}

size_t sysv_list(enum sysv_kind kind, int id, struct sysv_obj **objs)
{
	struct obj_list list = { NULL, 0, 0 };

	if (!read_proc(kind, id, &list))
		read_stat(kind, id, &list);
	*objs = list.objs;
	return list.count;
}
