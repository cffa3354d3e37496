/* test_compare_plot.c - the per-mode bars of `bondsim compare --plot`
 * (compare_plot_script, compare_plot).
 *
 * The script is checked for its data columns; the images, drawn only when
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

/* compare-failover.ini in two modes, no capture. Caller frees. */
static Compare *run_two_modes(const char *dir)
{
    static const BondMode modes[] = {BOND_MODE_RR, BOND_MODE_AB};
    CompareOptions co = {.file = BONDSIM_SOURCE_DIR "/scenarios/compare-failover.ini",
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
    CU_ASSERT_PTR_NULL(strstr(gp, dir)); /* no path in the script */
    compare_free(c);
}

static gboolean file_starts_with(const char *path, const char *magic, gsize n)
{
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL) || len < n)
        return FALSE;
    return memcmp(data, magic, n) == 0;
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
    CU_ASSERT_TRUE(file_starts_with(png, "\x89PNG", 4));
    g_autofree char *svg_text = NULL;
    CU_ASSERT_TRUE(g_file_get_contents(svg, &svg_text, NULL, NULL));
    CU_ASSERT_PTR_NOT_NULL(svg_text ? strstr(svg_text, "<svg") : NULL);
    CU_ASSERT_TRUE(g_file_test(gp, G_FILE_TEST_IS_REGULAR));
    compare_free(c);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"compare_script_bars_every_figure", compare_script_bars_every_figure},
        {"compare_plot_writes_png_and_svg", compare_plot_writes_png_and_svg},
        CU_TEST_INFO_NULL,
    };
    return cu_run("compare_plot", cases);
}
