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
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "bond/options.h"
#include "compare/compare.h"
#include "cu_run.h"
#include "stats/report.h"

#define SCENARIO BONDSIM_SOURCE_DIR "/scenarios/compare-failover.ini"
#define DATA_DIR BONDSIM_SOURCE_DIR "/tests/data"

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2, EXIT_OUTPUT = 3 };

/* The MII monitor ticks every 104 ms at HZ=250: no failover gap is longer. */
#define MII_TICK_MS 104.0

/* ------------------------------------------------------------------------
 * Running bondsim
 * ------------------------------------------------------------------------ */

typedef struct {
    int code;  /* exit status; -1 when it did not exit normally */
    char *out; /* stdout, owned */
    char *err; /* stderr, owned */
} Run;

static void run_clear(Run *r)
{
    g_clear_pointer(&r->out, g_free);
    g_clear_pointer(&r->err, g_free);
}

/* Records one assertion at the caller's line with a readable description. */
static void checkf(gboolean ok, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static void checkf(gboolean ok, int line, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, args);
    va_end(args);
    CU_assertImplementation(ok ? CU_TRUE : CU_FALSE, (unsigned)line, what, __FILE__, "", CU_FALSE);
    if (!ok)
        fprintf(stderr, "\n  line %d: %s\n", line, what);
}

/* Runs `bondsim ARGS...` in `cwd` (NULL: here); the list ends with NULL. */
static Run bondsim_in(const char *cwd, const char *first, ...) G_GNUC_NULL_TERMINATED;

static Run bondsim_in(const char *cwd, const char *first, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    g_ptr_array_add(argv, (gpointer)BONDSIM_BINARY);
    va_list args;
    va_start(args, first);
    for (const char *a = first; a != NULL; a = va_arg(args, const char *))
        g_ptr_array_add(argv, (gpointer)a);
    va_end(args);
    g_ptr_array_add(argv, NULL);
    Run r = {-1, NULL, NULL};
    int status = 0;
    GError *error = NULL;
    if (!g_spawn_sync(cwd, (char **)argv->pdata, NULL, (GSpawnFlags)0, NULL, NULL, &r.out, &r.err,
                      &status, &error)) {
        checkf(FALSE, __LINE__, "cannot run %s: %s", BONDSIM_BINARY, error->message);
        g_error_free(error);
        r.out = g_strdup("");
        r.err = g_strdup("");
        return r;
    }
    if (WIFEXITED(status))
        r.code = WEXITSTATUS(status);
    return r;
}

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

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list_under(const char *base, const char *rel, GPtrArray *found)
{
    g_autofree char *dir = rel ? g_build_filename(base, rel, NULL) : g_strdup(base);
    GDir *d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        char *child = rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        g_autofree char *path = g_build_filename(base, child, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            list_under(base, child, found);
            g_free(child);
        } else {
            g_ptr_array_add(found, child);
        }
    }
    g_dir_close(d);
}

/* Sorted relative paths of every file under `dir`. Caller frees. */
static GPtrArray *list_files(const char *dir)
{
    GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
    list_under(dir, NULL, found);
    g_ptr_array_sort(found, cmp_str);
    return found;
}

static char *join(const GPtrArray *a)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < a->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (const char *)a->pdata[i]);
    return g_string_free(s, FALSE);
}

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

/* The rows of the printed table (after the "Modes" title and the header),
 * each a GStrv of N_COLS cells ("" for no note). Cells are separated by two
 * spaces or more; none holds two spaces in a row. Caller frees. */
static GPtrArray *table_rows(const char *out)
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
        while (row->len < N_COLS)
            g_ptr_array_add(row, g_strdup(""));
        g_ptr_array_add(row, NULL);
        g_ptr_array_add(rows, g_ptr_array_free(row, FALSE));
        g_strfreev(cells);
    }
    return rows;
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

/* Whether `needle` occurs in the `len` bytes at `data` (captures hold NULs). */
static gboolean bytes_contain(const char *data, gsize len, const char *needle)
{
    gsize n = strlen(needle);
    for (gsize i = 0; n > 0 && i + n <= len; i++)
        if (data[i] == needle[0] && memcmp(data + i, needle, n) == 0)
            return TRUE;
    return FALSE;
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
    Run run1, run2;    /* run1 prints the table; run2 is -q */
} Pair;

static Pair *pair_cache;

static void pair_free(Pair *p)
{
    g_free(p->dir1);
    g_free(p->dir2);
    run_clear(&p->run1);
    run_clear(&p->run2);
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
    pair_cache->run1 = bondsim_in(NULL, "compare", SCENARIO, "--modes", "balance-rr,active-backup",
                                  "-o", pair_cache->dir1, NULL);
    pair_cache->run2 = bondsim_in(NULL, "compare", SCENARIO, "--modes", "balance-rr,active-backup",
                                  "-o", pair_cache->dir2, "-q", NULL);
    return pair_cache;
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
        checkf(!ok && e != NULL, __LINE__, "--modes '%s' is refused", bad[i]);
        if (e == NULL)
            continue;
        checkf(g_error_matches(e, COMPARE_ERROR, COMPARE_ERROR_MODES), __LINE__,
               "'%s': COMPARE_ERROR_MODES", bad[i]);
        checkf(strstr(e->message, "balance-rr (0)") && strstr(e->message, "balance-alb (6)"),
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
        checkf(strcmp(got, cases[i].want) == 0, __LINE__, "case %zu: '%s', want '%s'", i, got,
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
    checkf(p->run1.code == EXIT_OK, __LINE__, "compare exits 0, got %d: %s", p->run1.code,
           p->run1.err);
    g_autoptr(GPtrArray) rows = table_rows(p->run1.out);
    checkf(rows->len == 2, __LINE__, "two rows, got %u:\n%s", rows->len, p->run1.out);
    char **rr = find_row(rows, "balance-rr"), **ab = find_row(rows, "active-backup");
    CU_ASSERT_PTR_NOT_NULL_FATAL(rr);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ab);
    CU_ASSERT_PTR_EQUAL(rows->pdata[0], rr); /* in the order of --modes */
    /* mode, Mb/s, tx share, lost, out of order, duplicates, gap ms, MAC moves, note */
    /* 4000 datagrams of 106-byte frames a second: 3.39 Mb/s of frames */
    checkf(num(rr[1]) > 3.0 && num(ab[1]) > 2.0 && num(rr[1]) > num(ab[1]), __LINE__,
           "about 3.4 Mb/s delivered, less for ab (its failover gap): rr %s, ab %s", rr[1], ab[1]);
    checkf(strcmp(rr[2], "50/50") == 0, __LINE__, "rr sends 50/50 before the cut: %s", rr[2]);
    checkf(strcmp(ab[2], "100/0") == 0, __LINE__, "ab sends 100/0 before the cut: %s", ab[2]);
    checkf(num(rr[7]) > 0, __LINE__, "rr into a switch without LAG: MAC moves, got %s", rr[7]);
    checkf(num(ab[7]) == 0, __LINE__, "ab: no MAC move, got %s", ab[7]);
    checkf(num(rr[4]) > 0 && num(ab[4]) == 0, __LINE__,
           "rr over unequal paths reorders, ab does not: %s, %s", rr[4], ab[4]);
    checkf(num(ab[6]) > 1.0 && num(ab[6]) <= MII_TICK_MS, __LINE__,
           "ab: failover gap after the cut, within one MII tick: %s ms", ab[6]);
    checkf(num(ab[3]) > 0, __LINE__, "ab loses the frames sent to eth0 before the tick: %s", ab[3]);
    checkf(num(rr[6]) < 1.0, __LINE__, "rr skips the dead slave at once: gap %s ms", rr[6]);
    checkf(strcmp(rr[5], "0") == 0 && strcmp(ab[5], "0") == 0, __LINE__, "no duplicates");
    checkf(rr[8][0] == '\0' && ab[8][0] == '\0', __LINE__, "no note: '%s' '%s'", rr[8], ab[8]);
    checkf(strstr(p->run1.out, "Outputs: ") != NULL, __LINE__, "names its outputs");
}

static void csv_and_json_agree_with_the_table(void)
{
    const Pair *p = pair();
    g_autoptr(GPtrArray) rows = table_rows(p->run1.out);
    g_autofree char *csv = read_file(p->dir1, "compare.csv");
    g_autofree char *json = read_file(p->dir1, "compare.json");
    g_autoptr(GPtrArray) crows = csv_rows(csv);
    g_autoptr(GPtrArray) jrows = json_rows(json);
    checkf(crows->len == 3, __LINE__, "compare.csv: header and two rows:\n%s", csv);
    checkf(jrows->len == 2, __LINE__, "compare.json: two rows:\n%s", json);
    if (crows->len != 3 || jrows->len != 2 || rows->len != 2)
        return;
    char **hdr = crows->pdata[0];
    checkf(g_strv_length(hdr) == N_COLS && strcmp(hdr[0], "mode") == 0, __LINE__,
           "CSV header of %d columns", N_COLS);
    for (guint r = 0; r < 2; r++) {
        char **t = rows->pdata[r], **c = crows->pdata[r + 1];
        const char *j = jrows->pdata[r];
        checkf(g_strv_length(c) == N_COLS, __LINE__, "CSV row %u has %d cells", r, N_COLS);
        for (int i = 0; i < N_COLS && g_strv_length(c) == N_COLS; i++) {
            checkf(strcmp(t[i], c[i]) == 0, __LINE__, "row %u column %s: table '%s', CSV '%s'", r,
                   hdr[i], t[i], c[i]);
            g_autofree char *v = json_get(j, hdr[i]);
            const char *want = c[i][0] ? c[i] : "null";
            checkf(v != NULL && strcmp(v, want) == 0, __LINE__,
                   "row %u key %s: JSON '%s', CSV '%s'", r, hdr[i], v ? v : "(absent)", want);
        }
        g_autofree char *status = json_get(j, "status");
        checkf(status && strcmp(status, "ran") == 0, __LINE__, "row %u status ran", r);
    }
    checkf(strstr(json, "\"scenario\":\"compare-failover\"") != NULL &&
               strstr(json, "\"seed\":1,") != NULL,
           __LINE__, "compare.json names scenario and seed");
}

static void two_runs_write_identical_bytes(void)
{
    const Pair *p = pair();
    checkf(p->run2.code == EXIT_OK, __LINE__, "-q run exits 0, got %d: %s", p->run2.code,
           p->run2.err);
    checkf(p->run2.out[0] == '\0', __LINE__, "-q prints nothing on stdout: %s", p->run2.out);
    g_autoptr(GPtrArray) f1 = list_files(p->dir1);
    g_autoptr(GPtrArray) f2 = list_files(p->dir2);
    g_autofree char *l1 = join(f1);
    g_autofree char *l2 = join(f2);
    static const char *const want =
        "active-backup/compare-failover.pcapng, active-backup/reorder.csv, "
        "active-backup/series.csv, active-backup/stats.json, "
        "balance-rr/compare-failover.pcapng, balance-rr/reorder.csv, balance-rr/series.csv, "
        "balance-rr/stats.json, compare.csv, compare.json";
    checkf(strcmp(l1, want) == 0, __LINE__, "files [%s], want [%s]", l1, want);
    checkf(strcmp(l1, l2) == 0, __LINE__, "same files: [%s] vs [%s]", l1, l2);
    for (guint i = 0; i < f1->len && strcmp(l1, l2) == 0; i++) {
        g_autofree char *a = NULL, *b = NULL;
        gsize na = 0, nb = 0;
        g_autofree char *pa = g_build_filename(p->dir1, f1->pdata[i], NULL);
        g_autofree char *pb = g_build_filename(p->dir2, f1->pdata[i], NULL);
        gboolean read =
            g_file_get_contents(pa, &a, &na, NULL) && g_file_get_contents(pb, &b, &nb, NULL);
        checkf(read && na > 0 && na == nb && memcmp(a, b, na) == 0, __LINE__,
               "%s is byte-identical in both runs", (char *)f1->pdata[i]);
        checkf(read && !bytes_contain(a, na, p->dir1) && !bytes_contain(a, na, "scratch"), __LINE__,
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
    checkf(strstr(rr, "\"options\":\"mode=balance-rr miimon=100\"") != NULL, __LINE__,
           "balance-rr/stats.json: the forced mode, primary dropped");
    checkf(strstr(ab, "\"options\":\"mode=active-backup miimon=100 primary=eth0\"") != NULL,
           __LINE__, "active-backup/stats.json: the file's own options");
    checkf(strstr(ab, "\"event\":\"failover\"") != NULL, __LINE__,
           "active-backup/stats.json logs the failover");
    g_autofree char *cap_path = g_build_filename(dir_rr, "compare-failover.pcapng", NULL);
    g_autofree char *cap = NULL;
    gsize len = 0;
    checkf(g_file_get_contents(cap_path, &cap, &len, NULL) &&
               bytes_contain(cap, len, "server/bond0=[mode=balance-rr miimon=100]"),
           __LINE__, "the capture's section comment gives the forced mode");
}

/* In the file's own mode (active-backup), compare writes what `bondsim run`
 * writes, byte for byte: forcing a mode a bond already has changes nothing,
 * and measuring the TX share before the fault does not disturb the run. */
static void own_mode_matches_bondsim_run(void)
{
    const Pair *p = pair();
    g_autofree char *dir = cu_scratch_dir("compare-run");
    Run r = bondsim_in(NULL, "run", SCENARIO, "-q", "-o", dir, NULL);
    checkf(r.code == EXIT_OK, __LINE__, "run exits 0, got %d: %s", r.code, r.err);
    g_autofree char *ab = g_build_filename(p->dir1, "active-backup", NULL);
    static const char *const files[] = {"stats.json", "compare-failover.pcapng"};
    for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *pa = g_build_filename(dir, files[i], NULL);
        g_autofree char *pb = g_build_filename(ab, files[i], NULL);
        g_autofree char *a = NULL, *b = NULL;
        gsize na = 0, nb = 0;
        gboolean read =
            g_file_get_contents(pa, &a, &na, NULL) && g_file_get_contents(pb, &b, &nb, NULL);
        checkf(read && na == nb && memcmp(a, b, na) == 0, __LINE__,
               "%s: run and compare's active-backup are byte-identical", files[i]);
    }
    run_clear(&r);
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
    checkf(strstr(p->run1.err, want) != NULL, __LINE__, "stderr has '%s':\n%s", want, p->run1.err);
    /* once, though the scenario was loaded three times (check, rr, ab) */
    const char *first = strstr(p->run1.err, "warning:");
    checkf(first && !strstr(first + 1, "warning:"), __LINE__, "one warning:\n%s", p->run1.err);

    g_autofree char *dir = cu_scratch_dir("compare-pps");
    Run r =
        bondsim_in(NULL, "compare", SCENARIO, "--modes", "active-backup", "-q", "-o", dir, "--set",
                   "host.server.bond.bond0=mode=balance-rr miimon=100 "
                   "packets_per_slave=4",
                   NULL);
    checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    checkf(strstr(r.err, "--set host server.bond.bond0: warning: mode forced from balance-rr to "
                         "active-backup: dropped packets_per_slave") != NULL,
           __LINE__, "the warning names packets_per_slave and --set:\n%s", r.err);
    g_autofree char *sub = g_build_filename(dir, "active-backup", NULL);
    g_autofree char *stats = read_file(sub, "stats.json");
    checkf(strstr(stats, "\"options\":\"mode=active-backup miimon=100\"") != NULL, __LINE__,
           "packets_per_slave dropped from the run");
    run_clear(&r);
}

/* A scenario written for any mode (here balance-alb, modelled or not)
 * compares under the others: its own mode does not matter. */
static void scenario_mode_does_not_matter(void)
{
    g_autofree char *dir = cu_scratch_dir("compare-alb");
    Run r = bondsim_in(NULL, "compare", SCENARIO, "--modes", "balance-rr,active-backup", "-q", "-o",
                       dir, "--set", "host.server.bond.bond0=mode=balance-alb miimon=100", NULL);
    checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    g_autofree char *json = read_file(dir, "compare.json");
    g_autoptr(GPtrArray) rows = json_rows(json);
    checkf(rows->len == 2, __LINE__, "two rows: %s", json);
    for (guint i = 0; i < rows->len; i++) {
        g_autofree char *status = json_get(rows->pdata[i], "status");
        checkf(status && strcmp(status, "ran") == 0, __LINE__, "row %u ran: %s", i,
               (char *)rows->pdata[i]);
    }
    run_clear(&r);
}

/* ------------------------------------------------------------------------
 * Tests: every mode, and modes not modelled
 * ------------------------------------------------------------------------ */

static void all_modes_list_the_unmodelled_as_such(void)
{
    g_autofree char *dir = cu_scratch_dir("compare-all");
    Run r = bondsim_in(NULL, "compare", SCENARIO, "--modes", "all", "-o", dir, NULL);
    checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    g_autoptr(GPtrArray) rows = table_rows(r.out);
    g_autofree char *json = read_file(dir, "compare.json");
    g_autoptr(GPtrArray) jrows = json_rows(json);
    checkf(rows->len == BOND_MODE_COUNT && jrows->len == BOND_MODE_COUNT, __LINE__,
           "one row per mode: table %u, JSON %u", rows->len, jrows->len);
    guint unmodelled = 0;
    for (guint m = 0; m < rows->len && m < jrows->len && m < BOND_MODE_COUNT; m++) {
        char **row = rows->pdata[m];
        const char *name = bond_mode_name((BondMode)m);
        g_autofree char *status = json_get(jrows->pdata[m], "status");
        g_autofree char *sub = g_build_filename(dir, name, NULL);
        checkf(strcmp(row[0], name) == 0, __LINE__, "row %u is %s, got %s", m, name, row[0]);
        if (bond_mode_is_modelled((BondMode)m)) {
            checkf(status && strcmp(status, "ran") == 0, __LINE__, "%s ran", name);
            checkf(g_file_test(sub, G_FILE_TEST_IS_DIR), __LINE__, "%s/ written", name);
            continue;
        }
        unmodelled++;
        g_autofree char *said = g_strdup_printf("mode %s is not modelled yet", name);
        checkf(strcmp(row[8], "not modelled yet") == 0 && strcmp(row[1], "-") == 0, __LINE__,
               "%s: row says not modelled yet: %s / %s", name, row[1], row[8]);
        checkf(status && strcmp(status, "not-modelled") == 0, __LINE__, "%s: JSON status", name);
        checkf(strstr(r.err, said) != NULL, __LINE__, "stderr says '%s'", said);
        checkf(!g_file_test(sub, G_FILE_TEST_EXISTS), __LINE__, "no %s/ directory", name);
    }
    if (unmodelled == 0)
        fprintf(stderr, " (every mode is modelled: nothing to list as not modelled) ");
    run_clear(&r);
}

/* ------------------------------------------------------------------------
 * Tests: bad input and defaults
 * ------------------------------------------------------------------------ */

static void unknown_mode_is_refused_with_the_list(void)
{
    g_autofree char *scratch = cu_scratch_dir("compare-badmode");
    g_autofree char *dir = g_build_filename(scratch, "out", NULL);
    Run r = bondsim_in(NULL, "compare", SCENARIO, "--modes", "balance-rr,fast", "-o", dir, NULL);
    checkf(r.code == EXIT_USAGE, __LINE__, "exit 2, got %d", r.code);
    checkf(count_lines(r.err) == 1 && strstr(r.err, "unknown mode 'fast'") &&
               strstr(r.err, "active-backup (1)") && strstr(r.err, "balance-alb (6)"),
           __LINE__, "one line naming the mode and listing the modes: %s", r.err);
    checkf(!g_file_test(dir, G_FILE_TEST_EXISTS), __LINE__, "nothing written");
    run_clear(&r);
}

static void bad_scenario_is_refused_before_any_output(void)
{
    g_autofree char *scratch = cu_scratch_dir("compare-bad");
    g_autofree char *dir = g_build_filename(scratch, "out", NULL);
    Run r = bondsim_in(NULL, "compare", DATA_DIR "/bad/miimon-negative.ini", "-o", dir, NULL);
    checkf(r.code == EXIT_INPUT, __LINE__, "exit 1, got %d", r.code);
    checkf(count_lines(r.err) == 1 &&
               strstr(r.err, "miimon-negative.ini:11: [host server] bond.bond0: option 'miimon'"),
           __LINE__, "one file:line message: %s", r.err);
    checkf(!g_file_test(dir, G_FILE_TEST_EXISTS), __LINE__, "nothing written");
    run_clear(&r);

    Run nb = bondsim_in(NULL, "compare", DATA_DIR "/minimal.ini", "-o", dir, NULL);
    checkf(nb.code == EXIT_INPUT, __LINE__, "no bond: exit 1, got %d", nb.code);
    checkf(count_lines(nb.err) == 1 && strstr(nb.err, "minimal.ini: no bond to compare"), __LINE__,
           "no bond: one line: %s", nb.err);
    checkf(!g_file_test(dir, G_FILE_TEST_EXISTS), __LINE__, "nothing written");
    run_clear(&nb);

    Run two = bondsim_in(NULL, "compare", SCENARIO, SCENARIO, NULL);
    checkf(two.code == EXIT_USAGE, __LINE__, "two files: exit 2, got %d", two.code);
    run_clear(&two);
}

static void unwritable_output_exits_3(void)
{
    g_autofree char *scratch = cu_scratch_dir("compare-unwritable");
    g_autofree char *file = g_build_filename(scratch, "a-file", NULL);
    CU_ASSERT_TRUE_FATAL(g_file_set_contents(file, "x", -1, NULL));
    Run r = bondsim_in(NULL, "compare", SCENARIO, "--modes", "1", "-o", file, NULL);
    checkf(r.code == EXIT_OUTPUT, __LINE__, "-o on a file: exit 3, got %d", r.code);
    checkf(count_lines(r.err) == 1 && strstr(r.err, "output directory"), __LINE__,
           "one line naming the directory: %s", r.err);
    run_clear(&r);
}

static void default_directory_is_named_after_the_scenario(void)
{
    g_autofree char *cwd = cu_scratch_dir("compare-default");
    Run r = bondsim_in(cwd, "compare", SCENARIO, "--modes", "1", "-q", NULL);
    checkf(r.code == EXIT_OK, __LINE__, "exit 0, got %d: %s", r.code, r.err);
    g_autofree char *dir = g_build_filename(cwd, "pcaps", "out", "compare-failover-compare", NULL);
    g_autoptr(GPtrArray) files = list_files(dir);
    g_autofree char *l = join(files);
    checkf(strcmp(l, "active-backup/compare-failover.pcapng, active-backup/reorder.csv, "
                     "active-backup/series.csv, active-backup/stats.json, compare.csv, "
                     "compare.json") == 0,
           __LINE__, "pcaps/out/compare-failover-compare/ holds [%s]", l);
    run_clear(&r);
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
    return rc;
}
