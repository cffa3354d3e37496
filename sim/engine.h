/* engine.h - the simulation clock and event queue.
 *
 * Time is uint64_t picoseconds (exact serialisation at 10G-400G; 2^64 ps is
 * over 200 days). Events are stored by value and ordered by (time_ps, seq):
 * seq is a counter taken at insertion, so events due at the same instant run
 * in the order they were scheduled and runs are deterministic. With few
 * events pending they sit in a 4-ary min-heap (O(log n)); above
 * ENGINE_WHEEL_UP pending, a bucketed wheel in front of the heap takes over
 * (O(1) amortised; see engine.c), back to the heap alone below
 * ENGINE_WHEEL_DOWN. Either way the order is exactly (time_ps, seq).
 * Scheduling never allocates once the arrays have grown to the run's peak
 * (they double when full), and nothing grows past max_pending events.
 *
 * Zero-time hops inside one box (bond -> slave NIC queue, switch ingress ->
 * egress queue, host stack -> bond) are plain function calls; every hop that
 * costs simulated time (serialisation, propagation, timers, monitor ticks) is
 * an event. Timers are cancelled by generation number: a stale event is
 * dropped when popped (no search in the heap).
 *
 * Why not GLib: GLib has no priority queue with stable ties, and GSequence or
 * GQueue allocate per element; this is the hottest code in the simulator.
 */
#ifndef BONDSIM_ENGINE_H
#define BONDSIM_ENGINE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct Sim Sim;

/* An event callback: `obj` is the object the event belongs to (a NIC, a
 * bond...), `arg` a per-event argument (a frame, a generation number...). */
typedef void (*EventFn)(Sim *sim, void *obj, void *arg);

typedef struct {
    uint64_t time_ps; /* when it fires */
    uint64_t seq;     /* insertion order: ties broken by it */
    EventFn fn;
    void *obj;
    void *arg;
} Event;

typedef struct EngineNode EngineNode; /* an event parked in a wheel slot */

/* What the fast paths (engine_schedule and the heap-mode run loop) do not
 * touch: the limits, the switch thresholds, and the wheel of wheel mode
 * (engine.c explains it). Kept out of Engine, which stays 80 bytes at the
 * head of Sim: growing it by 16 bytes moved the frame pool behind it to
 * other cache-line offsets and cost the 4x10G bond benchmark 4% with no
 * change of code. */
typedef struct {
    size_t max_pending;          /* limit: refuse to grow past it */
    size_t wheel_up, wheel_down; /* switch thresholds, ENGINE_WHEEL_UP/DOWN by default */
    /* wheel mode */
    size_t heap_n;         /* events in eng->heap (those due up to near_last) */
    uint64_t near_last;    /* the heap holds every event due at or before it */
    unsigned width_shift;  /* a bucket spans 2^width_shift ps */
    uint64_t cur_q;        /* bucket number (time >> width_shift) of the heap's span */
    size_t n_buckets;      /* slots, a power of two: numbers cur_q+1 .. cur_q+n_buckets-1 */
    size_t cur_slot;       /* cur_q's slot, always empty (its events are in the heap) */
    size_t slots_alloc;    /* length of slot_head (slot_bits: / 64) */
    uint32_t *slot_head;   /* first node of each slot, ENGINE_NIL if empty */
    uint64_t *slot_bits;   /* one bit per non-empty slot */
    size_t slot_n;         /* events in slots */
    EngineNode *nodes;     /* node pool of the slots */
    size_t nodes_cap;      /* nodes allocated */
    uint32_t free_node;    /* free list head, ENGINE_NIL if none */
    Event *far;            /* 4-ary min-heap of the events past the slots' span */
    size_t far_n, far_cap; /* events in it, slots allocated */
    uint64_t built_at_run; /* events_run when the wheel was last laid out */
    /* statistics (tests, benchmarks) */
    uint64_t builds;  /* wheel layouts: switches from the heap and re-tunings */
    uint64_t returns; /* switches from the wheel back to the heap */
} EngineWheel;

typedef struct {
    uint64_t now_ps;     /* time of the event being run */
    uint64_t next_seq;   /* next insertion number */
    Event *heap;         /* 4-ary min-heap, heap[0] earliest (heap mode: every
                          * event; wheel mode: those due up to near_last) */
    size_t count;        /* events pending, in all structures */
    size_t capacity;     /* slots allocated in `heap` (heap mode: <= wheel_up) */
    uint64_t near_lim;   /* engine_schedule's fast path takes at_ps < near_lim:
                          * UINT64_MAX in heap mode, 0 in wheel mode */
    uint64_t events_run; /* events popped and dispatched (stale timers included) */
    size_t peak_pending; /* largest count seen */
    EngineWheel *w;      /* the rest, allocated by engine_init */
    bool stopped;        /* engine_stop() was called */
    bool overflow;       /* a schedule was refused because of max_pending */
    bool halt;           /* the run loop must exit: stopped, or the mode switched */
    bool wheel_on;       /* wheel mode */
} Engine;

/* A cancellable timer embedded in its owner. Arming again re-schedules it;
 * cancel and re-arm only bump `gen`, leaving a stale event in the heap that
 * is skipped when it surfaces. */
typedef struct {
    EventFn fn; /* called with (sim, obj, NULL) */
    void *obj;
    uint64_t gen; /* generation of the live event */
    uint64_t expires_ps;
    bool armed;
} Timer;

#define ENGINE_DEFAULT_MAX_PENDING (64u * 1024u * 1024u)
/* Pending counts at which the engine switches to the wheel and back (see
 * engine.c for the measurements behind them). ENGINE_NIL: no node. */
#define ENGINE_WHEEL_UP 512u
#define ENGINE_WHEEL_DOWN 128u
#define ENGINE_NIL UINT32_MAX

void engine_init(Engine *eng, size_t max_pending);
void engine_clear(Engine *eng);

/* Sets the switch thresholds (up > down >= 1; up = SIZE_MAX keeps the heap
 * alone) of an engine with nothing pending yet. For tests and benchmarks. */
void engine_set_wheel_thresholds(Engine *eng, size_t up, size_t down);

/* Schedules fn(sim, obj, arg) at absolute time `at_ps` (never before now).
 * Returns false, and sets eng->overflow, when max_pending events are
 * already waiting. */
bool engine_schedule(Engine *eng, uint64_t at_ps, EventFn fn, void *obj, void *arg);

/* Runs events in (time, seq) order until the queue is empty, the next event
 * is later than `end_ps`, or engine_stop() is called. The clock ends at
 * `end_ps` unless stopped earlier. */
void engine_run(Engine *eng, Sim *sim, uint64_t end_ps);
void engine_stop(Engine *eng);

void timer_init(Timer *t, EventFn fn, void *obj);
void timer_arm(Engine *eng, Timer *t, uint64_t at_ps);
void timer_cancel(Timer *t);

static inline uint64_t engine_now(const Engine *eng)
{
    return eng->now_ps;
}

#endif
