/* hash.c - xmit_hash_policy (see hash.h), written from section 3 of the
 * reference; kernel facts the reference leaves out were looked up in the
 * driver and the flow dissector and are stated, in our words, where used.
 *
 * Design. The kernel hashes an skb, not bytes: what it reads depends on
 * skb->protocol, the network-header offset and whether a VLAN tag sits in
 * the skb metadata. HashSkb models exactly those three from the frame
 * (hash_skb_init). Two parsers then fill a HashFlow (the part of the
 * kernel's struct flow_keys the hash reads):
 *
 *   layer2+3, layer3+4   flow_layer3(): one IP header of the family the
 *                        EtherType names, its L4 ports or ICMP fields, and
 *                        for ICMP errors the embedded header (3.2);
 *   encap2+3, encap3+4   flow_dissect(): the flow dissector as the bonding
 *                        driver configures it (3.3): a loop over network
 *                        headers (proto step) and IP protocols (ip_proto
 *                        step), through VLAN, PPPoE, IP-in-IP, GRE, IPv6
 *                        extension headers, at most 15 extra headers.
 *
 * bond_xmit_hash() then applies the formulas of 3.3. Everything is on the
 * stack; nothing allocates, so it can run for every simulated frame.
 *
 * Decisions where the reference is silent (checked against the kernel):
 *  - Truncation inside L4 is not "truncated headers": a missing port field
 *    reads as PORTS 0 and a missing ICMP header as type/code/id 0; only a
 *    missing IP header (or, under layer2+3/3+4, a missing embedded IP
 *    header of an ICMP error) falls back to L2.
 *  - The non-encap parser checks neither the version nibble nor IHL >= 5
 *    (a bogus IHL moves the port offset); the dissector refuses IHL < 5.
 *  - The "id present" test is family-blind, as in the kernel: ICMP and
 *    ICMPv6 types 0, 8, 13, 14, 128 and 129 all carry an identifier.
 *  - A frame with an in-frame tag is modelled as a packet socket sends it:
 *    skb->protocol is the TPID and the network header sits after the tag
 *    stack. The dissector then reads the IP header as if it were a VLAN
 *    header; that fails for ordinary frames (hence the reference's "L2 with
 *    the TPID") and bondsim follows the same path for the rare frame where
 *    it does not.
 *  - Non-IP EtherTypes the dissector accepts with zero addresses, beyond the
 *    reference's ARP: RARP, MPLS, PTP, CFM, FCoE, TIPC (source = node
 *    identity word), PPPoE (IP inside is parsed), HSR/PRP and batman-adv
 *    (looked through). TIPC keepalives get a random key in the kernel;
 *    bondsim uses 0 to stay deterministic.
 */
#include "bond/hash.h"

#include <string.h>

#include "util/bytes.h"

/* ------------------------------------------------------------------------ */
/* Wire constants                                                           */
/* ------------------------------------------------------------------------ */

enum {
    ETH_HDR_LEN = 14,
    VLAN_HDR_LEN = 4,   /* TCI + encapsulated EtherType */
    VLAN_MAX_DEPTH = 8, /* the kernel's limit when it walks a tag stack */
    IPV4_MIN_LEN = 20,
    IPV6_HDR_LEN = 40,
    ICMP_HDR_LEN = 8,    /* struct icmphdr and icmp6hdr */
    MAX_EXTRA_HDRS = 15, /* the dissector's bound on "parse again" steps */
};

enum {
    ETHT_IPV4 = 0x0800,
    ETHT_ARP = 0x0806,
    ETHT_BATMAN = 0x4305,
    ETHT_TEB = 0x6558, /* transparent Ethernet bridging (GRE payload) */
    ETHT_RARP = 0x8035,
    ETHT_8021Q = 0x8100,
    ETHT_IPV6 = 0x86DD,
    ETHT_PPP = 0x880B, /* PPTP's GRE payload */
    ETHT_MPLS_UC = 0x8847,
    ETHT_MPLS_MC = 0x8848,
    ETHT_PPPOE_SES = 0x8864,
    ETHT_8021AD = 0x88A8,
    ETHT_TIPC = 0x88CA,
    ETHT_PTP = 0x88F7,
    ETHT_PRP = 0x88FB,
    ETHT_CFM = 0x8902,
    ETHT_FCOE = 0x8906,
    ETHT_HSR = 0x892F,
};

enum {
    IPP_HOPOPTS = 0,
    IPP_ICMP = 1,
    IPP_IPIP = 4,
    IPP_TCP = 6,
    IPP_UDP = 17,
    IPP_DCCP = 33,
    IPP_IPV6 = 41,
    IPP_ROUTING = 43,
    IPP_FRAGMENT = 44,
    IPP_GRE = 47,
    IPP_ESP = 50,
    IPP_AH = 51,
    IPP_ICMPV6 = 58,
    IPP_DSTOPTS = 60,
    IPP_SCTP = 132,
    IPP_UDPLITE = 136,
    IPP_MPLS = 137,
};

/* GRE flag word (RFC 2784/2890; PPTP's RFC 2637 adds the ack bit). */
enum {
    GRE_F_CSUM = 0x8000,
    GRE_F_ROUTING = 0x4000,
    GRE_F_KEY = 0x2000,
    GRE_F_SEQ = 0x1000,
    GRE_F_ACK = 0x0080,
    GRE_F_VERSION = 0x0007,
};

enum {
    PPP_PROTO_IP = 0x0021,
    PPP_PROTO_IPV6 = 0x0057,
    PPP_PROTO_MPLS_UC = 0x0281,
    PPP_PROTO_MPLS_MC = 0x0283,
};

enum {
    PPPOE_SES_HDR_LEN = 8, /* ver/type, code, session, length, PPP protocol */
    TIPC_HDR_LEN = 16,
    TIPC_KEEPALIVE_MASK = 0x0e080000, /* LINK_PROTOCOL user + keepalive bit */
    FCOE_HDR_LEN = 38,
    PTP_HDR_LEN = 34,
    HSR_TAG_LEN = 6,
    BATADV_HDR_LEN = 10 + ETH_HDR_LEN, /* unicast header, then inner Ethernet */
    BATADV_UNICAST = 0x40,
    BATADV_VERSION = 15,
    PPP_HDR_LEN = 4, /* address, control, protocol */
};

/* ------------------------------------------------------------------------ */
/* The skb as the kernel would see it, and the fields the hash reads        */
/* ------------------------------------------------------------------------ */

typedef struct {
    const uint8_t *data; /* Ethernet header */
    uint32_t len;        /* readable bytes */
    uint16_t protocol;   /* skb->protocol */
    uint32_t nhoff;      /* network header offset */
    bool vlan_oob;       /* a tag in the skb metadata */
} HashSkb;

typedef enum {
    ADDR_NONE = 0, /* flow_get_u32_src/dst read 0 */
    ADDR_IPV4,
    ADDR_IPV6,
    ADDR_TIPC, /* source key only; destination reads 0 */
} HashAddrType;

typedef struct {
    HashAddrType addr_type;
    uint32_t src;   /* ADDR(src): 4 bytes as LE u32; IPv6 XOR-folded */
    uint32_t dst;   /* ADDR(dst) */
    uint32_t ports; /* PORTS: 4 L4 bytes as LE u32 */
    uint8_t icmp_type;
    uint8_t icmp_code;
    uint16_t icmp_id; /* 0 = no identifier */
} HashFlow;

static bool skb_has(const HashSkb *s, uint32_t off, uint32_t n)
{
    return off <= s->len && n <= s->len - off;
}

static bool ethertype_is_vlan(uint16_t type)
{
    return type == ETHT_8021Q || type == ETHT_8021AD;
}

/* Where a packet socket leaves the network header of a frame whose
 * EtherType is a TPID: after the whole tag stack. When the stack is
 * truncated or deeper than the kernel walks, the header stays at 14. */
static uint32_t hash_nhoff_after_tags(const HashSkb *s)
{
    uint32_t off = ETH_HDR_LEN;
    int budget = VLAN_MAX_DEPTH;
    uint16_t type;
    do {
        if (!skb_has(s, off, VLAN_HDR_LEN) || --budget == 0)
            return ETH_HDR_LEN;
        type = get_be16(s->data + off + 2);
        off += VLAN_HDR_LEN;
    } while (ethertype_is_vlan(type));
    return off;
}

/* Needs len >= 14. */
static void hash_skb_init(HashSkb *s, const uint8_t *frame, uint32_t len, bool vlan_oob)
{
    s->data = frame;
    s->len = len;
    s->vlan_oob = vlan_oob;
    s->protocol = get_be16(frame + 12);
    s->nhoff = ETH_HDR_LEN;
    if (ethertype_is_vlan(s->protocol))
        s->nhoff = hash_nhoff_after_tags(s);
}

/* ------------------------------------------------------------------------ */
/* Building blocks (3.1)                                                    */
/* ------------------------------------------------------------------------ */

/* L2 = dst[5] ^ src[5] ^ EtherType as a host integer. */
static uint32_t hash_l2(const HashSkb *s)
{
    return (uint32_t)(s->data[5] ^ s->data[11]) ^ get_be16(s->data + 12);
}

static uint32_t ipv6_addr_fold(const uint8_t *a)
{
    return get_le32(a) ^ get_le32(a + 4) ^ get_le32(a + 8) ^ get_le32(a + 12);
}

/* Needs 20 bytes at ip. */
static void flow_set_ipv4(HashFlow *fk, const uint8_t *ip)
{
    fk->addr_type = ADDR_IPV4;
    fk->src = get_le32(ip + 12);
    fk->dst = get_le32(ip + 16);
}

/* Needs 40 bytes at ip. */
static void flow_set_ipv6(HashFlow *fk, const uint8_t *ip)
{
    fk->addr_type = ADDR_IPV6;
    fk->src = ipv6_addr_fold(ip + 8);
    fk->dst = ipv6_addr_fold(ip + 24);
}

static uint32_t flow_src(const HashFlow *fk)
{
    return fk->addr_type == ADDR_NONE ? 0 : fk->src;
}

static uint32_t flow_dst(const HashFlow *fk)
{
    return fk->addr_type == ADDR_IPV4 || fk->addr_type == ADDR_IPV6 ? fk->dst : 0;
}

/* Offset of the 4 bytes PORTS reads in an L4 header, or -1: ports for
 * TCP, UDP, UDP-Lite, SCTP, DCCP; the SPI for ESP (0) and AH (4). */
static int l4_ports_offset(int ip_proto)
{
    switch (ip_proto) {
    case IPP_TCP:
    case IPP_UDP:
    case IPP_UDPLITE:
    case IPP_SCTP:
    case IPP_DCCP:
    case IPP_ESP:
        return 0;
    case IPP_AH:
        return 4;
    default:
        return -1;
    }
}

/* PORTS of the L4 header at thoff; 0 for other protocols or when the four
 * bytes are not there. */
static uint32_t l4_ports(const HashSkb *s, uint32_t thoff, int ip_proto)
{
    int poff = l4_ports_offset(ip_proto);
    if (poff < 0 || !skb_has(s, thoff + (uint32_t)poff, 4))
        return 0;
    return get_le32(s->data + thoff + (uint32_t)poff);
}

/* Echo, echo reply, timestamp, timestamp reply (ICMP) and echo request and
 * reply (ICMPv6) carry an identifier; the kernel checks the type alone. */
static bool icmp_type_has_id(uint8_t type)
{
    return type == 0 || type == 8 || type == 13 || type == 14 || type == 128 || type == 129;
}

/* Type, code and identifier of the ICMP/ICMPv6 header at thoff. The whole
 * 8-byte header must be there, else the fields stay 0. An identifier of 0
 * reads as 1 so that "no identifier" stays distinguishable. */
static void icmp_read(const HashSkb *s, uint32_t thoff, HashFlow *fk)
{
    if (!skb_has(s, thoff, ICMP_HDR_LEN))
        return;
    const uint8_t *ih = s->data + thoff;
    fk->icmp_type = ih[0];
    fk->icmp_code = ih[1];
    fk->icmp_id = 0;
    if (icmp_type_has_id(ih[0])) {
        uint16_t id = get_be16(ih + 4);
        fk->icmp_id = id != 0 ? id : 1;
    }
}

/* ICMPW = type + (code << 8) + (id << 16): the ICMP key read as a u32. */
static uint32_t flow_icmpw(const HashFlow *fk)
{
    return (uint32_t)fk->icmp_type | (uint32_t)fk->icmp_code << 8 | (uint32_t)fk->icmp_id << 16;
}

static bool icmpv4_is_error(uint8_t type)
{
    return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static bool icmpv6_is_error(uint8_t type)
{
    return type >= 1 && type <= 4;
}

/* ------------------------------------------------------------------------ */
/* layer2+3 and layer3+4: one IP header, ICMP errors looked into (3.2)      */
/* ------------------------------------------------------------------------ */

/* The IP header at *nhoff, of the family `proto` names. Moves *nhoff past
 * it, sets *ip_proto unless it is an IPv4 fragment (IPv6: nexthdr, whatever
 * it is) and, for layer3+4, reads PORTS. FALSE if not IP or truncated. */
static bool l3_parse_ip(const HashSkb *s, uint16_t proto, uint32_t *nhoff, int *ip_proto, bool l34,
                        HashFlow *fk)
{
    if (proto == ETHT_IPV4) {
        if (!skb_has(s, *nhoff, IPV4_MIN_LEN))
            return false;
        const uint8_t *ip = s->data + *nhoff;
        flow_set_ipv4(fk, ip);
        *nhoff += (uint32_t)(ip[0] & 0x0f) * 4;
        if ((get_be16(ip + 6) & 0x3fff) == 0) /* neither MF nor an offset */
            *ip_proto = ip[9];
    } else if (proto == ETHT_IPV6) {
        if (!skb_has(s, *nhoff, IPV6_HDR_LEN))
            return false;
        const uint8_t *ip = s->data + *nhoff;
        flow_set_ipv6(fk, ip);
        *nhoff += IPV6_HDR_LEN;
        *ip_proto = ip[6];
    } else {
        return false;
    }
    if (l34 && *ip_proto >= 0)
        fk->ports = l4_ports(s, *nhoff, *ip_proto);
    return true;
}

/* An ICMP error (v4 types 3, 4, 5, 11, 12; v6 types 1-4) correlates with
 * the flow that caused it: the embedded IP header, parsed as the outer
 * family, replaces the addresses (and the ports) of the outer one. */
static bool flow_layer3(const HashSkb *s, bool l34, HashFlow *fk)
{
    uint32_t nhoff = s->nhoff;
    int ip_proto = -1;
    memset(fk, 0, sizeof *fk);
    if (!l3_parse_ip(s, s->protocol, &nhoff, &ip_proto, l34, fk))
        return false;
    if (ip_proto != IPP_ICMP && ip_proto != IPP_ICMPV6)
        return true;
    icmp_read(s, nhoff, fk);
    bool error =
        ip_proto == IPP_ICMP ? icmpv4_is_error(fk->icmp_type) : icmpv6_is_error(fk->icmp_type);
    if (!error)
        return true;
    nhoff += ICMP_HDR_LEN;
    return l3_parse_ip(s, s->protocol, &nhoff, &ip_proto, l34, fk);
}

/* ------------------------------------------------------------------------ */
/* encap2+3 and encap3+4: the flow dissector (3.3)                          */
/* ------------------------------------------------------------------------ */

typedef enum {
    STEP_CONTINUE,      /* network header done: go on to its IP protocol */
    STEP_PROTO_AGAIN,   /* another network header follows (proto, nhoff) */
    STEP_IPPROTO_AGAIN, /* another IP protocol header follows (IPv6 ext) */
    STEP_GOOD,          /* stop: the flow is what was found so far */
    STEP_BAD,           /* stop: not dissectable, the caller uses L2 */
} DissectStep;

typedef struct {
    const HashSkb *s;
    HashFlow *fk;
    uint16_t proto;   /* current network protocol (EtherType) */
    uint32_t nhoff;   /* current header offset */
    uint8_t ip_proto; /* current IP protocol */
    int vlans;        /* VLAN headers met so far */
    bool fragment;    /* an IP fragment was found: ports are not read */
} Dissect;

static DissectStep dissect_ipv4(Dissect *d)
{
    if (!skb_has(d->s, d->nhoff, IPV4_MIN_LEN))
        return STEP_BAD;
    const uint8_t *ip = d->s->data + d->nhoff;
    if ((ip[0] & 0x0f) < 5)
        return STEP_BAD;
    d->nhoff += (uint32_t)(ip[0] & 0x0f) * 4;
    d->ip_proto = ip[9];
    flow_set_ipv4(d->fk, ip);
    if (get_be16(ip + 6) & 0x3fff) {
        /* Any fragment, the first included: the bonding dissector does
         * not ask for first fragments to be parsed. */
        d->fragment = true;
        return STEP_GOOD;
    }
    return STEP_CONTINUE;
}

static DissectStep dissect_ipv6(Dissect *d)
{
    if (!skb_has(d->s, d->nhoff, IPV6_HDR_LEN))
        return STEP_BAD;
    const uint8_t *ip = d->s->data + d->nhoff;
    d->ip_proto = ip[6];
    d->nhoff += IPV6_HDR_LEN;
    flow_set_ipv6(d->fk, ip);
    return STEP_CONTINUE;
}

/* The first VLAN header met while the skb holds an out-of-band tag is taken
 * to be that tag: the protocol becomes skb->protocol and nothing is
 * skipped. Every other one is read from the bytes. */
static DissectStep dissect_vlan(Dissect *d)
{
    if (d->vlans++ == 0 && d->s->vlan_oob) {
        d->proto = d->s->protocol;
        return STEP_PROTO_AGAIN;
    }
    if (!skb_has(d->s, d->nhoff, VLAN_HDR_LEN))
        return STEP_BAD;
    d->proto = get_be16(d->s->data + d->nhoff + 2);
    d->nhoff += VLAN_HDR_LEN;
    return STEP_PROTO_AGAIN;
}

/* RFC 1661: a PPP protocol number is odd, with the low bit of its high
 * octet clear. */
static bool ppp_proto_valid(uint16_t p)
{
    return (p & 0x0101) == 0x0001;
}

/* PPPoE session: version 1, type 1, code 0, then the PPP protocol. */
static DissectStep dissect_pppoe(Dissect *d)
{
    if (!skb_has(d->s, d->nhoff, PPPOE_SES_HDR_LEN))
        return STEP_BAD;
    const uint8_t *h = d->s->data + d->nhoff;
    if (h[0] != 0x11 || h[1] != 0)
        return STEP_BAD;
    uint16_t ppp = get_be16(h + 6);
    d->nhoff += PPPOE_SES_HDR_LEN;
    switch (ppp) {
    case PPP_PROTO_IP:
        d->proto = ETHT_IPV4;
        return STEP_PROTO_AGAIN;
    case PPP_PROTO_IPV6:
        d->proto = ETHT_IPV6;
        return STEP_PROTO_AGAIN;
    case PPP_PROTO_MPLS_UC:
        d->proto = ETHT_MPLS_UC;
        return STEP_PROTO_AGAIN;
    case PPP_PROTO_MPLS_MC:
        d->proto = ETHT_MPLS_MC;
        return STEP_PROTO_AGAIN;
    default:
        return ppp_proto_valid(ppp) ? STEP_GOOD : STEP_BAD;
    }
}

/* TIPC: the source node identity (word 3) is the only address. */
static DissectStep dissect_tipc(Dissect *d)
{
    if (!skb_has(d->s, d->nhoff, TIPC_HDR_LEN))
        return STEP_BAD;
    const uint8_t *h = d->s->data + d->nhoff;
    bool keepalive = (get_be32(h) & TIPC_KEEPALIVE_MASK) == TIPC_KEEPALIVE_MASK;
    d->fk->addr_type = ADDR_TIPC;
    d->fk->src = keepalive ? 0 : get_le32(h + 12);
    return STEP_GOOD;
}

/* batman-adv unicast: an inner Ethernet header follows. */
static DissectStep dissect_batadv(Dissect *d)
{
    if (!skb_has(d->s, d->nhoff, BATADV_HDR_LEN))
        return STEP_BAD;
    const uint8_t *h = d->s->data + d->nhoff;
    if (h[1] != BATADV_VERSION || h[0] != BATADV_UNICAST)
        return STEP_BAD;
    d->proto = get_be16(h + BATADV_HDR_LEN - 2);
    d->nhoff += BATADV_HDR_LEN;
    return STEP_PROTO_AGAIN;
}

/* A header of `n` bytes must be there; then stop with no addresses. */
static DissectStep dissect_fixed(Dissect *d, uint32_t n)
{
    return skb_has(d->s, d->nhoff, n) ? STEP_GOOD : STEP_BAD;
}

static DissectStep dissect_network(Dissect *d)
{
    switch (d->proto) {
    case ETHT_IPV4:
        return dissect_ipv4(d);
    case ETHT_IPV6:
        return dissect_ipv6(d);
    case ETHT_8021Q:
    case ETHT_8021AD:
        return dissect_vlan(d);
    case ETHT_PPPOE_SES:
        return dissect_pppoe(d);
    case ETHT_TIPC:
        return dissect_tipc(d);
    case ETHT_BATMAN:
        return dissect_batadv(d);
    case ETHT_HSR:
    case ETHT_PRP:
        if (!skb_has(d->s, d->nhoff, HSR_TAG_LEN))
            return STEP_BAD;
        d->proto = get_be16(d->s->data + d->nhoff + 4);
        d->nhoff += HSR_TAG_LEN;
        return STEP_PROTO_AGAIN;
    case ETHT_FCOE:
        return dissect_fixed(d, FCOE_HDR_LEN);
    case ETHT_PTP:
        return dissect_fixed(d, PTP_HDR_LEN);
    case ETHT_ARP:  /* the bonding dissector asks nothing of ARP, MPLS or */
    case ETHT_RARP: /* CFM, so their headers are not even looked at */
    case ETHT_MPLS_UC:
    case ETHT_MPLS_MC:
    case ETHT_CFM:
        return STEP_GOOD;
    default:
        return STEP_BAD;
    }
}

/* PPTP (GRE version 1): an optional ack, then a PPP header whose protocol
 * names the payload; other PPP payloads keep 0x880B, which the next step
 * refuses. FALSE when the PPP header is cut. */
static bool gre_pptp_payload(const Dissect *d, uint16_t flags, uint32_t *off, uint16_t *inner)
{
    if (flags & GRE_F_ACK)
        *off += 4;
    if (!skb_has(d->s, d->nhoff + *off, PPP_HDR_LEN))
        return false;
    uint16_t ppp = get_be16(d->s->data + d->nhoff + *off + 2);
    if (ppp == PPP_PROTO_IP)
        *inner = ETHT_IPV4;
    else if (ppp == PPP_PROTO_IPV6)
        *inner = ETHT_IPV6;
    *off += PPP_HDR_LEN;
    return true;
}

/* GRE: version 0 (optional checksum, key, sequence; Ethernet payload
 * skipped) or version 1 (PPTP: PPP payload). Routing present, other
 * versions, or version 1 without PPP and key: stop at the outer header. */
static DissectStep dissect_gre(Dissect *d)
{
    const HashSkb *s = d->s;
    if (!skb_has(s, d->nhoff, 4))
        return STEP_BAD;
    uint16_t flags = get_be16(s->data + d->nhoff);
    uint16_t inner = get_be16(s->data + d->nhoff + 2);
    uint16_t version = flags & GRE_F_VERSION;
    if ((flags & GRE_F_ROUTING) || version > 1)
        return STEP_GOOD;
    if (version == 1 && !(inner == ETHT_PPP && (flags & GRE_F_KEY)))
        return STEP_GOOD;
    uint32_t off = 4;
    if (flags & GRE_F_CSUM)
        off += 4;
    if (flags & GRE_F_KEY) {
        if (!skb_has(s, d->nhoff + off, 4))
            return STEP_BAD;
        off += 4;
    }
    if (flags & GRE_F_SEQ)
        off += 4;
    if (version == 0 && inner == ETHT_TEB) {
        if (!skb_has(s, d->nhoff + off, ETH_HDR_LEN))
            return STEP_BAD;
        inner = get_be16(s->data + d->nhoff + off + 12);
        off += ETH_HDR_LEN;
    } else if (version == 1 && !gre_pptp_payload(d, flags, &off, &inner)) {
        return STEP_BAD;
    }
    d->proto = inner;
    d->nhoff += off;
    return STEP_PROTO_AGAIN;
}

/* IPv6 hop-by-hop, routing and destination options: skipped. */
static DissectStep dissect_ipv6_opts(Dissect *d)
{
    if (d->proto != ETHT_IPV6)
        return STEP_CONTINUE;
    if (!skb_has(d->s, d->nhoff, 2))
        return STEP_BAD;
    const uint8_t *h = d->s->data + d->nhoff;
    d->ip_proto = h[0];
    d->nhoff += ((uint32_t)h[1] + 1) * 8;
    return STEP_IPPROTO_AGAIN;
}

/* IPv6 fragment header: ends the parse, ports unread, first fragment too. */
static DissectStep dissect_ipv6_frag(Dissect *d)
{
    if (d->proto != ETHT_IPV6)
        return STEP_CONTINUE;
    if (!skb_has(d->s, d->nhoff, 8))
        return STEP_BAD;
    d->fragment = true;
    d->ip_proto = d->s->data[d->nhoff];
    d->nhoff += 8;
    return STEP_GOOD;
}

static DissectStep dissect_transport(Dissect *d)
{
    switch (d->ip_proto) {
    case IPP_GRE:
        return dissect_gre(d);
    case IPP_HOPOPTS:
    case IPP_ROUTING:
    case IPP_DSTOPTS:
        return dissect_ipv6_opts(d);
    case IPP_FRAGMENT:
        return dissect_ipv6_frag(d);
    case IPP_IPIP:
        d->proto = ETHT_IPV4;
        return STEP_PROTO_AGAIN;
    case IPP_IPV6:
        d->proto = ETHT_IPV6;
        return STEP_PROTO_AGAIN;
    case IPP_MPLS:
        d->proto = ETHT_MPLS_UC;
        return STEP_PROTO_AGAIN;
    case IPP_ICMP:
    case IPP_ICMPV6:
        icmp_read(d->s, d->nhoff, d->fk);
        return STEP_CONTINUE;
    default:
        return STEP_CONTINUE;
    }
}

/* The dissector's loop. Each "again" costs one of MAX_EXTRA_HDRS; when they
 * run out the flow found so far is used. PORTS is re-read after every IP
 * protocol step (so a tunnel's outer step leaves 0 and the innermost L4
 * header wins), except once a fragment was seen. */
static bool flow_dissect(const HashSkb *s, HashFlow *fk)
{
    Dissect d = {.s = s, .fk = fk, .proto = s->protocol, .nhoff = s->nhoff};
    int extra = 0;
    memset(fk, 0, sizeof *fk);
    for (;;) {
        DissectStep st = dissect_network(&d);
        if (st == STEP_CONTINUE) {
            do {
                st = dissect_transport(&d);
                if (!d.fragment)
                    fk->ports = l4_ports(s, d.nhoff, d.ip_proto);
            } while (st == STEP_IPPROTO_AGAIN && ++extra <= MAX_EXTRA_HDRS);
            if (st == STEP_IPPROTO_AGAIN)
                return true;
        }
        if (st == STEP_PROTO_AGAIN && ++extra <= MAX_EXTRA_HDRS)
            continue;
        return st != STEP_BAD;
    }
}

/* ------------------------------------------------------------------------ */
/* Formulas (3.3)                                                           */
/* ------------------------------------------------------------------------ */

/* FOLD(h), then >> 1 for the 3+4 policies (the kernel drops the low bit
 * because ports are often even). */
static uint32_t hash_fold(uint32_t h, const HashFlow *fk, bool l34)
{
    h ^= flow_dst(fk) ^ flow_src(fk);
    h ^= h >> 16;
    h ^= h >> 8;
    return l34 ? h >> 1 : h;
}

static uint32_t hash_vlan_srcmac(const uint8_t *frame, bool vlan_oob, uint16_t vlan_tci)
{
    const uint8_t *src = frame + 6;
    uint32_t vendor = (uint32_t)src[0] << 16 | (uint32_t)src[1] << 8 | src[2];
    uint32_t dev = (uint32_t)src[3] << 16 | (uint32_t)src[4] << 8 | src[5];
    return (vlan_oob ? vlan_tci : 0u) ^ vendor ^ dev;
}

uint32_t bond_xmit_hash(BondHashPolicy policy, const uint8_t *frame, uint32_t len, bool vlan_oob,
                        uint16_t vlan_tci)
{
    g_return_val_if_fail((unsigned)policy < BOND_HASH_POLICY_COUNT, 0);
    g_return_val_if_fail(frame != NULL || len == 0, 0);
    if (len < ETH_HDR_LEN)
        return 0;
    if (policy == BOND_HASH_VLAN_SRCMAC)
        return hash_vlan_srcmac(frame, vlan_oob, vlan_tci);

    HashSkb s;
    HashFlow fk;
    hash_skb_init(&s, frame, len, vlan_oob);
    bool encap = policy == BOND_HASH_ENCAP23 || policy == BOND_HASH_ENCAP34;
    bool l34 = policy == BOND_HASH_LAYER34 || policy == BOND_HASH_ENCAP34;
    bool parsed = false;
    if (encap)
        parsed = flow_dissect(&s, &fk);
    else if (policy != BOND_HASH_LAYER2)
        parsed = flow_layer3(&s, l34, &fk);
    if (!parsed)
        return hash_l2(&s);
    uint32_t h;
    if (!l34)
        h = hash_l2(&s);
    else
        h = fk.icmp_id != 0 ? flow_icmpw(&fk) : fk.ports;
    return hash_fold(h, &fk, l34);
}

int bond_hash_slave_index(uint32_t hash, int count)
{
    if (count <= 0)
        return -1;
    return (int)(hash % (uint32_t)count);
}

/* ------------------------------------------------------------------------ */
/* Names                                                                    */
/* ------------------------------------------------------------------------ */

/* The names are those of the options table (options.c), read back through
 * bond_hash_policy_name() so that they are written in one place. */
gboolean bond_hash_policy_parse(const char *s, BondHashPolicy *out)
{
    g_return_val_if_fail(s != NULL && out != NULL, FALSE);
    for (int p = 0; p < BOND_HASH_POLICY_COUNT; p++) {
        if (strcmp(s, bond_hash_policy_name((BondHashPolicy)p)) == 0) {
            *out = (BondHashPolicy)p;
            return TRUE;
        }
    }
    if (s[0] >= '0' && s[0] < '0' + BOND_HASH_POLICY_COUNT && s[1] == '\0') {
        *out = (BondHashPolicy)(s[0] - '0');
        return TRUE;
    }
    return FALSE;
}
