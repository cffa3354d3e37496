/* series.h - per-slave load over time: TX and RX bytes of every bond slave
 * per time bin.
 *
 * Sampled by one periodic engine event per bin that reads the NICs'
 * counters (nic.h NicCounters), so frames cost nothing extra. Made and
 * started by the `run` command before sim_run, closed after it; owned by
 * the Sim (sim->series) once attached. Bin i covers [i * bin, (i+1) * bin)
 * clipped to the run's end; all bins are preallocated, so sampling never
 * allocates. Written as CSV (series_write_csv) and summarised in stats.json
 * (report.c); plot.c draws it.
 */
#ifndef BONDSIM_STATS_SERIES_H
#define BONDSIM_STATS_SERIES_H

#include <glib.h>
#include <stdint.h>

#include "nic.h"
#include "sim.h"

/* Refused above this many bins (a bin width far too small for the run). */
#define SERIES_MAX_BINS 1000000u
/* The default bin: 10 ms, or duration / 500 when that is larger. */
#define SERIES_DEFAULT_BIN_PS (10 * UINT64_C(1000000000))
#define SERIES_DEFAULT_BINS 500

typedef struct Series {
    uint64_t bin_ps; /* bin width */
    uint64_t end_ps; /* the run's end: the last bin stops there */
    guint n_bins;    /* bins the run covers */
    guint done_bins; /* bins closed so far */
    guint n_nics;    /* sampled NICs */
    Nic **nics;      /* borrowed: every bond slave, bonds then slaves in order */
    uint64_t *prev;  /* [nic * 2 + 0/1]: TX/RX byte counters at the last boundary */
    uint64_t *bytes; /* [(bin * n_nics + nic) * 2 + 0/1]: TX/RX bytes in the bin */
} Series;

/* The default bin width for a run of `duration_ps`. */
uint64_t series_default_bin_ps(uint64_t duration_ps);

/* A series of every bond slave of `sim`, bins of `bin_ps` (> 0) over
 * sim->end_ps. NULL with an error when that needs more than
 * SERIES_MAX_BINS bins. Caller owns it (series_free), or hands it to
 * sim->series. */
Series *series_new(const Sim *sim, uint64_t bin_ps, GError **error);
void series_free(Series *series);

/* Schedules the sampling events; call before sim_run. */
void series_start(Sim *sim, Series *series);
/* Closes the last bins at sim->end_ps; call after sim_run. */
void series_finish(const Sim *sim, Series *series);

/* Bytes of bin `bin`, NIC `nic`, direction 0 = TX, 1 = RX. */
static inline uint64_t series_bytes(const Series *s, guint bin, guint nic, int dir)
{
    return s->bytes[((size_t)bin * s->n_nics + nic) * 2 + (size_t)dir];
}

/* The bin's start and end. */
void series_bin_span(const Series *s, guint bin, uint64_t *from_ps, uint64_t *to_ps);

/* The CSV text: a header `t_start_s,t_end_s,<nic> tx_bytes,<nic> rx_bytes,...`
 * then one line per bin; times as exact decimals. Caller frees. */
char *series_csv(const Series *series);
/* Writes series_csv atomically (temporary name, then rename). */
gboolean series_write_csv(const Series *series, const char *path, GError **error);

#endif
