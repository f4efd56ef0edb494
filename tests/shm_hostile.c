/*
 * shm_hostile - a test-only peer that breaks the shm channel's rules
 * (tests/shm-server.bats, tests/shm-client.bats; built for tests only).
 *
 *   shm_hostile KEY SYNC ATTACK
 *
 * As a client of a running shm-server (magic, version, length,
 * backwards), or as a server for one shm-client (serve-length,
 * serve-backwards), it talks the protocol correctly first, then writes
 * one bad word into the segment and wakes the other side, which must
 * say "corrupt header: ..." and exit 1.  It then waits (bounded) for
 * the other side to go.  foreign and foreign-size leave a segment under
 * KEY that is not a channel (zeros; a header whose size is wrong) for
 * shm-server to refuse, and print its shmid.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"
#include "shm_channel.h"
#include "shm_segment.h"

#define FOREIGN_SIZE 1000
#define GONE_WAIT_TRIES 200 /* x 50 ms */

static const char usage[] =
	"usage: shm_hostile KEY SYNC magic|version|length|backwards\n"
	"       shm_hostile KEY SYNC serve-length|serve-backwards\n"
	"       shm_hostile KEY SYNC foreign|foreign-size\n";

/* Waits until the segment is attached by us alone, or a while. */
static void wait_peer_gone(const struct shm_segment *seg, pid_t peer)
{
	struct shmid_ds ds;

	for (int i = 0; i < GONE_WAIT_TRIES; i++) {
		if (sys_shmctl(seg->shmid, IPC_STAT, &ds) == -1 ||
		    ds.shm_nattch < 2 || (peer > 0 && kill(peer, 0) == -1))
			return;
		sleep_seconds(0.05);
	}
	die("the other side did not notice");
}

/* Writes a raw record header claiming len bytes, and publishes it. */
static void bad_record(struct shm_chan *ch, uint32_t len)
{
	uint32_t rec[2] = { len, 0 };
	uint64_t pos = ch->tx_head;

	memcpy(ch->tx.data + pos % ch->tx.size, rec, sizeof(rec));
	atomic_store(&ch->me->head, pos + sizeof(rec));
}

static void backwards(struct shm_chan *ch)
{
	atomic_store(&ch->me->head, ch->tx_head - 8);
}

static int as_client(key_t key, enum shm_sync sync, const char *attack)
{
	struct shm_segment seg;
	struct shm_params params;
	struct shm_chan ch;
	struct shm_msg msg = { 0 };
	pid_t holder;

	shm_segment_attach(&seg, key);
	if (seg.sync != sync)
		die("server's sync is %s", shm_sync_name(seg.sync));
	params = shm_segment_params(&seg, 0);
	shm_chan_open(&ch, seg.base, seg.size, SHM_CLIENT, &params);
	if (shm_chan_connect(&ch, &holder) != SHM_OK)
		die("slot taken by %d", (int)holder);
	if (shm_chan_send(&ch, "hello", 5) != SHM_OK ||
	    shm_chan_recv(&ch, &msg) != SHM_OK)
		die("no reply");
	free(msg.data);
	printf("attacking: %s\n", attack);
	fflush(stdout);
	if (strcmp(attack, "magic") == 0)
		__atomic_store_n(&ch.hdr->magic, 0x0badbad0, __ATOMIC_RELEASE);
	else if (strcmp(attack, "version") == 0)
		__atomic_store_n(&ch.hdr->version, 99, __ATOMIC_RELEASE);
	else if (strcmp(attack, "length") == 0)
		bad_record(&ch, 0x7fffffff);
	else if (strcmp(attack, "backwards") == 0)
		backwards(&ch);
	else
		usage_error("unknown attack '%s'", attack);
	shm_chan_wake_peer(&ch);
	wait_peer_gone(&seg, ch.peer_pid);
	return EXIT_SUCCESS;
}

static int as_server(key_t key, enum shm_sync sync, const char *attack)
{
	struct shm_segment seg;
	struct shm_params params;
	struct shm_chan ch;
	struct shm_msg msg = { 0 };

	shm_segment_create(&seg, key, 4096, sync, DEFAULT_MODE, false);
	params = shm_segment_params(&seg, 0);
	shm_chan_open(&ch, seg.base, seg.size, SHM_SERVER, &params);
	printf("waiting for a client\n");
	fflush(stdout);
	if (shm_chan_accept(&ch) != SHM_OK ||
	    shm_chan_recv(&ch, &msg) != SHM_OK)
		die("no client");
	if (strcmp(attack, "serve-length") == 0) {
		bad_record(&ch, 0x10000);
	} else if (strcmp(attack, "serve-backwards") == 0) {
		if (shm_chan_send(&ch, msg.data, msg.len) != SHM_OK ||
		    shm_chan_recv(&ch, &msg) != SHM_OK)
			die("no second message");
		backwards(&ch);
	} else {
		usage_error("unknown attack '%s'", attack);
	}
	free(msg.data);
	printf("attacking: %s\n", attack);
	fflush(stdout);
	shm_chan_wake_peer(&ch);
	wait_peer_gone(&seg, ch.peer_pid);
	return EXIT_SUCCESS;
}

/* A segment under key that is not a channel; left for the test. */
static int foreign(key_t key, bool right_magic)
{
	size_t size = right_magic ? 8192 : FOREIGN_SIZE;
	int shmid = sys_shmget(key, size, IPC_CREAT | IPC_EXCL | 0600);
	void *base;

	if (shmid == -1)
		die_errno("shmget");
	base = sys_shmat(shmid, NULL, 0);
	if (base == (void *)-1)
		die_errno("shmat");
	/* A real header, but for a segment of half this size. */
	if (right_magic) {
		shm_chan_format(base, size / 2, SHM_SYNC_SIGNAL, getpid());
		shm_chan_publish(base);
	}
	sys_shmdt(base);
	printf("%d\n", shmid);
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	enum shm_sync sync;
	key_t key;

	applet_name = "shm_hostile";
	setvbuf(stdout, NULL, _IOLBF, 0);
	signals_init();
	trace_init(&argc, argv);
	if (argc != 4) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	key = parse_key(argv[1]);
	sync = shm_sync_parse(argv[2]);
	if (!sync)
		usage_error("unknown sync '%s'", argv[2]);
	/* Signal mode: the other side's wake-ups must not kill us. */
	shm_chan_block_signals();
	if (strncmp(argv[3], "foreign", 7) == 0)
		return foreign(key, strcmp(argv[3], "foreign-size") == 0);
	if (strncmp(argv[3], "serve-", 6) == 0)
		return as_server(key, sync, argv[3]);
	return as_client(key, sync, argv[3]);
}
