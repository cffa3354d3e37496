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
#include "testlib.h"

static void out_of_order_is_counted_per_fault_window(void)
{
    g_autofree char *dir = cu_scratch_dir("fault-reorder");
    TlRun r = tl_bondsim("run", BONDSIM_SOURCE_DIR "/scenarios/balance-rr.ini", "-q",
                         "--pcap-format", "none", "-o", dir, "--set", "fault.early.at=0.6s",
                         "--set", "fault.early.link-up=server.eth1", NULL);
    int code = r.code;
    tl_run_clear(&r);
    CU_ASSERT_TRUE_FATAL(code == 0);
    g_autofree char *path = g_build_filename(dir, "stats.json", NULL);
    g_autofree char *json = NULL;
    CU_ASSERT_TRUE_FATAL(g_file_get_contents(path, &json, NULL, NULL));
    /* an absent figure (-1) reads as UINT64_MAX and fails every check */
    uint64_t early = (uint64_t)tl_json_int(json, "\"name\":\"early\"", "out_of_order_after");
    uint64_t cut = (uint64_t)tl_json_int(json, "\"name\":\"cut-eth1\"", "out_of_order_after");
    uint64_t total = (uint64_t)tl_json_int(json, "\"name\":\"stream\"", "out_of_order");
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
