/* mode_xor.c - balance-xor (mode 2), reference sections 1.3, 2 and 3.
 *
 * Each frame leaves on usable[xmit_hash % count], the hash taken from the
 * frame's real bytes under xmit_hash_policy (hash.c). The usable array is
 * the common one of bond.c (1.3): in list order, every slave with live
 * carrier, link UP and not backup. So a slave losing carrier leaves it at the
 * carrier event, before any MII tick or downdelay, and most flows move at
 * once (plain modulo, 13.6); it rejoins when its monitor commits it UP.
 * No usable slave: the frame is dropped. An empty array also lets the MII
 * monitor take the first returning slave without updelay (6.1,
 * monitor_mii.c reads uses_usable). No slave is ever inactive (1.4) and all
 * carry the bond MAC (1.5): bond.c does both for every mode without a
 * primary.
 *
 * VLAN tags added above the bond travel out of band in the kernel; bondsim's
 * stack has no VLAN devices, so every frame is hashed as it is, untagged
 * metadata (vlan_oob false, TCI 0).
 *
 * The first frame after the array changed carries a capture comment
 * "bondsim: xor-remap bond0 slaves=2->1 usable=eth1". Cost per frame: one
 * hash and one flag test; the array is compared with the last one seen only
 * after a hook said it may have changed (carrier, link commit, active).
 */
#include "bond/bond.h"

#include "bond/hash.h"
#include "sim.h"

/* The array as the last transmitted frame saw it. */
typedef struct {
    bool dirty;      /* a carrier, link or active change since then */
    int n;           /* count */
    uint32_t slaves; /* bit i: slave i is in it (the array is in list order) */
} XorState;

static XorState *xor_state(Bond *bond)
{
    if (!bond->mode_priv)
        bond->mode_priv = g_new0(XorState, 1);
    return bond->mode_priv;
}

static uint32_t xor_usable_mask(const Bond *bond)
{
    uint32_t mask = 0;
    for (int i = 0; i < bond->n_usable; i++)
        mask |= UINT32_C(1) << bond->usable[i]->index;
    return mask;
}

/* The comment for a changed array (a notable event: formatting is fine). */
static const char *xor_remap_note(Sim *sim, Bond *bond, int old_n)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_string_append_printf(s, "bondsim: xor-remap %s slaves=%d->%d usable=", bond->name, old_n,
                           bond->n_usable);
    for (int i = 0; i < bond->n_usable; i++)
        g_string_append_printf(s, "%s%s", i ? "," : "", bond->usable[i]->nic->ifname);
    if (bond->n_usable == 0)
        g_string_append(s, "none");
    return sim_intern(sim, s->str);
}

/* Once after a hook fired: has the array really changed? */
static void xor_check_remap(Sim *sim, Bond *bond, XorState *x, Frame *f)
{
    x->dirty = false;
    uint32_t mask = xor_usable_mask(bond);
    if (mask == x->slaves)
        return;
    f->note = sim_note_join(sim, f->note, xor_remap_note(sim, bond, x->n));
    x->slaves = mask;
    x->n = bond->n_usable;
}

static Slave *xor_select_tx(Sim *sim, Bond *bond, Frame *f)
{
    XorState *x = xor_state(bond);
    if (G_UNLIKELY(x->dirty))
        xor_check_remap(sim, bond, x, f);
    uint32_t hash = bond_xmit_hash(bond->p.xmit_hash_policy, f->data, f->len, false, 0);
    int i = bond_hash_slave_index(hash, bond->n_usable);
    return i < 0 ? NULL : bond->usable[i];
}

static void xor_mark_dirty(Bond *bond)
{
    xor_state(bond)->dirty = true;
}

static void xor_link_changed(Sim *sim, Bond *bond, Slave *s, SlaveLink old_link)
{
    xor_mark_dirty(bond);
}

static void xor_carrier_changed(Sim *sim, Bond *bond, Slave *s, bool up)
{
    xor_mark_dirty(bond);
}

/* A BACK slave promoted by the active-slave choice (5.1 step 4) changes the
 * array without a link commit. */
static void xor_active_changed(Sim *sim, Bond *bond, Slave *old_active, Slave *new_active)
{
    xor_mark_dirty(bond);
}

/* The array bond_open built is the starting point: no comment for it. */
static void xor_open(Sim *sim, Bond *bond)
{
    XorState *x = xor_state(bond);
    x->dirty = false;
    x->slaves = xor_usable_mask(bond);
    x->n = bond->n_usable;
}

static void xor_free(Bond *bond)
{
    g_clear_pointer(&bond->mode_priv, g_free);
}

const BondModeOps bond_mode_xor_ops = {
    .name = "balance-xor",
    .select_tx = xor_select_tx,
    .link_changed = xor_link_changed,
    .carrier_changed = xor_carrier_changed,
    .open = xor_open,
    .free = xor_free,
    .active_changed = xor_active_changed,
    .uses_primary = false,
    .uses_usable = true,
};
