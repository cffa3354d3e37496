/* sim.c - the simulation context (see sim.h): creation, seeded RNG streams,
 * interned strings, the event log, faults and the run. */
#include "sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bond/bond.h"
#include "host.h"
#include "nat.h"
#include "stats/series.h"
#include "switch.h"
#include "traffic/flow.h"
#include "traffic/replay.h"
#include "util/units.h"

static void host_free_cb(gpointer p)
{
    host_free(p);
}
static void switch_free_cb(gpointer p)
{
    switch_free(p);
}
static void link_free_cb(gpointer p)
{
    link_free(p);
}
static void flow_free_cb(gpointer p)
{
    flow_free(p);
}
static void replay_free_cb(gpointer p)
{
    replay_free(p);
}
static void bond_free_cb(gpointer p)
{
    bond_free(p);
}
static void nat_free_cb(gpointer p)
{
    nat_free(p);
}

/* BONDSIM_ENGINE_WHEEL=UP/DOWN moves the engine's heap/wheel switch points
 * (engine_set_wheel_thresholds). A testing knob: tests/test_golden.c runs
 * every scenario with 8/2 so that the wheel, which no kept scenario reaches
 * at the default 512 pending, must give the same bytes as the heap. */
static void sim_engine_knob(Engine *eng)
{
    const char *v = g_getenv("BONDSIM_ENGINE_WHEEL");
    guint64 up = 0, down = 0;
    char *end = NULL;
    if (!v)
        return;
    up = g_ascii_strtoull(v, &end, 10);
    if (end && *end == '/')
        down = g_ascii_strtoull(end + 1, &end, 10);
    if (!end || *end != '\0' || down < 1 || up <= down) {
        g_printerr("bondsim: BONDSIM_ENGINE_WHEEL='%s' ignored: expected UP/DOWN, UP > DOWN >= 1\n",
                   v);
        return;
    }
    engine_set_wheel_thresholds(eng, (size_t)up, (size_t)down);
}

Sim *sim_new(const char *name, uint64_t seed)
{
    Sim *sim = g_new0(Sim, 1);
    engine_init(&sim->eng, 0);
    sim_engine_knob(&sim->eng);
    frame_pool_init(&sim->pool, 1536, SIM_MAX_FRAMES_IN_FLIGHT);
    sim->seed = seed;
    sim->hz = 250;
    sim->name = g_strdup(name);
    sim->strings = g_string_chunk_new(4096);
    sim->hosts = g_ptr_array_new_with_free_func(host_free_cb);
    sim->switches = g_ptr_array_new_with_free_func(switch_free_cb);
    sim->nics = g_ptr_array_new();
    sim->links = g_ptr_array_new_with_free_func(link_free_cb);
    sim->bonds = g_ptr_array_new_with_free_func(bond_free_cb);
    sim->flows = g_ptr_array_new_with_free_func(flow_free_cb);
    sim->faults = g_array_new(FALSE, TRUE, sizeof(SimFault));
    sim->events = g_array_new(FALSE, TRUE, sizeof(SimEvent));
    sim->lacp_blocks = g_array_new(FALSE, TRUE, sizeof(SimLacpBlock));
    sim->nats = g_ptr_array_new_with_free_func(nat_free_cb);
    sim->route_faults = g_array_new(FALSE, TRUE, sizeof(SimRouteFault));
    sim->replays = g_ptr_array_new_with_free_func(replay_free_cb);
    return sim;
}

void sim_free(Sim *sim)
{
    if (!sim)
        return;
    capture_abort(sim->cap);
    /* Frames still queued or in flight are returned with the pool's chunks. */
    g_ptr_array_free(sim->flows, TRUE);
    g_ptr_array_free(sim->replays, TRUE);
    g_ptr_array_free(sim->bonds, TRUE);
    g_ptr_array_free(sim->nats, TRUE);
    g_array_free(sim->route_faults, TRUE);
    g_ptr_array_free(sim->links, TRUE);
    g_ptr_array_free(sim->nics, TRUE);
    g_ptr_array_free(sim->switches, TRUE);
    g_ptr_array_free(sim->hosts, TRUE);
    g_array_free(sim->faults, TRUE);
    g_array_free(sim->events, TRUE);
    g_array_free(sim->lacp_blocks, TRUE);
    g_free(sim->fault_gaps);
    series_free(sim->series);
    g_string_chunk_free(sim->strings);
    engine_clear(&sim->eng);
    frame_pool_clear(&sim->pool);
    g_free(sim->name);
    g_free(sim);
}

/* FNV-1a: a hash that is the same on every platform and GLib version, so a
 * component's stream depends only on the seed and its name. */
static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++) {
        h ^= (uint8_t)*s;
        h *= 16777619u;
    }
    return h;
}

GRand *sim_rand_for(const Sim *sim, const char *component)
{
    guint32 seed[3] = {(guint32)sim->seed, (guint32)(sim->seed >> 32), fnv1a(component)};
    return g_rand_new_with_seed_array(seed, 3);
}

const char *sim_intern(Sim *sim, const char *s)
{
    return s ? g_string_chunk_insert_const(sim->strings, s) : NULL;
}

const char *sim_internf(Sim *sim, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return g_string_chunk_insert_const(sim->strings, s);
}

const char *sim_note_join(Sim *sim, const char *a, const char *b)
{
    if (!a)
        return b ? sim_intern(sim, b) : NULL;
    if (!b)
        return a;
    return sim_internf(sim, "%s\n%s", a, b);
}

void sim_log(Sim *sim, SimEventKind kind, const char *subject, const char *from, const char *to,
             const char *reason)
{
    SimEvent ev = {sim->eng.now_ps,
                   kind,
                   sim_intern(sim, subject),
                   from,
                   to,
                   reason ? sim_intern(sim, reason) : NULL,
                   -1};
    g_array_append_val(sim->events, ev);
}

void sim_capture_noted(Sim *sim, int cap_if, Frame *f, CaptureDir dir, const char *extra_note)
{
    const char *note = f->note && extra_note ? sim_note_join(sim, f->note, extra_note)
                                             : (f->note ? f->note : extra_note);
    capture_packet(sim->cap, cap_if, sim->eng.now_ps, f->data, f->len, dir, note);
    f->note = NULL;
}

static SimLacpBlock *sim_lacp_block_of(const Sim *sim, const Nic *nic)
{
    for (guint i = 0; i < sim->lacp_blocks->len; i++) {
        SimLacpBlock *b = &g_array_index(sim->lacp_blocks, SimLacpBlock, i);
        if (b->nic == nic)
            return b;
    }
    return NULL;
}

void sim_add_fault(Sim *sim, const SimFault *fault)
{
    g_array_append_val(sim->faults, *fault);
    if ((fault->kind == SIM_FAULT_LACP_BLOCK || fault->kind == SIM_FAULT_LACP_UNBLOCK) &&
        !sim_lacp_block_of(sim, fault->nic)) {
        SimLacpBlock b = {fault->nic, false, 0};
        g_array_append_val(sim->lacp_blocks, b);
    }
}

void sim_add_route_fault(Sim *sim, const SimFault *fault, const SimRouteChange *route)
{
    g_return_if_fail(fault->kind >= SIM_FAULT_ROUTE_ADD && fault->kind <= SIM_FAULT_DEFAULT_ROUTE);
    SimRouteFault rf = {fault->name, *route};
    g_array_append_val(sim->route_faults, rf);
    sim_add_fault(sim, fault);
}

const SimRouteChange *sim_fault_route(const Sim *sim, const SimFault *fault)
{
    for (guint i = 0; i < sim->route_faults->len; i++) {
        const SimRouteFault *rf = &g_array_index(sim->route_faults, SimRouteFault, i);
        if (rf->fault == fault->name)
            return &rf->route;
    }
    return NULL;
}

const char *sim_fault_target(const Sim *sim, const SimFault *fault)
{
    if (fault->nic)
        return fault->nic->name;
    const SimRouteChange *r = sim_fault_route(sim, fault);
    return r ? r->host->name : "";
}

bool sim_lacp_block_drop(Sim *sim, const Nic *nic)
{
    SimLacpBlock *b = sim->lacp_blocks->len ? sim_lacp_block_of(sim, nic) : NULL;
    if (!b || !b->on)
        return false;
    b->dropped++;
    return true;
}

uint64_t sim_lacp_blocked_frames(const Sim *sim, const Nic *nic)
{
    const SimLacpBlock *b = sim_lacp_block_of(sim, nic);
    return b ? b->dropped : 0;
}

const char *const sim_fault_kind_names[SIM_FAULT_COUNT] = {
    "link-down",    "link-up",   "carrier-down", "carrier-up",   "lacp-block",
    "lacp-unblock", "route-add", "route-del",    "default-route"};

/* Route faults: the DEFROUTE experiment. Every change bumps the host's
 * route_gen, so flows re-resolve their path at their next packet. */
static void sim_route_change(Sim *sim, SimFault *ft)
{
    const SimRouteChange *r = sim_fault_route(sim, ft);
    g_assert(r);
    if (ft->kind == SIM_FAULT_ROUTE_DEL) {
        host_del_routes(r->host, r->dst, r->prefix_len, r->has_gw ? r->gw : NULL);
        return;
    }
    if (ft->kind == SIM_FAULT_DEFAULT_ROUTE)
        host_del_routes(r->host, r->dst, 0, NULL);
    /* the loader keeps a free route slot for every route-add of the host */
    host_add_route(r->host, r->dst, r->prefix_len, r->has_gw ? r->gw : NULL, r->iface, r->metric);
}

static void sim_fault_fire(Sim *sim, void *obj, void *arg)
{
    SimFault *ft = &g_array_index(sim->faults, SimFault, (guint)(uintptr_t)arg);
    SimEvent ev = {sim->eng.now_ps,
                   SIM_EV_FAULT,
                   ft->name,
                   NULL,
                   NULL,
                   sim_intern(sim, sim_fault_kind_names[ft->kind]),
                   (int)(uintptr_t)arg};
    g_array_append_val(sim->events, ev);
    switch (ft->kind) {
    case SIM_FAULT_LINK_DOWN:
    case SIM_FAULT_LINK_UP:
        if (ft->nic->link)
            link_set_up(sim, ft->nic->link, ft->kind == SIM_FAULT_LINK_UP);
        break;
    case SIM_FAULT_CARRIER_DOWN:
    case SIM_FAULT_CARRIER_UP:
        nic_set_phy_down(sim, ft->nic, ft->kind == SIM_FAULT_CARRIER_DOWN);
        break;
    case SIM_FAULT_LACP_BLOCK:
    case SIM_FAULT_LACP_UNBLOCK:
        sim_lacp_block_of(sim, ft->nic)->on = ft->kind == SIM_FAULT_LACP_BLOCK;
        break;
    case SIM_FAULT_ROUTE_ADD:
    case SIM_FAULT_ROUTE_DEL:
    case SIM_FAULT_DEFAULT_ROUTE:
        sim_route_change(sim, ft);
        break;
    case SIM_FAULT_COUNT:
        break;
    }
}

/* Progress on stderr: simulated time, percentage and wall-clock ETA. */
typedef struct {
    int64_t wall_start_us;
    uint64_t step_ps;
} Progress;

static void sim_progress(Sim *sim, void *obj, void *arg)
{
    Progress *pr = obj;
    uint64_t now = sim->eng.now_ps;
    double frac = (double)now / (double)sim->end_ps;
    double wall = (double)(g_get_monotonic_time() - pr->wall_start_us) / 1e6;
    double eta = frac > 0 ? wall / frac - wall : 0;
    char t[32], e[32];
    fprintf(stderr, "\r  simulated %s / %s  %3.0f%%  ETA %.0f s   ",
            units_format_time(now, t, sizeof(t)), units_format_time(sim->end_ps, e, sizeof(e)),
            frac * 100.0, eta);
    if (now + pr->step_ps < sim->end_ps)
        engine_schedule(&sim->eng, now + pr->step_ps, sim_progress, pr, NULL);
}

void sim_run(Sim *sim, bool progress)
{
    for (guint i = 0; i < sim->bonds->len; i++)
        bond_open(sim, g_ptr_array_index(sim->bonds, i));
    for (guint i = 0; i < sim->faults->len; i++) {
        SimFault *ft = &g_array_index(sim->faults, SimFault, i);
        engine_schedule(&sim->eng, ft->at_ps, sim_fault_fire, NULL, (void *)(uintptr_t)i);
    }
    for (guint i = 0; i < sim->flows->len; i++)
        flow_start(sim, g_ptr_array_index(sim->flows, i));
    for (guint i = 0; i < sim->replays->len; i++)
        replay_start(sim, g_ptr_array_index(sim->replays, i));
    sim->fault_gaps = g_new0(FaultGap, MAX(1u, sim->faults->len));
    Progress pr = {g_get_monotonic_time(), sim->end_ps / 100};
    if (progress && pr.step_ps > 0)
        engine_schedule(&sim->eng, pr.step_ps, sim_progress, &pr, NULL);
    engine_run(&sim->eng, sim, sim->end_ps);
    if (progress)
        fprintf(stderr, "\r%70s\r", "");
    for (guint i = 0; i < sim->flows->len; i++)
        flow_finish(sim, g_ptr_array_index(sim->flows, i), sim->fault_gaps);
}
