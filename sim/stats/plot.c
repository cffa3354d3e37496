/* plot.c - gnuplot figures of a finished run (see plot.h). */
#include "stats/plot.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "stats/reorder.h"
#include "stats/series.h"
#include "traffic/flow.h"
#include "util/units.h"

G_DEFINE_QUARK(bondsim - plot - error - quark, plot_error)

char *plot_find_gnuplot(void)
{
    return g_find_program_in_path("gnuplot");
}

/* ---- data ------------------------------------------------------------------ */

static void plot_bin_label(int b, char *buf, gsize len, uint64_t *lo, uint64_t *hi)
{
    reorder_extent_bin(b, lo, hi);
    if (*hi == 0)
        g_snprintf(buf, len, ">%" G_GUINT64_FORMAT, *lo - 1);
    else if (*lo == *hi)
        g_snprintf(buf, len, "%" G_GUINT64_FORMAT, *lo);
    else
        g_snprintf(buf, len, "%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, *lo, *hi);
}

char *plot_reorder_csv(const Sim *sim)
{
    g_return_val_if_fail(sim != NULL, NULL);
    GString *o = g_string_new("extent,from,to");
    for (guint i = 0; i < sim->flows->len; i++)
        g_string_append_printf(o, ",%s", ((const Flow *)sim->flows->pdata[i])->name);
    g_string_append_c(o, '\n');
    for (int b = 0; b < REORDER_EXTENT_BINS; b++) {
        char label[48];
        uint64_t lo, hi;
        plot_bin_label(b, label, sizeof(label), &lo, &hi);
        g_string_append_printf(o, "%s,%" G_GUINT64_FORMAT ",", label, lo);
        if (hi)
            g_string_append_printf(o, "%" G_GUINT64_FORMAT, hi);
        for (guint i = 0; i < sim->flows->len; i++)
            g_string_append_printf(o, ",%" G_GUINT64_FORMAT,
                                   ((const Flow *)sim->flows->pdata[i])->reorder.extent_hist[b]);
        g_string_append_c(o, '\n');
    }
    return g_string_free(o, FALSE);
}

gboolean plot_write_reorder_csv(const Sim *sim, const char *path, GError **error)
{
    g_autofree char *text = plot_reorder_csv(sim);
    return g_file_set_contents(path, text, -1, error);
}

/* ---- scripts --------------------------------------------------------------- */

/* A gnuplot single-quoted string: only ' needs escaping (doubled). */
void plot_quote(GString *o, const char *s)
{
    g_string_append_c(o, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            g_string_append_c(o, '\'');
        g_string_append_c(o, *s);
    }
    g_string_append_c(o, '\'');
}

static void plot_secs(GString *o, uint64_t ps)
{
    g_string_append_printf(o, "%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT, ps / PS_PER_S,
                           ps % PS_PER_S);
}

/* A dashed vertical line and a label at each fault. */
static void plot_fault_marks(GString *o, const Sim *sim)
{
    for (guint i = 0; i < sim->faults->len; i++) {
        const SimFault *ft = &g_array_index(sim->faults, SimFault, i);
        g_string_append(o, "set arrow from ");
        plot_secs(o, ft->at_ps);
        g_string_append(o, ", graph 0 to ");
        plot_secs(o, ft->at_ps);
        g_string_append(o, ", graph 1 nohead dashtype 2 linecolor rgb '#c00000'\nset label ");
        plot_quote(o, ft->name);
        g_string_append(o, " at ");
        plot_secs(o, ft->at_ps);
        g_string_append(o, ", graph 0.97 rotate by 90 right offset -0.6,0 "
                           "textcolor rgb '#c00000'\n");
    }
}

/* One panel: a line per slave, column 3 + 2 * slave + dir of series.csv. */
static void plot_load_panel(GString *o, const Series *se, int dir)
{
    g_string_append_printf(o, "set title '%s'\nplot ", dir ? "received" : "transmitted");
    for (guint n = 0; n < se->n_nics; n++) {
        g_string_append_printf(o,
                               "%s'series.csv' using (($1+$2)/2):(column(%u)*8/(($2-$1)*1e6)) "
                               "with lines linewidth 1.5 title ",
                               n ? ", \\\n     " : "", 3 + 2 * n + (guint)dir);
        plot_quote(o, se->nics[n]->name);
    }
    g_string_append_c(o, '\n');
}

char *plot_load_script(const Sim *sim)
{
    g_return_val_if_fail(sim != NULL, NULL);
    const Series *se = sim->series;
    GString *o = g_string_new("# bondsim: load per bond slave over time (data: series.csv)\n"
                              "set datafile separator ','\nset datafile columnheaders\n"
                              "set grid\nset key outside right top\n"
                              "set xlabel 'time (s)'\nset ylabel 'Mb/s'\nset yrange [0:*]\n");
    g_string_append(o, "set xrange [0:");
    plot_secs(o, sim->end_ps);
    g_string_append(o, "]\n");
    plot_fault_marks(o, sim);
    if (!se || se->n_nics == 0 || se->done_bins == 0) {
        g_string_append(o, "set label 'no bond slave to show' at graph 0.5, 0.5 center\n"
                           "set yrange [0:1]\nplot NaN notitle\n");
        return g_string_free(o, FALSE);
    }
    char bin[32];
    g_string_append(o, "set multiplot layout 2,1 title ");
    g_autofree char *title = g_strdup_printf("bondsim %s: load per slave (bins of %s)", sim->name,
                                             units_format_time(se->bin_ps, bin, sizeof(bin)));
    plot_quote(o, title);
    g_string_append_c(o, '\n');
    plot_load_panel(o, se, 0);
    plot_load_panel(o, se, 1);
    g_string_append(o, "unset multiplot\n");
    return g_string_free(o, FALSE);
}

char *plot_reorder_script(const Sim *sim)
{
    g_return_val_if_fail(sim != NULL, NULL);
    GString *o = g_string_new(
        "# bondsim: RFC 4737 reordering extent per flow (data: reorder.csv)\n"
        "set datafile separator ','\nset datafile columnheaders\n"
        "set style data histograms\nset style histogram clustered gap 1\n"
        "set style fill solid 0.8 border -1\nset grid ytics\nset key top right\n"
        "set xlabel 'reordering extent (packets)'\nset ylabel 'reordered arrivals'\n"
        "set xtics rotate by -45\nset yrange [0:*]\n"
        "set arrow from 1.5, graph 0 to 1.5, graph 1 nohead dashtype 2 linecolor rgb '#c00000'\n"
        "set label 'extent >= 3: TCP fast retransmit' at 1.6, graph 0.95 "
        "textcolor rgb '#c00000'\n");
    g_autofree char *title = g_strdup_printf("bondsim %s: reordering extent", sim->name);
    g_string_append(o, "set title ");
    plot_quote(o, title);
    g_string_append_c(o, '\n');
    gboolean any = FALSE;
    for (guint i = 0; i < sim->flows->len; i++) {
        const Flow *f = sim->flows->pdata[i];
        if (!f->reorder.reordered)
            continue;
        g_string_append(o, any ? ", \\\n     " : "plot ");
        g_string_append_printf(o, "'reorder.csv' using %u:xtic(1) title ", 4 + i);
        plot_quote(o, f->name);
        any = TRUE;
    }
    if (!any)
        g_string_append(o, "set label 'no reordering in this run' at graph 0.5, 0.5 center\n"
                           "set yrange [0:1]\nplot 'reorder.csv' using (0):xtic(1) notitle");
    g_string_append_c(o, '\n');
    return g_string_free(o, FALSE);
}

/* ---- rendering ------------------------------------------------------------- */

/* pngcairo when this gnuplot has it, else libgd's png. */
static const char *plot_png_terminal(const char *gnuplot)
{
    const char *argv[] = {gnuplot, "-e", "set terminal pngcairo", NULL};
    int status = 0;
    if (g_spawn_sync(NULL, (char **)argv, NULL,
                     G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, NULL,
                     NULL, &status, NULL) &&
        WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return "pngcairo";
    return "png";
}

/* Runs `script` (a file in dir) with the terminal set, output to `tmp`. */
static gboolean plot_run(const char *dir, const char *gnuplot, const char *terminal,
                         const char *tmp, const char *script, GError **error)
{
    g_autofree char *setup =
        g_strdup_printf("set terminal %s noenhanced size 1000,700; set output '%s'", terminal, tmp);
    const char *argv[] = {gnuplot, "-e", setup, script, NULL};
    g_autofree char *err_text = NULL;
    int status = 0;
    if (!g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                      &err_text, &status, error))
        return FALSE;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_set_error(error, PLOT_ERROR, PLOT_ERROR_GNUPLOT, "gnuplot failed on %s: %s", script,
                    err_text && *err_text ? g_strstrip(err_text) : "no message");
        return FALSE;
    }
    return TRUE;
}

/* Renders one script into NAME.png and NAME.svg via temporary names. */
static gboolean plot_render_one(const char *dir, const char *gnuplot, const char *png_term,
                                const char *name, const char *script_text, GError **error)
{
    g_autofree char *script = g_strdup_printf("%s.gp", name);
    g_autofree char *script_path = g_build_filename(dir, script, NULL);
    if (!g_file_set_contents(script_path, script_text, -1, error))
        return FALSE;
    static const char *const ext[2] = {"png", "svg"};
    char *tmp_path[2] = {NULL, NULL}, *final_path[2] = {NULL, NULL};
    gboolean ok = TRUE;
    for (int i = 0; i < 2 && ok; i++) {
        g_autofree char *tmp = g_strdup_printf(".%s.%s.tmp", name, ext[i]);
        tmp_path[i] = g_build_filename(dir, tmp, NULL);
        final_path[i] = g_strdup_printf("%s/%s.%s", dir, name, ext[i]);
        ok = plot_run(dir, gnuplot, i ? "svg" : png_term, tmp, script, error);
        GStatBuf st;
        if (ok && (g_stat(tmp_path[i], &st) != 0 || st.st_size == 0)) {
            g_set_error(error, PLOT_ERROR, PLOT_ERROR_GNUPLOT, "gnuplot wrote no %s for %s", ext[i],
                        script);
            ok = FALSE;
        }
    }
    for (int i = 0; i < 2 && ok; i++) {
        if (g_rename(tmp_path[i], final_path[i]) != 0) {
            int err = errno;
            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", final_path[i],
                        g_strerror(err));
            if (i) /* the PNG is in place already: both or neither */
                g_unlink(final_path[0]);
            ok = FALSE;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (tmp_path[i])
            g_unlink(tmp_path[i]);
        g_free(tmp_path[i]);
        g_free(final_path[i]);
    }
    return ok;
}

gboolean plot_render_script(const char *dir, const char *gnuplot, const char *name,
                            const char *script_text, GError **error)
{
    g_return_val_if_fail(dir && gnuplot && name && script_text, FALSE);
    return plot_render_one(dir, gnuplot, plot_png_terminal(gnuplot), name, script_text, error);
}

gboolean plot_render(const Sim *sim, const char *dir, const char *gnuplot, GError **error)
{
    g_return_val_if_fail(sim != NULL && dir != NULL && gnuplot != NULL, FALSE);
    const char *png = plot_png_terminal(gnuplot);
    g_autofree char *load = plot_load_script(sim);
    g_autofree char *reorder = plot_reorder_script(sim);
    if (!plot_render_one(dir, gnuplot, png, "load", load, error))
        return FALSE;
    if (!plot_render_one(dir, gnuplot, png, "reorder", reorder, error)) {
        g_autofree char *p1 = g_build_filename(dir, "load.png", NULL);
        g_autofree char *p2 = g_build_filename(dir, "load.svg", NULL);
        g_unlink(p1);
        g_unlink(p2);
        return FALSE;
    }
    return TRUE;
}
