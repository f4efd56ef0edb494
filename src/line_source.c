/*
 * line_source.c - the lines a sending side sends (SPEC §3): each -m
 * TEXT argument, or else the lines of standard input, prompted for on a
 * terminal, until EOF or a line 'quit'.
 *
 * pipe, fifo-write, msg-client and shm-client all send this way; the
 * loop lives here so that the prompt, the quit line and the errors of
 * standard input mean the same in each.  What differs is kept as
 * options: a quit line that is sent on (fifo-write), a -m quit that
 * ends the texts (shm-client), a pipe watched for its reader
 * (line_reader_watch) or a peer looked at while waiting for input.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

void line_source_add(struct line_source *ls, char *text)
{
	if (ls->count == ls->cap) {
		size_t cap = ls->cap ? 2 * ls->cap : 8;
		char **texts = realloc(ls->texts, cap * sizeof(*texts));

		if (!texts)
			die("out of memory");
		ls->texts = texts;
		ls->cap = cap;
	}
	ls->texts[ls->count++] = text;
}

/* Standard input's reader, set up on first use. */
static struct line_reader *input(struct line_source *ls)
{
	if (!ls->reading) {
		line_reader_init(&ls->in, STDIN_FILENO);
		ls->reading = true;
	}
	return &ls->in;
}

void line_source_watch(struct line_source *ls, int fd)
{
	line_reader_watch(input(ls), fd);
}

void line_source_idle(struct line_source *ls, int ms, void (*fn)(void *arg),
                      void *arg)
{
	ls->idle = fn;
	ls->idle_arg = arg;
	ls->idle_ms = ms;
}

/* True if line_read() can return without waiting for more input. */
static bool buffered(const struct line_reader *lr)
{
	return lr->eof ||
	       (lr->end > lr->start &&
	        memchr(lr->buf + lr->start, '\n', lr->end - lr->start));
}

/*
 * Waits for input, calling the idle function each time idle_ms pass
 * without any.  False on a stop signal (errno EINTR).
 */
static bool wait_for_input(struct line_source *ls)
{
	while (!buffered(&ls->in)) {
		int rc = wait_readable(ls->in.fd, ls->idle_ms);

		if (rc > 0)
			break;
		if (rc < 0 && errno == EINTR)
			return false;
		if (rc < 0)
			die_errno("poll standard input");
		ls->idle(ls->idle_arg);
	}
	return true;
}

static ssize_t next_text(struct line_source *ls, char **line)
{
	if (ls->next == ls->count) {
		errno = 0;
		return -1;
	}
	*line = ls->texts[ls->next++];
	return (ssize_t)strlen(*line);
}

static ssize_t next_input(struct line_source *ls, char **line)
{
	struct line_reader *lr = input(ls);
	ssize_t len;

	prompt_if_tty();
	if (ls->idle && !wait_for_input(ls))
		return -1;
	len = line_read(lr, line);
	/* EINTR is a stop, EPIPE the watched pipe: the caller's to say. */
	if (len < 0 && errno && errno != EINTR && errno != EPIPE)
		die_errno("read standard input");
	return len;
}

ssize_t line_source_next(struct line_source *ls, char **line)
{
	ssize_t len;

	if (ls->ended) {
		errno = 0;
		return -1;
	}
	len = ls->count ? next_text(ls, line) : next_input(ls, line);
	if (len < 0) {
		ls->ended = errno == 0;
		return -1;
	}
	if (is_quit_line(*line) && (!ls->count || ls->quit_ends_texts)) {
		ls->ended = true;
		if (!ls->send_quit) {
			errno = 0;
			return -1;
		}
	}
	return len;
}

void line_source_free(struct line_source *ls)
{
	free(ls->texts);
	ls->texts = NULL;
	ls->count = ls->cap = ls->next = 0;
	if (ls->reading)
		line_reader_free(&ls->in);
	ls->reading = false;
}
