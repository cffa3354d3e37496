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

static inline bool event_before(const Event *a, const Event *b)
{
    return a->time_ps < b->time_ps || (a->time_ps == b->time_ps && a->seq < b->seq);
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

/* Removes heap[0] and restores the heap property by sifting the last
 * element down from the root. */
static void heap_pop(Engine *eng)
{
    Event last = eng->heap[--eng->count];
    size_t n = eng->count;
    size_t i = 0;
    for (;;) {
        size_t first = i * HEAP_ARITY + 1;
        if (first >= n)
            break;
        size_t best = first;
        size_t end = first + HEAP_ARITY < n ? first + HEAP_ARITY : n;
        for (size_t c = first + 1; c < end; c++)
            if (event_before(&eng->heap[c], &eng->heap[best]))
                best = c;
        if (!event_before(&eng->heap[best], &last))
            break;
        eng->heap[i] = eng->heap[best];
        i = best;
    }
    if (n > 0)
        eng->heap[i] = last;
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
