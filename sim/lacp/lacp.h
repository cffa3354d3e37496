/* lacp.h - LACP (IEEE 802.1AX / 802.3ad) as the Linux bonding driver runs it.
 *
 * One "LACP system" = one actor identity (system priority + MAC) with a set
 * of ports, their aggregators and the selection logic. The owner (the 802.3ad
 * bond in sim/bond/mode_8023ad.c, later a switch with LACP port-channels)
 * feeds it link changes and received slow-protocol frames, calls lacp_tick()
 * every AD tick (its own timer, period lacp_tick_ps()), and receives frames to
 * transmit and port events through callbacks. The module never touches an
 * Engine, a Bond or a Nic: it is plain state + callbacks, so a switch can own
 * one. Behaviour: ../shared/reference/linux-bonding.md section 7 (frames 7.1,
 * state bits 7.2, keys 7.3, timers 7.4, machines 7.5-7.9); no kernel code is
 * copied. Frames are written and read through util/bytes.h helpers (lacpdu.c).
 */
#ifndef BONDSIM_LACP_LACP_H
#define BONDSIM_LACP_LACP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- wire format (7.1) ---------------------------------------------------- */

#define LACP_ETHERTYPE 0x8809 /* slow protocols */
#define LACP_FRAME_LEN 124    /* 14 + 110, without FCS */
#define LACP_SUBTYPE_LACPDU 1
#define LACP_SUBTYPE_MARKER 2
#define LACP_MARKER_INFO 1                   /* marker TLV type: information */
#define LACP_MARKER_RESPONSE 2               /* marker TLV type: response */
extern const uint8_t lacp_slow_proto_mac[6]; /* 01:80:c2:00:00:02 */

/* Actor/partner state bits (7.2). */
enum {
    LACP_STATE_ACTIVITY = 0x01,
    LACP_STATE_TIMEOUT = 0x02, /* short timeout (fast rate) */
    LACP_STATE_AGGREGATION = 0x04,
    LACP_STATE_SYNC = 0x08,
    LACP_STATE_COLLECTING = 0x10,
    LACP_STATE_DISTRIBUTING = 0x20,
    LACP_STATE_DEFAULTED = 0x40,
    LACP_STATE_EXPIRED = 0x80,
};

/* One actor or partner information TLV. */
typedef struct {
    uint16_t sys_prio;
    uint8_t system[6];
    uint16_t key;
    uint16_t port_prio;
    uint16_t port;
    uint8_t state;
} LacpInfo;

typedef struct {
    LacpInfo actor;
    LacpInfo partner;
    uint16_t collector_max_delay; /* Linux sends 0 */
} LacpPdu;

typedef struct {
    uint8_t tlv_type; /* LACP_MARKER_INFO or LACP_MARKER_RESPONSE */
    uint16_t requester_port;
    uint8_t requester_system[6];
    uint32_t transaction_id;
} LacpMarker;

/* Writes a whole LACPDU frame (dst 01:80:c2:00:00:02, src `src`, 0x8809) into
 * out[LACP_FRAME_LEN]. */
void lacp_lacpdu_encode(const LacpPdu *pdu, const uint8_t src[6], uint8_t *out);
/* Writes a whole Marker PDU frame into out[LACP_FRAME_LEN]. */
void lacp_marker_encode(const LacpMarker *m, const uint8_t src[6], uint8_t *out);
/* Frame classification: 0 = not a slow-protocol frame for us (wrong dst or
 * type), else the subtype byte (1 LACPDU, 2 marker, other = unknown). */
int lacp_frame_subtype(const uint8_t *frame, size_t len);
/* Decoders check length, subtype, version, TLV types and lengths; false on
 * anything malformed (counted as illegal by the system). */
bool lacp_lacpdu_decode(const uint8_t *frame, size_t len, LacpPdu *pdu);
bool lacp_marker_decode(const uint8_t *frame, size_t len, LacpMarker *m);

/* ---- keys (7.3) ------------------------------------------------------------ */

/* Speed code of 7.3 (10M 2 ... 800G 17; unknown/0 -> 0). */
uint16_t lacp_speed_code(uint64_t speed_bps);
/* key = user_key << 6 | speed_code << 1 | full_duplex (0 when link down). */
uint16_t lacp_port_key(uint16_t user_key, uint64_t speed_bps, bool full_duplex, bool link_up);

/* ---- the LACP system -------------------------------------------------------- */

typedef struct LacpSystem LacpSystem; /* opaque */

typedef enum {
    LACP_SELECT_STABLE = 0,
    LACP_SELECT_BANDWIDTH = 1,
    LACP_SELECT_COUNT = 2,
} LacpSelect;

typedef struct {
    uint16_t sys_prio;      /* ad_actor_sys_prio (65535) */
    uint8_t system[6];      /* ad_actor_system, or the bond MAC (owner decides) */
    uint16_t user_port_key; /* ad_user_port_key, 0..1023 */
    bool lacp_active;       /* lacp_active: Activity bit */
    bool lacp_fast;         /* lacp_rate=fast: our Timeout bit */
    LacpSelect ad_select;
} LacpConfig;

/* Port events for the owner (capture comments, statistics, and the traffic
 * role of the port). `port` is the index returned by lacp_port_add; for
 * LACP_EV_ACTIVE_AGG it is the first port of the new active aggregator or -1. */
typedef enum {
    LACP_EV_PARTNER_SEEN = 0, /* a partner LACPDU recorded after none (INIT/DEFAULTED/EXPIRED) */
    LACP_EV_COLL_DIST_ON,     /* mux entered COLLECTING_DISTRIBUTING */
    LACP_EV_COLL_DIST_OFF,    /* mux left it */
    LACP_EV_PORT_ENABLED,     /* port may carry traffic (kernel: slave active) */
    LACP_EV_PORT_DISABLED,    /* port may not (kernel: slave inactive + backup) */
    LACP_EV_AGG_JOIN,         /* port selected into an aggregator */
    LACP_EV_AGG_LEAVE,        /* port about to leave its aggregator (still a member) */
    LACP_EV_ACTIVE_AGG,       /* the active aggregator changed */
    LACP_EV_EXPIRED,          /* rx machine entered EXPIRED from CURRENT */
    LACP_EV_DEFAULTED,        /* rx machine entered DEFAULTED */
    LACP_EV_CHURN,            /* actor or partner churn detected */
    LACP_EV_COUNT
} LacpEvent;

extern const char *const lacp_event_names[LACP_EV_COUNT];

typedef struct {
    void *ctx;
    /* Send `frame` (len bytes, a whole Ethernet frame, borrowed) on `port`. */
    void (*tx)(void *ctx, int port, const uint8_t *frame, size_t len);
    /* A port event (see LacpEvent); called synchronously, may be NULL. */
    void (*event)(void *ctx, int port, LacpEvent ev);
} LacpCallbacks;

/* Per-port counters (7.1). */
typedef struct {
    uint64_t lacpdu_rx, lacpdu_tx, lacpdu_unknown_rx, lacpdu_illegal_rx;
    uint64_t marker_rx, marker_tx, marker_resp_rx, marker_resp_tx, marker_unknown_rx;
    uint64_t churn_actor, churn_partner;
} LacpPortStats;

#define LACP_MAX_PORTS 64

/* A new system; the aggregator selection timer starts at 80 ticks (7.4:
 * "first slave enslaved"). Caller owns; free with lacp_system_free. */
LacpSystem *lacp_system_new(const LacpConfig *cfg, const LacpCallbacks *cb);
void lacp_system_free(LacpSystem *sys);
/* Replaces the actor system MAC (e.g. the bond MAC was chosen later). */
void lacp_system_set_mac(LacpSystem *sys, const uint8_t system[6]);
/* The owner opened (bond up): selection timer := 1 tick (7.4). */
void lacp_system_open(LacpSystem *sys);

/* Adds a port (enslave order = list order: decides every "first"). It owns
 * one aggregator, ids 1, 2, 3... in add order. `src_mac` = the port's
 * permanent MAC (LACPDU source, 1.5); port_number 1, 2, 3...; port_prio 255.
 * The port starts link down. Returns its index. */
int lacp_port_add(LacpSystem *sys, const uint8_t src_mac[6], uint16_t port_number,
                  uint16_t port_prio);
/* Link committed up/down by the owner's link monitor (bond: MII commit).
 * Updates the key (a speed change on a full-duplex port restarts the
 * machines at the next tick) and reruns the active-aggregator choice. */
void lacp_port_link(LacpSystem *sys, int port, bool up, uint64_t speed_bps, bool full_duplex);
/* Live carrier of the port device (the active-aggregator choice wants a
 * member with carrier). */
void lacp_port_carrier(LacpSystem *sys, int port, bool carrier);
/* A received frame. Returns true when it was a slow-protocol frame for us
 * (dst 01:80:c2:00:00:02, type 0x8809): consumed (the caller frees it).
 * LACPDUs run the receive machine at once; a marker information PDU is
 * answered at once by a response through cb->tx. */
bool lacp_rx(LacpSystem *sys, int port, const uint8_t *frame, size_t len);
/* One AD tick: selection timer, then per port in list order rx, periodic,
 * selection, mux, tx (gate), churn (7.4). */
void lacp_tick(LacpSystem *sys);
/* Real tick length: 100 ms as a re-armed delayed work at `hz` (Conventions
 * of the reference: 104 ms at HZ=250). */
uint64_t lacp_tick_ps(uint32_t hz);

/* ---- queries (borrowed, no allocation) ------------------------------------ */

int lacp_n_ports(const LacpSystem *sys);
/* Whether the port may carry traffic: kernel "slave active" (in the active
 * aggregator and C+D, or in a partner-less active aggregator). */
bool lacp_port_enabled(const LacpSystem *sys, int port);
bool lacp_port_distributing(const LacpSystem *sys, int port); /* our C+D bits */
uint8_t lacp_port_actor_state(const LacpSystem *sys, int port);
uint8_t lacp_port_partner_state(const LacpSystem *sys, int port);
const LacpInfo *lacp_port_partner(const LacpSystem *sys, int port);
uint16_t lacp_port_key_of(const LacpSystem *sys, int port);
/* Aggregator id (1..) the port is attached to, 0 = none. */
int lacp_port_aggregator(const LacpSystem *sys, int port);
/* Whether the port belongs to the active aggregator. */
bool lacp_port_in_active_agg(const LacpSystem *sys, int port);
const LacpPortStats *lacp_port_stats(const LacpSystem *sys, int port);
/* Active aggregator id, 0 = none. */
int lacp_active_aggregator(const LacpSystem *sys);
/* Ports of the active aggregator with link up (bond carrier, min_links). */
int lacp_active_agg_link_up_ports(const LacpSystem *sys);
/* Whether aggregator `agg_id` has a partner (non-zero partner system). */
bool lacp_aggregator_has_partner(const LacpSystem *sys, int agg_id);
/* Whether the active aggregator has a partner (non-zero partner system). */
bool lacp_active_agg_has_partner(const LacpSystem *sys);

#endif
