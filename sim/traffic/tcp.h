/* tcp.h - a bulk-transfer TCP connection: the sender, the receiver and what
 * bonding does to them.
 *
 * A TcpConn is one connection between two hosts: the client opens it (SYN),
 * sends `bytes` of zeros (or sends for a duration) and closes it with FIN;
 * the server side listens, acknowledges and reassembles. Built by the
 * scenario loader (or a test), started on a timer, fed by host.c's IPv4
 * receive (protocol 6) through the host's TcpHost demultiplexer, read by
 * stats/report.c. The segments are real: IPv4 + TCP with correct checksums,
 * MSS, window scale, SACK-permitted and SACK options (RFC 793, 7323 s.2,
 * 2018).
 *
 * Sender: slow start and congestion avoidance counted in bytes acked (as
 * Linux: cwnd += acked below ssthresh, +1 MSS per cwnd acked above), IW10
 * (RFC 6928), NewReno fast retransmit and fast recovery (RFC 5681, 6582, the
 * careful variant: a new recovery only once data sent after the last one is
 * acknowledged), RTO per RFC 6298 (srtt/rttvar, Karn, floor rto_min = 200 ms
 * as Linux, doubling backoff up to 120 s, go-back-N after a timeout) and,
 * when both ends negotiate SACK, a scoreboard with RFC 6675-style loss
 * marking (a hole with DupThresh SACKed segments above it is lost) and
 * pipe-limited recovery. Cost: an ACK carrying SACK blocks, and every ACK
 * during SACK recovery, scans the scoreboard (O(window in segments)).
 * Not modelled: timestamps, DSACK and undo, RACK/TLP, adaptive reordering
 * threshold, PRR, pacing, Nagle (bulk data), receiver window autotuning.
 * Plain NewReno with a fixed DupThresh of 3 is the textbook reaction that
 * makes balance-rr's reordering visible.
 *
 * Handshake: the server end is a listener. It is created with the client's
 * address and port as the peer it expects, but it is bound (and entered in
 * the host's demultiplexer) only when a SYN arrives, to the source address
 * and port the SYN carries, so a connection through SNAT/DNAT (nat.h)
 * connects. A SYN matching no bound end is taken by a listener on its
 * destination port: first one expecting exactly that peer, then one with
 * the same ports, then any. An RST at either end aborts the connection
 * (TcpStats.resets; tcp_survived): any RST matching the connection's
 * addresses and ports, whatever its sequence number (RFC 5961's exact-match
 * rule and challenge ACK are not modelled).
 *
 * A segment that matches no connection (and is no SYN a listener takes) is
 * never taken into one: the host counts it (tcp_host_no_conn_segs, and the
 * host's no-listener drop) and, as Linux for a port with no socket, answers
 * it with an RST (RFC 793 3.4; none for an RST), commented in the capture
 * "bondsim: tcp-rst HOST to=ADDR:PORT reason=no-connection [stray-of=CONN]
 * count=N" for the host's first 16 RSTs, then every 1000th. When it came to
 * the ports of one of the host's connections from another address, that
 * peer's public address has changed on the way (a NAT box's egress moved
 * to another of its public addresses; a host's own route change does not
 * do this, as the connection keeps its source): counted in that connection's
 * TcpStats.stray_segs. The RST goes back to that new address; through the
 * NAT it reaches the far end, which matches it to the connection and
 * aborts. Only hosts with a TCP connection in the scenario run this (the
 * TCP model); any other host drops such a segment silently (no-listener),
 * as before. The RST's source is the segment's destination address
 * (tcp_v4_send_reset), whichever interface the route sends it out of.
 *
 * Addresses: a connection's local address is fixed when it is created, as
 * Linux fixes a socket's: the client's is the source the route gives its
 * first SYN (the outgoing interface's address), the server's the
 * destination of the SYN it accepted (what the client reached, after any
 * DNAT). Every segment of the connection (data, ACKs, FIN, retransmissions)
 * carries it, whichever interface the current route sends it out of, so a
 * route change that moves an established connection to a NIC with another
 * address does not change its source (a cloud vSwitch that checks sources
 * then drops it; a 1:1 NAT keyed by the private address keeps its EIP).
 * Segments are built complete (the checksum covers the real source) and
 * sent through the end's HostPathCache (host_send_ip_src): no route or
 * neighbour search per segment. A segment is demultiplexed by all four
 * values (peer address and port, local address and port).
 *
 * Receiver: in-order data is consumed at once (the application reads as fast
 * as data comes), so the window offered is the whole receive buffer; out of
 * order data is kept as up to TCP_OOO_MAX ranges; ACKs are delayed (every
 * second segment or 40 ms, Linux's minimum ATO) unless data arrived out
 * of order or filled a hole, which is ACKed at once with SACK blocks, the
 * newest first (RFC 2018 s.4).
 *
 * Bounds, fixed at creation (no allocation per segment: frames come from the
 * pool): the receive buffer (window) is at most TCP_MAX_WINDOW bytes; the
 * sender's scoreboard is a ring of one entry per segment that fits the
 * window (power of two); the reassembly queue holds TCP_OOO_MAX ranges (a
 * segment that would need more is dropped and counted). Ground truth for
 * "spurious": every data transmission carries a serial number in the frame's
 * metadata (Frame.seq); the receiver marks serials that arrived in a window
 * of TCP_SERIAL_WINDOW, so a retransmission whose original also arrived is
 * known for what it is, whichever arrived first.
 */
#ifndef BONDSIM_TRAFFIC_TCP_H
#define BONDSIM_TRAFFIC_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine.h"
#include "frame.h"
#include "host.h"

typedef struct Sim Sim;

#define TCP_DEFAULT_MSS 1460
#define TCP_MAX_MSS 1460 /* 1500-byte MTU: 1500 - 20 - 20 */
#define TCP_MIN_MSS 88
#define TCP_IW_SEGS 10                               /* RFC 6928 initial window */
#define TCP_DUPTHRESH 3                              /* RFC 5681 */
#define TCP_DEFAULT_WINDOW (1024u * 1024u)           /* receive buffer offered */
#define TCP_MAX_WINDOW (16u * 1024u * 1024u)         /* window scale 8 and below */
#define TCP_OOO_MAX 32                               /* out-of-order ranges kept */
#define TCP_SACK_BLOCKS 4                            /* without timestamps: 4 fit */
#define TCP_SERIAL_WINDOW 65536                      /* transmissions remembered */
#define TCP_RTO_INITIAL_PS (1000ull * 1000000000ull) /* RFC 6298 2.1: 1 s */
#define TCP_RTO_MIN_PS (200ull * 1000000000ull)      /* Linux TCP_RTO_MIN */
#define TCP_RTO_MAX_PS (120000ull * 1000000000ull)   /* Linux TCP_RTO_MAX */
#define TCP_DELACK_PS (40ull * 1000000000ull)        /* Linux TCP_DELACK_MIN */

typedef enum {
    TCP_CLOSED = 0,
    TCP_LISTEN,
    TCP_SYN_SENT,
    TCP_SYN_RCVD,
    TCP_ESTABLISHED,
    TCP_FIN_WAIT, /* client: FIN sent, not yet acknowledged */
    TCP_LAST_ACK, /* server: FIN+ACK sent */
    TCP_DONE,     /* client: everything acknowledged, final ACK sent */
} TcpState;

/* What the scenario asks for. */
typedef struct {
    uint64_t bytes;      /* bulk transfer size; 0: send until stop_ps */
    uint64_t start_ps;   /* SYN time */
    uint64_t stop_ps;    /* no new data after this (duration mode) */
    uint32_t mss;        /* sender's MSS (payload per segment) */
    uint32_t window;     /* receiver's buffer = offered window, bytes */
    bool sack;           /* offer SACK-permitted (both ends) */
    bool delack;         /* receiver delays ACKs (every 2nd / 40 ms) */
    uint64_t rto_min_ps; /* RTO floor */
    uint16_t sport, dport;
} TcpParams;

/* One connection's figures, sender and receiver. */
typedef struct {
    uint64_t segs_sent;        /* data segments, retransmissions included */
    uint64_t retransmits;      /* data segments sent again (any cause) */
    uint64_t fast_retransmits; /* segments retransmitted in fast recovery */
    uint64_t recoveries;       /* fast recovery episodes (3 dupacks) */
    uint64_t spurious_fast;    /* fast retransmits whose original arrived */
    uint64_t spurious_rto;     /* timeout retransmits whose original arrived */
    uint64_t rto_events;       /* retransmission timer expiries */
    uint32_t max_backoff;      /* largest number of consecutive RTOs */
    uint64_t max_cwnd;         /* bytes */
    uint64_t dupacks_rx;       /* duplicate ACKs seen by the sender */
    uint64_t acks_sent;        /* by the receiver */
    uint64_t ooo_segs;         /* data segments that arrived out of order */
    uint64_t dup_segs;         /* data segments that brought nothing new */
    uint64_t ooo_dropped;      /* dropped: reassembly queue full */
    uint64_t delivered;        /* bytes delivered in order */
    uint64_t established_ps;   /* handshake done (client), 0 if never */
    uint64_t first_data_ps;    /* first data byte delivered */
    uint64_t last_data_ps;     /* last in-order delivery */
    uint64_t done_ps;          /* every byte acknowledged, 0 if never */
    uint64_t max_stall_ps;     /* longest pause in in-order delivery (one still open
                                * at the run's end, the connection open with data
                                * outstanding, counts up to the end) */
    uint64_t stall_from_ps;    /* its start */
    uint64_t stall_rto_ps;     /* the sender's computed RTO over that pause */
    uint32_t stall_rtos;       /* RTO expiries during that pause */
    uint64_t fresh_sent_ps;    /* send time of the newest segment that brought
                                * in-order data (data sent after a change vs.
                                * data already queued before it) */
    uint64_t resets;           /* RSTs that aborted the connection (0 or 1) */
    uint64_t reset_ps;         /* when, 0 if never */
    uint64_t acked_sent_ps;    /* last transmission time of the newest data segment
                                * the sender saw acknowledged (both directions
                                * worked for data sent then) */
    uint64_t stray_segs;       /* segments to this connection's ports, at either end,
                                * from another address than its peer's (the peer's
                                * NAT address changed): matched no connection, so
                                * refused and answered with an RST (tcp_rx) */
} TcpStats;

/* Scoreboard entry: one segment of the send buffer in flight. */
typedef struct {
    uint64_t sent_ps;     /* last transmission */
    uint64_t serial;      /* serial of the original transmission */
    uint32_t tx;          /* transmissions so far */
    bool sacked;          /* covered by a SACK block */
    bool lost;            /* marked lost (SACK) in this recovery */
    bool rtx_in_recovery; /* retransmitted since marked lost */
} TcpSeg;

typedef struct TcpConn TcpConn;

/* One end of a connection, the unit host demultiplexing finds. */
typedef struct {
    TcpConn *conn;
    bool is_client;
    Host *host;
    uint8_t remote_ip[4];
    uint16_t lport, rport;
    HostPathCache pc;
    uint16_t ip_id;
    bool bound; /* server: remote_ip/rport are the SYN's (else only expected) */
    /* The connection's local address, fixed when it is created (client: the
     * source the route gives its first SYN; server: the destination of the
     * SYN it accepted): every segment of the end carries it, whichever
     * interface the current route sends it out of. */
    bool has_local;
    uint8_t local_ip[4];
} TcpEnd;

struct TcpConn {
    char *name;
    int index; /* creation order, for reports */
    TcpParams p;
    char *dst_name; /* as written */
    TcpEnd cli, srv;
    TcpState cstate, sstate;
    /* sender (client); offsets count data bytes from 0, the SYN is before */
    uint32_t iss, irs;      /* initial sequence numbers, client and server */
    uint8_t snd_wscale;     /* shift the server applies to its window */
    bool sack_ok;           /* negotiated */
    uint64_t data_len;      /* bytes to send (UINT64_MAX: until stop) */
    uint64_t una, nxt, max; /* acked, next to send, highest sent */
    uint64_t cwnd, ssthresh, rwnd;
    uint64_t ca_acc; /* bytes acked toward the next CA increase */
    uint32_t dupacks;
    bool in_recovery;
    uint64_t recover;                    /* RFC 6582 */
    uint64_t srtt_ps, rttvar_ps, rto_ps; /* rto_ps: computed, not backed off */
    uint32_t backoff;                    /* consecutive expiries */
    bool have_rtt;
    uint64_t syn_sent_ps;
    uint32_t syn_tx;
    bool fin_sent;
    bool rto_note; /* the next segment is a timeout's retransmission: note it */
    Timer start, rto, stop, delack;
    Timer end;    /* the run's end: a pause in delivery still open counts (max_stall_ps) */
    TcpSeg *ring; /* scoreboard, ring_n entries */
    uint32_t ring_n;
    uint64_t serial_next;
    uint64_t seen[TCP_SERIAL_WINDOW / 64];     /* serial arrived */
    uint64_t rtx_fast[TCP_SERIAL_WINDOW / 64]; /* fast-retransmitted, original not yet seen */
    uint64_t rtx_rto[TCP_SERIAL_WINDOW / 64];  /* same after a timeout */
    /* receiver (server) */
    uint64_t rcv_nxt;      /* data offset expected next */
    uint8_t rcv_wscale;    /* shift applied to the window it offers */
    uint32_t unacked_segs; /* full segments received since the last ACK */
    bool fin_rcvd;
    uint32_t n_ooo;
    struct {
        uint64_t start, end; /* data offsets [start, end) */
        uint64_t stamp;      /* recency, for SACK block order */
    } ooo[TCP_OOO_MAX];
    uint64_t ooo_stamp;
    uint32_t stall_rto_base; /* rto_events when the current pause began */
    TcpStats st;
    uint8_t stray_ip[4]; /* source of the last stray segment (st.stray_segs) */
    /* test hook: called after the sender processed an ACK (may be NULL) */
    void (*on_ack)(Sim *sim, TcpConn *c, void *data);
    void *on_ack_data;
};

/* The defaults a scenario starts from (bytes 0, mss 1460, window 1 MiB,
 * SACK and delayed ACKs on, rto_min 200 ms, ports 40000 -> 5001). */
void tcp_params_defaults(TcpParams *p);

/* A connection from `client` to `server`'s address `dst_ip`. Registers both
 * ends with their hosts' TcpHost (created on first use, owned by the Host)
 * and the connection itself with the client's, which owns it. Returns the
 * connection, borrowed; NULL when the ports clash with an existing one. */
TcpConn *tcp_conn_new(Sim *sim, const char *name, Host *client, Host *server,
                      const uint8_t dst_ip[4], const TcpParams *p);

/* Arms the SYN at p.start_ps (and the stop in duration mode). */
void tcp_conn_start(Sim *sim, TcpConn *c);

/* IPv4 protocol 6 arrived at `iface` for this host. Takes ownership. */
void tcp_rx(Sim *sim, Iface *iface, Frame *f);

/* A host's segments that matched no connection, and the RSTs it answered
 * them with (0 for a host with no TCP connection). */
uint64_t tcp_host_no_conn_segs(const Host *h);
uint64_t tcp_host_rsts_sent(const Host *h);

/* Frees a host's TCP state and the connections it owns (host_free). */
void tcp_host_free(struct TcpHost *th);

/* Every connection of the run, in creation order (borrowed pointers in a new
 * array the caller frees). */
GPtrArray *tcp_conns(const Sim *sim);
/* Whether the run has any TCP connection. */
bool tcp_any(const Sim *sim);

/* Goodput in bits per second: bytes delivered over the time from the
 * handshake to the last delivery (0 when nothing was delivered). */
double tcp_goodput_bps(const TcpConn *c);

const char *tcp_state_name(TcpState s);

/* Whether the connection survived the run's changes. "Changes" are the
 * scheduled faults applied during the run (link/carrier faults that make a
 * bond fail over, route faults that move the egress and with it a NAT's
 * public address). Survived: never reset (aborted by an RST) and either no
 * change was applied, or data sent after the last one was delivered in order
 * (data already queued before it does not count: TcpStats.fresh_sent_ps) and
 * acknowledged to the sender (TcpStats.acked_sent_ps: both directions work
 * again), or every byte was acknowledged before it (the change could not
 * touch it). Data delivered but never acknowledged (the ACK path broken, e.g.
 * by a vSwitch source check) is not survival: "data sent after F at T s was
 * delivered, no ACK of it came back (N RTOs)".
 * Not survived also when the handshake never completed. A connection whose
 * packets, after the change, arrive at the other end from a new source
 * address (a NAT box's new SNAT address) matches no connection there: refused,
 * answered with an RST that aborts it, so it did not survive. `why` (may be
 * NULL) gets a one-line reason, with the segments refused from another
 * address when there were some ("; N segments from another address (ADDR)
 * refused"). */
bool tcp_survived(const Sim *sim, const TcpConn *c, char *why, size_t why_len);

#endif
