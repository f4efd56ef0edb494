/*
 * parse.c - command-line values, each checked whole (STYLE §1).
 *
 * atoi() reads "junk" as 0 and "5x" as 5; these refuse both, name what
 * was expected, and exit 2 through usage_error().
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ipcdemo.h"

long long parse_num(const char *arg, long long min, long long max,
                    const char *what)
{
	char *end;
	long long value;

	errno = 0;
	value = strtoll(arg, &end, 10);
	if (end == arg || *end || isspace((unsigned char)*arg))
		usage_error("invalid %s: '%s' (not a number)", what, arg);
	if (errno == ERANGE || value < min || value > max)
		usage_error("invalid %s: '%s' (must be %lld..%lld)", what, arg,
		            min, max);
	return value;
}

static unsigned long long size_multiplier(const char *suffix)
{
	static const char units[] = "KMG";
	const char *unit;

	if (!*suffix)
		return 1;
	unit = strchr(units, toupper((unsigned char)*suffix));
	if (!unit || !*unit)
		return 0;
	/* Accept K, KB, KiB alike: all mean 1024 here. */
	if (suffix[1] && strcmp(suffix + 1, "B") && strcmp(suffix + 1, "iB"))
		return 0;
	return 1ULL << (10 * (unit - units + 1));
}

size_t parse_size(const char *arg, size_t min, size_t max, const char *what)
{
	char *end;
	unsigned long long value, multiplier;

	errno = 0;
	value = strtoull(arg, &end, 10);
	multiplier = size_multiplier(end);
	if (end == arg || !isdigit((unsigned char)*arg) || !multiplier)
		usage_error("invalid %s: '%s' (a byte count like 4096 or 64K)",
		            what, arg);
	if (errno == ERANGE || value > max / multiplier ||
	    value * multiplier < min)
		usage_error("invalid %s: '%s' (must be %zu..%zu bytes)", what,
		            arg, min, max);
	return (size_t)(value * multiplier);
}

double parse_seconds(const char *arg, double max, const char *what)
{
	char *end;
	double value;

	errno = 0;
	value = strtod(arg, &end);
	if (end == arg || *end || isspace((unsigned char)*arg) ||
	    !isfinite(value))
		usage_error("invalid %s: '%s' (a number of seconds)", what,
		            arg);
	if (errno == ERANGE || value < 0 || value > max)
		usage_error("invalid %s: '%s' (must be 0..%g seconds)", what,
		            arg, max);
	return value;
}

mode_t parse_mode(const char *arg)
{
	char *end;
	unsigned long value;

	errno = 0;
	value = strtoul(arg, &end, 8);
	if (end == arg || *end || !isdigit((unsigned char)*arg))
		usage_error("invalid mode: '%s' (octal, like 0600)", arg);
	if (errno == ERANGE || value > 0777)
		usage_error("invalid mode: '%s' (must be 0..0777)", arg);
	return (mode_t)value;
}

key_t parse_key(const char *arg)
{
	char *end;
	unsigned long long value;
	int base = 10;
	const char *digits = arg;

	if (arg[0] == '0' && (arg[1] == 'x' || arg[1] == 'X')) {
		base = 16;
		digits = arg + 2;
	}
	errno = 0;
	value = strtoull(digits, &end, base);
	if (end == digits || *end || !isxdigit((unsigned char)*digits))
		usage_error("invalid key: '%s' (0x hex or decimal)", arg);
	if (errno == ERANGE || value > UINT32_MAX)
		usage_error("invalid key: '%s' (must fit in 32 bits)", arg);
	if (value == IPC_PRIVATE)
		usage_error(
			"invalid key: '%s' (0 is IPC_PRIVATE, which another "
			"process cannot find)",
			arg);
	return (key_t)(uint32_t)value;
}

bool key_opts_parse(struct key_opts *ko, int opt, const char *arg)
{
	switch (opt) {
	case 'k':
		ko->key = parse_key(arg);
		ko->have_key = true;
		return true;
	case 'P':
		if (!*arg)
			usage_error("invalid path: '' (empty)");
		ko->path = arg;
		return true;
	case OPT_PROJ:
		/* ftok uses the low 8 bits, which must not be 0. */
		if (strlen(arg) == 1)
			ko->proj = (unsigned char)arg[0];
		else
			ko->proj = (int)parse_num(arg, 1, 255, "project id");
		return true;
	default:
		return false;
	}
}

key_t key_opts_resolve(const struct key_opts *ko)
{
	key_t key;

	if (ko->have_key)
		return ko->key;
	key = sys_ftok(ko->path, ko->proj);
	if (key == -1)
		die_errno("ftok(\"%s\", %d)", ko->path, ko->proj);
	return key;
}

const char *key_opts_origin(const struct key_opts *ko)
{
	static char origin[PATH_MAX + 32];

	if (ko->have_key)
		return "--key";
	if (isprint(ko->proj))
		snprintf(origin, sizeof(origin), "ftok(\"%s\", '%c')", ko->path,
		         ko->proj);
	else
		snprintf(origin, sizeof(origin), "ftok(\"%s\", %d)", ko->path,
		         ko->proj);
	return origin;
}
