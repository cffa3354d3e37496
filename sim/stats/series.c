/* series.c - per-slave load over time (see series.h). */
#include "stats/series.h"

#include <string.h>

#include "bond/bond.h"
#include "util/units.h"

uint64_t series_default_bin_ps(uint64_t duration_ps)
{
    return MAX(SERIES_DEFAULT_BIN_PS, duration_ps / SERIES_DEFAULT_BINS);
}

Series *series_new(const Sim *sim, uint64_t bin_ps, GError **error)
{
    g_return_val_if_fail(sim != NULL && bin_ps > 0, NULL);
    uint64_t n_bins = sim->end_ps / bin_ps + (sim->end_ps % bin_ps != 0);
    if (n_bins > SERIES_MAX_BINS) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "a load bin that small needs %" G_GUINT64_FORMAT
                    " bins for this run (at most %u): use a wider bin",
                    n_bins, SERIES_MAX_BINS);
        return NULL;
    }
    Series *s = g_new0(Series, 1);
    s->bin_ps = bin_ps;
    s->end_ps = sim->end_ps;
    s->n_bins = (guint)n_bins;
    for (guint i = 0; i < sim->bonds->len; i++)
        s->n_nics += (guint)((const Bond *)sim->bonds->pdata[i])->n_slaves;
    s->nics = g_new0(Nic *, MAX(1u, s->n_nics));
    guint k = 0;
    for (guint i = 0; i < sim->bonds->len; i++) {
        const Bond *b = sim->bonds->pdata[i];
        for (int j = 0; j < b->n_slaves; j++)
            s->nics[k++] = b->slaves[j].nic;
    }
    s->prev = g_new0(uint64_t, MAX(1u, s->n_nics) * 2);
    s->bytes = g_new0(uint64_t, MAX(1u, (size_t)s->n_bins * s->n_nics * 2));
    return s;
}

void series_free(Series *series)
{
    if (!series)
        return;
    g_free(series->nics);
    g_free(series->prev);
    g_free(series->bytes);
    g_free(series);
}

/* Closes bin `done_bins`: the counters' growth since the last boundary. */
static void series_close_bin(Series *s)
{
    g_assert(s->done_bins < s->n_bins);
    for (guint n = 0; n < s->n_nics; n++) {
        const NicCounters *c = &s->nics[n]->c;
        uint64_t *out = &s->bytes[((size_t)s->done_bins * s->n_nics + n) * 2];
        out[0] = c->tx_bytes - s->prev[n * 2];
        out[1] = c->rx_bytes - s->prev[n * 2 + 1];
        s->prev[n * 2] = c->tx_bytes;
        s->prev[n * 2 + 1] = c->rx_bytes;
    }
    s->done_bins++;
}

static void series_tick(Sim *sim, void *obj, void *arg)
{
    Series *s = obj;
    series_close_bin(s);
    uint64_t next = sim->eng.now_ps + s->bin_ps;
    if (next < s->end_ps)
        engine_schedule(&sim->eng, next, series_tick, s, NULL);
}

void series_start(Sim *sim, Series *series)
{
    g_return_if_fail(sim != NULL && series != NULL);
    for (guint n = 0; n < series->n_nics; n++) {
        series->prev[n * 2] = series->nics[n]->c.tx_bytes;
        series->prev[n * 2 + 1] = series->nics[n]->c.rx_bytes;
    }
    if (series->bin_ps < series->end_ps)
        engine_schedule(&sim->eng, series->bin_ps, series_tick, series, NULL);
}

void series_finish(const Sim *sim, Series *series)
{
    g_return_if_fail(series != NULL);
    while (series->done_bins < series->n_bins)
        series_close_bin(series);
}

void series_bin_span(const Series *s, guint bin, uint64_t *from_ps, uint64_t *to_ps)
{
    *from_ps = (uint64_t)bin * s->bin_ps;
    *to_ps = MIN(*from_ps + s->bin_ps, s->end_ps);
}

static void series_append_secs(GString *o, uint64_t ps)
{
    g_string_append_printf(o, "%" G_GUINT64_FORMAT ".%012" G_GUINT64_FORMAT, ps / PS_PER_S,
                           ps % PS_PER_S);
}

char *series_csv(const Series *series)
{
    g_return_val_if_fail(series != NULL, NULL);
    GString *o = g_string_new("t_start_s,t_end_s");
    for (guint n = 0; n < series->n_nics; n++)
        g_string_append_printf(o, ",%s tx_bytes,%s rx_bytes", series->nics[n]->name,
                               series->nics[n]->name);
    g_string_append_c(o, '\n');
    for (guint b = 0; b < series->done_bins; b++) {
        uint64_t from, to;
        series_bin_span(series, b, &from, &to);
        series_append_secs(o, from);
        g_string_append_c(o, ',');
        series_append_secs(o, to);
        for (guint n = 0; n < series->n_nics; n++)
            g_string_append_printf(o, ",%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT,
                                   series_bytes(series, b, n, 0), series_bytes(series, b, n, 1));
        g_string_append_c(o, '\n');
    }
    return g_string_free(o, FALSE);
}

gboolean series_write_csv(const Series *series, const char *path, GError **error)
{
    g_autofree char *text = series_csv(series);
    /* g_file_set_contents writes a temporary file and renames it. */
    return g_file_set_contents(path, text, -1, error);
}
