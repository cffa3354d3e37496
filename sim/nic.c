/* nic.c - NIC transmit queue, link serialisation and propagation (nic.h).
 *
 * Per frame and hop: one event when the last bit leaves (the NIC starts the
 * next frame) and one when it arrives at the far end. The queue is an
 * intrusive FIFO through Frame.next: no allocation.
 */
#include "nic.h"

#include <string.h>

#include "sim.h"

const char *const nic_drop_names[NIC_DROP_COUNT] = {
    [NIC_DROP_QUEUE_FULL] = "queue-full",       [NIC_DROP_NO_CARRIER] = "no-carrier",
    [NIC_DROP_WIRE_LOSS] = "wire-loss",         [NIC_DROP_CUT_IN_FLIGHT] = "cut-in-flight",
    [NIC_DROP_RX_NO_CARRIER] = "rx-no-carrier", [NIC_DROP_POOL] = "no-buffer",
};

Nic *nic_new(const char *owner_name, const char *ifname, const uint8_t mac[6], uint64_t speed_bps)
{
    Nic *nic = g_new0(Nic, 1);
    g_snprintf(nic->name, sizeof(nic->name), "%s/%s", owner_name, ifname);
    g_strlcpy(nic->ifname, ifname, sizeof(nic->ifname));
    memcpy(nic->mac, mac, 6);
    memcpy(nic->perm_mac, mac, 6);
    nic->speed_bps = speed_bps;
    nic->q_limit = NIC_DEFAULT_TXQUEUELEN;
    nic->cap_if = -1;
    return nic;
}

void nic_free(Nic *nic)
{
    g_free(nic);
}

Link *link_new(Sim *sim, Nic *a, Nic *b, uint64_t delay_ps, double loss)
{
    g_return_val_if_fail(!a->link && !b->link && a != b, NULL);
    Link *l = g_new0(Link, 1);
    g_snprintf(l->name, sizeof(l->name), "%s <-> %s", a->name, b->name);
    l->end[0] = a;
    l->end[1] = b;
    l->up = true;
    l->rate_bps = MIN(a->speed_bps, b->speed_bps);
    l->delay_ps = delay_ps;
    l->loss_threshold = loss >= 1.0 ? UINT32_MAX : (uint32_t)(loss * 4294967296.0);
    l->rng = sim_rand_for(sim, l->name);
    a->link = l;
    a->end = 0;
    b->link = l;
    b->end = 1;
    return l;
}

void link_free(Link *link)
{
    if (!link)
        return;
    g_rand_free(link->rng);
    g_free(link);
}

bool nic_carrier(const Nic *nic)
{
    return nic->link && nic->link->up && !nic->phy_down;
}

bool nic_can_queue(const Nic *nic, NicDrop *reason)
{
    if (!nic_carrier(nic)) {
        *reason = NIC_DROP_NO_CARRIER;
        return false;
    }
    if (nic->q_len >= nic->q_limit) {
        *reason = NIC_DROP_QUEUE_FULL;
        return false;
    }
    return true;
}

void nic_drop(Sim *sim, Nic *nic, Frame *f, NicDrop reason)
{
    nic->c.drops[reason]++;
    frame_free(&sim->pool, f);
}

static void nic_arrive(Sim *sim, void *obj, void *arg);
static void nic_tx_done(Sim *sim, void *obj, void *arg);

/* Puts the head of the queue on the wire: capture, count, and schedule both
 * the end of serialisation and the arrival at the far end. */
static void nic_start_tx(Sim *sim, Nic *nic)
{
    Frame *f = nic->q_head;
    nic->q_head = f->next;
    if (!nic->q_head)
        nic->q_tail = NULL;
    nic->q_len--;
    f->next = NULL;
    nic->tx_busy = true;

    Link *l = nic->link;
    sim_capture(sim, nic->cap_if, f, CAPTURE_DIR_OUT, NULL);
    nic->c.tx_frames++;
    nic->c.tx_bytes += f->len;
    uint64_t done = sim->eng.now_ps + frame_tx_time_ps(f->len, l->rate_bps);
    engine_schedule(&sim->eng, done, nic_tx_done, nic, NULL);
    /* loss 1.0 is UINT32_MAX, which g_rand_int can return: lost without a draw */
    if (l->loss_threshold &&
        (l->loss_threshold == UINT32_MAX || g_rand_int(l->rng) < l->loss_threshold)) {
        nic_drop(sim, nic, f, NIC_DROP_WIRE_LOSS);
        return;
    }
    f->wire_gen = l->gen;
    engine_schedule(&sim->eng, done + l->delay_ps, nic_arrive, nic_peer(nic), f);
}

static void nic_tx_done(Sim *sim, void *obj, void *arg)
{
    Nic *nic = obj;
    nic->tx_busy = false;
    if (nic->q_head && nic_carrier(nic))
        nic_start_tx(sim, nic);
}

static void nic_arrive(Sim *sim, void *obj, void *arg)
{
    Nic *nic = obj;
    Frame *f = arg;
    if (f->wire_gen != nic->link->gen) {
        nic_drop(sim, nic, f, NIC_DROP_CUT_IN_FLIGHT);
        return;
    }
    if (!nic_carrier(nic)) {
        nic_drop(sim, nic, f, NIC_DROP_RX_NO_CARRIER);
        return;
    }
    nic->c.rx_frames++;
    nic->c.rx_bytes += f->len;
    sim_capture(sim, nic->cap_if, f, CAPTURE_DIR_IN,
                nic->rx_note ? nic->rx_note(sim, nic, f) : NULL);
    nic->rx(sim, nic, f);
}

bool nic_xmit(Sim *sim, Nic *nic, Frame *f)
{
    NicDrop reason;
    if (!nic_can_queue(nic, &reason)) {
        nic_drop(sim, nic, f, reason);
        return false;
    }
    f->next = NULL;
    if (nic->q_tail)
        nic->q_tail->next = f;
    else
        nic->q_head = f;
    nic->q_tail = f;
    nic->q_len++;
    if (!nic->tx_busy)
        nic_start_tx(sim, nic);
    return true;
}

/* Carrier lost: the queue is flushed (the kernel deactivates the qdisc). */
static void nic_flush_queue(Sim *sim, Nic *nic)
{
    while (nic->q_head) {
        Frame *f = nic->q_head;
        nic->q_head = f->next;
        nic_drop(sim, nic, f, NIC_DROP_NO_CARRIER);
    }
    nic->q_tail = NULL;
    nic->q_len = 0;
}

static void nic_carrier_changed(Sim *sim, Nic *nic, bool was)
{
    bool now = nic_carrier(nic);
    if (now == was)
        return;
    nic->drop_noted = false;
    if (!now)
        nic_flush_queue(sim, nic);
    else if (nic->q_head && !nic->tx_busy)
        nic_start_tx(sim, nic);
    if (nic->on_carrier)
        nic->on_carrier(sim, nic, now);
}

void link_set_up(Sim *sim, Link *link, bool up)
{
    if (link->up == up)
        return;
    bool was0 = nic_carrier(link->end[0]);
    bool was1 = nic_carrier(link->end[1]);
    link->up = up;
    if (!up)
        link->gen++;
    nic_carrier_changed(sim, link->end[0], was0);
    nic_carrier_changed(sim, link->end[1], was1);
}

void nic_set_phy_down(Sim *sim, Nic *nic, bool down)
{
    bool was = nic_carrier(nic);
    nic->phy_down = down;
    if (down && nic->link)
        nic->link->gen++;
    nic_carrier_changed(sim, nic, was);
}
