/*
 * pipe - anonymous pipes between a parent and its child (SPEC §4.1).
 *
 * The parent forks after pipe(2), so both hold both ends; each closes
 * the end it does not use, or the reader would never see EOF (its own
 * copy of the write end keeps the pipe open).  --upper uses a second
 * pipe for the answers, --capacity fills a pipe without blocking to
 * see how much it holds, and --sigpipe writes to a pipe with no reader.
 */
#include <sys/wait.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

static const char usage[] =
	"usage: ipcdemo pipe [--upper] [-m TEXT]...\n"
	"       ipcdemo pipe --capacity [--size BYTES]\n"
	"       ipcdemo pipe --sigpipe\n"
	"\n"
	"Send lines from the parent to a forked child through a pipe; the\n"
	"child prints each one.  Lines come from -m arguments, or from\n"
	"standard input until EOF or a line 'quit'.\n"
	"\n"
	"  -m, --message TEXT  send TEXT (repeatable) instead of reading stdin\n"
	"      --upper         the child answers in upper case through a\n"
	"                      second pipe; the parent prints the answers\n"
	"      --capacity      fill a pipe with non-blocking writes and\n"
	"                      print how many bytes it held\n"
	"      --size BYTES    with --capacity, first ask F_SETPIPE_SZ for\n"
	"                      BYTES\n"
	"      --sigpipe       write to a pipe whose reader has gone, once\n"
	"                      with SIGPIPE at its default, once ignored\n"
	"      --trace         print each system call on stderr\n"
	"  -h, --help          print this help\n";

#define PIPE_MAX_SIZE_FILE "/proc/sys/fs/pipe-max-size"
#define CHUNK 4096

enum mode { MODE_ECHO, MODE_UPPER, MODE_CAPACITY, MODE_SIGPIPE };
enum { OPT_UPPER = OPT_APPLET, OPT_CAPACITY, OPT_SIZE, OPT_SIGPIPE };

struct opts {
	enum mode mode;
	struct line_source input; /* the -m arguments, or stdin */
	size_t size;              /* 0: leave the pipe's size alone */
};

/* The largest size an unprivileged F_SETPIPE_SZ may ask for. */
static size_t pipe_max_size(void)
{
	unsigned long long value = 1048576;

	read_number_file(PIPE_MAX_SIZE_FILE, &value);
	return (size_t)value;
}

static void set_mode(struct opts *o, enum mode mode)
{
	if (o->mode != MODE_ECHO && o->mode != mode)
		usage_error("--upper, --capacity and --sigpipe exclude each "
		            "other");
	o->mode = mode;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "message", required_argument, NULL, 'm' },
		{ "upper", no_argument, NULL, OPT_UPPER },
		{ "capacity", no_argument, NULL, OPT_CAPACITY },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "sigpipe", no_argument, NULL, OPT_SIGPIPE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":m:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			line_source_add(&o->input, optarg);
			break;
		case OPT_UPPER:
			set_mode(o, MODE_UPPER);
			break;
		case OPT_CAPACITY:
			set_mode(o, MODE_CAPACITY);
			break;
		case OPT_SIZE:
			o->size = parse_size(optarg, 1, pipe_max_size(),
			                     "pipe size");
			break;
		case OPT_SIGPIPE:
			set_mode(o, MODE_SIGPIPE);
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	usage_no_operands(argc, argv);
	if (o->size && o->mode != MODE_CAPACITY)
		usage_error("--size goes with --capacity");
	if (o->input.count &&
	    (o->mode == MODE_CAPACITY || o->mode == MODE_SIGPIPE))
		usage_error("-m goes with the echo and --upper demos");
}

/* ---- the child's side ---- */

static void upcase(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

/*
 * Reads lines until EOF.  Without a reply pipe it prints each one;
 * with one it sends each back in upper case.  Never returns.
 */
static noreturn void child_loop(int in_fd, int reply_fd)
{
	struct line_reader lr;
	ssize_t len;
	char *line;

	line_reader_init(&lr, in_fd);
	while ((len = line_read(&lr, &line)) >= 0) {
		if (reply_fd < 0) {
			printf("child %d read: %s\n", (int)getpid(), line);
			continue;
		}
		upcase(line);
		line[len] = '\n';
		if (write_full(reply_fd, line, (size_t)len + 1) == -1)
			break;
	}
	if (len < 0 && errno && errno != EINTR)
		warning_errno("child %d: read", (int)getpid());
	line_reader_free(&lr);
	fflush(stdout);
	_exit(stop_signal() ? stop_exit_status() : EXIT_SUCCESS);
}

/* ---- the parent's side ---- */

struct conversation {
	pid_t child;
	int to_child;               /* write end of the request pipe */
	struct line_reader replies; /* read end of the reply pipe, if any */
	bool upper;
};

/* Forks the child with its pipe ends; the parent keeps the others. */
static void start_child(struct conversation *cv)
{
	int down[2], up[2] = { -1, -1 };

	xpipe(down);
	if (cv->upper)
		xpipe(up);
	cv->child = xfork();
	if (cv->child == 0) {
		xclose(down[1]);
		if (cv->upper)
			xclose(up[0]);
		child_loop(down[0], up[1]);
	}
	xclose(down[0]);
	cv->to_child = down[1];
	if (cv->upper) {
		xclose(up[1]);
		line_reader_init(&cv->replies, up[0]);
	}
}

/* Sends one line; in --upper mode prints the answer.  False: stop. */
static bool send_line(struct conversation *cv, const char *text)
{
	size_t len = strlen(text);
	char *reply;
	char *buf = malloc(len + 1);

	if (!buf)
		die("out of memory for a line of %zu bytes", len);
	memcpy(buf, text, len);
	buf[len] = '\n';
	/*
	 * A child that has died is only warned about here: converse() still
	 * reaps it and says how it ended (no zombie, SPEC §4.1).
	 */
	if (write_full(cv->to_child, buf, len + 1) == -1) {
		free(buf);
		if (errno == EPIPE)
			warning("write to child %d: reader has gone",
			        (int)cv->child);
		else if (errno != EINTR)
			die_errno("write to child %d", (int)cv->child);
		return false;
	}
	free(buf);
	if (!cv->upper)
		return true;
	if (line_read(&cv->replies, &reply) < 0) {
		if (errno == 0)
			warning("child %d closed its pipe without answering",
			        (int)cv->child);
		else if (errno != EINTR)
			die_errno("read from child %d", (int)cv->child);
		return false;
	}
	printf("After Changed: %s\n", reply);
	return true;
}

/* Sends every line; stops early at a stop signal or a child gone. */
static void send_lines(struct conversation *cv, struct line_source *input)
{
	char *line;

	/*
	 * Waiting for input, also watch our end of the pipe: if the child
	 * dies its read end closes, line_read() says EPIPE, and converse()
	 * reaps it at once instead of at the next line (SPEC §3).
	 */
	line_source_watch(input, cv->to_child);
	while (line_source_next(input, &line) >= 0)
		if (!send_line(cv, line))
			break;
}

static int converse(struct opts *o)
{
	struct conversation cv = { .upper = o->mode == MODE_UPPER };
	char how[64];
	int status;

	start_child(&cv);
	send_lines(&cv, &o->input);
	/* Closing our write end is what tells the child to finish. */
	xclose(cv.to_child);
	if (cv.upper)
		line_reader_free(&cv.replies);
	status = xreap(cv.child);
	printf("child %d %s\n", (int)cv.child,
	       describe_wait_status(status, how, sizeof(how)));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS
	                                                     : EXIT_FAILURE;
}

/* ---- --capacity ---- */

/* Writes chunks until the pipe is full; returns the bytes it took. */
static size_t fill_pipe(int fd)
{
	static char chunk[CHUNK];
	size_t total = 0, piece = sizeof(chunk);

	/*
	 * Whole pages first, then single bytes, so the count is exact even
	 * if the last page was partly free.
	 */
	while (piece > 0) {
		ssize_t n = sys_write(fd, chunk, piece);

		if (n > 0) {
			total += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR && !stop_signal())
			continue;
		if (n < 0 && errno != EAGAIN)
			die_errno("write");
		piece = piece == 1 ? 0 : 1;
	}
	return total;
}

static int capacity(const struct opts *o)
{
	int fds[2], size;
	size_t held;

	xpipe(fds);
	if (o->size) {
		size = sys_fcntl(fds[1], F_SETPIPE_SZ, (long)o->size);
		if (size == -1)
			die_errno("F_SETPIPE_SZ %zu", o->size);
		printf("asked F_SETPIPE_SZ for %zu bytes, the kernel gave "
		       "%d\n",
		       o->size, size);
	}
	size = sys_fcntl(fds[1], F_GETPIPE_SZ, 0);
	if (size == -1)
		die_errno("F_GETPIPE_SZ");
	if (sys_fcntl(fds[1], F_SETFL, O_WRONLY | O_NONBLOCK) == -1)
		die_errno("F_SETFL O_NONBLOCK");
	held = fill_pipe(fds[1]);
	printf("F_GETPIPE_SZ: %d bytes\n", size);
	printf("pipe held %zu bytes before a write would block (EAGAIN)\n",
	       held);
	xclose(fds[0]);
	xclose(fds[1]);
	return EXIT_SUCCESS;
}

/* ---- --sigpipe ---- */

/*
 * In a process of its own, since with SIGPIPE at its default the write
 * kills the writer: a child closes the read end and exits, then this
 * process writes into the pipe that no one can read any more.
 */
static noreturn void sigpipe_writer(bool ignore)
{
	static const char text[] = "anyone there?\n";
	int fds[2];
	pid_t reader;

	signal(SIGPIPE, ignore ? SIG_IGN : SIG_DFL);
	xpipe(fds);
	reader = xfork();
	if (reader == 0) {
		xclose(fds[0]);
		xclose(fds[1]);
		printf("reader %d closed the read end and exits\n",
		       (int)getpid());
		fflush(stdout);
		_exit(EXIT_SUCCESS);
	}
	xclose(fds[0]);
	xreap(reader);
	printf("writer %d writes with SIGPIPE %s\n", (int)getpid(),
	       ignore ? "ignored" : "at its default");
	fflush(stdout);
	if (sys_write(fds[1], text, sizeof(text) - 1) == -1 && errno == EPIPE) {
		printf("writer %d: write failed with EPIPE: %s (reader has "
		       "gone)\n",
		       (int)getpid(), strerror(EPIPE));
		fflush(stdout);
		_exit(EXIT_SUCCESS);
	}
	_exit(EXIT_FAILURE);
}

static bool sigpipe_round(bool ignore, int expected_signal)
{
	pid_t writer = xfork();
	char how[64];
	int status;

	if (writer == 0)
		sigpipe_writer(ignore);
	status = xreap(writer);
	printf("writer %d %s\n", (int)writer,
	       describe_wait_status(status, how, sizeof(how)));
	if (expected_signal)
		return WIFSIGNALED(status) &&
		       WTERMSIG(status) == expected_signal;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int sigpipe_demo(void)
{
	bool killed = sigpipe_round(false, SIGPIPE);
	bool epipe = sigpipe_round(true, 0);

	return killed && epipe ? EXIT_SUCCESS : EXIT_FAILURE;
}

int pipe_main(int argc, char **argv)
{
	struct opts o = { .mode = MODE_ECHO };
	int rc;

	parse_opts(argc, argv, &o);
	switch (o.mode) {
	case MODE_CAPACITY:
		rc = capacity(&o);
		break;
	case MODE_SIGPIPE:
		rc = sigpipe_demo();
		break;
	default:
		rc = converse(&o);
		break;
	}
	line_source_free(&o.input);
	return rc;
}
