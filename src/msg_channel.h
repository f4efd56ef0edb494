/*
 * msg_channel.h - the System V message-queue channel of msg-server and
 * msg-client (SPEC §4.3), also driven by bench and tour.
 *
 * On the wire every message is  long mtype  +  struct msg_header (24
 * bytes of fixed-width fields)  +  text.  One message carries at most
 * msgmax (/proc/sys/kernel/msgmax) bytes after mtype, so a longer text
 * goes as several fragments of the same type, each saying where its
 * bytes go; the receiver puts them together per sender PID, so the
 * fragments of several senders may interleave.  Nothing is cut: a
 * fragment that does not fit its sender's message is refused whole.
 *
 * Types: requests are 888 (MSG_REQUEST_TYPE, the tutorial's) or what
 * --type says; a reply is typed with its client's PID, so each client
 * receives only its own (the tutorial's fixed 999 lets two clients take
 * each other's replies).  The server's beacon, type MSG_BEACON_TYPE, is
 * the first message it sends and stays in the queue as long as the
 * server lives: it holds the server's PID and start time, so a client
 * and a later server can tell a live server from a stale queue, and
 * its magic tells our queues from anyone else's.  It is read in place
 * with MSG_COPY, never taken.
 *
 * The hot path is one msgsnd() or msgrcv() per fragment and one memcpy
 * into the send buffer (none if the caller built the text in place in
 * msg_send_buffer()); a received whole message is handed out where
 * msgrcv() put it.  Waiting is bounded without extra calls: the caller
 * runs tick_arm(), and at each EINTR the blocking calls look at the stop
 * flag, the deadline and the peer (kill(pid, 0)) in struct msg_wait.
 */
#ifndef IPCDEMO_MSG_CHANNEL_H
#define IPCDEMO_MSG_CHANNEL_H

#include "ipcdemo.h"

#define MSG_REQUEST_TYPE 888L
/* The largest --type; the one above it is the beacon's. */
#define MSG_TYPE_MAX 2147483646L
#define MSG_BEACON_TYPE 2147483647L
/* PID_MAX_LIMIT on 64-bit Linux: replies are typed 1..MSG_PID_LIMIT. */
#define MSG_PID_LIMIT 4194304
/* The longest text the channel reassembles; longer ones are refused. */
#define MSG_TEXT_MAX (16u << 20)
/* The kernel's default msgmax, if /proc/sys/kernel/msgmax is unreadable. */
#define MSG_DEFAULT_MSGMAX 8192
#define MSG_MAGIC 0x3147534du /* "MSG1" in memory on little-endian */
#define MSG_VERSION 1

enum msg_kind {
	MSG_REQUEST = 1,  /* a client's text, wants a MSG_REPLY */
	MSG_REPLY,        /* the server's answer: the text, server's PID */
	MSG_SHUTDOWN,     /* asks the server to remove the queue and exit */
	MSG_SHUTDOWN_ACK, /* the server's answer to MSG_SHUTDOWN */
	MSG_BEACON,       /* the server's card; text is struct msg_beacon */
	MSG_DATA,         /* one-way data, wants no reply (bench streams) */
};

/* The start of every message's mtext.  Fixed-width: another process reads it.
 */
struct msg_header {
	uint32_t magic;   /* MSG_MAGIC */
	uint16_t version; /* MSG_VERSION */
	uint16_t kind;    /* enum msg_kind */
	int32_t pid;      /* the sender; a reply goes to type pid */
	uint32_t seq;     /* the client's request number, echoed in the reply */
	uint32_t total;   /* length of the whole text */
	uint32_t offset;  /* where this fragment's bytes go in it */
};
_Static_assert(sizeof(struct msg_header) == 24, "bump MSG_VERSION");

/* The beacon's text. */
struct msg_beacon {
	int64_t request_type; /* the type the server reads requests from */
	uint64_t start_time;  /* its start, in clock ticks after boot */
};
_Static_assert(sizeof(struct msg_beacon) == 16, "bump MSG_VERSION");
/* What the beacon takes of the queue's msg_qbytes. */
#define MSG_BEACON_BYTES (sizeof(struct msg_header) + sizeof(struct msg_beacon))

/* What msgsnd() sends and msgrcv() fills. */
struct msg_packet {
	long mtype;
	struct msg_header h;
	char text[];
};

/* A whole message, reassembled if it came in fragments. */
struct msg_message {
	enum msg_kind kind;
	pid_t pid;
	uint32_t seq;
	char *text; /* NUL after the last byte; valid until the next msg_recv */
	size_t len;
};

/*
 * How long a blocking call may wait.  Looked at only when the call
 * returns EINTR, i.e. at each tick of tick_arm() or on a signal.
 */
struct msg_wait {
	struct timespec deadline; /* CLOCK_MONOTONIC; {0, 0}: no deadline */
	pid_t peer;               /* > 0: give up (ESRCH) once it has gone */
	uint64_t peer_start; /* its start time (0: unknown), vs PID reuse */
	void (*on_tick)(void *arg); /* NULL, or called at each tick first */
	void *arg;
};

struct msg_partial; /* a text being reassembled, one per sender */

struct msg_channel {
	int msqid;
	size_t msgmax;   /* the kernel's limit on one message after mtype */
	size_t frag_max; /* text bytes one message carries */
	pid_t self;      /* goes in the header; set again in a forked child */
	struct msg_packet *out;
	struct msg_packet *in;
	struct msg_partial *partials;
	size_t partial_count;
	size_t partial_cap;
	char *whole; /* the last reassembled text */
};

/* The system's limit on one message, from /proc/sys/kernel/msgmax. */
size_t msg_max_size(void);
/*
 * Sets up a channel on an open queue: reads msgmax and the queue's
 * msg_qbytes (a fragment must fit beside the beacon) and allocates the
 * buffers.  Dies if out of memory; returns -1 with errno if IPC_STAT
 * fails.
 */
int msg_channel_init(struct msg_channel *ch, int msqid);
void msg_channel_free(struct msg_channel *ch);

/* Sets w->deadline to seconds from now (seconds < 0: no deadline). */
void msg_wait_timeout(struct msg_wait *w, double seconds);

/*
 * Where to build a text of up to ch->frag_max bytes, so that msg_send()
 * of exactly this pointer copies nothing.
 */
char *msg_send_buffer(struct msg_channel *ch);
/*
 * Sends text as one message of the given type, in as many fragments as
 * it needs (len <= MSG_TEXT_MAX).  A full queue makes it wait, bounded
 * by w (NULL: until it has room or a stop signal comes).  Returns 0, or
 * -1 with errno: EINTR (stop signal), ETIMEDOUT (deadline), ESRCH (the
 * peer has gone), EMSGSIZE (len too long), EIDRM or EINVAL (the queue
 * was removed: see msg_queue_gone()), or msgsnd's own.
 */
int msg_send(struct msg_channel *ch, long type, enum msg_kind kind,
             uint32_t seq, const void *text, size_t len,
             const struct msg_wait *w);
/*
 * Receives the next whole message of the given type into *m, bounded
 * by w as msg_send() is.  Malformed and foreign messages are dropped
 * with a warning.  Returns 0, or -1 with errno as msg_send().
 */
int msg_recv(struct msg_channel *ch, long type, struct msg_message *m,
             const struct msg_wait *w);

/* Removes, without waiting, every message of this type; returns how many. */
size_t msg_reclaim(struct msg_channel *ch, long type);
/* Drops the half-received texts of senders that have gone; returns how many. */
size_t msg_sweep_partials(struct msg_channel *ch);

/* The server's card: posted first, read in place by anyone. */
int msg_beacon_post(struct msg_channel *ch, long request_type);
struct msg_beacon_info {
	pid_t pid;
	uint64_t start_time;
	long request_type;
};
/*
 * Reads the beacon of queue msqid without taking it (MSG_COPY).  Returns
 * 1 and fills *b, 0 if the queue holds no valid beacon (not a msg-server
 * queue, or one just being made), -1 with errno (ENOSYS: the kernel has
 * no MSG_COPY; EACCES; EIDRM, EINVAL).
 */
int msg_beacon_read(int msqid, struct msg_beacon_info *b);

/* True for the errno of a call on a queue that has been removed. */
bool msg_queue_gone(int err);
/* A process's start time in clock ticks after boot, 0 if unknown. */
uint64_t msg_process_start_time(pid_t pid);
/*
 * True while pid exists, is not a zombie, and (start_time != 0) is the
 * process that started then, not a later one given the same PID.
 */
bool msg_pid_alive(pid_t pid, uint64_t start_time);

#endif
