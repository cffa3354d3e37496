/* flow.c - UDP and ping generators and the receiver's measurements (flow.h). */
#include "traffic/flow.h"

#include <math.h>
#include <string.h>

#include "net/ipv6.h"
#include "sim.h"
#include "traffic/echo.h"
#include "util/bytes.h"
#include "util/units.h"

const uint32_t FLOW_IMIX_PAYLOADS[FLOW_IMIX_CYCLE] = {12, 12, 548, 12, 12,  548,
                                                      12, 12, 548, 12, 548, 1472};

Flow *flow_new(const char *name, FlowKind kind, Host *src, const uint8_t dst_ip[4])
{
    Flow *fl = g_new0(Flow, 1);
    fl->name = g_strdup(name);
    fl->kind = kind;
    fl->src = src;
    memcpy(fl->dst_ip, dst_ip, 4);
    fl->win = -1;
    fl->stop_ps = UINT64_MAX;
    fl->payload = 56;
    reorder_init(&fl->reorder, REORDER_DT_DEFAULT, 0);
    return fl;
}

Flow *flow_new6(const char *name, FlowKind kind, Host *src, const uint8_t dst_ip6[16])
{
    static const uint8_t none[4] = {0};
    Flow *fl = flow_new(name, kind, src, none);
    fl->ipv6 = true;
    memcpy(fl->dst_ip6, dst_ip6, 16);
    return fl;
}

void flow_free(Flow *flow)
{
    if (!flow)
        return;
    g_free(flow->name);
    g_free(flow->dst_name);
    g_free(flow->sizes);
    if (flow->rng)
        g_rand_free(flow->rng);
    if (flow->egress_changes)
        g_array_free(flow->egress_changes, TRUE);
    g_free(flow);
}

void flow_set_udp(Flow *flow, uint64_t rate_bps, uint32_t payload, uint16_t sport, uint16_t dport)
{
    flow->rate_bps = rate_bps;
    flow->payload = payload;
    flow->sport = sport;
    flow->dport = dport;
    uint64_t bits = frame_wire_bits(ETH_HLEN + (flow->ipv6 ? IP6_HLEN : 20) + 8 + payload);
    /* interval = bits / rate seconds, kept as whole ps plus a remainder */
    uint64_t num_hi = bits * PS_PER_S;
    flow->interval_ps = num_hi / rate_bps;
    flow->interval_rem = num_hi % rate_bps;
}

/* A packet's gap at the flow's wire rate: whole ps and remainder over rate. */
static void flow_gap_for(const Flow *flow, uint32_t payload, uint64_t *whole, uint64_t *rem)
{
    uint64_t bits = frame_wire_bits(ETH_HLEN + (flow->ipv6 ? IP6_HLEN : 20) + 8 + payload);
    uint64_t num = bits * PS_PER_S;
    *whole = num / flow->rate_bps;
    *rem = num % flow->rate_bps;
}

void flow_set_sizes(Flow *flow, const uint32_t *sizes, uint32_t n, bool random)
{
    g_free(flow->sizes);
    flow->sizes = g_memdup2(sizes, n * sizeof(*sizes));
    flow->n_sizes = n;
    flow->size_next = 0;
    flow->size_random = random;
    /* the nominal interval (gap measurement's resolution): the mean gap */
    uint64_t sum = 0, whole, rem;
    for (uint32_t i = 0; i < n; i++) {
        flow_gap_for(flow, sizes[i], &whole, &rem);
        sum += whole;
    }
    flow->interval_ps = sum / n;
    flow->interval_rem = 0;
    flow->payload = sizes[0];
}

uint32_t flow_next_payload(Flow *flow)
{
    if (!flow->sizes)
        return flow->payload;
    uint32_t i;
    if (flow->size_random && flow->rng)
        i = (uint32_t)g_rand_int_range(flow->rng, 0, (gint32)flow->n_sizes);
    else
        i = flow->size_next++ % flow->n_sizes;
    return flow->sizes[i];
}

void flow_set_rtp(Flow *flow, bool on)
{
    flow->rtp = on;
    flow->rtp_ssrc = g_str_hash(flow->name);
}

void flow_set_ping(Flow *flow, uint64_t interval_ps, uint32_t payload)
{
    flow->interval_ps = interval_ps;
    flow->interval_rem = 0;
    flow->rate_bps = 1;
    flow->payload = payload;
}

static void flow_put_header(Flow *flow, uint8_t *p, uint32_t room, uint64_t seq, uint64_t now)
{
    uint8_t h[FLOW_HEADER_LEN];
    memcpy(h, "BSIM", 4);
    put_be32(h + 4, (uint32_t)flow->index);
    put_be64(h + 8, seq);
    put_be64(h + 16, now / PS_PER_NS);
    memcpy(p, h, room < FLOW_HEADER_LEN ? room : FLOW_HEADER_LEN);
}

/* The UDP payload: [RTP header] bondsim header, zeros. */
static uint32_t flow_udp_hdr_len(const Flow *flow)
{
    return (flow->kind == FLOW_UDP && flow->rtp ? FLOW_RTP_HLEN : 0) + FLOW_HEADER_LEN;
}

static void flow_put_udp_payload(Flow *flow, uint8_t *p, uint64_t now)
{
    memset(p, 0, flow->payload);
    uint32_t off = 0;
    if (flow->rtp && flow->payload >= FLOW_RTP_HLEN) {
        p[0] = 0x80; /* version 2, no padding, extension or CSRC */
        p[1] = FLOW_RTP_PT;
        put_be16(p + 2, (uint16_t)flow->sent);
        put_be32(p + 4, (uint32_t)(now / PS_PER_US * 9 / 100)); /* 90 kHz */
        put_be32(p + 8, flow->rtp_ssrc);
        off = FLOW_RTP_HLEN;
    }
    if (flow->payload > off)
        flow_put_header(flow, p + off, flow->payload - off, flow->sent, now);
}

static Frame *flow_build_udp(Sim *sim, Flow *flow, uint64_t now)
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    uint32_t ip_len = 20 + 8 + flow->payload;
    uint32_t vl = flow->ex.on && flow->ex.has_vlan ? 4 : 0;
    uint8_t *ip = f->data + ETH_HLEN + vl;
    static const uint8_t unset[4] = {0};
    const uint8_t *src = flow->ex.on && flow->ex.has_src_ip ? flow->ex.src_ip : unset;
    ipv4_write_header(ip, (uint16_t)ip_len, flow->ip_id++, 17, src, flow->dst_ip);
    uint8_t *udp = ip + 20;
    put_be16(udp, flow->sport);
    put_be16(udp + 2, flow->dport);
    put_be16(udp + 4, (uint16_t)(8 + flow->payload));
    put_be16(udp + 6, 0); /* no checksum: allowed for UDP over IPv4 */
    flow_put_udp_payload(flow, udp + 8, now);
    f->len = ETH_HLEN + vl + ip_len;
    return f;
}

static Frame *flow_build_ping(Sim *sim, Flow *flow, uint64_t now)
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    uint32_t icmp_len = 8 + flow->payload;
    uint8_t *ip = f->data + ETH_HLEN;
    static const uint8_t unset[4] = {0};
    ipv4_write_header(ip, (uint16_t)(20 + icmp_len), flow->ip_id++, 1, unset, flow->dst_ip);
    uint8_t *icmp = ip + 20;
    icmp[0] = 8;
    icmp[1] = 0;
    put_be16(icmp + 2, 0);
    put_be16(icmp + 4, (uint16_t)(flow->index + 1));
    put_be16(icmp + 6, (uint16_t)(flow->sent + 1));
    memset(icmp + 8, 0, flow->payload);
    flow_put_header(flow, icmp + 8, flow->payload, flow->sent, now);
    put_be16(icmp + 2, inet_checksum(icmp, icmp_len, 0));
    f->len = ETH_HLEN + 20 + icmp_len;
    return f;
}

/* IPv6: the source is left :: for ipv6_send() to fill in (it adjusts the
 * checksum). The payload is zero past the bondsim header, so the checksum
 * sums only the L4 header and that header: no pass over the payload. */
static uint16_t flow_l4_checksum6(Flow *flow, const uint8_t *l4, uint32_t l4_len, uint8_t proto)
{
    static const uint8_t unset[16] = {0};
    uint32_t covered = 8 + MIN(flow->payload, flow_udp_hdr_len(flow));
    return inet_checksum(l4, covered, ipv6_pseudo_sum(unset, flow->dst_ip6, l4_len, proto));
}

static Frame *flow_build_udp6(Sim *sim, Flow *flow, uint64_t now)
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    static const uint8_t unset[16] = {0};
    uint32_t l4_len = 8 + flow->payload;
    uint8_t *ip = f->data + ETH_HLEN;
    ipv6_write_header(ip, (uint16_t)l4_len, IP6_PROTO_UDP, IP6_HOP_LIMIT, unset, flow->dst_ip6);
    uint8_t *udp = ip + IP6_HLEN;
    put_be16(udp, flow->sport);
    put_be16(udp + 2, flow->dport);
    put_be16(udp + 4, (uint16_t)l4_len);
    put_be16(udp + 6, 0);
    flow_put_udp_payload(flow, udp + 8, now);
    put_be16(udp + 6, flow_l4_checksum6(flow, udp, l4_len, IP6_PROTO_UDP));
    f->len = ETH_HLEN + IP6_HLEN + l4_len;
    return f;
}

static Frame *flow_build_ping6(Sim *sim, Flow *flow, uint64_t now)
{
    Frame *f = frame_alloc(&sim->pool);
    if (!f)
        return NULL;
    static const uint8_t unset[16] = {0};
    uint32_t l4_len = 8 + flow->payload;
    uint8_t *ip = f->data + ETH_HLEN;
    ipv6_write_header(ip, (uint16_t)l4_len, IP6_PROTO_ICMPV6, IP6_HOP_LIMIT, unset, flow->dst_ip6);
    uint8_t *icmp = ip + IP6_HLEN;
    icmp[0] = ICMP6_ECHO_REQUEST;
    icmp[1] = 0;
    put_be16(icmp + 2, 0);
    put_be16(icmp + 4, (uint16_t)(flow->index + 1));
    put_be16(icmp + 6, (uint16_t)(flow->sent + 1));
    memset(icmp + 8, 0, flow->payload);
    flow_put_header(flow, icmp + 8, flow->payload, flow->sent, now);
    put_be16(icmp + 2, flow_l4_checksum6(flow, icmp, l4_len, IP6_PROTO_ICMPV6));
    f->len = ETH_HLEN + IP6_HLEN + l4_len;
    return f;
}

static Frame *flow_build(Sim *sim, Flow *flow, uint64_t now)
{
    if (flow->ipv6)
        return flow->kind == FLOW_UDP ? flow_build_udp6(sim, flow, now)
                                      : flow_build_ping6(sim, flow, now);
    return flow->kind == FLOW_UDP ? flow_build_udp(sim, flow, now)
                                  : flow_build_ping(sim, flow, now);
}

/* An explicit frame: MACs, source IP and tag as given, no ARP, out of the
 * interface that routes the destination (dropped when none does). */
static void flow_send_explicit(Sim *sim, Flow *flow, Frame *f)
{
    Iface *ifc = host_route_iface_cached(flow->src, flow->dst_ip);
    if (!ifc) {
        frame_free(&sim->pool, f);
        return;
    }
    uint32_t vl = flow->ex.has_vlan ? 4 : 0;
    uint8_t *ip = f->data + ETH_HLEN + vl;
    if (!flow->ex.has_src_ip) {
        memcpy(ip + 12, ifc->ip, 4);
        put_be16(ip + 10, 0);
        put_be16(ip + 10, inet_checksum(ip, 20, 0));
    }
    memcpy(f->data, flow->ex.dst_mac, 6);
    memcpy(f->data + 6, flow->ex.has_src_mac ? flow->ex.src_mac : ifc->mac, 6);
    if (vl) {
        put_be16(f->data + 12, ETH_P_8021Q);
        put_be16(f->data + 14, flow->ex.vlan_tci);
    }
    put_be16(f->data + 12 + vl, ETH_P_IP);
    iface_xmit(sim, ifc, f);
}

static void flow_tick(Sim *sim, void *obj, void *arg)
{
    Flow *flow = obj;
    uint64_t now = sim->eng.now_ps;
    if (now >= flow->stop_ps)
        return;
    uint64_t whole = flow->interval_ps, rem = flow->interval_rem;
    if (flow->sizes) {
        flow->payload = flow_next_payload(flow);
        flow_gap_for(flow, flow->payload, &whole, &rem);
    }
    Frame *f = flow_build(sim, flow, now);
    if (f) {
        f->flow = (uint32_t)flow->index;
        f->seq = flow->sent;
        f->sent_ps = now;
        flow->sent_bytes += f->len;
        if (flow->ipv6)
            ipv6_send(sim, flow->src, f, flow->dst_ip6, &flow->pc);
        else if (flow->ex.on)
            flow_send_explicit(sim, flow, f);
        else
            host_send_ip(sim, flow->src, f, flow->dst_ip, &flow->pc);
    }
    flow->sent++;
    uint64_t next = now + whole;
    if (flow->gen == FLOW_GEN_POISSON) {
        double mean = (double)whole + (double)rem / (double)flow->rate_bps;
        double gap = -log(1.0 - g_rand_double(flow->rng)) * mean;
        next = now + MAX((uint64_t)1, (uint64_t)llround(gap));
    } else {
        flow->rem_acc += rem;
        if (flow->rem_acc >= flow->rate_bps) {
            flow->rem_acc -= flow->rate_bps;
            next++;
        }
    }
    if (flow->gen == FLOW_GEN_ONOFF && flow->on_ps) {
        /* off-phase: skip to the next on-period (each starts with a send) */
        uint64_t cycle = flow->on_ps + flow->off_ps, rel = next - flow->start_ps;
        if (rel % cycle >= flow->on_ps) {
            next = flow->start_ps + (rel / cycle + 1) * cycle;
            flow->rem_acc = 0;
        }
    }
    if (next < flow->stop_ps)
        timer_arm(&sim->eng, &flow->timer, next);
}

void flow_start(Sim *sim, Flow *flow)
{
    if (!flow->rng && (flow->gen == FLOW_GEN_POISSON || flow->size_random))
        flow->rng = sim_rand_for(sim, flow->name);
    timer_init(&flow->timer, flow_tick, flow);
    timer_arm(&sim->eng, &flow->timer, flow->start_ps);
}

/* ---- receiver ------------------------------------------------------------ */

static bool flow_seen_test_and_set(Flow *flow, uint64_t seq)
{
    uint64_t bit = seq % FLOW_SEEN_WINDOW;
    uint64_t mask = UINT64_C(1) << (bit % 64);
    bool was = (flow->seen[bit / 64] & mask) != 0;
    flow->seen[bit / 64] |= mask;
    return was;
}

/* Advancing the highest sequence frees the window slots of old sequences. */
static void flow_seen_advance(Flow *flow, uint64_t new_next)
{
    if (new_next - flow->next_expected >= FLOW_SEEN_WINDOW) {
        memset(flow->seen, 0, sizeof(flow->seen));
        return;
    }
    for (uint64_t s = flow->next_expected; s < new_next; s++) {
        uint64_t bit = s % FLOW_SEEN_WINDOW;
        flow->seen[bit / 64] &= ~(UINT64_C(1) << (bit % 64));
    }
}

static void flow_window_flush(Sim *sim, Flow *flow, FaultGap *gaps, uint64_t close_ps)
{
    if (flow->win < 0 || !gaps)
        return;
    FaultGap *g = &gaps[flow->win];
    FlowGap *c = &flow->cur;
    if (c->arrivals == 0) {
        if (flow->last_rx_ps == 0)
            return; /* never delivered anything: nothing to measure */
        /* no delivery since the fault: open gap until the window closed */
        c->gap_ps = close_ps - flow->last_rx_ps;
        c->from_ps = flow->last_rx_ps;
        c->to_ps = close_ps;
        g->measured = true;
        if (!g->flow || flow->interval_ps < g->interval_ps ||
            (flow->interval_ps == g->interval_ps && c->gap_ps >= g->gap_ps)) {
            g->interval_ps = flow->interval_ps;
            g->gap_ps = c->gap_ps;
            g->from_ps = c->from_ps;
            g->to_ps = close_ps;
            g->flow = flow->name;
            g->recovered = false;
        }
        return;
    }
    g->measured = true;
    g->out_of_order += c->out_of_order;
    if (c->seq_after > c->seq_before + 1)
        g->lost += c->seq_after - c->seq_before - 1;
    /* The fault's gap comes from the flow that samples time most finely
     * (smallest send interval); a slow ping cannot resolve a 100 ms gap. */
    bool finer = !g->flow || flow->interval_ps < g->interval_ps;
    bool same = g->flow && flow->interval_ps == g->interval_ps;
    if (finer || (same && c->gap_ps > g->gap_ps)) {
        g->interval_ps = flow->interval_ps;
        g->gap_ps = c->gap_ps;
        g->from_ps = c->from_ps;
        g->to_ps = c->to_ps;
        g->flow = flow->name;
        g->recovered = true;
    }
}

static void flow_gap_track(Sim *sim, Flow *flow, uint64_t now, uint64_t seq)
{
    GArray *faults = sim->faults;
    while (flow->win + 1 < (int)faults->len &&
           g_array_index(faults, SimFault, flow->win + 1).at_ps <= now) {
        flow_window_flush(sim, flow, sim->fault_gaps,
                          g_array_index(faults, SimFault, flow->win + 1).at_ps);
        flow->win++;
        memset(&flow->cur, 0, sizeof(flow->cur));
    }
    if (flow->win >= 0 && flow->last_rx_ps) {
        FlowGap *c = &flow->cur;
        uint64_t gap = now - flow->last_rx_ps;
        c->arrivals++;
        if (gap > c->gap_ps) {
            c->gap_ps = gap;
            c->from_ps = flow->last_rx_ps;
            c->to_ps = now;
            c->seq_before = flow->last_rx_seq;
            c->seq_after = seq;
        }
    }
}

void flow_deliver(Sim *sim, Flow *flow, Host *at, Frame *f)
{
    uint64_t now = sim->eng.now_ps;
    uint64_t seq = f->seq;
    if (flow->kind == FLOW_UDP && at == flow->src) { /* an echo service's reply */
        flow_echo_reply(sim, flow, f);
        frame_free(&sim->pool, f);
        return;
    }
    bool ooo = false;
    if (seq >= flow->next_expected) {
        flow_seen_advance(flow, seq + 1);
        flow_seen_test_and_set(flow, seq);
        flow->next_expected = seq + 1;
    } else if (seq + FLOW_SEEN_WINDOW <= flow->next_expected) {
        flow->late++; /* too old to tell a duplicate: counted as out of order */
        flow->out_of_order++;
        ooo = true;
    } else if (flow_seen_test_and_set(flow, seq)) {
        flow->duplicates++;
        frame_free(&sim->pool, f);
        return;
    } else {
        flow->out_of_order++;
        ooo = true;
    }
    reorder_add(&flow->reorder, seq);
    flow->received++;
    flow->rx_bytes += f->len;
    uint64_t lat = now - f->sent_ps;
    flow->latency_sum_ps += lat;
    if (lat > flow->latency_max_ps)
        flow->latency_max_ps = lat;
    if (!flow->first_rx_ps)
        flow->first_rx_ps = now;
    flow_gap_track(sim, flow, now, seq);
    if (ooo && flow->win >= 0)
        flow->cur.out_of_order++; /* reordering after the fault (switch-over) */
    flow->last_rx_ps = now;
    flow->last_rx_seq = seq;
    frame_free(&sim->pool, f);
}

void flow_finish(Sim *sim, Flow *flow, FaultGap *gaps)
{
    GArray *faults = sim->faults;
    reorder_finish(&flow->reorder);
    /* windows the flow never reached (no delivery after their fault) */
    while (flow->win + 1 < (int)faults->len &&
           g_array_index(faults, SimFault, flow->win + 1).at_ps <= sim->end_ps) {
        flow_window_flush(sim, flow, gaps, g_array_index(faults, SimFault, flow->win + 1).at_ps);
        flow->win++;
        memset(&flow->cur, 0, sizeof(flow->cur));
    }
    flow_window_flush(sim, flow, gaps, MIN(sim->end_ps, flow->stop_ps));
}
