/* test_failover_budget.c - the predicted failover budget and the fault-phase
 * sweep (sim/stats/budget.c) against hand-computed values and against the
 * simulator's own measurements.
 *
 * The scenario is default.ini's: AB miimon=100 over two 1G NICs, a 100 pkt/s
 * UDP flow, a cable cut. At HZ=250 a tick lasts 104 ms and ticks run at
 * k * 104 ms from 0, so a cut at 2.000 s is seen by the tick at 2.080 s.
 */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cu_run.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "stats/budget.h"
#include "stats/report.h"
#include "testlib.h"
#include "traffic/flow.h"
#include "util/units.h"

#define MS PS_PER_MS

/* A default.ini-like scenario: cut at `cut_ms`, repair at `repair_ms` (0:
 * none), bond options `opts`. Written to a scratch file; caller frees the
 * path. */
static char *write_ab_scenario(const char *opts, uint64_t cut_ms, uint64_t repair_ms)
{
    char *path = tl_scratch_file("failover_budget", "ab.ini");
    GString *s = g_string_new(NULL);
    g_string_append_printf(
        s,
        "[simulation]\nformat = 1\nduration = 6s\nseed = 1\n\n"
        "[switch sw1]\nports = 4\nspeed = 1G\n\n"
        "[host server]\nnic.eth0 = speed=1G\nnic.eth1 = speed=1G\n"
        "bond.bond0 = mode=active-backup %s primary=eth0\n"
        "bond.bond0.slaves = eth0 eth1\naddr.bond0 = 10.0.0.1/24\n\n"
        "[host client]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.2/24\n\n"
        "[links]\nserver.eth0 = sw1.port1 delay=1us\n"
        "server.eth1 = sw1.port2 delay=1us\nclient.eth0 = sw1.port3 delay=1us\n\n"
        "[traffic video]\nudp = server -> client rate=104kbit size=64 "
        "start=0.5s\n\n"
        "[fault cut]\nat = %" G_GUINT64_FORMAT "ms\nlink-down = server.eth0\n",
        opts, cut_ms);
    if (repair_ms)
        g_string_append_printf(
            s, "\n[fault repair]\nat = %" G_GUINT64_FORMAT "ms\nlink-up = server.eth0\n",
            repair_ms);
    CU_ASSERT_FATAL(g_file_set_contents(path, s->str, -1, NULL));
    g_string_free(s, TRUE);
    return path;
}

/* Loads and runs a scenario without capture. Caller frees. */
static Sim *run_file(const char *path)
{
    Sim *sim = tl_scenario_run(path, NULL, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    capture_abort(sim->cap);
    sim->cap = NULL;
    return sim;
}

static Sim *run_ab(const char *opts, uint64_t cut_ms, uint64_t repair_ms)
{
    g_autofree char *path = write_ab_scenario(opts, cut_ms, repair_ms);
    return run_file(path);
}

/* The measured detection equals the prediction, the measured gap lies in
 * the predicted window and the budget holds. */
static void assert_in_budget(const Sim *sim, guint fault, const FaultBudget *b)
{
    uint64_t d = report_detection_ps(sim, fault);
    CU_ASSERT(b->detect_known);
    CU_ASSERT(d >= b->detect_min_ps && d <= b->detect_max_ps);
    const FaultGap *g = &sim->fault_gaps[fault];
    if (b->gap_known && g->measured) {
        CU_ASSERT(g->gap_ps >= b->gap_min_ps);
        CU_ASSERT(g->gap_ps <= b->gap_max_ps);
    }
    CU_ASSERT_EQUAL(budget_holds(sim, fault, b), 1);
}

static void ab_cut_at_2s_predicts_80ms(void)
{
    Sim *sim = run_ab("miimon=100", 2000, 4000);
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 0, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 80 * MS);
    CU_ASSERT_EQUAL(b.tick_at_ps, 2080 * MS);
    CU_ASSERT_EQUAL(b.period_ps, 104 * MS);
    CU_ASSERT_EQUAL(b.blackout_ps, 80 * MS); /* the active died: lost until the tick */
    CU_ASSERT_EQUAL(b.gap_min_ps, 80 * MS);
    CU_ASSERT_EQUAL(b.gap_max_ps, 91 * MS); /* 8 steps of 10 ms, one more, 1 ms path */
    char buf[80];
    CU_ASSERT_STRING_EQUAL(budget_format_detection(&b, buf, sizeof(buf)),
                           "80 ms (tick at 2.080 s)");
    assert_in_budget(sim, 0, &b);
    /* the repair at 4 s: tick at 4.056 s, eth0 (primary) takes over at once */
    CU_ASSERT_FATAL(budget_predict(sim, 1, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 56 * MS);
    CU_ASSERT_EQUAL(b.blackout_ps, 0);
    assert_in_budget(sim, 1, &b);
    sim_free(sim);
}

static void ab_downdelay_200_predicts_288ms(void)
{
    Sim *sim = run_ab("miimon=100 downdelay=200", 2000, 0);
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 0, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 288 * MS); /* 2.080 + 2 ticks */
    CU_ASSERT_EQUAL(b.tick_at_ps, 2288 * MS);
    CU_ASSERT_STRING_EQUAL(b.rule, "miimon+downdelay");
    CU_ASSERT_EQUAL(b.blackout_ps, 288 * MS); /* downdelay blackhole */
    assert_in_budget(sim, 0, &b);
    sim_free(sim);
}

static void ab_updelay_300_on_repair(void)
{
    /* updelay 300 -> 3 ticks: repair at 4 s seen at 4.056, UP at 4.368 */
    Sim *sim = run_ab("miimon=100 updelay=300", 2000, 4000);
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 1, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 368 * MS);
    assert_in_budget(sim, 1, &b);
    sim_free(sim);
}

/* balance-xor, miimon=100 updelay=300 (3 ticks): both links cut (1 s,
 * 2 s), eth0 back at 3 s. The usable array is empty then, so updelay is
 * ignored (6.1 ignore_updelay): UP at the first tick, 3.016 s (29 x 104 ms),
 * 16 ms after the repair, not 16 + 312 ms. eth1 back at 4 s finds eth0
 * usable: updelay counts, UP at 4.056 + 3 x 104 = 4.368 s. */
static void xor_updelay_ignored_when_usable_empty(void)
{
    g_autofree char *path = tl_scratch_file("failover_budget", "xor.ini");
    static const char text[] =
        "[simulation]\nformat = 1\nduration = 5s\nseed = 1\n\n"
        "[switch sw1]\nports = 4\nspeed = 1G\n\n"
        "[host server]\nnic.eth0 = speed=1G\nnic.eth1 = speed=1G\n"
        "bond.bond0 = mode=balance-xor miimon=100 updelay=300\n"
        "bond.bond0.slaves = eth0 eth1\naddr.bond0 = 10.0.0.1/24\n\n"
        "[host client]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.2/24\n\n"
        "[links]\nserver.eth0 = sw1.port1 delay=1us\n"
        "server.eth1 = sw1.port2 delay=1us\nclient.eth0 = sw1.port3 delay=1us\n\n"
        "[traffic video]\nudp = server -> client rate=104kbit size=64 start=0.5s\n\n"
        "[fault cut0]\nat = 1s\nlink-down = server.eth0\n\n"
        "[fault cut1]\nat = 2s\nlink-down = server.eth1\n\n"
        "[fault back0]\nat = 3s\nlink-up = server.eth0\n\n"
        "[fault back1]\nat = 4s\nlink-up = server.eth1\n";
    CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
    Sim *sim = run_file(path);
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 2, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 16 * MS);
    CU_ASSERT_STRING_EQUAL(b.rule, "miimon");
    CU_ASSERT_EQUAL(report_detection_ps(sim, 2), 16 * MS);
    /* (budget_holds is 0 here: the flow's pause began at the second cut,
     * before this fault; the gap rule does not cover a bond without
     * carrier) */
    CU_ASSERT_FATAL(budget_predict(sim, 3, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 368 * MS);
    CU_ASSERT_STRING_EQUAL(b.rule, "miimon+updelay");
    CU_ASSERT_EQUAL(budget_holds(sim, 3, &b), 1);
    sim_free(sim);
}

/* balance-xor: the bond's own eth0 loses carrier at 2 s. As for a cut
 * cable, the slave leaves the usable array at the carrier event (1.3), so
 * the gap is predicted (no blackout) and holds; it used to be "not
 * modelled" for carrier faults. */
static void xor_own_carrier_down_predicts_gap(void)
{
    g_autofree char *path = tl_scratch_file("failover_budget", "xor_carrier.ini");
    static const char text[] =
        "[simulation]\nformat = 1\nduration = 3s\nseed = 1\n\n"
        "[switch sw1]\nports = 4\nspeed = 1G\n\n"
        "[host server]\nnic.eth0 = speed=1G\nnic.eth1 = speed=1G\n"
        "bond.bond0 = mode=balance-xor miimon=100\n"
        "bond.bond0.slaves = eth0 eth1\naddr.bond0 = 10.0.0.1/24\n\n"
        "[host client]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.2/24\n\n"
        "[links]\nserver.eth0 = sw1.port1 delay=1us\n"
        "server.eth1 = sw1.port2 delay=1us\nclient.eth0 = sw1.port3 delay=1us\n\n"
        "[traffic video]\nudp = server -> client rate=104kbit size=64 start=0.5s\n\n"
        "[fault drop]\nat = 2s\ncarrier-down = server.eth0\n";
    CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
    Sim *sim = run_file(path);
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 0, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 80 * MS);
    CU_ASSERT(b.gap_known);
    CU_ASSERT_EQUAL(b.blackout_ps, 0);
    CU_ASSERT_EQUAL(budget_holds(sim, 0, &b), 1);
    sim_free(sim);
}

/* Two AB bonds cabled back to back; the carrier of the second host's eth0
 * (peer, enslaved after server's bond) goes at 2 s. That bond's MII monitor
 * sees it at 2.080 s. The far end (server) keeps carrier, so the prediction
 * must come from the fault's own bond, not from the first bond found at
 * either end of the cable (which said "miimon never sees it"). */
static void back_to_back_fault_uses_own_bond(void)
{
    g_autofree char *path = tl_scratch_file("failover_budget", "b2b.ini");
    static const char text[] =
        "[simulation]\nformat = 1\nduration = 3s\nseed = 1\n\n"
        "[host server]\nnic.eth0 = speed=1G\nnic.eth1 = speed=1G\n"
        "bond.bond0 = mode=active-backup miimon=100 primary=eth0\n"
        "bond.bond0.slaves = eth0 eth1\naddr.bond0 = 10.0.0.1/24\n\n"
        "[host peer]\nnic.eth0 = speed=1G\nnic.eth1 = speed=1G\n"
        "bond.bond0 = mode=active-backup miimon=100 primary=eth0\n"
        "bond.bond0.slaves = eth0 eth1\naddr.bond0 = 10.0.0.2/24\n\n"
        "[links]\nserver.eth0 = peer.eth0 delay=1us\nserver.eth1 = peer.eth1 delay=1us\n\n"
        "[traffic video]\nudp = peer -> server rate=104kbit size=64 start=0.5s\n\n"
        "[fault drop]\nat = 2s\ncarrier-down = peer.eth0\n";
    CU_ASSERT_FATAL(g_file_set_contents(path, text, -1, NULL));
    Sim *sim = run_file(path);
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 0, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 80 * MS);
    CU_ASSERT_EQUAL(report_detection_ps(sim, 0), 80 * MS);
    sim_free(sim);
}

/* The cut moved over one tick: each phase measured inside its prediction. */
static void ab_measured_in_window_for_several_phases(void)
{
    static const char *const opts[] = {"miimon=100", "miimon=100 downdelay=200",
                                       "miimon=50 downdelay=100 updelay=100"};
    for (guint o = 0; o < G_N_ELEMENTS(opts); o++) {
        for (uint64_t k = 0; k < 8; k++) {
            uint64_t cut = 2000 + k * 13;
            Sim *sim = run_ab(opts[o], cut, 4000 + k * 7);
            FaultBudget b;
            CU_ASSERT_FATAL(budget_predict(sim, 0, &b));
            uint64_t tick = b.period_ps;
            /* hand rule: next tick at or after the cut, plus downdelay */
            uint64_t next = (cut * MS + tick - 1) / tick * tick;
            CU_ASSERT(b.tick_at_ps >= next && b.tick_at_ps - next <= 2 * tick);
            assert_in_budget(sim, 0, &b);
            CU_ASSERT_FATAL(budget_predict(sim, 1, &b));
            assert_in_budget(sim, 1, &b);
            sim_free(sim);
        }
    }
}

/* ARP monitor, target silent (arp-monitor-ab-validate-all.ini): the active
 * goes DOWN M + 1 = 3 ticks after the tick at 1.456 s, i.e. at 1.768 s. */
static void arp_target_silent_three_ticks(void)
{
    Sim *sim = run_file(BONDSIM_SOURCE_DIR "/scenarios/arp-monitor-ab-validate-all.ini");
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 0, &b));
    CU_ASSERT_EQUAL(b.detect_ps, 268 * MS);
    CU_ASSERT_EQUAL(b.tick_at_ps, 1768 * MS);
    CU_ASSERT_EQUAL(report_detection_ps(sim, 0), 268 * MS);
    CU_ASSERT_FALSE(b.gap_known);
    CU_ASSERT_EQUAL(budget_holds(sim, 0, &b), 1);
    /* the target back: not modelled, and it says why */
    CU_ASSERT_FALSE(budget_predict(sim, 1, &b));
    CU_ASSERT_PTR_NOT_NULL(b.why);
    CU_ASSERT_EQUAL(budget_holds(sim, 1, &b), -1);
    sim_free(sim);
}

/* lacp-block with lacp_rate fast: expiry 30 ticks after the partner's last
 * LACPDU, which came at most 12 ticks before the block. */
static void lacp_block_within_current_while(void)
{
    Sim *sim = run_file(BONDSIM_SOURCE_DIR "/scenarios/8023ad-lacp-blocked.ini");
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 0, &b));
    uint64_t d = report_detection_ps(sim, 0);
    CU_ASSERT(d >= b.detect_min_ps && d <= b.detect_max_ps);
    sim_free(sim);
}

/* 802.3ad with a partner, both ports distributing: a cut port leaves the
 * usable array at carrier loss, the other carries on (no blackout). */
static void lacp_cut_with_partner_costs_nothing(void)
{
    Sim *sim = run_file(BONDSIM_SOURCE_DIR "/scenarios/8023ad-back-to-back.ini");
    FaultBudget b;
    CU_ASSERT_FATAL(budget_predict(sim, 0, &b));
    CU_ASSERT_TRUE(b.gap_known);
    CU_ASSERT_EQUAL(b.blackout_ps, 0);
    assert_in_budget(sim, 0, &b);
    sim_free(sim);
}

static void phase_stats_min_median_max(void)
{
    uint64_t v[] = {5, G_MAXUINT64, 1, 9, 3};
    uint64_t a, m, z;
    CU_ASSERT(budget_phase_stats(v, 5, &a, &m, &z));
    CU_ASSERT_EQUAL(a, 1);
    CU_ASSERT_EQUAL(m, 3); /* 1 3 5 9: the lower middle */
    CU_ASSERT_EQUAL(z, 9);
    uint64_t none[] = {G_MAXUINT64};
    CU_ASSERT_FALSE(budget_phase_stats(none, 1, &a, &m, &z));
}

static Sim *load_cb(void *data, GError **error)
{
    return tl_scenario_load(data, NULL, NULL, error);
}

/* miimon=100: 8 phases 13 ms apart over the 104-ms tick: detections 80, 67,
 * 54, 41, 28, 15, 2, 93 ms, all within [0, 104 ms]. */
static void phase_sweep_spreads_over_one_tick(void)
{
    g_autofree char *path = write_ab_scenario("miimon=100", 2000, 0);
    GError *err = NULL;
    GPtrArray *sw = budget_phase_sweep(load_cb, path, 8, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sw);
    CU_ASSERT_EQUAL_FATAL(sw->len, 1);
    const PhaseSweep *ps = sw->pdata[0];
    CU_ASSERT_STRING_EQUAL(ps->fault, "cut");
    CU_ASSERT_EQUAL(ps->period_ps, 104 * MS);
    uint64_t a, m, z;
    CU_ASSERT_FATAL(budget_phase_stats(ps->detect_ps, ps->n, &a, &m, &z));
    CU_ASSERT_EQUAL(a, 2 * MS);
    CU_ASSERT_EQUAL(m, 41 * MS);
    CU_ASSERT_EQUAL(z, 93 * MS);
    CU_ASSERT(z <= 104 * MS);
    for (guint k = 0; k < ps->n; k++)
        CU_ASSERT_EQUAL(ps->holds[k], 1);
    CU_ASSERT_FATAL(budget_phase_stats(ps->gap_ps, ps->n, &a, &m, &z));
    CU_ASSERT(a >= 2 * MS && z <= 105 * MS);
    g_autofree char *json = budget_phase_json(sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"detection\":{\"min_s\":0.002000000000,"));
    g_autofree char *table = budget_phase_table(sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(table, "2 ms / 41 ms / 93 ms"));
    g_autofree char *dir = cu_scratch_dir("failover_budget_phase");
    CU_ASSERT(budget_phase_write(sw, dir, NULL));
    g_autofree char *out = g_build_filename(dir, "fault-phase.json", NULL);
    CU_ASSERT(g_file_test(out, G_FILE_TEST_IS_REGULAR));
    g_ptr_array_free(sw, TRUE);
}

/* A shift that would pass the next fault is refused. */
static void phase_sweep_refuses_crossing_faults(void)
{
    g_autofree char *path = write_ab_scenario("miimon=100", 2000, 2050);
    GError *err = NULL;
    GPtrArray *sw = budget_phase_sweep(load_cb, path, 4, &err);
    CU_ASSERT_PTR_NULL(sw);
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
}

/* fault-phase.json names a fault as a JSON string: UTF-8 kept as it is and
 * quotes escaped (g_strescape used to give octal escapes, not JSON). */
static void phase_json_escapes_fault_name(void)
{
    PhaseSweep *ps = g_new0(PhaseSweep, 1);
    ps->fault = g_strdup("caf\xc3\xa9 \"x\"");
    ps->n = 1;
    ps->period_ps = 104 * MS;
    ps->shift_ps = g_new0(uint64_t, 1);
    ps->detect_ps = g_new0(uint64_t, 1);
    ps->pred_ps = g_new0(uint64_t, 1);
    ps->gap_ps = g_new0(uint64_t, 1);
    ps->recovered = g_new0(bool, 1);
    ps->holds = g_new0(int, 1);
    GPtrArray *sw = g_ptr_array_new_with_free_func((GDestroyNotify)budget_phase_free);
    g_ptr_array_add(sw, ps);
    g_autofree char *json = budget_phase_json(sw);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "{\"fault\":\"caf\xc3\xa9 \\\"x\\\"\",\"runs_n\":1,"));
    CU_ASSERT_PTR_NULL(strstr(json, "\\303"));
    g_ptr_array_free(sw, TRUE);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"ab_cut_at_2s_predicts_80ms", ab_cut_at_2s_predicts_80ms},
        {"ab_downdelay_200_predicts_288ms", ab_downdelay_200_predicts_288ms},
        {"ab_updelay_300_on_repair", ab_updelay_300_on_repair},
        {"ab_measured_in_window_for_several_phases", ab_measured_in_window_for_several_phases},
        {"xor_updelay_ignored_when_usable_empty", xor_updelay_ignored_when_usable_empty},
        {"back_to_back_fault_uses_own_bond", back_to_back_fault_uses_own_bond},
        {"xor_own_carrier_down_predicts_gap", xor_own_carrier_down_predicts_gap},
        {"arp_target_silent_three_ticks", arp_target_silent_three_ticks},
        {"lacp_block_within_current_while", lacp_block_within_current_while},
        {"lacp_cut_with_partner_costs_nothing", lacp_cut_with_partner_costs_nothing},
        {"phase_stats_min_median_max", phase_stats_min_median_max},
        {"phase_sweep_spreads_over_one_tick", phase_sweep_spreads_over_one_tick},
        {"phase_sweep_refuses_crossing_faults", phase_sweep_refuses_crossing_faults},
        {"phase_json_escapes_fault_name", phase_json_escapes_fault_name},
        CU_TEST_INFO_NULL,
    };
    return cu_run("failover_budget", cases);
}
