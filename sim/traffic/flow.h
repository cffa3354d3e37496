/* flow.h - measured traffic: constant-rate UDP streams and ping.
 *
 * A Flow generates frames at its source host on a timer and measures them at
 * the receiver: sent, received, lost, out-of-order (arrived with a sequence
 * number below the highest seen), duplicates (seen twice within the last
 * 65536 sequence numbers), one-way latency, and, for every fault of the run,
 * the longest interruption of deliveries that ended after the fault (the
 * failover gap) with the frames missing across it. UDP payloads start with a
 * 24-byte bondsim header ("BSIM", flow, sequence, send time in ns) so the
 * capture carries the same ground truth. Ping sends ICMP echo requests and
 * measures the replies at the source. Either runs over IPv4 or IPv6
 * (flow_new6: UDP with its mandatory checksum, ICMPv6 echo; net/ipv6.c).
 *
 * Rate counts whole frames on the wire (preamble, FCS and inter-frame gap
 * included), so rate=1G fills a 1 Gb/s link exactly; the interval carries
 * its remainder so long runs do not drift.
 */
#ifndef BONDSIM_TRAFFIC_FLOW_H
#define BONDSIM_TRAFFIC_FLOW_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "frame.h"
#include "host.h"
#include "stats/reorder.h"

typedef struct Sim Sim;

typedef enum { FLOW_UDP = 0, FLOW_PING = 1 } FlowKind;

#define FLOW_SEEN_WINDOW 65536
#define FLOW_HEADER_LEN 24         /* "BSIM", flow u32, seq u64, send time ns u64 */
#define FLOW_UDP_MAX_PAYLOAD 1472  /* 1500 - 20 - 8 */
#define FLOW_UDP6_MAX_PAYLOAD 1452 /* 1500 - 40 - 8 */

/* The longest delivery gap of a flow in one fault window. */
typedef struct {
    uint64_t gap_ps;         /* longest interval between deliveries */
    uint64_t from_ps, to_ps; /* its ends */
    uint64_t seq_before;     /* sequence delivered at from_ps */
    uint64_t seq_after;      /* sequence delivered at to_ps */
    uint64_t arrivals;       /* deliveries in the window */
} FlowGap;

typedef struct Flow {
    char *name;
    int index; /* in sim->flows; carried by every frame */
    FlowKind kind;
    Host *src;
    char *dst_name; /* as written: host name or address */
    bool ipv6;      /* IPv6 flow: dst_ip6, else dst_ip */
    uint8_t dst_ip[4];
    uint8_t dst_ip6[16];
    uint16_t sport, dport;
    uint32_t payload;      /* UDP payload or ICMP data bytes */
    uint64_t rate_bps;     /* wire rate (UDP) */
    uint64_t interval_ps;  /* whole part */
    uint64_t interval_rem; /* remainder numerator, over rate_bps */
    uint64_t rem_acc;
    uint64_t start_ps, stop_ps;
    Timer timer;
    HostPathCache pc;
    uint16_t ip_id;
    /* sender */
    uint64_t sent, sent_bytes;
    /* receiver; `late` arrived more than 65536 behind (also out of order) */
    uint64_t received, rx_bytes, out_of_order, duplicates, late;
    uint64_t next_expected; /* highest sequence seen + 1 */
    uint64_t first_rx_ps, last_rx_ps;
    uint64_t last_rx_seq;
    uint64_t latency_sum_ps, latency_max_ps;
    uint64_t seen[FLOW_SEEN_WINDOW / 64];
    ReorderStats reorder; /* RFC 4737 / RFC 5236 figures of the unique arrivals */
    /* failover gaps: the window of fault `win` (-1: before the first) */
    int win;
    FlowGap cur;
    /* IP-echo service (traffic/echo.c): at the sender, the address:port the
     * far end saw in the last reply and every change of the address (owned,
     * NULL while none); at the service, the last source address seen. */
    uint64_t echo_replies;
    uint8_t egress_ip[4];
    uint16_t egress_port;
    GArray *egress_changes; /* EchoChange */
    bool echo_svc_seen;
    uint8_t echo_svc_ip[4];
} Flow;

/* Per fault, the flows' worst gap after it and the frames lost across it. */
typedef struct FaultGap {
    uint64_t gap_ps; /* longest delivery gap ending after the fault */
    uint64_t from_ps, to_ps;
    const char *flow;     /* the flow that saw it: the finest-grained one */
    uint64_t interval_ps; /* that flow's send interval */
    uint64_t lost;        /* frames missing across each flow's gap, summed */
    bool recovered;       /* deliveries resumed before the window closed */
    bool measured;        /* some flow was delivering around the fault */
} FaultGap;

Flow *flow_new(const char *name, FlowKind kind, Host *src, const uint8_t dst_ip[4]);
/* The same over IPv6 (call before flow_set_udp: the header is 40 bytes). */
Flow *flow_new6(const char *name, FlowKind kind, Host *src, const uint8_t dst_ip6[16]);
void flow_free(Flow *flow);

/* Sets rate/size for a UDP flow (computes the interval). */
void flow_set_udp(Flow *flow, uint64_t rate_bps, uint32_t payload, uint16_t sport, uint16_t dport);
/* Sets the interval for ping. */
void flow_set_ping(Flow *flow, uint64_t interval_ps, uint32_t payload);

/* Arms the first send at start_ps. */
void flow_start(Sim *sim, Flow *flow);

/* A frame of this flow reached its receiver (UDP at the destination, echo
 * reply back at the source). Takes ownership. */
void flow_deliver(Sim *sim, Flow *flow, Host *at, Frame *f);

/* Closes the gap windows at the end of the run, filling `gaps` (one per
 * fault, as sim->faults). */
void flow_finish(Sim *sim, Flow *flow, FaultGap *gaps);

#endif
