/* cu_run.h - the one CUnit runner every tests/test_<module>.c uses.
 *
 * A test file declares its cases in a CU_TestInfo array and calls
 * cu_run("suite", cases) from main(). The runner uses the basic interface in
 * verbose mode and returns non-zero when any assertion failed (the basic
 * runner's own return code does not say so).
 */
#ifndef BONDSIM_TESTS_CU_RUN_H
#define BONDSIM_TESTS_CU_RUN_H

#include <CUnit/CUnit.h>

int cu_run(const char *suite_name, CU_TestInfo *cases);

/* A fresh empty directory under the build tree for a test's outputs; the
 * caller frees it with g_free. Removed and recreated on each call. */
char *cu_scratch_dir(const char *name);

#endif
