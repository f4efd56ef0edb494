/*
 * bench_fd.c - the byte-stream mechanisms: pipe, fifo and raw-pipe.
 *
 * Each has two pipes (or FIFOs): "down" from parent to child, and "up"
 * for the answers of a round trip.  pipe and fifo move their messages
 * with write_full() and read_full() from src/io.c, the code the pipe
 * and fifo applets run, traced wrappers and EINTR handling included.
 * raw-pipe is the reference they are compared with: plain read(2) and
 * write(2) loops straight from libc, which is the kernel's cost and
 * nothing of ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ipcdemo.h"

struct fd_chan {
	int down[2], up[2]; /* [0] read end, [1] write end */
	int in, out;        /* this side's ends after attach */
	char dir[PATH_MAX]; /* fifo: the scratch directory */
};

static struct fd_chan *fd_chan_new(void)
{
	struct fd_chan *c = calloc(1, sizeof(*c));

	if (!c)
		die("out of memory");
	c->in = c->out = -1;
	return c;
}

static void *pipe_chan_open(const struct bench_params *p)
{
	struct fd_chan *c = fd_chan_new();

	(void)p;
	xpipe(c->down);
	xpipe(c->up);
	return c;
}

static void fd_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct fd_chan *c = chan;
	bool parent = side == BENCH_PARENT;

	(void)peer;
	/* Drop the ends the other side uses, or EOF could never come. */
	xclose(parent ? c->down[0] : c->down[1]);
	xclose(parent ? c->up[1] : c->up[0]);
	c->out = parent ? c->down[1] : c->up[1];
	c->in = parent ? c->up[0] : c->down[0];
}

static void fd_close(void *chan)
{
	struct fd_chan *c = chan;

	xclose(c->in);
	xclose(c->out);
	free(c);
}

/* ---- pipe and fifo: the applets' code ---- */

static int io_send(void *chan, const void *buf, size_t size)
{
	return write_full(((struct fd_chan *)chan)->out, buf, size);
}

static int io_recv(void *chan, void *buf, size_t size)
{
	ssize_t n = read_full(((struct fd_chan *)chan)->in, buf, size);

	if (n >= 0 && (size_t)n < size)
		errno = 0; /* EOF: the writer has gone */
	return n >= 0 && (size_t)n == size ? 0 : -1;
}

/*
 * Both ends of a FIFO, opened in the parent before the fork: the read
 * end without blocking (no writer yet), then the write end, which
 * finds the reader.  Opening them in the two processes would make each
 * wait for the other, and a child that died before its open would
 * leave the parent blocked for ever.
 */
static void open_fifo(const char *path, int fds[2])
{
	if (sys_mkfifo(path, DEFAULT_MODE) == -1)
		die_errno("mkfifo %s", path);
	cleanup_path(path);
	fds[0] = sys_open(path, O_RDONLY | O_NONBLOCK, 0);
	if (fds[0] == -1)
		die_errno("open %s", path);
	fds[1] = sys_open(path, O_WRONLY, 0);
	if (fds[1] == -1)
		die_errno("open %s", path);
	if (sys_fcntl(fds[0], F_SETFL, O_RDONLY) == -1)
		die_errno("fcntl %s", path);
}

static void *fifo_chan_open(const struct bench_params *p)
{
	struct fd_chan *c = fd_chan_new();
	const char *tmp = getenv("TMPDIR");
	char path[PATH_MAX + 8];

	(void)p;
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(c->dir, sizeof(c->dir), "%s/ipcdemo-bench.XXXXXX", tmp) >=
	    (int)sizeof(c->dir))
		die("TMPDIR too long: %s", tmp);
	if (!mkdtemp(c->dir))
		die_errno("mkdtemp %s", c->dir);
	cleanup_dir(c->dir); /* registered first: removed last */
	snprintf(path, sizeof(path), "%s/down", c->dir);
	open_fifo(path, c->down);
	snprintf(path, sizeof(path), "%s/up", c->dir);
	open_fifo(path, c->up);
	return c;
}

/* ---- raw-pipe: libc's read(2) and write(2), the reference ---- */

static int raw_send(void *chan, const void *buf, size_t size)
{
	const char *p = buf;

	while (size > 0) {
		ssize_t n = write(((struct fd_chan *)chan)->out, p, size);

		if (n < 0 && errno == EINTR && !bench_interrupted())
			continue;
		if (n < 0)
			return -1;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

static int raw_recv(void *chan, void *buf, size_t size)
{
	char *p = buf;

	while (size > 0) {
		ssize_t n = read(((struct fd_chan *)chan)->in, p, size);

		if (n < 0 && errno == EINTR && !bench_interrupted())
			continue;
		if (n == 0)
			errno = 0;
		if (n <= 0)
			return -1;
		p += n;
		size -= (size_t)n;
	}
	return 0;
}

const struct bench_mech bench_pipe = {
	.name = "pipe",
	.summary = "anonymous pipe, through the pipe applet's I/O code",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "raw-pipe",
	.rtt_ref = "raw-pipe",
	.open = pipe_chan_open,
	.attach = fd_attach,
	.send = io_send,
	.recv = io_recv,
	.close = fd_close,
};

const struct bench_mech bench_fifo = {
	.name = "fifo",
	.summary = "FIFO in a scratch directory, through the same I/O code",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "raw-pipe",
	.rtt_ref = "raw-pipe",
	.open = fifo_chan_open,
	.attach = fd_attach,
	.send = io_send,
	.recv = io_recv,
	.close = fd_close,
};

const struct bench_mech bench_raw_pipe = {
	.name = "raw-pipe",
	.summary = "reference: plain read(2)/write(2) loops on a pipe",
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.rtt_ref = "futex-floor",
	.open = pipe_chan_open,
	.attach = fd_attach,
	.send = raw_send,
	.recv = raw_recv,
	.close = fd_close,
};
