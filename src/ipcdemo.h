/*
 * ipcdemo.h - everything the applets share: their prototypes, expanded
 * from applets.def, and the helpers in src/.
 *
 * The helpers fall into groups, one file each: errors (die.c), argument
 * parsing (parse.c), EINTR-safe I/O (io.c), the lines a sending side
 * sends (line_source.c), signals (signals.c), the cleanup list
 * (cleanup.c), the traced system call wrappers (trace.c), util-linux's
 * conventions for the applets that replace its tools (compat.c) and the
 * list of System V objects (sysvipc.c).  Applets make IPC-related system
 * calls only through the sys_*() wrappers, so --trace shows every one of
 * them.
 */
#ifndef IPCDEMO_H
#define IPCDEMO_H

#include <sys/types.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <getopt.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <time.h>

#define EXIT_USAGE 2
#define DEFAULT_MODE 0600
#define DEFAULT_PROJ 'z'
/* -f/--fifo: a FIFO in the current directory (SPEC §3). */
#define DEFAULT_FIFO "ipcdemo.fifo"

#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))

/* One prototype per row of applets.def. */
#define APPLET(name, fn, summary) int fn##_main(int argc, char **argv);
#include "applets.def"
#undef APPLET

/* ---- die.c: messages named after the applet (SPEC §2) ---- */

/* The applet being run; set by the dispatcher, used as message prefix. */
extern const char *applet_name;

/* "APPLET: what failed" to stderr, exit 1. */
noreturn void die(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* "APPLET: what failed: strerror(errno)" to stderr, exit 1. */
noreturn void die_errno(const char *fmt, ...) PRINTF_LIKE(1, 2);
void warning(const char *fmt, ...) PRINTF_LIKE(1, 2);
void warning_errno(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* "APPLET: what is wrong" plus the "Try" line to stderr, exit 2. */
noreturn void usage_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* usage_error() for getopt_long returning "?" or ":" (optstring starts ":"). */
noreturn void usage_bad_option(int opt, char **argv);
/* Prints the applet's usage text to stdout and exits 0 (-h/--help). */
noreturn void usage_help(const char *usage);
/* Call after getopt: refuses operands an applet does not take. */
void usage_no_operands(int argc, char **argv);

/* ---- parse.c: command-line values, checked whole ---- */

/* A decimal integer in [min, max]; anything else is a usage error. */
long long parse_num(const char *arg, long long min, long long max,
                    const char *what);
/* A byte count with an optional K, M or G suffix (powers of 1024). */
size_t parse_size(const char *arg, size_t min, size_t max, const char *what);
/* A non-negative number of seconds, fractions allowed. */
double parse_seconds(const char *arg, double max, const char *what);
/* Permission bits in octal, at most 0777. */
mode_t parse_mode(const char *arg);
/* A System V key: 0x hex or decimal, 32 bits, not IPC_PRIVATE. */
key_t parse_key(const char *arg);

/*
 * The System V rendezvous of SPEC §3: -k/--key KEY, or -P/--path PATH
 * with --proj C for ftok(3).  The default is ftok(".", 'z').
 */
enum {
	OPT_PROJ = 0x100, /* long-only options of the shared helpers */
	OPT_MODE,
	OPT_APPLET =
		0x120 /* applets number their long-only options from here */
};
#define KEY_OPTIONS "k:P:"
/* clang-format off */
#define KEY_LONG_OPTIONS \
	{ "key", required_argument, NULL, 'k' }, \
	{ "path", required_argument, NULL, 'P' }, \
	{ "proj", required_argument, NULL, OPT_PROJ }
/* clang-format on */

struct key_opts {
	const char *path;
	int proj;
	bool have_key;
	key_t key;
};
#define KEY_OPTS_INIT                                                          \
	{                                                                      \
		.path = ".", .proj = DEFAULT_PROJ                              \
	}

/* Takes -k, -P and --proj; returns false for any other option. */
bool key_opts_parse(struct key_opts *ko, int opt, const char *arg);
/* The key the options name; dies if ftok(3) fails. */
key_t key_opts_resolve(const struct key_opts *ko);
/* How the key was chosen, for the start-up line: "ftok(".", 'z')". */
const char *key_opts_origin(const struct key_opts *ko);

/* ---- fifo.c: a FIFO's path, checked (SPEC §4.2) ---- */

/* -f/--fifo PATH: the path, or a usage error if it is empty. */
const char *fifo_path_arg(const char *arg);
/* "a regular file", "a directory", ... for messages. */
const char *file_kind(mode_t mode);
/* "PATH is a directory, not a FIFO; leaving it alone", exit 1. */
noreturn void fifo_refuse(const char *path, mode_t mode);
/*
 * sys_open(path, flags) that only ever returns a FIFO: anything else is
 * closed untouched and refused with fifo_refuse().  Returns -1 with the
 * errno of open(2) on failure.
 */
int fifo_open(const char *path, int flags);

/* ---- io.c: EINTR-safe I/O, lines of any length ---- */

/* Reads until len bytes or EOF; returns the count, -1 on error or stop. */
ssize_t read_full(int fd, void *buf, size_t len);
/* Writes all len bytes; returns 0, or -1 on error or stop. */
int write_full(int fd, const void *buf, size_t len);
/*
 * Waits until fd is readable, timeout_ms passes (-1: forever) or a stop
 * signal comes, without the race of checking a flag and then blocking.
 * Returns 1, 0 on timeout, -1 with errno EINTR on stop.
 */
int wait_readable(int fd, int timeout_ms);

struct line_reader {
	int fd;
	char *buf;
	size_t cap;   /* bytes allocated */
	size_t start; /* first byte not yet returned */
	size_t end;   /* one past the last byte read */
	bool eof;
	int watch_fd; /* -1, or a pipe write end; see line_reader_watch() */
};
void line_reader_init(struct line_reader *lr, int fd);
/*
 * While line_read() waits for input, it also watches fd, the write end
 * of a pipe: when the pipe's reader goes away (a child that died),
 * line_read() returns -1 with errno EPIPE instead of waiting on.
 */
void line_reader_watch(struct line_reader *lr, int fd);
/*
 * The next line, without its newline, NUL-terminated, valid until the
 * next call.  Returns its length, or -1 at EOF (errno 0), on error or on
 * stop.  A last line without a newline is still returned.
 */
ssize_t line_read(struct line_reader *lr, char **line);
void line_reader_free(struct line_reader *lr);
/*
 * True if a whole line is already buffered, so line_read() will not
 * read: a caller that polls the descriptor must take those lines first.
 */
bool line_reader_has_line(const struct line_reader *lr);

/*
 * The number a file such as /proc/sys/kernel/msgmax holds, into
 * *value; false, *value untouched, if the file cannot be read as one.
 */
bool read_number_file(const char *path, unsigned long long *value);

/* Prints "input> " when stdin is a terminal (SPEC §3). */
void prompt_if_tty(void);
/* True for the line that ends a conversation. */
bool is_quit_line(const char *line);

/* ---- line_source.c: what a sending side sends (SPEC §3) ---- */

/*
 * Each -m TEXT argument in order if any was given, else each line of
 * standard input, with prompt_if_tty() before it, until EOF or a line
 * 'quit' (which ends the input and is not returned).  Zero-initialise
 * it; line_source_add() each -m TEXT while parsing the options.
 */
struct line_source {
	char **texts; /* the -m arguments (argv strings, not copied) */
	size_t count;
	size_t cap;
	size_t next;
	bool send_quit;       /* return the 'quit' line, then end */
	bool quit_ends_texts; /* a -m quit ends the texts too */
	bool ended;
	bool reading; /* in is set up */
	struct line_reader in;
	void (*idle)(void *arg);
	void *idle_arg;
	int idle_ms;
};

void line_source_add(struct line_source *ls, char *text);
/* line_reader_watch() for standard input: EPIPE once fd's reader goes. */
void line_source_watch(struct line_source *ls, int fd);
/*
 * While waiting for a line of standard input, calls fn(arg) each time
 * ms milliseconds pass without one (e.g. to see that the peer lives).
 */
void line_source_idle(struct line_source *ls, int ms, void (*fn)(void *arg),
                      void *arg);
/*
 * The next line, NUL-terminated, valid until the next call; returns its
 * length.  -1 at the end: errno 0 after the last -m TEXT, at EOF or at
 * 'quit'; EINTR on a stop signal; EPIPE when the watched pipe's reader
 * has gone.  Any other error reading standard input dies.
 */
ssize_t line_source_next(struct line_source *ls, char **line);
void line_source_free(struct line_source *ls);

/* ---- signals.c: block first, then wait (STYLE §6) ---- */

/* Installed by the dispatcher before any applet runs. */
void signals_init(void);
/* SIGINT, SIGTERM or SIGHUP once one has arrived, else 0. */
int stop_signal(void);
/* The exit status for a run ended by a stop signal: 128 + its number. */
int stop_exit_status(void);
/*
 * A one-second SIGALRM while blocked in a call that has no timeout of
 * its own (msgrcv, open of a FIFO), so it returns EINTR at least once a
 * second and the caller can look at stop_signal() and its peer.
 */
void tick_arm(void);
void tick_disarm(void);
/* Sleeps, returning false early if a stop signal comes. */
bool sleep_seconds(double seconds);
/* CLOCK_MONOTONIC now, in seconds: for measuring what a wait took. */
double monotonic_seconds(void);
/*
 * The CLOCK_MONOTONIC time seconds from now: an absolute deadline, so
 * that a wait interrupted by ticks and retried is not stretched.
 */
struct timespec monotonic_after(double seconds);
/* Adds the signals to the blocked set; the old mask goes to *old. */
void block_signals(sigset_t *old, const int *signals, size_t count);
/*
 * True while a process pid > 0 exists: kill(pid, 0) succeeds, or fails
 * with EPERM (it is someone else's).  A zombie still counts, and a
 * reused PID looks alive: msg_pid_alive() tells those apart.
 */
bool pid_alive(pid_t pid);
/*
 * First thing in a forked child: the kernel is to SIGKILL it when the
 * parent dies (PR_SET_PDEATHSIG), so no child outlives a parent killed
 * with SIGKILL, stopped children included.  If the parent has already
 * gone (getppid() is no longer parent) the child leaves at once with
 * _exit(EXIT_FAILURE).
 */
void follow_parent(pid_t parent);
/* "SIGUSR1" */
const char *signal_name(int sig);
/* "exited with status 0", "killed by SIGPIPE", ... */
const char *describe_wait_status(int status, char *buf, size_t size);

/* ---- cleanup.c: nothing is left behind (SPEC §3) ---- */

/*
 * Each object this process creates is registered right after it is
 * made.  cleanup_run() removes them in reverse order; it runs at exit
 * and only in the process that registered them, never in a child.
 */
void cleanup_path(const char *path);
/* An empty directory, removed with rmdir(2) once what is in it has gone. */
void cleanup_dir(const char *path);
void cleanup_shm(int shmid);
void cleanup_shm_detach(const void *addr);
void cleanup_msq(int msqid);
void cleanup_sem(int semid);
/* Forgets a registered path, e.g. for --keep; returns false if unknown. */
bool cleanup_forget_path(const char *path);
void cleanup_run(void);
/*
 * For a process that makes and removes objects one batch at a time
 * (bench): cleanup_unwind(cleanup_mark()) taken before a batch removes,
 * now and in reverse order, exactly what was registered since.
 */
size_t cleanup_mark(void);
void cleanup_unwind(size_t mark);

/* ---- compat.c: util-linux's conventions (ipcrm-clone, ipcs) ---- */

/*
 * Called first by an applet that stands in for a util-linux tool: NAME
 * ("ipcrm") starts its messages however the applet was called, stdout
 * is buffered as stdio does by default, SIGPIPE is at its default and
 * the locale comes from the environment, all as in util-linux.
 */
void compat_init(const char *name);
/* "NAME: what" to stderr, without flushing stdout first (warnx(3)). */
void compat_warnx(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* "NAME: what: strerror(errno)" (warn(3)). */
void compat_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* As the two above, then exit 1 (errx(3), err(3)). */
noreturn void compat_errx(const char *fmt, ...) PRINTF_LIKE(1, 2);
noreturn void compat_err(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* "Try 'NAME --help' for more information." and exit 1. */
noreturn void compat_try_help(void);
/* "NAME from ipcdemo VERSION" and exit 0 (-V). */
noreturn void compat_version(void);
/* Prints the help text and exits 0 (-h). */
noreturn void compat_help(const char *text);
/* getopt_long whose own messages name NAME, as util-linux's do. */
int compat_getopt(int argc, char **argv, const char *optstring,
                  const struct option *longopts);
/*
 * A decimal number that fits in 32 bits, as util-linux's
 * strtos32_or_err(): otherwise "NAME: ERRMESG: 'STR'" (with the
 * strerror of ERANGE when out of range) and exit 1.
 */
int32_t compat_strtos32(const char *str, const char *errmesg);
/*
 * Flushes stdout as util-linux does at exit: returns rc, or 1 after
 * "NAME: write error" if output was lost (not for a reader gone).
 */
int compat_close_stdout(int rc);

/* ---- sysvipc.c: the System V objects the kernel holds ---- */

enum sysv_kind { SYSV_MSG, SYSV_SHM, SYSV_SEM };

/* One object as /proc/sysvipc (or *_STAT) shows it. */
struct sysv_obj {
	int32_t key;
	int id;
	unsigned mode; /* with SHM_DEST and SHM_LOCKED for segments */
	uid_t uid, cuid;
	gid_t gid, cgid;
	uint64_t size;  /* shm: bytes; msg: bytes queued; sem: semaphores */
	uint64_t count; /* shm: attaches; msg: messages queued */
	pid_t cpid;     /* shm: creator; msg: last sender */
	pid_t lpid;     /* shm: last operation; msg: last receiver */
	/* shm: attach, detach, change; msg: send, receive, change;
	 * sem: operation, unused, change.  0: never. */
	int64_t atime, dtime, ctime;
	uint64_t qbytes; /* msg: queue limit, only when asked by id */
};

/*
 * The objects of one kind, in the kernel's order; with id >= 0 only
 * that one (at most one).  *objs is malloc'ed (free it); returns the
 * count.
 */
size_t sysv_list(enum sysv_kind kind, int id, struct sysv_obj **objs);
/* The *_INFO call: the highest index in use, -1 on error (errno). */
int sysv_max_index(enum sysv_kind kind);
/* The *_STAT call for one index: false if no object there may be read. */
bool sysv_stat(enum sysv_kind kind, int index, struct sysv_obj *o);

/* ---- trace.c: --trace, and the wrappers it sees through ---- */

extern bool trace_enabled;
/* Takes --trace out of argv (and reads IPCDEMO_TRACE). */
void trace_init(int *argc, char **argv);
/* One line to stderr, "[pid N] " first in a child process. */
void trace_line(const char *fmt, ...) PRINTF_LIKE(1, 2);

union semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
	struct seminfo *info;
};

int sys_pipe(int fds[2]);
pid_t sys_fork(void);
pid_t sys_waitpid(pid_t pid, int *status, int flags);
int sys_mkfifo(const char *path, mode_t mode);
int sys_open(const char *path, int flags, mode_t mode);
ssize_t sys_read(int fd, void *buf, size_t len);
ssize_t sys_write(int fd, const void *buf, size_t len);
int sys_close(int fd);
int sys_unlink(const char *path);
int sys_ftruncate(int fd, off_t len);
/* fallocate(fd, 0, 0, len): the blocks of the first len bytes. */
int sys_fallocate(int fd, off_t len);
int sys_fcntl(int fd, int cmd, long arg);
int sys_kill(pid_t pid, int sig);
int sys_sigqueue(pid_t pid, int sig, int value);
int sys_raise(int sig);
unsigned sys_alarm(unsigned seconds);
int sys_sigsuspend(const sigset_t *mask);
int sys_sigwaitinfo(const sigset_t *set, siginfo_t *info);
int sys_sigtimedwait(const sigset_t *set, siginfo_t *info,
                     const struct timespec *timeout);
key_t sys_ftok(const char *path, int proj);
int sys_shmget(key_t key, size_t size, int flags);
void *sys_shmat(int shmid, const void *addr, int flags);
int sys_shmdt(const void *addr);
int sys_shmctl(int shmid, int cmd, struct shmid_ds *buf);
int sys_msgget(key_t key, int flags);
int sys_msgsnd(int msqid, const void *msg, size_t size, int flags);
ssize_t sys_msgrcv(int msqid, void *msg, size_t size, long type, int flags);
int sys_msgctl(int msqid, int cmd, struct msqid_ds *buf);
int sys_semget(key_t key, int nsems, int flags);
int sys_semop(int semid, struct sembuf *sops, size_t nsops);
int sys_semtimedop(int semid, struct sembuf *sops, size_t nsops,
                   const struct timespec *timeout);
int sys_semctl(int semid, int semnum, int cmd, union semun arg);
/* FUTEX_WAIT while *word == expected; timeout NULL waits forever. */
int sys_futex_wait(_Atomic uint32_t *word, uint32_t expected,
                   const struct timespec *timeout);
int sys_futex_wake(_Atomic uint32_t *word, int count);
void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd,
               off_t offset);
int sys_munmap(void *addr, size_t len);
/* flags: MS_SYNC or MS_ASYNC. */
int sys_msync(void *addr, size_t len, int flags);

/* Succeed-or-die versions: if they return, they worked. */
pid_t xfork(void);
void xpipe(int fds[2]);
void xclose(int fd);
/* Reaps pid, retrying EINTR whatever the stop state: no zombie ever. */
int xreap(pid_t pid);

#endif
