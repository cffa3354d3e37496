/* host.h - a host and its minimal IPv4 stack.
 *
 * A Host owns NICs and L3 interfaces. An interface (Iface) is either a plain
 * NIC or a bond over several NICs; it has one IPv4 address and an ARP cache.
 * The stack answers ARP, learns from ARP (gratuitous ARP included, which
 * updates an existing entry as Linux does), holds packets while a neighbour
 * is being resolved (up to 101 frames, as unres_qlen; three broadcast
 * requests one second apart, then the entry fails and the held packets are
 * dropped), routes by longest prefix then metric, answers ICMP echo, hands
 * UDP datagrams and echo replies of measured flows to their Flow and TCP
 * segments to traffic/tcp.c (Host.tcp finds the connection).
 * ARP entries do not age during a run (runs are seconds long; documented).
 * IPv6 (addresses, routes, neighbour discovery, ICMPv6, UDP) is net/ipv6.c;
 * its neighbour entries (family 6) share this cache, hold queue and retries.
 *
 * Hot path: a flow sends through host_send_ip() with a HostPathCache that
 * remembers its route and neighbour entry until the host's route or
 * neighbour generation changes, so steady traffic does no lookups.
 */
#ifndef BONDSIM_HOST_H
#define BONDSIM_HOST_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "frame.h"
#include "nic.h"

typedef struct Sim Sim;
typedef struct Host Host;
typedef struct Bond Bond;
typedef struct Iface Iface;

#define HOST_MAX_NICS 16
#define HOST_MAX_IFACES 16
#define HOST_MAX_ROUTES 32
#define HOST_MAX_NEIGH 64
#define HOST_ARP_HOLD_MAX 101                         /* unres_qlen */
#define HOST_ARP_SOLICIT_MAX 3                        /* mcast_solicit */
#define HOST_ARP_RETRANS_PS (1000ull * 1000000000ull) /* retrans_time_ms 1000 */
#define IFACE_MAX_ADDR6 4 /* the link-local and up to 3 global IPv6 addresses */

typedef enum { NEIGH_FREE = 0, NEIGH_INCOMPLETE, NEIGH_REACHABLE, NEIGH_FAILED } NeighState;

typedef struct {
    NeighState state;
    uint8_t family; /* 4 (ARP) or 6 (neighbour discovery) */
    uint8_t ip[16]; /* IPv4 in the first 4 bytes */
    uint8_t mac[6];
    int solicits; /* requests sent while INCOMPLETE */
    Frame *hold_head, *hold_tail;
    uint32_t hold_len;
    Timer retry;
    Iface *iface;
} Neigh;

/* An IPv6 address of an interface (net/ipv6.c). */
typedef struct {
    uint8_t addr[16];
    int prefix_len;
} Ip6Addr;

struct Iface {
    Host *host;
    char name[16];  /* "eth0", "bond0" */
    Nic *nic;       /* plain interface, or NULL */
    Bond *bond;     /* bond interface, or NULL */
    uint8_t mac[6]; /* the interface MAC (a bond's follows the bond) */
    bool has_ip;
    uint8_t ip[4];
    int prefix_len;
    int cap_if; /* capture index of the bond device, -1 otherwise */
    Neigh neigh[HOST_MAX_NEIGH];
    /* IPv6, off until net/ipv6.c enables it: addr6[0] is then the EUI-64
     * link-local, the global addresses follow in the order added. */
    bool has_ip6;
    Ip6Addr addr6[IFACE_MAX_ADDR6];
    int n_addr6;
};

typedef struct {
    uint8_t dst[4];
    int prefix_len;
    bool has_gw;
    uint8_t gw[4];
    Iface *iface;
    uint32_t metric;
} Route;

typedef struct {
    uint8_t dst[16];
    int prefix_len;
    bool has_gw;
    uint8_t gw[16];
    Iface *iface;
    uint32_t metric;
} Route6;

typedef enum {
    HOST_DROP_NO_ROUTE = 0,
    HOST_DROP_ARP_FAILED,    /* neighbour unresolved (ARP or IPv6 ND) */
    HOST_DROP_ARP_HOLD_FULL, /* neighbour hold queue (or table) full */
    HOST_DROP_NOT_FOR_US,
    HOST_DROP_NO_LISTENER,
    HOST_DROP_MALFORMED,
    HOST_DROP_COUNT
} HostDrop;

extern const char *const host_drop_names[HOST_DROP_COUNT];

typedef struct {
    uint32_t gen; /* host route_gen when filled; 0 = empty */
    Iface *iface;
    Neigh *neigh;
    const uint8_t *src6; /* IPv6 paths: the source address (an addr6 of iface) */
} HostPathCache;

/* Forwarded packets (a NAT box) and replies (ICMP echo, the UDP echo
 * service) have no flow to hold a path cache: the host keeps a small
 * direct-mapped one per family, keyed by destination, so they cost no route
 * or neighbour search per packet. A collision only costs a fresh lookup. */
#define HOST_FWD_CACHE 64
typedef struct {
    uint8_t dst[4];
    HostPathCache pc;
} HostFwdEntry;
typedef struct {
    uint8_t dst[16];
    HostPathCache pc;
} HostFwdEntry6;

struct Host {
    char *name;
    Sim *sim;
    Nic *nics[HOST_MAX_NICS]; /* owned */
    int n_nics;
    Iface *ifaces[HOST_MAX_IFACES]; /* owned */
    int n_ifaces;
    Route routes[HOST_MAX_ROUTES];
    int n_routes;
    Route6 routes6[HOST_MAX_ROUTES];
    int n_routes6;
    uint32_t route_gen;                 /* bumped when routes or neighbours change */
    HostFwdEntry fwd[HOST_FWD_CACHE];   /* host_dst_cache() */
    HostFwdEntry6 fwd6[HOST_FWD_CACHE]; /* host_dst_cache6() */
    uint16_t ip_id;
    uint64_t drops[HOST_DROP_COUNT];
    uint64_t arp_tx, arp_rx, icmp_echo_rx;
    uint64_t nd_tx, nd_rx, icmp6_echo_rx; /* IPv6 ND messages, ICMPv6 echo requests */
    struct TcpHost *tcp;    /* TCP ends and connections (traffic/tcp.c), owned; NULL if none */
    struct NatBox *nat;     /* a NAT box's translation (nat.c; the Sim owns it), or NULL */
    uint16_t echo_udp_port; /* IP-echo service on this UDP port (traffic/echo.c), 0: none */
    uint64_t echo_replies;  /* datagrams the echo service answered */
};

Host *host_new(Sim *sim, const char *name);
void host_free(Host *host);

/* Adds a NIC (not yet an interface). Returns it, owned by the host. */
Nic *host_add_nic(Host *host, const char *ifname, const uint8_t mac[6], uint64_t speed_bps);
Nic *host_find_nic(Host *host, const char *ifname);
/* Makes a plain interface of a NIC, or a bond interface. */
Iface *host_add_iface_nic(Host *host, Nic *nic);
Iface *host_add_iface_bond(Host *host, Bond *bond, const char *name);
Iface *host_find_iface(Host *host, const char *name);
void host_set_address(Iface *iface, const uint8_t ip[4], int prefix_len);
/* Adds a route; a connected route is added by host_set_address. */
bool host_add_route(Host *host, const uint8_t dst[4], int prefix_len, const uint8_t *gw,
                    Iface *iface, uint32_t metric);

/* Removes the routes to dst/prefix_len (through `gw` only, when not NULL);
 * returns how many. Bumps route_gen, so flows re-resolve their path. */
int host_del_routes(Host *host, const uint8_t dst[4], int prefix_len, const uint8_t *gw);

/* The interface the routing table sends `dst` out of, or NULL. Control path:
 * one table walk. */
Iface *host_route_iface(Host *host, const uint8_t dst[4]);
/* The same answer for the per-packet path (forwarding): kept in the host's
 * per-destination path cache (host_dst_cache), so no table walk per packet. */
Iface *host_route_iface_cached(Host *host, const uint8_t dst[4]);

/* Forwards an IPv4 packet (a router's or NAT box's: source address, TTL and
 * checksums as they are) towards `dst`: route, neighbour, Ethernet header,
 * transmit. Takes ownership. */
void host_forward_ip(Sim *sim, Host *host, Frame *f, const uint8_t dst[4]);

/* Sends an IPv4 packet already written at f->data + ETH_HLEN (its header
 * complete but for the source address and the header checksum, which are
 * filled here: the source is the address of the interface the route sends
 * it out of) towards `dst`. Routes, resolves, writes the Ethernet header and
 * transmits. Takes ownership. An upper-layer checksum over the
 * pseudo-header cannot be right unless the sender knew that address: a
 * sender that owns its source (TCP, replies) uses host_send_ip_src. */
void host_send_ip(Sim *sim, Host *host, Frame *f, const uint8_t dst[4], HostPathCache *pc);

/* The same with the source address `src` (NULL: the outgoing interface's),
 * whichever interface the route sends the packet out of, as Linux keeps a
 * socket's bound or connected source address when the route moves (a TCP
 * connection's local address, an ICMP echo reply from the address the
 * request was sent to). The packet's upper-layer checksum must already
 * cover `src`: only the IPv4 header checksum is filled here. */
void host_send_ip_src(Sim *sim, Host *host, Frame *f, const uint8_t dst[4], const uint8_t *src,
                      HostPathCache *pc);

/* The host's own path cache for traffic to `dst` that no flow owns
 * (forwarding, replies): pass it to host_send_ip / ipv6_send. */
HostPathCache *host_dst_cache(Host *host, const uint8_t dst[4]);
HostPathCache *host_dst_cache6(Host *host, const uint8_t dst[16]);

/* An interface's transmit: a plain NIC or the bond. Takes ownership. */
void iface_xmit(Sim *sim, Iface *iface, Frame *f);

/* The stack's receive entry for a frame that reached `iface` (after the bond
 * for a bond interface). Takes ownership. */
void host_rx(Sim *sim, Iface *iface, Frame *f);

/* The neighbour cache, shared by ARP (family 4) and ND (family 6, used by
 * net/ipv6.c). Lookup returns the entry for `ip`, creating an empty one when
 * `create` (NULL when the table is full). Update records the MAC, makes the
 * entry reachable and sends what it held. Hold queues a frame whose Ethernet
 * header is written but for the destination MAC, starting resolution (ARP
 * request or neighbour solicitation, 3 x 1 s). Control path only. */
Neigh *host_neigh_lookup(Iface *iface, int family, const uint8_t *ip, bool create);
void host_neigh_update(Sim *sim, Neigh *n, const uint8_t mac[6]);
void host_neigh_hold(Sim *sim, Neigh *n, Frame *f);

/* Interface changed its MAC (bond MAC change): flush its neighbour table,
 * permanent entries included, as the kernel does (reference 1.5). */
void iface_mac_changed(Sim *sim, Iface *iface, const uint8_t mac[6]);

/* Gratuitous ARP for the interface's address (a request whose sender and
 * target IP are both the address), sent through the interface. */
void host_send_garp(Sim *sim, Iface *iface, const char *note);

/* Writes an IPv4 header at p (20 bytes, checksum filled). */
void ipv4_write_header(uint8_t *p, uint16_t total_len, uint16_t id, uint8_t proto,
                       const uint8_t src[4], const uint8_t dst[4]);
uint16_t inet_checksum(const uint8_t *p, size_t len, uint32_t initial);

#endif
