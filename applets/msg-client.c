/*
 * msg-client - send requests to msg-server and print its replies
 * (SPEC §4.3).
 *
 * Each request carries this process's PID, and the reply comes back
 * typed with it, so msgrcv(type = getpid()) takes our replies and no
 * one else's.  Before the first request the client reads the server's
 * beacon (MSG_COPY, see src/msg_channel.h): no queue means no server, a
 * beacon whose PID has gone means a stale queue, and the PID is what
 * the client watches while it waits.
 *
 * Surprises:
 *  - A client whose PID equals the request type (888 is a fine PID)
 *    would have its replies read by the server as requests.  It forks
 *    and lets the child, whose PID differs, do the talking.
 *  - Replies to an earlier process that had our PID may still be in the
 *    queue; they are taken out before the first request.
 *  - While waiting for a line on stdin the client still looks at the
 *    server once a second, so a server killed meanwhile is reported.
 */
#include <sys/wait.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg_channel.h"

static const char usage[] =
	"usage: ipcdemo msg-client [-k KEY | -P PATH [--proj C]] [--type TYPE]\n"
	"                          [--timeout SECONDS] [-m TEXT]...\n"
	"       ipcdemo msg-client [-k KEY | -P PATH [--proj C]] --shutdown\n"
	"\n"
	"Send each line of standard input (or each -m TEXT) to msg-server\n"
	"and print its reply, until EOF or a line 'quit'.  --shutdown asks\n"
	"the server to remove its queue and exit.\n"
	"\n"
	"  -k, --key KEY          the queue's key (0x hex or decimal)\n"
	"  -P, --path PATH        make the key with ftok(PATH, C) (default \".\")\n"
	"      --proj C           the ftok project id (default 'z')\n"
	"  -m, --message TEXT     send TEXT (repeatable) instead of reading stdin\n"
	"      --type TYPE        send requests of this type (default 888)\n"
	"      --timeout SECONDS  wait at most this long for each reply\n"
	"                         (default 5; 0: as long as the server lives)\n"
	"      --shutdown         ask the server to exit\n"
	"      --trace            print each system call on stderr\n"
	"  -h, --help             print this help\n";

#define DEFAULT_TIMEOUT 5.0
#define TIMEOUT_MAX 86400.0
/* How long a just-started server may take to post its beacon. */
#define BEACON_WAIT 1.0
/* How often an idle client looks at its server, in milliseconds. */
#define IDLE_CHECK_MS 1000

enum { OPT_TYPE = OPT_APPLET, OPT_TIMEOUT, OPT_SHUTDOWN };

struct opts {
	struct key_opts ko;
	long type;
	double timeout;           /* 0: no timeout */
	struct line_source input; /* the -m texts, or stdin */
	bool shutdown;
};

struct client {
	struct opts *o;
	struct msg_channel ch;
	key_t key;
	pid_t self;
	pid_t server; /* 0: unknown (no MSG_COPY) until the first reply */
	uint64_t server_start;
	uint32_t seq;
};

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		KEY_LONG_OPTIONS,
		{ "message", required_argument, NULL, 'm' },
		{ "type", required_argument, NULL, OPT_TYPE },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "shutdown", no_argument, NULL, OPT_SHUTDOWN },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":" KEY_OPTIONS "m:h", longopts,
	                        NULL)) != -1) {
		if (key_opts_parse(&o->ko, c, optarg))
			continue;
		switch (c) {
		case 'm':
			line_source_add(&o->input, optarg);
			break;
		case OPT_TYPE:
			o->type = (long)parse_num(optarg, 1, MSG_TYPE_MAX,
			                          "request type");
			break;
		case OPT_TIMEOUT:
			o->timeout =
				parse_seconds(optarg, TIMEOUT_MAX, "timeout");
			break;
		case OPT_SHUTDOWN:
			o->shutdown = true;
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	usage_no_operands(argc, argv);
	if (o->shutdown && o->input.count)
		usage_error("-m and --shutdown exclude each other");
}

/* ---- finding the server ---- */

static int open_queue(const struct client *c)
{
	/* Asking for read and write now gives EACCES here, not later. */
	int id = sys_msgget(c->key, 0600);

	if (id >= 0)
		return id;
	if (errno == ENOENT)
		die("no server is listening on key %#x (no queue); start one "
		    "with: ipcdemo msg-server -k %#x",
		    (unsigned)c->key, (unsigned)c->key);
	if (errno == EACCES)
		die("queue with key %#x: %s (its mode does not let you read "
		    "and write it; see msg-server --mode)",
		    (unsigned)c->key, strerror(errno));
	die_errno("open queue with key %#x", (unsigned)c->key);
}

static noreturn void no_beacon(const struct client *c)
{
	die("queue %d (key %#x) holds no msg-server beacon: it is not a "
	    "msg-server queue",
	    c->ch.msqid, (unsigned)c->key);
}

/* Reads the beacon: who serves, is it alive, does it read our type. */
static void find_server(struct client *c)
{
	struct msg_beacon_info b;
	int found;

	/* A server that has just made the queue posts its beacon next. */
	for (int i = 0; (found = msg_beacon_read(c->ch.msqid, &b)) == 0; i++) {
		if (i >= BEACON_WAIT * 50)
			no_beacon(c);
		if (!sleep_seconds(0.02))
			exit(stop_exit_status());
	}
	if (found == -1 && errno == ENOSYS)
		return; /* the first reply will name the server */
	if (found == -1 && msg_queue_gone(errno))
		die("queue %d was removed: the server has gone", c->ch.msqid);
	if (found == -1)
		die_errno("read the beacon of queue %d", c->ch.msqid);
	if (!msg_pid_alive(b.pid, b.start_time))
		die("the server of queue %d (PID %d) has gone: the queue is "
		    "stale; start a new server with: ipcdemo msg-server "
		    "--force -k %#x",
		    c->ch.msqid, (int)b.pid, (unsigned)c->key);
	if (b.request_type != c->o->type)
		die("the server on key %#x reads requests of type %ld, not %ld "
		    "(use --type %ld)",
		    (unsigned)c->key, b.request_type, c->o->type,
		    b.request_type);
	c->server = b.pid;
	c->server_start = b.start_time;
}

/* ---- talking ---- */

/* Reports why a send or receive gave up; returns only for a stop signal. */
static void failed(const struct client *c, const char *what)
{
	int err = errno;

	if (err == EINTR)
		return;
	if (msg_queue_gone(err))
		die("queue %d was removed (%s): the server has gone",
		    c->ch.msqid, strerrorname_np(err));
	if (err == ESRCH)
		die("server %d has gone; queue %d is left behind",
		    (int)c->server, c->ch.msqid);
	if (err == ETIMEDOUT && strcmp(what, "reply") == 0)
		die("no reply from server %d within %g s", (int)c->server,
		    c->o->timeout);
	if (err == ETIMEDOUT)
		die("could not send within %g s: queue %d stayed full",
		    c->o->timeout, c->ch.msqid);
	errno = err;
	die_errno("%s on queue %d", what, c->ch.msqid);
}

static void prepare_wait(const struct client *c, struct msg_wait *w)
{
	*w = (struct msg_wait){ .peer = c->server,
		                .peer_start = c->server_start };
	msg_wait_timeout(w, c->o->timeout > 0 ? c->o->timeout : -1);
}

/* One request and its reply, printed; false if a stop signal came. */
static bool exchange(struct client *c, const char *text, size_t len)
{
	uint32_t seq = ++c->seq;
	struct msg_message reply;
	struct msg_wait w;

	if (len > MSG_TEXT_MAX)
		die("a text of %zu bytes is longer than the channel carries "
		    "(%u bytes)",
		    len, MSG_TEXT_MAX);
	if (len > c->ch.frag_max)
		warning("a text of %zu bytes is longer than one message "
		        "carries (%zu): sending it in %zu pieces",
		        len, c->ch.frag_max,
		        (len + c->ch.frag_max - 1) / c->ch.frag_max);
	prepare_wait(c, &w);
	if (msg_send(&c->ch, c->o->type, MSG_REQUEST, seq, text, len, &w)) {
		failed(c, "send");
		return false;
	}
	do {
		if (msg_recv(&c->ch, c->self, &reply, &w) == -1) {
			failed(c, "reply");
			return false;
		}
	} while (reply.seq != seq || reply.kind != MSG_REPLY);
	if (!c->server)
		c->server = reply.pid;
	printf("reply from %d: ", (int)reply.pid);
	fwrite(reply.text, 1, reply.len, stdout);
	putchar('\n');
	return true;
}

/* Dies if the server or its queue has gone (the idle check). */
static void check_server(void *arg)
{
	const struct client *c = arg;
	struct msqid_ds ds;

	if (c->server && !msg_pid_alive(c->server, c->server_start)) {
		errno = ESRCH;
		failed(c, "check");
	}
	if (sys_msgctl(c->ch.msqid, IPC_STAT, &ds) == -1)
		failed(c, "msgctl(IPC_STAT)");
}

/*
 * The next line to send; while waiting for one on stdin, the server is
 * looked at once a second.  The tick is off meanwhile: wait_readable()
 * would start its timeout again at each one and never time out.
 */
static ssize_t next_line(struct client *c, char **line)
{
	ssize_t len;

	tick_disarm();
	len = line_source_next(&c->o->input, line);
	tick_arm();
	return len;
}

static void send_lines(struct client *c)
{
	ssize_t len;
	char *line;

	line_source_idle(&c->o->input, IDLE_CHECK_MS, check_server, c);
	while ((len = next_line(c, &line)) >= 0)
		if (!exchange(c, line, (size_t)len))
			break;
}

/* Asks the server to go, and waits until its queue is gone. */
static int shutdown_server(struct client *c)
{
	struct msg_message m;
	struct msg_wait w;

	prepare_wait(c, &w);
	if (msg_send(&c->ch, c->o->type, MSG_SHUTDOWN, ++c->seq, "", 0, &w)) {
		failed(c, "send");
		return EXIT_FAILURE;
	}
	/*
	 * The ACK, if it is read before the server removes the queue, then
	 * EIDRM (or EINVAL, once it is gone): only then is the queue gone.
	 */
	while (msg_recv(&c->ch, c->self, &m, &w) == 0)
		if (m.kind == MSG_SHUTDOWN_ACK)
			c->server = m.pid;
	if (!msg_queue_gone(errno)) {
		failed(c, "reply");
		return EXIT_FAILURE;
	}
	printf("server %d has removed queue %d\n", (int)c->server, c->ch.msqid);
	return EXIT_SUCCESS;
}

static int run(struct opts *o)
{
	struct client c = { .o = o, .self = getpid() };
	int id, rc = EXIT_SUCCESS;

	c.key = key_opts_resolve(&o->ko);
	id = open_queue(&c);
	if (msg_channel_init(&c.ch, id) == -1) {
		if (msg_queue_gone(errno))
			die("queue %d was removed: the server has gone", id);
		die_errno("msgctl(IPC_STAT) on queue %d", id);
	}
	find_server(&c);
	printf("key %#x (%s), queue id %d, server %d\n", (unsigned)c.key,
	       key_opts_origin(&o->ko), id, (int)c.server);
	/* Left for an earlier process with our PID: not ours to read. */
	msg_reclaim(&c.ch, c.self);
	tick_arm();
	if (o->shutdown)
		rc = shutdown_server(&c);
	else
		send_lines(&c);
	tick_disarm();
	msg_channel_free(&c.ch);
	return rc;
}

/*
 * Our PID is the request type: replies to us would be typed like the
 * requests.  A child has another PID; it talks, we wait.
 */
static int run_in_child(struct opts *o)
{
	pid_t child = xfork();
	int status;
	bool passed_on = false;

	if (child == 0) {
		int rc = run(o);

		fflush(stdout);
		_exit(stop_signal() ? stop_exit_status() : rc);
	}
	while (sys_waitpid(child, &status, 0) == -1) {
		if (errno != EINTR)
			die_errno("waitpid(pid=%d)", (int)child);
		if (stop_signal() && !passed_on) {
			sys_kill(child, stop_signal());
			passed_on = true;
		}
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int msg_client_main(int argc, char **argv)
{
	struct opts o = { .ko = KEY_OPTS_INIT,
		          .type = MSG_REQUEST_TYPE,
		          .timeout = DEFAULT_TIMEOUT };
	int rc;

	parse_opts(argc, argv, &o);
	rc = getpid() == o.type ? run_in_child(&o) : run(&o);
	line_source_free(&o.input);
	return rc;
}
