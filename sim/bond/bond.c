/* bond.c - bonding core: slaves, MACs, active slave, receive filter, bond
 * carrier, peer notifications, transmit dispatch (see bond.h).
 * Section numbers refer to ../shared/reference/linux-bonding.md. */
#include "bond/bond.h"

#include <stdarg.h>
#include <string.h>

#include "bond/tlb.h"
#include "host.h"
#include "net/ipv6.h"
#include "sim.h"

const char *const slave_link_names[4] = {"up", "fail", "down", "back"};

const char *const bond_drop_names[BOND_DROP_COUNT] = {
    [BOND_DROP_NO_SLAVE] = "no-slave",
    [BOND_DROP_SLAVE_TX] = "slave-tx",
    [BOND_DROP_INACTIVE_RX] = "inactive-slave-rx",
};

static const BondModeOps *bond_ops_for(BondMode mode)
{
    switch (mode) {
    case BOND_MODE_RR:
        return &bond_mode_rr_ops;
    case BOND_MODE_AB:
        return &bond_mode_ab_ops;
    case BOND_MODE_XOR:
        return &bond_mode_xor_ops;
    case BOND_MODE_BROADCAST:
        return &bond_mode_bcast_ops;
    case BOND_MODE_TLB:
        return &bond_mode_tlb_ops;
    case BOND_MODE_ALB:
        return &bond_mode_alb_ops;
    case BOND_MODE_8023AD:
        return &bond_mode_8023ad_ops;
    default:
        return NULL; /* refused earlier by bond_params_check_modelled() */
    }
}

Bond *bond_new(Sim *sim, Host *host, const char *name, const BondParams *p)
{
    const BondModeOps *ops = bond_ops_for(p->mode);
    g_return_val_if_fail(ops != NULL, NULL);
    Bond *b = g_new0(Bond, 1);
    b->sim = sim;
    b->host = host;
    g_strlcpy(b->name, name, sizeof(b->name));
    g_snprintf(b->full_name, sizeof(b->full_name), "%s/%s", host->name, name);
    b->p = *p;
    b->ops = ops;
    b->rng = sim_rand_for(sim, b->full_name);
    timer_init(&b->mii_timer, bond_mii_tick, b);
    if (p->miimon_ms) {
        b->mii_tick_ps = bond_monitor_tick_ps(p->miimon_ms, sim->hz);
        b->updelay_ticks = (int)(p->updelay_ms / p->miimon_ms);
        b->downdelay_ticks = (int)(p->downdelay_ms / p->miimon_ms);
        b->peer_notif_delay_ticks = (int)MAX(1u, p->peer_notif_delay_ms / p->miimon_ms);
    } else {
        b->peer_notif_delay_ticks = 1;
    }
    b->iface = host_add_iface_bond(host, b, name);
    return b;
}

void bond_free(Bond *bond)
{
    if (!bond)
        return;
    if (bond->ops->free)
        bond->ops->free(bond);
    g_rand_free(bond->rng);
    g_free(bond);
}

bool bond_slave_can_tx(const Slave *s)
{
    return nic_carrier(s->nic) && s->link == SLAVE_LINK_UP && !s->backup;
}

void bond_set_slave_active(Bond *bond, Slave *s)
{
    s->backup = false;
    s->inactive = false;
}

void bond_set_slave_backup(Bond *bond, Slave *s)
{
    /* TLB/ALB: only the receive filter; every slave keeps transmitting */
    s->backup = bond->p.mode != BOND_MODE_TLB && bond->p.mode != BOND_MODE_ALB;
    s->inactive = !bond->p.all_slaves_active;
}

static void bond_set_mac(Sim *sim, Bond *bond, const uint8_t mac[6])
{
    if (bond->mac_set && mac_equal(bond->mac, mac))
        return;
    memcpy(bond->mac, mac, 6);
    bond->mac_set = true;
    iface_mac_changed(sim, bond->iface, mac);
}

void bond_note(Sim *sim, Bond *bond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    bond->pending_note = sim_note_join(sim, bond->pending_note, text);
}

/* 1.2: on iff some slave is UP (802.3ad: the mode's rule). */
void bond_update_carrier(Sim *sim, Bond *bond)
{
    bool on = false;
    if (bond->ops->carrier_on)
        on = bond->n_slaves > 0 && bond->ops->carrier_on(bond);
    else
        for (int i = 0; i < bond->n_slaves; i++)
            on |= bond->slaves[i].link == SLAVE_LINK_UP;
    if (on == bond->carrier)
        return;
    bond->carrier = on;
    sim_log(sim, SIM_EV_BOND_CARRIER, bond->full_name, NULL, NULL, on ? "up" : "down");
    bond_note(sim, bond, "bondsim: bond-carrier %s %s", bond->name, on ? "up" : "down");
}

/* ---- receive --------------------------------------------------------------- */

static bool mac_is_link_local_group(const uint8_t *m)
{
    return m[0] == 0x01 && m[1] == 0x80 && m[2] == 0xc2 && m[3] == 0 && m[4] == 0 &&
           (m[5] & 0xf0) == 0;
}

/* Before capture on the slave: a frame the inactive filter will drop gets a
 * comment, once per run of such drops. */
static const char *bond_slave_rx_note(Sim *sim, Nic *nic, Frame *f)
{
    Slave *s = nic->owner;
    if (!s->inactive || s->rx_drop_noted || mac_is_link_local_group(f->data))
        return NULL; /* 01:80:c2:00:00:0x: LACP's, or up the slave itself (1.4) */
    if (s->bond->ops->inactive_rx_unicast && !mac_is_multicast(f->data))
        return NULL; /* ALB delivers it (1.4 step 2) */
    s->rx_drop_noted = true;
    return sim_internf(sim, "bondsim: drop %s %s reason=inactive-slave", s->bond->name,
                       nic->ifname);
}

/* 1.4: receive on a slave. */
static void bond_slave_rx(Sim *sim, Nic *nic, Frame *f)
{
    Slave *s = nic->owner;
    Bond *bond = s->bond;
    if (bond->p.arp_interval_ms) /* ARP monitor (monitor_arp.c): sees every frame first */
        bond_arp_rx(sim, bond, s, f);
    if (bond->ops->rx_hook && bond->ops->rx_hook(sim, bond, s, f))
        return;
    bool unicast_ok = bond->ops->inactive_rx_unicast && !mac_is_multicast(f->data);
    if (s->inactive && !unicast_ok) {
        /* 01:80:c2:00:00:0x would continue up on the slave device itself;
         * bondsim runs no protocol there, so it ends here too. */
        if (!mac_is_link_local_group(f->data)) {
            s->rx_dropped_inactive++;
            bond->drops[BOND_DROP_INACTIVE_RX]++;
        }
        frame_free(&sim->pool, f);
        return;
    }
    s->rx_drop_noted = false;
    sim_capture(sim, bond->iface->cap_if, f, CAPTURE_DIR_IN, NULL);
    /* TLB/ALB: a frame for the slave's own MAC is for this host (the kernel
     * decides PACKET_HOST on the slave); the stack checks the bond MAC. */
    if (bond_lb(bond) && !mac_is_multicast(f->data) && mac_equal(f->data, nic->mac))
        memcpy(f->data, bond->mac, 6);
    host_rx(sim, bond->iface, f);
}

static void bond_slave_carrier(Sim *sim, Nic *nic, bool up)
{
    Slave *s = nic->owner;
    Bond *bond = s->bond;
    s->carrier_seen = up;
    sim_log(sim, up ? SIM_EV_CARRIER_UP : SIM_EV_CARRIER_DOWN, nic->name, NULL, NULL, NULL);
    bond_note(sim, bond, "bondsim: carrier-%s %s %s", up ? "up" : "down", bond->name, nic->ifname);
    bond_update_usable(bond);
    if (bond->ops->carrier_changed)
        bond->ops->carrier_changed(sim, bond, s, up);
}

/* ---- enslave and open ------------------------------------------------------ */

/* 6.1 / enslave: link state from carrier, with updelay the slave starts BACK;
 * the ARP monitor (6.2) also starts from carrier (no updelay there). */
static void bond_slave_initial_link(Bond *bond, Slave *s)
{
    if (!bond->p.miimon_ms && !bond->p.arp_interval_ms) {
        s->link = SLAVE_LINK_UP;
    } else if (!nic_carrier(s->nic)) {
        s->link = SLAVE_LINK_DOWN;
    } else if (bond->updelay_ticks) {
        s->link = SLAVE_LINK_BACK;
        s->delay = bond->updelay_ticks;
    } else {
        s->link = SLAVE_LINK_UP;
    }
}

Slave *bond_enslave(Sim *sim, Bond *bond, Nic *nic, int32_t prio)
{
    g_return_val_if_fail(bond->n_slaves < BOND_MAX_SLAVES && !bond->up, NULL);
    Slave *s = &bond->slaves[bond->n_slaves];
    memset(s, 0, sizeof(*s));
    s->bond = bond;
    s->nic = nic;
    s->index = bond->n_slaves++;
    s->prio = prio;
    memcpy(s->perm_mac, nic->perm_mac, 6);
    s->carrier_seen = nic_carrier(nic);
    nic->owner = s;
    nic->rx = bond_slave_rx;
    nic->rx_note = bond_slave_rx_note;
    nic->on_carrier = bond_slave_carrier;
    if (!bond->mac_set)
        bond_set_mac(sim, bond, nic->perm_mac); /* 1.5: the first slave's MAC */
    bool own_mac = bond->p.mode == BOND_MODE_AB && bond->p.fail_over_mac != BOND_FOM_NONE;
    if (!own_mac)
        memcpy(nic->mac, bond->mac, 6);
    if (bond->p.mode == BOND_MODE_TLB || bond->p.mode == BOND_MODE_ALB)
        bond_lb_enslave_mac(bond, s); /* 8, 9: own MACs, collisions resolved */
    if (bond->p.primary[0] && strcmp(bond->p.primary, nic->ifname) == 0) {
        bond->primary = s;
        bond->force_primary = true;
    }
    return s;
}

/* The scenario enslaves while building the topology, before the cables
 * exist; bondsim therefore takes each slave's link state, and the first
 * active slave, at open time, as if the slaves had been enslaved in order
 * into the down bond with their cables in. Nothing is announced (an
 * enslave into a down bond sends nothing, 5.3). */
void bond_open(Sim *sim, Bond *bond)
{
    /* Slaves not enslaved yet are not candidates (1.5, 5.1: list order
     * decides); otherwise a later primary would win, and with
     * fail_over_mac=follow take the bond MAC, before its turn. */
    for (int i = 0; i < bond->n_slaves; i++)
        bond->slaves[i].link = SLAVE_LINK_DOWN;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        s->carrier_seen = nic_carrier(s->nic);
        bond_slave_initial_link(bond, s);
        if (bond->ops->uses_primary)
            bond_set_slave_backup(bond, s);
        else if (s->link == SLAVE_LINK_UP)
            bond_set_slave_active(bond, s);
        bond_select_active(sim, bond, "enslave");
    }
    bond->up = true;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        if (bond->ops->uses_primary && s != bond->curr_active)
            bond_set_slave_backup(bond, s);
        else
            bond_set_slave_active(bond, s);
    }
    bond_update_usable(bond);
    bond_update_carrier(sim, bond);
    bond->pending_note = NULL;
    if (bond->ops->open)
        bond->ops->open(sim, bond);
    if (bond->p.miimon_ms)
        bond_mii_start(sim, bond);
    else if (bond->p.arp_interval_ms)
        bond_arp_start(sim, bond); /* ARP monitor (monitor_arp.c) */
}

void bond_update_usable(Bond *bond)
{
    if (!bond->ops->uses_usable)
        return;
    bond->n_usable = 0;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        if (bond_slave_can_tx(s) && (!bond->ops->slave_usable || bond->ops->slave_usable(bond, s)))
            bond->usable[bond->n_usable++] = s;
    }
}

/* ---- active slave (5.1, 5.2) ---------------------------------------------- */

static Slave *bond_best_by_prio(Bond *bond)
{
    Slave *best = NULL;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        if (s->link == SLAVE_LINK_UP && (!best || s->prio > best->prio))
            best = s;
    }
    return best;
}

/* Step 4: first UP slave, else the BACK slave with carrier and the least
 * updelay left, promoted to UP at once. Only a slave whose updelay has begun
 * to run qualifies (delay below the full updelay, as the kernel's search
 * starts from it): a slave enslaved with updelay is not taken at enslave, its
 * first MII tick commits it (5.3: "updelay at bring-up" -> nothing at t0). */
static Slave *bond_fallback_slave(Bond *bond)
{
    Slave *back = NULL;
    int least = bond->updelay_ticks;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        if (s->link == SLAVE_LINK_UP)
            return s;
        if (s->link == SLAVE_LINK_BACK && nic_carrier(s->nic) && s->delay < least) {
            least = s->delay;
            back = s;
        }
    }
    return back;
}

/* A slave's speed as the kernel reads it (ethtool, after negotiation): the
 * rate of its cable, i.e. the slower end; the NIC's nominal speed uncabled. */
static uint64_t bond_slave_speed_bps(const Slave *s)
{
    const Nic *n = s->nic;
    return n->link ? n->link->rate_bps : n->speed_bps;
}

/* Step 3: keep the current active or take the candidate. */
static Slave *bond_reselect(Bond *bond, Slave *cand)
{
    Slave *cur = bond->curr_active;
    if (!cur || cur->link != SLAVE_LINK_UP)
        return cand;
    switch (bond->p.primary_reselect) {
    case BOND_RESELECT_BETTER:
        /* all simulated links are full duplex: equal speed keeps the current */
        return bond_slave_speed_bps(cand) <= bond_slave_speed_bps(cur) ? cur : cand;
    case BOND_RESELECT_FAILURE:
        return cur;
    case BOND_RESELECT_ALWAYS:
    default:
        return cand;
    }
}

static Slave *bond_find_best_slave(Bond *bond)
{
    Slave *prim = bond->primary;
    Slave *cur = bond->curr_active;
    if (!prim || prim->link != SLAVE_LINK_UP) {
        Slave *best = bond_best_by_prio(bond);
        if (best && best != cur)
            return bond_reselect(bond, best);
        if (cur && cur->link == SLAVE_LINK_UP)
            return cur;
        return bond_fallback_slave(bond);
    }
    if (bond->force_primary) {
        bond->force_primary = false;
        return prim;
    }
    return bond_reselect(bond, prim);
}

const char *bond_up_reselect_reason(const Bond *bond, const Slave *s)
{
    const Slave *cur = bond->curr_active;
    if (!cur)
        return "no-active";
    if (s == bond->primary)
        return "primary";
    if (s->prio > cur->prio)
        return "prio";
    return NULL;
}

void bond_select_active(Sim *sim, Bond *bond, const char *reason)
{
    Slave *best = bond_find_best_slave(bond);
    if (best != bond->curr_active)
        bond_change_active(sim, bond, best, reason);
}

static void bond_fail_over_mac(Sim *sim, Bond *bond, Slave *old, Slave *new_active)
{
    switch (bond->p.fail_over_mac) {
    case BOND_FOM_ACTIVE:
        bond_set_mac(sim, bond, new_active->nic->mac);
        break;
    case BOND_FOM_FOLLOW:
        /* 5.2: swap the MACs of old and new. With no old active (every
         * slave was down), the kernel swaps with whichever other slave
         * still holds the bond's MAC (bond_get_old_active), so that two
         * slaves never carry it; only when none does does the new one
         * simply take it. When old and new hold the same MAC, the old one
         * gets the new one's permanent MAC (the fix to 3915c1e8634a). */
        if (!old) {
            for (int i = 0; i < bond->n_slaves && !old; i++) {
                Slave *s = &bond->slaves[i];
                if (s != new_active && memcmp(s->nic->mac, bond->mac, 6) == 0)
                    old = s;
            }
        }
        if (old) {
            uint8_t tmp[6];
            bool same = memcmp(old->nic->mac, new_active->nic->mac, 6) == 0;
            memcpy(tmp, same ? new_active->perm_mac : new_active->nic->mac, 6);
            memcpy(new_active->nic->mac, old->nic->mac, 6);
            memcpy(old->nic->mac, tmp, 6);
        } else {
            memcpy(new_active->nic->mac, bond->mac, 6);
        }
        break;
    case BOND_FOM_NONE:
    default:
        break;
    }
}

/* 5.2/5.3: arm the peer notification counter; with carrier one goes now. */
static void bond_arm_peer_notify(Sim *sim, Bond *bond)
{
    int n = bond->p.num_peer_notif;
    int d = bond->peer_notif_delay_ticks;
    if (!bond->up || n == 0 || bond->p.mode != BOND_MODE_AB) {
        bond->send_peer_notif = 0;
        return;
    }
    if (sim->legacy_peer_notify) {
        /* Older kernels: N rounds, t0 then every D' ticks; without carrier
         * from the next tick. The change tick does not count down. */
        if (bond->carrier) {
            bond_send_peer_notify(sim, bond);
            bond->send_peer_notif = (n - 1) * d;
        } else {
            bond->send_peer_notif = (n - 1) * d + 1;
        }
        return;
    }
    bond->send_peer_notif = n * d;
    if (bond->carrier) {
        bond_send_peer_notify(sim, bond);
        bond->send_peer_notif--;
    }
}

void bond_change_active(Sim *sim, Bond *bond, Slave *new_active, const char *reason)
{
    Slave *old = bond->curr_active;
    if (old == new_active)
        return;
    /* every new active is stamped: the ARP monitor's 2.5-delta grace (6.2) */
    if (new_active)
        new_active->last_link_up_ps = sim->eng.now_ps;
    if (new_active && new_active->link == SLAVE_LINK_BACK) {
        /* 5.1 step 4: promoted before its updelay ran out; a commit UP
         * like any other, so the event log shows it (6.1). */
        new_active->delay = 0;
        new_active->link = SLAVE_LINK_UP;
        if (bond->up)
            sim_log(sim, SIM_EV_SLAVE_UP, bond->full_name, NULL,
                    sim_intern(sim, new_active->nic->ifname), "promoted");
        if (bond->ops->link_changed && bond_lb(bond))
            bond->ops->link_changed(sim, bond, new_active, SLAVE_LINK_BACK);
    }
    if (bond->ops->uses_primary) {
        if (old)
            bond_set_slave_backup(bond, old);
        if (new_active)
            bond_set_slave_active(bond, new_active);
    }
    if (new_active && bond->p.mode == BOND_MODE_AB)
        bond_fail_over_mac(sim, bond, old, new_active);
    bond->curr_active = new_active;
    if (bond->ops->active_changed)
        bond->ops->active_changed(sim, bond, old, new_active);
    bond_update_usable(bond);
    const char *from = old ? old->nic->ifname : "none";
    const char *to = new_active ? new_active->nic->ifname : "none";
    if (bond->up) {
        if (old)
            bond->failovers++;
        sim_log(sim, SIM_EV_FAILOVER, bond->full_name, sim_intern(sim, from), sim_intern(sim, to),
                sim_intern(sim, reason));
        bond_note(sim, bond, "bondsim: failover %s %s->%s reason=%s", bond->name, from, to, reason);
    }
    if (new_active)
        bond_arm_peer_notify(sim, bond);
}

/* 5.3: one round, through the bond (so on the active slave): a gratuitous
 * ARP for the bond's IPv4 address, then an unsolicited NA per IPv6 address
 * (the link-local included, as the kernel walks every non-tentative address
 * of the device). VLAN devices are not modelled yet. */
void bond_send_peer_notify(Sim *sim, Bond *bond)
{
    Iface *ifc = bond->iface;
    if ((!ifc->has_ip && !ifc->has_ip6) || !bond->curr_active)
        return;
    const char *via = bond->curr_active->nic->ifname;
    sim_log(sim, SIM_EV_PEER_NOTIFY, bond->full_name, NULL, sim_intern(sim, via), NULL);
    if (ifc->has_ip)
        host_send_garp(sim, ifc, sim_internf(sim, "bondsim: garp %s via %s", bond->name, via));
    if (ifc->has_ip6)
        ndisc_send_unsol_na(sim, ifc,
                            sim_internf(sim, "bondsim: unsolicited-na %s via %s", bond->name, via));
}

/* ---- transmit -------------------------------------------------------------- */

static const char *bond_drop_note(Sim *sim, Bond *bond, Slave *s, const char *reason)
{
    Nic *nic = s ? s->nic : NULL;
    if (nic && nic->drop_noted)
        return NULL;
    if (nic)
        nic->drop_noted = true;
    return sim_internf(sim, "bondsim: drop %s %s reason=%s", bond->name, nic ? nic->ifname : "-",
                       reason);
}

/* The bond's own capture of an outgoing frame: as the stack handed it (the
 * snapshot, when the mode rewrites bytes), before any slave sees it. */
static void bond_capture_out(Sim *sim, Bond *bond, Frame *f, bool snap, uint32_t snap_len,
                             const char *note)
{
    if (!snap) {
        sim_capture(sim, bond->iface->cap_if, f, CAPTURE_DIR_OUT, note);
        return;
    }
    const char *n =
        f->note && note ? sim_note_join(sim, f->note, note) : (f->note ? f->note : note);
    capture_packet(sim->cap, bond->iface->cap_if, sim->eng.now_ps, bond->tx_snapshot, snap_len,
                   CAPTURE_DIR_OUT, n);
    f->note = NULL;
}

/* A clone of `f` onto `s` (broadcast's extra copies), counted on its NIC
 * when it cannot go. */
static void bond_send_copy(Sim *sim, Slave *s, const Frame *f)
{
    Frame *c = frame_clone(&sim->pool, f);
    if (!c) {
        s->nic->c.drops[NIC_DROP_POOL]++;
        return;
    }
    NicDrop why;
    if (!nic_can_queue(s->nic, &why)) {
        nic_drop(sim, s->nic, c, why);
        return;
    }
    s->tx_frames++;
    s->tx_bytes += c->len;
    nic_xmit(sim, s->nic, c);
}

static void bond_send_copies(Sim *sim, Bond *bond, const Frame *f)
{
    for (int i = 0; i < bond->n_tx_copies; i++)
        bond_send_copy(sim, bond->tx_copies[i], f);
    bond->n_tx_copies = 0;
}

void bond_xmit(Sim *sim, Bond *bond, Frame *f)
{
    if (bond->pending_note) {
        f->note = sim_note_join(sim, f->note, bond->pending_note);
        bond->pending_note = NULL;
    }
    bool snap =
        bond->ops->rewrites_tx && bond->iface->cap_if >= 0 && f->len <= sizeof(bond->tx_snapshot);
    uint32_t snap_len = f->len;
    if (snap)
        memcpy(bond->tx_snapshot, f->data, f->len);
    bond->n_tx_copies = 0;
    Slave *s = bond->ops->select_tx(sim, bond, f);
    if (!s) {
        bond->drops[BOND_DROP_NO_SLAVE]++;
        /* one comment per run of drops: no formatting per frame */
        const char *note = bond->no_slave_noted
                               ? NULL
                               : sim_internf(sim, "bondsim: drop %s reason=no-slave", bond->name);
        bond->no_slave_noted = true;
        bond_capture_out(sim, bond, f, snap, snap_len, note);
        frame_free(&sim->pool, f);
        return;
    }
    NicDrop why;
    if (!nic_can_queue(s->nic, &why)) {
        bond->drops[BOND_DROP_SLAVE_TX]++;
        bond_capture_out(sim, bond, f, snap, snap_len,
                         bond_drop_note(sim, bond, s, nic_drop_names[why]));
        bond_send_copies(sim, bond, f);
        nic_drop(sim, s->nic, f, why);
        return;
    }
    bond->no_slave_noted = false;
    bond_capture_out(sim, bond, f, snap, snap_len, NULL);
    bond_send_copies(sim, bond, f);
    s->tx_frames++;
    s->tx_bytes += f->len;
    nic_xmit(sim, s->nic, f);
}
