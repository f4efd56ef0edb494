/*
 * signals.c - stop signals, the one-second tick, and signal names.
 *
 * SIGINT, SIGTERM and SIGHUP only set a flag (STYLE §6); they are
 * installed without SA_RESTART, so a blocking call returns EINTR and
 * the applet cleans up on its way out instead of inside a handler.
 * SIGPIPE is ignored: a write to a pipe nobody reads returns EPIPE,
 * which the applets report as "reader has gone" (SPEC §3).  Signal 0
 * asks only whether a process is there (pid_alive()).
 */
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

static volatile sig_atomic_t stop_signo;

static void on_stop(int sig)
{
	stop_signo = sig;
}

/* SIGALRM exists only to interrupt a blocking call; see tick_arm(). */
static void on_tick(int sig)
{
	(void)sig;
}

static void handle(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

void signals_init(void)
{
	handle(SIGINT, on_stop);
	handle(SIGTERM, on_stop);
	handle(SIGHUP, on_stop);
	handle(SIGALRM, on_tick);
	handle(SIGPIPE, SIG_IGN);
}

int stop_signal(void)
{
	return stop_signo;
}

int stop_exit_status(void)
{
	return 128 + stop_signo;
}

static void set_tick(long seconds)
{
	struct itimerval it = {
		.it_interval = { .tv_sec = seconds },
		.it_value = { .tv_sec = seconds },
	};

	setitimer(ITIMER_REAL, &it, NULL);
}

void tick_arm(void)
{
	set_tick(1);
}

void tick_disarm(void)
{
	set_tick(0);
}

double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct timespec monotonic_after(double seconds)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += (time_t)seconds;
	t.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

bool sleep_seconds(double seconds)
{
	/* An absolute deadline, so EINTR from a tick does not stretch it. */
	struct timespec until = monotonic_after(seconds);

	while (!stop_signal()) {
		int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
		                         NULL);
		if (rc == 0)
			return true;
		if (rc != EINTR)
			return false;
	}
	return false;
}

void block_signals(sigset_t *old, const int *signals, size_t count)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < count; i++)
		sigaddset(&set, signals[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

bool pid_alive(pid_t pid)
{
	return pid > 0 && (sys_kill(pid, 0) == 0 || errno == EPERM);
}

void follow_parent(pid_t parent)
{
	/* A parent gone before the prctl() would never send the signal. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(EXIT_FAILURE);
}

const char *signal_name(int sig)
{
	static char name[32];
	const char *abbrev = sigabbrev_np(sig);

	if (abbrev)
		snprintf(name, sizeof(name), "SIG%s", abbrev);
	else if (sig == SIGRTMIN) /* as kill -l says, not "SIGRTMIN+0" */
		snprintf(name, sizeof(name), "SIGRTMIN");
	else if (sig > SIGRTMIN && sig <= SIGRTMAX)
		snprintf(name, sizeof(name), "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(name, sizeof(name), "signal %d", sig);
	return name;
}

const char *describe_wait_status(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited with status %d",
		         WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by %s%s",
		         signal_name(WTERMSIG(status)),
		         WCOREDUMP(status) ? " (core dumped)" : "");
	else if (WIFSTOPPED(status))
		snprintf(buf, size, "stopped by %s",
		         signal_name(WSTOPSIG(status)));
	else if (WIFCONTINUED(status))
		snprintf(buf, size, "continued");
	else
		snprintf(buf, size, "status %#x", (unsigned)status);
	return buf;
}
