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
 *  - select_tx only chooses: the clones named in bond->tx_copies go out
 *    after bond_xmit has captured the frame on the bond device, so the
 *    bond's record comes first, as the kernel's taps see it.
 */
#include "bond/bond.h"

#include "sim.h"

static bool bcast_slave_up(const Slave *s)
{
    return nic_carrier(s->nic) && s->link == SLAVE_LINK_UP;
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
    /* the clones go out after the bond's capture, in list order */
    for (int i = 0; i < n; i++)
        if (i != keep)
            bond->tx_copies[bond->n_tx_copies++] = up[i];
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
