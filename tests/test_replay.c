/* test_replay.c - capture replay (traffic/replay.h): a sample capture is
 * written at run time (20 UDP frames 1 ms apart, source ports 1000-1019),
 * replayed in rewrite mode from server to client through a switch and in raw
 * mode into a balance-xor bond; bad captures give errors naming the file.
 * pcapng: a three-interface capture written by bondsim's own writer (ns
 * timestamps, mixed sources) and a kept capture of pcaps/ are replayed and
 * checked against an independent walk of the file's blocks; truncated and
 * corrupt copies give clear errors. IPv6: a capture crafted here (UDP with a
 * zero checksum, TCP and ICMPv6 with wrong ones, a hop-by-hop header, a
 * fragmented datagram) is rewritten into the scenario's IPv6 hosts and the
 * receiver's capture checked with a checksum written here (and tshark). */
#define _DEFAULT_SOURCE 1
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "bond/bond.h"
#include "bond/hash.h"
#include "capture/capture.h"
#include "cu_run.h"
#include "host.h"
#include "net/ipv6.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "stats/report.h"
#include "testlib.h"
#include "traffic/replay.h"
#include "util/bytes.h"
#include "util/units.h"

#define N_FRAMES 20

static uint8_t frames[N_FRAMES][74];

static void make_frame(int i)
{
    uint8_t *p = frames[i];
    static const uint8_t dmac[6] = {2, 0, 0, 0, 0, 2}, smac[6] = {2, 0, 0, 0, 0, 1};
    static const uint8_t sip[4] = {192, 168, 1, 10}, dip[4] = {192, 168, 1, 20};
    memcpy(p, dmac, 6);
    memcpy(p + 6, smac, 6);
    put_be16(p + 12, ETH_P_IP);
    ipv4_write_header(p + 14, 20 + 8 + 32, (uint16_t)i, 17, sip, dip);
    put_be16(p + 34, (uint16_t)(1000 + i));
    put_be16(p + 36, 5001);
    put_be16(p + 38, 8 + 32);
    put_be16(p + 40, 0x1234); /* a wrong checksum: rewrite sets 0 */
    memset(p + 42, 0xab, 32);
}

/* The sample capture in `dir`; returns its path. */
static char *write_pcap(const char *dir)
{
    char *path = g_build_filename(dir, "sample.pcap", NULL);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    for (int i = 0; i < N_FRAMES; i++) {
        make_frame(i);
        struct pcap_pkthdr h = {{1000, i * 1000}, sizeof frames[i], sizeof frames[i]};
        pcap_dump((u_char *)d, &h, frames[i]);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return path;
}

/* ---- a pcapng written by bondsim's own writer ------------------------------------ */

#define NG_FRAMES 30
#define NG_IFACES 3
#define NG_T0_PS (5 * PS_PER_S)
#define NG_GAP_PS (PS_PER_MS + 7000u) /* 1 ms + 7 ns: only ns resolution keeps it */

/* Frame i of the pcapng: every fifth an ARP request, else UDP from
 * 192.168.1.10, but every third from 192.168.1.99; source port 3000 + i. */
static uint32_t ng_frame(int i, uint8_t *p)
{
    static const uint8_t dmac[6] = {2, 0, 0, 0, 0, 2}, smac[6] = {2, 0, 0, 0, 0, 1};
    static const uint8_t sip[4] = {192, 168, 1, 10}, other[4] = {192, 168, 1, 99},
                         dip[4] = {192, 168, 1, 20};
    memcpy(p, dmac, 6);
    memcpy(p + 6, smac, 6);
    if (i % 5 == 4) {
        memset(p, 0xff, 6);
        put_be16(p + 12, ETH_P_ARP);
        memset(p + 14, 0, 28);
        put_be16(p + 14, 1);
        put_be16(p + 16, ETH_P_IP);
        p[18] = 6;
        p[19] = 4;
        put_be16(p + 20, 1);
        memcpy(p + 28, sip, 4);
        memcpy(p + 38, dip, 4);
        return 42;
    }
    put_be16(p + 12, ETH_P_IP);
    ipv4_write_header(p + 14, 20 + 8 + 16, (uint16_t)i, 17, i % 3 == 2 ? other : sip, dip);
    put_be16(p + 34, (uint16_t)(3000 + i));
    put_be16(p + 36, 5001);
    put_be16(p + 38, 8 + 16);
    put_be16(p + 40, 0);
    memset(p + 42, i, 16);
    return 58;
}

static bool ng_picked(int i)
{
    return i % 5 != 4 && i % 3 != 2;
}

/* NG_FRAMES frames over NG_IFACES Ethernet interfaces (frame i on i % 3). */
static char *write_pcapng(const char *dir)
{
    char *path = g_build_filename(dir, "sample.pcapng", NULL);
    GError *err = NULL;
    Capture *cap = capture_new(CAPTURE_PCAPNG, path, 0, "replay test", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cap);
    static const char *const names[NG_IFACES] = {"a/eth0", "a/eth1", "b/eth0"};
    for (int k = 0; k < NG_IFACES; k++)
        CU_ASSERT_EQUAL(capture_add_interface(cap, names[k], NULL, NULL, 1000000000u), k);
    for (int i = 0; i < NG_FRAMES; i++) {
        uint8_t p[64];
        uint32_t len = ng_frame(i, p);
        capture_packet(cap, i % NG_IFACES, NG_T0_PS + (uint64_t)i * NG_GAP_PS, p, len,
                       CAPTURE_DIR_OUT, i == 3 ? "a comment" : NULL);
    }
    CU_ASSERT_TRUE(capture_finish(cap, NULL, NG_T0_PS + PS_PER_S, &err));
    g_clear_error(&err);
    return path;
}

/* An independent walk of a little-endian pcapng's blocks (no libpcap). */
typedef struct {
    guint n_idb, n_epb, n_tsresol9, n_eth;
    guint64 first_ns, max_ns;
    gsize epb_off[64]; /* offsets of the first EPBs */
    gsize idb_off[8];
    guint n_small_or_big; /* EPBs raw mode skips (caplen < 14 or > 1536) */
    guint n_before_limit; /* the others stamped less than `limit_ns` after the first */
} NgWalk;

static bool ng_walk(const uint8_t *b, gsize len, NgWalk *w, guint64 limit_ns)
{
    memset(w, 0, sizeof *w);
    if (len < 28 || get_le32(b) != 0x0A0D0D0A || get_le32(b + 8) != 0x1A2B3C4D)
        return false;
    gsize o = 0;
    while (o + 12 <= len) {
        uint32_t type = get_le32(b + o), blen = get_le32(b + o + 4);
        if (blen < 12 || blen % 4 || o + blen > len || get_le32(b + o + blen - 4) != blen)
            return false;
        if (type == 1) {
            if (w->n_idb < G_N_ELEMENTS(w->idb_off))
                w->idb_off[w->n_idb] = o;
            w->n_idb++;
            w->n_eth += (b[o + 8] | b[o + 9] << 8) == 1;
            for (gsize q = o + 16; q + 4 <= o + blen - 4;) {
                uint16_t code = (uint16_t)(b[q] | b[q + 1] << 8);
                uint16_t olen = (uint16_t)(b[q + 2] | b[q + 3] << 8);
                if (code == 0)
                    break;
                if (code == 9 && olen == 1 && b[q + 4] == 9)
                    w->n_tsresol9++;
                q += 4 + ((olen + 3u) & ~3u);
            }
        } else if (type == 6) {
            guint64 ts = (guint64)get_le32(b + o + 12) << 32 | get_le32(b + o + 16);
            uint32_t caplen = get_le32(b + o + 20);
            if (w->n_epb < G_N_ELEMENTS(w->epb_off))
                w->epb_off[w->n_epb] = o;
            if (!w->n_epb)
                w->first_ns = ts;
            w->max_ns = MAX(w->max_ns, ts);
            bool skip = caplen < 14 || caplen > REPLAY_MAX_FRAME;
            w->n_small_or_big += skip;
            w->n_before_limit += !skip && ts - w->first_ns < limit_ns;
            w->n_epb++;
        }
        o += blen;
    }
    return o == len;
}

/* ---- an IPv6 capture --------------------------------------------------------------- */

/* The ones' complement sum of RFC 1071, written here apart from the
 * simulator's: folded, not inverted. */
static uint16_t sum16(const uint8_t *p, size_t n, uint32_t acc)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        acc += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1)
        acc += (uint32_t)p[n - 1] << 8;
    while (acc >> 16)
        acc = (acc & 0xffff) + (acc >> 16);
    return (uint16_t)acc;
}

/* The pseudo-header (RFC 8200 8.1) and an upper-layer packet: 0xffff when
 * the checksum in it is right. */
static uint16_t sum6(const uint8_t src[16], const uint8_t dst[16], const uint8_t *l4,
                     uint32_t l4_len, uint8_t nh)
{
    uint8_t ph[40];
    memcpy(ph, src, 16);
    memcpy(ph + 16, dst, 16);
    put_be32(ph + 32, l4_len);
    memset(ph + 36, 0, 3);
    ph[39] = nh;
    return sum16(l4, l4_len, sum16(ph, 40, 0));
}

#define V6_FRAMES 10
#define V6_FRAG_PAYLOAD 48 /* the fragmented datagram's UDP payload */
static const uint8_t V6_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10};
static const uint8_t V6_DST[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x20};
static const uint8_t V6_OTHER[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x99};

/* The UDP datagram (header + payload) that frames 6 and 7 carry in two
 * fragments, with its checksum over the capture's addresses. */
static void v6_frag_datagram(uint8_t *u)
{
    put_be16(u, 2006);
    put_be16(u + 2, 6000);
    put_be16(u + 4, 8 + V6_FRAG_PAYLOAD);
    put_be16(u + 6, 0);
    for (int k = 0; k < V6_FRAG_PAYLOAD; k++)
        u[8 + k] = (uint8_t)(0x40 + k);
    put_be16(u + 6, (uint16_t)~sum6(V6_SRC, V6_DST, u, 8 + V6_FRAG_PAYLOAD, 17));
}

/* Frame i of the IPv6 capture; the flow label is i + 1 so the receiver's
 * capture tells them apart. Replayed: 0 (UDP, checksum 0), 2 (TCP, wrong
 * checksum), 3 (ICMPv6 echo request, wrong checksum), 5 (UDP behind a
 * hop-by-hop header), 6 and 7 (the two fragments of a UDP datagram), 9 (UDP,
 * right checksum). Skipped: 1 (IPv4), 4 (another source), 8 (a routing
 * header). */
static uint32_t v6_frame(int i, uint8_t *p)
{
    static const uint8_t dmac[6] = {2, 0, 0, 0, 0, 2}, smac[6] = {2, 0, 0, 0, 0, 1};
    memcpy(p, dmac, 6);
    memcpy(p + 6, smac, 6);
    if (i == 1) {
        static const uint8_t sip[4] = {192, 168, 1, 10}, dip[4] = {192, 168, 1, 20};
        put_be16(p + 12, ETH_P_IP);
        ipv4_write_header(p + 14, 28, 1, 17, sip, dip);
        put_be16(p + 34, 1);
        put_be16(p + 36, 2);
        put_be16(p + 38, 8);
        put_be16(p + 40, 0);
        return 42;
    }
    put_be16(p + 12, ETH_P_IPV6);
    uint8_t *ip = p + ETH_HLEN, *l = ip + 40;
    uint32_t plen = 0;
    uint8_t nh = 17;
    uint8_t frag[V6_FRAG_PAYLOAD + 8];
    switch (i) {
    case 0:
    case 4:
    case 9: /* UDP, 24 bytes of payload */
        put_be16(l, (uint16_t)(2000 + i));
        put_be16(l + 2, 6000);
        put_be16(l + 4, 32);
        put_be16(l + 6, 0);
        memset(l + 8, 0x11 * i, 24);
        plen = 32;
        if (i == 9)
            put_be16(l + 6, (uint16_t)~sum6(V6_SRC, V6_DST, l, 32, 17));
        break;
    case 2: /* TCP: 20-byte header, 16 bytes of data */
        nh = 6;
        memset(l, 0, 36);
        put_be16(l, 2002);
        put_be16(l + 2, 80);
        put_be32(l + 4, 1000);
        l[12] = 5 << 4;
        l[13] = 0x18; /* PSH ACK */
        put_be16(l + 14, 65535);
        put_be16(l + 16, 0x1111);
        memset(l + 20, 0x22, 16);
        plen = 36;
        break;
    case 3: /* ICMPv6 echo request */
        nh = 58;
        l[0] = 128;
        l[1] = 0;
        put_be16(l + 2, 0x3333);
        put_be16(l + 4, 77);
        put_be16(l + 6, 1);
        memset(l + 8, 0x33, 16);
        plen = 24;
        break;
    case 5: /* hop-by-hop (PadN) then UDP */
        nh = 0;
        memset(l, 0, 8);
        l[0] = 17;
        l[2] = 1; /* PadN, 4 bytes */
        l[3] = 4;
        put_be16(l + 8, 2005);
        put_be16(l + 10, 6000);
        put_be16(l + 12, 16);
        put_be16(l + 14, 0);
        memset(l + 16, 0x55, 8);
        plen = 24;
        break;
    case 6:
    case 7: /* fragment header, then 32 or 24 bytes of the datagram */
        nh = 44;
        v6_frag_datagram(frag);
        memset(l, 0, 8);
        l[0] = 17;
        put_be16(l + 2, i == 6 ? 1 : (32 / 8) << 3); /* offset 0 M=1, offset 32 */
        put_be32(l + 4, 0xabcd);
        memcpy(l + 8, i == 6 ? frag : frag + 32, i == 6 ? 32 : 24);
        plen = 8 + (i == 6 ? 32 : 24);
        break;
    case 8: /* a routing header (type 4, no segment left) then UDP */
        nh = 43;
        memset(l, 0, 24);
        l[0] = 17;
        l[1] = 2;
        l[2] = 4;
        memcpy(l + 8, V6_DST, 16);
        put_be16(l + 24, 2008);
        put_be16(l + 26, 6000);
        put_be16(l + 28, 8);
        plen = 32;
        break;
    default:
        break;
    }
    ipv6_write_header(ip, (uint16_t)plen, nh, 64, i == 4 ? V6_OTHER : V6_SRC, V6_DST);
    put_be32(ip, UINT32_C(6) << 28 | (uint32_t)(i + 1));
    return ETH_HLEN + 40 + plen;
}

static bool v6_picked(int i)
{
    return i != 1 && i != 4 && i != 8;
}

/* Writes `n` frames of `gen` 1 ms apart into dir/name (classic pcap). */
static char *write_frames(const char *dir, const char *name, int n, uint32_t (*gen)(int, uint8_t *))
{
    char *path = g_build_filename(dir, name, NULL);
    pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
    pcap_dumper_t *d = pcap_dump_open(dead, path);
    CU_ASSERT_PTR_NOT_NULL_FATAL(d);
    for (int i = 0; i < n; i++) {
        uint8_t p[256];
        uint32_t len = gen(i, p);
        struct pcap_pkthdr h = {{2000, i * 1000}, len, len};
        pcap_dump((u_char *)d, &h, p);
    }
    pcap_dump_close(d);
    pcap_close(dead);
    return path;
}

/* ARP only: rewrite mode has nothing to replay. */
static uint32_t arp_frame(int i, uint8_t *p)
{
    return ng_frame(4 + 5 * i, p);
}

static const char *SCN = "[simulation]\nformat = 1\nduration = 1s\nseed = 1\n\n"
                         "[switch sw1]\nports = 3\nspeed = 1G\n\n"
                         "[host server]\nnic.eth0 = speed=1G\nnic.eth1 = speed=1G\n"
                         "bond.bond0 = mode=balance-xor miimon=100 xmit_hash_policy=layer3+4\n"
                         "bond.bond0.slaves = eth0 eth1\naddr.bond0 = 10.0.0.1/24\n\n"
                         "[host client]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.2/24\n\n"
                         "[links]\nserver.eth0 = sw1.port1\nserver.eth1 = sw1.port2\n"
                         "client.eth0 = sw1.port3\n\n"
                         "[traffic r]\nreplay = %s\n";

static const char *SCN6 = "[simulation]\nformat = 1\nduration = 1s\nseed = 1\n\n"
                          "[switch sw1]\nports = 3\nspeed = 1G\n\n"
                          "[host server]\nnic.eth0 = speed=1G\nnic.eth1 = speed=1G\n"
                          "bond.bond0 = mode=balance-xor miimon=100 xmit_hash_policy=layer3+4\n"
                          "bond.bond0.slaves = eth0 eth1\naddr.bond0 = 10.0.0.1/24\n"
                          "addr6.bond0 = 2001:db8::1/64\n\n"
                          "[host client]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.2/24\n"
                          "addr6.eth0 = 2001:db8::2/64\n\n"
                          "[links]\nserver.eth0 = sw1.port1\nserver.eth1 = sw1.port2\n"
                          "client.eth0 = sw1.port3\n\n"
                          "[traffic r]\nreplay = %s\n";

/* Loads scenario `tmpl` with `replay = LINE` from a scratch dir holding the
 * sample captures (sample.pcap, sample.pcapng, sample6.pcap, arp.pcap);
 * NULL with *err set on failure. */
static Sim *load_scn(const char *tmpl, const char *line, GError **err)
{
    g_autofree char *dir = cu_scratch_dir("replay");
    g_autofree char *pcap = write_pcap(dir);
    g_autofree char *ng = write_pcapng(dir);
    g_autofree char *v6 = write_frames(dir, "sample6.pcap", V6_FRAMES, v6_frame);
    g_autofree char *arp = write_frames(dir, "arp.pcap", 3, arp_frame);
    g_autofree char *text = g_strdup_printf(tmpl, line);
    g_autofree char *scn = g_build_filename(dir, "replay.ini", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(scn, text, -1, NULL));
    return tl_scenario_load(scn, NULL, NULL, err);
}

/* Loads and runs; with `cap_path`, every interface is captured there. */
static Sim *run_scn(const char *tmpl, const char *line, const char *cap_path)
{
    GError *err = NULL;
    Sim *sim = load_scn(tmpl, line, &err);
    if (!sim) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        return NULL;
    }
    if (cap_path) {
        sim->cap = capture_new(CAPTURE_PCAPNG, cap_path, 0, NULL, &err);
        CU_ASSERT_PTR_NOT_NULL_FATAL(sim->cap);
        scenario_register_capture(sim);
    }
    sim_run(sim, false);
    if (cap_path) {
        Capture *cap = sim->cap;
        sim->cap = NULL;
        CU_ASSERT_TRUE(capture_finish(cap, NULL, sim->end_ps, &err));
        g_clear_error(&err);
    }
    return sim;
}

static Sim *run(const char *line)
{
    return run_scn(SCN, line, NULL);
}

static Host *host(Sim *sim, int i)
{
    return g_ptr_array_index(sim->hosts, i);
}

static void test_rewrite(void)
{
    Sim *sim = run("sample.pcap from=server to=client start=100ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Replay *r = g_ptr_array_index(sim->replays, 0);
    CU_ASSERT_EQUAL(r->read, N_FRAMES);
    CU_ASSERT_EQUAL(r->skipped, 0);
    CU_ASSERT_EQUAL(r->sent, N_FRAMES);
    static const uint8_t sip[4] = {10, 0, 0, 1}, dip[4] = {10, 0, 0, 2};
    CU_ASSERT_EQUAL(memcmp(r->src_ip, sip, 4), 0);
    CU_ASSERT_EQUAL(memcmp(r->dst_ip, dip, 4), 0);
    /* the client got every datagram at its address (no listener on 5001) */
    CU_ASSERT_EQUAL(host(sim, 1)->drops[HOST_DROP_NO_LISTENER], N_FRAMES);
    CU_ASSERT_EQUAL(host(sim, 1)->drops[HOST_DROP_NOT_FOR_US], 0);
    CU_ASSERT_EQUAL(host(sim, 1)->drops[HOST_DROP_MALFORMED], 0);
    /* the summary and stats.json report the replay */
    g_autofree char *json = report_json(sim);
    CU_ASSERT_PTR_NOT_NULL(strstr(json, "\"replays\":[{\"name\":\"r\",\"file\":\"sample.pcap\","
                                        "\"mode\":\"rewrite\",\"read\":20,\"skipped\":0,"
                                        "\"sent\":20,"));
    g_autofree char *table = report_table(sim);
    CU_ASSERT_PTR_NOT_NULL(strstr(table, "Replays"));
    CU_ASSERT_EQUAL(r->first_tx_ps, 100 * PS_PER_MS);
    CU_ASSERT_EQUAL(r->last_tx_ps - r->first_tx_ps, 19 * PS_PER_MS);
    sim_free(sim);
}

static void test_speed_loop(void)
{
    Sim *sim = run("sample.pcap from=server to=10.0.0.2 speed=2 loop=3 start=100ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Replay *r = g_ptr_array_index(sim->replays, 0);
    CU_ASSERT_EQUAL(r->sent, 3 * N_FRAMES);
    CU_ASSERT_EQUAL(host(sim, 1)->drops[HOST_DROP_NO_LISTENER], 3 * N_FRAMES);
    /* 19 gaps of 0.5 ms per round, a 0.5 ms gap between rounds */
    CU_ASSERT_EQUAL(r->last_tx_ps - r->first_tx_ps, (3 * 19 + 2) * PS_PER_MS / 2);
    sim_free(sim);
    sim = run("sample.pcap from=server to=client speed=2 start=100ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    r = g_ptr_array_index(sim->replays, 0);
    CU_ASSERT_EQUAL(r->sent, N_FRAMES);
    CU_ASSERT_EQUAL(r->last_tx_ps - r->first_tx_ps, 19 * PS_PER_MS / 2);
    sim_free(sim);
}

static void test_raw_xor(void)
{
    Sim *sim = run("sample.pcap from=server iface=bond0 mode=raw start=300ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Replay *r = g_ptr_array_index(sim->replays, 0);
    CU_ASSERT_EQUAL(r->sent, N_FRAMES);
    uint64_t want[2] = {0, 0};
    for (int i = 0; i < N_FRAMES; i++)
        want[bond_xmit_hash(BOND_HASH_LAYER34, frames[i], sizeof frames[i], false, 0) % 2]++;
    CU_ASSERT_TRUE(want[0] > 0 && want[1] > 0);
    Host *s = host(sim, 0);
    CU_ASSERT_EQUAL(s->nics[0]->c.tx_frames, want[0]);
    CU_ASSERT_EQUAL(s->nics[1]->c.tx_frames, want[1]);
    sim_free(sim);
}

/* Loading fails with an error naming the scenario, the key and each needle. */
static void expect_errors(const char *tmpl, const char *line, const char *const *needles)
{
    GError *err = NULL;
    Sim *sim = load_scn(tmpl, line, &err);
    CU_ASSERT_PTR_NULL(sim);
    sim_free(sim);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "replay.ini:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[traffic r] replay: "));
    for (; *needles; needles++) {
        bool has = strstr(err->message, *needles) != NULL;
        if (!has)
            fprintf(stderr, "\nerror '%s' lacks '%s'\n", err->message, *needles);
        CU_ASSERT_TRUE(has);
    }
    g_error_free(err);
}

static void expect_error(const char *line, const char *file)
{
    const char *const needles[] = {file, NULL};
    expect_errors(SCN, line, needles);
}

/* ---- pcapng ---------------------------------------------------------------------- */

static gchar *slurp(const char *path, gsize *len)
{
    gchar *buf = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &buf, len, NULL));
    return buf;
}

/* The three-interface pcapng of bondsim's writer: ns timestamps kept, the
 * right frames picked, time scaled by speed=. */
static void test_pcapng_multi_interface(void)
{
    g_autofree char *dir = cu_scratch_dir("replay-ng");
    g_autofree char *ng = write_pcapng(dir);
    gsize len = 0;
    g_autofree gchar *buf = slurp(ng, &len);
    NgWalk w;
    CU_ASSERT_TRUE_FATAL(ng_walk((const uint8_t *)buf, len, &w, 0));
    CU_ASSERT_EQUAL(w.n_idb, NG_IFACES);
    CU_ASSERT_EQUAL(w.n_eth, NG_IFACES);
    CU_ASSERT_EQUAL(w.n_tsresol9, NG_IFACES);
    CU_ASSERT_EQUAL(w.n_epb, NG_FRAMES);
    CU_ASSERT_EQUAL(w.max_ns - w.first_ns, (NG_FRAMES - 1) * NG_GAP_PS / 1000);

    int want = 0, first = -1, last = -1;
    for (int i = 0; i < NG_FRAMES; i++)
        if (ng_picked(i)) {
            want++;
            first = first < 0 ? i : first;
            last = i;
        }
    CU_ASSERT_TRUE_FATAL(want > 0 && want < NG_FRAMES && first == 0);

    Sim *sim = run("sample.pcapng from=server to=client start=100ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Replay *r = g_ptr_array_index(sim->replays, 0);
    CU_ASSERT_EQUAL(r->family, 4);
    CU_ASSERT_EQUAL(r->read, NG_FRAMES);
    CU_ASSERT_EQUAL(r->skipped, (uint64_t)(NG_FRAMES - want));
    CU_ASSERT_EQUAL(r->sent, (uint64_t)want);
    CU_ASSERT_EQUAL_FATAL(r->pkts->len, (guint)want);
    /* the stored packets are the picked frames, in order (source port 3000 + i) */
    for (int i = 0, k = 0; i < NG_FRAMES; i++) {
        if (!ng_picked(i))
            continue;
        const ReplayPkt *pk = &g_array_index(r->pkts, ReplayPkt, k++);
        CU_ASSERT_EQUAL(get_be16(r->data->data + pk->off + 20), 3000 + i);
        CU_ASSERT_EQUAL(pk->t_ps, (uint64_t)i * NG_GAP_PS);
    }
    CU_ASSERT_EQUAL(r->span_ps, (uint64_t)(last - first) * NG_GAP_PS);
    CU_ASSERT_EQUAL(r->first_tx_ps, 100 * PS_PER_MS);
    CU_ASSERT_EQUAL(r->last_tx_ps - r->first_tx_ps, (uint64_t)(last - first) * NG_GAP_PS);
    CU_ASSERT_EQUAL(host(sim, 1)->drops[HOST_DROP_NO_LISTENER], (uint64_t)want);
    CU_ASSERT_EQUAL(host(sim, 1)->drops[HOST_DROP_MALFORMED], 0);
    sim_free(sim);

    CU_ASSERT_EQUAL(NG_GAP_PS % 4, 0);
    sim = run("sample.pcapng from=server to=client speed=4 start=100ms");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    r = g_ptr_array_index(sim->replays, 0);
    CU_ASSERT_EQUAL(r->sent, (uint64_t)want);
    CU_ASSERT_EQUAL(r->last_tx_ps - r->first_tx_ps, (uint64_t)(last - first) * NG_GAP_PS / 4);
    sim_free(sim);
}

/* A kept capture of pcaps/ (every interface of a bondsim run) in raw mode:
 * as many frames and the same span as an independent walk of its blocks
 * finds, and the frames due within the run are sent. */
static void test_pcapng_kept_capture(void)
{
    const char *path = BONDSIM_SOURCE_DIR "/pcaps/ipv6-failover.pcapng";
    gsize len = 0;
    g_autofree gchar *buf = slurp(path, &len);
    NgWalk w;
    CU_ASSERT_TRUE_FATAL(ng_walk((const uint8_t *)buf, len, &w, PS_PER_S / 1000));
    CU_ASSERT_TRUE(w.n_idb > 1);
    CU_ASSERT_EQUAL(w.n_eth, w.n_idb);
    CU_ASSERT_EQUAL(w.n_tsresol9, w.n_idb);
    CU_ASSERT_TRUE_FATAL(w.n_epb > 100);
    g_autofree char *line = g_strdup_printf("%s from=server iface=bond0 mode=raw", path);
    Sim *sim = run(line);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Replay *r = g_ptr_array_index(sim->replays, 0);
    CU_ASSERT_EQUAL(r->read, w.n_epb);
    CU_ASSERT_EQUAL(r->skipped, w.n_small_or_big);
    CU_ASSERT_EQUAL(r->span_ps, (w.max_ns - w.first_ns) * 1000);
    CU_ASSERT_TRUE(w.n_before_limit < w.n_epb); /* the capture outlasts the 1 s run */
    CU_ASSERT_EQUAL(r->sent + r->alloc_fail, w.n_before_limit);
    sim_free(sim);
}

static void write_copy(const char *path, const gchar *buf, gsize len)
{
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, buf, (gssize)len, NULL));
}

/* Truncated and corrupt copies of the three-interface pcapng. */
static void test_pcapng_truncated_and_corrupt(void)
{
    g_autofree char *dir = cu_scratch_dir("replay-ng-bad");
    g_autofree char *ng = write_pcapng(dir);
    gsize len = 0;
    g_autofree gchar *buf = slurp(ng, &len);
    NgWalk w;
    CU_ASSERT_TRUE_FATAL(ng_walk((const uint8_t *)buf, len, &w, 0));
    gsize e5 = w.epb_off[4]; /* the fifth frame's block */
    uint8_t *b = (uint8_t *)buf;
    uint32_t blen = get_le32(b + e5 + 4);

    /* cut inside the fifth frame's block */
    g_autofree char *cut = g_build_filename(dir, "cut.pcapng", NULL);
    write_copy(cut, buf, e5 + 20);
    g_autofree char *line = g_strdup_printf("%s from=server to=client", cut);
    const char *const n_cut[] = {"cut.pcapng", "truncated capture", "after frame 4", NULL};
    expect_errors(SCN, line, n_cut);

    /* cut at a block boundary: nothing tells it from a shorter capture */
    write_copy(cut, buf, e5);
    Sim *sim = run(line);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    CU_ASSERT_EQUAL(((Replay *)g_ptr_array_index(sim->replays, 0))->read, 4);
    sim_free(sim);

    /* a block length that does not match the trailer, one not a multiple of 4 */
    const char *const n_bad[] = {"badlen.pcapng", "corrupt capture, after frame 4", NULL};
    g_autofree char *bad = g_build_filename(dir, "badlen.pcapng", NULL);
    g_free(line);
    line = g_strdup_printf("%s from=server to=client", bad);
    put_le32(b + e5 + 4, blen + 4);
    write_copy(bad, buf, len);
    expect_errors(SCN, line, n_bad);
    put_le32(b + e5 + 4, blen + 2);
    write_copy(bad, buf, len);
    expect_errors(SCN, line, n_bad);
    put_le32(b + e5 + 4, blen);

    /* a second interface of another link type (802.11) */
    b[w.idb_off[1] + 8] = 105;
    g_autofree char *lt = g_build_filename(dir, "linktype.pcapng", NULL);
    write_copy(lt, buf, len);
    g_free(line);
    line = g_strdup_printf("%s from=server iface=bond0 mode=raw", lt);
    const char *const n_lt[] = {"linktype.pcapng", "another link type", "before the first frame",
                                NULL};
    expect_errors(SCN, line, n_lt);
}

/* ---- IPv6 rewrite ------------------------------------------------------------------ */

/* Checks one frame of the receiver's capture sent by the replay (flow label
 * 1 + frame index): addresses rewritten, the upper-layer checksum right. */
static bool v6_check(const uint8_t *ip, uint32_t len, const uint8_t *src, const uint8_t *dst)
{
    uint32_t plen = get_be16(ip + 4), o = 40;
    if (len < 40 + plen || memcmp(ip + 8, src, 16) || memcmp(ip + 24, dst, 16))
        return false;
    uint8_t nh = ip[6];
    if (nh == 0) {
        nh = ip[o];
        o += (ip[o + 1] + 1u) * 8u;
    }
    if (nh == 44) {
        uint16_t fo = get_be16(ip + o + 2);
        nh = ip[o];
        o += 8;
        uint8_t dgram[8 + V6_FRAG_PAYLOAD];
        v6_frag_datagram(dgram);
        if (fo >> 3) /* the second fragment: the datagram's bytes as they were */
            return (fo >> 3) * 8u == 32 && memcmp(ip + o, dgram + 32, 24) == 0;
        /* the first: its checksum is the whole datagram's, new addresses */
        memcpy(dgram, ip + o, 32);
        return sum6(src, dst, dgram, sizeof dgram, 17) == 0xffff;
    }
    if (nh == 17 && get_be16(ip + o + 6) == 0)
        return false; /* a zero UDP checksum is not allowed over IPv6 */
    return (nh == 17 || nh == 6 || nh == 58) && sum6(src, dst, ip + o, 40 + plen - o, nh) == 0xffff;
}

/* Runs `tshark -r path ARGS...`; returns stdout, NULL if it failed. */
static char *tshark(const char *path, const char *const *args)
{
    TlRun r = tl_tshark_r(path, args);
    char *out = r.code == 0 ? g_steal_pointer(&r.out) : NULL;
    tl_run_clear(&r);
    return out;
}

static void test_ipv6_rewrite(void)
{
    static const uint8_t a1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t a2[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    g_autofree char *out = cu_scratch_dir("replay-v6-out");
    g_autofree char *cap = g_build_filename(out, "v6.pcapng", NULL);
    Sim *sim = run_scn(SCN6, "sample6.pcap from=server to=client start=100ms", cap);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    Replay *r = g_ptr_array_index(sim->replays, 0);
    int want = 0;
    uint32_t want_mask = 0;
    for (int i = 0; i < V6_FRAMES; i++)
        if (v6_picked(i)) {
            want++;
            want_mask |= 1u << i;
        }
    CU_ASSERT_EQUAL(r->family, 6);
    CU_ASSERT_EQUAL(memcmp(r->cap_src, V6_SRC, 16), 0);
    CU_ASSERT_EQUAL(memcmp(r->src_ip, a1, 16), 0);
    CU_ASSERT_EQUAL(memcmp(r->dst_ip, a2, 16), 0);
    CU_ASSERT_EQUAL(r->read, V6_FRAMES);
    CU_ASSERT_EQUAL(r->skipped, (uint64_t)(V6_FRAMES - want));
    CU_ASSERT_EQUAL(r->sent, (uint64_t)want);
    /* the client took every packet as its own: the echo request answered
     * (its ICMPv6 checksum verified), the rest found no listener */
    Host *c = host(sim, 1);
    CU_ASSERT_EQUAL(c->icmp6_echo_rx, 1);
    CU_ASSERT_EQUAL(c->drops[HOST_DROP_NO_LISTENER], (uint64_t)want - 1);
    CU_ASSERT_EQUAL(c->drops[HOST_DROP_MALFORMED], 0);
    CU_ASSERT_EQUAL(c->drops[HOST_DROP_NOT_FOR_US], 0);
    sim_free(sim);

    /* every copy of every replayed packet in the run's capture */
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(cap, errbuf);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    uint32_t seen = 0;
    unsigned checked = 0, bad = 0, old_addr = 0;
    while (pcap_next_ex(p, &h, &d) == 1) {
        if (h->caplen < ETH_HLEN + 40 || get_be16(d + 12) != ETH_P_IPV6)
            continue;
        const uint8_t *ip = d + ETH_HLEN;
        old_addr += !memcmp(ip + 8, V6_SRC, 16) || !memcmp(ip + 24, V6_DST, 16);
        uint32_t label = get_be32(ip) & 0xfffffu;
        if (!label || memcmp(ip + 8, a1, 16) != 0)
            continue; /* neighbour discovery, the echo reply */
        CU_ASSERT_TRUE_FATAL(label <= V6_FRAMES);
        seen |= 1u << (label - 1);
        checked++;
        if (!v6_check(ip, h->caplen - ETH_HLEN, a1, a2)) {
            bad++;
            fprintf(stderr, "\nframe of flow label %u is wrong\n", label);
        }
    }
    pcap_close(p);
    CU_ASSERT_EQUAL(seen, want_mask);
    CU_ASSERT_TRUE(checked >= (unsigned)want * 4); /* bond, slave, switch, client */
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(old_addr, 0);

    g_autofree char *tshark_path = g_find_program_in_path("tshark");
    if (!tshark_path) {
        fprintf(stderr, " (tshark not on PATH: its check skipped) ");
        return;
    }
    /* tshark agrees: every UDP, TCP and ICMPv6 checksum of the replay good
     * (status 1), the fragmented datagram reassembled and checked too */
    static const char *const sums[] = {"-o",
                                       "udp.check_checksum:TRUE",
                                       "-o",
                                       "tcp.check_checksum:TRUE",
                                       "-Y",
                                       "ipv6.src == 2001:db8::1 && ipv6.flow > 0 && "
                                       "(udp || tcp || icmpv6)",
                                       "-T",
                                       "fields",
                                       "-e",
                                       "ipv6.flow",
                                       "-e",
                                       "udp.checksum.status",
                                       "-e",
                                       "tcp.checksum.status",
                                       "-e",
                                       "icmpv6.checksum.status",
                                       NULL};
    g_autofree char *st = tshark(cap, sums);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    g_auto(GStrv) lines = g_strsplit(st, "\n", -1);
    guint n = 0, good = 0;
    for (char **l = lines; *l; l++) {
        if (!**l)
            continue;
        g_auto(GStrv) f = g_strsplit(*l, "\t", -1);
        n++;
        bool ok = g_strv_length(f) == 4 &&
                  strcmp(f[1], "") + strcmp(f[2], "") + strcmp(f[3], "") != 0 &&
                  (!*f[1] || strcmp(f[1], "1") == 0) && (!*f[2] || strcmp(f[2], "1") == 0) &&
                  (!*f[3] || strcmp(f[3], "1") == 0);
        good += ok;
        if (!ok)
            fprintf(stderr, "\ntshark: %s\n", *l);
    }
    CU_ASSERT_TRUE(n >= (guint)(want - 1) * 4);
    CU_ASSERT_EQUAL(good, n);
    /* and its expert finds no warning or error (the copies of a segment on
     * each hop are only notes) */
    static const char *const expert[] = {
        "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-q", "-z", "expert",
        NULL};
    g_autofree char *ex = tshark(cap, expert);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    bool clean = !strstr(ex, "Errors (") && !strstr(ex, "Warnings (") && !strstr(ex, "Malformed");
    if (!clean)
        fprintf(stderr, "\n%s\n", ex);
    CU_ASSERT_TRUE(clean);
}

static void test_errors(void)
{
    expect_error("missing.pcap from=server to=client", "missing.pcap");
    /* a truncated copy of the sample */
    g_autofree char *dir = cu_scratch_dir("replay-trunc");
    g_autofree char *pcap = write_pcap(dir);
    gchar *buf = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(pcap, &buf, &len, NULL));
    g_autofree char *cut = g_build_filename(dir, "cut.pcap", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(cut, buf, (gssize)len - 30, NULL));
    g_free(buf);
    g_autofree char *line = g_strdup_printf("%s from=server to=client", cut);
    expect_error(line, "cut.pcap");
    expect_error("sample.pcap from=server", "to=");
    expect_error("sample.pcap from=server mode=raw", "iface=");
    /* to= of the other family than the capture's first IP source */
    const char *const v6_to_v4[] = {"sample6.pcap", "2001:db8:1::10 is IPv6", "to=10.0.0.2 is IPv4",
                                    NULL};
    expect_errors(SCN6, "sample6.pcap from=server to=10.0.0.2", v6_to_v4);
    const char *const v4_to_v6[] = {"sample.pcap", "192.168.1.10 is IPv4", "to=2001:db8::2 is IPv6",
                                    NULL};
    expect_errors(SCN6, "sample.pcap from=server to=2001:db8::2", v4_to_v6);
    /* a host without an IPv6 address for an IPv6 capture */
    const char *const no6[] = {"host client has no global IPv6 address", NULL};
    expect_errors(SCN, "sample6.pcap from=server to=client", no6);
    /* no IP frame at all */
    const char *const arp[] = {"arp.pcap", "no IP frame to replay", "3 frames", NULL};
    expect_errors(SCN, "arp.pcap from=server to=client", arp);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"rewrite mode through a switch", test_rewrite},
        {"speed and loop", test_speed_loop},
        {"raw mode into a balance-xor bond", test_raw_xor},
        {"missing, truncated and bad captures", test_errors},
        {"pcapng with three interfaces, ns timestamps, speed", test_pcapng_multi_interface},
        {"a kept pcapng of pcaps/ in raw mode", test_pcapng_kept_capture},
        {"truncated and corrupt pcapng", test_pcapng_truncated_and_corrupt},
        {"IPv6 rewrite: addresses and checksums", test_ipv6_rewrite},
        CU_TEST_INFO_NULL,
    };
    return cu_run("replay", cases);
}
