/* test_fault_reorder.c - frames delivered out of order after each fault.
 *
 * balance-rr over paths 1 ms apart reorders about half of a stream's frames
 * while both slaves carry it. An extra fault at 0.6 s (a link-up on a link
 * that is up: it changes nothing) opens a window [0.6 s, 0.7 s) in which the
 * reordering goes on; the cut of eth1 at 0.7 s closes it, and after the cut
 * everything takes eth0, so nothing is out of order any more. The per-fault
 * figure ("out_of_order_after" in stats.json) must show exactly that, and
 * the windows must add up to the flow's total.
 */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cu_run.h"

static uint64_t json_u64_after(const char *json, const char *anchor, const char *key)
{
    const char *p = strstr(json, anchor);
    if (!p)
        return UINT64_MAX;
    p = strstr(p, key);
    if (!p)
        return UINT64_MAX;
    return g_ascii_strtoull(p + strlen(key), NULL, 10);
}

static void out_of_order_is_counted_per_fault_window(void)
{
    g_autofree char *dir = cu_scratch_dir("fault-reorder");
    const char *argv[] = {BONDSIM_BINARY,
                          "run",
                          BONDSIM_SOURCE_DIR "/scenarios/balance-rr.ini",
                          "-q",
                          "--pcap-format",
                          "none",
                          "-o",
                          dir,
                          "--set",
                          "fault.early.at=0.6s",
                          "--set",
                          "fault.early.link-up=server.eth1",
                          NULL};
    int status = -1;
    gboolean ok = g_spawn_sync(NULL, (char **)argv, NULL,
                               G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               NULL, NULL, &status, NULL);
    CU_ASSERT_TRUE_FATAL(ok && g_spawn_check_wait_status(status, NULL));
    g_autofree char *path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *json = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &json, NULL, NULL));
    uint64_t early = json_u64_after(json, "\"name\":\"early\"", "\"out_of_order_after\":");
    uint64_t cut = json_u64_after(json, "\"name\":\"cut-eth1\"", "\"out_of_order_after\":");
    uint64_t total = json_u64_after(json, "\"name\":\"stream\"", "\"out_of_order\":");
    /* 2000 datagrams a second: the 100 ms window holds about 200 frames,
     * about half of them overtaken by the next frame over the shorter path */
    CU_ASSERT_TRUE(early >= 80 && early <= 120);
    CU_ASSERT_EQUAL(cut, 0);
    /* the stream runs 0.5-0.8 s: the first 100 ms reorder as much again */
    CU_ASSERT_TRUE(total > early && total <= 2 * early + 2);
}

static CU_TestInfo cases[] = {
    {"out_of_order_is_counted_per_fault_window", out_of_order_is_counted_per_fault_window},
    CU_TEST_INFO_NULL,
};

int main(void)
{
    return cu_run("fault_reorder", cases);
}
