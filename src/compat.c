/*
 * compat.c - util-linux's conventions, for the applets that stand in
 * for util-linux tools (ipcrm-clone, ipcs; SPEC §4.6, §4.7).
 *
 * Scripts match these tools' output byte for byte, so the applets do
 * what util-linux's c.h, closestream.h and strutils.h do rather than
 * what the rest of ipcdemo does: messages named after the tool they
 * replace ("ipcrm: ", however the applet was called), exit status 1 for
 * bad usage, "Try 'ipcrm --help' for more information.", stdout
 * buffered as stdio buffers it by default (so stdout and stderr
 * interleave alike when both go to one file: warnings are not preceded
 * by a flush), SIGPIPE at its default, and the locale set from the
 * environment.
 */
#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

static const char *compat_name = "ipcdemo";

void compat_init(const char *name)
{
	compat_name = name;
	/* Full buffering unless on a terminal: stdio's own default. */
	setvbuf(stdout, NULL, isatty(STDOUT_FILENO) ? _IOLBF : _IOFBF, 0);
	signal(SIGPIPE, SIG_DFL);
	/*
	 * errno is left as setlocale() leaves it, on purpose: util-linux
	 * reports an empty key with whatever errno its locale set-up left
	 * (see ipcrm-clone's read_key()).
	 */
	errno = 0;
	setlocale(LC_ALL, "");
}

static void vmessage(const char *fmt, va_list ap, int errnum)
{
	fprintf(stderr, "%s: ", compat_name);
	vfprintf(stderr, fmt, ap);
	if (errnum)
		fprintf(stderr, ": %s", strerror(errnum));
	fputc('\n', stderr);
}

void compat_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
}

void compat_warn(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, errnum);
	va_end(ap);
}

void compat_errx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, 0);
	va_end(ap);
	exit(compat_close_stdout(EXIT_FAILURE));
}

void compat_err(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, errnum);
	va_end(ap);
	exit(compat_close_stdout(EXIT_FAILURE));
}

void compat_try_help(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", compat_name);
	exit(compat_close_stdout(EXIT_FAILURE));
}

void compat_version(void)
{
	printf("%s from ipcdemo %s\n", compat_name, IPCDEMO_VERSION);
	exit(compat_close_stdout(EXIT_SUCCESS));
}

void compat_help(const char *text)
{
	fputs(text, stdout);
	exit(compat_close_stdout(EXIT_SUCCESS));
}

int compat_getopt(int argc, char **argv, const char *optstring,
                  const struct option *longopts)
{
	char *invoked = argv[0];
	int c;

	/*
	 * glibc's getopt names the program by argv[0] in its messages
	 * ("ipcrm: invalid option -- 'x'"); lend it the tool's name.
	 */
	argv[0] = (char *)compat_name;
	opterr = 1;
	c = getopt_long(argc, argv, optstring, longopts, NULL);
	argv[0] = invoked;
	return c;
}

int32_t compat_strtos32(const char *str, const char *errmesg)
{
	char *end;
	intmax_t num;

	if (!*str) {
		errno = EINVAL;
		compat_errx("%s: '%s'", errmesg, str);
	}
	/* The checks run in util-linux's order, which picks the message. */
	errno = 0;
	num = strtoimax(str, &end, 10);
	if (errno == ERANGE)
		compat_err("%s: '%s'", errmesg, str);
	if (errno || end == str || *end)
		compat_errx("%s: '%s'", errmesg, str);
	if (num < INT32_MIN || num > INT32_MAX) {
		errno = ERANGE;
		compat_err("%s: '%s'", errmesg, str);
	}
	return (int32_t)num;
}

int compat_close_stdout(int rc)
{
	bool earlier_failure = ferror(stdout) != 0;
	bool flush_failure = fflush(stdout) == EOF;

	/*
	 * As util-linux's close_stdout(): a reader that has gone is not
	 * reported, and a failure seen only earlier has no errno to name.
	 */
	if (!earlier_failure && !flush_failure)
		return rc;
	if (!flush_failure && errno != EPIPE)
		errno = 0;
	clearerr(stdout);
	if (errno == EPIPE)
		return rc;
	if (errno)
		compat_warn("write error");
	else
		compat_warnx("write error");
	return EXIT_FAILURE;
}
