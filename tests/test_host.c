/* test_host.c - the host stack: ARP, holding while resolving, routing, ICMP
 * echo and UDP delivery (sim/host.c, with sim/traffic/flow.c as the sender).
 *
 * Two hosts cabled back to back: h1 10.0.0.1/24 and h2 10.0.0.2/24. Each
 * host NIC's rx handler is replaced by a tap that copies every frame it
 * receives, with the time, before handing it to host_rx(), so tests can check
 * the bytes on the wire and when they arrived.
 */
#include "host.h"

#include "cu_run.h"
#include "sim.h"
#include "testlib.h"
#include "traffic/flow.h"
#include "util/bytes.h"
#include "util/units.h"

#include <string.h>

static const uint8_t mac1[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t mac2[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t mac_bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t mac_zero[6] = {0};
static const uint8_t ip1[4] = {10, 0, 0, 1};
static const uint8_t ip2[4] = {10, 0, 0, 2};
static const uint8_t ip_nobody[4] = {10, 0, 0, 99};

/* ---- the tap ------------------------------------------------------------- */

static uint16_t tap_ethertype(const TlTapFrame *t)
{
    return get_be16(t->data + 12);
}

static bool has_ethertype(const TlTapFrame *t, unsigned ethertype)
{
    return tap_ethertype(t) == ethertype;
}

/* The nth frame of `ethertype` received by host `at`, or NULL. */
static const TlTapFrame *tap_nth(int at, uint16_t ethertype, guint nth)
{
    return tl_tap_nth(at, has_ethertype, ethertype, nth);
}

static guint tap_count(int at, uint16_t ethertype)
{
    return tl_tap_count(at, has_ethertype, ethertype);
}

/* ---- two hosts back to back ---------------------------------------------- */

/* The pair of testlib, h1 10.0.0.1/24 and h2 10.0.0.2/24. */
static void pair_init(TlPair *p, uint64_t delay_ps)
{
    tl_pair_init(p, delay_ps, mac1, mac2);
    host_set_address(p->if1, ip1, 24);
    host_set_address(p->if2, ip2, 24);
}

static void run_until(TlPair *p, uint64_t end_ps)
{
    engine_run(&p->sim->eng, p->sim, end_ps);
}

static Flow *add_flow(Sim *sim, FlowKind kind, Host *src, const uint8_t dst[4])
{
    Flow *fl = flow_new("f", kind, src, dst);
    fl->index = (int)sim->flows->len;
    g_ptr_array_add(sim->flows, fl);
    return fl;
}

/* Sends a UDP datagram of no flow (it ends as no-listener at a receiver). */
static void send_udp(TlPair *p, Host *from, const uint8_t dst[4])
{
    static const uint8_t unset[4] = {0};
    Frame *f = frame_alloc(&p->sim->pool);
    uint8_t *ip = f->data + ETH_HLEN;
    ipv4_write_header(ip, 28, 0, 17, unset, dst);
    put_be16(ip + 20, 1000);
    put_be16(ip + 22, 2000);
    put_be16(ip + 24, 8);
    put_be16(ip + 26, 0);
    f->len = ETH_HLEN + 28;
    host_send_ip(p->sim, from, f, dst, NULL);
}

/* The neighbour entry for `ip` on `ifc`, or NULL. */
static const Neigh *neigh_of(const Iface *ifc, const uint8_t ip[4])
{
    for (int i = 0; i < HOST_MAX_NEIGH; i++)
        if (ifc->neigh[i].state != NEIGH_FREE && memcmp(ifc->neigh[i].ip, ip, 4) == 0)
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

static uint64_t host_drops_total(const Host *h)
{
    uint64_t n = 0;
    for (int i = 0; i < HOST_DROP_COUNT; i++)
        n += h->drops[i];
    return n;
}

/* Checks an ARP frame field by field. */
static void check_arp(const TlTapFrame *t, const uint8_t eth_dst[6], uint16_t op,
                      const uint8_t sha[6], const uint8_t spa[4], const uint8_t tha[6],
                      const uint8_t tpa[4])
{
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    const uint8_t *a = t->data + ETH_HLEN;
    CU_ASSERT_EQUAL(t->len, ETH_ZLEN);
    CU_ASSERT_EQUAL(memcmp(t->data, eth_dst, 6), 0);
    CU_ASSERT_EQUAL(memcmp(t->data + 6, sha, 6), 0);
    CU_ASSERT_EQUAL(tap_ethertype(t), ETH_P_ARP);
    CU_ASSERT_EQUAL(get_be16(a), 1); /* hardware: Ethernet */
    CU_ASSERT_EQUAL(get_be16(a + 2), ETH_P_IP);
    CU_ASSERT_EQUAL(a[4], 6);
    CU_ASSERT_EQUAL(a[5], 4);
    CU_ASSERT_EQUAL(get_be16(a + 6), op);
    CU_ASSERT_EQUAL(memcmp(a + 8, sha, 6), 0);
    CU_ASSERT_EQUAL(memcmp(a + 14, spa, 4), 0);
    CU_ASSERT_EQUAL(memcmp(a + 18, tha, 6), 0);
    CU_ASSERT_EQUAL(memcmp(a + 24, tpa, 4), 0);
    bool pad_zero = true;
    for (uint32_t i = ETH_HLEN + 28; i < ETH_ZLEN; i++)
        pad_zero = pad_zero && t->data[i] == 0;
    CU_ASSERT_TRUE(pad_zero);
}

/* ---- ARP and holding ----------------------------------------------------- */

typedef struct {
    const Iface *ifc;
    uint32_t hold_len; /* of the entry for ip2 at the probe time */
    NeighState state;
} HoldProbe;

static void probe_hold(Sim *sim, void *obj, void *arg)
{
    HoldProbe *pr = obj;
    const Neigh *n = neigh_of(pr->ifc, ip2);
    pr->hold_len = n ? n->hold_len : 0;
    pr->state = n ? n->state : NEIGH_FREE;
}

/* Delay 50 us: the ARP exchange ends at 2 * (0.672 + 50) = 101.344 us, while
 * the flow sends every 13.28 us (142-byte frames at 100 Mb/s): 8 are held. */
static void host_udp_flow_arps_once_then_sends_held_in_order(void)
{
    const uint64_t delay = 50 * PS_PER_US;
    TlPair p;
    pair_init(&p, delay);
    Flow *fl = add_flow(p.sim, FLOW_UDP, p.h1, ip2);
    flow_set_udp(fl, 100 * UINT64_C(1000000), 100, 1000, 2000);
    CU_ASSERT_EQUAL(fl->interval_ps, UINT64_C(13280000));
    fl->start_ps = 0;
    fl->stop_ps = PS_PER_MS;
    HoldProbe pr = {p.if1, 0, NEIGH_FREE};
    engine_schedule(&p.sim->eng, 100 * PS_PER_US, probe_hold, &pr, NULL);
    p.sim->end_ps = 2 * PS_PER_MS;

    sim_run(p.sim, false);

    CU_ASSERT_EQUAL(pr.state, NEIGH_INCOMPLETE);
    CU_ASSERT_EQUAL(pr.hold_len, 8);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 1);
    CU_ASSERT_EQUAL(p.h2->arp_tx, 1);
    CU_ASSERT_EQUAL(p.h1->arp_rx, 1);
    CU_ASSERT_EQUAL(p.h2->arp_rx, 1);
    /* request first at h2, reply first at h1 */
    CU_ASSERT_EQUAL(tap_ethertype(tl_tap_at(0)), ETH_P_ARP);
    CU_ASSERT_EQUAL(tl_tap_at(0)->at, 1);
    CU_ASSERT_EQUAL(tl_tap_at(0)->time_ps, UINT64_C(672000) + delay);
    const TlTapFrame *reply = tap_nth(0, ETH_P_ARP, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(reply);
    CU_ASSERT_EQUAL(reply->time_ps, 2 * (UINT64_C(672000) + delay));
    /* the first held datagram leaves when the reply lands */
    const TlTapFrame *first = tap_nth(1, ETH_P_IP, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(first);
    CU_ASSERT_EQUAL(first->time_ps, reply->time_ps + UINT64_C(1328000) + delay);
    /* every datagram arrived, in sending order */
    CU_ASSERT_EQUAL(fl->sent, 76);
    CU_ASSERT_EQUAL(fl->received, fl->sent);
    CU_ASSERT_EQUAL(fl->out_of_order, 0);
    CU_ASSERT_EQUAL(fl->duplicates, 0);
    CU_ASSERT_EQUAL(tap_count(1, ETH_P_IP), 76);
    bool in_order = true;
    for (guint i = 0; i < 76; i++) {
        const TlTapFrame *t = tap_nth(1, ETH_P_IP, i);
        in_order = in_order && get_be64(t->data + ETH_HLEN + 28 + 8) == i;
    }
    CU_ASSERT_TRUE(in_order);
    const Neigh *n = neigh_of(p.if1, ip2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->state, NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(memcmp(n->mac, mac2, 6), 0);
    CU_ASSERT_EQUAL(n->hold_len, 0);
    CU_ASSERT_EQUAL(host_drops_total(p.h1) + host_drops_total(p.h2), 0);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    tl_pair_clear(&p);
}

static void host_arp_request_and_reply_bytes_are_exact(void)
{
    TlPair p;
    pair_init(&p, PS_PER_US);
    send_udp(&p, p.h1, ip2);
    run_until(&p, PS_PER_MS);

    check_arp(tap_nth(1, ETH_P_ARP, 0), mac_bcast, 1, mac1, ip1, mac_zero, ip2);
    check_arp(tap_nth(0, ETH_P_ARP, 0), mac1, 2, mac2, ip2, mac1, ip1);
    /* the request taught h2 about h1: the reply needed no ARP of its own */
    const Neigh *n = neigh_of(p.if2, ip1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->state, NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(memcmp(n->mac, mac1, 6), 0);
    /* and the datagram went to h2's MAC */
    const TlTapFrame *ip = tap_nth(1, ETH_P_IP, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ip);
    CU_ASSERT_EQUAL(memcmp(ip->data, mac2, 6), 0);
    CU_ASSERT_EQUAL(memcmp(ip->data + 6, mac1, 6), 0);
    CU_ASSERT_EQUAL(memcmp(ip->data + ETH_HLEN + 12, ip1, 4), 0);
    CU_ASSERT_EQUAL(inet_checksum(ip->data + ETH_HLEN, 20, 0), 0);
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_NO_LISTENER], 1);
    tl_pair_clear(&p);
}

static void host_garp_moves_peer_entry_to_new_mac(void)
{
    static const uint8_t mac2_new[6] = {0x02, 0, 0, 0, 0, 0x22};
    TlPair p;
    pair_init(&p, PS_PER_US);
    send_udp(&p, p.h1, ip2);
    run_until(&p, PS_PER_MS);
    const Neigh *n = neigh_of(p.if1, ip2);
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(memcmp(n->mac, mac2, 6), 0);
    uint32_t gen = p.h1->route_gen;
    uint64_t h1_arp_tx = p.h1->arp_tx;

    iface_mac_changed(p.sim, p.if2, mac2_new);
    host_send_garp(p.sim, p.if2, NULL);
    run_until(&p, 2 * PS_PER_MS);

    check_arp(tap_nth(0, ETH_P_ARP, 1), mac_bcast, 1, mac2_new, ip2, mac_zero, ip2);
    CU_ASSERT_EQUAL(n->state, NEIGH_REACHABLE);
    CU_ASSERT_EQUAL(memcmp(n->mac, mac2_new, 6), 0);
    CU_ASSERT_TRUE(p.h1->route_gen != gen);
    CU_ASSERT_EQUAL(p.h1->arp_tx, h1_arp_tx); /* a gratuitous ARP gets no reply */
    /* traffic follows the new MAC and is accepted */
    send_udp(&p, p.h1, ip2);
    run_until(&p, 3 * PS_PER_MS);
    const TlTapFrame *ip = tap_nth(1, ETH_P_IP, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ip);
    CU_ASSERT_EQUAL(memcmp(ip->data, mac2_new, 6), 0);
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_NOT_FOR_US], 0);
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_NO_LISTENER], 2);
    tl_pair_clear(&p);
}

static void host_garp_creates_no_entry_where_none_existed(void)
{
    TlPair p;
    pair_init(&p, PS_PER_US);
    host_send_garp(p.sim, p.if1, NULL);
    run_until(&p, PS_PER_MS);
    CU_ASSERT_EQUAL(p.h2->arp_rx, 1);
    CU_ASSERT_EQUAL(neigh_count(p.if2), 0);
    CU_ASSERT_EQUAL(p.h2->arp_tx, 0);
    tl_pair_clear(&p);
}

static void host_arp_unanswered_three_requests_then_held_dropped(void)
{
    const uint64_t delay = PS_PER_US;
    TlPair p;
    pair_init(&p, delay);
    for (int i = 0; i < 5; i++)
        send_udp(&p, p.h1, ip_nobody);
    CU_ASSERT_EQUAL(neigh_of(p.if1, ip_nobody)->hold_len, 5);

    run_until(&p, 3 * PS_PER_S - 1);

    CU_ASSERT_EQUAL(p.h1->arp_tx, 3);
    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_ARP_FAILED], 0);
    CU_ASSERT_EQUAL_FATAL(tap_count(1, ETH_P_ARP), 3);
    for (guint i = 0; i < 3; i++) {
        const TlTapFrame *t = tap_nth(1, ETH_P_ARP, i);
        CU_ASSERT_EQUAL(t->time_ps, i * PS_PER_S + UINT64_C(672000) + delay);
        check_arp(t, mac_bcast, 1, mac1, ip1, mac_zero, ip_nobody);
    }

    run_until(&p, 3 * PS_PER_S);

    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_ARP_FAILED], 5);
    CU_ASSERT_PTR_NULL(neigh_of(p.if1, ip_nobody));
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    run_until(&p, 10 * PS_PER_S);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 3);
    /* h2 saw requests that were not for it: no reply, no entry */
    CU_ASSERT_EQUAL(p.h2->arp_tx, 0);
    CU_ASSERT_EQUAL(neigh_count(p.if2), 0);

    /* a failed entry is forgotten: the next datagram starts over */
    send_udp(&p, p.h1, ip_nobody);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 4);
    CU_ASSERT_EQUAL(neigh_of(p.if1, ip_nobody)->state, NEIGH_INCOMPLETE);
    tl_pair_clear(&p);
}

static void host_arp_hold_keeps_101_and_drops_the_rest(void)
{
    TlPair p;
    pair_init(&p, PS_PER_US);
    for (int i = 0; i < 110; i++)
        send_udp(&p, p.h1, ip2);

    CU_ASSERT_EQUAL(neigh_of(p.if1, ip2)->hold_len, HOST_ARP_HOLD_MAX);
    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_ARP_HOLD_FULL], 110 - HOST_ARP_HOLD_MAX);

    run_until(&p, PS_PER_MS);

    CU_ASSERT_EQUAL(p.h1->arp_tx, 1);
    CU_ASSERT_EQUAL(tap_count(1, ETH_P_IP), HOST_ARP_HOLD_MAX);
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_NO_LISTENER], HOST_ARP_HOLD_MAX);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    tl_pair_clear(&p);
}

/* ---- routing ------------------------------------------------------------- */

static void host_without_route_drops_as_no_route(void)
{
    static const uint8_t far[4] = {192, 168, 1, 1};
    TlPair p;
    pair_init(&p, PS_PER_US);
    send_udp(&p, p.h1, far);
    run_until(&p, PS_PER_MS);
    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_NO_ROUTE], 1);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 0);
    CU_ASSERT_EQUAL(tl_tap_len(), 0);
    CU_ASSERT_EQUAL(neigh_count(p.if1), 0);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    tl_pair_clear(&p);
}

static void host_default_route_resolves_the_gateway_mac(void)
{
    static const uint8_t any[4] = {0, 0, 0, 0};
    static const uint8_t far[4] = {192, 168, 5, 5};
    TlPair p;
    pair_init(&p, PS_PER_US);
    CU_ASSERT_TRUE(host_add_route(p.h1, any, 0, ip2, p.if1, 0));

    send_udp(&p, p.h1, far);
    run_until(&p, PS_PER_MS);

    CU_ASSERT_EQUAL(p.h1->arp_tx, 1);
    check_arp(tap_nth(1, ETH_P_ARP, 0), mac_bcast, 1, mac1, ip1, mac_zero, ip2);
    const TlTapFrame *t = tap_nth(1, ETH_P_IP, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_EQUAL(memcmp(t->data, mac2, 6), 0);
    CU_ASSERT_EQUAL(memcmp(t->data + ETH_HLEN + 16, far, 4), 0);
    CU_ASSERT_PTR_NOT_NULL(neigh_of(p.if1, ip2));
    CU_ASSERT_PTR_NULL(neigh_of(p.if1, far));
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_NOT_FOR_US], 1); /* h2 does not forward */
    tl_pair_clear(&p);
}

static void host_route_prefers_longest_prefix_then_lowest_metric(void)
{
    static const uint8_t any[4] = {0, 0, 0, 0};
    static const uint8_t net16[4] = {192, 168, 0, 0};
    static const uint8_t far[4] = {192, 168, 5, 5};
    static const uint8_t gw_a[4] = {10, 0, 0, 10}, gw_b[4] = {10, 0, 0, 11},
                         gw_c[4] = {10, 0, 0, 12};
    TlPair p;
    pair_init(&p, PS_PER_US);
    host_add_route(p.h1, any, 0, gw_a, p.if1, 0);
    host_add_route(p.h1, net16, 16, gw_b, p.if1, 20);
    host_add_route(p.h1, net16, 16, gw_c, p.if1, 10);

    send_udp(&p, p.h1, far);

    CU_ASSERT_EQUAL(neigh_count(p.if1), 1);
    CU_ASSERT_PTR_NOT_NULL(neigh_of(p.if1, gw_c));
    run_until(&p, PS_PER_MS);
    check_arp(tap_nth(1, ETH_P_ARP, 0), mac_bcast, 1, mac1, ip1, mac_zero, gw_c);
    tl_pair_clear(&p);
}

/* ---- ICMP echo ----------------------------------------------------------- */

/* Whether the IPv4 header and the ICMP message of a tapped frame carry valid
 * checksums (a valid sum folds to 0). */
static bool icmp_checksums_valid(const TlTapFrame *t)
{
    const uint8_t *ip = t->data + ETH_HLEN;
    uint32_t icmp_len = get_be16(ip + 2) - 20u;
    return inet_checksum(ip, 20, 0) == 0 && inet_checksum(ip + 20, icmp_len, 0) == 0;
}

static void host_ping_gets_replies_with_valid_checksums(void)
{
    TlPair p;
    pair_init(&p, PS_PER_US);
    Flow *fl = add_flow(p.sim, FLOW_PING, p.h1, ip2);
    flow_set_ping(fl, PS_PER_MS, 56);
    fl->start_ps = 0;
    fl->stop_ps = 10 * PS_PER_MS;
    p.sim->end_ps = 20 * PS_PER_MS;

    sim_run(p.sim, false);

    CU_ASSERT_EQUAL(fl->sent, 10);
    CU_ASSERT_EQUAL(fl->received, 10);
    CU_ASSERT_EQUAL(p.h2->icmp_echo_rx, 10);
    CU_ASSERT_EQUAL(tap_count(1, ETH_P_IP), 10);
    CU_ASSERT_EQUAL(tap_count(0, ETH_P_IP), 10);
    bool valid = true;
    for (guint i = 0; i < 10; i++) {
        const TlTapFrame *req = tap_nth(1, ETH_P_IP, i);
        const TlTapFrame *rep = tap_nth(0, ETH_P_IP, i);
        const uint8_t *qip = req->data + ETH_HLEN, *rip = rep->data + ETH_HLEN;
        valid = valid && icmp_checksums_valid(req) && icmp_checksums_valid(rep);
        valid = valid && qip[9] == 1 && qip[20] == 8 && rip[9] == 1 && rip[20] == 0;
        valid = valid && req->len == ETH_HLEN + 20 + 8 + 56 && rep->len == req->len;
        /* addresses swapped, identifier and sequence kept */
        valid = valid && memcmp(qip + 12, ip1, 4) == 0 && memcmp(qip + 16, ip2, 4) == 0;
        valid = valid && memcmp(rip + 12, ip2, 4) == 0 && memcmp(rip + 16, ip1, 4) == 0;
        valid = valid && memcmp(qip + 24, rip + 24, 4) == 0;
        valid = valid && get_be16(qip + 26) == i + 1;
    }
    CU_ASSERT_TRUE(valid);
    CU_ASSERT_EQUAL(p.h2->arp_tx, 1); /* the reply to h1's request only */
    CU_ASSERT_EQUAL(host_drops_total(p.h1) + host_drops_total(p.h2), 0);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    tl_pair_clear(&p);
}

/* ---- MAC change ---------------------------------------------------------- */

static void iface_mac_changed_flushes_neighbours_and_held_frames(void)
{
    static const uint8_t mac1_new[6] = {0x02, 0, 0, 0, 0, 0x11};
    TlPair p;
    pair_init(&p, PS_PER_US);
    send_udp(&p, p.h1, ip2);
    run_until(&p, PS_PER_MS);
    send_udp(&p, p.h1, ip_nobody);
    send_udp(&p, p.h1, ip_nobody);
    CU_ASSERT_EQUAL(neigh_count(p.if1), 2);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 2);
    uint32_t gen = p.h1->route_gen;

    iface_mac_changed(p.sim, p.if1, mac1_new);

    CU_ASSERT_EQUAL(neigh_count(p.if1), 0);
    CU_ASSERT_EQUAL(memcmp(p.if1->mac, mac1_new, 6), 0);
    CU_ASSERT_TRUE(p.h1->route_gen != gen);
    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_ARP_FAILED], 2);
    /* the pending retry for 10.0.0.99 was cancelled */
    run_until(&p, 5 * PS_PER_S);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 2);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);

    /* the next datagram resolves again, from the new MAC */
    send_udp(&p, p.h1, ip2);
    run_until(&p, 6 * PS_PER_S);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 3);
    check_arp(tap_nth(1, ETH_P_ARP, 2), mac_bcast, 1, mac1_new, ip1, mac_zero, ip2);
    const TlTapFrame *ip = tap_nth(1, ETH_P_IP, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ip);
    CU_ASSERT_EQUAL(memcmp(ip->data + 6, mac1_new, 6), 0);
    tl_pair_clear(&p);
}

/* A neighbour slot reused while a cancelled retry of its previous entry is
 * still queued: that retry must stay dead. Here 10.0.0.2 resolves at once
 * (its 1 s retry, armed at 0, is cancelled by the reply), the flush frees the
 * slot at 1 ms, and 10.0.0.99 takes it. Its requests must go 1 s apart from
 * 1 ms (1 ms, 1.001 s, 2.001 s), not early at 1 s when the old retry
 * surfaces with a generation number that matches a restarted count. */
static void host_reused_neigh_slot_ignores_the_old_retry(void)
{
    static const uint8_t mac1_new[6] = {0x02, 0, 0, 0, 0, 0x11};
    TlPair p;
    pair_init(&p, PS_PER_US);
    send_udp(&p, p.h1, ip2);
    run_until(&p, PS_PER_MS);
    CU_ASSERT_EQUAL(neigh_of(p.if1, ip2)->state, NEIGH_REACHABLE);
    iface_mac_changed(p.sim, p.if1, mac1_new);
    send_udp(&p, p.h1, ip_nobody);
    CU_ASSERT_PTR_EQUAL(neigh_of(p.if1, ip_nobody), &p.if1->neigh[0]);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 2);

    run_until(&p, PS_PER_S + PS_PER_MS / 2);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 2); /* the second request is due at 1.001 s */
    run_until(&p, PS_PER_S + PS_PER_MS);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 3);
    run_until(&p, 3 * PS_PER_S + PS_PER_MS / 2);
    CU_ASSERT_EQUAL(p.h1->arp_tx, 4);
    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_ARP_FAILED], 0);
    run_until(&p, 3 * PS_PER_S + PS_PER_MS);
    CU_ASSERT_EQUAL(p.h1->drops[HOST_DROP_ARP_FAILED], 1);
    tl_pair_clear(&p);
}

/* An IPv4 packet for h2 whose header says ihl = 24 and total length
 * `total`, with `pad` bytes after the header: protocol ICMP, type 8. */
static Frame *short_icmp_frame(TlPair *p, uint16_t total, uint32_t pad)
{
    Frame *f = frame_alloc(&p->sim->pool);
    memset(f->data, 0, f->cap);
    memcpy(f->data, mac2, 6);
    memcpy(f->data + 6, mac1, 6);
    put_be16(f->data + 12, ETH_P_IP);
    uint8_t *ip = f->data + ETH_HLEN;
    ipv4_write_header(ip, total, 0, 1, ip1, ip2);
    ip[0] = 0x46; /* ihl 6: 24 bytes */
    ip[24] = 8;   /* echo request */
    f->len = ETH_HLEN + 24 + pad;
    return f;
}

/* A total length below the header length (ip_rcv drops it) or an ICMP part
 * shorter than its 8-byte header: malformed, no reply, nothing read past the
 * packet (the ICMP length of the first would wrap to about 4 G). */
static void host_ipv4_total_length_below_header_is_malformed(void)
{
    TlPair p;
    pair_init(&p, PS_PER_US);
    host_rx(p.sim, p.if2, short_icmp_frame(&p, 20, 40));
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_MALFORMED], 1);
    host_rx(p.sim, p.if2, short_icmp_frame(&p, 24 + 4, 40));
    CU_ASSERT_EQUAL(p.h2->drops[HOST_DROP_MALFORMED], 2);
    CU_ASSERT_EQUAL(p.h2->icmp_echo_rx, 0);
    run_until(&p, PS_PER_MS);
    CU_ASSERT_EQUAL(p.h2->arp_tx, 0);
    CU_ASSERT_EQUAL(tap_count(1, ETH_P_IP), 0);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    tl_pair_clear(&p);
}

/* An ARP request from 0.0.0.0 for h2's address (a probe, or an ARP monitor
 * probe from a bond with no address on the route): answered, to the
 * sender's MAC with target IP 0.0.0.0, but 0.0.0.0 is not learned. */
static void host_arp_probe_from_zero_is_answered_not_learned(void)
{
    static const uint8_t zero_ip[4] = {0};
    TlPair p;
    pair_init(&p, PS_PER_US);
    Frame *f = frame_alloc(&p.sim->pool);
    memset(f->data, 0, ETH_ZLEN);
    memcpy(f->data, mac_bcast, 6);
    memcpy(f->data + 6, mac1, 6);
    put_be16(f->data + 12, ETH_P_ARP);
    uint8_t *a = f->data + ETH_HLEN;
    put_be16(a, 1);
    put_be16(a + 2, ETH_P_IP);
    a[4] = 6;
    a[5] = 4;
    put_be16(a + 6, 1);
    memcpy(a + 8, mac1, 6);
    memcpy(a + 24, ip2, 4);
    f->len = ETH_ZLEN;
    host_rx(p.sim, p.if2, f);
    CU_ASSERT_EQUAL(neigh_count(p.if2), 0);
    CU_ASSERT_EQUAL(p.h2->arp_tx, 1);
    run_until(&p, PS_PER_MS);
    check_arp(tap_nth(0, ETH_P_ARP, 0), mac1, 2, mac2, ip2, mac1, zero_ip);
    tl_pair_clear(&p);
}

/* ---- registration -------------------------------------------------------- */

static CU_TestInfo cases[] = {
    {"host_udp_flow_arps_once_then_sends_held_in_order",
     host_udp_flow_arps_once_then_sends_held_in_order},
    {"host_arp_request_and_reply_bytes_are_exact", host_arp_request_and_reply_bytes_are_exact},
    {"host_garp_moves_peer_entry_to_new_mac", host_garp_moves_peer_entry_to_new_mac},
    {"host_garp_creates_no_entry_where_none_existed",
     host_garp_creates_no_entry_where_none_existed},
    {"host_arp_unanswered_three_requests_then_held_dropped",
     host_arp_unanswered_three_requests_then_held_dropped},
    {"host_arp_hold_keeps_101_and_drops_the_rest", host_arp_hold_keeps_101_and_drops_the_rest},
    {"host_without_route_drops_as_no_route", host_without_route_drops_as_no_route},
    {"host_default_route_resolves_the_gateway_mac", host_default_route_resolves_the_gateway_mac},
    {"host_route_prefers_longest_prefix_then_lowest_metric",
     host_route_prefers_longest_prefix_then_lowest_metric},
    {"host_ping_gets_replies_with_valid_checksums", host_ping_gets_replies_with_valid_checksums},
    {"iface_mac_changed_flushes_neighbours_and_held_frames",
     iface_mac_changed_flushes_neighbours_and_held_frames},
    {"host_reused_neigh_slot_ignores_the_old_retry", host_reused_neigh_slot_ignores_the_old_retry},
    {"host_ipv4_total_length_below_header_is_malformed",
     host_ipv4_total_length_below_header_is_malformed},
    {"host_arp_probe_from_zero_is_answered_not_learned",
     host_arp_probe_from_zero_is_answered_not_learned},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("host", cases);
}
