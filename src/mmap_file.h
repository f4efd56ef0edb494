/*
 * mmap_file.h - a shm channel in a file mapped MAP_SHARED (SPEC §4.8).
 *
 * The memory of shm_channel.h, obtained from a file instead of shmget:
 * every process that maps the same file with MAP_SHARED sees the same
 * pages (the page cache), so two unrelated processes that agree on a
 * path can talk through them, and what they wrote is in the file.
 *
 * The file follows the rules of the FIFO's path (SPEC §3, §4.2).  The
 * reader creates it (O_CREAT|O_EXCL, registered for removal), or reuses
 * a channel file that an earlier reader left behind; it removes only a
 * file it created.  Anything else at the path - not a regular file, too
 * small or too large, without our header, someone else's - is refused
 * with one line and never truncated, written or removed.  A file that
 * is still being set up (empty, or without its magic yet) is waited for
 * a little.  The header is checked from a read(2) copy before the file
 * is mapped at all, and the mapping's size is the file's st_size, the
 * truth the header is checked against.
 */
#ifndef IPCDEMO_MMAP_FILE_H
#define IPCDEMO_MMAP_FILE_H

#include <sys/types.h>
#include <stdbool.h>

#include "shm_channel.h"

struct mmap_file {
	const char *path;
	void *base;
	size_t size; /* st_size when mapped */
	mode_t mode; /* permission bits of the file */
	enum shm_sync sync;
	bool created;     /* by this process, and registered for removal */
	pid_t old_reader; /* reused: the gone reader its header named */
};

/*
 * Reader: creates the file with mode (exactly: the umask is not
 * applied), sizes it to size bytes (ftruncate, then fallocate), maps
 * it and publishes a fresh header; or reuses a channel file of ours
 * whose reader is gone, at its own size (refused if size_given says
 * another size was asked for).  Dies with one line otherwise.
 */
void mmap_file_create(struct mmap_file *mf, const char *path, size_t size,
                      bool size_given, enum shm_sync sync, mode_t mode);

/*
 * Writer: opens and maps the reader's file once its header is
 * published.  Dies with one line when there is no such file or it is
 * not a channel.
 */
void mmap_file_attach(struct mmap_file *mf, const char *path);

/* Unmaps the file; with sync, msync(MS_SYNC) first. */
void mmap_file_unmap(struct mmap_file *mf, bool sync);

/* The file system path lives on, for messages: "tmpfs", "ext4", ... */
const char *mmap_file_fs_name(const char *path);

#endif
