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
 *
 * UDP generators (FlowGen): constant rate; Poisson (exponential gaps of the
 * same mean, drawn from the flow's own GRand, sim_rand_for(sim, name)); on/off
 * (constant rate for on_ps, silent for off_ps, periods aligned on start_ps,
 * each on-period starting with a send). Sizes: one payload, or a list cycled
 * or drawn at random (flow_set_sizes); each packet's gap follows its own size
 * so the mean wire rate holds. IMIX is the list FLOW_IMIX_PAYLOADS.
 * With rtp, the UDP payload starts with a 12-byte RTP header (version 2,
 * PT 96, sequence = low 16 bits of the flow sequence, 90 kHz timestamp of
 * the send time, SSRC per flow) and the bondsim header follows it.
 *
 * Explicit UDP frames (IPv4; set FlowExplicit.on): the frame is written as
 * given, destination MAC (no ARP), source MAC (default: the interface's),
 * source IP (default: the interface's), an 802.1Q tag, and sent on the
 * interface routing the destination. The stack has no VLAN devices: a tagged
 * frame goes out as given and a receiving host does not accept it.
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
typedef enum { FLOW_GEN_CONST = 0, FLOW_GEN_POISSON, FLOW_GEN_ONOFF } FlowGen;

#define FLOW_RTP_HLEN 12
#define FLOW_RTP_PT 96
/* Simple IMIX 7:4:1 of 40/576/1500-byte IPv4 packets as UDP payloads (minus
 * 20 + 8), in one 12-packet cycle that spreads the large ones. */
#define FLOW_IMIX_CYCLE 12
extern const uint32_t FLOW_IMIX_PAYLOADS[FLOW_IMIX_CYCLE];

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
    uint64_t out_of_order;   /* of them, delivered out of order */
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
    /* generator (UDP): see the top of this file */
    FlowGen gen;
    uint64_t on_ps, off_ps; /* FLOW_GEN_ONOFF */
    uint32_t *sizes;        /* payload list (owned), NULL: `payload` */
    uint32_t n_sizes, size_next;
    bool size_random;
    bool rtp;
    uint32_t rtp_ssrc;
    GRand *rng; /* Poisson gaps, random sizes; made by flow_start */
    struct {
        bool on; /* send explicit frames (dst_mac required) */
        uint8_t dst_mac[6], src_mac[6], src_ip[4];
        bool has_src_mac, has_src_ip, has_vlan;
        uint16_t vlan_tci; /* PCP 0, DEI 0, VID */
    } ex;
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
    const char *flow;      /* the flow that saw it: the finest-grained one */
    uint64_t interval_ps;  /* that flow's send interval */
    uint64_t lost;         /* frames missing across each flow's gap, summed */
    bool recovered;        /* deliveries resumed before the window closed */
    bool measured;         /* some flow was delivering around the fault */
    uint64_t out_of_order; /* frames delivered out of order after the fault, all flows */
} FaultGap;

Flow *flow_new(const char *name, FlowKind kind, Host *src, const uint8_t dst_ip[4]);
/* The same over IPv6 (call before flow_set_udp: the header is 40 bytes). */
Flow *flow_new6(const char *name, FlowKind kind, Host *src, const uint8_t dst_ip6[16]);
void flow_free(Flow *flow);

/* Sets rate/size for a UDP flow (computes the interval). */
void flow_set_udp(Flow *flow, uint64_t rate_bps, uint32_t payload, uint16_t sport, uint16_t dport);
/* A payload list for a UDP flow (copied); random: drawn, else cycled. */
void flow_set_sizes(Flow *flow, const uint32_t *sizes, uint32_t n, bool random);
/* The payload of the next packet (advances the list). */
uint32_t flow_next_payload(Flow *flow);
/* RTP-shaped UDP; the SSRC is derived from the flow's name. */
void flow_set_rtp(Flow *flow, bool on);

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
