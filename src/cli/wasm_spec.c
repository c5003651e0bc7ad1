/*
 * `gearbox wasm spec`: run the WebAssembly core spec suite (.wast files)
 * against the engine.
 *
 * For each .wast file, sorted by name: wabt's wast2json turns it into JSON
 * plus binary modules in a private temporary directory, then the runner
 * (spec_run.c) executes the JSON commands and this file tallies the events
 * it reports and prints one line per file, then the totals.
 *
 * Isolation.  The engine under test may crash or hang; the run must not go
 * down with it.  So each file runs in a child process (unless --no-fork),
 * which reports its events to the parent over a pipe (see spec_run.h).
 * When the child dies of a signal, or runs past --timeout, the parent
 * still knows the counts so far and the line that was running.  Under
 * ASan the child's leak check runs when it exits; a nonzero exit status
 * counts as one failure.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_util.h"
#include "cli/spec_run.h"
#include "gearbox/wasm.h"

extern char **environ;

static const char usage[] =
    "usage: gearbox wasm spec [DIR] [FILE.wast...] [OPTIONS]\n"
    "\n"
    "Run the WebAssembly spec test suite: every .wast file in DIR (sorted\n"
    "by name), or only the FILEs given (paths, or names inside DIR).  DIR\n"
    "defaults to $GEARBOX_SPEC_DIR, else ../shared/wasm-testsuite.  Needs\n"
    "wast2json (Debian package wabt).\n"
    "\n"
    "Prints one line per file, up to 5 failures each, then the totals:\n"
    "\"N passed, M failed, K skipped\".  Exit status 1 if anything failed,\n"
    "or if the suite in DIR gave no assertion at all (an empty directory,\n"
    "wast2json missing); 77 if DIR does not exist (nothing ran: the exit\n"
    "status CTest and automake read as \"skipped\", never as \"passed\").\n"
    "\n"
    "options:\n"
    "  --verbose        show every failure, skip and note\n"
    "  --strict         also require the trap named by assert_trap (by its\n"
    "                   message) and GB_LINK for assert_unlinkable\n"
    "  --jit            run the modules compiled to machine code (x86-64)\n"
    "  --interp         run the modules in the interpreter\n"
    "  --no-fork        run files in this process (for debuggers); a crash\n"
    "                   in the engine then ends the run\n"
    "  --timeout S      seconds allowed per file (default 300; 0 = none)\n"
    "  --wast2json PATH the wast2json to use (default: from PATH)\n"
    "  -h, --help       show this help\n";

#define MAX_SHOWN 5                    /* failures shown without --verbose */

/* ---- tallies: what the parent knows about one file ------------------ */

typedef struct tally {
    unsigned passed, failed, skipped;
    unsigned line;  /* of the command in progress */
    bool done;      /* the file ran to its end */
    bool verbose;
    unsigned hidden; /* failures not shown */
    char **msgs;    /* lines to print under the file's summary */
    size_t nmsgs, cap;
} tally;

static void tally_msg(tally *t, const char *prefix, const char *text)
{
    if (t->nmsgs == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        char **nm = realloc(t->msgs, cap * sizeof *nm);
        if (!nm)
            return;
        t->msgs = nm;
        t->cap = cap;
    }
    size_t n = strlen(prefix) + strlen(text) + 1;
    char *s = malloc(n);
    if (!s)
        return;
    snprintf(s, n, "%s%s", prefix, text);
    t->msgs[t->nmsgs++] = s;
}

/* Apply one event line (without its newline). */
static void tally_event(tally *t, const char *ev)
{
    const char *text = ev[0] && ev[1] == ' ' ? ev + 2 : "";
    switch (ev[0]) {
    case 'L':
        t->line = (unsigned)strtoul(text, NULL, 10);
        break;
    case 'P':
        t->passed++;
        break;
    case 'F':
        t->failed++;
        if (t->verbose || t->failed <= MAX_SHOWN)
            tally_msg(t, "  ", text);
        else
            t->hidden++;
        break;
    case 'S':
        t->skipped++;
        if (t->verbose)
            tally_msg(t, "  skipped: ", text);
        break;
    case 'N':
        if (t->verbose)
            tally_msg(t, "  note: ", text);
        break;
    case 'E':
        t->done = true;
        break;
    }
}

static void tally_event_cb(void *user, const char *event)
{
    tally_event(user, event);
}

static void tally_print(tally *t, const char *name)
{
    printf("%s: %u passed, %u failed", name, t->passed, t->failed);
    if (t->skipped)
        printf(", %u skipped", t->skipped);
    printf("\n");
    for (size_t i = 0; i < t->nmsgs; i++)
        printf("%s\n", t->msgs[i]);
    if (t->hidden)
        printf("  ... and %u more failure%s (--verbose shows all)\n",
               t->hidden, t->hidden == 1 ? "" : "s");
    fflush(stdout);
}

static void tally_clear(tally *t)
{
    for (size_t i = 0; i < t->nmsgs; i++)
        free(t->msgs[i]);
    free(t->msgs);
    t->msgs = NULL;
    t->nmsgs = t->cap = 0;
}

/* ---- one .wast file: wast2json, then run (in a child) --------------------- */

typedef struct options {
    bool verbose, strict, fork;
    int tier; /* gb_wasm_tier */
    unsigned timeout;
    const char *wast2json;
} options;

/* Remove the files in dir (not dir itself). */
static void clear_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char path[PATH_MAX];
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) <
            (int)sizeof path)
            unlink(path);
    }
    closedir(d);
}

/*
 * wast2json WAST -o TMP/NAME.json.  Returns true on success; otherwise
 * writes the first line of its stderr (or why it could not run) to why.
 */
static bool wast2json(const options *o, const char *wast, const char *json,
                      const char *tmp, char *why, size_t wlen)
{
    char errpath[PATH_MAX + 32];
    snprintf(errpath, sizeof errpath, "%s/wast2json.stderr", tmp);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, errpath,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    char *argv[] = { (char *)o->wast2json, (char *)wast, (char *)"-o",
                     (char *)json, NULL };
    pid_t pid;
    int rc = posix_spawnp(&pid, o->wast2json, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        snprintf(why, wlen, "cannot run %s: %s", o->wast2json, strerror(rc));
        return false;
    }
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    why[0] = 0;
    FILE *f = fopen(errpath, "r");
    if (f) {
        if (fgets(why, (int)wlen, f))
            why[strcspn(why, "\r\n")] = 0;
        fclose(f);
    }
    if (!why[0]) {
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
            snprintf(why, wlen, "%s not found", o->wast2json);
        else
            snprintf(why, wlen, "failed with status %d", status);
    }
    return false;
}

/* Run json in a child process, collecting its events into t. */
static void run_forked(const options *o, const char *json, const char *tmp,
                       tally *t)
{
    int fds[2];
    if (pipe(fds) != 0) {
        tally_event(t, "F cannot create a pipe");
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        tally_event(t, "F cannot fork");
        return;
    }
    if (pid == 0) {
        close(fds[0]);
        signal(SIGPIPE, SIG_IGN);
        if (o->timeout)
            alarm(o->timeout);
        spec_sink sink = { fds[1], NULL, NULL };
        spec_run_json(&sink, o->strict, o->tier, json, tmp);
        close(fds[1]);
        exit(0); /* exit, not _exit: sanitizers check for leaks here */
    }
    close(fds[1]);
    FILE *in = fdopen(fds[0], "r");
    if (!in) {
        close(fds[0]);
    } else {
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        while ((n = getline(&line, &cap, in)) > 0) {
            if (line[n - 1] == '\n')
                line[n - 1] = 0;
            tally_event(t, line);
        }
        free(line);
        fclose(in);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char msg[256];
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        snprintf(msg, sizeof msg, "F line %u: %s (signal %d: %s)", t->line,
                 sig == SIGALRM ? "timed out" : "crashed", sig,
                 strsignal(sig));
        if (!t->line)
            snprintf(msg, sizeof msg, "F %s before the first command "
                     "(signal %d: %s)",
                     sig == SIGALRM ? "timed out" : "crashed", sig,
                     strsignal(sig));
        tally_event(t, msg);
    } else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
        if (t->done)
            snprintf(msg, sizeof msg,
                     "F the runner exited with status %d after the last "
                     "command (a leak report? see stderr)",
                     WEXITSTATUS(status));
        else if (t->line)
            snprintf(msg, sizeof msg,
                     "F line %u: the runner died with exit status %d (a "
                     "sanitizer report? see stderr)",
                     t->line, WEXITSTATUS(status));
        else
            snprintf(msg, sizeof msg,
                     "F the runner died with exit status %d before the "
                     "first command (a sanitizer report? see stderr)",
                     WEXITSTATUS(status));
        tally_event(t, msg);
    } else if (!t->done) {
        snprintf(msg, sizeof msg, "F line %u: the runner stopped early",
                 t->line);
        tally_event(t, msg);
    }
}

typedef struct totals {
    unsigned passed, failed, skipped;
} totals;

static void run_wast(const options *o, const char *wast, const char *tmp,
                     totals *tot)
{
    const char *base = strrchr(wast, '/');
    base = base ? base + 1 : wast;
    char stem[256], json[PATH_MAX + 320], why[512];
    snprintf(stem, sizeof stem, "%s", base);
    size_t sl = strlen(stem);
    if (sl > 5 && strcmp(stem + sl - 5, ".wast") == 0)
        stem[sl - 5] = 0;
    snprintf(json, sizeof json, "%s/%s.json", tmp, stem);

    if (!wast2json(o, wast, json, tmp, why, sizeof why)) {
        printf("%s: skipped (wast2json: %s)\n", base, why);
        fflush(stdout);
        tot->skipped++;
        clear_dir(tmp);
        return;
    }
    tally t;
    memset(&t, 0, sizeof t);
    t.verbose = o->verbose;
    if (o->fork) {
        run_forked(o, json, tmp, &t);
    } else {
        spec_sink sink = { -1, tally_event_cb, &t };
        spec_run_json(&sink, o->strict, o->tier, json, tmp);
    }
    tally_print(&t, base);
    tot->passed += t.passed;
    tot->failed += t.failed;
    tot->skipped += t.skipped;
    tally_clear(&t);
    clear_dir(tmp);
}

/* ---- the command ---------------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The .wast files of dir, sorted, as malloc'd paths. */
static char **list_wast(const char *dir, size_t *out_n)
{
    DIR *d = opendir(dir);
    char **v = NULL;
    size_t n = 0, cap = 0;
    *out_n = 0;
    if (!d)
        return NULL;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!ends_with(e->d_name, ".wast") || e->d_name[0] == '.')
            continue;
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        char *p = malloc(len);
        if (!p)
            break;
        snprintf(p, len, "%s/%s", dir, e->d_name);
        if (!CLI_PUSH(v, n, cap, p)) {
            free(p);
            break;
        }
    }
    closedir(d);
    if (n)
        qsort(v, n, sizeof *v, cmp_str);
    *out_n = n;
    return v;
}

int cli_wasm_spec(int argc, char **argv)
{
    options o = { .fork = true, .timeout = 300, .wast2json = "wast2json" };
    const char *dir = NULL;
    char **files = NULL; /* malloc'd paths */
    size_t nfiles = 0, capfiles = 0;
    const char **named_files = calloc((size_t)argc + 1, sizeof *named_files);
    size_t nnamed = 0;
    int status = 2;
    char tmp[PATH_MAX] = "";

    if (!named_files) {
        fprintf(stderr, "error: out of memory\n");
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (cli_is_help(a)) {
            fputs(usage, stdout);
            status = 0;
            goto out;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            o.verbose = true;
        } else if (strcmp(a, "--strict") == 0) {
            o.strict = true;
        } else if (strcmp(a, "--jit") == 0) {
            o.tier = GB_TIER_COMPILED;
        } else if (strcmp(a, "--interp") == 0) {
            o.tier = GB_TIER_INTERP;
        } else if (strcmp(a, "--no-fork") == 0) {
            o.fork = false;
        } else if (strcmp(a, "--timeout") == 0) {
            uint64_t v;
            if (!cli_opt_u64(a, i + 1 < argc ? argv[++i] : NULL, &v))
                goto out;
            o.timeout = v > 86400 ? 86400 : (unsigned)v;
        } else if (strcmp(a, "--wast2json") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "error: --wast2json needs a path\n");
                goto out;
            }
            o.wast2json = argv[++i];
        } else if (a[0] == '-') {
            fprintf(stderr, "error: unknown option '%s'\n"
                            "run 'gearbox wasm spec --help' for usage\n",
                    a);
            goto out;
        } else if (ends_with(a, ".wast")) {
            named_files[nnamed++] = a;
        } else if (!dir) {
            dir = a;
        } else {
            fprintf(stderr, "error: unexpected argument '%s' (one DIR, then "
                            "FILE.wast names)\n",
                    a);
            goto out;
        }
    }
    if (!dir)
        dir = getenv("GEARBOX_SPEC_DIR");
    if (!dir || !*dir)
        dir = "../shared/wasm-testsuite";

    status = 1;
    if (nnamed == 0) {
        if (!is_dir(dir)) {
            printf("spec: %s not found, skipping (scripts/get-spec-tests.sh "
                   "fetches the pinned suite)\n", dir);
            printf("0 passed, 0 failed, 1 skipped\n");
            status = 77;
            goto out;
        }
        files = list_wast(dir, &nfiles);
    } else {
        for (size_t i = 0; i < nnamed; i++) {
            const char *a = named_files[i];
            char path[PATH_MAX];
            if (access(a, R_OK) == 0 || strchr(a, '/'))
                snprintf(path, sizeof path, "%s", a);
            else
                snprintf(path, sizeof path, "%s/%s", dir, a);
            if (access(path, R_OK) != 0) {
                fprintf(stderr, "error: %s: %s\n", path, strerror(errno));
                status = 2;
                goto out;
            }
            char *p = strdup(path);
            if (!p || !CLI_PUSH(files, nfiles, capfiles, p)) {
                free(p);
                fprintf(stderr, "error: out of memory\n");
                goto out;
            }
        }
    }

    const char *tmpbase = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/gearbox-spec-XXXXXX",
             tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(tmp)) {
        fprintf(stderr, "error: cannot create a temporary directory %s: %s\n",
                tmp, strerror(errno));
        tmp[0] = 0;
        goto out;
    }

    totals tot = { 0, 0, 0 };
    for (size_t i = 0; i < nfiles; i++)
        run_wast(&o, files[i], tmp, &tot);
    printf("%u passed, %u failed, %u skipped\n", tot.passed, tot.failed,
           tot.skipped);
    status = tot.failed ? 1 : 0;
    if (tot.passed + tot.failed == 0) {
        /* a suite that is there but checked nothing is a broken set-up,
         * not a pass */
        fprintf(stderr, "error: %s gave no assertion (%zu .wast files, %u "
                        "skipped)\n", nnamed ? "the files named" : dir,
                nfiles, tot.skipped);
        status = 1;
    }

out:
    if (tmp[0]) {
        clear_dir(tmp);
        rmdir(tmp);
    }
    for (size_t i = 0; i < nfiles; i++)
        free(files[i]);
    free(files);
    free(named_files);
    fflush(stdout);
    return status;
}
