/*
 * ipcs - show System V IPC objects, as util-linux ipcs 2.38 does
 * (SPEC §4.7).
 *
 * Scripts parse this output, so every byte is ipcs's: the blank line
 * before and after each section, the column widths (an owner name is
 * cut to 10 characters except in -c), times in the local time zone as
 * ctime(3) writes them (less the weekday and the year in the -t tables
 * of queues and segments), and "Not set" for a time that never was.  The
 * objects come from /proc/sysvipc as ipcs reads them (src/sysvipc.c); -u asks
 * the kernel (*_INFO), -l reads /proc/sys/kernel, -q -i asks IPC_STAT for the
 * queue limit /proc does not show, and -s -i asks each semaphore's value,
 * waiters and last pid.
 *
 * One difference: "-s -i" with a negative id makes ipcs 2.38 crash
 * (SIGSEGV); here, as for -m and -q, it shows the first set under the
 * id given.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <locale.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

static const char usage[] =
	"\n"
	"Usage:\n"
	" ipcs [resource-option...] [output-option]\n"
	" ipcs -m|-q|-s -i <id>\n"
	"\n"
	"Show information on IPC facilities.\n"
	"\n"
	"Options:\n"
	" -i, --id <id>  print details on resource identified by <id>\n"
	" -h, --help     display this help\n"
	" -V, --version  display version\n"
	"\n"
	"Resource options:\n"
	" -m, --shmems      shared memory segments\n"
	" -q, --queues      message queues\n"
	" -s, --semaphores  semaphores\n"
	" -a, --all         all (default)\n"
	"\n"
	"Output options:\n"
	" -t, --time        show attach, detach and change times\n"
	" -p, --pid         show PIDs of creator and last operator\n"
	" -c, --creator     show creator and owner\n"
	" -l, --limits      show resource limits\n"
	" -u, --summary     show status summary\n"
	"     --human       show sizes in human-readable format\n"
	" -b, --bytes       show sizes in bytes\n"
	"\n"
	"For more details see ipcs(1).\n";

enum format {
	FMT_LIST,
	FMT_LIMITS,
	FMT_STATUS,
	FMT_CREATOR,
	FMT_TIME,
	FMT_PID
};
enum unit { UNIT_DEFAULT, UNIT_KB, UNIT_BYTES, UNIT_HUMAN };
enum { OPT_HUMAN = OPT_APPLET };

#define SHM_DEST_FLAG 01000 /* shm mode bits the kernel adds */
#define SHM_LOCKED_FLAG 02000
#define SEMVMX_VALUE 32767 /* SEMVMX: the largest semaphore value */
#define NOT_SET "Not set"

struct opts {
	bool kinds[3]; /* by enum sysv_kind */
	enum format format;
	enum unit unit;
	bool specific;
	int id;
};

/* ---- sizes, names, times ---- */

/* As util-linux's size_to_human_string(): "4K", "1.5M", "16E". */
static void human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char letters[] = "BKMGTPE";
	const char *point = localeconv()->decimal_point;
	uint64_t whole, rest, thousandths;
	unsigned exp = 0, tenths = 0;

	while (exp < 60 && bytes >= 1ULL << (exp + 10))
		exp += 10;
	whole = bytes >> exp;
	rest = bytes - (whole << exp);
	if (rest) {
		if (rest >= UINT64_MAX / 1000)
			thousandths = ((rest / 1024) * 1000) >> (exp - 10);
		else
			thousandths = (rest * 1000) >> exp;
		tenths = (unsigned)((thousandths + 50) / 100);
		if (tenths == 10) {
			whole++;
			tenths = 0;
		}
	}
	if (tenths)
		snprintf(buf, len, "%d%s%u%c", (int)whole,
		         point && *point ? point : ".", tenths,
		         letters[exp / 10]);
	else
		snprintf(buf, len, "%d%c", (int)whole, letters[exp / 10]);
}

/*
 * "LABEL (bytes) = N", "LABEL = 4K", or "LABEL=N" for a label ending
 * in "=", then END; no label prints the value alone, padded to WIDTH
 * (negative: to the left), as ipcs's ipc_print_size().
 */
static void print_size(enum unit unit, const char *label, uint64_t size,
                       const char *end, int width)
{
	char human[32];

	if (label && label[strlen(label) - 1] == '=')
		fputs(label, stdout);
	else if (label && unit == UNIT_BYTES)
		printf("%s (bytes) = ", label);
	else if (label && unit == UNIT_KB)
		printf("%s (kbytes) = ", label);
	else if (label)
		printf("%s = ", label);
	if (unit == UNIT_HUMAN) {
		human_size(size, human, sizeof(human));
		printf("%*s", width, human);
	} else {
		printf("%*" PRIu64, width,
		       unit == UNIT_KB ? size / 1024 : size);
	}
	if (end)
		fputs(end, stdout);
}

/* "ID OWNER" with the owner's name cut to 10, or the uid. */
static void print_id_owner(const char *id_format, const struct sysv_obj *o)
{
	const struct passwd *pw = getpwuid(o->uid);

	printf(id_format, o->id);
	if (pw)
		printf(" %-10.10s", pw->pw_name);
	else
		printf(" %-10u", (unsigned)o->uid);
}

static void print_user(uid_t uid, const char *end)
{
	const struct passwd *pw = getpwuid(uid);

	if (pw)
		printf(" %-10s%s", pw->pw_name, end);
	else
		printf(" %-10u%s", (unsigned)uid, end);
}

static void print_group(gid_t gid, const char *end)
{
	const struct group *gr = getgrgid(gid);

	if (gr)
		printf(" %-10s%s", gr->gr_name, end);
	else
		printf(" %-10u%s", (unsigned)gid, end);
}

/* ctime(3)'s "Tue Dec  1 07:38:01 2026\n" (buf holds 26 or more). */
static const char *full_time(int64_t t, char *buf)
{
	time_t tt = (time_t)t;

	if (!ctime_r(&tt, buf))
		buf[0] = '\0';
	return buf;
}

/* As full_time(), or "Not set" for a time that never was. */
static const char *when(int64_t t, char *buf)
{
	return t ? full_time(t, buf) : NOT_SET;
}

/* The tables' form: without the weekday, cut to 16 by the caller. */
static const char *when_short(int64_t t, char *buf)
{
	const char *s = when(t, buf);

	return t && *s ? s + 4 : s;
}

/* ---- the tables: list, -c, -t, -p ---- */

static const char *const titles[3][6] = {
	[SYSV_MSG] = { "Message Queues", "Messages Limits", "Messages Status",
	               "Message Queues Creators/Owners",
	               "Message Queues Send/Recv/Change Times",
	               "Message Queues PIDs" },
	[SYSV_SHM] = { "Shared Memory Segments", "Shared Memory Limits",
	               "Shared Memory Status",
	               "Shared Memory Segment Creators/Owners",
	               "Shared Memory Attach/Detach/Change Times",
	               "Shared Memory Creator/Last-op PIDs" },
	[SYSV_SEM] = { "Semaphore Arrays", "Semaphore Limits",
	               "Semaphore Status", "Semaphore Arrays Creators/Owners",
	               "Semaphore Operation/Change Times", NULL },
};

static const char *const id_names[] = {
	[SYSV_MSG] = "msqid", [SYSV_SHM] = "shmid", [SYSV_SEM] = "semid"
};

static void print_title(enum sysv_kind kind, enum format format)
{
	printf("------ %s --------\n", titles[kind][format]);
}

static void print_header(enum sysv_kind kind, const struct opts *o)
{
	const char *id = id_names[kind];
	bool human = o->unit == UNIT_HUMAN;

	print_title(kind, o->format);
	if (o->format == FMT_CREATOR) {
		printf("%-10s %-10s %-10s %-10s %-10s %-10s\n", id, "perms",
		       "cuid", "cgid", "uid", "gid");
	} else if (o->format == FMT_TIME && kind == SYSV_MSG) {
		printf("%-8s %-10s %-20s %-20s %-20s\n", id, "owner", "send",
		       "recv", "change");
	} else if (o->format == FMT_TIME && kind == SYSV_SHM) {
		printf("%-10s %-10s %-20s %-20s %-20s\n", id, "owner",
		       "attached", "detached", "changed");
	} else if (o->format == FMT_TIME) {
		printf("%-8s %-10s %-26.24s %-26.24s\n", id, "owner", "last-op",
		       "last-changed");
	} else if (o->format == FMT_PID) {
		printf("%-10s %-10s %-10s %-10s\n", id, "owner",
		       kind == SYSV_MSG ? "lspid" : "cpid",
		       kind == SYSV_MSG ? "lrpid" : "lpid");
	} else if (kind == SYSV_MSG) {
		printf("%-10s %-10s %-10s %-10s %-12s %-12s\n", "key", id,
		       "owner", "perms", human ? "size" : "used-bytes",
		       "messages");
	} else if (kind == SYSV_SHM) {
		printf("%-10s %-10s %-10s %-10s %-10s %-10s %-12s\n", "key", id,
		       "owner", "perms", human ? "size" : "bytes", "nattch",
		       "status");
	} else {
		printf("%-10s %-10s %-10s %-10s %-10s\n", "key", id, "owner",
		       "perms", "nsems");
	}
}

static void print_creator_row(const struct sysv_obj *o)
{
	printf("%-10d %-10o", o->id, o->mode & 0777);
	print_user(o->cuid, "");
	print_group(o->cgid, "");
	print_user(o->uid, "");
	print_group(o->gid, "\n");
}

static void print_time_row(enum sysv_kind kind, const struct sysv_obj *o)
{
	char a[32], d[32], c[32];

	if (kind == SYSV_SEM) {
		print_id_owner("%-8d", o);
		printf("  %-26.24s %-26.24s\n", when(o->atime, a),
		       when(o->ctime, c));
		return;
	}
	print_id_owner(kind == SYSV_MSG ? "%-8d" : "%-10d", o);
	printf(" %-20.16s %-20.16s %-20.16s\n", when_short(o->atime, a),
	       when_short(o->dtime, d), when_short(o->ctime, c));
}

static void print_list_row(enum sysv_kind kind, const struct sysv_obj *o,
                           enum unit unit)
{
	bool human = unit == UNIT_HUMAN;

	printf("0x%08x ", (unsigned)o->key);
	print_id_owner("%-10d", o);
	printf(" %-10o", o->mode & 0777);
	if (kind == SYSV_MSG) {
		putchar(' ');
		print_size(unit, NULL, o->size, human ? "      " : NULL,
		           human ? 6 : -12);
		printf(" %-12" PRIu64 "\n", o->count);
	} else if (kind == SYSV_SHM) {
		putchar(' ');
		print_size(unit, NULL, o->size, human ? "    " : NULL,
		           human ? 6 : -10);
		printf(" %-10" PRIu64 " %-6s %-6s\n", o->count,
		       o->mode & SHM_DEST_FLAG ? "dest" : " ",
		       o->mode & SHM_LOCKED_FLAG ? "locked" : " ");
	} else {
		printf(" %-10" PRIu64 "\n", o->size);
	}
}

static void print_row(enum sysv_kind kind, const struct sysv_obj *o,
                      const struct opts *opts)
{
	switch (opts->format) {
	case FMT_CREATOR:
		print_creator_row(o);
		break;
	case FMT_TIME:
		print_time_row(kind, o);
		break;
	case FMT_PID:
		print_id_owner(kind == SYSV_MSG ? "%-8d" : "%-10d", o);
		if (kind == SYSV_MSG)
			printf("  %5d     %5d\n", (int)o->cpid, (int)o->lpid);
		else
			printf(" %-10u %-10u\n", (unsigned)o->cpid,
			       (unsigned)o->lpid);
		break;
	default:
		print_list_row(kind, o, opts->unit);
		break;
	}
}

static void print_table(enum sysv_kind kind, const struct opts *o)
{
	struct sysv_obj *objs;
	size_t count;

	/* ipcs has no -p table for semaphores, not even a header. */
	if (o->format == FMT_PID && kind == SYSV_SEM)
		return;
	print_header(kind, o);
	count = sysv_list(kind, -1, &objs);
	for (size_t i = 0; i < count; i++)
		print_row(kind, &objs[i], o);
	free(objs);
}

/* ---- -l and -u ---- */

/* A number from a /proc/sys file; false if it cannot be read. */
static bool read_number(const char *path, uint64_t *value)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%" SCNu64, value) == 1;
	fclose(f);
	return ok;
}

static bool all_exist(const char *const paths[3])
{
	for (int i = 0; i < 3; i++)
		if (access(paths[i], F_OK) != 0)
			return false;
	return true;
}

static void msg_limits(enum unit unit)
{
	static const char *const files[3] = { "/proc/sys/kernel/msgmni",
		                              "/proc/sys/kernel/msgmnb",
		                              "/proc/sys/kernel/msgmax" };
	uint64_t mni, mnb, max;
	struct msginfo info;

	if (all_exist(files)) {
		if (!read_number(files[0], &mni) ||
		    !read_number(files[1], &mnb) ||
		    !read_number(files[2], &max))
			goto fail;
	} else {
		if (sys_msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&info) <
		    0)
			goto fail;
		mni = (uint64_t)info.msgmni;
		mnb = (uint64_t)info.msgmnb;
		max = (uint64_t)info.msgmax;
	}
	if (unit == UNIT_DEFAULT)
		unit = UNIT_BYTES;
	print_title(SYSV_MSG, FMT_LIMITS);
	printf("max queues system wide = %d\n", (int)mni);
	print_size(unit, "max size of message", max, "\n", 0);
	print_size(unit, "default max size of queue", mnb, "\n", 0);
	return;
fail:
	printf("unable to fetch message limits\n");
}

/* shmall pages in KiB or bytes, kept from wrapping as ipcs does. */
static uint64_t total_shm(uint64_t pages, uint64_t unit_size)
{
	uint64_t total = pages * unit_size;

	if (pages && total / pages != unit_size)
		total = UINT64_MAX - UINT64_MAX % unit_size;
	return total;
}

static void shm_limits(enum unit unit)
{
	static const char *const files[3] = { "/proc/sys/kernel/shmall",
		                              "/proc/sys/kernel/shmmax",
		                              "/proc/sys/kernel/shmmni" };
	uint64_t all = 0, max = 0, mni = 0, page = (uint64_t)getpagesize();
	struct shminfo info;

	if (all_exist(files)) {
		read_number(files[0], &all);
		read_number(files[1], &max);
		read_number(files[2], &mni);
	} else if (sys_shmctl(0, IPC_INFO, (struct shmid_ds *)(void *)&info) <
	           0) {
		printf("unable to fetch shared memory limits\n");
		return;
	} else {
		all = info.shmall;
		max = info.shmmax;
		mni = info.shmmni;
	}
	print_title(SYSV_SHM, FMT_LIMITS);
	printf("max number of segments = %" PRIu64 "\n", mni);
	print_size(unit == UNIT_DEFAULT ? UNIT_KB : unit, "max seg size", max,
	           "\n", 0);
	if (unit == UNIT_DEFAULT || unit == UNIT_KB)
		print_size(UNIT_DEFAULT, "max total shared memory (kbytes)",
		           total_shm(all, page / 1024), "\n", 0);
	else
		print_size(unit, "max total shared memory",
		           total_shm(all, page), "\n", 0);
	print_size(unit == UNIT_DEFAULT ? UNIT_BYTES : unit, "min seg size", 1,
	           "\n", 0);
}

static void sem_limits(void)
{
	FILE *f = fopen("/proc/sys/kernel/sem", "re");
	int msl, mns, opm, mni, got = 0;
	struct seminfo info;

	if (f) {
		got = fscanf(f, "%d\t%d\t%d\t%d", &msl, &mns, &opm, &mni);
		fclose(f);
	}
	if (got != 4) {
		if (sys_semctl(0, 0, IPC_INFO, (union semun){ .info = &info }) <
		    0) {
			printf("unable to fetch semaphore limits\n");
			return;
		}
		msl = info.semmsl;
		mns = info.semmns;
		opm = info.semopm;
		mni = info.semmni;
	}
	print_title(SYSV_SEM, FMT_LIMITS);
	printf("max number of arrays = %d\n", mni);
	printf("max semaphores per array = %d\n", msl);
	printf("max semaphores system wide = %d\n", mns);
	printf("max ops per semop call = %d\n", opm);
	printf("semaphore max value = %u\n", SEMVMX_VALUE);
}

static const char *const kind_names[] = { [SYSV_MSG] = "message queues",
	                                  [SYSV_SHM] = "shared memory",
	                                  [SYSV_SEM] = "semaphores" };

/* The *_INFO call; false after ipcs's line if the kernel refuses it. */
static bool get_info(enum sysv_kind kind, void *info)
{
	int rc;

	if (kind == SYSV_MSG)
		rc = sys_msgctl(0, MSG_INFO, info);
	else if (kind == SYSV_SHM)
		rc = sys_shmctl(0, SHM_INFO, info);
	else
		rc = sys_semctl(0, 0, SEM_INFO, (union semun){ .info = info });
	if (rc < 0)
		printf("kernel not configured for %s\n", kind_names[kind]);
	return rc >= 0;
}

static void print_status(enum sysv_kind kind, enum unit unit)
{
	union {
		struct msginfo msg;
		struct shm_info shm;
		struct seminfo sem;
	} u;

	if (!get_info(kind, &u))
		return;
	print_title(kind, FMT_STATUS);
	if (kind == SYSV_MSG) {
		printf("allocated queues = %d\n", u.msg.msgpool);
		printf("used headers = %d\n", u.msg.msgmap);
		print_size(unit, "used space", (uint64_t)u.msg.msgtql,
		           unit == UNIT_DEFAULT ? " bytes\n" : "\n", 0);
	} else if (kind == SYSV_SHM) {
		printf("segments allocated %d\n"
		       "pages allocated %ld\n"
		       "pages resident  %ld\n"
		       "pages swapped   %ld\n"
		       "Swap performance: %ld attempts\t %ld successes\n",
		       u.shm.used_ids, (long)u.shm.shm_tot, (long)u.shm.shm_rss,
		       (long)u.shm.shm_swp, (long)u.shm.swap_attempts,
		       (long)u.shm.swap_successes);
	} else {
		printf("used arrays = %d\n", u.sem.semusz);
		printf("allocated semaphores = %d\n", u.sem.semaem);
	}
}

static void print_section(enum sysv_kind kind, const struct opts *o)
{
	if (o->format == FMT_LIMITS && kind == SYSV_MSG)
		msg_limits(o->unit);
	else if (o->format == FMT_LIMITS && kind == SYSV_SHM)
		shm_limits(o->unit);
	else if (o->format == FMT_LIMITS)
		sem_limits();
	else if (o->format == FMT_STATUS)
		print_status(kind, o->unit);
	else
		print_table(kind, o);
}

/* ---- -i ID ---- */

static void print_one_shm(int id, const struct sysv_obj *o, enum unit unit)
{
	char a[32], d[32], c[32];

	printf("\nShared memory Segment shmid=%d\n", id);
	printf("uid=%u\tgid=%u\tcuid=%u\tcgid=%u\n", (unsigned)o->uid,
	       (unsigned)o->gid, (unsigned)o->cuid, (unsigned)o->cgid);
	printf("mode=%#o\taccess_perms=%#o\n", o->mode, o->mode & 0777);
	print_size(unit, unit == UNIT_HUMAN ? "size=" : "bytes=", o->size, "\t",
	           0);
	printf("lpid=%u\tcpid=%u\tnattch=%" PRId64 "\n", (unsigned)o->lpid,
	       (unsigned)o->cpid, (int64_t)o->count);
	printf("att_time=%-26.24s\n", when(o->atime, a));
	printf("det_time=%-26.24s\n", when(o->dtime, d));
	/* ipcs prints the change time even if it is 0. */
	printf("change_time=%-26.24s\n\n", full_time(o->ctime, c));
}

static void print_one_msg(int id, const struct sysv_obj *o, enum unit unit)
{
	char s[32], r[32], c[32];
	bool human = unit == UNIT_HUMAN;

	printf("\nMessage Queue msqid=%d\n", id);
	printf("uid=%u\tgid=%u\tcuid=%u\tcgid=%u\tmode=%#o\n", (unsigned)o->uid,
	       (unsigned)o->gid, (unsigned)o->cuid, (unsigned)o->cgid, o->mode);
	print_size(unit, human ? "csize=" : "cbytes=", o->size, "\t", 0);
	print_size(unit, human ? "qsize=" : "qbytes=", o->qbytes, "\t", 0);
	printf("qnum=%" PRId64 "\tlspid=%d\tlrpid=%d\n", (int64_t)o->count,
	       (int)o->cpid, (int)o->lpid);
	printf("send_time=%-26.24s\n", when(o->atime, s));
	printf("rcv_time=%-26.24s\n", when(o->dtime, r));
	printf("change_time=%-26.24s\n\n", when(o->ctime, c));
}

/* One of value, waiters for increase, for zero, last pid; dies if denied. */
static int sem_value(int semid, int num, int cmd, const char *name)
{
	int value = sys_semctl(semid, num, cmd, (union semun){ .val = 0 });

	if (value < 0)
		compat_err("semctl(%s) failed", name);
	return value;
}

static void print_one_sem(int id, const struct sysv_obj *o)
{
	static const int cmds[] = { GETVAL, GETNCNT, GETZCNT, GETPID };
	static const char *const names[] = { "GETVAL", "GETNCNT", "GETZCNT",
		                             "GETPID" };
	char t[32], c[32];
	int *values = calloc(o->size ? o->size : 1, 4 * sizeof(int));

	if (!values)
		die("out of memory");
	/* All of them first: a refusal must leave nothing printed. */
	for (uint64_t i = 0; i < o->size; i++)
		for (int k = 0; k < 4; k++)
			values[i * 4 + k] =
				sem_value(o->id, (int)i, cmds[k], names[k]);
	printf("\nSemaphore Array semid=%d\n", id);
	printf("uid=%u\t gid=%u\t cuid=%u\t cgid=%u\n", (unsigned)o->uid,
	       (unsigned)o->gid, (unsigned)o->cuid, (unsigned)o->cgid);
	printf("mode=%#o, access_perms=%#o\n", o->mode, o->mode & 0777);
	printf("nsems = %" PRIu64 "\n", o->size);
	printf("otime = %-26.24s\n", when(o->atime, t));
	printf("ctime = %-26.24s\n", full_time(o->ctime, c));
	printf("%-10s %-10s %-10s %-10s %-10s\n", "semnum", "value", "ncount",
	       "zcount", "pid");
	for (uint64_t i = 0; i < o->size; i++)
		printf("%-10" PRIu64 " %-10d %-10d %-10d %-10d\n", i,
		       values[i * 4], values[i * 4 + 1], values[i * 4 + 2],
		       values[i * 4 + 3]);
	putchar('\n');
	free(values);
}

/*
 * A negative id asks sysv_list() for every object, and ipcs shows the
 * first under the id given; none found is only a warning, exit 0.
 */
static void print_one(enum sysv_kind kind, int id, enum unit unit)
{
	struct sysv_obj *objs;

	if (sysv_list(kind, id, &objs) == 0) {
		compat_warnx("id %d not found", id);
		return;
	}
	if (kind == SYSV_SHM)
		print_one_shm(id, &objs[0], unit);
	else if (kind == SYSV_MSG)
		print_one_msg(id, &objs[0], unit);
	else
		print_one_sem(id, &objs[0]);
	free(objs);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "id", required_argument, NULL, 'i' },
		{ "queues", no_argument, NULL, 'q' },
		{ "shmems", no_argument, NULL, 'm' },
		{ "semaphores", no_argument, NULL, 's' },
		{ "all", no_argument, NULL, 'a' },
		{ "time", no_argument, NULL, 't' },
		{ "pid", no_argument, NULL, 'p' },
		{ "creator", no_argument, NULL, 'c' },
		{ "limits", no_argument, NULL, 'l' },
		{ "summary", no_argument, NULL, 'u' },
		{ "human", no_argument, NULL, OPT_HUMAN },
		{ "bytes", no_argument, NULL, 'b' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	/* Operands are ignored, as ipcs ignores them. */
	while ((c = compat_getopt(argc, argv, "i:qmsatpclubVh", longopts)) !=
	       -1) {
		switch (c) {
		case 'i':
			o->id = compat_strtos32(optarg,
			                        "failed to parse id argument");
			o->specific = true;
			break;
		case 'a':
			o->kinds[SYSV_MSG] = o->kinds[SYSV_SHM] =
				o->kinds[SYSV_SEM] = true;
			break;
		case 'q':
			o->kinds[SYSV_MSG] = true;
			break;
		case 'm':
			o->kinds[SYSV_SHM] = true;
			break;
		case 's':
			o->kinds[SYSV_SEM] = true;
			break;
		case 't':
			o->format = FMT_TIME;
			break;
		case 'c':
			o->format = FMT_CREATOR;
			break;
		case 'p':
			o->format = FMT_PID;
			break;
		case 'l':
			o->format = FMT_LIMITS;
			break;
		case 'u':
			o->format = FMT_STATUS;
			break;
		case OPT_HUMAN:
			o->unit = UNIT_HUMAN;
			break;
		case 'b':
			o->unit = UNIT_BYTES;
			break;
		case 'h':
			compat_help(usage);
		case 'V':
			compat_version();
		default:
			compat_try_help();
		}
	}
}

int ipcs_main(int argc, char **argv)
{
	static const enum sysv_kind order[] = { SYSV_MSG, SYSV_SHM, SYSV_SEM };
	struct opts o = { .format = FMT_LIST };
	int chosen;

	compat_init("ipcs");
	parse_opts(argc, argv, &o);
	chosen = o.kinds[SYSV_MSG] + o.kinds[SYSV_SHM] + o.kinds[SYSV_SEM];
	if (o.specific && chosen != 1)
		compat_errx("when using an ID, a single resource must be "
		            "specified");
	for (int i = 0; i < 3; i++) {
		enum sysv_kind kind = order[i];

		if (o.specific && o.kinds[kind])
			print_one(kind, o.id, o.unit);
	}
	if (o.specific)
		return compat_close_stdout(EXIT_SUCCESS);
	putchar('\n');
	for (int i = 0; i < 3; i++) {
		if (!chosen || o.kinds[order[i]]) {
			print_section(order[i], &o);
			putchar('\n');
		}
	}
	return compat_close_stdout(EXIT_SUCCESS);
}
