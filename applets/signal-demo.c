/*
 * signal-demo - signals as IPC between a parent and its child (SPEC §4.8).
 *
 * Every demo blocks the signals it will wait for before it forks, so
 * one sent early stays pending instead of being lost, and then takes
 * them with sigtimedwait() (sigwaitinfo() with a one-second tick, so a
 * stop signal that lands just before the call costs a second, not a
 * hang).  Never pause(): a signal between "check" and "pause" is the
 * lost wake-up of the tutorials (STYLE §6).
 *
 * Surprises worth showing: a standard signal is a pending bit, not a
 * counter, so several sent while one is pending merge into one
 * (signal(7)); a real-time signal queues once per sigqueue(), in order,
 * each with its value.  SA_RESTART decides whether a read() interrupted
 * by a handler fails with EINTR or quietly starts over.  And a child
 * that exits straight after SIGCONT would hide its "continued" state:
 * waitpid() reports the exit instead.
 *
 * Each child asks for SIGKILL when its parent dies (PR_SET_PDEATHSIG):
 * a stopped child cannot look for its parent itself, and no demo may
 * leave a process behind (SPEC §3).
 */
#include <sys/resource.h>
#include <sys/wait.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

static const char usage[] =
	"usage: ipcdemo signal-demo [kill] [-n ROUNDS] [-d SECONDS]\n"
	"       ipcdemo signal-demo queue [-n COUNT] [--standard]\n"
	"       ipcdemo signal-demo alarm [-t SECONDS]\n"
	"       ipcdemo signal-demo raise [-d SECONDS]\n"
	"\n"
	"Signals as IPC between a parent and its child.  The signals a side\n"
	"waits for are blocked before the fork and taken with sigtimedwait(),\n"
	"so none is lost.\n"
	"\n"
	"  kill   parent and child trade SIGUSR1 and SIGUSR2 (the default)\n"
	"  queue  the child sends COUNT values with sigqueue(); the parent\n"
	"         takes what is pending once the child has exited\n"
	"  alarm  alarm() interrupts a read() from an empty pipe, without\n"
	"         and then with SA_RESTART\n"
	"  raise  the child stops itself with raise(SIGSTOP); the parent\n"
	"         sees it with waitpid() and continues it with SIGCONT\n"
	"\n"
	"  -n, --count N          kill: rounds (default 3); queue: values\n"
	"                         to send (default 5)\n"
	"  -d, --delay SECONDS    kill: pause before each round; raise: how\n"
	"                         long the child stays stopped (default 0)\n"
	"      --standard         queue: send SIGUSR1, a standard signal,\n"
	"                         instead of SIGRTMIN, to see them merge\n"
	"  -t, --seconds SECONDS  alarm: whole seconds until each SIGALRM\n"
	"                         (default 1)\n"
	"      --trace            print each system call on stderr\n"
	"  -h, --help             print this help\n";

#define DEFAULT_ROUNDS 3
#define DEFAULT_VALUES 5
#define MAX_COUNT 1000000
#define MAX_DELAY 3600.0
#define MAX_ALARM 3600
#define ALARM_MARK '!'

enum demo { DEMO_KILL, DEMO_QUEUE, DEMO_ALARM, DEMO_RAISE, DEMO_COUNT };
static const char *const demo_names[DEMO_COUNT] = { "kill", "queue", "alarm",
	                                            "raise" };

enum { OPT_STANDARD = OPT_APPLET };

struct opts {
	enum demo demo;
	long count;       /* -n; 0 until given */
	double delay;     /* -d */
	unsigned seconds; /* -t; 0 until given */
	bool have_delay;
	bool standard;
};

static enum demo parse_demo(const char *name)
{
	for (int d = 0; d < DEMO_COUNT; d++)
		if (strcmp(name, demo_names[d]) == 0)
			return (enum demo)d;
	usage_error("unknown demo '%s' (kill, queue, alarm or raise)", name);
}

/* Refuses options that the chosen demo would silently ignore. */
static void check_fit(const struct opts *o)
{
	const char *name = demo_names[o->demo];

	if (o->count && o->demo != DEMO_KILL && o->demo != DEMO_QUEUE)
		usage_error("-n goes with the kill and queue demos, not %s",
		            name);
	if (o->have_delay && o->demo != DEMO_KILL && o->demo != DEMO_RAISE)
		usage_error("-d goes with the kill and raise demos, not %s",
		            name);
	if (o->seconds && o->demo != DEMO_ALARM)
		usage_error("-t goes with the alarm demo, not %s", name);
	if (o->standard && o->demo != DEMO_QUEUE)
		usage_error("--standard goes with the queue demo, not %s",
		            name);
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "count", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "standard", no_argument, NULL, OPT_STANDARD },
		{ "seconds", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":n:d:t:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'n':
			o->count =
				(long)parse_num(optarg, 1, MAX_COUNT, "count");
			break;
		case 'd':
			o->delay = parse_seconds(optarg, MAX_DELAY, "delay");
			o->have_delay = true;
			break;
		case OPT_STANDARD:
			o->standard = true;
			break;
		case 't':
			o->seconds = (unsigned)parse_num(optarg, 1, MAX_ALARM,
			                                 "alarm seconds");
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	if (optind < argc)
		o->demo = parse_demo(argv[optind++]);
	usage_no_operands(argc, argv);
	check_fit(o);
	if (!o->count)
		o->count =
			o->demo == DEMO_QUEUE ? DEFAULT_VALUES : DEFAULT_ROUNDS;
	if (!o->seconds)
		o->seconds = 1;
}

/* ---- shared by the demos ---- */

static noreturn void child_exit(int status)
{
	fflush(stdout);
	_exit(status);
}

static sigset_t set_of(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return set;
}

/* -d: false only if a stop signal cut it short. */
static bool pause_for(double seconds)
{
	return seconds <= 0 || sleep_seconds(seconds) || !stop_signal();
}

/*
 * Waits for a signal of set sent by pid from.  One sent by anyone else
 * is shown and ignored: the other side is not to be trusted blindly.
 * Returns the signal, or 0 once a stop signal has come.
 */
static int await_signal(const sigset_t *set, pid_t from, siginfo_t *info)
{
	static const struct timespec tick = { .tv_sec = 1 };

	while (!stop_signal()) {
		int sig = sys_sigtimedwait(set, info, &tick);

		if (sig > 0 && info->si_pid == from)
			return sig;
		if (sig > 0)
			printf("%d: ignoring %s from pid %d (not %d)\n",
			       (int)getpid(), signal_name(sig),
			       (int)info->si_pid, (int)from);
		else if (errno != EAGAIN && errno != EINTR)
			die_errno("sigtimedwait");
	}
	return 0;
}

/*
 * A blocking waitpid(), woken each second by the tick so that a stop
 * signal arriving just before it cannot leave it waiting for a child
 * that is stopped.  Returns false once a stop signal has come.
 */
static bool wait_child(pid_t child, int flags, int *status)
{
	pid_t rc;
	int err;

	tick_arm();
	do
		rc = sys_waitpid(child, status, flags);
	while (rc == -1 && errno == EINTR && !stop_signal());
	err = errno;
	tick_disarm();
	if (rc == -1 && !stop_signal()) {
		errno = err;
		die_errno("waitpid(child %d)", (int)child);
	}
	return rc == child;
}

/* Reaps the child, says how it ended; true if it exited with 0. */
static bool reap_child(pid_t child)
{
	char how[64];
	int status = xreap(child);

	printf("child %d %s\n", (int)child,
	       describe_wait_status(status, how, sizeof(how)));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * After a stop signal the child must not outlive the demo.  SIGKILL,
 * not SIGTERM: a stopped child would keep SIGTERM pending for ever.
 */
static int end_child(pid_t child)
{
	char how[64];
	int status;

	if (sys_kill(child, SIGKILL) == -1)
		warning_errno("kill(child %d, SIGKILL)", (int)child);
	status = xreap(child);
	printf("parent %d: stopped by %s; child %d %s\n", (int)getpid(),
	       signal_name(stop_signal()), (int)child,
	       describe_wait_status(status, how, sizeof(how)));
	return stop_exit_status();
}

/* ---- kill: SIGUSR1 there, SIGUSR2 back ---- */

static noreturn void kill_child(pid_t parent, long rounds)
{
	sigset_t usr1 = set_of(SIGUSR1);
	pid_t self = getpid();
	siginfo_t info;

	follow_parent(parent);
	for (long turn = 1; turn <= rounds; turn++) {
		if (!await_signal(&usr1, parent, &info))
			child_exit(stop_exit_status());
		printf("round %ld: child %d received SIGUSR1 from pid %d\n",
		       turn, (int)self, (int)info.si_pid);
		printf("round %ld: child %d sends SIGUSR2 to parent %d\n", turn,
		       (int)self, (int)parent);
		if (sys_kill(parent, SIGUSR2) == -1) {
			warning_errno("kill(parent %d, SIGUSR2)", (int)parent);
			child_exit(EXIT_FAILURE);
		}
	}
	child_exit(EXIT_SUCCESS);
}

static int kill_demo(const struct opts *o)
{
	static const int blocked[] = { SIGUSR1, SIGUSR2, SIGCHLD };
	pid_t parent = getpid(), child;
	sigset_t answer = set_of(SIGUSR2);
	siginfo_t info;

	/*
	 * Blocked before the fork, in both processes: an answer sent before
	 * its receiver waits stays pending.  They stay blocked to the end,
	 * where a stray SIGUSR1 could otherwise still kill us.  SIGCHLD is
	 * waited for too, so a child that dies is noticed at once.
	 */
	block_signals(NULL, blocked, sizeof(blocked) / sizeof(blocked[0]));
	sigaddset(&answer, SIGCHLD);
	child = xfork();
	if (child == 0)
		kill_child(parent, o->count);
	printf("kill: parent %d and child %d trade SIGUSR1 and SIGUSR2, "
	       "%ld round%s\n",
	       (int)parent, (int)child, o->count, o->count == 1 ? "" : "s");
	for (long turn = 1; turn <= o->count; turn++) {
		int sig;

		if (!pause_for(o->delay))
			break;
		printf("round %ld: parent %d sends SIGUSR1 to child %d\n", turn,
		       (int)parent, (int)child);
		if (sys_kill(child, SIGUSR1) == -1)
			die_errno("kill(child %d, SIGUSR1)", (int)child);
		sig = await_signal(&answer, child, &info);
		if (sig == 0)
			break;
		if (sig == SIGCHLD) {
			printf("child %d ended before it answered\n",
			       (int)child);
			reap_child(child);
			return EXIT_FAILURE;
		}
		printf("round %ld: parent %d received SIGUSR2 from pid %d\n",
		       turn, (int)parent, (int)info.si_pid);
	}
	if (stop_signal())
		return end_child(child);
	return reap_child(child) ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- queue: sigqueue() values, real-time or merged ---- */

static noreturn void queue_child(pid_t parent, int sig, long count)
{
	follow_parent(parent);
	for (long value = 1; value <= count; value++) {
		if (sys_sigqueue(parent, sig, (int)value) == -1) {
			struct rlimit rl = { 0 };

			if (errno != EAGAIN) {
				warning_errno("sigqueue(parent %d)",
				              (int)parent);
				child_exit(EXIT_FAILURE);
			}
			getrlimit(RLIMIT_SIGPENDING, &rl);
			warning("sigqueue value=%ld: the kernel holds no more "
			        "signals pending for this user "
			        "(RLIMIT_SIGPENDING, ulimit -i: %llu)",
			        value, (unsigned long long)rl.rlim_cur);
			child_exit(EXIT_FAILURE);
		}
		printf("child %d sent %s value=%ld to parent %d\n",
		       (int)getpid(), signal_name(sig), value, (int)parent);
	}
	child_exit(EXIT_SUCCESS);
}

/*
 * Takes every pending sig without waiting (a zero timeout) and counts
 * those from the child; *in_order stays true while the values run
 * 1, 2, 3...
 */
static long take_pending(int sig, pid_t child, bool *in_order)
{
	static const struct timespec now = { 0 };
	sigset_t set = set_of(sig);
	siginfo_t info;
	long got = 0;

	*in_order = true;
	for (;;) {
		if (sys_sigtimedwait(&set, &info, &now) == -1) {
			if (errno == EAGAIN || stop_signal())
				return got;
			if (errno != EINTR)
				die_errno("sigtimedwait");
			continue;
		}
		if (info.si_pid != child || info.si_code != SI_QUEUE) {
			printf("parent %d: ignoring %s from pid %d\n",
			       (int)getpid(), signal_name(sig),
			       (int)info.si_pid);
			continue;
		}
		printf("parent %d received %s value=%d from pid %d\n",
		       (int)getpid(), signal_name(sig), info.si_value.sival_int,
		       (int)info.si_pid);
		if (info.si_value.sival_int != ++got)
			*in_order = false;
	}
}

static int queue_summary(const struct opts *o, int sig, long got, bool in_order)
{
	long sent = o->count;

	if (o->standard && sent > 1 && got < sent) {
		printf("%ld sent, %ld received: the %ld sent while %s was "
		       "already pending merged into it\n",
		       sent, got, sent - got, signal_name(sig));
		printf("a standard signal is one pending bit, not a count "
		       "(signal(7)); a real-time signal, without --standard, "
		       "queues every one\n");
		return EXIT_SUCCESS;
	}
	if (o->standard && got == sent) {
		printf("%ld sent, %ld received: one signal has nothing to "
		       "merge with (try -n 2)\n",
		       sent, got);
		return EXIT_SUCCESS;
	}
	if (!o->standard && got == sent && in_order) {
		printf("%ld sent, %ld received, in order: a real-time signal "
		       "queues once per sigqueue(), each with its value\n",
		       sent, got);
		return EXIT_SUCCESS;
	}
	printf("%ld sent, %ld received%s\n", sent, got,
	       in_order ? "" : ", out of order");
	return EXIT_FAILURE;
}

static int queue_demo(const struct opts *o)
{
	int sig = o->standard ? SIGUSR1 : SIGRTMIN;
	int blocked[] = { sig, SIGCHLD };
	sigset_t done = set_of(SIGCHLD);
	pid_t parent = getpid(), child;
	siginfo_t info;
	bool sent_all, in_order;
	long got;

	printf("queue: parent %d blocks %s; its child sends %ld value%s with "
	       "sigqueue(), and the parent takes what is pending once the "
	       "child has exited\n",
	       (int)parent, signal_name(sig), o->count,
	       o->count == 1 ? "" : "s");
	/*
	 * The parent waits for SIGCHLD, not for sig, so every value is sent
	 * while sig is still blocked: whether they merge is then up to the
	 * kernel alone, not to how fast the parent takes them.
	 */
	block_signals(NULL, blocked, sizeof(blocked) / sizeof(blocked[0]));
	child = xfork();
	if (child == 0)
		queue_child(parent, sig, o->count);
	if (!await_signal(&done, child, &info))
		return end_child(child);
	sent_all = reap_child(child);
	got = take_pending(sig, child, &in_order);
	if (stop_signal())
		return stop_exit_status();
	if (!sent_all) {
		printf("%ld of %ld values received; the child could not send "
		       "them all\n",
		       got, o->count);
		return EXIT_FAILURE;
	}
	return queue_summary(o, sig, got, in_order);
}

/* ---- alarm: a read() interrupted, with and without SA_RESTART ---- */

static volatile sig_atomic_t alarm_count;
static volatile sig_atomic_t alarm_fd = -1;

/*
 * Writes one byte into the pipe the demo is reading, so the read has
 * something to return if the kernel restarts it.  write(2) is
 * async-signal-safe (signal-safety(7)); the trace layer formats with
 * snprintf, which is not, so this one write is not traced.
 */
static void on_alarm(int sig)
{
	static const char mark = ALARM_MARK;
	int saved = errno;

	(void)sig;
	alarm_count++;
	if (write(alarm_fd, &mark, 1) != 1)
		alarm_count = -1;
	errno = saved;
}

static bool alarm_report(bool restart, int fd, ssize_t n, int err)
{
	char buf[16];

	if (alarm_count < 0) {
		printf("  the SIGALRM handler could not write into the pipe\n");
		return false;
	}
	if (alarm_count != 1) {
		printf("  the SIGALRM handler ran %d times, expected once\n",
		       (int)alarm_count);
		return false;
	}
	printf("  SIGALRM came; its handler wrote '%c' into the pipe\n",
	       ALARM_MARK);
	if (!restart && n == -1 && err == EINTR) {
		printf("  read() = -1 EINTR (%s): without SA_RESTART the read "
		       "is not restarted\n",
		       strerror(EINTR));
		n = sys_read(fd, buf, sizeof(buf));
		if (n != 1 || buf[0] != ALARM_MARK)
			return false;
		printf("  read() again = 1 byte '%c': the caller has to retry "
		       "by itself\n",
		       buf[0]);
		return true;
	}
	if (restart && n == 1) {
		printf("  read() = 1 byte '%c': with SA_RESTART the kernel "
		       "restarted the read after the handler, and it found the "
		       "byte\n",
		       ALARM_MARK);
		return true;
	}
	printf("  read() = %zd%s%s, which was not expected\n", n,
	       n == -1 ? " " : "", n == -1 ? strerror(err) : "");
	return false;
}

/*
 * Our own SIGALRM action for the round, restored after it: the
 * dispatcher's (for tick_arm()) has no SA_RESTART and writes nothing.
 */
static bool alarm_round(bool restart, unsigned seconds)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	sigset_t alrm = set_of(SIGALRM);
	char buf[16];
	int fds[2], err;
	ssize_t n;
	bool ok;

	sigemptyset(&sa.sa_mask);
	sa.sa_flags = restart ? SA_RESTART : 0;
	/* A mask inherited through exec could hold it back for ever. */
	sigprocmask(SIG_UNBLOCK, &alrm, NULL);
	xpipe(fds);
	alarm_fd = fds[1];
	alarm_count = 0;
	sigaction(SIGALRM, &sa, &old);
	printf("alarm %s SA_RESTART: parent %d calls alarm(%u), then read() "
	       "from an empty pipe\n",
	       restart ? "with" : "without", (int)getpid(), seconds);
	sys_alarm(seconds);
	errno = EINTR;
	n = stop_signal() ? -1 : sys_read(fds[0], buf, sizeof(buf));
	err = errno;
	/*
	 * The trace leaves out an EINTR that is not a stop (tr_quiet: the
	 * tick makes many); this one is what the demo is about.
	 */
	if (n == -1 && err == EINTR && !stop_signal() && trace_enabled)
		trace_line("read(fd=%d, %zu) = -1 EINTR (%s)", fds[0],
		           sizeof(buf), strerror(EINTR));
	if (stop_signal())
		sys_alarm(0);
	sigaction(SIGALRM, &old, NULL);
	if (stop_signal())
		printf("  read() = -1 EINTR: %s came first; the demo ends\n",
		       signal_name(stop_signal()));
	ok = stop_signal() || alarm_report(restart, fds[0], n, err);
	alarm_fd = -1;
	xclose(fds[0]);
	xclose(fds[1]);
	return ok;
}

static int alarm_demo(const struct opts *o)
{
	if (!alarm_round(false, o->seconds) || stop_signal())
		return EXIT_FAILURE;
	if (!alarm_round(true, o->seconds))
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}

/* ---- raise: stopped, continued, exited ---- */

static noreturn void raise_child(pid_t parent)
{
	sigset_t usr1 = set_of(SIGUSR1);
	siginfo_t info;

	follow_parent(parent);
	printf("child %d stops itself with raise(SIGSTOP)\n", (int)getpid());
	if (sys_raise(SIGSTOP) != 0) {
		warning_errno("raise(SIGSTOP)");
		child_exit(EXIT_FAILURE);
	}
	/*
	 * Running again.  Exiting now could beat the parent's
	 * waitpid(WCONTINUED), which would then report only the exit; so
	 * wait for the parent's word first.
	 */
	if (!await_signal(&usr1, parent, &info))
		child_exit(stop_exit_status());
	printf("child %d runs again; SIGUSR1 from pid %d, exiting with "
	       "status 0\n",
	       (int)getpid(), (int)info.si_pid);
	child_exit(EXIT_SUCCESS);
}

static void print_step(const char *call, pid_t child, int status)
{
	char how[64];

	printf("parent %d: %s: child %d %s\n", (int)getpid(), call, (int)child,
	       describe_wait_status(status, how, sizeof(how)));
}

static int raise_demo(const struct opts *o)
{
	static const int blocked[] = { SIGUSR1 };
	pid_t parent = getpid(), child;
	int status;

	printf("raise: parent %d forks a child that stops itself; waitpid() "
	       "reports each change\n",
	       (int)parent);
	block_signals(NULL, blocked, sizeof(blocked) / sizeof(blocked[0]));
	child = xfork();
	if (child == 0)
		raise_child(parent);
	if (!wait_child(child, WUNTRACED, &status))
		return end_child(child);
	print_step("waitpid(WUNTRACED)", child, status);
	if (!WIFSTOPPED(status))
		return EXIT_FAILURE; /* it ended, and that wait reaped it */
	if (!pause_for(o->delay))
		return end_child(child);
	printf("parent %d sends SIGCONT to child %d\n", (int)parent,
	       (int)child);
	if (sys_kill(child, SIGCONT) == -1)
		die_errno("kill(child %d, SIGCONT)", (int)child);
	if (!wait_child(child, WCONTINUED, &status))
		return end_child(child);
	print_step("waitpid(WCONTINUED)", child, status);
	if (!WIFCONTINUED(status))
		return EXIT_FAILURE;
	printf("parent %d sends SIGUSR1 to child %d: it may exit now\n",
	       (int)parent, (int)child);
	if (sys_kill(child, SIGUSR1) == -1)
		die_errno("kill(child %d, SIGUSR1)", (int)child);
	if (!wait_child(child, 0, &status))
		return end_child(child);
	print_step("waitpid()", child, status);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? EXIT_SUCCESS
	                                                     : EXIT_FAILURE;
}

int signal_demo_main(int argc, char **argv)
{
	struct opts o = { .demo = DEMO_KILL };

	parse_opts(argc, argv, &o);
	/*
	 * SIG_IGN survives exec, and an ignored SIGCHLD makes the kernel
	 * reap our children itself, leaving waitpid() nothing to report.
	 */
	signal(SIGCHLD, SIG_DFL);
	switch (o.demo) {
	case DEMO_QUEUE:
		return queue_demo(&o);
	case DEMO_ALARM:
		return alarm_demo(&o);
	case DEMO_RAISE:
		return raise_demo(&o);
	default:
		return kill_demo(&o);
	}
}
