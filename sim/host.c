/* host.c - minimal IPv4 host stack: ARP, routing, ICMP echo, UDP delivery
 * (see host.h); the neighbour cache it shares with IPv6 (net/ipv6.c). */
#include "host.h"

#include <string.h>

#include "bond/bond.h"
#include "nat.h"
#include "net/ipv6.h"
#include "sim.h"
#include "traffic/echo.h"
#include "traffic/flow.h"
#include "traffic/tcp.h"
#include "util/bytes.h"

const char *const host_drop_names[HOST_DROP_COUNT] = {
    [HOST_DROP_NO_ROUTE] = "no-route",           [HOST_DROP_ARP_FAILED] = "arp-failed",
    [HOST_DROP_ARP_HOLD_FULL] = "arp-hold-full", [HOST_DROP_NOT_FOR_US] = "not-for-us",
    [HOST_DROP_NO_LISTENER] = "no-listener",     [HOST_DROP_MALFORMED] = "malformed",
};

static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_zero[6] = {0};

Host *host_new(Sim *sim, const char *name)
{
    Host *h = g_new0(Host, 1);
    h->name = g_strdup(name);
    h->sim = sim;
    h->route_gen = 1;
    return h;
}

static void neigh_release(Sim *sim, Neigh *n)
{
    while (n->hold_head) {
        Frame *f = n->hold_head;
        n->hold_head = f->next;
        frame_free(&sim->pool, f);
    }
    n->hold_tail = NULL;
    n->hold_len = 0;
}

void host_free(Host *host)
{
    if (!host)
        return;
    for (int i = 0; i < host->n_ifaces; i++) {
        for (int j = 0; j < HOST_MAX_NEIGH; j++)
            neigh_release(host->sim, &host->ifaces[i]->neigh[j]);
        g_free(host->ifaces[i]);
    }
    for (int i = 0; i < host->n_nics; i++)
        nic_free(host->nics[i]);
    tcp_host_free(host->tcp);
    g_free(host->name);
    g_free(host);
}

static void host_nic_rx(Sim *sim, Nic *nic, Frame *f)
{
    host_rx(sim, nic->owner, f);
}

Nic *host_add_nic(Host *host, const char *ifname, const uint8_t mac[6], uint64_t speed_bps)
{
    g_return_val_if_fail(host->n_nics < HOST_MAX_NICS, NULL);
    Nic *nic = nic_new(host->name, ifname, mac, speed_bps);
    host->nics[host->n_nics++] = nic;
    return nic;
}

Nic *host_find_nic(Host *host, const char *ifname)
{
    for (int i = 0; i < host->n_nics; i++)
        if (strcmp(host->nics[i]->ifname, ifname) == 0)
            return host->nics[i];
    return NULL;
}

static void neigh_retry(Sim *sim, void *obj, void *arg);

static Iface *iface_new(Host *host, const char *name, const uint8_t mac[6])
{
    g_return_val_if_fail(host->n_ifaces < HOST_MAX_IFACES, NULL);
    Iface *ifc = g_new0(Iface, 1);
    ifc->host = host;
    g_strlcpy(ifc->name, name, sizeof(ifc->name));
    memcpy(ifc->mac, mac, 6);
    ifc->cap_if = -1;
    /* Each entry's retry timer is set up once, here: re-initialising it when
     * the slot is reused would restart its generation count, and a retry
     * still queued from the slot's previous life could then match it. */
    for (int i = 0; i < HOST_MAX_NEIGH; i++) {
        ifc->neigh[i].iface = ifc;
        timer_init(&ifc->neigh[i].retry, neigh_retry, &ifc->neigh[i]);
    }
    host->ifaces[host->n_ifaces++] = ifc;
    return ifc;
}

Iface *host_add_iface_nic(Host *host, Nic *nic)
{
    Iface *ifc = iface_new(host, nic->ifname, nic->mac);
    ifc->nic = nic;
    nic->rx = host_nic_rx;
    nic->owner = ifc;
    return ifc;
}

Iface *host_add_iface_bond(Host *host, Bond *bond, const char *name)
{
    static const uint8_t none[6] = {0};
    Iface *ifc = iface_new(host, name, none);
    ifc->bond = bond;
    return ifc;
}

Iface *host_find_iface(Host *host, const char *name)
{
    for (int i = 0; i < host->n_ifaces; i++)
        if (strcmp(host->ifaces[i]->name, name) == 0)
            return host->ifaces[i];
    return NULL;
}

static uint32_t prefix_mask(int len)
{
    return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

static bool ip_in_prefix(const uint8_t ip[4], const uint8_t net[4], int len)
{
    uint32_t m = prefix_mask(len);
    return (get_be32(ip) & m) == (get_be32(net) & m);
}

void host_set_address(Iface *iface, const uint8_t ip[4], int prefix_len)
{
    memcpy(iface->ip, ip, 4);
    iface->prefix_len = prefix_len;
    iface->has_ip = true;
    uint8_t net[4];
    put_be32(net, get_be32(ip) & prefix_mask(prefix_len));
    host_add_route(iface->host, net, prefix_len, NULL, iface, 0);
}

bool host_add_route(Host *host, const uint8_t dst[4], int prefix_len, const uint8_t *gw,
                    Iface *iface, uint32_t metric)
{
    if (host->n_routes >= HOST_MAX_ROUTES)
        return false;
    Route *r = &host->routes[host->n_routes++];
    put_be32(r->dst, get_be32(dst) & prefix_mask(prefix_len));
    r->prefix_len = prefix_len;
    r->has_gw = gw != NULL;
    if (gw)
        memcpy(r->gw, gw, 4);
    r->iface = iface;
    r->metric = metric;
    host->route_gen++;
    return true;
}

int host_del_routes(Host *host, const uint8_t dst[4], int prefix_len, const uint8_t *gw)
{
    uint32_t net = get_be32(dst) & prefix_mask(prefix_len);
    int kept = 0, removed = 0;
    for (int i = 0; i < host->n_routes; i++) {
        const Route *r = &host->routes[i];
        bool match = r->prefix_len == prefix_len && get_be32(r->dst) == net &&
                     (!gw || (r->has_gw && memcmp(r->gw, gw, 4) == 0));
        if (match)
            removed++;
        else
            host->routes[kept++] = *r;
    }
    host->n_routes = kept;
    if (removed)
        host->route_gen++;
    return removed;
}

/* Longest prefix first, then lowest metric, then first added. Control path
 * only: flows reach it once per route generation through HostPathCache. */
static const Route *host_route_lookup(const Host *host, const uint8_t dst[4])
{
    const Route *best = NULL;
    for (int i = 0; i < host->n_routes; i++) {
        const Route *r = &host->routes[i];
        if (!ip_in_prefix(dst, r->dst, r->prefix_len))
            continue;
        if (!best || r->prefix_len > best->prefix_len ||
            (r->prefix_len == best->prefix_len && r->metric < best->metric))
            best = r;
    }
    return best;
}

uint16_t inet_checksum(const uint8_t *p, size_t len, uint32_t initial)
{
    uint32_t sum = initial;
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += (uint32_t)((p[i] << 8) | p[i + 1]);
    if (len & 1)
        sum += (uint32_t)(p[len - 1] << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

void ipv4_write_header(uint8_t *p, uint16_t total_len, uint16_t id, uint8_t proto,
                       const uint8_t src[4], const uint8_t dst[4])
{
    p[0] = 0x45;
    p[1] = 0;
    put_be16(p + 2, total_len);
    put_be16(p + 4, id);
    put_be16(p + 6, 0x4000); /* DF */
    p[8] = 64;
    p[9] = proto;
    put_be16(p + 10, 0);
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    put_be16(p + 10, inet_checksum(p, 20, 0));
}

static void eth_write_header(Frame *f, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(f->data, dst, 6);
    memcpy(f->data + 6, src, 6);
    put_be16(f->data + 12, type);
}

void iface_xmit(Sim *sim, Iface *iface, Frame *f)
{
    frame_pad(f);
    if (iface->bond)
        bond_xmit(sim, iface->bond, f);
    else
        nic_xmit(sim, iface->nic, f);
}

/* ---- ARP ---------------------------------------------------------------- */

static Frame *arp_build(Sim *sim, const uint8_t eth_dst[6], const uint8_t eth_src[6], uint16_t op,
                        const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
                        const uint8_t tpa[4])
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    eth_write_header(f, eth_dst, eth_src, ETH_P_ARP);
    uint8_t *a = f->data + ETH_HLEN;
    put_be16(a, 1);
    put_be16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, op);
    memcpy(a + 8, sha, 6);
    memcpy(a + 14, spa, 4);
    memcpy(a + 18, tha, 6);
    memcpy(a + 24, tpa, 4);
    f->len = ETH_HLEN + 28;
    frame_pad(f);
    return f;
}

static void arp_send_request(Sim *sim, Iface *iface, const uint8_t tpa[4])
{
    Frame *f = arp_build(sim, mac_bcast, iface->mac, 1, iface->mac, iface->ip, mac_zero, tpa);
    if (!f)
        return;
    iface->host->arp_tx++;
    iface_xmit(sim, iface, f);
}

void host_send_garp(Sim *sim, Iface *iface, const char *note)
{
    if (!iface->has_ip)
        return;
    Frame *f = arp_build(sim, mac_bcast, iface->mac, 1, iface->mac, iface->ip, mac_zero, iface->ip);
    if (!f)
        return;
    f->note = note;
    iface->host->arp_tx++;
    iface_xmit(sim, iface, f);
}

static Neigh *neigh_find(Iface *iface, int family, const uint8_t *ip)
{
    size_t len = family == 6 ? 16 : 4;
    for (int i = 0; i < HOST_MAX_NEIGH; i++) {
        Neigh *n = &iface->neigh[i];
        if (n->state != NEIGH_FREE && n->family == family && memcmp(n->ip, ip, len) == 0)
            return n;
    }
    return NULL;
}

static Neigh *neigh_create(Iface *iface, int family, const uint8_t *ip)
{
    for (int i = 0; i < HOST_MAX_NEIGH; i++) {
        Neigh *n = &iface->neigh[i];
        if (n->state == NEIGH_FREE) {
            memset(n->mac, 0, 6);
            memset(n->ip, 0, sizeof(n->ip));
            memcpy(n->ip, ip, family == 6 ? 16 : 4);
            n->family = (uint8_t)family;
            n->solicits = 0;
            return n;
        }
    }
    return NULL;
}

static void neigh_flush_hold(Sim *sim, Neigh *n)
{
    while (n->hold_head) {
        Frame *f = n->hold_head;
        n->hold_head = f->next;
        f->next = NULL;
        memcpy(f->data, n->mac, 6);
        iface_xmit(sim, n->iface, f);
    }
    n->hold_tail = NULL;
    n->hold_len = 0;
}

static void neigh_retry(Sim *sim, void *obj, void *arg)
{
    Neigh *n = obj;
    if (n->state != NEIGH_INCOMPLETE)
        return;
    if (n->solicits >= HOST_ARP_SOLICIT_MAX) {
        Host *h = n->iface->host;
        h->drops[HOST_DROP_ARP_FAILED] += n->hold_len;
        neigh_release(sim, n);
        n->state = NEIGH_FAILED;
        h->route_gen++;
        /* A failed entry is forgotten; the next packet starts over. */
        n->state = NEIGH_FREE;
        return;
    }
    n->solicits++;
    if (n->family == 6)
        ndisc_send_ns(sim, n->iface, n->ip);
    else
        arp_send_request(sim, n->iface, n->ip);
    timer_arm(&sim->eng, &n->retry, sim->eng.now_ps + HOST_ARP_RETRANS_PS);
}

static void neigh_update(Sim *sim, Iface *iface, Neigh *n, const uint8_t mac[6])
{
    bool changed = n->state != NEIGH_REACHABLE || !mac_equal(n->mac, mac);
    memcpy(n->mac, mac, 6);
    n->state = NEIGH_REACHABLE;
    timer_cancel(&n->retry);
    if (changed)
        iface->host->route_gen++;
    neigh_flush_hold(sim, n);
}

static void arp_rx(Sim *sim, Iface *iface, Frame *f)
{
    Host *h = iface->host;
    const uint8_t *a = f->data + ETH_HLEN;
    if (f->len < ETH_HLEN + 28 || get_be16(a) != 1 || get_be16(a + 2) != ETH_P_IP || a[4] != 6 ||
        a[5] != 4) {
        h->drops[HOST_DROP_MALFORMED]++;
        frame_free(&sim->pool, f);
        return;
    }
    h->arp_rx++;
    uint16_t op = get_be16(a + 6);
    const uint8_t *sha = a + 8, *spa = a + 14, *tpa = a + 24;
    bool for_us = (iface->has_ip && memcmp(tpa, iface->ip, 4) == 0) ||
                  (h->nat && nat_arp_proxy(h->nat, iface, tpa));
    /* a sender of 0.0.0.0 (an ARP probe, an ARP monitor probe from a bond
     * with no address on the route) is answered but not learned, as
     * arp_process does */
    static const uint8_t ip_any[4] = {0};
    Neigh *n = memcmp(spa, ip_any, 4) != 0 ? neigh_find(iface, 4, spa) : NULL;
    if (n)
        neigh_update(sim, iface, n, sha);
    else if (for_us && memcmp(spa, ip_any, 4) != 0 && (n = neigh_create(iface, 4, spa)) != NULL)
        neigh_update(sim, iface, n, sha);
    if (op == 1 && for_us && memcmp(spa, tpa, 4) != 0) {
        Frame *r = arp_build(sim, sha, iface->mac, 2, iface->mac, tpa, sha, spa);
        if (r) {
            h->arp_tx++;
            iface_xmit(sim, iface, r);
        }
    }
    frame_free(&sim->pool, f);
}

void iface_mac_changed(Sim *sim, Iface *iface, const uint8_t mac[6])
{
    memcpy(iface->mac, mac, 6);
    for (int i = 0; i < HOST_MAX_NEIGH; i++) {
        Neigh *n = &iface->neigh[i];
        if (n->state == NEIGH_FREE)
            continue;
        timer_cancel(&n->retry);
        iface->host->drops[HOST_DROP_ARP_FAILED] += n->hold_len;
        neigh_release(sim, n);
        n->state = NEIGH_FREE;
    }
    iface->host->route_gen++;
}

/* ---- IPv4 out ------------------------------------------------------------ */

static bool host_resolve_path(Host *host, const uint8_t dst[4], HostPathCache *pc,
                              const uint8_t **nexthop)
{
    const Route *r = host_route_lookup(host, dst);
    if (!r || !r->iface->has_ip)
        return false;
    pc->iface = r->iface;
    *nexthop = r->has_gw ? r->gw : dst;
    return true;
}

Iface *host_route_iface(Host *host, const uint8_t dst[4])
{
    const Route *r = host_route_lookup(host, dst);
    return r && r->iface->has_ip ? r->iface : NULL;
}

/* Queues `f` on an unresolved neighbour, starting resolution if needed. */
static void neigh_hold(Sim *sim, Iface *iface, Neigh *n, Frame *f)
{
    Host *h = iface->host;
    if (n->hold_len >= HOST_ARP_HOLD_MAX) {
        h->drops[HOST_DROP_ARP_HOLD_FULL]++;
        frame_free(&sim->pool, f);
        return;
    }
    f->next = NULL;
    if (n->hold_tail)
        n->hold_tail->next = f;
    else
        n->hold_head = f;
    n->hold_tail = f;
    n->hold_len++;
    if (n->state != NEIGH_INCOMPLETE) {
        n->state = NEIGH_INCOMPLETE;
        n->solicits = 0;
        neigh_retry(sim, n, NULL);
    }
}

Neigh *host_neigh_lookup(Iface *iface, int family, const uint8_t *ip, bool create)
{
    Neigh *n = neigh_find(iface, family, ip);
    return n || !create ? n : neigh_create(iface, family, ip);
}

void host_neigh_update(Sim *sim, Neigh *n, const uint8_t mac[6])
{
    neigh_update(sim, n->iface, n, mac);
}

void host_neigh_hold(Sim *sim, Neigh *n, Frame *f)
{
    neigh_hold(sim, n->iface, n, f);
}

/* Fills `pc` for `dst` unless it is current; false (the frame dropped and
 * counted) when there is no route or no neighbour entry to be had. */
static bool host_path_fill(Sim *sim, Host *host, Frame *f, const uint8_t dst[4], HostPathCache *pc)
{
    if (pc->gen != host->route_gen || !pc->neigh) {
        const uint8_t *nexthop;
        if (!host_resolve_path(host, dst, pc, &nexthop)) {
            host->drops[HOST_DROP_NO_ROUTE]++;
            frame_free(&sim->pool, f);
            return false;
        }
        Neigh *n = neigh_find(pc->iface, 4, nexthop);
        if (!n)
            n = neigh_create(pc->iface, 4, nexthop);
        if (!n) {
            host->drops[HOST_DROP_ARP_HOLD_FULL]++;
            frame_free(&sim->pool, f);
            return false;
        }
        pc->neigh = n;
        pc->gen = host->route_gen;
    }
    return true;
}

/* A Fibonacci hash of the destination picks the slot. */
G_STATIC_ASSERT(HOST_FWD_CACHE == 64);
#define FWD_SLOT(x32) (((uint32_t)(x32)*2654435769u) >> (32 - 6))

HostPathCache *host_dst_cache(Host *host, const uint8_t dst[4])
{
    HostFwdEntry *e = &host->fwd[FWD_SLOT(get_be32(dst))];
    if (memcmp(e->dst, dst, 4) != 0) {
        memcpy(e->dst, dst, 4);
        e->pc.gen = 0;
    }
    return &e->pc;
}

HostPathCache *host_dst_cache6(Host *host, const uint8_t dst[16])
{
    uint32_t x = get_be32(dst) ^ get_be32(dst + 4) ^ get_be32(dst + 8) ^ get_be32(dst + 12);
    HostFwdEntry6 *e = &host->fwd6[FWD_SLOT(x)];
    if (memcmp(e->dst, dst, 16) != 0) {
        memcpy(e->dst, dst, 16);
        e->pc.gen = 0;
    }
    return &e->pc;
}

Iface *host_route_iface_cached(Host *host, const uint8_t dst[4])
{
    HostPathCache *pc = host_dst_cache(host, dst);
    if (pc->gen != host->route_gen || !pc->iface) {
        /* the neighbour is looked up by host_path_fill when it sends */
        pc->iface = host_route_iface(host, dst);
        pc->neigh = NULL;
        pc->gen = pc->iface ? host->route_gen : 0;
    }
    return pc->iface;
}

void host_forward_ip(Sim *sim, Host *host, Frame *f, const uint8_t dst[4])
{
    HostPathCache *pc = host_dst_cache(host, dst);
    if (!host_path_fill(sim, host, f, dst, pc))
        return;
    eth_write_header(f, pc->neigh->mac, pc->iface->mac, ETH_P_IP);
    if (pc->neigh->state != NEIGH_REACHABLE) {
        neigh_hold(sim, pc->iface, pc->neigh, f);
        pc->gen = 0;
        return;
    }
    iface_xmit(sim, pc->iface, f);
}

/* host_send_ip with the source address `src`, or the outgoing interface's
 * when NULL (host.h). */
void host_send_ip_src(Sim *sim, Host *host, Frame *f, const uint8_t dst[4], const uint8_t *src,
                      HostPathCache *pc)
{
    HostPathCache local = {0};
    if (!pc)
        pc = &local;
    if (!host_path_fill(sim, host, f, dst, pc))
        return;
    Iface *ifc = pc->iface;
    uint8_t *ip = f->data + ETH_HLEN;
    memcpy(ip + 12, src ? src : ifc->ip, 4);
    put_be16(ip + 10, 0);
    put_be16(ip + 10, inet_checksum(ip, 20, 0));
    eth_write_header(f, pc->neigh->mac, ifc->mac, ETH_P_IP);
    if (pc->neigh->state != NEIGH_REACHABLE) {
        neigh_hold(sim, ifc, pc->neigh, f);
        pc->gen = 0;
        return;
    }
    iface_xmit(sim, ifc, f);
}

void host_send_ip(Sim *sim, Host *host, Frame *f, const uint8_t dst[4], HostPathCache *pc)
{
    host_send_ip_src(sim, host, f, dst, NULL, pc);
}

/* ---- IPv4 in ------------------------------------------------------------- */

static void icmp_rx(Sim *sim, Iface *iface, Frame *f, uint8_t *ip, uint32_t ihl)
{
    Host *h = iface->host;
    uint8_t *icmp = ip + ihl;
    uint32_t icmp_len = get_be16(ip + 2) - ihl; /* ipv4_rx: total >= ihl */
    if (icmp_len < 8) {                         /* type, code, checksum, id, sequence */
        h->drops[HOST_DROP_MALFORMED]++;
        frame_free(&sim->pool, f);
        return;
    }
    if (icmp[0] == 8) { /* echo request: turn the frame around */
        h->icmp_echo_rx++;
        /* As Linux (icmp_reply): the reply's source is the address the
         * request was sent to, whichever interface the route sends it out
         * of (asymmetric routing, an EIP bound to another NIC). */
        uint8_t src[4], to[4];
        memcpy(src, ip + 12, 4);
        memcpy(to, ip + 16, 4);
        memcpy(ip + 16, src, 4);
        ip[8] = 64;
        icmp[0] = 0;
        put_be16(icmp + 2, 0);
        put_be16(icmp + 2, inet_checksum(icmp, icmp_len, 0));
        f->len = ETH_HLEN + get_be16(ip + 2);
        host_send_ip_src(sim, h, f, src, to, host_dst_cache(h, src));
        return;
    }
    if (icmp[0] == 0 && f->flow != FRAME_NO_FLOW) {
        flow_deliver(sim, g_ptr_array_index(sim->flows, f->flow), h, f);
        return;
    }
    h->drops[HOST_DROP_NO_LISTENER]++;
    frame_free(&sim->pool, f);
}

static void ipv4_rx(Sim *sim, Iface *iface, Frame *f)
{
    Host *h = iface->host;
    uint8_t *ip = f->data + ETH_HLEN;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4;
    uint32_t total = get_be16(ip + 2);
    /* as ip_rcv: a total length shorter than the header is malformed (the
     * ICMP length below would wrap) */
    if (f->len < ETH_HLEN + 20 || (ip[0] >> 4) != 4 || ihl < 20 || total < ihl ||
        ETH_HLEN + total > f->len) {
        h->drops[HOST_DROP_MALFORMED]++;
        frame_free(&sim->pool, f);
        return;
    }
    if (h->nat && nat_ip_rx(sim, h->nat, iface, f))
        return;
    if (!iface->has_ip || memcmp(ip + 16, iface->ip, 4) != 0) {
        h->drops[HOST_DROP_NOT_FOR_US]++;
        frame_free(&sim->pool, f);
        return;
    }
    if (ip[9] == 1) {
        icmp_rx(sim, iface, f, ip, ihl);
        return;
    }
    if (ip[9] == 17 && h->echo_udp_port && ETH_HLEN + ihl + 8 <= f->len &&
        get_be16(ip + ihl + 2) == h->echo_udp_port) {
        echo_udp_rx(sim, iface, f);
        return;
    }
    if (ip[9] == 17 && f->flow != FRAME_NO_FLOW && f->flow < sim->flows->len) {
        flow_deliver(sim, g_ptr_array_index(sim->flows, f->flow), h, f);
        return;
    }
    if (ip[9] == 6) {
        tcp_rx(sim, iface, f);
        return;
    }
    h->drops[HOST_DROP_NO_LISTENER]++;
    frame_free(&sim->pool, f);
}

void host_rx(Sim *sim, Iface *iface, Frame *f)
{
    const uint8_t *dst = f->data;
    /* 33:33:..: IPv6 multicast, taken only for the groups joined (RFC 2464) */
    if ((!mac_equal(dst, iface->mac) && !mac_is_multicast(dst)) ||
        (dst[0] == 0x33 && dst[1] == 0x33 && !ipv6_mac_wanted(iface, dst))) {
        iface->host->drops[HOST_DROP_NOT_FOR_US]++;
        frame_free(&sim->pool, f);
        return;
    }
    switch (frame_ethertype(f)) {
    case ETH_P_ARP:
        arp_rx(sim, iface, f);
        return;
    case ETH_P_IP:
        ipv4_rx(sim, iface, f);
        return;
    case ETH_P_IPV6:
        ipv6_rx(sim, iface, f);
        return;
    default:
        iface->host->drops[HOST_DROP_NO_LISTENER]++;
        frame_free(&sim->pool, f);
    }
}
