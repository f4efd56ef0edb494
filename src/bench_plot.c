/*
 * bench_plot.c - --plot FILE.svg: throughput against message size, one
 * line per mechanism, both axes logarithmic, memcpy (the copy limit)
 * drawn thick and black over the others.
 *
 * Plain SVG 1.1 with no script and no external style, so any browser
 * opens it; each point carries a <title>, which browsers show as a
 * tooltip with the exact figure.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "bench.h"
#include "ipcdemo.h"

#define WIDTH 960
#define HEIGHT 600
#define LEFT 90
#define RIGHT (WIDTH - 230)
#define TOP 70
#define BOTTOM (HEIGHT - 70)
#define LEGEND_X (RIGHT + 25)

static const char *const colours[] = {
	"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
	"#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#393b79", "#637939",
};
#define COLOURS (sizeof(colours) / sizeof(colours[0]))

struct axes {
	double xlo, xhi; /* log2 of the size */
	double ylo, yhi; /* log10 of MB/s */
};

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '&')
			fputs("&amp;", out);
		else if (*s == '<')
			fputs("&lt;", out);
		else if (*s == '>')
			fputs("&gt;", out);
		else if (*s == '"')
			fputs("&quot;", out);
		else
			fputc(*s, out);
	}
}

static bool plotted(const struct bench_row *row)
{
	return row->kind == BENCH_STREAM && row->measured && row->mb_s > 0;
}

/* Both ranges from the points, whole decades on the y axis. */
static bool find_axes(const struct bench_report *r, struct axes *a)
{
	double xmin = INFINITY, xmax = -INFINITY;
	double ymin = INFINITY, ymax = -INFINITY;

	for (size_t i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];

		if (!plotted(row))
			continue;
		xmin = fmin(xmin, log2((double)row->size));
		xmax = fmax(xmax, log2((double)row->size));
		ymin = fmin(ymin, log10(row->mb_s));
		ymax = fmax(ymax, log10(row->mb_s));
	}
	if (!isfinite(xmin))
		return false;
	a->xlo = xmin - 0.5;
	a->xhi = xmax + 0.5;
	a->ylo = floor(ymin);
	a->yhi = ceil(ymax);
	if (a->yhi <= a->ylo)
		a->yhi = a->ylo + 1;
	return true;
}

static double px(const struct axes *a, size_t size)
{
	return LEFT + (log2((double)size) - a->xlo) / (a->xhi - a->xlo) *
	                      (RIGHT - LEFT);
}

static double py(const struct axes *a, double mb_s)
{
	return BOTTOM -
	       (log10(mb_s) - a->ylo) / (a->yhi - a->ylo) * (BOTTOM - TOP);
}

static void draw_frame(FILE *out, const struct bench_report *r,
                       const struct axes *a)
{
	const struct bench_machine *m = r->machine;

	fprintf(out,
	        "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
	        "<text x=\"%d\" y=\"28\" font-size=\"18\" "
	        "font-weight=\"bold\">ipcdemo bench: one-way throughput "
	        "against message size</text>\n"
	        "<text x=\"%d\" y=\"50\" font-size=\"12\">",
	        WIDTH, HEIGHT, LEFT, LEFT);
	fprintf(out, "%d CPUs (", m->cpus);
	xml_text(out, m->model);
	fprintf(out, "), Linux ");
	xml_text(out, m->kernel);
	fprintf(out, ", %s, %s</text>\n",
	        m->pinned ? (m->cpu_parent == m->cpu_child ? "same CPU"
	                                                   : "pinned")
	                  : "not pinned",
	        m->date);
	/* Decades on y, each measured size on x. */
	for (double d = a->ylo; d <= a->yhi + 1e-9; d++) {
		double y = py(a, pow(10, d));

		fprintf(out,
		        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
		        "stroke=\"#ddd\"/>\n"
		        "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" "
		        "text-anchor=\"end\">%g</text>\n",
		        LEFT, y, RIGHT, y, LEFT - 6, y + 4, pow(10, d));
	}
	for (size_t i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];
		bool seen = false;
		char label[24];
		double x;

		for (size_t j = 0; j < i; j++)
			seen |= plotted(&r->rows[j]) &&
			        r->rows[j].size == row->size;
		if (!plotted(row) || seen)
			continue;
		x = px(a, row->size);
		fprintf(out,
		        "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" "
		        "stroke=\"#ddd\"/>\n"
		        "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" "
		        "text-anchor=\"middle\">%s</text>\n",
		        x, TOP, x, BOTTOM, x, BOTTOM + 18,
		        bench_size_text(row->size, label, sizeof(label)));
	}
	fprintf(out,
	        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	        "fill=\"none\" stroke=\"black\"/>\n"
	        "<text x=\"%d\" y=\"%d\" font-size=\"14\" "
	        "text-anchor=\"middle\">message size (log scale)</text>\n"
	        "<text transform=\"translate(24 %d) rotate(-90)\" "
	        "font-size=\"14\" text-anchor=\"middle\">throughput, MB/s "
	        "(10^6 bytes a second, log scale)</text>\n",
	        LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP, (LEFT + RIGHT) / 2,
	        BOTTOM + 45, (TOP + BOTTOM) / 2);
}

/* One mechanism's line, points and legend entry (number n). */
static void draw_series(FILE *out, const struct bench_report *r,
                        const struct axes *a, const struct bench_mech *m, int n)
{
	bool copy = strcmp(m->name, "memcpy") == 0;
	bool raw = strncmp(m->name, "raw-", 4) == 0;
	const char *colour = copy ? "black" : colours[(size_t)n % COLOURS];
	const char *dash = raw ? " stroke-dasharray=\"6 4\"" : "";
	double legend_y = TOP + 10 + 20.0 * n;

	fprintf(out,
	        "<polyline fill=\"none\" stroke=\"%s\" "
	        "stroke-width=\"%d\"%s points=\"",
	        colour, copy ? 3 : 2, dash);
	for (size_t i = 0; i < r->count; i++)
		if (r->rows[i].mech == m && plotted(&r->rows[i]))
			fprintf(out, "%.1f,%.1f ", px(a, r->rows[i].size),
			        py(a, r->rows[i].mb_s));
	fputs("\"/>\n", out);
	for (size_t i = 0; i < r->count; i++) {
		const struct bench_row *row = &r->rows[i];
		char label[24];

		if (row->mech != m || !plotted(row))
			continue;
		fprintf(out,
		        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" "
		        "fill=\"%s\"><title>%s, %s: %.1f MB/s</title>"
		        "</circle>\n",
		        px(a, row->size), py(a, row->mb_s), colour, m->name,
		        bench_size_text(row->size, label, sizeof(label)),
		        row->mb_s);
	}
	fprintf(out,
	        "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" "
	        "stroke=\"%s\" stroke-width=\"%d\"%s/>\n"
	        "<text x=\"%d\" y=\"%.1f\" font-size=\"13\">%s%s</text>\n",
	        LEGEND_X, legend_y, LEGEND_X + 30, legend_y, colour,
	        copy ? 3 : 2, dash, LEGEND_X + 38, legend_y + 4, m->name,
	        copy ? " (copy limit)" : "");
}

static void draw_all(FILE *out, const struct bench_report *r)
{
	struct axes a;
	int n = 0;

	fprintf(out,
	        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	        "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	        "font-family=\"sans-serif\">\n",
	        WIDTH, HEIGHT, WIDTH, HEIGHT);
	if (!find_axes(r, &a)) {
		fputs("<text x=\"40\" y=\"60\">no throughput rows were "
		      "measured</text>\n</svg>\n",
		      out);
		return;
	}
	draw_frame(out, r, &a);
	/* One series per mechanism, in the order of their first row. */
	for (size_t i = 0; i < r->count; i++) {
		bool seen = false;

		if (!plotted(&r->rows[i]))
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= plotted(&r->rows[j]) &&
			        r->rows[j].mech == r->rows[i].mech;
		if (!seen)
			draw_series(out, r, &a, r->rows[i].mech, n++);
	}
	fputs("</svg>\n", out);
}

bool bench_write_svg(const char *path, const struct bench_report *r)
{
	FILE *out = fopen(path, "w");
	int err;

	if (!out)
		return false;
	draw_all(out, r);
	if (ferror(out)) {
		err = errno;
		fclose(out);
		errno = err ? err : EIO;
		return false;
	}
	return fclose(out) == 0;
}
