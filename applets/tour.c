/*
 * tour - every mechanism end to end in one terminal (SPEC §4.7).
 *
 * The tour runs the applets themselves as its children (fork, then exec
 * of this same binary), both sides of each conversation at once, so
 * what it shows is exactly what two terminals would show.  Each child's
 * output comes back through a pipe and is printed with the side's name
 * in front.  The tour works in a scratch directory of its own and hands
 * out keys of its own, so it never meets a demo running elsewhere, and
 * at the end it reads /proc/sysvipc to show that the kernel holds
 * nothing of ours.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

static const char usage[] =
	"usage: ipcdemo tour [--pause] [--trace]\n"
	"\n"
	"Run every IPC mechanism end to end, both sides as child processes,\n"
	"narrating each step, then show that no kernel object is left.\n"
	"\n"
	"      --pause   wait for Enter between steps (on a terminal)\n"
	"      --trace   show each side's IPC system calls too\n"
	"  -h, --help    print this help\n";

#define STEP_TIMEOUT_MS 15000
#define MAX_SIDES 4
#define MAX_KEYS 8
#define TOUR_KEY_BASE 0x7d000000u
#define SYSVIPC_DIR "/proc/sysvipc"

enum { OPT_PAUSE = OPT_APPLET };

struct opts {
	bool pause;
};

/* One running applet: its output pipe and everything it printed. */
struct side {
	const char *label;
	pid_t pid;
	struct line_reader out;
	bool eof;
	int status;
	char *log; /* all its lines, for the checks after the step */
	size_t log_len;
};

struct tour {
	char dir[PATH_MAX];   /* scratch directory, also our cwd */
	key_t keys[MAX_KEYS]; /* keys handed out, checked at the end */
	char key_text[MAX_KEYS][12];
	size_t key_count;
	unsigned failures;
	unsigned step_number;
	struct side sides[MAX_SIDES];
	size_t side_count;
};

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "pause", no_argument, NULL, OPT_PAUSE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PAUSE:
			o->pause = true;
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	usage_no_operands(argc, argv);
}

/* ---- running the sides ---- */

static void append_log(struct side *s, const char *line, size_t len)
{
	char *grown = realloc(s->log, s->log_len + len + 2);

	if (!grown)
		die("out of memory");
	s->log = grown;
	memcpy(s->log + s->log_len, line, len);
	s->log_len += len;
	s->log[s->log_len++] = '\n';
	s->log[s->log_len] = '\0';
}

/* In the child: stdin from the text (or /dev/null), out to the pipe. */
static noreturn void exec_side(int out_fd, int in_fd, char *const args[])
{
	char *argv[16] = { "ipcdemo" };
	size_t n = 1;

	for (; *args && n < 15; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (dup2(in_fd, STDIN_FILENO) == -1 ||
	    dup2(out_fd, STDOUT_FILENO) == -1 ||
	    dup2(out_fd, STDERR_FILENO) == -1)
		_exit(127);
	execv("/proc/self/exe", argv);
	fprintf(stderr, "tour: exec: %s\n", strerror(errno));
	_exit(127);
}

/* Starts one applet; input, if not NULL, is all it will read. */
static struct side *spawn(struct tour *t, const char *label, const char *input,
                          char *const args[])
{
	struct side *s = &t->sides[t->side_count++];
	int out[2], in[2];

	*s = (struct side){ .label = label };
	xpipe(out);
	xpipe(in);
	/* Our ends stay ours: the sides started later must not hold them. */
	if (sys_fcntl(out[0], F_SETFD, FD_CLOEXEC) == -1 ||
	    sys_fcntl(in[1], F_SETFD, FD_CLOEXEC) == -1)
		die_errno("fcntl FD_CLOEXEC");
	s->pid = xfork();
	if (s->pid == 0) {
		xclose(out[0]);
		xclose(in[1]);
		exec_side(out[1], in[0], args);
	}
	xclose(out[1]);
	xclose(in[0]);
	/* The inputs are a few short lines: they fit in the pipe at once. */
	if (input && write_full(in[1], input, strlen(input)) == -1)
		warning_errno("write to %s", label);
	xclose(in[1]);
	line_reader_init(&s->out, out[0]);
	return s;
}

/*
 * Prints the lines of a side that poll says is readable: one read's
 * worth, and every whole line that read brought in with it.
 */
static void take_lines(struct side *s)
{
	char *line;
	ssize_t len;

	do {
		len = line_read(&s->out, &line);
		if (len < 0) {
			s->eof = true;
			return;
		}
		printf("    %-11s | %s\n", s->label, line);
		append_log(s, line, (size_t)len);
	} while (line_reader_has_line(&s->out));
}

/*
 * Shows the sides' output as it comes until `want` appears in the
 * output of `waiter` (NULL: until every side has closed its output).
 * Returns false on timeout or a stop signal.
 */
static bool pump(struct tour *t, const struct side *waiter, const char *want)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd fds[MAX_SIDES];
		struct side *open[MAX_SIDES];
		nfds_t n = 0;
		long elapsed;

		if (waiter && waiter->log && strstr(waiter->log, want))
			return true;
		if (waiter && waiter->eof)
			return false;
		for (size_t i = 0; i < t->side_count; i++) {
			if (t->sides[i].eof)
				continue;
			open[n] = &t->sides[i];
			fds[n++] = (struct pollfd){ .fd = t->sides[i].out.fd,
				                    .events = POLLIN };
		}
		if (n == 0)
			return !waiter;
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 +
		          (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed > STEP_TIMEOUT_MS || stop_signal())
			return false;
		if (poll(fds, n, 200) < 0 && errno != EINTR)
			die_errno("poll");
		for (nfds_t i = 0; i < n; i++)
			if (fds[i].revents)
				take_lines(open[i]);
	}
}

/*
 * SIGTERM first, so the side removes its objects as it leaves; SIGKILL
 * if it has not gone two seconds later.  Returns true once reaped.
 */
static bool stop_side(struct side *s)
{
	sys_kill(s->pid, SIGTERM);
	for (int tries = 0; tries < 40; tries++) {
		if (sys_waitpid(s->pid, &s->status, WNOHANG) == s->pid)
			return true;
		/* Not sleep_seconds(): after our own SIGINT it returns at once.
		 */
		poll(NULL, 0, 50);
	}
	sys_kill(s->pid, SIGKILL);
	return false;
}

/* Reaps every side (stopping those still running after a failure). */
static void finish_sides(struct tour *t, bool stop_them)
{
	for (size_t i = 0; i < t->side_count; i++) {
		struct side *s = &t->sides[i];

		if (!stop_them || !stop_side(s))
			s->status = xreap(s->pid);
		sys_close(s->out.fd);
		line_reader_free(&s->out);
	}
}

static void forget_sides(struct tour *t)
{
	for (size_t i = 0; i < t->side_count; i++)
		free(t->sides[i].log);
	t->side_count = 0;
}

/* ---- checks ---- */

static bool check(struct tour *t, bool ok, const char *what)
{
	printf("    %s %s\n", ok ? "ok:    " : "FAILED:", what);
	if (!ok)
		t->failures++;
	return ok;
}

static bool exited_zero(const struct side *s)
{
	return WIFEXITED(s->status) && WEXITSTATUS(s->status) == 0;
}

static void check_exit(struct tour *t, const struct side *s)
{
	char how[64], what[128];

	snprintf(what, sizeof(what), "%s %s", s->label,
	         describe_wait_status(s->status, how, sizeof(how)));
	check(t, exited_zero(s), what);
}

static void check_said(struct tour *t, const struct side *s, const char *text)
{
	char what[160];

	snprintf(what, sizeof(what), "%s said \"%s\"", s->label, text);
	check(t, s->log && strstr(s->log, text), what);
}

/* Waits for every side, then checks each exited 0. */
static void end_step(struct tour *t, bool ran)
{
	if (!ran && stop_signal())
		printf("    interrupted by %s\n", signal_name(stop_signal()));
	else if (!ran)
		check(t, false, "the step finished in time");
	if (ran && !pump(t, NULL, NULL))
		ran = check(t, false, "every side closed its output in time");
	finish_sides(t, !ran);
	for (size_t i = 0; i < t->side_count; i++)
		check_exit(t, &t->sides[i]);
}

/* ---- the steps ---- */

static void narrate(struct tour *t, const char *title, const char *text)
{
	printf("\n== %u. %s ==\n%s", ++t->step_number, title, text);
}

static void step_pipe(struct tour *t)
{
	char *echo_args[] = { "pipe", "-m", "hello", "-m", "world", NULL };
	char *upper_args[] = { "pipe", "--upper", "-m", "shout", NULL };
	struct side *s;

	narrate(t, "Anonymous pipe: parent and child",
	        "  pipe(2) makes a one-way channel; after fork(2) the parent\n"
	        "  keeps the write end, the child the read end.  Closing the\n"
	        "  write end is what the child sees as EOF.\n");
	s = spawn(t, "pipe", NULL, echo_args);
	end_step(t, pump(t, NULL, NULL));
	check_said(t, s, "read: world");
	forget_sides(t);

	if (stop_signal())
		return;
	printf("  Two pipes, one each way: the child answers in upper case.\n");
	s = spawn(t, "pipe", NULL, upper_args);
	end_step(t, pump(t, NULL, NULL));
	check_said(t, s, "After Changed: SHOUT");
	forget_sides(t);
}

static void step_fifo(struct tour *t)
{
	char *reader_args[] = { "fifo-read", "-f", "tour.fifo", NULL };
	char *writer_args[] = { "fifo-write", "-f", "tour.fifo", NULL };
	struct side *reader;
	bool ran;

	narrate(t, "FIFO: a named pipe between unrelated processes",
	        "  The reader makes the FIFO with mkfifo(3) and opens it; the\n"
	        "  open blocks until a writer opens the other end.  Each line\n"
	        "  is one write(2) of at most PIPE_BUF bytes, never split.\n");
	reader = spawn(t, "reader", NULL, reader_args);
	ran = pump(t, reader, "waiting for a writer");
	if (ran)
		spawn(t, "writer", "hello through a FIFO\nsecond line\n",
		      writer_args);
	end_step(t, ran && pump(t, NULL, NULL));
	check_said(t, reader, "Read message: second line");
	forget_sides(t);
}

/* Runs one applet that plays both sides itself; checks a line. */
static void run_solo(struct tour *t, char *const args[], const char *want)
{
	struct side *s;

	if (stop_signal())
		return;
	s = spawn(t, args[0], NULL, args);

	end_step(t, pump(t, NULL, NULL));
	check_said(t, s, want);
	forget_sides(t);
}

static void step_signal(struct tour *t)
{
	char *kill_args[] = { "signal-demo", "kill", "-n", "2", NULL };
	char *queue_args[] = { "signal-demo", "queue", "-n", "3", NULL };
	char *merge_args[] = { "signal-demo", "queue",      "-n",
		               "3",           "--standard", NULL };

	narrate(t, "Signals: a few bits of news between processes",
	        "  kill(2) sends a signal; the receiver blocked it first and\n"
	        "  takes it with sigtimedwait(2), so none is lost.\n");
	run_solo(t, kill_args, "round 2: parent");
	printf("  sigqueue(3) carries a value; real-time signals queue...\n");
	run_solo(t, queue_args, "3 sent, 3 received, in order");
	printf("  ...while a standard signal is one pending bit.\n");
	run_solo(t, merge_args, "3 sent, 1 received");
}

/* True if some System V object of the kind in NAME has this key. */
static bool key_in_use(const char *name, key_t key)
{
	char path[64], line[512];
	bool used = false;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", SYSVIPC_DIR, name);
	f = fopen(path, "r");
	if (!f)
		die_errno("open %s", path);
	while (!used && fgets(line, sizeof(line), f))
		used = (key_t)strtol(line, NULL, 10) == key;
	fclose(f);
	return used;
}

/*
 * A key of the tour's own, "0x7dPPPPNN" from our PID and a counter, and
 * not used by any object: a demo in another terminal, on ftok(".",
 * 'z') or on a test's 0x7e key, is never touched.
 */
static const char *tour_key(struct tour *t)
{
	key_t key;

	if (t->key_count == MAX_KEYS)
		die("internal error: more than %d keys", MAX_KEYS);
	do {
		key = (key_t)(TOUR_KEY_BASE |
		              ((uint32_t)getpid() & 0xffff) << 8 |
		              (uint32_t)(random() & 0xff));
	} while (key_in_use("shm", key) || key_in_use("msg", key) ||
	         key_in_use("sem", key));
	t->keys[t->key_count] = key;
	snprintf(t->key_text[t->key_count], sizeof(t->key_text[0]), "%#x",
	         (unsigned)key);
	return t->key_text[t->key_count++];
}

static void step_msg(struct tour *t)
{
	char *key = (char *)tour_key(t);
	char *server_args[] = { "msg-server", "-k", key, NULL };
	char *client_args[] = { "msg-client",  "-k", key,      "-m",
		                "hello queue", "-m", "second", NULL };
	char *stop_args[] = { "msg-client", "-k", key, "--shutdown", NULL };
	struct side *server, *client;
	bool ran;

	narrate(t, "System V message queue: one server, typed replies",
	        "  The server makes a queue with msgget(2) and waits in\n"
	        "  msgrcv(2) for type-888 requests; each carries the client's\n"
	        "  PID, and the reply is typed with it, so clients never take\n"
	        "  each other's replies.\n");
	server = spawn(t, "msg-server", NULL, server_args);
	ran = pump(t, server, "ready:");
	if (ran) {
		client = spawn(t, "msg-client", NULL, client_args);
		ran = pump(t, client, ": second");
	}
	if (ran) {
		spawn(t, "shutdown", NULL, stop_args);
		ran = pump(t, NULL, NULL);
	}
	end_step(t, ran);
	check_said(t, server, "received from");
	forget_sides(t);
}

/* One shm-server/shm-client conversation in the given sync mode. */
static void shm_conversation(struct tour *t, char *sync)
{
	char *key = (char *)tour_key(t);
	char *server_args[] = { "shm-server", "-k", key, "--sync", sync, NULL };
	char *client_args[] = { "shm-client", "-k", key, "--sync", sync, NULL };
	struct side *server, *client;
	bool ran;

	if (stop_signal())
		return;
	printf("  --sync %s\n", sync);
	server = spawn(t, "shm-server", NULL, server_args);
	ran = pump(t, server, "waiting for a client");
	if (ran) {
		client = spawn(t, "shm-client", "hello, segment\nquit\n",
		               client_args);
		ran = pump(t, NULL, NULL);
		end_step(t, ran);
		check_said(t, server, "read: hello, segment");
		check_said(t, client, "reply: hello, segment");
	} else {
		end_step(t, ran);
	}
	forget_sides(t);
}

static void step_shm(struct tour *t)
{
	narrate(t, "System V shared memory: the tutorials' client and server",
	        "  The server makes a segment with shmget(2) and attaches it\n"
	        "  with shmat(2); the client attaches the same one.  Data is\n"
	        "  copied once, into the segment; only the wake-up needs the\n"
	        "  kernel: a signal, a semaphore, or a futex.\n");
	shm_conversation(t, "signal");
	shm_conversation(t, "sem");
	shm_conversation(t, "futex");
}

static void step_mmap(struct tour *t)
{
	char *reader_args[] = { "mmap-demo", "file",      "--read",
		                "-f",        "tour.mmap", NULL };
	char *writer_args[] = { "mmap-demo", "file",      "--write",
		                "-f",        "tour.mmap", NULL };
	char *anon_args[] = { "mmap-demo", "anon", NULL };
	char *private_args[] = { "mmap-demo", "private", NULL };
	struct side *reader;
	bool ran;

	narrate(t, "Memory-mapped files: shared memory with a name on disk",
	        "  The reader sizes a file with ftruncate(2) and maps it with\n"
	        "  mmap(2) MAP_SHARED; the writer maps the same file.  The\n"
	        "  same header and rings as the shm segment, no System V.\n");
	reader = spawn(t, "reader", NULL, reader_args);
	ran = pump(t, reader, "waiting for a writer");
	if (ran)
		spawn(t, "writer", "hello, mapping\nquit\n", writer_args);
	end_step(t, ran && pump(t, NULL, NULL));
	check_said(t, reader, "read: hello, mapping");
	forget_sides(t);
	printf("  Parent and child: an anonymous shared mapping, then a "
	       "private one.\n");
	run_solo(t, anon_args, "the child's write is shared");
	run_solo(t, private_args, "(copy-on-write)");
}

static void step_sem(struct tour *t)
{
	char *key = (char *)tour_key(t);
	char *order_args[] = { "sem-demo", "order", "--delay", "0.2",
		               "-k",       key,     NULL };
	/* Fewer rounds when tracing: each is two traced semop lines. */
	char *rounds = getenv("IPCDEMO_TRACE") ? "20" : "20000";
	char *mutex_args[] = { "sem-demo", "mutex", "-p", "2", "-n",
		               rounds,     "-k",    key,  NULL };
	char *undo_args[] = { "sem-demo", "undo", "--timeout", "2",
		              "-k",       key,    NULL };

	narrate(t, "System V semaphores: order, mutual exclusion, SEM_UNDO",
	        "  A semaphore at 0 makes the parent wait (P) until its child\n"
	        "  posts (V); at 1 it is a lock around a shared counter; and\n"
	        "  SEM_UNDO has the kernel give back what a killed process\n"
	        "  held.\n");
	run_solo(t, order_args, "so it runs second");
	run_solo(t, mutex_args, "exact");
	run_solo(t, undo_args, "the kernel undid");
}

/* ---- set-up and the closing check ---- */

/* Objects in /proc/sysvipc/NAME, and whether any has one of our keys. */
static int count_objects(const struct tour *t, const char *name,
                         bool *ours_left)
{
	char path[64], line[512];
	int count = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", SYSVIPC_DIR, name);
	f = fopen(path, "r");
	if (!f)
		die_errno("open %s", path);
	if (!fgets(line, sizeof(line), f)) /* the column header */
		line[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		long key = strtol(line, NULL, 10);

		count++;
		for (size_t i = 0; i < t->key_count; i++)
			if ((key_t)key == t->keys[i])
				*ours_left = true;
	}
	fclose(f);
	return count;
}

static void show_objects(const struct tour *t, const char *when, int counts[3],
                         bool *ours_left)
{
	static const char *const kinds[] = { "shm", "msg", "sem" };

	for (int i = 0; i < 3; i++)
		counts[i] = count_objects(t, kinds[i], ours_left);
	printf("  System V objects %s: shared memory segments %d, message "
	       "queues %d, semaphore sets %d\n",
	       when, counts[0], counts[1], counts[2]);
}

static void make_scratch_dir(struct tour *t)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(t->dir, sizeof(t->dir), "%s/ipcdemo-tour.XXXXXX", tmp) >=
	    (int)sizeof(t->dir))
		die("TMPDIR is too long: %s", tmp);
	if (!mkdtemp(t->dir))
		die_errno("mkdtemp %s", t->dir);
	cleanup_dir(t->dir);
	if (chdir(t->dir) == -1)
		die_errno("chdir %s", t->dir);
	printf("Scratch directory %s\n", t->dir);
}

static void wait_for_enter(const struct opts *o)
{
	char buf[64];

	if (!o->pause || !isatty(STDIN_FILENO))
		return;
	fputs("  [Enter for the next step] ", stdout);
	fflush(stdout);
	if (!fgets(buf, sizeof(buf), stdin))
		return;
}

int tour_main(int argc, char **argv)
{
	static void (*const steps[])(struct tour *) = {
		step_pipe, step_fifo, step_msg,    step_shm,
		step_mmap, step_sem,  step_signal,
	};
	struct opts o = { 0 };
	struct tour t = { .key_count = 0 };
	int before[3], after[3];
	bool ours_left = false;

	parse_opts(argc, argv, &o);
	/*
	 * --trace is for the sides' system calls; the tour's own pipes and
	 * forks would only bury them.
	 */
	if (trace_enabled)
		setenv("IPCDEMO_TRACE", "1", 1);
	trace_enabled = false;
	srandom((unsigned)getpid() ^ (unsigned)time(NULL));
	make_scratch_dir(&t);
	show_objects(&t, "before", before, &ours_left);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (stop_signal())
			break;
		steps[i](&t);
		wait_for_enter(&o);
	}
	printf("\n== The kernel afterwards ==\n");
	show_objects(&t, "after", after, &ours_left);
	check(&t, !ours_left, "no object with one of the tour's keys is left");
	if (chdir("/") == -1)
		die_errno("chdir /");
	check(&t, rmdir(t.dir) == 0 || errno == ENOENT,
	      "the scratch directory is empty and removed");
	if (stop_signal())
		return stop_exit_status();
	printf("\n%s: %u step%s, %u failure%s\n",
	       t.failures ? "tour FAILED" : "tour passed", t.step_number,
	       t.step_number == 1 ? "" : "s", t.failures,
	       t.failures == 1 ? "" : "s");
	return t.failures ? EXIT_FAILURE : EXIT_SUCCESS;
}
