/* test_compare.c - `bondsim compare`: one scenario once per bonding mode.
 *
 * The library pieces first (the --modes parser, the TX share text, the
 * forced mode dropping options), then the built binary (BONDSIM_BINARY) on
 * scenarios/compare-failover.ini: balance-rr against active-backup (rows and
 * figures, CSV and JSON against the table, byte-identical reruns, per-mode
 * directories, the warning about a dropped option), `--modes all` (a mode
 * this build does not model is a row saying so; which modes those are is
 * asked of the library, never written here, as modes get modelled over
 * time), and bad input (exit 1 or 2, one line on stderr, nothing written).
 *
 * The rr/ab comparison runs once, on first use, into two directories whose
 * paths differ in length, and is shared by the tests (freed at the end of
 * main).
 */
#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bond/options.h"
#include "compare/compare.h"
#include "cu_run.h"
#include "stats/report.h"
#include "testlib.h"

#define SCENARIO BONDSIM_SOURCE_DIR "/scenarios/compare-failover.ini"
#define DATA_DIR BONDSIM_SOURCE_DIR "/tests/data"
/* balance-rr over unequal paths: spurious fast retransmits (a TCP flow only) */
#define TCP_SCENARIO BONDSIM_SOURCE_DIR "/scenarios/tcp-balance-rr-reorder.ini"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3 };

/* The MII monitor ticks every 104 ms at HZ=250: no failover gap is longer. */
#define MII_TICK_MS 104.0

/* ------------------------------------------------------------------------
 * Running bondsim
 * ------------------------------------------------------------------------ */

/* Lines of `text` that are not empty. */
static guint count_lines(const char *text)
{
    guint n = 0;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++)
        n += **l != '\0';
    return n;
}

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

/* Contents of dir/name, or "" when absent. Caller frees. */
static char *read_file(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *data = NULL;
    if (!g_file_get_contents(path, &data, NULL, NULL))
        return g_strdup("");
    return data;
}

/* ------------------------------------------------------------------------
 * The three renderings, read back
 * ------------------------------------------------------------------------ */

#define N_COLS 9 /* mode ... MAC moves, note */
/* With TCP connections: mode ... MAC moves, the 7 TCP columns, note. */
#define N_TCP_COLS 16

/* The rows of the printed table (after the "Modes" title and the header),
 * each a GStrv of n_cols cells ("" for no note). Cells are separated by two
 * spaces or more; none holds two spaces in a row. Caller frees. */
static GPtrArray *table_rows_n(const char *out, guint n_cols)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    const char *t = strstr(out, "\nModes\n");
    if (t == NULL)
        return rows;
    g_autoptr(GRegex) sep = g_regex_new(" {2,}", 0, 0, NULL);
    g_auto(GStrv) lines = g_strsplit(t + 7, "\n", -1);
    for (guint i = 1; lines[0] && lines[i] && g_str_has_prefix(lines[i], "  "); i++) {
        char **cells = g_regex_split(sep, lines[i] + 2, 0);
        GPtrArray *row = g_ptr_array_new();
        for (char **c = cells; *c; c++)
            g_ptr_array_add(row, g_strdup(*c));
        while (row->len < n_cols)
            g_ptr_array_add(row, g_strdup(""));
        g_ptr_array_add(row, NULL);
        g_ptr_array_add(rows, g_ptr_array_free(row, FALSE));
        g_strfreev(cells);
    }
    return rows;
}

static GPtrArray *table_rows(const char *out)
{
    return table_rows_n(out, N_COLS);
}

/* The titles of the "Modes" table's header line. Caller frees. */
static char **table_header(const char *out)
{
    const char *t = strstr(out, "\nModes\n  ");
    if (t == NULL)
        return g_new0(char *, 1);
    g_autofree char *line = g_strndup(t + 9, strcspn(t + 9, "\n"));
    g_autoptr(GRegex) sep = g_regex_new(" {2,}", 0, 0, NULL);
    return g_regex_split(sep, line, 0);
}

/* Index of `s` in the NULL-terminated `v`, -1 if absent. */
static int strv_index(char **v, const char *s)
{
    for (int i = 0; v && v[i]; i++)
        if (strcmp(v[i], s) == 0)
            return i;
    return -1;
}

/* Lines of a CSV file as GStrv of cells (no quoted cell in these files). */
static GPtrArray *csv_rows(const char *csv)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    g_auto(GStrv) lines = g_strsplit(csv, "\n", -1);
    for (char **l = lines; *l; l++)
        if (**l)
            g_ptr_array_add(rows, g_strsplit(*l, ",", -1));
    return rows;
}

/* The JSON objects of "rows" (one per line, flat). */
static GPtrArray *json_rows(const char *json)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(json, "\n", -1);
    for (char **l = lines; *l; l++)
        if (g_str_has_prefix(*l, "{\"mode\":"))
            g_ptr_array_add(rows, g_strdup(*l));
    return rows;
}

/* The raw value of "key": in a flat JSON object: a string without quotes,
 * or a number/null as written. Caller frees; NULL when absent. */
static char *json_get(const char *obj, const char *key)
{
    g_autofree char *pat = g_strdup_printf("\"%s\":", key);
    const char *p = strstr(obj, pat);
    if (p == NULL)
        return NULL;
    p += strlen(pat);
    if (*p == '"') {
        const char *q = strchr(p + 1, '"');
        return q ? g_strndup(p + 1, (gsize)(q - p - 1)) : NULL;
    }
    return g_strndup(p, strcspn(p, ",}"));
}

static double num(const char *cell)
{
    return g_ascii_strtod(cell, NULL);
}

/* ------------------------------------------------------------------------
 * The shared rr/ab comparison
 * ------------------------------------------------------------------------ */

typedef struct {
    char *dir1, *dir2; /* two output directories, paths of different length */
    TlRun run1, run2;  /* run1 prints the table; run2 is -q */
} Pair;

static Pair *pair_cache, *tcp_pair_cache;

static void pair_free(Pair *p)
{
    g_free(p->dir1);
    g_free(p->dir2);
    tl_run_clear(&p->run1);
    tl_run_clear(&p->run2);
    g_free(p);
}

static const Pair *pair(void)
{
    if (pair_cache != NULL)
        return pair_cache;
    g_autofree char *scratch = cu_scratch_dir("compare-pair");
    pair_cache = g_new0(Pair, 1);
    pair_cache->dir1 = g_build_filename(scratch, "a", NULL);
    pair_cache->dir2 = g_build_filename(scratch, "second-run", "b", NULL);
    pair_cache->run1 = tl_bondsim("compare", SCENARIO, "--modes", "balance-rr,active-backup", "-o",
                                  pair_cache->dir1, NULL);
    pair_cache->run2 = tl_bondsim("compare", SCENARIO, "--modes", "balance-rr,active-backup", "-o",
                                  pair_cache->dir2, "-q", NULL);
    return pair_cache;
}

/* The same for tcp-balance-rr-reorder.ini: balance-rr against
 * active-backup, a TCP connection and no UDP flow. */
static const Pair *tcp_pair(void)
{
    if (tcp_pair_cache != NULL)
        return tcp_pair_cache;
    g_autofree char *scratch = cu_scratch_dir("compare-tcp-pair");
    tcp_pair_cache = g_new0(Pair, 1);
    Pair *p = tcp_pair_cache;
    p->dir1 = g_build_filename(scratch, "a", NULL);
    p->dir2 = g_build_filename(scratch, "second-run", "b", NULL);
    p->run1 = tl_bondsim("compare", TCP_SCENARIO, "--modes", "balance-rr,active-backup", "-o",
                         p->dir1, NULL);
    p->run2 = tl_bondsim("compare", TCP_SCENARIO, "--modes", "balance-rr,active-backup", "-o",
                         p->dir2, "-q", NULL);
    return p;
}

/* ------------------------------------------------------------------------
 * Tests: library pieces
 * ------------------------------------------------------------------------ */

static void parse_modes_takes_names_numbers_and_all(void)
{
    g_autoptr(GArray) m = g_array_new(FALSE, FALSE, sizeof(BondMode));
    CU_ASSERT_TRUE(compare_parse_modes("active-backup,0, 802.3ad", m, NULL));
    CU_ASSERT_EQUAL_FATAL(m->len, 3);
    CU_ASSERT_EQUAL(g_array_index(m, BondMode, 0), BOND_MODE_AB);
    CU_ASSERT_EQUAL(g_array_index(m, BondMode, 1), BOND_MODE_RR);
    CU_ASSERT_EQUAL(g_array_index(m, BondMode, 2), BOND_MODE_8023AD);
    g_array_set_size(m, 0);
    CU_ASSERT_TRUE(compare_parse_modes("all", m, NULL));
    CU_ASSERT_EQUAL_FATAL(m->len, BOND_MODE_COUNT);
    for (guint i = 0; i < m->len; i++)
        CU_ASSERT_EQUAL(g_array_index(m, BondMode, i), (BondMode)i);
}

static void parse_modes_refuses_unknown_empty_and_repeated(void)
{
    static const char *const bad[] = {"rr", "balance-rr,,1", "1,active-backup", "7", ""};
    for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GArray) m = g_array_new(FALSE, FALSE, sizeof(BondMode));
        GError *e = NULL;
        gboolean ok = compare_parse_modes(bad[i], m, &e);
        tl_checkf(!ok && e != NULL, __LINE__, "--modes '%s' is refused", bad[i]);
        if (e == NULL)
            continue;
        tl_checkf(g_error_matches(e, COMPARE_ERROR, COMPARE_ERROR_MODES), __LINE__,
                  "'%s': COMPARE_ERROR_MODES", bad[i]);
        tl_checkf(strstr(e->message, "balance-rr (0)") && strstr(e->message, "balance-alb (6)"),
                  __LINE__, "'%s': the message lists the modes: %s", bad[i], e->message);
        g_error_free(e);
    }
}

static void share_text_adds_up_to_100(void)
{
    static const struct {
        uint64_t c[3];
        int n;
        const char *want;
    } cases[] = {
        {{5, 5}, 2, "50/50"},       {{7, 0}, 2, "100/0"},       {{0, 0}, 2, "-"},
        {{1, 1, 1}, 3, "34/33/33"}, {{1, 2}, 2, "33/67"},       {{2, 1}, 2, "67/33"},
        {{501, 499}, 2, "50/50"},   {{1, 1, 2}, 3, "25/25/50"},
    };
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = report_share_text(cases[i].c, cases[i].n);
        tl_checkf(strcmp(got, cases[i].want) == 0, __LINE__, "case %zu: '%s', want '%s'", i, got,
                  cases[i].want);
    }
}

static void force_mode_drops_options_invalid_in_the_mode(void)
{
    BondParams p;
    bond_params_defaults(&p);
    CU_ASSERT_TRUE_FATAL(
        bond_params_parse(&p, "mode=active-backup miimon=100 primary=eth0", NULL, NULL));
    g_autoptr(GPtrArray) dropped = g_ptr_array_new();
    CU_ASSERT_EQUAL(bond_params_force_mode(&p, BOND_MODE_RR, dropped), 1);
    CU_ASSERT_EQUAL_FATAL(dropped->len, 1);
    CU_ASSERT_STRING_EQUAL(dropped->pdata[0], "primary");
    CU_ASSERT_TRUE(bond_params_finish(&p, NULL, NULL));
    g_autofree char *s = bond_params_to_string(&p);
    CU_ASSERT_STRING_EQUAL(s, "mode=balance-rr miimon=100");

    /* packets_per_slave is balance-rr's alone; 802.3ad without miimon gets
     * the kernel's 100 from bond_params_finish. */
    bond_params_defaults(&p);
    CU_ASSERT_TRUE_FATAL(bond_params_parse(&p, "mode=0 packets_per_slave=3", NULL, NULL));
    g_ptr_array_set_size(dropped, 0);
    CU_ASSERT_EQUAL(bond_params_force_mode(&p, BOND_MODE_8023AD, dropped), 1);
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    CU_ASSERT_TRUE(bond_params_finish(&p, warnings, NULL));
    CU_ASSERT_EQUAL(p.packets_per_slave, 1);
    CU_ASSERT_EQUAL(p.miimon_ms, 100);
    CU_ASSERT_EQUAL(warnings->len, 1);

    /* Options valid in both modes stay, and nothing is said. */
    bond_params_defaults(&p);
    CU_ASSERT_TRUE_FATAL(bond_params_parse(&p, "mode=1 miimon=100 updelay=200", NULL, NULL));
    CU_ASSERT_EQUAL(bond_params_force_mode(&p, BOND_MODE_RR, NULL), 0);
    CU_ASSERT_EQUAL(p.updelay_ms, 200);
    CU_ASSERT_EQUAL(p.mode, BOND_MODE_RR);
}

/* ------------------------------------------------------------------------
 * Tests: balance-rr against active-backup
 * ------------------------------------------------------------------------ */

/* The table row of `mode`, or NULL. */
static char **find_row(GPtrArray *rows, const char *mode)
{
    for (guint i = 0; i < rows->len; i++) {
        char **r = rows->pdata[i];
        if (strcmp(r[0], mode) == 0)
            return r;
    }
    return NULL;
}

static void rr_and_ab_rows_show_expected_figures(void)
{
    const Pair *p = pair();
    tl_checkf(p->run1.code == EXIT_OK, __LINE__, "compare exits 0, got %d: %s", p->run1.code,
              p->run1.err);
    g_autoptr(GPtrArray) rows = table_rows(p->run1.out);
    tl_checkf(rows->len == 2, __LINE__, "two rows, got %u:\n%s", rows->len, p->run1.out);
    char **rr = find_row(rows, "balance-rr"), **ab = find_row(rows, "active-backup");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ab);
    CU_ASSERT_PTR_EQUAL(rows->pdata[0], rr); /* in the order of --modes */
    /* mode, Mb/s, tx share, lost, out of order, duplicates, gap ms, MAC moves, note */
    /* 4000 datagrams of 106-byte frames a second: 3.39 Mb/s of frames */
    tl_checkf(num(rr[1]) > 3.0 && num(ab[1]) > 2.0 && num(rr[1]) > num(ab[1]), __LINE__,
              "about 3.4 Mb/s delivered, less for ab (its failover gap): rr %s, ab %s", rr[1],
              ab[1]);
    tl_checkf(strcmp(rr[2], "50/50") == 0, __LINE__, "rr sends 50/50 before the cut: %s", rr[2]);
    tl_checkf(strcmp(ab[2], "100/0") == 0, __LINE__, "ab sends 100/0 before the cut: %s", ab[2]);
    tl_checkf(num(rr[7]) > 0, __LINE__, "rr into a switch without LAG: MAC moves, got %s", rr[7]);
    tl_checkf(num(ab[7]) == 0, __LINE__, "ab: no MAC move, got %s", ab[7]);
    tl_checkf(num(rr[4]) > 0 && num(ab[4]) == 0, __LINE__,
              "rr over unequal paths reorders, ab does not: %s, %s", rr[4], ab[4]);
    tl_checkf(num(ab[6]) > 1.0 && num(ab[6]) <= MII_TICK_MS, __LINE__,
              "ab: failover gap after the cut, within one MII tick: %s ms", ab[6]);
    tl_checkf(num(ab[3]) > 0, __LINE__, "ab loses the frames sent to eth0 before the tick: %s",
              ab[3]);
    tl_checkf(num(rr[6]) < 1.0, __LINE__, "rr skips the dead slave at once: gap %s ms", rr[6]);
    tl_checkf(strcmp(rr[5], "0") == 0 && strcmp(ab[5], "0") == 0, __LINE__, "no duplicates");
    tl_checkf(rr[8][0] == '\0' && ab[8][0] == '\0', __LINE__, "no note: '%s' '%s'", rr[8], ab[8]);
    tl_checkf(strstr(p->run1.out, "Outputs: ") != NULL, __LINE__, "names its outputs");
}

/* The printed table `out`, DIR/compare.csv and DIR/compare.json of a
 * two-mode comparison hold the same cells, `n_cols` per row. */
static void check_renderings_agree(const char *out, const char *dir, guint n_cols)
{
    g_autoptr(GPtrArray) rows = table_rows_n(out, n_cols);
    g_autofree char *csv = read_file(dir, "compare.csv");
    g_autofree char *json = read_file(dir, "compare.json");
    g_autoptr(GPtrArray) crows = csv_rows(csv);
    g_autoptr(GPtrArray) jrows = json_rows(json);
    tl_checkf(crows->len == 3, __LINE__, "compare.csv: header and two rows:\n%s", csv);
    tl_checkf(jrows->len == 2, __LINE__, "compare.json: two rows:\n%s", json);
    if (crows->len != 3 || jrows->len != 2 || rows->len != 2)
        return;
    char **hdr = crows->pdata[0];
    g_auto(GStrv) titles = table_header(out);
    tl_checkf(g_strv_length(hdr) == n_cols && strcmp(hdr[0], "mode") == 0, __LINE__,
              "CSV header of %u columns, got %u", n_cols, g_strv_length(hdr));
    tl_checkf(g_strv_length(titles) == n_cols, __LINE__, "table header of %u columns, got %u",
              n_cols, g_strv_length(titles));
    for (guint r = 0; r < 2; r++) {
        char **t = rows->pdata[r], **c = crows->pdata[r + 1];
        const char *j = jrows->pdata[r];
        tl_checkf(g_strv_length(c) == n_cols, __LINE__, "CSV row %u has %u cells", r, n_cols);
        for (guint i = 0; i < n_cols && g_strv_length(c) == n_cols; i++) {
            /* no value: "-" in the table, an empty CSV cell, JSON null */
            const char *shown = strcmp(t[i], "-") == 0 ? "" : t[i];
            tl_checkf(strcmp(shown, c[i]) == 0, __LINE__, "row %u column %s: table '%s', CSV '%s'",
                      r, hdr[i], t[i], c[i]);
            g_autofree char *v = json_get(j, hdr[i]);
            const char *want = c[i][0] ? c[i] : "null";
            tl_checkf(v != NULL && strcmp(v, want) == 0, __LINE__,
                      "row %u key %s: JSON '%s', CSV '%s'", r, hdr[i], v ? v : "(absent)", want);
        }
        g_autofree char *status = json_get(j, "status");
        tl_checkf(status && strcmp(status, "ran") == 0, __LINE__, "row %u status ran", r);
    }
}

static void csv_and_json_agree_with_the_table(void)
{
    const Pair *p = pair();
    check_renderings_agree(p->run1.out, p->dir1, N_COLS);
    g_autofree char *json = read_file(p->dir1, "compare.json");
    tl_checkf(strstr(json, "\"scenario\":\"compare-failover\"") != NULL &&
                  strstr(json, "\"seed\":1,") != NULL,
              __LINE__, "compare.json names scenario and seed");
}

static void two_runs_write_identical_bytes(void)
{
    const Pair *p = pair();
    tl_checkf(p->run2.code == EXIT_OK, __LINE__, "-q run exits 0, got %d: %s", p->run2.code,
              p->run2.err);
    tl_checkf(p->run2.out[0] == '\0', __LINE__, "-q prints nothing on stdout: %s", p->run2.out);
    g_autoptr(GPtrArray) f1 = tl_list_files(p->dir1);
    g_autoptr(GPtrArray) f2 = tl_list_files(p->dir2);
    g_autofree char *l1 = tl_join(f1);
    g_autofree char *l2 = tl_join(f2);
    /* each mode: as `bondsim run` writes (balance-rr reorders: its
     * reordering.csv), then the comparison */
    static const char *const want =
        "active-backup/bonds.csv, active-backup/compare-failover.pcapng, "
        "active-backup/faults.csv, active-backup/flows.csv, active-backup/reorder.csv, "
        "active-backup/series.csv, active-backup/slaves.csv, active-backup/stats.json, "
        "active-backup/switches.csv, balance-rr/bonds.csv, balance-rr/compare-failover.pcapng, "
        "balance-rr/faults.csv, balance-rr/flows.csv, balance-rr/reorder.csv, "
        "balance-rr/reordering.csv, balance-rr/series.csv, balance-rr/slaves.csv, "
        "balance-rr/stats.json, balance-rr/switches.csv, compare.csv, compare.json";
    tl_checkf(strcmp(l1, want) == 0, __LINE__, "files [%s], want [%s]", l1, want);
    tl_checkf(strcmp(l1, l2) == 0, __LINE__, "same files: [%s] vs [%s]", l1, l2);
    for (guint i = 0; i < f1->len && strcmp(l1, l2) == 0; i++) {
        g_autofree char *a = NULL, *b = NULL;
        gsize na = 0, nb = 0;
        g_autofree char *pa = g_build_filename(p->dir1, f1->pdata[i], NULL);
        g_autofree char *pb = g_build_filename(p->dir2, f1->pdata[i], NULL);
        gboolean read =
            g_file_get_contents(pa, &a, &na, NULL) && g_file_get_contents(pb, &b, &nb, NULL);
        tl_checkf(read && na > 0 && na == nb && memcmp(a, b, na) == 0, __LINE__,
                  "%s is byte-identical in both runs", (char *)f1->pdata[i]);
        tl_checkf(read && !tl_contains(a, na, p->dir1) && !tl_contains(a, na, "scratch"), __LINE__,
                  "%s names no output path", (char *)f1->pdata[i]);
    }
}

static void mode_directories_hold_what_run_writes(void)
{
    const Pair *p = pair();
    g_autofree char *dir_rr = g_build_filename(p->dir1, "balance-rr", NULL);
    g_autofree char *dir_ab = g_build_filename(p->dir1, "active-backup", NULL);
    g_autofree char *rr = read_file(dir_rr, "stats.json");
    g_autofree char *ab = read_file(dir_ab, "stats.json");
    tl_checkf(strstr(rr, "\"options\":\"mode=balance-rr miimon=100\"") != NULL, __LINE__,
              "balance-rr/stats.json: the forced mode, primary dropped");
    tl_checkf(strstr(ab, "\"options\":\"mode=active-backup miimon=100 primary=eth0\"") != NULL,
              __LINE__, "active-backup/stats.json: the file's own options");
    tl_checkf(strstr(ab, "\"event\":\"failover\"") != NULL, __LINE__,
              "active-backup/stats.json logs the failover");
    g_autofree char *cap_path = g_build_filename(dir_rr, "compare-failover.pcapng", NULL);
    g_autofree char *cap = NULL;
    gsize len = 0;
    tl_checkf(g_file_get_contents(cap_path, &cap, &len, NULL) &&
                  tl_contains(cap, len, "server/bond0=[mode=balance-rr miimon=100]"),
              __LINE__, "the capture's section comment gives the forced mode");
}

/* In the file's own mode (active-backup), compare writes what `bondsim run`
 * writes, byte for byte: forcing a mode a bond already has changes nothing,
 * and measuring the TX share before the fault does not disturb the run. */
static void own_mode_matches_bondsim_run(void)
{
    const Pair *p = pair();
    g_autofree char *dir = cu_scratch_dir("compare-run");
    TlRun r = tl_bondsim("run", SCENARIO, "-q", "-o", dir, NULL);
    tl_checkf(r.code == EXIT_OK, __LINE__, "run exits 0, got %d: %s", r.code, r.err);
    g_autofree char *ab = g_build_filename(p->dir1, "active-backup", NULL);
    static const char *const files[] = {"stats.json", "compare-failover.pcapng"};
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *pa = g_build_filename(dir, files[i], NULL);
        g_autofree char *pb = g_build_filename(ab, files[i], NULL);
        g_autofree char *a = NULL, *b = NULL;
        gsize na = 0, nb = 0;
        gboolean read =
            g_file_get_contents(pa, &a, &na, NULL) && g_file_get_contents(pb, &b, &nb, NULL);
        tl_checkf(read && na == nb && memcmp(a, b, na) == 0, __LINE__,
                  "%s: run and compare's active-backup are byte-identical", files[i]);
    }
    tl_run_clear(&r);
}

static void forced_mode_warns_about_dropped_options(void)
{
    const Pair *p = pair();
    /* the line of the bond key, found in the scenario itself */
    g_autofree char *text = NULL;
    g_assert(g_file_get_contents(SCENARIO, &text, NULL, NULL));
    int line = 1;
    for (const char *c = text; *c && !g_str_has_prefix(c, "bond.bond0 ="); c++)
        line += *c == '\n';
    g_autofree char *want = g_strdup_printf(
        "compare-failover.ini:%d: [host server] bond.bond0: warning: mode forced "
        "from active-backup to balance-rr: dropped primary (not valid in balance-rr)",
        line);
    tl_checkf(strstr(p->run1.err, want) != NULL, __LINE__, "stderr has '%s':\n%s", want,
              p->run1.err);
    /* once, though the scenario was loaded three times (check, rr, ab) */
    const char *first = strstr(p->run1.err, "warning:");
    tl_checkf(first && !strstr(first + 1, "warning:"), __LINE__, "one warning:\n%s", p->run1.err);

    g_autofree char *dir = cu_scratch_dir("compare-pps");
    TlRun r = tl_bondsim("compare", SCENARIO, "--modes", "active-backup", "-q", "-o", dir, "--set",
                         "host.server.bond.bond0=mode=balance-rr miimon=100 "
                         "packets_per_slave=4",
                         NULL);
    tl_checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    tl_checkf(strstr(r.err, "--set host server.bond.bond0: warning: mode forced from balance-rr to "
                            "active-backup: dropped packets_per_slave") != NULL,
              __LINE__, "the warning names packets_per_slave and --set:\n%s", r.err);
    g_autofree char *sub = g_build_filename(dir, "active-backup", NULL);
    g_autofree char *stats = read_file(sub, "stats.json");
    tl_checkf(strstr(stats, "\"options\":\"mode=active-backup miimon=100\"") != NULL, __LINE__,
              "packets_per_slave dropped from the run");
    tl_run_clear(&r);
}

/* A scenario written for any mode (here balance-alb, modelled or not)
 * compares under the others: its own mode does not matter. */
static void scenario_mode_does_not_matter(void)
{
    g_autofree char *dir = cu_scratch_dir("compare-alb");
    TlRun r = tl_bondsim("compare", SCENARIO, "--modes", "balance-rr,active-backup", "-q", "-o",
                         dir, "--set", "host.server.bond.bond0=mode=balance-alb miimon=100", NULL);
    tl_checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    g_autofree char *json = read_file(dir, "compare.json");
    g_autoptr(GPtrArray) rows = json_rows(json);
    tl_checkf(rows->len == 2, __LINE__, "two rows: %s", json);
    for (guint i = 0; i < rows->len; i++) {
        g_autofree char *status = json_get(rows->pdata[i], "status");
        tl_checkf(status && strcmp(status, "ran") == 0, __LINE__, "row %u ran: %s", i,
                  (char *)rows->pdata[i]);
    }
    tl_run_clear(&r);
}

/* ------------------------------------------------------------------------
 * Tests: TCP connections
 * ------------------------------------------------------------------------ */

/* The TCP columns in table order, and their CSV / JSON keys. */
static const char *const tcp_titles[] = {"TCP Mb/s",     "TCP retrans", "spurious fast",
                                         "spurious RTO", "RTOs",        "max stall (ms)",
                                         "TCP survived"};
static const char *const tcp_keys[] = {"tcp_goodput_mbps",
                                       "tcp_retransmits",
                                       "tcp_spurious_fast_retransmits",
                                       "tcp_spurious_rto_retransmits",
                                       "tcp_rto_events",
                                       "tcp_max_stall_ms",
                                       "tcp_survived"};

/* Connection `name`'s object in the "tcp" array of a JSON text (stats.json,
 * or one row of compare.json), from its "name" key on; NULL if absent.
 * json_get() on it finds that connection's keys: each object has them all. */
static const char *tcp_object(const char *json, const char *name)
{
    const char *t = json ? strstr(json, "\"tcp\":[") : NULL;
    if (t == NULL)
        return NULL;
    g_autofree char *pat = g_strdup_printf("{\"name\":\"%s\"", name);
    return strstr(t, pat);
}

/* A JSON number or string of a connection's object, never NULL ("" if
 * absent). Caller frees. */
static char *tcp_get(const char *json, const char *conn, const char *key)
{
    const char *o = tcp_object(json, conn);
    char *v = o ? json_get(o, key) : NULL;
    return v ? v : g_strdup("");
}

/* "S.FFFFFFFFFFFF" seconds (stats.json's exact form) as picoseconds. */
static uint64_t secs_ps(const char *v)
{
    const char *dot = strchr(v, '.');
    uint64_t s = g_ascii_strtoull(v, NULL, 10);
    return s * 1000000000000ull + (dot ? g_ascii_strtoull(dot + 1, NULL, 10) : 0);
}

/* Cell `title` of connection `conn` in the TCP table `bondsim run` prints;
 * "" if absent. Caller frees. */
static char *run_tcp_cell(const char *out, const char *conn, const char *title)
{
    const char *t = strstr(out, "\nTCP (");
    if (t == NULL)
        return g_strdup("");
    g_autoptr(GRegex) sep = g_regex_new(" {2,}", 0, 0, NULL);
    g_auto(GStrv) lines = g_strsplit(t + 1, "\n", -1);
    if (!lines[0] || !lines[1])
        return g_strdup("");
    g_auto(GStrv) hdr = g_regex_split(sep, lines[1] + 2, 0);
    int col = strv_index(hdr, title);
    for (guint i = 2; col >= 0 && lines[i] && g_str_has_prefix(lines[i], "  "); i++) {
        g_auto(GStrv) cells = g_regex_split(sep, lines[i] + 2, 0);
        if (strcmp(cells[0], conn) == 0 && (guint)col < g_strv_length(cells))
            return g_strdup(cells[col]);
    }
    return g_strdup("");
}

/* Without a TCP connection no TCP column or key is written; with one the
 * seven TCP columns come after "MAC moves", before the note, in the table,
 * the CSV and the JSON alike. */
static void tcp_columns_only_with_tcp_connections(void)
{
    const Pair *p = pair(); /* compare-failover.ini: UDP flows only */
    g_autofree char *csv = read_file(p->dir1, "compare.csv");
    g_autofree char *json = read_file(p->dir1, "compare.json");
    tl_checkf(strstr(p->run1.out, "TCP") == NULL, __LINE__, "no TCP column or note:\n%s",
              p->run1.out);
    tl_checkf(csv[0] && strstr(csv, "tcp") == NULL, __LINE__, "no tcp column in the CSV:\n%s", csv);
    tl_checkf(json[0] && strstr(json, "\"tcp") == NULL, __LINE__, "no tcp key in the JSON:\n%s",
              json);

    const Pair *t = tcp_pair();
    tl_checkf(t->run1.code == EXIT_OK, __LINE__, "TCP compare exits 0, got %d: %s", t->run1.code,
              t->run1.err);
    g_auto(GStrv) titles = table_header(t->run1.out);
    tl_checkf(g_strv_length(titles) == N_TCP_COLS, __LINE__, "%d table columns, got %u", N_TCP_COLS,
              g_strv_length(titles));
    int moves = strv_index(titles, "MAC moves");
    for (int i = 0; i < (int)G_N_ELEMENTS(tcp_titles); i++)
        tl_checkf(moves > 0 && strv_index(titles, tcp_titles[i]) == moves + 1 + i, __LINE__,
                  "table column '%s' is number %d", tcp_titles[i], moves + 2 + i);
    tl_checkf(strv_index(titles, "note") == N_TCP_COLS - 1, __LINE__, "the note stays last");
    g_autofree char *tcsv = read_file(t->dir1, "compare.csv");
    g_autofree char *first = g_strndup(tcsv, strcspn(tcsv, "\n"));
    g_auto(GStrv) keys = g_strsplit(first, ",", -1);
    for (int i = 0; i < (int)G_N_ELEMENTS(tcp_keys); i++)
        tl_checkf(strv_index(keys, tcp_keys[i]) == moves + 1 + i, __LINE__,
                  "CSV column '%s' is number %d: %s", tcp_keys[i], moves + 2 + i, first);
    check_renderings_agree(t->run1.out, t->dir1, N_TCP_COLS);
    tl_checkf(strstr(t->run1.out, "TCP Mb/s: bytes delivered") != NULL, __LINE__,
              "the table explains the TCP columns");
}

/* balance-rr over paths 1 ms apart reorders the segments: the sender
 * retransmits segments whose original arrived; active-backup keeps one
 * path, so TCP never retransmits and runs at the link's pace. */
static void tcp_rr_retransmits_spuriously_ab_does_not(void)
{
    const Pair *t = tcp_pair();
    g_autoptr(GPtrArray) rows = table_rows_n(t->run1.out, N_TCP_COLS);
    g_auto(GStrv) titles = table_header(t->run1.out);
    tl_checkf(rows->len == 2, __LINE__, "two rows:\n%s", t->run1.out);
    char **rr = find_row(rows, "balance-rr"), **ab = find_row(rows, "active-backup");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ab);
    int mbps = strv_index(titles, "TCP Mb/s"), rtx = strv_index(titles, "TCP retrans");
    int spur = strv_index(titles, "spurious fast"), rtos = strv_index(titles, "RTOs");
    int stall = strv_index(titles, "max stall (ms)"), surv = strv_index(titles, "TCP survived");
    CU_ASSERT_FATAL(mbps > 0 && rtx > 0 && spur > 0 && rtos > 0 && stall > 0 && surv > 0);
    tl_checkf(num(rr[spur]) > 0 && num(rr[spur]) <= num(rr[rtx]), __LINE__,
              "balance-rr: spurious fast retransmits (%s) > 0, at most the retransmits (%s)",
              rr[spur], rr[rtx]);
    tl_checkf(strcmp(ab[spur], "0") == 0 && strcmp(ab[rtx], "0") == 0 && strcmp(ab[rtos], "0") == 0,
              __LINE__, "active-backup: no retransmit (%s), spurious (%s) or RTO (%s)", ab[rtx],
              ab[spur], ab[rtos]);
    tl_checkf(num(ab[mbps]) > 2 * num(rr[mbps]) && num(ab[mbps]) < 1000.0, __LINE__,
              "goodput: active-backup (%s) far above balance-rr (%s), below the 1 Gb/s link",
              ab[mbps], rr[mbps]);
    tl_checkf(num(rr[stall]) > num(ab[stall]), __LINE__, "rr stalls longer: %s vs %s ms", rr[stall],
              ab[stall]);
    tl_checkf(strcmp(rr[surv], "1/1") == 0 && strcmp(ab[surv], "1/1") == 0, __LINE__,
              "no fault: the connection survives in both modes: %s %s", rr[surv], ab[surv]);
    /* no UDP or ping flow: the flows' columns have no value, not 0 */
    int udp_mbps = strv_index(titles, "Mb/s"), lost = strv_index(titles, "lost");
    CU_ASSERT_FATAL(udp_mbps >= 0 && lost >= 0);
    tl_checkf(strcmp(rr[udp_mbps], "-") == 0 && strcmp(ab[lost], "-") == 0, __LINE__,
              "TCP only: flow Mb/s and lost are '-': %s %s", rr[udp_mbps], ab[lost]);

    g_autofree char *json = read_file(t->dir1, "compare.json");
    g_autoptr(GPtrArray) jrows = json_rows(json);
    CU_ASSERT_EQUAL_FATAL(jrows->len, 2);
    g_autofree char *jrr = json_get(jrows->pdata[0], "tcp_spurious_fast_retransmits");
    g_autofree char *jab = json_get(jrows->pdata[1], "tcp_spurious_fast_retransmits");
    tl_checkf(jrr && jab && num(jrr) > 0 && strcmp(jab, "0") == 0, __LINE__,
              "compare.json: spurious fast retransmits rr %s > 0, ab %s == 0", jrr ? jrr : "-",
              jab ? jab : "-");
    g_autofree char *crr = tcp_get(jrows->pdata[0], "bulk", "spurious_fast_retransmits");
    g_autofree char *cab = tcp_get(jrows->pdata[1], "bulk", "spurious_fast_retransmits");
    tl_checkf(num(crr) > 0 && strcmp(cab, "0") == 0, __LINE__,
              "compare.json rows[].tcp: connection bulk spurious rr '%s' > 0, ab '%s' == 0", crr,
              cab);
}

/* Each mode's TCP figures are those `bondsim run` reports when the bond is
 * set to that mode by hand: stats.json's "tcp" section key by key, the TCP
 * table's goodput, retransmits, spurious retransmits and RTOs. */
static void tcp_figures_match_bondsim_run_per_mode(void)
{
    static const char *const modes[] = {"balance-rr", "active-backup"};
    static const char *const keys[] = {"state",
                                       "bytes_delivered",
                                       "goodput_bps",
                                       "retransmits",
                                       "fast_retransmits",
                                       "spurious_fast_retransmits",
                                       "spurious_rto_retransmits",
                                       "rto_events",
                                       "max_backoff",
                                       "max_stall_s",
                                       "stall_rto_s",
                                       "established_s",
                                       "done_s",
                                       "survived",
                                       "survived_why"};
    const Pair *t = tcp_pair();
    g_autoptr(GPtrArray) rows = table_rows_n(t->run1.out, N_TCP_COLS);
    g_auto(GStrv) titles = table_header(t->run1.out);
    g_autofree char *json = read_file(t->dir1, "compare.json");
    g_autoptr(GPtrArray) jrows = json_rows(json);
    CU_ASSERT_EQUAL_FATAL(jrows->len, 2);
    CU_ASSERT_EQUAL_FATAL(rows->len, 2);
    for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
        g_autofree char *name = g_strdup_printf("compare-tcp-run-%s", modes[m]);
        g_autofree char *dir = cu_scratch_dir(name);
        g_autofree char *set =
            g_strdup_printf("host.server.bond.bond0=mode=%s miimon=100", modes[m]);
        TlRun r = tl_bondsim("run", TCP_SCENARIO, "-o", dir, "--set", set, NULL);
        tl_checkf(r.code == EXIT_OK, __LINE__, "run in %s exits 0, got %d: %s", modes[m], r.code,
                  r.err);
        g_autofree char *stats = read_file(dir, "stats.json");
        const char *row = jrows->pdata[m];
        g_autofree char *mode = json_get(row, "mode");
        tl_checkf(mode && strcmp(mode, modes[m]) == 0, __LINE__, "row %u is %s", m, modes[m]);
        tl_checkf(tcp_object(stats, "bulk") && tcp_object(row, "bulk"), __LINE__,
                  "%s: connection bulk in run's stats.json and in compare.json", modes[m]);
        for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
            g_autofree char *want = tcp_get(stats, "bulk", keys[k]);
            g_autofree char *got = tcp_get(row, "bulk", keys[k]);
            tl_checkf(want[0] && strcmp(want, got) == 0, __LINE__,
                      "%s: %s: run's stats.json '%s', compare.json '%s'", modes[m], keys[k], want,
                      got);
        }
        /* the mode's own stats.json is the one `run` wrote */
        g_autofree char *sub = g_build_filename(t->dir1, modes[m], NULL);
        g_autofree char *mine = read_file(sub, "stats.json");
        tl_checkf(stats[0] && strcmp(stats, mine) == 0, __LINE__,
                  "%s: DIR/%s/stats.json is byte-identical to run's", modes[m], modes[m]);

        /* the printed tables: compare's 2 decimals, run's 1, the JSON's bit/s */
        char **cells = find_row(rows, modes[m]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(cells);
        const char *mbps = cells[strv_index(titles, "TCP Mb/s")];
        g_autofree char *run_mbps = run_tcp_cell(r.out, "bulk", "Mb/s");
        g_autofree char *bps = tcp_get(row, "bulk", "goodput_bps");
        tl_checkf(run_mbps[0] && fabs(num(mbps) - num(run_mbps)) <= 0.05 + 1e-9, __LINE__,
                  "%s: TCP Mb/s %s, run's table %s", modes[m], mbps, run_mbps);
        tl_checkf(bps[0] && fabs(num(mbps) - num(bps) / 1e6) <= 0.005 + 1e-6, __LINE__,
                  "%s: TCP Mb/s %s, goodput_bps %s", modes[m], mbps, bps);
        static const char *const pairs[][2] = {
            {"TCP retrans", "retrans"}, {"spurious fast", "spurious fast"}, {"RTOs", "RTO"}};
        for (size_t i = 0; i < G_N_ELEMENTS(pairs); i++) {
            const char *mine_cell = cells[strv_index(titles, pairs[i][0])];
            g_autofree char *theirs = run_tcp_cell(r.out, "bulk", pairs[i][1]);
            tl_checkf(strcmp(mine_cell, theirs) == 0, __LINE__, "%s: %s %s, run's %s %s", modes[m],
                      pairs[i][0], mine_cell, pairs[i][1], theirs);
        }
        tl_run_clear(&r);
    }
}

/* With several connections the row sums them: retransmits, spurious ones and
 * RTOs added, the longest stall, survivors counted, and goodput as all the
 * bytes over the span from the first handshake to the last delivery (not the
 * sum of each connection's goodput, which overlapping spans inflate beyond
 * the link's rate). */
static void tcp_row_sums_every_connection(void)
{
    g_autofree char *dir = cu_scratch_dir("compare-tcp-flows");
    TlRun r = tl_bondsim("compare", TCP_SCENARIO, "--modes", "balance-rr,active-backup", "-q", "-o",
                         dir, "--set",
                         "traffic.bulk.tcp=server -> client bytes=150k start=10ms flows=2", NULL);
    tl_checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    g_autofree char *csv = read_file(dir, "compare.csv");
    g_autofree char *json = read_file(dir, "compare.json");
    g_autoptr(GPtrArray) crows = csv_rows(csv);
    g_autoptr(GPtrArray) jrows = json_rows(json);
    CU_ASSERT_EQUAL_FATAL(crows->len, 3);
    CU_ASSERT_EQUAL_FATAL(jrows->len, 2);
    char **hdr = crows->pdata[0];
    static const char *const conns[] = {"bulk#1", "bulk#2"};
    for (guint m = 0; m < 2; m++) {
        char **c = crows->pdata[m + 1];
        const char *row = jrows->pdata[m];
        uint64_t rtx = 0, spur = 0, spur_rto = 0, rtos = 0, stall = 0, bytes = 0;
        uint64_t from = UINT64_MAX, to = 0;
        double sum_bps = 0;
        for (size_t i = 0; i < G_N_ELEMENTS(conns); i++) {
            tl_checkf(tcp_object(row, conns[i]) != NULL, __LINE__, "row %u has %s", m, conns[i]);
            g_autofree char *a = tcp_get(row, conns[i], "retransmits");
            g_autofree char *b = tcp_get(row, conns[i], "spurious_fast_retransmits");
            g_autofree char *b2 = tcp_get(row, conns[i], "spurious_rto_retransmits");
            g_autofree char *d = tcp_get(row, conns[i], "rto_events");
            g_autofree char *e = tcp_get(row, conns[i], "max_stall_s");
            g_autofree char *f = tcp_get(row, conns[i], "bytes_delivered");
            g_autofree char *g = tcp_get(row, conns[i], "established_s");
            g_autofree char *h = tcp_get(row, conns[i], "last_data_s");
            g_autofree char *bps = tcp_get(row, conns[i], "goodput_bps");
            rtx += g_ascii_strtoull(a, NULL, 10);
            spur += g_ascii_strtoull(b, NULL, 10);
            spur_rto += g_ascii_strtoull(b2, NULL, 10);
            rtos += g_ascii_strtoull(d, NULL, 10);
            stall = MAX(stall, secs_ps(e));
            bytes += g_ascii_strtoull(f, NULL, 10);
            from = MIN(from, secs_ps(g));
            to = MAX(to, secs_ps(h));
            sum_bps += num(bps);
            tl_checkf(g_ascii_strtoull(f, NULL, 10) == 150000, __LINE__,
                      "row %u %s delivered its 150000 bytes: %s", m, conns[i], f);
        }
        int col_mbps = strv_index(hdr, "tcp_goodput_mbps");
        int col_rtx = strv_index(hdr, "tcp_retransmits");
        int col_spur = strv_index(hdr, "tcp_spurious_fast_retransmits");
        int col_srto = strv_index(hdr, "tcp_spurious_rto_retransmits");
        int col_rtos = strv_index(hdr, "tcp_rto_events");
        int col_stall = strv_index(hdr, "tcp_max_stall_ms");
        int col_surv = strv_index(hdr, "tcp_survived");
        CU_ASSERT_FATAL(col_mbps > 0 && col_rtx > 0 && col_spur > 0 && col_srto > 0 &&
                        col_rtos > 0 && col_stall > 0 && col_surv > 0);
        tl_checkf(g_ascii_strtoull(c[col_rtx], NULL, 10) == rtx &&
                      g_ascii_strtoull(c[col_spur], NULL, 10) == spur &&
                      g_ascii_strtoull(c[col_srto], NULL, 10) == spur_rto &&
                      g_ascii_strtoull(c[col_rtos], NULL, 10) == rtos,
                  __LINE__,
                  "row %u sums: retrans %s/%" G_GUINT64_FORMAT ", spurious %s/%" G_GUINT64_FORMAT
                  ", spurious RTO %s/%" G_GUINT64_FORMAT ", RTOs %s/%" G_GUINT64_FORMAT,
                  m, c[col_rtx], rtx, c[col_spur], spur, c[col_srto], spur_rto, c[col_rtos], rtos);
        tl_checkf(fabs(num(c[col_stall]) - (double)stall / 1e9) <= 0.0005 + 1e-9, __LINE__,
                  "row %u: max stall %s ms, longest of the two %.6f ms", m, c[col_stall],
                  (double)stall / 1e9);
        tl_checkf(strcmp(c[col_surv], "2/2") == 0, __LINE__, "row %u: 2/2 survived, got %s", m,
                  c[col_surv]);
        double want = (double)bytes * 8.0 / ((double)(to - from) / 1e12) / 1e6;
        tl_checkf(to > from && fabs(num(c[col_mbps]) - want) <= 0.005 + 1e-9, __LINE__,
                  "row %u: TCP Mb/s %s, all bytes over the whole span %.4f", m, c[col_mbps], want);
        tl_checkf(num(c[col_mbps]) <= sum_bps / 1e6 + 0.005, __LINE__,
                  "row %u: TCP Mb/s %s at most the sum of the connections' %.2f", m, c[col_mbps],
                  sum_bps / 1e6);
        tl_checkf(num(c[col_mbps]) < 1000.0, __LINE__, "row %u: TCP Mb/s %s below the 1 Gb/s link",
                  m, c[col_mbps]);
    }
    g_autofree char *rr_spur = json_get(jrows->pdata[0], "tcp_spurious_fast_retransmits");
    tl_checkf(rr_spur && num(rr_spur) > 0, __LINE__, "balance-rr: spurious retransmits %s",
              rr_spur ? rr_spur : "-");
    tl_run_clear(&r);
}

/* Same scenario, same seed: the TCP comparison's files are byte-identical. */
static void tcp_compare_is_deterministic(void)
{
    const Pair *t = tcp_pair();
    tl_checkf(t->run2.code == EXIT_OK, __LINE__, "-q run exits 0, got %d: %s", t->run2.code,
              t->run2.err);
    g_autoptr(GPtrArray) f1 = tl_list_files(t->dir1);
    g_autoptr(GPtrArray) f2 = tl_list_files(t->dir2);
    g_autofree char *l1 = tl_join(f1);
    g_autofree char *l2 = tl_join(f2);
    /* per mode: capture, bonds/slaves/switches/tcp.csv, reorder.csv,
     * series.csv, stats.json; then compare.csv and compare.json */
    tl_checkf(f1->len == 18 && strcmp(l1, l2) == 0, __LINE__, "same 18 files: [%s] vs [%s]", l1,
              l2);
    for (guint i = 0; i < f1->len && strcmp(l1, l2) == 0; i++) {
        g_autofree char *a = NULL, *b = NULL;
        gsize na = 0, nb = 0;
        g_autofree char *pa = g_build_filename(t->dir1, f1->pdata[i], NULL);
        g_autofree char *pb = g_build_filename(t->dir2, f1->pdata[i], NULL);
        gboolean read =
            g_file_get_contents(pa, &a, &na, NULL) && g_file_get_contents(pb, &b, &nb, NULL);
        tl_checkf(read && na > 0 && na == nb && memcmp(a, b, na) == 0, __LINE__,
                  "%s is byte-identical in both runs", (char *)f1->pdata[i]);
    }
}

/* ------------------------------------------------------------------------
 * Tests: every mode, and modes not modelled
 * ------------------------------------------------------------------------ */

static void all_modes_list_the_unmodelled_as_such(void)
{
    g_autofree char *dir = cu_scratch_dir("compare-all");
    TlRun r = tl_bondsim("compare", SCENARIO, "--modes", "all", "-o", dir, NULL);
    tl_checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    g_autoptr(GPtrArray) rows = table_rows(r.out);
    g_autofree char *json = read_file(dir, "compare.json");
    g_autoptr(GPtrArray) jrows = json_rows(json);
    tl_checkf(rows->len == BOND_MODE_COUNT && jrows->len == BOND_MODE_COUNT, __LINE__,
              "one row per mode: table %u, JSON %u", rows->len, jrows->len);
    guint unmodelled = 0;
    for (guint m = 0; m < rows->len && m < jrows->len && m < BOND_MODE_COUNT; m++) {
        char **row = rows->pdata[m];
        const char *name = bond_mode_name((BondMode)m);
        g_autofree char *status = json_get(jrows->pdata[m], "status");
        g_autofree char *sub = g_build_filename(dir, name, NULL);
        tl_checkf(strcmp(row[0], name) == 0, __LINE__, "row %u is %s, got %s", m, name, row[0]);
        if (bond_mode_is_modelled((BondMode)m)) {
            tl_checkf(status && strcmp(status, "ran") == 0, __LINE__, "%s ran", name);
            tl_checkf(g_file_test(sub, G_FILE_TEST_IS_DIR), __LINE__, "%s/ written", name);
            continue;
        }
        unmodelled++;
        g_autofree char *said = g_strdup_printf("mode %s is not modelled yet", name);
        tl_checkf(strcmp(row[8], "not modelled yet") == 0 && strcmp(row[1], "-") == 0, __LINE__,
                  "%s: row says not modelled yet: %s / %s", name, row[1], row[8]);
        tl_checkf(status && strcmp(status, "not-modelled") == 0, __LINE__, "%s: JSON status", name);
        tl_checkf(strstr(r.err, said) != NULL, __LINE__, "stderr says '%s'", said);
        tl_checkf(!g_file_test(sub, G_FILE_TEST_EXISTS), __LINE__, "no %s/ directory", name);
    }
    if (unmodelled == 0)
        fprintf(stderr, " (every mode is modelled: nothing to list as not modelled) ");
    tl_run_clear(&r);
}

/* ------------------------------------------------------------------------
 * Tests: bad input and defaults
 * ------------------------------------------------------------------------ */

static void unknown_mode_is_refused_with_the_list(void)
{
    g_autofree char *scratch = cu_scratch_dir("compare-badmode");
    g_autofree char *dir = g_build_filename(scratch, "out", NULL);
    TlRun r = tl_bondsim("compare", SCENARIO, "--modes", "balance-rr,fast", "-o", dir, NULL);
    tl_checkf(r.code == EXIT_USAGE, __LINE__, "exit 2, got %d", r.code);
    tl_checkf(count_lines(r.err) == 1 && strstr(r.err, "unknown mode 'fast'") &&
                  strstr(r.err, "active-backup (1)") && strstr(r.err, "balance-alb (6)"),
              __LINE__, "one line naming the mode and listing the modes: %s", r.err);
    tl_checkf(!g_file_test(dir, G_FILE_TEST_EXISTS), __LINE__, "nothing written");
    tl_run_clear(&r);
}

static void bad_scenario_is_refused_before_any_output(void)
{
    g_autofree char *scratch = cu_scratch_dir("compare-bad");
    g_autofree char *dir = g_build_filename(scratch, "out", NULL);
    TlRun r = tl_bondsim("compare", DATA_DIR "/bad/miimon-negative.ini", "-o", dir, NULL);
    tl_checkf(r.code == EXIT_INPUT, __LINE__, "exit 1, got %d", r.code);
    tl_checkf(
        count_lines(r.err) == 1 &&
            strstr(r.err, "miimon-negative.ini:11: [host server] bond.bond0: option 'miimon'"),
        __LINE__, "one file:line message: %s", r.err);
    tl_checkf(!g_file_test(dir, G_FILE_TEST_EXISTS), __LINE__, "nothing written");
    tl_run_clear(&r);

    TlRun nb = tl_bondsim("compare", DATA_DIR "/minimal.ini", "-o", dir, NULL);
    tl_checkf(nb.code == EXIT_INPUT, __LINE__, "no bond: exit 1, got %d", nb.code);
    tl_checkf(count_lines(nb.err) == 1 && strstr(nb.err, "minimal.ini: no bond to compare"),
              __LINE__, "no bond: one line: %s", nb.err);
    tl_checkf(!g_file_test(dir, G_FILE_TEST_EXISTS), __LINE__, "nothing written");
    tl_run_clear(&nb);

    TlRun two = tl_bondsim("compare", SCENARIO, SCENARIO, NULL);
    tl_checkf(two.code == EXIT_USAGE, __LINE__, "two files: exit 2, got %d", two.code);
    tl_run_clear(&two);
}

static void unwritable_output_exits_3(void)
{
    g_autofree char *scratch = cu_scratch_dir("compare-unwritable");
    g_autofree char *file = g_build_filename(scratch, "a-file", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(file, "x", -1, NULL));
    TlRun r = tl_bondsim("compare", SCENARIO, "--modes", "1", "-o", file, NULL);
    tl_checkf(r.code == EXIT_OUTPUT, __LINE__, "-o on a file: exit 3, got %d", r.code);
    tl_checkf(count_lines(r.err) == 1 && strstr(r.err, "output directory"), __LINE__,
              "one line naming the directory: %s", r.err);
    tl_run_clear(&r);
}

static void default_directory_is_named_after_the_scenario(void)
{
    g_autofree char *cwd = cu_scratch_dir("compare-default");
    TlRun r = tl_bondsim_in(cwd, "compare", SCENARIO, "--modes", "1", "-q", NULL);
    tl_checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    g_autofree char *dir = g_build_filename(cwd, "pcaps", "out", "compare-failover-compare", NULL);
    g_autoptr(GPtrArray) files = tl_list_files(dir);
    g_autofree char *l = tl_join(files);
    tl_checkf(strcmp(l, "active-backup/bonds.csv, active-backup/compare-failover.pcapng, "
                        "active-backup/faults.csv, active-backup/flows.csv, "
                        "active-backup/reorder.csv, active-backup/series.csv, "
                        "active-backup/slaves.csv, active-backup/stats.json, "
                        "active-backup/switches.csv, compare.csv, compare.json") == 0,
              __LINE__, "pcaps/out/compare-failover-compare/ holds [%s]", l);
    tl_run_clear(&r);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"parse_modes_takes_names_numbers_and_all", parse_modes_takes_names_numbers_and_all},
        {"parse_modes_refuses_unknown_empty_and_repeated",
         parse_modes_refuses_unknown_empty_and_repeated},
        {"share_text_adds_up_to_100", share_text_adds_up_to_100},
        {"force_mode_drops_options_invalid_in_the_mode",
         force_mode_drops_options_invalid_in_the_mode},
        {"rr_and_ab_rows_show_expected_figures", rr_and_ab_rows_show_expected_figures},
        {"csv_and_json_agree_with_the_table", csv_and_json_agree_with_the_table},
        {"two_runs_write_identical_bytes", two_runs_write_identical_bytes},
        {"mode_directories_hold_what_run_writes", mode_directories_hold_what_run_writes},
        {"own_mode_matches_bondsim_run", own_mode_matches_bondsim_run},
        {"forced_mode_warns_about_dropped_options", forced_mode_warns_about_dropped_options},
        {"scenario_mode_does_not_matter", scenario_mode_does_not_matter},
        {"tcp_columns_only_with_tcp_connections", tcp_columns_only_with_tcp_connections},
        {"tcp_rr_retransmits_spuriously_ab_does_not", tcp_rr_retransmits_spuriously_ab_does_not},
        {"tcp_figures_match_bondsim_run_per_mode", tcp_figures_match_bondsim_run_per_mode},
        {"tcp_row_sums_every_connection", tcp_row_sums_every_connection},
        {"tcp_compare_is_deterministic", tcp_compare_is_deterministic},
        {"all_modes_list_the_unmodelled_as_such", all_modes_list_the_unmodelled_as_such},
        {"unknown_mode_is_refused_with_the_list", unknown_mode_is_refused_with_the_list},
        {"bad_scenario_is_refused_before_any_output", bad_scenario_is_refused_before_any_output},
        {"unwritable_output_exits_3", unwritable_output_exits_3},
        {"default_directory_is_named_after_the_scenario",
         default_directory_is_named_after_the_scenario},
        CU_TEST_INFO_NULL,
    };
    int rc = cu_run("compare", cases);
    g_clear_pointer(&pair_cache, pair_free);
    g_clear_pointer(&tcp_pair_cache, pair_free);
    return rc;
}
