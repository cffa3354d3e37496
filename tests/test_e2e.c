/* test_e2e.c - every scenario of scenarios/ (sub-folders included) run end
 * to end through the built `bondsim` binary, and its outputs read back.
 *
 * Each scenario runs twice with its own seed into two scratch directories
 * whose paths differ in length: both runs must exit 0 and write the same
 * bytes (no clock, host name or path inside an output). The pcapng file is
 * then walked block by block here (SHB comment, interface names, frames per
 * interface) and, when tshark is installed, read by tshark (expert info,
 * interface names, packet comments); the classic-pcap output is read with
 * libpcap. The default scenario's stats.json is checked against the
 * failover it demonstrates, and a small lossy scenario (tests/data/lossy.ini)
 * shows that the seed changes a capture only where randomness is involved.
 *
 * The scenarios run once, on first use, and the runs are shared by every
 * test below (a static cache freed at the end of main).
 */
/* libpcap's headers use the BSD types u_char and u_int. */
#define _DEFAULT_SOURCE 1

#include <CUnit/CUnit.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cu_run.h"
#include "scenario/ini.h"
#include "stats/report.h"
#include "testlib.h"
#include "util/bytes.h"

#define SCENARIO_DIR BONDSIM_SOURCE_DIR "/scenarios"
#define DATA_DIR BONDSIM_SOURCE_DIR "/tests/data"

/* pcapng block types and option codes (pcapng draft, sections 4.1-4.3). */
#define PCAPNG_SHB 0x0A0D0D0Au
#define PCAPNG_IDB 1u
#define PCAPNG_EPB 6u
#define PCAPNG_BYTE_ORDER 0x1A2B3C4Du
#define PCAPNG_OPT_COMMENT 1u
#define PCAPNG_IDB_NAME 2u
/* Classic pcap with nanosecond time stamps, as read in host order. */
#define PCAP_MAGIC_NS 0xA1B23C4Du

/* The MII monitor ticks every 104 ms at HZ=250 (26 jiffies of 4 ms). */
#define MII_TICK_S 0.104

/* ------------------------------------------------------------------------
 * Running programs
 * ------------------------------------------------------------------------ */

static TlRun tshark(const char *first, ...) G_GNUC_NULL_TERMINATED;

/* `tshark ARGS...`, checked for exit 0 and a clean stderr. */
static TlRun tshark(const char *first, ...)
{
    va_list args;
    va_start(args, first);
    TlRun r = tl_spawn_va("tshark", first, args);
    va_end(args);
    tl_checkf(r.code == 0, __LINE__, "tshark exits 0, got %d (stderr: %s)", r.code, r.err);
    tl_checkf(tl_tshark_stderr_clean(r.err), __LINE__,
              "tshark stderr holds only the root warning: %s", r.err);
    return r;
}

static gboolean have_program(const char *name)
{
    g_autofree char *p = g_find_program_in_path(name);
    if (p == NULL)
        fprintf(stderr, " (%s not on PATH: its checks skipped) ", name);
    return p != NULL;
}

/* The packet comment field of this tshark: "frame.comment" (3.6 and
 * later) or "pkt_comment" (older). Static: asked once. */
static const char *tshark_comment_field(void)
{
    static const char *field;
    if (field != NULL)
        return field;
    TlRun r = tshark("-G", "fields", NULL);
    field = strstr(r.out, "\tframe.comment\t") != NULL ? "frame.comment" : "pkt_comment";
    tl_run_clear(&r);
    return field;
}

/* ------------------------------------------------------------------------
 * Files
 * ------------------------------------------------------------------------ */

static gboolean same_strings(const GPtrArray *a, const GPtrArray *b)
{
    if (a->len != b->len)
        return FALSE;
    for (guint i = 0; i < a->len; i++)
        if (strcmp(a->pdata[i], b->pdata[i]) != 0)
            return FALSE;
    return TRUE;
}

/* Whether `needle` occurs in the `len` bytes at `data` (memmem is not
 * standard C). */
static gboolean bytes_contain(const char *data, gsize len, const char *needle)
{
    gsize n = strlen(needle);
    for (const char *p = data; n > 0 && p + n <= data + len; p++) {
        p = memchr(p, needle[0], (gsize)(data + len - p));
        if (p == NULL || p + n > data + len)
            return FALSE;
        if (memcmp(p, needle, n) == 0)
            return TRUE;
    }
    return FALSE;
}

/* ------------------------------------------------------------------------
 * pcapng, walked block by block
 * ------------------------------------------------------------------------ */

/* What a pcapng file says about itself. */
typedef struct {
    char *shb_comment;  /* first opt_comment of the SHB; NULL if none */
    GPtrArray *ifaces;  /* if_name of each IDB, in file order */
    GArray *frames;     /* guint64 EPB count per interface, same order */
    const char *damage; /* NULL when the walk reached the end cleanly */
} Pcapng;

static void pcapng_free(Pcapng *p)
{
    g_free(p->shb_comment);
    g_ptr_array_unref(p->ifaces);
    g_array_unref(p->frames);
    g_free(p);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Pcapng, pcapng_free)

static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* The value of the first option `code` in [opt, end) as a string, or NULL. */
static char *pcapng_option(const uint8_t *opt, const uint8_t *end, uint16_t code)
{
    while (end - opt >= 4) {
        uint16_t c = le16(opt), n = le16(opt + 2);
        if (c == 0 || end - opt - 4 < n)
            return NULL;
        if (c == code)
            return g_strndup((const char *)opt + 4, n);
        opt += 4 + ((n + 3u) & ~3u);
    }
    return NULL;
}

/* One block at `b` of `total` bytes (checked by the caller). */
static const char *pcapng_block(Pcapng *p, const uint8_t *b, uint32_t total, gboolean first)
{
    uint32_t type = get_le32(b);
    const uint8_t *end = b + total - 4;
    if (first != (type == PCAPNG_SHB))
        return "the file must start with its only SHB";
    if (type == PCAPNG_SHB) {
        if (total < 28 || get_le32(b + 8) != PCAPNG_BYTE_ORDER)
            return "SHB too short or not little-endian";
        p->shb_comment = pcapng_option(b + 24, end, PCAPNG_OPT_COMMENT);
    } else if (type == PCAPNG_IDB) {
        if (total < 20)
            return "IDB too short";
        char *name = pcapng_option(b + 16, end, PCAPNG_IDB_NAME);
        g_ptr_array_add(p->ifaces, name ? name : g_strdup("(no name)"));
        guint64 zero = 0;
        g_array_append_val(p->frames, zero);
    } else if (type == PCAPNG_EPB) {
        if (total < 32 || get_le32(b + 8) >= p->frames->len)
            return "EPB too short or for an unknown interface";
        g_array_index(p->frames, guint64, get_le32(b + 8))++;
    }
    return NULL;
}

static Pcapng *pcapng_read(const char *path)
{
    Pcapng *p = g_new0(Pcapng, 1);
    p->ifaces = g_ptr_array_new_with_free_func(g_free);
    p->frames = g_array_new(FALSE, TRUE, sizeof(guint64));
    g_autofree char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(path, &data, &len, NULL)) {
        p->damage = "cannot be read";
        return p;
    }
    const uint8_t *u = (const uint8_t *)data;
    for (gsize off = 0; off < len && p->damage == NULL;) {
        uint32_t total = len - off >= 12 ? get_le32(u + off + 4) : 0;
        if (total < 12 || total % 4 != 0 || total > len - off ||
            get_le32(u + off + total - 4) != total) {
            p->damage = "block length broken or truncated";
            break;
        }
        p->damage = pcapng_block(p, u + off, total, off == 0);
        off += total;
    }
    if (len == 0)
        p->damage = "empty file";
    return p;
}

/* ------------------------------------------------------------------------
 * stats.json: a few fields found by their key (GLib has no JSON parser)
 * ------------------------------------------------------------------------ */

/* The value of the first "key": in [from, end): a string without its
 * quotes (bondsim writes no escaped quote in the values read here), or the
 * raw number/true/false/null. NULL when absent. Caller frees. */
static char *json_get(const char *from, const char *end, const char *key)
{
    g_autofree char *pat = g_strdup_printf("\"%s\":", key);
    const char *p = g_strstr_len(from, end - from, pat);
    if (p == NULL)
        return NULL;
    p += strlen(pat);
    if (*p == '"') {
        const char *q = memchr(p + 1, '"', (gsize)(end - p - 1));
        return q ? g_strndup(p + 1, (gsize)(q - p - 1)) : NULL;
    }
    return g_strndup(p, strcspn(p, ",}]\n"));
}

static double json_num(const char *obj, const char *key)
{
    g_autofree char *v = json_get(obj, obj + strlen(obj), key);
    return v != NULL ? g_ascii_strtod(v, NULL) : -1.0;
}

static gboolean json_is(const char *obj, const char *key, const char *want)
{
    g_autofree char *v = json_get(obj, obj + strlen(obj), key);
    return v != NULL && strcmp(v, want) == 0;
}

/* Copies of the objects of the array "key":[{...},{...}] in `json`; they
 * must be flat (no nested object), as "faults" and "events" are. */
static GPtrArray *json_flat_objects(const char *json, const char *key)
{
    GPtrArray *objs = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *pat = g_strdup_printf("\"%s\":[", key);
    const char *p = strstr(json, pat);
    if (p == NULL)
        return objs;
    for (p += strlen(pat); *p != '\0' && *p != ']'; p++) {
        if (*p != '{')
            continue;
        const char *q = strchr(p, '}');
        if (q == NULL)
            break;
        g_ptr_array_add(objs, g_strndup(p, (gsize)(q - p + 1)));
        p = q;
    }
    return objs;
}

/* ------------------------------------------------------------------------
 * Scenarios and their runs (run once, shared by the tests)
 * ------------------------------------------------------------------------ */

/* One scenario of scenarios/ and its two runs. */
typedef struct {
    char *ini;         /* absolute path of the scenario file */
    char *rel;         /* path under scenarios/, e.g. "default.ini" */
    char *dir1, *dir2; /* the two output directories */
    TlRun run1, run2;  /* `run -q -o dir1` and `run -o dir2` */
    char *name;        /* scenario name, from stats.json ("" if absent) */
    char *seed;        /* seed, from stats.json ("" if absent) */
    char *pcapng;      /* dir1/NAME.pcapng */
    char *json;        /* contents of dir1/stats.json ("" if absent) */
    GPtrArray *ifaces; /* capture interfaces the scenario defines, sorted */
} Scenario;

static void scenario_free(gpointer data)
{
    Scenario *s = data;
    g_free(s->ini);
    g_free(s->rel);
    g_free(s->dir1);
    g_free(s->dir2);
    tl_run_clear(&s->run1);
    tl_run_clear(&s->run2);
    g_free(s->name);
    g_free(s->seed);
    g_free(s->pcapng);
    g_free(s->json);
    g_ptr_array_unref(s->ifaces);
    g_free(s);
}

static GPtrArray *scenarios_cache;

/* "sw1.port3" or "sw1.3" -> "sw1/port3" when sw1 is a [switch]; NULL for a
 * host NIC (listed from the host's nic.* keys) or junk. Caller frees. */
static char *switch_port_name(const IniFile *ini, const char *endpoint)
{
    g_auto(GStrv) part = g_strsplit(endpoint, ".", 2);
    if (part[0] == NULL || part[1] == NULL)
        return NULL;
    g_autofree char *group = g_strdup_printf("switch %s", part[0]);
    if (!ini_has_group(ini, group))
        return NULL;
    const char *num = g_str_has_prefix(part[1], "port") ? part[1] + 4 : part[1];
    return g_strdup_printf("%s/port%s", part[0], num);
}

/* What bondsim captures: every host NIC and bond (HOST/IF) and every cabled
 * switch port (SWITCH/portN), read from the scenario file itself. */
static GPtrArray *expected_ifaces(const char *path)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    GError *error = NULL;
    g_autoptr(IniFile) ini = ini_load(path, &error);
    tl_checkf(ini != NULL, __LINE__, "%s loads: %s", path, error ? error->message : "");
    g_clear_error(&error);
    for (guint i = 0; ini != NULL && i < ini_n_groups(ini); i++) {
        const char *g = ini_group(ini, i);
        /* a [nat NAME] box is a host too (sim/nat.h) */
        const char *host = g_str_has_prefix(g, "host ")  ? g + 5
                           : g_str_has_prefix(g, "nat ") ? g + 4
                                                         : NULL;
        for (const char *const *k = ini_keys(ini, g); *k != NULL; k++) {
            if (host && g_str_has_prefix(*k, "nic."))
                g_ptr_array_add(names, g_strdup_printf("%s/%s", host, *k + 4));
            else if (host && g_str_has_prefix(*k, "bond.") && strchr(*k + 5, '.') == NULL)
                g_ptr_array_add(names, g_strdup_printf("%s/%s", host, *k + 5));
            if (strcmp(g, "links") != 0)
                continue;
            g_autofree char *peer =
                g_strndup(ini_get(ini, g, *k), strcspn(ini_get(ini, g, *k), " \t"));
            char *a = switch_port_name(ini, *k), *b = switch_port_name(ini, peer);
            if (a != NULL)
                g_ptr_array_add(names, a);
            if (b != NULL)
                g_ptr_array_add(names, b);
        }
    }
    g_ptr_array_sort(names, tl_cmp_str);
    return names;
}

static void find_scenarios(const char *dir, GPtrArray *found)
{
    g_autoptr(GPtrArray) all = tl_list_files(dir);
    for (guint i = 0; i < all->len; i++)
        if (g_str_has_suffix(all->pdata[i], ".ini"))
            g_ptr_array_add(found, g_strdup(all->pdata[i]));
}

/* Runs one scenario twice; the checks are left to the tests. */
static Scenario *scenario_run(const char *rel, const char *scratch)
{
    Scenario *s = g_new0(Scenario, 1);
    s->rel = g_strdup(rel);
    s->ini = g_build_filename(SCENARIO_DIR, rel, NULL);
    g_autofree char *label = g_strdelimit(g_strdup(rel), "/", '_');
    s->dir1 = g_build_filename(scratch, label, "1", NULL);
    s->dir2 = g_build_filename(scratch, label, "second-run", NULL);
    s->run1 = tl_bondsim("run", s->ini, "-q", "-o", s->dir1, NULL);
    s->run2 = tl_bondsim("run", s->ini, "-o", s->dir2, NULL);
    g_autofree char *json_path = g_build_filename(s->dir1, "stats.json", NULL);
    if (!g_file_get_contents(json_path, &s->json, NULL, NULL))
        s->json = g_strdup("");
    const char *end = s->json + strlen(s->json);
    s->name = json_get(s->json, end, "scenario");
    s->seed = json_get(s->json, end, "seed");
    if (s->name == NULL)
        s->name = g_strdup("");
    if (s->seed == NULL)
        s->seed = g_strdup("");
    g_autofree char *base = g_strconcat(s->name, ".pcapng", NULL);
    s->pcapng = g_build_filename(s->dir1, base, NULL);
    s->ifaces = expected_ifaces(s->ini);
    return s;
}

/* Every scenario, run on first call. Borrowed. */
static GPtrArray *scenarios(void)
{
    if (scenarios_cache != NULL)
        return scenarios_cache;
    scenarios_cache = g_ptr_array_new_with_free_func(scenario_free);
    g_autofree char *scratch = cu_scratch_dir("e2e");
    g_autoptr(GPtrArray) rels = g_ptr_array_new_with_free_func(g_free);
    find_scenarios(SCENARIO_DIR, rels);
    for (guint i = 0; i < rels->len; i++)
        g_ptr_array_add(scenarios_cache, scenario_run(rels->pdata[i], scratch));
    return scenarios_cache;
}

/* The run of scenarios/`rel`, or NULL (with a failed assertion). */
static Scenario *scenario(const char *rel)
{
    GPtrArray *all = scenarios();
    for (guint i = 0; i < all->len; i++) {
        Scenario *s = all->pdata[i];
        if (strcmp(s->rel, rel) == 0)
            return s;
    }
    tl_checkf(FALSE, __LINE__, "scenarios/%s exists", rel);
    return NULL;
}

/* Both runs succeeded: later tests skip a scenario that did not. */
static gboolean scenario_ok(const Scenario *s)
{
    return s->run1.code == 0 && s->run2.code == 0;
}

/* ------------------------------------------------------------------------
 * Tests: every scenario
 * ------------------------------------------------------------------------ */

/* A table CSV of the summary (report_table_csv_name). */
static gboolean is_table_csv(const char *file)
{
    for (guint i = 0; i < report_table_csv_count(); i++)
        if (strcmp(file, report_table_csv_name(i)) == 0)
            return TRUE;
    return FALSE;
}

/* The capture, the data files and stats.json, plus table CSVs only (which
 * ones: tests/test_csv.c). */
static gboolean expected_outputs(const GPtrArray *files, const char *const *want, size_t n_want)
{
    for (size_t w = 0; w < n_want; w++)
        if (!g_ptr_array_find_with_equal_func((GPtrArray *)files, want[w], g_str_equal, NULL))
            return FALSE;
    for (guint i = 0; i < files->len; i++) {
        gboolean listed = is_table_csv(files->pdata[i]);
        for (size_t w = 0; w < n_want && !listed; w++)
            listed = strcmp(files->pdata[i], want[w]) == 0;
        if (!listed)
            return FALSE;
    }
    return TRUE;
}

/* The same outputs in both directories, byte for byte. */
static void check_same_outputs(const Scenario *s)
{
    g_autoptr(GPtrArray) f1 = tl_list_files(s->dir1);
    g_autoptr(GPtrArray) f2 = tl_list_files(s->dir2);
    g_autofree char *l1 = tl_join(f1);
    g_autofree char *l2 = tl_join(f2);
    g_autofree char *base = g_strconcat(s->name, ".pcapng", NULL);
    const char *const want[] = {base, "reorder.csv", "series.csv", "stats.json"};
    tl_checkf(expected_outputs(f1, want, G_N_ELEMENTS(want)), __LINE__,
              "%s writes %s, reorder.csv, series.csv, stats.json and table CSVs "
              "only, wrote: %s",
              s->rel, base, l1);
    tl_checkf(same_strings(f1, f2), __LINE__, "%s: same files in both runs: [%s] vs [%s]", s->rel,
              l1, l2);
    for (guint i = 0; i < f1->len && same_strings(f1, f2); i++) {
        g_autofree char *p1 = g_build_filename(s->dir1, f1->pdata[i], NULL);
        g_autofree char *p2 = g_build_filename(s->dir2, f1->pdata[i], NULL);
        g_autofree char *d1 = NULL, *d2 = NULL;
        gsize n1 = 0, n2 = 0;
        gboolean read =
            g_file_get_contents(p1, &d1, &n1, NULL) && g_file_get_contents(p2, &d2, &n2, NULL);
        tl_checkf(read && n1 > 0, __LINE__, "%s is readable and not empty", p1);
        tl_checkf(read && n1 == n2 && memcmp(d1, d2, n1) == 0, __LINE__,
                  "%s and %s are byte-identical", p1, p2);
        tl_checkf(!g_str_has_suffix(f1->pdata[i], ".tmp"), __LINE__, "%s: no .tmp left", p1);
    }
}

static void scenarios_run_twice_byte_identical(void)
{
    GPtrArray *all = scenarios();
    tl_checkf(all->len >= 3, __LINE__, "scenarios/ holds at least 3 scenarios, found %u", all->len);
    for (guint i = 0; i < all->len; i++) {
        const Scenario *s = all->pdata[i];
        tl_checkf(s->run1.code == 0, __LINE__, "%s -q exits 0, got %d: %s", s->rel, s->run1.code,
                  s->run1.err);
        tl_checkf(s->run2.code == 0, __LINE__, "%s exits 0, got %d: %s", s->rel, s->run2.code,
                  s->run2.err);
        tl_checkf(s->run1.out[0] == '\0', __LINE__, "%s -q prints nothing, got: %s", s->rel,
                  s->run1.out);
        tl_checkf(strstr(s->run2.out, "Outputs:") != NULL, __LINE__, "%s prints its summary",
                  s->rel);
        if (scenario_ok(s))
            check_same_outputs(s);
    }
}

/* No output names the directory it was written to or the source tree. */
static void outputs_hold_no_path(void)
{
    g_autofree char *cwd = g_get_current_dir();
    GPtrArray *all = scenarios();
    for (guint i = 0; i < all->len; i++) {
        const Scenario *s = all->pdata[i];
        if (!scenario_ok(s))
            continue;
        static const char *const files[] = {"", "stats.json"};
        for (size_t f = 0; f < G_N_ELEMENTS(files); f++) {
            g_autofree char *path =
                files[f][0] ? g_build_filename(s->dir1, files[f], NULL) : g_strdup(s->pcapng);
            g_autofree char *data = NULL;
            gsize len = 0;
            if (!g_file_get_contents(path, &data, &len, NULL))
                continue; /* reported by scenarios_run_twice_byte_identical */
            tl_checkf(!bytes_contain(data, len, s->dir1), __LINE__, "%s names %s", path, s->dir1);
            tl_checkf(!bytes_contain(data, len, cwd), __LINE__, "%s names %s", path, cwd);
            tl_checkf(!bytes_contain(data, len, BONDSIM_SOURCE_DIR), __LINE__, "%s names %s", path,
                      BONDSIM_SOURCE_DIR);
        }
    }
}

/* The SHB comment says which scenario and seed made the file, not where. */
static void check_shb(const Scenario *s, const Pcapng *p)
{
    g_autofree char *want_name = g_strdup_printf("scenario=%s ", s->name);
    g_autofree char *want_seed = g_strdup_printf("seed=%s ", s->seed);
    const char *c = p->shb_comment ? p->shb_comment : "";
    tl_checkf(strstr(c, want_name) != NULL, __LINE__, "%s: SHB comment has '%s': %s", s->rel,
              want_name, c);
    tl_checkf(strstr(c, want_seed) != NULL, __LINE__, "%s: SHB comment has '%s': %s", s->rel,
              want_seed, c);
    tl_checkf(strstr(c, s->dir1) == NULL && strstr(c, "scratch") == NULL, __LINE__,
              "%s: SHB comment names no output directory: %s", s->rel, c);
    if (!have_program("capinfos"))
        return;
    TlRun r = tl_spawn((const char *const[]){"capinfos", "-k", s->pcapng, NULL});
    tl_checkf(r.code == 0, __LINE__, "capinfos -k %s exits 0: %s", s->pcapng, r.err);
    tl_checkf(strstr(r.out, want_name) != NULL && strstr(r.out, want_seed) != NULL, __LINE__,
              "capinfos shows the SHB comment with name and seed: %s", r.out);
    const char *comment = strstr(r.out, "Capture comment:");
    tl_checkf(comment != NULL && strstr(comment, s->dir1) == NULL, __LINE__,
              "capinfos: comment names no output directory: %s", r.out);
    tl_run_clear(&r);
}

static void pcapng_names_scenario_seed_and_every_interface(void)
{
    GPtrArray *all = scenarios();
    for (guint i = 0; i < all->len; i++) {
        const Scenario *s = all->pdata[i];
        if (!scenario_ok(s))
            continue;
        g_autoptr(Pcapng) p = pcapng_read(s->pcapng);
        tl_checkf(p->damage == NULL, __LINE__, "%s: %s", s->pcapng, p->damage);
        g_autoptr(GPtrArray) got = g_ptr_array_new();
        for (guint j = 0; j < p->ifaces->len; j++)
            g_ptr_array_add(got, p->ifaces->pdata[j]);
        g_ptr_array_sort(got, tl_cmp_str);
        g_autofree char *lg = tl_join(got);
        g_autofree char *lw = tl_join(s->ifaces);
        tl_checkf(same_strings(got, s->ifaces), __LINE__, "%s: IDBs [%s], scenario defines [%s]",
                  s->rel, lg, lw);
        check_shb(s, p);
    }
}

/* Whether every entry of the "Warns (N)" section (tshark 4.x spells it so;
 * older releases "Warnings (N)") is one that the scenario causes on purpose:
 * balance-alb answers ARP for one address with several MACs, which Wireshark
 * reports as "Duplicate IP address configured", exactly as on a real ALB
 * bond; TCP scenarios (tcp-*.ini) show TCP out-of-order segments. Anything
 * else is a real warning. */
static gboolean only_expected_warnings(const Scenario *s, const char *out)
{
    const char *sec = strstr(out, "Warns (");
    if (!sec)
        sec = strstr(out, "Warnings (");
    if (!sec)
        return TRUE;
    gboolean alb = strstr(s->rel, "alb") != NULL;
    /* A TCP scenario's capture holds each segment once per hop; Wireshark
     * 4.0's TCP analysis does not tell interfaces apart and calls the later
     * copies out of order (the scenarios say to export one interface). */
    gboolean tcp = strstr(s->rel, "tcp-") != NULL;
    g_auto(GStrv) lines = g_strsplit(sec, "\n", -1);
    /* header, "=====", column titles, then entries until a blank line */
    for (int i = 3; lines[i] && lines[i][0]; i++)
        if ((!alb || !strstr(lines[i], "Duplicate IP address configured")) &&
            (!tcp || !strstr(lines[i], "out-of-order segment")))
            return FALSE;
    return TRUE;
}

/* `tshark -z expert`: no error, no unexpected warning, no malformed packet. */
static void check_tshark_expert(const Scenario *s)
{
    TlRun r = tshark("-r", s->pcapng, "-q", "-z", "expert", NULL);
    tl_checkf(strstr(r.out, "Errors (") == NULL && only_expected_warnings(s, r.out) &&
                  strstr(r.out, "Malformed") == NULL,
              __LINE__, "%s: tshark expert finds nothing wrong:\n%s", s->rel, r.out);
    tl_run_clear(&r);
}

/* tshark sees a frame on every interface the scenario defines, and no other. */
static void check_tshark_interfaces(const Scenario *s)
{
    TlRun r = tshark("-r", s->pcapng, "-T", "fields", "-e", "frame.interface_name", NULL);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_auto(GStrv) lines = g_strsplit(r.out, "\n", -1);
    for (char **l = lines; *l != NULL; l++)
        if (**l != '\0')
            g_hash_table_add(seen, *l);
    g_autoptr(GPtrArray) got = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, seen);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_ptr_array_add(got, key);
    g_ptr_array_sort(got, tl_cmp_str);
    g_autofree char *lg = tl_join(got);
    g_autofree char *lw = tl_join(s->ifaces);
    tl_checkf(same_strings(got, s->ifaces), __LINE__, "%s: tshark sees frames on [%s], want [%s]",
              s->rel, lg, lw);
    tl_run_clear(&r);
}

/* Every packet comment reads "bondsim: WHAT ..."; a failover comment reads
 * "bondsim: failover BOND FROM->TO reason=WHY". Returns how many failover
 * comments there are and whether `want` is among them. */
static guint check_tshark_comments(const Scenario *s, const char *want, gboolean *found)
{
    const char *field = tshark_comment_field();
    TlRun r = tshark("-r", s->pcapng, "-Y", field, "-T", "fields", "-E", "aggregator=\n", "-e",
                     field, NULL);
    g_autoptr(GRegex) any = g_regex_new("^bondsim: [a-z-]+( |$)", 0, 0, NULL);
    g_autoptr(GRegex) failover =
        g_regex_new("^bondsim: failover \\S+ \\S+->\\S+ reason=[a-z-]+$", 0, 0, NULL);
    g_auto(GStrv) lines = g_strsplit(r.out, "\n", -1);
    guint n = 0;
    *found = FALSE;
    for (char **l = lines; *l != NULL; l++) {
        if (**l == '\0')
            continue;
        tl_checkf(g_regex_match(any, *l, 0, NULL), __LINE__, "%s: comment '%s' starts 'bondsim: '",
                  s->rel, *l);
        if (strstr(*l, "failover") == NULL)
            continue;
        n++;
        tl_checkf(g_regex_match(failover, *l, 0, NULL), __LINE__,
                  "%s: '%s' reads 'bondsim: failover BOND FROM->TO reason=WHY'", s->rel, *l);
        *found = *found || (want != NULL && strcmp(*l, want) == 0);
    }
    tl_run_clear(&r);
    return n;
}

static void tshark_reads_every_capture(void)
{
    if (!have_program("tshark"))
        return;
    GPtrArray *all = scenarios();
    for (guint i = 0; i < all->len; i++) {
        const Scenario *s = all->pdata[i];
        if (!scenario_ok(s))
            continue;
        check_tshark_expert(s);
        check_tshark_interfaces(s);
        gboolean found;
        check_tshark_comments(s, NULL, &found);
    }
}

/* `tshark -Y 'frame.comment contains "failover"'` finds the failover. */
static void tshark_finds_failover_comments(void)
{
    if (!have_program("tshark"))
        return;
    static const char *const rels[] = {"default.ini", "active-backup.ini"};
    const char *want = "bondsim: failover bond0 eth0->eth1 reason=carrier";
    for (size_t i = 0; i < G_N_ELEMENTS(rels); i++) {
        const Scenario *s = scenario(rels[i]);
        if (s == NULL || !scenario_ok(s))
            continue;
        g_autofree char *filter =
            g_strdup_printf("%s contains \"failover\"", tshark_comment_field());
        TlRun r = tshark("-r", s->pcapng, "-Y", filter, NULL);
        tl_checkf(r.out[0] != '\0', __LINE__, "%s: -Y '%s' finds a frame", s->rel, filter);
        tl_run_clear(&r);
        gboolean found = FALSE;
        guint n = check_tshark_comments(s, want, &found);
        tl_checkf(n >= 1, __LINE__, "%s: failover comments found", s->rel);
        tl_checkf(found, __LINE__, "%s: a frame carries the comment '%s'", s->rel, want);
    }
}

/* ------------------------------------------------------------------------
 * Tests: the default scenario's statistics
 * ------------------------------------------------------------------------ */

/* The cut at 2 s: detected at the next MII tick, one failover eth0->eth1
 * for carrier, a short gap with frames lost. */
static void check_cut(const Scenario *s, GPtrArray *faults, GPtrArray *events)
{
    const char *cut = NULL;
    for (guint i = 0; i < faults->len; i++)
        if (json_is(faults->pdata[i], "name", "cut"))
            cut = faults->pdata[i];
    tl_checkf(cut != NULL, __LINE__, "%s: stats.json has the fault 'cut'", s->rel);
    if (cut == NULL)
        return;
    double at = json_num(cut, "at_s"), det = json_num(cut, "detection_s");
    double gap = json_num(cut, "gap_s"), lost = json_num(cut, "frames_lost");
    tl_checkf(at == 2.0, __LINE__, "cut at 2 s, got %.12f", at);
    tl_checkf(det >= 0.0 && det <= MII_TICK_S, __LINE__, "detected within one MII tick, got %.12f",
              det);
    tl_checkf(gap > 0.0 && gap <= 0.105, __LINE__, "failover gap in (0, 0.105] s, got %.12f", gap);
    tl_checkf(lost > 0, __LINE__, "frames lost at the cut, got %.0f", lost);
    guint n = 0;
    for (guint i = 0; i < events->len; i++) {
        const char *ev = events->pdata[i];
        double t = json_num(ev, "t_s");
        if (!json_is(ev, "event", "failover") || t < 2.0 || t >= 4.0)
            continue;
        n++;
        tl_checkf(json_is(ev, "subject", "server/bond0") && json_is(ev, "from", "eth0") &&
                      json_is(ev, "to", "eth1") && json_is(ev, "reason", "carrier"),
                  __LINE__, "failover of server/bond0 from eth0 to eth1 for carrier: %s", ev);
        tl_checkf(t - 2.0 <= MII_TICK_S, __LINE__, "failover within one MII tick of the cut: %s",
                  ev);
    }
    tl_checkf(n == 1, __LINE__, "one failover between the cut and the repair, got %u", n);
}

/* After the repair at 4 s eth0, the primary, is active again. */
static void check_repair(const Scenario *s, GPtrArray *events)
{
    const char *last = NULL;
    for (guint i = 0; i < events->len; i++)
        if (json_is(events->pdata[i], "event", "failover") &&
            json_num(events->pdata[i], "t_s") >= 4.0)
            last = events->pdata[i];
    tl_checkf(last != NULL && json_is(last, "to", "eth0"), __LINE__,
              "%s: after the repair the bond fails back to eth0: %s", s->rel, last ? last : "none");
    const char *bond = strstr(s->json, "\"name\":\"server/bond0\"");
    g_autofree char *active = bond ? json_get(bond, bond + strlen(bond), "active") : NULL;
    tl_checkf(active != NULL && strcmp(active, "eth0") == 0, __LINE__,
              "%s: eth0 is active at the end, got %s", s->rel, active ? active : "nothing");
}

static void default_stats_show_one_carrier_failover(void)
{
    const Scenario *s = scenario("default.ini");
    if (s == NULL || !scenario_ok(s))
        return;
    g_autoptr(GPtrArray) faults = json_flat_objects(s->json, "faults");
    g_autoptr(GPtrArray) events = json_flat_objects(s->json, "events");
    tl_checkf(faults->len == 2, __LINE__, "two faults in stats.json, got %u", faults->len);
    tl_checkf(events->len > 0, __LINE__, "events in stats.json");
    check_cut(s, faults, events);
    check_repair(s, events);
    /* The list the scenario's comment promises in Wireshark. */
    static const char *const want[] = {"client/eth0", "server/bond0", "server/eth0", "server/eth1",
                                       "sw1/port1",   "sw1/port2",    "sw1/port3"};
    tl_checkf(s->ifaces->len == G_N_ELEMENTS(want), __LINE__, "default.ini: %u interfaces",
              s->ifaces->len);
    for (guint i = 0; i < s->ifaces->len && i < G_N_ELEMENTS(want); i++)
        tl_checkf(strcmp(s->ifaces->pdata[i], want[i]) == 0, __LINE__, "interface %s, want %s",
                  (char *)s->ifaces->pdata[i], want[i]);
}

/* ------------------------------------------------------------------------
 * Tests: other formats, seeds, commands
 * ------------------------------------------------------------------------ */

/* Frames in a classic pcap file read through libpcap, or -1 (why in *why). */
static gint64 pcap_frames(const char *path, char *why)
{
    uint32_t magic = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL || fread(&magic, sizeof magic, 1, f) != 1)
        magic = 0;
    if (f != NULL)
        fclose(f);
    if (magic != PCAP_MAGIC_NS) {
        g_snprintf(why, PCAP_ERRBUF_SIZE, "magic 0x%08x is not 0x%08x", magic, PCAP_MAGIC_NS);
        return -1;
    }
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, why);
    if (p == NULL)
        return -1;
    gint64 n = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1)
        n++;
    if (rc != PCAP_ERROR_BREAK)
        g_snprintf(why, PCAP_ERRBUF_SIZE, "read error: %s", pcap_geterr(p));
    if (pcap_datalink(p) != DLT_EN10MB)
        g_snprintf(why, PCAP_ERRBUF_SIZE, "link type %d is not Ethernet", pcap_datalink(p));
    gboolean ok = rc == PCAP_ERROR_BREAK && pcap_datalink(p) == DLT_EN10MB;
    pcap_close(p);
    return ok ? n : -1;
}

/* One DIR/pcap/HOST_IF.pcap per interface, holding the frames the pcapng
 * file holds for that interface. */
static void check_pcap_dir(const Scenario *s, const char *dir)
{
    g_autoptr(Pcapng) ng = pcapng_read(s->pcapng);
    g_autoptr(GPtrArray) files = tl_list_files(dir);
    g_autoptr(GPtrArray) want = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < s->ifaces->len; i++) {
        g_autofree char *base = g_strdelimit(g_strdup(s->ifaces->pdata[i]), "/", '_');
        g_ptr_array_add(want, g_strdup_printf("pcap/%s.pcap", base));
    }
    g_ptr_array_add(want, g_strdup("reorder.csv"));
    g_ptr_array_add(want, g_strdup("series.csv"));
    g_ptr_array_add(want, g_strdup("stats.json"));
    /* the table CSVs the pcapng run wrote */
    g_autoptr(GPtrArray) ng_files = tl_list_files(s->dir1);
    for (guint i = 0; i < ng_files->len; i++)
        if (is_table_csv(ng_files->pdata[i]))
            g_ptr_array_add(want, g_strdup(ng_files->pdata[i]));
    g_ptr_array_sort(want, tl_cmp_str);
    g_autofree char *lf = tl_join(files);
    g_autofree char *lw = tl_join(want);
    tl_checkf(same_strings(files, want), __LINE__, "%s --pcap-format=pcap writes [%s], want [%s]",
              s->rel, lf, lw);
    for (guint i = 0; i < ng->ifaces->len; i++) {
        g_autofree char *base = g_strdelimit(g_strdup(ng->ifaces->pdata[i]), "/", '_');
        g_autofree char *file = g_strconcat(base, ".pcap", NULL);
        g_autofree char *path = g_build_filename(dir, "pcap", file, NULL);
        char why[PCAP_ERRBUF_SIZE] = "";
        gint64 n = pcap_frames(path, why);
        guint64 want_n = g_array_index(ng->frames, guint64, i);
        tl_checkf(n >= 0, __LINE__, "%s reads through libpcap: %s", path, why);
        tl_checkf(n < 0 || (guint64)n == want_n, __LINE__,
                  "%s holds %" G_GINT64_FORMAT " frames, the pcapng %" G_GUINT64_FORMAT, path, n,
                  want_n);
    }
}

static void pcap_format_writes_one_nanosecond_file_per_interface(void)
{
    g_autofree char *scratch = cu_scratch_dir("e2e-pcap");
    GPtrArray *all = scenarios();
    for (guint i = 0; i < all->len; i++) {
        const Scenario *s = all->pdata[i];
        if (!scenario_ok(s))
            continue;
        g_autofree char *label = g_strdelimit(g_strdup(s->rel), "/", '_');
        g_autofree char *dir = g_build_filename(scratch, label, NULL);
        TlRun r = tl_bondsim("run", s->ini, "-q", "-o", dir, "--pcap-format=pcap", NULL);
        tl_checkf(r.code == 0, __LINE__, "%s --pcap-format=pcap exits 0, got %d: %s", s->rel,
                  r.code, r.err);
        if (r.code == 0)
            check_pcap_dir(s, dir);
        tl_run_clear(&r);
    }
}

static void none_format_writes_only_stats(void)
{
    const Scenario *s = scenario("default.ini");
    if (s == NULL)
        return;
    g_autofree char *dir = cu_scratch_dir("e2e-none");
    TlRun r = tl_bondsim("run", s->ini, "-q", "-o", dir, "--pcap-format", "none", NULL);
    tl_checkf(r.code == 0, __LINE__, "--pcap-format none exits 0, got %d: %s", r.code, r.err);
    g_autoptr(GPtrArray) files = tl_list_files(dir);
    g_autofree char *lf = tl_join(files);
    const char *const want[] = {"reorder.csv", "series.csv", "stats.json", "bonds.csv",
                                "slaves.csv",  "flows.csv",  "faults.csv", "switches.csv"};
    tl_checkf(files->len == G_N_ELEMENTS(want) && expected_outputs(files, want, G_N_ELEMENTS(want)),
              __LINE__, "--pcap-format none writes only the data files and stats.json, wrote: %s",
              lf);
    tl_run_clear(&r);
}

/* Runs tests/data/lossy.ini with `seed` into scratch/`sub`; returns the
 * pcapng and stats.json contents (NULL when missing). */
static void run_lossy(const char *scratch, const char *sub, const char *seed, GBytes **pcapng,
                      char **json)
{
    g_autofree char *dir = g_build_filename(scratch, sub, NULL);
    TlRun r = tl_bondsim("run", DATA_DIR "/lossy.ini", "-q", "-o", dir, "--seed", seed, NULL);
    tl_checkf(r.code == 0, __LINE__, "lossy.ini --seed %s exits 0, got %d: %s", seed, r.code,
              r.err);
    tl_run_clear(&r);
    g_autofree char *cap = g_build_filename(dir, "lossy.pcapng", NULL);
    g_autofree char *stats = g_build_filename(dir, "stats.json", NULL);
    char *data = NULL;
    gsize len = 0;
    *pcapng = g_file_get_contents(cap, &data, &len, NULL) ? g_bytes_new_take(data, len) : NULL;
    if (!g_file_get_contents(stats, json, NULL, NULL))
        *json = NULL;
}

/* The frames after the SHB (which names the seed, so always differs). */
static GBytes *after_shb(GBytes *file)
{
    gsize len = 0;
    const uint8_t *d = g_bytes_get_data(file, &len);
    gsize shb = len >= 8 ? get_le32(d + 4) : 0;
    return g_bytes_new_from_bytes(file, MIN(shb, len), len - MIN(shb, len));
}

static void seed_changes_capture_only_where_random(void)
{
    g_autofree char *scratch = cu_scratch_dir("e2e-seed");
    g_autoptr(GBytes) a = NULL, b = NULL, c = NULL;
    g_autofree char *ja = NULL, *jb = NULL, *jc = NULL;
    run_lossy(scratch, "seed1", "1", &a, &ja);
    run_lossy(scratch, "seed1-again", "1", &b, &jb);
    run_lossy(scratch, "seed2", "2", &c, &jc);
    CU_ASSERT_FATAL(a != NULL && b != NULL && c != NULL && ja && jb && jc);
    CU_ASSERT_TRUE(g_bytes_equal(a, b));
    CU_ASSERT_STRING_EQUAL(ja, jb);
    g_autoptr(GBytes) fa = after_shb(a);
    g_autoptr(GBytes) fc = after_shb(c);
    tl_checkf(!g_bytes_equal(fa, fc), __LINE__,
              "seeds 1 and 2 lose different frames on a lossy link");
    /* Past the first line (which names the seed) the statistics differ too. */
    tl_checkf(strcmp(strchr(ja, '\n'), strchr(jc, '\n')) != 0, __LINE__,
              "seeds 1 and 2 give different statistics");
    tl_checkf(strstr(jc, "\"seed\":2,") != NULL, __LINE__, "stats.json says seed 2");

    /* Without randomness the seed only has to reach the outputs. */
    g_autofree char *dir = g_build_filename(scratch, "default-seed2", NULL);
    TlRun r = tl_bondsim("run", SCENARIO_DIR "/default.ini", "-q", "-o", dir, "--seed", "2", NULL);
    tl_checkf(r.code == 0, __LINE__, "default.ini --seed 2 exits 0, got %d: %s", r.code, r.err);
    g_autofree char *cap = g_build_filename(dir, "default.pcapng", NULL);
    g_autoptr(Pcapng) p = pcapng_read(cap);
    tl_checkf(p->shb_comment != NULL && strstr(p->shb_comment, "seed=2 ") != NULL, __LINE__,
              "SHB comment says seed=2: %s", p->shb_comment ? p->shb_comment : "(none)");
    tl_run_clear(&r);
}

static void validate_version_and_help(void)
{
    TlRun v = tl_bondsim("validate", SCENARIO_DIR "/default.ini", NULL);
    tl_checkf(v.code == 0, __LINE__, "validate default.ini exits 0, got %d: %s", v.code, v.err);
    tl_checkf(strstr(v.out, "valid") != NULL, __LINE__, "validate prints 'valid': %s", v.out);
    tl_run_clear(&v);

    TlRun ver = tl_bondsim("--version", NULL);
    tl_checkf(ver.code == 0, __LINE__, "--version exits 0, got %d", ver.code);
    CU_ASSERT_STRING_EQUAL(ver.out, "bondsim " BONDSIM_VERSION "\n");
    tl_run_clear(&ver);

    TlRun h = tl_bondsim("--help", NULL);
    tl_checkf(h.code == 0, __LINE__, "--help exits 0, got %d", h.code);
    tl_checkf(strstr(h.out, "Usage") != NULL && strstr(h.out, "run FILE") != NULL, __LINE__,
              "--help prints the usage: %s", h.out);
    tl_run_clear(&h);
}

int main(void)
{
    CU_TestInfo cases[] = {
        {"scenarios_run_twice_byte_identical", scenarios_run_twice_byte_identical},
        {"outputs_hold_no_path", outputs_hold_no_path},
        {"pcapng_names_scenario_seed_and_every_interface",
         pcapng_names_scenario_seed_and_every_interface},
        {"tshark_reads_every_capture", tshark_reads_every_capture},
        {"tshark_finds_failover_comments", tshark_finds_failover_comments},
        {"default_stats_show_one_carrier_failover", default_stats_show_one_carrier_failover},
        {"pcap_format_writes_one_nanosecond_file_per_interface",
         pcap_format_writes_one_nanosecond_file_per_interface},
        {"none_format_writes_only_stats", none_format_writes_only_stats},
        {"seed_changes_capture_only_where_random", seed_changes_capture_only_where_random},
        {"validate_version_and_help", validate_version_and_help},
        CU_TEST_INFO_NULL,
    };
    int rc = cu_run("e2e", cases);
    g_clear_pointer(&scenarios_cache, g_ptr_array_unref);
    return rc;
}
