/*
 * sys.c - traced wrappers for pipes, FIFOs, processes and signals.
 *
 * Each makes exactly one system call, keeps its errno and returns what
 * it returned, so callers that recover can; retrying EINTR is left to
 * the helpers in io.c.  The x*() versions at the end die instead.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "trace.h"

int sys_pipe(int fds[2])
{
	int rc = pipe(fds);

	TRACE(rc, false, "pipe([%d, %d]) %s", rc ? -1 : fds[0],
	      rc ? -1 : fds[1], tr_result(rc));
	return rc;
}

pid_t sys_fork(void)
{
	pid_t pid;

	fflush(NULL); /* or the child would print our buffered output again */
	pid = fork();
	TRACE(pid, false, "fork() %s", tr_result(pid));
	return pid;
}

/* "WUNTRACED|WCONTINUED", or "0" */
static const char *waitpid_flags(int flags)
{
	static char buf[64];
	static const struct {
		int flag;
		const char *name;
	} names[] = {
		{ WNOHANG, "WNOHANG" },
		{ WUNTRACED, "WUNTRACED" },
		{ WCONTINUED, "WCONTINUED" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].flag))
			continue;
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s",
		                         used ? "|" : "", names[i].name);
		flags &= ~names[i].flag;
	}
	if (flags || !used)
		snprintf(buf + used, sizeof(buf) - used, "%s%#x",
		         used ? "|" : "", (unsigned)flags);
	return buf;
}

pid_t sys_waitpid(pid_t pid, int *status, int flags)
{
	int local;
	pid_t rc = waitpid(pid, status ? status : &local, flags);
	char how[64] = "";

	if (rc > 0)
		describe_wait_status(status ? *status : local, how,
		                     sizeof(how));
	TRACE(rc, false, "waitpid(pid=%d, flags=%s) %s%s%s%s", (int)pid,
	      waitpid_flags(flags), tr_result(rc), *how ? " (" : "", how,
	      *how ? ")" : "");
	return rc;
}

int sys_mkfifo(const char *path, mode_t mode)
{
	int rc = mkfifo(path, mode);

	TRACE(rc, false, "mkfifo(\"%s\", %#o) %s", path, (unsigned)mode,
	      tr_result(rc));
	return rc;
}

int sys_open(const char *path, int flags, mode_t mode)
{
	int fd = open(path, flags, mode);

	if (flags & O_CREAT)
		TRACE(fd, false, "open(\"%s\", %s, %#o) %s", path,
		      tr_open_flags(flags), (unsigned)mode, tr_result(fd));
	else
		TRACE(fd, false, "open(\"%s\", %s) %s", path,
		      tr_open_flags(flags), tr_result(fd));
	return fd;
}

ssize_t sys_read(int fd, void *buf, size_t len)
{
	ssize_t n = read(fd, buf, len);

	TRACE(n, false, "read(fd=%d, %zu) %s%s%s", fd, len, tr_result(n),
	      n > 0 ? " " : "", n > 0 ? tr_data(buf, n) : "");
	return n;
}

ssize_t sys_write(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	TRACE(n, false, "write(fd=%d, %s, %zu) %s", fd,
	      tr_data(buf, (ssize_t)len), len, tr_result(n));
	return n;
}

int sys_close(int fd)
{
	int rc = close(fd);

	TRACE(rc, false, "close(fd=%d) %s", fd, tr_result(rc));
	return rc;
}

int sys_unlink(const char *path)
{
	int rc = unlink(path);

	TRACE(rc, false, "unlink(\"%s\") %s", path, tr_result(rc));
	return rc;
}

int sys_ftruncate(int fd, off_t len)
{
	int rc = ftruncate(fd, len);

	TRACE(rc, false, "ftruncate(fd=%d, %lld) %s", fd, (long long)len,
	      tr_result(rc));
	return rc;
}

/*
 * Mode 0: the blocks are reserved now, so that a store into a mapping
 * of the file cannot fail later, with SIGBUS, on a full file system.
 */
int sys_fallocate(int fd, off_t len)
{
	int rc = fallocate(fd, 0, 0, len);

	TRACE(rc, false, "fallocate(fd=%d, 0, 0, %lld) %s", fd, (long long)len,
	      tr_result(rc));
	return rc;
}

static const char *fcntl_name(int cmd)
{
	switch (cmd) {
	case F_GETPIPE_SZ:
		return "F_GETPIPE_SZ";
	case F_SETPIPE_SZ:
		return "F_SETPIPE_SZ";
	case F_GETFL:
		return "F_GETFL";
	case F_SETFL:
		return "F_SETFL";
	case F_GETFD:
		return "F_GETFD";
	case F_SETFD:
		return "F_SETFD";
	default:
		return "F_?";
	}
}

int sys_fcntl(int fd, int cmd, long arg)
{
	int rc = fcntl(fd, cmd, arg);

	if (cmd == F_SETFL)
		TRACE(rc, false, "fcntl(fd=%d, F_SETFL, %s) %s", fd,
		      tr_open_flags((int)arg), tr_result(rc));
	else if (cmd == F_SETPIPE_SZ || cmd == F_SETFD)
		TRACE(rc, false, "fcntl(fd=%d, %s, %ld) %s", fd,
		      fcntl_name(cmd), arg, tr_result(rc));
	else
		TRACE(rc, false, "fcntl(fd=%d, %s) %s", fd, fcntl_name(cmd),
		      tr_result(rc));
	return rc;
}

int sys_kill(pid_t pid, int sig)
{
	int rc = kill(pid, sig);

	TRACE(rc, false, "kill(pid=%d, %s) %s", (int)pid,
	      sig ? signal_name(sig) : "0", tr_result(rc));
	return rc;
}

int sys_sigqueue(pid_t pid, int sig, int value)
{
	int rc = sigqueue(pid, sig, (union sigval){ .sival_int = value });

	TRACE(rc, false, "sigqueue(pid=%d, %s, value=%d) %s", (int)pid,
	      signal_name(sig), value, tr_result(rc));
	return rc;
}

int sys_raise(int sig)
{
	/* Traced before: for SIGSTOP the line would come after the stop. */
	if (trace_enabled)
		trace_line("raise(%s) ...", signal_name(sig));
	return raise(sig);
}

unsigned sys_alarm(unsigned seconds)
{
	unsigned left = alarm(seconds);

	if (trace_enabled)
		trace_line("alarm(%u) = %u", seconds, left);
	return left;
}

int sys_sigsuspend(const sigset_t *mask)
{
	int rc = sigsuspend(mask);

	/* sigsuspend always "fails" with EINTR: that is its success. */
	if (trace_enabled)
		trace_line("sigsuspend(mask=%s) %s", tr_sigset(mask),
		           tr_result(rc));
	return rc;
}

static const char *signal_result(int sig, const siginfo_t *info)
{
	static char buf[96];

	if (sig == -1)
		return tr_result(-1);
	if (info->si_code == SI_QUEUE)
		snprintf(buf, sizeof(buf), "= %s (from pid %d, value=%d)",
		         signal_name(sig), (int)info->si_pid,
		         info->si_value.sival_int);
	else
		snprintf(buf, sizeof(buf), "= %s (from pid %d)",
		         signal_name(sig), (int)info->si_pid);
	return buf;
}

int sys_sigwaitinfo(const sigset_t *set, siginfo_t *info)
{
	siginfo_t local;
	int sig = sigwaitinfo(set, info ? info : &local);

	TRACE(sig, false, "sigwaitinfo(%s) %s", tr_sigset(set),
	      signal_result(sig, info ? info : &local));
	return sig;
}

int sys_sigtimedwait(const sigset_t *set, siginfo_t *info,
                     const struct timespec *timeout)
{
	siginfo_t local;
	int sig = sigtimedwait(set, info ? info : &local, timeout);

	TRACE(sig, true, "sigtimedwait(%s, %s) %s", tr_sigset(set),
	      tr_timeout(timeout), signal_result(sig, info ? info : &local));
	return sig;
}

pid_t xfork(void)
{
	pid_t pid = sys_fork();

	if (pid == -1)
		die_errno("fork");
	return pid;
}

void xpipe(int fds[2])
{
	if (sys_pipe(fds) == -1)
		die_errno("pipe");
}

void xclose(int fd)
{
	if (sys_close(fd) == -1)
		die_errno("close(fd=%d)", fd);
}

int xreap(pid_t pid)
{
	int status;

	while (sys_waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			die_errno("waitpid(pid=%d)", (int)pid);
	return status;
}
