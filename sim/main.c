/* main.c - the `bondsim` command: options, calls, exit codes. Nothing else.
 *
 *   bondsim run FILE [-o DIR] [--seed N] [--set GROUP.KEY=VALUE]...
 *                    [--pcap-format pcapng|pcap|none] [--snaplen N]
 *   bondsim validate FILE [--set ...]
 *   bondsim options          (every bonding option, its values and default)
 *   bondsim --help | --version
 *
 * Exit codes: 0 success; 1 the scenario (or a --set) is invalid; 2 the
 * command line is wrong; 3 an output could not be written.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bond/bond.h"
#include "bond/options.h"
#include "host.h"
#include "scenario/scenario.h"
#include "sim.h"
#include "stats/report.h"
#include "switch.h"

enum { EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3 };

typedef struct {
    char *out_dir;
    gint64 seed;
    gboolean seed_given;
    char **sets;
    char *pcap_format;
    gint snaplen;
    gboolean quiet;
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
    "  options         list every bonding option bondsim knows\n"
    "\n"
    "Exit codes: 0 success, 1 invalid scenario, 2 bad command line, 3 output not written.\n"
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

static Sim *load(const char *file, RunArgs *a, char **canon)
{
    g_autoptr(GPtrArray) sets = g_ptr_array_new();
    for (char **s = a->sets; s && *s; s++)
        g_ptr_array_add(sets, *s);
    ScenarioOptions so = {sets, a->seed_given, (uint64_t)a->seed};
    GError *err = NULL;
    Sim *sim = scenario_load(file, &so, canon, &err);
    if (!sim) {
        g_printerr("bondsim: %s\n", err->message);
        g_error_free(err);
    }
    return sim;
}

/* ISB counters per capture interface, in registration order. */
static CaptureIfStats *collect_if_stats(Sim *sim, int n_if)
{
    CaptureIfStats *st = g_new0(CaptureIfStats, MAX(n_if, 1));
    for (guint i = 0; i < sim->nics->len; i++) {
        Nic *nic = sim->nics->pdata[i];
        if (nic->cap_if < 0)
            continue;
        CaptureIfStats *s = &st[nic->cap_if];
        s->rx_frames = nic->c.rx_frames;
        s->rx_drops = nic->c.drops[NIC_DROP_RX_NO_CARRIER] + nic->c.drops[NIC_DROP_CUT_IN_FLIGHT];
        s->tx_drops = nic->c.drops[NIC_DROP_QUEUE_FULL] + nic->c.drops[NIC_DROP_NO_CARRIER] +
                      nic->c.drops[NIC_DROP_POOL];
    }
    for (guint i = 0; i < sim->bonds->len; i++) {
        Bond *b = sim->bonds->pdata[i];
        if (b->iface->cap_if < 0)
            continue;
        CaptureIfStats *s = &st[b->iface->cap_if];
        for (int j = 0; j < b->n_slaves; j++)
            s->rx_frames += b->slaves[j].nic->c.rx_frames;
        s->rx_drops = b->drops[BOND_DROP_INACTIVE_RX];
        s->rx_frames -= MIN(s->rx_frames, s->rx_drops);
        s->tx_drops = b->drops[BOND_DROP_NO_SLAVE] + b->drops[BOND_DROP_SLAVE_TX];
    }
    return st;
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
    sim_run(sim, isatty(STDERR_FILENO) && !a->quiet);
    double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
    int n_if = 0;
    for (guint i = 0; i < sim->nics->len; i++)
        n_if += ((Nic *)sim->nics->pdata[i])->cap_if >= 0;
    n_if += (int)sim->bonds->len;
    g_autofree CaptureIfStats *st = collect_if_stats(sim, n_if);
    Capture *cap = sim->cap;
    sim->cap = NULL;
    g_autofree char *json_path = g_build_filename(dir, "stats.json", NULL);
    /* stats.json first (atomic); if the capture then fails, it goes too, so a
     * failed run leaves no output at all */
    if (!report_write_json(sim, json_path, &err)) {
        capture_abort(cap);
    } else if (!capture_finish(cap, st, sim->end_ps, &err)) {
        g_unlink(json_path);
    }
    if (err) {
        g_printerr("bondsim: %s\n", err->message);
        g_error_free(err);
        return EXIT_OUTPUT;
    }
    if (!a->quiet) {
        g_autofree char *table = report_table(sim);
        fputs(table, stdout);
        printf("Outputs: %s%s, %s\n", cap_path, fmt == CAPTURE_PCAP ? "/*.pcap" : "", json_path);
    }
    fflush(stdout);
    g_printerr("bondsim: %.3f s wall, %" G_GUINT64_FORMAT " events\n", wall, sim->eng.events_run);
    return 0;
}

static int cmd_run(const char *file, RunArgs *a)
{
    CaptureFormat fmt;
    if (!parse_format(a->pcap_format, &fmt)) {
        g_printerr("bondsim: --pcap-format '%s': use pcapng, pcap or none\n", a->pcap_format);
        return EXIT_USAGE;
    }
    if (a->snaplen < 0 || a->snaplen > 262144) {
        g_printerr("bondsim: --snaplen %d: use 0 (whole frames) to 262144\n", a->snaplen);
        return EXIT_USAGE;
    }
    g_autofree char *canon = NULL;
    Sim *sim = load(file, a, &canon);
    if (!sim)
        return EXIT_INPUT;
    g_autofree char *dir =
        a->out_dir ? g_strdup(a->out_dir) : g_build_filename("pcaps", "out", sim->name, NULL);
    if (g_mkdir_with_parents(dir, 0755) != 0 || g_access(dir, W_OK) != 0) {
        g_printerr("bondsim: output directory %s: %s\n", dir, g_strerror(errno));
        sim_free(sim);
        return EXIT_OUTPUT;
    }
    int rc = run_outputs(sim, a, dir, fmt, canon);
    sim_free(sim);
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
    gboolean is_run = strcmp(cmd, "run") == 0;
    if (!is_run && strcmp(cmd, "validate") != 0) {
        g_printerr("bondsim: unknown command '%s' (run, validate or options; see bondsim --help)\n",
                   cmd);
        return EXIT_USAGE;
    }
    RunArgs a = {0};
    g_autofree char *params = g_strdup_printf("%s FILE", cmd);
    GOptionContext *ctx = make_context(params, &a, is_run);
    GError *err = NULL;
    int sub_argc = argc - 1;
    char **sub_argv = argv + 1;
    int rc;
    if (!g_option_context_parse(ctx, &sub_argc, &sub_argv, &err)) {
        g_printerr("bondsim %s: %s\n", cmd, err->message);
        g_error_free(err);
        rc = EXIT_USAGE;
    } else if (sub_argc != 2) {
        g_printerr("bondsim %s: give exactly one scenario FILE (see --help)\n", cmd);
        rc = EXIT_USAGE;
    } else {
        rc = is_run ? cmd_run(sub_argv[1], &a) : cmd_validate(sub_argv[1], &a);
    }
    g_option_context_free(ctx);
    g_free(a.out_dir);
    g_free(a.pcap_format);
    g_strfreev(a.sets);
    return rc;
}
