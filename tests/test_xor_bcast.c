/* test_xor_bcast.c - balance-xor and broadcast (sim/bond/mode_xor.c,
 * mode_bcast.c) and the `bondsim hash-spread` command, against
 * ../shared/reference/linux-bonding.md sections 1.3, 1.4, 1.5, 2, 3.4, 6.1,
 * 10, 12 (mode-2-recovery-updelay) and 13.5, 13.6, 13.13.
 *
 * Topologies are built by hand as in test_bond.c: a "server" bond over
 * eth0..ethN-1, cabled either to a switch with a "client" behind it, or to a
 * "peer" host whose NICs record every frame (its first bytes, the port, the
 * capture note it carried). Expected slaves are computed with
 * bond_xmit_hash() and bond_hash_slave_index() directly (hash.c is tested on
 * its own in test_hash.c), and checked against literal examples of 3.4.
 * miimon=100 at HZ=250 ticks every 104 ms from 0.
 */
/* libpcap's headers use the BSD types u_char and u_int, which glibc declares
 * only with _DEFAULT_SOURCE (the build asks for plain POSIX). */
#define _DEFAULT_SOURCE 1

#include "bond/bond.h"

#include "cu_run.h"
#include "testlib.h"

#include <pcap/pcap.h>
#include <string.h>

#include "bond/hash.h"
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
#define SEEN_BYTES 128 /* the whole of every frame the tests send */
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

static const uint8_t server_ip[4] = {10, 0, 0, 1};
static const uint8_t client_ip[4] = {10, 0, 0, 2};

/* ---- topology -------------------------------------------------------------- */

/* The LAN of testlib: server bond -> sw1 ports 1..n, client on port n+1. */
static gboolean lan_build(TlLan *lan, uint64_t end_ps, const char *opts, int n)
{
    return tl_lan_build(lan, "test_xor_bcast", end_ps,
                        (&(const TlBond){.opts = opts, .n_slaves = n}));
}

/* A UDP flow from `src` to `dst` (56-byte payload, one every 100 us). */
static Flow *add_flow(Sim *sim, Host *src, const uint8_t dst[4], uint16_t sport, uint64_t stop_ps)
{
    Flow *fl = tl_add_udp(sim, NULL, src, dst, STREAM_RATE_BPS, sport, 0, stop_ps);
    CU_ASSERT_EQUAL(fl->interval_ps, STREAM_INTERVAL_PS);
    return fl;
}

/* What a peer NIC received: time, port, the first bytes, the note. */
typedef struct {
    uint64_t time_ps;
    int port;
    uint32_t len;
    uint8_t data[SEEN_BYTES];
    const char *note; /* interned in the Sim */
} Seen;

static void recorder_rx(Sim *sim, Nic *nic, Frame *f)
{
    GArray *seen = nic->owner;
    Seen s = {.time_ps = sim->eng.now_ps, .port = nic->owner_index, .note = f->note};
    s.len = MIN(f->len, SEEN_BYTES);
    memcpy(s.data, f->data, s.len);
    g_array_append_val(seen, s);
    frame_free(&sim->pool, f);
}

/* Server bond with slave i cabled to NIC p<i> of host "peer", recording
 * every arrival in `seen` (a GArray of Seen owned by the caller). */
static Bond *peer_build(Sim *sim, const char *opts, int n, GArray *seen, const uint8_t *first_mac)
{
    Bond *b =
        tl_add_bond(sim, (&(const TlBond){.opts = opts, .n_slaves = n, .first_mac = first_mac}));
    if (b)
        tl_add_peer(sim, b, 3, recorder_rx, seen, NULL);
    return b;
}

/* The server resolves `ip` to `mac` without asking (the peer answers no
 * ARP). */
static void seed_neighbour(Sim *sim, Bond *b, const uint8_t ip[4], const uint8_t mac[6])
{
    Neigh *n = host_neigh_lookup(b->iface, 4, ip, true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    host_neigh_update(sim, n, mac);
}

/* ---- frames ---------------------------------------------------------------- */

/* An IPv4 TCP (SYN) or UDP frame with these addresses and ports. */
static Frame *l4_frame(Sim *sim, const uint8_t dst_mac[6], const uint8_t src_mac[6], uint8_t proto,
                       const uint8_t sip[4], const uint8_t dip[4], uint16_t sport, uint16_t dport)
{
    Frame *f = frame_alloc(&sim->pool);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    uint32_t l4_len = proto == IPPROTO_TCP_ ? 20 : 8 + 18;
    memset(f->data, 0, ETH_HLEN + 20 + l4_len);
    memcpy(f->data, dst_mac, 6);
    memcpy(f->data + 6, src_mac, 6);
    put_be16(f->data + 12, ETH_P_IP);
    ipv4_write_header(f->data + ETH_HLEN, (uint16_t)(20 + l4_len), 1, proto, sip, dip);
    uint8_t *l4 = f->data + ETH_HLEN + 20;
    put_be16(l4, sport);
    put_be16(l4 + 2, dport);
    if (proto == IPPROTO_TCP_) {
        l4[12] = 0x50; /* data offset 5 words */
        l4[13] = 0x02; /* SYN */
        put_be16(l4 + 14, 64240);
    } else {
        put_be16(l4 + 4, (uint16_t)l4_len);
    }
    f->len = ETH_HLEN + 20 + l4_len;
    frame_pad(f);
    return f;
}

/* The UDP frame of test flow k: ports and destination vary with k. */
static Frame *flow_frame(Sim *sim, const Bond *b, int k)
{
    uint8_t dmac[6] = {0x02, 0x00, 0x00, 0x09, 0x00, (uint8_t)(0x10 + 3 * k)};
    const uint8_t dip[4] = {10, 0, 0, (uint8_t)(2 + k % 5)};
    return l4_frame(sim, dmac, b->mac, IPPROTO_UDP_, server_ip, dip, (uint16_t)(40000 + 7 * k),
                    (uint16_t)(5001 + k % 3));
}

/* Sends one frame through the bond: the slave that took it, or -1. */
static int xmit_frame(Sim *sim, Bond *b, Frame *f)
{
    uint64_t before[BOND_MAX_SLAVES];
    for (int i = 0; i < b->n_slaves; i++)
        before[i] = b->slaves[i].tx_frames;
    bond_xmit(sim, b, f);
    int got = -1;
    for (int i = 0; i < b->n_slaves; i++)
        if (b->slaves[i].tx_frames != before[i])
            got = got == -1 ? i : -2; /* -2: more than one slave */
    return got;
}

/* The slave index usable[hash % count] names, the array given as slave
 * indices. */
static int expected_slave(BondHashPolicy pol, const Frame *f, const int *usable, int count)
{
    int i = bond_hash_slave_index(bond_xmit_hash(pol, f->data, f->len, false, 0), count);
    return i < 0 ? -1 : usable[i];
}

/* ---- balance-xor: the hash picks usable[hash % count] (1.3, 3) ------------ */

static void xor_picks_usable_hash_mod_count_for_several_flows(void)
{
    static const struct {
        const char *policy;
        BondHashPolicy pol;
        int n;
        int down; /* slave without a cable from the start, -1: none */
        int usable[3];
        int count;
    } cases[] = {
        {"layer2", BOND_HASH_LAYER2, 2, -1, {0, 1}, 2},
        {"layer2+3", BOND_HASH_LAYER23, 2, -1, {0, 1}, 2},
        {"layer3+4", BOND_HASH_LAYER34, 2, -1, {0, 1}, 2},
        {"layer2", BOND_HASH_LAYER2, 3, -1, {0, 1, 2}, 3},
        {"layer2+3", BOND_HASH_LAYER23, 3, -1, {0, 1, 2}, 3},
        {"layer3+4", BOND_HASH_LAYER34, 3, -1, {0, 1, 2}, 3},
        {"layer3+4", BOND_HASH_LAYER34, 3, 1, {0, 2}, 2},
        {"layer2", BOND_HASH_LAYER2, 3, 0, {1, 2}, 2},
    };
    enum { FLOWS = 12 };
    for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
        Sim *sim = tl_sim("test_xor_bcast", PS_PER_S);
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
        g_autofree char *opts =
            g_strdup_printf("mode=balance-xor miimon=100 xmit_hash_policy=%s", cases[c].policy);
        Bond *b = peer_build(sim, opts, cases[c].n, seen, NULL);
        if (b) {
            if (cases[c].down >= 0)
                link_set_up(sim, b->slaves[cases[c].down].nic->link, false);
            bond_open(sim, b);
            CU_ASSERT_EQUAL(b->n_usable, cases[c].count);
            int got[FLOWS], want[FLOWS], used = 0;
            for (int k = 0; k < FLOWS; k++) {
                Frame *f = flow_frame(sim, b, k);
                want[k] = expected_slave(cases[c].pol, f, cases[c].usable, cases[c].count);
                got[k] = xmit_frame(sim, b, f);
                used |= got[k] >= 0 ? 1 << got[k] : 0;
            }
            g_autofree char *what = g_strdup_printf("%s, %d slaves, eth%d down: slave of each "
                                                    "flow",
                                                    cases[c].policy, cases[c].n, cases[c].down);
            tl_ints_equal(got, FLOWS, want, FLOWS, __LINE__, what);
            tl_checkf(used != 1 && used != 2 && used != 4, __LINE__,
                      "%s: the 12 flows use more than one slave", what);
            if (cases[c].down >= 0)
                CU_ASSERT_EQUAL(b->slaves[cases[c].down].tx_frames, 0);
        }
        sim_free(sim);
    }
}

/* 3.4 examples 1-3 through a whole bond: the slave taken is the index the
 * reference computes by hand. */
static void xor_reference_examples_leave_on_their_index(void)
{
    static const uint8_t src_mac[6] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55};
    static const uint8_t dst_mac[6] = {0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0x02};
    static const uint8_t ip1[4] = {10, 0, 0, 1}, ip2[4] = {10, 0, 0, 2};
    static const uint8_t ipa[4] = {192, 168, 1, 10}, ipb[4] = {192, 168, 1, 20};
    static const struct {
        const char *policy;
        uint8_t proto;
        const uint8_t *sip, *dip;
        uint16_t sport, dport;
        uint32_t hash;
        int n, index;
    } cases[] = {
        /* example 3: layer3+4 TCP 10.0.0.1:49152 -> 10.0.0.2:80 */
        {"layer3+4", IPPROTO_TCP_, ip1, ip2, 49152, 80, 0x29A9A9C9, 2, 1},
        {"layer3+4", IPPROTO_TCP_, ip1, ip2, 49152, 80, 0x29A9A9C9, 3, 1},
        {"layer3+4", IPPROTO_TCP_, ip1, ip2, 49152, 80, 0x29A9A9C9, 4, 1},
        {"layer3+4", IPPROTO_TCP_, ip1, ip2, 49153, 80, 0x29A9A949, 2, 1},
        {"layer3+4", IPPROTO_TCP_, ip1, ip2, 49154, 80, 0x29A9A8C8, 2, 0},
        /* example 1: layer2, 00:11:22:33:44:55 -> 00:aa:bb:cc:dd:02, IPv4 */
        {"layer2", IPPROTO_UDP_, ipa, ipb, 1000, 2000, 0x0857, 2, 1},
        {"layer2", IPPROTO_UDP_, ipa, ipb, 1000, 2000, 0x0857, 3, 2},
        /* example 2: layer2+3, 192.168.1.10 -> 192.168.1.20 */
        {"layer2+3", IPPROTO_UDP_, ipa, ipb, 1000, 2000, 0x1E1E1641, 2, 1},
        {"layer2+3", IPPROTO_UDP_, ipa, ipb, 1000, 2000, 0x1E1E1641, 3, 0},
    };
    for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
        Sim *sim = tl_sim("test_xor_bcast", PS_PER_S);
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
        g_autofree char *opts =
            g_strdup_printf("mode=balance-xor miimon=100 xmit_hash_policy=%s", cases[c].policy);
        Bond *b = peer_build(sim, opts, cases[c].n, seen, src_mac);
        if (b) {
            bond_open(sim, b);
            Frame *f = l4_frame(sim, dst_mac, b->mac, cases[c].proto, cases[c].sip, cases[c].dip,
                                cases[c].sport, cases[c].dport);
            BondHashPolicy pol = b->p.xmit_hash_policy;
            uint32_t h = bond_xmit_hash(pol, f->data, f->len, false, 0);
            g_autofree char *what = g_strdup_printf("%s sport %u, %d slaves", cases[c].policy,
                                                    cases[c].sport, cases[c].n);
            tl_checkf(h == cases[c].hash, __LINE__, "%s: hash 0x%08x, want 0x%08x", what, h,
                      cases[c].hash);
            int got = xmit_frame(sim, b, f);
            tl_checkf(got == cases[c].index, __LINE__, "%s: left on slave %d, want %d", what, got,
                      cases[c].index);
        }
        sim_free(sim);
    }
}

/* ---- flows through a whole run ------------------------------------------- */

/* UDP frames per (flow, port) seen by the peer; a flow is told by its
 * source port (40000 + k). */
enum { MAX_FLOWS = 32 };

static void count_udp_by_flow(const GArray *seen, int n_flows, uint64_t per_flow[][3])
{
    for (guint i = 0; i < seen->len; i++) {
        const Seen *s = &g_array_index(seen, Seen, i);
        if (s->len < ETH_HLEN + 28 || get_be16(s->data + 12) != ETH_P_IP ||
            s->data[ETH_HLEN + 9] != IPPROTO_UDP_)
            continue;
        int k = get_be16(s->data + ETH_HLEN + 20) - 40000;
        if (k >= 0 && k < n_flows && s->port < 3)
            per_flow[k][s->port]++;
    }
}

/* Every recorded UDP frame left on usable[hash % count] of its own bytes
 * (all slaves up all along: usable = every slave). */
static void check_every_frame_hashed(const GArray *seen, BondHashPolicy pol, int n, int line)
{
    static const int all[3] = {0, 1, 2};
    guint bad = 0, udp = 0;
    for (guint i = 0; i < seen->len; i++) {
        const Seen *s = &g_array_index(seen, Seen, i);
        if (get_be16(s->data + 12) != ETH_P_IP)
            continue;
        udp++;
        int i_want = bond_hash_slave_index(bond_xmit_hash(pol, s->data, s->len, false, 0), n);
        bad += all[i_want] != s->port;
    }
    tl_checkf(udp > 0 && bad == 0, line,
              "%u of %u IPv4 frames left on another slave than the hash's", bad, udp);
}

/* 13.5: behind a gateway every frame carries the gateway's MAC, so layer2
 * puts all flows to all remote hosts on one slave; layer3+4 spreads them. */
static void xor_layer2_puts_all_traffic_to_the_gateway_on_one_slave(void)
{
    static const uint8_t gw_ip[4] = {10, 0, 0, 254};
    static const uint8_t gw_mac[6] = {0x02, 0x00, 0x00, 0x09, 0x00, 0xfe};
    enum { FLOWS = 8 };
    for (int l34 = 0; l34 < 2; l34++) {
        Sim *sim = tl_sim("test_xor_bcast", tl_ms(500));
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
        const char *opts = l34 ? "mode=balance-xor miimon=100 xmit_hash_policy=layer3+4"
                               : "mode=balance-xor miimon=100 xmit_hash_policy=layer2";
        Bond *b = peer_build(sim, opts, 2, seen, NULL);
        if (!b) {
            sim_free(sim);
            return;
        }
        static const uint8_t any[4] = {0, 0, 0, 0};
        CU_ASSERT_TRUE(host_add_route(b->host, any, 0, gw_ip, b->iface, 0));
        seed_neighbour(sim, b, gw_ip, gw_mac);
        Flow *fl[FLOWS];
        for (int k = 0; k < FLOWS; k++) {
            const uint8_t dst[4] = {192, 0, 2, (uint8_t)(1 + k)};
            fl[k] = add_flow(sim, b->host, dst, (uint16_t)(40000 + k), tl_ms(400));
        }
        sim_run(sim, false);
        uint64_t per_flow[MAX_FLOWS][3] = {{0}};
        count_udp_by_flow(seen, FLOWS, per_flow);
        BondHashPolicy pol = l34 ? BOND_HASH_LAYER34 : BOND_HASH_LAYER2;
        check_every_frame_hashed(seen, pol, 2, __LINE__);
        uint64_t total[2] = {0, 0};
        int flows_on[2] = {0, 0};
        for (int k = 0; k < FLOWS; k++) {
            CU_ASSERT_EQUAL(per_flow[k][0] + per_flow[k][1], fl[k]->sent);
            CU_ASSERT_TRUE(per_flow[k][0] == 0 || per_flow[k][1] == 0); /* one slave a flow */
            total[0] += per_flow[k][0];
            total[1] += per_flow[k][1];
            flows_on[per_flow[k][1] ? 1 : 0]++;
        }
        if (!l34) {
            /* bond MAC ..:01, gateway ..:fe: 0x01 ^ 0xfe ^ 0x0800 = 0x08ff,
             * odd: slave 1 for everything */
            CU_ASSERT_EQUAL(b->mac[5], 0x01);
            CU_ASSERT_EQUAL(total[0], 0);
            CU_ASSERT_EQUAL(flows_on[1], FLOWS);
        } else {
            tl_checkf(flows_on[0] > 0 && flows_on[1] > 0, __LINE__,
                      "layer3+4 spreads the 8 flows: %d on eth0, %d on eth1", flows_on[0],
                      flows_on[1]);
        }
    }
}

/* layer3+4 over many UDP flows (16 Flow objects, source ports 40000-40015)
 * to one host: each flow stays on the slave its hash names, and the flows
 * spread over every slave as the hashes say. */
static void xor_layer34_spreads_many_udp_flows(void)
{
    enum { FLOWS = 16 };
    for (int n = 2; n <= 3; n++) {
        Sim *sim = tl_sim("test_xor_bcast", tl_ms(300));
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
        Bond *b =
            peer_build(sim, "mode=balance-xor miimon=100 xmit_hash_policy=layer3+4", n, seen, NULL);
        if (!b) {
            sim_free(sim);
            return;
        }
        static const uint8_t peer_mac[6] = {0x02, 0x00, 0x00, 0x03, 0x00, 0x01};
        seed_neighbour(sim, b, client_ip, peer_mac);
        Flow *fl[FLOWS];
        for (int k = 0; k < FLOWS; k++)
            fl[k] = add_flow(sim, b->host, client_ip, (uint16_t)(40000 + k), tl_ms(250));
        sim_run(sim, false);
        uint64_t per_flow[MAX_FLOWS][3] = {{0}};
        count_udp_by_flow(seen, FLOWS, per_flow);
        check_every_frame_hashed(seen, BOND_HASH_LAYER34, n, __LINE__);
        int got[3] = {0, 0, 0}, want[3] = {0, 0, 0};
        static const int all[3] = {0, 1, 2};
        for (int k = 0; k < FLOWS; k++) {
            Frame *f = l4_frame(sim, peer_mac, b->mac, IPPROTO_UDP_, server_ip, client_ip,
                                (uint16_t)(40000 + k), 5001);
            int s = expected_slave(BOND_HASH_LAYER34, f, all, n);
            frame_free(&sim->pool, f);
            want[s]++;
            CU_ASSERT_EQUAL(per_flow[k][s], fl[k]->sent);
            for (int j = 0; j < n; j++)
                if (per_flow[k][j])
                    got[j]++;
        }
        g_autofree char *what = g_strdup_printf("flows per slave over %d slaves", n);
        tl_ints_equal(got, 3, want, 3, __LINE__, what);
        for (int j = 0; j < n; j++)
            tl_checkf(got[j] > 0, __LINE__, "%d slaves: slave %d carries some of the 16 flows", n,
                      j);
    }
}

/* ---- carrier loss remaps at once; the monitor brings flows back (13.6) --- */

enum { BURST_FLOWS = 8, BURSTS = 4 };

typedef struct {
    Bond *bond;
    uint64_t at_ps[BURSTS];
    int slave[BURSTS][BURST_FLOWS];
    SlaveLink link_eth1[BURSTS];
    int done;
} XorBursts;

static void xor_burst_fire(Sim *sim, void *obj, void *arg)
{
    XorBursts *x = obj;
    int i = x->done++;
    x->link_eth1[i] = x->bond->slaves[1].link;
    for (int k = 0; k < BURST_FLOWS; k++)
        x->slave[i][k] = xmit_frame(sim, x->bond, flow_frame(sim, x->bond, k));
}

/* The notes the peer saw that contain `what`, in order. */
static GPtrArray *notes_with(const GArray *seen, const char *what)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < seen->len; i++) {
        const Seen *s = &g_array_index(seen, Seen, i);
        if (s->note == NULL)
            continue;
        g_auto(GStrv) lines = g_strsplit(s->note, "\n", -1);
        for (char **l = lines; *l; l++)
            if (strstr(*l, what))
                g_ptr_array_add(out, g_strdup(*l));
    }
    return out;
}

static void xor_carrier_loss_remaps_at_once_and_flows_return_after_up(void)
{
    Sim *sim = tl_sim("test_xor_bcast", tl_ms(2500));
    g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
    Bond *b = peer_build(sim, "mode=balance-xor miimon=100 updelay=200 xmit_hash_policy=layer3+4",
                         2, seen, NULL);
    if (!b) {
        sim_free(sim);
        return;
    }
    tl_add_fault(sim, tl_ms(1050), SIM_FAULT_LINK_DOWN, b->slaves[1].nic);
    tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_UP, b->slaves[1].nic);
    XorBursts x = {.bond = b, .at_ps = {tl_ms(1000), tl_ms(1060), tl_ms(2200), tl_ms(2300)}};
    for (int i = 0; i < BURSTS; i++)
        engine_schedule(&sim->eng, x.at_ps[i], xor_burst_fire, &x, NULL);
    sim_run(sim, false);
    CU_ASSERT_EQUAL_FATAL(x.done, BURSTS);
    int want_both[BURST_FLOWS], want_eth0[BURST_FLOWS];
    static const int both[2] = {0, 1};
    int on_eth1 = 0;
    for (int k = 0; k < BURST_FLOWS; k++) {
        Frame *f = flow_frame(sim, b, k);
        want_both[k] = expected_slave(BOND_HASH_LAYER34, f, both, 2);
        frame_free(&sim->pool, f);
        want_eth0[k] = 0;
        on_eth1 += want_both[k];
    }
    tl_checkf(on_eth1 > 0 && on_eth1 < BURST_FLOWS, __LINE__,
              "the 8 flows use both slaves (%d on eth1)", on_eth1);
    tl_ints_equal(x.slave[0], BURST_FLOWS, want_both, BURST_FLOWS, __LINE__, "1.000 s, both up");
    tl_ints_equal(x.slave[1], BURST_FLOWS, want_eth0, BURST_FLOWS, __LINE__,
                  "1.060 s, eth1 without carrier");
    CU_ASSERT_EQUAL(x.link_eth1[1], SLAVE_LINK_UP); /* the monitor has not looked yet */
    tl_ints_equal(x.slave[2], BURST_FLOWS, want_eth0, BURST_FLOWS, __LINE__,
                  "2.200 s, eth1 BACK (updelay)");
    CU_ASSERT_EQUAL(x.link_eth1[2], SLAVE_LINK_BACK);
    tl_ints_equal(x.slave[3], BURST_FLOWS, want_both, BURST_FLOWS, __LINE__,
                  "2.300 s, eth1 UP again");
    CU_ASSERT_EQUAL(x.link_eth1[3], SLAVE_LINK_UP);
    CU_ASSERT_EQUAL(b->slaves[1].nic->c.drops[NIC_DROP_NO_CARRIER], 0);
    CU_ASSERT_EQUAL(b->drops[BOND_DROP_SLAVE_TX], 0);
    CU_ASSERT_EQUAL(b->drops[BOND_DROP_NO_SLAVE], 0);
    /* the remap comments: the array as each burst's first frame found it */
    g_autoptr(GPtrArray) notes = notes_with(seen, "xor-remap");
    static const char *const want_notes[] = {
        "bondsim: xor-remap bond0 slaves=0->2 usable=eth0,eth1", /* updelay at bring-up */
        "bondsim: xor-remap bond0 slaves=2->1 usable=eth0",
        "bondsim: xor-remap bond0 slaves=1->2 usable=eth0,eth1",
    };
    tl_checkf(notes->len == G_N_ELEMENTS(want_notes), __LINE__, "%u xor-remap notes, want 3",
              notes->len);
    for (guint i = 0; i < MIN(notes->len, G_N_ELEMENTS(want_notes)); i++)
        CU_ASSERT_STRING_EQUAL(notes->pdata[i], want_notes[i]);
    sim_free(sim);
}

/* ---- ignore_updelay (6.1) and the mode-2 selftest (12) ------------------- */

static uint64_t event_time(const Sim *sim, SimEventKind kind, uint64_t from_ps, const char *slave)
{
    for (guint i = 0; i < sim->events->len; i++) {
        const SimEvent *ev = &g_array_index(sim->events, SimEvent, i);
        if (ev->kind == kind && ev->time_ps >= from_ps &&
            (g_strcmp0(ev->from, slave) == 0 || g_strcmp0(ev->to, slave) == 0))
            return ev->time_ps;
    }
    return UINT64_MAX;
}

/* Both slaves lose carrier at 1 s; eth0's returns at 2 s; updelay 200 ms.
 * With the array empty, balance-xor takes eth0 at the tick that sees it
 * (2.080 s); broadcast keeps no array, so it waits the two ticks (2.288 s). */
static void empty_array_ignores_updelay_in_xor_not_in_broadcast(void)
{
    static const struct {
        const char *opts;
        uint64_t up_ps;
    } cases[] = {
        {"mode=balance-xor miimon=100 updelay=200", 2080 * PS_PER_MS},
        {"mode=broadcast miimon=100 updelay=200", 2288 * PS_PER_MS},
    };
    for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
        TlLan lan;
        if (!lan_build(&lan, tl_ms(3000), cases[c].opts, 2)) {
            sim_free(lan.sim);
            return;
        }
        Sim *sim = lan.sim;
        /* from 0.5 s: with updelay at bring-up, broadcast has no slave UP
         * before 0.208 s and the first ARP request would be lost */
        Flow *fl = add_flow(sim, lan.bond->host, client_ip, 40000, UINT64_MAX);
        fl->start_ps = tl_ms(500);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[0].nic);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[1].nic);
        tl_add_fault(sim, tl_ms(2000), SIM_FAULT_LINK_UP, lan.bond->slaves[0].nic);
        sim_run(sim, false);
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, tl_ms(2000), "eth0"), cases[c].up_ps,
                  cases[c].opts);
        /* deliveries resume once eth0 is UP: gap from 1 s */
        TL_U64_IN(sim->fault_gaps[2].gap_ps, cases[c].up_ps - tl_ms(1000),
                  cases[c].up_ps - tl_ms(1000) + PS_PER_MS, cases[c].opts);
        CU_ASSERT_TRUE(fl->last_rx_ps > tl_ms(2900));
        CU_ASSERT_TRUE(lan.bond->drops[BOND_DROP_NO_SLAVE] > 0);
        sim_free(sim);
    }
}

/* Section 12 mode-2-recovery-updelay: balance-xor miimon 100, updelay up to
 * 10 s; eth0 down, 2 s later eth0 up and eth1 down together: eth0 is used
 * at the tick that sees it (3.016 s), whatever updelay. The stream (layer2:
 * 0x01 ^ 0x01 ^ 0x0800, even) leaves on eth0 while both are usable. */
static void xor_recovery_updelay_selftest(void)
{
    static const int updelays[] = {0, 200, 500, 1000, 2000, 5000, 10000};
    for (gsize k = 0; k < G_N_ELEMENTS(updelays); k++) {
        TlLan lan;
        g_autofree char *opts =
            g_strdup_printf("mode=balance-xor miimon=100 updelay=%d", updelays[k]);
        if (!lan_build(&lan, tl_ms(4000), opts, 2)) {
            sim_free(lan.sim);
            return;
        }
        Sim *sim = lan.sim;
        Flow *fl = add_flow(sim, lan.bond->host, client_ip, 40000, UINT64_MAX);
        tl_add_fault(sim, tl_ms(1000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[0].nic);
        tl_add_fault(sim, tl_ms(3000), SIM_FAULT_LINK_UP, lan.bond->slaves[0].nic);
        tl_add_fault(sim, tl_ms(3000), SIM_FAULT_LINK_DOWN, lan.bond->slaves[1].nic);
        sim_run(sim, false);
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_UP, tl_ms(2000), "eth0"), tl_ms(3016), opts);
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_DOWN, tl_ms(2000), "eth1"), tl_ms(3016), opts);
        TL_U64_IN(sim->fault_gaps[2].gap_ps, tl_ms(16), tl_ms(17), opts);
        /* at 1 s: eth1 UP since bring-up (updelay < 1 s) takes the flow at
         * once; otherwise the empty array makes eth1 UP at the 1.040 tick */
        if (updelays[k] < 1000)
            TL_U64_IN(sim->fault_gaps[0].gap_ps, STREAM_INTERVAL_PS,
                      2 * STREAM_INTERVAL_PS + tl_ms(0.01), opts);
        else
            TL_U64_IN(sim->fault_gaps[0].gap_ps, tl_ms(40), tl_ms(41), opts);
        CU_ASSERT_TRUE(fl->last_rx_ps > tl_ms(3900));
        CU_ASSERT_EQUAL(fl->duplicates, 0);
        sim_free(sim);
    }
}

/* ---- both modes: slaves never inactive, all with the bond MAC (1.4, 1.5) */

static void client_garp_fire(Sim *sim, void *obj, void *arg)
{
    host_send_garp(sim, obj, NULL);
}

/* The client's broadcast is flooded to both slaves and both copies reach the
 * stack: no slave is inactive in these modes. */
static void xor_and_broadcast_slaves_active_with_bond_mac(void)
{
    static const char *const modes[] = {"mode=balance-xor miimon=100", "mode=broadcast miimon=100"};
    for (gsize m = 0; m < G_N_ELEMENTS(modes); m++) {
        TlLan lan;
        if (lan_build(&lan, tl_ms(1000), modes[m], 2)) {
            engine_schedule(&lan.sim->eng, tl_ms(500), client_garp_fire, lan.client_if, NULL);
            sim_run(lan.sim, false);
            Bond *b = lan.bond;
            CU_ASSERT_EQUAL(b->host->arp_rx, 2);
            CU_ASSERT_EQUAL(b->drops[BOND_DROP_INACTIVE_RX], 0);
            CU_ASSERT_TRUE(mac_equal(b->mac, b->slaves[0].perm_mac));
            for (int i = 0; i < 2; i++) {
                CU_ASSERT_FALSE(b->slaves[i].inactive);
                CU_ASSERT_FALSE(b->slaves[i].backup);
                CU_ASSERT_TRUE(mac_equal(b->slaves[i].nic->mac, b->mac));
            }
            CU_ASSERT_FALSE(mac_equal(b->slaves[1].perm_mac, b->mac));
        }
        sim_free(lan.sim);
    }
}

/* No usable slave: the frame is dropped by the bond. */
static void xor_and_broadcast_drop_without_any_slave(void)
{
    static const char *const modes[] = {"mode=balance-xor miimon=100", "mode=broadcast miimon=100"};
    for (gsize m = 0; m < G_N_ELEMENTS(modes); m++) {
        Sim *sim = tl_sim("test_xor_bcast", PS_PER_S);
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
        Bond *b = peer_build(sim, modes[m], 2, seen, NULL);
        if (b) {
            link_set_up(sim, b->slaves[0].nic->link, false);
            link_set_up(sim, b->slaves[1].nic->link, false);
            bond_open(sim, b);
            CU_ASSERT_EQUAL(b->n_usable, 0);
            CU_ASSERT_EQUAL(xmit_frame(sim, b, flow_frame(sim, b, 0)), -1);
            CU_ASSERT_EQUAL(b->drops[BOND_DROP_NO_SLAVE], 1);
            CU_ASSERT_EQUAL(sim->pool.in_use, 0);
        }
        sim_free(sim);
    }
}

/* ---- broadcast (section 10) ----------------------------------------------- */

typedef struct {
    Bond *bond;
    int frames;
    int taken[8]; /* bit mask of the slaves that counted each frame */
} BcastBurst;

static void bcast_burst_fire(Sim *sim, void *obj, void *arg)
{
    BcastBurst *x = obj;
    Bond *b = x->bond;
    for (int k = 0; k < x->frames; k++) {
        uint64_t before[BOND_MAX_SLAVES];
        for (int i = 0; i < b->n_slaves; i++)
            before[i] = b->slaves[i].tx_frames;
        bond_xmit(sim, b, flow_frame(sim, b, k));
        x->taken[k] = 0;
        for (int i = 0; i < b->n_slaves; i++)
            if (b->slaves[i].tx_frames != before[i])
                x->taken[k] |= 1 << i;
    }
}

/* Every frame on every slave with carrier and link UP, in list order, the
 * bytes unchanged; a slave without cable is skipped. */
static void bcast_copies_every_frame_on_every_up_slave_in_list_order(void)
{
    for (int down = -1; down < 3; down++) {
        Sim *sim = tl_sim("test_xor_bcast", PS_PER_S);
        g_autoptr(GArray) seen = g_array_new(FALSE, TRUE, sizeof(Seen));
        Bond *b = peer_build(sim, "mode=broadcast miimon=100", 3, seen, NULL);
        if (!b) {
            sim_free(sim);
            return;
        }
        if (down >= 0)
            link_set_up(sim, b->slaves[down].nic->link, false);
        BcastBurst x = {.bond = b, .frames = 5};
        engine_schedule(&sim->eng, tl_ms(500), bcast_burst_fire, &x, NULL);
        sim_run(sim, false);
        int want_mask = 7 & ~(down >= 0 ? 1 << down : 0);
        int n_up = down >= 0 ? 2 : 3;
        g_autofree char *what = g_strdup_printf("eth%d down", down);
        for (int k = 0; k < x.frames; k++)
            tl_checkf(x.taken[k] == want_mask, __LINE__,
                      "%s: frame %d taken by slaves 0x%x, want 0x%x", what, k, x.taken[k],
                      want_mask);
        tl_checkf(seen->len == (guint)(x.frames * n_up), __LINE__, "%s: %u copies arrived, want %d",
                  what, seen->len, x.frames * n_up);
        /* arrivals: frame by frame, each on the up slaves in list order */
        for (guint i = 0; i < seen->len; i++) {
            const Seen *s = &g_array_index(seen, Seen, i);
            int k = (int)i / n_up, j = (int)i % n_up;
            int port = j + (down >= 0 && j >= down ? 1 : 0);
            tl_checkf(s->port == port, __LINE__, "%s: arrival %u on port %d, want %d", what, i,
                      s->port, port);
            Frame *f = flow_frame(sim, b, k);
            tl_checkf(s->len == MIN(f->len, SEEN_BYTES) && memcmp(s->data, f->data, s->len) == 0,
                      __LINE__, "%s: copy %u carries the frame's bytes", what, i);
            frame_free(&sim->pool, f);
        }
        for (int i = 0; i < 3; i++)
            CU_ASSERT_EQUAL(b->slaves[i].tx_frames, i == down ? 0 : (uint64_t)x.frames);
        CU_ASSERT_EQUAL(b->drops[BOND_DROP_NO_SLAVE] + b->drops[BOND_DROP_SLAVE_TX], 0);
        sim_free(sim);
    }
}

/* 13.13 through a switch: the client receives each datagram once per slave
 * and counts every second copy as a duplicate. */
static void bcast_receiver_counts_a_duplicate_of_every_frame(void)
{
    TlLan lan;
    if (lan_build(&lan, tl_ms(1000), "mode=broadcast miimon=100", 2)) {
        Flow *fl = add_flow(lan.sim, lan.bond->host, client_ip, 40000, tl_ms(900));
        sim_run(lan.sim, false);
        CU_ASSERT_TRUE(fl->sent > 8000);
        TL_U64_IS(fl->received, fl->sent, "received once each");
        TL_U64_IS(fl->duplicates, fl->sent, "duplicates: one per frame sent");
        CU_ASSERT_EQUAL(fl->out_of_order, 0);
        for (int i = 0; i < 2; i++)
            CU_ASSERT_TRUE(lan.bond->slaves[i].nic->c.tx_frames >= fl->sent);
    }
    sim_free(lan.sim);
}

/* eth1's cable is pulled at 1.05 s: from that event on broadcast skips it,
 * before the MII tick at 1.144 s commits it DOWN; nothing is handed to the
 * dead NIC and the duplicates stop. */
static void bcast_skips_slave_at_carrier_loss_before_any_tick(void)
{
    TlLan lan;
    if (lan_build(&lan, tl_ms(2000), "mode=broadcast miimon=100", 2)) {
        Sim *sim = lan.sim;
        Bond *b = lan.bond;
        Flow *fl = add_flow(sim, b->host, client_ip, 40000, tl_ms(1900));
        tl_add_fault(sim, tl_ms(1050), SIM_FAULT_LINK_DOWN, b->slaves[1].nic);
        BcastBurst x = {.bond = b, .frames = 3};
        engine_schedule(&sim->eng, tl_ms(1060), bcast_burst_fire, &x, NULL);
        sim_run(sim, false);
        for (int k = 0; k < x.frames; k++)
            CU_ASSERT_EQUAL(x.taken[k], 1);
        TL_U64_IS(event_time(sim, SIM_EV_SLAVE_DOWN, 0, "eth1"), tl_ms(1144),
                  "eth1 DOWN at tick 11");
        CU_ASSERT_EQUAL(b->slaves[1].nic->c.drops[NIC_DROP_NO_CARRIER], 0);
        CU_ASSERT_EQUAL(b->drops[BOND_DROP_SLAVE_TX] + b->drops[BOND_DROP_NO_SLAVE], 0);
        TL_U64_IS(fl->received, fl->sent, "every frame delivered through eth0");
        CU_ASSERT_EQUAL(fl->out_of_order, 0);
        /* frames sent before 1.05 s were duplicated; one may be lost on
         * eth1's wire at the cut */
        uint64_t before_cut = tl_ms(1050) / STREAM_INTERVAL_PS;
        TL_U64_IN(fl->duplicates, before_cut - 1, before_cut, "duplicates only before the cut");
    }
    sim_free(lan.sim);
}

/* ---- bondsim hash-spread --------------------------------------------------- */

/* A classic pcap through libpcap's dump API: the three TCP SYNs of example
 * 3 (sport 49152, 49153, 49154 to 10.0.0.2:80), then 49152 again. */
static gboolean write_example_pcap(const char *path)
{
    static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 1}, mac_b[6] = {0x02, 0, 0, 0, 0, 2};
    static const uint8_t ip1[4] = {10, 0, 0, 1}, ip2[4] = {10, 0, 0, 2};
    static const uint16_t sports[] = {49152, 49153, 49154, 49152};
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = dead ? pcap_dump_open(dead, path) : NULL;
    if (!d) {
        if (dead)
            pcap_close(dead);
        return FALSE;
    }
    Sim *sim = tl_sim("test_xor_bcast", PS_PER_S);
    for (gsize i = 0; i < G_N_ELEMENTS(sports); i++) {
        Frame *f = l4_frame(sim, mac_b, mac_a, IPPROTO_TCP_, ip1, ip2, sports[i], 80);
        struct pcap_pkthdr h = {.ts = {.tv_sec = 1, .tv_usec = (long)i}};
        h.caplen = h.len = f->len;
        pcap_dump((u_char *)d, &h, f->data);
        frame_free(&sim->pool, f);
    }
    sim_free(sim);
    pcap_dump_close(d);
    pcap_close(dead);
    return TRUE;
}

static gboolean has_line(const char *out, const char *re)
{
    return g_regex_match_simple(re, out, G_REGEX_MULTILINE, 0);
}

static void hash_spread_cli_reports_slaves_and_exit_codes(void)
{
    g_autofree char *dir = cu_scratch_dir("xor-hash-spread");
    g_autofree char *pcap = g_build_filename(dir, "syn.pcap", NULL);
    CU_ASSERT_TRUE_FATAL(write_example_pcap(pcap));

    const char *ok[] = {"hash-spread", pcap, "--slaves", "2", "--policy", "layer3+4", NULL};
    TlRun r = tl_bondsim_argv(ok);
    tl_checkf(r.code == 0, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    tl_checkf(has_line(r.out, "^capture .*syn\\.pcap: 4 frames, 240 bytes, 3 flows; 2 slaves;"),
              __LINE__, "header line: %s", r.out);
    tl_checkf(has_line(r.out, "^policy layer3\\+4: 3 flows$"), __LINE__, "flow table title: %s",
              r.out);
    /* example 3: 0x29a9a9c9 -> 1, 0x29a9a949 -> 1, 0x29a9a8c8 -> 0 */
    tl_checkf(
        has_line(r.out, "^ +tcp 10\\.0\\.0\\.1:49152 > 10\\.0\\.0\\.2:80 +2 +120 +0x29a9a9c9 +1$"),
        __LINE__, "49152 on slave 1: %s", r.out);
    tl_checkf(
        has_line(r.out, "^ +tcp 10\\.0\\.0\\.1:49153 > 10\\.0\\.0\\.2:80 +1 +60 +0x29a9a949 +1$"),
        __LINE__, "49153 on slave 1: %s", r.out);
    tl_checkf(
        has_line(r.out, "^ +tcp 10\\.0\\.0\\.1:49154 > 10\\.0\\.0\\.2:80 +1 +60 +0x29a9a8c8 +0$"),
        __LINE__, "49154 on slave 0: %s", r.out);
    tl_checkf(has_line(r.out, "^ +0 +1 +60 +25\\.0%$") && has_line(r.out, "^ +1 +3 +180 +75\\.0%$"),
              __LINE__, "slave table: %s", r.out);
    tl_checkf(has_line(r.out, "^policy layer3\\+4: imbalance 1\\.50 "), __LINE__, "imbalance: %s",
              r.out);
    tl_checkf(!has_line(r.out, "^policy layer2:"), __LINE__, "one policy only: %s", r.out);
    tl_run_clear(&r);

    const char *per_frame[] = {"hash-spread", pcap, "--slaves",    "2",
                               "--policy",    "1",  "--per-frame", NULL};
    r = tl_bondsim_argv(per_frame);
    tl_checkf(r.code == 0, __LINE__, "--per-frame exit 0, got %d: %s", r.code, r.err);
    tl_checkf(has_line(r.out, "^frame 1 policy layer3\\+4 slave 1$") &&
                  has_line(r.out, "^frame 3 policy layer3\\+4 slave 0$") &&
                  has_line(r.out, "^frame 4 policy layer3\\+4 slave 1$"),
              __LINE__, "per-frame lines: %s", r.out);
    tl_run_clear(&r);

    const char *all[] = {"hash-spread", pcap, "--slaves", "3", NULL};
    r = tl_bondsim_argv(all);
    tl_checkf(r.code == 0 && has_line(r.out, "^policy layer2:") &&
                  has_line(r.out, "^policy vlan\\+srcmac:") &&
                  has_line(r.out, "^imbalance by policy"),
              __LINE__, "default --policy all: exit %d: %s", r.code, r.out);
    tl_run_clear(&r);

    g_autofree char *missing = g_build_filename(dir, "missing.pcap", NULL);
    const char *absent[] = {"hash-spread", missing, "--slaves", "2", NULL};
    r = tl_bondsim_argv(absent);
    tl_checkf(r.code == 1 && strstr(r.err, "missing.pcap") != NULL && r.out[0] == '\0', __LINE__,
              "missing capture: exit 1 naming it, got %d: %s", r.code, r.err);
    tl_run_clear(&r);

    const char *const bad[][8] = {
        {"hash-spread", pcap, NULL},                                    /* no --slaves */
        {"hash-spread", pcap, "--slaves", "0", NULL},                   /* out of range */
        {"hash-spread", pcap, "--slaves", "65", NULL},                  /* out of range */
        {"hash-spread", pcap, "--slaves", "two", NULL},                 /* not a number */
        {"hash-spread", pcap, "--slaves", "2", "--policy", "l4", NULL}, /* no such policy */
        {"hash-spread", "--slaves", "2", NULL},                         /* no capture */
        {"hash-spread", pcap, pcap, "--slaves", "2", NULL},             /* two captures */
        {"hash-spread", pcap, "--slaves", "2", "--bogus", NULL},        /* unknown option */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        r = tl_bondsim_argv(bad[i]);
        tl_checkf(r.code == 2 && r.out[0] == '\0' && strstr(r.err, "hash-spread") != NULL, __LINE__,
                  "bad command line %zu: exit 2 with a message, got %d: %s", i, r.code, r.err);
        tl_run_clear(&r);
    }

    const char *help[] = {"--help", NULL};
    r = tl_bondsim_argv(help);
    tl_checkf(r.code == 0 && strstr(r.out, "hash-spread") != NULL, __LINE__,
              "bondsim --help names hash-spread: %s", r.out);
    tl_run_clear(&r);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"xor_picks_usable_hash_mod_count_for_several_flows",
         xor_picks_usable_hash_mod_count_for_several_flows},
        {"xor_reference_examples_leave_on_their_index",
         xor_reference_examples_leave_on_their_index},
        {"xor_layer2_puts_all_traffic_to_the_gateway_on_one_slave",
         xor_layer2_puts_all_traffic_to_the_gateway_on_one_slave},
        {"xor_layer34_spreads_many_udp_flows", xor_layer34_spreads_many_udp_flows},
        {"xor_carrier_loss_remaps_at_once_and_flows_return_after_up",
         xor_carrier_loss_remaps_at_once_and_flows_return_after_up},
        {"empty_array_ignores_updelay_in_xor_not_in_broadcast",
         empty_array_ignores_updelay_in_xor_not_in_broadcast},
        {"xor_recovery_updelay_selftest", xor_recovery_updelay_selftest},
        {"xor_and_broadcast_slaves_active_with_bond_mac",
         xor_and_broadcast_slaves_active_with_bond_mac},
        {"xor_and_broadcast_drop_without_any_slave", xor_and_broadcast_drop_without_any_slave},
        {"bcast_copies_every_frame_on_every_up_slave_in_list_order",
         bcast_copies_every_frame_on_every_up_slave_in_list_order},
        {"bcast_receiver_counts_a_duplicate_of_every_frame",
         bcast_receiver_counts_a_duplicate_of_every_frame},
        {"bcast_skips_slave_at_carrier_loss_before_any_tick",
         bcast_skips_slave_at_carrier_loss_before_any_tick},
        {"hash_spread_cli_reports_slaves_and_exit_codes",
         hash_spread_cli_reports_slaves_and_exit_codes},
        CU_TEST_INFO_NULL,
    };
    return cu_run("xor_bcast", cases);
}
