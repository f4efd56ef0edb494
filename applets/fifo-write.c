/*
 * fifo-write - send lines or timestamps into a named pipe (SPEC §4.2).
 *
 * open(2) of a FIFO for writing sleeps until some process has it open
 * for reading; with O_NONBLOCK it fails at once with ENXIO instead
 * (fifo(7)).  This writer tries O_NONBLOCK first, so it can say that it
 * waits, and then sleeps in a plain open(2) (--nonblock: it gives up).
 * That sleep has no timeout, so a one-second tick interrupts it to look
 * for a stop signal (STYLE §6).
 *
 * Each message goes out in ONE write(2) of at most PIPE_BUF bytes,
 * which pipe(7) makes atomic: lines from several writers sharing the
 * FIFO never interleave.  A longer line is sent as several such
 * messages, and that is said on stderr.
 *
 * SIGPIPE is ignored (signals.c), so a reader that has gone shows as
 * EPIPE from write(2), or, while this side waits for input, as POLLERR
 * on the write end; either way one line says so.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

static const char usage[] =
	"usage: ipcdemo fifo-write [-f PATH] [--nonblock] [-n COUNT [-i SECONDS]]\n"
	"\n"
	"Open the FIFO PATH for writing, waiting until a reader has it open,\n"
	"and send each line of standard input until EOF or a line 'quit'\n"
	"(which is sent too, so the reader stops).  With -n, send COUNT\n"
	"timestamp messages instead, as the tutorial's writer does.  Start\n"
	"the reader first: ipcdemo fifo-read.\n"
	"\n"
	"  -f, --fifo PATH         the FIFO (default: " DEFAULT_FIFO ")\n"
	"      --nonblock          open with O_NONBLOCK: fail at once (ENXIO)\n"
	"                          if no reader has the FIFO open\n"
	"  -n, --count COUNT       send COUNT messages \"Process PID's time is\n"
	"                          DATE\" instead of reading standard input\n"
	"  -i, --interval SECONDS  with -n, wait SECONDS between messages\n"
	"                          (default: 1)\n"
	"      --trace             print each system call on stderr\n"
	"  -h, --help              print this help\n";

#define MAX_COUNT 1000000000LL
#define MAX_INTERVAL 86400.0 /* seconds; keeps the milliseconds in an int */
/* Text per message when a line is split: PIPE_BUF with its newline. */
#define PIECE (PIPE_BUF - 1)

enum { OPT_NONBLOCK = OPT_APPLET };

struct opts {
	const char *fifo;
	bool nonblock;
	long long count; /* 0: send standard input */
	double interval;
	bool have_interval;
};

struct writer {
	int fd;
	const char *path;
};

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "fifo", required_argument, NULL, 'f' },
		{ "nonblock", no_argument, NULL, OPT_NONBLOCK },
		{ "count", required_argument, NULL, 'n' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":f:n:i:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'f':
			o->fifo = fifo_path_arg(optarg);
			break;
		case OPT_NONBLOCK:
			o->nonblock = true;
			break;
		case 'n':
			o->count = parse_num(optarg, 1, MAX_COUNT, "count");
			break;
		case 'i':
			o->interval =
				parse_seconds(optarg, MAX_INTERVAL, "interval");
			o->have_interval = true;
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	usage_no_operands(argc, argv);
	if (o->have_interval && !o->count)
		usage_error("-i goes with -n");
}

static noreturn void no_fifo(const char *path)
{
	die("%s does not exist; start the reader first: ipcdemo fifo-read "
	    "-f %s",
	    path, path);
}

static noreturn void reader_gone(const struct writer *w)
{
	die("%s: reader has gone", w->path);
}

/*
 * Before opening: never open what is not a FIFO, not even to close it
 * again (a regular file would be opened for writing, a device might act
 * on open(2) alone).  A path that is missing or cannot be looked at is
 * left to open(2), so --trace shows why.
 */
static void refuse_non_fifo(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && !S_ISFIFO(st.st_mode))
		fifo_refuse(path, st.st_mode);
}

static noreturn void no_reader(const char *path)
{
	die("open %s: %s (ENXIO): no process has the FIFO open for reading, "
	    "and with --nonblock open(2) fails instead of waiting; start the "
	    "reader first: ipcdemo fifo-read -f %s",
	    path, strerror(ENXIO), path);
}

/* Sleeps in open(2) until a reader comes; -1 on a stop signal. */
static int open_blocking(const char *path)
{
	int fd = -1;

	printf("fifo-write: waiting for a reader on %s\n", path);
	/* Each tick makes open() fail with EINTR; it is retried. */
	tick_arm();
	while (!stop_signal()) {
		fd = fifo_open(path, O_WRONLY);
		if (fd != -1 || errno != EINTR)
			break;
	}
	tick_disarm();
	if (fd == -1 && stop_signal())
		return -1;
	if (fd == -1 && errno == ENOENT)
		no_fifo(path); /* removed while we waited */
	if (fd == -1)
		die_errno("open %s", path);
	return fd;
}

/*
 * The write end, or -1 after a stop signal.  A first open with
 * O_NONBLOCK tells whether a reader is there (ENXIO if not), so the
 * wait is announced only when there is one.
 */
static int open_fifo(const struct opts *o)
{
	int fd = fifo_open(o->fifo, O_WRONLY | O_NONBLOCK);

	if (fd == -1 && errno == ENXIO && o->nonblock)
		no_reader(o->fifo);
	if (fd == -1 && errno == ENXIO)
		return open_blocking(o->fifo);
	if (fd == -1 && errno == ENOENT)
		no_fifo(o->fifo);
	if (fd == -1)
		die_errno("open %s", o->fifo);
	/* Only the open was to be non-blocking: writes wait for room. */
	if (sys_fcntl(fd, F_SETFL, O_WRONLY) == -1)
		die_errno("fcntl %s", o->fifo);
	return fd;
}

/* One message, one write(2).  False: a stop signal came first. */
static bool send_message(const struct writer *w, const char *buf, size_t len)
{
	ssize_t n;

	do
		n = sys_write(w->fd, buf, len);
	while (n == -1 && errno == EINTR && !stop_signal());
	if (n == -1 && errno == EPIPE)
		reader_gone(w);
	if (n == -1 && errno == EINTR)
		return false;
	if (n == -1)
		die_errno("write %s", w->path);
	/* pipe(7): a write of at most PIPE_BUF bytes is never cut short. */
	if ((size_t)n != len)
		die("write %s: only %zd of %zu bytes written", w->path, n, len);
	return true;
}

/* Sends text plus a newline, in pieces of PIPE_BUF if it must. */
static bool send_line(const struct writer *w, const char *text, size_t len)
{
	static char msg[PIPE_BUF];
	size_t off = 0;

	if (len > PIECE)
		warning("a line of %zu bytes is longer than PIPE_BUF (%d "
		        "bytes, the most one atomic write carries); sending it "
		        "as %zu lines",
		        len, PIPE_BUF, (len + PIECE - 1) / PIECE);
	do {
		size_t n = len - off < PIECE ? len - off : PIECE;

		/* A last piece reading "quit" would stop the reader. */
		if (len - off - n == 4 &&
		    memcmp(text + off + n, "quit", 4) == 0)
			n--;
		memcpy(msg, text + off, n);
		msg[n] = '\n';
		if (!send_message(w, msg, n + 1))
			return false;
		off += n;
	} while (off < len);
	return true;
}

static void send_stdin(const struct writer *w)
{
	/* 'quit' goes to the reader too: it ends both sides. */
	struct line_source in = { .send_quit = true };
	ssize_t len;
	char *line;

	/*
	 * While it waits for input, the line reader also polls our end of
	 * the FIFO, which reports POLLERR once no reader has it open: a
	 * reader killed while the user thinks is reported now, not at the
	 * next line.
	 */
	line_source_watch(&in, w->fd);
	while ((len = line_source_next(&in, &line)) >= 0)
		if (!send_line(w, line, (size_t)len))
			break;
	if (len < 0 && errno == EPIPE)
		reader_gone(w);
	line_source_free(&in);
}

/*
 * Waits between timestamps, watching for the reader to go away: a
 * write end is never readable, so only its POLLERR ends the wait early.
 */
static bool pause_between(const struct writer *w, double seconds)
{
	int n = wait_readable(w->fd, (int)(seconds * 1000 + 0.5));

	if (n > 0)
		reader_gone(w);
	return n == 0;
}

/* The tutorial's messages: "Process PID's time is DATE". */
static void send_times(const struct writer *w, const struct opts *o)
{
	char msg[128], date[32];

	for (long long i = 1; i <= o->count; i++) {
		time_t now = time(NULL);
		int len;

		ctime_r(&now, date);
		date[strcspn(date, "\n")] = '\0';
		len = snprintf(msg, sizeof(msg), "Process %d's time is %s\n",
		               (int)getpid(), date);
		if (!send_message(w, msg, (size_t)len))
			return;
		printf("Send message: %s", msg);
		if (i < o->count && !pause_between(w, o->interval))
			return;
	}
}

int fifo_write_main(int argc, char **argv)
{
	struct opts o = { .fifo = DEFAULT_FIFO, .interval = 1 };
	struct writer w;

	parse_opts(argc, argv, &o);
	refuse_non_fifo(o.fifo);
	w = (struct writer){ .fd = open_fifo(&o), .path = o.fifo };
	if (w.fd != -1) {
		if (o.count)
			send_times(&w, &o);
		else
			send_stdin(&w);
		xclose(w.fd);
	}
	if (stop_signal())
		printf("fifo-write: stopped by %s\n",
		       signal_name(stop_signal()));
	return EXIT_SUCCESS;
}
