/* table.c - aligned text tables (see table.h). */
#include "stats/table.h"

#include <stdarg.h>
#include <string.h>

struct Table {
    char *title;
    guint ncols;
    GPtrArray *rows; /* GStrv each, row 0 = header */
};

static void strv_free(gpointer p)
{
    g_strfreev(p);
}

Table *table_new(const char *title, const char *const *header)
{
    Table *t = g_new0(Table, 1);
    t->title = g_strdup(title);
    t->ncols = g_strv_length((char **)header);
    t->rows = g_ptr_array_new_with_free_func(strv_free);
    g_ptr_array_add(t->rows, g_strdupv((char **)header));
    return t;
}

void table_add(Table *t, const char *const *cells)
{
    g_return_if_fail(g_strv_length((char **)cells) == t->ncols);
    g_ptr_array_add(t->rows, g_strdupv((char **)cells));
}

void table_addf(Table *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_auto(GStrv) cells = g_strsplit(line, "\t", -1);
    table_add(t, (const char *const *)cells);
}

guint table_rows(const Table *t)
{
    return t->rows->len - 1;
}

void table_free(Table *t)
{
    g_ptr_array_free(t->rows, TRUE);
    g_free(t->title);
    g_free(t);
}

void table_render_free(Table *t, GString *out)
{
    g_autofree gsize *w = g_new0(gsize, t->ncols);
    for (guint r = 0; r < t->rows->len; r++) {
        char **row = t->rows->pdata[r];
        for (guint c = 0; c < t->ncols; c++)
            w[c] = MAX(w[c], g_utf8_strlen(row[c], -1));
    }
    g_string_append_printf(out, "%s\n", t->title);
    for (guint r = 0; r < t->rows->len; r++) {
        char **row = t->rows->pdata[r];
        g_string_append(out, "  ");
        for (guint c = 0; c < t->ncols; c++) {
            gsize pad = w[c] - g_utf8_strlen(row[c], -1);
            if (c > 0)
                g_string_append(out, "  ");
            if (c == 0) {
                g_string_append(out, row[c]);
                if (t->ncols > 1)
                    g_string_append_printf(out, "%*s", (int)pad, "");
            } else {
                g_string_append_printf(out, "%*s%s", (int)pad, "", row[c]);
            }
        }
        g_string_append_c(out, '\n');
    }
    g_string_append_c(out, '\n');
    g_ptr_array_free(t->rows, TRUE);
    g_free(t->title);
    g_free(t);
}
