/* test_nat_comments.c - a packet the NAT box drops carries the reason as a
 * capture comment where the box's NIC captures it arriving.
 *
 * One run makes three kinds of drop at the box "gw" (capacity 2): a flood
 * from the internet to a public address with no mapping (no-mapping, more
 * than 2000 packets, so the rate limit shows), an inside host with neither
 * EIP nor masquerade address sending out (no-eip), and four flows from the
 * EIP host of which only two find room in the table (table-full). The
 * comments are counted in the pcapng's bytes (a comment is stored as plain
 * text in its packet block), so no tool is needed; with tshark the comments
 * are also checked to sit on the right packets. Expected counts follow from
 * the drop counters of an identical run without capture: the first 16 drops
 * of each reason are commented, then every 1000th, so a comment count that
 * differs means the box's look-ahead (made before the capture) and its real
 * decision disagreed, or the limit is not applied.
 */
#include "cu_run.h"
#include "nat.h"
#include "scenario/scenario.h"
#include "sim.h"

#include <string.h>

static const char drops_ini[] = "[simulation]\n"
                                "format = 1\n"
                                "duration = 3s\n"
                                "[switch lan]\n"
                                "ports = 3\n"
                                "[host inner]\n"
                                "nic.eth0 = speed=1G\n"
                                "addr.eth0 = 10.0.0.2/24\n"
                                "route.default = via 10.0.0.1\n"
                                "[host other]\n"
                                "nic.eth0 = speed=1G\n"
                                "addr.eth0 = 10.0.0.3/24\n"
                                "route.default = via 10.0.0.1\n"
                                "[nat gw]\n"
                                "nic.in0 = speed=10G\n"
                                "nic.out0 = speed=10G\n"
                                "addr.in0 = 10.0.0.1/24\n"
                                "addr.out0 = 198.51.100.1/24\n"
                                "inside = in0\n"
                                "outside = out0\n"
                                "eip = 10.0.0.2 -> 203.0.113.2\n"
                                "capacity = 2\n"
                                "[host remote]\n"
                                "nic.eth0 = speed=1G\n"
                                "addr.eth0 = 198.51.100.20/24\n"
                                "route.default = via 198.51.100.1\n"
                                "[links]\n"
                                "inner.eth0 = lan.port1\n"
                                "other.eth0 = lan.port2\n"
                                "gw.in0 = lan.port3\n"
                                "gw.out0 = remote.eth0 delay=1ms\n"
                                "[traffic flood]\n"
                                "udp = remote -> 203.0.113.99 rate=1Mbit size=64 start=0.5s\n"
                                "[traffic noeip]\n"
                                "udp = other -> 198.51.100.20 rate=10kbit size=64 start=1s "
                                "stop=1.5s\n"
                                "[traffic four]\n"
                                "udp = inner -> 198.51.100.20 flows=4 rate=10kbit size=64 "
                                "start=1s stop=2s\n";

static char *write_scenario(const char *dir)
{
    char *path = g_strdup_printf("%s/nat-drops.ini", dir);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, drops_ini, -1, NULL));
    return path;
}

/* The drop counters of a run without capture. */
static void run_counts(const char *path, NatStats *out)
{
    ScenarioOptions opts = {0};
    GError *error = NULL;
    Sim *sim = scenario_load(path, &opts, NULL, &error);
    if (!sim)
        fprintf(stderr, "%s\n", error ? error->message : "?");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    sim->cap = capture_new(CAPTURE_NONE, "unused", 0, NULL, NULL);
    sim_run(sim, false);
    *out = *nat_stats(sim->nats->pdata[0]);
    sim_free(sim);
}

static guint64 occurrences(const char *data, gsize len, const char *needle)
{
    gsize n = strlen(needle);
    guint64 k = 0;
    for (gsize i = 0; i + n <= len; i++)
        if (memcmp(data + i, needle, n) == 0)
            k++;
    return k;
}

/* Comments written for `drops` drops of one reason: drop k is commented
 * when k <= 16 or k is a multiple of 1000. */
static guint64 noted(uint64_t drops)
{
    return MIN(drops, 16) + drops / 1000;
}

static char *tshark_fields(const char *pcap, const char *filter, const char *field)
{
    g_autofree char *tshark = g_find_program_in_path("tshark");
    if (!tshark)
        return NULL;
    const char *argv[] = {tshark, "-r", pcap, "-Y", filter, "-T", "fields", "-e", field, NULL};
    char *out = NULL;
    int status = -1;
    CU_ASSERT_TRUE(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                                &out, NULL, &status, NULL));
    CU_ASSERT_EQUAL(status, 0);
    return out;
}

/* Every line of `out` equals `want`; returns the number of lines. */
static int lines_all(const char *out, const char *want)
{
    g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
    int n = 0;
    for (int i = 0; lines[i] && lines[i][0]; i++, n++)
        CU_ASSERT_STRING_EQUAL(lines[i], want);
    return n;
}

static void nat_drop_comments_and_their_limit(void)
{
    g_autofree char *dir = cu_scratch_dir("nat-drops");
    g_autofree char *path = write_scenario(dir);
    NatStats st;
    run_counts(path, &st);
    /* the run makes what it is meant to */
    CU_ASSERT_TRUE(st.drops[NAT_DROP_NO_MAPPING] > 2000);
    CU_ASSERT_TRUE(st.drops[NAT_DROP_NO_EIP] >= 5 && st.drops[NAT_DROP_NO_EIP] <= 16);
    CU_ASSERT_TRUE(st.drops[NAT_DROP_TABLE_FULL] >= 10);
    CU_ASSERT_EQUAL(st.created, 2);

    const char *argv[] = {BONDSIM_BINARY, "run", path, "-q", "-o", dir, NULL};
    int status = -1;
    CU_ASSERT_TRUE_FATAL(g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                                      NULL, NULL, NULL, &status, NULL));
    CU_ASSERT_EQUAL_FATAL(status, 0);
    g_autofree char *pcap = g_strdup_printf("%s/nat-drops.pcapng", dir);
    g_autofree gchar *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(pcap, &data, &len, NULL));

    uint64_t nm = st.drops[NAT_DROP_NO_MAPPING], ne = st.drops[NAT_DROP_NO_EIP],
             tf = st.drops[NAT_DROP_TABLE_FULL];
    CU_ASSERT_EQUAL(occurrences(data, len, "bondsim: drop gw out0 reason=no-mapping count="),
                    noted(nm));
    CU_ASSERT_EQUAL(occurrences(data, len, "bondsim: drop gw in0 reason=no-eip count="), noted(ne));
    CU_ASSERT_EQUAL(occurrences(data, len, "bondsim: drop gw in0 reason=table-full count="),
                    noted(tf));
    /* and no other NAT drop comment */
    CU_ASSERT_EQUAL(occurrences(data, len, "bondsim: drop gw "), noted(nm) + noted(ne) + noted(tf));
    /* numbered among the drops of their reason: 1..16, then 1000, 2000, ... */
    CU_ASSERT_EQUAL(occurrences(data, len, "reason=no-mapping count=16"), 1);
    CU_ASSERT_EQUAL(occurrences(data, len, "reason=no-mapping count=17"), 0);
    CU_ASSERT_EQUAL(occurrences(data, len, "reason=no-mapping count=999"), 0);
    CU_ASSERT_EQUAL(occurrences(data, len, "reason=no-mapping count=1000"), 1);
    CU_ASSERT_EQUAL(occurrences(data, len, "reason=no-mapping count=2000"), 1);
    CU_ASSERT_EQUAL(occurrences(data, len, "reason=no-mapping count=1001"), 0);

    /* with tshark: each comment is on the dropped packet as the box's NIC
     * captured it arriving */
    g_autofree char *nm_if =
        tshark_fields(pcap, "frame.comment contains \"reason=no-mapping\"", "frame.interface_name");
    if (!nm_if) {
        fprintf(stderr, " (tshark not on PATH: placement checks skipped) ");
        return;
    }
    CU_ASSERT_EQUAL(lines_all(nm_if, "gw/out0"), (int)noted(nm));
    g_autofree char *nm_dst =
        tshark_fields(pcap, "frame.comment contains \"reason=no-mapping\"", "ip.dst");
    CU_ASSERT_EQUAL(lines_all(nm_dst, "203.0.113.99"), (int)noted(nm));
    g_autofree char *ne_src =
        tshark_fields(pcap, "frame.comment contains \"reason=no-eip\"", "ip.src");
    CU_ASSERT_EQUAL(lines_all(ne_src, "10.0.0.3"), (int)noted(ne));
    g_autofree char *tf_if =
        tshark_fields(pcap, "frame.comment contains \"reason=table-full\"", "frame.interface_name");
    CU_ASSERT_EQUAL(lines_all(tf_if, "gw/in0"), (int)noted(tf));
    /* the packets that got through carry no NAT comment: the flows to
     * remote from the EIP host's first two ports */
    g_autofree char *tf_ports =
        tshark_fields(pcap, "frame.comment contains \"reason=table-full\"", "udp.srcport");
    g_auto(GStrv) ports = g_strsplit(tf_ports, "\n", -1);
    for (int i = 0; ports[i] && ports[i][0]; i++)
        CU_ASSERT_TRUE(strcmp(ports[i], "40002") == 0 || strcmp(ports[i], "40003") == 0);
}

/* The comment is the capture's business only: the same run with and
 * without capture drops exactly the same packets. */
static void nat_drop_comments_change_nothing_else(void)
{
    g_autofree char *dir = cu_scratch_dir("nat-drops-same");
    g_autofree char *path = write_scenario(dir);
    NatStats a, b;
    run_counts(path, &a);
    ScenarioOptions opts = {0};
    GError *error = NULL;
    Sim *sim = scenario_load(path, &opts, NULL, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    g_autofree char *pcap = g_strdup_printf("%s/x.pcapng", dir);
    sim->cap = capture_new(CAPTURE_PCAPNG, pcap, 0, NULL, &error);
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim->cap);
    sim_run(sim, false);
    b = *nat_stats(sim->nats->pdata[0]);
    capture_abort(sim->cap);
    sim->cap = NULL;
    sim_free(sim);
    CU_ASSERT_EQUAL(memcmp(a.drops, b.drops, sizeof a.drops), 0);
    CU_ASSERT_EQUAL(a.snat, b.snat);
    CU_ASSERT_EQUAL(a.created, b.created);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"nat_drop_comments_and_their_limit", nat_drop_comments_and_their_limit},
        {"nat_drop_comments_change_nothing_else", nat_drop_comments_change_nothing_else},
        CU_TEST_INFO_NULL,
    };
    return cu_run("nat_comments", cases);
}
