/* test_tlb_alb.c - balance-tlb and balance-alb (sim/bond/mode_tlb.c,
 * mode_alb.c) against ../shared/reference/linux-bonding.md sections 1.4,
 * 1.5, 8, 9 and 13.11.
 *
 * Two topologies built by hand. "Peer": each slave of the server's bond is
 * cabled to its own NIC of a recording host, which keeps every frame that
 * arrives (time, port, Ethernet and ARP fields) and can inject frames, so a
 * test can play any number of synthetic clients. "Lan": the bond's slaves on
 * a switch with real client hosts behind it, whose ARP caches show what the
 * bond taught them. Times are exact: with miimon=100 at HZ=250 the MII and
 * the TLB/ALB ticks both run every 104 ms from 0 (the TLB/ALB tick first).
 */
#include "bond/tlb.h"

#include "cu_run.h"
#include "testlib.h"

#include <string.h>

#include "bond/hash.h"
#include "host.h"
#include "sim.h"
#include "switch.h"
#include "traffic/flow.h"
#include "util/bytes.h"
#include "util/units.h"

#define TICK_PS (104 * PS_PER_MS) /* 100 ms at HZ=250: 26 jiffies */
#define MAX_SEEN_ARP 64

static const uint8_t server_ip[4] = {10, 0, 0, 1};
static const uint8_t eth0_mac[6] = {0x02, 0x00, 0x00, 0x01, 0x00, 0x01}; /* = bond MAC */
static const uint8_t eth1_mac[6] = {0x02, 0x00, 0x00, 0x01, 0x00, 0x02};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/* Synthetic clients of the peer topology: MAC 02:00:00:0a:00:<n>,
 * address 10.0.0.<n>. */
typedef struct {
    uint8_t mac[6];
    uint8_t ip[4];
} Client;

static Client client(uint8_t n)
{
    Client c = {{0x02, 0x00, 0x00, 0x0a, 0x00, n}, {10, 0, 0, n}};
    return c;
}

/* ---- assertions ---------------------------------------------------------- */

static void mac_is(const uint8_t *got, const uint8_t *want, int line, const char *what)
{
    char g[24] = "(none)", w[24];
    if (got)
        units_format_mac(got, g, sizeof(g));
    units_format_mac(want, w, sizeof(w));
    g_autofree char *text = g_strdup_printf("%s: got %s, want %s", what, g, w);
    tl_check(got && mac_equal(got, want), line, text);
}

#define MAC_IS(got, want, what) mac_is(got, want, __LINE__, what)

/* ---- topology ---------------------------------------------------------------- */

typedef struct {
    Sim *sim;
    Bond *bond;
    Nic *peer[BOND_MAX_SLAVES]; /* p<i>, cabled to eth<i> */
    GArray *seen;               /* TlSeenArp, every arrival at the peer */
} Peer;

static void peer_free(Peer *pr)
{
    sim_free(pr->sim);
    g_array_free(pr->seen, TRUE);
}

/* FALSE (options refused, the Peer freed) or the Peer, freed by peer_free. */
static gboolean peer_build(Peer *pr, uint64_t end_ps, const char *opts, int n)
{
    memset(pr, 0, sizeof(*pr));
    pr->sim = tl_sim("test_tlb_alb", end_ps);
    pr->seen = g_array_new(FALSE, TRUE, sizeof(TlSeenArp));
    pr->bond = tl_server_bond(pr->sim, opts, n);
    if (!pr->bond) {
        peer_free(pr);
        return FALSE;
    }
    tl_add_peer(pr->sim, pr->bond, 3, tl_record_arp_rx, pr->seen, pr->peer);
    return TRUE;
}

/* ---- frames ------------------------------------------------------------------- */

/* A frame to inject at a time: through the bond (bond set) or from a NIC. */
typedef struct {
    Bond *bond;
    Nic *nic;
    uint8_t data[1514];
    uint32_t len;
} Inject;

static void inject_fire(Sim *sim, void *obj, void *arg)
{
    const Inject *in = obj;
    Frame *f = frame_alloc(&sim->pool);
    memcpy(f->data, in->data, in->len);
    f->len = in->len;
    if (in->bond)
        bond_xmit(sim, in->bond, f);
    else
        nic_xmit(sim, in->nic, f);
}

/* An IPv4 frame of `len` bytes (UDP, zero payload, or ICMP echo request). */
static void ipv4_frame(Inject *in, const uint8_t dst_mac[6], const uint8_t src_mac[6],
                       const uint8_t src_ip[4], const uint8_t dst_ip[4], uint8_t proto,
                       uint32_t len)
{
    tl_eth_header(in->data, len, dst_mac, src_mac, ETH_P_IP);
    ipv4_write_header(in->data + ETH_HLEN, (uint16_t)(len - ETH_HLEN), 1, proto, src_ip, dst_ip);
    if (proto == 1)
        in->data[ETH_HLEN + 20] = 8; /* echo request */
    in->len = len;
}

/* A broadcast ARP request from client `c` for `tpa`. */
static void arp_request(Inject *in, const Client *c, const uint8_t tpa[4])
{
    in->len = tl_arp_request(in->data, c->mac, c->ip, tpa);
}

static void inject_at(Sim *sim, Inject *in, uint64_t at_ps)
{
    engine_schedule(&sim->eng, at_ps, inject_fire, in, NULL);
}

/* ---- probes ----------------------------------------------------------------- */

/* The bond's TLB/ALB state and slave MACs at a moment of the run. */
typedef struct {
    Bond *bond;
    bool fired;
    BondLb lb;
    int active;
    uint8_t slave_mac[BOND_MAX_SLAVES][6];
} Probe;

static void probe_fire(Sim *sim, void *obj, void *arg)
{
    Probe *p = obj;
    p->fired = true;
    p->lb = *bond_lb(p->bond);
    p->active = p->bond->curr_active ? p->bond->curr_active->index : -1;
    for (int i = 0; i < p->bond->n_slaves; i++)
        memcpy(p->slave_mac[i], p->bond->slaves[i].nic->mac, 6);
}

static Probe *probe_at(Sim *sim, Bond *b, uint64_t at_ps)
{
    Probe *p = g_new0(Probe, 1);
    p->bond = b;
    engine_schedule(&sim->eng, at_ps, probe_fire, p, NULL);
    return p;
}

/* The slave index of transmit-table entry `idx` in a probe, -1: none. */
static int probe_entry_slave(const Probe *p, uint32_t idx)
{
    const Slave *s = p->lb.tx[idx].slave;
    return s ? s->index : -1;
}

/* The slave index of the client with address `ip`, -1: none. */
static int client_slave(const BondLb *lb, const uint8_t ip[4])
{
    uint8_t h = ip[0] ^ ip[1] ^ ip[2] ^ ip[3];
    const RlbClient *e = &lb->rx[h];
    if (!e->assigned || memcmp(e->client_ip, ip, 4) != 0 || !e->slave)
        return -1;
    return e->slave->index;
}

/* ARP replies seen at the peers for `c` (the bond's updates and answers),
 * in arrival order, from `from_ps`. */
static int arp_replies_to(const GArray *seen, const Client *c, uint64_t from_ps, TlSeenArp *out,
                          int max)
{
    int n = 0;
    for (guint i = 0; i < seen->len; i++) {
        const TlSeenArp *s = &g_array_index(seen, TlSeenArp, i);
        if (s->type != ETH_P_ARP || s->arp_op != 2 || s->time_ps < from_ps ||
            memcmp(s->tpa, c->ip, 4) != 0)
            continue;
        if (n < max)
            out[n] = *s;
        n++;
    }
    return n;
}

/* Which tick (k * 104 ms) a frame sent at a tick reached the peer in. */
static int tick_of(uint64_t t_ps)
{
    return (int)(t_ps / TICK_PS);
}

/* ---- balance-tlb (section 8) ----------------------------------------------- */

/* Destinations A (heavy) and B (light) with layer2 hashing: table entries
 * (dst[5] ^ src[5] ^ 0x0800) & 0xff. In the first interval every entry
 * carries load_history 0, so both land on eth0 (equal gaps, first in list).
 * The rebalance at tick 100 (10.4 s) keeps 1 + bytes/10 per entry; at 11 s
 * B sends first and takes eth0 (gaps equal again), A then finds eth0 loaded
 * and goes to eth1, sourced from eth1's own MAC. After the rebalance at
 * 20.8 s A sends first: both slaves unloaded, so A is back on eth0 and B
 * moves to eth1: a destination can move at every rebalance. */
static void tlb_assigns_destinations_by_load_and_rebalances_every_10_s(void)
{
    Peer pr;
    if (!peer_build(&pr, tl_ms(22000), "mode=balance-tlb miimon=100", 2))
        return;
    Sim *sim = pr.sim;
    Bond *b = pr.bond;
    const Client a = client(10), bb = client(11);
    const uint32_t idx_a = (a.mac[5] ^ eth0_mac[5] ^ 0x0800) & 0xff;  /* 0x0b */
    const uint32_t idx_b = (bb.mac[5] ^ eth0_mac[5] ^ 0x0800) & 0xff; /* 0x0a */
    Inject *to_a = g_new0(Inject, 1), *to_b = g_new0(Inject, 1);
    ipv4_frame(to_a, a.mac, b->mac, server_ip, a.ip, 17, 1000);
    ipv4_frame(to_b, bb.mac, b->mac, server_ip, bb.ip, 17, 100);
    to_a->bond = to_b->bond = b;
    for (int i = 0; i < 50; i++)
        inject_at(sim, to_a, tl_ms(1000));
    for (int i = 0; i < 5; i++)
        inject_at(sim, to_b, tl_ms(1000));
    inject_at(sim, to_b, tl_ms(11000));
    inject_at(sim, to_a, tl_ms(11000));
    inject_at(sim, to_a, tl_ms(21000));
    inject_at(sim, to_b, tl_ms(21000));
    Probe *p1 = probe_at(sim, b, tl_ms(5000));
    Probe *pre = probe_at(sim, b, tl_ms(10500));
    Probe *p2 = probe_at(sim, b, tl_ms(11500));
    Probe *p3 = probe_at(sim, b, tl_ms(21500));
    sim_run(sim, false);

    CU_ASSERT_EQUAL(probe_entry_slave(p1, idx_a), 0);
    CU_ASSERT_EQUAL(probe_entry_slave(p1, idx_b), 0);
    TL_U64_IS(p1->lb.slave[0].load, 0, "eth0 load in the first interval");
    TL_U64_IS(p1->lb.tx[idx_a].tx_bytes, 50000, "A's bytes");
    TL_U64_IS(p1->lb.tx[idx_b].tx_bytes, 500, "B's bytes");
    /* rebalanced at tick 100 */
    CU_ASSERT_EQUAL(probe_entry_slave(pre, idx_a), -1);
    TL_U64_IS(pre->lb.tx[idx_a].load_history, 5001, "A: 1 + 50000/10");
    TL_U64_IS(pre->lb.tx[idx_b].load_history, 51, "B: 1 + 500/10");
    TL_U64_IS(pre->lb.rebalances, 2, "rebalances at ticks 0 and 100");
    /* second interval: B on eth0, A on eth1 */
    CU_ASSERT_EQUAL(probe_entry_slave(p2, idx_b), 0);
    CU_ASSERT_EQUAL(probe_entry_slave(p2, idx_a), 1);
    TL_U64_IS(p2->lb.slave[0].load, 51, "eth0 load = B's history");
    TL_U64_IS(p2->lb.slave[1].load, 5001, "eth1 load = A's history");
    /* third interval: A first takes eth0, B goes to eth1 */
    CU_ASSERT_EQUAL(probe_entry_slave(p3, idx_a), 0);
    CU_ASSERT_EQUAL(probe_entry_slave(p3, idx_b), 1);
    TL_U64_IS(p3->lb.tx[idx_a].load_history, 101, "A: 1 + 1000/10");
    TL_U64_IS(p3->lb.slave[1].load, 11, "eth1 load = B's history 1 + 100/10");
    TL_U64_IS(bond_lb(b)->rebalances, 3, "rebalances at ticks 0, 100, 200");
    /* on the wire: eth1 sources from its own MAC, eth0 from the bond MAC */
    int a_on[2] = {0, 0}, lp = 0;
    for (guint i = 0; i < pr.seen->len; i++) {
        const TlSeenArp *s = &g_array_index(pr.seen, TlSeenArp, i);
        if (s->type == 0x9000) {
            lp++;
            CU_ASSERT_TRUE(mac_equal(s->src, s->dst));
            MAC_IS(s->src, s->port ? eth1_mac : eth0_mac, "learning packet source");
            continue;
        }
        if (s->type != ETH_P_IP)
            continue;
        MAC_IS(s->src, s->port ? eth1_mac : eth0_mac, "source MAC of a balanced frame");
        if (mac_equal(s->dst, a.mac))
            a_on[s->port]++;
    }
    CU_ASSERT_EQUAL(a_on[0], 51);
    CU_ASSERT_EQUAL(a_on[1], 1);
    /* learning packets every 10 ticks on each slave, plus two from eth0 at
     * open (the first active "swaps" with itself: both its learning calls) */
    CU_ASSERT_EQUAL(lp, 2 * (int)(tl_ms(22000) / (10 * TICK_PS)) + 2);
    CU_ASSERT_EQUAL(b->drops[BOND_DROP_NO_SLAVE], 0);
    g_free(p1);
    g_free(pre);
    g_free(p2);
    g_free(p3);
    g_free(to_a);
    g_free(to_b);
    peer_free(&pr);
}

/* tlb_dynamic_lb=0: IP unicast leaves on usable[xmit_hash % count], the rest
 * on the active; no table, no tick, so no periodic learning packets (8):
 * only the two of the first active's MAC "swap" at open. The destinations
 * sit behind one router MAC (with one MAC per address, layer2+3 would
 * cancel the MAC and address bytes out: every frame on eth0). */
static void tlb_dynamic_lb_0_uses_the_hash(void)
{
    Peer pr;
    if (!peer_build(&pr, tl_ms(3000),
                    "mode=balance-tlb miimon=100 tlb_dynamic_lb=0 "
                    "xmit_hash_policy=layer2+3",
                    2))
        return;
    Sim *sim = pr.sim;
    Bond *b = pr.bond;
    enum { N = 8 };
    Inject *in = g_new0(Inject, N + 2);
    int want[N + 2];
    for (int i = 0; i < N; i++) {
        Client c = client((uint8_t)(10 + i));
        c.mac[5] = 0xfe;
        ipv4_frame(&in[i], c.mac, b->mac, server_ip, c.ip, 17, 200);
        uint32_t h = bond_xmit_hash(BOND_HASH_LAYER23, in[i].data, in[i].len, false, 0);
        want[i] = (int)(h % 2);
        in[i].bond = b;
        inject_at(sim, &in[i], tl_ms(1000) + (uint64_t)i * PS_PER_MS);
    }
    /* broadcast IP and a non-IP frame: the active */
    Client c = client(30);
    ipv4_frame(&in[N], bcast, b->mac, server_ip, c.ip, 17, 200);
    want[N] = 0;
    ipv4_frame(&in[N + 1], c.mac, b->mac, server_ip, c.ip, 17, 200);
    put_be16(in[N + 1].data + 12, 0x88b5);
    want[N + 1] = 0;
    in[N].bond = in[N + 1].bond = b;
    inject_at(sim, &in[N], tl_ms(1100));
    inject_at(sim, &in[N + 1], tl_ms(1200));
    sim_run(sim, false);

    int got[N + 2], ones = 0, lp = 0, lp_open = 0;
    for (int i = 0; i < N + 2; i++)
        got[i] = -1;
    for (guint i = 0; i < pr.seen->len; i++) {
        const TlSeenArp *s = &g_array_index(pr.seen, TlSeenArp, i);
        lp += s->type == 0x9000;
        lp_open += s->type == 0x9000 && s->time_ps < PS_PER_MS && s->port == 0;
        if (s->time_ps < tl_ms(1000))
            continue;
        int k = s->time_ps < tl_ms(1100) ? (int)((s->time_ps - tl_ms(1000)) / PS_PER_MS)
                                         : (s->time_ps < tl_ms(1200) ? N : N + 1);
        if (k >= 0 && k < N + 2)
            got[k] = s->port;
        if (s->type == ETH_P_IP && s->port == 1)
            MAC_IS(s->src, eth1_mac, "eth1 sources from its own MAC");
    }
    for (int i = 0; i < N + 2; i++) {
        g_autofree char *what = g_strdup_printf("frame %d: slave %d, want %d", i, got[i], want[i]);
        tl_check(got[i] == want[i], __LINE__, what);
        ones += i < N && want[i] == 1;
    }
    tl_check(ones > 0 && ones < N, __LINE__, "the hash uses both slaves");
    CU_ASSERT_EQUAL(lp, 2);
    CU_ASSERT_EQUAL(lp_open, 2);
    CU_ASSERT_EQUAL(bond_lb(b)->ticks, 0);
    CU_ASSERT_EQUAL(bond_lb_slave_dests(b, &b->slaves[0]), 0);
    g_free(in);
    peer_free(&pr);
}

/* 1.4: only the active delivers; a frame for the bond MAC on eth1 is
 * filtered; one for eth1's own MAC does not even pass the NIC (a TLB slave's
 * receive filter is the bond MAC). */
static void tlb_receives_only_on_the_active(void)
{
    Peer pr;
    if (!peer_build(&pr, tl_ms(2000), "mode=balance-tlb miimon=100", 2))
        return;
    Sim *sim = pr.sim;
    Bond *b = pr.bond;
    Client c = client(9);
    Inject *in = g_new0(Inject, 3);
    ipv4_frame(&in[0], b->mac, c.mac, c.ip, server_ip, 1, 98);
    in[0].nic = pr.peer[1];
    ipv4_frame(&in[1], eth1_mac, c.mac, c.ip, server_ip, 1, 98);
    in[1].nic = pr.peer[1];
    in[2] = in[0];
    in[2].nic = pr.peer[0];
    inject_at(sim, &in[0], tl_ms(1000));
    inject_at(sim, &in[1], tl_ms(1100));
    inject_at(sim, &in[2], tl_ms(1200));
    sim_run(sim, false);
    CU_ASSERT_EQUAL(b->host->icmp_echo_rx, 1); /* eth0's copy only */
    CU_ASSERT_EQUAL(b->slaves[1].rx_dropped_inactive, 1);
    CU_ASSERT_EQUAL(b->drops[BOND_DROP_INACTIVE_RX], 1);
    CU_ASSERT_EQUAL(bond_lb(b)->slave[1].rx_filtered, 1);
    CU_ASSERT_TRUE(b->slaves[1].inactive);
    CU_ASSERT_FALSE(b->slaves[1].backup); /* TLB slaves all transmit */
    g_free(in);
    peer_free(&pr);
}

/* 8: at failover the new active takes the bond MAC by swapping with the old
 * one and sends a learning packet at once; no gratuitous ARP. */
static void tlb_failover_swaps_macs_new_active_carries_bond_mac(void)
{
    Peer pr;
    if (!peer_build(&pr, tl_ms(2000), "mode=balance-tlb miimon=100", 2))
        return;
    Sim *sim = pr.sim;
    Bond *b = pr.bond;
    tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[0].nic);
    Client c = client(10);
    Inject *in = g_new0(Inject, 1);
    ipv4_frame(in, c.mac, b->mac, server_ip, c.ip, 17, 200);
    in->bond = b;
    inject_at(sim, in, tl_ms(1500));
    Probe *before = probe_at(sim, b, tl_ms(500));
    Probe *after = probe_at(sim, b, tl_ms(1100));
    sim_run(sim, false);
    CU_ASSERT_EQUAL(before->active, 0);
    MAC_IS(before->slave_mac[0], eth0_mac, "eth0 before: the bond MAC");
    MAC_IS(before->slave_mac[1], eth1_mac, "eth1 before: its own");
    CU_ASSERT_EQUAL(after->active, 1);
    MAC_IS(after->slave_mac[1], b->mac, "new active eth1: the bond MAC");
    MAC_IS(after->slave_mac[0], eth1_mac, "old active eth0: eth1's MAC");
    MAC_IS(b->mac, eth0_mac, "bond MAC unchanged");
    TL_U64_IS(bond_lb(b)->mac_swaps, 1, "one MAC swap");
    uint64_t lp_at = UINT64_MAX;
    int arps = 0;
    for (guint i = 0; i < pr.seen->len; i++) {
        const TlSeenArp *s = &g_array_index(pr.seen, TlSeenArp, i);
        arps += s->type == ETH_P_ARP;
        if (s->type == 0x9000 && s->port == 1 && mac_equal(s->src, eth0_mac) && lp_at == UINT64_MAX)
            lp_at = s->time_ps;
        if (s->type == ETH_P_IP) {
            CU_ASSERT_EQUAL(s->port, 1);
            MAC_IS(s->src, eth0_mac, "frame after failover: bond MAC on eth1");
        }
    }
    TL_U64_IN(lp_at, tl_ms(1040), tl_ms(1041),
              "learning packet with the bond MAC on eth1 at the failover");
    CU_ASSERT_EQUAL(arps, 0);
    g_free(before);
    g_free(after);
    g_free(in);
    peer_free(&pr);
}

/* ---- balance-alb (section 9) ---------------------------------------------- */

/* Clients A, B, C ask for the server at 0.5, 0.6 and 0.7 s (on eth0). Each
 * new client gets the next slave: eth0, eth1, eth0; the reply leaves on it
 * with its MAC as ARP sender (and Ethernet source). A new client is flagged:
 * A's update pair goes at the next tick (5, 0.520 s), which starts the
 * 20-tick delay, so B's and C's pairs go 21 ticks later (tick 26, 2.704 s:
 * 2.184 s at HZ=250). */
static void alb_clients_get_slaves_round_robin_with_update_pairs(void)
{
    Peer pr;
    if (!peer_build(&pr, tl_ms(6000), "mode=balance-alb miimon=100", 2))
        return;
    Sim *sim = pr.sim;
    Bond *b = pr.bond;
    const Client cl[3] = {client(10), client(11), client(12)};
    const int want_slave[3] = {0, 1, 0};
    const int want_update_tick[3] = {5, 26, 26};
    Inject *in = g_new0(Inject, 3);
    for (int i = 0; i < 3; i++) {
        arp_request(&in[i], &cl[i], server_ip);
        in[i].nic = pr.peer[0];
        inject_at(sim, &in[i], tl_ms(500 + 100 * i));
    }
    sim_run(sim, false);
    const BondLb *lb = bond_lb(b);
    for (int i = 0; i < 3; i++) {
        const uint8_t *smac = want_slave[i] ? eth1_mac : eth0_mac;
        CU_ASSERT_EQUAL(client_slave(lb, cl[i].ip), want_slave[i]);
        TlSeenArp r[8];
        int n = arp_replies_to(pr.seen, &cl[i], 0, r, 8);
        g_autofree char *what = g_strdup_printf("client %d: 1 answer + 2 updates, got %d", i, n);
        tl_check(n == 3, __LINE__, what);
        for (int k = 0; k < MIN(n, 8); k++) {
            CU_ASSERT_EQUAL(r[k].port, want_slave[i]);
            MAC_IS(r[k].sha, smac, "ARP sender MAC = the client's slave");
            MAC_IS(r[k].src, smac, "Ethernet source = the client's slave");
            MAC_IS(r[k].dst, cl[i].mac, "to the client");
            MAC_IS(r[k].tha, cl[i].mac, "ARP target MAC = the client");
            CU_ASSERT_EQUAL(memcmp(r[k].spa, server_ip, 4), 0);
        }
        if (n == 3) {
            TL_U64_IN(r[0].time_ps, tl_ms(500 + 100 * i), tl_ms(500 + 100 * i) + 10 * PS_PER_US,
                      "the answer, at once");
            CU_ASSERT_EQUAL(tick_of(r[1].time_ps), want_update_tick[i]);
            CU_ASSERT_EQUAL(tick_of(r[2].time_ps), want_update_tick[i]);
            TL_U64_IN(r[1].time_ps % TICK_PS, 0, 10 * PS_PER_US, "sent at the tick");
        }
    }
    TL_U64_IS(lb->update_rounds, 2, "two update rounds");
    CU_ASSERT_EQUAL(bond_lb_slave_clients(b, &b->slaves[0]), 2);
    CU_ASSERT_EQUAL(bond_lb_slave_clients(b, &b->slaves[1]), 1);
    g_free(in);
    peer_free(&pr);
}

/* ---- the LAN: real clients behind a switch ---------------------------------- */

typedef struct {
    Sim *sim;
    Bond *bond;
    Switch *sw;
    Iface *cl[3]; /* clients 10.0.0.2, .3, .4 */
} Lan;

static const uint8_t lan_ip[3][4] = {{10, 0, 0, 2}, {10, 0, 0, 3}, {10, 0, 0, 4}};

static gboolean lan_build(Lan *lan, uint64_t end_ps, const char *opts)
{
    Sim *sim = lan->sim = tl_sim("test_tlb_alb", end_ps);
    lan->bond = tl_server_bond(sim, opts, 2);
    if (!lan->bond)
        return FALSE;
    lan->sw = tl_add_switch(sim, "sw1", 5, SWITCH_DEFAULT_AGING_PS);
    tl_cable_slaves(sim, lan->bond, lan->sw, 1);
    for (int i = 0; i < 3; i++) {
        char name[8];
        g_snprintf(name, sizeof name, "c%d", i);
        lan->cl[i] =
            tl_add_lan_host(sim, name, (uint8_t)(4 + i), lan_ip[i], switch_port(lan->sw, 3 + i));
    }
    return TRUE;
}

static void add_ping(Sim *sim, Host *from, const uint8_t to[4], uint64_t start_ps)
{
    Flow *fl = flow_new(sim_internf(sim, "ping%u", sim->flows->len), FLOW_PING, from, to);
    flow_set_ping(fl, 100 * PS_PER_MS, 56);
    fl->start_ps = start_ps;
    fl->stop_ps = sim->end_ps;
    fl->index = (int)sim->flows->len;
    g_ptr_array_add(sim->flows, fl);
}

/* The MAC a client's ARP cache holds for the server at a moment. */
typedef struct {
    Iface *ifc;
    bool found;
    uint8_t mac[6];
    uint64_t server_eth1_rx; /* frames received on the server's eth1 so far */
    Bond *bond;
} CacheProbe;

static void cache_probe_fire(Sim *sim, void *obj, void *arg)
{
    CacheProbe *p = obj;
    for (int i = 0; i < HOST_MAX_NEIGH; i++) {
        const Neigh *n = &p->ifc->neigh[i];
        if (n->state == NEIGH_REACHABLE && memcmp(n->ip, server_ip, 4) == 0) {
            p->found = true;
            memcpy(p->mac, n->mac, 6);
        }
    }
    p->server_eth1_rx = p->bond->slaves[1].nic->c.rx_frames;
}

static CacheProbe *cache_probe_at(Lan *lan, int client, uint64_t at_ps)
{
    CacheProbe *p = g_new0(CacheProbe, 1);
    p->ifc = lan->cl[client];
    p->bond = lan->bond;
    engine_schedule(&lan->sim->eng, at_ps, cache_probe_fire, p, NULL);
    return p;
}

/* 13.11: clients A (eth0) and B (eth1) ping the server from 0.05 s and are
 * told their slaves' MACs (updates at tick 1); B's pings then arrive on eth1.
 * At 1.0 s the server starts talking to C: its broadcast ARP request carries
 * the bond MAC, so every peer that hears it points the server at eth0 again
 * (RX balancing collapses) until the update round 21 ticks later (tick 30,
 * 3.120 s) gives B eth1's MAC back; C, new, is told its slave too. */
static void alb_server_broadcast_request_repoints_peers_until_updates(void)
{
    Lan lan;
    if (!lan_build(&lan, tl_ms(4000), "mode=balance-alb miimon=100")) {
        sim_free(lan.sim);
        return;
    }
    Sim *sim = lan.sim;
    Bond *b = lan.bond;
    add_ping(sim, lan.cl[0]->host, server_ip, tl_ms(50));
    add_ping(sim, lan.cl[1]->host, server_ip, tl_ms(60));
    add_ping(sim, b->host, lan_ip[2], tl_ms(1000));
    CacheProbe *b_early = cache_probe_at(&lan, 1, tl_ms(150));
    CacheProbe *b_bal = cache_probe_at(&lan, 1, tl_ms(950));
    CacheProbe *a_bal = cache_probe_at(&lan, 0, tl_ms(950));
    CacheProbe *b_coll = cache_probe_at(&lan, 1, tl_ms(1050));
    CacheProbe *a_coll = cache_probe_at(&lan, 0, tl_ms(1050));
    CacheProbe *b_before = cache_probe_at(&lan, 1, tl_ms(3110));
    CacheProbe *b_after = cache_probe_at(&lan, 1, tl_ms(3130));
    CacheProbe *c_after = cache_probe_at(&lan, 2, tl_ms(3130));
    sim_run(sim, false);
    const BondLb *lb = bond_lb(b);
    CU_ASSERT_EQUAL(client_slave(lb, lan_ip[0]), 0);
    CU_ASSERT_EQUAL(client_slave(lb, lan_ip[1]), 1);
    CU_ASSERT_EQUAL(client_slave(lb, lan_ip[2]), 0);
    MAC_IS(b_early->found ? b_early->mac : NULL, eth1_mac, "B after its answer");
    MAC_IS(b_bal->found ? b_bal->mac : NULL, eth1_mac, "B balanced on eth1");
    MAC_IS(a_bal->found ? a_bal->mac : NULL, eth0_mac, "A on eth0 (the bond MAC)");
    /* B's pings (0.06 s on, 10 a second) arrive on eth1 */
    TL_U64_IN(b_bal->server_eth1_rx - b_early->server_eth1_rx, 7, 9, "B's requests on eth1");
    MAC_IS(b_coll->found ? b_coll->mac : NULL, eth0_mac, "B re-pointed to the bond MAC");
    MAC_IS(a_coll->found ? a_coll->mac : NULL, eth0_mac, "A on the bond MAC");
    MAC_IS(b_before->found ? b_before->mac : NULL, eth0_mac, "B until the update round");
    MAC_IS(b_after->found ? b_after->mac : NULL, eth1_mac, "B after the round at tick 30");
    MAC_IS(c_after->found ? c_after->mac : NULL, eth0_mac, "C: eth0, the bond MAC");
    TL_U64_IS(lb->update_rounds, 2, "rounds at ticks 1 and 30");
    CU_ASSERT_EQUAL(b->host->drops[HOST_DROP_NOT_FOR_US], 0);
    g_free(b_early);
    g_free(b_bal);
    g_free(a_bal);
    g_free(b_coll);
    g_free(a_coll);
    g_free(b_before);
    g_free(b_after);
    g_free(c_after);
    sim_free(sim);
}

/* Clients A, B, C (eth0, eth1, eth0), all updated at tick 1. */
static void alb_three_clients(Peer *pr, Inject *in, Client *cl)
{
    for (int i = 0; i < 3; i++) {
        cl[i] = client((uint8_t)(10 + i));
        arp_request(&in[i], &cl[i], server_ip);
        in[i].nic = pr->peer[0];
        inject_at(pr->sim, &in[i], tl_ms(50 + 10 * i));
    }
}

/* 9, failure of a non-active slave: eth1 is cut at 1.0 s and committed DOWN
 * at tick 10 (1.040 s). Its client B moves to eth0 with three retries; the
 * active eth0 goes promiscuous for 100 ticks and sends a learning packet for
 * eth1's MAC at once. The delay counter still holds 20 from the round at
 * tick 1 and counts only while a client is flagged: rounds at ticks 31, 52,
 * 73 and 94, two replies each, from eth0 (the bond MAC). A frame still sent
 * to eth1's MAC reaches the bond through the promiscuous eth0 but is not for
 * this host (PACKET_OTHERHOST). */
static void alb_failover_moves_clients_and_sends_updates(void)
{
    Peer pr;
    if (!peer_build(&pr, tl_ms(12000), "mode=balance-alb miimon=100", 2))
        return;
    Sim *sim = pr.sim;
    Bond *b = pr.bond;
    Client cl[3];
    Inject *in = g_new0(Inject, 4);
    alb_three_clients(&pr, in, cl);
    ipv4_frame(&in[3], eth1_mac, cl[1].mac, cl[1].ip, server_ip, 1, 98);
    in[3].nic = pr.peer[0];
    inject_at(sim, &in[3], tl_ms(2000));
    tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[1].nic);
    Probe *mid = probe_at(sim, b, tl_ms(5000));
    sim_run(sim, false);
    const BondLb *lb = bond_lb(b);
    CU_ASSERT_EQUAL(client_slave(lb, cl[1].ip), 0);
    CU_ASSERT_EQUAL(client_slave(&mid->lb, cl[1].ip), 0);
    CU_ASSERT_PTR_EQUAL(mid->lb.promisc, &b->slaves[0]);
    CU_ASSERT_PTR_NULL(lb->promisc); /* off at tick 110 (11.44 s) */
    TlSeenArp r[16];
    int n = arp_replies_to(pr.seen, &cl[1], tl_ms(1000), r, 16);
    CU_ASSERT_EQUAL(n, 8);
    static const int rounds[4] = {31, 52, 73, 94};
    for (int k = 0; k < MIN(n, 8); k++) {
        CU_ASSERT_EQUAL(tick_of(r[k].time_ps), rounds[k / 2]);
        CU_ASSERT_EQUAL(r[k].port, 0);
        MAC_IS(r[k].sha, eth0_mac, "B told eth0's MAC (the bond's)");
    }
    CU_ASSERT_EQUAL(arp_replies_to(pr.seen, &cl[0], tl_ms(1000), r, 16), 0);
    CU_ASSERT_EQUAL(arp_replies_to(pr.seen, &cl[2], tl_ms(1000), r, 16), 0);
    uint64_t taught = UINT64_MAX;
    for (guint i = 0; i < pr.seen->len; i++) {
        const TlSeenArp *s = &g_array_index(pr.seen, TlSeenArp, i);
        if (s->type == 0x9000 && s->port == 0 && mac_equal(s->src, eth1_mac) &&
            taught == UINT64_MAX)
            taught = s->time_ps;
    }
    TL_U64_IN(taught, tl_ms(1040), tl_ms(1041), "eth1's MAC taught on eth0 at the failure");
    CU_ASSERT_EQUAL(lb->slave[0].rx_filtered, 0);
    CU_ASSERT_EQUAL(b->host->drops[HOST_DROP_NOT_FOR_US], 1);
    g_free(mid);
    g_free(in);
    peer_free(&pr);
}

/* 9, failure of the active: eth0 cut at 1.0 s, DOWN at tick 10. Its clients
 * A and C move to eth1; eth1 becomes active and takes the bond MAC by
 * swapping with eth0, so every client of eth1 (now all three) is flagged
 * with retries: rounds at ticks 31, 52, 73, 94 of six replies, from the
 * bond MAC on eth1. */
static void alb_active_failure_swaps_bond_mac_and_updates_every_client(void)
{
    Peer pr;
    if (!peer_build(&pr, tl_ms(11000), "mode=balance-alb miimon=100", 2))
        return;
    Sim *sim = pr.sim;
    Bond *b = pr.bond;
    Client cl[3];
    Inject *in = g_new0(Inject, 3);
    alb_three_clients(&pr, in, cl);
    tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, b->slaves[0].nic);
    sim_run(sim, false);
    const BondLb *lb = bond_lb(b);
    CU_ASSERT_EQUAL(b->curr_active, &b->slaves[1]);
    MAC_IS(b->slaves[1].nic->mac, eth0_mac, "eth1 carries the bond MAC");
    MAC_IS(b->slaves[0].nic->mac, eth1_mac, "eth0 got eth1's MAC");
    for (int i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL(client_slave(lb, cl[i].ip), 1);
        TlSeenArp r[16];
        int n = arp_replies_to(pr.seen, &cl[i], tl_ms(1000), r, 16);
        g_autofree char *what = g_strdup_printf("client %d: 8 updates, got %d", i, n);
        tl_check(n == 8, __LINE__, what);
        for (int k = 0; k < MIN(n, 8); k++) {
            CU_ASSERT_EQUAL(tick_of(r[k].time_ps), 31 + 21 * (k / 2));
            CU_ASSERT_EQUAL(r[k].port, 1);
            MAC_IS(r[k].sha, eth0_mac, "told the bond MAC, now on eth1");
        }
    }
    CU_ASSERT_EQUAL(lb->mac_swaps, 1);
    g_free(in);
    peer_free(&pr);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"tlb_assigns_destinations_by_load_and_rebalances_every_10_s",
         tlb_assigns_destinations_by_load_and_rebalances_every_10_s},
        {"tlb_dynamic_lb_0_uses_the_hash", tlb_dynamic_lb_0_uses_the_hash},
        {"tlb_receives_only_on_the_active", tlb_receives_only_on_the_active},
        {"tlb_failover_swaps_macs_new_active_carries_bond_mac",
         tlb_failover_swaps_macs_new_active_carries_bond_mac},
        {"alb_clients_get_slaves_round_robin_with_update_pairs",
         alb_clients_get_slaves_round_robin_with_update_pairs},
        {"alb_server_broadcast_request_repoints_peers_until_updates",
         alb_server_broadcast_request_repoints_peers_until_updates},
        {"alb_failover_moves_clients_and_sends_updates",
         alb_failover_moves_clients_and_sends_updates},
        {"alb_active_failure_swaps_bond_mac_and_updates_every_client",
         alb_active_failure_swaps_bond_mac_and_updates_every_client},
        CU_TEST_INFO_NULL,
    };
    return cu_run("tlb_alb", cases);
}
