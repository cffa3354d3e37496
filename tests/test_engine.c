/* test_engine.c - the event queue and timers (sim/engine.c).
 *
 * Each test builds a bare Engine (no Sim: callbacks get NULL), schedules
 * events whose callbacks append (time, tag) to a Trace, runs, and compares the
 * trace with the order the contract demands: (time_ps, insertion order).
 */
#include "engine.h"

#include "cu_run.h"

#include <stdlib.h>

/* ---- helpers ------------------------------------------------------------- */

typedef struct {
    uint64_t time_ps; /* engine clock when the callback ran */
    uint64_t tag;     /* the event's arg */
} TraceEntry;

typedef struct {
    Engine *eng;
    GArray *log; /* TraceEntry, in run order */
} Trace;

static void trace_init(Trace *tr, Engine *eng)
{
    tr->eng = eng;
    tr->log = g_array_new(FALSE, FALSE, sizeof(TraceEntry));
}

static void trace_clear(Trace *tr)
{
    g_array_free(tr->log, TRUE);
}

static TraceEntry trace_at(const Trace *tr, guint i)
{
    return g_array_index(tr->log, TraceEntry, i);
}

static void trace_record(Sim *sim, void *obj, void *arg)
{
    Trace *tr = obj;
    TraceEntry e = {engine_now(tr->eng), (uint64_t)(uintptr_t)arg};
    g_array_append_val(tr->log, e);
}

static bool schedule_tag(Engine *eng, Trace *tr, uint64_t at_ps, uint64_t tag)
{
    return engine_schedule(eng, at_ps, trace_record, tr, (void *)(uintptr_t)tag);
}

/* Reference order: by time, then by tag (tags are given in insertion order). */
static int trace_entry_cmp(const void *a, const void *b)
{
    const TraceEntry *x = a, *y = b;
    if (x->time_ps != y->time_ps)
        return x->time_ps < y->time_ps ? -1 : 1;
    return x->tag < y->tag ? -1 : (x->tag > y->tag ? 1 : 0);
}

/* Whether the trace equals `expected` (n entries) exactly. */
static bool trace_equals(const Trace *tr, const TraceEntry *expected, guint n)
{
    if (tr->log->len != n)
        return false;
    for (guint i = 0; i < n; i++) {
        TraceEntry got = trace_at(tr, i);
        if (got.time_ps != expected[i].time_ps || got.tag != expected[i].tag)
            return false;
    }
    return true;
}

/* ---- ordering ------------------------------------------------------------ */

static void engine_runs_events_in_time_order(void)
{
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    const uint64_t times[] = {50, 10, 30, 20, 40};
    for (guint i = 0; i < G_N_ELEMENTS(times); i++)
        CU_ASSERT_TRUE(schedule_tag(&eng, &tr, times[i], i));
    CU_ASSERT_EQUAL(eng.count, 5);

    engine_run(&eng, NULL, 1000);

    const TraceEntry expected[] = {{10, 1}, {20, 3}, {30, 2}, {40, 4}, {50, 0}};
    CU_ASSERT_TRUE(trace_equals(&tr, expected, G_N_ELEMENTS(expected)));
    CU_ASSERT_EQUAL(eng.count, 0);
    CU_ASSERT_EQUAL(eng.events_run, 5);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* Many events over few distinct times, so most share their time with others;
 * the run must match a sort by (time, insertion order). */
static void engine_ties_run_in_insertion_order(void)
{
    enum { N = 5000, DISTINCT_TIMES = 64 };
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    GRand *rng = g_rand_new_with_seed(20240601);
    TraceEntry *ref = g_new(TraceEntry, N);
    for (guint i = 0; i < N; i++) {
        uint64_t at = 1000 * (uint64_t)g_rand_int_range(rng, 0, DISTINCT_TIMES);
        ref[i] = (TraceEntry){at, i};
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, at, i));
    }
    qsort(ref, N, sizeof(*ref), trace_entry_cmp);

    engine_run(&eng, NULL, UINT64_MAX);

    CU_ASSERT_TRUE(trace_equals(&tr, ref, N));
    CU_ASSERT_EQUAL(eng.peak_pending, N);
    g_free(ref);
    g_rand_free(rng);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* Scheduled from a callback at time 100, for time 100: runs after the events
 * already waiting for 100, before those at 101. */
typedef struct {
    Trace *tr;
    uint64_t tag;
} Rescheduler;

static void schedule_now_from_callback(Sim *sim, void *obj, void *arg)
{
    Rescheduler *r = obj;
    trace_record(sim, r->tr, arg);
    schedule_tag(r->tr->eng, r->tr, engine_now(r->tr->eng), r->tag);
}

static void engine_event_scheduled_now_runs_after_queued_ties(void)
{
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    Rescheduler r = {&tr, 99};
    engine_schedule(&eng, 100, schedule_now_from_callback, &r, (void *)(uintptr_t)1);
    schedule_tag(&eng, &tr, 100, 2);
    schedule_tag(&eng, &tr, 101, 4);
    schedule_tag(&eng, &tr, 100, 3);

    engine_run(&eng, NULL, 1000);

    const TraceEntry expected[] = {{100, 1}, {100, 2}, {100, 3}, {100, 99}, {101, 4}};
    CU_ASSERT_TRUE(trace_equals(&tr, expected, G_N_ELEMENTS(expected)));
    trace_clear(&tr);
    engine_clear(&eng);
}

/* ---- timers -------------------------------------------------------------- */

static void timer_cancel_prevents_callback(void)
{
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    Timer t;
    timer_init(&t, trace_record, &tr);
    timer_arm(&eng, &t, 100);
    CU_ASSERT_TRUE(t.armed);
    timer_cancel(&t);
    CU_ASSERT_FALSE(t.armed);

    engine_run(&eng, NULL, 1000);

    CU_ASSERT_EQUAL(tr.log->len, 0);
    CU_ASSERT_EQUAL(eng.events_run, 1); /* the stale event was popped and ignored */
    CU_ASSERT_EQUAL(eng.count, 0);
    trace_clear(&tr);
    engine_clear(&eng);
}

static void timer_rearm_moves_it_and_only_last_arm_fires(void)
{
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    Timer later, earlier;
    timer_init(&later, trace_record, &tr);
    timer_init(&earlier, trace_record, &tr);
    /* moved later: must not fire at 100 */
    timer_arm(&eng, &later, 100);
    timer_arm(&eng, &later, 500);
    /* moved later, then earlier again: fires once, at 200 */
    timer_arm(&eng, &earlier, 300);
    timer_arm(&eng, &earlier, 200);
    CU_ASSERT_EQUAL(later.expires_ps, 500);
    CU_ASSERT_EQUAL(earlier.expires_ps, 200);

    engine_run(&eng, NULL, 1000);

    CU_ASSERT_EQUAL_FATAL(tr.log->len, 2);
    CU_ASSERT_EQUAL(trace_at(&tr, 0).time_ps, 200);
    CU_ASSERT_EQUAL(trace_at(&tr, 1).time_ps, 500);
    CU_ASSERT_FALSE(later.armed);
    CU_ASSERT_FALSE(earlier.armed);
    trace_clear(&tr);
    engine_clear(&eng);
}

static void timer_armed_again_after_cancel_fires(void)
{
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    Timer t;
    timer_init(&t, trace_record, &tr);
    timer_arm(&eng, &t, 100);
    timer_cancel(&t);
    timer_arm(&eng, &t, 100);

    engine_run(&eng, NULL, 1000);

    CU_ASSERT_EQUAL_FATAL(tr.log->len, 1);
    CU_ASSERT_EQUAL(trace_at(&tr, 0).time_ps, 100);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* ---- the run loop -------------------------------------------------------- */

static void engine_run_stops_at_end_ps_and_leaves_clock_there(void)
{
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    schedule_tag(&eng, &tr, 10, 0);
    schedule_tag(&eng, &tr, 25, 1); /* due exactly at end_ps: runs */
    schedule_tag(&eng, &tr, 26, 2);

    engine_run(&eng, NULL, 25);

    CU_ASSERT_EQUAL(tr.log->len, 2);
    CU_ASSERT_EQUAL(engine_now(&eng), 25);
    CU_ASSERT_EQUAL(eng.count, 1);

    engine_run(&eng, NULL, 1000);

    CU_ASSERT_EQUAL_FATAL(tr.log->len, 3);
    CU_ASSERT_EQUAL(trace_at(&tr, 2).time_ps, 26);
    CU_ASSERT_EQUAL(engine_now(&eng), 1000);
    trace_clear(&tr);
    engine_clear(&eng);
}

static void engine_run_on_empty_queue_moves_clock_to_end_ps(void)
{
    Engine eng;
    engine_init(&eng, 0);
    engine_run(&eng, NULL, 12345);
    CU_ASSERT_EQUAL(engine_now(&eng), 12345);
    CU_ASSERT_EQUAL(eng.events_run, 0);
    engine_clear(&eng);
}

static void stop_from_callback(Sim *sim, void *obj, void *arg)
{
    trace_record(sim, obj, arg);
    engine_stop(((Trace *)obj)->eng);
}

static void engine_stop_halts_run_and_keeps_clock_at_stopping_event(void)
{
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    schedule_tag(&eng, &tr, 10, 0);
    engine_schedule(&eng, 20, stop_from_callback, &tr, (void *)(uintptr_t)1);
    schedule_tag(&eng, &tr, 20, 2);

    engine_run(&eng, NULL, 1000);

    CU_ASSERT_EQUAL(tr.log->len, 2);
    CU_ASSERT_TRUE(eng.stopped);
    CU_ASSERT_EQUAL(engine_now(&eng), 20);
    CU_ASSERT_EQUAL(eng.count, 1);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* ---- growth and limits --------------------------------------------------- */

/* Descending times make every insertion sift to the root: the worst case for
 * the heap, past its initial 1024 slots. */
static void engine_heap_growth_past_1024_keeps_order(void)
{
    enum { N = 3000 };
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    for (guint i = 0; i < N; i++)
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, (uint64_t)(N - i) * 7, i));
    CU_ASSERT_TRUE(eng.capacity >= N);
    CU_ASSERT_EQUAL(eng.count, N);
    CU_ASSERT_FALSE(eng.overflow);

    engine_run(&eng, NULL, UINT64_MAX);

    CU_ASSERT_EQUAL_FATAL(tr.log->len, N);
    bool ordered = true;
    for (guint i = 0; i < N; i++) {
        TraceEntry e = trace_at(&tr, i);
        ordered = ordered && e.time_ps == (uint64_t)(i + 1) * 7 && e.tag == N - 1 - i;
    }
    CU_ASSERT_TRUE(ordered);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* Fills the engine to `max_pending`, checks the next schedule is refused,
 * then that the accepted events all run in order. */
static void check_overflow_at(size_t max_pending)
{
    Engine eng;
    engine_init(&eng, max_pending);
    Trace tr;
    trace_init(&tr, &eng);
    for (size_t i = 0; i < max_pending; i++)
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, 1000 - i % 100, i));
    CU_ASSERT_FALSE(eng.overflow);

    CU_ASSERT_FALSE(schedule_tag(&eng, &tr, 5, max_pending));

    CU_ASSERT_TRUE(eng.overflow);
    CU_ASSERT_EQUAL(eng.count, max_pending);
    CU_ASSERT_TRUE(eng.capacity <= max_pending);
    engine_run(&eng, NULL, UINT64_MAX);
    CU_ASSERT_EQUAL_FATAL(tr.log->len, max_pending);
    bool ordered = true;
    for (guint i = 1; i < tr.log->len; i++) {
        TraceEntry a = trace_at(&tr, i - 1), b = trace_at(&tr, i);
        ordered = ordered && trace_entry_cmp(&a, &b) < 0 && b.tag != max_pending;
    }
    CU_ASSERT_TRUE(ordered);
    trace_clear(&tr);
    engine_clear(&eng);
}

static void engine_max_pending_overflow_refuses_and_flags(void)
{
    check_overflow_at(1500); /* reached while growing past 1024 slots */
}

static void engine_max_pending_below_initial_capacity_is_enforced(void)
{
    check_overflow_at(10);
}

/* ---- registration -------------------------------------------------------- */

static CU_TestInfo cases[] = {
    {"engine_runs_events_in_time_order", engine_runs_events_in_time_order},
    {"engine_ties_run_in_insertion_order", engine_ties_run_in_insertion_order},
    {"engine_event_scheduled_now_runs_after_queued_ties",
     engine_event_scheduled_now_runs_after_queued_ties},
    {"timer_cancel_prevents_callback", timer_cancel_prevents_callback},
    {"timer_rearm_moves_it_and_only_last_arm_fires", timer_rearm_moves_it_and_only_last_arm_fires},
    {"timer_armed_again_after_cancel_fires", timer_armed_again_after_cancel_fires},
    {"engine_run_stops_at_end_ps_and_leaves_clock_there",
     engine_run_stops_at_end_ps_and_leaves_clock_there},
    {"engine_run_on_empty_queue_moves_clock_to_end_ps",
     engine_run_on_empty_queue_moves_clock_to_end_ps},
    {"engine_stop_halts_run_and_keeps_clock_at_stopping_event",
     engine_stop_halts_run_and_keeps_clock_at_stopping_event},
    {"engine_heap_growth_past_1024_keeps_order", engine_heap_growth_past_1024_keeps_order},
    {"engine_max_pending_overflow_refuses_and_flags",
     engine_max_pending_overflow_refuses_and_flags},
    {"engine_max_pending_below_initial_capacity_is_enforced",
     engine_max_pending_below_initial_capacity_is_enforced},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("engine", cases);
}
