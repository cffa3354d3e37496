/* monitor_arp.c - the ARP link monitor and, for ns_ip6_target, the NS monitor:
 * reference section 6.2, with the peer notifications of 5.3.
 *
 * bond_open() starts it instead of the MII monitor when arp_interval is set;
 * bond_slave_rx() hands it every received frame first (1.4 step 1), so it
 * sees frames on inactive slaves too. It owns the per-slave stamps and the
 * probing candidate (Bond.current_arp_slave); link state, the active slave
 * and bond carrier are bond.c's, changed here only through its functions.
 *
 * Time is counted as the kernel counts it, in jiffies: a tick re-arms
 * d = msecs_to_jiffies(arp_interval) jiffies after it runs and lasts d + 1
 * (bond_monitor_tick_ps), the bond opens at jiffy 0 and its first tick runs
 * at once. Stamps are jiffies too, because the rules compare them at jiffy
 * granularity: a reply arriving microseconds after the tick that made a slave
 * active falls in the same jiffy and is NOT "after" it (rule (b) below).
 * fresh(t, k) is the kernel's bond_time_in_interval: t - d <= now <=
 * t + k*d + d/2, integer division, bounds included.
 *
 * Facts taken from the kernel (bond_main.c, 6.x: bond_arp_send_all,
 * bond_arp_rcv, bond_ab_arp_inspect/commit/probe, bond_loadbalance_arp_mon,
 * bond_activebackup_arp_mon), written here from their behaviour, and the
 * decisions where the reference is silent:
 * - Probes are built on the slave and sent straight to its NIC (arp_xmit on
 *   the slave device), so they are captured on the slave and on the wire but
 *   NOT on bond0: tcpdump on bond0 never shows them. They are padded to 60
 *   bytes like every frame bondsim puts on the wire.
 * - The route to a target is looked up with scope link (ip_route_output with
 *   RT_SCOPE_LINK): routes through a gateway do not match, so a target that is
 *   only reachable through a gateway counts as "no route" and is probed with
 *   sender 0.0.0.0. The sender address is bond_confirm_addr(): the bond's
 *   address only when the target lies in its subnet, else 0.0.0.0. A target
 *   that is an address of this host (a local route, via lo) or whose on-link
 *   route uses another interface is skipped. VLAN devices are not modelled.
 * - The slave NIC's unicast filter drops frames for another MAC before the
 *   bond sees them (the bond is not promiscuous in bondsim), so such frames
 *   never refresh last_rx; broadcast and multicast always reach the monitor.
 * - Peer notifications: due when counter != 0, counter % D' == 0 (D' is 1:
 *   peer_notif_delay needs miimon), carrier and an active slave, judged at the
 *   start of the tick; sent after the probes, the counter dropping only then.
 *   The kernel's u8 counter could wrap when a failover in that same tick has
 *   just reset and spent it; bondsim stops at 0. The legacy peer_notify
 *   setting changes nothing here (with D' = 1 both rules agree).
 * - Within a load-balancing tick the kernel inspects and probes slave by
 *   slave, then commits; a probe cannot be answered within the same instant
 *   (every hop costs time), so inspecting all, committing, then probing is
 *   the same run, and lets the tick's notes ride on its probes.
 * - Capture comments: "bondsim: arp-probe bond0 eth1 target=10.0.0.254" on a
 *   slave's first probe after its link state or role changed (so each
 *   candidate's first probe, the new active's first probe); notes queued by
 *   the bond (slave-down, failover, bond-carrier) ride on the next probe when
 *   no other frame of the bond took them. SIM_EV_SLAVE_UP/DOWN carry reason
 *   "arp" ("no-carrier" for a carrier-less UP slave forced down while
 *   candidates are searched); failovers "arp" when the active failed.
 * - NS probes: to the target's solicited-node group, source = the bond's
 *   address chosen for the target (ipv6_select_source) when a route through
 *   the bond exists, else :: without the source link-layer option. Rule (c)
 *   uses the candidate's last probe for the kernel's dev_trans_start().
 */
#include "bond/bond.h"

#include <string.h>

#include "host.h"
#include "net/ipv6.h"
#include "sim.h"
#include "util/bytes.h"
#include "util/units.h"

typedef enum { ARP_NO_CHANGE = 0, ARP_UP, ARP_DOWN, ARP_FAIL } ArpProposal;

#define ARP_OP_REQUEST 1
#define ARP_OP_REPLY 2
#define ARP_LEN 28

/* ---- time ---------------------------------------------------------------- */

/* At HZ=300 a tick is rounded to the picosecond, so after k ticks the clock
 * may stand up to k/2 ps short of the jiffy the kernel is in. One microsecond
 * of slack covers 24 h of ticks (0.42 us at 104 ms) and only moves a frame
 * arriving in the last microsecond of a jiffy into the next one. */
#define ARP_JIFFY_SLACK_PS PS_PER_US

int64_t bond_jiffies(const Sim *sim, uint64_t t_ps)
{
    uint64_t t = t_ps + ARP_JIFFY_SLACK_PS;
    return (int64_t)((t / PS_PER_S) * sim->hz + (t % PS_PER_S) * sim->hz / PS_PER_S);
}

static int64_t arp_now(const Sim *sim)
{
    return bond_jiffies(sim, sim->eng.now_ps);
}

/* fresh(t, k): t - d <= now <= t + k*d + d/2 (bond_time_in_interval). */
static bool arp_fresh(const Bond *bond, int64_t now, int64_t t, int k)
{
    int64_t d = bond->arp_delta_j;
    return now >= t - d && now <= t + (int64_t)k * d + d / 2;
}

/* last_link_up in jiffies. A slave enslaved without carrier was never UP:
 * the kernel's stamp is then 0, far outside any interval (jiffies start
 * 5 minutes before the wrap), so no grace; bond_arp_start marks it with
 * UINT64_MAX. */
static int64_t arp_link_up_j(const Sim *sim, const Slave *s)
{
    return s->last_link_up_ps == UINT64_MAX ? INT64_MIN / 4 : bond_jiffies(sim, s->last_link_up_ps);
}

/* slave_last_rx(): with arp_all_targets=all the oldest per-target stamp. The
 * kernel walks the IPv4 target list (at least index 0), also when only NS
 * targets stamp these slots. */
static int64_t arp_slave_last_rx(const Bond *bond, const Slave *s)
{
    if (bond->p.arp_all_targets != 1)
        return s->arp_last_rx;
    int64_t oldest = s->arp_target_rx[0];
    for (int i = 1; i < bond->p.n_arp_targets; i++)
        oldest = MIN(oldest, s->arp_target_rx[i]);
    return oldest;
}

/* ---- probes ---------------------------------------------------------------- */

static bool ip4_in_prefix(const uint8_t ip[4], const uint8_t net[4], int len)
{
    uint32_t m = len == 0 ? 0 : 0xffffffffu << (32 - len);
    return (get_be32(ip) & m) == (get_be32(net) & m);
}

static bool arp_host_owns(const Host *h, const uint8_t ip[4])
{
    for (int i = 0; i < h->n_ifaces; i++)
        if (h->ifaces[i]->has_ip && memcmp(h->ifaces[i]->ip, ip, 4) == 0)
            return true;
    return false;
}

/* The sender address of a probe to `target` (see top): false when the
 * target is skipped. */
static bool arp_probe_source(const Bond *bond, const uint8_t target[4], uint8_t sip[4])
{
    const Host *h = bond->host;
    memset(sip, 0, 4);
    if (arp_host_owns(h, target))
        return false;
    const Route *best = NULL;
    for (int i = 0; i < h->n_routes; i++) {
        const Route *r = &h->routes[i];
        if (r->has_gw || !ip4_in_prefix(target, r->dst, r->prefix_len))
            continue;
        if (!best || r->prefix_len > best->prefix_len ||
            (r->prefix_len == best->prefix_len && r->metric < best->metric))
            best = r;
    }
    if (!best)
        return true; /* no route: probed anyway, from 0.0.0.0 */
    if (best->iface != bond->iface)
        return false;
    const Iface *ifc = bond->iface;
    if (ifc->has_ip && ip4_in_prefix(target, ifc->ip, ifc->prefix_len))
        memcpy(sip, ifc->ip, 4);
    return true;
}

/* ARP request from the slave: broadcast, sender = the slave's MAC. */
static Frame *arp_probe_frame(Sim *sim, const Slave *s, const uint8_t sip[4], const uint8_t tip[4])
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    uint8_t *p = f->data;
    memset(p, 0xff, 6);
    memcpy(p + 6, s->nic->mac, 6);
    put_be16(p + 12, ETH_P_ARP);
    uint8_t *a = p + ETH_HLEN;
    put_be16(a, 1); /* Ethernet */
    put_be16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, ARP_OP_REQUEST);
    memcpy(a + 8, s->nic->mac, 6);
    memcpy(a + 14, sip, 4);
    memset(a + 18, 0, 6);
    memcpy(a + 24, tip, 4);
    f->len = ETH_HLEN + ARP_LEN;
    frame_pad(f);
    return f;
}

/* A slave's link state and role, as remembered for probe comments: never 0. */
static uint8_t arp_note_state(const Slave *s)
{
    return (uint8_t)(1 + (int)s->link * 2 + (s->backup ? 1 : 0));
}

/* At the end of a tick: a slave whose state moved away from that of its last
 * commented probe gets its next probe commented, even if it returns to that
 * state before probing again (a backup made active once more). */
static void arp_note_forget_changed(Bond *bond)
{
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        if (s->arp_noted_state != arp_note_state(s))
            s->arp_noted_state = 0;
    }
}

/* The comment of a probe to `target` (4 or 16 bytes) about to leave `s` (see
 * top), or NULL. The bond's queued notes are taken only when the NIC will
 * send the frame. Formats only when there is something to say. */
static const char *arp_probe_note(Sim *sim, Bond *bond, Slave *s, const uint8_t *target, bool v6)
{
    NicDrop why;
    if (!nic_can_queue(s->nic, &why))
        return NULL;
    const char *note = NULL;
    uint8_t state = arp_note_state(s);
    if (state != s->arp_noted_state) {
        char text[48];
        if (v6)
            ipv6_format(target, text, sizeof text);
        else
            g_snprintf(text, sizeof text, "%u.%u.%u.%u", target[0], target[1], target[2],
                       target[3]);
        s->arp_noted_state = state;
        note = sim_internf(sim, "bondsim: arp-probe %s %s target=%s", bond->name, s->nic->ifname,
                           text);
    }
    if (bond->pending_note) {
        note = sim_note_join(sim, bond->pending_note, note);
        bond->pending_note = NULL;
    }
    return note;
}

/* Sends the probe on the slave; only a probe handed out stamps last_tx. */
static void arp_probe_xmit(Sim *sim, Bond *bond, Slave *s, Frame *f, const uint8_t *target, bool v6)
{
    s->arp_last_tx = arp_now(sim);
    f->note = arp_probe_note(sim, bond, s, target, v6);
    nic_xmit(sim, s->nic, f);
}

static bool ns_probe_source(const Bond *bond, const uint8_t target[16], uint8_t src[16]);

/* bond_send_validate(): an ARP request per IPv4 target, then an NS per IPv6
 * target, all on slave `s`. */
static void arp_send_all(Sim *sim, Bond *bond, Slave *s)
{
    for (int i = 0; i < bond->p.n_arp_targets; i++) {
        const uint8_t *tip = bond->p.arp_targets[i];
        uint8_t sip[4];
        if (!arp_probe_source(bond, tip, sip))
            continue;
        Frame *f = arp_probe_frame(sim, s, sip, tip);
        if (!f)
            continue; /* no buffer: nothing sent, no stamp */
        arp_probe_xmit(sim, bond, s, f, tip, false);
    }
    for (int i = 0; i < bond->p.n_ns_targets; i++) {
        const uint8_t *target = bond->p.ns_targets[i];
        uint8_t src[16];
        if (!ns_probe_source(bond, target, src))
            continue;
        Frame *f = ndisc_build_ns(sim, s->nic->mac, src, target,
                                  ipv6_is_unspecified(src) ? NULL : s->nic->mac);
        if (!f)
            continue;
        arp_probe_xmit(sim, bond, s, f, target, true);
    }
}

/* ---- NS probes (IPv6 targets) ------------------------------------------------ */

static bool ns_iface_owns(const Iface *ifc, const uint8_t a[16])
{
    for (int i = 0; ifc->has_ip6 && i < ifc->n_addr6; i++)
        if (memcmp(ifc->addr6[i].addr, a, 16) == 0)
            return true;
    return false;
}

/* bond_ns_send_all(): the route is looked up with the bond as output
 * interface, so only routes through the bond match (gateways included);
 * none: the probe leaves from ::. An own address (a local route) is skipped. */
static bool ns_probe_source(const Bond *bond, const uint8_t target[16], uint8_t src[16])
{
    const Host *h = bond->host;
    memset(src, 0, 16);
    for (int i = 0; i < h->n_ifaces; i++)
        if (ns_iface_owns(h->ifaces[i], target))
            return false;
    bool routed = false;
    for (int i = 0; i < h->n_routes6 && !routed; i++) {
        const Route6 *r = &h->routes6[i];
        routed = r->iface == bond->iface && ipv6_prefix_match(target, r->dst, r->prefix_len);
    }
    const uint8_t *chosen =
        routed && bond->iface->has_ip6 ? ipv6_select_source(bond->iface, target) : NULL;
    if (chosen)
        memcpy(src, chosen, 16);
    return true;
}

/* ---- receive: what refreshes last_rx ------------------------------------------ */

static bool arp_bond_has_ip(const Bond *bond, const uint8_t ip[4])
{
    const Iface *ifc = bond->iface;
    /* bond_confirm_addr(bond, 0, ip) == ip: with no address it returns 0 */
    return ifc->has_ip ? memcmp(ip, ifc->ip, 4) == 0 : get_be32(ip) == 0;
}

/* bond_validate_arp(): sender a target, target IP ours -> stamped. */
static void arp_validate(Bond *bond, Slave *s, const uint8_t *sip, const uint8_t *tip, int64_t now)
{
    if (get_be32(sip) == 0 || !arp_bond_has_ip(bond, tip))
        return;
    for (int i = 0; i < bond->p.n_arp_targets; i++) {
        if (memcmp(bond->p.arp_targets[i], sip, 4) == 0) {
            s->arp_last_rx = now;
            s->arp_target_rx[i] = now;
            return;
        }
    }
}

/* Which of the three trusted cases applies to a frame received on `s`
 * (bond_arp_rcv): 1 validate as sent (active slave, or a reply while a
 * candidate probed within the last 1.5 delta), -1 with sender and target
 * swapped (a backup, once the active has heard valid traffic since it became
 * active: our own flooded probe counts), 0 not at all. `reply_only`: case (c)
 * needs an ARP reply (the NS monitor takes any NS/NA). */
static int arp_trust(const Sim *sim, const Bond *bond, const Slave *s, bool is_reply,
                     bool reply_only, int64_t now)
{
    const Slave *act = bond->curr_active;
    const Slave *cand = bond->current_arp_slave;
    if (!s->backup)
        return 1;
    if (act && arp_slave_last_rx(bond, act) > arp_link_up_j(sim, act))
        return -1;
    if (cand && (is_reply || !reply_only) && arp_fresh(bond, now, cand->arp_last_tx, 1))
        return 1;
    return 0;
}

static void arp_rcv(const Sim *sim, Bond *bond, Slave *s, const Frame *f, int64_t now)
{
    if (f->len < ETH_HLEN + ARP_LEN)
        return;
    const uint8_t *a = f->data + ETH_HLEN;
    if (get_be16(a) != 1 || get_be16(a + 2) != ETH_P_IP || a[4] != 6 || a[5] != 4)
        return;
    const uint8_t *sip = a + 14, *tip = a + 24;
    int trust = arp_trust(sim, bond, s, get_be16(a + 6) == ARP_OP_REPLY, true, now);
    if (trust > 0)
        arp_validate(bond, s, sip, tip, now);
    else if (trust < 0)
        arp_validate(bond, s, tip, sip, now);
}

/* bond_validate_na(): source a target, destination ours or ff02::1. A target
 * also matches by its solicited-node group: that is how a backup, with the
 * addresses swapped, recognises the active's NS probe (kernel commit
 * 4598380f9c54, 6.3). Later kernels also make backups join those groups;
 * bondsim's NICs take every multicast frame anyway. */
static void ns_validate(Bond *bond, Slave *s, const uint8_t *saddr, const uint8_t *daddr,
                        int64_t now)
{
    static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 0x01};
    if (ipv6_is_unspecified(saddr) ||
        (memcmp(daddr, all_nodes, 16) != 0 && !ns_iface_owns(bond->iface, daddr)))
        return;
    for (int i = 0; i < bond->p.n_ns_targets; i++) {
        uint8_t group[16];
        ipv6_solicited_node(bond->p.ns_targets[i], group);
        if (memcmp(bond->p.ns_targets[i], saddr, 16) == 0 || memcmp(group, saddr, 16) == 0) {
            s->arp_last_rx = now;
            s->arp_target_rx[i] = now;
            return;
        }
    }
}

/* bond_na_rcv(): an NS or NA right after the IPv6 header. */
static void ns_rcv(const Sim *sim, Bond *bond, Slave *s, const Frame *f, int64_t now)
{
    if (f->len < ETH_HLEN + IP6_HLEN + 8)
        return;
    const uint8_t *ip = f->data + ETH_HLEN;
    uint8_t type = ip[IP6_HLEN];
    if (ip[6] != IP6_PROTO_ICMPV6 || (type != ICMP6_ND_NS && type != ICMP6_ND_NA))
        return;
    int trust = arp_trust(sim, bond, s, false, false, now);
    if (trust > 0)
        ns_validate(bond, s, ip + 8, ip + 24, now);
    else if (trust < 0)
        ns_validate(bond, s, ip + 24, ip + 8, now);
}

/* bond_rcv_validate(), table of 6.2: bit0 validates the active, bit1 the
 * backups, bit2 (filter) limits the others to ARP and IPv6 frames. */
void bond_arp_rx(Sim *sim, Bond *bond, Slave *s, const Frame *f)
{
    if (f->len < ETH_HLEN || (!mac_is_multicast(f->data) && !mac_equal(f->data, s->nic->mac)))
        return; /* for another host: the NIC's filter drops it (see top) */
    uint16_t type = frame_ethertype(f);
    bool is_arp = type == ETH_P_ARP, is_ip6 = type == ETH_P_IPV6;
    int v = bond->p.arp_validate;
    int64_t now = arp_now(sim);
    if (!(v & (s->backup ? 2 : 1))) {
        if (!(v & 4) || is_arp || is_ip6)
            s->arp_last_rx = now;
        return;
    }
    if (is_arp)
        arp_rcv(sim, bond, s, f, now);
    else if (is_ip6)
        ns_rcv(sim, bond, s, f, now);
}

/* ---- link changes ------------------------------------------------------------ */

static void arp_log_up(Sim *sim, Bond *bond, Slave *s)
{
    sim_log(sim, SIM_EV_SLAVE_UP, bond->full_name, NULL, sim_intern(sim, s->nic->ifname), "arp");
    bond_note(sim, bond, "bondsim: slave-up %s %s reason=arp", bond->name, s->nic->ifname);
}

static void arp_log_down(Sim *sim, Bond *bond, Slave *s, const char *reason)
{
    sim_log(sim, SIM_EV_SLAVE_DOWN, bond->full_name, sim_intern(sim, s->nic->ifname), NULL, reason);
    bond_note(sim, bond, "bondsim: slave-down %s %s reason=%s", bond->name, s->nic->ifname, reason);
}

/* ---- active-backup ------------------------------------------------------------ */

/* Step 1 (bond_ab_arp_inspect). Returns whether anything must be committed. */
static bool arp_ab_inspect(const Sim *sim, const Bond *bond, int64_t now, ArpProposal *prop)
{
    int m = bond->p.arp_missed_max;
    bool any = false;
    for (int i = 0; i < bond->n_slaves; i++) {
        const Slave *s = &bond->slaves[i];
        int64_t last_rx = arp_slave_last_rx(bond, s);
        prop[i] = ARP_NO_CHANGE;
        if (s->link != SLAVE_LINK_UP) {
            if (arp_fresh(bond, now, last_rx, 1))
                prop[i] = ARP_UP;
            else if (s->link == SLAVE_LINK_BACK)
                prop[i] = ARP_FAIL;
        } else if (arp_fresh(bond, now, arp_link_up_j(sim, s), 2)) {
            continue; /* 2 delta + delta/2 after becoming UP or active */
        } else if (s->backup) {
            if (!bond->current_arp_slave && !arp_fresh(bond, now, last_rx, m + 1))
                prop[i] = ARP_DOWN;
        } else if (!arp_fresh(bond, now, s->arp_last_tx, m) || !arp_fresh(bond, now, last_rx, m)) {
            prop[i] = ARP_DOWN;
        }
        any |= prop[i] != ARP_NO_CHANGE;
    }
    return any;
}

/* Commit UP: returns the reselection reason or NULL. */
static const char *arp_ab_commit_up(Sim *sim, Bond *bond, Slave *s)
{
    if (bond->curr_active == s)
        return NULL; /* the kernel leaves an active slave's proposal alone */
    s->link = SLAVE_LINK_UP;
    if (bond->current_arp_slave) {
        bond_set_slave_backup(bond, bond->current_arp_slave);
        bond->current_arp_slave = NULL;
    }
    arp_log_up(sim, bond, s);
    return bond_up_reselect_reason(bond, s); /* as the MII commit */
}

/* Step 2 (bond_ab_arp_commit): then the active is chosen once (5.1). */
static void arp_ab_commit(Sim *sim, Bond *bond, const ArpProposal *prop)
{
    const char *reselect = NULL;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        const char *why = NULL;
        switch (prop[i]) {
        case ARP_UP:
            why = arp_ab_commit_up(sim, bond, s);
            break;
        case ARP_DOWN:
            s->link_failure_count++;
            s->link = SLAVE_LINK_DOWN;
            bond_set_slave_backup(bond, s);
            arp_log_down(sim, bond, s, "arp");
            if (s == bond->curr_active) {
                bond->current_arp_slave = NULL;
                why = "arp";
            }
            break;
        case ARP_FAIL: /* a candidate that heard nothing */
            s->link = SLAVE_LINK_FAIL;
            bond_set_slave_backup(bond, s);
            if (bond->curr_active)
                bond->current_arp_slave = NULL;
            break;
        case ARP_NO_CHANGE:
            break;
        }
        if (why && (!reselect || strcmp(why, "arp") == 0))
            reselect = why; /* the active's failure names the failover */
    }
    if (reselect)
        bond_select_active(sim, bond, reselect);
    bond_update_usable(bond);
    bond_update_carrier(sim, bond);
}

/* Step 3 without an active slave (bond_ab_arp_probe): the next slave with
 * carrier after the previous candidate (none: after the first slave),
 * wrapping, becomes the candidate: BACK, active flags, probed, stamped.
 * Carrier-less slaves still UP are forced DOWN on the way. */
static void arp_ab_next_candidate(Sim *sim, Bond *bond)
{
    const Slave *prev = bond->current_arp_slave ? bond->current_arp_slave : &bond->slaves[0];
    Slave *before = NULL, *next = NULL;
    bool found = false;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        bool up = nic_carrier(s->nic);
        if (!found && !before && up)
            before = s;
        if (found && !next && up)
            next = s;
        if (!up && s->link == SLAVE_LINK_UP) {
            s->link = SLAVE_LINK_DOWN;
            s->link_failure_count++;
            bond_set_slave_backup(bond, s);
            arp_log_down(sim, bond, s, "no-carrier");
        }
        found |= s == prev;
    }
    if (!next)
        next = before;
    if (!next)
        return;
    next->link = SLAVE_LINK_BACK;
    bond_set_slave_active(bond, next);
    arp_send_all(sim, bond, next);
    next->last_link_up_ps = sim->eng.now_ps;
    bond->current_arp_slave = next;
}

/* 5.3 with the ARP monitor: judged before the tick's changes. */
static bool arp_notify_due(const Bond *bond)
{
    return bond->send_peer_notif != 0 &&
           bond->send_peer_notif % MAX(1, bond->peer_notif_delay_ticks) == 0 && bond->carrier &&
           bond->curr_active;
}

static void arp_ab_tick(Sim *sim, Bond *bond, int64_t now)
{
    bool notify = arp_notify_due(bond);
    ArpProposal prop[BOND_MAX_SLAVES];
    if (arp_ab_inspect(sim, bond, now, prop))
        arp_ab_commit(sim, bond, prop);
    if (bond->curr_active)
        arp_send_all(sim, bond, bond->curr_active); /* probes on the active only */
    else
        arp_ab_next_candidate(sim, bond);
    if (notify) {
        if (bond->send_peer_notif > 0)
            bond->send_peer_notif--;
        bond_send_peer_notify(sim, bond);
    }
}

/* ---- balance-rr, balance-xor, broadcast ------------------------------------------ */

/* bond_loadbalance_arp_mon's commit: links, then every slave's backup flag
 * follows its link (bond_slave_state_change: backup only, the receive filter
 * stays off), mode hooks, the usable array, then the active once. */
static void arp_lb_commit(Sim *sim, Bond *bond, const ArpProposal *prop, const char *reselect)
{
    SlaveLink old[BOND_MAX_SLAVES];
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        old[i] = s->link;
        if (prop[i] == ARP_UP)
            s->link = SLAVE_LINK_UP;
        else if (prop[i] == ARP_DOWN)
            s->link = SLAVE_LINK_DOWN;
    }
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        if (s->link == SLAVE_LINK_UP)
            s->backup = false;
        else if (s->link == SLAVE_LINK_DOWN)
            s->backup = true;
        if (prop[i] == ARP_NO_CHANGE)
            continue;
        if (prop[i] == ARP_UP)
            arp_log_up(sim, bond, s);
        else
            arp_log_down(sim, bond, s, "arp");
        if (bond->ops->link_changed)
            bond->ops->link_changed(sim, bond, s, old[i]);
    }
    bond_update_usable(bond);
    if (reselect)
        bond_select_active(sim, bond, reselect);
    bond_update_carrier(sim, bond);
}

/* Not UP -> UP when fresh(last_tx, 1) and fresh(last_rx, 1); UP -> DOWN when
 * either is not fresh(., M). Raw last_rx; no grace; probes on every slave
 * with carrier. */
static void arp_lb_tick(Sim *sim, Bond *bond, int64_t now)
{
    int m = bond->p.arp_missed_max;
    const Slave *oldcurrent = bond->curr_active;
    ArpProposal prop[BOND_MAX_SLAVES];
    bool changed = false;
    const char *reselect = NULL;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        prop[i] = ARP_NO_CHANGE;
        if (s->link != SLAVE_LINK_UP) {
            if (arp_fresh(bond, now, s->arp_last_tx, 1) && arp_fresh(bond, now, s->arp_last_rx, 1))
                prop[i] = ARP_UP;
            if (prop[i] == ARP_UP && !oldcurrent)
                reselect = "no-active";
        } else if (!arp_fresh(bond, now, s->arp_last_tx, m) ||
                   !arp_fresh(bond, now, s->arp_last_rx, m)) {
            prop[i] = ARP_DOWN;
            s->link_failure_count++;
            if (s == oldcurrent)
                reselect = "arp";
        }
        changed |= prop[i] != ARP_NO_CHANGE;
    }
    if (changed)
        arp_lb_commit(sim, bond, prop, reselect);
    for (int i = 0; i < bond->n_slaves; i++)
        if (nic_carrier(bond->slaves[i].nic))
            arp_send_all(sim, bond, &bond->slaves[i]);
}

/* ---- start and tick ------------------------------------------------------------- */

/* The enslave stamps (6.2): last_rx, per-target stamps and last_tx d + 1
 * jiffies in the past; last_link_up now for every slave not DOWN, "never"
 * for the others. bond_open has taken each slave's link from its carrier
 * (no updelay with ARP). These stamps are fresh(., 1) at the first tick, so
 * a slave enslaved without carrier is proposed UP there, as in the kernel
 * when the bond opens right after the enslave (bondsim enslaves at open). */
void bond_arp_start(Sim *sim, Bond *bond)
{
    uint32_t ms = bond->p.arp_interval_ms;
    g_return_if_fail(ms > 0);
    bond->arp_delta_j = (int64_t)bond_msecs_to_jiffies(ms, sim->hz);
    bond->arp_tick_ps = bond_monitor_tick_ps(ms, sim->hz);
    bond->current_arp_slave = NULL;
    int64_t stamp = arp_now(sim) - (bond->arp_delta_j + 1);
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        s->arp_last_rx = s->arp_last_tx = stamp;
        for (int t = 0; t < BOND_MAX_ARP_TARGETS; t++)
            s->arp_target_rx[t] = stamp;
        s->arp_noted_state = 0;
        s->last_link_up_ps = s->link != SLAVE_LINK_DOWN ? sim->eng.now_ps : UINT64_MAX;
    }
    timer_init(&bond->arp_timer, bond_arp_tick, bond);
    /* bond_open queues the monitor with no delay: first tick now */
    timer_arm(&sim->eng, &bond->arp_timer, sim->eng.now_ps);
}

void bond_arp_tick(Sim *sim, void *obj, void *arg)
{
    Bond *bond = obj;
    int64_t now = arp_now(sim);
    if (bond->n_slaves > 0) {
        if (bond->p.mode == BOND_MODE_AB)
            arp_ab_tick(sim, bond, now);
        else
            arp_lb_tick(sim, bond, now);
        arp_note_forget_changed(bond);
    }
    timer_arm(&sim->eng, &bond->arp_timer, sim->eng.now_ps + bond->arp_tick_ps);
}
