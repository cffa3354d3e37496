/* test_switch_lag.c - port-channels and link-local frames on the switch
 * (sim/switch.c), against ../shared/reference/linux-bonding.md 1.6, 13.2,
 * 13.3.
 *
 * Unit tests build a four-port switch with a bare station NIC on each port
 * (as test_switch.c) and bundle ports 1 and 2 into po1: where each frame
 * ends up and the switch's counters say how learning, flooding, filtering,
 * the hash and member loss work on a channel. End-to-end tests run the
 * teaching scenarios (lag-static-xor.ini and lag-none-xor.ini, identical but
 * for the port-channel; lag-lacp.ini, also with the channel removed or the
 * bond made non-LACP by --set; lag-mclag.ini with and without the shared
 * LACP system) and count what reaches the bond's slaves and the client.
 */
#include "switch.h"

#include "cu_run.h"
#include "testlib.h"

#include <string.h>

#include "bond/bond.h"
#include "host.h"
#include "lacp/lacp.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "traffic/flow.h"
#include "util/bytes.h"
#include "util/units.h"

#define N_PORTS 4
#define ETH_P_EXPERIMENTAL 0x88b5

static const uint8_t mac_st[N_PORTS][6] = {
    {0x02, 0, 0, 0, 0, 0xa0},
    {0x02, 0, 0, 0, 0, 0xa1},
    {0x02, 0, 0, 0, 0, 0xa2},
    {0x02, 0, 0, 0, 0, 0xa3},
};
static const uint8_t mac_bond[6] = {0x02, 0, 0, 0, 0, 0xb0}; /* sent by st0 and st1 */
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t ip_a[4] = {10, 0, 0, 1}, ip_b[4] = {10, 0, 0, 2};

/* ---- a switch with stations ---------------------------------------------- */

typedef struct {
    Sim *sim;
    Switch *sw;
    Nic *st[N_PORTS];
    Link *link[N_PORTS];
    uint64_t rx[N_PORTS];
    uint16_t last_sport[N_PORTS];
} Lan;

static void station_rx(Sim *sim, Nic *nic, Frame *f)
{
    Lan *lan = nic->owner;
    lan->rx[nic->owner_index]++;
    if (f->len >= ETH_HLEN + 24 && frame_ethertype(f) == ETH_P_IP)
        lan->last_sport[nic->owner_index] = get_be16(f->data + ETH_HLEN + 20);
    frame_free(&sim->pool, f);
}

/* Four ports, stations cabled; po1 = ports 1 2 with `hash` unless `hash` is
 * SWITCH_HASH_COUNT (no channel). */
static void lan_init(Lan *lan, SwitchHash hash)
{
    memset(lan, 0, sizeof(*lan));
    lan->sim = tl_sim("t", 0);
    lan->sw = tl_add_switch(lan->sim, "sw1", N_PORTS, 0);
    if (hash != SWITCH_HASH_COUNT) {
        static const int members[] = {1, 2};
        SwitchChanConfig cfg = {SWITCH_CHAN_STATIC, true, false, hash};
        GError *error = NULL;
        CU_ASSERT_TRUE(switch_add_channel(lan->sim, lan->sw, "po1", members, 2, &cfg, &error));
        g_clear_error(&error);
    }
    for (int i = 0; i < N_PORTS; i++)
        lan->st[i] =
            tl_add_station(lan->sim, lan->sw, i, mac_st[i], lan, station_rx, &lan->link[i]);
}

static void lan_clear(Lan *lan)
{
    CU_ASSERT_EQUAL(lan->sim->pool.in_use, 0);
    sim_free(lan->sim);
    for (int i = 0; i < N_PORTS; i++)
        nic_free(lan->st[i]);
}

static void lan_run(Lan *lan)
{
    engine_run(&lan->sim->eng, lan->sim, engine_now(&lan->sim->eng) + PS_PER_MS);
}

/* A minimum frame dst <- src with EtherType `type`, sent by station `from`. */
static void lan_send_type(Lan *lan, int from, const uint8_t dst[6], const uint8_t src[6],
                          uint16_t type)
{
    Frame *f = frame_alloc(&lan->sim->pool);
    tl_eth_header(f->data, ETH_ZLEN, dst, src, type);
    f->len = ETH_ZLEN;
    CU_ASSERT_TRUE(nic_xmit(lan->sim, lan->st[from], f));
    lan_run(lan);
}

static void lan_send(Lan *lan, int from, const uint8_t dst[6], const uint8_t src[6])
{
    lan_send_type(lan, from, dst, src, ETH_P_EXPERIMENTAL);
}

/* Writes an IPv4/UDP frame a -> b, sport -> 5001, 64 bytes, into `f`. */
static void udp_bytes(uint8_t *d, const uint8_t dst[6], const uint8_t src[6], uint16_t sport)
{
    tl_eth_header(d, 64, dst, src, ETH_P_IP);
    uint8_t *ip = d + ETH_HLEN;
    ip[0] = 0x45;
    put_be16(ip + 2, 50);
    ip[8] = 64;
    ip[9] = 17;
    memcpy(ip + 12, ip_a, 4);
    memcpy(ip + 16, ip_b, 4);
    put_be16(ip + 20, sport);
    put_be16(ip + 22, 5001);
    put_be16(ip + 24, 30);
}

static void lan_send_udp(Lan *lan, int from, const uint8_t dst[6], uint16_t sport)
{
    Frame *f = frame_alloc(&lan->sim->pool);
    udp_bytes(f->data, dst, mac_st[from], sport);
    f->len = 64;
    CU_ASSERT_TRUE(nic_xmit(lan->sim, lan->st[from], f));
    lan_run(lan);
}

static bool rx_is(const Lan *lan, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3)
{
    return lan->rx[0] == r0 && lan->rx[1] == r1 && lan->rx[2] == r2 && lan->rx[3] == r3;
}

static int lookup(const Lan *lan, const uint8_t mac[6])
{
    return switch_fdb_lookup(lan->sw, mac, engine_now(&lan->sim->eng));
}

/* ---- the hash ---------------------------------------------------------------- */

/* The formulas of switch.c worked by hand. */
static void lag_hash_formulas_worked_examples(void)
{
    uint8_t f[64];
    udp_bytes(f, mac_st[1], mac_st[0], 41000);
    /* src-dst-port: k = 0xA0281389; k ^ k>>16 = 0xA028B3A1; low byte
     * 0xA1 ^ 0xB3 = 0x12 */
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_DST_PORT, f, 64), 0x12);
    udp_bytes(f, mac_st[1], mac_st[0], 41001);
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_DST_PORT, f, 64), 0x13);
    /* src-dst-ip: 10.0.0.1 ^ 10.0.0.2 = 3 */
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_DST_IP, f, 64), 0x03);
    /* src-mac 02:00:00:00:00:a0: 0x0200 ^ 0x000000a0 = 0x2a0; ^>>8 = 0x2a2 */
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_MAC, f, 64), 0xa2);
    /* dst-mac ...:a1: 0x2a1 ^ 0x2 = 0x2a3 */
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_DST_MAC, f, 64), 0xa3);
    /* src-dst-mac: 0x2a0 ^ 0x2a1 = 1 */
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_DST_MAC, f, 64), 0x01);
    /* a fragment has no ports: src-dst-port falls back to src-dst-ip */
    put_be16(f + ETH_HLEN + 6, 0x2000); /* MF */
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_DST_PORT, f, 64), 0x03);
    /* not IP: src-dst-ip and src-dst-port fall back to src-dst-mac */
    put_be16(f + 12, ETH_P_ARP);
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_DST_IP, f, 64), 0x01);
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_DST_PORT, f, 64), 0x01);
    /* truncated */
    CU_ASSERT_EQUAL(switch_hash(SWITCH_HASH_SRC_MAC, f, 10), 0);
    SwitchHash h;
    CU_ASSERT_TRUE(switch_hash_parse("src-dst-port", &h));
    CU_ASSERT_EQUAL(h, SWITCH_HASH_SRC_DST_PORT);
    CU_ASSERT_FALSE(switch_hash_parse("layer3+4", &h));
    CU_ASSERT_STRING_EQUAL(switch_hash_name(SWITCH_HASH_SRC_DST_MAC), "src-dst-mac");
}

/* ---- one logical port --------------------------------------------------------- */

static void lag_learns_on_channel_without_mac_move(void)
{
    Lan lan;
    lan_init(&lan, SWITCH_HASH_SRC_DST_IP);
    lan_send(&lan, 0, mac_st[2], mac_bond);
    CU_ASSERT_EQUAL(lookup(&lan, mac_bond), SWITCH_CHANNEL_ID(0));
    lan_send(&lan, 1, mac_st[2], mac_bond);
    lan_send(&lan, 0, mac_st[2], mac_bond);
    CU_ASSERT_EQUAL(lookup(&lan, mac_bond), SWITCH_CHANNEL_ID(0));
    CU_ASSERT_EQUAL(lan.sw->mac_moves, 0);
    CU_ASSERT_EQUAL(lan.sw->fdb_used, 1);
    /* without the channel the same frames are two moves */
    Lan plain;
    lan_init(&plain, SWITCH_HASH_COUNT);
    lan_send(&plain, 0, mac_st[2], mac_bond);
    lan_send(&plain, 1, mac_st[2], mac_bond);
    lan_send(&plain, 0, mac_st[2], mac_bond);
    CU_ASSERT_EQUAL(plain.sw->mac_moves, 2);
    lan_clear(&plain);
    lan_clear(&lan);
}

static void lag_flood_sends_one_copy_per_channel_and_never_back(void)
{
    Lan lan;
    lan_init(&lan, SWITCH_HASH_SRC_DST_MAC);
    /* from outside: one copy into po1, on the member the hash picks */
    lan_send(&lan, 2, mac_bcast, mac_st[2]);
    CU_ASSERT_EQUAL(lan.rx[0] + lan.rx[1], 1);
    CU_ASSERT_EQUAL(lan.rx[3], 1);
    uint8_t f[64] = {0};
    memcpy(f, mac_bcast, 6);
    memcpy(f + 6, mac_st[2], 6);
    put_be16(f + 12, ETH_P_EXPERIMENTAL);
    int want = (int)(switch_hash(SWITCH_HASH_SRC_DST_MAC, f, 60) % 2);
    CU_ASSERT_EQUAL(lan.rx[want], 1);
    /* from a member: nothing back into po1, one copy to each plain port */
    lan_send(&lan, 0, mac_bcast, mac_bond);
    lan_send(&lan, 1, mac_bcast, mac_bond);
    CU_ASSERT_EQUAL(lan.rx[0] + lan.rx[1], 1);
    CU_ASSERT_TRUE(lan.rx[2] == 2 && lan.rx[3] == 3);
    /* unknown unicast from a member: same */
    lan_send(&lan, 1, mac_st[3], mac_bond);
    CU_ASSERT_TRUE(lan.rx[2] == 3 && lan.rx[3] == 4 && lan.rx[0] + lan.rx[1] == 1);
    CU_ASSERT_EQUAL(lan.sw->pc[0].flooded + lan.sw->pc[1].flooded, 1);
    lan_clear(&lan);
}

static void lag_filters_frame_for_a_mac_behind_the_same_channel(void)
{
    static const uint8_t mac_x[6] = {0x02, 0, 0, 0, 0, 0x0f};
    Lan lan;
    lan_init(&lan, SWITCH_HASH_SRC_DST_IP);
    lan_send(&lan, 0, mac_bcast, mac_x); /* X behind po1 (via port1) */
    uint64_t before[N_PORTS];
    memcpy(before, lan.rx, sizeof(before));
    lan_send(&lan, 1, mac_x, mac_bond); /* for X, in on port2: same channel */
    CU_ASSERT_EQUAL(memcmp(before, lan.rx, sizeof(before)), 0);
    CU_ASSERT_EQUAL(lan.sw->pc[1].filtered, 1);
    lan_clear(&lan);
}

/* Station 3 sends eight UDP flows to the bond MAC (learned on po1): each
 * flow leaves on active[hash % 2] and, with src-dst-port, both members are
 * used; with src-dst-ip (one address pair) all flows take one member. */
static void lag_switch_hash_spreads_flows_over_members(void)
{
    static const SwitchHash hashes[] = {SWITCH_HASH_SRC_DST_PORT, SWITCH_HASH_SRC_DST_IP};
    for (gsize h = 0; h < G_N_ELEMENTS(hashes); h++) {
        Lan lan;
        lan_init(&lan, hashes[h]);
        lan_send(&lan, 0, mac_st[3], mac_bond);
        lan_send(&lan, 1, mac_st[3], mac_bond);
        memset(lan.rx, 0, sizeof(lan.rx));
        int per_member[2] = {0, 0};
        for (int k = 0; k < 8; k++) {
            uint16_t sport = (uint16_t)(41000 + k);
            uint8_t f[64];
            udp_bytes(f, mac_bond, mac_st[3], sport);
            int want = (int)(switch_hash(hashes[h], f, 64) % 2);
            uint64_t r0 = lan.rx[0], r1 = lan.rx[1];
            for (int n = 0; n < 3; n++)
                lan_send_udp(&lan, 3, mac_bond, sport);
            int got = lan.rx[0] == r0 + 3 && lan.rx[1] == r1   ? 0
                      : lan.rx[1] == r1 + 3 && lan.rx[0] == r0 ? 1
                                                               : -1;
            tl_checkf(got == want, __LINE__, "%s: flow %u on member %d, want %d",
                      switch_hash_name(hashes[h]), sport, got, want);
            if (got >= 0)
                per_member[got]++;
        }
        CU_ASSERT_EQUAL(lan.sw->flood_frames, 2); /* only the two learning frames */
        CU_ASSERT_EQUAL(lan.sw->pc[0].forwarded + lan.sw->pc[1].forwarded, 24);
        bool spread = per_member[0] == 4 && per_member[1] == 4;
        bool one = per_member[0] == 8 || per_member[1] == 8;
        CU_ASSERT_TRUE(hashes[h] == SWITCH_HASH_SRC_DST_PORT ? spread : one);
        lan_clear(&lan);
    }
}

/* Cut the member carrying a flow: the next frame leaves on the other at
 * once, the bond MAC stays learned on po1; the channel's entries go only
 * with its last member. */
static void lag_member_cut_moves_traffic_to_the_rest_at_once(void)
{
    Lan lan;
    lan_init(&lan, SWITCH_HASH_SRC_DST_PORT);
    lan_send(&lan, 0, mac_st[3], mac_bond);
    memset(lan.rx, 0, sizeof(lan.rx));
    /* 41001 hashes to 0x13: member 1 (port2) of two */
    lan_send_udp(&lan, 3, mac_bond, 41001);
    CU_ASSERT_TRUE(rx_is(&lan, 0, 1, 0, 0));

    link_set_up(lan.sim, lan.link[1], false);
    CU_ASSERT_EQUAL(lookup(&lan, mac_bond), SWITCH_CHANNEL_ID(0));
    lan_send_udp(&lan, 3, mac_bond, 41001);
    CU_ASSERT_TRUE(rx_is(&lan, 1, 1, 0, 0));
    CU_ASSERT_EQUAL(lan.sw->flood_frames, 1); /* the learning frame only */
    CU_ASSERT_EQUAL(lan.sw->chan[0].n_active, 1);
    CU_ASSERT_EQUAL(lan.sw->chan[0].remaps, 1);

    link_set_up(lan.sim, lan.link[1], true); /* back: rejoins at once */
    lan_send_udp(&lan, 3, mac_bond, 41001);
    CU_ASSERT_TRUE(rx_is(&lan, 1, 2, 0, 0));
    CU_ASSERT_EQUAL(lan.sw->chan[0].remaps, 2);

    link_set_up(lan.sim, lan.link[0], false);
    link_set_up(lan.sim, lan.link[1], false);
    CU_ASSERT_EQUAL(lookup(&lan, mac_bond), -1);
    lan_send_udp(&lan, 3, mac_bond, 41001); /* flooded to st2 only */
    CU_ASSERT_TRUE(rx_is(&lan, 1, 2, 1, 0));
    lan_clear(&lan);
}

static void lag_add_channel_refusals(void)
{
    Lan lan;
    lan_init(&lan, SWITCH_HASH_SRC_DST_IP);
    GError *e = NULL;
    static const int p3[] = {3}, p2[] = {2, 3}, p33[] = {3, 3}, p9[] = {9};
    const SwitchChanConfig cfg = {SWITCH_CHAN_STATIC, true, false, SWITCH_HASH_SRC_MAC};
    CU_ASSERT_FALSE(switch_add_channel(lan.sim, lan.sw, "po2", p2, 2, &cfg, &e));
    CU_ASSERT_PTR_NOT_NULL(e && strstr(e->message, "already in port-channel po1") ? e : NULL);
    g_clear_error(&e);
    CU_ASSERT_FALSE(switch_add_channel(lan.sim, lan.sw, "po2", p33, 2, &cfg, &e));
    g_clear_error(&e);
    CU_ASSERT_FALSE(switch_add_channel(lan.sim, lan.sw, "po2", p9, 1, &cfg, &e));
    g_clear_error(&e);
    CU_ASSERT_FALSE(switch_add_channel(lan.sim, lan.sw, "po1", p3, 1, &cfg, &e));
    g_clear_error(&e);
    CU_ASSERT_EQUAL(lan.sw->n_chan, 1);
    CU_ASSERT_EQUAL(switch_port_channel(lan.sw, 3), -1);
    CU_ASSERT_EQUAL(switch_port_channel(lan.sw, 2), 0);
    lan_clear(&lan);
}

/* ---- link-local frames (13.3) ------------------------------------------------- */

/* LACPDUs, STP BPDUs and LLDP are taken at ingress by a plain port and by
 * a static channel member: nobody receives them, nothing is learned; the
 * first group outside 01:80:c2:00:00:0x is flooded as before. */
static void link_local_frames_are_consumed_not_forwarded(void)
{
    static const uint8_t slow[6] = {0x01, 0x80, 0xc2, 0, 0, 0x02};
    static const uint8_t stp[6] = {0x01, 0x80, 0xc2, 0, 0, 0x00};
    static const uint8_t lldp[6] = {0x01, 0x80, 0xc2, 0, 0, 0x0e};
    static const uint8_t not_ll[6] = {0x01, 0x80, 0xc2, 0, 0, 0x10};
    for (int with_chan = 0; with_chan < 2; with_chan++) {
        Lan lan;
        lan_init(&lan, with_chan ? SWITCH_HASH_SRC_DST_IP : SWITCH_HASH_COUNT);
        lan_send_type(&lan, 0, slow, mac_st[0], ETH_P_SLOW);
        lan_send_type(&lan, 1, slow, mac_st[1], ETH_P_SLOW);
        lan_send_type(&lan, 3, stp, mac_st[3], 0x0026);
        lan_send_type(&lan, 3, lldp, mac_st[3], 0x88cc);
        CU_ASSERT_TRUE(rx_is(&lan, 0, 0, 0, 0));
        CU_ASSERT_EQUAL(lan.sw->pc[0].link_local_consumed, 1);
        CU_ASSERT_EQUAL(lan.sw->pc[1].link_local_consumed, 1);
        CU_ASSERT_EQUAL(lan.sw->pc[3].link_local_consumed, 2);
        CU_ASSERT_EQUAL(lan.sw->flood_frames, 0);
        CU_ASSERT_EQUAL(lan.sw->fdb_used, 0);
        lan_send_type(&lan, 3, not_ll, mac_st[3], ETH_P_EXPERIMENTAL);
        CU_ASSERT_EQUAL(lan.sw->flood_frames, 1);
        CU_ASSERT_EQUAL(lan.rx[2], 1);
        lan_clear(&lan);
    }
    CU_ASSERT_TRUE(switch_mac_is_link_local(stp));
    CU_ASSERT_TRUE(switch_mac_is_link_local(lldp));
    CU_ASSERT_FALSE(switch_mac_is_link_local(not_ll));
}

/* ---- scenario keys ------------------------------------------------------------ */

static const char *const lan_ini = "[simulation]\nformat = 1\nduration = 1s\n"
                                   "[switch sw1]\nports = 4\n%s\n";

static Sim *load_text(const char *text, GError **error)
{
    g_autofree char *dir = cu_scratch_dir("switch-lag-load");
    g_autofree char *path = g_build_filename(dir, "lag.ini", NULL);
    g_file_set_contents(path, text, -1, NULL);
    ScenarioOptions opts = {0};
    return scenario_load(path, &opts, NULL, error);
}

static void scenario_portchannel_keys(void)
{
    static const struct {
        const char *keys;
        const char *error; /* NULL: loads */
    } cases[] = {
        {"portchannel.po1 = 1 2", NULL},
        {"port-channel.po1 = port1 port2 mode=static hash=src-dst-port", NULL},
        {"portchannel.po1 = 1 2 mode=on hash=dst-mac\nportchannel.po2 = 3 4 hash=src-mac", NULL},
        {"portchannel.po1 = 1 2\nportchannel.po2 = 2 3", "already in port-channel po1"},
        {"portchannel.po1 = 1 5", "port 5 does not exist"},
        {"portchannel.po1 = mode=static", "no member ports"},
        {"portchannel.po1 = 1 x", "'x' is not a port number"},
        {"portchannel.po1 = 1 2 hash=layer3+4", "hash 'layer3+4'"},
        {"portchannel.po1 = 1 2 mode=desirable", "mode 'desirable'"},
        {"portchannel.po1 = 1 2 lacp=active", "lacp=active needs mode=lacp"},
        {"portchannel.po1 = 1 2 lacp_rate=fast", "lacp_rate=fast needs mode=lacp"},
        {"portchannel.po1 = 1 2 mode=lacp lacp=passive lacp_rate=fast", NULL},
        {"lacp_system = 02:00:00:00:aa:01\nportchannel.po1 = 1 2 mode=lacp", NULL},
        {"lacp_system = 01:00:00:00:aa:01", "not a unicast MAC"},
        {"lacp_system_priority = 0", "lacp_system_priority"},
        {"portchannel.po1 = 1 2 speed=1G", "unknown option 'speed'"},
        {"channel.po1 = 1 2", "unknown key"},
    };
    for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
        g_autofree char *text = g_strdup_printf(lan_ini, cases[c].keys);
        GError *error = NULL;
        Sim *sim = load_text(text, &error);
        if (!cases[c].error) {
            tl_checkf(sim != NULL, __LINE__, "'%s' loads: %s", cases[c].keys,
                      error ? error->message : "");
            if (sim) {
                Switch *sw = sim->switches->pdata[0];
                CU_ASSERT_TRUE(sw->n_chan >= 1);
                CU_ASSERT_EQUAL(switch_port_channel(sw, 1), 0);
                CU_ASSERT_EQUAL(switch_port_channel(sw, 2), 0);
            }
        } else {
            tl_checkf(sim == NULL && error && strstr(error->message, cases[c].error) &&
                          strstr(error->message, "lag.ini:") &&
                          strstr(error->message, "[switch sw1]"),
                      __LINE__, "'%s' refused with '%s': got %s", cases[c].keys, cases[c].error,
                      error ? error->message : "(loaded)");
        }
        g_clear_error(&error);
        sim_free(sim);
    }
}

/* ---- end to end: the two teaching scenarios ---------------------------------- */

/* Counts, per server slave (0, 1) and the client's NIC (2, if any), the
 * broadcasts received and those whose source is the bond itself (its own,
 * sent back by the switch), the client's UDP flows and slow-protocol
 * frames. The NICs' rx handlers are wrapped; the originals are kept here. */
enum { TAP_N = 3 };

typedef struct {
    Nic *nic[TAP_N];
    NicRxFn orig[TAP_N];
    const uint8_t *bond_mac;
    uint64_t bcast[TAP_N], own[TAP_N];
    uint64_t in_flow_rx[TAP_N]; /* UDP frames of the client's flows (sport >= 41000) */
    uint64_t slow[TAP_N];       /* frames to 01:80:c2:00:00:02 */
    LacpPdu last_pdu[2];        /* the last LACPDU each server slave received */
} Tap;

static Tap tap; /* one scenario runs at a time in this test program */

static void tap_rx(Sim *sim, Nic *nic, Frame *f)
{
    int i = 0;
    while (i < TAP_N - 1 && tap.nic[i] != nic)
        i++;
    if (mac_is_broadcast(f->data)) {
        tap.bcast[i]++;
        tap.own[i] += mac_equal(f->data + 6, tap.bond_mac);
    }
    if (f->len >= ETH_HLEN + 24 && frame_ethertype(f) == ETH_P_IP && f->data[ETH_HLEN + 9] == 17 &&
        get_be16(f->data + ETH_HLEN + 20) >= 41000)
        tap.in_flow_rx[i]++;
    tap.slow[i] += switch_mac_is_link_local(f->data) && frame_ethertype(f) == ETH_P_SLOW;
    if (i < 2 && lacp_frame_subtype(f->data, f->len) == LACP_SUBTYPE_LACPDU)
        CU_ASSERT_TRUE(lacp_lacpdu_decode(f->data, f->len, &tap.last_pdu[i]));
    tap.orig[i](sim, nic, f);
}

static void tap_install(Sim *sim)
{
    memset(&tap, 0, sizeof(tap));
    Bond *b = sim->bonds->pdata[0];
    tap.bond_mac = b->mac;
    for (int i = 0; i < TAP_N; i++) {
        Host *client = sim->hosts->len > 1 ? sim->hosts->pdata[1] : NULL;
        Nic *n = i < 2 ? b->slaves[i].nic : client ? client->ifaces[0]->nic : NULL;
        if (!n)
            continue;
        tap.nic[i] = n;
        tap.orig[i] = n->rx;
        n->rx = tap_rx;
    }
}

typedef struct {
    uint64_t mac_moves, floods;
    uint64_t in_received, in_sent, in_ooo, out_received, out_sent;
    uint64_t link_local[2];  /* sw1 ports 1 and 2: consumed link-local frames */
    uint64_t not_collecting; /* sw1 ports 1 and 2: data frames dropped by LACP */
    int distributing[2];     /* first and second switch: LACP members distributing */
    uint64_t lacpdu_rx[2];   /* sw1 po1 members 1 and 2 */
    Tap tap;
} LagRun;

static void lag_run_collect(Sim *sim, LagRun *r)
{
    Switch *sw = sim->switches->pdata[0];
    r->mac_moves = sw->mac_moves;
    r->floods = sw->flood_frames;
    for (int p = 0; p < 2; p++) {
        r->link_local[p] = sw->pc[p].link_local_consumed;
        r->not_collecting += sw->pc[p].lacp_not_collecting;
    }
    for (guint k = 0; k < sim->switches->len && k < 2; k++) {
        Switch *s = sim->switches->pdata[k];
        for (int c = 0; c < s->n_chan; c++)
            for (int m = 0; s->chan[c].lacp && m < s->chan[c].n_members; m++)
                r->distributing[k] += lacp_port_distributing(s->chan[c].lacp, m);
    }
    if (sw->n_chan > 0 && sw->chan[0].lacp)
        for (int m = 0; m < sw->chan[0].n_members && m < 2; m++)
            r->lacpdu_rx[m] = lacp_port_stats(sw->chan[0].lacp, m)->lacpdu_rx;
    for (guint i = 0; i < sim->flows->len; i++) {
        Flow *fl = sim->flows->pdata[i];
        if (g_str_has_prefix(fl->name, "in#")) {
            r->in_sent += fl->sent;
            r->in_received += fl->received;
            r->in_ooo += fl->out_of_order;
        } else if (g_str_has_prefix(fl->name, "out#")) {
            r->out_sent += fl->sent;
            r->out_received += fl->received;
        }
    }
    r->tap = tap;
}

/* Runs scenarios/<name>.ini with an optional --set, or, when `drop_line`
 * is given, a copy without the lines that contain it. */
static bool run_scenario_edit(const char *name, const char *set, const char *drop_line, LagRun *r)
{
    memset(r, 0, sizeof(*r));
    g_autofree char *path = g_strdup_printf("%s/scenarios/%s.ini", BONDSIM_SOURCE_DIR, name);
    if (drop_line) {
        g_autofree char *text = NULL;
        CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &text, NULL, NULL));
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        GString *out = g_string_new(NULL);
        for (char **l = lines; *l; l++)
            if (!strstr(*l, drop_line))
                g_string_append_printf(out, "%s\n", *l);
        g_autofree char *dir = cu_scratch_dir("switch-lag-edit");
        g_free(path);
        path = g_strdup_printf("%s/%s.ini", dir, name);
        g_file_set_contents(path, out->str, -1, NULL);
        g_string_free(out, TRUE);
    }
    g_autoptr(GPtrArray) sets = g_ptr_array_new();
    if (set)
        g_ptr_array_add(sets, (gpointer)set);
    ScenarioOptions opts = {.sets = sets};
    GError *error = NULL;
    Sim *sim = scenario_load(path, &opts, NULL, &error);
    tl_checkf(sim != NULL, __LINE__, "%s loads: %s", name, error ? error->message : "");
    g_clear_error(&error);
    if (!sim)
        return false;
    sim->cap = capture_new(CAPTURE_NONE, "unused", 0, NULL, NULL);
    tap_install(sim);
    sim_run(sim, false);
    lag_run_collect(sim, r);
    sim_free(sim);
    return true;
}

static bool run_scenario(const char *name, const char *set, LagRun *r)
{
    return run_scenario_edit(name, set, NULL, r);
}

/* The same balance-xor bond with and without a static port-channel (1.6,
 * 13.2): with it, no MAC move, inbound flows spread by the switch hash over
 * both slaves, each broadcast delivered once and none of the bond's own
 * returned; without it, the MAC flaps, every client broadcast arrives on
 * both slaves and the server's own ARP request comes back. */
static void xor_into_static_channel_versus_plain_switch(void)
{
    LagRun po, none;
    if (!run_scenario("lag-static-xor", NULL, &po) || !run_scenario("lag-none-xor", NULL, &none))
        return;
    CU_ASSERT_EQUAL(po.mac_moves, 0);
    CU_ASSERT_TRUE(po.in_sent > 200 && po.in_received == po.in_sent && po.in_ooo == 0);
    CU_ASSERT_TRUE(po.out_sent > 200 && po.out_received == po.out_sent);
    /* 41000/41002 -> port1, 41001/41003 -> port2 while both members are up */
    tl_checkf(po.tap.in_flow_rx[0] > po.tap.in_flow_rx[1] && po.tap.in_flow_rx[1] > po.in_sent / 5,
              __LINE__, "inbound flows on eth0/eth1: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
              po.tap.in_flow_rx[0], po.tap.in_flow_rx[1]);
    /* 3 ARP requests from the client, each once; the server's own never */
    CU_ASSERT_EQUAL(po.tap.bcast[0] + po.tap.bcast[1], 3);
    CU_ASSERT_EQUAL(po.tap.own[0] + po.tap.own[1], 0);

    tl_checkf(none.mac_moves > 100, __LINE__,
              "MAC moves without a port-channel: %" G_GUINT64_FORMAT, none.mac_moves);
    /* the client's 3 on both slaves (but the last, while eth1 is cut) and
     * the server's own, sent on eth0, back on eth1 */
    CU_ASSERT_EQUAL(none.tap.bcast[0], 3);
    CU_ASSERT_EQUAL(none.tap.bcast[1], 3);
    CU_ASSERT_EQUAL(none.tap.own[0] + none.tap.own[1], 1);
    CU_ASSERT_TRUE(none.floods >= po.floods);
}

/* balance-rr into the same static channel: the bond's MAC on both members
 * every other frame, still no move. */
static void rr_into_static_channel_has_no_mac_move(void)
{
    LagRun po, none;
    if (!run_scenario("lag-static-xor", "host.server.bond.bond0=mode=balance-rr miimon=100", &po) ||
        !run_scenario("lag-none-xor", "host.server.bond.bond0=mode=balance-rr miimon=100", &none))
        return;
    CU_ASSERT_EQUAL(po.mac_moves, 0);
    CU_ASSERT_EQUAL(po.in_received, po.in_sent);
    CU_ASSERT_EQUAL(po.tap.own[0] + po.tap.own[1], 0);
    tl_checkf(none.mac_moves > 100, __LINE__,
              "rr MAC moves without a port-channel: %" G_GUINT64_FORMAT, none.mac_moves);
}

/* ---- LACP channels ----------------------------------------------------------------- */

/* lag-lacp.ini: the switch and the 802.3ad bond negotiate; inbound flows
 * spread by the switch hash; nothing is lost at the cut (port2 leaves at
 * the carrier event) nor at the repair (port2 waits for LACP); port2
 * distributes again at the end. */
static void lacp_channel_converges_with_8023ad_bond(void)
{
    LagRun r;
    if (!run_scenario("lag-lacp", NULL, &r))
        return;
    CU_ASSERT_EQUAL(r.distributing[0], 2);
    /* the switch's identity on the wire: system 02:5e:00:00:00:00 priority
     * 32768, key 73 (channel 1, 1G, full duplex), ports 1 and 2 priority
     * 32768, collecting+distributing, slow rate, active */
    static const uint8_t sw_sys[6] = {0x02, 0x5e, 0, 0, 0, 0};
    for (int i = 0; i < 2; i++) {
        const LacpInfo *a = &r.tap.last_pdu[i].actor;
        CU_ASSERT_EQUAL(memcmp(a->system, sw_sys, 6), 0);
        CU_ASSERT_EQUAL(a->sys_prio, 32768);
        CU_ASSERT_EQUAL(a->key, 73);
        CU_ASSERT_EQUAL(a->port, i + 1);
        CU_ASSERT_EQUAL(a->port_prio, 32768);
        CU_ASSERT_EQUAL(a->state, 0x3d);
        CU_ASSERT_EQUAL(r.tap.last_pdu[i].partner.state, 0x3f);
    }
    tl_checkf(r.lacpdu_rx[0] >= 3 && r.lacpdu_rx[1] >= 3, __LINE__,
              "LACPDUs received on port1/port2: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
              r.lacpdu_rx[0], r.lacpdu_rx[1]);
    CU_ASSERT_EQUAL(r.link_local[0] + r.link_local[1], 0);
    CU_ASSERT_EQUAL(r.tap.slow[2], 0); /* no LACPDU reaches the client */
    CU_ASSERT_EQUAL(r.mac_moves, 0);
    CU_ASSERT_TRUE(r.in_sent > 100 && r.in_received == r.in_sent && r.in_ooo == 0);
    CU_ASSERT_TRUE(r.out_sent > 100 && r.out_received == r.out_sent);
    tl_checkf(r.tap.in_flow_rx[0] > 0 && r.tap.in_flow_rx[1] > r.in_sent / 10, __LINE__,
              "inbound flows on eth0/eth1: %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT,
              r.tap.in_flow_rx[0], r.tap.in_flow_rx[1]);
}

/* A passive channel answers an active bond: same convergence, the
 * switch's LACPDUs carry no Activity bit. */
static void lacp_passive_channel_converges_with_active_bond(void)
{
    LagRun r;
    if (!run_scenario("lag-lacp",
                      "switch.sw1.portchannel.po1=1 2 mode=lacp lacp=passive hash=src-dst-port",
                      &r))
        return;
    CU_ASSERT_EQUAL(r.distributing[0], 2);
    CU_ASSERT_TRUE(r.in_sent > 100 && r.in_received == r.in_sent);
    CU_ASSERT_TRUE(r.out_sent > 100 && r.out_received == r.out_sent);
}

/* A balance-xor bond (no LACP) into an LACP channel: the members never
 * reach collecting+distributing, the switch suspends them: every frame of
 * the bond is dropped at ingress, nothing goes to the bond. */
static void lacp_channel_suspends_members_without_lacp_partner(void)
{
    LagRun r;
    if (!run_scenario("lag-lacp", "host.server.bond.bond0=mode=balance-xor miimon=100", &r))
        return;
    CU_ASSERT_EQUAL(r.distributing[0], 0);
    CU_ASSERT_EQUAL(r.in_received, 0);
    CU_ASSERT_EQUAL(r.out_received, 0);
    CU_ASSERT_TRUE(r.not_collecting > 0);
    CU_ASSERT_EQUAL(r.tap.in_flow_rx[0] + r.tap.in_flow_rx[1], 0);
    CU_ASSERT_TRUE(r.tap.slow[0] > 0 && r.tap.slow[1] > 0); /* the switch's LACPDUs */
}

/* 13.3: the same 802.3ad bond into a plain switch: its LACPDUs are neither
 * forwarded nor answered (consumed on ports 1 and 2, none to the client,
 * none to the bond), and traffic flows over the one port the bond falls
 * back to. */
static void plain_switch_neither_forwards_nor_answers_lacpdus(void)
{
    LagRun r;
    if (!run_scenario_edit("lag-lacp", NULL, "portchannel.po1", &r))
        return;
    CU_ASSERT_TRUE(r.link_local[0] > 0 && r.link_local[1] > 0);
    CU_ASSERT_EQUAL(r.tap.slow[0] + r.tap.slow[1] + r.tap.slow[2], 0);
    CU_ASSERT_EQUAL(r.in_received, r.in_sent);
    CU_ASSERT_EQUAL(r.mac_moves, 0);
}

/* Two switches, one bond port each: with one shared LACP system (MC-LAG)
 * both ports aggregate; with each switch's own identity the bond sees two
 * partners, two aggregators, and only one port distributes. */
static void mclag_shared_identity_aggregates_independent_does_not(void)
{
    LagRun shared, indep;
    if (!run_scenario("lag-mclag", NULL, &shared) ||
        !run_scenario_edit("lag-mclag", NULL, "lacp_system", &indep))
        return;
    CU_ASSERT_TRUE(shared.distributing[0] == 1 && shared.distributing[1] == 1);
    CU_ASSERT_EQUAL(indep.distributing[0] + indep.distributing[1], 1);
}

/* ---- registration -------------------------------------------------------------- */

static CU_TestInfo cases[] = {
    {"lag_hash_formulas_worked_examples", lag_hash_formulas_worked_examples},
    {"lag_learns_on_channel_without_mac_move", lag_learns_on_channel_without_mac_move},
    {"lag_flood_sends_one_copy_per_channel_and_never_back",
     lag_flood_sends_one_copy_per_channel_and_never_back},
    {"lag_filters_frame_for_a_mac_behind_the_same_channel",
     lag_filters_frame_for_a_mac_behind_the_same_channel},
    {"lag_switch_hash_spreads_flows_over_members", lag_switch_hash_spreads_flows_over_members},
    {"lag_member_cut_moves_traffic_to_the_rest_at_once",
     lag_member_cut_moves_traffic_to_the_rest_at_once},
    {"lag_add_channel_refusals", lag_add_channel_refusals},
    {"link_local_frames_are_consumed_not_forwarded", link_local_frames_are_consumed_not_forwarded},
    {"scenario_portchannel_keys", scenario_portchannel_keys},
    {"xor_into_static_channel_versus_plain_switch", xor_into_static_channel_versus_plain_switch},
    {"rr_into_static_channel_has_no_mac_move", rr_into_static_channel_has_no_mac_move},
    {"lacp_channel_converges_with_8023ad_bond", lacp_channel_converges_with_8023ad_bond},
    {"lacp_passive_channel_converges_with_active_bond",
     lacp_passive_channel_converges_with_active_bond},
    {"lacp_channel_suspends_members_without_lacp_partner",
     lacp_channel_suspends_members_without_lacp_partner},
    {"plain_switch_neither_forwards_nor_answers_lacpdus",
     plain_switch_neither_forwards_nor_answers_lacpdus},
    {"mclag_shared_identity_aggregates_independent_does_not",
     mclag_shared_identity_aggregates_independent_does_not},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("switch_lag", cases);
}
