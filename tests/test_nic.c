/* test_nic.c - serialisation times, the NIC transmit queue and the link
 * (sim/frame.h, sim/nic.c).
 *
 * Two bare NICs joined by a link inside a Sim; the far NIC's rx handler
 * records each arrival's time and length. Times are checked to the
 * picosecond, drops by NIC and reason.
 */
#include "nic.h"

#include "cu_run.h"
#include "sim.h"
#include "util/units.h"

#include <string.h>

#define GBPS UINT64_C(1000000000)

/* ---- serialisation time -------------------------------------------------- */

static void tx_time_1514_bytes_at_1g_is_12304_ns(void)
{
    CU_ASSERT_EQUAL(frame_wire_bits(1514), 1538 * 8);
    CU_ASSERT_EQUAL(frame_tx_time_ps(1514, 1 * GBPS), UINT64_C(12304000));
}

static void tx_time_1514_bytes_at_10g_is_1230_4_ns(void)
{
    CU_ASSERT_EQUAL(frame_tx_time_ps(1514, 10 * GBPS), UINT64_C(1230400));
}

static void tx_time_1538_wire_bytes_at_25g_100g_400g(void)
{
    CU_ASSERT_EQUAL(frame_tx_time_ps(1514, 25 * GBPS), UINT64_C(492160));
    CU_ASSERT_EQUAL(frame_tx_time_ps(1514, 100 * GBPS), UINT64_C(123040));
    CU_ASSERT_EQUAL(frame_tx_time_ps(1514, 400 * GBPS), UINT64_C(30760)); /* 30.76 ns */
}

static void tx_time_short_frame_is_padded_to_60_bytes(void)
{
    /* 42 bytes (an ARP) -> 60 + FCS 4 + 20 = 84 bytes = 672 bits */
    CU_ASSERT_EQUAL(frame_wire_bits(42), 672);
    CU_ASSERT_EQUAL(frame_wire_bits(0), 672);
    CU_ASSERT_EQUAL(frame_wire_bits(60), 672);
    CU_ASSERT_EQUAL(frame_wire_bits(61), 680);
    CU_ASSERT_EQUAL(frame_tx_time_ps(42, 1 * GBPS), 672 * PS_PER_NS);
}

static void tx_time_rounds_to_nearest_ps(void)
{
    /* 672 bits at 9 Gb/s = 74 666.67 ps; 1538 bytes at 3 Gb/s = 4 101 333.33 ps */
    CU_ASSERT_EQUAL(frame_tx_time_ps(60, 9 * GBPS), UINT64_C(74667));
    CU_ASSERT_EQUAL(frame_tx_time_ps(1514, 3 * GBPS), UINT64_C(4101333));
}

static void frame_pad_zero_fills_to_60_bytes(void)
{
    Sim *sim = sim_new("t", 1);
    Frame *f = frame_alloc(&sim->pool);
    memset(f->data, 0xaa, f->cap);
    f->len = 42;
    frame_pad(f);
    CU_ASSERT_EQUAL(f->len, ETH_ZLEN);
    bool zero = true;
    for (uint32_t i = 42; i < ETH_ZLEN; i++)
        zero = zero && f->data[i] == 0;
    CU_ASSERT_TRUE(zero);
    CU_ASSERT_EQUAL(f->data[41], 0xaa);
    f->len = 100;
    frame_pad(f);
    CU_ASSERT_EQUAL(f->len, 100);
    frame_free(&sim->pool, f);
    sim_free(sim);
}

/* ---- a two-NIC link ------------------------------------------------------ */

typedef struct {
    uint64_t time_ps;
    uint32_t len;
    uint64_t seq;
} Arrival;

typedef struct {
    Nic *nic;
    bool up;
} CarrierCall;

typedef struct {
    Sim *sim;
    Nic *a, *b; /* owned by the fixture; the link is owned by the Sim */
    Link *link;
    GArray *arrivals; /* Arrival at b, and at a (a's are counted only) */
    GArray *carrier;  /* CarrierCall, in call order */
} Pair;

static void pair_rx(Sim *sim, Nic *nic, Frame *f)
{
    Pair *p = nic->owner;
    if (nic == p->b) {
        Arrival a = {sim->eng.now_ps, f->len, f->seq};
        g_array_append_val(p->arrivals, a);
    }
    frame_free(&sim->pool, f);
}

static void pair_carrier(Sim *sim, Nic *nic, bool up)
{
    Pair *p = nic->owner;
    CarrierCall c = {nic, up};
    g_array_append_val(p->carrier, c);
}

static void pair_init(Pair *p, uint64_t seed, uint64_t a_bps, uint64_t b_bps, uint64_t delay_ps,
                      double loss)
{
    static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};
    static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0x0b};
    p->sim = sim_new("t", seed);
    p->sim->cap = capture_new(CAPTURE_NONE, "unused", 0, NULL, NULL);
    p->a = nic_new("ha", "eth0", mac_a, a_bps);
    p->b = nic_new("hb", "eth0", mac_b, b_bps);
    p->arrivals = g_array_new(FALSE, FALSE, sizeof(Arrival));
    p->carrier = g_array_new(FALSE, FALSE, sizeof(CarrierCall));
    Nic *ends[2] = {p->a, p->b};
    for (int i = 0; i < 2; i++) {
        ends[i]->owner = p;
        ends[i]->rx = pair_rx;
        ends[i]->on_carrier = pair_carrier;
    }
    p->link = link_new(p->sim, p->a, p->b, delay_ps, loss);
    g_ptr_array_add(p->sim->links, p->link);
}

static void pair_clear(Pair *p)
{
    sim_free(p->sim);
    nic_free(p->a);
    nic_free(p->b);
    g_array_free(p->arrivals, TRUE);
    g_array_free(p->carrier, TRUE);
}

static Arrival arrival(const Pair *p, guint i)
{
    return g_array_index(p->arrivals, Arrival, i);
}

/* Sends a frame of `len` bytes with sequence number `seq` from `nic`. */
static bool send_frame(Pair *p, Nic *nic, uint32_t len, uint64_t seq)
{
    Frame *f = frame_alloc(&p->sim->pool);
    const Nic *peer = nic_peer(nic);
    g_assert(f != NULL && peer != NULL);
    memset(f->data, 0, len);
    memcpy(f->data, peer->mac, 6);
    memcpy(f->data + 6, nic->mac, 6);
    f->len = len;
    f->seq = seq;
    return nic_xmit(p->sim, nic, f);
}

static void run_until(Pair *p, uint64_t end_ps)
{
    engine_run(&p->sim->eng, p->sim, end_ps);
}

static uint64_t drops_total(const Nic *nic)
{
    uint64_t n = 0;
    for (int i = 0; i < NIC_DROP_COUNT; i++)
        n += nic->c.drops[i];
    return n;
}

static void link_back_to_back_frames_arrive_spaced_by_serialisation(void)
{
    const uint64_t delay = 5 * PS_PER_US;
    const uint64_t ser = UINT64_C(12304000);
    Pair p;
    pair_init(&p, 1, GBPS, GBPS, delay, 0.0);
    for (uint64_t i = 0; i < 5; i++)
        CU_ASSERT_TRUE(send_frame(&p, p.a, 1514, i));
    run_until(&p, 1000 * PS_PER_US);

    CU_ASSERT_EQUAL_FATAL(p.arrivals->len, 5);
    for (guint i = 0; i < 5; i++) {
        CU_ASSERT_EQUAL(arrival(&p, i).time_ps, ser * (i + 1) + delay);
        CU_ASSERT_EQUAL(arrival(&p, i).seq, i);
        CU_ASSERT_EQUAL(arrival(&p, i).len, 1514);
    }
    CU_ASSERT_EQUAL(p.a->c.tx_frames, 5);
    CU_ASSERT_EQUAL(p.a->c.tx_bytes, 5 * 1514);
    CU_ASSERT_EQUAL(p.b->c.rx_frames, 5);
    CU_ASSERT_EQUAL(p.b->c.rx_bytes, 5 * 1514);
    CU_ASSERT_EQUAL(drops_total(p.a) + drops_total(p.b), 0);
    CU_ASSERT_FALSE(p.a->tx_busy);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    pair_clear(&p);
}

static void link_serialises_at_the_slower_nic_speed(void)
{
    Pair p;
    pair_init(&p, 1, 10 * GBPS, GBPS, 0, 0.0);
    CU_ASSERT_EQUAL(p.link->rate_bps, GBPS);
    send_frame(&p, p.a, 1514, 0);
    send_frame(&p, p.a, 1514, 1);
    run_until(&p, 1000 * PS_PER_US);
    CU_ASSERT_EQUAL_FATAL(p.arrivals->len, 2);
    CU_ASSERT_EQUAL(arrival(&p, 0).time_ps, UINT64_C(12304000));
    CU_ASSERT_EQUAL(arrival(&p, 1).time_ps, UINT64_C(24608000));
    pair_clear(&p);
}

static void nic_queue_limit_drops_excess_as_queue_full(void)
{
    Pair p;
    pair_init(&p, 1, GBPS, GBPS, 0, 0.0);
    p.a->q_limit = 3;
    int accepted = 0;
    for (uint64_t i = 0; i < 10; i++)
        accepted += send_frame(&p, p.a, 1514, i);

    CU_ASSERT_EQUAL(accepted, 4); /* one on the wire, three queued */
    CU_ASSERT_TRUE(p.a->tx_busy);
    CU_ASSERT_EQUAL(p.a->q_len, 3);
    CU_ASSERT_EQUAL(p.a->c.drops[NIC_DROP_QUEUE_FULL], 6);
    NicDrop reason = NIC_DROP_COUNT;
    CU_ASSERT_FALSE(nic_can_queue(p.a, &reason));
    CU_ASSERT_EQUAL(reason, NIC_DROP_QUEUE_FULL);

    run_until(&p, 1000 * PS_PER_US);

    CU_ASSERT_EQUAL_FATAL(p.arrivals->len, 4);
    for (guint i = 0; i < 4; i++)
        CU_ASSERT_EQUAL(arrival(&p, i).seq, i);
    CU_ASSERT_EQUAL(p.a->c.tx_frames, 4);
    CU_ASSERT_EQUAL(drops_total(p.a), 6);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    pair_clear(&p);
}

/* Cut at 13 us: frame 0 is propagating (arrives at 112.304 us), frame 1 is
 * being serialised, frames 2-4 are queued. */
static void link_cut_flushes_queue_loses_wire_and_tells_both_ends(void)
{
    const uint64_t delay = 100 * PS_PER_US;
    Pair p;
    pair_init(&p, 1, GBPS, GBPS, delay, 0.0);
    for (uint64_t i = 0; i < 5; i++)
        send_frame(&p, p.a, 1514, i);
    run_until(&p, 13 * PS_PER_US);
    CU_ASSERT_EQUAL(p.a->q_len, 3);

    link_set_up(p.sim, p.link, false);

    CU_ASSERT_FALSE(nic_carrier(p.a));
    CU_ASSERT_FALSE(nic_carrier(p.b));
    CU_ASSERT_EQUAL(p.a->q_len, 0);
    CU_ASSERT_PTR_NULL(p.a->q_head);
    CU_ASSERT_EQUAL(p.a->c.drops[NIC_DROP_NO_CARRIER], 3);
    CU_ASSERT_EQUAL_FATAL(p.carrier->len, 2);
    CarrierCall c0 = g_array_index(p.carrier, CarrierCall, 0);
    CarrierCall c1 = g_array_index(p.carrier, CarrierCall, 1);
    CU_ASSERT_TRUE(c0.nic == p.a && !c0.up);
    CU_ASSERT_TRUE(c1.nic == p.b && !c1.up);
    /* sending while the cable is out */
    CU_ASSERT_FALSE(send_frame(&p, p.a, 1514, 5));
    CU_ASSERT_EQUAL(p.a->c.drops[NIC_DROP_NO_CARRIER], 4);
    /* cutting a cut cable tells nobody */
    link_set_up(p.sim, p.link, false);
    CU_ASSERT_EQUAL(p.carrier->len, 2);

    run_until(&p, 500 * PS_PER_US);

    CU_ASSERT_EQUAL(p.arrivals->len, 0);
    CU_ASSERT_EQUAL(p.b->c.drops[NIC_DROP_CUT_IN_FLIGHT], 2);
    CU_ASSERT_EQUAL(p.a->c.tx_frames, 2);
    CU_ASSERT_EQUAL(drops_total(p.a), 4);
    CU_ASSERT_EQUAL(drops_total(p.b), 2);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);

    link_set_up(p.sim, p.link, true);

    CU_ASSERT_EQUAL_FATAL(p.carrier->len, 4);
    c0 = g_array_index(p.carrier, CarrierCall, 2);
    c1 = g_array_index(p.carrier, CarrierCall, 3);
    CU_ASSERT_TRUE(c0.nic == p.a && c0.up);
    CU_ASSERT_TRUE(c1.nic == p.b && c1.up);
    CU_ASSERT_TRUE(send_frame(&p, p.a, 1514, 6));
    run_until(&p, 1000 * PS_PER_US);
    CU_ASSERT_EQUAL_FATAL(p.arrivals->len, 1);
    CU_ASSERT_EQUAL(arrival(&p, 0).seq, 6);
    CU_ASSERT_EQUAL(arrival(&p, 0).time_ps, 500 * PS_PER_US + UINT64_C(12304000) + delay);
    pair_clear(&p);
}

static void phy_down_keeps_far_carrier_and_far_frames_die_at_rx(void)
{
    Pair p;
    pair_init(&p, 1, GBPS, GBPS, PS_PER_US, 0.0);

    nic_set_phy_down(p.sim, p.b, true);

    CU_ASSERT_FALSE(nic_carrier(p.b));
    CU_ASSERT_TRUE(nic_carrier(p.a));
    CU_ASSERT_EQUAL_FATAL(p.carrier->len, 1);
    CarrierCall c = g_array_index(p.carrier, CarrierCall, 0);
    CU_ASSERT_TRUE(c.nic == p.b && !c.up);

    for (uint64_t i = 0; i < 5; i++)
        CU_ASSERT_TRUE(send_frame(&p, p.a, 1514, i));
    CU_ASSERT_FALSE(send_frame(&p, p.b, 1514, 100));
    run_until(&p, 1000 * PS_PER_US);

    CU_ASSERT_EQUAL(p.arrivals->len, 0);
    CU_ASSERT_EQUAL(p.a->c.tx_frames, 5);
    CU_ASSERT_EQUAL(drops_total(p.a), 0);
    CU_ASSERT_EQUAL(p.b->c.drops[NIC_DROP_RX_NO_CARRIER], 5);
    CU_ASSERT_EQUAL(p.b->c.drops[NIC_DROP_NO_CARRIER], 1);
    CU_ASSERT_EQUAL(p.b->c.rx_frames, 0);

    nic_set_phy_down(p.sim, p.b, false);

    CU_ASSERT_EQUAL_FATAL(p.carrier->len, 2);
    c = g_array_index(p.carrier, CarrierCall, 1);
    CU_ASSERT_TRUE(c.nic == p.b && c.up);
    CU_ASSERT_TRUE(send_frame(&p, p.a, 1514, 5));
    run_until(&p, 2000 * PS_PER_US);
    CU_ASSERT_EQUAL(p.arrivals->len, 1);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    pair_clear(&p);
}

/* Sends `n` frames over a link with `loss` and returns how many were lost;
 * checks that every frame is either delivered or counted as wire loss. */
static uint64_t lost_of(uint64_t seed, double loss, uint32_t n)
{
    Pair p;
    pair_init(&p, seed, 10 * GBPS, 10 * GBPS, PS_PER_US, loss);
    p.a->q_limit = n;
    for (uint32_t i = 0; i < n; i++)
        send_frame(&p, p.a, 60, i);
    run_until(&p, 1000 * PS_PER_US);
    uint64_t lost = p.a->c.drops[NIC_DROP_WIRE_LOSS];
    CU_ASSERT_EQUAL(lost + p.arrivals->len, n);
    CU_ASSERT_EQUAL(p.a->c.tx_frames, n); /* lost frames still took wire time */
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    pair_clear(&p);
    return lost;
}

static void link_loss_1_loses_every_frame(void)
{
    CU_ASSERT_EQUAL(lost_of(1, 1.0, 10000), 10000);
}

static void link_loss_0_loses_nothing(void)
{
    CU_ASSERT_EQUAL(lost_of(1, 0.0, 10000), 0);
}

static void link_loss_half_loses_about_half_and_repeats_per_seed(void)
{
    uint64_t first = lost_of(7, 0.5, 10000);
    uint64_t again = lost_of(7, 0.5, 10000);
    uint64_t other = lost_of(8, 0.5, 10000);
    /* binomial(10000, 0.5): sd 50, so +-300 is six sd */
    CU_ASSERT_TRUE(first >= 4700 && first <= 5300);
    CU_ASSERT_TRUE(other >= 4700 && other <= 5300);
    CU_ASSERT_EQUAL(first, again);
}

/* ---- registration -------------------------------------------------------- */

static CU_TestInfo cases[] = {
    {"tx_time_1514_bytes_at_1g_is_12304_ns", tx_time_1514_bytes_at_1g_is_12304_ns},
    {"tx_time_1514_bytes_at_10g_is_1230_4_ns", tx_time_1514_bytes_at_10g_is_1230_4_ns},
    {"tx_time_1538_wire_bytes_at_25g_100g_400g", tx_time_1538_wire_bytes_at_25g_100g_400g},
    {"tx_time_short_frame_is_padded_to_60_bytes", tx_time_short_frame_is_padded_to_60_bytes},
    {"tx_time_rounds_to_nearest_ps", tx_time_rounds_to_nearest_ps},
    {"frame_pad_zero_fills_to_60_bytes", frame_pad_zero_fills_to_60_bytes},
    {"link_back_to_back_frames_arrive_spaced_by_serialisation",
     link_back_to_back_frames_arrive_spaced_by_serialisation},
    {"link_serialises_at_the_slower_nic_speed", link_serialises_at_the_slower_nic_speed},
    {"nic_queue_limit_drops_excess_as_queue_full", nic_queue_limit_drops_excess_as_queue_full},
    {"link_cut_flushes_queue_loses_wire_and_tells_both_ends",
     link_cut_flushes_queue_loses_wire_and_tells_both_ends},
    {"phy_down_keeps_far_carrier_and_far_frames_die_at_rx",
     phy_down_keeps_far_carrier_and_far_frames_die_at_rx},
    {"link_loss_1_loses_every_frame", link_loss_1_loses_every_frame},
    {"link_loss_0_loses_nothing", link_loss_0_loses_nothing},
    {"link_loss_half_loses_about_half_and_repeats_per_seed",
     link_loss_half_loses_about_half_and_repeats_per_seed},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("nic", cases);
}
