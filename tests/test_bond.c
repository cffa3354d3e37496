/* test_bond.c - the bonding core, balance-rr, active-backup and the MII
 * monitor (sim/bond/bond.c, mode_rr.c, mode_ab.c, monitor_mii.c) against
 * ../shared/reference/linux-bonding.md sections 1, 4, 5, 6.1 and 12.
 *
 * Each case builds a tiny topology by hand: a "server" host with a bond over
 * eth0..ethN-1, cabled either to a switch with a "client" behind it (for UDP
 * flows and flooding) or to a "peer" host whose NICs only record what
 * arrives. Times are exact: miimon=100 at HZ=250 ticks every 104 ms from the
 * moment the bond opens (0), so every event is asserted at its tick.
 */
#include "bond/bond.h"

#include "cu_run.h"
#include "testlib.h"

#include <string.h>

#include "host.h"
#include "sim.h"
#include "switch.h"
#include "traffic/flow.h"
#include "util/bytes.h"
#include "util/units.h"

#define TICK_PS (104 * PS_PER_MS) /* miimon=100 at HZ=250 */
/* 98-byte UDP frames (56-byte payload) at this wire rate: one every 100 us */
#define STREAM_RATE_BPS UINT64_C(9760000)
#define STREAM_INTERVAL_PS (100 * PS_PER_US)
#define MAX_SLAVES 3

static const uint8_t server_ip[4] = {10, 0, 0, 1};
static const uint8_t client_ip[4] = {10, 0, 0, 2};

/* ---- topology -------------------------------------------------------------- */

/* The first MII tick at or after t (ticks at k * 104 ms from 0). */
static uint64_t tick_at_or_after(uint64_t t)
{
    return (t + TICK_PS - 1) / TICK_PS * TICK_PS;
}

/* The LAN of testlib (server bond -> sw1 ports 1..n, client 10.0.0.2 on
 * port n+1), slave i with prio[i] (or 0). */
static gboolean lan_build(TlLan *lan, uint64_t end_ps, const char *opts, int n, const int32_t *prio)
{
    TlBond spec = {.opts = opts, .n_slaves = n, .prio = prio, .allow_unmodelled = true};
    return tl_lan_build(lan, "test_bond", end_ps, &spec);
}

/* UDP server -> client, one frame every 100 us from 0 to the end. */
static Flow *add_stream(TlLan *lan)
{
    Flow *fl = tl_add_udp(lan->sim, "stream", lan->bond->host, client_ip, STREAM_RATE_BPS, 40000, 0,
                          UINT64_MAX);
    CU_ASSERT_EQUAL(fl->interval_ps, STREAM_INTERVAL_PS);
    CU_ASSERT_EQUAL(fl->interval_rem, 0);
    return fl;
}

/* Server bond with each slave cabled to NIC p<i> of host "peer", which
 * records every arrival in `seen` (a GArray of TlSeenArp, owned by the caller). */
static Bond *peer_build(Sim *sim, const char *opts, int n, GArray *seen)
{
    Bond *b =
        tl_add_bond(sim, (&(const TlBond){.opts = opts, .n_slaves = n, .allow_unmodelled = true}));
    if (b)
        tl_add_peer(sim, b, 3, tl_record_arp_rx, seen, NULL);
    return b;
}

/* ---- probes and the event log --------------------------------------------- */

/* The bond's state at a moment of the run. */
typedef struct {
    Bond *bond;
    int active; /* slave index, -1: none */
    SlaveLink link[MAX_SLAVES];
    uint8_t bond_mac[6], iface_mac[6];
    uint8_t slave_mac[MAX_SLAVES][6];
} Probe;

static void probe_fire(Sim *sim, void *obj, void *arg)
{
    Probe *p = obj;
    Bond *b = p->bond;
    p->active = b->curr_active ? b->curr_active->index : -1;
    memcpy(p->bond_mac, b->mac, 6);
    memcpy(p->iface_mac, b->iface->mac, 6);
    for (int i = 0; i < b->n_slaves && i < MAX_SLAVES; i++) {
        p->link[i] = b->slaves[i].link;
        memcpy(p->slave_mac[i], b->slaves[i].nic->mac, 6);
    }
}

static void probe_at(Sim *sim, Probe *p, Bond *b, uint64_t at_ps)
{
    memset(p, 0, sizeof(*p));
    p->bond = b;
    p->active = -2; /* never fired */
    engine_schedule(&sim->eng, at_ps, probe_fire, p, NULL);
}

static gboolean names_slave(const SimEvent *ev, const char *slave)
{
    return !slave || g_strcmp0(ev->from, slave) == 0 || g_strcmp0(ev->to, slave) == 0;
}

/* Time of the first event of `kind` at or after `from_ps` naming `slave` (as
 * from or to; NULL: any), or UINT64_MAX. */
static uint64_t event_time(const Sim *sim, SimEventKind kind, uint64_t from_ps, const char *slave)
{
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->kind == kind && ev->time_ps >= from_ps && names_slave(ev, slave))
            return ev->time_ps;
    }
    return UINT64_MAX;
}

static int count_events(const Sim *sim, SimEventKind kind, uint64_t from_ps, uint64_t to_ps,
                        const char *slave)
{
    int n = 0;
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->kind == kind && ev->time_ps >= from_ps && ev->time_ps < to_ps &&
            names_slave(ev, slave))
            n++;
    }
    return n;
}

/* The failover at or after `from_ps`: its time, and from/to slave names. */
static uint64_t failover_time(const Sim *sim, uint64_t from_ps, const char *from, const char *to)
{
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->kind == SIM_EV_FAILOVER && ev->time_ps >= from_ps &&
            g_strcmp0(ev->from, from) == 0 && g_strcmp0(ev->to, to) == 0)
            return ev->time_ps;
    }
    return UINT64_MAX;
}

/* ---- monitor tick ------------------------------------------------------- */

static void monitor_tick_is_delay_plus_one_jiffy_or_wheel_granularity(void)
{
    /* d < 63 jiffies: d + 1 (Conventions) */
    TL_U64_IS(bond_monitor_tick_ps(100, 250), 104 * PS_PER_MS, "100 ms at HZ=250: 26 jiffies");
    TL_U64_IS(bond_monitor_tick_ps(50, 250), 56 * PS_PER_MS, "50 ms at HZ=250: 13+1 jiffies");
    TL_U64_IS(bond_monitor_tick_ps(10, 100), 20 * PS_PER_MS, "10 ms at HZ=100: 1+1 jiffies");
    /* 100 ms at HZ=300: 30+1 jiffies = 103.333... ms, to the nearest ps */
    TL_U64_IS(bond_monitor_tick_ps(100, 300), UINT64_C(103333333333), "100 ms at HZ=300");
    /* d >= 63: level-1 granularity, 8 jiffies */
    TL_U64_IS(bond_monitor_tick_ps(100, 1000), 104 * PS_PER_MS, "100 ms at HZ=1000: 104 jiffies");
    TL_U64_IS(bond_monitor_tick_ps(1000, 250), 1024 * PS_PER_MS, "1000 ms at HZ=250: 256 jiffies");
}

/* ---- balance-rr (section 4) ------------------------------------------- */

/* A 60-byte frame to an unknown unicast MAC. */
static Frame *test_frame(Sim *sim, const Bond *b)
{
    static const uint8_t dst[6] = {0x02, 0x00, 0x00, 0x09, 0x09, 0x09};
    Frame *f = frame_alloc(&sim->pool);
    memcpy(f->data, dst, 6);
    memcpy(f->data + 6, b->mac, 6);
    put_be16(f->data + 12, 0x88b5);
    memset(f->data + ETH_HLEN, 0, ETH_ZLEN - ETH_HLEN);
    f->len = ETH_ZLEN;
    return f;
}

/* Sends one frame through the bond; the index of the slave that took it, or
 * -1 when the bond dropped it. */
static int xmit_one(Sim *sim, Bond *b)
{
    uint64_t before[BOND_MAX_SLAVES];
    for (int i = 0; i < b->n_slaves; i++)
        before[i] = b->slaves[i].tx_frames;
    bond_xmit(sim, b, test_frame(sim, b));
    for (int i = 0; i < b->n_slaves; i++)
        if (b->slaves[i].tx_frames != before[i])
            return i;
    return -1;
}

static void rr_first_packet_leaves_on_second_slave(void)
{
    Sim *sim = tl_sim("test_bond", PS_PER_S);
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
    Bond *b = peer_build(sim, "mode=balance-rr miimon=100", 2, seen);
    if (b) {
        bond_open(sim, b);
        int got[6];
        for (int i = 0; i < 6; i++)
            got[i] = xmit_one(sim, b);
        static const int want[] = {1, 0, 1, 0, 1, 0};
        TL_INTS_EQUAL(got, 6, want, "slaves of packets 1..6 (id = ++counter)");
    }
    sim_free(sim);
}

static void rr_packets_per_slave_divides_the_counter(void)
{
    Sim *sim = tl_sim("test_bond", PS_PER_S);
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
    Bond *b = peer_build(sim, "mode=balance-rr miimon=100 packets_per_slave=3", 3, seen);
    if (b) {
        bond_open(sim, b);
        int got[13];
        for (int i = 0; i < 13; i++)
            got[i] = xmit_one(sim, b);
        /* id = counter / 3 over counters 1..13: 0 0 1 1 1 2 2 2 3 3 3 4 4,
         * slave = id % 3 */
        static const int want[] = {0, 0, 1, 1, 1, 2, 2, 2, 0, 0, 0, 1, 1};
        TL_INTS_EQUAL(got, 13, want, "slaves of packets 1..13, packets_per_slave=3");
    }
    sim_free(sim);
}

/* Slave `down` has no cable from the start: it is DOWN and skipped, so the
 * slave after it also takes the packets whose start position it was. */
static void rr_slave_after_a_down_one_carries_double_share(void)
{
    for (int down = 0; down < 3; down++) {
        Sim *sim = tl_sim("test_bond", PS_PER_S);
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
        Bond *b = peer_build(sim, "mode=balance-rr miimon=100", 3, seen);
        if (b) {
            link_set_up(sim, b->slaves[down].nic->link, false);
            bond_open(sim, b);
            CU_ASSERT_EQUAL(b->slaves[down].link, SLAVE_LINK_DOWN);
            int got[3] = {0, 0, 0};
            for (int i = 0; i < 300; i++) {
                int s = xmit_one(sim, b);
                CU_ASSERT_TRUE(s >= 0);
                if (s >= 0)
                    got[s]++;
            }
            int want[3];
            want[down] = 0;
            want[(down + 1) % 3] = 200;
            want[(down + 2) % 3] = 100;
            g_autofree char *what = g_strdup_printf("frames per slave over 300, eth%d down", down);
            tl_ints_equal(got, 3, want, 3, __LINE__, what);
        }
        sim_free(sim);
    }
}

typedef struct {
    Bond *bond;
    int slave[6];
    SlaveLink link_eth1;
} RrBurst;

static void rr_burst_fire(Sim *sim, void *obj, void *arg)
{
    RrBurst *r = obj;
    r->link_eth1 = r->bond->slaves[1].link;
    for (int i = 0; i < 6; i++)
        r->slave[i] = xmit_one(sim, r->bond);
}

/* can_tx reads live carrier (1.1, 1.3): eth1 is skipped from its carrier
 * loss at 1.05 s, before the tick at 1.144 s commits it DOWN. */
static void rr_skips_slave_at_carrier_loss_before_any_tick(void)
{
    Sim *sim = tl_sim("test_bond", tl_ms(1500));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
    Bond *b = peer_build(sim, "mode=balance-rr miimon=100", 2, seen);
    if (b) {
        tl_add_fault(sim, tl_ms(1050), SIM_FAULT_LINK_DOWN, b->slaves[1].nic);
        RrBurst r = {.bond = b};
        engine_schedule(&sim->eng, tl_ms(1060), rr_burst_fire, &r, NULL);
        sim_run(sim, false);
        static const int want[] = {0, 0, 0, 0, 0, 0};
        TL_INTS_EQUAL(r.slave, 6, want, "slaves of 6 packets 10 ms after eth1 lost carrier");
        CU_ASSERT_EQUAL(r.link_eth1, SLAVE_LINK_UP); /* not yet seen by the monitor */
        CU_ASSERT_EQUAL(b->drops[BOND_DROP_SLAVE_TX], 0);
        CU_ASSERT_EQUAL(b->drops[BOND_DROP_NO_SLAVE], 0);
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_DOWN, 0, "eth1"), tl_ms(1144),
                  "eth1 DOWN at tick 11");
    }
    sim_free(sim);
}

/* ---- active-backup failover (5.5, 6.1) ------------------------------------ */

/* Carrier lost at t: DOWN and failover at the first tick >= t; the stream's
 * gap is that detection time plus at most a frame interval and latencies. */
static void ab_failover_at_first_tick_after_carrier_loss(void)
{
    const double cuts_ms[] = {2000, 2050, 2103.9, 2080, 2080.001};
    for (gsize k = 0; k < G_N_ELEMENTS(cuts_ms); k++) {
        TlLan lan;
        uint64_t t = tl_ms(cuts_ms[k]);
        if (!lan_build(&lan, tl_ms(3000), "mode=active-backup miimon=100", 2, NULL)) {
            sim_free(lan.sim);
            return;
        }
        Sim *sim = lan.sim;
        Flow *fl = add_stream(&lan);
        tl_add_fault(sim, t, SIM_FAULT_LINK_DOWN, lan.bond->slaves[0].nic);
        sim_run(sim, false);
        uint64_t tick = tick_at_or_after(t);
        uint64_t detect = tick - t;
        g_autofree char *what = g_strdup_printf("cut at %.4f ms", cuts_ms[k]);
        tl_check(detect <= TICK_PS, __LINE__, what);
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_DOWN, 0, "eth0"), tick, what);
        TL_U64_IS(failover_time(sim, 0, "eth0", "eth1"), tick, what);
        TL_U64_IS(event_time(sim, SIM_EV_PEER_NOTIFY, 0, "eth1"), tick, what);
        CU_ASSERT_EQUAL(count_events(sim, SIM_EV_FAILOVER, 0, UINT64_MAX, NULL), 1);
        CU_ASSERT_EQUAL(lan.bond->failovers, 1);
        const FaultGap *g = &sim->fault_gaps[0];
        CU_ASSERT_TRUE(g->measured && g->recovered);
        TL_U64_IN(g->gap_ps, detect, detect + PS_PER_MS, what);
        CU_ASSERT_TRUE(fl->last_rx_ps > tl_ms(2900));
    }
}

/* downdelay=200 (2 ticks): DOWN two ticks after the detecting tick; until
 * then the frames go to eth0 and are lost there (13.7). */
static void ab_downdelay_keeps_sending_to_dead_slave(void)
{
    TlLan lan;
    if (lan_build(&lan, tl_ms(3000), "mode=active-backup miimon=100 downdelay=200", 2, NULL)) {
        Sim *sim = lan.sim;
        add_stream(&lan);
        tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[0].nic);
        Probe during;
        probe_at(sim, &during, lan.bond, tl_ms(2200));
        sim_run(sim, false);
        uint64_t detect = tick_at_or_after(tl_ms(2000)); /* 2.080 s */
        uint64_t down = detect + 2 * TICK_PS;            /* 2.288 s */
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_DOWN, 0, "eth0"), down, "eth0 DOWN");
        TL_U64_IS(failover_time(sim, 0, "eth0", "eth1"), down, "failover to eth1");
        CU_ASSERT_EQUAL(during.active, 0);
        CU_ASSERT_EQUAL(during.link[0], SLAVE_LINK_FAIL);
        /* frames sent at 2.0000, 2.0001, ..., 2.2879 s */
        Nic *eth0 = lan.bond->slaves[0].nic;
        TL_U64_IS(eth0->c.drops[NIC_DROP_NO_CARRIER], (down - tl_ms(2000)) / STREAM_INTERVAL_PS,
                  "frames dropped on eth0 for lack of carrier");
        TL_U64_IS(lan.bond->drops[BOND_DROP_SLAVE_TX], (down - tl_ms(2000)) / STREAM_INTERVAL_PS,
                  "bond slave-tx drops");
        TL_U64_IN(sim->fault_gaps[0].gap_ps, down - tl_ms(2000), down - tl_ms(2000) + PS_PER_MS,
                  "gap = 288 ms");
    }
    sim_free(lan.sim);
}

/* updelay=200 (2 ticks): a returning primary is UP two ticks after the tick
 * that saw its carrier, then active again (primary_reselect=always). */
static void ab_updelay_holds_returning_primary_two_ticks(void)
{
    TlLan lan;
    if (lan_build(&lan, tl_ms(3000), "mode=active-backup miimon=100 updelay=200 primary=eth0", 2,
                  NULL)) {
        Sim *sim = lan.sim;
        add_stream(&lan);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[0].nic);
        tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_UP, lan.bond->slaves[0].nic);
        Probe back;
        probe_at(sim, &back, lan.bond, tl_ms(2200));
        sim_run(sim, false);
        TL_U64_IS(failover_time(sim, tl_ms(1000), "eth0", "eth1"), tl_ms(1040), "failover to eth1");
        uint64_t seen = tick_at_or_after(tl_ms(2000)); /* 2.080 s */
        uint64_t up = seen + 2 * TICK_PS;              /* 2.288 s */
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, tl_ms(1000), "eth0"), up, "eth0 UP");
        TL_U64_IS(failover_time(sim, tl_ms(1000), "eth1", "eth0"), up, "failback to eth0");
        CU_ASSERT_EQUAL(back.link[0], SLAVE_LINK_BACK);
        CU_ASSERT_EQUAL(back.active, 1);
        CU_ASSERT_EQUAL(lan.bond->curr_active, &lan.bond->slaves[0]);
    }
    sim_free(lan.sim);
}

/* 6.1 ignore_updelay: with no active slave the first returning slave is UP
 * at the tick that sees its carrier, whatever updelay. Chosen without bond
 * carrier, so with num_grat_arp=1 nothing is announced (5.3). */
static void ab_no_slave_up_uses_returning_slave_at_once(void)
{
    TlLan lan;
    if (lan_build(&lan, tl_ms(3000), "mode=active-backup miimon=100 updelay=1000", 2, NULL)) {
        Sim *sim = lan.sim;
        Flow *fl = add_stream(&lan);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[0].nic);
        tl_add_fault(sim, tl_ms(1500), SIM_FAULT_LINK_DOWN, lan.bond->slaves[1].nic);
        tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_UP, lan.bond->slaves[1].nic);
        sim_run(sim, false);
        TL_U64_IS(failover_time(sim, tl_ms(1000), "eth0", "eth1"), tl_ms(1040), "eth0 -> eth1");
        TL_U64_IS(failover_time(sim, tl_ms(1000), "eth1", "none"), tl_ms(1560), "eth1 -> none");
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, tl_ms(2000), "eth1"), tl_ms(2080), "eth1 UP");
        TL_U64_IS(failover_time(sim, tl_ms(1000), "none", "eth1"), tl_ms(2080), "none -> eth1");
        CU_ASSERT_EQUAL(count_events(sim, SIM_EV_PEER_NOTIFY, tl_ms(2000), UINT64_MAX, NULL), 0);
        CU_ASSERT_TRUE(lan.bond->carrier);
        CU_ASSERT_TRUE(sim->fault_gaps[2].recovered);
        TL_U64_IN(sim->fault_gaps[2].gap_ps, tl_ms(580), tl_ms(581), "gap from 1.5 s to 2.080 s");
        CU_ASSERT_TRUE(fl->last_rx_ps > tl_ms(2900));
    }
    sim_free(lan.sim);
}

/* Section 12 mode-1-recovery-updelay: eth0 down; 2 s later eth0 up and eth1
 * down together: eth0 (BACK) is taken at once, for every updelay. */
static void ab_recovery_updelay_selftest(void)
{
    const char *updelays[] = {"0", "200", "500", "1000", "2000", "5000", "10000"};
    for (gsize k = 0; k < G_N_ELEMENTS(updelays); k++) {
        TlLan lan;
        g_autofree char *opts =
            g_strdup_printf("mode=active-backup miimon=100 updelay=%s", updelays[k]);
        if (!lan_build(&lan, tl_ms(4000), opts, 2, NULL)) {
            sim_free(lan.sim);
            return;
        }
        Sim *sim = lan.sim;
        Flow *fl = add_stream(&lan);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[0].nic);
        tl_add_fault(sim, tl_ms(3000), SIM_FAULT_LINK_UP, lan.bond->slaves[0].nic);
        tl_add_fault(sim, tl_ms(3000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[1].nic);
        sim_run(sim, false);
        TL_U64_IS(failover_time(sim, tl_ms(2000), "eth1", "eth0"), tl_ms(3016), opts);
        CU_ASSERT_EQUAL(count_events(sim, SIM_EV_FAILOVER, tl_ms(2000), UINT64_MAX, NULL), 1);
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, tl_ms(2000), "eth0"), tl_ms(3016), opts);
        TL_U64_IN(sim->fault_gaps[2].gap_ps, tl_ms(16), tl_ms(17), opts);
        CU_ASSERT_TRUE(fl->last_rx_ps > tl_ms(3900));
    }
}

/* ---- primary, primary_reselect, prio (5.1; section 12 bond_options.sh) --- */

static void reprio_fire(Sim *sim, void *obj, void *arg)
{
    Bond *b = obj;
    b->slaves[0].prio = 1000000;
    b->slaves[1].prio = 0;
    b->slaves[2].prio = -50;
    bond_select_active(sim, b, "prio"); /* setting prio reselects (5.1) */
}

static void ab_primary_reselect_prio_matrix(void)
{
    static const int32_t prio[3] = {0, 10, 11};
    /* active at 0.5 s, then 0.5 s after each step:
     * 1.0 eth1 down, 2.0 eth2 down, 3.0 eth2 up, 4.0 eth1 up, 5.0 eth0 down,
     * 6.0 eth0 up, 6.4 prios := 1000000/0/-50, 7.0 eth1 down */
    static const int want[3][8] = {
        {1, 2, 0, 2, 1, 1, 1, 0}, /* always */
        {1, 2, 0, 0, 0, 1, 1, 0}, /* better: equal speeds keep the current */
        {1, 2, 0, 0, 0, 1, 1, 0}, /* failure: moves to eth1 once eth0 fails */
    };
    for (int r = 0; r < 3; r++) {
        TlLan lan;
        g_autofree char *opts =
            g_strdup_printf("mode=active-backup miimon=100 primary=eth1 primary_reselect=%d", r);
        if (!lan_build(&lan, tl_ms(8000), opts, 3, prio)) {
            sim_free(lan.sim);
            return;
        }
        Sim *sim = lan.sim;
        Nic *eth[3];
        for (int i = 0; i < 3; i++)
            eth[i] = lan.bond->slaves[i].nic;
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, eth[1]);
        tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_DOWN, eth[2]);
        tl_add_fault(sim, tl_ms(3000), SIM_FAULT_LINK_UP, eth[2]);
        tl_add_fault(sim, tl_ms(4000), SIM_FAULT_LINK_UP, eth[1]);
        tl_add_fault(sim, tl_ms(5000), SIM_FAULT_LINK_DOWN, eth[0]);
        tl_add_fault(sim, tl_ms(6000), SIM_FAULT_LINK_UP, eth[0]);
        tl_add_fault(sim, tl_ms(7000), SIM_FAULT_LINK_DOWN, eth[1]);
        engine_schedule(&sim->eng, tl_ms(6400), reprio_fire, lan.bond, NULL);
        Probe probes[8];
        for (int i = 0; i < 8; i++)
            probe_at(sim, &probes[i], lan.bond, tl_ms(500 + 1000 * i));
        sim_run(sim, false);
        int got[8];
        for (int i = 0; i < 8; i++)
            got[i] = probes[i].active;
        tl_ints_equal(got, 8, want[r], 8, __LINE__, opts);
    }
}

/* 5.1 step 3, primary_reselect=better: the speeds compared are the slaves'
 * link speeds (what ethtool reports after negotiation: the slower end of the
 * cable), not the NICs' nominal ones. eth0 (the primary) is cut at 1.0 s
 * (failover to eth1 at the 1.040 s tick) and returns at 2.0 s (UP at the
 * 2.080 s tick): with a 10G NIC on a 1G peer its speed equals eth1's 1G,
 * so eth1 is kept; with eth1 on a 100M NIC eth0 is faster and takes over. */
static void ab_reselect_better_compares_link_speeds(void)
{
    static const struct {
        uint64_t eth0_bps, eth1_bps;
        int want_active; /* at 2.5 s */
        int want_failovers;
    } cases[] = {
        {10 * UINT64_C(1000000000), UINT64_C(1000000000), 1, 1}, /* 1G == 1G: keep eth1 */
        {UINT64_C(1000000000), UINT64_C(100000000), 0, 2},       /* 1G > 100M: back to eth0 */
    };
    for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
        Sim *sim = tl_sim("test_bond", tl_ms(3000));
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
        Bond *b =
            tl_add_bond(sim, (&(const TlBond){.opts = "mode=active-backup miimon=100 primary=eth0 "
                                                      "primary_reselect=better",
                                              .n_slaves = 2}));
        if (b) {
            b->slaves[0].nic->speed_bps = cases[c].eth0_bps; /* before cabling */
            b->slaves[1].nic->speed_bps = cases[c].eth1_bps;
            tl_add_peer(sim, b, 3, tl_record_arp_rx, seen, NULL); /* 1G peer NICs */
            tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[0].nic);
            tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_UP, b->slaves[0].nic);
            Probe after;
            probe_at(sim, &after, b, tl_ms(2500));
            sim_run(sim, false);
            TL_U64_IS(failover_time(sim, 0, "eth0", "eth1"), tl_ms(1040), "eth0 -> eth1");
            TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, tl_ms(2000), "eth0"), tl_ms(2080),
                      "eth0 UP");
            CU_ASSERT_EQUAL(after.active, cases[c].want_active);
            CU_ASSERT_EQUAL(count_events(sim, SIM_EV_FAILOVER, tl_ms(500), UINT64_MAX, NULL),
                            cases[c].want_failovers);
        }
        sim_free(sim);
    }
}

/* ---- peer notifications (5.2, 5.3) ------------------------------------------ */

typedef struct {
    const char *opts; /* after "mode=active-backup miimon=100 " */
    bool legacy;
    int n;
    int ticks[12]; /* relative to the failover tick */
} NotifyCase;

static const NotifyCase notify_cases[] = {
    {"", false, 1, {0}},
    {"num_grat_arp=0", false, 0, {0}},
    {"num_grat_arp=2", false, 1, {0}},
    {"num_grat_arp=3", false, 2, {0, 1}},
    {"num_grat_arp=3 peer_notif_delay=300", false, 3, {0, 2, 5}},
    {"num_grat_arp=3 peer_notif_delay=200", false, 3, {0, 1, 3}},
    {"num_grat_arp=10 peer_notif_delay=1000", false, 10, {0, 9, 19, 29, 39, 49, 59, 69, 79, 89}},
    {"num_grat_arp=10 peer_notif_delay=1000", true, 10, {0, 10, 20, 30, 40, 50, 60, 70, 80, 90}},
    {"num_grat_arp=3", true, 3, {0, 1, 2}},
    {"num_grat_arp=3 peer_notif_delay=300", true, 3, {0, 3, 6}},
};

/* Tick offsets from t0 of the GARPs the peer of the new active received
 * (ARP request, sender IP = target IP = the bond's, source = bond MAC);
 * any other announcement fails the test. */
static int garp_ticks(const GArray *seen, const Bond *b, uint64_t t0, int port, int *ticks, int max)
{
    int n = 0;
    for (guint i = 0; i < seen->len; i++) {
        const TlSeenArp *s = &g_array_index(seen, TlSeenArp, i);
        if (s->type != ETH_P_ARP || s->time_ps < t0)
            continue;
        gboolean garp = s->arp_op == 1 && memcmp(s->spa, server_ip, 4) == 0 &&
                        memcmp(s->tpa, server_ip, 4) == 0;
        CU_ASSERT_TRUE(garp);
        CU_ASSERT_EQUAL(s->port, port);
        CU_ASSERT_TRUE(mac_equal(s->src, b->mac));
        CU_ASSERT_TRUE(mac_equal(s->sha, b->mac));
        uint64_t k = (s->time_ps - t0) / TICK_PS;
        CU_ASSERT_TRUE(s->time_ps - t0 - k * TICK_PS < PS_PER_MS);
        if (n < max)
            ticks[n] = (int)k;
        n++;
    }
    return n;
}

static int notify_event_ticks(const Sim *sim, uint64_t t0, const char *slave, int *ticks, int max)
{
    int n = 0;
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->kind != SIM_EV_PEER_NOTIFY || ev->time_ps < t0)
            continue;
        CU_ASSERT_STRING_EQUAL(ev->to, slave);
        CU_ASSERT_EQUAL((ev->time_ps - t0) % TICK_PS, 0);
        if (n < max)
            ticks[n] = (int)((ev->time_ps - t0) / TICK_PS);
        n++;
    }
    return n;
}

/* eth0 cut at 1.0 s, failover to eth1 at t0 = 1.040 s: the GARPs leave on
 * eth1 at the tick positions of 5.3, counted both in the event log and on
 * the wire. */
static void ab_peer_notify_ticks_follow_num_grat_arp_and_delay(void)
{
    for (gsize k = 0; k < G_N_ELEMENTS(notify_cases); k++) {
        const NotifyCase *c = &notify_cases[k];
        g_autofree char *opts = g_strdup_printf("mode=active-backup miimon=100 %s", c->opts);
        g_autofree char *what = g_strdup_printf("%s%s", opts, c->legacy ? " (legacy)" : "");
        Sim *sim = tl_sim("test_bond", tl_ms(12500));
        sim->legacy_peer_notify = c->legacy;
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
        Bond *b = peer_build(sim, opts, 2, seen);
        if (b) {
            tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[0].nic);
            sim_run(sim, false);
            uint64_t t0 = tl_ms(1040);
            TL_U64_IS(failover_time(sim, 0, "eth0", "eth1"), t0, what);
            CU_ASSERT_EQUAL(count_events(sim, SIM_EV_PEER_NOTIFY, 0, t0, NULL), 0);
            int ev[16], wire[16];
            int n_ev = notify_event_ticks(sim, t0, "eth1", ev, 16);
            int n_wire = garp_ticks(seen, b, t0, 1, wire, 16);
            tl_ints_equal(ev, MIN(n_ev, 16), c->ticks, c->n, __LINE__, what);
            tl_ints_equal(wire, MIN(n_wire, 16), c->ticks, c->n, __LINE__, what);
        }
        sim_free(sim);
    }
}

/* 5.3: an active chosen by the MII commit has no bond carrier yet: with
 * updelay at bring-up the first tick (t0 = 0) commits eth0 UP and announces
 * nothing; N-1 notifications follow at k*D' (legacy: N from the next tick). */
static void ab_bringup_with_updelay_announces_from_next_tick(void)
{
    for (int legacy = 0; legacy < 2; legacy++) {
        Sim *sim = tl_sim("test_bond", tl_ms(2000));
        sim->legacy_peer_notify = legacy;
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
        Bond *b =
            peer_build(sim, "mode=active-backup miimon=100 updelay=200 num_grat_arp=3", 2, seen);
        if (b) {
            sim_run(sim, false);
            TL_U64_IS(failover_time(sim, 0, "none", "eth0"), 0, "eth0 active at the first tick");
            TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, 0, "eth0"), 0, "eth0 UP at 0");
            TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, 0, "eth1"), 2 * TICK_PS, "eth1 UP");
            int ev[8], wire[8];
            int n_ev = notify_event_ticks(sim, 0, "eth0", ev, 8);
            int n_wire = garp_ticks(seen, b, 0, 0, wire, 8);
            static const int want_now[] = {1, 2};
            static const int want_legacy[] = {1, 2, 3};
            if (legacy) {
                TL_INTS_EQUAL(ev, MIN(n_ev, 8), want_legacy, "events, legacy");
                TL_INTS_EQUAL(wire, MIN(n_wire, 8), want_legacy, "GARPs, legacy");
            } else {
                TL_INTS_EQUAL(ev, MIN(n_ev, 8), want_now, "events");
                TL_INTS_EQUAL(wire, MIN(n_wire, 8), want_now, "GARPs");
            }
        }
        sim_free(sim);
    }
}

/* 6.1: the kernel stores every new link state of the tick before choosing
 * the active once: the active going DOWN in the tick the other slave comes
 * back UP (updelay 0) is one failover, with bond carrier, so one GARP. */
static void ab_active_down_and_backup_up_in_one_tick_fail_over_once(void)
{
    Sim *sim = tl_sim("test_bond", tl_ms(2000));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
    Bond *b = peer_build(sim, "mode=active-backup miimon=100", 2, seen);
    if (b) {
        tl_add_fault(sim, tl_ms(500), SIM_FAULT_LINK_DOWN, b->slaves[1].nic);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_UP, b->slaves[1].nic);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[0].nic);
        sim_run(sim, false);
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_DOWN, 0, "eth1"), tl_ms(520), "eth1 DOWN");
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_DOWN, 0, "eth0"), tl_ms(1040), "eth0 DOWN");
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, 0, "eth1"), tl_ms(1040), "eth1 UP");
        CU_ASSERT_EQUAL(count_events(sim, SIM_EV_FAILOVER, 0, UINT64_MAX, NULL), 1);
        TL_U64_IS(failover_time(sim, 0, "eth0", "eth1"), tl_ms(1040), "eth0 -> eth1");
        int ev[4], wire[4];
        int n_ev = notify_event_ticks(sim, tl_ms(1040), "eth1", ev, 4);
        int n_wire = garp_ticks(seen, b, tl_ms(1040), 1, wire, 4);
        static const int want[] = {0};
        TL_INTS_EQUAL(ev, MIN(n_ev, 4), want, "notifications");
        TL_INTS_EQUAL(wire, MIN(n_wire, 4), want, "GARPs");
    }
    sim_free(sim);
}

/* ---- fail_over_mac (1.5, 5.2) ---------------------------------------------- */

static const uint8_t eth0_mac[6] = {0x02, 0x00, 0x00, 0x01, 0x00, 0x01};
static const uint8_t eth1_mac[6] = {0x02, 0x00, 0x00, 0x01, 0x00, 0x02};

/* Runs eth0 cut at 1.0 s (failover to eth1 at 1.040 s), with probes before
 * and after and the first GARP's source; returns the Sim to free. */
static Sim *fom_run(const char *opts, Probe *before, Probe *after, uint8_t garp_src[6])
{
    Sim *sim = tl_sim("test_bond", tl_ms(2000));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
    Bond *b = peer_build(sim, opts, 2, seen);
    if (!b)
        return sim;
    tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[0].nic);
    probe_at(sim, before, b, tl_ms(500));
    probe_at(sim, after, b, tl_ms(1500));
    sim_run(sim, false);
    TL_U64_IS(failover_time(sim, 0, "eth0", "eth1"), tl_ms(1040), opts);
    for (guint i = 0; i < seen->len; i++) {
        const TlSeenArp *s = &g_array_index(seen, TlSeenArp, i);
        if (s->type == ETH_P_ARP && s->port == 1) {
            memcpy(garp_src, s->src, 6);
            break;
        }
    }
    return sim;
}

static void ab_fail_over_mac_active_bond_takes_new_active_mac(void)
{
    Probe before, after;
    uint8_t garp_src[6] = {0};
    Sim *sim =
        fom_run("mode=active-backup miimon=100 fail_over_mac=active", &before, &after, garp_src);
    CU_ASSERT_TRUE(mac_equal(before.bond_mac, eth0_mac));
    CU_ASSERT_TRUE(mac_equal(before.slave_mac[0], eth0_mac));
    CU_ASSERT_TRUE(mac_equal(before.slave_mac[1], eth1_mac));
    CU_ASSERT_TRUE(mac_equal(after.bond_mac, eth1_mac));
    CU_ASSERT_TRUE(mac_equal(after.iface_mac, eth1_mac));
    CU_ASSERT_TRUE(mac_equal(after.slave_mac[0], eth0_mac));
    CU_ASSERT_TRUE(mac_equal(after.slave_mac[1], eth1_mac));
    CU_ASSERT_TRUE(mac_equal(garp_src, eth1_mac));
    sim_free(sim);
}

static void ab_fail_over_mac_follow_swaps_old_and_new(void)
{
    Probe before, after;
    uint8_t garp_src[6] = {0};
    Sim *sim =
        fom_run("mode=active-backup miimon=100 fail_over_mac=follow", &before, &after, garp_src);
    CU_ASSERT_TRUE(mac_equal(before.bond_mac, eth0_mac));
    CU_ASSERT_TRUE(mac_equal(before.slave_mac[0], eth0_mac));
    CU_ASSERT_TRUE(mac_equal(before.slave_mac[1], eth1_mac));
    CU_ASSERT_TRUE(mac_equal(after.bond_mac, eth0_mac));
    CU_ASSERT_TRUE(mac_equal(after.iface_mac, eth0_mac));
    CU_ASSERT_TRUE(mac_equal(after.slave_mac[1], eth0_mac)); /* new active: bond MAC */
    CU_ASSERT_TRUE(mac_equal(after.slave_mac[0], eth1_mac)); /* old active: new's MAC */
    CU_ASSERT_TRUE(mac_equal(garp_src, eth0_mac));
    sim_free(sim);
}

/* The primary enslaved second becomes active at its enslave: the first slave
 * was active before it, so the two swap (1.5: list order). */
static void ab_fail_over_mac_follow_primary_enslaved_second_swaps(void)
{
    Sim *sim = tl_sim("test_bond", tl_ms(500));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
    Bond *b =
        peer_build(sim, "mode=active-backup miimon=100 fail_over_mac=follow primary=eth1", 2, seen);
    if (b) {
        Probe p;
        probe_at(sim, &p, b, tl_ms(100));
        sim_run(sim, false);
        CU_ASSERT_EQUAL(p.active, 1);
        CU_ASSERT_TRUE(mac_equal(p.bond_mac, eth0_mac));
        CU_ASSERT_TRUE(mac_equal(p.slave_mac[1], eth0_mac));
        CU_ASSERT_TRUE(mac_equal(p.slave_mac[0], eth1_mac));
    }
    sim_free(sim);
}

/* follow, every slave down, then one back: there is no old active, but the
 * slave that still holds the bond MAC (eth1, since the first failover) gives
 * it up in a swap (the kernel's bond_get_old_active), so that two slaves
 * never carry it. eth0 cut at 1.0 s (eth0 -> eth1 at 1.040 s, swap), eth1
 * cut at 1.2 s (no active from 1.248 s), eth0 back at 1.5 s (active at the
 * 1.560 s tick). */
static void ab_fail_over_mac_follow_no_old_active_swaps_with_the_holder(void)
{
    Sim *sim = tl_sim("test_bond", tl_ms(2000));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
    Bond *b = peer_build(sim, "mode=active-backup miimon=100 fail_over_mac=follow", 2, seen);
    if (b) {
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[0].nic);
        tl_add_fault(sim, tl_ms(1200), SIM_FAULT_LINK_DOWN, b->slaves[1].nic);
        tl_add_fault(sim, tl_ms(1500), SIM_FAULT_LINK_UP, b->slaves[0].nic);
        Probe swapped, none, back;
        probe_at(sim, &swapped, b, tl_ms(1100));
        probe_at(sim, &none, b, tl_ms(1300));
        probe_at(sim, &back, b, tl_ms(1700));
        sim_run(sim, false);
        CU_ASSERT_EQUAL(swapped.active, 1);
        CU_ASSERT_TRUE(mac_equal(swapped.slave_mac[1], eth0_mac));
        CU_ASSERT_TRUE(mac_equal(swapped.slave_mac[0], eth1_mac));
        CU_ASSERT_EQUAL(none.active, -1);
        CU_ASSERT_EQUAL(back.active, 0);
        CU_ASSERT_TRUE(mac_equal(back.bond_mac, eth0_mac));
        CU_ASSERT_TRUE(mac_equal(back.slave_mac[0], eth0_mac)); /* new active: bond MAC */
        CU_ASSERT_TRUE(mac_equal(back.slave_mac[1], eth1_mac)); /* the holder: new's MAC */
    }
    sim_free(sim);
}

static void ab_fail_over_mac_none_every_slave_has_bond_mac(void)
{
    Probe before, after;
    uint8_t garp_src[6] = {0};
    Sim *sim = fom_run("mode=active-backup miimon=100", &before, &after, garp_src);
    const Probe *ps[2] = {&before, &after};
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_TRUE(mac_equal(ps[i]->bond_mac, eth0_mac));
        CU_ASSERT_TRUE(mac_equal(ps[i]->iface_mac, eth0_mac));
        CU_ASSERT_TRUE(mac_equal(ps[i]->slave_mac[0], eth0_mac));
        CU_ASSERT_TRUE(mac_equal(ps[i]->slave_mac[1], eth0_mac));
    }
    CU_ASSERT_TRUE(mac_equal(garp_src, eth0_mac));
    sim_free(sim);
}

/* ---- receive filter (1.4, 5.4) -------------------------------------------- */

static void client_garp_fire(Sim *sim, void *obj, void *arg)
{
    host_send_garp(sim, obj, NULL);
}

/* The client's broadcast is flooded to both slaves: the backup's copy is
 * dropped, unless all_slaves_active=1 (then delivered twice). */
static void ab_backup_drops_flooded_broadcast_unless_all_slaves_active(void)
{
    for (int all = 0; all < 2; all++) {
        TlLan lan;
        g_autofree char *opts =
            g_strdup_printf("mode=active-backup miimon=100 all_slaves_active=%d", all);
        if (lan_build(&lan, tl_ms(1000), opts, 2, NULL)) {
            Sim *sim = lan.sim;
            engine_schedule(&sim->eng, tl_ms(500), client_garp_fire, lan.client_if, NULL);
            sim_run(sim, false);
            Bond *b = lan.bond;
            Host *server = b->host;
            CU_ASSERT_EQUAL(b->slaves[0].nic->c.rx_frames, 1);
            CU_ASSERT_EQUAL(b->slaves[1].nic->c.rx_frames, 1);
            CU_ASSERT_EQUAL(server->arp_rx, all ? 2 : 1);
            CU_ASSERT_EQUAL(b->slaves[1].rx_dropped_inactive, all ? 0 : 1);
            CU_ASSERT_EQUAL(b->drops[BOND_DROP_INACTIVE_RX], all ? 0 : 1);
            CU_ASSERT_EQUAL(b->slaves[1].inactive, !all);
            CU_ASSERT_TRUE(b->slaves[1].backup);
        }
        sim_free(lan.sim);
    }
}

/* ---- no monitor (13.8) ---------------------------------------------------- */

static void ab_without_monitor_never_fails_over(void)
{
    TlLan lan;
    if (lan_build(&lan, tl_ms(3000), "mode=active-backup", 2, NULL)) {
        Sim *sim = lan.sim;
        Flow *fl = add_stream(&lan);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[0].nic);
        sim_run(sim, false);
        Bond *b = lan.bond;
        CU_ASSERT_EQUAL(count_events(sim, SIM_EV_SLAVE_DOWN, 0, UINT64_MAX, NULL), 0);
        CU_ASSERT_EQUAL(count_events(sim, SIM_EV_FAILOVER, 0, UINT64_MAX, NULL), 0);
        CU_ASSERT_EQUAL(b->curr_active, &b->slaves[0]);
        CU_ASSERT_EQUAL(b->slaves[0].link, SLAVE_LINK_UP);
        CU_ASSERT_TRUE(b->carrier);
        CU_ASSERT_TRUE(fl->last_rx_ps < tl_ms(1000));
        CU_ASSERT_FALSE(sim->fault_gaps[0].recovered);
        /* every frame from 1.0000 to 3.0000 s (the end, inclusive) lost on eth0 */
        TL_U64_IS(b->slaves[0].nic->c.drops[NIC_DROP_NO_CARRIER], 20001, "frames lost on eth0");
        CU_ASSERT_EQUAL(b->slaves[1].nic->c.tx_frames, 0);
    }
    sim_free(lan.sim);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"monitor_tick_is_delay_plus_one_jiffy_or_wheel_granularity",
         monitor_tick_is_delay_plus_one_jiffy_or_wheel_granularity},
        {"rr_first_packet_leaves_on_second_slave", rr_first_packet_leaves_on_second_slave},
        {"rr_packets_per_slave_divides_the_counter", rr_packets_per_slave_divides_the_counter},
        {"rr_slave_after_a_down_one_carries_double_share",
         rr_slave_after_a_down_one_carries_double_share},
        {"rr_skips_slave_at_carrier_loss_before_any_tick",
         rr_skips_slave_at_carrier_loss_before_any_tick},
        {"ab_failover_at_first_tick_after_carrier_loss",
         ab_failover_at_first_tick_after_carrier_loss},
        {"ab_downdelay_keeps_sending_to_dead_slave", ab_downdelay_keeps_sending_to_dead_slave},
        {"ab_updelay_holds_returning_primary_two_ticks",
         ab_updelay_holds_returning_primary_two_ticks},
        {"ab_no_slave_up_uses_returning_slave_at_once",
         ab_no_slave_up_uses_returning_slave_at_once},
        {"ab_recovery_updelay_selftest", ab_recovery_updelay_selftest},
        {"ab_primary_reselect_prio_matrix", ab_primary_reselect_prio_matrix},
        {"ab_reselect_better_compares_link_speeds", ab_reselect_better_compares_link_speeds},
        {"ab_peer_notify_ticks_follow_num_grat_arp_and_delay",
         ab_peer_notify_ticks_follow_num_grat_arp_and_delay},
        {"ab_bringup_with_updelay_announces_from_next_tick",
         ab_bringup_with_updelay_announces_from_next_tick},
        {"ab_active_down_and_backup_up_in_one_tick_fail_over_once",
         ab_active_down_and_backup_up_in_one_tick_fail_over_once},
        {"ab_fail_over_mac_active_bond_takes_new_active_mac",
         ab_fail_over_mac_active_bond_takes_new_active_mac},
        {"ab_fail_over_mac_follow_swaps_old_and_new", ab_fail_over_mac_follow_swaps_old_and_new},
        {"ab_fail_over_mac_follow_primary_enslaved_second_swaps",
         ab_fail_over_mac_follow_primary_enslaved_second_swaps},
        {"ab_fail_over_mac_follow_no_old_active_swaps_with_the_holder",
         ab_fail_over_mac_follow_no_old_active_swaps_with_the_holder},
        {"ab_fail_over_mac_none_every_slave_has_bond_mac",
         ab_fail_over_mac_none_every_slave_has_bond_mac},
        {"ab_backup_drops_flooded_broadcast_unless_all_slaves_active",
         ab_backup_drops_flooded_broadcast_unless_all_slaves_active},
        {"ab_without_monitor_never_fails_over", ab_without_monitor_never_fails_over},
        CU_TEST_INFO_NULL,
    };
    return cu_run("bond", cases);
}
