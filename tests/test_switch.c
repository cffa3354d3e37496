/* test_switch.c - the learning bridge (sim/switch.c).
 *
 * A four-port switch with a bare station NIC cabled to each port. Stations
 * send raw Ethernet frames with whatever source MAC a test needs and count
 * what they receive, so learning, flooding, filtering, moves and aging are
 * checked by where each frame ends up and by the switch's counters.
 */
#include "switch.h"

#include "cu_run.h"
#include "sim.h"
#include "testlib.h"
#include "util/units.h"

#include <string.h>

#define N_PORTS 4
#define ETH_P_EXPERIMENTAL 0x88b5 /* IEEE 802 local experimental */

/* Station MACs: station i sends as mac_st[i] unless a test says otherwise. */
static const uint8_t mac_st[N_PORTS][6] = {
    {0x02, 0, 0, 0, 0, 0xa0},
    {0x02, 0, 0, 0, 0, 0xa1},
    {0x02, 0, 0, 0, 0, 0xa2},
    {0x02, 0, 0, 0, 0, 0xa3},
};
static const uint8_t mac_unknown[6] = {0x02, 0, 0, 0, 0, 0xee};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_mcast[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

typedef struct {
    Sim *sim;
    Switch *sw;           /* owned by the Sim */
    Nic *st[N_PORTS];     /* stations, owned here; st[i] is cabled to port i+1 */
    Link *link[N_PORTS];  /* owned by the Sim */
    uint64_t rx[N_PORTS]; /* frames each station received */
    uint8_t last_src[N_PORTS][6];
} Lan;

static void station_rx(Sim *sim, Nic *nic, Frame *f)
{
    Lan *lan = nic->owner;
    lan->rx[nic->owner_index]++;
    memcpy(lan->last_src[nic->owner_index], f->data + 6, 6);
    frame_free(&sim->pool, f);
}

static void lan_init(Lan *lan, uint64_t aging_ps)
{
    memset(lan, 0, sizeof(*lan));
    lan->sim = tl_sim("t", 0);
    lan->sw = tl_add_switch(lan->sim, "sw1", N_PORTS, aging_ps);
    for (int i = 0; i < N_PORTS; i++)
        lan->st[i] =
            tl_add_station(lan->sim, lan->sw, i, mac_st[i], lan, station_rx, &lan->link[i]);
}

static void lan_clear(Lan *lan)
{
    sim_free(lan->sim);
    for (int i = 0; i < N_PORTS; i++)
        nic_free(lan->st[i]);
}

/* Station `from` sends one minimum frame dst <- src, then the LAN runs for
 * 1 ms (every frame has long arrived). */
static void lan_send(Lan *lan, int from, const uint8_t dst[6], const uint8_t src[6])
{
    Frame *f = frame_alloc(&lan->sim->pool);
    tl_eth_header(f->data, ETH_ZLEN, dst, src, ETH_P_EXPERIMENTAL);
    f->len = ETH_ZLEN;
    CU_ASSERT_TRUE(nic_xmit(lan->sim, lan->st[from], f));
    engine_run(&lan->sim->eng, lan->sim, engine_now(&lan->sim->eng) + PS_PER_MS);
}

/* Whether the stations' receive counts are exactly `expected`. */
static bool rx_is(const Lan *lan, uint64_t r0, uint64_t r1, uint64_t r2, uint64_t r3)
{
    return lan->rx[0] == r0 && lan->rx[1] == r1 && lan->rx[2] == r2 && lan->rx[3] == r3;
}

static int lookup(const Lan *lan, const uint8_t mac[6])
{
    return switch_fdb_lookup(lan->sw, mac, engine_now(&lan->sim->eng));
}

/* ---- learning and forwarding --------------------------------------------- */

static void switch_learns_source_then_forwards_only_to_its_port(void)
{
    Lan lan;
    lan_init(&lan, 0);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), -1);

    lan_send(&lan, 0, mac_st[1], mac_st[0]); /* B unknown yet: flooded */

    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), 0);
    CU_ASSERT_TRUE(rx_is(&lan, 0, 1, 1, 1));
    CU_ASSERT_EQUAL(lan.sw->flood_frames, 1);

    lan_send(&lan, 1, mac_st[0], mac_st[1]); /* A known: port 1 only */

    CU_ASSERT_TRUE(rx_is(&lan, 1, 1, 1, 1));
    CU_ASSERT_EQUAL(memcmp(lan.last_src[0], mac_st[1], 6), 0);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[1]), 1);
    CU_ASSERT_EQUAL(lan.sw->pc[0].forwarded, 1);
    CU_ASSERT_EQUAL(lan.sw->flood_frames, 1);
    CU_ASSERT_EQUAL(lan.sw->fdb_used, 2);
    CU_ASSERT_EQUAL(lan.sw->mac_moves, 0);
    CU_ASSERT_EQUAL(lan.sim->pool.in_use, 0);
    lan_clear(&lan);
}

static void switch_floods_unknown_unicast_to_other_ports_with_carrier(void)
{
    Lan lan;
    lan_init(&lan, 0);
    link_set_up(lan.sim, lan.link[3], false);

    lan_send(&lan, 0, mac_unknown, mac_st[0]);

    CU_ASSERT_TRUE(rx_is(&lan, 0, 1, 1, 0));
    CU_ASSERT_EQUAL(lan.sw->pc[0].flooded, 0); /* never back out of the ingress */
    CU_ASSERT_EQUAL(lan.sw->pc[1].flooded, 1);
    CU_ASSERT_EQUAL(lan.sw->pc[2].flooded, 1);
    CU_ASSERT_EQUAL(lan.sw->pc[3].flooded, 0);
    CU_ASSERT_EQUAL(lan.sw->flood_frames, 1);
    CU_ASSERT_EQUAL(lan.sim->pool.in_use, 0);
    lan_clear(&lan);
}

static void switch_floods_broadcast_and_multicast_even_when_learned(void)
{
    static const uint8_t mcast_src[6] = {0x03, 0, 0, 0, 0, 0x01};
    Lan lan;
    lan_init(&lan, 0);
    lan_send(&lan, 1, mac_bcast, mac_st[1]);
    CU_ASSERT_TRUE(rx_is(&lan, 1, 0, 1, 1));
    lan_send(&lan, 2, mac_st[1], mac_st[2]); /* now both are known */
    CU_ASSERT_TRUE(rx_is(&lan, 1, 1, 1, 1));

    lan_send(&lan, 1, mac_bcast, mac_st[1]);
    CU_ASSERT_TRUE(rx_is(&lan, 2, 1, 2, 2));
    lan_send(&lan, 2, mac_mcast, mac_st[2]);
    CU_ASSERT_TRUE(rx_is(&lan, 3, 2, 2, 3));
    CU_ASSERT_EQUAL(lan.sw->flood_frames, 3);
    /* a multicast source is never learned */
    lan_send(&lan, 3, mac_bcast, mcast_src);
    CU_ASSERT_EQUAL(lookup(&lan, mcast_src), -1);
    CU_ASSERT_EQUAL(lan.sw->fdb_used, 2);
    lan_clear(&lan);
}

static void switch_counts_mac_move_and_lookup_reports_new_port(void)
{
    Lan lan;
    lan_init(&lan, 0);
    lan_send(&lan, 0, mac_bcast, mac_st[0]);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), 0);

    lan_send(&lan, 2, mac_bcast, mac_st[0]); /* A now appears behind port 3 */

    CU_ASSERT_EQUAL(lan.sw->mac_moves, 1);
    CU_ASSERT_EQUAL(lan.sw->pc[2].mac_moves_in, 1);
    CU_ASSERT_EQUAL(lan.sw->pc[0].mac_moves_in, 0);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), 2);
    CU_ASSERT_EQUAL(lan.sw->fdb_used, 1);
    /* traffic for A follows it */
    uint64_t rx2 = lan.rx[2], rx0 = lan.rx[0];
    lan_send(&lan, 1, mac_st[0], mac_st[1]);
    CU_ASSERT_EQUAL(lan.rx[2], rx2 + 1);
    CU_ASSERT_EQUAL(lan.rx[0], rx0);
    /* seen again on the same port: not a move */
    lan_send(&lan, 2, mac_bcast, mac_st[0]);
    CU_ASSERT_EQUAL(lan.sw->mac_moves, 1);
    lan_clear(&lan);
}

/* ---- aging and flushing -------------------------------------------------- */

/* A's frame reaches the switch at 672 ns + 1 us = 1 672 000 ps (seen_ps);
 * with aging 1 ms the entry is valid up to seen + 1 ms - 1 ps. */
static void switch_entry_older_than_aging_is_unknown_and_flooded(void)
{
    const uint64_t aging = PS_PER_MS;
    const uint64_t seen = UINT64_C(1672000);
    Lan lan;
    lan_init(&lan, aging);
    lan_send(&lan, 0, mac_bcast, mac_st[0]);
    CU_ASSERT_TRUE(rx_is(&lan, 0, 1, 1, 1));

    CU_ASSERT_EQUAL(switch_fdb_lookup(lan.sw, mac_st[0], seen), 0);
    CU_ASSERT_EQUAL(switch_fdb_lookup(lan.sw, mac_st[0], seen + aging - 1), 0);
    CU_ASSERT_EQUAL(switch_fdb_lookup(lan.sw, mac_st[0], seen + aging), -1);

    /* lan_send ran to 1 ms: B's frame reaches the switch at 1.001672 ms,
     * exactly `aging` after A was seen: A is unknown again */
    lan_send(&lan, 1, mac_st[0], mac_st[1]);

    CU_ASSERT_TRUE(rx_is(&lan, 1, 1, 2, 2));
    CU_ASSERT_EQUAL(lan.sw->flood_frames, 2);
    CU_ASSERT_EQUAL(lan.sw->pc[0].forwarded, 0);
    /* an aged entry reappearing elsewhere is learned afresh, not a move */
    lan_send(&lan, 3, mac_bcast, mac_st[0]);
    CU_ASSERT_EQUAL(lan.sw->mac_moves, 0);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), 3);
    lan_clear(&lan);
}

/* Aging 1.5 ms: A is seen at 1.672 us and again at 1.001672 ms; B's frame
 * for A at 2.001672 ms finds an entry 1 ms old, not 2 ms. */
static void switch_entry_refreshed_by_traffic_does_not_age(void)
{
    const uint64_t aging = 3 * PS_PER_MS / 2;
    Lan lan;
    lan_init(&lan, aging);
    lan_send(&lan, 0, mac_bcast, mac_st[0]);
    lan_send(&lan, 0, mac_bcast, mac_st[0]);

    lan_send(&lan, 1, mac_st[0], mac_st[1]);

    CU_ASSERT_TRUE(rx_is(&lan, 1, 2, 2, 2));
    CU_ASSERT_EQUAL(lan.sw->pc[0].forwarded, 1);
    CU_ASSERT_EQUAL(lan.sw->flood_frames, 2);
    lan_clear(&lan);
}

static void switch_port_losing_carrier_flushes_its_entries(void)
{
    Lan lan;
    lan_init(&lan, 0);
    lan_send(&lan, 0, mac_bcast, mac_st[0]);
    lan_send(&lan, 1, mac_bcast, mac_st[1]);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), 0);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[1]), 1);

    link_set_up(lan.sim, lan.link[0], false);

    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), -1);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[1]), 1);
    uint64_t floods = lan.sw->flood_frames;
    lan_send(&lan, 1, mac_st[0], mac_st[1]);
    CU_ASSERT_EQUAL(lan.sw->flood_frames, floods + 1);
    CU_ASSERT_TRUE(rx_is(&lan, 1, 1, 3, 3));

    /* back up: A is learned again on its own port, not counted as a move */
    link_set_up(lan.sim, lan.link[0], true);
    lan_send(&lan, 0, mac_st[1], mac_st[0]);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), 0);
    CU_ASSERT_EQUAL(lan.sw->mac_moves, 0);
    CU_ASSERT_TRUE(rx_is(&lan, 1, 2, 3, 3));
    lan_clear(&lan);
}

/* ---- filtering ----------------------------------------------------------- */

/* Station 0 stands for a segment with two MACs (X and A) behind port 1: a
 * frame from A to X comes in on the port X was learned on. */
static void switch_filters_frame_whose_destination_is_behind_ingress(void)
{
    static const uint8_t mac_x[6] = {0x02, 0, 0, 0, 0, 0x0f};
    Lan lan;
    lan_init(&lan, 0);
    lan_send(&lan, 0, mac_bcast, mac_x);
    CU_ASSERT_TRUE(rx_is(&lan, 0, 1, 1, 1));

    lan_send(&lan, 0, mac_x, mac_st[0]);

    CU_ASSERT_TRUE(rx_is(&lan, 0, 1, 1, 1));
    CU_ASSERT_EQUAL(lan.sw->pc[0].filtered, 1);
    CU_ASSERT_EQUAL(lan.sw->flood_frames, 1);
    CU_ASSERT_EQUAL(lookup(&lan, mac_st[0]), 0);
    CU_ASSERT_EQUAL(lan.sim->pool.in_use, 0);
    lan_clear(&lan);
}

/* ---- table limit --------------------------------------------------------- */

static void switch_fdb_full_stops_learning_new_sources(void)
{
    const int limit = SWITCH_FDB_SIZE / 2;
    Lan lan;
    lan_init(&lan, 0);
    uint8_t src[6] = {0x02, 0x77, 0, 0, 0, 0};
    for (int i = 0; i <= limit; i++) {
        src[4] = (uint8_t)(i >> 8);
        src[5] = (uint8_t)i;
        lan_send(&lan, 0, mac_bcast, src);
    }

    CU_ASSERT_EQUAL(lan.sw->fdb_used, limit);
    CU_ASSERT_EQUAL(lan.sw->fdb_full, 1);
    CU_ASSERT_EQUAL(lookup(&lan, src), -1); /* the last one */
    src[4] = 0;
    src[5] = 0;
    CU_ASSERT_EQUAL(lookup(&lan, src), 0);
    /* the frames were still forwarded */
    CU_ASSERT_TRUE(rx_is(&lan, 0, limit + 1, limit + 1, limit + 1));
    /* a known source is refreshed even when the table is full */
    lan_send(&lan, 0, mac_bcast, src);
    CU_ASSERT_EQUAL(lan.sw->fdb_full, 1);
    lan_clear(&lan);
}

/* A full table whose entries have aged out learns again: the aged slots are
 * compacted away when a new source finds the table full (they used to stay
 * taken for the rest of the run). Aging 10 s; filling takes 4.1 s (1 ms per
 * frame), so every entry is live until 10 s after the first. */
static void switch_fdb_full_of_aged_entries_learns_again(void)
{
    const int limit = SWITCH_FDB_SIZE / 2;
    Lan lan;
    lan_init(&lan, 10 * PS_PER_S);
    uint8_t src[6] = {0x02, 0x77, 0, 0, 0, 0};
    for (int i = 0; i <= limit; i++) {
        src[4] = (uint8_t)(i >> 8);
        src[5] = (uint8_t)i;
        lan_send(&lan, 0, mac_bcast, src);
    }
    CU_ASSERT_EQUAL(lan.sw->fdb_full, 1); /* live entries: nothing to free */
    engine_run(&lan.sim->eng, lan.sim, engine_now(&lan.sim->eng) + 10 * PS_PER_S);
    const uint8_t fresh[6] = {0x02, 0x88, 0, 0, 0, 1};
    lan_send(&lan, 1, mac_bcast, fresh);
    CU_ASSERT_EQUAL(lan.sw->fdb_full, 1);
    CU_ASSERT_EQUAL(lookup(&lan, fresh), 1);
    CU_ASSERT_EQUAL(lan.sw->fdb_used, 1);
    lan_clear(&lan);
}

/* ---- registration -------------------------------------------------------- */

static CU_TestInfo cases[] = {
    {"switch_fdb_full_of_aged_entries_learns_again", switch_fdb_full_of_aged_entries_learns_again},
    {"switch_learns_source_then_forwards_only_to_its_port",
     switch_learns_source_then_forwards_only_to_its_port},
    {"switch_floods_unknown_unicast_to_other_ports_with_carrier",
     switch_floods_unknown_unicast_to_other_ports_with_carrier},
    {"switch_floods_broadcast_and_multicast_even_when_learned",
     switch_floods_broadcast_and_multicast_even_when_learned},
    {"switch_counts_mac_move_and_lookup_reports_new_port",
     switch_counts_mac_move_and_lookup_reports_new_port},
    {"switch_entry_older_than_aging_is_unknown_and_flooded",
     switch_entry_older_than_aging_is_unknown_and_flooded},
    {"switch_entry_refreshed_by_traffic_does_not_age",
     switch_entry_refreshed_by_traffic_does_not_age},
    {"switch_port_losing_carrier_flushes_its_entries",
     switch_port_losing_carrier_flushes_its_entries},
    {"switch_filters_frame_whose_destination_is_behind_ingress",
     switch_filters_frame_whose_destination_is_behind_ingress},
    {"switch_fdb_full_stops_learning_new_sources", switch_fdb_full_stops_learning_new_sources},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("switch", cases);
}
