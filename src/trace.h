/*
 * trace.h - what the wrapper files (sys.c, sysv.c) share with trace.c:
 * decoders that turn arguments and results into the text of one line.
 * Each returns a pointer into a small rotating buffer, so several can
 * appear in one trace_line() call.
 */
#ifndef IPCDEMO_TRACE_H
#define IPCDEMO_TRACE_H

#include <errno.h>

#include "ipcdemo.h"

/* "= 3", or "= -1 EACCES (Permission denied)" from errno. */
const char *tr_result(long rc);
/* "IPC_CREAT|IPC_EXCL|0600" */
const char *tr_ipc_flags(int flags);
/* IPC_RMID, IPC_STAT, SETVAL, ... */
const char *tr_ctl_cmd(int cmd);
/* O_WRONLY|O_NONBLOCK */
const char *tr_open_flags(int flags);
/* "hello\n" quoted and escaped, cut after a few dozen bytes */
const char *tr_data(const void *buf, ssize_t len);
/* {SIGUSR1,SIGUSR2}, or ~{...} when most signals are in the set */
const char *tr_sigset(const sigset_t *set);
/* "1.000s" or "forever" */
const char *tr_timeout(const struct timespec *ts);

/*
 * A call whose failure is routine polling is not traced: EINTR from the
 * tick (not a stop signal) and the timeouts of bounded waits.  Every
 * call that does something, and every real failure, is.
 */
bool tr_quiet(int err, bool timed);

/* Traces "NAME(ARGS) = RESULT" unless the failure is routine polling. */
#define TRACE(rc, timed, ...)                                                  \
	do {                                                                   \
		if (trace_enabled && !((rc) == -1 && tr_quiet(errno, timed)))  \
			trace_line(__VA_ARGS__);                               \
	} while (0)

#endif
