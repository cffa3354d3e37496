/* main.c - the `bondsim` command: options, calls, exit codes. Nothing else.
 *
 *   bondsim run FILE [-o DIR] [--seed N] [--set GROUP.KEY=VALUE]...
 *                    [--pcap-format pcapng|pcap|none] [--snaplen N]
 *                    [--load-bin TIME] [--plot] [--fault-phase N]
 *   bondsim validate FILE [--set ...]
 *   bondsim compare FILE [--modes LIST|all] [-o DIR] [--seed N] [--set ...]
 *                        [--pcap-format ...] [--snaplen N] [-q] [--plot]
 *                        (the scenario once per bonding mode, one table)
 *   bondsim hash-spread CAPTURE --slaves N [--policy P|all] [--per-frame]
 *                        [--vlan-inband]
 *                        (the slave each flow of a capture would take, per
 *                        xmit_hash_policy; 1 = the capture cannot be read)
 *   bondsim options          (every bonding option, its values and default)
 *   bondsim --help | --version
 *
 * Exit codes: 0 success; 1 the scenario (or a --set) is invalid; 2 the
 * command line is wrong; 3 an output could not be written.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bond/bond.h"
#include "bond/hash.h"
#include "bond/hash_spread.h"
#include "bond/options.h"
#include "compare/compare.h"
#include "host.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "stats/budget.h"
#include "stats/plot.h"
#include "stats/report.h"
#include "stats/series.h"
#include "switch.h"
#include "util/units.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3 };

typedef struct {
    char *out_dir;
    gint64 seed;
    gboolean seed_given;
    char **sets;
    char *pcap_format;
    gint snaplen;
    gboolean quiet;
    char *modes;    /* compare: --modes */
    char *load_bin; /* run: --load-bin */
    gboolean plot;  /* run: --plot */
    uint64_t load_bin_ps;
    char *gnuplot;    /* run --plot: gnuplot's path */
    gint fault_phase; /* run: --fault-phase N (0: off) */
    const char *file; /* run --fault-phase: the scenario, for the sweep's reloads */
} RunArgs;

static gboolean seed_cb(const char *name, const char *value, gpointer data, GError **error)
{
    RunArgs *a = data;
    guint64 v;
    if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, &v, error))
        return FALSE;
    a->seed = (gint64)v;
    a->seed_given = TRUE;
    return TRUE;
}

static const char *const usage_summary =
    "Commands:\n"
    "  run FILE        simulate a scenario, write captures and statistics\n"
    "  validate FILE   check a scenario and report the first problem\n"
    "  compare FILE    run a scenario once per bonding mode, one table of results\n"
    "  hash-spread CAPTURE --slaves N\n"
    "                  the slave each flow of a capture would take, per xmit_hash_policy\n"
    "  options         list every bonding option bondsim knows\n"
    "\n"
    "Exit codes: 0 success, 1 invalid scenario (hash-spread: unreadable capture), 2 bad\n"
    "command line, 3 output not written.\n"
    "Scenario format: docs/scenario-format.md";

static GOptionContext *make_context(const char *params, RunArgs *a, gboolean run)
{
    GOptionEntry run_entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &a->out_dir,
         "Output directory (default pcaps/out/<scenario name>)", "DIR"},
        {"pcap-format", 0, 0, G_OPTION_ARG_STRING, &a->pcap_format,
         "pcapng (one file, every interface), pcap (one file per interface) or none", "FORMAT"},
        {"snaplen", 0, 0, G_OPTION_ARG_INT, &a->snaplen, "Bytes kept per captured frame", "N"},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &a->quiet, "Do not print the summary", NULL},
        G_OPTION_ENTRY_NULL};
    GOptionEntry common[] = {
        {"seed", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)seed_cb,
         "Seed (overrides [simulation] seed)", "N"},
        {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a->sets,
         "Override a scenario value, e.g. host.server.bond.bond0=\"mode=1 miimon=100\"",
         "GROUP.KEY=VALUE"},
        G_OPTION_ENTRY_NULL};
    GOptionContext *ctx = g_option_context_new(params);
    GOptionGroup *main_group = g_option_group_new(NULL, NULL, NULL, a, NULL);
    g_option_group_add_entries(main_group, common);
    if (run)
        g_option_group_add_entries(main_group, run_entries);
    g_option_context_set_main_group(ctx, main_group);
    g_option_context_set_description(ctx, usage_summary);
    return ctx;
}

/* Options of `run` alone (compare shares the others). */
static void add_run_only_entries(GOptionContext *ctx, RunArgs *a)
{
    GOptionEntry entries[] = {
        {"load-bin", 0, 0, G_OPTION_ARG_STRING, &a->load_bin,
         "Bin width of the per-slave load series DIR/series.csv (default 10ms or duration/500, "
         "the larger)",
         "TIME"},
        {"plot", 0, 0, G_OPTION_ARG_NONE, &a->plot,
         "Also draw DIR/load.png, load.svg, reorder.png, reorder.svg with gnuplot", NULL},
        {"fault-phase", 0, 0, G_OPTION_ARG_INT, &a->fault_phase,
         "Also rerun each fault at N points over one monitor period (no captures); "
         "min/median/max detection and gap, DIR/fault-phase.json",
         "N"},
        G_OPTION_ENTRY_NULL};
    g_option_group_add_entries(g_option_context_get_main_group(ctx), entries);
}

/* The --set arguments as ScenarioOptions.sets wants them (borrowed strings). */
static GPtrArray *sets_of(const RunArgs *a)
{
    GPtrArray *sets = g_ptr_array_new();
    for (char **s = a->sets; s && *s; s++)
        g_ptr_array_add(sets, *s);
    return sets;
}

static Sim *load(const char *file, RunArgs *a, char **canon)
{
    g_autoptr(GPtrArray) sets = sets_of(a);
    ScenarioOptions so = {.sets = sets, .seed_given = a->seed_given, .seed = (uint64_t)a->seed};
    GError *err = NULL;
    Sim *sim = scenario_load(file, &so, canon, &err);
    if (!sim) {
        g_printerr("bondsim: %s\n", err->message);
        g_error_free(err);
    }
    return sim;
}

static gboolean parse_format(const char *s, CaptureFormat *f)
{
    if (!s || strcmp(s, "pcapng") == 0)
        *f = CAPTURE_PCAPNG;
    else if (strcmp(s, "pcap") == 0)
        *f = CAPTURE_PCAP;
    else if (strcmp(s, "none") == 0)
        *f = CAPTURE_NONE;
    else
        return FALSE;
    return TRUE;
}

/* --pcap-format and --snaplen (run and compare): 0, or EXIT_USAGE after
 * saying why. */
static int check_capture_args(const RunArgs *a, CaptureFormat *fmt)
{
    if (!parse_format(a->pcap_format, fmt)) {
        g_printerr("bondsim: --pcap-format '%s': use pcapng, pcap or none\n", a->pcap_format);
        return EXIT_USAGE;
    }
    if (a->snaplen < 0 || a->snaplen > 262144) {
        g_printerr("bondsim: --snaplen %d: use 0 (whole frames) to 262144\n", a->snaplen);
        return EXIT_USAGE;
    }
    return 0;
}

/* --plot (run and compare): gnuplot must be in PATH; 0, or EXIT_OUTPUT
 * after saying so (nothing is written yet). */
static int find_gnuplot(RunArgs *a)
{
    if (!a->plot)
        return 0;
    a->gnuplot = plot_find_gnuplot();
    if (a->gnuplot)
        return 0;
    g_printerr("bondsim: --plot needs gnuplot, which is not in PATH (install the gnuplot "
               "or gnuplot-nox package); nothing written\n");
    return EXIT_OUTPUT;
}

/* The images of --plot; the data outputs stay if this fails. */
static int run_plots(const Sim *sim, const RunArgs *a, const char *dir)
{
    GError *err = NULL;
    if (!a->plot)
        return 0;
    if (!plot_render(sim, dir, a->gnuplot, &err)) {
        g_printerr("bondsim: --plot: %s\n", err->message);
        g_error_free(err);
        return EXIT_OUTPUT;
    }
    return 0;
}

static int run_outputs(Sim *sim, RunArgs *a, const char *dir, CaptureFormat fmt, const char *canon)
{
    GError *err = NULL;
    g_autofree char *cap_path = fmt == CAPTURE_PCAP
                                    ? g_build_filename(dir, "pcap", NULL)
                                    : g_strdup_printf("%s/%s.pcapng", dir, sim->name);
    g_autofree char *shb = g_strdup_printf("bondsim %s %s snaplen=%d format=%s", BONDSIM_VERSION,
                                           canon, a->snaplen ? a->snaplen : 262144,
                                           a->pcap_format ? a->pcap_format : "pcapng");
    sim->cap = capture_new(fmt, cap_path, (uint32_t)a->snaplen, shb, &err);
    if (!sim->cap) {
        g_printerr("bondsim: %s\n", err->message);
        g_error_free(err);
        return EXIT_OUTPUT;
    }
    scenario_register_capture(sim);
    int64_t t0 = g_get_monotonic_time();
    series_start(sim, sim->series);
    sim_run(sim, isatty(STDERR_FILENO) && !a->quiet);
    series_finish(sim, sim->series);
    double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
    g_autofree CaptureIfStats *st = scenario_capture_if_stats(sim);
    Capture *cap = sim->cap;
    sim->cap = NULL;
    g_autofree char *json_path = g_build_filename(dir, "stats.json", NULL);
    /* data files and stats.json first (atomic); if the capture then fails,
     * they go too, so a failed run leaves no output at all */
    if (!report_write_data(sim, dir, &err)) {
        capture_abort(cap);
    } else if (!report_write_json(sim, json_path, &err)) {
        capture_abort(cap);
        report_remove_data(dir);
    } else if (!capture_finish(cap, st, sim->end_ps, &err)) {
        g_unlink(json_path);
        report_remove_data(dir);
    }
    if (err) {
        g_printerr("bondsim: %s\n", err->message);
        g_error_free(err);
        return EXIT_OUTPUT;
    }
    int rc = run_plots(sim, a, dir);
    if (!a->quiet) {
        g_autofree char *table = report_table(sim);
        g_autofree char *data = report_data_outputs(sim, dir);
        fputs(table, stdout);
        printf("Outputs: %s%s, %s, %s%s%s%s\n", cap_path, fmt == CAPTURE_PCAP ? "/*.pcap" : "",
               json_path, data, a->plot && rc == 0 ? ", " : "", a->plot && rc == 0 ? dir : "",
               a->plot && rc == 0 ? "/{load,reorder}.{png,svg}" : "");
    }
    fflush(stdout);
    g_printerr("bondsim: %.3f s wall, %" G_GUINT64_FORMAT " events\n", wall, sim->eng.events_run);
    return rc;
}

/* --plot needs gnuplot, --load-bin a time: checked before anything is
 * written. */
static int check_run_args(RunArgs *a)
{
    int rc = find_gnuplot(a);
    if (rc)
        return rc;
    if (a->load_bin) {
        GError *err = NULL;
        if (!units_parse_time_ps(a->load_bin, 0, &a->load_bin_ps, &err) || a->load_bin_ps == 0) {
            g_printerr("bondsim: --load-bin '%s': %s\n", a->load_bin,
                       err ? err->message : "use a time above 0");
            g_clear_error(&err);
            return EXIT_USAGE;
        }
    }
    return 0;
}

/* The per-slave load series, attached to the Sim. */
static int make_series(Sim *sim, const RunArgs *a)
{
    GError *err = NULL;
    uint64_t bin = a->load_bin_ps ? a->load_bin_ps : series_default_bin_ps(sim->end_ps);
    sim->series = series_new(sim, bin, &err);
    if (!sim->series) {
        g_printerr("bondsim: --load-bin %s: %s\n", a->load_bin ? a->load_bin : "default",
                   err->message);
        g_error_free(err);
        return EXIT_USAGE;
    }
    return 0;
}

/* A fresh Sim for the fault-phase sweep: the same file, seed and --set. */
static Sim *phase_load(void *data, GError **error)
{
    RunArgs *a = data;
    g_autoptr(GPtrArray) sets = sets_of(a);
    ScenarioOptions so = {.sets = sets, .seed_given = a->seed_given, .seed = (uint64_t)a->seed};
    return scenario_load(a->file, &so, NULL, error);
}

/* --fault-phase N after the base run: the table on stdout, the JSON beside
 * stats.json. */
static int run_fault_phase(RunArgs *a, const char *dir)
{
    if (a->fault_phase <= 0)
        return 0;
    GError *err = NULL;
    GPtrArray *sweeps = budget_phase_sweep(phase_load, a, (guint)a->fault_phase, &err);
    if (!sweeps) {
        g_printerr("bondsim: %s\n", err->message);
        g_error_free(err);
        return EXIT_INPUT;
    }
    int rc = 0;
    if (!budget_phase_write(sweeps, dir, &err)) {
        g_printerr("bondsim: %s\n", err->message);
        g_error_free(err);
        rc = EXIT_OUTPUT;
    } else if (!a->quiet) {
        g_autofree char *table = budget_phase_table(sweeps);
        fputs(table, stdout);
        printf("Outputs: %s/fault-phase.json\n", dir);
        fflush(stdout);
    }
    g_ptr_array_free(sweeps, TRUE);
    return rc;
}

static int cmd_run(const char *file, RunArgs *a)
{
    CaptureFormat fmt;
    int rc = check_capture_args(a, &fmt);
    if (rc)
        return rc;
    if (a->fault_phase < 0 || a->fault_phase > 1000) {
        g_printerr("bondsim: --fault-phase %d: use 1 to 1000 runs\n", a->fault_phase);
        return EXIT_USAGE;
    }
    a->file = file;
    if ((rc = check_run_args(a)) != 0)
        return rc;
    g_autofree char *canon = NULL;
    Sim *sim = load(file, a, &canon);
    if (!sim)
        return EXIT_INPUT;
    if ((rc = make_series(sim, a)) != 0) {
        sim_free(sim);
        return rc;
    }
    g_autofree char *dir =
        a->out_dir ? g_strdup(a->out_dir) : g_build_filename("pcaps", "out", sim->name, NULL);
    if (g_mkdir_with_parents(dir, 0755) != 0 || g_access(dir, W_OK) != 0) {
        g_printerr("bondsim: output directory %s: %s\n", dir, g_strerror(errno));
        sim_free(sim);
        return EXIT_OUTPUT;
    }
    rc = run_outputs(sim, a, dir, fmt, canon);
    sim_free(sim);
    if (rc == 0)
        rc = run_fault_phase(a, dir);
    return rc;
}

static int cmd_validate(const char *file, RunArgs *a)
{
    g_autofree char *canon = NULL;
    Sim *sim = load(file, a, &canon);
    if (!sim)
        return EXIT_INPUT;
    printf("%s: valid (%u hosts, %u switches, %u links, %u bonds, %u flows, %u faults)\n", file,
           sim->hosts->len, sim->switches->len, sim->links->len, sim->bonds->len, sim->flows->len,
           sim->faults->len);
    sim_free(sim);
    return 0;
}

/* ---- compare ------------------------------------------------------------- */

static const char *const compare_summary =
    "Runs the scenario once per bonding mode (same seed, traffic and faults; every bond\n"
    "forced into the mode, options not valid in it dropped with a warning). Outputs:\n"
    "DIR/<mode>/ as `run` writes them, DIR/compare.csv and DIR/compare.json (default DIR\n"
    "pcaps/out/<scenario>-compare). A mode bondsim does not model yet is listed as such.\n"
    "\n"
    "Exit codes: 0 success, 1 invalid scenario (or refused in some mode), 2 bad command\n"
    "line, 3 output not written.";

static GOptionContext *make_compare_context(RunArgs *a)
{
    GOptionEntry entries[] = {
        {"modes", 0, 0, G_OPTION_ARG_STRING, &a->modes,
         "Modes to run, by name or number, comma-separated, or all (default all)", "LIST"},
        {"plot", 0, 0, G_OPTION_ARG_NONE, &a->plot,
         "Also draw DIR/compare.png and compare.svg (per-mode bars) with gnuplot", NULL},
        G_OPTION_ENTRY_NULL};
    GOptionContext *ctx = make_context("FILE", a, TRUE);
    g_option_group_add_entries(g_option_context_get_main_group(ctx), entries);
    g_option_context_set_description(ctx, compare_summary);
    return ctx;
}

static int compare_exit_code(const GError *err)
{
    if (err->domain == COMPARE_ERROR && err->code == COMPARE_ERROR_MODES)
        return EXIT_USAGE;
    if (err->domain == COMPARE_ERROR && err->code == COMPARE_ERROR_INPUT)
        return EXIT_INPUT;
    return EXIT_OUTPUT;
}

/* Runs the comparison, writes compare.csv/json (and with `gnuplot` the
 * bars), prints the table. */
static int compare_and_report(const CompareOptions *co, gboolean quiet, const char *gnuplot)
{
    GError *err = NULL;
    int64_t t0 = g_get_monotonic_time();
    Compare *c = compare_run(co, &err);
    if (c && !compare_write(c, &err))
        g_clear_pointer(&c, compare_free);
    if (c && gnuplot && !compare_plot(c, gnuplot, &err))
        g_clear_pointer(&c, compare_free);
    if (!c) {
        int rc = compare_exit_code(err);
        g_printerr("bondsim: %s\n", err->message);
        g_error_free(err);
        return rc;
    }
    if (!quiet) {
        g_autofree char *table = compare_table(c);
        const char *dir = compare_dir(c);
        fputs(table, stdout);
        printf("Outputs: %s/<mode>/, %s/compare.csv, %s/compare.json%s%s%s\n", dir, dir, dir,
               gnuplot ? ", " : "", gnuplot ? dir : "", gnuplot ? "/compare.{png,svg}" : "");
    }
    fflush(stdout);
    g_printerr("bondsim: compare: %u modes, %.3f s wall\n", co->n_modes,
               (double)(g_get_monotonic_time() - t0) / 1e6);
    int rc = compare_refused(c) ? EXIT_INPUT : 0;
    compare_free(c);
    return rc;
}

static int cmd_compare(const char *file, RunArgs *a)
{
    CaptureFormat fmt;
    int rc = check_capture_args(a, &fmt);
    if (rc)
        return rc;
    GError *err = NULL;
    g_autoptr(GArray) modes = g_array_new(FALSE, FALSE, sizeof(BondMode));
    if (!compare_parse_modes(a->modes ? a->modes : "all", modes, &err)) {
        g_printerr("bondsim compare: --modes: %s\n", err->message);
        g_error_free(err);
        return EXIT_USAGE;
    }
    g_autoptr(GPtrArray) sets = sets_of(a);
    CompareOptions co = {.file = file,
                         .out_dir = a->out_dir,
                         .sets = sets,
                         .seed_given = a->seed_given,
                         .seed = (uint64_t)a->seed,
                         .format = fmt,
                         .format_name = a->pcap_format,
                         .snaplen = (uint32_t)a->snaplen,
                         .modes = (const BondMode *)(void *)modes->data,
                         .n_modes = modes->len,
                         .progress = isatty(STDERR_FILENO) && !a->quiet};
    if ((rc = find_gnuplot(a)) != 0)
        return rc;
    return compare_and_report(&co, a->quiet, a->gnuplot);
}

/* Parses a subcommand's options (argv[0] is the subcommand) and expects
 * exactly one operand, `what` ("scenario FILE", "CAPTURE file"): the operand,
 * or NULL after printing why (the caller exits EXIT_USAGE). */
static const char *parse_one_operand(GOptionContext *ctx, int argc, char **argv, const char *cmd,
                                     const char *what)
{
    GError *err = NULL;
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    if (!g_option_context_parse(ctx, &sub_argc, &sub_argv, &err)) {
        g_printerr("bondsim %s: %s\n", cmd, err->message);
        g_error_free(err);
        return NULL;
    }
    if (sub_argc != 2) {
        g_printerr("bondsim %s: give exactly one %s (see --help)\n", cmd, what);
        return NULL;
    }
    return sub_argv[1];
}

static int main_compare(int argc, char **argv)
{
    RunArgs a = {0};
    GOptionContext *ctx = make_compare_context(&a);
    const char *file = parse_one_operand(ctx, argc, argv, "compare", "scenario FILE");
    int rc = file ? cmd_compare(file, &a) : EXIT_USAGE;
    g_option_context_free(ctx);
    g_free(a.out_dir);
    g_free(a.pcap_format);
    g_free(a.modes);
    g_free(a.gnuplot);
    g_strfreev(a.sets);
    return rc;
}

/* ---- hash-spread --------------------------------------------------------- */

static const char *const hash_spread_summary =
    "Replays a capture (pcap or pcapng, Ethernet) through the bonding driver's transmit\n"
    "hash (balance-xor, 802.3ad; balance-tlb/alb with tlb_dynamic_lb=0) and shows, per\n"
    "xmit_hash_policy, the slave each flow would leave on (usable[hash % N]) and how the\n"
    "bytes would spread over N slaves. A VLAN tag is taken as added by a VLAN device on\n"
    "the bond (carried out of band) unless --vlan-inband.\n"
    "\n"
    "Exit codes: 0 success, 1 the capture cannot be read (missing, not Ethernet,\n"
    "damaged), 2 bad command line.";

typedef struct {
    gint slaves;
    char *policy;
    gboolean per_frame;
    gboolean vlan_inband;
} SpreadArgs;

/* --policy: a name or number, or all (-1, also the default). */
static gboolean parse_spread_policy(const char *s, int *policy)
{
    BondHashPolicy p;
    if (!s || strcmp(s, "all") == 0) {
        *policy = -1;
        return TRUE;
    }
    if (!bond_hash_policy_parse(s, &p))
        return FALSE;
    *policy = (int)p;
    return TRUE;
}

static int cmd_hash_spread(const char *capture, const SpreadArgs *a)
{
    int policy;
    if (!parse_spread_policy(a->policy, &policy)) {
        g_printerr("bondsim hash-spread: --policy '%s': use layer2, layer2+3, layer3+4, "
                   "encap2+3, encap3+4, vlan+srcmac (or 0-5), or all\n",
                   a->policy);
        return EXIT_USAGE;
    }
    if (a->slaves < 1 || a->slaves > HASH_SPREAD_MAX_SLAVES) {
        g_printerr("bondsim hash-spread: --slaves N is required, N from 1 to %d\n",
                   HASH_SPREAD_MAX_SLAVES);
        return EXIT_USAGE;
    }
    g_autoptr(GString) out = g_string_new(NULL);
    GError *err = NULL;
    if (!hash_spread_run(capture, a->slaves, policy, a->per_frame, a->vlan_inband, out, &err)) {
        gboolean usage = g_error_matches(err, HASH_SPREAD_ERROR, HASH_SPREAD_ERROR_ARGS);
        g_printerr("bondsim hash-spread: %s\n", err->message);
        g_error_free(err);
        return usage ? EXIT_USAGE : EXIT_INPUT;
    }
    fputs(out->str, stdout);
    fflush(stdout);
    return 0;
}

static int main_hash_spread(int argc, char **argv)
{
    SpreadArgs a = {0};
    GOptionEntry entries[] = {
        {"slaves", 0, 0, G_OPTION_ARG_INT, &a.slaves, "Number of slaves (required)", "N"},
        {"policy", 0, 0, G_OPTION_ARG_STRING, &a.policy,
         "xmit_hash_policy by name or number, or all (default all)", "P"},
        {"per-frame", 0, 0, G_OPTION_ARG_NONE, &a.per_frame, "Also list the slave of every frame",
         NULL},
        {"vlan-inband", 0, 0, G_OPTION_ARG_NONE, &a.vlan_inband,
         "Hash VLAN tags as captured, inside the frame (packet socket, tap, bridge)", NULL},
        G_OPTION_ENTRY_NULL};
    GOptionContext *ctx = g_option_context_new("CAPTURE");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_description(ctx, hash_spread_summary);
    const char *file = parse_one_operand(ctx, argc, argv, "hash-spread", "CAPTURE file");
    int rc = file ? cmd_hash_spread(file, &a) : EXIT_USAGE;
    g_option_context_free(ctx);
    g_free(a.policy);
    return rc;
}

static int top_usage(FILE *to)
{
    fprintf(to,
            "Usage: bondsim COMMAND [OPTION...]\n\n%s\n\n"
            "Run 'bondsim COMMAND --help' for a command's options.\n",
            usage_summary);
    return to == stdout ? 0 : EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return top_usage(stderr);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0)
        return top_usage(stdout);
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("bondsim %s\n", BONDSIM_VERSION);
        return 0;
    }
    if (strcmp(cmd, "options") == 0) {
        g_autofree char *help = bond_options_help();
        fputs(help, stdout);
        return 0;
    }
    if (strcmp(cmd, "compare") == 0)
        return main_compare(argc, argv);
    if (strcmp(cmd, "hash-spread") == 0)
        return main_hash_spread(argc, argv);
    gboolean is_run = strcmp(cmd, "run") == 0;
    if (!is_run && strcmp(cmd, "validate") != 0) {
        g_printerr("bondsim: unknown command '%s' (run, validate, compare, hash-spread or options; "
                   "see bondsim --help)\n",
                   cmd);
        return EXIT_USAGE;
    }
    RunArgs a = {0};
    g_autofree char *params = g_strdup_printf("%s FILE", cmd);
    GOptionContext *ctx = make_context(params, &a, is_run);
    if (is_run)
        add_run_only_entries(ctx, &a);
    const char *file = parse_one_operand(ctx, argc, argv, cmd, "scenario FILE");
    int rc = !file ? EXIT_USAGE : is_run ? cmd_run(file, &a) : cmd_validate(file, &a);
    g_option_context_free(ctx);
    g_free(a.out_dir);
    g_free(a.pcap_format);
    g_free(a.load_bin);
    g_free(a.gnuplot);
    g_strfreev(a.sets);
    return rc;
}
