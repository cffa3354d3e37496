/* switch.c - learning bridge (see switch.h). */
#include "switch.h"

#include <string.h>

#include "lacp/lacp.h"
#include "sim.h"
#include "util/bytes.h"
#include "util/units.h"

/* Switches' default LACP system and port priority (Cisco, Arista, Juniper
 * all ship 32768; Linux uses 65535 and 255). */
#define SWITCH_LACP_PRIO 32768

GQuark switch_error_quark(void)
{
    return g_quark_from_static_string("bondsim-switch-error-quark");
}

static void sw_port_rx(Sim *sim, Nic *nic, Frame *f);
static void sw_port_carrier(Sim *sim, Nic *nic, bool up);
static const char *sw_port_rx_note(Sim *sim, Nic *nic, Frame *f);

Switch *switch_new(Sim *sim, const char *name, int n_ports, uint64_t speed_bps, uint64_t aging_ps)
{
    g_return_val_if_fail(n_ports > 0 && n_ports <= SWITCH_MAX_PORTS, NULL);
    Switch *sw = g_new0(Switch, 1);
    sw->name = g_strdup(name);
    sw->n_ports = n_ports;
    sw->aging_ps = aging_ps ? aging_ps : SWITCH_DEFAULT_AGING_PS;
    sw->ordinal = (int)sim->switches->len;
    for (int i = 0; i < SWITCH_MAX_PORTS; i++) {
        sw->chan_of[i] = -1;
        sw->member_of[i] = -1;
    }
    const uint8_t sys[6] = {0x02, 0x5e, 0, (uint8_t)sw->ordinal, 0, 0};
    memcpy(sw->lacp_system, sys, 6);
    sw->lacp_sys_prio = SWITCH_LACP_PRIO;
    for (int i = 0; i < n_ports; i++) {
        /* locally administered MAC per port: 02:5e:<switch>:<port> */
        uint8_t mac[6] = {0x02, 0x5e, 0, (uint8_t)sim->switches->len, 0, (uint8_t)(i + 1)};
        char ifname[16];
        g_snprintf(ifname, sizeof(ifname), "port%d", i + 1);
        Nic *p = nic_new(name, ifname, mac, speed_bps);
        p->rx = sw_port_rx;
        p->on_carrier = sw_port_carrier;
        p->rx_note = sw_port_rx_note;
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
    timer_cancel(&sw->lacp_timer);
    for (int c = 0; c < sw->n_chan; c++)
        lacp_system_free(sw->chan[c].lacp);
    for (int i = 0; i < sw->n_ports; i++)
        nic_free(sw->ports[i]);
    g_free(sw->vs);
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

/* ---- port-channels ------------------------------------------------------- */

static const char *const sw_hash_names[SWITCH_HASH_COUNT] = {
    [SWITCH_HASH_SRC_MAC] = "src-mac",           [SWITCH_HASH_DST_MAC] = "dst-mac",
    [SWITCH_HASH_SRC_DST_MAC] = "src-dst-mac",   [SWITCH_HASH_SRC_DST_IP] = "src-dst-ip",
    [SWITCH_HASH_SRC_DST_PORT] = "src-dst-port",
};

const char *switch_hash_name(SwitchHash hash)
{
    g_return_val_if_fail(hash < SWITCH_HASH_COUNT, "?");
    return sw_hash_names[hash];
}

gboolean switch_hash_parse(const char *s, SwitchHash *out)
{
    for (int i = 0; i < SWITCH_HASH_COUNT; i++)
        if (strcmp(s, sw_hash_names[i]) == 0) {
            *out = (SwitchHash)i;
            return TRUE;
        }
    return FALSE;
}

/* Refuses what switch_add_channel refuses; marks the members in `taken`. */
static gboolean sw_check_channel(const Switch *sw, const char *name, const int *ports, int n,
                                 bool *taken, GError **error)
{
    if (!*name || strlen(name) >= sizeof(sw->chan[0].name))
        return g_set_error(error, SWITCH_ERROR, 0,
                           "channel name '%s' must have 1 to %zu characters", name,
                           sizeof(sw->chan[0].name) - 1),
               FALSE;
    if (sw->vs)
        return g_set_error(error, SWITCH_ERROR, 0,
                           "a cloud virtual switch (profile %s) has no port-channels",
                           sw->vs->profile->name),
               FALSE;
    if (sw->n_chan >= SWITCH_MAX_CHANNELS)
        return g_set_error(error, SWITCH_ERROR, 0, "more than %d port-channels",
                           SWITCH_MAX_CHANNELS),
               FALSE;
    if (n < 1 || n > SWITCH_MAX_MEMBERS)
        return g_set_error(error, SWITCH_ERROR, 0,
                           "a port-channel has 1 to %d member ports, not %d", SWITCH_MAX_MEMBERS,
                           n),
               FALSE;
    for (int c = 0; c < sw->n_chan; c++)
        if (strcmp(sw->chan[c].name, name) == 0)
            return g_set_error(error, SWITCH_ERROR, 0, "port-channel '%s' is defined twice", name),
                   FALSE;
    for (int i = 0; i < n; i++) {
        if (ports[i] < 1 || ports[i] > sw->n_ports)
            return g_set_error(error, SWITCH_ERROR, 0, "port %d does not exist (ports 1-%d)",
                               ports[i], sw->n_ports),
                   FALSE;
        int c = sw->chan_of[ports[i] - 1];
        if (c >= 0)
            return g_set_error(error, SWITCH_ERROR, 0, "port %d is already in port-channel %s",
                               ports[i], sw->chan[c].name),
                   FALSE;
        if (taken[ports[i] - 1])
            return g_set_error(error, SWITCH_ERROR, 0, "port %d is given twice", ports[i]), FALSE;
        taken[ports[i] - 1] = true;
    }
    return TRUE;
}

static void sw_lacp_attach(Sim *sim, Switch *sw, SwitchChannel *ch);

gboolean switch_add_channel(Sim *sim, Switch *sw, const char *name, const int *ports, int n,
                            const SwitchChanConfig *cfg, GError **error)
{
    g_return_val_if_fail(sim && sw && name && ports && cfg, FALSE);
    g_return_val_if_fail(cfg->hash < SWITCH_HASH_COUNT, FALSE);
    bool taken[SWITCH_MAX_PORTS] = {false};
    if (!sw_check_channel(sw, name, ports, n, taken, error))
        return FALSE;
    SwitchChannel *ch = &sw->chan[sw->n_chan];
    memset(ch, 0, sizeof(*ch));
    g_strlcpy(ch->name, name, sizeof(ch->name));
    ch->cfg = *cfg;
    ch->sim = sim;
    ch->sw = sw;
    for (int p = 0; p < sw->n_ports; p++)
        if (taken[p]) {
            sw->member_of[p] = (int8_t)ch->n_members;
            ch->members[ch->n_members++] = (int16_t)p;
            sw->chan_of[p] = (int16_t)sw->n_chan;
        }
    ch->dirty = true;
    ch->last_n_active = -1;
    sw->n_chan++;
    if (cfg->mode == SWITCH_CHAN_LACP)
        sw_lacp_attach(sim, sw, ch);
    return TRUE;
}

int switch_port_channel(const Switch *sw, int number)
{
    return number >= 1 && number <= sw->n_ports ? sw->chan_of[number - 1] : -1;
}

bool switch_mac_is_link_local(const uint8_t dst[6])
{
    return dst[0] == 0x01 && dst[1] == 0x80 && dst[2] == 0xc2 && dst[3] == 0 && dst[4] == 0 &&
           (dst[5] & 0xf0) == 0;
}

/* The switch's hash. Real switches hash a few header fields into a small
 * number of buckets; bondsim does the same in the open, with no claim to
 * match any vendor's bits:
 *
 *   MAC32(m)     = (m[0..1] as big-endian u16) ^ (m[2..5] as big-endian u32)
 *   IP(v4)       = the address as a big-endian u32;
 *   IP(v6)       = XOR of its four big-endian u32 words
 *   src-mac      k = MAC32(src)
 *   dst-mac      k = MAC32(dst)
 *   src-dst-mac  k = MAC32(src) ^ MAC32(dst)
 *   src-dst-ip   k = IP(src) ^ IP(dst) for IPv4 and IPv6, else src-dst-mac
 *   src-dst-port k = sport << 16 | dport for TCP, UDP and SCTP (not for a
 *                IPv4 fragment, nor behind IPv6 extension headers), else
 *                src-dst-ip (which falls back to src-dst-mac)
 *   result       h = k ^ k >> 16; h ^= h >> 8; h & 0xff  (8-bit bucket)
 *
 * The member is active[h % n_active]. Only the untagged EtherType at offset
 * 12 is looked at (a frame with an in-frame VLAN tag hashes as non-IP). */
static uint32_t sw_mac32(const uint8_t *m)
{
    return (uint32_t)get_be16(m) ^ get_be32(m + 2);
}

/* IP(src) ^ IP(dst) and the L4 protocol and offset; false if not IP. */
static bool sw_ip_key(const uint8_t *f, uint32_t len, uint32_t *k, uint8_t *proto, uint32_t *l4_off)
{
    uint16_t type = get_be16(f + 12);
    const uint8_t *ip = f + ETH_HLEN;
    if (type == ETH_P_IP && len >= ETH_HLEN + 20 && (ip[0] >> 4) == 4) {
        uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
        *k = get_be32(ip + 12) ^ get_be32(ip + 16);
        bool frag = (get_be16(ip + 6) & 0x3fff) != 0; /* MF or offset */
        *proto = frag || ihl < 20 ? 0 : ip[9];
        *l4_off = ETH_HLEN + ihl;
        return true;
    }
    if (type == ETH_P_IPV6 && len >= ETH_HLEN + 40 && (ip[0] >> 4) == 6) {
        *k = 0;
        for (int w = 0; w < 8; w++)
            *k ^= get_be32(ip + 8 + 4 * w);
        *proto = ip[6];
        *l4_off = ETH_HLEN + 40;
        return true;
    }
    return false;
}

uint32_t switch_hash(SwitchHash hash, const uint8_t *frame, uint32_t len)
{
    g_return_val_if_fail(frame && hash < SWITCH_HASH_COUNT, 0);
    if (len < ETH_HLEN)
        return 0;
    uint32_t k = 0, l4 = 0;
    uint8_t proto = 0;
    switch (hash) {
    case SWITCH_HASH_SRC_MAC:
        k = sw_mac32(frame + 6);
        break;
    case SWITCH_HASH_DST_MAC:
        k = sw_mac32(frame);
        break;
    case SWITCH_HASH_SRC_DST_PORT:
        if (sw_ip_key(frame, len, &k, &proto, &l4) && (proto == 6 || proto == 17 || proto == 132) &&
            len >= l4 + 4) {
            k = (uint32_t)get_be16(frame + l4) << 16 | get_be16(frame + l4 + 2);
            break;
        }
        /* fall through */
    case SWITCH_HASH_SRC_DST_IP:
        if (sw_ip_key(frame, len, &k, &proto, &l4))
            break;
        /* fall through */
    default:
        k = sw_mac32(frame + 6) ^ sw_mac32(frame);
        break;
    }
    uint32_t h = k ^ (k >> 16);
    h ^= h >> 8;
    return h & 0xff;
}

/* Rebuilds active[]: members with carrier (and, in an LACP channel,
 * collecting+distributing), in port order. A change after the first build
 * is commented on the next frame out of the channel. */
static void sw_chan_rebuild(Sim *sim, Switch *sw, SwitchChannel *ch)
{
    ch->dirty = false;
    ch->n_active = 0;
    for (int i = 0; i < ch->n_members; i++)
        if (nic_carrier(sw->ports[ch->members[i]]) &&
            (!ch->lacp || lacp_port_distributing(ch->lacp, i)))
            ch->active[ch->n_active++] = ch->members[i];
    if (ch->last_n_active >= 0 && ch->last_n_active != ch->n_active) {
        ch->remaps++;
        GString *act = g_string_new(NULL);
        for (int i = 0; i < ch->n_active; i++)
            g_string_append_printf(act, "%sport%d", i ? "," : "", ch->active[i] + 1);
        ch->remap_note = sim_internf(sim, "bondsim: lag-remap %s %s members=%d->%d active=%s",
                                     sw->name, ch->name, ch->last_n_active, ch->n_active,
                                     ch->n_active ? act->str : "none");
        g_string_free(act, TRUE);
    }
    ch->last_n_active = ch->n_active;
}

static inline SwitchChannel *sw_chan(Sim *sim, Switch *sw, int c)
{
    SwitchChannel *ch = &sw->chan[c];
    if (ch->dirty)
        sw_chan_rebuild(sim, sw, ch);
    return ch;
}

/* The member a frame leaves channel `ch` on, or -1 if none is active. */
static int sw_chan_pick(const SwitchChannel *ch, const Frame *f)
{
    if (ch->n_active == 0)
        return -1;
    return ch->active[switch_hash(ch->cfg.hash, f->data, f->len) % (uint32_t)ch->n_active];
}

/* Sends `f` out of member `port` of a channel, with the pending remap note. */
static void sw_chan_xmit(Sim *sim, SwitchChannel *ch, Nic *port, Frame *f)
{
    if (ch->remap_note) {
        f->note = sim_note_join(sim, f->note, ch->remap_note);
        ch->remap_note = NULL;
    }
    nic_xmit(sim, port, f);
}

/* ---- LACP channels ------------------------------------------------------------ */

/* LacpCallbacks.tx: an LACPDU or marker response out of a member, carrying
 * the member's pending milestone comments. */
static void sw_lacp_tx(void *ctx, int member, const uint8_t *bytes, size_t len)
{
    SwitchChannel *ch = ctx;
    Sim *sim = ch->sim;
    Nic *nic = ch->sw->ports[ch->members[member]];
    Frame *f = frame_alloc(&sim->pool);
    if (!f) {
        nic->c.drops[NIC_DROP_POOL]++;
        return;
    }
    memcpy(f->data, bytes, len);
    f->len = (uint32_t)len;
    f->note = ch->lacp_note[member];
    ch->lacp_note[member] = NULL;
    nic_xmit(sim, nic, f);
}

/* LacpCallbacks.event: the member's traffic role may change (active[] is
 * rebuilt at the next frame); milestones become comments on its next
 * LACPDU: "bondsim: lacp sw1 port1 collecting-distributing channel=po1". */
static void sw_lacp_event(void *ctx, int member, LacpEvent ev)
{
    SwitchChannel *ch = ctx;
    ch->dirty = true;
    if (member < 0 || ev == LACP_EV_AGG_JOIN || ev == LACP_EV_ACTIVE_AGG ||
        ev == LACP_EV_PORT_ENABLED || ev == LACP_EV_PORT_DISABLED)
        return; /* every selection, or said by the others: too chatty */
    const char *text = sim_internf(ch->sim, "bondsim: lacp %s port%d %s channel=%s", ch->sw->name,
                                   ch->members[member] + 1, lacp_event_names[ev], ch->name);
    ch->lacp_note[member] = sim_note_join(ch->sim, ch->lacp_note[member], text);
}

/* Tells the channel's LACP system a member's carrier: a switch port has no
 * link monitor, so the link is committed at once, at the cable's speed. */
static void sw_lacp_link(Switch *sw, SwitchChannel *ch, int port)
{
    Nic *nic = sw->ports[port];
    bool up = nic_carrier(nic);
    uint64_t speed = nic->link ? nic->link->rate_bps : nic->speed_bps;
    lacp_port_carrier(ch->lacp, sw->member_of[port], up);
    lacp_port_link(ch->lacp, sw->member_of[port], up, speed, true);
}

/* The AD tick of every LACP channel. The first, at time 0, opens the
 * machines and reads the members' links (cables are laid after the switch
 * is built, with no carrier event). */
static void sw_lacp_tick(Sim *sim, void *obj, void *arg)
{
    (void)arg;
    Switch *sw = obj;
    for (int c = 0; c < sw->n_chan; c++) {
        SwitchChannel *ch = &sw->chan[c];
        if (!ch->lacp)
            continue;
        if (!sw->lacp_open) {
            lacp_system_open(ch->lacp);
            for (int i = 0; i < ch->n_members; i++)
                sw_lacp_link(sw, ch, ch->members[i]);
        }
        lacp_tick(ch->lacp);
    }
    sw->lacp_open = true;
    timer_arm(&sim->eng, &sw->lacp_timer, sim->eng.now_ps + lacp_tick_ps(sim->hz));
}

/* Port numbers in LACPDUs: ordinal * 256 + port, so two switches of an
 * MC-LAG pair never present the same port. Key: the channel's number. */
static void sw_lacp_attach(Sim *sim, Switch *sw, SwitchChannel *ch)
{
    LacpConfig cfg = {
        .sys_prio = sw->lacp_sys_prio,
        .user_port_key = (uint16_t)sw->n_chan, /* this channel's index + 1 */
        .lacp_active = ch->cfg.lacp_active,
        .lacp_fast = ch->cfg.lacp_fast,
        .ad_select = LACP_SELECT_STABLE,
    };
    memcpy(cfg.system, sw->lacp_system, 6);
    LacpCallbacks cb = {.ctx = ch, .tx = sw_lacp_tx, .event = sw_lacp_event};
    ch->lacp = lacp_system_new(&cfg, &cb);
    for (int i = 0; i < ch->n_members; i++) {
        Nic *nic = sw->ports[ch->members[i]];
        lacp_port_add(ch->lacp, nic->perm_mac,
                      (uint16_t)(sw->ordinal * SWITCH_MAX_PORTS + ch->members[i] + 1),
                      SWITCH_LACP_PRIO);
    }
    if (!sw->lacp_timer.fn) {
        timer_init(&sw->lacp_timer, sw_lacp_tick, sw);
        timer_arm(&sim->eng, &sw->lacp_timer, sim->eng.now_ps);
    }
}

void switch_set_lacp_system(Switch *sw, uint16_t prio, const uint8_t mac[6])
{
    g_return_if_fail(sw && mac && prio > 0 && !sw->lacp_timer.fn);
    sw->lacp_sys_prio = prio;
    memcpy(sw->lacp_system, mac, 6);
}

/* ---- learning and forwarding --------------------------------------------- */

/* Forwarding-table destination of a port: its channel's, or the port. */
static inline int sw_dest_of_port(const Switch *sw, int port)
{
    int c = sw->chan_of[port];
    return c < 0 ? port : SWITCH_CHANNEL_ID(c);
}

/* "port3" or the channel's name, into `buf`. */
static const char *sw_dest_name(const Switch *sw, int dest, char *buf, size_t size)
{
    if (dest >= SWITCH_MAX_PORTS)
        return sw->chan[dest - SWITCH_MAX_PORTS].name;
    g_snprintf(buf, size, "port%d", dest + 1);
    return buf;
}

/* Full table: drops the entries aged out or flushed and rehashes the others
 * (open addressing has no cheap delete). O(table), and only when a new
 * source finds the table full and some entry may have become invalid since
 * the last compaction (fdb_recheck_ps: the earliest time a kept entry ages
 * out; a flush resets it), so a table full of live entries costs nothing
 * per frame. */
static void fdb_compact(Switch *sw, uint64_t now)
{
    if (now < sw->fdb_recheck_ps)
        return;
    g_autofree FdbEntry *keep = g_new(FdbEntry, sw->fdb_used);
    int n = 0;
    uint64_t recheck = UINT64_MAX;
    for (int i = 0; i < SWITCH_FDB_SIZE; i++)
        if (fdb_valid(sw, &sw->fdb[i], now)) {
            keep[n++] = sw->fdb[i];
            uint64_t seen = sw->fdb[i].seen_ps;
            uint64_t ages = sw->aging_ps > UINT64_MAX - seen ? UINT64_MAX : seen + sw->aging_ps;
            recheck = MIN(recheck, ages);
        }
    memset(sw->fdb, 0, sizeof sw->fdb);
    for (int i = 0; i < n; i++)
        *fdb_find(sw, keep[i].key) = keep[i];
    sw->fdb_used = n;
    sw->fdb_recheck_ps = recheck;
}

/* A MAC move is commented for the first 16 on a switch, then every 1000th,
 * so a flapping bond does not bury the capture in comments. */
static const char *sw_move_note(Sim *sim, Switch *sw, const uint8_t *mac, int from, int to)
{
    if (sw->mac_moves > 16 && sw->mac_moves % 1000 != 0)
        return NULL;
    char buf[24], a[16], b[16];
    return sim_internf(sim, "bondsim: mac-move %s %s %s->%s count=%" G_GUINT64_FORMAT, sw->name,
                       units_format_mac(mac, buf, sizeof(buf)),
                       sw_dest_name(sw, from, a, sizeof(a)), sw_dest_name(sw, to, b, sizeof(b)),
                       sw->mac_moves);
}

/* Learns `src` on destination `dest` (a port or a channel) of a frame that
 * came in on `port`. */
static const char *sw_learn(Sim *sim, Switch *sw, const uint8_t *src, int dest, int port)
{
    if (mac_is_multicast(src))
        return NULL;
    uint64_t now = sim->eng.now_ps;
    FdbEntry *e = fdb_find(sw, mac_key(src));
    const char *note = NULL;
    if (e->key == 0) {
        if (sw->fdb_used >= SWITCH_FDB_SIZE / 2) {
            fdb_compact(sw, now);
            e = fdb_find(sw, mac_key(src));
        }
        if (sw->fdb_used >= SWITCH_FDB_SIZE / 2) {
            sw->fdb_full++;
            return NULL;
        }
        sw->fdb_used++;
        e->key = mac_key(src);
    } else if (fdb_valid(sw, e, now) && e->port != dest) {
        sw->mac_moves++;
        sw->pc[port].mac_moves_in++;
        note = sw_move_note(sim, sw, src, e->port, dest);
    }
    e->port = (int16_t)dest;
    e->seen_ps = now;
    return note;
}

/* Whether flooding sends a copy out of `port`: carrier, not the ingress
 * destination, and for a channel member, the member the hash picks. */
static bool sw_flood_to(Sim *sim, Switch *sw, const Frame *f, int port, int in_dest)
{
    if (sw_dest_of_port(sw, port) == in_dest || !nic_carrier(sw->ports[port]))
        return false;
    int c = sw->chan_of[port];
    return c < 0 || sw_chan_pick(sw_chan(sim, sw, c), f) == port;
}

static void sw_flood_send(Sim *sim, Switch *sw, int port, Frame *f)
{
    sw->pc[port].flooded++;
    int c = sw->chan_of[port];
    if (c >= 0)
        sw_chan_xmit(sim, &sw->chan[c], sw->ports[port], f);
    else
        nic_xmit(sim, sw->ports[port], f);
}

static void sw_flood(Sim *sim, Switch *sw, Frame *f, int in_dest)
{
    sw->flood_frames++;
    int last = -1;
    for (int i = 0; i < sw->n_ports; i++) {
        if (!sw_flood_to(sim, sw, f, i, in_dest))
            continue;
        if (last >= 0) {
            Frame *c = frame_clone(&sim->pool, f);
            if (!c)
                sw->ports[last]->c.drops[NIC_DROP_POOL]++;
            else
                sw_flood_send(sim, sw, last, c);
        }
        last = i;
    }
    if (last < 0) {
        frame_free(&sim->pool, f);
        return;
    }
    sw_flood_send(sim, sw, last, f);
}

/* Whether a learned destination can take frames now. */
static bool sw_dest_up(Sim *sim, Switch *sw, int dest)
{
    if (dest < SWITCH_MAX_PORTS)
        return nic_carrier(sw->ports[dest]);
    return sw_chan(sim, sw, dest - SWITCH_MAX_PORTS)->n_active > 0;
}

/* Known unicast to `dest`: the port, or the member the channel's hash picks. */
static void sw_forward(Sim *sim, Switch *sw, Frame *f, int dest)
{
    if (dest < SWITCH_MAX_PORTS) {
        sw->pc[dest].forwarded++;
        nic_xmit(sim, sw->ports[dest], f);
        return;
    }
    SwitchChannel *ch = sw_chan(sim, sw, dest - SWITCH_MAX_PORTS);
    int port = sw_chan_pick(ch, f);
    g_assert(port >= 0); /* sw_dest_up checked it */
    sw->pc[port].forwarded++;
    sw_chan_xmit(sim, ch, sw->ports[port], f);
}

/* A link-local frame (reference 13.3): consumed at ingress, never
 * forwarded, never learned from. An LACP member hands slow-protocol frames
 * to its channel's LACP system first. */
static void sw_consume_link_local(Sim *sim, Switch *sw, int port, Frame *f)
{
    int c = sw->chan_of[port];
    if (c < 0 || !sw->chan[c].lacp ||
        !lacp_rx(sw->chan[c].lacp, sw->member_of[port], f->data, f->len))
        sw->pc[port].link_local_consumed++;
    frame_free(&sim->pool, f);
}

/* Whether a data frame in on `port` is taken: always, but on an LACP member
 * only while it is collecting. */
static inline bool sw_lacp_collecting(Sim *sim, Switch *sw, int port)
{
    int c = sw->chan_of[port];
    if (c < 0 || !sw->chan[c].lacp)
        return true;
    SwitchChannel *ch = sw_chan(sim, sw, c);
    for (int i = 0; i < ch->n_active; i++)
        if (ch->active[i] == port)
            return true;
    return false;
}

/* ---- cloud virtual switch ------------------------------------------------- */

/* A cloud vSwitch (reference 13.12) knows each vNIC's MAC and addresses
 * from the provider's control plane instead of trusting what it sees: a
 * port may source only its bound MAC and IPv4 addresses, and with the
 * destination check it delivers only frames for them. Forwarding reuses the
 * bridge's table (trusted ports still need learning); the difference is
 * that a frame for a MAC bound to a port goes there, and unknown unicast is
 * flooded to trusted ports only when destinations are checked. Every check
 * runs twice per frame, in vs_rx_note (capture comment, before the frame is
 * taken) and vs_rx: both call the pure vs_verdict, so they agree. */

const char *const switch_vs_drop_names[SWITCH_VS_DROP_COUNT] = {
    [SWITCH_VS_SRC_MAC] = "src-mac-not-bound",
    [SWITCH_VS_SRC_IP] = "src-ip-not-bound",
    [SWITCH_VS_DST] = "dst-not-bound",
    [SWITCH_VS_LACP] = "lacp-not-supported",
};

gboolean switch_set_vswitch(Switch *sw, const SwitchVsProfile *profile, GError **error)
{
    g_return_val_if_fail(sw && profile && !sw->vs, FALSE);
    if (sw->n_chan)
        return g_set_error(error, SWITCH_ERROR, 0,
                           "a cloud virtual switch (profile %s) has no port-channels",
                           profile->name),
               FALSE;
    sw->vs = g_new0(SwitchVswitch, 1);
    sw->vs->profile = profile;
    memset(sw->vs->streak, -1, sizeof(sw->vs->streak));
    return TRUE;
}

void switch_vs_bind(Switch *sw, int number, const SwitchBinding *b)
{
    g_return_if_fail(sw && sw->vs && b && number >= 1 && number <= sw->n_ports);
    g_return_if_fail(b->n_ip >= 0 && b->n_ip <= SWITCH_VS_MAX_IPS);
    sw->vs->bind[number - 1] = *b;
    /* the MAC index is rebuilt from scratch at the next lookup */
    sw->vs->bound_index_ready = false;
    memset(sw->vs->bound_port, 0, sizeof(sw->vs->bound_port));
}

uint64_t switch_vs_drops(const Switch *sw, int number, SwitchVsDrop reason)
{
    g_return_val_if_fail(sw && reason < SWITCH_VS_DROP_COUNT, 0);
    if (!sw->vs || number < 1 || number > sw->n_ports)
        return 0;
    return sw->vs->drops[number - 1][reason];
}

static bool vs_ip_bound(const SwitchBinding *b, const uint8_t *ip)
{
    for (int i = 0; i < b->n_ip; i++)
        if (memcmp(b->ip[i], ip, 4) == 0)
            return true;
    return false;
}

/* The frame's IPv4 source (IP header, or an ARP sender) and destination (IP
 * header, or an ARP target) when it has them: false for other frames. */
static bool vs_ipv4(const Frame *f, const uint8_t **src, const uint8_t **dst)
{
    if (f->len < ETH_HLEN + 20)
        return false;
    uint16_t type = get_be16(f->data + 12);
    const uint8_t *p = f->data + ETH_HLEN;
    if (type == ETH_P_IP && (p[0] >> 4) == 4) {
        *src = p + 12;
        *dst = p + 16;
        return true;
    }
    if (type == ETH_P_ARP && f->len >= ETH_HLEN + 28 && get_be16(p) == 1 &&
        get_be16(p + 2) == ETH_P_IP && p[4] == 6 && p[5] == 4) {
        *src = p + 14;
        *dst = p + 24;
        return true;
    }
    return false;
}

/* Source checks of a frame in on `port`: the drop reason or -1. An ARP
 * probe (sender 0.0.0.0) has no source address to check. */
static int vs_src_check(const SwitchVswitch *vs, int port, const Frame *f)
{
    const SwitchBinding *b = &vs->bind[port];
    if (b->trusted)
        return -1;
    if (vs->profile->src_mac && (!b->has_mac || memcmp(f->data + 6, b->mac, 6) != 0))
        return SWITCH_VS_SRC_MAC;
    const uint8_t *src, *dst;
    static const uint8_t any[4] = {0, 0, 0, 0};
    if (vs->profile->src_ip && vs_ipv4(f, &src, &dst) && memcmp(src, any, 4) != 0 &&
        !vs_ip_bound(b, src))
        return SWITCH_VS_SRC_IP;
    return -1;
}

/* Whether a unicast frame may leave on `port` under the destination check. */
static bool vs_dst_ok(const SwitchVswitch *vs, int port, const Frame *f)
{
    const SwitchBinding *b = &vs->bind[port];
    if (b->trusted)
        return true;
    if (vs->profile->dst_mac && (!b->has_mac || memcmp(f->data, b->mac, 6) != 0))
        return false;
    const uint8_t *src, *dst;
    return !vs->profile->dst_ip || !vs_ipv4(f, &src, &dst) || vs_ip_bound(b, dst);
}

#define VS_BOUND_SLOTS (2 * SWITCH_MAX_PORTS)

static uint32_t vs_bound_slot(uint64_t key)
{
    return (uint32_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 55) % VS_BOUND_SLOTS;
}

/* Builds the MAC -> port index from the bindings (first binding of a MAC
 * wins, as the scan in port order did). */
static void vs_bound_index_build(SwitchVswitch *vs, int n_ports)
{
    for (int p = 0; p < n_ports; p++) {
        const SwitchBinding *b = &vs->bind[p];
        if (b->trusted || !b->has_mac)
            continue;
        uint64_t key = mac_key(b->mac);
        uint32_t i = vs_bound_slot(key);
        while (vs->bound_port[i] && vs->bound_key[i] != key)
            i = (i + 1) % VS_BOUND_SLOTS;
        if (!vs->bound_port[i]) {
            vs->bound_key[i] = key;
            vs->bound_port[i] = (int16_t)(p + 1);
        }
    }
    vs->bound_index_ready = true;
}

/* The port a MAC is bound to, or -1: a hash lookup, no scan per frame. */
static int vs_bound_port(Switch *sw, const uint8_t *mac)
{
    SwitchVswitch *vs = sw->vs;
    if (!vs->bound_index_ready)
        vs_bound_index_build(vs, sw->n_ports);
    uint64_t key = mac_key(mac);
    for (uint32_t i = vs_bound_slot(key); vs->bound_port[i]; i = (i + 1) % VS_BOUND_SLOTS)
        if (vs->bound_key[i] == key)
            return vs->bound_port[i] - 1;
    return -1;
}

/* What happens to a frame in on `in`. */
typedef struct {
    int reason;  /* SwitchVsDrop, or -1: passes */
    int counted; /* the port the drop is counted on (ingress, or the refusing port) */
    int out;     /* known unicast: the port it leaves on; -1: flood (or dropped) */
} VsVerdict;

static bool vs_dst_checked(const SwitchVsProfile *p)
{
    return p->dst_mac || p->dst_ip;
}

/* Whether a port other than `in` is trusted and has carrier. */
static bool vs_any_trusted(const Switch *sw, int in)
{
    for (int p = 0; p < sw->n_ports; p++)
        if (p != in && sw->vs->bind[p].trusted && nic_carrier(sw->ports[p]))
            return true;
    return false;
}

static VsVerdict vs_verdict(Sim *sim, Switch *sw, int in, const Frame *f)
{
    const SwitchVswitch *vs = sw->vs;
    VsVerdict v = {-1, in, -1};
    if (f->len < ETH_HLEN)
        return v;
    if (switch_mac_is_link_local(f->data)) {
        if (vs->profile->no_lacp && get_be16(f->data + 12) == ETH_P_SLOW)
            v.reason = SWITCH_VS_LACP;
        return v;
    }
    v.reason = vs_src_check(vs, in, f);
    if (v.reason >= 0 || mac_is_multicast(f->data))
        return v;
    /* bindings are the provider's truth only where sources are checked:
     * with MAC spoofing allowed (Hyper-V teaming) the switch learns */
    int out = vs->profile->src_mac ? vs_bound_port(sw, f->data) : -1;
    if (out < 0) {
        const FdbEntry *e = fdb_find(sw, mac_key(f->data));
        if (fdb_valid(sw, e, sim->eng.now_ps) && sw_dest_up(sim, sw, e->port))
            out = e->port;
    }
    if (out >= 0 && out != in && vs_dst_checked(vs->profile) && !vs_dst_ok(vs, out, f)) {
        v.reason = SWITCH_VS_DST;
        v.counted = out;
    } else if (out < 0 && vs_dst_checked(vs->profile) && !vs_any_trusted(sw, in)) {
        v.reason = SWITCH_VS_DST; /* unknown unicast, and no uplink to flood it to */
    }
    v.out = out;
    return v;
}

/* Floods a frame to every other port with carrier; unknown unicast under
 * the destination check only to trusted ports. False if no port took it. */
static bool vs_flood(Sim *sim, Switch *sw, Frame *f, int in)
{
    bool trusted_only = !mac_is_multicast(f->data) && vs_dst_checked(sw->vs->profile);
    int last = -1;
    for (int i = 0; i < sw->n_ports; i++) {
        if (i == in || !nic_carrier(sw->ports[i]) || (trusted_only && !sw->vs->bind[i].trusted))
            continue;
        if (last >= 0) {
            Frame *c = frame_clone(&sim->pool, f);
            if (!c) {
                sw->ports[last]->c.drops[NIC_DROP_POOL]++;
            } else {
                sw->pc[last].flooded++;
                nic_xmit(sim, sw->ports[last], c);
            }
        }
        last = i;
    }
    if (last < 0)
        return false;
    sw->flood_frames++;
    sw->pc[last].flooded++;
    nic_xmit(sim, sw->ports[last], f);
    return true;
}

static void vs_drop(Sim *sim, Switch *sw, int port, int reason, Frame *f)
{
    sw->vs->drops[port][reason]++;
    sw->vs->streak[port] = (int8_t)reason;
    frame_free(&sim->pool, f);
}

/* The comment on the first frame of a drop streak (per counting port and
 * reason): "bondsim: drop sw1 port2 reason=src-mac-not-bound profile=aws". */
static const char *vs_rx_note(Sim *sim, Switch *sw, int in, Frame *f)
{
    VsVerdict v = vs_verdict(sim, sw, in, f);
    if (v.reason < 0 || sw->vs->streak[v.counted] == v.reason)
        return NULL;
    const SwitchVsProfile *p = sw->vs->profile;
    char out[16] = "";
    if (v.counted != in)
        g_snprintf(out, sizeof(out), " out=port%d", v.counted + 1);
    return sim_internf(sim, "bondsim: drop %s port%d reason=%s%s profile=%s term=\"%s\"", sw->name,
                       in + 1, switch_vs_drop_names[v.reason], out, p->name, p->term[v.reason]);
}

static void vs_rx(Sim *sim, Switch *sw, int in, Frame *f)
{
    VsVerdict v = vs_verdict(sim, sw, in, f);
    if (v.reason >= 0) {
        vs_drop(sim, sw, v.counted, v.reason, f);
        return;
    }
    if (f->len >= ETH_HLEN && switch_mac_is_link_local(f->data)) {
        sw_consume_link_local(sim, sw, in, f);
        return;
    }
    sw->vs->streak[in] = -1;
    const char *note = sw_learn(sim, sw, f->data + 6, in, in);
    if (note)
        f->note = sim_note_join(sim, f->note, note);
    if (v.out == in) {
        sw->pc[in].filtered++;
        frame_free(&sim->pool, f);
        return;
    }
    if (v.out >= 0) {
        sw->vs->streak[v.out] = -1;
        sw_forward(sim, sw, f, v.out);
        return;
    }
    if (!vs_flood(sim, sw, f, in))
        frame_free(&sim->pool, f);
}

/* Capture comments for frames the port will drop: every link-local frame
 * not for LACP, and the first data frame on an LACP member that is not
 * collecting (per carrier change, as NIC drops are noted). */
static const char *sw_port_rx_note(Sim *sim, Nic *nic, Frame *f)
{
    Switch *sw = nic->owner;
    int port = nic->owner_index;
    if (sw->vs)
        return vs_rx_note(sim, sw, port, f);
    int c = sw->chan_of[port];
    bool lacp = c >= 0 && sw->chan[c].lacp;
    if (f->len >= ETH_HLEN && switch_mac_is_link_local(f->data)) {
        if (lacp && lacp_frame_subtype(f->data, f->len) != 0)
            return NULL; /* for the LACP system, not dropped */
        return sim_internf(sim, "bondsim: drop %s port%d reason=link-local", sw->name, port + 1);
    }
    if (!lacp || nic->drop_noted || sw_lacp_collecting(sim, sw, port))
        return NULL;
    nic->drop_noted = true;
    return sim_internf(sim, "bondsim: drop %s port%d reason=lacp-not-collecting channel=%s",
                       sw->name, port + 1, sw->chan[c].name);
}

static void sw_port_rx(Sim *sim, Nic *nic, Frame *f)
{
    Switch *sw = nic->owner;
    int in = nic->owner_index;
    if (sw->vs) {
        vs_rx(sim, sw, in, f);
        return;
    }
    const uint8_t *dst = f->data;
    if (switch_mac_is_link_local(dst)) {
        sw_consume_link_local(sim, sw, in, f);
        return;
    }
    if (!sw_lacp_collecting(sim, sw, in)) {
        sw->pc[in].lacp_not_collecting++;
        frame_free(&sim->pool, f);
        return;
    }
    int in_dest = sw_dest_of_port(sw, in);
    const char *note = sw_learn(sim, sw, f->data + 6, in_dest, in);
    if (note)
        f->note = sim_note_join(sim, f->note, note);
    if (mac_is_multicast(dst)) {
        sw_flood(sim, sw, f, in_dest);
        return;
    }
    FdbEntry *e = fdb_find(sw, mac_key(dst));
    if (!fdb_valid(sw, e, sim->eng.now_ps) || !sw_dest_up(sim, sw, e->port)) {
        sw_flood(sim, sw, f, in_dest);
        return;
    }
    if (e->port == in_dest) {
        sw->pc[in].filtered++;
        frame_free(&sim->pool, f);
        return;
    }
    sw_forward(sim, sw, f, e->port);
}

static void sw_fdb_flush(Switch *sw, int dest)
{
    sw->fdb_recheck_ps = 0; /* flushed entries can be compacted away */
    for (int i = 0; i < SWITCH_FDB_SIZE; i++)
        if (sw->fdb[i].key && sw->fdb[i].port == dest)
            sw->fdb[i].port = -1;
}

/* A plain port flushes its entries when it goes down; a channel member
 * leaves active[] at once, and the channel's entries go only with its last
 * member. */
static void sw_port_carrier(Sim *sim, Nic *nic, bool up)
{
    Switch *sw = nic->owner;
    int c = sw->chan_of[nic->owner_index];
    if (c < 0) {
        if (!up)
            sw_fdb_flush(sw, nic->owner_index);
        return;
    }
    sw->chan[c].dirty = true;
    if (sw->chan[c].lacp && sw->lacp_open)
        sw_lacp_link(sw, &sw->chan[c], nic->owner_index);
    if (!up && sw_chan(sim, sw, c)->n_active == 0)
        sw_fdb_flush(sw, SWITCH_CHANNEL_ID(c));
}
