/* compare.c - one scenario under every bonding mode (see compare.h).
 *
 * Design: a validation load first, forced into the first requested mode this
 * build models, so that a broken scenario is refused once, with the loader's
 * file:line message, before any directory is made; the scenario's own mode
 * does not matter (a file written for a mode not modelled yet still
 * compares the others). Then, per mode, a fresh Sim: load with
 * ScenarioOptions.force_mode, capture and stats.json into DIR/<mode>/ in the
 * order `bondsim run` uses (stats.json, then the capture; a failure removes
 * both), run, reduce to one CompareRow, free. Runs are sequential and share
 * nothing but the options, so no run can see another (the Sim holds all
 * state, see sim.h).
 *
 * The per-slave TX share is taken just before the first fault (an event
 * scheduled at the fault's time ahead of the fault itself: equal times run
 * in insertion order), because after a failover every mode sends on what is
 * left and the whole-run share mixes the two regimes; without faults it is
 * the whole run's. The whole-run share is in the JSON too.
 *
 * The table, the CSV and the JSON are built from one list of columns and one
 * function that formats a row's cells, so they cannot disagree. The TCP
 * columns are in that list but shown only when the validation load found TCP
 * connections (traffic does not depend on the mode, so every run has the
 * same ones); each run's connections are copied out (CompareTcp) before its
 * Sim is freed, as tcp_survived() needs the Sim. Numbers are
 * formatted locale-free (g_ascii_formatd, integer arithmetic). Loader
 * warnings are collected through ScenarioOptions.warnings and printed once
 * each, not once per mode. Cold code: GLib containers and formatting
 * throughout.
 */
#include "compare/compare.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bond/bond.h"
#include "host.h"
#include "nic.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "stats/json.h"
#include "stats/plot.h"
#include "stats/report.h"
#include "stats/series.h"
#include "stats/table.h"
#include "traffic/tcp.h"
#include "util/units.h"

G_DEFINE_QUARK(bondsim - compare - error - quark, compare_error)

/* ------------------------------------------------------------------------ */
/* Rows and columns                                                         */
/* ------------------------------------------------------------------------ */

typedef enum {
    ROW_RAN = 0,
    ROW_NOT_MODELLED, /* bond_mode_is_modelled() said no: not run */
    ROW_REFUSED,      /* the loader refused the scenario in this mode only */
} CompareRowStatus;

static const char *const row_status_names[] = {"ran", "not-modelled", "refused"};

/* One TCP connection of a finished run: what stats.json's "tcp" section
 * gives for it, copied out before the Sim is freed. */
typedef struct {
    char *name, *from, *to;
    const char *state; /* tcp_state_name(): static */
    TcpStats st;
    double goodput_bps; /* tcp_goodput_bps() */
    bool survived;      /* tcp_survived() */
    char *why;          /* its reason */
} CompareTcp;

typedef struct {
    BondMode mode;
    CompareRowStatus status;
    ReportTotals t;  /* ROW_RAN only */
    bool no_flows;   /* the scenario has no UDP/ping flow: their columns are "-" */
    GArray *tcp;     /* CompareTcp in creation order; ROW_RAN in a run with TCP only */
    char *share;     /* TX share per bond before the first fault, "50/50 100/0" */
    char *share_run; /* the same over the whole run */
    char *gap_fault; /* name of the fault with the worst gap, or NULL */
} CompareRow;

struct Compare {
    char *dir;         /* output directory */
    char *name;        /* scenario name */
    uint64_t seed;     /* seed of every run */
    uint64_t end_ps;   /* simulated duration */
    char *bonds;       /* "server/bond0, client/bond0": the bonds of a TX share */
    char *share_until; /* "before fault cut at 1 s" or "over the whole run" */
    bool has_fault;
    bool has_tcp; /* the scenario has TCP connections: the TCP columns are shown */
    uint64_t first_fault_ps;
    GArray *rows;       /* CompareRow, in the order of the --modes list */
    GHashTable *warned; /* warning lines already printed (owned keys) */
};

/* The columns, shared by the table (title), the CSV (key) and the JSON (key,
 * number or string). The TCP columns (COL_TCP_FIRST .. COL_TCP_LAST) are
 * there only when the scenario has TCP connections (compare_col_shown). */
typedef struct {
    const char *title;
    const char *key;
    gboolean number;
} CompareCol;

enum {
    COL_MODE,
    COL_MBPS,
    COL_SHARE,
    COL_LOST,
    COL_OOO,
    COL_DUP,
    COL_GAP,
    COL_MOVES,
    COL_TCP_MBPS,
    COL_TCP_RTX,
    COL_TCP_SPUR_FAST,
    COL_TCP_SPUR_RTO,
    COL_TCP_RTO,
    COL_TCP_STALL,
    COL_TCP_SURVIVED,
    COL_NOTE,
    COL_COUNT,
    COL_TCP_FIRST = COL_TCP_MBPS,
    COL_TCP_LAST = COL_TCP_SURVIVED,
};

static const CompareCol compare_cols[COL_COUNT] = {
    [COL_MODE] = {"mode", "mode", FALSE},
    [COL_MBPS] = {"Mb/s", "delivered_mbps", TRUE},
    [COL_SHARE] = {"tx share", "tx_share", FALSE},
    [COL_LOST] = {"lost", "frames_lost", TRUE},
    [COL_OOO] = {"out of order", "out_of_order", TRUE},
    [COL_DUP] = {"duplicates", "duplicates", TRUE},
    [COL_GAP] = {"worst gap (ms)", "worst_gap_ms", TRUE},
    [COL_MOVES] = {"MAC moves", "mac_moves", TRUE},
    [COL_TCP_MBPS] = {"TCP Mb/s", "tcp_goodput_mbps", TRUE},
    [COL_TCP_RTX] = {"TCP retrans", "tcp_retransmits", TRUE},
    [COL_TCP_SPUR_FAST] = {"spurious fast", "tcp_spurious_fast_retransmits", TRUE},
    [COL_TCP_SPUR_RTO] = {"spurious RTO", "tcp_spurious_rto_retransmits", TRUE},
    [COL_TCP_RTO] = {"RTOs", "tcp_rto_events", TRUE},
    [COL_TCP_STALL] = {"max stall (ms)", "tcp_max_stall_ms", TRUE},
    [COL_TCP_SURVIVED] = {"TCP survived", "tcp_survived", FALSE},
    [COL_NOTE] = {"note", "note", FALSE},
};

/* Whether column `col` is part of this comparison's outputs. */
static gboolean compare_col_shown(const Compare *c, int col)
{
    return c->has_tcp || col < COL_TCP_FIRST || col > COL_TCP_LAST;
}

/* The 1-based position of a shown column in compare.csv (gnuplot's `using`). */
static int compare_csv_column(const Compare *c, int col)
{
    int pos = 0;
    for (int i = 0; i <= col; i++)
        pos += compare_col_shown(c, i);
    return pos;
}

static void tcp_clear(gpointer p)
{
    CompareTcp *t = p;
    g_free(t->name);
    g_free(t->from);
    g_free(t->to);
    g_free(t->why);
}

static void row_clear(gpointer p)
{
    CompareRow *r = p;
    if (r->tcp)
        g_array_unref(r->tcp);
    g_free(r->share);
    g_free(r->share_run);
    g_free(r->gap_fault);
}

/* Milliseconds with three decimals, rounded to the microsecond. */
static char *format_ms(uint64_t ps)
{
    uint64_t us = ps / 1000000u + (ps % 1000000u >= 500000u);
    return g_strdup_printf("%" G_GUINT64_FORMAT ".%03u", us / 1000u, (unsigned)(us % 1000u));
}

/* The TCP cells of a row. Goodput: the bytes every connection delivered
 * over the time from the first handshake to the last delivery, counting the
 * connections that delivered something (with one connection, exactly
 * tcp_goodput_bps(): same operations in the same order; summing each
 * connection's own goodput would count overlapping spans twice and could
 * exceed the link). Retransmissions, spurious ones and RTO expiries summed,
 * the longest stall of any, and how many survived out of how many. */
static void tcp_cells(const GArray *tcp, char *cells[COL_COUNT])
{
    uint64_t delivered = 0, from = UINT64_MAX, to = 0;
    uint64_t rtx = 0, spur_fast = 0, spur_rto = 0, rtos = 0, stall = 0;
    guint survived = 0;
    for (guint i = 0; i < tcp->len; i++) {
        const CompareTcp *t = &g_array_index(tcp, CompareTcp, i);
        if (t->goodput_bps > 0.0) {
            delivered += t->st.delivered;
            from = MIN(from, t->st.established_ps);
            to = MAX(to, t->st.last_data_ps);
        }
        rtx += t->st.retransmits;
        spur_fast += t->st.spurious_fast;
        spur_rto += t->st.spurious_rto;
        rtos += t->st.rto_events;
        stall = MAX(stall, t->st.max_stall_ps);
        survived += t->survived;
    }
    double bps =
        delivered ? (double)delivered * 8.0 / ((double)(to - from) / 1e12) : 0.0; /* tcp.c */
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    cells[COL_TCP_MBPS] = g_strdup(g_ascii_formatd(buf, sizeof buf, "%.2f", bps / 1e6));
    cells[COL_TCP_RTX] = g_strdup_printf("%" G_GUINT64_FORMAT, rtx);
    cells[COL_TCP_SPUR_FAST] = g_strdup_printf("%" G_GUINT64_FORMAT, spur_fast);
    cells[COL_TCP_SPUR_RTO] = g_strdup_printf("%" G_GUINT64_FORMAT, spur_rto);
    cells[COL_TCP_RTO] = g_strdup_printf("%" G_GUINT64_FORMAT, rtos);
    cells[COL_TCP_STALL] = format_ms(stall);
    cells[COL_TCP_SURVIVED] = g_strdup_printf("%u/%u", survived, tcp->len);
}

/* The cells of one row, NULL where there is no value (table "-", CSV empty,
 * JSON null). Free them with compare_cells_free(). */
static void compare_cells(const CompareRow *r, char *cells[COL_COUNT])
{
    memset(cells, 0, sizeof(char *) * COL_COUNT);
    cells[COL_MODE] = g_strdup(bond_mode_name(r->mode));
    if (r->status != ROW_RAN) {
        cells[COL_NOTE] =
            g_strdup(r->status == ROW_NOT_MODELLED ? "not modelled yet" : "refused in this mode");
        return;
    }
    char buf[G_ASCII_DTOSTR_BUF_SIZE];
    cells[COL_SHARE] = g_strdup(r->share);
    if (!r->no_flows) { /* else a TCP-only scenario: no figure, not 0 */
        cells[COL_MBPS] = g_strdup(g_ascii_formatd(buf, sizeof buf, "%.2f", r->t.delivered_mbps));
        cells[COL_LOST] = g_strdup_printf("%" G_GUINT64_FORMAT, r->t.lost);
        cells[COL_OOO] = g_strdup_printf("%" G_GUINT64_FORMAT, r->t.out_of_order);
        cells[COL_DUP] = g_strdup_printf("%" G_GUINT64_FORMAT, r->t.duplicates);
    }
    if (r->t.worst_gap_fault >= 0)
        cells[COL_GAP] = format_ms(r->t.worst_gap_ps);
    cells[COL_MOVES] = g_strdup_printf("%" G_GUINT64_FORMAT, r->t.mac_moves);
    if (r->tcp)
        tcp_cells(r->tcp, cells);
    if (r->t.worst_gap_fault >= 0 && !r->t.worst_gap_recovered)
        cells[COL_NOTE] = g_strdup_printf("no recovery after %s", r->gap_fault);
}

static void compare_cells_free(char *cells[COL_COUNT])
{
    for (int i = 0; i < COL_COUNT; i++)
        g_free(cells[i]);
}

/* ------------------------------------------------------------------------ */
/* --modes                                                                  */
/* ------------------------------------------------------------------------ */

/* "balance-rr (0), active-backup (1), ..." Caller frees. */
static char *mode_list(void)
{
    GString *s = g_string_new(NULL);
    for (int m = 0; m < BOND_MODE_COUNT; m++)
        g_string_append_printf(s, "%s%s (%d)", m ? ", " : "", bond_mode_name((BondMode)m), m);
    return g_string_free(s, FALSE);
}

static gboolean modes_fail(GError **error, const char *fmt, const char *item)
{
    g_autofree char *list = mode_list();
    g_autofree char *what = g_strdup_printf(fmt, item);
    g_set_error(error, COMPARE_ERROR, COMPARE_ERROR_MODES, "%s (modes: %s; or all)", what, list);
    return FALSE;
}

gboolean compare_parse_modes(const char *list, GArray *modes, GError **error)
{
    g_return_val_if_fail(list != NULL && modes != NULL, FALSE);
    if (strcmp(list, "all") == 0) {
        for (int m = 0; m < BOND_MODE_COUNT; m++) {
            BondMode mode = (BondMode)m;
            g_array_append_val(modes, mode);
        }
        return TRUE;
    }
    g_auto(GStrv) items = g_strsplit(list, ",", -1);
    if (!items[0])
        return modes_fail(error, "empty mode list%s", "");
    unsigned seen = 0;
    for (char **it = items; *it; it++) {
        g_autofree char *item = g_strstrip(g_strdup(*it));
        BondMode mode;
        if (!*item)
            return modes_fail(error, "empty mode name in the list '%s'", list);
        if (!bond_mode_from_string(item, &mode))
            return modes_fail(error, "unknown mode '%s'", item);
        if (seen & (1u << mode))
            return modes_fail(error, "mode '%s' is listed twice", item);
        seen |= 1u << mode;
        g_array_append_val(modes, mode);
    }
    return TRUE;
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */
/* ------------------------------------------------------------------------ */

/* Prints each collected warning line the first time it is seen. */
static void compare_flush_warnings(Compare *c, GPtrArray *lines)
{
    for (guint i = 0; i < lines->len; i++) {
        char *line = lines->pdata[i];
        if (g_hash_table_contains(c->warned, line))
            continue;
        g_printerr("%s\n", line);
        g_hash_table_add(c->warned, g_strdup(line));
    }
    g_ptr_array_set_size(lines, 0);
}

/* The scenario with every bond forced into `mode`; NULL with `error` set.
 * Warnings are printed (once each) unless `silent`. */
static Sim *compare_load(Compare *c, const CompareOptions *o, BondMode mode, bool silent,
                         char **canon, GError **error)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    ScenarioOptions so = {.sets = o->sets,
                          .seed_given = o->seed_given,
                          .seed = o->seed,
                          .force_mode = true,
                          .mode = mode,
                          .warnings = warnings};
    Sim *sim = scenario_load(o->file, &so, canon, error);
    if (!silent)
        compare_flush_warnings(c, warnings);
    return sim;
}

/* The mode of the validation load: the first requested one that is
 * modelled (*requested set), else the first modelled mode. */
static BondMode compare_probe_mode(const CompareOptions *o, bool *requested)
{
    *requested = true;
    for (guint i = 0; i < o->n_modes; i++)
        if (bond_mode_is_modelled(o->modes[i]))
            return o->modes[i];
    *requested = false;
    for (int m = 0; m < BOND_MODE_COUNT; m++)
        if (bond_mode_is_modelled((BondMode)m))
            return (BondMode)m;
    g_assert_not_reached();
}

/* Loads once to refuse a broken scenario before anything is written, and
 * keeps what every row shares: name, seed, duration, bonds, first fault.
 * Its warnings are those of the first mode run, printed now; a probe in a
 * mode that is not compared keeps quiet about it. */
static gboolean compare_validate(Compare *c, const CompareOptions *o, GError **error)
{
    GError *e = NULL;
    bool requested;
    BondMode probe = compare_probe_mode(o, &requested);
    Sim *sim = compare_load(c, o, probe, !requested, NULL, &e);
    if (!sim) {
        g_set_error_literal(error, COMPARE_ERROR, COMPARE_ERROR_INPUT, e->message);
        g_error_free(e);
        return FALSE;
    }
    gboolean ok = sim->bonds->len > 0;
    if (!ok)
        g_set_error(error, COMPARE_ERROR, COMPARE_ERROR_INPUT,
                    "%s: no bond to compare (the scenario has no bond.NAME key)", o->file);
    c->name = g_strdup(sim->name);
    c->seed = sim->seed;
    c->end_ps = sim->end_ps;
    GString *bonds = g_string_new(NULL);
    for (guint i = 0; i < sim->bonds->len; i++)
        g_string_append_printf(bonds, "%s%s", i ? ", " : "",
                               ((Bond *)sim->bonds->pdata[i])->full_name);
    c->bonds = g_string_free(bonds, FALSE);
    c->has_fault = sim->faults->len > 0;
    c->has_tcp = tcp_any(sim); /* traffic does not depend on the mode */
    if (c->has_fault) {
        const SimFault *ft = &g_array_index(sim->faults, SimFault, 0);
        char at[32];
        c->first_fault_ps = ft->at_ps;
        c->share_until = g_strdup_printf("before fault %s at %s", ft->name,
                                         units_format_time(ft->at_ps, at, sizeof at));
    } else {
        c->share_until = g_strdup("over the whole run");
    }
    sim_free(sim);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* One mode's run                                                           */
/* ------------------------------------------------------------------------ */

/* Slave TX counters of every bond at one instant, BOND_MAX_SLAVES slots per
 * bond. */
typedef struct {
    uint64_t *frames;
    bool taken;
} TxSnapshot;

static void compare_snapshot(Sim *sim, void *obj, void *arg)
{
    TxSnapshot *snap = obj;
    for (guint i = 0; i < sim->bonds->len; i++)
        report_slave_tx_frames(sim->bonds->pdata[i], snap->frames + i * BOND_MAX_SLAVES);
    snap->taken = true;
}

/* "50/50 100/0": one share per bond, in creation order. Caller frees. */
static char *share_text(const Sim *sim, const TxSnapshot *snap)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        g_autofree char *one = report_share_text(snap->frames + i * BOND_MAX_SLAVES, b->n_slaves);
        g_string_append_printf(s, "%s%s", i ? " " : "", one);
    }
    return g_string_free(s, FALSE);
}

/* DIR/<mode>/, created and writable. */
static char *compare_mode_dir(const Compare *c, BondMode mode, GError **error)
{
    char *dir = g_build_filename(c->dir, bond_mode_name(mode), NULL);
    if (g_mkdir_with_parents(dir, 0755) != 0 || g_access(dir, W_OK) != 0) {
        g_set_error(error, COMPARE_ERROR, COMPARE_ERROR_OUTPUT, "output directory %s: %s", dir,
                    g_strerror(errno));
        g_free(dir);
        return NULL;
    }
    return dir;
}

/* Writes the data files and stats.json, then ends the capture; a failed capture removes
 * stats.json, so the directory is complete or empty (as `bondsim run`). */
static gboolean compare_finish_outputs(Sim *sim, Capture *cap, const char *dir, GError **error)
{
    g_autofree CaptureIfStats *st = scenario_capture_if_stats(sim);
    g_autofree char *json_path = g_build_filename(dir, "stats.json", NULL);
    GError *e = NULL;
    if (!report_write_data(sim, dir, &e)) {
        capture_abort(cap);
    } else if (!report_write_json(sim, json_path, &e)) {
        capture_abort(cap);
        report_remove_data(dir);
    } else if (!capture_finish(cap, st, sim->end_ps, &e)) {
        g_unlink(json_path);
        report_remove_data(dir);
    }
    if (!e)
        return TRUE;
    g_set_error_literal(error, COMPARE_ERROR, COMPARE_ERROR_OUTPUT, e->message);
    g_error_free(e);
    return FALSE;
}

/* The TCP connections of a finished run, copied out of the Sim. */
static GArray *collect_tcp(const Sim *sim)
{
    GArray *out = g_array_new(FALSE, TRUE, sizeof(CompareTcp));
    g_array_set_clear_func(out, tcp_clear);
    g_autoptr(GPtrArray) conns = tcp_conns(sim);
    for (guint i = 0; i < conns->len; i++) {
        const TcpConn *conn = conns->pdata[i];
        char why[160];
        CompareTcp t = {
            .name = g_strdup(conn->name),
            .from = g_strdup(conn->cli.host->name),
            .to = g_strdup(conn->dst_name ? conn->dst_name : conn->srv.host->name),
            .state = tcp_state_name(conn->cstate),
            .st = conn->st,
            .goodput_bps = tcp_goodput_bps(conn),
            .survived = tcp_survived(sim, conn, why, sizeof why),
        };
        t.why = g_strdup(why);
        g_array_append_val(out, t);
    }
    return out;
}

/* Runs a loaded Sim with its outputs in DIR/<mode>/ and fills `row`. */
static gboolean compare_run_sim(Compare *c, const CompareOptions *o, Sim *sim, const char *canon,
                                CompareRow *row, GError **error)
{
    g_autofree char *dir = compare_mode_dir(c, row->mode, error);
    if (!dir)
        return FALSE;
    g_autofree char *cap_path = o->format == CAPTURE_PCAP
                                    ? g_build_filename(dir, "pcap", NULL)
                                    : g_strdup_printf("%s/%s.pcapng", dir, sim->name);
    g_autofree char *shb = g_strdup_printf("bondsim %s %s snaplen=%u format=%s", BONDSIM_VERSION,
                                           canon, o->snaplen ? o->snaplen : 262144u,
                                           o->format_name ? o->format_name : "pcapng");
    GError *e = NULL;
    sim->cap = capture_new(o->format, cap_path, o->snaplen, shb, &e);
    if (!sim->cap) {
        g_set_error_literal(error, COMPARE_ERROR, COMPARE_ERROR_OUTPUT, e->message);
        g_error_free(e);
        return FALSE;
    }
    scenario_register_capture(sim);
    TxSnapshot snap = {g_new0(uint64_t, (gsize)sim->bonds->len * BOND_MAX_SLAVES), false};
    if (sim->faults->len > 0)
        engine_schedule(&sim->eng, g_array_index(sim->faults, SimFault, 0).at_ps, compare_snapshot,
                        &snap, NULL);
    /* the load series as `bondsim run` samples it by default */
    sim->series = series_new(sim, series_default_bin_ps(sim->end_ps), NULL);
    series_start(sim, sim->series);
    sim_run(sim, o->progress);
    series_finish(sim, sim->series);
    if (!snap.taken)
        compare_snapshot(sim, &snap, NULL);
    row->share = share_text(sim, &snap);
    compare_snapshot(sim, &snap, NULL);
    row->share_run = share_text(sim, &snap);
    g_free(snap.frames);
    report_totals(sim, &row->t);
    row->no_flows = sim->flows->len == 0;
    if (c->has_tcp)
        row->tcp = collect_tcp(sim);
    if (row->t.worst_gap_fault >= 0)
        row->gap_fault =
            g_strdup(g_array_index(sim->faults, SimFault, row->t.worst_gap_fault).name);
    Capture *cap = sim->cap;
    sim->cap = NULL;
    return compare_finish_outputs(sim, cap, dir, error);
}

/* One row: not modelled, refused by the loader, or run. FALSE only when an
 * output could not be written. */
static gboolean compare_mode(Compare *c, const CompareOptions *o, guint index, GError **error)
{
    CompareRow row = {.mode = o->modes[index]};
    const char *name = bond_mode_name(row.mode);
    gboolean ok = TRUE;
    if (!bond_mode_is_modelled(row.mode)) {
        row.status = ROW_NOT_MODELLED;
        g_printerr("bondsim: compare: mode %s is not modelled yet by this build: listed as "
                   "such, not run\n",
                   name);
    } else {
        if (o->progress)
            g_printerr("bondsim: compare: [%u/%u] %s\n", index + 1, o->n_modes, name);
        g_autofree char *canon = NULL;
        GError *e = NULL;
        Sim *sim = compare_load(c, o, row.mode, false, &canon, &e);
        if (!sim) {
            row.status = ROW_REFUSED;
            g_printerr("bondsim: compare: mode %s: %s\n", name, e->message);
            g_error_free(e);
        } else {
            ok = compare_run_sim(c, o, sim, canon, &row, error);
            sim_free(sim);
        }
    }
    g_array_append_val(c->rows, row);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Public API                                                               */
/* ------------------------------------------------------------------------ */

/* The output directory: given, or pcaps/out/<scenario>-compare. */
static gboolean compare_make_dir(Compare *c, const CompareOptions *o, GError **error)
{
    g_autofree char *base = g_strconcat(c->name, "-compare", NULL);
    c->dir = o->out_dir ? g_strdup(o->out_dir) : g_build_filename("pcaps", "out", base, NULL);
    if (g_mkdir_with_parents(c->dir, 0755) == 0 && g_access(c->dir, W_OK) == 0)
        return TRUE;
    g_set_error(error, COMPARE_ERROR, COMPARE_ERROR_OUTPUT, "output directory %s: %s", c->dir,
                g_strerror(errno));
    return FALSE;
}

Compare *compare_run(const CompareOptions *o, GError **error)
{
    g_return_val_if_fail(o != NULL && o->file != NULL, NULL);
    g_return_val_if_fail(o->modes != NULL || o->n_modes == 0, NULL);
    Compare *c = g_new0(Compare, 1);
    c->rows = g_array_new(FALSE, TRUE, sizeof(CompareRow));
    g_array_set_clear_func(c->rows, row_clear);
    c->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gboolean ok = compare_validate(c, o, error) && compare_make_dir(c, o, error);
    for (guint i = 0; ok && i < o->n_modes; i++)
        ok = compare_mode(c, o, i, error);
    if (!ok) {
        compare_free(c);
        return NULL;
    }
    return c;
}

void compare_free(Compare *c)
{
    if (!c)
        return;
    g_array_unref(c->rows);
    g_hash_table_unref(c->warned);
    g_free(c->dir);
    g_free(c->name);
    g_free(c->bonds);
    g_free(c->share_until);
    g_free(c);
}

const char *compare_dir(const Compare *c)
{
    g_return_val_if_fail(c != NULL, NULL);
    return c->dir;
}

guint compare_refused(const Compare *c)
{
    g_return_val_if_fail(c != NULL, 0);
    guint n = 0;
    for (guint i = 0; i < c->rows->len; i++)
        n += g_array_index(c->rows, CompareRow, i).status == ROW_REFUSED;
    return n;
}

/* ------------------------------------------------------------------------ */
/* Renderings                                                               */
/* ------------------------------------------------------------------------ */

/* Appends the note column, left-aligned, to the rendered table `t` (title,
 * header, then one line per row; table.c right-aligns every column but the
 * first). `notes` holds one entry per row, NULL for none. */
static void append_notes(GString *out, const char *t, char **notes, guint n_rows)
{
    g_auto(GStrv) lines = g_strsplit(t, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_string_append(out, lines[i]);
        if (i == 1)
            g_string_append_printf(out, "  %s", compare_cols[COL_NOTE].title);
        else if (i >= 2 && i - 2 < n_rows && notes[i - 2])
            g_string_append_printf(out, "  %s", notes[i - 2]);
        if (lines[i + 1])
            g_string_append_c(out, '\n');
    }
}

char *compare_table(const Compare *c)
{
    g_return_val_if_fail(c != NULL, NULL);
    GString *out = g_string_new(NULL);
    char d[32];
    g_string_append_printf(out,
                           "bondsim %s compare: scenario %s, seed %" G_GUINT64_FORMAT
                           ", %s simulated, one run per mode\n\n",
                           BONDSIM_VERSION, c->name, c->seed,
                           units_format_time(c->end_ps, d, sizeof d));
    const char *hdr[COL_COUNT] = {NULL};
    for (int i = 0, n = 0; i < COL_NOTE; i++)
        if (compare_col_shown(c, i))
            hdr[n++] = compare_cols[i].title;
    Table *t = table_new("Modes", hdr);
    g_autofree char **notes = g_new0(char *, c->rows->len + 1);
    for (guint r = 0; r < c->rows->len; r++) {
        char *cells[COL_COUNT];
        compare_cells(&g_array_index(c->rows, CompareRow, r), cells);
        const char *shown[COL_COUNT] = {NULL};
        for (int i = 0, n = 0; i < COL_NOTE; i++)
            if (compare_col_shown(c, i))
                shown[n++] = cells[i] ? cells[i] : "-";
        table_add(t, shown);
        notes[r] = g_steal_pointer(&cells[COL_NOTE]);
        compare_cells_free(cells);
    }
    g_autoptr(GString) rendered = g_string_new(NULL);
    table_render_free(t, rendered);
    append_notes(out, rendered->str, notes, c->rows->len);
    for (guint r = 0; r < c->rows->len; r++)
        g_free(notes[r]);
    g_string_append_printf(out,
                           "tx share: frames sent by each slave of %s, %s.\n"
                           "worst gap: the longest pause in deliveries after a fault.\n",
                           c->bonds, c->share_until);
    if (c->has_tcp)
        g_string_append(out,
                        "TCP Mb/s: bytes delivered by every connection from the first handshake "
                        "to the last delivery.\n"
                        "TCP retrans, spurious (sent again although the original arrived), RTOs: "
                        "every connection summed.\n"
                        "max stall: the longest pause in in-order delivery of any connection; "
                        "survived: as in `bondsim run`.\n"
                        "Each connection's figures: compare.json, rows[].tcp.\n");
    return g_string_free(out, FALSE);
}

/* One CSV field (RFC 4180): quoted when it holds a comma, quote or newline. */
static void csv_field(GString *o, const char *v)
{
    if (!v)
        return;
    if (!strpbrk(v, ",\"\r\n")) {
        g_string_append(o, v);
        return;
    }
    g_string_append_c(o, '"');
    for (; *v; v++) {
        if (*v == '"')
            g_string_append_c(o, '"');
        g_string_append_c(o, *v);
    }
    g_string_append_c(o, '"');
}

char *compare_csv(const Compare *c)
{
    g_return_val_if_fail(c != NULL, NULL);
    GString *o = g_string_new(NULL);
    for (int i = 0; i < COL_COUNT; i++) {
        if (!compare_col_shown(c, i))
            continue;
        g_string_append(o, i ? "," : "");
        csv_field(o, compare_cols[i].key);
    }
    g_string_append_c(o, '\n');
    for (guint r = 0; r < c->rows->len; r++) {
        char *cells[COL_COUNT];
        compare_cells(&g_array_index(c->rows, CompareRow, r), cells);
        for (int i = 0; i < COL_COUNT; i++) {
            if (!compare_col_shown(c, i))
                continue;
            g_string_append(o, i ? "," : "");
            csv_field(o, cells[i]);
        }
        g_string_append_c(o, '\n');
        compare_cells_free(cells);
    }
    return g_string_free(o, FALSE);
}

/* A JSON string, or null for NULL (stats/json.h's json_str writes ""). */
static void json_nstr(GString *o, const char *s)
{
    if (s)
        json_str(o, s);
    else
        g_string_append(o, "null");
}

/* "key":value, with a leading comma unless first. */
static void json_key(GString *o, const char *key, gboolean first)
{
    if (!first)
        g_string_append_c(o, ',');
    json_nstr(o, key);
    g_string_append_c(o, ':');
}

/* "tcp":[...]: each connection with the figures and key names of stats.json's
 * "tcp" section (the same numbers, formatted the same way), plus
 * "last_data_s", the end of the span its goodput is measured over. */
static void json_tcp(GString *o, const GArray *tcp)
{
    json_key(o, "tcp", FALSE);
    if (!tcp) {
        g_string_append(o, "null");
        return;
    }
    g_string_append_c(o, '[');
    for (guint i = 0; i < tcp->len; i++) {
        const CompareTcp *t = &g_array_index(tcp, CompareTcp, i);
        g_string_append(o, i ? ",{" : "{");
        json_kv_str(o, "name", t->name, TRUE);
        json_kv_str(o, "from", t->from, TRUE);
        json_kv_str(o, "to", t->to, TRUE);
        json_kv_str(o, "state", t->state, TRUE);
        json_kv_u64(o, "bytes_delivered", t->st.delivered, TRUE);
        g_string_append_printf(o, "\"goodput_bps\":%.0f,", t->goodput_bps);
        json_kv_u64(o, "retransmits", t->st.retransmits, TRUE);
        json_kv_u64(o, "fast_retransmits", t->st.fast_retransmits, TRUE);
        json_kv_u64(o, "spurious_fast_retransmits", t->st.spurious_fast, TRUE);
        json_kv_u64(o, "spurious_rto_retransmits", t->st.spurious_rto, TRUE);
        json_kv_u64(o, "rto_events", t->st.rto_events, TRUE);
        json_kv_u64(o, "max_backoff", t->st.max_backoff, TRUE);
        json_kv_secs(o, "max_stall_s", t->st.max_stall_ps, TRUE);
        json_kv_secs(o, "stall_rto_s", t->st.stall_rto_ps, TRUE);
        json_kv_secs(o, "established_s", t->st.established_ps, TRUE);
        json_kv_secs(o, "last_data_s", t->st.last_data_ps, TRUE); /* goodput's span */
        json_kv_secs(o, "done_s", t->st.done_ps, TRUE);
        g_string_append_printf(o, "\"survived\":%s,", t->survived ? "true" : "false");
        json_kv_str(o, "survived_why", t->why, FALSE);
        g_string_append_c(o, '}');
    }
    g_string_append_c(o, ']');
}

static void json_row(GString *o, const Compare *c, const CompareRow *r)
{
    char *cells[COL_COUNT];
    compare_cells(r, cells);
    g_string_append_c(o, '{');
    for (int i = 0; i < COL_COUNT; i++) {
        if (!compare_col_shown(c, i))
            continue;
        json_key(o, compare_cols[i].key, i == 0);
        if (cells[i] && compare_cols[i].number)
            g_string_append(o, cells[i]);
        else
            json_nstr(o, cells[i]);
    }
    compare_cells_free(cells);
    json_key(o, "mode_number", FALSE);
    g_string_append_printf(o, "%d", (int)r->mode);
    json_key(o, "status", FALSE);
    json_nstr(o, row_status_names[r->status]);
    json_key(o, "tx_share_run", FALSE);
    json_nstr(o, r->share_run);
    json_key(o, "worst_gap_fault", FALSE);
    json_nstr(o, r->gap_fault);
    json_key(o, "dir", FALSE);
    json_nstr(o, r->status == ROW_RAN ? bond_mode_name(r->mode) : NULL);
    if (c->has_tcp)
        json_tcp(o, r->tcp);
    g_string_append_c(o, '}');
}

char *compare_json(const Compare *c)
{
    g_return_val_if_fail(c != NULL, NULL);
    GString *o = g_string_new("{");
    json_key(o, "bondsim_version", TRUE);
    json_nstr(o, BONDSIM_VERSION);
    json_key(o, "scenario", FALSE);
    json_nstr(o, c->name);
    json_key(o, "seed", FALSE);
    g_string_append_printf(o, "%" G_GUINT64_FORMAT, c->seed);
    json_key(o, "duration_s", FALSE);
    g_string_append_printf(o, "%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT, c->end_ps / PS_PER_S,
                           c->end_ps % PS_PER_S);
    json_key(o, "bonds", FALSE);
    json_nstr(o, c->bonds);
    json_key(o, "tx_share_taken", FALSE);
    json_nstr(o, c->share_until);
    json_key(o, "rows", FALSE);
    g_string_append_c(o, '[');
    for (guint r = 0; r < c->rows->len; r++) {
        g_string_append(o, r ? ",\n" : "\n");
        json_row(o, c, &g_array_index(c->rows, CompareRow, r));
    }
    g_string_append(o, "]}\n");
    return g_string_free(o, FALSE);
}

gboolean compare_write(const Compare *c, GError **error)
{
    g_return_val_if_fail(c != NULL, FALSE);
    g_autofree char *csv = compare_csv(c);
    g_autofree char *json = compare_json(c);
    g_autofree char *csv_path = g_build_filename(c->dir, "compare.csv", NULL);
    g_autofree char *json_path = g_build_filename(c->dir, "compare.json", NULL);
    GError *e = NULL;
    /* g_file_set_contents writes a temporary file and renames it; the CSV
     * is removed again if the JSON fails, so both or neither exist. */
    if (g_file_set_contents(csv_path, csv, -1, &e) && g_file_set_contents(json_path, json, -1, &e))
        return TRUE;
    g_unlink(csv_path);
    g_set_error_literal(error, COMPARE_ERROR, COMPARE_ERROR_OUTPUT, e->message);
    g_error_free(e);
    return FALSE;
}

/* ------------------------------------------------------------------------ */
/* --plot                                                                   */

/* Whether some row has a value in column `col`. */
static gboolean compare_col_has_value(const Compare *c, int col)
{
    gboolean any = FALSE;
    for (guint r = 0; r < c->rows->len && !any; r++) {
        char *cells[COL_COUNT];
        compare_cells(&g_array_index(c->rows, CompareRow, r), cells);
        any = cells[col] != NULL;
        compare_cells_free(cells);
    }
    return any;
}

/* One bar panel from column `col` of compare.csv. Modes without a value
 * (refused, not modelled, no gap) have an empty cell: no bar. A column empty
 * in every row (no fault: no gap) gets an empty panel saying so, as gnuplot
 * refuses to plot a column without a valid point. */
static void compare_plot_panel(GString *o, const Compare *c, const char *title, int col)
{
    g_string_append_printf(o, "set title '%s'\n", title);
    if (!compare_col_has_value(c, col)) {
        g_string_append(o, "set label 1 'no value in any mode' at graph 0.5, 0.5 center\n"
                           "set yrange [0:1]\n"
                           "plot 'compare.csv' using (0):xtic(1) notitle\n"
                           "unset label 1\nset yrange [0:*]\n");
        return;
    }
    g_string_append_printf(o,
                           "plot 'compare.csv' using %d:xtic(1) linecolor rgb '#4060a0' notitle\n",
                           compare_csv_column(c, col));
}

char *compare_plot_script(const Compare *c)
{
    g_return_val_if_fail(c != NULL, NULL);
    GString *o = g_string_new("# bondsim compare: per-mode bars (data: compare.csv)\n"
                              "set datafile separator ','\nset datafile columnheaders\n"
                              "set style data histograms\nset style histogram clustered gap 1\n"
                              "set style fill solid 0.8 border -1\nset boxwidth 0.8\n"
                              "set grid ytics\nset xtics rotate by -30\nset yrange [0:*]\n");
    g_autofree char *title =
        g_strdup_printf("bondsim compare %s (seed %" G_GUINT64_FORMAT ")", c->name, c->seed);
    /* with TCP connections, a third column of panels: goodput, spurious */
    g_string_append_printf(o, "set multiplot layout 2,%d title ", c->has_tcp ? 3 : 2);
    plot_quote(o, title);
    g_string_append_c(o, '\n');
    compare_plot_panel(o, c, "delivered (Mb/s)", COL_MBPS);
    compare_plot_panel(o, c, "frames lost", COL_LOST);
    compare_plot_panel(o, c, "frames out of order", COL_OOO);
    compare_plot_panel(o, c, "worst failover gap (ms)", COL_GAP);
    if (c->has_tcp) {
        compare_plot_panel(o, c, "TCP goodput (Mb/s)", COL_TCP_MBPS);
        compare_plot_panel(o, c, "TCP spurious fast retransmits", COL_TCP_SPUR_FAST);
    }
    g_string_append(o, "unset multiplot\n");
    return g_string_free(o, FALSE);
}

gboolean compare_plot(const Compare *c, const char *gnuplot, GError **error)
{
    g_return_val_if_fail(c != NULL && gnuplot != NULL, FALSE);
    g_autofree char *script = compare_plot_script(c);
    GError *e = NULL;
    if (plot_render_script(c->dir, gnuplot, "compare", script, &e))
        return TRUE;
    g_set_error_literal(error, COMPARE_ERROR, COMPARE_ERROR_OUTPUT, e->message);
    g_error_free(e);
    return FALSE;
}
