/*
 * shm_channel.c - the shared-memory channel of shm_channel.h: the
 * header, connecting, and the two rings (waiting is in shm_wait.c).
 *
 * A ring is a byte array with two positions that only grow: head,
 * written by the producer, and tail, by the consumer.  The producer
 * writes a record (length, flags, bytes, padding to 8) at head % size
 * and then publishes the new head; the consumer copies the record out
 * and publishes the new tail, not after every record but when a
 * quarter of the ring is free again or it is about to wait, so a
 * stream of small messages does not make the producer miss its cache
 * on every one.
 *
 * STYLE §5: every position, length and flag the peer wrote is loaded
 * once into a local, checked against our private copy of the truth
 * (a head never goes back, is never more than a ring ahead, a record is
 * never longer than what was written), and only then used.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shm_wait.h"

#define REC_MORE 0x1u /* another fragment of this message follows */
#define REC_HDR 8u

/* A record in a ring: this header, then len bytes, padded to 8. */
struct rec {
	uint32_t len;
	uint32_t flags;
};

static const char *const ring_names[2] = {
	[SHM_SERVER] = "server->client",
	[SHM_CLIENT] = "client->server",
};

const char *shm_sync_name(enum shm_sync sync)
{
	switch (sync) {
	case SHM_SYNC_SIGNAL:
		return "signal";
	case SHM_SYNC_SEM:
		return "sem";
	case SHM_SYNC_FUTEX:
		return "futex";
	}
	return "unknown";
}

enum shm_sync shm_sync_parse(const char *name)
{
	static const enum shm_sync all[] = { SHM_SYNC_SIGNAL, SHM_SYNC_SEM,
		                             SHM_SYNC_FUTEX };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(name, shm_sync_name(all[i])) == 0)
			return all[i];
	return 0;
}

enum shm_sync shm_sync_arg(const char *arg)
{
	enum shm_sync sync = shm_sync_parse(arg);

	if (!sync)
		usage_error("invalid sync mode: '%s' (signal, sem or futex)",
		            arg);
	return sync;
}

long shm_spin_arg(const char *arg)
{
	return (long)parse_num(arg, 0, SHM_MAX_SPIN_US, "spin time");
}

static uint64_t pad8(uint64_t n)
{
	return (n + 7) & ~(uint64_t)7;
}

/* Each ring gets half the data area, in whole cache lines. */
static uint32_t ring_size(size_t data_size)
{
	return (uint32_t)((data_size / 2) & ~(size_t)(SHM_LINE - 1));
}

/* ---- the header ---- */

bool shm_chan_format(void *base, size_t size, enum shm_sync sync, pid_t server)
{
	struct shm_header *h = base;

	if (size < SHM_MIN_SIZE || size > SHM_MAX_SIZE)
		return false;
	memset(h, 0, sizeof(*h));
	h->version = SHM_VERSION;
	h->header_size = sizeof(*h);
	h->sync_mode = sync;
	h->data_size = (uint32_t)(size - sizeof(*h));
	h->server_pid = (int32_t)server;
	return true;
}

void shm_chan_publish(void *base)
{
	struct shm_header *h = base;

	/* A reader that sees the magic (acquire) sees all of the above. */
	__atomic_store_n(&h->magic, SHM_MAGIC, __ATOMIC_RELEASE);
}

/* Plain header words may change under us: read each exactly once. */
static uint32_t read32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static uint16_t read16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

bool shm_chan_check(const void *base, size_t size, char *why, size_t len)
{
	const struct shm_header *h = base;
	uint32_t magic, sync, data_size;
	uint16_t version, header_size;
	int32_t server;

	if (size < SHM_MIN_SIZE) {
		snprintf(why, len,
		         "%zu bytes is too small for a channel (at "
		         "least %zu)",
		         size, SHM_MIN_SIZE);
		return false;
	}
	magic = read32(&h->magic);
	if (magic != SHM_MAGIC) {
		snprintf(why, len,
		         "bad magic 0x%08" PRIx32 " (expected 0x%08x)", magic,
		         SHM_MAGIC);
		return false;
	}
	version = read16(&h->version);
	header_size = read16(&h->header_size);
	sync = read32(&h->sync_mode);
	data_size = read32(&h->data_size);
	server = (int32_t)read32((const uint32_t *)&h->server_pid);
	if (version != SHM_VERSION)
		snprintf(why, len, "version %u, expected %u", (unsigned)version,
		         SHM_VERSION);
	else if (header_size != sizeof(*h))
		snprintf(why, len, "header size %u, expected %zu",
		         (unsigned)header_size, sizeof(*h));
	else if (sync < SHM_SYNC_SIGNAL || sync > SHM_SYNC_FUTEX)
		snprintf(why, len, "unknown sync mode %" PRIu32, sync);
	else if (data_size != size - sizeof(*h))
		snprintf(why, len,
		         "header says %" PRIu32 " data bytes, the region has "
		         "%zu",
		         data_size, size - sizeof(*h));
	else if (server <= 0)
		snprintf(why, len, "server PID %" PRId32, server);
	else
		return true;
	return false;
}

void shm_chan_open(struct shm_chan *ch, void *base, size_t size,
                   enum shm_role role, const struct shm_params *params)
{
	struct shm_header *h = base;
	unsigned char *data = (unsigned char *)base + sizeof(*h);
	uint32_t r = ring_size(size - sizeof(*h));
	/* Ring 0 carries client->server, ring 1 server->client. */
	struct shm_ring c2s = { data, r }, s2c = { data + r, r };

	*ch = (struct shm_chan){
		.hdr = h,
		.size = size,
		.role = role,
		.p = *params,
		.me = &h->side[role],
		.peer = &h->side[!role],
		.tx = role == SHM_CLIENT ? c2s : s2c,
		.rx = role == SHM_CLIENT ? s2c : c2s,
	};
	if (ch->p.spin_us < 0)
		ch->p.spin_us = SHM_DEFAULT_SPIN_US;
	/* The client wakes the server by the PID the server published. */
	if (role == SHM_CLIENT)
		ch->peer_pid = (pid_t)read32((const uint32_t *)&h->server_pid);
	clock_gettime(CLOCK_MONOTONIC, &ch->last_check);
}

/* ---- connecting ---- */

/* A new conversation: both rings start empty, at position 0. */
static void forget_positions(struct shm_chan *ch)
{
	ch->tx_head = ch->tx_tail_seen = 0;
	ch->rx_tail = ch->rx_head_seen = ch->rx_tail_shown = 0;
}

static bool client_claimed(struct shm_chan *ch, uint64_t unused)
{
	(void)unused;
	return atomic_load(&ch->hdr->client_pid) != 0;
}

int shm_chan_accept(struct shm_chan *ch)
{
	int32_t pid;
	int rc = shm_wait_for(ch, client_claimed, 0, WAIT_PEER);

	if (rc != SHM_OK)
		return rc;
	pid = atomic_load_explicit(&ch->hdr->client_pid, memory_order_acquire);
	if (pid <= 0 || pid == getpid())
		shm_corrupt("client PID %" PRId32, pid);
	ch->peer_pid = pid;
	ch->peer_flags = 0;
	forget_positions(ch);
	clock_gettime(CLOCK_MONOTONIC, &ch->last_check);
	return SHM_OK;
}

int shm_chan_connect(struct shm_chan *ch, pid_t *holder)
{
	int32_t expected = 0;

	if (!atomic_compare_exchange_strong(&ch->hdr->client_pid, &expected,
	                                    (int32_t)getpid())) {
		*holder = expected;
		return SHM_BUSY;
	}
	forget_positions(ch);
	shm_notify(ch, WAIT_ANY);
	return SHM_OK;
}

void shm_chan_reset(struct shm_chan *ch)
{
	struct shm_header *h = ch->hdr;

	for (int i = 0; i < 2; i++) {
		atomic_store(&h->side[i].head, 0);
		atomic_store(&h->side[i].tail, 0);
	}
	atomic_store(&h->side[SHM_CLIENT].sleeping, 0);
	atomic_fetch_and(&h->flags, ~(SHM_F_CLIENT_LEFT | SHM_F_CLIENT_QUIT));
	atomic_fetch_add(&h->session, 1);
	forget_positions(ch);
	ch->peer_pid = 0;
	ch->peer_flags = 0;
	/* Last, with release: the next client sees empty rings. */
	atomic_store_explicit(&h->client_pid, 0, memory_order_release);
}

void shm_chan_leave(struct shm_chan *ch, uint32_t flags)
{
	atomic_fetch_or(&ch->hdr->flags, flags);
	shm_notify(ch, WAIT_ANY);
}

/* ---- sending ---- */

/* The most payload one record carries: a quarter ring keeps both busy. */
static uint32_t chunk_max(const struct shm_ring *r)
{
	uint32_t quarter = (r->size / 4) & ~7u;

	return quarter > REC_HDR ? quarter - REC_HDR : REC_HDR;
}

/* True when need bytes are free in the ring I write. */
static bool space_ready(struct shm_chan *ch, uint64_t need)
{
	uint64_t tail;

	if (ch->tx.size - (ch->tx_head - ch->tx_tail_seen) >= need)
		return true;
	tail = atomic_load(&ch->peer->tail);
	if (tail < ch->tx_tail_seen || tail > ch->tx_head)
		shm_corrupt("%s read position moved from %" PRIu64
		            " to %" PRIu64 " (written: %" PRIu64 ")",
		            ring_names[ch->role], ch->tx_tail_seen, tail,
		            ch->tx_head);
	ch->tx_tail_seen = tail;
	return ch->tx.size - (ch->tx_head - tail) >= need;
}

/* Copies len bytes into the ring at position pos, wrapping at its end. */
static void ring_put(const struct shm_ring *r, uint64_t pos, const void *src,
                     size_t len)
{
	size_t off = (size_t)(pos % r->size);
	size_t first = len < r->size - off ? len : r->size - off;

	memcpy(r->data + off, src, first);
	memcpy(r->data, (const char *)src + first, len - first);
}

static void ring_get(const struct shm_ring *r, uint64_t pos, void *dst,
                     size_t len)
{
	size_t off = (size_t)(pos % r->size);
	size_t first = len < r->size - off ? len : r->size - off;

	memcpy(dst, r->data + off, first);
	memcpy((char *)dst + first, r->data, len - first);
}

int shm_chan_send(struct shm_chan *ch, const void *buf, size_t len)
{
	const char *p = buf;
	uint32_t max = chunk_max(&ch->tx);

	do {
		uint32_t n = len < max ? (uint32_t)len : max;
		struct rec rec = { .len = n, .flags = len > n ? REC_MORE : 0 };
		int rc = shm_wait_for(ch, space_ready, REC_HDR + pad8(n),
		                      WAIT_SPACE);

		if (rc != SHM_OK)
			return rc;
		ring_put(&ch->tx, ch->tx_head, &rec, sizeof(rec));
		ring_put(&ch->tx, ch->tx_head + REC_HDR, p, n);
		ch->tx_head += REC_HDR + pad8(n);
		atomic_store(&ch->me->head, ch->tx_head);
		shm_notify(ch, WAIT_DATA);
		p += n;
		len -= n;
	} while (len > 0);
	return SHM_OK;
}

/*
 * The receiver publishes its read position at the latest when it is
 * about to wait (show_tail), so "the whole ring is free" comes true
 * once it has taken the last record, and wakes us if we sleep for it.
 */
int shm_chan_drain(struct shm_chan *ch)
{
	return shm_wait_for(ch, space_ready, ch->tx.size, WAIT_SPACE);
}

/* ---- receiving ---- */

/* True when a record waits in the ring I read. */
static bool data_ready(struct shm_chan *ch, uint64_t unused)
{
	uint64_t head;

	(void)unused;
	if (ch->rx_head_seen != ch->rx_tail)
		return true;
	head = atomic_load(&ch->peer->head);
	if (head < ch->rx_head_seen)
		shm_corrupt("%s write position went back from %" PRIu64
		            " to %" PRIu64,
		            ring_names[!ch->role], ch->rx_head_seen, head);
	if (head - ch->rx_tail > ch->rx.size || head % 8)
		shm_corrupt("%s write position %" PRIu64 " is impossible (read "
		            "position %" PRIu64 ", ring of %" PRIu32 " bytes)",
		            ring_names[!ch->role], head, ch->rx_tail,
		            ch->rx.size);
	ch->rx_head_seen = head;
	return head != ch->rx_tail;
}

bool shm_chan_pending(struct shm_chan *ch)
{
	return data_ready(ch, 0);
}

static void msg_reserve(struct shm_msg *msg, size_t need)
{
	size_t cap = msg->cap ? msg->cap : 256;

	if (need <= msg->cap)
		return;
	while (cap < need)
		cap *= 2;
	msg->data = realloc(msg->data, cap);
	if (!msg->data)
		die("out of memory for a message of %zu bytes", need);
	msg->cap = cap;
}

/*
 * Publishes how far we have read, so the producer may reuse the space,
 * and wakes it if it waits for that.
 */
static void show_tail(struct shm_chan *ch)
{
	if (ch->rx_tail_shown == ch->rx_tail)
		return;
	ch->rx_tail_shown = ch->rx_tail;
	atomic_store(&ch->me->tail, ch->rx_tail);
	shm_notify(ch, WAIT_SPACE);
}

/* Takes the next record off the ring; returns its flags. */
static uint32_t take_record(struct shm_chan *ch, struct shm_msg *msg)
{
	uint64_t avail = ch->rx_head_seen - ch->rx_tail;
	struct rec rec;

	ring_get(&ch->rx, ch->rx_tail, &rec, sizeof(rec));
	if (rec.flags & ~REC_MORE)
		shm_corrupt("%s record at %" PRIu64
		            " has unknown flags %#" PRIx32,
		            ring_names[!ch->role], ch->rx_tail, rec.flags);
	if (REC_HDR + pad8(rec.len) > avail)
		shm_corrupt("%s record at %" PRIu64 " says %" PRIu32
		            " bytes, only %" PRIu64 " were written",
		            ring_names[!ch->role], ch->rx_tail, rec.len,
		            avail - REC_HDR);
	if (rec.len > SHM_MSG_MAX - msg->len)
		shm_corrupt("%s message longer than %u bytes",
		            ring_names[!ch->role], SHM_MSG_MAX);
	msg_reserve(msg, msg->len + rec.len + 1);
	ring_get(&ch->rx, ch->rx_tail + REC_HDR, msg->data + msg->len, rec.len);
	msg->len += rec.len;
	msg->data[msg->len] = '\0';
	ch->rx_tail += REC_HDR + pad8(rec.len);
	if (ch->rx_tail - ch->rx_tail_shown >= ch->rx.size / 4)
		show_tail(ch);
	return rec.flags;
}

int shm_chan_recv(struct shm_chan *ch, struct shm_msg *msg)
{
	msg->len = 0;
	for (;;) {
		int rc;

		/* About to wait: the producer may be waiting for room. */
		if (!data_ready(ch, 0))
			show_tail(ch);
		rc = shm_wait_for(ch, data_ready, 0, WAIT_DATA);
		if (rc != SHM_OK)
			return rc;
		if (!(take_record(ch, msg) & REC_MORE))
			return SHM_OK;
	}
}
