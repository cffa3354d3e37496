/* test_generators.c - UDP generators of sim/traffic/flow.c: Poisson, on/off,
 * size lists and IMIX, RTP-shaped payloads, and the scenario options that
 * select them (gen=, on=, off=, size=, sizes=, vary=, rtp=).
 *
 * Two hosts back to back (h1 10.0.0.1, h2 10.0.0.2); h2's NIC has a tap that
 * copies every frame it receives before handing it to host_rx().
 */
#include "host.h"

#include "cu_run.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "testlib.h"
#include "traffic/flow.h"
#include "util/bytes.h"
#include "util/units.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define MBPS UINT64_C(1000000)

typedef struct {
    uint64_t time_ps;
    uint32_t len;
    uint8_t data[1536];
} TapFrame;

static GArray *tap_log; /* UDP frames received by h2, tagged ones included */

static void tap_rx(Sim *sim, Nic *nic, Frame *f)
{
    uint32_t vl = f->len >= ETH_HLEN + 4 && get_be16(f->data + 12) == ETH_P_8021Q ? 4 : 0;
    if (f->len >= ETH_HLEN + vl + 28 && get_be16(f->data + 12 + vl) == ETH_P_IP &&
        f->data[ETH_HLEN + vl + 9] == 17) {
        TapFrame t = {sim->eng.now_ps, f->len, {0}};
        memcpy(t.data, f->data, MIN(f->len, sizeof(t.data)));
        g_array_append_val(tap_log, t);
    }
    host_rx(sim, nic->owner, f);
}

static const TapFrame *tap_at(guint i)
{
    return &g_array_index(tap_log, TapFrame, i);
}

typedef struct {
    Sim *sim;
    Host *h1, *h2;
} Pair;

static void pair_init(Pair *p, uint64_t seed)
{
    tap_log = g_array_new(FALSE, FALSE, sizeof(TapFrame));
    p->sim = sim_new("t", seed);
    p->sim->cap = capture_new(CAPTURE_NONE, "unused", 0, NULL, NULL);
    tl_ip_pair(p->sim, PS_PER_US, NULL, tap_rx, &p->h1, &p->h2);
}

static void pair_clear(Pair *p)
{
    sim_free(p->sim);
    g_array_free(tap_log, TRUE);
    tap_log = NULL;
}

static Flow *add_udp(Pair *p, const char *name, uint64_t rate, uint32_t payload)
{
    Flow *fl = flow_new(name, FLOW_UDP, p->h1, tl_ip2);
    fl->index = (int)p->sim->flows->len;
    g_ptr_array_add(p->sim->flows, fl);
    flow_set_udp(fl, rate, payload, 40000, 5001);
    return fl;
}

static void run(Pair *p, uint64_t end_ps)
{
    for (guint i = 0; i < p->sim->flows->len; i++)
        flow_start(p->sim, g_ptr_array_index(p->sim->flows, i));
    engine_run(&p->sim->eng, p->sim, end_ps);
}

static uint32_t tap_udp_payload_len(const TapFrame *t)
{
    return get_be16(t->data + ETH_HLEN + 20 + 4) - 8u;
}

/* ---- Poisson ------------------------------------------------------------- */

/* 100-byte payload: 166 bytes on the wire, 1328 bits, 132.8 us at 10 Mb/s. */
static uint64_t poisson_arrivals(uint64_t seed, GArray *times)
{
    Pair p;
    pair_init(&p, seed);
    Flow *fl = add_udp(&p, "pois", 10 * MBPS, 100);
    fl->gen = FLOW_GEN_POISSON;
    fl->stop_ps = 2 * PS_PER_S;
    run(&p, 2 * PS_PER_S + PS_PER_MS);
    for (guint i = 0; times && i < tap_log->len; i++)
        g_array_append_val(times, tap_at(i)->time_ps);
    uint64_t sent = fl->sent;
    pair_clear(&p);
    return sent;
}

static void poisson_mean_rate_and_determinism(void)
{
    g_autoptr(GArray) a = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    g_autoptr(GArray) b = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    g_autoptr(GArray) c = g_array_new(FALSE, FALSE, sizeof(uint64_t));
    uint64_t n = poisson_arrivals(1, a);
    /* expected 2 s / 132.8 us = 15060; sd sqrt(15060) = 123: allow 3% (3.7 sd) */
    double expect = 2e12 / 132.8e6;
    CU_ASSERT_TRUE(fabs((double)n - expect) < 0.03 * expect);
    CU_ASSERT_EQUAL(a->len, n);
    /* exponential gaps: their coefficient of variation is near 1 (constant: 0) */
    double sum = 0, sum2 = 0;
    for (guint i = 1; i < a->len; i++) {
        double d = (double)(g_array_index(a, uint64_t, i) - g_array_index(a, uint64_t, i - 1));
        sum += d;
        sum2 += d * d;
    }
    double m = sum / (a->len - 1), cv = sqrt(sum2 / (a->len - 1) - m * m) / m;
    CU_ASSERT_TRUE(cv > 0.9 && cv < 1.1);
    /* the same seed gives the same arrivals; another seed other ones */
    CU_ASSERT_EQUAL(poisson_arrivals(1, b), n);
    CU_ASSERT_EQUAL(a->len, b->len);
    CU_ASSERT_EQUAL(memcmp(a->data, b->data, a->len * sizeof(uint64_t)), 0);
    poisson_arrivals(2, c);
    CU_ASSERT_TRUE(c->len != a->len || memcmp(a->data, c->data, a->len * sizeof(uint64_t)) != 0);
}

/* ---- on/off -------------------------------------------------------------- */

/* 132.8 us interval, on=1ms off=1ms: ceil(1 ms / 132.8 us) = 8 per on-period,
 * 5 periods in 10 ms, none in the off-periods. */
static void onoff_exact_counts_per_period(void)
{
    Pair p;
    pair_init(&p, 1);
    Flow *fl = add_udp(&p, "burst", 10 * MBPS, 100);
    fl->gen = FLOW_GEN_ONOFF;
    fl->on_ps = PS_PER_MS;
    fl->off_ps = PS_PER_MS;
    fl->stop_ps = 10 * PS_PER_MS;
    run(&p, 11 * PS_PER_MS);
    CU_ASSERT_EQUAL(fl->sent, 40);
    CU_ASSERT_EQUAL(tap_log->len, 40);
    int per[5] = {0};
    for (guint i = 0; i < tap_log->len; i++) {
        uint64_t sent = get_be64(tap_at(i)->data + ETH_HLEN + 28 + 16) * PS_PER_NS;
        uint64_t k = sent / (2 * PS_PER_MS);
        CU_ASSERT_TRUE(sent % (2 * PS_PER_MS) < PS_PER_MS); /* in an on-period */
        if (k < 5)
            per[k]++;
    }
    for (int k = 0; k < 5; k++)
        CU_ASSERT_EQUAL(per[k], 8);
    pair_clear(&p);
}

/* ---- sizes --------------------------------------------------------------- */

static void imix_proportions_exact_over_a_cycle(void)
{
    Pair p;
    pair_init(&p, 1);
    Flow *fl = add_udp(&p, "imix", 100 * MBPS, 0);
    flow_set_sizes(fl, FLOW_IMIX_PAYLOADS, FLOW_IMIX_CYCLE, false);
    run(&p, 2 * PS_PER_MS);
    CU_ASSERT_TRUE_FATAL(tap_log->len >= 2 * FLOW_IMIX_CYCLE);
    int n40 = 0, n576 = 0, n1500 = 0;
    for (guint i = 0; i < 2 * FLOW_IMIX_CYCLE; i++) {
        uint16_t ip_len = get_be16(tap_at(i)->data + ETH_HLEN + 2);
        n40 += ip_len == 40;
        n576 += ip_len == 576;
        n1500 += ip_len == 1500;
    }
    CU_ASSERT_EQUAL(n40, 14);
    CU_ASSERT_EQUAL(n576, 8);
    CU_ASSERT_EQUAL(n1500, 2);
    pair_clear(&p);
}

static void size_list_cycled_and_random(void)
{
    static const uint32_t list[] = {64, 512, 1472};
    Pair p;
    pair_init(&p, 1);
    Flow *fl = add_udp(&p, "list", 100 * MBPS, 0);
    flow_set_sizes(fl, list, 3, false);
    run(&p, PS_PER_MS);
    CU_ASSERT_TRUE_FATAL(tap_log->len >= 6);
    for (guint i = 0; i < tap_log->len; i++)
        CU_ASSERT_EQUAL(tap_udp_payload_len(tap_at(i)), list[i % 3]);
    /* each gap follows the packet's own size (send times, BSIM header, ns) */
    for (guint i = 0; i + 1 < 6; i++) {
        uint64_t t0 = get_be64(tap_at(i)->data + ETH_HLEN + 28 + 16);
        uint64_t t1 = get_be64(tap_at(i + 1)->data + ETH_HLEN + 28 + 16);
        uint64_t bits = frame_wire_bits(ETH_HLEN + 28 + list[i % 3]);
        CU_ASSERT_EQUAL(t1 - t0, bits * PS_PER_S / (100 * MBPS) / PS_PER_NS);
    }
    pair_clear(&p);

    /* random: every size from the list, all three seen, same per seed */
    uint32_t first[64];
    for (int round = 0; round < 2; round++) {
        pair_init(&p, 7);
        fl = add_udp(&p, "list", 100 * MBPS, 0);
        flow_set_sizes(fl, list, 3, true);
        run(&p, 10 * PS_PER_MS);
        CU_ASSERT_TRUE_FATAL(tap_log->len >= 64);
        bool seen[3] = {false, false, false};
        bool cyclic = true;
        for (guint i = 0; i < 64; i++) {
            uint32_t len = tap_udp_payload_len(tap_at(i));
            for (int j = 0; j < 3; j++)
                seen[j] = seen[j] || len == list[j];
            CU_ASSERT_TRUE(len == 64 || len == 512 || len == 1472);
            cyclic = cyclic && len == list[i % 3];
            if (round == 0)
                first[i] = len;
            else
                CU_ASSERT_EQUAL(len, first[i]);
        }
        CU_ASSERT_TRUE(seen[0] && seen[1] && seen[2]);
        CU_ASSERT_FALSE(cyclic);
        pair_clear(&p);
    }
}

/* ---- RTP ------------------------------------------------------------------ */

static void rtp_header_bytes_exact(void)
{
    Pair p;
    pair_init(&p, 1);
    Flow *fl = add_udp(&p, "voice", 10 * MBPS, 172);
    flow_set_rtp(fl, true);
    fl->start_ps = 3 * PS_PER_MS;
    run(&p, 4 * PS_PER_MS);
    CU_ASSERT_TRUE_FATAL(tap_log->len >= 3);
    for (guint i = 0; i < 3; i++) {
        const uint8_t *u = tap_at(i)->data + ETH_HLEN + 28;
        uint64_t sent_ns = get_be64(u + 12 + 16);
        CU_ASSERT_EQUAL(tap_udp_payload_len(tap_at(i)), 172);
        CU_ASSERT_EQUAL(u[0], 0x80);
        CU_ASSERT_EQUAL(u[1], 96);
        CU_ASSERT_EQUAL(get_be16(u + 2), i);
        CU_ASSERT_EQUAL(get_be32(u + 4), sent_ns / 1000 * 9 / 100);
        CU_ASSERT_EQUAL(get_be32(u + 8), g_str_hash("voice"));
        CU_ASSERT_EQUAL(memcmp(u + 12, "BSIM", 4), 0);
        CU_ASSERT_EQUAL(get_be32(u + 16), (uint32_t)fl->index);
        CU_ASSERT_EQUAL(get_be64(u + 20), i);
    }
    /* 3 ms at 90 kHz = 270 ticks */
    CU_ASSERT_EQUAL(get_be32(tap_at(0)->data + ETH_HLEN + 28 + 4), 270);
    CU_ASSERT_EQUAL(fl->received, tap_log->len);
    CU_ASSERT_EQUAL(fl->out_of_order, 0);
    pair_clear(&p);
}

/* ---- scenario options ----------------------------------------------------- */

static const char *const base_ini = "[simulation]\nformat = 1\nduration = 1s\nseed = 1\n"
                                    "[host a]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.1/24\n"
                                    "[host b]\nnic.eth0 = speed=1G mac=02:00:00:00:00:0b\n"
                                    "addr.eth0 = 10.0.0.2/24\n"
                                    "[links]\na.eth0 = b.eth0\n"
                                    "[traffic t]\nudp = a -> b ";

static Sim *load_udp(const char *opts, GError **error)
{
    g_autofree char *path = tl_scratch_file("test_generators_ini", "t.ini");
    g_autofree char *text = g_strdup_printf("%s%s\n", base_ini, opts);
    g_file_set_contents(path, text, -1, NULL);
    return tl_scenario_load(path, NULL, NULL, error);
}

static void vary_gives_distinct_five_tuples(void)
{
    const char *opts[] = {"flows=8 vary=sport", "flows=8 vary=dport", "flows=8"};
    for (int k = 0; k < 3; k++) {
        GError *e = NULL;
        Sim *sim = load_udp(opts[k], &e);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
        CU_ASSERT_EQUAL(sim->flows->len, 8);
        g_autoptr(GHashTable) tuples = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < sim->flows->len; i++) {
            const Flow *fl = g_ptr_array_index(sim->flows, i);
            bool dport = k == 1;
            CU_ASSERT_EQUAL(fl->sport, dport ? 40000 : 40000 + i);
            CU_ASSERT_EQUAL(fl->dport, dport ? 5001 + i : 5001);
            g_hash_table_add(tuples, g_strdup_printf("%u.%u.%u.%u:%u>%u.%u.%u.%u:%u/17", 10, 0, 0,
                                                     1, fl->sport, fl->dst_ip[0], fl->dst_ip[1],
                                                     fl->dst_ip[2], fl->dst_ip[3], fl->dport));
        }
        CU_ASSERT_EQUAL(g_hash_table_size(tuples), 8);
        sim_free(sim);
    }
}

static void scenario_options_parsed_and_refused(void)
{
    GError *e = NULL;
    Sim *sim = load_udp("gen=poisson size=imix rtp=on", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Flow *fl = g_ptr_array_index(sim->flows, 0);
    CU_ASSERT_EQUAL(fl->gen, FLOW_GEN_POISSON);
    CU_ASSERT_EQUAL(fl->n_sizes, FLOW_IMIX_CYCLE);
    CU_ASSERT_TRUE(fl->rtp);
    sim_free(sim);
    sim = load_udp("on=10ms off=20ms size=64,512,1472 sizes=random", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    fl = g_ptr_array_index(sim->flows, 0);
    CU_ASSERT_EQUAL(fl->gen, FLOW_GEN_ONOFF);
    CU_ASSERT_EQUAL(fl->on_ps, 10 * PS_PER_MS);
    CU_ASSERT_EQUAL(fl->off_ps, 20 * PS_PER_MS);
    CU_ASSERT_EQUAL(fl->n_sizes, 3);
    CU_ASSERT_TRUE(fl->size_random);
    sim_free(sim);
    /* defaults: constant, one size, no RTP */
    sim = load_udp("", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    fl = g_ptr_array_index(sim->flows, 0);
    CU_ASSERT_EQUAL(fl->gen, FLOW_GEN_CONST);
    CU_ASSERT_PTR_NULL(fl->sizes);
    CU_ASSERT_FALSE(fl->rtp);
    sim_free(sim);
    const char *bad[] = {
        "gen=bursty",   "gen=onoff",    "on=1ms",       "size=8 rtp=on",
        "size=64,x",    "sizes=random", "vary=src-mac", "flows=2 dport=65535 vary=dport",
        "size=64,2000", "rtp=maybe",    "vlan=5",       "src-ip=10.0.0.9",
        "vary=dst-ip",  "dst-mac=zz",   "proto=tcp",    "vlan=4095 dst-mac=02:00:00:00:00:01"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_clear_error(&e);
        sim = load_udp(bad[i], &e);
        CU_ASSERT_PTR_NULL(sim);
        CU_ASSERT_PTR_NOT_NULL(e);
        if (sim)
            sim_free(sim);
    }
    g_clear_error(&e);
}

/* ---- explicit frames ----------------------------------------------------- */

/* Loads `opts`, taps host b's NIC, runs; returns the sim (tap_log set). */
static Sim *run_udp(const char *opts)
{
    GError *e = NULL;
    Sim *sim = load_udp(opts, &e);
    if (!sim) {
        fprintf(stderr, "load failed: %s\n", e ? e->message : "?");
        g_clear_error(&e);
        return NULL;
    }
    tap_log = g_array_new(FALSE, FALSE, sizeof(TapFrame));
    Host *b = g_ptr_array_index(sim->hosts, 1);
    b->ifaces[0]->nic->rx = tap_rx;
    sim_run(sim, false);
    return sim;
}

static void run_udp_clear(Sim *sim)
{
    sim_free(sim);
    g_array_free(tap_log, TRUE);
    tap_log = NULL;
}

static void explicit_overrides_exact_bytes(void)
{
    static const uint8_t dmac[6] = {0x02, 0xaa, 0, 0, 0, 0x01};
    static const uint8_t smac[6] = {0x02, 0xbb, 0, 0, 0, 0x02};
    static const uint8_t sip[4] = {192, 0, 2, 7};
    Sim *sim = run_udp("rate=1Mbit size=100 stop=20ms dst-mac=02:aa:00:00:00:01 "
                       "src-mac=02:bb:00:00:00:02 src-ip=192.0.2.7 vlan=100 sport=1234 "
                       "dport=4321 proto=udp");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Flow *fl = g_ptr_array_index(sim->flows, 0);
    CU_ASSERT_TRUE_FATAL(tap_log->len > 0);
    CU_ASSERT_EQUAL(tap_log->len, fl->sent);
    const uint8_t *d = tap_at(0)->data;
    CU_ASSERT_EQUAL(tap_at(0)->len, ETH_HLEN + 4 + 28 + 100);
    CU_ASSERT_EQUAL(memcmp(d, dmac, 6), 0);
    CU_ASSERT_EQUAL(memcmp(d + 6, smac, 6), 0);
    CU_ASSERT_EQUAL(get_be16(d + 12), 0x8100);
    CU_ASSERT_EQUAL(get_be16(d + 14), 100); /* PCP 0, DEI 0, VID 100 */
    CU_ASSERT_EQUAL(get_be16(d + 16), 0x0800);
    const uint8_t *ip = d + 18;
    CU_ASSERT_EQUAL(ip[0], 0x45);
    CU_ASSERT_EQUAL(get_be16(ip + 2), 128);
    CU_ASSERT_EQUAL(ip[9], 17);
    CU_ASSERT_EQUAL(memcmp(ip + 12, sip, 4), 0);
    CU_ASSERT_EQUAL(memcmp(ip + 16, tl_ip2, 4), 0);
    CU_ASSERT_EQUAL(inet_checksum(ip, 20, 0), 0);
    CU_ASSERT_EQUAL(get_be16(ip + 20), 1234);
    CU_ASSERT_EQUAL(get_be16(ip + 22), 4321);
    CU_ASSERT_EQUAL(memcmp(ip + 28, "BSIM", 4), 0);
    /* no ARP was sent; the stack has no VLAN devices: nothing is received */
    CU_ASSERT_EQUAL(((Host *)g_ptr_array_index(sim->hosts, 0))->arp_tx, 0);
    CU_ASSERT_EQUAL(fl->received, 0);
    run_udp_clear(sim);

    /* untagged, to b's own MAC, source IP of the interface: received */
    sim = run_udp("rate=1Mbit size=100 stop=20ms dst-mac=02:00:00:00:00:0b");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    fl = g_ptr_array_index(sim->flows, 0);
    CU_ASSERT_TRUE_FATAL(tap_log->len > 0);
    d = tap_at(0)->data;
    CU_ASSERT_EQUAL(get_be16(d + 12), 0x0800);
    CU_ASSERT_EQUAL(memcmp(d + ETH_HLEN + 12, tl_ip1, 4), 0);
    CU_ASSERT_EQUAL(inet_checksum(d + ETH_HLEN, 20, 0), 0);
    CU_ASSERT_EQUAL(fl->received, fl->sent);
    run_udp_clear(sim);
}

static void vary_addresses_count_up(void)
{
    GError *e = NULL;
    Sim *sim = load_udp("flows=4 vary=src-ip dst-mac=02:00:00:00:00:0b", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    for (guint i = 0; i < 4; i++) {
        const Flow *fl = g_ptr_array_index(sim->flows, i);
        const uint8_t want[4] = {10, 0, 0, (uint8_t)(1 + i)};
        CU_ASSERT_EQUAL(memcmp(fl->ex.src_ip, want, 4), 0);
        CU_ASSERT_EQUAL(memcmp(fl->dst_ip, tl_ip2, 4), 0);
        CU_ASSERT_EQUAL(fl->sport, 40000);
    }
    sim_free(sim);
    sim = load_udp("flows=4 vary=dst-ip dst-mac=02:00:00:00:00:0b", &e);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    for (guint i = 0; i < 4; i++) {
        const Flow *fl = g_ptr_array_index(sim->flows, i);
        const uint8_t want[4] = {10, 0, 0, (uint8_t)(2 + i)};
        CU_ASSERT_EQUAL(memcmp(fl->dst_ip, want, 4), 0);
        CU_ASSERT_EQUAL(memcmp(fl->ex.src_ip, tl_ip1, 4), 0);
    }
    sim_free(sim);
}

/* ---- tshark: RTP stream analysis with no plugin -------------------------- */

/* scenarios/rtp-balance-rr.ini: voice#1 (dport 5001) sends 22 packets and the
 * client receives 21 (one lost with eth1). */
static void tshark_decodes_rtp_streams(void)
{
    g_autofree char *tshark = g_find_program_in_path("tshark");
    if (!tshark) {
        printf(" (tshark not on PATH: skipped) ");
        return;
    }
    g_autofree char *dir = cu_scratch_dir("test_generators_tshark");
    TlRun r = tl_bondsim("run", BONDSIM_SOURCE_DIR "/scenarios/rtp-balance-rr.ini", "-q", "-o", dir,
                         NULL);
    int code = r.code;
    tl_run_clear(&r);
    CU_ASSERT_TRUE_FATAL(code == 0);
    g_autofree char *pcap = g_build_filename(dir, "rtp-balance-rr.pcapng", NULL);
    g_autofree char *rx = g_build_filename(dir, "rx.pcapng", NULL);
    const char *const split[] = {"-Y", "frame.interface_name == \"client/eth0\" && udp", "-w", rx,
                                 NULL};
    r = tl_tshark_r(pcap, split);
    code = r.code;
    tl_run_clear(&r);
    CU_ASSERT_TRUE_FATAL(code == 0);
    const char *const streams[] = {"-d", "udp.port==5001,rtp", "-q", "-z", "rtp,streams", NULL};
    TlRun st = tl_tshark_r(rx, streams);
    g_autofree char *out = g_steal_pointer(&st.out);
    code = st.code;
    tl_run_clear(&st);
    CU_ASSERT_TRUE_FATAL(code == 0);
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    int found = 0;
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) tok = g_strsplit_set(g_strstrip(*l), " ", -1);
        GPtrArray *w = g_ptr_array_new();
        for (char **t = tok; *t; t++)
            if (**t)
                g_ptr_array_add(w, *t);
        if (w->len > 8 && strcmp(w->pdata[5], "5001") == 0) {
            found++;
            CU_ASSERT_STRING_EQUAL(w->pdata[6], "0x89A844EF"); /* g_str_hash("voice#1") */
            CU_ASSERT_STRING_EQUAL(w->pdata[7], "RTPType-96");
            CU_ASSERT_STRING_EQUAL(w->pdata[8], "21");
            CU_ASSERT_STRING_EQUAL(w->pdata[9], "1"); /* lost */
        }
        g_ptr_array_free(w, TRUE);
    }
    CU_ASSERT_EQUAL(found, 1);
    const char *const malformed[] = {"-d", "udp.port==5001,rtp", "-Y",
                                     "_ws.malformed || _ws.expert.severity >= error", NULL};
    TlRun bad = tl_tshark_r(rx, malformed);
    CU_ASSERT_TRUE(bad.code == 0);
    CU_ASSERT_STRING_EQUAL(bad.out, "");
    tl_run_clear(&bad);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"poisson_mean_rate_and_determinism", poisson_mean_rate_and_determinism},
        {"onoff_exact_counts_per_period", onoff_exact_counts_per_period},
        {"imix_proportions_exact_over_a_cycle", imix_proportions_exact_over_a_cycle},
        {"size_list_cycled_and_random", size_list_cycled_and_random},
        {"rtp_header_bytes_exact", rtp_header_bytes_exact},
        {"vary_gives_distinct_five_tuples", vary_gives_distinct_five_tuples},
        {"scenario_options_parsed_and_refused", scenario_options_parsed_and_refused},
        {"explicit_overrides_exact_bytes", explicit_overrides_exact_bytes},
        {"vary_addresses_count_up", vary_addresses_count_up},
        {"tshark_decodes_rtp_streams", tshark_decodes_rtp_streams},
        CU_TEST_INFO_NULL,
    };
    return cu_run("generators", cases);
}
