/*
 * main.c - the multi-call dispatcher (SPEC §2).
 *
 * The table below is applets.def expanded once more; --help, --list,
 * --install and dispatch all read it, so an applet is one file in
 * applets/ plus one row in applets.def.  Called through a link, the
 * link's name picks the applet; called as ipcdemo, the first argument
 * does.
 */
#include <sys/stat.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcdemo.h"

#ifndef IPCDEMO_VERSION
#define IPCDEMO_VERSION "unknown"
#endif

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	const char *summary;
};

static const struct applet applets[] = {
#define APPLET(name, fn, summary) { name, fn##_main, summary },
#include "applets.def"
#undef APPLET
};
#define APPLET_COUNT (sizeof(applets) / sizeof(applets[0]))

static const char usage[] =
	"usage: ipcdemo APPLET [--trace] [ARGS]...\n"
	"       APPLET [--trace] [ARGS]...   (through a link named APPLET)\n"
	"       ipcdemo --list | --version | --install DIR | --help [APPLET]\n"
	"\n"
	"Each classic Linux IPC mechanism, shown working between real\n"
	"processes.  Every applet takes --help; --trace (or IPCDEMO_TRACE=1)\n"
	"prints each IPC system call and its result on stderr.\n"
	"\n"
	"Options:\n"
	"  --list         print the applet names, one a line\n"
	"  --install DIR  make a link named after each applet in DIR\n"
	"  --version      print the version\n"
	"  --help         print this help, or an applet's\n"
	"\n"
	"Applets:\n";

static const struct applet *find_applet(const char *name)
{
	for (size_t i = 0; i < APPLET_COUNT; i++)
		if (strcmp(applets[i].name, name) == 0)
			return &applets[i];
	return NULL;
}

/*
 * SPEC §2: an unknown applet is one line that names it and points at
 * --list.  The "Try 'ipcdemo --help'" line of usage_error() would only
 * repeat the pointer.
 */
static noreturn void unknown_applet(const char *name)
{
	fprintf(stderr, "ipcdemo: unknown applet '%s' (see 'ipcdemo --list')\n",
	        name);
	exit(EXIT_USAGE);
}

static int print_help(void)
{
	fputs(usage, stdout);
	for (size_t i = 0; i < APPLET_COUNT; i++)
		printf("  %-14s %s\n", applets[i].name, applets[i].summary);
	return EXIT_SUCCESS;
}

static int print_list(void)
{
	for (size_t i = 0; i < APPLET_COUNT; i++)
		puts(applets[i].name);
	return EXIT_SUCCESS;
}

/* True if path is a symlink that leads to this very executable. */
static bool is_our_link(const char *path, const struct stat *self)
{
	struct stat link_st, target_st;

	return lstat(path, &link_st) == 0 && S_ISLNK(link_st.st_mode) &&
	       stat(path, &target_st) == 0 &&
	       target_st.st_dev == self->st_dev &&
	       target_st.st_ino == self->st_ino;
}

static bool install_link(const char *dir, const char *name, const char *self,
                         const struct stat *self_st)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path)) {
		warning("%s/%s: path too long", dir, name);
		return false;
	}
	if (is_our_link(path, self_st) && unlink(path) == -1) {
		warning_errno("unlink %s", path);
		return false;
	}
	if (symlink(self, path) == -1) {
		if (errno == EEXIST)
			warning("%s exists and is not a link to this ipcdemo; "
			        "not replacing it",
			        path);
		else
			warning_errno("symlink %s", path);
		return false;
	}
	printf("%s -> %s\n", path, self);
	return true;
}

static int install_links(const char *dir)
{
	char self[PATH_MAX];
	struct stat self_st, dir_st;
	int rc = EXIT_SUCCESS;

	if (!realpath("/proc/self/exe", self) || stat(self, &self_st) == -1)
		die_errno("cannot find this executable");
	if (stat(dir, &dir_st) == -1)
		die_errno("%s", dir);
	if (!S_ISDIR(dir_st.st_mode))
		die("%s: not a directory", dir);
	for (size_t i = 0; i < APPLET_COUNT; i++)
		if (!install_link(dir, applets[i].name, self, &self_st))
			rc = EXIT_FAILURE;
	return rc;
}

/*
 * Checks at exit that all of our output got out.  Every way out passes
 * here (return from an applet, --list, die(), usage_help()), so a full
 * disk or a closed pipe never ends in a silent exit 0.  It is the first
 * handler registered, so it runs last, after the cleanup list; exit()
 * may not be called again from a handler, hence _exit().
 */
static void check_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warning_errno("write error on standard output");
		_exit(EXIT_FAILURE);
	}
}

static noreturn void run_applet(const struct applet *a, int argc, char **argv)
{
	int rc;

	applet_name = a->name;
	rc = a->main(argc, argv);
	/* A run ended by SIGINT/SIGTERM/SIGHUP says so in its status. */
	if (stop_signal())
		rc = stop_exit_status();
	exit(rc);
}

static int ipcdemo_main(int argc, char **argv)
{
	const char *arg = argc > 1 ? argv[1] : "--help";
	const struct applet *a;

	if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
		if (argc > 2 && (a = find_applet(argv[2]))) {
			char *help_argv[] = { argv[2], "--help", NULL };

			run_applet(a, 2, help_argv);
		}
		if (argc > 2)
			unknown_applet(argv[2]);
		return print_help();
	}
	if (strcmp(arg, "--list") == 0)
		return print_list();
	if (strcmp(arg, "--version") == 0) {
		puts("ipcdemo " IPCDEMO_VERSION);
		return EXIT_SUCCESS;
	}
	if (strcmp(arg, "--install") == 0) {
		if (argc != 3)
			usage_error("--install needs one directory");
		return install_links(argv[2]);
	}
	if (arg[0] == '-')
		usage_error("unrecognized option '%s'", arg);
	a = find_applet(arg);
	if (!a)
		unknown_applet(arg);
	run_applet(a, argc - 1, argv + 1);
}

int main(int argc, char **argv)
{
	char *copy = strdup(argv[0] ? argv[0] : "ipcdemo");
	const struct applet *a = copy ? find_applet(basename(copy)) : NULL;

	free(copy);
	/* Line-buffered even into a pipe: the peer sees each line at once. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	atexit(check_stdout);
	signals_init();
	trace_init(&argc, argv);
	if (a)
		run_applet(a, argc, argv);
	return ipcdemo_main(argc, argv);
}
