/* test_ipv6.c - IPv6 in the host stack and the bond (sim/net/ipv6.c, with
 * host.c's neighbour cache, flow.c's udp6/ping6, bond.c's peer notification
 * and the scenario keys addr6/route6/udp6/ping6).
 *
 * Most cases cable two hosts back to back: h1 2001:db8::1/64 (MAC
 * 02:00:00:00:00:01) and h2 2001:db8::2/64 (02:00:00:00:00:02), no IPv4. Each
 * NIC's rx handler is a tap that copies the frame and its arrival time before
 * handing it to host_rx(). Expected checksums were computed independently
 * (a few lines of Python over the RFC 8200 pseudo-header) and are written out
 * as constants; tshark, when installed, reads a whole failover run.
 */
#include "net/ipv6.h"

#include "cu_run.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#include "bond/bond.h"
#include "host.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "switch.h"
#include "traffic/flow.h"
#include "util/bytes.h"
#include "util/units.h"

#define TICK_PS (104 * PS_PER_MS) /* miimon=100 at HZ=250 */

static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac2[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t ip6_1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t ip6_2[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x02};
static const uint8_t ip6_nobody[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x99};
static const uint8_t ip6_all_nodes[16] = {0xff, 0x02, [15] = 0x01};

/* Frame bytes equal `want`, or the first differing offset is reported. */
static void bytes_equal(const uint8_t *got, uint32_t got_len, const uint8_t *want,
                        uint32_t want_len, int line)
{
    uint32_t i = 0;
    while (i < got_len && i < want_len && got[i] == want[i])
        i++;
    tl_checkf(got_len == want_len && i == want_len, line,
              "frame bytes: length %u (want %u), first difference at byte %u", got_len, want_len,
              i);
}

#define BYTES_EQUAL(got, got_len, want) bytes_equal(got, got_len, want, sizeof(want), __LINE__)

/* ---- the tap --------------------------------------------------------------- */

static const uint8_t *tap_ip(const TlTapFrame *t)
{
    return t->data + ETH_HLEN;
}

/* ICMPv6 type of a tapped IPv6 frame, 0 for anything else. */
static uint8_t tap_icmp6_type(const TlTapFrame *t)
{
    if (get_be16(t->data + 12) != ETH_P_IPV6 || tap_ip(t)[6] != IP6_PROTO_ICMPV6)
        return 0;
    return tap_ip(t)[IP6_HLEN];
}

/* ICMPv6 of `type` (0: UDP) over IPv6. */
static bool is_icmp6_type(const TlTapFrame *t, unsigned type)
{
    if (get_be16(t->data + 12) != ETH_P_IPV6)
        return false;
    return type ? tap_icmp6_type(t) == type : tap_ip(t)[6] == IP6_PROTO_UDP;
}

/* The nth frame received at `at` that is ICMPv6 `type` (0: UDP over IPv6). */
static const TlTapFrame *tap_nth(int at, uint8_t type, guint nth)
{
    return tl_tap_nth(at, is_icmp6_type, type, nth);
}

static guint tap_count(int at, uint8_t type)
{
    return tl_tap_count(at, is_icmp6_type, type);
}

/* ---- two hosts back to back ---------------------------------------------- */

/* The pair of testlib, h1 2001:db8::1/64 and h2 2001:db8::2/64. */
static void pair_init(TlPair *p, uint64_t delay_ps)
{
    tl_pair_init(p, delay_ps, mac1, mac2);
    CU_ASSERT_TRUE(ipv6_add_address(p->if1, ip6_1, 64));
    CU_ASSERT_TRUE(ipv6_add_address(p->if2, ip6_2, 64));
}

static void run_until(Sim *sim, uint64_t end_ps)
{
    engine_run(&sim->eng, sim, end_ps);
}

/* A UDP datagram of no flow, source :: (ipv6_send fills it in). */
static void send_udp6(Sim *sim, Host *from, const uint8_t dst[16])
{
    static const uint8_t unset[16] = {0};
    Frame *f = frame_alloc(&sim->pool);
    uint8_t *ip = f->data + ETH_HLEN;
    ipv6_write_header(ip, 12, IP6_PROTO_UDP, 64, unset, dst);
    put_be16(ip + 40, 1000);
    put_be16(ip + 42, 2000);
    put_be16(ip + 44, 12);
    put_be16(ip + 46, 0);
    memcpy(ip + 48, "abcd", 4);
    put_be16(ip + 46, ipv6_l4_checksum(ip));
    f->len = ETH_HLEN + IP6_HLEN + 12;
    ipv6_send(sim, from, f, dst, NULL);
}

static const Neigh *neigh6_of(const Iface *ifc, const uint8_t ip[16])
{
    for (int i = 0; i < HOST_MAX_NEIGH; i++)
        if (ifc->neigh[i].state != NEIGH_FREE && ifc->neigh[i].family == 6 &&
            memcmp(ifc->neigh[i].ip, ip, 16) == 0)
            return &ifc->neigh[i];
    return NULL;
}

static int neigh_count(const Iface *ifc)
{
    int n = 0;
    for (int i = 0; i < HOST_MAX_NEIGH; i++)
        n += ifc->neigh[i].state != NEIGH_FREE;
    return n;
}

static Flow *add_flow6(Sim *sim, FlowKind kind, Host *src, const uint8_t dst[16])
{
    Flow *fl = flow_new6("f", kind, src, dst);
    fl->index = (int)sim->flows->len;
    g_ptr_array_add(sim->flows, fl);
    return fl;
}

/* ---- addresses -------------------------------------------------------------- */

static void ipv6_link_local_and_groups_follow_the_mac(void)
{
    static const uint8_t mac[6] = {0x00, 0x1b, 0x21, 0x3a, 0x4b, 0x5c};
    uint8_t ll[16], group[16], gmac[6];
    char text[64];
    ipv6_link_local_from_mac(mac, ll);
    CU_ASSERT_STRING_EQUAL(ipv6_format(ll, text, sizeof text), "fe80::21b:21ff:fe3a:4b5c");
    ipv6_link_local_from_mac(mac1, ll);
    CU_ASSERT_STRING_EQUAL(ipv6_format(ll, text, sizeof text), "fe80::ff:fe00:1");
    ipv6_solicited_node(ip6_2, group);
    CU_ASSERT_STRING_EQUAL(ipv6_format(group, text, sizeof text), "ff02::1:ff00:2");
    ipv6_multicast_mac(group, gmac);
    static const uint8_t want_gmac[6] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x02};
    CU_ASSERT_EQUAL(memcmp(gmac, want_gmac, 6), 0);

    uint8_t a[16];
    int plen = -1;
    CU_ASSERT_TRUE(ipv6_parse_cidr("2001:db8::1/64", a, &plen));
    CU_ASSERT_EQUAL(plen, 64);
    CU_ASSERT_EQUAL(memcmp(a, ip6_1, 16), 0);
    CU_ASSERT_FALSE(ipv6_parse_cidr("2001:db8::1", a, &plen));
    CU_ASSERT_FALSE(ipv6_parse_cidr("2001:db8::1/129", a, &plen));
    CU_ASSERT_FALSE(ipv6_parse_cidr("10.0.0.1/24", a, &plen));
    CU_ASSERT_TRUE(ipv6_prefix_match(ip6_1, ip6_nobody, 64));
    CU_ASSERT_FALSE(ipv6_prefix_match(ip6_1, ip6_nobody, 127));
}

static void ipv6_interface_gets_link_local_first_and_connected_routes(void)
{
    TlPair p;
    pair_init(&p, PS_PER_US);
    static const uint8_t ll1[16] = {0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x01};
    CU_ASSERT_TRUE(p.if1->has_ip6);
    CU_ASSERT_EQUAL(p.if1->n_addr6, 2);
    CU_ASSERT_EQUAL(memcmp(p.if1->addr6[0].addr, ll1, 16), 0);
    CU_ASSERT_EQUAL(memcmp(p.if1->addr6[1].addr, ip6_1, 16), 0);
    CU_ASSERT_EQUAL(p.h1->n_routes6, 2); /* fe80::/64 and 2001:db8::/64 */
    CU_ASSERT_EQUAL(p.h1->routes6[1].metric, IP6_ROUTE_METRIC_CONNECTED);
    /* source selection: link-local for link-local, the global otherwise */
    CU_ASSERT_EQUAL(memcmp(ipv6_select_source(p.if1, ll1), ll1, 16), 0);
    CU_ASSERT_EQUAL(memcmp(ipv6_select_source(p.if1, ip6_2), ip6_1, 16), 0);
    /* refused: link-local, multicast, duplicates, a fourth global */
    CU_ASSERT_FALSE(ipv6_add_address(p.if1, ll1, 64));
    CU_ASSERT_FALSE(ipv6_add_address(p.if1, ip6_all_nodes, 64));
    CU_ASSERT_FALSE(ipv6_add_address(p.if1, ip6_1, 64));
    static const uint8_t more[3][16] = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1},
                                        {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1},
                                        {0x20, 0x01, 0x0d, 0xb8, 0, 3, [15] = 1}};
    CU_ASSERT_TRUE(ipv6_add_address(p.if1, more[0], 64));
    CU_ASSERT_TRUE(ipv6_add_address(p.if1, more[1], 64));
    CU_ASSERT_FALSE(ipv6_add_address(p.if1, more[2], 64));
    /* the longest matching prefix picks the source */
    static const uint8_t in_more1[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 9};
    CU_ASSERT_EQUAL(memcmp(ipv6_select_source(p.if1, in_more1), more[1], 16), 0);
    tl_pair_clear(&p);
}

/* ---- neighbour discovery ------------------------------------------------------ */

/* h1's solicitation for 2001:db8::2, byte for byte (RFC 4861 4.3). */
static const uint8_t want_ns[] = {0x33, 0x33, 0xff, 0x00, 0x00, 0x02, 0x02, 0x00,
                                  0x00, 0x00, 0x00, 0x01, 0x86, 0xdd,             /* eth */
                                  0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, /* ip6 */
                                  0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
                                  0,    0,    0,    0,    0,    0,    0,    0x01, /* src */
                                  0xff, 0x02, 0,    0,    0,    0,    0,    0,
                                  0,    0,    0,    0x01, 0xff, 0x00, 0x00, 0x02, /* dst */
                                  0x87, 0x00, 0x1c, 0x27, 0,    0,    0,    0,    /* NS */
                                  0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
                                  0,    0,    0,    0,    0,    0,    0,    0x02,  /* target */
                                  0x01, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01}; /* SLLA */

/* h2's answer: solicited, override, its MAC (RFC 4861 4.4). */
static const uint8_t want_na[] = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x86, 0xdd, 0x60,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0x02, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0x01, 0x88, 0x00, 0x8a, 0x71, 0x60, 0,
    0,    0,    0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0x02, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02};

static void ipv6_ns_na_exchange_is_exact_and_fills_both_caches(void)
{
    const uint64_t delay = PS_PER_US;
    TlPair p;
    pair_init(&p, delay);
    send_udp6(p.sim, p.h1, ip6_2);
    const Neigh *n = neigh6_of(p.if1, ip6_2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->state, NEIGH_INCOMPLETE);
    CU_ASSERT_EQUAL(n->hold_len, 1);

    run_until(p.sim, PS_PER_MS);

    const TlTapFrame *ns = tap_nth(1, ICMP6_ND_NS, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ns);
    BYTES_EQUAL(ns->data, ns->len, want_ns);
    CU_ASSERT_EQUAL(ns->time_ps, frame_tx_time_ps(86, TL_GBPS) + delay);
    CU_ASSERT_EQUAL(ipv6_l4_checksum(tap_ip(ns)), 0x1c27);
    const TlTapFrame *na = tap_nth(0, ICMP6_ND_NA, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(na);
    BYTES_EQUAL(na->data, na->len, want_na);
    CU_ASSERT_EQUAL(ipv6_l4_checksum(tap_ip(na)), 0x8a71);
    /* both caches: h1 from the NA, h2 from the NS's source option */
    CU_ASSERT_EQUAL(n->state, NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(memcmp(n->mac, mac2, 6), 0);
    CU_ASSERT_EQUAL(n->hold_len, 0);
    const Neigh *back = neigh6_of(p.if2, ip6_1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(back);
    CU_ASSERT_EQUAL(back->state, NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(memcmp(back->mac, mac1, 6), 0);
    CU_ASSERT_EQUAL(p.h1->nd_tx, 1);
    CU_ASSERT_EQUAL(p.h2->nd_tx, 1);
    CU_ASSERT_EQUAL(p.h1->arp_tx + p.h2->arp_tx, 0);
    /* the held datagram went to h2's MAC from h1's global address */
    const TlTapFrame *d = tap_nth(1, 0, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(memcmp(d->data, mac2, 6), 0);
    CU_ASSERT_EQUAL(memcmp(tap_ip(d) + 8, ip6_1, 16), 0);
    CU_ASSERT_EQUAL(get_be16(tap_ip(d) + 46), ipv6_l4_checksum(tap_ip(d)));
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_NO_LISTENER], 1);

    /* resolved: the next datagram leaves at once, no solicitation */
    send_udp6(p.sim, p.h1, ip6_2);
    run_until(p.sim, 2 * PS_PER_MS);
    CU_ASSERT_EQUAL(p.h1->nd_tx, 1);
    CU_ASSERT_EQUAL(tap_count(1, 0), 2);
    tl_pair_clear(&p);
}

static void ipv6_unanswered_ns_three_times_then_held_dropped(void)
{
    const uint64_t delay = PS_PER_US;
    TlPair p;
    pair_init(&p, delay);
    for (int i = 0; i < 4; i++)
        send_udp6(p.sim, p.h1, ip6_nobody);
    CU_ASSERT_EQUAL(neigh6_of(p.if1, ip6_nobody)->hold_len, 4);

    run_until(p.sim, 3 * PS_PER_S - 1);

    CU_ASSERT_EQUAL(p.h1->nd_tx, 3);
    CU_ASSERT_EQUAL_FATAL(tap_count(1, ICMP6_ND_NS), 3);
    for (guint i = 0; i < 3; i++) {
        const TlTapFrame *t = tap_nth(1, ICMP6_ND_NS, i);
        CU_ASSERT_EQUAL(t->time_ps, i * PS_PER_S + frame_tx_time_ps(86, TL_GBPS) + delay);
        CU_ASSERT_EQUAL(memcmp(tap_ip(t) + IP6_HLEN + 8, ip6_nobody, 16), 0);
    }
    /* h2 is not in the solicited-node group of ::99: filtered by MAC */
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_NOT_FOR_US], 3);
    CU_ASSERT_EQUAL(p.h2->nd_rx, 0);
    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_ARP_FAILED], 0);

    run_until(p.sim, 3 * PS_PER_S);

    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_ARP_FAILED], 4);
    CU_ASSERT_PTR_NULL(neigh6_of(p.if1, ip6_nobody));
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    tl_pair_clear(&p);
}

static void ipv6_multicast_mac_filter_takes_only_joined_groups(void)
{
    TlPair p;
    pair_init(&p, PS_PER_US);
    uint8_t mac[6];
    uint8_t group[16];
    CU_ASSERT_TRUE(ipv6_mac_wanted(p.if2, (const uint8_t[6]){0x33, 0x33, 0, 0, 0, 1}));
    ipv6_solicited_node(ip6_2, group);
    ipv6_multicast_mac(group, mac);
    CU_ASSERT_TRUE(ipv6_mac_wanted(p.if2, mac));
    ipv6_solicited_node(p.if2->addr6[0].addr, group); /* the link-local's group */
    ipv6_multicast_mac(group, mac);
    CU_ASSERT_TRUE(ipv6_mac_wanted(p.if2, mac));
    ipv6_solicited_node(ip6_nobody, group);
    ipv6_multicast_mac(group, mac);
    CU_ASSERT_FALSE(ipv6_mac_wanted(p.if2, mac));
    CU_ASSERT_FALSE(ipv6_mac_wanted(p.if2, (const uint8_t[6]){0x33, 0x33, 0, 0, 0, 2}));
    /* an interface without IPv6 joins nothing */
    Host *h3 = host_new(p.sim, "h3");
    g_ptr_array_add(p.sim->hosts, h3);
    Iface *if3 = host_add_iface_nic(h3, host_add_nic(h3, "eth0", mac1, TL_GBPS));
    CU_ASSERT_FALSE(ipv6_mac_wanted(if3, (const uint8_t[6]){0x33, 0x33, 0, 0, 0, 1}));
    tl_pair_clear(&p);
}

static void ipv6_default_route_via_link_local_gateway(void)
{
    static const uint8_t any[16] = {0};
    static const uint8_t far[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x99, [15] = 0x05};
    TlPair p;
    pair_init(&p, PS_PER_US);
    const uint8_t *gw = p.if2->addr6[0].addr; /* fe80::ff:fe00:2 */
    CU_ASSERT_TRUE(ipv6_add_route(p.h1, any, 0, gw, p.if1, IP6_ROUTE_METRIC_USER));

    send_udp6(p.sim, p.h1, far);
    run_until(p.sim, PS_PER_MS);

    /* the solicitation for the gateway goes from h1's link-local */
    const TlTapFrame *ns = tap_nth(1, ICMP6_ND_NS, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ns);
    CU_ASSERT_EQUAL(memcmp(tap_ip(ns) + 8, p.if1->addr6[0].addr, 16), 0);
    CU_ASSERT_EQUAL(memcmp(tap_ip(ns) + IP6_HLEN + 8, gw, 16), 0);
    CU_ASSERT_EQUAL(get_be16(tap_ip(ns) + IP6_HLEN + 2), ipv6_l4_checksum(tap_ip(ns)));
    /* the datagram: to the gateway's MAC, from the global address */
    const TlTapFrame *d = tap_nth(1, 0, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(memcmp(d->data, mac2, 6), 0);
    CU_ASSERT_EQUAL(memcmp(tap_ip(d) + 8, ip6_1, 16), 0);
    CU_ASSERT_EQUAL(memcmp(tap_ip(d) + 24, far, 16), 0);
    CU_ASSERT_PTR_NOT_NULL(neigh6_of(p.if1, gw));
    CU_ASSERT_PTR_NULL(neigh6_of(p.if1, far));
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_NOT_FOR_US], 1); /* h2 does not forward */
    tl_pair_clear(&p);
}

/* ---- ICMPv6 echo and UDP over IPv6 ------------------------------------------- */

static void ipv6_ping6_gets_replies_with_valid_checksums(void)
{
    TlPair p;
    pair_init(&p, PS_PER_US);
    Flow *fl = add_flow6(p.sim, FLOW_PING, p.h1, ip6_2);
    flow_set_ping(fl, PS_PER_MS, 56);
    fl->stop_ps = 10 * PS_PER_MS;
    p.sim->end_ps = 20 * PS_PER_MS;

    sim_run(p.sim, false);

    CU_ASSERT_EQUAL(fl->sent, 10);
    CU_ASSERT_EQUAL(fl->received, 10);
    CU_ASSERT_EQUAL(p.h2->icmp6_echo_rx, 10);
    CU_ASSERT_EQUAL_FATAL(tap_count(1, ICMP6_ECHO_REQUEST), 10);
    CU_ASSERT_EQUAL_FATAL(tap_count(0, ICMP6_ECHO_REPLY), 10);
    for (guint i = 0; i < 10; i++) {
        const TlTapFrame *req = tap_nth(1, ICMP6_ECHO_REQUEST, i);
        const TlTapFrame *rep = tap_nth(0, ICMP6_ECHO_REPLY, i);
        const uint8_t *q = tap_ip(req), *r = tap_ip(rep);
        tl_checkf(req->len == ETH_HLEN + IP6_HLEN + 8 + 56 && rep->len == req->len, __LINE__,
                  "echo %u: lengths %u and %u", i, req->len, rep->len);
        tl_checkf(get_be16(q + 42) == ipv6_l4_checksum(q) &&
                      get_be16(r + 42) == ipv6_l4_checksum(r),
                  __LINE__, "echo %u: checksums", i);
        tl_checkf(memcmp(q + 8, ip6_1, 16) == 0 && memcmp(q + 24, ip6_2, 16) == 0 &&
                      memcmp(r + 8, ip6_2, 16) == 0 && memcmp(r + 24, ip6_1, 16) == 0,
                  __LINE__, "echo %u: addresses swapped", i);
        tl_checkf(q[7] == 64 && r[7] == 64 && get_be16(q + 44) == 1 && get_be16(q + 46) == i + 1 &&
                      memcmp(q + 44, r + 44, 4) == 0,
                  __LINE__, "echo %u: hop limit, identifier and sequence", i);
        tl_checkf(memcmp(r + 48, "BSIM", 4) == 0 && get_be64(r + 56) == i, __LINE__,
                  "echo %u: bondsim header echoed", i);
    }
    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_MALFORMED] + p.h2->drops[HOST_DROP_MALFORMED], 0);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    tl_pair_clear(&p);
}

/* Payload sizes around the 24-byte bondsim header (the sender sums only the
 * header: the rest is zero) and the largest that fits 1500 bytes. */
static void ipv6_udp6_flow_delivers_with_correct_checksums(void)
{
    static const uint32_t sizes[] = {0, 5, 23, 24, 25, 100, 1001, FLOW_UDP6_MAX_PAYLOAD};
    for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
        TlPair p;
        pair_init(&p, PS_PER_US);
        Flow *fl = add_flow6(p.sim, FLOW_UDP, p.h1, ip6_2);
        flow_set_udp(fl, 100 * UINT64_C(1000000), sizes[s], 40000, 5001);
        CU_ASSERT_EQUAL(fl->interval_ps, frame_wire_bits(ETH_HLEN + IP6_HLEN + 8 + sizes[s]) *
                                             PS_PER_S / (100 * UINT64_C(1000000)));
        fl->stop_ps = PS_PER_MS;
        p.sim->end_ps = 2 * PS_PER_MS;

        sim_run(p.sim, false);

        tl_checkf(fl->sent > 5 && fl->received == fl->sent && fl->out_of_order == 0, __LINE__,
                  "size %u: sent %" G_GUINT64_FORMAT ", received %" G_GUINT64_FORMAT, sizes[s],
                  fl->sent, fl->received);
        bool ok = true;
        for (guint i = 0; i < tap_count(1, 0); i++) {
            const TlTapFrame *t = tap_nth(1, 0, i);
            const uint8_t *ip = tap_ip(t);
            uint16_t sum = get_be16(ip + 46);
            ok = ok && sum != 0 && sum == ipv6_l4_checksum(ip);
            ok = ok && t->len == MAX(ETH_ZLEN, ETH_HLEN + IP6_HLEN + 8 + sizes[s]);
            ok = ok && get_be16(ip + 4) == 8 + sizes[s] && get_be16(ip + 44) == 8 + sizes[s];
            ok = ok && memcmp(ip + 8, ip6_1, 16) == 0 && get_be16(ip + 40) == 40000;
            if (sizes[s] >= FLOW_HEADER_LEN)
                ok = ok && memcmp(ip + 48, "BSIM", 4) == 0 && get_be64(ip + 56) == i;
        }
        tl_checkf(ok, __LINE__, "size %u: every datagram well formed with a correct checksum",
                  sizes[s]);
        tl_pair_clear(&p);
    }
}

/* ---- unsolicited NA ----------------------------------------------------------- */

static void ipv6_unsolicited_na_per_address_updates_known_entries(void)
{
    static const uint8_t ip6_1b[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, [15] = 0x01};
    static const uint8_t mac1_new[6] = {0x02, 0, 0, 0, 0, 0x11};
    TlPair p;
    pair_init(&p, PS_PER_US);
    CU_ASSERT_TRUE(ipv6_add_address(p.if1, ip6_1b, 64));
    send_udp6(p.sim, p.h2, ip6_1); /* h1 learns nothing it needs; h2 learns h1 */
    run_until(p.sim, PS_PER_MS);
    const Neigh *n = neigh6_of(p.if2, ip6_1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    int before = neigh_count(p.if2);

    CU_ASSERT_EQUAL(tap_count(1, ICMP6_ND_NA), 1); /* h1's answer */
    tl_tap_clear();
    iface_mac_changed(p.sim, p.if1, mac1_new);
    CU_ASSERT_EQUAL(ndisc_send_unsol_na(p.sim, p.if1, NULL), 3);
    run_until(p.sim, 2 * PS_PER_MS);

    /* kernel list order: the newest global, the older one, the link-local */
    CU_ASSERT_EQUAL_FATAL(tap_count(1, ICMP6_ND_NA), 3);
    const uint8_t *order[3] = {ip6_1b, ip6_1, p.if1->addr6[0].addr};
    for (guint i = 0; i < 3; i++) {
        const TlTapFrame *t = tap_nth(1, ICMP6_ND_NA, i);
        const uint8_t *ip = tap_ip(t), *icmp = ip + IP6_HLEN;
        tl_checkf(memcmp(ip + 8, order[i], 16) == 0 && memcmp(icmp + 8, order[i], 16) == 0 &&
                      memcmp(ip + 24, ip6_all_nodes, 16) == 0,
                  __LINE__, "NA %u: source = target = the address, to ff02::1", i);
        tl_checkf(icmp[4] == ND_NA_FLAG_OVERRIDE && ip[7] == 255 && icmp[24] == 2 &&
                      icmp[25] == 1 && memcmp(icmp + 26, mac1_new, 6) == 0 &&
                      memcmp(t->data + 6, mac1_new, 6) == 0,
                  __LINE__, "NA %u: O only, hop limit 255, target link-layer option = new MAC", i);
        tl_checkf(get_be16(icmp + 2) == ipv6_l4_checksum(ip), __LINE__, "NA %u: checksum", i);
    }
    /* h2's entry follows the new MAC (O=1); no entry appears for the others */
    CU_ASSERT_EQUAL(n->state, NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(memcmp(n->mac, mac1_new, 6), 0);
    CU_ASSERT_EQUAL(neigh_count(p.if2), before);
    CU_ASSERT_EQUAL(p.h2->nd_rx, 1 + 3); /* h1's answer to its NS, then the three */
    CU_ASSERT_EQUAL(p.h2->nd_tx, 1);
    tl_pair_clear(&p);
}

static void ipv6_na_without_override_does_not_move_a_known_entry(void)
{
    static const uint8_t other[6] = {0x02, 0, 0, 0, 0, 0x77};
    TlPair p;
    pair_init(&p, PS_PER_US);
    send_udp6(p.sim, p.h2, ip6_1);
    run_until(p.sim, PS_PER_MS);
    const Neigh *n = neigh6_of(p.if2, ip6_1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    Frame *f = ndisc_build_na(p.sim, mac2, other, ip6_1, ip6_2, ip6_1, 0, other);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    iface_xmit(p.sim, p.if1, f);
    run_until(p.sim, 2 * PS_PER_MS);
    CU_ASSERT_EQUAL(memcmp(n->mac, mac1, 6), 0);
    f = ndisc_build_na(p.sim, mac2, other, ip6_1, ip6_2, ip6_1, ND_NA_FLAG_OVERRIDE, other);
    iface_xmit(p.sim, p.if1, f);
    run_until(p.sim, 3 * PS_PER_MS);
    CU_ASSERT_EQUAL(memcmp(n->mac, other, 6), 0);
    tl_pair_clear(&p);
}

/* ---- the bond's peer notification ------------------------------------------------- */

/* The unsolicited NA for 2001:db8::1 from bond MAC 02:00:00:01:00:01 (5.3). */
static const uint8_t want_unsol_na[] = {
    0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01, 0x86, 0xdd, 0x60,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0x01, 0xff, 0x02, 0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0x01, 0x88, 0x00, 0xf9, 0x29, 0x20, 0,
    0,    0,    0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,    0,    0,    0,
    0,    0,    0x01, 0x02, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01};

/* The same for the bond's link-local fe80::ff:fe01:1. */
static const uint8_t want_unsol_na_ll[] = {
    0x33, 0x33, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01, 0x86, 0xdd, 0x60,
    0x00, 0x00, 0x00, 0x00, 0x20, 0x3a, 0xff, 0xfe, 0x80, 0,    0,    0,    0,    0,    0,
    0,    0,    0,    0xff, 0xfe, 0x01, 0x00, 0x01, 0xff, 0x02, 0,    0,    0,    0,    0,
    0,    0,    0,    0,    0,    0,    0,    0,    0x01, 0x88, 0x00, 0x59, 0x98, 0x20, 0,
    0,    0,    0xfe, 0x80, 0,    0,    0,    0,    0,    0,    0,    0,    0,    0xff, 0xfe,
    0x01, 0x00, 0x01, 0x02, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x01};

/* Server bond0 over eth0/eth1 (MACs 02:00:00:01:00:0N), each cabled to a
 * recorder NIC p0/p1 (owner_index 0/1). IPv4 10.0.0.1/24 if `v4`. */
static Bond *peer_bond(Sim *sim, const char *opts, bool v4)
{
    TlBond spec = {.opts = opts, .n_slaves = 2, .allow_unmodelled = true, .no_ipv4 = !v4};
    Bond *b = tl_add_bond(sim, &spec);
    if (!b)
        return NULL;
    tl_add_peer(sim, b, 3, tl_tap_record_rx, NULL, NULL);
    CU_ASSERT_TRUE(ipv6_add_address(b->iface, ip6_1, 64));
    return b;
}

static Sim *bond_sim(uint64_t end_ps)
{
    tl_tap_start();
    return tl_sim("t", end_ps);
}

static void bond_sim_free(Sim *sim)
{
    sim_free(sim);
    tl_tap_stop();
}

/* What arrived at recorder `at` from `from_ps` on, as a string of letters:
 * G = gratuitous ARP, N = unsolicited NA, ? = anything else. */
static char *arrivals(int at, uint64_t from_ps, uint64_t to_ps)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < tl_tap_len(); i++) {
        const TlTapFrame *t = tl_tap_at(i);
        if (t->at != at || t->time_ps < from_ps || t->time_ps > to_ps)
            continue;
        uint16_t type = get_be16(t->data + 12);
        if (type == ETH_P_ARP)
            g_string_append_c(s, 'G');
        else if (tap_icmp6_type(t) == ICMP6_ND_NA && t->data[ETH_HLEN + IP6_HLEN + 4] == 0x20)
            g_string_append_c(s, 'N');
        else
            g_string_append_c(s, '?');
    }
    return g_string_free(s, FALSE);
}

/* Cable of eth0 cut at 250 ms: seen at the 312 ms tick, eth1 active, one
 * round: the GARP then an NA per address (global, link-local), all on eth1,
 * nothing on eth0; the frames carry the bytes of 5.3. */
static void bond_failover_sends_nas_after_the_garp_on_the_new_active(void)
{
    Sim *sim = bond_sim(PS_PER_S);
    Bond *b = peer_bond(sim, "mode=active-backup miimon=100", true);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    SimFault ft = {"cut", 250 * PS_PER_MS, SIM_FAULT_LINK_DOWN, b->slaves[0].nic};
    sim_add_fault(sim, &ft);

    sim_run(sim, false);

    const uint64_t t0 = 3 * TICK_PS;
    CU_ASSERT_PTR_EQUAL(b->curr_active, &b->slaves[1]);
    g_autofree char *on_p1 = arrivals(1, 0, sim->end_ps);
    g_autofree char *on_p0 = arrivals(0, 0, sim->end_ps);
    tl_checkf(strcmp(on_p1, "GNN") == 0, __LINE__, "new active's peer got '%s', want 'GNN'", on_p1);
    tl_checkf(strcmp(on_p0, "") == 0, __LINE__, "old active's peer got '%s', want nothing", on_p0);
    const TlTapFrame *garp = tl_tap_at(0);
    const TlTapFrame *na = tap_nth(1, ICMP6_ND_NA, 0), *na_ll = tap_nth(1, ICMP6_ND_NA, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(na_ll);
    /* back to back at the failover tick: 60 + 86 + 86 bytes at 1 Gb/s */
    CU_ASSERT_EQUAL(garp->time_ps, t0 + frame_tx_time_ps(60, TL_GBPS) + PS_PER_US);
    CU_ASSERT_EQUAL(na->time_ps, garp->time_ps + frame_tx_time_ps(86, TL_GBPS));
    CU_ASSERT_EQUAL(na_ll->time_ps, na->time_ps + frame_tx_time_ps(86, TL_GBPS));
    BYTES_EQUAL(na->data, na->len, want_unsol_na);
    BYTES_EQUAL(na_ll->data, na_ll->len, want_unsol_na_ll);
    CU_ASSERT_EQUAL(ipv6_l4_checksum(tap_ip(na)), 0xf929);
    CU_ASSERT_EQUAL(ipv6_l4_checksum(tap_ip(na_ll)), 0x5998);
    CU_ASSERT_EQUAL(b->slaves[1].tx_frames, 3);
    bond_sim_free(sim);
}

/* num_unsol_na is num_grat_arp (one counter): 3 rounds, each GARP + 2 NAs,
 * at the GARP times of 5.3 (peer_notif_delay 200: ticks t0, t0+1, t0+3). An
 * IPv6-only bond announces with NAs alone. */
static void bond_num_unsol_na_rounds_follow_the_garp_counter(void)
{
    for (int v4 = 1; v4 >= 0; v4--) {
        Sim *sim = bond_sim(2 * PS_PER_S);
        Bond *b =
            peer_bond(sim, "mode=active-backup miimon=100 num_unsol_na=3 peer_notif_delay=200", v4);
        CU_ASSERT_PTR_NOT_NULL_FATAL(b);
        CU_ASSERT_EQUAL(b->p.num_peer_notif, 3);
        SimFault ft = {"cut", 250 * PS_PER_MS, SIM_FAULT_LINK_DOWN, b->slaves[0].nic};
        sim_add_fault(sim, &ft);

        sim_run(sim, false);

        const uint64_t t0 = 3 * TICK_PS;
        const uint64_t ticks[3] = {t0, t0 + TICK_PS, t0 + 3 * TICK_PS};
        const char *want = v4 ? "GNN" : "NN";
        for (int r = 0; r < 3; r++) {
            g_autofree char *got = arrivals(1, ticks[r], ticks[r] + TICK_PS - 1);
            tl_checkf(strcmp(got, want) == 0, __LINE__,
                      "v4=%d round %d at %" G_GUINT64_FORMAT " ps: '%s', want '%s'", v4, r,
                      ticks[r], got, want);
        }
        g_autofree char *all = arrivals(1, 0, sim->end_ps);
        tl_checkf(strlen(all) == 3 * strlen(want), __LINE__, "v4=%d: '%s' is 3 rounds", v4, all);
        bond_sim_free(sim);
    }
}

/* ---- scenario keys and Wireshark -------------------------------------------------- */

static const char scenario_text[] = "[simulation]\n"
                                    "format = 1\n"
                                    "duration = 1500ms\n"
                                    "[switch sw1]\n"
                                    "ports = 3\n"
                                    "[host server]\n"
                                    "nic.eth0 = speed=1G\n"
                                    "nic.eth1 = speed=1G\n"
                                    "bond.bond0 = mode=active-backup miimon=100\n"
                                    "bond.bond0.slaves = eth0 eth1\n"
                                    "addr.bond0 = 10.0.0.1/24\n"
                                    "addr6.bond0 = 2001:db8::1/64\n"
                                    "route6.default = via fe80::ff:fe02:1\n"
                                    "[host client]\n"
                                    "nic.eth0 = speed=1G\n"
                                    "addr.eth0 = 10.0.0.2/24\n"
                                    "addr6.eth0 = 2001:db8::2/64 2001:db8:1::2/64\n"
                                    "[links]\n"
                                    "server.eth0 = sw1.port1\n"
                                    "server.eth1 = sw1.port2\n"
                                    "client.eth0 = sw1.port3\n"
                                    "[traffic stream]\n"
                                    "udp6 = server -> client rate=2Mbit size=333 start=100ms\n"
                                    "[traffic echo]\n"
                                    "ping6 = client -> 2001:db8::1 interval=50ms start=100ms\n"
                                    "[traffic v4]\n"
                                    "udp = client -> server rate=1Mbit size=100 start=100ms\n"
                                    "[fault cut]\n"
                                    "at = 700ms\n"
                                    "link-down = server.eth0\n";

static char *write_scenario(const char *dir, const char *text)
{
    char *path = g_build_filename(dir, "v6.ini", NULL);
    g_file_set_contents(path, text, -1, NULL);
    return path;
}

static void scenario_addr6_route6_and_udp6_ping6_load(void)
{
    g_autofree char *dir = cu_scratch_dir("ipv6-load");
    g_autofree char *path = write_scenario(dir, scenario_text);
    ScenarioOptions opts = {0};
    GError *error = NULL;
    Sim *sim = scenario_load(path, &opts, NULL, &error);
    tl_checkf(sim != NULL, __LINE__, "loads: %s", error ? error->message : "");
    g_clear_error(&error);
    if (!sim)
        return;
    Host *server = sim->hosts->pdata[0], *client = sim->hosts->pdata[1];
    Iface *bond = host_find_iface(server, "bond0");
    CU_ASSERT_TRUE(bond->has_ip6);
    CU_ASSERT_EQUAL(bond->n_addr6, 2);
    CU_ASSERT_EQUAL(host_find_iface(client, "eth0")->n_addr6, 3);
    /* fe80::/64, 2001:db8::/64, then the default route via the link-local */
    CU_ASSERT_EQUAL_FATAL(server->n_routes6, 3);
    const Route6 *def = &server->routes6[2];
    CU_ASSERT_EQUAL(def->prefix_len, 0);
    CU_ASSERT_TRUE(def->has_gw && ipv6_is_link_local(def->gw));
    CU_ASSERT_PTR_EQUAL(def->iface, bond);
    CU_ASSERT_EQUAL(def->metric, IP6_ROUTE_METRIC_USER);
    CU_ASSERT_EQUAL_FATAL(sim->flows->len, 3);
    Flow *udp = sim->flows->pdata[0], *ping = sim->flows->pdata[1], *v4 = sim->flows->pdata[2];
    CU_ASSERT_TRUE(udp->ipv6 && udp->kind == FLOW_UDP);
    CU_ASSERT_EQUAL(memcmp(udp->dst_ip6, ip6_2, 16), 0); /* the client's first address */
    CU_ASSERT_TRUE(ping->ipv6 && ping->kind == FLOW_PING);
    CU_ASSERT_EQUAL(memcmp(ping->dst_ip6, ip6_1, 16), 0);
    CU_ASSERT_FALSE(v4->ipv6);
    sim_free(sim);
}

static void scenario_ipv6_errors_name_the_key(void)
{
    static const struct {
        const char *from, *to, *message;
    } cases[] = {
        {"addr6.bond0 = 2001:db8::1/64", "addr6.bond0 = 2001:db8::1",
         "[host server] addr6.bond0: '2001:db8::1' is not an IPv6 address with a prefix length"},
        {"addr6.bond0 = 2001:db8::1/64", "addr6.bond0 = fe80::1/64",
         "[host server] addr6.bond0: 'fe80::1/64': give a global address"},
        {"addr6.bond0 = 2001:db8::1/64", "addr6.eth0 = 2001:db8::1/64",
         "[host server] addr6.eth0: no interface eth0 on host server"},
        {"route6.default = via fe80::ff:fe02:1", "route6.default = via 2001:db9::1",
         "[host server] route6.default: gateway is in no IPv6 prefix of host server"},
        {"route6.default = via fe80::ff:fe02:1", "route6.default = via 10.0.0.9",
         "[host server] route6.default: '10.0.0.9' is not a unicast IPv6 address"},
        {"route6.default = via fe80::ff:fe02:1", "route6.2001:db8::/200 = dev bond0",
         "[host server] route6.2001:db8::/200: '2001:db8::/200' is neither 'default' nor an "
         "IPv6 prefix"},
        {"udp6 = server -> client", "udp = server -> 2001:db8::2",
         "[traffic stream] udp: '2001:db8::2' is an IPv6 address: write 'udp6 = ...'"},
        {"udp6 = server -> client", "udp6 = server -> 10.0.0.2",
         "[traffic stream] udp6: '10.0.0.2' is neither a host nor an IPv6 address"},
        {"size=333", "size=1453",
         "[traffic stream] udp6: size 1453 does not fit a 1500-byte IPv6 packet (at most 1452)"},
    };
    g_autofree char *dir = cu_scratch_dir("ipv6-errors");
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *at = strstr(scenario_text, cases[i].from);
        CU_ASSERT_PTR_NOT_NULL_FATAL(at);
        g_autofree char *text =
            g_strdup_printf("%.*s%s%s", (int)(at - scenario_text), scenario_text, cases[i].to,
                            at + strlen(cases[i].from));
        g_autofree char *path = write_scenario(dir, text);
        ScenarioOptions opts = {0};
        GError *error = NULL;
        Sim *sim = scenario_load(path, &opts, NULL, &error);
        tl_checkf(sim == NULL && error && strstr(error->message, cases[i].message), __LINE__,
                  "case %u: error '%s' holds '%s'", i, error ? error->message : "(none)",
                  cases[i].message);
        g_clear_error(&error);
        sim_free(sim);
    }
}

/* Runs `tshark -r path ARGS...`; returns stdout. */
static char *tshark(const char *path, const char *const *args)
{
    TlRun r = tl_tshark_r(path, args);
    tl_checkf(r.code == 0, __LINE__, "tshark runs: %s", r.err);
    char *out = g_steal_pointer(&r.out);
    tl_run_clear(&r);
    return out;
}

/* The scenario above, run with a pcapng capture: tshark decodes every IPv6
 * frame with good checksums (UDP checking switched on) and no expert
 * warning; the unsolicited NAs are found by `icmpv6.type == 136`. */
static void tshark_decodes_ipv6_frames_without_expert_warnings(void)
{
    g_autofree char *tshark_path = g_find_program_in_path("tshark");
    if (!tshark_path) {
        fprintf(stderr, " (tshark not on PATH: skipped) ");
        return;
    }
    g_autofree char *dir = cu_scratch_dir("ipv6-tshark");
    g_autofree char *path = write_scenario(dir, scenario_text);
    g_autofree char *cap_path = g_build_filename(dir, "v6.pcapng", NULL);
    ScenarioOptions opts = {0};
    GError *error = NULL;
    Sim *sim = scenario_load(path, &opts, NULL, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    sim->cap = capture_new(CAPTURE_PCAPNG, cap_path, 0, NULL, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim->cap);
    scenario_register_capture(sim);
    sim_run(sim, false);
    Capture *cap = sim->cap;
    sim->cap = NULL;
    CU_ASSERT_TRUE(capture_finish(cap, NULL, sim->end_ps, &error));
    g_clear_error(&error);
    sim_free(sim);

    static const char *const expert[] = {"-o", "udp.check_checksum:TRUE", "-q", "-z", "expert",
                                         NULL};
    g_autofree char *ex = tshark(cap_path, expert);
    tl_checkf(ex && !strstr(ex, "Errors (") && !strstr(ex, "Warnings (") &&
                  !strstr(ex, "Malformed"),
              __LINE__, "tshark expert finds nothing wrong:\n%s", ex ? ex : "");

    /* every ICMPv6 and UDP/IPv6 checksum verified good (status 1 = good) */
    static const char *const sums[] = {
        "-o", "udp.check_checksum:TRUE", "-Y", "ipv6 && (icmpv6 || udp)", "-T", "fields",
        "-e", "icmpv6.checksum.status",  "-e", "udp.checksum.status",     NULL};
    g_autofree char *st = tshark(cap_path, sums);
    g_auto(GStrv) lines = g_strsplit(st ? st : "", "\n", -1);
    guint n = 0, good = 0;
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        n++;
        good += strcmp(*l, "1\t") == 0 || strcmp(*l, "\t1") == 0;
    }
    tl_checkf(n > 100 && good == n, __LINE__, "%u of %u IPv6 frames have good checksums", good, n);

    /* the unsolicited NAs of the failover: on the bond and on eth1 */
    static const char *const nas[] = {"-Y", "icmpv6.type == 136 && icmpv6.nd.na.flag.s == 0",
                                      "-T", "fields",
                                      "-e", "frame.interface_name",
                                      "-e", "icmpv6.nd.na.target_address",
                                      "-e", "icmpv6.nd.na.flag.o",
                                      "-e", "icmpv6.opt.linkaddr",
                                      NULL};
    g_autofree char *na = tshark(cap_path, nas);
    tl_checkf(na && strstr(na, "server/bond0\t2001:db8::1\t1\t02:00:00:01:00:01\n") &&
                  strstr(na, "server/eth1\t2001:db8::1\t1\t02:00:00:01:00:01\n") &&
                  strstr(na, "server/eth1\tfe80::ff:fe01:1\t1\t02:00:00:01:00:01\n") &&
                  !strstr(na, "server/eth0"),
              __LINE__, "unsolicited NAs on bond0 and eth1 only:\n%s", na ? na : "");
}

/* ---- registration ---------------------------------------------------------------- */

static CU_TestInfo cases[] = {
    {"ipv6_link_local_and_groups_follow_the_mac", ipv6_link_local_and_groups_follow_the_mac},
    {"ipv6_interface_gets_link_local_first_and_connected_routes",
     ipv6_interface_gets_link_local_first_and_connected_routes},
    {"ipv6_ns_na_exchange_is_exact_and_fills_both_caches",
     ipv6_ns_na_exchange_is_exact_and_fills_both_caches},
    {"ipv6_unanswered_ns_three_times_then_held_dropped",
     ipv6_unanswered_ns_three_times_then_held_dropped},
    {"ipv6_multicast_mac_filter_takes_only_joined_groups",
     ipv6_multicast_mac_filter_takes_only_joined_groups},
    {"ipv6_default_route_via_link_local_gateway", ipv6_default_route_via_link_local_gateway},
    {"ipv6_ping6_gets_replies_with_valid_checksums", ipv6_ping6_gets_replies_with_valid_checksums},
    {"ipv6_udp6_flow_delivers_with_correct_checksums",
     ipv6_udp6_flow_delivers_with_correct_checksums},
    {"ipv6_unsolicited_na_per_address_updates_known_entries",
     ipv6_unsolicited_na_per_address_updates_known_entries},
    {"ipv6_na_without_override_does_not_move_a_known_entry",
     ipv6_na_without_override_does_not_move_a_known_entry},
    {"bond_failover_sends_nas_after_the_garp_on_the_new_active",
     bond_failover_sends_nas_after_the_garp_on_the_new_active},
    {"bond_num_unsol_na_rounds_follow_the_garp_counter",
     bond_num_unsol_na_rounds_follow_the_garp_counter},
    {"scenario_addr6_route6_and_udp6_ping6_load", scenario_addr6_route6_and_udp6_ping6_load},
    {"scenario_ipv6_errors_name_the_key", scenario_ipv6_errors_name_the_key},
    {"tshark_decodes_ipv6_frames_without_expert_warnings",
     tshark_decodes_ipv6_frames_without_expert_warnings},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("ipv6", cases);
}
