/* switch.c - learning bridge (see switch.h). */
#include "switch.h"

#include <string.h>

#include "sim.h"
#include "util/units.h"

static void sw_port_rx(Sim *sim, Nic *nic, Frame *f);
static void sw_port_carrier(Sim *sim, Nic *nic, bool up);

Switch *switch_new(Sim *sim, const char *name, int n_ports, uint64_t speed_bps, uint64_t aging_ps)
{
    g_return_val_if_fail(n_ports > 0 && n_ports <= SWITCH_MAX_PORTS, NULL);
    Switch *sw = g_new0(Switch, 1);
    sw->name = g_strdup(name);
    sw->n_ports = n_ports;
    sw->aging_ps = aging_ps ? aging_ps : SWITCH_DEFAULT_AGING_PS;
    for (int i = 0; i < n_ports; i++) {
        /* locally administered MAC per port: 02:5e:<switch>:<port> */
        uint8_t mac[6] = {0x02, 0x5e, 0, (uint8_t)sim->switches->len, 0, (uint8_t)(i + 1)};
        char ifname[16];
        g_snprintf(ifname, sizeof(ifname), "port%d", i + 1);
        Nic *p = nic_new(name, ifname, mac, speed_bps);
        p->rx = sw_port_rx;
        p->on_carrier = sw_port_carrier;
        p->owner = sw;
        p->owner_index = i;
        sw->ports[i] = p;
    }
    return sw;
}

void switch_free(Switch *sw)
{
    if (!sw)
        return;
    for (int i = 0; i < sw->n_ports; i++)
        nic_free(sw->ports[i]);
    g_free(sw->name);
    g_free(sw);
}

Nic *switch_port(Switch *sw, int number)
{
    return number >= 1 && number <= sw->n_ports ? sw->ports[number - 1] : NULL;
}

static inline uint64_t mac_key(const uint8_t *m)
{
    return (((uint64_t)m[0] << 40) | ((uint64_t)m[1] << 32) | ((uint64_t)m[2] << 24) |
            ((uint64_t)m[3] << 16) | ((uint64_t)m[4] << 8) | m[5]) +
           1;
}

static inline uint32_t fdb_slot(uint64_t key)
{
    /* Fibonacci hashing: spreads MACs that differ only in the last byte */
    return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 51) & (SWITCH_FDB_SIZE - 1);
}

/* The slot holding `key`, or the empty slot where it would go. */
static FdbEntry *fdb_find(Switch *sw, uint64_t key)
{
    uint32_t i = fdb_slot(key);
    for (;;) {
        FdbEntry *e = &sw->fdb[i];
        if (e->key == key || e->key == 0)
            return e;
        i = (i + 1) & (SWITCH_FDB_SIZE - 1);
    }
}

static bool fdb_valid(const Switch *sw, const FdbEntry *e, uint64_t now)
{
    return e->key != 0 && e->port >= 0 && now - e->seen_ps < sw->aging_ps;
}

int switch_fdb_lookup(const Switch *sw, const uint8_t mac[6], uint64_t now_ps)
{
    const FdbEntry *e = fdb_find((Switch *)sw, mac_key(mac));
    return fdb_valid(sw, e, now_ps) ? e->port : -1;
}

/* A MAC move is commented for the first 16 on a switch, then every 1000th,
 * so a flapping bond does not bury the capture in comments. */
static const char *sw_move_note(Sim *sim, Switch *sw, const uint8_t *mac, int from, int to)
{
    if (sw->mac_moves > 16 && sw->mac_moves % 1000 != 0)
        return NULL;
    char buf[24];
    return sim_internf(sim, "bondsim: mac-move %s %s port%d->port%d count=%" G_GUINT64_FORMAT,
                       sw->name, units_format_mac(mac, buf, sizeof(buf)), from + 1, to + 1,
                       sw->mac_moves);
}

static const char *sw_learn(Sim *sim, Switch *sw, const uint8_t *src, int port)
{
    if (mac_is_multicast(src))
        return NULL;
    uint64_t now = sim->eng.now_ps;
    FdbEntry *e = fdb_find(sw, mac_key(src));
    const char *note = NULL;
    if (e->key == 0) {
        if (sw->fdb_used >= SWITCH_FDB_SIZE / 2) {
            sw->fdb_full++;
            return NULL;
        }
        sw->fdb_used++;
        e->key = mac_key(src);
    } else if (fdb_valid(sw, e, now) && e->port != port) {
        sw->mac_moves++;
        sw->pc[port].mac_moves_in++;
        note = sw_move_note(sim, sw, src, e->port, port);
    }
    e->port = (int16_t)port;
    e->seen_ps = now;
    return note;
}

static void sw_flood(Sim *sim, Switch *sw, Frame *f, int in_port)
{
    sw->flood_frames++;
    Nic *last = NULL;
    int last_i = -1;
    for (int i = 0; i < sw->n_ports; i++) {
        Nic *p = sw->ports[i];
        if (i == in_port || !nic_carrier(p))
            continue;
        if (last) {
            Frame *c = frame_clone(&sim->pool, f);
            if (!c) {
                last->c.drops[NIC_DROP_POOL]++;
            } else {
                sw->pc[last_i].flooded++;
                nic_xmit(sim, last, c);
            }
        }
        last = p;
        last_i = i;
    }
    if (!last) {
        frame_free(&sim->pool, f);
        return;
    }
    sw->pc[last_i].flooded++;
    nic_xmit(sim, last, f);
}

static void sw_port_rx(Sim *sim, Nic *nic, Frame *f)
{
    Switch *sw = nic->owner;
    int in = nic->owner_index;
    const char *note = sw_learn(sim, sw, f->data + 6, in);
    if (note)
        f->note = sim_note_join(sim, f->note, note);
    const uint8_t *dst = f->data;
    if (mac_is_multicast(dst)) {
        sw_flood(sim, sw, f, in);
        return;
    }
    FdbEntry *e = fdb_find(sw, mac_key(dst));
    if (!fdb_valid(sw, e, sim->eng.now_ps) || !nic_carrier(sw->ports[e->port])) {
        sw_flood(sim, sw, f, in);
        return;
    }
    if (e->port == in) {
        sw->pc[in].filtered++;
        frame_free(&sim->pool, f);
        return;
    }
    sw->pc[e->port].forwarded++;
    nic_xmit(sim, sw->ports[e->port], f);
}

static void sw_port_carrier(Sim *sim, Nic *nic, bool up)
{
    if (up)
        return;
    Switch *sw = nic->owner;
    for (int i = 0; i < SWITCH_FDB_SIZE; i++)
        if (sw->fdb[i].key && sw->fdb[i].port == nic->owner_index)
            sw->fdb[i].port = -1;
}
