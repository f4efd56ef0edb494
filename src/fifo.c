/*
 * fifo.c - what fifo-read and fifo-write share about the FIFO's path
 * (SPEC §3, §4.2).
 *
 * Both sides refuse a path that is not a FIFO: the reader must never
 * take (or later delete) someone's file for its FIFO, and the writer
 * must never append to a regular file.  The check is made on the open
 * descriptor with fstat(2), so a file swapped in after an earlier
 * stat(2) is caught too.
 */
#include <sys/stat.h>
#include <errno.h>
#include <unistd.h>

#include "ipcdemo.h"

const char *fifo_path_arg(const char *arg)
{
	if (!*arg)
		usage_error("invalid FIFO path: '' (empty)");
	return arg;
}

const char *file_kind(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFIFO:
		return "a FIFO";
	case S_IFREG:
		return "a regular file";
	case S_IFDIR:
		return "a directory";
	case S_IFLNK:
		return "a symbolic link";
	case S_IFSOCK:
		return "a socket";
	case S_IFCHR:
		return "a character device";
	case S_IFBLK:
		return "a block device";
	default:
		return "not a FIFO";
	}
}

noreturn void fifo_refuse(const char *path, mode_t mode)
{
	die("%s is %s, not a FIFO; leaving it alone", path, file_kind(mode));
}

int fifo_open(const char *path, int flags)
{
	struct stat st;
	int fd = sys_open(path, flags, 0);

	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		die_errno("fstat %s", path);
	if (!S_ISFIFO(st.st_mode)) {
		sys_close(fd);
		fifo_refuse(path, st.st_mode);
	}
	return fd;
}
