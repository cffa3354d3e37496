/* reorder.h - packet reordering figures of one flow at its receiver.
 *
 * Fed by flow_deliver() (traffic/flow.c) with the sequence number of every
 * delivered frame that is not a duplicate (RFC 4737 §3.3: only the first
 * copy is analysed), in arrival order; reorder_finish() at the end of the
 * run. Computes RFC 4737 (reordered singletons and ratio, reordering extent
 * with a histogram, n-reordering for n = 1..REORDER_N_MAX, and how many
 * extents reach 3, the duplicate-ACK count that triggers TCP fast
 * retransmit) and RFC 5236 (Reorder Density with a displacement threshold,
 * Reorder Buffer-occupancy Density with the same threshold).
 *
 * Fixed memory, no allocation: a ReorderStats is embedded in its Flow. Hot
 * path: O(1) per arrival plus a binary search over REORDER_EXTENT_RING for a
 * reordered one, and O(threshold) for RD/RBD. The bounds and what happens
 * past them are stated beside each constant.
 */
#ifndef BONDSIM_STATS_REORDER_H
#define BONDSIM_STATS_REORDER_H

#include <stdbool.h>
#include <stdint.h>

/* n-reordering is counted for n = 1..8 (RFC 4737 §5; n = 3 is TCP's
 * duplicate-ACK threshold). */
#define REORDER_N_MAX 8
/* The receiver remembers the running maximum sequence of the last 1024
 * arrivals: extents up to 1024 are exact; a larger one is counted as 1024
 * and flagged (max_extent_capped). */
#define REORDER_EXTENT_RING 1024
/* Extent histogram: 1..16 one bin each, then 17-32, 33-64, ..., 513-1024,
 * and a last bin for "more than 1024" (capped extents). */
#define REORDER_EXTENT_BINS 23
/* RFC 5236 displacement threshold DT: default 3, at most 16. */
#define REORDER_DT_DEFAULT 3
#define REORDER_DT_MAX 16
/* RD remembers which sequences in [RI, RI + 4096) have arrived. A frame that
 * arrives 4096 or more ahead of the receive index (after a long loss burst)
 * flushes the look-ahead and the index jumps to it (rd_resyncs); the
 * sequences jumped over that never arrived count as lost. */
#define REORDER_RD_SPAN 4096

typedef struct {
    /* ---- RFC 4737 ---- */
    uint64_t received;   /* L: unique arrivals analysed */
    uint64_t reordered;  /* arrivals with s < NextExp */
    uint64_t next_exp;   /* NextExp: highest sequence seen + 1 */
    uint64_t max_extent; /* largest reordering extent */
    bool max_extent_capped;
    uint64_t extent_hist[REORDER_EXTENT_BINS];
    uint64_t fast_retransmit;              /* reordered arrivals with extent >= 3 */
    uint64_t n_reordered[REORDER_N_MAX];   /* [n-1]: arrivals that are n-reordered */
    uint32_t run_max[REORDER_EXTENT_RING]; /* low 32 bits of the running max after arrival p */
    uint64_t last_seq[REORDER_N_MAX];      /* the last arrivals, ring by position */
    /* ---- RFC 5236 Reorder Density ---- */
    int dt;                           /* displacement threshold */
    uint64_t ri;                      /* next receive index (a sequence value) */
    uint64_t win[REORDER_DT_MAX + 1]; /* look-ahead: the last DT+1 arrivals, FIFO */
    int win_head, win_len;
    uint64_t rd_seen[REORDER_RD_SPAN / 64];   /* arrived sequences in [ri, ri + span) */
    uint64_t rd_freq[2 * REORDER_DT_MAX + 1]; /* [D + dt]: packets with displacement D */
    uint64_t rd_lost;    /* sequences RI skipped: not arrived when their index came */
    uint64_t rd_late;    /* arrivals of sequences RI had already passed */
    uint64_t rd_beyond;  /* heads discarded: displaced beyond DT (too early) */
    uint64_t rd_resyncs; /* jumps of the receive index past a long gap */
    /* ---- RFC 5236 Reorder Buffer-occupancy Density ---- */
    uint64_t rbd_expected;                 /* E: next sequence to hand up */
    uint64_t rbd_buf[REORDER_DT_MAX + 1];  /* early arrivals held, sorted */
    int rbd_len;                           /* occupancy */
    uint64_t rbd_freq[REORDER_DT_MAX + 1]; /* [k]: arrivals leaving occupancy k */
    uint64_t rbd_lost;                     /* sequences given up when the buffer overflowed */
    uint64_t rbd_late;                     /* arrivals below E (given up or handed up) */
} ReorderStats;

/* Resets `st`; `dt` in 1..REORDER_DT_MAX is the RD displacement threshold
 * and the RBD occupancy threshold; `first_seq` is the first sequence number
 * the sender uses (0 in bondsim, 1 in the RFCs' examples). */
void reorder_init(ReorderStats *st, int dt, uint64_t first_seq);

/* One arrival, not a duplicate (the caller filters those). */
void reorder_add(ReorderStats *st, uint64_t seq);

/* Flushes the RD look-ahead at the end of the run. Idempotent. */
void reorder_finish(ReorderStats *st);

/* RFC 4737 reordered-packet ratio: reordered / received (0 when none). */
double reorder_ratio(const ReorderStats *st);

/* Extent histogram bin `i` covers extents [lo, hi]; hi is 0 for the last
 * (open) bin. */
void reorder_extent_bin(int i, uint64_t *lo, uint64_t *hi);

/* RD[d] for d in [-dt, dt]: packets with displacement d over all packets
 * within the threshold (0 when none). */
double reorder_rd(const ReorderStats *st, int d);

/* RBD[k] for k in [0, dt]: arrivals after which k packets were held, over
 * all counted arrivals. */
double reorder_rbd(const ReorderStats *st, int k);

/* Largest occupancy with a non-zero RBD: the resequencing buffer needed. */
int reorder_rbd_max(const ReorderStats *st);

#endif
