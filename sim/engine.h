/* engine.h - the simulation clock and event queue.
 *
 * Time is uint64_t picoseconds (exact serialisation at 10G-400G; 2^64 ps is
 * over 200 days). Events are stored by value in a 4-ary min-heap keyed by
 * (time_ps, seq): seq is a counter taken at insertion, so events due at the
 * same instant run in the order they were scheduled and runs are
 * deterministic. Insert and pop are O(log n); scheduling never allocates once
 * the heap has grown to the run's peak (it doubles when full).
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

typedef struct {
    uint64_t now_ps;     /* time of the event being run */
    uint64_t next_seq;   /* next insertion number */
    Event *heap;         /* 4-ary min-heap, heap[0] earliest */
    size_t count;        /* events pending */
    size_t capacity;     /* slots allocated */
    size_t max_pending;  /* limit: refuse to grow past it */
    uint64_t events_run; /* events popped and dispatched (stale timers included) */
    size_t peak_pending; /* largest count seen */
    bool stopped;        /* engine_stop() was called */
    bool overflow;       /* a schedule was refused because of max_pending */
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

void engine_init(Engine *eng, size_t max_pending);
void engine_clear(Engine *eng);

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
