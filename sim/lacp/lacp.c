/* lacp.c - the LACP system: ports, aggregators, the per-tick machines and the
 * selection logic, as the Linux bonding driver runs them (reference 7.4-7.9;
 * the state names follow IEEE 802.1AX-2008 clause 5.4). See lacp.h.
 *
 * Each port keeps the kernel's flags as plain booleans (begin, lacp_enabled,
 * selected, ready_n, ready, matched, churned, ntt) and one state per machine.
 * The machines run in the kernel's order on every tick; a received LACPDU
 * runs the receive machine at once (the kernel does it in the receive
 * path). Aggregators form singly linked lists of ports, a joining port put
 * at the head: "the first port" of an aggregator is the last one that joined,
 * as in the driver (it matters for the bandwidth of an aggregator).
 *
 * Timers count ticks: periodic fast/slow 10/300, current_while short/long
 * 30/900, wait_while 20, churn 600, the transmit gate 3 (7.4).
 */
#include "lacp/lacp.h"

#include <glib.h>
#include <string.h>

#include "util/units.h"

enum {
    TICKS_PER_SEC = 10,
    FAST_PERIODIC_TICKS = 1 * TICKS_PER_SEC,
    SLOW_PERIODIC_TICKS = 30 * TICKS_PER_SEC,
    SHORT_TIMEOUT_TICKS = 3 * TICKS_PER_SEC,
    LONG_TIMEOUT_TICKS = 90 * TICKS_PER_SEC,
    WAIT_WHILE_TICKS = 2 * TICKS_PER_SEC,
    CHURN_TICKS = 60 * TICKS_PER_SEC,
    TX_GATE_TICKS = TICKS_PER_SEC / 3, /* at most 3 LACPDUs a second */
    SELECT_TIMER_ENSLAVE = 80,
};

typedef enum {
    RX_DUMMY = 0, /* before the first BEGIN: every machine enters its first state */
    RX_INITIALIZE,
    RX_PORT_DISABLED,
    RX_LACP_DISABLED,
    RX_EXPIRED,
    RX_DEFAULTED,
    RX_CURRENT
} RxState;
typedef enum { PER_DUMMY = 0, PER_NO_PERIODIC, PER_FAST, PER_SLOW, PER_TX } PeriodicState;
typedef enum { MUX_DUMMY = 0, MUX_DETACHED, MUX_WAITING, MUX_ATTACHED, MUX_COLL_DIST } MuxState;
typedef enum { CHURN_NONE = 0, CHURN_MONITOR, CHURN_NO_CHURN, CHURN_CHURN } ChurnState;

typedef struct LacpAgg LacpAgg;
typedef struct LacpPort LacpPort;

struct LacpAgg {
    int id;             /* 1, 2, 3... in port order */
    bool is_individual; /* formed from a port without the duplex bit */
    bool is_active;
    uint16_t actor_key;
    uint16_t partner_key;
    uint16_t partner_sys_prio;
    uint8_t partner_system[6];
    int n_ports;
    LacpPort *lag_ports; /* head = last joined */
};

struct LacpPort {
    int index;
    uint8_t src_mac[6];   /* permanent MAC: LACPDU source */
    uint16_t port_number; /* actor port */
    uint16_t port_prio;   /* actor port priority */
    bool link_up;         /* kernel is_enabled: link committed up */
    bool carrier;         /* live carrier of the device */
    uint64_t speed_bps;
    uint16_t key;        /* actor oper key (7.3) */
    uint8_t actor_state; /* actor oper state */
    LacpInfo partner;    /* partner oper */
    bool begin, lacp_enabled, selected, ready_n, ready, matched, churned, ntt;
    bool enabled; /* may carry traffic (kernel: slave active) */
    RxState rx_state;
    PeriodicState per_state;
    MuxState mux_state;
    int rx_timer, per_timer, mux_timer, tx_timer;
    ChurnState churn_actor, churn_partner;
    int churn_actor_timer, churn_partner_timer;
    LacpAgg *agg;
    LacpPort *next_in_agg;
    LacpPortStats stats;
};

struct LacpSystem {
    LacpConfig cfg;
    LacpCallbacks cb;
    int select_timer; /* aggregator selection timer, ticks */
    int n_ports;
    LacpPort ports[LACP_MAX_PORTS];
    LacpAgg aggs[LACP_MAX_PORTS]; /* aggs[i] is owned by ports[i] */
};

const char *const lacp_event_names[LACP_EV_COUNT] = {
    [LACP_EV_PARTNER_SEEN] = "partner-seen",
    [LACP_EV_COLL_DIST_ON] = "collecting-distributing",
    [LACP_EV_COLL_DIST_OFF] = "not-collecting-distributing",
    [LACP_EV_PORT_ENABLED] = "port-enabled",
    [LACP_EV_PORT_DISABLED] = "port-disabled",
    [LACP_EV_AGG_JOIN] = "joined-aggregator",
    [LACP_EV_AGG_LEAVE] = "left-aggregator",
    [LACP_EV_ACTIVE_AGG] = "active-aggregator",
    [LACP_EV_EXPIRED] = "expired",
    [LACP_EV_DEFAULTED] = "defaulted",
    [LACP_EV_CHURN] = "churn",
};

static const uint8_t zero_mac[6];

static void lacp_emit(LacpSystem *sys, int port, LacpEvent ev)
{
    if (sys->cb.event)
        sys->cb.event(sys->cb.ctx, port, ev);
}

/* 7.4: partner defaults used in INITIALIZE and DEFAULTED. */
static void lacp_partner_defaults(LacpInfo *p)
{
    memset(p, 0, sizeof(*p));
    p->sys_prio = 0xffff;
    p->key = 1;
    p->port = 1;
    p->port_prio = 0xff;
    p->state = 0;
}

static uint8_t lacp_admin_state(const LacpSystem *sys)
{
    return LACP_STATE_AGGREGATION | (sys->cfg.lacp_active ? LACP_STATE_ACTIVITY : 0) |
           (sys->cfg.lacp_fast ? LACP_STATE_TIMEOUT : 0);
}

uint64_t lacp_tick_ps(uint32_t hz)
{
    /* msecs_to_jiffies(100) + 1 jiffy (reference, Conventions); 100 ms is
     * below the 63-jiffy level boundary for any HZ up to 630 */
    uint64_t d = (100ull * hz + 999) / 1000;
    uint64_t j = d < 63 ? d + 1 : ((d >> 3) + 1) << 3;
    return (j * PS_PER_S + hz / 2) / hz;
}

/* ---- system and ports -------------------------------------------------------- */

LacpSystem *lacp_system_new(const LacpConfig *cfg, const LacpCallbacks *cb)
{
    g_return_val_if_fail(cfg != NULL && cb != NULL, NULL);
    LacpSystem *sys = g_new0(LacpSystem, 1);
    sys->cfg = *cfg;
    sys->cb = *cb;
    sys->select_timer = SELECT_TIMER_ENSLAVE;
    return sys;
}

void lacp_system_free(LacpSystem *sys)
{
    g_free(sys);
}

void lacp_system_set_mac(LacpSystem *sys, const uint8_t system[6])
{
    memcpy(sys->cfg.system, system, 6);
}

void lacp_system_open(LacpSystem *sys)
{
    sys->select_timer = 1;
}

int lacp_port_add(LacpSystem *sys, const uint8_t src_mac[6], uint16_t port_number,
                  uint16_t port_prio)
{
    g_return_val_if_fail(sys->n_ports < LACP_MAX_PORTS, -1);
    int i = sys->n_ports++;
    LacpPort *p = &sys->ports[i];
    memset(p, 0, sizeof(*p));
    p->index = i;
    memcpy(p->src_mac, src_mac, 6);
    p->port_number = port_number;
    p->port_prio = port_prio;
    p->actor_state = lacp_admin_state(sys);
    p->key = lacp_port_key(sys->cfg.user_port_key, 0, false, false);
    p->begin = true;
    lacp_partner_defaults(&p->partner);
    p->tx_timer = TX_GATE_TICKS;
    LacpAgg *a = &sys->aggs[i];
    memset(a, 0, sizeof(*a));
    a->id = i + 1;
    return i;
}

/* ---- enabling ports (kernel __enable_port / __disable_port) --------------------- */

static void lacp_enable_port(LacpSystem *sys, LacpPort *p)
{
    if (p->enabled)
        return;
    p->enabled = true;
    lacp_emit(sys, p->index, LACP_EV_PORT_ENABLED);
}

static void lacp_disable_port(LacpSystem *sys, LacpPort *p)
{
    if (!p->enabled)
        return;
    p->enabled = false;
    lacp_emit(sys, p->index, LACP_EV_PORT_DISABLED);
}

/* ---- aggregators and the active-aggregator choice (7.7) ----------------------- */

static bool agg_has_partner(const LacpAgg *a)
{
    return memcmp(a->partner_system, zero_mac, 6) != 0;
}

static int agg_link_up_ports(const LacpAgg *a)
{
    int n = 0;
    for (const LacpPort *p = a->lag_ports; p; p = p->next_in_agg)
        n += p->link_up;
    return n;
}

static bool agg_device_up(const LacpAgg *a)
{
    for (const LacpPort *p = a->lag_ports; p; p = p->next_in_agg)
        if (p->carrier)
            return true;
    return false;
}

/* Link-up ports x the speed of the first port (the head of the list). That
 * speed counts only while the first port's link is up and its speed has a
 * 7.3 code, as the kernel reads it (0 otherwise): a first port that went down
 * leaves its aggregator 0 bandwidth even if other ports are up. */
static uint64_t agg_bandwidth_mbps(const LacpAgg *a)
{
    const LacpPort *first = a->lag_ports;
    if (!first || !first->link_up || !lacp_speed_code(first->speed_bps))
        return 0;
    return (uint64_t)agg_link_up_ports(a) * (first->speed_bps / 1000000);
}

static LacpAgg *lacp_active_agg(LacpSystem *sys)
{
    for (int i = 0; i < sys->n_ports; i++)
        if (sys->aggs[i].is_active)
            return &sys->aggs[i];
    return NULL;
}

/* Which of two candidates wins (7.7): non-individual, then partner, then
 * ad_select; ties keep `best`. */
static LacpAgg *agg_better(const LacpSystem *sys, LacpAgg *best, LacpAgg *cur)
{
    if (!best)
        return cur;
    if (best->is_individual != cur->is_individual)
        return cur->is_individual ? best : cur;
    if (agg_has_partner(best) != agg_has_partner(cur))
        return agg_has_partner(cur) ? cur : best;
    if (sys->cfg.ad_select == LACP_SELECT_COUNT) {
        int nc = agg_link_up_ports(cur), nb = agg_link_up_ports(best);
        if (nc != nb)
            return nc > nb ? cur : best;
    }
    return agg_bandwidth_mbps(cur) > agg_bandwidth_mbps(best) ? cur : best;
}

/* `stable` keeps the current active while it has link-up ports and (has a
 * partner, or neither it nor the best has one), unless its key is 0 and the
 * best's is not. */
static bool agg_stable_keeps(const LacpAgg *active, const LacpAgg *best)
{
    if (!active || !active->lag_ports || !agg_link_up_ports(active))
        return false;
    if (!agg_has_partner(active) && agg_has_partner(best))
        return false;
    return !(active->actor_key == 0 && best->actor_key != 0);
}

static void lacp_agg_selection(LacpSystem *sys)
{
    LacpAgg *active = lacp_active_agg(sys);
    LacpAgg *best = active && agg_device_up(active) ? active : NULL;
    for (int i = 0; i < sys->n_ports; i++) {
        LacpAgg *a = &sys->aggs[i];
        a->is_active = false;
        if (agg_link_up_ports(a) && agg_device_up(a))
            best = agg_better(sys, best, a);
    }
    if (best && sys->cfg.ad_select == LACP_SELECT_STABLE && agg_stable_keeps(active, best)) {
        best = NULL;
        active->is_active = true;
    }
    if (best && best == active) {
        best = NULL;
        active->is_active = true;
    }
    if (best) {
        best->is_active = true;
        if (active)
            for (LacpPort *p = active->lag_ports; p; p = p->next_in_agg)
                lacp_disable_port(sys, p);
        lacp_emit(sys, best->lag_ports ? best->lag_ports->index : -1, LACP_EV_ACTIVE_AGG);
    }
    /* a partner-less active aggregator: its ports carry traffic directly */
    LacpAgg *now = lacp_active_agg(sys);
    if (now && !agg_has_partner(now))
        for (LacpPort *p = now->lag_ports; p; p = p->next_in_agg)
            lacp_enable_port(sys, p);
}

static bool agg_ports_ready(const LacpAgg *a)
{
    for (const LacpPort *p = a->lag_ports; p; p = p->next_in_agg)
        if (!p->ready_n)
            return false;
    return true;
}

static void agg_set_ready(LacpAgg *a, bool ready)
{
    for (LacpPort *p = a->lag_ports; p; p = p->next_in_agg)
        p->ready = ready;
}

static void agg_update_ready(LacpAgg *a)
{
    if (a)
        agg_set_ready(a, agg_ports_ready(a));
}

static void agg_clear(LacpAgg *a)
{
    int id = a->id;
    memset(a, 0, sizeof(*a));
    a->id = id;
}

/* Unlinks `p` from its aggregator; an emptied aggregator is cleared. */
static void lacp_port_detach(LacpSystem *sys, LacpPort *p)
{
    LacpAgg *a = p->agg;
    lacp_emit(sys, p->index, LACP_EV_AGG_LEAVE); /* the port still names its aggregator */
    LacpPort **link = &a->lag_ports;
    while (*link && *link != p)
        link = &(*link)->next_in_agg;
    g_assert(*link == p);
    *link = p->next_in_agg;
    a->n_ports--;
    p->agg = NULL;
    p->next_in_agg = NULL;
    if (!a->lag_ports)
        agg_clear(a);
}

static bool agg_suits(const LacpAgg *a, const LacpPort *p)
{
    return a->actor_key == p->key && memcmp(a->partner_system, p->partner.system, 6) == 0 &&
           a->partner_sys_prio == p->partner.sys_prio && a->partner_key == p->partner.key &&
           memcmp(p->partner.system, zero_mac, 6) != 0 && !a->is_individual;
}

static void lacp_port_attach(LacpAgg *a, LacpPort *p)
{
    p->agg = a;
    p->next_in_agg = a->lag_ports;
    a->lag_ports = p;
    a->n_ports++;
}

/* 7.7 port selection: leave the old aggregator, join the first suitable
 * one (list order), else the first free one initialised from the port. */
static void lacp_selection_machine(LacpSystem *sys, LacpPort *p)
{
    if (p->selected)
        return;
    if (p->agg)
        lacp_port_detach(sys, p);
    LacpAgg *free_agg = NULL, *found = NULL;
    for (int i = 0; i < sys->n_ports && !found; i++) {
        LacpAgg *a = &sys->aggs[i];
        if (!a->lag_ports) {
            if (!free_agg)
                free_agg = a;
        } else if (agg_suits(a, p)) {
            found = a;
        }
    }
    if (!found) {
        if (!free_agg)
            return; /* cannot happen: every port owns an aggregator */
        found = free_agg;
        found->is_individual = !(p->key & 1);
        found->actor_key = p->key;
        memcpy(found->partner_system, p->partner.system, 6);
        found->partner_sys_prio = p->partner.sys_prio;
        found->partner_key = p->partner.key;
    }
    lacp_port_attach(found, p);
    p->selected = true;
    lacp_emit(sys, p->index, LACP_EV_AGG_JOIN);
    agg_update_ready(found);
    lacp_agg_selection(sys);
    if (!found->is_active)
        p->actor_state &= (uint8_t)~LACP_STATE_SYNC;
}

/* ---- receive machine (7.5) ---------------------------------------------------- */

static void lacp_record_default(LacpPort *p)
{
    lacp_partner_defaults(&p->partner);
    p->actor_state |= LACP_STATE_DEFAULTED;
}

static bool info_same_identity(const LacpInfo *a, const LacpInfo *b)
{
    return a->port == b->port && a->port_prio == b->port_prio &&
           memcmp(a->system, b->system, 6) == 0 && a->sys_prio == b->sys_prio && a->key == b->key &&
           (a->state & LACP_STATE_AGGREGATION) == (b->state & LACP_STATE_AGGREGATION);
}

static void lacp_our_info(const LacpSystem *sys, const LacpPort *p, LacpInfo *out)
{
    out->sys_prio = sys->cfg.sys_prio;
    memcpy(out->system, sys->cfg.system, 6);
    out->key = p->key;
    out->port_prio = p->port_prio;
    out->port = p->port_number;
    out->state = p->actor_state;
}

/* Unselect when the PDU's actor is not the partner we recorded. */
static void lacp_update_selected(LacpPort *p, const LacpPdu *pdu)
{
    if (!info_same_identity(&pdu->actor, &p->partner))
        p->selected = false;
}

/* ntt when the PDU's view of us is out of date. */
static void lacp_update_ntt(const LacpSystem *sys, LacpPort *p, const LacpPdu *pdu)
{
    LacpInfo us;
    lacp_our_info(sys, p, &us);
    const uint8_t mask =
        LACP_STATE_ACTIVITY | LACP_STATE_TIMEOUT | LACP_STATE_SYNC | LACP_STATE_AGGREGATION;
    if (!info_same_identity(&pdu->partner, &us) || (pdu->partner.state & mask) != (us.state & mask))
        p->ntt = true;
}

static void lacp_record_pdu(const LacpSystem *sys, LacpPort *p, const LacpPdu *pdu)
{
    LacpInfo us;
    lacp_our_info(sys, p, &us);
    /* matched: the PDU's partner info is us (Aggregation included), or the
     * partner says it is individual */
    p->matched =
        info_same_identity(&pdu->partner, &us) || !(pdu->actor.state & LACP_STATE_AGGREGATION);
    p->partner = pdu->actor;
    p->actor_state &= (uint8_t)~LACP_STATE_DEFAULTED;
    if (!(p->matched && (pdu->actor.state & LACP_STATE_SYNC)))
        p->partner.state &= (uint8_t)~LACP_STATE_SYNC;
}

static RxState lacp_rx_next(LacpPort *p, const LacpPdu *pdu)
{
    if (p->begin) {
        p->churned = true;
        return RX_INITIALIZE;
    }
    if (!p->link_up)
        return RX_PORT_DISABLED;
    if (pdu &&
        (p->rx_state == RX_EXPIRED || p->rx_state == RX_DEFAULTED || p->rx_state == RX_CURRENT)) {
        if (p->rx_state != RX_CURRENT)
            p->churned = true;
        p->rx_timer = 0;
        return RX_CURRENT;
    }
    if (p->rx_timer && !--p->rx_timer) {
        if (p->rx_state == RX_EXPIRED)
            return RX_DEFAULTED;
        if (p->rx_state == RX_CURRENT)
            return RX_EXPIRED;
        return p->rx_state;
    }
    if (p->rx_state == RX_PORT_DISABLED && p->link_up)
        return p->lacp_enabled ? RX_EXPIRED : RX_LACP_DISABLED;
    return p->rx_state;
}

static void lacp_rx_enter(LacpSystem *sys, LacpPort *p, RxState old, const LacpPdu *pdu)
{
    switch (p->rx_state) {
    case RX_DUMMY:
        break;
    case RX_INITIALIZE:
        p->lacp_enabled = p->key & 1;
        p->selected = false;
        lacp_record_default(p);
        p->actor_state &= (uint8_t)~LACP_STATE_EXPIRED;
        p->rx_state = RX_PORT_DISABLED;
        G_GNUC_FALLTHROUGH;
    case RX_PORT_DISABLED:
        p->matched = false;
        p->partner.state &= (uint8_t)~LACP_STATE_SYNC;
        break;
    case RX_LACP_DISABLED:
        p->selected = false;
        lacp_record_default(p);
        p->partner.state &= (uint8_t)~LACP_STATE_AGGREGATION;
        p->matched = true;
        p->actor_state &= (uint8_t)~LACP_STATE_EXPIRED;
        break;
    case RX_EXPIRED:
        /* partner Timeout forced short: fast LACPDUs for current_while */
        p->partner.state &= (uint8_t)~LACP_STATE_SYNC;
        p->partner.state |= LACP_STATE_TIMEOUT;
        p->matched = false;
        p->rx_timer = SHORT_TIMEOUT_TICKS;
        p->actor_state |= LACP_STATE_EXPIRED;
        p->churned = true;
        if (old == RX_CURRENT)
            lacp_emit(sys, p->index, LACP_EV_EXPIRED);
        break;
    case RX_DEFAULTED: {
        LacpInfo def;
        lacp_partner_defaults(&def);
        if (!info_same_identity(&def, &p->partner))
            p->selected = false;
        lacp_record_default(p);
        p->matched = true;
        p->actor_state &= (uint8_t)~LACP_STATE_EXPIRED;
        lacp_emit(sys, p->index, LACP_EV_DEFAULTED);
        break;
    }
    case RX_CURRENT: {
        if (memcmp(pdu->actor.system, sys->cfg.system, 6) == 0)
            return; /* loopback: our own PDU, ignored (the kernel logs an error) */
        bool had_partner = !(p->actor_state & LACP_STATE_DEFAULTED) && old == RX_CURRENT;
        lacp_update_selected(p, pdu);
        lacp_update_ntt(sys, p, pdu);
        lacp_record_pdu(sys, p, pdu);
        p->rx_timer =
            (p->actor_state & LACP_STATE_TIMEOUT) ? SHORT_TIMEOUT_TICKS : LONG_TIMEOUT_TICKS;
        p->actor_state &= (uint8_t)~LACP_STATE_EXPIRED;
        if (!had_partner)
            lacp_emit(sys, p->index, LACP_EV_PARTNER_SEEN);
        break;
    }
    }
}

static void lacp_rx_machine(LacpSystem *sys, LacpPort *p, const LacpPdu *pdu)
{
    RxState old = p->rx_state;
    p->rx_state = lacp_rx_next(p, pdu);
    if (p->rx_state != old || pdu)
        lacp_rx_enter(sys, p, old, pdu);
}

/* ---- periodic machine (7.6) ----------------------------------------------------- */

static void lacp_periodic_machine(LacpSystem *sys, LacpPort *p)
{
    PeriodicState old = p->per_state;
    bool partner_short = p->partner.state & LACP_STATE_TIMEOUT;
    if (p->begin || !p->lacp_enabled || !p->link_up ||
        (!(p->actor_state & LACP_STATE_ACTIVITY) && !(p->partner.state & LACP_STATE_ACTIVITY))) {
        p->per_state = PER_NO_PERIODIC;
    } else if (p->per_timer) {
        if (!--p->per_timer) {
            p->per_state = PER_TX;
        } else if (p->per_state == PER_FAST && !partner_short) {
            p->per_state = PER_SLOW;
        } else if (p->per_state == PER_SLOW && partner_short) {
            p->per_timer = 0; /* slow -> fast sends at once */
            p->per_state = PER_TX;
        }
    } else if (p->per_state == PER_NO_PERIODIC) {
        p->per_state = PER_FAST;
    } else if (p->per_state == PER_TX) {
        p->per_state = partner_short ? PER_FAST : PER_SLOW;
    }
    if (p->per_state == old)
        return;
    switch (p->per_state) {
    case PER_DUMMY:
        break;
    case PER_NO_PERIODIC:
        p->per_timer = 0;
        break;
    case PER_FAST: /* one tick of the cycle is spent in PER_TX */
        p->per_timer = FAST_PERIODIC_TICKS - 1;
        break;
    case PER_SLOW:
        p->per_timer = SLOW_PERIODIC_TICKS - 1;
        break;
    case PER_TX:
        p->ntt = true;
        break;
    }
}

/* ---- mux machine (7.8, coupled control) ---------------------------------------- */

static void lacp_cd_off(LacpSystem *sys, LacpPort *p, MuxState old)
{
    /* kernel: a port is disabled here only when its aggregator has a
     * partner; a partner-less active aggregator keeps its ports enabled */
    if (p->agg && agg_has_partner(p->agg))
        lacp_disable_port(sys, p);
    p->actor_state &= (uint8_t) ~(LACP_STATE_COLLECTING | LACP_STATE_DISTRIBUTING);
    if (old == MUX_COLL_DIST)
        lacp_emit(sys, p->index, LACP_EV_COLL_DIST_OFF);
}

static MuxState lacp_mux_next(LacpSystem *sys, LacpPort *p)
{
    if (p->begin)
        return MUX_DETACHED;
    switch (p->mux_state) {
    case MUX_DUMMY:
        return MUX_DUMMY;
    case MUX_DETACHED:
        return p->selected ? MUX_WAITING : MUX_DETACHED;
    case MUX_WAITING:
        if (!p->selected) {
            p->ready_n = false;
            agg_update_ready(p->agg);
            return MUX_DETACHED;
        }
        if (p->mux_timer && !--p->mux_timer)
            p->ready_n = true;
        agg_update_ready(p->agg);
        return p->ready && !p->mux_timer ? MUX_ATTACHED : MUX_WAITING;
    case MUX_ATTACHED:
        if (p->selected && (p->partner.state & LACP_STATE_SYNC) && !sys->select_timer) {
            return p->agg->is_active ? MUX_COLL_DIST : MUX_ATTACHED;
        }
        if (!p->selected) {
            p->ready_n = false;
            agg_update_ready(p->agg);
            return MUX_DETACHED;
        }
        if (p->agg->is_active)
            p->actor_state |= LACP_STATE_SYNC; /* no ntt (7.6) */
        return MUX_ATTACHED;
    case MUX_COLL_DIST:
        if (!p->selected || !(p->partner.state & LACP_STATE_SYNC) ||
            !(p->actor_state & LACP_STATE_SYNC))
            return MUX_ATTACHED;
        if (p->agg && p->agg->is_active)
            lacp_enable_port(sys, p);
        return MUX_COLL_DIST;
    }
    return p->mux_state;
}

static void lacp_mux_machine(LacpSystem *sys, LacpPort *p)
{
    MuxState old = p->mux_state;
    p->mux_state = lacp_mux_next(sys, p);
    if (p->mux_state == old)
        return;
    switch (p->mux_state) {
    case MUX_DUMMY:
        break;
    case MUX_DETACHED:
        p->actor_state &= (uint8_t)~LACP_STATE_SYNC;
        lacp_cd_off(sys, p, old);
        p->ntt = true;
        break;
    case MUX_WAITING:
        p->mux_timer = WAIT_WHILE_TICKS;
        break;
    case MUX_ATTACHED:
        if (p->agg->is_active)
            p->actor_state |= LACP_STATE_SYNC;
        else
            p->actor_state &= (uint8_t)~LACP_STATE_SYNC;
        lacp_cd_off(sys, p, old);
        p->ntt = true;
        break;
    case MUX_COLL_DIST:
        p->actor_state |= LACP_STATE_COLLECTING | LACP_STATE_DISTRIBUTING | LACP_STATE_SYNC;
        if (p->agg->is_active)
            lacp_enable_port(sys, p);
        p->ntt = true;
        lacp_emit(sys, p->index, LACP_EV_COLL_DIST_ON);
        break;
    }
}

/* ---- transmit machine and churn (7.4, 7.9) --------------------------------------- */

static void lacp_send_lacpdu(LacpSystem *sys, LacpPort *p)
{
    LacpPdu pdu = {0};
    lacp_our_info(sys, p, &pdu.actor);
    pdu.partner = p->partner;
    uint8_t frame[LACP_FRAME_LEN];
    lacp_lacpdu_encode(&pdu, p->src_mac, frame);
    p->stats.lacpdu_tx++;
    if (sys->cb.tx)
        sys->cb.tx(sys->cb.ctx, p->index, frame, sizeof(frame));
}

/* The gate: a free-running 3-tick counter; ntt waits for its opening.
 * Passive vs passive is silence (7.6, 802.1AX "not transmitting LACPDUs
 * unless its Partner's control value is Active"): while neither our nor the
 * recorded partner's Activity bit is set, ntt stays pending and nothing
 * leaves, so two passive ends never exchange a LACPDU; a passive end starts
 * answering once an active partner's LACPDU is recorded. */
static void lacp_tx_machine(LacpSystem *sys, LacpPort *p)
{
    if (!p->tx_timer || --p->tx_timer)
        return;
    bool may_speak = (p->actor_state | p->partner.state) & LACP_STATE_ACTIVITY;
    if (p->ntt && p->lacp_enabled && may_speak) {
        lacp_send_lacpdu(sys, p);
        p->ntt = false;
    }
    p->tx_timer = TX_GATE_TICKS;
}

static void lacp_churn_one(LacpSystem *sys, LacpPort *p, ChurnState *st, int *timer, bool sync,
                           uint64_t *count)
{
    if (!*timer || --*timer || *st != CHURN_MONITOR)
        return;
    if (sync) {
        *st = CHURN_NO_CHURN;
    } else {
        (*count)++;
        *st = CHURN_CHURN;
        lacp_emit(sys, p->index, LACP_EV_CHURN);
    }
}

static void lacp_churn_machine(LacpSystem *sys, LacpPort *p)
{
    if (p->churned) {
        p->churned = false;
        p->churn_actor = p->churn_partner = CHURN_MONITOR;
        p->churn_actor_timer = p->churn_partner_timer = CHURN_TICKS;
        return;
    }
    lacp_churn_one(sys, p, &p->churn_actor, &p->churn_actor_timer, p->actor_state & LACP_STATE_SYNC,
                   &p->stats.churn_actor);
    lacp_churn_one(sys, p, &p->churn_partner, &p->churn_partner_timer,
                   p->partner.state & LACP_STATE_SYNC, &p->stats.churn_partner);
}

/* ---- entry points ---------------------------------------------------------------- */

void lacp_tick(LacpSystem *sys)
{
    if (sys->select_timer && !--sys->select_timer) {
        if (sys->n_ports)
            lacp_agg_selection(sys);
    }
    for (int i = 0; i < sys->n_ports; i++) {
        LacpPort *p = &sys->ports[i];
        lacp_rx_machine(sys, p, NULL);
        lacp_periodic_machine(sys, p);
        lacp_selection_machine(sys, p);
        lacp_mux_machine(sys, p);
        lacp_tx_machine(sys, p);
        lacp_churn_machine(sys, p);
        p->begin = false;
    }
}

void lacp_port_link(LacpSystem *sys, int port, bool up, uint64_t speed_bps, bool full_duplex)
{
    g_return_if_fail(port >= 0 && port < sys->n_ports);
    LacpPort *p = &sys->ports[port];
    uint16_t old_key = p->key;
    uint16_t old_speed = (old_key >> 1) & 0x1f;
    p->link_up = up;
    p->speed_bps = up ? speed_bps : p->speed_bps;
    p->key = lacp_port_key(sys->cfg.user_port_key, speed_bps, full_duplex, up);
    if (!up)
        lacp_disable_port(sys, p); /* the bond marks a slave going DOWN inactive */
    if (p->key != old_key) {
        p->lacp_enabled = p->key & 1;
        uint16_t speed = (p->key >> 1) & 0x1f;
        if (up && (p->key & 1) && speed && speed != old_speed)
            p->begin = true; /* a speed change restarts the machines (7.3) */
    }
    if (sys->n_ports)
        lacp_agg_selection(sys);
}

void lacp_port_carrier(LacpSystem *sys, int port, bool carrier)
{
    g_return_if_fail(port >= 0 && port < sys->n_ports);
    sys->ports[port].carrier = carrier;
}

/* A marker information PDU is answered with a copy whose TLV type is 2,
 * from the port's permanent MAC (7.1); Linux never originates markers. */
static void lacp_marker_rx(LacpSystem *sys, LacpPort *p, const uint8_t *frame, size_t len)
{
    LacpMarker m;
    if (!lacp_marker_decode(frame, len, &m)) {
        p->stats.marker_unknown_rx++;
        return;
    }
    if (m.tlv_type == LACP_MARKER_RESPONSE) {
        p->stats.marker_resp_rx++;
        return;
    }
    p->stats.marker_rx++;
    uint8_t out[LACP_FRAME_LEN];
    lacp_marker_encode(&m, p->src_mac, out);
    size_t body = MIN(len, (size_t)LACP_FRAME_LEN) - 14;
    memcpy(out + 14, frame + 14, body); /* a copy of the PDU ... */
    out[14 + 2] = LACP_MARKER_RESPONSE; /* ... as a response */
    p->stats.marker_resp_tx++;
    if (sys->cb.tx)
        sys->cb.tx(sys->cb.ctx, p->index, out, sizeof(out));
}

bool lacp_rx(LacpSystem *sys, int port, const uint8_t *frame, size_t len)
{
    g_return_val_if_fail(port >= 0 && port < sys->n_ports, false);
    int sub = lacp_frame_subtype(frame, len);
    if (sub == 0)
        return false;
    LacpPort *p = &sys->ports[port];
    if (sub == LACP_SUBTYPE_LACPDU) {
        LacpPdu pdu;
        if (!lacp_lacpdu_decode(frame, len, &pdu)) {
            p->stats.lacpdu_illegal_rx++;
            return true;
        }
        p->stats.lacpdu_rx++;
        lacp_rx_machine(sys, p, &pdu);
    } else if (sub == LACP_SUBTYPE_MARKER) {
        lacp_marker_rx(sys, p, frame, len);
    } else {
        p->stats.lacpdu_unknown_rx++;
    }
    return true;
}

/* ---- queries ---------------------------------------------------------------------- */

#define LACP_PORT_OR(sys, port, val)                                                               \
    g_return_val_if_fail((sys) != NULL && (port) >= 0 && (port) < (sys)->n_ports, val)

int lacp_n_ports(const LacpSystem *sys)
{
    return sys->n_ports;
}

bool lacp_port_enabled(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, false);
    return sys->ports[port].enabled;
}

bool lacp_port_distributing(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, false);
    return (sys->ports[port].actor_state & LACP_STATE_DISTRIBUTING) != 0;
}

uint8_t lacp_port_actor_state(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, 0);
    return sys->ports[port].actor_state;
}

uint8_t lacp_port_partner_state(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, 0);
    return sys->ports[port].partner.state;
}

const LacpInfo *lacp_port_partner(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, NULL);
    return &sys->ports[port].partner;
}

uint16_t lacp_port_key_of(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, 0);
    return sys->ports[port].key;
}

int lacp_port_aggregator(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, 0);
    return sys->ports[port].agg ? sys->ports[port].agg->id : 0;
}

bool lacp_port_in_active_agg(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, false);
    return sys->ports[port].agg && sys->ports[port].agg->is_active;
}

const LacpPortStats *lacp_port_stats(const LacpSystem *sys, int port)
{
    LACP_PORT_OR(sys, port, NULL);
    return &sys->ports[port].stats;
}

int lacp_active_aggregator(const LacpSystem *sys)
{
    for (int i = 0; i < sys->n_ports; i++)
        if (sys->aggs[i].is_active)
            return sys->aggs[i].id;
    return 0;
}

int lacp_active_agg_link_up_ports(const LacpSystem *sys)
{
    int id = lacp_active_aggregator(sys);
    return id ? agg_link_up_ports(&sys->aggs[id - 1]) : 0;
}

bool lacp_aggregator_has_partner(const LacpSystem *sys, int agg_id)
{
    g_return_val_if_fail(sys != NULL && agg_id >= 1 && agg_id <= sys->n_ports, false);
    return agg_has_partner(&sys->aggs[agg_id - 1]);
}

bool lacp_active_agg_has_partner(const LacpSystem *sys)
{
    int id = lacp_active_aggregator(sys);
    return id && agg_has_partner(&sys->aggs[id - 1]);
}
