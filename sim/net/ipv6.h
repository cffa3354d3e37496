/* ipv6.h - the host's IPv6: addresses, routes, neighbour discovery, ICMPv6
 * echo, UDP over IPv6, and the unsolicited NAs of a bond peer notification.
 *
 * Callers: host.c hands received 0x86DD frames to ipv6_rx() and asks
 * ndisc_send_ns() to solicit a family-6 neighbour entry (cache, hold queue and
 * 3 x 1 s retries are host.c's, shared with ARP); flows send through
 * ipv6_send(); bond.c calls ndisc_send_unsol_na() (reference 5.3); the
 * scenario loader configures addresses and routes. State lives in the Iface
 * (addresses) and the Host (routes6); this module owns none.
 * Specs: RFC 8200 (header, UDP checksum 8.1), RFC 4291 (addresses, EUI-64,
 * solicited-node groups), RFC 4861 (ND), RFC 4443 (ICMPv6), RFC 2464 (33:33).
 * Addresses are 16 bytes in network order. No DAD, MLD or router discovery:
 * addresses are usable (non-tentative) as soon as they are set.
 */
#ifndef BONDSIM_NET_IPV6_H
#define BONDSIM_NET_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "host.h"

#define IP6_HLEN 40
#define IP6_HOP_LIMIT 64     /* net.ipv6.conf.*.hop_limit */
#define IP6_ND_HOP_LIMIT 255 /* every ND message (RFC 4861 7.1) */
#define IP6_PROTO_UDP 17
#define IP6_PROTO_ICMPV6 58
#define IP6_ROUTE_METRIC_CONNECTED 256 /* as the kernel's prefix routes */
#define IP6_ROUTE_METRIC_USER 1024     /* `ip -6 route add` without a metric */

#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define ICMP6_ND_NS 135
#define ICMP6_ND_NA 136
#define ND_OPT_SOURCE_LLADDR 1
#define ND_OPT_TARGET_LLADDR 2
#define ND_NA_FLAG_ROUTER 0x80u
#define ND_NA_FLAG_SOLICITED 0x40u
#define ND_NA_FLAG_OVERRIDE 0x20u
#define ND_NS_LEN (IP6_HLEN + 24 + 8) /* with the source link-layer option */
#define ND_NA_LEN (IP6_HLEN + 24 + 8) /* with the target link-layer option */

/* ---- addresses (pure) ------------------------------------------------------ */

/* "2001:db8::1" -> bytes; false if not an IPv6 address. */
bool ipv6_parse(const char *s, uint8_t addr[16]);
/* "2001:db8::1/64"; the prefix length (0-128) is required. */
bool ipv6_parse_cidr(const char *s, uint8_t addr[16], int *prefix_len);
/* RFC 5952 text ("2001:db8::1") into buf (46 bytes are enough); returns buf. */
char *ipv6_format(const uint8_t addr[16], char *buf, size_t buf_len);
bool ipv6_prefix_match(const uint8_t a[16], const uint8_t b[16], int prefix_len);
/* fe80::/64 with the modified EUI-64 of `mac` (RFC 4291 2.5.1, appendix A). */
void ipv6_link_local_from_mac(const uint8_t mac[6], uint8_t out[16]);
/* ff02::1:ffXX:XXXX for the low 24 bits of `addr` (RFC 4291 2.7.1). */
void ipv6_solicited_node(const uint8_t addr[16], uint8_t group[16]);
/* 33:33 + the low 32 bits of a multicast group (RFC 2464 7). */
void ipv6_multicast_mac(const uint8_t group[16], uint8_t mac[6]);

static inline bool ipv6_is_multicast(const uint8_t *a)
{
    return a[0] == 0xff;
}

static inline bool ipv6_is_link_local(const uint8_t *a)
{
    return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static inline bool ipv6_is_unspecified(const uint8_t *a)
{
    for (int i = 0; i < 16; i++)
        if (a[i])
            return false;
    return true;
}

/* ---- configuration (load time) --------------------------------------------- */

/* Turns IPv6 on for an interface: its link-local address from the current
 * MAC (a bond's is the bond MAC: enslave first) and the fe80::/64 route. The
 * link-local stays when the MAC changes later, as in Linux. Idempotent. */
void ipv6_enable(Iface *iface);
/* Adds a global address (enabling IPv6 first) and its prefix route. False
 * when the interface already has IFACE_MAX_ADDR6 addresses or the address is
 * link-local, multicast or unspecified. */
bool ipv6_add_address(Iface *iface, const uint8_t addr[16], int prefix_len);
/* Adds a route; `gw` NULL for an on-link route. False when the table is full. */
bool ipv6_add_route(Host *host, const uint8_t dst[16], int prefix_len, const uint8_t *gw,
                    Iface *iface, uint32_t metric);
/* The interface the IPv6 routing table sends `dst` out of (IPv6 on), or
 * NULL. Control path: one table walk (as host_route_iface for IPv4). */
Iface *ipv6_route_iface(Host *host, const uint8_t dst[16]);
/* The source address for `dst` leaving `iface`: the link-local for a
 * link-local destination, else the global address sharing the longest
 * prefix with it (the first one on ties), else the link-local. Borrowed. */
const uint8_t *ipv6_select_source(const Iface *iface, const uint8_t dst[16]);
/* Whether `iface` listens on Ethernet multicast address `mac` (33:33:..):
 * all-nodes and the solicited-node groups of its addresses. */
bool ipv6_mac_wanted(const Iface *iface, const uint8_t mac[6]);

/* ---- packets ----------------------------------------------------------------- */

/* Writes a 40-byte IPv6 header at p (traffic class and flow label 0). */
void ipv6_write_header(uint8_t *p, uint16_t payload_len, uint8_t next_header, uint8_t hop_limit,
                       const uint8_t src[16], const uint8_t dst[16]);
/* The ones' complement sum (not folded, not inverted) of the pseudo-header
 * (RFC 8200 8.1), to pass as inet_checksum()'s `initial`. */
uint32_t ipv6_pseudo_sum(const uint8_t src[16], const uint8_t dst[16], uint32_t l4_len,
                         uint8_t next_header);
/* The checksum an ICMPv6 or UDP packet at ip6 (header first, no extension
 * headers) should carry, computed over its whole payload with the checksum
 * field taken as 0; a UDP result of 0 is given as 0xffff. */
uint16_t ipv6_l4_checksum(const uint8_t *ip6);

/* Sends an IPv6 packet written at f->data + ETH_HLEN towards `dst`: routes,
 * resolves (neighbour discovery), writes the Ethernet header and transmits.
 * A source address of :: is replaced by the path's source and the UDP or
 * ICMPv6 checksum (computed with ::) adjusted, with no pass over the payload;
 * any other source is kept as written. Takes ownership. Hot path: `pc` (may
 * be NULL) remembers route, neighbour and source as for host_send_ip(). */
void ipv6_send(Sim *sim, Host *host, Frame *f, const uint8_t dst[16], HostPathCache *pc);

/* The receive entry for 0x86DD frames that reached `iface`. Takes ownership. */
void ipv6_rx(Sim *sim, Iface *iface, Frame *f);

/* ---- neighbour discovery ----------------------------------------------------- */

/* A neighbour solicitation for `target`, to its solicited-node group, from
 * `src` (:: allowed: then no option should be given, RFC 4861 7.2.2) with
 * the source link-layer option `sll` (NULL: none). NULL when the pool is
 * empty. Caller owns the frame. For the NS monitor too (reference 6.2). */
Frame *ndisc_build_ns(Sim *sim, const uint8_t eth_src[6], const uint8_t src[16],
                      const uint8_t target[16], const uint8_t *sll);
/* A neighbour advertisement for `target` with `flags` (ND_NA_FLAG_*) and the
 * target link-layer option `tll` (NULL: none), IPv6 source = `src`. */
Frame *ndisc_build_na(Sim *sim, const uint8_t eth_dst[6], const uint8_t eth_src[6],
                      const uint8_t src[16], const uint8_t dst[16], const uint8_t target[16],
                      uint8_t flags, const uint8_t *tll);
/* Solicits `target` on `iface` (host.c's neighbour retry timer calls it). */
void ndisc_send_ns(Sim *sim, Iface *iface, const uint8_t target[16]);
/* One unsolicited NA per address of the interface (reference 5.3), through
 * the interface: to ff02::1 (33:33:00:00:00:01), hop limit 255, R=0 S=0 O=1,
 * target = source = the address, target link-layer option = interface MAC.
 * Order is the kernel's address list: global addresses newest first, then
 * the link-local. `note` (may be NULL) goes on each frame. Returns how many
 * were sent (0 when IPv6 is off). */
int ndisc_send_unsol_na(Sim *sim, Iface *iface, const char *note);

#endif
