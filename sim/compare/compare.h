/* compare.h - `bondsim compare`: one scenario run once per bonding mode.
 *
 * Called by main.c only. Every mode gets a fresh Sim from scenario_load()
 * with ScenarioOptions.force_mode (same file, seed, --set, traffic and
 * faults), its own capture and stats.json in DIR/<mode>/, and one row of
 * figures from report_totals(). Nothing is shared between the runs but the
 * file they read, so they cannot interact. A mode this build does not model
 * (bond_mode_is_modelled) is a row saying so, not a failure. The rows are
 * rendered as an aligned table, CSV and JSON with the same cells; same
 * inputs, same bytes (no clock, path or host name in them). When the
 * scenario has TCP connections (tcp_any), each row also has TCP cells
 * (goodput, retransmissions, spurious fast and RTO retransmissions, RTO
 * expiries, longest stall, connections that survived) and the JSON row each
 * connection's figures under the names stats.json uses; without TCP those
 * columns and keys are absent, not empty.
 */
#ifndef BONDSIM_COMPARE_COMPARE_H
#define BONDSIM_COMPARE_COMPARE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "bond/options.h"
#include "capture/capture.h"

#define COMPARE_ERROR (compare_error_quark())
GQuark compare_error_quark(void);

typedef enum {
    COMPARE_ERROR_MODES,  /* bad --modes list (a command-line error) */
    COMPARE_ERROR_INPUT,  /* the scenario is invalid, or has no bond */
    COMPARE_ERROR_OUTPUT, /* an output could not be written */
} CompareError;

typedef struct {
    const char *file;        /* the scenario */
    const char *out_dir;     /* NULL: pcaps/out/<scenario name>-compare */
    GPtrArray *sets;         /* --set "group.key=value" strings, borrowed; may be NULL */
    bool seed_given;         /* --seed overrides [simulation] seed */
    uint64_t seed;           /* the --seed value */
    CaptureFormat format;    /* capture of each mode's run */
    const char *format_name; /* as the user wrote it, for the capture's comment; NULL: pcapng */
    uint32_t snaplen;        /* 0: whole frames */
    const BondMode *modes;   /* rows, in this order; no repeats */
    guint n_modes;
    bool progress; /* progress lines on stderr (the caller checks it is a terminal) */
} CompareOptions;

/* The finished comparison: one row per mode. Opaque. */
typedef struct Compare Compare;

/* Parses --modes: "all" (every mode, in number order) or a comma-separated
 * list of mode names or numbers ("balance-rr,1"). Appends BondMode values
 * to `modes` (an array of BondMode). Unknown, empty or repeated entries are
 * refused with COMPARE_ERROR_MODES; the message lists the modes. */
gboolean compare_parse_modes(const char *list, GArray *modes, GError **error);

/* Runs the scenario once per mode, each run writing DIR/<mode>/ as `bondsim
 * run` writes its directory (each complete or absent). Problems found in
 * every mode (the scenario itself is invalid) are COMPARE_ERROR_INPUT with
 * the loader's "file:line: ..." message and nothing written; a mode whose
 * forced load alone fails becomes a "refused" row and the message goes to
 * stderr. Warnings are printed once each on stderr. Caller frees with
 * compare_free(). */
Compare *compare_run(const CompareOptions *opts, GError **error);
void compare_free(Compare *c);

/* The output directory (borrowed). */
const char *compare_dir(const Compare *c);
/* Rows whose mode was refused by the loader (see compare_run). */
guint compare_refused(const Compare *c);

/* The table for stdout, DIR/compare.csv and DIR/compare.json. Caller frees. */
char *compare_table(const Compare *c);
char *compare_csv(const Compare *c);
char *compare_json(const Compare *c);

/* Writes compare.csv and compare.json into the output directory, each
 * atomically (temporary file, then rename). */
gboolean compare_write(const Compare *c, GError **error);

/* The gnuplot script of the per-mode bars (data: compare.csv beside it):
 * delivered Mb/s, frames lost, frames out of order and the worst failover
 * gap, plus TCP goodput and spurious fast retransmits when the scenario has
 * TCP connections; one bar per mode in row order; no terminal or output set
 * in it. Caller frees. */
char *compare_plot_script(const Compare *c);
/* After compare_write: writes DIR/compare.gp and renders DIR/compare.png and
 * DIR/compare.svg with `gnuplot` (stats/plot.h plot_render_script). */
gboolean compare_plot(const Compare *c, const char *gnuplot, GError **error);

#endif
