/* mode_rr.c - balance-rr (mode 0), reference section 4.
 *
 * A counter incremented before use picks the start position `id % slave_cnt`
 * over all slaves (up or down); the first slave from there, wrapping, that can
 * transmit carries the frame. packets_per_slave N > 1 uses id = counter / N
 * (exact division), 0 a random u32 per packet. So the first packet of a new
 * bond leaves on the second slave, and with one of three slaves down the
 * slave after it carries a double share. One counter (one sending context).
 * IGMP is not simulated, so the curr_active_slave rule for IGMP never applies.
 */
#include "bond/bond.h"
#include "sim.h"

static Slave *rr_select_tx(Sim *sim, Bond *bond, Frame *f)
{
    uint32_t id;
    int n = bond->n_slaves;
    if (n == 0)
        return NULL;
    if (bond->p.packets_per_slave == 0)
        id = g_rand_int(bond->rng);
    else if (bond->p.packets_per_slave == 1)
        id = ++bond->rr_counter;
    else
        id = ++bond->rr_counter / (uint32_t)bond->p.packets_per_slave;
    int start = (int)(id % (uint32_t)n);
    for (int i = 0; i < n; i++) {
        Slave *s = &bond->slaves[(start + i) % n];
        if (bond_slave_can_tx(s))
            return s;
    }
    return NULL;
}

static void rr_link_changed(Sim *sim, Bond *bond, Slave *s, SlaveLink old_link)
{
    if (s->link == SLAVE_LINK_UP)
        bond_set_slave_active(bond, s);
}

const BondModeOps bond_mode_rr_ops = {
    .name = "balance-rr",
    .select_tx = rr_select_tx,
    .link_changed = rr_link_changed,
    .carrier_changed = NULL,
    .uses_primary = false,
};
