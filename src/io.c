/*
 * io.c - EINTR-safe I/O and a line reader for lines of any length.
 *
 * A stop signal (SIGINT, SIGTERM, SIGHUP) interrupts these: they return
 * -1 with errno EINTR once stop_signal() is set, so an applet can clean
 * up and leave.  Any other EINTR is retried here and nowhere else.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

#define LINE_CHUNK 4096

static bool retry_eintr(void)
{
	return errno == EINTR && !stop_signal();
}

ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = sys_read(fd, (char *)buf + done, len - done);

		if (n == 0)
			break;
		if (n < 0 && retry_eintr())
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

int write_full(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = sys_write(fd, (const char *)buf + done, len - done);

		if (n < 0 && retry_eintr())
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

/*
 * wait_readable(), also returning -1 with errno EPIPE when watch_fd (a
 * pipe's write end, or -1 for none) reports that its reader has gone:
 * poll(2) sets POLLERR there whatever events were asked for.
 */
static int wait_readable_or_gone(int fd, int watch_fd, int timeout_ms)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP };
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = watch_fd, .events = 0 }, /* ignored when -1 */
	};
	struct timespec ts, *tsp = NULL;
	sigset_t old;
	int n, saved;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	/*
	 * Block the stop signals, look at the flag, then let ppoll unblock
	 * them atomically while it sleeps: a signal between the look and the
	 * sleep cannot be missed (the race pause() has).
	 */
	block_signals(&old, stops, sizeof(stops) / sizeof(stops[0]));
	do {
		n = stop_signal() ? (errno = EINTR, -1)
		                  : ppoll(pfd, 2, tsp, &old);
	} while (n < 0 && retry_eintr());
	saved = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	if (n > 0 && (pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL))) {
		errno = EPIPE;
		return -1;
	}
	return n > 0 ? 1 : n;
}

int wait_readable(int fd, int timeout_ms)
{
	return wait_readable_or_gone(fd, -1, timeout_ms);
}

void line_reader_init(struct line_reader *lr, int fd)
{
	*lr = (struct line_reader){ .fd = fd, .watch_fd = -1 };
}

void line_reader_watch(struct line_reader *lr, int fd)
{
	lr->watch_fd = fd;
}

bool line_reader_has_line(const struct line_reader *lr)
{
	return lr->end > lr->start &&
	       memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
}

void line_reader_free(struct line_reader *lr)
{
	free(lr->buf);
	lr->buf = NULL;
}

/* Makes room for LINE_CHUNK more bytes, first by moving the tail down. */
static void make_room(struct line_reader *lr)
{
	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	if (lr->cap - lr->end >= LINE_CHUNK + 1)
		return;
	lr->cap = lr->cap ? lr->cap * 2 : 2 * LINE_CHUNK;
	lr->buf = realloc(lr->buf, lr->cap);
	if (!lr->buf)
		die("out of memory for a line of %zu bytes", lr->cap / 2);
}

/* Reads more input into the buffer; returns false at EOF or on error. */
static bool fill(struct line_reader *lr)
{
	ssize_t n;

	make_room(lr);
	do {
		/* Waiting in ppoll first keeps SIGINT from being missed. */
		if (wait_readable_or_gone(lr->fd, lr->watch_fd, -1) < 0)
			return false;
		n = sys_read(lr->fd, lr->buf + lr->end, lr->cap - lr->end - 1);
	} while (n < 0 && (retry_eintr() || errno == EAGAIN));
	if (n <= 0) {
		lr->eof = n == 0;
		return false;
	}
	lr->end += (size_t)n;
	return true;
}

ssize_t line_read(struct line_reader *lr, char **line)
{
	size_t scanned = lr->start;

	for (;;) {
		char *nl = lr->end > scanned ? memchr(lr->buf + scanned, '\n',
		                                      lr->end - scanned)
		                             : NULL;

		if (nl) {
			*nl = '\0';
			*line = lr->buf + lr->start;
			lr->start = (size_t)(nl - lr->buf) + 1;
			return nl - *line;
		}
		scanned = lr->end - lr->start; /* offset survives make_room */
		if (lr->eof || !fill(lr))
			break;
		scanned += lr->start;
	}
	if (lr->eof && lr->end > lr->start) {
		/* A last line without a newline: return it, then EOF. */
		size_t len = lr->end - lr->start;

		lr->buf[lr->end] = '\0';
		*line = lr->buf + lr->start;
		lr->start = lr->end;
		return (ssize_t)len;
	}
	if (lr->eof)
		errno = 0;
	return -1;
}

void prompt_if_tty(void)
{
	if (isatty(STDIN_FILENO)) {
		fputs("input> ", stdout);
		fflush(stdout);
	}
}

bool is_quit_line(const char *line)
{
	return strcmp(line, "quit") == 0;
}
