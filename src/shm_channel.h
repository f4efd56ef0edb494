/*
 * shm_channel.h - a two-way message channel over a region of shared
 * memory (SPEC §4.4, STYLE §5).
 *
 * The channel works on (base, size) and never asks how the memory was
 * obtained: shm_segment.c gets it from System V shmget/shmat, mmap-demo
 * from a MAP_SHARED file, bench from either.  The region holds a fixed
 * header and two single-producer single-consumer rings, client->server
 * and server->client.  A message is one or more length-prefixed
 * records; one longer than a ring goes in fragments and is reassembled.
 *
 * Waiting: each side has a "sleeping" word saying what it blocks for
 * and a "wake" word the other side bumps, so a wake-up system call is
 * made only when the peer really sleeps for what was just done; a
 * stream of sends makes none while the receiver keeps up.  How a side
 * sleeps is the sync mode:
 *   signal  sigtimedwait for SIGUSR2 (server) or SIGUSR1 (client), woken
 *           with kill(2), as the tutorial does, but race-free;
 *   sem     semtimedop on its semaphore of a two-semaphore System V set;
 *   futex   spin briefly (spin_us), then FUTEX_WAIT on its wake word.
 * Every wait is bounded to a second, so a peer that died (kill(pid, 0),
 * plus the caller's own check, e.g. shm_nattch) and a stop signal are
 * noticed within about a second.
 *
 * Nothing read from the region is trusted: each peer-written field is
 * loaded once, checked and then used.  A bad one ends the process with
 * "corrupt header: ..." (die(), so the cleanup list still runs); no
 * access ever goes outside (base, size).
 *
 * Typical use (a server, error handling left out):
 *
 *	shm_chan_format(base, size, SHM_SYNC_FUTEX, getpid());
 *	shm_chan_publish(base);                  (after any semaphore set)
 *	shm_chan_open(&ch, base, size, SHM_SERVER, &params);
 *	shm_chan_accept(&ch);                    (waits for a client)
 *	while (shm_chan_recv(&ch, &msg) == SHM_OK)
 *		shm_chan_send(&ch, msg.data, msg.len);
 *
 * and a client: shm_chan_check(), shm_chan_open(..., SHM_CLIENT, ...),
 * shm_chan_connect(), then shm_chan_send()/shm_chan_recv() and at the
 * end shm_chan_leave().  For a stream, call shm_chan_send() many times
 * and wait once at the end; for round trips, send then recv.  In signal
 * mode both processes call shm_chan_block_signals() before anything.
 */
#ifndef IPCDEMO_SHM_CHANNEL_H
#define IPCDEMO_SHM_CHANNEL_H

#include <sys/types.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SHM_MAGIC 0x49504331u /* "IPC1" */
#define SHM_VERSION 1
#define SHM_LINE 64     /* cache line: one writer per line */
#define SHM_RING_MIN 64 /* smallest ring a region may have */
#define SHM_DEFAULT_SPIN_US 20
#define SHM_MAX_SPIN_US 1000000 /* the largest --spin */
/* A peer may not make us allocate without bound for one message. */
#define SHM_MSG_MAX (256u << 20)

enum shm_sync { SHM_SYNC_SIGNAL = 1, SHM_SYNC_SEM = 2, SHM_SYNC_FUTEX = 3 };
enum shm_role { SHM_SERVER = 0, SHM_CLIENT = 1 };

/* Header flags: how a side said goodbye. */
#define SHM_F_CLIENT_LEFT 0x1u /* the client went away */
#define SHM_F_CLIENT_QUIT 0x2u /* ... and asked the server to end too */
#define SHM_F_SERVER_GONE 0x4u /* the server shut down */
#define SHM_F_ALL 0x7u

/*
 * The words one side writes (the other only reads them, except to
 * clear "sleeping" when it wakes this side), in two cache lines: the
 * hot one changes with every message, the cold one only around a
 * sleep, so a side can look at its peer's "sleeping" after every
 * message without a cache miss.  head is what this side has written
 * into the ring it fills, tail what it has consumed of the ring it
 * empties, both counted in bytes since the client connected (at 2^64
 * they never wrap).  wake is the futex word the peer sleeps on, which
 * this side bumps to wake it.
 */
struct shm_side {
	_Atomic uint64_t head;
	_Atomic uint64_t tail;
	uint8_t hot_pad[SHM_LINE - 16];
	_Atomic uint32_t sleeping; /* what I block for (0: awake) */
	_Atomic uint32_t wake;     /* the peer's futex word; I bump it */
	uint8_t cold_pad[SHM_LINE - 8];
};

struct shm_header {
	uint32_t magic; /* stored last, by the creator (release) */
	uint16_t version;
	uint16_t header_size;
	uint32_t sync_mode; /* enum shm_sync */
	uint32_t data_size; /* bytes after the header: both rings */
	int32_t server_pid;
	_Atomic int32_t client_pid; /* 0 = free; claimed by compare-exchange */
	_Atomic uint32_t flags;     /* SHM_F_* */
	_Atomic uint32_t session;   /* bumped each time the slot is freed */
	uint8_t pad[SHM_LINE - 32];
	struct shm_side side[2]; /* [SHM_SERVER], [SHM_CLIENT] */
};
_Static_assert(sizeof(struct shm_header) == 5 * SHM_LINE, "bump SHM_VERSION");
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomics must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "atomics must be lock-free");

/* The smallest region: the header and two minimal rings. */
#define SHM_MIN_SIZE (sizeof(struct shm_header) + 2 * SHM_RING_MIN)
/* The largest: data_size is 32 bits, and a GiB is plenty for a demo. */
#define SHM_MAX_SIZE (1UL << 30)

/* What the blocking calls return. */
enum shm_status {
	SHM_OK = 0,
	SHM_STOPPED,   /* a stop signal (SIGINT, SIGTERM, SIGHUP) came */
	SHM_PEER_LEFT, /* the peer said goodbye; see shm_chan.peer_flags */
	SHM_PEER_DIED, /* the peer is gone without a word */
	SHM_BUSY,      /* connect: another client holds the slot */
};

struct shm_chan;

/*
 * The caller's own test that the peer is still there, run about once a
 * second while waiting, e.g. "is the segment still attached twice?".
 * Returns false when the peer is gone; may fill why[len].
 */
typedef bool (*shm_peer_check_fn)(struct shm_chan *ch, void *arg, char *why,
                                  size_t len);

struct shm_params {
	enum shm_sync sync;
	int semid;    /* sem mode: the set, semaphore 0 the server's */
	long spin_us; /* futex mode: spin this long first; -1: default */
	shm_peer_check_fn peer_check; /* optional */
	void *peer_check_arg;
};

struct shm_ring {
	unsigned char *data;
	uint32_t size;
};

struct shm_chan {
	struct shm_header *hdr;
	size_t size;
	enum shm_role role;
	struct shm_params p;
	struct shm_side *me, *peer; /* my words, the peer's words */
	struct shm_ring tx, rx;     /* the ring I write, the one I read */
	/* Private copies: the truth about positions, checked against. */
	uint64_t tx_head, tx_tail_seen;
	uint64_t rx_tail, rx_head_seen, rx_tail_shown;
	pid_t peer_pid;      /* 0 until connected */
	uint32_t peer_flags; /* after SHM_PEER_LEFT: the SHM_F_* it set */
	char why[160];       /* after SHM_PEER_DIED: what was seen */
	struct timespec last_check;
};

/* A received message: data[len], grown as needed, freed by the caller. */
struct shm_msg {
	char *data;
	size_t len;
	size_t cap;
};

const char *shm_sync_name(enum shm_sync sync);
/* "signal", "sem" or "futex"; returns 0 for anything else. */
enum shm_sync shm_sync_parse(const char *name);
/*
 * The --sync MODE and --spin MICROSECONDS options of the applets: the
 * value, or a usage error (exit 2) saying what is allowed.
 */
enum shm_sync shm_sync_arg(const char *arg);
long shm_spin_arg(const char *arg);

/*
 * Writes a fresh header for a region of size bytes (everything but the
 * magic).  Returns false if size is outside SHM_MIN_SIZE..SHM_MAX_SIZE.
 */
bool shm_chan_format(void *base, size_t size, enum shm_sync sync, pid_t server);
/* Stores the magic, last and with release: the region is ready. */
void shm_chan_publish(void *base);
/*
 * Checks a region's header against its real size (shm_segsz or the
 * mapping's size, never the header's own word).  Returns true if it is
 * a channel of ours; otherwise fills why[len], e.g. "bad magic 0x0".
 */
bool shm_chan_check(const void *base, size_t size, char *why, size_t len);

/* Sets up ch over a checked region; no waiting, no system call. */
void shm_chan_open(struct shm_chan *ch, void *base, size_t size,
                   enum shm_role role, const struct shm_params *params);

/* Server: waits for a client to claim the slot; SHM_OK or SHM_STOPPED. */
int shm_chan_accept(struct shm_chan *ch);
/* Client: claims the slot; SHM_OK, or SHM_BUSY with *holder set. */
int shm_chan_connect(struct shm_chan *ch, pid_t *holder);
/*
 * Server, after SHM_PEER_LEFT or SHM_PEER_DIED: empties the rings and
 * frees the slot for the next client.
 */
void shm_chan_reset(struct shm_chan *ch);

/*
 * Sends one message of len bytes (0 allowed), in fragments if needed;
 * blocks while the ring is full.  Returns when all of it is in the ring.
 */
int shm_chan_send(struct shm_chan *ch, const void *buf, size_t len);
/*
 * Waits until the peer has taken everything sent so far: the end of a
 * one-way stream, whose sender must not report success for lines a
 * reader never got.  SHM_OK, SHM_STOPPED, SHM_PEER_LEFT or _DIED.
 */
int shm_chan_drain(struct shm_chan *ch);
/* Receives one whole message into msg; blocks until it has come. */
int shm_chan_recv(struct shm_chan *ch, struct shm_msg *msg);
/* True if a record is waiting to be received (no blocking). */
bool shm_chan_pending(struct shm_chan *ch);

/* Says goodbye: sets the SHM_F_* flags and rings the peer's bell. */
void shm_chan_leave(struct shm_chan *ch, uint32_t flags);
/*
 * The once-a-second checks, for a caller that waits elsewhere (e.g. on
 * its standard input): the header is still ours, the peer is alive and
 * has not said goodbye.  SHM_OK, SHM_PEER_LEFT or SHM_PEER_DIED.
 */
int shm_chan_check_peer(struct shm_chan *ch);
/* Rings the peer's bell whether or not it sleeps (tests, goodbyes). */
void shm_chan_wake_peer(struct shm_chan *ch);

/* The signals of signal mode: block both before publishing a PID. */
#define SHM_SIG_TO_SERVER SIGUSR2
#define SHM_SIG_TO_CLIENT SIGUSR1
void shm_chan_block_signals(void);

#endif
