/*
 * msg_channel.c - fragments, reassembly, bounded waits and the beacon
 * of the message-queue channel; the design is in msg_channel.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg_channel.h"

#define MSGMAX_FILE "/proc/sys/kernel/msgmax"
#define HEADER_BYTES sizeof(struct msg_header)

/* A text that is coming in fragments from one sender. */
struct msg_partial {
	pid_t pid;
	uint32_t seq;
	uint16_t kind;
	uint32_t total;
	uint32_t got;
	size_t cap;
	char *buf;
};

size_t msg_max_size(void)
{
	unsigned long long value;

	if (!read_number_file(MSGMAX_FILE, &value) || value <= HEADER_BYTES)
		value = MSG_DEFAULT_MSGMAX;
	return (size_t)value;
}

static struct msg_packet *packet_alloc(size_t msgmax)
{
	/* One byte more than msgmax, for the NUL after a received text. */
	struct msg_packet *p = malloc(sizeof(long) + msgmax + 1);

	if (!p)
		die("out of memory for a %zu-byte message buffer", msgmax);
	return p;
}

/* The text bytes one message carries in this queue. */
static size_t fragment_room(size_t msgmax, size_t qbytes)
{
	/* A message bigger than what the queue can hold beside the beacon
	 * would wait for room forever. */
	size_t room = msgmax;

	if (qbytes > MSG_BEACON_BYTES && qbytes - MSG_BEACON_BYTES < room)
		room = qbytes - MSG_BEACON_BYTES;
	return room > HEADER_BYTES ? room - HEADER_BYTES : 1;
}

int msg_channel_init(struct msg_channel *ch, int msqid)
{
	struct msqid_ds ds;

	*ch = (struct msg_channel){ .msqid = msqid, .self = getpid() };
	if (sys_msgctl(msqid, IPC_STAT, &ds) == -1)
		return -1;
	ch->msgmax = msg_max_size();
	ch->frag_max = fragment_room(ch->msgmax, ds.msg_qbytes);
	ch->out = packet_alloc(ch->msgmax);
	ch->in = packet_alloc(ch->msgmax);
	return 0;
}

void msg_channel_free(struct msg_channel *ch)
{
	for (size_t i = 0; i < ch->partial_count; i++)
		free(ch->partials[i].buf);
	free(ch->partials);
	free(ch->whole);
	free(ch->out);
	free(ch->in);
	*ch = (struct msg_channel){ .msqid = -1 };
}

void msg_wait_timeout(struct msg_wait *w, double seconds)
{
	if (seconds < 0) {
		w->deadline = (struct timespec){ 0, 0 };
		return;
	}
	w->deadline = monotonic_after(seconds);
}

static bool past(const struct timespec *deadline)
{
	struct timespec now;

	if (deadline->tv_sec == 0 && deadline->tv_nsec == 0)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec &&
	        now.tv_nsec >= deadline->tv_nsec);
}

/*
 * After EINTR from a blocking msgsnd/msgrcv: 0 to block again, or -1
 * with errno saying why to give up.  Runs once a second at most (the
 * tick), so its kill(2) costs nothing per message.
 */
static int after_interrupt(const struct msg_wait *w)
{
	if (stop_signal()) {
		errno = EINTR;
		return -1;
	}
	if (!w)
		return 0;
	if (w->on_tick)
		w->on_tick(w->arg);
	if (past(&w->deadline)) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (w->peer > 0 && !msg_pid_alive(w->peer, w->peer_start)) {
		errno = ESRCH;
		return -1;
	}
	return 0;
}

char *msg_send_buffer(struct msg_channel *ch)
{
	return ch->out->text;
}

static int send_fragment(struct msg_channel *ch, size_t len,
                         const struct msg_wait *w)
{
	while (sys_msgsnd(ch->msqid, ch->out, HEADER_BYTES + len, 0) == -1)
		if (errno != EINTR || after_interrupt(w) == -1)
			return -1;
	return 0;
}

int msg_send(struct msg_channel *ch, long type, enum msg_kind kind,
             uint32_t seq, const void *text, size_t len,
             const struct msg_wait *w)
{
	struct msg_packet *p = ch->out;
	size_t done = 0;

	if (len > MSG_TEXT_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	p->mtype = type;
	p->h = (struct msg_header){
		.magic = MSG_MAGIC,
		.version = MSG_VERSION,
		.kind = (uint16_t)kind,
		.pid = (int32_t)ch->self,
		.seq = seq,
		.total = (uint32_t)len,
	};
	/* Built in place by the caller: nothing to copy. */
	if (text == p->text && len <= ch->frag_max)
		return send_fragment(ch, len, w);
	do {
		size_t piece =
			len - done < ch->frag_max ? len - done : ch->frag_max;

		p->h.offset = (uint32_t)done;
		if (piece)
			memcpy(p->text, (const char *)text + done, piece);
		if (send_fragment(ch, piece, w) == -1)
			return -1;
		done += piece;
	} while (done < len);
	return 0;
}

/* ---- receiving ---- */

static void drop_partial(struct msg_channel *ch, size_t i)
{
	free(ch->partials[i].buf);
	ch->partials[i] = ch->partials[--ch->partial_count];
}

static struct msg_partial *find_partial(struct msg_channel *ch, pid_t pid)
{
	for (size_t i = 0; i < ch->partial_count; i++)
		if (ch->partials[i].pid == pid)
			return &ch->partials[i];
	return NULL;
}

static struct msg_partial *new_partial(struct msg_channel *ch,
                                       const struct msg_header *h)
{
	struct msg_partial *p;

	if (ch->partial_count == ch->partial_cap) {
		size_t cap = ch->partial_cap ? 2 * ch->partial_cap : 4;

		p = realloc(ch->partials, cap * sizeof(*p));
		if (!p)
			die("out of memory");
		ch->partials = p;
		ch->partial_cap = cap;
	}
	p = &ch->partials[ch->partial_count++];
	*p = (struct msg_partial){
		.pid = h->pid, .seq = h->seq, .kind = h->kind, .total = h->total
	};
	return p;
}

/*
 * Appends a fragment's bytes.  The buffer grows with what has arrived,
 * not with what the header claims, so a lying total costs nothing.
 */
static void append(struct msg_partial *p, const char *bytes, size_t len)
{
	size_t need = (size_t)p->got + len + 1;

	if (need > p->cap) {
		size_t cap = p->cap ? p->cap : 4096;

		while (cap < need)
			cap *= 2;
		if (cap > (size_t)p->total + 1)
			cap = (size_t)p->total + 1;
		p->buf = realloc(p->buf, cap);
		if (!p->buf)
			die("out of memory for a message of %" PRIu32 " bytes",
			    p->total);
		p->cap = cap;
	}
	memcpy(p->buf + p->got, bytes, len);
	p->got += (uint32_t)len;
}

static void hand_out(struct msg_message *m, const struct msg_header *h,
                     char *text, size_t len)
{
	text[len] = '\0';
	*m = (struct msg_message){ .kind = (enum msg_kind)h->kind,
		                   .pid = h->pid,
		                   .seq = h->seq,
		                   .text = text,
		                   .len = len };
}

/*
 * Files one fragment of len text bytes (header in *h, bytes in ch->in).
 * Returns true when it completed a message, now in *m.
 */
static bool take_fragment(struct msg_channel *ch, const struct msg_header *h,
                          size_t len, struct msg_message *m)
{
	struct msg_partial *p =
		ch->partial_count ? find_partial(ch, h->pid) : NULL;

	if (h->offset == 0) {
		if (p) {
			warning("sender %d started a new message before "
			        "finishing the last; dropped %" PRIu32
			        " bytes of it",
			        (int)h->pid, p->got);
			drop_partial(ch, (size_t)(p - ch->partials));
		}
		if (len == h->total) {
			hand_out(m, h, ch->in->text, len);
			return true;
		}
		p = new_partial(ch, h);
	} else if (!p || p->seq != h->seq || p->kind != h->kind ||
	           p->total != h->total || p->got != h->offset) {
		warning("dropped a fragment from sender %d at offset %" PRIu32
		        " that does not continue any message of its",
		        (int)h->pid, h->offset);
		if (p)
			drop_partial(ch, (size_t)(p - ch->partials));
		return false;
	}
	append(p, ch->in->text, len);
	if (p->got < p->total)
		return false;
	free(ch->whole);
	ch->whole = p->buf;
	p->buf = NULL;
	hand_out(m, h, ch->whole, p->total);
	drop_partial(ch, (size_t)(p - ch->partials));
	return true;
}

/* Checks what msgrcv() put in ch->in; false (and a warning) to drop it. */
static bool valid(const struct msg_channel *ch, size_t n, struct msg_header *h)
{
	size_t len;

	if (n < HEADER_BYTES) {
		warning("dropped a %zu-byte message of type %ld: too short for "
		        "our header",
		        n, ch->in->mtype);
		return false;
	}
	memcpy(h, &ch->in->h, sizeof(*h)); /* read once, check the copy */
	len = n - HEADER_BYTES;
	if (h->magic != MSG_MAGIC || h->version != MSG_VERSION) {
		warning("dropped a %zu-byte message of type %ld: not from "
		        "ipcdemo's msg channel (version %u)",
		        n, ch->in->mtype, (unsigned)h->version);
		return false;
	}
	if (h->pid <= 0 || h->pid > MSG_PID_LIMIT || h->total > MSG_TEXT_MAX ||
	    h->offset > h->total || len > h->total - h->offset) {
		warning("dropped a message from sender %d: its lengths do not "
		        "add up (total %" PRIu32 ", offset %" PRIu32
		        ", %zu bytes)",
		        (int)h->pid, h->total, h->offset, len);
		return false;
	}
	return true;
}

/*
 * E2BIG: a message longer than our buffer, so msgmax has grown since we
 * read it.  Grow the buffers if it has; otherwise the message cannot be
 * ours, so take it out truncated (MSG_NOERROR) rather than block on it.
 */
static void oversized(struct msg_channel *ch, long type)
{
	size_t msgmax = msg_max_size();

	if (msgmax > ch->msgmax) {
		free(ch->in);
		free(ch->out);
		ch->msgmax = msgmax;
		ch->in = packet_alloc(msgmax);
		ch->out = packet_alloc(msgmax);
		return;
	}
	if (sys_msgrcv(ch->msqid, ch->in, ch->msgmax, type,
	               IPC_NOWAIT | MSG_NOERROR) >= 0)
		warning("dropped a message of type %ld longer than msgmax "
		        "(%zu bytes)",
		        type, ch->msgmax);
}

int msg_recv(struct msg_channel *ch, long type, struct msg_message *m,
             const struct msg_wait *w)
{
	struct msg_header h;

	for (;;) {
		ssize_t n = sys_msgrcv(ch->msqid, ch->in, ch->msgmax, type, 0);

		if (n == -1) {
			if (errno == E2BIG) {
				oversized(ch, type);
				continue;
			}
			if (errno != EINTR || after_interrupt(w) == -1)
				return -1;
			continue;
		}
		if (valid(ch, (size_t)n, &h) &&
		    take_fragment(ch, &h, (size_t)n - HEADER_BYTES, m))
			return 0;
	}
}

size_t msg_reclaim(struct msg_channel *ch, long type)
{
	/*
	 * Not into ch->in, which may hold the text being replied to; the
	 * bytes do not matter, so MSG_NOERROR cuts them to fit.
	 */
	struct {
		long mtype;
		char text[64];
	} scratch;
	size_t count = 0;

	for (;;) {
		ssize_t n =
			sys_msgrcv(ch->msqid, &scratch, sizeof(scratch.text),
		                   type, IPC_NOWAIT | MSG_NOERROR);

		if (n >= 0)
			count++;
		else if (errno != EINTR || stop_signal())
			return count;
	}
}

size_t msg_sweep_partials(struct msg_channel *ch)
{
	size_t dropped = 0;

	for (size_t i = 0; i < ch->partial_count;) {
		if (msg_pid_alive(ch->partials[i].pid, 0)) {
			i++;
			continue;
		}
		drop_partial(ch, i);
		dropped++;
	}
	return dropped;
}

/* ---- the beacon ---- */

int msg_beacon_post(struct msg_channel *ch, long request_type)
{
	struct msg_beacon b = {
		.request_type = request_type,
		.start_time = msg_process_start_time(ch->self),
	};

	return msg_send(ch, MSG_BEACON_TYPE, MSG_BEACON, 0, &b, sizeof(b),
	                NULL);
}

int msg_beacon_read(int msqid, struct msg_beacon_info *b)
{
	struct {
		long mtype;
		struct msg_header h;
		struct msg_beacon b;
	} pkt;
	struct msg_header h;
	struct msg_beacon body;
	ssize_t n;

	/* MSG_COPY: a copy of message number 0, which stays in the queue. */
	do
		n = sys_msgrcv(msqid, &pkt, sizeof(pkt) - sizeof(long), 0,
		               IPC_NOWAIT | MSG_COPY);
	while (n == -1 && errno == EINTR && !stop_signal());
	if (n == -1)
		return errno == ENOMSG || errno == E2BIG ? 0 : -1;
	memcpy(&h, &pkt.h, sizeof(h));
	memcpy(&body, &pkt.b, sizeof(body));
	if ((size_t)n != MSG_BEACON_BYTES || pkt.mtype != MSG_BEACON_TYPE ||
	    h.magic != MSG_MAGIC || h.version != MSG_VERSION ||
	    h.kind != MSG_BEACON || h.pid <= 0 || h.pid > MSG_PID_LIMIT ||
	    body.request_type <= 0 || body.request_type > MSG_TYPE_MAX)
		return 0;
	*b = (struct msg_beacon_info){ .pid = h.pid,
		                       .start_time = body.start_time,
		                       .request_type =
		                               (long)body.request_type };
	return 1;
}

/* ---- peers ---- */

bool msg_queue_gone(int err)
{
	return err == EIDRM || err == EINVAL;
}

/*
 * Field 3 (state) and field 22 (starttime) of /proc/PID/stat; false if
 * the process has no such file.
 */
static bool proc_stat(pid_t pid, char *state, uint64_t *start)
{
	char path[64], line[1024], *p;
	unsigned long long ticks = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	/* The name in parentheses may hold anything: count from the last ')'.
	 */
	if (!p || !(p = strrchr(line, ')')) || p[1] != ' ')
		return false;
	*state = p[2];
	/* The ')' ends field 2; each space starts the next field. */
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p, " %llu", &ticks) != 1)
		ticks = 0;
	*start = ticks;
	return true;
}

uint64_t msg_process_start_time(pid_t pid)
{
	uint64_t start;
	char state;

	return proc_stat(pid, &state, &start) ? start : 0;
}

bool msg_pid_alive(pid_t pid, uint64_t start_time)
{
	uint64_t start;
	char state;

	if (!pid_alive(pid))
		return false;
	/* kill(pid, 0) succeeds on a zombie too: ask /proc. */
	if (!proc_stat(pid, &state, &start))
		return true;
	if (state == 'Z' || state == 'X')
		return false;
	return start_time == 0 || start == 0 || start == start_time;
}
