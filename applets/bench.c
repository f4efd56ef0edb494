/*
 * bench - throughput and round-trip latency of every mechanism, beside
 * the physical limits (SPEC §4.7).
 *
 * Each mechanism is a row of mechanisms[] below (its hooks live in
 * src/bench_*.c, see src/bench.h); the project's channels are measured
 * through the code the applets run, the references through plain libc
 * loops, so the gap between a channel and its raw reference is the
 * cost of our own code and the gap to memcpy or a floor is the
 * kernel's.  Parent and child run pinned to two CPUs.  The run is a
 * few passes over every row, one short timed round per row each pass,
 * so that a channel and its reference meet the same load; a row
 * reports the median of its rounds, how far apart they were, and how
 * much of the CPUs other programs took meanwhile - on a shared machine
 * that is what distorts a figure.
 */
#include <errno.h>
#include <libgen.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ipcdemo.h"
#include "shm_channel.h"

static const char usage[] =
	"usage: ipcdemo bench [--quick] [--sizes LIST] [--rtt-size BYTES]\n"
	"                     [--only LIST] [--same-cpu] [--time SECONDS]\n"
	"                     [--rounds N] [--spin MICROSECONDS]\n"
	"                     [--json | --csv] [--plot FILE.svg]\n"
	"                     [--mmap-dir DIR]\n"
	"\n"
	"Measure one-way throughput and round-trip latency of each IPC\n"
	"mechanism between two processes, beside the copy limit (memcpy)\n"
	"and the round-trip floors, and print a table.\n"
	"\n"
	"      --quick          a short run (about 6 s instead of 40 s)\n"
	"      --sizes LIST     message sizes, comma-separated, K and M\n"
	"                       allowed (default 64,4K,64K,1M)\n"
	"      --rtt-size BYTES message size of the round trips (default 64)\n"
	"      --only LIST      these mechanisms, comma-separated (and the\n"
	"                       references they are compared with)\n"
	"      --same-cpu       run both processes on one CPU\n"
	"      --time SECONDS   the whole run's time budget\n"
	"      --rounds N       passes: timed rounds per row (default 5,\n"
	"                       --quick 3)\n"
	"      --spin MICROSECONDS\n"
	"                       shm-futex: spin this long before sleeping\n"
	"                       (default 20; 0: never)\n"
	"      --json           print the results as JSON\n"
	"      --csv            print the results as CSV with a header line\n"
	"      --plot FILE.svg  also draw throughput against size as SVG\n"
	"      --mmap-dir DIR   the directory of the mmap row's file\n"
	"                       (default /dev/shm)\n"
	"      --trace          print each system call on stderr (slow)\n"
	"  -h, --help           print this help\n";

/*
 * The mechanisms, in the order they are measured and listed.  A new
 * one is one more line here (and its struct in src/bench_*.c).
 */
static const struct bench_mech *const mechanisms[] = {
	&bench_memcpy,      &bench_spin_floor,
	&bench_futex_floor, &bench_raw_pipe,
	&bench_pipe,        &bench_fifo,
	&bench_raw_msg,     &bench_msg,
	&bench_raw_sem,     &bench_shm_sem,
	&bench_raw_signal,  &bench_shm_signal,
	&bench_shm_futex,   &bench_shm_futex_nospin,
	&bench_mmap,        &bench_signal,
};
#define MECH_COUNT (sizeof(mechanisms) / sizeof(mechanisms[0]))

#define MAX_SIZES 16
#define MAX_SIZE ((size_t)64 << 20)
#define DEFAULT_SECONDS 36.0
#define QUICK_SECONDS 5.0
#define DEFAULT_ROUNDS 5
#define QUICK_ROUNDS 3
#define MIN_ROW_SECONDS 0.02
#define MIN_PASSES 3
#define OVERRUN 3.0 /* times the budget, after which passes stop */
#define MAX_ROW_SECONDS 2.0
#define MAX_SPIN_US 1000000 /* as shm-server's and shm-client's --spin */

enum format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV };
enum {
	OPT_QUICK = OPT_APPLET,
	OPT_SIZES,
	OPT_RTT_SIZE,
	OPT_ONLY,
	OPT_SAME_CPU,
	OPT_TIME,
	OPT_ROUNDS,
	OPT_SPIN,
	OPT_JSON,
	OPT_CSV,
	OPT_PLOT,
	OPT_MMAP_DIR,
};

struct opts {
	size_t sizes[MAX_SIZES];
	size_t size_count;
	size_t rtt_size;
	bool selected[MECH_COUNT];
	bool same_cpu;
	double seconds; /* 0: the default for --quick or not */
	int rounds;     /* 0: likewise */
	long spin_us;
	bool quick;
	enum format format;
	const char *plot;
};

static noreturn void help(void)
{
	fputs(usage, stdout);
	fputs("\nMechanisms:\n", stdout);
	for (size_t i = 0; i < MECH_COUNT; i++)
		printf("  %-17s %s\n", mechanisms[i]->name,
		       mechanisms[i]->summary);
	exit(EXIT_SUCCESS);
}

static int find_mech(const char *name)
{
	for (size_t i = 0; i < MECH_COUNT; i++)
		if (strcmp(mechanisms[i]->name, name) == 0)
			return (int)i;
	return -1;
}

static int compare_sizes(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* "64,4K,1M": sorted, each once. */
static void parse_sizes(char *list, struct opts *o)
{
	size_t n = 0;

	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (n == MAX_SIZES)
			usage_error("--sizes: at most %d sizes", MAX_SIZES);
		o->sizes[n++] = parse_size(tok, 1, MAX_SIZE, "message size");
	}
	if (n == 0)
		usage_error("--sizes needs at least one size");
	qsort(o->sizes, n, sizeof(o->sizes[0]), compare_sizes);
	o->size_count = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || o->sizes[i] != o->sizes[i - 1])
			o->sizes[o->size_count++] = o->sizes[i];
}

static void parse_only(char *list, struct opts *o)
{
	size_t n = 0;

	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		int i = find_mech(tok);

		if (i < 0)
			usage_error("unknown mechanism '%s' (see 'ipcdemo "
			            "bench --help')",
			            tok);
		o->selected[i] = true;
		n++;
	}
	if (n == 0)
		usage_error("--only needs at least one mechanism");
}

/* Adds the references the selected mechanisms are compared with. */
static void add_references(struct opts *o)
{
	bool more = true;

	while (more) {
		more = false;
		for (size_t i = 0; i < MECH_COUNT; i++) {
			const struct bench_mech *m = mechanisms[i];
			const char *refs[] = { m->stream_ref, m->rtt_ref,
				               m->kinds & BENCH_KIND_STREAM
				                       ? "memcpy"
				                       : NULL };

			for (size_t r = 0; o->selected[i] && r < 3; r++) {
				int j = refs[r] ? find_mech(refs[r]) : -1;

				if (j >= 0 && !o->selected[j])
					more = o->selected[j] = true;
			}
		}
	}
}

/* --plot: find out now, not after a minute, if the file can be made. */
static void check_plot_path(const char *path)
{
	char *copy = strdup(path);

	if (!copy)
		die("out of memory");
	if (access(dirname(copy), W_OK) == -1)
		die_errno("--plot %s", path);
	free(copy);
}

static void set_format(struct opts *o, enum format f)
{
	if (o->format != FORMAT_TABLE && o->format != f)
		usage_error("--json and --csv exclude each other");
	o->format = f;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, OPT_QUICK },
		{ "sizes", required_argument, NULL, OPT_SIZES },
		{ "rtt-size", required_argument, NULL, OPT_RTT_SIZE },
		{ "only", required_argument, NULL, OPT_ONLY },
		{ "same-cpu", no_argument, NULL, OPT_SAME_CPU },
		{ "time", required_argument, NULL, OPT_TIME },
		{ "rounds", required_argument, NULL, OPT_ROUNDS },
		{ "spin", required_argument, NULL, OPT_SPIN },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "csv", no_argument, NULL, OPT_CSV },
		{ "plot", required_argument, NULL, OPT_PLOT },
		{ "mmap-dir", required_argument, NULL, OPT_MMAP_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool only = false;
	int c;

	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_QUICK:
			o->quick = true;
			break;
		case OPT_SIZES:
			parse_sizes(optarg, o);
			break;
		case OPT_RTT_SIZE:
			o->rtt_size = parse_size(optarg, 1, MAX_SIZE,
			                         "round-trip size");
			break;
		case OPT_ONLY:
			parse_only(optarg, o);
			only = true;
			break;
		case OPT_SAME_CPU:
			o->same_cpu = true;
			break;
		case OPT_TIME:
			o->seconds = parse_seconds(optarg, 3600, "time budget");
			if (o->seconds <= 0)
				usage_error("invalid time budget: '%s' (must "
				            "be more than 0)",
				            optarg);
			break;
		case OPT_ROUNDS:
			o->rounds = (int)parse_num(optarg, 1, BENCH_MAX_ROUNDS,
			                           "number of rounds");
			break;
		case OPT_SPIN:
			o->spin_us = (long)parse_num(optarg, 0, MAX_SPIN_US,
			                             "spin time");
			break;
		case OPT_JSON:
			set_format(o, FORMAT_JSON);
			break;
		case OPT_CSV:
			set_format(o, FORMAT_CSV);
			break;
		case OPT_PLOT:
			if (!*optarg)
				usage_error("--plot needs a file name");
			o->plot = optarg;
			break;
		case OPT_MMAP_DIR:
			bench_mmap_set_dir(optarg);
			break;
		case 'h':
			help();
		default:
			usage_bad_option(c, argv);
		}
	}
	usage_no_operands(argc, argv);
	if (!only)
		for (size_t i = 0; i < MECH_COUNT; i++)
			o->selected[i] = true;
	add_references(o);
	if (!o->seconds)
		o->seconds = o->quick ? QUICK_SECONDS : DEFAULT_SECONDS;
	if (!o->rounds)
		o->rounds = o->quick ? QUICK_ROUNDS : DEFAULT_ROUNDS;
	if (o->plot)
		check_plot_path(o->plot);
}

/* ---- the rows ---- */

static void add_row(struct bench_row *rows, size_t *n,
                    const struct bench_mech *m, enum bench_kind kind,
                    size_t size)
{
	rows[*n] = (struct bench_row){ .mech = m, .kind = kind, .size = size };
	if (size && m->cannot_carry)
		rows[*n].na = m->cannot_carry(size);
	(*n)++;
}

/* Every row the run will show, measured or n/a, in order. */
static struct bench_row *plan_rows(const struct opts *o, size_t *count)
{
	struct bench_row *rows =
		calloc(MECH_COUNT * (MAX_SIZES + 2), sizeof(*rows));
	size_t n = 0;

	if (!rows)
		die("out of memory");
	for (size_t i = 0; i < MECH_COUNT; i++) {
		const struct bench_mech *m = mechanisms[i];
		size_t extra = m->extra_size;

		if (!o->selected[i])
			continue;
		if (m->kinds & BENCH_KIND_STREAM) {
			for (size_t k = 0; k < o->size_count; k++) {
				add_row(rows, &n, m, BENCH_STREAM, o->sizes[k]);
				if (o->sizes[k] == extra)
					extra = 0;
			}
			if (extra)
				add_row(rows, &n, m, BENCH_STREAM, extra);
		}
		if (m->kinds & BENCH_KIND_RTT)
			add_row(rows, &n, m, BENCH_RTT,
			        m->payload_free ? 0 : o->rtt_size);
	}
	*count = n;
	return rows;
}

/* "bench: pass 2/5, 12/27 pipe stream 4 KiB", on a terminal only. */
static void progress(const struct bench_row *row, int pass, int passes,
                     size_t done, size_t total)
{
	char size[24];

	if (!isatty(STDERR_FILENO))
		return;
	if (!row) {
		fputs("\r\033[K", stderr);
		return;
	}
	fprintf(stderr, "\r\033[Kbench: pass %d/%d, %zu/%zu %s %s %s", pass + 1,
	        passes, done + 1, total, row->mech->name,
	        row->kind == BENCH_STREAM ? "stream" : "rtt",
	        bench_size_text(row->size, size, sizeof(size)));
}

struct run {
	struct bench_row *rows;
	size_t count;
	size_t measurable;
	const struct bench_plan *plan;
	int pass;
};

/* One round of each of one mechanism's rows; false on a stop signal. */
static bool run_mech(const struct run *run, const struct bench_mech *m)
{
	size_t mark = cleanup_mark(), max_size = 0, done = 0;
	struct bench_row *rows = run->rows;
	struct bench_session *s;
	bool ok = true;

	for (size_t i = 0; i < run->count; i++)
		if (rows[i].mech == m && !rows[i].na && rows[i].size > max_size)
			max_size = rows[i].size;
	/* Rows are grouped by mechanism: count the ones before ours. */
	for (size_t i = 0; i < run->count && rows[i].mech != m; i++)
		done += !rows[i].na;
	s = bench_session_start(m, run->plan, max_size);
	for (size_t i = 0; ok && i < run->count; i++) {
		if (rows[i].mech != m || rows[i].na)
			continue;
		progress(&rows[i], run->pass, run->plan->rounds, done++,
		         run->measurable);
		ok = bench_measure(s, &rows[i]);
	}
	bench_session_end(s, !ok);
	/* The objects this mechanism made go now, not at exit. */
	cleanup_unwind(mark);
	return ok;
}

static bool measurable(const struct run *run, const struct bench_mech *m)
{
	for (size_t j = 0; j < run->count; j++)
		if (run->rows[j].mech == m && !run->rows[j].na)
			return true;
	return false;
}

/*
 * The passes.  A machine far busier than planned can make them take
 * much longer than the budget: then the run settles for fewer rounds
 * (at least 3) rather than overrun without bound.
 */
static bool run_all(struct run *run, double budget)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (run->pass = 0; run->pass < run->plan->rounds; run->pass++) {
		for (size_t i = 0; i < MECH_COUNT; i++) {
			if (stop_signal())
				return false;
			if (measurable(run, mechanisms[i]) &&
			    !run_mech(run, mechanisms[i]))
				return false;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (run->pass + 1 >= MIN_PASSES &&
		    (double)(now.tv_sec - start.tv_sec) +
		                    (double)(now.tv_nsec - start.tv_nsec) /
		                            1e9 >
		            OVERRUN * budget)
			break;
	}
	progress(NULL, 0, 0, 0, 0);
	for (size_t i = 0; i < run->count; i++)
		if (!run->rows[i].na)
			bench_finish_row(run->plan->machine, &run->rows[i]);
	return true;
}

/* For scripts, whose output has no room for the marks of the table. */
static void warn_noisy_rows(const struct bench_row *rows, size_t count)
{
	size_t noisy = 0, measured = 0;
	double worst = 0;

	for (size_t i = 0; i < count; i++) {
		if (!rows[i].measured)
			continue;
		measured++;
		if (rows[i].noise >= BENCH_NOISE_WARN)
			noisy++;
		if (rows[i].noise > worst)
			worst = rows[i].noise;
	}
	if (noisy)
		warning("other programs used %.0f%% or more of the CPUs' time "
		        "during %zu of %zu rows (up to %.0f%%): their figures "
		        "are distorted (--csv: others_pct)",
		        BENCH_NOISE_WARN * 100, noisy, measured, worst * 100);
}

static void report(const struct opts *o, const struct bench_report *r)
{
	switch (o->format) {
	case FORMAT_TABLE:
		bench_print_table(stdout, r);
		break;
	case FORMAT_JSON:
		bench_print_json(stdout, r);
		warn_noisy_rows(r->rows, r->count);
		break;
	case FORMAT_CSV:
		bench_print_csv(stdout, r);
		warn_noisy_rows(r->rows, r->count);
		break;
	}
	if (o->plot && !bench_write_svg(o->plot, r))
		die_errno("--plot %s", o->plot);
}

int bench_main(int argc, char **argv)
{
	struct opts o = {
		.sizes = { 64, 4096, 65536, 1048576 },
		.size_count = 4,
		.rtt_size = 64,
		.spin_us = SHM_DEFAULT_SPIN_US,
	};
	struct bench_machine machine;
	struct bench_plan plan = { .machine = &machine };
	struct bench_report r = { .machine = &machine, .plan = &plan };
	struct run run = { .plan = &plan };
	bool ok;

	parse_opts(argc, argv, &o);
	bench_machine_probe(&machine, o.same_cpu);
	run.rows = plan_rows(&o, &run.count);
	for (size_t i = 0; i < run.count; i++)
		run.measurable += !run.rows[i].na;
	plan.rounds = o.rounds;
	plan.spin_us = o.spin_us;
	plan.row_seconds =
		run.measurable ? o.seconds / (double)run.measurable : 0;
	if (plan.row_seconds < MIN_ROW_SECONDS)
		plan.row_seconds = MIN_ROW_SECONDS;
	if (plan.row_seconds > MAX_ROW_SECONDS)
		plan.row_seconds = MAX_ROW_SECONDS;
	ok = run_all(&run, o.seconds);
	if (ok) {
		r.rows = run.rows;
		r.count = run.count;
		report(&o, &r);
	}
	free(run.rows);
	return ok ? EXIT_SUCCESS : stop_exit_status();
}
