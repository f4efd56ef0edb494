/*
 * bench_mmap.c - mmap: the shm channel in a file mapped MAP_SHARED,
 * through mmap-demo's own code (src/mmap_file.c, src/shm_channel.c).
 *
 * The parent plays mmap-demo's reader: in a scratch directory of the
 * mmap directory (/dev/shm, a tmpfs, unless --mmap-dir says otherwise)
 * it creates the file with mmap_file_create(), which sizes, maps and
 * formats it, and is the channel's server.  The child plays the writer:
 * it drops the mapping it inherited, maps the file itself with
 * mmap_file_attach(), as an unrelated process would, and connects.
 * Then both move messages with shm_chan_send() and shm_chan_recv() in
 * futex mode, exactly as shm-futex does over a System V segment, which
 * is what the row is compared with: on tmpfs the pages are the same
 * kind of memory, and on a disk file system the difference is the cost
 * of a file behind them.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ipcdemo.h"
#include "mmap_file.h"
#include "shm_channel.h"

#define DEFAULT_DIR "/dev/shm"
/* The header and two rings of 512 KiB: a 1 MiB message in 8 records. */
#define CHANNEL_SIZE (sizeof(struct shm_header) + ((size_t)1 << 20))

static const char *mmap_dir = DEFAULT_DIR;
static char summary[PATH_MAX + 96] =
	"the shm channel (futex) in a file mapped MAP_SHARED, in " DEFAULT_DIR
	" (tmpfs; --mmap-dir)";

struct mmap_chan {
	char dir[PATH_MAX];
	char path[PATH_MAX + 8];
	struct mmap_file mf;
	struct shm_chan ch;
	struct shm_msg msg;
};

void bench_mmap_set_dir(const char *dir)
{
	struct stat st;

	/* Found out now, not after a minute of other rows. */
	if (stat(dir, &st) == -1)
		die_errno("--mmap-dir %s", dir);
	if (!S_ISDIR(st.st_mode))
		die("--mmap-dir %s: not a directory", dir);
	if (access(dir, W_OK | X_OK) == -1)
		die_errno("--mmap-dir %s", dir);
	mmap_dir = dir;
	snprintf(summary, sizeof(summary),
	         "the shm channel (futex) in a file mapped MAP_SHARED, in %s "
	         "(%s; --mmap-dir)",
	         dir, mmap_file_fs_name(dir));
}

/* The channel's once-a-second look at the peer: the harness knows. */
static bool peer_check(struct shm_chan *ch, void *arg, char *why, size_t len)
{
	(void)ch;
	(void)arg;
	if (!bench_interrupted() || stop_signal())
		return true;
	snprintf(why, len, "the other bench process has gone");
	return false;
}

static struct shm_params params(void)
{
	return (struct shm_params){
		.sync = SHM_SYNC_FUTEX,
		.spin_us = -1,
		.peer_check = peer_check,
	};
}

static void *mmap_open(const struct bench_params *p)
{
	struct mmap_chan *c = calloc(1, sizeof(*c));
	struct shm_params sp = params();

	(void)p; /* the channel splits what does not fit a ring */
	if (!c)
		die("out of memory");
	if (snprintf(c->dir, sizeof(c->dir), "%s/ipcdemo-bench.XXXXXX",
	             mmap_dir) >= (int)sizeof(c->dir))
		die("--mmap-dir too long: %s", mmap_dir);
	if (!mkdtemp(c->dir))
		die_errno("mkdtemp %s", c->dir);
	cleanup_dir(c->dir); /* registered first: removed last */
	snprintf(c->path, sizeof(c->path), "%s/chan", c->dir);
	mmap_file_create(&c->mf, c->path, CHANNEL_SIZE, true, SHM_SYNC_FUTEX,
	                 DEFAULT_MODE);
	shm_chan_open(&c->ch, c->mf.base, c->mf.size, SHM_SERVER, &sp);
	return c;
}

static void mmap_attach(void *chan, enum bench_side side, pid_t peer)
{
	struct mmap_chan *c = chan;
	struct shm_params sp = params();
	pid_t holder;
	int rc;

	if (side == BENCH_PARENT) {
		/* Looked at while we wait, should the child never come. */
		c->ch.peer_pid = peer;
		rc = shm_chan_accept(&c->ch);
		if (rc != SHM_OK && rc != SHM_STOPPED)
			die("mmap: the child never connected");
		return;
	}
	/* The child's own mapping of the file, not the parent's copy. */
	if (sys_munmap(c->mf.base, c->mf.size) == -1)
		die_errno("munmap");
	mmap_file_attach(&c->mf, c->path);
	shm_chan_open(&c->ch, c->mf.base, c->mf.size, SHM_CLIENT, &sp);
	if (shm_chan_connect(&c->ch, &holder) != SHM_OK)
		die("mmap: the channel is taken by PID %d", (int)holder);
}

/* The harness's convention: -1 with EINTR on a stop, 0 if the peer went. */
static int status(int rc)
{
	if (rc == SHM_OK)
		return 0;
	errno = rc == SHM_STOPPED ? EINTR : 0;
	return -1;
}

static int mmap_send(void *chan, const void *buf, size_t size)
{
	return status(
		shm_chan_send(&((struct mmap_chan *)chan)->ch, buf, size));
}

/* shm_chan_recv() copies the message out once, into c->msg. */
static int mmap_recv(void *chan, void *buf, size_t size)
{
	struct mmap_chan *c = chan;
	int rc = status(shm_chan_recv(&c->ch, &c->msg));

	(void)buf;
	if (rc == 0 && c->msg.len != size) {
		errno = EBADMSG;
		return -1;
	}
	return rc;
}

static void mmap_close(void *chan)
{
	struct mmap_chan *c = chan;

	/* The file and its directory go with the harness's cleanup. */
	mmap_file_unmap(&c->mf, false);
	free(c->msg.data);
	free(c);
}

const struct bench_mech bench_mmap = {
	.name = "mmap",
	.summary = summary,
	.kinds = BENCH_KIND_STREAM | BENCH_KIND_RTT,
	.stream_ref = "shm-futex",
	.rtt_ref = "shm-futex",
	.open = mmap_open,
	.attach = mmap_attach,
	.send = mmap_send,
	.recv = mmap_recv,
	.close = mmap_close,
};
