/*
 * The defaults of the node commands (see client.h, cli_config_defaults):
 * the built-in ones, then a config file, then the environment; options
 * on the command line come last and win.
 *
 * The config file is the first of: $GEARBOX_CONFIG (which must exist when
 * set), ./gearbox.toml, $XDG_CONFIG_HOME/gearbox/gearbox.toml (or
 * ~/.config/gearbox/gearbox.toml).  It is a small TOML subset: lines of
 * `key = "text"` or `key = number`, `#` comments, blank lines:
 *
 *   node = "http://127.0.0.1:9944"   # --node
 *   account = "bob"                  # --account
 *   timeout = 60                     # --timeout, seconds
 *   remote = true                    # allow a node on another machine
 *
 * Then GEARBOX_NODE and GEARBOX_ACCOUNT (and GEARBOX_REMOTE=1, read by
 * http_client.c, as remote = true).  An unknown key or a line that
 * does not parse is an error naming the file and line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli_util.h"
#include "cli/client.h"
#include "cli/parse.h"

/* Config values live as long as the process (the options point at
 * them); one file is read per run. */
static char *config_text;

static bool parse_line(char *line, int lineno, const char *path,
                       cli_copts *o, char *err, size_t errlen)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p || *p == '#' || *p == '\r')
        return true;
    char *key = p;
    while ((*p >= 'a' && *p <= 'z') || *p == '_')
        p++;
    size_t klen = (size_t)(p - key);
    while (*p == ' ' || *p == '\t')
        p++;
    if (!klen || *p != '=') {
        snprintf(err, errlen, "%s:%d: expected key = value", path, lineno);
        return false;
    }
    key[klen] = 0;
    p++;
    while (*p == ' ' || *p == '\t')
        p++;
    char *val;
    bool quoted = *p == '"';
    if (quoted) {
        val = ++p;
        while (*p && *p != '"') {
            if (*p == '\\') {
                snprintf(err, errlen, "%s:%d: escapes in strings are not "
                         "supported", path, lineno);
                return false;
            }
            p++;
        }
        if (*p != '"') {
            snprintf(err, errlen, "%s:%d: the string has no closing quote",
                     path, lineno);
            return false;
        }
        *p++ = 0;
    } else {
        val = p;
        while (*p && *p != ' ' && *p != '\t' && *p != '#' && *p != '\r')
            p++;
        if (*p)
            *p++ = 0;
    }
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    if (*p && *p != '#') {
        snprintf(err, errlen, "%s:%d: unexpected text after the value", path,
                 lineno);
        return false;
    }
    if (!strcmp(key, "node") || !strcmp(key, "account")) {
        if (!quoted) {
            snprintf(err, errlen, "%s:%d: %s wants a quoted string", path,
                     lineno, key);
            return false;
        }
        if (!strcmp(key, "node"))
            o->node = val;
        else
            o->account = val;
        return true;
    }
    if (!strcmp(key, "remote")) {
        if (quoted || (strcmp(val, "true") && strcmp(val, "false"))) {
            snprintf(err, errlen, "%s:%d: remote wants true or false", path,
                     lineno);
            return false;
        }
        /* read by the HTTP client (http_client.c), as GEARBOX_REMOTE */
        if (!strcmp(val, "true"))
            setenv("GEARBOX_REMOTE", "1", 0);
        return true;
    }
    if (!strcmp(key, "timeout")) {
        if (quoted || gb_parse_u64(val, &o->timeout)) {
            snprintf(err, errlen, "%s:%d: timeout wants a number of seconds",
                     path, lineno);
            return false;
        }
        return true;
    }
    snprintf(err, errlen, "%s:%d: unknown key '%s' (node, account, timeout, remote)",
             path, lineno, key);
    return false;
}

bool cli_config_defaults(cli_copts *o, char *err, size_t errlen)
{
    o->node = CLI_DEFAULT_NODE;
    o->account = "alice";
    o->gas = CLI_DEFAULT_GAS;
    o->timeout = 30;
    o->config = NULL;
    static char pathbuf[4096];
    const char *path = getenv("GEARBOX_CONFIG");
    bool must = path && *path;
    if (!must) {
        path = "gearbox.toml";
        FILE *f = fopen(path, "r");
        if (f) {
            fclose(f);
        } else {
            const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
            if (xdg && *xdg)
                snprintf(pathbuf, sizeof pathbuf, "%s/gearbox/gearbox.toml", xdg);
            else if (home && *home)
                snprintf(pathbuf, sizeof pathbuf,
                         "%s/.config/gearbox/gearbox.toml", home);
            else
                pathbuf[0] = 0;
            path = pathbuf[0] ? pathbuf : NULL;
        }
    }
    if (path) {
        uint8_t *text;
        size_t len;
        if (cli_read_file(path, &text, &len)) {
            if (must || errno != ENOENT) {
                snprintf(err, errlen, "cannot read the config file %s: %s",
                         path, strerror(errno));
                return false;
            }
        } else {
            free(config_text);
            config_text = (char *)text;
            char *line = config_text;
            for (int n = 1; line; n++) {
                char *nl = strchr(line, '\n');
                if (nl)
                    *nl = 0;
                if (!parse_line(line, n, path, o, err, errlen))
                    return false;
                line = nl ? nl + 1 : NULL;
            }
            o->config = path;
        }
    }
    const char *env = getenv("GEARBOX_NODE");
    if (env && *env)
        o->node = env;
    env = getenv("GEARBOX_ACCOUNT");
    if (env && *env)
        o->account = env;
    return true;
}

void cli_config_free(void)
{
    free(config_text);
    config_text = NULL;
}
