/* test_arp_monitor.c - the ARP monitor (sim/bond/monitor_arp.c) against
 * ../shared/reference/linux-bonding.md section 6.2 (with 5.3 and 13.9).
 *
 * Each case builds a tiny topology by hand: a "server" host with bond0
 * (10.0.0.1/24) over eth0..ethN-1, either cabled to a switch sw1 with the
 * target hosts behind it (gw1 10.0.0.254, gw2 10.0.0.253; plain host
 * stacks that answer ARP) or cabled to a "peer" host whose NICs record every
 * frame. arp_interval=100 at HZ=250: d = 25 jiffies, a tick lasts 26 jiffies
 * = 104 ms, the first at 0, so tick k runs at k * 104 ms and every event is
 * asserted at its tick. fresh(t, k) holds while now - t <= 25k + 12 jiffies:
 * a stamp from tick j is fresh(., 1) at j+1, fresh(., 2) up to j+2 (52 <=
 * 62), fresh(., 3) up to j+3 (78 <= 87).
 */
#include "bond/bond.h"

#include "cu_run.h"
#include "testlib.h"

#include <string.h>

#include "host.h"
#include "net/ipv6.h"
#include "sim.h"
#include "switch.h"
#include "util/bytes.h"
#include "util/units.h"

#define TICK_PS (104 * PS_PER_MS)
#define MAX_SLAVES 3

static const uint8_t server_ip[4] = {10, 0, 0, 1};
static const uint8_t gw1_ip[4] = {10, 0, 0, 254};
static const uint8_t gw2_ip[4] = {10, 0, 0, 253};
static const uint8_t server_ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t gw1_ip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0xfe};
static const uint8_t eth0_mac[6] = {0x02, 0x00, 0x00, 0x01, 0x00, 0x01};
static const uint8_t eth1_mac[6] = {0x02, 0x00, 0x00, 0x01, 0x00, 0x02};

/* ---- assertions ---------------------------------------------------------- */

static void int_is(int64_t v, int64_t want, int line, const char *what)
{
    g_autofree char *text =
        g_strdup_printf("%s: %" G_GINT64_FORMAT ", want %" G_GINT64_FORMAT, what, v, want);
    tl_check(v == want, line, text);
}

#define INT_IS(v, want, what) int_is(v, want, __LINE__, what)

static uint64_t tick(int k)
{
    return (uint64_t)k * TICK_PS;
}

/* ---- topology -------------------------------------------------------------- */

/* Server bond -> sw1 ports 1..n (no LAG: one broadcast domain); gw1 on
 * port n+1, and gw2 on port n+2 when `two_targets`. */
typedef struct {
    Sim *sim;
    Bond *bond;
    Switch *sw;
    Nic *gw1, *gw2;
} Lan;

static gboolean lan_build(Lan *lan, uint64_t end_ps, const char *opts, int n, bool two_targets)
{
    memset(lan, 0, sizeof *lan);
    Sim *sim = lan->sim = tl_sim("test_arp_monitor", end_ps);
    lan->bond = tl_server_bond(sim, opts, n);
    if (!lan->bond)
        return FALSE;
    lan->sw = tl_add_switch(sim, "sw1", n + 2, SWITCH_DEFAULT_AGING_PS);
    tl_cable_slaves(sim, lan->bond, lan->sw, 1);
    /* the targets: plain hosts answering ARP */
    lan->gw1 = tl_add_lan_host(sim, "gw1", 3, gw1_ip, switch_port(lan->sw, n + 1))->nic;
    if (two_targets)
        lan->gw2 = tl_add_lan_host(sim, "gw2", 4, gw2_ip, switch_port(lan->sw, n + 2))->nic;
    return TRUE;
}

/* A frame a recording NIC received: time, port, bytes. */
typedef struct {
    uint64_t time_ps;
    int port;
    uint32_t len;
    uint8_t data[128];
} Seen;

static void recorder_rx(Sim *sim, Nic *nic, Frame *f)
{
    GArray *seen = nic->owner;
    Seen s = {.time_ps = sim->eng.now_ps, .port = nic->owner_index, .len = f->len};
    memcpy(s.data, f->data, MIN(f->len, sizeof s.data));
    g_array_append_val(seen, s);
    frame_free(&sim->pool, f);
}

/* Server bond with each slave cabled to NIC p<i> of host "peer", which
 * records every arrival in `seen` (a GArray of Seen, owned by the caller). */
static Bond *peer_build(Sim *sim, const char *opts, int n, GArray *seen)
{
    Bond *b = tl_server_bond(sim, opts, n);
    if (b)
        tl_add_peer(sim, b, 9, recorder_rx, seen, NULL);
    return b;
}

/* ---- the event log --------------------------------------------------------- */

/* "from->to@tick" for every failover, "slave@tick" for other kinds. */
static char *event_text(const Sim *sim, SimEventKind kind)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->kind != kind || (kind == SIM_EV_BOND_CARRIER && ev->time_ps == 0))
            continue;
        if (s->len)
            g_string_append_c(s, ' ');
        uint64_t k = ev->time_ps / TICK_PS;
        const char *tail = ev->time_ps % TICK_PS ? "+" : "";
        if (kind == SIM_EV_FAILOVER)
            g_string_append_printf(s, "%s->%s@%" G_GUINT64_FORMAT "%s", ev->from, ev->to, k, tail);
        else if (kind == SIM_EV_BOND_CARRIER)
            g_string_append_printf(s, "%s@%" G_GUINT64_FORMAT "%s", ev->reason, k, tail);
        else
            g_string_append_printf(s, "%s@%" G_GUINT64_FORMAT "%s", ev->from ? ev->from : ev->to, k,
                                   tail);
    }
    return g_string_free(s, FALSE);
}

static void events_are(const Sim *sim, SimEventKind kind, const char *want, int line)
{
    g_autofree char *got = event_text(sim, kind);
    g_autofree char *text =
        g_strdup_printf("events of kind %d: got '%s', want '%s'", kind, got, want);
    tl_check(strcmp(got, want) == 0, line, text);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\n  line %d: %s\n", line, text);
}

#define EVENTS_ARE(sim, kind, want) events_are(sim, kind, want, __LINE__)

static int count_reason(const Sim *sim, SimEventKind kind, const char *reason)
{
    int n = 0;
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        n += ev->kind == kind && g_strcmp0(ev->reason, reason) == 0;
    }
    return n;
}

/* ---- snapshots ---------------------------------------------------------------- */

/* The bond's state shortly after a tick. */
typedef struct {
    Bond *bond;
    int active;    /* slave index, -1: none, -2: never taken */
    int candidate; /* current_arp_slave index, -1: none */
    bool carrier;
    int n_usable; /* the usable array (balance-xor) */
    SlaveLink link[MAX_SLAVES];
    uint64_t tx[MAX_SLAVES]; /* frames the slave NICs put on the wire so far */
} Snap;

static void snap_fire(Sim *sim, void *obj, void *arg)
{
    Snap *p = obj;
    Bond *b = p->bond;
    p->active = b->curr_active ? b->curr_active->index : -1;
    p->candidate = b->current_arp_slave ? b->current_arp_slave->index : -1;
    p->carrier = b->carrier;
    p->n_usable = b->n_usable;
    for (int i = 0; i < b->n_slaves && i < MAX_SLAVES; i++) {
        p->link[i] = b->slaves[i].link;
        p->tx[i] = b->slaves[i].nic->c.tx_frames;
    }
}

static void snap_at(Sim *sim, Snap *p, Bond *b, uint64_t at_ps)
{
    memset(p, 0, sizeof *p);
    p->bond = b;
    p->active = -2;
    engine_schedule(&sim->eng, at_ps, snap_fire, p, NULL);
}

/* ---- probes on the wire (6.2 "Probes") ------------------------------------------- */

/* The 60 bytes of a probe: broadcast ARP request from `mac`, sender `sip`. */
static void expected_probe(uint8_t out[60], const uint8_t mac[6], const uint8_t sip[4],
                           const uint8_t tip[4])
{
    memset(out, 0, 60);
    memset(out, 0xff, 6);
    memcpy(out + 6, mac, 6);
    out[12] = 0x08;
    out[13] = 0x06;
    static const uint8_t hdr[8] = {0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01};
    memcpy(out + 14, hdr, 8);
    memcpy(out + 22, mac, 6);
    memcpy(out + 28, sip, 4);
    memcpy(out + 38, tip, 4); /* target MAC (32..37) zero */
}

/* The first probe of the run leaves the active slave at 0 (the bond opens
 * at 0 and queues its first tick with no delay), byte for byte as 6.2 says,
 * straight from the slave NIC (the bond's own transmit path never sees it);
 * the backup sends nothing. */
static void probe_is_an_arp_request_from_the_slave(void)
{
    Sim *sim = tl_sim("test_arp_monitor", tl_ms(50));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
    Bond *b =
        peer_build(sim, "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254", 2, seen);
    if (b) {
        sim_run(sim, false);
        CU_ASSERT_EQUAL_FATAL(seen->len, 1);
        const Seen *s = &g_array_index(seen, Seen, 0);
        uint8_t want[60];
        expected_probe(want, eth0_mac, server_ip, gw1_ip);
        CU_ASSERT_EQUAL(s->port, 0);
        CU_ASSERT_EQUAL(s->len, 60);
        CU_ASSERT_EQUAL(memcmp(s->data, want, 60), 0);
        /* 60 bytes + FCS + 20 at 1 Gb/s = 672 ns, then 1 us on the cable */
        TL_U64_IS(s->time_ps, 672 * PS_PER_NS + PS_PER_US, "arrival of the first probe");
        TL_U64_IS(b->slaves[0].nic->c.tx_frames, 1, "eth0 put one frame on the wire");
        TL_U64_IS(b->slaves[0].tx_frames, 0, "the bond's transmit path handed eth0 nothing");
        INT_IS(b->slaves[0].arp_last_tx, 0, "last_tx stamped at jiffy 0");
        INT_IS(b->slaves[1].arp_last_tx, -26, "eth1's enslave stamp: d + 1 jiffies back");
    }
    sim_free(sim);
}

/* fail_over_mac=active: every slave keeps its own MAC, and the probe of the
 * active (eth1, as eth0 has no cable at open) carries eth1's. eth0, DOWN at
 * enslave, is proposed UP at the first tick all the same: its enslave stamp
 * (d + 1 jiffies back) is fresh(., 1) then; never UP before, it has no
 * grace, and as a backup hearing nothing it is DOWN at tick 3, where that
 * stamp is 26 + 78 jiffies old, over (M+1)*25 + 12 = 87. */
static void probe_source_is_the_slave_mac(void)
{
    Sim *sim = tl_sim("test_arp_monitor", tl_ms(350));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
    Bond *b = peer_build(sim,
                         "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254 "
                         "fail_over_mac=active",
                         2, seen);
    if (b) {
        link_set_up(sim, b->slaves[0].nic->link, false);
        sim_run(sim, false);
        CU_ASSERT_FATAL(seen->len >= 1);
        const Seen *s = &g_array_index(seen, Seen, 0);
        uint8_t want[60];
        expected_probe(want, eth1_mac, server_ip, gw1_ip);
        CU_ASSERT_EQUAL(s->port, 1);
        CU_ASSERT_EQUAL(memcmp(s->data, want, 60), 0);
        EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "eth0@0");
        /* the peer never answers: eth1 too is DOWN when its grace ends */
        EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "eth0@3 eth1@3");
        EVENTS_ARE(sim, SIM_EV_FAILOVER, "eth1->none@3");
    }
    sim_free(sim);
}

/* Sender IP: the bond's address when the target is on the bond's subnet;
 * 0.0.0.0 when only a gateway route leads there (the lookup is scope link)
 * or the on-link route's subnet is not the bond's; no probe at all for a
 * target routed on-link through another interface, or for an own address. */
static void probe_sender_follows_the_on_link_route(void)
{
    Sim *sim = tl_sim("test_arp_monitor", tl_ms(50));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
    Bond *b = peer_build(sim,
                         "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254,"
                         "192.168.5.5,172.16.0.9,10.0.0.1,10.9.1.1",
                         1, seen);
    if (b) {
        Host *h = b->host;
        Nic *eth9 = tl_add_nic(sim, h, "eth9", 1, 9);
        static const uint8_t eth9_ip[4] = {172, 16, 0, 1}, any[4] = {0, 0, 0, 0};
        static const uint8_t net10_9[4] = {10, 9, 0, 0};
        host_set_address(host_add_iface_nic(h, eth9), eth9_ip, 24);
        host_add_route(h, any, 0, gw1_ip, b->iface, 0);
        host_add_route(h, net10_9, 16, NULL, b->iface, 0);
        sim_run(sim, false);
        static const uint8_t tips[3][4] = {{10, 0, 0, 254}, {192, 168, 5, 5}, {10, 9, 1, 1}};
        const uint8_t *sips[3] = {server_ip, any, any};
        CU_ASSERT_EQUAL_FATAL(seen->len, 3);
        for (int i = 0; i < 3; i++) {
            const Seen *s = &g_array_index(seen, Seen, (guint)i);
            uint8_t want[60];
            expected_probe(want, eth0_mac, sips[i], tips[i]);
            CU_ASSERT_EQUAL(memcmp(s->data, want, 60), 0);
        }
    }
    sim_free(sim);
}

/* arp_interval=1000 at HZ=250: 250 jiffies, from 63 on the timer wheel
 * rounds to 8 jiffies: ticks every 256 jiffies = 1.024 s. */
static void ticks_follow_the_kernel_timer(void)
{
    Sim *sim = tl_sim("test_arp_monitor", tl_ms(3000));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
    Bond *b =
        peer_build(sim, "mode=active-backup arp_interval=1000 arp_ip_target=10.0.0.254", 1, seen);
    if (b) {
        sim_run(sim, false);
        CU_ASSERT_EQUAL_FATAL(seen->len, 3);
        for (guint i = 0; i < 3; i++)
            TL_U64_IS(g_array_index(seen, Seen, i).time_ps,
                      i * 1024 * PS_PER_MS + 672 * PS_PER_NS + PS_PER_US, "probe arrival");
        INT_IS(b->arp_delta_j, 250, "d = msecs_to_jiffies(1000)");
    }
    sim_free(sim);
}

/* ---- active-backup (6.2) ------------------------------------------------------------ */

/* The target answers until it is cut at 1.0 s: the probe of tick 9 (0.936 s)
 * drew the last answer. The active goes DOWN M + 1 ticks after it, at the
 * first tick where that answer is over M*d + d/2 jiffies old, and fails
 * over to eth1, which had heard the active's flooded probes (arp_validate=
 * all: valid once the active heard the target after becoming active). eth1
 * has no target either: out of its 2.5-delta grace it fails max(3, M) ticks
 * later, leaving no slave UP. */
static void ab_active_down_m_plus_one_ticks_after_last_answer(void)
{
    for (int m = 1; m <= 4; m++) {
        Lan lan;
        g_autofree char *opts = g_strdup_printf(
            "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254 arp_validate=all "
            "arp_missed_max=%d",
            m);
        if (lan_build(&lan, tl_ms(3000), opts, 2, false)) {
            Sim *sim = lan.sim;
            tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.gw1);
            sim_run(sim, false);
            int down0 = 9 + m + 1, down1 = down0 + MAX(3, m);
            g_autofree char *fo = g_strdup_printf("eth0->eth1@%d eth1->none@%d", down0, down1);
            g_autofree char *dn = g_strdup_printf("eth0@%d eth1@%d", down0, down1);
            g_autofree char *ca = g_strdup_printf("down@%d", down1);
            EVENTS_ARE(sim, SIM_EV_FAILOVER, fo);
            EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, dn);
            EVENTS_ARE(sim, SIM_EV_BOND_CARRIER, ca);
            EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "");
            CU_ASSERT_EQUAL(count_reason(sim, SIM_EV_SLAVE_DOWN, "arp"), 2);
            CU_ASSERT_EQUAL(count_reason(sim, SIM_EV_FAILOVER, "arp"), 2);
            CU_ASSERT_EQUAL(lan.bond->slaves[0].link_failure_count, 1);
        }
        sim_free(lan.sim);
    }
}

/* 5.3 with the ARP monitor: one notification per ARP tick, the counter
 * dropping only when one is sent: num_grat_arp=3 -> ticks t0, t0+1, t0+2.
 * The active's carrier is lost at 1.0 s: carrier is not consulted while an
 * active exists, its probes still stamp last_tx (and are dropped by the
 * NIC), so it goes DOWN only when the answers are missing: tick 12. */
static void ab_carrier_loss_shows_as_missing_answers(void)
{
    Lan lan;
    if (lan_build(&lan, tl_ms(2000),
                  "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254 "
                  "arp_validate=all num_grat_arp=3",
                  2, false)) {
        Sim *sim = lan.sim;
        Bond *b = lan.bond;
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[0].nic);
        sim_run(sim, false);
        EVENTS_ARE(sim, SIM_EV_FAILOVER, "eth0->eth1@12");
        EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "eth0@12");
        EVENTS_ARE(sim, SIM_EV_PEER_NOTIFY, "eth1@12 eth1@13 eth1@14");
        TL_U64_IS(b->slaves[0].nic->c.drops[NIC_DROP_NO_CARRIER], 2, "probes of ticks 10, 11");
        INT_IS(b->slaves[0].arp_last_tx, 11 * 26, "eth0's last probe stamped last_tx");
        CU_ASSERT_EQUAL(b->curr_active, &b->slaves[1]);
        CU_ASSERT_TRUE(b->carrier);
    }
    sim_free(lan.sim);
}

/* A backup that hears nothing goes DOWN when its last reception is over
 * (M+1)*d + d/2 old: eth1's cable is cut at 1.0 s, it last heard the probe
 * of tick 9, DOWN at tick 13 (no failover). Back at 2.0 s, it hears the
 * active's probe of tick 20 and is UP (a backup) at tick 21. */
static void ab_backup_down_after_m_plus_two_ticks_up_after_one(void)
{
    Lan lan;
    if (lan_build(&lan, tl_ms(3000), "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254",
                  2, false)) {
        Sim *sim = lan.sim;
        Nic *eth1 = lan.bond->slaves[1].nic;
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, eth1);
        tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_UP, eth1);
        sim_run(sim, false);
        EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "eth1@13");
        EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "eth1@21");
        EVENTS_ARE(sim, SIM_EV_FAILOVER, "");
        CU_ASSERT_EQUAL(lan.bond->slaves[1].link, SLAVE_LINK_UP);
        CU_ASSERT_TRUE(lan.bond->slaves[1].backup);
    }
    sim_free(lan.sim);
}

/* 5.1 with the ARP monitor: the primary eth1 is active from the open. Its
 * cable is cut at 1.0 s: DOWN at tick 12 (its last answer: tick 9), eth0
 * takes over. Back at 2.0 s it hears eth0's probe of tick 20, is UP at 21
 * and, being the primary, active again at once (primary_reselect=always). */
static void ab_primary_takes_over_when_it_hears_again(void)
{
    Lan lan;
    if (lan_build(&lan, tl_ms(2500),
                  "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254 primary=eth1", 2,
                  false)) {
        Sim *sim = lan.sim;
        Nic *eth1 = lan.bond->slaves[1].nic;
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, eth1);
        tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_UP, eth1);
        sim_run(sim, false);
        EVENTS_ARE(sim, SIM_EV_FAILOVER, "eth1->eth0@12 eth0->eth1@21");
        EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "eth1@12");
        EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "eth1@21");
        EVENTS_ARE(sim, SIM_EV_PEER_NOTIFY, "eth0@12 eth1@21");
        CU_ASSERT_EQUAL(count_reason(sim, SIM_EV_FAILOVER, "primary"), 1);
    }
    sim_free(lan.sim);
}

/* 13.9 / 6.2, arp_validate=none in one broadcast domain: the target falls
 * silent at 1.5 s (last answer: tick 14). eth0 goes DOWN at 17, eth1 takes
 * over (one GARP); eth0, hearing eth1's flooded probes, is UP again at 18;
 * eth1, hearing nothing, fails 3 ticks after taking over, and so on for ever:
 * a failover every 3 ticks, one GARP each, carrier kept. */
static void ab_silent_target_validate_none_fails_over_for_ever(void)
{
    Lan lan;
    if (lan_build(&lan, tl_ms(4000), "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254",
                  2, false)) {
        Sim *sim = lan.sim;
        tl_add_fault(sim, tl_ms(1500), SIM_FAULT_LINK_DOWN, lan.gw1);
        sim_run(sim, false);
        EVENTS_ARE(sim, SIM_EV_FAILOVER,
                   "eth0->eth1@17 eth1->eth0@20 eth0->eth1@23 eth1->eth0@26 eth0->eth1@29 "
                   "eth1->eth0@32 eth0->eth1@35 eth1->eth0@38");
        EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN,
                   "eth0@17 eth1@20 eth0@23 eth1@26 eth0@29 eth1@32 eth0@35 eth1@38");
        EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "eth0@18 eth1@21 eth0@24 eth1@27 eth0@30 eth1@33 eth0@36");
        EVENTS_ARE(sim, SIM_EV_PEER_NOTIFY,
                   "eth1@17 eth0@20 eth1@23 eth0@26 eth1@29 eth0@32 eth1@35 eth0@38");
        EVENTS_ARE(sim, SIM_EV_BOND_CARRIER, "");
        TL_U64_IS(lan.bond->failovers, 8, "failovers");
        CU_ASSERT_TRUE(lan.bond->carrier);
    }
    sim_free(lan.sim);
}

/* The same with arp_validate=all and =backup: eth1 takes over at 17 and fails
 * at 20; eth0, not validated by eth1's probes (eth1 never heard the target
 * since it became active), cannot return: no slave UP, bond carrier down,
 * and a candidate per tick, eth1 first (the slave after the first), then
 * eth0, eth1, ... each BACK for one tick, FAIL the next; one probe per
 * tick, from the candidate. The target returns at 2.5 s: the probe of the
 * candidate of tick 25 (eth0) is answered, eth0 is UP and active at 26 (no
 * carrier when chosen: its GARP goes at 27); eth1 validates eth0's probes
 * only once eth0 heard the target after becoming active (a reply of tick 27,
 * later in jiffies than 26), so it is UP at 29. */
static void ab_silent_target_validate_all_loses_carrier(void)
{
    static const char *const validate[] = {"all", "backup"};
    for (gsize v = 0; v < G_N_ELEMENTS(validate); v++) {
        Lan lan;
        g_autofree char *opts = g_strdup_printf(
            "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254 arp_validate=%s",
            validate[v]);
        if (!lan_build(&lan, tl_ms(3500), opts, 2, false)) {
            sim_free(lan.sim);
            continue;
        }
        Sim *sim = lan.sim;
        tl_add_fault(sim, tl_ms(1500), SIM_FAULT_LINK_DOWN, lan.gw1);
        tl_add_fault(sim, tl_ms(2500), SIM_FAULT_LINK_UP, lan.gw1);
        Snap snaps[6];
        for (int k = 0; k < 6; k++)
            snap_at(sim, &snaps[k], lan.bond, tick(20 + k) + PS_PER_MS);
        sim_run(sim, false);
        EVENTS_ARE(sim, SIM_EV_FAILOVER, "eth0->eth1@17 eth1->none@20 none->eth0@26");
        EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "eth0@17 eth1@20");
        EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "eth0@26 eth1@29");
        EVENTS_ARE(sim, SIM_EV_BOND_CARRIER, "down@20 up@26");
        EVENTS_ARE(sim, SIM_EV_PEER_NOTIFY, "eth1@17 eth0@27");
        static const int cand[6] = {1, 0, 1, 0, 1, 0};
        for (int k = 0; k < 6; k++) {
            const Snap *s = &snaps[k];
            const Snap *prev = k ? &snaps[k - 1] : NULL;
            CU_ASSERT_EQUAL(s->active, -1);
            CU_ASSERT_FALSE(s->carrier);
            CU_ASSERT_EQUAL(s->candidate, cand[k]);
            CU_ASSERT_EQUAL(s->link[cand[k]], SLAVE_LINK_BACK);
            CU_ASSERT_EQUAL(s->link[1 - cand[k]], k ? SLAVE_LINK_FAIL : SLAVE_LINK_DOWN);
            if (prev) {
                TL_U64_IS(s->tx[cand[k]] - prev->tx[cand[k]], 1, "one probe from the candidate");
                TL_U64_IS(s->tx[1 - cand[k]] - prev->tx[1 - cand[k]], 0, "none from the other");
            }
        }
        CU_ASSERT_EQUAL(lan.bond->curr_active, &lan.bond->slaves[0]);
        CU_ASSERT_EQUAL(lan.bond->slaves[1].link, SLAVE_LINK_UP);
        sim_free(lan.sim);
    }
}

/* arp_all_targets (6.2): gw2 (10.0.0.253) does not exist. With "any" gw1's
 * answers keep both slaves UP; with "all" the effective last_rx is the
 * oldest per-target stamp, gw2's enslave stamp: at tick 3, when the grace
 * ends, the active and the backup (never validated: the active never heard
 * every target since it became active) both go DOWN, and no slave comes
 * back while gw2 stays silent. */
static void arp_all_targets_all_needs_every_target(void)
{
    for (int all = 0; all < 2; all++) {
        Lan lan;
        g_autofree char *opts =
            g_strdup_printf("mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254,"
                            "10.0.0.253 arp_validate=all arp_all_targets=%s",
                            all ? "all" : "any");
        if (lan_build(&lan, tl_ms(2000), opts, 2, false)) {
            Sim *sim = lan.sim;
            sim_run(sim, false);
            Bond *b = lan.bond;
            if (all) {
                EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "eth0@3 eth1@3");
                EVENTS_ARE(sim, SIM_EV_FAILOVER, "eth0->none@3");
                EVENTS_ARE(sim, SIM_EV_BOND_CARRIER, "down@3");
                EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "");
                /* the candidate heard gw1 (stamp 0) but not gw2 (enslave stamp) */
                INT_IS(b->current_arp_slave->arp_target_rx[1], -26, "gw2's stamp");
            } else {
                EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "");
                EVENTS_ARE(sim, SIM_EV_FAILOVER, "");
                CU_ASSERT_TRUE(b->carrier);
                INT_IS(b->slaves[0].arp_target_rx[0], 19 * 26, "gw1 answered tick 19");
                INT_IS(b->slaves[0].arp_target_rx[1], -26, "gw2 never answered");
            }
        }
        sim_free(lan.sim);
    }
}

/* ---- balance-rr, balance-xor, broadcast (load-balancing monitor) ------------------ */

static const char *const lb_modes[] = {"balance-rr", "balance-xor", "broadcast"};

/* 13.9: in one broadcast domain each slave hears the other's broadcast
 * probes, which count under arp_validate=none: the silent target (cut at
 * 1.0 s) is never noticed; every slave probes every tick (0..28). */
static void lb_silent_target_goes_unnoticed(void)
{
    for (gsize m = 0; m < G_N_ELEMENTS(lb_modes); m++) {
        Lan lan;
        g_autofree char *opts =
            g_strdup_printf("mode=%s arp_interval=100 arp_ip_target=10.0.0.254", lb_modes[m]);
        if (lan_build(&lan, tl_ms(3000), opts, 2, false)) {
            Sim *sim = lan.sim;
            tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.gw1);
            sim_run(sim, false);
            EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "");
            EVENTS_ARE(sim, SIM_EV_FAILOVER, "");
            EVENTS_ARE(sim, SIM_EV_BOND_CARRIER, "");
            for (int i = 0; i < 2; i++) {
                TL_U64_IS(lan.bond->slaves[i].nic->c.tx_frames, 29, opts);
                CU_ASSERT_EQUAL(lan.bond->slaves[i].link, SLAVE_LINK_UP);
            }
        }
        sim_free(lan.sim);
    }
}

/* A carrier-less slave gets no probe, so its last_tx ages: eth1's cable is
 * cut at 1.0 s (last probe: tick 9), DOWN at tick 12 (M + 1). Back at 2.0 s:
 * probed at tick 20, where it also hears eth0's flooded probe: UP at 21.
 * balance-xor leaves it out of the usable array at the carrier loss (1.3)
 * and takes it back when it is UP. */
static void lb_slave_down_m_plus_one_ticks_up_tick_after_answers(void)
{
    for (gsize m = 0; m < G_N_ELEMENTS(lb_modes); m++) {
        Lan lan;
        g_autofree char *opts =
            g_strdup_printf("mode=%s arp_interval=100 arp_ip_target=10.0.0.254", lb_modes[m]);
        if (!lan_build(&lan, tl_ms(3000), opts, 2, false)) {
            sim_free(lan.sim);
            continue;
        }
        Sim *sim = lan.sim;
        Slave *eth1 = &lan.bond->slaves[1];
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, eth1->nic);
        tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_UP, eth1->nic);
        Snap during, back, up;
        snap_at(sim, &during, lan.bond, tl_ms(1100));
        snap_at(sim, &back, lan.bond, tl_ms(2100));
        snap_at(sim, &up, lan.bond, tl_ms(2200));
        sim_run(sim, false);
        EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "eth1@12");
        EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "eth1@21");
        EVENTS_ARE(sim, SIM_EV_FAILOVER, "");
        TL_U64_IS(eth1->nic->c.drops[NIC_DROP_NO_CARRIER], 0, "no probe without carrier");
        TL_U64_IS(during.tx[1], 10, "eth1 probed ticks 0..9");
        TL_U64_IS(eth1->nic->c.tx_frames, 10 + 9, "and ticks 20..28");
        CU_ASSERT_EQUAL(during.link[1], SLAVE_LINK_UP); /* not yet DOWN at 1.1 s */
        CU_ASSERT_EQUAL(back.link[1], SLAVE_LINK_DOWN);
        CU_ASSERT_EQUAL(up.link[1], SLAVE_LINK_UP);
        CU_ASSERT_FALSE(eth1->backup); /* backup follows link: UP -> active */
        if (strcmp(lb_modes[m], "balance-xor") == 0) {
            CU_ASSERT_EQUAL(during.n_usable, 1);
            CU_ASSERT_EQUAL(back.n_usable, 1);
            CU_ASSERT_EQUAL(up.n_usable, 2);
        }
        sim_free(lan.sim);
    }
}

/* While DOWN an rr slave is a backup (the flag only: its frames still reach
 * the bond); validation then treats it as one. */
static void rr_down_slave_is_backup_but_receives(void)
{
    Lan lan;
    if (lan_build(&lan, tl_ms(1500), "mode=balance-rr arp_interval=100 arp_ip_target=10.0.0.254", 2,
                  false)) {
        Sim *sim = lan.sim;
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[1].nic);
        sim_run(sim, false);
        Slave *eth1 = &lan.bond->slaves[1];
        CU_ASSERT_EQUAL(eth1->link, SLAVE_LINK_DOWN);
        CU_ASSERT_TRUE(eth1->backup);
        CU_ASSERT_FALSE(eth1->inactive);
    }
    sim_free(lan.sim);
}

/* ---- what refreshes last_rx (6.2 arp_validate table) ------------------------------- */

enum { F_REPLY, F_PROBE, F_OTHER_ARP, F_UDP, F_OTHERHOST, F_COUNT };

/* A frame as it arrives at a slave: the target's reply to us, our own
 * flooded probe, an ARP request from a non-target (10.0.0.7) for us, an IPv4
 * frame for us, and the target's reply to another host's MAC. */
static Frame *table_frame(Sim *sim, int kind)
{
    static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0x03, 0x00, 0x01};
    static const uint8_t other_mac[6] = {0x02, 0x00, 0x00, 0x07, 0x00, 0x01};
    static const uint8_t other_ip[4] = {10, 0, 0, 7};
    Frame *f = frame_alloc(&sim->pool);
    uint8_t *p = f->data;
    memset(p, 0, ETH_ZLEN);
    f->len = ETH_ZLEN;
    uint8_t *a = p + ETH_HLEN;
    put_be16(p + 12, ETH_P_ARP);
    put_be16(a, 1);
    put_be16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    switch (kind) {
    case F_REPLY:
    case F_OTHERHOST:
        memcpy(p, kind == F_REPLY ? eth0_mac : other_mac, 6);
        memcpy(p + 6, gw_mac, 6);
        put_be16(a + 6, 2);
        memcpy(a + 8, gw_mac, 6);
        memcpy(a + 14, gw1_ip, 4);
        memcpy(a + 18, eth0_mac, 6);
        memcpy(a + 24, server_ip, 4);
        break;
    case F_PROBE:
        expected_probe(p, eth0_mac, server_ip, gw1_ip);
        break;
    case F_OTHER_ARP:
        memset(p, 0xff, 6);
        memcpy(p + 6, other_mac, 6);
        put_be16(a + 6, 1);
        memcpy(a + 8, other_mac, 6);
        memcpy(a + 14, other_ip, 4);
        memcpy(a + 24, server_ip, 4);
        break;
    case F_UDP:
        memcpy(p, eth0_mac, 6);
        memcpy(p + 6, other_mac, 6);
        put_be16(p + 12, ETH_P_IP);
        memset(a, 0, 20);
        a[0] = 0x45;
        break;
    }
    return f;
}

/* Whether receiving `kind` on slave `s` refreshes its last_rx. */
static bool refreshes(Sim *sim, Bond *b, Slave *s, int kind)
{
    int64_t now = bond_jiffies(sim, sim->eng.now_ps);
    s->arp_last_rx = 0;
    Frame *f = table_frame(sim, kind);
    bond_arp_rx(sim, b, s, f);
    frame_free(&sim->pool, f);
    return s->arp_last_rx == now;
}

/* A bond of two slaves, opened (eth0 active, eth1 backup) and not run; the
 * clock at 10 s (jiffy 2500); the active heard the target at 2490. */
static Bond *table_bond(Sim *sim, int validate, GArray *seen)
{
    g_autofree char *opts = g_strdup_printf(
        "mode=active-backup arp_interval=100 arp_ip_target=10.0.0.254 arp_validate=%d", validate);
    Bond *b = peer_build(sim, opts, 2, seen);
    if (!b)
        return NULL;
    bond_open(sim, b);
    sim->eng.now_ps = 10 * PS_PER_S;
    b->slaves[0].arp_last_rx = 2490;
    return b;
}

static void validate_table_matches_the_reference(void)
{
    /* [arp_validate][active, backup][frame]: 1 = refreshes last_rx */
    static const int want[7][2][F_COUNT] = {
        /* none */ {{1, 1, 1, 1, 0}, {1, 1, 1, 1, 0}},
        /* active */ {{1, 0, 0, 0, 0}, {1, 1, 1, 1, 0}},
        /* backup */ {{1, 1, 1, 1, 0}, {0, 1, 0, 0, 0}},
        /* all */ {{1, 0, 0, 0, 0}, {0, 1, 0, 0, 0}},
        /* filter */ {{1, 1, 1, 0, 0}, {1, 1, 1, 0, 0}},
        /* filter_active */ {{1, 0, 0, 0, 0}, {1, 1, 1, 0, 0}},
        /* filter_backup */ {{1, 1, 1, 0, 0}, {0, 1, 0, 0, 0}},
    };
    for (int v = 0; v < 7; v++) {
        Sim *sim = tl_sim("test_arp_monitor", PS_PER_S);
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
        Bond *b = table_bond(sim, v, seen);
        for (int role = 0; b && role < 2; role++) {
            for (int k = 0; k < F_COUNT; k++) {
                b->slaves[0].arp_last_rx = 2490; /* the active heard the target */
                bool got = refreshes(sim, b, &b->slaves[role], k);
                g_autofree char *what = g_strdup_printf("arp_validate=%d %s frame %d: %d", v,
                                                        role ? "backup" : "active", k, got);
                tl_check(got == (bool)want[v][role][k], __LINE__, what);
            }
        }
        sim_free(sim);
    }
}

/* The validation rules themselves (bond_arp_rcv): a validated frame stamps
 * its target's slot only; a backup trusts our flooded probe only once the
 * active heard valid traffic after becoming active (later in jiffies); with
 * no active, an ARP reply on any slave is trusted while the candidate
 * probed within 1.5 delta. */
static void validation_rules(void)
{
    Sim *sim = tl_sim("test_arp_monitor", PS_PER_S);
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
    Bond *b = table_bond(sim, 3, seen);
    if (b) {
        Slave *eth0 = &b->slaves[0], *eth1 = &b->slaves[1];
        int64_t before = eth0->arp_target_rx[1];
        CU_ASSERT_TRUE(refreshes(sim, b, eth0, F_REPLY));
        INT_IS(eth0->arp_target_rx[0], 2500, "target 0 stamped");
        INT_IS(eth0->arp_target_rx[1], before, "no target 1 configured, untouched");
        /* the active heard nothing since it became active (same jiffy) */
        eth0->arp_last_rx = 2500;
        eth0->last_link_up_ps = 10 * PS_PER_S;
        CU_ASSERT_FALSE(refreshes(sim, b, eth1, F_PROBE));
        eth0->arp_last_rx = 2501;
        CU_ASSERT_TRUE(refreshes(sim, b, eth1, F_PROBE));
        /* no active; eth0 the candidate, probed 10 jiffies ago (fresh) */
        b->curr_active = NULL;
        b->current_arp_slave = eth0;
        eth0->arp_last_tx = 2490;
        CU_ASSERT_TRUE(refreshes(sim, b, eth1, F_REPLY));
        CU_ASSERT_FALSE(refreshes(sim, b, eth1, F_PROBE)); /* a request */
        eth0->arp_last_tx = 2500 - 38;                     /* 38 > 25 + 12 */
        CU_ASSERT_FALSE(refreshes(sim, b, eth1, F_REPLY));
        b->current_arp_slave = NULL;
    }
    sim_free(sim);
}

/* ---- the NS monitor (ns_ip6_target) --------------------------------------------------- */

/* An NS for the target to its solicited-node group, from the slave's MAC,
 * hop limit 255; source = the bond's address for the target with the source
 * link-layer option (the slave's MAC), or :: without it when the bond has no
 * IPv6 (no route through the bond). */
static void ns_probe_is_a_solicitation_from_the_slave(void)
{
    static const uint8_t group[16] = {0xff, 0x02, [11] = 0x01, 0xff, 0x00, 0x00, 0xfe};
    static const uint8_t group_mac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0xfe};
    static const uint8_t unspecified[16] = {0};
    for (int with_addr = 0; with_addr < 2; with_addr++) {
        Sim *sim = tl_sim("test_arp_monitor", tl_ms(50));
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
        Bond *b = peer_build(sim, "mode=active-backup arp_interval=100 ns_ip6_target=2001:db8::fe",
                             2, seen);
        if (b && with_addr)
            ipv6_add_address(b->iface, server_ip6, 64);
        if (b) {
            sim_run(sim, false);
            CU_ASSERT_EQUAL_FATAL(seen->len, 1);
            const Seen *s = &g_array_index(seen, Seen, 0);
            const uint8_t *ip = s->data + ETH_HLEN, *icmp = ip + IP6_HLEN;
            CU_ASSERT_EQUAL(s->port, 0);
            CU_ASSERT_TRUE(mac_equal(s->data, group_mac));
            CU_ASSERT_TRUE(mac_equal(s->data + 6, eth0_mac));
            CU_ASSERT_EQUAL(get_be16(s->data + 12), ETH_P_IPV6);
            CU_ASSERT_EQUAL(ip[6], IP6_PROTO_ICMPV6);
            CU_ASSERT_EQUAL(ip[7], 255);
            CU_ASSERT_EQUAL(memcmp(ip + 8, with_addr ? server_ip6 : unspecified, 16), 0);
            CU_ASSERT_EQUAL(memcmp(ip + 24, group, 16), 0);
            CU_ASSERT_EQUAL(icmp[0], ICMP6_ND_NS);
            CU_ASSERT_EQUAL(icmp[1], 0);
            CU_ASSERT_EQUAL(memcmp(icmp + 8, gw1_ip6, 16), 0);
            CU_ASSERT_EQUAL(get_be16(ip + 4), with_addr ? 32 : 24);
            if (with_addr) {
                CU_ASSERT_EQUAL(icmp[24], ND_OPT_SOURCE_LLADDR);
                CU_ASSERT_EQUAL(icmp[25], 1);
                CU_ASSERT_TRUE(mac_equal(icmp + 26, eth0_mac));
            }
            CU_ASSERT_EQUAL(get_be16(icmp + 2), ipv6_l4_checksum(ip));
            INT_IS(b->slaves[0].arp_last_tx, 0, "an NS probe stamps last_tx");
        }
        sim_free(sim);
    }
}

/* The NS monitor under arp_validate=all times like the ARP monitor: the
 * target's NA keeps the active up, and a backup validates the active's
 * flooded NS through the target's solicited-node group. The target is cut
 * at 1.0 s (last answer: tick 9): eth0 DOWN at 12, eth1 (validated until
 * then) takes over and fails at 15. */
static void ns_monitor_times_like_the_arp_monitor(void)
{
    Lan lan;
    if (lan_build(&lan, tl_ms(2500),
                  "mode=active-backup arp_interval=100 ns_ip6_target=2001:db8::fe arp_validate=all",
                  2, false)) {
        Sim *sim = lan.sim;
        ipv6_add_address(lan.bond->iface, server_ip6, 64);
        ipv6_add_address(lan.gw1->owner, gw1_ip6, 64);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.gw1);
        Snap before;
        snap_at(sim, &before, lan.bond, tl_ms(990));
        sim_run(sim, false);
        CU_ASSERT_EQUAL(before.link[0], SLAVE_LINK_UP);
        CU_ASSERT_EQUAL(before.link[1], SLAVE_LINK_UP);
        EVENTS_ARE(sim, SIM_EV_FAILOVER, "eth0->eth1@12 eth1->none@15");
        EVENTS_ARE(sim, SIM_EV_SLAVE_DOWN, "eth0@12 eth1@15");
        EVENTS_ARE(sim, SIM_EV_SLAVE_UP, "");
    }
    sim_free(lan.sim);
}

/* NS/NA validation (bond_na_rcv): the active takes an NA from a target to
 * one of our addresses or to all nodes; a trusted backup takes our own NS
 * (addresses swapped, the target known by its solicited-node group). */
static void ns_validation_rules(void)
{
    static const uint8_t other6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x07};
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
    static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0x03, 0x00, 0x01};
    Sim *sim = tl_sim("test_arp_monitor", PS_PER_S);
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
    Bond *b = peer_build(
        sim, "mode=active-backup arp_interval=100 ns_ip6_target=2001:db8::fe arp_validate=all", 2,
        seen);
    if (b) {
        ipv6_add_address(b->iface, server_ip6, 64);
        bond_open(sim, b);
        sim->eng.now_ps = 10 * PS_PER_S;
        Frame *na_us = ndisc_build_na(sim, eth0_mac, gw_mac, gw1_ip6, server_ip6, gw1_ip6,
                                      ND_NA_FLAG_SOLICITED, gw_mac);
        Frame *na_all =
            ndisc_build_na(sim, eth0_mac, gw_mac, gw1_ip6, all_nodes, gw1_ip6, 0, gw_mac);
        Frame *na_other = ndisc_build_na(sim, eth0_mac, gw_mac, other6, server_ip6, other6,
                                         ND_NA_FLAG_SOLICITED, gw_mac);
        Frame *ns_ours = ndisc_build_ns(sim, eth0_mac, server_ip6, gw1_ip6, eth0_mac);
        Frame *frames[4] = {na_us, na_all, na_other, ns_ours};
        static const int want[2][4] = {{1, 1, 0, 0}, {0, 0, 0, 1}};
        for (int role = 0; role < 2; role++) {
            for (int k = 0; k < 4; k++) {
                Slave *sl = &b->slaves[role];
                b->slaves[0].arp_last_rx = 2490; /* the active heard the target */
                sl->arp_last_rx = 0;
                bond_arp_rx(sim, b, sl, frames[k]);
                g_autofree char *what =
                    g_strdup_printf("%s frame %d", role ? "backup" : "active", k);
                tl_check((sl->arp_last_rx == 2500) == (bool)want[role][k], __LINE__, what);
            }
        }
        for (int k = 0; k < 4; k++)
            frame_free(&sim->pool, frames[k]);
    }
    sim_free(sim);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"probe_is_an_arp_request_from_the_slave", probe_is_an_arp_request_from_the_slave},
        {"probe_source_is_the_slave_mac", probe_source_is_the_slave_mac},
        {"probe_sender_follows_the_on_link_route", probe_sender_follows_the_on_link_route},
        {"ticks_follow_the_kernel_timer", ticks_follow_the_kernel_timer},
        {"ab_active_down_m_plus_one_ticks_after_last_answer",
         ab_active_down_m_plus_one_ticks_after_last_answer},
        {"ab_carrier_loss_shows_as_missing_answers", ab_carrier_loss_shows_as_missing_answers},
        {"ab_backup_down_after_m_plus_two_ticks_up_after_one",
         ab_backup_down_after_m_plus_two_ticks_up_after_one},
        {"ab_primary_takes_over_when_it_hears_again", ab_primary_takes_over_when_it_hears_again},
        {"ab_silent_target_validate_none_fails_over_for_ever",
         ab_silent_target_validate_none_fails_over_for_ever},
        {"ab_silent_target_validate_all_loses_carrier",
         ab_silent_target_validate_all_loses_carrier},
        {"arp_all_targets_all_needs_every_target", arp_all_targets_all_needs_every_target},
        {"lb_silent_target_goes_unnoticed", lb_silent_target_goes_unnoticed},
        {"lb_slave_down_m_plus_one_ticks_up_tick_after_answers",
         lb_slave_down_m_plus_one_ticks_up_tick_after_answers},
        {"rr_down_slave_is_backup_but_receives", rr_down_slave_is_backup_but_receives},
        {"validate_table_matches_the_reference", validate_table_matches_the_reference},
        {"validation_rules", validation_rules},
        {"ns_probe_is_a_solicitation_from_the_slave", ns_probe_is_a_solicitation_from_the_slave},
        {"ns_monitor_times_like_the_arp_monitor", ns_monitor_times_like_the_arp_monitor},
        {"ns_validation_rules", ns_validation_rules},
        CU_TEST_INFO_NULL,
    };
    return cu_run("arp_monitor", cases);
}
