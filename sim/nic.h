/* nic.h - a network interface card and the full-duplex link between two.
 *
 * A Nic belongs to a host (a plain interface or a bond slave) or to a switch
 * (a port). It has a MAC, a speed, carrier, and a transmit queue with a limit
 * (txqueuelen, default 1000 frames) that drains one frame at a time at the
 * link rate. A Link joins two NICs: each direction serialises at the slower
 * NIC's speed (autonegotiation), counts the 20 bytes of preamble, start
 * delimiter and inter-frame gap plus the 4-byte FCS, adds propagation delay
 * and may lose frames at random. Frames are handed to the owner's rx callback
 * when their last bit arrives. Drops are counted per NIC and reason.
 *
 * Carrier: a NIC has carrier when it is cabled, the link is up and its own
 * PHY is not forced down. Cutting a link (link_set_up false) takes carrier
 * from both ends and loses the frames on the wire; forcing one NIC's carrier
 * down (a dead PHY, a failed transceiver) leaves the far end's carrier up, and
 * frames sent towards it are lost.
 */
#ifndef BONDSIM_NIC_H
#define BONDSIM_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "frame.h"

typedef struct Sim Sim;
typedef struct Nic Nic;
typedef struct Link Link;

/* Receives a frame; the callee owns it. */
typedef void (*NicRxFn)(Sim *sim, Nic *nic, Frame *f);
/* Optional: a comment for the capture of a frame about to be received (e.g.
 * "this frame will be filtered"), or NULL. */
typedef const char *(*NicRxNoteFn)(Sim *sim, Nic *nic, Frame *f);
/* Told when the NIC's carrier changes. */
typedef void (*NicCarrierFn)(Sim *sim, Nic *nic, bool up);

typedef enum {
    NIC_DROP_QUEUE_FULL = 0, /* tx queue at its limit */
    NIC_DROP_NO_CARRIER,     /* sent while carrier is down (queue flushed too) */
    NIC_DROP_WIRE_LOSS,      /* random loss on the link */
    NIC_DROP_CUT_IN_FLIGHT,  /* on the wire when the link was cut */
    NIC_DROP_RX_NO_CARRIER,  /* arrived at a NIC whose carrier is down */
    NIC_DROP_POOL,           /* no frame buffer left */
    NIC_DROP_COUNT
} NicDrop;

extern const char *const nic_drop_names[NIC_DROP_COUNT];

#define NIC_DEFAULT_TXQUEUELEN 1000

typedef struct {
    uint64_t tx_frames, tx_bytes;
    uint64_t rx_frames, rx_bytes;
    uint64_t drops[NIC_DROP_COUNT];
} NicCounters;

struct Nic {
    char name[48];       /* "server/eth0" */
    char ifname[16];     /* "eth0" */
    uint8_t mac[6];      /* current MAC, source of frames */
    uint8_t perm_mac[6]; /* burnt-in MAC */
    uint64_t speed_bps;  /* nominal speed */
    Link *link;          /* NULL when not cabled */
    int end;             /* this NIC's end of the link, 0 or 1 */
    bool phy_down;       /* carrier forced down on this NIC only */
    uint32_t q_limit;    /* txqueuelen */
    uint32_t q_len;      /* frames waiting (not counting the one on the wire) */
    Frame *q_head, *q_tail;
    bool tx_busy;        /* a frame is being serialised */
    NicRxFn rx;          /* owner's receive handler */
    NicRxNoteFn rx_note; /* may be NULL */
    NicCarrierFn on_carrier;
    void *owner;     /* Host, Switch or Bond slave: the owner's business */
    int owner_index; /* e.g. the switch port number */
    int cap_if;      /* capture interface index, -1 if not captured */
    bool drop_noted; /* a drop comment was written since the last carrier change */
    NicCounters c;
};

struct Link {
    char name[64]; /* "server/eth0 <-> sw1/1" */
    Nic *end[2];
    bool up;                 /* cable in */
    uint64_t rate_bps;       /* min of the two NIC speeds */
    uint64_t delay_ps;       /* propagation delay */
    uint32_t loss_threshold; /* frame lost if a 32-bit random value < this */
    GRand *rng;              /* own stream: adding a link does not shift others */
    uint32_t gen;            /* bumped when cut: frames on the wire are lost */
};

/* Makes a NIC (name "host/ifname"). The caller owns it (nic_free). */
Nic *nic_new(const char *owner_name, const char *ifname, const uint8_t mac[6], uint64_t speed_bps);
void nic_free(Nic *nic);

/* Joins two uncabled NICs. `loss` in [0,1]. Caller owns the link. */
Link *link_new(Sim *sim, Nic *a, Nic *b, uint64_t delay_ps, double loss);
void link_free(Link *link);

bool nic_carrier(const Nic *nic);
static inline Nic *nic_peer(const Nic *nic)
{
    return nic->link ? nic->link->end[1 - nic->end] : NULL;
}

/* Whether nic_xmit would take a frame now (carrier and queue room) and, if
 * not, the reason. */
bool nic_can_queue(const Nic *nic, NicDrop *reason);

/* Queues a frame for transmission; takes ownership. Returns false and frees
 * the frame (counting the drop) when it cannot be queued. */
bool nic_xmit(Sim *sim, Nic *nic, Frame *f);

/* Counts a drop of `f` by `nic` for `reason`, captures nothing, frees it. */
void nic_drop(Sim *sim, Nic *nic, Frame *f, NicDrop reason);

/* Faults: cut or restore a cable; force one NIC's carrier down or release it.
 * Owners are told through on_carrier for every NIC whose carrier changed. */
void link_set_up(Sim *sim, Link *link, bool up);
void nic_set_phy_down(Sim *sim, Nic *nic, bool down);

#endif
