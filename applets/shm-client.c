/*
 * shm-client - the writing side of the tutorials' shared-memory pair
 * (SPEC §4.4).
 *
 * It attaches the segment shm-server made, checks its header, claims
 * the one client slot with a compare-and-swap on the client PID (so a
 * second client is refused instead of mixing its lines in), and sends
 * each line; the server's copy comes back and is printed as
 * "reply: TEXT".  A line longer than the segment goes in pieces.  While
 * it waits for input it looks at the server once a second, so a server
 * that dies is noticed even at the prompt.  It never removes the
 * server's objects: it only detaches.
 */
#include <stdlib.h>
#include <unistd.h>

#include "ipcdemo.h"
#include "shm_channel.h"
#include "shm_segment.h"

static const char usage[] =
	"usage: ipcdemo shm-client [-k KEY | -P PATH [--proj C]] [--sync MODE]\n"
	"                          [--spin MICROSECONDS] [-m TEXT]...\n"
	"\n"
	"Attach the segment of a running shm-server and send it each line\n"
	"of standard input (or each -m TEXT); print what comes back as\n"
	"'reply: TEXT'.  A line 'quit', or EOF, ends both sides.\n"
	"\n"
	"  -k, --key KEY         System V key (0x hex or decimal)\n"
	"  -P, --path PATH       ftok(3) path for the key (default .)\n"
	"      --proj C          ftok(3) project id (default 'z')\n"
	"      --sync MODE       the server's sync mode: signal (default),\n"
	"                        sem or futex\n"
	"      --spin MICROSECONDS  futex mode: spin this long before\n"
	"                        sleeping (default 20, 0 = never)\n"
	"  -m, --message TEXT    send TEXT (repeatable) instead of stdin\n"
	"      --trace           print each system call on stderr\n"
	"  -h, --help            print this help\n";

#define SLOT_WAIT_TRIES 60 /* x 50 ms for a dead client's slot to free */
#define IDLE_CHECK_MS 1000

enum { OPT_SYNC = OPT_APPLET, OPT_SPIN };

struct opts {
	struct key_opts ko;
	enum shm_sync sync;
	long spin_us;
	struct line_source input; /* the -m texts, or stdin */
};

struct client {
	struct shm_segment seg;
	struct shm_chan ch;
	struct shm_msg reply;
};

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		KEY_LONG_OPTIONS,
		{ "sync", required_argument, NULL, OPT_SYNC },
		{ "spin", required_argument, NULL, OPT_SPIN },
		{ "message", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool spin_given = false;
	int c;

	while ((c = getopt_long(argc, argv, ":" KEY_OPTIONS "m:h", longopts,
	                        NULL)) != -1) {
		if (key_opts_parse(&o->ko, c, optarg))
			continue;
		switch (c) {
		case OPT_SYNC:
			o->sync = shm_sync_arg(optarg);
			break;
		case OPT_SPIN:
			o->spin_us = shm_spin_arg(optarg);
			spin_given = true;
			break;
		case 'm':
			line_source_add(&o->input, optarg);
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

/* One line about a server that went away, then exit 1. */
static noreturn void server_gone(struct client *cl, int rc)
{
	pid_t pid = cl->ch.peer_pid;

	if (rc == SHM_PEER_LEFT)
		die("server %d has shut down", (int)pid);
	die("server %d died (%s); what it left stays until '%s' or "
	    "'shm-server --force'",
	    (int)pid, cl->ch.why, shm_segment_removal(&cl->seg));
}

/* Claims the slot; waits a little if its holder is dead. */
static void connect_slot(struct client *cl)
{
	pid_t holder = 0;

	for (int i = 0; i < SLOT_WAIT_TRIES; i++) {
		if (shm_chan_connect(&cl->ch, &holder) == SHM_OK)
			return;
		/* A live holder is served now: one client at a time. */
		if (pid_alive(holder))
			break;
		if (!sleep_seconds(0.05))
			exit(stop_exit_status());
	}
	die("another client (PID %d) is connected; one client at a time",
	    (int)holder);
}

/* Sends one line and prints what comes back.  False: a stop signal. */
static bool exchange(struct client *cl, const char *text, size_t len)
{
	int rc = shm_chan_send(&cl->ch, text, len);

	if (rc == SHM_OK)
		rc = shm_chan_recv(&cl->ch, &cl->reply);
	if (rc == SHM_STOPPED)
		return false;
	if (rc != SHM_OK)
		server_gone(cl, rc);
	fputs("reply: ", stdout);
	fwrite(cl->reply.data, 1, cl->reply.len, stdout);
	putchar('\n');
	return true;
}

/* While waiting for input: dies if the server has gone meanwhile. */
static void check_server(void *arg)
{
	struct client *cl = arg;
	int rc = shm_chan_check_peer(&cl->ch);

	if (rc != SHM_OK)
		server_gone(cl, rc);
}

static void send_lines(struct client *cl, struct line_source *input)
{
	ssize_t len;
	char *line;

	line_source_idle(input, IDLE_CHECK_MS, check_server, cl);
	while ((len = line_source_next(input, &line)) >= 0)
		if (!exchange(cl, line, (size_t)len))
			break;
}

static int run(struct opts *o)
{
	struct client cl = { 0 };
	struct shm_params params;
	key_t key = key_opts_resolve(&o->ko);
	int rc;

	printf("key %#x from %s\n", (unsigned)key, key_opts_origin(&o->ko));
	/* Before our PID goes into the segment: no wake-up is lost. */
	shm_chan_block_signals();
	shm_segment_attach(&cl.seg, key);
	if (cl.seg.sync != o->sync)
		die("the server uses --sync %s, this client --sync %s; start "
		    "the client with --sync %s",
		    shm_sync_name(cl.seg.sync), shm_sync_name(o->sync),
		    shm_sync_name(cl.seg.sync));
	params = shm_segment_params(&cl.seg, o->spin_us);
	shm_chan_open(&cl.ch, cl.seg.base, cl.seg.size, SHM_CLIENT, &params);
	printf("attached segment shmid %d, %zu bytes, sync %s, server PID "
	       "%d\n",
	       cl.seg.shmid, cl.seg.size, shm_sync_name(cl.seg.sync),
	       (int)cl.ch.peer_pid);
	/* A segment left by a crash has a header but nobody behind it. */
	rc = shm_chan_check_peer(&cl.ch);
	if (rc != SHM_OK)
		server_gone(&cl, rc);
	connect_slot(&cl);
	printf("connected as client %d\n", (int)getpid());
	send_lines(&cl, &o->input);
	/* quit and EOF end the server too; a stop signal only us. */
	shm_chan_leave(&cl.ch, stop_signal()
	                               ? SHM_F_CLIENT_LEFT
	                               : SHM_F_CLIENT_LEFT | SHM_F_CLIENT_QUIT);
	free(cl.reply.data);
	return EXIT_SUCCESS;
}

int shm_client_main(int argc, char **argv)
{
	struct opts o = {
		.ko = KEY_OPTS_INIT,
		.sync = SHM_SYNC_SIGNAL,
		.spin_us = SHM_DEFAULT_SPIN_US,
		/* A -m quit ends the conversation as a typed one does. */
		.input = { .quit_ends_texts = true },
	};
	int rc;

	parse_opts(argc, argv, &o);
	rc = run(&o);
	line_source_free(&o.input);
	return rc;
}
