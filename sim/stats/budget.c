/* budget.c - predicted failover windows and the fault-phase sweep (see budget.h).
 *
 * Rules (reference section in brackets; tick k runs at k * tick, the bond
 * opens at 0; a fault at a tick's instant is seen by that tick):
 *
 *   MII, carrier lost  [5.5, 6.1]  DOWN at the first tick >= fault, plus
 *                                  downdelay_ticks ticks.
 *   MII, carrier back  [6.1]       UP at the first tick >= fault, plus
 *                                  updelay_ticks ticks (none in AB while no
 *                                  slave is active, nor in xor, 802.3ad,
 *                                  TLB, ALB while the usable array is
 *                                  empty: ignore_updelay).
 *   ARP, AB active     [6.2]       its last answer came with the probe of the
 *                                  last tick <= fault; DOWN at the first tick
 *                                  j after it with j * tick_jiffies > M * d +
 *                                  d / 2 (M + 1 ticks below M = 13). A fault
 *                                  on no slave's link, with one AB bond on
 *                                  the ARP monitor, silences its target:
 *                                  the same rule, no gap predicted.
 *   LACP, lacp-block   [7.4, 7.9]  current_while (30 ticks fast, 900 slow)
 *                                  from the partner's last LACPDU, which came
 *                                  at most one partner period (12 ticks fast:
 *                                  the 10-tick periodic timer plus up to 2
 *                                  ticks waiting for the 3-tick TX gate;
 *                                  300 slow) before the fault.
 *
 * Gap: in active-backup the bond's frames go to the dead active until the
 * failover tick (downdelay included: the blackhole of 13 item 7); the new
 * active sends its gratuitous ARP in that same tick (5.2, 5.3), so switch
 * relearning adds nothing (with num_peer_notif=0 the switch learns from the
 * bond's next frame instead, the same for traffic the bond sends). Any other
 * fault (a backup, a returning link) costs no frames. The measured gap is
 * the longest pause of the flow with the finest interval I, so it lies in
 * [blackout, (ceil(blackout / I) + 1) * I + 1 ms path allowance]. xor
 * and 802.3ad drop a slave from the usable array at carrier loss (1.3), so
 * a cut (or the slave's own carrier loss) costs no frames there; in
 * 802.3ad only when another port of the bond was collecting+distributing
 * at the fault, else the active aggregator is replaced at the miimon
 * commit (7.7) and frames are lost until then.
 * Not modelled ("-", reason given): rr, broadcast, TLB, ALB gaps;
 * ARP-monitored backups and returning links; rr/xor/broadcast ARP monitor;
 * lacp-unblock; a carrier-down on the switch side under miimon (never
 * seen: the slave keeps carrier).
 */
#include "stats/budget.h"

#include <glib/gstdio.h>
#include <string.h>

#include "bond/bond.h"
#include "lacp/lacp.h"
#include "stats/json.h"
#include "stats/report.h"
#include "stats/table.h"
#include "traffic/flow.h"
#include "util/units.h"

/* ---- which bond and slave a fault hits ----------------------------------- */

/* The slave whose NIC is `nic`, else the one cabled to it (bonds back to
 * back: the fault's own end decides, whatever the bonds' order); NULL when
 * none. */
static const Slave *budget_slave_of(const Sim *sim, const Nic *nic, bool *far_end)
{
    if (!nic) /* a route fault (sim_fault_route): no NIC, no slave */
        return NULL;
    const Nic *peer = nic->link ? nic->link->end[1 - nic->end] : NULL;
    for (int pass = 0; pass < 2; pass++) {
        const Nic *want = pass ? peer : nic;
        for (guint i = 0; want && i < sim->bonds->len; i++) {
            const Bond *b = sim->bonds->pdata[i];
            for (int j = 0; j < b->n_slaves; j++) {
                if (b->slaves[j].nic == want) {
                    *far_end = pass == 1;
                    return &b->slaves[j];
                }
            }
        }
    }
    return NULL;
}

/* The bond's active slave just before `t_ps`, by the event log: the target
 * of the last failover before it; else the source of the first one after
 * it; else the active at the end. Returns the interface name or "none". */
static const char *budget_active_at(const Sim *sim, const Bond *b, uint64_t t_ps)
{
    const char *before = NULL;
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->kind != SIM_EV_FAILOVER || strcmp(ev->subject, b->full_name) != 0)
            continue;
        if (ev->time_ps < t_ps)
            before = ev->to;
        else
            return before ? before : ev->from;
    }
    if (before)
        return before;
    return b->curr_active ? b->curr_active->nic->ifname : "none";
}

static bool budget_fault_down(SimFaultKind k)
{
    return k == SIM_FAULT_LINK_DOWN || k == SIM_FAULT_CARRIER_DOWN;
}

/* ---- per-monitor rules --------------------------------------------------- */

static bool budget_lacp_cd_at(const Sim *sim, const Slave *s, uint64_t t_ps);

/* First tick at or after `t` (ticks at k * tick). */
static uint64_t budget_next_tick(uint64_t t, uint64_t tick)
{
    return (t + tick - 1) / tick * tick;
}

static void budget_exact(FaultBudget *out, uint64_t at, uint64_t tick_at)
{
    out->detect_known = true;
    out->tick_at_ps = tick_at;
    out->detect_ps = out->detect_min_ps = out->detect_max_ps = tick_at - at;
}

/* Whether the last event of kind `on` or `off` about `name` (in the
 * subject, or in from/to when `by_slave`) before `t_ps` was `on`; with none
 * before, the opposite of the first one after; with none at all, `end`. */
static bool budget_state_at(const Sim *sim, SimEventKind on, SimEventKind off, const char *name,
                            const char *bond, uint64_t t_ps, bool end)
{
    bool seen = false, state = end;
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->kind != on && ev->kind != off)
            continue;
        const char *who = bond ? (ev->kind == on ? ev->to : ev->from) : ev->subject;
        if ((bond && strcmp(ev->subject, bond) != 0) || !who || strcmp(who, name) != 0)
            continue;
        if (ev->time_ps >= t_ps)
            return seen ? state : ev->kind != on;
        seen = true;
        state = ev->kind == on;
    }
    return state;
}

/* Whether the usable array (1.3) of a bond that keeps one was empty just
 * before the tick at `t_ps`, by the event log: in 802.3ad no port
 * collecting+distributing, else no slave both UP and with carrier. */
static bool budget_usable_empty_at(const Sim *sim, const Bond *b, uint64_t t_ps)
{
    for (int i = 0; i < b->n_slaves; i++) {
        const Slave *s = &b->slaves[i];
        if (b->p.mode == BOND_MODE_8023AD) {
            if (budget_lacp_cd_at(sim, s, t_ps))
                return false;
        } else if (budget_state_at(sim, SIM_EV_SLAVE_UP, SIM_EV_SLAVE_DOWN, s->nic->ifname,
                                   b->full_name, t_ps, s->link == SLAVE_LINK_UP) &&
                   budget_state_at(sim, SIM_EV_CARRIER_UP, SIM_EV_CARRIER_DOWN, s->nic->name, NULL,
                                   t_ps, nic_carrier(s->nic))) {
            return false;
        }
    }
    return true;
}

/* MII monitor: carrier loss or return seen at the next tick, committed
 * downdelay/updelay ticks later (6.1). updelay is ignored (ignore_updelay,
 * 6.1) in AB while no slave is active, and in the modes with a usable array
 * (xor, 802.3ad, TLB, ALB) while it is empty. */
static void budget_mii(const Sim *sim, const Bond *b, const Slave *s, const SimFault *ft,
                       FaultBudget *out)
{
    uint64_t tick = b->mii_tick_ps;
    int delay = b->downdelay_ticks;
    out->period_ps = tick;
    out->rule = "miimon";
    if (!budget_fault_down(ft->kind)) {
        bool ignore;
        if (b->ops->uses_usable)
            ignore = budget_usable_empty_at(sim, b, budget_next_tick(ft->at_ps, tick));
        else
            ignore = b->p.mode == BOND_MODE_AB &&
                     strcmp(budget_active_at(sim, b, ft->at_ps), "none") == 0;
        delay = ignore ? 0 : b->updelay_ticks;
        out->rule = delay ? "miimon+updelay" : "miimon";
    } else if (delay) {
        out->rule = "miimon+downdelay";
    }
    budget_exact(out, ft->at_ps, budget_next_tick(ft->at_ps, tick) + (uint64_t)delay * tick);
    (void)s;
}

/* ARP monitor, AB active slave (6.2): M + 1 ticks after the tick whose probe
 * drew the last answer. The window's early end covers a fault falling
 * between a probe and its answer. */
static void budget_arp_ab(const Sim *sim, const Bond *b, const SimFault *ft, FaultBudget *out)
{
    uint64_t tick = b->arp_tick_ps;
    int64_t d = b->arp_delta_j;
    uint64_t tick_j = tick * sim->hz / PS_PER_S;
    uint64_t limit = (uint64_t)(b->p.arp_missed_max * d + d / 2);
    uint64_t j = limit / MAX(tick_j, 1) + 1;
    uint64_t k0 = ft->at_ps / tick;
    out->period_ps = tick;
    out->rule = "arp_interval x (arp_missed_max+1)";
    budget_exact(out, ft->at_ps, (k0 + j) * tick);
    uint64_t early = k0 ? (k0 - 1 + j) * tick : out->tick_at_ps;
    out->detect_min_ps = early > ft->at_ps ? early - ft->at_ps : 0;
}

/* lacp-block (7.4, 7.9): current_while runs out after the partner's last
 * LACPDU; that came at most one partner period before the fault. */
static void budget_lacp_block(const Sim *sim, const Bond *b, const SimFault *ft, FaultBudget *out)
{
    uint64_t tick = lacp_tick_ps(sim->hz);
    uint64_t timeout = b->p.lacp_rate ? 30 : 900;
    uint64_t period = b->p.lacp_rate ? 12 : 300;
    out->period_ps = tick;
    out->rule = b->p.lacp_rate ? "lacp current_while 30 ticks" : "lacp current_while 900 ticks";
    out->detect_known = true;
    out->detect_max_ps = timeout * tick;
    out->detect_min_ps = (timeout - period - 1) * tick;
    /* expected: the middle of the window (the partner's last LACPDU falls
     * anywhere in its period) */
    out->detect_ps = (out->detect_min_ps + out->detect_max_ps) / 2;
    out->tick_at_ps = 0;
}

/* Whether slave `s` was in collecting+distributing just before `t_ps`, by
 * the event log. */
static bool budget_lacp_cd_at(const Sim *sim, const Slave *s, uint64_t t_ps)
{
    bool cd = false;
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->time_ps >= t_ps)
            break;
        if ((ev->kind == SIM_EV_LACP_CD_ON || ev->kind == SIM_EV_LACP_CD_OFF) &&
            strcmp(ev->subject, s->nic->name) == 0)
            cd = ev->kind == SIM_EV_LACP_CD_ON;
    }
    return cd;
}

/* 802.3ad: a cut port costs nothing when another port of the bond was
 * distributing in the same (active) aggregator; else the active aggregator
 * is replaced at the miimon commit (7.7): lost until then. */
static uint64_t budget_8023ad_blackout(const Sim *sim, const Bond *b, const Slave *s,
                                       const SimFault *ft, uint64_t detect_ps)
{
    if (!budget_fault_down(ft->kind) || !budget_lacp_cd_at(sim, s, ft->at_ps))
        return budget_fault_down(ft->kind) ? detect_ps : 0;
    for (int i = 0; i < b->n_slaves; i++)
        if (&b->slaves[i] != s && budget_lacp_cd_at(sim, &b->slaves[i], ft->at_ps))
            return 0;
    return detect_ps;
}

/* The frames lost from the fault on (see top), or false when not modelled. */
static bool budget_blackout(const Sim *sim, const Bond *b, const Slave *s, const SimFault *ft,
                            FaultBudget *out)
{
    switch (b->p.mode) {
    case BOND_MODE_AB: {
        bool active = strcmp(budget_active_at(sim, b, ft->at_ps), s->nic->ifname) == 0;
        out->blackout_ps = active && budget_fault_down(ft->kind) ? out->detect_ps : 0;
        return true;
    }
    /* here a carrier fault is the slave's own (one at the far end keeps
     * its carrier and was refused before): for the bond the same as a cut
     * or a repaired cable */
    case BOND_MODE_XOR:
        out->blackout_ps = 0;
        return true;
    case BOND_MODE_8023AD:
        out->blackout_ps = budget_8023ad_blackout(sim, b, s, ft, out->detect_ps);
        return true;
    default:
        return false;
    }
}

static void budget_gap(const Sim *sim, guint fault, FaultBudget *out)
{
    const FaultGap *g = sim->fault_gaps ? &sim->fault_gaps[fault] : NULL;
    uint64_t interval = g && g->measured ? g->interval_ps : 0;
    /* the flow sends on a grid of step I: the last frame delivered went at
     * most I before the fault, the first after the blackout at most I after
     * it, and the two lie a whole number of steps apart */
    if (!interval)
        return; /* no flow with a send interval (TCP): not modelled */
    uint64_t steps = (out->blackout_ps + interval - 1) / interval;
    out->gap_known = true;
    out->gap_min_ps = out->blackout_ps;
    out->gap_max_ps = (steps + 1) * interval + BUDGET_PATH_ALLOWANCE_PS;
}

static bool budget_not(FaultBudget *out, const char *why)
{
    out->why = why;
    return false;
}

/* The only active-backup bond with the ARP monitor, or NULL. */
static const Bond *budget_arp_bond(const Sim *sim)
{
    const Bond *found = NULL;
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        if (b->p.mode != BOND_MODE_AB || !b->p.arp_interval_ms)
            continue;
        if (found)
            return NULL;
        found = b;
    }
    return found;
}

/* A fault away from the bond's slaves silences the ARP target: the active
 * hears no more answers (6.2). The data path may be untouched: no gap. */
static bool budget_arp_target(const Sim *sim, const SimFault *ft, FaultBudget *out)
{
    const Bond *b = budget_arp_bond(sim);
    if (!b || !budget_fault_down(ft->kind))
        return budget_not(out, "the fault is on no bond slave's link");
    budget_arp_ab(sim, b, ft, out);
    out->rule = "arp_interval x (arp_missed_max+1), target silent";
    return true;
}

bool budget_predict(const Sim *sim, guint fault, FaultBudget *out)
{
    g_return_val_if_fail(sim && out && fault < sim->faults->len, false);
    memset(out, 0, sizeof(*out));
    const SimFault *ft = &g_array_index(sim->faults, SimFault, fault);
    bool far = false;
    const Slave *s = budget_slave_of(sim, ft->nic, &far);
    if (!s)
        return budget_arp_target(sim, ft, out);
    const Bond *b = s->bond;
    if (ft->kind == SIM_FAULT_LACP_UNBLOCK)
        return budget_not(out, "recovery waits for the partner's next LACPDU (not modelled)");
    if (ft->kind == SIM_FAULT_LACP_BLOCK) {
        budget_lacp_block(sim, b, ft, out);
        return true;
    }
    if (b->p.miimon_ms) {
        bool seen =
            !(far && (ft->kind == SIM_FAULT_CARRIER_DOWN || ft->kind == SIM_FAULT_CARRIER_UP));
        if (!seen)
            return budget_not(out, "the slave keeps carrier: miimon never sees it");
        budget_mii(sim, b, s, ft, out);
    } else if (b->p.arp_interval_ms) {
        bool active = strcmp(budget_active_at(sim, b, ft->at_ps), s->nic->ifname) == 0;
        if (b->p.mode != BOND_MODE_AB || !active || !budget_fault_down(ft->kind))
            return budget_not(out, "ARP monitor: only the AB active slave's failure is modelled");
        budget_arp_ab(sim, b, ft, out);
    } else {
        return budget_not(out, "no link monitor: the bond never reacts");
    }
    if (budget_blackout(sim, b, s, ft, out))
        budget_gap(sim, fault, out);
    return true;
}

uint64_t budget_period_ps(const Sim *sim, guint fault)
{
    g_return_val_if_fail(sim && fault < sim->faults->len, 0);
    const SimFault *ft = &g_array_index(sim->faults, SimFault, fault);
    bool far = false;
    const Slave *s = budget_slave_of(sim, ft->nic, &far);
    if (!s) {
        const Bond *b = budget_arp_bond(sim);
        return b ? bond_monitor_tick_ps(b->p.arp_interval_ms, sim->hz) : 0;
    }
    if (ft->kind == SIM_FAULT_LACP_BLOCK || ft->kind == SIM_FAULT_LACP_UNBLOCK)
        return lacp_tick_ps(sim->hz);
    if (s->bond->p.miimon_ms)
        return bond_monitor_tick_ps(s->bond->p.miimon_ms, sim->hz);
    if (s->bond->p.arp_interval_ms)
        return bond_monitor_tick_ps(s->bond->p.arp_interval_ms, sim->hz);
    return 0;
}

int budget_holds(const Sim *sim, guint fault, const FaultBudget *b)
{
    if (!b->detect_known && !b->gap_known)
        return -1;
    uint64_t d = report_detection_ps(sim, fault);
    if (b->detect_known && (d == G_MAXUINT64 || d < b->detect_min_ps || d > b->detect_max_ps))
        return 0;
    const FaultGap *g = &sim->fault_gaps[fault];
    if (b->gap_known && g->measured && (!g->recovered || g->gap_ps > b->gap_max_ps))
        return 0;
    return 1;
}

/* ---- text and JSON ------------------------------------------------------- */

char *budget_format_detection(const FaultBudget *b, char *buf, gsize len)
{
    char a[32], c[32], t[32];
    if (!b->detect_known) {
        g_strlcpy(buf, "-", len);
    } else if (b->detect_min_ps == b->detect_max_ps) {
        units_format_time(b->detect_ps, a, sizeof(a));
        g_snprintf(buf, len, "%s (tick at %" G_GUINT64_FORMAT ".%03" G_GUINT64_FORMAT " s)", a,
                   b->tick_at_ps / PS_PER_S, b->tick_at_ps % PS_PER_S / PS_PER_MS);
    } else {
        units_format_time(b->detect_min_ps, a, sizeof(a));
        units_format_time(b->detect_max_ps, c, sizeof(c));
        if (b->tick_at_ps) {
            g_snprintf(t, sizeof(t), " (tick at %" G_GUINT64_FORMAT ".%03" G_GUINT64_FORMAT " s)",
                       b->tick_at_ps / PS_PER_S, b->tick_at_ps % PS_PER_S / PS_PER_MS);
        } else {
            t[0] = 0;
        }
        g_snprintf(buf, len, "%s - %s%s", a, c, t);
    }
    return buf;
}

char *budget_format_gap(const FaultBudget *b, char *buf, gsize len)
{
    char a[32], c[32];
    if (!b->gap_known) {
        g_strlcpy(buf, "-", len);
        return buf;
    }
    units_format_time(b->gap_min_ps, a, sizeof(a));
    units_format_time(b->gap_max_ps, c, sizeof(c));
    g_snprintf(buf, len, "%s - %s", a, c);
    return buf;
}

static void budget_json_secs(GString *o, const char *k, uint64_t ps)
{
    g_string_append_printf(o, ",\"%s\":%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT, k,
                           ps / PS_PER_S, ps % PS_PER_S);
}

void budget_json(GString *o, const Sim *sim, guint fault)
{
    FaultBudget b;
    if (!budget_predict(sim, fault, &b)) {
        g_string_append_printf(o, "\"predicted\":null,\"predicted_why\":\"%s\"", b.why);
        return;
    }
    g_string_append_printf(o, "\"predicted\":{\"rule\":\"%s\"", b.rule);
    budget_json_secs(o, "period_s", b.period_ps);
    if (b.detect_known) {
        budget_json_secs(o, "detection_s", b.detect_ps);
        budget_json_secs(o, "detection_min_s", b.detect_min_ps);
        budget_json_secs(o, "detection_max_s", b.detect_max_ps);
        if (b.tick_at_ps)
            budget_json_secs(o, "tick_s", b.tick_at_ps);
    }
    if (b.gap_known) {
        budget_json_secs(o, "blackout_s", b.blackout_ps);
        budget_json_secs(o, "gap_min_s", b.gap_min_ps);
        budget_json_secs(o, "gap_max_s", b.gap_max_ps);
    }
    int h = budget_holds(sim, fault, &b);
    g_string_append_printf(o, ",\"budget_holds\":%s}", h < 0 ? "null" : h ? "true" : "false");
}

/* ---- fault-phase sweep --------------------------------------------------- */

void budget_phase_free(PhaseSweep *ps)
{
    if (!ps)
        return;
    g_free(ps->fault);
    g_free(ps->shift_ps);
    g_free(ps->detect_ps);
    g_free(ps->pred_ps);
    g_free(ps->gap_ps);
    g_free(ps->recovered);
    g_free(ps->holds);
    g_free(ps);
}

static PhaseSweep *budget_phase_new(const char *fault, guint n, uint64_t period)
{
    PhaseSweep *ps = g_new0(PhaseSweep, 1);
    ps->fault = g_strdup(fault);
    ps->n = n;
    ps->period_ps = period;
    ps->shift_ps = g_new0(uint64_t, n);
    ps->detect_ps = g_new0(uint64_t, n);
    ps->pred_ps = g_new0(uint64_t, n);
    ps->gap_ps = g_new0(uint64_t, n);
    ps->recovered = g_new0(bool, n);
    ps->holds = g_new0(int, n);
    return ps;
}

/* One run of the sweep: fault `fi` moved by `shift`. */
static gboolean budget_phase_run(BudgetLoadFn load, void *data, guint fi, uint64_t shift,
                                 PhaseSweep *ps, guint k, GError **error)
{
    Sim *sim = load(data, error);
    if (!sim)
        return FALSE;
    SimFault *ft = &g_array_index(sim->faults, SimFault, fi);
    uint64_t at = ft->at_ps + shift;
    uint64_t limit = fi + 1 < sim->faults->len ? g_array_index(sim->faults, SimFault, fi + 1).at_ps
                                               : sim->end_ps;
    if (at >= limit) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "--fault-phase: fault '%s' moved by up to one monitor period would reach "
                    "the next fault or the end of the run",
                    ft->name);
        sim_free(sim);
        return FALSE;
    }
    ft->at_ps = at;
    sim->cap = capture_new(CAPTURE_NONE, NULL, 0, NULL, NULL);
    sim_run(sim, false);
    capture_abort(sim->cap);
    sim->cap = NULL;
    const FaultGap *g = &sim->fault_gaps[fi];
    FaultBudget b;
    budget_predict(sim, fi, &b);
    ps->pred_ps[k] = b.detect_known ? b.detect_ps : G_MAXUINT64;
    ps->shift_ps[k] = shift;
    ps->detect_ps[k] = report_detection_ps(sim, fi);
    ps->gap_ps[k] = g->measured ? g->gap_ps : G_MAXUINT64;
    ps->recovered[k] = g->recovered;
    ps->holds[k] = budget_holds(sim, fi, &b);
    sim_free(sim);
    return TRUE;
}

GPtrArray *budget_phase_sweep(BudgetLoadFn load, void *data, guint n, GError **error)
{
    g_return_val_if_fail(load && n > 0, NULL);
    Sim *base = load(data, error);
    if (!base)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)budget_phase_free);
    for (guint i = 0; i < base->faults->len; i++) {
        uint64_t period = budget_period_ps(base, i);
        if (!period)
            continue;
        PhaseSweep *ps = budget_phase_new(g_array_index(base->faults, SimFault, i).name, n, period);
        g_ptr_array_add(out, ps);
        for (guint k = 0; k < n; k++) {
            if (!budget_phase_run(load, data, i, period * k / n, ps, k, error)) {
                g_ptr_array_free(out, TRUE);
                sim_free(base);
                return NULL;
            }
        }
    }
    sim_free(base);
    return out;
}

static int budget_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

bool budget_phase_stats(const uint64_t *v, guint n, uint64_t *min, uint64_t *median, uint64_t *max)
{
    g_autofree uint64_t *s = g_new(uint64_t, MAX(n, 1));
    guint m = 0;
    for (guint i = 0; i < n; i++)
        if (v[i] != G_MAXUINT64)
            s[m++] = v[i];
    if (!m)
        return false;
    qsort(s, m, sizeof(*s), budget_cmp_u64);
    *min = s[0];
    *median = s[(m - 1) / 2];
    *max = s[m - 1];
    return true;
}

/* "min / median / max" or "-". */
static void budget_mmm_text(const uint64_t *v, guint n, char *buf, gsize len)
{
    uint64_t a, b, c;
    char x[32], y[32], z[32];
    if (!budget_phase_stats(v, n, &a, &b, &c)) {
        g_strlcpy(buf, "-", len);
        return;
    }
    units_format_time(a, x, sizeof(x));
    units_format_time(b, y, sizeof(y));
    units_format_time(c, z, sizeof(z));
    g_snprintf(buf, len, "%s / %s / %s", x, y, z);
}

static guint budget_count_holds(const PhaseSweep *ps, int want)
{
    guint c = 0;
    for (guint k = 0; k < ps->n; k++)
        c += ps->holds[k] == want;
    return c;
}

char *budget_phase_table(const GPtrArray *sweeps)
{
    static const char *const hdr[] = {"fault",
                                      "runs",
                                      "period",
                                      "detection min/median/max",
                                      "predicted min/median/max",
                                      "gap min/median/max",
                                      "budget holds",
                                      NULL};
    GString *out = g_string_new(NULL);
    Table *t = table_new("Fault phase (each fault shifted over one monitor period)", hdr);
    for (guint i = 0; i < sweeps->len; i++) {
        const PhaseSweep *ps = sweeps->pdata[i];
        char per[32], det[100], pred[100], gap[100], holds[32];
        units_format_time(ps->period_ps, per, sizeof(per));
        budget_mmm_text(ps->detect_ps, ps->n, det, sizeof(det));
        budget_mmm_text(ps->pred_ps, ps->n, pred, sizeof(pred));
        budget_mmm_text(ps->gap_ps, ps->n, gap, sizeof(gap));
        if (budget_count_holds(ps, -1) == ps->n)
            g_strlcpy(holds, "-", sizeof(holds));
        else
            g_snprintf(holds, sizeof(holds), "%u/%u", budget_count_holds(ps, 1),
                       ps->n - budget_count_holds(ps, -1));
        table_addf(t, "%s\t%u\t%s\t%s\t%s\t%s\t%s", ps->fault, ps->n, per, det, pred, gap, holds);
    }
    table_render_free(t, out);
    return g_string_free(out, FALSE);
}

static void budget_json_mmm(GString *o, const char *k, const uint64_t *v, guint n)
{
    uint64_t a, b, c;
    if (!budget_phase_stats(v, n, &a, &b, &c)) {
        g_string_append_printf(o, ",\"%s\":null", k);
        return;
    }
    g_string_append_printf(o, ",\"%s\":{\"min_s\":%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT, k,
                           a / PS_PER_S, a % PS_PER_S);
    budget_json_secs(o, "median_s", b);
    budget_json_secs(o, "max_s", c);
    g_string_append_c(o, '}');
}

static void budget_json_runs(GString *o, const PhaseSweep *ps)
{
    g_string_append(o, ",\"runs\":[");
    for (guint k = 0; k < ps->n; k++) {
        g_string_append_printf(o, "%s{\"shift_s\":%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT,
                               k ? "," : "", ps->shift_ps[k] / PS_PER_S,
                               ps->shift_ps[k] % PS_PER_S);
        if (ps->detect_ps[k] == G_MAXUINT64)
            g_string_append(o, ",\"detection_s\":null");
        else
            budget_json_secs(o, "detection_s", ps->detect_ps[k]);
        if (ps->gap_ps[k] == G_MAXUINT64)
            g_string_append(o, ",\"gap_s\":null");
        else
            budget_json_secs(o, "gap_s", ps->gap_ps[k]);
        g_string_append_printf(o, ",\"recovered\":%s,\"budget_holds\":%s}",
                               ps->recovered[k] ? "true" : "false",
                               ps->holds[k] < 0 ? "null"
                               : ps->holds[k]   ? "true"
                                                : "false");
    }
    g_string_append_c(o, ']');
}

char *budget_phase_json(const GPtrArray *sweeps)
{
    GString *o = g_string_new("{\"fault_phase\":[");
    for (guint i = 0; i < sweeps->len; i++) {
        const PhaseSweep *ps = sweeps->pdata[i];
        /* json_str: g_strescape's octal escapes (non-ASCII bytes) are not JSON */
        g_string_append(o, i ? ",{\"fault\":" : "{\"fault\":");
        json_str(o, ps->fault);
        g_string_append_printf(o, ",\"runs_n\":%u", ps->n);
        budget_json_secs(o, "period_s", ps->period_ps);
        budget_json_mmm(o, "detection", ps->detect_ps, ps->n);
        budget_json_mmm(o, "predicted_detection", ps->pred_ps, ps->n);
        budget_json_mmm(o, "gap", ps->gap_ps, ps->n);
        budget_json_runs(o, ps);
        g_string_append_c(o, '}');
    }
    g_string_append(o, "]}\n");
    return g_string_free(o, FALSE);
}

gboolean budget_phase_write(const GPtrArray *sweeps, const char *dir, GError **error)
{
    g_autofree char *path = g_build_filename(dir, "fault-phase.json", NULL);
    g_autofree char *text = budget_phase_json(sweeps);
    /* g_file_set_contents writes a temporary file and renames it. */
    return g_file_set_contents(path, text, -1, error);
}
