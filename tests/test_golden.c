/* test_golden.c - the captures kept in pcaps/ are golden files.
 *
 * For every pcaps/<name>.pcapng, scenarios/<name>.ini is run again with its
 * own seed and the fresh capture must be byte-identical: any change of mode
 * behaviour, timing or capture layout shows up here. When a change is meant,
 * tools/regen-pcaps.sh rewrites the kept files. Every teaching scenario must
 * have its kept capture.
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "cu_run.h"
#include "testlib.h"

/* `wheel`: BONDSIM_ENGINE_WHEEL for the run (sim/sim.c), or NULL. */
static char *run_scenario(const char *scenario, const char *out_dir, const char *wheel)
{
    const char *argv[] = {BONDSIM_BINARY, "run", scenario, "-q", "-o", out_dir, NULL};
    g_auto(GStrv) env = g_get_environ();
    if (wheel)
        env = g_environ_setenv(env, "BONDSIM_ENGINE_WHEEL", wheel, TRUE);
    TlRun r = tl_spawn_in(NULL, argv, env);
    gboolean ok = r.code == 0;
    if (!ok)
        fprintf(stderr, "bondsim run %s failed: %s\n", scenario, r.err);
    tl_run_clear(&r);
    return ok ? g_strdup(out_dir) : NULL;
}

static void check_golden(const char *wheel)
{
    g_autofree char *pcaps = g_build_filename(BONDSIM_SOURCE_DIR, "pcaps", NULL);
    g_autofree char *scratch = cu_scratch_dir(wheel ? "golden-wheel" : "golden");
    GDir *dir = g_dir_open(pcaps, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    const char *entry;
    int checked = 0;
    while ((entry = g_dir_read_name(dir)) != NULL) {
        if (!g_str_has_suffix(entry, ".pcapng"))
            continue;
        g_autofree char *name = g_strndup(entry, strlen(entry) - strlen(".pcapng"));
        g_autofree char *ini = g_strdup_printf("%s/scenarios/%s.ini", BONDSIM_SOURCE_DIR, name);
        CU_ASSERT_TRUE(g_file_test(ini, G_FILE_TEST_EXISTS));
        g_autofree char *out = g_build_filename(scratch, name, NULL);
        g_autofree char *ran = run_scenario(ini, out, wheel);
        CU_ASSERT_PTR_NOT_NULL(ran);
        if (!ran)
            continue;
        g_autofree char *fresh_path = g_strdup_printf("%s/%s.pcapng", out, name);
        g_autofree char *kept_path = g_build_filename(pcaps, entry, NULL);
        g_autofree char *fresh = NULL, *kept = NULL;
        gsize fresh_len = 0, kept_len = 0;
        CU_ASSERT_TRUE(g_file_get_contents(fresh_path, &fresh, &fresh_len, NULL));
        CU_ASSERT_TRUE(g_file_get_contents(kept_path, &kept, &kept_len, NULL));
        gboolean same =
            fresh && kept && fresh_len == kept_len && memcmp(fresh, kept, fresh_len) == 0;
        if (!same)
            fprintf(stderr,
                    "pcaps/%s differs from a fresh run of scenarios/%s.ini%s (%zu vs %zu bytes): "
                    "behaviour changed; if intended, run tools/regen-pcaps.sh\n",
                    entry, name, wheel ? " with the engine's wheel from 8 pending" : "",
                    (size_t)kept_len, (size_t)fresh_len);
        CU_ASSERT_TRUE(same);
        checked++;
    }
    g_dir_close(dir);
    CU_ASSERT_TRUE(checked > 0);
}

static void golden_captures_match_fresh_runs(void)
{
    check_golden(NULL);
}

/* No kept scenario has 512 events pending, where the engine leaves its heap
 * for the wheel: with the switch at 8 pending (back at 2) every run crosses
 * it both ways many times, and must still give the same bytes. */
static void golden_captures_match_with_the_engine_wheel(void)
{
    check_golden("8/2");
    /* the knob is honoured: the default scenario, run in-process with it,
     * lays the wheel out and leaves it again (otherwise the runs above
     * would only repeat the heap's) */
    g_setenv("BONDSIM_ENGINE_WHEEL", "8/2", TRUE);
    g_autofree char *ini = tl_scenario_path("default.ini");
    Sim *sim = tl_scenario_run(ini, NULL, NULL, NULL);
    g_unsetenv("BONDSIM_ENGINE_WHEEL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
    tl_checkf(sim->eng.w->builds > 0 && sim->eng.w->returns > 0, __LINE__,
              "BONDSIM_ENGINE_WHEEL=8/2: wheel builds %" G_GUINT64_FORMAT
              ", returns %" G_GUINT64_FORMAT,
              sim->eng.w->builds, sim->eng.w->returns);
    sim_free(sim);
}

static void every_scenario_has_a_kept_capture(void)
{
    g_autofree char *scen = g_build_filename(BONDSIM_SOURCE_DIR, "scenarios", NULL);
    GDir *dir = g_dir_open(scen, 0, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
    const char *entry;
    int scenarios = 0;
    while ((entry = g_dir_read_name(dir)) != NULL) {
        if (!g_str_has_suffix(entry, ".ini"))
            continue;
        scenarios++;
        g_autofree char *name = g_strndup(entry, strlen(entry) - strlen(".ini"));
        g_autofree char *kept = g_strdup_printf("%s/pcaps/%s.pcapng", BONDSIM_SOURCE_DIR, name);
        if (!g_file_test(kept, G_FILE_TEST_EXISTS))
            fprintf(stderr, "scenarios/%s has no kept capture: run tools/regen-pcaps.sh\n", entry);
        CU_ASSERT_TRUE(g_file_test(kept, G_FILE_TEST_EXISTS));
    }
    g_dir_close(dir);
    CU_ASSERT_TRUE(scenarios > 0);
}

static CU_TestInfo cases[] = {
    {"golden_captures_match_fresh_runs", golden_captures_match_fresh_runs},
    {"golden_captures_match_with_the_engine_wheel", golden_captures_match_with_the_engine_wheel},
    {"every_scenario_has_a_kept_capture", every_scenario_has_a_kept_capture},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("golden", cases);
}
