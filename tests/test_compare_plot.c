/* test_compare_plot.c - the per-mode bars of `bondsim compare --plot`
 * (compare_plot_script, compare_plot).
 *
 * The script is checked for its data columns (with the TCP panels when the
 * scenario has TCP connections); the images, drawn only when
 * gnuplot is installed, for being there, non-empty and of the right kind
 * (gnuplot versions draw differently, so they are not golden).
 */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "bond/options.h"
#include "compare/compare.h"
#include "cu_run.h"
#include "stats/plot.h"
#include "testlib.h"

#define FAILOVER BONDSIM_SOURCE_DIR "/scenarios/compare-failover.ini"
#define TCP_REORDER BONDSIM_SOURCE_DIR "/scenarios/tcp-balance-rr-reorder.ini"

/* `file` in balance-rr and active-backup, no capture. Caller frees. */
static Compare *run_modes(const char *file, const char *dir)
{
    static const BondMode modes[] = {BOND_MODE_RR, BOND_MODE_AB};
    CompareOptions co = {.file = file,
                         .out_dir = dir,
                         .format = CAPTURE_NONE,
                         .format_name = "none",
                         .modes = modes,
                         .n_modes = G_N_ELEMENTS(modes)};
    GError *err = NULL;
    Compare *c = compare_run(&co, &err);
    if (!c)
        printf("\n  %s\n", err->message);
    g_clear_error(&err);
    return c;
}

/* compare-failover.ini (UDP flows, no TCP) in two modes. */
static Compare *run_two_modes(const char *dir)
{
    return run_modes(FAILOVER, dir);
}

static void compare_script_bars_every_figure(void)
{
    g_autofree char *dir = cu_scratch_dir("compare_plot_script");
    Compare *c = run_two_modes(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    g_autofree char *gp = compare_plot_script(c);
    /* columns of compare.csv: 2 Mb/s, 4 lost, 5 out of order, 7 worst gap */
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "'compare.csv' using 2:xtic(1)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "'compare.csv' using 4:xtic(1)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "'compare.csv' using 5:xtic(1)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "'compare.csv' using 7:xtic(1)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set multiplot layout 2,2"));
    CU_ASSERT_PTR_NULL(strstr(gp, dir));   /* no path in the script */
    CU_ASSERT_PTR_NULL(strstr(gp, "TCP")); /* no TCP connection: no TCP panel */
    compare_free(c);
}

/* The 1-based column of `key` in the header of DIR/compare.csv, 0 if absent. */
static int csv_column(const char *dir, const char *key)
{
    g_autofree char *path = g_build_filename(dir, "compare.csv", NULL);
    g_autofree char *csv = NULL;
    if (!g_file_get_contents(path, &csv, NULL, NULL))
        return 0;
    csv[strcspn(csv, "\n")] = '\0';
    g_auto(GStrv) keys = g_strsplit(csv, ",", -1);
    for (int i = 0; keys[i]; i++)
        if (strcmp(keys[i], key) == 0)
            return i + 1;
    return 0;
}

/* With a TCP connection two more panels, TCP goodput and spurious fast
 * retransmits, each plotting the compare.csv column of that name. This
 * scenario has no UDP flow and no fault: the flows' panels and the gap's have
 * no value in any mode, each an empty panel saying so. */
static void compare_script_bars_tcp_with_tcp_connections(void)
{
    g_autofree char *dir = cu_scratch_dir("compare_plot_tcp_script");
    Compare *c = run_modes(TCP_REORDER, dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    GError *err = NULL;
    CU_ASSERT_TRUE_FATAL(compare_write(c, &err));
    g_autofree char *gp = compare_plot_script(c);
    static const struct {
        const char *title, *key;
    } panels[] = {
        {"TCP goodput (Mb/s)", "tcp_goodput_mbps"},
        {"TCP spurious fast retransmits", "tcp_spurious_fast_retransmits"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(panels); i++) {
        int col = csv_column(dir, panels[i].key);
        g_autofree char *want = g_strdup_printf(
            "set title '%s'\nplot 'compare.csv' using %d:xtic(1)", panels[i].title, col);
        CU_ASSERT_TRUE(col > 0);
        if (col <= 0 || !strstr(gp, want))
            printf("\n  panel '%s' should plot column %d (%s):\n%s\n", panels[i].title, col,
                   panels[i].key, gp);
        CU_ASSERT_PTR_NOT_NULL(strstr(gp, want));
    }
    /* no value in any mode: an empty panel that says so (gnuplot fails on a
     * column without a valid point) */
    static const struct {
        const char *title, *key;
    } empty[] = {
        {"delivered (Mb/s)", "delivered_mbps"},
        {"frames lost", "frames_lost"},
        {"frames out of order", "out_of_order"},
        {"worst failover gap (ms)", "worst_gap_ms"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(empty); i++) {
        CU_ASSERT_TRUE(csv_column(dir, empty[i].key) > 0);
        g_autofree char *want =
            g_strdup_printf("set title '%s'\nset label 1 'no value in any mode'", empty[i].title);
        CU_ASSERT_PTR_NOT_NULL(strstr(gp, want));
        g_autofree char *use = g_strdup_printf("using %d:xtic(1)", csv_column(dir, empty[i].key));
        CU_ASSERT_PTR_NULL(strstr(gp, use));
    }
    CU_ASSERT_PTR_NOT_NULL(strstr(gp, "set multiplot layout 2,3"));
    compare_free(c);
}

static void compare_plot_writes_png_and_svg(void)
{
    g_autofree char *gnuplot = plot_find_gnuplot();
    if (!gnuplot) {
        printf("\n  gnuplot not installed: images not checked\n");
        return;
    }
    g_autofree char *dir = cu_scratch_dir("compare_plot_images");
    Compare *c = run_two_modes(dir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    GError *err = NULL;
    CU_ASSERT_TRUE(compare_write(c, &err));
    CU_ASSERT_TRUE(compare_plot(c, gnuplot, &err));
    if (err)
        printf("\n  %s\n", err->message);
    g_clear_error(&err);
    g_autofree char *png = g_build_filename(dir, "compare.png", NULL);
    g_autofree char *svg = g_build_filename(dir, "compare.svg", NULL);
    g_autofree char *gp = g_build_filename(dir, "compare.gp", NULL);
    CU_ASSERT_TRUE(tl_file_starts_with(png, "\x89PNG", 4));
    g_autofree char *svg_text = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(svg, &svg_text, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(svg_text ? strstr(svg_text, "<svg") : NULL);
    CU_ASSERT_TRUE(g_file_test(gp, G_FILE_TEST_IS_REGULAR));
    compare_free(c);

    /* and with the TCP panels */
    g_autofree char *tdir = cu_scratch_dir("compare_plot_tcp_images");
    Compare *t = run_modes(TCP_REORDER, tdir);
    CU_ASSERT_PTR_NOT_NULL_FATAL(t);
    CU_ASSERT_TRUE(compare_write(t, &err) && compare_plot(t, gnuplot, &err));
    if (err)
        printf("\n  %s\n", err->message);
    g_clear_error(&err);
    g_autofree char *tpng = g_build_filename(tdir, "compare.png", NULL);
    g_autofree char *tsvg = g_build_filename(tdir, "compare.svg", NULL);
    CU_ASSERT_TRUE(tl_file_starts_with(tpng, "\x89PNG", 4));
    g_autofree char *tsvg_text = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(tsvg, &tsvg_text, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(tsvg_text ? strstr(tsvg_text, "TCP goodput") : NULL);
    CU_ASSERT_PTR_NOT_NULL(tsvg_text ? strstr(tsvg_text, "no value in any mode") : NULL);
    compare_free(t);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"compare_script_bars_every_figure", compare_script_bars_every_figure},
        {"compare_script_bars_tcp_with_tcp_connections",
         compare_script_bars_tcp_with_tcp_connections},
        {"compare_plot_writes_png_and_svg", compare_plot_writes_png_and_svg},
        CU_TEST_INFO_NULL,
    };
    return cu_run("compare_plot", cases);
}
