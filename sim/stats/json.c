/* json.c - JSON member writers (see json.h). */
#include "stats/json.h"

#include "util/units.h"

void json_str(GString *o, const char *s)
{
    g_string_append_c(o, '"');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            g_string_append_printf(o, "\\%c", c);
        else if (c < 0x20)
            g_string_append_printf(o, "\\u%04x", c);
        else
            g_string_append_c(o, (char)c);
    }
    g_string_append_c(o, '"');
}

void json_kv_str(GString *o, const char *k, const char *v, gboolean comma)
{
    json_str(o, k);
    g_string_append_c(o, ':');
    if (v)
        json_str(o, v);
    else
        g_string_append(o, "null");
    if (comma)
        g_string_append_c(o, ',');
}

void json_kv_u64(GString *o, const char *k, uint64_t v, gboolean comma)
{
    json_str(o, k);
    g_string_append_printf(o, ":%" G_GUINT64_FORMAT "%s", v, comma ? "," : "");
}

/* Seconds as a decimal with 12 digits: exact picoseconds, locale-free. */
void json_kv_secs(GString *o, const char *k, uint64_t ps, gboolean comma)
{
    json_str(o, k);
    g_string_append_printf(o, ":%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT "%s", ps / PS_PER_S,
                           ps % PS_PER_S, comma ? "," : "");
}

/* A ratio with 6 decimals, locale-free. */
void json_kv_ratio(GString *o, const char *k, double v, gboolean comma)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    json_str(o, k);
    g_string_append_printf(o, ":%s%s", g_ascii_formatd(buf, sizeof(buf), "%.6f", v),
                           comma ? "," : "");
}

void json_reorder(GString *o, const ReorderStats *r)
{
    g_string_append(o, "\"reorder\":{");
    json_kv_u64(o, "reordered", r->reordered, TRUE);
    json_kv_ratio(o, "ratio", reorder_ratio(r), TRUE);
    json_kv_u64(o, "max_extent", r->max_extent, TRUE);
    g_string_append_printf(o, "\"max_extent_capped\":%s,", r->max_extent_capped ? "true" : "false");
    json_kv_u64(o, "fast_retransmit_triggers", r->fast_retransmit, TRUE);
    g_string_append(o, "\"n_reordered\":[");
    for (int n = 0; n < REORDER_N_MAX; n++)
        g_string_append_printf(o, "%s%" G_GUINT64_FORMAT, n ? "," : "", r->n_reordered[n]);
    g_string_append(o, "],\"extent_histogram\":[");
    gboolean first = TRUE;
    for (int b = 0; b < REORDER_EXTENT_BINS; b++) {
        uint64_t lo, hi;
        if (!r->extent_hist[b])
            continue;
        reorder_extent_bin(b, &lo, &hi);
        g_string_append(o, first ? "{" : ",{");
        first = FALSE;
        json_kv_u64(o, "from", lo, TRUE);
        if (hi)
            json_kv_u64(o, "to", hi, TRUE);
        else
            g_string_append(o, "\"to\":null,");
        json_kv_u64(o, "count", r->extent_hist[b], FALSE);
        g_string_append_c(o, '}');
    }
    g_string_append_printf(o, "],\"rd\":{\"threshold\":%d,\"density\":{", r->dt);
    for (int d = -r->dt; d <= r->dt; d++) {
        char key[8];
        g_snprintf(key, sizeof(key), "%d", d);
        json_kv_ratio(o, key, reorder_rd(r, d), d < r->dt);
    }
    g_string_append(o, "},");
    json_kv_u64(o, "lost", r->rd_lost, TRUE);
    json_kv_u64(o, "late", r->rd_late, TRUE);
    json_kv_u64(o, "beyond", r->rd_beyond, TRUE);
    json_kv_u64(o, "resyncs", r->rd_resyncs, FALSE);
    g_string_append_printf(o, "},\"rbd\":{\"threshold\":%d,\"density\":[", r->dt);
    for (int k = 0; k <= r->dt; k++) {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        g_string_append_printf(o, "%s%s", k ? "," : "",
                               g_ascii_formatd(buf, sizeof(buf), "%.6f", reorder_rbd(r, k)));
    }
    g_string_append(o, "],");
    json_kv_u64(o, "max_occupancy", (uint64_t)reorder_rbd_max(r), TRUE);
    json_kv_u64(o, "lost", r->rbd_lost, TRUE);
    json_kv_u64(o, "late", r->rbd_late, FALSE);
    g_string_append(o, "}}");
}
