/*
 * bench_msg.c - the message-queue channel of msg-server and
 * msg-client: the msg row.
 *
 * A private queue (IPC_PRIVATE, 0600) through the traced wrappers,
 * registered for cleanup, and every message through msg_send() and
 * msg_recv(): the header, the copy into the send buffer, the fragments
 * and their reassembly, the bounded waits.  As between the applets,
 * the parent (the client) sends type 888 (MSG_REQUEST_TYPE) and the
 * child (the server) answers typed with the parent's PID.
 *
 * One System V message carries at most msgmax bytes, header included;
 * the channel sends a longer text as fragments and puts them together
 * again, so msg measures every size up to MSG_TEXT_MAX, where raw-msg
 * stops at msgmax.  Above msgmax its ratio has no reference: the x
 * memcpy column is the one to read there.
 */
#include <sys/ipc.h>
#include <sys/msg.h>
#include <errno.h>
#include <stdlib.h>

#include "bench.h"
#include "msg_channel.h"

struct msg_bench {
	struct msg_channel ch;
	struct msg_wait wait; /* gives up once the peer has gone */
	long send_type, recv_type;
	enum msg_kind kind;
	uint32_t seq;
};

static const char *msg_bench_cannot_carry(size_t size)
{
	static char why[80];

	if (size <= MSG_TEXT_MAX)
		return NULL;
	snprintf(why, sizeof(why),
	         "larger than the channel reassembles (%u bytes)",
	         MSG_TEXT_MAX);
	return why;
}

static void *msg_bench_open(const struct bench_params *p)
{
	struct msg_bench *c = calloc(1, sizeof(*c));
	int msqid;

	(void)p;
	if (!c)
		die("out of memory");
	msqid = sys_msgget(IPC_PRIVATE, IPC_CREAT | DEFAULT_MODE);
	if (msqid == -1)
		die_errno("msgget(IPC_PRIVATE)");
	cleanup_msq(msqid);
	if (msg_channel_init(&c->ch, msqid) == -1)
		die_errno("msgctl(msqid=%d, IPC_STAT)", msqid);
	return c;
}

static void msg_bench_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct msg_bench *c = chan;
	bool parent = side == BENCH_PARENT;
	pid_t client = parent ? getpid() : peer;

	c->ch.self = getpid(); /* msg_channel.h: again in a forked child */
	c->send_type = parent ? MSG_REQUEST_TYPE : (long)client;
	c->recv_type = parent ? (long)client : MSG_REQUEST_TYPE;
	c->kind = parent ? MSG_DATA : MSG_REPLY;
	c->wait = (struct msg_wait){
		.peer = peer,
		.peer_start = msg_process_start_time(peer),
	};
}

/* The hooks' convention (bench.h): errno 0 when the peer has gone. */
static int failed(void)
{
	if (errno == ESRCH)
		errno = 0;
	return -1;
}

static int msg_bench_send(void *chan, const void *buf, size_t size)
{
	struct msg_bench *c = chan;

	if (msg_send(&c->ch, c->send_type, c->kind, ++c->seq, buf, size,
	             &c->wait) == -1)
		return failed();
	return 0;
}

/* The text stays where msg_recv() hands it out, as msg-server's does. */
static int msg_bench_recv(void *chan, void *buf, size_t size)
{
	struct msg_bench *c = chan;
	struct msg_message m;

	(void)buf;
	if (msg_recv(&c->ch, c->recv_type, &m, &c->wait) == -1)
		return failed();
	if (m.len != size) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* The queue is the cleanup list's to remove. */
static void msg_bench_close(void *chan)
{
	struct msg_bench *c = chan;

	msg_channel_free(&c->ch);
	free(c);
}

const struct bench_mech bench_msg = {
	.name = "msg",
	.summary = "message queue, through the msg applets' channel",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "raw-msg",
	.rtt_ref = "raw-msg",
	.cannot_carry = msg_bench_cannot_carry,
	.open = msg_bench_open,
	.attach = msg_bench_attach,
	.send = msg_bench_send,
	.recv = msg_bench_recv,
	.close = msg_bench_close,
};
