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
#include <string.h>

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

/* ---- Cross-check against a direct reading of the definitions ----
 *
 * The RFCs' own example tables could not be consulted here (see
 * docs/ARCHITECTURE.md, "Reordering metrics"), so besides the hand-worked
 * cases above, reorder.c's O(1)-per-arrival bookkeeping is compared with a
 * deliberately naive O(N^2) evaluation of the definitions on thousands of
 * seeded random arrival orders:
 *   RFC 4737 §3.3  reordered when s[j] < NextExp (highest so far + 1);
 *   RFC 4737 §4.2  extent e = j - i, i the earliest arrival with s[i] > s[j];
 *   RFC 4737 §5    n-reordered when reordered and s[j] < s[j-k], k = 1..n;
 *   RFC 5236 RD    displacement D = receive index - sequence (no loss);
 *   RFC 5236 RBD   occupancy of the resequencing buffer after each arrival.
 */
typedef struct {
    uint64_t reordered, max_extent, fast_retransmit;
    uint64_t hist[REORDER_EXTENT_BINS];
    uint64_t n_reordered[REORDER_N_MAX];
} NaiveRfc4737;

static int extent_bin_of(uint64_t e)
{
    for (int b = 0; b < REORDER_EXTENT_BINS; b++) {
        uint64_t lo, hi;
        reorder_extent_bin(b, &lo, &hi);
        if (e >= lo && (hi == 0 || e <= hi))
            return b;
    }
    return -1;
}

static void naive_rfc4737(const uint64_t *s, size_t n, uint64_t first, NaiveRfc4737 *r)
{
    memset(r, 0, sizeof *r);
    uint64_t next_exp = first;
    for (size_t j = 0; j < n; j++) {
        if (s[j] >= next_exp) {
            next_exp = s[j] + 1;
            continue;
        }
        r->reordered++;
        size_t i = 0;
        while (s[i] <= s[j])
            i++; /* exists: NextExp > s[j] came from an earlier arrival */
        uint64_t e = j - i;
        r->max_extent = MAX(r->max_extent, e);
        r->hist[extent_bin_of(e)]++;
        if (e >= 3)
            r->fast_retransmit++;
        for (size_t k = 1; k <= REORDER_N_MAX && k <= j && s[j - k] > s[j]; k++)
            r->n_reordered[k - 1]++;
    }
}

/* Arrival order of `n` sequences from `first` sent one per tick, each
 * delayed by a random 0..max_delay ticks, with `loss_pct` % lost. */
static size_t random_arrivals(GRand *rng, uint64_t first, size_t n, int max_delay, int loss_pct,
                              uint64_t *out)
{
    g_autofree uint64_t *key = g_new(uint64_t, n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (g_rand_int_range(rng, 0, 100) < loss_pct)
            continue;
        key[m] = ((uint64_t)(i + (size_t)g_rand_int_range(rng, 0, max_delay + 1)) << 32) | i;
        m++;
    }
    /* insertion sort on (arrival tick, send order): stable, small n */
    for (size_t a = 1; a < m; a++)
        for (size_t b = a; b > 0 && key[b - 1] > key[b]; b--) {
            uint64_t t = key[b];
            key[b] = key[b - 1];
            key[b - 1] = t;
        }
    for (size_t i = 0; i < m; i++)
        out[i] = first + (key[i] & 0xffffffffu);
    return m;
}

static void test_rfc4737_matches_definitions(void)
{
    g_autoptr(GRand) rng = g_rand_new_with_seed(4737);
    enum { N = 1500 };
    g_autofree uint64_t *arr = g_new(uint64_t, N);
    static const int delays[] = {1, 2, 4, 9, 40, 300};
    uint64_t total_reordered = 0, total_fr = 0;
    for (int round = 0; round < 60; round++) {
        uint64_t first = (uint64_t)(round % 2);
        int max_delay = delays[round % G_N_ELEMENTS(delays)];
        size_t m = random_arrivals(rng, first, N, max_delay, round % 3 == 0 ? 5 : 0, arr);
        NaiveRfc4737 want;
        naive_rfc4737(arr, m, first, &want);
        g_autofree ReorderStats *st = feed(REORDER_DT_DEFAULT, first, arr, m);
        CU_ASSERT_EQUAL(st->received, m);
        CU_ASSERT_EQUAL(st->reordered, want.reordered);
        CU_ASSERT_EQUAL(st->max_extent, want.max_extent);
        CU_ASSERT_FALSE(st->max_extent_capped);
        CU_ASSERT_EQUAL(st->fast_retransmit, want.fast_retransmit);
        CU_ASSERT_EQUAL(memcmp(st->extent_hist, want.hist, sizeof want.hist), 0);
        CU_ASSERT_EQUAL(memcmp(st->n_reordered, want.n_reordered, sizeof want.n_reordered), 0);
        total_reordered += want.reordered;
        total_fr += want.fast_retransmit;
    }
    /* the sample exercised what it is meant to: reordering, and extents >= 3 */
    CU_ASSERT(total_reordered > 10000);
    CU_ASSERT(total_fr > 1000);
}

/* Loss-free orders where no frame moves by more than DT places and no more
 * than DT frames wait at once: blocks of DT + 1 consecutive sequences, each
 * block shuffled. Then RD's receive index of arrival i is first + i and
 * nothing is declared lost, and the resequencing buffer never overflows. */
static void test_rfc5236_matches_definitions(void)
{
    g_autoptr(GRand) rng = g_rand_new_with_seed(5236);
    enum { N = 2000 };
    g_autofree uint64_t *arr = g_new(uint64_t, N);
    g_autofree uint8_t *held = g_new0(uint8_t, N + 2);
    for (int dt = 1; dt <= REORDER_DT_MAX; dt++) {
        size_t blk = (size_t)dt + 1;
        uint64_t first = (uint64_t)(dt % 2);
        size_t n = N - N % blk;
        for (size_t i = 0; i < n; i++)
            arr[i] = first + i;
        for (size_t b = 0; b < n; b += blk)
            for (size_t k = blk - 1; k > 0; k--) {
                size_t r = (size_t)g_rand_int_range(rng, 0, (gint32)k + 1);
                uint64_t t = arr[b + k];
                arr[b + k] = arr[b + r];
                arr[b + r] = t;
            }
        uint64_t rd_want[2 * REORDER_DT_MAX + 1] = {0};
        uint64_t rbd_want[REORDER_DT_MAX + 1] = {0};
        memset(held, 0, N + 2);
        uint64_t expect = first;
        int occupancy = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t d = (int64_t)(first + i) - (int64_t)arr[i];
            CU_ASSERT_FATAL(d >= -dt && d <= dt);
            rd_want[d + dt]++;
            if (arr[i] == expect) {
                expect++;
                while (held[expect - first]) {
                    held[expect - first] = 0;
                    occupancy--;
                    expect++;
                }
            } else {
                held[arr[i] - first] = 1;
                occupancy++;
            }
            CU_ASSERT_FATAL(occupancy <= dt);
            rbd_want[occupancy]++;
        }
        g_autofree ReorderStats *st = feed(dt, first, arr, n);
        CU_ASSERT_EQUAL(st->rd_lost, 0);
        CU_ASSERT_EQUAL(st->rd_late, 0);
        CU_ASSERT_EQUAL(st->rd_beyond, 0);
        CU_ASSERT_EQUAL(st->rbd_lost, 0);
        CU_ASSERT_EQUAL(st->rbd_late, 0);
        for (int d = -dt; d <= dt; d++) {
            CU_ASSERT_EQUAL(st->rd_freq[d + dt], rd_want[d + dt]);
            ASSERT_FRACTION(reorder_rd(st, d), rd_want[d + dt], n);
        }
        int want_max = 0;
        for (int k = 0; k <= dt; k++) {
            CU_ASSERT_EQUAL(st->rbd_freq[k], rbd_want[k]);
            ASSERT_FRACTION(reorder_rbd(st, k), rbd_want[k], n);
            if (rbd_want[k])
                want_max = k;
        }
        CU_ASSERT_EQUAL(reorder_rbd_max(st), want_max);
        CU_ASSERT(want_max >= 1);
    }
}

/* ---- The RFC 5236 authors' reference algorithm for RD ---------------------
 *
 * The RD algorithm as published by the RFC 5236 authors (Colorado State
 * University, cnrl.colostate.edu/Projects/PacketReordering/rd_algo.txt),
 * transcribed step by step with plain arrays: a window of the next DT + 1
 * unique arrivals and a buffer of early arrivals; the receive index RI goes
 * to the window's head when RI is in the window or the buffer, else RI moves
 * on (to the smallest sequence there, or by one); a head displaced beyond DT
 * is discarded; arrivals below RI are skipped as the algorithm's
 * "duplicates". (Their RBD algorithm is not used: see reorder.c's header.) */
typedef struct {
    uint64_t v[64];
    int n;
} SeqSet;

static bool set_has(const SeqSet *s, uint64_t x)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i] == x)
            return true;
    return false;
}

static void set_del(SeqSet *s, uint64_t x)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i] == x) {
            s->v[i] = s->v[--s->n];
            return;
        }
}

static uint64_t set_min(const SeqSet *s)
{
    uint64_t m = UINT64_MAX;
    for (int i = 0; i < s->n; i++)
        m = MIN(m, s->v[i]);
    return m;
}

/* The window is a FIFO: v[0] is its head. */
static uint64_t win_pop(SeqSet *w)
{
    uint64_t h = w->v[0];
    memmove(w->v, w->v + 1, (size_t)(w->n - 1) * sizeof w->v[0]);
    w->n--;
    return h;
}

static void authors_rd(const uint64_t *a, size_t n, int dt, uint64_t first, uint64_t *fle)
{
    SeqSet win = {.n = 0}, buf = {.n = 0};
    size_t next = 0;
    uint64_t ri = first;
    memset(fle, 0, (size_t)(2 * dt + 1) * sizeof fle[0]);
    while (win.n < dt + 1 && next < n)
        win.v[win.n++] = a[next++];
    size_t guard = 0;
    while (win.n > 0) {
        CU_ASSERT_FATAL(++guard < 100 * (n + 10));
        if (set_has(&win, ri) || set_has(&buf, ri)) {
            uint64_t s = win_pop(&win);
            int64_t d = (int64_t)(ri - s);
            if (d >= -dt && d <= dt) {
                fle[d + dt]++;
                set_del(&buf, ri);
                if (d < 0)
                    buf.v[buf.n++] = s;
                ri++;
            } /* else: discarded */
            while (next < n && (a[next] < ri || set_has(&buf, a[next]) || set_has(&win, a[next])))
                next++;
            if (next < n)
                win.v[win.n++] = a[next++];
        } else {
            uint64_t m = MIN(set_min(&win), set_min(&buf));
            ri = ri < m ? m : ri + 1;
        }
    }
}

/* Seeded random arrival orders with loss and moves well past the threshold:
 * reorder.c's streaming RD gives the authors' frequencies exactly. */
static void test_rfc5236_rd_matches_authors_algorithm(void)
{
    g_autoptr(GRand) rng = g_rand_new_with_seed(20080601);
    enum { N = 600 };
    g_autofree uint64_t *arr = g_new(uint64_t, N);
    static const int delays[] = {1, 2, 3, 5, 8, 20};
    static const int losses[] = {0, 2, 10, 30};
    uint64_t lost_rounds = 0, beyond = 0;
    for (int round = 0; round < 400; round++) {
        int dt = 1 + round % REORDER_DT_MAX;
        uint64_t first = (uint64_t)(round % 2);
        size_t m = random_arrivals(rng, first, N, delays[round % G_N_ELEMENTS(delays)],
                                   losses[(round / 3) % G_N_ELEMENTS(losses)], arr);
        uint64_t fle[2 * REORDER_DT_MAX + 1];
        authors_rd(arr, m, dt, first, fle);
        g_autofree ReorderStats *st = feed(dt, first, arr, m);
        for (int d = -dt; d <= dt; d++)
            CU_ASSERT_EQUAL(st->rd_freq[d + dt], fle[d + dt]);
        lost_rounds += st->rd_lost > 0;
        beyond += st->rd_beyond;
    }
    /* the sample reached the cases that differ from a loss-free stream */
    CU_ASSERT(lost_rounds > 100);
    CU_ASSERT(beyond > 100);
}

/* A worked example published in a review of reordering metrics (Hindawi
 * JCNC 2020, "Packet Reordering Metrics to Enable Performance Comparison in
 * IP-Networks", table 1): arrivals 1 6 7 2 3 4 5 8 take receive indices 1..8
 * with displacements 0 -4 -4 2 2 2 2 0. With DT = 4 every one is counted:
 * RD[-4] = 2/8, RD[2] = 4/8, RD[0] = 2/8. RBD: 6 and 7 wait for 2 (occupancy
 * 1, 2), and stay while 2, 3, 4 arrive; 5 releases them. */
static void test_review_table_example(void)
{
    g_autofree ReorderStats *st = FEED(4, 1, 1, 6, 7, 2, 3, 4, 5, 8);
    ASSERT_FRACTION(reorder_rd(st, -4), 2, 8);
    ASSERT_FRACTION(reorder_rd(st, 2), 4, 8);
    ASSERT_FRACTION(reorder_rd(st, 0), 2, 8);
    CU_ASSERT_EQUAL(st->rd_lost, 0);
    CU_ASSERT_EQUAL(st->rd_beyond, 0);
    /* occupancy after 1 6 7 2 3 4 5 8: 0 1 2 2 2 2 0 0 */
    ASSERT_FRACTION(reorder_rbd(st, 0), 3, 8);
    ASSERT_FRACTION(reorder_rbd(st, 1), 1, 8);
    ASSERT_FRACTION(reorder_rbd(st, 2), 4, 8);
    /* RFC 4737: 2, 3, 4, 5 are reordered (below NextExp 8); 2 is
     * 2-reordered (7, 6 before it) with extent 2; 3, 4, 5 have extents 3,
     * 4, 5 (6 is their earliest larger predecessor). */
    CU_ASSERT_EQUAL(st->reordered, 4);
    CU_ASSERT_EQUAL(st->max_extent, 5);
    CU_ASSERT_EQUAL(st->fast_retransmit, 3);
    CU_ASSERT_EQUAL(st->n_reordered[1], 1);
    CU_ASSERT_EQUAL(st->n_reordered[2], 0);
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
    {"rfc4737_matches_definitions", test_rfc4737_matches_definitions},
    {"rfc5236_matches_definitions", test_rfc5236_matches_definitions},
    {"rfc5236_rd_matches_authors_algorithm", test_rfc5236_rd_matches_authors_algorithm},
    {"review_table_example", test_review_table_example},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("reorder", cases);
}
