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
#include <sys/wait.h>

#include "cu_run.h"
#include "util/bytes.h"

#define SCENARIO BONDSIM_SOURCE_DIR "/scenarios/balance-rr.ini"

typedef struct {
    int code;  /* exit status; -1 when it did not exit normally */
    char *out; /* stdout, owned */
    char *err; /* stderr, owned */
} Run;

static void run_clear(Run *r)
{
    g_clear_pointer(&r->out, g_free);
    g_clear_pointer(&r->err, g_free);
}

static void checkf(gboolean ok, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void checkf(gboolean ok, int line, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, args);
    va_end(args);
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__, "", CU_FALSE);
    if (!ok)
        fprintf(stderr, "\n  line %d: %s\n", line, what);
}

/* Runs `program ARGS...` (NULL-terminated); no shell. */
static Run spawn(const char *program, ...) G_GNUC_NULL_TERMINATED;

static Run spawn(const char *program, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)program);
    va_list args;
    va_start(args, program);
    for (const char *a = va_arg(args, const char *); a != NULL; a = va_arg(args, const char *))
        g_ptr_array_add(argv, (gpointer)a);
    va_end(args);
    g_ptr_array_add(argv, NULL);
    Run r = {-1, NULL, NULL};
    int status = 0;
    GError *error = NULL;
    if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL, &r.out, &r.err, &status,
                      &error)) {
        checkf(FALSE, __LINE__, "cannot run %s: %s", program, error->message);
        g_error_free(error);
        r.out = g_strdup("");
        r.err = g_strdup("");
        return r;
    }
    if (WIFEXITED(status))
        r.code = WEXITSTATUS(status);
    return r;
}

/* ------------------------------------------------------------------------
 * The runs, made once and shared
 * ------------------------------------------------------------------------ */

static char *ng_dir;   /* pcapng run */
static char *pcap_dir; /* --pcap-format pcap run */

static const char *run_dir(gboolean classic)
{
    char **dir = classic ? &pcap_dir : &ng_dir;
    if (*dir != NULL)
        return *dir;
    *dir = cu_scratch_dir(classic ? "analyze-pcap" : "analyze-pcapng");
    Run r = spawn(BONDSIM_BINARY, "run", SCENARIO, "-o", *dir, "-q", "--pcap-format",
                  classic ? "pcap" : "pcapng", NULL);
    checkf(r.code == 0, __LINE__, "bondsim run exits 0, got %d: %s", r.code, r.err);
    run_clear(&r);
    return *dir;
}

static char *read_text(const char *path)
{
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        checkf(FALSE, __LINE__, "%s can be read", path);
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

/* The integer `"key":N` after `anchor`; -1 when absent. */
static gint64 json_int_after(const char *json, const char *anchor, const char *key)
{
    const char *a = strstr(json, anchor);
    if (a == NULL)
        return -1;
    g_autofree char *k = g_strdup_printf("\"%s\":", key);
    const char *m = strstr(a, k);
    return m ? g_ascii_strtoll(m + strlen(k), NULL, 10) : -1;
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
    g_autofree char *out = NULL, *err = NULL;
    int status = -1;
    gboolean ok =
        g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL, NULL, &out, &err, &status, NULL);
    checkf(ok && WIFEXITED(status) && WEXITSTATUS(status) == 0, __LINE__,
           "bondsim-analyze exits 0 (stderr: %s)", err ? err : "");
    checkf(ok && strstr(out, "Reordering at") != NULL, __LINE__, "the report has its tables: %s",
           out ? out : "");
    return read_text(json);
}

/* ------------------------------------------------------------------------
 * Agreement with the simulator
 * ------------------------------------------------------------------------ */

/* The stream (BSIM flow 0) and ping replies (flow 1, received at the
 * client) as the simulator's receivers saw them. */
static void check_flows_match(const char *stats, const char *an)
{
    g_autofree char *sim_rr = json_member_after(stats, "\"name\":\"stream\"", "reorder");
    g_autofree char *an_rr = json_member_after(an, "\"bsim_flow\":0,", "reorder");
    checkf(sim_rr[0] != '\0' && strcmp(sim_rr, an_rr) == 0, __LINE__,
           "stream reordering equals stats.json:\n  sim %s\n  an  %s", sim_rr, an_rr);
    CU_ASSERT_EQUAL(json_int_after(an, "\"bsim_flow\":0,", "received"),
                    json_int_after(stats, "\"name\":\"stream\"", "received"));
    CU_ASSERT_EQUAL(json_int_after(an, "\"bsim_flow\":0,", "out_of_order"),
                    json_int_after(stats, "\"name\":\"stream\"", "out_of_order"));
    CU_ASSERT_EQUAL(json_int_after(an, "\"bsim_flow\":0,", "rx_bytes"),
                    json_int_after(stats, "\"name\":\"stream\"", "rx_bytes"));
    CU_ASSERT_EQUAL(json_int_after(an, "\"bsim_flow\":0,", "duplicates"), 0);
    g_autofree char *sim_ping = json_member_after(stats, "\"name\":\"ping\"", "reorder");
    g_autofree char *an_ping =
        json_member_after(an, "icmp 10.0.0.1 > 10.0.0.2 id 2\",\"seq_source\":\"bsim\"", "reorder");
    checkf(sim_ping[0] != '\0' && strcmp(sim_ping, an_ping) == 0, __LINE__,
           "ping reply reordering equals stats.json:\n  sim %s\n  an  %s", sim_ping, an_ping);
    CU_ASSERT_EQUAL(json_int_after(an, "icmp 10.0.0.1 > 10.0.0.2 id 2\",", "received"),
                    json_int_after(stats, "\"name\":\"ping\"", "received"));
}

static void reordering_at_client_equals_stats_json(void)
{
    const char *dir = run_dir(FALSE);
    g_autofree char *cap = g_build_filename(dir, "balance-rr.pcapng", NULL);
    g_autofree char *stats_path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *stats = read_text(stats_path);
    g_autofree char *an = analyze_json(dir, "client.json", cap, "--interface", "client/eth0",
                                       "--direction", "in", "--flows", NULL);
    check_flows_match(stats, an);
    /* the only other flow at the client: nothing else carries BSIM */
    CU_ASSERT_PTR_NULL(strstr(an, "\"bsim_flow\":2"));
    /* the sender numbers IPv4 IDs per flow as Linux does per connected
     * socket: --seq ipid, the sequence for foreign captures, agrees too */
    g_autofree char *ipid = analyze_json(dir, "ipid.json", cap, "--interface", "client/eth0",
                                         "--direction", "in", "--seq", "ipid", NULL);
    g_autofree char *sim_rr = json_member_after(stats, "\"name\":\"stream\"", "reorder");
    g_autofree char *ipid_rr = json_member_after(ipid, "\"ipid udp 10.0.0.1:40000", "reorder");
    checkf(sim_rr[0] != '\0' && strcmp(sim_rr, ipid_rr) == 0, __LINE__,
           "--seq ipid: stream reordering equals stats.json:\n  sim %s\n  an  %s", sim_rr, ipid_rr);
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
            gint64 want = json_int_after(stats, anchor, keys[k]);
            gint64 got = json_int_after(an, anchor, keys[k]);
            checkf(want > 0 && want == got, __LINE__,
                   "%s %s: stats.json %" G_GINT64_FORMAT ", analyser %" G_GINT64_FORMAT, slaves[s],
                   keys[k], want, got);
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
            checkf(sim_cum[c] - an_cum[c] <= 1518 && an_cum[c] - sim_cum[c] <= 1518, __LINE__,
                   "bin ending %.3f s column %d: series.csv %.0f, analyser %.0f bytes so far", end,
                   c, sim_cum[c], an_cum[c]);
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
    g_autofree char *rr_sim = json_member_after(stats, "\"name\":\"stream\"", "reorder");
    g_autofree char *rr_an = json_member_after(an, "\"bsim_flow\":0,", "reorder");
    checkf(rr_sim[0] != '\0' && strcmp(rr_sim, rr_an) == 0, __LINE__,
           "pcap: stream reordering equals stats.json:\n  sim %s\n  an  %s", rr_sim, rr_an);
    g_autofree char *eth0 = g_build_filename(dir, "pcap", "server_eth0.pcap", NULL);
    g_autofree char *eth1 = g_build_filename(dir, "pcap", "server_eth1.pcap", NULL);
    g_autofree char *an2 = analyze_json(dir, "slaves.json", eth0, eth1, NULL);
    static const char *const names[][2] = {{"server/eth0", "server_eth0"},
                                           {"server/eth1", "server_eth1"}};
    for (gsize s = 0; s < G_N_ELEMENTS(names); s++) {
        g_autofree char *sim_anchor = g_strdup_printf("{\"name\":\"%s\"", names[s][0]);
        g_autofree char *an_anchor = g_strdup_printf("{\"name\":\"%s\"", names[s][1]);
        gint64 want = json_int_after(stats, sim_anchor, "tx_bytes") +
                      json_int_after(stats, sim_anchor, "rx_bytes");
        gint64 got = json_int_after(an2, an_anchor, "nodir_bytes");
        checkf(want > 0 && want == got, __LINE__,
               "%s: tx+rx bytes %" G_GINT64_FORMAT ", analyser %" G_GINT64_FORMAT, names[s][1],
               want, got);
    }
}

/* ------------------------------------------------------------------------
 * Damaged input
 * ------------------------------------------------------------------------ */

/* The analyser fails with `code` and one stderr line naming `path` and
 * holding `what`; nothing on stdout. */
static void check_fails(const char *path, int code, const char *what, int line)
{
    Run r = spawn(BONDSIM_ANALYZE, path, NULL);
    checkf(r.code == code, line, "%s: exit %d, got %d (%s)", path, code, r.code, r.err);
    g_autofree char *prefix = g_strdup_printf("bondsim-analyze: %s: ", path);
    checkf(g_str_has_prefix(r.err, prefix) && strstr(r.err, what) != NULL &&
               strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
           line, "%s: one message naming the file with '%s': %s", path, what, r.err);
    checkf(r.out[0] == '\0', line, "%s: nothing on stdout: %s", path, r.out);
    run_clear(&r);
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

static void unknown_interface_lists_the_known_ones(void)
{
    const char *dir = run_dir(FALSE);
    g_autofree char *cap = g_build_filename(dir, "balance-rr.pcapng", NULL);
    Run r = spawn(BONDSIM_ANALYZE, cap, "--interface", "client/eth9", NULL);
    CU_ASSERT_EQUAL(r.code, 2);
    checkf(strstr(r.err, "'client/eth9'") != NULL && strstr(r.err, "client/eth0") != NULL, __LINE__,
           "the message lists the interfaces: %s", r.err);
    run_clear(&r);
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
        CU_TEST_INFO_NULL,
    };
    int rc = cu_run("analyze", cases);
    g_free(ng_dir);
    g_free(pcap_dir);
    return rc;
}
