/* test_tcp.c - the TCP model (sim/traffic/tcp.c): the handshake on the wire,
 * slow start, and its reactions to a scripted loss, a scripted reordering and
 * a scripted blackout; then the two classic results end to end through the
 * teaching scenarios: balance-rr over unequal paths makes spurious fast
 * retransmits, an active-backup failover longer than the RTO stalls the flow
 * until a backed-off RTO expires.
 *
 * The unit cases use two hosts back to back (h1 10.0.0.1 sends to h2
 * 10.0.0.2). h2's NIC hands every frame to a script first, which records it
 * and may drop it, or hold it and release it later: the loss, reordering and
 * blackout are exact, not random.
 */
#include "traffic/tcp.h"

#include "cu_run.h"
#include "testlib.h"

#include <string.h>

#include "bond/bond.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "util/bytes.h"
#include "util/units.h"

#define MSS 1460u

/* ---- the script at h2's NIC and a log at h1's ------------------------------ */

typedef struct {
    uint64_t time_ps;
    int at; /* 0 = h1, 1 = h2 */
    uint32_t len;
    uint8_t data[128]; /* headers are enough */
} Seen;

typedef struct {
    GArray *log;         /* Seen, both hosts */
    int data_seen;       /* data segments that reached h2 so far */
    int drop_nth;        /* drop this data segment (1-based), 0: none */
    int hold_nth;        /* hold this one ... */
    int hold_for;        /* ... until this many more data segments passed */
    Frame *held;         /* the held frame */
    int held_at;         /* data_seen when held */
    uint64_t black_from; /* drop every frame reaching h2 in [from, to) */
    uint64_t black_to;
    uint64_t black_drops; /* frames dropped by the blackout */
} Script;

/* A Nic has no spare context pointer (owner is the Iface): one script per
 * test, set up and torn down by the case. */
static Script *script;

static uint32_t seen_tcp_len(const Frame *f)
{
    const uint8_t *ip = f->data + ETH_HLEN;
    if (get_be16(f->data + 12) != ETH_P_IP || ip[9] != 6)
        return 0;
    return get_be16(ip + 2) - 20u - (uint32_t)(ip[32] >> 4) * 4u;
}

static void script_log(Sim *sim, int at, const Frame *f)
{
    Seen s = {sim->eng.now_ps, at, f->len, {0}};
    memcpy(s.data, f->data, MIN(f->len, sizeof(s.data)));
    g_array_append_val(script->log, s);
}

static void h1_rx(Sim *sim, Nic *nic, Frame *f)
{
    script_log(sim, 0, f);
    host_rx(sim, nic->owner, f);
}

static void h2_rx(Sim *sim, Nic *nic, Frame *f)
{
    uint64_t now = sim->eng.now_ps;
    if (now >= script->black_from && now < script->black_to) {
        script->black_drops++;
        frame_free(&sim->pool, f);
        return;
    }
    bool data = seen_tcp_len(f) > 0;
    if (data)
        script->data_seen++;
    if (data && script->data_seen == script->drop_nth) {
        frame_free(&sim->pool, f);
        return;
    }
    if (data && script->data_seen == script->hold_nth) {
        script->held = f;
        script->held_at = script->data_seen;
        return;
    }
    script_log(sim, 1, f);
    host_rx(sim, nic->owner, f);
    if (script->held && script->data_seen == script->held_at + script->hold_for) {
        Frame *h = script->held;
        script->held = NULL;
        script_log(sim, 1, h);
        host_rx(sim, nic->owner, h);
    }
}

/* ---- two hosts back to back --------------------------------------------------- */

typedef struct {
    Sim *sim;
    Host *h1, *h2;
    TcpConn *c;
} Pair;

/* h1 -> h2 over one link of `delay_ps`, a connection with `p` (ports and
 * rto_min as given), started at 0. */
static void pair_init(Pair *p, uint64_t delay_ps, const TcpParams *tp)
{
    script = g_new0(Script, 1);
    script->log = g_array_new(FALSE, FALSE, sizeof(Seen));
    p->sim = tl_sim("t", 0);
    tl_ip_pair(p->sim, delay_ps, h1_rx, h2_rx, &p->h1, &p->h2);
    p->c = tcp_conn_new(p->sim, "t", p->h1, p->h2, tl_ip2, tp);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p->c);
    tcp_conn_start(p->sim, p->c);
}

static void pair_run(Pair *p, uint64_t end_ps)
{
    p->sim->end_ps = end_ps;
    engine_run(&p->sim->eng, p->sim, end_ps);
}

static void pair_clear(Pair *p)
{
    if (script->held)
        frame_free(&p->sim->pool, script->held);
    sim_free(p->sim);
    g_array_free(script->log, TRUE);
    g_free(script);
    script = NULL;
}

static const Seen *seen_at(guint i)
{
    return &g_array_index(script->log, Seen, i);
}

/* The n-th TCP frame seen at host `at` (0-based), or NULL. */
static const Seen *tcp_nth(int at, guint n)
{
    for (guint i = 0; i < script->log->len; i++) {
        const Seen *s = seen_at(i);
        if (s->at == at && get_be16(s->data + 12) == ETH_P_IP && s->data[ETH_HLEN + 9] == 6 &&
            n-- == 0)
            return s;
    }
    return NULL;
}

/* The TCP checksum of a logged frame verifies (frames here are <= 128 bytes
 * when it is checked: handshake segments). */
static bool tcp_checksum_ok(const Seen *s)
{
    const uint8_t *ip = s->data + ETH_HLEN;
    uint32_t tcp_len = get_be16(ip + 2) - 20u;
    uint32_t pseudo = get_be16(ip + 12) + get_be16(ip + 14) + get_be16(ip + 16) +
                      get_be16(ip + 18) + 6u + tcp_len;
    return inet_checksum(ip + 20, tcp_len, pseudo) == 0 && inet_checksum(ip, 20, 0) == 0;
}

static TcpParams params(uint64_t bytes)
{
    TcpParams p;
    tcp_params_defaults(&p);
    p.bytes = bytes;
    return p;
}

/* ---- handshake -------------------------------------------------------------------- */

static void tcp_handshake_bytes_and_flags_are_exact(void)
{
    static const uint8_t syn_opts[12] = {2, 4, 0x05, 0xb4, 1, 3, 3, 5, 1, 1, 4, 2};
    TcpParams tp = params(1000);
    Pair p;
    pair_init(&p, 10 * PS_PER_US, &tp);
    pair_run(&p, 100 * PS_PER_MS);

    const Seen *syn = tcp_nth(1, 0), *synack = tcp_nth(0, 0), *ack = tcp_nth(1, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(syn);
    CU_ASSERT_PTR_NOT_NULL_FATAL(synack);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ack);
    const uint8_t *t = syn->data + ETH_HLEN + 20;
    CU_ASSERT_EQUAL(syn->len, ETH_HLEN + 20 + 32);
    CU_ASSERT_EQUAL(memcmp(syn->data + ETH_HLEN + 12, tl_ip1, 4), 0);
    CU_ASSERT_EQUAL(get_be16(t), 40000);
    CU_ASSERT_EQUAL(get_be16(t + 2), 5001);
    CU_ASSERT_EQUAL(get_be32(t + 4), p.c->iss);
    CU_ASSERT_EQUAL(get_be32(t + 8), 0);
    CU_ASSERT_EQUAL(t[12], 8 << 4);           /* 32-byte header */
    CU_ASSERT_EQUAL(t[13], 0x02);             /* SYN */
    CU_ASSERT_EQUAL(get_be16(t + 14), 32768); /* 1 MiB >> 5 */
    CU_ASSERT_EQUAL(memcmp(t + 20, syn_opts, 12), 0);
    CU_ASSERT_TRUE(tcp_checksum_ok(syn));

    t = synack->data + ETH_HLEN + 20;
    CU_ASSERT_EQUAL(get_be16(t), 5001);
    CU_ASSERT_EQUAL(get_be32(t + 4), p.c->irs);
    CU_ASSERT_EQUAL(get_be32(t + 8), p.c->iss + 1);
    CU_ASSERT_EQUAL(t[13], 0x12); /* SYN ACK */
    CU_ASSERT_EQUAL(get_be16(t + 14), 65535);
    CU_ASSERT_EQUAL(memcmp(t + 20, syn_opts, 12), 0);
    CU_ASSERT_TRUE(tcp_checksum_ok(synack));

    t = ack->data + ETH_HLEN + 20;
    CU_ASSERT_EQUAL(get_be32(t + 4), p.c->iss + 1);
    CU_ASSERT_EQUAL(get_be32(t + 8), p.c->irs + 1);
    CU_ASSERT_EQUAL(t[12], 5 << 4);
    CU_ASSERT_EQUAL(t[13], 0x10); /* ACK */
    CU_ASSERT_EQUAL(ack->len, ETH_ZLEN);
    CU_ASSERT_TRUE(tcp_checksum_ok(ack));

    CU_ASSERT_TRUE(p.c->sack_ok);
    CU_ASSERT_EQUAL(p.c->snd_wscale, 5);
    CU_ASSERT_EQUAL(p.c->cstate, TCP_DONE);
    CU_ASSERT_EQUAL(p.c->sstate, TCP_CLOSED);
    CU_ASSERT_EQUAL(p.c->st.delivered, 1000);
    CU_ASSERT_EQUAL(p.c->st.retransmits, 0);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    pair_clear(&p);
}

static void tcp_without_sack_offers_no_sack_permitted(void)
{
    TcpParams tp = params(3000);
    tp.sack = false;
    Pair p;
    pair_init(&p, 10 * PS_PER_US, &tp);
    pair_run(&p, 100 * PS_PER_MS);
    const Seen *syn = tcp_nth(1, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(syn);
    CU_ASSERT_EQUAL(syn->data[ETH_HLEN + 32], 7 << 4); /* 28 bytes: MSS, NOP, WS */
    CU_ASSERT_FALSE(p.c->sack_ok);
    CU_ASSERT_EQUAL(p.c->st.delivered, 3000);
    CU_ASSERT_EQUAL(p.c->cstate, TCP_DONE);
    pair_clear(&p);
}

/* ---- slow start ------------------------------------------------------------------- */

/* Data segments reaching h2 grouped in bursts separated by more than `gap`. */
static int bursts(uint64_t gap, int *sizes, int max)
{
    int n = -1;
    uint64_t last = 0;
    for (guint i = 0; i < script->log->len; i++) {
        const Seen *s = seen_at(i);
        const uint8_t *ip = s->data + ETH_HLEN;
        if (s->at != 1 || get_be16(s->data + 12) != ETH_P_IP || ip[9] != 6 ||
            get_be16(ip + 2) <= 20u + (uint32_t)(ip[32] >> 4) * 4u)
            continue;
        if (n < 0 || s->time_ps - last > gap) {
            if (n + 1 == max)
                break;
            sizes[++n] = 0;
        }
        sizes[n]++;
        last = s->time_ps;
    }
    return n + 1;
}

/* With a 2 ms round trip and 12.3 us per segment, each round of slow start
 * is a burst: IW10, then twice as many every RTT (cwnd grows by the bytes
 * acknowledged, so delayed ACKs do not slow it). */
static void tcp_slow_start_doubles_every_rtt(void)
{
    TcpParams tp = params(200 * MSS);
    Pair p;
    pair_init(&p, PS_PER_MS, &tp);
    pair_run(&p, 30 * PS_PER_MS);
    int sizes[5] = {0};
    int n = bursts(500 * PS_PER_US, sizes, 5);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_EQUAL(sizes[0], 10);
    CU_ASSERT_EQUAL(sizes[1], 20);
    CU_ASSERT_EQUAL(sizes[2], 40);
    CU_ASSERT_EQUAL(sizes[3], 80);
    CU_ASSERT_EQUAL(sizes[4], 50); /* the rest of the 200 */
    /* cwnd grows while it limits the sender (cwnd < 2 x flight, Linux's
     * rule): it stops at 140 when all 200 are sent and 70 are in flight */
    CU_ASSERT_EQUAL(p.c->st.max_cwnd, 140 * MSS);
    CU_ASSERT_EQUAL(p.c->st.retransmits, 0);
    CU_ASSERT_EQUAL(p.c->st.dupacks_rx, 0);
    CU_ASSERT_EQUAL(p.c->cstate, TCP_DONE);
    pair_clear(&p);
}

/* Duration mode: new data until stop, then FIN once everything is acked. */
static void tcp_duration_mode_stops_sending_then_closes(void)
{
    TcpParams tp = params(0);
    tp.stop_ps = 5 * PS_PER_MS;
    Pair p;
    pair_init(&p, 50 * PS_PER_US, &tp);
    pair_run(&p, 100 * PS_PER_MS);
    const TcpStats *st = &p.c->st;
    CU_ASSERT_EQUAL(p.c->cstate, TCP_DONE);
    CU_ASSERT_EQUAL(p.c->sstate, TCP_CLOSED);
    CU_ASSERT_EQUAL(st->delivered, p.c->data_len);
    CU_ASSERT_EQUAL(st->delivered % MSS, 0);
    CU_ASSERT_TRUE(st->delivered > 100 * MSS);
    CU_ASSERT_TRUE(st->done_ps >= tp.stop_ps);
    CU_ASSERT_TRUE(st->done_ps < tp.stop_ps + 5 * PS_PER_MS);
    CU_ASSERT_EQUAL(st->retransmits, 0);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    pair_clear(&p);
}

/* ---- scripted loss, reordering, blackout ------------------------------------------- */

static void single_loss(bool sack)
{
    TcpParams tp = params(200 * MSS);
    tp.sack = sack;
    Pair p;
    pair_init(&p, 50 * PS_PER_US, &tp);
    script->drop_nth = 20;
    pair_run(&p, 2 * PS_PER_S);
    const TcpStats *st = &p.c->st;
    CU_ASSERT_EQUAL(st->recoveries, 1);
    CU_ASSERT_EQUAL(st->fast_retransmits, 1);
    CU_ASSERT_EQUAL(st->retransmits, 1);
    CU_ASSERT_EQUAL(st->spurious_fast, 0);
    CU_ASSERT_EQUAL(st->rto_events, 0);
    CU_ASSERT_TRUE(st->dupacks_rx >= TCP_DUPTHRESH);
    CU_ASSERT_EQUAL(st->delivered, 200 * MSS);
    CU_ASSERT_EQUAL(p.c->cstate, TCP_DONE);
    CU_ASSERT_FALSE(p.c->in_recovery);
    CU_ASSERT_EQUAL(p.sim->pool.in_use, 0);
    pair_clear(&p);
}

static void tcp_single_loss_is_one_fast_retransmit_no_rto_sack(void)
{
    single_loss(true);
}

static void tcp_single_loss_is_one_fast_retransmit_no_rto_newreno(void)
{
    single_loss(false);
}

/* Segment 21 arrives after 22, 23 and 24 (20 was ACKed at once: every
 * second segment is): three duplicate ACKs, a fast retransmit of a segment
 * that was not lost. With SACK nothing else is marked lost, so it is the
 * only retransmission. */
static void tcp_reordering_by_three_is_a_spurious_fast_retransmit(void)
{
    TcpParams tp = params(200 * MSS);
    Pair p;
    pair_init(&p, 50 * PS_PER_US, &tp);
    script->hold_nth = 21;
    script->hold_for = 3;
    pair_run(&p, 2 * PS_PER_S);
    const TcpStats *st = &p.c->st;
    CU_ASSERT_EQUAL(st->ooo_segs, 3);
    /* three for the hole, a fourth answering the needless retransmission */
    CU_ASSERT_EQUAL(st->dupacks_rx, 4);
    CU_ASSERT_EQUAL(st->recoveries, 1);
    CU_ASSERT_EQUAL(st->fast_retransmits, 1);
    CU_ASSERT_EQUAL(st->spurious_fast, 1);
    CU_ASSERT_EQUAL(st->retransmits, 1);
    CU_ASSERT_EQUAL(st->dup_segs, 1); /* the retransmission brought nothing */
    CU_ASSERT_EQUAL(st->rto_events, 0);
    CU_ASSERT_EQUAL(st->delivered, 200 * MSS);
    pair_clear(&p);
}

/* Reordered by two: two duplicate ACKs, below the threshold: nothing sent
 * again. */
static void tcp_reordering_by_two_is_tolerated(void)
{
    TcpParams tp = params(200 * MSS);
    Pair p;
    pair_init(&p, 50 * PS_PER_US, &tp);
    script->hold_nth = 21;
    script->hold_for = 2;
    pair_run(&p, 2 * PS_PER_S);
    CU_ASSERT_EQUAL(p.c->st.dupacks_rx, 2);
    CU_ASSERT_EQUAL(p.c->st.retransmits, 0);
    CU_ASSERT_EQUAL(p.c->st.delivered, 200 * MSS);
    pair_clear(&p);
}

/* Without SACK, NewReno treats every ACK below `recover` as partial and
 * retransmits the next segment: after a reordering, each of those is
 * spurious too, and the ground truth says so. */
static void tcp_newreno_reordering_retransmits_are_all_spurious(void)
{
    TcpParams tp = params(200 * MSS);
    tp.sack = false;
    Pair p;
    pair_init(&p, 50 * PS_PER_US, &tp);
    script->hold_nth = 21;
    script->hold_for = 3;
    pair_run(&p, 2 * PS_PER_S);
    const TcpStats *st = &p.c->st;
    CU_ASSERT_EQUAL(st->recoveries, 1);
    CU_ASSERT_TRUE(st->fast_retransmits >= 1);
    CU_ASSERT_EQUAL(st->spurious_fast, st->fast_retransmits);
    CU_ASSERT_EQUAL(st->rto_events, 0);
    CU_ASSERT_EQUAL(st->delivered, 200 * MSS);
    pair_clear(&p);
}

/* Nothing reaches h2 for 500 ms from 10 ms: the first RTO (computed from a
 * ~100 us RTT, so the 200 ms floor) fires and its retransmission is lost,
 * the timer doubles, the second gets through 600 ms after the last ACK,
 * which may have left up to 40 ms (delayed ACK) after the last delivery. */
static void tcp_blackout_longer_than_rto_backs_off(void)
{
    TcpParams tp = params(20000 * (uint64_t)MSS);
    tp.window = 64 * 1024;
    Pair p;
    pair_init(&p, 50 * PS_PER_US, &tp);
    script->black_from = 10 * PS_PER_MS;
    script->black_to = 510 * PS_PER_MS;
    pair_run(&p, 2 * PS_PER_S);
    const TcpStats *st = &p.c->st;
    CU_ASSERT_EQUAL(st->rto_events, 2);
    CU_ASSERT_EQUAL(st->max_backoff, 2);
    CU_ASSERT_EQUAL(p.c->rto_ps, TCP_RTO_MIN_PS);
    CU_ASSERT_EQUAL(st->fast_retransmits, 0);
    CU_ASSERT_TRUE(st->stall_from_ps < 10 * PS_PER_MS);
    CU_ASSERT_EQUAL(st->stall_rtos, 2);
    CU_ASSERT_EQUAL(st->stall_rto_ps, TCP_RTO_MIN_PS);
    /* The stall: the 200 ms + 400 ms the timer waited, the delayed ACK that
     * started it, under a ms of round trip and queue. */
    CU_ASSERT_TRUE(st->max_stall_ps >= 3 * TCP_RTO_MIN_PS);
    CU_ASSERT_TRUE(st->max_stall_ps < 3 * TCP_RTO_MIN_PS + TCP_DELACK_PS + PS_PER_MS);
    CU_ASSERT_EQUAL(st->delivered, 20000 * (uint64_t)MSS);
    CU_ASSERT_EQUAL(p.c->cstate, TCP_DONE);
    CU_ASSERT_TRUE(script->black_drops > 0);
    pair_clear(&p);
}

/* A lost SYN is sent again after the initial RTO of 1 s (RFC 6298 2.1). */
static void tcp_lost_syn_is_sent_again_after_one_second(void)
{
    TcpParams tp = params(1000);
    Pair p;
    pair_init(&p, 10 * PS_PER_US, &tp);
    script->black_from = 0;
    script->black_to = 500 * PS_PER_MS;
    pair_run(&p, 2 * PS_PER_S);
    const Seen *syn = tcp_nth(1, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(syn);
    CU_ASSERT_TRUE(syn->time_ps > TCP_RTO_INITIAL_PS);
    CU_ASSERT_TRUE(syn->time_ps < TCP_RTO_INITIAL_PS + PS_PER_MS);
    CU_ASSERT_EQUAL(p.c->syn_tx, 2);
    CU_ASSERT_EQUAL(p.c->st.rto_events, 1);
    CU_ASSERT_EQUAL(p.c->cstate, TCP_DONE);
    pair_clear(&p);
}

/* ---- end to end: the teaching scenarios --------------------------------------------- */

static Sim *run_scenario(const char *name, const char *set)
{
    g_autofree char *path = tl_scenario_path(name);
    const char *const sets[] = {set, NULL};
    return tl_scenario_run(path, NULL, sets, NULL);
}

static TcpConn *first_conn(Sim *sim)
{
    g_autoptr(GPtrArray) all = tcp_conns(sim);
    return all->len ? all->pdata[0] : NULL;
}

/* balance-rr over paths 1 ms apart: segments on eth1 arrive after the ones
 * sent later on eth0; the sender retransmits segments that were not lost.
 * The same transfer over active-backup: not one retransmission. */
static void tcp_balance_rr_unequal_paths_make_spurious_fast_retransmits(void)
{
    Sim *rr = run_scenario("tcp-balance-rr-reorder.ini", NULL);
    Sim *ab = run_scenario("tcp-balance-rr-reorder.ini",
                           "host.server.bond.bond0=mode=active-backup miimon=100");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ab);
    TcpConn *c = first_conn(rr), *d = first_conn(ab);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    CU_ASSERT_EQUAL(c->cstate, TCP_DONE);
    CU_ASSERT_TRUE(c->st.fast_retransmits >= 5);
    CU_ASSERT_EQUAL(c->st.spurious_fast, c->st.fast_retransmits); /* nothing was lost */
    CU_ASSERT_EQUAL(c->st.rto_events, 0);
    CU_ASSERT_TRUE(c->st.ooo_segs > c->st.fast_retransmits);
    CU_ASSERT_EQUAL(d->cstate, TCP_DONE);
    CU_ASSERT_EQUAL(d->st.retransmits, 0);
    CU_ASSERT_EQUAL(d->st.ooo_segs, 0);
    /* halving cwnd at every spurious recovery costs most of the goodput */
    CU_ASSERT_TRUE(tcp_goodput_bps(c) * 5 < tcp_goodput_bps(d));
    sim_free(rr);
    sim_free(ab);
}

/* Active-backup with downdelay: the failover comes ~0.3 s after the cut,
 * longer than the 200 ms RTO. The first timeout's retransmission dies on the
 * dead slave; data flows again only at the next, backed-off expiry. The
 * stall is predicted by the RTO: rto * (1 + 2 + ... + 2^(k-1)) for the k
 * expiries it took, the k-th being the first after the failover. */
static void tcp_active_backup_failover_beyond_rto_stalls_until_the_backed_off_rto(void)
{
    Sim *sim = run_scenario("tcp-active-backup-rto.ini", NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    TcpConn *c = first_conn(sim);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const TcpStats *st = &c->st;
    uint64_t fault = g_array_index(sim->faults, SimFault, 0).at_ps;
    uint64_t failover = tl_event_at(sim, SIM_EV_FAILOVER, NULL, fault + 1);
    CU_ASSERT_TRUE_FATAL(failover != G_MAXUINT64 && failover > fault);
    uint64_t rto = st->stall_rto_ps, k = st->stall_rtos;
    CU_ASSERT_TRUE(failover - fault > rto); /* the gap exceeds the RTO */
    CU_ASSERT_EQUAL(k, 2);
    CU_ASSERT_EQUAL(st->max_backoff, 2);
    CU_ASSERT_EQUAL(st->fast_retransmits, 0);
    uint64_t predicted = rto * ((UINT64_C(1) << k) - 1);
    /* the (k-1)-th expiry came before the failover, the k-th after it */
    CU_ASSERT_TRUE(st->stall_from_ps + rto * ((UINT64_C(1) << (k - 1)) - 1) < failover);
    CU_ASSERT_TRUE(st->stall_from_ps + predicted > failover);
    /* measured vs computed: within a round trip and a few serialisations */
    CU_ASSERT_TRUE(st->max_stall_ps >= predicted);
    CU_ASSERT_TRUE(st->max_stall_ps < predicted + 20 * PS_PER_MS);
    CU_ASSERT_TRUE(st->max_stall_ps > failover - fault);
    CU_ASSERT_EQUAL(c->cstate, TCP_DONE);
    CU_ASSERT_EQUAL(st->delivered, c->p.bytes);
    sim_free(sim);
}

/* The loader's refusals name the key and say why. */
static void tcp_scenario_refusals(void)
{
    static const struct {
        const char *set, *want;
    } cases[] = {
        {"traffic.bulk.tcp=server -> client bytes=1k stop=1s", "not both"},
        {"traffic.bulk.tcp=server -> server bytes=1k", "no other host"},
        {"traffic.bulk.tcp=server -> client mss=9000", "from 88 to 1460"},
        {"traffic.bulk.tcp=server -> client sack=maybe", "use on or off"},
        {"traffic.bulk.tcp=server -> client window=1", "outside mss"},
        {"traffic.bulk.tcp=server -> client rate=1M", "unknown option 'rate'"},
    };
    g_autofree char *path = tl_scenario_path("tcp-balance-rr-reorder.ini");
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char *const sets[] = {cases[i].set, NULL};
        GError *err = NULL;
        Sim *sim = tl_scenario_load(path, NULL, sets, &err);
        CU_ASSERT_PTR_NULL(sim);
        sim_free(sim);
        bool ok = err && strstr(err->message, cases[i].want) && strstr(err->message, "tcp");
        if (!ok)
            fprintf(stderr, "%s: %s\n", cases[i].set, err ? err->message : "accepted");
        CU_ASSERT_TRUE(ok);
        g_clear_error(&err);
    }
}

/* ---- the capture: comments, and Wireshark's reading of it ---------------------------- */

/* The balance-rr scenario's capture marks each fast retransmit; exported to
 * the client's interface, tshark finds every checksum good, nothing
 * malformed, and as many spurious retransmissions as the ground truth. */
static void tcp_capture_comments_and_wireshark_agree(void)
{
    g_autofree char *dir = cu_scratch_dir("tcp-capture");
    g_autofree char *ini = tl_scenario_path("tcp-balance-rr-reorder.ini");
    TlRun run = tl_bondsim("run", ini, "-q", "-o", dir, NULL);
    int code = run.code;
    tl_run_clear(&run);
    CU_ASSERT_EQUAL_FATAL(code, 0);
    g_autofree char *pcap = g_build_filename(dir, "tcp-balance-rr-reorder.pcapng", NULL);
    g_autofree char *json_path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *bytes = NULL, *json = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(pcap, &bytes, &len, NULL));
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(json_path, &json, NULL, NULL));
    const char *note = "bondsim: tcp-fast-retransmit bulk seq=";
    CU_ASSERT_TRUE(tl_contains(bytes, len, note));
    int64_t spurious = tl_json_int(json, NULL, "spurious_fast_retransmits");
    CU_ASSERT_TRUE(spurious > 0);
    CU_ASSERT_EQUAL(tl_json_int(json, NULL, "spurious_fast_retransmits"),
                    tl_json_int(json, NULL, "retransmits"));
    g_autofree char *tshark = g_find_program_in_path("tshark");
    if (!tshark) {
        printf(" (tshark not on PATH: Wireshark checks skipped) ");
        return;
    }
    g_autofree char *client = g_build_filename(dir, "client.pcapng", NULL);
    const char *const export[] = {"-Y", "frame.interface_name == \"client/eth0\"", "-w", client,
                                  NULL};
    TlRun r = tl_tshark_r(pcap, export);
    CU_ASSERT_EQUAL(r.code, 0); /* else the checks below would read nothing */
    tl_run_clear(&r);
    const char *const bad[] = {"-o", "tcp.check_checksum:TRUE", "-Y",
                               "tcp.checksum.status != 1 || _ws.malformed", NULL};
    r = tl_tshark_r(client, bad);
    CU_ASSERT_EQUAL(r.code, 0);
    CU_ASSERT_EQUAL(tl_count_newlines(r.out), 0);
    tl_run_clear(&r);
    const char *const spur[] = {"-Y", "tcp.analysis.spurious_retransmission", NULL};
    r = tl_tshark_r(client, spur);
    CU_ASSERT_EQUAL(r.code, 0);
    CU_ASSERT_EQUAL(tl_count_newlines(r.out), (guint)spurious);
    tl_run_clear(&r);
}

static CU_TestInfo cases[] = {
    {"tcp_handshake_bytes_and_flags_are_exact", tcp_handshake_bytes_and_flags_are_exact},
    {"tcp_without_sack_offers_no_sack_permitted", tcp_without_sack_offers_no_sack_permitted},
    {"tcp_slow_start_doubles_every_rtt", tcp_slow_start_doubles_every_rtt},
    {"tcp_duration_mode_stops_sending_then_closes", tcp_duration_mode_stops_sending_then_closes},
    {"tcp_single_loss_is_one_fast_retransmit_no_rto_sack",
     tcp_single_loss_is_one_fast_retransmit_no_rto_sack},
    {"tcp_single_loss_is_one_fast_retransmit_no_rto_newreno",
     tcp_single_loss_is_one_fast_retransmit_no_rto_newreno},
    {"tcp_reordering_by_three_is_a_spurious_fast_retransmit",
     tcp_reordering_by_three_is_a_spurious_fast_retransmit},
    {"tcp_reordering_by_two_is_tolerated", tcp_reordering_by_two_is_tolerated},
    {"tcp_newreno_reordering_retransmits_are_all_spurious",
     tcp_newreno_reordering_retransmits_are_all_spurious},
    {"tcp_blackout_longer_than_rto_backs_off", tcp_blackout_longer_than_rto_backs_off},
    {"tcp_lost_syn_is_sent_again_after_one_second", tcp_lost_syn_is_sent_again_after_one_second},
    {"tcp_balance_rr_unequal_paths_make_spurious_fast_retransmits",
     tcp_balance_rr_unequal_paths_make_spurious_fast_retransmits},
    {"tcp_active_backup_failover_beyond_rto_stalls_until_the_backed_off_rto",
     tcp_active_backup_failover_beyond_rto_stalls_until_the_backed_off_rto},
    {"tcp_scenario_refusals", tcp_scenario_refusals},
    {"tcp_capture_comments_and_wireshark_agree", tcp_capture_comments_and_wireshark_agree},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("tcp", cases);
}
