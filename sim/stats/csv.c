/* csv.c - RFC 4180 CSV writer (see csv.h). */
#include "stats/csv.h"

#include <string.h>

#include "util/units.h"

struct Csv {
    GString *out;
    guint n_cols; /* header width */
    guint col;    /* cells written in the current row */
};

void csv_field(GString *o, const char *s)
{
    if (!s)
        return;
    if (!s[strcspn(s, ",\"\r\n")]) {
        g_string_append(o, s);
        return;
    }
    g_string_append_c(o, '"');
    for (; *s; s++) {
        if (*s == '"')
            g_string_append_c(o, '"');
        g_string_append_c(o, *s);
    }
    g_string_append_c(o, '"');
}

Csv *csv_new(GString *out, const char *const *columns)
{
    g_return_val_if_fail(out != NULL && columns != NULL && columns[0] != NULL, NULL);
    Csv *c = g_new0(Csv, 1);
    c->out = out;
    for (; columns[c->n_cols]; c->n_cols++) {
        if (c->n_cols)
            g_string_append_c(out, ',');
        csv_field(out, columns[c->n_cols]);
    }
    g_string_append_c(out, '\n');
    return c;
}

void csv_free(Csv *c)
{
    if (c)
        g_assert(c->col == 0); /* no row left open */
    g_free(c);
}

/* The separator before the next cell. */
static void csv_next(Csv *c)
{
    g_assert(c->col < c->n_cols);
    if (c->col++)
        g_string_append_c(c->out, ',');
}

void csv_str(Csv *c, const char *v)
{
    csv_next(c);
    csv_field(c->out, v);
}

void csv_empty(Csv *c)
{
    csv_next(c);
}

void csv_u64(Csv *c, uint64_t v)
{
    csv_next(c);
    g_string_append_printf(c->out, "%" G_GUINT64_FORMAT, v);
}

void csv_int(Csv *c, int64_t v)
{
    csv_next(c);
    g_string_append_printf(c->out, "%" G_GINT64_FORMAT, v);
}

void csv_secs(Csv *c, uint64_t ps)
{
    csv_next(c);
    g_string_append_printf(c->out, "%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT, ps / PS_PER_S,
                           ps % PS_PER_S);
}

void csv_double(Csv *c, const char *fmt, double v)
{
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    csv_next(c);
    g_string_append(c->out, g_ascii_formatd(buf, sizeof(buf), fmt, v));
}

void csv_ratio(Csv *c, double v)
{
    csv_double(c, "%.6f", v);
}

void csv_bool(Csv *c, bool v)
{
    csv_next(c);
    g_string_append(c->out, v ? "true" : "false");
}

void csv_end_row(Csv *c)
{
    g_assert(c->col == c->n_cols);
    g_string_append_c(c->out, '\n');
    c->col = 0;
}

gboolean csv_write_file(const char *path, const char *text, GError **error)
{
    /* g_file_set_contents writes a temporary file and renames it. */
    return g_file_set_contents(path, text, -1, error);
}
