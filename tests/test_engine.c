/* test_engine.c - the event queue and timers (sim/engine.c).
 *
 * Each test builds a bare Engine (no Sim: callbacks get NULL), schedules
 * events whose callbacks append (time, tag) to a Trace, runs, and compares the
 * trace with the order the contract demands: (time_ps, insertion order).
 * The engine has two modes (a heap alone; a wheel in front of it above a
 * number of pending events): the ordering tests run in both, lowering the
 * switch thresholds, and a randomized differential test runs seeded
 * workloads that cross them both ways against a sorted-array reference.
 */
#include "engine.h"

#include "cu_run.h"

#include <stdlib.h>
#include <string.h>

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

static int u64_cmp_test(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
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
    engine_set_wheel_thresholds(&eng, SIZE_MAX, 1); /* the heap alone */
    Trace tr;
    trace_init(&tr, &eng);
    for (guint i = 0; i < N; i++)
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, (uint64_t)(N - i) * 7, i));
    CU_ASSERT_FALSE(eng.wheel_on);
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

/* ---- wheel mode ---------------------------------------------------------- */

/* Lowers the switch thresholds so a test's few hundred events use the
 * wheel. */
static void engine_init_small_wheel(Engine *eng, size_t max_pending, size_t up, size_t down)
{
    engine_init(eng, max_pending);
    engine_set_wheel_thresholds(eng, up, down);
}

/* Whether the trace is sorted by (time, tag) with every tag in 0..n-1 once:
 * tags are given in insertion order, so this is the contract's order. */
static bool trace_is_contract_order(const Trace *tr, guint n)
{
    if (tr->log->len != n)
        return false;
    g_autofree bool *seen = g_new0(bool, n);
    for (guint i = 0; i < n; i++) {
        TraceEntry e = trace_at(tr, i);
        if (e.tag >= n || seen[e.tag])
            return false;
        seen[e.tag] = true;
        if (i > 0) {
            TraceEntry p = trace_at(tr, i - 1);
            if (trace_entry_cmp(&p, &e) >= 0)
                return false;
        }
    }
    return true;
}

/* The ties test again with the wheel: 5000 events over 64 instants plus a
 * few far ones (past the slots' span: the far heap), with 64/16 thresholds. */
static void engine_wheel_ties_run_in_insertion_order(void)
{
    enum { N = 5000, DISTINCT_TIMES = 64 };
    Engine eng;
    engine_init_small_wheel(&eng, 0, 64, 16);
    Trace tr;
    trace_init(&tr, &eng);
    GRand *rng = g_rand_new_with_seed(20240602);
    for (guint i = 0; i < N; i++) {
        uint64_t at = 1000 * (uint64_t)g_rand_int_range(rng, 0, DISTINCT_TIMES);
        if (i % 97 == 0)
            at += UINT64_C(1) << 40; /* far */
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, at, i));
    }
    CU_ASSERT_TRUE(eng.wheel_on);
    CU_ASSERT_EQUAL(eng.w->builds, 1);
    CU_ASSERT_EQUAL(eng.count, N);

    engine_run(&eng, NULL, UINT64_MAX);

    CU_ASSERT_TRUE(trace_is_contract_order(&tr, N));
    CU_ASSERT_EQUAL(eng.count, 0);
    CU_ASSERT_FALSE(eng.wheel_on); /* back to the heap once drained */
    CU_ASSERT_EQUAL(eng.w->returns, 1);
    g_rand_free(rng);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* Up to the wheel, down to the heap with events still pending, up again with
 * new events tying with pending ones: the whole run keeps the order. */
static void engine_switches_both_ways_with_events_pending(void)
{
    enum { FIRST = 150, SECOND = 200 };
    Engine eng;
    engine_init_small_wheel(&eng, 0, 100, 20);
    Trace tr;
    trace_init(&tr, &eng);
    GRand *rng = g_rand_new_with_seed(7);
    uint64_t times[FIRST];
    for (guint i = 0; i < FIRST; i++) {
        times[i] = (uint64_t)g_rand_int_range(rng, 0, 1000000);
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, times[i], i));
        CU_ASSERT_EQUAL(eng.wheel_on, i >= 100); /* the 101st schedule switches */
    }
    /* run until 10 events are left: fewer than 20 pending, heap again */
    uint64_t sorted[FIRST];
    memcpy(sorted, times, sizeof(times));
    qsort(sorted, FIRST, sizeof(sorted[0]), u64_cmp_test);
    uint64_t mid = sorted[FIRST - 11];
    engine_run(&eng, NULL, mid);
    CU_ASSERT_FALSE(eng.wheel_on);
    CU_ASSERT_EQUAL(eng.w->returns, 1);
    CU_ASSERT_TRUE(eng.count >= 10 && eng.count < 20);
    guint ran_first = tr.log->len;

    /* 200 more, half of them at the instants of pending events */
    for (guint i = 0; i < SECOND; i++) {
        uint64_t at =
            i % 2 ? sorted[FIRST - 1 - i % 10] : mid + (uint64_t)g_rand_int_range(rng, 0, 1000000);
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, at, FIRST + i));
    }
    CU_ASSERT_TRUE(eng.wheel_on);
    CU_ASSERT_EQUAL(eng.w->builds, 2);

    engine_run(&eng, NULL, UINT64_MAX);

    CU_ASSERT_TRUE(ran_first + 10 <= FIRST);
    CU_ASSERT_TRUE(trace_is_contract_order(&tr, FIRST + SECOND));
    CU_ASSERT_FALSE(eng.wheel_on);
    CU_ASSERT_EQUAL(eng.w->returns, 2);
    g_rand_free(rng);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* A timer whose callback records its id. */
typedef struct {
    Trace *tr;
    uint64_t id;
    Timer t;
} TimerProbe;

static void timer_probe_fired(Sim *sim, void *obj, void *arg)
{
    (void)arg;
    TimerProbe *p = obj;
    trace_record(sim, p->tr, (void *)(uintptr_t)p->id);
}

/* The timer tests' cases, with 300 other events keeping the wheel on. */
static void timer_cancel_and_rearm_in_wheel_mode(void)
{
    enum { FILL = 300 };
    Engine eng;
    engine_init_small_wheel(&eng, 0, 64, 16);
    Trace tr;
    trace_init(&tr, &eng);
    for (guint i = 0; i < FILL; i++)
        schedule_tag(&eng, &tr, 1000 + 13 * (uint64_t)i, i);
    CU_ASSERT_TRUE_FATAL(eng.wheel_on);
    TimerProbe p[4];
    for (guint i = 0; i < 4; i++) {
        p[i].tr = &tr;
        p[i].id = 1000 + i;
        timer_init(&p[i].t, timer_probe_fired, &p[i]);
    }
    timer_arm(&eng, &p[0].t, 2000); /* cancelled: never fires */
    timer_cancel(&p[0].t);
    timer_arm(&eng, &p[1].t, 1500); /* moved later: fires at 3500 only */
    timer_arm(&eng, &p[1].t, 3500);
    timer_arm(&eng, &p[2].t, 4000); /* moved earlier: fires at 1200 only */
    timer_arm(&eng, &p[2].t, 1200);
    timer_arm(&eng, &p[3].t, 2500); /* cancelled then armed: fires at 2500 */
    timer_cancel(&p[3].t);
    timer_arm(&eng, &p[3].t, 2500);

    engine_run(&eng, NULL, UINT64_MAX);

    CU_ASSERT_EQUAL_FATAL(tr.log->len, FILL + 3);
    guint fired = 0;
    for (guint i = 0; i < tr.log->len; i++) {
        TraceEntry e = trace_at(&tr, i);
        if (e.tag < 1000)
            continue;
        fired++;
        CU_ASSERT_TRUE((e.tag == 1001 && e.time_ps == 3500) ||
                       (e.tag == 1002 && e.time_ps == 1200) ||
                       (e.tag == 1003 && e.time_ps == 2500));
    }
    CU_ASSERT_EQUAL(fired, 3);
    CU_ASSERT_EQUAL(eng.events_run, FILL + 7); /* 4 stale events popped and ignored */
    for (guint i = 0; i < 4; i++)
        CU_ASSERT_FALSE(p[i].t.armed);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* 20,000 events spread over a microsecond, with the default thresholds: the
 * heap switches to the wheel at 2048 and the node pool grows from 256 nodes;
 * then 20,000 at descending times, each earlier than all pending (so into
 * the wheel's heap, which grows). */
static void engine_wheel_growth_keeps_order(void)
{
    enum { N = 20000 };
    Engine eng;
    engine_init(&eng, 0);
    Trace tr;
    trace_init(&tr, &eng);
    for (guint i = 0; i < N; i++)
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, (uint64_t)i * 7919 % 1000003, i));
    CU_ASSERT_TRUE(eng.wheel_on);
    CU_ASSERT_EQUAL(eng.count, N);
    CU_ASSERT_EQUAL(eng.peak_pending, N);
    CU_ASSERT_TRUE(eng.w->nodes_cap >= N / 2);
    CU_ASSERT_TRUE(eng.w->nodes_cap <= 2 * N);
    engine_run(&eng, NULL, UINT64_MAX);
    CU_ASSERT_TRUE(trace_is_contract_order(&tr, N));

    Engine desc;
    engine_init(&desc, 0);
    Trace td;
    trace_init(&td, &desc);
    for (guint i = 0; i < N; i++)
        CU_ASSERT_TRUE_FATAL(schedule_tag(&desc, &td, (uint64_t)(N - i) * 7, i));
    CU_ASSERT_TRUE(desc.wheel_on);
    CU_ASSERT_TRUE(desc.capacity >= N - ENGINE_WHEEL_UP);
    engine_run(&desc, NULL, UINT64_MAX);
    CU_ASSERT_EQUAL_FATAL(td.log->len, N);
    bool ordered = true;
    for (guint i = 0; i < N; i++) {
        TraceEntry e = trace_at(&td, i);
        ordered = ordered && e.time_ps == (uint64_t)(i + 1) * 7 && e.tag == N - 1 - i;
    }
    CU_ASSERT_TRUE(ordered);
    trace_clear(&td);
    engine_clear(&desc);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* Events on each side of every boundary of the wheel just laid out: the
 * heap's last instant (near_last), the last instant of the slots' span and
 * the first past it (into `far`), with ties at each; the run keeps the
 * contract's order, and the far events did wait in the far heap. */
static void engine_wheel_span_boundaries_keep_order(void)
{
    Engine eng;
    engine_init_small_wheel(&eng, 0, 8, 2);
    Trace tr;
    trace_init(&tr, &eng);
    guint n = 0;
    for (; n < 16; n++)
        schedule_tag(&eng, &tr, 100 * (uint64_t)n, n);
    CU_ASSERT_TRUE_FATAL(eng.wheel_on);
    const EngineWheel *w = eng.w;
    uint64_t width = UINT64_C(1) << w->width_shift;
    uint64_t span_end = (w->cur_q + w->n_buckets) * width; /* first instant past the slots */
    const uint64_t at[] = {w->near_last,     w->near_last + 1, span_end - 1, span_end,
                           span_end + width, 2 * span_end,     span_end,     w->near_last,
                           span_end - 1,     w->near_last + 1};
    for (guint i = 0; i < G_N_ELEMENTS(at); i++, n++)
        CU_ASSERT_TRUE_FATAL(schedule_tag(&eng, &tr, at[i], n));
    CU_ASSERT_EQUAL(w->far_n, 4);

    engine_run(&eng, NULL, UINT64_MAX);

    CU_ASSERT_TRUE(trace_is_contract_order(&tr, n));
    trace_clear(&tr);
    engine_clear(&eng);
}

/* max_pending is enforced in wheel mode too. */
static void engine_max_pending_refused_in_wheel_mode(void)
{
    enum { MAX = 300 };
    Engine eng;
    engine_init_small_wheel(&eng, MAX, 64, 16);
    Trace tr;
    trace_init(&tr, &eng);
    GRand *rng = g_rand_new_with_seed(99);
    for (guint i = 0; i < MAX; i++)
        CU_ASSERT_TRUE_FATAL(
            schedule_tag(&eng, &tr, (uint64_t)g_rand_int_range(rng, 0, 1 << 20), i));
    CU_ASSERT_TRUE(eng.wheel_on);
    CU_ASSERT_FALSE(eng.overflow);

    CU_ASSERT_FALSE(schedule_tag(&eng, &tr, 5, MAX));
    CU_ASSERT_FALSE(schedule_tag(&eng, &tr, UINT64_C(1) << 50, MAX + 1)); /* far too */

    CU_ASSERT_TRUE(eng.overflow);
    CU_ASSERT_EQUAL(eng.count, MAX);
    CU_ASSERT_TRUE(eng.capacity <= MAX);
    CU_ASSERT_TRUE(eng.w->nodes_cap <= MAX);
    engine_run(&eng, NULL, UINT64_MAX);
    CU_ASSERT_TRUE(trace_is_contract_order(&tr, MAX));
    g_rand_free(rng);
    trace_clear(&tr);
    engine_clear(&eng);
}

/* ---- randomized differential test ---------------------------------------- */

/* A seeded workload runs once on the Engine and once on a reference queue
 * (a sorted array, popped from its end), and both traces must be equal. Each
 * event, when it runs, records (time, tag) and draws children: 0 to 3 new
 * events (more while the queue is below the phase's target, fewer above, so
 * the pending count rises past the switch threshold and falls below the
 * other, again and again), at delays mixing ties (0), several scales (so the
 * wheel is laid out again) and far times; it may also arm or cancel one of
 * a few timers, or stop the run. Between runs to successive end times the
 * driver schedules a few events from outside. Both sides make the same draws
 * in the same order exactly when they run events in the same order. */

enum { DIFF_TIMERS = 6, DIFF_TIMER_TAG = 1u << 30 };

typedef struct {
    uint64_t time_ps;
    uint64_t seq;
    uint64_t tag; /* event tag, or DIFF_TIMER_TAG + timer index */
    uint64_t gen; /* timer events: the generation armed */
} RefEntry;

typedef struct {
    GArray *q; /* RefEntry, sorted by (time, seq) descending: next at the end */
    uint64_t seq, now_ps;
    uint64_t timer_gen[DIFF_TIMERS];
    bool timer_armed[DIFF_TIMERS];
} RefQueue;

static bool ref_after(const RefEntry *a, const RefEntry *b)
{
    return a->time_ps > b->time_ps || (a->time_ps == b->time_ps && a->seq > b->seq);
}

static void ref_push(RefQueue *r, uint64_t at, uint64_t tag, uint64_t gen)
{
    RefEntry e = {at, r->seq++, tag, gen};
    guint lo = 0, hi = r->q->len; /* first index whose entry is not after e */
    while (lo < hi) {
        guint mid = (lo + hi) / 2;
        if (ref_after(&g_array_index(r->q, RefEntry, mid), &e))
            lo = mid + 1;
        else
            hi = mid;
    }
    g_array_insert_val(r->q, lo, e);
}

typedef struct DiffWorkload DiffWorkload;

/* The two sides behind one interface. */
typedef struct {
    void (*schedule)(DiffWorkload *w, uint64_t at, uint64_t tag);
    void (*arm)(DiffWorkload *w, int timer, uint64_t at);
    void (*cancel)(DiffWorkload *w, int timer);
    void (*stop)(DiffWorkload *w);
    size_t (*pending)(DiffWorkload *w);
} DiffSide;

struct DiffWorkload {
    const DiffSide *side;
    GRand *rng;
    GArray *trace; /* TraceEntry */
    uint64_t next_tag;
    uint64_t fired;
    uint64_t budget;   /* no children once this many events ran */
    uint64_t phase;    /* events per phase */
    size_t targets[2]; /* pending count aimed at, alternating per phase */
    uint64_t scale;    /* delay unit, changed per phase */
    /* engine side */
    Engine *eng;
    TimerProbe timers[DIFF_TIMERS];
    /* reference side */
    RefQueue *ref;
};

static uint64_t diff_delay(DiffWorkload *w)
{
    int kind = g_rand_int_range(w->rng, 0, 100);
    if (kind < 20)
        return 0; /* a tie with now, and often with siblings */
    if (kind < 50)
        return (uint64_t)g_rand_int_range(w->rng, 0, 4) * w->scale; /* coarse ties */
    if (kind < 80)
        return g_rand_int_range(w->rng, 0, 16) * w->scale + g_rand_int_range(w->rng, 0, 1000);
    if (kind < 90)
        return (uint64_t)g_rand_int_range(w->rng, 0, 1000) * w->scale;
    if (kind < 97) /* past the slots' span, but not by much: into `far` */
        return (uint64_t)g_rand_int_range(w->rng, 0, 100000) * w->scale;
    return (uint64_t)g_rand_int(w->rng) << 8; /* far: up to 2^40 */
}

static void diff_fire(DiffWorkload *w, uint64_t now, uint64_t tag)
{
    TraceEntry e = {now, tag};
    g_array_append_val(w->trace, e);
    if (tag >= DIFF_TIMER_TAG)
        return;
    w->fired++;
    if (w->fired % w->phase == 0) { /* a new phase: other target, other scale */
        static const uint64_t scales[] = {1, 37, 1000, 1000000, 5};
        w->scale = scales[(w->fired / w->phase) % G_N_ELEMENTS(scales)];
    }
    if (w->fired >= w->budget)
        return;
    size_t target = w->targets[(w->fired / w->phase) % 2];
    int children = w->side->pending(w) < target ? g_rand_int_range(w->rng, 1, 4)
                                                : g_rand_int_range(w->rng, 0, 2);
    for (int i = 0; i < children; i++)
        w->side->schedule(w, now + diff_delay(w), w->next_tag++);
    int act = g_rand_int_range(w->rng, 0, 1000);
    int timer = g_rand_int_range(w->rng, 0, DIFF_TIMERS);
    if (act < 60)
        w->side->arm(w, timer, now + diff_delay(w));
    else if (act < 90)
        w->side->cancel(w, timer);
    else if (act < 92)
        w->side->stop(w);
}

/* engine side */
static void diff_engine_event(Sim *sim, void *obj, void *arg)
{
    (void)sim;
    DiffWorkload *w = obj;
    diff_fire(w, engine_now(w->eng), (uint64_t)(uintptr_t)arg);
}

static void diff_engine_timer(Sim *sim, void *obj, void *arg)
{
    (void)sim;
    (void)arg;
    TimerProbe *p = obj;
    DiffWorkload *w = (DiffWorkload *)p->tr; /* the probe's back pointer */
    diff_fire(w, engine_now(w->eng), p->id);
}

static void diff_engine_schedule(DiffWorkload *w, uint64_t at, uint64_t tag)
{
    CU_ASSERT_TRUE(engine_schedule(w->eng, at, diff_engine_event, w, (void *)(uintptr_t)tag));
}

static void diff_engine_arm(DiffWorkload *w, int timer, uint64_t at)
{
    timer_arm(w->eng, &w->timers[timer].t, at);
}

static void diff_engine_cancel(DiffWorkload *w, int timer)
{
    timer_cancel(&w->timers[timer].t);
}

static void diff_engine_stop(DiffWorkload *w)
{
    engine_stop(w->eng);
}

static size_t diff_engine_pending(DiffWorkload *w)
{
    return w->eng->count;
}

static const DiffSide diff_engine_side = {diff_engine_schedule, diff_engine_arm, diff_engine_cancel,
                                          diff_engine_stop, diff_engine_pending};

/* reference side */
static void diff_ref_schedule(DiffWorkload *w, uint64_t at, uint64_t tag)
{
    ref_push(w->ref, at, tag, 0);
}

static void diff_ref_arm(DiffWorkload *w, int timer, uint64_t at)
{
    RefQueue *r = w->ref;
    r->timer_gen[timer]++;
    r->timer_armed[timer] = true;
    ref_push(r, at, DIFF_TIMER_TAG + (uint64_t)timer, r->timer_gen[timer]);
}

static void diff_ref_cancel(DiffWorkload *w, int timer)
{
    w->ref->timer_gen[timer]++;
    w->ref->timer_armed[timer] = false;
}

static void diff_ref_stop(DiffWorkload *w)
{
    (void)w; /* the driver resumes to the same end time: no effect on order */
}

static size_t diff_ref_pending(DiffWorkload *w)
{
    return w->ref->q->len;
}

static const DiffSide diff_ref_side = {diff_ref_schedule, diff_ref_arm, diff_ref_cancel,
                                       diff_ref_stop, diff_ref_pending};

/* Runs the reference up to end_ps (inclusive), as engine_run does. */
static void ref_run(DiffWorkload *w, uint64_t end_ps)
{
    RefQueue *r = w->ref;
    while (r->q->len > 0) {
        RefEntry e = g_array_index(r->q, RefEntry, r->q->len - 1);
        if (e.time_ps > end_ps)
            break;
        g_array_set_size(r->q, r->q->len - 1);
        r->now_ps = e.time_ps;
        if (e.tag >= DIFF_TIMER_TAG) {
            int t = (int)(e.tag - DIFF_TIMER_TAG);
            if (!r->timer_armed[t] || r->timer_gen[t] != e.gen)
                continue; /* stale */
            r->timer_armed[t] = false;
        }
        diff_fire(w, r->now_ps, e.tag);
    }
    if (r->now_ps < end_ps)
        r->now_ps = end_ps;
}

/* One side's whole run: initial events, then runs to successive end times
 * with events from outside in between, then to the end. */
static void diff_drive(DiffWorkload *w, bool engine_side)
{
    for (int i = 0; i < 40; i++)
        w->side->schedule(w, diff_delay(w), w->next_tag++);
    uint64_t end = 0;
    for (int round = 0; round < 60; round++) {
        end += (uint64_t)g_rand_int_range(w->rng, 1, 200) * w->scale;
        if (engine_side) {
            do
                engine_run(w->eng, NULL, end);
            while (w->eng->stopped);
        } else {
            ref_run(w, end);
        }
        int outside = g_rand_int_range(w->rng, 0, 5);
        for (int i = 0; i < outside; i++)
            w->side->schedule(w, end + diff_delay(w), w->next_tag++);
    }
    if (engine_side) {
        do
            engine_run(w->eng, NULL, UINT64_MAX);
        while (w->eng->stopped);
    } else {
        ref_run(w, UINT64_MAX);
    }
}

typedef struct {
    uint64_t events;  /* events traced */
    uint64_t builds;  /* wheel layouts */
    uint64_t returns; /* switches back to the heap */
    size_t peak;      /* largest pending count */
} DiffStats;

/* One seed: returns whether both traces are equal. */
static bool diff_one(uint32_t seed, size_t up, size_t down, const size_t targets[2], uint64_t phase,
                     DiffStats *st)
{
    DiffWorkload we = {
        .side = &diff_engine_side, .budget = 8 * phase, .phase = phase, .scale = 1000};
    DiffWorkload wr = we;
    wr.side = &diff_ref_side;
    memcpy(we.targets, targets, sizeof(we.targets));
    memcpy(wr.targets, targets, sizeof(wr.targets));

    Engine eng;
    engine_init_small_wheel(&eng, 0, up, down);
    we.eng = &eng;
    we.rng = g_rand_new_with_seed(seed);
    we.trace = g_array_new(FALSE, FALSE, sizeof(TraceEntry));
    for (int i = 0; i < DIFF_TIMERS; i++) {
        we.timers[i].tr = (Trace *)&we; /* back pointer for diff_engine_timer */
        we.timers[i].id = DIFF_TIMER_TAG + (uint64_t)i;
        timer_init(&we.timers[i].t, diff_engine_timer, &we.timers[i]);
    }
    diff_drive(&we, true);

    RefQueue ref = {0};
    ref.q = g_array_new(FALSE, FALSE, sizeof(RefEntry));
    wr.ref = &ref;
    wr.rng = g_rand_new_with_seed(seed);
    wr.trace = g_array_new(FALSE, FALSE, sizeof(TraceEntry));
    diff_drive(&wr, false);

    bool same = we.trace->len == wr.trace->len && eng.count == 0 && ref.q->len == 0 &&
                memcmp(we.trace->data, wr.trace->data, we.trace->len * sizeof(TraceEntry)) == 0;
    st->events += we.trace->len;
    st->builds += eng.w->builds;
    st->returns += eng.w->returns;
    st->peak = MAX(st->peak, eng.peak_pending);

    g_array_free(ref.q, TRUE);
    g_array_free(we.trace, TRUE);
    g_array_free(wr.trace, TRUE);
    g_rand_free(we.rng);
    g_rand_free(wr.rng);
    engine_clear(&eng);
    return same;
}

static void engine_matches_sorted_reference_on_random_workloads(void)
{
    /* small thresholds: many switches each way and re-layouts */
    static const size_t small_targets[2] = {700, 10};
    DiffStats st = {0};
    int mismatches = 0;
    for (uint32_t seed = 1; seed <= 24; seed++)
        mismatches += !diff_one(seed, 128, 32, small_targets, 1500, &st);
    CU_ASSERT_EQUAL(mismatches, 0);
    /* the workloads did cross the thresholds both ways and re-tune */
    CU_ASSERT_TRUE(st.peak >= 600);
    CU_ASSERT_TRUE(st.returns >= 24 * 3);
    CU_ASSERT_TRUE(st.builds > st.returns);
    CU_ASSERT_TRUE(st.events >= 24 * 12000);

    /* tiny thresholds: a sparse wheel (64 slots for a few events), so jumps
     * over empty slots and far events with long gaps before them */
    static const size_t tiny_targets[2] = {60, 3};
    DiffStats tiny = {0};
    mismatches = 0;
    for (uint32_t seed = 50; seed <= 73; seed++)
        mismatches += !diff_one(seed, 8, 2, tiny_targets, 500, &tiny);
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_TRUE(tiny.returns >= 24 * 3);

    /* the default thresholds (2048 / 512) */
    static const size_t big_targets[2] = {3000, 100};
    DiffStats big = {0};
    mismatches = 0;
    for (uint32_t seed = 100; seed <= 102; seed++)
        mismatches += !diff_one(seed, ENGINE_WHEEL_UP, ENGINE_WHEEL_DOWN, big_targets, 6000, &big);
    CU_ASSERT_EQUAL(mismatches, 0);
    CU_ASSERT_TRUE(big.peak > ENGINE_WHEEL_UP);
    CU_ASSERT_TRUE(big.returns >= 3 * 3);
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
    {"engine_wheel_ties_run_in_insertion_order", engine_wheel_ties_run_in_insertion_order},
    {"engine_switches_both_ways_with_events_pending",
     engine_switches_both_ways_with_events_pending},
    {"timer_cancel_and_rearm_in_wheel_mode", timer_cancel_and_rearm_in_wheel_mode},
    {"engine_wheel_growth_keeps_order", engine_wheel_growth_keeps_order},
    {"engine_wheel_span_boundaries_keep_order", engine_wheel_span_boundaries_keep_order},
    {"engine_max_pending_refused_in_wheel_mode", engine_max_pending_refused_in_wheel_mode},
    {"engine_matches_sorted_reference_on_random_workloads",
     engine_matches_sorted_reference_on_random_workloads},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("engine", cases);
}
