/*
 * mmap-demo - memory-mapped files as IPC (SPEC §4.8).
 *
 * file     Two unrelated processes map the same file with MAP_SHARED
 *          and talk through its pages with the shm channel of
 *          shm-server and shm-client (src/shm_channel.h: the same
 *          versioned, bounds-checked header, rings and sync modes).
 *          The reader creates and sizes the file (src/mmap_file.h has
 *          its rules, the FIFO's) and prints each line as "read: TEXT";
 *          the writer maps it and sends its lines, one way.
 * anon     A parent and its child share a MAP_SHARED|MAP_ANONYMOUS
 *          mapping made before the fork: the child writes, the parent
 *          reads once waitpid(2) has said the child exited, so the
 *          write is complete - no race, no lost update.
 * private  The same with a MAP_PRIVATE mapping next to a shared one:
 *          the child's store into the private page makes the kernel
 *          copy it for the child (copy-on-write), so the parent never
 *          sees it, at the very same address.
 *
 * Surprises: the mapping outlives the descriptor; a mapped file has no
 * "there is something new" of its own, so the sides still need the
 * channel's futex or signal wake-ups; and a writer that stops sending
 * has not been read yet, so it waits for the reader to take every line
 * (shm_chan_drain) before it says it is done.
 */
#include <sys/mman.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"
#include "mmap_file.h"
#include "shm_channel.h"

#define DEFAULT_FILE "ipcdemo.mmap"
#define DEFAULT_SIZE 4096
#define DEFAULT_TEXT "hello from the child"
#define PARENT_TEXT "set by the parent before fork"
#define NOTE_SIZE 4096     /* one page for anon and private */
#define SLOT_WAIT_TRIES 60 /* x 50 ms for a dead writer's slot to free */
#define IDLE_CHECK_MS 1000
#define KEPT_SLACK 64 /* record header and padding around a message */

static const char usage[] =
	"usage: ipcdemo mmap-demo file --read [-f PATH] [-s BYTES] [--sync MODE]\n"
	"                         [--mode OCTAL] [--keep]\n"
	"       ipcdemo mmap-demo file --write [-f PATH] [--sync MODE] [-m TEXT]...\n"
	"       ipcdemo mmap-demo anon [-m TEXT]\n"
	"       ipcdemo mmap-demo private [-m TEXT]\n"
	"\n"
	"Memory-mapped files as IPC.\n"
	"\n"
	"  file     a reader and a writer, two unrelated processes, map the\n"
	"           same file MAP_SHARED; the reader prints each line the\n"
	"           writer sends as 'read: TEXT'.  A line 'quit', or EOF, on\n"
	"           the writer ends both; the reader removes the file it made\n"
	"  anon     parent and child share a MAP_SHARED|MAP_ANONYMOUS mapping:\n"
	"           the child writes, the parent reads after waitpid()\n"
	"  private  the same with MAP_PRIVATE beside MAP_SHARED: the child's\n"
	"           write to the private mapping stays its own\n"
	"\n"
	"  -f, --file PATH     the mapped file (default: " DEFAULT_FILE ")\n"
	"      --read          file: be the reader; create (or reuse) the file\n"
	"      --write         file: be the writer; send each line of stdin\n"
	"  -s, --size BYTES    reader: the size of a new file (default 4096)\n"
	"      --sync MODE     how the sides wake each other: futex (default)\n"
	"                      or signal\n"
	"      --mode OCTAL    reader: permissions of a new file (default 0600)\n"
	"      --keep          reader: leave the file it made, and read the\n"
	"                      last message back from it\n"
	"  -m, --message TEXT  writer: send TEXT (repeatable) instead of stdin;\n"
	"                      anon, private: what the child writes\n"
	"      --trace         print each system call on stderr\n"
	"  -h, --help          print this help\n";

enum demo { DEMO_NONE, DEMO_FILE, DEMO_ANON, DEMO_PRIVATE };
enum role { ROLE_NONE, ROLE_READ, ROLE_WRITE };
enum { OPT_READ = OPT_APPLET, OPT_WRITE, OPT_SYNC, OPT_KEEP };

struct opts {
	enum demo demo;
	enum role role;
	const char *path;
	size_t size;
	enum shm_sync sync;
	mode_t mode;
	bool keep;
	bool path_given, size_given, sync_given, mode_given;
	struct line_source input; /* the -m texts, or stdin */
};

/* ---- options ---- */

static enum demo parse_demo(const char *name)
{
	if (strcmp(name, "file") == 0)
		return DEMO_FILE;
	if (strcmp(name, "anon") == 0)
		return DEMO_ANON;
	if (strcmp(name, "private") == 0)
		return DEMO_PRIVATE;
	usage_error("unknown demo '%s' (file, anon or private)", name);
}

static enum shm_sync parse_sync(const char *arg)
{
	enum shm_sync sync = shm_sync_parse(arg);

	/* The sem mode needs a System V set: not what this demo is about. */
	if (sync != SHM_SYNC_FUTEX && sync != SHM_SYNC_SIGNAL)
		usage_error("invalid sync mode: '%s' (futex or signal)", arg);
	return sync;
}

static void set_role(struct opts *o, enum role role)
{
	if (o->role != ROLE_NONE && o->role != role)
		usage_error("--read and --write exclude each other");
	o->role = role;
}

/* Refuses options that the chosen demo or side would silently ignore. */
static void check_fit(const struct opts *o)
{
	bool reader = o->demo == DEMO_FILE && o->role == ROLE_READ;

	if (o->demo == DEMO_FILE && o->role == ROLE_NONE)
		usage_error("the file demo needs --read or --write");
	if (o->demo != DEMO_FILE &&
	    (o->role != ROLE_NONE || o->path_given || o->sync_given))
		usage_error("--read, --write, -f and --sync go with the file "
		            "demo");
	if (!reader && (o->size_given || o->mode_given || o->keep))
		usage_error("-s, --mode and --keep go with 'file --read'");
	if (reader && o->input.count)
		usage_error("-m goes with 'file --write', anon and private");
	if (o->demo != DEMO_FILE && o->input.count > 1)
		usage_error("the child writes one text: give -m once");
	if (o->demo != DEMO_FILE && o->input.count &&
	    strlen(o->input.texts[0]) > NOTE_SIZE - sizeof(uint32_t))
		usage_error("-m: at most %zu bytes fit the page",
		            NOTE_SIZE - sizeof(uint32_t));
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "read", no_argument, NULL, OPT_READ },
		{ "write", no_argument, NULL, OPT_WRITE },
		{ "size", required_argument, NULL, 's' },
		{ "sync", required_argument, NULL, OPT_SYNC },
		{ "mode", required_argument, NULL, OPT_MODE },
		{ "keep", no_argument, NULL, OPT_KEEP },
		{ "message", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, ":f:s:m:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'f':
			if (!*optarg)
				usage_error("invalid file path: '' (empty)");
			o->path = optarg;
			o->path_given = true;
			break;
		case OPT_READ:
			set_role(o, ROLE_READ);
			break;
		case OPT_WRITE:
			set_role(o, ROLE_WRITE);
			break;
		case 's':
			o->size = parse_size(optarg, SHM_MIN_SIZE, SHM_MAX_SIZE,
			                     "file size");
			o->size_given = true;
			break;
		case OPT_SYNC:
			o->sync = parse_sync(optarg);
			o->sync_given = true;
			break;
		case OPT_MODE:
			o->mode = parse_mode(optarg);
			o->mode_given = true;
			break;
		case OPT_KEEP:
			o->keep = true;
			break;
		case 'm':
			line_source_add(&o->input, optarg);
			break;
		case 'h':
			usage_help(usage);
		default:
			usage_bad_option(c, argv);
		}
	}
	if (optind == argc)
		usage_error("which demo? file, anon or private");
	o->demo = parse_demo(argv[optind++]);
	usage_no_operands(argc, argv);
	check_fit(o);
}

/* ---- file: the reader ---- */

/* The last message read, and where in the file its record began. */
struct last_msg {
	struct shm_msg msg;
	size_t offset;
	size_t ring_end; /* the end of its ring in the file */
	bool any;
};

static void print_waiting(const struct opts *o)
{
	printf("waiting for a writer (start one with: ipcdemo mmap-demo file "
	       "--write -f %s%s)\n",
	       o->path, o->sync == SHM_SYNC_SIGNAL ? " --sync signal" : "");
}

/* Prints each message until the writer goes; keeps the last one. */
static int serve(struct shm_chan *ch, struct last_msg *last)
{
	struct shm_msg msg = { 0 }, swap;
	size_t ring_start =
		(size_t)(ch->rx.data - (const unsigned char *)ch->hdr);
	int rc;

	for (;;) {
		/* Each message starts where the previous one ended. */
		size_t at = ring_start + (size_t)(ch->rx_tail % ch->rx.size);

		rc = shm_chan_recv(ch, &msg);
		if (rc != SHM_OK)
			break;
		fputs("read: ", stdout);
		fwrite(msg.data, 1, msg.len, stdout);
		putchar('\n');
		swap = last->msg;
		last->msg = msg;
		msg = swap;
		last->offset = at;
		last->ring_end = ring_start + ch->rx.size;
		last->any = true;
	}
	free(msg.data);
	return rc;
}

/* Says how the writer went; true if the reader should carry on. */
static bool writer_gone(struct shm_chan *ch, int rc)
{
	pid_t pid = ch->peer_pid;

	if (rc == SHM_PEER_LEFT && (ch->peer_flags & SHM_F_CLIENT_QUIT)) {
		printf("writer %d ended the conversation\n", (int)pid);
		return false;
	}
	if (rc == SHM_PEER_LEFT)
		printf("writer %d left\n", (int)pid);
	else
		printf("writer %d died: %s\n", (int)pid, ch->why);
	shm_chan_reset(ch);
	return true;
}

/*
 * --keep: the mapping is gone, but MAP_SHARED stores went to the file
 * itself.  Read back with read(2), near where its record began, the
 * last message is there.
 */
static void show_kept(const char *path, const struct last_msg *last)
{
	size_t len = last->msg.len, window;
	char *buf, *found;
	int fd;

	if (!last->any || len == 0) {
		printf("kept %s; %s\n", path,
		       last->any ? "the last message was empty"
		                 : "no message was sent");
		return;
	}
	window = last->ring_end - last->offset;
	if (window > len + KEPT_SLACK)
		window = len + KEPT_SLACK;
	buf = malloc(window);
	if (!buf)
		die("out of memory");
	fd = sys_open(path, O_RDONLY, 0);
	if (fd == -1)
		die_errno("open %s", path);
	if (lseek(fd, (off_t)last->offset, SEEK_SET) == -1 ||
	    read_full(fd, buf, window) != (ssize_t)window)
		die_errno("read %s", path);
	xclose(fd);
	found = memmem(buf, window, last->msg.data, len);
	if (found)
		printf("kept %s; read back with read(2), it holds the last "
		       "message at offset %zu: %.*s\n",
		       path, last->offset + (size_t)(found - buf), (int)len,
		       found);
	else
		printf("kept %s; the last message (%zu bytes) is in it in "
		       "pieces, as the ring's records split it\n",
		       path, len);
	free(buf);
}

/* The last lines: what happens to the file, and why. */
static void finish_reader(const struct opts *o, struct mmap_file *mf,
                          const struct last_msg *last)
{
	char stop[48] = "";

	if (stop_signal())
		snprintf(stop, sizeof(stop), "stopped by %s; ",
		         signal_name(stop_signal()));
	/* --keep: to the disk too, not only the page cache (msync(2)). */
	mmap_file_unmap(mf, o->keep && mf->created);
	if (!mf->created) {
		printf("%sleaving %s: this reader did not create it\n", stop,
		       o->path);
	} else if (o->keep) {
		cleanup_forget_path(o->path);
		printf("%skeeping %s (--keep)\n", stop, o->path);
		show_kept(o->path, last);
	} else {
		printf("%sremoving %s\n", stop, o->path);
	}
}

static int run_reader(const struct opts *o)
{
	struct shm_params params = { .sync = o->sync, .spin_us = -1 };
	struct last_msg last = { 0 };
	struct mmap_file mf;
	struct shm_chan ch;
	int rc;

	/* Before our PID is in the file, so no wake-up is ever lost. */
	shm_chan_block_signals();
	mmap_file_create(&mf, o->path, o->size, o->size_given, o->sync,
	                 o->mode);
	if (mf.created)
		printf("created %s: %zu bytes, mode %04o, on %s\n", o->path,
		       mf.size, (unsigned)mf.mode, mmap_file_fs_name(o->path));
	else
		printf("reusing %s: %zu bytes, left by reader %d, which is "
		       "gone; it stays when this reader exits\n",
		       o->path, mf.size, (int)mf.old_reader);
	shm_chan_open(&ch, mf.base, mf.size, SHM_SERVER, &params);
	printf("mapped it MAP_SHARED at %p: a %zu-byte header and two rings "
	       "of %u bytes, sync %s\n",
	       mf.base, sizeof(struct shm_header), (unsigned)ch.rx.size,
	       shm_sync_name(o->sync));
	do {
		print_waiting(o);
		rc = shm_chan_accept(&ch);
		if (rc != SHM_OK)
			break;
		printf("writer %d connected\n", (int)ch.peer_pid);
		rc = serve(&ch, &last);
	} while (rc != SHM_STOPPED && writer_gone(&ch, rc));
	/* Tell a writer still there before the file goes. */
	shm_chan_leave(&ch, SHM_F_SERVER_GONE);
	finish_reader(o, &mf, &last);
	free(last.msg.data);
	return EXIT_SUCCESS;
}

/* ---- file: the writer ---- */

struct writer {
	const char *path;
	struct mmap_file mf;
	struct shm_chan ch;
	unsigned long sent;
};

static noreturn void reader_gone(struct writer *w, int rc)
{
	pid_t pid = w->ch.peer_pid;

	if (rc == SHM_PEER_LEFT)
		die("reader %d has shut down", (int)pid);
	die("reader %d died (%s); %s stays until it is removed, or a new "
	    "reader reuses it",
	    (int)pid, w->ch.why, w->path);
}

/* Claims the one writer slot; waits a little if its holder is dead. */
static void connect_slot(struct writer *w)
{
	pid_t holder = 0;

	for (int i = 0; i < SLOT_WAIT_TRIES; i++) {
		if (shm_chan_connect(&w->ch, &holder) == SHM_OK)
			return;
		/* A live holder is being read now: one writer at a time. */
		if (sys_kill(holder, 0) == 0 || errno == EPERM)
			break;
		if (!sleep_seconds(0.05))
			exit(stop_exit_status());
	}
	die("another writer (PID %d) is connected; one writer at a time",
	    (int)holder);
}

/* Sends one message.  False: a stop signal came. */
static bool send_one(struct writer *w, const char *text, size_t len)
{
	int rc = shm_chan_send(&w->ch, text, len);

	if (rc == SHM_STOPPED)
		return false;
	if (rc != SHM_OK)
		reader_gone(w, rc);
	w->sent++;
	return true;
}

/* Once a second while waiting for input: a dead reader is noticed. */
static void check_reader(void *arg)
{
	struct writer *w = arg;
	int rc = shm_chan_check_peer(&w->ch);

	if (rc != SHM_OK)
		reader_gone(w, rc);
}

static void send_lines(struct writer *w, struct line_source *input)
{
	ssize_t len;
	char *line;

	/* quit ends the conversation, whether typed or given as -m quit. */
	input->quit_ends_texts = true;
	line_source_idle(input, IDLE_CHECK_MS, check_reader, w);
	while ((len = line_source_next(input, &line)) >= 0)
		if (!send_one(w, line, (size_t)len))
			break;
}

static int run_writer(struct opts *o)
{
	struct writer w = { .path = o->path };
	struct shm_params params;
	int rc;

	/* Before our PID goes into the file: no wake-up is lost. */
	shm_chan_block_signals();
	mmap_file_attach(&w.mf, o->path);
	params = (struct shm_params){ .sync = w.mf.sync, .spin_us = -1 };
	shm_chan_open(&w.ch, w.mf.base, w.mf.size, SHM_CLIENT, &params);
	printf("mapped %s MAP_SHARED at %p: %zu bytes, sync %s, reader PID "
	       "%d\n",
	       o->path, w.mf.base, w.mf.size, shm_sync_name(w.mf.sync),
	       (int)w.ch.peer_pid);
	/* A file left by a crash has a header but nobody behind it. */
	rc = shm_chan_check_peer(&w.ch);
	if (rc != SHM_OK)
		reader_gone(&w, rc);
	if (w.mf.sync != o->sync)
		die("the reader uses --sync %s, this writer --sync %s; start "
		    "the writer with --sync %s",
		    shm_sync_name(w.mf.sync), shm_sync_name(o->sync),
		    shm_sync_name(w.mf.sync));
	connect_slot(&w);
	printf("connected as writer %d\n", (int)getpid());
	send_lines(&w, &o->input);
	/* Done only when the reader has every line, not when it could. */
	rc = stop_signal() ? SHM_STOPPED : shm_chan_drain(&w.ch);
	if (rc != SHM_OK && rc != SHM_STOPPED)
		reader_gone(&w, rc);
	if (rc == SHM_OK)
		printf("the reader has read all %lu message%s\n", w.sent,
		       w.sent == 1 ? "" : "s");
	/* quit and EOF end the reader too; a stop signal only us. */
	shm_chan_leave(&w.ch, stop_signal()
	                              ? SHM_F_CLIENT_LEFT
	                              : SHM_F_CLIENT_LEFT | SHM_F_CLIENT_QUIT);
	mmap_file_unmap(&w.mf, false);
	return EXIT_SUCCESS;
}

/* ---- anon and private: parent and child ---- */

/* What a side leaves in a page; the length is checked before use. */
struct note {
	uint32_t len;
	char text[NOTE_SIZE - sizeof(uint32_t)];
};
_Static_assert(sizeof(struct note) == NOTE_SIZE, "one page");

static struct note *map_page(int flags, const char *flag_names)
{
	struct note *n = sys_mmap(NULL, sizeof(*n), PROT_READ | PROT_WRITE,
	                          flags | MAP_ANONYMOUS, -1, 0);

	if (n == MAP_FAILED)
		die_errno("mmap %s", flag_names);
	printf("parent %d: mapped %zu bytes %s|MAP_ANONYMOUS at %p\n",
	       (int)getpid(), sizeof(*n), flag_names, (void *)n);
	return n;
}

static void put_note(struct note *n, const char *text)
{
	size_t len = strlen(text); /* fits: check_fit() */

	memcpy(n->text, text, len);
	n->len = (uint32_t)len;
}

/* The text, as "%.*s" arguments; the length is never taken blindly. */
static int note_len(const struct note *n)
{
	uint32_t len = n->len;

	if (len > sizeof(n->text))
		die("the page says %u bytes, it holds at most %zu",
		    (unsigned)len, sizeof(n->text));
	return (int)len;
}

static noreturn void child_exit(int status)
{
	fflush(stdout);
	_exit(status);
}

/* waitpid(2) returns once the child has exited: its stores are done. */
static void reap(pid_t child)
{
	char how[64];

	printf("parent %d: waitpid: child %d %s\n", (int)getpid(), (int)child,
	       describe_wait_status(xreap(child), how, sizeof(how)));
}

static const char *child_text(const struct opts *o)
{
	return o->input.count ? o->input.texts[0] : DEFAULT_TEXT;
}

static int anon_demo(const struct opts *o)
{
	struct note *shared = map_page(MAP_SHARED, "MAP_SHARED");
	pid_t child = xfork();

	if (child == 0) {
		put_note(shared, child_text(o));
		printf("child %d: wrote '%s' at %p\n", (int)getpid(),
		       child_text(o), (void *)shared);
		child_exit(EXIT_SUCCESS);
	}
	reap(child);
	printf("parent %d: reads '%.*s' at %p: the child's write is shared\n",
	       (int)getpid(), note_len(shared), shared->text, (void *)shared);
	sys_munmap(shared, sizeof(*shared));
	return EXIT_SUCCESS;
}

static int private_demo(const struct opts *o)
{
	struct note *shared = map_page(MAP_SHARED, "MAP_SHARED");
	struct note *own = map_page(MAP_PRIVATE, "MAP_PRIVATE");
	pid_t child;

	put_note(shared, PARENT_TEXT);
	put_note(own, PARENT_TEXT);
	printf("parent %d: wrote '%s' into both\n", (int)getpid(), PARENT_TEXT);
	child = xfork();
	if (child == 0) {
		printf("child %d: sees '%.*s' and '%.*s': the pages came "
		       "with the fork\n",
		       (int)getpid(), note_len(shared), shared->text,
		       note_len(own), own->text);
		put_note(shared, child_text(o));
		put_note(own, child_text(o));
		printf("child %d: wrote '%s' into both\n", (int)getpid(),
		       child_text(o));
		child_exit(EXIT_SUCCESS);
	}
	reap(child);
	printf("parent %d: MAP_SHARED  at %p reads '%.*s': the child's write "
	       "is shared\n",
	       (int)getpid(), (void *)shared, note_len(shared), shared->text);
	printf("parent %d: MAP_PRIVATE at %p reads '%.*s': the child wrote "
	       "into its own copy of the page (copy-on-write)\n",
	       (int)getpid(), (void *)own, note_len(own), own->text);
	sys_munmap(own, sizeof(*own));
	sys_munmap(shared, sizeof(*shared));
	return EXIT_SUCCESS;
}

int mmap_demo_main(int argc, char **argv)
{
	struct opts o = {
		.path = DEFAULT_FILE,
		.size = DEFAULT_SIZE,
		.sync = SHM_SYNC_FUTEX,
		.mode = DEFAULT_MODE,
	};
	int rc;

	parse_opts(argc, argv, &o);
	switch (o.demo) {
	case DEMO_FILE:
		rc = o.role == ROLE_READ ? run_reader(&o) : run_writer(&o);
		break;
	case DEMO_ANON:
		rc = anon_demo(&o);
		break;
	default:
		rc = private_demo(&o);
		break;
	}
	line_source_free(&o.input);
	return rc;
}
