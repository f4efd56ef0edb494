/*
 * trace.c - the --trace layer (SPEC §2): one line on stderr per IPC
 * system call, with decoded arguments and the result.
 *
 * Each line is formatted whole and written with one write(2), so lines
 * from a parent and its child never mix.  A child's lines start with
 * "[pid N]", as strace marks them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "trace.h"

#define TR_BUFS 8
#define TR_BUF_SIZE 192
#define TR_DATA_MAX 40
/* tr_data() at worst: quotes, "\xNN" per byte, "..." and the NUL. */
_Static_assert(TR_BUF_SIZE >= 2 + 4 * TR_DATA_MAX + sizeof("..."),
               "TR_BUF_SIZE too small for tr_data()");

bool trace_enabled;
static pid_t main_pid;

void trace_init(int *argc, char **argv)
{
	const char *env = getenv("IPCDEMO_TRACE");
	int out = 1;

	main_pid = getpid();
	if (env && *env && strcmp(env, "0") != 0)
		trace_enabled = true;
	/* --trace may stand anywhere before "--"; the applet never sees it. */
	for (int i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--trace") == 0)
			trace_enabled = true;
		else
			argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
}

void trace_line(const char *fmt, ...)
{
	char line[1024];
	int len = 0;
	va_list ap;
	int saved = errno;

	if (getpid() != main_pid)
		len = snprintf(line, sizeof(line), "[pid %d] ", (int)getpid());
	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - (size_t)len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 2)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	/* Tracing must not change errno or stdio state: one raw write. */
	if (write(STDERR_FILENO, line, (size_t)len) < 0)
		(void)0;
	errno = saved;
}

bool tr_quiet(int err, bool timed)
{
	if (err == EINTR)
		return !stop_signal();
	return timed && (err == EAGAIN || err == ETIMEDOUT);
}

static char *tr_buf(void)
{
	static char bufs[TR_BUFS][TR_BUF_SIZE];
	static unsigned next;

	return bufs[next++ % TR_BUFS];
}

const char *tr_result(long rc)
{
	char *buf = tr_buf();
	const char *name;

	if (rc != -1) {
		snprintf(buf, TR_BUF_SIZE, "= %ld", rc);
		return buf;
	}
	name = strerrorname_np(errno);
	snprintf(buf, TR_BUF_SIZE, "= -1 %s (%s)", name ? name : "E?",
	         strerror(errno));
	return buf;
}

struct flag_name {
	int flag;
	const char *name;
};

/* Appends the names of the set flags; returns the bits left unnamed. */
static int put_flags(char *buf, const struct flag_name *names, int flags)
{
	for (; names->name; names++) {
		if (!(flags & names->flag))
			continue;
		if (*buf)
			strncat(buf, "|", TR_BUF_SIZE - strlen(buf) - 1);
		strncat(buf, names->name, TR_BUF_SIZE - strlen(buf) - 1);
		flags &= ~names->flag;
	}
	return flags;
}

const char *tr_ipc_flags(int flags)
{
	static const struct flag_name names[] = {
		{ IPC_CREAT, "IPC_CREAT" },   { IPC_EXCL, "IPC_EXCL" },
		{ IPC_NOWAIT, "IPC_NOWAIT" }, { MSG_NOERROR, "MSG_NOERROR" },
		{ MSG_EXCEPT, "MSG_EXCEPT" }, { SHM_RDONLY, "SHM_RDONLY" },
		{ SHM_RND, "SHM_RND" },       { 0, NULL },
	};
	char *buf = tr_buf();
	int rest;

	buf[0] = '\0';
	rest = put_flags(buf, names, flags & ~0777);
	if (*buf)
		strncat(buf, "|", TR_BUF_SIZE - strlen(buf) - 1);
	snprintf(buf + strlen(buf), TR_BUF_SIZE - strlen(buf), "%#o",
	         (unsigned)((flags & 0777) | rest));
	return buf;
}

const char *tr_ctl_cmd(int cmd)
{
	static const struct flag_name names[] = {
		{ IPC_RMID, "IPC_RMID" },
		{ IPC_SET, "IPC_SET" },
		{ IPC_STAT, "IPC_STAT" },
		{ IPC_INFO, "IPC_INFO" },
		{ GETVAL, "GETVAL" },
		{ SETVAL, "SETVAL" },
		{ GETALL, "GETALL" },
		{ SETALL, "SETALL" },
		{ GETPID, "GETPID" },
		{ GETNCNT, "GETNCNT" },
		{ GETZCNT, "GETZCNT" },
		{ SHM_STAT, "SHM_STAT" },
		{ SHM_INFO, "SHM_INFO" },
		{ MSG_STAT, "MSG_STAT" },
		{ MSG_INFO, "MSG_INFO" },
		{ SEM_STAT, "SEM_STAT" },
		{ SEM_INFO, "SEM_INFO" },
		{ SHM_STAT_ANY, "SHM_STAT_ANY" },
		{ MSG_STAT_ANY, "MSG_STAT_ANY" },
		{ SEM_STAT_ANY, "SEM_STAT_ANY" },
		{ 0, NULL },
	};
	char *buf = tr_buf();

	/* Commands are values, not bits: IPC_RMID is 0. */
	if (cmd == IPC_RMID)
		return "IPC_RMID";
	for (const struct flag_name *n = names; n->name; n++)
		if (n->flag == cmd)
			return n->name;
	snprintf(buf, TR_BUF_SIZE, "cmd %d", cmd);
	return buf;
}

const char *tr_open_flags(int flags)
{
	static const struct flag_name names[] = {
		{ O_CREAT, "O_CREAT" },       { O_EXCL, "O_EXCL" },
		{ O_TRUNC, "O_TRUNC" },       { O_APPEND, "O_APPEND" },
		{ O_NONBLOCK, "O_NONBLOCK" }, { O_CLOEXEC, "O_CLOEXEC" },
		{ O_NOFOLLOW, "O_NOFOLLOW" }, { 0, NULL },
	};
	static const char *const access_names[] = { "O_RDONLY", "O_WRONLY",
		                                    "O_RDWR", "O_ACCMODE" };
	char *buf = tr_buf();

	snprintf(buf, TR_BUF_SIZE, "%s", access_names[flags & O_ACCMODE]);
	put_flags(buf, names, flags & ~O_ACCMODE);
	return buf;
}

const char *tr_data(const void *data, ssize_t len)
{
	const unsigned char *p = data;
	char *buf = tr_buf();
	size_t out = 0;

	buf[out++] = '"';
	for (ssize_t i = 0; i < len && i < TR_DATA_MAX; i++) {
		unsigned char c = p[i];

		if (c == '\n' || c == '\t' || c == '"' || c == '\\')
			out += (size_t)snprintf(buf + out, 3, "\\%c",
			                        c == '\n'   ? 'n'
			                        : c == '\t' ? 't'
			                                    : c);
		else if (c < ' ' || c > '~')
			out += (size_t)snprintf(buf + out, 5, "\\x%02x", c);
		else
			buf[out++] = (char)c;
	}
	buf[out++] = '"';
	buf[out] = '\0';
	if (len > TR_DATA_MAX)
		strcpy(buf + out, "...");
	return buf;
}

const char *tr_sigset(const sigset_t *set)
{
	char *buf = tr_buf();
	int members = 0;
	bool invert;

	for (int sig = 1; sig < SIGRTMIN; sig++)
		members += sigismember(set, sig) == 1;
	invert = members > (SIGRTMIN - 1) / 2;
	strcpy(buf, invert ? "~{" : "{");
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		size_t used = strlen(buf);

		/* 32 and 33 belong to glibc and are never in a user's set. */
		if (sig >= 32 && sig < SIGRTMIN)
			continue;
		if ((sigismember(set, sig) == 1) == invert)
			continue;
		if (used + 16 >= TR_BUF_SIZE)
			break;
		snprintf(buf + used, TR_BUF_SIZE - used, "%s%s",
		         buf[used - 1] == '{' ? "" : ",", signal_name(sig));
	}
	strncat(buf, "}", TR_BUF_SIZE - strlen(buf) - 1);
	return buf;
}

const char *tr_timeout(const struct timespec *ts)
{
	char *buf = tr_buf();

	if (!ts)
		return "forever";
	snprintf(buf, TR_BUF_SIZE, "%ld.%03lds", (long)ts->tv_sec,
	         ts->tv_nsec / 1000000);
	return buf;
}
