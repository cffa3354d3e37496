/* report.h - the run's results for people and for programs.
 *
 * Reads a finished Sim (NIC, bond, switch, host and flow counters, the fault
 * gaps, the event log) and renders aligned text tables for stdout, the same
 * tables as CSV files and a JSON document. All are deterministic: same Sim state, same bytes; no
 * wall-clock figure ever goes in them. Cold code.
 */
#ifndef BONDSIM_STATS_REPORT_H
#define BONDSIM_STATS_REPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

/* The summary tables. Caller frees. */
char *report_table(const Sim *sim);
/* The JSON document. Caller frees. */
char *report_json(const Sim *sim);
/* Writes report_json atomically (temporary file, then rename). */
gboolean report_write_json(const Sim *sim, const char *path, GError **error);

/* The summary tables as CSV files (csv.h), one per table, in the order the
 * summary prints them: report_table_csv_name(0 .. count-1), e.g.
 * "slaves.csv". */
guint report_table_csv_count(void);
const char *report_table_csv_name(guint i);
/* The CSV text of table file `file` (a name above), or NULL when that table
 * is absent from this run's summary (or the name is unknown). Caller frees. */
char *report_table_csv(const Sim *sim, const char *file);

/* The data files beside stats.json, each written atomically (temporary
 * name, then rename): DIR/series.csv (the load series, when sim->series is
 * set), DIR/reorder.csv (extent histogram per flow) and the CSV of every
 * table the summary shows; a table file of an absent table is removed. On
 * failure none is left. */
gboolean report_write_data(const Sim *sim, const char *dir, GError **error);
/* Removes them all (a later output failed). */
void report_remove_data(const char *dir);
/* "DIR/series.csv, DIR/reorder.csv, DIR/bonds.csv, ...": the files
 * report_write_data writes for this run, for the "Outputs:" line. Caller
 * frees. */
char *report_data_outputs(const Sim *sim, const char *dir);

/* Per fault: time from the fault to the bond's first reaction (slave
 * committed down or up, or failover) before the next fault; G_MAXUINT64 when
 * no bond reacted. */
uint64_t report_detection_ps(const Sim *sim, guint fault);

/* Whether the run has LACP: an 802.3ad bond or an LACP port-channel. The
 * LACP table, the port-channel table and stats.json "lacp" appear only then. */
gboolean report_has_lacp(const Sim *sim);

/* An LACP state byte as Wireshark's flag string, bit 7 first: E(xpired)
 * F (defaulted) D(istributing) C(ollecting) S(ync) G (aggregation)
 * S(hort timeout) A(ctive), '*' for a clear bit: 0x3f -> "**DCSGSA".
 * Returns out. */
char *report_lacp_flags(uint8_t state, char out[9]);

/* A finished run in a few figures (one row of `bondsim compare`). */
typedef struct {
    uint64_t sent, received;  /* every flow */
    uint64_t lost;            /* per flow sent - received, summed */
    uint64_t out_of_order;    /* every flow */
    uint64_t duplicates;      /* every flow */
    double delivered_mbps;    /* per flow received bytes over its active span, summed */
    uint64_t mac_moves;       /* every switch */
    int worst_gap_fault;      /* index in sim->faults, -1: no fault had a measured gap */
    uint64_t worst_gap_ps;    /* its failover gap */
    bool worst_gap_recovered; /* deliveries resumed after it */
} ReportTotals;

/* Fills `out` from a finished Sim. The worst gap is one that never
 * recovered if any, else the longest; ties go to the earlier fault. */
void report_totals(const Sim *sim, ReportTotals *out);

/* Frames sent so far by each slave of `bond` (NIC counters, as the Slaves
 * table), into frames[0 .. bond->n_slaves). */
void report_slave_tx_frames(const Bond *bond, uint64_t *frames);

/* Each count's share of their total in whole percent, joined by '/':
 * "50/50", "100/0", "34/33/33". The parts sum to 100 (largest remainder,
 * ties to the earlier count); "-" when the total is 0. Caller frees. */
char *report_share_text(const uint64_t *counts, int n);

#endif
