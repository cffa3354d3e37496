/* report.h - the run's results for people and for programs.
 *
 * Reads a finished Sim (NIC, bond, switch, host and flow counters, the fault
 * gaps, the event log) and renders an aligned text table for stdout and a
 * JSON document. Both are deterministic: same Sim state, same bytes; no
 * wall-clock figure ever goes in them. Cold code.
 */
#ifndef BONDSIM_STATS_REPORT_H
#define BONDSIM_STATS_REPORT_H

#include <glib.h>

#include "sim.h"

/* The summary tables. Caller frees. */
char *report_table(const Sim *sim);
/* The JSON document. Caller frees. */
char *report_json(const Sim *sim);
/* Writes report_json atomically (temporary file, then rename). */
gboolean report_write_json(const Sim *sim, const char *path, GError **error);

/* Per fault: time from the fault to the bond's first reaction (slave
 * committed down or up, or failover) before the next fault; G_MAXUINT64 when
 * no bond reacted. */
uint64_t report_detection_ps(const Sim *sim, guint fault);

#endif
