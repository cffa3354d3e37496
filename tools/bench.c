/* bench.c - bondsim-bench: how fast the hot path runs and how much memory it
 * holds. A benchmark, not a test: it is not run by ctest and asserts nothing
 * about speed; it prints one aligned table row per workload.
 *
 * Workloads:
 *   hold       the bare Engine under the classic "hold" model: 10,000 events
 *              pending; each event, when run, schedules one more at now plus a
 *              random increment, so the queue size stays put while millions of
 *              pop+insert pairs go through it.
 *   rr NxL     a balance-rr bond over N back-to-back 10G links (host NIC cabled
 *              straight to host NIC, no switch), L2 only: a generator pushes
 *              1514-byte Ethernet frames into bond_xmit at the aggregate line
 *              rate; the far host's NICs count and free what arrives. Without
 *              capture (CAPTURE_NONE, interfaces registered as the CLI does)
 *              and with pcapng into a temporary directory. Each runs for two
 *              simulated durations: memory must not grow with run length.
 *
 * Every workload runs in a forked child so that the getrusage() peak RSS of a
 * row is that workload's own and not the high-water mark of all rows before;
 * the child sends its figures back through a pipe.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bond/bond.h"
#include "bond/options.h"
#include "capture/capture.h"
#include "engine.h"
#include "frame.h"
#include "host.h"
#include "nic.h"
#include "sim.h"
#include "util/bytes.h"
#include "util/units.h"

/* ---- parameters ---------------------------------------------------------- */

#define BENCH_HOLD_PENDING 10000
#define BENCH_HOLD_OPS UINT64_C(20000000)
#define BENCH_HOLD_OPS_QUICK UINT64_C(500000)
/* Increments uniform in [0, 2^21 ps): mean about 1 us. A power of two, so
 * drawing one is a shift, not a division. */
#define BENCH_HOLD_INC_BITS 21

#define BENCH_RATE_BPS UINT64_C(10000000000)
#define BENCH_FRAME_LEN 1514            /* 1500-byte payload + Ethernet header */
#define BENCH_DELAY_PS (10 * PS_PER_NS) /* about 2 m of cable */
#define BENCH_ETHERTYPE 0x88B5          /* IEEE 802 local experimental */

/* Simulated durations of the bond rows: short, then four times as long. */
static const uint64_t bench_durations_ps[2] = {100 * PS_PER_MS, 400 * PS_PER_MS};
static const uint64_t bench_durations_quick_ps[2] = {1 * PS_PER_MS, 4 * PS_PER_MS};

/* The ns-3 3.37 figures on this machine class, and the targets. */
#define NS3_HOLD_EVENTS_LO 4e6
#define NS3_HOLD_EVENTS_HI 7e6
#define NS3_RR2_FRAMES 0.85e6
#define NS3_RR2_PCAP_FRAMES 0.25e6
#define TARGET_HOLD_EVENTS 20e6
#define TARGET_RR2_FRAMES 8e6

/* ---- results ------------------------------------------------------------- */

/* What a child reports for one workload (plain data: it crosses a pipe). */
typedef struct {
    gboolean ok;
    char error[160];
    double wall_s;          /* wall time of the measured part */
    double cpu_s;           /* CPU time of the measured part (user + system) */
    uint64_t sim_ps;        /* simulated time covered, 0 for hold */
    uint64_t events;        /* events dispatched */
    uint64_t frames;        /* frames delivered to the far host */
    uint64_t drops;         /* frames lost anywhere (should be 0) */
    uint64_t captured;      /* capture records written */
    uint64_t capture_bytes; /* size of the capture file */
    size_t peak_pending;    /* largest event queue */
    uint64_t pool_peak;     /* most frames in use at once */
    long maxrss_kib;        /* getrusage ru_maxrss of the child */
} BenchResult;

typedef struct {
    const char *name;
    int n_links;          /* 0: hold model */
    CaptureFormat format; /* bond rows only */
    uint64_t duration_ps; /* bond rows only */
    uint64_t hold_ops;    /* hold row only */
} BenchWorkload;

static double bench_wall_s(int64_t start_us)
{
    return (double)(g_get_monotonic_time() - start_us) / 1e6;
}

/* CPU time of this process: beside the wall time it tells a busy machine
 * (cpu < wall while others run) or a capture waiting on the disk. */
static double bench_cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
        return 0;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- hold model ---------------------------------------------------------- */

/* xorshift64*: the increments only need to be spread, and GRand's Mersenne
 * Twister would cost as much as the heap operation being measured. */
static inline uint64_t bench_xorshift(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

typedef struct {
    Engine *eng;
    uint64_t rng;    /* xorshift state, never 0 */
    uint64_t ops;    /* events run so far */
    uint64_t target; /* stop after this many */
} BenchHold;

static void bench_hold_fire(Sim *sim, void *obj, void *arg)
{
    BenchHold *h = obj;
    uint64_t inc = bench_xorshift(&h->rng) >> (64 - BENCH_HOLD_INC_BITS);
    engine_schedule(h->eng, engine_now(h->eng) + inc, bench_hold_fire, h, NULL);
    if (++h->ops == h->target)
        engine_stop(h->eng);
}

static void bench_run_hold(const BenchWorkload *w, BenchResult *r)
{
    Engine eng;
    engine_init(&eng, 0);
    BenchHold h = {&eng, UINT64_C(0x9E3779B97F4A7C15), 0, w->hold_ops};
    for (int i = 0; i < BENCH_HOLD_PENDING; i++) {
        uint64_t at = bench_xorshift(&h.rng) >> (64 - BENCH_HOLD_INC_BITS);
        engine_schedule(&eng, at, bench_hold_fire, &h, NULL);
    }
    int64_t t0 = g_get_monotonic_time();
    double c0 = bench_cpu_s();
    engine_run(&eng, NULL, UINT64_MAX);
    r->wall_s = bench_wall_s(t0);
    r->cpu_s = bench_cpu_s() - c0;
    r->events = eng.events_run;
    r->peak_pending = eng.peak_pending;
    r->ok = h.ops == w->hold_ops && eng.count == BENCH_HOLD_PENDING;
    if (!r->ok)
        g_snprintf(r->error, sizeof(r->error),
                   "hold: ran %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT, h.ops, w->hold_ops);
    engine_clear(&eng);
}

/* ---- bond workload: topology --------------------------------------------- */

/* The far host's NICs hand every frame here. */
typedef struct {
    uint64_t frames;
    uint64_t bytes;
} BenchSink;

/* Frames into the bond, one every `interval_ps`: the aggregate line rate. */
typedef struct {
    Bond *bond;
    uint64_t interval_ps;
    uint64_t stop_ps; /* no frame generated at or after this time */
    uint64_t seq;     /* frames generated */
    uint64_t no_buffer;
    uint32_t frame_len; /* bytes of each frame, header included */
    uint8_t dst[6];
} BenchGen;

typedef struct {
    Sim *sim;
    Bond *bond;
    Nic *far[BOND_MAX_SLAVES];
    int n_links;
    BenchSink sink;
    BenchGen gen;
} BenchTopo;

static void bench_sink_rx(Sim *sim, Nic *nic, Frame *f)
{
    BenchSink *s = nic->owner;
    s->frames++;
    s->bytes += f->len;
    frame_free(&sim->pool, f);
}

static void bench_mac(uint8_t mac[6], uint8_t host, uint8_t index)
{
    const uint8_t m[6] = {0x02, 0x00, 0x00, 0x00, host, index};
    memcpy(mac, m, 6);
}

/* Host "tx" with bond0 over eth0..ethN-1, cabled one to one to the plain NICs
 * eth0..ethN-1 of host "rx". */
static gboolean bench_build(BenchTopo *t, int n_links, GError **error)
{
    Sim *sim = t->sim;
    Host *tx = host_new(sim, "tx");
    Host *rx = host_new(sim, "rx");
    g_ptr_array_add(sim->hosts, tx);
    g_ptr_array_add(sim->hosts, rx);
    BondParams p;
    bond_params_defaults(&p);
    if (!bond_params_parse(&p, "mode=balance-rr", NULL, error))
        return FALSE;
    t->bond = bond_new(sim, tx, "bond0", &p);
    g_ptr_array_add(sim->bonds, t->bond);
    for (int i = 0; i < n_links; i++) {
        char ifname[16];
        uint8_t mac[6];
        g_snprintf(ifname, sizeof(ifname), "eth%d", i);
        bench_mac(mac, 0x0a, (uint8_t)i);
        Nic *a = host_add_nic(tx, ifname, mac, BENCH_RATE_BPS);
        bench_mac(mac, 0x0b, (uint8_t)i);
        Nic *b = host_add_nic(rx, ifname, mac, BENCH_RATE_BPS);
        b->rx = bench_sink_rx;
        b->owner = &t->sink;
        t->far[i] = b;
        g_ptr_array_add(sim->nics, a);
        g_ptr_array_add(sim->nics, b);
        bond_enslave(sim, t->bond, a, 0);
        g_ptr_array_add(sim->links, link_new(sim, a, b, BENCH_DELAY_PS, 0.0));
    }
    t->n_links = n_links;
    bond_open(sim, t->bond);
    return TRUE;
}

/* Registers the bond, its slaves and the far NICs, as the CLI's loader does
 * (it registers them for CAPTURE_NONE too). */
static void bench_register_capture(BenchTopo *t)
{
    Capture *cap = t->sim->cap;
    Bond *b = t->bond;
    b->iface->cap_if = capture_add_interface(cap, b->full_name, "bond0 balance-rr", b->mac, 0);
    for (int i = 0; i < b->n_slaves; i++) {
        Nic *nic = b->slaves[i].nic;
        nic->cap_if =
            capture_add_interface(cap, nic->name, "slave of bond0", nic->perm_mac, nic->speed_bps);
    }
    for (int i = 0; i < t->n_links; i++) {
        Nic *nic = t->far[i];
        nic->cap_if =
            capture_add_interface(cap, nic->name, "receiver", nic->perm_mac, nic->speed_bps);
    }
}

/* ---- bond workload: traffic and run -------------------------------------- */

/* Writes the whole frame, as sim/traffic/flow.c does: header, zeroed
 * payload, sequence number at the start of the payload. The length is a
 * run-time value there and here: with a constant one the compiler inlines
 * `rep stos`, which costs this core twice what glibc's memset does. */
static void bench_fill(Frame *f, const BenchGen *g, uint64_t now_ps)
{
    uint8_t *d = f->data;
    memcpy(d, g->dst, 6);
    memcpy(d + 6, g->bond->mac, 6);
    put_be16(d + 12, BENCH_ETHERTYPE);
    memset(d + ETH_HLEN, 0, g->frame_len - ETH_HLEN);
    put_be64(d + ETH_HLEN, g->seq);
    f->len = g->frame_len;
    f->seq = g->seq;
    f->sent_ps = now_ps;
}

static void bench_gen_fire(Sim *sim, void *obj, void *arg)
{
    BenchGen *g = obj;
    uint64_t now = sim->eng.now_ps;
    Frame *f = frame_alloc(&sim->pool);
    if (f) {
        bench_fill(f, g, now);
        g->seq++;
        bond_xmit(sim, g->bond, f);
    } else {
        g->no_buffer++;
    }
    if (now + g->interval_ps < g->stop_ps)
        engine_schedule(&sim->eng, now + g->interval_ps, bench_gen_fire, g, NULL);
}

static uint64_t bench_drops(const BenchTopo *t)
{
    uint64_t d = t->gen.no_buffer;
    for (int i = 0; i < BOND_DROP_COUNT; i++)
        d += t->bond->drops[i];
    for (guint i = 0; i < t->sim->nics->len; i++) {
        const Nic *nic = g_ptr_array_index(t->sim->nics, i);
        for (int k = 0; k < NIC_DROP_COUNT; k++)
            d += nic->c.drops[k];
    }
    return d;
}

/* Runs the topology to `duration_ps`, then closes the capture (its final
 * flush is part of the cost, so it is inside the timed span). */
static gboolean bench_drive(BenchTopo *t, uint64_t duration_ps, BenchResult *r, GError **error)
{
    Sim *sim = t->sim;
    uint64_t line_ps = frame_tx_time_ps(BENCH_FRAME_LEN, BENCH_RATE_BPS);
    t->gen.bond = t->bond;
    t->gen.frame_len = BENCH_FRAME_LEN;
    /* rounded up: never faster than the slaves drain */
    t->gen.interval_ps = (line_ps + (uint64_t)t->n_links - 1) / (uint64_t)t->n_links;
    t->gen.stop_ps = duration_ps;
    bench_mac(t->gen.dst, 0x0b, 0);
    sim->end_ps = duration_ps;
    engine_schedule(&sim->eng, 0, bench_gen_fire, &t->gen, NULL);

    int64_t t0 = g_get_monotonic_time();
    double c0 = bench_cpu_s();
    engine_run(&sim->eng, sim, sim->end_ps);
    r->captured = capture_packet_count(sim->cap);
    gboolean ok = capture_finish(sim->cap, NULL, sim->end_ps, error);
    sim->cap = NULL;
    r->wall_s = bench_wall_s(t0);
    r->cpu_s = bench_cpu_s() - c0;

    r->sim_ps = sim->end_ps;
    r->events = sim->eng.events_run;
    r->frames = t->sink.frames;
    r->drops = bench_drops(t);
    r->peak_pending = sim->eng.peak_pending;
    r->pool_peak = sim->pool.peak;
    return ok;
}

static gboolean bench_bond_in(const BenchWorkload *w, const char *cap_path, BenchResult *r,
                              GError **error)
{
    BenchTopo t = {0};
    t.sim = sim_new("bench", 1);
    gboolean ok = FALSE;
    t.sim->cap = capture_new(w->format, cap_path, 0, "bondsim-bench", error);
    if (!t.sim->cap)
        goto out;
    if (!bench_build(&t, w->n_links, error))
        goto out;
    bench_register_capture(&t);
    ok = bench_drive(&t, w->duration_ps, r, error);
out:
    sim_free(t.sim);
    return ok;
}

static void bench_run_bond(const BenchWorkload *w, BenchResult *r)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    if (w->format != CAPTURE_NONE) {
        dir = g_dir_make_tmp("bondsim-bench-XXXXXX", &error);
        if (!dir)
            goto out;
        path = g_build_filename(dir, "bench.pcapng", NULL);
    }
    r->ok = bench_bond_in(w, path, r, &error);
    if (path) {
        GStatBuf st;
        if (g_stat(path, &st) == 0)
            r->capture_bytes = (uint64_t)st.st_size;
        g_remove(path);
        g_rmdir(dir);
    }
out:
    if (error)
        g_snprintf(r->error, sizeof(r->error), "%s", error->message);
}

/* ---- running a workload in a child --------------------------------------- */

static void bench_run_here(const BenchWorkload *w, BenchResult *r)
{
    memset(r, 0, sizeof(*r));
    if (w->n_links == 0)
        bench_run_hold(w, r);
    else
        bench_run_bond(w, r);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        r->maxrss_kib = ru.ru_maxrss;
}

static gboolean bench_read_all(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        p += n;
        len -= (size_t)n;
    }
    return TRUE;
}

/* Forks, runs the workload in the child and reads its result. */
static void bench_run_isolated(const BenchWorkload *w, BenchResult *r)
{
    int fds[2];
    fflush(NULL);
    if (pipe(fds) != 0) {
        bench_run_here(w, r);
        return;
    }
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        BenchResult mine;
        bench_run_here(w, &mine);
        ssize_t n = write(fds[1], &mine, sizeof(mine));
        _exit(n == (ssize_t)sizeof(mine) ? 0 : 1);
    }
    close(fds[1]);
    memset(r, 0, sizeof(*r));
    gboolean got = pid > 0 && bench_read_all(fds[0], r, sizeof(*r));
    close(fds[0]);
    int status = 0;
    if (pid > 0)
        waitpid(pid, &status, 0);
    if (!got) {
        r->ok = FALSE;
        g_snprintf(r->error, sizeof(r->error), "child failed (status %d)", status);
    }
}

/* ---- output -------------------------------------------------------------- */

static void bench_header(gboolean quick)
{
    printf("bondsim-bench%s: hot-path throughput and memory, one row per workload.\n",
           quick ? " (--quick: short runs, figures are indicative only)" : "");
    printf("  events/s   events dispatched per wall-clock second\n"
           "  frames/s   frames delivered to the far host per wall-clock second\n"
           "  wall, cpu  seconds of wall-clock and of CPU time (cpu < wall: the machine is busy\n"
           "             or the capture waits for the disk)\n"
           "  sim/wall   simulated time / wall time (>1: faster than real time)\n"
           "  maxrss     peak resident set of the process running the row (getrusage)\n"
           "  pool       most frames in use at once (frame pool peak)\n"
           "  pend       most events pending at once\n"
           "Each row runs in its own process; bond rows run twice, the second four times\n"
           "as long, so equal maxrss/pool/pend show memory does not grow with run length.\n"
           "Wall time covers engine_run (and closing the capture file), not setup.\n\n");
    printf("%-22s %7s %7s %7s %9s %9s %8s %10s %5s %9s %5s %5s\n", "workload", "sim", "wall", "cpu",
           "events/s", "frames/s", "sim/wall", "delivered", "drops", "maxrss", "pool", "pend");
}

static void bench_row(const BenchWorkload *w, const BenchResult *r)
{
    if (!r->ok) {
        printf("%-22s FAILED: %s\n", w->name, r->error);
        return;
    }
    char sim[16] = "-", fps[16] = "-", ratio[16] = "-", deliv[16] = "-", drops[16] = "-";
    char pool[16] = "-";
    double wall = r->wall_s > 0 ? r->wall_s : 1e-6;
    if (w->n_links) {
        g_snprintf(sim, sizeof(sim), "%g ms", (double)r->sim_ps / 1e9);
        g_snprintf(fps, sizeof(fps), "%.2f M", (double)r->frames / wall / 1e6);
        g_snprintf(ratio, sizeof(ratio), "%.2fx", (double)r->sim_ps / 1e12 / wall);
        g_snprintf(deliv, sizeof(deliv), "%" G_GUINT64_FORMAT, r->frames);
        g_snprintf(drops, sizeof(drops), "%" G_GUINT64_FORMAT, r->drops);
        g_snprintf(pool, sizeof(pool), "%" G_GUINT64_FORMAT, r->pool_peak);
    }
    printf("%-22s %7s %7.3f %7.3f %7.2f M %9s %8s %10s %5s %5.1f MiB %5s %5zu\n", w->name, sim,
           r->wall_s, r->cpu_s, (double)r->events / wall / 1e6, fps, ratio, deliv, drops,
           (double)r->maxrss_kib / 1024.0, pool, r->peak_pending);
    if (r->capture_bytes)
        printf("%-22s   capture: %" G_GUINT64_FORMAT " records, %.1f MiB written, %.0f MiB/s\n", "",
               r->captured, (double)r->capture_bytes / 1048576.0,
               (double)r->capture_bytes / 1048576.0 / wall);
}

static double bench_eps(const BenchResult *r)
{
    return r->ok && r->wall_s > 0 ? (double)r->events / r->wall_s : 0;
}

static double bench_fps(const BenchResult *r)
{
    return r->ok && r->wall_s > 0 ? (double)r->frames / r->wall_s : 0;
}

/* A note after a comparison whose row did not get a whole CPU: the machine
 * was busy and the wall-clock figure understates. */
static void bench_busy_note(const BenchResult *r, uint64_t count, const char *unit)
{
    if (r->cpu_s > 0 && r->cpu_s < 0.9 * r->wall_s)
        printf("                      (ran on %.0f%% of a CPU: %.2f M %s per CPU-second)\n",
               100.0 * r->cpu_s / r->wall_s, (double)count / r->cpu_s / 1e6, unit);
}

/* `hold`, `rr2` and `rr2_pcap` may be NULL when filtered out. */
static void bench_footer(const BenchResult *hold, const BenchResult *rr2,
                         const BenchResult *rr2_pcap)
{
    printf("\nAgainst the issue's figures (ns-3 3.37, same machine class):\n");
    if (hold) {
        double e = bench_eps(hold);
        printf("  hold, 10k pending : %6.2f M events/s   ns-3 %.0f-%.0f M (%.1f-%.1fx)   "
               "target >= %.0f M: %s\n",
               e / 1e6, NS3_HOLD_EVENTS_LO / 1e6, NS3_HOLD_EVENTS_HI / 1e6, e / NS3_HOLD_EVENTS_HI,
               e / NS3_HOLD_EVENTS_LO, TARGET_HOLD_EVENTS / 1e6,
               e >= TARGET_HOLD_EVENTS ? "met" : "NOT met");
        bench_busy_note(hold, hold->events, "events");
    }
    if (rr2) {
        double f = bench_fps(rr2);
        printf("  rr 2x10G          : %6.2f M frames/s   ns-3 %.2f M (%.1fx)            "
               "target >= %.0f M: %s\n",
               f / 1e6, NS3_RR2_FRAMES / 1e6, f / NS3_RR2_FRAMES, TARGET_RR2_FRAMES / 1e6,
               f >= TARGET_RR2_FRAMES ? "met" : "NOT met");
        bench_busy_note(rr2, rr2->frames, "frames");
    }
    if (rr2_pcap) {
        double f = bench_fps(rr2_pcap);
        printf("  rr 2x10G pcapng   : %6.2f M frames/s   ns-3 %.2f M with pcap (%.1fx)\n", f / 1e6,
               NS3_RR2_PCAP_FRAMES / 1e6, f / NS3_RR2_PCAP_FRAMES);
        if (rr2_pcap->cpu_s > 0 && rr2_pcap->cpu_s < 0.9 * rr2_pcap->wall_s)
            printf("                      (on the CPU %.0f%% of the time, writing %.0f MiB; the "
                   "rest waits: disk writeback or a busy machine)\n",
                   100.0 * rr2_pcap->cpu_s / rr2_pcap->wall_s,
                   (double)rr2_pcap->capture_bytes / 1048576.0);
    }
}

/* ---- main ---------------------------------------------------------------- */

static GPtrArray *bench_workloads(gboolean quick, int scale)
{
    GPtrArray *ws = g_ptr_array_new_with_free_func(g_free);
    BenchWorkload *h = g_new0(BenchWorkload, 1);
    h->name = "hold 10k pending";
    h->hold_ops = (quick ? BENCH_HOLD_OPS_QUICK : BENCH_HOLD_OPS) * (uint64_t)scale;
    g_ptr_array_add(ws, h);
    static const int links[2] = {2, 4};
    static const char *const names[2][2][2] = {
        {{"rr 2x10G", "rr 2x10G (long)"}, {"rr 2x10G pcapng", "rr 2x10G pcapng (long)"}},
        {{"rr 4x10G", "rr 4x10G (long)"}, {"rr 4x10G pcapng", "rr 4x10G pcapng (long)"}},
    };
    const uint64_t *dur = quick ? bench_durations_quick_ps : bench_durations_ps;
    for (int l = 0; l < 2; l++)
        for (int c = 0; c < 2; c++)
            for (int d = 0; d < 2; d++) {
                BenchWorkload *w = g_new0(BenchWorkload, 1);
                w->name = names[l][c][d];
                w->n_links = links[l];
                w->format = c ? CAPTURE_PCAPNG : CAPTURE_NONE;
                w->duration_ps = dur[d] * (uint64_t)scale;
                g_ptr_array_add(ws, w);
            }
    return ws;
}

int main(int argc, char **argv)
{
    gboolean quick = FALSE;
    int scale = 1;
    g_autofree char *only = NULL;
    GOptionEntry entries[] = {
        {"quick", 'q', 0, G_OPTION_ARG_NONE, &quick, "Short runs (a smoke test)", NULL},
        {"only", 'o', 0, G_OPTION_ARG_STRING, &only,
         "Run only workloads whose name contains TEXT (e.g. hold, 2x10G, pcapng)", "TEXT"},
        {"scale", 's', 0, G_OPTION_ARG_INT, &scale,
         "Run N times as long (steadier figures, profiling; pcapng files grow too)", "N"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("- bondsim hot-path benchmark");
    g_option_context_set_summary(
        ctx, "Measures the event queue (hold model, 10,000 pending) and a balance-rr bond\n"
             "over 2 and 4 back-to-back 10G links at line rate, without and with pcapng.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        g_printerr("bondsim-bench: %s\n", error->message);
        return 2;
    }

    if (scale < 1 || scale > 1000) {
        g_printerr("bondsim-bench: --scale must be 1..1000\n");
        return 2;
    }
    g_autoptr(GPtrArray) ws = bench_workloads(quick, scale);
    BenchResult *res = g_new0(BenchResult, ws->len);
    const BenchResult *hold = NULL, *rr2 = NULL, *rr2_pcap = NULL;
    int failures = 0;
    bench_header(quick);
    for (guint i = 0; i < ws->len; i++) {
        const BenchWorkload *w = g_ptr_array_index(ws, i);
        if (only && !strstr(w->name, only))
            continue;
        bench_run_isolated(w, &res[i]);
        bench_row(w, &res[i]);
        failures += !res[i].ok;
        if (w->n_links == 0)
            hold = &res[i];
        else if (w->n_links == 2 && strstr(w->name, "(long)"))
            *(w->format == CAPTURE_NONE ? &rr2 : &rr2_pcap) = &res[i];
    }
    bench_footer(hold, rr2, rr2_pcap);
    g_free(res);
    return failures ? 1 : 0;
}
