/* test_reorder.c - RFC 4737 and RFC 5236 figures (stats/reorder.c) against
 * arrival orders computed by hand from the RFCs' definitions: reordered
 * singleton (s < NextExp), extent e = j - i for the earliest earlier arrival
 * i with a larger sequence, n-reordered when the n arrivals just before all
 * carry larger sequences; RD displacement = receive index - sequence with
 * loss beyond the threshold, RBD occupancy of a resequencing buffer. Each
 * expected figure is worked out in the comment above the case.
 */
#include <CUnit/CUnit.h>
#include <glib.h>

#include "cu_run.h"
#include "stats/reorder.h"

static ReorderStats *feed(int dt, uint64_t first, const uint64_t *seqs, size_t n)
{
    ReorderStats *st = g_new(ReorderStats, 1);
    reorder_init(st, dt, first);
    for (size_t i = 0; i < n; i++)
        reorder_add(st, seqs[i]);
    reorder_finish(st);
    return st;
}

#define FEED(dt, first, ...)                                                                       \
    feed((dt), (first), (const uint64_t[]){__VA_ARGS__},                                           \
         sizeof((const uint64_t[]){__VA_ARGS__}) / sizeof(uint64_t))

#define ASSERT_FRACTION(value, num, den)                                                           \
    CU_ASSERT_DOUBLE_EQUAL((value), (double)(num) / (den), 1e-12)

/* 1..6 in order: nothing reordered, every displacement 0, buffer empty. */
static void test_in_order_stream_is_clean(void)
{
    g_autofree ReorderStats *st = FEED(3, 1, 1, 2, 3, 4, 5, 6);
    CU_ASSERT_EQUAL(st->received, 6);
    CU_ASSERT_EQUAL(st->reordered, 0);
    CU_ASSERT_EQUAL(st->max_extent, 0);
    ASSERT_FRACTION(reorder_ratio(st), 0, 1);
    ASSERT_FRACTION(reorder_rd(st, 0), 1, 1);
    ASSERT_FRACTION(reorder_rbd(st, 0), 1, 1);
    CU_ASSERT_EQUAL(st->rd_lost, 0);
    CU_ASSERT_EQUAL(reorder_rbd_max(st), 0);
}

/* 1 2 4 3 5: 3 arrives after 4 only. Extent 1, 1-reordered; RD: 4 takes
 * index 3 (D = -1), 3 takes index 4 (D = +1); RBD: 4 waits alone once. */
static void test_adjacent_swap(void)
{
    g_autofree ReorderStats *st = FEED(3, 1, 1, 2, 4, 3, 5);
    CU_ASSERT_EQUAL(st->reordered, 1);
    ASSERT_FRACTION(reorder_ratio(st), 1, 5);
    CU_ASSERT_EQUAL(st->max_extent, 1);
    CU_ASSERT_EQUAL(st->extent_hist[0], 1);
    CU_ASSERT_EQUAL(st->fast_retransmit, 0);
    CU_ASSERT_EQUAL(st->n_reordered[0], 1);
    CU_ASSERT_EQUAL(st->n_reordered[1], 0);
    ASSERT_FRACTION(reorder_rd(st, -1), 1, 5);
    ASSERT_FRACTION(reorder_rd(st, 0), 3, 5);
    ASSERT_FRACTION(reorder_rd(st, 1), 1, 5);
    ASSERT_FRACTION(reorder_rbd(st, 0), 4, 5);
    ASSERT_FRACTION(reorder_rbd(st, 1), 1, 5);
    CU_ASSERT_EQUAL(reorder_rbd_max(st), 1);
}

/* 1 2 3 5 6 7 4 8: 4 is overtaken by 5, 6, 7. Extent 6 - 3 = 3 (would
 * trigger fast retransmit), 3-reordered (7, 6, 5 > 4; then 3 < 4).
 * RD (DT 3): 5, 6, 7 take indices 4, 5, 6 (D = -1 each), 4 takes 7 (D = 3).
 * RBD: 5, 6, 7 wait (occupancy 1, 2, 3), 4 releases them all. */
static void test_one_late_by_three(void)
{
    g_autofree ReorderStats *st = FEED(3, 1, 1, 2, 3, 5, 6, 7, 4, 8);
    CU_ASSERT_EQUAL(st->reordered, 1);
    ASSERT_FRACTION(reorder_ratio(st), 1, 8);
    CU_ASSERT_EQUAL(st->max_extent, 3);
    CU_ASSERT_EQUAL(st->extent_hist[2], 1);
    CU_ASSERT_EQUAL(st->fast_retransmit, 1);
    CU_ASSERT_EQUAL(st->n_reordered[0], 1);
    CU_ASSERT_EQUAL(st->n_reordered[1], 1);
    CU_ASSERT_EQUAL(st->n_reordered[2], 1);
    CU_ASSERT_EQUAL(st->n_reordered[3], 0);
    ASSERT_FRACTION(reorder_rd(st, 0), 4, 8);
    ASSERT_FRACTION(reorder_rd(st, -1), 3, 8);
    ASSERT_FRACTION(reorder_rd(st, 3), 1, 8);
    CU_ASSERT_EQUAL(st->rd_lost, 0);
    ASSERT_FRACTION(reorder_rbd(st, 0), 5, 8);
    ASSERT_FRACTION(reorder_rbd(st, 1), 1, 8);
    ASSERT_FRACTION(reorder_rbd(st, 2), 1, 8);
    ASSERT_FRACTION(reorder_rbd(st, 3), 1, 8);
    CU_ASSERT_EQUAL(reorder_rbd_max(st), 3);
}

/* The same arrivals with DT 2: 4 would be displaced by 3 > 2, so RD
 * declares it lost when 5 needs index 4 (the look-ahead 5 6 7 lacks it) and
 * counts its arrival late; every other packet has D = 0. RBD gives 4 up
 * when a third packet (7) would wait and releases 5, 6, 7; 4 then arrives
 * late. RFC 4737's figures do not depend on DT. */
static void test_threshold_declares_loss(void)
{
    g_autofree ReorderStats *st = FEED(2, 1, 1, 2, 3, 5, 6, 7, 4, 8);
    CU_ASSERT_EQUAL(st->max_extent, 3);
    CU_ASSERT_EQUAL(st->rd_lost, 1);
    CU_ASSERT_EQUAL(st->rd_late, 1);
    ASSERT_FRACTION(reorder_rd(st, 0), 7, 7);
    CU_ASSERT_EQUAL(st->rbd_lost, 1);
    CU_ASSERT_EQUAL(st->rbd_late, 1);
    ASSERT_FRACTION(reorder_rbd(st, 0), 5, 7);
    ASSERT_FRACTION(reorder_rbd(st, 1), 1, 7);
    ASSERT_FRACTION(reorder_rbd(st, 2), 1, 7);
}

/* 1 4 2 5 3: 2 is overtaken by 4 (extent 1, 1-reordered); 3 by 4 and 5
 * but 2 arrived between: extent 4 - 1 = 3 though only 1-reordered (2 < 3).
 * The extent, not n, is what counts duplicate ACKs for fast retransmit.
 * RD: indices 1..5 give D = 0, -2, +1, -1, +2. RBD occupancy after each
 * arrival: 0, 1, 1, 2, 0. */
static void test_extent_larger_than_n(void)
{
    g_autofree ReorderStats *st = FEED(3, 1, 1, 4, 2, 5, 3);
    CU_ASSERT_EQUAL(st->reordered, 2);
    CU_ASSERT_EQUAL(st->max_extent, 3);
    CU_ASSERT_EQUAL(st->extent_hist[0], 1);
    CU_ASSERT_EQUAL(st->extent_hist[2], 1);
    CU_ASSERT_EQUAL(st->fast_retransmit, 1);
    CU_ASSERT_EQUAL(st->n_reordered[0], 2);
    CU_ASSERT_EQUAL(st->n_reordered[1], 0);
    for (int d = -2; d <= 2; d++)
        ASSERT_FRACTION(reorder_rd(st, d), 1, 5);
    ASSERT_FRACTION(reorder_rd(st, 3), 0, 5);
    ASSERT_FRACTION(reorder_rbd(st, 0), 2, 5);
    ASSERT_FRACTION(reorder_rbd(st, 1), 2, 5);
    ASSERT_FRACTION(reorder_rbd(st, 2), 1, 5);
}

/* 1 5 6 7 2 3 4: 2 is 3-reordered (7, 6, 5 before it) with extent 3; 3 and
 * 4 follow 2, so they are not even 1-reordered, yet their extents are 4
 * and 5: three arrivals would trigger fast retransmit. */
static void test_block_overtaken(void)
{
    g_autofree ReorderStats *st = FEED(3, 1, 1, 5, 6, 7, 2, 3, 4);
    CU_ASSERT_EQUAL(st->reordered, 3);
    ASSERT_FRACTION(reorder_ratio(st), 3, 7);
    CU_ASSERT_EQUAL(st->max_extent, 5);
    CU_ASSERT_EQUAL(st->fast_retransmit, 3);
    CU_ASSERT_EQUAL(st->extent_hist[2], 1);
    CU_ASSERT_EQUAL(st->extent_hist[3], 1);
    CU_ASSERT_EQUAL(st->extent_hist[4], 1);
    CU_ASSERT_EQUAL(st->n_reordered[0], 1);
    CU_ASSERT_EQUAL(st->n_reordered[2], 1);
    CU_ASSERT_EQUAL(st->n_reordered[3], 0);
}

/* 1 2 3 5 6 7 8 (4 lost): no reordering. RD skips index 4 (lost) so 5..8
 * keep D = 0; RBD holds 5, 6, 7 and gives 4 up when 8 arrives. */
static void test_loss_is_not_reordering(void)
{
    g_autofree ReorderStats *st = FEED(3, 1, 1, 2, 3, 5, 6, 7, 8);
    CU_ASSERT_EQUAL(st->reordered, 0);
    CU_ASSERT_EQUAL(st->rd_lost, 1);
    CU_ASSERT_EQUAL(st->rd_late, 0);
    ASSERT_FRACTION(reorder_rd(st, 0), 1, 1);
    CU_ASSERT_EQUAL(st->rbd_lost, 1);
    ASSERT_FRACTION(reorder_rbd(st, 0), 4, 7);
    ASSERT_FRACTION(reorder_rbd(st, 3), 1, 7);
}

/* Sequence 0 arrives after 1..N. Up to REORDER_EXTENT_RING arrivals back
 * the extent is exact; beyond, it is counted as the ring size, flagged, in
 * the open last bin. */
static void check_late_zero(uint64_t n, uint64_t extent, gboolean capped, int bin)
{
    ReorderStats *st = g_new(ReorderStats, 1);
    reorder_init(st, REORDER_DT_DEFAULT, 0);
    for (uint64_t s = 1; s <= n; s++)
        reorder_add(st, s);
    reorder_add(st, 0);
    reorder_finish(st);
    CU_ASSERT_EQUAL(st->max_extent, extent);
    CU_ASSERT_EQUAL(st->max_extent_capped, capped);
    CU_ASSERT_EQUAL(st->extent_hist[bin], 1);
    CU_ASSERT_EQUAL(st->n_reordered[REORDER_N_MAX - 1], 1);
    CU_ASSERT_EQUAL(st->rd_lost, 1); /* 0 is far beyond DT: lost, then late */
    CU_ASSERT_EQUAL(st->rd_late, 1);
    g_free(st);
}

static void test_extent_ring_bound(void)
{
    check_late_zero(1000, 1000, FALSE, 21);
    check_late_zero(REORDER_EXTENT_RING, REORDER_EXTENT_RING, FALSE, 21);
    check_late_zero(1500, REORDER_EXTENT_RING, TRUE, REORDER_EXTENT_BINS - 1);
}

static void test_extent_bins(void)
{
    uint64_t lo, hi;
    reorder_extent_bin(0, &lo, &hi);
    CU_ASSERT(lo == 1 && hi == 1);
    reorder_extent_bin(15, &lo, &hi);
    CU_ASSERT(lo == 16 && hi == 16);
    reorder_extent_bin(16, &lo, &hi);
    CU_ASSERT(lo == 17 && hi == 32);
    reorder_extent_bin(21, &lo, &hi);
    CU_ASSERT(lo == 513 && hi == 1024);
    reorder_extent_bin(REORDER_EXTENT_BINS - 1, &lo, &hi);
    CU_ASSERT(lo == 1025 && hi == 0);
    /* 17 and 32 share a bin, 33 starts the next */
    g_autofree ReorderStats *a =
        FEED(3, 0, 17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 0);
    CU_ASSERT_EQUAL(a->max_extent, 20);
    CU_ASSERT_EQUAL(a->extent_hist[16], 1);
}

/* A sender whose numbering starts at 0 and a first frame lost: RD and RBD
 * count sequence 0 lost, RFC 4737 sees nothing reordered. */
static void test_first_frame_lost(void)
{
    g_autofree ReorderStats *st = FEED(3, 0, 1, 2, 3, 4, 5);
    CU_ASSERT_EQUAL(st->reordered, 0);
    CU_ASSERT_EQUAL(st->rd_lost, 1);
    ASSERT_FRACTION(reorder_rd(st, 0), 1, 1);
}

/* Round-robin over two paths, the odd frames' path slower by a bit more
 * than one send interval (scenarios/balance-rr.ini): arrivals 0 2 1 4 3 6 5
 * 8 7. Each odd frame has extent 1 and is 1-reordered; RD shows -1/+1
 * pairs; RBD holds one frame at a time. */
static void test_round_robin_pattern(void)
{
    g_autofree ReorderStats *st = FEED(3, 0, 0, 2, 1, 4, 3, 6, 5, 8, 7);
    CU_ASSERT_EQUAL(st->reordered, 4);
    CU_ASSERT_EQUAL(st->max_extent, 1);
    CU_ASSERT_EQUAL(st->fast_retransmit, 0);
    ASSERT_FRACTION(reorder_rd(st, 0), 1, 9);
    ASSERT_FRACTION(reorder_rd(st, -1), 4, 9);
    ASSERT_FRACTION(reorder_rd(st, 1), 4, 9);
    ASSERT_FRACTION(reorder_rbd(st, 1), 4, 9);
}

/* 0 1 2, then 5000..5010 after a burst of 4997 lost frames (more than RD's
 * span): RD jumps its receive index to 5000, counts 3..4999 lost and keeps
 * every displacement 0. RFC 4737 sees no reordering. */
static void test_long_loss_burst(void)
{
    ReorderStats *st = g_new(ReorderStats, 1);
    reorder_init(st, REORDER_DT_DEFAULT, 0);
    for (uint64_t s = 0; s <= 2; s++)
        reorder_add(st, s);
    for (uint64_t s = 5000; s <= 5010; s++)
        reorder_add(st, s);
    reorder_finish(st);
    CU_ASSERT_EQUAL(st->reordered, 0);
    CU_ASSERT_EQUAL(st->rd_lost, 4997);
    CU_ASSERT_EQUAL(st->rd_resyncs, 1);
    CU_ASSERT_EQUAL(st->rd_freq[st->dt], 14);
    CU_ASSERT_EQUAL(st->rd_beyond, 0);
    g_free(st);
}

static CU_TestInfo cases[] = {
    {"in_order_stream_is_clean", test_in_order_stream_is_clean},
    {"adjacent_swap", test_adjacent_swap},
    {"one_late_by_three", test_one_late_by_three},
    {"threshold_declares_loss", test_threshold_declares_loss},
    {"extent_larger_than_n", test_extent_larger_than_n},
    {"block_overtaken", test_block_overtaken},
    {"loss_is_not_reordering", test_loss_is_not_reordering},
    {"extent_ring_bound", test_extent_ring_bound},
    {"extent_bins", test_extent_bins},
    {"first_frame_lost", test_first_frame_lost},
    {"round_robin_pattern", test_round_robin_pattern},
    {"long_loss_burst", test_long_loss_burst},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("reorder", cases);
}
