/* nat.h - a NAT box: egress SNAT and ingress DNAT with a connection table.
 *
 * A NatBox is a Host (its NICs, addresses, routes, ARP and ICMP echo are the
 * host stack's: a [nat NAME] group takes every [host] key) whose interfaces
 * are marked inside or outside, plus a hook that host.c calls for every IPv4
 * packet the box receives. Inside -> outside packets get their source
 * rewritten (SNAT) to a public address: the EIP bound to the private source
 * address if there is one (a cloud EIP is bound to one private address, i.e.
 * one virtual NIC), else the masquerade address of the outside interface the
 * route picks ("one per uplink"), else the packet is dropped ("no-eip").
 * Outside -> inside packets are matched on the connection table and their
 * destination rewritten back (DNAT); a packet to an EIP with no connection
 * opens one (static 1:1 DNAT); anything else is dropped ("no-mapping").
 * Packets between two inside interfaces are routed untouched (an interface
 * marked neither way counts as inside). TTL is
 * decremented; the L4 checksum is updated incrementally (RFC 1624), the IPv4
 * header checksum recomputed. The box answers ARP for its interface addresses
 * (host stack) and for its public addresses on its outside interfaces.
 *
 * Translated: UDP and TCP (ports), ICMP echo request/reply (the identifier
 * is the port). Source ports are kept when free, else the next free one
 * above (1024-65535; ICMP ids 0-65535); none free: dropped ("no-port").
 *
 * Connection table: `capacity` connections (fixed at load, at most
 * NAT_MAX_CAPACITY, refused above with a message) in one array, each indexed
 * twice (inside 5-tuple, outside 5-tuple) in an open-addressing hash table of
 * 4 x capacity slots with linear probing and backward-shift deletion: no
 * allocation per packet (GHashTable would allocate per insertion). Entries
 * expire lazily: an expired entry met by a lookup is removed; when the table
 * is full a new connection first sweeps it for expired entries, then is
 * dropped ("table-full").
 *
 * Timeouts (Linux nf_conntrack defaults, kernel >= 5.6): UDP 30 s until a
 * reply is seen, then 120 s (udp_timeout_stream; 180 s before 5.6); ICMP
 * 30 s; TCP 120 s until the reply (syn_sent), 5 days established, 120 s
 * after a FIN (time_wait), 10 s after an RST (close). Each timer restarts at
 * every packet of the connection.
 */
#ifndef BONDSIM_NAT_H
#define BONDSIM_NAT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "frame.h"
#include "host.h"

typedef struct Sim Sim;
typedef struct NatBox NatBox;

#define NAT_DEFAULT_CAPACITY 65536u
#define NAT_MAX_CAPACITY (1u << 20)
#define NAT_MAX_PUBLIC 64 /* masquerade addresses plus EIP bindings, per box */

typedef enum { NAT_SIDE_NONE = 0, NAT_SIDE_INSIDE, NAT_SIDE_OUTSIDE } NatSide;

/* Why a packet died at the NAT (summary "NAT" table, stats.json nat[].drops).
 * The packet gets a capture comment where the box's NIC captures it
 * arriving, "bondsim: drop NAT IF reason=no-mapping count=N" (N: its number
 * among the box's drops of that reason): the NIC asks before it captures,
 * and the box answers by making the same decision without changing anything
 * (a second connection-table lookup per packet, as the cloud vSwitch checks
 * twice). Limited as the switch's MAC moves: the first 16 of each reason,
 * then every 1000th; only those are formatted. Not on an interface that is
 * a bond (its slaves keep the bond's comments): counted only. */
typedef enum {
    NAT_DROP_NO_MAPPING = 0, /* from outside, no connection and not to an EIP */
    NAT_DROP_NO_EIP,         /* from inside, no EIP for the source, no masquerade address */
    NAT_DROP_TABLE_FULL,     /* connection table full (after sweeping expired entries) */
    NAT_DROP_NO_PORT,        /* every port/id of the public address taken */
    NAT_DROP_UNSUPPORTED,    /* not UDP, TCP or ICMP echo (fragments included) */
    NAT_DROP_TTL,            /* TTL would reach 0 (no ICMP time-exceeded is sent) */
    NAT_DROP_NO_ROUTE,       /* no route out of the box */
    NAT_DROP_MALFORMED,      /* truncated header */
    NAT_DROP_COUNT
} NatDrop;

extern const char *const nat_drop_names[NAT_DROP_COUNT];

typedef struct {
    uint64_t udp_ps;             /* unreplied UDP: 30 s */
    uint64_t udp_stream_ps;      /* UDP after a reply: 120 s */
    uint64_t icmp_ps;            /* ICMP echo: 30 s */
    uint64_t tcp_syn_ps;         /* TCP before the reply: 120 s */
    uint64_t tcp_established_ps; /* TCP after the reply: 5 days */
    uint64_t tcp_fin_ps;         /* TCP after a FIN: 120 s */
    uint64_t tcp_rst_ps;         /* TCP after an RST: 10 s */
} NatTimeouts;

typedef struct {
    uint64_t snat;    /* packets translated inside -> outside */
    uint64_t dnat;    /* packets translated outside -> inside */
    uint64_t routed;  /* inside -> inside, untouched */
    uint64_t created; /* connections opened */
    uint64_t expired; /* connections removed by timeout */
    uint32_t active;  /* connections in the table now (expired ones not yet met count) */
    uint32_t peak;    /* largest `active` */
    uint64_t drops[NAT_DROP_COUNT];
} NatStats;

/* The Linux defaults above. */
void nat_timeouts_default(NatTimeouts *t);

/* Makes the NAT logic of `host` (which must not be a NAT already) and hooks
 * it into the host (host->nat). `capacity` connections, 1..NAT_MAX_CAPACITY.
 * The box is freed by nat_free (the caller owns it; the Sim keeps it in
 * sim->nats); the host stays the Sim's. */
NatBox *nat_new(Sim *sim, Host *host, uint32_t capacity);
void nat_free(NatBox *nat);

Host *nat_host(const NatBox *nat); /* borrowed */
const char *nat_name(const NatBox *nat);

/* Configuration (load time). Each returns false when the limit
 * (NAT_MAX_PUBLIC) is reached or the address is already a public one. */
void nat_set_side(NatBox *nat, Iface *iface, NatSide side);
NatSide nat_side(const NatBox *nat, const Iface *iface);
bool nat_add_masquerade(NatBox *nat, Iface *outside, const uint8_t pub[4]);
bool nat_add_eip(NatBox *nat, const uint8_t priv[4], const uint8_t pub[4]);
void nat_set_timeouts(NatBox *nat, const NatTimeouts *t);

/* What a public address is to the box: an EIP (then *priv, which may be
 * NULL, gets the private address it is bound to: a packet from outside to
 * it opens a connection to that address), a masquerade address (outbound
 * only: nothing from outside opens a connection to it), or neither. Load
 * time (the scenario resolves a TCP destination that is an EIP). */
typedef enum { NAT_PUBLIC_NONE = 0, NAT_PUBLIC_EIP, NAT_PUBLIC_MASQUERADE } NatPublicKind;
NatPublicKind nat_public_kind(const NatBox *nat, const uint8_t pub[4], uint8_t priv[4]);

/* Called by host.c for every IPv4 packet `iface` of the box receives (Ethernet
 * header at f->data). Returns false when the packet is for the box itself
 * (to an interface address with no connection: the host stack takes it),
 * true when the NAT took it (forwarded or dropped). */
bool nat_ip_rx(Sim *sim, NatBox *nat, Iface *iface, Frame *f);

/* Whether the box answers ARP for `ip` on `iface` (a public address on an
 * outside interface). */
bool nat_arp_proxy(const NatBox *nat, const Iface *iface, const uint8_t ip[4]);

/* The translation alone, for tests: rewrites the IPv4 packet at `ip`
 * (`len` bytes) arriving from `from`, as nat_ip_rx would, given the outside
 * interface the route picked (inside -> outside only; NULL otherwise).
 * Returns false with *why set when the packet must be dropped. */
bool nat_translate(NatBox *nat, NatSide from, Iface *out, uint8_t *ip, uint32_t len,
                   uint64_t now_ps, NatDrop *why);

const NatStats *nat_stats(const NatBox *nat); /* borrowed */

/* RFC 1624 eqn. 3: the checksum `hc` after a 16-bit word changes from `m` to
 * `m2`: HC' = ~(~HC + ~m + m'). */
uint16_t nat_csum_update16(uint16_t hc, uint16_t m, uint16_t m2);

#endif
