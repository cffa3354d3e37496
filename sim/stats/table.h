/* table.h - aligned text tables for the summaries: a header row, data rows,
 * the first column left-aligned and the others right-aligned, two spaces
 * between columns. Cold code. */
#ifndef BONDSIM_STATS_TABLE_H
#define BONDSIM_STATS_TABLE_H

#include <glib.h>

typedef struct Table Table;

Table *table_new(const char *title, const char *const *header);
/* Appends a row of the table's width; the strings are copied. */
void table_add(Table *t, const char *const *cells);
/* Appends a row given as printf-style cells separated by '\t'. */
void table_addf(Table *t, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
guint table_rows(const Table *t);
/* Frees a table without rendering it. */
void table_free(Table *t);
/* Renders into `out` and frees the table. */
void table_render_free(Table *t, GString *out);

#endif
