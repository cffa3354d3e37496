/* csv.h - the CSV files bondsim writes beside stats.json: one file per
 * summary table (report.c), RFC 4180 fields.
 *
 * A Csv appends to a caller's GString: a header row of column names, then
 * rows of exactly as many cells. A text cell holding a comma, a double quote,
 * CR or LF is quoted, its quotes doubled; other cells are written as they
 * are. Numbers are written unformatted and locale-free in the same form as
 * stats.json (json.h): integers in full, seconds as exact 12-decimal
 * picosecond values, ratios with 6 decimals. A missing value ("-" in the
 * table, null in JSON) is an empty cell. Rows end with LF, as series.csv.
 * Cold code.
 */
#ifndef BONDSIM_STATS_CSV_H
#define BONDSIM_STATS_CSV_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Csv Csv;

/* Starts a table in `out`: writes the header row (NULL-terminated names). */
Csv *csv_new(GString *out, const char *const *columns);
/* Frees the writer (not the text). NULL is ignored. */
void csv_free(Csv *c);

/* One field as RFC 4180 text (quoted only when needed), appended to `o`. */
void csv_field(GString *o, const char *s);

/* Cells of the current row, left to right. */
void csv_str(Csv *c, const char *v); /* NULL: empty */
void csv_empty(Csv *c);
void csv_u64(Csv *c, uint64_t v);
void csv_int(Csv *c, int64_t v);
/* picoseconds as seconds with 12 decimals (exact), as json_kv_secs */
void csv_secs(Csv *c, uint64_t ps);
/* a ratio or rate with 6 decimals, as json_kv_ratio */
void csv_ratio(Csv *c, double v);
/* a double with a printf format of one conversion (e.g. "%.0f"), locale-free */
void csv_double(Csv *c, const char *fmt, double v);
/* true / false, as in JSON */
void csv_bool(Csv *c, bool v);
/* Ends the row; it must have as many cells as the header. */
void csv_end_row(Csv *c);

/* Writes `text` to `path` atomically: a temporary file in the same
 * directory, renamed when complete (g_file_set_contents), the rule every
 * output of `run` follows. */
gboolean csv_write_file(const char *path, const char *text, GError **error);

#endif
