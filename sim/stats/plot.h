/* plot.h - pictures of a finished run, drawn by gnuplot.
 *
 * Called by the `run` command (--plot) after the run's data files are
 * written: DIR/series.csv (stats/series.h) and DIR/reorder.csv
 * (plot_reorder_csv). Writes DIR/load.gp and DIR/reorder.gp (the gnuplot
 * scripts, kept so a user can restyle the figures) and renders each to PNG
 * and SVG: load.png, load.svg (per-slave TX and RX rate over time, faults
 * marked) and reorder.png, reorder.svg (RFC 4737 reordering extent
 * histogram per flow). gnuplot runs in DIR with relative names, so no path
 * enters a file; images go to temporary names renamed when complete. PNG
 * uses the pngcairo terminal, or libgd's png when gnuplot lacks cairo.
 * Cold code.
 */
#ifndef BONDSIM_STATS_PLOT_H
#define BONDSIM_STATS_PLOT_H

#include <glib.h>

#include "sim.h"

#define PLOT_ERROR (plot_error_quark())
GQuark plot_error_quark(void);

typedef enum {
    PLOT_ERROR_NO_GNUPLOT, /* gnuplot is not in PATH */
    PLOT_ERROR_GNUPLOT,    /* gnuplot failed or wrote nothing */
} PlotError;

/* Appends `s` as a gnuplot single-quoted string (quotes doubled). */
void plot_quote(GString *o, const char *s);

/* gnuplot's full path, or NULL when it is not in PATH. Caller frees. */
char *plot_find_gnuplot(void);

/* The reordering extent histogram as CSV: `extent,from,to,<flow>...`, one
 * line per bin of stats/reorder.h (to is empty for the open last bin), one
 * column of arrivals per flow in creation order. Caller frees. */
char *plot_reorder_csv(const Sim *sim);
/* Writes it atomically. */
gboolean plot_write_reorder_csv(const Sim *sim, const char *path, GError **error);

/* The gnuplot scripts (no terminal or output set in them). Caller frees. */
char *plot_load_script(const Sim *sim);
char *plot_reorder_script(const Sim *sim);

/* Writes the scripts and the four images into `dir`, where series.csv and
 * reorder.csv must already be. On failure nothing of the images is left. */
gboolean plot_render(const Sim *sim, const char *dir, const char *gnuplot, GError **error);

/* Writes `script_text` to DIR/NAME.gp and renders it into DIR/NAME.png and
 * DIR/NAME.svg as plot_render does (for other figures, e.g. `bondsim compare
 * --plot`). On failure no image is left. */
gboolean plot_render_script(const char *dir, const char *gnuplot, const char *name,
                            const char *script_text, GError **error);

#endif
