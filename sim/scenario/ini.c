/* ini.c - strict reader for scenario key files (see ini.h).
 *
 * Why GKeyFile alone is not enough: its errors carry no line number, it
 * keeps " # comment" in a value, it silently merges a repeated group and
 * keeps the last of a repeated key, and it reads "key[de]" as a translation.
 *
 * Design: this file parses the text itself, line by line, and that parse is
 * the only one the rest of bondsim sees. GKeyFile then loads the same bytes
 * as a cross-check of the syntax. Our pass refuses everything GKeyFile
 * refuses (checked against GLib 2.74: after leading white space, an empty or
 * '#' line is a comment and a ';' line is an error; a header is '[' name ']'
 * followed by blanks only, the name non-empty, without '[' or control
 * characters, tab included; a key line has a non-empty key before its first
 * '='; no key comes before the first group; "Encoding" in the first group
 * must read UTF-8) and more (NUL bytes, control characters other than tab, invalid
 * UTF-8, repeated groups and keys, '[' or ']' in keys), always with a line
 * number, so the cross-check should never fire; if it does, GKeyFile's own
 * message is passed on, prefixed with the file name only.
 *
 * Values are literal: GKeyFile's escapes (\n \t \s \\) and ';' lists mean
 * nothing here. A value ends before the first blank (space or tab) that is
 * followed by '#', the blanks just after '=' included ("k = # note" is
 * empty); a '#' with no blank before it stays ("color=#fff", "a#b"); white
 * space around the value is trimmed. Group names are trimmed too ("[ link ]"
 * is "link"). Lines end at '\n'; a '\r' just before it is dropped.
 *
 * Storage: groups in file order in a GPtrArray, found by name through a
 * GHashTable; each group keeps its keys in file order (a NULL-terminated
 * GPtrArray that ini_keys hands out) and a GHashTable key -> entry, so a
 * (group, key) lookup is two hash probes and no result follows hash order.
 */
#include "scenario/ini.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

GQuark ini_error_quark(void)
{
    return g_quark_from_static_string("ini-error-quark");
}

/* One key = value line (or one --set). */
typedef struct {
    char *key;         /* trimmed, as written */
    char *value;       /* trimmed, trailing comment removed, literal */
    int line;          /* 1-based line of the key; 0 when set by ini_override */
    gboolean from_set; /* set by ini_override: messages say "--set group.key" */
} IniEntry;

/* One [group] and its keys. */
typedef struct {
    char *name;          /* trimmed text between the brackets */
    int line;            /* line of the header; 0 when created by ini_override */
    GPtrArray *keys;     /* borrowed IniEntry.key in file order, then NULL */
    GHashTable *entries; /* key -> IniEntry, owned */
} IniGroup;

struct IniFile {
    char *name;          /* file name used in messages */
    GPtrArray *groups;   /* IniGroup, owned, in file order */
    GHashTable *by_name; /* group name -> IniGroup, borrowed from groups */
};

/* Where the parser stands. */
typedef struct {
    IniFile *ini;
    IniGroup *group; /* group of the last header; NULL before the first one */
    int line;        /* current line, 1-based */
} IniParser;

/* The line being parsed, without its line ending. */
typedef struct {
    const char *text;  /* whole line, NUL-terminated */
    const char *start; /* first non-blank character */
    const char *end;   /* just after the last non-blank character */
} IniLine;

/* ---- storage ---------------------------------------------------------- */

static void ini_entry_free(gpointer data)
{
    IniEntry *e = data;
    g_free(e->key);
    g_free(e->value);
    g_free(e);
}

static void ini_group_free(gpointer data)
{
    IniGroup *g = data;
    g_ptr_array_free(g->keys, TRUE);
    g_hash_table_destroy(g->entries);
    g_free(g->name);
    g_free(g);
}

static IniGroup *ini_group_add(IniFile *ini, const char *name, int line)
{
    IniGroup *g = g_new0(IniGroup, 1);
    g->name = g_strdup(name);
    g->line = line;
    g->keys = g_ptr_array_new();
    g_ptr_array_add(g->keys, NULL);
    g->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, ini_entry_free);
    g_ptr_array_add(ini->groups, g);
    g_hash_table_insert(ini->by_name, g->name, g);
    return g;
}

/* Adds `key` at the end of the group's keys; takes `value`. */
static IniEntry *ini_entry_add(IniGroup *g, const char *key, char *value, int line)
{
    IniEntry *e = g_new0(IniEntry, 1);
    e->key = g_strdup(key);
    e->value = value;
    e->line = line;
    g_ptr_array_insert(g->keys, (gint)g->keys->len - 1, e->key);
    g_hash_table_insert(g->entries, e->key, e);
    return e;
}

static IniGroup *ini_find_group(const IniFile *ini, const char *group)
{
    return g_hash_table_lookup(ini->by_name, group);
}

static IniEntry *ini_find_entry(const IniFile *ini, const char *group, const char *key)
{
    IniGroup *g = ini_find_group(ini, group);
    return g != NULL ? g_hash_table_lookup(g->entries, key) : NULL;
}

/* ---- messages --------------------------------------------------------- */

/* Sets *error to "file[:line][: [group][ key]]: message", or
 * "file: --set group.key: message" for a value from the command line. */
static void ini_set_error(const IniFile *ini, GError **error, int line, const char *group,
                          const char *key, gboolean from_set, const char *message)
{
    GString *s = g_string_new(ini->name);
    if (line > 0)
        g_string_append_printf(s, ":%d", line);
    if (from_set && key != NULL)
        g_string_append_printf(s, ": --set %s.%s", group, key);
    else if (from_set)
        g_string_append_printf(s, ": --set %s", group);
    else if (group != NULL && key != NULL)
        g_string_append_printf(s, ": [%s] %s", group, key);
    else if (group != NULL)
        g_string_append_printf(s, ": [%s]", group);
    g_string_append_printf(s, ": %s", message);
    g_set_error_literal(error, INI_ERROR, 0, s->str);
    g_string_free(s, TRUE);
}

/* An error on the parser's current line; returns FALSE. */
static gboolean ini_parse_error(const IniParser *p, GError **error, const char *group,
                                const char *key, const char *fmt, ...) G_GNUC_PRINTF(5, 6);

static gboolean ini_parse_error(const IniParser *p, GError **error, const char *group,
                                const char *key, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    char *message = g_strdup_vprintf(fmt, args);
    va_end(args);
    ini_set_error(p->ini, error, p->line, group, key, FALSE, message);
    g_free(message);
    return FALSE;
}

gboolean ini_fail(const IniFile *ini, GError **error, const char *group, const char *key,
                  const char *fmt, ...)
{
    g_return_val_if_fail(ini != NULL && fmt != NULL, FALSE);
    /* A key that is absent points at its group's header; a group that only
     * --set made (line 0) has no header: the message then names the --set. */
    const IniGroup *g = group != NULL ? ini_find_group(ini, group) : NULL;
    const IniEntry *e = g != NULL && key != NULL ? g_hash_table_lookup(g->entries, key) : NULL;
    int line = e != NULL ? e->line : g != NULL ? g->line : 0;
    gboolean from_set = e != NULL ? e->from_set : g != NULL && g->line == 0;
    va_list args;
    va_start(args, fmt);
    char *message = g_strdup_vprintf(fmt, args);
    va_end(args);
    ini_set_error(ini, error, line, group, e == NULL && from_set ? NULL : key, from_set, message);
    g_free(message);
    return FALSE;
}

/* ---- parsing ---------------------------------------------------------- */

/* Refuses bytes that have no place in a text file: NUL, control characters
 * other than tab (a lone '\r' among them), invalid UTF-8. */
static gboolean ini_check_bytes(const IniParser *p, const char *raw, gsize n, GError **error)
{
    for (gsize i = 0; i < n; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c == '\0')
            return ini_parse_error(p, error, NULL, NULL, "the line contains a NUL byte");
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return ini_parse_error(
                p, error, NULL, NULL, "the line contains control character 0x%02x%s", c,
                c == '\r' ? " (a carriage return not ending the line)" : " (only tab is allowed)");
    }
    if (!g_utf8_validate_len(raw, n, NULL))
        return ini_parse_error(p, error, NULL, NULL, "the line is not valid UTF-8");
    return TRUE;
}

static gboolean ini_parse_header(IniParser *p, const IniLine *l, GError **error)
{
    int shown = (int)(l->end - l->start);
    const char *close = memchr(l->start, ']', (gsize)(l->end - l->start));
    if (close == NULL)
        return ini_parse_error(p, error, NULL, NULL, "'%.*s': a group header needs a closing ']'",
                               shown, l->start);
    if (close + 1 != l->end)
        return ini_parse_error(p, error, NULL, NULL,
                               "'%.*s': nothing may follow ']' in a group header "
                               "(a comment goes on its own line)",
                               shown, l->start);
    char *name = g_strstrip(g_strndup(l->start + 1, (gsize)(close - l->start - 1)));
    const IniGroup *first = ini_find_group(p->ini, name);
    gboolean ok = FALSE;
    if (*name == '\0')
        ini_parse_error(p, error, NULL, NULL, "'%.*s': the group name is empty", shown, l->start);
    else if (strchr(name, '[') != NULL)
        ini_parse_error(p, error, NULL, NULL, "'%.*s': '[' is not allowed in a group name", shown,
                        l->start);
    else if (memchr(l->start, '\t', (gsize)(close - l->start)) != NULL) /* before trimming */
        ini_parse_error(p, error, NULL, NULL, "'%.*s': a tab is not allowed in a group name", shown,
                        l->start);
    else if (first != NULL)
        ini_parse_error(p, error, name, NULL, "group repeated (first at line %d)", first->line);
    else
        ok = TRUE;
    if (ok)
        p->group = ini_group_add(p->ini, name, p->line);
    g_free(name);
    return ok;
}

/* GKeyFile refuses an "Encoding" key in the first group unless its value,
 * as GKeyFile reads it (trailing blanks and comment included), is UTF-8: a
 * desktop-entry rule. Refuse it here first, with a line number. */
static gboolean ini_check_encoding(const IniParser *p, const char *key, const char *after_eq,
                                   GError **error)
{
    if (strcmp(key, "Encoding") != 0 || p->ini->groups->pdata[0] != p->group)
        return TRUE;
    while (g_ascii_isspace(*after_eq))
        after_eq++;
    if (g_ascii_strcasecmp(after_eq, "UTF-8") == 0)
        return TRUE;
    return ini_parse_error(p, error, p->group->name, key,
                           "in the first group this key names the file's character set "
                           "and must be exactly UTF-8");
}

/* The value between '=' and the line's end: cut before the first blank
 * followed by '#', then trimmed. Caller frees. */
static char *ini_value(const char *from, const char *to)
{
    for (const char *c = from; c + 1 < to; c++) {
        if ((c[0] == ' ' || c[0] == '\t') && c[1] == '#') {
            to = c;
            break;
        }
    }
    while (from < to && g_ascii_isspace(*from))
        from++;
    while (to > from && g_ascii_isspace(to[-1]))
        to--;
    return g_strndup(from, (gsize)(to - from));
}

static gboolean ini_check_key(const IniParser *p, const char *key, GError **error)
{
    if (p->group == NULL)
        return ini_parse_error(p, error, NULL, NULL, "key '%s' comes before any [group] header",
                               key);
    if (strpbrk(key, "[]") != NULL)
        return ini_parse_error(p, error, p->group->name, key,
                               "'[' and ']' are not allowed in keys "
                               "(locale variants such as key[de] are not supported)");
    const IniEntry *first = g_hash_table_lookup(p->group->entries, key);
    if (first != NULL)
        return ini_parse_error(p, error, p->group->name, key, "key repeated (first at line %d)",
                               first->line);
    return TRUE;
}

static gboolean ini_parse_pair(IniParser *p, const IniLine *l, const char *eq, GError **error)
{
    const char *key_end = eq;
    while (key_end > l->start && g_ascii_isspace(key_end[-1]))
        key_end--;
    if (key_end == l->start)
        return ini_parse_error(p, error, NULL, NULL, "'%.*s': the key before '=' is empty",
                               (int)(l->end - l->start), l->start);
    char *key = g_strndup(l->start, (gsize)(key_end - l->start));
    gboolean ok = ini_check_key(p, key, error) && ini_check_encoding(p, key, eq + 1, error);
    if (ok)
        ini_entry_add(p->group, key, ini_value(eq + 1, l->end), p->line);
    g_free(key);
    return ok;
}

/* One line, already checked by ini_check_bytes and NUL-terminated. */
static gboolean ini_parse_line(IniParser *p, const char *text, GError **error)
{
    IniLine l = {text, text, text + strlen(text)};
    while (g_ascii_isspace(*l.start))
        l.start++;
    while (l.end > l.start && g_ascii_isspace(l.end[-1]))
        l.end--;
    if (l.start == l.end || *l.start == '#')
        return TRUE;
    if (*l.start == '[')
        return ini_parse_header(p, &l, error);
    if (*l.start == ';')
        return ini_parse_error(p, error, NULL, NULL, "';' does not start a comment: use '#'");
    const char *eq = memchr(l.start, '=', (gsize)(l.end - l.start));
    if (eq == NULL)
        return ini_parse_error(p, error, NULL, NULL,
                               "'%.*s' is not a [group] header, a key = value line "
                               "or a # comment",
                               (int)(l.end - l.start), l.start);
    return ini_parse_pair(p, &l, eq, error);
}

static gboolean ini_parse_text(IniFile *ini, const char *data, gsize len, GError **error)
{
    IniParser p = {ini, NULL, 0};
    gsize pos = 0;
    while (pos < len) {
        const char *raw = data + pos;
        const char *nl = memchr(raw, '\n', len - pos);
        gsize n = nl != NULL ? (gsize)(nl - raw) : len - pos;
        pos += n + (nl != NULL ? 1 : 0);
        if (nl != NULL && n > 0 && raw[n - 1] == '\r')
            n--;
        p.line++;
        if (!ini_check_bytes(&p, raw, n, error))
            return FALSE;
        char *text = g_strndup(raw, n);
        gboolean ok = ini_parse_line(&p, text, error);
        g_free(text);
        if (!ok)
            return FALSE;
    }
    return TRUE;
}

/* GKeyFile over the same bytes; see the top of the file. */
static gboolean ini_cross_check(const IniFile *ini, const char *data, gsize len, GError **error)
{
    GKeyFile *kf = g_key_file_new();
    GError *kf_error = NULL;
    gboolean ok = g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &kf_error);
    g_key_file_free(kf);
    if (ok)
        return TRUE;
    g_set_error(error, INI_ERROR, 0, "%s: %s", ini->name, kf_error->message);
    g_error_free(kf_error);
    return FALSE;
}

/* ---- loading ---------------------------------------------------------- */

/* Larger is no scenario (the largest the limits allow is a few MiB); the cap
 * keeps "bondsim validate /dev/zero" from reading until memory runs out. */
#define INI_MAX_FILE_BYTES ((gsize)64 << 20)

/* Reads a whole file; stdio rather than g_file_get_contents so the message
 * can carry the errno text itself, and so that an endless one (a device) is
 * refused at INI_MAX_FILE_BYTES. Caller frees. */
static char *ini_read_file(const char *path, gsize *len, GError **error)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int saved = errno;
        g_set_error(error, INI_ERROR, 0, "%s: cannot be read: %s", path, g_strerror(saved));
        return NULL;
    }
    GString *text = g_string_new(NULL);
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && text->len <= INI_MAX_FILE_BYTES)
        g_string_append_len(text, chunk, (gssize)n);
    int saved = ferror(f) ? (errno != 0 ? errno : EIO) : 0;
    fclose(f);
    if (saved == 0 && text->len > INI_MAX_FILE_BYTES) {
        g_set_error(error, INI_ERROR, 0, "%s: larger than %" G_GSIZE_FORMAT " MiB: not a scenario",
                    path, INI_MAX_FILE_BYTES >> 20);
        g_string_free(text, TRUE);
        return NULL;
    }
    if (saved != 0) {
        g_set_error(error, INI_ERROR, 0, "%s: cannot be read: %s", path, g_strerror(saved));
        g_string_free(text, TRUE);
        return NULL;
    }
    *len = text->len;
    return g_string_free(text, FALSE);
}

IniFile *ini_load(const char *path, GError **error)
{
    g_return_val_if_fail(path != NULL, NULL);
    gsize len = 0;
    char *data = ini_read_file(path, &len, error);
    if (data == NULL)
        return NULL;
    IniFile *ini = ini_load_data(path, data, len, error);
    g_free(data);
    return ini;
}

/* `len` may be (gsize)-1 for NUL-terminated data, as for GKeyFile. */
IniFile *ini_load_data(const char *name, const char *data, gsize len, GError **error)
{
    g_return_val_if_fail(name != NULL && data != NULL, NULL);
    if (len == (gsize)-1)
        len = strlen(data);
    IniFile *ini = g_new0(IniFile, 1);
    ini->name = g_strdup(name);
    ini->groups = g_ptr_array_new_with_free_func(ini_group_free);
    ini->by_name = g_hash_table_new(g_str_hash, g_str_equal);
    if (!ini_parse_text(ini, data, len, error) || !ini_cross_check(ini, data, len, error)) {
        ini_free(ini);
        return NULL;
    }
    return ini;
}

void ini_free(IniFile *ini)
{
    if (ini == NULL)
        return;
    g_hash_table_destroy(ini->by_name);
    g_ptr_array_free(ini->groups, TRUE);
    g_free(ini->name);
    g_free(ini);
}

/* ---- queries ---------------------------------------------------------- */

const char *ini_file_name(const IniFile *ini)
{
    g_return_val_if_fail(ini != NULL, NULL);
    return ini->name;
}

guint ini_n_groups(const IniFile *ini)
{
    g_return_val_if_fail(ini != NULL, 0);
    return ini->groups->len;
}

const char *ini_group(const IniFile *ini, guint i)
{
    g_return_val_if_fail(ini != NULL && i < ini->groups->len, NULL);
    const IniGroup *g = g_ptr_array_index(ini->groups, i);
    return g->name;
}

gboolean ini_has_group(const IniFile *ini, const char *group)
{
    g_return_val_if_fail(ini != NULL && group != NULL, FALSE);
    return ini_find_group(ini, group) != NULL;
}

const char *const *ini_keys(const IniFile *ini, const char *group)
{
    g_return_val_if_fail(ini != NULL && group != NULL, NULL);
    const IniGroup *g = ini_find_group(ini, group);
    return g != NULL ? (const char *const *)g->keys->pdata : NULL;
}

const char *ini_get(const IniFile *ini, const char *group, const char *key)
{
    g_return_val_if_fail(ini != NULL && group != NULL && key != NULL, NULL);
    const IniEntry *e = ini_find_entry(ini, group, key);
    return e != NULL ? e->value : NULL;
}

int ini_line(const IniFile *ini, const char *group, const char *key)
{
    g_return_val_if_fail(ini != NULL && group != NULL, 0);
    if (key == NULL) {
        const IniGroup *g = ini_find_group(ini, group);
        return g != NULL ? g->line : 0;
    }
    const IniEntry *e = ini_find_entry(ini, group, key);
    return e != NULL ? e->line : 0;
}

void ini_override(IniFile *ini, const char *group, const char *key, const char *value)
{
    g_return_if_fail(ini != NULL && group != NULL && key != NULL && value != NULL);
    IniGroup *g = ini_find_group(ini, group);
    if (g == NULL)
        g = ini_group_add(ini, group, 0);
    IniEntry *e = g_hash_table_lookup(g->entries, key);
    if (e == NULL)
        e = ini_entry_add(g, key, NULL, 0);
    g_free(e->value);
    e->value = g_strstrip(g_strdup(value)); /* trimmed, as a value read from the file */
    e->line = 0;
    e->from_set = TRUE;
}
