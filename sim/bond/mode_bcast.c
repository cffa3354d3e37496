/* mode_bcast.c - broadcast (mode 3), reference section 10.
 *
 * Transmit: a copy of the frame on every slave that has carrier and link UP,
 * in list order (live carrier: a slave that lost it is skipped at once,
 * before any monitor tick). As the kernel, every slave but the last gets a
 * clone and the last the frame itself; the bond succeeds when any copy
 * left. No such slave: the frame is dropped (bond drop "no-slave").
 * Receive: no slave is ever inactive (1.4), so every copy that comes back
 * through the switch is delivered; a receiver behind the switch sees each
 * frame once per slave (duplicates, 13.13). No usable array, so no
 * ignore_updelay (6.1).
 *
 * Decisions where the reference is silent:
 *  - the frame itself goes to the last eligible slave whose queue takes it,
 *    clones to the others; a copy refused by its NIC (queue full) or one the
 *    pool cannot supply is counted on that NIC only; the bond counts a drop
 *    ("slave-tx") only when no copy left, as the kernel counts tx_dropped;
 *  - bond_xmit captures the frame on the bond device when select_tx returns,
 *    so in the pcapng the copies on the earlier slaves precede the bond's
 *    record at the same timestamp (the kernel's taps see the bond first).
 */
#include "bond/bond.h"

#include "sim.h"

static bool bcast_slave_up(const Slave *s)
{
    return nic_carrier(s->nic) && s->link == SLAVE_LINK_UP;
}

/* One clone onto `s`, counted on its NIC when it cannot go. */
static void bcast_send_copy(Sim *sim, Slave *s, const Frame *f)
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

static Slave *bcast_select_tx(Sim *sim, Bond *bond, Frame *f)
{
    Slave *up[BOND_MAX_SLAVES];
    int n = 0;
    for (int i = 0; i < bond->n_slaves; i++)
        if (bcast_slave_up(&bond->slaves[i]))
            up[n++] = &bond->slaves[i];
    if (n == 0)
        return NULL;
    /* the frame itself for the last slave that can queue it (normally the
     * last one); if none can, the last, and bond_xmit counts the drop */
    int keep = n - 1;
    NicDrop why;
    while (keep > 0 && !nic_can_queue(up[keep]->nic, &why))
        keep--;
    if (!nic_can_queue(up[keep]->nic, &why))
        keep = n - 1;
    for (int i = 0; i < n; i++)
        if (i != keep)
            bcast_send_copy(sim, up[i], f);
    return up[keep];
}

const BondModeOps bond_mode_bcast_ops = {
    .name = "broadcast",
    .select_tx = bcast_select_tx,
    .link_changed = NULL,
    .carrier_changed = NULL,
    .uses_primary = false,
    .uses_usable = false,
};
