/* test_lacp_stats.c - LACP figures in the report (sim/stats/report.c), the
 * lacp-block fault (a link whose LACPDUs stop arriving while its carrier
 * stays up, issue 4) against ../shared/reference/linux-bonding.md 7.5, 7.6,
 * 7.9 and 13.4, and passive vs passive (7.6: silence).
 *
 * Scenarios run in-process from scenarios/NAME.ini (with --set style
 * overrides); times are checked in AD ticks of 104 ms (HZ=250).
 */
#include "stats/report.h"

#include "cu_run.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "bond/bond.h"
#include "lacp/lacp.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "traffic/flow.h"
#include "util/units.h"

#define TICK_PS (104 * PS_PER_MS)

/* Loads scenarios/<name>.ini with the overrides (NULL-terminated) and runs
 * it; NULL (and a failed check) when it does not load. */
static Sim *run(const char *name, const char *const *sets)
{
    g_autofree char *file = g_strdup_printf("%s.ini", name);
    g_autofree char *path = tl_scenario_path(file);
    GError *error = NULL;
    Sim *sim = tl_scenario_run(path, NULL, sets, &error);
    tl_checkf(sim != NULL, __LINE__, "%s loads: %s", name, error ? error->message : "");
    g_clear_error(&error);
    return sim;
}

/* ---- flag strings ------------------------------------------------------------- */

static void flags_read_like_wireshark(void)
{
    char f[9];
    CU_ASSERT_STRING_EQUAL(report_lacp_flags(0xc7, f), "EF***GSA");
    CU_ASSERT_STRING_EQUAL(report_lacp_flags(0x02, f), "******S*");
    CU_ASSERT_STRING_EQUAL(report_lacp_flags(0x3f, f), "**DCSGSA");
    CU_ASSERT_STRING_EQUAL(report_lacp_flags(0x3d, f), "**DCSG*A");
    CU_ASSERT_STRING_EQUAL(report_lacp_flags(0x00, f), "********");
}

/* ---- the report ------------------------------------------------------------------ */

/* The LACP tables and the "lacp" JSON section appear in LACP runs only. */
static void lacp_sections_only_with_lacp(void)
{
    Sim *sim = run("8023ad-back-to-back", NULL);
    if (!sim)
        return;
    g_autofree char *table = report_table(sim);
    g_autofree char *json = report_json(sim);
    tl_check(strstr(table, "\nLACP (") != NULL, __LINE__, "LACP table");
    tl_check(strstr(table, "server/eth0  bond0          1+  0x3f **DCSGSA  0x3f **DCSGSA") != NULL,
             __LINE__, "server/eth0 row: aggregator 1 (active), 0x3f both");
    tl_check(strstr(table, "Port-channels") == NULL, __LINE__, "no switch: no port-channel table");
    tl_check(strstr(json, "\"lacp\":{\"ports\":[") != NULL, __LINE__, "JSON lacp section");
    tl_check(strstr(json, "\"actor_state\":\"0x3f\",\"actor_state_flags\":\"**DCSGSA\"") != NULL,
             __LINE__, "JSON state and flags");
    tl_check(strstr(json, "\"event\":\"lacp-agg-join\",\"subject\":\"server/eth0\"") != NULL,
             __LINE__, "membership events");
    /* first C+D after link-up, 22-25 ticks (7.9) */
    Bond *b = tl_bond_named(sim, "server/bond0");
    for (int i = 0; b && i < b->n_slaves; i++)
        TL_U64_IN(bond_8023ad_cd_time_ps(b, &b->slaves[i]), 22 * TICK_PS, 26 * TICK_PS,
                  "link-up -> C+D");
    sim_free(sim);

    sim = run("lag-lacp", NULL);
    if (!sim)
        return;
    g_free(table);
    g_free(json);
    table = report_table(sim);
    json = report_json(sim);
    tl_check(strstr(table, "Port-channels") != NULL, __LINE__, "port-channel table");
    tl_check(strstr(table, "sw1/po1  lacp active        2       2") != NULL, __LINE__,
             "po1: 2 members, 2 active");
    tl_check(strstr(json, "\"port_channels\":[\n{\"switch\":\"sw1\",\"name\":\"po1\"") != NULL,
             __LINE__, "JSON port_channels");
    sim_free(sim);

    sim = run("balance-xor", NULL);
    if (!sim)
        return;
    g_free(table);
    g_free(json);
    table = report_table(sim);
    json = report_json(sim);
    tl_check(strstr(table, "LACP") == NULL && strstr(table, "Port-channels") == NULL, __LINE__,
             "no LACP: no LACP tables");
    tl_check(strstr(json, "\"lacp\"") == NULL, __LINE__, "no LACP: no lacp key");
    tl_check(strstr(json, "lacp-") == NULL, __LINE__, "no LACP: no lacp events");
    sim_free(sim);
}

/* static port-channels only (no LACP anywhere): nothing added either */
static void static_lag_report_unchanged(void)
{
    Sim *sim = run("lag-static-xor", NULL);
    if (!sim)
        return;
    g_autofree char *table = report_table(sim);
    g_autofree char *json = report_json(sim);
    tl_check(!report_has_lacp(sim), __LINE__, "static LAG + balance-xor: no LACP");
    tl_check(strstr(table, "Port-channels") == NULL, __LINE__, "no port-channel table");
    tl_check(strstr(json, "\"lacp\"") == NULL, __LINE__, "no lacp key");
    sim_free(sim);
}

/* ---- lacp-block (7.5, 7.9, 13.4) ------------------------------------------------ */

typedef struct {
    uint64_t detect_ps, defaulted_ps, server_off_ps, recover_ps, server_recover_ps;
    uint64_t blocked, lost_block, streams_lost;
    bool carrier_kept, end_distributing;
} BlockRun;

static bool run_blocked(const char *const *sets, BlockRun *r)
{
    memset(r, 0, sizeof(*r));
    Sim *sim = run("8023ad-lacp-blocked", sets);
    if (!sim)
        return false;
    int fb = tl_fault_index(sim, "block"), fu = tl_fault_index(sim, "unblock");
    CU_ASSERT_TRUE_FATAL(fb >= 0 && fu >= 0);
    const SimFault *blk = &g_array_index(sim->faults, SimFault, fb);
    const SimFault *unb = &g_array_index(sim->faults, SimFault, fu);
    uint64_t exp = tl_event_at(sim, SIM_EV_LACP_EXPIRED, "peer/eth1", blk->at_ps);
    uint64_t def = tl_event_at(sim, SIM_EV_LACP_DEFAULTED, "peer/eth1", blk->at_ps);
    uint64_t soff = tl_event_at(sim, SIM_EV_LACP_CD_OFF, "server/eth1", blk->at_ps);
    uint64_t on = tl_event_at(sim, SIM_EV_LACP_CD_ON, "peer/eth1", unb->at_ps);
    uint64_t son = tl_event_at(sim, SIM_EV_LACP_CD_ON, "server/eth1", unb->at_ps);
    tl_check(exp != G_MAXUINT64 && def != G_MAXUINT64 && soff != G_MAXUINT64 && on != G_MAXUINT64 &&
                 son != G_MAXUINT64,
             __LINE__, "expired, defaulted, server off, both back");
    if (exp == G_MAXUINT64 || def == G_MAXUINT64 || soff == G_MAXUINT64 || on == G_MAXUINT64 ||
        son == G_MAXUINT64) {
        sim_free(sim);
        return false;
    }
    r->detect_ps = exp - blk->at_ps;
    r->defaulted_ps = def - exp;
    r->server_off_ps = soff - exp;
    r->recover_ps = on - unb->at_ps;
    r->server_recover_ps = son - unb->at_ps;
    tl_check(report_detection_ps(sim, (guint)fb) == r->detect_ps, __LINE__,
             "block fault: detected = expiry");
    tl_check(report_detection_ps(sim, (guint)fu) == r->recover_ps, __LINE__,
             "unblock fault: detected = back in C+D");
    r->blocked = sim_lacp_blocked_frames(sim, blk->nic);
    r->lost_block = sim->fault_gaps[fb].lost;
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        if (strncmp(f->name, "streams", 7) == 0)
            r->streams_lost += f->sent - f->received;
    }
    r->carrier_kept = tl_count_events(sim, SIM_EV_BOND_CARRIER, NULL) == 2; /* the two ups at 0 */
    Bond *peer = tl_bond_named(sim, "peer/bond0");
    r->end_distributing = peer && lacp_port_distributing(bond_8023ad_lacp(peer), 1);
    sim_free(sim);
    return true;
}

static void report_block(const char *rate, const BlockRun *r)
{
    char a[32], b[32], c[32], d[32], e[32];
    fprintf(stderr,
            "  lacp-block %s: expired %s after the block, defaulted %s later, server off C+D %s "
            "after expiry, recovery %s (server %s) after unblock; %" G_GUINT64_FORMAT
            " LACPDUs blocked, %" G_GUINT64_FORMAT " frames lost\n",
            rate, units_format_time(r->detect_ps, a, sizeof(a)),
            units_format_time(r->defaulted_ps, b, sizeof(b)),
            units_format_time(r->server_off_ps, c, sizeof(c)),
            units_format_time(r->recover_ps, d, sizeof(d)),
            units_format_time(r->server_recover_ps, e, sizeof(e)), r->blocked, r->lost_block);
}

/* lacp_rate fast: expiry 30 ticks after the last LACPDU heard (at most one
 * fast period, 12 ticks, before the block), DEFAULTED 30 ticks later, the
 * server stops distributing onto the link one tick after peer's DEFAULTED
 * LACPDU; frames it sent meanwhile are lost; after the unblock the next
 * fast LACPDU (<= 12 ticks) brings the port back within a few ticks. */
static void blocked_fast(void)
{
    BlockRun r;
    if (!run_blocked(NULL, &r))
        return;
    report_block("fast", &r);
    TL_U64_IN(r.detect_ps, 18 * TICK_PS, 31 * TICK_PS, "fast: detection (<= 3 s + 1 tick)");
    TL_U64_IN(r.defaulted_ps, 30 * TICK_PS, 30 * TICK_PS, "EXPIRED -> DEFAULTED: 30 ticks");
    TL_U64_IN(r.server_off_ps, 30 * TICK_PS, 34 * TICK_PS, "partner stops at our DEFAULTED LACPDU");
    TL_U64_IN(r.recover_ps, 1, 16 * TICK_PS, "fast: recovery (next LACPDU + a few ticks)");
    TL_U64_IN(r.server_recover_ps, r.recover_ps, r.recover_ps + 4 * TICK_PS, "server follows");
    tl_check(r.blocked > 0, __LINE__, "LACPDUs blocked are counted");
    tl_check(r.lost_block > 0 && r.streams_lost == r.lost_block, __LINE__,
             "server -> peer frames lost between expiry and the partner's reaction");
    tl_check(r.carrier_kept, __LINE__, "bond carrier never drops");
    tl_check(r.end_distributing, __LINE__, "peer/eth1 distributing at the end");
}

/* lacp_rate slow: 900 ticks (93.6 s) after the last LACPDU heard, which
 * came at most 300 ticks before the block; recovery waits for the
 * partner's next slow LACPDU (<= 300 ticks) plus a few ticks. */
static void blocked_slow(void)
{
    static const char *const sets[] = {
        "host.server.bond.bond0=mode=802.3ad miimon=100 lacp_rate=slow xmit_hash_policy=layer3+4",
        "host.peer.bond.bond0=mode=802.3ad miimon=100 lacp_rate=slow xmit_hash_policy=layer3+4",
        "simulation.duration=200s", "fault.unblock.at=150s", NULL};
    BlockRun r;
    if (!run_blocked(sets, &r))
        return;
    report_block("slow", &r);
    TL_U64_IN(r.detect_ps, 600 * TICK_PS, 901 * TICK_PS, "slow: detection (<= 90 s + 1 tick)");
    TL_U64_IN(r.defaulted_ps, 30 * TICK_PS, 30 * TICK_PS, "EXPIRED -> DEFAULTED: 30 ticks");
    TL_U64_IN(r.recover_ps, 1, 305 * TICK_PS, "slow: recovery <= 300 ticks + a few");
    tl_check(r.blocked > 0 && r.lost_block > 0, __LINE__, "blocked and lost counted");
    tl_check(r.carrier_kept, __LINE__, "bond carrier never drops");
    tl_check(r.end_distributing, __LINE__, "peer/eth1 distributing at the end");
}

/* The fault is refused on anything but an 802.3ad slave. */
static void lacp_block_needs_8023ad_slave(void)
{
    g_autofree char *path =
        g_strdup_printf("%s/scenarios/8023ad-lacp-blocked.ini", BONDSIM_SOURCE_DIR);
    const char *set = "host.peer.bond.bond0=mode=balance-xor miimon=100";
    g_autoptr(GPtrArray) arr = g_ptr_array_new();
    g_ptr_array_add(arr, (gpointer)set);
    ScenarioOptions opts = {.sets = arr};
    GError *error = NULL;
    Sim *sim = scenario_load(path, &opts, NULL, &error);
    tl_check(sim == NULL && error && strstr(error->message, "not a slave of an 802.3ad bond"),
             __LINE__, "lacp-block on a balance-xor slave refused");
    g_clear_error(&error);
    sim_free(sim);
}

/* ---- passive vs passive (7.6) --------------------------------------------------- */

/* Both ends lacp_active=off: silence, no LACPDU leaves either side; each
 * bond falls back to one partner-less port as against a switch without
 * LACP (7.7), keeps carrier and traffic flows. */
static void passive_passive_is_silent(void)
{
    static const char *const sets[] = {
        "host.server.bond.bond0=mode=802.3ad miimon=100 lacp_rate=fast lacp_active=off "
        "xmit_hash_policy=layer3+4",
        "host.peer.bond.bond0=mode=802.3ad miimon=100 lacp_rate=fast lacp_active=off "
        "xmit_hash_policy=layer3+4",
        NULL};
    Sim *sim = run("8023ad-back-to-back", sets);
    if (!sim)
        return;
    uint64_t tx = 0;
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        const LacpSystem *l = bond_8023ad_lacp(b);
        tl_check(b->carrier, __LINE__, "carrier kept");
        for (int j = 0; j < b->n_slaves; j++) {
            tx += lacp_port_stats(l, j)->lacpdu_tx;
            tl_check(!lacp_port_distributing(l, j), __LINE__, "no C+D without a partner");
        }
    }
    TL_U64_IN(tx, 0, 0, "LACPDUs sent by two passive bonds");
    uint64_t sent = 0, received = 0;
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        sent += f->sent;
        received += f->received;
    }
    tl_check(sent > 0 && received > 0, __LINE__, "traffic over the fallback port");
    sim_free(sim);

    /* one side active: the passive side answers and they aggregate */
    static const char *const one[] = {
        "host.peer.bond.bond0=mode=802.3ad miimon=100 lacp_rate=fast lacp_active=off "
        "xmit_hash_policy=layer3+4",
        NULL};
    sim = run("8023ad-back-to-back", one);
    if (!sim)
        return;
    const Bond *peer = tl_bond_named(sim, "peer/bond0");
    const LacpSystem *l = bond_8023ad_lacp(peer);
    tl_check(lacp_port_distributing(l, 0) && lacp_port_distributing(l, 1), __LINE__,
             "passive answers active: aggregated");
    tl_check(lacp_port_actor_state(l, 0) == 0x3e, __LINE__, "passive actor 0x3e");
    sim_free(sim);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"flags_read_like_wireshark", flags_read_like_wireshark},
        {"lacp_sections_only_with_lacp", lacp_sections_only_with_lacp},
        {"static_lag_report_unchanged", static_lag_report_unchanged},
        {"blocked_fast", blocked_fast},
        {"blocked_slow", blocked_slow},
        {"lacp_block_needs_8023ad_slave", lacp_block_needs_8023ad_slave},
        {"passive_passive_is_silent", passive_passive_is_silent},
        CU_TEST_INFO_NULL,
    };
    return cu_run("lacp_stats", cases);
}
