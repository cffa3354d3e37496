/* sim.h - the simulation context: one struct that owns a whole run.
 *
 * A Sim holds the engine (clock and events), the frame pool, the RNG, the
 * capture output, every host, switch, link and NIC, the traffic flows, the
 * scheduled faults and the log of notable events. Nothing in bondsim is
 * global and mutable, so two Sims can run in one process (bondsim compare).
 * Built by scenario.c, run by sim_run(), read by stats.c, freed by sim_free().
 */
#ifndef BONDSIM_SIM_H
#define BONDSIM_SIM_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "engine.h"
#include "frame.h"
#include "nic.h"

typedef struct Host Host;
typedef struct Switch Switch;
typedef struct Bond Bond;
typedef struct Flow Flow;
typedef struct Series Series;

/* Limits, refused with a message at load time. */
#define SIM_MAX_HOSTS 256
#define SIM_MAX_SWITCHES 64
#define SIM_MAX_NICS 4096
/* Each flow embeds its receiver statistics (about 14 KB, mostly the RFC 4737
 * extent ring): 8192 flows stay near 115 MB. */
#define SIM_MAX_FLOWS 8192
#define SIM_MAX_FAULTS 4096
#define SIM_MAX_FRAMES_IN_FLIGHT (4u * 1024u * 1024u)

typedef enum {
    SIM_EV_FAULT = 0,    /* a scheduled fault was applied */
    SIM_EV_CARRIER_DOWN, /* a slave lost carrier */
    SIM_EV_CARRIER_UP,
    SIM_EV_SLAVE_DOWN,   /* the bond committed a slave DOWN */
    SIM_EV_SLAVE_UP,     /* the bond committed a slave UP */
    SIM_EV_FAILOVER,     /* new active slave (from may be NULL) */
    SIM_EV_PEER_NOTIFY,  /* gratuitous ARP / unsolicited NA round sent */
    SIM_EV_BOND_CARRIER, /* bond carrier changed (arg: 0/1) */
    /* 802.3ad ports (logged only by LACP bonds): subject = the slave
     * ("server/eth0") or, for the active-aggregator change, the bond;
     * reason = "aggregator=N" */
    SIM_EV_LACP_AGG_JOIN,     /* port selected into aggregator N */
    SIM_EV_LACP_AGG_LEAVE,    /* port leaves aggregator N */
    SIM_EV_LACP_CD_ON,        /* port entered collecting+distributing */
    SIM_EV_LACP_CD_OFF,       /* port left collecting+distributing */
    SIM_EV_LACP_EXPIRED,      /* partner's LACPDUs stopped: rx machine EXPIRED */
    SIM_EV_LACP_DEFAULTED,    /* rx machine DEFAULTED (partner := defaults) */
    SIM_EV_LACP_PARTNER_SEEN, /* a partner LACPDU recorded after none */
    SIM_EV_LACP_ACTIVE_AGG,   /* the bond's active aggregator changed (N = 0: none) */
    SIM_EV_COUNT
} SimEventKind;

typedef enum {
    SIM_FAULT_LINK_DOWN = 0, /* cable pulled: both ends lose carrier */
    SIM_FAULT_LINK_UP,
    SIM_FAULT_CARRIER_DOWN, /* one NIC's PHY dies; the far end keeps carrier */
    SIM_FAULT_CARRIER_UP,
    SIM_FAULT_LACP_BLOCK, /* slow-protocol frames arriving at this 802.3ad slave are
                           * dropped (counted); carrier and data frames unaffected */
    SIM_FAULT_LACP_UNBLOCK,
    SIM_FAULT_ROUTE_ADD,     /* a route is added to a host (SimFault.route) */
    SIM_FAULT_ROUTE_DEL,     /* routes to a prefix (through a gateway) are removed */
    SIM_FAULT_DEFAULT_ROUTE, /* every default route is replaced by this one */
    SIM_FAULT_COUNT
} SimFaultKind;

extern const char *const sim_fault_kind_names[SIM_FAULT_COUNT];

/* A NIC named by a lacp-block fault: whether its filter is on now and the
 * slow-protocol frames it dropped. */
typedef struct {
    const Nic *nic;
    bool on;
    uint64_t dropped;
} SimLacpBlock;

/* The route of a route-add, route-del or default-route fault. */
typedef struct {
    Host *host;     /* borrowed */
    uint8_t dst[4]; /* 0.0.0.0 for default */
    int prefix_len; /* 0 for default */
    bool has_gw;    /* route-del: false = any gateway */
    uint8_t gw[4];
    struct Iface *iface; /* add: the interface (given, or the one whose subnet holds gw) */
    uint32_t metric;
} SimRouteChange;

typedef struct {
    const char *name; /* interned: the [fault NAME] group */
    uint64_t at_ps;
    SimFaultKind kind;
    Nic *nic; /* the NIC named in the scenario; NULL for route faults (sim_fault_route) */
} SimFault;

/* The route of a route fault, kept beside the faults (found by the fault's
 * interned name, unique per run) so SimFault stays four fields. */
typedef struct {
    const char *fault;
    SimRouteChange route;
} SimRouteFault;

typedef struct {
    uint64_t time_ps;
    SimEventKind kind;
    const char *subject; /* interned: "server/bond0", "server/eth0", fault name */
    const char *from;    /* interned slave name or NULL */
    const char *to;      /* interned slave name or NULL */
    const char *reason;  /* interned: "carrier", "primary", ... or NULL */
    int fault;           /* index of the fault for SIM_EV_FAULT, else -1 */
} SimEvent;

struct Sim {
    Engine eng;
    FramePool pool;
    uint64_t seed;
    uint64_t end_ps;             /* simulated duration */
    uint32_t hz;                 /* kernel HZ for monitor timing (default 250) */
    bool legacy_peer_notify;     /* peer notifications as kernels before 6.18 */
    Capture *cap;                /* never NULL while running (CAPTURE_NONE does nothing) */
    GStringChunk *strings;       /* interned names and notes, freed with the Sim */
    GPtrArray *hosts;            /* Host*, owned, creation order */
    GPtrArray *switches;         /* Switch*, owned */
    GPtrArray *nics;             /* Nic*, borrowed from hosts/switches, creation order */
    GPtrArray *links;            /* Link*, owned */
    GPtrArray *bonds;            /* Bond*, borrowed from hosts */
    GPtrArray *flows;            /* Flow*, owned */
    GArray *faults;              /* SimFault */
    GArray *events;              /* SimEvent log */
    struct FaultGap *fault_gaps; /* one per fault, filled by the flows */
    char *name;                  /* scenario name */
    uint64_t progress_next_ps;   /* next progress report (0 = off) */
    Series *series;              /* per-slave load over time, owned; NULL: not sampled */
    GArray *lacp_blocks;         /* SimLacpBlock, one per NIC named by a lacp-block fault */
    GPtrArray *nats;             /* NatBox*, owned (their hosts are in `hosts`), creation order */
    GArray *route_faults;        /* SimRouteFault, one per route fault */
    GPtrArray *replays;          /* Replay*, owned (traffic/replay.h), started by sim_run */
};

/* Creates an empty simulation. `seed` seeds every component's RNG. */
Sim *sim_new(const char *name, uint64_t seed);
void sim_free(Sim *sim);

/* A GRand for the named component, seeded from (sim seed, name) so adding a
 * component does not change another's random stream. Caller frees. */
GRand *sim_rand_for(const Sim *sim, const char *component);

/* Interns a string in the Sim (for names and capture notes). */
const char *sim_intern(Sim *sim, const char *s);
const char *sim_internf(Sim *sim, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* "a\nb": two notes on one frame become two capture comments. Either may be
 * NULL. The result is interned. */
const char *sim_note_join(Sim *sim, const char *a, const char *b);

/* Starts everything scheduled (bonds open, flows, faults) at time 0 and runs
 * to sim->end_ps. `progress` prints a progress line on stderr. */
void sim_run(Sim *sim, bool progress);

/* Adds a fault; faults must be added in time order (the loader sorts). */
void sim_add_fault(Sim *sim, const SimFault *fault);

/* Adds a route fault (kind SIM_FAULT_ROUTE_*, nic NULL) and its route. */
void sim_add_route_fault(Sim *sim, const SimFault *fault, const SimRouteChange *route);
/* The route of a route fault, NULL for other faults. */
const SimRouteChange *sim_fault_route(const Sim *sim, const SimFault *fault);
/* What a fault acts on, for reports: the NIC's name, or the host of a route
 * fault. */
const char *sim_fault_target(const Sim *sim, const SimFault *fault);

/* lacp-block faults: whether a slow-protocol frame arriving at `nic` must be
 * dropped now (then counted), and the count so far (0 for a NIC never
 * named by such a fault). */
bool sim_lacp_block_drop(Sim *sim, const Nic *nic);
uint64_t sim_lacp_blocked_frames(const Sim *sim, const Nic *nic);

void sim_log(Sim *sim, SimEventKind kind, const char *subject, const char *from, const char *to,
             const char *reason);

void sim_capture_noted(Sim *sim, int cap_if, Frame *f, CaptureDir dir, const char *extra_note);

/* Captures a frame on interface `cap_if` (-1: not captured). A note on the
 * frame becomes the packet comment and is cleared; `extra_note` (may be NULL)
 * is a comment for this capture only. The common case (no note) stays inline:
 * this runs twice per frame per hop. */
static inline void sim_capture(Sim *sim, int cap_if, Frame *f, CaptureDir dir,
                               const char *extra_note)
{
    if (cap_if < 0)
        return;
    if (!f->note && !extra_note)
        capture_packet(sim->cap, cap_if, sim->eng.now_ps, f->data, f->len, dir, NULL);
    else
        sim_capture_noted(sim, cap_if, f, dir, extra_note);
}

#endif
