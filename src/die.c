/*
 * die.c - one error idiom for every applet (SPEC §2, STYLE §3).
 *
 * Messages start with the applet's name, as toybox's do, because a user
 * running "fifo-read" through its link never typed "ipcdemo".  die()
 * calls exit(), so the cleanup list still runs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ipcdemo.h"

const char *applet_name = "ipcdemo";

static void vmessage(const char *fmt, va_list ap, int errnum)
{
	fflush(stdout); /* keep our lines in order when both go to one file */
	fprintf(stderr, "%s: ", applet_name);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void die_errno(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, errnum);
	va_end(ap);
	exit(EXIT_FAILURE);
}

void warning(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
}

void warning_errno(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, errnum);
	va_end(ap);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	if (strcmp(applet_name, "ipcdemo") == 0)
		fputs("Try 'ipcdemo --help'.\n", stderr);
	else
		fprintf(stderr, "Try 'ipcdemo %s --help'.\n", applet_name);
	exit(EXIT_USAGE);
}

void usage_bad_option(int opt, char **argv)
{
	/*
	 * getopt_long has moved past a long option or a missing argument, so
	 * argv[optind - 1] is the word at fault; a bad short option inside a
	 * cluster ("-xq") is named only by optopt.
	 */
	const char *word = argv[optind - 1];
	bool is_long = strncmp(word, "--", 2) == 0;

	if (opt == ':' && is_long)
		usage_error("option '%s' requires an argument", word);
	if (opt == ':')
		usage_error("option '-%c' requires an argument", optopt);
	/* glibc names a known long option given "=VALUE" in optopt. */
	if (is_long && optopt != 0 && strchr(word, '='))
		usage_error("option '%.*s' doesn't allow an argument",
		            (int)(strchr(word, '=') - word), word);
	if (optopt == 0 || is_long)
		usage_error("unrecognized option '%s'", word);
	usage_error("invalid option '-%c'", optopt);
}

void usage_help(const char *usage)
{
	fputs(usage, stdout);
	exit(EXIT_SUCCESS);
}

void usage_no_operands(int argc, char **argv)
{
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
}
