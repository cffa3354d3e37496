/* mode_8023ad.c - 802.3ad (mode 4): the bond side of LACP, reference 7, 1.2,
 * 1.3, 13.3.
 *
 * The LACP machines live in sim/lacp (one LacpSystem per bond, port i =
 * slave i, port numbers 1, 2, 3... and aggregator ids in enslave order). This
 * file wires them to the bond: an AD timer runs lacp_tick() every 100 ms
 * nominal (104 ms at HZ=250; first tick when the bond opens, like the MII
 * monitor, and just after it at every instant), MII commits feed
 * lacp_port_link(), carrier events lacp_port_carrier(), and the rx hook
 * hands every slow-protocol frame to
 * lacp_rx() (consumed, 1.4 step 1). LACP says which ports carry traffic
 * (LACP_EV_PORT_ENABLED/DISABLED = the kernel's slave active/inactive); the
 * usable array holds the enabled ports of the active aggregator and TX hashes
 * over it exactly as balance-xor (hash.c). Bond carrier: an active aggregator
 * with >= min_links link-up ports (1.2).
 *
 * Capture comments "bondsim: lacp bond0 eth0 <event>" (partner-seen,
 * collecting-distributing, left-aggregator, ...) ride on the next LACPDU the
 * port sends, i.e. the frame that shows the new state on the wire; the
 * active-aggregator change goes with the bond's next frame.
 *
 * Decisions: the actor system is ad_actor_system when set, else the bond MAC;
 * port priority 255; links are full duplex (the simulator has no half
 * duplex); the port speed is the link rate (slower end), as ethtool reports
 * the negotiated speed. lacp_strict (the reference only names its selftest,
 * 12): off (default) is the fallback of 7.7, a partner-less active
 * aggregator carries traffic on its port; on gives such an aggregator no
 * usable port and no bond carrier (ad_slave_usable, ad_carrier_on).
 */
#include "bond/bond.h"

#include <string.h>

#include "bond/hash.h"
#include "lacp/lacp.h"
#include "sim.h"

typedef struct {
    Sim *sim;
    Bond *bond;
    LacpSystem *lacp;
    Timer tick;
    uint64_t tick_ps;
    const char *port_note[BOND_MAX_SLAVES]; /* for the port's next LACPDU */
    uint64_t link_up_ps[BOND_MAX_SLAVES];   /* last link commit UP */
    uint64_t cd_after_ps[BOND_MAX_SLAVES];  /* link-up -> first C+D after it, 0: none */
} AdState;

static AdState *ad_state(const Bond *bond)
{
    return bond->mode_priv;
}

static uint64_t ad_port_speed(const Slave *s)
{
    const Nic *n = s->nic;
    return n->link ? n->link->rate_bps : n->speed_bps;
}

/* The slave's traffic role follows LACP (kernel __enable_port/__disable_port). */
static void ad_sync_slave(Bond *bond, Slave *s)
{
    AdState *ad = ad_state(bond);
    if (lacp_port_enabled(ad->lacp, s->index))
        bond_set_slave_active(bond, s);
    else
        bond_set_slave_backup(bond, s);
}

static void ad_refresh(AdState *ad)
{
    Bond *bond = ad->bond;
    for (int i = 0; i < bond->n_slaves; i++)
        ad_sync_slave(bond, &bond->slaves[i]);
    bond_update_usable(bond);
    bond_update_carrier(ad->sim, bond);
}

/* ---- LACP callbacks ---------------------------------------------------------- */

static void ad_lacp_tx(void *ctx, int port, const uint8_t *bytes, size_t len)
{
    AdState *ad = ctx;
    Sim *sim = ad->sim;
    Slave *s = &ad->bond->slaves[port];
    Frame *f = frame_alloc(&sim->pool);
    if (!f) {
        s->nic->c.drops[NIC_DROP_POOL]++;
        return;
    }
    memcpy(f->data, bytes, len);
    f->len = (uint32_t)len;
    f->note = ad->port_note[port];
    ad->port_note[port] = NULL;
    NicDrop why;
    if (!nic_can_queue(s->nic, &why)) {
        nic_drop(sim, s->nic, f, why);
        return;
    }
    nic_xmit(sim, s->nic, f);
}

static void ad_port_note(AdState *ad, int port, LacpEvent ev)
{
    Bond *bond = ad->bond;
    const char *text = sim_internf(ad->sim, "bondsim: lacp %s %s %s", bond->name,
                                   bond->slaves[port].nic->ifname, lacp_event_names[ev]);
    ad->port_note[port] = sim_note_join(ad->sim, ad->port_note[port], text);
}

/* The event log (stats.json "events"): aggregator membership and the
 * port's milestones over time. */
static void ad_log_event(AdState *ad, int port, LacpEvent ev)
{
    static const SimEventKind kind[LACP_EV_COUNT] = {
        [LACP_EV_PARTNER_SEEN] = SIM_EV_LACP_PARTNER_SEEN,
        [LACP_EV_COLL_DIST_ON] = SIM_EV_LACP_CD_ON,
        [LACP_EV_COLL_DIST_OFF] = SIM_EV_LACP_CD_OFF,
        [LACP_EV_AGG_JOIN] = SIM_EV_LACP_AGG_JOIN,
        [LACP_EV_AGG_LEAVE] = SIM_EV_LACP_AGG_LEAVE,
        [LACP_EV_ACTIVE_AGG] = SIM_EV_LACP_ACTIVE_AGG,
        [LACP_EV_EXPIRED] = SIM_EV_LACP_EXPIRED,
        [LACP_EV_DEFAULTED] = SIM_EV_LACP_DEFAULTED,
        [LACP_EV_PORT_ENABLED] = SIM_EV_COUNT,
        [LACP_EV_PORT_DISABLED] = SIM_EV_COUNT,
        [LACP_EV_CHURN] = SIM_EV_COUNT,
    };
    Sim *sim = ad->sim;
    Bond *bond = ad->bond;
    if (kind[ev] == SIM_EV_COUNT)
        return;
    if (ev == LACP_EV_ACTIVE_AGG) {
        sim_log(sim, kind[ev], bond->full_name, NULL, NULL,
                sim_internf(sim, "aggregator=%d", lacp_active_aggregator(ad->lacp)));
        return;
    }
    if (port < 0)
        return;
    const char *reason = NULL;
    if (ev == LACP_EV_AGG_JOIN || ev == LACP_EV_AGG_LEAVE)
        reason = sim_internf(sim, "aggregator=%d", lacp_port_aggregator(ad->lacp, port));
    sim_log(sim, kind[ev], bond->slaves[port].nic->name, NULL, NULL, reason);
}

static void ad_lacp_event(void *ctx, int port, LacpEvent ev)
{
    AdState *ad = ctx;
    Bond *bond = ad->bond;
    ad_log_event(ad, port, ev);
    switch (ev) {
    case LACP_EV_PORT_ENABLED:
    case LACP_EV_PORT_DISABLED:
        ad_refresh(ad);
        return;
    case LACP_EV_ACTIVE_AGG:
        if (bond->up)
            bond_note(ad->sim, bond, "bondsim: lacp %s active-aggregator id=%d", bond->name,
                      lacp_active_aggregator(ad->lacp));
        ad_refresh(ad);
        return;
    case LACP_EV_COLL_DIST_ON:
        /* the first C+D since the link came up; a later re-entry (partner
         * back after an expiry) is in the event log */
        if (!ad->cd_after_ps[port])
            ad->cd_after_ps[port] = ad->sim->eng.now_ps - ad->link_up_ps[port];
        break;
    case LACP_EV_AGG_JOIN:
        return; /* every selection: too chatty for the capture */
    case LACP_EV_AGG_LEAVE:
        /* leaving a partner-less aggregator when the partner first shows
         * up is routine: only leaving a real LAG is a milestone */
        if (!lacp_aggregator_has_partner(ad->lacp, lacp_port_aggregator(ad->lacp, port)))
            return;
        break;
    default:
        break;
    }
    ad_port_note(ad, port, ev);
}

/* ---- the AD timer --------------------------------------------------------------- */

static void ad_tick(Sim *sim, void *obj, void *arg)
{
    AdState *ad = obj;
    lacp_tick(ad->lacp);
    ad_refresh(ad);
    timer_arm(&sim->eng, &ad->tick, sim->eng.now_ps + ad->tick_ps);
}

static void ad_start(Sim *sim, void *obj, void *arg)
{
    AdState *ad = obj;
    timer_arm(&sim->eng, &ad->tick, sim->eng.now_ps);
}

/* ---- BondModeOps ------------------------------------------------------------------ */

static Slave *ad_select_tx(Sim *sim, Bond *bond, Frame *f)
{
    uint32_t hash = bond_xmit_hash(bond->p.xmit_hash_policy, f->data, f->len, false, 0);
    int i = bond_hash_slave_index(hash, bond->n_usable);
    return i < 0 ? NULL : bond->usable[i];
}

static void ad_link_changed(Sim *sim, Bond *bond, Slave *s, SlaveLink old_link)
{
    AdState *ad = ad_state(bond);
    bool up = s->link == SLAVE_LINK_UP;
    if (up) {
        ad->link_up_ps[s->index] = sim->eng.now_ps;
        ad->cd_after_ps[s->index] = 0;
    }
    lacp_port_link(ad->lacp, s->index, up, ad_port_speed(s), true);
    ad_refresh(ad);
}

static void ad_carrier_changed(Sim *sim, Bond *bond, Slave *s, bool up)
{
    lacp_port_carrier(ad_state(bond)->lacp, s->index, up);
}

static bool ad_rx_hook(Sim *sim, Bond *bond, Slave *s, Frame *f)
{
    AdState *ad = ad_state(bond);
    if (!ad)
        return false;
    /* a lacp-block fault: a filter in the path eats the partner's
     * slow-protocol frames before they reach the port */
    if (lacp_frame_subtype(f->data, f->len) != 0 && sim_lacp_block_drop(sim, s->nic)) {
        frame_free(&sim->pool, f);
        return true;
    }
    if (!lacp_rx(ad->lacp, s->index, f->data, f->len))
        return false;
    frame_free(&sim->pool, f);
    ad_refresh(ad);
    return true;
}

static bool ad_slave_usable(const Bond *bond, const Slave *s)
{
    const AdState *ad = ad_state(bond);
    if (!ad || !lacp_port_in_active_agg(ad->lacp, s->index))
        return false;
    /* lacp_strict=on: a partner-less aggregator carries no traffic */
    return !bond->p.lacp_strict || lacp_active_agg_has_partner(ad->lacp);
}

/* 1.2: an active aggregator with >= min_links link-up ports (0 and 1 alike). */
static bool ad_carrier_on(const Bond *bond)
{
    const AdState *ad = ad_state(bond);
    if (!ad || !lacp_active_aggregator(ad->lacp))
        return false;
    /* lacp_strict=on (selftest bond_lacp_strict.sh, reference 12): without an
     * LACP partner there is no defaulted fallback, the bond has no carrier */
    if (bond->p.lacp_strict && !lacp_active_agg_has_partner(ad->lacp))
        return false;
    uint32_t need = MAX(bond->p.min_links, 1u);
    return (uint32_t)lacp_active_agg_link_up_ports(ad->lacp) >= need;
}

static void ad_open(Sim *sim, Bond *bond)
{
    AdState *ad = g_new0(AdState, 1);
    ad->sim = sim;
    ad->bond = bond;
    static const uint8_t zero[6];
    LacpConfig cfg = {
        .sys_prio = (uint16_t)bond->p.ad_actor_sys_prio,
        .user_port_key = (uint16_t)bond->p.ad_user_port_key,
        .lacp_active = bond->p.lacp_active != 0,
        .lacp_fast = bond->p.lacp_rate != 0,
        .ad_select = (LacpSelect)bond->p.ad_select,
    };
    bool own = memcmp(bond->p.ad_actor_system, zero, 6) != 0;
    memcpy(cfg.system, own ? bond->p.ad_actor_system : bond->mac, 6);
    LacpCallbacks cb = {.ctx = ad, .tx = ad_lacp_tx, .event = ad_lacp_event};
    ad->lacp = lacp_system_new(&cfg, &cb);
    bond->mode_priv = ad;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        lacp_port_add(ad->lacp, s->perm_mac, (uint16_t)(i + 1), 255);
        lacp_port_carrier(ad->lacp, i, nic_carrier(s->nic));
        if (s->link == SLAVE_LINK_UP)
            lacp_port_link(ad->lacp, i, true, ad_port_speed(s), true);
    }
    lacp_system_open(ad->lacp); /* slaves enslaved into a down bond: timer 1 tick */
    ad->tick_ps = lacp_tick_ps(sim->hz);
    timer_init(&ad->tick, ad_tick, ad);
    ad_refresh(ad);
    /* bond_open queues the MII monitor and then the AD work, both without
     * delay, so at every instant the MII tick runs first and the AD tick
     * sees its link commits. ops->open runs before bond_open starts the
     * MII timer: a zero-delay hop arms the AD timer after it. */
    engine_schedule(&sim->eng, sim->eng.now_ps, ad_start, ad, NULL);
}

static void ad_free(Bond *bond)
{
    AdState *ad = bond->mode_priv;
    if (!ad)
        return;
    timer_cancel(&ad->tick);
    lacp_system_free(ad->lacp);
    g_free(ad);
    bond->mode_priv = NULL;
}

LacpSystem *bond_8023ad_lacp(const Bond *bond)
{
    g_return_val_if_fail(bond != NULL && bond->ops == &bond_mode_8023ad_ops, NULL);
    const AdState *ad = ad_state(bond);
    return ad ? ad->lacp : NULL;
}

uint64_t bond_8023ad_cd_time_ps(const Bond *bond, const Slave *s)
{
    g_return_val_if_fail(bond != NULL && bond->ops == &bond_mode_8023ad_ops, 0);
    const AdState *ad = ad_state(bond);
    return ad ? ad->cd_after_ps[s->index] : 0;
}

const BondModeOps bond_mode_8023ad_ops = {
    .name = "802.3ad",
    .select_tx = ad_select_tx,
    .link_changed = ad_link_changed,
    .carrier_changed = ad_carrier_changed,
    .open = ad_open,
    .free = ad_free,
    .rx_hook = ad_rx_hook,
    .uses_primary = false,
    .uses_usable = true,
    .slave_usable = ad_slave_usable,
    .carrier_on = ad_carrier_on,
};
