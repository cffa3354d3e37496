/* test_analyze.c - tools/bondsim-analyze against the simulator's own
 * statistics.
 *
 * scenarios/balance-rr.ini runs once into a scratch directory as pcapng and
 * once as classic pcap files. The analyser then reads the captures and must
 * agree with stats.json: at client/eth0 the UDP stream's RFC 4737/5236
 * "reorder" object (the analyser writes it in the simulator's format, so the
 * two compare as text) and the ping replies'; at server/eth0 and
 * server/eth1 the frames and bytes each way equal the NIC counters, and the
 * load series lines up with series.csv. Damaged input (truncated pcapng and
 * pcap, non-Ethernet link types, a missing file, an unknown interface) must
 * give an exit code and one message naming the file.
 */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cu_run.h"
#include "testlib.h"
#include "util/bytes.h"

#define SCENARIO BONDSIM_SOURCE_DIR "/scenarios/balance-rr.ini"
#define RTP_SCENARIO BONDSIM_SOURCE_DIR "/scenarios/rtp-balance-rr.ini"

/* ------------------------------------------------------------------------
 * The runs, made once and shared
 * ------------------------------------------------------------------------ */

static char *ng_dir;   /* pcapng run */
static char *pcap_dir; /* --pcap-format pcap run */
static char *rtp_dir;  /* RTP_SCENARIO, pcapng */

/* Runs `scenario` once into the scratch directory `name`, kept in *dir. */
static const char *run_once(char **dir, const char *name, const char *scenario, const char *format)
{
    if (*dir != NULL)
        return *dir;
    *dir = cu_scratch_dir(name);
    TlRun r = tl_bondsim("run", scenario, "-o", *dir, "-q", "--pcap-format", format, NULL);
    tl_checkf(r.code == 0, __LINE__, "bondsim run %s exits 0, got %d: %s", scenario, r.code, r.err);
    tl_run_clear(&r);
    return *dir;
}

static const char *run_dir(gboolean classic)
{
    if (classic)
        return run_once(&pcap_dir, "analyze-pcap", SCENARIO, "pcap");
    return run_once(&ng_dir, "analyze-pcapng", SCENARIO, "pcapng");
}

static char *read_text(const char *path)
{
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        tl_checkf(FALSE, __LINE__, "%s can be read", path);
        return g_strdup("");
    }
    return text;
}

/* The JSON object or array that starts at `p` ('{' or '['), as text. No
 * string in these files holds a brace. */
static char *json_object_at(const char *p)
{
    if (p == NULL)
        return g_strdup("");
    int depth = 0;
    for (const char *q = p; *q; q++) {
        if (*q == '{' || *q == '[')
            depth++;
        else if ((*q == '}' || *q == ']') && --depth == 0)
            return g_strndup(p, (gsize)(q - p + 1));
    }
    return g_strdup("");
}

/* The `"key":{...}` member after the first occurrence of `anchor`. */
static char *json_member_after(const char *json, const char *anchor, const char *key)
{
    const char *a = strstr(json, anchor);
    if (a == NULL)
        return g_strdup("");
    g_autofree char *k = g_strdup_printf("\"%s\":", key);
    const char *m = strstr(a, k);
    return m ? json_object_at(m + strlen(k)) : g_strdup("");
}

/* Runs the analyser with --json into the scratch dir; returns the JSON. */
static char *analyze_json(const char *dir, const char *name, const char *first,
                          ...) G_GNUC_NULL_TERMINATED;

static char *analyze_json(const char *dir, const char *name, const char *first, ...)
{
    g_autofree char *json = g_build_filename(dir, name, NULL);
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)BONDSIM_ANALYZE);
    va_list args;
    va_start(args, first);
    for (const char *a = first; a != NULL; a = va_arg(args, const char *))
        g_ptr_array_add(argv, (gpointer)a);
    va_end(args);
    g_ptr_array_add(argv, (gpointer) "--json");
    g_ptr_array_add(argv, json);
    g_ptr_array_add(argv, NULL);
    TlRun r = tl_spawn((const char *const *)argv->pdata);
    tl_checkf(r.code == 0, __LINE__, "bondsim-analyze exits 0 (stderr: %s)", r.err);
    tl_checkf(strstr(r.out, "Reordering at") != NULL, __LINE__, "the report has its tables: %s",
              r.out);
    tl_run_clear(&r);
    return read_text(json);
}

/* ------------------------------------------------------------------------
 * Agreement with the simulator
 * ------------------------------------------------------------------------ */

/* The analyser's flow after `an_anchor` against stats.json's flow `name`:
 * the reorder object as text and the receiver's counters. */
static void check_flow_equals(const char *stats, const char *name, const char *an,
                              const char *an_anchor, int line)
{
    g_autofree char *sim_anchor = g_strdup_printf("{\"name\":\"%s\",\"kind\"", name);
    g_autofree char *sim_rr = json_member_after(stats, sim_anchor, "reorder");
    g_autofree char *an_rr = json_member_after(an, an_anchor, "reorder");
    tl_checkf(sim_rr[0] != '\0' && strcmp(sim_rr, an_rr) == 0, line,
              "%s reordering equals stats.json:\n  sim %s\n  an  %s", name, sim_rr, an_rr);
    static const char *const keys[] = {"received", "out_of_order", "duplicates", "rx_bytes"};
    for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
        gint64 want = tl_json_int(stats, sim_anchor, keys[k]);
        gint64 got = tl_json_int(an, an_anchor, keys[k]);
        tl_checkf(want >= 0 && want == got, line,
                  "%s %s: stats.json %" G_GINT64_FORMAT ", analyser %" G_GINT64_FORMAT, name,
                  keys[k], want, got);
    }
}

/* The stream (BSIM flow 0) and ping replies (flow 1, received at the
 * client) as the simulator's receivers saw them. */
static void check_flows_match(const char *stats, const char *an, int line)
{
    check_flow_equals(stats, "stream", an, "\"bsim_flow\":0,", line);
    check_flow_equals(stats, "ping", an, "icmp 10.0.0.1 > 10.0.0.2 id 2\",\"seq_source\":\"bsim\"",
                      line);
}

static void reordering_at_client_equals_stats_json(void)
{
    const char *dir = run_dir(FALSE);
    g_autofree char *cap = g_build_filename(dir, "balance-rr.pcapng", NULL);
    g_autofree char *stats_path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *stats = read_text(stats_path);
    g_autofree char *an = analyze_json(dir, "client.json", cap, "--interface", "client/eth0",
                                       "--direction", "in", "--flows", NULL);
    check_flows_match(stats, an, __LINE__);
    /* the only other flow at the client: nothing else carries BSIM */
    CU_ASSERT_PTR_NULL(strstr(an, "\"bsim_flow\":2"));
    /* the sender numbers IPv4 IDs per flow as Linux does per connected
     * socket: --seq ipid, the sequence for foreign captures, agrees too */
    g_autofree char *ipid = analyze_json(dir, "ipid.json", cap, "--interface", "client/eth0",
                                         "--direction", "in", "--seq", "ipid", NULL);
    g_autofree char *sim_rr = json_member_after(stats, "\"name\":\"stream\"", "reorder");
    g_autofree char *ipid_rr = json_member_after(ipid, "\"ipid udp 10.0.0.1:40000", "reorder");
    tl_checkf(sim_rr[0] != '\0' && strcmp(sim_rr, ipid_rr) == 0, __LINE__,
              "--seq ipid: stream reordering equals stats.json:\n  sim %s\n  an  %s", sim_rr,
              ipid_rr);
}

/* Per slave: the analyser's frames and bytes each way equal the NIC
 * counters of stats.json. */
static void slave_bytes_equal_nic_counters(void)
{
    const char *dir = run_dir(FALSE);
    g_autofree char *cap = g_build_filename(dir, "balance-rr.pcapng", NULL);
    g_autofree char *stats_path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *stats = read_text(stats_path);
    g_autofree char *series = g_build_filename(dir, "an-series.csv", NULL);
    g_autofree char *an = analyze_json(dir, "slaves.json", cap, "-i", "server/eth0", "-i",
                                       "server/eth1", "--bin", "10ms", "--series", series, NULL);
    static const char *const slaves[] = {"server/eth0", "server/eth1"};
    static const char *const keys[] = {"tx_frames", "tx_bytes", "rx_frames", "rx_bytes"};
    for (gsize s = 0; s < G_N_ELEMENTS(slaves); s++) {
        g_autofree char *anchor = g_strdup_printf("{\"name\":\"%s\"", slaves[s]);
        for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
            gint64 want = tl_json_int(stats, anchor, keys[k]);
            gint64 got = tl_json_int(an, anchor, keys[k]);
            tl_checkf(want > 0 && want == got, __LINE__,
                      "%s %s: stats.json %" G_GINT64_FORMAT ", analyser %" G_GINT64_FORMAT,
                      slaves[s], keys[k], want, got);
        }
    }
}

/* Parses a series CSV into rows of doubles (the header is dropped). */
static GPtrArray *read_csv(const char *path)
{
    g_autofree char *text = read_text(path);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    for (char **l = lines + (lines[0] ? 1 : 0); *l != NULL; l++) {
        if (**l == '\0')
            continue;
        g_auto(GStrv) cells = g_strsplit(*l, ",", -1);
        GArray *row = g_array_new(FALSE, FALSE, sizeof(double));
        for (char **c = cells; *c != NULL; c++) {
            double v = g_ascii_strtod(*c, NULL);
            g_array_append_val(row, v);
        }
        g_ptr_array_add(rows, row);
    }
    return rows;
}

/* The analyser's bins line up with series.csv: at every bin end the
 * cumulative bytes of each column differ by at most one frame, the one the
 * simulator's sampling event counted on the other side of the boundary. */
static void load_series_lines_up_with_series_csv(void)
{
    const char *dir = run_dir(FALSE);
    g_autofree char *sim_path = g_build_filename(dir, "series.csv", NULL);
    g_autofree char *an_path = g_build_filename(dir, "an-series.csv", NULL);
    if (!g_file_test(an_path, G_FILE_TEST_EXISTS))
        slave_bytes_equal_nic_counters();
    g_autoptr(GPtrArray) sim = read_csv(sim_path);
    g_autoptr(GPtrArray) an = read_csv(an_path);
    CU_ASSERT_TRUE_FATAL(an->len > 0 && sim->len > 0);
    double sim_cum[4] = {0}, an_cum[4] = {0};
    guint j = 0, compared = 0;
    for (guint i = 0; i < sim->len; i++) {
        GArray *s = sim->pdata[i];
        CU_ASSERT_EQUAL_FATAL(s->len, 6);
        for (int c = 0; c < 4; c++)
            sim_cum[c] += g_array_index(s, double, c + 2);
        double end = g_array_index(s, double, 1);
        while (j < an->len && g_array_index((GArray *)an->pdata[j], double, 1) <= end + 1e-9) {
            GArray *a = an->pdata[j++];
            CU_ASSERT_EQUAL_FATAL(a->len, 6);
            for (int c = 0; c < 4; c++)
                an_cum[c] += g_array_index(a, double, c + 2);
        }
        for (int c = 0; c < 4; c++)
            tl_checkf(sim_cum[c] - an_cum[c] <= 1518 && an_cum[c] - sim_cum[c] <= 1518, __LINE__,
                      "bin ending %.3f s column %d: series.csv %.0f, analyser %.0f bytes so far",
                      end, c, sim_cum[c], an_cum[c]);
        compared++;
    }
    for (int c = 0; c < 4; c++)
        CU_ASSERT_DOUBLE_EQUAL(sim_cum[c], an_cum[c], 0.5);
    CU_ASSERT_EQUAL(j, an->len);
    CU_ASSERT_TRUE(compared > 50);
}

/* Classic pcap files, one per interface and without directions: the same
 * reordering at client_eth0, and the slaves' bytes both ways together. */
static void classic_pcap_input_agrees(void)
{
    const char *dir = run_dir(TRUE);
    g_autofree char *stats_path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *stats = read_text(stats_path);
    g_autofree char *client = g_build_filename(dir, "pcap", "client_eth0.pcap", NULL);
    g_autofree char *an = analyze_json(dir, "client.json", client, NULL);
    check_flow_equals(stats, "stream", an, "\"bsim_flow\":0,", __LINE__);
    g_autofree char *eth0 = g_build_filename(dir, "pcap", "server_eth0.pcap", NULL);
    g_autofree char *eth1 = g_build_filename(dir, "pcap", "server_eth1.pcap", NULL);
    g_autofree char *an2 = analyze_json(dir, "slaves.json", eth0, eth1, NULL);
    static const char *const names[][2] = {{"server/eth0", "server_eth0"},
                                           {"server/eth1", "server_eth1"}};
    for (gsize s = 0; s < G_N_ELEMENTS(names); s++) {
        g_autofree char *sim_anchor = g_strdup_printf("{\"name\":\"%s\"", names[s][0]);
        g_autofree char *an_anchor = g_strdup_printf("{\"name\":\"%s\"", names[s][1]);
        gint64 want =
            tl_json_int(stats, sim_anchor, "tx_bytes") + tl_json_int(stats, sim_anchor, "rx_bytes");
        gint64 got = tl_json_int(an2, an_anchor, "nodir_bytes");
        tl_checkf(want > 0 && want == got, __LINE__,
                  "%s: tx+rx bytes %" G_GINT64_FORMAT ", analyser %" G_GINT64_FORMAT, names[s][1],
                  want, got);
    }
}

/* ------------------------------------------------------------------------
 * RTP flows: the BSIM header after the RTP header
 * ------------------------------------------------------------------------ */

/* rtp-balance-rr.ini: voice#1..3, BSIM flows 0..2, received at client/eth0 */
#define RTP_FLOWS 3

static const char *rtp_run(void)
{
    return run_once(&rtp_dir, "analyze-rtp", RTP_SCENARIO, "pcapng");
}

/* How many times `needle` occurs in `hay`. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The analyser's "flows" array, as text. */
static char *flows_of(const char *an)
{
    const char *p = strstr(an, "\"flows\":[");
    return json_object_at(p ? p + strlen("\"flows\":") : NULL);
}

/* Auto mode finds the BSIM header behind the RTP header: each voice flow
 * is keyed by its BSIM flow id and agrees with stats.json; at the sender's
 * bond every datagram leaves once, so there the analyser counts `sent`, and
 * sent - received is `lost`. --seq bsim reads the very same flows. */
static void rtp_flows_by_bsim_id_equal_stats_json(void)
{
    const char *dir = rtp_run();
    g_autofree char *cap = g_build_filename(dir, "rtp-balance-rr.pcapng", NULL);
    g_autofree char *stats_path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *stats = read_text(stats_path);
    g_autofree char *an = analyze_json(dir, "rtp-auto.json", cap, "-i", "client/eth0",
                                       "--direction", "in", "--flows", NULL);
    tl_checkf(count_of(an, "\"seq_source\":\"bsim\"") == RTP_FLOWS &&
                  count_of(an, "\"seq_source\":") == RTP_FLOWS,
              __LINE__, "every flow at the client is read from its BSIM header: %s", an);
    g_autofree char *tx =
        analyze_json(dir, "rtp-tx.json", cap, "-i", "server/bond0", "--direction", "out", NULL);
    for (int i = 0; i < RTP_FLOWS; i++) {
        g_autofree char *name = g_strdup_printf("voice#%d", i + 1);
        g_autofree char *sim_anchor = g_strdup_printf("{\"name\":\"%s\",\"kind\"", name);
        g_autofree char *anchor = g_strdup_printf("\"bsim_flow\":%d,", i);
        check_flow_equals(stats, name, an, anchor, __LINE__);
        gint64 sent = tl_json_int(stats, sim_anchor, "sent");
        gint64 lost = tl_json_int(stats, sim_anchor, "lost");
        gint64 tx_seen = tl_json_int(tx, anchor, "received");
        gint64 rx_seen = tl_json_int(an, anchor, "received");
        tl_checkf(sent > 0 && tx_seen == sent, __LINE__,
                  "%s: sent %" G_GINT64_FORMAT ", analyser at server/bond0 %" G_GINT64_FORMAT, name,
                  sent, tx_seen);
        tl_checkf(lost > 0 && tx_seen - rx_seen == lost, __LINE__,
                  "%s: lost %" G_GINT64_FORMAT ", analyser %" G_GINT64_FORMAT
                  " - %" G_GINT64_FORMAT,
                  name, lost, tx_seen, rx_seen);
    }
    g_autofree char *bsim = analyze_json(dir, "rtp-bsim.json", cap, "-i", "client/eth0",
                                         "--direction", "in", "--flows", "--seq", "bsim", NULL);
    g_autofree char *auto_flows = flows_of(an);
    g_autofree char *bsim_flows = flows_of(bsim);
    tl_checkf(auto_flows[0] != '\0' && strcmp(auto_flows, bsim_flows) == 0, __LINE__,
              "--seq bsim gives the flows of auto:\n  auto %s\n  bsim %s", auto_flows, bsim_flows);
}

/* --seq rtp still keys the flows by SSRC and numbers them by RTP's 16-bit
 * sequence. bondsim sets each flow's SSRC to g_str_hash(flow name)
 * (flow_set_rtp) and its RTP sequence to the BSIM one modulo 2^16, so the
 * figures equal stats.json's too. */
static void seq_rtp_keys_flows_by_ssrc(void)
{
    const char *dir = rtp_run();
    g_autofree char *cap = g_build_filename(dir, "rtp-balance-rr.pcapng", NULL);
    g_autofree char *stats_path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *stats = read_text(stats_path);
    g_autofree char *an = analyze_json(dir, "rtp-seq.json", cap, "-i", "client/eth0", "--direction",
                                       "in", "--seq", "rtp", NULL);
    tl_checkf(count_of(an, "\"seq_source\":\"rtp\"") == RTP_FLOWS &&
                  count_of(an, "\"seq_source\":") == RTP_FLOWS && strstr(an, "bsim_flow") == NULL,
              __LINE__, "--seq rtp: every flow is an RTP one: %s", an);
    for (int i = 0; i < RTP_FLOWS; i++) {
        g_autofree char *name = g_strdup_printf("voice#%d", i + 1);
        g_autofree char *anchor =
            g_strdup_printf("\"flow\":\"rtp 0x%08x udp 10.0.0.1:", g_str_hash(name));
        tl_checkf(strstr(an, anchor) != NULL, __LINE__, "%s: flow %s...: %s", name, anchor, an);
        check_flow_equals(stats, name, an, anchor, __LINE__);
    }
}

/* A classic pcap of RTP frames written here: the RTP header has two CSRCs
 * and a one-word header extension before the BSIM header (flow 7, sequence
 * 100 + k), RTP sequence 65534 + k (it wraps), arrival order 0 2 1 3 4. A
 * sixth frame's extension claims more words than the datagram holds: no
 * BSIM header is looked for behind it. */
static void put_rtp_frame(GByteArray *pcap, uint32_t t_us, uint16_t rtp_seq, uint64_t bsim_seq,
                          uint16_t ext_words)
{
    enum { PAYLOAD = 12 + 8 + 4 + 4 + 24, FRAME = 14 + 20 + 8 + PAYLOAD };
    uint8_t f[16 + FRAME] = {0};
    put_le32(f, 1);
    put_le32(f + 4, t_us);
    put_le32(f + 8, FRAME);
    put_le32(f + 12, FRAME);
    uint8_t *e = f + 16;
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1};
    memcpy(e, macs, sizeof macs);
    put_be16(e + 12, 0x0800);
    uint8_t *ip = e + 14;
    ip[0] = 0x45;
    put_be16(ip + 2, 20 + 8 + PAYLOAD);
    put_be16(ip + 4, (uint16_t)bsim_seq);
    put_be16(ip + 6, 0x4000);
    ip[8] = 64;
    ip[9] = 17;
    static const uint8_t addrs[8] = {10, 0, 0, 1, 10, 0, 0, 2};
    memcpy(ip + 12, addrs, sizeof addrs);
    uint8_t *udp = ip + 20;
    put_be16(udp, 40000);
    put_be16(udp + 2, 5004);
    put_be16(udp + 4, 8 + PAYLOAD);
    uint8_t *rtp = udp + 8;
    rtp[0] = 0x80 | 0x10 | 2; /* version 2, extension, 2 CSRCs */
    rtp[1] = 96;
    put_be16(rtp + 2, rtp_seq);
    put_be32(rtp + 4, t_us * 90 / 1000);
    put_be32(rtp + 8, 0x5eed0001u);
    put_be32(rtp + 12, 0x11111111u);
    put_be32(rtp + 16, 0x22222222u);
    put_be16(rtp + 20, 0xbede);
    put_be16(rtp + 22, ext_words);
    uint8_t *bsim = rtp + 28;
    memcpy(bsim, "BSIM", 4);
    put_be32(bsim + 4, 7);
    put_be64(bsim + 8, bsim_seq);
    put_be64(bsim + 16, (uint64_t)t_us * 1000);
    g_byte_array_append(pcap, f, sizeof f);
}

static void rtp_csrc_and_extension_are_skipped(void)
{
    g_autofree char *dir = cu_scratch_dir("analyze-rtp-ext");
    GByteArray *pcap = g_byte_array_new();
    uint8_t hdr[24] = {0};
    put_le32(hdr, 0xA1B2C3D4u);
    put_le16(hdr + 4, 2);
    put_le16(hdr + 6, 4);
    put_le32(hdr + 16, 65535);
    put_le32(hdr + 20, 1);
    g_byte_array_append(pcap, hdr, sizeof hdr);
    /* the first gap is the longest: 2 ms, then 1 ms each */
    static const int order[] = {0, 2, 1, 3, 4};
    static const uint32_t t_us[] = {1000, 3000, 4000, 5000, 6000, 7000};
    for (int i = 0; i < 5; i++)
        put_rtp_frame(pcap, t_us[i], (uint16_t)(65534 + order[i]), (uint64_t)(100 + order[i]), 1);
    put_rtp_frame(pcap, t_us[5], 3, 105, 0xffff);
    g_autofree char *path = g_build_filename(dir, "rtp-ext.pcap", NULL);
    gboolean written = g_file_set_contents(path, (const char *)pcap->data, pcap->len, NULL);
    g_byte_array_unref(pcap);
    CU_ASSERT_TRUE_FATAL(written);

    g_autofree char *an = analyze_json(dir, "auto.json", path, "--gaps", "16", NULL);
    const char *flow = "\"flow\":\"bsim 7 udp 10.0.0.1:40000 > 10.0.0.2:5004\"";
    tl_checkf(strstr(an, flow) != NULL, __LINE__,
              "auto: BSIM flow 7 behind CSRCs and extension: %s", an);
    CU_ASSERT_EQUAL(tl_json_int(an, flow, "received"), 5);
    CU_ASSERT_EQUAL(tl_json_int(an, flow, "out_of_order"), 1);
    CU_ASSERT_EQUAL(tl_json_int(an, flow, "reordered"), 1);
    CU_ASSERT_EQUAL(tl_json_int(an, flow, "max_extent"), 1);
    /* gaps carry the BSIM numbers: the first gap runs from 100 to 102 */
    CU_ASSERT_EQUAL(tl_json_int(an, flow, "seq_before"), 100);
    CU_ASSERT_EQUAL(tl_json_int(an, flow, "seq_after"), 102);
    /* the frame with the overlong extension falls back to the IPv4 ID */
    const char *ipid = "\"flow\":\"ipid udp 10.0.0.1:40000 > 10.0.0.2:5004\"";
    tl_checkf(strstr(an, ipid) != NULL, __LINE__, "auto: the damaged frame is an ipid flow: %s",
              an);
    CU_ASSERT_EQUAL(tl_json_int(an, ipid, "received"), 1);
    CU_ASSERT_EQUAL(count_of(an, "\"seq_source\":"), 2);

    g_autofree char *rtp =
        analyze_json(dir, "rtp.json", path, "--seq", "rtp", "--gaps", "16", NULL);
    const char *rflow = "\"flow\":\"rtp 0x5eed0001 udp 10.0.0.1:40000 > 10.0.0.2:5004\"";
    tl_checkf(strstr(rtp, rflow) != NULL && count_of(rtp, "\"seq_source\":") == 1, __LINE__,
              "--seq rtp: one flow, SSRC 0x5eed0001: %s", rtp);
    /* all six frames carry RTP; the sixth, sequence 3, is 65539 unwrapped */
    CU_ASSERT_EQUAL(tl_json_int(rtp, rflow, "received"), 6);
    CU_ASSERT_EQUAL(tl_json_int(rtp, rflow, "out_of_order"), 1);
    CU_ASSERT_EQUAL(tl_json_int(rtp, rflow, "reordered"), 1);
    CU_ASSERT_EQUAL(tl_json_int(rtp, rflow, "seq_before"), 65534);
    CU_ASSERT_EQUAL(tl_json_int(rtp, rflow, "seq_after"), 0);
}

/* ------------------------------------------------------------------------
 * Damaged input
 * ------------------------------------------------------------------------ */

/* The analyser fails with `code` and one stderr line naming `path` and
 * holding `what`; nothing on stdout. */
static void check_fails(const char *path, int code, const char *what, int line)
{
    TlRun r = tl_spawnl(BONDSIM_ANALYZE, path, NULL);
    tl_checkf(r.code == code, line, "%s: exit %d, got %d (%s)", path, code, r.code, r.err);
    g_autofree char *prefix = g_strdup_printf("bondsim-analyze: %s: ", path);
    tl_checkf(g_str_has_prefix(r.err, prefix) && strstr(r.err, what) != NULL &&
                  strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
              line, "%s: one message naming the file with '%s': %s", path, what, r.err);
    tl_checkf(r.out[0] == '\0', line, "%s: nothing on stdout: %s", path, r.out);
    tl_run_clear(&r);
}

static void write_prefix(const char *from, const char *to, gsize n)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(from, &data, &len, NULL));
    CU_ASSERT_TRUE_FATAL(len > n);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(to, data, (gssize)n, NULL));
}

static void truncated_captures_name_the_file(void)
{
    const char *ng = run_dir(FALSE);
    const char *pc = run_dir(TRUE);
    g_autofree char *cap = g_build_filename(ng, "balance-rr.pcapng", NULL);
    g_autofree char *cut = g_build_filename(ng, "cut.pcapng", NULL);
    write_prefix(cap, cut, 3001); /* inside a block */
    check_fails(cut, 1, "truncated pcapng file", __LINE__);
    g_autofree char *pcap = g_build_filename(pc, "pcap", "client_eth0.pcap", NULL);
    g_autofree char *cut2 = g_build_filename(pc, "cut.pcap", NULL);
    write_prefix(pcap, cut2, 1000);
    check_fails(cut2, 1, "truncated", __LINE__);
    g_autofree char *missing = g_build_filename(pc, "missing.pcap", NULL);
    check_fails(missing, 1, "cannot open", __LINE__);
}

/* A classic pcap with link type 101 (raw IP) and a pcapng whose interface
 * is Linux cooked (113, `tcpdump -i any`). */
static void non_ethernet_link_types_are_refused(void)
{
    g_autofree char *dir = cu_scratch_dir("analyze-linktype");
    uint8_t pcap[24 + 16 + 20] = {0};
    put_le32(pcap, 0xA1B2C3D4u);
    put_le16(pcap + 4, 2);
    put_le16(pcap + 6, 4);
    put_le32(pcap + 16, 65535);
    put_le32(pcap + 20, 101);
    put_le32(pcap + 24 + 8, 20);
    put_le32(pcap + 24 + 12, 20);
    pcap[40] = 0x45;
    g_autofree char *raw = g_build_filename(dir, "rawip.pcap", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(raw, (const char *)pcap, sizeof pcap, NULL));
    check_fails(raw, 1, "is not Ethernet", __LINE__);

    uint8_t ng[28 + 20] = {0};
    put_le32(ng, 0x0A0D0D0Au);
    put_le32(ng + 4, 28);
    put_le32(ng + 8, 0x1A2B3C4Du);
    put_le16(ng + 12, 1);
    put_le64(ng + 16, UINT64_MAX);
    put_le32(ng + 24, 28);
    put_le32(ng + 28, 1);
    put_le32(ng + 32, 20);
    put_le16(ng + 36, 113);
    put_le32(ng + 40, 65535);
    put_le32(ng + 44, 20);
    g_autofree char *sll = g_build_filename(dir, "cooked.pcapng", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(sll, (const char *)ng, sizeof ng, NULL));
    check_fails(sll, 1, "not Ethernet", __LINE__);
}

/* A zero-length file (pcap or pcapng by name) and a directory. */
static void empty_file_and_directory_name_the_file(void)
{
    g_autofree char *dir = cu_scratch_dir("analyze-empty");
    static const char *const names[] = {"empty.pcap", "empty.pcapng"};
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(dir, names[i], NULL);
        CU_ASSERT_TRUE_FATAL(g_file_set_contents(path, "", 0, NULL));
        check_fails(path, 1, "empty file (0 bytes)", __LINE__);
    }
    g_autofree char *sub = g_build_filename(dir, "dir.pcapng", NULL);
    CU_ASSERT_EQUAL_FATAL(g_mkdir(sub, 0755), 0);
    check_fails(sub, 1, "cannot read the capture", __LINE__);
}

/* Cut inside any part of a block (its type, its length, the byte-order
 * magic, the body, the trailing length), the pcapng is reported truncated;
 * cut exactly between blocks it is a shorter valid capture. The blocks of
 * the RTP run's capture are walked here from their lengths. */
static void pcapng_cut_anywhere_in_a_block(void)
{
    const char *dir = rtp_run();
    g_autofree char *cap = g_build_filename(dir, "rtp-balance-rr.pcapng", NULL);
    g_autofree char *cut = g_build_filename(dir, "cut.pcapng", NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(cap, (char **)&data, &len, NULL));
    CU_ASSERT_TRUE_FATAL(len > 12 && get_le32((const uint8_t *)data + 8) == 0x1A2B3C4Du);
    GArray *starts = g_array_new(FALSE, FALSE, sizeof(gsize));
    for (gsize off = 0; off + 12 <= len;) {
        g_array_append_val(starts, off);
        gsize total = get_le32((const uint8_t *)data + off + 4);
        CU_ASSERT_TRUE_FATAL(total >= 12 && total % 4 == 0);
        off += total;
        CU_ASSERT_TRUE_FATAL(off <= len);
    }
    CU_ASSERT_TRUE_FATAL(starts->len > 8);
    /* the first six blocks (SHB, IDBs), a packet in the middle, the last */
    guint pick[] = {0, 1, 2, 3, 4, 5, starts->len / 2, starts->len - 1};
    int cuts = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(pick); i++) {
        gsize start = g_array_index(starts, gsize, pick[i]);
        gsize total = get_le32((const uint8_t *)data + start + 4);
        gsize at[] = {start + 1,  start + 4,         start + 7,
                      start + 11, start + total / 2, start + total - 1};
        for (gsize j = 0; j < G_N_ELEMENTS(at); j++) {
            if (at[j] == 0 || at[j] >= start + total)
                continue;
            CU_ASSERT_TRUE_FATAL(g_file_set_contents(cut, data, (gssize)at[j], NULL));
            /* under 4 bytes there is no pcapng magic to recognise */
            check_fails(cut, 1, at[j] < 4 ? "truncated" : "truncated pcapng file", __LINE__);
            cuts++;
        }
        CU_ASSERT_TRUE_FATAL(g_file_set_contents(cut, data, (gssize)(start + total), NULL));
        TlRun r = tl_spawnl(BONDSIM_ANALYZE, cut, NULL);
        tl_checkf(r.code == 0 && r.err[0] == '\0', __LINE__,
                  "cut after block %u (offset %zu): exit 0, got %d: %s", pick[i], start + total,
                  r.code, r.err);
        tl_run_clear(&r);
    }
    CU_ASSERT_TRUE(cuts >= 40);
    g_array_free(starts, TRUE);
}

/* pcapng blocks: a section header, then `n` bytes of `more`. */
static void write_pcapng(const char *path, const uint8_t *more, gsize n)
{
    uint8_t shb[28] = {0};
    put_le32(shb, 0x0A0D0D0Au);
    put_le32(shb + 4, 28);
    put_le32(shb + 8, 0x1A2B3C4Du);
    put_le16(shb + 12, 1);
    put_le64(shb + 16, UINT64_MAX);
    put_le32(shb + 24, 28);
    GByteArray *b = g_byte_array_new();
    g_byte_array_append(b, shb, sizeof shb);
    g_byte_array_append(b, more, (guint)n);
    gboolean ok = g_file_set_contents(path, (const char *)b->data, b->len, NULL);
    g_byte_array_unref(b);
    CU_ASSERT_TRUE_FATAL(ok);
}

/* An Ethernet IDB (20 bytes) at `p`. */
static void put_idb(uint8_t *p)
{
    put_le32(p, 1);
    put_le32(p + 4, 20);
    put_le16(p + 8, 1);
    put_le32(p + 12, 65535);
    put_le32(p + 16, 20);
}

/* Blocks whose lengths or fields do not hold together: each is refused
 * with a message naming the file and what is wrong, never read past. */
static void corrupt_pcapng_blocks_are_refused(void)
{
    g_autofree char *dir = cu_scratch_dir("analyze-corrupt");
    g_autofree char *path = g_build_filename(dir, "bad.pcapng", NULL);
    uint8_t b[64];

    /* a simple packet block of 12 bytes: no room for its length field */
    memset(b, 0, sizeof b);
    put_idb(b);
    put_le32(b + 20, 3);
    put_le32(b + 24, 12);
    put_le32(b + 28, 12);
    write_pcapng(path, b, 32);
    check_fails(path, 1, "simple packet block too short", __LINE__);

    /* an enhanced packet block for interface 3 of 1 */
    memset(b, 0, sizeof b);
    put_idb(b);
    put_le32(b + 20, 6);
    put_le32(b + 24, 32);
    put_le32(b + 28, 3);
    put_le32(b + 48, 32);
    write_pcapng(path, b, 52);
    check_fails(path, 1, "packet for interface 3, but 1 described", __LINE__);

    /* captured length 100 in a block with no data */
    put_le32(b + 28, 0);
    put_le32(b + 40, 100);
    write_pcapng(path, b, 52);
    check_fails(path, 1, "captured length runs past the block", __LINE__);

    /* block length not a multiple of 4 */
    memset(b, 0, sizeof b);
    put_idb(b);
    put_le32(b + 4, 13);
    write_pcapng(path, b, 20);
    check_fails(path, 1, "has length 13", __LINE__);

    /* trailing length differs from the leading one */
    memset(b, 0, sizeof b);
    put_idb(b);
    put_le32(b + 16, 24);
    write_pcapng(path, b, 20);
    check_fails(path, 1, "trailing length 24, leading 20", __LINE__);

    /* an interface option of 100 bytes in a 24-byte block */
    memset(b, 0, sizeof b);
    put_le32(b, 1);
    put_le32(b + 4, 24);
    put_le16(b + 8, 1);
    put_le32(b + 12, 65535);
    put_le16(b + 16, 2);
    put_le16(b + 18, 100);
    put_le32(b + 20, 24);
    write_pcapng(path, b, 24);
    check_fails(path, 1, "an interface option overruns its block", __LINE__);

    /* a second section whose byte-order magic is neither order */
    memset(b, 0, sizeof b);
    put_le32(b, 0x0A0D0D0Au);
    put_le32(b + 4, 28);
    put_le32(b + 8, 0x12345678u);
    put_le32(b + 24, 28);
    write_pcapng(path, b, 28);
    check_fails(path, 1, "byte-order magic 0x12345678", __LINE__);
}

/* Two frames 2^40 us (12.7 days) apart: more than a million 10 ms bins,
 * as a damaged time stamp gives. Refused (exit 2) naming the file. */
static void far_time_stamp_names_the_file(void)
{
    g_autofree char *dir = cu_scratch_dir("analyze-far");
    g_autofree char *path = g_build_filename(dir, "far.pcapng", NULL);
    uint8_t b[20 + 2 * 48] = {0};
    put_idb(b);
    for (int i = 0; i < 2; i++) {
        uint8_t *e = b + 20 + 48 * i;
        put_le32(e, 6);
        put_le32(e + 4, 48);
        put_le32(e + 12, i ? 1u << 8 : 0); /* time stamp, high word */
        put_le32(e + 20, 14);
        put_le32(e + 24, 14);
        put_be16(e + 28 + 12, 0x0800);
        put_le32(e + 44, 48);
    }
    write_pcapng(path, b, sizeof b);
    TlRun r = tl_spawnl(BONDSIM_ANALYZE, path, NULL);
    g_autofree char *prefix =
        g_strdup_printf("bondsim-analyze: %s: the frame at 1099511.627776000 s", path);
    tl_checkf(r.code == 2 && g_str_has_prefix(r.err, prefix) &&
                  strstr(r.err, "more than 1000000 bins") != NULL,
              __LINE__, "exit 2 (got %d), message naming the file and the frame: %s", r.code,
              r.err);
    tl_run_clear(&r);
    /* with a wide enough bin the two frames are read */
    TlRun ok = tl_spawnl(BONDSIM_ANALYZE, path, "--bin", "1000s", NULL);
    tl_checkf(ok.code == 0 && strstr(ok.out, "2 frames, 28 bytes") != NULL, __LINE__,
              "--bin 1000s: exit 0 (got %d): %s%s", ok.code, ok.out, ok.err);
    tl_run_clear(&ok);
}

/* Two sections (as `cat a.pcapng b.pcapng` gives), each describing the
 * same unnamed interface and holding one frame: one interface of 2 frames,
 * not two rows of one name. */
static void sections_describing_one_interface_give_one_row(void)
{
    g_autofree char *dir = cu_scratch_dir("analyze-sections");
    g_autofree char *path = g_build_filename(dir, "two.pcapng", NULL);
    uint8_t b[20 + 48 + 28 + 20 + 48] = {0};
    uint8_t *p = b;
    for (int sec = 0; sec < 2; sec++) {
        if (sec) { /* the second section header */
            put_le32(p, 0x0A0D0D0Au);
            put_le32(p + 4, 28);
            put_le32(p + 8, 0x1A2B3C4Du);
            put_le16(p + 12, 1);
            put_le64(p + 16, UINT64_MAX);
            put_le32(p + 24, 28);
            p += 28;
        }
        put_idb(p);
        p += 20;
        put_le32(p, 6);
        put_le32(p + 4, 48);
        put_le32(p + 16, 1000u * (uint32_t)(sec + 1)); /* time stamp, low word */
        put_le32(p + 20, 14);
        put_le32(p + 24, 14);
        put_be16(p + 28 + 12, 0x0800);
        put_le32(p + 44, 48);
        p += 48;
    }
    CU_ASSERT_EQUAL_FATAL((gsize)(p - b), sizeof b);
    write_pcapng(path, b, sizeof b);
    g_autofree char *an = analyze_json(dir, "two.json", path, NULL);
    tl_checkf(count_of(an, "{\"name\":\"two\"") == 1 && count_of(an, "{\"name\":") == 1, __LINE__,
              "one interface named after the file: %s", an);
    CU_ASSERT_EQUAL(tl_json_int(an, "{\"name\":\"two\"", "frames"), 2);
}

/* An output that cannot be written: exit 3, one message naming the option
 * and the path asked for, no report on stdout, no file left. */
static void unwritable_output_names_option_and_path(void)
{
    const char *dir = run_dir(FALSE);
    g_autofree char *cap = g_build_filename(dir, "balance-rr.pcapng", NULL);
    static const char *const opts[] = {"--json", "--series"};
    for (gsize i = 0; i < G_N_ELEMENTS(opts); i++) {
        g_autofree char *out = g_build_filename(dir, "no-such-dir", "out.txt", NULL);
        TlRun r = tl_spawnl(BONDSIM_ANALYZE, cap, opts[i], out, NULL);
        g_autofree char *prefix =
            g_strdup_printf("bondsim-analyze: %s %s: cannot write: ", opts[i], out);
        tl_checkf(r.code == 3 && g_str_has_prefix(r.err, prefix) &&
                      strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
                  __LINE__, "%s: exit 3 (got %d), one message starting '%s': %s", opts[i], r.code,
                  prefix, r.err);
        tl_checkf(r.out[0] == '\0', __LINE__, "%s: nothing on stdout: %s", opts[i], r.out);
        CU_ASSERT_FALSE(g_file_test(out, G_FILE_TEST_EXISTS));
        tl_run_clear(&r);
    }
}

static void unknown_interface_lists_the_known_ones(void)
{
    const char *dir = run_dir(FALSE);
    g_autofree char *cap = g_build_filename(dir, "balance-rr.pcapng", NULL);
    TlRun r = tl_spawnl(BONDSIM_ANALYZE, cap, "--interface", "client/eth9", NULL);
    CU_ASSERT_EQUAL(r.code, 2);
    tl_checkf(strstr(r.err, "'client/eth9'") != NULL && strstr(r.err, "client/eth0") != NULL,
              __LINE__, "the message lists the interfaces: %s", r.err);
    tl_run_clear(&r);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"reordering_at_client_equals_stats_json", reordering_at_client_equals_stats_json},
        {"slave_bytes_equal_nic_counters", slave_bytes_equal_nic_counters},
        {"load_series_lines_up_with_series_csv", load_series_lines_up_with_series_csv},
        {"classic_pcap_input_agrees", classic_pcap_input_agrees},
        {"truncated_captures_name_the_file", truncated_captures_name_the_file},
        {"non_ethernet_link_types_are_refused", non_ethernet_link_types_are_refused},
        {"unknown_interface_lists_the_known_ones", unknown_interface_lists_the_known_ones},
        {"rtp_flows_by_bsim_id_equal_stats_json", rtp_flows_by_bsim_id_equal_stats_json},
        {"seq_rtp_keys_flows_by_ssrc", seq_rtp_keys_flows_by_ssrc},
        {"rtp_csrc_and_extension_are_skipped", rtp_csrc_and_extension_are_skipped},
        {"empty_file_and_directory_name_the_file", empty_file_and_directory_name_the_file},
        {"pcapng_cut_anywhere_in_a_block", pcapng_cut_anywhere_in_a_block},
        {"corrupt_pcapng_blocks_are_refused", corrupt_pcapng_blocks_are_refused},
        {"far_time_stamp_names_the_file", far_time_stamp_names_the_file},
        {"sections_describing_one_interface_give_one_row",
         sections_describing_one_interface_give_one_row},
        {"unwritable_output_names_option_and_path", unwritable_output_names_option_and_path},
        CU_TEST_INFO_NULL,
    };
    int rc = cu_run("analyze", cases);
    g_free(ng_dir);
    g_free(pcap_dir);
    g_free(rtp_dir);
    return rc;
}
