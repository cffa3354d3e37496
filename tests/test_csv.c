/* test_csv.c - the per-table CSV files `bondsim run` writes beside stats.json.
 *
 * Runs a few scenarios of scenarios/ (default: faults; a TCP one with
 * reordering; LACP with a port-channel; a NAT/echo one; a cloud one) with the
 * built binary and checks, for every table CSV the run can write: the file
 * exists exactly when the summary shows the table; it parses with a strict
 * RFC 4180 reader (below); every row has the header's width; the header's
 * names are machine-friendly; it has one row per table row, and its figures
 * equal the summary table's and stats.json's (read with the small JSON
 * reader below: GLib has none and json-glib is no dependency); two runs give
 * byte-identical files. Plus: RFC 4180 quoting of csv.c on hand-made fields,
 * the quiet --pcap-format none path, a stale table file removed, and a
 * write failure leaving no file.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "cu_run.h"
#include "stats/csv.h"
#include "stats/report.h"
#include "testlib.h"

#define SCENARIO_DIR BONDSIM_SOURCE_DIR "/scenarios"

/* ---- a strict RFC 4180 reader ------------------------------------------- */

/* Rows (GPtrArray of GPtrArray of char*) of `text`, or NULL with *why set:
 * a quote inside an unquoted field, anything but a separator after a closing
 * quote, an unterminated quoted field, a bare CR, or no line break after the
 * last record. Line breaks are LF or CRLF. */
static GPtrArray *csv_parse(const char *text, char **why)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    GPtrArray *row = NULL;
    GString *field = g_string_new(NULL);
    const char *p = text;
    int line = 1;
    *why = NULL;
    while (*p) {
        if (!row)
            row = g_ptr_array_new_with_free_func(g_free);
        g_string_truncate(field, 0);
        if (*p == '"') {
            for (p++;; p++) {
                if (!*p) {
                    *why = g_strdup_printf("line %d: unterminated quoted field", line);
                    goto fail;
                }
                if (*p == '"') {
                    if (p[1] == '"') {
                        g_string_append_c(field, '"');
                        p++;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    line++;
                g_string_append_c(field, *p);
            }
            if (*p != ',' && *p != '\n' && !(p[0] == '\r' && p[1] == '\n')) {
                *why = g_strdup_printf("line %d: '%c' after a closing quote", line, *p ? *p : '0');
                goto fail;
            }
        } else {
            for (; *p && *p != ',' && *p != '\n' && *p != '\r'; p++) {
                if (*p == '"') {
                    *why = g_strdup_printf("line %d: quote in an unquoted field", line);
                    goto fail;
                }
                g_string_append_c(field, *p);
            }
            if (*p == '\r' && p[1] != '\n') {
                *why = g_strdup_printf("line %d: bare CR", line);
                goto fail;
            }
        }
        g_ptr_array_add(row, g_strdup(field->str));
        if (*p == ',') {
            p++;
            if (!*p) {
                *why = g_strdup_printf("line %d: no line break after the last field", line);
                goto fail;
            }
            continue;
        }
        if (!*p) {
            *why = g_strdup_printf("line %d: no line break after the last record", line);
            goto fail;
        }
        p += *p == '\r' ? 2 : 1;
        line++;
        g_ptr_array_add(rows, row);
        row = NULL;
    }
    g_string_free(field, TRUE);
    return rows;
fail:
    if (row)
        g_ptr_array_unref(row);
    g_string_free(field, TRUE);
    g_ptr_array_unref(rows);
    return NULL;
}

static const char *cell(GPtrArray *rows, guint r, guint c)
{
    GPtrArray *row = rows->pdata[r];
    return c < row->len ? row->pdata[c] : NULL;
}

static int col_of(GPtrArray *rows, const char *name)
{
    GPtrArray *hdr = rows->pdata[0];
    for (guint c = 0; c < hdr->len; c++)
        if (strcmp(hdr->pdata[c], name) == 0)
            return (int)c;
    return -1;
}

/* ---- a small JSON reader ------------------------------------------------ */

typedef enum { J_OBJ, J_ARR, J_STR, J_RAW } JKind;

/* A value: an object (keys and values in order), an array (values), a
 * string (unescaped) or a number/true/false/null kept as its text. */
typedef struct JNode {
    JKind kind;
    char *text;      /* J_STR, J_RAW */
    GPtrArray *keys; /* J_OBJ: char* */
    GPtrArray *vals; /* J_OBJ, J_ARR: JNode* */
} JNode;

static void jfree(JNode *n)
{
    if (!n)
        return;
    g_free(n->text);
    if (n->keys)
        g_ptr_array_unref(n->keys);
    if (n->vals)
        g_ptr_array_unref(n->vals);
    g_free(n);
}

static void jws(const char **p)
{
    while (**p == ' ' || **p == '\n' || **p == '\t' || **p == '\r')
        (*p)++;
}

static char *jstring(const char **p)
{
    if (**p != '"')
        return NULL;
    GString *s = g_string_new(NULL);
    for ((*p)++; **p && **p != '"'; (*p)++) {
        if (**p != '\\') {
            g_string_append_c(s, **p);
            continue;
        }
        (*p)++;
        switch (**p) {
        case 'n':
            g_string_append_c(s, '\n');
            break;
        case 't':
            g_string_append_c(s, '\t');
            break;
        case 'r':
            g_string_append_c(s, '\r');
            break;
        case 'u': {
            char hex[5] = {0};
            for (int i = 0; i < 4 && (*p)[1]; i++)
                hex[i] = *++(*p);
            g_string_append_unichar(s, (gunichar)g_ascii_strtoull(hex, NULL, 16));
            break;
        }
        default:
            if (!**p) {
                g_string_free(s, TRUE);
                return NULL;
            }
            g_string_append_c(s, **p);
        }
    }
    if (**p != '"') {
        g_string_free(s, TRUE);
        return NULL;
    }
    (*p)++;
    return g_string_free(s, FALSE);
}

static JNode *jvalue(const char **p)
{
    jws(p);
    JNode *n = g_new0(JNode, 1);
    if (**p == '{' || **p == '[') {
        char close = **p == '{' ? '}' : ']';
        n->kind = **p == '{' ? J_OBJ : J_ARR;
        n->vals = g_ptr_array_new_with_free_func((GDestroyNotify)jfree);
        if (n->kind == J_OBJ)
            n->keys = g_ptr_array_new_with_free_func(g_free);
        (*p)++;
        jws(p);
        if (**p == close) {
            (*p)++;
            return n;
        }
        for (;;) {
            jws(p);
            if (n->kind == J_OBJ) {
                char *k = jstring(p);
                jws(p);
                if (!k || **p != ':') {
                    g_free(k);
                    jfree(n);
                    return NULL;
                }
                (*p)++;
                g_ptr_array_add(n->keys, k);
            }
            JNode *v = jvalue(p);
            if (!v) {
                jfree(n);
                return NULL;
            }
            g_ptr_array_add(n->vals, v);
            jws(p);
            if (**p == ',') {
                (*p)++;
                continue;
            }
            if (**p == close) {
                (*p)++;
                return n;
            }
            jfree(n);
            return NULL;
        }
    }
    if (**p == '"') {
        n->kind = J_STR;
        n->text = jstring(p);
        if (!n->text) {
            jfree(n);
            return NULL;
        }
        return n;
    }
    size_t len = strcspn(*p, ",}] \n\t\r");
    if (len == 0) {
        jfree(n);
        return NULL;
    }
    n->kind = J_RAW;
    n->text = g_strndup(*p, len);
    *p += len;
    return n;
}

static JNode *jparse(const char *text)
{
    const char *p = text;
    JNode *n = jvalue(&p);
    jws(&p);
    if (n && *p) {
        jfree(n);
        return NULL;
    }
    return n;
}

static JNode *jget(const JNode *n, const char *key)
{
    if (!n || n->kind != J_OBJ)
        return NULL;
    for (guint i = 0; i < n->keys->len; i++)
        if (strcmp(n->keys->pdata[i], key) == 0)
            return n->vals->pdata[i];
    return NULL;
}

/* `path` is keys and array indexes separated by '.'; a null on the way
 * gives that null. */
static JNode *jpath(const JNode *n, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, ".", -1);
    for (int i = 0; parts[i] && n; i++) {
        if (n->kind == J_RAW && strcmp(n->text, "null") == 0)
            break; /* under a null object (e.g. "predicted":null): null */
        if (n->kind == J_ARR) {
            guint64 k = g_ascii_strtoull(parts[i], NULL, 10);
            n = k < n->vals->len ? n->vals->pdata[k] : NULL;
        } else {
            n = jget(n, parts[i]);
        }
    }
    return (JNode *)n;
}

/* A scalar as a CSV cell says it: null is empty. NULL: not a scalar. */
static const char *jscalar(const JNode *n)
{
    if (!n || n->kind == J_OBJ || n->kind == J_ARR)
        return NULL;
    if (n->kind == J_RAW && strcmp(n->text, "null") == 0)
        return "";
    return n->text;
}

/* ---- runs ---------------------------------------------------------------- */

/* A scenario run twice (stdout kept from the first) and what it wrote. */
typedef struct {
    const char *ini;
    char *dir1, *dir2;
    TlRun run1, run2;
    char *json_text;
    JNode *json;
} CsvRun;

static GPtrArray *runs_cache;

static void csv_run_free(CsvRun *r)
{
    g_free(r->dir1);
    g_free(r->dir2);
    tl_run_clear(&r->run1);
    tl_run_clear(&r->run2);
    g_free(r->json_text);
    jfree(r->json);
    g_free(r);
}

/* The runs of `ini`, made once per program. */
static CsvRun *run_of(const char *ini)
{
    if (!runs_cache)
        runs_cache = g_ptr_array_new_with_free_func((GDestroyNotify)csv_run_free);
    for (guint i = 0; i < runs_cache->len; i++) {
        CsvRun *r = runs_cache->pdata[i];
        if (strcmp(r->ini, ini) == 0)
            return r;
    }
    CsvRun *r = g_new0(CsvRun, 1);
    r->ini = ini;
    g_autofree char *base = g_strndup(ini, strlen(ini) - strlen(".ini"));
    g_autofree char *n1 = g_strdup_printf("csv-%s-1", base);
    g_autofree char *n2 = g_strdup_printf("csv-%s-2", base);
    r->dir1 = cu_scratch_dir(n1);
    r->dir2 = cu_scratch_dir(n2);
    g_autofree char *path = g_build_filename(SCENARIO_DIR, ini, NULL);
    r->run1 = tl_bondsim("run", path, "-o", r->dir1, NULL);
    r->run2 = tl_bondsim("run", path, "-q", "-o", r->dir2, "--pcap-format", "none", NULL);
    tl_checkf(r->run1.code == 0 && r->run2.code == 0, __LINE__, "%s runs: exit %d and %d: %s%s",
              ini, r->run1.code, r->run2.code, r->run1.err, r->run2.err);
    g_autofree char *jp = g_build_filename(r->dir1, "stats.json", NULL);
    if (!g_file_get_contents(jp, &r->json_text, NULL, NULL))
        r->json_text = g_strdup("");
    r->json = jparse(r->json_text);
    tl_checkf(r->json != NULL, __LINE__, "%s: stats.json parses", ini);
    g_ptr_array_add(runs_cache, r);
    return r;
}

static char *read_file(const char *dir, const char *file)
{
    g_autofree char *path = g_build_filename(dir, file, NULL);
    char *text = NULL;
    return g_file_get_contents(path, &text, NULL, NULL) ? text : NULL;
}

/* ---- the summary table ---------------------------------------------------- */

/* The rows (header first) of the summary table whose title starts with
 * `title`, cells split at runs of two or more spaces; NULL when absent. */
static GPtrArray *summary_table(const char *out, const char *title)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    for (int i = 0; lines[i]; i++) {
        if (!g_str_has_prefix(lines[i], title))
            continue;
        GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
        for (int j = i + 1; lines[j] && g_str_has_prefix(lines[j], "  "); j++) {
            GPtrArray *row = g_ptr_array_new_with_free_func(g_free);
            const char *p = lines[j] + 2;
            while (*p) {
                const char *e = strstr(p, "  ");
                size_t len = e ? (size_t)(e - p) : strlen(p);
                g_ptr_array_add(row, g_strndup(p, len));
                if (!e)
                    break;
                for (p = e; *p == ' '; p++)
                    ;
            }
            g_ptr_array_add(rows, row);
        }
        return rows;
    }
    return NULL;
}

/* ---- what each table file is checked against ---------------------------- */

/* A CSV column equal to a summary-table column (index) as text. */
typedef struct {
    const char *col;
    int table_col;
} TableEq;

/* A CSV column and where stats.json has the same value in the row's object
 * (NULL: the column's own name). */
typedef struct {
    const char *col;
    const char *path;
} JsonEq;

typedef struct {
    const char *file;
    const char *title; /* the summary table's title starts so */
    TableEq teq[12];   /* ends at .col == NULL */
    JsonEq jeq[20];    /* must all match; ends at .col == NULL */
} TableSpec;

static const TableSpec specs[] = {
    {"bonds.csv",
     "Bonds",
     {{"name", 0},
      {"options", 1},
      {"carrier", 3},
      {"failovers", 4},
      {"tx_dropped", 5},
      {"rx_filtered", 6}},
     {{"name", NULL}, {"options", NULL}, {"active", NULL}, {"carrier", NULL}, {"failovers", NULL}}},
    {"slaves.csv",
     "Slaves",
     {{"name", 0},
      {"tx_frames", 3},
      {"tx_bytes", 4},
      {"rx_frames", 6},
      {"rx_bytes", 7},
      {"drops_total", 8},
      {"link_failures", 9}},
     {{"name", NULL},
      {"link", NULL},
      {"tx_frames", NULL},
      {"tx_bytes", NULL},
      {"rx_frames", NULL},
      {"rx_bytes", NULL},
      {"link_failures", NULL}}},
    {"flows.csv",
     "Flows",
     {{"name", 0},
      {"sent", 2},
      {"received", 3},
      {"lost", 4},
      {"out_of_order", 5},
      {"duplicates", 6}},
     {{"name", NULL},
      {"kind", NULL},
      {"from", NULL},
      {"to", NULL},
      {"sent", NULL},
      {"received", NULL},
      {"lost", NULL},
      {"out_of_order", NULL},
      {"duplicates", NULL},
      {"rx_bytes", NULL},
      {"latency_avg_s", NULL}}},
    {"tcp.csv",
     "TCP (",
     {{"name", 0},
      {"state", 2},
      {"bytes_delivered", 3},
      {"retransmits", 5},
      {"fast_retransmits", 6},
      {"spurious_fast_retransmits", 7},
      {"rto_events", 8},
      {"max_cwnd_segments", 9}},
     {{"name", NULL},
      {"from", NULL},
      {"to", NULL},
      {"state", NULL},
      {"bytes_delivered", NULL},
      {"goodput_bps", NULL},
      {"retransmits", NULL},
      {"fast_retransmits", NULL},
      {"spurious_fast_retransmits", NULL},
      {"rto_events", NULL},
      {"max_cwnd_bytes", NULL},
      {"srtt_s", NULL},
      {"max_stall_s", NULL},
      {"stall_rto_s", NULL},
      {"survived", NULL},
      {"survived_why", NULL}}},
    {"reordering.csv",
     "Reordering (",
     {{"name", 0},
      {"reordered", 1},
      {"fast_retransmit_triggers", 4},
      {"n_reordered_3", 5},
      {"rd_lost", 9},
      {"rbd_max_occupancy", 10}},
     {{"reordered", "reorder.reordered"},
      {"ratio", "reorder.ratio"},
      {"max_extent", "reorder.max_extent"},
      {"max_extent_capped", "reorder.max_extent_capped"},
      {"fast_retransmit_triggers", "reorder.fast_retransmit_triggers"},
      {"n_reordered_3", "reorder.n_reordered.2"},
      {"rd_density_1", "reorder.rd.density.1"},
      {"rd_lost", "reorder.rd.lost"},
      {"rbd_max_occupancy", "reorder.rbd.max_occupancy"},
      {"name", NULL}}},
    {"egress.csv",
     "Egress IP",
     {{"name", 0}, {"echo_replies", 1}, {"changes", 3}},
     {{"name", NULL},
      {"echo_replies", "egress.echo_replies"},
      {"ip", "egress.ip"},
      {"port", "egress.port"},
      {"changes", "egress.changes"}}},
    {"faults.csv",
     "Faults (",
     {{"name", 0}, {"frames_lost", 5}, {"out_of_order_after", 6}},
     {{"name", NULL},
      {"at_s", NULL},
      {"action", NULL},
      {"target", NULL},
      {"detection_s", NULL},
      {"recovered", NULL},
      {"frames_lost", NULL},
      {"out_of_order_after", NULL},
      {"budget_holds", "predicted.budget_holds"}}},
    {"switches.csv",
     "Switches",
     {{"name", 0}, {"mac_moves", 1}, {"flooded_frames", 2}, {"filtered", 3}, {"fdb_entries", 4}},
     {{"name", NULL}, {"mac_moves", NULL}, {"flooded_frames", NULL}}},
    {"nat.csv",
     "NAT (",
     {{"name", 0},
      {"snat", 1},
      {"dnat", 2},
      {"routed", 3},
      {"conns_created", 4},
      {"conns_expired", 5},
      {"conns_active", 6},
      {"conns_peak", 7}},
     {{"name", NULL},
      {"snat", NULL},
      {"dnat", NULL},
      {"routed", NULL},
      {"conns_created", NULL},
      {"conns_expired", NULL},
      {"conns_active", NULL},
      {"conns_peak", NULL},
      {"drops_no_mapping", "drops.no-mapping"},
      {"drops_ttl_exceeded", "drops.ttl-exceeded"}}},
    {"cloud-drops.csv",
     "Cloud virtual switch drops",
     {{"port", 0}, {"profile", 1}, {"reason", 2}, {"frames", 4}},
     {{NULL, NULL}}},
    {"replays.csv",
     "Replays",
     {{"name", 0}, {"file", 1}, {"read", 4}, {"skipped", 5}, {"sent", 6}, {"sent_bytes", 7}},
     {{"name", NULL},
      {"file", NULL},
      {"mode", NULL},
      {"read", NULL},
      {"sent", NULL},
      {"sent_bytes", NULL},
      {"no_buffer", NULL}}},
    {"lacp.csv",
     "LACP (",
     {{"name", 0},
      {"lacpdu_tx", 6},
      {"lacpdu_rx", 7},
      {"markers_tx", 8},
      {"markers_rx", 9},
      {"lacp_blocked_rx", 10}},
     {{"name", NULL},
      {"bond", NULL},
      {"actor_state", NULL},
      {"actor_state_flags", NULL},
      {"partner_state", NULL},
      {"partner_state_flags", NULL},
      {"link_up_to_distributing_s", NULL},
      {"lacpdu_tx", NULL},
      {"lacpdu_rx", NULL},
      {"lacp_blocked_rx", NULL}}},
    {"port-channels.csv",
     "Port-channels (",
     {{"n_members", 2}, {"n_active", 3}, {"remaps", 4}},
     {{"switch", NULL}, {"name", NULL}, {"n_members", NULL}, {"n_active", NULL}, {"remaps", NULL}}},
};

/* The stats.json objects of the rows of `file`, in order (borrowed). */
static GPtrArray *json_rows(const JNode *json, const char *file)
{
    GPtrArray *rows = g_ptr_array_new();
    const JNode *arr = NULL;
    if (strcmp(file, "bonds.csv") == 0)
        arr = jget(json, "bonds");
    else if (strcmp(file, "flows.csv") == 0 || strcmp(file, "reordering.csv") == 0 ||
             strcmp(file, "egress.csv") == 0)
        arr = jget(json, "flows");
    else if (strcmp(file, "tcp.csv") == 0)
        arr = jget(json, "tcp");
    else if (strcmp(file, "faults.csv") == 0)
        arr = jget(json, "faults");
    else if (strcmp(file, "switches.csv") == 0)
        arr = jget(json, "switches");
    else if (strcmp(file, "nat.csv") == 0)
        arr = jget(json, "nat");
    else if (strcmp(file, "replays.csv") == 0)
        arr = jget(json, "replays");
    else if (strcmp(file, "lacp.csv") == 0)
        arr = jpath(json, "lacp.ports");
    else if (strcmp(file, "port-channels.csv") == 0)
        arr = jpath(json, "lacp.port_channels");
    if (strcmp(file, "slaves.csv") == 0) {
        const JNode *bonds = jget(json, "bonds");
        for (guint i = 0; bonds && i < bonds->vals->len; i++) {
            const JNode *sl = jget(bonds->vals->pdata[i], "slaves");
            for (guint j = 0; sl && j < sl->vals->len; j++)
                g_ptr_array_add(rows, sl->vals->pdata[j]);
        }
        return rows;
    }
    for (guint i = 0; arr && arr->kind == J_ARR && i < arr->vals->len; i++) {
        JNode *o = arr->vals->pdata[i];
        const char *reordered = jscalar(jpath(o, "reorder.reordered"));
        if (strcmp(file, "reordering.csv") == 0 && (!reordered || strcmp(reordered, "0") == 0))
            continue;
        if (strcmp(file, "egress.csv") == 0 && !jget(o, "egress"))
            continue;
        g_ptr_array_add(rows, o);
    }
    return rows;
}

/* Checks one table file of a run; returns whether it exists. */
static gboolean check_table_file(CsvRun *r, const TableSpec *sp)
{
    g_autofree char *text = read_file(r->dir1, sp->file);
    g_autofree char *text2 = read_file(r->dir2, sp->file);
    g_autoptr(GPtrArray) table = summary_table(r->run1.out, sp->title);
    tl_checkf((text != NULL) == (table != NULL), __LINE__,
              "%s: %s exists (%d) exactly when the summary shows \"%s\" (%d)", r->ini, sp->file,
              text != NULL, sp->title, table != NULL);
    tl_checkf((text != NULL) == (text2 != NULL) && (!text || strcmp(text, text2) == 0), __LINE__,
              "%s: %s identical in the two runs (the second quiet, --pcap-format none)", r->ini,
              sp->file);
    if (!text || !table)
        return text != NULL;
    g_autofree char *why = NULL;
    g_autoptr(GPtrArray) rows = csv_parse(text, &why);
    tl_checkf(rows != NULL, __LINE__, "%s: %s is RFC 4180: %s", r->ini, sp->file, why ? why : "");
    if (!rows || rows->len == 0)
        return TRUE;
    GPtrArray *hdr = rows->pdata[0];
    for (guint c = 0; c < hdr->len; c++) {
        const char *h = hdr->pdata[c];
        tl_checkf(h[0] && strspn(h, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(h), __LINE__,
                  "%s: %s column name '%s' is lower-case letters, digits and _", r->ini, sp->file,
                  h);
    }
    for (guint i = 1; i < rows->len; i++)
        tl_checkf(((GPtrArray *)rows->pdata[i])->len == hdr->len, __LINE__,
                  "%s: %s row %u has %u cells, header %u", r->ini, sp->file, i,
                  ((GPtrArray *)rows->pdata[i])->len, hdr->len);
    tl_checkf(rows->len == table->len, __LINE__, "%s: %s has %u data rows, the table %u", r->ini,
              sp->file, rows->len - 1, table->len - 1);
    guint n = MIN(rows->len, table->len);
    /* against the summary table */
    for (const TableEq *e = sp->teq; e->col; e++) {
        int c = col_of(rows, e->col);
        tl_checkf(c >= 0, __LINE__, "%s: %s has column %s", r->ini, sp->file, e->col);
        for (guint i = 1; c >= 0 && i < n; i++) {
            const char *want = cell(table, i, (guint)e->table_col);
            const char *got = cell(rows, i, (guint)c);
            tl_checkf(want && got && strcmp(want, got) == 0, __LINE__,
                      "%s: %s row %u %s = '%s', the table says '%s'", r->ini, sp->file, i, e->col,
                      got ? got : "(none)", want ? want : "(none)");
        }
    }
    /* against stats.json */
    g_autoptr(GPtrArray) objs = json_rows(r->json, sp->file);
    if (sp->jeq[0].col)
        tl_checkf(objs->len == rows->len - 1, __LINE__, "%s: %s has %u rows, stats.json %u", r->ini,
                  sp->file, rows->len - 1, objs->len);
    for (const JsonEq *e = sp->jeq; e->col; e++) {
        int c = col_of(rows, e->col);
        tl_checkf(c >= 0, __LINE__, "%s: %s has column %s", r->ini, sp->file, e->col);
        for (guint i = 1; c >= 0 && i < rows->len && i - 1 < objs->len; i++) {
            const char *want = jscalar(jpath(objs->pdata[i - 1], e->path ? e->path : e->col));
            const char *got = cell(rows, i, (guint)c);
            tl_checkf(want && got && strcmp(want, got) == 0, __LINE__,
                      "%s: %s row %u %s = '%s', stats.json %s = '%s'", r->ini, sp->file, i, e->col,
                      got ? got : "(none)", e->path ? e->path : e->col, want ? want : "(absent)");
        }
    }
    /* every other column named as a stats.json key holds the same value */
    for (guint c = 0; c < hdr->len && objs->len == rows->len - 1; c++)
        for (guint i = 1; i < rows->len; i++) {
            const char *want = jscalar(jget(objs->pdata[i - 1], hdr->pdata[c]));
            if (!want)
                continue;
            tl_checkf(strcmp(want, cell(rows, i, c)) == 0, __LINE__,
                      "%s: %s row %u %s = '%s', stats.json has '%s'", r->ini, sp->file, i,
                      (const char *)hdr->pdata[c], cell(rows, i, c), want);
        }
    return TRUE;
}

/* Checks every table file of `ini`; the files that exist must be exactly
 * `want` (comma-separated). */
static void check_scenario(const char *ini, const char *want)
{
    CsvRun *r = run_of(ini);
    g_autoptr(GString) have = g_string_new(NULL);
    for (guint i = 0; i < G_N_ELEMENTS(specs); i++)
        if (check_table_file(r, &specs[i]))
            g_string_append_printf(have, "%s%s", have->len ? "," : "", specs[i].file);
    tl_checkf(strcmp(have->str, want) == 0, __LINE__, "%s writes %s, want %s", ini, have->str,
              want);
    /* the Outputs line names each of them */
    g_auto(GStrv) files = g_strsplit(want, ",", -1);
    for (int i = 0; files[i]; i++) {
        g_autofree char *path = g_build_filename(r->dir1, files[i], NULL);
        tl_checkf(strstr(r->run1.out, path) != NULL, __LINE__, "%s: Outputs names %s", ini, path);
    }
}

/* ---- cases ----------------------------------------------------------------- */

/* The library knows exactly the files the specs above check. */
static void library_lists_every_table_file(void)
{
    TL_U64_IS(report_table_csv_count(), G_N_ELEMENTS(specs), "table CSV files");
    for (guint i = 0; i < report_table_csv_count() && i < G_N_ELEMENTS(specs); i++)
        tl_checkf(strcmp(report_table_csv_name(i), specs[i].file) == 0, __LINE__,
                  "table file %u is %s, want %s", i, report_table_csv_name(i), specs[i].file);
}

static void default_scenario_tables(void)
{
    check_scenario("default.ini", "bonds.csv,slaves.csv,flows.csv,faults.csv,switches.csv");
    /* a few figures by hand: the failover of default.ini */
    CsvRun *r = run_of("default.ini");
    g_autofree char *faults = read_file(r->dir1, "faults.csv");
    tl_checkf(faults && g_str_has_prefix(faults, "name,at_s,action,target,detection_s,gap_s,"),
              __LINE__, "faults.csv header: %s", faults ? faults : "(none)");
    tl_checkf(
        faults && strstr(faults, "\ncut,2.000000000000,link-down,server/eth0,0.080000000000,"),
        __LINE__, "faults.csv: cut at 2 s detected after 80 ms: %s", faults ? faults : "(none)");
}

static void tcp_scenario_tables(void)
{
    check_scenario("tcp-balance-rr-reorder.ini", "bonds.csv,slaves.csv,tcp.csv,switches.csv");
}

static void reordering_scenario_tables(void)
{
    check_scenario("balance-rr.ini",
                   "bonds.csv,slaves.csv,flows.csv,reordering.csv,faults.csv,switches.csv");
}

static void lacp_scenario_tables(void)
{
    check_scenario("lag-lacp.ini", "bonds.csv,slaves.csv,flows.csv,faults.csv,switches.csv,"
                                   "lacp.csv,port-channels.csv");
}

static void nat_scenario_tables(void)
{
    check_scenario("seed-idc-aggregated.ini",
                   "bonds.csv,slaves.csv,flows.csv,egress.csv,faults.csv,switches.csv,nat.csv");
}

static void cloud_scenario_tables(void)
{
    check_scenario("seed-ecs-bond.ini",
                   "bonds.csv,slaves.csv,flows.csv,faults.csv,switches.csv,nat.csv,"
                   "cloud-drops.csv");
}

/* csv.c quotes exactly the fields RFC 4180 needs quoted, and the reader
 * above gets the fields back. */
static void fields_are_quoted_as_rfc4180(void)
{
    static const char *const in[] = {"plain", "a,b", "say \"hi\"", "two\nlines",
                                     "cr\rx", "",    "x y",        NULL};
    static const char *const want[] = {
        "plain", "\"a,b\"", "\"say \"\"hi\"\"\"", "\"two\nlines\"", "\"cr\rx\"", "", "x y"};
    for (int i = 0; in[i]; i++) {
        GString *o = g_string_new(NULL);
        csv_field(o, in[i]);
        tl_checkf(strcmp(o->str, want[i]) == 0, __LINE__, "field '%s' -> '%s', want '%s'", in[i],
                  o->str, want[i]);
        g_string_free(o, TRUE);
    }
    GString *o = g_string_new(NULL);
    Csv *c = csv_new(o, in);
    for (int i = 0; in[i]; i++)
        csv_str(c, in[i]);
    csv_end_row(c);
    csv_u64(c, UINT64_C(18446744073709551615));
    csv_secs(c, UINT64_C(2080000000001));
    csv_ratio(c, 0.5);
    csv_empty(c);
    csv_bool(c, true);
    csv_int(c, -3);
    csv_double(c, "%.0f", 34662670.4);
    csv_end_row(c);
    csv_free(c);
    g_autofree char *why = NULL;
    g_autoptr(GPtrArray) rows = csv_parse(o->str, &why);
    tl_checkf(rows && rows->len == 3, __LINE__, "written CSV parses into 3 rows: %s",
              why ? why : "");
    for (int i = 0; rows && rows->len == 3 && in[i]; i++) {
        tl_checkf(strcmp(cell(rows, 0, (guint)i), in[i]) == 0, __LINE__, "header %d back", i);
        tl_checkf(strcmp(cell(rows, 1, (guint)i), in[i]) == 0, __LINE__, "cell %d back", i);
    }
    static const char *const nums[] = {
        "18446744073709551615", "2.080000000001", "0.500000", "", "true", "-3", "34662670"};
    for (guint i = 0; rows && rows->len == 3 && i < G_N_ELEMENTS(nums); i++)
        tl_checkf(strcmp(cell(rows, 2, i), nums[i]) == 0, __LINE__, "number %u: '%s', want '%s'", i,
                  cell(rows, 2, i), nums[i]);
    g_string_free(o, TRUE);
    /* the reader is strict: each of these is refused */
    static const char *const bad[] = {"a,b\nc\"d,e\n", "\"a\"b\n", "\"open\n",
                                      "a,b",           "a\rb\n",   NULL};
    for (int i = 0; bad[i]; i++) {
        g_autofree char *w = NULL;
        GPtrArray *rr = csv_parse(bad[i], &w);
        tl_checkf(rr == NULL && w != NULL, __LINE__, "reader refuses bad CSV %d", i);
        if (rr)
            g_ptr_array_unref(rr);
    }
}

/* A real field that needs quoting comes out quoted: the ARP monitor's
 * predicted rule holds a comma. */
static void real_field_with_comma_is_quoted(void)
{
    CsvRun *r = run_of("arp-monitor-ab-validate-all.ini");
    g_autofree char *faults = read_file(r->dir1, "faults.csv");
    tl_checkf(faults && strstr(faults, ",\"arp_interval x (arp_missed_max+1), target silent\","),
              __LINE__, "faults.csv quotes the rule with a comma: %s", faults ? faults : "(none)");
    check_scenario("arp-monitor-ab-validate-all.ini",
                   "bonds.csv,slaves.csv,flows.csv,faults.csv,switches.csv");
}

/* A table file left by an earlier run goes when this run has no such
 * table. */
static void stale_table_file_is_removed(void)
{
    g_autofree char *dir = cu_scratch_dir("csv-stale");
    g_autofree char *stale = g_build_filename(dir, "tcp.csv", NULL);
    g_file_set_contents(stale, "name\nold\n", -1, NULL);
    TlRun r = tl_bondsim("run", SCENARIO_DIR "/default.ini", "-q", "-o", dir, "--pcap-format",
                         "none", NULL);
    tl_checkf(r.code == 0, __LINE__, "default.ini exits 0, got %d: %s", r.code, r.err);
    tl_checkf(!g_file_test(stale, G_FILE_TEST_EXISTS), __LINE__, "stale tcp.csv removed");
    tl_run_clear(&r);
}

/* A table file that cannot be written fails the run and leaves none of the
 * data files, stats.json or the capture (a directory stands in its way). */
static void write_failure_leaves_no_file(void)
{
    g_autofree char *dir = cu_scratch_dir("csv-fail");
    g_autofree char *block = g_build_filename(dir, "switches.csv", NULL);
    g_mkdir(block, 0755);
    TlRun r = tl_bondsim("run", SCENARIO_DIR "/default.ini", "-q", "-o", dir, NULL);
    tl_checkf(r.code != 0, __LINE__, "run exits non-zero when switches.csv cannot be written");
    tl_checkf(strstr(r.err, "switches.csv") != NULL, __LINE__, "the error names the file: %s",
              r.err);
    GDir *d = g_dir_open(dir, 0, NULL);
    g_autoptr(GString) left = g_string_new(NULL);
    const char *e;
    while (d && (e = g_dir_read_name(d)) != NULL)
        g_string_append_printf(left, "%s ", e);
    if (d)
        g_dir_close(d);
    tl_checkf(strcmp(left->str, "switches.csv ") == 0, __LINE__,
              "only the blocking directory is left, found: %s", left->str);
    tl_run_clear(&r);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"library_lists_every_table_file", library_lists_every_table_file},
        {"fields_are_quoted_as_rfc4180", fields_are_quoted_as_rfc4180},
        {"default_scenario_tables", default_scenario_tables},
        {"tcp_scenario_tables", tcp_scenario_tables},
        {"reordering_scenario_tables", reordering_scenario_tables},
        {"lacp_scenario_tables", lacp_scenario_tables},
        {"nat_scenario_tables", nat_scenario_tables},
        {"cloud_scenario_tables", cloud_scenario_tables},
        {"real_field_with_comma_is_quoted", real_field_with_comma_is_quoted},
        {"stale_table_file_is_removed", stale_table_file_is_removed},
        {"write_failure_leaves_no_file", write_failure_leaves_no_file},
        CU_TEST_INFO_NULL,
    };
    int rc = cu_run("csv", cases);
    g_clear_pointer(&runs_cache, g_ptr_array_unref);
    return rc;
}
