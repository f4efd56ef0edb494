/*
 * fifo-read - print lines read from a named pipe (SPEC §4.2).
 *
 * A FIFO is a pipe with a name in the file system, so two unrelated
 * processes can find it: mkfifo(3) makes the name, open(2) joins the
 * pipe, and read(2) returns 0 once every writer has closed its end.
 *
 * The reader opens with O_NONBLOCK, so it never sleeps inside open(2),
 * where a stop signal cannot be awaited without a race; it waits for
 * data in ppoll (the line reader) instead.  Until a first writer comes,
 * such a descriptor does not report POLLHUP (fifo(7) leaves this to the
 * kernel; Linux tracks it per open file).
 *
 * Surprise: once the last writer has closed, the same descriptor polls
 * readable (POLLHUP) for good, so --serve, waiting for the next writer
 * on it, would spin.  It opens a fresh descriptor instead; see
 * next_round_fd().
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "ipcdemo.h"

static const char usage[] =
	"usage: ipcdemo fifo-read [-f PATH] [--mode OCTAL] [--serve]\n"
	"\n"
	"Create the FIFO PATH (or use an existing one), wait for a writer and\n"
	"print each line it sends as 'Read message: TEXT'.  When every writer\n"
	"has closed the FIFO, say so and exit; a line 'quit' ends the run too.\n"
	"The FIFO is removed at exit if this process created it.\n"
	"\n"
	"  -f, --fifo PATH   the FIFO (default: " DEFAULT_FIFO ")\n"
	"      --mode OCTAL  permissions of a FIFO this process creates\n"
	"                    (default: 0600)\n"
	"      --serve       after the writers quit, wait for the next one,\n"
	"                    until a line 'quit', SIGINT, SIGTERM or SIGHUP\n"
	"      --trace       print each system call on stderr\n"
	"  -h, --help        print this help\n";

enum { OPT_SERVE = OPT_APPLET };

struct opts {
	const char *fifo;
	mode_t mode;
	bool serve;
};

/* How reading from the writers of one round ended. */
enum round_end { ROUND_EOF, ROUND_QUIT, ROUND_STOP };

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "fifo", required_argument, NULL, 'f' },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "serve", no_argument, NULL, OPT_SERVE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":f:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->fifo = fifo_path_arg(optarg);
			break;
		case OPT_MODE:
			o->mode = parse_mode(optarg);
			break;
		case OPT_SERVE:
			o->serve = true;
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	usage_no_operands(argc, argv);
}

/*
 * Makes the FIFO, or checks that what is already there is one.  Returns
 * true if this process created it (and so will remove it).
 */
static bool make_fifo(const struct opts *o)
{
	struct stat st;
	mode_t old_umask = umask(0); /* --mode means exactly these bits */
	int rc = sys_mkfifo(o->fifo, o->mode);
	int saved = errno;

	umask(old_umask);
	if (rc == 0) {
		cleanup_path(o->fifo);
		return true;
	}
	errno = saved;
	if (errno != EEXIST)
		die_errno("mkfifo %s", o->fifo);
	if (stat(o->fifo, &st) == -1 && lstat(o->fifo, &st) == 0)
		fifo_refuse(o->fifo, st.st_mode); /* a dangling symlink */
	if (stat(o->fifo, &st) == -1)
		die_errno("%s", o->fifo);
	if (!S_ISFIFO(st.st_mode))
		fifo_refuse(o->fifo, st.st_mode);
	return false;
}

static int open_reader(const char *path)
{
	int fd = fifo_open(path, O_RDONLY | O_NONBLOCK);

	if (fd == -1)
		die_errno("open %s", path);
	return fd;
}

static void print_message(const char *line, size_t len)
{
	/* fwrite, not %s: a NUL byte from the writer must not cut a line. */
	fputs("Read message: ", stdout);
	fwrite(line, 1, len, stdout);
	putchar('\n');
}

/* Prints lines until every writer has closed, 'quit', or a stop. */
static enum round_end read_round(int fd, const char *path)
{
	struct line_reader lr;
	enum round_end end = ROUND_EOF;
	ssize_t len;
	char *line;

	line_reader_init(&lr, fd);
	while ((len = line_read(&lr, &line)) >= 0) {
		if (is_quit_line(line)) {
			end = ROUND_QUIT;
			break;
		}
		print_message(line, (size_t)len);
	}
	if (len < 0 && stop_signal())
		end = ROUND_STOP;
	else if (len < 0 && errno)
		die_errno("read %s", path);
	line_reader_free(&lr);
	return end;
}

/*
 * The descriptor to wait on for the next writer, after read() said all
 * writers had closed.  Linux reports POLLHUP on a read descriptor while
 * the FIFO has no writers, unless no writer has come since it was
 * opened: a fresh descriptor sleeps until the next writer, the old one
 * would wake at once, forever.
 *
 * The fresh one is opened before the old one is closed, so the FIFO
 * never has no reader (a writer arriving then would get EPIPE).  If a
 * writer has come in the meantime, or left data behind, the old
 * descriptor no longer shows POLLHUP alone, and it is the one that will
 * see that writer's lines and its close: keep it for this round.
 */
static int next_round_fd(int fd, const char *path)
{
	int fresh = open_reader(path);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, 0) == 1 && pfd.revents == POLLHUP) {
		xclose(fd);
		return fresh;
	}
	xclose(fresh);
	return fd;
}

int fifo_read_main(int argc, char **argv)
{
	struct opts o = { .fifo = DEFAULT_FIFO, .mode = DEFAULT_MODE };
	enum round_end end;
	int fd;

	parse_opts(argc, argv, &o);
	if (!make_fifo(&o))
		printf("fifo-read: using the existing FIFO %s; it stays when "
		       "this reader exits\n",
		       o.fifo);
	fd = open_reader(o.fifo);
	printf("fifo-read: waiting for a writer on %s\n", o.fifo);
	for (;;) {
		end = read_round(fd, o.fifo);
		if (end != ROUND_EOF)
			break;
		printf("fifo-read: writer quit (every writer has closed "
		       "%s)\n",
		       o.fifo);
		if (!o.serve)
			break;
		fd = next_round_fd(fd, o.fifo);
		printf("fifo-read: waiting for the next writer on %s\n",
		       o.fifo);
	}
	if (end == ROUND_QUIT)
		printf("fifo-read: got 'quit', stopping\n");
	else if (end == ROUND_STOP)
		printf("fifo-read: stopped by %s\n",
		       signal_name(stop_signal()));
	xclose(fd);
	return EXIT_SUCCESS;
}
