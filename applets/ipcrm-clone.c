/*
 * ipcrm-clone - remove System V IPC objects, as util-linux ipcrm 2.38
 * does (SPEC §4.6).
 *
 * Scripts run it in ipcrm's place, so everything they can see is
 * ipcrm's: the options, the legacy "ipcrm shm|msg|sem ID..." syntax,
 * the messages (named "ipcrm" however this applet was called), exit
 * status 1 for any failure including bad usage, and how numbers are
 * read.  Ids are decimal and must fit in 32 bits; keys take any base
 * strtoul(3) does (0x hex, 0 octal, decimal) and wrap to 32 bits, so
 * "-1" is key 0xffffffff and 0x100000000 is key 0, IPC_PRIVATE, which
 * no lookup can find.  The legacy syntax reads ids with strtoul too,
 * so there an empty id is 0 and "-1" is -1.  Options act in the order
 * given and a failure does not stop the rest, except a number that
 * cannot be read at all, which ends the run at once; --all acts after
 * all of them.
 *
 * The getopt string has no leading ':': glibc's own messages ("invalid
 * option -- 'x'") are the ones ipcrm prints.  Removal is IPC_RMID; a
 * segment still attached stays, marked for destruction ("dest" in
 * ipcs), until its last detach.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ipcdemo.h"

static const char usage[] =
	"\n"
	"Usage:\n"
	" ipcrm [options]\n"
	" ipcrm shm|msg|sem <id>...\n"
	"\n"
	"Remove certain IPC resources.\n"
	"\n"
	"Options:\n"
	" -m, --shmem-id <id>        remove shared memory segment by id\n"
	" -M, --shmem-key <key>      remove shared memory segment by key\n"
	" -q, --queue-id <id>        remove message queue by id\n"
	" -Q, --queue-key <key>      remove message queue by key\n"
	" -s, --semaphore-id <id>    remove semaphore by id\n"
	" -S, --semaphore-key <key>  remove semaphore by key\n"
	" -a, --all[=shm|msg|sem]    remove all (in the specified category)\n"
	" -v, --verbose              explain what is being done\n"
	"\n"
	" -h, --help                 display this help\n"
	" -V, --version              display version\n"
	"\n"
	"For more details see ipcrm(1).\n";

#define PARSE_FAILED "failed to parse argument"

/* What -a removes; the order is ipcrm's: segments, sets, queues. */
enum {
	ALL_SHM = 1 << SYSV_SHM,
	ALL_MSG = 1 << SYSV_MSG,
	ALL_SEM = 1 << SYSV_SEM,
	ALL_KINDS = ALL_SHM | ALL_MSG | ALL_SEM
};

static const char *const nouns[] = {
	[SYSV_SHM] = "shared memory segment",
	[SYSV_MSG] = "message queue",
	[SYSV_SEM] = "semaphore",
};

static const char *const legacy_words[] = {
	[SYSV_SHM] = "shm",
	[SYSV_MSG] = "msg",
	[SYSV_SEM] = "sem",
};

static const char *const unconfigured[] = {
	[SYSV_SHM] = "kernel not configured for shared memory",
	[SYSV_MSG] = "kernel not configured for message queues",
	[SYSV_SEM] = "kernel not configured for semaphores",
};

static bool verbose;

static int rmid(enum sysv_kind kind, int id)
{
	switch (kind) {
	case SYSV_SHM:
		return sys_shmctl(id, IPC_RMID, NULL);
	case SYSV_MSG:
		return sys_msgctl(id, IPC_RMID, NULL);
	case SYSV_SEM:
		return sys_semctl(id, 0, IPC_RMID, (union semun){ .val = 0 });
	}
	return -1;
}

/*
 * Removes one object; false if that failed.  by_key only changes the
 * words of the message, which names the id either way, as ipcrm's
 * does.
 */
static bool remove_id(enum sysv_kind kind, bool by_key, int id)
{
	const char *why;

	if (verbose)
		printf("removing %s id `%d'\n", nouns[kind], id);
	if (rmid(kind, id) == 0)
		return true;
	switch (errno) {
	case EACCES:
	case EPERM:
		why = by_key ? "permission denied for key"
		             : "permission denied for id";
		break;
	case EINVAL:
		why = by_key ? "invalid key" : "invalid id";
		break;
	case EIDRM:
		why = by_key ? "already removed key" : "already removed id";
		break;
	default:
		compat_err("%s", by_key ? "key failed" : "id failed");
	}
	compat_warnx("%s (%d)", why, id);
	return false;
}

/*
 * A key in any base strtoul(3) reads, cut to 32 bits.  An empty one is
 * reported with whatever errno the run has left so far (setlocale's,
 * or the last failed call's), as ipcrm does: with a locale from the
 * environment that is usually ENOENT.
 */
static key_t read_key(const char *arg)
{
	unsigned long num;
	char *end;

	if (*arg) {
		errno = 0;
		num = strtoul(arg, &end, 0);
		if (!errno && end != arg && !*end)
			return (key_t)(uint32_t)num;
	}
	if (errno)
		compat_err("%s: '%s'", PARSE_FAILED, arg);
	compat_errx("%s: '%s'", PARSE_FAILED, arg);
}

static int get_by_key(enum sysv_kind kind, key_t key)
{
	switch (kind) {
	case SYSV_SHM:
		return sys_shmget(key, 0, 0);
	case SYSV_MSG:
		return sys_msgget(key, 0);
	case SYSV_SEM:
		return sys_semget(key, 0, 0);
	}
	return -1;
}

/* The id of the object with the key in arg, or -1 after a warning. */
static int key_to_id(enum sysv_kind kind, const char *arg)
{
	key_t key = read_key(arg);
	const char *why;
	int id;

	if (key == IPC_PRIVATE) {
		compat_warnx("illegal key (%s)", arg);
		return -1;
	}
	id = get_by_key(kind, key);
	if (id >= 0)
		return id;
	switch (errno) {
	case EACCES:
		why = "permission denied for key";
		break;
	case EIDRM:
		why = "already removed key";
		break;
	case ENOENT:
		why = "invalid key";
		break;
	default:
		compat_err("key failed");
	}
	compat_warnx("%s (%s)", why, arg);
	return -1;
}

/* Every object of the kinds asked for that this caller may read. */
static bool remove_all(unsigned kinds)
{
	static const enum sysv_kind order[] = { SYSV_SHM, SYSV_SEM, SYSV_MSG };
	struct sysv_obj o;
	bool ok = true;

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum sysv_kind kind = order[i];
		int max;

		if (!(kinds & (1u << kind)))
			continue;
		max = sysv_max_index(kind);
		if (max < 0)
			compat_errx("%s", unconfigured[kind]);
		for (int index = 0; index <= max; index++)
			if (sysv_stat(kind, index, &o) &&
			    !remove_id(kind, false, o.id))
				ok = false;
	}
	return ok;
}

/* "ipcrm shm|msg|sem ID...": every id read by strtoul, base 10. */
static int legacy_main(enum sysv_kind kind, int argc, char **argv)
{
	int failures = 0;

	if (argc < 3) {
		compat_warnx("not enough arguments");
		compat_try_help();
	}
	for (int i = 2; i < argc; i++) {
		unsigned long num;
		char *end;

		errno = 0;
		num = strtoul(argv[i], &end, 10);
		if (errno || *end) {
			compat_warnx("invalid id: %s", argv[i]);
			failures++;
		} else if (!remove_id(kind, false, (int)(uint32_t)num)) {
			failures++;
		}
	}
	if (failures)
		return EXIT_FAILURE;
	printf("resource(s) deleted\n");
	return EXIT_SUCCESS;
}

static bool is_legacy(const char *word, enum sysv_kind *kind)
{
	for (size_t k = 0; k < sizeof(legacy_words) / sizeof(*legacy_words);
	     k++) {
		if (strcmp(word, legacy_words[k]) == 0) {
			*kind = (enum sysv_kind)k;
			return true;
		}
	}
	return false;
}

static unsigned parse_all(const char *arg)
{
	enum sysv_kind kind;

	if (!arg)
		return ALL_KINDS;
	if (!is_legacy(arg, &kind))
		compat_errx("unknown argument: %s", arg);
	return 1u << kind;
}

static enum sysv_kind option_kind(int c)
{
	switch (c) {
	case 'm':
	case 'M':
		return SYSV_SHM;
	case 'q':
	case 'Q':
		return SYSV_MSG;
	default:
		return SYSV_SEM;
	}
}

int ipcrm_clone_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "shmem-id", required_argument, NULL, 'm' },
		{ "shmem-key", required_argument, NULL, 'M' },
		{ "queue-id", required_argument, NULL, 'q' },
		{ "queue-key", required_argument, NULL, 'Q' },
		{ "semaphore-id", required_argument, NULL, 's' },
		{ "semaphore-key", required_argument, NULL, 'S' },
		{ "all", optional_argument, NULL, 'a' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned all = 0;
	enum sysv_kind kind;
	int c, id, failures = 0;

	compat_init("ipcrm");
	if (argc > 1 && is_legacy(argv[1], &kind))
		return compat_close_stdout(legacy_main(kind, argc, argv));
	while ((c = compat_getopt(argc, argv, "q:m:s:Q:M:S:a::vhV",
	                          longopts)) != -1) {
		switch (c) {
		case 'm':
		case 'q':
		case 's':
			id = compat_strtos32(optarg, PARSE_FAILED);
			if (!remove_id(option_kind(c), false, id))
				failures++;
			break;
		case 'M':
		case 'Q':
		case 'S':
			id = key_to_id(option_kind(c), optarg);
			if (id < 0 || !remove_id(option_kind(c), true, id))
				failures++;
			break;
		case 'a':
			all = parse_all(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		case 'h':
			compat_help(usage);
		case 'V':
			compat_version();
		default:
			compat_try_help();
		}
	}
	if (all && !remove_all(all))
		failures++;
	if (optind < argc) {
		compat_warnx("unknown argument: %s", argv[optind]);
		compat_try_help();
	}
	return compat_close_stdout(failures ? EXIT_FAILURE : EXIT_SUCCESS);
}
