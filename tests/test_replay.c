/* test_replay.c - capture replay (traffic/replay.h): a sample capture is
 * written at run time (20 UDP frames 1 ms apart, source ports 1000-1019),
 * replayed in rewrite mode from server to client through a switch and in raw
 * mode into a balance-xor bond; bad captures give errors naming the file. */
#define _DEFAULT_SOURCE 1
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "bond/bond.h"
#include "bond/hash.h"
#include "cu_run.h"
#include "host.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "stats/report.h"
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

static const char *SCN = "[simulation]\nformat = 1\nduration = 1s\nseed = 1\n\n"
                         "[switch sw1]\nports = 3\nspeed = 1G\n\n"
                         "[host server]\nnic.eth0 = speed=1G\nnic.eth1 = speed=1G\n"
                         "bond.bond0 = mode=balance-xor miimon=100 xmit_hash_policy=layer3+4\n"
                         "bond.bond0.slaves = eth0 eth1\naddr.bond0 = 10.0.0.1/24\n\n"
                         "[host client]\nnic.eth0 = speed=1G\naddr.eth0 = 10.0.0.2/24\n\n"
                         "[links]\nserver.eth0 = sw1.port1\nserver.eth1 = sw1.port2\n"
                         "client.eth0 = sw1.port3\n\n"
                         "[traffic r]\nreplay = %s\n";

/* Loads the scenario with `replay = LINE` from a scratch dir holding the
 * sample capture; NULL with *err set on failure. */
static Sim *load(const char *line, GError **err)
{
    g_autofree char *dir = cu_scratch_dir("replay");
    g_autofree char *pcap = write_pcap(dir);
    g_autofree char *text = g_strdup_printf(SCN, line);
    g_autofree char *scn = g_build_filename(dir, "replay.ini", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(scn, text, -1, NULL));
    ScenarioOptions so = {0};
    return scenario_load(scn, &so, NULL, err);
}

static Sim *run(const char *line)
{
    GError *err = NULL;
    Sim *sim = load(line, &err);
    if (!sim) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        return NULL;
    }
    sim_run(sim, false);
    return sim;
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

static void expect_error(const char *line, const char *file)
{
    GError *err = NULL;
    Sim *sim = load(line, &err);
    CU_ASSERT_PTR_NULL(sim);
    sim_free(sim);
    CU_ASSERT_PTR_NOT_NULL_FATAL(err);
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "replay.ini:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, "[traffic r] replay: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err->message, file));
    g_error_free(err);
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
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"rewrite mode through a switch", test_rewrite},
        {"speed and loop", test_speed_loop},
        {"raw mode into a balance-xor bond", test_raw_xor},
        {"missing, truncated and bad captures", test_errors},
        CU_TEST_INFO_NULL,
    };
    return cu_run("replay", cases);
}
