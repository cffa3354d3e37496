/* mode_ab.c - active-backup (mode 1), reference section 5.
 *
 * Everything leaves on curr_active_slave, even while its carrier is gone and
 * until the monitor commits it DOWN (a downdelay blackhole, 13.7); no active
 * slave means the frame is dropped. The choice and change of the active slave,
 * MAC handling (fail_over_mac) and peer notifications live in bond.c because
 * TLB/ALB share them; the receive filter of backups is the common one (1.4).
 */
#include "bond/bond.h"
#include "sim.h"

static Slave *ab_select_tx(Sim *sim, Bond *bond, Frame *f)
{
    return bond->curr_active;
}

const BondModeOps bond_mode_ab_ops = {
    .name = "active-backup",
    .select_tx = ab_select_tx,
    .link_changed = NULL,
    .carrier_changed = NULL,
    .uses_primary = true,
};
