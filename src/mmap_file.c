/*
 * mmap_file.c - the file of a file-backed shm channel: creating it,
 * recognising what is already at its path, mapping it.
 *
 * What is at the path decides what happens, as for a stale System V
 * segment (shm_segment.c): only a published header whose magic,
 * version and sizes match the file's real size says "ours", and the
 * path alone proves nothing.  The header is read with read(2) into a
 * copy and checked there, so a file that is not ours is never mapped,
 * let alone written.
 *
 * Surprises of mapped files (mmap(2)): the mapping outlives the
 * descriptor, which is closed as soon as the file is mapped; the
 * kernel maps whole pages, but a store past the end of the file, or
 * into a page the file system has no room for, is SIGBUS, not an
 * error return.  Hence the size always comes from fstat(2), and the
 * reader reserves the blocks (fallocate) before it maps a new file.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdlib.h>
#include <unistd.h>

#include "ipcdemo.h"
#include "mmap_file.h"

#define SETUP_WAIT_TRIES 40 /* x 50 ms: how long a reader may take */

/* What is at the path, as far as a channel goes. */
enum look {
	LOOK_OURS,       /* a published channel header; fd is open */
	LOOK_GONE,       /* nothing there (any more) */
	LOOK_SETTING_UP, /* empty, or no magic yet: maybe a reader at work */
};

struct found {
	int fd;
	struct stat st;
	struct shm_header hdr; /* a copy, read(2) from the file */
	char why[160];         /* not ours: why not */
};

static noreturn void refuse_kind(const char *path, mode_t mode)
{
	die("%s is %s, not a regular file; leaving it alone", path,
	    file_kind(mode));
}

/* Checks the size, reads the header and checks the copy. */
static enum look look_inside(const char *path, struct found *lk)
{
	off_t size = lk->st.st_size;
	ssize_t n;

	if (size == 0) {
		snprintf(lk->why, sizeof(lk->why), "it is empty");
		return LOOK_SETTING_UP;
	}
	if ((size_t)size < SHM_MIN_SIZE)
		die("%s is too small for a channel (%lld bytes, at least "
		    "%zu); leaving it alone",
		    path, (long long)size, SHM_MIN_SIZE);
	if ((unsigned long long)size > SHM_MAX_SIZE)
		die("%s is too large for a channel (%lld bytes, at most %lu); "
		    "leaving it alone",
		    path, (long long)size, SHM_MAX_SIZE);
	n = read_full(lk->fd, &lk->hdr, sizeof(lk->hdr));
	if (n < 0)
		die_errno("read %s", path);
	if ((size_t)n < sizeof(lk->hdr))
		die("%s shrank while it was read; leaving it alone", path);
	if (shm_chan_check(&lk->hdr, (size_t)size, lk->why, sizeof(lk->why)))
		return LOOK_OURS;
	if (lk->hdr.magic == 0)
		return LOOK_SETTING_UP;
	die("%s is not an mmap-demo channel (%s); leaving it alone", path,
	    lk->why);
}

/*
 * Opens what is at path, if it may be a channel; dies with one line if
 * it cannot be.  On LOOK_OURS lk->fd is open, on the others closed.
 */
static enum look look_at(const char *path, struct found *lk)
{
	struct stat st;
	enum look what;

	lk->fd = -1;
	if (stat(path, &st) == -1) {
		if (errno == ENOENT && lstat(path, &st) == 0)
			die("%s is a symbolic link to nothing; leaving it "
			    "alone",
			    path);
		if (errno == ENOENT)
			return LOOK_GONE;
		die_errno("%s", path);
	}
	/* Before open(2): opening a device or a FIFO can have effects. */
	if (!S_ISREG(st.st_mode))
		refuse_kind(path, st.st_mode);
	lk->fd = sys_open(path, O_RDWR, 0);
	if (lk->fd == -1 && errno == ENOENT)
		return LOOK_GONE;
	if (lk->fd == -1)
		die_errno("open %s", path);
	/* The descriptor is the truth: the path may have changed since. */
	if (fstat(lk->fd, &lk->st) == -1)
		die_errno("fstat %s", path);
	if (!S_ISREG(lk->st.st_mode)) {
		sys_close(lk->fd);
		refuse_kind(path, lk->st.st_mode);
	}
	what = look_inside(path, lk);
	if (what != LOOK_OURS) {
		xclose(lk->fd);
		lk->fd = -1;
	}
	return what;
}

/* A file still without a header after the wait is not a channel. */
static void wait_setting_up(const char *path, const struct found *lk, int tries)
{
	if (tries >= SETUP_WAIT_TRIES)
		die("%s is not an mmap-demo channel (%s, and no reader set "
		    "it up); leaving it alone",
		    path, lk->why);
	if (!sleep_seconds(0.05))
		exit(stop_exit_status());
}

/* Maps the whole file shared; the descriptor is not needed after it. */
static void map_file(struct mmap_file *mf, int fd)
{
	mf->base = sys_mmap(NULL, mf->size, PROT_READ | PROT_WRITE, MAP_SHARED,
	                    fd, 0);
	if (mf->base == MAP_FAILED)
		die_errno("mmap %s", mf->path);
	xclose(fd);
}

static void map_and_publish(struct mmap_file *mf, int fd)
{
	map_file(mf, fd);
	if (!shm_chan_format(mf->base, mf->size, mf->sync, getpid()))
		die("internal error: channel size %zu", mf->size);
	shm_chan_publish(mf->base);
}

/* The reader's new file: exactly mode, whatever the umask. */
static int create_excl(const char *path, mode_t mode)
{
	mode_t old_umask = umask(0);
	int fd = sys_open(path, O_RDWR | O_CREAT | O_EXCL, mode);
	int saved = errno;

	umask(old_umask);
	errno = saved;
	return fd;
}

static void size_new_file(struct mmap_file *mf, int fd)
{
	if (sys_ftruncate(fd, (off_t)mf->size) == -1)
		die_errno("ftruncate %s to %zu bytes", mf->path, mf->size);
	/* Not every file system can; a full one says so now, not SIGBUS. */
	if (sys_fallocate(fd, (off_t)mf->size) == -1 && errno != EOPNOTSUPP)
		die_errno("reserve %zu bytes for %s", mf->size, mf->path);
}

/* A channel file of ours is at the path: take it over if it is free. */
static void reuse(struct mmap_file *mf, struct found *lk, size_t size,
                  bool size_given)
{
	pid_t old = lk->hdr.server_pid;

	if (pid_alive(old)) {
		xclose(lk->fd);
		die("a reader is already using %s (PID %d)", mf->path,
		    (int)old);
	}
	if (lk->st.st_uid != geteuid())
		die("%s is a channel file of uid %u, not ours; leaving it "
		    "alone",
		    mf->path, (unsigned)lk->st.st_uid);
	if (size_given && (size_t)lk->st.st_size != size)
		die("%s is a channel of %lld bytes, not %zu; leaving it as it "
		    "is (remove it, or drop -s)",
		    mf->path, (long long)lk->st.st_size, size);
	mf->old_reader = old;
	mf->size = (size_t)lk->st.st_size;
	mf->mode = lk->st.st_mode & 07777;
	/* Blocks the earlier reader may not have had (a sparse copy). */
	if (sys_fallocate(lk->fd, (off_t)mf->size) == -1 && errno != EOPNOTSUPP)
		die_errno("reserve %zu bytes for %s", mf->size, mf->path);
	map_and_publish(mf, lk->fd);
}

void mmap_file_create(struct mmap_file *mf, const char *path, size_t size,
                      bool size_given, enum shm_sync sync, mode_t mode)
{
	struct found lk;

	*mf = (struct mmap_file){
		.path = path, .size = size, .mode = mode, .sync = sync
	};
	for (int tries = 0;; tries++) {
		int fd = create_excl(path, mode);

		if (fd >= 0) {
			mf->created = true;
			cleanup_path(path); /* before anything can fail */
			size_new_file(mf, fd);
			map_and_publish(mf, fd);
			return;
		}
		if (errno != EEXIST)
			die_errno("create %s", path);
		switch (look_at(path, &lk)) {
		case LOOK_OURS:
			reuse(mf, &lk, size, size_given);
			return;
		case LOOK_GONE: /* removed in between: create it again */
			snprintf(lk.why, sizeof(lk.why),
			         "it keeps being removed and made again");
			wait_setting_up(path, &lk, tries);
			break;
		case LOOK_SETTING_UP:
			wait_setting_up(path, &lk, tries);
			break;
		}
	}
}

void mmap_file_attach(struct mmap_file *mf, const char *path)
{
	struct found lk;
	char why[160];

	*mf = (struct mmap_file){ .path = path };
	for (int tries = 0;; tries++) {
		enum look what = look_at(path, &lk);

		if (what == LOOK_GONE)
			die("no reader: %s does not exist; start one first "
			    "with 'ipcdemo mmap-demo file --read -f %s'",
			    path, path);
		if (what == LOOK_OURS)
			break;
		wait_setting_up(path, &lk, tries);
	}
	mf->size = (size_t)lk.st.st_size;
	mf->mode = lk.st.st_mode & 07777;
	map_file(mf, lk.fd);
	/* Checked again where it counts: the reader may have moved on. */
	if (!shm_chan_check(mf->base, mf->size, why, sizeof(why)))
		die("%s is not an mmap-demo channel (%s)", path, why);
	mf->sync = __atomic_load_n(&((struct shm_header *)mf->base)->sync_mode,
	                           __ATOMIC_RELAXED);
}

void mmap_file_unmap(struct mmap_file *mf, bool sync)
{
	if (!mf->base)
		return;
	if (sync && sys_msync(mf->base, mf->size, MS_SYNC) == -1)
		warning_errno("msync %s", mf->path);
	if (sys_munmap(mf->base, mf->size) == -1)
		warning_errno("munmap %s", mf->path);
	mf->base = NULL;
}

const char *mmap_file_fs_name(const char *path)
{
	static const struct {
		unsigned long magic;
		const char *name;
	} names[] = {
		{ TMPFS_MAGIC, "tmpfs" },
		{ RAMFS_MAGIC, "ramfs" },
		{ EXT4_SUPER_MAGIC, "ext4" }, /* ext2 and ext3 too */
		{ XFS_SUPER_MAGIC, "xfs" },
		{ BTRFS_SUPER_MAGIC, "btrfs" },
		{ F2FS_SUPER_MAGIC, "f2fs" },
		{ OVERLAYFS_SUPER_MAGIC, "overlayfs" },
		{ NFS_SUPER_MAGIC, "nfs" },
		{ FUSE_SUPER_MAGIC, "fuse" },
		{ V9FS_MAGIC, "9p" },
	};
	static char other[40];
	struct statfs fs;

	if (statfs(path, &fs) == -1)
		return "unknown file system";
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((unsigned long)fs.f_type == names[i].magic)
			return names[i].name;
	snprintf(other, sizeof(other), "file system type %#lx",
	         (unsigned long)fs.f_type);
	return other;
}
