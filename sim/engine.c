/* engine.c - 4-ary heap event queue and run loop (see engine.h). */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#define HEAP_ARITY 4

void engine_init(Engine *eng, size_t max_pending)
{
    memset(eng, 0, sizeof(*eng));
    eng->max_pending = max_pending ? max_pending : ENGINE_DEFAULT_MAX_PENDING;
    /* never more slots than max_pending: heap_grow enforces the limit */
    eng->capacity = MIN(1024, eng->max_pending);
    eng->heap = g_new(Event, eng->capacity);
}

void engine_clear(Engine *eng)
{
    g_free(eng->heap);
    eng->heap = NULL;
    eng->count = eng->capacity = 0;
}

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

static bool heap_grow(Engine *eng)
{
    if (eng->capacity >= eng->max_pending) {
        eng->overflow = true;
        return false;
    }
    size_t cap = eng->capacity * 2;
    if (cap > eng->max_pending)
        cap = eng->max_pending;
    eng->heap = g_renew(Event, eng->heap, cap);
    eng->capacity = cap;
    return true;
}

bool engine_schedule(Engine *eng, uint64_t at_ps, EventFn fn, void *obj, void *arg)
{
    g_assert(at_ps >= eng->now_ps);
    if (eng->count == eng->capacity && !heap_grow(eng))
        return false;
    Event ev = {at_ps, eng->next_seq++, fn, obj, arg};
    size_t i = eng->count++;
    while (i > 0) {
        size_t parent = (i - 1) / HEAP_ARITY;
        if (!event_before(&ev, &eng->heap[parent]))
            break;
        eng->heap[i] = eng->heap[parent];
        i = parent;
    }
    eng->heap[i] = ev;
    if (eng->count > eng->peak_pending)
        eng->peak_pending = eng->count;
    return true;
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

/* Removes heap[0] by sifting the last event down from the root. (Floyd's
 * bottom-up variant, the hole to a leaf and then the last event up, was
 * tried: 10% slower on the bond benchmark, whose last event stops early.) */
static void heap_pop(Engine *eng)
{
    Event *h = eng->heap;
    size_t n = --eng->count;
    if (n == 0)
        return;
    Event last = h[n];
    size_t i = 0;
    for (size_t c = 1; c < n; c = i * HEAP_ARITY + 1) {
        size_t best = heap_min_child(h, c, n);
        if (!event_before(&h[best], &last))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = last;
}

void engine_run(Engine *eng, Sim *sim, uint64_t end_ps)
{
    eng->stopped = false;
    while (eng->count > 0 && !eng->stopped) {
        Event ev = eng->heap[0];
        if (ev.time_ps > end_ps)
            break;
        heap_pop(eng);
        g_assert(ev.time_ps >= eng->now_ps);
        eng->now_ps = ev.time_ps;
        ev.fn(sim, ev.obj, ev.arg);
        eng->events_run++;
    }
    if (!eng->stopped && eng->now_ps < end_ps)
        eng->now_ps = end_ps;
}

void engine_stop(Engine *eng)
{
    eng->stopped = true;
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
