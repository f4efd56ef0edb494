/*
 * bench_machine.c - the machine bench runs on: which CPUs, pinned how,
 * which kernel, and whether other programs used the CPUs meanwhile.
 *
 * Parent and child are bound to two different CPUs when there are two,
 * so a wake-up crosses CPUs the way it does between two busy programs;
 * --same-cpu binds both to one, which turns every hand-over into a
 * context switch.  The machine is shared, so each row compares the
 * busy time /proc/stat counts on the watched CPUs with the CPU time of
 * our own two processes: the difference is someone else's (proc(5)).
 */
#include <sys/utsname.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ipcdemo.h"

#define PROC_STAT "/proc/stat"
#define CPUINFO "/proc/cpuinfo"

static void read_model(char *buf, size_t len)
{
	FILE *f = fopen(CPUINFO, "r");
	char line[512];

	snprintf(buf, len, "unknown CPU");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) != 0 || !colon)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(buf, len, "%s", colon);
		break;
	}
	fclose(f);
}

static bool pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) == 0;
}

/* The n-th CPU (from 0) of the set, or -1. */
static int nth_cpu(const cpu_set_t *set, int n)
{
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && n-- == 0)
			return cpu;
	return -1;
}

void bench_machine_probe(struct bench_machine *m, bool same_cpu)
{
	struct utsname u;
	cpu_set_t allowed;
	time_t now = time(NULL);

	*m = (struct bench_machine){ .cpu_parent = -1, .cpu_child = -1 };
	snprintf(m->kernel, sizeof(m->kernel), "%s",
	         uname(&u) == 0 ? u.release : "unknown");
	read_model(m->model, sizeof(m->model));
	strftime(m->date, sizeof(m->date), "%Y-%m-%d %H:%M %Z",
	         localtime(&now));
	if (sched_getaffinity(0, sizeof(allowed), &allowed) == -1)
		die_errno("sched_getaffinity");
	m->cpus = CPU_COUNT(&allowed);
	m->watch = allowed;
	m->watch_count = m->cpus;
	m->one_cpu = m->cpus < 2 || same_cpu;
	if (m->cpus < 2)
		return; /* nothing to choose: leave the scheduler alone */
	m->cpu_parent = nth_cpu(&allowed, 0);
	m->cpu_child = same_cpu ? m->cpu_parent : nth_cpu(&allowed, 1);
	if (!pin_self(m->cpu_parent)) {
		warning_errno("cannot pin to CPU %d; running unpinned",
		              m->cpu_parent);
		m->cpu_parent = m->cpu_child = -1;
		return;
	}
	m->pinned = true;
	CPU_ZERO(&m->watch);
	CPU_SET(m->cpu_parent, &m->watch);
	CPU_SET(m->cpu_child, &m->watch);
	m->watch_count = CPU_COUNT(&m->watch);
}

void bench_machine_pin_child(const struct bench_machine *m)
{
	if (m->pinned && !pin_self(m->cpu_child))
		warning_errno("child: cannot pin to CPU %d", m->cpu_child);
}

/*
 * Busy ticks of the watched CPUs: user, nice, system and steal (time
 * the hypervisor gave to another guest).  Interrupt time and iowait
 * are left out: our own wake-ups cost interrupts.
 */
static uint64_t busy_ticks(const struct bench_machine *m)
{
	FILE *f = fopen(PROC_STAT, "r");
	char line[512];
	uint64_t sum = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long user, nice, sys, idle, iowait, irq, softirq,
			steal;
		int cpu;

		if (sscanf(line,
		           "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu",
		           &cpu, &user, &nice, &sys, &idle, &iowait, &irq,
		           &softirq, &steal) != 9)
			continue; /* the "cpu " total line, or the end */
		if (cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &m->watch))
			sum += user + nice + sys + steal;
	}
	fclose(f);
	return sum;
}

static double clock_seconds(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) == -1)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds used by this process and the child (0: none). */
static double our_cpu(pid_t child)
{
	double sum = clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
	clockid_t id;

	if (child > 0 && clock_getcpuclockid(child, &id) == 0)
		sum += clock_seconds(id);
	return sum;
}

void bench_noise_begin(const struct bench_machine *m, pid_t child,
                       struct bench_noise *n)
{
	n->busy_ticks = busy_ticks(m);
	n->ours = our_cpu(child);
	n->wall = clock_seconds(CLOCK_MONOTONIC);
}

void bench_noise_add(const struct bench_machine *m, pid_t child,
                     const struct bench_noise *n, double *others,
                     double *capacity)
{
	long hz = sysconf(_SC_CLK_TCK);
	double busy = (double)(busy_ticks(m) - n->busy_ticks) /
	              (double)(hz > 0 ? hz : 100);
	double wall = clock_seconds(CLOCK_MONOTONIC) - n->wall;

	*others += busy - (our_cpu(child) - n->ours);
	*capacity += wall * m->watch_count;
}

double bench_noise_share(const struct bench_machine *m, double others,
                         double capacity)
{
	long hz = sysconf(_SC_CLK_TCK);
	double share;

	if (capacity <= 0)
		return 0;
	/*
	 * The counters move a whole tick at a time, so each CPU's sum may
	 * be off by about one.  Only what is beyond that is someone
	 * else's for sure, which matters in the short rows of --quick.
	 */
	others -= (double)m->watch_count / (double)(hz > 0 ? hz : 100);
	share = others / capacity;
	return share < 0 ? 0 : share > 1 ? 1 : share;
}
