/* monitor_mii.c - the MII link monitor, reference sections 6.1 and 5.3.
 *
 * Tick length: the monitor is delayed work re-armed d = msecs_to_jiffies(
 * miimon) jiffies after it runs; the timer wheel never fires early and rounds
 * the expiry up, so a tick lasts d + 1 jiffies while d < 63 (104 ms for
 * miimon=100 at HZ=250). From 63 jiffies on, the wheel's level granularity is
 * 8^level jiffies and the expiry is rounded up past the next multiple of it
 * (100 ms at HZ=1000 -> 104 jiffies; 1000 ms at HZ=250 -> 256 jiffies). bondsim
 * assumes ticks aligned to that granularity (the bond opens at jiffy 0, and
 * each tick re-arms from an aligned time); the reference marks the level >= 1
 * figures as unverified.
 *
 * Each tick: (1) is a peer notification due, (2) inspect every slave and
 * commit the UP/DOWN changes in slave order, then choose the active slave
 * once if a commit demands it, (3) count the notification counter down,
 * (4) send the notification if it was due. Older kernels count down at the
 * start instead (Sim.legacy_peer_notify; bond.c arms the counter for that
 * rule).
 *
 * Decision where the reference is silent: a FAIL slave whose carrier returns
 * goes back to UP, and a BACK slave whose carrier goes again back to DOWN,
 * without a commit (no event, no mode hook, no reselection, no failure
 * counted), as 6.1's table reads. Current kernels propose UP / DOWN there and
 * run the full commit (hooks, failure count for DOWN, reselection checks);
 * in active-backup that changes nothing observable but the counters.
 */
#include <string.h>

#include "bond/bond.h"
#include "sim.h"
#include "util/units.h"

uint64_t bond_msecs_to_jiffies(uint32_t ms, uint32_t hz)
{
    return ((uint64_t)ms * hz + 999) / 1000;
}

/* Real tick length in jiffies for a delay of d jiffies (see top). */
static uint64_t wheel_expiry_jiffies(uint64_t d)
{
    if (d < 63)
        return d + 1;
    unsigned shift = 3;
    uint64_t start = UINT64_C(63) << 3; /* first delta of the next level */
    while (d >= start && shift < 24) {
        shift += 3;
        start <<= 3;
    }
    return ((d >> shift) + 1) << shift;
}

uint64_t bond_monitor_tick_ps(uint32_t interval_ms, uint32_t hz)
{
    uint64_t j = wheel_expiry_jiffies(bond_msecs_to_jiffies(interval_ms, hz));
    return (j * PS_PER_S + hz / 2) / hz;
}

void bond_mii_start(Sim *sim, Bond *bond)
{
    /* bond_open queues the monitor with no delay: first tick now. */
    timer_arm(&sim->eng, &bond->mii_timer, sim->eng.now_ps);
}

typedef enum { MII_NO_CHANGE = 0, MII_COMMIT_UP, MII_COMMIT_DOWN } MiiCommit;

/* Inspect one slave (table in 6.1). Returns what must be committed. */
static MiiCommit mii_inspect(Bond *bond, Slave *s, bool *ignore_updelay)
{
    bool c = nic_carrier(s->nic);
    switch (s->link) {
    case SLAVE_LINK_UP:
        if (c)
            return MII_NO_CHANGE;
        s->link = SLAVE_LINK_FAIL;
        s->delay = bond->downdelay_ticks;
        /* FAIL rules apply in the same tick */
        G_GNUC_FALLTHROUGH;
    case SLAVE_LINK_FAIL:
        if (c) {
            s->link = SLAVE_LINK_UP; /* back before downdelay ran out */
            return MII_NO_CHANGE;
        }
        if (s->delay <= 0)
            return MII_COMMIT_DOWN;
        s->delay--;
        return MII_NO_CHANGE;
    case SLAVE_LINK_DOWN:
        if (!c)
            return MII_NO_CHANGE;
        s->link = SLAVE_LINK_BACK;
        s->delay = bond->updelay_ticks;
        /* BACK rules apply in the same tick */
        G_GNUC_FALLTHROUGH;
    case SLAVE_LINK_BACK:
        if (!c) {
            s->link = SLAVE_LINK_DOWN;
            return MII_NO_CHANGE;
        }
        if (*ignore_updelay)
            s->delay = 0;
        if (s->delay <= 0) {
            *ignore_updelay = false;
            return MII_COMMIT_UP;
        }
        s->delay--;
        return MII_NO_CHANGE;
    }
    return MII_NO_CHANGE;
}

/* Actions of a commit UP (6.1), the link already set. Returns why the
 * active slave must be chosen again (5.1), or NULL. */
static const char *mii_commit_up(Sim *sim, Bond *bond, Slave *s, SlaveLink old)
{
    s->last_link_up_ps = sim->eng.now_ps;
    if (!bond->ops->uses_primary)
        bond_set_slave_active(bond, s);
    sim_log(sim, SIM_EV_SLAVE_UP, bond->full_name, NULL, sim_intern(sim, s->nic->ifname), "mii");
    bond_note(sim, bond, "bondsim: slave-up %s %s", bond->name, s->nic->ifname);
    if (bond->ops->link_changed)
        bond->ops->link_changed(sim, bond, s, old);
    return bond_up_reselect_reason(bond, s);
}

/* Actions of a commit DOWN (6.1), the link already set. */
static const char *mii_commit_down(Sim *sim, Bond *bond, Slave *s, SlaveLink old)
{
    s->link_failure_count++;
    if (bond->ops->uses_primary)
        bond_set_slave_backup(bond, s);
    sim_log(sim, SIM_EV_SLAVE_DOWN, bond->full_name, sim_intern(sim, s->nic->ifname), NULL,
            "carrier");
    bond_note(sim, bond, "bondsim: slave-down %s %s reason=carrier", bond->name, s->nic->ifname);
    if (bond->ops->link_changed)
        bond->ops->link_changed(sim, bond, s, old);
    return s == bond->curr_active ? "carrier" : NULL;
}

/* 6.1 commit: as the kernel, every new link state is stored first, then each
 * commit's actions run, then the active slave is chosen once (5.1). So the
 * choice sees a slave that comes UP in the very tick the active goes DOWN,
 * instead of falling to "no active slave" in between. */
static void mii_commit(Sim *sim, Bond *bond, const MiiCommit *commit)
{
    SlaveLink old[BOND_MAX_SLAVES];
    for (int i = 0; i < bond->n_slaves; i++) {
        Slave *s = &bond->slaves[i];
        old[i] = s->link;
        if (commit[i] == MII_COMMIT_UP)
            s->link = SLAVE_LINK_UP;
        else if (commit[i] == MII_COMMIT_DOWN)
            s->link = SLAVE_LINK_DOWN;
    }
    const char *reselect = NULL;
    for (int i = 0; i < bond->n_slaves; i++) {
        const char *why = NULL;
        if (commit[i] == MII_COMMIT_UP)
            why = mii_commit_up(sim, bond, &bond->slaves[i], old[i]);
        else if (commit[i] == MII_COMMIT_DOWN)
            why = mii_commit_down(sim, bond, &bond->slaves[i], old[i]);
        if (commit[i] != MII_NO_CHANGE)
            bond_update_usable(bond); /* 1.3: rebuilt at every link change */
        /* the active's failure names the failover */
        if (why && (!reselect || strcmp(why, "carrier") == 0))
            reselect = why;
    }
    if (reselect)
        bond_select_active(sim, bond, reselect);
}

/* Older kernels: count down at the start of the tick, before the commit. */
static void mii_legacy_notify(Sim *sim, Bond *bond)
{
    if (bond->send_peer_notif <= 0 || !bond->carrier || !bond->curr_active)
        return;
    bond->send_peer_notif--;
    if (bond->send_peer_notif % bond->peer_notif_delay_ticks == 0)
        bond_send_peer_notify(sim, bond);
}

void bond_mii_tick(Sim *sim, void *obj, void *arg)
{
    Bond *bond = obj;
    int dprime = bond->peer_notif_delay_ticks;
    bool due = false;
    if (sim->legacy_peer_notify)
        mii_legacy_notify(sim, bond);
    else
        due = bond->send_peer_notif != 0 && bond->send_peer_notif % dprime == 0 && bond->carrier &&
              bond->curr_active;

    /* 6.1: AB with no active slave; modes with a usable array when it is
     * empty; never balance-rr or broadcast */
    bool ignore_updelay = bond->ops->uses_usable
                              ? bond->n_usable == 0
                              : bond->p.mode == BOND_MODE_AB && !bond->curr_active;
    MiiCommit commit[BOND_MAX_SLAVES];
    for (int i = 0; i < bond->n_slaves; i++)
        commit[i] = mii_inspect(bond, &bond->slaves[i], &ignore_updelay);
    mii_commit(sim, bond, commit);
    bond_update_usable(bond);
    bond_update_carrier(sim, bond);

    if (!sim->legacy_peer_notify) {
        if (bond->send_peer_notif)
            bond->send_peer_notif--;
        if (due)
            bond_send_peer_notify(sim, bond);
    }
    timer_arm(&sim->eng, &bond->mii_timer, sim->eng.now_ps + bond->mii_tick_ps);
}
