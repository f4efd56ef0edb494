/*
 * shm-server - the reading side of the tutorials' shared-memory pair
 * (SPEC §4.4).
 *
 * It creates a System V segment (IPC_CREAT|IPC_EXCL, 0600 unless
 * --mode), writes a versioned header into it, prints key, id and size,
 * and waits for a client to put its PID into the header.  Then it
 * prints each message as "read: TEXT" and returns it through the same
 * segment.  Unlike the tutorial, waiting is race-free: the wake-up
 * signals are blocked before our PID is published and taken with
 * sigtimedwait, so one sent early stays pending instead of being lost
 * before a pause().  A client that dies is noticed within a second and
 * the next one may come; "quit" or EOF on the client ends both, and the
 * segment (and the semaphore set of --sync sem) goes with us.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"
#include "shm_channel.h"
#include "shm_segment.h"

static const char usage[] =
	"usage: ipcdemo shm-server [-k KEY | -P PATH [--proj C]] [-s BYTES]\n"
	"                          [--sync MODE] [--spin MICROSECONDS]\n"
	"                          [--mode OCTAL] [--force]\n"
	"\n"
	"Create a System V shared memory segment, print its key, id and\n"
	"size, and wait for shm-client.  Print each line it sends as\n"
	"'read: TEXT' and return it.  A 'quit' or EOF on the client ends\n"
	"both; the segment is removed.\n"
	"\n"
	"  -k, --key KEY         System V key (0x hex or decimal)\n"
	"  -P, --path PATH       ftok(3) path for the key (default .)\n"
	"      --proj C          ftok(3) project id (default 'z')\n"
	"  -s, --size BYTES      segment size (default 4096)\n"
	"      --sync MODE       how the sides wake each other: signal\n"
	"                        (default), sem or futex\n"
	"      --spin MICROSECONDS  futex mode: spin this long before\n"
	"                        sleeping (default 20, 0 = never)\n"
	"      --mode OCTAL      permissions of the segment (default 0600)\n"
	"      --force           reclaim a stale segment left by a crash\n"
	"      --trace           print each system call on stderr\n"
	"  -h, --help            print this help\n";

#define DEFAULT_SIZE 4096
#define SHMMAX_FILE "/proc/sys/kernel/shmmax"

enum { OPT_SYNC = OPT_APPLET, OPT_SPIN, OPT_FORCE };

struct opts {
	struct key_opts ko;
	size_t size;
	enum shm_sync sync;
	long spin_us;
	mode_t mode;
	bool force;
};

/* The largest segment: our own limit, or SHMMAX if that is lower. */
static size_t max_size(void)
{
	unsigned long long shmmax = SHM_MAX_SIZE;

	read_number_file(SHMMAX_FILE, &shmmax);
	return shmmax < SHM_MAX_SIZE ? (size_t)shmmax : SHM_MAX_SIZE;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		KEY_LONG_OPTIONS,
		{ "size", required_argument, NULL, 's' },
		{ "sync", required_argument, NULL, OPT_SYNC },
		{ "spin", required_argument, NULL, OPT_SPIN },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool spin_given = false;
	int c;

	while ((c = getopt_long(argc, argv, ":" KEY_OPTIONS "s:h", longopts,
	                        NULL)) != -1) {
		if (key_opts_parse(&o->ko, c, optarg))
			continue;
		switch (c) {
		case 's':
			o->size = parse_size(optarg, SHM_MIN_SIZE, max_size(),
			                     "segment size");
			break;
		case OPT_SYNC:
			o->sync = shm_sync_arg(optarg);
			break;
		case OPT_SPIN:
			o->spin_us = shm_spin_arg(optarg);
			spin_given = true;
			break;
		case OPT_MODE:
			o->mode = parse_mode(optarg);
			break;
		case OPT_FORCE:
			o->force = true;
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	usage_no_operands(argc, argv);
	if (spin_given && o->sync != SHM_SYNC_FUTEX)
		usage_error("--spin goes with --sync futex");
}

/* The client's command line that finds this server from anywhere. */
static void print_waiting(const struct opts *o, key_t key)
{
	printf("waiting for a client (start one with: ipcdemo shm-client "
	       "--key %#x%s%s)\n",
	       (unsigned)key, o->sync == SHM_SYNC_SIGNAL ? "" : " --sync ",
	       o->sync == SHM_SYNC_SIGNAL ? "" : shm_sync_name(o->sync));
}

/* Reads messages and returns each, until the conversation ends. */
static int serve(struct shm_chan *ch)
{
	struct shm_msg msg = { 0 };
	int rc;

	while ((rc = shm_chan_recv(ch, &msg)) == SHM_OK) {
		fputs("read: ", stdout);
		fwrite(msg.data, 1, msg.len, stdout);
		putchar('\n');
		rc = shm_chan_send(ch, msg.data, msg.len);
		if (rc != SHM_OK)
			break;
	}
	free(msg.data);
	return rc;
}

/* Says how the client went; true if the server should carry on. */
static bool client_gone(struct shm_chan *ch, int rc)
{
	pid_t pid = ch->peer_pid;

	if (rc == SHM_PEER_LEFT && (ch->peer_flags & SHM_F_CLIENT_QUIT)) {
		printf("client %d ended the conversation\n", (int)pid);
		return false;
	}
	if (rc == SHM_PEER_LEFT)
		printf("client %d left\n", (int)pid);
	else
		printf("client %d died: %s\n", (int)pid, ch->why);
	shm_chan_reset(ch);
	return true;
}

static int run(const struct opts *o)
{
	struct shm_segment seg;
	struct shm_params params;
	struct shm_chan ch;
	key_t key = key_opts_resolve(&o->ko);
	int rc;

	printf("key %#x from %s\n", (unsigned)key, key_opts_origin(&o->ko));
	/* Before our PID is in the segment, so no wake-up is ever lost. */
	shm_chan_block_signals();
	shm_segment_create(&seg, key, o->size, o->sync, o->mode, o->force);
	printf("created segment shmid %d, %zu bytes, mode %04o, sync %s\n",
	       seg.shmid, seg.size, (unsigned)o->mode, shm_sync_name(o->sync));
	if (seg.semid >= 0)
		printf("created semaphore set semid %d\n", seg.semid);
	params = shm_segment_params(&seg, o->spin_us);
	shm_chan_open(&ch, seg.base, seg.size, SHM_SERVER, &params);
	do {
		print_waiting(o, key);
		rc = shm_chan_accept(&ch);
		if (rc != SHM_OK)
			break;
		printf("client %d connected\n", (int)ch.peer_pid);
		rc = serve(&ch);
	} while (rc != SHM_STOPPED && client_gone(&ch, rc));
	/* Tell a client still attached before the segment goes. */
	shm_chan_leave(&ch, SHM_F_SERVER_GONE);
	if (stop_signal())
		printf("stopped by %s; removing the segment\n",
		       signal_name(stop_signal()));
	return EXIT_SUCCESS;
}

int shm_server_main(int argc, char **argv)
{
	struct opts o = {
		.ko = KEY_OPTS_INIT,
		.size = DEFAULT_SIZE,
		.sync = SHM_SYNC_SIGNAL,
		.spin_us = SHM_DEFAULT_SPIN_US,
		.mode = DEFAULT_MODE,
	};

	parse_opts(argc, argv, &o);
	return run(&o);
}
