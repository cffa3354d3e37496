/* mode_alb.c - balance-alb (mode 6), reference section 9: TLB (mode_tlb.c)
 * plus receive load balancing for IPv4 (RLB).
 *
 * Each peer ("client") learns, by ARP, the MAC of the slave it should send
 * to. The client table has 256 entries indexed by the XOR of the client's
 * address bytes. ARP replies the stack sends get the chosen slave's MAC as
 * sender and leave on that slave (new clients round-robin over the fastest
 * slaves able to transmit); ARP requests are broadcast with the bond MAC, so
 * they re-point every peer that hears them to the bond MAC (13.11): the
 * clients concerned are flagged and, 20 ticks after the last request, every
 * flagged client gets two ARP replies from its slave ("updates"), rounds
 * being 21 ticks apart; after a failure or MAC swap three more rounds
 * follow. ARP frames received on any slave are snooped first (1.4 step 1).
 *
 * Transmit: IPv4 (but to broadcast, 255.255.255.255 or IGMP) and IPv6 (but
 * to 33:33:00:00:00:01 or from ::) use the TLB table indexed by the XOR of
 * the destination address bytes (tlb_dynamic_lb=1) or usable[xmit_hash %
 * count]; ARP as above; everything else goes on the active slave.
 *
 * Decisions where the reference is silent (facts checked against the
 * kernel's bond_alb.c, nothing copied):
 *  - the update ARPs bypass the bond (arp_xmit on the slave): they appear in
 *    the slave's capture only and are not counted as bond transmissions;
 *  - frames for the MAC of a failed slave that reach the promiscuous active
 *    are delivered to the bond but not for this host (the kernel marks them
 *    PACKET_OTHERHOST on the slave and IP drops them): only the client
 *    updates restore that traffic;
 *  - a bond with no slave able to transmit assigns no client; its entries
 *    keep no slave until one comes up (rebalance);
 *  - the rewrites happen in select_tx; the ops set rewrites_tx, so
 *    bond_xmit captures on bond0 the frame as the stack handed it (as
 *    tcpdump on a real bond0 shows it) and the slaves the rewritten one;
 *  - VLANs and bridges above the bond are not modelled.
 */
#include "bond/tlb.h"

#include <string.h>

#include "sim.h"
#include "util/bytes.h"
#include "util/units.h"

#define ARP_LEN 28
#define ARP_OP(a) get_be16((a) + 6)
#define ARP_SHA(a) ((a) + 8)
#define ARP_SPA(a) ((a) + 14)
#define ARP_THA(a) ((a) + 18)
#define ARP_TPA(a) ((a) + 24)

static const uint8_t mac_v6_allnodes[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};

static bool mac_zero(const uint8_t *m)
{
    return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0;
}

/* is_valid_ether_addr: unicast and not zero. */
static bool mac_valid(const uint8_t *m)
{
    return !mac_is_multicast(m) && !mac_zero(m);
}

static uint8_t xor_bytes(const uint8_t *p, int n)
{
    uint8_t h = 0;
    for (int i = 0; i < n; i++)
        h ^= p[i];
    return h;
}

/* ---- the client list ------------------------------------------------------- */

/* __rlb_next_rx_slave: the next slave after the last one given, among
 * those able to transmit, preferring the fastest (first on ties). */
static Slave *rlb_next_rx_slave(Bond *bond, BondLb *lb)
{
    Slave *before = NULL, *rx = NULL;
    bool found = false;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        if (!bond_slave_can_tx(s))
            continue;
        if (!found) {
            if (!before || bond_lb_speed_mbps(before) < bond_lb_speed_mbps(s))
                before = s;
        } else if (!rx || bond_lb_speed_mbps(rx) < bond_lb_speed_mbps(s)) {
            rx = s;
        }
        if (s == lb->rx_slave)
            found = true;
    }
    if (!rx || (before && bond_lb_speed_mbps(rx) < bond_lb_speed_mbps(before)))
        rx = before;
    if (rx)
        lb->rx_slave = rx;
    return rx;
}

static void rlb_assign(BondLb *lb, RlbClient *e, Slave *s)
{
    e->slave = s;
    lb->slave[s->index].rlb_assignments++;
}

static void rlb_used_push(BondLb *lb, int idx)
{
    RlbClient *e = &lb->rx[idx];
    e->used_next = lb->used_head;
    e->used_prev = RLB_NONE;
    if (lb->used_head != RLB_NONE)
        lb->rx[lb->used_head].used_prev = idx;
    lb->used_head = idx;
    e->assigned = true;
}

static void rlb_delete(BondLb *lb, int idx)
{
    RlbClient *e = &lb->rx[idx];
    if (idx == lb->used_head)
        lb->used_head = e->used_next;
    if (e->used_prev != RLB_NONE)
        lb->rx[e->used_prev].used_next = e->used_next;
    if (e->used_next != RLB_NONE)
        lb->rx[e->used_next].used_prev = e->used_prev;
    e->used_next = e->used_prev = RLB_NONE;
    e->assigned = false;
    e->slave = NULL;
}

/* ---- client updates ---------------------------------------------------------- */

/* An ARP reply telling the client its slave's MAC for the server address. */
static Frame *rlb_update_frame(Sim *sim, const RlbClient *e)
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    const uint8_t *smac = e->slave->nic->mac;
    memcpy(f->data, e->client_mac, 6);
    memcpy(f->data + 6, smac, 6);
    put_be16(f->data + 12, ETH_P_ARP);
    uint8_t *a = f->data + ETH_HLEN;
    put_be16(a, 1);
    put_be16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, 2);
    memcpy(ARP_SHA(a), smac, 6);
    memcpy(ARP_SPA(a), e->server_ip, 4);
    memcpy(ARP_THA(a), e->client_mac, 6);
    memcpy(ARP_TPA(a), e->client_ip, 4);
    f->len = ETH_HLEN + ARP_LEN;
    frame_pad(f);
    return f;
}

/* rlb_update_client: two ARP replies, sent on the slave directly. */
static void rlb_update_client(Sim *sim, Bond *bond, BondLb *lb, const RlbClient *e)
{
    if (!e->slave || !mac_valid(e->client_mac))
        return;
    char ip[16];
    Nic *nic = e->slave->nic;
    const char *note = sim_internf(sim, "bondsim: alb-update %s client=%s via %s", bond->name,
                                   units_format_ipv4(e->client_ip, ip, sizeof(ip)), nic->ifname);
    for (int i = 0; i < RLB_ARP_BURST; i++) {
        Frame *f = rlb_update_frame(sim, e);
        if (!f) {
            nic->c.drops[NIC_DROP_POOL]++;
            continue;
        }
        f->note = i == 0 ? note : NULL;
        lb->slave[e->slave->index].rlb_updates++;
        nic_xmit(sim, nic, f);
    }
}

/* rlb_update_rx_clients: one round; flags stay while retries remain. */
static void rlb_update_rx_clients(Sim *sim, Bond *bond, BondLb *lb)
{
    for (int i = lb->used_head; i != RLB_NONE; i = lb->rx[i].used_next) {
        RlbClient *e = &lb->rx[i];
        if (!e->ntt)
            continue;
        rlb_update_client(sim, bond, lb, e);
        if (lb->update_retry == 0)
            e->ntt = false;
    }
    lb->update_delay = RLB_UPDATE_DELAY_TICKS;
    lb->update_rounds++;
}

/* rlb_req_update_slave_clients: the slave's MAC changed. */
void bond_alb_update_slave_clients(Bond *bond, const Slave *s)
{
    BondLb *lb = bond_lb_state(bond);
    bool ntt = false;
    for (int i = lb->used_head; i != RLB_NONE; i = lb->rx[i].used_next) {
        RlbClient *e = &lb->rx[i];
        if (e->slave == s && mac_valid(e->client_mac)) {
            e->ntt = true;
            ntt = true;
        }
    }
    if (ntt) {
        lb->rx_ntt = true;
        lb->update_retry = RLB_UPDATE_RETRY;
    }
}

/* rlb_req_update_subnet_clients: a broadcast request from `server_ip` told
 * everyone the bond MAC; re-flag the clients of other slaves. Returns how
 * many were flagged. */
static int rlb_req_update_subnet_clients(Bond *bond, BondLb *lb, const uint8_t *server_ip)
{
    int n = 0;
    for (int i = lb->used_head; i != RLB_NONE; i = lb->rx[i].used_next) {
        RlbClient *e = &lb->rx[i];
        if (!e->slave)
            continue; /* the kernel logs "a client with no channel" */
        if (memcmp(e->server_ip, server_ip, 4) == 0 && !mac_equal(e->slave->nic->mac, bond->mac) &&
            mac_valid(e->client_mac)) {
            e->ntt = true;
            lb->rx_ntt = true;
            n++;
        }
    }
    return n;
}

/* rlb_rebalance: every client round-robin again; moved ones flagged. */
static void rlb_rebalance(Sim *sim, Bond *bond, BondLb *lb)
{
    int moved = 0;
    for (int i = lb->used_head; i != RLB_NONE; i = lb->rx[i].used_next) {
        RlbClient *e = &lb->rx[i];
        Slave *s = rlb_next_rx_slave(bond, lb);
        if (!s || e->slave == s)
            continue;
        rlb_assign(lb, e, s);
        moved++;
        if (!mac_zero(e->client_mac)) {
            e->ntt = true;
            lb->rx_ntt = true;
        }
    }
    if (moved)
        bond_note(sim, bond, "bondsim: alb-rebalance %s moved=%d", bond->name, moved);
}

/* rlb_clear_slave: a failed slave's clients go round-robin elsewhere, with
 * retries; a failed inactive slave's MAC is taught on the active. */
void bond_alb_clear_slave(Sim *sim, Bond *bond, Slave *s)
{
    BondLb *lb = bond_lb_state(bond);
    int moved = 0;
    for (int i = lb->used_head; i != RLB_NONE; i = lb->rx[i].used_next) {
        RlbClient *e = &lb->rx[i];
        if (e->slave != s)
            continue;
        Slave *to = rlb_next_rx_slave(bond, lb);
        if (!to) {
            e->slave = NULL;
            continue;
        }
        rlb_assign(lb, e, to);
        moved++;
        if (mac_valid(e->client_mac)) {
            e->ntt = true;
            lb->rx_ntt = true;
            lb->update_retry = RLB_UPDATE_RETRY;
        }
    }
    if (moved)
        bond_note(sim, bond, "bondsim: alb-clients-moved %s from=%s count=%d", bond->name,
                  s->nic->ifname, moved);
    if (s != bond->curr_active)
        bond_alb_teach_mac(sim, bond, s->nic->mac);
}

/* rlb_teach_disabled_mac_on_primary: the active goes promiscuous (for 10 s)
 * and sends learning packets for `mac`, so the switch sends it there. */
void bond_alb_teach_mac(Sim *sim, Bond *bond, const uint8_t mac[6])
{
    BondLb *lb = bond_lb_state(bond);
    Slave *cur = bond->curr_active;
    if (!cur)
        return;
    const char *note = NULL;
    if (!lb->promisc) {
        lb->promisc = cur;
        note = sim_internf(sim, "bondsim: alb-promisc %s %s on", bond->name, cur->nic->ifname);
    }
    lb->promisc_counter = 0;
    bond_lb_send_learning(sim, bond, cur, mac, note);
}

/* ---- the tick ------------------------------------------------------------------ */

void bond_alb_tick(Sim *sim, Bond *bond)
{
    BondLb *lb = bond_lb_state(bond);
    if (lb->promisc && ++lb->promisc_counter >= RLB_PROMISC_TIMEOUT_TICKS) {
        lb->promisc_counter = 0;
        if (bond->curr_active) {
            bond_note(sim, bond, "bondsim: alb-promisc %s %s off", bond->name,
                      lb->promisc->nic->ifname);
            lb->promisc = NULL;
        }
    }
    if (lb->rlb_rebalance) {
        lb->rlb_rebalance = false;
        rlb_rebalance(sim, bond, lb);
    }
    if (!lb->rx_ntt)
        return;
    if (lb->update_delay) {
        lb->update_delay--;
        return;
    }
    rlb_update_rx_clients(sim, bond, lb);
    if (lb->update_retry)
        lb->update_retry--;
    else
        lb->rx_ntt = false;
}

/* ---- ARP steering (transmit) ------------------------------------------------- */

/* rlb_choose_channel: the client's entry, created or refreshed from an ARP
 * the stack sends (reply or request). A colliding new client evicts the
 * old one, which goes to the active slave and is told so at once. */
static Slave *rlb_choose_channel(Sim *sim, Bond *bond, BondLb *lb, const uint8_t *a, bool *fresh)
{
    int idx = xor_bytes(ARP_TPA(a), 4);
    RlbClient *e = &lb->rx[idx];
    Slave *cur = bond->curr_active;
    *fresh = false;
    if (e->assigned) {
        if (memcmp(e->server_ip, ARP_SPA(a), 4) == 0 && memcmp(e->client_ip, ARP_TPA(a), 4) == 0) {
            if (!mac_is_broadcast(ARP_THA(a)))
                memcpy(e->client_mac, ARP_THA(a), 6);
            memcpy(e->server_mac, ARP_SHA(a), 6);
            if (e->slave)
                return e->slave;
        } else if (cur && e->slave != cur) {
            rlb_assign(lb, e, cur);
            rlb_update_client(sim, bond, lb, e);
        }
    }
    Slave *s = rlb_next_rx_slave(bond, lb);
    if (!s)
        return NULL;
    memcpy(e->server_ip, ARP_SPA(a), 4);
    memcpy(e->client_ip, ARP_TPA(a), 4);
    memcpy(e->client_mac, ARP_THA(a), 6);
    memcpy(e->server_mac, ARP_SHA(a), 6);
    rlb_assign(lb, e, s);
    e->ntt = mac_valid(e->client_mac);
    if (e->ntt)
        lb->rx_ntt = true;
    if (!e->assigned)
        rlb_used_push(lb, idx);
    *fresh = true;
    return s;
}

/* rlb_arp_xmit: only ARPs whose sender MAC is a slave's (the bond's own) are
 * steered. A reply leaves on the client's slave with that slave's MAC as
 * sender; a request keeps the bond MAC as sender, delays the updates and
 * re-flags the clients it has just re-pointed. */
static Slave *alb_arp_xmit(Sim *sim, Bond *bond, BondLb *lb, Frame *f)
{
    if (f->len < ETH_HLEN + ARP_LEN)
        return NULL;
    uint8_t *a = f->data + ETH_HLEN;
    if (!bond_lb_slave_with_mac(bond, ARP_SHA(a), NULL))
        return NULL;
    bool fresh;
    Slave *tx = NULL;
    if (ARP_OP(a) == 2) {
        tx = rlb_choose_channel(sim, bond, lb, a, &fresh);
        if (!tx)
            return NULL;
        memcpy(ARP_SHA(a), tx->nic->mac, 6);
        if (fresh) {
            char ip[16];
            f->note = sim_note_join(
                sim, f->note,
                sim_internf(sim, "bondsim: alb-assign %s client=%s via %s", bond->name,
                            units_format_ipv4(ARP_TPA(a), ip, sizeof(ip)), tx->nic->ifname));
        }
    } else if (ARP_OP(a) == 1) {
        tx = rlb_choose_channel(sim, bond, lb, a, &fresh);
        lb->update_delay = RLB_UPDATE_DELAY_TICKS;
        int n = rlb_req_update_subnet_clients(bond, lb, ARP_SPA(a));
        char ip[16];
        f->note = sim_note_join(sim, f->note,
                                sim_internf(sim, "bondsim: alb-request %s target=%s reflagged=%d",
                                            bond->name,
                                            units_format_ipv4(ARP_TPA(a), ip, sizeof(ip)), n));
    }
    return tx;
}

/* bond_xmit_alb_slave_get + bond_do_alb_xmit. */
static Slave *alb_select_tx(Sim *sim, Bond *bond, Frame *f)
{
    BondLb *lb = bond_lb_state(bond);
    uint32_t len = bond_lb_frame_len(f);
    const uint8_t *key = NULL;
    int key_len = 0;
    Slave *tx = NULL;
    const uint8_t *net = f->data + ETH_HLEN;
    switch (f->len >= ETH_HLEN ? frame_ethertype(f) : 0) {
    case ETH_P_IP:
        if (mac_is_broadcast(f->data) || f->len < ETH_HLEN + 20)
            break;
        if (get_be32(net + 16) == 0xffffffffu || net[9] == 2 /* IGMP */)
            break;
        key = net + 16;
        key_len = 4;
        break;
    case ETH_P_IPV6: {
        static const uint8_t any[16] = {0};
        if (mac_is_broadcast(f->data) || mac_equal(f->data, mac_v6_allnodes) ||
            f->len < ETH_HLEN + 40 || memcmp(net + 8, any, 16) == 0) /* DAD: from :: */
            break;
        key = net + 24;
        key_len = 16;
        break;
    }
    case ETH_P_ARP:
        tx = alb_arp_xmit(sim, bond, lb, f);
        break;
    default:
        break;
    }
    if (key) {
        if (bond->p.tlb_dynamic_lb)
            tx = bond_lb_choose_channel(bond, xor_bytes(key, key_len), len);
        else
            tx = bond_lb_hash_slave(bond, f);
    }
    return bond_lb_xmit_on(bond, f, tx, len);
}

/* ---- ARP snooping (receive) ----------------------------------------------------- */

/* rlb_arp_recv: entries whose server address another MAC now claims are
 * dropped; a reply from a known client with a new MAC updates it. */
void bond_alb_arp_recv(Sim *sim, Bond *bond, const Frame *f)
{
    BondLb *lb = bond_lb_state(bond);
    if (f->len < ETH_HLEN + ARP_LEN)
        return;
    const uint8_t *a = f->data + ETH_HLEN;
    for (int i = 0; i < RLB_TABLE_SIZE; i++) {
        RlbClient *e = &lb->rx[i];
        if (e->assigned && memcmp(e->server_ip, ARP_SPA(a), 4) == 0 &&
            !mac_equal(e->server_mac, ARP_SHA(a)))
            rlb_delete(lb, i);
    }
    if (ARP_OP(a) != 2)
        return;
    RlbClient *e = &lb->rx[xor_bytes(ARP_SPA(a), 4)];
    if (e->assigned && memcmp(e->server_ip, ARP_TPA(a), 4) == 0 &&
        memcmp(e->client_ip, ARP_SPA(a), 4) == 0 && !mac_equal(e->client_mac, ARP_SHA(a))) {
        memcpy(e->client_mac, ARP_SHA(a), 6);
        e->ntt = true;
        lb->rx_ntt = true;
    }
}

const BondModeOps bond_mode_alb_ops = {
    .name = "balance-alb",
    .select_tx = alb_select_tx,
    .rewrites_tx = true,
    .link_changed = bond_lb_link_changed,
    .carrier_changed = NULL,
    .open = bond_lb_open,
    .free = bond_lb_free,
    .rx_hook = bond_lb_rx_hook,
    .active_changed = bond_lb_active_changed,
    .uses_primary = true,
    .uses_usable = true,
    .inactive_rx_unicast = true,
};
