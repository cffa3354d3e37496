/* budget.h - the failover budget: what a bond's settings predict for a fault.
 *
 * Called by report.c (the Faults table and stats.json "predicted") and by
 * main.c (`bondsim run --fault-phase N`). From the bond's settings and the
 * fault's time against its monitor's tick phase (ticks at k * tick from the
 * bond opening at 0) it gives the detection window and the gap window a
 * flow should see, one documented rule per monitor (reference 5.5, 6.1,
 * 6.2, 7.4, 7.9); cases it does not model say why. The phase sweep re-runs
 * a scenario with a fault shifted over one monitor period (fresh Sim per
 * run) and keeps min/median/max detection and gap. Cold code; owns nothing
 * of the Sim.
 */
#ifndef BONDSIM_STATS_BUDGET_H
#define BONDSIM_STATS_BUDGET_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

/* Room allowed on top of the predicted gap for serialisation, propagation
 * and queueing on an idle path. */
#define BUDGET_PATH_ALLOWANCE_PS (UINT64_C(1000000000)) /* 1 ms */

typedef struct {
    bool detect_known;      /* a detection window is predicted */
    uint64_t detect_ps;     /* expected detection, from the fault */
    uint64_t detect_min_ps; /* window over what the rule leaves open */
    uint64_t detect_max_ps; /*   (equal to detect_ps for MII) */
    uint64_t tick_at_ps;    /* absolute time of the deciding tick */
    bool gap_known;         /* a gap window is predicted */
    uint64_t blackout_ps;   /* frames the bond sends are lost up to fault + this */
    uint64_t gap_min_ps;    /* window of the measured (finest flow's) gap */
    uint64_t gap_max_ps;    /*   blackout + that flow's interval + allowance */
    uint64_t period_ps;     /* the deciding monitor's period (0: none) */
    const char *rule;       /* short name of the rule used (static) */
    const char *why;        /* when nothing is predicted: why (static) */
} FaultBudget;

/* The prediction for fault `fault` of a finished run (it reads the event log
 * for the active slave at the fault time and the gap's flow interval).
 * Returns whether anything is predicted; `out->why` says why not. */
bool budget_predict(const Sim *sim, guint fault, FaultBudget *out);

/* The period of the monitor that decides fault `fault` (MII or ARP tick, or
 * LACP tick for lacp-block), 0 when no bond monitor decides it. Valid on a
 * loaded Sim before it runs. */
uint64_t budget_period_ps(const Sim *sim, guint fault);

/* 1: the measured detection lies in the predicted window and the measured
 * gap does not exceed the predicted one (a gap with no recovery fails);
 * 0: it does not; -1: nothing predicted. */
int budget_holds(const Sim *sim, guint fault, const FaultBudget *b);

/* "80 ms (tick at 2.080 s)" or "2.9-3.1 s (lacp current_while)", "-" when
 * not predicted. Returns buf. */
char *budget_format_detection(const FaultBudget *b, char *buf, gsize len);
/* "80-91 ms", "-" when not predicted. Returns buf. */
char *budget_format_gap(const FaultBudget *b, char *buf, gsize len);

/* Appends the "predicted" member of a fault in stats.json (no trailing
 * comma): an object, or null with "predicted_why". */
void budget_json(GString *o, const Sim *sim, guint fault);

/* ---- fault-phase sweep ------------------------------------------------- */

/* Loads a fresh Sim of the scenario (same file, seed, --set), or NULL with
 * `error` set. */
typedef Sim *(*BudgetLoadFn)(void *data, GError **error);

/* The sweep of one fault. */
typedef struct {
    char *fault;         /* fault name */
    guint n;             /* runs */
    uint64_t period_ps;  /* the monitor period swept */
    uint64_t *shift_ps;  /* per run: the fault moved later by this */
    uint64_t *detect_ps; /* per run: G_MAXUINT64 when nothing reacted */
    uint64_t *pred_ps;   /* per run: predicted detection, G_MAXUINT64 when none */
    uint64_t *gap_ps;    /* per run: G_MAXUINT64 when no gap was measured */
    bool *recovered;     /* per run */
    int *holds;          /* per run: budget_holds */
} PhaseSweep;

void budget_phase_free(PhaseSweep *ps);

/* For each fault with a monitor period, runs the scenario `n` times with
 * that fault alone shifted by k * period / n (k = 0 .. n-1), each on a fresh
 * Sim from `load` with no capture. A shift that would pass the next fault
 * or the end of the run is refused with an error. Returns PhaseSweep*
 * elements (caller frees the array; it owns them). */
GPtrArray *budget_phase_sweep(BudgetLoadFn load, void *data, guint n, GError **error);

/* min/median/max per fault (median: the lower middle of an even count);
 * values that are G_MAXUINT64 are left out. Returns FALSE when none is left. */
bool budget_phase_stats(const uint64_t *v, guint n, uint64_t *min, uint64_t *median, uint64_t *max);

/* The aligned table and the JSON document of a sweep. Caller frees. */
char *budget_phase_table(const GPtrArray *sweeps);
char *budget_phase_json(const GPtrArray *sweeps);
/* Writes budget_phase_json to DIR/fault-phase.json atomically. */
gboolean budget_phase_write(const GPtrArray *sweeps, const char *dir, GError **error);

#endif
