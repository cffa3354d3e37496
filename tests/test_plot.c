/* test_plot.c - the per-slave load series (stats/series.c), the data and
 * scripts fed to gnuplot (stats/plot.c) and `bondsim run --plot`.
 *
 * The data files are checked byte for byte on hand-built inputs; the images
 * only for being there and non-empty, with the right magic (gnuplot versions
 * draw differently, so they are not golden). Cases that need gnuplot say so
 * and pass when it is not installed; without gnuplot in PATH, --plot must
 * exit 3 and write nothing.
 */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cu_run.h"
#include "nic.h"
#include "sim.h"
#include "stats/plot.h"
#include "stats/reorder.h"
#include "stats/series.h"
#include "testlib.h"
#include "traffic/flow.h"
#include "util/units.h"

#define SCENARIO_DIR BONDSIM_SOURCE_DIR "/scenarios"

/* ---- series ---------------------------------------------------------------- */

typedef struct {
    Nic *nic;
    uint64_t tx, rx;
} Bump;

static void bump(Sim *sim, void *obj, void *arg)
{
    Bump *b = obj;
    b->nic->c.tx_bytes += b->tx;
    b->nic->c.rx_bytes += b->rx;
}

/* 25 ms in 10 ms bins: 0-10, 10-20, 20-25 ms. Bytes counted at 5 ms, 10 ms
 * (a boundary: the sample was scheduled first, so they fall in the second
 * bin) and 24 ms. */
static void test_series_bins_counter_growth(void)
{
    Sim *sim = sim_new("t", 1);
    sim->end_ps = 25 * PS_PER_MS;
    static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    Nic *nic = nic_new("server", "eth0", mac, 1000000000);
    nic->c.tx_bytes = 1000; /* before the run: not in any bin */
    Series *s = g_new0(Series, 1);
    s->bin_ps = 10 * PS_PER_MS;
    s->end_ps = sim->end_ps;
    s->n_bins = 3;
    s->n_nics = 1;
    s->nics = g_new0(Nic *, 1);
    s->nics[0] = nic;
    s->prev = g_new0(uint64_t, 2);
    s->bytes = g_new0(uint64_t, 6);
    sim->series = s;
    series_start(sim, s);
    Bump b1 = {nic, 100, 7}, b2 = {nic, 50, 0}, b3 = {nic, 1, 2};
    engine_schedule(&sim->eng, 5 * PS_PER_MS, bump, &b1, NULL);
    engine_schedule(&sim->eng, 10 * PS_PER_MS, bump, &b2, NULL);
    engine_schedule(&sim->eng, 24 * PS_PER_MS, bump, &b3, NULL);
    engine_run(&sim->eng, sim, sim->end_ps);
    series_finish(sim, s);
    g_autofree char *csv = series_csv(s);
    CU_ASSERT_STRING_EQUAL(csv, "t_start_s,t_end_s,server/eth0 tx_bytes,server/eth0 rx_bytes\n"
                                "0.000000000000,0.010000000000,100,7\n"
                                "0.010000000000,0.020000000000,50,0\n"
                                "0.020000000000,0.025000000000,1,2\n");
    sim_free(sim);
    nic_free(nic);
}

static void test_series_default_bin(void)
{
    CU_ASSERT_EQUAL(series_default_bin_ps(PS_PER_S), 10 * PS_PER_MS);
    CU_ASSERT_EQUAL(series_default_bin_ps(60 * PS_PER_S), 120 * PS_PER_MS);
}

/* ---- reorder.csv and the scripts ------------------------------------------- */

static Flow *add_flow(Sim *sim, const char *name)
{
    static const uint8_t dst[4] = {10, 0, 0, 2};
    Flow *f = flow_new(name, FLOW_UDP, NULL, dst);
    f->index = (int)sim->flows->len;
    g_ptr_array_add(sim->flows, f);
    return f;
}

static void test_reorder_csv_is_exact(void)
{
    Sim *sim = sim_new("t", 1);
    Flow *a = add_flow(sim, "a");
    add_flow(sim, "b");
    /* a: 0 2 1 5 6 7 3 4 -> extents 1 (1), 3 (3) and 4 (4) */
    static const uint64_t seqs[] = {0, 2, 1, 5, 6, 7, 3, 4};
    for (size_t i = 0; i < G_N_ELEMENTS(seqs); i++)
        reorder_add(&a->reorder, seqs[i]);
    g_autofree char *csv = plot_reorder_csv(sim);
    GString *want = g_string_new("extent,from,to,a,b\n"
                                 "1,1,1,1,0\n2,2,2,0,0\n3,3,3,1,0\n4,4,4,1,0\n");
    for (int e = 5; e <= 16; e++)
        g_string_append_printf(want, "%d,%d,%d,0,0\n", e, e, e);
    g_string_append(want, "17-32,17,32,0,0\n33-64,33,64,0,0\n65-128,65,128,0,0\n"
                          "129-256,129,256,0,0\n257-512,257,512,0,0\n513-1024,513,1024,0,0\n"
                          ">1024,1025,,0,0\n");
    CU_ASSERT_STRING_EQUAL(csv, want->str);
    g_string_free(want, TRUE);
    /* only flows with reordering are drawn: a is column 4, b is left out */
    g_autofree char *script = plot_reorder_script(sim);
    CU_ASSERT_PTR_NOT_NULL(strstr(script, "plot 'reorder.csv' using 4:xtic(1) title 'a'\n"));
    CU_ASSERT_PTR_NULL(strstr(script, "title 'b'"));
    sim_free(sim);
}

static void test_load_script_marks_faults(void)
{
    Sim *sim = sim_new("t", 1);
    sim->end_ps = PS_PER_S;
    static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
    Nic *nic = nic_new("server", "eth0", mac, 1000000000);
    SimFault ft = {"pull 'a'", 700 * PS_PER_MS, SIM_FAULT_LINK_DOWN, nic};
    sim_add_fault(sim, &ft);
    g_autofree char *none = plot_load_script(sim);
    CU_ASSERT_PTR_NOT_NULL(strstr(none, "no bond slave to show"));
    CU_ASSERT_PTR_NOT_NULL(strstr(none, "set arrow from 0.700000000000, graph 0 to "
                                        "0.700000000000, graph 1 nohead"));
    CU_ASSERT_PTR_NOT_NULL(strstr(none, "set label 'pull ''a''' at 0.700000000000, graph 0.97"));
    sim_free(sim);
    nic_free(nic);
}

/* ---- bondsim run --plot ------------------------------------------------------ */

/* dir/name starts with `magic` and holds more. */
static gboolean file_starts_with(const char *dir, const char *name, const char *magic, gsize n)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    return tl_file_starts_with(path, magic, n);
}

static guint count_lines(const char *path)
{
    g_autofree char *data = NULL;
    if (!g_file_get_contents(path, &data, NULL, NULL))
        return 0;
    return tl_count_newlines(data);
}

static void test_run_plot_writes_images(void)
{
    g_autofree char *gnuplot = plot_find_gnuplot();
    if (!gnuplot) {
        printf("\n  gnuplot not installed: images not checked\n");
        return;
    }
    g_autofree char *dir = cu_scratch_dir("plot-rr");
    const char *argv[] = {BONDSIM_BINARY,
                          "run",
                          SCENARIO_DIR "/balance-rr.ini",
                          "-o",
                          dir,
                          "--pcap-format",
                          "none",
                          "-q",
                          "--plot",
                          NULL};
    TlRun r = tl_spawn(argv);
    CU_ASSERT_EQUAL(r.code, 0);
    if (r.code != 0)
        fprintf(stderr, "%s", r.err);
    static const char png[] = "\x89PNG", svg[] = "<?xml";
    CU_ASSERT(file_starts_with(dir, "load.png", png, 4));
    CU_ASSERT(file_starts_with(dir, "reorder.png", png, 4));
    CU_ASSERT(file_starts_with(dir, "load.svg", svg, 5));
    CU_ASSERT(file_starts_with(dir, "reorder.svg", svg, 5));
    CU_ASSERT(file_starts_with(dir, "load.gp", "#", 1));
    /* 1 s in 10 ms bins, and nothing temporary left */
    g_autofree char *series = g_build_filename(dir, "series.csv", NULL);
    CU_ASSERT_EQUAL(count_lines(series), 101);
    static const char header[] = "t_start_s,t_end_s,server/eth0 tx_bytes,server/eth0 rx_bytes,"
                                 "server/eth1 tx_bytes,server/eth1 rx_bytes\n";
    CU_ASSERT(file_starts_with(dir, "series.csv", header, sizeof(header) - 1));
    /* the bins add up to the slave's counter in stats.json (first tx_bytes) */
    g_autofree char *csv = NULL, *json = NULL;
    g_autofree char *json_path = g_build_filename(dir, "stats.json", NULL);
    if (g_file_get_contents(series, &csv, NULL, NULL) &&
        g_file_get_contents(json_path, &json, NULL, NULL)) {
        g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
        uint64_t sum = 0;
        for (char **l = lines + 1; *l && **l; l++) {
            g_auto(GStrv) cells = g_strsplit(*l, ",", -1);
            sum += g_ascii_strtoull(cells[2], NULL, 10);
        }
        const char *tx = strstr(json, "\"tx_bytes\":");
        CU_ASSERT_PTR_NOT_NULL_FATAL(tx);
        CU_ASSERT_EQUAL(sum, g_ascii_strtoull(tx + strlen("\"tx_bytes\":"), NULL, 10));
        CU_ASSERT(sum > 0);
    }
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL)
        CU_ASSERT_FALSE(g_str_has_suffix(name, ".tmp"));
    if (d)
        g_dir_close(d);
    tl_run_clear(&r);
}

/* No gnuplot in PATH: exit 3 before anything is written. */
static void test_plot_without_gnuplot_writes_nothing(void)
{
    g_autofree char *scratch = cu_scratch_dir("plot-none");
    g_autofree char *dir = g_build_filename(scratch, "out", NULL);
    const char *argv[] = {BONDSIM_BINARY, "run", SCENARIO_DIR "/balance-rr.ini", "-o", dir,
                          "--plot",       NULL};
    char *envp[] = {"PATH=/nonexistent", NULL};
    TlRun r = tl_spawn_in(NULL, argv, envp);
    CU_ASSERT_EQUAL(r.code, 3);
    CU_ASSERT_PTR_NOT_NULL(r.err ? strstr(r.err, "--plot needs gnuplot") : NULL);
    CU_ASSERT_FALSE(g_file_test(dir, G_FILE_TEST_EXISTS));
    tl_run_clear(&r);
}

static void test_load_bin_option(void)
{
    g_autofree char *dir = cu_scratch_dir("plot-bin");
    const char *ok[] = {BONDSIM_BINARY, "run", SCENARIO_DIR "/balance-rr.ini",
                        "-o",           dir,   "--pcap-format",
                        "none",         "-q",  "--load-bin",
                        "300ms",        NULL};
    TlRun r = tl_spawn(ok);
    CU_ASSERT_EQUAL(r.code, 0);
    g_autofree char *series = g_build_filename(dir, "series.csv", NULL);
    CU_ASSERT_EQUAL(count_lines(series), 5); /* 0.3 0.6 0.9 and the last 0.1 s */
    tl_run_clear(&r);
    static const char *const bad[] = {"0", "1ps", "fast"};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *sub = g_build_filename(dir, bad[i], NULL);
        const char *argv[] = {BONDSIM_BINARY, "run", SCENARIO_DIR "/balance-rr.ini",
                              "-o",           sub,   "--load-bin",
                              bad[i],         NULL};
        TlRun b = tl_spawn(argv);
        CU_ASSERT_EQUAL(b.code, 2);
        CU_ASSERT_FALSE(g_file_test(sub, G_FILE_TEST_EXISTS));
        tl_run_clear(&b);
    }
}

/* The SVG cannot take its name (a non-empty directory holds it): the call
 * fails and leaves no PNG either, nor any temporary file. Needs gnuplot. */
static void test_render_failure_leaves_no_image(void)
{
    g_autofree char *gnuplot = plot_find_gnuplot();
    if (!gnuplot) {
        printf("\n  gnuplot not installed: not checked\n");
        return;
    }
    g_autofree char *dir = cu_scratch_dir("plot-blocked");
    g_autofree char *svg_dir = g_build_filename(dir, "x.svg", NULL);
    g_autofree char *inside = g_build_filename(svg_dir, "keep", NULL);
    CU_ASSERT_EQUAL_FATAL(g_mkdir_with_parents(svg_dir, 0755), 0);
    CU_ASSERT_FATAL(g_file_set_contents(inside, "x", -1, NULL));
    GError *err = NULL;
    CU_ASSERT_FALSE(plot_render_script(dir, gnuplot, "x", "plot x\n", &err));
    CU_ASSERT_PTR_NOT_NULL(err);
    g_clear_error(&err);
    g_autofree char *png = g_build_filename(dir, "x.png", NULL);
    CU_ASSERT_FALSE(g_file_test(png, G_FILE_TEST_EXISTS));
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d)) != NULL)
        CU_ASSERT_FALSE(g_str_has_suffix(name, ".tmp"));
    if (d)
        g_dir_close(d);
}

static CU_TestInfo cases[] = {
    {"series_bins_counter_growth", test_series_bins_counter_growth},
    {"series_default_bin", test_series_default_bin},
    {"reorder_csv_is_exact", test_reorder_csv_is_exact},
    {"load_script_marks_faults", test_load_script_marks_faults},
    {"run_plot_writes_images", test_run_plot_writes_images},
    {"plot_without_gnuplot_writes_nothing", test_plot_without_gnuplot_writes_nothing},
    {"load_bin_option", test_load_bin_option},
    {"render_failure_leaves_no_image", test_render_failure_leaves_no_image},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("plot", cases);
}
