/*
 * msg-server - answer requests on a System V message queue (SPEC §4.3).
 *
 * The tutorial's server reads type 888 and answers with type 999, so
 * with two clients each may take the other's reply.  Here the reply is
 * typed with the PID the request carries, and every client reads only
 * its own type.  The wire format and the reassembly of long texts are
 * in src/msg_channel.c.
 *
 * Surprises this file deals with:
 *  - A client that dies leaves its replies in the queue for ever; a
 *    queue full of them blocks every msgsnd.  The server remembers whom
 *    it answered, and once a second takes out the replies of the
 *    clients that have gone (kill(pid, 0) fails with ESRCH).
 *  - A full queue would block msgsnd without end; a reply waits at most
 *    REPLY_PATIENCE seconds, and gives up at once when its client dies.
 *  - A queue outlives a server killed with SIGKILL.  Message queues
 *    record no creator PID (shm has shm_cpid, msg only the last
 *    sender's and receiver's, which are clients as often as not), so the
 *    server leaves its own card in the queue: the beacon, read in place
 *    with MSG_COPY.  A later server finds the card's PID gone (and its
 *    start time, against PID reuse) and calls the queue stale; a queue
 *    without our card is someone else's and is never touched.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg_channel.h"

static const char usage[] =
	"usage: ipcdemo msg-server [-k KEY | -P PATH [--proj C]] [--type TYPE]\n"
	"                          [--mode OCTAL] [--qbytes BYTES] [--force]\n"
	"\n"
	"Create a System V message queue and answer each request with its\n"
	"text and this server's PID, until SIGINT, SIGTERM, SIGHUP or a\n"
	"shutdown request (msg-client --shutdown); then remove the queue.\n"
	"\n"
	"  -k, --key KEY       the queue's key (0x hex or decimal)\n"
	"  -P, --path PATH     make the key with ftok(PATH, C) (default \".\")\n"
	"      --proj C        the ftok project id (default 'z')\n"
	"      --type TYPE     read requests of this type (default 888)\n"
	"      --mode OCTAL    the queue's permissions (default 0600)\n"
	"      --qbytes BYTES  let the queue hold only BYTES (msg_qbytes)\n"
	"      --force         remove a stale queue left by a dead server\n"
	"      --trace         print each system call on stderr\n"
	"  -h, --help          print this help\n";

/* How long a reply may wait for room in a full queue. */
#define REPLY_PATIENCE 5.0
/* How often the replies of vanished clients are looked for. */
#define SWEEP_INTERVAL 1
/* The smallest --qbytes: the beacon and a few short messages. */
#define QBYTES_MIN 256

enum { OPT_TYPE = OPT_APPLET, OPT_QBYTES, OPT_FORCE };

struct opts {
	struct key_opts ko;
	long type;
	mode_t mode;
	size_t qbytes; /* 0: the system's default, msgmnb */
	bool force;
};

/* The clients we answered whose replies may still be in the queue. */
struct pid_set {
	pid_t *slots; /* 0: free; open addressing, linear probing */
	size_t cap;   /* a power of two */
	size_t count;
};

struct server {
	const struct opts *o;
	struct msg_channel ch;
	key_t key;
	pid_t self;
	struct pid_set answered;
	struct timespec next_sweep;
	bool shutdown;
};

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		KEY_LONG_OPTIONS,
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "qbytes", required_argument, NULL, OPT_QBYTES },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":" KEY_OPTIONS "h", longopts,
	                        NULL)) != -1) {
		if (key_opts_parse(&o->ko, c, optarg))
			continue;
		switch (c) {
		case OPT_TYPE:
			o->type = (long)parse_num(optarg, 1, MSG_TYPE_MAX,
			                          "request type");
			break;
		case OPT_MODE:
			o->mode = parse_mode(optarg);
			break;
		case OPT_QBYTES:
			o->qbytes = parse_size(optarg, QBYTES_MIN, INT_MAX,
			                       "queue size");
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
}

/* ---- the set of answered clients ---- */

static size_t pid_slot(const struct pid_set *s, pid_t pid)
{
	size_t i = ((uint32_t)pid * 2654435761u) & (s->cap - 1);

	while (s->slots[i] && s->slots[i] != pid)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void pid_set_resize(struct pid_set *s, size_t cap)
{
	struct pid_set bigger = { .cap = cap };

	bigger.slots = calloc(cap, sizeof(*bigger.slots));
	if (!bigger.slots)
		die("out of memory");
	for (size_t i = 0; i < s->cap; i++) {
		if (s->slots[i]) {
			bigger.slots[pid_slot(&bigger, s->slots[i])] =
				s->slots[i];
			bigger.count++;
		}
	}
	free(s->slots);
	*s = bigger;
}

static void pid_set_add(struct pid_set *s, pid_t pid)
{
	size_t i;

	if (2 * (s->count + 1) > s->cap)
		pid_set_resize(s, s->cap ? 2 * s->cap : 64);
	i = pid_slot(s, pid);
	if (!s->slots[i]) {
		s->slots[i] = pid;
		s->count++;
	}
}

/* ---- taking the key ---- */

/*
 * The key is taken.  Dies saying why, unless the queue is a stale one
 * of ours and --force was given: then it is removed.  Returns when the
 * key may be free again.
 */
static void reclaim_stale(const struct opts *o, key_t key)
{
	struct msg_beacon_info b;
	struct msqid_ds ds;
	int id = sys_msgget(key, 0);
	int found;

	if (id == -1 && errno == ENOENT)
		return; /* gone meanwhile: try again */
	if (id == -1 || sys_msgctl(id, IPC_STAT, &ds) == -1)
		die_errno("key %#x is taken by a queue we may not look at",
		          (unsigned)key);
	found = msg_beacon_read(id, &b);
	if (found == -1 && errno == ENOSYS)
		die("key %#x is taken by queue %d, and this kernel cannot "
		    "read its beacon (no MSG_COPY); if no server uses it, "
		    "remove it with: ipcrm -q %d",
		    (unsigned)key, id, id);
	if (found == -1 && msg_queue_gone(errno))
		return;
	if (found == -1)
		die_errno("read the beacon of queue %d", id);
	if (found == 0)
		die("key %#x is taken by queue %d (owner uid %u), which is not "
		    "a msg-server queue; not touching it: choose another key "
		    "with -k",
		    (unsigned)key, id, (unsigned)ds.msg_perm.uid);
	if (msg_pid_alive(b.pid, b.start_time))
		die("a server (PID %d) is already listening on key %#x "
		    "(queue %d)",
		    (int)b.pid, (unsigned)key, id);
	if (!o->force)
		die("stale queue %d on key %#x: its server (PID %d) is gone; "
		    "remove it with: ipcrm -q %d (or start with --force)",
		    id, (unsigned)key, (int)b.pid, id);
	if (ds.msg_perm.cuid != geteuid())
		die("stale queue %d was made by uid %u, not by you: not "
		    "removing it; its owner can: ipcrm -q %d",
		    id, (unsigned)ds.msg_perm.cuid, id);
	if (sys_msgctl(id, IPC_RMID, NULL) == -1 && !msg_queue_gone(errno))
		die_errno("remove stale queue %d", id);
	printf("removed stale queue %d left by server %d\n", id, (int)b.pid);
}

static int create_queue(const struct opts *o, key_t key)
{
	for (int tries = 0; tries < 3; tries++) {
		int id = sys_msgget(key, IPC_CREAT | IPC_EXCL | (int)o->mode);

		if (id >= 0) {
			cleanup_msq(id);
			return id;
		}
		if (errno != EEXIST)
			die_errno("create queue with key %#x", (unsigned)key);
		reclaim_stale(o, key);
	}
	die("key %#x: the queue keeps coming back; is another server "
	    "starting?",
	    (unsigned)key);
}

static void set_qbytes(int id, size_t qbytes)
{
	struct msqid_ds ds;

	if (sys_msgctl(id, IPC_STAT, &ds) == -1)
		die_errno("msgctl(IPC_STAT) on queue %d", id);
	ds.msg_qbytes = qbytes;
	if (sys_msgctl(id, IPC_SET, &ds) == -1)
		die_errno("set msg_qbytes of queue %d to %zu", id, qbytes);
}

/* ---- reclaiming what vanished clients left ---- */

static void schedule_sweep(struct server *s)
{
	clock_gettime(CLOCK_MONOTONIC_COARSE, &s->next_sweep);
	s->next_sweep.tv_sec += SWEEP_INTERVAL;
}

/*
 * Once a second: the replies of clients that have gone are taken out,
 * so they never fill the queue.  A queue holding nothing but the beacon
 * means every reply was read, and the list starts afresh.
 */
static void sweep(void *arg)
{
	struct server *s = arg;
	struct pid_set *set = &s->answered;
	struct pid_set alive = { 0 };
	struct msqid_ds ds;

	schedule_sweep(s);
	if (msg_sweep_partials(&s->ch))
		printf("dropped half-received text of a client that has "
		       "gone\n");
	if (set->count == 0)
		return;
	if (sys_msgctl(s->ch.msqid, IPC_STAT, &ds) == 0 && ds.msg_qnum <= 1) {
		memset(set->slots, 0, set->cap * sizeof(*set->slots));
		set->count = 0;
		return;
	}
	for (size_t i = 0; i < set->cap; i++) {
		pid_t pid = set->slots[i];
		size_t n;

		if (!pid)
			continue;
		if (msg_pid_alive(pid, 0)) {
			if (!alive.cap)
				pid_set_resize(&alive, set->cap);
			pid_set_add(&alive, pid);
			continue;
		}
		n = msg_reclaim(&s->ch, pid);
		if (n)
			printf("client %d has gone: removed %zu unread "
			       "message%s\n",
			       (int)pid, n, n == 1 ? "" : "s");
	}
	free(set->slots);
	*set = alive;
}

static void sweep_if_due(struct server *s)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	if (now.tv_sec > s->next_sweep.tv_sec ||
	    (now.tv_sec == s->next_sweep.tv_sec &&
	     now.tv_nsec >= s->next_sweep.tv_nsec))
		sweep(s);
}

/* ---- answering ---- */

/* Sends to a client; false if a stop signal ends the server. */
static bool answer(struct server *s, pid_t client, enum msg_kind kind,
                   uint32_t seq, const char *text, size_t len)
{
	struct msg_wait w = { .peer = client, .on_tick = sweep, .arg = s };

	msg_wait_timeout(&w, REPLY_PATIENCE);
	if (msg_send(&s->ch, client, kind, seq, text, len, &w) == 0) {
		pid_set_add(&s->answered, client);
		return true;
	}
	if (errno == EINTR)
		return false;
	if (msg_queue_gone(errno))
		die("queue %d was removed by someone else", s->ch.msqid);
	if (errno == ESRCH)
		printf("client %d has gone: reply dropped\n", (int)client);
	else if (errno == ETIMEDOUT)
		warning("reply to client %d dropped: the queue stayed full for "
		        "%g s",
		        (int)client, REPLY_PATIENCE);
	else
		die_errno("msgsnd to client %d", (int)client);
	/* Fragments that did go out must not stay for ever. */
	pid_set_add(&s->answered, client);
	return true;
}

/* Handles one message; false when the server is to stop. */
static bool handle(struct server *s, const struct msg_message *m)
{
	if (m->pid == s->o->type) {
		warning("ignored a message from PID %d: a reply to it would "
		        "be typed %d, the request type",
		        (int)m->pid, (int)m->pid);
		return true;
	}
	switch (m->kind) {
	case MSG_REQUEST:
		printf("received from %d: ", (int)m->pid);
		fwrite(m->text, 1, m->len, stdout);
		putchar('\n');
		return answer(s, m->pid, MSG_REPLY, m->seq, m->text, m->len);
	case MSG_SHUTDOWN:
		printf("shutdown requested by %d\n", (int)m->pid);
		s->shutdown = true;
		answer(s, m->pid, MSG_SHUTDOWN_ACK, m->seq, "", 0);
		return false;
	default:
		warning("ignored a message of kind %d from PID %d",
		        (int)m->kind, (int)m->pid);
		return true;
	}
}

static void serve(struct server *s)
{
	struct msg_wait w = { .on_tick = sweep, .arg = s };
	struct msg_message m;

	schedule_sweep(s);
	for (;;) {
		if (msg_recv(&s->ch, s->o->type, &m, &w) == -1) {
			if (errno == EINTR)
				return;
			if (msg_queue_gone(errno))
				die("queue %d was removed by someone else",
				    s->ch.msqid);
			die_errno("msgrcv on queue %d", s->ch.msqid);
		}
		if (!handle(s, &m))
			return;
		sweep_if_due(s);
	}
}

int msg_server_main(int argc, char **argv)
{
	struct opts o = { .ko = KEY_OPTS_INIT,
		          .type = MSG_REQUEST_TYPE,
		          .mode = DEFAULT_MODE };
	struct server s = { .o = &o, .self = getpid() };
	int id;

	parse_opts(argc, argv, &o);
	s.key = key_opts_resolve(&o.ko);
	id = create_queue(&o, s.key);
	if (o.qbytes)
		set_qbytes(id, o.qbytes);
	if (msg_channel_init(&s.ch, id) == -1)
		die_errno("msgctl(IPC_STAT) on queue %d", id);
	if (msg_beacon_post(&s.ch, o.type) == -1)
		die_errno("post the beacon in queue %d", id);
	printf("key %#x (%s), queue id %d, mode %04o\n", (unsigned)s.key,
	       key_opts_origin(&o.ko), id, (unsigned)o.mode);
	printf("server %d ready: requests of type %ld, replies typed with "
	       "the client's PID, up to %zu bytes a message\n",
	       (int)s.self, o.type, s.ch.frag_max);
	tick_arm();
	serve(&s);
	tick_disarm();
	if (stop_signal())
		printf("server %d: %s, removing queue %d\n", (int)s.self,
		       signal_name(stop_signal()), id);
	else
		printf("server %d: shutting down, removing queue %d\n",
		       (int)s.self, id);
	msg_channel_free(&s.ch);
	free(s.answered.slots);
	return EXIT_SUCCESS;
}
