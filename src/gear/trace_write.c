/*
 * A trace written out (trace.h): text for people, JSON for tools, folded
 * stacks for flamegraph tools, and an SVG flame graph drawn here.
 *
 * Folded stacks and the SVG come from one frame tree built from the
 * executions: per run a frame "run N (kind)" holding the precharge (its
 * steps above it), the call tree of the program (syscalls as leaves, each
 * with its gas net of what it gave away), the memory pages by kind, and,
 * for a failed run that had given gas away, that gas (burned with the
 * failure).  Every frame's own value is gas burned, so the root's total is
 * the gas the message burned.
 *
 * Writing stops at the first failed fputs/fprintf: GB_IO.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "gear/trace_int.h"
#include "util/grow.h"
#include "util/mem.h"

#define NONE UINT32_MAX

static const char *kind_name(gb_dispatch_kind k)
{
    switch (k) {
    case GB_DISPATCH_INIT:
        return "init";
    case GB_DISPATCH_HANDLE:
        return "handle";
    case GB_DISPATCH_REPLY:
        return "handle_reply";
    case GB_DISPATCH_SIGNAL:
        return "handle_signal";
    default:
        return "state";
    }
}

static const char *outcome_name(const gb_trace_exec *x)
{
    if (!x->done)
        return "not run (error)";
    switch (x->outcome) {
    case GB_OUTCOME_SUCCESS:
        return "success";
    case GB_OUTCOME_SKIPPED:
        return "skipped";
    case GB_OUTCOME_FAILED:
        return "failed";
    case GB_OUTCOME_WAIT:
        return "wait";
    default:
        return "exit";
    }
}

/* ---- the frame tree -------------------------------------------------- */

typedef struct frame {
    const char *name;     /* borrowed, or NULL: label */
    char label[48];
    int kind;             /* for colours: 0 code, 1 syscall, 2 precharge,
                             3 pages, 4 run, 5 other */
    uint32_t parent, child, last, sibling;
    uint64_t self, total;
} frame;

typedef struct frames {
    frame *f;
    uint32_t n, cap;
    bool oom;
} frames;

static uint32_t frame_add(frames *fs, uint32_t parent, const char *name,
                          int kind, uint64_t self)
{
    if (fs->oom || !gb_grow((void **)&fs->f, &fs->cap, (uint64_t)fs->n + 1,
                            sizeof *fs->f, 64)) {
        fs->oom = true;
        return NONE;
    }
    uint32_t i = fs->n++;
    frame *f = &fs->f[i];
    *f = (frame){.name = name, .kind = kind, .parent = parent, .child = NONE,
                 .last = NONE, .sibling = NONE, .self = self};
    if (parent != NONE) {
        frame *p = &fs->f[parent];
        if (p->last == NONE)
            p->child = i;
        else
            fs->f[p->last].sibling = i;
        p->last = i;
    }
    return i;
}

static const char *frame_name(const frame *f)
{
    return f->name ? f->name : f->label;
}

/* The call tree of x under frame at (node 0's children). */
static void add_calls(frames *fs, const gb_trace_rec *x, uint32_t at)
{
    if (x->nnodes < 2)
        return;
    uint32_t *map = gb_malloc(x->nnodes * sizeof *map);
    if (!map) {
        fs->oom = true;
        return;
    }
    map[0] = at;
    for (uint32_t i = 1; i < x->nnodes && !fs->oom; i++) {
        const gb_trace_node *nd = &x->nodes[i];
        bool sys = nd->func < x->nimports;
        const char *name = sys ? x->sysname[nd->func]
                           : nd->func < x->nnames ? x->names[nd->func] : "?";
        map[i] = frame_add(fs, map[nd->parent], name, sys ? 1 : 0,
                           (uint64_t)(nd->self - nd->given));
    }
    free(map);
}

static frames build_frames(const gb_trace *t)
{
    frames fs = {0};
    uint32_t root = frame_add(&fs, NONE, "all runs", 5, 0);
    for (uint32_t i = 0; i < t->nexecs && !fs.oom; i++) {
        const gb_trace_rec *x = &t->execs[i];
        const gb_trace_exec *e = &x->pub;
        uint32_t run = frame_add(&fs, root, NULL, 4, 0);
        if (run == NONE)
            break;
        snprintf(fs.f[run].label, sizeof fs.f[run].label, "run %u (%s)",
                 i + 1, kind_name(e->kind));
        if (e->nsteps) {
            uint32_t pre = frame_add(&fs, run, "precharge", 2, 0);
            for (uint32_t k = 0; k < e->nsteps && pre != NONE; k++)
                frame_add(&fs, pre, e->steps[k].name, 2, e->steps[k].gas);
        }
        add_calls(&fs, x, run);
        if (e->pages_short) {
            frame_add(&fs, run, "memory pages (out of gas)", 3, e->pages);
        } else if (e->npages) {
            uint64_t by[4] = {0};
            for (uint32_t k = 0; k < e->npages; k++) {
                by[e->page_list[k].kind] += e->page_list[k].gas -
                                            e->page_list[k].load_gas;
                by[3] += e->page_list[k].load_gas;
            }
            uint32_t pg = frame_add(&fs, run, "memory pages", 3, 0);
            static const char *const names[4] = {
                "read", "write", "write after read", "load"};
            for (int k = 0; k < 4 && pg != NONE; k++)
                if (by[k])
                    frame_add(&fs, pg, names[k], 3, by[k]);
        }
        if (e->done && e->outcome == GB_OUTCOME_FAILED &&
            e->part[GB_TRACE_GIVEN] > e->given)
            frame_add(&fs, run, "gas given (burned: the run failed)", 5,
                      (uint64_t)(e->part[GB_TRACE_GIVEN] - e->given));
    }
    /* totals: children come after their parents */
    for (uint32_t i = 0; i < fs.n; i++)
        fs.f[i].total = fs.f[i].self;
    for (uint32_t i = fs.n; i-- > 1;)
        fs.f[fs.f[i].parent].total += fs.f[i].total;
    return fs;
}

/* ---- folded stacks ----------------------------------------------------- */

/* The path of frame i from its run down, ';'-separated (the root is not
 * part of paths); path: room for the tree's depth. */
static bool put_path(const frames *fs, uint32_t i, uint32_t *path, FILE *out)
{
    uint32_t n = 0;
    for (uint32_t q = i; fs->f[q].parent != NONE; q = fs->f[q].parent)
        path[n++] = q;
    for (uint32_t k = n; k-- > 0;)
        if (fputs(frame_name(&fs->f[path[k]]), out) == EOF ||
            (k && fputc(';', out) == EOF))
            return false;
    return true;
}

gb_err gb_trace_folded(const gb_trace *t, FILE *out)
{
    frames fs = build_frames(t);
    uint32_t *path = gb_malloc((fs.n ? fs.n : 1) * sizeof *path);
    gb_err e = fs.oom || !path ? GB_NOMEM : GB_OK;
    for (uint32_t i = 1; i < fs.n && !e; i++) {
        if (!fs.f[i].self)
            continue;
        if (!put_path(&fs, i, path, out) ||
            fprintf(out, " %" PRIu64 "\n", fs.f[i].self) < 0)
            e = GB_IO;
    }
    free(path);
    free(fs.f);
    return e;
}

/* ---- SVG ------------------------------------------------------------------ */

static int xml_text(FILE *out, const char *s, size_t max)
{
    for (size_t i = 0; s[i] && i < max; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default: break;
        }
        if (rep ? fputs(rep, out) == EOF : fputc(s[i], out) == EOF)
            return -1;
    }
    return 0;
}

/* A colour from the name (FNV-1a): warm for code, cool for syscalls,
 * green for the precharge, grey-blue for pages. */
static void colour(const frame *f, char out[32])
{
    uint32_t h = 2166136261u;
    for (const char *p = frame_name(f); *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    unsigned a = h % 55, b = (h >> 8) % 55;
    switch (f->kind) {
    case 0:
        snprintf(out, 32, "rgb(%u,%u,%u)", 200 + a, 80 + 2 * b, 40 + a / 2);
        break;
    case 1:
        snprintf(out, 32, "rgb(%u,%u,%u)", 80 + a, 140 + b, 210 + a / 2);
        break;
    case 2:
        snprintf(out, 32, "rgb(%u,%u,%u)", 90 + a, 180 + b, 90 + a);
        break;
    case 3:
        snprintf(out, 32, "rgb(%u,%u,%u)", 150 + a / 2, 160 + a / 2, 200);
        break;
    default:
        snprintf(out, 32, "rgb(%u,%u,%u)", 200 + a / 2, 200 + a / 2,
                 190 + a / 2);
        break;
    }
}

#define SVG_W 1200.0
#define SVG_PAD 10.0
#define ROW 17.0
#define CHAR_W 7.0 /* monospace 12px, about */
#define SVG_MAX_DEPTH 400 /* frames drawn (recursion in svg_frame) */

static int svg_frame(const frames *fs, uint32_t i, double x, uint32_t depth,
                     uint32_t maxdepth, double scale, uint64_t all, FILE *out)
{
    const frame *f = &fs->f[i];
    double w = (double)f->total * scale;
    if (w < 0.1)
        return 0; /* too thin to see (its gas is in its caller's width) */
    double y = SVG_PAD + 30.0 + (double)(maxdepth - depth) * ROW;
    char fill[32];
    colour(f, fill);
    if (fprintf(out, "<g><title>") < 0)
        return -1;
    /* the tooltip: the path, the gas and its share */
    uint32_t path[64], n = 0;
    for (uint32_t p = i; p != NONE && n < 64; p = fs->f[p].parent)
        path[n++] = p;
    for (uint32_t k = n; k-- > 0;) {
        if (xml_text(out, frame_name(&fs->f[path[k]]), 256) < 0 ||
            (k && fputs(k == n - 1 ? ": " : " > ", out) == EOF))
            return -1;
    }
    if (fprintf(out, " — %" PRIu64 " gas (%.2f%%), self %" PRIu64
                     "</title>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                     "height=\"%.1f\" fill=\"%s\" rx=\"2\"/>\n",
                f->total, all ? 100.0 * (double)f->total / (double)all : 0.0,
                f->self, x, y, w, ROW - 1.0, fill) < 0)
        return -1;
    size_t fit = w > 6.0 + 4 * CHAR_W ? (size_t)((w - 6.0) / CHAR_W) : 0;
    if (fit) {
        const char *name = frame_name(f);
        size_t len = strlen(name);
        if (fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 3.0,
                    y + ROW - 5.0) < 0 ||
            xml_text(out, name, len <= fit ? len : fit - 2) < 0 ||
            (len > fit && fputs("..", out) == EOF) ||
            fputs("</text>\n", out) == EOF)
            return -1;
    }
    if (fputs("</g>\n", out) == EOF)
        return -1;
    if (depth >= SVG_MAX_DEPTH)
        return 0; /* deeper frames are in this one's width */
    double cx = x;
    for (uint32_t c = f->child; c != NONE; c = fs->f[c].sibling) {
        if (svg_frame(fs, c, cx, depth + 1, maxdepth, scale, all, out) < 0)
            return -1;
        cx += (double)fs->f[c].total * scale;
    }
    return 0;
}

gb_err gb_trace_flamegraph_svg(const gb_trace *t, FILE *out)
{
    frames fs = build_frames(t);
    if (fs.oom) {
        free(fs.f);
        return GB_NOMEM;
    }
    uint32_t *depth = gb_calloc(fs.n ? fs.n : 1, sizeof *depth);
    if (!depth) {
        free(fs.f);
        return GB_NOMEM;
    }
    uint32_t maxdepth = 0;
    for (uint32_t i = 1; i < fs.n; i++) {
        depth[i] = depth[fs.f[i].parent] + 1;
        if (depth[i] > maxdepth)
            maxdepth = depth[i];
    }
    if (maxdepth > SVG_MAX_DEPTH)
        maxdepth = SVG_MAX_DEPTH;
    free(depth);
    uint64_t all = fs.n ? fs.f[0].total : 0;
    double scale = all ? (SVG_W - 2 * SVG_PAD) / (double)all : 0;
    double h = SVG_PAD * 2 + 30.0 + (double)(maxdepth + 1) * ROW + 20.0;
    char title[200] = "Gas by call stack";
    if (t->nexecs) {
        char hex[67];
        gb_id_to_hex(t->execs[0].pub.message, hex);
        snprintf(title, sizeof title,
                 "Gas by call stack: message %.12s..%s, %" PRIu64
                 " gas burned in %u run%s",
                 hex, hex + 58, all, t->nexecs, t->nexecs == 1 ? "" : "s");
    }
    int r = fprintf(out,
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                    "<svg xmlns=\"http://www.w3.org/2000/svg\" "
                    "version=\"1.1\" width=\"%.0f\" height=\"%.0f\" "
                    "viewBox=\"0 0 %.0f %.0f\" font-family=\"monospace\" "
                    "font-size=\"12\">\n"
                    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fdfdf6\"/>\n"
                    "<text x=\"%.0f\" y=\"%.0f\" font-size=\"15\" "
                    "text-anchor=\"middle\">",
                    SVG_W, h, SVG_W, h, SVG_W / 2, SVG_PAD + 15.0);
    if (r >= 0)
        r = xml_text(out, title, sizeof title);
    if (r >= 0)
        r = fputs("</text>\n", out) == EOF ? -1 : 0;
    if (r >= 0 && fs.n)
        r = svg_frame(&fs, 0, SVG_PAD, 0, maxdepth, scale, all, out);
    if (r >= 0)
        r = fprintf(out,
                    "<text x=\"%.0f\" y=\"%.0f\" fill=\"#555\">width: gas; "
                    "warm: program code, blue: syscalls, green: precharge, "
                    "grey: memory pages; hover for figures</text>\n</svg>\n",
                    SVG_PAD, h - SVG_PAD);
    free(fs.f);
    return r < 0 ? GB_IO : GB_OK;
}

/* ---- text ------------------------------------------------------------------ */

/* n with thousands separators into b. */
static const char *num(char b[32], int64_t n)
{
    char d[24];
    snprintf(d, sizeof d, "%" PRIu64,
             n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n);
    size_t len = strlen(d), o = 0;
    if (n < 0)
        b[o++] = '-';
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            b[o++] = ',';
        b[o++] = d[i];
    }
    b[o] = 0;
    return b;
}

static const char *short_id(char b[20], gb_id id)
{
    char hex[67];
    gb_id_to_hex(id, hex);
    snprintf(b, 20, "%.8s..%s", hex, hex + 62);
    return b;
}

static void print_syscall(const gb_trace_syscall *c, uint32_t i, FILE *out)
{
    char b[32], args[160];
    size_t o = 0;
    args[0] = 0;
    for (uint32_t k = 0; k < c->nargs && o < sizeof args; k++)
        o += (size_t)snprintf(args + o, sizeof args - o, "%s%" PRIu64,
                              k ? ", " : "", c->args[k]);
    fprintf(out, "  %5u  %-24.24s %s(%s)", i + 1, c->caller_name, c->name,
            args);
    if (c->nresults)
        fprintf(out, " = %" PRIu64, c->results[0]);
    if (c->has_code)
        fprintf(out, c->code ? "  error %u" : "  ok", c->code);
    if (c->stop)
        fprintf(out, "  [ended the run: %s]", c->stop);
    fprintf(out, "\n         gas %s", num(b, c->gas));
    const char *sep = " = ";
    for (int k = 0; k < GB_TRACE_PART_COUNT; k++) {
        if (!c->part[k])
            continue;
        if (c->part[k] < 0 && sep[1] == '+')
            sep = " - ";
        fprintf(out, "%s%s %s", sep,
                num(b, sep[1] == '-' ? -c->part[k] : c->part[k]),
                k == GB_TRACE_OTHER && c->stop ? "short (out of gas)"
                                               : gb_trace_part_name(k));
        sep = " + ";
    }
    fputc('\n', out);
}

static void print_exec(const gb_trace_exec *x, uint32_t i, uint32_t n,
                       FILE *out)
{
    char b[32], b2[32], id1[20], id2[20];
    fprintf(out, "run %u of %u: %s of message %s to program %s\n", i + 1, n,
            kind_name(x->kind), short_id(id1, x->message),
            short_id(id2, x->program));
    fprintf(out, "  outcome %s, gas burned %s of %s", outcome_name(x),
            num(b, (int64_t)x->gas_burned), num(b2, (int64_t)x->gas_limit));
    if (x->trap_msg[0])
        fprintf(out, " (%s)", x->trap_msg);
    fputs(x->incomplete ? "\n  (incomplete: out of memory while tracing)\n"
                        : "\n",
          out);
    fprintf(out, "\n  %-40s %18s\n", "precharge", num(b, (int64_t)x->precharge));
    for (uint32_t k = 0; k < x->nsteps; k++)
        fprintf(out, "    %-38s %18s\n", x->steps[k].name,
                num(b, (int64_t)x->steps[k].gas));
    fprintf(out, "  %-40s %18s\n", "wasm instructions",
            num(b, (int64_t)x->instructions));
    fprintf(out, "  %-40s %18s  (%u calls)\n", "syscalls",
            num(b, x->syscalls), x->nsys + (uint32_t)x->sys_dropped);
    for (int k = 0; k < GB_TRACE_PART_COUNT; k++)
        if (x->part[k])
            fprintf(out, "    %-38s %18s\n", gb_trace_part_name(k),
                    num(b, x->part[k]));
    if (x->given)
        fprintf(out, "  %-40s %18s\n", "given, not burned",
                num(b, -x->given));
    fprintf(out, "  %-40s %18s  (%u pages%s)\n", "memory pages",
            num(b, (int64_t)x->pages), x->npages,
            x->pages_short ? ", out of gas for them" : "");
    fprintf(out, "  %-40s %18s\n", "= burned",
            num(b, (int64_t)x->precharge + (int64_t)x->instructions +
                       x->syscalls - x->given + (int64_t)x->pages));

    if (x->nsys) {
        fprintf(out, "\n  syscalls, in order: #  caller  call(args) result\n");
        for (uint32_t k = 0; k < x->nsys; k++)
            print_syscall(&x->sys[k], k, out);
        if (x->sys_dropped)
            fprintf(out, "  ... and %" PRIu64 " more, not listed\n",
                    x->sys_dropped);
    }
    if (x->nfuncs) {
        fprintf(out, "\n  functions: %18s %18s %10s  name\n", "total", "self",
                "calls");
        for (uint32_t k = 0; k < x->nfuncs; k++) {
            const gb_trace_func *f = &x->funcs[k];
            fprintf(out, "  %29s %18s %10" PRIu64 "  %s\n",
                    num(b, (int64_t)f->total), num(b2, (int64_t)f->self),
                    f->calls, f->name);
        }
    }
    if (x->npages) {
        fprintf(out, "\n  pages: %8s  %-17s %5s %18s\n", "page", "kind",
                "load", "gas");
        for (uint32_t k = 0; k < x->npages; k++) {
            const gb_trace_page *p = &x->page_list[k];
            fprintf(out, "         %8u  %-17s %5s %18s\n", p->page,
                    gb_trace_page_kind_name(p->kind), p->load ? "yes" : "no",
                    num(b, (int64_t)p->gas));
        }
    }
}

gb_err gb_trace_print(const gb_trace *t, FILE *out)
{
    char b[32];
    if (!t->nexecs)
        fputs("no run of the message was traced\n", out);
    for (uint32_t i = 0; i < t->nexecs; i++) {
        if (i)
            fputc('\n', out);
        print_exec(&t->execs[i].pub, i, t->nexecs, out);
    }
    if (t->nexecs > 1)
        fprintf(out, "\ntotal gas burned by %u runs: %s\n", t->nexecs,
                num(b, (int64_t)gb_trace_gas_burned(t)));
    return ferror(out) ? GB_IO : GB_OK;
}

/* ---- JSON -------------------------------------------------------------------- */

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_id(FILE *out, gb_id id)
{
    char hex[67];
    gb_id_to_hex(id, hex);
    json_str(out, hex);
}

static void json_parts(FILE *out, const int64_t *part)
{
    for (int k = 0; k < GB_TRACE_PART_COUNT; k++)
        fprintf(out, "%s\"%s\":%" PRId64, k ? "," : "",
                gb_trace_part_name(k), part[k]);
}

/* The folded stacks of one run, as {"stack", "gas"} objects. */
static void json_stacks(FILE *out, const frames *fs, uint32_t run)
{
    bool first = true;
    for (uint32_t i = run + 1; i < fs->n; i++) {
        uint32_t p = i;
        while (p != NONE && fs->f[p].parent != run && p != run)
            p = fs->f[p].parent;
        if (p == NONE || p == run || !fs->f[i].self)
            continue;
        uint32_t path[256], n = 0;
        for (uint32_t q = i; q != run && n < 256; q = fs->f[q].parent)
            path[n++] = q;
        fputs(first ? "{\"stack\":\"" : ",{\"stack\":\"", out);
        first = false;
        for (uint32_t k = n; k-- > 0;) {
            const char *s = frame_name(&fs->f[path[k]]);
            for (; *s; s++) /* names are printable ASCII already */
                fprintf(out, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
            if (k)
                fputc(';', out);
        }
        fprintf(out, "\",\"gas\":%" PRIu64 "}", fs->f[i].self);
    }
}

gb_err gb_trace_json(const gb_trace *t, FILE *out)
{
    frames fs = build_frames(t);
    if (fs.oom) {
        free(fs.f);
        return GB_NOMEM;
    }
    fprintf(out, "{\"gas_burned\":%" PRIu64 ",\"executions\":[",
            gb_trace_gas_burned(t));
    for (uint32_t i = 0, run = fs.f[0].child; i < t->nexecs;
         i++, run = run == NONE ? NONE : fs.f[run].sibling) {
        const gb_trace_exec *x = &t->execs[i].pub;
        fputs(i ? ",{\"message\":" : "{\"message\":", out);
        json_id(out, x->message);
        fputs(",\"program\":", out);
        json_id(out, x->program);
        fputs(",\"kind\":", out);
        json_str(out, kind_name(x->kind));
        fprintf(out, ",\"gas_limit\":%" PRIu64 ",\"outcome\":", x->gas_limit);
        json_str(out, outcome_name(x));
        fprintf(out, ",\"gas_burned\":%" PRIu64, x->gas_burned);
        if (x->trap_msg[0]) {
            fputs(",\"trap\":", out);
            json_str(out, x->trap_msg);
        }
        fprintf(out, ",\"incomplete\":%s", x->incomplete ? "true" : "false");
        fprintf(out,
                ",\"gas\":{\"precharge\":%" PRIu64 ",\"instructions\":%" PRIu64
                ",\"syscalls\":%" PRId64 ",\"given\":%" PRId64
                ",\"pages\":%" PRIu64 ",\"pages_short\":%s",
                x->precharge, x->instructions, x->syscalls, x->given,
                x->pages, x->pages_short ? "true" : "false");
        fputs(",\"syscall_parts\":{", out);
        json_parts(out, x->part);
        fputs("}},\"precharge\":[", out);
        for (uint32_t k = 0; k < x->nsteps; k++) {
            fputs(k ? ",{\"step\":" : "{\"step\":", out);
            json_str(out, x->steps[k].name);
            fprintf(out, ",\"gas\":%" PRIu64 "}", x->steps[k].gas);
        }
        fputs("],\"functions\":[", out);
        for (uint32_t k = 0; k < x->nfuncs; k++) {
            const gb_trace_func *f = &x->funcs[k];
            fprintf(out, "%s{\"index\":%u,\"name\":", k ? "," : "", f->index);
            json_str(out, f->name);
            fprintf(out,
                    ",\"calls\":%" PRIu64 ",\"self\":%" PRIu64
                    ",\"total\":%" PRIu64 "}",
                    f->calls, f->self, f->total);
        }
        fputs("],\"syscalls\":[", out);
        for (uint32_t k = 0; k < x->nsys; k++) {
            const gb_trace_syscall *c = &x->sys[k];
            fputs(k ? ",{\"name\":" : "{\"name\":", out);
            json_str(out, c->name);
            fputs(",\"caller\":", out);
            json_str(out, c->caller_name);
            fputs(",\"args\":[", out);
            for (uint32_t a = 0; a < c->nargs; a++)
                fprintf(out, "%s%" PRIu64, a ? "," : "", c->args[a]);
            fputs("],\"results\":[", out);
            for (uint32_t a = 0; a < c->nresults && c->trap == GB_OK; a++)
                fprintf(out, "%s%" PRIu64, a ? "," : "", c->results[a]);
            fputc(']', out);
            if (c->has_code)
                fprintf(out, ",\"code\":%u", c->code);
            if (c->stop) {
                fputs(",\"stop\":", out);
                json_str(out, c->stop);
            }
            fprintf(out, ",\"gas\":%" PRId64 ",", c->gas);
            json_parts(out, c->part);
            fputc('}', out);
        }
        fprintf(out, "],\"syscalls_dropped\":%" PRIu64 ",\"pages\":[",
                x->sys_dropped);
        for (uint32_t k = 0; k < x->npages; k++) {
            const gb_trace_page *p = &x->page_list[k];
            fprintf(out, "%s{\"page\":%u,\"kind\":", k ? "," : "", p->page);
            json_str(out, gb_trace_page_kind_name(p->kind));
            fprintf(out, ",\"load\":%s,\"gas\":%" PRIu64 "}",
                    p->load ? "true" : "false", p->gas);
        }
        fputs("],\"stacks\":[", out);
        if (run != NONE)
            json_stacks(out, &fs, run);
        fputs("]}", out);
    }
    fputs("]}\n", out);
    free(fs.f);
    return ferror(out) ? GB_IO : GB_OK;
}
