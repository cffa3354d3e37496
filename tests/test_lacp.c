/* test_lacp.c - sim/lacp (LACPDU/Marker bytes and the LACP machines) against
 * ../shared/reference/linux-bonding.md sections 7.1-7.9.
 *
 * The machines are driven without an engine: two LacpSystems ("A" and "B")
 * are cabled port i <-> port i through their tx callbacks. Both tick at the
 * same instants (two bonds opened together); a frame sent in a tick reaches
 * the far side a few microseconds later, i.e. after the far side's tick of
 * that instant: the test ticks A, ticks B, then delivers what was sent.
 * A "cut" direction drops frames (a partner that stops sending).
 */
#include "lacp/lacp.h"

#include "cu_run.h"

#include <glib.h>
#include <stdarg.h>
#include <string.h>

#define GBPS UINT64_C(1000000000)
#define MAX_Q 64

typedef struct {
    int port;
    uint8_t bytes[LACP_FRAME_LEN];
} Sent;

typedef struct Side Side;
struct Side {
    LacpSystem *sys;
    Side *peer;
    int peer_port[LACP_MAX_PORTS]; /* far port index, -1 = not cabled */
    Sent q[MAX_Q];
    int nq;
    bool mute; /* frames from this side are lost */
    /* what port 0 sent: actor/partner state per LACPDU and the tick */
    uint8_t actor_log[256], partner_log[256];
    int tick_log[256];
    int nlog;
    int cd_tick[LACP_MAX_PORTS]; /* first tick a port entered C+D, -1 none */
    int events[LACP_EV_COUNT];
    int now;
};

static void check(gboolean ok, int line, const char *what)
{
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__, "", CU_FALSE);
}

static void checkf(gboolean ok, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void checkf(gboolean ok, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    check(ok, line, text);
}

static void int_in(int v, int lo, int hi, int line, const char *what)
{
    checkf(v >= lo && v <= hi, line, "%s: %d in [%d, %d]", what, v, lo, hi);
}

#define INT_IN(v, lo, hi, what) int_in((int)(v), lo, hi, __LINE__, what)
#define INT_IS(v, want, what) INT_IN(v, want, want, what)

static void side_tx(void *ctx, int port, const uint8_t *frame, size_t len)
{
    Side *s = ctx;
    g_assert(len == LACP_FRAME_LEN && s->nq < MAX_Q);
    s->q[s->nq].port = port;
    memcpy(s->q[s->nq].bytes, frame, len);
    s->nq++;
    if (port == 0 && s->nlog < 256 && frame[14] == LACP_SUBTYPE_LACPDU) {
        s->actor_log[s->nlog] = frame[14 + 18];
        s->partner_log[s->nlog] = frame[14 + 38];
        s->tick_log[s->nlog] = s->now;
        s->nlog++;
    }
}

static void side_event(void *ctx, int port, LacpEvent ev)
{
    Side *s = ctx;
    s->events[ev]++;
    if (ev == LACP_EV_COLL_DIST_ON && port >= 0 && s->cd_tick[port] < 0)
        s->cd_tick[port] = s->now;
}

/* A system with n 1G ports, MACs 02:00:00:<id>:00:<port+1>. */
static void side_init(Side *s, uint8_t id, int n, bool fast, bool active, LacpSelect sel)
{
    memset(s, 0, sizeof(*s));
    LacpConfig cfg = {
        .sys_prio = 65535, .lacp_active = active, .lacp_fast = fast, .ad_select = sel};
    const uint8_t sysmac[6] = {0x02, 0x00, 0x00, id, 0x00, 0x01};
    memcpy(cfg.system, sysmac, 6);
    LacpCallbacks cb = {.ctx = s, .tx = side_tx, .event = side_event};
    s->sys = lacp_system_new(&cfg, &cb);
    for (int i = 0; i < LACP_MAX_PORTS; i++) {
        s->peer_port[i] = -1;
        s->cd_tick[i] = -1;
    }
    for (int i = 0; i < n; i++) {
        const uint8_t mac[6] = {0x02, 0x00, 0x00, id, 0x00, (uint8_t)(i + 1)};
        lacp_port_add(s->sys, mac, (uint16_t)(i + 1), 255);
    }
}

static void side_up(Side *s, int port, uint64_t speed)
{
    lacp_port_carrier(s->sys, port, true);
    lacp_port_link(s->sys, port, true, speed, true);
}

static void side_down(Side *s, int port)
{
    lacp_port_carrier(s->sys, port, false);
    lacp_port_link(s->sys, port, false, 0, true);
}

static void cable(Side *a, int pa, Side *b, int pb)
{
    a->peer = b;
    b->peer = a;
    a->peer_port[pa] = pb;
    b->peer_port[pb] = pa;
}

static void side_deliver(Side *s)
{
    for (int i = 0; i < s->nq; i++) {
        int far = s->peer_port[s->q[i].port];
        if (far >= 0 && !s->mute && s->peer)
            check(lacp_rx(s->peer->sys, far, s->q[i].bytes, LACP_FRAME_LEN), __LINE__,
                  "slow-protocol frame consumed");
    }
    s->nq = 0;
}

/* Runs `n` ticks of both sides. */
static void run(Side *a, Side *b, int n)
{
    for (int i = 0; i < n; i++) {
        lacp_tick(a->sys);
        if (b)
            lacp_tick(b->sys);
        side_deliver(a);
        if (b)
            side_deliver(b);
        a->now++;
        if (b)
            b->now++;
    }
}

/* ---- frames (7.1) ------------------------------------------------------------ */

/* A LACPDU written by hand from 7.1: actor 65535/02:00:00:0a:00:01 key 9
 * port prio 255 port 1 state 0x3f, partner 65535/02:00:00:0b:00:01 key 9
 * prio 255 port 2 state 0x3d. */
static const uint8_t ref_lacpdu[LACP_FRAME_LEN] = {
    0x01, 0x80, 0xc2, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x0a, 0x00, 0x07, 0x88, 0x09, /* eth */
    0x01, 0x01,                                                 /* subtype, version */
    0x01, 0x14, 0xff, 0xff, 0x02, 0x00, 0x00, 0x0a, 0x00, 0x01, /* actor: tlv, len, prio, sys */
    0x00, 0x09, 0x00, 0xff, 0x00, 0x01, 0x3f, 0x00, 0x00, 0x00, /* key, prio, port, state */
    0x02, 0x14, 0xff, 0xff, 0x02, 0x00, 0x00, 0x0b, 0x00, 0x01, /* partner */
    0x00, 0x09, 0x00, 0xff, 0x00, 0x02, 0x3d, 0x00, 0x00, 0x00, /* */
    0x03, 0x10, 0x00, 0x00,                                     /* collector, max delay 0 */
    /* 12 reserved, terminator 0/0, 50 reserved: all zero */
};

static LacpPdu ref_pdu(void)
{
    LacpPdu p = {
        .actor = {.sys_prio = 65535,
                  .system = {2, 0, 0, 0x0a, 0, 1},
                  .key = 9,
                  .port_prio = 255,
                  .port = 1,
                  .state = 0x3f},
        .partner = {.sys_prio = 65535,
                    .system = {2, 0, 0, 0x0b, 0, 1},
                    .key = 9,
                    .port_prio = 255,
                    .port = 2,
                    .state = 0x3d},
    };
    return p;
}

static void lacpdu_encode_matches_hand_built_frame(void)
{
    const uint8_t src[6] = {0x02, 0x00, 0x00, 0x0a, 0x00, 0x07};
    LacpPdu p = ref_pdu();
    uint8_t out[LACP_FRAME_LEN];
    memset(out, 0xaa, sizeof(out));
    lacp_lacpdu_encode(&p, src, out);
    for (int i = 0; i < LACP_FRAME_LEN; i++)
        if (out[i] != ref_lacpdu[i]) {
            checkf(FALSE, __LINE__, "byte %d: %02x want %02x", i, out[i], ref_lacpdu[i]);
            return;
        }
    check(TRUE, __LINE__, "124 bytes equal");
}

static bool info_equal(const LacpInfo *a, const LacpInfo *b)
{
    return a->sys_prio == b->sys_prio && memcmp(a->system, b->system, 6) == 0 && a->key == b->key &&
           a->port_prio == b->port_prio && a->port == b->port && a->state == b->state;
}

static void lacpdu_decode_round_trip(void)
{
    LacpPdu got;
    check(lacp_lacpdu_decode(ref_lacpdu, sizeof(ref_lacpdu), &got), __LINE__, "decodes");
    LacpPdu want = ref_pdu();
    check(info_equal(&got.actor, &want.actor), __LINE__, "actor");
    check(info_equal(&got.partner, &want.partner), __LINE__, "partner");
    INT_IS(lacp_frame_subtype(ref_lacpdu, sizeof(ref_lacpdu)), 1, "subtype");
    uint8_t bad[LACP_FRAME_LEN];
    memcpy(bad, ref_lacpdu, sizeof(bad));
    bad[14 + 3] = 19; /* actor TLV length */
    check(!lacp_lacpdu_decode(bad, sizeof(bad), &got), __LINE__, "bad TLV length refused");
    check(!lacp_lacpdu_decode(ref_lacpdu, 60, &got), __LINE__, "short frame refused");
    memcpy(bad, ref_lacpdu, sizeof(bad));
    bad[5] = 0x03; /* another group address */
    INT_IS(lacp_frame_subtype(bad, sizeof(bad)), 0, "not for the slow-protocols address");
}

/* 7.1: Linux answers an information PDU with a copy whose TLV type is 2,
 * from the receiving port's permanent MAC. */
static void marker_info_answered_with_response(void)
{
    Side a;
    side_init(&a, 0x0a, 2, true, true, LACP_SELECT_STABLE);
    LacpMarker m = {.tlv_type = LACP_MARKER_INFO,
                    .requester_port = 7,
                    .requester_system = {2, 0, 0, 0x0b, 0, 1},
                    .transaction_id = 0x01020304};
    const uint8_t src[6] = {2, 0, 0, 0x0b, 0, 9};
    uint8_t in[LACP_FRAME_LEN];
    lacp_marker_encode(&m, src, in);
    INT_IS(in[14], 2, "subtype marker");
    INT_IS(in[16], 1, "information TLV");
    INT_IS(in[17], 16, "TLV length");
    INT_IS(in[18 + 1], 7, "requester port");
    INT_IS(in[14 + 15], 4, "transaction id low byte");
    check(lacp_rx(a.sys, 1, in, sizeof(in)), __LINE__, "marker consumed");
    INT_IS(a.nq, 1, "one response");
    const uint8_t *out = a.q[0].bytes;
    const uint8_t port_mac[6] = {2, 0, 0, 0x0a, 0, 2};
    check(memcmp(out + 6, port_mac, 6) == 0, __LINE__, "source = permanent MAC of port 2");
    check(memcmp(out, lacp_slow_proto_mac, 6) == 0, __LINE__, "to 01:80:c2:00:00:02");
    INT_IS(out[16], LACP_MARKER_RESPONSE, "response TLV");
    check(memcmp(out + 17, in + 17, LACP_FRAME_LEN - 17) == 0, __LINE__, "rest copied");
    LacpMarker back;
    check(lacp_marker_decode(out, LACP_FRAME_LEN, &back), __LINE__, "response decodes");
    INT_IS(back.transaction_id == 0x01020304, 1, "transaction id");
    INT_IS((int)lacp_port_stats(a.sys, 1)->marker_rx, 1, "marker_rx");
    INT_IS((int)lacp_port_stats(a.sys, 1)->marker_resp_tx, 1, "marker_resp_tx");
    lacp_system_free(a.sys);
}

static void keys_from_speed_and_duplex(void)
{
    INT_IS(lacp_port_key(0, GBPS, true, true), 9, "1G full");
    INT_IS(lacp_port_key(0, 10 * GBPS, true, true), 15, "10G full");
    INT_IS(lacp_port_key(0, 25 * GBPS, true, true), 21, "25G full");
    INT_IS(lacp_port_key(0, 100 * GBPS, true, true), 29, "100G full");
    INT_IS(lacp_port_key(0, 100 * GBPS, true, false), 0, "link down");
    INT_IS(lacp_port_key(5, GBPS, true, true), (5 << 6) | 9, "user key");
    INT_IS(lacp_speed_code(3 * GBPS), 0, "unknown speed");
}

/* ---- machines ------------------------------------------------------------------- */

static bool log_has_sequence(const Side *s, const uint8_t *seq, int n)
{
    int k = 0;
    for (int i = 0; i < s->nlog && k < n; i++)
        if (s->actor_log[i] == seq[k])
            k++;
    return k == n;
}

static void converge_pair(bool fast, const uint8_t *seq)
{
    Side a, b;
    side_init(&a, 0x0a, 2, fast, true, LACP_SELECT_STABLE);
    side_init(&b, 0x0b, 2, fast, true, LACP_SELECT_STABLE);
    for (int i = 0; i < 2; i++) {
        cable(&a, i, &b, i);
        side_up(&a, i, GBPS);
        side_up(&b, i, GBPS);
    }
    lacp_system_open(a.sys);
    lacp_system_open(b.sys);
    run(&a, &b, 60);
    check(log_has_sequence(&a, seq, 4), __LINE__, "actor state progression on the wire");
    INT_IS(a.actor_log[0] & 0x40, 0x40, "first LACPDU defaulted");
    for (int i = 0; i < 2; i++) {
        /* 7.9: C+D 22-25 ticks after link-up, whatever the rate */
        INT_IN(a.cd_tick[i], 20, 25, "A port C+D tick");
        INT_IN(b.cd_tick[i], 20, 25, "B port C+D tick");
        check(lacp_port_enabled(a.sys, i) && lacp_port_enabled(b.sys, i), __LINE__, "enabled");
    }
    INT_IS(lacp_port_aggregator(a.sys, 0), lacp_port_aggregator(a.sys, 1), "one aggregator");
    INT_IS(lacp_active_agg_link_up_ports(a.sys), 2, "two ports in the active aggregator");
    check(lacp_active_agg_has_partner(a.sys), __LINE__, "partner");
    INT_IS(lacp_port_partner_state(a.sys, 0), seq[3], "partner state = B's");
    lacp_system_free(a.sys);
    lacp_system_free(b.sys);
}

static void fast_rate_converges_c7_07_0f_3f(void)
{
    const uint8_t seq[4] = {0xc7, 0x07, 0x0f, 0x3f};
    converge_pair(true, seq);
}

static void slow_rate_converges_c5_05_0d_3d(void)
{
    const uint8_t seq[4] = {0xc5, 0x05, 0x0d, 0x3d};
    converge_pair(false, seq);
}

/* 7.6: fast LACPDUs are spaced 9, 9, 12 ticks (the 3-tick gate), slow 300. */
static void lacpdu_spacing_follows_the_gate(void)
{
    for (int fast = 1; fast >= 0; fast--) {
        Side a, b;
        side_init(&a, 0x0a, 1, fast, true, LACP_SELECT_STABLE);
        side_init(&b, 0x0b, 1, fast, true, LACP_SELECT_STABLE);
        cable(&a, 0, &b, 0);
        side_up(&a, 0, GBPS);
        side_up(&b, 0, GBPS);
        lacp_system_open(a.sys);
        lacp_system_open(b.sys);
        run(&a, &b, fast ? 100 : 1000);
        int n = a.nlog;
        if (fast) {
            int sum = 0, gaps = 0;
            for (int i = n - 6; i < n; i++) {
                int g = a.tick_log[i] - a.tick_log[i - 1];
                checkf(g == 9 || g == 12, __LINE__, "fast gap %d", g);
                sum += g;
                gaps++;
            }
            INT_IS(sum, 60, "six gaps average 10 ticks");
        } else {
            INT_IS(a.tick_log[n - 1] - a.tick_log[n - 2], 300, "slow gap");
        }
        lacp_system_free(a.sys);
        lacp_system_free(b.sys);
    }
}

/* 7.5/7.9: the partner goes silent with link up: fast rate expires after 30
 * ticks, DEFAULTED 30 later; the port stops carrying traffic at expiry. */
static void silent_partner_expires_then_defaults(void)
{
    Side a, b;
    side_init(&a, 0x0a, 1, true, true, LACP_SELECT_STABLE);
    side_init(&b, 0x0b, 1, true, true, LACP_SELECT_STABLE);
    cable(&a, 0, &b, 0);
    side_up(&a, 0, GBPS);
    side_up(&b, 0, GBPS);
    lacp_system_open(a.sys);
    lacp_system_open(b.sys);
    run(&a, &b, 60);
    check(lacp_port_distributing(a.sys, 0), __LINE__, "converged");
    b.mute = true;
    int t0 = a.now;
    int expired_at = -1, defaulted_at = -1;
    for (int i = 0; i < 80; i++) {
        int e = a.events[LACP_EV_EXPIRED], d = a.events[LACP_EV_DEFAULTED];
        run(&a, &b, 1);
        if (a.events[LACP_EV_EXPIRED] > e)
            expired_at = a.now - 1 - t0;
        if (a.events[LACP_EV_DEFAULTED] > d)
            defaulted_at = a.now - 1 - t0;
    }
    /* the last LACPDU from B arrived up to 12 ticks before the mute */
    INT_IN(expired_at, 18, 31, "ticks from silence to EXPIRED");
    INT_IS(defaulted_at - expired_at, 30, "EXPIRED -> DEFAULTED");
    check(!lacp_port_distributing(a.sys, 0), __LINE__, "not distributing");
    INT_IS(lacp_port_partner_state(a.sys, 0), 0, "partner defaults");
    INT_IS(lacp_port_actor_state(a.sys, 0) & 0xc0, 0x40, "actor defaulted");
    /* 7.5 recovery: the path heals; B (also defaulted, slow) sends within
     * 300 ticks; A is re-selected into the partnered aggregator before its
     * mux runs, so no wait_while: C+D a few ticks after the first PDU */
    b.mute = false;
    a.cd_tick[0] = -1;
    uint64_t rx0 = lacp_port_stats(a.sys, 0)->lacpdu_rx;
    int first_rx = -1;
    for (int i = 0; i < 400 && a.cd_tick[0] < 0; i++) {
        run(&a, &b, 1);
        if (first_rx < 0 && lacp_port_stats(a.sys, 0)->lacpdu_rx > rx0)
            first_rx = a.now - 1;
    }
    check(first_rx >= 0, __LINE__, "a LACPDU arrives once the path heals");
    INT_IN(a.cd_tick[0] - first_rx, 0, 8, "C+D soon after the first PDU (no wait_while)");
    lacp_system_free(a.sys);
    lacp_system_free(b.sys);
}

/* 13.3: no partner at all: the first port carries traffic from the first
 * tick (partner-less active aggregator), LACPDUs every 300 ticks after 30
 * ticks of fast ones, states 0x4f (active aggregator's port) / 0x47. */
static void no_partner_first_port_enabled(void)
{
    Side a;
    side_init(&a, 0x0a, 2, true, true, LACP_SELECT_STABLE);
    side_up(&a, 0, GBPS);
    side_up(&a, 1, GBPS);
    lacp_system_open(a.sys);
    run(&a, NULL, 1);
    check(lacp_port_enabled(a.sys, 0), __LINE__, "port 1 enabled at the first tick");
    check(!lacp_port_enabled(a.sys, 1), __LINE__, "port 2 idle");
    run(&a, NULL, 700);
    INT_IS(lacp_port_actor_state(a.sys, 0), 0x4f, "active aggregator's port");
    INT_IS(lacp_port_actor_state(a.sys, 1), 0x47, "other port");
    check(lacp_port_aggregator(a.sys, 0) != lacp_port_aggregator(a.sys, 1), __LINE__,
          "partner-less ports never share an aggregator");
    int n = a.nlog;
    INT_IS(a.tick_log[n - 1] - a.tick_log[n - 2], 300, "slow LACPDUs when defaulted");
    INT_IS(a.partner_log[n - 1], 0, "partner state 0");
    /* 7.9 churn: the partner's Sync never came */
    INT_IS((int)lacp_port_stats(a.sys, 0)->churn_partner, 1, "partner churn counted");
    INT_IS((int)lacp_port_stats(a.sys, 0)->churn_actor, 0, "actor in sync: no actor churn");
    INT_IS((int)lacp_port_stats(a.sys, 1)->churn_actor, 1, "idle port: actor churn");
    lacp_system_free(a.sys);
}

/* 7.6: a passive port (lacp_active off) sends no periodic LACPDU of its own
 * but answers an active partner, and the pair aggregates. (Two passive
 * ports are silent: a LACPDU leaves only when our Activity bit or the
 * recorded partner's is set.) */
static void passive_answers_active_partner(void)
{
    Side a, b;
    side_init(&a, 0x0a, 1, true, false, LACP_SELECT_STABLE);
    side_init(&b, 0x0b, 1, true, true, LACP_SELECT_STABLE);
    cable(&a, 0, &b, 0);
    side_up(&a, 0, GBPS);
    side_up(&b, 0, GBPS);
    lacp_system_open(a.sys);
    lacp_system_open(b.sys);
    run(&a, &b, 60);
    check(lacp_port_distributing(a.sys, 0) && lacp_port_distributing(b.sys, 0), __LINE__,
          "passive + active aggregate");
    INT_IS(a.actor_log[a.nlog - 1], 0x3e, "passive actor state: no Activity bit");
    lacp_system_free(a.sys);
    lacp_system_free(b.sys);
}

/* 7.7: A has port 1 (10G) to partner B and ports 2, 3 (1G) to partner C. */
static int select_winner_late(LacpSelect sel, int late);

static int select_winner(LacpSelect sel)
{
    return select_winner_late(sel, 0);
}

/* A's port 1 (speed `speed1`) to partner B, ports 2 and 3 (1G) to partner
 * C; ports 2 and 3 come up `late` ticks after port 1; 80 + late ticks run. */
static void select_trio(Side *a, Side *b, Side *c, LacpSelect sel, uint64_t speed1, int late)
{
    side_init(a, 0x0a, 3, true, true, sel);
    side_init(b, 0x0b, 1, true, true, LACP_SELECT_STABLE);
    side_init(c, 0x0c, 2, true, true, LACP_SELECT_STABLE);
    /* two partners: deliver A's frames to whichever side the port goes to */
    cable(a, 0, b, 0);
    side_up(a, 0, speed1);
    side_up(b, 0, speed1);
    lacp_system_open(a->sys);
    lacp_system_open(b->sys);
    lacp_system_open(c->sys);
    for (int t = 0; t < 80 + late; t++) {
        if (t == late)
            for (int i = 1; i < 3; i++) {
                side_up(a, i, GBPS);
                side_up(c, i - 1, GBPS);
            }
        lacp_tick(a->sys);
        lacp_tick(b->sys);
        lacp_tick(c->sys);
        for (int i = 0; i < a->nq; i++) {
            int p = a->q[i].port;
            lacp_rx(p == 0 ? b->sys : c->sys, p == 0 ? 0 : p - 1, a->q[i].bytes, LACP_FRAME_LEN);
        }
        for (int i = 0; i < b->nq; i++)
            lacp_rx(a->sys, 0, b->q[i].bytes, LACP_FRAME_LEN);
        for (int i = 0; i < c->nq; i++)
            lacp_rx(a->sys, c->q[i].port + 1, c->q[i].bytes, LACP_FRAME_LEN);
        a->nq = b->nq = c->nq = 0;
    }
}

static void select_trio_free(Side *a, Side *b, Side *c)
{
    lacp_system_free(a->sys);
    lacp_system_free(b->sys);
    lacp_system_free(c->sys);
}

/* Ports 2 and 3 come up `late` ticks after port 1. */
static int select_winner_late(LacpSelect sel, int late)
{
    Side a, b, c;
    select_trio(&a, &b, &c, sel, 10 * GBPS, late);
    int active = lacp_active_aggregator(a.sys);
    int winner = active == lacp_port_aggregator(a.sys, 0)   ? 1
                 : active == lacp_port_aggregator(a.sys, 1) ? 2
                                                            : 0;
    check(lacp_port_aggregator(a.sys, 1) == lacp_port_aggregator(a.sys, 2), __LINE__,
          "ports 2 and 3 aggregate");
    select_trio_free(&a, &b, &c);
    return winner;
}

/* 7.7 bandwidth = link-up ports x the speed of the aggregator's first port,
 * and a port whose link is down (or whose speed has no 7.3 code) has speed 0 (the kernel's link
 * speed of a slave not UP). All 1G, ad_select=bandwidth: C's LAG (ports 2, 3: 2000) beats B's (port
 * 1: 1000). Ports 2 and 3 join C's LAG in port order, each at the head of the list, so port 3 is
 * its first port. Port 3 down: one link-up port x speed 0 = 0 < 1000, B's LAG wins at once. Port 2
 * down instead: 1 x 1000 = 1000, a tie, and ties keep the active. */
static void ad_select_bandwidth_ignores_a_down_first_port(void)
{
    Side a, b, c;
    select_trio(&a, &b, &c, LACP_SELECT_BANDWIDTH, GBPS, 0);
    int lag_b = lacp_port_aggregator(a.sys, 0), lag_c = lacp_port_aggregator(a.sys, 1);
    INT_IS(lacp_active_aggregator(a.sys), lag_c, "2 x 1G active");
    side_down(&a, 2);
    INT_IS(lacp_active_aggregator(a.sys), lag_b, "first port down: 0 bandwidth, B's LAG wins");
    select_trio_free(&a, &b, &c);

    select_trio(&a, &b, &c, LACP_SELECT_BANDWIDTH, GBPS, 0);
    lag_c = lacp_port_aggregator(a.sys, 1);
    side_down(&a, 1);
    INT_IS(lacp_active_aggregator(a.sys), lag_c, "other port down: a tie keeps C's LAG");
    select_trio_free(&a, &b, &c);

    /* A speed without a 7.3 code (3 Gb/s) counts 0: B's 1 x 3000 would
     * beat C's 2 x 1000, but reads 0, so C's LAG wins. */
    select_trio(&a, &b, &c, LACP_SELECT_BANDWIDTH, 3 * GBPS, 0);
    INT_IS(lacp_active_aggregator(a.sys), lacp_port_aggregator(a.sys, 1),
           "uncoded speed: 0 bandwidth, C's LAG wins");
    select_trio_free(&a, &b, &c);
}

static void ad_select_count_prefers_more_ports(void)
{
    INT_IS(select_winner(LACP_SELECT_COUNT), 2, "count: the two-port aggregator");
}

static void ad_select_bandwidth_prefers_10g(void)
{
    INT_IS(select_winner(LACP_SELECT_BANDWIDTH), 1, "bandwidth: 10G beats 2 x 1G");
}

/* stable keeps an active aggregator that has a partner even when a better
 * one forms later; count and bandwidth move to the better one. */
static void ad_select_stable_keeps_current_active(void)
{
    INT_IS(select_winner_late(LACP_SELECT_STABLE, 60), 1, "stable: the first LAG stays");
    INT_IS(select_winner_late(LACP_SELECT_COUNT, 60), 2, "count: moves to two ports");
}

/* A link cut: the port leaves C+D at once, comes back 22-25 ticks after
 * link-up; the rest of the aggregate keeps going. */
static void link_cut_and_return(void)
{
    Side a, b;
    side_init(&a, 0x0a, 2, true, true, LACP_SELECT_STABLE);
    side_init(&b, 0x0b, 2, true, true, LACP_SELECT_STABLE);
    for (int i = 0; i < 2; i++) {
        cable(&a, i, &b, i);
        side_up(&a, i, GBPS);
        side_up(&b, i, GBPS);
    }
    lacp_system_open(a.sys);
    lacp_system_open(b.sys);
    run(&a, &b, 60);
    side_down(&a, 1);
    side_down(&b, 1);
    check(!lacp_port_enabled(a.sys, 1), __LINE__, "cut port disabled at once");
    run(&a, &b, 50);
    check(lacp_port_enabled(a.sys, 0), __LINE__, "other port still carries");
    INT_IS(lacp_active_agg_link_up_ports(a.sys), 1, "one link-up port");
    a.cd_tick[1] = b.cd_tick[1] = -1;
    int t_up = a.now;
    side_up(&a, 1, GBPS);
    side_up(&b, 1, GBPS);
    run(&a, &b, 60);
    INT_IN(a.cd_tick[1] - t_up, 20, 26, "C+D after link return");
    INT_IS(lacp_active_agg_link_up_ports(a.sys), 2, "both back");
    lacp_system_free(a.sys);
    lacp_system_free(b.sys);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"lacpdu_encode_matches_hand_built_frame", lacpdu_encode_matches_hand_built_frame},
        {"lacpdu_decode_round_trip", lacpdu_decode_round_trip},
        {"marker_info_answered_with_response", marker_info_answered_with_response},
        {"keys_from_speed_and_duplex", keys_from_speed_and_duplex},
        {"fast_rate_converges_c7_07_0f_3f", fast_rate_converges_c7_07_0f_3f},
        {"slow_rate_converges_c5_05_0d_3d", slow_rate_converges_c5_05_0d_3d},
        {"lacpdu_spacing_follows_the_gate", lacpdu_spacing_follows_the_gate},
        {"silent_partner_expires_then_defaults", silent_partner_expires_then_defaults},
        {"no_partner_first_port_enabled", no_partner_first_port_enabled},
        {"passive_answers_active_partner", passive_answers_active_partner},
        {"ad_select_count_prefers_more_ports", ad_select_count_prefers_more_ports},
        {"ad_select_bandwidth_prefers_10g", ad_select_bandwidth_prefers_10g},
        {"ad_select_stable_keeps_current_active", ad_select_stable_keeps_current_active},
        {"ad_select_bandwidth_ignores_a_down_first_port",
         ad_select_bandwidth_ignores_a_down_first_port},
        {"link_cut_and_return", link_cut_and_return},
        CU_TEST_INFO_NULL,
    };
    return cu_run("lacp", cases);
}
