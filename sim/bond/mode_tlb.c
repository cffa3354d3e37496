/* mode_tlb.c - balance-tlb (mode 5), reference section 8, and the machinery
 * balance-alb shares with it (see tlb.h).
 *
 * Transmit: broadcast/multicast destinations and non-IP frames go on the
 * active slave. IPv4/IPv6 unicast with tlb_dynamic_lb=1 is placed by a
 * 256-entry table indexed by the low byte of xmit_hash: a free entry takes
 * the slave able to transmit with the largest gap = speed*2^20 - load*8
 * (first in list order on ties), whose load grows by the entry's
 * load_history. Every 10 s (100 ticks) the table is emptied, each entry
 * keeping load_history = 1 + bytes/10, so the next frames re-place the
 * destinations by last interval's load. With tlb_dynamic_lb=0 the usable
 * array and xmit_hash place the frame, and the tick is not started.
 *
 * MACs: slaves transmit with their own permanent MAC, the active with the
 * bond MAC; at each change of the active the old and new active swap MACs
 * and send learning packets. The receive filter of a TLB slave stays the bond
 * MAC (the kernel changes only dev_addr), an ALB slave's is its MAC; only the
 * active delivers to the bond (inactive filter in bond.c).
 *
 * Decisions where the reference is silent (facts checked against the
 * kernel's bond_alb.c, nothing copied):
 *  - the gap is computed as the kernel does, speed (u32 Mb/s) << 20 and
 *    load (u32 B/s) << 3 in 32 bits before widening, so it wraps from
 *    4096 Mb/s and 512 MB/s: a 25G slave has a smaller gap than a 1G one;
 *  - the speed is that of the link (the slower end), as ethtool reports it;
 *  - the length counted is skb->len, the frame before padding to 60 bytes;
 *  - the source rewrite happens in select_tx; the ops set rewrites_tx, so
 *    bond_xmit captures on bond0 the frame as the stack handed it (bond
 *    MAC), as tcpdump on a real bond0 shows it, and the slave the rewrite;
 *  - learning packets go to every slave, carrier or not; a NIC without
 *    carrier counts them as no-carrier drops, as AB's dead active does;
 *  - the TLB/ALB tick is queued with no delay at open, before the MII tick,
 *    and lasts HZ/10 jiffies + 1 (bond_monitor_tick_ps(100, HZ) at the HZ
 *    values bondsim offers); enslaving orders a rebalance, so the first tick
 *    rebalances (an empty table).
 */
#include "bond/tlb.h"

#include <string.h>

#include "bond/hash.h"
#include "sim.h"
#include "util/bytes.h"

/* ---- state ------------------------------------------------------------------ */

BondLb *bond_lb_state(Bond *bond)
{
    if (!bond->mode_priv) {
        BondLb *lb = g_new0(BondLb, 1);
        lb->rlb = bond->p.mode == BOND_MODE_ALB;
        lb->used_head = RLB_NONE;
        for (int i = 0; i < RLB_TABLE_SIZE; i++)
            lb->rx[i].used_next = lb->rx[i].used_prev = RLB_NONE;
        bond->mode_priv = lb;
    }
    return bond->mode_priv;
}

BondLb *bond_lb(const Bond *bond)
{
    bool lb_mode = bond->p.mode == BOND_MODE_TLB || bond->p.mode == BOND_MODE_ALB;
    return lb_mode ? bond->mode_priv : NULL;
}

void bond_lb_free(Bond *bond)
{
    g_free(bond->mode_priv);
    bond->mode_priv = NULL;
}

int bond_lb_slave_dests(const Bond *bond, const Slave *s)
{
    const BondLb *lb = bond_lb(bond);
    int n = 0;
    for (int i = 0; lb && i < TLB_TABLE_SIZE; i++)
        n += lb->tx[i].slave == s;
    return n;
}

int bond_lb_slave_clients(const Bond *bond, const Slave *s)
{
    const BondLb *lb = bond_lb(bond);
    int n = 0;
    for (int i = 0; lb && i < RLB_TABLE_SIZE; i++)
        n += lb->rx[i].assigned && lb->rx[i].slave == s;
    return n;
}

/* ---- MACs ------------------------------------------------------------------- */

Slave *bond_lb_slave_with_mac(Bond *bond, const uint8_t mac[6], const Slave *skip)
{
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *t = &bond->slaves[i];
        if (t != skip && mac_equal(t->nic->mac, mac))
            return t;
    }
    return NULL;
}

/* bond_alb_init_slave + alb_handle_addr_collision_on_attach: the slaves
 * before `s` are the attached ones. When every permanent MAC is taken the
 * kernel refuses the enslave (EFAULT, "should not have happened"); bondsim
 * cannot refuse here and leaves the bond MAC on the slave. */
void bond_lb_enslave_mac(Bond *bond, Slave *s)
{
    BondLb *lb = bond_lb_state(bond);
    lb->rebalance_counter = TLB_REBALANCE_TICKS; /* "order a rebalance ASAP" */
    lb->rlb_rebalance = lb->rlb;
    memcpy(s->nic->mac, s->perm_mac, 6);
    if (s->index == 0)
        return; /* the first slave: its MAC is the bond's */
    if (!mac_equal(s->perm_mac, bond->mac)) {
        if (!bond_lb_slave_with_mac(bond, s->nic->mac, s))
            return;
        memcpy(s->nic->mac, bond->mac, 6);
    }
    for (int i = 0; i < s->index; i++) {
        const Slave *t = &bond->slaves[i];
        if (!bond_lb_slave_with_mac(bond, t->perm_mac, s)) {
            memcpy(s->nic->mac, t->perm_mac, 6);
            return;
        }
    }
}

static void lb_swap_macs(Slave *a, Slave *b)
{
    uint8_t tmp[6];
    memcpy(tmp, a->nic->mac, 6);
    memcpy(a->nic->mac, b->nic->mac, 6);
    memcpy(b->nic->mac, tmp, 6);
}

void bond_lb_send_learning(Sim *sim, Bond *bond, Slave *s, const uint8_t mac[6], const char *note)
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f) {
        s->nic->c.drops[NIC_DROP_POOL]++;
        return;
    }
    memcpy(f->data, mac, 6);
    memcpy(f->data + 6, mac, 6);
    put_be16(f->data + 12, LB_ETH_P_LOOPBACK);
    memset(f->data + ETH_HLEN, 0, ETH_ZLEN - ETH_HLEN);
    f->len = ETH_ZLEN;
    f->note = note;
    bond_lb_state(bond)->slave[s->index].lp_sent++;
    nic_xmit(sim, s->nic, f);
}

/* alb_fasten_mac_swap: learning packets from each of the two that can
 * transmit, their clients told the new MAC (ALB); a disabled one's MAC is
 * taught on the active (ALB). */
static void lb_fasten_swap(Sim *sim, Bond *bond, Slave *s1, Slave *s2, const char *note)
{
    BondLb *lb = bond_lb_state(bond);
    Slave *two[2] = {s1, s2};
    bool can[2] = {bond_slave_can_tx(s1), bond_slave_can_tx(s2)};
    Slave *disabled = NULL;
    for (int i = 0; i < 2; i++) {
        if (!can[i]) {
            disabled = two[i];
            continue;
        }
        bond_lb_send_learning(sim, bond, two[i], two[i]->nic->mac, note);
        note = NULL;
        if (lb->rlb)
            bond_alb_update_slave_clients(bond, two[i]);
    }
    if (note)
        bond_note(sim, bond, "%s", note);
    if (lb->rlb && can[0] != can[1])
        bond_alb_teach_mac(sim, bond, disabled->nic->mac);
}

/* bond_alb_handle_active_change, called by bond_change_active() once
 * curr_active is the new slave: the new active takes the bond MAC by
 * swapping with the old active, or with whichever slave holds it. */
void bond_lb_active_changed(Sim *sim, Bond *bond, Slave *old_active, Slave *new_active)
{
    BondLb *lb = bond_lb_state(bond);
    if (old_active && lb->promisc) {
        lb->promisc = NULL;
        lb->promisc_counter = 0;
    }
    if (!new_active)
        return;
    Slave *swap = old_active ? old_active : bond_lb_slave_with_mac(bond, bond->mac, NULL);
    if (swap)
        bond_lb_clear_slave(lb, swap, true);
    bond_lb_clear_slave(lb, new_active, true);
    if (!swap) {
        memcpy(new_active->nic->mac, bond->mac, 6);
        bond_lb_send_learning(sim, bond, new_active, bond->mac, NULL);
        return;
    }
    const char *note = NULL;
    if (swap != new_active) {
        lb->mac_swaps++;
        note = sim_internf(sim, "bondsim: mac-swap %s %s<->%s", bond->name, swap->nic->ifname,
                           new_active->nic->ifname);
    }
    lb_swap_macs(swap, new_active);
    lb_fasten_swap(sim, bond, swap, new_active, note);
}

/* ---- the transmit table ------------------------------------------------------- */

uint32_t bond_lb_speed_mbps(const Slave *s)
{
    uint64_t bps = s->nic->link ? s->nic->link->rate_bps : s->nic->speed_bps;
    return (uint32_t)(bps / 1000000u);
}

/* compute_gap, with the kernel's 32-bit shifts (see top). */
static int64_t tlb_gap(const BondLb *lb, const Slave *s)
{
    uint32_t speed = bond_lb_speed_mbps(s) << 20;
    uint32_t load = lb->slave[s->index].load << 3;
    return (int64_t)speed - (int64_t)load;
}

static Slave *tlb_least_loaded(Bond *bond, const BondLb *lb)
{
    Slave *best = NULL;
    int64_t max_gap = INT64_MIN;
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        if (!bond_slave_can_tx(s))
            continue;
        int64_t gap = tlb_gap(lb, s);
        if (max_gap < gap) {
            best = s;
            max_gap = gap;
        }
    }
    return best;
}

Slave *bond_lb_choose_channel(Bond *bond, uint32_t idx, uint32_t len)
{
    BondLb *lb = bond_lb_state(bond);
    TlbEntry *e = &lb->tx[idx & (TLB_TABLE_SIZE - 1)];
    Slave *s = e->slave;
    if (!s) {
        s = tlb_least_loaded(bond, lb);
        if (s) {
            e->slave = s;
            lb->slave[s->index].load += e->load_history;
            lb->slave[s->index].tlb_assignments++;
        }
    }
    if (s)
        e->tx_bytes += len;
    return s;
}

void bond_lb_clear_slave(BondLb *lb, const Slave *s, bool save_load)
{
    for (int i = 0; i < TLB_TABLE_SIZE; i++) {
        TlbEntry *e = &lb->tx[i];
        if (e->slave != s)
            continue;
        if (save_load) {
            e->load_history = 1 + e->tx_bytes / TLB_REBALANCE_INTERVAL_S;
            e->tx_bytes = 0;
        }
        e->slave = NULL;
    }
    lb->slave[s->index].load = 0;
}

/* The periodic rebalance: every entry cleared keeping its load; the active
 * starts with the unbalanced load. The note says what each slave carried. */
static void tlb_rebalance(Sim *sim, Bond *bond, BondLb *lb)
{
    int dests[BOND_MAX_SLAVES] = {0};
    uint32_t rate[BOND_MAX_SLAVES] = {0};
    int total = 0;
    for (int i = 0; i < TLB_TABLE_SIZE; i++) {
        const TlbEntry *e = &lb->tx[i];
        if (!e->slave)
            continue;
        dests[e->slave->index]++;
        rate[e->slave->index] += 1 + e->tx_bytes / TLB_REBALANCE_INTERVAL_S;
        total++;
    }
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        bond_lb_clear_slave(lb, s, true);
        if (s == bond->curr_active) {
            lb->slave[i].load = lb->unbalanced_load / TLB_REBALANCE_INTERVAL_S;
            lb->unbalanced_load = 0;
        }
    }
    lb->rebalances++;
    if (!total)
        return;
    g_autoptr(GString) text = g_string_new(NULL);
    g_string_printf(text, "bondsim: tlb-rebalance %s", bond->name);
    for (int i = 0; i < bond->n_slaves; i++)
        g_string_append_printf(text, " %s.dests=%d %s.Bps=%u", bond->slaves[i].nic->ifname,
                               dests[i], bond->slaves[i].nic->ifname, rate[i]);
    bond_note(sim, bond, "%s", text->str);
}

Slave *bond_lb_hash_slave(Bond *bond, const Frame *f)
{
    uint32_t h = bond_xmit_hash(bond->p.xmit_hash_policy, f->data, f->len, false, 0);
    int i = bond_hash_slave_index(h, bond->n_usable);
    return i < 0 ? NULL : bond->usable[i];
}

uint32_t bond_lb_frame_len(const Frame *f)
{
    uint32_t l = f->len;
    if (f->len < ETH_HLEN)
        return l;
    const uint8_t *net = f->data + ETH_HLEN;
    switch (frame_ethertype(f)) {
    case ETH_P_IP:
        if (f->len >= ETH_HLEN + 20)
            l = ETH_HLEN + get_be16(net + 2);
        break;
    case ETH_P_IPV6:
        if (f->len >= ETH_HLEN + 40)
            l = ETH_HLEN + 40 + get_be16(net + 4);
        break;
    case ETH_P_ARP:
        l = ETH_HLEN + 28;
        break;
    default:
        break;
    }
    return l <= f->len ? l : f->len;
}

/* bond_do_alb_xmit (see tlb.h). */
Slave *bond_lb_xmit_on(Bond *bond, Frame *f, Slave *tx, uint32_t len)
{
    BondLb *lb = bond_lb_state(bond);
    bool dynamic = bond->p.tlb_dynamic_lb != 0;
    if (!tx) {
        tx = bond->curr_active;
        if (dynamic)
            lb->unbalanced_load += len;
    }
    if (tx && bond_slave_can_tx(tx)) {
        if (tx != bond->curr_active)
            memcpy(f->data + 6, tx->nic->mac, 6);
        return tx;
    }
    if (tx && dynamic)
        bond_lb_clear_slave(lb, tx, false);
    return NULL;
}

/* bond_xmit_tlb_slave_get: the hash is taken on the frame as the stack
 * handed it (source = bond MAC), before any source rewrite. */
static Slave *tlb_select_tx(Sim *sim, Bond *bond, Frame *f)
{
    uint32_t len = bond_lb_frame_len(f);
    Slave *tx = NULL;
    if (f->len >= ETH_HLEN && !mac_is_multicast(f->data)) {
        uint16_t type = frame_ethertype(f);
        if (type == ETH_P_IP || type == ETH_P_IPV6) {
            if (bond->p.tlb_dynamic_lb) {
                uint32_t h = bond_xmit_hash(bond->p.xmit_hash_policy, f->data, f->len, false, 0);
                tx = bond_lb_choose_channel(bond, h & 0xff, len);
            } else {
                tx = bond_lb_hash_slave(bond, f);
            }
        }
    }
    return bond_lb_xmit_on(bond, f, tx, len);
}

/* ---- link changes, receive filter ------------------------------------------- */

/* bond_alb_handle_link_change: a slave DOWN loses its destinations (and, in
 * ALB, its clients); a slave UP orders a rebalance at the next tick. */
void bond_lb_link_changed(Sim *sim, Bond *bond, Slave *s, SlaveLink old_link)
{
    BondLb *lb = bond_lb_state(bond);
    if (s->link == SLAVE_LINK_DOWN) {
        bond_lb_clear_slave(lb, s, false);
        if (lb->rlb)
            bond_alb_clear_slave(sim, bond, s);
    } else if (s->link == SLAVE_LINK_UP) {
        lb->rebalance_counter = TLB_REBALANCE_TICKS;
        if (lb->rlb)
            lb->rlb_rebalance = true;
    }
}

/* 1.4 step 1 and the NIC's own filter before it: a unicast frame for another
 * MAC than the slave's filter address never reaches the driver unless the
 * slave is promiscuous (ALB's active after a failure). TLB slaves filter on
 * the bond MAC, ALB slaves on their own. Then ALB snoops ARP on every slave. */
bool bond_lb_rx_hook(Sim *sim, Bond *bond, Slave *s, Frame *f)
{
    BondLb *lb = bond_lb_state(bond);
    if (f->len < ETH_HLEN)
        return false;
    if (!mac_is_multicast(f->data) && lb->promisc != s) {
        const uint8_t *filter = lb->rlb ? s->nic->mac : bond->mac;
        if (!mac_equal(f->data, filter)) {
            lb->slave[s->index].rx_filtered++;
            frame_free(&sim->pool, f);
            return true;
        }
    }
    if (lb->rlb && frame_ethertype(f) == ETH_P_ARP)
        bond_alb_arp_recv(sim, bond, f);
    return false;
}

/* ---- the tick ------------------------------------------------------------------ */

/* bond_alb_monitor: learning packets every lp_interval, the rebalance every
 * 10 s (or at the tick after a slave came up), then ALB's own work. */
static void lb_tick(Sim *sim, void *obj, void *arg)
{
    Bond *bond = obj;
    BondLb *lb = bond_lb_state(bond);
    lb->ticks++;
    lb->rebalance_counter++;
    lb->lp_counter++;
    if (lb->lp_counter >= lb->lp_ticks) {
        for (int i = 0; i < bond->n_slaves; i++) {
            Slave *s = &bond->slaves[i];
            bond_lb_send_learning(sim, bond, s, s->nic->mac, NULL);
        }
        lb->lp_counter = 0;
    }
    if (lb->rebalance_counter >= TLB_REBALANCE_TICKS) {
        tlb_rebalance(sim, bond, lb);
        lb->rebalance_counter = 0;
    }
    if (lb->rlb)
        bond_alb_tick(sim, bond);
    timer_arm(&sim->eng, &lb->timer, sim->eng.now_ps + lb->tick_ps);
}

/* bond_open: the tick runs with dynamic TLB and always in ALB. */
void bond_lb_open(Sim *sim, Bond *bond)
{
    BondLb *lb = bond_lb_state(bond);
    lb->tick_ps = bond_monitor_tick_ps(1000 / LB_TICKS_PER_S, sim->hz);
    lb->lp_ticks = (uint64_t)bond->p.lp_interval_s * LB_TICKS_PER_S;
    timer_init(&lb->timer, lb_tick, bond);
    if (bond->p.tlb_dynamic_lb || lb->rlb)
        timer_arm(&sim->eng, &lb->timer, sim->eng.now_ps);
}

/* uses_usable: the kernel keeps the usable array in TLB/ALB whatever
 * tlb_dynamic_lb (bond_mode_can_use_xmit_hash), so an empty one lets the
 * first returning slave skip updelay (6.1). */
const BondModeOps bond_mode_tlb_ops = {
    .name = "balance-tlb",
    .select_tx = tlb_select_tx,
    .rewrites_tx = true,
    .link_changed = bond_lb_link_changed,
    .carrier_changed = NULL,
    .open = bond_lb_open,
    .free = bond_lb_free,
    .rx_hook = bond_lb_rx_hook,
    .active_changed = bond_lb_active_changed,
    .uses_primary = true,
    .uses_usable = true,
    .inactive_rx_unicast = false,
};
