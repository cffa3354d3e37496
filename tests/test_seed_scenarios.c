/* test_seed_scenarios.c - the four seed scenarios of the field note, end to
 * end (scenarios/seed-*.ini; docs/lesson-cloud-bonding.md).
 *
 * Each scenario is loaded and run in process, as `bondsim run` does but
 * without a capture, and the note's observations are asserted on the
 * Sim's own counters: flows delivered or lost, the egress-IP timeline the
 * echo service saw, the cloud vSwitch's drops by port and reason, MAC moves
 * and per-slave receive counts. seed-ecs-bond also runs in every mode, as
 * `bondsim compare` does. When tshark is installed, the kept captures in
 * pcaps/ must show the comments the lesson tells readers to filter on.
 */
#include "cloud.h"

#include "cu_run.h"
#include "host.h"
#include "nat.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "switch.h"
#include "testlib.h"
#include "traffic/echo.h"
#include "traffic/flow.h"
#include "util/units.h"

#include <string.h>

/* Exact figures of the runs (the lesson page quotes them). */
#define XOR_SRC_MAC_DROPS 106
#define AB_SRC_MAC_DROPS 43
#define AD_LACP_DROPS_1 4
#define AD_LACP_DROPS_2 5
#define TLB_SRC_IP_DROPS 2
#define TLB_SRC_MAC_DROPS 44
#define RR_SRC_MAC_DROPS 88

/* Loads scenarios/<name>.ini (every bond forced into `mode` when `force`)
 * and runs it to the end with no capture. Caller frees. */
static Sim *run_seed_set(const char *name, bool force, BondMode mode, const char *set)
{
    g_autofree char *file = g_strdup_printf("%s.ini", name);
    g_autofree char *path = tl_scenario_path(file);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    const char *const sets[] = {set, NULL};
    ScenarioOptions so = {.force_mode = force, .mode = mode, .warnings = warnings};
    return tl_scenario_run(path, &so, sets, NULL);
}

static uint64_t vs_drops(const Switch *sw, int port, SwitchVsDrop r)
{
    return switch_vs_drops(sw, port, r);
}

static uint64_t vs_total(const Switch *sw)
{
    uint64_t n = 0;
    for (int p = 1; p <= sw->n_ports; p++)
        for (int r = 0; r < SWITCH_VS_DROP_COUNT; r++)
            n += vs_drops(sw, p, (SwitchVsDrop)r);
    return n;
}

static bool ip_is(const uint8_t ip[4], const char *text)
{
    uint8_t want[4];
    return units_parse_ipv4(text, want, NULL) && memcmp(ip, want, 4) == 0;
}

static Sim *run_seed(const char *name, bool force, BondMode mode)
{
    return run_seed_set(name, force, mode, NULL);
}

/* ---- 1. seed-ecs-defroute ------------------------------------------------ */

static void ecs_defroute_moves_the_egress_ip_at_the_route_change(void)
{
    Sim *sim = run_seed("seed-ecs-defroute", false, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    const Flow *curl = tl_flow_named(sim, "curl");
    CU_ASSERT_EQUAL(curl->sent, 71);
    CU_ASSERT_EQUAL(curl->received, 71);
    CU_ASSERT_PTR_NOT_NULL_FATAL(curl->egress_changes);
    CU_ASSERT_EQUAL_FATAL(curl->egress_changes->len, 1);
    const EchoChange *c = &g_array_index(curl->egress_changes, EchoChange, 0);
    CU_ASSERT_TRUE(ip_is(c->old_ip, "203.0.113.11"));
    CU_ASSERT_TRUE(ip_is(c->new_ip, "203.0.113.12"));
    CU_ASSERT_TRUE(c->time_ps > 2 * PS_PER_S && c->time_ps < 2 * PS_PER_S + 100 * PS_PER_MS);
    CU_ASSERT_EQUAL(vs_total(tl_switch_named(sim, "vsw")), 0); /* each ENI sources its own */
    sim_free(sim);
}

/* ---- 2. seed-ecs-bond ---------------------------------------------------- */

static void ecs_bond_cuts_internet_and_office_but_not_the_private_peer(void)
{
    Sim *sim = run_seed("seed-ecs-bond", false, 0); /* as written: balance-xor layer2 */
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    CU_ASSERT_EQUAL(tl_flow_named(sim, "curl")->received, 0);
    CU_ASSERT_EQUAL(tl_flow_named(sim, "office-ping")->received, 0);
    const Flow *priv = tl_flow_named(sim, "private");
    CU_ASSERT_EQUAL(priv->sent, 35);
    CU_ASSERT_EQUAL(priv->received, 20); /* every ping until eth0's cable goes at 2.5 s */
    Switch *vsw = tl_switch_named(sim, "vsw");
    CU_ASSERT_EQUAL(vs_drops(vsw, 2, SWITCH_VS_SRC_MAC), XOR_SRC_MAC_DROPS);
    CU_ASSERT_EQUAL(vs_total(vsw), XOR_SRC_MAC_DROPS); /* nothing else, nowhere else */
    sim_free(sim);
}

static void ecs_bond_each_mode_fails_its_own_way(void)
{
    Sim *sim = run_seed("seed-ecs-bond", true, BOND_MODE_AB);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Switch *vsw = tl_switch_named(sim, "vsw");
    /* works until the cut (all on eth0), then the failover blackholes */
    CU_ASSERT_EQUAL(tl_flow_named(sim, "private")->received, 20);
    CU_ASSERT_EQUAL(vs_drops(vsw, 2, SWITCH_VS_SRC_MAC), AB_SRC_MAC_DROPS);
    CU_ASSERT_EQUAL(vs_total(vsw), AB_SRC_MAC_DROPS);
    sim_free(sim);

    sim = run_seed("seed-ecs-bond", true, BOND_MODE_8023AD);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    vsw = tl_switch_named(sim, "vsw");
    CU_ASSERT_EQUAL(vs_drops(vsw, 1, SWITCH_VS_LACP), AD_LACP_DROPS_1);
    CU_ASSERT_EQUAL(vs_drops(vsw, 2, SWITCH_VS_LACP), AD_LACP_DROPS_2);
    sim_free(sim);

    sim = run_seed("seed-ecs-bond", true, BOND_MODE_TLB);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    vsw = tl_switch_named(sim, "vsw");
    /* eth1 sends with its own MAC but the bond's address, until the failover
     * moves the bond MAC onto it */
    CU_ASSERT_EQUAL(vs_drops(vsw, 2, SWITCH_VS_SRC_IP), TLB_SRC_IP_DROPS);
    CU_ASSERT_EQUAL(vs_drops(vsw, 2, SWITCH_VS_SRC_MAC), TLB_SRC_MAC_DROPS);
    sim_free(sim);

    sim = run_seed("seed-ecs-bond", true, BOND_MODE_RR);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    vsw = tl_switch_named(sim, "vsw");
    CU_ASSERT_EQUAL(vs_drops(vsw, 2, SWITCH_VS_SRC_MAC), RR_SRC_MAC_DROPS);
    const Flow *priv = tl_flow_named(sim, "private");
    CU_ASSERT_TRUE(priv->received > 0 && priv->received < priv->sent);
    sim_free(sim);
}

/* What the provider binds: each slave's own MAC; the bond's address on the
 * first slave only; bind.port2 gives eth1's; the gateway port is trusted. */
static void ecs_bond_ports_are_bound_to_each_enis_own_mac(void)
{
    static const char *const want[] = {
        "mac=02:00:00:01:00:01 ip=10.0.0.11",
        "mac=02:00:00:01:00:02 ip=10.0.0.12",
        "trusted",
        "mac=02:00:00:02:00:01 ip=10.0.0.20",
    };
    Sim *sim = run_seed("seed-ecs-bond", false, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Switch *vsw = tl_switch_named(sim, "vsw");
    for (int p = 0; p < 4; p++) {
        g_autofree char *t = cloud_binding_text(&vsw->vs->bind[p]);
        CU_ASSERT_STRING_EQUAL(t, want[p]);
    }
    CU_ASSERT_FALSE(tl_switch_named(sim, "internet")->vs != NULL);
    sim_free(sim);
    /* without bind.port2, the second slave has no address bound */
    sim = run_seed_set("seed-ecs-bond", false, 0, "switch.vsw.bind.port2=mac=02:00:00:01:00:02");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    g_autofree char *t = cloud_binding_text(&tl_switch_named(sim, "vsw")->vs->bind[1]);
    CU_ASSERT_STRING_EQUAL(t, "mac=02:00:00:01:00:02");
    sim_free(sim);
}

static void ecs_bond_works_where_the_hypervisor_allows_teaming(void)
{
    Sim *sim = run_seed_set("seed-ecs-bond", false, 0, "switch.vsw.profile=hyperv-teaming");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        CU_ASSERT_EQUAL(f->received, f->sent);
    }
    CU_ASSERT_EQUAL(vs_total(tl_switch_named(sim, "vsw")), 0);
    sim_free(sim);
}

/* ---- 3 and 4. seed-idc-aggregated, seed-idc-no-aggregation ---------------- */

static void idc_checks(const Sim *sim, uint64_t *eth0_rx, uint64_t *moves)
{
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        CU_ASSERT_TRUE(f->sent - f->received <= 1); /* at most the one in flight at the end */
        if (g_str_has_prefix(f->name, "curl")) {
            CU_ASSERT_TRUE(f->echo_replies > 0);
            CU_ASSERT_TRUE(ip_is(f->egress_ip, "198.51.100.50"));
            CU_ASSERT_TRUE(!f->egress_changes || f->egress_changes->len == 0);
        }
    }
    *eth0_rx = tl_nic_named(sim, "server", "eth0")->c.rx_frames;
    *moves = tl_switch_named(sim, "tor")->mac_moves;
}

static void idc_aggregated_balances_fails_over_and_keeps_the_egress_ip(void)
{
    Sim *sim = run_seed("seed-idc-aggregated", false, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    uint64_t eth0_rx, moves;
    idc_checks(sim, &eth0_rx, &moves);
    CU_ASSERT_EQUAL(moves, 0);
    CU_ASSERT_EQUAL(eth0_rx, 101); /* the switch's hash sends inbound flows to both */
    CU_ASSERT_EQUAL(tl_nic_named(sim, "server", "eth1")->c.rx_frames, 173);
    for (guint i = 0; i < sim->flows->len; i++)
        CU_ASSERT_EQUAL(((const Flow *)sim->flows->pdata[i])->out_of_order, 0);
    sim_free(sim);
}

static void idc_without_aggregation_flaps_the_mac_and_loses_inbound_balance(void)
{
    Sim *sim = run_seed("seed-idc-no-aggregation", false, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    uint64_t eth0_rx, moves;
    idc_checks(sim, &eth0_rx, &moves);
    CU_ASSERT_EQUAL(moves, 95);
    CU_ASSERT_EQUAL(eth0_rx, 10); /* inbound follows the last-learned port: eth1 */
    CU_ASSERT_EQUAL(tl_nic_named(sim, "server", "eth1")->c.rx_frames, 266);
    sim_free(sim);
}

/* ---- the kept captures ---------------------------------------------------- */

/* Frames of pcaps/<name>.pcapng matching `filter`, by tshark; -1 when
 * tshark is not installed. */
static int tshark_count(const char *name, const char *filter)
{
    g_autofree char *tshark = g_find_program_in_path("tshark");
    if (!tshark)
        return -1;
    g_autofree char *pcap = g_strdup_printf("%s/pcaps/%s.pcapng", BONDSIM_SOURCE_DIR, name);
    const char *const args[] = {"-Y", filter, "-T", "fields", "-e", "frame.number", NULL};
    TlRun r = tl_tshark_r(pcap, args);
    int n = r.code == 0 ? (int)tl_count_newlines(r.out) : -2;
    tl_run_clear(&r);
    return n;
}

static void kept_captures_show_what_the_lesson_filters_on(void)
{
    int n = tshark_count("seed-ecs-bond", "frame.comment contains \"drop vsw port2 "
                                          "reason=src-mac-not-bound profile=alibaba\"");
    if (n == -1) {
        fprintf(stderr, " (tshark not on PATH: capture checks skipped) ");
        return;
    }
    CU_ASSERT_TRUE(n >= 1);
    /* every frame refused on eth1's port carries the bond MAC */
    CU_ASSERT_EQUAL(
        tshark_count("seed-ecs-bond",
                     "frame.interface_name == \"vsw/port2\" && "
                     "eth.src == 02:00:00:01:00:01 && frame.packet_flags_direction == 1"),
        XOR_SRC_MAC_DROPS);
    CU_ASSERT_EQUAL(tshark_count("seed-ecs-defroute", "frame.comment contains \"egress-ip\""), 2);
    CU_ASSERT_EQUAL(tshark_count("seed-idc-aggregated", "frame.comment contains \"mac-move\""), 0);
    CU_ASSERT_TRUE(tshark_count("seed-idc-no-aggregation", "frame.comment contains \"mac-move\"") >
                   0);
}

static CU_TestInfo cases[] = {
    {"ecs_defroute_moves_the_egress_ip_at_the_route_change",
     ecs_defroute_moves_the_egress_ip_at_the_route_change},
    {"ecs_bond_cuts_internet_and_office_but_not_the_private_peer",
     ecs_bond_cuts_internet_and_office_but_not_the_private_peer},
    {"ecs_bond_each_mode_fails_its_own_way", ecs_bond_each_mode_fails_its_own_way},
    {"ecs_bond_ports_are_bound_to_each_enis_own_mac",
     ecs_bond_ports_are_bound_to_each_enis_own_mac},
    {"ecs_bond_works_where_the_hypervisor_allows_teaming",
     ecs_bond_works_where_the_hypervisor_allows_teaming},
    {"idc_aggregated_balances_fails_over_and_keeps_the_egress_ip",
     idc_aggregated_balances_fails_over_and_keeps_the_egress_ip},
    {"idc_without_aggregation_flaps_the_mac_and_loses_inbound_balance",
     idc_without_aggregation_flaps_the_mac_and_loses_inbound_balance},
    {"kept_captures_show_what_the_lesson_filters_on",
     kept_captures_show_what_the_lesson_filters_on},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("seed_scenarios", cases);
}
