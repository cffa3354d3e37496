/* json.h - small writers for the JSON documents bondsim emits (stats.json,
 * compare.json, the analyser's output): strings escaped, seconds as exact
 * decimals, ratios with 6 decimals, all locale-free, appended to a GString.
 * GLib has no JSON writer; json-glib is not a dependency of the project.
 * `comma` appends a ',' after the member. Cold code.
 */
#ifndef BONDSIM_STATS_JSON_H
#define BONDSIM_STATS_JSON_H

#include <glib.h>
#include <stdint.h>

#include "stats/reorder.h"

void json_str(GString *o, const char *s);
/* "k":"v" (null when v is NULL) */
void json_kv_str(GString *o, const char *k, const char *v, gboolean comma);
void json_kv_u64(GString *o, const char *k, uint64_t v, gboolean comma);
/* picoseconds as seconds with 12 decimals: exact */
void json_kv_secs(GString *o, const char *k, uint64_t ps, gboolean comma);
void json_kv_ratio(GString *o, const char *k, double v, gboolean comma);
/* "reorder":{...}: the RFC 4737 / RFC 5236 figures of one flow; the same
 * object in stats.json and in bondsim-analyze's output, so they compare as
 * text. */
void json_reorder(GString *o, const ReorderStats *r);

#endif
