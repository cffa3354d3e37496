/* ipv6.c - IPv6 for the host stack: addresses, routes, neighbour discovery,
 * ICMPv6 echo, UDP delivery and unsolicited NAs (see ipv6.h).
 *
 * Wire layouts written here (RFC 8200, RFC 4861 4.3/4.4/4.6, RFC 4443 4.1):
 *
 *   IPv6   [ver 6 | tc 0 | flow 0][payload len][next header][hop limit][src 16][dst 16]
 *   NS     [135][0][checksum][reserved 4][target 16] + option 1 [1][1][MAC 6]
 *   NA     [136][0][checksum][R S O, 29 bits 0][target 16] + option 2 [2][1][MAC 6]
 *   echo   [128 / 129][0][checksum][identifier][sequence][data]
 *
 * The neighbour cache, its hold queue and solicitation timer are host.c's
 * (entries of family 6); this file builds and reads the messages.
 */
#include "net/ipv6.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "sim.h"
#include "traffic/flow.h"
#include "util/bytes.h"

static const uint8_t ip6_all_nodes[16] = {0xff, 0x02, [15] = 0x01};
static const uint8_t mac_all_nodes[6] = {0x33, 0x33, 0x00, 0x00, 0x00, 0x01};

/* ---- addresses --------------------------------------------------------------- */

bool ipv6_parse(const char *s, uint8_t addr[16])
{
    return s && inet_pton(AF_INET6, s, addr) == 1;
}

bool ipv6_parse_cidr(const char *s, uint8_t addr[16], int *prefix_len)
{
    const char *slash = s ? strchr(s, '/') : NULL;
    if (!slash || slash - s >= INET6_ADDRSTRLEN)
        return false;
    char head[INET6_ADDRSTRLEN];
    memcpy(head, s, (size_t)(slash - s));
    head[slash - s] = '\0';
    guint64 plen;
    if (!g_ascii_string_to_unsigned(slash + 1, 10, 0, 128, &plen, NULL) || !ipv6_parse(head, addr))
        return false;
    *prefix_len = (int)plen;
    return true;
}

char *ipv6_format(const uint8_t addr[16], char *buf, size_t buf_len)
{
    if (!inet_ntop(AF_INET6, addr, buf, (socklen_t)buf_len) && buf_len)
        buf[0] = '\0';
    return buf;
}

bool ipv6_prefix_match(const uint8_t a[16], const uint8_t b[16], int prefix_len)
{
    int full = prefix_len / 8, rest = prefix_len % 8;
    if (memcmp(a, b, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return ((a[full] ^ b[full]) & mask) == 0;
}

static void ipv6_mask(uint8_t out[16], const uint8_t in[16], int prefix_len)
{
    for (int i = 0; i < 16; i++) {
        int bits = prefix_len - i * 8;
        uint8_t mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
        out[i] = in[i] & mask;
    }
}

/* Number of leading bits `a` and `b` share. */
static int ipv6_common_prefix(const uint8_t a[16], const uint8_t b[16])
{
    for (int i = 0; i < 16; i++) {
        uint8_t x = a[i] ^ b[i];
        if (x) {
            int n = i * 8;
            while (!(x & 0x80)) {
                x = (uint8_t)(x << 1);
                n++;
            }
            return n;
        }
    }
    return 128;
}

void ipv6_link_local_from_mac(const uint8_t mac[6], uint8_t out[16])
{
    memset(out, 0, 16);
    out[0] = 0xfe;
    out[1] = 0x80;
    out[8] = mac[0] ^ 0x02; /* universal/local bit inverted */
    out[9] = mac[1];
    out[10] = mac[2];
    out[11] = 0xff;
    out[12] = 0xfe;
    out[13] = mac[3];
    out[14] = mac[4];
    out[15] = mac[5];
}

void ipv6_solicited_node(const uint8_t addr[16], uint8_t group[16])
{
    memset(group, 0, 16);
    group[0] = 0xff;
    group[1] = 0x02;
    group[11] = 0x01;
    group[12] = 0xff;
    memcpy(group + 13, addr + 13, 3);
}

void ipv6_multicast_mac(const uint8_t group[16], uint8_t mac[6])
{
    mac[0] = 0x33;
    mac[1] = 0x33;
    memcpy(mac + 2, group + 12, 4);
}

static bool ipv6_is_local(const Iface *iface, const uint8_t *a)
{
    for (int i = 0; i < iface->n_addr6; i++)
        if (memcmp(iface->addr6[i].addr, a, 16) == 0)
            return true;
    return false;
}

/* The low 24 bits of one of the interface's addresses (its solicited-node
 * groups). */
static bool ipv6_low24_is_local(const Iface *iface, const uint8_t *low24)
{
    for (int i = 0; i < iface->n_addr6; i++)
        if (memcmp(iface->addr6[i].addr + 13, low24, 3) == 0)
            return true;
    return false;
}

static bool ipv6_group_joined(const Iface *iface, const uint8_t *g)
{
    static const uint8_t sn_prefix[13] = {0xff, 0x02, [11] = 0x01, [12] = 0xff};
    if (memcmp(g, ip6_all_nodes, 16) == 0)
        return true;
    return memcmp(g, sn_prefix, 13) == 0 && ipv6_low24_is_local(iface, g + 13);
}

bool ipv6_mac_wanted(const Iface *iface, const uint8_t mac[6])
{
    if (!iface->has_ip6)
        return false;
    if (mac_equal(mac, mac_all_nodes))
        return true;
    return mac[0] == 0x33 && mac[1] == 0x33 && mac[2] == 0xff &&
           ipv6_low24_is_local(iface, mac + 3);
}

/* ---- configuration ----------------------------------------------------------- */

void ipv6_enable(Iface *iface)
{
    if (iface->has_ip6)
        return;
    Ip6Addr *ll = &iface->addr6[0];
    ipv6_link_local_from_mac(iface->mac, ll->addr);
    ll->prefix_len = 64;
    iface->n_addr6 = 1;
    iface->has_ip6 = true;
    ipv6_add_route(iface->host, ll->addr, 64, NULL, iface, IP6_ROUTE_METRIC_CONNECTED);
}

bool ipv6_add_address(Iface *iface, const uint8_t addr[16], int prefix_len)
{
    g_return_val_if_fail(prefix_len >= 0 && prefix_len <= 128, false);
    if (ipv6_is_link_local(addr) || ipv6_is_multicast(addr) || ipv6_is_unspecified(addr))
        return false;
    ipv6_enable(iface);
    if (iface->n_addr6 >= IFACE_MAX_ADDR6 || ipv6_is_local(iface, addr))
        return false;
    Ip6Addr *a = &iface->addr6[iface->n_addr6++];
    memcpy(a->addr, addr, 16);
    a->prefix_len = prefix_len;
    if (prefix_len < 128)
        ipv6_add_route(iface->host, addr, prefix_len, NULL, iface, IP6_ROUTE_METRIC_CONNECTED);
    return true;
}

bool ipv6_add_route(Host *host, const uint8_t dst[16], int prefix_len, const uint8_t *gw,
                    Iface *iface, uint32_t metric)
{
    if (host->n_routes6 >= HOST_MAX_ROUTES)
        return false;
    Route6 *r = &host->routes6[host->n_routes6++];
    ipv6_mask(r->dst, dst, prefix_len);
    r->prefix_len = prefix_len;
    r->has_gw = gw != NULL;
    if (gw)
        memcpy(r->gw, gw, 16);
    else
        memset(r->gw, 0, 16);
    r->iface = iface;
    r->metric = metric;
    host->route_gen++;
    return true;
}

/* Longest prefix, then lowest metric, then first added. Control path only:
 * flows reach it once per route generation through HostPathCache. */
static const Route6 *route6_lookup(const Host *host, const uint8_t dst[16])
{
    const Route6 *best = NULL;
    for (int i = 0; i < host->n_routes6; i++) {
        const Route6 *r = &host->routes6[i];
        if (!ipv6_prefix_match(dst, r->dst, r->prefix_len))
            continue;
        if (!best || r->prefix_len > best->prefix_len ||
            (r->prefix_len == best->prefix_len && r->metric < best->metric))
            best = r;
    }
    return best;
}

Iface *ipv6_route_iface(Host *host, const uint8_t dst[16])
{
    const Route6 *r = route6_lookup(host, dst);
    return r && r->iface->has_ip6 ? r->iface : NULL;
}

const uint8_t *ipv6_select_source(const Iface *iface, const uint8_t dst[16])
{
    g_return_val_if_fail(iface->has_ip6, NULL);
    const uint8_t *best = iface->addr6[0].addr;
    if (ipv6_is_link_local(dst) || ipv6_is_multicast(dst))
        return best;
    int best_len = -1;
    for (int i = 1; i < iface->n_addr6; i++) {
        int len = ipv6_common_prefix(iface->addr6[i].addr, dst);
        if (len > best_len) {
            best_len = len;
            best = iface->addr6[i].addr;
        }
    }
    return best;
}

/* ---- header and checksums ------------------------------------------------------ */

void ipv6_write_header(uint8_t *p, uint16_t payload_len, uint8_t next_header, uint8_t hop_limit,
                       const uint8_t src[16], const uint8_t dst[16])
{
    put_be32(p, UINT32_C(6) << 28);
    put_be16(p + 4, payload_len);
    p[6] = next_header;
    p[7] = hop_limit;
    memcpy(p + 8, src, 16);
    memcpy(p + 24, dst, 16);
}

uint32_t ipv6_pseudo_sum(const uint8_t src[16], const uint8_t dst[16], uint32_t l4_len,
                         uint8_t next_header)
{
    uint32_t sum = 0;
    for (int i = 0; i < 16; i += 2)
        sum += (uint32_t)get_be16(src + i) + get_be16(dst + i);
    return sum + (l4_len >> 16) + (l4_len & 0xffff) + next_header;
}

/* Offset of the checksum in the L4 header, or -1 for another protocol. */
static int ipv6_csum_offset(uint8_t next_header)
{
    return next_header == IP6_PROTO_UDP ? 6 : next_header == IP6_PROTO_ICMPV6 ? 2 : -1;
}

uint16_t ipv6_l4_checksum(const uint8_t *ip6)
{
    uint16_t len = get_be16(ip6 + 4);
    int off = ipv6_csum_offset(ip6[6]);
    g_return_val_if_fail(off >= 0 && len >= off + 2, 0);
    const uint8_t *l4 = ip6 + IP6_HLEN;
    /* adding the field's complement cancels the field itself */
    uint32_t initial =
        ipv6_pseudo_sum(ip6 + 8, ip6 + 24, len, ip6[6]) + (uint16_t)~get_be16(l4 + off);
    uint16_t c = inet_checksum(l4, len, initial);
    return c == 0 && ip6[6] == IP6_PROTO_UDP ? 0xffff : c;
}

/* Whether the L4 checksum of a received packet verifies (sums to 0xffff). */
static bool ipv6_l4_checksum_ok(const uint8_t *ip6)
{
    uint16_t len = get_be16(ip6 + 4);
    return inet_checksum(ip6 + IP6_HLEN, len, ipv6_pseudo_sum(ip6 + 8, ip6 + 24, len, ip6[6])) == 0;
}

/* The source address was :: when the L4 checksum was computed: add the
 * real one into it (RFC 1624 incremental update), no pass over the payload. */
static void ipv6_csum_add_source(uint8_t *ip6)
{
    int off = ipv6_csum_offset(ip6[6]);
    if (off < 0 || get_be16(ip6 + 4) < off + 2)
        return;
    uint8_t *field = ip6 + IP6_HLEN + off;
    uint32_t sum = (uint16_t)~get_be16(field);
    for (int i = 0; i < 16; i += 2)
        sum += get_be16(ip6 + 8 + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = (uint16_t)~sum;
    put_be16(field, c == 0 && ip6[6] == IP6_PROTO_UDP ? 0xffff : c);
}

/* ---- output -------------------------------------------------------------------- */

static void ipv6_eth_header(Frame *f, const uint8_t dst[6], const uint8_t src[6])
{
    memcpy(f->data, dst, 6);
    memcpy(f->data + 6, src, 6);
    put_be16(f->data + 12, ETH_P_IPV6);
}

/* Sends `f` to neighbour `n` of `iface`, or holds it while `n` resolves. */
static void ipv6_output(Sim *sim, Iface *iface, Neigh *n, Frame *f)
{
    ipv6_eth_header(f, n->mac, iface->mac);
    if (n->state != NEIGH_REACHABLE) {
        host_neigh_hold(sim, n, f);
        return;
    }
    iface_xmit(sim, iface, f);
}

static bool ipv6_fill_path(Host *host, const uint8_t dst[16], HostPathCache *pc)
{
    const Route6 *r = route6_lookup(host, dst);
    if (!r || !r->iface->has_ip6) {
        host->drops[HOST_DROP_NO_ROUTE]++;
        return false;
    }
    Neigh *n = host_neigh_lookup(r->iface, 6, r->has_gw ? r->gw : dst, true);
    if (!n) {
        host->drops[HOST_DROP_ARP_HOLD_FULL]++;
        return false;
    }
    pc->iface = r->iface;
    pc->neigh = n;
    pc->src6 = ipv6_select_source(r->iface, dst);
    pc->gen = host->route_gen;
    return true;
}

void ipv6_send(Sim *sim, Host *host, Frame *f, const uint8_t dst[16], HostPathCache *pc)
{
    HostPathCache local = {0};
    if (!pc)
        pc = &local;
    if ((pc->gen != host->route_gen || !pc->neigh) && !ipv6_fill_path(host, dst, pc)) {
        frame_free(&sim->pool, f);
        return;
    }
    uint8_t *ip = f->data + ETH_HLEN;
    if (ipv6_is_unspecified(ip + 8)) {
        memcpy(ip + 8, pc->src6, 16);
        ipv6_csum_add_source(ip);
    }
    if (pc->neigh->state != NEIGH_REACHABLE)
        pc->gen = 0; /* look again once resolved */
    ipv6_output(sim, pc->iface, pc->neigh, f);
}

/* ---- neighbour discovery --------------------------------------------------------- */

/* An ND message skeleton: Ethernet and IPv6 headers (hop limit 255), ICMPv6
 * type, 4 zero bytes, target, and a link-layer option when `ll` is given. */
static Frame *ndisc_build(Sim *sim, const uint8_t eth_dst[6], const uint8_t eth_src[6],
                          const uint8_t src[16], const uint8_t dst[16], uint8_t type,
                          const uint8_t target[16], uint8_t opt_type, const uint8_t *ll)
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    uint16_t plen = (uint16_t)(24 + (ll ? 8 : 0));
    ipv6_eth_header(f, eth_dst, eth_src);
    uint8_t *ip = f->data + ETH_HLEN;
    ipv6_write_header(ip, plen, IP6_PROTO_ICMPV6, IP6_ND_HOP_LIMIT, src, dst);
    uint8_t *icmp = ip + IP6_HLEN;
    memset(icmp, 0, plen);
    icmp[0] = type;
    memcpy(icmp + 8, target, 16);
    if (ll) {
        icmp[24] = opt_type;
        icmp[25] = 1; /* in units of 8 bytes */
        memcpy(icmp + 26, ll, 6);
    }
    f->len = ETH_HLEN + IP6_HLEN + plen;
    return f;
}

Frame *ndisc_build_ns(Sim *sim, const uint8_t eth_src[6], const uint8_t src[16],
                      const uint8_t target[16], const uint8_t *sll)
{
    uint8_t group[16], mac[6];
    ipv6_solicited_node(target, group);
    ipv6_multicast_mac(group, mac);
    Frame *f =
        ndisc_build(sim, mac, eth_src, src, group, ICMP6_ND_NS, target, ND_OPT_SOURCE_LLADDR, sll);
    if (f)
        put_be16(f->data + ETH_HLEN + IP6_HLEN + 2, ipv6_l4_checksum(f->data + ETH_HLEN));
    return f;
}

Frame *ndisc_build_na(Sim *sim, const uint8_t eth_dst[6], const uint8_t eth_src[6],
                      const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16],
                      uint8_t flags, const uint8_t *tll)
{
    Frame *f = ndisc_build(sim, eth_dst, eth_src, src, dst, ICMP6_ND_NA, target,
                           ND_OPT_TARGET_LLADDR, tll);
    if (f) {
        uint8_t *icmp = f->data + ETH_HLEN + IP6_HLEN;
        icmp[4] = flags;
        put_be16(icmp + 2, ipv6_l4_checksum(f->data + ETH_HLEN));
    }
    return f;
}

void ndisc_send_ns(Sim *sim, Iface *iface, const uint8_t target[16])
{
    if (!iface->has_ip6)
        return;
    Frame *f =
        ndisc_build_ns(sim, iface->mac, ipv6_select_source(iface, target), target, iface->mac);
    if (!f)
        return;
    iface->host->nd_tx++;
    iface_xmit(sim, iface, f);
}

int ndisc_send_unsol_na(Sim *sim, Iface *iface, const char *note)
{
    if (!iface->has_ip6)
        return 0;
    int sent = 0;
    /* The kernel keeps a device's addresses sorted by scope, a new one
     * before the others of its scope: globals newest first, then the
     * link-local (addr6[0]); every one is announced. */
    for (int i = iface->n_addr6 - 1; i >= 0; i--) {
        const uint8_t *a = iface->addr6[i].addr;
        Frame *f = ndisc_build_na(sim, mac_all_nodes, iface->mac, a, ip6_all_nodes, a,
                                  ND_NA_FLAG_OVERRIDE, iface->mac);
        if (!f)
            continue;
        f->note = note;
        iface->host->nd_tx++;
        iface_xmit(sim, iface, f);
        sent++;
    }
    return sent;
}

/* Finds link-layer option `type` among the options at p; false when they are
 * malformed (a zero length or one running past the message, RFC 4861 4.6). */
static bool ndisc_find_lladdr(const uint8_t *p, uint32_t len, uint8_t type, const uint8_t **mac)
{
    *mac = NULL;
    while (len >= 2) {
        uint32_t olen = p[1] * 8u;
        if (olen == 0 || olen > len)
            return false;
        if (p[0] == type)
            *mac = p + 2;
        p += olen;
        len -= olen;
    }
    return len == 0;
}

/* RFC 4861 7.1: hop limit 255, code 0, at least 24 bytes, target not
 * multicast, options well formed. */
static bool ndisc_valid(const uint8_t *ip, uint8_t opt_type, const uint8_t **ll)
{
    const uint8_t *icmp = ip + IP6_HLEN;
    uint16_t len = get_be16(ip + 4);
    return ip[7] == IP6_ND_HOP_LIMIT && icmp[1] == 0 && len >= 24 && !ipv6_is_multicast(icmp + 8) &&
           ndisc_find_lladdr(icmp + 24, len - 24u, opt_type, ll);
}

/* A solicitation for one of our addresses: learn the sender, answer with
 * S=1 O=1 and our MAC (RFC 4861 7.2.4). A DAD probe (source ::) gets an
 * advertisement to all nodes, S=0. */
static void ndisc_rx_ns(Sim *sim, Iface *iface, Frame *f, const uint8_t *ip)
{
    Host *h = iface->host;
    const uint8_t *src = ip + 8, *target = ip + IP6_HLEN + 8, *sll;
    bool dad = ipv6_is_unspecified(src);
    if (!ndisc_valid(ip, ND_OPT_SOURCE_LLADDR, &sll) ||
        (dad && (sll || !ipv6_is_multicast(ip + 24)))) {
        h->drops[HOST_DROP_MALFORMED]++;
        frame_free(&sim->pool, f);
        return;
    }
    h->nd_rx++;
    if (!ipv6_is_local(iface, target)) {
        h->drops[HOST_DROP_NOT_FOR_US]++;
        frame_free(&sim->pool, f);
        return;
    }
    if (sll) {
        Neigh *n = host_neigh_lookup(iface, 6, src, true);
        if (n)
            host_neigh_update(sim, n, sll);
    }
    /* without the option, answer the frame's sender (the kernel would
     * resolve it first; the result is the same MAC) */
    const uint8_t *eth_dst = dad ? mac_all_nodes : sll ? sll : f->data + 6;
    uint8_t flags = dad ? ND_NA_FLAG_OVERRIDE : ND_NA_FLAG_SOLICITED | ND_NA_FLAG_OVERRIDE;
    Frame *r = ndisc_build_na(sim, eth_dst, iface->mac, target, dad ? ip6_all_nodes : src, target,
                              flags, iface->mac);
    frame_free(&sim->pool, f);
    if (r) {
        h->nd_tx++;
        iface_xmit(sim, iface, r);
    }
}

/* An advertisement updates an existing entry only (no entry is created for
 * an unsolicited one): an incomplete entry takes the MAC; a known one
 * changes MAC only when O=1 (otherwise the kernel just marks it stale). */
static void ndisc_rx_na(Sim *sim, Iface *iface, Frame *f, const uint8_t *ip)
{
    Host *h = iface->host;
    const uint8_t *icmp = ip + IP6_HLEN, *tll;
    uint8_t flags = icmp[4];
    if (!ndisc_valid(ip, ND_OPT_TARGET_LLADDR, &tll) ||
        (ipv6_is_multicast(ip + 24) && (flags & ND_NA_FLAG_SOLICITED))) {
        h->drops[HOST_DROP_MALFORMED]++;
        frame_free(&sim->pool, f);
        return;
    }
    h->nd_rx++;
    Neigh *n = host_neigh_lookup(iface, 6, icmp + 8, false);
    if (n && tll &&
        (n->state != NEIGH_REACHABLE || (flags & ND_NA_FLAG_OVERRIDE) || mac_equal(n->mac, tll)))
        host_neigh_update(sim, n, tll);
    frame_free(&sim->pool, f);
}

/* ---- input ------------------------------------------------------------------------ */

/* Echo request: the frame is turned into the reply, from the address that
 * was asked (a multicast one answers from the chosen source). */
static void icmp6_echo_reply(Sim *sim, Iface *iface, Frame *f, uint8_t *ip)
{
    Host *h = iface->host;
    h->icmp6_echo_rx++;
    uint8_t peer[16], local[16];
    memcpy(peer, ip + 8, 16);
    memcpy(local, ipv6_is_multicast(ip + 24) ? ipv6_select_source(iface, peer) : ip + 24, 16);
    memcpy(ip + 8, local, 16);
    memcpy(ip + 24, peer, 16);
    ip[7] = IP6_HOP_LIMIT;
    uint8_t *icmp = ip + IP6_HLEN;
    icmp[0] = ICMP6_ECHO_REPLY;
    put_be16(icmp + 2, ipv6_l4_checksum(ip));
    f->len = ETH_HLEN + IP6_HLEN + get_be16(ip + 4);
    if (!ipv6_is_link_local(peer)) {
        ipv6_send(sim, h, f, peer, host_dst_cache6(h, peer));
        return;
    }
    /* link-local: back out of the interface it came in on */
    Neigh *n = host_neigh_lookup(iface, 6, peer, true);
    if (!n) {
        h->drops[HOST_DROP_ARP_HOLD_FULL]++;
        frame_free(&sim->pool, f);
        return;
    }
    ipv6_output(sim, iface, n, f);
}

static void icmp6_rx(Sim *sim, Iface *iface, Frame *f, uint8_t *ip)
{
    Host *h = iface->host;
    uint8_t *icmp = ip + IP6_HLEN;
    if (get_be16(ip + 4) < 4 || !ipv6_l4_checksum_ok(ip)) {
        h->drops[HOST_DROP_MALFORMED]++;
        frame_free(&sim->pool, f);
        return;
    }
    switch (icmp[0]) {
    case ICMP6_ECHO_REQUEST:
        if (!ipv6_is_unspecified(ip + 8)) {
            icmp6_echo_reply(sim, iface, f, ip);
            return;
        }
        break;
    case ICMP6_ECHO_REPLY:
        if (f->flow != FRAME_NO_FLOW && f->flow < sim->flows->len) {
            flow_deliver(sim, g_ptr_array_index(sim->flows, f->flow), h, f);
            return;
        }
        break;
    case ICMP6_ND_NS:
        ndisc_rx_ns(sim, iface, f, ip);
        return;
    case ICMP6_ND_NA:
        ndisc_rx_na(sim, iface, f, ip);
        return;
    default:
        break;
    }
    h->drops[HOST_DROP_NO_LISTENER]++;
    frame_free(&sim->pool, f);
}

void ipv6_rx(Sim *sim, Iface *iface, Frame *f)
{
    Host *h = iface->host;
    uint8_t *ip = f->data + ETH_HLEN;
    if (f->len < ETH_HLEN + IP6_HLEN || (ip[0] >> 4) != 6 ||
        ETH_HLEN + IP6_HLEN + (uint32_t)get_be16(ip + 4) > f->len) {
        h->drops[HOST_DROP_MALFORMED]++;
        frame_free(&sim->pool, f);
        return;
    }
    const uint8_t *dst = ip + 24;
    bool ours = iface->has_ip6 && (ipv6_is_multicast(dst) ? ipv6_group_joined(iface, dst)
                                                          : ipv6_is_local(iface, dst));
    if (!ours) {
        h->drops[HOST_DROP_NOT_FOR_US]++;
        frame_free(&sim->pool, f);
        return;
    }
    if (ip[6] == IP6_PROTO_ICMPV6) {
        icmp6_rx(sim, iface, f, ip);
        return;
    }
    /* UDP: the checksum is not verified (every sender here computes it) */
    if (ip[6] == IP6_PROTO_UDP && f->flow != FRAME_NO_FLOW && f->flow < sim->flows->len) {
        flow_deliver(sim, g_ptr_array_index(sim->flows, f->flow), h, f);
        return;
    }
    h->drops[HOST_DROP_NO_LISTENER]++;
    frame_free(&sim->pool, f);
}
