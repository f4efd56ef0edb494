/*
 * cleanup.c - the list of objects this process created (SPEC §3).
 *
 * System V objects outlive their creator and a FIFO stays in its
 * directory, so every applet registers what it makes the moment it has
 * made it.  The list is emptied at exit (atexit), which covers return
 * from main, die(), quit, EOF and the stop signals, whose handlers only
 * set a flag.  A forked child inherits the list but leaves with
 * _exit(); the owner check keeps it from removing its parent's objects
 * even if it calls exit().
 */
#include <sys/stat.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

#define CLEANUP_MAX 16

enum cleanup_kind {
	CLEAN_PATH,
	CLEAN_DIR,
	CLEAN_SHM,
	CLEAN_SHMDT,
	CLEAN_MSQ,
	CLEAN_SEM
};

struct cleanup_entry {
	enum cleanup_kind kind;
	int id;
	const void *addr;
	char *path;
	dev_t dev; /* a path's file, so a replacement is left alone */
	ino_t ino;
};

static struct cleanup_entry entries[CLEANUP_MAX];
static size_t entry_count;
static pid_t owner_pid;

static void add(struct cleanup_entry entry)
{
	if (entry_count == 0 && owner_pid == 0)
		atexit(cleanup_run);
	if (entry_count == CLEANUP_MAX)
		die("internal error: more than %d objects to clean up",
		    CLEANUP_MAX);
	owner_pid = getpid();
	entries[entry_count++] = entry;
}

void cleanup_path(const char *path)
{
	struct cleanup_entry e = { .kind = CLEAN_PATH, .path = strdup(path) };
	struct stat st;

	if (!e.path)
		die("out of memory");
	if (lstat(path, &st) == 0) {
		e.dev = st.st_dev;
		e.ino = st.st_ino;
	}
	add(e);
}

void cleanup_dir(const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		die("out of memory");
	add((struct cleanup_entry){ .kind = CLEAN_DIR, .path = copy });
}

void cleanup_shm(int shmid)
{
	add((struct cleanup_entry){ .kind = CLEAN_SHM, .id = shmid });
}

void cleanup_shm_detach(const void *addr)
{
	add((struct cleanup_entry){ .kind = CLEAN_SHMDT, .addr = addr });
}

void cleanup_msq(int msqid)
{
	add((struct cleanup_entry){ .kind = CLEAN_MSQ, .id = msqid });
}

void cleanup_sem(int semid)
{
	add((struct cleanup_entry){ .kind = CLEAN_SEM, .id = semid });
}

bool cleanup_forget_path(const char *path)
{
	for (size_t i = 0; i < entry_count; i++) {
		if (entries[i].kind == CLEAN_PATH &&
		    strcmp(entries[i].path, path) == 0) {
			free(entries[i].path);
			/* Keep the order: objects go in reverse of creation. */
			memmove(&entries[i], &entries[i + 1],
			        (--entry_count - i) * sizeof(entries[0]));
			return true;
		}
	}
	return false;
}

/*
 * Someone may have removed our file and put another at its path (rm,
 * then a file of their own): that one is not ours to delete.
 */
static int unlink_if_ours(const struct cleanup_entry *e)
{
	struct stat st;

	if (lstat(e->path, &st) == -1)
		return -1;
	if (e->ino && (st.st_dev != e->dev || st.st_ino != e->ino)) {
		warning("%s is no longer the file this process made; leaving "
		        "it",
		        e->path);
		return 0;
	}
	return sys_unlink(e->path);
}

static void remove_one(const struct cleanup_entry *e)
{
	int rc = 0;
	union semun unused = { 0 };

	switch (e->kind) {
	case CLEAN_PATH:
		rc = unlink_if_ours(e);
		break;
	case CLEAN_DIR:
		rc = rmdir(e->path);
		break;
	case CLEAN_SHM:
		rc = sys_shmctl(e->id, IPC_RMID, NULL);
		break;
	case CLEAN_SHMDT:
		rc = sys_shmdt(e->addr);
		break;
	case CLEAN_MSQ:
		rc = sys_msgctl(e->id, IPC_RMID, NULL);
		break;
	case CLEAN_SEM:
		rc = sys_semctl(e->id, 0, IPC_RMID, unused);
		break;
	}
	/* Someone else (ipcrm, a peer) may have removed it first: fine. */
	if (rc == -1 && errno != ENOENT && errno != EINVAL && errno != EIDRM)
		warning_errno("cleanup");
}

size_t cleanup_mark(void)
{
	return entry_count;
}

void cleanup_unwind(size_t mark)
{
	if (getpid() != owner_pid)
		return;
	while (entry_count > mark) {
		struct cleanup_entry *e = &entries[--entry_count];

		remove_one(e);
		free(e->path);
	}
}

void cleanup_run(void)
{
	cleanup_unwind(0);
}
