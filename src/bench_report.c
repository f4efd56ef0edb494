/*
 * bench_report.c - bench's results as a table for people, and as JSON
 * (SPEC §4.7, exactly) and CSV for scripts.
 *
 * The table puts each figure beside the one it should be compared
 * with: a stream beside memcpy at the same message size (the copy
 * limit) and beside its raw reference (the kernel's cost without our
 * code), a round trip beside its floor or raw reference.  JSON and CSV
 * leave out the sizes a mechanism cannot carry.
 */
#include <math.h>
#include <string.h>

#include "bench.h"
#include "ipcdemo.h"

#define KIB ((size_t)1024)
#define MIB (KIB * 1024)

const char *bench_size_text(size_t size, char *buf, size_t len)
{
	if (size >= MIB && size % MIB == 0)
		snprintf(buf, len, "%zu MiB", size / MIB);
	else if (size >= KIB && size % KIB == 0)
		snprintf(buf, len, "%zu KiB", size / KIB);
	else
		snprintf(buf, len, "%zu B", size);
	return buf;
}

const struct bench_row *bench_find_row(const struct bench_report *r,
                                       const char *mech, enum bench_kind kind,
                                       size_t size)
{
	for (size_t i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];

		if (row->measured && row->kind == kind &&
		    strcmp(row->mech->name, mech) == 0 &&
		    (kind == BENCH_RTT || row->size == size))
			return row;
	}
	return NULL;
}

/* The figure a row is judged by: throughput, or the median trip. */
static double main_figure(const struct bench_row *row)
{
	return row->kind == BENCH_STREAM ? row->mb_s : row->median_us;
}

/* row / ref, or NAN if there is no such measured reference. */
static double ratio(const struct bench_report *r, const struct bench_row *row,
                    const char *ref)
{
	const struct bench_row *other;

	if (!ref || strcmp(ref, row->mech->name) == 0)
		return NAN;
	other = bench_find_row(r, ref, row->kind, row->size);
	if (!other || main_figure(other) <= 0)
		return NAN;
	return main_figure(row) / main_figure(other);
}

static const char *ref_of(const struct bench_row *row)
{
	return row->kind == BENCH_STREAM ? row->mech->stream_ref
	                                 : row->mech->rtt_ref;
}

/* ---- the table ---- */

/* 3 significant digits and k/M/G: "193 M", "1.93 M", "512". */
static const char *si_text(double v, char *buf, size_t len)
{
	static const char units[] = " kMGT";
	int u = 0;

	while (v >= 999.5 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%.*f %c",
		         v < 9.995   ? 2
		         : v < 99.95 ? 1
		                     : 0,
		         v, units[u]);
	return buf;
}

/* Digits after the point for about 2 significant digits: 0.0042, 0.93, 36. */
static int ratio_digits(double x)
{
	return x < 0.00995  ? 4
	       : x < 0.0995 ? 3
	       : x < 9.995  ? 2
	       : x < 99.95  ? 1
	                    : 0;
}

static const char *ratio_text(double x, const char *name, char *buf, size_t len)
{
	if (isnan(x))
		snprintf(buf, len, "%s", "");
	else
		snprintf(buf, len, "%.*f%s%s", ratio_digits(x), x,
		         name ? " " : "", name ? name : "");
	return buf;
}

static const char *noise_text(const struct bench_row *row, char *buf,
                              size_t len)
{
	snprintf(buf, len, "%.0f%%%s", row->noise * 100,
	         row->noise >= BENCH_NOISE_WARN ? " !" : "");
	return buf;
}

static void print_header(FILE *out, const struct bench_report *r)
{
	const struct bench_machine *m = r->machine;

	fprintf(out, "ipcdemo bench, %s\n", m->date);
	fprintf(out, "machine: %d CPU%s (%s), Linux %s\n", m->cpus,
	        m->cpus == 1 ? "" : "s", m->model, m->kernel);
	if (!m->pinned)
		fprintf(out, "pinning: none (%s)\n",
		        m->cpus < 2 ? "one CPU" : "pinning failed");
	else if (m->cpu_parent == m->cpu_child)
		fprintf(out,
		        "pinning: parent and child both on CPU %d "
		        "(--same-cpu)\n",
		        m->cpu_parent);
	else
		fprintf(out, "pinning: parent on CPU %d, child on CPU %d\n",
		        m->cpu_parent, m->cpu_child);
	fprintf(out,
	        "method:  %d passes over every row, each a warm-up and a "
	        "timed round of about\n"
	        "         %.2f s; the median round, spread = (max - min) / "
	        "median of the rounds,\n"
	        "         others = share of the CPUs' time other programs "
	        "used during the rounds\n",
	        r->plan->rounds, bench_round_seconds(r->plan));
}

static void print_stream_row(FILE *out, const struct bench_report *r,
                             const struct bench_row *row)
{
	char size[24], msgs[24], vs_copy[32], vs_ref[48], noise[16];

	bench_size_text(row->size, size, sizeof(size));
	if (row->na) {
		fprintf(out, "%-8s %-17s n/a: %s\n", size, row->mech->name,
		        row->na);
		return;
	}
	fprintf(out, "%-8s %-17s %10.1f %8s %6.0f%% %8s  %-16s %s\n", size,
	        row->mech->name, row->mb_s,
	        si_text(row->msgs_s, msgs, sizeof(msgs)), row->spread * 100,
	        ratio_text(ratio(r, row, "memcpy"), NULL, vs_copy,
	                   sizeof(vs_copy)),
	        ratio_text(ratio(r, row, ref_of(row)), ref_of(row), vs_ref,
	                   sizeof(vs_ref)),
	        noise_text(row, noise, sizeof(noise)));
}

static void print_streams(FILE *out, const struct bench_report *r)
{
	size_t last = 0;

	fputs("\nOne-way throughput (MB = 10^6 bytes)\n"
	      "size     mechanism               MB/s   msgs/s  spread  "
	      "x memcpy  x reference      others\n",
	      out);
	/* Grouped by size, in the order the sizes were first measured. */
	for (size_t i = 0; i < r->count; i++) {
		size_t size = r->rows[i].size;
		bool seen = false;

		if (r->rows[i].kind != BENCH_STREAM)
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= r->rows[j].kind == BENCH_STREAM &&
			        r->rows[j].size == size;
		if (seen)
			continue;
		if (last)
			fputc('\n', out);
		last = size;
		for (size_t j = i; j < r->count; j++)
			if (r->rows[j].kind == BENCH_STREAM &&
			    r->rows[j].size == size)
				print_stream_row(out, r, &r->rows[j]);
	}
}

static void print_rtts(FILE *out, const struct bench_report *r)
{
	bool any = false;

	for (size_t i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];
		char size[24], vs_ref[48], noise[16];

		if (row->kind != BENCH_RTT)
			continue;
		if (!any)
			fputs("\nRound trip (µs; p99 = 99th percentile, the "
			      "median of the rounds')\n"
			      "mechanism         size     median       p99  "
			      "spread  x reference         others\n",
			      out);
		any = true;
		bench_size_text(row->size, size, sizeof(size));
		if (row->na) {
			fprintf(out, "%-17s %-7s n/a: %s\n", row->mech->name,
			        size, row->na);
			continue;
		}
		fprintf(out, "%-17s %-7s %9.2f %9.2f %6.0f%%  %-19s %s\n",
		        row->mech->name, size, row->median_us, row->p99_us,
		        row->spread * 100,
		        ratio_text(ratio(r, row, ref_of(row)), ref_of(row),
		                   vs_ref, sizeof(vs_ref)),
		        noise_text(row, noise, sizeof(noise)));
	}
}

void bench_print_table(FILE *out, const struct bench_report *r)
{
	bool noisy = false;

	print_header(out, r);
	print_streams(out, r);
	print_rtts(out, r);
	for (size_t i = 0; i < r->count; i++)
		noisy |= r->rows[i].measured &&
		         r->rows[i].noise >= BENCH_NOISE_WARN;
	if (noisy)
		fprintf(out,
		        "\n! other programs used %.0f%% or more of the CPUs' "
		        "time during that row:\n"
		        "  its figures are distorted; run again on a quieter "
		        "machine.\n",
		        BENCH_NOISE_WARN * 100);
}

/* ---- JSON and CSV ---- */

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void bench_print_json(FILE *out, const struct bench_report *r)
{
	const char *sep = "";

	fprintf(out,
	        "{\"machine\": {\"cpus\": %d, \"pinned\": %s, "
	        "\"kernel\": ",
	        r->machine->cpus, r->machine->pinned ? "true" : "false");
	json_string(out, r->machine->kernel);
	fputs("},\n \"rows\": [", out);
	for (size_t i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];

		if (!row->measured)
			continue;
		fprintf(out, "%s\n  {\"mechanism\": ", sep);
		json_string(out, row->mech->name);
		if (row->kind == BENCH_STREAM)
			fprintf(out,
			        ", \"kind\": \"stream\", \"size\": %zu, "
			        "\"mb_s\": %.3f, \"msgs_s\": %.1f}",
			        row->size, row->mb_s, row->msgs_s);
		else
			fprintf(out,
			        ", \"kind\": \"rtt\", \"size\": %zu, "
			        "\"median_us\": %.3f, \"p99_us\": %.3f}",
			        row->size, row->median_us, row->p99_us);
		sep = ",";
	}
	fputs("\n ]}\n", out);
}

static void csv_ratio(FILE *out, double x)
{
	if (isnan(x))
		fputc(',', out);
	else
		fprintf(out, ",%.4f", x);
}

void bench_print_csv(FILE *out, const struct bench_report *r)
{
	fputs("mechanism,kind,size,mb_s,msgs_s,median_us,p99_us,rounds,"
	      "spread_pct,others_pct,memcpy_ratio,reference,ratio\n",
	      out);
	for (size_t i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];
		const char *ref = ref_of(row);

		if (!row->measured)
			continue;
		if (row->kind == BENCH_STREAM)
			fprintf(out, "%s,stream,%zu,%.3f,%.1f,,",
			        row->mech->name, row->size, row->mb_s,
			        row->msgs_s);
		else
			fprintf(out, "%s,rtt,%zu,,,%.3f,%.3f", row->mech->name,
			        row->size, row->median_us, row->p99_us);
		fprintf(out, ",%d,%.1f,%.1f", row->rounds, row->spread * 100,
		        row->noise * 100);
		csv_ratio(out, row->kind == BENCH_STREAM
		                       ? ratio(r, row, "memcpy")
		                       : NAN);
		fprintf(out, ",%s", ref ? ref : "");
		csv_ratio(out, ratio(r, row, ref));
		fputc('\n', out);
	}
}
