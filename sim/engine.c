/* engine.c - event queue and run loop (see engine.h).
 *
 * Two modes. Heap mode (the start, and whenever few events are pending): one
 * 4-ary min-heap holds every event. Wheel mode (above eng->wheel_up pending,
 * back below eng->wheel_down): a bucketed wheel in front of the same heap,
 *
 *   heap     every event due up to near_last: the events of the current
 *            bucket number cur_q (and any scheduled earlier than it), fully
 *            ordered by (time, seq), so ties keep their scheduling order;
 *   buckets  n_buckets slots, slot q & mask holding the events of bucket
 *            number q = time >> width_shift for cur_q < q < cur_q +
 *            n_buckets, as unordered singly linked lists of pool nodes;
 *   far      a second 4-ary heap for the events beyond the buckets' span.
 *
 * The run loop always takes heap[0]: every event outside the heap is due
 * after near_last, so heap[0] is the earliest pending event and the order is
 * exactly (time, seq) as in heap mode (test_engine checks both modes against a
 * sorted reference). When the heap runs dry the wheel advances to the next
 * non-empty slot (a bitmap scan), moves far events that came into the span
 * into the buckets, and pours that slot's few events into the heap.
 *
 * Why: the hold benchmark (10,000 pending, random increments) ran 15.0 M
 * events/s on the heap alone, each pop sifting through ~7 levels of a 400 KB
 * array; with the wheel a schedule is a shift and a list push, a pop works on
 * a heap of a bucket's few events, and it runs 35-38 M (minimum CPU time of
 * alternating runs on the 2-core EPYC VM). The hold model at other sizes
 * (heap alone vs wheel, M events/s): 64 pending 26.9 vs 17.6, 128: 28.3 vs
 * 43.6, 512: 23.7 vs 43.3, 2048: 19.3 vs 41.1, 100,000: 8.7 vs 14.1. Hence
 * ENGINE_WHEEL_UP 512 and DOWN 128 (engine.h): the wheel where it wins by
 * far, hysteresis so that a count hovering near one threshold does not
 * convert back and forth (a switch costs O(count), and takes at least
 * up - down schedules or pops since the last one: O(1) amortised).
 *
 * The bond workloads (6-18 pending) never leave heap mode, whose code is the
 * heap alone's: engine_schedule adds one compare (at_ps >= near_lim, which
 * never holds in heap mode) and the heap-mode run loop is unchanged; every
 * wheel path is out of line.
 *
 * The width adapts: it is chosen when the wheel is laid out (from a sample of
 * pending times) and the wheel is laid out again when a slot is crowded
 * (width too coarse) or most events wait in `far` (span too short), at most
 * once per `count` pops, so re-tuning costs O(1) amortised per event. A
 * distribution the wheel cannot spread degrades to the heaps' O(log n).
 *
 * Memory: the heap, the node pool and `far` each grow by doubling up to the
 * run's peak and never past max_pending; nodes are recycled through a free
 * list and the bucket arrays are sized to the pending count when laid out,
 * so a steady run allocates nothing.
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#define HEAP_ARITY 4

/* Wheel layout. A bucket spans about WHEEL_PER_BUCKET mean gaps between the
 * earliest events (hold model, M events/s at 512 / 10,000 pending: 2 gaps
 * 42.9 / 37.7, 8 gaps 38.3 / 32.8, 32 gaps 28.2 / 24.4: a few events per
 * bucket keep the heap tiny, and the empty slots in between cost one bit
 * each in the scan). A slot poured with more than WHEEL_CROWDED events, or
 * more than half of the events waiting in `far`, triggers a re-layout;
 * WHEEL_SAMPLE pending times are sorted to pick the width. */
#define WHEEL_PER_BUCKET 2
#define WHEEL_CROWDED 64
#define WHEEL_SAMPLE 1024
#define WHEEL_MIN_SLOTS 64 /* one bitmap word */
#define WHEEL_MAX_SLOTS ((size_t)1 << 22)

/* Kept out of the run loops and engine_schedule. */
#define ENGINE_COLD __attribute__((noinline, cold))

struct EngineNode {
    Event ev;
    uint32_t next; /* next node of the slot or of the free list */
};

void engine_init(Engine *eng, size_t max_pending)
{
    memset(eng, 0, sizeof(*eng));
    EngineWheel *w = g_new0(EngineWheel, 1);
    eng->w = w;
    w->max_pending = max_pending ? max_pending : ENGINE_DEFAULT_MAX_PENDING;
    /* node indices are 32-bit, ENGINE_NIL excluded */
    w->max_pending = MIN(w->max_pending, (size_t)UINT32_MAX - 1);
    w->wheel_up = ENGINE_WHEEL_UP;
    w->wheel_down = ENGINE_WHEEL_DOWN;
    w->free_node = ENGINE_NIL;
    /* never more slots than max_pending, nor than wheel_up in heap mode:
     * reaching the capacity is what takes engine_schedule to its slow path */
    eng->capacity = MIN(MIN((size_t)1024, w->max_pending), w->wheel_up);
    eng->heap = g_new(Event, eng->capacity);
    eng->near_lim = UINT64_MAX;
}

void engine_clear(Engine *eng)
{
    EngineWheel *w = eng->w;
    g_free(eng->heap);
    eng->heap = NULL;
    eng->count = eng->capacity = 0;
    if (w) {
        g_free(w->far);
        g_free(w->nodes);
        g_free(w->slot_head);
        g_free(w->slot_bits);
        g_free(w);
        eng->w = NULL;
    }
}

void engine_set_wheel_thresholds(Engine *eng, size_t up, size_t down)
{
    g_return_if_fail(down >= 1 && up > down && eng->count == 0 && !eng->wheel_on);
    eng->w->wheel_up = up;
    eng->w->wheel_down = down;
    if (eng->capacity > up) {
        eng->capacity = up;
        eng->heap = g_renew(Event, eng->heap, up);
    }
}

/* ---- 4-ary heap of events (the main heap and `far`) ---------------------- */

/* (time_ps, seq) compared as one 128-bit number where the compiler has the
 * type: a compare and a subtract-with-borrow, no branch (see
 * heap_min_child). */
static inline bool event_before(const Event *a, const Event *b)
{
#if defined(__SIZEOF_INT128__)
    unsigned __int128 ka = ((unsigned __int128)a->time_ps << 64) | a->seq;
    unsigned __int128 kb = ((unsigned __int128)b->time_ps << 64) | b->seq;
    return ka < kb;
#else
    return (a->time_ps < b->time_ps) | ((a->time_ps == b->time_ps) & (a->seq < b->seq));
#endif
}

/* Below this many pending events the children are picked with branches,
 * above it without (measured with tools/bench.c on a 2-core AMD EPYC VM). A
 * small queue is a few simple sources (a bond at line rate: 6 to 18 events)
 * whose order repeats, so the predictor guesses right and branches are
 * cheapest: branchless cost 6% with 6 pending, 17% with 10, 27% with 18.
 * A large queue mixes many sources, which of four children is earliest is a
 * coin toss the predictor loses, and the branchless choice wins: random
 * increments run 11.5 -> 14.8 M events/s with 10,000 pending, 24 -> 29 M
 * with 100. */
#define HEAP_BRANCHLESS_MIN 64

/* The earliest of the children of a node, the first at index `c`, in a heap
 * of `n` events. Either way the same child wins: keys are unique. */
static inline size_t heap_min_child(const Event *h, size_t c, size_t n)
{
    if (n >= HEAP_BRANCHLESS_MIN && c + HEAP_ARITY <= n) {
        /* two-round tournament, the winner picked with masks */
        size_t b01 = c + (size_t)event_before(&h[c + 1], &h[c]);
        size_t b23 = c + 2 + (size_t)event_before(&h[c + 3], &h[c + 2]);
        size_t take23 = (size_t)0 - (size_t)event_before(&h[b23], &h[b01]);
        return b01 ^ ((b01 ^ b23) & take23);
    }
    size_t end = c + HEAP_ARITY < n ? c + HEAP_ARITY : n;
    size_t best = c;
    for (size_t k = c + 1; k < end; k++)
        if (h[k].time_ps < h[best].time_ps ||
            (h[k].time_ps == h[best].time_ps && h[k].seq < h[best].seq))
            best = k;
    return best;
}

/* Puts `ev` into the hole at index `i` of a heap and sifts it up. */
static inline void heap_sift_up(Event *h, size_t i, Event ev)
{
    while (i > 0) {
        size_t parent = (i - 1) / HEAP_ARITY;
        if (!event_before(&ev, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = ev;
}

/* Puts `ev` into the hole at index `i` of a heap of `n` events and sifts it
 * down. (Floyd's bottom-up variant, the hole to a leaf and then the event
 * up, was tried for the root: 10% slower on the bond benchmark, whose last
 * event stops early.) */
static inline void heap_sift_down(Event *h, size_t i, size_t n, Event ev)
{
    for (size_t c = i * HEAP_ARITY + 1; c < n; c = i * HEAP_ARITY + 1) {
        size_t best = heap_min_child(h, c, n);
        if (!event_before(&h[best], &ev))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = ev;
}

/* Removes h[0] from a heap that holds `n` events once it is removed. */
static inline void heap_remove_root(Event *h, size_t n)
{
    if (n > 0)
        heap_sift_down(h, 0, n, h[n]);
}

/* Makes a heap of n events in any order (Floyd: sift down every parent,
 * last first), O(n). */
static void heap_build(Event *h, size_t n)
{
    if (n < 2)
        return;
    for (size_t i = (n - 2) / HEAP_ARITY + 1; i-- > 0;)
        heap_sift_down(h, i, n, h[i]);
}

/* Doubles an event array's capacity (to at least `need`, at most `limit`). */
ENGINE_COLD static Event *events_grow(Event *a, size_t *cap, size_t need, size_t limit)
{
    size_t c = MIN(MAX(MAX(*cap * 2, need), (size_t)64), limit);
    g_assert(c >= need);
    *cap = c;
    return g_renew(Event, a, c);
}

/* ---- wheel --------------------------------------------------------------- */

ENGINE_COLD static void node_pool_grow(EngineWheel *w)
{
    size_t old = w->nodes_cap;
    size_t cap = MIN(MAX(old * 2, (size_t)256), w->max_pending);
    g_assert(cap > old); /* nodes in use <= count <= max_pending */
    w->nodes = g_renew(EngineNode, w->nodes, cap);
    for (size_t k = cap; k-- > old;) {
        w->nodes[k].next = w->free_node;
        w->free_node = (uint32_t)k;
    }
    w->nodes_cap = cap;
}

static inline uint32_t node_alloc(EngineWheel *w)
{
    if (w->free_node == ENGINE_NIL)
        node_pool_grow(w);
    uint32_t k = w->free_node;
    w->free_node = w->nodes[k].next;
    return k;
}

static inline void node_free(EngineWheel *w, uint32_t k)
{
    w->nodes[k].next = w->free_node;
    w->free_node = k;
}

/* Into the heap of wheel mode (an event due up to near_last). */
static inline void near_push(Engine *eng, const Event *ev)
{
    EngineWheel *w = eng->w;
    if (w->heap_n == eng->capacity)
        eng->heap = events_grow(eng->heap, &eng->capacity, w->heap_n + 1, w->max_pending);
    heap_sift_up(eng->heap, w->heap_n++, *ev);
}

static inline void far_push(EngineWheel *w, const Event *ev)
{
    if (w->far_n == w->far_cap)
        w->far = events_grow(w->far, &w->far_cap, w->far_n + 1, w->max_pending);
    heap_sift_up(w->far, w->far_n++, *ev);
}

static inline void slot_link(EngineWheel *w, uint32_t k, uint64_t q)
{
    size_t b = (size_t)q & (w->n_buckets - 1);
    w->nodes[k].next = w->slot_head[b];
    w->slot_head[b] = k;
    w->slot_bits[b >> 6] |= UINT64_C(1) << (b & 63);
    w->slot_n++;
}

/* Files an event due after near_last into its slot, or into `far` when its
 * bucket number is a whole turn or more ahead. */
static inline void wheel_file(EngineWheel *w, const Event *ev)
{
    uint64_t q = ev->time_ps >> w->width_shift;
    if (q - w->cur_q >= w->n_buckets) {
        far_push(w, ev);
        return;
    }
    uint32_t k = node_alloc(w);
    w->nodes[k].ev = *ev;
    slot_link(w, k, q);
}

/* Prepends the nodes of every slot to `list` and empties the slots. */
static uint32_t wheel_drain_slots(EngineWheel *w, uint32_t list)
{
    size_t words = w->n_buckets >> 6;
    for (size_t i = 0; w->slot_n > 0 && i < words; i++) {
        uint64_t bits = w->slot_bits[i];
        w->slot_bits[i] = 0;
        while (bits) {
            size_t b = (i << 6) | (size_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            uint32_t k = w->slot_head[b];
            w->slot_head[b] = ENGINE_NIL;
            while (k != ENGINE_NIL) {
                uint32_t next = w->nodes[k].next;
                w->nodes[k].next = list;
                list = k;
                k = next;
                w->slot_n--;
            }
        }
    }
    return list;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The width of a bucket, as a shift: WHEEL_PER_BUCKET times the mean gap
 * between the earliest quarter of the n events of `list` (a quarter, not
 * all: a few far timers must not stretch the buckets of the busy near
 * future), from an evenly strided sample, rounded up to a power of two so
 * that a bucket number is a shift. Also returns the earliest time. */
static unsigned wheel_pick_width(const EngineWheel *w, uint32_t list, size_t n, uint64_t *tmin)
{
    uint64_t sample[WHEEL_SAMPLE];
    size_t m = 0, stride = n / WHEEL_SAMPLE + 1, i = 0;
    uint64_t lo = UINT64_MAX;
    for (uint32_t k = list; k != ENGINE_NIL; k = w->nodes[k].next, i++) {
        uint64_t t = w->nodes[k].ev.time_ps;
        lo = MIN(lo, t);
        if (i % stride == 0 && m < WHEEL_SAMPLE)
            sample[m++] = t;
    }
    *tmin = lo;
    qsort(sample, m, sizeof(sample[0]), u64_cmp);
    uint64_t gap = (sample[m / 4] - lo) / MAX(n / 4, (size_t)1);
    uint64_t want = gap > UINT64_MAX / WHEEL_PER_BUCKET ? UINT64_MAX : gap * WHEEL_PER_BUCKET;
    unsigned shift = 0;
    while (shift < 62 && (UINT64_C(1) << shift) < want)
        shift++;
    return shift;
}

/* Lays the wheel out for the events pending now, from heap mode or to
 * re-tune it: every event goes to a node list, the width and the slot count
 * are chosen from the list, then each event is filed again. O(count). */
ENGINE_COLD static void wheel_build(Engine *eng)
{
    EngineWheel *w = eng->w;
    /* 1. everything into one list of nodes */
    uint32_t list = ENGINE_NIL;
    size_t in_heap = eng->wheel_on ? w->heap_n : eng->count;
    if (eng->wheel_on)
        list = wheel_drain_slots(w, list);
    for (size_t i = 0; i < in_heap; i++) {
        uint32_t k = node_alloc(w);
        w->nodes[k].ev = eng->heap[i];
        w->nodes[k].next = list;
        list = k;
    }
    for (size_t i = 0; i < w->far_n; i++) {
        uint32_t k = node_alloc(w);
        w->nodes[k].ev = w->far[i];
        w->nodes[k].next = list;
        list = k;
    }
    w->heap_n = w->far_n = 0;
    size_t n = eng->count;

    /* 2. the width and one slot per pending event (a power of two) */
    uint64_t tmin;
    unsigned shift = wheel_pick_width(w, list, n, &tmin);
    size_t nb = WHEEL_MIN_SLOTS;
    while (nb < n && nb < WHEEL_MAX_SLOTS)
        nb *= 2;
    if (nb > w->slots_alloc) {
        g_free(w->slot_head);
        g_free(w->slot_bits);
        w->slot_head = g_new(uint32_t, nb);
        w->slot_bits = g_new(uint64_t, nb >> 6);
        w->slots_alloc = nb;
    }
    memset(w->slot_head, 0xff, nb * sizeof(w->slot_head[0])); /* ENGINE_NIL */
    memset(w->slot_bits, 0, (nb >> 6) * sizeof(w->slot_bits[0]));
    w->n_buckets = nb;
    w->width_shift = shift;
    w->cur_q = tmin >> shift;
    w->cur_slot = (size_t)w->cur_q & (nb - 1);
    w->near_last = ((w->cur_q + 1) << shift) - 1; /* wraps right at 2^64 */
    if (!eng->wheel_on)
        eng->halt = true; /* the run loop carries on in wheel mode */
    eng->wheel_on = true;
    eng->near_lim = 0; /* every schedule takes the slow path */

    /* 3. file every event again: the current bucket's into the heap */
    while (list != ENGINE_NIL) {
        uint32_t k = list;
        list = w->nodes[k].next;
        const Event *ev = &w->nodes[k].ev;
        uint64_t q = ev->time_ps >> shift;
        if (q == w->cur_q) {
            near_push(eng, ev);
            node_free(w, k);
        } else if (q - w->cur_q >= nb) {
            far_push(w, ev);
            node_free(w, k);
        } else {
            slot_link(w, k, q);
        }
    }
    w->built_at_run = eng->events_run;
    w->builds++;
}

/* Back to heap mode: every event into the heap, which is rebuilt in O(n).
 * The node pool and the slot arrays are kept for the next switch. */
ENGINE_COLD static void wheel_to_heap(Engine *eng)
{
    EngineWheel *w = eng->w;
    /* heap mode needs capacity <= wheel_up (reaching it means switching) */
    size_t cap = MIN(MAX(eng->count, (size_t)64), MIN(w->wheel_up, w->max_pending));
    if (eng->capacity != cap) {
        eng->heap = g_renew(Event, eng->heap, cap);
        eng->capacity = cap;
    }
    size_t n = w->heap_n;
    uint32_t list = wheel_drain_slots(w, ENGINE_NIL);
    while (list != ENGINE_NIL) {
        uint32_t k = list;
        list = w->nodes[k].next;
        eng->heap[n++] = w->nodes[k].ev;
        node_free(w, k);
    }
    if (w->far_n > 0) /* far is NULL until first used */
        memcpy(eng->heap + n, w->far, w->far_n * sizeof(Event));
    n += w->far_n;
    w->far_n = w->heap_n = 0;
    g_assert(n == eng->count);
    heap_build(eng->heap, n);
    eng->wheel_on = false;
    eng->near_lim = UINT64_MAX;
    eng->halt = true; /* the run loop carries on in heap mode */
    w->returns++;
}

/* The first non-empty slot after cur_slot, circularly (slot_n > 0). */
static size_t wheel_next_slot(const EngineWheel *w)
{
    size_t mask = w->n_buckets - 1, words_mask = (w->n_buckets >> 6) - 1;
    size_t start = (w->cur_slot + 1) & mask;
    size_t i = start >> 6;
    uint64_t bits = w->slot_bits[i] & (~UINT64_C(0) << (start & 63));
    while (bits == 0) {
        i = (i + 1) & words_mask;
        bits = w->slot_bits[i];
    }
    return (i << 6) | (size_t)__builtin_ctzll(bits);
}

/* The heap ran dry with events still pending: moves on to the earliest
 * non-empty bucket number, brings the far events now within the span into
 * the slots, and pours the current slot into the heap. */
static void wheel_advance(Engine *eng)
{
    EngineWheel *w = eng->w;
    uint64_t q;
    if (w->slot_n > 0)
        q = w->cur_q + ((wheel_next_slot(w) - w->cur_slot) & (w->n_buckets - 1));
    else
        q = w->far[0].time_ps >> w->width_shift; /* nothing in the span: jump */
    w->cur_q = q;
    w->cur_slot = (size_t)q & (w->n_buckets - 1);
    w->near_last = ((q + 1) << w->width_shift) - 1;

    while (w->far_n > 0 && (w->far[0].time_ps >> w->width_shift) - q < w->n_buckets) {
        Event ev = w->far[0];
        heap_remove_root(w->far, --w->far_n);
        if (ev.time_ps <= w->near_last)
            near_push(eng, &ev);
        else
            wheel_file(w, &ev);
    }

    size_t b = w->cur_slot, poured = 0;
    uint32_t k = w->slot_head[b];
    w->slot_head[b] = ENGINE_NIL;
    w->slot_bits[b >> 6] &= ~(UINT64_C(1) << (b & 63));
    while (k != ENGINE_NIL) {
        uint32_t next = w->nodes[k].next;
        near_push(eng, &w->nodes[k].ev);
        node_free(w, k);
        k = next;
        poured++;
    }
    w->slot_n -= poured;
    /* crowded: the width is too coarse for the events now pending */
    if (poured > WHEEL_CROWDED && eng->events_run - w->built_at_run >= eng->count)
        wheel_build(eng);
}

/* ---- schedule and run ---------------------------------------------------- */

/* engine_schedule's other cases: the limit, a full heap in heap mode, the
 * switch to the wheel, and every schedule in wheel mode. */
static __attribute__((noinline)) bool engine_schedule_slow(Engine *eng, uint64_t at_ps, EventFn fn,
                                                           void *obj, void *arg)
{
    EngineWheel *w = eng->w;
    if (eng->count >= w->max_pending) {
        eng->overflow = true;
        return false;
    }
    Event ev = {at_ps, eng->next_seq++, fn, obj, arg};
    if (!eng->wheel_on && eng->count >= w->wheel_up)
        wheel_build(eng);
    if (!eng->wheel_on) { /* heap full (or at_ps == UINT64_MAX) */
        if (eng->count >= eng->capacity)
            eng->heap = events_grow(eng->heap, &eng->capacity, eng->count + 1,
                                    MIN(w->wheel_up, w->max_pending));
        heap_sift_up(eng->heap, eng->count, ev);
    } else if (at_ps <= w->near_last) {
        near_push(eng, &ev);
    } else {
        wheel_file(w, &ev);
    }
    if (++eng->count > eng->peak_pending)
        eng->peak_pending = eng->count;
    /* most events beyond the span: the buckets are too narrow */
    if (w->far_n > WHEEL_CROWDED && w->far_n > eng->count / 2 &&
        eng->events_run - w->built_at_run >= eng->count)
        wheel_build(eng);
    return true;
}

bool engine_schedule(Engine *eng, uint64_t at_ps, EventFn fn, void *obj, void *arg)
{
    g_assert(at_ps >= eng->now_ps);
    /* heap mode with room: near_lim is UINT64_MAX (0 in wheel mode) */
    if (G_UNLIKELY(eng->count >= eng->capacity || at_ps >= eng->near_lim))
        return engine_schedule_slow(eng, at_ps, fn, obj, arg);
    Event ev = {at_ps, eng->next_seq++, fn, obj, arg};
    heap_sift_up(eng->heap, eng->count++, ev);
    if (eng->count > eng->peak_pending)
        eng->peak_pending = eng->count;
    return true;
}

/* The heap of wheel mode ran dry: back to the heap alone when few events
 * are left (testing for it only here keeps the pop's fast path to the one
 * test of the heap's size, which the sift needs anyway), else refill the
 * heap from the wheel. */
ENGINE_COLD static void engine_heap_dry(Engine *eng)
{
    if (eng->count < eng->w->wheel_down)
        wheel_to_heap(eng);
    else
        wheel_advance(eng);
}

/* Two copies of the run loop, one per mode, so that heap mode's is the plain
 * heap loop with no test for the wheel. A switch of mode, made by
 * engine_schedule or engine_heap_dry inside a callback, sets `halt`, which
 * the loop tests anyway for engine_stop; engine_run then enters the other
 * loop. */
static void engine_run_heap(Engine *eng, Sim *sim, uint64_t end_ps)
{
    while (eng->count > 0 && !eng->halt) {
        Event ev = eng->heap[0];
        if (ev.time_ps > end_ps)
            break;
        heap_remove_root(eng->heap, --eng->count);
        g_assert(ev.time_ps >= eng->now_ps);
        eng->now_ps = ev.time_ps;
        ev.fn(sim, ev.obj, ev.arg);
        eng->events_run++;
    }
}

static __attribute__((noinline)) void engine_run_wheel(Engine *eng, Sim *sim, uint64_t end_ps)
{
    EngineWheel *w = eng->w;
    while (eng->count > 0 && !eng->halt) {
        Event ev = eng->heap[0]; /* the earliest: the rest wait after near_last */
        if (ev.time_ps > end_ps)
            break;
        eng->count--;
        size_t n = --w->heap_n;
        heap_remove_root(eng->heap, n);
        if (n == 0)
            engine_heap_dry(eng);
        g_assert(ev.time_ps >= eng->now_ps);
        eng->now_ps = ev.time_ps;
        ev.fn(sim, ev.obj, ev.arg);
        eng->events_run++;
    }
}

void engine_run(Engine *eng, Sim *sim, uint64_t end_ps)
{
    eng->stopped = false;
    do {
        eng->halt = false;
        if (eng->wheel_on)
            engine_run_wheel(eng, sim, end_ps);
        else
            engine_run_heap(eng, sim, end_ps);
    } while (eng->halt && !eng->stopped); /* halted by a switch of mode */
    if (!eng->stopped && eng->now_ps < end_ps)
        eng->now_ps = end_ps;
}

void engine_stop(Engine *eng)
{
    eng->stopped = true;
    eng->halt = true;
}

/* The event behind a timer carries its generation in `arg`; a mismatch means
 * the timer was cancelled or re-armed since, and the event is ignored. */
static void timer_fire(Sim *sim, void *obj, void *arg)
{
    Timer *t = obj;
    if (!t->armed || (uint64_t)(uintptr_t)arg != (t->gen & UINTPTR_MAX))
        return;
    t->armed = false;
    t->fn(sim, t->obj, NULL);
}

void timer_init(Timer *t, EventFn fn, void *obj)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->obj = obj;
}

void timer_arm(Engine *eng, Timer *t, uint64_t at_ps)
{
    t->gen++;
    t->armed = true;
    t->expires_ps = at_ps;
    engine_schedule(eng, at_ps, timer_fire, t, (void *)(uintptr_t)t->gen);
}

void timer_cancel(Timer *t)
{
    t->gen++;
    t->armed = false;
}
