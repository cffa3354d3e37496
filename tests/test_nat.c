/* test_nat.c - the NAT box (sim/nat.c): SNAT and DNAT with exact bytes and
 * checksums, port and ICMP id translation, EIPs bound to private addresses,
 * conntrack expiry, drops by reason, table capacity, ARP proxy.
 *
 * A NAT host with in0 10.0.1.1/24 (inside) and out0 203.0.113.1/24
 * (outside); packets are fed to nat_translate() directly, and expected
 * packets are written from scratch with checksums computed in full, so an
 * incremental update (RFC 1624) that goes wrong shows up as a byte
 * difference.
 */
#include "nat.h"

#include "cu_run.h"
#include "sim.h"
#include "util/bytes.h"

#include <string.h>

#define S_PS UINT64_C(1000000000000)

static const uint8_t priv1[4] = {10, 0, 1, 10};
static const uint8_t priv2[4] = {10, 0, 1, 11};
static const uint8_t priv3[4] = {10, 0, 1, 20};
static const uint8_t eip1[4] = {203, 0, 113, 10};
static const uint8_t eip2[4] = {203, 0, 113, 11};
static const uint8_t masq[4] = {203, 0, 113, 1};
static const uint8_t remote[4] = {198, 51, 100, 7};

typedef struct {
    Sim *sim;
    Host *h;
    NatBox *nat;
    Iface *in, *out;
} Box;

static void box_init(Box *b, uint32_t capacity, bool masquerade)
{
    static const uint8_t m1[6] = {0x02, 0, 0, 9, 0, 1}, m2[6] = {0x02, 0, 0, 9, 0, 2};
    static const uint8_t a_in[4] = {10, 0, 1, 1}, a_out[4] = {203, 0, 113, 1};
    b->sim = sim_new("nat", 1);
    b->h = host_new(b->sim, "nat1");
    g_ptr_array_add(b->sim->hosts, b->h);
    b->in = host_add_iface_nic(b->h, host_add_nic(b->h, "in0", m1, 1000000000));
    b->out = host_add_iface_nic(b->h, host_add_nic(b->h, "out0", m2, 1000000000));
    host_set_address(b->in, a_in, 24);
    host_set_address(b->out, a_out, 24);
    static const uint8_t any[4] = {0}, gw[4] = {203, 0, 113, 254};
    CU_ASSERT_TRUE(host_add_route(b->h, any, 0, gw, b->out, 0));
    b->nat = nat_new(b->sim, b->h, capacity);
    g_ptr_array_add(b->sim->nats, b->nat);
    nat_set_side(b->nat, b->in, NAT_SIDE_INSIDE);
    nat_set_side(b->nat, b->out, NAT_SIDE_OUTSIDE);
    CU_ASSERT_TRUE(nat_add_eip(b->nat, priv1, eip1));
    CU_ASSERT_TRUE(nat_add_eip(b->nat, priv2, eip2));
    if (masquerade)
        CU_ASSERT_TRUE(nat_add_masquerade(b->nat, b->out, masq));
}

static void box_free(Box *b)
{
    sim_free(b->sim);
}

/* ---- packets written from scratch, checksums in full --------------------- */

static uint32_t pseudo_sum(const uint8_t src[4], const uint8_t dst[4], uint8_t proto, uint32_t len)
{
    return get_be16(src) + get_be16(src + 2) + get_be16(dst) + get_be16(dst + 2) + proto + len;
}

/* UDP or TCP (with a 20-byte header) with `plen` bytes of payload. */
static uint32_t l4_packet(uint8_t *p, uint8_t proto, const uint8_t src[4], uint16_t sport,
                          const uint8_t dst[4], uint16_t dport, uint32_t plen)
{
    uint32_t hl = proto == 6 ? 20 : 8, l4len = hl + plen;
    memset(p, 0, 20 + l4len);
    ipv4_write_header(p, (uint16_t)(20 + l4len), 0x1234, proto, src, dst);
    uint8_t *l4 = p + 20;
    put_be16(l4, sport);
    put_be16(l4 + 2, dport);
    for (uint32_t i = 0; i < plen; i++)
        l4[hl + i] = (uint8_t)(0xa5 ^ i);
    if (proto == 17) {
        put_be16(l4 + 4, (uint16_t)l4len);
        uint16_t c = inet_checksum(l4, l4len, pseudo_sum(src, dst, 17, l4len));
        put_be16(l4 + 6, c ? c : 0xffff);
    } else {
        put_be32(l4 + 4, 1000);
        l4[12] = 5 << 4;
        l4[13] = 0x02; /* SYN */
        put_be16(l4 + 14, 65535);
        put_be16(l4 + 16, inet_checksum(l4, l4len, pseudo_sum(src, dst, 6, l4len)));
    }
    return 20 + l4len;
}

static uint32_t icmp_packet(uint8_t *p, uint8_t type, const uint8_t src[4], const uint8_t dst[4],
                            uint16_t id, uint16_t seq)
{
    memset(p, 0, 20 + 16);
    ipv4_write_header(p, 20 + 16, 0x4321, 1, src, dst);
    uint8_t *icmp = p + 20;
    icmp[0] = type;
    put_be16(icmp + 4, id);
    put_be16(icmp + 6, seq);
    memcpy(icmp + 8, "bondsim!", 8);
    put_be16(icmp + 2, inet_checksum(icmp, 16, 0));
    return 36;
}

static bool l4_checksum_ok(const uint8_t *p)
{
    uint32_t len = get_be16(p + 2) - 20;
    uint32_t init = p[9] == 1 ? 0 : pseudo_sum(p + 12, p + 16, p[9], len);
    return inet_checksum(p + 20, len, init) == 0 && inet_checksum(p, 20, 0) == 0;
}

static bool translate(Box *b, NatSide from, uint8_t *p, uint32_t len, uint64_t now, NatDrop *why)
{
    return nat_translate(b->nat, from, from == NAT_SIDE_INSIDE ? b->out : NULL, p, len, now, why);
}

/* Writes a UDP packet with 8 bytes of payload (proto 17) or a bare TCP SYN
 * (6) into `p` and passes it through the box from `from` at `now`. */
static bool pass(Box *b, NatSide from, uint8_t *p, uint8_t proto, const uint8_t src[4],
                 uint16_t sport, const uint8_t dst[4], uint16_t dport, uint64_t now, NatDrop *why)
{
    uint32_t n = l4_packet(p, proto, src, sport, dst, dport, proto == 17 ? 8 : 0);
    return translate(b, from, p, n, now, why);
}

/* A frame to the box's inside NIC holding a UDP packet src:sport -> dst:53
 * with 8 bytes of payload. */
static Frame *inside_frame(Box *b, const uint8_t src[4], uint16_t sport, const uint8_t dst[4])
{
    Frame *f = frame_alloc(&b->sim->pool);
    memset(f->data, 0, ETH_HLEN);
    memcpy(f->data, b->in->mac, 6);
    put_be16(f->data + 12, ETH_P_IP);
    f->len = ETH_HLEN + l4_packet(f->data + ETH_HLEN, 17, src, sport, dst, 53, 8);
    return f;
}

/* ---- cases --------------------------------------------------------------- */

static void nat_csum_update_matches_full_sum(void)
{
    uint8_t buf[40];
    for (int i = 0; i < 40; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    uint16_t hc = inet_checksum(buf, 40, 0);
    for (int k = 0; k < 40; k += 2) {
        uint16_t old = get_be16(buf + k), nw = (uint16_t)(old * 31 + 7);
        put_be16(buf + k, nw);
        hc = nat_csum_update16(hc, old, nw);
        CU_ASSERT_EQUAL(hc, inet_checksum(buf, 40, 0));
    }
}

static void nat_udp_snat_and_dnat_exact_bytes(void)
{
    Box b;
    box_init(&b, 16, false);
    uint8_t p[128], want[128];
    NatDrop why;
    uint32_t n = l4_packet(p, 17, priv1, 40000, remote, 7777, 13);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    l4_packet(want, 17, eip1, 40000, remote, 7777, 13);
    CU_ASSERT_EQUAL(memcmp(p, want, n), 0);
    /* the reply comes back to the EIP and goes to the private address */
    n = l4_packet(p, 17, remote, 7777, eip1, 40000, 13);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_OUTSIDE, p, n, S_PS, &why));
    l4_packet(want, 17, remote, 7777, priv1, 40000, 13);
    CU_ASSERT_EQUAL(memcmp(p, want, n), 0);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->snat, 1);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->dnat, 1);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->created, 1);
    box_free(&b);
}

static void nat_udp_without_checksum_stays_zero(void)
{
    Box b;
    box_init(&b, 16, false);
    uint8_t p[128];
    NatDrop why;
    uint32_t n = l4_packet(p, 17, priv1, 40000, remote, 7777, 30);
    put_be16(p + 26, 0);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(get_be16(p + 26), 0);
    CU_ASSERT_EQUAL(memcmp(p + 12, eip1, 4), 0);
    CU_ASSERT_EQUAL(inet_checksum(p, 20, 0), 0);
    box_free(&b);
}

static void nat_tcp_port_translated_when_taken(void)
{
    Box b;
    box_init(&b, 16, true);
    uint8_t p[128];
    NatDrop why;
    /* two private hosts behind the masquerade address, same source port */
    uint32_t n = l4_packet(p, 6, priv3, 50000, remote, 443, 0);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(memcmp(p + 12, masq, 4), 0);
    CU_ASSERT_EQUAL(get_be16(p + 20), 50000);
    CU_ASSERT_TRUE(l4_checksum_ok(p));
    static const uint8_t priv4[4] = {10, 0, 1, 21};
    n = l4_packet(p, 6, priv4, 50000, remote, 443, 0);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(get_be16(p + 20), 50001);
    CU_ASSERT_TRUE(l4_checksum_ok(p));
    /* the reply to 50001 reaches priv4:50000, checksum exact */
    uint8_t want[128];
    n = l4_packet(p, 6, remote, 443, masq, 50001, 0);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_OUTSIDE, p, n, 0, &why));
    l4_packet(want, 6, remote, 443, priv4, 50000, 0);
    CU_ASSERT_EQUAL(memcmp(p, want, n), 0);
    box_free(&b);
}

static void nat_icmp_echo_id_translated(void)
{
    Box b;
    box_init(&b, 16, true);
    static const uint8_t priv4[4] = {10, 0, 1, 21};
    uint8_t p[64], want[64];
    NatDrop why;
    icmp_packet(p, 8, priv3, remote, 0x1234, 1);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, 36, 0, &why));
    icmp_packet(want, 8, masq, remote, 0x1234, 1);
    CU_ASSERT_EQUAL(memcmp(p, want, 36), 0);
    icmp_packet(p, 8, priv4, remote, 0x1234, 1);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, 36, 0, &why));
    icmp_packet(want, 8, masq, remote, 0x1235, 1);
    CU_ASSERT_EQUAL(memcmp(p, want, 36), 0);
    /* replies: id 0x1235 goes back to priv4 as 0x1234 */
    icmp_packet(p, 0, remote, masq, 0x1235, 1);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_OUTSIDE, p, 36, 0, &why));
    icmp_packet(want, 0, remote, priv4, 0x1234, 1);
    CU_ASSERT_EQUAL(memcmp(p, want, 36), 0);
    box_free(&b);
}

static void nat_eip_per_private_address(void)
{
    Box b;
    box_init(&b, 16, true);
    uint8_t p[128], want[128];
    NatDrop why;
    uint32_t n = l4_packet(p, 17, priv2, 40000, remote, 7777, 8);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(memcmp(p + 12, eip2, 4), 0); /* its own EIP, not the masquerade */
    n = l4_packet(p, 17, priv3, 40000, remote, 7777, 8);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(memcmp(p + 12, masq, 4), 0); /* no EIP: the uplink's address */
    /* unsolicited from outside to an EIP: static DNAT to its private address */
    n = l4_packet(p, 6, remote, 33333, eip1, 22, 0);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_OUTSIDE, p, n, 0, &why));
    l4_packet(want, 6, remote, 33333, priv1, 22, 0);
    CU_ASSERT_EQUAL(memcmp(p, want, n), 0);
    /* and the answer leaves with the EIP, port unchanged */
    n = l4_packet(p, 6, priv1, 22, remote, 33333, 0);
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    l4_packet(want, 6, eip1, 22, remote, 33333, 0);
    CU_ASSERT_EQUAL(memcmp(p, want, n), 0);
    CU_ASSERT_TRUE(nat_arp_proxy(b.nat, b.out, eip1));
    CU_ASSERT_TRUE(nat_arp_proxy(b.nat, b.out, masq));
    CU_ASSERT_FALSE(nat_arp_proxy(b.nat, b.in, eip1));
    CU_ASSERT_FALSE(nat_arp_proxy(b.nat, b.out, remote));
    CU_ASSERT_FALSE(nat_add_eip(b.nat, priv1, remote)); /* one EIP per private address */
    box_free(&b);
}

static void nat_no_mapping_and_no_eip_drops(void)
{
    Box b;
    box_init(&b, 16, false);
    uint8_t p[128];
    NatDrop why = NAT_DROP_COUNT;
    /* no masquerade address: a private address without EIP cannot leave */
    uint32_t n = l4_packet(p, 17, priv3, 40000, remote, 7777, 8);
    CU_ASSERT_FALSE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(why, NAT_DROP_NO_EIP);
    /* from outside to the box's own address: nothing mapped there */
    n = l4_packet(p, 17, remote, 7777, masq, 40000, 8);
    CU_ASSERT_FALSE(translate(&b, NAT_SIDE_OUTSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(why, NAT_DROP_NO_MAPPING);
    /* not translated: GRE, fragments */
    n = l4_packet(p, 17, priv1, 40000, remote, 7777, 8);
    p[9] = 47;
    CU_ASSERT_FALSE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(why, NAT_DROP_UNSUPPORTED);
    n = l4_packet(p, 17, priv1, 40000, remote, 7777, 8);
    put_be16(p + 6, 0x2000);
    CU_ASSERT_FALSE(translate(&b, NAT_SIDE_INSIDE, p, n, 0, &why));
    CU_ASSERT_EQUAL(why, NAT_DROP_UNSUPPORTED);
    CU_ASSERT_FALSE(translate(&b, NAT_SIDE_INSIDE, p, 12, 0, &why));
    CU_ASSERT_EQUAL(why, NAT_DROP_MALFORMED);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->created, 0);
    box_free(&b);
}

static void nat_udp_expiry_unreplied_and_stream(void)
{
    Box b;
    box_init(&b, 16, true);
    uint8_t p[128];
    NatDrop why;
    /* unreplied: gone after 30 s */
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_INSIDE, p, 17, priv3, 40000, remote, 53, 0, &why));
    CU_ASSERT_FALSE(pass(&b, NAT_SIDE_OUTSIDE, p, 17, remote, 53, masq, 40000, 30 * S_PS, &why));
    CU_ASSERT_EQUAL(why, NAT_DROP_NO_MAPPING);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->expired, 1);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->active, 0);
    /* replied: a stream, 120 s from the last packet */
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_INSIDE, p, 17, priv3, 40001, remote, 53, 100 * S_PS, &why));
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_OUTSIDE, p, 17, remote, 53, masq, 40001, 129 * S_PS, &why));
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_OUTSIDE, p, 17, remote, 53, masq, 40001, 248 * S_PS, &why));
    CU_ASSERT_FALSE(pass(&b, NAT_SIDE_OUTSIDE, p, 17, remote, 53, masq, 40001, 368 * S_PS, &why));
    CU_ASSERT_EQUAL(nat_stats(b.nat)->expired, 2);
    box_free(&b);
}

static void nat_table_full_then_reclaimed(void)
{
    Box b;
    box_init(&b, 2, true);
    uint8_t p[128];
    NatDrop why = NAT_DROP_COUNT;
    for (uint16_t port = 1; port <= 2; port++) {
        CU_ASSERT_TRUE(pass(&b, NAT_SIDE_INSIDE, p, 17, priv3, 40000 + port, remote, 53, 0, &why));
    }
    CU_ASSERT_FALSE(pass(&b, NAT_SIDE_INSIDE, p, 17, priv3, 40003, remote, 53, S_PS, &why));
    CU_ASSERT_EQUAL(why, NAT_DROP_TABLE_FULL);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->peak, 2);
    /* after 30 s the sweep makes room */
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_INSIDE, p, 17, priv3, 40003, remote, 53, 31 * S_PS, &why));
    CU_ASSERT_EQUAL(nat_stats(b.nat)->expired, 2);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->active, 1);
    box_free(&b);
}

/* Many connections, half removed by expiry: every survivor still maps
 * (backward-shift deletion keeps probe runs whole). */
static void nat_table_survives_churn(void)
{
    Box b;
    box_init(&b, 512, true);
    uint8_t p[128];
    NatDrop why;
    for (uint16_t i = 0; i < 400; i++) {
        CU_ASSERT_TRUE(pass(&b, NAT_SIDE_INSIDE, p, 17, priv3, 20000 + i, remote, 53,
                            (i % 2) * 20 * S_PS, &why));
    }
    /* at 35 s the even ones (created at 0) are gone, the odd ones live */
    for (uint16_t i = 0; i < 400; i++) {
        uint32_t n = l4_packet(p, 17, remote, 53, masq, 20000 + i, 8);
        bool ok = translate(&b, NAT_SIDE_OUTSIDE, p, n, 35 * S_PS, &why);
        CU_ASSERT_EQUAL(ok, i % 2 == 1);
    }
    CU_ASSERT_EQUAL(nat_stats(b.nat)->active, 200);
    box_free(&b);
}

static void nat_tcp_timeouts_follow_state(void)
{
    Box b;
    box_init(&b, 16, true);
    uint8_t p[128];
    NatDrop why;
    /* a SYN never answered: gone after 120 s */
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_INSIDE, p, 6, priv3, 50000, remote, 443, 0, &why));
    CU_ASSERT_FALSE(pass(&b, NAT_SIDE_OUTSIDE, p, 6, remote, 443, masq, 50000, 120 * S_PS, &why));
    /* answered: established, alive a day later */
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_INSIDE, p, 6, priv3, 50001, remote, 443, 0, &why));
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_OUTSIDE, p, 6, remote, 443, masq, 50001, S_PS, &why));
    CU_ASSERT_TRUE(pass(&b, NAT_SIDE_OUTSIDE, p, 6, remote, 443, masq, 50001, 86400 * S_PS, &why));
    /* a FIN: 120 s more */
    uint32_t n = l4_packet(p, 6, priv3, 50001, remote, 443, 0);
    p[33] = 0x11; /* FIN+ACK */
    put_be16(p + 36, 0);
    put_be16(p + 36, inet_checksum(p + 20, 20, pseudo_sum(p + 12, p + 16, 6, 20)));
    CU_ASSERT_TRUE(translate(&b, NAT_SIDE_INSIDE, p, n, 86400 * S_PS, &why));
    CU_ASSERT_TRUE(l4_checksum_ok(p));
    CU_ASSERT_FALSE(
        pass(&b, NAT_SIDE_OUTSIDE, p, 6, remote, 443, masq, 50001, (86400 + 121) * S_PS, &why));
    CU_ASSERT_EQUAL(why, NAT_DROP_NO_MAPPING);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->expired, 2);
    box_free(&b);
}

/* Through the box: ARP for an EIP answered on the outside only, TTL
 * decremented with the header checksum, the frame forwarded. */
static void nat_ip_rx_forwards_and_counts(void)
{
    Box b;
    box_init(&b, 16, false);
    Frame *f = inside_frame(&b, priv3, 40000, remote);
    CU_ASSERT_TRUE(nat_ip_rx(b.sim, b.nat, b.in, f)); /* taken: dropped, no EIP */
    CU_ASSERT_EQUAL(nat_stats(b.nat)->drops[NAT_DROP_NO_EIP], 1);
    f = inside_frame(&b, priv1, 40000, remote);
    f->data[ETH_HLEN + 8] = 1; /* TTL 1 */
    CU_ASSERT_TRUE(nat_ip_rx(b.sim, b.nat, b.in, f));
    CU_ASSERT_EQUAL(nat_stats(b.nat)->drops[NAT_DROP_TTL], 1);
    /* TTL 64: translated, TTL 63, header checksum right, held for ARP of the
     * gateway (the box's NIC is not cabled) */
    f = inside_frame(&b, priv1, 40001, remote);
    const uint8_t *ip = f->data + ETH_HLEN;
    CU_ASSERT_TRUE(nat_ip_rx(b.sim, b.nat, b.in, f));
    CU_ASSERT_EQUAL(ip[8], 63);
    CU_ASSERT_EQUAL(inet_checksum(ip, 20, 0), 0);
    CU_ASSERT_EQUAL(memcmp(ip + 12, eip1, 4), 0);
    CU_ASSERT_EQUAL(memcmp(f->data + 6, b.out->mac, 6), 0);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->snat, 1);
    /* to the box's own inside address: the host stack's */
    static const uint8_t a_in[4] = {10, 0, 1, 1};
    f = inside_frame(&b, priv1, 40000, a_in);
    CU_ASSERT_FALSE(nat_ip_rx(b.sim, b.nat, b.in, f));
    frame_free(&b.sim->pool, f);
    box_free(&b);
}

/* A packet whose total length is below its header length is dropped by the
 * host stack as malformed before the NAT hook (ipv4_rx, as ip_rcv), so the
 * capture comment must not announce a NAT drop for it; a well-formed packet
 * the NAT drops still gets its comment. */
static void nat_note_skips_packets_the_stack_drops(void)
{
    Box b;
    box_init(&b, 16, false);
    Nic *nic = b.in->nic;
    nic->cap_if = 0; /* the note is only asked of a captured NIC */
    Frame *f = inside_frame(&b, priv3, 40000, remote);
    put_be16(f->data + ETH_HLEN + 2, 19); /* total 19 < ihl 20 */
    CU_ASSERT_PTR_NULL(nic->rx_note(b.sim, nic, f));
    host_rx(b.sim, b.in, f);
    CU_ASSERT_EQUAL(b.h->drops[HOST_DROP_MALFORMED], 1);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->drops[NAT_DROP_MALFORMED], 0);
    f = inside_frame(&b, priv3, 40000, remote); /* no EIP, no masquerade */
    const char *note = nic->rx_note(b.sim, nic, f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(note);
    CU_ASSERT_STRING_EQUAL(note, "bondsim: drop nat1 in0 reason=no-eip count=1");
    host_rx(b.sim, b.in, f);
    CU_ASSERT_EQUAL(nat_stats(b.nat)->drops[NAT_DROP_NO_EIP], 1);
    CU_ASSERT_EQUAL(b.sim->pool.in_use, 0);
    box_free(&b);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"nat_csum_update_matches_full_sum", nat_csum_update_matches_full_sum},
        {"nat_udp_snat_and_dnat_exact_bytes", nat_udp_snat_and_dnat_exact_bytes},
        {"nat_udp_without_checksum_stays_zero", nat_udp_without_checksum_stays_zero},
        {"nat_tcp_port_translated_when_taken", nat_tcp_port_translated_when_taken},
        {"nat_icmp_echo_id_translated", nat_icmp_echo_id_translated},
        {"nat_eip_per_private_address", nat_eip_per_private_address},
        {"nat_no_mapping_and_no_eip_drops", nat_no_mapping_and_no_eip_drops},
        {"nat_udp_expiry_unreplied_and_stream", nat_udp_expiry_unreplied_and_stream},
        {"nat_table_full_then_reclaimed", nat_table_full_then_reclaimed},
        {"nat_table_survives_churn", nat_table_survives_churn},
        {"nat_tcp_timeouts_follow_state", nat_tcp_timeouts_follow_state},
        {"nat_ip_rx_forwards_and_counts", nat_ip_rx_forwards_and_counts},
        {"nat_note_skips_packets_the_stack_drops", nat_note_skips_packets_the_stack_drops},
        CU_TEST_INFO_NULL,
    };
    return cu_run("nat", cases);
}
