/*
 * bench_stats.c - the few statistics bench reports: a quantile of the
 * round trips of a round, and the medians and spread of a row's rounds.
 *
 * Medians, not means: on a shared machine one round or one trip that
 * waited for a preempted process would drag a mean anywhere, while the
 * median moves only when most of them do.
 */
#include <stddef.h>

#include "bench.h"

static void swap(double *a, double *b)
{
	double t = *a;

	*a = *b;
	*b = t;
}

/*
 * The k-th smallest of v[0..n): quickselect with a three-way partition,
 * since round trips timed in nanoseconds repeat the same value often.
 * Reorders v.
 */
static double select_kth(double *v, size_t n, size_t k)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		double pivot = v[lo + (hi - lo) / 2];
		size_t lt = lo, i = lo, gt = hi + 1;

		/* [lo, lt) < pivot, [lt, i) == pivot, [gt, hi] > pivot */
		while (i < gt) {
			if (v[i] < pivot)
				swap(&v[lt++], &v[i++]);
			else if (v[i] > pivot)
				swap(&v[i], &v[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt - 1;
		else if (k >= gt)
			lo = gt;
		else
			return pivot;
	}
	return v[k];
}

/* The q-quantile (0..1) of v[0..n), nearest rank. */
double bench_quantile(double *v, size_t n, double q)
{
	size_t k = (size_t)(q * (double)n);

	return select_kth(v, n, k < n ? k : n - 1);
}

/* (max - min) / median: how far apart the rounds were. */
double bench_spread(const double *v, int n, double median)
{
	double lo = v[0], hi = v[0];

	for (int i = 1; i < n; i++) {
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	return median > 0 ? (hi - lo) / median : 0;
}
