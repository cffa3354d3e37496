/* reorder.c - RFC 4737 and RFC 5236 reordering figures (see reorder.h).
 *
 * Hand-written fixed-size state rather than GLib containers: this runs once
 * per delivered frame and must not allocate.
 *
 * RFC 4737 extent: e = j - i for the earliest arrival i with s[i] > s[j].
 * The running maximum M[i] of the sequences received up to arrival i never
 * decreases, and the first i with s[i] > s[j] is the first with M[i] > s[j];
 * so a ring of M over the last arrivals and a binary search give e.
 *
 * RFC 5236 RD follows the algorithm published by the RFC's authors
 * (Colorado State University, rd_algo.txt; tests/test_reorder.c runs a
 * plain transcription of it against this code). The receive index RI goes
 * to the arrivals in order, starting at the first sequence number;
 * displacement D = RI - S (late > 0, early < 0). Arrivals wait in a
 * look-ahead of DT + 1 before the oldest is judged, so that a missing
 * sequence is known lost, not merely late: RI must be an arrived sequence
 * (still in the look-ahead, or an early arrival already judged), else it is
 * lost and RI moves on to the next one that arrived, so that loss does not
 * show as displacement. A head displaced by more than DT is discarded: it
 * takes no index, and its own sequence counts as lost when RI gets there. A
 * sequence that arrives once RI has passed it is late and takes no index.
 *
 * RFC 5236 RBD: a resequencing buffer holds early arrivals until the
 * expected sequence E arrives; after each arrival its occupancy is counted.
 * When the occupancy would exceed the threshold, E is given up (lost) and
 * the buffer is released from its lowest sequence. (The authors' rbd_algo.txt
 * instead takes E as the smallest sequence of a look-ahead of DT + 1
 * arrivals, which declares lost a packet arriving exactly DT places late
 * although the buffer would hold only DT, unlike their own RD; bondsim keeps
 * the occupancy rule, under which a loss shows as occupancy until the buffer
 * overflows. See docs/ARCHITECTURE.md.)
 */
#include "stats/reorder.h"

#include <glib.h>
#include <string.h>

void reorder_init(ReorderStats *st, int dt, uint64_t first_seq)
{
    g_return_if_fail(st != NULL && dt >= 1 && dt <= REORDER_DT_MAX);
    memset(st, 0, sizeof *st);
    st->dt = dt;
    st->next_exp = first_seq;
    st->ri = first_seq;
    st->rbd_expected = first_seq;
}

/* ---- RFC 4737 -------------------------------------------------------------- */

static int reorder_extent_bin_of(uint64_t e, bool capped)
{
    if (capped)
        return REORDER_EXTENT_BINS - 1;
    if (e <= 16)
        return (int)e - 1;
    int bin = 16;
    for (uint64_t hi = 32; e > hi && bin < REORDER_EXTENT_BINS - 2; hi *= 2)
        bin++;
    return bin;
}

void reorder_extent_bin(int i, uint64_t *lo, uint64_t *hi)
{
    g_return_if_fail(i >= 0 && i < REORDER_EXTENT_BINS && lo != NULL && hi != NULL);
    if (i < 16) {
        *lo = *hi = (uint64_t)i + 1;
    } else if (i == REORDER_EXTENT_BINS - 1) {
        *lo = REORDER_EXTENT_RING + 1;
        *hi = 0;
    } else {
        *hi = UINT64_C(32) << (i - 16);
        *lo = *hi / 2 + 1;
    }
}

/* The running maximum after arrival `pos` (within the ring). */
static uint64_t reorder_run_max_at(const ReorderStats *st, uint64_t pos)
{
    uint64_t top = st->next_exp - 1;
    uint32_t back = (uint32_t)top - st->run_max[pos % REORDER_EXTENT_RING];
    return top - back;
}

/* Extent of a reordered arrival `seq` at position `pos` (> 0). */
static uint64_t reorder_extent(ReorderStats *st, uint64_t pos, uint64_t seq, bool *capped)
{
    uint64_t kmax = MIN(pos, (uint64_t)REORDER_EXTENT_RING);
    uint64_t lo = 1, hi = kmax; /* M[pos - lo] > seq holds; find the largest such k */
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo + 1) / 2;
        if (reorder_run_max_at(st, pos - mid) > seq)
            lo = mid;
        else
            hi = mid - 1;
    }
    *capped = lo == REORDER_EXTENT_RING && pos > REORDER_EXTENT_RING;
    return lo;
}

static void reorder_count_reordered(ReorderStats *st, uint64_t pos, uint64_t seq)
{
    bool capped;
    uint64_t e = reorder_extent(st, pos, seq, &capped);
    st->reordered++;
    st->extent_hist[reorder_extent_bin_of(e, capped)]++;
    if (e >= 3)
        st->fast_retransmit++;
    if (e > st->max_extent || (e == st->max_extent && capped))
        st->max_extent = e;
    st->max_extent_capped |= capped;
    /* n-reordered: the n arrivals just before all carry larger sequences */
    uint64_t nmax = MIN(pos, (uint64_t)REORDER_N_MAX);
    for (uint64_t k = 1; k <= nmax; k++) {
        if (st->last_seq[(pos - k) % REORDER_N_MAX] <= seq)
            break;
        st->n_reordered[k - 1]++;
    }
}

static void reorder_4737_add(ReorderStats *st, uint64_t seq)
{
    uint64_t pos = st->received;
    if (seq >= st->next_exp)
        st->next_exp = seq + 1;
    else
        reorder_count_reordered(st, pos, seq);
    st->last_seq[pos % REORDER_N_MAX] = seq;
    st->run_max[pos % REORDER_EXTENT_RING] = (uint32_t)(st->next_exp - 1);
    st->received++;
}

double reorder_ratio(const ReorderStats *st)
{
    return st->received ? (double)st->reordered / (double)st->received : 0.0;
}

/* ---- RFC 5236 RD ----------------------------------------------------------- */

static bool reorder_rd_take(ReorderStats *st, uint64_t seq)
{
    uint64_t bit = seq % REORDER_RD_SPAN;
    uint64_t mask = UINT64_C(1) << (bit % 64);
    bool was = (st->rd_seen[bit / 64] & mask) != 0;
    st->rd_seen[bit / 64] &= ~mask;
    return was;
}

/* Judges the oldest arrival of the look-ahead: the next receive index, or
 * discarded when displaced beyond DT. */
static void reorder_rd_process_head(ReorderStats *st)
{
    g_assert(st->win_len > 0);
    uint64_t s = st->win[st->win_head];
    st->win_head = (st->win_head + 1) % (REORDER_DT_MAX + 1);
    st->win_len--;
    /* RI not arrived: lost, move on to the next arrived sequence. The head
     * itself is marked (it is >= ri, see reorder_rd_add), so this ends; the
     * bound only guards against a broken invariant. */
    uint64_t bit = st->ri % REORDER_RD_SPAN;
    for (int guard = 0; !(st->rd_seen[bit / 64] & (UINT64_C(1) << (bit % 64))); guard++) {
        g_assert(guard < REORDER_RD_SPAN);
        st->rd_lost++;
        st->ri++;
        bit = st->ri % REORDER_RD_SPAN;
    }
    int64_t d = (int64_t)(st->ri - s);
    if (d < -st->dt || d > st->dt) {
        /* discarded: no index; its sequence, no longer marked, will be
         * skipped as lost when RI gets there */
        if (s >= st->ri)
            reorder_rd_take(st, s);
        st->rd_beyond++;
        return;
    }
    reorder_rd_take(st, st->ri);
    st->ri++;
    st->rd_freq[d + st->dt]++;
}

/* An arrival too far ahead to remember (a long loss burst): the look-ahead
 * is flushed and the receive index jumps to it; the sequences passed that
 * never arrived are lost. The work is bounded by the span. */
static void reorder_rd_resync(ReorderStats *st, uint64_t seq)
{
    while (st->win_len > 0)
        reorder_rd_process_head(st);
    g_assert(st->ri <= seq);
    uint64_t span_end = MIN(seq, st->ri + REORDER_RD_SPAN);
    for (uint64_t k = st->ri; k < span_end; k++)
        st->rd_lost += !reorder_rd_take(st, k);
    st->rd_lost += seq - span_end;
    st->ri = seq;
    st->rd_resyncs++;
}

static void reorder_rd_add(ReorderStats *st, uint64_t seq)
{
    if (seq < st->ri) {
        st->rd_late++; /* its index was skipped: declared lost */
        return;
    }
    if (seq - st->ri >= REORDER_RD_SPAN)
        reorder_rd_resync(st, seq);
    uint64_t bit = seq % REORDER_RD_SPAN;
    st->rd_seen[bit / 64] |= UINT64_C(1) << (bit % 64);
    int tail = (st->win_head + st->win_len) % (REORDER_DT_MAX + 1);
    st->win[tail] = seq;
    st->win_len++;
    if (st->win_len == st->dt + 1)
        reorder_rd_process_head(st);
}

double reorder_rd(const ReorderStats *st, int d)
{
    g_return_val_if_fail(d >= -st->dt && d <= st->dt, 0.0);
    uint64_t total = 0;
    for (int i = 0; i <= 2 * st->dt; i++)
        total += st->rd_freq[i];
    return total ? (double)st->rd_freq[d + st->dt] / (double)total : 0.0;
}

/* ---- RFC 5236 RBD ---------------------------------------------------------- */

/* Hands up the buffered sequences that follow E without a gap. */
static void reorder_rbd_release(ReorderStats *st)
{
    int n = 0;
    while (n < st->rbd_len && st->rbd_buf[n] == st->rbd_expected) {
        st->rbd_expected++;
        n++;
    }
    if (n) {
        memmove(st->rbd_buf, st->rbd_buf + n, (size_t)(st->rbd_len - n) * sizeof(uint64_t));
        st->rbd_len -= n;
    }
}

static void reorder_rbd_add(ReorderStats *st, uint64_t seq)
{
    if (seq < st->rbd_expected) {
        st->rbd_late++;
        return;
    }
    if (seq == st->rbd_expected) {
        st->rbd_expected++;
        reorder_rbd_release(st);
    } else {
        int i = st->rbd_len;
        while (i > 0 && st->rbd_buf[i - 1] > seq) {
            st->rbd_buf[i] = st->rbd_buf[i - 1];
            i--;
        }
        st->rbd_buf[i] = seq;
        st->rbd_len++;
        while (st->rbd_len > st->dt) {
            st->rbd_lost += st->rbd_buf[0] - st->rbd_expected;
            st->rbd_expected = st->rbd_buf[0];
            reorder_rbd_release(st);
        }
    }
    st->rbd_freq[st->rbd_len]++;
}

double reorder_rbd(const ReorderStats *st, int k)
{
    g_return_val_if_fail(k >= 0 && k <= st->dt, 0.0);
    uint64_t total = 0;
    for (int i = 0; i <= st->dt; i++)
        total += st->rbd_freq[i];
    return total ? (double)st->rbd_freq[k] / (double)total : 0.0;
}

int reorder_rbd_max(const ReorderStats *st)
{
    for (int k = st->dt; k > 0; k--)
        if (st->rbd_freq[k])
            return k;
    return 0;
}

/* ---- both ------------------------------------------------------------------ */

void reorder_add(ReorderStats *st, uint64_t seq)
{
    reorder_4737_add(st, seq);
    reorder_rd_add(st, seq);
    reorder_rbd_add(st, seq);
}

void reorder_finish(ReorderStats *st)
{
    g_return_if_fail(st != NULL);
    while (st->win_len > 0)
        reorder_rd_process_head(st);
}
