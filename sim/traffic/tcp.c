/* tcp.c - bulk-transfer TCP: wire format, handshake, sender (NewReno, SACK,
 * RTO), receiver (reassembly, delayed and SACK ACKs), demultiplexing and the
 * ground truth behind "spurious" (see tcp.h).
 *
 * Offsets: both ends count data bytes from 0 in 64 bits; the wire carries
 * iss + 1 + offset (mod 2^32) and a received value is unwrapped to the
 * offset nearest a reference (una, rcv_nxt), so long transfers wrap safely.
 * Segmentation is fixed: segment i covers [i * mss, (i + 1) * mss) (the last
 * one shorter), so a retransmission is always a whole segment and the
 * scoreboard is indexed by segment number modulo its ring size.
 */
#include "traffic/tcp.h"

#include <string.h>

#include "sim.h"
#include "util/bytes.h"
#include "util/units.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5

/* Per-host state: the connections the host opened (owned) and a hash of
 * every end on the host keyed by (remote address, ports). Open addressing,
 * filled at load: a segment finds its end with no search through a list. */
struct TcpHost {
    GPtrArray *conns; /* TcpConn*, owned, creation order */
    TcpEnd **tab;     /* open addressing, tab_n a power of two */
    uint32_t tab_n;
    uint32_t n_ends;
    GPtrArray *listen; /* TcpEnd* of server ends not yet bound to a SYN */
    /* the same ends keyed by their ports alone: which connection a segment
     * for no connection was aimed at (its peer's address changed) */
    TcpEnd **ptab;
    uint32_t ptab_n;
    uint32_t n_pends;
    uint64_t no_conn_segs; /* segments that matched no connection */
    uint64_t rsts_sent;    /* RSTs answering them */
    uint16_t rst_ip_id;    /* IPv4 ID of those RSTs */
};

typedef enum { TCP_TX_NEW = 0, TCP_TX_FAST, TCP_TX_RTO } TcpTxKind;

static void tcp_output(Sim *sim, TcpConn *c);
static void tcp_send_ack(Sim *sim, TcpConn *c);
static void tcp_delack_fire(Sim *sim, void *obj, void *arg);
static void tcp_reset(Sim *sim, TcpConn *c);

/* ---- demultiplexing ------------------------------------------------------- */

static uint32_t tcp_key_hash(const uint8_t ip[4], uint16_t lport, uint16_t rport)
{
    uint32_t h = get_be32(ip) * 2654435761u;
    h ^= ((uint32_t)lport << 16 | rport) * 2246822519u;
    return h ^ (h >> 15);
}

static bool tcp_end_matches(const TcpEnd *e, const uint8_t ip[4], uint16_t lport, uint16_t rport)
{
    return e->lport == lport && e->rport == rport && memcmp(e->remote_ip, ip, 4) == 0;
}

/* The end with this peer and these ports and, unless `local` is NULL (the
 * load-time clash checks), this local address: a segment belongs to a
 * connection only by its four values, as in Linux (an end whose local
 * address is not fixed yet, a client before its SYN, takes nothing). The
 * hash leaves the local address out, so it can be fixed after insertion. */
static TcpEnd *tcp_host_find(const struct TcpHost *th, const uint8_t ip[4], uint16_t lport,
                             uint16_t rport, const uint8_t *local)
{
    if (!th || !th->tab_n)
        return NULL;
    uint32_t mask = th->tab_n - 1;
    for (uint32_t i = tcp_key_hash(ip, lport, rport) & mask;; i = (i + 1) & mask) {
        TcpEnd *e = th->tab[i];
        if (!e || (tcp_end_matches(e, ip, lport, rport) &&
                   (!local || (e->has_local && memcmp(e->local_ip, local, 4) == 0))))
            return e;
    }
}

static void tcp_host_insert(struct TcpHost *th, TcpEnd *e)
{
    if ((th->n_ends + 1) * 2 > th->tab_n) {
        uint32_t old_n = th->tab_n;
        TcpEnd **old = th->tab;
        th->tab_n = old_n ? old_n * 2 : 16;
        th->tab = g_new0(TcpEnd *, th->tab_n);
        th->n_ends = 0;
        for (uint32_t i = 0; i < old_n; i++)
            if (old[i])
                tcp_host_insert(th, old[i]);
        g_free(old);
    }
    uint32_t mask = th->tab_n - 1;
    uint32_t i = tcp_key_hash(e->remote_ip, e->lport, e->rport) & mask;
    while (th->tab[i])
        i = (i + 1) & mask;
    th->tab[i] = e;
    th->n_ends++;
}

static uint32_t tcp_port_hash(uint16_t lport, uint16_t rport)
{
    uint32_t h = ((uint32_t)lport << 16 | rport) * 2654435761u;
    return h ^ (h >> 15);
}

/* The first end (in insertion order) with these ports, whatever its peer's
 * address. Only for segments that matched no connection. */
static TcpEnd *tcp_ports_find(const struct TcpHost *th, uint16_t lport, uint16_t rport)
{
    if (!th->ptab_n)
        return NULL;
    uint32_t mask = th->ptab_n - 1;
    for (uint32_t i = tcp_port_hash(lport, rport) & mask;; i = (i + 1) & mask) {
        TcpEnd *e = th->ptab[i];
        if (!e || (e->lport == lport && e->rport == rport))
            return e;
    }
}

static void tcp_ports_insert(struct TcpHost *th, TcpEnd *e)
{
    if ((th->n_pends + 1) * 2 > th->ptab_n) {
        uint32_t old_n = th->ptab_n;
        TcpEnd **old = th->ptab;
        th->ptab_n = old_n ? old_n * 2 : 16;
        th->ptab = g_new0(TcpEnd *, th->ptab_n);
        th->n_pends = 0;
        for (uint32_t i = 0; i < old_n; i++)
            if (old[i])
                tcp_ports_insert(th, old[i]);
        g_free(old);
    }
    uint32_t mask = th->ptab_n - 1;
    uint32_t i = tcp_port_hash(e->lport, e->rport) & mask;
    while (th->ptab[i])
        i = (i + 1) & mask;
    th->ptab[i] = e;
    th->n_pends++;
}

/* An end bound to its peer: found by the full key and by its ports. */
static void tcp_host_add(struct TcpHost *th, TcpEnd *e)
{
    tcp_host_insert(th, e);
    tcp_ports_insert(th, e);
}

/* A listening server end with these ports expecting `ip` (load-time clash
 * check). */
static bool tcp_listen_clash(const struct TcpHost *th, const uint8_t ip[4], uint16_t lport,
                             uint16_t rport)
{
    for (guint i = 0; th && i < th->listen->len; i++)
        if (tcp_end_matches(th->listen->pdata[i], ip, lport, rport))
            return true;
    return false;
}

/* A SYN from ip:rport to local:lport matched no bound end: the listener
 * takes it.
 * Preference: the end whose expected peer is exactly what arrived (no NAT),
 * then one with the same ports (a NAT that kept the source port), then any
 * listening on lport (creation order). The chosen end is bound to what the
 * SYN carried (address and port as seen, i.e. after SNAT), takes the
 * SYN's destination as its local address (the address the client reached,
 * after any DNAT) and leaves the listen list. NULL when nothing listens on
 * lport. */
static TcpEnd *tcp_listen_accept(struct TcpHost *th, const uint8_t ip[4], uint16_t lport,
                                 uint16_t rport, const uint8_t local[4])
{
    if (!th)
        return NULL;
    int pick = -1;
    for (int pass = 0; pass < 3 && pick < 0; pass++)
        for (guint i = 0; i < th->listen->len && pick < 0; i++) {
            const TcpEnd *e = th->listen->pdata[i];
            if (e->lport == lport && (pass == 2 || e->rport == rport) &&
                (pass >= 1 || memcmp(e->remote_ip, ip, 4) == 0))
                pick = (int)i;
        }
    if (pick < 0)
        return NULL;
    TcpEnd *e = g_ptr_array_remove_index(th->listen, (guint)pick);
    memcpy(e->remote_ip, ip, 4);
    e->rport = rport;
    e->bound = true;
    memcpy(e->local_ip, local, 4);
    e->has_local = true;
    tcp_host_add(th, e);
    return e;
}

static struct TcpHost *tcp_host_of(Host *h)
{
    if (!h->tcp) {
        h->tcp = g_new0(struct TcpHost, 1);
        h->tcp->conns = g_ptr_array_new();
        h->tcp->listen = g_ptr_array_new();
    }
    return h->tcp;
}

static void tcp_conn_free(TcpConn *c)
{
    g_free(c->ring);
    g_free(c->name);
    g_free(c->dst_name);
    g_free(c);
}

void tcp_host_free(struct TcpHost *th)
{
    if (!th)
        return;
    for (guint i = 0; i < th->conns->len; i++)
        tcp_conn_free(th->conns->pdata[i]);
    g_ptr_array_free(th->conns, TRUE);
    g_ptr_array_free(th->listen, TRUE);
    g_free(th->tab);
    g_free(th->ptab);
    g_free(th);
}

/* ---- creation ----------------------------------------------------------------- */

void tcp_params_defaults(TcpParams *p)
{
    memset(p, 0, sizeof *p);
    p->stop_ps = UINT64_MAX;
    p->mss = TCP_DEFAULT_MSS;
    p->window = TCP_DEFAULT_WINDOW;
    p->sack = true;
    p->delack = true;
    p->rto_min_ps = TCP_RTO_MIN_PS;
    p->sport = 40000;
    p->dport = 5001;
}

/* The smallest shift that makes the window fit 16 bits (RFC 7323 2.3). */
static uint8_t tcp_wscale_for(uint32_t window)
{
    uint8_t s = 0;
    while ((window >> s) > 65535u)
        s++;
    return s;
}

static const uint8_t *tcp_host_first_ip(const Host *h)
{
    for (int i = 0; i < h->n_ifaces; i++)
        if (h->ifaces[i]->has_ip)
            return h->ifaces[i]->ip;
    return NULL;
}

static uint32_t tcp_ring_size(const TcpParams *p)
{
    uint32_t need = p->window / p->mss + 2, n = 16;
    while (n < need)
        n *= 2;
    return n;
}

TcpConn *tcp_conn_new(Sim *sim, const char *name, Host *client, Host *server,
                      const uint8_t dst_ip[4], const TcpParams *p)
{
    g_return_val_if_fail(p->mss >= TCP_MIN_MSS && p->mss <= TCP_MAX_MSS, NULL);
    g_return_val_if_fail(p->window >= p->mss && p->window <= TCP_MAX_WINDOW, NULL);
    const uint8_t *cli_ip = tcp_host_first_ip(client);
    g_return_val_if_fail(cli_ip != NULL, NULL);
    struct TcpHost *cth = tcp_host_of(client), *sth = tcp_host_of(server);
    if (tcp_host_find(cth, dst_ip, p->sport, p->dport, NULL) ||
        tcp_host_find(sth, cli_ip, p->dport, p->sport, NULL) ||
        tcp_listen_clash(sth, cli_ip, p->dport, p->sport))
        return NULL;
    TcpConn *c = g_new0(TcpConn, 1);
    c->name = g_strdup(name);
    c->p = *p;
    for (guint i = 0; i < sim->hosts->len; i++) {
        const Host *h = sim->hosts->pdata[i];
        c->index += h->tcp ? (int)h->tcp->conns->len : 0;
    }
    c->cli = (TcpEnd){.conn = c,
                      .is_client = true,
                      .host = client,
                      .lport = p->sport,
                      .rport = p->dport,
                      .bound = true};
    memcpy(c->cli.remote_ip, dst_ip, 4);
    /* The server end listens: its peer is what the SYN shows (after any
     * NAT); the client's address and port are only the first preference. */
    c->srv = (TcpEnd){.conn = c, .host = server, .lport = p->dport, .rport = p->sport};
    memcpy(c->srv.remote_ip, cli_ip, 4);
    /* Fixed initial sequence numbers derived from the index: deterministic,
     * and far from zero so relative and absolute numbers differ. */
    c->iss = 0x10000000u + (uint32_t)c->index * 0x01000000u;
    c->irs = 0x80000000u + (uint32_t)c->index * 0x01000000u;
    c->data_len = p->bytes ? p->bytes : UINT64_MAX;
    c->cwnd = (uint64_t)TCP_IW_SEGS * p->mss;
    c->ssthresh = UINT64_MAX;
    c->rto_ps = TCP_RTO_INITIAL_PS;
    c->rcv_wscale = tcp_wscale_for(p->window);
    c->ring_n = tcp_ring_size(p);
    c->ring = g_new0(TcpSeg, c->ring_n);
    c->cstate = TCP_CLOSED;
    c->sstate = TCP_LISTEN;
    tcp_host_add(cth, &c->cli);
    g_ptr_array_add(sth->listen, &c->srv);
    g_ptr_array_add(cth->conns, c);
    return c;
}

static gint tcp_conn_cmp(gconstpointer a, gconstpointer b)
{
    const TcpConn *x = *(TcpConn *const *)a, *y = *(TcpConn *const *)b;
    return (x->index > y->index) - (x->index < y->index);
}

GPtrArray *tcp_conns(const Sim *sim)
{
    GPtrArray *all = g_ptr_array_new();
    for (guint i = 0; i < sim->hosts->len; i++) {
        const Host *h = sim->hosts->pdata[i];
        for (guint j = 0; h->tcp && j < h->tcp->conns->len; j++)
            g_ptr_array_add(all, h->tcp->conns->pdata[j]);
    }
    g_ptr_array_sort(all, tcp_conn_cmp);
    return all;
}

bool tcp_any(const Sim *sim)
{
    for (guint i = 0; i < sim->hosts->len; i++) {
        const Host *h = sim->hosts->pdata[i];
        if (h->tcp && h->tcp->conns->len)
            return true;
    }
    return false;
}

double tcp_goodput_bps(const TcpConn *c)
{
    const TcpStats *s = &c->st;
    if (!s->delivered || s->last_data_ps <= s->established_ps)
        return 0.0;
    return (double)s->delivered * 8.0 / ((double)(s->last_data_ps - s->established_ps) / 1e12);
}

const char *tcp_state_name(TcpState s)
{
    static const char *const names[] = {"closed",      "listen",   "syn-sent", "syn-rcvd",
                                        "established", "fin-wait", "last-ack", "done"};
    return (unsigned)s < G_N_ELEMENTS(names) ? names[s] : "?";
}

/* ---- wire --------------------------------------------------------------------- */

/* Writes IPv4 + TCP into a pool frame: zero payload of `paylen`, `opt`
 * (a multiple of 4 bytes), from the end's local address (0.0.0.0 while it
 * has none: a SYN with no route, dropped unsent), the checksum complete. */
static Frame *tcp_frame(Sim *sim, TcpEnd *e, uint32_t seq, uint32_t ack, uint8_t flags,
                        uint16_t win, const uint8_t *opt, uint32_t optlen, uint32_t paylen)
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    uint32_t hlen = 20 + optlen, tcp_len = hlen + paylen;
    uint8_t *ip = f->data + ETH_HLEN;
    ipv4_write_header(ip, (uint16_t)(20 + tcp_len), e->ip_id++, 6, e->local_ip, e->remote_ip);
    uint8_t *t = ip + 20;
    put_be16(t, e->lport);
    put_be16(t + 2, e->rport);
    put_be32(t + 4, seq);
    put_be32(t + 8, flags & TCP_ACK ? ack : 0);
    t[12] = (uint8_t)((hlen / 4) << 4);
    t[13] = flags;
    put_be16(t + 14, win);
    put_be16(t + 16, 0);
    put_be16(t + 18, 0);
    if (optlen)
        memcpy(t + 20, opt, optlen);
    memset(t + hlen, 0, paylen);
    uint32_t pseudo = get_be16(e->local_ip) + get_be16(e->local_ip + 2) + get_be16(e->remote_ip) +
                      get_be16(e->remote_ip + 2) + 6u + tcp_len;
    put_be16(t + 16, inet_checksum(t, hlen, pseudo)); /* the zero payload adds nothing */
    f->len = ETH_HLEN + 20 + tcp_len;
    return f;
}

/* Out through the end's path cache (no route or neighbour search while the
 * host's routes stay), from its local address whatever the interface. */
static void tcp_xmit(Sim *sim, TcpEnd *e, Frame *f)
{
    host_send_ip_src(sim, e->host, f, e->remote_ip, e->local_ip, &e->pc);
}

/* SYN options: MSS, NOP, window scale, then NOP NOP SACK-permitted. */
static uint32_t tcp_syn_options(uint8_t *o, uint32_t mss, uint8_t ws, bool sack)
{
    o[0] = TCPOPT_MSS;
    o[1] = 4;
    put_be16(o + 2, (uint16_t)mss);
    o[4] = TCPOPT_NOP;
    o[5] = TCPOPT_WS;
    o[6] = 3;
    o[7] = ws;
    if (!sack)
        return 8;
    o[8] = TCPOPT_NOP;
    o[9] = TCPOPT_NOP;
    o[10] = TCPOPT_SACK_PERM;
    o[11] = 2;
    return 12;
}

typedef struct {
    bool sack_perm, has_ws;
    uint8_t ws;
    uint16_t mss;
    int n_sack;
    uint32_t sack[TCP_SACK_BLOCKS][2];
} TcpOpts;

/* Parses options with a length check before each field; a malformed list
 * ends the parse (what was read so far is kept). */
static void tcp_parse_options(const uint8_t *o, uint32_t len, TcpOpts *out)
{
    memset(out, 0, sizeof *out);
    uint32_t i = 0;
    while (i < len) {
        uint8_t kind = o[i];
        if (kind == TCPOPT_EOL)
            return;
        if (kind == TCPOPT_NOP) {
            i++;
            continue;
        }
        if (i + 1 >= len || o[i + 1] < 2 || i + o[i + 1] > len)
            return;
        uint8_t olen = o[i + 1];
        if (kind == TCPOPT_MSS && olen == 4)
            out->mss = get_be16(o + i + 2);
        else if (kind == TCPOPT_WS && olen == 3) {
            out->has_ws = true;
            out->ws = o[i + 2] > 14 ? 14 : o[i + 2];
        } else if (kind == TCPOPT_SACK_PERM && olen == 2)
            out->sack_perm = true;
        else if (kind == TCPOPT_SACK && (olen - 2) % 8 == 0)
            for (uint32_t b = 0; b < (olen - 2u) / 8 && out->n_sack < TCP_SACK_BLOCKS; b++) {
                out->sack[out->n_sack][0] = get_be32(o + i + 2 + 8 * b);
                out->sack[out->n_sack][1] = get_be32(o + i + 6 + 8 * b);
                out->n_sack++;
            }
        i += olen;
    }
}

/* The offset nearest `ref` whose wire value is `wire` (base = wire of 0). */
static uint64_t tcp_unwrap(uint32_t wire, uint32_t base, uint64_t ref)
{
    int32_t d = (int32_t)(wire - (uint32_t)(base + (uint32_t)ref));
    return d < 0 && (uint64_t)(-(int64_t)d) > ref ? 0 : (uint64_t)((int64_t)ref + d);
}

/* ---- ground truth ------------------------------------------------------------- */

static bool tcp_bit(const uint64_t *map, uint64_t serial)
{
    uint64_t b = serial % TCP_SERIAL_WINDOW;
    return (map[b / 64] >> (b % 64)) & 1;
}

static void tcp_bit_set(uint64_t *map, uint64_t serial, bool on)
{
    uint64_t b = serial % TCP_SERIAL_WINDOW;
    if (on)
        map[b / 64] |= UINT64_C(1) << (b % 64);
    else
        map[b / 64] &= ~(UINT64_C(1) << (b % 64));
}

/* A new transmission takes the next serial; its slot forgets older ones. */
static uint64_t tcp_serial_take(TcpConn *c)
{
    uint64_t s = c->serial_next++;
    tcp_bit_set(c->seen, s, false);
    tcp_bit_set(c->rtx_fast, s, false);
    tcp_bit_set(c->rtx_rto, s, false);
    return s;
}

/* A retransmission of the segment whose original is `orig`: spurious now if
 * the original arrived, or later when it does. */
static void tcp_truth_retransmit(TcpConn *c, uint64_t orig, TcpTxKind kind)
{
    if (c->serial_next - orig >= TCP_SERIAL_WINDOW)
        return;
    if (tcp_bit(c->seen, orig)) {
        if (kind == TCP_TX_FAST)
            c->st.spurious_fast++;
        else
            c->st.spurious_rto++;
        return;
    }
    tcp_bit_set(kind == TCP_TX_FAST ? c->rtx_fast : c->rtx_rto, orig, true);
}

static void tcp_truth_arrived(TcpConn *c, uint64_t serial)
{
    if (serial >= c->serial_next || c->serial_next - serial >= TCP_SERIAL_WINDOW)
        return;
    tcp_bit_set(c->seen, serial, true);
    if (tcp_bit(c->rtx_fast, serial)) {
        c->st.spurious_fast++;
        tcp_bit_set(c->rtx_fast, serial, false);
    }
    if (tcp_bit(c->rtx_rto, serial)) {
        c->st.spurious_rto++;
        tcp_bit_set(c->rtx_rto, serial, false);
    }
}

/* ---- sender: segments, timer ---------------------------------------------------- */

static TcpSeg *tcp_seg(TcpConn *c, uint64_t idx)
{
    return &c->ring[idx & (c->ring_n - 1)];
}

static uint64_t tcp_seg_start(const TcpConn *c, uint64_t idx)
{
    return idx * c->p.mss;
}

static uint32_t tcp_seg_len(const TcpConn *c, uint64_t idx)
{
    uint64_t start = tcp_seg_start(c, idx);
    return (uint32_t)MIN((uint64_t)c->p.mss, c->data_len - start);
}

/* The segment number holding offset `off` (offsets at a boundary start one). */
static uint64_t tcp_seg_of(const TcpConn *c, uint64_t off)
{
    return off / c->p.mss;
}

/* Offset just past segment idx. */
static uint64_t tcp_seg_end(const TcpConn *c, uint64_t idx)
{
    return tcp_seg_start(c, idx) + tcp_seg_len(c, idx);
}

static uint64_t tcp_rto_now(const TcpConn *c)
{
    uint64_t r = c->rto_ps;
    for (uint32_t i = 0; i < c->backoff && r < TCP_RTO_MAX_PS; i++)
        r *= 2;
    return MIN(r, TCP_RTO_MAX_PS);
}

static void tcp_rto_arm(Sim *sim, TcpConn *c)
{
    timer_arm(&sim->eng, &c->rto, sim->eng.now_ps + tcp_rto_now(c));
}

/* RFC 6298 2.2 and 2.3, with the floor at rto_min. */
static void tcp_rtt_sample(TcpConn *c, uint64_t r)
{
    if (!c->have_rtt) {
        c->srtt_ps = r;
        c->rttvar_ps = r / 2;
        c->have_rtt = true;
    } else {
        uint64_t diff = c->srtt_ps > r ? c->srtt_ps - r : r - c->srtt_ps;
        c->rttvar_ps = (3 * c->rttvar_ps + diff) / 4;
        c->srtt_ps = (7 * c->srtt_ps + r) / 8;
    }
    c->rto_ps = MIN(MAX(c->p.rto_min_ps, c->srtt_ps + 4 * c->rttvar_ps), TCP_RTO_MAX_PS);
}

static uint16_t tcp_cli_window(const TcpConn *c)
{
    return (uint16_t)MIN(65535u, c->p.window >> c->rcv_wscale);
}

/* Sends data segment `idx` (new or again). */
static void tcp_send_seg(Sim *sim, TcpConn *c, uint64_t idx, TcpTxKind kind)
{
    uint64_t off = tcp_seg_start(c, idx);
    uint32_t len = tcp_seg_len(c, idx);
    TcpSeg *s = tcp_seg(c, idx);
    uint64_t serial = tcp_serial_take(c);
    if (s->tx == 0) {
        s->serial = serial;
    } else {
        c->st.retransmits++;
        if (kind == TCP_TX_FAST)
            c->st.fast_retransmits++;
        tcp_truth_retransmit(c, s->serial, kind == TCP_TX_NEW ? TCP_TX_RTO : kind);
    }
    s->tx++;
    s->sent_ps = sim->eng.now_ps;
    uint8_t flags = TCP_ACK | (off + len == c->data_len ? TCP_PSH : 0);
    Frame *f = tcp_frame(sim, &c->cli, c->iss + 1 + (uint32_t)off, c->irs + 1, flags,
                         tcp_cli_window(c), NULL, 0, len);
    c->st.segs_sent++;
    bool rto_note = c->rto_note;
    c->rto_note = false;
    if (!c->rto.armed)
        tcp_rto_arm(sim, c);
    if (!f)
        return;
    f->seq = serial;
    f->sent_ps = sim->eng.now_ps;
    if (kind == TCP_TX_FAST)
        f->note = sim_internf(sim, "bondsim: tcp-fast-retransmit %s seq=%" G_GUINT64_FORMAT,
                              c->name, off + 1);
    else if (rto_note)
        f->note = sim_internf(sim, "bondsim: tcp-rto %s backoff=%u seq=%" G_GUINT64_FORMAT, c->name,
                              c->backoff, off + 1);
    tcp_xmit(sim, &c->cli, f);
}

static void tcp_send_syn(Sim *sim, TcpConn *c)
{
    if (!c->cli.has_local) {
        /* the local address is the source the route gives the first SYN
         * (Linux: chosen at connect() and kept): one table walk per
         * connection; none while there is no route (the SYN is dropped as
         * no-route, a retransmission looks again) */
        Iface *out = host_route_iface(c->cli.host, c->cli.remote_ip);
        if (out) {
            memcpy(c->cli.local_ip, out->ip, 4);
            c->cli.has_local = true;
        }
    }
    uint8_t opt[12];
    uint32_t n = tcp_syn_options(opt, c->p.mss, c->rcv_wscale, c->p.sack);
    Frame *f = tcp_frame(sim, &c->cli, c->iss, 0, TCP_SYN, tcp_cli_window(c), opt, n, 0);
    c->syn_tx++;
    c->syn_sent_ps = sim->eng.now_ps;
    tcp_rto_arm(sim, c);
    if (f)
        tcp_xmit(sim, &c->cli, f);
}

static void tcp_send_fin(Sim *sim, TcpConn *c)
{
    Frame *f = tcp_frame(sim, &c->cli, c->iss + 1 + (uint32_t)c->data_len, c->irs + 1,
                         TCP_FIN | TCP_ACK, tcp_cli_window(c), NULL, 0, 0);
    c->fin_sent = true;
    c->cstate = TCP_FIN_WAIT;
    tcp_rto_arm(sim, c);
    if (f)
        tcp_xmit(sim, &c->cli, f);
}

/* ---- sender: SACK scoreboard (RFC 6675, simplified) ------------------------------ */

/* Marks lost every un-SACKed segment with DupThresh SACKed segments above. */
static void tcp_sack_mark_lost(TcpConn *c)
{
    uint64_t first = tcp_seg_of(c, c->una), end = tcp_seg_of(c, c->max + c->p.mss - 1);
    uint32_t sacked_above = 0;
    for (uint64_t i = end; i-- > first;) {
        TcpSeg *s = tcp_seg(c, i);
        if (s->sacked)
            sacked_above++;
        else if (sacked_above >= TCP_DUPTHRESH)
            s->lost = true;
    }
}

/* Bytes in flight: not SACKed, and not lost unless retransmitted since. */
static uint64_t tcp_pipe(TcpConn *c)
{
    uint64_t pipe = 0, first = tcp_seg_of(c, c->una);
    for (uint64_t i = first; tcp_seg_start(c, i) < c->nxt; i++) {
        const TcpSeg *s = tcp_seg(c, i);
        if (!s->sacked && (!s->lost || s->rtx_in_recovery))
            pipe += tcp_seg_len(c, i);
    }
    return pipe;
}

static bool tcp_sack_next_lost(TcpConn *c, uint64_t *idx)
{
    for (uint64_t i = tcp_seg_of(c, c->una); tcp_seg_start(c, i) < c->max; i++) {
        const TcpSeg *s = tcp_seg(c, i);
        if (s->lost && !s->sacked && !s->rtx_in_recovery) {
            *idx = i;
            return true;
        }
    }
    return false;
}

static void tcp_clear_recovery_marks(TcpConn *c)
{
    for (uint64_t i = tcp_seg_of(c, c->una); tcp_seg_start(c, i) < c->max; i++) {
        tcp_seg(c, i)->lost = false;
        tcp_seg(c, i)->rtx_in_recovery = false;
    }
}

/* Marks the segments wholly inside each SACK block. */
static void tcp_sack_update(TcpConn *c, const TcpOpts *o)
{
    for (int b = 0; b < o->n_sack; b++) {
        uint64_t l = tcp_unwrap(o->sack[b][0], c->iss + 1, c->una);
        uint64_t r = tcp_unwrap(o->sack[b][1], c->iss + 1, c->una);
        if (r <= l || l < c->una || r > c->max)
            continue;
        for (uint64_t i = (l + c->p.mss - 1) / c->p.mss; tcp_seg_end(c, i) <= r; i++) {
            tcp_seg(c, i)->sacked = true;
            if (tcp_seg_end(c, i) >= c->data_len)
                break;
        }
    }
}

/* ---- sender: output ------------------------------------------------------------- */

static bool tcp_can_send_new(const TcpConn *c, uint64_t flight, uint64_t limit)
{
    if (c->nxt >= c->data_len)
        return false;
    uint64_t idx = tcp_seg_of(c, c->nxt);
    uint32_t len = tcp_seg_len(c, idx);
    if (idx - tcp_seg_of(c, c->una) >= c->ring_n - 1)
        return false;
    return flight + len <= limit && c->nxt + len - c->una <= c->rwnd;
}

/* Sends the segment at nxt (new data, or again after a timeout) and moves on,
 * skipping segments the receiver SACKed. */
static void tcp_send_next(Sim *sim, TcpConn *c)
{
    uint64_t idx = tcp_seg_of(c, c->nxt);
    TcpTxKind kind = c->nxt < c->max ? TCP_TX_RTO : TCP_TX_NEW;
    tcp_send_seg(sim, c, idx, kind);
    c->nxt = tcp_seg_end(c, idx);
    while (c->nxt < c->max && tcp_seg(c, tcp_seg_of(c, c->nxt))->sacked)
        c->nxt = tcp_seg_end(c, tcp_seg_of(c, c->nxt));
    c->max = MAX(c->max, c->nxt);
}

static void tcp_output(Sim *sim, TcpConn *c)
{
    if (c->cstate != TCP_ESTABLISHED)
        return;
    for (;;) {
        if (c->sack_ok && c->in_recovery) {
            uint64_t pipe = tcp_pipe(c), idx;
            if (pipe + c->p.mss > c->cwnd)
                break;
            if (tcp_sack_next_lost(c, &idx)) {
                tcp_seg(c, idx)->rtx_in_recovery = true;
                tcp_send_seg(sim, c, idx, TCP_TX_FAST);
                continue;
            }
            if (!tcp_can_send_new(c, pipe, c->cwnd))
                break;
        } else if (!tcp_can_send_new(c, c->nxt - c->una, c->cwnd)) {
            break;
        }
        tcp_send_next(sim, c);
    }
    if (c->una == c->data_len && !c->fin_sent)
        tcp_send_fin(sim, c);
}

/* ---- sender: ACK processing --------------------------------------------------------- */

static void tcp_enter_recovery(Sim *sim, TcpConn *c)
{
    uint64_t flight = c->max - c->una;
    c->ssthresh = MAX(flight / 2, 2 * (uint64_t)c->p.mss);
    c->recover = c->max;
    c->in_recovery = true;
    c->st.recoveries++;
    uint64_t idx = tcp_seg_of(c, c->una);
    if (c->sack_ok) {
        c->cwnd = c->ssthresh;
        tcp_seg(c, idx)->lost = true;
        tcp_seg(c, idx)->rtx_in_recovery = true;
    } else {
        c->cwnd = c->ssthresh + TCP_DUPTHRESH * (uint64_t)c->p.mss;
    }
    tcp_send_seg(sim, c, idx, TCP_TX_FAST); /* RFC 6675 4.3: whatever the pipe */
    tcp_output(sim, c);
}

static void tcp_on_dupack(Sim *sim, TcpConn *c)
{
    c->dupacks++;
    c->st.dupacks_rx++;
    if (c->in_recovery) {
        if (!c->sack_ok)
            c->cwnd += c->p.mss; /* inflation: a segment left the network */
        tcp_output(sim, c);
        return;
    }
    bool lost = c->sack_ok && tcp_seg(c, tcp_seg_of(c, c->una))->lost;
    /* RFC 6582 3.2 step 2 and 4.2 (careful variant): duplicate ACKs start a
     * new recovery only once data sent after the last one is acknowledged,
     * so the echoes of needless retransmissions do not (0: none yet). */
    if ((c->dupacks >= TCP_DUPTHRESH || lost) && (c->una > c->recover || c->recover == 0))
        tcp_enter_recovery(sim, c);
}

/* Slow start and congestion avoidance, counted in bytes, only while the
 * window is what limits the sender (as Linux's tcp_is_cwnd_limited). */
static void tcp_grow_cwnd(TcpConn *c, uint64_t acked, uint64_t flight_before)
{
    if (c->cwnd < c->ssthresh) {
        if (c->cwnd >= 2 * flight_before)
            return;
        uint64_t room = c->ssthresh - c->cwnd;
        c->cwnd += MIN(acked, room);
        acked -= MIN(acked, room);
        if (!acked)
            goto done;
    }
    if (flight_before + c->p.mss < c->cwnd)
        goto done;
    c->ca_acc += acked;
    while (c->ca_acc >= c->cwnd) {
        c->ca_acc -= c->cwnd;
        c->cwnd += c->p.mss;
    }
done:
    c->st.max_cwnd = MAX(c->st.max_cwnd, c->cwnd);
}

/* RTT from the oldest newly acked segment, unless one was sent twice (Karn). */
static void tcp_sample_acked(Sim *sim, TcpConn *c, uint64_t ack)
{
    uint64_t first = tcp_seg_of(c, c->una), last = tcp_seg_of(c, ack - 1);
    bool clean = true;
    for (uint64_t i = first; i <= last; i++) {
        clean = clean && tcp_seg(c, i)->tx == 1;
        c->st.acked_sent_ps = MAX(c->st.acked_sent_ps, tcp_seg(c, i)->sent_ps);
    }
    if (clean)
        tcp_rtt_sample(c, sim->eng.now_ps - tcp_seg(c, first)->sent_ps);
    for (uint64_t i = first; i <= last; i++)
        memset(tcp_seg(c, i), 0, sizeof(TcpSeg));
}

static void tcp_on_new_ack(Sim *sim, TcpConn *c, uint64_t ack)
{
    uint64_t acked = ack - c->una, flight_before = c->nxt - c->una;
    tcp_sample_acked(sim, c, ack);
    c->una = ack;
    c->nxt = MAX(c->nxt, ack);
    c->backoff = 0;
    c->dupacks = 0;
    if (c->una == c->data_len && !c->st.done_ps)
        c->st.done_ps = sim->eng.now_ps;
    if (c->in_recovery && c->una >= c->recover) {
        c->in_recovery = false;
        c->cwnd = c->ssthresh; /* RFC 6582 3.2 step 3, as Linux */
        if (c->sack_ok)
            tcp_clear_recovery_marks(c);
    } else if (c->in_recovery && !c->sack_ok) {
        /* partial ACK: the next hole is lost too (RFC 6582 3.2 step 4) */
        c->cwnd = c->cwnd > acked ? c->cwnd - acked : c->p.mss;
        if (acked >= c->p.mss)
            c->cwnd += c->p.mss;
        tcp_send_seg(sim, c, tcp_seg_of(c, c->una), TCP_TX_FAST);
    } else if (!c->in_recovery) {
        tcp_grow_cwnd(c, acked, flight_before);
    }
    if (c->una < c->max)
        tcp_rto_arm(sim, c);
    else
        timer_cancel(&c->rto);
    tcp_output(sim, c);
}

static void tcp_cli_data_ack(Sim *sim, TcpConn *c, const uint8_t *t, uint32_t paylen,
                             const TcpOpts *o)
{
    uint64_t ack = tcp_unwrap(get_be32(t + 8), c->iss + 1, c->una);
    c->rwnd = (uint64_t)get_be16(t + 14) << c->snd_wscale;
    if (ack > c->max)
        return; /* acknowledges what was never sent */
    if (c->sack_ok && o->n_sack) {
        tcp_sack_update(c, o);
        tcp_sack_mark_lost(c);
    }
    if (ack > c->una)
        tcp_on_new_ack(sim, c, ack);
    else if (ack == c->una && paylen == 0 && c->una < c->max && !(t[13] & (TCP_SYN | TCP_FIN)))
        tcp_on_dupack(sim, c);
    if (c->on_ack)
        c->on_ack(sim, c, c->on_ack_data);
}

/* ---- sender: timers and handshake --------------------------------------------------- */

static void tcp_rto_fire(Sim *sim, void *obj, void *arg)
{
    TcpConn *c = obj;
    if (c->cstate == TCP_ESTABLISHED && c->una >= c->max)
        return; /* nothing outstanding (the timer is cancelled then anyway) */
    c->st.rto_events++;
    c->backoff++;
    c->st.max_backoff = MAX(c->st.max_backoff, c->backoff);
    if (c->cstate == TCP_SYN_SENT) {
        tcp_send_syn(sim, c);
        return;
    }
    if (c->cstate == TCP_FIN_WAIT) {
        tcp_send_fin(sim, c);
        return;
    }
    if (c->cstate != TCP_ESTABLISHED)
        return;
    /* RFC 5681 3.1 eq. 4, only for the first timeout of a series */
    if (c->backoff == 1)
        c->ssthresh = MAX((c->max - c->una) / 2, 2 * (uint64_t)c->p.mss);
    c->cwnd = c->p.mss;
    c->ca_acc = 0;
    c->recover = c->max;
    c->in_recovery = false;
    c->dupacks = 0;
    if (c->sack_ok)
        tcp_clear_recovery_marks(c);
    c->nxt = c->una; /* go back N: everything unacknowledged goes again */
    c->rto_note = true;
    tcp_send_next(sim, c);
    tcp_rto_arm(sim, c);
}

static void tcp_cli_synack(Sim *sim, TcpConn *c, const uint8_t *t, const TcpOpts *o)
{
    if (c->cstate != TCP_SYN_SENT) {
        tcp_send_ack(sim, c); /* our ACK was lost: the server sent SYN+ACK again */
        return;
    }
    if (get_be32(t + 8) != c->iss + 1)
        return;
    c->snd_wscale = o->has_ws ? o->ws : 0;
    c->sack_ok = c->p.sack && o->sack_perm;
    if (o->mss && o->mss < c->p.mss)
        c->p.mss = o->mss;
    c->rwnd = get_be16(t + 14); /* a SYN's window is never scaled */
    if (c->syn_tx == 1)
        tcp_rtt_sample(c, sim->eng.now_ps - c->syn_sent_ps);
    c->backoff = 0;
    timer_cancel(&c->rto);
    c->cstate = TCP_ESTABLISHED;
    c->st.established_ps = sim->eng.now_ps;
    tcp_send_ack(sim, c);
    tcp_output(sim, c);
}

/* Client side: the handshake ACK, and the final ACK of the server's FIN. */
static void tcp_send_ack(Sim *sim, TcpConn *c)
{
    bool fin = c->cstate == TCP_DONE;
    uint32_t seq = c->iss + 1 + (uint32_t)(fin ? c->data_len + 1 : c->nxt);
    Frame *f = tcp_frame(sim, &c->cli, seq, c->irs + 1 + (fin ? 1 : 0), TCP_ACK, tcp_cli_window(c),
                         NULL, 0, 0);
    if (f)
        tcp_xmit(sim, &c->cli, f);
}

static void tcp_cli_rx(Sim *sim, TcpConn *c, const uint8_t *t, uint32_t paylen, const TcpOpts *o)
{
    uint8_t flags = t[13];
    if (flags & TCP_RST) {
        tcp_reset(sim, c);
        return;
    }
    if (flags & TCP_SYN) {
        if (flags & TCP_ACK)
            tcp_cli_synack(sim, c, t, o);
        return;
    }
    if (!(flags & TCP_ACK) || c->cstate < TCP_ESTABLISHED)
        return;
    if (c->cstate == TCP_FIN_WAIT && get_be32(t + 8) == c->iss + 2 + (uint32_t)c->data_len) {
        timer_cancel(&c->rto);
        c->cstate = TCP_DONE;
    }
    if (c->cstate == TCP_DONE) {
        if (flags & TCP_FIN)
            tcp_send_ack(sim, c);
        return;
    }
    tcp_cli_data_ack(sim, c, t, paylen, o);
}

/* An RST arrived at an end of an open connection: the connection is aborted
 * (both ends closed, timers stopped; counted for "survived"). */
static void tcp_reset(Sim *sim, TcpConn *c)
{
    if (c->cstate == TCP_CLOSED || c->cstate == TCP_DONE)
        return;
    c->st.resets++;
    if (!c->st.reset_ps)
        c->st.reset_ps = sim->eng.now_ps;
    c->cstate = TCP_CLOSED;
    c->sstate = TCP_CLOSED;
    timer_cancel(&c->rto);
    timer_cancel(&c->stop);
    timer_cancel(&c->delack);
}

static void tcp_start_fire(Sim *sim, void *obj, void *arg)
{
    TcpConn *c = obj;
    if (c->cstate != TCP_CLOSED)
        return;
    c->cstate = TCP_SYN_SENT;
    tcp_send_syn(sim, c);
}

/* Duration mode: no new data after stop; FIN once all is acknowledged. */
static void tcp_stop_fire(Sim *sim, void *obj, void *arg)
{
    TcpConn *c = obj;
    if (c->data_len != UINT64_MAX)
        return;
    c->data_len = c->max;
    c->nxt = MIN(c->nxt, c->max);
    if (c->cstate == TCP_ESTABLISHED && c->una == c->data_len) {
        if (!c->st.done_ps)
            c->st.done_ps = sim->eng.now_ps;
        tcp_send_fin(sim, c);
    }
}

/* A pause in in-order delivery that began before the run's end and never
 * ended, while the connection was open with data outstanding: recorded as
 * the longest pause if it is, up to the end (the stall of a connection that
 * never recovers). */
static void tcp_stall_close(Sim *sim, TcpConn *c)
{
    uint64_t now = sim->eng.now_ps;
    bool open = c->cstate == TCP_ESTABLISHED || c->cstate == TCP_FIN_WAIT;
    if (!open || !c->st.first_data_ps || c->una >= c->data_len ||
        now - c->st.last_data_ps <= c->st.max_stall_ps)
        return;
    c->st.max_stall_ps = now - c->st.last_data_ps;
    c->st.stall_from_ps = c->st.last_data_ps;
    c->st.stall_rto_ps = c->rto_ps;
    c->st.stall_rtos = (uint32_t)(c->st.rto_events - c->stall_rto_base);
}

static void tcp_end_fire(Sim *sim, void *obj, void *arg)
{
    (void)arg;
    tcp_stall_close(sim, obj);
}

void tcp_conn_start(Sim *sim, TcpConn *c)
{
    timer_init(&c->start, tcp_start_fire, c);
    timer_init(&c->rto, tcp_rto_fire, c);
    timer_init(&c->stop, tcp_stop_fire, c);
    timer_init(&c->delack, tcp_delack_fire, c);
    timer_init(&c->end, tcp_end_fire, c);
    timer_arm(&sim->eng, &c->start, c->p.start_ps);
    if (sim->end_ps > c->p.start_ps)
        timer_arm(&sim->eng, &c->end, sim->end_ps);
    if (!c->p.bytes && c->p.stop_ps != UINT64_MAX)
        timer_arm(&sim->eng, &c->stop, c->p.stop_ps);
}

/* ---- receiver --------------------------------------------------------------------- */

/* SACK option: NOP NOP, then the ranges newest first (RFC 2018 4). */
static uint32_t tcp_sack_options(const TcpConn *c, uint8_t *o)
{
    int order[TCP_SACK_BLOCKS], n = 0;
    for (uint32_t k = 0; k < c->n_ooo && n < TCP_SACK_BLOCKS; k++) {
        int best = -1;
        for (uint32_t i = 0; i < c->n_ooo; i++) {
            bool used = false;
            for (int j = 0; j < n; j++)
                used = used || order[j] == (int)i;
            if (!used && (best < 0 || c->ooo[i].stamp > c->ooo[best].stamp))
                best = (int)i;
        }
        order[n++] = best;
    }
    if (!n)
        return 0;
    o[0] = TCPOPT_NOP;
    o[1] = TCPOPT_NOP;
    o[2] = TCPOPT_SACK;
    o[3] = (uint8_t)(2 + 8 * n);
    for (int j = 0; j < n; j++) {
        put_be32(o + 4 + 8 * j, c->iss + 1 + (uint32_t)c->ooo[order[j]].start);
        put_be32(o + 8 + 8 * j, c->iss + 1 + (uint32_t)c->ooo[order[j]].end);
    }
    return 4 + 8 * (uint32_t)n;
}

static void tcp_srv_send(Sim *sim, TcpConn *c, uint8_t flags)
{
    uint8_t opt[40];
    uint32_t n = c->sack_ok ? tcp_sack_options(c, opt) : 0;
    bool fin_out = c->sstate == TCP_LAST_ACK || c->sstate == TCP_CLOSED;
    uint32_t seq = c->irs + 1 + ((fin_out && !(flags & TCP_FIN)) ? 1 : 0);
    uint32_t ack = c->iss + 1 + (uint32_t)c->rcv_nxt + (c->fin_rcvd ? 1 : 0);
    uint16_t win = (uint16_t)MIN(65535u, c->p.window >> c->rcv_wscale);
    Frame *f = tcp_frame(sim, &c->srv, seq, ack, TCP_ACK | flags, win, opt, n, 0);
    c->st.acks_sent++;
    c->unacked_segs = 0;
    timer_cancel(&c->delack);
    if (f)
        tcp_xmit(sim, &c->srv, f);
}

static void tcp_delack_fire(Sim *sim, void *obj, void *arg)
{
    tcp_srv_send(sim, obj, 0);
}

static void tcp_srv_synack(Sim *sim, TcpConn *c, const TcpOpts *o)
{
    c->sack_ok = c->p.sack && o->sack_perm;
    uint8_t opt[12];
    uint32_t n = tcp_syn_options(opt, TCP_MAX_MSS, c->rcv_wscale, c->sack_ok);
    uint16_t win = (uint16_t)MIN(65535u, c->p.window);
    Frame *f = tcp_frame(sim, &c->srv, c->irs, c->iss + 1, TCP_SYN | TCP_ACK, win, opt, n, 0);
    c->sstate = TCP_SYN_RCVD;
    if (f)
        tcp_xmit(sim, &c->srv, f);
}

static void tcp_ooo_remove(TcpConn *c, uint32_t i)
{
    memmove(&c->ooo[i], &c->ooo[i + 1], (c->n_ooo - i - 1) * sizeof(c->ooo[0]));
    c->n_ooo--;
}

/* Keeps [start, end) beyond rcv_nxt, merging with the ranges it touches.
 * Returns false when it brings nothing new or there is no room. */
static bool tcp_ooo_insert(TcpConn *c, uint64_t start, uint64_t end)
{
    uint32_t i = 0;
    while (i < c->n_ooo && c->ooo[i].end < start)
        i++;
    if (i < c->n_ooo && c->ooo[i].start <= start && c->ooo[i].end >= end) {
        c->ooo[i].stamp = ++c->ooo_stamp;
        return false;
    }
    if (i == c->n_ooo || c->ooo[i].start > end) {
        if (c->n_ooo == TCP_OOO_MAX) {
            c->st.ooo_dropped++;
            return false;
        }
        memmove(&c->ooo[i + 1], &c->ooo[i], (c->n_ooo - i) * sizeof(c->ooo[0]));
        c->n_ooo++;
        c->ooo[i].start = start;
        c->ooo[i].end = end;
    } else {
        c->ooo[i].start = MIN(c->ooo[i].start, start);
        c->ooo[i].end = MAX(c->ooo[i].end, end);
        while (i + 1 < c->n_ooo && c->ooo[i + 1].start <= c->ooo[i].end) {
            c->ooo[i].end = MAX(c->ooo[i].end, c->ooo[i + 1].end);
            tcp_ooo_remove(c, i + 1);
        }
    }
    c->ooo[i].stamp = ++c->ooo_stamp;
    return true;
}

/* In-order data up to `end`: deliver, pull in the queued ranges it reaches,
 * and track the longest pause between deliveries. */
static void tcp_deliver(Sim *sim, TcpConn *c, uint64_t end)
{
    uint64_t now = sim->eng.now_ps, before = c->rcv_nxt;
    c->rcv_nxt = end;
    while (c->n_ooo && c->ooo[0].start <= c->rcv_nxt) {
        c->rcv_nxt = MAX(c->rcv_nxt, c->ooo[0].end);
        tcp_ooo_remove(c, 0);
    }
    c->st.delivered += c->rcv_nxt - before;
    if (!c->st.first_data_ps)
        c->st.first_data_ps = now;
    else if (now - c->st.last_data_ps > c->st.max_stall_ps) {
        c->st.max_stall_ps = now - c->st.last_data_ps;
        c->st.stall_from_ps = c->st.last_data_ps;
        c->st.stall_rto_ps = c->rto_ps;
        c->st.stall_rtos = (uint32_t)(c->st.rto_events - c->stall_rto_base);
    }
    c->st.last_data_ps = now;
    c->stall_rto_base = (uint32_t)c->st.rto_events;
}

static void tcp_srv_data(Sim *sim, TcpConn *c, const Frame *f, const uint8_t *t, uint32_t len)
{
    uint64_t off = tcp_unwrap(get_be32(t + 4), c->iss + 1, c->rcv_nxt), end = off + len;
    bool now_ack = !c->p.delack, fin = (t[13] & TCP_FIN) != 0;
    if (len)
        tcp_truth_arrived(c, f->seq);
    if (len && end <= c->rcv_nxt) {
        c->st.dup_segs++;
        now_ack = true;
    } else if (len && off <= c->rcv_nxt) {
        bool had_holes = c->n_ooo > 0;
        c->st.fresh_sent_ps = MAX(c->st.fresh_sent_ps, f->sent_ps);
        tcp_deliver(sim, c, end);
        now_ack = now_ack || had_holes || ++c->unacked_segs >= 2;
    } else if (len) {
        c->st.ooo_segs++;
        if (!tcp_ooo_insert(c, off, end))
            c->st.dup_segs++;
        now_ack = true;
    }
    if (fin && off + len == c->rcv_nxt && !c->fin_rcvd) {
        c->fin_rcvd = true;
        c->sstate = TCP_LAST_ACK;
        tcp_srv_send(sim, c, TCP_FIN);
        return;
    }
    if (fin && c->fin_rcvd) {
        tcp_srv_send(sim, c, TCP_FIN); /* our FIN+ACK was lost */
        return;
    }
    if (!len)
        return;
    if (now_ack)
        tcp_srv_send(sim, c, 0);
    else if (!c->delack.armed)
        timer_arm(&sim->eng, &c->delack, sim->eng.now_ps + TCP_DELACK_PS);
}

static void tcp_srv_rx(Sim *sim, TcpConn *c, const Frame *f, const uint8_t *t, uint32_t paylen,
                       const TcpOpts *o)
{
    uint8_t flags = t[13];
    if (flags & TCP_RST) {
        if (c->sstate != TCP_LISTEN && c->sstate != TCP_CLOSED)
            tcp_reset(sim, c);
        return;
    }
    if (flags & TCP_SYN) {
        if (c->sstate == TCP_LISTEN || c->sstate == TCP_SYN_RCVD)
            tcp_srv_synack(sim, c, o);
        return;
    }
    if (!(flags & TCP_ACK) || c->sstate == TCP_LISTEN)
        return;
    if (c->sstate == TCP_SYN_RCVD && get_be32(t + 8) == c->irs + 1)
        c->sstate = TCP_ESTABLISHED;
    if (c->sstate == TCP_LAST_ACK && get_be32(t + 8) == c->irs + 2 && !(flags & TCP_FIN)) {
        c->sstate = TCP_CLOSED;
        return;
    }
    if (c->sstate == TCP_ESTABLISHED || c->sstate == TCP_LAST_ACK)
        tcp_srv_data(sim, c, f, t, paylen);
}

/* ---- segments for no connection ---------------------------------------------------- */

#define TCP_RST_NOTE_FIRST 16   /* RSTs commented per host, then */
#define TCP_RST_NOTE_EVERY 1000 /* every 1000th */

/* A segment (IPv4 header `ip`, TCP header `t`, `paylen` data bytes) that
 * matched no connection of host `h`, which runs the TCP model: never taken
 * into a connection, only counted, and, unless it is itself an RST,
 * answered with an RST as Linux answers a segment to a port with no socket
 * (RFC 793 3.4 "Reset Generation", tcp_v4_send_reset): an incoming ACK
 * gives the RST its sequence number; otherwise sequence 0 and an ACK of
 * the segment's sequence plus its length (SYN and FIN count one each). The
 * RST's source is the segment's destination (tcp_v4_send_reset), whichever
 * interface the route sends it out of. When the segment came to the ports
 * of a connection from another address, the peer's address changed on the
 * way (a NAT gave its packets another public address): it is counted
 * against that connection too (TcpStats.stray_segs). */
static void tcp_no_conn(Sim *sim, Host *h, const uint8_t *ip, const uint8_t *t, uint32_t paylen)
{
    struct TcpHost *th = h->tcp;
    uint16_t sport = get_be16(t), dport = get_be16(t + 2);
    uint8_t flags = t[13];
    th->no_conn_segs++;
    TcpEnd *aimed = tcp_ports_find(th, dport, sport);
    if (aimed && memcmp(aimed->remote_ip, ip + 12, 4) == 0)
        aimed = NULL; /* from the peer itself, to another local address */
    if (aimed) {
        aimed->conn->st.stray_segs++;
        memcpy(aimed->conn->stray_ip, ip + 12, 4);
    }
    if (flags & TCP_RST)
        return; /* never an RST for an RST */
    TcpEnd e = {
        .host = h, .lport = dport, .rport = sport, .ip_id = th->rst_ip_id, .has_local = true};
    memcpy(e.remote_ip, ip + 12, 4);
    memcpy(e.local_ip, ip + 16, 4);
    uint32_t seq = 0, ack = 0;
    uint8_t out = TCP_RST;
    if (flags & TCP_ACK) {
        seq = get_be32(t + 8);
    } else {
        ack = get_be32(t + 4) + paylen + ((flags & TCP_SYN) ? 1 : 0) + ((flags & TCP_FIN) ? 1 : 0);
        out |= TCP_ACK;
    }
    Frame *f = tcp_frame(sim, &e, seq, ack, out, 0, NULL, 0, 0);
    th->rst_ip_id = e.ip_id;
    if (!f)
        return;
    uint64_t n = ++th->rsts_sent;
    if (n <= TCP_RST_NOTE_FIRST || n % TCP_RST_NOTE_EVERY == 0) {
        char a[16];
        f->note = sim_internf(sim,
                              "bondsim: tcp-rst %s to=%s:%u reason=no-connection%s%s "
                              "count=%" G_GUINT64_FORMAT,
                              h->name, units_format_ipv4(e.remote_ip, a, sizeof a), sport,
                              aimed ? " stray-of=" : "", aimed ? aimed->conn->name : "", n);
    }
    host_send_ip_src(sim, h, f, e.remote_ip, e.local_ip, host_dst_cache(h, e.remote_ip));
}

uint64_t tcp_host_no_conn_segs(const Host *h)
{
    return h->tcp ? h->tcp->no_conn_segs : 0;
}

uint64_t tcp_host_rsts_sent(const Host *h)
{
    return h->tcp ? h->tcp->rsts_sent : 0;
}

/* ---- entry from the IPv4 stack ------------------------------------------------------ */

void tcp_rx(Sim *sim, Iface *iface, Frame *f)
{
    Host *h = iface->host;
    const uint8_t *ip = f->data + ETH_HLEN;
    uint32_t ihl = (uint32_t)(ip[0] & 0x0f) * 4, ip_len = get_be16(ip + 2);
    const uint8_t *t = ip + ihl;
    uint32_t doff = ip_len >= ihl + 20 ? (uint32_t)(t[12] >> 4) * 4 : 0;
    if (doff < 20 || ihl + doff > ip_len) {
        h->drops[HOST_DROP_MALFORMED]++;
        frame_free(&sim->pool, f);
        return;
    }
    TcpEnd *e = tcp_host_find(h->tcp, ip + 12, get_be16(t + 2), get_be16(t), ip + 16);
    if (!e && (t[13] & (TCP_SYN | TCP_ACK | TCP_RST)) == TCP_SYN)
        e = tcp_listen_accept(h->tcp, ip + 12, get_be16(t + 2), get_be16(t), ip + 16);
    if (!e) {
        h->drops[HOST_DROP_NO_LISTENER]++;
        if (h->tcp)
            tcp_no_conn(sim, h, ip, t, ip_len - ihl - doff);
        frame_free(&sim->pool, f);
        return;
    }
    TcpOpts o;
    tcp_parse_options(t + 20, doff - 20, &o);
    uint32_t paylen = ip_len - ihl - doff;
    if (e->is_client)
        tcp_cli_rx(sim, e->conn, t, paylen, &o);
    else
        tcp_srv_rx(sim, e->conn, f, t, paylen, &o);
    frame_free(&sim->pool, f);
}

/* ---- survival ----------------------------------------------------------------------- */

bool tcp_survived(const Sim *sim, const TcpConn *c, char *why, size_t why_len)
{
    char dummy[8];
    if (!why) {
        why = dummy;
        why_len = sizeof dummy;
    }
    const TcpStats *s = &c->st;
    const SimFault *last = NULL;
    uint64_t now = sim->eng.now_ps;
    for (guint i = 0; i < sim->faults->len; i++) {
        const SimFault *f = &g_array_index(sim->faults, SimFault, i);
        if (f->at_ps <= now && (!last || f->at_ps >= last->at_ps))
            last = f;
    }
    char stray[96] = "";
    if (s->stray_segs) {
        char a[16];
        g_snprintf(stray, sizeof stray,
                   "; %" G_GUINT64_FORMAT " segment%s from another address (%s) refused",
                   s->stray_segs, s->stray_segs == 1 ? "" : "s",
                   units_format_ipv4(c->stray_ip, a, sizeof a));
    }
    if (s->resets) {
        g_snprintf(why, why_len, "reset at %.6f s%s", (double)s->reset_ps / 1e12, stray);
        return false;
    }
    if (!s->established_ps) {
        g_snprintf(why, why_len, "never established");
        return false;
    }
    if (!last) {
        g_snprintf(why, why_len, "no fault or route change");
        return true;
    }
    double at = (double)last->at_ps / 1e12;
    bool fresh = s->delivered && s->fresh_sent_ps > last->at_ps;
    if (fresh && s->acked_sent_ps > last->at_ps) {
        g_snprintf(why, why_len, "delivered and acknowledged data sent after %s at %.3f s",
                   last->name, at);
        return true;
    }
    if (s->done_ps && s->done_ps <= last->at_ps) {
        g_snprintf(why, why_len, "finished before %s at %.3f s", last->name, at);
        return true;
    }
    if (fresh)
        g_snprintf(why, why_len,
                   "data sent after %s at %.3f s was delivered, no ACK of it came back "
                   "(%" G_GUINT64_FORMAT " RTOs)%s",
                   last->name, at, s->rto_events, stray);
    else
        g_snprintf(why, why_len,
                   "nothing sent after %s at %.3f s was delivered (%" G_GUINT64_FORMAT " RTOs)%s",
                   last->name, at, s->rto_events, stray);
    return false;
}
